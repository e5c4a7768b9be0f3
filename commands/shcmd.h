/*
 * shcmd.h - the word model of every command berth sends to a host.
 *
 * A command is a list of words. Each word is one of two kinds, and the
 * kind decides how it reaches the remote shell:
 *
 *  - raw (shcmd_add): a value, exactly as the program should receive it. It
 *    is quoted once, by quote.h, when the line is built; words made only of
 *    safe characters stay bare, so "docker ps --filter label=service=app"
 *    reads as Kamal prints it.
 *  - shell (shcmd_add_shell): a word that is already shell text and is sent
 *    as it is: Kamal's escaped values ('max-size="10m"', Ruby's String#dump
 *    of env values), quoted filters ("'name=^app-web$'"), operators ("&&",
 *    "|", ">>"), substitutions ("$(...)") and redirections ("2>&1").
 *
 * Kamal's builders produce shell text that SSHKit joins with spaces; by
 * keeping that text as shell words and every value berth adds as a raw
 * word, shcmd_to_shell() is the one function that builds a command line, and
 * its output for a Kamal command is the line Kamal sends.
 *
 * A word may also be sensitive: it carries its own redaction ("-p" then
 * "[REDACTED]"), used whenever the line is shown rather than sent.
 *
 * Ownership: a struct shcmd owns copies of its words. SHCMD_INIT needs no
 * allocation; shcmd_clear() frees and re-initialises.
 */
#ifndef BERTH_COMMANDS_SHCMD_H
#define BERTH_COMMANDS_SHCMD_H

#include "strbuf.h"
#include "strvec.h"

enum shcmd_word_kind { SHCMD_RAW = 0, SHCMD_SHELL = 1 };

struct shcmd_word {
	char *text;
	char *redacted; /* shown instead of text when not NULL */
	enum shcmd_word_kind kind;
};

struct shcmd {
	struct shcmd_word *w;
	size_t nr, alloc;
};

#define SHCMD_INIT { NULL, 0, 0 }

void shcmd_init(struct shcmd *c);
void shcmd_clear(struct shcmd *c);
int shcmd_empty(const struct shcmd *c);

/* A raw word: quoted when the line is built, if it needs it. */
void shcmd_add(struct shcmd *c, const char *word);
void shcmd_addf(struct shcmd *c, const char *fmt, ...) BERTH_PRINTF(2, 3);
/* Raw words, NULL-terminated. */
void shcmd_addl(struct shcmd *c, ...);

/* A word that already is shell text. */
void shcmd_add_shell(struct shcmd *c, const char *word);
void shcmd_add_shellf(struct shcmd *c, const char *fmt, ...) BERTH_PRINTF(2, 3);
/* Shell words, NULL-terminated. */
void shcmd_add_shelll(struct shcmd *c, ...);

/* A word shown as redaction (a shell word, sent as text). */
void shcmd_add_sensitive(struct shcmd *c, const char *text, const char *redaction);

/* Appends every word of src (kinds and redactions kept). */
void shcmd_append(struct shcmd *dst, const struct shcmd *src);

/*
 * Kamal's combinators: the words of each non-empty command in turn, with
 * the operator between them ("&&", "||", "|", ";", ">", ">>"). The list
 * ends with NULL; empty commands are skipped, as Kamal's compact() does.
 */
void shcmd_combine(struct shcmd *dst, const char *op, ...);

/* "$(line)" as one shell word. */
void shcmd_add_substitution(struct shcmd *dst, const struct shcmd *inner);
/* sh -c '<line>' as Kamal's shell(): the line single-quoted as one word. */
void shcmd_add_sh_c(struct shcmd *dst, const struct shcmd *inner);

/*
 * The command line: words joined by single spaces, raw words quoted by
 * quote.h. A raw word in command position (first, or after an operator)
 * that contains "=" is quoted too, so the shell never reads it as an
 * assignment. With redact set, sensitive words show their redaction.
 */
void shcmd_to_shell(const struct shcmd *c, struct strbuf *out, int redact);

/* Whether every word is raw: the command can then run as an argv. */
int shcmd_is_argv(const struct shcmd *c);
/* The raw words as an argv (only meaningful when shcmd_is_argv()). */
void shcmd_to_argv(const struct shcmd *c, struct strvec *out);

#endif
