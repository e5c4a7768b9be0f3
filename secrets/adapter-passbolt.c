/*
 * adapter-passbolt.c - Kamal's Passbolt adapter: `passbolt verify` to log
 * in, folders looked up by name (then child by child for nested paths),
 * then one `passbolt list resources` with a filter naming every secret in
 * its folder. Keys are the bare resource names.
 *
 * Kamal builds these commands as shell strings; the passbolt CLI receives
 * the filter text that sat inside its single quotes, so that is the argv
 * word built here: each name is Ruby's name.shellescape.inspect.
 */
#include "adapters.h"
#include "quote.h"
#include <ctype.h>

/* Ruby's to_s of a JSON value as Kamal compares it ("" for null/missing) */
static void jto_s(cJSON *obj, const char *key, struct strbuf *out)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (cJSON_IsString(v)) {
		strbuf_addstr(out, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		char *s = cJSON_PrintUnformatted(v);
		strbuf_addstr(out, s);
		free(s);
	}
}

/* Ruby's s.shellescape.inspect */
static void quoted(struct strbuf *sb, const char *s)
{
	struct strbuf esc = STRBUF_INIT;
	const char *p;
	quote_rb_shellescape(&esc, s);
	strbuf_addch(sb, '"');
	for (p = esc.buf; *p; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_addf(sb, "\\%c", *p);
		else if (*p == '\n')
			strbuf_addstr(sb, "\\n");
		else if (*p == '\t')
			strbuf_addstr(sb, "\\t");
		else if (*p == '#' && (p[1] == '{' || p[1] == '$' || p[1] == '@'))
			strbuf_addstr(sb, "\\#");
		else
			strbuf_addch(sb, *p);
	}
	strbuf_addch(sb, '"');
	strbuf_release(&esc);
}

static int ids_equal(cJSON *a, cJSON *b)
{
	struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;
	int eq;
	jto_s(a, "id", &x);
	jto_s(b, "folder_parent_id", &y);
	eq = cJSON_GetObjectItemCaseSensitive(a, "id") && !strcmp(x.buf, y.buf);
	strbuf_release(&x);
	strbuf_release(&y);
	return eq;
}

/* Kamal's get_folder_path: names up the parent chain found in all */
static void folder_path(cJSON *folder, cJSON *all, struct strbuf *out)
{
	struct strvec names = STRVEC_INIT;
	size_t i, guard = 0;

	for (;;) {
		struct strbuf parent = STRBUF_INIT;
		cJSON *p = NULL, *f;
		strvec_push(&names, adapter_str(folder, "name") ? adapter_str(folder, "name") : "");
		jto_s(folder, "folder_parent_id", &parent);
		if (parent.len) {
			cJSON_ArrayForEach(f, all)
				if (ids_equal(f, folder)) {
					p = f;
					break;
				}
		}
		strbuf_release(&parent);
		if (!p || ++guard > 1000) /* a cycle would recurse forever in Ruby */
			break;
		folder = p;
	}
	strbuf_reset(out);
	for (i = names.nr; i > 0; i--)
		strbuf_addf(out, "%s%s", i < names.nr ? "/" : "", names.v[i - 1]);
	strvec_clear(&names);
}

/* `passbolt list folders --filter FILTER --json`; NULL if it failed */
static cJSON *list_folders(const char *filter)
{
	const char *argv[] = { "passbolt", "list", "folders", "--filter", filter, "--json", NULL };
	struct strbuf out = STRBUF_INIT;
	cJSON *json = NULL;
	if (!adapter_run(argv, NULL, 0, &out))
		json = cJSON_Parse(out.buf);
	strbuf_release(&out);
	if (json && !cJSON_IsArray(json)) {
		cJSON_Delete(json);
		json = NULL;
	}
	return json;
}

/* secrets' folder paths ("a/b" of "a/b/NAME"), first-seen order, unique */
static void folder_paths(const struct strvec *secrets, struct strvec *paths)
{
	size_t i;
	for (i = 0; i < secrets->nr; i++) {
		struct strvec parts = STRVEC_INIT;
		struct strbuf path = STRBUF_INIT;
		size_t k;
		if (!strchr(secrets->v[i], '/'))
			continue;
		adapter_split(secrets->v[i], '/', &parts);
		for (k = 0; k + 1 < parts.nr; k++)
			strbuf_addf(&path, "%s%s", k ? "/" : "", parts.v[k]);
		if (strvec_find(paths, path.buf) < 0)
			strvec_push(paths, path.buf);
		strvec_clear(&parts);
		strbuf_release(&path);
	}
}

static int get_folders(const struct strvec *secrets, cJSON *all, struct strbuf *err)
{
	struct strvec paths = STRVEC_INIT, parents = STRVEC_INIT, missing = STRVEC_INIT;
	struct strbuf filter = STRBUF_INIT, p = STRBUF_INIT;
	cJSON *top, *f;
	size_t i, k;
	int ret = -1;

	folder_paths(secrets, &paths);
	if (!paths.nr)
		return 0;
	for (i = 0; i < paths.nr; i++) {
		const char *slash = strchr(paths.v[i], '/');
		char *first = xstrndup(paths.v[i], slash ? (size_t)(slash - paths.v[i]) : strlen(paths.v[i]));
		if (strvec_find(&parents, first) < 0)
			strvec_push(&parents, first);
		free(first);
	}
	for (i = 0; i < parents.nr; i++) {
		strbuf_addstr(&filter, i ? " || Name == " : "Name == ");
		quoted(&filter, parents.v[i]);
	}
	if (!(top = list_folders(filter.buf))) {
		strbuf_addstr(err, "Could not read folders from Passbolt");
		goto done;
	}
	cJSON_ArrayForEach(f, top)
		cJSON_AddItemToArray(all, cJSON_Duplicate(f, 1));

	for (i = 0; i < paths.nr; i++) {
		struct strvec parts = STRVEC_INIT;
		cJSON *parent = NULL;
		adapter_split(paths.v[i], '/', &parts);
		if (parts.nr > 1) {
			cJSON_ArrayForEach(f, top)
				if (adapter_str(f, "name") && !strcmp(adapter_str(f, "name"), parts.v[0])) {
					parent = f;
					break;
				}
		}
		parent = parent ? cJSON_Duplicate(parent, 1) : NULL;
		for (k = 1; parent && k < parts.nr; k++) {
			cJSON *nested;
			strbuf_reset(&filter);
			strbuf_addstr(&filter, "Name == ");
			quoted(&filter, parts.v[k]);
			strbuf_addstr(&filter, " && FolderParentID == ");
			strbuf_reset(&p);
			jto_s(parent, "id", &p);
			quoted(&filter, p.buf);
			if (!(nested = list_folders(filter.buf)))
				continue; /* Kamal goes on with the same parent */
			if (!cJSON_GetArraySize(nested)) {
				cJSON_Delete(nested);
				break;
			}
			cJSON_ArrayForEach(f, nested)
				cJSON_AddItemToArray(all, cJSON_Duplicate(f, 1));
			cJSON_Delete(parent);
			parent = cJSON_Duplicate(cJSON_GetArrayItem(nested, 0), 1);
			cJSON_Delete(nested);
		}
		cJSON_Delete(parent);
		strvec_clear(&parts);
	}
	cJSON_Delete(top);

	for (i = 0; i < paths.nr; i++) {
		int found = 0;
		cJSON_ArrayForEach(f, all) {
			folder_path(f, all, &p);
			if (!strcmp(p.buf, paths.v[i]))
				found = 1;
		}
		if (!found)
			strvec_push(&missing, paths.v[i]);
	}
	if (missing.nr) {
		char *j = strvec_join(&missing, ", ");
		strbuf_addf(err, "Could not find the following folders in Passbolt: %s", j);
		free(j);
		goto done;
	}
	ret = 0;
done:
	strvec_clear(&paths);
	strvec_clear(&parents);
	strvec_clear(&missing);
	strbuf_release(&filter);
	strbuf_release(&p);
	return ret;
}

static int passbolt_fetch(const struct secrets_fetch_options *o, const struct strvec *secrets,
			  cJSON *results, struct strbuf *err)
{
	const char *verify[] = { "passbolt", "verify", NULL };
	struct strvec argv = STRVEC_INIT, names = STRVEC_INIT, missing = STRVEC_INIT;
	struct strbuf filter = STRBUF_INIT, out = STRBUF_INIT, p = STRBUF_INIT;
	cJSON *folders = cJSON_CreateArray(), *items = NULL, *f, *it;
	size_t i, k;
	int ret = -1, nconds = 0;

	if (!adapter_installed("passbolt", "--version")) {
		strbuf_addstr(err, "Passbolt CLI is not installed");
		goto done;
	}
	if (adapter_run(verify, NULL, 0, NULL)) {
		strbuf_addstr(err, "Failed to login to Passbolt");
		goto done;
	}
	if (!secrets->nr) {
		strbuf_addstr(err, "No secrets given to fetch");
		goto done;
	}
	if (get_folders(secrets, folders, err))
		goto done;

	for (i = 0; i < secrets->nr; i++) {
		struct strvec parts = STRVEC_INIT;
		const char *name;
		adapter_split(secrets->v[i], '/', &parts);
		name = parts.nr ? parts.v[parts.nr - 1] : "";
		strvec_push(&names, name);
		if (parts.nr > 1) {
			/* the most nested folder of the path that was found */
			struct strbuf path = STRBUF_INIT;
			cJSON *current = NULL;
			for (k = 0; k + 1 < parts.nr; k++) {
				strbuf_addf(&path, "%s%s", k ? "/" : "", parts.v[k]);
				cJSON_ArrayForEach(f, folders) {
					folder_path(f, folders, &p);
					if (!strcmp(p.buf, path.buf)) {
						current = f;
						break;
					}
				}
			}
			strbuf_release(&path);
			if (current) {
				strbuf_addstr(&filter, nconds++ ? " || (Name == " : "(Name == ");
				quoted(&filter, name);
				strbuf_addstr(&filter, " && FolderParentID == ");
				strbuf_reset(&p);
				jto_s(current, "id", &p);
				quoted(&filter, p.buf);
				strbuf_addch(&filter, ')');
			}
		} else {
			strbuf_addstr(&filter, nconds++ ? " || Name == " : "Name == ");
			quoted(&filter, name);
		}
		strvec_clear(&parts);
	}

	strvec_pushl(&argv, "passbolt", "list", "resources", NULL);
	if (nconds)
		strvec_pushl(&argv, "--filter", filter.buf, NULL);
	cJSON_ArrayForEach(f, folders) {
		strbuf_reset(&p);
		jto_s(f, "id", &p);
		strvec_pushl(&argv, "--folder", p.buf, NULL);
	}
	strvec_pushl(&argv, "--column", "name", "--column", "password", "--json", NULL);
	if (adapter_runv(&argv, NULL, 0, &out) || !(items = cJSON_Parse(out.buf)) ||
	    !cJSON_IsArray(items)) {
		strbuf_addstr(err, "Could not read ");
		adapter_inspect(err, secrets);
		strbuf_addstr(err, " from Passbolt");
		goto done;
	}
	for (i = 0; i < names.nr; i++) {
		int found = 0;
		cJSON_ArrayForEach(it, items)
			if (adapter_str(it, "name") && !strcmp(adapter_str(it, "name"), names.v[i]))
				found = 1;
		if (!found)
			strvec_push(&missing, names.v[i]);
	}
	if (missing.nr) {
		char *j = strvec_join(&missing, ", ");
		strbuf_addf(err, "Could not find the following secrets in Passbolt: %s", j);
		free(j);
		goto done;
	}
	cJSON_ArrayForEach(it, items)
		if (adapter_str(it, "name"))
			adapter_put(results, adapter_str(it, "name"), adapter_str(it, "password"));
	ret = 0;
done:
	cJSON_Delete(folders);
	cJSON_Delete(items);
	strvec_clear(&argv);
	strvec_clear(&names);
	strvec_clear(&missing);
	strbuf_release(&filter);
	strbuf_release(&out);
	strbuf_release(&p);
	return ret;
}

const struct adapter adapter_passbolt = { "passbolt", 0, passbolt_fetch };
