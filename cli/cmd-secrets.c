/* cmd-secrets.c - `berth secrets ...`: placeholder until secrets land. */
#include "cli.h"
#include "commands.h"

const struct cli_verb secrets_verbs[] = {
	{ "fetch", NULL, "fetch [SECRETS...]", "Fetch secrets from a vault" },
	{ "extract", NULL, "extract NAME [SECRETS]", "Extract a single secret from the results of a fetch call" },
	{ "print", NULL, "print", "Print the secrets (for debugging)" },
	{ NULL, NULL, NULL, NULL },
};
