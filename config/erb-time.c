/*
 * erb-time.c - Time.now and the few Time methods deploy files call on it
 * (a cache-busting build arg, a date in a label): to_i, to_s, utc,
 * strftime, iso8601 and the calendar fields. A Time is a V_TIME value:
 * seconds since the epoch in i, and len 1 once it is in UTC (Ruby's
 * Time#utc), else the process's local zone, as Ruby's Time.now.
 */
#include "config/erb-int.h"
#include <string.h>
#include <time.h>

struct value time_now(void)
{
	struct value v = v_nil();
	v.t = V_TIME;
	v.i = (long long)time(NULL);
	return v;
}

static struct tm broken_down(const struct value *t)
{
	time_t s = (time_t)t->i;
	struct tm tm;
	if (t->len)
		gmtime_r(&s, &tm);
	else
		localtime_r(&s, &tm);
	return tm;
}

/*
 * C's strftime answers 0 both for an empty result and for one that does not
 * fit: grow the buffer a few times before calling it empty.
 */
static void add_strftime(struct strbuf *sb, const struct value *t, const char *fmt)
{
	struct tm tm = broken_down(t);
	size_t room = 256, n = 0;

	if (!*fmt)
		return;
	for (; room <= 65536 && !n; room *= 4) {
		strbuf_grow(sb, room);
		/* The format is the config's, as Ruby's strftime takes it: C's knows the same %-letters. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		n = strftime(sb->buf + sb->len, room, fmt, &tm);
#pragma GCC diagnostic pop
	}
	strbuf_setlen(sb, sb->len + n);
}

/* Ruby's Time#to_s: "2026-12-03 08:00:00 +0000", or "... UTC" once utc. */
void time_to_s(struct strbuf *sb, const struct value *t)
{
	add_strftime(sb, t, t->len ? "%Y-%m-%d %H:%M:%S UTC" : "%Y-%m-%d %H:%M:%S %z");
}

/* iso8601: "2026-12-03T08:00:00Z" in UTC, "...+01:00" elsewhere. */
static void iso8601(struct strbuf *sb, const struct value *t)
{
	struct strbuf z = STRBUF_INIT;
	add_strftime(sb, t, "%Y-%m-%dT%H:%M:%S");
	if (t->len) {
		strbuf_addch(sb, 'Z');
		return;
	}
	add_strftime(&z, t, "%z");
	if (z.len == 5)
		strbuf_addf(sb, "%.3s:%s", z.buf, z.buf + 3);
	strbuf_release(&z);
}

static int calendar_field(const char *m, const struct value *t, struct value *out)
{
	struct tm tm = broken_down(t);
	if (!strcmp(m, "year"))
		*out = v_int(tm.tm_year + 1900);
	else if (!strcmp(m, "month") || !strcmp(m, "mon"))
		*out = v_int(tm.tm_mon + 1);
	else if (!strcmp(m, "day") || !strcmp(m, "mday"))
		*out = v_int(tm.tm_mday);
	else if (!strcmp(m, "hour"))
		*out = v_int(tm.tm_hour);
	else if (!strcmp(m, "min"))
		*out = v_int(tm.tm_min);
	else if (!strcmp(m, "sec"))
		*out = v_int(tm.tm_sec);
	else
		return 0;
	return 1;
}

int time_method(struct erb *e, const char *m, const struct value *t,
		struct value *args, size_t nargs, struct value *out)
{
	struct strbuf sb = STRBUF_INIT;

	if (!strcmp(m, "strftime") && nargs == 1) {
		if (want_str(e, &args[0], "strftime") < 0)
			return -1;
		add_strftime(&sb, t, args[0].s);
		*out = v_strbuf(&sb);
		return 1;
	}
	if (nargs)
		return 0;
	if (!strcmp(m, "to_i") || !strcmp(m, "tv_sec")) {
		*out = v_int(t->i);
	} else if (!strcmp(m, "utc") || !strcmp(m, "getutc") || !strcmp(m, "gmtime")) {
		*out = *t;
		out->len = 1;
	} else if (!strcmp(m, "iso8601") || !strcmp(m, "xmlschema")) {
		iso8601(&sb, t);
		*out = v_strbuf(&sb);
	} else {
		return calendar_field(m, t, out);
	}
	return 1;
}
