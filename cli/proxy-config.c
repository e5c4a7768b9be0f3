/*
 * proxy-config.c - `berth proxy boot_config set|get|reset`: the proxy's
 * boot options kept in files on each host (.kamal/proxy/options, image,
 * image_version, run_command), as Kamal writes them. Deprecated in Kamal
 * 2.12 in favour of proxy/run in the deploy config; kept for hosts set up
 * that way.
 */
#include "cli.h"
#include "cli/exec.h"
#include "cli/hooks.h"
#include "cli/proxy.h"
#include "log.h"

struct boot_config {
	struct kc_proxy_boot_files f;
	int get;
};

static int put_or_reset(struct host_session *h, const char *content, const char *path,
			void (*reset)(struct shcmd *))
{
	struct shcmd c = SHCMD_INIT;
	int r;

	if (content)
		return host_upload(h, path, content, strlen(content), 0644);
	reset(&c);
	r = kx_run_flags(h, &c, REMOTE_NO_RAISE);
	shcmd_clear(&c);
	return r < 0 ? -1 : 0;
}

static int set_host(struct host_session *h, void *data)
{
	struct boot_config *b = data;
	struct shcmd c = SHCMD_INIT;
	int r;

	kc_proxy_ensure_proxy_directory(&c);
	r = kx_run(h, &c);
	shcmd_clear(&c);
	if (r)
		return r;
	if (put_or_reset(h, b->f.options, KAMAL_PROXY_OPTIONS_FILE, kc_proxy_reset_boot_options) ||
	    put_or_reset(h, b->f.image, KAMAL_PROXY_IMAGE_FILE, kc_proxy_reset_image) ||
	    put_or_reset(h, b->f.image_version, KAMAL_PROXY_IMAGE_VERSION_FILE,
			 kc_proxy_reset_image_version) ||
	    put_or_reset(h, b->f.run_command, KAMAL_PROXY_RUN_COMMAND_FILE,
			 kc_proxy_reset_run_command))
		return -1;
	return 0;
}

static int get_host(struct host_session *h, void *data)
{
	struct shcmd c = SHCMD_INIT;
	struct strbuf out = STRBUF_INIT;
	int r;

	kc_proxy_boot_config(&c, &cli_proxy_image);
	r = kx_capture(h, &c, &out, 0);
	shcmd_clear(&c);
	strbuf_trim(&out);
	if (!r) {
		struct strbuf line = STRBUF_INIT;
		strbuf_addf(&line, "Host %s: %s", host_shown(h), out.buf);
		host_print(h, "", line.buf, 1);
		strbuf_release(&line);
	}
	strbuf_release(&out);
	return r;
}

static int reset_host(struct host_session *h, void *data)
{
	void (*resets[])(struct shcmd *) = { kc_proxy_reset_boot_options, kc_proxy_reset_image,
					     kc_proxy_reset_image_version, kc_proxy_reset_run_command };
	for (size_t i = 0; i < ARRAY_SIZE(resets); i++)
		if (put_or_reset(h, NULL, NULL, resets[i]) < 0)
			return -1;
	return 0;
}

int cli_proxy_boot_config(int argc, const char **argv, struct cli_context *ctx)
{
	const struct cli_args *a = &ctx->args;
	const char *sub = a->positional.nr ? a->positional.v[0] : NULL;
	struct kc_proxy_boot_settings s = { 0 };
	struct boot_config b = { { 0 }, 0 };
	struct strvec hosts = STRVEC_INIT;
	struct strbuf err = STRBUF_INIT;
	struct on_hosts_opts o = { "proxy boot_config", 0, 0 };
	host_fn fn;
	int r;

	log_warn("The proxy boot_config command is deprecated - set the config in the deploy "
		 "YAML at proxy/run instead");
	if (!sub || (strcmp(sub, "set") && strcmp(sub, "get") && strcmp(sub, "reset")))
		die("Unknown boot_config subcommand %s (set, get or reset)", sub ? sub : "(none)");
	fn = !strcmp(sub, "set") ? set_host : !strcmp(sub, "get") ? get_host : reset_host;
	if (fn == get_host)
		o.quiet_step = 1;
	if (fn == set_host) {
		s.publish = cli_opt_bool(a, "publish");
		s.host_ips = cli_opt_list(a, "publish-host-ip");
		s.http_port = cli_opt_str(a, "http-port");
		s.https_port = cli_opt_str(a, "https-port");
		s.log_max_size = cli_opt_str(a, "log-max-size");
		s.registry = cli_opt_str(a, "registry");
		s.repository = cli_opt_str(a, "repository");
		s.image_version = cli_opt_str(a, "image-version");
		s.metrics_port = cli_opt_str(a, "metrics-port");
		s.debug = cli_opt_bool(a, "debug");
		s.docker_options = cli_opt_list(a, "docker-options");
		if (kc_proxy_boot_config_files(&s, &b.f, &err) < 0)
			die_err(&err);
	}
	if (cli_pre_connect(ctx) < 0)
		return 1;
	cli_proxy_hosts(ctx, &hosts);
	r = on_hosts(&hosts, fn, &b, &o);
	strvec_clear(&hosts);
	kc_proxy_boot_files_release(&b.f);
	return r ? 1 : 0;
}

const struct cli_option proxy_boot_config_options[] = {
	{ "publish", 0, CLI_OPT_BOOL, "Publish the proxy's ports on the host", "true" },
	{ "publish-host-ip", 0, CLI_OPT_LIST, "A host address to publish on (repeat for more; default: all)", NULL },
	{ "http-port", 0, CLI_OPT_NUMBER, "The host's HTTP port", "80" },
	{ "https-port", 0, CLI_OPT_NUMBER, "The host's HTTPS port", "443" },
	{ "log-max-size", 0, CLI_OPT_STRING, "How large the proxy's log may grow", "10m" },
	{ "registry", 0, CLI_OPT_STRING, "The registry of the proxy image", NULL },
	{ "repository", 0, CLI_OPT_STRING, "The repository of the proxy image", NULL },
	{ "image-version", 0, CLI_OPT_STRING, "The proxy image's version", NULL },
	{ "metrics-port", 0, CLI_OPT_NUMBER, "Serve Prometheus metrics on this port", NULL },
	{ "debug", 0, CLI_OPT_BOOL, "Run the proxy with debug logging", "false" },
	{ "docker-options", 0, CLI_OPT_ARRAY, "More docker run options: option=value ...", NULL },
	CLI_OPTIONS_END
};
