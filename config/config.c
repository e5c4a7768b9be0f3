/*
 * config.c - reading config/deploy.yml (+ destination) as Kamal does.
 *
 * Each file is rendered through ERB, parsed as YAML, and the destination
 * file deep-merged over the base one. Then validate.c checks the merged
 * tree against Kamal's rules, derive.c computes roles and hosts, and the
 * configuration-wide checks run last, in Kamal's order.
 */
#include "config/model.h"

#include <pthread.h>
#include "config/erb.h"
#include "secrets/secrets.h"

#include <errno.h>
#include <unistd.h>

/*
 * What the file holds instead, in the words of Kamal's NoMethodError
 * ("undefined method `symbolize_keys' for false:FalseClass" when empty).
 */
static const char *not_a_map(const struct ynode *root)
{
	switch (root ? root->kind : YNODE_NULL) {
	case YNODE_SEQ: return "not a list";
	case YNODE_STR: return "not a string";
	case YNODE_INT:
	case YNODE_FLOAT: return "not a number";
	case YNODE_BOOL: return "not a boolean";
	default: return root ? "not null" : "but it is empty";
	}
}

static int load_file(struct ytree *t, const char *path, struct ynode **root,
		     struct strbuf *err)
{
	struct strbuf src = STRBUF_INIT, out = STRBUF_INIT, e = STRBUF_INIT;
	struct erb_options eo = { path, NULL };
	int ret = -1;

	if (strbuf_read_file(&src, path) < 0) {
		if (errno == ENOENT)
			strbuf_addf(err, "%s: configuration file not found\n", path);
		else
			strbuf_addf(err, "%s: cannot read: %s\n", path, strerror(errno));
		goto done;
	}
	if (erb_render(src.buf, src.len, &eo, &out, &e) < 0) {
		strbuf_rtrim(&e);
		strbuf_addf(err, "%s\n", e.len ? e.buf : path);
		goto done;
	}
	if (yaml_parse(t, out.buf, out.len, path, root, &e) < 0) {
		strbuf_addf(err, "%s\n", e.buf);
		goto done;
	}
	/* Kamal symbolizes the top level's keys: anything but a map fails. */
	if (!*root || (*root)->kind != YNODE_MAP) {
		strbuf_addf(err, "%s:%u: the configuration must be a mapping of keys, %s\n",
			    path, *root && (*root)->kind != YNODE_NULL ? (*root)->line : 1,
			    not_a_map(*root));
		goto done;
	}
	ret = 0;
done:
	strbuf_release(&src);
	strbuf_release(&out);
	strbuf_release(&e);
	return ret;
}

/* config/deploy.yml -> config/deploy.DEST.yml (Pathname#sub_ext). */
static char *destination_file(const char *base, const char *dest)
{
	struct strbuf sb = STRBUF_INIT;
	const char *slash = strrchr(base, '/');
	const char *dot = strrchr(slash ? slash + 1 : base, '.');
	size_t stem = dot && dot != (slash ? slash + 1 : base) ? (size_t)(dot - base) : strlen(base);

	strbuf_add(&sb, base, stem);
	strbuf_addf(&sb, ".%s.yml", dest);
	return strbuf_detach(&sb, NULL);
}

int config_load(struct config **out, const struct config_options *opts,
		struct strbuf *err)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	struct ynode *base = NULL, *over = NULL;
	int ret = -1;

	*out = NULL;
	cfg->tree = ytree_new();
	cfg->config_file = xstrdup(opts->config_file ? opts->config_file : "config/deploy.yml");
	cfg->destination = opts->destination ? xstrdup(opts->destination) : NULL;
	cfg->declared_version = opts->version && *opts->version ? xstrdup(opts->version) : NULL;
	strvec_init(&cfg->all_hosts);

	/* ERB in the files may read it, as under Kamal. */
	if (cfg->destination)
		setenv("KAMAL_DESTINATION", cfg->destination, 1);
	else
		unsetenv("KAMAL_DESTINATION");

	if (load_file(cfg->tree, cfg->config_file, &base, err) < 0)
		goto fail;
	cfg->raw = base;
	if (cfg->destination) {
		char *path = destination_file(cfg->config_file, cfg->destination);
		int r = load_file(cfg->tree, path, &over, err);
		free(path);
		if (r < 0)
			goto fail;
		cfg->raw = ynode_deep_merge(cfg->tree, base, over);
	}
	if (config_validate(cfg, err) < 0)
		goto fail;
	if (config_derive(cfg, err) < 0)
		goto fail;
	if (config_check(cfg, err) < 0)
		goto fail;
	ret = 0;
	*out = cfg;
	return ret;
fail:
	config_free(cfg);
	return ret;
}

void config_free(struct config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->roles_nr; i++) {
		strvec_clear(&cfg->roles[i].hosts);
		free(cfg->roles[i].tags);
	}
	free(cfg->roles);
	for (i = 0; i < cfg->accessories_nr; i++)
		strvec_clear(&cfg->accessories[i].hosts);
	free(cfg->accessories);
	strvec_clear(&cfg->all_hosts);
	free(cfg->repository);
	free(cfg->version);
	free(cfg->config_file);
	free(cfg->destination);
	free(cfg->declared_version);
	if (cfg->secrets)
		secrets_free(cfg->secrets);
	ytree_free(cfg->tree);
	free(cfg);
}

const char *config_alias(const struct config *cfg, const char *name)
{
	const struct ynode *n;

	if (!cfg)
		return NULL;
	n = ynode_get(ynode_get(cfg->raw, "aliases"), name);
	return ynode_stringish(n) ? ynode_str(n) : NULL;
}

const struct ynode *config_get(const struct config *cfg, const char *path)
{
	return ynode_path(cfg->raw, path);
}

const char *config_get_str(const struct config *cfg, const char *path)
{
	const struct ynode *n = config_get(cfg, path);
	return ynode_stringish(n) ? ynode_str(n) : NULL;
}

/* Kamal's message for a missing secret names the files it looked in. */
static void missing_secret(struct strbuf *err, const char *name, const char *path,
			   const char *destination)
{
	struct strbuf common = STRBUF_INIT, main = STRBUF_INIT;
	int has_common, has_main;

	strbuf_addf(&common, "%s-common", path);
	strbuf_addstr(&main, path);
	if (destination)
		strbuf_addf(&main, ".%s", destination);
	has_common = !access(common.buf, F_OK);
	has_main = !access(main.buf, F_OK);
	if (has_common || has_main)
		strbuf_addf(err, "Secret '%s' not found in %s%s%s\n", name,
			    has_common ? common.buf : "",
			    has_common && has_main ? ", " : "", has_main ? main.buf : "");
	else
		strbuf_addf(err, "Secret '%s' not found, no secret files (%s, %s) provided\n",
			    name, common.buf, main.buf);
	strbuf_release(&common);
	strbuf_release(&main);
}

/*
 * Loaded once, on first use, as Kamal does; the hosts' threads may all
 * ask at once (each logs in to the registry), so the load is serialized.
 */
static pthread_mutex_t secrets_lock = PTHREAD_MUTEX_INITIALIZER;

const struct secrets *config_secrets(struct config *cfg, struct strbuf *err)
{
	const char *path = config_get_str(cfg, "secrets_path");
	const struct secrets *s;

	pthread_mutex_lock(&secrets_lock);
	if (!cfg->secrets &&
	    secrets_load_path(&cfg->secrets, ".", path, cfg->destination, err) < 0)
		s = NULL;
	else
		s = cfg->secrets;
	pthread_mutex_unlock(&secrets_lock);
	return s;
}

const char *config_secret(struct config *cfg, const char *name, struct strbuf *err)
{
	const char *path = config_get_str(cfg, "secrets_path");
	const char *v;

	if (!config_secrets(cfg, err))
		return NULL;
	v = secrets_get(cfg->secrets, name);
	if (!v)
		missing_secret(err, name, path ? path : ".kamal/secrets", cfg->destination);
	return v;
}
