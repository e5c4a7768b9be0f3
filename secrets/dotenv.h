/*
 * dotenv.h - parses dotenv text exactly as Kamal's secrets files are read
 * (the Ruby dotenv gem's rules): comments, "export", single quotes (literal),
 * double quotes (escapes, multi-line, $VAR/${VAR}), unquoted values with
 * interpolation, and $(command) substitution run by /bin/sh in workdir.
 *
 * Variables are looked up first in the entries already parsed, then in the
 * process environment.
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
};

/* Parses text into env (appending). -1 with err "FILE:LINE: KEY: msg". */
int dotenv_parse(struct dotenv *env, const char *text, size_t len,
		 const struct dotenv_options *opts, struct strbuf *err);
const char *dotenv_get(const struct dotenv *env, const char *name);
void dotenv_set(struct dotenv *env, const char *name, const char *value);
void dotenv_clear(struct dotenv *env);

#endif
