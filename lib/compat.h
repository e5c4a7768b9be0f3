/*
 * compat.h - the few helpers every berth file may assume.
 *
 * Allocation wrappers never return NULL: running out of memory is not an
 * error berth can report usefully, so they print one line and exit(128).
 * Everything else in lib/ returns -1 on error and never calls exit().
 */
#ifndef BERTH_COMPAT_H
#define BERTH_COMPAT_H

#define _GNU_SOURCE 1
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define BERTH_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define BERTH_NORETURN __attribute__((noreturn))
#else
#define BERTH_PRINTF(fmt, args)
#define BERTH_NORETURN
#endif

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Grow (ptr, alloc) so that ptr has room for at least nr elements. */
#define ALLOC_GROW(ptr, nr, alloc)                                             \
	do {                                                                   \
		if ((nr) > (alloc)) {                                          \
			(alloc) = (alloc) < 16 ? 16 : (alloc);                 \
			while ((alloc) < (nr))                                 \
				(alloc) *= 2;                                  \
			(ptr) = xrealloc((ptr), (alloc) * sizeof(*(ptr)));     \
		}                                                              \
	} while (0)

static inline int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static inline int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* Like starts_with, but on success points *rest past the prefix. */
int skip_prefix(const char *s, const char *prefix, const char **rest);

#endif
