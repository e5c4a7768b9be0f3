/* fetch.c - the dump from storage or a local file, decompressed to disk. */
#include "fetch.h"
#include "pg.h"
#include "log.h"
#include "db/s3.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

enum db_compression db_sniff_compression(const unsigned char *head, size_t len)
{
	if (len >= 2 && head[0] == 0x1f && head[1] == 0x8b)
		return DB_GZIP;
	if (len >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f &&
	    head[3] == 0xfd)
		return DB_ZSTD;
	return DB_PLAIN;
}

static int sniff_file(const char *path, enum db_compression *c, struct strbuf *err)
{
	unsigned char head[8];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f) {
		strbuf_addf(err, "cannot open dump '%s': %s", path, strerror(errno));
		return -1;
	}
	n = fread(head, 1, sizeof(head), f);
	fclose(f);
	if (n < 5) {
		strbuf_addf(err, "dump '%s' is empty or truncated", path);
		return -1;
	}
	*c = db_sniff_compression(head, n);
	return 0;
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) ? -1 : (long long)st.st_size;
}

/* Decompresses src into dst with zstd (which reads gzip too). */
static int decompress(const struct db_restore_opts *o, const char *src,
		      enum db_compression c, const char *dst, struct strbuf *err)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf out = STRBUF_INIT;
	int rc;

	db_pg_child(&cp);
	strvec_pushl(&cp.args, "zstd", "-q", "-d", "-f", NULL);
	if (c == DB_GZIP)
		strvec_push(&cp.args, "--format=gzip");
	strvec_pushl(&cp.args, src, "-o", dst, NULL);
	rc = db_run(o, &cp, &out, err);
	if (rc)
		strbuf_addf(err, "\ncannot decompress dump '%s' (corrupt or truncated?)", src);
	child_process_clear(&cp);
	strbuf_release(&out);
	return rc ? -1 : 0;
}

static void strip_ext(struct strbuf *sb)
{
	static const char *exts[] = { ".gz", ".zst", ".zstd", ".gzip" };
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++)
		if (ends_with(sb->buf, exts[i])) {
			strbuf_setlen(sb, sb->len - strlen(exts[i]));
			return;
		}
	strbuf_addstr(sb, ".dump");
}

/* Makes src a plain archive at path (decompressing into workdir if needed). */
static int to_plain(const struct db_restore_opts *o, const char *src,
		    int src_temporary, struct strbuf *path, int *temporary,
		    struct strbuf *err)
{
	enum db_compression c;
	const char *base = strrchr(src, '/');

	if (sniff_file(src, &c, err) < 0)
		return -1;
	if (c == DB_PLAIN) {
		strbuf_addstr(path, src);
		*temporary = src_temporary;
		return 0;
	}
	strbuf_addf(path, "%s/%s", o->workdir, base ? base + 1 : src);
	strip_ext(path);
	log_info("    decompressing %s", src);
	if (decompress(o, src, c, path->buf, err) < 0)
		return -1;
	if (src_temporary && !o->keep_dump)
		unlink(src);
	*temporary = 1;
	return 0;
}

static int fetch_from(const struct db_restore_opts *o, const struct db_source *s,
		      struct strbuf *local, struct strbuf *err)
{
	struct s3_client c = { s->endpoint, s->region, s->bucket, s->access_key,
			       s->secret_key };
	struct strbuf key = STRBUF_INIT;
	const char *base;
	int rc = -1;

	if (!s->endpoint || !s->bucket) {
		strbuf_addf(err, "source '%s' has no endpoint or bucket", s->name);
		return -1;
	}
	if (!s->access_key || !s->secret_key) {
		strbuf_addf(err, "source '%s' has no credentials in the secrets", s->name);
		return -1;
	}
	if (s3_newest(&c, s->prefix ? s->prefix : "", &key, err) < 0)
		goto out;
	base = strrchr(key.buf, '/');
	strbuf_addf(local, "%s/%s", o->workdir, base ? base + 1 : key.buf);
	log_info("    downloading s3://%s/%s from %s", s->bucket, key.buf, s->name);
	if (o->dry_run) {
		printf("get: s3://%s/%s -> %s\n", s->bucket, key.buf, local->buf);
	}
	rc = s3_get_file(&c, key.buf, local->buf, err);
out:
	strbuf_release(&key);
	return rc;
}

int db_fetch(const struct db_restore_opts *o, struct strbuf *path,
	     int *temporary, long long *bytes, struct strbuf *err)
{
	struct strbuf local = STRBUF_INIT;
	int rc = -1, tried = 0;

	if (o->file) {
		rc = to_plain(o, o->file, 0, path, temporary, err);
		goto done;
	}
	for (size_t i = 0; i < o->sources_nr; i++) {
		const struct db_source *s = &o->sources[i];
		struct strbuf e = STRBUF_INIT;

		if (o->source && strcmp(o->source, s->name))
			continue;
		tried++;
		strbuf_reset(&local);
		if (fetch_from(o, s, &local, &e) == 0) {
			strbuf_release(&e);
			strbuf_reset(err);
			rc = to_plain(o, local.buf, 1, path, temporary, err);
			goto done;
		}
		/* Every source's reason is kept: the last one alone can mislead. */
		if (err->len)
			strbuf_addch(err, '\n');
		strbuf_addbuf(err, &e);
		if (i + 1 < o->sources_nr && !o->source)
			log_warn("source '%s' failed: %s; trying the next one", s->name, e.buf);
		strbuf_release(&e);
	}
	if (!tried)
		strbuf_addf(err, "no dump source: give --file, or configure '%s'",
			    o->source ? o->source : "x-berth.db.sources");
done:
	if (!rc)
		*bytes = file_size(path->buf);
	strbuf_release(&local);
	return rc;
}
