/*
 * values.c - derived values computed on demand: the version, image names,
 * docker argument lists, env with secrets, and the tree `berth config`
 * prints (Kamal's Configuration#to_h, key for key).
 */
#include "config/model.h"
#include "quote.h"
#include "run-command.h"

#include <ctype.h>
#include <fcntl.h>
#include <unistd.h>

static const char *str_of(const struct ynode *n)
{
	return ynode_stringish(n) ? ynode_str(n) : NULL;
}

static int git_output(const char *const *argv, struct strbuf *out)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int ret;

	strvec_pushv(&cp.args, (const char **)argv);
	cp.no_stderr = 1;
	cp.silent_exec_failure = 1;
	ret = capture_command(&cp, out, NULL);
	child_process_clear(&cp);
	return ret;
}

const char *config_version(struct config *cfg, struct strbuf *err)
{
	static const char *rev[] = { "git", "rev-parse", "HEAD", NULL };
	static const char *status[] = { "git", "status", "--porcelain", NULL };
	struct strbuf out = STRBUF_INIT, dirty = STRBUF_INIT;
	const char *env;

	if (cfg->version)
		return cfg->version;
	if (cfg->declared_version) {
		cfg->version = xstrdup(cfg->declared_version);
		return cfg->version;
	}
	if ((env = getenv("VERSION"))) {
		cfg->version = xstrdup(env);
		return cfg->version;
	}
	if (git_output(rev, &out) != 0) {
		char cwd[4096];
		strbuf_addf(err, "can't use commit hash as version, no git repository found in %s\n",
			    getcwd(cwd, sizeof(cwd)) ? cwd : ".");
		strbuf_release(&out);
		return NULL;
	}
	strbuf_trim(&out);
	/* Without a build context Kamal builds from a clean clone, so
	 * local changes do not mark the version. */
	if (ynode_get(ynode_get(cfg->raw, "builder"), "context") &&
	    git_output(status, &dirty) == 0 && dirty.len) {
		strbuf_addstr(&out, "_uncommitted_");
		strbuf_add_random_hex(&out, 8);
	}
	strbuf_release(&dirty);
	cfg->version = strbuf_detach(&out, NULL);
	return cfg->version;
}

char *config_absolute_image(struct config *cfg, struct strbuf *err)
{
	const char *v = config_version(cfg, err);
	struct strbuf sb = STRBUF_INIT;

	if (!v)
		return NULL;
	strbuf_addf(&sb, "%s:%s", cfg->repository, v);
	return strbuf_detach(&sb, NULL);
}

char *config_service_with_version(struct config *cfg, struct strbuf *err)
{
	const char *v = config_version(cfg, err);
	struct strbuf sb = STRBUF_INIT;

	if (!v)
		return NULL;
	strbuf_addf(&sb, "%s-%s", cfg->service ? cfg->service : "", v);
	return strbuf_detach(&sb, NULL);
}

/* Ruby's to_s of a scalar. */
static void scalar_to_s(struct strbuf *out, const struct ynode *n)
{
	if (n->kind == YNODE_FLOAT) {
		char buf[64];
		int prec;
		for (prec = 1; prec <= 17; prec++) {
			snprintf(buf, sizeof(buf), "%.*g", prec, n->fval);
			if (strtod(buf, NULL) == n->fval)
				break;
		}
		strbuf_addstr(out, buf);
		if (!strpbrk(buf, ".eni"))
			strbuf_addstr(out, ".0");
		return;
	}
	strbuf_addstr(out, ynode_str(n) ? ynode_str(n) : "");
}

/* Kamal's argumentize: "--opt key=value", "key=false", or a bare "key". */
static void argumentize(struct strvec *out, const char *arg, const struct ynode *key,
			const struct ynode *value)
{
	struct strbuf sb = STRBUF_INIT;

	strvec_push(out, arg);
	scalar_to_s(&sb, key);
	if (ynode_present(value) && value->kind != YNODE_SEQ && value->kind != YNODE_MAP) {
		struct strbuf v = STRBUF_INIT;
		scalar_to_s(&v, value);
		strbuf_addch(&sb, '=');
		quote_kamal_value(&sb, v.buf);
		strbuf_release(&v);
	} else if (value && value->kind == YNODE_BOOL && !value->ival) {
		strbuf_addstr(&sb, "=false");
	}
	strvec_push(out, sb.buf);
	strbuf_release(&sb);
}

void config_volume_args(const struct config *cfg, struct strvec *out)
{
	const struct ynode *vols = ynode_get(cfg->raw, "volumes");
	size_t i;

	if (!ynode_present(vols) || vols->kind != YNODE_SEQ)
		return;
	for (i = 0; i < vols->nr; i++)
		argumentize(out, "--volume", vols->items[i], NULL);
}

void config_logging_args(const struct ynode *logging, struct strvec *out)
{
	const struct ynode *driver = ynode_get(logging, "driver");
	const struct ynode *options = ynode_get(logging, "options");
	size_t i;

	if (ynode_present(driver) || ynode_present(options)) {
		if (driver && driver->kind != YNODE_NULL) {
			strvec_push(out, "--log-driver");
			if (!(driver->kind == YNODE_BOOL && driver->ival)) {
				struct strbuf v = STRBUF_INIT, e = STRBUF_INIT;
				scalar_to_s(&v, driver);
				quote_kamal_value(&e, v.buf);
				strvec_push(out, e.buf);
				strbuf_release(&v);
				strbuf_release(&e);
			}
		}
		for (i = 0; options && options->kind == YNODE_MAP && i < options->nr; i++)
			argumentize(out, "--log-opt", options->pairs[i].key, options->pairs[i].value);
	} else {
		strvec_push(out, "--log-opt");
		strvec_push(out, "max-size=\"10m\"");
	}
}

int config_env_resolve(struct config *cfg, const struct ynode *env,
		       struct strvec *clear, struct strvec *secret,
		       struct strbuf *err)
{
	const struct ynode *c, *s;
	int complex = ynode_find(env, "clear") || ynode_find(env, "secret") ||
		      ynode_find(env, "tags");
	size_t i;
	int ret = 0;

	c = complex ? ynode_get(env, "clear") : env;
	s = complex ? ynode_get(env, "secret") : NULL;
	for (i = 0; c && c->kind == YNODE_MAP && i < c->nr; i++) {
		struct strbuf sb = STRBUF_INIT;
		scalar_to_s(&sb, c->pairs[i].key);
		strbuf_addch(&sb, '=');
		scalar_to_s(&sb, c->pairs[i].value);
		strvec_push(clear, sb.buf);
		strbuf_release(&sb);
	}
	for (i = 0; s && s->kind == YNODE_SEQ && i < s->nr; i++) {
		const char *entry = str_of(s->items[i]), *colon, *value;
		char *name;
		if (!entry)
			continue;
		/* NAME:SOURCE sets NAME from the secret SOURCE. */
		colon = strchr(entry, ':');
		name = colon ? xstrndup(entry, colon - entry) : xstrdup(entry);
		value = config_secret(cfg, colon ? colon + 1 : entry, err);
		if (!value)
			ret = -1;
		else
			strvec_pushf(secret, "%s=%s", name, value);
		free(name);
	}
	return ret;
}

/* --- `kamal config` ------------------------------------------------ */

static struct ynode *str_node(struct config *cfg, const char *s)
{
	return ynode_new_str(cfg->tree, s);
}

static void put(struct config *cfg, struct ynode *map, const char *key, struct ynode *v)
{
	ynode_map_set(cfg->tree, map, str_node(cfg, key), v);
}

static struct ynode *seq_of(struct config *cfg, const struct strvec *sv)
{
	struct ynode *seq = ynode_new(cfg->tree, YNODE_SEQ, NULL, 0, 0);
	size_t i;

	for (i = 0; i < sv->nr; i++)
		ynode_seq_push(seq, str_node(cfg, sv->v[i]));
	return seq;
}

static struct ynode *int_node(struct config *cfg, long long v)
{
	struct ynode *n = ynode_new(cfg->tree, YNODE_INT, NULL, 0, 0);
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	n->ival = v;
	n->text = xstrdup(buf);
	return n;
}

static struct ynode *bool_node(struct config *cfg, int v)
{
	struct ynode *n = ynode_new(cfg->tree, YNODE_BOOL, NULL, 0, 0);
	n->ival = v;
	n->text = xstrdup(v ? "true" : "false");
	return n;
}

/* Hash#fetch(key, default), then Hash#compact: present-but-nil drops out. */
static void put_raw(struct config *cfg, struct ynode *map, const struct ynode *ssh,
		    const char *key, struct ynode *dflt)
{
	const struct ypair *p = ynode_find(ssh, key);
	struct ynode *v = p ? p->value : dflt;

	if (v && v->kind != YNODE_NULL)
		put(cfg, map, key, v);
}

static struct ynode *ssh_options(struct config *cfg, struct strbuf *err)
{
	const struct ynode *ssh = ynode_get(cfg->raw, "ssh");
	struct ynode *m = ynode_new(cfg->tree, YNODE_MAP, NULL, 0, 0);
	const struct ynode *proxy = ynode_get(ssh, "proxy"), *kd;
	struct ynode *log_level;

	if (ssh && ssh->kind != YNODE_MAP)
		ssh = NULL;
	put_raw(cfg, m, ssh, "user", str_node(cfg, "root"));
	put_raw(cfg, m, ssh, "port", int_node(cfg, 22));
	if (ynode_truthy(proxy) && str_of(proxy)) {
		struct strbuf sb = STRBUF_INIT;
		if (!strchr(str_of(proxy), '@'))
			strbuf_addstr(&sb, "root@");
		strbuf_addstr(&sb, str_of(proxy));
		put(cfg, m, "proxy", str_node(cfg, sb.buf));
		strbuf_release(&sb);
	} else if (ynode_truthy(ynode_get(ssh, "proxy_command"))) {
		put(cfg, m, "proxy", (struct ynode *)ynode_get(ssh, "proxy_command"));
	}
	put(cfg, m, "keepalive", bool_node(cfg, 1));
	put(cfg, m, "keepalive_interval", int_node(cfg, 30));
	put_raw(cfg, m, ssh, "keys_only", NULL);
	put_raw(cfg, m, ssh, "keys", NULL);
	kd = ynode_get(ssh, "key_data");
	if (kd && kd->kind == YNODE_SEQ) {
		/* Entries naming a secret are replaced by its value. */
		struct ynode *seq = ynode_new(cfg->tree, YNODE_SEQ, NULL, 0, 0);
		size_t i;
		for (i = 0; i < kd->nr; i++) {
			struct strbuf ignore = STRBUF_INIT;
			const char *v = str_of(kd->items[i]) ?
						config_secret(cfg, str_of(kd->items[i]), &ignore) : NULL;
			ynode_seq_push(seq, v && *v ? str_node(cfg, v) : kd->items[i]);
			strbuf_release(&ignore);
		}
		put(cfg, m, "key_data", seq);
	}
	put_raw(cfg, m, ssh, "config", NULL);
	put_raw(cfg, m, ssh, "forward_agent", NULL);
	log_level = ynode_get(ssh, "log_level");
	if (!ynode_find(ssh, "log_level"))
		log_level = str_node(cfg, "fatal");
	if (log_level->kind != YNODE_NULL)
		put(cfg, m, "log_level", log_level);
	(void)err;
	return m;
}

static struct ynode *raw_or_empty(struct config *cfg, const char *key)
{
	struct ynode *n = ynode_get(cfg->raw, key);
	return n && n->kind != YNODE_NULL ? n : ynode_new(cfg->tree, YNODE_MAP, NULL, 0, 0);
}

struct ynode *config_to_tree(struct config *cfg, struct strbuf *err)
{
	struct ynode *m = ynode_new(cfg->tree, YNODE_MAP, NULL, 0, 0);
	const struct ynode *servers = ynode_get(cfg->raw, "servers");
	struct strvec roles = STRVEC_INIT, args = STRVEC_INIT;
	char *abs_image, *swv;
	size_t i;

	if (!servers || servers->kind == YNODE_NULL) {
		/* Kamal fails here too: it lists roles from the servers key. */
		strbuf_addf(err, "%s: servers: cannot list roles without servers\n",
			    cfg->config_file);
		return NULL;
	}
	if (!config_version(cfg, err))
		return NULL;
	for (i = 0; i < cfg->roles_nr; i++)
		strvec_push(&roles, cfg->roles[i].name);
	put(cfg, m, "roles", seq_of(cfg, &roles));
	put(cfg, m, "hosts", seq_of(cfg, &cfg->all_hosts));
	if (cfg->primary_host)
		put(cfg, m, "primary_host", str_node(cfg, cfg->primary_host));
	put(cfg, m, "version", str_node(cfg, cfg->version));
	put(cfg, m, "repository", str_node(cfg, cfg->repository));
	abs_image = config_absolute_image(cfg, err);
	swv = config_service_with_version(cfg, err);
	put(cfg, m, "absolute_image", str_node(cfg, abs_image));
	put(cfg, m, "service_with_version", str_node(cfg, swv));
	free(abs_image);
	free(swv);
	config_volume_args(cfg, &args);
	put(cfg, m, "volume_args", seq_of(cfg, &args));
	strvec_clear(&args);
	put(cfg, m, "ssh_options", ssh_options(cfg, err));
	put(cfg, m, "sshkit", raw_or_empty(cfg, "sshkit"));
	put(cfg, m, "builder", raw_or_empty(cfg, "builder"));
	if (ynode_get(cfg->raw, "accessories") &&
	    ynode_get(cfg->raw, "accessories")->kind != YNODE_NULL)
		put(cfg, m, "accessories", ynode_get(cfg->raw, "accessories"));
	config_logging_args(ynode_get(cfg->raw, "logging"), &args);
	put(cfg, m, "logging", seq_of(cfg, &args));
	strvec_clear(&args);
	strvec_clear(&roles);
	return m;
}
