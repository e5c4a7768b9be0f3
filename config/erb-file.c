/*
 * erb-file.c - File and Dir as Ruby 3.1 answers them (file.c, dir.c):
 * File.read exist? exists? file? directory? expand_path join basename
 * dirname extname, Dir.pwd and Dir.exist?.
 *
 * Relative paths are relative to the render's working directory, which
 * is the current directory unless erb_options.workdir says otherwise -
 * under Kamal, the directory kamal runs in.
 */
#include "config/erb-int.h"
#include <errno.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory relative paths start from, absolute. */
static int workdir_abs(struct erb *e, struct strbuf *sb)
{
	char *dir = realpath(erb_workdir(e), NULL);
	if (!dir)
		return eerr(e, 0, "%s - getcwd", strerror(errno));
	strbuf_addstr(sb, dir);
	free(dir);
	return 0;
}

/* path as open(2) should see it. */
static void resolve(struct erb *e, const char *path, struct strbuf *sb)
{
	if (path[0] != '/' && strcmp(erb_workdir(e), "."))
		strbuf_addf(sb, "%s/", erb_workdir(e));
	strbuf_addstr(sb, path);
}

static int want_path(struct erb *e, const struct value *v)
{
	if (want_str(e, v, "path") < 0)
		return -1;
	if (strlen(v->s) != v->len)
		return eerr(e, 0, "string contains null byte");
	return 0;
}

/* "~", "~/x" or "~user/x": the home part into sb, *rest after it. */
static int expand_home(struct erb *e, const char *path, const char **rest,
		       struct strbuf *sb)
{
	size_t n = strcspn(path + 1, "/");
	const char *home = NULL;
	struct passwd *pw;

	*rest = path + 1 + n;
	if (!n) {
		home = getenv("HOME");
		if (!home && (pw = getpwuid(getuid())))
			home = pw->pw_dir;
		if (!home)
			return eerr(e, 0, "couldn't find login name -- expanding '~'");
	} else {
		char *user = xstrndup(path + 1, n);
		pw = getpwnam(user);
		if (!pw)
			eerr(e, 0, "user %s doesn't exist", user);
		free(user);
		if (!pw)
			return -1;
		home = pw->pw_dir;
	}
	if (home[0] != '/')
		return eerr(e, 0, "non-absolute home");
	strbuf_addstr(sb, home);
	return 0;
}

/*
 * Ruby's clean-up of an absolute path: "." goes, ".." takes the previous
 * part, repeated slashes become one - except the leading run, which stays
 * as written ("//a") until a ".." empties the path.
 */
static void normalize(const char *path, struct strbuf *out)
{
	size_t root = strspn(path, "/");
	const char *p = path + root;

	strbuf_add(out, path, root);
	while (*p) {
		size_t n = strcspn(p, "/");
		if (n == 2 && !strncmp(p, "..", 2) && out->len > root) {
			size_t len = out->len;
			while (len > root && out->buf[len - 1] != '/')
				len--;
			if (len > root)
				len--; /* the slash before the part */
			if (len == root)
				root = len = 1;
			strbuf_setlen(out, len);
		} else if (n && !(n == 1 && *p == '.') && !(n == 2 && !strncmp(p, "..", 2))) {
			if (out->len > root)
				strbuf_addch(out, '/');
			strbuf_add(out, p, n);
		}
		p += n;
		p += strspn(p, "/");
	}
}

/* base + "/" + rest, with one slash between them. */
static void add_below(struct strbuf *base, const char *rest)
{
	if (!*rest)
		return;
	while (base->len && base->buf[base->len - 1] == '/')
		strbuf_setlen(base, base->len - 1);
	if (*rest != '/')
		strbuf_addch(base, '/');
	strbuf_addstr(base, rest);
}

int erb_expand_path(struct erb *e, const char *path, const char *dir,
		    struct strbuf *out)
{
	struct strbuf full = STRBUF_INIT;
	const char *rest = path;
	int ret = 0;

	if (path[0] == '~')
		ret = expand_home(e, path, &rest, &full);
	else if (path[0] != '/')
		ret = dir ? erb_expand_path(e, dir, NULL, &full) : workdir_abs(e, &full);
	if (!ret) {
		if (full.len)
			add_below(&full, rest);
		else
			strbuf_addstr(&full, rest);
		normalize(full.buf, out);
	}
	strbuf_release(&full);
	return ret;
}

/* rb_file_join: one "/" between parts unless one is there already. */
static int join(struct erb *e, const struct value *parts, size_t nr,
		struct strbuf *out, int depth)
{
	size_t i;
	for (i = 0; i < nr; i++) {
		struct strbuf part = STRBUF_INIT;
		const struct value *v = &parts[i];
		if (v->t == V_ARRAY) {
			if (depth > 32 || join(e, v->items, v->nr, &part, depth + 1) < 0) {
				strbuf_release(&part);
				return depth > 32 ? eerr(e, 0, "recursive array") : -1;
			}
		} else if (want_path(e, v) < 0) {
			return -1;
		} else {
			strbuf_add(&part, v->s, v->len);
		}
		if (i) {
			size_t tail = out->len;
			while (tail && out->buf[tail - 1] == '/')
				tail--;
			if (part.len && part.buf[0] == '/')
				strbuf_setlen(out, tail);
			else if (tail == out->len)
				strbuf_addch(out, '/');
		}
		strbuf_addbuf(out, &part);
		strbuf_release(&part);
	}
	return 0;
}

static struct value file_basename(const char *p, const char *suffix)
{
	size_t len = strlen(p), start;
	while (len > 1 && p[len - 1] == '/')
		len--;
	if (len == 1 && p[0] == '/')
		return v_str("/");
	start = len;
	while (start && p[start - 1] != '/')
		start--;
	p += start;
	len -= start;
	if (suffix && !strcmp(suffix, ".*")) {
		const char *dot = memrchr(p, '.', len);
		if (dot && dot != p)
			len = dot - p;
	} else if (suffix && strlen(suffix) < len &&
		   !memcmp(p + len - strlen(suffix), suffix, strlen(suffix))) {
		len -= strlen(suffix);
	}
	return v_strn(p, len);
}

static struct value extname(const char *p)
{
	struct value base = file_basename(p, NULL), ext;
	const char *name = base.s + strspn(base.s, "."), *dot = strrchr(name, '.');
	ext = v_str(dot ? dot : "");
	v_free(&base);
	return ext;
}

static struct value file_dirname(const char *p)
{
	size_t len = strlen(p), lead = strspn(p, "/");
	while (len > lead && p[len - 1] == '/')
		len--;
	while (len > lead && p[len - 1] != '/')
		len--;
	while (len > lead && p[len - 1] == '/')
		len--;
	if (len <= lead)
		return v_str(lead ? "/" : ".");
	/* the leading run of slashes counts as one */
	return v_strn(p + lead - !!lead, len - lead + !!lead);
}

static int file_read(struct erb *e, const struct value *name, struct value *out)
{
	struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;
	int ret = 0;

	resolve(e, name->s, &path);
	sb.max = MAX_VALUE; /* /dev/zero would never end */
	if (strbuf_read_file(&sb, path.buf) < 0)
		ret = eerr(e, errno == EFBIG, "%s @ rb_sysopen - %s", strerror(errno), name->s);
	else
		*out = v_strbuf(&sb);
	strbuf_release(&path);
	strbuf_release(&sb);
	return ret;
}

/* exist? exists? file? directory? */
static struct value file_test(struct erb *e, const char *m, const char *name)
{
	struct strbuf path = STRBUF_INIT;
	struct stat st;
	int ok;

	resolve(e, name, &path);
	ok = !stat(path.buf, &st);
	strbuf_release(&path);
	if (!strcmp(m, "file?"))
		ok = ok && S_ISREG(st.st_mode);
	else if (!strcmp(m, "directory?"))
		ok = ok && S_ISDIR(st.st_mode);
	return v_bool(ok);
}

static int nargs_ok(struct erb *e, const char *cls, const char *m, size_t nargs,
		    size_t min, size_t max)
{
	if (nargs < min || nargs > max)
		return eerr(e, 0, "wrong number of arguments to %s.%s", cls, m);
	return 0;
}

static int dir_call(struct erb *e, const char *m, struct value *args,
		    size_t nargs, struct value *out)
{
	struct strbuf sb = STRBUF_INIT;

	if (!strcmp(m, "pwd") || !strcmp(m, "getwd")) {
		if (nargs_ok(e, "Dir", m, nargs, 0, 0) < 0 || workdir_abs(e, &sb) < 0)
			return -1;
		*out = v_strbuf(&sb);
		return 1;
	}
	if (!strcmp(m, "exist?")) {
		if (nargs_ok(e, "Dir", m, nargs, 1, 1) < 0 || want_path(e, &args[0]) < 0)
			return -1;
		*out = file_test(e, "directory?", args[0].s);
		return 1;
	}
	return 0;
}

int file_call(struct erb *e, const char *cls, const char *m,
	      struct value *args, size_t nargs, struct value *out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (!strcmp(cls, "Dir"))
		return dir_call(e, m, args, nargs, out);
	if (!strcmp(m, "join")) {
		if (join(e, args, nargs, &sb, 0) < 0) {
			strbuf_release(&sb);
			return -1;
		}
		*out = v_strbuf(&sb);
		return 1;
	}
	if (strcmp(m, "read") && strcmp(m, "exist?") && strcmp(m, "exists?") &&
	    strcmp(m, "file?") && strcmp(m, "directory?") &&
	    strcmp(m, "expand_path") && strcmp(m, "basename") && strcmp(m, "dirname") &&
	    strcmp(m, "extname"))
		return 0;
	if (nargs_ok(e, cls, m, nargs, 1,
		     !strcmp(m, "expand_path") || !strcmp(m, "basename") ? 2 : 1) < 0)
		return -1;
	for (i = 0; i < nargs; i++)
		if (!(i == 1 && args[i].t == V_NIL && !strcmp(m, "expand_path")) &&
		    want_path(e, &args[i]) < 0)
			return -1;
	if (!strcmp(m, "read"))
		return file_read(e, &args[0], out) < 0 ? -1 : 1;
	if (!strcmp(m, "basename"))
		*out = file_basename(args[0].s, nargs > 1 ? args[1].s : NULL);
	else if (!strcmp(m, "dirname"))
		*out = file_dirname(args[0].s);
	else if (!strcmp(m, "extname"))
		*out = extname(args[0].s);
	else if (strcmp(m, "expand_path"))
		*out = file_test(e, m, args[0].s);
	else if (erb_expand_path(e, args[0].s, nargs > 1 && args[1].t == V_STR ?
				 args[1].s : NULL, &sb) < 0)
		return -1;
	else
		*out = v_strbuf(&sb);
	return 1;
}
