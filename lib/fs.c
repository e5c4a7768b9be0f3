/* fs.c - mkdir -p and rm -rf (see fs.h). */
#define _XOPEN_SOURCE 700
#include "fs.h"
#include "compat.h"

#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

int mkdir_p(const char *path)
{
	char *copy = xstrdup(path);
	int r = 0;

	for (char *p = copy + 1; *p && !r; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0777) < 0 && errno != EEXIST)
			r = -1;
		*p = '/';
	}
	if (!r && mkdir(copy, 0777) < 0 && errno != EEXIST)
		r = -1;
	free(copy);
	return r;
}

static int unlink_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (type == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT ? -1 : 0;
}

int remove_tree(const char *path)
{
	if (nftw(path, unlink_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		return -1;
	return 0;
}
