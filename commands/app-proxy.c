/*
 * app-proxy.c - the app's routes in kamal-proxy: deploy (swap to a new
 * container), remove, live/maintenance, and its folders in the proxy's
 * config (Kamal::Commands::App::Proxy). The deploy options are shared
 * with accessories.
 */
#include "commands/app.h"
#include "commands/args.h"
#include "config/kamal-app.h"
#include "quote.h"

void kc_proxy_exec(struct shcmd *out, const char *verb, const char *name)
{
	shcmd_addl(out, "docker", "exec", KAMAL_PROXY_CONTAINER_NAME, "kamal-proxy", verb, name,
		   NULL);
}

void kc_proxy_deploy_args(struct shcmd *out, const struct kamal *k, const struct ynode *proxy,
			  const char *role, const char *target)
{
	struct config_kvs kvs = CONFIG_KVS_INIT;
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s:", target);
	config_proxy_app_port(proxy, &sb);
	config_kvs_push_str(&kvs, "target", sb.buf);
	config_proxy_deploy_options(k->cfg, proxy, role, k->version, &kvs);
	kc_optionize(out, &kvs, "=");
	config_kvs_clear(&kvs);
	strbuf_release(&sb);
}

/* kamal-proxy names the app's service SERVICE-ROLE[-DEST]. */
static void role_proxy_exec(struct shcmd *out, const struct kamal *k,
			    const struct config_role *role, const char *verb)
{
	struct strbuf prefix = STRBUF_INIT;

	config_role_container_prefix(k->cfg, role, &prefix);
	kc_proxy_exec(out, verb, prefix.buf);
	strbuf_release(&prefix);
}

void kc_app_deploy(struct shcmd *out, const struct kamal *k, const struct config_role *role,
		   const char *target)
{
	role_proxy_exec(out, k, role, "deploy");
	kc_proxy_deploy_args(out, k, role->proxy, role->name, target);
}

void kc_app_remove(struct shcmd *out, const struct kamal *k, const struct config_role *role)
{
	role_proxy_exec(out, k, role, "remove");
}

void kc_app_live(struct shcmd *out, const struct kamal *k, const struct config_role *role)
{
	role_proxy_exec(out, k, role, "resume");
}

void kc_app_maintenance(struct shcmd *out, const struct kamal *k,
			const struct config_role *role, const char *drain_timeout,
			const char *message)
{
	struct config_kvs kvs = CONFIG_KVS_INIT;
	struct strbuf sb = STRBUF_INIT;

	role_proxy_exec(out, k, role, "stop");
	if (drain_timeout) {
		strbuf_addf(&sb, "%ss", drain_timeout);
		config_kvs_push_str(&kvs, "drain-timeout", sb.buf);
	}
	if (message)
		config_kvs_push_str(&kvs, "message", message);
	kc_optionize(out, &kvs, "=");
	config_kvs_clear(&kvs);
	strbuf_release(&sb);
}

void kc_app_remove_proxy_app_directory(struct shcmd *out, const struct kamal *k)
{
	struct strbuf dir = STRBUF_INIT;

	config_proxy_app_directory(k->cfg, &dir);
	kc_remove_directory(out, dir.buf);
	strbuf_release(&dir);
}

void kc_app_create_ssl_directory(struct shcmd *out, const struct kamal *k,
				 const struct config_role *role)
{
	struct strbuf dir = STRBUF_INIT;

	config_proxy_tls_directory(k->cfg, 0, &dir);
	config_path_join(&dir, role->name);
	kc_make_directory(out, dir.buf);
	strbuf_release(&dir);
}
