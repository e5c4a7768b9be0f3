/*
 * hooks.c - Kamal's run_hook: the hook runs on this machine, with what it
 * needs to know in KAMAL_* variables (and BERTH_* twins), the secrets in
 * its environment when Kamal gives them, never on its command line.
 *
 * Output follows hooks_output and -v/-q as Kamal's verbosity does: by
 * default a hook's output is kept and shown only if it fails; "verbose"
 * (or -v) shows it as it runs; "quiet" (or -q) hides it.
 */
#include "cli.h"
#include "cli/hooks.h"
#include "commands/sshkit.h"
#include "commands/hook.h"
#include "config/model.h"
#include "log.h"
#include "remote/remote.h"
#include "secrets/secrets.h"

#include <sys/stat.h>

static const char *hooks_output(struct cli_context *ctx, const char *name)
{
	const struct ynode *ho = config_get(cli_load_config(ctx), "hooks_output");
	if (ho && ho->kind == YNODE_MAP)
		ho = ynode_get(ho, name);
	return ynode_stringish(ho) ? ynode_str(ho) : NULL;
}

static int secrets_env(struct cli_context *ctx, struct strvec *env)
{
	struct strbuf err = STRBUF_INIT;
	const struct secrets *s = config_secrets(cli_load_config(ctx), &err);
	const char *name, *value;

	if (!s)
		return error_buf(&err);
	for (size_t i = 0; secrets_at(s, i, &name, &value); i++)
		strvec_pushf(env, "%s=%s", name, value);
	return 0;
}

int cli_run_hook(struct cli_context *ctx, const char *name, const struct hook_extra *extra)
{
	struct kamal *k;
	struct strbuf file = STRBUF_INIT, hosts_csv = STRBUF_INIT;
	struct strvec env = STRVEC_INIT, secrets = STRVEC_INIT, hosts = STRVEC_INIT;
	struct kc_hook_details d = { 0 };
	struct shcmd c = SHCMD_INIT;
	struct stat st;
	const char *level;
	unsigned flags = REMOTE_SHOW_ENV;
	int r;

	if (ctx->skip_hooks)
		return 0;
	k = cli_kamal(ctx);
	kc_hook_file(&file, k, name);
	if (stat(file.buf, &st) < 0) {
		strbuf_release(&file);
		return 0;
	}
	cli_hosts(ctx, &hosts);
	for (size_t i = 0; i < hosts.nr; i++)
		strbuf_addf(&hosts_csv, "%s%s", i ? "," : "", hosts.v[i]);
	d.hosts = extra && extra->hosts ? extra->hosts : hosts_csv.buf;
	d.roles = ctx->roles;
	d.lock = ctx->holding_lock != 0;
	d.command = ctx->command;
	d.subcommand = ctx->subcommand;
	d.runtime = extra ? extra->runtime : NULL;
	if (extra && extra->secrets && secrets_env(ctx, &secrets) < 0) {
		r = -1;
		goto out;
	}
	kc_hook_env(&env, k, &d, &secrets);
	/* As SSHKit runs it: /usr/bin/env HOOK, so the plan shows Kamal's line. */
	{
		struct shcmd hook = SHCMD_INIT;
		kc_hook_run(&hook, k, name);
		kc_sshkit_command(&c, &hook);
		shcmd_clear(&hook);
	}
	level = hooks_output(ctx, name);
	if (ctx->quiet || (!ctx->verbose && level && !strcmp(level, "quiet")))
		flags |= REMOTE_QUIET;
	if (!ctx->quiet)
		log_info("Running the %s hook...", name);
	r = local_run_env(&c, &env, flags);
	if (r)
		error("Hook `%s` failed", name);
out:
	shcmd_clear(&c);
	strbuf_release(&file);
	strbuf_release(&hosts_csv);
	strvec_clear(&env);
	strvec_clear(&secrets);
	strvec_clear(&hosts);
	return r;
}

int cli_pre_connect(struct cli_context *ctx)
{
	struct hook_extra extra = { 1, NULL, NULL };
	if (ctx->connected)
		return 0;
	ctx->connected = 1;
	return cli_run_hook(ctx, "pre-connect", &extra);
}
