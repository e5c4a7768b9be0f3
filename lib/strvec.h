/*
 * strvec.h - a NULL-terminated vector of owned strings (an argv).
 *
 * v is always NULL-terminated and safe to pass to execvp() as is; nr does
 * not count the NULL. Every pushed string is copied and owned by the
 * vector until strvec_clear() or strvec_detach().
 */
#ifndef BERTH_STRVEC_H
#define BERTH_STRVEC_H

#include "compat.h"

extern const char *strvec_empty[];

struct strvec {
	const char **v;
	size_t nr;
	size_t alloc;
};

#define STRVEC_INIT { strvec_empty, 0, 0 }

void strvec_init(struct strvec *sv);
const char *strvec_push(struct strvec *sv, const char *s);
const char *strvec_pushf(struct strvec *sv, const char *fmt, ...) BERTH_PRINTF(2, 3);
void strvec_pushl(struct strvec *sv, ...); /* NULL-terminated list */
void strvec_pushv(struct strvec *sv, const char **argv);
void strvec_pushvec(struct strvec *sv, const struct strvec *other);
void strvec_pop(struct strvec *sv);
void strvec_clear(struct strvec *sv);
const char **strvec_detach(struct strvec *sv);

/* Index of s in sv, or -1. */
int strvec_find(const struct strvec *sv, const char *s);

/* Joins with sep into a fresh strbuf-owned string (caller frees). */
char *strvec_join(const struct strvec *sv, const char *sep);

#endif
