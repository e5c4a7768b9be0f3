/*
 * adapter-1password.c - Kamal's OnePassword adapter, over the `op` CLI.
 *
 * Secrets are "VAULT/ITEM[/SECTION]/FIELD" (an "op://" prefix allowed;
 * a bare item means its "password" field). Fields of one item are read
 * with a single `op item get ITEM --vault V --format json --account A
 * --fields label=S.F,...`; op prints one field object for one label and an
 * array for several. Keys are the fields' "reference" without "op://" and
 * without a final "/password". Without secrets, --from VAULT/ITEM reads
 * every field of that item.
 *
 * A session from `op signin --raw` reaches op in its environment, as
 * OP_SESSION_<user ID>, the variable op 2 itself exports for the account
 * (`eval $(op signin)`). Kamal passes `--session TOKEN`, which any user
 * of the machine can read in /proc/PID/cmdline.
 */
#include "adapters.h"
#include "log.h"

/* A sign-in address compares without "https://" and a final "/". */
static int same_address(const char *a, const char *b)
{
	size_t na, nb;
	skip_prefix(a, "https://", &a);
	skip_prefix(b, "https://", &b);
	na = strlen(a) - ends_with(a, "/");
	nb = strlen(b) - ends_with(b, "/");
	return na == nb && !strncasecmp(a, b, na);
}

/* Whether --account ACCOUNT names entry a of `op account list`: op takes
 * a shorthand, a sign-in address, an email, an account ID or a user ID. */
static int names_account(cJSON *a, const char *account)
{
	static const char *keys[] = { "shorthand", "email", "account_uuid", "user_uuid" };
	const char *url = adapter_str(a, "url");
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *v = adapter_str(a, keys[i]);
		if (v && !strcmp(v, account))
			return 1;
	}
	return url && same_address(url, account);
}

/* env = "OP_SESSION_<user ID>=TOKEN" for the account --account names. */
static int session_env(const char *account, const char *token, struct strbuf *env,
		       struct strbuf *err)
{
	const char *list[] = { "op", "account", "list", "--format", "json", NULL };
	struct strbuf out = STRBUF_INIT;
	cJSON *json = NULL, *a;
	const char *user = NULL;

	if (!adapter_run(list, NULL, 0, &out))
		json = cJSON_Parse(out.buf);
	cJSON_ArrayForEach(a, json) {
		if (names_account(a, account)) {
			user = adapter_str(a, "user_uuid");
			break;
		}
	}
	if (user && *user && !user[strspn(user, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					      "abcdefghijklmnopqrstuvwxyz0123456789_")])
		strbuf_addf(env, "OP_SESSION_%s=%s", user, token);
	else
		strbuf_addf(err, "Could not find the user ID of 1Password account %s in 'op account list'",
			    account);
	cJSON_Delete(json);
	strbuf_release(&out);
	return env->len ? 0 : -1;
}

/* Signs in unless op already is; env gets the session op then needs. */
static int op_login(const char *account, struct strbuf *env, struct strbuf *err)
{
	const char *check[] = { "op", "account", "get", "--account", account, NULL };
	const char *signin[] = { "op", "signin", "--account", account, "--force",
				 "--raw", NULL };
	struct strbuf session = STRBUF_INIT;
	int ret = 0;

	if (!adapter_run(check, NULL, 1, NULL))
		return 0;
	if (adapter_run(signin, NULL, 0, &session)) {
		strbuf_addstr(err, "Failed to login to 1Password");
		ret = -1;
	} else {
		strbuf_trim(&session);
		log_redact_add(session.buf);
		if (session.len)
			ret = session_env(account, session.buf, env, err);
	}
	strbuf_release_secret(&session);
	return ret;
}

static void fields_map(cJSON *fields, cJSON *results)
{
	cJSON *f;
	cJSON_ArrayForEach(f, fields) {
		cJSON *ref = cJSON_GetObjectItemCaseSensitive(f, "reference");
		cJSON *val = cJSON_GetObjectItemCaseSensitive(f, "value");
		const char *r;
		char *key;
		size_t n;
		if (!cJSON_IsString(ref))
			continue;
		r = ref->valuestring;
		skip_prefix(r, "op://", &r);
		n = strlen(r);
		if (ends_with(r, "/password"))
			n -= strlen("/password");
		key = xstrndup(r, n);
		adapter_put(results, key, cJSON_IsString(val) ? val->valuestring : NULL);
		free(key);
	}
}

/* op item get; parses its JSON into *json. */
static int item_get(const char *vault, const char *item, const char *fields,
		    const struct secrets_fetch_options *o, const struct strbuf *env,
		    cJSON **json, struct strbuf *err)
{
	struct strvec argv = STRVEC_INIT;
	struct strbuf out = STRBUF_INIT;
	int status;

	strvec_pushl(&argv, "op", "item", "get", item, "--vault", vault,
		     "--format", "json", "--account", o->account, NULL);
	if (fields)
		strvec_pushl(&argv, "--fields", fields, NULL);
	status = adapter_runv(&argv, env->len ? env->buf : NULL, 0, &out);
	strvec_clear(&argv);
	*json = status ? NULL : cJSON_Parse(out.buf);
	strbuf_release(&out);
	if (status) {
		strbuf_addstr(err, "Could not read ");
		if (fields) {
			/* Kamal lists the field names, joined by ", " */
			const char *p = fields;
			while (skip_prefix(p, "label=", &p)) {
				const char *end = strchr(p, ',');
				strbuf_add(err, p, end ? (size_t)(end - p) : strlen(p));
				strbuf_addstr(err, end ? ", " : " ");
				p = end ? end + 1 : "";
			}
		}
		strbuf_addf(err, "from %s in the %s 1Password vault", item, vault);
		return -1;
	}
	if (!*json) {
		strbuf_addf(err, "op printed no JSON for %s in the %s vault", item, vault);
		return -1;
	}
	return 0;
}

struct item {
	char *vault, *item;
	struct strbuf labels; /* "label=a.b,label=c" */
	int nfields;
};

static int op_fetch(const struct secrets_fetch_options *o, const struct strvec *secrets,
		    cJSON *results, struct strbuf *err)
{
	struct strbuf env = STRBUF_INIT; /* OP_SESSION_<user ID>=..., or "" */
	struct item *items = NULL;
	size_t nitems = 0, alloc = 0, i, k;
	int ret = 0;

	if (!adapter_installed("op", "--version")) {
		strbuf_addstr(err, "1Password CLI is not installed");
		return -1;
	}
	if (op_login(o->account, &env, err) < 0)
		return -1;

	if (!secrets->nr) {
		/* every field of the --from item */
		struct strvec parts = STRVEC_INIT;
		const char *from = o->from ? o->from : "";
		cJSON *json;
		skip_prefix(from, "op://", &from);
		adapter_split(from, '/', &parts);
		if (parts.nr < 2) {
			strbuf_addstr(err, "--from must name VAULT/ITEM to fetch all of an item's fields");
			ret = -1;
		} else if (!(ret = item_get(parts.v[0], parts.v[1], NULL, o, &env,
					    &json, err))) {
			fields_map(cJSON_GetObjectItemCaseSensitive(json, "fields"), results);
			cJSON_Delete(json);
		}
		strvec_clear(&parts);
		strbuf_release_secret(&env);
		return ret;
	}

	/* group the fields by vault and item, in first-seen order */
	for (i = 0; i < secrets->nr; i++) {
		struct strvec parts = STRVEC_INIT;
		const char *s = secrets->v[i];
		struct strbuf field = STRBUF_INIT;
		skip_prefix(s, "op://", &s);
		adapter_split(s, '/', &parts);
		while (parts.nr < 2)
			strvec_push(&parts, "");
		for (k = 2; k < parts.nr; k++)
			strbuf_addf(&field, "%s%s", k > 2 ? "." : "", parts.v[k]);
		if (parts.nr == 2)
			strbuf_addstr(&field, "password");
		for (k = 0; k < nitems; k++)
			if (!strcmp(items[k].vault, parts.v[0]) &&
			    !strcmp(items[k].item, parts.v[1]))
				break;
		if (k == nitems) {
			ALLOC_GROW(items, nitems + 1, alloc);
			items[k].vault = xstrdup(parts.v[0]);
			items[k].item = xstrdup(parts.v[1]);
			strbuf_init(&items[k].labels, 0);
			items[k].nfields = 0;
			nitems++;
		}
		strbuf_addf(&items[k].labels, "%slabel=%s",
			    items[k].nfields++ ? "," : "", field.buf);
		strbuf_release(&field);
		strvec_clear(&parts);
	}
	for (k = 0; k < nitems && !ret; k++) {
		cJSON *json;
		ret = item_get(items[k].vault, items[k].item, items[k].labels.buf, o,
			       &env, &json, err);
		if (ret)
			break;
		if (cJSON_IsArray(json)) {
			fields_map(json, results);
		} else {
			cJSON *wrap = cJSON_CreateArray();
			cJSON_AddItemReferenceToArray(wrap, json);
			fields_map(wrap, results);
			cJSON_Delete(wrap);
		}
		cJSON_Delete(json);
	}
	for (k = 0; k < nitems; k++) {
		free(items[k].vault);
		free(items[k].item);
		strbuf_release(&items[k].labels);
	}
	free(items);
	strbuf_release_secret(&env);
	return ret;
}

const struct adapter adapter_one_password = { "one_password", 1, op_fetch };
