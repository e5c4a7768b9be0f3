/*
 * derive.c - the values Kamal computes from a valid configuration:
 * roles and their hosts, accessories' hosts, the primary host, image
 * names, and the configuration-wide checks Kamal runs after validation
 * (destination required, required keys, empty roles, SSL hosts, ...).
 */
#include "config/model.h"

#include <ctype.h>
#include <sys/stat.h>

static const char *str_of(const struct ynode *n)
{
	return ynode_stringish(n) ? ynode_str(n) : NULL;
}

static int is_plain_string(const struct ynode *n)
{
	return n && n->kind == YNODE_STR;
}

static void push_unique(struct strvec *sv, const char *s)
{
	if (s && strvec_find(sv, s) < 0)
		strvec_push(sv, s);
}

/* A host list: strings, or {host: tags}; anything else is skipped, as in Kamal. */
static void role_hosts(struct config_role *role, const struct ynode *list)
{
	size_t i;

	if (!list || list->kind != YNODE_SEQ)
		return;
	role->tags = xcalloc(list->nr + 1, sizeof(*role->tags));
	for (i = 0; i < list->nr; i++) {
		const struct ynode *h = list->items[i];
		const char *name = NULL;
		const struct ynode *tags = NULL;
		if (h->kind == YNODE_MAP && h->nr) {
			name = ynode_str(h->pairs[0].key);
			tags = h->pairs[0].value;
		} else if (is_plain_string(h)) {
			name = h->text;
		}
		if (!name)
			continue;
		if (strvec_find(&role->hosts, name) < 0) {
			role->tags[role->hosts.nr] = tags;
			strvec_push(&role->hosts, name);
		} else {
			role->tags[strvec_find(&role->hosts, name)] = tags;
		}
	}
}

static int pair_cmp(const void *a, const void *b)
{
	const struct ypair *x = *(const struct ypair *const *)a;
	const struct ypair *y = *(const struct ypair *const *)b;
	return strcmp(ynode_str(x->key) ? ynode_str(x->key) : "",
		      ynode_str(y->key) ? ynode_str(y->key) : "");
}

static void derive_roles(struct config *cfg)
{
	const struct ynode *servers = ynode_get(cfg->raw, "servers");
	const struct ynode *global_proxy = ynode_get(cfg->raw, "proxy");
	size_t i;

	if (!servers)
		return;
	if (servers->kind == YNODE_SEQ) {
		cfg->roles = xcalloc(1, sizeof(*cfg->roles));
		cfg->roles_nr = 1;
		cfg->roles[0].name = "web";
		strvec_init(&cfg->roles[0].hosts);
		role_hosts(&cfg->roles[0], servers);
	} else if (servers->kind == YNODE_MAP) {
		const struct ypair **sorted = xcalloc(servers->nr + 1, sizeof(*sorted));
		for (i = 0; i < servers->nr; i++)
			sorted[i] = &servers->pairs[i];
		qsort(sorted, servers->nr, sizeof(*sorted), pair_cmp);
		cfg->roles = xcalloc(servers->nr + 1, sizeof(*cfg->roles));
		cfg->roles_nr = servers->nr;
		for (i = 0; i < servers->nr; i++) {
			struct config_role *r = &cfg->roles[i];
			const struct ynode *v = sorted[i]->value;
			r->name = ynode_str(sorted[i]->key) ? ynode_str(sorted[i]->key) : "";
			strvec_init(&r->hosts);
			if (v->kind == YNODE_SEQ) {
				role_hosts(r, v);
			} else {
				const struct ynode *hosts = ynode_get(v, "hosts");
				r->node = v;
				if (hosts && hosts->kind == YNODE_SEQ)
					role_hosts(r, hosts);
				else if (is_plain_string(hosts)) {
					r->tags = xcalloc(2, sizeof(*r->tags));
					strvec_push(&r->hosts, hosts->text);
				}
			}
		}
		free(sorted);
	}
	for (i = 0; i < cfg->roles_nr; i++) {
		struct config_role *r = &cfg->roles[i];
		const struct ynode *p = ynode_get(r->node, "proxy");
		r->primary = !strcmp(r->name, cfg->primary_role);
		if (r->primary)
			r->running_proxy = !(p && p->kind == YNODE_BOOL && !p->ival);
		else
			r->running_proxy = ynode_truthy(p);
		if (r->running_proxy) {
			struct ynode *mine = p && p->kind == YNODE_MAP ? (struct ynode *)p :
						ynode_new(cfg->tree, YNODE_MAP, NULL, 0, 0);
			if (global_proxy && global_proxy->kind == YNODE_MAP)
				r->proxy = ynode_deep_merge(cfg->tree, (struct ynode *)global_proxy, mine);
			else
				r->proxy = mine;
		}
	}
}

static const struct config_role *find_role(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; name && i < cfg->roles_nr; i++)
		if (!strcmp(cfg->roles[i].name, name))
			return &cfg->roles[i];
	return NULL;
}

const struct config_role *config_role(const struct config *cfg, const char *name)
{
	return find_role(cfg, name);
}

const struct config_accessory *config_accessory(const struct config *cfg,
						const char *name)
{
	size_t i;

	for (i = 0; i < cfg->accessories_nr; i++)
		if (!strcmp(cfg->accessories[i].name, name))
			return &cfg->accessories[i];
	return NULL;
}

/* Tags only apply to hosts of roles written as plain lists, as in Kamal. */
static void hosts_with_tag(const struct config *cfg, const char *tag, struct strvec *out)
{
	const struct ynode *servers = ynode_get(cfg->raw, "servers");
	size_t i, j, k;

	if (!servers || servers->kind != YNODE_MAP || !tag)
		return;
	for (i = 0; i < servers->nr; i++) {
		const struct ynode *list = servers->pairs[i].value;
		if (list->kind != YNODE_SEQ)
			continue;
		for (j = 0; j < list->nr; j++) {
			const struct ynode *h = list->items[j], *tags;
			if (h->kind != YNODE_MAP || !h->nr)
				continue;
			tags = h->pairs[0].value;
			if (tags->kind == YNODE_SEQ) {
				for (k = 0; k < tags->nr; k++)
					if (str_of(tags->items[k]) && !strcmp(str_of(tags->items[k]), tag))
						break;
				if (k < tags->nr)
					strvec_push(out, ynode_str(h->pairs[0].key));
			} else if (str_of(tags) && strstr(str_of(tags), tag)) {
				/* String#include? on a single tag string. */
				strvec_push(out, ynode_str(h->pairs[0].key));
			}
		}
	}
}

static void accessory_hosts(const struct config *cfg, struct config_accessory *a)
{
	const struct ynode *n = a->node, *v;
	size_t i, j;

	if (ynode_find(n, "host")) {
		v = ynode_get(n, "host");
		if (str_of(v))
			strvec_push(&a->hosts, str_of(v));
	} else if (ynode_find(n, "hosts")) {
		v = ynode_get(n, "hosts");
		for (i = 0; v && v->kind == YNODE_SEQ && i < v->nr; i++)
			if (str_of(v->items[i]))
				strvec_push(&a->hosts, str_of(v->items[i]));
	} else if (ynode_find(n, "role")) {
		const struct config_role *r = find_role(cfg, str_of(ynode_get(n, "role")));
		for (i = 0; r && i < r->hosts.nr; i++)
			strvec_push(&a->hosts, r->hosts.v[i]);
	} else if (ynode_find(n, "roles")) {
		v = ynode_get(n, "roles");
		for (i = 0; v && v->kind == YNODE_SEQ && i < v->nr; i++) {
			const struct config_role *r = find_role(cfg, str_of(v->items[i]));
			for (j = 0; r && j < r->hosts.nr; j++)
				strvec_push(&a->hosts, r->hosts.v[j]);
		}
	} else if (ynode_find(n, "tag")) {
		hosts_with_tag(cfg, str_of(ynode_get(n, "tag")), &a->hosts);
	} else if (ynode_find(n, "tags")) {
		v = ynode_get(n, "tags");
		for (i = 0; v && v->kind == YNODE_SEQ && i < v->nr; i++)
			hosts_with_tag(cfg, str_of(v->items[i]), &a->hosts);
	}
}

/* Unknown roles were reported by validate.c, in Kamal's order. */
static void derive_accessories(struct config *cfg)
{
	const struct ynode *acc = ynode_get(cfg->raw, "accessories");
	size_t i;

	if (!acc || acc->kind != YNODE_MAP)
		return;
	cfg->accessories = xcalloc(acc->nr + 1, sizeof(*cfg->accessories));
	cfg->accessories_nr = acc->nr;
	for (i = 0; i < acc->nr; i++) {
		struct config_accessory *a = &cfg->accessories[i];
		a->name = ynode_str(acc->pairs[i].key) ? ynode_str(acc->pairs[i].key) : "";
		a->node = acc->pairs[i].value;
		strvec_init(&a->hosts);
		accessory_hosts(cfg, a);
	}
}

int config_derive(struct config *cfg, struct strbuf *err)
{
	const struct ynode *server = ynode_get(ynode_get(cfg->raw, "registry"), "server");
	const char *image;
	struct strbuf repo = STRBUF_INIT;
	size_t i, j;

	cfg->primary_role = str_of(ynode_get(cfg->raw, "primary_role"));
	if (!cfg->primary_role)
		cfg->primary_role = "web";
	cfg->service = str_of(ynode_get(cfg->raw, "service"));
	derive_roles(cfg);
	derive_accessories(cfg);
	for (i = 0; i < cfg->roles_nr; i++)
		for (j = 0; j < cfg->roles[i].hosts.nr; j++)
			push_unique(&cfg->all_hosts, cfg->roles[i].hosts.v[j]);
	for (i = 0; i < cfg->accessories_nr; i++)
		for (j = 0; j < cfg->accessories[i].hosts.nr; j++)
			push_unique(&cfg->all_hosts, cfg->accessories[i].hosts.v[j]);
	{
		const struct config_role *p = find_role(cfg, cfg->primary_role);
		cfg->primary_host = p && p->hosts.nr ? p->hosts.v[0] : NULL;
	}

	image = ynode_present(ynode_get(cfg->raw, "image")) ?
			str_of(ynode_get(cfg->raw, "image")) : NULL;
	if (!image && is_plain_string(server) && starts_with(server->text, "localhost:"))
		image = cfg->service;
	cfg->image = image;
	if (str_of(server))
		strbuf_addf(&repo, "%s/", str_of(server));
	strbuf_addstr(&repo, image ? image : "");
	cfg->repository = strbuf_detach(&repo, NULL);
	return 0;
}

/* Gem::Version's order, enough for "2.3.0" style numbers. */
static int version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		long x = strtol(a, (char **)&a, 10), y = strtol(b, (char **)&b, 10);
		if (x != y)
			return x < y ? -1 : 1;
		while (*a && *a != '.')
			a++;
		while (*b && *b != '.')
			b++;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
	}
	return 0;
}

/* Ruby's /^[a-z0-9_-]+$/i: some line of the name is all such characters. */
static int service_name_ok(const char *s)
{
	const char *line = s;

	while (line) {
		const char *p = line;
		while (*p && *p != '\n' && (isalnum((unsigned char)*p) || *p == '_' || *p == '-'))
			p++;
		if (p > line && (*p == '\n' || !*p))
			return 1;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return 0;
}

static void cerr(struct strbuf *err, const struct config *cfg, const struct ynode *at,
		 const char *fmt, ...) BERTH_PRINTF(4, 5);
static void cerr(struct strbuf *err, const struct config *cfg, const struct ynode *at,
		 const char *fmt, ...)
{
	va_list ap;

	if (at && at->file)
		strbuf_addf(err, "%s:%u: ", at->file, at->line);
	else
		strbuf_addf(err, "%s: ", cfg->config_file);
	va_start(ap, fmt);
	strbuf_vaddf(err, fmt, ap);
	va_end(ap);
	strbuf_addch(err, '\n');
}

static int ssl_on(const struct ynode *proxy)
{
	return ynode_truthy(ynode_get(proxy, "ssl"));
}

static int custom_cert(const struct ynode *proxy)
{
	const struct ynode *ssl = ynode_get(proxy, "ssl");
	return ssl && ssl->kind == YNODE_MAP &&
	       ynode_present(ynode_get(ssl, "certificate_pem")) &&
	       ynode_present(ynode_get(ssl, "private_key_pem"));
}

static void proxy_hosts(const struct ynode *proxy, struct strvec *out)
{
	const struct ynode *hosts = ynode_get(proxy, "hosts");
	const char *host = str_of(ynode_get(proxy, "host"));
	size_t i;

	if (hosts && hosts->kind == YNODE_SEQ) {
		for (i = 0; i < hosts->nr; i++)
			if (str_of(hosts->items[i]))
				strvec_push(out, str_of(hosts->items[i]));
	} else if (host) {
		const char *p = host, *comma;
		while ((comma = strchrnul(p, ',')), 1) {
			strvec_pushf(out, "%.*s", (int)(comma - p), p);
			if (!*comma)
				break;
			p = comma + 1;
		}
	}
}

static int nodes_equal(const struct ynode *a, const struct ynode *b)
{
	size_t i;

	if (!a || !b)
		return a == b;
	if (a->kind != b->kind || a->nr != b->nr)
		return 0;
	if (a->kind == YNODE_SEQ) {
		for (i = 0; i < a->nr; i++)
			if (!nodes_equal(a->items[i], b->items[i]))
				return 0;
		return 1;
	}
	if (a->kind == YNODE_MAP) {
		for (i = 0; i < a->nr; i++)
			if (!nodes_equal(a->pairs[i].key, b->pairs[i].key) ||
			    !nodes_equal(a->pairs[i].value, b->pairs[i].value))
				return 0;
		return 1;
	}
	return !strcmp(ynode_str(a), ynode_str(b));
}

/* Records one host's proxy run settings; differing ones are a conflict. */
static void note_proxy_run(const struct ynode *run, const struct ynode **first,
			   int *seen, int *conflict)
{
	if (!ynode_present(run))
		return;
	if ((*seen)++ && !nodes_equal(*first, run))
		*conflict = 1;
	if (!*first)
		*first = run;
}

static void check_ssl_roles(const struct config *cfg, struct strbuf *err)
{
	struct strvec hosts = STRVEC_INIT, dups = STRVEC_INIT;
	size_t i, j;

	for (i = 0; i < cfg->roles_nr; i++) {
		const struct config_role *r = &cfg->roles[i];
		if (!r->running_proxy || !ssl_on(r->proxy))
			continue;
		if (r->hosts.nr > 1 && !custom_cert(r->proxy))
			cerr(err, cfg, r->proxy,
			     "SSL is only supported on a single server unless you provide custom certificates, found %zu servers for role %s",
			     r->hosts.nr, r->name);
		proxy_hosts(r->proxy, &hosts);
	}
	for (i = 0; i < hosts.nr; i++)
		for (j = i + 1; j < hosts.nr; j++)
			if (!strcmp(hosts.v[i], hosts.v[j]))
				push_unique(&dups, hosts.v[i]);
	if (dups.nr) {
		char *list = strvec_join(&dups, ", ");
		cerr(err, cfg, ynode_get(cfg->raw, "proxy"),
		     "Different roles can't share the same host for SSL: %s", list);
		free(list);
	}
	strvec_clear(&hosts);
	strvec_clear(&dups);
}

static void check_proxy_runs(const struct config *cfg, struct strbuf *err)
{
	size_t h, i;

	for (h = 0; h < cfg->all_hosts.nr; h++) {
		const struct ynode *first = NULL;
		int conflict = 0, seen = 0;
		for (i = 0; i < cfg->roles_nr; i++) {
			const struct config_role *r = &cfg->roles[i];
			if (!r->running_proxy || strvec_find(&r->hosts, cfg->all_hosts.v[h]) < 0)
				continue;
			note_proxy_run(ynode_get(r->proxy, "run"), &first, &seen, &conflict);
		}
		for (i = 0; i < cfg->accessories_nr; i++) {
			const struct config_accessory *a = &cfg->accessories[i];
			const struct ynode *p = ynode_get(a->node, "proxy");
			if (!ynode_present(p) || strvec_find(&a->hosts, cfg->all_hosts.v[h]) < 0)
				continue;
			note_proxy_run(ynode_get(p, "run"), &first, &seen, &conflict);
		}
		if (conflict)
			cerr(err, cfg, first, "Conflicting proxy run configurations for host %s",
			     cfg->all_hosts.v[h]);
	}
}

static void check_hooks_output(const struct config *cfg, struct strbuf *err)
{
	const struct ynode *ho = ynode_get(cfg->raw, "hooks_output");
	size_t i;

	if (!ho)
		return;
	if (ho->kind == YNODE_STR) {
		if (strcmp(ho->text, "quiet") && strcmp(ho->text, "verbose"))
			cerr(err, cfg, ho, "Invalid hooks_output '%s', must be one of: quiet, verbose", ho->text);
	} else if (ho->kind == YNODE_MAP) {
		for (i = 0; i < ho->nr; i++) {
			const char *lvl = str_of(ho->pairs[i].value);
			if (lvl && strcmp(lvl, "quiet") && strcmp(lvl, "verbose"))
				cerr(err, cfg, ho->pairs[i].value,
				     "Invalid hooks_output '%s' for hook '%s', must be one of: quiet, verbose",
				     lvl, ynode_str(ho->pairs[i].key));
		}
	}
}

static void check_required(const struct config *cfg, struct strbuf *err)
{
	const struct ynode *root = cfg->raw;
	const struct config_role *primary;
	size_t i;

	if (!ynode_present(ynode_get(root, "service")))
		cerr(err, cfg, NULL, "Missing required configuration for service");
	if (!ynode_present(ynode_get(root, "registry")))
		cerr(err, cfg, NULL, "Missing required configuration for registry");
	if (!cfg->image || !*cfg->image)
		cerr(err, cfg, NULL, "Missing required configuration for image");
	if (!ynode_get(root, "servers") || ynode_get(root, "servers")->kind == YNODE_NULL) {
		if (!ynode_present(ynode_get(root, "accessories")))
			cerr(err, cfg, NULL, "No servers or accessories specified");
		return;
	}
	primary = find_role(cfg, cfg->primary_role);
	if (!primary) {
		cerr(err, cfg, ynode_get(root, "servers"), "The primary_role %s isn't defined",
		     cfg->primary_role);
		return;
	}
	if (!primary->hosts.nr) {
		cerr(err, cfg, ynode_get(root, "servers"),
		     "No servers specified for the %s primary_role", primary->name);
		return;
	}
	if (ynode_truthy(ynode_get(root, "allow_empty_roles")))
		return;
	for (i = 0; i < cfg->roles_nr; i++)
		if (!cfg->roles[i].hosts.nr)
			cerr(err, cfg, ynode_get(ynode_get(root, "servers"), cfg->roles[i].name),
			     "No servers specified for the %s role. You can ignore this with allow_empty_roles: true",
			     cfg->roles[i].name);
}

int config_check(struct config *cfg, struct strbuf *err)
{
	const struct ynode *root = cfg->raw, *n;
	const char *hooks = str_of(ynode_get(root, "hooks_path"));
	size_t before = err->len;
	static const char *old_hooks[] = { "pre-traefik-reboot", "post-traefik-reboot" };
	struct strvec found = STRVEC_INIT;
	size_t i;

	if (ynode_truthy(ynode_get(root, "require_destination")) && !cfg->destination)
		cerr(err, cfg, ynode_get(root, "require_destination"),
		     "You must specify a destination");
	check_required(cfg, err);
	n = ynode_get(root, "minimum_version");
	if (ynode_truthy(n) && str_of(n) && version_cmp(str_of(n), KAMAL_COMPAT_VERSION) > 0)
		cerr(err, cfg, n, "Current version is %s, minimum required is %s",
		     KAMAL_COMPAT_VERSION, str_of(n));
	n = ynode_get(root, "retain_containers");
	if (n && n->kind == YNODE_INT && n->ival < 1)
		cerr(err, cfg, n, "Must retain at least 1 container");
	n = ynode_get(root, "service");
	if (!n || n->kind != YNODE_STR || !service_name_ok(n->text))
		cerr(err, cfg, n,
		     "Service name can only include alphanumeric characters, hyphens, and underscores");
	for (i = 0; i < ARRAY_SIZE(old_hooks); i++) {
		struct strbuf path = STRBUF_INIT;
		struct stat st;
		strbuf_addf(&path, "%s/%s", hooks ? hooks : ".kamal/hooks", old_hooks[i]);
		if (!stat(path.buf, &st))
			strvec_push(&found, old_hooks[i]);
		strbuf_release(&path);
	}
	if (found.nr) {
		char *list = strvec_join(&found, ", ");
		cerr(err, cfg, NULL, "Found %s, these should be renamed to (pre|post)-proxy-reboot", list);
		free(list);
	}
	strvec_clear(&found);
	check_ssl_roles(cfg, err);
	n = ynode_get(ynode_get(root, "builder"), "remote");
	if (cfg->image && str_of(ynode_get(ynode_get(root, "registry"), "server")) &&
	    starts_with(str_of(ynode_get(ynode_get(root, "registry"), "server")), "localhost:") &&
	    ynode_truthy(n) && ynode_present(ynode_get(ynode_get(root, "builder"), "arch")) &&
	    !(str_of(n) && starts_with(str_of(n), "ssh:")))
		cerr(err, cfg, n,
		     "Local registry with remote builder requires an SSH URL (e.g., ssh://user@host)");
	check_proxy_runs(cfg, err);
	check_hooks_output(cfg, err);
	return err->len > before ? -1 : 0;
}
