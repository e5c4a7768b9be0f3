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

static const char *opt_value(int argc, const char **argv, int *i, const char *name,
			     const char *alias)
{
	const char *v;
	if (!strcmp(argv[*i], name) || (alias && !strcmp(argv[*i], alias))) {
		if (*i + 1 >= argc)
			die("no value provided for option '%s'", name);
		return argv[++*i];
	}
	if (skip_prefix(argv[*i], name, &v) && *v == '=')
		return v + 1;
	return NULL;
}

static int secrets_fetch_cmd(int argc, const char **argv, struct cli_context *ctx)
{
	struct secrets_fetch_options o = { NULL, NULL, NULL };
	struct strvec names = STRVEC_INIT;
	struct strbuf json = STRBUF_INIT, err = STRBUF_INIT, out = STRBUF_INIT;
	int i, inline_mode = 0;

	for (i = 1; i < argc; i++) {
		const char *v;
		if ((v = opt_value(argc, argv, &i, "--adapter", "-a")))
			o.adapter = v;
		else if ((v = opt_value(argc, argv, &i, "--account", NULL)))
			o.account = v;
		else if ((v = opt_value(argc, argv, &i, "--from", NULL)))
			o.from = v;
		else if (!strcmp(argv[i], "--inline"))
			inline_mode = 1;
		else if (argv[i][0] == '-' && argv[i][1])
			die("unknown option '%s'", argv[i]);
		else
			strvec_push(&names, argv[i]);
	}
	if (!o.adapter)
		die("No value provided for required options '--adapter'");
	if (secrets_fetch(&o, names.v, names.nr, &json, &err) < 0)
		die("%s", err.buf);
	if (inline_mode)
		quote_rb_shellescape(&out, json.buf);
	else
		strbuf_addbuf(&out, &json);
	/* the user asked for the values: print them unredacted */
	printf("%s\n", out.buf);
	strvec_clear(&names);
	strbuf_release(&json);
	strbuf_release(&out);
	strbuf_release(&err);
	return 0;
}

static int secrets_extract_cmd(int argc, const char **argv, struct cli_context *ctx)
{
	struct strbuf value = STRBUF_INIT, err = STRBUF_INIT;
	struct strvec args = STRVEC_INIT;
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--inline"))
			strvec_push(&args, argv[i]);
	if (args.nr != 2) {
		fprintf(stderr, "usage: %s secrets extract NAME SECRETS\n", ctx->program);
		return 2;
	}
	if (secrets_extract(args.v[0], args.v[1], &value, &err) < 0)
		die("%s", err.buf);
	printf("%s\n", value.buf);
	strbuf_release(&value);
	strbuf_release(&err);
	strvec_clear(&args);
	return 0;
}

static int secrets_print_cmd(int argc, const char **argv, struct cli_context *ctx)
{
	struct secrets *s;
	struct strbuf err = STRBUF_INIT;
	const char *name, *value, *secrets_path = NULL;
	size_t i;

	if (argc > 1)
		die("unexpected argument '%s'", argv[1]);
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
	{ "adapter", 'a', CLI_OPT_STRING, "Which vault adapter to use", NULL },
	{ "account", 0, CLI_OPT_STRING, "The account identifier or username", NULL },
	{ "from", 0, CLI_OPT_STRING, "A vault or folder to fetch the secrets from", NULL },
	{ "inline", 0, CLI_OPT_BOOL, "Prints the secrets shell-escaped, as $(...) in a secrets file wants them", NULL },
	CLI_OPTIONS_END
};

static const struct cli_option extract_options[] = {
	{ "inline", 0, CLI_OPT_BOOL, "Prints the value shell-escaped", NULL },
	CLI_OPTIONS_END
};

const struct cli_verb secrets_verbs[] = {
	{ "fetch", secrets_fetch_cmd, "fetch [SECRETS...]", "Fetch secrets from a vault", fetch_options, CLI_OWN_ARGS },
	{ "extract", secrets_extract_cmd, "extract NAME [SECRETS]", "Extract a single secret from the results of a fetch call", extract_options, CLI_OWN_ARGS },
	{ "print", secrets_print_cmd, "print", "Print the secrets (for debugging)", NULL, CLI_OWN_ARGS },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};
