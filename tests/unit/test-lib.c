/* test-lib.c - the shared plumbing: strbuf, strvec, quote, run-command, log. */
#include "unit.h"
#include "log.h"
#include "quote.h"
#include "run-command.h"
#include "strbuf.h"
#include "strvec.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* An fd reading n bytes of 'x' (a temporary file, already unlinked). */
static int fd_of(size_t n)
{
	char path[] = "/tmp/berth-test-lib.XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	for (size_t i = 0; i < n; i++)
		if (write(fd, "x", 1) != 1)
			return -1;
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* What fn wrote to stderr, and its exit status (-1: it returned). */
static const char *stderr_of(void (*fn)(void), int *status)
{
	static struct strbuf out = STRBUF_INIT;
	int fd = fd_of(0), st;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (!pid) {
		dup2(fd, 2);
		fn();
		fflush(NULL);
		_exit(255);
	}
	waitpid(pid, &st, 0);
	*status = WIFEXITED(st) && WEXITSTATUS(st) != 255 ? WEXITSTATUS(st) : -1;
	lseek(fd, 0, SEEK_SET);
	strbuf_reset(&out);
	strbuf_read_fd(&out, fd);
	close(fd);
	return out.buf;
}

static void strbuf_appends_and_formats(void)
{
	struct strbuf sb = STRBUF_INIT;
	CHECK_STR(sb.buf, "");
	strbuf_addstr(&sb, "deploy");
	strbuf_addch(&sb, ' ');
	strbuf_addf(&sb, "%s-%d", "web", 3);
	CHECK_STR(sb.buf, "deploy web-3");
	CHECK_INT(sb.len, 12);
	strbuf_setlen(&sb, 6);
	CHECK_STR(sb.buf, "deploy");
	strbuf_release(&sb);
	CHECK_STR(sb.buf, "");
}

static void strbuf_trims(void)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "  \tabc def \n");
	strbuf_trim(&sb);
	CHECK_STR(sb.buf, "abc def");
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "line\r\n");
	strbuf_chomp(&sb);
	CHECK_STR(sb.buf, "line");
	strbuf_release(&sb);
}

static void strbuf_cap_refuses_growth(void)
{
	struct strbuf sb = STRBUF_INIT;
	sb.max = 8;
	CHECK_INT(strbuf_addstr(&sb, "12345678"), 0);
	CHECK_INT(strbuf_addch(&sb, '9'), -1);
	CHECK_STR(sb.buf, "12345678");
	strbuf_release(&sb);
}

static void strbuf_read_fd_under_a_cap(void)
{
	struct strbuf sb = STRBUF_INIT;
	int fd;

	/* a small file under a cap far below the read size */
	sb.max = 100;
	fd = fd_of(10);
	CHECK_INT(strbuf_read_fd(&sb, fd), 0);
	CHECK_INT(sb.len, 10);
	close(fd);
	/* exactly up to the cap, after what the buffer held */
	fd = fd_of(90);
	CHECK_INT(strbuf_read_fd(&sb, fd), 0);
	CHECK_INT(sb.len, 100);
	CHECK(sb.len <= sb.max);
	close(fd);
	/* one byte too many: EFBIG, the buffer as it was */
	strbuf_setlen(&sb, 50);
	fd = fd_of(51);
	errno = 0;
	CHECK_INT(strbuf_read_fd(&sb, fd), -1);
	CHECK_INT(errno, EFBIG);
	CHECK_INT(sb.len, 50);
	close(fd);
	strbuf_release(&sb);
	/* many reads under a cap above the read size */
	sb.max = 20000;
	fd = fd_of(20000);
	CHECK_INT(strbuf_read_fd(&sb, fd), 0);
	CHECK_INT(sb.len, 20000);
	close(fd);
	strbuf_release(&sb);
	/* no cap */
	fd = fd_of(100000);
	CHECK_INT(strbuf_read_fd(&sb, fd), 0);
	CHECK_INT(sb.len, 100000);
	close(fd);
	strbuf_release(&sb);
}

/* The lowest free descriptor: the same before and after means no leak. */
static int next_fd(void)
{
	int fd = dup(0);
	close(fd);
	return fd;
}

static void strbuf_write_file_closes_on_error(void)
{
	struct strbuf sb = STRBUF_INIT, back = STRBUF_INIT;
	char path[] = "/tmp/berth-test-lib.XXXXXX";
	int fd = mkstemp(path), before;

	close(fd);
	strbuf_addstr(&sb, "a list\n");
	CHECK_INT(strbuf_write_file(&sb, path), 0);
	CHECK_INT(strbuf_read_file(&back, path), 0);
	CHECK_STR(back.buf, "a list\n");
	unlink(path);
	/* a write that fails (a full disk) reports ENOSPC and closes the file */
	for (int i = 0; i < 10000; i++)
		strbuf_addstr(&sb, "more lines\n");
	before = next_fd();
	errno = 0;
	CHECK_INT(strbuf_write_file(&sb, "/dev/full"), -1);
	CHECK_INT(errno, ENOSPC);
	CHECK_INT(next_fd(), before);
	CHECK_INT(strbuf_write_file(&sb, "/nonexistent/dir/file"), -1);
	CHECK_INT(errno, ENOENT);
	CHECK_INT(next_fd(), before);
	strbuf_release(&sb);
	strbuf_release(&back);
}

static void strbuf_replaces_all(void)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "a-b-c-");
	CHECK_INT(strbuf_replace_all(&sb, "-", "--"), 0);
	CHECK_STR(sb.buf, "a--b--c--");
	CHECK_INT(strbuf_replace_all(&sb, "zz", "y"), 0);
	CHECK_STR(sb.buf, "a--b--c--");
	sb.max = 10;
	CHECK_INT(strbuf_replace_all(&sb, "--", "+++"), -1);
	CHECK_STR(sb.buf, "a--b--c--");
	strbuf_release(&sb);
}

static void strbuf_large_growth(void)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 100000; i++)
		strbuf_addch(&sb, 'a' + i % 26);
	CHECK_INT(sb.len, 100000);
	CHECK(sb.buf[99999] == 'a' + 99999 % 26);
	CHECK(sb.buf[100000] == '\0');
	strbuf_release(&sb);
}

static void strvec_is_an_argv(void)
{
	struct strvec sv = STRVEC_INIT;
	char *joined;
	CHECK(sv.v[0] == NULL);
	strvec_pushl(&sv, "docker", "run", NULL);
	strvec_pushf(&sv, "--name=%s", "app-web-1");
	CHECK_INT(sv.nr, 3);
	CHECK(sv.v[3] == NULL);
	CHECK_INT(strvec_find(&sv, "run"), 1);
	CHECK_INT(strvec_find(&sv, "nope"), -1);
	joined = strvec_join(&sv, " ");
	CHECK_STR(joined, "docker run --name=app-web-1");
	free(joined);
	strvec_pop(&sv);
	CHECK_INT(sv.nr, 2);
	strvec_clear(&sv);
	CHECK_INT(sv.nr, 0);
}

static void quote_keeps_words_whole(void)
{
	struct strbuf sb = STRBUF_INIT;
	const char *argv[] = { "docker", "exec", "app", "sh", "-c", "echo $HOME; rm -rf /",
			       "it's", "", NULL };
	sq_quote_argv(&sb, argv);
	CHECK_STR(sb.buf, "docker exec app sh -c 'echo $HOME; rm -rf /' 'it'\\''s' ''");
	strbuf_release(&sb);
}

static void quote_round_trips_through_sh(void)
{
	/* Whatever the word, sh must hand back exactly that word. */
	const char *words[] = { "plain", "with space", "quote'in", "$(id)", "`id`",
				"back\\slash", "new\nline", "*", NULL };
	for (int i = 0; words[i]; i++) {
		struct strbuf cmd = STRBUF_INIT, out = STRBUF_INIT;
		const char *argv[] = { "printf", "%s", words[i], NULL };
		const char *sh[] = { "sh", "-c", NULL, NULL };
		sq_quote_argv(&cmd, argv);
		sh[2] = cmd.buf;
		CHECK_INT(capture_argv(sh, &out), 0);
		CHECK_STR(out.buf, words[i]);
		strbuf_release(&cmd);
		strbuf_release(&out);
	}
}

static void run_command_captures_and_reports_status(void)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	strvec_pushl(&cp.args, "sh", "-c", "cat; echo to-err >&2; exit 3", NULL);
	cp.stdin_data = "fed in";
	cp.stdin_len = 6;
	CHECK_INT(capture_command(&cp, &out, &err), 3);
	CHECK_STR(out.buf, "fed in");
	CHECK_STR(err.buf, "to-err\n");
	child_process_clear(&cp);
	strbuf_release(&out);
	strbuf_release(&err);
}

static void run_command_env_and_dir(void)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf out = STRBUF_INIT;
	strvec_pushl(&cp.args, "sh", "-c", "echo \"$BERTH_T:$(pwd)\"", NULL);
	strvec_push(&cp.env, "BERTH_T=yes");
	cp.dir = "/";
	CHECK_INT(capture_command(&cp, &out, NULL), 0);
	CHECK_STR(out.buf, "yes:/\n");
	child_process_clear(&cp);
	strbuf_release(&out);
}

static void run_command_missing_program(void)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	strvec_push(&cp.args, "berth-no-such-program");
	cp.silent_exec_failure = 1;
	CHECK_INT(run_command(&cp), -1);
	child_process_clear(&cp);
}

static void run_parallel_keeps_output_together(void)
{
	struct child_process cps[3] = { CHILD_PROCESS_INIT, CHILD_PROCESS_INIT,
					CHILD_PROCESS_INIT };
	struct parallel_result res[3];
	for (int i = 0; i < 3; i++)
		strvec_pushl(&cps[i].args, "sh", "-c",
			     i == 1 ? "echo a; sleep 0.1; echo b; exit 4" : "echo a; echo b", NULL);
	CHECK_INT(run_parallel(cps, 3, 2, res), -1);
	for (int i = 0; i < 3; i++) {
		CHECK_STR(res[i].out.buf, "a\nb\n");
		CHECK_INT(res[i].status, i == 1 ? 4 : 0);
		strbuf_release(&res[i].out);
		child_process_clear(&cps[i]);
	}
}

static void log_redacts_secrets(void)
{
	char *s;
	log_redact_add("hunter22");
	s = log_redact("docker login -p hunter22 registry");
	CHECK_STR(s, "docker login -p [REDACTED] registry");
	free(s);
	log_redact_clear();
	/* a secret inside the replacement text is not replaced forever */
	alarm(10);
	log_redact_add("EDACTE");
	s = log_redact("x EDACTE y");
	CHECK_STR(s, "x [REDACTED] y");
	free(s);
	alarm(0);
	log_redact_clear();
}

static void print_located(void)
{
	struct strbuf err = STRBUF_INIT;
	strbuf_addstr(&err, "config/deploy.yml:14: servers/web/hostz: unknown key\n"
			    "config/deploy.yml:20: builder/arch: the pass is multi\nline-secret-1\n\n");
	log_redact_add("multi\nline-secret-1");
	error_buf(&err);
}

static void die_located(void)
{
	struct strbuf err = STRBUF_INIT;
	strbuf_addstr(&err, "config/deploy.yml:3: service: must be a string");
	die_err(&err);
}

static void error_buf_prints_located_lines_redacted(void)
{
	int status;
	CHECK_STR(stderr_of(print_located, &status),
		  "config/deploy.yml:14: servers/web/hostz: unknown key\n"
		  "config/deploy.yml:20: builder/arch: the pass is [REDACTED]\n");
	CHECK_INT(status, -1);
	CHECK_STR(stderr_of(die_located, &status),
		  "config/deploy.yml:3: service: must be a string\n");
	CHECK_INT(status, 1);
	log_redact_clear();
}

int main(void)
{
	RUN(strbuf_appends_and_formats);
	RUN(strbuf_trims);
	RUN(strbuf_cap_refuses_growth);
	RUN(strbuf_read_fd_under_a_cap);
	RUN(strbuf_write_file_closes_on_error);
	RUN(strbuf_replaces_all);
	RUN(strbuf_large_growth);
	RUN(strvec_is_an_argv);
	RUN(quote_keeps_words_whole);
	RUN(quote_round_trips_through_sh);
	RUN(run_command_captures_and_reports_status);
	RUN(run_command_env_and_dir);
	RUN(run_command_missing_program);
	RUN(run_parallel_keeps_output_together);
	RUN(log_redacts_secrets);
	RUN(error_buf_prints_located_lines_redacted);
	return unit_done();
}
