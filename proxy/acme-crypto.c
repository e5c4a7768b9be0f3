/*
 * acme-crypto.c - the offline half of the ACME client: keys, JWK, JWS,
 * CSR, the TLS-ALPN-01 certificate, and the certificate cache files.
 * Nothing here touches the network, so all of it is unit-tested.
 */
#include "acme.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

void acme_b64url(struct strbuf *out, const unsigned char *p, size_t n)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
		strbuf_addch(out, tbl[(v >> 18) & 63]);
		strbuf_addch(out, tbl[(v >> 12) & 63]);
		strbuf_addch(out, tbl[(v >> 6) & 63]);
		strbuf_addch(out, tbl[v & 63]);
	}
	if (n - i == 1) {
		unsigned v = p[i] << 16;
		strbuf_addch(out, tbl[(v >> 18) & 63]);
		strbuf_addch(out, tbl[(v >> 12) & 63]);
	} else if (n - i == 2) {
		unsigned v = (p[i] << 16) | (p[i + 1] << 8);
		strbuf_addch(out, tbl[(v >> 18) & 63]);
		strbuf_addch(out, tbl[(v >> 12) & 63]);
		strbuf_addch(out, tbl[(v >> 6) & 63]);
	}
}

EVP_PKEY *acme_ec_key_new(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static int ec_coord(EVP_PKEY *key, const char *param, unsigned char out[32])
{
	BIGNUM *bn = NULL;
	int ret = -1;

	if (EVP_PKEY_get_bn_param(key, param, &bn) == 1 &&
	    BN_bn2binpad(bn, out, 32) == 32)
		ret = 0;
	BN_free(bn);
	return ret;
}

int acme_jwk(EVP_PKEY *key, struct strbuf *out)
{
	unsigned char x[32], y[32];

	if (!EVP_PKEY_is_a(key, "EC") ||
	    ec_coord(key, OSSL_PKEY_PARAM_EC_PUB_X, x) ||
	    ec_coord(key, OSSL_PKEY_PARAM_EC_PUB_Y, y))
		return -1;
	/* RFC 7638: members in lexicographic order, no whitespace. */
	strbuf_addstr(out, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"");
	acme_b64url(out, x, 32);
	strbuf_addstr(out, "\",\"y\":\"");
	acme_b64url(out, y, 32);
	strbuf_addstr(out, "\"}");
	return 0;
}

int acme_jwk_thumbprint(EVP_PKEY *key, struct strbuf *out)
{
	struct strbuf jwk = STRBUF_INIT;
	unsigned char md[SHA256_DIGEST_LENGTH];

	if (acme_jwk(key, &jwk)) {
		strbuf_release(&jwk);
		return -1;
	}
	SHA256((unsigned char *)jwk.buf, jwk.len, md);
	acme_b64url(out, md, sizeof(md));
	strbuf_release(&jwk);
	return 0;
}

int acme_key_authorization(EVP_PKEY *key, const char *token,
			   struct strbuf *out)
{
	strbuf_addstr(out, token);
	strbuf_addch(out, '.');
	return acme_jwk_thumbprint(key, out);
}

int acme_es256_sign(EVP_PKEY *key, const void *data, size_t n,
		    unsigned char sig[64])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[80];
	size_t der_len = sizeof(der);
	const unsigned char *p = der;
	ECDSA_SIG *es = NULL;
	const BIGNUM *r, *s;
	int ret = -1;

	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, der, &der_len, data, n) != 1)
		goto out;
	es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (!es)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, sig, 32) == 32 && BN_bn2binpad(s, sig + 32, 32) == 32)
		ret = 0;
out:
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	return ret;
}

/* Appends s as a JSON string; ACME values are ASCII, but escape anyway. */
static void json_str(struct strbuf *out, const char *s)
{
	strbuf_addch(out, '"');
	for (; *s; s++) {
		unsigned char c = *s;
		if (c == '"' || c == '\\')
			strbuf_addf(out, "\\%c", c);
		else if (c < 0x20)
			strbuf_addf(out, "\\u%04x", c);
		else
			strbuf_addch(out, c);
	}
	strbuf_addch(out, '"');
}

int acme_jws(EVP_PKEY *key, const char *kid, const char *nonce,
	     const char *url, const char *payload, struct strbuf *out)
{
	struct strbuf prot = STRBUF_INIT, input = STRBUF_INIT;
	unsigned char sig[64];
	int ret = -1;

	strbuf_addstr(&prot, "{\"alg\":\"ES256\",");
	if (kid) {
		strbuf_addstr(&prot, "\"kid\":");
		json_str(&prot, kid);
	} else {
		strbuf_addstr(&prot, "\"jwk\":");
		if (acme_jwk(key, &prot))
			goto out;
	}
	strbuf_addstr(&prot, ",\"nonce\":");
	json_str(&prot, nonce);
	strbuf_addstr(&prot, ",\"url\":");
	json_str(&prot, url);
	strbuf_addch(&prot, '}');

	acme_b64url(&input, (unsigned char *)prot.buf, prot.len);
	strbuf_addch(&input, '.');
	if (payload)
		acme_b64url(&input, (const unsigned char *)payload,
			    strlen(payload));
	if (acme_es256_sign(key, input.buf, input.len, sig))
		goto out;

	/* input is "protected.payload"; split it back for the flat form. */
	{
		const char *dot = strchr(input.buf, '.');
		strbuf_addstr(out, "{\"protected\":\"");
		strbuf_add(out, input.buf, dot - input.buf);
		strbuf_addstr(out, "\",\"payload\":\"");
		strbuf_addstr(out, dot + 1);
		strbuf_addstr(out, "\",\"signature\":\"");
		acme_b64url(out, sig, sizeof(sig));
		strbuf_addstr(out, "\"}");
	}
	ret = 0;
out:
	strbuf_release(&prot);
	strbuf_release(&input);
	return ret;
}

int acme_check_domain(const char *name)
{
	size_t n = strlen(name), label = 0;
	const char *p;

	if (!n || n > 253 || name[0] == '.' || name[n - 1] == '.')
		return -1;
	for (p = name; *p; p++) {
		if (*p == '.') {
			if (!label)
				return -1; /* empty label */
			label = 0;
		} else if (isalnum((unsigned char)*p) || *p == '-') {
			if (++label > 63)
				return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

static GENERAL_NAMES *dns_names(const char *const *domains, size_t n)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	size_t i;

	for (i = 0; gens && i < n; i++) {
		GENERAL_NAME *g = GENERAL_NAME_new();
		ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
		if (!g || !ia5 || !ASN1_STRING_set(ia5, domains[i], -1)) {
			GENERAL_NAME_free(g);
			ASN1_IA5STRING_free(ia5);
			GENERAL_NAMES_free(gens);
			return NULL;
		}
		GENERAL_NAME_set0_value(g, GEN_DNS, ia5);
		sk_GENERAL_NAME_push(gens, g);
	}
	return gens;
}

static X509_NAME *cn_name(const char *cn)
{
	X509_NAME *name = X509_NAME_new();

	if (name && !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
						(const unsigned char *)cn, -1, -1, 0)) {
		X509_NAME_free(name);
		return NULL;
	}
	return name;
}

int acme_csr_der(EVP_PKEY *key, const char *const *domains, size_t n,
		 unsigned char **der, size_t *der_len)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = NULL;
	GENERAL_NAMES *gens = NULL;
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509_EXTENSION *san = NULL;
	unsigned char *buf = NULL;
	int len, ret = -1;

	if (!req || !exts || !n)
		goto out;
	name = cn_name(domains[0]);
	gens = dns_names(domains, n);
	if (!name || !gens || !X509_REQ_set_version(req, 0) ||
	    !X509_REQ_set_subject_name(req, name) ||
	    !X509_REQ_set_pubkey(req, key))
		goto out;
	san = X509V3_EXT_i2d(NID_subject_alt_name, 0, gens);
	if (!san || !sk_X509_EXTENSION_push(exts, san))
		goto out;
	san = NULL; /* owned by exts now */
	if (!X509_REQ_add_extensions(req, exts) ||
	    !X509_REQ_sign(req, key, EVP_sha256()))
		goto out;
	len = i2d_X509_REQ(req, &buf);
	if (len <= 0)
		goto out;
	*der = xmalloc(len);
	memcpy(*der, buf, len);
	*der_len = len;
	ret = 0;
out:
	OPENSSL_free(buf);
	X509_EXTENSION_free(san);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	GENERAL_NAMES_free(gens);
	X509_NAME_free(name);
	X509_REQ_free(req);
	return ret;
}

/* RFC 8737 section 3: extnValue = DER(OCTET STRING(SHA-256(key authz))). */
static X509_EXTENSION *acme_identifier_ext(const char *key_authz)
{
	unsigned char inner[2 + SHA256_DIGEST_LENGTH];
	ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
	ASN1_OCTET_STRING *val = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext = NULL;

	inner[0] = 0x04; /* OCTET STRING */
	inner[1] = SHA256_DIGEST_LENGTH;
	SHA256((const unsigned char *)key_authz, strlen(key_authz), inner + 2);
	if (oid && val && ASN1_OCTET_STRING_set(val, inner, sizeof(inner)))
		ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 1, val);
	ASN1_OBJECT_free(oid);
	ASN1_OCTET_STRING_free(val);
	return ext;
}

X509 *acme_tlsalpn01_cert(const char *domain, const char *key_authz,
			  EVP_PKEY **keyp)
{
	EVP_PKEY *key = acme_ec_key_new();
	X509 *x = X509_new();
	X509_NAME *name = cn_name(domain);
	GENERAL_NAMES *gens = dns_names(&domain, 1);
	X509_EXTENSION *ext = acme_identifier_ext(key_authz);
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	int ok = 0;

	if (!key || !x || !name || !gens || !ext ||
	    RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] &= 0x7f; /* positive */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) &&
	     X509_set_version(x, 2) &&
	     X509_gmtime_adj(X509_getm_notBefore(x), -86400) &&
	     X509_gmtime_adj(X509_getm_notAfter(x), 7 * 86400) &&
	     X509_set_subject_name(x, name) && X509_set_issuer_name(x, name) &&
	     X509_set_pubkey(x, key) &&
	     X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0,
			       X509V3_ADD_DEFAULT) == 1 &&
	     X509_add_ext(x, ext, -1) && X509_sign(x, key, EVP_sha256());
out:
	BN_free(bn);
	X509_EXTENSION_free(ext);
	GENERAL_NAMES_free(gens);
	X509_NAME_free(name);
	if (!ok) {
		X509_free(x);
		EVP_PKEY_free(key);
		return NULL;
	}
	*keyp = key;
	return x;
}

int acme_write_atomic(const char *path, const void *data, size_t n, int mode)
{
	struct strbuf tmp = STRBUF_INIT;
	const char *p = data;
	int fd, ret = -1;

	strbuf_addf(&tmp, "%s.tmpXXXXXX", path);
	fd = mkstemp(tmp.buf);
	if (fd < 0) {
		strbuf_release(&tmp);
		return -1;
	}
	if (fchmod(fd, mode))
		goto out;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto out;
		p += w;
		n -= w;
	}
	if (fsync(fd))
		goto out;
	if (close(fd)) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp.buf, path))
		goto out;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret)
		unlink(tmp.buf);
	strbuf_release(&tmp);
	return ret;
}

char *acme_cache_path(const char *cache_dir, const char *domain,
		      const char *ext)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, start;

	strbuf_addf(&sb, "%s/", cache_dir);
	start = sb.len;
	strbuf_addf(&sb, "%s%s", domain, ext);
	for (i = start; i < sb.len; i++)
		sb.buf[i] = tolower((unsigned char)sb.buf[i]);
	return strbuf_detach(&sb, NULL);
}

int acme_renewal_due(const char *crt_path, int days, time_t now,
		     time_t *not_after)
{
	FILE *f = fopen(crt_path, "r");
	X509 *x;
	struct tm tm;
	int ret = -1;

	if (!f)
		return -1;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!x)
		return -1;
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1) {
		time_t end = timegm(&tm);
		if (not_after)
			*not_after = end;
		ret = end - (time_t)days * 86400 <= now;
	}
	X509_free(x);
	return ret;
}

#define TLSALPN01_DIR "acme-tls-alpn"

static char *tlsalpn01_path(const char *cache_dir, const char *domain)
{
	struct strbuf sb = STRBUF_INIT;
	char *name = acme_cache_path(TLSALPN01_DIR, domain, ".pem");

	strbuf_addf(&sb, "%s/%s", cache_dir, name);
	free(name);
	return strbuf_detach(&sb, NULL);
}

int acme_tlsalpn01_save(const char *cache_dir, const char *domain, X509 *cert,
			EVP_PKEY *key)
{
	struct strbuf dir = STRBUF_INIT;
	BIO *b = BIO_new(BIO_s_mem());
	char *path = tlsalpn01_path(cache_dir, domain), *pem;
	long n;
	int ret = -1;

	strbuf_addf(&dir, "%s/" TLSALPN01_DIR, cache_dir);
	if (mkdir(dir.buf, 0700) && errno != EEXIST)
		goto out;
	/* The key is only good for this one challenge, but it is still a key. */
	if (!b || !PEM_write_bio_X509(b, cert) ||
	    !PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL))
		goto out;
	n = BIO_get_mem_data(b, &pem);
	ret = acme_write_atomic(path, pem, n, 0600);
out:
	BIO_free(b);
	free(path);
	strbuf_release(&dir);
	return ret;
}

int acme_tlsalpn01_load(const char *cache_dir, const char *domain, X509 **cert,
			EVP_PKEY **key)
{
	char *path;
	FILE *fp;

	if (acme_check_domain(domain))
		return -1; /* it becomes a file name */
	path = tlsalpn01_path(cache_dir, domain);
	fp = fopen(path, "r");
	free(path);
	if (!fp)
		return -1;
	*cert = PEM_read_X509(fp, NULL, NULL, NULL);
	*key = *cert ? PEM_read_PrivateKey(fp, NULL, NULL, NULL) : NULL;
	fclose(fp);
	if (*key)
		return 0;
	X509_free(*cert);
	*cert = NULL;
	return -1;
}

void acme_tlsalpn01_remove(const char *cache_dir, const char *domain)
{
	char *path = tlsalpn01_path(cache_dir, domain);

	unlink(path);
	free(path);
}
