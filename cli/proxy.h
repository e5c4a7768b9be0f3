/*
 * proxy.h - the proxy on the hosts (cli/proxy.c, cli/cmd-proxy.c),
 * shared with deploy.
 */
#ifndef BERTH_CLI_PROXY_H
#define BERTH_CLI_PROXY_H

#include "cli.h"
#include "commands/proxy.h"
#include "remote/remote.h"

/* berth-proxy's image on the hosts, tagged with the kamal-proxy release it speaks. */
#define BERTH_PROXY_REPOSITORY "berth-proxy"
#define BERTH_PROXY_IMAGE BERTH_PROXY_REPOSITORY ":" KAMAL_PROXY_MINIMUM_VERSION
/* The default proxy image on a host: berth-proxy. */
extern const struct kc_proxy_image cli_proxy_image;

/* Whether host runs berth's default proxy image (no proxy/run image named). */
int cli_proxy_is_berth(struct cli_context *ctx, const char *host);
/* Loads berth-proxy onto the host unless it holds this very build. */
int cli_proxy_ensure_image(struct cli_context *ctx, struct host_session *h);
/* docker login on the host for the proxy's image (nothing for a local registry). */
int cli_proxy_registry_login(struct cli_context *ctx, struct host_session *h);
/* docker login on h to the registry of that "registry:" map (an accessory's). */
int cli_registry_login_on(struct cli_context *ctx, struct host_session *h,
			  const struct ynode *registry);
/* start the existing container, or run a new one. */
void cli_proxy_start_or_run(struct cli_context *ctx, struct host_session *h, struct shcmd *out);
/* proxy-holder.c: boot and reboot on a host, in berth's port holder where it can. */
int cli_proxy_boot_host(struct cli_context *ctx, struct host_session *h);
int cli_proxy_reboot_host(struct cli_context *ctx, struct host_session *h);
/* Whether a container's image ID is the berth-proxy build berth carries (1 if unknown). */
int cli_proxy_current_build(const char *image_id);
/* reboot, Kamal's way: the container replaced by a fresh one. */
int cli_proxy_replace(struct cli_context *ctx, struct host_session *h);
const char *cli_proxy_reboot_question(struct cli_context *ctx);

/* berth's own proxy settings (x-berth/proxy) are valid; -1 reported. */
int cli_proxy_check_settings(struct cli_context *ctx);
int cli_proxy_boot(struct cli_context *ctx);
int cli_proxy_remove(struct cli_context *ctx, int force);
int cli_proxy_details(struct cli_context *ctx);
/* logs -f on every selected proxy host at once, lines marked by host. */
int cli_proxy_follow(struct cli_context *ctx, const struct kc_logs_options *o);
int cli_proxy_boot_config(int argc, const char **argv, struct cli_context *ctx);
extern const struct cli_option proxy_boot_config_options[];

/* Kamal's confirming(): -y, or a "y" typed at a terminal. */
int cli_confirm(struct cli_context *ctx, const char *question);

#endif
