/* proxy.c - the kamal-proxy container's commands (see proxy.h). */
#include "commands/proxy.h"
#include "commands/docker.h"
#include "commands/ssh.h"
#include "commands/utils.h"
#include "quote.h"

#include <arpa/inet.h>
#include <stdlib.h>

#define PROXY_CONFIG_VOLUME "kamal-proxy-config:/home/kamal-proxy/.config/kamal-proxy"
#define PROXY_LABEL "label=org.opencontainers.image.title=kamal-proxy"

static void docker_run_start(struct shcmd *out)
{
	shcmd_addl(out, "docker", "run", "--name", KAMAL_PROXY_CONTAINER, "--network", "kamal",
		   "--detach", "--restart", "unless-stopped", "--volume", PROXY_CONFIG_VOLUME,
		   "--volume", NULL);
	/* relative host paths are bound from $PWD, expanded by the host's shell */
	shcmd_add_shell(out, "$PWD/" KAMAL_PROXY_APPS_DIRECTORY ":" KAMAL_PROXY_APPS_CONTAINER_DIRECTORY);
}

/* "[ip:]http:80 [ip:]https:443" per bind ip; IPv6 addresses in brackets. */
static void publish_pair(struct strvec *out, const char *ip, const char *http,
			 const char *https)
{
	struct strbuf host = STRBUF_INIT;

	if (ip && strchr(ip, ':') && ip[0] != '[')
		strbuf_addf(&host, "[%s]:", ip);
	else if (ip)
		strbuf_addf(&host, "%s:", ip);
	strvec_pushl(out, "--publish", NULL);
	strvec_pushf(out, "%s%s%s80", host.buf, http ? http : "", http ? ":" : "");
	strvec_pushl(out, "--publish", NULL);
	strvec_pushf(out, "%s%s%s443", host.buf, https ? https : "", https ? ":" : "");
	strbuf_release(&host);
}

static void publish_args(struct strvec *out, const struct strvec *ips, const char *http,
			 const char *https)
{
	if (!ips || !ips->nr)
		publish_pair(out, NULL, http, https);
	for (size_t i = 0; ips && i < ips->nr; i++)
		publish_pair(out, ips->v[i], http, https);
}

const char *kc_proxy_run_str(const struct ynode *run, const char *key, const char *fallback)
{
	const struct ypair *p = ynode_find(run, key);

	if (!p)
		return fallback;
	return p->value->kind == YNODE_NULL ? NULL : ynode_str(p->value);
}

void kc_proxy_run_publish(struct shcmd *out, const struct ynode *run)
{
	const struct ynode *ips = ynode_get(run, "bind_ips");
	struct strvec ipv = STRVEC_INIT, words = STRVEC_INIT;
	const struct ypair *publish = ynode_find(run, "publish");

	if (publish && !ynode_truthy(publish->value))
		return;
	for (size_t i = 0; ips && ips->kind == YNODE_SEQ && i < ips->nr; i++)
		strvec_push(&ipv, ynode_str(ips->items[i]) ? ynode_str(ips->items[i]) : "");
	publish_args(&words, &ipv, kc_proxy_run_str(run, "http_port", "80"),
		     kc_proxy_run_str(run, "https_port", "443"));
	for (size_t i = 0; i < words.nr; i++)
		shcmd_add(out, words.v[i]);
	strvec_clear(&ipv);
	strvec_clear(&words);
}

/* Proxy::Run#run_command: "kamal-proxy run" and its options. */
void kc_proxy_run_command(struct shcmd *out, const struct ynode *run)
{
	const char *metrics = kc_proxy_run_str(run, "metrics_port", NULL);

	shcmd_addl(out, "kamal-proxy", "run", NULL);
	if (ynode_truthy(ynode_get(run, "debug")))
		shcmd_add(out, "--debug");
	if (metrics) {
		struct strbuf v = STRBUF_INIT;
		quote_kamal_value(&v, metrics);
		shcmd_add(out, "--metrics-port");
		shcmd_add_shell(out, v.buf);
		strbuf_release(&v);
	}
}

const struct kc_proxy_image kc_proxy_kamal_image = { KAMAL_PROXY_IMAGE_DEFAULT,
						     KAMAL_PROXY_MINIMUM_VERSION };

const struct kc_proxy_image *kc_proxy_image_or_kamal(const struct kc_proxy_image *img)
{
	return img ? img : &kc_proxy_kamal_image;
}

static void run_from_config(struct shcmd *out, const struct ynode *run,
			    const struct kc_proxy_image *img)
{
	const char *log_max_size = kc_proxy_run_str(run, "log_max_size", "10m");
	const char *metrics = kc_proxy_run_str(run, "metrics_port", NULL);
	const char *registry = kc_proxy_run_str(run, "registry", NULL);

	docker_run_start(out);
	kc_proxy_run_publish(out, run);
	if (log_max_size && *log_max_size) {
		shcmd_add(out, "--log-opt");
		shcmd_addf(out, "max-size=%s", log_max_size);
	}
	if (metrics && *metrics)
		shcmd_addf(out, "--expose=%s", metrics);
	kc_optionize_ynode(out, ynode_get(run, "options"), NULL);
	shcmd_addf(out, "%s%s%s:%s", registry ? registry : "", registry ? "/" : "",
		   kc_proxy_run_str(run, "repository", kc_proxy_image_or_kamal(img)->repository),
		   kc_proxy_run_str(run, "version", kc_proxy_image_or_kamal(img)->version));
	kc_proxy_run_command(out, run);
}

void kc_proxy_run(struct shcmd *out, const struct ynode *run, const struct kc_proxy_image *img)
{
	struct shcmd echo = SHCMD_INIT, xargs = SHCMD_INIT;

	if (run) {
		run_from_config(out, run, img);
		return;
	}
	kc_proxy_boot_config(&echo, img);
	shcmd_add(&xargs, "xargs");
	docker_run_start(&xargs);
	shcmd_combine(out, "|", &echo, &xargs, NULL);
	shcmd_clear(&echo);
	shcmd_clear(&xargs);
}

void kc_proxy_start(struct shcmd *out)
{
	shcmd_addl(out, "docker", "container", "start", KAMAL_PROXY_CONTAINER, NULL);
}

void kc_proxy_stop(struct shcmd *out, const char *name)
{
	shcmd_addl(out, "docker", "container", "stop", name ? name : KAMAL_PROXY_CONTAINER, NULL);
}

void kc_proxy_start_or_run(struct shcmd *out, const struct ynode *run,
			   const struct kc_proxy_image *img)
{
	struct shcmd start = SHCMD_INIT, boot = SHCMD_INIT;

	kc_proxy_start(&start);
	kc_proxy_run(&boot, run, img);
	shcmd_combine(out, "||", &start, &boot, NULL);
	shcmd_clear(&start);
	shcmd_clear(&boot);
}

void kc_proxy_info(struct shcmd *out)
{
	shcmd_addl(out, "docker", "ps", "--filter", "name=^" KAMAL_PROXY_CONTAINER "$", NULL);
}

void kc_proxy_version(struct shcmd *out)
{
	shcmd_addl(out, "docker", "inspect", KAMAL_PROXY_CONTAINER, "--format",
		   "{{.Config.Image}}", NULL);
	shcmd_add_shell(out, "|");
	shcmd_addl(out, "awk", "-F:", "{print $NF}", NULL);
}

static void grep_words(struct shcmd *out, const struct kc_logs_options *o)
{
	struct strvec words = STRVEC_INIT;

	if (!o->grep)
		return;
	shcmd_add_shell(out, "|");
	shcmd_addl(out, "grep", o->grep, NULL);
	/* the user's extra grep options, as their shell would split them */
	if (o->grep_options && !quote_split(o->grep_options, &words, 0))
		for (size_t i = 0; i < words.nr; i++)
			shcmd_add(out, words.v[i]);
	strvec_clear(&words);
}

void kc_proxy_logs(struct shcmd *out, const struct kc_logs_options *o)
{
	shcmd_addl(out, "docker", "logs", KAMAL_PROXY_CONTAINER, NULL);
	if (o->since)
		shcmd_addl(out, "--since", o->since, NULL);
	if (o->lines)
		shcmd_addl(out, "--tail", o->lines, NULL);
	if (o->timestamps)
		shcmd_add(out, "--timestamps");
	shcmd_add_shell(out, "2>&1");
	grep_words(out, o);
}

void kc_proxy_follow_logs(struct shcmd *out, const struct kamal *k, const char *host,
			  const struct kc_logs_options *o)
{
	struct shcmd logs = SHCMD_INIT;

	shcmd_addl(&logs, "docker", "logs", KAMAL_PROXY_CONTAINER, NULL);
	if (o->timestamps)
		shcmd_add(&logs, "--timestamps");
	shcmd_addl(&logs, "--tail", "10", "--follow", NULL);
	shcmd_add_shell(&logs, "2>&1");
	grep_words(&logs, o);
	kc_run_over_ssh(out, k, host, &logs);
	shcmd_clear(&logs);
}

void kc_proxy_remove_container(struct shcmd *out)
{
	shcmd_addl(out, "docker", "container", "prune", "--force", "--filter", PROXY_LABEL, NULL);
}

void kc_proxy_remove_image(struct shcmd *out)
{
	shcmd_addl(out, "docker", "image", "prune", "--all", "--force", "--filter", PROXY_LABEL,
		   NULL);
}

void kc_proxy_cleanup_traefik(struct shcmd *out)
{
	struct shcmd stop = SHCMD_INIT, containers = SHCMD_INIT, images = SHCMD_INIT,
		     prune = SHCMD_INIT;
	const char *label = "label=org.opencontainers.image.title=Traefik";

	shcmd_addl(&stop, "docker", "container", "stop", "traefik", NULL);
	shcmd_addl(&containers, "docker", "container", "prune", "--force", "--filter", label, NULL);
	shcmd_addl(&images, "docker", "image", "prune", "--all", "--force", "--filter", label, NULL);
	shcmd_combine(&prune, "&&", &containers, &images, NULL);
	shcmd_combine(out, ";", &stop, &prune, NULL);
	shcmd_clear(&stop);
	shcmd_clear(&containers);
	shcmd_clear(&images);
	shcmd_clear(&prune);
}

void kc_proxy_ensure_proxy_directory(struct shcmd *out)
{
	kc_make_directory(out, KAMAL_PROXY_DIRECTORY);
}

void kc_proxy_remove_proxy_directory(struct shcmd *out)
{
	kc_remove_directory(out, KAMAL_PROXY_DIRECTORY);
}

void kc_proxy_ensure_apps_config_directory(struct shcmd *out)
{
	kc_make_directory(out, KAMAL_PROXY_APPS_DIRECTORY);
}

/* cat FILE 2> /dev/null || echo "DEFAULT" */
static void read_file(struct shcmd *out, const char *file, const char *fallback)
{
	struct strbuf word = STRBUF_INIT;

	kc_double_quote(&word, fallback);
	shcmd_addl(out, "cat", file, NULL);
	shcmd_add_shell(out, "2>");
	shcmd_add(out, "/dev/null");
	shcmd_add_shell(out, "||");
	shcmd_add(out, "echo");
	shcmd_add_shell(out, word.buf);
	strbuf_release(&word);
}

void kc_proxy_default_boot_options(struct strbuf *out)
{
	struct strvec words = STRVEC_INIT;
	char *joined;

	publish_args(&words, NULL, "80", "443");
	strvec_pushl(&words, "--log-opt", "max-size=10m", NULL);
	joined = strvec_join(&words, " ");
	strbuf_addstr(out, joined);
	free(joined);
	strvec_clear(&words);
}

void kc_proxy_read_boot_options(struct shcmd *out)
{
	struct strbuf fallback = STRBUF_INIT;

	kc_proxy_default_boot_options(&fallback);
	read_file(out, KAMAL_PROXY_OPTIONS_FILE, fallback.buf);
	strbuf_release(&fallback);
}

void kc_proxy_read_image(struct shcmd *out, const struct kc_proxy_image *img)
{
	read_file(out, KAMAL_PROXY_IMAGE_FILE, kc_proxy_image_or_kamal(img)->repository);
}

void kc_proxy_read_image_version(struct shcmd *out, const struct kc_proxy_image *img)
{
	read_file(out, KAMAL_PROXY_IMAGE_VERSION_FILE, kc_proxy_image_or_kamal(img)->version);
}

void kc_proxy_read_run_command(struct shcmd *out)
{
	read_file(out, KAMAL_PROXY_RUN_COMMAND_FILE, "");
}

/* "$(a)", and "<sep>$(b)" glued on when b is given, as one shell word. */
static void add_substitutions(struct shcmd *out, const struct shcmd *a, const struct shcmd *b,
			      const char *sep)
{
	struct strbuf word = STRBUF_INIT;

	strbuf_addstr(&word, "$(");
	shcmd_to_shell(a, &word, 0);
	strbuf_addch(&word, ')');
	if (b) {
		strbuf_addf(&word, "%s$(", sep);
		shcmd_to_shell(b, &word, 0);
		strbuf_addch(&word, ')');
	}
	shcmd_add_shell(out, word.buf);
	strbuf_release(&word);
}

void kc_proxy_boot_config(struct shcmd *out, const struct kc_proxy_image *img)
{
	struct shcmd options = SHCMD_INIT, image = SHCMD_INIT, version = SHCMD_INIT,
		     run = SHCMD_INIT;

	kc_proxy_read_boot_options(&options);
	kc_proxy_read_image(&image, img);
	kc_proxy_read_image_version(&version, img);
	kc_proxy_read_run_command(&run);
	shcmd_add(out, "echo");
	add_substitutions(out, &options, NULL, NULL);
	add_substitutions(out, &image, &version, ":");
	add_substitutions(out, &run, NULL, NULL);
	shcmd_clear(&options);
	shcmd_clear(&image);
	shcmd_clear(&version);
	shcmd_clear(&run);
}

void kc_proxy_reset_boot_options(struct shcmd *out)
{
	kc_remove_file(out, KAMAL_PROXY_OPTIONS_FILE);
}

void kc_proxy_reset_image(struct shcmd *out)
{
	kc_remove_file(out, KAMAL_PROXY_IMAGE_FILE);
}

void kc_proxy_reset_image_version(struct shcmd *out)
{
	kc_remove_file(out, KAMAL_PROXY_IMAGE_VERSION_FILE);
}

void kc_proxy_reset_run_command(struct shcmd *out)
{
	kc_remove_file(out, KAMAL_PROXY_RUN_COMMAND_FILE);
}

static int valid_ip(const char *ip)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, ip, buf) == 1 || inet_pton(AF_INET6, ip, buf) == 1;
}

static char *boot_options(const struct kc_proxy_boot_settings *s)
{
	struct strvec words = STRVEC_INIT;
	char *joined;

	if (s->publish)
		publish_args(&words, s->host_ips, s->http_port ? s->http_port : "80",
			     s->https_port ? s->https_port : "443");
	if (s->log_max_size && *s->log_max_size) {
		strvec_push(&words, "--log-opt");
		strvec_pushf(&words, "max-size=%s", s->log_max_size);
	}
	if (s->metrics_port)
		strvec_pushf(&words, "--expose=%s", s->metrics_port);
	for (size_t i = 0; s->docker_options && i < s->docker_options->nr; i++)
		strvec_pushf(&words, "--%s", s->docker_options->v[i]);
	joined = strvec_join(&words, " ");
	strvec_clear(&words);
	return joined;
}

static char *run_command_text(const struct kc_proxy_boot_settings *s)
{
	struct strbuf sb = STRBUF_INIT;

	if (!s->debug && !s->metrics_port)
		return NULL;
	strbuf_addstr(&sb, "kamal-proxy run");
	if (s->debug)
		strbuf_addstr(&sb, " --debug");
	if (s->metrics_port) {
		strbuf_addstr(&sb, " --metrics-port ");
		quote_kamal_value(&sb, s->metrics_port);
	}
	return strbuf_detach(&sb, NULL);
}

int kc_proxy_boot_config_files(const struct kc_proxy_boot_settings *s,
			       struct kc_proxy_boot_files *f, struct strbuf *err)
{
	struct strbuf def = STRBUF_INIT, image = STRBUF_INIT;

	memset(f, 0, sizeof(*f));
	for (size_t i = 0; s->host_ips && i < s->host_ips->nr; i++)
		if (!valid_ip(s->host_ips->v[i])) {
			strbuf_addf(err, "invalid publish IP address: '%s'", s->host_ips->v[i]);
			return -1;
		}
	f->options = boot_options(s);
	kc_proxy_default_boot_options(&def);
	if (!strcmp(f->options, def.buf)) {
		free(f->options);
		f->options = NULL;
	}
	if (s->registry && *s->registry)
		strbuf_addf(&image, "%s/", s->registry);
	strbuf_addf(&image, "%s/kamal-proxy",
		    s->repository && *s->repository ? s->repository : "basecamp");
	if (strcmp(image.buf, KAMAL_PROXY_IMAGE_DEFAULT))
		f->image = strbuf_detach(&image, NULL);
	f->image_version = s->image_version ? xstrdup(s->image_version) : NULL;
	f->run_command = run_command_text(s);
	strbuf_release(&def);
	strbuf_release(&image);
	return 0;
}

void kc_proxy_boot_files_release(struct kc_proxy_boot_files *f)
{
	free(f->options);
	free(f->image);
	free(f->image_version);
	free(f->run_command);
	memset(f, 0, sizeof(*f));
}
