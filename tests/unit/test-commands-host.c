/*
 * test-commands-host.c - the host-level builders on the branches the
 * goldens do not reach: a local registry, remote/hybrid/cloud/pack
 * builders, build options, the classic builder, proxy run options and
 * boot config files, ssh options, hooks' env. Expected lines are what
 * Kamal 2.12 printed for the same config (the oracle in
 * ../shared/kamal-oracle), compared word by word as the golden test does;
 * berth's own choices (the classic builder, the login) are exact.
 */
#include "commands/auditor.h"
#include "commands/builder.h"
#include "commands/docker.h"
#include "commands/hook.h"
#include "commands/lock.h"
#include "commands/prune.h"
#include "commands/proxy.h"
#include "commands/registry.h"
#include "commands/server.h"
#include "commands/ssh.h"
#include "commands/sshkit.h"
#include "config/config.h"
#include "quote.h"
#include "unit.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- a config in a scratch directory */

static char scratch[64], home[4096];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static struct kamal load_dest(const char *yaml, const char *destination)
{
	struct kamal k = { NULL, "v42", "dev@example.com", "2026-01-01T00:00:00Z", 0 };
	struct config_options opts = { NULL, destination, NULL };
	struct strbuf err = STRBUF_INIT;

	if (!home[0] && !getcwd(home, sizeof(home)))
		home[0] = '\0';
	snprintf(scratch, sizeof(scratch), "/tmp/berth-commands-XXXXXX");
	if (!mkdtemp(scratch) || chdir(scratch))
		return k;
	mkdir("config", 0755);
	mkdir(".kamal", 0755);
	write_file("config/deploy.yml", yaml);
	write_file(".kamal/secrets", "KAMAL_REGISTRY_PASSWORD=pw\nRAILS_MASTER_KEY=mk\n");
	if (destination)
		write_file("config/deploy.staging.yml", "servers:\n  web:\n    - 10.0.0.1\n");
	if (config_load(&k.cfg, &opts, &err)) {
		printf("# config: %s\n", err.buf);
		fflush(stdout);
		abort(); /* every test needs its config */
	}
	strbuf_release(&err);
	return k;
}

static struct kamal load(const char *yaml)
{
	return load_dest(yaml, NULL);
}

static void unload(struct kamal *k)
{
	if (k->cfg)
		config_free(k->cfg);
	unlink("config/deploy.yml");
	unlink("config/deploy.staging.yml");
	unlink(".kamal/secrets");
	rmdir("config");
	rmdir(".kamal");
	if (chdir(home) == 0)
		rmdir(scratch);
}

/* ---- comparing lines */

static char *sent(struct shcmd *c)
{
	struct strbuf line = STRBUF_INIT;

	kc_sshkit_line(c, &line, 1);
	shcmd_clear(c);
	return strbuf_detach(&line, NULL);
}

static int same_words(const char *a, const char *b)
{
	struct strvec va = STRVEC_INIT, vb = STRVEC_INIT;
	int same = !quote_split(a, &va, QUOTE_SPLIT_SUBSTITUTIONS) &&
		   !quote_split(b, &vb, QUOTE_SPLIT_SUBSTITUTIONS) && va.nr == vb.nr;

	for (size_t i = 0; same && i < va.nr; i++)
		same = !strcmp(va.v[i], vb.v[i]);
	strvec_clear(&va);
	strvec_clear(&vb);
	return same;
}

/*
 * An exec'd ssh line: the same argv, and the same words in the remote
 * command (berth quotes a grep pattern with single quotes, Kamal with
 * double quotes).
 */
static int same_ssh_words(const char *a, const char *b)
{
	struct strvec va = STRVEC_INIT, vb = STRVEC_INIT;
	int same = !quote_split(a, &va, 0) && !quote_split(b, &vb, 0) && va.nr == vb.nr && va.nr;

	for (size_t i = 0; same && i + 1 < va.nr; i++)
		same = !strcmp(va.v[i], vb.v[i]);
	same = same && same_words(va.v[va.nr - 1], vb.v[vb.nr - 1]);
	strvec_clear(&va);
	strvec_clear(&vb);
	return same;
}

/* Kamal's line (word by word) */
#define KAMAL(c, want)                                                         \
	do {                                                                   \
		char *got_ = sent(c);                                          \
		if (!same_words(got_, want)) {                                 \
			printf("# %s:%d:\n#   got:   %s\n#   kamal: %s\n",         \
			       __FILE__, __LINE__, got_, want);                \
			unit_cur_failed = 1;                                   \
		}                                                              \
		free(got_);                                                    \
	} while (0)

/* berth's own line (exactly) */
#define BERTH(c, want)                                                         \
	do {                                                                   \
		char *got_ = sent(c);                                          \
		CHECK_STR(got_, want);                                         \
		free(got_);                                                    \
	} while (0)

#define HEAD "service: app\nimage: acme/app\nservers:\n  web:\n    - 10.0.0.1\n"
#define HUB "registry:\n  username: u\n  password: [KAMAL_REGISTRY_PASSWORD]\n"
#define ARCH "builder:\n  arch: amd64\n"

/* ---- registry */

static void local_registry(void)
{
	struct kamal k = load(HEAD "registry:\n  server: localhost:5555\nbuilder:\n  arch: amd64\n");
	struct kamal_registry reg;
	struct kc_builder b;
	struct kc_build_options o = { NULL, 0, 0, NULL };
	struct strbuf err = STRBUF_INIT;
	struct shcmd c = SHCMD_INIT;

	kamal_registry(k.cfg, config_get(k.cfg, "registry"), &reg);
	CHECK(reg.local);
	CHECK_INT(reg.local_port, 5555);
	/* Kamal's login is nil: SSHKit runs the empty command */
	kc_registry_login(&c, &reg, "u");
	KAMAL(&c, "/usr/bin/env ");
	kc_registry_setup(&c, &reg);
	KAMAL(&c, "docker start kamal-docker-registry || docker run --detach -p 127.0.0.1:5555:5000 --name kamal-docker-registry registry:3");
	kc_registry_remove(&c);
	KAMAL(&c, "docker stop kamal-docker-registry && docker rm kamal-docker-registry");
	kc_builder_init(&b, &k, NULL, 1);
	kc_builder_create(&c, &b);
	KAMAL(&c, "docker buildx create --name kamal-local-registry-docker-container --driver=docker-container --driver-opt network=host");
	kc_builder_remove(&c, &b);
	KAMAL(&c, "docker buildx rm kamal-local-registry-docker-container");
	CHECK(!kc_builder_push(&c, &b, &o, &err));
	KAMAL(&c, "docker buildx build --output=type=registry --platform linux/amd64 --builder kamal-local-registry-docker-container -t localhost:5555/acme/app:v42 -t localhost:5555/acme/app:latest --label service=\"app\" --file Dockerfile . 2>&1");
	kc_builder_release(&b);
	strbuf_release(&err);
	unload(&k);
}

static void login_reads_the_password_from_stdin(void)
{
	struct kamal k = load(HEAD "registry:\n  server: ghcr.io\n  username: o'neil\n  password: [KAMAL_REGISTRY_PASSWORD]\n" ARCH);
	struct kamal_registry reg;
	struct shcmd c = SHCMD_INIT;
	struct strbuf err = STRBUF_INIT, line = STRBUF_INIT;
	const char *user, *password;

	kamal_registry(k.cfg, config_get(k.cfg, "registry"), &reg);
	CHECK(!kamal_registry_credentials(k.cfg, &reg, &user, &password, &err));
	CHECK_STR(user, "o'neil");
	CHECK_STR(password, "pw");
	kc_registry_login(&c, &reg, user);
	shcmd_to_shell(&c, &line, 0);
	CHECK_STR(line.buf, "docker login ghcr.io -u \"o'neil\" --password-stdin");
	BERTH(&c, "docker login ghcr.io -u [REDACTED] --password-stdin");
	kc_registry_logout(&c, &reg);
	KAMAL(&c, "docker logout ghcr.io");
	strbuf_release(&err);
	strbuf_release(&line);
	unload(&k);
}

/* ---- builders */

#define REMOTE_LR "kamal-remote-ssh---root-10-0-0-9-local-registry"

static void remote_builder_with_local_registry(void)
{
	struct kamal k = load(HEAD "registry:\n  server: localhost:5555\nbuilder:\n  arch: arm64\n  remote: ssh://root@10.0.0.9\n");
	struct kc_builder b;
	struct kc_build_options o = { NULL, 0, 0, NULL };
	struct strvec env = STRVEC_INIT;
	struct strbuf err = STRBUF_INIT, line = STRBUF_INIT;
	struct shcmd c = SHCMD_INIT, s = SHCMD_INIT;

	kc_builder_init(&b, &k, "amd64", 1);
	CHECK_STR(kc_builder_name(&b), "remote");
	CHECK(!kc_builder_login_to_registry_locally(&b));
	kc_builder_create(&c, &b);
	KAMAL(&c, "docker context create " REMOTE_LR "-context --description '" REMOTE_LR " host' --docker 'host=ssh://root@10.0.0.9' ; docker buildx create --name " REMOTE_LR " --driver-opt network=host " REMOTE_LR "-context");
	kc_builder_remove(&c, &b);
	KAMAL(&c, "docker context rm " REMOTE_LR "-context ; docker buildx rm " REMOTE_LR);
	kc_builder_info(&c, &b);
	KAMAL(&c, "docker context ls ; docker buildx ls");
	kc_builder_inspect_builder(&c, &b);
	KAMAL(&c, "docker buildx inspect " REMOTE_LR " | grep -q Endpoint:.*" REMOTE_LR "-context && docker context inspect " REMOTE_LR "-context --format '{{.Endpoints.docker.Host}}' | grep -xq ssh://root@10.0.0.9 || (echo no compatible builder && exit 1)");
	CHECK(!kc_builder_push(&c, &b, &o, &err));
	kc_builder_push_env(&b, &env);
	kc_sshkit_command_env(&s, &c, &env);
	shcmd_to_shell(&s, &line, 1);
	CHECK(same_words(line.buf, "( export BUILDKIT_NO_CLIENT_TOKEN=\"1\" ; docker buildx build --output=type=registry --platform linux/arm64 --builder " REMOTE_LR " -t localhost:5555/acme/app:v42 -t localhost:5555/acme/app:latest --label service=\"app\" --file Dockerfile . 2>&1 )"));
	shcmd_clear(&c);
	shcmd_clear(&s);
	strvec_clear(&env);
	strbuf_release(&err);
	strbuf_release(&line);
	kc_builder_release(&b);
	unload(&k);
}

#define HYBRID "kamal-hybrid-docker-container-ssh---me--uilder-example-com-2222"

static void hybrid_builder(void)
{
	struct kamal k = load(HEAD HUB "builder:\n  arch: [amd64, arm64]\n  remote: ssh://me@Builder.example.com:2222\n");
	struct kc_builder b;
	struct kc_build_options o = { NULL, 0, 0, NULL };
	struct strbuf err = STRBUF_INIT;
	struct shcmd c = SHCMD_INIT;

	kc_builder_init(&b, &k, "amd64", 1);
	CHECK_STR(kc_builder_name(&b), "hybrid");
	kc_builder_create(&c, &b);
	KAMAL(&c, "docker buildx create --platform linux/amd64 --name " HYBRID " --driver=docker-container && docker context create " HYBRID "-context --description '" HYBRID " host' --docker 'host=ssh://me@Builder.example.com:2222' && docker buildx create --platform linux/arm64 --append --name " HYBRID " " HYBRID "-context");
	kc_builder_remove(&c, &b);
	KAMAL(&c, "docker context rm " HYBRID "-context ; docker buildx rm " HYBRID);
	CHECK(!kc_builder_push(&c, &b, &o, &err));
	KAMAL(&c, "docker buildx build --output=type=registry --platform linux/amd64,linux/arm64 --builder " HYBRID " -t acme/app:v42 -t acme/app:latest --label service=\"app\" --file Dockerfile . 2>&1");
	kc_builder_release(&b);
	/* a local docker of unknown arch builds nothing itself */
	kc_builder_init(&b, &k, NULL, 1);
	CHECK_STR(kc_builder_name(&b), "remote");
	kc_builder_release(&b);
	strbuf_release(&err);
	unload(&k);
}

static void pack_builder(void)
{
	struct kamal k = load(HEAD HUB "builder:\n  arch: amd64\n  pack:\n    builder: heroku/builder:24\n    buildpacks: [heroku/ruby, heroku/procfile]\n  args:\n    RUBY_VERSION: 3.3.0\n  secrets: [RAILS_MASTER_KEY]\n");
	struct kc_builder b;
	struct strvec secrets = STRVEC_INIT;
	struct kc_build_options o = { NULL, 0, 0, &secrets };
	struct strbuf err = STRBUF_INIT;
	struct shcmd c = SHCMD_INIT;

	strvec_push(&secrets, "RAILS_MASTER_KEY=mk");
	kc_builder_init(&b, &k, NULL, 1);
	CHECK_STR(kc_builder_name(&b), "pack");
	kc_builder_remove(&c, &b);
	KAMAL(&c, "/usr/bin/env ");
	kc_builder_info(&c, &b);
	KAMAL(&c, "/usr/bin/env pack builder inspect heroku/builder:24");
	kc_builder_inspect_builder(&c, &b);
	KAMAL(&c, "/usr/bin/env pack builder inspect heroku/builder:24");
	CHECK(!kc_builder_push(&c, &b, &o, &err));
	KAMAL(&c, "/usr/bin/env pack build acme/app --platform linux/amd64 --creation-time now --builder heroku/builder:24 --buildpack heroku/ruby --buildpack heroku/procfile --buildpack paketo-buildpacks/image-labels -t acme/app:v42 -t acme/app:latest --env BP_IMAGE_LABELS=service=app --env RUBY_VERSION=\"3.3.0\" --env [REDACTED] --path . && docker push acme/app:v42 && docker push acme/app:latest");
	kc_builder_release(&b);
	strvec_clear(&secrets);
	strbuf_release(&err);
	unload(&k);
}

static void cloud_builder(void)
{
	struct kamal k = load(HEAD HUB "builder:\n  arch: [amd64, arm64]\n  driver: cloud acme/main\n");
	struct kc_builder b;
	struct kc_build_options o = { NULL, 0, 0, NULL };
	struct strbuf err = STRBUF_INIT;
	struct shcmd c = SHCMD_INIT;

	kc_builder_init(&b, &k, NULL, 1);
	CHECK_STR(kc_builder_name(&b), "cloud");
	kc_builder_create(&c, &b);
	KAMAL(&c, "docker buildx create --driver cloud acme/main");
	kc_builder_remove(&c, &b);
	KAMAL(&c, "docker buildx rm cloud-acme-main");
	kc_builder_info(&c, &b);
	KAMAL(&c, "docker context ls && docker buildx ls");
	kc_builder_inspect_builder(&c, &b);
	KAMAL(&c, "docker buildx inspect cloud-acme-main");
	CHECK(!kc_builder_push(&c, &b, &o, &err));
	KAMAL(&c, "docker buildx build --output=type=registry --platform linux/amd64,linux/arm64 --builder cloud-acme-main -t acme/app:v42 -t acme/app:latest --label service=\"app\" --file Dockerfile . 2>&1");
	kc_builder_release(&b);
	strbuf_release(&err);
	unload(&k);
}

static void build_options_in_kamal_order(void)
{
	struct kamal k = load(HEAD "registry:\n  server: registry.example.com\n  username: u\n  password: [KAMAL_REGISTRY_PASSWORD]\n"
			      "builder:\n  arch: amd64\n  context: ./sub\n  dockerfile: sub/Dockerfile.prod\n  target: production\n"
			      "  ssh: default=$SSH_AUTH_SOCK\n  provenance: mode=max\n  sbom: true\n"
			      "  cache:\n    type: registry\n    options: mode=max,image-manifest=true\n"
			      "  args:\n    A: \"1\"\n    B: with space\n  secrets: [GITHUB_TOKEN]\n");
	struct kc_builder b;
	struct kc_build_options o = { NULL, 0, 0, NULL };
	struct strbuf err = STRBUF_INIT, line = STRBUF_INIT;
	struct shcmd c = SHCMD_INIT;

	kc_builder_init(&b, &k, NULL, 1);
	CHECK(b.cfg.context_set);
	CHECK(!kc_builder_push(&c, &b, &o, &err));
	shcmd_to_shell(&c, &line, 0);
	/* as written, so the local shell expands it */
	CHECK(strstr(line.buf, " --ssh default=$SSH_AUTH_SOCK ") != NULL);
	KAMAL(&c, "docker buildx build --output=type=registry --platform linux/amd64 --builder kamal-local-docker-container -t registry.example.com/acme/app:v42 -t registry.example.com/acme/app:latest --cache-to type=registry,ref=registry.example.com/acme/app-build-cache,mode=max,image-manifest=true --cache-from type=registry,ref=registry.example.com/acme/app-build-cache --label service=\"app\" --build-arg [REDACTED] --build-arg [REDACTED] --secret id=\"GITHUB_TOKEN\" --file sub/Dockerfile.prod --target production --ssh default=$SSH_AUTH_SOCK --provenance mode=max --sbom true ./sub 2>&1");
	kc_builder_release(&b);
	strbuf_release(&err);
	strbuf_release(&line);
	unload(&k);
}

static void gha_cache_and_docker_driver(void)
{
	struct kamal k = load(HEAD HUB "builder:\n  arch: amd64\n  cache:\n    type: gha\n    options: url=http://x,scope=main,mode=max,token=t\n");
	struct kc_builder b;
	struct kc_build_options o = { "docker", 0, 1, NULL };
	struct strbuf err = STRBUF_INIT;
	struct shcmd c = SHCMD_INIT;

	kc_builder_init(&b, &k, NULL, 1);
	CHECK(!kc_builder_push(&c, &b, &o, &err));
	KAMAL(&c, "docker buildx build --output=type=docker --platform linux/amd64 --builder kamal-local-docker-container -t acme/app:v42 -t acme/app:latest --cache-to type=gha,url=http://x,scope=main,mode=max,token=t --cache-from type=gha,url=http://x,scope=main,token=t --label service=\"app\" --file Dockerfile --no-cache . 2>&1");
	kc_builder_release(&b);
	unload(&k);

	k = load(HEAD HUB "builder:\n  arch: arm64\n  driver: docker\n");
	kc_builder_init(&b, &k, NULL, 1);
	kc_builder_create(&c, &b);
	KAMAL(&c, "/usr/bin/env ");
	kc_builder_inspect_builder(&c, &b);
	KAMAL(&c, "/usr/bin/env ");
	o.output = NULL;
	o.no_cache = 0;
	CHECK(!kc_builder_push(&c, &b, &o, &err));
	KAMAL(&c, "docker buildx build --output=type=registry --platform linux/arm64 -t acme/app:v42 -t acme/app:latest --label service=\"app\" --file Dockerfile . 2>&1");
	kc_builder_release(&b);
	strbuf_release(&err);
	unload(&k);
}

static void classic_builder_without_buildx(void)
{
	struct kamal k = load(HEAD HUB "builder:\n  arch: amd64\n  args:\n    A: \"1\"\n  target: prod\n");
	struct kc_builder b;
	struct kc_build_options o = { NULL, 0, 0, NULL };
	struct strbuf err = STRBUF_INIT;
	struct shcmd c = SHCMD_INIT;

	kc_ensure_docker_installed(&c, 0);
	BERTH(&c, "docker --version");
	kc_builder_init(&b, &k, "amd64", 0);
	kc_builder_create(&c, &b);
	CHECK(shcmd_empty(&c));
	kc_builder_inspect_builder(&c, &b);
	CHECK(shcmd_empty(&c));
	kc_builder_info(&c, &b);
	BERTH(&c, "docker context ls");
	CHECK(!kc_builder_push(&c, &b, &o, &err));
	BERTH(&c, "docker build -t acme/app:v42 -t acme/app:latest --label service=\"app\" --build-arg [REDACTED] --file Dockerfile --target prod . 2>&1 && docker push acme/app:v42 && docker push acme/app:latest");
	o.output = "docker";
	o.tag_as_dirty = 1;
	CHECK(!kc_builder_push(&c, &b, &o, &err));
	BERTH(&c, "docker build -t acme/app:v42-dirty -t acme/app:latest-dirty --label service=\"app\" --build-arg [REDACTED] --file Dockerfile --target prod . 2>&1");
	kc_builder_release(&b);
	unload(&k);

	/* secrets would need BuildKit: refuse rather than bake them in */
	k = load(HEAD HUB "builder:\n  arch: amd64\n  secrets: [RAILS_MASTER_KEY]\n");
	kc_builder_init(&b, &k, "amd64", 0);
	CHECK_INT(kc_builder_push(&c, &b, &o, &err), -1);
	CHECK(strstr(err.buf, "build secrets") != NULL);
	kc_builder_release(&b);
	unload(&k);
	strbuf_reset(&err);
	k = load(HEAD HUB "builder:\n  arch: [amd64, arm64]\n");
	kc_builder_init(&b, &k, "amd64", 0);
	CHECK_INT(kc_builder_push(&c, &b, &o, &err), -1);
	CHECK(strstr(err.buf, "several architectures") != NULL);
	kc_builder_release(&b);
	shcmd_clear(&c);
	strbuf_release(&err);
	unload(&k);
}

static void clone_and_images(void)
{
	struct kamal k = load(HEAD HUB "builder:\n  arch: amd64\n");
	struct kc_builder b;
	struct strbuf dir = STRBUF_INIT;
	struct shcmd c = SHCMD_INIT;

	kc_builder_build_directory(&dir, "/tmp/kamal-clones/app-0123456789abc", "/src/my app", "/src/my app/sub");
	CHECK_STR(dir.buf, "/tmp/kamal-clones/app-0123456789abc/my app/sub");
	kc_builder_clone(&c, "/src/my app", "/tmp/kamal-clones/app-0123456789abc");
	KAMAL(&c, "/usr/bin/env git -C /tmp/kamal-clones/app-0123456789abc clone /src/my\\ app --recurse-submodules");
	CHECK(kc_builder_clone_reset_step(&c, 2, "/src/my app", dir.buf, "abc123"));
	KAMAL(&c, "/usr/bin/env git -C /tmp/kamal-clones/app-0123456789abc/my\\ app/sub reset --hard abc123");
	CHECK(!kc_builder_clone_reset_step(&c, KC_CLONE_RESET_STEPS, "/src", dir.buf, "abc"));
	kc_builder_init(&b, &k, NULL, 1);
	kc_builder_validate_image(&c, &b);
	KAMAL(&c, "docker inspect -f '{{ .Config.Labels.service }}' acme/app:v42 | grep -x app || (echo \"Image acme/app:v42 is missing the 'service' label\" && exit 1)");
	kc_builder_release(&b);
	strbuf_release(&dir);
	unload(&k);
}

/* ---- proxy */

static void proxy_run_from_config(void)
{
	struct kamal k = load(HEAD "registry:\n  server: localhost:5555\nproxy:\n  run:\n    http_port: 8080\n    https_port: 8443\n"
			      "    bind_ips: [127.0.0.1, \"::1\"]\n    log_max_size: 20m\n    metrics_port: 9090\n    debug: true\n"
			      "    registry: ghcr.io\n    repository: acme/kamal-proxy\n    version: v0.9.3\n"
			      "    options:\n      memory: 512m\n      cpus: 1\n" ARCH);
	struct shcmd c = SHCMD_INIT;
	const struct ynode *run = kamal_proxy_run(k.cfg, "10.0.0.1");

	CHECK(run != NULL);
	kc_proxy_start_or_run(&c, run, NULL);
	KAMAL(&c, "docker container start kamal-proxy || docker run --name kamal-proxy --network kamal --detach --restart unless-stopped --volume kamal-proxy-config:/home/kamal-proxy/.config/kamal-proxy --volume $PWD/.kamal/proxy/apps-config:/home/kamal-proxy/.apps-config --publish 127.0.0.1:8080:80 --publish 127.0.0.1:8443:443 --publish [::1]:8080:80 --publish [::1]:8443:443 --log-opt max-size=20m --expose=9090 --memory \"512m\" --cpus \"1\" ghcr.io/acme/kamal-proxy:v0.9.3 kamal-proxy run --debug --metrics-port \"9090\"");
	CHECK(kamal_proxy_run(k.cfg, "10.9.9.9") == NULL);
	unload(&k);

	k = load(HEAD HUB "proxy:\n  run:\n    publish: false\n    options:\n      label: [custom.label=kamal-proxy, other=x]\n      memory: 512m\n      cpus: 0.5\n" ARCH);
	kc_proxy_run(&c, kamal_proxy_run(k.cfg, "10.0.0.1"), NULL);
	KAMAL(&c, "docker run --name kamal-proxy --network kamal --detach --restart unless-stopped --volume kamal-proxy-config:/home/kamal-proxy/.config/kamal-proxy --volume $PWD/.kamal/proxy/apps-config:/home/kamal-proxy/.apps-config --log-opt max-size=10m --label \"custom.label=kamal-proxy\" --label \"other=x\" --memory \"512m\" --cpus \"0.5\" basecamp/kamal-proxy:v0.9.2 kamal-proxy run");
	unload(&k);
}

/* A role's own proxy/run wins on its host; the others take the global one. */
static void proxy_run_per_role(void)
{
	struct kamal k = load(HEAD "  job:\n    hosts: [10.0.0.2]\n    proxy:\n      run:\n        publish: false\n        log_max_size: \"\"\n"
			      HUB "proxy:\n  run:\n    version: v0.9.3\n" ARCH);
	struct strvec hosts = STRVEC_INIT;
	struct shcmd c = SHCMD_INIT;

	kamal_proxy_hosts(k.cfg, &hosts);
	CHECK_INT(hosts.nr, 2);
	kc_proxy_run(&c, kamal_proxy_run(k.cfg, "10.0.0.2"), NULL);
	KAMAL(&c, "docker run --name kamal-proxy --network kamal --detach --restart unless-stopped --volume kamal-proxy-config:/home/kamal-proxy/.config/kamal-proxy --volume $PWD/.kamal/proxy/apps-config:/home/kamal-proxy/.apps-config basecamp/kamal-proxy:v0.9.3 kamal-proxy run");
	kc_proxy_run(&c, kamal_proxy_run(k.cfg, "10.0.0.1"), NULL);
	KAMAL(&c, "docker run --name kamal-proxy --network kamal --detach --restart unless-stopped --volume kamal-proxy-config:/home/kamal-proxy/.config/kamal-proxy --volume $PWD/.kamal/proxy/apps-config:/home/kamal-proxy/.apps-config --publish 80:80 --publish 443:443 --log-opt max-size=10m basecamp/kamal-proxy:v0.9.3 kamal-proxy run");
	strvec_clear(&hosts);
	unload(&k);
}

static void proxy_boot_config_files(void)
{
	struct strvec ips = STRVEC_INIT, opts = STRVEC_INIT;
	struct kc_proxy_boot_settings s = { 1, &ips, "8080", NULL, "5m", "ghcr.io", "me", "v1",
					    "9000", 1, &opts };
	struct kc_proxy_boot_settings plain = { 1, NULL, NULL, NULL, "10m", NULL, NULL, NULL,
						NULL, 0, NULL };
	struct kc_proxy_boot_files f;
	struct strbuf err = STRBUF_INIT;
	struct shcmd c = SHCMD_INIT;

	strvec_pushl(&ips, "127.0.0.1", "::1", NULL);
	strvec_pushl(&opts, "memory=1g", "cpus=2", NULL);
	CHECK(!kc_proxy_boot_config_files(&s, &f, &err));
	CHECK_STR(f.options, "--publish 127.0.0.1:8080:80 --publish 127.0.0.1:443:443 --publish [::1]:8080:80 --publish [::1]:443:443 --log-opt max-size=5m --expose=9000 --memory=1g --cpus=2");
	CHECK_STR(f.image, "ghcr.io/me/kamal-proxy");
	CHECK_STR(f.image_version, "v1");
	CHECK_STR(f.run_command, "kamal-proxy run --debug --metrics-port \"9000\"");
	kc_proxy_boot_files_release(&f);
	/* the defaults are not written: the CLI removes the files instead */
	CHECK(!kc_proxy_boot_config_files(&plain, &f, &err));
	CHECK(!f.options && !f.image && !f.image_version && !f.run_command);
	plain.publish = 0;
	CHECK(!kc_proxy_boot_config_files(&plain, &f, &err));
	CHECK_STR(f.options, "--log-opt max-size=10m");
	kc_proxy_boot_files_release(&f);
	strvec_push(&ips, "not-an-ip");
	CHECK_INT(kc_proxy_boot_config_files(&s, &f, &err), -1);
	CHECK(strstr(err.buf, "not-an-ip") != NULL);
	kc_proxy_ensure_proxy_directory(&c);
	KAMAL(&c, "/usr/bin/env mkdir -p .kamal/proxy");
	kc_proxy_reset_run_command(&c);
	KAMAL(&c, "/usr/bin/env rm .kamal/proxy/run_command");
	kc_proxy_boot_config(&c, NULL);
	KAMAL(&c, "/usr/bin/env echo $(cat .kamal/proxy/options 2> /dev/null || echo \"--publish 80:80 --publish 443:443 --log-opt max-size=10m\") $(cat .kamal/proxy/image 2> /dev/null || echo \"basecamp/kamal-proxy\"):$(cat .kamal/proxy/image_version 2> /dev/null || echo \"v0.9.2\") $(cat .kamal/proxy/run_command 2> /dev/null || echo \"\")");
	strvec_clear(&ips);
	strvec_clear(&opts);
	strbuf_release(&err);
}

static void proxy_logs_and_ssh(void)
{
	struct kamal k = load(HEAD HUB "ssh:\n  user: deploy\n  port: 2222\n  proxy: bastion.example.com\n  keys: [~/.ssh/a, ~/.ssh/b]\n"
			      "  keys_only: true\n  config: [~/.ssh/c1, ~/.ssh/c2]\n" ARCH);
	struct kc_logs_options some = { 0, "1h", "5", "ERR x", NULL };
	struct kc_logs_options grep = { 1, NULL, NULL, "ERR", "-i -v" };
	struct shcmd c = SHCMD_INIT, bash = SHCMD_INIT;
	struct strbuf line = STRBUF_INIT;

	kc_proxy_logs(&c, &some);
	KAMAL(&c, "docker logs kamal-proxy --since 1h --tail 5 2>&1 | grep 'ERR x'");
	kc_proxy_logs(&c, &grep);
	KAMAL(&c, "docker logs kamal-proxy --timestamps 2>&1 | grep 'ERR' -i -v");
	grep.grep_options = NULL;
	kc_proxy_follow_logs(&c, &k, "10.0.0.1", &grep);
	/* exec'd, not sent: compare the argv words */
	shcmd_to_shell(&c, &line, 0);
	CHECK(same_ssh_words(line.buf, "ssh -F ~/.ssh/c1 -F ~/.ssh/c2 -J root@bastion.example.com -i ~/.ssh/a -i ~/.ssh/b -o IdentitiesOnly=yes -t deploy@10.0.0.1 -p 2222 'docker logs kamal-proxy --timestamps --tail 10 --follow 2>&1 | grep \"ERR\"'"));
	shcmd_clear(&c);
	unload(&k);

	k = load(HEAD HUB "ssh:\n  proxy_command: \"ssh -W %h:%p user@proxy\"\n  config: false\n" ARCH);
	shcmd_add(&bash, "bash");
	kc_run_over_ssh(&c, &k, "10.0.0.1", &bash);
	strbuf_reset(&line);
	shcmd_to_shell(&c, &line, 0);
	CHECK(same_ssh_words(line.buf, "ssh -F /dev/null -o ProxyCommand='ssh -W %h:%p user@proxy' -t root@10.0.0.1 -p 22 'bash'"));
	shcmd_clear(&c);
	shcmd_clear(&bash);
	strbuf_release(&line);
	unload(&k);
}

/* ---- lock, audit, prune, server, hooks */

static void lock_details_wrap_at_60_columns(void)
{
	struct kamal k = load(HEAD HUB ARCH "retain_containers: 2\n");
	struct kc_lock_details d = { "Jane Doe", "2026-03-04T05:06:07Z",
				     "0123456789abcdef0123456789abcdef01234567_uncommitted_0011223344556677",
				     "A long maintenance message that wraps the base64 over several lines" };
	struct shcmd c = SHCMD_INIT;
	struct strbuf line = STRBUF_INIT;

	kc_lock_acquire(&c, &k, &d);
	shcmd_to_shell(&c, &line, 0);
	/* Ruby's Base64.encode64 of the same details */
	CHECK_STR(line.buf, "mkdir .kamal/lock-app && echo \"TG9ja2VkIGJ5OiBKYW5lIERvZSBhdCAyMDI2LTAzLTA0VDA1OjA2OjA3WgpW\nZXJzaW9uOiAwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjAxMjM0\nNTY3X3VuY29tbWl0dGVkXzAwMTEyMjMzNDQ1NTY2NzcKTWVzc2FnZTogQSBs\nb25nIG1haW50ZW5hbmNlIG1lc3NhZ2UgdGhhdCB3cmFwcyB0aGUgYmFzZTY0\nIG92ZXIgc2V2ZXJhbCBsaW5lcw==\n\" > .kamal/lock-app/details");
	shcmd_clear(&c);
	kc_prune_app_containers(&c, &k, kamal_retain_containers(k.cfg));
	KAMAL(&c, "docker ps -q -a --filter label=service=app --filter status=created --filter status=exited --filter status=dead | tail -n +3 | while read container_id; do docker rm $container_id; done");
	kc_server_exec(&c, "ls -la");
	KAMAL(&c, "ls -la");
	kc_server_exec_record(&c, &k, "ls -la", "10.0.0.1");
	KAMAL(&c, "/usr/bin/env mkdir -p .kamal && echo \"[2026-01-01T00:00:00Z] [dev@example.com] Executed cmd 'ls -la' on 10.0.0.1\" >> .kamal/app-audit.log");
	strbuf_release(&line);
	unload(&k);
}

static void audit_and_hooks_with_a_destination(void)
{
	struct kamal k = load_dest(HEAD HUB ARCH, "staging");
	struct kc_hook_details d = { "10.0.0.1", "web", 1, "app", "boot", NULL };
	struct strvec env = STRVEC_INIT, secrets = STRVEC_INIT;
	struct shcmd c = SHCMD_INIT;

	kc_auditor_record(&c, &k, "web", "Booted app version v42 $HOME `x`");
	KAMAL(&c, "/usr/bin/env mkdir -p .kamal && echo \"[2026-01-01T00:00:00Z] [dev@example.com] [staging] [web] Booted app version v42 \\$HOME \\`x\\`\" >> .kamal/app-staging-audit.log");
	kc_auditor_reveal(&c, &k);
	KAMAL(&c, "/usr/bin/env tail -n 50 .kamal/app-staging-audit.log");
	kc_hook_run(&c, &k, "pre-app-boot");
	KAMAL(&c, "/usr/bin/env .kamal/hooks/pre-app-boot");
	k.version = "0123456789abcdef0123456789abcdef01234567";
	strvec_push(&secrets, "RAILS_MASTER_KEY=mk");
	kc_hook_env(&env, &k, &d, &secrets);
	CHECK(strvec_find(&env, "KAMAL_SERVICE_VERSION=app@0123456") >= 0);
	CHECK(strvec_find(&env, "BERTH_SERVICE_VERSION=app@0123456") >= 0);
	CHECK(strvec_find(&env, "KAMAL_DESTINATION=staging") >= 0);
	CHECK(strvec_find(&env, "KAMAL_ROLES=web") >= 0);
	CHECK(strvec_find(&env, "KAMAL_SUBCOMMAND=boot") >= 0);
	CHECK(strvec_find(&env, "BERTH_LOCK=true") >= 0);
	CHECK(strvec_find(&env, "RAILS_MASTER_KEY=mk") >= 0);
	CHECK(strvec_find(&env, "BERTH_RAILS_MASTER_KEY=mk") < 0);
	CHECK(!kc_hook_with_secrets("pre-app-boot") && kc_hook_with_secrets("post-deploy"));
	strvec_clear(&env);
	k.version = "abc_uncommitted_0123456789abcdef";
	kc_hook_env(&env, &k, &d, NULL);
	CHECK(strvec_find(&env, "KAMAL_SERVICE_VERSION=app@abc_uncommitted_0123456789abcdef") >= 0);
	strvec_clear(&env);
	strvec_clear(&secrets);
	unload(&k);
}

static void sshkit_env_and_unmapped_commands(void)
{
	struct shcmd c = SHCMD_INIT, s = SHCMD_INIT;
	struct strvec env = STRVEC_INIT;
	struct strbuf line = STRBUF_INIT;

	strvec_push(&env, "A=say \"hi\"");
	shcmd_addl(&c, "mkdir", "-p", "x", NULL);
	kc_sshkit_command_env(&s, &c, &env);
	shcmd_to_shell(&s, &line, 0);
	CHECK_STR(line.buf, "( export A=\"say \\\"hi\\\"\" ; /usr/bin/env mkdir -p x )");
	shcmd_clear(&c);
	kc_docker_superuser(&c);
	BERTH(&c, "[ \"${EUID:-$(id -u)}\" -eq 0 ] || sudo -nl usermod >/dev/null");
	kc_container_id_for(&c, "app-web-v42", 1);
	KAMAL(&c, "docker container ls --filter 'name=^app-web-v42$' --quiet");
	kc_make_directory_for(&c, ".kamal/apps/app/env/roles/web.env");
	KAMAL(&c, "/usr/bin/env mkdir -p .kamal/apps/app/env/roles");
	kc_docker_install(&c);
	KAMAL(&c, "/usr/bin/env sh -c 'curl -fsSL https://get.docker.com || wget -O - https://get.docker.com || echo \"exit 1\"' | sh");
	shcmd_clear(&s);
	strvec_clear(&env);
	strbuf_release(&line);
}

int main(void)
{
	RUN(local_registry);
	RUN(login_reads_the_password_from_stdin);
	RUN(remote_builder_with_local_registry);
	RUN(hybrid_builder);
	RUN(pack_builder);
	RUN(cloud_builder);
	RUN(build_options_in_kamal_order);
	RUN(gha_cache_and_docker_driver);
	RUN(classic_builder_without_buildx);
	RUN(clone_and_images);
	RUN(proxy_run_from_config);
	RUN(proxy_run_per_role);
	RUN(proxy_boot_config_files);
	RUN(proxy_logs_and_ssh);
	RUN(lock_details_wrap_at_60_columns);
	RUN(audit_and_hooks_with_a_destination);
	RUN(sshkit_env_and_unmapped_commands);
	return unit_done();
}
