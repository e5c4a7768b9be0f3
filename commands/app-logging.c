/*
 * app-logging.c - app logs, and logs --follow through ssh
 * (Kamal::Commands::App::Logging).
 */
#include "commands/app.h"
#include "commands/ssh.h"
#include "quote.h"

/* The command whose output is the container to read: given, echoed, or the running one. */
static void container_id_command(struct shcmd *out, const struct kamal *k,
				 const struct config_role *role, const struct kc_logs *o)
{
	if (o->container_cmd) {
		shcmd_append(out, o->container_cmd);
	} else if (o->container_id) {
		struct shcmd echo = SHCMD_INIT;
		shcmd_add(&echo, "echo");
		shcmd_add(&echo, o->container_id);
		shcmd_add_sh_c(out, &echo);
		shcmd_clear(&echo);
	} else {
		kc_app_current_running_container_id(out, k, role);
	}
}

/*
 * grep's pattern in the quotes Kamal uses (single for logs, double for
 * --follow); a pattern those quotes would not keep intact is single-quoted
 * properly instead.
 */
void kc_add_grep(struct shcmd *out, const char *pattern, const char *options, int dquote)
{
	struct strbuf sb = STRBUF_INIT;

	shcmd_add_shell(out, "|");
	shcmd_add(out, "grep");
	if (dquote && !strpbrk(pattern, "\"$`\\!"))
		strbuf_addf(&sb, "\"%s\"", pattern);
	else
		sq_quote_buf(&sb, pattern);
	shcmd_add_shell(out, sb.buf);
	/* grep_options are more grep arguments, split by the shell as in Kamal */
	if (options)
		shcmd_add_shell(out, options);
	strbuf_release(&sb);
}

/* | xargs docker logs [--timestamps] [--since S] [--tail N] [--follow] 2>&1 */
static void pipe_docker_logs(struct shcmd *out, const struct kc_logs *o, int follow)
{
	shcmd_add_shell(out, "|");
	shcmd_addl(out, "xargs", "docker", "logs", NULL);
	if (!o->skip_timestamps)
		shcmd_add(out, "--timestamps");
	if (o->since && !follow)
		shcmd_addl(out, "--since", o->since, NULL);
	if (o->lines)
		shcmd_addl(out, "--tail", o->lines, NULL);
	if (follow)
		shcmd_add(out, "--follow");
	shcmd_add_shell(out, "2>&1");
}

void kc_app_logs(struct shcmd *out, const struct kamal *k, const struct config_role *role,
		 const struct kc_logs *o)
{
	container_id_command(out, k, role, o);
	pipe_docker_logs(out, o, 0);
	if (o->grep)
		kc_add_grep(out, o->grep, o->grep_options, 0);
}

void kc_app_follow_logs(struct shcmd *out, const struct kamal *k,
			const struct config_role *role, const char *host,
			const struct kc_logs *o)
{
	struct shcmd inner = SHCMD_INIT;

	container_id_command(&inner, k, role, o);
	pipe_docker_logs(&inner, o, 1);
	if (o->grep)
		kc_add_grep(&inner, o->grep, o->grep_options, 1);
	kc_run_over_ssh(out, k, host, &inner);
	shcmd_clear(&inner);
}

void kc_app_stream_logs(struct shcmd *out, const struct kamal *k,
			const struct config_role *role, const struct kc_logs *o)
{
	container_id_command(out, k, role, o);
	pipe_docker_logs(out, o, 1);
	if (o->grep) {
		shcmd_add_shell(out, "|");
		shcmd_addl(out, "grep", "--line-buffered", o->grep, NULL);
		if (o->grep_options)
			shcmd_add_shell(out, o->grep_options);
	}
}
