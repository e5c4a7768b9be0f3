/*
 * kamal-host.h - the derived values Kamal's host-level builders read
 * (registry, proxy, builder, ssh, paths), computed from the loaded config
 * the way Kamal::Configuration computes them.
 *
 * Everything returned points into the struct config (its YAML tree or
 * its secrets) and lives until config_free(), except where a caller
 * buffer or a *_release() is named. Only kamal_registry_credentials()
 * reads secrets; nothing here runs git or looks at the clock.
 */
#ifndef BERTH_CONFIG_KAMAL_HOST_H
#define BERTH_CONFIG_KAMAL_HOST_H

#include "config/model.h"
#include "strbuf.h"
#include "strvec.h"

/* The proxy image Kamal 2.12 runs when nothing else is configured. */
#define KAMAL_PROXY_MINIMUM_VERSION "v0.9.2"

/* Kamal::Configuration::Registry over a "registry:" map (main or accessory). */
struct kamal_registry {
	const struct ynode *node;
	const char *server;   /* NULL: Docker Hub */
	int local;            /* server matches ^localhost[:$] */
	int local_port;       /* a local registry's port */
};

/* node: config_get(cfg, "registry"), or an accessory's "registry". */
void kamal_registry(const struct config *cfg, const struct ynode *node,
		    struct kamal_registry *out);
/*
 * The username and password, each the value written or, for a list, the
 * secret it names (loading .kamal/secrets* on first use). -1 with err
 * when a named secret is missing.
 */
int kamal_registry_credentials(struct config *cfg, const struct kamal_registry *reg,
			       const char **username, const char **password,
			       struct strbuf *err);

/* Hosts of the roles (app_hosts), and of what runs kamal-proxy (proxy_hosts). */
void kamal_app_hosts(const struct config *cfg, struct strvec *out);
void kamal_proxy_hosts(const struct config *cfg, struct strvec *out);
/*
 * config.proxy_run(host): the "proxy/run" map of the first role or
 * accessory on host that runs the proxy and has one, else NULL (then the
 * proxy boots from the files under .kamal/proxy).
 */
const struct ynode *kamal_proxy_run(const struct config *cfg, const char *host);

/* retain_containers, default 5. */
long kamal_retain_containers(const struct config *cfg);
/* hooks_path, default ".kamal/hooks". */
const char *kamal_hooks_path(const struct config *cfg);
/* "service[-destination]", "latest[-destination]", "repository:latest_tag". */
void kamal_service_and_destination(const struct config *cfg, struct strbuf *out);
void kamal_latest_tag(const struct config *cfg, struct strbuf *out);
void kamal_latest_image(const struct config *cfg, struct strbuf *out);
/* ".kamal/apps" and ".kamal/apps/<service_and_destination>". */
#define KAMAL_APPS_DIRECTORY ".kamal/apps"
void kamal_app_directory(const struct config *cfg, struct strbuf *out);

/* Kamal::Configuration::Builder, the parts that need no world value. */
struct kamal_builder {
	struct strvec arches;          /* arch, default amd64+arm64 (none for driver docker) */
	const char *remote;            /* builder/remote, NULL: none */
	const char *driver;            /* default "docker-container" */
	const char *dockerfile;        /* default "Dockerfile" */
	const char *context;           /* default "." */
	const char *target;            /* NULL unless present */
	const char *ssh;               /* NULL unless present */
	const struct ynode *args;      /* map or NULL */
	const struct ynode *secrets;   /* list of names or NULL */
	const struct ynode *provenance; /* NULL when absent (nil) */
	const struct ynode *sbom;
	int local_disabled;            /* local: false */
	int context_set;               /* builder/context given: no git clone */
	const char *pack_builder;      /* pack/builder, NULL: not a pack build */
	const struct ynode *pack_buildpacks;
	char *cache_from, *cache_to;   /* NULL: no cache (owned) */
};

void kamal_builder_init(const struct config *cfg, struct kamal_builder *b);
void kamal_builder_release(struct kamal_builder *b);

/* Kamal::Configuration::Ssh: what run_over_ssh needs. */
struct kamal_ssh {
	const char *user;             /* default "root" */
	const char *port;             /* default "22" */
	const struct ynode *config;   /* true/false/string/list, NULL: unset */
	const char *proxy;            /* a jump host, "root@" added when bare */
	const char *proxy_command;
	const struct ynode *keys;     /* list or NULL */
	int keys_only;
	struct strbuf proxy_buf;
};

void kamal_ssh(const struct config *cfg, struct kamal_ssh *out);
void kamal_ssh_release(struct kamal_ssh *ssh);

#endif
