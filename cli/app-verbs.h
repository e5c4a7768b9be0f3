/*
 * app-verbs.h - what cli/cmd-app.c (the container verbs) and
 * cli/cmd-app-exec.c (exec and logs) share: Kamal's on_roles, the audit
 * record, the versions a verb acts on, and the two files' verbs.
 */
#ifndef BERTH_CLI_APP_VERBS_H
#define BERTH_CLI_APP_VERBS_H

#include "cli.h"
#include "remote/remote.h"

struct kamal;
struct config_role;

/*
 * Runs for one role on one host: 0 goes on with the host's next role, 1
 * ends the host's roles without failing it, -1 once the failure is recorded.
 */
typedef int (*app_role_fn)(struct host_session *h, const struct config_role *role, void *data);

/*
 * Kamal's on_roles(KAMAL.roles, hosts: hosts): one step over the hosts
 * (in parallel), each running fn for its selected roles in order (the
 * primary role first). The pre-connect hook runs first. label NULL: a
 * query, no per-host step line. 0, or -1 once reported.
 */
int app_on_roles(struct cli_context *ctx, const struct strvec *hosts, app_role_fn fn,
		 void *data, const char *label);

/*
 * fn(h, roles[i], data[i]) for every i at once, each in a thread of its
 * own (boot.parallel_roles); one failing does not stop the others. -1 if
 * any returned -1, else 0.
 */
int app_roles_at_once(struct host_session *h, const struct config_role *const *roles, size_t n,
		      app_role_fn fn, void *const *data);

/* The audit line on h (role NULL: none), as Kamal's auditor.record. */
int app_record(struct host_session *h, struct kamal *k, const char *role, const char *line);

/* The version running for role on h, stripped ("" when none); 0/-1. */
int app_current_running_version(struct host_session *h, const struct kamal *k,
				const struct config_role *role, unsigned flags,
				struct strbuf *out);

/*
 * Kamal's current_running_version(host: primary_host): the first selected
 * role's running version there, or NULL when none runs (caller frees).
 * Dies when the host cannot be asked.
 */
char *app_primary_running_version(struct cli_context *ctx);

/* Kamal's version_or_latest: --version, else the latest tag (caller frees). */
char *app_version_or_latest(struct cli_context *ctx);

/* The verbs of cmd-app-exec.c, and their options for the table. */
int app_exec(int argc, const char **argv, struct cli_context *ctx);
int app_logs(int argc, const char **argv, struct cli_context *ctx);
extern const struct cli_option app_exec_options[];
extern const struct cli_option app_logs_options[];

#endif
