/* pg.c - libpq connections, SQL, and pg_restore children for the restore. */
#include "pg.h"
#include "log.h"
#include "quote.h"

static void quiet(void *arg, const char *message)
{
	(void)arg;
	log_verbose("postgres: %s", message);
}

PGconn *db_connect(const struct db_restore_opts *o, const char *dbname,
		   struct strbuf *err)
{
	/* A later dbname overrides the one the expanded URL carries. */
	const char *keys[] = { "dbname", "dbname", "application_name", NULL };
	const char *vals[] = { o->conninfo ? o->conninfo : "", dbname, DB_RESTORE_APPNAME, NULL };
	PGconn *conn = PQconnectdbParams(keys, vals, 1);

	if (PQstatus(conn) != CONNECTION_OK) {
		strbuf_addf(err, "cannot connect to database '%s': %s", dbname,
			    PQerrorMessage(conn));
		strbuf_rtrim(err);
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, quiet, NULL);
	return conn;
}

static void add_result_error(struct strbuf *err, PGresult *res, PGconn *conn,
			     const char *sql)
{
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn);
	strbuf_addf(err, "%s", msg && *msg ? msg : "query failed");
	strbuf_rtrim(err);
	strbuf_addf(err, " (in: %.200s)", sql);
}

int db_sql(const struct db_restore_opts *o, PGconn *conn, const char *sql,
	   struct strbuf *err)
{
	PGresult *res;
	int ok;

	if (o->dry_run) {
		printf("sql: %s\n", sql);
		return 0;
	}
	log_verbose("sql: %s", sql);
	res = PQexec(conn, sql);
	ok = res && (PQresultStatus(res) == PGRES_COMMAND_OK ||
		     PQresultStatus(res) == PGRES_TUPLES_OK);
	if (!ok)
		add_result_error(err, res, conn, sql);
	PQclear(res);
	return ok ? 0 : -1;
}

int db_value(PGconn *conn, const char *sql, struct strbuf *out,
	     struct strbuf *err)
{
	PGresult *res = PQexec(conn, sql);
	int ok = res && PQresultStatus(res) == PGRES_TUPLES_OK;

	strbuf_reset(out);
	if (!ok)
		add_result_error(err, res, conn, sql);
	else if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		strbuf_addstr(out, PQgetvalue(res, 0, 0));
	PQclear(res);
	return ok ? 0 : -1;
}

int db_child_env(const char *conninfo, struct strvec *env, struct strbuf *err)
{
	PQconninfoOption *opts, *p;
	char *msg = NULL;

	if (!conninfo || !*conninfo)
		return 0;
	opts = PQconninfoParse(conninfo, &msg);
	if (!opts) {
		strbuf_addf(err, "cannot parse the database connection: %s",
			    msg ? msg : "out of memory");
		strbuf_rtrim(err);
		PQfreemem(msg);
		return -1;
	}
	for (p = opts; p->keyword; p++) {
		if (!p->val || !*p->val || !p->envvar || !strcmp(p->keyword, "dbname"))
			continue;
		strvec_pushf(env, "%s=%s", p->envvar, p->val);
	}
	PQconninfoFree(opts);
	return 0;
}

/* The last few lines of a child's stderr make the error message. */
static void add_tail(struct strbuf *err, const struct strbuf *text)
{
	const char *p = text->buf + text->len;
	int lines = 0;

	while (p > text->buf && lines < 6) {
		p--;
		if (*p == '\n' && p + 1 < text->buf + text->len)
			lines++;
	}
	if (*p == '\n')
		p++;
	strbuf_addstr(err, p);
	strbuf_rtrim(err);
}

void db_pg_child(struct child_process *cp)
{
	cp->die_with_parent = 1;
}

int db_run(const struct db_restore_opts *o, struct child_process *cp,
	   struct strbuf *out, struct strbuf *err)
{
	struct strbuf line = STRBUF_INIT, child_err = STRBUF_INIT;
	struct strbuf sink = STRBUF_INIT;
	int status;

	sq_quote_argv(&line, cp->args.v);
	if (o->dry_run) {
		printf("run: %s\n", line.buf);
		strbuf_release(&line);
		return 0;
	}
	log_verbose("run: %s", line.buf);
	if (db_child_env(o->conninfo, &cp->env, err) < 0) {
		strbuf_release(&line);
		return -1;
	}
	status = capture_command(cp, out ? out : &sink, &child_err);
	if (status) {
		strbuf_addf(err, "'%s' failed (exit %d)", cp->args.v[0], status);
		if (child_err.len) {
			strbuf_addstr(err, ":\n");
			add_tail(err, &child_err);
		}
	}
	strbuf_release(&line);
	strbuf_release(&child_err);
	strbuf_release(&sink);
	return status;
}

void db_pg_restore_argv(struct strvec *args, const char *pg_restore,
			const char *dbname, const char *section, int jobs,
			int no_owner, const char *list, const char *dump)
{
	strvec_pushl(args, pg_restore, "-d", dbname, NULL);
	if (section)
		strvec_push(args, section);
	strvec_push(args, "--exit-on-error");
	if (jobs > 1)
		strvec_pushf(args, "--jobs=%d", jobs);
	if (no_owner)
		strvec_pushl(args, "--no-owner", "--no-acl", NULL);
	if (list)
		strvec_pushl(args, "-L", list, NULL);
	strvec_push(args, dump);
}

void db_pg_restore_script_argv(struct strvec *args, const char *pg_restore,
			       const char *out, const char *list, const char *dump)
{
	strvec_pushl(args, pg_restore, "-f", out, "--data-only", "--exit-on-error", "-L", list,
		     dump, NULL);
}

void db_quote_ident(struct strbuf *sb, const char *name)
{
	strbuf_addch(sb, '"');
	for (; *name; name++) {
		if (*name == '"')
			strbuf_addch(sb, '"');
		strbuf_addch(sb, *name);
	}
	strbuf_addch(sb, '"');
}

void db_quote_qualified(struct strbuf *sb, const char *name)
{
	const char *dot = strchr(name, '.');
	char *schema;

	if (!dot) {
		strbuf_addstr(sb, "\"public\".");
		db_quote_ident(sb, name);
		return;
	}
	schema = xstrndup(name, (size_t)(dot - name));
	db_quote_ident(sb, schema);
	strbuf_addch(sb, '.');
	db_quote_ident(sb, dot + 1);
	free(schema);
}

void db_quote_literal(struct strbuf *sb, const char *text)
{
	strbuf_addch(sb, '\'');
	for (; *text; text++) {
		if (*text == '\'')
			strbuf_addch(sb, '\'');
		strbuf_addch(sb, *text);
	}
	strbuf_addch(sb, '\'');
}

PGresult *db_query(PGconn *c, const char *sql, struct strbuf *err)
{
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		strbuf_addf(err, "%s", PQresultErrorMessage(r));
		strbuf_rtrim(err);
		PQclear(r);
		return NULL;
	}
	return r;
}
