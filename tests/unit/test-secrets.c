/* test-secrets.c - which .kamal/secrets* files are read, in what order. */
#include "unit.h"
#include "secrets/fetch.h"
#include "secrets/secrets.h"
#include "log.h"
#include "run-command.h"
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/berth-test-secrets.XXXXXX";

static void write_file(const char *name, const char *text)
{
	struct strbuf path = STRBUF_INIT;
	FILE *f;
	strbuf_addf(&path, "%s/.kamal/%s", dir, name);
	f = fopen(path.buf, "w");
	fputs(text, f);
	fclose(f);
	strbuf_release(&path);
}

static const char *get(const char *dest, const char *name)
{
	static struct strbuf v = STRBUF_INIT;
	struct secrets *s;
	struct strbuf err = STRBUF_INIT;
	const char *x;
	strbuf_reset(&v);
	if (secrets_load(&s, dir, dest, &err) < 0) {
		strbuf_addf(&v, "ERROR: %s", err.buf);
	} else {
		x = secrets_get(s, name);
		strbuf_addstr(&v, x ? x : "(unset)");
		secrets_free(s);
	}
	strbuf_release(&err);
	return v.buf;
}

static void no_files_no_secrets(void)
{
	CHECK_STR(get(NULL, "SECRET"), "(unset)");
	CHECK_STR(get("dest", "SECRET"), "(unset)");
}

static void destinations(void)
{
	/* Kamal's own test: secrets.dest replaces secrets, common is shared */
	write_file("secrets.dest", "SECRET=DEF");
	write_file("secrets", "SECRET=ABC");
	write_file("secrets-common", "SECRET=GHI\nSECRET2=JKL");
	CHECK_STR(get(NULL, "SECRET"), "ABC");
	CHECK_STR(get("dest", "SECRET"), "DEF");
	CHECK_STR(get("nodest", "SECRET"), "GHI");
	CHECK_STR(get(NULL, "SECRET2"), "JKL");
	CHECK_STR(get("dest", "SECRET2"), "JKL");
	CHECK_STR(get("nodest", "SECRET2"), "JKL");
}

static void order_is_first_definition(void)
{
	struct secrets *s;
	struct strbuf err = STRBUF_INIT;
	const char *n, *v;
	write_file("secrets-common", "B=common\nA=common");
	write_file("secrets", "C=1\nA=app");
	CHECK_INT(secrets_load(&s, dir, NULL, &err), 0);
	CHECK(secrets_at(s, 0, &n, &v));
	CHECK_STR(n, "B");
	CHECK(secrets_at(s, 1, &n, &v));
	CHECK_STR(n, "A");
	CHECK_STR(v, "app");
	CHECK(secrets_at(s, 2, &n, &v));
	CHECK_STR(n, "C");
	CHECK(!secrets_at(s, 3, &n, &v));
	secrets_free(s);
	strbuf_release(&err);
}

static void files_do_not_see_each_other(void)
{
	/* Kamal parses each file on its own: $A here is the environment's */
	unsetenv("A");
	write_file("secrets-common", "A=common");
	write_file("secrets", "B=x$A");
	CHECK_STR(get(NULL, "B"), "x");
}

static void commands_run_in_the_project_dir(void)
{
	write_file("secrets", "WHERE=$(ls .kamal/secrets)");
	CHECK_STR(get(NULL, "WHERE"), ".kamal/secrets");
}

static void errors_name_the_file(void)
{
	struct strbuf want = STRBUF_INIT;
	write_file("secrets", "A=1\nTOKEN=$(exit 1)");
	strbuf_addf(&want, "ERROR: %s/.kamal/secrets:2: TOKEN: command `$(exit 1)` failed (exit status 1)", dir);
	CHECK_STR(get(NULL, "TOKEN"), want.buf);
	strbuf_release(&want);
}

static void values_are_redacted(void)
{
	char *r;
	write_file("secrets", "PASSWORD=hunter2-very-secret");
	CHECK_STR(get(NULL, "PASSWORD"), "hunter2-very-secret");
	r = log_redact("login with hunter2-very-secret now");
	CHECK(!strstr(r, "hunter2"));
	free(r);
}

static void values_are_redacted_before_a_later_line_fails(void)
{
	char *r;
	log_redact_clear();
	write_file("secrets", "EARLY=early-secret-1\nLATE=$(exit 2)");
	CHECK(starts_with(get(NULL, "LATE"), "ERROR: "));
	r = log_redact("early-secret-1");
	CHECK_STR(r, "[REDACTED]");
	free(r);
}

static void fetched_values_are_redacted(void)
{
	/* the test adapter answers each name reversed */
	struct secrets_fetch_options o = { "test", "account", NULL };
	const char *names[] = { "fetched-value-9" };
	struct strbuf json = STRBUF_INIT, err = STRBUF_INIT;
	char *r;
	log_redact_clear();
	CHECK_INT(secrets_fetch(&o, names, 1, &json, &err), 0);
	r = log_redact("9-eulav-dehctef");
	CHECK_STR(r, "[REDACTED]");
	free(r);
	strbuf_release(&json);
	strbuf_release(&err);
}

static int dumpable_at_start;

static void loading_makes_the_process_undumpable(void)
{
	struct secrets *s;
	struct strbuf err = STRBUF_INIT;
	struct rlimit core;

	CHECK_INT(dumpable_at_start, 1);
	write_file("secrets", "A=1");
	CHECK_INT(secrets_load(&s, dir, NULL, &err), 0);
	secrets_free(s);
	/* no core file: not dumpable, and a core limit of 0 */
	CHECK_INT(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	CHECK_INT(getrlimit(RLIMIT_CORE, &core), 0);
	CHECK_INT(core.rlim_cur, 0);
	strbuf_release(&err);
}

int main(void)
{
	struct strbuf k = STRBUF_INIT;
	dumpable_at_start = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	if (!mkdtemp(dir))
		return 1;
	strbuf_addf(&k, "%s/.kamal", dir);
	mkdir(k.buf, 0700);
	RUN(loading_makes_the_process_undumpable);
	RUN(no_files_no_secrets);
	RUN(destinations);
	RUN(order_is_first_definition);
	RUN(files_do_not_see_each_other);
	RUN(commands_run_in_the_project_dir);
	RUN(errors_name_the_file);
	RUN(values_are_redacted);
	RUN(values_are_redacted_before_a_later_line_fails);
	RUN(fetched_values_are_redacted);
	{
		const char *rm[] = { "rm", "-rf", dir, NULL };
		strbuf_reset(&k);
		if (capture_argv(rm, &k))
			return 1;
	}
	strbuf_release(&k);
	return unit_done();
}
