/*
 * accessory-verbs.h - what cli/cmd-accessory.c (the verbs that change an
 * accessory's container, under the deploy lock) and cli/cmd-accessory-exec.c
 * (logs and exec, which take no lock) share.
 */
#ifndef BERTH_CLI_ACCESSORY_VERBS_H
#define BERTH_CLI_ACCESSORY_VERBS_H

#include "cli.h"
#include "strvec.h"

struct kamal;
struct config_accessory;

struct acc_run {
	struct cli_context *ctx;
	struct kamal *k;
	const struct config_accessory *acc;
	const void *data;          /* the verb's own */
	const struct strvec *only; /* Kamal's with_specific_hosts (upgrade --rolling), or NULL */
};

/* Kamal's with_accessory: the accessory, or dies naming the ones there are. */
const struct config_accessory *acc_find(struct cli_context *ctx, const char *name);

/* a->acc's hosts within the -h/-r selection (and a->only), in the selection's order. */
void acc_hosts(const struct acc_run *a, struct strvec *out);

/* The verb's NAME argument, or dies saying the verb needs one. */
const char *acc_name_arg(struct cli_context *ctx, const char *verb);

/* The verbs of cmd-accessory-exec.c, and their options for the table. */
int acc_logs(int argc, const char **argv, struct cli_context *ctx);
int acc_exec(int argc, const char **argv, struct cli_context *ctx);
extern const struct cli_option acc_logs_options[];
extern const struct cli_option acc_exec_options[];

#endif
