/*
 * stream.c - remote_stream(): one long-running command on many hosts at
 * once (logs --follow), every line printed as it arrives, whole, after
 * its host's name, until the commands end or Ctrl-C stops them all. This
 * is run_processes_parallel()'s streaming mode, one ssh per host.
 */
#include "remote/remote-int.h"
#include "log.h"
#include "run-command.h"

struct stream {
	const struct strvec *hosts;
	const char *line;
	size_t next;
	int width;
};

static int next_host(struct child_process *cp, void *data, void **task_cb)
{
	struct stream *s = data;
	struct strbuf why = STRBUF_INIT;

	while (s->next < s->hosts->nr) {
		const char *host = s->hosts->v[s->next++];
		if (remote_connect(host, &why) < 0) {
			strbuf_trim(&why);
			error("%s: cannot connect: %s", host, why.buf);
			strbuf_reset(&why);
			continue;
		}
		remote_command_argv(host, s->line, &cp->args);
		remote_child_env(&cp->env);
		*task_cb = (void *)host;
		strbuf_release(&why);
		return 1;
	}
	strbuf_release(&why);
	return 0;
}

static void on_line(const char *line, int is_err, void *data, void *task_cb)
{
	struct stream *s = data;
	struct strbuf prefix = STRBUF_INIT;
	strbuf_addf(&prefix, "%-*s  ", s->width, (const char *)task_cb);
	out_line(stdout, prefix.buf, line);
	strbuf_release(&prefix);
}

static int finished(struct child_output *res, void *data, void *task_cb)
{
	if (res->status && res->status != 128 + SIGTERM && !remote_signal)
		return error("%s: the command ended with status %d", (const char *)task_cb,
			     res->status);
	return 0;
}

int remote_stream(const struct strvec *hosts, const struct shcmd *c)
{
	struct strbuf line = STRBUF_INIT, shown = STRBUF_INIT;
	struct stream s = { hosts, NULL, 0, 0 };
	struct run_parallel_opts o = { 0 };
	int sig = 0, r;

	shcmd_to_shell(c, &line, 0);
	shcmd_to_shell(c, &shown, 1);
	if (remote.mode.dry_run || remote.mode.answers) {
		for (size_t i = 0; i < hosts->nr; i++) {
			struct strbuf prefix = STRBUF_INIT;
			strbuf_addf(&prefix, "[%s] STREAM ", hosts->v[i]);
			out_line(stdout, prefix.buf, shown.buf);
			strbuf_release(&prefix);
		}
		strbuf_release(&line);
		strbuf_release(&shown);
		return 0;
	}
	for (size_t i = 0; i < hosts->nr; i++)
		if ((int)strlen(hosts->v[i]) > s.width)
			s.width = (int)strlen(hosts->v[i]);
	s.line = line.buf;
	o.stream = 1;
	o.get_next_task = next_host;
	o.task_finished = finished;
	o.on_line = on_line;
	o.data = &s;
	o.interrupted = &sig;
	r = run_processes_parallel(&o);
	strbuf_release(&line);
	strbuf_release(&shown);
	/* Ctrl-C is how a follow ends: that is success. */
	return sig ? 0 : r;
}
