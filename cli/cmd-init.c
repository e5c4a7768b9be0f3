/*
 * cmd-init.c - `berth init`: a starter config/deploy.yml, .kamal/secrets
 * and sample hooks. Like kamal init, it never overwrites: an existing file
 * is kept and reported, the missing ones are created.
 */
#include "cli.h"
#include "fs.h"
#include "log.h"
#include "strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static const char deploy_template[] =
	"# The name of your application. Containers are named after it.\n"
	"service: my-app\n"
	"\n"
	"# The image to build and run (on an external registry: user/my-app).\n"
	"image: my-app\n"
	"\n"
	"# The hosts to deploy to, by role.\n"
	"servers:\n"
	"  web:\n"
	"    - 192.0.2.1\n"
	"  # job:\n"
	"  #   hosts:\n"
	"  #     - 192.0.2.1\n"
	"  #   cmd: bin/jobs\n"
	"\n"
	"# berth-proxy (kamal-proxy compatible) routes traffic to the web role.\n"
	"# Automatic TLS needs a host name pointing at the server.\n"
	"# proxy:\n"
	"#   ssl: true\n"
	"#   host: app.example.com\n"
	"\n"
	"# Where images are pushed and pulled.\n"
	"registry:\n"
	"  server: localhost:5555\n"
	"  # username: my-user\n"
	"  # password:\n"
	"  #   - KAMAL_REGISTRY_PASSWORD\n"
	"\n"
	"# Environment for the app containers; secret values come from .kamal/secrets.\n"
	"env:\n"
	"  secret:\n"
	"    - RAILS_MASTER_KEY\n"
	"  # clear:\n"
	"  #   DB_HOST: 192.0.2.2\n"
	"\n"
	"# Shortcuts: `berth console` runs the expansion.\n"
	"aliases:\n"
	"  console: app exec --interactive --reuse \"bin/rails console\"\n"
	"  shell: app exec --interactive --reuse \"bash\"\n"
	"  logs: app logs -f\n"
	"  dbc: app exec --interactive --reuse \"bin/rails dbconsole\"\n"
	"\n"
	"# Persistent storage on the host, mounted into the container.\n"
	"# volumes:\n"
	"#   - \"my_app_storage:/rails/storage\"\n"
	"\n"
	"# Serve assets of both the old and the new version during a deploy.\n"
	"# asset_path: /rails/public/assets\n"
	"\n"
	"builder:\n"
	"  arch: amd64\n"
	"  # remote: ssh://docker@builder.example.com\n"
	"\n"
	"# ssh:\n"
	"#   user: deploy\n"
	"\n"
	"# Supporting services (databases, caches), managed with `berth accessory`.\n"
	"# accessories:\n"
	"#   db:\n"
	"#     image: postgres:15\n"
	"#     host: 192.0.2.2\n"
	"#     port: \"127.0.0.1:5432:5432\"\n"
	"#     env:\n"
	"#       secret:\n"
	"#         - POSTGRES_PASSWORD\n"
	"#     directories:\n"
	"#       - data:/var/lib/postgresql/data\n"
	"\n"
	"# Settings only berth reads (Kamal ignores x- keys).\n"
	"# x-berth:\n"
	"#   db:\n"
	"#     database: my_app_production\n";

static const char secrets_template[] =
	"# Secrets for the app, in dotenv syntax. Never put the values themselves\n"
	"# here: read them from the environment or a password manager.\n"
	"#\n"
	"# From the environment:\n"
	"# KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD\n"
	"#\n"
	"# From 1Password, fetched once for all keys:\n"
	"# SECRETS=$(berth secrets fetch --adapter 1password --account my-account --from Vault/Item KAMAL_REGISTRY_PASSWORD RAILS_MASTER_KEY)\n"
	"# KAMAL_REGISTRY_PASSWORD=$(berth secrets extract KAMAL_REGISTRY_PASSWORD $SECRETS)\n"
	"# RAILS_MASTER_KEY=$(berth secrets extract RAILS_MASTER_KEY $SECRETS)\n"
	"#\n"
	"# From a file kept out of git:\n"
	"RAILS_MASTER_KEY=$(cat config/master.key)\n";

struct hook {
	const char *name;
	const char *when;
};

static const struct hook hooks[] = {
	{ "docker-setup", "once Docker is installed on a host, during `setup`" },
	{ "pre-connect", "before the first connection to the hosts (e.g. warm DNS)" },
	{ "pre-build", "before the image is built (e.g. refuse a dirty tree)" },
	{ "pre-deploy", "after the image is pushed, before any container boots" },
	{ "pre-app-boot", "before the app containers boot on the hosts" },
	{ "post-app-boot", "after the app containers booted on the hosts" },
	{ "post-deploy", "after a deploy, redeploy or rollback (e.g. notify)" },
	{ "pre-proxy-reboot", "before the proxy is rebooted on the hosts" },
	{ "post-proxy-reboot", "after the proxy was rebooted on the hosts" },
};

/* lib/fs.h's mkdir_p, saying what could not be made. */
static int make_dirs(const char *path)
{
	return mkdir_p(path) < 0 ? error_errno("cannot create '%s'", path) : 0;
}

/* Creates path with content unless it exists. 1 created, 0 kept, -1 error. */
static int create_file(const char *path, const char *content, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	size_t len = strlen(content);
	if (fd < 0)
		return errno == EEXIST ? 0 : error_errno("cannot create '%s'", path);
	if (write(fd, content, len) != (ssize_t)len || close(fd) < 0)
		return error_errno("cannot write '%s'", path);
	return 1;
}

static int write_hooks(void)
{
	struct strbuf path = STRBUF_INIT, body = STRBUF_INIT;
	int ret = 0;
	for (size_t i = 0; i < ARRAY_SIZE(hooks) && !ret; i++) {
		strbuf_reset(&path);
		strbuf_addf(&path, ".kamal/hooks/%s.sample", hooks[i].name);
		strbuf_reset(&body);
		strbuf_addf(&body,
			    "#!/bin/sh\n"
			    "# A sample %s hook: runs %s.\n"
			    "# Rename to .kamal/hooks/%s and make it executable to use it.\n"
			    "# A non-zero exit aborts the command (skip hooks with -H).\n"
			    "#\n"
			    "# Variables: KAMAL_RECORDED_AT, KAMAL_PERFORMER, KAMAL_VERSION,\n"
			    "# KAMAL_HOSTS, KAMAL_ROLES (comma-separated), KAMAL_DESTINATION,\n"
			    "# KAMAL_COMMAND, KAMAL_SUBCOMMAND, KAMAL_RUNTIME (post-deploy).\n"
			    "\n"
			    "echo \"%s: version $KAMAL_VERSION on $KAMAL_HOSTS\"\n",
			    hooks[i].name, hooks[i].when, hooks[i].name, hooks[i].name);
		if (create_file(path.buf, body.buf, 0755) < 0)
			ret = -1;
	}
	strbuf_release(&path);
	strbuf_release(&body);
	return ret;
}

int cmd_init(int argc, const char **argv, struct cli_context *ctx)
{
	const char *deploy = ctx->config_file;
	struct strbuf dir = STRBUF_INIT;
	const char *slash = strrchr(deploy, '/');
	int r;

	if (slash) {
		strbuf_add(&dir, deploy, (size_t)(slash - deploy));
		if (make_dirs(dir.buf) < 0)
			return 1;
	}
	strbuf_release(&dir);
	r = create_file(deploy, deploy_template, 0644);
	if (r < 0)
		return 1;
	if (r)
		printf("Created configuration file in %s\n", deploy);
	else
		printf("Config file already exists in %s (remove first to create a new one)\n", deploy);

	if (make_dirs(".kamal") < 0 || (r = create_file(".kamal/secrets", secrets_template, 0600)) < 0)
		return 1;
	if (r)
		printf("Created .kamal/secrets file\n");
	else
		printf("Secrets file already exists in .kamal/secrets (kept)\n");

	if (access(".kamal/hooks", F_OK) == 0) {
		printf("Hooks folder already exists in .kamal/hooks (kept)\n");
		return 0;
	}
	if (make_dirs(".kamal/hooks") < 0 || write_hooks() < 0)
		return 1;
	printf("Created sample hooks in .kamal/hooks\n");
	return 0;
}
