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

static const char restore_usage[] =
	"usage: berth db restore --database NAME [options]\n"
	"  --file PATH             restore this dump (BACKUP_FILE), not the newest in storage\n"
	"  --source NAME           only this source: r2 or fallback (default: r2, then fallback)\n"
	"  --r2-account ID         R2 endpoint https://ID.r2.cloudflarestorage.com, region auto\n"
	"  --endpoint URL          an S3 endpoint for r2 instead (region: --region, default auto)\n"
	"  --bucket B --prefix P   where the dumps are\n"
	"  --fallback-endpoint URL --fallback-bucket B --fallback-prefix P --fallback-region R\n"
	"  --large-table T         defer T's data (repeat or comma-separate); partitions follow\n"
	"  --critical-matview MV   refresh and check MV before the swap\n"
	"  --analytics-matview MV  refresh MV after the deferred load (default: every other one)\n"
	"  --restart-role ROLE     `berth app boot --roles ROLE` after the swap\n"
	"  --restart-cmd CMD       or run this shell command after the swap\n"
	"  --no-swap               build the restore database, don't go live (NO_SWAP=1)\n"
	"  --no-deferred           core only: leave the large tables empty (NO_DEFERRED=1)\n"
	"  --schema-only           restore the schema only (e.g. a versions database)\n"
	"  --keep-dump             keep the downloaded dump and lists (KEEP_DUMP=1)\n"
	"  --dry-run               print the lists and every command, change nothing\n"
	"  --jobs N                pg_restore jobs (default 2)\n"
	"  --no-owner              restore without owners and grants\n"
	"  --pg-bin DIR            the pg_restore to use (default: the dump's version's)\n"
	"  --workdir DIR           where the dump goes (default /var/tmp/berth-db)\n"
	"  --restore-db NAME --old-db NAME   names (default NAME_berth_restore, NAME_berth_old)\n";

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

static int parse(int argc, const char **argv, struct db_restore_opts *o,
		 struct flags *f)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;

		if (!strcmp(a, "--no-swap")) o->no_swap = 1;
		else if (!strcmp(a, "--no-deferred")) o->no_deferred = 1;
		else if (!strcmp(a, "--keep-dump")) o->keep_dump = 1;
		else if (!strcmp(a, "--dry-run")) o->dry_run = 1;
		else if (!strcmp(a, "--schema-only")) o->schema_only = 1;
		else if (!strcmp(a, "--no-owner")) o->no_owner = 1;
		else if (opt_value(argc, argv, &i, "--database", &v)) o->database = v;
		else if (opt_value(argc, argv, &i, "--file", &v)) o->file = v;
		else if (opt_value(argc, argv, &i, "--source", &v)) o->source = v;
		else if (opt_value(argc, argv, &i, "--jobs", &v)) o->jobs = atoi(v);
		else if (opt_value(argc, argv, &i, "--pg-bin", &v)) o->pg_bin = v;
		else if (opt_value(argc, argv, &i, "--workdir", &v)) o->workdir = v;
		else if (opt_value(argc, argv, &i, "--restore-db", &v)) o->restore_db = v;
		else if (opt_value(argc, argv, &i, "--old-db", &v)) o->old_db = v;
		else if (opt_value(argc, argv, &i, "--large-table", &v)) push_list(&o->large_tables, v);
		else if (opt_value(argc, argv, &i, "--critical-matview", &v)) push_list(&o->critical_matviews, v);
		else if (opt_value(argc, argv, &i, "--analytics-matview", &v)) push_list(&o->analytics_matviews, v);
		else if (opt_value(argc, argv, &i, "--restart-role", &v)) push_list(&o->restart_roles, v);
		else if (opt_value(argc, argv, &i, "--restart-cmd", &v)) o->restart_cmd = v;
		else if (opt_value(argc, argv, &i, "--r2-account", &v)) {
			strbuf_reset(&f->r2_endpoint);
			strbuf_addf(&f->r2_endpoint, "https://%s.r2.cloudflarestorage.com", v);
		}
		else if (opt_value(argc, argv, &i, "--endpoint", &v)) f->endpoint = v;
		else if (opt_value(argc, argv, &i, "--region", &v)) f->region = v;
		else if (opt_value(argc, argv, &i, "--bucket", &v)) f->bucket = v;
		else if (opt_value(argc, argv, &i, "--prefix", &v)) f->prefix = v;
		else if (opt_value(argc, argv, &i, "--fallback-endpoint", &v)) f->fb_endpoint = v;
		else if (opt_value(argc, argv, &i, "--fallback-region", &v)) f->fb_region = v;
		else if (opt_value(argc, argv, &i, "--fallback-bucket", &v)) f->fb_bucket = v;
		else if (opt_value(argc, argv, &i, "--fallback-prefix", &v)) f->fb_prefix = v;
		else {
			error("unknown option '%s'", a);
			fputs(restore_usage, stderr);
			return -1;
		}
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
		fputs(restore_usage, stdout);
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
