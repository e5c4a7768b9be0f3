/*
 * kamal-app.c - Kamal's derived values for the app: its hash type, run
 * directories, env merging, and each role's names, labels, options,
 * logging, stop timeout and assets (see kamal-app.h). The proxy's deploy
 * options are in kamal-proxy.c, accessories in kamal-accessory.c.
 */
#include "config/kamal-app.h"

#include <math.h>

/* ---- the hash ------------------------------------------------------ */

void config_kvs_clear(struct config_kvs *kvs)
{
	for (size_t i = 0; i < kvs->nr; i++) {
		free(kvs->v[i].key);
		free(kvs->v[i].value);
	}
	free(kvs->v);
	kvs->v = NULL;
	kvs->nr = kvs->alloc = 0;
}

static void kv_fill(struct config_kv *kv, const struct ynode *value)
{
	struct strbuf sb = STRBUF_INIT;

	free(kv->value);
	kv->value = NULL;
	if (!value || value->kind == YNODE_NULL) {
		kv->kind = CONFIG_KV_NIL;
		return;
	}
	if (value->kind == YNODE_BOOL)
		kv->kind = value->ival ? CONFIG_KV_TRUE : CONFIG_KV_FALSE;
	else
		kv->kind = CONFIG_KV_VALUE;
	/* A list or map as a value would be Ruby's inspect: not supported,
	 * it stays "" (argumentize then writes the bare key). */
	config_scalar_to_s(&sb, value);
	kv->value = strbuf_detach(&sb, NULL);
}

static struct config_kv *kv_new(struct config_kvs *kvs, const char *key)
{
	struct config_kv *kv;

	ALLOC_GROW(kvs->v, kvs->nr + 1, kvs->alloc);
	kv = &kvs->v[kvs->nr++];
	kv->key = xstrdup(key);
	kv->value = NULL;
	kv->kind = CONFIG_KV_NIL;
	return kv;
}

static struct config_kv *kv_find(struct config_kvs *kvs, const char *key)
{
	for (size_t i = 0; i < kvs->nr; i++)
		if (!strcmp(kvs->v[i].key, key))
			return &kvs->v[i];
	return NULL;
}

void config_kvs_push(struct config_kvs *kvs, const char *key, const struct ynode *value)
{
	kv_fill(kv_new(kvs, key), value);
}

void config_kvs_push_str(struct config_kvs *kvs, const char *key, const char *value)
{
	struct config_kv *kv = kv_new(kvs, key);

	kv->value = value ? xstrdup(value) : NULL;
	kv->kind = value ? CONFIG_KV_VALUE : CONFIG_KV_NIL;
}

void config_kvs_set(struct config_kvs *kvs, const char *key, const struct ynode *value)
{
	struct config_kv *kv = kv_find(kvs, key);

	kv_fill(kv ? kv : kv_new(kvs, key), value);
}

void config_kvs_set_str(struct config_kvs *kvs, const char *key, const char *value)
{
	struct config_kv *kv = kv_find(kvs, key);

	if (!kv) {
		config_kvs_push_str(kvs, key, value);
		return;
	}
	free(kv->value);
	kv->value = value ? xstrdup(value) : NULL;
	kv->kind = value ? CONFIG_KV_VALUE : CONFIG_KV_NIL;
}

void config_kvs_merge(struct config_kvs *kvs, const struct ynode *map)
{
	struct strbuf key = STRBUF_INIT;

	for (size_t i = 0; map && map->kind == YNODE_MAP && i < map->nr; i++) {
		strbuf_reset(&key);
		config_scalar_to_s(&key, map->pairs[i].key);
		config_kvs_set(kvs, key.buf, map->pairs[i].value);
	}
	strbuf_release(&key);
}

/* ---- Ruby's to_s --------------------------------------------------- */

/*
 * Float#to_s: the shortest digits that read back the same, fixed notation
 * for 1e-4 <= |f| < 1e15, "d.ddde+XX" outside it, always with a fraction.
 */
static void float_to_s(struct strbuf *out, double f)
{
	char buf[40], digits[24];
	int prec, exp, n = 0;
	const char *p;

	if (isnan(f) || isinf(f)) {
		strbuf_addstr(out, isnan(f) ? "NaN" : f < 0 ? "-Infinity" : "Infinity");
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, f);
		if (strtod(buf, NULL) == f)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*e", prec - 1, f);
	for (p = buf; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[n++] = *p;
	digits[n] = '\0';
	while (n > 1 && digits[n - 1] == '0')
		digits[--n] = '\0';
	exp = atoi(p + 1);
	if (buf[0] == '-')
		strbuf_addch(out, '-');
	if (exp < -4 || exp >= 15) {
		strbuf_addf(out, "%c.%s", digits[0], n > 1 ? digits + 1 : "0");
		strbuf_addf(out, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
	} else if (exp < 0) {
		strbuf_addstr(out, "0.");
		for (int i = -1; i > exp; i--)
			strbuf_addch(out, '0');
		strbuf_addstr(out, digits);
	} else {
		for (int i = 0; i <= exp; i++)
			strbuf_addch(out, i < n ? digits[i] : '0');
		strbuf_addf(out, ".%s", n > exp + 1 ? digits + exp + 1 : "0");
	}
}

void config_scalar_to_s(struct strbuf *out, const struct ynode *n)
{
	if (!n || n->kind == YNODE_NULL)
		return;
	if (n->kind == YNODE_INT)
		strbuf_addf(out, "%lld", n->ival);
	else if (n->kind == YNODE_BOOL)
		/* "OFF", "yes"...: Psych's booleans, whose to_s is true/false */
		strbuf_addstr(out, n->ival ? "true" : "false");
	else if (n->kind == YNODE_FLOAT)
		float_to_s(out, n->fval);
	else if (ynode_str(n))
		strbuf_addstr(out, ynode_str(n));
}

/* ---- paths ----------------------------------------------------------- */

void config_path_join(struct strbuf *out, const char *part)
{
	int ends = out->len && out->buf[out->len - 1] == '/';

	if (ends && *part == '/')
		part++;
	else if (!ends && *part != '/')
		strbuf_addch(out, '/');
	strbuf_addstr(out, part);
}

void config_path_dirname(const char *path, struct strbuf *out)
{
	const char *slash = strrchr(path, '/');

	while (slash && slash > path && slash[1] == '\0') {
		/* a trailing slash names the folder itself */
		const char *p = slash;
		while (p > path && *p == '/')
			p--;
		slash = memrchr(path, '/', (size_t)(p - path + 1));
	}
	if (!slash)
		strbuf_addch(out, '.');
	else if (slash == path)
		strbuf_addch(out, '/');
	else
		strbuf_add(out, path, (size_t)(slash - path));
}

void config_volume_arg(const char *host_path, const char *container_path,
		       const char *options, struct strvec *out)
{
	struct strbuf sb = STRBUF_INIT;

	if (*host_path != '/')
		strbuf_addstr(&sb, "$PWD/");
	strbuf_addf(&sb, "%s:%s", host_path, container_path);
	if (options && *options)
		strbuf_addf(&sb, ":%s", options);
	strvec_push(out, "--volume");
	strvec_push(out, sb.buf);
	strbuf_release(&sb);
}

/* ---- run directories ------------------------------------------------- */

void config_service_and_destination(const struct config *cfg, struct strbuf *out)
{
	strbuf_addstr(out, cfg->service ? cfg->service : "");
	if (cfg->destination)
		strbuf_addf(out, "-%s", cfg->destination);
}

void config_app_directory(const struct config *cfg, struct strbuf *out)
{
	strbuf_addstr(out, ".kamal/apps/");
	config_service_and_destination(cfg, out);
}

void config_env_directory(const struct config *cfg, struct strbuf *out)
{
	config_app_directory(cfg, out);
	strbuf_addstr(out, "/env");
}

void config_assets_directory(const struct config *cfg, struct strbuf *out)
{
	config_app_directory(cfg, out);
	strbuf_addstr(out, "/assets");
}

void config_latest_tag(const struct config *cfg, struct strbuf *out)
{
	strbuf_addstr(out, "latest");
	if (cfg->destination)
		strbuf_addf(out, "-%s", cfg->destination);
}

void config_image_ref(const struct config *cfg, const char *tag, struct strbuf *out)
{
	strbuf_addf(out, "%s:%s", cfg->repository, tag);
}

void config_seconds(const struct config *cfg, const char *key, const char *dflt,
		    struct strbuf *out)
{
	const struct ynode *n = ynode_get(cfg->raw, key);

	if (ynode_truthy(n))
		config_scalar_to_s(out, n);
	else
		strbuf_addstr(out, dflt);
}

void config_proxy_app_directory(const struct config *cfg, struct strbuf *out)
{
	strbuf_addstr(out, ".kamal/proxy/apps-config/");
	config_service_and_destination(cfg, out);
}

void config_proxy_app_container_directory(const struct config *cfg, struct strbuf *out)
{
	strbuf_addstr(out, "/home/kamal-proxy/.apps-config/");
	config_service_and_destination(cfg, out);
}

void config_proxy_error_pages_directory(const struct config *cfg, int container,
					struct strbuf *out)
{
	if (container)
		config_proxy_app_container_directory(cfg, out);
	else
		config_proxy_app_directory(cfg, out);
	strbuf_addstr(out, "/error_pages");
}

void config_proxy_tls_directory(const struct config *cfg, int container, struct strbuf *out)
{
	if (container)
		config_proxy_app_container_directory(cfg, out);
	else
		config_proxy_app_directory(cfg, out);
	strbuf_addstr(out, "/tls");
}

/* ---- env ------------------------------------------------------------- */

void config_env_clear(struct config_env *env)
{
	config_kvs_clear(&env->clear);
	strvec_clear(&env->secrets);
}

void config_env_merge(struct config_env *env, const struct ynode *section)
{
	/* With any of these keys the section is structured; else all clear. */
	int structured = ynode_find(section, "clear") || ynode_find(section, "secret") ||
			 ynode_find(section, "tags");
	const struct ynode *secret = structured ? ynode_get(section, "secret") : NULL;

	config_kvs_merge(&env->clear, structured ? ynode_get(section, "clear") : section);
	for (size_t i = 0; secret && secret->kind == YNODE_SEQ && i < secret->nr; i++) {
		const char *s = ynode_stringish(secret->items[i]) ? ynode_str(secret->items[i]) : NULL;
		if (s && strvec_find(&env->secrets, s) < 0)
			strvec_push(&env->secrets, s);
	}
}

int config_env_secret_values(struct config *cfg, const struct config_env *env,
			     struct strvec *out, struct strbuf *err)
{
	struct config_kvs values = CONFIG_KVS_INIT;
	int ret = 0;

	for (size_t i = 0; i < env->secrets.nr; i++) {
		const char *entry = env->secrets.v[i], *colon = strchr(entry, ':');
		char *name = colon ? xstrndup(entry, (size_t)(colon - entry)) : xstrdup(entry);
		const char *value = config_secret(cfg, colon ? colon + 1 : entry, err);

		if (value)
			config_kvs_set_str(&values, name, value);
		else
			ret = -1;
		free(name);
	}
	for (size_t i = 0; !ret && i < values.nr; i++)
		strvec_pushf(out, "%s=%s", values.v[i].key, values.v[i].value);
	config_kvs_clear(&values);
	return ret;
}

/* ---- roles ----------------------------------------------------------- */

const struct ynode *config_role_get(const struct config_role *role, const char *key)
{
	return role->node && role->node->kind == YNODE_MAP ? ynode_get(role->node, key) : NULL;
}

const char *config_role_cmd(const struct config_role *role)
{
	const struct ynode *cmd = config_role_get(role, "cmd");

	return ynode_truthy(cmd) && ynode_stringish(cmd) ? ynode_str(cmd) : NULL;
}

void config_role_container_prefix(const struct config *cfg, const struct config_role *role,
				  struct strbuf *out)
{
	strbuf_addf(out, "%s-%s", cfg->service ? cfg->service : "", role->name);
	if (cfg->destination)
		strbuf_addf(out, "-%s", cfg->destination);
}

void config_role_container_name(const struct config *cfg, const struct config_role *role,
				const char *version, struct strbuf *out)
{
	config_role_container_prefix(cfg, role, out);
	strbuf_addf(out, "-%s", version);
}

void config_role_env_directory(const struct config *cfg, struct strbuf *out)
{
	config_env_directory(cfg, out);
	strbuf_addstr(out, "/roles");
}

void config_role_secrets_path(const struct config *cfg, const struct config_role *role,
			      struct strbuf *out)
{
	config_role_env_directory(cfg, out);
	strbuf_addf(out, "/%s.env", role->name);
}

/* The env of each tag the host carries in the role's host list. */
static void merge_tag_envs(const struct config *cfg, const struct config_role *role,
			   const char *host, struct config_env *out)
{
	const struct ynode *tags, *envs = ynode_path(cfg->raw, "env/tags");
	int at = strvec_find(&role->hosts, host);

	if (at < 0 || !role->tags || !(tags = role->tags[at]))
		return;
	if (tags->kind != YNODE_SEQ) {
		const struct ynode *env = ynode_stringish(tags) ? ynode_get(envs, ynode_str(tags)) : NULL;
		if (env)
			config_env_merge(out, env);
		return;
	}
	for (size_t i = 0; i < tags->nr; i++) {
		const char *tag = ynode_stringish(tags->items[i]) ? ynode_str(tags->items[i]) : NULL;
		const struct ynode *env = tag ? ynode_get(envs, tag) : NULL;
		if (env)
			config_env_merge(out, env);
	}
}

void config_role_env(const struct config *cfg, const struct config_role *role,
		     const char *host, struct config_env *out)
{
	config_env_merge(out, ynode_get(cfg->raw, "env"));
	config_env_merge(out, config_role_get(role, "env"));
	if (host)
		merge_tag_envs(cfg, role, host, out);
}

void config_role_labels(const struct config *cfg, const struct config_role *role,
			struct config_kvs *out)
{
	config_kvs_set_str(out, "service", cfg->service);
	config_kvs_set_str(out, "role", role->name);
	config_kvs_set_str(out, "destination", cfg->destination);
	if (ynode_present(ynode_get(cfg->raw, "labels")))
		config_kvs_merge(out, ynode_get(cfg->raw, "labels"));
	if (ynode_present(config_role_get(role, "labels")))
		config_kvs_merge(out, config_role_get(role, "labels"));
}

/* optionize's input: every option but restart, arrays as repeated keys. */
void config_options_flatten(const struct ynode *options, struct config_kvs *out)
{
	struct strbuf key = STRBUF_INIT;

	for (size_t i = 0; options && options->kind == YNODE_MAP && i < options->nr; i++) {
		const struct ynode *v = options->pairs[i].value;
		strbuf_reset(&key);
		config_scalar_to_s(&key, options->pairs[i].key);
		if (!strcmp(key.buf, "restart"))
			continue;
		if (v && v->kind == YNODE_SEQ)
			for (size_t j = 0; j < v->nr; j++)
				config_kvs_push(out, key.buf, v->items[j]);
		else
			config_kvs_push(out, key.buf, v);
	}
	strbuf_release(&key);
}

const char *config_restart_policy(const struct ynode *options)
{
	const struct ynode *r = ynode_get(options, "restart");

	return ynode_truthy(r) && ynode_str(r) ? ynode_str(r) : "unless-stopped";
}

void config_role_options(const struct config_role *role, struct config_kvs *out)
{
	config_options_flatten(config_role_get(role, "options"), out);
}

const char *config_role_restart_policy(const struct config_role *role)
{
	return config_restart_policy(config_role_get(role, "options"));
}

void config_role_logging_args(const struct config *cfg, const struct config_role *role,
			      struct strvec *out)
{
	struct ynode *base = ynode_get(cfg->raw, "logging"), *mine;
	struct ytree *t;

	mine = (struct ynode *)config_role_get(role, "logging");
	if (!mine || mine->kind != YNODE_MAP || !base || base->kind != YNODE_MAP) {
		/* nothing to merge: one side alone is the whole logging */
		config_logging_args(mine && mine->kind == YNODE_MAP ? mine : base, out);
		return;
	}
	t = ytree_new();
	config_logging_args(ynode_deep_merge(t, base, mine), out);
	ytree_free(t);
}

int config_role_stop_timeout(const struct config *cfg, const struct config_role *role,
			     struct strbuf *out)
{
	const struct ynode *t = config_role_get(role, "stop_timeout");

	if (!ynode_truthy(t))
		t = ynode_get(cfg->raw, "stop_timeout");
	if (ynode_truthy(t)) {
		config_scalar_to_s(out, t);
		return 1;
	}
	if (role->running_proxy)
		return 0;
	config_seconds(cfg, "drain_timeout", "30", out);
	return 1;
}

int config_role_asset_path(const struct config *cfg, const struct config_role *role,
			   struct strbuf *path, struct strbuf *options)
{
	const struct ynode *raw = config_role_get(role, "asset_path");
	struct strbuf sb = STRBUF_INIT;
	const char *colon;

	if (!ynode_truthy(raw))
		raw = ynode_get(cfg->raw, "asset_path");
	if (!ynode_present(raw))
		return 0;
	config_scalar_to_s(&sb, raw);
	colon = strchr(sb.buf, ':');
	strbuf_add(path, sb.buf, colon ? (size_t)(colon - sb.buf) : sb.len);
	if (colon)
		strbuf_addstr(options, colon + 1);
	strbuf_release(&sb);
	return 1;
}

int config_role_assets(const struct config *cfg, const struct config_role *role)
{
	struct strbuf path = STRBUF_INIT, options = STRBUF_INIT;
	int ret;

	config_role_asset_path(cfg, role, &path, &options);
	/* present?: not blank */
	ret = role->running_proxy && strspn(path.buf, " \t\n\r\f\v") < path.len;
	strbuf_release(&path);
	strbuf_release(&options);
	return ret;
}

static void asset_directory(const struct config *cfg, const struct config_role *role,
			    const char *kind, const char *version, struct strbuf *out)
{
	config_assets_directory(cfg, out);
	strbuf_addf(out, "/%s/%s-%s", kind, role->name, version);
}

void config_role_asset_extracted_directory(const struct config *cfg,
					   const struct config_role *role,
					   const char *version, struct strbuf *out)
{
	asset_directory(cfg, role, "extracted", version, out);
}

void config_role_asset_volume_directory(const struct config *cfg,
					const struct config_role *role,
					const char *version, struct strbuf *out)
{
	asset_directory(cfg, role, "volumes", version, out);
}

void config_role_asset_volume_args(const struct config *cfg, const struct config_role *role,
				   const char *version, struct strvec *out)
{
	struct strbuf host = STRBUF_INIT, path = STRBUF_INIT, options = STRBUF_INIT;

	if (config_role_assets(cfg, role)) {
		config_role_asset_path(cfg, role, &path, &options);
		config_role_asset_volume_directory(cfg, role, version, &host);
		config_volume_arg(host.buf, path.buf, options.len ? options.buf : NULL, out);
	}
	strbuf_release(&host);
	strbuf_release(&path);
	strbuf_release(&options);
}
