/* sshkit.c - SSHKit's command map and env wrapper (see sshkit.h). */
#include "commands/sshkit.h"

/* SSHKit's should_map?: the command name holds no whitespace. */
static int mapped(const struct shcmd *cmd)
{
	const struct shcmd_word *first = &cmd->w[0];

	return first->kind == SHCMD_RAW || !strpbrk(first->text, " \t\n");
}

static int needs_env_prefix(const struct shcmd *cmd)
{
	const char *name = cmd->w[0].text;

	return strcmp(name, "docker") && strcmp(name, "/usr/bin/env");
}

void kc_sshkit_command(struct shcmd *out, const struct shcmd *cmd)
{
	kc_sshkit_command_env(out, cmd, NULL);
}

static void add_exports(struct shcmd *out, const struct strvec *env)
{
	shcmd_add_shelll(out, "(", "export", NULL);
	for (size_t i = 0; i < env->nr; i++) {
		const char *eq = strchr(env->v[i], '=');
		struct strbuf sb = STRBUF_INIT;

		if (!eq)
			continue;
		strbuf_add(&sb, env->v[i], eq - env->v[i]);
		strbuf_addstr(&sb, "=\"");
		for (const char *p = eq + 1; *p; p++) {
			if (*p == '"')
				strbuf_addch(&sb, '\\');
			strbuf_addch(&sb, *p);
		}
		strbuf_addch(&sb, '"');
		shcmd_add_shell(out, sb.buf);
		strbuf_release(&sb);
	}
	shcmd_add_shell(out, ";");
}

void kc_sshkit_command_env(struct shcmd *out, const struct shcmd *cmd,
			   const struct strvec *env)
{
	int wrap;

	if (shcmd_empty(cmd)) {
		shcmd_add(out, "/usr/bin/env");
		return;
	}
	if (!mapped(cmd)) {
		shcmd_append(out, cmd);
		return;
	}
	wrap = env && env->nr;
	if (wrap)
		add_exports(out, env);
	if (needs_env_prefix(cmd))
		shcmd_add(out, "/usr/bin/env");
	shcmd_append(out, cmd);
	if (wrap)
		shcmd_add_shell(out, ")");
}

void kc_sshkit_line(const struct shcmd *cmd, struct strbuf *out, int redact)
{
	struct shcmd sent = SHCMD_INIT;

	kc_sshkit_command(&sent, cmd);
	shcmd_to_shell(&sent, out, redact);
	shcmd_clear(&sent);
}
