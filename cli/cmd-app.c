/*
 * cmd-app.c - `berth app VERB`. Being written (stubs for cli/app.h).
 */
#include "cli/app.h"
#include "cli/commands.h"
#include "cli/exec.h"
#include "commands/app.h"
#include "log.h"

struct stale {
	struct cli_context *ctx;
	int stop;
	const char *version;
	int missing;
};

static int stale_host(struct host_session *h, void *data)
{
	struct stale *st = data;
	struct kamal *k = cli_kamal(st->ctx);
	struct strvec roles = STRVEC_INIT;
	struct shcmd c = SHCMD_INIT;
	struct strbuf versions = STRBUF_INIT, current = STRBUF_INIT;
	int r = 0;

	cli_roles_on(st->ctx, host_name(h), &roles);
	for (size_t i = 0; i < roles.nr && !r; i++) {
		const struct config_role *role = config_role(k->cfg, roles.v[i]);
		strbuf_reset(&versions);
		strbuf_reset(&current);
		kc_app_list_versions(&c, k, role, NULL, NULL);
		r = kx_capture(h, &c, &versions, REMOTE_NO_RAISE) < 0 ? -1 : 0;
		shcmd_clear(&c);
		kc_app_current_running_version(&c, k, role);
		if (!r)
			r = kx_capture(h, &c, &current, REMOTE_NO_RAISE) < 0 ? -1 : 0;
		shcmd_clear(&c);
		strbuf_trim(&current);
		for (char *v = strtok(versions.buf, "\n"); v && !r; v = strtok(NULL, "\n")) {
			if (!strcmp(v, current.buf))
				continue;
			if (!st->stop) {
				host_say(h, "Detected stale container for role %s with version %s", role->name, v);
				continue;
			}
			host_say(h, "Stopping stale container for role %s with version %s", role->name, v);
			kc_app_stop(&c, k, role, v);
			r = kx_run_flags(h, &c, REMOTE_NO_RAISE) < 0 ? -1 : 0;
			shcmd_clear(&c);
		}
	}
	strvec_clear(&roles);
	strbuf_release(&versions);
	strbuf_release(&current);
	return r;
}

int cli_app_stale_containers(struct cli_context *ctx, int stop)
{
	struct stale st = { ctx, stop, NULL, 0 };
	struct strvec hosts = STRVEC_INIT;
	struct on_hosts_opts o = { "stale containers", 0, 1 };
	int r;
	cli_app_hosts(ctx, &hosts);
	r = on_hosts(&hosts, stale_host, &st, &o);
	strvec_clear(&hosts);
	return r;
}

static int available_host(struct host_session *h, void *data)
{
	struct stale *st = data;
	struct kamal *k = cli_kamal(st->ctx);
	struct strvec roles = STRVEC_INIT;
	struct shcmd c = SHCMD_INIT;
	struct strbuf id = STRBUF_INIT;
	int r = 0;

	cli_roles_on(st->ctx, host_name(h), &roles);
	for (size_t i = 0; i < roles.nr && !r; i++) {
		strbuf_reset(&id);
		kc_app_container_id_for_version(&c, k, config_role(k->cfg, roles.v[i]), st->version, 0);
		r = kx_capture(h, &c, &id, REMOTE_NO_RAISE) < 0 ? -1 : 0;
		shcmd_clear(&c);
		strbuf_trim(&id);
		if (!r && !id.len) {
			host_say(h, "No %s container for version %s", roles.v[i], st->version);
			st->missing = 1;
		}
	}
	strvec_clear(&roles);
	strbuf_release(&id);
	return r;
}

int cli_app_container_available(struct cli_context *ctx, const char *version)
{
	struct stale st = { ctx, 0, version, 0 };
	struct strvec hosts = STRVEC_INIT;
	struct on_hosts_opts o = { "find containers", 0, 1 };
	int r;
	cli_app_hosts(ctx, &hosts);
	r = on_hosts(&hosts, available_host, &st, &o);
	strvec_clear(&hosts);
	return r < 0 ? -1 : !st.missing;
}

int cli_app_remove(struct cli_context *ctx)
{
	error("app remove: not implemented yet");
	return -1;
}


static int app_boot(int argc, const char **argv, struct cli_context *ctx)
{
	return cli_app_boot(ctx, NULL) ? 1 : 0;
}

const struct cli_verb app_verbs[] = {
	{ "boot", app_boot, "boot", "Boot the app on every app host (or reboot it if running)", NULL, CLI_REMOTE | CLI_LOCK },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};
