/*
 * secrets.h - the values of .kamal/secrets* files, as Kamal reads them.
 *
 * Files, in order, later ones overriding earlier keys:
 *   .kamal/secrets-common, then .kamal/secrets.<dest> when a destination
 *   is given, else .kamal/secrets. A deploy config's secrets_path replaces
 *   ".kamal/secrets" in those names (secrets_load_path).
 * Each is dotenv syntax (secrets/dotenv.h). Every value loaded is
 * registered with log_redact_add() as soon as it is assigned, so no log
 * line ever shows it, not even the error of a later line.
 *
 * Loading is done once per run (secrets are resolved up front, so a
 * password manager is asked once). It first makes the process
 * secrets_protect_process(); secrets_free() zeroes every value.
 */
#ifndef BERTH_SECRETS_H
#define BERTH_SECRETS_H

#include "strbuf.h"

struct secrets;

/*
 * Loads the files under project_dir (the directory holding .kamal/).
 * Missing files are not an error (no secrets). A failing $(command) or a
 * syntax error is: returns -1 with err = "FILE:LINE: KEY: message".
 */
int secrets_load(struct secrets **out, const char *project_dir,
		 const char *destination, struct strbuf *err);
/*
 * Like secrets_load, with the files named from secrets_path (the deploy
 * config's secrets_path, relative to project_dir; NULL: ".kamal/secrets"):
 * SECRETS_PATH-common, then SECRETS_PATH.<dest> or SECRETS_PATH.
 */
int secrets_load_path(struct secrets **out, const char *project_dir,
		      const char *secrets_path, const char *destination,
		      struct strbuf *err);
void secrets_free(struct secrets *s);

/*
 * Keeps secret values in this process off the disk and away from other
 * processes: not dumpable (no core file; the same user cannot ptrace it
 * or read /proc/PID/mem), and a core size limit of 0, which children
 * inherit. Secret loading and fetching call it; it cannot be undone.
 */
void secrets_protect_process(void);

/* The value of name, or NULL when no file defines it. */
const char *secrets_get(const struct secrets *s, const char *name);

/* Iteration in file order: returns 0 past the end. */
int secrets_at(const struct secrets *s, size_t i, const char **name,
	       const char **value);

#endif
