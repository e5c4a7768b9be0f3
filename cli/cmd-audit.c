/*
 * cmd-audit.c - `berth audit` (each host's audit log) and `berth details`
 * (the proxy and accessory containers on each host; the app's come with
 * the app commands).
 */
#include "cli.h"
#include "cli/app.h"
#include "commands/app.h"
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

/* The hosts of selected (in its order) that run acc, into out. */
static void accessory_selected(const struct config_accessory *acc,
			       const struct strvec *selected, struct strvec *out)
{
	for (size_t j = 0; j < selected->nr; j++)
		if (strvec_find(&acc->hosts, selected->v[j]) >= 0)
			strvec_push(out, selected->v[j]);
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
		accessory_selected(acc, &selected, &hosts);
		strbuf_addf(&type, "Accessory %s", acc->name);
		if (hosts.nr)
			r = cli_show_on(ctx, &hosts, type.buf, accessory_info, acc);
		strbuf_release(&type);
		strvec_clear(&hosts);
	}
	strvec_clear(&selected);
	return r;
}

/*
 * berth details: Kamal's proxy details, then accessory details all, with
 * the same output, but as one step: each host runs its queries one after
 * another while the hosts run at once, and the answers print afterwards in
 * Kamal's order. (One step per part would wait for the slowest host 20
 * times for a proxy and 19 accessories.) The app's part comes with the app
 * commands.
 */
struct part {
	const char *type;
	void (*build)(struct shcmd *out, const struct kamal *k, const void *arg);
	const void *arg;
	struct strvec hosts;  /* the selected hosts this part runs on */
	struct strbuf *shown; /* per host of the union: its block, once run */
};

struct parts {
	struct kamal *k;
	struct part *v;
	size_t nr;
	struct strvec all; /* every host of some part, first seen first */
	int quiet;
};

static void add_part(struct parts *ps, const char *type,
		     void (*build)(struct shcmd *, const struct kamal *, const void *),
		     const void *arg, const struct strvec *hosts)
{
	struct part *pt;
	if (!hosts->nr)
		return;
	ps->v = xrealloc(ps->v, (ps->nr + 1) * sizeof(*ps->v));
	pt = &ps->v[ps->nr++];
	pt->type = type;
	pt->build = build;
	pt->arg = arg;
	strvec_init(&pt->hosts);
	for (size_t i = 0; i < hosts->nr; i++) {
		strvec_push(&pt->hosts, hosts->v[i]);
		if (strvec_find(&ps->all, hosts->v[i]) < 0)
			strvec_push(&ps->all, hosts->v[i]);
	}
}

static int details_host(struct host_session *h, void *data)
{
	struct parts *ps = data;
	int at = strvec_find(&ps->all, host_name(h));

	for (size_t i = 0; i < ps->nr; i++) {
		struct part *pt = &ps->v[i];
		struct shcmd c = SHCMD_INIT;
		struct strbuf out = STRBUF_INIT;
		int r;
		if (strvec_find(&pt->hosts, host_name(h)) < 0)
			continue;
		pt->build(&c, ps->k, pt->arg);
		r = kx_capture(h, &c, &out, 0);
		shcmd_clear(&c);
		if (!r) {
			strbuf_trim(&out);
			if (!ps->quiet)
				strbuf_addf(&pt->shown[at], "%s Host: %s\n", pt->type, host_shown(h));
			strbuf_addbuf(&pt->shown[at], &out);
			strbuf_rtrim(&pt->shown[at]);
			strbuf_addch(&pt->shown[at], '\n');
		}
		strbuf_release(&out);
		if (r)
			return r;
	}
	return 0;
}

static void print_parts(const struct parts *ps)
{
	for (size_t i = 0; i < ps->nr; i++)
		for (size_t j = 0; j < ps->v[i].hosts.nr; j++) {
			int at = strvec_find(&ps->all, ps->v[i].hosts.v[j]);
			if (ps->v[i].shown[at].len)
				fputs(ps->v[i].shown[at].buf, stdout);
		}
}

static void app_info(struct shcmd *out, const struct kamal *k, const void *arg)
{
	kc_app_info(out, k, arg);
}

/* Kamal's app details: each selected role's containers on its selected app hosts. */
static void add_app_parts(struct cli_context *ctx, struct parts *ps)
{
	struct config *cfg = cli_load_config(ctx);
	struct strvec roles = STRVEC_INIT, app = STRVEC_INIT;

	cli_roles(ctx, &roles);
	cli_app_hosts(ctx, &app);
	for (size_t i = 0; i < roles.nr; i++) {
		const struct config_role *role = config_role(cfg, roles.v[i]);
		struct strvec hosts = STRVEC_INIT;
		for (size_t j = 0; j < app.nr; j++)
			if (strvec_find(&role->hosts, app.v[j]) >= 0)
				strvec_push(&hosts, app.v[j]);
		add_part(ps, "App", app_info, role, &hosts);
		strvec_clear(&hosts);
	}
	strvec_clear(&roles);
	strvec_clear(&app);
}

static int details(int argc, const char **argv, struct cli_context *ctx)
{
	struct config *cfg = cli_load_config(ctx);
	struct parts ps = { cli_kamal(ctx), NULL, 0, STRVEC_INIT, ctx->quiet };
	struct strvec proxy = STRVEC_INIT, selected = STRVEC_INIT;
	struct strbuf *types = xcalloc(cfg->accessories_nr + 1, sizeof(*types));
	struct on_hosts_opts o = { NULL, 0, 1 };
	int r = -1;

	cli_proxy_hosts(ctx, &proxy);
	add_part(&ps, "Proxy", proxy_info, NULL, &proxy);
	add_app_parts(ctx, &ps);
	cli_accessory_hosts(ctx, &selected);
	for (size_t i = 0; i < cfg->accessories_nr; i++) {
		const struct config_accessory *acc = &cfg->accessories[i];
		struct strvec hosts = STRVEC_INIT;
		accessory_selected(acc, &selected, &hosts);
		strbuf_init(&types[i], 0);
		strbuf_addf(&types[i], "Accessory %s", acc->name);
		add_part(&ps, types[i].buf, accessory_info, acc, &hosts);
		strvec_clear(&hosts);
	}
	for (size_t i = 0; i < ps.nr; i++) {
		ps.v[i].shown = xcalloc(ps.all.nr ? ps.all.nr : 1, sizeof(struct strbuf));
		for (size_t j = 0; j < ps.all.nr; j++)
			strbuf_init(&ps.v[i].shown[j], 0);
	}
	if (!cli_pre_connect(ctx)) {
		r = on_hosts(&ps.all, details_host, &ps, &o);
		print_parts(&ps);
	}
	for (size_t i = 0; i < ps.nr; i++) {
		for (size_t j = 0; j < ps.all.nr; j++)
			strbuf_release(&ps.v[i].shown[j]);
		free(ps.v[i].shown);
		strvec_clear(&ps.v[i].hosts);
	}
	for (size_t i = 0; i < cfg->accessories_nr; i++)
		strbuf_release(&types[i]);
	free(types);
	free(ps.v);
	strvec_clear(&ps.all);
	strvec_clear(&proxy);
	strvec_clear(&selected);
	return r ? 1 : 0;
}

int cmd_audit(int argc, const char **argv, struct cli_context *ctx)
{
	return audit(argc, argv, ctx);
}

int cmd_details(int argc, const char **argv, struct cli_context *ctx)
{
	return details(argc, argv, ctx);
}
