/*
 * app.h - Kamal::Commands::App: the commands Kamal sends to run, inspect,
 * execute in, log, route and clean up the app's containers, one role on
 * one host at a time.
 *
 * Every builder appends the words of one command to out (see kamal.h).
 * k->version is the version the command is about (Kamal's config.version,
 * which app boot, exec and rollback switch for the run); functions taking
 * their own version use it instead. role is never NULL unless said; host
 * is the host the command runs on, used for the env of its tags.
 *
 * Kamal runs these lines through SSHKit, which prefixes "/usr/bin/env " to
 * those not starting with docker: kc_sshkit_line() (args.h) renders them.
 */
#ifndef BERTH_COMMANDS_APP_H
#define BERTH_COMMANDS_APP_H

#include "commands/kamal.h"

/* ---- containers: app.c ---------------------------------------------- */

/*
 * The --hostname app boot gives a container: the host's first 51
 * characters without a trailing ".", "-", and 12 random hex (the caller's).
 */
void kc_app_boot_hostname(struct strbuf *out, const char *host, const char *hex12);
/* docker run --detach ... IMAGE [cmd]; hostname as above, or NULL. */
void kc_app_run(struct shcmd *out, const struct kamal *k, const struct config_role *role,
		const char *host, const char *hostname);
void kc_app_start(struct shcmd *out, const struct kamal *k, const struct config_role *role);
/* The container's health (or state), for the boot poller. */
void kc_app_status(struct shcmd *out, const struct kamal *k, const struct config_role *role,
		   const char *version);
/* Stops version's container, or with NULL the one running now. */
void kc_app_stop(struct shcmd *out, const struct kamal *k, const struct config_role *role,
		 const char *version);
void kc_app_info(struct shcmd *out, const struct kamal *k, const struct config_role *role);
void kc_app_current_running_container_id(struct shcmd *out, const struct kamal *k,
					 const struct config_role *role);
void kc_app_container_id_for_version(struct shcmd *out, const struct kamal *k,
				     const struct config_role *role, const char *version,
				     int only_running);
/* The running container's version (its name after SERVICE-ROLE[-DEST]-). */
void kc_app_current_running_version(struct shcmd *out, const struct kamal *k,
				    const struct config_role *role);
/*
 * Versions of the role's containers; docker_args (NULL-terminated, may be
 * NULL) go after the filters, statuses (likewise) filter on state.
 */
void kc_app_list_versions(struct shcmd *out, const struct kamal *k,
			  const struct config_role *role, const char *const *docker_args,
			  const char *const *statuses);
void kc_app_ensure_env_directory(struct shcmd *out, const struct kamal *k);
/* The role's env for host: clear values as --env, secrets by --env-file. */
void kc_app_env_args(struct shcmd *out, const struct kamal *k,
		     const struct config_role *role, const char *host);
/* --filter label=service=S --filter label=destination=D [role] [status=...] */
void kc_app_container_filter_args(struct shcmd *out, const struct kamal *k,
				  const struct config_role *role,
				  const char *const *statuses);

/* ---- containers and images: app-containers.c ------------------------- */

/* role may be NULL: every role's containers. */
void kc_app_list_containers(struct shcmd *out, const struct kamal *k,
			    const struct config_role *role);
void kc_app_list_container_names(struct shcmd *out, const struct kamal *k,
				 const struct config_role *role);
void kc_app_remove_container(struct shcmd *out, const struct kamal *k,
			     const struct config_role *role, const char *version);
void kc_app_rename_container(struct shcmd *out, const struct kamal *k,
			     const struct config_role *role, const char *version,
			     const char *new_version);
void kc_app_remove_containers(struct shcmd *out, const struct kamal *k,
			      const struct config_role *role);
void kc_app_container_health_log(struct shcmd *out, const struct kamal *k,
				 const struct config_role *role, const char *version);
void kc_app_list_images(struct shcmd *out, const struct kamal *k);
void kc_app_remove_images(struct shcmd *out, const struct kamal *k);
void kc_app_tag_latest_image(struct shcmd *out, const struct kamal *k);

/* ---- execution: app-execution.c -------------------------------------- */

/*
 * What app exec runs: cmd is the command as the user typed it (Kamal
 * joins the words and sends them to the shell as they are); env holds
 * "NAME=value" pairs from --env (may be NULL).
 */
struct kc_exec {
	const char *cmd;
	const struct strvec *env;
	int interactive;     /* docker -it (tty) or -i */
	int detach;          /* new container only: --detach, no --rm */
	const char *suffix;  /* new container: the name's random 6 hex */
};

/* -it when stdin is a terminal (k->tty), else -i; nothing if not interactive. */
void kc_docker_interactive_args(struct shcmd *out, const struct kamal *k, int interactive);
void kc_app_execute_in_existing_container(struct shcmd *out, const struct kamal *k,
					  const struct config_role *role,
					  const struct kc_exec *e);
void kc_app_execute_in_new_container(struct shcmd *out, const struct kamal *k,
				     const struct config_role *role, const char *host,
				     const struct kc_exec *e);
/* The two above, interactive, through ssh -t to host (run locally). */
void kc_app_execute_in_existing_container_over_ssh(struct shcmd *out, const struct kamal *k,
						   const struct config_role *role,
						   const char *host, const struct kc_exec *e);
void kc_app_execute_in_new_container_over_ssh(struct shcmd *out, const struct kamal *k,
					      const struct config_role *role,
					      const char *host, const struct kc_exec *e);

/* ---- logs: app-logging.c --------------------------------------------- */

/*
 * app logs' options. The container is container_cmd's output, else
 * container_id, else the running one. Strings are NULL when unset.
 */
struct kc_logs {
	const struct shcmd *container_cmd;
	const char *container_id;
	int skip_timestamps;
	const char *since;
	const char *lines;
	const char *grep;
	const char *grep_options;
};

void kc_app_logs(struct shcmd *out, const struct kamal *k, const struct config_role *role,
		 const struct kc_logs *o);
/* logs --follow on host, through ssh (since is not used, as in Kamal). */
void kc_app_follow_logs(struct shcmd *out, const struct kamal *k,
			const struct config_role *role, const char *host,
			const struct kc_logs *o);

/*
 * logs --follow as berth runs it on each host itself (many hosts at once,
 * no terminal): as kc_app_follow_logs without the ssh around it, and grep
 * --line-buffered, so that no line waits in grep's buffer.
 */
void kc_app_stream_logs(struct shcmd *out, const struct kamal *k,
			const struct config_role *role, const struct kc_logs *o);

/*
 * "| grep PATTERN [OPTIONS]": the pattern single-quoted, or double-quoted
 * when dquote (follow_logs), as Kamal writes it (shared with accessories).
 */
void kc_add_grep(struct shcmd *out, const char *pattern, const char *options, int dquote);

/* ---- proxy: app-proxy.c ---------------------------------------------- */

/* docker exec kamal-proxy kamal-proxy deploy SERVICE-ROLE[-DEST] --target=... */
void kc_app_deploy(struct shcmd *out, const struct kamal *k, const struct config_role *role,
		   const char *target);
void kc_app_remove(struct shcmd *out, const struct kamal *k, const struct config_role *role);
void kc_app_live(struct shcmd *out, const struct kamal *k, const struct config_role *role);
/* drain_timeout (seconds) and message may be NULL. */
void kc_app_maintenance(struct shcmd *out, const struct kamal *k,
			const struct config_role *role, const char *drain_timeout,
			const char *message);
void kc_app_remove_proxy_app_directory(struct shcmd *out, const struct kamal *k);
void kc_app_create_ssl_directory(struct shcmd *out, const struct kamal *k,
				 const struct config_role *role);
/* docker exec kamal-proxy kamal-proxy VERB NAME (shared with accessories) */
void kc_proxy_exec(struct shcmd *out, const char *verb, const char *name);
/* --target="TARGET:PORT" and the proxy's deploy options (role NULL: accessory) */
void kc_proxy_deploy_args(struct shcmd *out, const struct kamal *k, const struct ynode *proxy,
			  const char *role, const char *target);

/* ---- assets and error pages: app-assets.c ---------------------------- */

void kc_app_extract_assets(struct shcmd *out, const struct kamal *k,
			   const struct config_role *role);
/* old_version: the version running before (NULL or "" when none). */
void kc_app_sync_asset_volumes(struct shcmd *out, const struct kamal *k,
			       const struct config_role *role, const char *old_version);
void kc_app_clean_up_assets(struct shcmd *out, const struct kamal *k,
			    const struct config_role *role);
void kc_app_create_error_pages_directory(struct shcmd *out, const struct kamal *k);
void kc_app_clean_up_error_pages(struct shcmd *out, const struct kamal *k);

#endif
