/* ssh.c - run_over_ssh from the config's ssh section (see ssh.h). */
#include "commands/ssh.h"
#include "config/kamal-host.h"

/* config: a file or a list of them (-F each), false (-F /dev/null), true: none. */
static void config_args(struct shcmd *out, const struct ynode *config)
{
	if (!config || config->kind == YNODE_BOOL) {
		if (config && !config->ival)
			shcmd_addl(out, "-F", "/dev/null", NULL);
		return;
	}
	if (config->kind == YNODE_SEQ) {
		for (size_t i = 0; i < config->nr; i++)
			shcmd_addl(out, "-F", ynode_str(config->items[i]), NULL);
	} else if (ynode_str(config)) {
		shcmd_addl(out, "-F", ynode_str(config), NULL);
	}
}

void kc_run_over_ssh(struct shcmd *out, const struct kamal *k, const char *host,
		     const struct shcmd *command)
{
	struct kamal_ssh ssh;
	struct strbuf line = STRBUF_INIT;

	kamal_ssh(k->cfg, &ssh);
	shcmd_add(out, "ssh");
	config_args(out, ssh.config);
	if (ssh.proxy) {
		shcmd_addl(out, "-J", ssh.proxy, NULL);
	} else if (ssh.proxy_command) {
		shcmd_add(out, "-o");
		shcmd_addf(out, "ProxyCommand=%s", ssh.proxy_command);
	}
	for (size_t i = 0; ssh.keys && ssh.keys->kind == YNODE_SEQ && i < ssh.keys->nr; i++)
		shcmd_addl(out, "-i", ynode_str(ssh.keys->items[i]), NULL);
	if (ssh.keys_only)
		shcmd_addl(out, "-o", "IdentitiesOnly=yes", NULL);
	shcmd_add(out, "-t");
	shcmd_addf(out, "%s@%s", ssh.user, host);
	shcmd_addl(out, "-p", ssh.port, NULL);
	shcmd_to_shell(command, &line, 0);
	shcmd_add(out, line.buf);
	strbuf_release(&line);
	kamal_ssh_release(&ssh);
}
