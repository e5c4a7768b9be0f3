/*
 * accessory.h - Kamal::Commands::Accessory (and its Proxy): the commands
 * for an accessory's container (a database, a cache...) on its hosts,
 * its files and folders there, and its route in kamal-proxy.
 *
 * Builders append one command to out (see kamal.h). Kamal runs them
 * through SSHKit: kc_sshkit_line() (args.h) renders the line it runs.
 */
#ifndef BERTH_COMMANDS_ACCESSORY_H
#define BERTH_COMMANDS_ACCESSORY_H

#include "commands/app.h"
#include "commands/kamal.h"

/* docker run --name SERVICE --detach ...; host adds KAMAL_HOST (may be NULL). */
void kc_accessory_run(struct shcmd *out, const struct kamal *k,
		      const struct config_accessory *acc, const char *host);
void kc_accessory_start(struct shcmd *out, const struct kamal *k,
			const struct config_accessory *acc);
void kc_accessory_stop(struct shcmd *out, const struct kamal *k,
		       const struct config_accessory *acc);
/* docker ps [-a] [-q] --filter label=service=SERVICE */
void kc_accessory_info(struct shcmd *out, const struct kamal *k,
		       const struct config_accessory *acc, int all, int quiet);
/* o->container_* are not used: an accessory's container is its service name. */
void kc_accessory_logs(struct shcmd *out, const struct kamal *k,
		       const struct config_accessory *acc, const struct kc_logs *o);
/* The last 10 lines and on, on the accessory's first host, through ssh. */
void kc_accessory_follow_logs(struct shcmd *out, const struct kamal *k,
			      const struct config_accessory *acc, const struct kc_logs *o);
/* docker logs ... --follow, to run on each host (berth follows them all). */
void kc_accessory_stream_logs(struct shcmd *out, const struct kamal *k,
			      const struct config_accessory *acc, const struct kc_logs *o);
/* e->env, e->detach and e->suffix are not used by accessories. */
void kc_accessory_execute_in_existing_container(struct shcmd *out, const struct kamal *k,
						const struct config_accessory *acc,
						const struct kc_exec *e);
void kc_accessory_execute_in_new_container(struct shcmd *out, const struct kamal *k,
					   const struct config_accessory *acc,
					   const struct kc_exec *e);
void kc_accessory_execute_in_existing_container_over_ssh(struct shcmd *out,
							 const struct kamal *k,
							 const struct config_accessory *acc,
							 const struct kc_exec *e);
void kc_accessory_execute_in_new_container_over_ssh(struct shcmd *out, const struct kamal *k,
						    const struct config_accessory *acc,
						    const struct kc_exec *e);
void kc_accessory_pull_image(struct shcmd *out, const struct kamal *k,
			     const struct config_accessory *acc);
/* rm -rf SERVICE: the folder of its files and relative directories */
void kc_accessory_remove_service_directory(struct shcmd *out, const struct kamal *k,
					   const struct config_accessory *acc);
void kc_accessory_remove_container(struct shcmd *out, const struct kamal *k,
				   const struct config_accessory *acc);
void kc_accessory_remove_image(struct shcmd *out, const struct kamal *k,
			       const struct config_accessory *acc);
void kc_accessory_ensure_env_directory(struct shcmd *out, const struct kamal *k);
/* The running container's id, the proxy's deploy target. */
void kc_accessory_container_id(struct shcmd *out, const struct kamal *k,
			       const struct config_accessory *acc, int only_running);

/*
 * What accessory boot/upload/directories run for its mounts; a path is
 * shell text there, a relative directory being "$PWD/SERVICE/dir" for the
 * remote shell to expand.
 */
void kc_accessory_make_directory(struct shcmd *out, const char *path);
void kc_accessory_chmod(struct shcmd *out, const char *mode, const char *path);
void kc_accessory_chown(struct shcmd *out, const char *owner, const char *path);

/* kamal-proxy deploy SERVICE --target="ID:PORT" ...; and remove. */
void kc_accessory_deploy(struct shcmd *out, const struct kamal *k,
			 const struct config_accessory *acc, const char *target);
void kc_accessory_remove(struct shcmd *out, const struct kamal *k,
			 const struct config_accessory *acc);

#endif
