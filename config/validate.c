/*
 * validate.c - Kamal 2's validators, as data.
 *
 * Kamal validates each section against an example document: a key the
 * example lacks is unknown, and a value must have the example value's type
 * (where "a string" also accepts numbers, symbols and booleans). A few keys
 * are special wherever they appear (hosts, arch, files, directories,
 * options, args, labels, ssl, config). The tables below say the same thing
 * in berth's words, and the section functions add the rules that are not
 * about shape. Kamal stops at its first error; we report every error we
 * can find, one per line, each with the file and line of the offending
 * key or value and the key path Kamal would name.
 */
#include "config/model.h"

#include <ctype.h>
#include <stdarg.h>

enum ftype {
	F_STR,
	F_INT,
	F_BOOL,
	F_FLOAT,
	F_STRS,     /* an array of strings */
	F_HASH,     /* a section validated on its own ("..." in Kamal's docs) */
	F_SERVERS,  /* the top-level servers: an array or a hash */
	F_PROXY,    /* a proxy section, or a boolean */
	F_SSL,      /* true, false or a hash */
	F_HOOKS_OUTPUT,
	F_HOSTS,    /* strings or one-key {host: tags} maps */
	F_ARCH,     /* a string or an array of strings */
	F_SSH_CONFIG,
	F_PATHS,    /* files/directories */
	F_OPTIONS,  /* any hash (docker options, build args) */
	F_LABELS,   /* a hash of strings */
	F_MAP,      /* a nested map with its own fields */
};

struct field {
	const char *key;
	enum ftype type;
	const struct field *sub; /* F_MAP */
};

#define END { NULL, 0, NULL }

static const struct field top_fields[] = {
	{ "service", F_STR, NULL }, { "image", F_STR, NULL }, { "labels", F_LABELS, NULL },
	{ "volumes", F_STRS, NULL }, { "registry", F_HASH, NULL }, { "servers", F_SERVERS, NULL },
	{ "env", F_HASH, NULL }, { "asset_path", F_STR, NULL }, { "hooks_path", F_STR, NULL },
	{ "hooks_output", F_HOOKS_OUTPUT, NULL }, { "secrets_path", F_STR, NULL },
	{ "error_pages_path", F_STR, NULL }, { "require_destination", F_BOOL, NULL },
	{ "primary_role", F_STR, NULL }, { "allow_empty_roles", F_BOOL, NULL },
	{ "retain_containers", F_INT, NULL }, { "minimum_version", F_STR, NULL },
	{ "readiness_delay", F_INT, NULL }, { "deploy_timeout", F_INT, NULL },
	{ "drain_timeout", F_INT, NULL }, { "stop_timeout", F_INT, NULL },
	{ "run_directory", F_STR, NULL }, { "ssh", F_HASH, NULL }, { "builder", F_HASH, NULL },
	{ "accessories", F_HASH, NULL }, { "proxy", F_PROXY, NULL }, { "sshkit", F_HASH, NULL },
	{ "boot", F_HASH, NULL }, { "logging", F_HASH, NULL }, { "output", F_HASH, NULL },
	{ "aliases", F_HASH, NULL }, END
};

static const struct field role_fields[] = {
	{ "hosts", F_HOSTS, NULL }, { "cmd", F_STR, NULL }, { "stop_timeout", F_INT, NULL },
	{ "options", F_OPTIONS, NULL }, { "logging", F_HASH, NULL }, { "proxy", F_PROXY, NULL },
	{ "labels", F_LABELS, NULL }, { "env", F_HASH, NULL }, { "asset_path", F_STR, NULL }, END
};

static const struct field accessory_fields[] = {
	{ "service", F_STR, NULL }, { "image", F_STR, NULL }, { "registry", F_HASH, NULL },
	{ "host", F_STR, NULL }, { "hosts", F_HOSTS, NULL }, { "role", F_STR, NULL },
	{ "roles", F_STRS, NULL }, { "tag", F_STR, NULL }, { "tags", F_STRS, NULL },
	{ "cmd", F_STR, NULL }, { "port", F_STR, NULL }, { "labels", F_LABELS, NULL },
	{ "options", F_OPTIONS, NULL }, { "env", F_HASH, NULL }, { "files", F_PATHS, NULL },
	{ "directories", F_PATHS, NULL }, { "volumes", F_STRS, NULL }, { "network", F_STR, NULL },
	{ "proxy", F_PROXY, NULL }, END
};

static const struct field boot_fields[] = {
	{ "limit", F_STR, NULL }, { "wait", F_INT, NULL }, { "parallel_roles", F_BOOL, NULL }, END
};

static const struct field pack_fields[] = {
	{ "builder", F_STR, NULL }, { "buildpacks", F_STRS, NULL }, END
};
static const struct field cache_fields[] = {
	{ "type", F_STR, NULL }, { "options", F_STR, NULL }, { "image", F_STR, NULL }, END
};
static const struct field builder_fields[] = {
	{ "arch", F_ARCH, NULL }, { "remote", F_STR, NULL }, { "local", F_BOOL, NULL },
	{ "pack", F_MAP, pack_fields }, { "cache", F_MAP, cache_fields },
	{ "context", F_STR, NULL }, { "dockerfile", F_STR, NULL }, { "target", F_STR, NULL },
	{ "args", F_OPTIONS, NULL }, { "secrets", F_STRS, NULL }, { "ssh", F_STR, NULL },
	{ "driver", F_STR, NULL }, { "provenance", F_STR, NULL }, { "sbom", F_BOOL, NULL }, END
};

static const struct field logging_fields[] = {
	{ "driver", F_STR, NULL }, { "options", F_OPTIONS, NULL }, END
};

static const struct field healthcheck_fields[] = {
	{ "interval", F_INT, NULL }, { "path", F_STR, NULL }, { "timeout", F_INT, NULL }, END
};
static const struct field buffering_fields[] = {
	{ "requests", F_BOOL, NULL }, { "responses", F_BOOL, NULL },
	{ "max_request_body", F_INT, NULL }, { "max_response_body", F_INT, NULL },
	{ "memory", F_INT, NULL }, END
};
static const struct field proxy_logging_fields[] = {
	{ "request_headers", F_STRS, NULL }, { "response_headers", F_STRS, NULL }, END
};
static const struct field proxy_run_fields[] = {
	{ "http_port", F_INT, NULL }, { "https_port", F_INT, NULL }, { "metrics_port", F_INT, NULL },
	{ "debug", F_BOOL, NULL }, { "log_max_size", F_STR, NULL }, { "publish", F_BOOL, NULL },
	{ "bind_ips", F_STRS, NULL }, { "registry", F_STR, NULL }, { "repository", F_STR, NULL },
	{ "version", F_STR, NULL }, { "options", F_OPTIONS, NULL }, END
};
static const struct field proxy_fields[] = {
	{ "host", F_STR, NULL }, { "hosts", F_HOSTS, NULL }, { "app_port", F_INT, NULL },
	{ "ssl", F_SSL, NULL }, { "ssl_redirect", F_BOOL, NULL }, { "forward_headers", F_BOOL, NULL },
	{ "response_timeout", F_INT, NULL }, { "path_prefix", F_STR, NULL },
	{ "path_prefixes", F_STRS, NULL }, { "strip_path_prefix", F_BOOL, NULL },
	{ "healthcheck", F_MAP, healthcheck_fields },
	{ "buffering", F_MAP, buffering_fields },
	{ "logging", F_MAP, proxy_logging_fields },
	{ "run", F_MAP, proxy_run_fields }, END
};


static const struct field ssh_fields[] = {
	{ "user", F_STR, NULL }, { "port", F_STR, NULL }, { "proxy", F_STR, NULL },
	{ "proxy_command", F_STR, NULL }, { "log_level", F_STR, NULL }, { "keys_only", F_BOOL, NULL },
	{ "keys", F_STRS, NULL }, { "key_data", F_STRS, NULL }, { "config", F_SSH_CONFIG, NULL },
	{ "forward_agent", F_BOOL, NULL }, END
};

static const struct field sshkit_fields[] = {
	{ "max_concurrent_starts", F_INT, NULL }, { "pool_idle_timeout", F_INT, NULL },
	{ "dns_retries", F_INT, NULL }, END
};

static const struct field otel_fields[] = { { "endpoint", F_STR, NULL }, END };
static const struct field file_fields[] = { { "path", F_STR, NULL }, END };
static const struct field output_fields[] = {
	{ "otel", F_MAP, otel_fields }, { "file", F_MAP, file_fields }, END
};

/* Kamal 1 keys, and what replaced them in Kamal 2. */
static const struct {
	const char *section, *key, *hint;
} kamal1_hints[] = {
	{ "", "traefik", "Kamal 2 replaced Traefik with kamal-proxy: configure it under `proxy:`" },
	{ "", "healthcheck", "in Kamal 2 health checks are set under `proxy: healthcheck:`" },
	{ "builder", "multiarch", "in Kamal 2 set the platforms with `builder: arch:` (e.g. amd64)" },
};

struct vctx {
	struct config *cfg;
	struct strbuf *err;
	int errors;
	int allow_extensions;
	const struct ynode *servers; /* the top-level servers, for role names */
};

static void verr(struct vctx *v, const struct ynode *at, const char *path,
		 const char *fmt, ...) BERTH_PRINTF(4, 5);
static void verr(struct vctx *v, const struct ynode *at, const char *path,
		 const char *fmt, ...)
{
	struct strbuf line = STRBUF_INIT;
	va_list ap;

	if (at && at->file)
		strbuf_addf(&line, "%s:%u: ", at->file, at->line);
	else
		strbuf_addf(&line, "%s: ", v->cfg->config_file);
	if (path && *path)
		strbuf_addf(&line, "%s: ", path);
	va_start(ap, fmt);
	strbuf_vaddf(&line, fmt, ap);
	va_end(ap);
	strbuf_addch(&line, '\n');
	/* A shared node (an alias) or a re-validated section says it once. */
	if (!strstr(v->err->buf, line.buf)) {
		strbuf_addbuf(v->err, &line);
		v->errors++;
	}
	strbuf_release(&line);
}

static char *subpath(const char *path, const char *key)
{
	struct strbuf sb = STRBUF_INIT;

	if (path && *path)
		strbuf_addf(&sb, "%s/", path);
	strbuf_addstr(&sb, key);
	return strbuf_detach(&sb, NULL);
}

static char *subpath_index(const char *path, size_t i)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s/%zu", path, i);
	return strbuf_detach(&sb, NULL);
}

static int is_map(const struct ynode *n)
{
	return n && n->kind == YNODE_MAP;
}

static int is_seq(const struct ynode *n)
{
	return n && n->kind == YNODE_SEQ;
}

static int is_bool(const struct ynode *n)
{
	return n && n->kind == YNODE_BOOL;
}

static int is_string(const struct ynode *n)
{
	return n && n->kind == YNODE_STR;
}

static int type_ok(const struct ynode *n, enum ftype t)
{
	switch (t) {
	case F_STR:
		return ynode_stringish(n);
	case F_INT:
		return n && n->kind == YNODE_INT;
	case F_BOOL:
		return is_bool(n);
	case F_FLOAT:
		return n && n->kind == YNODE_FLOAT;
	default:
		return is_map(n);
	}
}

static const char *type_name(enum ftype t)
{
	switch (t) {
	case F_STR:
		return "a string";
	case F_INT:
		return "an integer";
	case F_BOOL:
		return "a boolean";
	case F_FLOAT:
		return "a float";
	default:
		return "a hash";
	}
}

static const struct ynode *where(const struct ynode *value, const struct ynode *key)
{
	return value && value->file ? value : key;
}

static int check_type(struct vctx *v, const struct ynode *n, const struct ynode *key,
		      const char *path, enum ftype t)
{
	if (type_ok(n, t))
		return 0;
	verr(v, where(n, key), path, "should be %s", type_name(t));
	return -1;
}

static int check_array_of(struct vctx *v, const struct ynode *n,
			  const struct ynode *key, const char *path, enum ftype t)
{
	size_t i;
	int ret = 0;

	if (!is_seq(n)) {
		verr(v, where(n, key), path, "should be an array");
		return -1;
	}
	for (i = 0; i < n->nr; i++) {
		char *p = subpath_index(path, i);
		if (check_type(v, n->items[i], key, p, t) < 0)
			ret = -1;
		free(p);
	}
	return ret;
}

static void check_hash_of(struct vctx *v, const struct ynode *n,
			  const struct ynode *key, const char *path, enum ftype t)
{
	size_t i;

	if (check_type(v, n, key, path, F_MAP) < 0)
		return;
	for (i = 0; i < n->nr; i++) {
		char *p = subpath(path, ynode_str(n->pairs[i].key) ? ynode_str(n->pairs[i].key) : "");
		check_type(v, n->pairs[i].value, n->pairs[i].key, p, t);
		free(p);
	}
}

/* hosts: strings, or {host: tag-or-tags} maps of one key. */
static void check_hosts(struct vctx *v, const struct ynode *n,
			const struct ynode *key, const char *path)
{
	size_t i, j;

	if (!is_seq(n)) {
		verr(v, where(n, key), path, "should be an array");
		return;
	}
	for (i = 0; i < n->nr; i++) {
		const struct ynode *h = n->items[i];
		char *p = subpath_index(path, i);
		if (!ynode_stringish(h) && !is_map(h)) {
			verr(v, where(h, key), p, "should be a string or a hash");
		} else if (is_map(h)) {
			if (h->nr != 1)
				verr(v, h, p, "multiple hosts found");
			if (h->nr) {
				const struct ynode *tags = h->pairs[0].value;
				char *hp = subpath(p, ynode_str(h->pairs[0].key) ? ynode_str(h->pairs[0].key) : "");
				if (!ynode_stringish(tags) && !is_seq(tags))
					verr(v, where(tags, h->pairs[0].key), hp,
					     "should be a string or an array");
				else if (is_seq(tags))
					for (j = 0; j < tags->nr; j++) {
						char *tp = subpath_index(hp, j);
						check_type(v, tags->items[j], h->pairs[0].key, tp, F_STR);
						free(tp);
					}
				free(hp);
			}
		}
		free(p);
	}
}

static void check_paths(struct vctx *v, const struct ynode *n,
			const struct ynode *key, const char *path)
{
	static const char *keys[] = { "local", "remote", "mode", "owner", "options" };
	size_t i, k;

	if (!is_seq(n)) {
		verr(v, where(n, key), path, "should be an array");
		return;
	}
	for (i = 0; i < n->nr; i++) {
		const struct ynode *e = n->items[i];
		char *p = subpath_index(path, i);
		if (!ynode_stringish(e) && !is_map(e))
			verr(v, where(e, key), p, "should be a string or a hash");
		else if (is_map(e))
			for (k = 0; k < ARRAY_SIZE(keys); k++) {
				const struct ypair *pr = ynode_find(e, keys[k]);
				if (pr) {
					char *kp = subpath(p, keys[k]);
					check_type(v, pr->value, pr->key, kp, F_STR);
					free(kp);
				}
			}
		free(p);
	}
}

static const char *hint_for(const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kamal1_hints); i++)
		if (!strcmp(kamal1_hints[i].section, section) &&
		    !strcmp(kamal1_hints[i].key, key))
			return kamal1_hints[i].hint;
	return NULL;
}

static const struct field *find_field(const struct field *fields, const char *key)
{
	for (; fields->key; fields++)
		if (!strcmp(fields->key, key))
			return fields;
	return NULL;
}

static int is_extension(const char *key)
{
	return starts_with(key, "x-");
}

static void check_map(struct vctx *v, const struct ynode *n, const struct ynode *key,
		      const char *path, const struct field *fields);

static void check_field(struct vctx *v, const struct ypair *pr, const char *path,
			const struct field *f)
{
	const struct ynode *val = pr->value;
	size_t i;

	switch (f->type) {
	case F_HASH:
		check_type(v, val, pr->key, path, F_MAP);
		break;
	case F_SERVERS:
		if (!is_map(val) && !is_seq(val))
			verr(v, where(val, pr->key), path, "should be an array or a hash");
		break;
	case F_PROXY:
		if (!is_bool(val))
			check_type(v, val, pr->key, path, F_MAP);
		break;
	case F_SSL:
		if (!is_bool(val) && !is_map(val))
			verr(v, where(val, pr->key), path, "should be a boolean or a hash");
		break;
	case F_HOOKS_OUTPUT:
		if (is_map(val)) {
			for (i = 0; i < val->nr; i++) {
				char *p = subpath(path, ynode_str(val->pairs[i].key) ? ynode_str(val->pairs[i].key) : "");
				if (!is_string(val->pairs[i].value))
					verr(v, where(val->pairs[i].value, val->pairs[i].key), p,
					     "should be a string or a symbol");
				free(p);
			}
		} else if (!is_string(val)) {
			verr(v, where(val, pr->key), path, "should be a string or a symbol");
		}
		break;
	case F_HOSTS:
		check_hosts(v, val, pr->key, path);
		break;
	case F_ARCH:
		if (is_seq(val)) {
			for (i = 0; i < val->nr; i++)
				if (!ynode_stringish(val->items[i]))
					break;
			if (i < val->nr)
				verr(v, val, path, "should be an array or a string");
		} else if (!ynode_stringish(val)) {
			verr(v, where(val, pr->key), path, "should be an array or a string");
		}
		break;
	case F_SSH_CONFIG:
		if (is_seq(val))
			check_array_of(v, val, pr->key, path, F_STR);
		else if (!is_bool(val) && !is_string(val))
			verr(v, where(val, pr->key), path,
			     "should be a boolean or a string or an array");
		break;
	case F_PATHS:
		check_paths(v, val, pr->key, path);
		break;
	case F_OPTIONS:
		check_type(v, val, pr->key, path, F_MAP);
		break;
	case F_LABELS:
		check_hash_of(v, val, pr->key, path, F_STR);
		break;
	case F_STRS:
		check_array_of(v, val, pr->key, path, F_STR);
		break;
	case F_MAP:
		check_map(v, val, pr->key, path, f->sub);
		break;
	default:
		check_type(v, val, pr->key, path, f->type);
		break;
	}
}

/* Kamal's validate_against_example! for a map with known fields. */
static int key_allowed(const struct vctx *v, const struct field *fields, const char *k)
{
	return find_field(fields, k) ||
	       (is_extension(k) && v->allow_extensions && fields == top_fields);
}

/*
 * As Kamal's validator: the type, then every unknown key of the mapping,
 * then each known key's value in order (so an unknown top-level key is
 * reported before a wrong-typed value above it).
 */
static void check_map(struct vctx *v, const struct ynode *n, const struct ynode *key,
		      const char *path, const struct field *fields)
{
	size_t i;

	if (check_type(v, n, key, path, F_MAP) < 0)
		return;
	for (i = 0; i < n->nr; i++) {
		const struct ypair *pr = &n->pairs[i];
		const char *k = ynode_str(pr->key) ? ynode_str(pr->key) : "";
		const char *hint;
		char *p;
		if (key_allowed(v, fields, k))
			continue;
		p = subpath(path, k);
		hint = hint_for(path ? path : "", k);
		if (hint)
			verr(v, pr->key, p, "unknown key (%s)", hint);
		else
			verr(v, pr->key, p, "unknown key");
		free(p);
	}
	for (i = 0; i < n->nr; i++) {
		const struct ypair *pr = &n->pairs[i];
		const char *k = ynode_str(pr->key) ? ynode_str(pr->key) : "";
		const struct field *f = find_field(fields, k);
		char *p;
		if (!f || is_extension(k))
			continue;
		p = subpath(path, k);
		check_field(v, pr, p, f);
		free(p);
	}
}

static void check_labels_reserved(struct vctx *v, const struct ynode *labels,
				  const char *path)
{
	static const char *reserved[] = { "destination", "role", "service" };
	size_t i, k;

	if (!is_map(labels))
		return;
	for (i = 0; i < labels->nr; i++)
		for (k = 0; k < ARRAY_SIZE(reserved); k++)
			if (ynode_str(labels->pairs[i].key) &&
			    !strcmp(ynode_str(labels->pairs[i].key), reserved[k])) {
				char *p = subpath(path, reserved[k]);
				verr(v, labels->pairs[i].key, p,
				     "invalid label. destination, role, and service are reserved labels");
				free(p);
			}
}

static int restart_policy_ok(const char *s)
{
	const char *rest;

	if (!strcmp(s, "no") || !strcmp(s, "always") || !strcmp(s, "unless-stopped") ||
	    !strcmp(s, "on-failure"))
		return 1;
	if (!skip_prefix(s, "on-failure:", &rest) || !*rest)
		return 0;
	for (; *rest; rest++)
		if (!isdigit((unsigned char)*rest))
			return 0;
	return 1;
}

static void check_restart(struct vctx *v, const struct ynode *options, const char *path)
{
	const struct ypair *pr = ynode_find(options, "restart");
	char *p;

	if (!pr)
		return;
	p = subpath(path, "options/restart");
	if (!is_string(pr->value) || pr->value->sym)
		verr(v, where(pr->value, pr->key), p,
		     "should be a string. Use \"no\" to disable restarts");
	else if (!restart_policy_ok(pr->value->text))
		verr(v, pr->value, p,
		     "should be no, always, unless-stopped, on-failure, or on-failure:N");
	free(p);
}

/* env: either a hash of strings, or clear/secret/tags. */
static void check_env(struct vctx *v, const struct ynode *env, const struct ynode *key,
		      const char *path, int root)
{
	static const char *special[] = { "clear", "secret", "tags" };
	const struct ypair *pr;
	size_t i, k;
	int complex = 0;

	if (is_map(env))
		for (k = 0; k < ARRAY_SIZE(special); k++)
			if (ynode_find(env, special[k]))
				complex = 1;
	if (!complex) {
		check_hash_of(v, env, key, path, F_STR);
		return;
	}
	for (i = 0; i < env->nr; i++) {
		const char *k2 = ynode_str(env->pairs[i].key) ? ynode_str(env->pairs[i].key) : "";
		if (strcmp(k2, "clear") && strcmp(k2, "secret") && strcmp(k2, "tags")) {
			char *p = subpath(path, k2);
			verr(v, env->pairs[i].key, p, "unknown key");
			free(p);
		}
	}
	if ((pr = ynode_find(env, "clear"))) {
		char *p = subpath(path, "clear");
		check_hash_of(v, pr->value, pr->key, p, F_STR);
		free(p);
	}
	if ((pr = ynode_find(env, "secret"))) {
		char *p = subpath(path, "secret");
		check_array_of(v, pr->value, pr->key, p, F_STR);
		free(p);
	}
	if ((pr = ynode_find(env, "tags"))) {
		char *p = subpath(path, "tags");
		if (!root) {
			verr(v, pr->key, path, "tags are only allowed in the root env");
		} else if (check_type(v, pr->value, pr->key, p, F_MAP) == 0) {
			for (i = 0; i < pr->value->nr; i++) {
				const struct ypair *t = &pr->value->pairs[i];
				char *tp = subpath(p, ynode_str(t->key) ? ynode_str(t->key) : "");
				if (check_type(v, t->value, t->key, tp, F_MAP) == 0)
					check_env(v, t->value, t->key, tp, 0);
				free(tp);
			}
		}
		free(p);
	}
}

static void check_proxy(struct vctx *v, const struct ynode *proxy,
			const struct ynode *key, const char *path)
{
	const struct ynode *ssl, *run;

	if (!proxy || proxy->kind == YNODE_NULL)
		return;
	if (!is_map(proxy)) {
		check_type(v, proxy, key, path, F_MAP);
		return;
	}
	check_map(v, proxy, key, path, proxy_fields);
	ssl = ynode_get(proxy, "ssl");
	if (!ynode_present(ynode_get(proxy, "host")) &&
	    !ynode_present(ynode_get(proxy, "hosts")) && ynode_truthy(ssl))
		verr(v, proxy, path, "Must set a host to enable automatic SSL");
	if (ynode_find(proxy, "host") && ynode_find(proxy, "hosts"))
		verr(v, proxy, path, "Specify one of 'host' or 'hosts', not both");
	if (is_map(ssl)) {
		int cert = ynode_present(ynode_get(ssl, "certificate_pem"));
		int key2 = ynode_present(ynode_get(ssl, "private_key_pem"));
		if (cert && !key2)
			verr(v, ssl, path, "Missing private_key_pem setting (required when certificate_pem is present)");
		if (key2 && !cert)
			verr(v, ssl, path, "Missing certificate_pem setting (required when private_key_pem is present)");
	}
	run = ynode_get(proxy, "run");
	if (is_map(run)) {
		const struct ynode *publish = ynode_get(run, "publish");
		if (is_bool(publish) && !publish->ival &&
		    (ynode_present(ynode_get(run, "bind_ips")) ||
		     ynode_present(ynode_get(run, "http_port")) ||
		     ynode_present(ynode_get(run, "https_port"))))
			verr(v, run, path, "Cannot set http_port, https_port or bind_ips when publish is false");
	}
}

static void check_registry(struct vctx *v, const struct ynode *reg,
			   const struct ynode *key, const char *path)
{
	static const char *keys[] = { "username", "password" };
	const struct ynode *server;
	size_t i, k;

	if (reg && !is_map(reg)) {
		check_type(v, reg, key, path, F_MAP);
		return;
	}
	if (reg)
		for (i = 0; i < reg->nr; i++) {
			const char *name = ynode_str(reg->pairs[i].key) ? ynode_str(reg->pairs[i].key) : "";
			char *p = subpath(path, name);
			if (!strcmp(name, "server"))
				check_type(v, reg->pairs[i].value, reg->pairs[i].key, p, F_STR);
			else if (strcmp(name, "username") && strcmp(name, "password"))
				verr(v, reg->pairs[i].key, p, "unknown key");
			free(p);
		}
	server = ynode_get(reg, "server");
	/* A local registry ("localhost:PORT") needs no login. */
	if (is_string(server) && (starts_with(server->text, "localhost:") ||
				  starts_with(server->text, "localhost$")))
		return;
	for (k = 0; k < ARRAY_SIZE(keys); k++) {
		const struct ypair *pr = ynode_find(reg, keys[k]);
		const struct ynode *val = pr ? pr->value : NULL;
		char *p = subpath(path, keys[k]);
		if (!ynode_present(val))
			verr(v, pr ? where(val, pr->key) : (reg ? reg : key), p, "is required");
		else if (!(is_string(val) && !val->sym) &&
			 !(is_seq(val) && val->nr == 1 && is_string(val->items[0])))
			verr(v, where(val, pr->key), p,
			     "should be a string or an array with one string (for secret lookup)");
		free(p);
	}
}

static void check_logging(struct vctx *v, const struct ynode *n,
			  const struct ynode *key, const char *path)
{
	check_map(v, n, key, path, logging_fields);
}

static int role_cmp(const void *a, const void *b)
{
	const struct ypair *x = *(const struct ypair *const *)a;
	const struct ypair *y = *(const struct ypair *const *)b;
	return strcmp(ynode_str(x->key) ? ynode_str(x->key) : "",
		      ynode_str(y->key) ? ynode_str(y->key) : "");
}

static void check_role(struct vctx *v, const struct ypair *pr, const char *primary)
{
	const char *name = ynode_str(pr->key) ? ynode_str(pr->key) : "";
	const struct ynode *role = pr->value, *proxy;
	char *path = subpath("servers", name);

	if (is_seq(role)) {
		check_hosts(v, role, pr->key, path);
	} else if (!is_map(role)) {
		verr(v, where(role, pr->key), path, "should be an array or a hash");
	} else {
		const struct ypair *e;
		check_map(v, role, pr->key, path, role_fields);
		{
			char *lp = subpath(path, "labels");
			check_labels_reserved(v, ynode_get(role, "labels"), lp);
			free(lp);
		}
		check_restart(v, ynode_get(role, "options"), path);
		if ((e = ynode_find(role, "env"))) {
			char *p = subpath(path, "env");
			check_env(v, e->value, e->key, p, 0);
			free(p);
		}
		if ((e = ynode_find(role, "logging"))) {
			char *p = subpath(path, "logging");
			check_logging(v, e->value, e->key, p);
			free(p);
		}
		if ((e = ynode_find(role, "proxy"))) {
			proxy = e->value;
			/* Only false turns the proxy off for the primary role;
			 * other roles need it set. */
			int running = !strcmp(name, primary) ?
					      !(is_bool(proxy) && !proxy->ival) :
					      ynode_truthy(proxy);
			if (running && !is_bool(proxy)) {
				char *p = subpath(path, "proxy");
				check_proxy(v, proxy, e->key, p);
				free(p);
			}
		}
	}
	free(path);
}

static void check_servers(struct vctx *v, const struct ynode *servers, const char *primary)
{
	const struct ypair **sorted;
	size_t i;

	if (!servers || servers->kind == YNODE_NULL)
		return;
	if (is_seq(servers)) {
		check_hosts(v, servers, NULL, "servers");
		return;
	}
	if (!is_map(servers))
		return; /* reported with the top level */
	sorted = xcalloc(servers->nr + 1, sizeof(*sorted));
	for (i = 0; i < servers->nr; i++)
		sorted[i] = &servers->pairs[i];
	qsort(sorted, servers->nr, sizeof(*sorted), role_cmp);
	for (i = 0; i < servers->nr; i++)
		check_role(v, sorted[i], primary);
	free(sorted);
}

/* Kamal's roles: the servers' keys, or "web" when servers is a list. */
static int role_exists(const struct vctx *v, const struct ynode *name)
{
	const char *s = ynode_stringish(name) ? ynode_str(name) : NULL;
	if (!s)
		return 0;
	if (is_seq(v->servers))
		return !strcmp(s, "web");
	return is_map(v->servers) && ynode_find(v->servers, s);
}

/* Accessory#ensure_valid_roles, right after the accessory's own shape. */
static void check_accessory_roles(struct vctx *v, const struct ynode *acc,
				  const char *path)
{
	const struct ynode *roles = ynode_get(acc, "roles"), *role = ynode_get(acc, "role");
	struct strvec missing = STRVEC_INIT;
	size_t i;

	if (is_seq(roles)) {
		for (i = 0; i < roles->nr; i++)
			if (!role_exists(v, roles->items[i]))
				strvec_push(&missing, ynode_stringish(roles->items[i]) ?
					    ynode_str(roles->items[i]) : "");
		if (missing.nr) {
			char *list = strvec_join(&missing, ", ");
			verr(v, roles, path, "unknown roles %s", list);
			free(list);
		}
	} else if (ynode_truthy(role) && !role_exists(v, role)) {
		verr(v, role, path, "unknown role %s",
		     ynode_stringish(role) ? ynode_str(role) : "");
	}
	strvec_clear(&missing);
}

static void check_accessory(struct vctx *v, const struct ypair *pr)
{
	static const char *placement[] = { "host", "hosts", "role", "roles", "tag", "tags" };
	const char *name = ynode_str(pr->key) ? ynode_str(pr->key) : "";
	const struct ynode *acc = pr->value;
	const struct ypair *e;
	char *path = subpath("accessories", name);
	size_t k, found = 0;

	if (!is_map(acc)) {
		verr(v, where(acc, pr->key), path, "should be a hash");
		free(path);
		return;
	}
	check_map(v, acc, pr->key, path, accessory_fields);
	for (k = 0; k < ARRAY_SIZE(placement); k++)
		if (ynode_find(acc, placement[k]))
			found++;
	if (found != 1)
		verr(v, pr->key, path,
		     "specify one of `host`, `hosts`, `role`, `roles`, `tag` or `tags`");
	{
		char *lp = subpath(path, "labels");
		check_labels_reserved(v, ynode_get(acc, "labels"), lp);
		free(lp);
	}
	check_restart(v, ynode_get(acc, "options"), path);
	check_accessory_roles(v, acc, path);
	if ((e = ynode_find(acc, "env"))) {
		char *p = subpath(path, "env");
		check_env(v, e->value, e->key, p, 0);
		free(p);
	}
	if ((e = ynode_find(acc, "proxy")) && ynode_present(e->value)) {
		char *p = subpath(path, "proxy");
		check_proxy(v, e->value, e->key, p);
		free(p);
	}
	if ((e = ynode_find(acc, "registry")) && ynode_present(e->value)) {
		char *p = subpath(path, "registry");
		check_registry(v, e->value, e->key, p);
		free(p);
	}
	free(path);
}

/* Kamal's own commands: an alias may not shadow them. */
static const char *builtin_commands[] = {
	"accessory", "app", "audit", "build", "config", "deploy", "details",
	"docs", "init", "lock", "proxy", "prune", "redeploy", "registry",
	"remove", "rollback", "secrets", "server", "setup", "upgrade", "version",
};

static int alias_name_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    *s != '_' && *s != '-')
			return 0;
	return 1;
}

static void check_aliases(struct vctx *v, const struct ynode *aliases)
{
	size_t i, k;

	if (!is_map(aliases))
		return;
	for (i = 0; i < aliases->nr; i++) {
		const struct ypair *pr = &aliases->pairs[i];
		const char *name = ynode_str(pr->key) ? ynode_str(pr->key) : "";
		char *p = subpath("aliases", name);
		check_type(v, pr->value, pr->key, p, F_STR);
		if (!alias_name_ok(name))
			verr(v, pr->key, p,
			     "Invalid alias name: '%s'. Must only contain lowercase letters, alphanumeric, hyphens and underscores.",
			     name);
		for (k = 0; k < ARRAY_SIZE(builtin_commands); k++)
			if (!strcmp(name, builtin_commands[k]))
				verr(v, pr->key, p, "Alias '%s' conflicts with a built-in command.", name);
		free(p);
	}
}

static void check_builder(struct vctx *v, const struct ynode *b, const struct ynode *key)
{
	const struct ynode *cache, *arch;

	if (!b || b->kind == YNODE_NULL) {
		verr(v, key, "builder", "Builder arch not set");
		return;
	}
	if (!is_map(b))
		return; /* reported with the top level */
	check_map(v, b, key, "builder", builder_fields);
	cache = ynode_get(b, "cache");
	if (is_map(cache) && ynode_truthy(ynode_get(cache, "type"))) {
		const char *t = ynode_str(ynode_get(cache, "type"));
		if (!t || (strcmp(t, "gha") && strcmp(t, "registry")))
			verr(v, ynode_get(cache, "type"), "builder", "Invalid cache type: %s", t ? t : "");
	}
	arch = ynode_get(b, "arch");
	if (!ynode_present(arch))
		verr(v, arch && arch->file ? arch : b, "builder", "Builder arch not set");
	if (ynode_truthy(ynode_get(b, "pack")) && is_seq(arch) && arch->nr > 1)
		verr(v, arch, "builder", "buildpacks only support building for one arch");
	if (is_bool(ynode_get(b, "local")) && !ynode_get(b, "local")->ival &&
	    !ynode_present(ynode_get(b, "remote")))
		verr(v, ynode_get(b, "local"), "builder", "Cannot disable local builds, no remote is set");
}

static const struct ypair *section(const struct ynode *root, const char *name)
{
	return ynode_find(root, name);
}

int config_validate(struct config *cfg, struct strbuf *err)
{
	struct vctx v = { cfg, err, 0, 1, NULL };
	const struct ynode *root = cfg->raw;
	const struct ypair *s;
	const char *primary = "web";
	size_t i;

	/* x- keys are free at the top level only. */
	check_map(&v, root, NULL, "", top_fields);
	v.allow_extensions = 0;
	if (ynode_stringish(ynode_get(root, "primary_role")))
		primary = ynode_str(ynode_get(root, "primary_role"));

	if ((s = section(root, "servers"))) {
		v.servers = s->value;
		check_servers(&v, s->value, primary);
	}
	s = section(root, "registry");
	if (!s || !s->value || s->value->kind == YNODE_NULL)
		check_registry(&v, NULL, s ? s->key : root, "registry");
	else if (is_map(s->value))
		check_registry(&v, s->value, s->key, "registry");
	if ((s = section(root, "accessories")) && is_map(s->value))
		for (i = 0; i < s->value->nr; i++)
			check_accessory(&v, &s->value->pairs[i]);
	if ((s = section(root, "aliases")))
		check_aliases(&v, s->value);
	if ((s = section(root, "boot")) && is_map(s->value))
		check_map(&v, s->value, s->key, "boot", boot_fields);
	s = section(root, "builder");
	check_builder(&v, s ? s->value : NULL, s ? s->key : root);
	if ((s = section(root, "env")) && is_map(s->value))
		check_env(&v, s->value, s->key, "env", 1);
	if ((s = section(root, "logging")) && is_map(s->value))
		check_logging(&v, s->value, s->key, "logging");
	if ((s = section(root, "output")) && is_map(s->value) && s->value->nr)
		check_map(&v, s->value, s->key, "output", output_fields);
	if ((s = section(root, "proxy")) && s->value && s->value->kind != YNODE_NULL)
		check_proxy(&v, s->value, s->key, "proxy");
	if ((s = section(root, "ssh")) && is_map(s->value))
		check_map(&v, s->value, s->key, "ssh", ssh_fields);
	if ((s = section(root, "sshkit")) && is_map(s->value))
		check_map(&v, s->value, s->key, "sshkit", sshkit_fields);
	return v.errors ? -1 : 0;
}
