/*
 * test-kamal-app-branches.c - the app and accessory builders' arguments
 * that no golden case passes (app exec --env/--detach, logs --since,
 * --grep-options, --container-id, -T, maintenance --message, follow with
 * grep, accessory exec and logs), checked letter for letter against what
 * Kamal 2.12 sent for the same arguments on the branchy case
 * (tests/conformance/kamal-commands/branchy, recorded with
 * ../shared/kamal-oracle); plus the env file's escaping against
 * Kamal::EnvFile and Float#to_s against Ruby.
 */
#include "commands/accessory.h"
#include "commands/app.h"
#include "commands/args.h"
#include "commands/env-file.h"
#include "config/config.h"
#include "config/kamal-app.h"
#include "unit.h"

#include <unistd.h>

static struct config *cfg;
static struct kamal k;

/* The line SSHKit runs (remote) or the ssh command (local), then clears c. */
static char *render(struct shcmd *c, int local)
{
	struct strbuf sb = STRBUF_INIT;

	if (local)
		shcmd_to_shell(c, &sb, 1);
	else
		kc_sshkit_line(c, &sb, 1);
	shcmd_clear(c);
	return strbuf_detach(&sb, NULL);
}

#define CHECK_CMD(c, local, want)                                              \
	do {                                                                   \
		char *got_ = render((c), (local));                             \
		CHECK_STR(got_, want);                                         \
		free(got_);                                                    \
	} while (0)

static const struct config_role *role(const char *name)
{
	return config_role(cfg, name);
}

/* Every role's env in the branchy case starts so (config env, YAML 1.1 key OFF). */
#define BRANCHY_ENV                                                            \
	"--env QUOTED=\"say \\\"hi\\\" \\$HOME \\`x\\` \\#{y} ${Z}\" --env BLANK --env SPACES " \
	"--env false=false --env FLOAT=\"1.5\" --env BIG=\"1.0e20\""
#define SSH "ssh -F /dev/null -J root@bastion.example.com -i '~/.ssh/a' -i '~/.ssh/b' " \
	    "-o IdentitiesOnly=yes -t "

static void exec_with_env_in_a_new_container(void)
{
	struct shcmd c = SHCMD_INIT;
	struct strvec env = STRVEC_INIT;
	struct kc_exec e = { "echo hi", &env, 0, 0, "0a1b2c" };

	strvec_pushl(&env, "A=1", "B=two words", NULL);
	k.version = "latest";
	kc_app_execute_in_new_container(&c, &k, role("web"), "10.0.0.1", &e);
	CHECK_CMD(&c, 0, "docker run --rm --name branchy-web-exec-latest-0a1b2c --network kamal "
		  BRANCHY_ENV " --env EDGE=\"1\" --env COLOR=\"blue\" "
		  "--env-file .kamal/apps/branchy/env/roles/web.env --env A=\"1\" --env B=\"two words\" "
		  "--log-driver \"json-file\" --log-opt max-size=\"20m\" --log-opt max-file=\"3\" "
		  "--init --privileged \"false\" --cap-add \"NET_ADMIN\" --cap-add \"SYS_TIME\" "
		  "acme/branchy:latest echo hi");
	strvec_clear(&env);
}

static void exec_detached_and_reused(void)
{
	struct shcmd c = SHCMD_INIT;
	struct strvec env = STRVEC_INIT;
	struct kc_exec detached = { "sleep 1", NULL, 0, 1, "0a1b2c" };
	struct kc_exec reuse = { "env", &env, 0, 0, NULL };

	k.version = "latest";
	kc_app_execute_in_new_container(&c, &k, role("worker"), "10.0.0.2", &detached);
	CHECK_CMD(&c, 0, "docker run --detach --name branchy-worker-exec-latest-0a1b2c --network kamal "
		  BRANCHY_ENV " --env NICE=\"5\" --env-file .kamal/apps/branchy/env/roles/worker.env "
		  "--log-driver \"json-file\" --log-opt max-size=\"20m\" acme/branchy:latest sleep 1");
	strvec_push(&env, "X=y");
	k.version = "v41";
	kc_app_execute_in_existing_container(&c, &k, role("web"), &reuse);
	CHECK_CMD(&c, 0, "docker exec --env X=\"y\" branchy-web-v41 env");
	strvec_clear(&env);
}

static void interactive_exec_goes_through_ssh(void)
{
	struct shcmd c = SHCMD_INIT;
	struct kc_exec e = { "bash", NULL, 0, 0, "0a1b2c" };

	k.version = "v41";
	kc_app_execute_in_existing_container_over_ssh(&c, &k, role("web"), "10.0.0.1", &e);
	CHECK_CMD(&c, 1, SSH "deploy@10.0.0.1 -p 2222 'docker exec -i branchy-web-v41 bash'");
	/* stdin a terminal: -it (Kamal asks STDIN.isatty) */
	k.tty = 1;
	kc_app_execute_in_existing_container_over_ssh(&c, &k, role("web"), "10.0.0.1", &e);
	CHECK_CMD(&c, 1, SSH "deploy@10.0.0.1 -p 2222 'docker exec -it branchy-web-v41 bash'");
	k.tty = 0;
	k.version = "latest";
	kc_app_execute_in_new_container_over_ssh(&c, &k, role("worker"), "10.0.0.2", &e);
	CHECK_CMD(&c, 1, SSH "deploy@10.0.0.2 -p 2222 'docker run -i --rm --name "
		  "branchy-worker-exec-latest-0a1b2c --network kamal " BRANCHY_ENV " --env NICE=\"5\" "
		  "--env-file .kamal/apps/branchy/env/roles/worker.env --log-driver \"json-file\" "
		  "--log-opt max-size=\"20m\" acme/branchy:latest bash'");
}

#define RUNNING_ID                                                              \
	"/usr/bin/env sh -c 'docker ps --latest --quiet --filter label=service=branchy " \
	"--filter label=destination= --filter label=role=web --filter status=running " \
	"--filter status=restarting --filter ancestor=$(docker image ls --filter " \
	"reference=acme/branchy:latest --format '\\''{{.ID}}'\\'') ; docker ps --latest " \
	"--quiet --filter label=service=branchy --filter label=destination= --filter " \
	"label=role=web --filter status=running --filter status=restarting' | head -1"

static void logs_options(void)
{
	struct shcmd c = SHCMD_INIT;
	struct kc_logs grep = { .skip_timestamps = 1, .since = "1h", .grep = "ERR",
				.grep_options = "-i -C 2" };
	struct kc_logs id = { .container_id = "abc123", .lines = "3" };

	k.version = "v42";
	kc_app_logs(&c, &k, role("web"), &grep);
	CHECK_CMD(&c, 0, RUNNING_ID " | xargs docker logs --since 1h 2>&1 | grep 'ERR' -i -C 2");
	kc_app_logs(&c, &k, role("web"), &id);
	CHECK_CMD(&c, 0, "/usr/bin/env sh -c 'echo abc123' | xargs docker logs --timestamps --tail 3 2>&1");
}

static void follow_logs(void)
{
	struct shcmd c = SHCMD_INIT;
	struct kc_logs grep = { .lines = "7", .grep = "a b", .grep_options = "-i" };
	struct kc_logs id = { .container_id = "abc123", .skip_timestamps = 1, .lines = "10" };

	kc_app_follow_logs(&c, &k, role("web"), "10.0.0.1", &id);
	CHECK_CMD(&c, 1, SSH "deploy@10.0.0.1 -p 2222 'sh -c '\\''echo abc123'\\'' | xargs docker logs "
		  "--tail 10 --follow 2>&1'");
	kc_app_follow_logs(&c, &k, role("web"), "10.0.0.1", &grep);
	CHECK_CMD(&c, 1, SSH "deploy@10.0.0.1 -p 2222 'sh -c '\\''docker ps --latest --quiet "
		  "--filter label=service=branchy --filter label=destination= --filter label=role=web "
		  "--filter status=running --filter status=restarting --filter ancestor=$(docker image "
		  "ls --filter reference=acme/branchy:latest --format '\\''\\'\\'''\\''{{.ID}}'\\''\\'\\'''\\'') ; "
		  "docker ps --latest --quiet --filter label=service=branchy --filter label=destination= "
		  "--filter label=role=web --filter status=running --filter status=restarting'\\'' | "
		  "head -1 | xargs docker logs --timestamps --tail 7 --follow 2>&1 | grep \"a b\" -i'");
}

/* berth's follow of every host: the same pipe, run on the host, grep line-buffered. */
static void stream_logs(void)
{
	struct shcmd c = SHCMD_INIT;
	struct kc_logs grep = { .lines = "10", .since = "1h", .grep = "it's", .grep_options = "-i" };

	kc_app_stream_logs(&c, &k, role("web"), &grep);
	CHECK_CMD(&c, 0, RUNNING_ID " | xargs docker logs --timestamps --tail 10 --follow 2>&1 | "
		  "grep --line-buffered 'it'\\''s' -i");
}

static void proxy_maintenance_and_container_removal(void)
{
	struct shcmd c = SHCMD_INIT;

	kc_app_maintenance(&c, &k, role("web"), "5", "Back soon");
	CHECK_CMD(&c, 0, "docker exec kamal-proxy kamal-proxy stop branchy-web "
		  "--drain-timeout=\"5s\" --message=\"Back soon\"");
	kc_app_maintenance(&c, &k, role("api"), NULL, NULL);
	CHECK_CMD(&c, 0, "docker exec kamal-proxy kamal-proxy stop branchy-api");
	kc_app_remove_container(&c, &k, role("api"), "v40");
	CHECK_CMD(&c, 0, "docker container ls --all --filter 'name=^branchy-api-v40$' --quiet | "
		  "xargs docker container rm");
	/* From Kamal's source (only a failed boot logs it). */
	kc_app_container_health_log(&c, &k, role("api"), "v42");
	CHECK_CMD(&c, 0, "docker container ls --all --filter 'name=^branchy-api-v42$' --quiet | "
		  "xargs docker inspect --format '{{json .State.Health}}'");
}

static const struct config_accessory *search(void)
{
	return config_accessory(cfg, "search");
}

#define SEARCH_RUN_ARGS                                                         \
	"--network custom --env MODE=\"single\" " \
	"--env-file .kamal/apps/branchy/env/accessories/search.env --volume /var/log/search:/logs " \
	"--volume $PWD/branchy-search/etc/search.yml:/etc/search.yml:ro " \
	"--volume $PWD/branchy-search/etc/other.conf:/etc/other.conf:z " \
	"--volume $PWD/branchy-search/data:/data --volume /srv/shared:/shared:ro --memory \"1g\" " \
	"registry.example.com/search:1"

static void accessory_exec(void)
{
	struct shcmd c = SHCMD_INIT;
	struct kc_exec ls = { "ls /", NULL, 0, 0, NULL }, bash = { "bash", NULL, 0, 0, NULL };

	kc_accessory_execute_in_new_container(&c, &k, search(), &ls);
	CHECK_CMD(&c, 0, "docker run --rm " SEARCH_RUN_ARGS " ls /");
	kc_accessory_execute_in_existing_container(&c, &k, search(), &ls);
	CHECK_CMD(&c, 0, "docker exec branchy-search ls /");
	kc_accessory_execute_in_new_container_over_ssh(&c, &k, search(), &bash);
	CHECK_CMD(&c, 1, SSH "deploy@10.0.0.4 -p 2222 'docker run -i --rm " SEARCH_RUN_ARGS " bash'");
	kc_accessory_execute_in_existing_container_over_ssh(&c, &k, search(), &bash);
	CHECK_CMD(&c, 1, SSH "deploy@10.0.0.4 -p 2222 'docker exec -i branchy-search bash'");
}

static void accessory_logs(void)
{
	struct shcmd c = SHCMD_INIT;
	struct kc_logs since = { .skip_timestamps = 1, .since = "5m", .grep = "x",
				 .grep_options = "grep_options" };
	struct kc_logs lines = { .lines = "4", .grep = "x", .grep_options = "-v -w" };
	struct kc_logs follow = { .grep = "y" };

	/* Thor took "--grep-options -v" for a flag and passed its name */
	kc_accessory_logs(&c, &k, search(), &since);
	CHECK_CMD(&c, 0, "docker logs branchy-search  --since 5m 2>&1 | grep 'x' grep_options");
	kc_accessory_logs(&c, &k, search(), &lines);
	CHECK_CMD(&c, 0, "docker logs branchy-search  --tail 4 --timestamps 2>&1 | grep 'x' -v -w");
	kc_accessory_follow_logs(&c, &k, search(), &follow);
	CHECK_CMD(&c, 1, SSH "deploy@10.0.0.4 -p 2222 'docker logs branchy-search --timestamps "
		  "--tail 10 --follow 2>&1 | grep \"y\"'");
	/* berth's own follow: grep after the pipe, line-buffered, --follow on docker logs */
	follow.lines = "10";
	follow.grep_options = "-i";
	kc_accessory_stream_logs(&c, &k, search(), &follow);
	CHECK_CMD(&c, 0, "docker logs branchy-search --timestamps --tail 10 --follow 2>&1 | "
		  "grep --line-buffered y -i");
	follow.since = "5m";
	follow.grep = NULL;
	follow.skip_timestamps = 1;
	kc_accessory_stream_logs(&c, &k, search(), &follow);
	CHECK_CMD(&c, 0, "docker logs branchy-search --since 5m --tail 10 --follow 2>&1");
}

/* Kamal::EnvFile#to_s, run in Ruby on the same values. */
static void env_file_escapes_as_kamal(void)
{
	struct strvec entries = STRVEC_INIT;
	struct strbuf out = STRBUF_INIT;

	strvec_pushl(&entries, "A=a\"b", "B=x#{y}", "C=tab\there", "D=nl\nx", "E=é-ü",
		     "F=\\#q", "G=", "H=$HOME `x` \\\"", "I=\x01\x7f", NULL);
	kc_env_file(&out, &entries);
	CHECK_STR(out.buf, "A=a\"b\nB=x#{y}\nC=tab\\there\nD=nl\\nx\nE=é-ü\nF=\\#q\nG=\n"
			   "H=$HOME `x` \\\\\"\nI=\\x01\\x7F\n");
	strbuf_reset(&out);
	strvec_clear(&entries);
	kc_env_file(&out, &entries);
	CHECK_STR(out.buf, "\n");
	strbuf_release(&out);
}

/* Float#to_s, from Ruby 3.1. */
static void floats_as_ruby_writes_them(void)
{
	static const struct { double f; const char *ruby; } t[] = {
		{ 1e15, "1.0e+15" }, { 1e14, "100000000000000.0" }, { 0.0001, "0.0001" },
		{ 1e-5, "1.0e-05" }, { 123456789012345.6, "123456789012345.6" },
		{ 100.0, "100.0" }, { -0.0, "-0.0" }, { 2.5e-7, "2.5e-07" },
		{ 1.0e20, "1.0e+20" }, { 3.14159, "3.14159" }, { 1.5, "1.5" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct ynode n = { .kind = YNODE_FLOAT, .fval = t[i].f };
		struct strbuf sb = STRBUF_INIT;
		config_scalar_to_s(&sb, &n);
		CHECK_STR(sb.buf, t[i].ruby);
		strbuf_release(&sb);
	}
}

/* What callers upload and name, as app boot did in the branchy case. */
static void caller_paths(void)
{
	struct strbuf sb = STRBUF_INIT;
	char long_host[80];

	config_proxy_host_tls_file(cfg, "api", "cert.pem", &sb);
	CHECK_STR(sb.buf, ".kamal/proxy/apps-config/branchy/tls/api/cert.pem");
	strbuf_reset(&sb);
	config_role_secrets_path(cfg, role("web"), &sb);
	CHECK_STR(sb.buf, ".kamal/apps/branchy/env/roles/web.env");
	strbuf_reset(&sb);
	config_accessory_secrets_path(cfg, search(), &sb);
	CHECK_STR(sb.buf, ".kamal/apps/branchy/env/accessories/search.env");
	strbuf_reset(&sb);
	CHECK(config_proxy_custom_ssl(role("api")->proxy));
	CHECK(!config_proxy_custom_ssl(role("web")->proxy));
	/* host.to_s[0...51].chomp(".") */
	kc_app_boot_hostname(&sb, "10.0.0.1", "7eaca573a55a");
	CHECK_STR(sb.buf, "10.0.0.1-7eaca573a55a");
	strbuf_reset(&sb);
	memset(long_host, 'h', sizeof(long_host));
	long_host[50] = '.';
	long_host[79] = '\0';
	kc_app_boot_hostname(&sb, long_host, "0");
	CHECK_INT(sb.len, 50 + 2);
	CHECK(starts_with(sb.buf, "hhhh") && ends_with(sb.buf, "h-0"));
	strbuf_release(&sb);
}

/* The env file's entries for the web role on its host (tags edge, blue). */
static void env_file_entries(void)
{
	struct config_env env = CONFIG_ENV_INIT;
	struct strvec entries = STRVEC_INIT;
	struct strbuf err = STRBUF_INIT, file = STRBUF_INIT;

	config_role_env(cfg, role("web"), "10.0.0.1", &env);
	CHECK_INT(config_env_secret_values(cfg, &env, &entries, &err), 0);
	kc_env_file(&file, &entries);
	/* what Kamal uploaded (the branchy case's app_boot, before masking) */
	CHECK_STR(file.buf, "DB_PASSWORD=p@ss\"w#rd$x`y\\\\z #{q}\nALIASED=s2\n"
			    "BLUE_TOKEN=multi\\\\nline\n");
	config_env_clear(&env);
	strvec_clear(&entries);
	strbuf_release(&err);
	strbuf_release(&file);
}

static int load_branchy(void)
{
	struct strbuf dir = STRBUF_INIT, err = STRBUF_INIT;
	struct config_options opts = { NULL, NULL, NULL };
	const char *top = getenv("TOP");
	int ret;

	strbuf_addf(&dir, "%s/tests/conformance/kamal-commands/branchy", top ? top : ".");
	ret = chdir(dir.buf) ? -1 : config_load(&cfg, &opts, &err);
	if (ret < 0)
		printf("# %s: %s\n", dir.buf, err.buf);
	strbuf_release(&dir);
	strbuf_release(&err);
	return ret;
}

int main(void)
{
	RUN(env_file_escapes_as_kamal);
	RUN(floats_as_ruby_writes_them);
	if (load_branchy() < 0) {
		printf("not ok %d - the branchy case loads\n", ++unit_n);
		unit_failed_tests++;
		return unit_done();
	}
	k = (struct kamal){ cfg, "v42", "<PERFORMER>", "<TS>", 0 };
	RUN(exec_with_env_in_a_new_container);
	RUN(exec_detached_and_reused);
	RUN(interactive_exec_goes_through_ssh);
	RUN(logs_options);
	RUN(follow_logs);
	RUN(stream_logs);
	RUN(proxy_maintenance_and_container_removal);
	RUN(accessory_exec);
	RUN(accessory_logs);
	RUN(caller_paths);
	RUN(env_file_entries);
	config_free(cfg);
	return unit_done();
}
