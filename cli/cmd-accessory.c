/*
 * cmd-accessory.c - `berth accessory boot|reboot|start|stop|restart|
 * details|logs|exec|remove NAME` (and Kamal's hidden upload, directories,
 * pull_image, remove_container, remove_image, remove_service_directory):
 * the services an app needs beside it, each on its hosts, as Kamal runs
 * them (Kamal::Cli::Accessory), with the same containers and files.
 *
 * NAME is an accessory of the config or "all" (each in file order); an
 * unknown one is an error before any host is reached. An accessory's
 * hosts are its own within the -h/-r selection.
 */
#include "cli/accessory-verbs.h"
#include "cli/app.h"
#include "cli/app-verbs.h"
#include "cli/commands.h"
#include "cli/exec.h"
#include "cli/hooks.h"
#include "cli/proxy.h"
#include "commands/accessory.h"
#include "commands/docker.h"
#include "commands/env-file.h"
#include "config/erb.h"
#include "config/kamal-app.h"
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <unistd.h>

typedef int (*acc_fn)(struct host_session *h, struct acc_run *a);

/* The audit line "BEFORE NAME AFTER". */
static int audit(struct host_session *h, struct acc_run *a, const char *before,
		 const char *after)
{
	struct strbuf line = STRBUF_INIT;
	int r;
	strbuf_addf(&line, "%s%s%s", before, a->acc->name, after);
	r = app_record(h, a->k, NULL, line.buf);
	strbuf_release(&line);
	return r;
}

const struct config_accessory *acc_find(struct cli_context *ctx, const char *name)
{
	struct config *cfg = cli_load_config(ctx);
	const struct config_accessory *acc = config_accessory(cfg, name);
	struct strbuf names = STRBUF_INIT;

	if (acc)
		return acc;
	for (size_t i = 0; i < cfg->accessories_nr; i++) {
		if (i)
			strbuf_addstr(&names, i + 1 == cfg->accessories_nr ?
						 (cfg->accessories_nr > 2 ? ", and " : " and ") : ", ");
		strbuf_addstr(&names, cfg->accessories[i].name);
	}
	if (names.len)
		die("No accessory by the name of '%s' (options: %s)", name, names.buf);
	die("No accessory by the name of '%s'", name);
}

void acc_hosts(const struct acc_run *a, struct strvec *out)
{
	struct strvec selected = STRVEC_INIT;
	cli_accessory_hosts(a->ctx, &selected);
	for (size_t i = 0; i < selected.nr; i++)
		if (strvec_find(&a->acc->hosts, selected.v[i]) >= 0 &&
		    (!a->only || strvec_find(a->only, selected.v[i]) >= 0))
			strvec_push(out, selected.v[i]);
	strvec_clear(&selected);
}

struct step {
	struct acc_run *a;
	acc_fn fn;
};

static int step_host(struct host_session *h, void *data)
{
	struct step *s = data;
	return s->fn(h, s->a);
}

/* fn on the accessory's hosts (a step named LABEL NAME). */
static int on_acc_hosts(struct acc_run *a, const struct strvec *hosts, acc_fn fn,
			const char *label, int quiet_step)
{
	struct step s = { a, fn };
	struct strbuf l = STRBUF_INIT;
	struct on_hosts_opts o = { NULL, 0, quiet_step };
	int r;

	if (!hosts->nr)
		return 0;
	strbuf_addf(&l, "%s %s", a->acc->name, label);
	o.label = l.buf;
	r = on_hosts(hosts, step_host, &s, &o);
	strbuf_release(&l);
	return r;
}

static int on_acc(struct acc_run *a, acc_fn fn, const char *label, int quiet_step)
{
	struct strvec hosts = STRVEC_INIT;
	int r;
	acc_hosts(a, &hosts);
	r = on_acc_hosts(a, &hosts, fn, label, quiet_step);
	strvec_clear(&hosts);
	return r;
}

/* ---- the steps ------------------------------------------------------ */

static int prepare_host(struct host_session *h, struct acc_run *a)
{
	const struct ynode *reg = ynode_get(a->acc->node, "registry");
	struct shcmd c = SHCMD_INIT;

	if (cli_registry_login_on(a->ctx, h, reg ? reg : config_get(a->k->cfg, "registry")) < 0)
		return -1;
	kc_docker_create_network(&c);
	/* Already there is the usual answer. */
	return kx_run_once(h, &c, REMOTE_NO_RAISE) < 0 ? -1 : 0;
}

static int directories_host(struct host_session *h, struct acc_run *a)
{
	struct config_mounts m = CONFIG_MOUNTS_INIT;
	struct shcmd c = SHCMD_INIT;
	int r = 0;

	config_accessory_directories(a->k->cfg, a->acc, &m);
	for (size_t i = 0; i < m.nr && !r; i++) {
		kc_accessory_make_directory(&c, m.v[i].local);
		r = kx_run_once(h, &c, 0);
		if (!r && m.v[i].mode) {
			kc_accessory_chmod(&c, m.v[i].mode, m.v[i].local);
			r = kx_run_once(h, &c, 0);
		}
		if (!r && m.v[i].owner) {
			kc_accessory_chown(&c, m.v[i].owner, m.v[i].local);
			r = kx_run_once(h, &c, 0);
		}
	}
	config_mounts_clear(&m);
	return r;
}

/* A file's content: the file, or its ERB rendered as Kamal renders it. */
static int file_content(const struct config_mount *f, struct strbuf *out, struct strbuf *err)
{
	struct strbuf src = STRBUF_INIT;
	struct erb_options eo = { f->local, NULL };
	int r;

	if (strbuf_read_file(&src, f->local) < 0) {
		strbuf_addf(err, "Missing file: %s (%s)", f->local, strerror(errno));
		strbuf_release(&src);
		return -1;
	}
	if (f->is_template)
		r = erb_render(src.buf, src.len, &eo, out, err);
	else
		r = 0, strbuf_addbuf(out, &src);
	strbuf_release(&src);
	return r;
}

static int upload_host(struct host_session *h, struct acc_run *a)
{
	struct config_mounts m = CONFIG_MOUNTS_INIT;
	struct shcmd c = SHCMD_INIT;
	struct strbuf data = STRBUF_INIT, err = STRBUF_INIT, dir = STRBUF_INIT;
	char cwd[4096];
	int r = 0;

	config_accessory_files(a->k->cfg, a->acc, &m);
	for (size_t i = 0; i < m.nr && !r; i++) {
		const struct config_mount *f = &m.v[i];
		strbuf_reset(&data);
		strbuf_reset(&dir);
		if (file_content(f, &data, &err) < 0) {
			r = host_fail(h, "%s", err.buf);
			break;
		}
		config_path_dirname(f->host_path, &dir);
		kc_accessory_make_directory(&c, dir.buf);
		r = kx_run_once(h, &c, 0);
		strbuf_reset(&err);
		if (f->is_template) {
			strbuf_addstr(&err, "<io>");
		} else {
			/* Kamal names the file by its absolute path. */
			if (*f->local != '/' && getcwd(cwd, sizeof(cwd)))
				strbuf_addf(&err, "%s/", cwd);
			strbuf_addstr(&err, f->local);
		}
		if (!r)
			r = host_upload_from(h, f->host_path, data.buf, data.len, 0644, err.buf);
		if (!r) {
			kc_accessory_chmod(&c, f->mode ? f->mode : "755", f->host_path);
			r = kx_run_once(h, &c, 0);
		}
		if (!r && f->owner) {
			kc_accessory_chown(&c, f->owner, f->host_path);
			r = kx_run_once(h, &c, 0);
		}
	}
	config_mounts_clear(&m);
	strbuf_release(&data);
	strbuf_release(&err);
	strbuf_release(&dir);
	return r;
}

static int upload_env(struct host_session *h, struct acc_run *a)
{
	struct config_env env = CONFIG_ENV_INIT;
	struct strvec entries = STRVEC_INIT;
	struct strbuf err = STRBUF_INIT, file = STRBUF_INIT, path = STRBUF_INIT;
	struct shcmd c = SHCMD_INIT;
	int r;

	kc_accessory_ensure_env_directory(&c, a->k);
	if (kx_run_once(h, &c, 0) < 0)
		return -1;
	config_accessory_env(a->acc, &env);
	if (config_env_secret_values(a->k->cfg, &env, &entries, &err) < 0) {
		r = host_fail(h, "%s", err.buf);
	} else {
		kc_env_file(&file, &entries);
		config_accessory_secrets_path(a->k->cfg, a->acc, &path);
		r = host_upload(h, path.buf, file.buf, file.len, 0600);
	}
	config_env_clear(&env);
	strvec_clear(&entries);
	strbuf_release(&err);
	strbuf_release(&file);
	strbuf_release(&path);
	return r;
}

/* An accessory behind the proxy: its running container becomes the target. */
static int proxy_deploy(struct host_session *h, struct acc_run *a, int remove)
{
	struct shcmd c = SHCMD_INIT;
	struct strbuf id = STRBUF_INIT;
	int r;

	if (!config_accessory_proxy(a->acc))
		return 0;
	kc_accessory_container_id(&c, a->k, a->acc, 1);
	r = kx_capture(h, &c, &id, 0);
	shcmd_clear(&c);
	strbuf_trim(&id);
	if (!r && remove) {
		kc_accessory_remove(&c, a->k, a->acc);
		r = kx_run_once(h, &c, 0);
	} else if (!r) {
		kc_accessory_deploy(&c, a->k, a->acc, id.buf);
		r = kx_run_once(h, &c, 0);
	}
	strbuf_release(&id);
	return r;
}

static int run_host(struct host_session *h, struct acc_run *a)
{
	struct shcmd c = SHCMD_INIT;

	if (audit(h, a, "Booted ", " accessory") < 0 || upload_env(h, a) < 0)
		return -1;
	kc_accessory_run(&c, a->k, a->acc, host_shown(h));
	if (kx_run_once(h, &c, 0) < 0)
		return -1;
	return proxy_deploy(h, a, 0);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct existing {
	struct acc_run *a;
	struct strvec *booted;
	pthread_mutex_t lock;
};

static int existing_host(struct host_session *h, void *data)
{
	struct existing *e = data;
	struct shcmd c = SHCMD_INIT;
	struct strbuf out = STRBUF_INIT;
	int r;

	kc_accessory_info(&c, e->a->k, e->a->acc, 1, 1);
	r = kx_capture(h, &c, &out, 0);
	shcmd_clear(&c);
	strbuf_trim(&out);
	if (!r && out.len) {
		pthread_mutex_lock(&e->lock);
		strvec_push(e->booted, host_name(h));
		pthread_mutex_unlock(&e->lock);
	}
	strbuf_release(&out);
	return r;
}

static int boot_one(struct acc_run *a, int prepare)
{
	struct strvec hosts = STRVEC_INIT, booted = STRVEC_INIT, rest = STRVEC_INIT;
	struct existing e = { a, &booted, PTHREAD_MUTEX_INITIALIZER };
	struct on_hosts_opts q = { NULL, 0, 1 };
	int r = 0;

	if (prepare && on_acc(a, prepare_host, "prepare", 1) < 0)
		return -1;
	acc_hosts(a, &hosts);
	if (hosts.nr)
		r = on_hosts(&hosts, existing_host, &e, &q);
	if (!r && booted.nr) {
		char *list;
		qsort(booted.v, booted.nr, sizeof(*booted.v), cmp_str);
		list = strvec_join(&booted, ", ");
		log_info("Skipping booting `%s` on %s, a container already exists", a->acc->name, list);
		free(list);
	}
	for (size_t i = 0; i < hosts.nr; i++)
		if (strvec_find(&booted, hosts.v[i]) < 0)
			strvec_push(&rest, hosts.v[i]);
	/* Kamal makes the folders and uploads the files on all the hosts. */
	if (!r)
		r = on_acc(a, directories_host, "directories", 1);
	if (!r)
		r = on_acc(a, upload_host, "upload", 1);
	if (!r)
		r = on_acc_hosts(a, &rest, run_host, "boot", 0);
	strvec_clear(&hosts);
	strvec_clear(&booted);
	strvec_clear(&rest);
	return r;
}

static int stop_host(struct host_session *h, struct acc_run *a)
{
	struct shcmd c = SHCMD_INIT;
	if (audit(h, a, "Stopped ", " accessory") < 0)
		return -1;
	kc_accessory_stop(&c, a->k, a->acc);
	if (kx_run_once(h, &c, REMOTE_NO_RAISE) < 0)
		return -1;
	return proxy_deploy(h, a, 1);
}

static int start_host(struct host_session *h, struct acc_run *a)
{
	struct shcmd c = SHCMD_INIT;
	if (audit(h, a, "Started ", " accessory") < 0)
		return -1;
	kc_accessory_start(&c, a->k, a->acc);
	if (kx_run_once(h, &c, 0) < 0)
		return -1;
	return proxy_deploy(h, a, 0);
}

static int pull_host(struct host_session *h, struct acc_run *a)
{
	struct shcmd c = SHCMD_INIT;
	if (audit(h, a, "Pull ", " accessory image") < 0)
		return -1;
	kc_accessory_pull_image(&c, a->k, a->acc);
	return kx_run_once(h, &c, 0);
}

static int remove_container_host(struct host_session *h, struct acc_run *a)
{
	struct shcmd c = SHCMD_INIT;
	if (audit(h, a, "Remove ", " accessory container") < 0)
		return -1;
	kc_accessory_remove_container(&c, a->k, a->acc);
	return kx_run_once(h, &c, 0);
}

static int remove_image_host(struct host_session *h, struct acc_run *a)
{
	struct shcmd c = SHCMD_INIT;
	if (audit(h, a, "Removed ", " accessory image") < 0)
		return -1;
	kc_accessory_remove_image(&c, a->k, a->acc);
	return kx_run_once(h, &c, 0);
}

static int remove_dir_host(struct host_session *h, struct acc_run *a)
{
	struct shcmd c = SHCMD_INIT;
	kc_accessory_remove_service_directory(&c, a->k, a->acc);
	return kx_run_once(h, &c, 0);
}

static int reboot_one(struct acc_run *a)
{
	if (on_acc(a, prepare_host, "prepare", 1) < 0 || on_acc(a, pull_host, "pull", 0) < 0 ||
	    on_acc(a, stop_host, "stop", 0) < 0 ||
	    on_acc(a, remove_container_host, "remove container", 0) < 0)
		return -1;
	return boot_one(a, 0);
}

static int remove_one(struct acc_run *a)
{
	if (on_acc(a, stop_host, "stop", 0) < 0 ||
	    on_acc(a, remove_container_host, "remove container", 0) < 0 ||
	    on_acc(a, remove_image_host, "remove image", 0) < 0)
		return -1;
	return on_acc(a, remove_dir_host, "remove directory", 0);
}

struct locked_run {
	int (*fn)(struct acc_run *a, int arg);
	struct acc_run *a;
	int arg, all;
};

static int locked_step(struct cli_context *ctx, void *data)
{
	struct locked_run *l = data;
	struct config *cfg = cli_load_config(ctx);
	int r = 0;

	if (!l->all)
		return l->fn(l->a, l->arg);
	for (size_t i = 0; i < cfg->accessories_nr && !r; i++) {
		l->a->acc = &cfg->accessories[i];
		r = l->fn(l->a, l->arg);
	}
	return r;
}

/* fn under the deploy lock, the accessory named first, so that a wrong name changes nothing. */
static int locked(struct cli_context *ctx, int (*fn)(struct acc_run *a, int arg),
		  struct acc_run *a, int arg, int all)
{
	struct locked_run l = { fn, a, arg, all };

	if (cli_pre_connect(ctx) < 0)
		return -1;
	return cli_with_lock(ctx, locked_step, &l);
}

/* fn for NAME, or for each accessory in file order with "all" (if all_ok). */
static int each(struct cli_context *ctx, const char *name, int all_ok,
		int (*fn)(struct acc_run *a, int arg), int arg)
{
	struct acc_run a = { ctx, cli_kamal(ctx), NULL, NULL, NULL };
	int all = all_ok && !strcmp(name, "all");

	if (!all)
		a.acc = acc_find(ctx, name);
	return locked(ctx, fn, &a, arg, all);
}

static int boot_fn(struct acc_run *a, int prepare)
{
	return boot_one(a, prepare);
}

static int reboot_fn(struct acc_run *a, int unused)
{
	return reboot_one(a);
}

static int remove_fn(struct acc_run *a, int unused)
{
	return remove_one(a);
}

int cli_accessory_boot(struct cli_context *ctx, const char *name)
{
	return each(ctx, name, 1, boot_fn, 1);
}

int cli_accessory_remove(struct cli_context *ctx, const char *name)
{
	return each(ctx, name, 1, remove_fn, 0);
}

/* ---- the verbs ------------------------------------------------------ */

const char *acc_name_arg(struct cli_context *ctx, const char *verb)
{
	const struct strvec *w = &ctx->args.positional;
	if (!w->nr)
		die("`accessory %s` needs the accessory's NAME (or all)", verb);
	return w->v[0];
}

static int acc_boot(int argc, const char **argv, struct cli_context *ctx)
{
	return cli_accessory_boot(ctx, acc_name_arg(ctx, "boot")) ? 1 : 0;
}

static int acc_reboot(int argc, const char **argv, struct cli_context *ctx)
{
	return each(ctx, acc_name_arg(ctx, "reboot"), 1, reboot_fn, 0) ? 1 : 0;
}

struct single {
	acc_fn fn;
	const char *label;
};

static int single_fn(struct acc_run *a, int arg)
{
	const struct single *sg = a->data;
	return on_acc(a, sg->fn, sg->label, 0);
}

/* One step on NAME's hosts, under the lock (NAME checked first). */
static int single(struct cli_context *ctx, const char *verb, acc_fn fn, const char *label)
{
	struct single sg = { fn, label };
	struct acc_run a = { ctx, cli_kamal(ctx), acc_find(ctx, acc_name_arg(ctx, verb)), &sg, NULL };
	return locked(ctx, single_fn, &a, 0, 0) ? 1 : 0;
}

static int acc_start(int argc, const char **argv, struct cli_context *ctx)
{
	return single(ctx, "start", start_host, "start");
}

static int acc_stop(int argc, const char **argv, struct cli_context *ctx)
{
	return single(ctx, "stop", stop_host, "stop");
}

static int restart_fn(struct acc_run *a, int unused)
{
	if (on_acc(a, stop_host, "stop", 0) < 0)
		return -1;
	return on_acc(a, start_host, "start", 0);
}

/* Stop and start under one hold of the lock, as Kamal does. */
static int acc_restart(int argc, const char **argv, struct cli_context *ctx)
{
	struct acc_run a = { ctx, cli_kamal(ctx), acc_find(ctx, acc_name_arg(ctx, "restart")), NULL, NULL };
	return locked(ctx, restart_fn, &a, 0, 0) ? 1 : 0;
}

static int acc_upload(int argc, const char **argv, struct cli_context *ctx)
{
	return single(ctx, "upload", upload_host, "upload");
}

static int acc_directories(int argc, const char **argv, struct cli_context *ctx)
{
	return single(ctx, "directories", directories_host, "directories");
}

static int acc_pull_image(int argc, const char **argv, struct cli_context *ctx)
{
	return single(ctx, "pull_image", pull_host, "pull");
}

static int acc_remove_container(int argc, const char **argv, struct cli_context *ctx)
{
	return single(ctx, "remove_container", remove_container_host, "remove container");
}

static int acc_remove_image(int argc, const char **argv, struct cli_context *ctx)
{
	return single(ctx, "remove_image", remove_image_host, "remove image");
}

static int acc_remove_service_directory(int argc, const char **argv, struct cli_context *ctx)
{
	return single(ctx, "remove_service_directory", remove_dir_host, "remove directory");
}

static int acc_remove(int argc, const char **argv, struct cli_context *ctx)
{
	const char *name = acc_name_arg(ctx, "remove");
	struct strbuf q = STRBUF_INIT;
	int r;

	if (strcmp(name, "all"))
		acc_find(ctx, name);
	strbuf_addf(&q, "This will remove all containers, images and data directories for %s. "
		    "Are you sure?", name);
	if (!cli_confirm(ctx, q.buf)) {
		strbuf_release(&q);
		return 0;
	}
	strbuf_release(&q);
	r = cli_accessory_remove(ctx, name);
	return r ? 1 : 0;
}

/* Reboots NAME (or every accessory) on the hosts of a->only. */
static int reboot_named(struct acc_run *a, const char *name)
{
	struct config *cfg = cli_load_config(a->ctx);
	int r = 0;

	if (strcmp(name, "all"))
		return reboot_one(a);
	for (size_t i = 0; i < cfg->accessories_nr && !r; i++) {
		a->acc = &cfg->accessories[i];
		r = reboot_one(a);
	}
	return r;
}

/*
 * Kamal 1 to 2: every accessory host at once, or one after another with
 * --rolling, each rebooting NAME's containers (which puts them in the
 * kamal network).
 */
static int upgrade_fn(struct acc_run *a, int rolling)
{
	const char *name = a->data;
	struct strvec all = STRVEC_INIT, group = STRVEC_INIT;
	size_t groups;
	int r = 0;

	cli_accessory_hosts(a->ctx, &all);
	groups = rolling ? all.nr : 1;
	for (size_t i = 0; i < groups && !r; i++) {
		char *list;
		strvec_clear(&group);
		if (rolling)
			strvec_push(&group, all.v[i]);
		else
			strvec_pushvec(&group, &all);
		list = strvec_join(&group, ",");
		log_info("Upgrading %s accessories on %s...", name, list);
		a->only = &group;
		r = reboot_named(a, name);
		if (!r)
			log_info("Upgraded %s accessories on %s...", name, list);
		free(list);
	}
	a->only = NULL;
	strvec_clear(&group);
	strvec_clear(&all);
	return r;
}

static int acc_upgrade(int argc, const char **argv, struct cli_context *ctx)
{
	const char *name = acc_name_arg(ctx, "upgrade");
	struct acc_run a = { ctx, cli_kamal(ctx), NULL, name, NULL };

	if (strcmp(name, "all"))
		a.acc = acc_find(ctx, name);
	if (!cli_confirm(ctx, "This will restart all accessories"))
		return 0;
	return locked(ctx, upgrade_fn, &a, cli_opt_bool(&ctx->args, "rolling"), 0) ? 1 : 0;
}

static int acc_details(int argc, const char **argv, struct cli_context *ctx)
{
	const char *name = acc_name_arg(ctx, "details");
	return cli_accessory_details(ctx, strcmp(name, "all") ? acc_find(ctx, name) : NULL) ? 1 : 0;
}

static const struct cli_option remove_opts[] = {
	{ "confirmed", 'y', CLI_OPT_BOOL, "Go ahead without asking", "false" },
	CLI_OPTIONS_END
};

static const struct cli_option upgrade_opts[] = {
	{ "rolling", 0, CLI_OPT_BOOL, "One host at a time", "false" },
	{ "confirmed", 'y', CLI_OPT_BOOL, "Go ahead without asking", "false" },
	CLI_OPTIONS_END
};

/* These take the lock themselves, once the name is known good. */
#define LOCKED CLI_REMOTE
const struct cli_verb accessory_verbs[] = {
	{ "boot", acc_boot, "boot NAME", "Boot an accessory on its hosts (NAME all: every accessory)", NULL, LOCKED },
	{ "details", acc_details, "details NAME", "Show an accessory's container on each host (NAME all: every accessory)", NULL, CLI_REMOTE },
	{ "directories", acc_directories, "directories NAME", "Make an accessory's directories on its hosts", NULL, LOCKED | CLI_HIDDEN },
	{ "exec", acc_exec, "exec NAME CMD...", "Run a command in an accessory's container on its hosts", acc_exec_options, CLI_REMOTE },
	{ "logs", acc_logs, "logs NAME", "Show an accessory's log lines from each of its hosts", acc_logs_options, CLI_REMOTE },
	{ "pull_image", acc_pull_image, "pull_image NAME", "Pull an accessory's image on its hosts", NULL, LOCKED | CLI_HIDDEN },
	{ "reboot", acc_reboot, "reboot NAME", "Replace an accessory's container with a new one (NAME all: every accessory)", NULL, LOCKED },
	{ "remove", acc_remove, "remove NAME", "Remove an accessory's container, image and data directory (NAME all: every accessory)", remove_opts, CLI_REMOTE },
	{ "remove_container", acc_remove_container, "remove_container NAME", "Remove an accessory's container", NULL, LOCKED | CLI_HIDDEN },
	{ "remove_image", acc_remove_image, "remove_image NAME", "Remove an accessory's image", NULL, LOCKED | CLI_HIDDEN },
	{ "remove_service_directory", acc_remove_service_directory, "remove_service_directory NAME", "Remove an accessory's files and data directories", NULL, LOCKED | CLI_HIDDEN },
	{ "restart", acc_restart, "restart NAME", "Stop and start an accessory's container", NULL, LOCKED },
	{ "start", acc_start, "start NAME", "Start an accessory's existing container", NULL, LOCKED },
	{ "stop", acc_stop, "stop NAME", "Stop an accessory's container", NULL, LOCKED },
	{ "upgrade", acc_upgrade, "upgrade NAME", "Reboot accessories from Kamal 1 into the kamal network (NAME all: every accessory)", upgrade_opts, CLI_REMOTE },
	{ "upload", acc_upload, "upload NAME", "Upload an accessory's files to its hosts", NULL, LOCKED | CLI_HIDDEN },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};
