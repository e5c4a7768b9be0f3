/*
 * cli.c - the command line: `run` starts the daemon, every other command
 * turns its flags into one JSON request on the control socket.
 *
 * Flags follow kamal-proxy's (cobra/pflag) conventions: --name value,
 * --name=value, booleans as --name or --name=false, list flags repeated
 * or comma-separated, durations in Go syntax (30s, 1m30s, 500ms).
 */
#include "proxy.h"
#include "log.h"
#include "cli.h"
#include <signal.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

enum ftype { F_STR, F_BOOL, F_DUR, F_INT, F_LIST };

struct flag {
	const char *name;
	enum ftype type;
	const char *key; /* JSON key; durations get "_ms" appended */
	const char *def;
	const char *help;
};

static const struct flag deploy_flags[] = {
	{ "target", F_LIST, "targets", NULL, "Target host(s) to deploy" },
	{ "read-target", F_LIST, "read_targets", NULL, "Read-only target host(s) to deploy" },
	{ "host", F_LIST, "hosts", NULL, "Host(s) to serve this target on (empty for wildcard)" },
	{ "path-prefix", F_LIST, "path_prefixes", NULL, "Deploy the service below the specified path(s)" },
	{ "strip-path-prefix", F_BOOL, "strip_path_prefix", "true", "With --path-prefix, strip prefix from request before forwarding" },
	{ "tls", F_BOOL, "tls", "false", "Configure TLS for this target (requires a non-empty host)" },
	{ "tls-on-demand-url", F_STR, "tls_on_demand_url", "", "URL asked whether a host may get a certificate" },
	{ "tls-staging", F_BOOL, "tls_staging", "false", "Use Let's Encrypt staging environment" },
	{ "tls-certificate-path", F_STR, "tls_certificate_path", "", "Custom TLS certificate path (PEM format)" },
	{ "tls-private-key-path", F_STR, "tls_private_key_path", "", "Custom TLS private key path (PEM format)" },
	{ "tls-acme-cache-path", F_STR, "tls_acme_cache_path", "", "Location to store ACME assets" },
	{ "tls-redirect", F_BOOL, "tls_redirect", "true", "Redirect HTTP traffic to HTTPS" },
	{ "canonical-host", F_STR, "canonical_host", "", "Redirect all requests to this host" },
	{ "deploy-timeout", F_DUR, "deploy_timeout", "30s", "Maximum time to wait for the new target to become healthy" },
	{ "drain-timeout", F_DUR, "drain_timeout", "30s", "Maximum time to allow existing connections to drain" },
	{ "force", F_BOOL, "force", "false", "Skip health checks and force deployment" },
	{ "health-check-interval", F_DUR, "health_check_interval", "1s", "Interval between health checks" },
	{ "health-check-timeout", F_DUR, "health_check_timeout", "5s", "Time each health check must complete in" },
	{ "health-check-path", F_STR, "health_check_path", "/up", "Path to check for health" },
	{ "health-check-port", F_INT, "health_check_port", "0", "Port to check for health (default matches target port)" },
	{ "health-check-host", F_STR, "health_check_host", "", "Host header to send with health check requests" },
	{ "writer-affinity-timeout", F_DUR, "writer_affinity_timeout", "1s", "Time after a write before reads go to readers" },
	{ "read-target-websockets", F_BOOL, "read_target_websockets", "false", "Route WebSocket traffic to read targets" },
	{ "target-timeout", F_DUR, "target_timeout", "30s", "Maximum time to wait for the target to respond" },
	{ "buffer-requests", F_BOOL, "buffer_requests", "false", "Buffer requests before forwarding to target" },
	{ "buffer-responses", F_BOOL, "buffer_responses", "false", "Buffer responses before forwarding to client" },
	{ "buffer-memory", F_INT, "buffer_memory", "1048576", "Max size of memory buffer" },
	{ "max-request-body", F_INT, "max_request_body", "0", "Max size of request body when buffering (0: unlimited)" },
	{ "max-response-body", F_INT, "max_response_body", "0", "Max size of response body when buffering (0: unlimited)" },
	{ "error-pages", F_STR, "error_pages", "", "Path to custom error pages" },
	{ "log-request-header", F_LIST, "log_request_headers", NULL, "Additional request header to log" },
	{ "log-response-header", F_LIST, "log_response_headers", NULL, "Additional response header to log" },
	{ "exclude-metrics-path", F_LIST, "exclude_metrics_paths", NULL, "Request path(s) to exclude from metrics" },
	{ "forward-headers", F_BOOL, "forward_headers", "false", "Forward X-Forwarded headers to target (default false if TLS enabled; otherwise true)" },
	{ "client-ip-header", F_STR, "client_ip_header", "", "Request header holding the original client IP" },
	{ "scope-cookie-paths", F_BOOL, "scope_cookie_paths", "false", "Scope cookie paths to match path prefix" },
	{ NULL }
};

static const struct flag pause_flags[] = {
	{ "drain-timeout", F_DUR, "drain_timeout", "30s", "How long to allow in-flight requests to complete" },
	{ "max-pause", F_DUR, "max_pause", "30s", "How long to enqueue requests before shedding load" },
	{ NULL }
};

static const struct flag stop_flags[] = {
	{ "drain-timeout", F_DUR, "drain_timeout", "30s", "How long to allow in-flight requests to complete" },
	{ "message", F_STR, "message", "", "Message to display to clients while stopped" },
	{ NULL }
};

static const struct flag rollout_deploy_flags[] = {
	{ "target", F_LIST, "targets", NULL, "Target host(s) to deploy" },
	{ "read-target", F_LIST, "read_targets", NULL, "Read-only target host(s)" },
	{ "deploy-timeout", F_DUR, "deploy_timeout", "30s", "Maximum time to wait for the new target to become healthy" },
	{ "drain-timeout", F_DUR, "drain_timeout", "30s", "Maximum time to allow existing connections to drain" },
	{ "health-check-path", F_STR, "health_check_path", "/up", "Path to check for health" },
	{ "health-check-interval", F_DUR, "health_check_interval", "1s", "Interval between health checks" },
	{ "health-check-timeout", F_DUR, "health_check_timeout", "5s", "Time each health check must complete in" },
	{ NULL }
};

static const struct flag rollout_set_flags[] = {
	{ "percent", F_INT, "percent", "0", "Percentage of traffic to send to the new target" },
	{ "list", F_LIST, "list", NULL, "Rollout to specific values" },
	{ "allowlist", F_LIST, "list", NULL, "Same as --list" },
	{ NULL }
};

static const struct flag no_flags[] = { { NULL } };

int64_t parse_duration_ms(const char *s)
{
	double total = 0;
	if (!strcmp(s, "0"))
		return 0;
	if (!*s)
		return -1;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		if (end == s || v < 0)
			return -1;
		s = end;
		if (skip_prefix(s, "ms", &s))
			total += v;
		else if (skip_prefix(s, "us", &s) || skip_prefix(s, "µs", &s))
			total += v / 1000;
		else if (skip_prefix(s, "ns", &s))
			total += v / 1e6;
		else if (skip_prefix(s, "s", &s))
			total += v * 1000;
		else if (skip_prefix(s, "m", &s))
			total += v * 60000;
		else if (skip_prefix(s, "h", &s))
			total += v * 3600000;
		else
			return -1;
	}
	return (int64_t)total;
}

static void set_value(cJSON *args, const struct flag *f, const char *v)
{
	char key[128];
	switch (f->type) {
	case F_STR:
		cJSON_DeleteItemFromObject(args, f->key);
		cJSON_AddStringToObject(args, f->key, v);
		break;
	case F_BOOL: {
		int b = !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "t") || !strcmp(v, "TRUE");
		if (!b && strcmp(v, "false") && strcmp(v, "0") && strcmp(v, "f") && strcmp(v, "FALSE"))
			die("invalid argument \"%s\" for \"--%s\" flag", v, f->name);
		cJSON_DeleteItemFromObject(args, f->key);
		cJSON_AddBoolToObject(args, f->key, b);
		break;
	}
	case F_DUR: {
		int64_t ms = parse_duration_ms(v);
		if (ms < 0)
			die("invalid argument \"%s\" for \"--%s\" flag: time: invalid duration \"%s\"",
			    v, f->name, v);
		snprintf(key, sizeof(key), "%s_ms", f->key);
		cJSON_DeleteItemFromObject(args, key);
		cJSON_AddNumberToObject(args, key, (double)ms);
		break;
	}
	case F_INT: {
		char *end;
		long long n = strtoll(v, &end, 10);
		if (!*v || *end)
			die("invalid argument \"%s\" for \"--%s\" flag", v, f->name);
		cJSON_DeleteItemFromObject(args, f->key);
		cJSON_AddNumberToObject(args, f->key, (double)n);
		break;
	}
	case F_LIST: {
		cJSON *a = cJSON_GetObjectItem(args, f->key);
		if (!a)
			a = cJSON_AddArrayToObject(args, f->key);
		char *copy = xstrdup(v), *save = NULL;
		for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			cJSON_AddItemToArray(a, cJSON_CreateString(tok));
		free(copy);
		break;
	}
	}
}

static const struct flag *flag_named(const struct flag *flags, const char *name)
{
	while (strcmp(flags->name, name))
		flags++;
	return flags;
}

static void usage_flags(const struct flag *flags)
{
	for (const struct flag *f = flags; f->name; f++) {
		const char *t = f->type == F_DUR ? " duration" : f->type == F_INT ? " int" :
				f->type == F_BOOL ? "" : f->type == F_LIST ? " strings" : " string";
		printf("      --%s%s\t%s", f->name, t, f->help);
		if (f->def && *f->def && strcmp(f->def, "false") && strcmp(f->def, "0"))
			printf(" (default %s)", f->def);
		printf("\n");
	}
}

/*
 * Parses argv (after the command words) into args; positional words go to
 * pos. Also accepts the global --state-dir.
 */
static void parse_flags(int argc, const char **argv, const struct flag *flags,
			cJSON *args, struct strvec *pos, struct strvec *seen)
{
	for (const struct flag *f = flags; f->name; f++)
		if (f->def && f->type != F_LIST)
			set_value(args, f, f->def);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *name;
		if (!skip_prefix(a, "--", &name) || !*name) {
			if (!strcmp(a, "--")) {
				for (i++; i < argc; i++)
					strvec_push(pos, argv[i]);
				break;
			}
			strvec_push(pos, a);
			continue;
		}
		const char *eq = strchr(name, '=');
		size_t nl = eq ? (size_t)(eq - name) : strlen(name);
		if (nl == 9 && !strncmp(name, "state-dir", 9)) {
			const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v)
				die("flag needs an argument: --state-dir");
			cfg.state_dir = v;
			continue;
		}
		const struct flag *f;
		for (f = flags; f->name; f++)
			if (strlen(f->name) == nl && !strncmp(f->name, name, nl))
				break;
		if (!f->name)
			die("unknown flag: --%.*s", (int)nl, name);
		const char *v;
		if (eq)
			v = eq + 1;
		else if (f->type == F_BOOL)
			v = "true";
		else if (i + 1 < argc)
			v = argv[++i];
		else
			die("flag needs an argument: --%s", f->name);
		set_value(args, f, v);
		if (seen)
			strvec_push(seen, f->name);
	}
}

static void resolve_paths(void)
{
	static struct strbuf sock = STRBUF_INIT, state = STRBUF_INIT, dir = STRBUF_INIT;
	if (!cfg.state_dir)
		cfg.state_dir = getenv("BERTH_PROXY_STATE_DIR");
	if (!cfg.state_dir || !*cfg.state_dir) {
		const char *home = getenv("HOME");
		strbuf_addf(&dir, "%s/.config/kamal-proxy", home && *home ? home : "/tmp");
		cfg.state_dir = dir.buf;
	}
	strbuf_reset(&sock);
	strbuf_reset(&state);
	const char *env = getenv("KAMAL_PROXY_SOCKET");
	if (env && *env)
		strbuf_addstr(&sock, env);
	else
		strbuf_addf(&sock, "%s/kamal-proxy.sock", cfg.state_dir);
	strbuf_addf(&state, "%s/kamal-proxy.state", cfg.state_dir);
	cfg.socket_path = sock.buf;
	cfg.state_path = state.buf;
}

/* Sends req, waits for the answer; prints errors; returns the reply. */
static cJSON *call(cJSON *req)
{
	resolve_paths();
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(cfg.socket_path) >= sizeof(sun.sun_path))
		die("control socket path '%s' is too long", cfg.socket_path);
	strcpy(sun.sun_path, cfg.socket_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		die_errno("cannot connect to the proxy at '%s' (is `%s run` running?)",
			  cfg.socket_path, log_program());
	char *text = cJSON_PrintUnformatted(req);
	size_t len = strlen(text);
	text[len] = '\n';
	if (write(fd, text, len + 1) != (ssize_t)len + 1)
		die_errno("cannot send the command");
	free(text);
	struct strbuf out = STRBUF_INIT;
	if (strbuf_read_fd(&out, fd) < 0)
		die_errno("cannot read the reply");
	close(fd);
	cJSON *r = cJSON_Parse(out.buf);
	strbuf_release(&out);
	if (!r)
		die("the proxy closed the connection without a reply");
	const char *err = cJSON_GetStringValue(cJSON_GetObjectItem(r, "error"));
	if (err) {
		fprintf(stderr, "Error: %s\n", err);
		exit(1);
	}
	return r;
}

static void print_list(cJSON *r, int json)
{
	cJSON *arr = cJSON_GetObjectItem(r, "services"), *o;
	if (json) {
		char *t = cJSON_PrintUnformatted(arr);
		printf("%s\n", t);
		free(t);
		return;
	}
	static const char *cols[] = { "service", "host", "path", "target", "state", "tls" };
	static const char *heads[] = { "Service", "Host", "Path", "Target", "State", "TLS" };
	size_t w[6];
	for (int i = 0; i < 6; i++)
		w[i] = strlen(heads[i]);
	cJSON_ArrayForEach(o, arr) {
		for (int i = 0; i < 5; i++) {
			const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, cols[i]));
			if (v && strlen(v) > w[i])
				w[i] = strlen(v);
		}
	}
	for (int i = 0; i < 6; i++)
		printf("%-*s%s", (int)w[i], heads[i], i < 5 ? "  " : "\n");
	cJSON_ArrayForEach(o, arr) {
		for (int i = 0; i < 6; i++) {
			const char *v = i < 5 ? cJSON_GetStringValue(cJSON_GetObjectItem(o, cols[i]))
					      : cJSON_IsTrue(cJSON_GetObjectItem(o, "tls")) ? "yes" : "no";
			printf("%-*s%s", (int)w[i], v ? v : "", i < 5 ? "  " : "\n");
		}
	}
}

static void usage(FILE *fp)
{
	const char *p = log_program();
	fprintf(fp, "HTTP proxy for zero downtime deployments\n\nUsage:\n  %s [command]\n\n"
		"Available Commands:\n"
		"  deploy      Deploy a target host\n"
		"  help        Help about any command\n"
		"  list        List the services currently running\n"
		"  pause       Pause a service\n"
		"  remove      Remove the service\n"
		"  resume      Resume a service\n"
		"  rollout     Set up and manage rollout deployments\n"
		"  run         Run the server\n"
		"  stop        Stop a service\n"
		"  version     Show the version\n\n"
		"Flags:\n  -h, --help   help for %s\n\n"
		"Use \"%s [command] --help\" for more information about a command.\n", p, p, p);
}

struct cmd {
	const char *name, *use, *help;
	const struct flag *flags;
	int nargs; /* positional args required */
	const char *op;
};

static const struct cmd cmds[] = {
	{ "deploy", "deploy <service>", "Deploy a target host", deploy_flags, 1, "deploy" },
	{ "remove", "remove <service>", "Remove the service", no_flags, 1, "remove" },
	{ "stop", "stop <service>", "Stop a service", stop_flags, 1, "stop" },
	{ "pause", "pause <service>", "Pause a service", pause_flags, 1, "pause" },
	{ "resume", "resume <service>", "Resume a service", no_flags, 1, "resume" },
	{ "rollout deploy", "rollout deploy <service>", "Deploy the rollout target", rollout_deploy_flags, 1, "rollout-deploy" },
	{ "rollout set", "rollout set <service>", "Set traffic split for the rollout", rollout_set_flags, 1, "rollout-set" },
	{ "rollout stop", "rollout stop <service>", "Stop the rollout", no_flags, 1, "rollout-stop" },
};

static int run_cmd(const struct cmd *c, int argc, const char **argv)
{
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("%s\n\nUsage:\n  %s %s [flags]\n\nFlags:\n", c->help,
			       log_program(), c->use);
			usage_flags(c->flags);
			return 0;
		}
	cJSON *req = cJSON_CreateObject();
	struct strvec pos = STRVEC_INIT, seen = STRVEC_INIT;
	parse_flags(argc, argv, c->flags, req, &pos, &seen);
	if ((int)pos.nr != c->nargs)
		die("accepts %d arg(s), received %d", c->nargs, (int)pos.nr);
	if (!strcmp(c->op, "deploy")) {
		if (strvec_find(&seen, "target") < 0)
			die("required flag(s) \"target\" not set");
		if (strvec_find(&seen, "max-request-body") >= 0 &&
		    strvec_find(&seen, "buffer-requests") < 0)
			die("max-request-body can only be set when request buffering is enabled");
		if (strvec_find(&seen, "max-response-body") >= 0 &&
		    strvec_find(&seen, "buffer-responses") < 0)
			die("max-response-body can only be set when response buffering is enabled");
		if ((strvec_find(&seen, "tls-certificate-path") < 0) !=
		    (strvec_find(&seen, "tls-private-key-path") < 0))
			die("if any flags in the group [tls-certificate-path tls-private-key-path] are set they must all be set");
		/* As kamal-proxy: without TLS of our own, something in front
		 * terminates it and says who the client was. */
		if (strvec_find(&seen, "forward-headers") < 0)
			set_value(req, flag_named(c->flags, "forward-headers"),
				  cJSON_IsTrue(cJSON_GetObjectItem(req, "tls")) ? "false" : "true");
	}
	if (!strcmp(c->op, "rollout-set") && strvec_find(&seen, "percent") < 0 &&
	    strvec_find(&seen, "list") < 0 && strvec_find(&seen, "allowlist") < 0)
		die("at least one of the flags in the group [percent list] is required");
	cJSON_AddStringToObject(req, "cmd", c->op);
	cJSON_AddStringToObject(req, "service", pos.v[0]);
	cJSON_Delete(call(req));
	cJSON_Delete(req);
	strvec_clear(&pos);
	strvec_clear(&seen);
	return 0;
}

static int hold_main(int argc, const char **argv);

int cli_main(int argc, const char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "--help")) {
		usage(stdout);
		return argc < 2 ? 0 : 0;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "run"))
		return run_main(argc - 2, argv + 2);
	if (!strcmp(cmd, "hold"))
		return hold_main(argc - 2, argv + 2);
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("%s\n", BERTH_PROXY_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "list") || !strcmp(cmd, "ls")) {
		cJSON *req = cJSON_CreateObject();
		int json = 0;
		for (int i = 2; i < argc; i++) {
			if (!strcmp(argv[i], "--json"))
				json = 1;
			else if (!strcmp(argv[i], "--state-dir") && i + 1 < argc)
				cfg.state_dir = argv[++i];
			else if (skip_prefix(argv[i], "--state-dir=", &cfg.state_dir))
				;
			else
				die("unknown flag: %s", argv[i]);
		}
		cJSON_AddStringToObject(req, "cmd", "list");
		cJSON *r = call(req);
		print_list(r, json);
		cJSON_Delete(r);
		cJSON_Delete(req);
		return 0;
	}
	char two[64];
	snprintf(two, sizeof(two), "%s %s", cmd, argc > 2 ? argv[2] : "");
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (!strcmp(cmds[i].name, cmd))
			return run_cmd(&cmds[i], argc - 2, argv + 2);
		if (!strcmp(cmds[i].name, two))
			return run_cmd(&cmds[i], argc - 3, argv + 3);
	}
	if (!strcmp(cmd, "rollout")) {
		printf("Usage:\n  %s rollout [command]\n\nAvailable Commands:\n"
		       "  deploy      Deploy the rollout target\n"
		       "  set         Set traffic split for the rollout\n"
		       "  stop        Stop the rollout\n", log_program());
		return argc > 2 ? 1 : 0;
	}
	fprintf(stderr, "Error: unknown command \"%s\" for \"%s\"\nRun '%s --help' for usage.\n",
		cmd, log_program(), log_program());
	return 1;
}

static volatile int stop_flag;

static void on_signal(int sig)
{
	stop_flag = 1;
}

/* run's flags into cfg; 1 when --help was answered. */
static int run_flags(int argc, const char **argv)
{
	const char *envp;
	cfg.http_port = (envp = getenv("HTTP_PORT")) ? atoi(envp) : 80;
	cfg.https_port = (envp = getenv("HTTPS_PORT")) ? atoi(envp) : 443;
	cfg.metrics_port = (envp = getenv("METRICS_PORT")) ? atoi(envp) : 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		char name[64];
		if (!skip_prefix(a, "--", &a))
			die("unexpected argument '%s'", argv[i]);
		const char *eq = strchr(a, '=');
		snprintf(name, sizeof(name), "%.*s", (int)(eq ? eq - a : (long)strlen(a)), a);
		if (!strcmp(name, "debug") || !strcmp(name, "http3")) {
			if (!strcmp(name, "debug"))
				cfg.debug = !eq || strcmp(eq + 1, "false");
			continue;
		}
		if (!strcmp(name, "reuse-port")) {
			cfg.reuse_port = !eq || strcmp(eq + 1, "false");
			continue;
		}
		if (!strcmp(name, "holder")) {
			cfg.holder = !eq || strcmp(eq + 1, "false");
			continue;
		}
		if (!strcmp(name, "help") || !strcmp(name, "h")) {
			printf("Run the server\n\nUsage:\n  %s run [flags]\n\nFlags:\n"
			       "      --bind string           Address to bind to (repeatable; default all)\n"
			       "      --debug                 Include debugging logs\n"
			       "      --http-port int         Port to serve HTTP traffic on (default 80)\n"
			       "      --https-port int        Port to serve HTTPS traffic on (default 443)\n"
			       "      --metrics-port int      Publish metrics on the specified port (default zero to disable)\n"
			       "      --state-dir string      Where the state file and control socket live\n"
			       "      --max-connections int   Refuse client connections beyond this many\n"
			       "      --proxy-protocol-from cidr  Accept PROXY protocol v1/v2 headers from these sources (repeatable)\n"
			       "      --header-timeout dur    Time a client has to send a request head (default 30s)\n"
			       "      --idle-timeout dur      Time an idle keep-alive connection is kept (default 60s)\n"
			       "      --reuse-port            Let the proxy that replaces this one listen on its ports beside it (berth)\n"
			       "      --holder                Take the listening sockets from berth's port holder, `%s hold` (berth)\n",
			       log_program(), log_program());
			return 1;
		}
		v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
		if (!v)
			die("flag needs an argument: --%s", name);
		if (!strcmp(name, "http-port"))
			cfg.http_port = atoi(v);
		else if (!strcmp(name, "https-port"))
			cfg.https_port = atoi(v);
		else if (!strcmp(name, "metrics-port"))
			cfg.metrics_port = atoi(v);
		else if (!strcmp(name, "bind"))
			strvec_push(&cfg.binds, v);
		else if (!strcmp(name, "state-dir"))
			cfg.state_dir = v;
		else if (!strcmp(name, "proxy-protocol-from")) {
			if (proxyproto_trust(v) < 0)
				exit(1);
		} else if (!strcmp(name, "max-connections"))
			cfg.max_conns = atoi(v);
		else if (!strcmp(name, "header-timeout") || !strcmp(name, "idle-timeout")) {
			int64_t ms = parse_duration_ms(v);
			if (ms <= 0)
				die("invalid duration '%s' for --%s", v, name);
			if (name[0] == 'h')
				cfg.header_timeout_ms = ms;
			else
				cfg.idle_timeout_ms = ms;
		} else
			die("unknown flag: --%s", name);
	}
	resolve_paths();
	return 0;
}

int run_main(int argc, const char **argv)
{
	if (run_flags(argc, argv))
		return 0;
	return daemon_main(&stop_flag, on_signal);
}

/*
 * `berth-proxy hold [run's flags]`: berth's port holder (handoff.c). It
 * takes run's flags so that it binds the ports the proxy would.
 */
static int hold_main(int argc, const char **argv)
{
	struct strbuf path = STRBUF_INIT;
	struct sigaction sa = { .sa_handler = on_signal };
	int r;

	if (run_flags(argc, argv))
		return 0;
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	mkdir(cfg.state_dir, 0700); /* a volume's mount point is there already */
	strbuf_addf(&path, "%s/%s", cfg.state_dir, HANDOFF_SOCKET_NAME);
	r = handoff_hold(path.buf, &stop_flag);
	strbuf_release(&path);
	return r;
}
