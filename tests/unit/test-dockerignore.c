/* test-dockerignore.c - .dockerignore patterns as Docker reads and matches them. */
#include "commands/dockerignore.h"
#include "unit.h"

#include <stdlib.h>

static int excluded(const char *ignore, const char *path)
{
	struct dockerignore d = DOCKERIGNORE_INIT;
	int r;
	dockerignore_parse(&d, ignore, strlen(ignore));
	r = dockerignore_excluded(&d, path);
	dockerignore_clear(&d);
	return r;
}

static const struct {
	const char *ignore, *path;
	int excluded;
} cases[] = {
	{ "*.log", "app.log", 1 },
	{ "*.log", "logs/app.log", 0 },           /* * stays in its folder */
	{ "**/*.log", "logs/app.log", 1 },
	{ "**/*.log", "app.log", 1 },             /* ** then / may be nothing */
	{ "**/*.log", "a/b/c.log", 1 },
	{ "node_modules", "node_modules/x/y.js", 1 }, /* a folder: all in it */
	{ "node_modules", "src/node_modules/y.js", 0 },
	{ "tmp/", "tmp/cache/a", 1 },
	{ "/config/master.key", "config/master.key", 1 },
	{ "./a/../b", "b", 1 },
	{ "a//b/./c", "a/b/c", 1 },
	{ "*\n!README.md", "README.md", 0 },
	{ "*\n!README.md", "src/x.c", 1 },
	{ "logs\n!logs/keep.txt", "logs/keep.txt", 0 },
	{ "logs\n!logs/keep.txt", "logs/other.txt", 1 },
	{ "!logs/keep.txt\nlogs", "logs/keep.txt", 1 }, /* the last match decides */
	{ "docs/**", "docs/a/b.md", 1 },
	{ "docs/**", "docsx", 0 },
	{ "a/**/b", "a/b", 1 },
	{ "a/**/b", "a/x/y/b", 1 },
	{ "a/**/b", "ab", 0 },
	{ "**", "anything/at/all", 1 },
	{ "a?c", "abc", 1 },
	{ "a?c", "a/c", 0 },
	{ "[a-c]x", "bx", 1 },
	{ "[a-c]x", "dx", 0 },
	{ "[^a]x", "bx", 1 },
	{ "[^a]x", "ax", 0 },
	{ "[x", "[x", 1 },                        /* no closing ]: a plain [ */
	{ "\\*x", "*x", 1 },
	{ "\\*x", "ax", 0 },
	{ "# a comment\n\n   \n", "# a comment", 0 },
	{ " #kept\n", "#kept", 1 },               /* # only counts first on the line */
	{ "  spaced.txt  \r\n", "spaced.txt", 1 },
	{ "\xef\xbb\xbf" "bom.txt", "bom.txt", 1 },
	{ "!", "x", 0 },
	{ ".git", ".git/HEAD", 1 },
	{ "*/temp*", "somedir/temporary.txt", 1 }, /* Docker's documented examples */
	{ "*/*/temp*", "somedir/subdir/temporary.txt", 1 },
	{ "temp?", "tempa", 1 },
	{ "temp?", "tempa/x", 1 },
	{ "*.md\n!README*.md\nREADME-secret.md", "README-secret.md", 1 },
	{ "*.md\n!README*.md\nREADME-secret.md", "README-public.md", 0 },
};

static void patterns_as_docker_matches_them(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = excluded(cases[i].ignore, cases[i].path);
		if (got != cases[i].excluded) {
			printf("# [%s] on %s: %d, want %d\n", cases[i].ignore, cases[i].path, got,
			       cases[i].excluded);
			unit_cur_failed = 1;
		}
	}
}

static void patterns_are_cleaned_as_paths(void)
{
	struct dockerignore d = DOCKERIGNORE_INIT;
	const char *text = "/a/b/\n!./c/../d\n../up\n/\n";
	dockerignore_parse(&d, text, strlen(text));
	CHECK_INT(d.patterns.nr, 4);
	CHECK_STR(d.patterns.v[0], "a/b");
	CHECK_STR(d.patterns.v[1], "!d");
	CHECK_STR(d.patterns.v[2], "../up");
	CHECK_STR(d.patterns.v[3], "/");
	dockerignore_clear(&d);
}

/* Many stars against a long path: linear, where backtracking would not end. */
static void no_pattern_makes_matching_hang(void)
{
	size_t n = 20000;
	char *path = malloc(n + 1);
	memset(path, 'a', n);
	path[n] = 0;
	CHECK_INT(dockerignore_match("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", path), 0);
	CHECK_INT(dockerignore_match("**a**a**a**a**a**a**a**a**a**b", path), 0);
	CHECK_INT(dockerignore_match("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a", path), 1);
	free(path);
}

int main(void)
{
	RUN(patterns_as_docker_matches_them);
	RUN(patterns_are_cleaned_as_paths);
	RUN(no_pattern_makes_matching_hang);
	return unit_done();
}
