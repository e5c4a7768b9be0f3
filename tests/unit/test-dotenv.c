/* test-dotenv.c - the dotenv gem's rules, as Kamal reads .kamal/secrets. */
#include "unit.h"
#include "secrets/dotenv.h"
#include <stdlib.h>

static struct dotenv env = DOTENV_INIT;
static struct strbuf err = STRBUF_INIT;

static int parse(const char *text)
{
	struct dotenv_options o = { .filename = ".kamal/secrets" };
	dotenv_clear(&env);
	strbuf_reset(&err);
	return dotenv_parse(&env, text, strlen(text), &o, &err);
}

/* The value of name after parsing text, or "(unset)"/"(error)". */
static const char *val(const char *text, const char *name)
{
	const char *v;
	if (parse(text) < 0)
		return "(error)";
	v = dotenv_get(&env, name);
	return v ? v : "(unset)";
}

static void unquoted_values(void)
{
	CHECK_STR(val("FOO=bar", "FOO"), "bar");
	CHECK_STR(val("FOO= bar", "FOO"), "bar");
	CHECK_STR(val("FOO =bar", "FOO"), "bar");
	CHECK_STR(val("  FOO=bar  ", "FOO"), "bar");
	CHECK_STR(val("FOO=bar\\ bar", "FOO"), "bar bar");
	CHECK_STR(val("FOO=", "FOO"), "");
	CHECK_STR(val("FOO", "FOO"), "");
	CHECK_STR(val("FOO.BAR=foobar", "FOO.BAR"), "foobar");
	CHECK_STR(val("OPTION_A: 1", "OPTION_A"), "1");
	CHECK_STR(val("export OPTION_A=2", "OPTION_A"), "2");
}

static void comments(void)
{
	CHECK_STR(val("foo=bar # this is foo", "foo"), "bar");
	CHECK_STR(val("foo=bar#baz", "foo"), "bar");
	CHECK_STR(val("foo=\"bar#baz\" # comment", "foo"), "bar#baz");
	CHECK_STR(val("foo= \"bar#baz\" # comment", "foo"), "bar#baz");
	CHECK_STR(val("foo='ba#r'  ", "foo"), "ba#r");
	CHECK_STR(val("\n\n\n # HERE GOES FOO \nfoo=bar", "foo"), "bar");
	CHECK_STR(val("# HELLO=world\n", "HELLO"), "(unset)");
	CHECK_STR(val("lol$wut", "lol"), "(unset)");
	CHECK_INT(env.names.nr, 0);
}

static void quotes(void)
{
	CHECK_STR(val("FOO=\"bar\"", "FOO"), "bar");
	CHECK_STR(val("FOO='bar'  ", "FOO"), "bar");
	CHECK_STR(val("FOO=\"escaped\\\"bar\"", "FOO"), "escaped\"bar");
	CHECK_STR(val("BAR='quote $FOO'", "BAR"), "quote $FOO");
	/* \n in double quotes stays backslash-n unless legacy mode */
	CHECK_STR(val("FOO=\"bar\\nbaz\"", "FOO"), "bar\\nbaz");
	CHECK_STR(val("FOO=\"bar\\rbaz\"", "FOO"), "bar\\rbaz");
	CHECK_STR(val("DOTENV_LINEBREAK_MODE=legacy\nFOO=\"bar\\nbaz\\rfizz\"", "FOO"),
		  "bar\nbaz\rfizz");
	CHECK_STR(val("FOO=\"a\n\nb\n\nc\"", "FOO"), "a\n\nb\n\nc");
	CHECK_STR(val("OPTION_A=first line\nexport OPTION_B='line 1\nline 2\nline 3'\nOPTION_C=\"last line\"", "OPTION_B"),
		  "line 1\nline 2\nline 3");
	CHECK_STR(dotenv_get(&env, "OPTION_C"), "last line");
	CHECK_STR(val("OPTION_ESCAPED='line one\nthis is \\'quoted\\'\none more line'", "OPTION_ESCAPED"),
		  "line one\nthis is \\'quoted\\'\none more line");
	CHECK_STR(val("OPTION_ESCAPED=\"line one\nthis is \\\"quoted\\\"\none more line\"", "OPTION_ESCAPED"),
		  "line one\nthis is \"quoted\"\none more line");
	/* a quote not followed by only blanks/comment is read unquoted */
	CHECK_STR(val("FOO='abc' def", "FOO"), "'abc' def");
}

static void variables(void)
{
	setenv("BERTH_T_DOTENV", "fromenv", 1);
	unsetenv("BERTH_T_NOPE");
	CHECK_STR(val("FOO=test\nBAR=$FOO", "BAR"), "test");
	CHECK_STR(val("FOO=test\nBAR=${FOO}bar", "BAR"), "testbar");
	CHECK_STR(val("BAR=$BERTH_T_DOTENV", "BAR"), "fromenv");
	CHECK_STR(val("BERTH_T_DOTENV=file\nBAR=$BERTH_T_DOTENV", "BAR"), "file");
	CHECK_STR(val("BAR=$BERTH_T_NOPE", "BAR"), "");
	CHECK_STR(val("FOO=test\nBAR=\"quote $FOO\"", "BAR"), "quote test");
	CHECK_STR(val("FOO=\"foo\\$BAR\"", "FOO"), "foo$BAR");
	CHECK_STR(val("FOO=\"foo\\${BAR}\"", "FOO"), "foo${BAR}");
	CHECK_STR(val("FOO=test\nBAR=\"foo\\${FOO} ${FOO}\"", "BAR"), "foo${FOO} test");
	CHECK_STR(val("FOO=\"bar\\$ \\$\\$\"", "FOO"), "bar$ $$");
	CHECK_STR(val("FOO=\"bar $ \"", "FOO"), "bar $ ");
}

static void commands(void)
{
	CHECK_STR(val("echo=$(echo hello)", "echo"), "hello");
	CHECK_STR(val("echo=$(echo \"$(echo \"$(echo \"$(echo hello)\")\")\")", "echo"), "hello");
	CHECK_STR(val("echo=escaped-\\$(echo hello)", "echo"), "escaped-$(echo hello)");
	CHECK_STR(val("interp=$(echo \"Quotes won't be a problem\")", "interp"),
		  "Quotes won't be a problem");
	CHECK_STR(val("FOO='passwo(rd'\nBAR=$(echo '$FOO')", "BAR"), "passwo(rd");
	CHECK_STR(val("FOO=$(echo bar)\nBAR=$(echo $FOO)", "BAR"), "bar");
	CHECK_STR(val("VAR1=var1\ninterp=$(echo \"VAR1 is $VAR1\")", "interp"), "VAR1 is var1");
	/* one trailing newline is chomped; backslashes went before the run */
	CHECK_STR(val("M=$(echo a; echo)", "M"), "a\n");
	CHECK_STR(val("M=$(printf 'a\\n')", "M"), "an");
}

static void failing_command_names_key_and_line(void)
{
	CHECK_INT(parse("A=1\n\nTOKEN=$(echo partial; exit 3)\n"), -1);
	CHECK_STR(err.buf, ".kamal/secrets:3: TOKEN: command `$(echo partial; exit 3)` failed (exit status 3)");
	dotenv_disable_commands(1);
	CHECK_INT(parse("X=$(echo hi)"), -1);
	CHECK(strstr(err.buf, ".kamal/secrets:1: X: command substitution is disabled") == err.buf);
	dotenv_disable_commands(0);
}

static void export_of_unset_variable_is_an_error(void)
{
	CHECK_STR(val("OPTION_A=2\nexport OPTION_A", "OPTION_A"), "2");
	CHECK_INT(parse("OPTION_A=2\nexport OH_NO_NOT_SET"), -1);
	CHECK_STR(err.buf, ".kamal/secrets:2: OH_NO_NOT_SET: Line \"export OH_NO_NOT_SET\" has an unset variable");
}

static void line_endings(void)
{
	CHECK_STR(val("FOO=bar\rbaz=fbb", "baz"), "fbb");
	CHECK_STR(val("FOO=bar\r\nbaz=fbb", "FOO"), "bar");
	CHECK_STR(val("\n \t  \nfoo=bar\n \nfizz=buzz", "fizz"), "buzz");
}

static void redefinition_keeps_its_slot(void)
{
	CHECK_INT(parse("A=1\nB=2\nA=3"), 0);
	CHECK_INT(env.names.nr, 2);
	CHECK_STR(env.names.v[0], "A");
	CHECK_STR(env.values.v[0], "3");
}

static void inline_kamal_secrets(void)
{
	const char *text =
		"SECRETS=$(kamal secrets fetch --adapter test --account acc --from Vault/Item KEY1 KEY2)\n"
		"KEY1=$(kamal secrets extract KEY1 $SECRETS)\n"
		"KEY2=$(kamal secrets extract KEY2 ${SECRETS})\n";
	CHECK_INT(parse(text), 0);
	CHECK_STR(dotenv_get(&env, "KEY1"), "1YEK/metI/tluaV");
	CHECK_STR(dotenv_get(&env, "KEY2"), "2YEK/metI/tluaV");
	CHECK_INT(parse("K=$(kamal secrets extract NOPE {})\n"), -1);
	CHECK_STR(err.buf, ".kamal/secrets:1: K: Could not find secret NOPE");
}

int main(void)
{
	RUN(unquoted_values);
	RUN(comments);
	RUN(quotes);
	RUN(variables);
	RUN(commands);
	RUN(failing_command_names_key_and_line);
	RUN(export_of_unset_variable_is_an_error);
	RUN(line_endings);
	RUN(redefinition_keeps_its_slot);
	RUN(inline_kamal_secrets);
	dotenv_clear(&env);
	strbuf_release(&err);
	return unit_done();
}
