/*
 * test-acme.c - the offline pieces of the ACME client: base64url, the JWK
 * and its thumbprint (expected values computed independently with
 * openssl + python for the fixed key below), JWS signatures, key
 * authorizations, the CSR, the TLS-ALPN-01 certificate, and the cache
 * helpers. The conversation with a real CA is t5800-acme.sh.
 */
#include "unit.h"
#include "proxy/acme.h"
#include <sys/stat.h>
#include <unistd.h>
#include <cJSON.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

static const char key_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg6hOxEtLw9qveUeeV\n"
	"TYWOAyhOHX/aAagyTtzD5A9ghEOhRANCAAR5+yOleZiH2qK5HUqQ8XD3SG9PSbv4\n"
	"bGLi4kekQZhAZ4/9Xd4Pbi0h0e3brgQa0zqRyRNWngsGIVoWz5cbLUGa\n"
	"-----END PRIVATE KEY-----\n";
static const char want_jwk[] =
	"{\"crv\":\"P-256\",\"kty\":\"EC\","
	"\"x\":\"efsjpXmYh9qiuR1KkPFw90hvT0m7-Gxi4uJHpEGYQGc\","
	"\"y\":\"j_1d3g9uLSHR7duuBBrTOpHJE1aeCwYhWhbPlxstQZo\"}";
static const char want_thumb[] = "zbZqCzVp0_topeE0xj-at-RdKn5J5VgoiuRPHwznpKc";

static EVP_PKEY *fixed_key(void)
{
	BIO *b = BIO_new_mem_buf(key_pem, -1);
	EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	return k;
}

static void b64(const char *in, size_t n, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	acme_b64url(&sb, (const unsigned char *)in, n);
	CHECK_STR(sb.buf, want);
	strbuf_release(&sb);
}

static void test_b64url_rfc4648_vectors(void)
{
	b64("", 0, "");
	b64("f", 1, "Zg");
	b64("fo", 2, "Zm8");
	b64("foo", 3, "Zm9v");
	b64("foob", 4, "Zm9vYg");
	b64("fooba", 5, "Zm9vYmE");
	b64("foobar", 6, "Zm9vYmFy");
	b64("\xfb\xff\xbf", 3, "-_-_"); /* the two url-safe letters */
}

static void test_jwk_and_thumbprint(void)
{
	EVP_PKEY *k = fixed_key();
	struct strbuf jwk = STRBUF_INIT, tp = STRBUF_INIT, ka = STRBUF_INIT;

	CHECK(k != NULL);
	CHECK_INT(acme_jwk(k, &jwk), 0);
	CHECK_STR(jwk.buf, want_jwk);
	CHECK_INT(acme_jwk_thumbprint(k, &tp), 0);
	CHECK_STR(tp.buf, want_thumb);
	CHECK_INT(acme_key_authorization(k, "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA", &ka), 0);
	CHECK_STR(ka.buf, "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA."
			  "zbZqCzVp0_topeE0xj-at-RdKn5J5VgoiuRPHwznpKc");
	strbuf_release(&jwk);
	strbuf_release(&tp);
	strbuf_release(&ka);
	EVP_PKEY_free(k);
}

static char *b64url_decode(const char *s, size_t *len)
{
	struct strbuf std = STRBUF_INIT;
	unsigned char *out = xmalloc(strlen(s) + 4);
	int n;

	for (; *s; s++)
		strbuf_addch(&std, *s == '-' ? '+' : *s == '_' ? '/' : *s);
	while (std.len % 4)
		strbuf_addch(&std, '=');
	n = EVP_DecodeBlock(out, (unsigned char *)std.buf, (int)std.len);
	/* EVP_DecodeBlock counts the padding as zero bytes; take them off. */
	if (n >= 0 && std.len && std.buf[std.len - 1] == '=')
		n -= std.len > 1 && std.buf[std.len - 2] == '=' ? 2 : 1;
	strbuf_release(&std);
	*len = n < 0 ? 0 : (size_t)n;
	out[*len] = '\0';
	return (char *)out;
}

/* Verifies an ES256 r||s signature the way a CA does. */
static int es256_verify(EVP_PKEY *k, const char *data, const unsigned char *rs,
			size_t rs_len)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	unsigned char *der = NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int der_len, ok;

	if (rs_len != 64)
		return 0;
	ECDSA_SIG_set0(sig, BN_bin2bn(rs, 32, NULL), BN_bin2bn(rs + 32, 32, NULL));
	der_len = i2d_ECDSA_SIG(sig, &der);
	ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
	     EVP_DigestVerify(md, der, der_len, (const unsigned char *)data,
			      strlen(data)) == 1;
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	return ok;
}

static void test_jws_verifies_and_carries_header(void)
{
	EVP_PKEY *k = fixed_key();
	struct strbuf jws = STRBUF_INIT, input = STRBUF_INIT;
	cJSON *j, *prot;
	char *hdr, *payload, *sig;
	size_t n;

	CHECK_INT(acme_jws(k, NULL, "nonce-1", "https://ca/new-acct",
			   "{\"termsOfServiceAgreed\":true}", &jws), 0);
	j = cJSON_Parse(jws.buf);
	CHECK(j != NULL);
	hdr = b64url_decode(cJSON_GetObjectItem(j, "protected")->valuestring, &n);
	prot = cJSON_Parse(hdr);
	CHECK_STR(cJSON_GetObjectItem(prot, "alg")->valuestring, "ES256");
	CHECK_STR(cJSON_GetObjectItem(prot, "nonce")->valuestring, "nonce-1");
	CHECK_STR(cJSON_GetObjectItem(prot, "url")->valuestring, "https://ca/new-acct");
	CHECK(cJSON_GetObjectItem(prot, "kid") == NULL);
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(prot, "jwk"), "x")->valuestring,
		  "efsjpXmYh9qiuR1KkPFw90hvT0m7-Gxi4uJHpEGYQGc");
	payload = b64url_decode(cJSON_GetObjectItem(j, "payload")->valuestring, &n);
	CHECK_STR(payload, "{\"termsOfServiceAgreed\":true}");
	sig = b64url_decode(cJSON_GetObjectItem(j, "signature")->valuestring, &n);
	strbuf_addf(&input, "%s.%s", cJSON_GetObjectItem(j, "protected")->valuestring,
		    cJSON_GetObjectItem(j, "payload")->valuestring);
	CHECK(es256_verify(k, input.buf, (unsigned char *)sig, n));
	input.buf[0] ^= 1; /* a changed header must not verify */
	CHECK(!es256_verify(k, input.buf, (unsigned char *)sig, n));
	free(hdr);
	free(payload);
	free(sig);
	cJSON_Delete(prot);
	cJSON_Delete(j);
	strbuf_release(&jws);
	strbuf_release(&input);
	EVP_PKEY_free(k);
}

static void test_jws_post_as_get_uses_kid_and_empty_payload(void)
{
	EVP_PKEY *k = fixed_key();
	struct strbuf jws = STRBUF_INIT;
	cJSON *j, *prot;
	char *hdr;
	size_t n;

	CHECK_INT(acme_jws(k, "https://ca/acct/7", "n2", "https://ca/order/1", NULL, &jws), 0);
	j = cJSON_Parse(jws.buf);
	CHECK_STR(cJSON_GetObjectItem(j, "payload")->valuestring, "");
	hdr = b64url_decode(cJSON_GetObjectItem(j, "protected")->valuestring, &n);
	prot = cJSON_Parse(hdr);
	CHECK_STR(cJSON_GetObjectItem(prot, "kid")->valuestring, "https://ca/acct/7");
	CHECK(cJSON_GetObjectItem(prot, "jwk") == NULL);
	free(hdr);
	cJSON_Delete(prot);
	cJSON_Delete(j);
	strbuf_release(&jws);
	EVP_PKEY_free(k);
}

static int has_dns(GENERAL_NAMES *gens, const char *name)
{
	int i;

	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type == GEN_DNS &&
		    !strcmp((const char *)ASN1_STRING_get0_data(g->d.dNSName), name))
			return 1;
	}
	return 0;
}

static void test_csr_names_every_domain(void)
{
	const char *domains[] = { "app.example.test", "www.example.test" };
	EVP_PKEY *k = acme_ec_key_new();
	unsigned char *der;
	const unsigned char *p;
	size_t len;
	X509_REQ *req;
	STACK_OF(X509_EXTENSION) *exts;
	GENERAL_NAMES *gens;

	CHECK_INT(acme_csr_der(k, domains, 2, &der, &len), 0);
	p = der;
	req = d2i_X509_REQ(NULL, &p, (long)len);
	CHECK(req != NULL);
	CHECK_INT(X509_REQ_verify(req, k), 1);
	exts = X509_REQ_get_extensions(req);
	gens = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
	CHECK(has_dns(gens, "app.example.test"));
	CHECK(has_dns(gens, "www.example.test"));
	GENERAL_NAMES_free(gens);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
	free(der);
	EVP_PKEY_free(k);
}

static void test_tlsalpn01_cert_has_critical_acme_identifier(void)
{
	const char *ka = "token.thumb";
	unsigned char want[2 + 32];
	EVP_PKEY *k = NULL;
	X509 *x = acme_tlsalpn01_cert("app.example.test", ka, &k);
	ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
	X509_EXTENSION *ext;
	const ASN1_OCTET_STRING *val;
	GENERAL_NAMES *gens;
	int i;

	CHECK(x != NULL && k != NULL);
	i = X509_get_ext_by_OBJ(x, oid, -1);
	CHECK(i >= 0);
	ext = X509_get_ext(x, i);
	CHECK(X509_EXTENSION_get_critical(ext));
	val = X509_EXTENSION_get_data(ext);
	want[0] = 0x04;
	want[1] = 32;
	SHA256((const unsigned char *)ka, strlen(ka), want + 2);
	CHECK_INT(ASN1_STRING_length(val), sizeof(want));
	CHECK(!memcmp(ASN1_STRING_get0_data(val), want, sizeof(want)));
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	CHECK(has_dns(gens, "app.example.test"));
	CHECK_INT(sk_GENERAL_NAME_num(gens), 1);
	CHECK_INT(X509_verify(x, k), 1);
	GENERAL_NAMES_free(gens);
	ASN1_OBJECT_free(oid);
	X509_free(x);
	EVP_PKEY_free(k);
}

static void test_domain_check(void)
{
	CHECK_INT(acme_check_domain("example.com"), 0);
	CHECK_INT(acme_check_domain("a-b.c0.example"), 0);
	CHECK_INT(acme_check_domain(""), -1);
	CHECK_INT(acme_check_domain("*.example.com"), -1);
	CHECK_INT(acme_check_domain("../etc"), -1);
	CHECK_INT(acme_check_domain("a..b"), -1);
	CHECK_INT(acme_check_domain(".example.com"), -1);
	CHECK_INT(acme_check_domain("ex ample.com"), -1);
	CHECK_INT(acme_check_domain("a/b"), -1);
}

/* A self-signed certificate valid for days, written to path. */
static void write_cert(const char *path, long days)
{
	EVP_PKEY *k = acme_ec_key_new();
	X509 *x = X509_new();
	FILE *f;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), days * 86400);
	X509_set_pubkey(x, k);
	X509_sign(x, k, EVP_sha256());
	f = fopen(path, "w");
	PEM_write_X509(f, x);
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(k);
}

static void test_renewal_due_30_days_before_expiry(void)
{
	char dir[] = "/tmp/test-acme.XXXXXX";
	char *soon, *later;
	time_t now = time(NULL), end = 0;

	CHECK(mkdtemp(dir) != NULL);
	soon = acme_cache_path(dir, "Soon.Example", ".crt");
	later = acme_cache_path(dir, "later.example", ".crt");
	CHECK(ends_with(soon, "/soon.example.crt"));
	write_cert(soon, 10);
	write_cert(later, 60);
	CHECK_INT(acme_renewal_due(soon, ACME_RENEW_DAYS, now, &end), 1);
	CHECK(end > now + 9 * 86400 && end <= now + 10 * 86400 + 5);
	CHECK_INT(acme_renewal_due(later, ACME_RENEW_DAYS, now, NULL), 0);
	CHECK_INT(acme_renewal_due(later, ACME_RENEW_DAYS, now + 31 * 86400, NULL), 1);
	CHECK_INT(acme_renewal_due("/nonexistent/x.crt", 30, now, NULL), -1);
	unlink(soon);
	unlink(later);
	rmdir(dir);
	free(soon);
	free(later);
}

static void test_write_atomic_replaces_with_mode(void)
{
	char dir[] = "/tmp/test-acme.XXXXXX";
	struct strbuf path = STRBUF_INIT, got = STRBUF_INIT;
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	strbuf_addf(&path, "%s/x.key", dir);
	CHECK_INT(acme_write_atomic(path.buf, "old", 3, 0600), 0);
	CHECK_INT(acme_write_atomic(path.buf, "new!", 4, 0600), 0);
	CHECK_INT(strbuf_read_file(&got, path.buf), 0);
	CHECK_STR(got.buf, "new!");
	CHECK_INT(stat(path.buf, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	CHECK_INT(rmdir(dir), -1); /* only x.key: no temporary left behind */
	unlink(path.buf);
	CHECK_INT(rmdir(dir), 0);
	strbuf_release(&path);
	strbuf_release(&got);
}

static void test_tlsalpn01_answer_shared_through_cache(void)
{
	char dir[] = "/tmp/test-acme.XXXXXX";
	struct strbuf path = STRBUF_INIT;
	EVP_PKEY *k = NULL, *k2 = NULL;
	X509 *x = acme_tlsalpn01_cert("app.example.test", "t.k", &k), *x2 = NULL;
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(acme_tlsalpn01_load(dir, "app.example.test", &x2, &k2), -1);
	CHECK_INT(acme_tlsalpn01_save(dir, "App.Example.Test", x, k), 0);
	strbuf_addf(&path, "%s/acme-tls-alpn/app.example.test.pem", dir);
	CHECK_INT(stat(path.buf, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	CHECK_INT(acme_tlsalpn01_load(dir, "APP.example.test", &x2, &k2), 0);
	CHECK_INT(X509_cmp(x, x2), 0);
	CHECK_INT(X509_check_private_key(x2, k2), 1);
	/* A name that is not a domain never becomes a path. */
	CHECK_INT(acme_tlsalpn01_load(dir, "../acme-tls-alpn/app.example.test", &x2, &k2), -1);
	acme_tlsalpn01_remove(dir, "app.example.test");
	CHECK_INT(stat(path.buf, &st), -1);
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/acme-tls-alpn", dir);
	CHECK_INT(rmdir(path.buf), 0); /* no temporary left behind */
	CHECK_INT(rmdir(dir), 0);
	strbuf_release(&path);
	X509_free(x);
	X509_free(x2);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}

static void test_client_persists_account_key(void)
{
	char dir[] = "/tmp/test-acme.XXXXXX";
	struct acme_config cfg = { 0 };
	struct acme_client *c;
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, err = STRBUF_INIT;
	char *path;
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	cfg.cache_dir = dir;
	cfg.directory_url = "https://127.0.0.1:1/dir";
	c = acme_client_new(&cfg, &err);
	CHECK(c != NULL);
	path = acme_cache_path(dir, "acme-account", ".key");
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	strbuf_read_file(&a, path);
	CHECK(acme_http01_lookup(c, "nothing-pending", &err) == -1);
	acme_client_free(c);
	c = acme_client_new(&cfg, &err);
	strbuf_read_file(&b, path);
	CHECK(a.len > 0);
	CHECK_STR(a.buf, b.buf);
	acme_client_free(c);
	unlink(path);
	rmdir(dir);
	free(path);
	strbuf_release(&a);
	strbuf_release(&b);
	strbuf_release(&err);
}

int main(void)
{
	acme_global_init();
	RUN(test_b64url_rfc4648_vectors);
	RUN(test_jwk_and_thumbprint);
	RUN(test_jws_verifies_and_carries_header);
	RUN(test_jws_post_as_get_uses_kid_and_empty_payload);
	RUN(test_csr_names_every_domain);
	RUN(test_tlsalpn01_cert_has_critical_acme_identifier);
	RUN(test_domain_check);
	RUN(test_renewal_due_30_days_before_expiry);
	RUN(test_write_atomic_replaces_with_mode);
	RUN(test_tlsalpn01_answer_shared_through_cache);
	RUN(test_client_persists_account_key);
	return unit_done();
}
