/*
 * test-secrets-env.c - config_env_resolve() with the real secrets module:
 * env.clear and env.secret as Kamal's Configuration::Env resolves them,
 * "NAME:SOURCE" aliases, .kamal/secrets* per destination, and a missing
 * secret reported by name.
 */
#include "unit.h"
#include "config/model.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/berth-test-secrets-env.XXXXXX";

#define BASE                                                                   \
	"service: app\nimage: me/app\nservers: [a]\nregistry:\n"               \
	"  username: me\n  password: [KAMAL_REGISTRY_PASSWORD]\n"              \
	"builder:\n  arch: amd64\n"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/*
 * Loads BASE + env_yaml as config/deploy.yml (with dest, if set) and
 * resolves its env section: "clear: A=1 B=2 | secret: C=3 | error: ..."
 */
static const char *resolve(const char *env_yaml, const char *dest)
{
	static struct strbuf res = STRBUF_INIT;
	struct config_options opts = { "config/deploy.yml", dest, "v1" };
	struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
	struct strvec clear = STRVEC_INIT, secret = STRVEC_INIT;
	struct config *cfg = NULL;
	size_t i;
	int ret;

	strbuf_reset(&res);
	strbuf_addf(&text, "%s%s", BASE, env_yaml);
	write_file("config/deploy.yml", text.buf);
	if (config_load(&cfg, &opts, &err) < 0) {
		strbuf_addf(&res, "load error: %s", err.buf);
		goto done;
	}
	ret = config_env_resolve(cfg, config_get(cfg, "env"), &clear, &secret, &err);
	strbuf_addstr(&res, "clear:");
	for (i = 0; i < clear.nr; i++)
		strbuf_addf(&res, " %s", clear.v[i]);
	strbuf_addstr(&res, " | secret:");
	for (i = 0; i < secret.nr; i++)
		strbuf_addf(&res, " %s", secret.v[i]);
	if (ret < 0) {
		strbuf_rtrim(&err);
		strbuf_addf(&res, " | error: %s", err.buf);
	}
done:
	config_free(cfg);
	strvec_clear(&clear);
	strvec_clear(&secret);
	strbuf_release(&text);
	strbuf_release(&err);
	return res.buf;
}

static void plain_map_is_all_clear(void)
{
	CHECK_STR(resolve("env:\n  PORT: 3000\n  DEBUG: true\n  NAME: x y\n", NULL),
		  "clear: PORT=3000 DEBUG=true NAME=x y | secret:");
}

static void secrets_come_from_the_secrets_files(void)
{
	write_file(".kamal/secrets-common", "SHARED=from-common\n");
	write_file(".kamal/secrets",
		   "KAMAL_REGISTRY_PASSWORD=pw\nDB_PASSWORD=s3cr=t\n"
		   "PROD_DB_PASSWORD=prod\nA=$(echo run)\n");
	CHECK_STR(resolve("env:\n  clear:\n    PORT: 3000\n"
			  "  secret:\n    - DB_PASSWORD\n    - SHARED\n    - A\n", NULL),
		  "clear: PORT=3000 | secret: DB_PASSWORD=s3cr=t SHARED=from-common A=run");
}

static void aliases_name_a_different_source(void)
{
	/* NAME:SOURCE; one source may feed several names */
	write_file(".kamal/secrets", "PROD_DB_PASSWORD=prod\nDB_PASSWORD=plain\n");
	CHECK_STR(resolve("env:\n  secret:\n    - DB_PASSWORD:PROD_DB_PASSWORD\n"
			  "    - OTHER:PROD_DB_PASSWORD\n    - PROD_DB_PASSWORD\n", NULL),
		  "clear: | secret: DB_PASSWORD=prod OTHER=prod PROD_DB_PASSWORD=prod");
}

static void destination_files_replace_the_default(void)
{
	write_file(".kamal/secrets", "DB_PASSWORD=default\n");
	write_file(".kamal/secrets.staging", "DB_PASSWORD=staging\n");
	write_file("config/deploy.staging.yml", "env:\n  clear:\n    STAGE: 1\n");
	CHECK_STR(resolve("env:\n  secret: [DB_PASSWORD]\n", "staging"),
		  "clear: STAGE=1 | secret: DB_PASSWORD=staging");
	CHECK_STR(resolve("env:\n  secret: [DB_PASSWORD]\n", NULL),
		  "clear: | secret: DB_PASSWORD=default");
	unlink(".kamal/secrets.staging");
	unlink("config/deploy.staging.yml");
}

static void a_missing_secret_is_named(void)
{
	const char *r;
	write_file(".kamal/secrets", "DB_PASSWORD=x\n");
	r = resolve("env:\n  secret:\n    - DB_PASSWORD\n    - NOPE\n", NULL);
	CHECK(starts_with(r, "clear: | secret: DB_PASSWORD=x | error: "));
	CHECK(strstr(r, "'NOPE'") != NULL);
	CHECK(strstr(r, "not found") != NULL);
	/* an alias names its source, the key looked up */
	r = resolve("env:\n  secret:\n    - DB_PASSWORD:MISSING_SOURCE\n", NULL);
	CHECK(strstr(r, "'MISSING_SOURCE'") != NULL);
	CHECK(!strstr(r, "DB_PASSWORD="));
}

int main(void)
{
	char cwd[4096];

	if (!getcwd(cwd, sizeof(cwd)) || !mkdtemp(dir) || chdir(dir) < 0 ||
	    mkdir("config", 0755) < 0 || mkdir(".kamal", 0755) < 0)
		return 1;
	RUN(plain_map_is_all_clear);
	RUN(secrets_come_from_the_secrets_files);
	RUN(aliases_name_a_different_source);
	RUN(destination_files_replace_the_default);
	RUN(a_missing_secret_is_named);
	unlink("config/deploy.yml");
	unlink(".kamal/secrets");
	unlink(".kamal/secrets-common");
	rmdir("config");
	rmdir(".kamal");
	if (chdir(cwd) == 0)
		rmdir(dir);
	return unit_done();
}
