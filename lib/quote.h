/*
 * quote.h - the single place where words become shell text, and shell
 * text becomes words again.
 *
 * Commands run on remote hosts go through ssh, which hands one string to
 * the remote user's shell. Every word berth sends is quoted here, so no
 * value from a config or secret is ever interpreted by that shell
 * (commands/cmd.h builds whole lines on top of this). The Ruby escapes
 * Kamal uses live here too, because berth must send what Kamal sends.
 */
#ifndef BERTH_QUOTE_H
#define BERTH_QUOTE_H

#include "strbuf.h"
#include "strvec.h"

/* Appends s single-quoted for a POSIX shell: abc -> 'abc', a'b -> 'a'\''b'. */
void sq_quote_buf(struct strbuf *dst, const char *s);

/*
 * Appends argv as one shell command line, words separated by spaces.
 * Words made only of safe characters ([A-Za-z0-9_./:=@%+,-]) are left bare
 * so traces stay readable; all others are single-quoted.
 */
void sq_quote_argv(struct strbuf *dst, const char **argv);

/* Whether a word needs no quoting. */
int sq_is_safe(const char *s);

/*
 * Splits shell text into words as Ruby's Shellwords (and a POSIX shell
 * before expansion) does: quotes removed, backslashes honoured, unquoted
 * whitespace separates. With QUOTE_SPLIT_SUBSTITUTIONS a "$(...)" is kept
 * verbatim as (part of) one word, nested parentheses and quotes included,
 * so command lines compare word by word. -1 on an unterminated quote or
 * substitution.
 */
#define QUOTE_SPLIT_SUBSTITUTIONS 1u
int quote_split(const char *s, struct strvec *out, unsigned flags);

/* Ruby's String#shellescape (backslashes; used where Kamal uses it). */
void quote_rb_shellescape(struct strbuf *out, const char *s);

/*
 * Kamal::Utils.escape_shell_value: Ruby's String#dump of the ASCII runs
 * (non-ASCII runs as they are), then backticks and every "$" not starting
 * a ${...} escaped. The result is one double-quoted shell word.
 */
void quote_kamal_value(struct strbuf *out, const char *value);

/*
 * Kamal::EnvFile's escape of a value in a docker --env-file line: String#dump
 * of the ASCII runs without the surrounding quotes, and with '"' and '#'
 * left as they are (docker takes them literally). A newline becomes "\n".
 */
void quote_docker_env_value(struct strbuf *out, const char *value);

#endif
