/*
 * quote.h - the single place where words become a shell string.
 *
 * Commands run on remote hosts go through ssh, which hands one string to
 * the remote user's shell. Every word berth sends is quoted here, so no
 * value from a config or secret is ever interpreted by that shell.
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

#endif
