/*
 * cmd-registry.c - `berth registry setup|remove|login|logout`: the image
 * registry's session here and on every host, or Kamal's local registry
 * (`server: localhost:PORT`) container here.
 *
 * The password goes to `docker login --password-stdin` on stdin, here and
 * over ssh: never on a command line, where Kamal puts it (-p) and where
 * /proc/PID/cmdline shows it to every user of the machine.
 */
#include "cli.h"
#include "cli/deploy.h"
#include "cli/build.h"
#include "cli/exec.h"
#include "cli/hooks.h"
#include "commands/registry.h"
#include "commands/sshkit.h"
#include "config/kamal-host.h"
#include "log.h"

struct login {
	struct kamal_registry reg;
	const char *username, *password;
};

static int login_host(struct host_session *h, void *data)
{
	struct login *l = data;
	struct shcmd c = SHCMD_INIT;
	int r;
	kc_registry_login(&c, &l->reg, l->username);
	r = host_run_stdin(h, &c, l->password, strlen(l->password), 0);
	shcmd_clear(&c);
	return r;
}

static int logout_host(struct host_session *h, void *data)
{
	struct login *l = data;
	struct shcmd c = SHCMD_INIT;
	int r;
	kc_registry_logout(&c, &l->reg);
	r = kx_run(h, &c);
	shcmd_clear(&c);
	return r;
}

static void credentials(struct cli_context *ctx, struct login *l)
{
	struct strbuf err = STRBUF_INIT;
	struct config *cfg = cli_load_config(ctx);

	kamal_registry(cfg, config_get(cfg, "registry"), &l->reg);
	if (!l->reg.local && kamal_registry_credentials(cfg, &l->reg, &l->username, &l->password,
							&err) < 0)
		die_err(&err);
	if (!l->password)
		l->password = "";
}

int cli_registry_login_local(struct cli_context *ctx)
{
	struct login l = { 0 };
	struct shcmd c = SHCMD_INIT;
	int r;

	credentials(ctx, &l);
	kc_registry_login(&c, &l.reg, l.username);
	if (shcmd_empty(&c))
		return 0;
	r = local_run_input(&c, NULL, l.password, strlen(l.password), 0);
	shcmd_clear(&c);
	return r;
}

int cli_registry_login_hosts(struct cli_context *ctx, const struct strvec *hosts)
{
	struct login l = { 0 };
	struct on_hosts_opts o = { "registry login", 0, 1 };
	credentials(ctx, &l);
	if (l.reg.local)
		return 0;
	if (cli_pre_connect(ctx) < 0)
		return -1;
	return on_hosts(hosts, login_host, &l, &o);
}

static int skip(struct cli_context *ctx, const char *which)
{
	return cli_opt_bool(&ctx->args, which);
}

static int registry_setup(int argc, const char **argv, struct cli_context *ctx)
{
	struct login l = { 0 };
	struct strvec hosts = STRVEC_INIT;
	int r = 0;

	credentials(ctx, &l);
	if (!skip(ctx, "skip-local") && cli_ensure_local_docker(ctx) < 0)
		return 1;
	if (l.reg.local) {
		struct shcmd c = SHCMD_INIT;
		if (!skip(ctx, "skip-local")) {
			kc_registry_setup(&c, &l.reg);
			r = kx_local(&c, 0);
		}
		shcmd_clear(&c);
		return r ? 1 : 0;
	}
	if (!skip(ctx, "skip-local"))
		r = cli_registry_login_local(ctx);
	if (!r && !skip(ctx, "skip-remote")) {
		cli_hosts(ctx, &hosts);
		r = cli_registry_login_hosts(ctx, &hosts);
	}
	strvec_clear(&hosts);
	return r ? 1 : 0;
}

int cli_registry_remove(struct cli_context *ctx, int skip_local, int skip_remote)
{
	struct login l = { 0 };
	struct shcmd c = SHCMD_INIT;
	struct strvec hosts = STRVEC_INIT;
	struct on_hosts_opts o = { "registry logout", 0, 1 };
	int r = 0;

	credentials(ctx, &l);
	if (l.reg.local) {
		if (!skip_local) {
			kc_registry_remove(&c);
			kx_local(&c, REMOTE_NO_RAISE);
		}
		shcmd_clear(&c);
		return 0;
	}
	if (!skip_local) {
		kc_registry_logout(&c, &l.reg);
		r = kx_local(&c, 0);
		shcmd_clear(&c);
	}
	if (!r && !skip_remote) {
		cli_hosts(ctx, &hosts);
		r = cli_pre_connect(ctx) < 0 ? -1 : on_hosts(&hosts, logout_host, &l, &o);
	}
	strvec_clear(&hosts);
	return r ? -1 : 0;
}

static int registry_remove(int argc, const char **argv, struct cli_context *ctx)
{
	return cli_registry_remove(ctx, skip(ctx, "skip-local"), skip(ctx, "skip-remote")) ? 1 : 0;
}

static int registry_login(int argc, const char **argv, struct cli_context *ctx)
{
	struct login l = { 0 };
	credentials(ctx, &l);
	if (l.reg.local)
		die("Cannot use login command with a local registry. Use `%s registry setup` instead.",
		    ctx->program);
	return registry_setup(argc, argv, ctx);
}

static int registry_logout(int argc, const char **argv, struct cli_context *ctx)
{
	struct login l = { 0 };
	credentials(ctx, &l);
	if (l.reg.local)
		die("Cannot use logout command with a local registry. Use `%s registry remove` instead.",
		    ctx->program);
	return registry_remove(argc, argv, ctx);
}

static const struct cli_option options[] = {
	{ "skip-local", 'L', CLI_OPT_BOOL, "Leave this machine alone", "false" },
	{ "skip-remote", 'R', CLI_OPT_BOOL, "Leave the hosts alone", "false" },
	CLI_OPTIONS_END
};

const struct cli_verb registry_verbs[] = {
	{ "login", registry_login, "login", "Log in to the registry here and on every host", options, CLI_REMOTE },
	{ "logout", registry_logout, "logout", "Log out of the registry here and on every host", options, CLI_REMOTE },
	{ "remove", registry_remove, "remove", "Log out everywhere, or stop the local registry", options, CLI_REMOTE },
	{ "setup", registry_setup, "setup", "Log in everywhere, or start the local registry here", options, CLI_REMOTE },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};
