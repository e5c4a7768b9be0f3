/* test-shcmd.c - the word model: how words become a remote shell line. */
#include "commands/shcmd.h"
#include "quote.h"
#include "unit.h"

static char *line(const struct shcmd *c, int redact)
{
	struct strbuf sb = STRBUF_INIT;
	shcmd_to_shell(c, &sb, redact);
	return strbuf_detach(&sb, NULL);
}

#define CHECK_LINE(c, want)                                                    \
	do {                                                                   \
		char *l_ = line((c), 0);                                       \
		CHECK_STR(l_, want);                                           \
		free(l_);                                                      \
	} while (0)

static void raw_words_are_quoted_only_when_needed(void)
{
	struct shcmd c = SHCMD_INIT;
	shcmd_addl(&c, "docker", "ps", "--filter", "label=service=fleet", NULL);
	CHECK_LINE(&c, "docker ps --filter label=service=fleet");
	shcmd_add(&c, "it's a value");
	shcmd_add(&c, "$HOME");
	shcmd_add(&c, "");
	CHECK_LINE(&c, "docker ps --filter label=service=fleet 'it'\\''s a value' '$HOME' ''");
	shcmd_clear(&c);
}

static void shell_words_are_sent_as_they_are(void)
{
	struct shcmd c = SHCMD_INIT;
	shcmd_addl(&c, "docker", "run", "--log-opt", NULL);
	shcmd_add_shell(&c, "max-size=\"10m\"");
	shcmd_add_shell(&c, "--filter");
	shcmd_add_shell(&c, "'name=^kamal-proxy$'");
	CHECK_LINE(&c, "docker run --log-opt max-size=\"10m\" --filter 'name=^kamal-proxy$'");
	shcmd_clear(&c);
}

static void an_assignment_in_command_position_is_quoted(void)
{
	struct shcmd a = SHCMD_INIT, b = SHCMD_INIT, c = SHCMD_INIT;
	shcmd_addl(&a, "A=b", "echo", "A=b", NULL);
	shcmd_addl(&b, "X=1", NULL);
	shcmd_combine(&c, "&&", &a, &b, NULL);
	CHECK_LINE(&c, "'A=b' echo A=b && 'X=1'");
	shcmd_clear(&a);
	shcmd_clear(&b);
	shcmd_clear(&c);
}

static void combinators_skip_empty_commands(void)
{
	struct shcmd a = SHCMD_INIT, empty = SHCMD_INIT, b = SHCMD_INIT, c = SHCMD_INIT;
	shcmd_addl(&a, "/usr/bin/env", "mkdir", "-p", ".kamal", NULL);
	shcmd_addl(&b, "echo", "hi", NULL);
	shcmd_combine(&c, "&&", &a, &empty, &b, NULL);
	CHECK_LINE(&c, "/usr/bin/env mkdir -p .kamal && echo hi");
	shcmd_clear(&c);
	shcmd_combine(&c, "|", &empty, NULL);
	CHECK(shcmd_empty(&c));
	shcmd_clear(&a);
	shcmd_clear(&b);
}

static void substitution_and_sh_c(void)
{
	struct shcmd inner = SHCMD_INIT, c = SHCMD_INIT;
	shcmd_addl(&inner, "cat", ".kamal/proxy/options", NULL);
	shcmd_add_shelll(&inner, "2>", "/dev/null", NULL);
	shcmd_add(&c, "echo");
	shcmd_add_substitution(&c, &inner);
	CHECK_LINE(&c, "echo $(cat .kamal/proxy/options 2> /dev/null)");
	shcmd_clear(&c);
	shcmd_clear(&inner);
	shcmd_add_shelll(&inner, "curl", "-fsSL", "https://get.docker.com", "||", "echo", "\"exit 1\"", NULL);
	shcmd_add(&c, "/usr/bin/env");
	shcmd_add_sh_c(&c, &inner);
	CHECK_LINE(&c, "/usr/bin/env sh -c 'curl -fsSL https://get.docker.com || echo \"exit 1\"'");
	shcmd_clear(&c);
	shcmd_clear(&inner);
}

static void sensitive_words_show_their_redaction(void)
{
	struct shcmd c = SHCMD_INIT;
	char *shown;
	shcmd_addl(&c, "docker", "login", "ghcr.io", "-u", NULL);
	shcmd_add_sensitive(&c, "user", "[REDACTED]");
	CHECK_LINE(&c, "docker login ghcr.io -u user");
	shown = line(&c, 1);
	CHECK_STR(shown, "docker login ghcr.io -u [REDACTED]");
	free(shown);
	CHECK(!shcmd_is_argv(&c));
	shcmd_clear(&c);
}

static void argv_form(void)
{
	struct shcmd c = SHCMD_INIT;
	struct strvec v = STRVEC_INIT;
	shcmd_addl(&c, "docker", "build", "a b", NULL);
	CHECK(shcmd_is_argv(&c));
	shcmd_to_argv(&c, &v);
	CHECK_INT(v.nr, 3);
	CHECK_STR(v.v[2], "a b");
	strvec_clear(&v);
	shcmd_clear(&c);
}

static void split_like_the_shell(void)
{
	struct strvec v = STRVEC_INIT;
	CHECK_INT(quote_split("docker run --label service=\"fleet\" 'a b'\\ c x\\\"y", &v, QUOTE_SPLIT_SUBSTITUTIONS), 0);
	CHECK_INT(v.nr, 6);
	CHECK_STR(v.v[3], "service=fleet");
	CHECK_STR(v.v[4], "a b c");
	CHECK_STR(v.v[5], "x\"y");
	strvec_clear(&v);
	CHECK_INT(quote_split("echo $(cat x 2> /dev/null || echo \"a) b\") done", &v, QUOTE_SPLIT_SUBSTITUTIONS), 0);
	CHECK_INT(v.nr, 3);
	CHECK_STR(v.v[1], "$(cat x 2> /dev/null || echo \"a) b\")");
	strvec_clear(&v);
	CHECK_INT(quote_split("echo 'open", &v, QUOTE_SPLIT_SUBSTITUTIONS), -1);
	strvec_clear(&v);
}

static void raw_and_quoted_lines_split_alike(void)
{
	struct shcmd c = SHCMD_INIT;
	struct strvec v = STRVEC_INIT;
	char *l;
	shcmd_addl(&c, "echo", "it's", "a b", "$x", NULL);
	l = line(&c, 0);
	CHECK_INT(quote_split(l, &v, QUOTE_SPLIT_SUBSTITUTIONS), 0);
	CHECK_INT(v.nr, 4);
	CHECK_STR(v.v[1], "it's");
	CHECK_STR(v.v[2], "a b");
	CHECK_STR(v.v[3], "$x");
	free(l);
	strvec_clear(&v);
	shcmd_clear(&c);
}

int main(void)
{
	RUN(raw_words_are_quoted_only_when_needed);
	RUN(shell_words_are_sent_as_they_are);
	RUN(an_assignment_in_command_position_is_quoted);
	RUN(combinators_skip_empty_commands);
	RUN(substitution_and_sh_c);
	RUN(sensitive_words_show_their_redaction);
	RUN(argv_form);
	RUN(split_like_the_shell);
	RUN(raw_and_quoted_lines_split_alike);
	return unit_done();
}
