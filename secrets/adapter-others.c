/*
 * adapter-others.c - Kamal's Bitwarden, LastPass, AWS Secrets Manager,
 * GCP Secret Manager, Doppler, Bitwarden Secrets Manager and Enpass
 * adapters: each runs its vault's CLI with the arguments Kamal uses and
 * names keys as Kamal does.
 */
#include "adapters.h"
#include "log.h"

static int not_installed(const char *cli, const char *what, struct strbuf *err)
{
	if (adapter_installed(cli, "--version"))
		return 0;
	strbuf_addf(err, "%s is not installed", what);
	return -1;
}

static cJSON *run_json(const char **argv, const char *env, int *status)
{
	struct strbuf out = STRBUF_INIT;
	cJSON *json;
	*status = adapter_run(argv, env, 0, &out);
	strbuf_trim(&out);
	json = cJSON_Parse(out.buf);
	strbuf_release(&out);
	return json;
}

/* ---- Bitwarden (bw) ---- */

static const char *bw_status(const char *env, cJSON **json)
{
	const char *argv[] = { "bw", "status", NULL };
	int status;
	cJSON_Delete(*json);
	*json = run_json(argv, env, &status);
	return adapter_str(*json, "status");
}

static int bw_fetch(const struct secrets_fetch_options *o, const struct strvec *secrets,
		    cJSON *results, struct strbuf *err)
{
	struct strbuf session = STRBUF_INIT, env = STRBUF_INIT;
	cJSON *st = NULL;
	const char *s;
	size_t i, k;
	int ret = -1;
	struct strvec items = STRVEC_INIT, fields = STRVEC_INIT; /* fields[i]: "" none */

	if (not_installed("bw", "Bitwarden CLI", err))
		return -1;
	s = bw_status(NULL, &st);
	if (s && !strcmp(s, "unauthenticated")) {
		const char *login[] = { "bw", "login", o->account, NULL };
		adapter_run(login, NULL, 0, NULL);
		s = bw_status(NULL, &st);
	}
	if (s && !strcmp(s, "locked")) {
		const char *unlock[] = { "bw", "unlock", "--raw", NULL };
		adapter_run(unlock, NULL, 0, &session);
		strbuf_trim(&session);
		log_redact_add(session.buf);
		if (session.len)
			strbuf_addf(&env, "BW_SESSION=%s", session.buf);
		s = bw_status(env.len ? env.buf : NULL, &st);
	}
	if (!s || strcmp(s, "unlocked")) {
		strbuf_addstr(err, "Failed to login to and unlock Bitwarden");
		goto done;
	}
	{
		const char *sync[] = { "bw", "sync", NULL };
		if (adapter_run(sync, env.len ? env.buf : NULL, 0, NULL)) {
			strbuf_addstr(err, "Failed to sync Bitwarden");
			goto done;
		}
	}
	/* item -> its fields, in first-seen order; "ITEM/FIELD" */
	for (i = 0; i < secrets->nr; i++) {
		struct strvec parts = STRVEC_INIT;
		adapter_split(secrets->v[i], '/', &parts);
		strvec_push(&items, parts.nr ? parts.v[0] : "");
		strvec_push(&fields, parts.nr > 1 ? parts.v[1] : "");
		strvec_clear(&parts);
	}
	for (i = 0; i < items.nr; i++) {
		const char *get[] = { "bw", "get", "item", items.v[i], NULL };
		cJSON *item, *flist, *f;
		int status, any = 0;
		for (k = 0; k < i; k++)
			if (!strcmp(items.v[k], items.v[i]))
				break;
		if (k < i)
			continue; /* done with its first occurrence */
		item = run_json(get, env.len ? env.buf : NULL, &status);
		if (status || !item) {
			cJSON_Delete(item);
			strbuf_addf(err, "Could not read %s from Bitwarden", items.v[i]);
			goto done;
		}
		flist = cJSON_GetObjectItemCaseSensitive(item, "fields");
		for (k = i; k < items.nr; k++)
			if (!strcmp(items.v[k], items.v[i]) && *fields.v[k])
				any = 1;
		if (any) {
			for (k = i; k < items.nr; k++) {
				cJSON *hit = NULL;
				struct strbuf key = STRBUF_INIT;
				if (strcmp(items.v[k], items.v[i]))
					continue;
				cJSON_ArrayForEach(f, flist) {
					const char *n = adapter_str(f, "name");
					if (n && !strcmp(n, fields.v[k])) {
						hit = f;
						break;
					}
				}
				if (!hit) {
					strbuf_addf(err, "Could not find field %s in item %s in Bitwarden",
						    fields.v[k], items.v[i]);
					cJSON_Delete(item);
					goto done;
				}
				strbuf_addf(&key, "%s/%s", items.v[i], fields.v[k]);
				adapter_put(results, key.buf, adapter_str(hit, "value"));
				strbuf_release(&key);
			}
		} else if (adapter_str(cJSON_GetObjectItemCaseSensitive(item, "login"), "password")) {
			adapter_put(results, items.v[i],
				    adapter_str(cJSON_GetObjectItemCaseSensitive(item, "login"), "password"));
		} else if (cJSON_GetArraySize(flist) > 0) {
			cJSON_ArrayForEach(f, flist) {
				struct strbuf key = STRBUF_INIT;
				strbuf_addf(&key, "%s/%s", items.v[i], adapter_str(f, "name") ? adapter_str(f, "name") : "");
				adapter_put(results, key.buf, adapter_str(f, "value"));
				strbuf_release(&key);
			}
		} else {
			strbuf_addf(err, "Item %s is not a login type item and no fields were specified",
				    items.v[i]);
			cJSON_Delete(item);
			goto done;
		}
		cJSON_Delete(item);
	}
	ret = 0;
done:
	cJSON_Delete(st);
	strvec_clear(&items);
	strvec_clear(&fields);
	strbuf_release_secret(&session);
	strbuf_release_secret(&env);
	return ret;
}

const struct adapter adapter_bitwarden = { "bitwarden", 1, bw_fetch };

/* ---- LastPass (lpass) ---- */

static int lpass_fetch(const struct secrets_fetch_options *o, const struct strvec *secrets,
		       cJSON *results, struct strbuf *err)
{
	const char *status_argv[] = { "lpass", "status", "--color", "never", NULL };
	struct strbuf out = STRBUF_INIT, want = STRBUF_INIT;
	struct strvec argv = STRVEC_INIT, missing = STRVEC_INIT;
	cJSON *items, *it;
	size_t i;
	int ret = -1;

	if (not_installed("lpass", "LastPass CLI", err))
		return -1;
	adapter_run(status_argv, NULL, 0, &out);
	strbuf_trim(&out);
	strbuf_addf(&want, "Logged in as %s.", o->account);
	if (strcmp(out.buf, want.buf)) {
		const char *login[] = { "lpass", "login", o->account, NULL };
		if (adapter_run(login, NULL, 0, NULL)) {
			strbuf_addstr(err, "Failed to login to LastPass");
			goto done;
		}
	}
	strbuf_reset(&out);
	strvec_pushl(&argv, "lpass", "show", NULL);
	strvec_pushvec(&argv, secrets);
	strvec_push(&argv, "--json");
	if (adapter_runv(&argv, NULL, 0, &out) || !(items = cJSON_Parse(out.buf))) {
		strbuf_addstr(err, "Could not read ");
		adapter_inspect(err, secrets);
		strbuf_addstr(err, " from LastPass");
		goto done;
	}
	cJSON_ArrayForEach(it, items)
		if (adapter_str(it, "fullname"))
			adapter_put(results, adapter_str(it, "fullname"), adapter_str(it, "password"));
	cJSON_Delete(items);
	for (i = 0; i < secrets->nr; i++)
		if (!cJSON_GetObjectItemCaseSensitive(results, secrets->v[i]))
			strvec_push(&missing, secrets->v[i]);
	if (missing.nr) {
		char *j = strvec_join(&missing, ", ");
		strbuf_addf(err, "Could not find %s in LastPass", j);
		free(j);
		goto done;
	}
	ret = 0;
done:
	strbuf_release(&out);
	strbuf_release(&want);
	strvec_clear(&argv);
	strvec_clear(&missing);
	return ret;
}

const struct adapter adapter_last_pass = { "last_pass", 1, lpass_fetch };

/* ---- AWS Secrets Manager (aws) ---- */

static void put_json_value(cJSON *results, const char *key, cJSON *v)
{
	if (cJSON_IsString(v)) {
		adapter_put(results, key, v->valuestring);
	} else {
		char *s = cJSON_PrintUnformatted(v);
		adapter_put(results, key, s);
		free(s);
	}
}

static int aws_fetch(const struct secrets_fetch_options *o, const struct strvec *secrets,
		     cJSON *results, struct strbuf *err)
{
	struct strvec argv = STRVEC_INIT;
	struct strbuf out = STRBUF_INIT;
	cJSON *json = NULL, *errors, *vals, *sv, *e;
	int ret = -1;

	if (not_installed("aws", "AWS CLI", err))
		return -1;
	strvec_pushl(&argv, "aws", "secretsmanager", "batch-get-secret-value",
		     "--secret-id-list", NULL);
	strvec_pushvec(&argv, secrets);
	if (o->account)
		strvec_pushl(&argv, "--profile", o->account, NULL);
	strvec_pushl(&argv, "--output", "json", NULL);
	if (adapter_runv(&argv, NULL, 0, &out) || !(json = cJSON_Parse(out.buf))) {
		/* Kamal puts the CLI's output here, which may hold values */
		strbuf_addstr(err, "Could not read ");
		adapter_inspect(err, secrets);
		strbuf_addstr(err, " from AWS Secrets Manager");
		goto done;
	}
	errors = cJSON_GetObjectItemCaseSensitive(json, "Errors");
	if (cJSON_GetArraySize(errors) > 0) {
		int first = 1;
		cJSON_ArrayForEach(e, errors) {
			strbuf_addf(err, "%s%s: %s", first ? "" : " ",
				    adapter_str(e, "SecretId") ? adapter_str(e, "SecretId") : "",
				    adapter_str(e, "Message") ? adapter_str(e, "Message") : "");
			first = 0;
		}
		goto done;
	}
	vals = cJSON_GetObjectItemCaseSensitive(json, "SecretValues");
	cJSON_ArrayForEach(sv, vals) {
		const char *name = adapter_str(sv, "Name"), *str = adapter_str(sv, "SecretString");
		cJSON *parsed = str ? cJSON_Parse(str) : NULL, *kv;
		if (!name)
			continue;
		if (cJSON_IsObject(parsed)) {
			cJSON_ArrayForEach(kv, parsed) {
				struct strbuf key = STRBUF_INIT;
				strbuf_addf(&key, "%s/%s", name, kv->string);
				put_json_value(results, key.buf, kv);
				strbuf_release(&key);
			}
		} else if (parsed) {
			put_json_value(results, name, parsed);
		} else {
			adapter_put(results, name, str);
		}
		cJSON_Delete(parsed);
	}
	ret = 0;
done:
	cJSON_Delete(json);
	strvec_clear(&argv);
	strbuf_release(&out);
	return ret;
}

const struct adapter adapter_aws_secrets_manager = { "aws_secrets_manager", 0, aws_fetch };

/* ---- GCP Secret Manager (gcloud) ---- */

static void base64_decode(const char *in, struct strbuf *out)
{
	unsigned bits = 0;
	int n = 0;
	for (; *in; in++) {
		const char *tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const char *p = strchr(tbl, *in);
		if (!p || !*in)
			continue; /* Ruby's decode64 skips what is not base64 */
		bits = (bits << 6) | (unsigned)(p - tbl);
		n += 6;
		if (n >= 8) {
			n -= 8;
			strbuf_addch(out, (bits >> n) & 0xff);
		}
	}
}

static int gcp_fetch(const struct secrets_fetch_options *o, const struct strvec *secrets,
		     cJSON *results, struct strbuf *err)
{
	const char *list[] = { "gcloud", "auth", "list", "--format=json", NULL };
	struct strvec acct = STRVEC_INIT;
	cJSON *json;
	size_t i;
	int status, ret = -1;

	if (not_installed("gcloud", "gcloud CLI", err))
		return -1;
	json = run_json(list, NULL, &status);
	if (cJSON_GetArraySize(json) == 0) {
		const char *login[] = { "gcloud", "auth", "login", NULL };
		cJSON_Delete(json);
		adapter_run(login, NULL, 0, NULL);
		json = run_json(list, NULL, &status);
		if (cJSON_GetArraySize(json) == 0) {
			cJSON_Delete(json);
			strbuf_addstr(err, "could not login to gcloud");
			return -1;
		}
	}
	cJSON_Delete(json);
	/* ACCOUNT is USER or USER|SERVICE_ACCOUNT[,...] */
	{
		const char *bar = strchr(o->account, '|');
		char *user = xstrndup(o->account, bar ? (size_t)(bar - o->account) : strlen(o->account));
		strvec_push(&acct, user);
		free(user);
		if (bar)
			strvec_push(&acct, bar + 1);
	}
	for (i = 0; i < secrets->nr; i++) {
		struct strvec parts = STRVEC_INIT, argv = STRVEC_INIT;
		struct strbuf item = STRBUF_INIT, value = STRBUF_INIT, out = STRBUF_INIT;
		const char *project, *name, *version;
		cJSON *res = NULL;
		adapter_split(secrets->v[i], '/', &parts);
		if (parts.nr == 1) {
			strvec_push(&parts, parts.v[0]);
			free((char *)parts.v[0]);
			parts.v[0] = xstrdup("default");
		}
		project = parts.nr > 0 ? parts.v[0] : "default";
		name = parts.nr > 1 ? parts.v[1] : "";
		version = parts.nr > 2 ? parts.v[2] : "latest";
		strbuf_addf(&item, "%s/%s", project, name);
		strvec_pushl(&argv, "gcloud", "secrets", "versions", "access", version, NULL);
		strvec_pushf(&argv, "--secret=%s", name);
		if (strcmp(project, "default"))
			strvec_pushf(&argv, "--project=%s", project);
		if (strcmp(acct.v[0], "default"))
			strvec_pushf(&argv, "--account=%s", acct.v[0]);
		if (acct.nr > 1)
			strvec_pushf(&argv, "--impersonate-service-account=%s", acct.v[1]);
		strvec_push(&argv, "--format=json");
		status = adapter_runv(&argv, NULL, 0, &out);
		if (!status)
			res = cJSON_Parse(out.buf);
		if (status || !adapter_str(cJSON_GetObjectItemCaseSensitive(res, "payload"), "data")) {
			strbuf_addf(err, "Could not read %s from Google Secret Manager", item.buf);
		} else {
			base64_decode(adapter_str(cJSON_GetObjectItemCaseSensitive(res, "payload"), "data"), &value);
			adapter_put(results, item.buf, value.buf);
		}
		cJSON_Delete(res);
		strvec_clear(&parts);
		strvec_clear(&argv);
		strbuf_release(&value);
		strbuf_release(&out);
		strbuf_release(&item);
		if (err->len)
			goto done;
	}
	ret = 0;
done:
	strvec_clear(&acct);
	return ret;
}

const struct adapter adapter_gcp_secret_manager = { "gcp_secret_manager", 1, gcp_fetch };

/* ---- Doppler ---- */

static int doppler_fetch(const struct secrets_fetch_options *o, const struct strvec *secrets,
			 cJSON *results, struct strbuf *err)
{
	const char *me[] = { "doppler", "me", "--json", NULL };
	const char *token = getenv("DOPPLER_TOKEN");
	struct strvec argv = STRVEC_INIT;
	struct strbuf out = STRBUF_INIT;
	cJSON *json, *it;
	size_t i;
	int ret = -1;

	if (not_installed("doppler", "Doppler CLI", err))
		return -1;
	if (adapter_run(me, NULL, 1, NULL)) {
		const char *login[] = { "doppler", "login", "-y", NULL };
		if (adapter_run(login, NULL, 0, NULL)) {
			strbuf_addstr(err, "Failed to login to Doppler");
			return -1;
		}
	}
	strvec_pushl(&argv, "doppler", "secrets", "get", NULL);
	for (i = 0; i < secrets->nr; i++) {
		const char *slash = strrchr(secrets->v[i], '/');
		strvec_push(&argv, slash ? slash + 1 : secrets->v[i]);
	}
	strvec_push(&argv, "--json");
	if (!(token && starts_with(token, "dp.st"))) {
		struct strvec parts = STRVEC_INIT;
		if (secrets->nr)
			adapter_split(secrets->v[0], '/', &parts);
		if (parts.nr < 2) {
			strvec_clear(&parts);
			strbuf_addstr(err, "Missing project or config from '--from=project/config' option");
			goto done;
		}
		strvec_pushl(&argv, "-p", parts.v[0], "-c", parts.v[1], NULL);
		strvec_clear(&parts);
	}
	if (adapter_runv(&argv, NULL, 0, &out) || !(json = cJSON_Parse(out.buf))) {
		strbuf_addstr(err, "Could not read ");
		adapter_inspect(err, secrets);
		strbuf_addstr(err, " from Doppler");
		goto done;
	}
	cJSON_ArrayForEach(it, json)
		adapter_put(results, it->string, adapter_str(it, "computed"));
	cJSON_Delete(json);
	ret = 0;
done:
	strvec_clear(&argv);
	strbuf_release(&out);
	return ret;
}

const struct adapter adapter_doppler = { "doppler", 0, doppler_fetch };

/* ---- Bitwarden Secrets Manager (bws) ---- */

static int bws_fetch(const struct secrets_fetch_options *o, const struct strvec *secrets,
		     cJSON *results, struct strbuf *err)
{
	const char *plist[] = { "bws", "project", "list", NULL };
	struct strbuf out = STRBUF_INIT;
	cJSON *json, *it;
	size_t i;
	int ret = -1, status;

	if (not_installed("bws", "Bitwarden Secrets Manager CLI", err))
		return -1;
	if (adapter_run(plist, NULL, 0, NULL)) {
		strbuf_addstr(err, "Could not authenticate to Bitwarden Secrets Manager. Did you set a valid access token?");
		return -1;
	}
	if (!secrets->nr) {
		strbuf_addstr(err, "You must specify what to retrieve from Bitwarden Secrets Manager");
		return -1;
	}
	if (secrets->nr == 1 && (!strcmp(secrets->v[0], "all") || ends_with(secrets->v[0], "/all"))) {
		struct strvec argv = STRVEC_INIT;
		strvec_pushl(&argv, "bws", "secret", "list", NULL);
		if (strcmp(secrets->v[0], "all")) {
			char *project = xstrndup(secrets->v[0], strstr(secrets->v[0], "/all") - secrets->v[0]);
			strvec_push(&argv, project);
			free(project);
		}
		status = adapter_runv(&argv, NULL, 0, &out);
		strvec_clear(&argv);
		if (status || !(json = cJSON_Parse(out.buf))) {
			strbuf_addstr(err, "Could not read secrets from Bitwarden Secrets Manager");
			goto done;
		}
		cJSON_ArrayForEach(it, json)
			if (adapter_str(it, "key"))
				adapter_put(results, adapter_str(it, "key"), adapter_str(it, "value"));
		cJSON_Delete(json);
		ret = 0;
		goto done;
	}
	for (i = 0; i < secrets->nr; i++) {
		const char *get[] = { "bws", "secret", "get", secrets->v[i], NULL };
		strbuf_reset(&out);
		status = adapter_run(get, NULL, 0, &out);
		if (status || !(json = cJSON_Parse(out.buf)) || !adapter_str(json, "key")) {
			if (!status)
				cJSON_Delete(json);
			strbuf_addf(err, "Could not read %s from Bitwarden Secrets Manager", secrets->v[i]);
			goto done;
		}
		adapter_put(results, adapter_str(json, "key"), adapter_str(json, "value"));
		cJSON_Delete(json);
	}
	ret = 0;
done:
	strbuf_release(&out);
	return ret;
}

const struct adapter adapter_bitwarden_secrets_manager = { "bitwarden_secrets_manager", 0, bws_fetch };

/* ---- Enpass (enpass-cli, offline: --from is the vault path) ---- */

static int enpass_fetch(const struct secrets_fetch_options *o, const struct strvec *secrets,
			cJSON *results, struct strbuf *err)
{
	const char *ver[] = { "enpass-cli", "version", NULL };
	struct strvec argv = STRVEC_INIT, titles = STRVEC_INIT, names = STRVEC_INIT;
	struct strbuf out = STRBUF_INIT;
	cJSON *json, *it;
	size_t i;
	int ret = -1;

	if (adapter_run(ver, NULL, 1, NULL)) {
		strbuf_addstr(err, "Enpass CLI is not installed");
		return -1;
	}
	/*
	 * Kamal hands Enpass the names as given: --from is the vault, not a
	 * prefix, so take back the "FROM/" secrets_fetch() put in front.
	 */
	for (i = 0; i < secrets->nr; i++) {
		const char *s = secrets->v[i];
		if (o->from && starts_with(s, o->from) && s[strlen(o->from)] == '/')
			s += strlen(o->from) + 1;
		strvec_push(&names, s);
	}
	/* the title is what precedes the last "/" (or the whole secret) */
	for (i = 0; i < names.nr; i++) {
		const char *s = names.v[i], *slash = strrchr(s, '/');
		char *t = slash && slash > s ? xstrndup(s, slash - s) : xstrdup(slash ? slash + 1 : s);
		if (strvec_find(&titles, t) < 0)
			strvec_push(&titles, t);
		free(t);
	}
	strvec_pushl(&argv, "enpass-cli", "-json", "-vault", o->from ? o->from : "", "show", NULL);
	strvec_pushvec(&argv, &titles);
	adapter_runv(&argv, NULL, 0, &out);
	strbuf_trim(&out);
	if (!(json = cJSON_Parse(out.buf))) {
		strbuf_addstr(err, "could not parse the output of enpass-cli");
		goto done;
	}
	cJSON_ArrayForEach(it, json) {
		const char *title = adapter_str(it, "title"), *label = adapter_str(it, "label"),
			   *pw = adapter_str(it, "password");
		struct strbuf key = STRBUF_INIT;
		int blank = 1;
		const char *p;
		for (p = pw; p && *p; p++)
			if (!strchr(" \t\r\n\f\v", *p))
				blank = 0;
		if (!title || blank)
			continue;
		strbuf_addstr(&key, title);
		if (label && *label)
			strbuf_addf(&key, "/%s", label);
		if (strvec_find(&names, title) >= 0 || strvec_find(&names, key.buf) >= 0) {
			if (cJSON_GetObjectItemCaseSensitive(results, key.buf)) {
				strbuf_addf(err, "%s is present more than once", key.buf);
				strbuf_release(&key);
				cJSON_Delete(json);
				goto done;
			}
			adapter_put(results, key.buf, pw);
		}
		strbuf_release(&key);
	}
	cJSON_Delete(json);
	ret = 0;
done:
	strvec_clear(&argv);
	strvec_clear(&titles);
	strvec_clear(&names);
	strbuf_release(&out);
	return ret;
}

const struct adapter adapter_enpass = { "enpass", 0, enpass_fetch };
