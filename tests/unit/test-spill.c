/* test-spill.c - buffered bodies in memory, then a nameless file (proxy/spill.h). */
#include "unit.h"
#include "proxy/spill.h"
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

/* Drains b in steps of at most step bytes; returns what came out. */
static char *drain(struct spill *b, size_t step, size_t *len)
{
	size_t cap = spill_left(b) + 1, n = 0;
	char *out = malloc(cap);
	const char *p;
	ssize_t got;
	while ((got = spill_peek(b, &p)) > 0) {
		size_t take = (size_t)got < step ? (size_t)got : step;
		memcpy(out + n, p, take);
		n += take;
		spill_consume(b, take);
	}
	*len = got < 0 ? (size_t)-1 : n;
	return out;
}

static void fill(char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (char)(seed + i * 7 + i / 251);
}

static void memory_only(void)
{
	struct spill *b = spill_new(100);
	size_t len;
	CHECK_INT(spill_add(b, "hello ", 6), 0);
	CHECK_INT(spill_add(b, "world", 5), 0);
	CHECK_INT(spill_left(b), 11);
	char *out = drain(b, 4, &len);
	CHECK_INT(len, 11);
	CHECK(!memcmp(out, "hello world", 11));
	CHECK_INT(spill_left(b), 0);
	free(out);
	spill_free(&b);
	CHECK(b == NULL);
	spill_free(&b); /* twice is fine */
}

static void past_the_threshold(void)
{
	/* Adds that straddle the memory/file seam, sends in odd-sized steps. */
	static char in[300000];
	size_t len, at = 0, sizes[] = { 1, 999, 50, 70000, 3, 128947 };
	struct spill *b = spill_new(1000);
	fill(in, sizeof(in), 3);
	for (size_t i = 0; at < sizeof(in); i++) {
		size_t n = sizes[i % 6];
		if (n > sizeof(in) - at)
			n = sizeof(in) - at;
		CHECK_INT(spill_add(b, in + at, n), 0);
		at += n;
	}
	CHECK_INT(spill_left(b), sizeof(in));
	char *out = drain(b, 12345, &len);
	CHECK_INT(len, sizeof(in));
	CHECK(!memcmp(out, in, sizeof(in)));
	free(out);
	spill_free(&b);
}

static void exactly_at_the_threshold(void)
{
	char in[64];
	size_t len;
	struct spill *b = spill_new(sizeof(in));
	fill(in, sizeof(in), 9);
	CHECK_INT(spill_add(b, in, sizeof(in)), 0);
	char *out = drain(b, 1000, &len);
	CHECK_INT(len, sizeof(in));
	CHECK(!memcmp(out, in, sizeof(in)));
	free(out);
	spill_free(&b);
}

static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void the_file_has_no_name(void)
{
	char dir[] = "/tmp/test-spill.XXXXXX";
	char in[5000];
	size_t len;
	CHECK(mkdtemp(dir) != NULL);
	setenv("TMPDIR", dir, 1);
	struct spill *b = spill_new(10);
	fill(in, sizeof(in), 1);
	CHECK_INT(spill_add(b, in, sizeof(in)), 0);
	CHECK_INT(entries(dir), 2); /* "." and "..": nothing to clean up */
	char *out = drain(b, 700, &len);
	CHECK_INT(len, sizeof(in));
	CHECK(!memcmp(out, in, sizeof(in)));
	free(out);
	spill_free(&b);
	rmdir(dir);

	setenv("TMPDIR", "/nonexistent/dir", 1);
	b = spill_new(10);
	CHECK_INT(spill_add(b, in, 10), 0); /* memory needs no file */
	CHECK_INT(spill_add(b, in, 1), -1);
	spill_free(&b);
	unsetenv("TMPDIR");
}

int main(void)
{
	RUN(memory_only);
	RUN(past_the_threshold);
	RUN(exactly_at_the_threshold);
	RUN(the_file_has_no_name);
	return unit_done();
}
