/*
 * kamal-app.h - what Kamal derives from the configuration for the app's
 * roles and for accessories (Kamal::Configuration::Role, ::Accessory, ::Env,
 * ::Proxy#deploy_options, the run directories), for the command builders.
 *
 * Everything here is pure: it reads the loaded struct config and writes
 * into caller-owned strbufs, strvecs or the lists below. The one exception
 * is config_env_secret_values(), which reads .kamal/secrets* and is for
 * callers, never for builders (they get its result as an argument).
 *
 * Kamal keeps its hashes in insertion order and merges them the Ruby way
 * (a key already there keeps its place and takes the new value); struct
 * config_kvs is that hash, and also the list of an option's values when
 * Kamal flattens an array into repeated options.
 */
#ifndef BERTH_CONFIG_KAMAL_APP_H
#define BERTH_CONFIG_KAMAL_APP_H

#include "config/model.h"

/* A value as Kamal's argumentize/optionize see it. */
enum config_kv_kind {
	CONFIG_KV_NIL,   /* nil: argumentize writes the bare key */
	CONFIG_KV_FALSE, /* false: "key=false" */
	CONFIG_KV_TRUE,  /* true: optionize writes the bare "--key" */
	CONFIG_KV_VALUE, /* anything else, as Ruby's to_s */
};

struct config_kv {
	char *key;
	char *value; /* Ruby's to_s; NULL for nil */
	enum config_kv_kind kind;
};

struct config_kvs {
	struct config_kv *v;
	size_t nr, alloc;
};

#define CONFIG_KVS_INIT { NULL, 0, 0 }

void config_kvs_clear(struct config_kvs *kvs);
/* Appends (a list: the same key may come again). */
void config_kvs_push(struct config_kvs *kvs, const char *key, const struct ynode *value);
void config_kvs_push_str(struct config_kvs *kvs, const char *key, const char *value);
/* Hash#merge of one key: replaced in place, or appended. */
void config_kvs_set(struct config_kvs *kvs, const char *key, const struct ynode *value);
void config_kvs_set_str(struct config_kvs *kvs, const char *key, const char *value);
/* Hash#merge of every pair of a mapping (anything else is ignored). */
void config_kvs_merge(struct config_kvs *kvs, const struct ynode *map);

/* Ruby's to_s of a scalar (Integer, Float, true, :sym...); "" for nil. */
void config_scalar_to_s(struct strbuf *out, const struct ynode *n);

/* ---- run directories (Kamal::Configuration) ---------------------- */

/* [service, destination].compact.join("-") */
void config_service_and_destination(const struct config *cfg, struct strbuf *out);
/* .kamal/apps/SERVICE[-DEST], its env/ and assets/ folders */
void config_app_directory(const struct config *cfg, struct strbuf *out);
void config_env_directory(const struct config *cfg, struct strbuf *out);
void config_assets_directory(const struct config *cfg, struct strbuf *out);
/* "latest" or "latest-DEST": what app boot/exec run without --version */
void config_latest_tag(const struct config *cfg, struct strbuf *out);
/* repository:tag (absolute_image for a version, latest_image for the tag) */
void config_image_ref(const struct config *cfg, const char *tag, struct strbuf *out);
/* The value of a "N seconds" setting with Kamal's default (deploy_timeout 30...). */
void config_seconds(const struct config *cfg, const char *key, const char *dflt,
		    struct strbuf *out);

/* The proxy's per-app folders (Kamal::Configuration::Proxy::Boot). */
#define KAMAL_PROXY_CONTAINER_NAME "kamal-proxy"
void config_proxy_app_directory(const struct config *cfg, struct strbuf *out);
void config_proxy_app_container_directory(const struct config *cfg, struct strbuf *out);
/* .../error_pages and .../tls under the two folders above */
void config_proxy_error_pages_directory(const struct config *cfg, int container,
					struct strbuf *out);
void config_proxy_tls_directory(const struct config *cfg, int container, struct strbuf *out);

/* ---- env (Kamal::Configuration::Env) ------------------------------ */

struct config_env {
	struct config_kvs clear;  /* clear values, merged in order */
	struct strvec secrets;    /* "NAME" or "NAME:SECRET", each once */
};

#define CONFIG_ENV_INIT { CONFIG_KVS_INIT, STRVEC_INIT }

void config_env_clear(struct config_env *env);
/* Env#merge of one env section (clear/secret/tags, or a plain map = clear). */
void config_env_merge(struct config_env *env, const struct ynode *section);

/*
 * The env file's entries: every secret as "NAME=value", in Kamal's order,
 * a name given twice taking its last value. Reads .kamal/secrets* (through
 * config_secret): for callers, never for builders. -1 + err for a missing
 * secret.
 */
int config_env_secret_values(struct config *cfg, const struct config_env *env,
			     struct strvec *out, struct strbuf *err);

/* ---- roles (Kamal::Configuration::Role) --------------------------- */

/* A key of the role's map (its "specializations"); NULL for list roles. */
const struct ynode *config_role_get(const struct config_role *role, const char *key);
/* The role's cmd, NULL when none. */
const char *config_role_cmd(const struct config_role *role);
/* SERVICE-ROLE[-DEST], and that with "-VERSION" */
void config_role_container_prefix(const struct config *cfg, const struct config_role *role,
				  struct strbuf *out);
void config_role_container_name(const struct config *cfg, const struct config_role *role,
				const char *version, struct strbuf *out);
/* .kamal/apps/SERVICE[-DEST]/env/roles and .../ROLE.env */
void config_role_env_directory(const struct config *cfg, struct strbuf *out);
void config_role_secrets_path(const struct config *cfg, const struct config_role *role,
			      struct strbuf *out);
/* env for one host: config env, the role's, then the host's tags' (env/tags). */
void config_role_env(const struct config *cfg, const struct config_role *role,
		     const char *host, struct config_env *out);
/* Labels: service, role, destination, then config labels, then the role's. */
void config_role_labels(const struct config *cfg, const struct config_role *role,
			struct config_kvs *out);
/*
 * docker options for optionize: every option but "restart" (which is the
 * restart policy, default "unless-stopped"), arrays flattened into
 * repeated keys.
 */
void config_options_flatten(const struct ynode *options, struct config_kvs *out);
const char *config_restart_policy(const struct ynode *options);
/* The role's options and restart policy (the two above on its "options"). */
void config_role_options(const struct config_role *role, struct config_kvs *out);
const char *config_role_restart_policy(const struct config_role *role);
/* The logging args (shell words): the config's logging merged with the role's. */
void config_role_logging_args(const struct config *cfg, const struct config_role *role,
			      struct strvec *out);
/*
 * docker stop's timeout: the role's or config's stop_timeout, else the
 * drain_timeout (default 30) for roles without proxy (kamal-proxy drains
 * the others); 0 when there is none.
 */
int config_role_stop_timeout(const struct config *cfg, const struct config_role *role,
			     struct strbuf *out);
/* asset_path (the role's, else the config's) and its ":options"; 0 if none. */
int config_role_asset_path(const struct config *cfg, const struct config_role *role,
			   struct strbuf *path, struct strbuf *options);
/* Whether the role bridges assets: an asset path and a proxy. */
int config_role_assets(const struct config *cfg, const struct config_role *role);
/* .kamal/apps/S[-D]/assets/{extracted,volumes}/ROLE-VERSION */
void config_role_asset_extracted_directory(const struct config *cfg,
					   const struct config_role *role,
					   const char *version, struct strbuf *out);
void config_role_asset_volume_directory(const struct config *cfg,
					const struct config_role *role,
					const char *version, struct strbuf *out);
/* The asset volume's --volume args (shell words); none without assets. */
void config_role_asset_volume_args(const struct config *cfg, const struct config_role *role,
				   const char *version, struct strvec *out);

/* ---- proxy (Kamal::Configuration::Proxy) -------------------------- */

/* Whether the proxy map asks for certificates of its own (ssl pems). */
int config_proxy_custom_ssl(const struct ynode *proxy);
/* Its hosts: "hosts", else "host" split at commas. */
void config_proxy_hosts(const struct ynode *proxy, struct strvec *out);
/*
 * kamal-proxy deploy's options after --target, in Kamal's order, arrays
 * flattened into repeated keys (--host, --log-request-header), unset ones
 * left out. role is NULL for an accessory's proxy (its certificates then
 * live directly in tls/); version names the error pages folder.
 */
void config_proxy_deploy_options(const struct config *cfg, const struct ynode *proxy,
				 const char *role, const char *version,
				 struct config_kvs *out);
/* app_port, default 80 */
void config_proxy_app_port(const struct ynode *proxy, struct strbuf *out);
/* Where the role's custom certificate and key go on the host. */
void config_proxy_host_tls_file(const struct config *cfg, const char *role,
				const char *file, struct strbuf *out);

/* ---- volumes (Kamal::Configuration::Volume) ----------------------- */

/* "--volume" and HOST:CONTAINER[:OPTIONS], a relative HOST as "$PWD/HOST". */
void config_volume_arg(const char *host_path, const char *container_path,
		       const char *options, struct strvec *out);
/* Ruby's File.join of two parts; Pathname#dirname. */
void config_path_join(struct strbuf *out, const char *part);
void config_path_dirname(const char *path, struct strbuf *out);

/* ---- accessories (Kamal::Configuration::Accessory) ---------------- */

/* service, else SERVICE-NAME */
void config_accessory_service_name(const struct config *cfg,
				   const struct config_accessory *acc, struct strbuf *out);
/* [registry server, image].compact.join("/") */
void config_accessory_image(const struct config_accessory *acc, struct strbuf *out);
/* "port" with "P" made "P:P"; 0 when none. */
int config_accessory_port(const struct config_accessory *acc, struct strbuf *out);
/* network, default "kamal" */
const char *config_accessory_network(const struct config_accessory *acc);
void config_accessory_labels(const struct config *cfg, const struct config_accessory *acc,
			     struct config_kvs *out);
void config_accessory_options(const struct config_accessory *acc, struct config_kvs *out);
const char *config_accessory_restart_policy(const struct config_accessory *acc);
const char *config_accessory_cmd(const struct config_accessory *acc);
void config_accessory_env(const struct config_accessory *acc, struct config_env *out);
/* .kamal/apps/S[-D]/env/accessories and .../NAME.env */
void config_accessory_env_directory(const struct config *cfg, struct strbuf *out);
void config_accessory_secrets_path(const struct config *cfg,
				   const struct config_accessory *acc, struct strbuf *out);
/* The accessory's proxy map, NULL when it runs without one. */
const struct ynode *config_accessory_proxy(const struct config_accessory *acc);

/*
 * A file or directory an accessory mounts. For files, local is the path
 * as written (Kamal expands it, or renders it when it ends in "erb":
 * is_template) and host_path is SERVICE_NAME + remote; for directories,
 * local is the folder Kamal creates on the host ("$PWD/SERVICE_NAME/dir"
 * unless absolute) and host_path what the volume names.
 */
struct config_mount {
	char *local;
	char *host_path;
	char *container_path;
	char *options; /* NULL: none */
	char *mode;    /* NULL: none (files default to "755") */
	char *owner;   /* NULL: none */
	int is_template;
};

struct config_mounts {
	struct config_mount *v;
	size_t nr, alloc;
};

#define CONFIG_MOUNTS_INIT { NULL, 0, 0 }

void config_mounts_clear(struct config_mounts *m);
void config_accessory_files(const struct config *cfg, const struct config_accessory *acc,
			    struct config_mounts *out);
void config_accessory_directories(const struct config *cfg,
				  const struct config_accessory *acc,
				  struct config_mounts *out);
/*
 * --volume args (shell words, as Kamal writes them: a relative host path
 * becomes "$PWD/..." for the remote shell to expand): volumes, then
 * files', then directories'.
 */
void config_accessory_volume_args(const struct config *cfg,
				  const struct config_accessory *acc, struct strvec *out);

#endif
