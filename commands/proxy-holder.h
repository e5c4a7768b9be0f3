/*
 * proxy-holder.h - berth's way to replace a proxy without closing its
 * ports (pure builders; cli/proxy-holder.c runs them).
 *
 * Kamal's proxy container owns the host's published ports, so replacing it
 * (proxy reboot, an upgrade) closes them for as long as the new one takes
 * to start: Kamal tells its users to time reboots with a lull in traffic.
 * berth splits the container in two:
 *
 *  - the holder, "berth-proxy-net": publishes the ports and runs
 *    `berth-proxy hold` with the proxy's run flags, which binds them and
 *    hands the listening sockets to every proxy that asks, over a unix
 *    socket in the proxy's state volume (proxy/handoff.c);
 *  - the proxy, "kamal-proxy" as Kamal names it, on the kamal network in a
 *    namespace of its own, run with --holder: it accepts on those sockets.
 *
 * A reboot starts the new proxy beside the old one, waits until it answers
 * on its control socket (its routes loaded from the shared state volume,
 * the holder's sockets in hand), swaps the names, and only then stops the
 * old one, which drains. Old and new accept from the same sockets, so no
 * connection waiting in the queue is lost. Neither container needs the
 * other to start: after a host reboot Docker (before 28) starts containers
 * in any order, and a proxy that comes first waits for its holder. Deploys
 * keep using `docker exec kamal-proxy kamal-proxy ...`, as Kamal does.
 *
 * The split takes the proxy's settings from proxy/run or from the host's
 * boot config files, as Kamal's run does: the ports (--publish, --expose)
 * go to the holder, everything else (--log-opt, other options) to the
 * proxy.
 */
#ifndef BERTH_COMMANDS_PROXY_HOLDER_H
#define BERTH_COMMANDS_PROXY_HOLDER_H

#include "commands/proxy.h"

#define BERTH_PROXY_HOLDER "berth-proxy-net"
#define BERTH_PROXY_NEXT KAMAL_PROXY_CONTAINER "_next"
#define BERTH_PROXY_OLD KAMAL_PROXY_CONTAINER "_old"

struct kc_proxy_split {
	struct shcmd holder;    /* docker run words of the holder: ports */
	struct shcmd proxy;     /* docker run words of the proxy: logging, options */
	struct shcmd command;   /* after the image: kamal-proxy run ... --holder */
	char *image;            /* [registry/]repository:version */
};

void kc_proxy_split_init(struct kc_proxy_split *s);
void kc_proxy_split_release(struct kc_proxy_split *s);
/* From proxy/run in the config. */
void kc_proxy_split_from_run(struct kc_proxy_split *s, const struct ynode *run,
			     const struct kc_proxy_image *img);
/*
 * From the host's boot config files' contents, each NULL when the file is
 * absent (Kamal's defaults then): options, image, image_version, run_command.
 * -1 when a file cannot be read as shell words.
 */
int kc_proxy_split_from_files(struct kc_proxy_split *s, const char *options, const char *image,
			      const char *version, const char *run_command,
			      const struct kc_proxy_image *img);

/* cat of the four boot files, each after a marker line (see kc_proxy_boot_files_parse). */
void kc_proxy_read_boot_files(struct shcmd *out);
/* Splits that output into the four contents (NULL for an absent file); caller frees. */
void kc_proxy_boot_files_parse(const char *output, char *files[4]);

/* docker container start berth-proxy-net || docker run --name berth-proxy-net ... hold */
void kc_proxy_holder_start_or_run(struct shcmd *out, const struct kc_proxy_split *s);
/* docker run --name NAME --network kamal ... IMAGE kamal-proxy run ... --holder */
void kc_proxy_run_in_holder(struct shcmd *out, const struct kc_proxy_split *s, const char *name);
/* docker container start kamal-proxy || (the run above, as kamal-proxy) */
void kc_proxy_start_or_run_in_holder(struct shcmd *out, const struct kc_proxy_split *s);
/* docker inspect NAME --format '{{.HostConfig.NetworkMode}}' */
void kc_proxy_network_mode(struct shcmd *out, const char *name);
/* docker exec NAME kamal-proxy list: answers once routes are loaded and it listens */
void kc_proxy_answers(struct shcmd *out, const char *name);
/* the new proxy takes the name: rename kamal-proxy to _old and _next to kamal-proxy */
void kc_proxy_swap_names(struct shcmd *out);
/* stop (draining up to drain_seconds) and remove a proxy container */
void kc_proxy_retire(struct shcmd *out, const char *name, int drain_seconds);
/* docker rm --force NAME, ignoring a missing one */
void kc_proxy_discard(struct shcmd *out, const char *name);
/* docker logs --tail N NAME 2>&1 */
void kc_proxy_container_logs(struct shcmd *out, const char *name, int lines);
/* stop and remove the holder (proxy remove) */
void kc_proxy_holder_remove(struct shcmd *out);
/* proxy stop and start: the holder too, so that a stopped proxy's ports
 * are closed (refused, as with Kamal) rather than queueing connections */
void kc_proxy_holder_stop(struct shcmd *out);
void kc_proxy_holder_start(struct shcmd *out);

#endif
