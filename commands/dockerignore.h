/*
 * dockerignore.h - which files of a build context Docker leaves out, as
 * .dockerignore says (moby/patternmatcher's rules), so `build dev` can
 * name the uncommitted files that will be in the image without building
 * one to find out (Kamal builds and runs a busybox image for it).
 *
 * The rules: a line per pattern; blank lines and lines starting with #
 * are skipped; surrounding spaces are trimmed; ! in front makes an
 * exception. A pattern is cleaned as a path (./ and duplicate slashes
 * go, .. folds, a leading / goes) and matched against the whole path
 * relative to the context: * and ? never cross a /, ** crosses any
 * number of folders ("**" followed by / may also match nothing),
 * [...] is a class ([^...] negated), \ escapes. A pattern that matches a
 * folder matches everything in it. The last pattern that matches a path
 * decides: excluded, unless it is an exception.
 *
 * Pure functions; matching is linear in pattern times path (a state-set
 * simulation, no backtracking), so no .dockerignore can make it hang.
 */
#ifndef BERTH_COMMANDS_DOCKERIGNORE_H
#define BERTH_COMMANDS_DOCKERIGNORE_H

#include "strvec.h"

struct dockerignore {
	struct strvec patterns; /* cleaned; an exception keeps its "!" in front */
};
#define DOCKERIGNORE_INIT { STRVEC_INIT }

/* Adds the patterns of a .dockerignore's text. */
void dockerignore_parse(struct dockerignore *d, const char *text, size_t len);
/* Whether the build context leaves path (relative, with /) out. */
int dockerignore_excluded(const struct dockerignore *d, const char *path);
/* Whether one cleaned pattern (no "!") matches path itself, not its parents. */
int dockerignore_match(const char *pattern, const char *path);
void dockerignore_clear(struct dockerignore *d);

#endif
