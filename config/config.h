/*
 * config.h - the deploy configuration, read exactly as Kamal 2 reads it.
 *
 * config_load() reads config/deploy.yml (ERB first, then YAML), deep-merges
 * config/deploy.<destination>.yml over it, validates it against Kamal 2's
 * rules and derives the values Kamal computes (hosts, primary host, image
 * names, ...). Every node keeps its file and line, so errors read
 *   config/deploy.yml:14: servers/web/hostz: unknown key
 * All errors found are reported in one run, one per line of err.
 *
 * The struct is opaque; other modules use the accessors below and
 * the headers in config/ that the config module adds for richer access.
 */
#ifndef BERTH_CONFIG_H
#define BERTH_CONFIG_H

#include "strbuf.h"

struct config;

struct config_options {
	const char *config_file; /* default "config/deploy.yml" */
	const char *destination; /* NULL: none */
	const char *version;     /* --version, NULL: from git or "latest" rules */
};

/* 0 on success; -1 with err holding one located message per line. */
int config_load(struct config **out, const struct config_options *opts,
		struct strbuf *err);
void config_free(struct config *cfg);

/* The expansion of an alias ("app exec --reuse ..."), or NULL. */
const char *config_alias(const struct config *cfg, const char *name);

#endif
