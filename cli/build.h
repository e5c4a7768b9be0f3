/*
 * build.h - the image's way from here to the hosts (cli/build.c), shared
 * by `build` and, later, `deploy`.
 */
#ifndef BERTH_CLI_BUILD_H
#define BERTH_CLI_BUILD_H

#include "cli.h"

/* docker here? buildx, or the classic builder? 0, or -1 reported. */
int cli_ensure_local_docker(struct cli_context *ctx);
/* Build and push (Kamal's build push); output NULL: "registry". */
int cli_build_push(struct cli_context *ctx, const char *output, int no_cache);
/*
 * Kamal's build dev: the working tree as it is, tagged VERSION-dirty and
 * latest-dirty, into output (NULL: "docker", the local image store);
 * names the uncommitted and untracked files that go in.
 */
int cli_build_dev(struct cli_context *ctx, const char *output, int no_cache);
/* Pull onto the app hosts, checking the image's service label. */
int cli_build_pull(struct cli_context *ctx);
/* The builder's setup: 'c' create, 'r' remove, 'd' details. */
int cli_builder_show(struct cli_context *ctx, int which);
/* Tunnels for Kamal's local registry (localhost:PORT) to each host. */
int cli_forward_local_registry(struct cli_context *ctx, const struct strvec *hosts);

/* cmd-registry.c: docker login here, and on hosts (password on stdin). */
int cli_registry_login_local(struct cli_context *ctx);
int cli_registry_login_hosts(struct cli_context *ctx, const struct strvec *hosts);

#endif
