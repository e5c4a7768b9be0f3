/*
 * erb-lib.c - the Ruby a config calls by name: ENV, `cmd`, require, and
 * the dispatch to File and Dir (erb-file.c), URI (erb-uri.c) and Dotenv
 * (erb-dotenv.c).
 *
 * ENV is the process environment itself, as in Ruby: what a template
 * sets (ENV["X"] = ..., Dotenv.load) the destination file's ERB and the
 * secrets files see afterwards, as they would under Kamal.
 */
#include "config/erb-int.h"
#include "run-command.h"
#include "strvec.h"
#include <errno.h>

/* ---- `cmd` ---- */

static int shell_disabled;

void erb_disable_shell(int disable)
{
	shell_disabled = disable;
}

/*
 * Whether Ruby's `cmd` would hand cmd to /bin/sh (process.c,
 * rb_exec_fillarg): a shell metacharacter anywhere, a "=" or in the first
 * word before any "/", or a first word that is a shell reserved word or
 * special built-in. Otherwise Ruby splits on blanks and execs directly.
 */
static int ruby_needs_shell(const char *cmd)
{
	static const char *const sh_words[] = {
		"!", ".", ":", "break", "case", "continue", "do", "done", "elif",
		"else", "esac", "eval", "exec", "exit", "export", "fi", "for", "if",
		"in", "readonly", "return", "set", "shift", "then", "times", "trap",
		"unset", "until", "while",
	};
	const char *p, *first = NULL;
	size_t first_len = 0, i;
	int first_done = 0;

	for (p = cmd; *p; p++) {
		if (*p == ' ' || *p == '\t') {
			if (first && !first_done) {
				first_len = p - first;
				first_done = 1;
			}
		} else if (!first) {
			first = p;
		}
		if (strchr("*?{}[]<>()~&|\\$;'`\"\n#", *p))
			return 1;
		if (!first_done) {
			if (*p == '=')
				return 1;
			if (*p == '/')
				first_done = 2; /* a path: never a shell word */
		}
	}
	if (!first || first_done == 2)
		return 0;
	if (!first_done)
		first_len = p - first;
	for (i = 0; i < ARRAY_SIZE(sh_words); i++)
		if (strlen(sh_words[i]) == first_len && !strncmp(first, sh_words[i], first_len))
			return 1;
	return 0;
}

static void split_blanks(const char *p, struct strvec *args)
{
	while (*p) {
		size_t n;
		while (*p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, " \t");
		if (n) {
			char *w = xstrndup(p, n);
			strvec_push(args, w);
			free(w);
		}
		p += n;
	}
}

int erb_run(struct erb *e, const char *cmd, size_t len, struct strbuf *out,
	    struct strbuf *why)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	int status, exec_errno;

	if (shell_disabled) {
		strbuf_addstr(why, "shell commands are disabled here");
		return -2;
	}
	if (memchr(cmd, '\0', len)) {
		strbuf_addstr(why, "string contains null byte");
		return -1;
	}
	if (ruby_needs_shell(cmd))
		strvec_pushl(&cp.args, "/bin/sh", "-c", cmd, NULL);
	else
		split_blanks(cmd, &cp.args);
	if (!cp.args.nr) {
		strbuf_addf(why, "%s - %s", strerror(ENOENT), cmd);
		return -1;
	}
	cp.dir = strcmp(erb_workdir(e), ".") ? erb_workdir(e) : NULL;
	cp.inherit_stdin = 1;
	cp.silent_exec_failure = 1;
	errno = 0;
	status = capture_command(&cp, out, NULL);
	exec_errno = errno ? errno : ENOENT;
	if (status < 0)
		strbuf_addf(why, "%s - %s", strerror(exec_errno), cp.args.v[0]);
	child_process_clear(&cp);
	return status < 0 ? -1 : 0;
}

int erb_backticks(struct erb *e, const char *cmd, size_t len, struct value *out)
{
	struct strbuf sb = STRBUF_INIT, why = STRBUF_INIT;
	int ret = erb_run(e, cmd, len, &sb, &why);

	if (ret < 0) {
		eerr(e, ret == -2, "%s", why.buf);
		strbuf_release(&sb);
	} else {
		*out = v_strbuf(&sb);
	}
	strbuf_release(&why);
	return ret < 0 ? -1 : 0;
}

/* ---- ENV ---- */

extern char **environ;

/* ENV on its own (ENV.each, ENV.to_h...): a Hash of the environment now, in its order. */
struct value env_hash(void)
{
	struct value h = v_hash();
	for (char **ep = environ; *ep; ep++) {
		const char *eq = strchr(*ep, '=');
		if (eq)
			hash_set(&h, v_strn(*ep, eq - *ep), v_str(eq + 1));
	}
	return h;
}

int env_get(struct erb *e, const struct value *key, struct value *out)
{
	const char *val;
	if (want_str(e, key, "ENV key") < 0)
		return -1;
	val = getenv(key->s);
	*out = val ? v_str(val) : v_nil();
	return 0;
}

int env_set(struct erb *e, const struct value *key, const struct value *val)
{
	if (key->t != V_STR || (val && val->t != V_STR))
		return eerr(e, 0, "no implicit conversion of %s into String",
			    v_typename(key->t != V_STR ? key : val));
	if (strlen(key->s) != key->len || (val && strlen(val->s) != val->len))
		return eerr(e, 0, "bad environment variable %s: contains null byte",
			    strlen(key->s) != key->len ? "name" : "value");
	if (!*key->s || strchr(key->s, '='))
		return eerr(e, 0, "Invalid argument - setenv(%s)", key->s);
	if (val ? setenv(key->s, val->s, 1) : unsetenv(key->s))
		return eerr(e, 0, "%s - setenv(%s)", strerror(errno), key->s);
	return 0;
}

static int env_call(struct erb *e, const char *m, struct value *args,
		    size_t nargs, struct value *out)
{
	int fetch = !strcmp(m, "fetch");

	if (!fetch && strcmp(m, "key?") && strcmp(m, "has_key?") &&
	    strcmp(m, "include?") && strcmp(m, "member?"))
		return eerr(e, 1, "ENV.%s is not supported", m);
	if (nargs < 1 || nargs > (fetch ? 2u : 1u))
		return eerr(e, 0, "wrong number of arguments to ENV.%s", m);
	if (env_get(e, &args[0], out) < 0)
		return -1;
	if (!fetch) {
		int set = out->t != V_NIL;
		v_free(out);
		*out = v_bool(set);
	} else if (out->t == V_NIL && nargs == 2) {
		*out = args[1];
		args[1] = v_nil();
	} else if (out->t == V_NIL) {
		struct strbuf q = STRBUF_INIT;
		v_inspect(&q, &args[0]);
		eerr(e, 0, "key not found: %s", q.buf);
		strbuf_release(&q);
		return -1;
	}
	return 0;
}

/* ---- require ---- */

/*
 * What Kamal 2.12 has loaded before it renders a config (its own
 * requires and its gems'): requiring one again does nothing and answers
 * false. Only dotenv is not loaded yet.
 */
static const char *const loaded_features[] = {
	"English", "active_support", "active_support/core_ext/object/blank",
	"base64", "bigdecimal", "cgi", "date", "delegate", "digest", "erb",
	"etc", "fileutils", "forwardable", "ipaddr", "json", "logger",
	"monitor", "open3", "openssl", "ostruct", "pathname", "psych",
	"resolv", "securerandom", "set", "shellwords", "socket", "stringio",
	"strscan", "time", "timeout", "tmpdir", "uri", "yaml", "zlib",
};

static int require(struct erb *e, struct value *args, size_t nargs,
		   struct value *out)
{
	size_t i;
	int r;

	if (nargs != 1)
		return eerr(e, 0, "wrong number of arguments to require");
	if (want_str(e, &args[0], "require") < 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(loaded_features); i++)
		if (!strcmp(args[0].s, loaded_features[i])) {
			*out = v_bool(0);
			return 0;
		}
	if (!strcmp(args[0].s, "dotenv") || !strcmp(args[0].s, "dotenv/load")) {
		if ((r = dotenv_require(e, !strcmp(args[0].s, "dotenv/load"))) < 0)
			return -1;
		*out = v_bool(r);
		return 0;
	}
	return eerr(e, 1, "require '%s' is not supported", args[0].s);
}

int lib_function(struct erb *e, const char *name, struct value *args,
		 size_t nargs, struct value *out)
{
	if (!strcmp(name, "require"))
		return require(e, args, nargs, out);
	if (!strcmp(name, "raise") && nargs == 1 && args[0].t == V_STR)
		return eerr(e, 0, "%s", args[0].s); /* RuntimeError */
	if (!strcmp(name, "URI") && nargs == 1)
		return uri_parse(e, &args[0], out);
	return eerr(e, 1, "method '%s' is not supported", name);
}

/* Constants Kamal has loaded whose methods berth does not know. */
static const char *const known_consts[] = {
	"Base64", "Date", "Digest", "ERB", "FileUtils", "IPAddr", "JSON",
	"Open3", "OpenSSL", "Pathname", "Psych", "Resolv", "SecureRandom",
	"Shellwords", "Socket", "Time", "YAML",
};

int lib_const_call(struct erb *e, const char *cls, const char *m,
		   struct value *args, size_t nargs, const struct value *kw,
		   struct value *out)
{
	size_t i;
	int r;

	if (kw && strcmp(cls, "Dotenv"))
		return eerr(e, 1, "keyword arguments to %s.%s are not supported", cls, m);
	if (!strcmp(cls, "ENV"))
		return env_call(e, m, args, nargs, out);
	if (!strcmp(cls, "File") || !strcmp(cls, "Dir")) {
		r = file_call(e, cls, m, args, nargs, out);
		return r ? (r < 0 ? -1 : 0) : eerr(e, 1, "%s.%s is not supported", cls, m);
	}
	if (!strcmp(cls, "URI") && !strcmp(m, "parse") && nargs == 1)
		return uri_parse(e, &args[0], out);
	if (!strcmp(cls, "Gem::Specification") && !strcmp(m, "find_by_name") && nargs >= 1 &&
	    args[0].t == V_STR)
		/* Kamal's answer when the gem is not installed; berth has no gems to look in. */
		return eerr(e, 1, "Could not find '%s' (>= 0): berth loads no Ruby gems", args[0].s);
	if (!strcmp(cls, "Time") && !strcmp(m, "now") && !nargs) {
		*out = time_now();
		return 0;
	}
	if (!strcmp(cls, "Dotenv") && dotenv_defined())
		return dotenv_call(e, m, args, nargs, kw, out);
	if (!strcmp(cls, "Dotenv"))
		return eerr(e, 0, "uninitialized constant Dotenv");
	for (i = 0; i < ARRAY_SIZE(known_consts); i++)
		if (!strcmp(cls, known_consts[i]) || !strcmp(cls, "URI"))
			return eerr(e, 1, "%s.%s is not supported", cls, m);
	return eerr(e, 1, "uninitialized constant %s", cls);
}
