/*
 * erb-dotenv.c - the dotenv gem (3.2) as a config's ERB may call it:
 * require "dotenv" or "dotenv/load", then Dotenv.load, load!, overload,
 * overload! (alias overwrite, overwrite!) and parse.
 *
 * Under Kamal the gem is not loaded while the config renders (Kamal
 * loads it with the secrets, later), so Dotenv is an uninitialized
 * constant until the template requires it, and its files are read with
 * the gem's own rules, not Kamal's: a key already in ENV keeps its value
 * unless overloading, and $(command) is Ruby's `command` (any exit
 * status). The file format itself is secrets/dotenv.c's.
 */
#include "config/erb-int.h"
#include "secrets/dotenv.h"
#include "strvec.h"
#include <errno.h>

extern char **environ;

static int dotenv_loaded, dotenv_load_loaded; /* what require has run */

int dotenv_defined(void)
{
	return dotenv_loaded;
}

static int run_backticks(void *data, const char *cmd, struct strbuf *out,
			 struct strbuf *why)
{
	return erb_run(data, cmd, strlen(cmd), out, why) < 0 ? -1 : 0;
}

/*
 * Dotenv::Environment.new(File.expand_path(name), overwrite:) into env.
 * 1: the file is missing and ignore is set, 0: parsed, -1: error.
 */
static int parse_file(struct erb *e, const struct value *name, int overwrite,
		      int ignore, struct dotenv *env)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT, why = STRBUF_INIT;
	struct dotenv_options o = { .run = run_backticks, .run_data = e };
	int ret;

	if (want_str(e, name, "Dotenv file") < 0)
		return -1;
	ret = erb_expand_path(e, name->s, NULL, &path);
	text.max = MAX_VALUE;
	if (!ret && dotenv_read_file(&text, path.buf) < 0) {
		if (ignore && (errno == ENOENT || errno == EISDIR))
			ret = 1;
		else
			ret = eerr(e, 0, "%s @ rb_sysopen - %s", strerror(errno), path.buf);
	} else if (!ret) {
		o.filename = name->s;
		o.workdir = erb_workdir(e);
		o.keep_env = !overwrite;
		if (dotenv_parse(env, text.buf, text.len, &o, &why) < 0)
			ret = eerr(e, 0, "%s", why.buf);
	}
	strbuf_release(&path);
	strbuf_release(&text);
	strbuf_release(&why);
	return ret;
}

static int in_list(const struct strvec *sv, const char *s, size_t len)
{
	size_t i;
	for (i = 0; i < sv->nr; i++)
		if (strlen(sv->v[i]) == len && !strncmp(sv->v[i], s, len))
			return 1;
	return 0;
}

/*
 * Dotenv.update: ENV takes env's keys (all of them when overwriting, else
 * the unset ones). The keys that changed go into diff as Dotenv::Diff#env
 * lists them: the new ones in file order, then the changed ones in the
 * environment's order.
 */
static void update_env(const struct dotenv *env, int overwrite, struct value *diff)
{
	struct strvec changed = STRVEC_INIT;
	char **ep;
	size_t i;

	for (i = 0; i < env->names.nr; i++) {
		const char *name = env->names.v[i], *val = env->values.v[i];
		const char *old = getenv(name);
		if (old && (!overwrite || !strcmp(old, val)))
			continue;
		if (old)
			strvec_push(&changed, name);
		else
			hash_set(diff, v_str(name), v_str(val));
		setenv(name, val, 1);
	}
	for (ep = environ; changed.nr && *ep; ep++) {
		size_t n = strcspn(*ep, "=");
		if (in_list(&changed, *ep, n)) {
			struct value key = v_strn(*ep, n);
			hash_set(diff, key, v_str(getenv(key.s)));
		}
	}
	strvec_clear(&changed);
}

/*
 * Dotenv.parse(*names, overwrite:, ignore:) and, with update, Dotenv.load:
 * the files in order (reversed when overwriting, so that the first one
 * wins), each read against ENV as the ones before it left it.
 */
static int load_files(struct erb *e, const struct value *names, size_t nr,
		      int overwrite, int ignore, int update, struct value *out)
{
	struct value dflt = v_str(".env");
	size_t k, n = nr ? nr : 1;
	int ret = 0;

	*out = v_hash();
	for (k = 0; k < n && !ret; k++) {
		const struct value *name = nr ? &names[overwrite ? n - 1 - k : k] : &dflt;
		struct dotenv env = DOTENV_INIT;
		size_t i;
		ret = parse_file(e, name, overwrite, ignore, &env);
		if (!ret && update)
			update_env(&env, overwrite, out);
		for (i = 0; !ret && !update && i < env.names.nr; i++)
			hash_set(out, v_str(env.names.v[i]), v_str(env.values.v[i]));
		dotenv_clear(&env);
		ret = ret < 0 ? -1 : 0;
	}
	v_free(&dflt);
	if (ret)
		v_free(out);
	return ret;
}

/* overwrite: and ignore:, which load and parse take: 0 or -1. */
static int keywords(struct erb *e, const char *m, const struct value *kw,
		    int *overwrite, int *ignore)
{
	size_t i;
	if (!kw)
		return 0;
	if (strcmp(m, "load") && strcmp(m, "parse"))
		return eerr(e, 1, "keyword arguments to Dotenv.%s are not supported", m);
	for (i = 0; i < kw->nr; i += 2) {
		const char *name = kw->items[i].s;
		int *flag = !strcmp(name, "overwrite") ? overwrite :
			    !strcmp(name, "ignore") ? ignore : NULL;
		if (!flag)
			return eerr(e, 0, "unknown keyword: :%s", name);
		*flag = v_truthy(&kw->items[i + 1]);
	}
	return 0;
}

int dotenv_call(struct erb *e, const char *m, const struct value *args,
		size_t nargs, const struct value *kw, struct value *out)
{
	static const struct {
		const char *name;
		int overwrite, ignore, update;
	} forms[] = {
		{ "load", 0, 1, 1 }, { "load!", 0, 0, 1 },
		{ "overload", 1, 1, 1 }, { "overload!", 1, 0, 1 },
		{ "overwrite", 1, 1, 1 }, { "overwrite!", 1, 0, 1 },
		{ "parse", 0, 1, 0 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(forms); i++) {
		int overwrite = forms[i].overwrite, ignore = forms[i].ignore;
		if (strcmp(m, forms[i].name))
			continue;
		if (keywords(e, m, kw, &overwrite, &ignore) < 0)
			return -1;
		return load_files(e, args, nargs, overwrite, ignore,
				  forms[i].update, out);
	}
	return eerr(e, 1, "Dotenv.%s is not supported", m);
}

int dotenv_require(struct erb *e, int load)
{
	struct value diff;
	int first = !(load ? dotenv_load_loaded : dotenv_loaded);

	dotenv_loaded = 1;
	if (!load || !first)
		return first;
	/* dotenv/load.rb: Dotenv.load, outside Rails */
	dotenv_load_loaded = 1;
	if (load_files(e, NULL, 0, 0, 1, 1, &diff) < 0)
		return -1;
	v_free(&diff);
	return 1;
}
