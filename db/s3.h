/*
 * s3.h - a small S3 client: list a prefix, download an object to a file.
 *
 * Works with Cloudflare R2 (endpoint https://<account>.r2.cloudflarestorage.com,
 * region "auto") and any S3-compatible endpoint, addressed path-style
 * (ENDPOINT/BUCKET/KEY). Requests are signed with AWS Signature Version 4,
 * computed here with OpenSSL (s3_sigv4()) rather than libcurl's, which in
 * the versions we build against omits x-amz-content-sha256 and encodes
 * some query strings differently from the canonical form it signs.
 *
 * Errors fill err with the endpoint's own code and message, e.g.
 *   s3: GET bucket 'dumps' at http://127.0.0.1:4569: 404 NoSuchBucket: ...
 */
#ifndef BERTH_REMOTE_S3_H
#define BERTH_REMOTE_S3_H

#include "strbuf.h"

struct s3_client {
	const char *endpoint; /* scheme://host[:port], no trailing path */
	const char *region;   /* "auto" for R2 */
	const char *bucket;
	const char *access_key;
	const char *secret_key;
};

/* The key of the newest object (by LastModified, then key) under prefix. */
int s3_newest(const struct s3_client *c, const char *prefix, struct strbuf *key,
	      struct strbuf *err);

/* Downloads key to path (created or truncated). */
int s3_get_file(const struct s3_client *c, const char *key, const char *path,
		struct strbuf *err);

/* Signature Version 4, pure. Header names must be lowercase, values trimmed. */
struct s3_kv {
	const char *key, *value;
};
struct s3_sign_request {
	const char *method;
	const char *path;  /* raw, e.g. "/bucket/dumps/a b.dump"; encoded here */
	const struct s3_kv *query; /* raw pairs, any order */
	size_t query_nr;
	const struct s3_kv *headers; /* must include host and x-amz-date */
	size_t headers_nr;
	const char *payload_hash; /* hex SHA-256 of the body */
	const char *amz_date;     /* 20150830T123600Z */
	const char *region, *service, *access_key, *secret_key;
};

/* Appends the canonical (encoded, sorted) query string. */
void s3_canonical_query(struct strbuf *out, const struct s3_kv *q, size_t n);
/* Appends the path with every byte but unreserved ones and '/' encoded. */
void s3_encode_path(struct strbuf *out, const char *path);
/* Appends the whole Authorization header value. */
void s3_sigv4(const struct s3_sign_request *r, struct strbuf *auth);
/* Appends the lowercase hex SHA-256 of data. */
void s3_sha256_hex(struct strbuf *out, const void *data, size_t len);

#endif
