/*
 * kamal-proxy.c - Kamal::Configuration::Proxy for the builders: a role's
 * or accessory's proxy map turned into kamal-proxy deploy's options, and
 * where custom certificates live.
 */
#include "config/kamal-app.h"

int config_proxy_custom_ssl(const struct ynode *proxy)
{
	const struct ynode *ssl = ynode_get(proxy, "ssl");

	return ssl && ssl->kind == YNODE_MAP &&
	       ynode_present(ynode_get(ssl, "certificate_pem")) &&
	       ynode_present(ynode_get(ssl, "private_key_pem"));
}

/* A list, else a comma-separated string (String#split drops trailing ""). */
static void list_or_split(const struct ynode *list, const struct ynode *csv,
			  struct strvec *out)
{
	struct strbuf item = STRBUF_INIT;
	size_t keep = out->nr;

	if (ynode_truthy(list) && list->kind == YNODE_SEQ) {
		for (size_t i = 0; i < list->nr; i++) {
			strbuf_reset(&item);
			config_scalar_to_s(&item, list->items[i]);
			strvec_push(out, item.buf);
		}
	} else if (ynode_truthy(csv) && ynode_str(csv)) {
		const char *p = ynode_str(csv), *comma;
		do {
			comma = strchrnul(p, ',');
			strvec_pushf(out, "%.*s", (int)(comma - p), p);
			p = comma + 1;
		} while (*comma);
		while (out->nr > keep && !*out->v[out->nr - 1])
			strvec_pop(out);
	}
	strbuf_release(&item);
}

void config_proxy_hosts(const struct ynode *proxy, struct strvec *out)
{
	list_or_split(ynode_get(proxy, "hosts"), ynode_get(proxy, "host"), out);
}

void config_proxy_app_port(const struct ynode *proxy, struct strbuf *out)
{
	const struct ypair *p = ynode_find(proxy, "app_port");

	if (p)
		config_scalar_to_s(out, p->value);
	else
		strbuf_addstr(out, "80");
}

/* tls_path: DIR[/ROLE]/FILE, only with custom certificates. */
static int tls_file(const struct config *cfg, const struct ynode *proxy, int container,
		    const char *role, const char *file, struct strbuf *out)
{
	if (!config_proxy_custom_ssl(proxy))
		return 0;
	config_proxy_tls_directory(cfg, container, out);
	if (role)
		config_path_join(out, role);
	config_path_join(out, file);
	return 1;
}

void config_proxy_host_tls_file(const struct config *cfg, const char *role,
				const char *file, struct strbuf *out)
{
	config_proxy_tls_directory(cfg, 0, out);
	if (role)
		config_path_join(out, role);
	config_path_join(out, file);
}

static void push_text(struct config_kvs *out, const char *key, const struct strbuf *sb)
{
	config_kvs_push_str(out, key, sb->buf);
}

/* seconds_duration: "Ns" for a set value; nothing for nil/false. */
static void push_seconds(struct config_kvs *out, const char *key, const struct ynode *v)
{
	struct strbuf sb = STRBUF_INIT;

	if (ynode_truthy(v)) {
		config_scalar_to_s(&sb, v);
		strbuf_addch(&sb, 's');
		push_text(out, key, &sb);
	}
	strbuf_release(&sb);
}

/* A value as it is; arrays flattened; nil (compact) left out. */
static void push_node(struct config_kvs *out, const char *key, const struct ynode *v)
{
	if (!v || v->kind == YNODE_NULL)
		return;
	if (v->kind != YNODE_SEQ) {
		config_kvs_push(out, key, v);
		return;
	}
	for (size_t i = 0; i < v->nr; i++)
		config_kvs_push(out, key, v->items[i]);
}

/* A bare "--key" (optionize's true). */
static void push_true(struct config_kvs *out, const char *key)
{
	config_kvs_push_str(out, key, NULL);
	out->v[out->nr - 1].kind = CONFIG_KV_TRUE;
}

static void push_list(struct config_kvs *out, const char *key, const struct strvec *sv)
{
	for (size_t i = 0; i < sv->nr; i++)
		config_kvs_push_str(out, key, sv->v[i]);
}

/* buffering.requests/responses: true unless the config says otherwise. */
static void push_buffering(struct config_kvs *out, const char *key,
			   const struct ynode *buffering, const char *which)
{
	const struct ypair *p = ynode_find(buffering, which);

	if (p)
		push_node(out, key, p->value);
	else
		push_true(out, key);
}

static void push_tls(const struct config *cfg, const struct ynode *proxy, const char *role,
		     struct config_kvs *out)
{
	struct strbuf sb = STRBUF_INIT;

	if (ynode_truthy(ynode_get(proxy, "ssl")))
		push_true(out, "tls");
	if (tls_file(cfg, proxy, 1, role, "cert.pem", &sb))
		push_text(out, "tls-certificate-path", &sb);
	strbuf_reset(&sb);
	if (tls_file(cfg, proxy, 1, role, "key.pem", &sb))
		push_text(out, "tls-private-key-path", &sb);
	strbuf_release(&sb);
}

static void push_timeouts(const struct config *cfg, const struct ynode *proxy,
			  struct config_kvs *out)
{
	struct strbuf sb = STRBUF_INIT;
	const struct ynode *hc = ynode_get(proxy, "healthcheck");

	config_seconds(cfg, "deploy_timeout", "30", &sb);
	strbuf_addch(&sb, 's');
	push_text(out, "deploy-timeout", &sb);
	strbuf_reset(&sb);
	config_seconds(cfg, "drain_timeout", "30", &sb);
	strbuf_addch(&sb, 's');
	push_text(out, "drain-timeout", &sb);
	push_seconds(out, "health-check-interval", ynode_get(hc, "interval"));
	push_seconds(out, "health-check-timeout", ynode_get(hc, "timeout"));
	push_node(out, "health-check-path", ynode_get(hc, "path"));
	push_seconds(out, "target-timeout", ynode_get(proxy, "response_timeout"));
	strbuf_release(&sb);
}

static void push_routing(const struct ynode *proxy, struct config_kvs *out)
{
	const struct ynode *buffering = ynode_get(proxy, "buffering");
	const struct ynode *headers = ynode_path(proxy, "logging/request_headers");
	struct strvec prefixes = STRVEC_INIT;
	static const char *defaults[] = { "Cache-Control", "Last-Modified", "User-Agent" };

	push_buffering(out, "buffer-requests", buffering, "requests");
	push_buffering(out, "buffer-responses", buffering, "responses");
	push_node(out, "buffer-memory", ynode_get(buffering, "memory"));
	push_node(out, "max-request-body", ynode_get(buffering, "max_request_body"));
	push_node(out, "max-response-body", ynode_get(buffering, "max_response_body"));
	list_or_split(ynode_get(proxy, "path_prefixes"), ynode_get(proxy, "path_prefix"), &prefixes);
	push_list(out, "path-prefix", &prefixes);
	push_node(out, "strip-path-prefix", ynode_get(proxy, "strip_path_prefix"));
	push_node(out, "forward-headers", ynode_get(proxy, "forward_headers"));
	push_node(out, "tls-redirect", ynode_get(proxy, "ssl_redirect"));
	if (ynode_truthy(headers))
		push_node(out, "log-request-header", headers);
	else
		for (size_t i = 0; i < ARRAY_SIZE(defaults); i++)
			config_kvs_push_str(out, "log-request-header", defaults[i]);
	push_node(out, "log-response-header", ynode_path(proxy, "logging/response_headers"));
	strvec_clear(&prefixes);
}

void config_proxy_deploy_options(const struct config *cfg, const struct ynode *proxy,
				 const char *role, const char *version,
				 struct config_kvs *out)
{
	struct strvec hosts = STRVEC_INIT;

	config_proxy_hosts(proxy, &hosts);
	push_list(out, "host", &hosts);
	push_tls(cfg, proxy, role, out);
	push_timeouts(cfg, proxy, out);
	push_routing(proxy, out);
	if (ynode_truthy(ynode_get(cfg->raw, "error_pages_path"))) {
		struct strbuf sb = STRBUF_INIT;
		config_proxy_error_pages_directory(cfg, 1, &sb);
		config_path_join(&sb, version);
		push_text(out, "error-pages", &sb);
		strbuf_release(&sb);
	}
	strvec_clear(&hosts);
}
