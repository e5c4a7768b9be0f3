/*
 * hosts.c - which hosts a command acts on: -h/--hosts, -r/--roles and
 * -p/--primary applied to the config as Kamal's Commander::Specifics does.
 *
 * Kamal's rules, kept exactly because runbooks depend on them:
 *  - filters are comma-separated; each matches with File.fnmatch and
 *    FNM_EXTGLOB: "*" matches anything (dots and slashes too), "?" one
 *    character, "[...]" a set, "{a,b}" alternatives;
 *  - a filter list matching nothing is an error ("No --hosts match for
 *    ..."), not an empty run;
 *  - the selected hosts are the given hosts (or all), narrowed to the
 *    selected roles' hosts; the hosts of the primary role come first;
 *  - --primary means the first selected role's primary host, or the
 *    config's primary host.
 */
#include "cli.h"
#include "cli/app.h"
#include "config/model.h"
#include "log.h"

#include <fnmatch.h>

/* Expands the first {a,b} group, recursively, then fnmatch()es. */
static int extglob_match(const char *pattern, const char *s)
{
	const char *open = strchr(pattern, '{'), *close, *p;
	int depth = 0;

	if (!open)
		return !fnmatch(pattern, s, 0);
	for (close = open; *close; close++) {
		if (*close == '{')
			depth++;
		else if (*close == '}' && !--depth)
			break;
	}
	if (!*close)
		return !fnmatch(pattern, s, 0);
	for (p = open + 1; p <= close;) {
		const char *alt = p;
		struct strbuf one = STRBUF_INIT;
		int d = 0, hit;
		while (p < close && !(d == 0 && *p == ',')) {
			d += *p == '{' ? 1 : *p == '}' ? -1 : 0;
			p++;
		}
		strbuf_add(&one, pattern, (size_t)(open - pattern));
		strbuf_add(&one, alt, (size_t)(p - alt));
		strbuf_addstr(&one, close + 1);
		hit = extglob_match(one.buf, s);
		strbuf_release(&one);
		if (hit)
			return 1;
		p++;
	}
	return 0;
}

/*
 * Kamal::Utils.filter_specific_items: matches per filter, in filter order,
 * unique. Kamal splits the list at every comma, which cuts a {a,b} in
 * two; berth splits only at commas outside braces, so FNM_EXTGLOB's
 * alternatives work as its documentation promises.
 */
static void filter_items(const char *filters, const struct strvec *items, struct strvec *out)
{
	struct strbuf f = STRBUF_INIT;
	int depth = 0;

	for (const char *p = filters;; p++) {
		if (*p && (*p != ',' || depth)) {
			depth += *p == '{' ? 1 : *p == '}' && depth ? -1 : 0;
			strbuf_addch(&f, *p);
			continue;
		}
		for (size_t i = 0; f.len && i < items->nr; i++)
			if (extglob_match(f.buf, items->v[i]) && strvec_find(out, items->v[i]) < 0)
				strvec_push(out, items->v[i]);
		strbuf_reset(&f);
		if (!*p)
			break;
	}
	strbuf_release(&f);
}

struct selection {
	struct strvec hosts;  /* specified hosts, primary role's first */
	struct strvec roles;  /* selected role names, primary role first */
	const char *primary_host;
	const char *primary_role;
};

static int role_has(const struct config_role *r, const char *host)
{
	return strvec_find(&r->hosts, host) >= 0;
}

static int selected(const struct selection *s, const char *role)
{
	return strvec_find(&s->roles, role) >= 0;
}

/* The primary role among the selected roles on host, or the first of them. */
static const char *primary_or_first(struct config *cfg, const struct strvec *roles,
				    const char *host)
{
	const char *first = NULL;
	for (size_t i = 0; i < roles->nr; i++) {
		const struct config_role *r = config_role(cfg, roles->v[i]);
		if (host && !role_has(r, host))
			continue;
		if (!strcmp(r->name, cfg->primary_role))
			return r->name;
		if (!first)
			first = r->name;
	}
	return first;
}

static void stable_primary_first(struct config *cfg, const char *primary_role, struct strvec *v,
				 int are_hosts)
{
	struct strvec first = STRVEC_INIT, rest = STRVEC_INIT;
	const struct config_role *pr = config_role(cfg, primary_role ? primary_role : "");

	for (size_t i = 0; i < v->nr; i++) {
		int is_primary = are_hosts ? pr && role_has(pr, v->v[i]) :
					     primary_role && !strcmp(v->v[i], primary_role);
		strvec_push(is_primary ? &first : &rest, v->v[i]);
	}
	strvec_clear(v);
	strvec_pushvec(v, &first);
	strvec_pushvec(v, &rest);
	strvec_clear(&first);
	strvec_clear(&rest);
}

static void select_hosts(struct cli_context *ctx, struct selection *s)
{
	struct config *cfg = cli_load_config(ctx);
	struct strvec specific_hosts = STRVEC_INIT, specific_roles = STRVEC_INIT, names = STRVEC_INIT;
	const struct strvec *base;

	for (size_t i = 0; i < cfg->roles_nr; i++)
		strvec_push(&names, cfg->roles[i].name);
	if (ctx->roles) {
		filter_items(ctx->roles, &names, &specific_roles);
		if (!specific_roles.nr)
			die("No --roles match for %s", ctx->roles);
	}
	if (ctx->primary) {
		const char *role = specific_roles.nr ?
					   primary_or_first(cfg, &specific_roles, NULL) : NULL;
		const struct config_role *r = role ? config_role(cfg, role) : NULL;
		const char *h = r ? (r->hosts.nr ? r->hosts.v[0] : NULL) : cfg->primary_host;
		if (h)
			strvec_push(&specific_hosts, h);
	} else if (ctx->hosts) {
		filter_items(ctx->hosts, &cfg->all_hosts, &specific_hosts);
		if (!specific_hosts.nr)
			die("No --hosts match for %s", ctx->hosts);
	}
	base = specific_hosts.nr ? &specific_hosts : &cfg->all_hosts;
	for (size_t i = 0; i < base->nr; i++) {
		int keep = !specific_roles.nr;
		for (size_t j = 0; j < specific_roles.nr && !keep; j++)
			keep = role_has(config_role(cfg, specific_roles.v[j]), base->v[i]);
		if (keep)
			strvec_push(&s->hosts, base->v[i]);
	}
	/* Roles with at least one of the specified hosts. */
	{
		const struct strvec *from = specific_roles.nr ? &specific_roles : &names;
		for (size_t i = 0; i < from->nr; i++) {
			const struct config_role *r = config_role(cfg, from->v[i]);
			for (size_t j = 0; j < base->nr; j++)
				if (role_has(r, base->v[j])) {
					strvec_push(&s->roles, r->name);
					break;
				}
		}
	}
	s->primary_host = specific_hosts.nr ? xstrdup(specific_hosts.v[0]) : NULL;
	if (!s->primary_host) {
		const char *pr = specific_roles.nr ? primary_or_first(cfg, &specific_roles, NULL) : NULL;
		const struct config_role *r = pr ? config_role(cfg, pr) : NULL;
		s->primary_host = r && r->hosts.nr ? r->hosts.v[0] : cfg->primary_host;
	}
	s->primary_role = primary_or_first(cfg, &s->roles, s->primary_host);
	stable_primary_first(cfg, s->primary_role, &s->roles, 0);
	stable_primary_first(cfg, s->primary_role, &s->hosts, 1);
	strvec_clear(&specific_hosts);
	strvec_clear(&specific_roles);
	strvec_clear(&names);
}

static struct selection *selection(struct cli_context *ctx)
{
	static struct selection s;
	static int done;
	if (!done) {
		strvec_init(&s.hosts);
		strvec_init(&s.roles);
		select_hosts(ctx, &s);
		done = 1;
	}
	return &s;
}

void cli_hosts(struct cli_context *ctx, struct strvec *out)
{
	strvec_pushvec(out, &selection(ctx)->hosts);
}

const char *cli_primary_host(struct cli_context *ctx)
{
	return selection(ctx)->primary_host;
}

/* config.X_hosts & specified hosts, in the config's order. */
static void intersect(const struct strvec *cfg_hosts, const struct selection *s,
		      struct strvec *out)
{
	for (size_t i = 0; i < cfg_hosts->nr; i++)
		if (strvec_find(&s->hosts, cfg_hosts->v[i]) >= 0 &&
		    strvec_find(out, cfg_hosts->v[i]) < 0)
			strvec_push(out, cfg_hosts->v[i]);
}

void cli_proxy_hosts(struct cli_context *ctx, struct strvec *out)
{
	struct config *cfg = cli_load_config(ctx);
	struct selection *s = selection(ctx);
	struct strvec all = STRVEC_INIT;

	for (size_t i = 0; i < cfg->roles_nr; i++)
		if (cfg->roles[i].running_proxy)
			strvec_pushvec(&all, &cfg->roles[i].hosts);
	for (size_t i = 0; i < cfg->accessories_nr; i++)
		if (ynode_present(ynode_get(cfg->accessories[i].node, "proxy")))
			strvec_pushvec(&all, &cfg->accessories[i].hosts);
	intersect(&all, s, out);
	strvec_clear(&all);
}

void cli_app_hosts(struct cli_context *ctx, struct strvec *out)
{
	struct config *cfg = cli_load_config(ctx);
	struct selection *s = selection(ctx);
	struct strvec all = STRVEC_INIT;

	for (size_t i = 0; i < cfg->roles_nr; i++)
		strvec_pushvec(&all, &cfg->roles[i].hosts);
	intersect(&all, s, out);
	stable_primary_first(cfg, s->primary_role, out, 1);
	strvec_clear(&all);
}

void cli_accessory_hosts(struct cli_context *ctx, struct strvec *out)
{
	struct config *cfg = cli_load_config(ctx);
	struct strvec all = STRVEC_INIT;

	for (size_t i = 0; i < cfg->accessories_nr; i++)
		strvec_pushvec(&all, &cfg->accessories[i].hosts);
	intersect(&all, selection(ctx), out);
	strvec_clear(&all);
}

int cli_role_selected(struct cli_context *ctx, const char *role)
{
	return selected(selection(ctx), role);
}

void cli_roles(struct cli_context *ctx, struct strvec *out)
{
	strvec_pushvec(out, &selection(ctx)->roles);
}

void cli_roles_on(struct cli_context *ctx, const char *host, struct strvec *out)
{
	struct config *cfg = cli_load_config(ctx);
	const struct strvec *roles = &selection(ctx)->roles;

	for (size_t i = 0; i < roles->nr; i++)
		if (role_has(config_role(cfg, roles->v[i]), host))
			strvec_push(out, roles->v[i]);
}

const char *cli_primary_role(struct cli_context *ctx)
{
	return selection(ctx)->primary_role;
}
