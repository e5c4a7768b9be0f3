/* test-proxy.c - routing, retry targets, durations and PROXY-protocol trust (proxy/). */
#include "unit.h"
#include "proxy/proxy.h"
#include "proxy/relay-int.h"


static struct service *svc(const char *name, const char *hosts, const char *prefixes)
{
	struct service *s = xcalloc(1, sizeof(*s));
	s->name = xstrdup(name);
	strvec_init(&s->hosts);
	strvec_init(&s->prefixes);
	char *h = xstrdup(hosts), *save = NULL;
	for (char *t = strtok_r(h, ",", &save); t; t = strtok_r(NULL, ",", &save))
		strvec_push(&s->hosts, t);
	free(h);
	char *p = xstrdup(prefixes);
	for (char *t = strtok_r(p, ",", &save); t; t = strtok_r(NULL, ",", &save))
		strvec_push(&s->prefixes, t);
	free(p);
	s->next = services;
	services = s;
	return s;
}

static const char *routed(const char *host, const char *path, size_t *pl)
{
	size_t dummy;
	struct service *s = route((struct slice){ host, strlen(host) },
				  (struct slice){ path, strlen(path) }, pl ? pl : &dummy);
	return s ? s->name : "(none)";
}

static void routing(void)
{
	size_t pl;
	svc("default", "", "");
	svc("exact", "app.example.com", "");
	svc("wild", "*.example.com", "");
	svc("api", "app.example.com", "/api");
	CHECK_STR(routed("app.example.com", "/", NULL), "exact");
	CHECK_STR(routed("APP.example.com:8080", "/x", NULL), "exact");
	CHECK_STR(routed("other.example.com", "/", NULL), "wild");
	CHECK_STR(routed("deep.other.example.com", "/", NULL), "default"); /* one label */
	CHECK_STR(routed("example.com", "/", NULL), "default");
	CHECK_STR(routed("elsewhere.org", "/", NULL), "default");
	CHECK_STR(routed("app.example.com", "/api/v1", &pl), "api");
	CHECK_INT(pl, 4);
	CHECK_STR(routed("app.example.com", "/api", NULL), "api");
	CHECK_STR(routed("app.example.com", "/apis", NULL), "exact");
	CHECK_STR(routed("app.example.com", "/api?x", NULL), "exact"); /* path only */
}

static void durations(void)
{
	CHECK_INT(parse_duration_ms("30s"), 30000);
	CHECK_INT(parse_duration_ms("1m30s"), 90000);
	CHECK_INT(parse_duration_ms("500ms"), 500);
	CHECK_INT(parse_duration_ms("1h"), 3600000);
	CHECK_INT(parse_duration_ms("1.5s"), 1500);
	CHECK_INT(parse_duration_ms("0"), 0);
	CHECK_INT(parse_duration_ms("10"), -1);
	CHECK_INT(parse_duration_ms("5x"), -1);
	CHECK_INT(parse_duration_ms(""), -1);
}

static void proxy_protocol_trust(void)
{
	CHECK_INT(proxyproto_trust("10.0.0.0/8"), 0);
	CHECK_INT(proxyproto_trust("bogus"), -1);
	CHECK_INT(proxyproto_trust("10.0.0.0/33"), -1);
}

static const char *js(const char *in)
{
	static struct strbuf sb = STRBUF_INIT;
	strbuf_reset(&sb);
	json_str(&sb, in, strlen(in));
	return sb.buf;
}

/* Every access-log line must parse as JSON, whatever bytes a client sent. */
static void json_strings(void)
{
	CHECK_STR(js("plain"), "\"plain\"");
	CHECK_STR(js("a\"b\\c\n\x7f"), "\"a\\\"b\\\\c\\u000a\\u007f\"");
	CHECK_STR(js("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""); /* é € 😀 pass */
	CHECK_STR(js("\xff"), "\"\\ufffd\"");
	CHECK_STR(js("a\xc3"), "\"a\\ufffd\""); /* cut short */
	CHECK_STR(js("\xc0\xaf"), "\"\\ufffd\\ufffd\""); /* overlong */
	CHECK_STR(js("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\""); /* a surrogate */
	CHECK_STR(js("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* > U+10FFFF */
	CHECK_STR(js("\xe2\x82x"), "\"\\ufffd\\ufffdx\"");
}

static struct target *tgt(const char *addr)
{
	struct target *t = xcalloc(1, sizeof(*t));
	t->addr = xstrdup(addr);
	return t;
}

/* Where a retry goes when a target refuses (upstream.c asks the router). */
static void retry_targets(void)
{
	struct target *w1 = tgt("w1"), *w2 = tgt("w2"), *r1 = tgt("r1"),
		      *r2 = tgt("r2"), *o1 = tgt("o1"), *gone = tgt("gone");
	struct target *writers[] = { w1, w2 }, *readers[] = { r1, r2 }, *roll[] = { o1 };
	struct service s = { .targets = writers, .ntargets = 2,
			     .readers = readers, .nreaders = 2,
			     .rollout = roll, .nrollout = 1 };
	CHECK_STR(service_repick(&s, w1)->addr, "w2");
	CHECK_STR(service_repick(&s, w2)->addr, "w1");
	CHECK_STR(service_repick(&s, r1)->addr, "r2");
	/* No other reader, or rollout target, in rotation: the writers. */
	r2->unhealthy = 1;
	struct target *t = service_repick(&s, r1);
	CHECK(t == w1 || t == w2);
	t = service_repick(&s, o1);
	CHECK(t == w1 || t == w2);
	/* Swapped out by a deploy meanwhile: a writer. */
	CHECK(service_repick(&s, gone) != NULL);
	w2->unhealthy = 1;
	CHECK(service_repick(&s, w1) == NULL);
	/* Groups as monitor.c checks (and ejects) them. */
	CHECK(service_group_size(&s, w1) == 4);
	CHECK(service_group_size(&s, r2) == 4);
	CHECK(service_group_size(&s, o1) == 1);
	CHECK(service_group_size(&s, gone) == 0);
	struct target *all[] = { w1, w2, r1, r2, o1, gone };
	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		free(all[i]->addr);
		free(all[i]);
	}
}

int main(void)
{
	RUN(json_strings);
	RUN(routing);
	RUN(durations);
	RUN(proxy_protocol_trust);
	RUN(retry_targets);
	return unit_done();
}
