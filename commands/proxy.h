/*
 * proxy.h - Kamal::Commands::Proxy: the kamal-proxy container on each
 * host (berth-proxy answers to the same name and command line).
 *
 * How the container runs comes from one of two places. With a
 * "proxy/run" map in the config (kamal_proxy_run() for the host), the
 * docker run line is built from it. Without one, Kamal 2.12 reads the
 * boot config files under .kamal/proxy on the host (written by the
 * deprecated "proxy boot_config set") and falls back to defaults:
 *   echo $(cat .kamal/proxy/options || echo "--publish 80:80 ...") ... |
 *     xargs docker run --name kamal-proxy ...
 * kc_proxy_boot_config_files() computes what "boot_config set" uploads.
 */
#ifndef BERTH_COMMANDS_PROXY_H
#define BERTH_COMMANDS_PROXY_H

#include "commands/kamal.h"
#include "config/kamal-host.h"

#define KAMAL_PROXY_CONTAINER "kamal-proxy"
#define KAMAL_PROXY_IMAGE_DEFAULT "basecamp/kamal-proxy"
#define KAMAL_PROXY_DIRECTORY KAMAL_RUN_DIRECTORY "/proxy"
#define KAMAL_PROXY_OPTIONS_FILE KAMAL_PROXY_DIRECTORY "/options"
#define KAMAL_PROXY_IMAGE_FILE KAMAL_PROXY_DIRECTORY "/image"
#define KAMAL_PROXY_IMAGE_VERSION_FILE KAMAL_PROXY_DIRECTORY "/image_version"
#define KAMAL_PROXY_RUN_COMMAND_FILE KAMAL_PROXY_DIRECTORY "/run_command"
#define KAMAL_PROXY_APPS_DIRECTORY KAMAL_PROXY_DIRECTORY "/apps-config"
#define KAMAL_PROXY_APPS_CONTAINER_DIRECTORY "/home/kamal-proxy/.apps-config"

/*
 * The image a host runs when neither proxy/run nor the host's boot config
 * files name one: Kamal's basecamp/kamal-proxy, or berth's berth-proxy
 * (cli/proxy.h). NULL means Kamal's.
 */
struct kc_proxy_image {
	const char *repository;
	const char *version;
};
extern const struct kc_proxy_image kc_proxy_kamal_image;

/* img, or Kamal's image when NULL. */
const struct kc_proxy_image *kc_proxy_image_or_kamal(const struct kc_proxy_image *img);
/* proxy/run's pieces, for commands/proxy-holder.c: a key's value (fallback if
 * absent, NULL if null), the --publish words, "kamal-proxy run" and its options. */
const char *kc_proxy_run_str(const struct ynode *run, const char *key, const char *fallback);
void kc_proxy_run_publish(struct shcmd *out, const struct ynode *run);
void kc_proxy_run_command(struct shcmd *out, const struct ynode *run);

/* run: kamal_proxy_run(cfg, host), or NULL for the boot config files. */
void kc_proxy_run(struct shcmd *out, const struct ynode *run, const struct kc_proxy_image *img);
/* docker container start kamal-proxy */
void kc_proxy_start(struct shcmd *out);
/* docker container stop NAME (NULL: kamal-proxy) */
void kc_proxy_stop(struct shcmd *out, const char *name);
/* start || run */
void kc_proxy_start_or_run(struct shcmd *out, const struct ynode *run,
			   const struct kc_proxy_image *img);
/* docker ps --filter 'name=^kamal-proxy$' */
void kc_proxy_info(struct shcmd *out);
/* The running image's tag: docker inspect ... | awk -F: '{print $NF}' */
void kc_proxy_version(struct shcmd *out);

struct kc_logs_options {
	int timestamps;            /* --timestamps (Kamal's default: on) */
	const char *since;         /* NULL: none */
	const char *lines;         /* --tail N; NULL: none */
	const char *grep;          /* NULL: no grep */
	const char *grep_options;  /* extra grep words, split like a shell */
};

/* docker logs kamal-proxy [--since S] [--tail N] [--timestamps] 2>&1 [| grep ...] */
void kc_proxy_logs(struct shcmd *out, const struct kc_logs_options *o);
/* ssh -t ... 'docker logs kamal-proxy [--timestamps] --tail 10 --follow 2>&1 [| grep ...]' */
void kc_proxy_follow_logs(struct shcmd *out, const struct kamal *k, const char *host,
			  const struct kc_logs_options *o);

/* docker container prune / image prune --all of the kamal-proxy label */
void kc_proxy_remove_container(struct shcmd *out);
void kc_proxy_remove_image(struct shcmd *out);
/* Kamal 1's Traefik: stop it; then prune its containers && its images. */
void kc_proxy_cleanup_traefik(struct shcmd *out);

/* mkdir -p .kamal/proxy, rm -r .kamal/proxy, mkdir -p .kamal/proxy/apps-config */
void kc_proxy_ensure_proxy_directory(struct shcmd *out);
void kc_proxy_remove_proxy_directory(struct shcmd *out);
void kc_proxy_ensure_apps_config_directory(struct shcmd *out);

/* echo $(options) $(image):$(image_version) $(run_command), from the files. */
void kc_proxy_boot_config(struct shcmd *out, const struct kc_proxy_image *img);
/* cat FILE 2> /dev/null || echo "DEFAULT", one per boot config file */
void kc_proxy_read_boot_options(struct shcmd *out);
void kc_proxy_read_image(struct shcmd *out, const struct kc_proxy_image *img);
void kc_proxy_read_image_version(struct shcmd *out, const struct kc_proxy_image *img);
void kc_proxy_read_run_command(struct shcmd *out);
/* rm FILE, one per boot config file */
void kc_proxy_reset_boot_options(struct shcmd *out);
void kc_proxy_reset_image(struct shcmd *out);
void kc_proxy_reset_image_version(struct shcmd *out);
void kc_proxy_reset_run_command(struct shcmd *out);

/* "proxy boot_config set"'s options (Kamal's defaults in comments). */
struct kc_proxy_boot_settings {
	int publish;                    /* 1 */
	const struct strvec *host_ips;  /* --publish-host-ip, NULL: all */
	const char *http_port;          /* "80" */
	const char *https_port;         /* "443" */
	const char *log_max_size;       /* "10m" */
	const char *registry;           /* NULL */
	const char *repository;         /* NULL: "basecamp" */
	const char *image_version;      /* NULL */
	const char *metrics_port;       /* NULL */
	int debug;                      /* 0 */
	const struct strvec *docker_options; /* "option=value", each gets "--" */
};

/*
 * What "boot_config set" writes: each string is the file's content, or
 * NULL when it equals the default (the CLI then removes the file).
 * Owned by the struct; kc_proxy_boot_files_release() frees them.
 */
struct kc_proxy_boot_files {
	char *options, *image, *image_version, *run_command;
};

/* -1 with err for a --publish-host-ip that is not an IPv4/IPv6 address. */
int kc_proxy_boot_config_files(const struct kc_proxy_boot_settings *s,
			       struct kc_proxy_boot_files *f, struct strbuf *err);
void kc_proxy_boot_files_release(struct kc_proxy_boot_files *f);
/* The options Kamal boots with when .kamal/proxy/options is absent. */
void kc_proxy_default_boot_options(struct strbuf *out);

#endif
