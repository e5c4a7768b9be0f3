/*
 * kamal-accessory.c - Kamal::Configuration::Accessory for the builders:
 * an accessory's service name, image, port, labels, options, env, and the
 * files and directories it mounts with their paths on the host.
 */
#include "config/kamal-app.h"

static const char *str_of(const struct ynode *n)
{
	return ynode_stringish(n) ? ynode_str(n) : NULL;
}

void config_accessory_service_name(const struct config *cfg,
				   const struct config_accessory *acc, struct strbuf *out)
{
	const struct ynode *service = ynode_get(acc->node, "service");

	if (ynode_truthy(service))
		config_scalar_to_s(out, service);
	else
		strbuf_addf(out, "%s-%s", cfg->service ? cfg->service : "", acc->name);
}

void config_accessory_image(const struct config_accessory *acc, struct strbuf *out)
{
	const struct ynode *registry = ynode_get(acc->node, "registry");
	const struct ynode *server = ynode_get(registry, "server");

	/* The accessory's own registry counts only when present?. */
	if (ynode_present(registry) && ynode_truthy(server)) {
		config_scalar_to_s(out, server);
		strbuf_addch(out, '/');
	}
	config_scalar_to_s(out, ynode_get(acc->node, "image"));
}

int config_accessory_port(const struct config_accessory *acc, struct strbuf *out)
{
	const struct ynode *port = ynode_get(acc->node, "port");
	struct strbuf sb = STRBUF_INIT;

	if (!port || port->kind == YNODE_NULL)
		return 0;
	config_scalar_to_s(&sb, port);
	if (strchr(sb.buf, ':'))
		strbuf_addbuf(out, &sb);
	else
		strbuf_addf(out, "%s:%s", sb.buf, sb.buf);
	strbuf_release(&sb);
	return 1;
}

const char *config_accessory_network(const struct config_accessory *acc)
{
	const char *network = str_of(ynode_get(acc->node, "network"));

	return network && ynode_truthy(ynode_get(acc->node, "network")) ? network : "kamal";
}

void config_accessory_labels(const struct config *cfg, const struct config_accessory *acc,
			     struct config_kvs *out)
{
	struct strbuf service = STRBUF_INIT;

	config_accessory_service_name(cfg, acc, &service);
	config_kvs_set_str(out, "service", service.buf);
	config_kvs_merge(out, ynode_get(acc->node, "labels"));
	strbuf_release(&service);
}

void config_accessory_options(const struct config_accessory *acc, struct config_kvs *out)
{
	config_options_flatten(ynode_get(acc->node, "options"), out);
}

const char *config_accessory_restart_policy(const struct config_accessory *acc)
{
	return config_restart_policy(ynode_get(acc->node, "options"));
}

const char *config_accessory_cmd(const struct config_accessory *acc)
{
	const struct ynode *cmd = ynode_get(acc->node, "cmd");

	return ynode_truthy(cmd) ? str_of(cmd) : NULL;
}

void config_accessory_env(const struct config_accessory *acc, struct config_env *out)
{
	config_env_merge(out, ynode_get(acc->node, "env"));
}

void config_accessory_env_directory(const struct config *cfg, struct strbuf *out)
{
	config_env_directory(cfg, out);
	strbuf_addstr(out, "/accessories");
}

void config_accessory_secrets_path(const struct config *cfg,
				   const struct config_accessory *acc, struct strbuf *out)
{
	config_accessory_env_directory(cfg, out);
	strbuf_addf(out, "/%s.env", acc->name);
}

const struct ynode *config_accessory_proxy(const struct config_accessory *acc)
{
	const struct ynode *proxy = ynode_get(acc->node, "proxy");

	return ynode_present(proxy) ? proxy : NULL;
}

/* ---- files and directories ------------------------------------------ */

static void mount_free(struct config_mount *e)
{
	free(e->local);
	free(e->host_path);
	free(e->container_path);
	free(e->options);
	free(e->mode);
	free(e->owner);
}

void config_mounts_clear(struct config_mounts *m)
{
	for (size_t i = 0; i < m->nr; i++)
		mount_free(&m->v[i]);
	free(m->v);
	m->v = NULL;
	m->nr = m->alloc = 0;
}

static char *text_of(const struct ynode *n)
{
	struct strbuf sb = STRBUF_INIT;

	if (!n || n->kind == YNODE_NULL)
		return NULL;
	config_scalar_to_s(&sb, n);
	return strbuf_detach(&sb, NULL);
}

/*
 * One entry: {local:, remote:, options:, mode:, owner:} or
 * "local:remote[:options]". Its parts, as Kamal reads them.
 */
static void parse_mount(const struct ynode *item, const char *default_mode,
			struct config_mount *m)
{
	memset(m, 0, sizeof(*m));
	if (item->kind == YNODE_MAP) {
		m->local = text_of(ynode_get(item, "local"));
		m->container_path = text_of(ynode_get(item, "remote"));
		m->options = text_of(ynode_get(item, "options"));
		m->mode = text_of(ynode_get(item, "mode"));
		m->owner = text_of(ynode_get(item, "owner"));
	} else {
		char *s = text_of(item), *colon = s ? strchr(s, ':') : NULL, *second;
		second = colon ? strchr(colon + 1, ':') : NULL;
		if (second) {
			*second = '\0';
			m->options = xstrdup(second + 1);
		}
		if (colon) {
			*colon = '\0';
			m->container_path = xstrdup(colon + 1);
		}
		m->local = s;
	}
	if (!m->local)
		m->local = xstrdup("");
	if (!m->container_path)
		m->container_path = xstrdup("");
	if (!m->mode && default_mode)
		m->mode = xstrdup(default_mode);
}

/* to_h keeps one entry per key: a later one replaces it in place. */
static void add_mount(struct config_mounts *out, struct config_mount *m)
{
	for (size_t i = 0; !m->is_template && i < out->nr; i++) {
		if (!out->v[i].is_template && !strcmp(out->v[i].local, m->local)) {
			mount_free(&out->v[i]);
			out->v[i] = *m;
			return;
		}
	}
	ALLOC_GROW(out->v, out->nr + 1, out->alloc);
	out->v[out->nr++] = *m;
}

void config_accessory_files(const struct config *cfg, const struct config_accessory *acc,
			    struct config_mounts *out)
{
	const struct ynode *files = ynode_get(acc->node, "files");
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; files && files->kind == YNODE_SEQ && i < files->nr; i++) {
		struct config_mount m;
		size_t len;
		parse_mount(files->items[i], "755", &m);
		len = strlen(m.local);
		/* Kamal renders a local file ending in "erb" (not only ".erb"). */
		m.is_template = len >= 3 && !strcmp(m.local + len - 3, "erb");
		strbuf_reset(&sb);
		config_accessory_service_name(cfg, acc, &sb);
		strbuf_addstr(&sb, m.container_path);
		m.host_path = strbuf_detach(&sb, NULL);
		add_mount(out, &m);
	}
	strbuf_release(&sb);
}

void config_accessory_directories(const struct config *cfg,
				  const struct config_accessory *acc,
				  struct config_mounts *out)
{
	const struct ynode *dirs = ynode_get(acc->node, "directories");
	struct strbuf sb = STRBUF_INIT, service = STRBUF_INIT;

	config_accessory_service_name(cfg, acc, &service);
	for (size_t i = 0; dirs && dirs->kind == YNODE_SEQ && i < dirs->nr; i++) {
		struct config_mount m;
		parse_mount(dirs->items[i], NULL, &m);
		if (*m.local != '/') {
			/* relative: under the service's folder in the home directory */
			strbuf_reset(&sb);
			strbuf_addf(&sb, "%s", service.buf);
			config_path_join(&sb, m.local);
			m.host_path = xstrdup(sb.buf);
			strbuf_reset(&sb);
			strbuf_addf(&sb, "$PWD/%s", m.host_path);
			free(m.local);
			m.local = strbuf_detach(&sb, NULL);
		} else {
			m.host_path = xstrdup(m.local);
		}
		add_mount(out, &m);
	}
	strbuf_release(&sb);
	strbuf_release(&service);
}

void config_accessory_volume_args(const struct config *cfg,
				  const struct config_accessory *acc, struct strvec *out)
{
	const struct ynode *vols = ynode_get(acc->node, "volumes");
	struct config_mounts files = CONFIG_MOUNTS_INIT, dirs = CONFIG_MOUNTS_INIT;
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; vols && vols->kind == YNODE_SEQ && i < vols->nr; i++) {
		strbuf_reset(&sb);
		config_scalar_to_s(&sb, vols->items[i]);
		strvec_push(out, "--volume");
		strvec_push(out, sb.buf);
	}
	config_accessory_files(cfg, acc, &files);
	config_accessory_directories(cfg, acc, &dirs);
	for (size_t i = 0; i < files.nr; i++)
		config_volume_arg(files.v[i].host_path, files.v[i].container_path,
				  files.v[i].options, out);
	for (size_t i = 0; i < dirs.nr; i++)
		config_volume_arg(dirs.v[i].host_path, dirs.v[i].container_path,
				  dirs.v[i].options, out);
	config_mounts_clear(&files);
	config_mounts_clear(&dirs);
	strbuf_release(&sb);
}
