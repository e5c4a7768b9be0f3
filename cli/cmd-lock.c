/*
 * cmd-lock.c - `berth lock status|acquire|release`: the deploy lock by
 * hand (cli/lock.c has the lock itself).
 */
#include "cli.h"
#include "cli/lock.h"
#include "log.h"

static int lock_status(int argc, const char **argv, struct cli_context *ctx)
{
	struct strbuf status = STRBUF_INIT;
	int r = cli_lock_status(ctx, &status);

	if (r < 0)
		return 1;
	if (!r)
		log_info("There is no deploy lock");
	else
		cli_show_holder(&status);
	strbuf_release(&status);
	return 0;
}

static int lock_acquire(int argc, const char **argv, struct cli_context *ctx)
{
	const char *message = cli_opt_str(&ctx->args, "message");

	if (!message)
		die("No value provided for required options '--message'");
	if (cli_take_lock(ctx, message) < 0)
		return 1;
	log_info("Acquired the deploy lock");
	return 0;
}

static int lock_release(int argc, const char **argv, struct cli_context *ctx)
{
	int r = cli_drop_lock(ctx);

	if (r < 0)
		return 1;
	log_info(r ? "There is no deploy lock" : "Released the deploy lock");
	return 0;
}

static const struct cli_option acquire_options[] = {
	{ "message", 'm', CLI_OPT_STRING, "Why the lock is taken, shown to whoever finds it (required)", NULL },
	CLI_OPTIONS_END
};

const struct cli_verb lock_verbs[] = {
	{ "acquire", lock_acquire, "acquire -m MESSAGE", "Take the deploy lock by hand, with a message", acquire_options, CLI_REMOTE },
	{ "release", lock_release, "release", "Release the deploy lock", NULL, CLI_REMOTE },
	{ "status", lock_status, "status", "Say who holds the deploy lock, since when, for which version", NULL, CLI_REMOTE },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};
