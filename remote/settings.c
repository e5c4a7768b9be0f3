/*
 * settings.c - Kamal's ssh: and sshkit: keys, and the ssh options they
 * become (pure; the contract is in remote.h).
 *
 * Kamal hands these keys to Net::SSH; berth hands them to the OpenSSH
 * client, option by option, so that they mean the same:
 *   user, port      -l, -p (always given, as Kamal always passes them)
 *   proxy           -J (Kamal adds "root@" when the value has no user)
 *   proxy_command   -o ProxyCommand=
 *   keys, keys_only -i each, -o IdentitiesOnly=yes
 *   key_data        keys loaded into an ssh-agent of the run's own
 *   config          -F of the run's own file, which Includes ~/.ssh/config and
 *                   /etc/ssh/ssh_config (true), the listed files, or nothing
 *                   (false), then berth's defaults below them
 *   log_level       -o LogLevel= (Net::SSH's names mapped to OpenSSH's)
 *   forward_agent   -A unless false (sshkit's default is to forward)
 * plus what Net::SSH does by default: accept a new host key, refuse a
 * changed one; keepalive every 30 s; and a connect timeout. Those
 * defaults come after the user's files, so where their config sets one
 * (StrictHostKeyChecking yes, a ConnectTimeout), theirs holds.
 */
#include "remote/remote-int.h"
#include "config/model.h"
#include "log.h"

#include <ctype.h>

void ssh_settings_init(struct ssh_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->user = xstrdup("root");
	s->port = xstrdup("22");
	strvec_init(&s->keys);
	strvec_init(&s->key_data);
	strvec_init(&s->config_files);
	s->use_config = 1;
	s->forward_agent = 1;
	s->max_concurrent_starts = 30;
	s->pool_idle_timeout = 900;
	s->dns_retries = 3;
	s->connect_timeout = 10;
}

void ssh_settings_release(struct ssh_settings *s)
{
	free(s->user);
	free(s->port);
	free(s->proxy);
	free(s->proxy_command);
	free(s->log_level);
	strvec_clear(&s->keys);
	for (size_t i = 0; i < s->key_data.nr; i++)
		explicit_bzero((char *)s->key_data.v[i], strlen(s->key_data.v[i]));
	strvec_clear(&s->key_data);
	strvec_clear(&s->config_files);
	memset(s, 0, sizeof(*s));
}

static const char *scalar(const struct ynode *n)
{
	return ynode_stringish(n) ? ynode_str(n) : NULL;
}

static void set(char **dst, const char *v)
{
	if (!v)
		return;
	free(*dst);
	*dst = xstrdup(v);
}

static void push_list(struct strvec *out, const struct ynode *n)
{
	if (n && n->kind == YNODE_SEQ) {
		for (size_t i = 0; i < n->nr; i++)
			if (scalar(n->items[i]))
				strvec_push(out, scalar(n->items[i]));
	} else if (scalar(n)) {
		strvec_push(out, scalar(n));
	}
}

/* Net::SSH's logger levels, as OpenSSH's LogLevel. */
static const char *openssh_level(const char *lvl)
{
	static const char *map[][2] = {
		{ "debug", "DEBUG" }, { "info", "INFO" }, { "warn", "ERROR" },
		{ "error", "ERROR" }, { "fatal", "FATAL" }, { "unknown", "QUIET" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcasecmp(lvl, map[i][0]))
			return map[i][1];
	return lvl;
}

static unsigned uint_of(const struct ynode *n, unsigned dflt)
{
	const char *v = scalar(n);
	char *end;
	unsigned long x;

	if (!v)
		return dflt;
	x = strtoul(v, &end, 10);
	return *end || end == v ? dflt : (unsigned)x;
}

static int key_data(struct ssh_settings *s, struct config *cfg, const struct ynode *kd,
		    struct strbuf *err)
{
	for (size_t i = 0; kd && kd->kind == YNODE_SEQ && i < kd->nr; i++) {
		const char *name = scalar(kd->items[i]), *v;
		struct strbuf ignore = STRBUF_INIT;
		if (!name)
			continue;
		/* A secret's name, or (deprecated in Kamal) the key itself. */
		v = strstr(name, "PRIVATE KEY") ? name : config_secret(cfg, name, &ignore);
		strbuf_release(&ignore);
		if (!v) {
			strbuf_addf(err, "%s:%u: ssh/key_data: no secret named %s in .kamal/secrets\n",
				    kd->items[i]->file, kd->items[i]->line, name);
			return -1;
		}
		log_redact_add(v);
		strvec_push(&s->key_data, v);
	}
	return 0;
}

int ssh_settings_from_config(struct ssh_settings *s, struct config *cfg, struct strbuf *err)
{
	const struct ynode *ssh = config_get(cfg, "ssh"), *sk = config_get(cfg, "sshkit");
	const struct ynode *n, *berth = ynode_path(cfg->raw, "x-berth/ssh");
	const char *proxy;

	set(&s->user, scalar(ynode_get(ssh, "user")));
	set(&s->port, scalar(ynode_get(ssh, "port")));
	if ((proxy = scalar(ynode_get(ssh, "proxy")))) {
		free(s->proxy);
		if (strchr(proxy, '@')) {
			s->proxy = xstrdup(proxy);
		} else {
			struct strbuf sb = STRBUF_INIT;
			strbuf_addf(&sb, "root@%s", proxy);
			s->proxy = strbuf_detach(&sb, NULL);
		}
	} else {
		set(&s->proxy_command, scalar(ynode_get(ssh, "proxy_command")));
	}
	push_list(&s->keys, ynode_get(ssh, "keys"));
	s->keys_only = ynode_truthy(ynode_get(ssh, "keys_only"));
	n = ynode_get(ssh, "config");
	if (n && n->kind == YNODE_BOOL)
		s->use_config = (int)n->ival;
	else
		push_list(&s->config_files, n);
	if (scalar(ynode_get(ssh, "log_level")))
		set(&s->log_level, openssh_level(scalar(ynode_get(ssh, "log_level"))));
	n = ynode_get(ssh, "forward_agent");
	if (n && n->kind == YNODE_BOOL)
		s->forward_agent = (int)n->ival;
	s->max_concurrent_starts = uint_of(ynode_get(sk, "max_concurrent_starts"), 30);
	s->pool_idle_timeout = uint_of(ynode_get(sk, "pool_idle_timeout"), 900);
	s->dns_retries = uint_of(ynode_get(sk, "dns_retries"), 3);
	s->connect_timeout = uint_of(ynode_get(berth, "connect_timeout"), 10);
	if (!s->max_concurrent_starts)
		s->max_concurrent_starts = 1;
	return key_data(s, cfg, ynode_get(ssh, "key_data"), err);
}

/* "user@host:port" and "[v6]:port" as SSHKit reads a host. */
void ssh_parse_host(const char *spec, struct strbuf *user, struct strbuf *host,
		    struct strbuf *port)
{
	const char *at = strrchr(spec, '@'), *h = at ? at + 1 : spec, *colon;

	if (at)
		strbuf_add(user, spec, (size_t)(at - spec));
	if (*h == '[' && strchr(h, ']')) {
		const char *close = strchr(h, ']');
		strbuf_add(host, h + 1, (size_t)(close - h - 1));
		if (close[1] == ':')
			strbuf_addstr(port, close + 2);
		return;
	}
	colon = strchr(h, ':');
	if (colon && !strchr(colon + 1, ':')) {
		strbuf_add(host, h, (size_t)(colon - h));
		strbuf_addstr(port, colon + 1);
	} else {
		strbuf_addstr(host, h);
	}
}

void ssh_config_text(const struct ssh_settings *s, struct strbuf *out)
{
	if (s->use_config && s->config_files.nr) {
		for (size_t i = 0; i < s->config_files.nr; i++)
			strbuf_addf(out, "Include %s\n", s->config_files.v[i]);
	} else if (s->use_config) {
		/* What ssh reads when given no -F. */
		strbuf_addstr(out, "Include ~/.ssh/config\nInclude /etc/ssh/ssh_config\n");
	}
	/* Below the user's files: ssh takes the first value, so theirs win. */
	strbuf_addf(out, "Host *\n"
		    "  ConnectTimeout %u\n"
		    "  ServerAliveInterval 30\n"
		    "  StrictHostKeyChecking accept-new\n"
		    "  LogLevel ERROR\n",
		    s->connect_timeout);
}

void ssh_host_argv(const struct ssh_settings *s, const char *config_path,
		   const char *control_path, const char *spec, const char **extra,
		   struct strvec *argv)
{
	struct strbuf user = STRBUF_INIT, host = STRBUF_INIT, port = STRBUF_INIT;

	ssh_parse_host(spec, &user, &host, &port);
	strvec_push(argv, "ssh");
	strvec_pushl(argv, "-F", config_path ? config_path : "/dev/null", NULL);
	strvec_pushl(argv, "-l", user.len ? user.buf : s->user, NULL);
	strvec_pushl(argv, "-p", port.len ? port.buf : s->port, NULL);
	if (s->proxy)
		strvec_pushl(argv, "-J", s->proxy, NULL);
	else if (s->proxy_command)
		strvec_pushf(argv, "-oProxyCommand=%s", s->proxy_command);
	for (size_t i = 0; i < s->keys.nr; i++)
		strvec_pushl(argv, "-i", s->keys.v[i], NULL);
	if (s->keys_only)
		strvec_push(argv, "-oIdentitiesOnly=yes");
	strvec_push(argv, s->forward_agent ? "-A" : "-a");
	if (s->log_level)
		strvec_pushf(argv, "-oLogLevel=%s", s->log_level);
	/* Nobody can answer a prompt: a password or passphrase question fails. */
	strvec_push(argv, "-oBatchMode=yes");
	if (control_path)
		strvec_pushf(argv, "-oControlPath=%s", control_path);
	for (; extra && *extra; extra++)
		strvec_push(argv, *extra);
	strvec_push(argv, host.buf);
	strbuf_release(&user);
	strbuf_release(&host);
	strbuf_release(&port);
}
