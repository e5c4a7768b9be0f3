/*
 * dotenv.h - parses dotenv text exactly as Kamal's secrets files are read
 * (the Ruby dotenv gem 3.x parser, with Kamal's command substitution).
 *
 * The rules, in the order the gem applies them:
 *  1. "\r\n" and lone "\r" become "\n".
 *  2. Each line is "[export ]KEY=VALUE" or "KEY: VALUE" (KEY is [A-Za-z0-9_.]+;
 *     blanks around "=" allowed). A bare "KEY" defines KEY as "". Lines that
 *     are not assignments (comments, junk) are ignored, as the gem does.
 *     "export KEY" (or "export KEY=" with no value) requires KEY to be
 *     defined earlier in the same file, else it is an error.
 *  3. VALUE is '...' (literal, may span lines), "..." (may span lines) or
 *     unquoted up to a "#" or the end of the line; then stripped.
 *  4. In "...", \n and \r stay as the two characters backslash-n/-r
 *     (DOTENV_LINEBREAK_MODE=legacy, in the file or the environment, makes
 *     them newline/CR).
 *  5. Unless single-quoted: a backslash before any character but "$" is
 *     dropped; then $(command) is replaced by the command's output minus one
 *     trailing newline (\$(...) stays literal); then $VAR, ${VAR} are
 *     replaced by the value from this file's earlier keys, opts->inherit,
 *     or the process environment, else "" (\$VAR stays literal).
 *     Note the gem applies step 5's variables to command output too.
 *
 * A command runs as /bin/sh -c COMMAND in workdir, after $VAR expansion.
 * One starting with "kamal secrets " (or "berth secrets ") is run inline
 * by secrets_inline() (secrets/fetch.h), as Kamal does. Unlike Kamal, a
 * command that exits non-zero is an error, so a vault that fails to answer
 * never becomes an empty secret. Error messages quote a $(command) as
 * written, never expanded: a $VAR in it may be a secret.
 */
#ifndef BERTH_DOTENV_H
#define BERTH_DOTENV_H

#include "strbuf.h"
#include "strvec.h"

struct dotenv {
	struct strvec names;  /* in file order; a redefinition keeps its slot */
	struct strvec values; /* values[i] belongs to names[i] */
};

#define DOTENV_INIT { STRVEC_INIT, STRVEC_INIT }

struct dotenv_options {
	const char *filename; /* for messages */
	const char *workdir;  /* where $(command) runs */
	const struct dotenv *inherit; /* earlier files' values, may be NULL */
	int redact; /* log_redact_add() each value as it is assigned */
	/*
	 * The gem as a Ruby program calls it (Dotenv.load in a config's
	 * ERB), before Kamal has put its own substitution in:
	 *
	 * keep_env: the gem's overwrite: false. A key already set in the
	 * process environment (DOTENV_LINEBREAK_MODE excepted) takes that
	 * value, its line is not evaluated, and later lines see that value.
	 *
	 * run: when set, each $(command) (after $VAR expansion) is handed to
	 * it instead of being run here; it appends the output to out, or
	 * fills why and returns -1. The commands are found by the gem's own
	 * expression, in which a backslash escapes nothing, and "kamal
	 * secrets" is a command like any other.
	 */
	int keep_env;
	int (*run)(void *data, const char *cmd, struct strbuf *out, struct strbuf *why);
	void *run_data;
};

/* Parses text into env (appending). -1 with err "FILE:LINE: KEY: msg". */
int dotenv_parse(struct dotenv *env, const char *text, size_t len,
		 const struct dotenv_options *opts, struct strbuf *err);
/*
 * Reads a dotenv file as the gem opens it ("rb:bom|utf-8": a UTF-8 byte
 * order mark is dropped). -1 with errno set, as strbuf_read_file().
 */
int dotenv_read_file(struct strbuf *sb, const char *path);
const char *dotenv_get(const struct dotenv *env, const char *name);
void dotenv_set(struct dotenv *env, const char *name, const char *value);
void dotenv_clear(struct dotenv *env);

/* With disable set, $(command) is an error for the whole process (fuzzing). */
void dotenv_disable_commands(int disable);

#endif
