/* server.c - host-wide commands (see server.h). */
#include "commands/server.h"
#include "commands/auditor.h"
#include "commands/docker.h"
#include "config/kamal-host.h"

void kc_server_ensure_run_directory(struct shcmd *out)
{
	kc_make_directory(out, KAMAL_RUN_DIRECTORY);
}

void kc_server_remove_app_directory(struct shcmd *out, const struct kamal *k)
{
	struct strbuf dir = STRBUF_INIT;

	kamal_app_directory(k->cfg, &dir);
	kc_remove_directory(out, dir.buf);
	strbuf_release(&dir);
}

void kc_server_app_directory_count(struct shcmd *out)
{
	shcmd_addl(out, "ls", KAMAL_APPS_DIRECTORY, NULL);
	shcmd_add_shell(out, "|");
	shcmd_addl(out, "wc", "-l", NULL);
}

void kc_server_exec(struct shcmd *out, const char *cmd)
{
	shcmd_add_shell(out, cmd);
}

void kc_server_exec_record(struct shcmd *out, const struct kamal *k, const char *cmd,
			   const char *host)
{
	struct strbuf line = STRBUF_INIT;

	strbuf_addf(&line, "Executed cmd '%s' on %s", cmd, host);
	kc_auditor_record(out, k, NULL, line.buf);
	strbuf_release(&line);
}
