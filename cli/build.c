/*
 * build.c - building the app's image here, pushing it, and pulling it onto
 * the hosts, as Kamal's build push/pull (the builders are in
 * commands/builder.h).
 *
 * The build runs in a clean clone of HEAD (unless builder/context is
 * set), so what is deployed is what is committed. Debian's Docker has no
 * buildx plugin; then berth uses the classic `docker build` and `docker
 * push`, and says so, where Kamal stops with "Docker buildx plugin is not
 * installed locally".
 */
#include "cli.h"

#include <pthread.h>
#include "cli/build.h"
#include "cli/exec.h"
#include "cli/hooks.h"
#include "commands/auditor.h"
#include "commands/builder.h"
#include "commands/docker.h"
#include "commands/dockerignore.h"
#include "commands/registry.h"
#include "commands/sshkit.h"
#include "config/kamal-host.h"
#include "log.h"
#include "run-command.h"
#include "fs.h"
#include "sha256.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <unistd.h>

static int buildx = -1;

int cli_ensure_local_docker(struct cli_context *ctx)
{
	struct shcmd c = SHCMD_INIT;
	int status;

	if (buildx >= 0)
		return 0;
	kc_ensure_docker_installed(&c, 1);
	status = kx_local(&c, REMOTE_QUERY | REMOTE_NO_RAISE);
	shcmd_clear(&c);
	if (status < 0)
		return -1;
	if (!status) {
		buildx = 1;
		return 0;
	}
	kc_ensure_docker_installed(&c, 0);
	status = kx_local(&c, REMOTE_QUERY | REMOTE_NO_RAISE);
	shcmd_clear(&c);
	if (status)
		return error("Docker is not installed locally (or its daemon does not answer)");
	buildx = 0;
	if (!ctx->quiet)
		log_info("docker buildx is not installed here: building with the classic `docker build`");
	return 0;
}

static void builder_for(struct cli_context *ctx, struct kc_builder *b)
{
	kc_builder_init(b, cli_kamal(ctx), NULL, buildx > 0);
}

/* TMPDIR/kamal-clones/SERVICE-<13 hex of sha256(cwd)>, as Kamal names it. */
static void clone_directory(struct cli_context *ctx, struct strbuf *out)
{
	const char *tmp = getenv("TMPDIR");
	char cwd[4096];
	struct strbuf hex = STRBUF_INIT;

	if (!getcwd(cwd, sizeof(cwd)))
		die_errno("cannot read the current directory");
	sha256_hex(&hex, cwd, strlen(cwd));
	strbuf_addf(out, "%s/kamal-clones/%s-%.13s", tmp && *tmp ? tmp : "/tmp",
		    cli_load_config(ctx)->service, hex.buf);
	strbuf_release(&hex);
}

/* Kamal asks git directly (backticks), not through SSHKit: not in the plan. */
static int git_line(const char *const *argv, struct strbuf *out)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int r;
	strvec_pushv(&cp.args, (const char **)argv);
	cp.no_stderr = 1;
	r = capture_command(&cp, out, NULL);
	child_process_clear(&cp);
	strbuf_trim(out);
	return r;
}

static int clone_validate(const char *build_dir, const char *revision, struct strbuf *why)
{
	struct shcmd c = SHCMD_INIT;
	struct strbuf out = STRBUF_INIT;
	int r;

	kc_builder_clone_status(&c, build_dir);
	r = kx_local_capture(&c, &out);
	shcmd_clear(&c);
	strbuf_trim(&out);
	if (!r && out.len)
		strbuf_addf(why, "the clone in %s is dirty: %s", build_dir, out.buf);
	strbuf_reset(&out);
	if (!r && !why->len) {
		kc_builder_clone_revision(&c, build_dir);
		r = kx_local_capture(&c, &out);
		shcmd_clear(&c);
		strbuf_trim(&out);
		if (!r && !remote_dry_run() && strcmp(out.buf, revision))
			strbuf_addf(why, "the clone in %s is at %s, not at %s", build_dir, out.buf,
				    revision);
	}
	if (r && !why->len)
		strbuf_addf(why, "cannot check the clone in %s", build_dir);
	strbuf_release(&out);
	/* A dry run made no clone to check. */
	if (remote_dry_run())
		strbuf_reset(why);
	return why->len ? -1 : 0;
}

static int clone_repo(const char *clone_dir, const char *root)
{
	struct shcmd c = SHCMD_INIT;
	int r;

	if (!remote_dry_run() && mkdir_p(clone_dir) < 0)
		return error_errno("cannot create %s", clone_dir);
	kc_builder_clone(&c, root, clone_dir);
	r = kx_local(&c, REMOTE_NO_RAISE);
	shcmd_clear(&c);
	return r;
}

static int clone_reset(const char *root, const char *build_dir, const char *revision)
{
	for (int i = 0; i < KC_CLONE_RESET_STEPS; i++) {
		struct shcmd c = SHCMD_INIT;
		int r;
		kc_builder_clone_reset_step(&c, i, root, build_dir, revision);
		r = kx_local(&c, 0);
		shcmd_clear(&c);
		if (r)
			return -1;
	}
	return 0;
}

/* Kamal's Clone#prepare: clone, or reset an old clone; on trouble start afresh. */
static int prepare_clone(struct cli_context *ctx, struct strbuf *build_dir)
{
	static const char *root_argv[] = { "git", "rev-parse", "--show-toplevel", NULL };
	static const char *rev_argv[] = { "git", "rev-parse", "HEAD", NULL };
	struct strbuf root = STRBUF_INIT, rev = STRBUF_INIT, clone_dir = STRBUF_INIT,
		      why = STRBUF_INIT, cwd = STRBUF_INIT;
	char here[4096];
	int r;

	if (git_line(root_argv, &root) || git_line(rev_argv, &rev))
		die("cannot find the git repository to build from (builder/context is not set)");
	clone_directory(ctx, &clone_dir);
	strbuf_addstr(&cwd, getcwd(here, sizeof(here)) ? here : ".");
	kc_builder_build_directory(build_dir, clone_dir.buf, root.buf, cwd.buf);
	if (!ctx->quiet)
		log_info("Cloning the repository into %s...", build_dir->buf);
	r = clone_repo(clone_dir.buf, root.buf);
	if (r > 0)
		r = clone_reset(root.buf, build_dir->buf, rev.buf);
	if (!r)
		r = clone_validate(build_dir->buf, rev.buf, &why);
	if (r) {
		log_warn("cannot use the clone (%s): deleting it and cloning again",
			 why.len ? why.buf : "git failed");
		if (!remote_dry_run())
			remove_tree(clone_dir.buf);
		strbuf_reset(&why);
		r = clone_repo(clone_dir.buf, root.buf);
		if (!r)
			r = clone_validate(build_dir->buf, rev.buf, &why);
		if (r)
			error("cannot prepare a clean clone to build from: %s",
			      why.len ? why.buf : "git clone failed");
	}
	strbuf_release(&root);
	strbuf_release(&rev);
	strbuf_release(&clone_dir);
	strbuf_release(&why);
	strbuf_release(&cwd);
	return r ? -1 : 0;
}

static void warn_uncommitted(struct cli_context *ctx, int cloning)
{
	static const char *argv[] = { "git", "status", "--porcelain", NULL };
	struct strbuf out = STRBUF_INIT;

	if (!git_line(argv, &out) && out.len && !ctx->quiet)
		log_warn("%s:\n %s", cloning ? "building from a clean clone of HEAD, so these "
					       "uncommitted changes are left out" :
					       "building with uncommitted changes", out.buf);
	strbuf_release(&out);
}

static int builder_secrets_env(struct cli_context *ctx, const struct kc_builder *b,
			       struct strvec *env)
{
	const struct ynode *s = b->cfg.secrets;
	struct strbuf err = STRBUF_INIT;

	for (size_t i = 0; s && s->kind == YNODE_SEQ && i < s->nr; i++) {
		const char *name = ynode_str(s->items[i]);
		const char *v = config_secret(cli_load_config(ctx), name, &err);
		if (!v)
			return error_buf(&err);
		strvec_pushf(env, "%s=%s", name, v);
	}
	return 0;
}

/* Kamal: inspect the buildx builder; when it is missing, make it. */
static int ensure_builder(const struct kc_builder *b)
{
	struct shcmd c = SHCMD_INIT;
	int status;

	kc_builder_inspect_builder(&c, b);
	if (shcmd_empty(&c))
		return 0;
	status = kx_local(&c, REMOTE_QUERY | REMOTE_NO_RAISE);
	shcmd_clear(&c);
	if (status <= 0)
		return status;
	log_warn("missing compatible builder, so creating a new one first");
	kc_builder_remove(&c, b);
	if (!shcmd_empty(&c))
		kx_local(&c, REMOTE_NO_RAISE);
	shcmd_clear(&c);
	kc_builder_create(&c, b);
	status = shcmd_empty(&c) ? 0 : kx_local(&c, 0);
	shcmd_clear(&c);
	return status;
}

/* One HTTP answer from 127.0.0.1:port, within 1 s: the registry is up. */
static int registry_answers(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { 1, 0 };
	char buf[16];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok = 0;
	static const char req[] = "GET /v2/ HTTP/1.0\r\n\r\n";

	if (fd < 0)
		return 0;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    write(fd, req, sizeof(req) - 1) == (ssize_t)(sizeof(req) - 1))
		ok = read(fd, buf, sizeof(buf)) >= 7 && !memcmp(buf, "HTTP/1.", 7);
	close(fd);
	return ok;
}

/*
 * Kamal's local registry container answers a moment after docker run
 * returns; a push before then is refused. Up to 15 s.
 */
static int wait_local_registry(int port)
{
	if (remote_dry_run())
		return 0;
	for (int i = 0; i < 150; i++) {
		if (registry_answers(port))
			return 0;
		usleep(100 * 1000);
	}
	return error("the local registry on 127.0.0.1:%d does not answer (a kamal-docker-registry "
		     "container made for another port is started as it is: `%s registry remove` "
		     "removes it)", port, log_program());
}

int cli_build_push(struct cli_context *ctx, const char *output, int no_cache)
{
	struct kc_builder b;
	struct kamal_registry reg;
	struct kc_build_options bo = { output, 0, no_cache, NULL };
	struct strvec env = STRVEC_INIT;
	struct strbuf build_dir = STRBUF_INIT, err = STRBUF_INIT;
	struct shcmd push = SHCMD_INIT;
	struct local_opts lo = { 0 };
	int r = -1;

	if (cli_pre_connect(ctx) < 0 || cli_ensure_local_docker(ctx) < 0)
		return -1;
	builder_for(ctx, &b);
	kamal_registry(cli_load_config(ctx), config_get(cli_load_config(ctx), "registry"), &reg);
	if (reg.local) {
		struct shcmd c = SHCMD_INIT;
		kc_registry_setup(&c, &reg);
		r = kx_local(&c, 0);
		shcmd_clear(&c);
		if (!r)
			r = wait_local_registry(reg.local_port);
		if (r)
			goto out;
	} else if (kc_builder_login_to_registry_locally(&b) && cli_registry_login_local(ctx) < 0) {
		goto out;
	}
	if (cli_run_hook(ctx, "pre-build", NULL) < 0)
		goto out;
	warn_uncommitted(ctx, !b.cfg.context_set);
	if (!b.cfg.context_set && prepare_clone(ctx, &build_dir) < 0)
		goto out;
	if (builder_secrets_env(ctx, &b, &env) < 0 || ensure_builder(&b) < 0)
		goto out;
	bo.secrets_env = &env;
	if (kc_builder_push(&push, &b, &bo, &err) < 0) {
		error_buf(&err);
		goto out;
	}
	if (!ctx->quiet)
		log_info("Building %s with %s...", cli_kamal(ctx)->version,
			 b.buildx ? "docker buildx" : "the classic docker build");
	{
		/* Kamal gives the builder's own env on the command line, SSHKit's way. */
		struct strvec push_env = STRVEC_INIT;
		struct shcmd wrapped = SHCMD_INIT;
		kc_builder_push_env(&b, &push_env);
		kc_sshkit_command_env(&wrapped, &push, &push_env);
		lo.env = &env;
		lo.dir = build_dir.len ? build_dir.buf : NULL;
		r = local_exec(&wrapped, &lo);
		shcmd_clear(&wrapped);
		strvec_clear(&push_env);
	}
out:
	shcmd_clear(&push);
	strvec_clear(&env);
	strbuf_release(&build_dir);
	strbuf_release(&err);
	kc_builder_release(&b);
	return r ? -1 : 0;
}

/* `git ls-files FLAG` here: paths relative to the current directory. */
static int git_files(const char *flag, struct strvec *out)
{
	const char *argv[] = { "git", "ls-files", flag, NULL };
	struct strbuf sb = STRBUF_INIT;
	int r = git_line(argv, &sb);
	for (char *line = sb.buf, *nl; !r && *line; line = nl + 1) {
		nl = strchrnul(line, '\n');
		if (nl > line)
			strvec_pushf(out, "%.*s", (int)(nl - line), line);
		if (!*nl)
			break;
	}
	strbuf_release(&sb);
	return r;
}

/*
 * The context's .dockerignore; BuildKit reads DOCKERFILE.dockerignore
 * first when there is one.
 */
static void read_dockerignore(const struct kc_builder *b, struct dockerignore *d)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	strbuf_addf(&path, "%s.dockerignore", b->cfg.dockerfile);
	if (!b->buildx || strbuf_read_file(&text, path.buf) < 0) {
		strbuf_reset(&text);
		strbuf_read_file(&text, ".dockerignore");
	}
	dockerignore_parse(d, text.buf, text.len);
	strbuf_release(&path);
	strbuf_release(&text);
}

/* Kamal's build dev warnings: files git does not have that go into the image. */
static void warn_dev_files(struct cli_context *ctx, const struct kc_builder *b)
{
	static const struct { const char *flag, *what; } kinds[] = {
		{ "--modified", "Files with uncommitted changes" },
		{ "--others", "Untracked files (gitignored ones too)" },
	};
	struct dockerignore d = DOCKERIGNORE_INIT;

	if (ctx->quiet)
		return;
	read_dockerignore(b, &d);
	for (size_t k = 0; k < 2; k++) {
		struct strvec files = STRVEC_INIT;
		struct strbuf list = STRBUF_INIT;
		size_t shown = 0, n = 0;
		git_files(kinds[k].flag, &files);
		for (size_t i = 0; i < files.nr; i++) {
			if (dockerignore_excluded(&d, files.v[i]))
				continue;
			if (n++ < 20)
				strbuf_addf(&list, "\n  %s", files.v[i]), shown++;
		}
		if (n > shown)
			strbuf_addf(&list, "\n  ... and %zu more", n - shown);
		if (n)
			log_warn("%s will be in the dev image:%s", kinds[k].what, list.buf);
		strvec_clear(&files);
		strbuf_release(&list);
	}
	dockerignore_clear(&d);
}

int cli_build_dev(struct cli_context *ctx, const char *output, int no_cache)
{
	struct kc_builder b;
	struct kc_build_options bo = { output ? output : "docker", 1, no_cache, NULL };
	struct strvec env = STRVEC_INIT, push_env = STRVEC_INIT;
	struct strbuf err = STRBUF_INIT;
	struct shcmd build = SHCMD_INIT, wrapped = SHCMD_INIT;
	struct local_opts lo = { 0 };
	int r = -1;

	if (cli_ensure_local_docker(ctx) < 0)
		return -1;
	builder_for(ctx, &b);
	warn_dev_files(ctx, &b);
	if (builder_secrets_env(ctx, &b, &env) < 0 || ensure_builder(&b) < 0)
		goto out;
	bo.secrets_env = &env;
	if (kc_builder_push(&build, &b, &bo, &err) < 0) {
		error_buf(&err);
		goto out;
	}
	if (!ctx->quiet)
		log_info("Building the working tree as %s-dirty with %s...", cli_kamal(ctx)->version,
			 b.buildx ? "docker buildx" : "the classic docker build");
	kc_builder_push_env(&b, &push_env);
	kc_sshkit_command_env(&wrapped, &build, &push_env);
	lo.env = &env;
	lo.flags = ctx->quiet ? 0 : REMOTE_STREAM; /* Kamal shows this build's output */
	r = local_exec(&wrapped, &lo);
	if (!r && !ctx->quiet)
		log_info("Built %s:%s-dirty and %s:latest-dirty (output %s)",
			 cli_load_config(ctx)->repository, cli_kamal(ctx)->version,
			 cli_load_config(ctx)->repository, bo.output);
out:
	shcmd_clear(&build);
	shcmd_clear(&wrapped);
	strvec_clear(&env);
	strvec_clear(&push_env);
	strbuf_release(&err);
	kc_builder_release(&b);
	return r ? -1 : 0;
}

struct pull {
	struct kc_builder b;
	struct kamal *k;
	struct strvec *mirrors; /* first host seen per mirror */
	pthread_mutex_t lock;
};

static int pull_host(struct host_session *h, void *data)
{
	struct pull *p = data;
	struct shcmd c = SHCMD_INIT;
	struct strbuf line = STRBUF_INIT;
	int r;

	strbuf_addf(&line, "Pulled image with version %s", p->k->version);
	kc_auditor_record(&c, p->k, NULL, line.buf);
	r = kx_run_flags(h, &c, REMOTE_QUIET);
	shcmd_clear(&c);
	strbuf_release(&line);
	if (r)
		return r;
	kc_builder_clean(&c, &p->b);
	kx_run_flags(h, &c, REMOTE_NO_RAISE);
	shcmd_clear(&c);
	kc_builder_pull(&c, &p->b);
	r = kx_run(h, &c);
	shcmd_clear(&c);
	if (r)
		return r;
	kc_builder_validate_image(&c, &p->b);
	r = kx_run(h, &c);
	shcmd_clear(&c);
	return r;
}

static int mirror_host(struct host_session *h, void *data)
{
	struct pull *p = data;
	struct shcmd c = SHCMD_INIT;
	struct strbuf out = STRBUF_INIT;
	int status;

	kc_builder_first_mirror(&c);
	status = kx_capture(h, &c, &out, REMOTE_NO_RAISE);
	shcmd_clear(&c);
	strbuf_trim(&out);
	if (!status && out.len) {
		pthread_mutex_lock(&p->lock);
		for (size_t i = 0; i + 1 < p->mirrors->nr; i += 2)
			if (!strcmp(p->mirrors->v[i], out.buf))
				goto seen;
		strvec_pushl(p->mirrors, out.buf, host_name(h), NULL);
	seen:
		pthread_mutex_unlock(&p->lock);
	}
	strbuf_release(&out);
	return status < 0 ? -1 : 0;
}

/* Kamal's local registry: every host's 127.0.0.1:PORT tunnelled back here. */
int cli_forward_local_registry(struct cli_context *ctx, const struct strvec *hosts)
{
	struct kamal_registry reg;
	struct strbuf why = STRBUF_INIT;
	char *list;

	kamal_registry(cli_load_config(ctx), config_get(cli_load_config(ctx), "registry"), &reg);
	if (!reg.local || !hosts->nr)
		return 0;
	list = strvec_join(hosts, ",");
	if (remote_dry_run() || getenv("BERTH_DRY_RUN_ANSWERS"))
		printf("[local] PORT-FORWARD %s port=%d\n", list, reg.local_port);
	else if (!ctx->quiet)
		log_info("Setting up local registry port forwarding to %s...", list);
	free(list);
	for (size_t i = 0; i < hosts->nr; i++)
		if (remote_forward_port(hosts->v[i], reg.local_port, &why) < 0) {
			strbuf_trim(&why);
			error("%s: cannot forward port %d for the local registry: %s", hosts->v[i],
			      reg.local_port, why.buf);
			strbuf_release(&why);
			return -1;
		}
	strbuf_release(&why);
	return 0;
}

int cli_build_pull(struct cli_context *ctx)
{
	struct pull p = { .k = cli_kamal(ctx), .lock = PTHREAD_MUTEX_INITIALIZER };
	struct strvec hosts = STRVEC_INIT, mirrors = STRVEC_INIT, first = STRVEC_INIT,
		      rest = STRVEC_INIT;
	struct on_hosts_opts q = { NULL, 0, 1 }, o = { "pull", 0, 0 };
	int r;

	cli_app_hosts(ctx, &hosts);
	if (cli_registry_login_hosts(ctx, &hosts) < 0 || cli_forward_local_registry(ctx, &hosts) < 0) {
		strvec_clear(&hosts);
		return -1;
	}
	kc_builder_init(&p.b, p.k, NULL, buildx > 0);
	p.mirrors = &mirrors;
	r = hosts.nr > 1 ? on_hosts(&hosts, mirror_host, &p, &q) : 0;
	for (size_t i = 1; i < mirrors.nr; i += 2)
		strvec_push(&first, mirrors.v[i]);
	for (size_t i = 0; i < hosts.nr; i++)
		if (strvec_find(&first, hosts.v[i]) < 0)
			strvec_push(&rest, hosts.v[i]);
	if (!r && first.nr) {
		/* One host per mirror first, so the mirrors are warm for the rest. */
		r = on_hosts(&first, pull_host, &p, &o);
	}
	if (!r)
		r = on_hosts(&rest, pull_host, &p, &o);
	remote_cancel_forwards();
	kc_builder_release(&p.b);
	strvec_clear(&hosts);
	strvec_clear(&mirrors);
	strvec_clear(&first);
	strvec_clear(&rest);
	return r;
}

int cli_builder_show(struct cli_context *ctx, int which)
{
	struct kc_builder b;
	struct shcmd c = SHCMD_INIT;
	struct strbuf name = STRBUF_INIT, out = STRBUF_INIT;
	int r;

	if (cli_ensure_local_docker(ctx) < 0)
		return -1;
	builder_for(ctx, &b);
	if (which == 'c')
		kc_builder_create(&c, &b);
	else if (which == 'r')
		kc_builder_remove(&c, &b);
	else
		kc_builder_info(&c, &b);
	kc_builder_builder_name(&name, &b);
	if (which == 'd') {
		printf("Builder: %s (%s)\n", kc_builder_name(&b), b.buildx ? name.buf : "classic docker build");
		r = shcmd_empty(&c) ? 0 : kx_local_capture(&c, &out);
		fputs(out.buf, stdout);
	} else {
		log_verbose("Using builder: %s", kc_builder_name(&b));
		r = shcmd_empty(&c) ? 0 : kx_local(&c, 0);
	}
	shcmd_clear(&c);
	strbuf_release(&name);
	strbuf_release(&out);
	kc_builder_release(&b);
	return r ? -1 : 0;
}
