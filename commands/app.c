/*
 * app.c - the app's container lifecycle (Kamal::Commands::App): run,
 * start, stop, status, and finding the running container and its version.
 */
#include "commands/app.h"
#include "commands/args.h"
#include "config/kamal-app.h"
#include "quote.h"

/* What Kamal counts as a live container when it looks for the running one. */
static const char *const active_statuses[] = { "running", "restarting", NULL };

static const char health_status_format[] =
	"'{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}'";

static void add_container_name(struct shcmd *out, const struct kamal *k,
			       const struct config_role *role, const char *version)
{
	struct strbuf name = STRBUF_INIT;

	config_role_container_name(k->cfg, role, version, &name);
	shcmd_add(out, name.buf);
	strbuf_release(&name);
}

/*
 * --env NAME="value": Kamal wraps these values in double quotes without
 * escaping them; Kamal's escape gives the same text for every value
 * without quotes, backslashes, "$" or "`", and stays one word for those.
 */
static void add_env_value(struct shcmd *out, const char *name, const char *value)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s=", name);
	quote_kamal_value(&sb, value);
	shcmd_add(out, "--env");
	shcmd_add_shell(out, sb.buf);
	strbuf_release(&sb);
}

void kc_app_env_args(struct shcmd *out, const struct kamal *k,
			      const struct config_role *role, const char *host)
{
	struct config_env env = CONFIG_ENV_INIT;
	struct strbuf path = STRBUF_INIT;

	config_role_env(k->cfg, role, host, &env);
	kc_argumentize(out, "--env", &env.clear);
	config_role_secrets_path(k->cfg, role, &path);
	shcmd_addl(out, "--env-file", path.buf, NULL);
	strbuf_release(&path);
	config_env_clear(&env);
}

static void add_image(struct shcmd *out, const struct kamal *k)
{
	struct strbuf image = STRBUF_INIT;

	config_image_ref(k->cfg, k->version, &image);
	shcmd_add(out, image.buf);
	strbuf_release(&image);
}

/* KAMAL_* env first, then the role's env, logging, volumes, labels, options. */
static void add_run_env(struct shcmd *out, const struct kamal *k,
			const struct config_role *role, const char *host)
{
	struct strbuf name = STRBUF_INIT;

	config_role_container_name(k->cfg, role, k->version, &name);
	add_env_value(out, "KAMAL_CONTAINER_NAME", name.buf);
	add_env_value(out, "KAMAL_VERSION", k->version);
	add_env_value(out, "KAMAL_HOST", host);
	if (k->cfg->destination)
		add_env_value(out, "KAMAL_DESTINATION", k->cfg->destination);
	kc_app_env_args(out, k, role, host);
	strbuf_release(&name);
}

static void add_run_mounts_and_options(struct shcmd *out, const struct kamal *k,
				       const struct config_role *role)
{
	struct strvec words = STRVEC_INIT;
	struct config_kvs kvs = CONFIG_KVS_INIT;

	config_role_logging_args(k->cfg, role, &words);
	config_volume_args(k->cfg, &words);
	config_role_asset_volume_args(k->cfg, role, k->version, &words);
	kc_add_shell_words(out, &words);
	config_role_labels(k->cfg, role, &kvs);
	kc_argumentize(out, "--label", &kvs);
	config_kvs_clear(&kvs);
	config_role_options(role, &kvs);
	kc_optionize(out, &kvs, NULL);
	config_kvs_clear(&kvs);
	strvec_clear(&words);
}

void kc_app_boot_hostname(struct strbuf *out, const char *host, const char *hex12)
{
	size_t len = strnlen(host, 51);

	/* a name ending in "." would end the hostname's label empty */
	if (len && host[len - 1] == '.')
		len--;
	strbuf_add(out, host, len);
	strbuf_addf(out, "-%s", hex12);
}

void kc_app_run(struct shcmd *out, const struct kamal *k, const struct config_role *role,
		const char *host, const char *hostname)
{
	const char *cmd = config_role_cmd(role);

	shcmd_addl(out, "docker", "run", "--detach", "--restart",
		   config_role_restart_policy(role), "--name", NULL);
	add_container_name(out, k, role, k->version);
	shcmd_addl(out, "--network", "kamal", NULL);
	if (hostname)
		shcmd_addl(out, "--hostname", hostname, NULL);
	add_run_env(out, k, role, host);
	add_run_mounts_and_options(out, k, role);
	add_image(out, k);
	/* cmd is shell text: Kamal sends "bundle exec sidekiq" to be split */
	if (cmd)
		shcmd_add_shell(out, cmd);
}

void kc_app_start(struct shcmd *out, const struct kamal *k, const struct config_role *role)
{
	shcmd_addl(out, "docker", "start", NULL);
	add_container_name(out, k, role, k->version);
}

/* pipe(id command, xargs(docker ...)): the pipe and "xargs docker" words. */
static void pipe_to_xargs_docker(struct shcmd *out, const struct shcmd *ids)
{
	shcmd_append(out, ids);
	shcmd_add_shell(out, "|");
	shcmd_addl(out, "xargs", "docker", NULL);
}

void kc_app_status(struct shcmd *out, const struct kamal *k, const struct config_role *role,
		   const char *version)
{
	struct shcmd ids = SHCMD_INIT;

	kc_app_container_id_for_version(&ids, k, role, version, 0);
	pipe_to_xargs_docker(out, &ids);
	shcmd_addl(out, "inspect", "--format", NULL);
	shcmd_add_shell(out, health_status_format);
	shcmd_clear(&ids);
}

void kc_app_stop(struct shcmd *out, const struct kamal *k, const struct config_role *role,
		 const char *version)
{
	struct shcmd ids = SHCMD_INIT;
	struct strbuf timeout = STRBUF_INIT;

	if (version)
		kc_app_container_id_for_version(&ids, k, role, version, 0);
	else
		kc_app_current_running_container_id(&ids, k, role);
	pipe_to_xargs_docker(out, &ids);
	shcmd_add(out, "stop");
	if (config_role_stop_timeout(k->cfg, role, &timeout))
		shcmd_addl(out, "-t", timeout.buf, NULL);
	strbuf_release(&timeout);
	shcmd_clear(&ids);
}

void kc_app_container_filter_args(struct shcmd *out, const struct kamal *k,
				  const struct config_role *role,
				  const char *const *statuses)
{
	const char *dest = k->cfg->destination;

	shcmd_add(out, "--filter");
	shcmd_addf(out, "label=service=%s", k->cfg->service);
	shcmd_add(out, "--filter");
	shcmd_addf(out, "label=destination=%s", dest ? dest : "");
	if (role) {
		shcmd_add(out, "--filter");
		shcmd_addf(out, "label=role=%s", role->name);
	}
	for (size_t i = 0; statuses && statuses[i]; i++) {
		shcmd_add(out, "--filter");
		shcmd_addf(out, "status=%s", statuses[i]);
	}
}

void kc_app_info(struct shcmd *out, const struct kamal *k, const struct config_role *role)
{
	shcmd_addl(out, "docker", "ps", NULL);
	kc_app_container_filter_args(out, k, role, NULL);
}

/* Kamal's "--quiet" or "--format '{{.Names}}'" for docker ps. */
enum ps_format { PS_QUIET, PS_NAMES };

static void add_ps_format(struct shcmd *out, enum ps_format format)
{
	if (format == PS_QUIET)
		shcmd_add(out, "--quiet");
	else
		shcmd_add_shelll(out, "--format", "'{{.Names}}'", NULL);
}

/*
 * docker ps --latest of the role's live containers; of_latest_image keeps
 * only those of the image tagged latest (the one the last deploy booted).
 */
static void latest_container(struct shcmd *out, const struct kamal *k,
			     const struct config_role *role, enum ps_format format,
			     int of_latest_image)
{
	shcmd_addl(out, "docker", "ps", "--latest", NULL);
	add_ps_format(out, format);
	kc_app_container_filter_args(out, k, role, active_statuses);
	if (of_latest_image) {
		struct shcmd image_id = SHCMD_INIT;
		struct strbuf sb = STRBUF_INIT, ref = STRBUF_INIT, tag = STRBUF_INIT;
		config_latest_tag(k->cfg, &tag);
		config_image_ref(k->cfg, tag.buf, &ref);
		shcmd_addl(&image_id, "docker", "image", "ls", "--filter", NULL);
		shcmd_addf(&image_id, "reference=%s", ref.buf);
		shcmd_add(&image_id, "--format");
		shcmd_add_shell(&image_id, "'{{.ID}}'");
		strbuf_addstr(&sb, "ancestor=$(");
		shcmd_to_shell(&image_id, &sb, 0);
		strbuf_addch(&sb, ')');
		shcmd_add(out, "--filter");
		shcmd_add_shell(out, sb.buf);
		shcmd_clear(&image_id);
		strbuf_release(&sb);
		strbuf_release(&ref);
		strbuf_release(&tag);
	}
}

/*
 * The running container: the newest live one of the latest image, else
 * the newest live one at all (sh -c '... ; ...' | head -1).
 */
static void current_running_container(struct shcmd *out, const struct kamal *k,
				      const struct config_role *role, enum ps_format format)
{
	struct shcmd of_image = SHCMD_INIT, any = SHCMD_INIT, both = SHCMD_INIT;

	latest_container(&of_image, k, role, format, 1);
	latest_container(&any, k, role, format, 0);
	shcmd_combine(&both, ";", &of_image, &any, NULL);
	shcmd_add_sh_c(out, &both);
	shcmd_add_shell(out, "|");
	shcmd_addl(out, "head", "-1", NULL);
	shcmd_clear(&of_image);
	shcmd_clear(&any);
	shcmd_clear(&both);
}

void kc_app_current_running_container_id(struct shcmd *out, const struct kamal *k,
					 const struct config_role *role)
{
	current_running_container(out, k, role, PS_QUIET);
}

void kc_app_container_id_for_version(struct shcmd *out, const struct kamal *k,
				     const struct config_role *role, const char *version,
				     int only_running)
{
	struct strbuf name = STRBUF_INIT;

	config_role_container_name(k->cfg, role, version, &name);
	kc_container_id_for(out, name.buf, only_running);
	strbuf_release(&name);
}

/* | while read line; do echo ${line#SERVICE-ROLE[-DEST]-}; done */
static void pipe_extract_version(struct shcmd *out, const struct kamal *k,
				 const struct config_role *role)
{
	struct strbuf prefix = STRBUF_INIT;

	config_role_container_prefix(k->cfg, role, &prefix);
	shcmd_add_shell(out, "|");
	shcmd_add_shellf(out, "while read line; do echo ${line#%s-}; done", prefix.buf);
	strbuf_release(&prefix);
}

void kc_app_current_running_version(struct shcmd *out, const struct kamal *k,
				    const struct config_role *role)
{
	current_running_container(out, k, role, PS_NAMES);
	pipe_extract_version(out, k, role);
}

void kc_app_list_versions(struct shcmd *out, const struct kamal *k,
			  const struct config_role *role, const char *const *docker_args,
			  const char *const *statuses)
{
	shcmd_addl(out, "docker", "ps", NULL);
	kc_app_container_filter_args(out, k, role, statuses);
	for (size_t i = 0; docker_args && docker_args[i]; i++)
		shcmd_add(out, docker_args[i]);
	shcmd_add(out, "--format");
	shcmd_add_shell(out, "\"{{.Names}}\"");
	pipe_extract_version(out, k, role);
}

void kc_app_ensure_env_directory(struct shcmd *out, const struct kamal *k)
{
	struct strbuf dir = STRBUF_INIT;

	config_role_env_directory(k->cfg, &dir);
	kc_make_directory(out, dir.buf);
	strbuf_release(&dir);
}
