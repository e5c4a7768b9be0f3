/*
 * cmd-build.c - `berth build push|pull|deliver|create|remove|details|dev`.
 */
#include "cli.h"
#include "cli/build.h"
#include "log.h"

static int build_push(int argc, const char **argv, struct cli_context *ctx)
{
	return cli_build_push(ctx, cli_opt_str(&ctx->args, "output"),
			      cli_opt_bool(&ctx->args, "no-cache")) ? 1 : 0;
}

static int build_pull(int argc, const char **argv, struct cli_context *ctx)
{
	return cli_build_pull(ctx) ? 1 : 0;
}

static int build_deliver(int argc, const char **argv, struct cli_context *ctx)
{
	if (cli_build_push(ctx, NULL, 0) < 0)
		return 1;
	return cli_build_pull(ctx) ? 1 : 0;
}

static int build_create(int argc, const char **argv, struct cli_context *ctx)
{
	return cli_builder_show(ctx, 'c') ? 1 : 0;
}

static int build_remove(int argc, const char **argv, struct cli_context *ctx)
{
	return cli_builder_show(ctx, 'r') ? 1 : 0;
}

static int build_details(int argc, const char **argv, struct cli_context *ctx)
{
	return cli_builder_show(ctx, 'd') ? 1 : 0;
}

static int build_dev(int argc, const char **argv, struct cli_context *ctx)
{
	return cli_build_dev(ctx, cli_opt_str(&ctx->args, "output"),
			     cli_opt_bool(&ctx->args, "no-cache")) ? 1 : 0;
}

static const struct cli_option dev_options[] = {
	{ "output", 0, CLI_OPT_STRING, "Where the built image goes, as buildx --output takes it", "docker" },
	{ "no-cache", 0, CLI_OPT_BOOL, "Build every layer again, ignoring Docker's build cache", "false" },
	CLI_OPTIONS_END
};

static const struct cli_option push_options[] = {
	{ "output", 0, CLI_OPT_STRING, "Where the built image goes, as buildx --output takes it", "registry" },
	{ "no-cache", 0, CLI_OPT_BOOL, "Build every layer again, ignoring Docker's build cache", "false" },
	CLI_OPTIONS_END
};

const struct cli_verb build_verbs[] = {
	{ "create", build_create, "create", "Set up the builder (a buildx builder, or a remote one)", NULL, CLI_REMOTE },
	{ "deliver", build_deliver, "deliver", "Build and push the image, then pull it onto the hosts", NULL, CLI_REMOTE },
	{ "details", build_details, "details", "Show which builder is used and how it is set up", NULL, CLI_REMOTE },
	{ "dev", build_dev, "dev [--output TYPE] [--no-cache]", "Build the working tree as it is, tagged -dirty, into the local image store", dev_options, 0 },
	{ "pull", build_pull, "pull", "Pull the image onto the hosts and check it belongs to this service", NULL, CLI_REMOTE },
	{ "push", build_push, "push [--output TYPE] [--no-cache]", "Build the image from a clean clone of HEAD and push it", push_options, CLI_REMOTE },
	{ "remove", build_remove, "remove", "Remove the builder's setup", NULL, CLI_REMOTE },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};
