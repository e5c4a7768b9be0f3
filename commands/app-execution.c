/*
 * app-execution.c - app exec: a command in the running container or in a
 * new one, and the interactive forms through ssh
 * (Kamal::Commands::App::Execution).
 */
#include "commands/app.h"
#include "commands/args.h"
#include "commands/ssh.h"
#include "config/kamal-app.h"

void kc_docker_interactive_args(struct shcmd *out, const struct kamal *k, int interactive)
{
	if (interactive)
		shcmd_add(out, k->tty ? "-it" : "-i");
}

/* --env NAME="value" for each "NAME=value" of app exec --env. */
static void add_exec_env(struct shcmd *out, const struct strvec *env)
{
	for (size_t i = 0; env && i < env->nr; i++) {
		const char *eq = strchr(env->v[i], '=');
		struct config_kv kv;
		kv.key = eq ? xstrndup(env->v[i], (size_t)(eq - env->v[i])) : xstrdup(env->v[i]);
		kv.value = (char *)(eq ? eq + 1 : NULL);
		kv.kind = eq ? CONFIG_KV_VALUE : CONFIG_KV_NIL;
		kc_argumentize_kv(out, "--env", &kv);
		free(kv.key);
	}
}

void kc_app_execute_in_existing_container(struct shcmd *out, const struct kamal *k,
					  const struct config_role *role,
					  const struct kc_exec *e)
{
	struct strbuf name = STRBUF_INIT;

	shcmd_addl(out, "docker", "exec", NULL);
	kc_docker_interactive_args(out, k, e->interactive);
	add_exec_env(out, e->env);
	config_role_container_name(k->cfg, role, k->version, &name);
	shcmd_add(out, name.buf);
	shcmd_add_shell(out, e->cmd);
	strbuf_release(&name);
}

/* SERVICE-ROLE[-DEST]-exec-VERSION-<6 hex> */
static void add_exec_container_name(struct shcmd *out, const struct kamal *k,
				    const struct config_role *role, const char *suffix)
{
	struct strbuf name = STRBUF_INIT;

	config_role_container_prefix(k->cfg, role, &name);
	strbuf_addf(&name, "-exec-%s", k->version);
	if (suffix)
		strbuf_addf(&name, "-%s", suffix);
	shcmd_add(out, name.buf);
	strbuf_release(&name);
}

/* Logging, the config's volumes (no asset volume) and the role's options. */
static void add_new_container_setup(struct shcmd *out, const struct kamal *k,
				    const struct config_role *role)
{
	struct strvec words = STRVEC_INIT;
	struct config_kvs options = CONFIG_KVS_INIT;
	struct strbuf image = STRBUF_INIT;

	config_role_logging_args(k->cfg, role, &words);
	config_volume_args(k->cfg, &words);
	kc_add_shell_words(out, &words);
	config_role_options(role, &options);
	kc_optionize(out, &options, NULL);
	config_image_ref(k->cfg, k->version, &image);
	shcmd_add(out, image.buf);
	strvec_clear(&words);
	config_kvs_clear(&options);
	strbuf_release(&image);
}

void kc_app_execute_in_new_container(struct shcmd *out, const struct kamal *k,
				     const struct config_role *role, const char *host,
				     const struct kc_exec *e)
{
	shcmd_addl(out, "docker", "run", NULL);
	kc_docker_interactive_args(out, k, e->interactive);
	shcmd_add(out, e->detach ? "--detach" : "--rm");
	shcmd_add(out, "--name");
	add_exec_container_name(out, k, role, e->suffix);
	shcmd_addl(out, "--network", "kamal", NULL);
	kc_app_env_args(out, k, role, host);
	add_exec_env(out, e->env);
	add_new_container_setup(out, k, role);
	shcmd_add_shell(out, e->cmd);
}

/* Interactive (and attached), through ssh -t to host. */
static void over_ssh(struct shcmd *out, const struct kamal *k, const struct config_role *role,
		     const char *host, const struct kc_exec *e, int new_container)
{
	struct shcmd inner = SHCMD_INIT;
	struct kc_exec interactive = *e;

	interactive.interactive = 1;
	interactive.detach = 0;
	if (new_container)
		kc_app_execute_in_new_container(&inner, k, role, host, &interactive);
	else
		kc_app_execute_in_existing_container(&inner, k, role, &interactive);
	kc_run_over_ssh(out, k, host, &inner);
	shcmd_clear(&inner);
}

void kc_app_execute_in_existing_container_over_ssh(struct shcmd *out, const struct kamal *k,
						   const struct config_role *role,
						   const char *host, const struct kc_exec *e)
{
	over_ssh(out, k, role, host, e, 0);
}

void kc_app_execute_in_new_container_over_ssh(struct shcmd *out, const struct kamal *k,
					      const struct config_role *role,
					      const char *host, const struct kc_exec *e)
{
	over_ssh(out, k, role, host, e, 1);
}
