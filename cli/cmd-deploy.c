/*
 * cmd-deploy.c - `berth deploy`, `redeploy`, `rollback VERSION`, `setup`
 * and `remove`: the whole release, in Kamal's order, with Kamal's hooks.
 *
 * deploy: the image built and pushed (or, with -P, only pulled) before
 * the lock is taken, so a slow build never holds it; then under the lock
 * pre-deploy, the proxy made sure of, stale containers stopped, the app
 * booted (cli/app-boot.c), old containers and images pruned; post-deploy
 * once the lock is released. A failure anywhere releases the lock (and
 * so does Ctrl-C: cli_release_lock), and what failed is what the user
 * sees last.
 */
#include "cli.h"
#include "cli/app.h"
#include "cli/build.h"
#include "cli/deploy.h"
#include "cli/hooks.h"
#include "cli/proxy.h"
#include "log.h"

#include <time.h>

struct release {
	int skip_push, no_cache;
	int full;             /* deploy, setup: proxy boot and prune too (not redeploy) */
	int boot_accessories; /* setup */
};

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Kamal's print_runtime line, whatever happened. */
static void finished(struct cli_context *ctx, double started)
{
	if (!ctx->quiet)
		printf("  Finished all in %.1f seconds\n", now_seconds() - started);
}

static int post_deploy(struct cli_context *ctx, double started)
{
	char runtime[32];
	struct hook_extra extra = { 1, runtime, NULL };
	snprintf(runtime, sizeof(runtime), "%.0f", now_seconds() - started);
	return cli_run_hook(ctx, "post-deploy", &extra);
}

static int deliver(struct cli_context *ctx, const struct release *rel)
{
	if (rel->skip_push) {
		if (!ctx->quiet)
			log_info("Pull app image...");
		return cli_build_pull(ctx);
	}
	if (!ctx->quiet)
		log_info("Build and push app image...");
	if (cli_build_push(ctx, NULL, rel->no_cache) < 0)
		return -1;
	return cli_build_pull(ctx);
}

static int release_locked(struct cli_context *ctx, const struct release *rel)
{
	struct hook_extra secrets = { 1, NULL, NULL };

	if (cli_run_hook(ctx, "pre-deploy", &secrets) < 0)
		return -1;
	if (rel->full) {
		if (!ctx->quiet)
			log_info("Ensure kamal-proxy is running...");
		if (cli_proxy_boot(ctx) < 0)
			return -1;
	}
	if (rel->boot_accessories && cli_accessory_boot(ctx, "all") < 0)
		return -1;
	if (!ctx->quiet)
		log_info("Detect stale containers...");
	if (cli_app_stale_containers(ctx, 1) < 0)
		return -1;
	if (cli_app_boot(ctx, cli_kamal(ctx)->version) < 0)
		return -1;
	if (rel->full) {
		if (!ctx->quiet)
			log_info("Prune old containers and images...");
		if (cli_prune_all(ctx) < 0)
			return -1;
	}
	return 0;
}

static int release_step(struct cli_context *ctx, void *data)
{
	return release_locked(ctx, data);
}

static int run_release(struct cli_context *ctx, const struct release *rel)
{
	double started = now_seconds();
	int r;

	cli_kamal(ctx); /* the version, from git, before anything else */
	r = deliver(ctx, rel);
	if (!r)
		r = cli_with_lock(ctx, release_step, (void *)rel);
	finished(ctx, started);
	if (!r)
		r = post_deploy(ctx, started);
	return r;
}

static void release_options(struct cli_context *ctx, struct release *rel)
{
	rel->skip_push = cli_opt_bool(&ctx->args, "skip-push");
	rel->no_cache = cli_opt_bool(&ctx->args, "no-cache");
}

int cmd_deploy(int argc, const char **argv, struct cli_context *ctx)
{
	struct release rel = { 0, 0, 1, 0 };
	release_options(ctx, &rel);
	return run_release(ctx, &rel) ? 1 : 0;
}

int cmd_redeploy(int argc, const char **argv, struct cli_context *ctx)
{
	struct release rel = { 0, 0, 0, 0 };
	release_options(ctx, &rel);
	return run_release(ctx, &rel) ? 1 : 0;
}

static int setup_step(struct cli_context *ctx, void *data)
{
	if (!ctx->quiet)
		log_info("Ensure Docker is installed...");
	if (cli_server_bootstrap(ctx) < 0)
		return -1;
	return run_release(ctx, data);
}

int cmd_setup(int argc, const char **argv, struct cli_context *ctx)
{
	struct release rel = { 0, 0, 1, 1 };

	release_options(ctx, &rel);
	cli_kamal(ctx);
	/* One "Finished all in" line, the deploy's (Kamal prints a second). */
	return cli_with_lock(ctx, setup_step, &rel) ? 1 : 0;
}

/* ---- rollback ------------------------------------------------------- */

struct rollback {
	const char *version;
	int rolled_back;
};

static int rollback_step(struct cli_context *ctx, void *data)
{
	struct rollback *rb = data;
	struct hook_extra secrets = { 1, NULL, NULL };
	int available;

	/* From here on the run is about VERSION (hooks, audit lines, boot). */
	cli_kamal(ctx)->version = rb->version;
	available = cli_app_container_available(ctx, rb->version);
	if (available < 0)
		return -1;
	if (!available) {
		/* Kamal says so in red and exits 0; a script needs to know. */
		error("The app version '%s' is not available as a container (use '%s app "
		      "containers' for available versions)", rb->version, log_program());
		return -1;
	}
	if (cli_run_hook(ctx, "pre-deploy", &secrets) < 0 ||
	    cli_app_boot(ctx, rb->version) < 0)
		return -1;
	rb->rolled_back = 1;
	return 0;
}

int cmd_rollback(int argc, const char **argv, struct cli_context *ctx)
{
	const struct strvec *words = &ctx->args.positional;
	struct rollback rb = { NULL, 0 };
	double started = now_seconds();
	int r;

	if (words->nr != 1) {
		error("rollback takes one VERSION (use '%s app containers' for the versions on the "
		      "hosts)", log_program());
		return 2;
	}
	rb.version = words->v[0];
	cli_kamal(ctx);
	r = cli_with_lock(ctx, rollback_step, &rb);
	finished(ctx, started);
	if (!r && rb.rolled_back)
		r = post_deploy(ctx, started);
	return r ? 1 : 0;
}

/* ---- remove --------------------------------------------------------- */

static int remove_step(struct cli_context *ctx, void *data)
{
	if (cli_app_remove(ctx) < 0 || cli_proxy_remove(ctx, 0) < 0 ||
	    cli_accessory_remove(ctx, "all") < 0)
		return -1;
	return cli_registry_remove(ctx, 1, 0);
}

int cmd_remove(int argc, const char **argv, struct cli_context *ctx)
{
	if (!cli_confirm(ctx, "This will remove all containers and images. Are you sure?"))
		return 0;
	return cli_with_lock(ctx, remove_step, NULL) ? 1 : 0;
}

const struct cli_option cli_deploy_options[] = {
	{ "skip-push", 'P', CLI_OPT_BOOL, "Do not build and push the image: pull the one already in the registry", "false" },
	{ "no-cache", 0, CLI_OPT_BOOL, "Build without Docker's build cache", "false" },
	CLI_OPTIONS_END
};

const struct cli_option cli_remove_options[] = {
	{ "confirmed", 'y', CLI_OPT_BOOL, "Go ahead without asking", "false" },
	CLI_OPTIONS_END
};
