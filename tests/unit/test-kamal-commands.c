/*
 * test-kamal-commands.c - the golden-line test: every command line Kamal
 * 2.12 sent for the real configs in ../shared/conformance/kamal-commands
 * must be one that berth's builders produce, word for word after shell
 * splitting, unless tests/conformance/kamal-commands-pending.tsv lists it
 * (not built yet: a TODO) or kamal-commands-differences.tsv says why
 * berth sends something else (see golden.h).
 *
 * A missing corpus is a failure, not a skip: the test would otherwise
 * pass by checking nothing.
 */
#include "commands/hook.h"
#include "commands/sshkit.h"
#include "config/config.h"
#include "quote.h"
#include "secrets/secrets.h"
#include "golden.h"
#include "unit.h"

#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

void golden_push_env(struct strvec *lines, struct shcmd *cmd, const struct strvec *env)
{
	struct shcmd sent = SHCMD_INIT;
	struct strbuf line = STRBUF_INIT;

	kc_sshkit_command_env(&sent, cmd, env);
	shcmd_to_shell(&sent, &line, 1);
	strvec_push(lines, line.buf);
	strbuf_release(&line);
	shcmd_clear(&sent);
	shcmd_clear(cmd);
}

void golden_push(struct strvec *lines, struct shcmd *cmd)
{
	golden_push_env(lines, cmd, NULL);
}

#include "golden-host.inc"
#include "golden-app.inc"

/* ---- where things are */

static char *top, *corpus;

/* "a/b" */
static char *path_of(const char *a, const char *b)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/%s", a, b);
	return strbuf_detach(&sb, NULL);
}

static void find_dirs(const char *argv0)
{
	const char *env = getenv("TOP"), *shared = getenv("SHARED");
	char self[PATH_MAX];

	if (env) {
		top = xstrdup(env);
	} else if (realpath(argv0, self)) {
		/* build/tests/test-kamal-commands: the tree is three levels up */
		for (int up = 0; up < 3 && strrchr(self, '/'); up++)
			*strrchr(self, '/') = '\0';
		top = xstrdup(self);
	} else {
		top = xstrdup(".");
	}
	if (shared)
		corpus = path_of(shared, "conformance/kamal-commands");
	else
		corpus = path_of(top, "../shared/conformance/kamal-commands");
}

/* ---- lines as word keys */

static int is_encode64(const char *w)
{
	size_t col = 0, n = strlen(w);

	if (!n || w[n - 1] != '\n')
		return 0;
	for (const char *p = w; *p; p++) {
		if (*p == '\n') {
			/* Base64.encode64: 60 columns, the last line shorter */
			if (!col || (col != 60 && p[1]))
				return 0;
			col = 0;
		} else if (isalnum((unsigned char)*p) || strchr("+/=", *p)) {
			col++;
		} else {
			return 0;
		}
	}
	return 1;
}

static void base64_decode(struct strbuf *out, const char *w)
{
	unsigned v = 0;
	int bits = 0;

	for (; *w && *w != '='; w++) {
		const char *alphabet =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const char *pos = strchr(alphabet, *w);
		if (*w == '\n' || !pos)
			continue;
		v = v << 6 | (unsigned)(pos - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			strbuf_addch(out, (char)(v >> bits & 0xff));
		}
	}
}

/* The goldens show the lock's base64 decoded: "<BASE64 of: a\nb>" (a literal \n). */
static void mask_base64(struct strbuf *out, const char *w)
{
	struct strbuf text = STRBUF_INIT;

	base64_decode(&text, w);
	strbuf_addstr(out, "<BASE64 of: ");
	for (size_t i = 0; i < text.len; i++) {
		if (text.buf[i] == '\n')
			strbuf_addstr(out, "\\n");
		else
			strbuf_addch(out, text.buf[i]);
	}
	strbuf_addch(out, '>');
	strbuf_release(&text);
}

/* The words of a line joined by \x1f; -1 when it does not split. */
static int line_key(const char *line, struct strbuf *key)
{
	struct strvec words = STRVEC_INIT;

	strbuf_reset(key);
	if (quote_split(line, &words, QUOTE_SPLIT_SUBSTITUTIONS)) {
		strvec_clear(&words);
		return -1;
	}
	for (size_t i = 0; i < words.nr; i++) {
		if (i)
			strbuf_addch(key, '\x1f');
		if (i && !strcmp(words.v[i - 1], "echo") && is_encode64(words.v[i]))
			mask_base64(key, words.v[i]);
		else
			strbuf_addstr(key, words.v[i]);
	}
	strvec_clear(&words);
	return 0;
}

/* ---- sets of keys (sorted strvecs) */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void keyset_sort(struct strvec *set)
{
	qsort(set->v, set->nr, sizeof(*set->v), cmp_str);
}

static int keyset_has(const struct strvec *set, const char *key)
{
	return set->nr && bsearch(&key, set->v, set->nr, sizeof(*set->v), cmp_str) != NULL;
}

/* ---- the pending and differences lists */

struct row {
	char *f[4];     /* the TSV's columns */
	char *key;      /* pending: case\x1efile\x1ewords; differences: Kamal's words */
	char *berth;    /* differences: berth's words */
	int used;
};

struct rows {
	struct row *r;
	size_t nr, alloc;
	char *path;
};

static int load_rows(struct rows *rows, const char *name, int pending)
{
	struct strbuf sb = STRBUF_INIT, key = STRBUF_INIT;
	FILE *f;
	char line[16384];

	rows->path = path_of(top, name);
	if (!(f = fopen(rows->path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct row r;
		memset(&r, 0, sizeof(r));
		char *p = line, *tab;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		for (int i = 0; i < 4 && p; i++) {
			tab = strchr(p, '\t');
			r.f[i] = xstrndup(p, tab ? (size_t)(tab - p) : strlen(p));
			p = tab ? tab + 1 : NULL;
		}
		for (int i = 0; i < 4; i++)
			if (!r.f[i])
				r.f[i] = xstrdup("");
		line_key(pending ? r.f[2] : r.f[1], &key);
		strbuf_reset(&sb);
		if (pending)
			strbuf_addf(&sb, "%s\x1e%s\x1e", r.f[0], r.f[1]);
		strbuf_addbuf(&sb, &key);
		r.key = xstrdup(sb.buf);
		if (!pending) {
			line_key(r.f[2], &key);
			r.berth = xstrdup(key.buf);
		}
		ALLOC_GROW(rows->r, rows->nr + 1, rows->alloc);
		rows->r[rows->nr++] = r;
	}
	fclose(f);
	strbuf_release(&sb);
	strbuf_release(&key);
	return 0;
}

static struct row *find_row(struct rows *rows, const char *key, const char *case_name)
{
	for (size_t i = 0; i < rows->nr; i++) {
		const char *c = rows->r[i].f[0];
		if (!strcmp(rows->r[i].key, key) && (!case_name || !strcmp(c, "*") || !strcmp(c, case_name)))
			return &rows->r[i];
	}
	return NULL;
}

static void free_rows(struct rows *rows)
{
	for (size_t i = 0; i < rows->nr; i++) {
		for (int j = 0; j < 4; j++)
			free(rows->r[i].f[j]);
		free(rows->r[i].key);
		free(rows->r[i].berth);
	}
	free(rows->r);
	free(rows->path);
}

static struct rows pending, differences;
static struct strvec missing_rows = STRVEC_INIT; /* for GOLDEN_WRITE_PENDING */
static long total_lines, total_hits, total_pending, total_diffs, hook_envs;


/* ---- one case */

static const struct {
	const char *name, *env, *repository;
} case_env[] = {
	/* the filled.env value the goldens ran with (host-rewritten) */
	{ "loftwah__linkarooie", "KAMAL_HOST=127.0.0.2", NULL },
	/* recorded from synthetic__fleet's files with -d staging */
	{ "synthetic__fleet-staging", NULL, "synthetic__fleet" },
};

/* The scratch repository the case ran in: named after its source. */
static const char *case_repository(const char *name)
{
	for (size_t i = 0; i < sizeof(case_env) / sizeof(*case_env); i++)
		if (!strcmp(case_env[i].name, name) && case_env[i].repository)
			return case_env[i].repository;
	return name;
}

static void set_case_env(const char *name, int on)
{
	for (size_t i = 0; i < sizeof(case_env) / sizeof(*case_env); i++) {
		char buf[256], *eq;
		if (strcmp(case_env[i].name, name) || !case_env[i].env)
			continue;
		snprintf(buf, sizeof(buf), "%s", case_env[i].env);
		eq = strchr(buf, '=');
		*eq = '\0';
		if (on)
			setenv(buf, eq + 1, 1);
		else
			unsetenv(buf);
	}
}

static int cmp_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* A case is a folder (README.md sits beside them); d_type may be unknown. */
static int is_case(const struct dirent *d)
{
	return d->d_name[0] != '.' && (d->d_type == DT_DIR || d->d_type == DT_UNKNOWN) &&
	       !strchr(d->d_name, '.');
}

static int is_golden(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return n > 4 && !strcmp(d->d_name + n - 4, ".txt");
}

static char *read_file(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	FILE *f = fopen(path, "r");
	char buf[8192];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)))
		strbuf_add(&sb, buf, n);
	fclose(f);
	return strbuf_detach(&sb, NULL);
}

/* The -d DEST of the "# kamal ..." line every golden file starts with. */
static char *destination_of(const char *text)
{
	const char *p = strstr(text, " -d ");
	const char *eol = strchr(text, '\n');

	if (!p || (eol && p > eol))
		return NULL;
	p += 4;
	return xstrndup(p, strcspn(p, " \n"));
}

struct case_counts {
	long lines, hits, pending, diffs;
};

static void classify(const char *case_name, const char *file, const char *line,
		     const char *key, const struct strvec *produced, struct case_counts *n)
{
	struct strbuf pkey = STRBUF_INIT;
	struct row *diff = find_row(&differences, key, case_name), *todo;

	strbuf_addf(&pkey, "%s\x1e%s\x1e%s", case_name, file, key);
	todo = find_row(&pending, pkey.buf, NULL);
	n->lines++;
	if (diff) {
		diff->used = 1;
		n->diffs++;
		if (!keyset_has(produced, diff->berth)) {
			printf("# %s %s: berth's line of a difference is not produced: %s\n",
			       case_name, file, diff->f[2]);
			unit_cur_failed = 1;
		}
		if (keyset_has(produced, key)) {
			printf("# %s %s: Kamal's line is produced, but listed as a difference: %s\n",
			       case_name, file, line);
			unit_cur_failed = 1;
		}
	} else if (keyset_has(produced, key)) {
		n->hits++;
		if (todo) {
			todo->used = 1;
			printf("# %s %s: produced now, remove it from %s: %s\n", case_name, file,
			       pending.path, line);
			unit_cur_failed = 1;
		}
	} else if (todo) {
		todo->used = 1;
		n->pending++;
		printf("# TODO %s %s: %s\n", case_name, file, line);
		strvec_pushf(&missing_rows, "%s\t%s\t%s\t%s", case_name, file, line, todo->f[3]);
	} else {
		printf("# %s %s: not produced: %s\n", case_name, file, line);
		strvec_pushf(&missing_rows, "%s\t%s\t%s\t%s", case_name, file, line,
			     "app/accessory builders: other engineer");
		unit_cur_failed = 1;
	}
	strbuf_release(&pkey);
}

/* "  env: A=1 B=2" into sorted NAME=value words */
static void split_env(const char *text, struct strvec *out)
{
	struct strvec words = STRVEC_INIT;

	quote_split(text, &words, 0);
	strvec_pushvec(out, &words);
	keyset_sort(out);
	strvec_clear(&words);
}

static const char *env_get(const struct strvec *env, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < env->nr; i++)
		if (!strncmp(env->v[i], name, n) && env->v[i][n] == '=')
			return env->v[i] + n + 1;
	return NULL;
}

/* The secrets as the goldens mask them: NAME=[SECRET:NAME]. */
static void masked_secrets(const struct config *cfg, struct strvec *out)
{
	struct secrets *s = NULL;
	struct strbuf err = STRBUF_INIT;
	const char *name, *value;

	if (secrets_load_path(&s, ".", config_get_str(cfg, "secrets_path"), cfg->destination,
			      &err)) {
		printf("# secrets: %s\n", err.buf);
		unit_cur_failed = 1;
	}
	for (size_t i = 0; s && secrets_at(s, i, &name, &value); i++)
		strvec_pushf(out, "%s=[SECRET:%s]", name, name);
	secrets_free(s);
	strbuf_release(&err);
}

/*
 * A hook's env: the run's details (hosts, lock, command...) are the CLI's
 * and come from the golden itself; the tags, their format and the
 * secrets are kc_hook_env()'s.
 */
static void check_hook_env(const struct golden_case *gc, const char *hook, const char *env_text)
{
	struct strvec want = STRVEC_INIT, got = STRVEC_INIT, mine = STRVEC_INIT,
		      secrets = STRVEC_INIT;
	struct kamal k = gc->k;
	struct kc_hook_details d;
	char *want_line, *got_line;

	split_env(env_text, &want);
	d.hosts = env_get(&want, "KAMAL_HOSTS");
	d.roles = env_get(&want, "KAMAL_ROLES");
	d.lock = env_get(&want, "KAMAL_LOCK") && !strcmp(env_get(&want, "KAMAL_LOCK"), "true");
	d.command = env_get(&want, "KAMAL_COMMAND");
	d.subcommand = env_get(&want, "KAMAL_SUBCOMMAND");
	d.runtime = env_get(&want, "KAMAL_RUNTIME");
	k.version = env_get(&want, "KAMAL_VERSION"); /* rollback runs v41 */
	hook_envs++;
	if (kc_hook_with_secrets(hook))
		masked_secrets(gc->k.cfg, &secrets);
	kc_hook_env(&mine, &k, &d, secrets.nr ? &secrets : NULL);
	for (size_t i = 0; i < mine.nr; i++)
		if (starts_with(mine.v[i], "KAMAL_"))
			strvec_push(&got, mine.v[i]);
	keyset_sort(&got);
	want_line = strvec_join(&want, " ");
	got_line = strvec_join(&got, " ");
	if (strcmp(want_line, got_line)) {
		printf("# %s hook env\n#   want: %s\n#   got:  %s\n", hook, want_line, got_line);
		unit_cur_failed = 1;
	}
	if (!env_get(&mine, "BERTH_VERSION") || strcmp(env_get(&mine, "BERTH_VERSION"), k.version)) {
		printf("# %s hook env: no BERTH_VERSION twin\n", hook);
		unit_cur_failed = 1;
	}
	free(want_line);
	free(got_line);
	strvec_clear(&want);
	strvec_clear(&got);
	strvec_clear(&mine);
	strvec_clear(&secrets);
}

/* Every RUN/CAPTURE/TEST line of one golden file, once per distinct line. */
static void check_file(const struct golden_case *gc, const char *file, char *text,
		       const struct strvec *produced, struct case_counts *n)
{
	struct strvec seen = STRVEC_INIT;
	struct strbuf key = STRBUF_INIT, hooks = STRBUF_INIT;
	char *save = NULL, *prev = NULL;

	strbuf_addf(&hooks, "[local] RUN /usr/bin/env %s/", kamal_hooks_path(gc->k.cfg));
	for (char *l = strtok_r(text, "\n", &save); l; prev = l, l = strtok_r(NULL, "\n", &save)) {
		char *cmd = strchr(l, ']');
		if (prev && starts_with(l, "  env: ") && starts_with(prev, hooks.buf))
			check_hook_env(gc, prev + hooks.len, l + 7);
		if (l[0] != '[' || !cmd)
			continue;
		cmd += 2;
		if (!skip_prefix(cmd, "RUN ", (const char **)&cmd) &&
		    !skip_prefix(cmd, "CAPTURE ", (const char **)&cmd) &&
		    !skip_prefix(cmd, "TEST ", (const char **)&cmd))
			continue;
		if (line_key(cmd, &key)) {
			printf("# %s %s: does not split: %s\n", gc->name, file, cmd);
			unit_cur_failed = 1;
			continue;
		}
		if (strvec_find(&seen, key.buf) >= 0)
			continue;
		strvec_push(&seen, key.buf);
		classify(gc->name, file, cmd, key.buf, produced, n);
	}
	strvec_clear(&seen);
	strbuf_release(&key);
	strbuf_release(&hooks);
}

static void produced_keys(const struct golden_case *gc, struct strvec *keys)
{
	struct strvec lines = STRVEC_INIT;
	struct strbuf key = STRBUF_INIT;

	golden_host_lines(gc, &lines);
	golden_app_lines(gc, &lines);
	for (size_t i = 0; i < lines.nr; i++) {
		if (line_key(lines.v[i], &key)) {
			printf("# %s: berth's line does not split: %s\n", gc->name, lines.v[i]);
			unit_cur_failed = 1;
			continue;
		}
		strvec_push(keys, key.buf);
	}
	keyset_sort(keys);
	strvec_clear(&lines);
	strbuf_release(&key);
}

static void check_goldens(struct golden_case *gc, struct case_counts *n)
{
	struct dirent **files;
	struct strvec produced = STRVEC_INIT;
	int nfiles = scandir("commands", &files, is_golden, cmp_name);

	produced_keys(gc, &produced);
	for (int i = 0; i < nfiles; i++) {
		char path[PATH_MAX], *text;
		snprintf(path, sizeof(path), "commands/%s", files[i]->d_name);
		if ((text = read_file(path)))
			check_file(gc, files[i]->d_name, text, &produced, n);
		free(text);
		free(files[i]);
	}
	free(files);
	strvec_clear(&produced);
}

static char *case_destination(void)
{
	char *text = read_file("commands/setup.txt"), *dest;

	dest = text ? destination_of(text) : NULL;
	free(text);
	return dest;
}

static void check_case(const char *name)
{
	char *dir = path_of(corpus, name), cwd[PATH_MAX];
	struct config_options opts = { NULL, NULL, NULL };
	struct golden_case gc = { name, dir, NULL, { NULL, "v42", "<PERFORMER>", "<TS>", 0 },
				  case_repository(name) };
	struct strbuf err = STRBUF_INIT;
	struct case_counts n = { 0, 0, 0, 0 };
	char *dest;

	if (!getcwd(cwd, sizeof(cwd)) || chdir(dir)) {
		printf("# %s: cannot enter %s\n", name, dir);
		unit_cur_failed = 1;
		free(dir);
		return;
	}
	set_case_env(name, 1);
	opts.destination = gc.destination = dest = case_destination();
	if (config_load(&gc.k.cfg, &opts, &err)) {
		printf("# %s: config: %s\n", name, err.buf);
		unit_cur_failed = 1;
	} else {
		check_goldens(&gc, &n);
		config_free(gc.k.cfg);
	}
	printf("# %s: %ld of %ld golden lines produced, %ld pending, %ld differences\n", name,
	       n.hits, n.lines, n.pending, n.diffs);
	total_lines += n.lines;
	total_hits += n.hits;
	total_pending += n.pending;
	total_diffs += n.diffs;
	set_case_env(name, 0);
	free(dest);
	free(dir);
	strbuf_release(&err);
	if (chdir(cwd))
		unit_cur_failed = 1;
}

/* ---- the whole corpus */

static char stubs[PATH_MAX];

/* The goldens' environment: fixed secrets, VERSION, password-manager stubs. */
static void golden_env(void)
{
	static const char *tools[] = { "op", "aws", "sops", "gh", "bw", "lpass", "doppler", "gcloud" };
	char path[PATH_MAX * 2];

	snprintf(stubs, sizeof(stubs), "/tmp/berth-golden-XXXXXX");
	if (!mkdtemp(stubs))
		return;
	for (size_t i = 0; i < sizeof(tools) / sizeof(*tools); i++) {
		FILE *f;
		snprintf(path, sizeof(path), "%s/%s", stubs, tools[i]);
		if ((f = fopen(path, "w"))) {
			fputs("#!/bin/sh\necho stub-secret\n", f);
			fclose(f);
			chmod(path, 0755);
		}
	}
	snprintf(path, sizeof(path), "%s:%s", stubs, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	setenv("VERSION", "v42", 1);
	setenv("KAMAL_REGISTRY_PASSWORD", "secret-kamal-registry-password", 1);
	setenv("RAILS_MASTER_KEY", "secret-rails-master-key", 1);
}

static void remove_stubs(void)
{
	struct dirent **ents;
	int n = stubs[0] ? scandir(stubs, &ents, NULL, NULL) : -1;

	for (int i = 0; i < n; i++) {
		char path[PATH_MAX * 2];
		snprintf(path, sizeof(path), "%s/%s", stubs, ents[i]->d_name);
		if (ents[i]->d_name[0] != '.')
			unlink(path);
		free(ents[i]);
	}
	if (n >= 0) {
		free(ents);
		rmdir(stubs);
	}
}

static void check_every_case(void)
{
	struct dirent **cases;
	int n = scandir(corpus, &cases, is_case, cmp_name);

	golden_env();
	for (int i = 0; i < n; i++) {
		unit_cur_failed = 0;
		fflush(stdout);
		check_case(cases[i]->d_name);
		unit_n++;
		if (unit_cur_failed)
			unit_failed_tests++;
		printf("%sok %d - %s\n", unit_cur_failed ? "not " : "", unit_n, cases[i]->d_name);
		free(cases[i]);
	}
	if (n > 0)
		free(cases);
	remove_stubs();
}

static void corpus_is_there(void)
{
	struct dirent **cases;
	int n = scandir(corpus, &cases, is_case, cmp_name);

	if (n <= 0)
		printf("# no golden cases in %s (set SHARED or TOP)\n", corpus);
	CHECK(n > 0);
	for (int i = 0; i < n; i++)
		free(cases[i]);
	if (n > 0)
		free(cases);
}

static void lists_load(void)
{
	CHECK(!load_rows(&pending, "tests/conformance/kamal-commands-pending.tsv", 1));
	CHECK(!load_rows(&differences, "tests/conformance/kamal-commands-differences.tsv", 0));
}

static void pending_list_is_current(void)
{
	for (size_t i = 0; i < pending.nr; i++)
		if (!pending.r[i].used) {
			printf("# pending, but no such golden line: %s %s %s\n", pending.r[i].f[0],
			       pending.r[i].f[1], pending.r[i].f[2]);
			unit_cur_failed = 1;
		}
}

static void differences_apply(void)
{
	for (size_t i = 0; i < differences.nr; i++)
		if (!differences.r[i].used) {
			printf("# difference for no golden line: %s %s\n", differences.r[i].f[0],
			       differences.r[i].f[1]);
			unit_cur_failed = 1;
		}
}

/* GOLDEN_WRITE_PENDING=FILE: the lines missing now, as a pending list. */
static void write_pending(void)
{
	const char *path = getenv("GOLDEN_WRITE_PENDING");
	FILE *f;

	if (!path || !(f = fopen(path, "w")))
		return;
	fputs("# case\tfile\tKamal's line\twhy berth does not produce it yet\n", f);
	for (size_t i = 0; i < missing_rows.nr; i++)
		fprintf(f, "%s\n", missing_rows.v[i]);
	fclose(f);
}

int main(int argc, char **argv)
{
	(void)argc;
	find_dirs(argv[0]);
	RUN(corpus_is_there);
	RUN(lists_load);
	check_every_case();
	RUN(pending_list_is_current);
	RUN(differences_apply);
	printf("# %ld of %ld golden lines produced, %ld pending, %ld differences; %ld hook envs\n",
	       total_hits, total_lines, total_pending, total_diffs, hook_envs);
	write_pending();
	free_rows(&pending);
	free_rows(&differences);
	strvec_clear(&missing_rows);
	free(top);
	free(corpus);
	return unit_done();
}
