/*
 * test-kamal-app.c - the app and accessory builders against what Kamal 2.12
 * sent for real configs (../shared/conformance/kamal-commands), and table
 * tests of the branches those configs do not reach (answers from running
 * Kamal 2.12 itself, ../shared/kamal-oracle).
 *
 * For every case: the lines golden-app.inc enumerates are compared, word
 * for word after shell splitting, with each RUN/CAPTURE/TEST/EXEC line of
 * the case's app, accessory, deploy, rollback, setup, remove and alias
 * goldens. A line berth does not produce fails the test unless it belongs
 * to the host-level builders (docker, lock, audit, registry, proxy, prune,
 * server, hooks, builds: another module). The env files uploaded are
 * checked too; the known differences there are counted and explained.
 */
#include "commands/env-file.h"
#include "secrets/secrets.h"
#include "config/config.h"
#include "golden.h"
#include "golden-app.inc"
#include "unit.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- where the goldens are ------------------------------------------ */

static int goldens_dir(struct strbuf *out)
{
	const char *env = getenv("KAMAL_GOLDENS"), *top = getenv("TOP");
	const char *candidates[] = { "../shared/conformance/kamal-commands",
				     "../../shared/conformance/kamal-commands" };

	if (env) {
		strbuf_addstr(out, env);
		return access(out->buf, R_OK) ? -1 : 0;
	}
	if (top) {
		strbuf_addf(out, "%s/../shared/conformance/kamal-commands", top);
		if (!access(out->buf, R_OK))
			return 0;
		strbuf_reset(out);
	}
	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++) {
		char cwd[4096];
		if (getcwd(cwd, sizeof(cwd)))
			strbuf_addf(out, "%s/%s", cwd, candidates[i]);
		if (!access(out->buf, R_OK))
			return 0;
		strbuf_reset(out);
	}
	return -1;
}

/* ---- comparing lines ------------------------------------------------ */

/*
 * A line's words joined by \x1f: what "word for word" compares. The
 * command an ssh line carries is split too: the masks ("<HEX6>") are
 * quoted where the real hex would not be.
 */
static char *words_key(const char *line)
{
	struct strvec w = STRVEC_INIT;
	char *key;

	if (quote_split(line, &w, QUOTE_SPLIT_SUBSTITUTIONS) < 0) {
		strvec_clear(&w);
		return xstrdup(line);
	}
	if (w.nr > 1 && !strcmp(w.v[0], "ssh")) {
		char *inner = words_key(w.v[w.nr - 1]);
		strvec_pop(&w);
		strvec_push(&w, inner);
		free(inner);
	}
	key = strvec_join(&w, "\x1f");
	strvec_clear(&w);
	return key;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct keyset {
	char **v;
	size_t nr;
};

static void keyset_build(struct keyset *ks, const struct strvec *lines)
{
	ks->v = xcalloc(lines->nr + 1, sizeof(*ks->v));
	ks->nr = lines->nr;
	for (size_t i = 0; i < lines->nr; i++)
		ks->v[i] = words_key(lines->v[i]);
	qsort(ks->v, ks->nr, sizeof(*ks->v), cmp_str);
}

static int keyset_has(const struct keyset *ks, const char *line)
{
	char *key = words_key(line);
	int found = bsearch(&key, ks->v, ks->nr, sizeof(*ks->v), cmp_str) != NULL;

	free(key);
	return found;
}

static void keyset_clear(struct keyset *ks)
{
	for (size_t i = 0; i < ks->nr; i++)
		free(ks->v[i]);
	free(ks->v);
}

/*
 * Lines of the host-level builders (another module's): a golden line the
 * app and accessory builders do not make is counted against them only when
 * it is none of these (whole lines, then prefixes).
 */
static const char *const host_lines[] = {
	"/usr/bin/env mkdir -p .kamal",			/* Server#ensure_run_directory */
	"/usr/bin/env mkdir -p .kamal/proxy/apps-config", /* Proxy#ensure_apps_config_directory */
	"/usr/bin/env rm -r .kamal/proxy",		/* Proxy#remove_host_directory */
	"/usr/bin/env ",				/* a local registry's empty login */
	"docker -v",
};

static const char *const host_prefixes[] = {
	"docker login ", "docker logout", "docker network create", "docker info ",
	"docker pull ", "docker inspect ", "docker image prune --force --filter",
	"docker image ls --filter label=", "docker ps -q -a --filter",
	"docker container start kamal-proxy", "docker container stop kamal-proxy",
	"docker container prune --force --filter label=org.opencontainers",
	"docker image prune --all --force --filter label=org.opencontainers",
	"/usr/bin/env mkdir -p .kamal && echo", "/usr/bin/env mkdir .kamal/lock-",
	"/usr/bin/env rm .kamal/lock-", "/usr/bin/env rm -r .kamal/apps/",
	"/usr/bin/env ls .kamal/apps", "/usr/bin/env sh -c 'curl",
};

static int host_owned(const struct config *cfg, const char *cmd)
{
	struct strbuf pull = STRBUF_INIT;
	int owned = 0;

	for (size_t i = 0; i < ARRAY_SIZE(host_lines); i++)
		owned |= !strcmp(cmd, host_lines[i]);
	for (size_t i = 0; i < ARRAY_SIZE(host_prefixes); i++)
		owned |= starts_with(cmd, host_prefixes[i]);
	/* the app image's pull (an accessory's "docker image rm" is ours) */
	strbuf_addf(&pull, "docker image rm --force %s:", cfg->repository);
	owned |= starts_with(cmd, pull.buf);
	strbuf_release(&pull);
	return owned;
}

/* ---- one case ------------------------------------------------------- */

struct tally {
	size_t mine, produced, host, known;
	struct strvec missing;
	struct strvec distinct; /* the different lines counted in mine */
};

/* The files of the commands this module covers (aliases included). */
static int wanted_file(const char *name, const struct config *cfg)
{
	static const char *prefixes[] = { "app_", "accessory_", "deploy", "redeploy",
					  "rollback", "setup", "remove" };
	struct strbuf alias = STRBUF_INIT;
	int ok = 0;

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (starts_with(name, prefixes[i]))
			return 1;
	strbuf_add(&alias, name, strcspn(name, "."));
	ok = config_alias(cfg, alias.buf) != NULL;
	strbuf_release(&alias);
	return ok;
}

/* "[HOST] RUN cmd" -> cmd, with kind; NULL for other lines. */
static const char *golden_command(const char *line, int *exec)
{
	const char *p = line[0] == '[' ? strchr(line, ']') : NULL;
	static const char *kinds[] = { "RUN ", "CAPTURE ", "TEST ", "EXEC " };

	if (!p || p[1] != ' ')
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (starts_with(p + 2, kinds[i])) {
			*exec = i == 3;
			if (!*exec && starts_with(line, "[local]"))
				return NULL; /* builds and hooks run locally */
			return p + 2 + strlen(kinds[i]);
		}
	}
	return NULL;
}

static void check_line(const struct config *cfg, const char *file,
		       const char *cmd, int exec, const struct keyset *ks, struct tally *t)
{
	if (keyset_has(ks, cmd)) {
		t->mine++;
		t->produced++;
		if (strvec_find(&t->distinct, cmd) < 0)
			strvec_push(&t->distinct, cmd);
	} else if (!exec && host_owned(cfg, cmd)) {
		t->host++;
		if (getenv("GOLDEN_SHOW_HOST"))
			printf("#   host %s\n", cmd);
	} else if (exec && (starts_with(file, "server_") || strstr(cmd, "kamal-proxy"))) {
		t->host++;
	} else {
		t->mine++;
		strvec_pushf(&t->missing, "%s: %s", file, cmd);
	}
}

/* The config host a golden's "[HOST]" is (servers may be user@HOST). */
static const char *config_host(const struct strvec *hosts, const char *shown)
{
	for (size_t i = 0; i < hosts->nr; i++) {
		const char *at = strchr(hosts->v[i], '@');
		if (!strcmp(hosts->v[i], shown) || (at && !strcmp(at + 1, shown)))
			return hosts->v[i];
	}
	return NULL;
}

/*
 * golden.py's mask of an uploaded "K=V" line: V (or V with \" read as ")
 * equal to a non-empty secret, K's own first, shows as K=[SECRET:NAME].
 */
static void mask_secret(struct config *cfg, const char *line, struct strvec *out)
{
	const char *eq = strchr(line, '='), *name, *value;
	struct strbuf key = STRBUF_INIT, from_env = STRBUF_INIT;
	const char *hit = NULL;

	if (!eq || !cfg->secrets) {
		strvec_push(out, line);
		return;
	}
	strbuf_add(&key, line, (size_t)(eq - line));
	for (const char *p = eq + 1; *p; p++)
		if (!(p[0] == '\\' && p[1] == '"'))
			strbuf_addch(&from_env, *p);
	value = secrets_get(cfg->secrets, key.buf);
	if (value && *value && (!strcmp(eq + 1, value) || !strcmp(from_env.buf, value)))
		hit = key.buf;
	for (size_t i = 0; !hit && secrets_at(cfg->secrets, i, &name, &value); i++)
		if (*value && (!strcmp(eq + 1, value) || !strcmp(from_env.buf, value)))
			hit = name;
	if (hit)
		strvec_pushf(out, "%s=[SECRET:%s]", key.buf, hit);
	else
		strvec_push(out, line);
	strbuf_release(&key);
	strbuf_release(&from_env);
}

/*
 * The env file berth would upload to path on host, as the goldens mask it;
 * -2 when a secret does not resolve.
 */
static int expected_env_file(struct config *cfg, const char *host, const char *path,
			     struct strvec *out)
{
	struct config_env env = CONFIG_ENV_INIT;
	struct strvec entries = STRVEC_INIT;
	struct strbuf file = STRBUF_INIT, err = STRBUF_INIT, name = STRBUF_INIT;
	const char *base = strrchr(path, '/') + 1;
	const struct config_role *role = NULL;
	const struct config_accessory *acc = NULL;
	int ret = -1;

	strbuf_add(&name, base, strcspn(base, "."));
	if (strstr(path, "/env/roles/") && (role = config_role(cfg, name.buf)) &&
	    config_host(&role->hosts, host))
		config_role_env(cfg, role, config_host(&role->hosts, host), &env);
	else if (strstr(path, "/env/accessories/") && (acc = config_accessory(cfg, name.buf)))
		config_accessory_env(acc, &env);
	else
		goto out;
	if (config_env_secret_values(cfg, &env, &entries, &err) < 0) {
		ret = -2;
		goto out;
	}
	kc_env_file(&file, &entries);
	for (char *line = file.buf, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = '\0';
		mask_secret(cfg, line, out);
	}
	ret = 0;
out:
	config_env_clear(&env);
	strvec_clear(&entries);
	strbuf_release(&file);
	strbuf_release(&err);
	strbuf_release(&name);
	return ret;
}

struct upload {
	char host[64];
	char path[512];
	struct strvec content;
};

/*
 * Compares one recorded env-file upload with what berth renders. Kamal's
 * dotenv gives "" for a $(command) that fails (the goldens ran without the
 * case's key files); berth's refuses it (secrets/dotenv.h), so such a file
 * is a known difference.
 */
static void check_upload(struct config *cfg, const char *file, struct upload *u,
			 struct tally *t, size_t *files, size_t *files_ok)
{
	struct strvec want = STRVEC_INIT;
	int ret, same;

	if (!*u->path)
		return;
	(*files)++;
	ret = expected_env_file(cfg, u->host, u->path, &want);
	same = !ret && want.nr == u->content.nr;
	for (size_t i = 0; same && i < want.nr; i++)
		same = !strcmp(want.v[i], u->content.v[i]);
	if (same)
		(*files_ok)++;
	else if (ret == -2)
		t->known++;
	else
		strvec_pushf(&t->missing, "%s: env file %s on %s", file, u->path, u->host);
	strvec_clear(&want);
	strvec_clear(&u->content);
	*u->path = '\0';
}

/* "[H] UPLOAD .kamal/apps/.../env/.../X.env from=<io> mode=0600" starts one. */
static int upload_start(const char *line, struct upload *u)
{
	const char *end = strchr(line, ']'), *path, *sp;

	if (!end || !starts_with(end, "] UPLOAD ") || !strstr(line, "from=<io>") ||
	    !strstr(line, "/env/"))
		return 0;
	path = end + strlen("] UPLOAD ");
	sp = strchr(path, ' ');
	snprintf(u->host, sizeof(u->host), "%.*s", (int)(end - line - 1), line + 1);
	snprintf(u->path, sizeof(u->path), "%.*s", (int)(sp - path), path);
	strvec_init(&u->content);
	return 1;
}

struct case_result {
	struct tally t;
	size_t files, files_ok;
};

static void check_file(struct config *cfg, const char *dir, const char *file,
		       const struct keyset *ks, struct case_result *r)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	struct upload u = { "", "", STRVEC_INIT };

	strbuf_addf(&path, "%s/%s", dir, file);
	if (strbuf_read_file(&text, path.buf) < 0)
		goto out;
	for (char *line = text.buf, *nl; *line; line = nl + 1) {
		const char *cmd;
		int exec = 0;
		nl = strchrnul(line, '\n');
		*nl = '\0';
		if (*u.path && starts_with(line, "  | ")) {
			strvec_push(&u.content, line + 4);
			goto next;
		}
		check_upload(cfg, file, &u, &r->t, &r->files, &r->files_ok);
		if (upload_start(line, &u))
			goto next;
		if ((cmd = golden_command(line, &exec)))
			check_line(cfg, file, cmd, exec, ks, &r->t);
next:
		if (nl == text.buf + text.len)
			break;
	}
	check_upload(cfg, file, &u, &r->t, &r->files, &r->files_ok);
out:
	strbuf_release(&path);
	strbuf_release(&text);
}

/* -d DEST from the first command of the case's INDEX.tsv */
static char *case_destination(const char *dir)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	const char *d;
	char *dest = NULL;

	strbuf_addf(&path, "%s/commands/INDEX.tsv", dir);
	if (strbuf_read_file(&text, path.buf) >= 0 && (d = strstr(text.buf, " -d ")))
		dest = xstrndup(d + 4, strcspn(d + 4, " \t\n"));
	strbuf_release(&path);
	strbuf_release(&text);
	return dest;
}

static void list_dir(const char *dir, struct strvec *out)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			strvec_push(out, e->d_name);
	if (d)
		closedir(d);
	qsort(out->v, out->nr, sizeof(*out->v), cmp_str);
}

static void report(const char *cas, const struct case_result *r)
{
	printf("# %s: %zu of %zu app/accessory lines produced (%zu different; %zu host-level "
	       "lines are another module's), env files %zu of %zu (%zu known differences)\n",
	       cas, r->t.produced, r->t.mine, r->t.distinct.nr, r->t.host, r->files_ok, r->files,
	       r->t.known);
	for (size_t i = 0; i < r->t.missing.nr && i < 40; i++)
		printf("#   missing %s\n", r->t.missing.v[i]);
	if (r->t.missing.nr > 40)
		printf("#   ... %zu more\n", r->t.missing.nr - 40);
}

/*
 * The environment golden.py ran Kamal in: two secrets in the environment,
 * password-manager CLIs that print "stub-secret", and per case the
 * variables its ERB reads (kamal-configs' filled.env, hosts rewritten as
 * in HOSTMAP).
 */
static char stubs[] = "/tmp/berth-test-kamal-app-XXXXXX";

static void world_setup(void)
{
	static const char *clis[] = { "op", "aws", "sops", "gh", "bw", "lpass", "doppler", "gcloud" };
	struct strbuf sb = STRBUF_INIT;

	setenv("KAMAL_REGISTRY_PASSWORD", "secret-kamal-registry-password", 1);
	setenv("RAILS_MASTER_KEY", "secret-rails-master-key", 1);
	if (!mkdtemp(stubs))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(clis); i++) {
		FILE *f;
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s/%s", stubs, clis[i]);
		if ((f = fopen(sb.buf, "w"))) {
			fputs("#!/bin/sh\necho stub-secret\n", f);
			fclose(f);
			chmod(sb.buf, 0755);
		}
	}
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s:%s", stubs, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	setenv("PATH", sb.buf, 1);
	strbuf_release(&sb);
}

static void world_teardown(void)
{
	static const char *clis[] = { "op", "aws", "sops", "gh", "bw", "lpass", "doppler", "gcloud" };
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < ARRAY_SIZE(clis); i++) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s/%s", stubs, clis[i]);
		unlink(sb.buf);
	}
	rmdir(stubs);
	strbuf_release(&sb);
}

/* filled.env's NAME=VALUE, VALUE mapped through HOSTMAP; names set go to names. */
static void case_env(const char *root, const char *cas, struct strvec *names)
{
	struct strbuf path = STRBUF_INIT, env = STRBUF_INIT, hostmap = STRBUF_INIT;

	strbuf_addf(&path, "%s/../kamal-configs/%s/expected/filled.env", root, cas);
	if (strbuf_read_file(&env, path.buf) < 0)
		goto out;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/%s/HOSTMAP", root, cas);
	strbuf_read_file(&hostmap, path.buf);
	for (char *line = strtok(env.buf, "\n"); line; line = strtok(NULL, "\n")) {
		char *eq = strchr(line, '='), *hit;
		const char *value;
		if (!eq)
			continue;
		*eq = '\0';
		value = eq + 1;
		/* "ORIGINAL LOOPBACK" lines */
		hit = *value ? strstr(hostmap.buf, value) : NULL;
		if (hit && (hit == hostmap.buf || hit[-1] == '\n') && hit[strlen(value)] == ' ')
			value = xstrndup(hit + strlen(value) + 1, strcspn(hit + strlen(value) + 1, "\n"));
		setenv(line, value, 1);
		strvec_push(names, line);
		if (value != eq + 1)
			free((char *)value);
	}
out:
	strbuf_release(&path);
	strbuf_release(&env);
	strbuf_release(&hostmap);
}

static void run_case(const char *root, const char *cas)
{
	struct strbuf dir = STRBUF_INIT, cmds = STRBUF_INIT, err = STRBUF_INIT;
	struct config_options opts = { NULL, NULL, NULL };
	struct case_result r = { { 0, 0, 0, 0, STRVEC_INIT, STRVEC_INIT }, 0, 0 };
	struct strvec lines = STRVEC_INIT, files = STRVEC_INIT, env = STRVEC_INIT;
	struct config *cfg = NULL;
	struct keyset ks;
	char cwd[4096];
	char *dest;

	strbuf_addf(&dir, "%s/%s", root, cas);
	strbuf_addf(&cmds, "%s/commands", dir.buf);
	dest = case_destination(dir.buf);
	opts.destination = dest;
	case_env(root, cas, &env);
	CHECK(getcwd(cwd, sizeof(cwd)) && chdir(dir.buf) == 0);
	if (config_load(&cfg, &opts, &err) < 0) {
		printf("# %s: config: %s\n", cas, err.buf);
		CHECK(!"config loads");
		goto out;
	}
	{
		struct golden_case gc = { cas, dir.buf, dest,
					  { cfg, "v42", "<PERFORMER>", "<TS>", 0 }, NULL };
		golden_app_lines(&gc, &lines);
	}
	keyset_build(&ks, &lines);
	list_dir(cmds.buf, &files);
	for (size_t i = 0; i < files.nr; i++)
		if (ends_with(files.v[i], ".txt") && wanted_file(files.v[i], cfg))
			check_file(cfg, cmds.buf, files.v[i], &ks, &r);
	report(cas, &r);
	CHECK(r.t.missing.nr == 0);
	CHECK(r.t.produced > 0);
	keyset_clear(&ks);
	config_free(cfg);
out:
	CHECK(chdir(cwd) == 0);
	for (size_t i = 0; i < env.nr; i++)
		unsetenv(env.v[i]);
	strvec_clear(&env);
	strvec_clear(&r.t.missing);
	strvec_clear(&r.t.distinct);
	strvec_clear(&lines);
	strvec_clear(&files);
	strbuf_release(&dir);
	strbuf_release(&cmds);
	strbuf_release(&err);
	free(dest);
}

/* One TAP test per case of root, named after it. */
static void golden_cases_in(const char *root)
{
	struct strvec cases = STRVEC_INIT;

	list_dir(root, &cases);
	for (size_t i = 0; i < cases.nr; i++) {
		struct strbuf index = STRBUF_INIT;
		strbuf_addf(&index, "%s/%s/commands/INDEX.tsv", root, cases.v[i]);
		if (!access(index.buf, R_OK)) {
			unit_cur_failed = 0;
			run_case(root, cases.v[i]);
			unit_n++;
			unit_failed_tests += unit_cur_failed;
			printf("%sok %d - golden %s\n", unit_cur_failed ? "not " : "", unit_n,
			       cases.v[i]);
			fflush(stdout);
		}
		strbuf_release(&index);
	}
	strvec_clear(&cases);
}

/* The shared cases, then berth's own (tests/conformance/kamal-commands). */
static void golden_cases(void)
{
	struct strbuf root = STRBUF_INIT;
	const char *top = getenv("TOP");

	if (goldens_dir(&root) < 0)
		printf("ok %d - shared golden cases # SKIP no ../shared/conformance/kamal-commands\n",
		       ++unit_n);
	else
		golden_cases_in(root.buf);
	strbuf_reset(&root);
	strbuf_addf(&root, "%s/tests/conformance/kamal-commands", top ? top : ".");
	golden_cases_in(root.buf);
	strbuf_release(&root);
}

int main(void)
{
	world_setup();
	golden_cases();
	world_teardown();
	return unit_done();
}
