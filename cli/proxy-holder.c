/*
 * proxy-holder.c - booting and replacing berth-proxy on a host without
 * closing its ports (commands/proxy-holder.h has the design).
 *
 * A host's proxy is in one of three states, read with one query:
 *  - none yet: boot it with the holder (berth-proxy), or as Kamal does
 *    (another image: kamal-proxy has no --holder);
 *  - a Kamal-style container (it publishes the ports itself): boot starts
 *    it as it is; a reboot moves it to the holder, with the one gap that
 *    handing the ports over costs;
 *  - in the holder: a reboot, or a boot that finds an older berth-proxy
 *    build, hands over to a new container with no gap at all.
 */
#include "cli.h"
#include "cli/exec.h"
#include "cli/proxy.h"
#include "commands/proxy-holder.h"
#include "config/kamal-host.h"
#include "log.h"

#include <time.h>
#include <unistd.h>

/* How long the new proxy may take to answer, and the old one to drain. */
#define NEXT_READY_MS 30000
#define DRAIN_SECONDS 30

struct host_proxy {
	int exists;        /* a kamal-proxy container is there */
	int in_holder;     /* it runs in berth's port holder */
	char image[96];    /* its image ID */
};

static int inspect(struct host_session *h, struct host_proxy *p)
{
	struct shcmd c = SHCMD_INIT;
	struct strbuf out = STRBUF_INIT;
	int status;

	memset(p, 0, sizeof(*p));
	shcmd_addl(&c, "docker", "inspect", KAMAL_PROXY_CONTAINER, "--format",
		   "{{.Image}}{{range .Args}} {{.}}{{end}}", NULL);
	status = kx_capture(h, &c, &out, REMOTE_NO_RAISE | REMOTE_QUIET);
	shcmd_clear(&c);
	if (status < 0)
		return -1;
	if (!status && out.len) {
		struct strbuf args = STRBUF_INIT;
		p->exists = sscanf(out.buf, "%95s", p->image) == 1;
		/* berth's proxies take their sockets from the holder: run --holder */
		strbuf_addf(&args, " %s ", out.buf);
		strbuf_rtrim(&args);
		strbuf_addch(&args, ' ');
		p->in_holder = strstr(args.buf, " --holder ") != NULL;
		strbuf_release(&args);
	}
	strbuf_release(&out);
	return 0;
}

/*
 * The proxy's settings for this host, split for the holder. 0 with s
 * filled; 1 when the host runs another image than berth-proxy (Kamal's
 * way then); -1 on failure.
 */
static int split_for(struct cli_context *ctx, struct host_session *h, struct kc_proxy_split *s)
{
	const struct ynode *run = kamal_proxy_run(cli_load_config(ctx), host_name(h));
	struct shcmd c = SHCMD_INIT;
	struct strbuf out = STRBUF_INIT;
	char *files[4];
	int r;

	kc_proxy_split_init(s);
	if (run) {
		if (!cli_proxy_is_berth(ctx, host_name(h)))
			return 1;
		kc_proxy_split_from_run(s, run, &cli_proxy_image);
		return 0;
	}
	kc_proxy_read_boot_files(&c);
	/* berth's own shell text: not a Kamal command, so no SSHKit prefix */
	r = host_capture_flags(h, &c, &out, REMOTE_QUIET);
	shcmd_clear(&c);
	if (r < 0)
		return -1;
	kc_proxy_boot_files_parse(out.buf, files);
	strbuf_release(&out);
	if (files[1] && strcmp(files[1], BERTH_PROXY_REPOSITORY))
		r = 1;
	else if (kc_proxy_split_from_files(s, files[0], files[1], files[2], files[3],
					   &cli_proxy_image) < 0)
		r = host_fail(h, "cannot read the proxy's boot options in " KAMAL_PROXY_DIRECTORY);
	for (int i = 0; i < 4; i++)
		free(files[i]);
	return r;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Polls until the new container answers on its control socket. */
static int wait_answers(struct host_session *h, const char *name)
{
	long deadline = now_ms() + NEXT_READY_MS;
	struct shcmd c = SHCMD_INIT;
	int status;

	kc_proxy_answers(&c, name);
	do {
		status = kx_run_flags(h, &c, REMOTE_NO_RAISE | REMOTE_QUIET | REMOTE_QUERY);
		if (status <= 0 || remote_dry_run())
			break;
		usleep(100 * 1000);
	} while (now_ms() < deadline && !remote_interrupted());
	shcmd_clear(&c);
	return status;
}

/* The tail of a container's log, for a failure message. */
static void container_log(struct host_session *h, const char *name, struct strbuf *out)
{
	struct shcmd c = SHCMD_INIT;
	kc_proxy_container_logs(&c, name, 20);
	kx_capture(h, &c, out, REMOTE_NO_RAISE);
	shcmd_clear(&c);
	strbuf_trim(out);
	if (!out->len)
		strbuf_addstr(out, "(empty)");
}

static const char *no_answer(int status)
{
	return status < 0 ? "no answer" : "its control socket did not answer within 30 s";
}

/* The new container failed: what it said, then it goes; the old one serves on. */
static int next_failed(struct host_session *h, int status)
{
	struct shcmd c = SHCMD_INIT;
	struct strbuf out = STRBUF_INIT;

	container_log(h, BERTH_PROXY_NEXT, &out);
	kc_proxy_discard(&c, BERTH_PROXY_NEXT);
	kx_run_once(h, &c, REMOTE_NO_RAISE);
	host_fail(h, "the new proxy did not come up (%s); the old one keeps serving. Its log:\n%s",
		  no_answer(status), out.buf);
	strbuf_release(&out);
	return -1;
}

/*
 * A booted proxy answers before boot returns, so that the deploy that
 * follows (kamal-proxy deploy through docker exec) finds its socket.
 */
static int booted(struct host_session *h)
{
	struct strbuf out = STRBUF_INIT;
	int status = wait_answers(h, KAMAL_PROXY_CONTAINER);

	if (!status)
		return 0;
	container_log(h, KAMAL_PROXY_CONTAINER, &out);
	host_fail(h, "the proxy did not come up (%s). Its log:\n%s", no_answer(status), out.buf);
	strbuf_release(&out);
	return -1;
}

/* The new proxy beside the old, in the holder; then the old one drains. */
static int hand_over(struct host_session *h, const struct kc_proxy_split *s)
{
	struct shcmd c = SHCMD_INIT;
	int status;

	kc_proxy_discard(&c, BERTH_PROXY_NEXT);
	kx_run_once(h, &c, REMOTE_NO_RAISE);
	kc_proxy_discard(&c, BERTH_PROXY_OLD);
	kx_run_once(h, &c, REMOTE_NO_RAISE);
	kc_proxy_holder_start_or_run(&c, s);
	if (kx_run_once(h, &c, 0) < 0)
		return -1;
	kc_proxy_run_in_holder(&c, s, BERTH_PROXY_NEXT);
	if (kx_run_once(h, &c, 0) < 0)
		return -1;
	status = wait_answers(h, BERTH_PROXY_NEXT);
	if (status)
		return next_failed(h, status);
	kc_proxy_swap_names(&c);
	if (kx_run_once(h, &c, 0) < 0)
		return -1;
	kc_proxy_retire(&c, BERTH_PROXY_OLD, DRAIN_SECONDS);
	return kx_run_once(h, &c, 0);
}

/* A Kamal-style proxy moves into the holder: its ports close once, briefly. */
static int move_into_holder(struct host_session *h, const struct kc_proxy_split *s, int exists)
{
	struct shcmd c = SHCMD_INIT;

	if (exists) {
		host_say(h, "moving the proxy into berth's port holder: its ports close this once, "
			    "for about a second; later reboots close nothing");
		kc_proxy_stop(&c, NULL);
		kx_run_once(h, &c, REMOTE_NO_RAISE);
		kc_proxy_discard(&c, KAMAL_PROXY_CONTAINER);
		if (kx_run_once(h, &c, 0) < 0)
			return -1;
		/* a holder beside a proxy that is not in it is left over: made anew */
		kc_proxy_discard(&c, BERTH_PROXY_HOLDER);
		if (kx_run_once(h, &c, 0) < 0)
			return -1;
	}
	kc_proxy_holder_start_or_run(&c, s);
	if (kx_run_once(h, &c, 0) < 0)
		return -1;
	kc_proxy_run_in_holder(&c, s, KAMAL_PROXY_CONTAINER);
	if (kx_run_once(h, &c, 0) < 0)
		return -1;
	return booted(h);
}

int cli_proxy_boot_host(struct cli_context *ctx, struct host_session *h)
{
	struct kc_proxy_split s;
	struct host_proxy p;
	struct shcmd c = SHCMD_INIT;
	int r;

	if (inspect(h, &p) < 0)
		return -1;
	if (p.exists && !p.in_holder) {
		/* Kamal's proxy, or one Kamal booted: started as it is. */
		cli_proxy_start_or_run(ctx, h, &c);
		return kx_run_once(h, &c, 0);
	}
	r = split_for(ctx, h, &s);
	if (r) {
		kc_proxy_split_release(&s);
		if (r < 0)
			return -1;
		cli_proxy_start_or_run(ctx, h, &c);
		return kx_run_once(h, &c, 0);
	}
	if (cli_proxy_ensure_image(ctx, h) < 0)
		r = -1;
	else if (!p.exists)
		r = move_into_holder(h, &s, 0);
	else if (!cli_proxy_current_build(p.image)) {
		host_say(h, "upgrading berth-proxy, with no gap");
		r = hand_over(h, &s);
	} else {
		kc_proxy_holder_start_or_run(&c, &s);
		r = kx_run_once(h, &c, 0);
		if (!r) {
			kc_proxy_start(&c);
			r = kx_run_once(h, &c, 0);
		}
		if (!r)
			r = booted(h);
	}
	kc_proxy_split_release(&s);
	return r;
}

int cli_proxy_reboot_host(struct cli_context *ctx, struct host_session *h)
{
	struct kc_proxy_split s;
	struct host_proxy p;
	int r;

	if (inspect(h, &p) < 0)
		return -1;
	r = split_for(ctx, h, &s);
	if (r) {
		kc_proxy_split_release(&s);
		return r < 0 ? -1 : cli_proxy_replace(ctx, h);
	}
	if (cli_proxy_ensure_image(ctx, h) < 0)
		r = -1;
	else if (p.exists && p.in_holder)
		r = hand_over(h, &s);
	else
		r = move_into_holder(h, &s, p.exists);
	kc_proxy_split_release(&s);
	return r;
}
