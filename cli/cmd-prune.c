/*
 * cmd-prune.c - `berth prune all|images|containers`: old images and
 * stopped containers of the app off the hosts, the newest kept for
 * rollback (retain_containers, or --retain).
 */
#include "cli.h"
#include "cli/deploy.h"
#include "cli/exec.h"
#include "cli/hooks.h"
#include "commands/auditor.h"
#include "commands/prune.h"
#include "config/kamal-host.h"
#include "log.h"

struct prune {
	struct kamal *k;
	long retain;
	int images;
};

static int record_and_run(struct host_session *h, struct kamal *k, const char *what,
			  struct shcmd *c)
{
	struct shcmd rec = SHCMD_INIT;
	int r;
	kc_auditor_record(&rec, k, NULL, what);
	r = kx_run_flags(h, &rec, REMOTE_QUIET);
	shcmd_clear(&rec);
	if (!r)
		r = kx_run(h, c);
	return r;
}

static int prune_host(struct host_session *h, void *data)
{
	struct prune *p = data;
	struct shcmd c = SHCMD_INIT;
	int r;

	if (!p->images) {
		kc_prune_app_containers(&c, p->k, p->retain);
		r = record_and_run(h, p->k, "Pruned containers", &c);
		shcmd_clear(&c);
		return r;
	}
	kc_prune_dangling_images(&c, p->k);
	r = record_and_run(h, p->k, "Pruned images", &c);
	shcmd_clear(&c);
	if (!r) {
		kc_prune_tagged_images(&c, p->k);
		r = kx_run(h, &c);
		shcmd_clear(&c);
	}
	return r;
}

static int prune_on_hosts(struct cli_context *ctx, int images, long retain)
{
	struct prune p = { cli_kamal(ctx), retain, images };
	struct strvec hosts = STRVEC_INIT;
	struct on_hosts_opts o = { images ? "prune images" : "prune containers", 0, 0 };
	int r;

	cli_hosts(ctx, &hosts);
	r = on_hosts(&hosts, prune_host, &p, &o);
	strvec_clear(&hosts);
	return r;
}

static long retain_option(struct cli_context *ctx)
{
	struct strbuf err = STRBUF_INIT;
	long retain;
	if (cli_opt_num(&ctx->args, "retain", kamal_retain_containers(cli_load_config(ctx)),
			&retain, &err) < 0)
		die_err(&err);
	if (retain < 1)
		die("retain must be at least 1");
	return retain;
}

static int prune_containers(int argc, const char **argv, struct cli_context *ctx)
{
	return prune_on_hosts(ctx, 0, retain_option(ctx)) ? 1 : 0;
}

static int prune_images(int argc, const char **argv, struct cli_context *ctx)
{
	return prune_on_hosts(ctx, 1, 0) ? 1 : 0;
}

int cli_prune_all(struct cli_context *ctx)
{
	long retain = kamal_retain_containers(cli_load_config(ctx));
	if (prune_on_hosts(ctx, 0, retain) < 0)
		return -1;
	return prune_on_hosts(ctx, 1, 0);
}

static int prune_all(int argc, const char **argv, struct cli_context *ctx)
{
	return cli_prune_all(ctx) ? 1 : 0;
}

static const struct cli_option containers_options[] = {
	{ "retain", 0, CLI_OPT_NUMBER, "How many stopped containers to keep for rollback (default: retain_containers, 5)", NULL },
	CLI_OPTIONS_END
};

const struct cli_verb prune_verbs[] = {
	{ "all", prune_all, "all", "Remove unused images and old stopped containers", NULL, CLI_REMOTE | CLI_LOCK },
	{ "containers", prune_containers, "containers [--retain N]", "Remove stopped app containers but the newest N", containers_options, CLI_REMOTE | CLI_LOCK },
	{ "images", prune_images, "images", "Remove app images no container uses, but the latest", NULL, CLI_REMOTE | CLI_LOCK },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};
