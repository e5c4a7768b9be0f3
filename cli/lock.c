/*
 * lock.c - the deploy lock around commands that change hosts, as Kamal's
 * with_lock: a directory made with mkdir on the primary host (atomic, so
 * two deployers cannot both win), its details file saying who, since when,
 * for which version and why. --lock-wait polls for an automatic lock to go
 * away; a lock taken by hand (lock acquire -m) is never waited for.
 */
#include "cli.h"
#include "cli/exec.h"
#include "cli/lock.h"
#include "commands/lock.h"
#include "commands/server.h"
#include "log.h"

#include <time.h>
#include <unistd.h>

static int ensure_run_directory(struct host_session *h, void *data)
{
	struct shcmd c = SHCMD_INIT;
	int r;
	(void)data;
	kc_server_ensure_run_directory(&c);
	r = kx_run(h, &c);
	shcmd_clear(&c);
	return r;
}

int cli_ensure_run_directory(struct cli_context *ctx)
{
	struct strvec hosts = STRVEC_INIT;
	struct on_hosts_opts o = { NULL, 0, 1 };
	int r;
	cli_hosts(ctx, &hosts);
	r = on_hosts(&hosts, ensure_run_directory, cli_kamal(ctx), &o);
	strvec_clear(&hosts);
	return r;
}

struct lock_op {
	struct kamal *k;
	const char *message;
	int held;               /* acquire found a lock in place */
	int missing;            /* release/status found none */
	struct strbuf status;   /* the holder's details */
};

static int acquire(struct host_session *h, void *data)
{
	struct lock_op *op = data;
	struct kc_lock_details d = { cli_locked_by, op->k->timestamp, op->k->version, op->message };
	struct shcmd c = SHCMD_INIT, st = SHCMD_INIT;
	int status;

	kc_lock_acquire(&c, op->k, &d);
	status = kx_run_flags(h, &c, REMOTE_NO_RAISE);
	shcmd_clear(&c);
	if (status <= 0)
		return status;
	/* mkdir failed: someone holds it, unless the details say otherwise. */
	kc_lock_status(&st, op->k);
	status = kx_capture(h, &st, &op->status, REMOTE_NO_RAISE);
	shcmd_clear(&st);
	if (!status) {
		op->held = 1;
		return 0;
	}
	return host_fail(h, "cannot take the deploy lock: `mkdir` of the lock directory failed "
			 "and it has no details (a lock left by an interrupted run? "
			 "'%s lock release' clears it)", log_program());
}

static int status_step(struct host_session *h, void *data)
{
	struct lock_op *op = data;
	struct shcmd c = SHCMD_INIT;
	int status;

	kc_lock_status(&c, op->k);
	status = kx_capture(h, &c, &op->status, REMOTE_NO_RAISE);
	shcmd_clear(&c);
	if (status > 0)
		op->missing = 1;
	return status < 0 ? -1 : 0;
}

static int release(struct host_session *h, void *data)
{
	struct lock_op *op = data;
	struct shcmd c = SHCMD_INIT;
	int status;

	kc_lock_release(&c, op->k);
	status = kx_run_flags(h, &c, REMOTE_NO_RAISE);
	shcmd_clear(&c);
	if (status > 0)
		op->missing = 1;
	return status < 0 ? -1 : 0;
}

static int on_primary(struct cli_context *ctx, host_fn fn, struct lock_op *op)
{
	struct strvec hosts = STRVEC_INIT;
	struct on_hosts_opts o = { NULL, 0, 1 };
	int r;
	strvec_push(&hosts, cli_primary_host(ctx));
	r = on_hosts(&hosts, fn, op, &o);
	strvec_clear(&hosts);
	return r;
}

/* Prints the holder's details and how long ago they took it. */
void cli_show_holder(const struct strbuf *status)
{
	const char *at = strstr(status->buf, " at ");
	struct tm tm = { 0 };
	printf("%s\n", status->buf);
	if (at && strptime(at + 4, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		long secs = (long)(time(NULL) - timegm(&tm));
		if (secs >= 0)
			printf("(held for %ldm %02lds)\n", secs / 60, secs % 60);
	}
	fflush(stdout);
}

int cli_lock_status(struct cli_context *ctx, struct strbuf *out)
{
	struct lock_op op = { cli_kamal(ctx), NULL, 0, 0, STRBUF_INIT };
	int r = on_primary(ctx, status_step, &op);
	if (r < 0)
		return -1;
	strbuf_addbuf(out, &op.status);
	strbuf_rtrim(out);
	strbuf_release(&op.status);
	return op.missing ? 0 : 1;
}

static int try_acquire(struct cli_context *ctx, const char *message, struct strbuf *holder)
{
	struct lock_op op = { cli_kamal(ctx), message, 0, 0, STRBUF_INIT };
	int r = on_primary(ctx, acquire, &op);
	strbuf_addbuf(holder, &op.status);
	strbuf_rtrim(holder);
	strbuf_release(&op.status);
	if (r < 0)
		return -1;
	return op.held ? 1 : 0;
}

static long num(const char *v, long dflt)
{
	return v && *v ? strtol(v, NULL, 10) : dflt;
}

static int wait_for_lock(struct cli_context *ctx, const char *message)
{
	long timeout = num(ctx->lock_wait_timeout, 900), interval = num(ctx->lock_wait_interval, 15);
	time_t deadline = time(NULL) + timeout;
	int shown = 0;

	log_info("Acquiring the deploy lock (waiting up to %lds)...", timeout);
	for (;;) {
		struct strbuf holder = STRBUF_INIT;
		int r = try_acquire(ctx, message, &holder);
		long remaining;
		if (r <= 0) {
			strbuf_release(&holder);
			return r;
		}
		if (!shown) {
			log_info("Deploy lock is held by:");
			cli_show_holder(&holder);
			if (!strstr(holder.buf, KAMAL_AUTOMATIC_DEPLOY_LOCK_MESSAGE))
				return error("Deploy lock held manually, not waiting. Run '%s lock help' "
					     "for more information", log_program());
			shown = 1;
		}
		strbuf_release(&holder);
		remaining = (long)(deadline - time(NULL));
		if (remaining <= 0) {
			log_info("Timed out after %lds waiting for the deploy lock", timeout);
			return error("Timed out waiting for deploy lock");
		}
		log_info("Retrying in %lds (%lds remaining)...", interval < remaining ? interval : remaining,
			 remaining);
		sleep((unsigned)(interval < remaining ? interval : remaining));
		if (remote_interrupted())
			return error("interrupted");
	}
}

int cli_take_lock(struct cli_context *ctx, const char *message)
{
	struct strbuf holder = STRBUF_INIT;
	int r;

	if (cli_ensure_run_directory(ctx) < 0)
		return -1;
	if (ctx->lock_wait)
		return wait_for_lock(ctx, message);
	r = try_acquire(ctx, message, &holder);
	if (r > 0) {
		log_info("Deploy lock already in place!");
		cli_show_holder(&holder);
		error("Deploy lock found. Run '%s lock help' for more information", log_program());
		r = -1;
	}
	strbuf_release(&holder);
	return r;
}

/* The run holding the lock, for the release at exit. */
static struct cli_context *lock_holder;

/*
 * A command that dies while it holds the lock (a die() deep in a step)
 * still releases it: registered after remote_setup's teardown, this runs
 * before it, while the connections are there.
 */
static void release_at_exit(void)
{
	if (lock_holder && lock_holder->holding_lock == 2)
		cli_release_lock(lock_holder);
}

int cli_acquire_lock(struct cli_context *ctx, const char *message)
{
	static int registered;

	if (ctx->holding_lock)
		return 0;
	if (!ctx->quiet)
		log_info("Acquiring the deploy lock...");
	if (cli_take_lock(ctx, message ? message : KAMAL_AUTOMATIC_DEPLOY_LOCK_MESSAGE) < 0)
		return -1;
	ctx->holding_lock = 2; /* ours to release */
	lock_holder = ctx;
	if (!registered++)
		atexit(release_at_exit);
	return 0;
}

/* 0 released, 1 there was none, -1 failed. */
int cli_drop_lock(struct cli_context *ctx)
{
	struct lock_op op = { cli_kamal(ctx), NULL, 0, 0, STRBUF_INIT };
	int r = on_primary(ctx, release, &op);
	strbuf_release(&op.status);
	return r < 0 ? -1 : op.missing;
}

int cli_release_lock(struct cli_context *ctx)
{
	int sig, r;

	if (ctx->holding_lock != 2)
		return 0;
	/* Even after Ctrl-C: the lock must not outlive the run that took it. */
	sig = remote_clear_interrupt();
	if (!ctx->quiet)
		log_info("Releasing the deploy lock...");
	ctx->holding_lock = 0;
	r = cli_drop_lock(ctx);
	if (r < 0)
		error("the deploy lock is still held: release it with '%s lock release'",
		      log_program());
	if (sig)
		exit(128 + sig);
	return r < 0 ? -1 : 0;
}

int cli_with_lock(struct cli_context *ctx, int (*fn)(struct cli_context *, void *), void *data)
{
	int took = !ctx->holding_lock, r;

	if (took && cli_acquire_lock(ctx, NULL) < 0)
		return -1;
	r = fn(ctx, data);
	if (took && cli_release_lock(ctx) < 0)
		r = -1;
	return r;
}
