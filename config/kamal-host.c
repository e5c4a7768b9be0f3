/*
 * kamal-host.c - derived values for the host-level builders (see
 * kamal-host.h), each after the Kamal::Configuration method it names.
 */
#include "config/kamal-host.h"

#include <stdlib.h>

static const char *str_or(const struct ynode *n, const char *fallback)
{
	return ynode_present(n) && ynode_str(n) ? ynode_str(n) : fallback;
}

static int is_false(const struct ynode *n)
{
	return n && n->kind == YNODE_BOOL && !n->ival;
}

void kamal_registry(const struct config *cfg, const struct ynode *node,
		    struct kamal_registry *out)
{
	const char *server = str_or(ynode_get(node, "server"), NULL);
	const char *colon;

	(void)cfg;
	out->node = node;
	out->server = server;
	/* Kamal's match?("^localhost[:$]"): a class of ':' and '$'. */
	out->local = server && starts_with(server, "localhost") &&
		     (server[9] == ':' || server[9] == '$');
	colon = server ? strrchr(server, ':') : NULL;
	out->local_port = out->local && colon ? atoi(colon + 1) : 0;
}

static const char *lookup(struct config *cfg, const struct ynode *node,
			  const char *key, struct strbuf *err)
{
	const struct ynode *v = ynode_get(node, key);

	if (v && v->kind == YNODE_SEQ)
		return v->nr ? config_secret(cfg, ynode_str(v->items[0]), err) : NULL;
	return ynode_str(v);
}

int kamal_registry_credentials(struct config *cfg, const struct kamal_registry *reg,
			       const char **username, const char **password,
			       struct strbuf *err)
{
	size_t before = err->len;

	*username = lookup(cfg, reg->node, "username", err);
	*password = lookup(cfg, reg->node, "password", err);
	return err->len > before ? -1 : 0;
}

static void push_unique(struct strvec *out, const struct strvec *hosts)
{
	for (size_t i = 0; i < hosts->nr; i++)
		if (strvec_find(out, hosts->v[i]) < 0)
			strvec_push(out, hosts->v[i]);
}

void kamal_app_hosts(const struct config *cfg, struct strvec *out)
{
	for (size_t i = 0; i < cfg->roles_nr; i++)
		push_unique(out, &cfg->roles[i].hosts);
}

void kamal_proxy_hosts(const struct config *cfg, struct strvec *out)
{
	for (size_t i = 0; i < cfg->roles_nr; i++)
		if (cfg->roles[i].running_proxy)
			push_unique(out, &cfg->roles[i].hosts);
	for (size_t i = 0; i < cfg->accessories_nr; i++)
		if (ynode_present(ynode_get(cfg->accessories[i].node, "proxy")))
			push_unique(out, &cfg->accessories[i].hosts);
}

/* Proxy#run exists only for a present "run" map. */
static const struct ynode *run_of(const struct ynode *proxy)
{
	const struct ynode *run = ynode_get(proxy, "run");

	return ynode_present(run) ? run : NULL;
}

const struct ynode *kamal_proxy_run(const struct config *cfg, const char *host)
{
	for (size_t i = 0; i < cfg->roles_nr; i++) {
		const struct config_role *r = &cfg->roles[i];
		if (r->running_proxy && strvec_find(&r->hosts, host) >= 0 && run_of(r->proxy))
			return run_of(r->proxy);
	}
	for (size_t i = 0; i < cfg->accessories_nr; i++) {
		const struct config_accessory *a = &cfg->accessories[i];
		const struct ynode *proxy = ynode_get(a->node, "proxy");
		if (ynode_present(proxy) && strvec_find(&a->hosts, host) >= 0 && run_of(proxy))
			return run_of(proxy);
	}
	return NULL;
}

long kamal_retain_containers(const struct config *cfg)
{
	const struct ynode *n = ynode_get(cfg->raw, "retain_containers");

	return n && n->kind == YNODE_INT ? n->ival : 5;
}

const char *kamal_hooks_path(const struct config *cfg)
{
	return str_or(ynode_get(cfg->raw, "hooks_path"), ".kamal/hooks");
}

void kamal_service_and_destination(const struct config *cfg, struct strbuf *out)
{
	strbuf_addstr(out, cfg->service ? cfg->service : "");
	if (cfg->destination)
		strbuf_addf(out, "-%s", cfg->destination);
}

void kamal_latest_tag(const struct config *cfg, struct strbuf *out)
{
	strbuf_addstr(out, "latest");
	if (cfg->destination)
		strbuf_addf(out, "-%s", cfg->destination);
}

void kamal_latest_image(const struct config *cfg, struct strbuf *out)
{
	strbuf_addf(out, "%s:", cfg->repository);
	kamal_latest_tag(cfg, out);
}

void kamal_app_directory(const struct config *cfg, struct strbuf *out)
{
	strbuf_addstr(out, KAMAL_APPS_DIRECTORY "/");
	kamal_service_and_destination(cfg, out);
}

static void builder_arches(const struct ynode *b, const char *driver, struct strvec *out)
{
	const struct ynode *arch = ynode_find(b, "arch") ? ynode_get(b, "arch") : NULL;

	if (!ynode_find(b, "arch")) {
		/* default_arch: the docker driver builds for the local arch only */
		if (strcmp(driver, "docker"))
			strvec_pushl(out, "amd64", "arm64", NULL);
	} else if (arch && arch->kind == YNODE_SEQ) {
		for (size_t i = 0; i < arch->nr; i++)
			strvec_push(out, ynode_str(arch->items[i]) ? ynode_str(arch->items[i]) : "");
	} else if (arch && arch->kind != YNODE_NULL && ynode_str(arch)) {
		strvec_push(out, ynode_str(arch));
	}
}

/* cache_from/cache_to for type gha or registry; other types: none. */
static void builder_cache(const struct config *cfg, const struct ynode *cache,
			  struct kamal_builder *b)
{
	const char *type = str_or(ynode_get(cache, "type"), "");
	const char *options = str_or(ynode_get(cache, "options"), NULL);
	struct strbuf from = STRBUF_INIT, to = STRBUF_INIT;

	if (!strcmp(type, "gha")) {
		strbuf_addstr(&from, "type=gha");
		/* cache-from takes only the options gha reads back */
		for (const char *p = options; p && *p;) {
			size_t n = strcspn(p, ",");
			static const char *keep[] = { "url=", "url_v2=", "token=", "scope=", "timeout=" };
			for (size_t k = 0; k < sizeof(keep) / sizeof(*keep); k++)
				if (!strncmp(p, keep[k], strlen(keep[k])))
					strbuf_addf(&from, ",%.*s", (int)n, p);
			p += n + (p[n] == ',');
		}
		strbuf_addstr(&to, "type=gha");
	} else if (!strcmp(type, "registry")) {
		const char *server = str_or(ynode_path(cfg->raw, "registry/server"), NULL);
		struct strbuf ref = STRBUF_INIT;
		if (server)
			strbuf_addf(&ref, "%s/", server);
		if (str_or(ynode_get(cache, "image"), NULL))
			strbuf_addstr(&ref, str_or(ynode_get(cache, "image"), NULL));
		else
			strbuf_addf(&ref, "%s-build-cache", cfg->image ? cfg->image : "");
		strbuf_addf(&from, "type=registry,ref=%s", ref.buf);
		strbuf_addf(&to, "type=registry,ref=%s", ref.buf);
		strbuf_release(&ref);
	} else {
		return;
	}
	if (options)
		strbuf_addf(&to, ",%s", options);
	b->cache_from = strbuf_detach(&from, NULL);
	b->cache_to = strbuf_detach(&to, NULL);
}

void kamal_builder_init(const struct config *cfg, struct kamal_builder *b)
{
	const struct ynode *n = ynode_get(cfg->raw, "builder");
	const struct ynode *pack = ynode_get(n, "pack");

	memset(b, 0, sizeof(*b));
	strvec_init(&b->arches);
	b->driver = str_or(ynode_get(n, "driver"), "docker-container");
	builder_arches(n, b->driver, &b->arches);
	b->remote = str_or(ynode_get(n, "remote"), NULL);
	b->dockerfile = str_or(ynode_get(n, "dockerfile"), "Dockerfile");
	b->context = str_or(ynode_get(n, "context"), ".");
	b->context_set = ynode_get(n, "context") && ynode_get(n, "context")->kind != YNODE_NULL;
	b->target = str_or(ynode_get(n, "target"), NULL);
	b->ssh = str_or(ynode_get(n, "ssh"), NULL);
	b->args = ynode_get(n, "args");
	b->secrets = ynode_get(n, "secrets");
	b->provenance = ynode_get(n, "provenance");
	if (b->provenance && b->provenance->kind == YNODE_NULL)
		b->provenance = NULL;
	b->sbom = ynode_get(n, "sbom");
	if (b->sbom && b->sbom->kind == YNODE_NULL)
		b->sbom = NULL;
	b->local_disabled = is_false(ynode_get(n, "local"));
	if (ynode_truthy(pack)) {
		b->pack_builder = str_or(ynode_get(pack, "builder"), "");
		b->pack_buildpacks = ynode_get(pack, "buildpacks");
	}
	if (ynode_truthy(ynode_get(n, "cache")))
		builder_cache(cfg, ynode_get(n, "cache"), b);
}

void kamal_builder_release(struct kamal_builder *b)
{
	strvec_clear(&b->arches);
	free(b->cache_from);
	free(b->cache_to);
	b->cache_from = b->cache_to = NULL;
}

void kamal_ssh(const struct config *cfg, struct kamal_ssh *out)
{
	const struct ynode *n = ynode_get(cfg->raw, "ssh");
	const char *proxy = str_or(ynode_get(n, "proxy"), NULL);

	memset(out, 0, sizeof(*out));
	strbuf_init(&out->proxy_buf, 0);
	out->user = str_or(ynode_get(n, "user"), "root");
	out->port = str_or(ynode_get(n, "port"), "22");
	out->config = ynode_get(n, "config");
	if (out->config && out->config->kind == YNODE_NULL)
		out->config = NULL;
	if (proxy) {
		if (!strchr(proxy, '@'))
			strbuf_addstr(&out->proxy_buf, "root@");
		strbuf_addstr(&out->proxy_buf, proxy);
		out->proxy = out->proxy_buf.buf;
	} else {
		out->proxy_command = str_or(ynode_get(n, "proxy_command"), NULL);
	}
	out->keys = ynode_get(n, "keys");
	out->keys_only = ynode_truthy(ynode_get(n, "keys_only"));
}

void kamal_ssh_release(struct kamal_ssh *ssh)
{
	strbuf_release(&ssh->proxy_buf);
}
