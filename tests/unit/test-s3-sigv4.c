/* test-s3-sigv4.c - Signature Version 4 against AWS's published examples. */
#include "unit.h"
#include "db/s3.h"

/* aws-sig-v4-test-suite: get-vanilla. */
static void test_get_vanilla(void)
{
	const struct s3_kv h[] = { { "host", "example.amazonaws.com" },
				   { "x-amz-date", "20150830T123600Z" } };
	const struct s3_sign_request r = {
		"GET", "/", NULL, 0, h, 2,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"20150830T123600Z", "us-east-1", "service", "AKIDEXAMPLE",
		"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	};
	struct strbuf auth = STRBUF_INIT;

	s3_sigv4(&r, &auth);
	CHECK_STR(auth.buf, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
			    "SignedHeaders=host;x-amz-date, "
			    "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
	strbuf_release(&auth);
}

/* aws-sig-v4-test-suite: get-vanilla-query-order-key-case (sorted by key). */
static void test_query_order(void)
{
	const struct s3_kv q[] = { { "Param2", "value2" }, { "Param1", "value1" } };
	const struct s3_kv h[] = { { "host", "example.amazonaws.com" },
				   { "x-amz-date", "20150830T123600Z" } };
	const struct s3_sign_request r = {
		"GET", "/", q, 2, h, 2,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"20150830T123600Z", "us-east-1", "service", "AKIDEXAMPLE",
		"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	};
	struct strbuf auth = STRBUF_INIT;

	s3_sigv4(&r, &auth);
	CHECK(strstr(auth.buf, "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500") != NULL);
	strbuf_release(&auth);
}

/* S3 documentation: "GET Object" with a Range header. */
static void test_s3_get_object(void)
{
	const struct s3_kv h[] = {
		{ "host", "examplebucket.s3.amazonaws.com" },
		{ "range", "bytes=0-9" },
		{ "x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "x-amz-date", "20130524T000000Z" },
	};
	const struct s3_sign_request r = {
		"GET", "/test.txt", NULL, 0, h, 4,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"20130524T000000Z", "us-east-1", "s3", "AKIAIOSFODNN7EXAMPLE",
		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	};
	struct strbuf auth = STRBUF_INIT;

	s3_sigv4(&r, &auth);
	CHECK_STR(auth.buf, "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
			    "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
			    "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
	strbuf_release(&auth);
}

/* S3 documentation: "GET Bucket (List Objects)" with a query string. */
static void test_s3_list(void)
{
	const struct s3_kv q[] = { { "max-keys", "2" }, { "prefix", "J" } };
	const struct s3_kv h[] = {
		{ "host", "examplebucket.s3.amazonaws.com" },
		{ "x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "x-amz-date", "20130524T000000Z" },
	};
	const struct s3_sign_request r = {
		"GET", "/", q, 2, h, 3,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"20130524T000000Z", "us-east-1", "s3", "AKIAIOSFODNN7EXAMPLE",
		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	};
	struct strbuf auth = STRBUF_INIT;

	s3_sigv4(&r, &auth);
	CHECK(strstr(auth.buf, "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7") != NULL);
	strbuf_release(&auth);
}

static void test_encoding(void)
{
	const struct s3_kv q[] = { { "prefix", "dumps/2024 a+b" }, { "list-type", "2" },
				   { "continuation-token", "a=b/c~" } };
	struct strbuf sb = STRBUF_INIT;

	s3_canonical_query(&sb, q, 3);
	CHECK_STR(sb.buf, "continuation-token=a%3Db%2Fc~&list-type=2&prefix=dumps%2F2024%20a%2Bb");
	strbuf_reset(&sb);
	s3_encode_path(&sb, "/bucket/dumps/a b+c.dump");
	CHECK_STR(sb.buf, "/bucket/dumps/a%20b%2Bc.dump");
	strbuf_reset(&sb);
	s3_sha256_hex(&sb, "", 0);
	CHECK_STR(sb.buf, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	strbuf_release(&sb);
}

int main(void)
{
	RUN(test_get_vanilla);
	RUN(test_query_order);
	RUN(test_s3_get_object);
	RUN(test_s3_list);
	RUN(test_encoding);
	return unit_done();
}
