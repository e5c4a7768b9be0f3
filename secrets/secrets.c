/*
 * secrets.c - loads .kamal/secrets-common, then .kamal/secrets.<dest> or
 * .kamal/secrets (or the same under a config's secrets_path), as
 * Kamal::Secrets does.
 *
 * Each file is parsed on its own (Kamal calls Dotenv.parse per file), so a
 * $VAR in one file does not see the keys of another - only the process
 * environment - and later files override earlier keys in place.
 */
#include "secrets.h"
#include "dotenv.h"
#include "log.h"
#include <errno.h>
#include <sys/prctl.h>
#include <sys/resource.h>

struct secrets {
	struct dotenv env;
};

static int load_file(struct secrets *s, const char *project_dir,
		     const char *name, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	struct dotenv_options opts = { .workdir = project_dir, .redact = 1 };
	int ret = 0;

	if (project_dir && strcmp(project_dir, ".") && name[0] != '/')
		strbuf_addf(&path, "%s/", project_dir);
	strbuf_addstr(&path, name);
	opts.filename = path.buf;
	if (dotenv_read_file(&text, path.buf) < 0) {
		if (errno != ENOENT && errno != EISDIR) {
			strbuf_addf(err, "%s: %s", path.buf, strerror(errno));
			ret = -1;
		}
	} else {
		ret = dotenv_parse(&s->env, text.buf, text.len, &opts, err);
	}
	strbuf_release(&path);
	strbuf_release_secret(&text);
	return ret;
}

void secrets_protect_process(void)
{
	struct rlimit core;

	/* no core file, and no ptrace attach or /proc/PID/mem by the same user */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* also for the children (a crash in a vault CLI holding the values);
	 * the hard limit stays, so a child that wants cores may raise it */
	if (!getrlimit(RLIMIT_CORE, &core)) {
		core.rlim_cur = 0;
		setrlimit(RLIMIT_CORE, &core);
	}
}

int secrets_load(struct secrets **out, const char *project_dir,
		 const char *destination, struct strbuf *err)
{
	return secrets_load_path(out, project_dir, NULL, destination, err);
}

int secrets_load_path(struct secrets **out, const char *project_dir,
		      const char *secrets_path, const char *destination,
		      struct strbuf *err)
{
	struct secrets *s = xcalloc(1, sizeof(*s));
	struct strbuf first = STRBUF_INIT, second = STRBUF_INIT;
	int ret;

	secrets_protect_process(); /* before the first value is read */
	if (!secrets_path)
		secrets_path = ".kamal/secrets";
	strvec_init(&s->env.names);
	strvec_init(&s->env.values);
	strbuf_addf(&first, "%s-common", secrets_path);
	strbuf_addstr(&second, secrets_path);
	if (destination)
		strbuf_addf(&second, ".%s", destination);
	ret = load_file(s, project_dir, first.buf, err);
	if (!ret)
		ret = load_file(s, project_dir, second.buf, err);
	strbuf_release(&first);
	strbuf_release(&second);
	if (ret < 0) {
		secrets_free(s);
		*out = NULL;
		return -1;
	}
	*out = s;
	return 0;
}

void secrets_free(struct secrets *s)
{
	if (!s)
		return;
	dotenv_clear(&s->env);
	free(s);
}

const char *secrets_get(const struct secrets *s, const char *name)
{
	return s ? dotenv_get(&s->env, name) : NULL;
}

int secrets_at(const struct secrets *s, size_t i, const char **name,
	       const char **value)
{
	if (!s || i >= s->env.names.nr)
		return 0;
	*name = s->env.names.v[i];
	*value = s->env.values.v[i];
	return 1;
}
