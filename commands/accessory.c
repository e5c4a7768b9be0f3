/*
 * accessory.c - an accessory's container, files and proxy route
 * (Kamal::Commands::Accessory, accessory.h).
 */
#include "commands/accessory.h"
#include "commands/args.h"
#include "commands/ssh.h"
#include "config/kamal-app.h"
#include "quote.h"

/* Appends the accessory's service name, its container's name. */
static void add_service_name(struct shcmd *out, const struct kamal *k,
			     const struct config_accessory *acc)
{
	struct strbuf name = STRBUF_INIT;

	config_accessory_service_name(k->cfg, acc, &name);
	shcmd_add(out, name.buf);
	strbuf_release(&name);
}

static void add_image(struct shcmd *out, const struct config_accessory *acc)
{
	struct strbuf image = STRBUF_INIT;

	config_accessory_image(acc, &image);
	shcmd_add(out, image.buf);
	strbuf_release(&image);
}

static void add_network(struct shcmd *out, const struct config_accessory *acc)
{
	shcmd_addl(out, "--network", config_accessory_network(acc), NULL);
}

/* clear env as --env, secrets by the env file */
static void add_env_args(struct shcmd *out, const struct kamal *k,
			 const struct config_accessory *acc)
{
	struct config_env env = CONFIG_ENV_INIT;
	struct strbuf path = STRBUF_INIT;

	config_accessory_env(acc, &env);
	kc_argumentize(out, "--env", &env.clear);
	config_accessory_secrets_path(k->cfg, acc, &path);
	shcmd_addl(out, "--env-file", path.buf, NULL);
	strbuf_release(&path);
	config_env_clear(&env);
}

static void add_volume_args(struct shcmd *out, const struct kamal *k,
			    const struct config_accessory *acc)
{
	struct strvec words = STRVEC_INIT;

	config_accessory_volume_args(k->cfg, acc, &words);
	kc_add_shell_words(out, &words);
	strvec_clear(&words);
}

static void add_option_args(struct shcmd *out, const struct config_accessory *acc)
{
	struct config_kvs options = CONFIG_KVS_INIT;

	config_accessory_options(acc, &options);
	kc_optionize(out, &options, NULL);
	config_kvs_clear(&options);
}

/* --publish PORT, the global logging, KAMAL_HOST: what run adds to the rest. */
static void add_run_setup(struct shcmd *out, const struct kamal *k,
			  const struct config_accessory *acc, const char *host)
{
	struct strvec logging = STRVEC_INIT;
	struct strbuf sb = STRBUF_INIT;

	config_logging_args(ynode_get(k->cfg->raw, "logging"), &logging);
	kc_add_shell_words(out, &logging);
	if (config_accessory_port(acc, &sb))
		shcmd_addl(out, "--publish", sb.buf, NULL);
	if (host) {
		strbuf_reset(&sb);
		strbuf_addstr(&sb, "KAMAL_HOST=");
		quote_kamal_value(&sb, host);
		shcmd_add(out, "--env");
		shcmd_add_shell(out, sb.buf);
	}
	strvec_clear(&logging);
	strbuf_release(&sb);
}

void kc_accessory_run(struct shcmd *out, const struct kamal *k,
		      const struct config_accessory *acc, const char *host)
{
	struct config_kvs labels = CONFIG_KVS_INIT;
	const char *cmd = config_accessory_cmd(acc);

	shcmd_addl(out, "docker", "run", "--name", NULL);
	add_service_name(out, k, acc);
	shcmd_addl(out, "--detach", "--restart", config_accessory_restart_policy(acc), NULL);
	add_network(out, acc);
	add_run_setup(out, k, acc, host);
	add_env_args(out, k, acc);
	add_volume_args(out, k, acc);
	config_accessory_labels(k->cfg, acc, &labels);
	kc_argumentize(out, "--label", &labels);
	add_option_args(out, acc);
	add_image(out, acc);
	if (cmd)
		shcmd_add_shell(out, cmd);
	config_kvs_clear(&labels);
}

void kc_accessory_start(struct shcmd *out, const struct kamal *k,
			const struct config_accessory *acc)
{
	shcmd_addl(out, "docker", "container", "start", NULL);
	add_service_name(out, k, acc);
}

void kc_accessory_stop(struct shcmd *out, const struct kamal *k,
		       const struct config_accessory *acc)
{
	shcmd_addl(out, "docker", "container", "stop", NULL);
	add_service_name(out, k, acc);
}

static void add_service_filter(struct shcmd *out, const struct kamal *k,
			       const struct config_accessory *acc)
{
	struct strbuf name = STRBUF_INIT;

	config_accessory_service_name(k->cfg, acc, &name);
	shcmd_add(out, "--filter");
	shcmd_addf(out, "label=service=%s", name.buf);
	strbuf_release(&name);
}

void kc_accessory_info(struct shcmd *out, const struct kamal *k,
		       const struct config_accessory *acc, int all, int quiet)
{
	shcmd_addl(out, "docker", "ps", NULL);
	if (all)
		shcmd_add(out, "-a");
	if (quiet)
		shcmd_add(out, "-q");
	add_service_filter(out, k, acc);
}

/*
 * Kamal writes --since and --tail as " --since S": one word with a leading
 * space, which shows as a double space; an empty shell word does the same.
 */
static void add_spaced_option(struct shcmd *out, const char *option, const char *value)
{
	shcmd_add_shell(out, "");
	shcmd_addl(out, option, value, NULL);
}

void kc_accessory_logs(struct shcmd *out, const struct kamal *k,
		       const struct config_accessory *acc, const struct kc_logs *o)
{
	shcmd_addl(out, "docker", "logs", NULL);
	add_service_name(out, k, acc);
	if (o->since)
		add_spaced_option(out, "--since", o->since);
	if (o->lines)
		add_spaced_option(out, "--tail", o->lines);
	if (!o->skip_timestamps)
		shcmd_add(out, "--timestamps");
	shcmd_add_shell(out, "2>&1");
	if (o->grep)
		kc_add_grep(out, o->grep, o->grep_options, 0);
}

void kc_accessory_follow_logs(struct shcmd *out, const struct kamal *k,
			      const struct config_accessory *acc, const struct kc_logs *o)
{
	struct shcmd inner = SHCMD_INIT;

	shcmd_addl(&inner, "docker", "logs", NULL);
	add_service_name(&inner, k, acc);
	if (!o->skip_timestamps)
		shcmd_add(&inner, "--timestamps");
	shcmd_addl(&inner, "--tail", "10", "--follow", NULL);
	shcmd_add_shell(&inner, "2>&1");
	if (o->grep)
		kc_add_grep(&inner, o->grep, o->grep_options, 1);
	kc_run_over_ssh(out, k, acc->hosts.nr ? acc->hosts.v[0] : "", &inner);
	shcmd_clear(&inner);
}

/*
 * berth's follow of every host: run on the host itself (no ssh line), and
 * grep line-buffered so that lines come through as they are written.
 */
void kc_accessory_stream_logs(struct shcmd *out, const struct kamal *k,
			      const struct config_accessory *acc, const struct kc_logs *o)
{
	shcmd_addl(out, "docker", "logs", NULL);
	add_service_name(out, k, acc);
	if (!o->skip_timestamps)
		shcmd_add(out, "--timestamps");
	if (o->since)
		shcmd_addl(out, "--since", o->since, NULL);
	if (o->lines)
		shcmd_addl(out, "--tail", o->lines, NULL);
	shcmd_add(out, "--follow");
	shcmd_add_shell(out, "2>&1");
	if (o->grep) {
		shcmd_add_shell(out, "|");
		shcmd_addl(out, "grep", "--line-buffered", o->grep, NULL);
		if (o->grep_options)
			shcmd_add_shell(out, o->grep_options);
	}
}

void kc_accessory_execute_in_existing_container(struct shcmd *out, const struct kamal *k,
						const struct config_accessory *acc,
						const struct kc_exec *e)
{
	shcmd_addl(out, "docker", "exec", NULL);
	kc_docker_interactive_args(out, k, e->interactive);
	add_service_name(out, k, acc);
	shcmd_add_shell(out, e->cmd);
}

void kc_accessory_execute_in_new_container(struct shcmd *out, const struct kamal *k,
					   const struct config_accessory *acc,
					   const struct kc_exec *e)
{
	shcmd_addl(out, "docker", "run", NULL);
	kc_docker_interactive_args(out, k, e->interactive);
	shcmd_add(out, "--rm");
	add_network(out, acc);
	add_env_args(out, k, acc);
	add_volume_args(out, k, acc);
	add_option_args(out, acc);
	add_image(out, acc);
	shcmd_add_shell(out, e->cmd);
}

/* Interactive, through ssh to the accessory's first host. */
static void over_ssh(struct shcmd *out, const struct kamal *k,
		     const struct config_accessory *acc, const struct kc_exec *e,
		     void (*build)(struct shcmd *, const struct kamal *,
				   const struct config_accessory *, const struct kc_exec *))
{
	struct shcmd inner = SHCMD_INIT;
	struct kc_exec interactive = *e;

	interactive.interactive = 1;
	build(&inner, k, acc, &interactive);
	kc_run_over_ssh(out, k, acc->hosts.nr ? acc->hosts.v[0] : "", &inner);
	shcmd_clear(&inner);
}

void kc_accessory_execute_in_existing_container_over_ssh(struct shcmd *out,
							 const struct kamal *k,
							 const struct config_accessory *acc,
							 const struct kc_exec *e)
{
	over_ssh(out, k, acc, e, kc_accessory_execute_in_existing_container);
}

void kc_accessory_execute_in_new_container_over_ssh(struct shcmd *out, const struct kamal *k,
						    const struct config_accessory *acc,
						    const struct kc_exec *e)
{
	over_ssh(out, k, acc, e, kc_accessory_execute_in_new_container);
}

void kc_accessory_pull_image(struct shcmd *out, const struct kamal *k,
			     const struct config_accessory *acc)
{
	shcmd_addl(out, "docker", "image", "pull", NULL);
	add_image(out, acc);
}

void kc_accessory_remove_service_directory(struct shcmd *out, const struct kamal *k,
					   const struct config_accessory *acc)
{
	shcmd_addl(out, "rm", "-rf", NULL);
	add_service_name(out, k, acc);
}

void kc_accessory_remove_container(struct shcmd *out, const struct kamal *k,
				   const struct config_accessory *acc)
{
	shcmd_addl(out, "docker", "container", "prune", "--force", NULL);
	add_service_filter(out, k, acc);
}

void kc_accessory_remove_image(struct shcmd *out, const struct kamal *k,
			       const struct config_accessory *acc)
{
	shcmd_addl(out, "docker", "image", "rm", "--force", NULL);
	add_image(out, acc);
}

void kc_accessory_ensure_env_directory(struct shcmd *out, const struct kamal *k)
{
	struct strbuf dir = STRBUF_INIT;

	config_accessory_env_directory(k->cfg, &dir);
	kc_make_directory(out, dir.buf);
	strbuf_release(&dir);
}

void kc_accessory_container_id(struct shcmd *out, const struct kamal *k,
			       const struct config_accessory *acc, int only_running)
{
	struct strbuf name = STRBUF_INIT;

	config_accessory_service_name(k->cfg, acc, &name);
	kc_container_id_for(out, name.buf, only_running);
	strbuf_release(&name);
}

void kc_accessory_make_directory(struct shcmd *out, const char *path)
{
	shcmd_addl(out, "mkdir", "-p", NULL);
	shcmd_add_shell(out, path);
}

void kc_accessory_chmod(struct shcmd *out, const char *mode, const char *path)
{
	shcmd_addl(out, "chmod", mode, NULL);
	shcmd_add_shell(out, path);
}

void kc_accessory_chown(struct shcmd *out, const char *owner, const char *path)
{
	shcmd_addl(out, "chown", owner, NULL);
	shcmd_add_shell(out, path);
}

void kc_accessory_deploy(struct shcmd *out, const struct kamal *k,
			 const struct config_accessory *acc, const char *target)
{
	struct strbuf name = STRBUF_INIT;

	config_accessory_service_name(k->cfg, acc, &name);
	kc_proxy_exec(out, "deploy", name.buf);
	kc_proxy_deploy_args(out, k, config_accessory_proxy(acc), NULL, target);
	strbuf_release(&name);
}

void kc_accessory_remove(struct shcmd *out, const struct kamal *k,
			 const struct config_accessory *acc)
{
	struct strbuf name = STRBUF_INIT;

	config_accessory_service_name(k->cfg, acc, &name);
	kc_proxy_exec(out, "remove", name.buf);
	strbuf_release(&name);
}
