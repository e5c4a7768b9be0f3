/*
 * ssh.c - run_over_ssh from the config's ssh section (ssh.h).
 */
#include "commands/ssh.h"
#include "config/kamal-app.h"

/* ssh.config: a list or one file (-F each), false (-F /dev/null), true: none. */
static void config_args(struct shcmd *out, const struct ynode *config)
{
	struct strbuf sb = STRBUF_INIT;

	if (!config || config->kind == YNODE_NULL)
		return;
	if (config->kind == YNODE_BOOL) {
		if (!config->ival)
			shcmd_addl(out, "-F", "/dev/null", NULL);
		return;
	}
	if (config->kind != YNODE_SEQ) {
		config_scalar_to_s(&sb, config);
		shcmd_addl(out, "-F", sb.buf, NULL);
	}
	for (size_t i = 0; config->kind == YNODE_SEQ && i < config->nr; i++) {
		strbuf_reset(&sb);
		config_scalar_to_s(&sb, config->items[i]);
		shcmd_addl(out, "-F", sb.buf, NULL);
	}
	strbuf_release(&sb);
}

/* proxy (a jump host, root@ by default) or proxy_command. */
static void proxy_args(struct shcmd *out, const struct ynode *ssh)
{
	const struct ynode *jump = ynode_get(ssh, "proxy");
	const struct ynode *command = ynode_get(ssh, "proxy_command");
	struct strbuf sb = STRBUF_INIT;

	if (ynode_truthy(jump)) {
		config_scalar_to_s(&sb, jump);
		shcmd_add(out, "-J");
		shcmd_addf(out, "%s%s", strchr(sb.buf, '@') ? "" : "root@", sb.buf);
	} else if (ynode_truthy(command)) {
		config_scalar_to_s(&sb, command);
		shcmd_add(out, "-o");
		shcmd_addf(out, "ProxyCommand=%s", sb.buf);
	}
	strbuf_release(&sb);
}

static void key_args(struct shcmd *out, const struct ynode *ssh)
{
	const struct ynode *keys = ynode_get(ssh, "keys");
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; keys && keys->kind == YNODE_SEQ && i < keys->nr; i++) {
		strbuf_reset(&sb);
		config_scalar_to_s(&sb, keys->items[i]);
		shcmd_addl(out, "-i", sb.buf, NULL);
	}
	if (ynode_truthy(ynode_get(ssh, "keys_only")))
		shcmd_addl(out, "-o", "IdentitiesOnly=yes", NULL);
	strbuf_release(&sb);
}

void kc_run_over_ssh(struct shcmd *out, const struct kamal *k, const char *host,
		     const struct shcmd *command)
{
	const struct ynode *ssh = ynode_get(k->cfg->raw, "ssh");
	const struct ypair *user = ynode_find(ssh, "user"), *port = ynode_find(ssh, "port");
	struct strbuf sb = STRBUF_INIT;

	shcmd_add(out, "ssh");
	config_args(out, ynode_get(ssh, "config"));
	proxy_args(out, ssh);
	key_args(out, ssh);
	shcmd_add(out, "-t");
	if (user)
		config_scalar_to_s(&sb, user->value);
	else
		strbuf_addstr(&sb, "root");
	strbuf_addf(&sb, "@%s", host);
	shcmd_add(out, sb.buf);
	strbuf_reset(&sb);
	if (port)
		config_scalar_to_s(&sb, port->value);
	else
		strbuf_addstr(&sb, "22");
	shcmd_addl(out, "-p", sb.buf, NULL);
	strbuf_reset(&sb);
	shcmd_to_shell(command, &sb, 0);
	shcmd_add(out, sb.buf);
	strbuf_release(&sb);
}
