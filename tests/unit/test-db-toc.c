/* test-db-toc.c - the fast and deferred restore lists. */
#include "unit.h"
#include "db/toc.h"

static const char sample[] =
	";\n"
	";     Dumped from database version: 15.18 (Debian 15.18-0+deb12u1)\n"
	";     Dumped by pg_dump version: 15.18 (Debian 15.18-0+deb12u1)\n"
	";\n"
	"230; 1255 16443 FUNCTION public settings_audit() postgres\n"
	"217; 1259 16397 TABLE public events postgres\n"
	"224; 1259 16446 TABLE public measurements postgres\n"
	"3239; 0 0 TABLE ATTACH public measurements_2023 postgres\n"
	"3420; 0 16386 TABLE DATA public accounts postgres\n"
	"3422; 0 16397 TABLE DATA public events postgres\n"
	"3423; 0 16398 TABLE DATA app events postgres\n"
	"3424; 0 16399 TABLE DATA public my table postgres\n"
	"3429; 0 16452 TABLE DATA public measurements_2023 postgres\n"
	"3430; 0 16460 TABLE DATA public measurements_2024 postgres\n"
	"3431; 0 16461 TABLE DATA public measurements_2024_q1 postgres\n"
	"3448; 0 0 SEQUENCE SET public events_id_seq postgres\n"
	"3256; 2606 16405 CONSTRAINT public events events_pkey postgres\n"
	"3254; 1259 16412 INDEX public events_kind_hash postgres\n"
	"3432; 0 16469 MATERIALIZED VIEW DATA public account_names postgres\n";

static const char schema_sql[] =
	"ALTER TABLE ONLY public.measurements ATTACH PARTITION public.measurements_2023 FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');\n"
	"ALTER TABLE ONLY public.measurements ATTACH PARTITION public.measurements_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n"
	"ALTER TABLE ONLY public.measurements_2024 ATTACH PARTITION public.\"measurements_2024_q1\" FOR VALUES FROM ('2024-01-01') TO ('2024-04-01');\n"
	"ALTER TABLE ONLY public.other ATTACH PARTITION public.other_1 DEFAULT;\n"
	"ALTER TABLE ONLY public.events ADD CONSTRAINT events_pkey PRIMARY KEY (id);\n";

static void test_parse(void)
{
	struct toc toc;
	struct strbuf err = STRBUF_INIT;

	CHECK_INT(toc_parse(&toc, sample, &err), 0);
	CHECK_INT(toc.nr, 15);
	CHECK_STR(toc.dumped_by, "15.18 (Debian 15.18-0+deb12u1)");
	CHECK_INT(toc_major(toc.dumped_by), 15);
	CHECK_STR(toc.entries[0].desc, "FUNCTION");
	CHECK_STR(toc.entries[0].name, "settings_audit()");
	CHECK_STR(toc.entries[3].desc, "TABLE ATTACH");
	CHECK_STR(toc.entries[5].desc, "TABLE DATA");
	CHECK_STR(toc.entries[5].schema, "public");
	CHECK_STR(toc.entries[5].name, "events");
	CHECK_STR(toc.entries[7].name, "my table");
	CHECK_STR(toc.entries[14].desc, "MATERIALIZED VIEW DATA");
	CHECK_STR(toc.entries[14].name, "account_names");
	toc_release(&toc);
	CHECK_INT(toc_parse(&toc, ";\n; nothing\n", &err), -1);
	CHECK(strstr(err.buf, "no entry") != NULL);
	toc_release(&toc);
	strbuf_release(&err);
}

static void test_major(void)
{
	CHECK_INT(toc_major("15.18 (Debian)"), 15);
	CHECK_INT(toc_major("9.6.24"), 9);
	CHECK_INT(toc_major("16devel"), 16);
	CHECK_INT(toc_major(NULL), -1);
	CHECK_INT(toc_major("x"), -1);
}

static void test_qualify(void)
{
	struct strbuf sb = STRBUF_INIT;
	toc_qualify(&sb, "events");
	CHECK_STR(sb.buf, "public.events");
	strbuf_reset(&sb);
	toc_qualify(&sb, "app.events");
	CHECK_STR(sb.buf, "app.events");
	strbuf_release(&sb);
}

static void test_partitions(void)
{
	struct strvec t = STRVEC_INIT;

	strvec_push(&t, "public.measurements");
	toc_add_partitions(&t, schema_sql);
	CHECK_INT(t.nr, 4);
	CHECK(strvec_find(&t, "public.measurements_2023") >= 0);
	CHECK(strvec_find(&t, "public.measurements_2024") >= 0);
	CHECK(strvec_find(&t, "public.measurements_2024_q1") >= 0);
	CHECK(strvec_find(&t, "public.other_1") < 0);
	strvec_clear(&t);
}

static void test_split(void)
{
	struct toc toc;
	struct strbuf err = STRBUF_INIT;
	struct strvec deferred = STRVEC_INIT;
	struct toc_split s = TOC_SPLIT_INIT;

	toc_parse(&toc, sample, &err);
	strvec_pushl(&deferred, "public.events", "public.measurements", NULL);
	toc_add_partitions(&deferred, schema_sql);
	toc_split(&toc, &deferred, &s);
	CHECK_STR(s.deferred.buf,
		  "3422; 0 16397 TABLE DATA public events postgres\n"
		  "3429; 0 16452 TABLE DATA public measurements_2023 postgres\n"
		  "3430; 0 16460 TABLE DATA public measurements_2024 postgres\n"
		  "3431; 0 16461 TABLE DATA public measurements_2024_q1 postgres\n");
	/* Exact schema: app.events is not public.events. */
	CHECK(strstr(s.fast.buf, "TABLE DATA app events") != NULL);
	CHECK(strstr(s.fast.buf, "TABLE DATA public events") == NULL);
	/* Sequence values load with the fast data; matview data with neither. */
	CHECK(strstr(s.fast.buf, "SEQUENCE SET public events_id_seq") != NULL);
	CHECK(strstr(s.fast.buf, "MATERIALIZED VIEW DATA") == NULL);
	CHECK(strstr(s.fast.buf, "CONSTRAINT public events events_pkey") != NULL);
	CHECK_INT(s.fast_tables.nr, 3);
	CHECK_STR(s.fast_tables.v[0], "public.accounts");
	CHECK_STR(s.fast_tables.v[2], "public.my table");
	CHECK_INT(s.deferred_tables.nr, 4);
	CHECK_INT(s.matviews.nr, 1);
	CHECK_STR(s.matviews.v[0], "public.account_names");
	toc_split_release(&s);
	strvec_clear(&deferred);
	toc_release(&toc);
	strbuf_release(&err);
}

static void test_copy_counter(void)
{
	static const char script[] =
		"SET search_path = '';\n"
		"COPY public.accounts (id, name) FROM stdin;\n"
		"1\tone\n2\ttwo\\nlines\n3\tthree\n\\.\n\n"
		"COPY public.\"Empty\" (id) FROM stdin;\n\\.\n"
		"SELECT pg_catalog.setval('public.s', 3, true);\n";
	struct copy_counter c = COPY_COUNTER_INIT;

	/* Fed in awkward chunks, as reads from a file arrive. */
	for (size_t i = 0; i < sizeof(script) - 1; i += 7) {
		size_t n = sizeof(script) - 1 - i;
		copy_counter_feed(&c, script + i, n < 7 ? n : 7);
	}
	CHECK_INT(c.nr, 2);
	CHECK_STR(c.names.v[0], "public.accounts");
	CHECK_INT(c.counts[0], 3);
	CHECK_STR(c.names.v[1], "public.\"Empty\"");
	CHECK_INT(c.counts[1], 0);
	copy_counter_release(&c);
}

int main(void)
{
	RUN(test_parse);
	RUN(test_major);
	RUN(test_qualify);
	RUN(test_partitions);
	RUN(test_split);
	RUN(test_copy_counter);
	return unit_done();
}
