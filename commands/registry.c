/* registry.c - registry login and the local registry (see registry.h). */
#include "commands/registry.h"
#include "quote.h"

#define LOCAL_REGISTRY_CONTAINER "kamal-docker-registry"

static void login_start(struct shcmd *out, const struct kamal_registry *reg,
			const char *username)
{
	struct strbuf user = STRBUF_INIT;

	shcmd_addl(out, "docker", "login", NULL);
	if (reg->server)
		shcmd_add(out, reg->server);
	quote_kamal_value(&user, username ? username : "");
	shcmd_add(out, "-u");
	shcmd_add_sensitive(out, user.buf, "[REDACTED]");
	strbuf_release(&user);
}

void kc_registry_login(struct shcmd *out, const struct kamal_registry *reg,
		       const char *username)
{
	if (reg->local)
		return;
	login_start(out, reg, username);
	shcmd_add(out, "--password-stdin");
}

void kc_registry_logout(struct shcmd *out, const struct kamal_registry *reg)
{
	shcmd_addl(out, "docker", "logout", NULL);
	if (reg->server)
		shcmd_add(out, reg->server);
}

void kc_registry_setup(struct shcmd *out, const struct kamal_registry *reg)
{
	struct shcmd start = SHCMD_INIT, run = SHCMD_INIT;

	shcmd_addl(&start, "docker", "start", LOCAL_REGISTRY_CONTAINER, NULL);
	shcmd_addl(&run, "docker", "run", "--detach", "-p", NULL);
	shcmd_addf(&run, "127.0.0.1:%d:5000", reg->local_port);
	shcmd_addl(&run, "--name", LOCAL_REGISTRY_CONTAINER, "registry:3", NULL);
	shcmd_combine(out, "||", &start, &run, NULL);
	shcmd_clear(&start);
	shcmd_clear(&run);
}

void kc_registry_remove(struct shcmd *out)
{
	struct shcmd stop = SHCMD_INIT, rm = SHCMD_INIT;

	shcmd_addl(&stop, "docker", "stop", LOCAL_REGISTRY_CONTAINER, NULL);
	shcmd_addl(&rm, "docker", "rm", LOCAL_REGISTRY_CONTAINER, NULL);
	shcmd_combine(out, "&&", &stop, &rm, NULL);
	shcmd_clear(&stop);
	shcmd_clear(&rm);
}
