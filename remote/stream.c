/*
 * stream.c - remote_stream(): long-running commands on many hosts at
 * once (logs --follow), every line printed as it arrives, whole, after
 * its stream's label, until the commands end or Ctrl-C stops them all.
 * This is run_processes_parallel()'s streaming mode, one ssh per stream.
 */
#include "remote/remote-int.h"
#include "log.h"
#include "run-command.h"

struct stream {
	const struct remote_stream_task *tasks;
	size_t nr, next;
	struct strbuf *lines; /* per task: its command line, as sent */
	int width;
	int sig;              /* the Ctrl-C that ends a follow, once seen */
};

static int next_task(struct child_process *cp, void *data, void **task_cb)
{
	struct stream *s = data;
	struct strbuf why = STRBUF_INIT;

	while (s->next < s->nr) {
		size_t i = s->next++;
		const char *host = s->tasks[i].host;
		if (remote_connect(host, &why) < 0) {
			strbuf_trim(&why);
			error("%s: cannot connect: %s", host, why.buf);
			strbuf_reset(&why);
			continue;
		}
		remote_command_argv(host, s->lines[i].buf, &cp->args);
		remote_child_env(&cp->env);
		*task_cb = (void *)&s->tasks[i];
		strbuf_release(&why);
		return 1;
	}
	strbuf_release(&why);
	return 0;
}

static void on_line(const char *line, int is_err, void *data, void *task_cb)
{
	struct stream *s = data;
	const struct remote_stream_task *t = task_cb;
	struct strbuf prefix = STRBUF_INIT;
	strbuf_addf(&prefix, "%-*s  ", s->width, t->label);
	out_line(stdout, prefix.buf, line);
	strbuf_release(&prefix);
}

static int finished(struct child_output *res, void *data, void *task_cb)
{
	const struct stream *s = data;
	const struct remote_stream_task *t = task_cb;
	/* ssh stopped by our SIGTERM exits 255: after Ctrl-C that is the follow ending. */
	if (res->status && res->status != 128 + SIGTERM && !remote_signal && !s->sig)
		return error("%s: the command ended with status %d", t->label, res->status);
	return 0;
}

static void print_plan(const struct remote_stream_task *tasks, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		struct strbuf prefix = STRBUF_INIT, shown = STRBUF_INIT;
		shcmd_to_shell(tasks[i].c, &shown, 1);
		strbuf_addf(&prefix, "[%s] STREAM ", tasks[i].host);
		out_line(stdout, prefix.buf, shown.buf);
		strbuf_release(&prefix);
		strbuf_release(&shown);
	}
}

int remote_stream_each(const struct remote_stream_task *tasks, size_t nr)
{
	struct stream s = { tasks, nr, 0, NULL, 0, 0 };
	struct run_parallel_opts o = { 0 };
	int r;

	if (remote.mode.dry_run || remote.mode.answers) {
		print_plan(tasks, nr);
		return 0;
	}
	s.lines = xcalloc(nr ? nr : 1, sizeof(*s.lines));
	for (size_t i = 0; i < nr; i++) {
		strbuf_init(&s.lines[i], 0);
		shcmd_to_shell(tasks[i].c, &s.lines[i], 0);
		if ((int)strlen(tasks[i].label) > s.width)
			s.width = (int)strlen(tasks[i].label);
	}
	o.stream = 1;
	o.get_next_task = next_task;
	o.task_finished = finished;
	o.on_line = on_line;
	o.data = &s;
	o.interrupted = &s.sig;
	r = run_processes_parallel(&o);
	for (size_t i = 0; i < nr; i++)
		strbuf_release(&s.lines[i]);
	free(s.lines);
	/* Ctrl-C is how a follow ends: that is success. */
	return s.sig ? 0 : r;
}

int remote_stream(const struct strvec *hosts, const struct shcmd *c)
{
	struct remote_stream_task *tasks = xcalloc(hosts->nr ? hosts->nr : 1, sizeof(*tasks));
	int r;

	for (size_t i = 0; i < hosts->nr; i++) {
		tasks[i].host = hosts->v[i];
		tasks[i].label = hosts->v[i];
		tasks[i].c = c;
	}
	r = remote_stream_each(tasks, hosts->nr);
	free(tasks);
	return r;
}
