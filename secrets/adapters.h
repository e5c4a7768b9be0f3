/*
 * adapters.h - what each password-manager adapter provides, and the
 * helpers they share (internal to secrets/).
 *
 * An adapter mirrors Kamal's lib/kamal/secrets/adapters/<name>.rb: it runs
 * the vault's CLI with the arguments Kamal passes (as an argv, never a
 * shell string) and adds "key": "value" pairs to results in Kamal's order.
 * Errors are Kamal's messages, in err.
 */
#ifndef BERTH_SECRETS_ADAPTERS_H
#define BERTH_SECRETS_ADAPTERS_H

#include "fetch.h"
#include <cJSON.h>

struct adapter {
	const char *name; /* Kamal's class name, snake_case */
	int requires_account;
	int (*fetch)(const struct secrets_fetch_options *o, const struct strvec *secrets,
		     cJSON *results, struct strbuf *err);
};

extern const struct adapter adapter_one_password, adapter_bitwarden,
	adapter_last_pass, adapter_aws_secrets_manager, adapter_gcp_secret_manager,
	adapter_doppler, adapter_bitwarden_secrets_manager, adapter_enpass,
	adapter_passbolt;

/*
 * Runs argv (with "NAME=value" env if env is set) and captures stdout;
 * stderr is dropped when quiet. Returns the exit status (-1: not started).
 */
int adapter_run(const char **argv, const char *env, int quiet, struct strbuf *out);
/* Like adapter_run with a strvec. */
int adapter_runv(struct strvec *argv, const char *env, int quiet, struct strbuf *out);
/* Whether "CLI --version" (or argv) succeeds: Kamal's check_dependencies!. */
int adapter_installed(const char *cli, const char *version_arg);

/* obj[key] if it is a JSON string, else NULL. */
const char *adapter_str(cJSON *obj, const char *key);
/* Sets results[key] = value (a string, or JSON null if value is NULL),
 * keeping the first position of a key as Ruby's Hash#merge! does. */
void adapter_put(cJSON *results, const char *key, const char *value);
/* Ruby's split("/"): fields, trailing empty ones dropped. */
void adapter_split(const char *s, char sep, struct strvec *out);
/* Ruby's Array#inspect of strings, for messages: ["a", "b"]. */
void adapter_inspect(struct strbuf *sb, const struct strvec *v);

#endif
