/* test-db-build.c - the restore's pure builders: argv, SQL, quoting, settings. */
#include "unit.h"
#include "db/deferred.h"
#include "db/pg.h"
#include "db/settings.h"
#include "db/stage.h"
#include "db/swap.h"

static char *joined(const struct strvec *sv)
{
	return strvec_join(sv, " ");
}

static void test_pg_restore_argv(void)
{
	struct strvec a = STRVEC_INIT;
	char *s;

	db_pg_restore_argv(&a, "/pg/bin/pg_restore", "app_berth_restore", "--schema-only",
			   4, 1, "/w/fast.list", "/w/prod.dump");
	s = joined(&a);
	CHECK_STR(s, "/pg/bin/pg_restore -d app_berth_restore --schema-only --exit-on-error "
		     "--jobs=4 --no-owner --no-acl -L /w/fast.list /w/prod.dump");
	free(s);
	strvec_clear(&a);

	/* One job: no --jobs (pg_restore -j1 would still fork a worker). */
	db_pg_restore_argv(&a, "pg_restore", "app", "--data-only", 1, 0, "/w/deferred-3.list", "d.dump");
	s = joined(&a);
	CHECK_STR(s, "pg_restore -d app --data-only --exit-on-error -L /w/deferred-3.list d.dump");
	free(s);
	strvec_clear(&a);

	/* The staging load's script of one list's data. */
	db_pg_restore_script_argv(&a, "pg_restore", "/w/deferred-4.list.copy", "/w/deferred-4.list", "d.dump");
	s = joined(&a);
	CHECK_STR(s, "pg_restore -f /w/deferred-4.list.copy --data-only --exit-on-error -L /w/deferred-4.list d.dump");
	free(s);
	strvec_clear(&a);

	/* A database name is one argv word, whatever it holds: no shell. */
	db_pg_restore_argv(&a, "pg_restore", "my db; rm -rf /", NULL, 0, 0, NULL, "x.dump");
	CHECK_INT(a.nr, 5);
	CHECK_STR(a.v[2], "my db; rm -rf /");
	CHECK_STR(a.v[3], "--exit-on-error");
	strvec_clear(&a);
}

static void test_quoting(void)
{
	struct strbuf sb = STRBUF_INIT;

	db_quote_ident(&sb, "events");
	CHECK_STR(sb.buf, "\"events\"");
	strbuf_reset(&sb);
	db_quote_ident(&sb, "we\"ird");
	CHECK_STR(sb.buf, "\"we\"\"ird\"");
	strbuf_reset(&sb);
	db_quote_qualified(&sb, "events");
	CHECK_STR(sb.buf, "\"public\".\"events\"");
	strbuf_reset(&sb);
	db_quote_qualified(&sb, "app.Events");
	CHECK_STR(sb.buf, "\"app\".\"Events\"");
	strbuf_reset(&sb);
	/* Only the first dot separates: the rest belongs to the name. */
	db_quote_qualified(&sb, "s.t.x");
	CHECK_STR(sb.buf, "\"s\".\"t.x\"");
	strbuf_reset(&sb);
	db_quote_literal(&sb, "it's");
	CHECK_STR(sb.buf, "'it''s'");
	strbuf_reset(&sb);
	db_quote_literal(&sb, "");
	CHECK_STR(sb.buf, "''");
	strbuf_release(&sb);
}

static void test_swap_sql(void)
{
	struct strbuf sb = STRBUF_INIT;

	db_swap_sql(&sb, "app", "app_berth_old", "app_berth_restore", 1);
	CHECK_STR(sb.buf, "BEGIN; ALTER DATABASE \"app\" RENAME TO \"app_berth_old\"; "
			  "ALTER DATABASE \"app_berth_restore\" RENAME TO \"app\"; COMMIT;");
	strbuf_reset(&sb);
	/* A first restore: nothing to set aside. */
	db_swap_sql(&sb, "app", "app_berth_old", "app_berth_restore", 0);
	CHECK_STR(sb.buf, "BEGIN; ALTER DATABASE \"app_berth_restore\" RENAME TO \"app\"; COMMIT;");
	strbuf_reset(&sb);
	db_swap_sql(&sb, "a\"b", "old", "new", 1);
	CHECK(strstr(sb.buf, "ALTER DATABASE \"a\"\"b\" RENAME TO \"old\"") != NULL);
	strbuf_release(&sb);
}

static void test_concurrent_index(void)
{
	struct strbuf sb = STRBUF_INIT;

	db_concurrent_index(&sb, "CREATE INDEX events_account_idx ON public.events USING btree (account_id)");
	CHECK_STR(sb.buf, "CREATE INDEX CONCURRENTLY events_account_idx ON public.events USING btree (account_id)");
	strbuf_reset(&sb);
	db_concurrent_index(&sb, "CREATE UNIQUE INDEX events_pkey ON public.events USING btree (id)");
	CHECK_STR(sb.buf, "CREATE UNIQUE INDEX CONCURRENTLY events_pkey ON public.events USING btree (id)");
	strbuf_reset(&sb);
	/* An index whose name contains " INDEX " is still handled at the keyword. */
	db_concurrent_index(&sb, "CREATE INDEX \"my INDEX x\" ON public.t USING btree (a)");
	CHECK_STR(sb.buf, "CREATE INDEX CONCURRENTLY \"my INDEX x\" ON public.t USING btree (a)");
	strbuf_reset(&sb);
	/* Not an index definition: unchanged. */
	db_concurrent_index(&sb, "ANALYZE public.t");
	CHECK_STR(sb.buf, "ANALYZE public.t");
	strbuf_release(&sb);
}

static struct ynode *parse(struct ytree *t, const char *text)
{
	struct strbuf err = STRBUF_INIT;
	struct ynode *root = NULL;

	if (yaml_parse(t, text, strlen(text), "config/deploy.yml", &root, &err) < 0)
		printf("# parse error: %s\n", err.buf);
	strbuf_release(&err);
	return root;
}

static void test_settings(void)
{
	struct ytree *t = ytree_new();
	struct db_settings s;
	struct strbuf err = STRBUF_INIT;
	struct ynode *r = parse(t,
		"service: app\n"
		"x-berth:\n"
		"  db:\n"
		"    databases: [app, versions]\n"
		"    schema_only_databases: versions\n"
		"    large_tables: events, measurements\n"
		"    critical_matviews: [account_names]\n"
		"    jobs: 4\n"
		"    no_owner: true\n"
		"    source: { account: abc123, bucket: dumps, prefix: prod/ }\n"
		"    fallback: { endpoint: 'http://127.0.0.1:9000', bucket: fb }\n");

	db_settings_init(&s);
	CHECK_INT(db_settings_read(r, &s, &err), 0);
	CHECK_STR(err.buf, "");
	CHECK_INT(s.databases.nr, 2);
	CHECK_STR(s.databases.v[0], "app");
	CHECK_STR(s.schema_only_databases.v[0], "versions");
	CHECK_INT(s.large_tables.nr, 2);
	CHECK_STR(s.large_tables.v[1], "measurements");
	CHECK_INT(s.jobs, 4);
	CHECK_INT(s.no_owner, 1);
	CHECK_STR(s.source.account, "abc123");
	CHECK_STR(s.source.prefix, "prod/");
	CHECK_STR(s.fallback.endpoint, "http://127.0.0.1:9000");
	CHECK(s.fallback.prefix == NULL);
	db_settings_release(&s);

	/* No x-berth at all: nothing set, no error. */
	db_settings_init(&s);
	CHECK_INT(db_settings_read(parse(t, "service: app\n"), &s, &err), 0);
	CHECK_INT(s.databases.nr, 0);
	CHECK_INT(s.no_owner, -1);
	db_settings_release(&s);

	db_settings_init(&s);
	r = parse(t, "x-berth:\n  db:\n    jobs: 0\n    fallback: { account: x }\n    bucket: b\n");
	CHECK_INT(db_settings_read(r, &s, &err), -1);
	CHECK(strstr(err.buf, "config/deploy.yml:3: x-berth/db/jobs: must be a whole number") != NULL);
	CHECK(strstr(err.buf, "config/deploy.yml:4: x-berth/db/fallback/account: unknown key") != NULL);
	CHECK(strstr(err.buf, "config/deploy.yml:5: x-berth/db/bucket: unknown key") != NULL);
	db_settings_release(&s);
	strbuf_release(&err);
	ytree_free(t);
}

static void test_copy_columns(void)
{
	static const struct {
		const char *line, *cols; /* cols NULL: not a COPY line */
	} t[] = {
		{ "COPY public.p_items_1 (id, code, day) FROM stdin;\n", "id, code, day" },
		{ "COPY public.t (a) FROM stdin;", "a" },
		{ "COPY \"My Schema\".\"odd (name\" (\"x)\", y) FROM stdin;\n", "\"x)\", y" },
		{ "COPY \"a \"\" b\".t (c) FROM stdin;\n", "c" },
		{ "COPY public.empty  FROM stdin;\n", "" },
		{ "COPY public.t (a) FROM stdin", NULL },
		{ "SET statement_timeout = 0;\n", NULL },
		{ "COPY  FROM stdin;", NULL },
		{ "COPY \"unterminated (a) FROM stdin;", NULL },
		{ "COPY public.t a) FROM stdin;", NULL },
		{ "", NULL },
	};
	struct strbuf cols = STRBUF_INIT;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = db_copy_columns(t[i].line, &cols);
		CHECK_INT(rc, t[i].cols ? 0 : -1);
		if (t[i].cols && !rc)
			CHECK_STR(cols.buf, t[i].cols);
	}
	strbuf_release(&cols);
}

int main(void)
{
	RUN(test_pg_restore_argv);
	RUN(test_quoting);
	RUN(test_swap_sql);
	RUN(test_concurrent_index);
	RUN(test_settings);
	RUN(test_copy_columns);
	return unit_done();
}
