/*
 * fetch.c - `secrets fetch/extract` shared by the CLI and inline
 * $(kamal secrets ...) substitutions, plus Kamal's "test" adapter and the
 * shell-word helpers Kamal gets from Ruby's Shellwords.
 */
#include "adapters.h"
#include "log.h"
#include "quote.h"
#include "run-command.h"
#include "secrets.h"
#include <ctype.h>


/* ---- shared adapter helpers ---- */

int adapter_runv(struct strvec *argv, const char *env, int quiet, struct strbuf *out)
{
	struct child_process cp = CHILD_PROCESS_INIT;
	struct strbuf sink = STRBUF_INIT;
	int status;

	strvec_pushvec(&cp.args, argv);
	if (env)
		strvec_push(&cp.env, env);
	cp.no_stderr = quiet;
	cp.inherit_stdin = 1; /* logins may prompt */
	cp.silent_exec_failure = 1;
	status = capture_command(&cp, out ? out : &sink, NULL);
	child_process_clear(&cp);
	strbuf_release(&sink);
	return status;
}

int adapter_run(const char **argv, const char *env, int quiet, struct strbuf *out)
{
	struct strvec v = STRVEC_INIT;
	int status;
	strvec_pushv(&v, argv);
	status = adapter_runv(&v, env, quiet, out);
	strvec_clear(&v);
	return status;
}

int adapter_installed(const char *cli, const char *version_arg)
{
	const char *argv[] = { cli, version_arg, NULL };
	return adapter_run(argv, NULL, 1, NULL) == 0;
}

const char *adapter_str(cJSON *obj, const char *key)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

void adapter_put(cJSON *results, const char *key, const char *value)
{
	cJSON *item = value ? cJSON_CreateString(value) : cJSON_CreateNull();
	if (cJSON_GetObjectItemCaseSensitive(results, key))
		cJSON_ReplaceItemInObjectCaseSensitive(results, key, item);
	else
		cJSON_AddItemToObject(results, key, item);
}

void adapter_split(const char *s, char sep, struct strvec *out)
{
	size_t first = out->nr;
	for (;;) {
		const char *end = strchr(s, sep);
		char *part = xstrndup(s, end ? (size_t)(end - s) : strlen(s));
		strvec_push(out, part);
		free(part);
		if (!end)
			break;
		s = end + 1;
	}
	while (out->nr > first && !*out->v[out->nr - 1])
		strvec_pop(out);
}

void adapter_inspect(struct strbuf *sb, const struct strvec *v)
{
	size_t i;
	strbuf_addch(sb, '[');
	for (i = 0; i < v->nr; i++)
		strbuf_addf(sb, "%s\"%s\"", i ? ", " : "", v->v[i]);
	strbuf_addch(sb, ']');
}

/* ---- the test adapter: the secret's name, reversed ---- */

static int test_fetch(const struct secrets_fetch_options *o, const struct strvec *secrets,
		      cJSON *results, struct strbuf *err)
{
	size_t i;
	for (i = 0; i < secrets->nr; i++) {
		struct strbuf v = STRBUF_INIT;
		const char *s = secrets->v[i];
		size_t k;
		for (k = 0; s[k];) {
			if (starts_with(s + k, "LPAREN")) {
				strbuf_addch(&v, '(');
				k += 6;
			} else if (starts_with(s + k, "RPAREN")) {
				strbuf_addch(&v, ')');
				k += 6;
			} else {
				strbuf_addch(&v, s[k++]);
			}
		}
		for (k = 0; k < v.len / 2; k++) {
			char t = v.buf[k];
			v.buf[k] = v.buf[v.len - 1 - k];
			v.buf[v.len - 1 - k] = t;
		}
		adapter_put(results, s, v.buf);
		strbuf_release(&v);
	}
	return 0;
}

static const struct adapter adapter_test = { "test", 1, test_fetch };

/* ---- fetch and extract ---- */

static const struct adapter *lookup_adapter(const char *name, struct strbuf *err)
{
	static const struct adapter *all[] = {
		&adapter_one_password, &adapter_bitwarden, &adapter_last_pass,
		&adapter_aws_secrets_manager, &adapter_gcp_secret_manager,
		&adapter_doppler, &adapter_bitwarden_secrets_manager,
		&adapter_enpass, &adapter_passbolt, &adapter_test,
	};
	/* Kamal's aliases, compared case-insensitively like its lookup */
	static const char *aliases[][2] = {
		{ "1password", "one_password" }, { "lastpass", "last_pass" },
		{ "gcp", "gcp_secret_manager" },
		{ "bitwarden-sm", "bitwarden_secrets_manager" },
	};
	const char *want = name;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(aliases); i++)
		if (!strcasecmp(name, aliases[i][0]))
			want = aliases[i][1];
	for (i = 0; i < ARRAY_SIZE(all); i++)
		if (!strcmp(want, all[i]->name))
			return all[i];
	strbuf_addf(err, "Unknown secrets adapter: %s", want);
	return NULL;
}

int secrets_fetch(const struct secrets_fetch_options *o, const char **names,
		  size_t nr, struct strbuf *json, struct strbuf *err)
{
	const struct adapter *a = lookup_adapter(o->adapter ? o->adapter : "", err);
	struct strvec secrets = STRVEC_INIT;
	cJSON *results, *item;
	size_t i;
	int ret;

	if (!a)
		return -1;
	secrets_protect_process();
	if (a->requires_account && (!o->account || !*o->account)) {
		strbuf_addstr(err, "No value provided for required options '--account'");
		return -1;
	}
	/* Kamal's prefixed_secrets: FROM/NAME when --from is given */
	for (i = 0; i < nr; i++) {
		if (o->from)
			strvec_pushf(&secrets, "%s/%s", o->from, names[i]);
		else
			strvec_push(&secrets, names[i]);
	}
	results = cJSON_CreateObject();
	ret = a->fetch(o, &secrets, results, err);
	/* what a vault answered is secret, even before a key holds it */
	cJSON_ArrayForEach(item, results)
		if (cJSON_IsString(item))
			log_redact_add(item->valuestring);
	if (!ret) {
		char *s = cJSON_PrintUnformatted(results);
		strbuf_addstr(json, s);
		free(s);
	}
	cJSON_Delete(results);
	strvec_clear(&secrets);
	return ret;
}

int secrets_extract(const char *name, const char *json, struct strbuf *value,
		    struct strbuf *err)
{
	cJSON *root = cJSON_Parse(json), *item = NULL, *it;
	size_t nlen = strlen(name);

	if (!root) {
		strbuf_addf(err, "could not parse the secrets JSON");
		return -1;
	}
	if (cJSON_IsObject(root)) {
		item = cJSON_GetObjectItemCaseSensitive(root, name);
		if (!item || cJSON_IsNull(item)) {
			item = NULL;
			cJSON_ArrayForEach(it, root) {
				size_t klen = strlen(it->string);
				if (klen > nlen && it->string[klen - nlen - 1] == '/' &&
				    !strcmp(it->string + klen - nlen, name)) {
					item = it;
					break;
				}
			}
		}
	}
	if (!item || cJSON_IsNull(item)) {
		cJSON_Delete(root);
		strbuf_addf(err, "Could not find secret %s", name);
		return -1;
	}
	if (cJSON_IsString(item)) {
		strbuf_addstr(value, item->valuestring);
	} else {
		/* Ruby would print the value's to_s; JSON is the honest form */
		char *s = cJSON_PrintUnformatted(item);
		strbuf_addstr(value, s);
		free(s);
	}
	cJSON_Delete(root);
	return 0;
}

int secrets_inline(const char **argv, size_t argc, struct strbuf *out,
		   struct strbuf *err)
{
	struct secrets_fetch_options o = { NULL, NULL, NULL };
	struct strvec names = STRVEC_INIT;
	size_t i;
	int ret = -1;

	if (argc < 2 || strcmp(argv[0], "secrets")) {
		strbuf_addstr(err, "only 'secrets fetch' and 'secrets extract' run inline");
		return -1;
	}
	for (i = 2; i < argc; i++) {
		const char *v;
		if (!strcmp(argv[i], "--inline"))
			continue;
		if ((!strcmp(argv[i], "--adapter") || !strcmp(argv[i], "-a") ||
		     !strcmp(argv[i], "--account") || !strcmp(argv[i], "--from")) &&
		    i + 1 < argc) {
			const char **slot = argv[i][2] == 'f' ? &o.from :
					    argv[i][3] == 'c' ? &o.account : &o.adapter;
			*slot = argv[++i];
		} else if (skip_prefix(argv[i], "--adapter=", &v)) {
			o.adapter = v;
		} else if (skip_prefix(argv[i], "--account=", &v)) {
			o.account = v;
		} else if (skip_prefix(argv[i], "--from=", &v)) {
			o.from = v;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			strbuf_addf(err, "unknown option '%s'", argv[i]);
			goto done;
		} else {
			strvec_push(&names, argv[i]);
		}
	}
	if (!strcmp(argv[1], "fetch")) {
		struct strbuf json = STRBUF_INIT;
		if (!o.adapter) {
			strbuf_addstr(err, "No value provided for required options '--adapter'");
			goto done;
		}
		ret = secrets_fetch(&o, names.v, names.nr, &json, err);
		if (!ret)
			quote_rb_shellescape(out, json.buf);
		strbuf_release(&json);
	} else if (!strcmp(argv[1], "extract")) {
		if (names.nr != 2)
			strbuf_addstr(err, "usage: secrets extract NAME SECRETS");
		else
			ret = secrets_extract(names.v[0], names.v[1], out, err);
	} else {
		strbuf_addf(err, "unknown secrets verb '%s'", argv[1]);
	}
done:
	strvec_clear(&names);
	return ret;
}
