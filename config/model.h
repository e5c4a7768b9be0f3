/*
 * model.h - the loaded configuration, for the command builders.
 *
 * config_load() (config.h) fills a struct config: the merged YAML tree
 * (raw, exactly what the user wrote, with locations) and the values Kamal
 * derives from it. Everything here is owned by the struct config and lives
 * until config_free(). Reading raw nodes is fine for anything without a
 * derived accessor; use ynode_path(cfg->raw, "builder/arch") and friends
 * from lib/yaml-tree.h.
 *
 * Values that may fail only when they are needed (the git version, secret
 * values) are computed on first use and report through an err strbuf,
 * as Kamal raises them lazily too.
 */
#ifndef BERTH_CONFIG_MODEL_H
#define BERTH_CONFIG_MODEL_H

#include "config/config.h"
#include "strvec.h"
#include "yaml-tree.h"

struct secrets;

#define KAMAL_COMPAT_VERSION "2.12.0"

struct config_role {
	const char *name;
	struct strvec hosts;          /* in order, unique */
	const struct ynode **tags;    /* per host: its tag(s) node, or NULL */
	const struct ynode *node;     /* the role's map, NULL for a plain list */
	int primary;
	int running_proxy;
	struct ynode *proxy;          /* role proxy deep-merged over the global one */
};

struct config_accessory {
	const char *name;
	const struct ynode *node;
	struct strvec hosts;
};

struct config {
	struct ytree *tree;
	struct ynode *raw;            /* merged deploy.yml + destination file */
	char *config_file;
	char *destination;            /* NULL: none */
	char *declared_version;       /* --version */
	char *version;                /* computed by config_version() */

	struct config_role *roles;    /* sorted by name, as Kamal does */
	size_t roles_nr;
	struct config_accessory *accessories; /* in file order */
	size_t accessories_nr;

	struct strvec all_hosts;      /* roles' then accessories' hosts, unique */
	const char *primary_role;     /* primary_role, default "web" */
	const char *primary_host;     /* NULL when the primary role has none */
	const char *service;
	const char *image;            /* image, or service for a local registry */
	char *repository;             /* "server/image" or "image" */

	struct secrets *secrets;      /* loaded on first use */
};

/* Raw access shortcuts. */
const struct ynode *config_get(const struct config *cfg, const char *path);
const char *config_get_str(const struct config *cfg, const char *path);

const struct config_role *config_role(const struct config *cfg, const char *name);
const struct config_accessory *config_accessory(const struct config *cfg,
						const char *name);

/*
 * The version: --version, else $VERSION, else the git HEAD sha (with
 * "_uncommitted_<16 hex>" when the tree is dirty and the build context is
 * set, as Kamal does). -1 with err outside a git repository.
 */
const char *config_version(struct config *cfg, struct strbuf *err);

/* "repository:version" and "service-version"; caller frees. */
char *config_absolute_image(struct config *cfg, struct strbuf *err);
char *config_service_with_version(struct config *cfg, struct strbuf *err);

/* Kamal's argument lists: "--volume" pairs and docker logging options. */
void config_volume_args(const struct config *cfg, struct strvec *out);
void config_logging_args(const struct ynode *logging, struct strvec *out);

/*
 * Resolves an env section (clear + secret, "NAME:SOURCE" aliases) into
 * "NAME=value" strings: clear values in clear, secrets in secret. A secret
 * missing from .kamal/secrets* is an error naming it.
 */
int config_env_resolve(struct config *cfg, const struct ynode *env,
		       struct strvec *clear, struct strvec *secret,
		       struct strbuf *err);

/* All the secrets (.kamal/secrets* loaded once); NULL + err if they cannot load. */
const struct secrets *config_secrets(struct config *cfg, struct strbuf *err);
/* A secret's value (loading .kamal/secrets* once); NULL + err if missing. */
const char *config_secret(struct config *cfg, const char *name, struct strbuf *err);

/* `kamal config`: the resolved configuration as a tree (Kamal's keys). */
struct ynode *config_to_tree(struct config *cfg, struct strbuf *err);

/* Internal steps of config_load(), in config/validate.c and derive.c. */
int config_validate(struct config *cfg, struct strbuf *err);
int config_derive(struct config *cfg, struct strbuf *err);
int config_check(struct config *cfg, struct strbuf *err);

#endif
