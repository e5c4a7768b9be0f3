/*
 * cmd-audit.c - `berth audit` (each host's audit log) and `berth details`
 * (the proxy and accessory containers on each host; the app's come with
 * the app commands).
 */
#include "cli.h"
#include "cli/exec.h"
#include "cli/hooks.h"
#include "commands/accessory.h"
#include "commands/auditor.h"
#include "commands/proxy.h"
#include "log.h"

struct show {
	struct kamal *k;
	void (*build)(struct shcmd *out, const struct kamal *k, const void *arg);
	const void *arg;
	const char *type;
	int quiet;
};

static int show_host(struct host_session *h, void *data)
{
	struct show *s = data;
	struct shcmd c = SHCMD_INIT;
	struct strbuf out = STRBUF_INIT;
	int r;

	s->build(&c, s->k, s->arg);
	r = kx_capture(h, &c, &out, 0);
	if (!r) {
		strbuf_trim(&out);
		host_print(h, s->type, out.buf, s->quiet);
	}
	shcmd_clear(&c);
	strbuf_release(&out);
	return r;
}

static int cli_show_on(struct cli_context *ctx, const struct strvec *hosts, const char *type,
		void (*build)(struct shcmd *, const struct kamal *, const void *), const void *arg)
{
	struct show s = { cli_kamal(ctx), build, arg, type, ctx->quiet };
	struct on_hosts_opts o = { NULL, 0, 1 };
	if (cli_pre_connect(ctx) < 0)
		return -1;
	return on_hosts(hosts, show_host, &s, &o);
}

static void reveal(struct shcmd *out, const struct kamal *k, const void *arg)
{
	kc_auditor_reveal(out, k);
}

static int audit(int argc, const char **argv, struct cli_context *ctx)
{
	struct strvec hosts = STRVEC_INIT;
	int r;
	cli_hosts(ctx, &hosts);
	r = cli_show_on(ctx, &hosts, "App", reveal, NULL);
	strvec_clear(&hosts);
	return r ? 1 : 0;
}

static void proxy_info(struct shcmd *out, const struct kamal *k, const void *arg)
{
	kc_proxy_info(out);
}

int cli_proxy_details(struct cli_context *ctx)
{
	struct strvec hosts = STRVEC_INIT;
	int r;
	cli_proxy_hosts(ctx, &hosts);
	r = cli_show_on(ctx, &hosts, "Proxy", proxy_info, NULL);
	strvec_clear(&hosts);
	return r;
}

static void accessory_info(struct shcmd *out, const struct kamal *k, const void *arg)
{
	kc_accessory_info(out, k, arg, 0, 0);
}

/*
 * Kamal's `accessory details all`: each accessory in file order, on the
 * selected hosts that run it (in the selection's order).
 */
int cli_accessory_details(struct cli_context *ctx, const struct config_accessory *only)
{
	struct config *cfg = cli_load_config(ctx);
	struct strvec selected = STRVEC_INIT;
	int r = 0;

	cli_accessory_hosts(ctx, &selected);
	for (size_t i = 0; i < cfg->accessories_nr && !r; i++) {
		const struct config_accessory *acc = &cfg->accessories[i];
		struct strvec hosts = STRVEC_INIT;
		struct strbuf type = STRBUF_INIT;
		if (only && only != acc)
			continue;
		for (size_t j = 0; j < selected.nr; j++)
			if (strvec_find(&acc->hosts, selected.v[j]) >= 0)
				strvec_push(&hosts, selected.v[j]);
		strbuf_addf(&type, "Accessory %s", acc->name);
		if (hosts.nr)
			r = cli_show_on(ctx, &hosts, type.buf, accessory_info, acc);
		strbuf_release(&type);
		strvec_clear(&hosts);
	}
	strvec_clear(&selected);
	return r;
}

/* The app's part comes with the app commands (Kamal: proxy, app, accessories). */
static int details(int argc, const char **argv, struct cli_context *ctx)
{
	if (cli_proxy_details(ctx))
		return 1;
	return cli_accessory_details(ctx, NULL) ? 1 : 0;
}

int cmd_audit(int argc, const char **argv, struct cli_context *ctx)
{
	return audit(argc, argv, ctx);
}

int cmd_details(int argc, const char **argv, struct cli_context *ctx)
{
	return details(argc, argv, ctx);
}
