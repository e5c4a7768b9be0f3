/* hook.c - hook paths and their environment (see hook.h). */
#include "commands/hook.h"
#include "config/kamal-host.h"

const char *const kc_hook_names[] = {
	"pre-connect", "pre-build", "pre-deploy", "post-deploy", "pre-app-boot",
	"post-app-boot", "pre-proxy-reboot", "post-proxy-reboot", "docker-setup", NULL,
};

int kc_hook_with_secrets(const char *hook)
{
	return !strcmp(hook, "pre-connect") || !strcmp(hook, "pre-deploy") ||
	       !strcmp(hook, "post-deploy");
}

void kc_hook_file(struct strbuf *out, const struct kamal *k, const char *hook)
{
	strbuf_addf(out, "%s/%s", kamal_hooks_path(k->cfg), hook);
}

void kc_hook_run(struct shcmd *out, const struct kamal *k, const char *hook)
{
	struct strbuf file = STRBUF_INIT;

	kc_hook_file(&file, k, hook);
	shcmd_add(out, file.buf);
	strbuf_release(&file);
}

static void tag(struct strvec *env, const char *name, const char *value)
{
	if (!value)
		return;
	strvec_pushf(env, "KAMAL_%s=%s", name, value);
	strvec_pushf(env, "BERTH_%s=%s", name, value);
}

/* Configuration#abbreviated_version inside "service@version". */
static void service_version(struct strbuf *out, const struct kamal *k)
{
	strbuf_addstr(out, k->cfg->service);
	if (!k->version)
		return;
	if (strchr(k->version, '_'))
		strbuf_addf(out, "@%s", k->version);
	else
		strbuf_addf(out, "@%.7s", k->version);
}

void kc_hook_env(struct strvec *env, const struct kamal *k, const struct kc_hook_details *d,
		 const struct strvec *secrets)
{
	struct strbuf sv = STRBUF_INIT;

	service_version(&sv, k);
	tag(env, "RECORDED_AT", k->timestamp);
	tag(env, "PERFORMER", k->performer);
	tag(env, "DESTINATION", k->cfg->destination);
	tag(env, "VERSION", k->version);
	tag(env, "SERVICE_VERSION", sv.buf);
	tag(env, "SERVICE", k->cfg->service);
	tag(env, "HOSTS", d->hosts);
	tag(env, "ROLES", d->roles);
	tag(env, "LOCK", d->lock ? "true" : "false");
	tag(env, "COMMAND", d->command);
	tag(env, "SUBCOMMAND", d->subcommand);
	tag(env, "RUNTIME", d->runtime);
	for (size_t i = 0; secrets && i < secrets->nr; i++)
		strvec_push(env, secrets->v[i]);
	strbuf_release(&sv);
}
