/*
 * fetch.h - `kamal secrets fetch|extract` as library calls.
 *
 * The CLI (cli/cmd-secrets.c) and the dotenv parser (for a
 * $(kamal secrets ...) substitution, which Kamal runs in-process) share
 * these. Adapters run the password manager's own CLI (op, bw, lpass, aws,
 * gcloud, doppler, passbolt, enpass-cli, bws) found on PATH, with the same
 * arguments Kamal 2 passes, and read the JSON those print.
 */
#ifndef BERTH_SECRETS_FETCH_H
#define BERTH_SECRETS_FETCH_H

#include "strbuf.h"
#include "strvec.h"

struct secrets_fetch_options {
	const char *adapter; /* "1password", "bitwarden", "test", ... */
	const char *account; /* --account, may be NULL */
	const char *from;    /* --from, may be NULL */
};

/*
 * Fetches names and appends a JSON object {"name": "value", ...} to json,
 * keys as Kamal names them (e.g. "Vault/Item/Field"). -1 with err set to a
 * message such as "Could not read ... from ..." on failure. Every value
 * fetched is registered with log_redact_add(); messages never hold one.
 */
int secrets_fetch(const struct secrets_fetch_options *opts, const char **names,
		  size_t nr, struct strbuf *json, struct strbuf *err);

/*
 * Finds name in the JSON a fetch printed: the key itself, else the first
 * key ending in "/name". -1 with err "Could not find secret NAME".
 */
int secrets_extract(const char *name, const char *json, struct strbuf *value,
		    struct strbuf *err);

/*
 * Runs "secrets fetch ..." or "secrets extract ..." given as words (argv
 * without the program name) the way Kamal's --inline does: fetch yields the
 * JSON shell-escaped, extract the bare value.
 */
int secrets_inline(const char **argv, size_t argc, struct strbuf *out,
		   struct strbuf *err);


#endif
