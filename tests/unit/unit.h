/*
 * unit.h - a tiny TAP unit-test harness for C tests.
 *
 * A test file defines static void functions and a main() that calls
 * RUN(fn) for each and returns unit_done(). Checks print the failing
 * expression with file and line; a test passes when no check failed.
 */
#ifndef BERTH_UNIT_H
#define BERTH_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_n, unit_failed_tests, unit_cur_failed;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("# %s:%d: check failed: %s\n", __FILE__,        \
			       __LINE__, #cond);                               \
			unit_cur_failed = 1;                                   \
		}                                                              \
	} while (0)

#define CHECK_STR(got, want)                                                   \
	do {                                                                   \
		const char *g_ = (got), *w_ = (want);                          \
		if (!g_ || !w_ || strcmp(g_, w_)) {                            \
			printf("# %s:%d: %s\n#   got:  [%s]\n#   want: [%s]\n", \
			       __FILE__, __LINE__, #got, g_ ? g_ : "(null)",   \
			       w_ ? w_ : "(null)");                            \
			unit_cur_failed = 1;                                   \
		}                                                              \
	} while (0)

#define CHECK_INT(got, want)                                                   \
	do {                                                                   \
		long long g_ = (long long)(got), w_ = (long long)(want);       \
		if (g_ != w_) {                                                \
			printf("# %s:%d: %s = %lld, want %lld\n", __FILE__,    \
			       __LINE__, #got, g_, w_);                        \
			unit_cur_failed = 1;                                   \
		}                                                              \
	} while (0)

#define RUN(fn)                                                                \
	do {                                                                   \
		unit_cur_failed = 0;                                           \
		fflush(stdout);                                                \
		fn();                                                          \
		unit_n++;                                                      \
		if (unit_cur_failed)                                           \
			unit_failed_tests++;                                   \
		printf("%sok %d - %s\n", unit_cur_failed ? "not " : "",        \
		       unit_n, #fn);                                           \
		fflush(stdout);                                                \
	} while (0)

static inline int unit_done(void)
{
	printf("1..%d\n", unit_n);
	return unit_failed_tests ? 1 : 0;
}

#endif
