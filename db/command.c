/*
 * command.c - `berth db restore|resume|undo|drop-old`, as run by berth-db
 * (db/main.c); berth itself hands these verbs over (cli/db-forward.c).
 *
 * Settings come from `x-berth: db:` in config/deploy.yml (db/settings.h)
 * when that file exists, overridden by flags, each with the seed's
 * environment variable as an equivalent where it had one (NO_SWAP=1,
 * NO_DEFERRED=1, KEEP_DUMP=1, BACKUP_FILE=...). A flag giving a list
 * replaces the configured list. Credentials only from berth's secrets
 * (.kamal/secrets*):
 *   <SOURCE>_ACCESS_KEY_ID, <SOURCE>_SECRET_ACCESS_KEY   (R2_..., FALLBACK_...)
 *   BERTH_DB_URL   the connection (postgres://user:pass@host/...), optional:
 *                  without it libpq's PGHOST/PGPORT/PGUSER or the local socket
 */
#include "cli/cli.h"
#include "cli/commands.h"
#include "db/command.h"
#include "config/model.h"
#include "db/restore.h"
#include "db/settings.h"
#include "log.h"
#include "secrets/secrets.h"

#include <ctype.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

static int env_flag(const char *name)
{
	const char *v = getenv(name);
	return v && *v && strcmp(v, "0") && strcmp(v, "false");
}

/* Pushes a comma-separated value, word by word. */
static void push_list(struct strvec *sv, const char *value)
{
	const char *p = value;
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n) {
			char *w = xstrndup(p, n);
			strvec_push(sv, w);
			free(w);
		}
		p += n;
		if (*p)
			p++;
	}
}

struct flags {
	struct strbuf r2_endpoint;
	const char *endpoint, *region, *bucket, *prefix;
	const char *fb_endpoint, *fb_region, *fb_bucket, *fb_prefix;
	struct secrets *secrets;
	struct db_settings cfg; /* x-berth/db, empty without a deploy config */
};

/*
 * The options every verb takes, in the order --help lists them: the
 * parser accepts exactly these, so the help cannot drift from it.
 */
enum opt_id {
	O_DATABASE, O_FILE, O_SOURCE, O_R2_ACCOUNT, O_ENDPOINT, O_REGION, O_BUCKET,
	O_PREFIX, O_FB_ENDPOINT, O_FB_REGION, O_FB_BUCKET, O_FB_PREFIX,
	O_LARGE_TABLE, O_CRITICAL_MATVIEW, O_ANALYTICS_MATVIEW, O_RESTART_ROLE,
	O_RESTART_CMD, O_NO_SWAP, O_NO_DEFERRED, O_SCHEMA_ONLY, O_KEEP_DUMP,
	O_DRY_RUN, O_JOBS, O_NO_OWNER, O_PG_BIN, O_WORKDIR, O_RESTORE_DB, O_OLD_DB,
};

static const struct db_option {
	enum opt_id id;
	const char *name;
	const char *arg; /* NULL: a flag */
	const char *help;
} db_options[] = {
	{ O_DATABASE, "--database", "NAME", "the database (default: x-berth.db.databases[0] in config/deploy.yml)" },
	{ O_FILE, "--file", "PATH", "restore this dump (BACKUP_FILE), not the newest in storage" },
	{ O_SOURCE, "--source", "NAME", "only this source: r2 or fallback (default: r2, then fallback)" },
	{ O_R2_ACCOUNT, "--r2-account", "ID", "R2 endpoint https://ID.r2.cloudflarestorage.com, region auto" },
	{ O_ENDPOINT, "--endpoint", "URL", "an S3 endpoint for r2 instead" },
	{ O_REGION, "--region", "R", "the region of --endpoint (default auto)" },
	{ O_BUCKET, "--bucket", "B", "the bucket the dumps are in" },
	{ O_PREFIX, "--prefix", "P", "the dumps' key prefix in the bucket" },
	{ O_FB_ENDPOINT, "--fallback-endpoint", "URL", "the fallback source's S3 endpoint" },
	{ O_FB_REGION, "--fallback-region", "R", "its region (default auto)" },
	{ O_FB_BUCKET, "--fallback-bucket", "B", "its bucket (default: --bucket)" },
	{ O_FB_PREFIX, "--fallback-prefix", "P", "its key prefix (default: --prefix)" },
	{ O_LARGE_TABLE, "--large-table", "T", "defer T's data (repeat or comma-separate); partitions follow" },
	{ O_CRITICAL_MATVIEW, "--critical-matview", "MV", "refresh and check MV before the swap" },
	{ O_ANALYTICS_MATVIEW, "--analytics-matview", "MV", "refresh MV after the deferred load (default: every other one)" },
	{ O_RESTART_ROLE, "--restart-role", "ROLE", "`berth app boot --roles ROLE` after the swap" },
	{ O_RESTART_CMD, "--restart-cmd", "CMD", "or run this shell command after the swap" },
	{ O_NO_SWAP, "--no-swap", NULL, "build the restore database, don't go live (NO_SWAP=1)" },
	{ O_NO_DEFERRED, "--no-deferred", NULL, "core only: leave the large tables empty (NO_DEFERRED=1)" },
	{ O_SCHEMA_ONLY, "--schema-only", NULL, "restore the schema only (e.g. a versions database)" },
	{ O_KEEP_DUMP, "--keep-dump", NULL, "keep the downloaded dump and lists (KEEP_DUMP=1)" },
	{ O_DRY_RUN, "--dry-run", NULL, "print the lists and every command, change nothing" },
	{ O_JOBS, "--jobs", "N", "pg_restore jobs (default 2)" },
	{ O_NO_OWNER, "--no-owner", NULL, "restore without owners and grants" },
	{ O_PG_BIN, "--pg-bin", "DIR", "the pg_restore to use (default: the dump's version's)" },
	{ O_WORKDIR, "--workdir", "DIR", "where the dump goes (default /var/tmp/berth-db)" },
	{ O_RESTORE_DB, "--restore-db", "NAME", "the database built before the swap (default NAME_berth_restore)" },
	{ O_OLD_DB, "--old-db", "NAME", "the database the swap replaces (default NAME_berth_old)" },
};

int db_usage(const char *program, const char *verb, FILE *fp)
{
	const struct cli_verb *v = db_verbs; /* berth's table: usage and summary */
	size_t i;

	while (v->name && strcmp(v->name, verb))
		v++;
	if (!v->name)
		return -1;
	fprintf(fp, "Usage:\n  %s db %s\n\n%s\n\nOptions:\n", program, v->usage,
		v->summary);
	for (i = 0; i < ARRAY_SIZE(db_options); i++) {
		const struct db_option *opt = &db_options[i];
		int n = fprintf(fp, "  %s%s%s", opt->name, opt->arg ? " " : "",
				opt->arg ? opt->arg : "");
		fprintf(fp, "%*s%s\n", n < 28 ? 28 - n : 1, "", opt->help);
	}
	return 0;
}

int db_answer_help(int argc, const char **argv)
{
	const char *slash = strrchr(argv[0], '/');
	int i = 1;

	/* berth hands over its global options in "--name=value" form */
	while (i < argc && starts_with(argv[i], "-") && strcmp(argv[i], "--help"))
		i++;
	if (i + 1 >= argc || strcmp(argv[i], "db") || !cli_wants_help(argc - i - 1, argv + i + 1))
		return 0;
	return !db_usage(slash ? slash + 1 : argv[0], argv[i + 1], stdout);
}

/* "--name value" or "--name=value"; advances *i past the value. */
static int opt_value(int argc, const char **argv, int *i, const char *name,
		     const char **out)
{
	const char *rest;

	if (!skip_prefix(argv[*i], name, &rest))
		return 0;
	if (*rest == '=') {
		*out = rest + 1;
		return 1;
	}
	if (*rest)
		return 0;
	if (*i + 1 >= argc)
		die("option '%s' needs a value", name);
	*out = argv[++*i];
	return 1;
}

static void apply(enum opt_id id, const char *v, struct db_restore_opts *o,
		  struct flags *f)
{
	switch (id) {
	case O_DATABASE: o->database = v; break;
	case O_FILE: o->file = v; break;
	case O_SOURCE: o->source = v; break;
	case O_R2_ACCOUNT:
		strbuf_reset(&f->r2_endpoint);
		strbuf_addf(&f->r2_endpoint, "https://%s.r2.cloudflarestorage.com", v);
		break;
	case O_ENDPOINT: f->endpoint = v; break;
	case O_REGION: f->region = v; break;
	case O_BUCKET: f->bucket = v; break;
	case O_PREFIX: f->prefix = v; break;
	case O_FB_ENDPOINT: f->fb_endpoint = v; break;
	case O_FB_REGION: f->fb_region = v; break;
	case O_FB_BUCKET: f->fb_bucket = v; break;
	case O_FB_PREFIX: f->fb_prefix = v; break;
	case O_LARGE_TABLE: push_list(&o->large_tables, v); break;
	case O_CRITICAL_MATVIEW: push_list(&o->critical_matviews, v); break;
	case O_ANALYTICS_MATVIEW: push_list(&o->analytics_matviews, v); break;
	case O_RESTART_ROLE: push_list(&o->restart_roles, v); break;
	case O_RESTART_CMD: o->restart_cmd = v; break;
	case O_NO_SWAP: o->no_swap = 1; break;
	case O_NO_DEFERRED: o->no_deferred = 1; break;
	case O_SCHEMA_ONLY: o->schema_only = 1; break;
	case O_KEEP_DUMP: o->keep_dump = 1; break;
	case O_DRY_RUN: o->dry_run = 1; break;
	case O_JOBS: o->jobs = atoi(v); break;
	case O_NO_OWNER: o->no_owner = 1; break;
	case O_PG_BIN: o->pg_bin = v; break;
	case O_WORKDIR: o->workdir = v; break;
	case O_RESTORE_DB: o->restore_db = v; break;
	case O_OLD_DB: o->old_db = v; break;
	}
}

static int parse(int argc, const char **argv, struct db_restore_opts *o,
		 struct flags *f)
{
	for (int i = 1; i < argc; i++) {
		const struct db_option *opt = NULL;
		const char *v = NULL;

		for (size_t k = 0; k < ARRAY_SIZE(db_options) && !opt; k++) {
			const struct db_option *c = &db_options[k];
			if (c->arg ? opt_value(argc, argv, &i, c->name, &v) :
				     !strcmp(argv[i], c->name))
				opt = c;
		}
		if (!opt) {
			error("unknown option '%s'", argv[i]);
			db_usage(log_program(), argv[0], stderr);
			return -1;
		}
		apply(opt->id, v, o, f);
	}
	return 0;
}

static void add_source(struct db_restore_opts *o, struct flags *f, const char *name,
		       const char *endpoint, const char *region, const char *bucket,
		       const char *prefix)
{
	struct strbuf key = STRBUF_INIT, secret = STRBUF_INIT;
	struct db_source *s;

	if (!endpoint && !bucket)
		return;
	for (const char *p = name; *p; p++)
		strbuf_addch(&key, toupper((unsigned char)*p));
	strbuf_addbuf(&secret, &key);
	strbuf_addstr(&key, "_ACCESS_KEY_ID");
	strbuf_addstr(&secret, "_SECRET_ACCESS_KEY");
	o->sources = xrealloc(o->sources, (o->sources_nr + 1) * sizeof(*o->sources));
	s = &o->sources[o->sources_nr++];
	s->name = name;
	s->endpoint = endpoint;
	s->region = region ? region : "auto";
	s->bucket = bucket;
	s->prefix = prefix ? prefix : "";
	s->access_key = secrets_get(f->secrets, key.buf);
	s->secret_key = secrets_get(f->secrets, secret.buf);
	strbuf_release(&key);
	strbuf_release(&secret);
}

/*
 * Reads x-berth/db when the deploy config exists; without one (a host with
 * only the binary), flags and environment are all there is.
 */
static void load_settings(struct cli_context *ctx, struct db_settings *s)
{
	const char *file = ctx->config_file ? ctx->config_file : "config/deploy.yml";
	struct strbuf err = STRBUF_INIT;
	struct config *cfg;

	/* main.c fills in the default path, so a missing file just means none. */
	if (access(file, F_OK))
		return;
	cfg = cli_load_config(ctx);
	if (db_settings_read(cfg->raw, s, &err) < 0)
		die_err(&err);
	strbuf_release(&err);
}

static const char *first(const char *a, const char *b)
{
	return a ? a : b;
}

/* Flags win; a list from the config only fills a list no flag gave. */
static void apply_settings(struct db_restore_opts *o, struct flags *f)
{
	const struct db_settings *s = &f->cfg;

	if (!o->database && s->databases.nr)
		o->database = s->databases.v[0];
	if (o->database && strvec_find(&s->schema_only_databases, o->database) >= 0)
		o->schema_only = 1;
	if (!o->large_tables.nr)
		strvec_pushvec(&o->large_tables, &s->large_tables);
	if (!o->critical_matviews.nr)
		strvec_pushvec(&o->critical_matviews, &s->critical_matviews);
	if (!o->analytics_matviews.nr)
		strvec_pushvec(&o->analytics_matviews, &s->analytics_matviews);
	if (!o->restart_roles.nr && !o->restart_cmd) {
		strvec_pushvec(&o->restart_roles, &s->restart_roles);
		o->restart_cmd = s->restart_cmd;
	}
	o->workdir = first(o->workdir, first(s->workdir, "/var/tmp/berth-db"));
	if (!o->jobs)
		o->jobs = s->jobs ? (int)s->jobs : 2;
	if (s->no_owner == 1)
		o->no_owner = 1;
	if (!f->endpoint && !f->r2_endpoint.len) {
		if (s->source.endpoint)
			f->endpoint = s->source.endpoint;
		else if (s->source.account)
			strbuf_addf(&f->r2_endpoint, "https://%s.r2.cloudflarestorage.com",
				    s->source.account);
	}
	f->region = first(f->region, s->source.region);
	f->bucket = first(f->bucket, s->source.bucket);
	f->prefix = first(f->prefix, s->source.prefix);
	f->fb_endpoint = first(f->fb_endpoint, s->fallback.endpoint);
	f->fb_region = first(f->fb_region, s->fallback.region);
	f->fb_bucket = first(f->fb_bucket, s->fallback.bucket);
	f->fb_prefix = first(f->fb_prefix, s->fallback.prefix);
}

static int setup(int argc, const char **argv, struct cli_context *ctx,
		 struct db_restore_opts *o, struct flags *f)
{
	struct strbuf err = STRBUF_INIT;

	db_restore_opts_init(o);
	o->jobs = 0; /* not given */
	o->no_swap = env_flag("NO_SWAP");
	o->no_deferred = env_flag("NO_DEFERRED");
	o->keep_dump = env_flag("KEEP_DUMP");
	o->file = getenv("BACKUP_FILE") && *getenv("BACKUP_FILE") ? getenv("BACKUP_FILE") : NULL;
	o->self = "/proc/self/exe";
	if (parse(argc, argv, o, f) < 0)
		return -1;
	/* berth's --dry-run is a global option: berth takes it out of argv. */
	if (ctx->dry_run)
		o->dry_run = 1;
	load_settings(ctx, &f->cfg);
	apply_settings(o, f);
	if (!o->database)
		die("no database: give --database NAME (or x-berth.db.databases in config/deploy.yml)");
	if (secrets_load(&f->secrets, ".", ctx->destination, &err) < 0)
		die("%s", err.buf);
	o->conninfo = secrets_get(f->secrets, "BERTH_DB_URL");
	add_source(o, f, "r2", f->endpoint ? f->endpoint : (f->r2_endpoint.len ? f->r2_endpoint.buf : NULL),
		   f->region, f->bucket, f->prefix);
	add_source(o, f, "fallback", f->fb_endpoint, f->fb_region,
		   f->fb_bucket ? f->fb_bucket : f->bucket, f->fb_prefix ? f->fb_prefix : f->prefix);
	if (mkdir(o->workdir, 0700) && errno != EEXIST)
		die_errno("cannot create work directory '%s'", o->workdir);
	if (ctx->verbose)
		log_set_level(LOG_VERBOSE);
	strbuf_release(&err);
	return 0;
}

typedef int (*db_action)(struct db_restore_opts *o);

static int run_action(int argc, const char **argv, struct cli_context *ctx,
		      db_action action)
{
	struct db_restore_opts o;
	struct flags f;

	memset(&f, 0, sizeof(f));
	strbuf_init(&f.r2_endpoint, 0);
	db_settings_init(&f.cfg);
	int rc;

	if (cli_wants_help(argc, argv)) {
		db_usage(ctx->program, argv[0], stdout);
		return 0;
	}
	if (setup(argc, argv, ctx, &o, &f) < 0)
		return 2;
	rc = action(&o) ? 1 : 0;
	db_restore_opts_release(&o);
	secrets_free(f.secrets);
	db_settings_release(&f.cfg);
	strbuf_release(&f.r2_endpoint);
	return rc;
}

int db_command(int argc, const char **argv, struct cli_context *ctx)
{
	static const struct {
		const char *verb;
		db_action action;
	} actions[] = {
		{ "restore", db_restore },
		{ "resume", db_resume },
		{ "undo", db_undo },
		{ "drop-old", db_drop_old },
	};
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		if (!strcmp(argv[0], actions[i].verb))
			return run_action(argc, argv, ctx, actions[i].action);
	error("db: unknown verb '%s'", argv[0]);
	return 2;
}
