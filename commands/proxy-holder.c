/* proxy-holder.c - the proxy in berth's port holder (see proxy-holder.h). */
#include "commands/proxy-holder.h"
#include "commands/utils.h"
#include "quote.h"

#define PROXY_CONFIG_VOLUME "kamal-proxy-config:/home/kamal-proxy/.config/kamal-proxy"
#define BOOT_FILE_MARK "--berth-boot-file--"

void kc_proxy_split_init(struct kc_proxy_split *s)
{
	shcmd_init(&s->holder);
	shcmd_init(&s->proxy);
	shcmd_init(&s->command);
	s->image = NULL;
}

void kc_proxy_split_release(struct kc_proxy_split *s)
{
	shcmd_clear(&s->holder);
	shcmd_clear(&s->proxy);
	shcmd_clear(&s->command);
	free(s->image);
	s->image = NULL;
}

/* Every proxy of a holder takes its listening sockets from it. */
static void from_holder(struct kc_proxy_split *s)
{
	shcmd_add(&s->command, "--holder");
}

void kc_proxy_split_from_run(struct kc_proxy_split *s, const struct ynode *run,
			     const struct kc_proxy_image *img)
{
	const char *log_max_size = kc_proxy_run_str(run, "log_max_size", "10m");
	const char *metrics = kc_proxy_run_str(run, "metrics_port", NULL);
	const char *registry = kc_proxy_run_str(run, "registry", NULL);
	const struct kc_proxy_image *def = kc_proxy_image_or_kamal(img);
	struct strbuf image = STRBUF_INIT;

	kc_proxy_run_publish(&s->holder, run);
	if (metrics && *metrics)
		shcmd_addf(&s->holder, "--expose=%s", metrics);
	if (log_max_size && *log_max_size) {
		shcmd_add(&s->proxy, "--log-opt");
		shcmd_addf(&s->proxy, "max-size=%s", log_max_size);
	}
	kc_optionize_ynode(&s->proxy, ynode_get(run, "options"), NULL);
	strbuf_addf(&image, "%s%s%s:%s", registry ? registry : "", registry ? "/" : "",
		    kc_proxy_run_str(run, "repository", def->repository),
		    kc_proxy_run_str(run, "version", def->version));
	s->image = strbuf_detach(&image, NULL);
	kc_proxy_run_command(&s->command, run);
	from_holder(s);
}

/* Docker options that belong to the network namespace, and so to the holder. */
static int network_option(const char *w, int *takes_value)
{
	static const char *const with_value[] = { "--publish", "-p", "--expose" };
	*takes_value = 0;
	for (size_t i = 0; i < ARRAY_SIZE(with_value); i++) {
		size_t n = strlen(with_value[i]);
		if (!strcmp(w, with_value[i])) {
			*takes_value = 1;
			return 1;
		}
		if (!strncmp(w, with_value[i], n) && w[n] == '=')
			return 1;
	}
	return !strcmp(w, "--publish-all") || !strcmp(w, "-P");
}

static void split_options(struct kc_proxy_split *s, const struct strvec *words)
{
	for (size_t i = 0; i < words->nr; i++) {
		int takes_value;
		struct shcmd *to = network_option(words->v[i], &takes_value) ? &s->holder : &s->proxy;
		shcmd_add(to, words->v[i]);
		if (takes_value && i + 1 < words->nr)
			shcmd_add(to, words->v[++i]);
	}
}

int kc_proxy_split_from_files(struct kc_proxy_split *s, const char *options, const char *image,
			      const char *version, const char *run_command,
			      const struct kc_proxy_image *img)
{
	const struct kc_proxy_image *def = kc_proxy_image_or_kamal(img);
	struct strvec words = STRVEC_INIT;
	struct strbuf fallback = STRBUF_INIT, im = STRBUF_INIT;
	int r = 0;

	kc_proxy_default_boot_options(&fallback);
	if (quote_split(options ? options : fallback.buf, &words, 0) < 0)
		r = -1;
	split_options(s, &words);
	strvec_clear(&words);
	strbuf_addf(&im, "%s:%s", image && *image ? image : def->repository,
		    version && *version ? version : def->version);
	s->image = strbuf_detach(&im, NULL);
	if (run_command && *run_command) {
		if (quote_split(run_command, &words, 0) < 0)
			r = -1;
		for (size_t i = 0; i < words.nr; i++)
			shcmd_add(&s->command, words.v[i]);
		strvec_clear(&words);
	} else {
		shcmd_addl(&s->command, "kamal-proxy", "run", NULL);
	}
	from_holder(s);
	strbuf_release(&fallback);
	return r;
}

void kc_proxy_read_boot_files(struct shcmd *out)
{
	static const char *const files[] = { KAMAL_PROXY_OPTIONS_FILE, KAMAL_PROXY_IMAGE_FILE,
					     KAMAL_PROXY_IMAGE_VERSION_FILE,
					     KAMAL_PROXY_RUN_COMMAND_FILE };
	shcmd_add_shell(out, "for");
	shcmd_add(out, "f");
	shcmd_add_shell(out, "in");
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		shcmd_add(out, files[i]);
	shcmd_add_shelll(out, ";", "do", "echo", NULL);
	shcmd_add(out, BOOT_FILE_MARK);
	shcmd_add_shelll(out, ";", "cat", "\"$f\"", "2>", "/dev/null", "||", "echo", NULL);
	shcmd_add(out, BOOT_FILE_MARK "absent");
	shcmd_add_shelll(out, ";", "done", NULL);
}

void kc_proxy_boot_files_parse(const char *output, char *files[4])
{
	const char *p = output;

	for (int i = 0; i < 4; i++) {
		const char *start, *end;
		files[i] = NULL;
		if (!p || !(p = strstr(p, BOOT_FILE_MARK "\n")))
			continue;
		start = p + strlen(BOOT_FILE_MARK "\n");
		end = strstr(start, BOOT_FILE_MARK "\n");
		if (!end)
			end = start + strlen(start);
		p = end;
		if (!strncmp(start, BOOT_FILE_MARK "absent", strlen(BOOT_FILE_MARK "absent")))
			continue;
		files[i] = xstrndup(start, (size_t)(end - start));
		/* the file's own last newline, then ours */
		for (size_t n = strlen(files[i]); n && files[i][n - 1] == '\n'; n--)
			files[i][n - 1] = '\0';
	}
}

/*
 * The holder binds the ports the proxy would, so it takes the proxy's
 * run flags: the words after "kamal-proxy run", but --holder.
 */
static void hold_command(struct shcmd *out, const struct kc_proxy_split *s)
{
	const struct shcmd *c = &s->command;
	size_t i = 0;

	shcmd_addl(out, "kamal-proxy", "hold", NULL);
	if (c->nr >= 2 && !strcmp(c->w[0].text, "kamal-proxy") && !strcmp(c->w[1].text, "run"))
		i = 2;
	else
		i = c->nr; /* another program: Kamal's default ports */
	for (; i < c->nr; i++) {
		if (!strcmp(c->w[i].text, "--holder"))
			continue;
		if (c->w[i].kind == SHCMD_SHELL)
			shcmd_add_shell(out, c->w[i].text);
		else
			shcmd_add(out, c->w[i].text);
	}
}

static void holder_run(struct shcmd *out, const struct kc_proxy_split *s)
{
	shcmd_addl(out, "docker", "run", "--name", BERTH_PROXY_HOLDER, "--network", "kamal",
		   "--detach", "--restart", "unless-stopped", "--volume", PROXY_CONFIG_VOLUME, NULL);
	shcmd_append(out, &s->holder);
	shcmd_add(out, s->image);
	hold_command(out, s);
}

void kc_proxy_holder_start_or_run(struct shcmd *out, const struct kc_proxy_split *s)
{
	struct shcmd start = SHCMD_INIT, run = SHCMD_INIT;

	shcmd_addl(&start, "docker", "container", "start", BERTH_PROXY_HOLDER, NULL);
	holder_run(&run, s);
	shcmd_combine(out, "||", &start, &run, NULL);
	shcmd_clear(&start);
	shcmd_clear(&run);
}

void kc_proxy_run_in_holder(struct shcmd *out, const struct kc_proxy_split *s, const char *name)
{
	shcmd_addl(out, "docker", "run", "--name", name, "--network", "kamal", "--detach",
		   "--restart", "unless-stopped", "--volume", PROXY_CONFIG_VOLUME, "--volume", NULL);
	/* relative host paths are bound from $PWD, expanded by the host's shell */
	shcmd_add_shell(out, "$PWD/" KAMAL_PROXY_APPS_DIRECTORY ":" KAMAL_PROXY_APPS_CONTAINER_DIRECTORY);
	shcmd_append(out, &s->proxy);
	shcmd_add(out, s->image);
	shcmd_append(out, &s->command);
}

void kc_proxy_start_or_run_in_holder(struct shcmd *out, const struct kc_proxy_split *s)
{
	struct shcmd start = SHCMD_INIT, run = SHCMD_INIT;

	kc_proxy_start(&start);
	kc_proxy_run_in_holder(&run, s, KAMAL_PROXY_CONTAINER);
	shcmd_combine(out, "||", &start, &run, NULL);
	shcmd_clear(&start);
	shcmd_clear(&run);
}

void kc_proxy_network_mode(struct shcmd *out, const char *name)
{
	shcmd_addl(out, "docker", "inspect", name, "--format", "{{.HostConfig.NetworkMode}}", NULL);
}

void kc_proxy_answers(struct shcmd *out, const char *name)
{
	shcmd_addl(out, "docker", "exec", name, "kamal-proxy", "list", NULL);
}

void kc_proxy_swap_names(struct shcmd *out)
{
	struct shcmd a = SHCMD_INIT, b = SHCMD_INIT;

	shcmd_addl(&a, "docker", "rename", KAMAL_PROXY_CONTAINER, BERTH_PROXY_OLD, NULL);
	shcmd_addl(&b, "docker", "rename", BERTH_PROXY_NEXT, KAMAL_PROXY_CONTAINER, NULL);
	shcmd_combine(out, "&&", &a, &b, NULL);
	shcmd_clear(&a);
	shcmd_clear(&b);
}

void kc_proxy_retire(struct shcmd *out, const char *name, int drain_seconds)
{
	struct shcmd stop = SHCMD_INIT, rm = SHCMD_INIT;

	shcmd_addl(&stop, "docker", "stop", "--time", NULL);
	shcmd_addf(&stop, "%d", drain_seconds);
	shcmd_add(&stop, name);
	shcmd_addl(&rm, "docker", "rm", "--force", name, NULL);
	shcmd_combine(out, ";", &stop, &rm, NULL);
	shcmd_clear(&stop);
	shcmd_clear(&rm);
}

void kc_proxy_discard(struct shcmd *out, const char *name)
{
	shcmd_addl(out, "docker", "rm", "--force", name, NULL);
	shcmd_add_shelll(out, "2>", "/dev/null", "||", "true", NULL);
}

void kc_proxy_container_logs(struct shcmd *out, const char *name, int lines)
{
	shcmd_addl(out, "docker", "logs", "--tail", NULL);
	shcmd_addf(out, "%d", lines);
	shcmd_add(out, name);
	shcmd_add_shell(out, "2>&1");
}

void kc_proxy_holder_remove(struct shcmd *out)
{
	kc_proxy_discard(out, BERTH_PROXY_HOLDER);
}

/* docker container stop|start berth-proxy-net, nothing when there is none */
static void holder_verb(struct shcmd *out, const char *verb)
{
	shcmd_addl(out, "docker", "container", verb, BERTH_PROXY_HOLDER, NULL);
	shcmd_add_shelll(out, "2>", "/dev/null", "||", "true", NULL);
}

void kc_proxy_holder_stop(struct shcmd *out)
{
	holder_verb(out, "stop");
}

void kc_proxy_holder_start(struct shcmd *out)
{
	holder_verb(out, "start");
}
