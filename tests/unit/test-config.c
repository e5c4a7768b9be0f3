/* test-config.c - Kamal's validation messages, located, and derived values. */
#include "quote.h"
#include "unit.h"
#include "config/model.h"

#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/berth-test-config.XXXXXX";

#define GOOD_BASE                                                              \
	"service: app\nimage: me/app\nregistry:\n  username: me\n"             \
	"  password: [KAMAL_REGISTRY_PASSWORD]\nbuilder:\n  arch: amd64\n"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/* Loads text as config/deploy.yml; returns the errors ("" when valid). */
static struct config *load(const char *text, const char *dest_text,
			   const char *dest, struct strbuf *err)
{
	struct config_options opts = { "config/deploy.yml", dest, "v1" };
	struct config *cfg = NULL;

	write_file("config/deploy.yml", text);
	if (dest_text)
		write_file("config/deploy.staging.yml", dest_text);
	strbuf_reset(err);
	config_load(&cfg, &opts, err);
	return cfg;
}

static void test_valid_config_derives_kamal_values(void)
{
	struct strbuf err = STRBUF_INIT;
	struct config *cfg = load(GOOD_BASE "servers:\n  web: [a, b]\n  job:\n"
				  "    hosts: [b, c]\n    cmd: bin/jobs\n"
				  "volumes: [\"data:/data\"]\n", NULL, NULL, &err);
	struct strvec args = STRVEC_INIT;

	CHECK_STR(err.buf, "");
	if (!cfg)
		return;
	CHECK_INT(cfg->roles_nr, 2);
	CHECK_STR(cfg->roles[0].name, "job"); /* sorted, as Kamal does */
	CHECK_STR(cfg->primary_host, "a");
	CHECK_INT(cfg->all_hosts.nr, 3);
	CHECK_STR(cfg->all_hosts.v[2], "a");
	CHECK_STR(cfg->repository, "me/app");
	CHECK_STR(config_version(cfg, &err), "v1");
	config_volume_args(cfg, &args);
	CHECK_STR(args.v[1], "data:/data");
	strvec_clear(&args);
	config_logging_args(NULL, &args);
	CHECK_STR(args.v[1], "max-size=\"10m\"");
	strvec_clear(&args);
	config_free(cfg);
	strbuf_release(&err);
}

static void test_unknown_keys_are_located_with_kamal1_hints(void)
{
	struct strbuf err = STRBUF_INIT;
	struct config *cfg = load(GOOD_BASE "servers:\n  web:\n    hostz: [a]\n"
				  "traefik:\n  args: {}\nx-anything: 1\n", NULL, NULL, &err);

	CHECK(!cfg);
	CHECK(strstr(err.buf, "config/deploy.yml:10: servers/web/hostz: unknown key\n") != NULL);
	CHECK(strstr(err.buf, "config/deploy.yml:11: traefik: unknown key (Kamal 2 replaced") != NULL);
	CHECK(!strstr(err.buf, "x-anything"));
	strbuf_release(&err);
}

static void test_type_and_rule_errors(void)
{
	struct strbuf err = STRBUF_INIT;
	struct config *cfg = load("service: app\nimage: x\nregistry:\n  server: ghcr.io\n"
				  "builder:\n  multiarch: false\nservers: [a]\n"
				  "proxy:\n  ssl: true\nretain_containers: many\n"
				  "accessories:\n  db:\n    image: pg\n", NULL, NULL, &err);

	CHECK(!cfg);
	CHECK(strstr(err.buf, "registry/username: is required") != NULL);
	CHECK(strstr(err.buf, "builder: Builder arch not set") != NULL);
	CHECK(strstr(err.buf, "builder/multiarch: unknown key (in Kamal 2 set") != NULL);
	CHECK(strstr(err.buf, "proxy: Must set a host to enable automatic SSL") != NULL);
	CHECK(strstr(err.buf, ":10: retain_containers: should be an integer") != NULL);
	CHECK(strstr(err.buf, "accessories/db: specify one of `host`, `hosts`, `role`, `roles`, `tag` or `tags`") != NULL);
	strbuf_release(&err);
}

static void test_local_registry_needs_no_login(void)
{
	struct strbuf err = STRBUF_INIT;
	struct config *cfg = load("service: app\nregistry:\n  server: localhost:5555\n"
				  "builder:\n  arch: arm64\nservers: [a]\n", NULL, NULL, &err);

	CHECK_STR(err.buf, "");
	if (cfg)
		CHECK_STR(cfg->repository, "localhost:5555/app");
	config_free(cfg);
	strbuf_release(&err);
}

static void test_destination_merge_and_requirement(void)
{
	struct strbuf err = STRBUF_INIT;
	struct config *cfg;

	cfg = load(GOOD_BASE "require_destination: true\nservers: [a]\n", NULL, NULL, &err);
	CHECK(!cfg);
	CHECK(strstr(err.buf, "You must specify a destination") != NULL);

	cfg = load(GOOD_BASE "require_destination: true\nservers: [a]\n",
		   "servers: [z]\nbuilder:\n  remote: ssh://b\n", "staging", &err);
	CHECK_STR(err.buf, "");
	if (cfg) {
		CHECK_STR(cfg->primary_host, "z");
		CHECK_STR(config_get_str(cfg, "builder/arch"), "amd64");
		CHECK_INT(config_get(cfg, "builder/remote")->line, 3);
		CHECK_STR(config_get(cfg, "builder/remote")->file, "config/deploy.staging.yml");
	}
	config_free(cfg);
	strbuf_release(&err);
}

static void test_empty_roles_and_aliases(void)
{
	struct strbuf err = STRBUF_INIT;
	struct config *cfg = load(GOOD_BASE "servers:\n  web: [a]\n  job: []\n"
				  "aliases:\n  deploy: app boot\n  Bad: x\n", NULL, NULL, &err);

	CHECK(!cfg);
	CHECK(strstr(err.buf, "aliases/deploy: Alias 'deploy' conflicts with a built-in command.") != NULL);
	CHECK(strstr(err.buf, "aliases/Bad: Invalid alias name") != NULL);
	cfg = load(GOOD_BASE "servers:\n  web: [a]\n  job: []\n", NULL, NULL, &err);
	CHECK(!cfg);
	CHECK(strstr(err.buf, "No servers specified for the job role. You can ignore this with allow_empty_roles: true") != NULL);
	cfg = load(GOOD_BASE "allow_empty_roles: true\nservers:\n  web: [a]\n  job: []\n"
		   "aliases:\n  shell: app exec bash\n", NULL, NULL, &err);
	CHECK_STR(err.buf, "");
	CHECK_STR(config_alias(cfg, "shell"), "app exec bash");
	config_free(cfg);
	strbuf_release(&err);
}

static void test_shell_escaping_as_ruby_dump(void)
{
	struct strbuf sb = STRBUF_INIT;

	quote_kamal_value(&sb, "a\"b $HOME ${X} `c` #{d}");
	CHECK_STR(sb.buf, "\"a\\\"b \\$HOME ${X} \\`c\\` \\#{d}\"");
	strbuf_release(&sb);
}

int main(void)
{
	char cwd[4096];

	if (!getcwd(cwd, sizeof(cwd)) || !mkdtemp(dir) || chdir(dir) < 0 ||
	    mkdir("config", 0755) < 0)
		return 1;
	RUN(test_valid_config_derives_kamal_values);
	RUN(test_unknown_keys_are_located_with_kamal1_hints);
	RUN(test_type_and_rule_errors);
	RUN(test_local_registry_needs_no_login);
	RUN(test_destination_merge_and_requirement);
	RUN(test_empty_roles_and_aliases);
	RUN(test_shell_escaping_as_ruby_dump);
	unlink("config/deploy.yml");
	unlink("config/deploy.staging.yml");
	rmdir("config");
	if (chdir(cwd) == 0)
		rmdir(dir);
	return unit_done();
}
