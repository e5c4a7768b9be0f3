/* test-run-command.c - starting children: descriptors, stdin, env, and the parallel runner. */
#include "run-command.h"
#include "unit.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void child_reading_stdin_to_eof_ends(void)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf out = STRBUF_INIT;
	char path[] = "/tmp/berth-rc-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	/* run_command: the child must not hold the write end of its stdin. */
	strvec_pushl(&cp.args, "sh", "-c", "wc -c > \"$0\"; echo eof >> \"$0\"", path, NULL);
	cp.stdin_data = "hello\n";
	cp.stdin_len = 6;
	CHECK_INT(run_command(&cp), 0);
	child_process_clear(&cp);
	strbuf_read_file(&out, path);
	CHECK_STR(out.buf, "6\neof\n");
	unlink(path);
	strbuf_release(&out);
}

static void child_gets_only_its_three_descriptors(void)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf out = STRBUF_INIT;
	/* Inherited by us without close-on-exec: still not the child's. */
	int extra = open("/dev/null", O_RDONLY);
	strvec_pushl(&cp.args, "sh", "-c",
		     "for f in /proc/$$/fd/*; do printf '%s ' ${f##*/}; done", NULL);
	cp.stdin_data = "x";
	cp.stdin_len = 1;
	CHECK_INT(capture_command(&cp, &out, NULL), 0);
	/* 3 is the directory the shell's glob reads while it lists. */
	CHECK_STR(out.buf, "0 1 2 3 ");
	close(extra);
	child_process_clear(&cp);
	strbuf_release(&out);
}

static void sigpipe_is_ours_again_afterwards(void)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	void (*before)(int);
	/* The child exits without reading: berth must survive the EPIPE. */
	strvec_pushl(&cp.args, "true", NULL);
	cp.stdin_len = 1 << 20;
	cp.stdin_data = xcalloc(1, cp.stdin_len);
	CHECK_INT(run_command(&cp), 0);
	before = signal(SIGPIPE, SIG_DFL);
	CHECK(before == SIG_DFL);
	free((void *)cp.stdin_data);
	child_process_clear(&cp);
}

static void a_closed_stdin_of_ours_does_not_confuse_the_child(void)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf out = STRBUF_INIT;
	int saved = dup(0);
	close(0); /* CI runs with no stdin: the next pipe gets fd 0 */
	strvec_pushl(&cp.args, "cat", NULL);
	cp.stdin_data = "data";
	cp.stdin_len = 4;
	CHECK_INT(capture_command(&cp, &out, NULL), 0);
	CHECK_STR(out.buf, "data");
	dup2(saved, 0);
	close(saved);
	child_process_clear(&cp);
	strbuf_release(&out);
}

static void env_is_added_and_removed(void)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf out = STRBUF_INIT;
	setenv("BERTH_RC_GONE", "1", 1);
	strvec_pushl(&cp.args, "sh", "-c", "echo \"${BERTH_RC_GONE-unset} $BERTH_RC_NEW\"", NULL);
	strvec_pushl(&cp.env, "BERTH_RC_GONE", "BERTH_RC_NEW=a=b", NULL);
	CHECK_INT(capture_command(&cp, &out, NULL), 0);
	CHECK_STR(out.buf, "unset a=b\n");
	CHECK_STR(getenv("BERTH_RC_GONE"), "1");
	unsetenv("BERTH_RC_GONE");
	child_process_clear(&cp);
	strbuf_release(&out);
}

static void capture_ends_with_the_child_not_with_its_pipes(void)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	long t0 = ms();
	/* As an ssh client whose master keeps its descriptors: they outlive it. */
	strvec_pushl(&cp.args, "sh", "-c", "echo before; (sleep 5 &); exit 3", NULL);
	CHECK_INT(capture_command(&cp, &out, &err), 3);
	CHECK(ms() - t0 < 2000);
	CHECK_STR(out.buf, "before\n");
	child_process_clear(&cp);
	strbuf_release(&out);
	strbuf_release(&err);
}

static void stdin_is_written_after_stdout_closed(void)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf out = STRBUF_INIT;
	char path[] = "/tmp/berth-rc-XXXXXX";
	size_t n = 300000;
	char *data = xmalloc(n);
	struct strbuf got = STRBUF_INIT;
	int fd = mkstemp(path);
	close(fd);
	memset(data, 'x', n);
	strvec_pushl(&cp.args, "sh", "-c", "exec >/dev/null; cat > \"$0\"", path, NULL);
	cp.stdin_data = data;
	cp.stdin_len = n;
	CHECK_INT(capture_command(&cp, &out, NULL), 0);
	strbuf_read_file(&got, path);
	CHECK_INT(got.len, n);
	unlink(path);
	free(data);
	child_process_clear(&cp);
	strbuf_release(&out);
	strbuf_release(&got);
}

/* ---- the parallel runner ---- */

struct job {
	const char *script;
	const char *input;
	int status, timed_out;
	struct strbuf out, err, lines;
	int interrupt_seen; /* what *interrupted said when this job's callback ran */
};

struct jobs {
	struct job *j;
	size_t n, next;
	int *interrupted;
};

static int next_job(struct child_process *cp, void *data, void **task_cb)
{
	struct jobs *js = data;
	struct job *j;
	if (js->next >= js->n)
		return 0;
	j = &js->j[js->next++];
	strvec_pushl(&cp->args, "sh", "-c", j->script, NULL);
	if (j->input) {
		cp->stdin_data = j->input;
		cp->stdin_len = strlen(j->input);
	}
	*task_cb = j;
	return 1;
}

static int job_done(struct child_output *res, void *data, void *task_cb)
{
	struct jobs *js = data;
	struct job *j = task_cb;
	j->interrupt_seen = js->interrupted ? *js->interrupted : -1;
	j->status = res->status;
	j->timed_out = res->timed_out;
	strbuf_addbuf(&j->out, &res->out);
	strbuf_addbuf(&j->err, &res->err);
	return res->status ? -1 : 0;
}

static void job_line(const char *line, int is_err, void *data, void *task_cb)
{
	struct job *j = task_cb;
	strbuf_addf(&j->lines, "%s:%s|", is_err ? "err" : "out", line);
}

static int run_jobs(struct job *j, size_t n, size_t processes, long timeout, int stream,
		    int *interrupted)
{
	struct jobs js = { j, n, 0, interrupted };
	struct run_parallel_opts o = { 0 };
	for (size_t i = 0; i < n; i++) {
		strbuf_init(&j[i].out, 0);
		strbuf_init(&j[i].err, 0);
		strbuf_init(&j[i].lines, 0);
		j[i].status = -2;
	}
	o.processes = processes;
	o.timeout_ms = timeout;
	o.stream = stream;
	o.get_next_task = next_job;
	o.task_finished = job_done;
	o.on_line = job_line;
	o.data = &js;
	o.interrupted = interrupted;
	return run_processes_parallel(&o);
}

static void release_jobs(struct job *j, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		strbuf_release(&j[i].out);
		strbuf_release(&j[i].err);
		strbuf_release(&j[i].lines);
	}
}

static void parallel_keeps_each_childs_output_apart(void)
{
	struct job j[3] = {
		{ "echo a; sleep 0.1; echo b; echo e >&2", NULL, 0, 0, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, 0 },
		{ "echo c; sleep 0.05; echo d; exit 4", NULL, 0, 0, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, 0 },
		{ "cat; echo", "from stdin", 0, 0, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, 0 },
	};
	CHECK_INT(run_jobs(j, 3, 0, 0, 0, NULL), -1);
	CHECK_STR(j[0].out.buf, "a\nb\n");
	CHECK_STR(j[0].err.buf, "e\n");
	CHECK_INT(j[0].status, 0);
	CHECK_STR(j[1].out.buf, "c\nd\n");
	CHECK_INT(j[1].status, 4);
	CHECK_STR(j[2].out.buf, "from stdin\n");
	release_jobs(j, 3);
}

static void parallel_streams_whole_lines(void)
{
	struct job j[1] = {
		{ "printf 'one\\ntw'; sleep 0.1; printf 'o\\n'; sleep 0.1; echo x >&2; sleep 0.1; printf tail", NULL, 0, 0, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, 0 },
	};
	CHECK_INT(run_jobs(j, 1, 0, 0, 1, NULL), 0);
	CHECK_STR(j[0].lines.buf, "out:one|out:two|err:x|out:tail|");
	release_jobs(j, 1);
}

static void parallel_respects_the_limit(void)
{
	struct job j[4];
	long t0 = ms(), took;
	for (int i = 0; i < 4; i++)
		j[i] = (struct job){ "sleep 0.3", NULL, 0, 0, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, 0 };
	CHECK_INT(run_jobs(j, 4, 2, 0, 0, NULL), 0);
	took = ms() - t0;
	/* Two at a time: two rounds of 0.3 s, not one. */
	CHECK(took >= 550);
	CHECK(took < 3000);
	release_jobs(j, 4);
}

static void parallel_times_out_a_child_and_its_group(void)
{
	struct job j[2] = {
		{ "sleep 30 & sleep 30; echo never", NULL, 0, 0, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, 0 },
		{ "echo quick", NULL, 0, 0, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, 0 },
	};
	long t0 = ms();
	CHECK_INT(run_jobs(j, 2, 0, 300, 0, NULL), -1);
	CHECK(ms() - t0 < 2500);
	CHECK_INT(j[0].timed_out, 1);
	CHECK_INT(j[0].status, 128 + SIGTERM);
	CHECK_STR(j[0].out.buf, "");
	CHECK_INT(j[1].timed_out, 0);
	CHECK_STR(j[1].out.buf, "quick\n");
	release_jobs(j, 2);
}

static void a_daemon_holding_the_pipes_does_not_hang_the_runner(void)
{
	struct job j[1] = {
		{ "(sleep 5 &); echo started", NULL, 0, 0, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, 0 },
	};
	long t0 = ms();
	CHECK_INT(run_jobs(j, 1, 0, 0, 0, NULL), 0);
	CHECK(ms() - t0 < 1500);
	CHECK_STR(j[0].out.buf, "started\n");
	release_jobs(j, 1);
}

static void ctrl_c_stops_every_child(void)
{
	struct job j[3] = {
		{ "sleep 30", NULL, 0, 0, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, 0 },
		{ "sleep 0.2; kill -INT $PPID; sleep 30", NULL, 0, 0, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, 0 },
		{ "echo never started", NULL, 0, 0, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, 0 },
	};
	int interrupted = 0;
	long t0 = ms();
	CHECK_INT(run_jobs(j, 3, 2, 0, 0, &interrupted), -1);
	CHECK(ms() - t0 < 2500);
	CHECK_INT(interrupted, SIGINT);
	CHECK_INT(j[0].status, 128 + SIGTERM);
	/* A stopped child's callback already knows why it ended (logs -f's Ctrl-C is no error). */
	CHECK_INT(j[0].interrupt_seen, SIGINT);
	CHECK_INT(j[2].status, -2); /* never asked for */
	release_jobs(j, 3);
}

/*
 * A Ctrl-C that lands while a child is being started (before its pid is
 * known to the handler) must still stop it: once berth is stopping, a
 * child in its own group is stopped as it starts.
 */
static void a_child_started_while_stopping_is_stopped(void)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	long t0 = ms();

	strvec_pushl(&cp.args, "sh", "-c", "sleep 30", NULL);
	cp.new_process_group = 1;
	run_command_stopping = 1;
	CHECK_INT(run_command(&cp), 128 + SIGTERM);
	run_command_stopping = 0;
	CHECK(ms() - t0 < 2500);
	child_process_clear(&cp);
	/* And once cleared (cleanup after Ctrl-C), children run again. */
	strvec_pushl(&cp.args, "sh", "-c", "exit 3", NULL);
	cp.new_process_group = 1;
	CHECK_INT(run_command(&cp), 3);
	child_process_clear(&cp);
}

/* Gone or a zombie nobody reaped yet: either way no longer running. */
static int running(pid_t pid)
{
	char path[64], state = 0;
	FILE *f;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 0;
	fclose(f);
	return state && state != 'Z' && state != 'X';
}

static void a_child_dies_with_its_parent(void)
{
	char path[] = "/tmp/berth-rc-XXXXXX";
	struct strbuf pid = STRBUF_INIT;
	int fd = mkstemp(path), waited = 0;
	pid_t middle, child = 0;

	close(fd);
	/* A middle process starts the child and is then SIGKILLed, as berth-db might be. */
	if (!(middle = fork())) {
		struct child_process cp = CHILD_PROCESS_INIT;
		strvec_pushl(&cp.args, "sh", "-c", "echo $$ >\"$0.tmp\" && mv \"$0.tmp\" \"$0\" && exec sleep 30", path, NULL);
		unlink(path);
		cp.die_with_parent = 1;
		cp.new_process_group = 1; /* out of the way of a signal to our group */
		_exit(run_command(&cp));
	}
	for (int i = 0; i < 200 && !child; i++) {
		struct timespec ts = { 0, 10000000L };
		strbuf_reset(&pid);
		if (!strbuf_read_file(&pid, path) && pid.len)
			child = atoi(pid.buf);
		nanosleep(&ts, NULL);
	}
	CHECK(child > 0);
	kill(middle, SIGKILL);
	waitpid(middle, NULL, 0);
	while (child > 0 && running(child) && waited++ < 200) {
		struct timespec ts = { 0, 10000000L };
		nanosleep(&ts, NULL);
	}
	CHECK(child > 0 && !running(child));
	if (child > 0 && running(child))
		kill(child, SIGKILL);
	unlink(path);
	strbuf_release(&pid);
}

static void simple_form_still_works(void)
{
	struct child_process cps[2] = { CHILD_PROCESS_INIT, CHILD_PROCESS_INIT };
	struct parallel_result res[2];
	strvec_pushl(&cps[0].args, "sh", "-c", "echo a", NULL);
	strvec_pushl(&cps[1].args, "sh", "-c", "echo b >&2; exit 2", NULL);
	CHECK_INT(run_parallel(cps, 2, 1, res), -1);
	CHECK_STR(res[0].out.buf, "a\n");
	CHECK_INT(res[0].status, 0);
	CHECK_STR(res[1].out.buf, "b\n");
	CHECK_INT(res[1].status, 2);
	for (int i = 0; i < 2; i++) {
		strbuf_release(&res[i].out);
		child_process_clear(&cps[i]);
	}
}

int main(void)
{
	RUN(child_reading_stdin_to_eof_ends);
	RUN(child_gets_only_its_three_descriptors);
	RUN(sigpipe_is_ours_again_afterwards);
	RUN(a_closed_stdin_of_ours_does_not_confuse_the_child);
	RUN(env_is_added_and_removed);
	RUN(capture_ends_with_the_child_not_with_its_pipes);
	RUN(stdin_is_written_after_stdout_closed);
	RUN(parallel_keeps_each_childs_output_apart);
	RUN(parallel_streams_whole_lines);
	RUN(parallel_respects_the_limit);
	RUN(parallel_times_out_a_child_and_its_group);
	RUN(a_daemon_holding_the_pipes_does_not_hang_the_runner);
	RUN(ctrl_c_stops_every_child);
	RUN(a_child_started_while_stopping_is_stopped);
	RUN(a_child_dies_with_its_parent);
	RUN(simple_form_still_works);
	return unit_done();
}
