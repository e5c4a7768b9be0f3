/*
 * db-forward.c - the `db` group as berth shows it, and the hand-over of
 * its verbs to berth-db (db/command.h says why they live apart).
 *
 * berth-db receives the command line again, rebuilt from what berth has
 * already parsed: the global options in their long "=" form, then
 * "db VERB ARGS...". An alias that expanded to a db command is therefore
 * passed on expanded, and both programs read the same configuration.
 */
#include "cli.h"
#include "commands.h"
#include "log.h"
#include "strbuf.h"
#include "strvec.h"

#include <errno.h>
#include <unistd.h>

cli_fn cli_db_command;

/* berth-db beside our own executable (a build dir or the install dir). */
static void helper_path(struct strbuf *path)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = 0;
		char *slash = strrchr(self, '/');
		if (slash)
			strbuf_add(path, self, slash + 1 - self);
	}
	strbuf_addstr(path, "berth-db");
}

static void push_opt(struct strvec *sv, const char *name, const char *value)
{
	if (value)
		strvec_pushf(sv, "--%s=%s", name, value);
}

static void push_globals(struct strvec *sv, const struct cli_context *ctx)
{
	push_opt(sv, "config-file", ctx->config_file);
	push_opt(sv, "destination", ctx->destination);
	push_opt(sv, "roles", ctx->roles);
	push_opt(sv, "hosts", ctx->hosts);
	push_opt(sv, "version", ctx->version);
	if (ctx->primary)
		strvec_push(sv, "--primary");
	if (ctx->verbose)
		strvec_push(sv, "--verbose");
	if (ctx->quiet)
		strvec_push(sv, "--quiet");
	if (ctx->dry_run)
		strvec_push(sv, "--dry-run");
	if (ctx->skip_hooks)
		strvec_push(sv, "--skip-hooks");
}

static int db_verb(int argc, const char **argv, struct cli_context *ctx)
{
	struct strbuf path = STRBUF_INIT;
	struct strvec args = STRVEC_INIT;

	if (cli_db_command)
		return cli_db_command(argc, argv, ctx);
	helper_path(&path);
	strvec_push(&args, ctx->program);
	push_globals(&args, ctx);
	strvec_push(&args, "db");
	for (int i = 0; i < argc; i++)
		strvec_push(&args, argv[i]);
	fflush(NULL);
	execv(path.buf, (char *const *)args.v);
	error("db: cannot run %s: %s", path.buf, strerror(errno));
	error("the db commands need berth-db installed beside %s ('make install' does)",
	      ctx->program);
	strvec_clear(&args);
	strbuf_release(&path);
	return 1;
}

const struct cli_verb db_verbs[] = {
	{ "restore", db_verb, "restore --database NAME [OPTIONS]", "Restore the newest dump: core tables live first, large tables after the swap", NULL, CLI_OWN_ARGS },
	{ "resume", db_verb, "resume --database NAME", "Finish an interrupted deferred load", NULL, CLI_OWN_ARGS },
	{ "undo", db_verb, "undo --database NAME", "Swap back to the database the last restore replaced", NULL, CLI_OWN_ARGS },
	{ "drop-old", db_verb, "drop-old --database NAME", "Drop the database the last restore replaced", NULL, CLI_OWN_ARGS },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};
