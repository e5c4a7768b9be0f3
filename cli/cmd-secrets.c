/*
 * cmd-secrets.c - `berth secrets fetch|extract|print`, as Kamal 2's
 * lib/kamal/cli/secrets.rb: fetch prints the vault's answer as one JSON
 * object, extract picks one value out of such JSON, print shows the
 * resolved .kamal/secrets* (or the config's secrets_path) as KEY=VALUE
 * lines (for debugging: it is the one place berth prints secret values,
 * because the user asked for them).
 */
#include "cli.h"
#include "quote.h"
#include "commands.h"
#include "log.h"
#include "secrets/fetch.h"
#include "secrets/secrets.h"
#include "config/model.h"
#include <unistd.h>

static int secrets_fetch_cmd(int argc, const char **argv, struct cli_context *ctx)
{
	struct secrets_fetch_options o = { NULL, NULL, NULL };
	const struct strvec *names = &ctx->args.positional;
	struct strbuf json = STRBUF_INIT, err = STRBUF_INIT, out = STRBUF_INIT;

	o.adapter = cli_opt_str(&ctx->args, "adapter");
	o.account = cli_opt_str(&ctx->args, "account");
	o.from = cli_opt_str(&ctx->args, "from");
	if (!o.adapter)
		die("No value provided for required options '--adapter'");
	if (secrets_fetch(&o, names->v, names->nr, &json, &err) < 0)
		die("%s", err.buf);
	if (cli_opt_bool(&ctx->args, "inline"))
		quote_rb_shellescape(&out, json.buf);
	else
		strbuf_addbuf(&out, &json);
	/* the user asked for the values: print them unredacted */
	printf("%s\n", out.buf);
	strbuf_release(&json);
	strbuf_release(&out);
	strbuf_release(&err);
	return 0;
}

static int secrets_extract_cmd(int argc, const char **argv, struct cli_context *ctx)
{
	struct strbuf value = STRBUF_INIT, err = STRBUF_INIT;
	const struct strvec *args = &ctx->args.positional;

	if (args->nr != 2) {
		error("usage: %s secrets extract NAME SECRETS", ctx->program);
		return 2;
	}
	if (secrets_extract(args->v[0], args->v[1], &value, &err) < 0)
		die("%s", err.buf);
	printf("%s\n", value.buf);
	strbuf_release(&value);
	strbuf_release(&err);
	return 0;
}

static int secrets_print_cmd(int argc, const char **argv, struct cli_context *ctx)
{
	struct secrets *s;
	struct strbuf err = STRBUF_INIT;
	const char *name, *value, *secrets_path = NULL;
	size_t i;

	if (ctx->args.positional.nr)
		die("unexpected argument '%s'", ctx->args.positional.v[0]);
	/*
	 * Kamal reads the secrets through the deploy config, whose
	 * secrets_path may move them. Without a config file berth still
	 * prints the default files (Kamal would stop at the missing config).
	 */
	if (!access(ctx->config_file ? ctx->config_file : "config/deploy.yml", F_OK))
		secrets_path = config_get_str(cli_load_config(ctx), "secrets_path");
	if (secrets_load_path(&s, ".", secrets_path, ctx->destination, &err) < 0)
		die("%s", err.buf);
	for (i = 0; secrets_at(s, i, &name, &value); i++)
		printf("%s=%s\n", name, value);
	secrets_free(s);
	strbuf_release(&err);
	return 0;
}

static const struct cli_option fetch_options[] = {
	{ "adapter", 'a', CLI_OPT_STRING, "The vault: 1password, bitwarden, lastpass, aws_secrets_manager, gcp, doppler, passbolt, enpass ... (required)", NULL },
	{ "account", 0, CLI_OPT_STRING, "Your account (or user name) in that vault", NULL },
	{ "from", 0, CLI_OPT_STRING, "The vault, folder or project holding the secrets", NULL },
	{ "inline", 0, CLI_OPT_BOOL, "Print them shell-escaped, as a $(...) in a secrets file takes them", "false" },
	CLI_OPTIONS_END
};

static const struct cli_option extract_options[] = {
	{ "inline", 0, CLI_OPT_BOOL, "Accepted for Kamal's inline form; the value prints as it is", "false" },
	CLI_OPTIONS_END
};

const struct cli_verb secrets_verbs[] = {
	{ "fetch", secrets_fetch_cmd, "fetch [SECRETS...]", "Ask a vault for secrets and print its answer as JSON", fetch_options, 0 },
	{ "extract", secrets_extract_cmd, "extract NAME [SECRETS]", "Pick one secret out of what fetch printed", extract_options, 0 },
	{ "print", secrets_print_cmd, "print", "Show the resolved secrets, values included (for debugging)", NULL, 0 },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};
