/*
 * deploy.c - the operations the control socket asks for: deploy (health
 * check, flip, drain), remove, pause/resume/stop, rollout, list.
 *
 * A deploy never touches the running service until its new targets are
 * healthy: the new configuration is built aside (certificates loaded,
 * hosts checked for conflicts), then swapped in by copying it over the
 * live struct, so requests in flight keep valid pointers. Old targets
 * drain: they get no new requests, and whatever still runs on them at
 * the drain deadline is answered 504 (or closed, if streaming).
 */
#include "relay-int.h"
#include "log.h"
#include <sys/stat.h>

struct deploy_op {
	struct ctl *ctl;
	struct service *ns;
	int rollout; /* rollout deploy: targets become the rollout set */
	int n, nhealthy;
	struct target **t;
	struct health_check **hc;
	int *healthy;
	uint64_t *retry_at;
	char last_why[200]; /* the last failed check's answer, for the timeout error */
	uint64_t deadline, interval, hc_timeout, drain_ms, deploy_ms;
	const char *hc_path, *hc_host;
	int hc_port;
	/* drain phase */
	int draining;
	struct target **old;
	int nold;
	uint64_t drain_deadline;
	struct deploy_op *next;
};

static struct deploy_op *ops;

static const char *jstr(cJSON *o, const char *k, const char *def)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
	return v && *v ? v : def;
}

static double jnum(cJSON *o, const char *k, double def)
{
	cJSON *v = cJSON_GetObjectItem(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

static int jbool(cJSON *o, const char *k, int def)
{
	cJSON *v = cJSON_GetObjectItem(o, k);
	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : def;
}

static void jlist(cJSON *o, const char *k, struct strvec *out)
{
	cJSON *a = cJSON_GetObjectItem(o, k), *it;
	cJSON_ArrayForEach(it, a) {
		if (cJSON_IsString(it) && *it->valuestring)
			strvec_push(out, it->valuestring);
	}
}

static void service_free(struct service *s)
{
	for (int i = 0; i < s->ntargets; i++)
		target_put(s->targets[i]);
	for (int i = 0; i < s->nreaders; i++)
		target_put(s->readers[i]);
	free(s->targets);
	free(s->readers);
	strvec_clear(&s->hosts);
	strvec_clear(&s->prefixes);
	strvec_clear(&s->log_req);
	strvec_clear(&s->log_resp);
	strvec_clear(&s->no_metrics);
	free(s->name);
	free(s->canonical_host);
	free(s->client_ip_header);
	free(s->health_path);
	free(s->health_host);
	error_pages_free(s->error_pages);
	free(s->acme_cache);
	free(s->od_url);
	ondemand_free(s);
	if (s->ssl_ctx)
		SSL_CTX_free(s->ssl_ctx);
	cJSON_Delete(s->args);
	free(s);
}

static int add_targets(cJSON *args, const char *key, struct target ***out,
		       int *n, struct strbuf *err)
{
	cJSON *a = cJSON_GetObjectItem(args, key), *it;
	cJSON_ArrayForEach(it, a) {
		if (!cJSON_IsString(it))
			continue;
		struct target *t = target_new(it->valuestring, err);
		if (!t)
			return -1;
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = t;
	}
	return 0;
}

/* --tls-on-demand-url: certificates for hosts approved at first use. */
static int on_demand_options(struct service *s, const char *url, int cert,
			     struct strbuf *err)
{
	if (!s->tls)
		strbuf_addstr(err, "TLS must be enabled to use a TLS on-demand URL");
	else if (s->hosts.nr)
		strbuf_addstr(err, "cannot set hosts when using a TLS on-demand URL");
	else if (cert)
		strbuf_addstr(err, "cannot use a custom TLS certificate with a TLS on-demand URL");
	else if (s->canonical_host)
		strbuf_addstr(err, "cannot set a canonical host when using a TLS on-demand URL");
	else if (s->prefixes.nr && strvec_find(&s->prefixes, "/") < 0)
		strbuf_addstr(err, "TLS settings must be specified on the root path service");
	else if (ondemand_valid_url(url, err) == 0)
		s->od_url = xstrdup(url);
	return s->od_url ? 0 : -1;
}

/* Builds a service from deploy arguments; NULL with err filled. */
static struct service *service_build(cJSON *args, struct strbuf *err)
{
	struct service *s = xcalloc(1, sizeof(*s));
	s->name = xstrdup(jstr(args, "service", ""));
	s->args = cJSON_Duplicate(args, 1);
	strvec_init(&s->hosts);
	strvec_init(&s->prefixes);
	strvec_init(&s->log_req);
	strvec_init(&s->log_resp);
	strvec_init(&s->no_metrics);
	strvec_init(&s->rollout_list);
	jlist(args, "hosts", &s->hosts);
	jlist(args, "path_prefixes", &s->prefixes);
	jlist(args, "log_request_headers", &s->log_req);
	jlist(args, "log_response_headers", &s->log_resp);
	jlist(args, "exclude_metrics_paths", &s->no_metrics);
	s->strip_prefix = jbool(args, "strip_path_prefix", 1);
	s->tls = jbool(args, "tls", 0);
	s->tls_redirect = jbool(args, "tls_redirect", 1);
	s->tls_staging = jbool(args, "tls_staging", 0);
	s->forward_headers = jbool(args, "forward_headers", !s->tls);
	const char *v;
	if ((v = jstr(args, "canonical_host", NULL)))
		s->canonical_host = xstrdup(v);
	if ((v = jstr(args, "client_ip_header", NULL)))
		s->client_ip_header = xstrdup(v);
	s->health_path = xstrdup(jstr(args, "health_check_path", "/up"));
	const char *hh = jstr(args, "health_check_host", NULL);
	s->health_host = hh ? xstrdup(hh) : NULL;
	s->health_interval_ms = (uint64_t)jnum(args, "health_check_interval_ms", 1000);
	s->health_timeout_ms = (uint64_t)jnum(args, "health_check_timeout_ms", 5000);
	s->health_port = (int)jnum(args, "health_check_port", 0);
	s->target_timeout_ms = (uint64_t)jnum(args, "target_timeout_ms", 30000);
	s->writer_affinity_ms = (uint64_t)jnum(args, "writer_affinity_timeout_ms", 1000);
	s->readers_take_websockets = jbool(args, "read_target_websockets", 0);
	s->scope_cookie_paths = jbool(args, "scope_cookie_paths", 0);
	s->buffer_requests = jbool(args, "buffer_requests", 0);
	s->buffer_responses = jbool(args, "buffer_responses", 0);
	s->max_req_body = (uint64_t)jnum(args, "max_request_body", 0);
	s->max_resp_body = (uint64_t)jnum(args, "max_response_body", 0);
	s->buffer_memory = (uint64_t)jnum(args, "buffer_memory", 1 << 20);
	s->pause_deadline_ms = 30000;
	if (!*s->name) {
		strbuf_addstr(err, "a service name is required");
		goto fail;
	}
	if ((v = jstr(args, "error_pages", NULL)) &&
	    !(s->error_pages = error_pages_load(v, err)))
		goto fail;
	const char *cert = jstr(args, "tls_certificate_path", NULL);
	const char *key = jstr(args, "tls_private_key_path", NULL);
	if ((v = jstr(args, "tls_on_demand_url", NULL)) && *v &&
	    on_demand_options(s, v, cert || key, err) < 0)
		goto fail;
	if (s->tls && !s->hosts.nr && !s->od_url) {
		strbuf_addstr(err, "TLS settings must be specified with a host");
		goto fail;
	}
	if (s->tls && cert && key) {
		s->ssl_ctx = tls_load(cert, key, err);
		if (!s->ssl_ctx)
			goto fail;
	} else if (s->tls) {
		struct strbuf cache = STRBUF_INIT;
		const char *c = jstr(args, "tls_acme_cache_path", NULL);
		if (c)
			strbuf_addstr(&cache, c);
		else
			strbuf_addf(&cache, "%s/certs", cfg.state_dir);
		if (!s->od_url) /* on-demand hosts order when first asked for */
			s->ssl_ctx = autotls_prepare(s->name, &s->hosts, cache.buf,
						     s->tls_staging, err);
		s->acme_cache = strbuf_detach(&cache, NULL);
		if (!s->ssl_ctx && err->len)
			goto fail;
	}
	if (s->canonical_host && s->hosts.nr &&
	    strvec_find(&s->hosts, s->canonical_host) < 0) {
		strbuf_addf(err, "canonical-host '%s' must be present in the hosts list",
			    s->canonical_host);
		goto fail;
	}
	if (add_targets(args, "targets", &s->targets, &s->ntargets, err) < 0 ||
	    add_targets(args, "read_targets", &s->readers, &s->nreaders, err) < 0)
		goto fail;
	return s;
fail:
	service_free(s);
	return NULL;
}

static int routes_conflict(struct service *ns, struct strbuf *err)
{
	static const char *catch_all[] = { "", NULL };
	static const char *root[] = { "/", NULL };
	const char **nh = ns->hosts.nr ? ns->hosts.v : catch_all;
	const char **np = ns->prefixes.nr ? ns->prefixes.v : root;
	for (struct service *s = services; s; s = s->next) {
		if (!strcmp(s->name, ns->name))
			continue;
		const char **sh = s->hosts.nr ? s->hosts.v : catch_all;
		const char **sp = s->prefixes.nr ? s->prefixes.v : root;
		for (const char **a = nh; *a; a++)
			for (const char **b = sh; *b; b++) {
				if (strcasecmp(*a, *b))
					continue;
				for (const char **p = np; *p; p++)
					for (const char **q = sp; *q; q++)
						if (!strcmp(*p, *q)) {
							strbuf_addf(err, "host settings conflict with another service ('%s' uses %s%s)",
								    s->name, **a ? *a : "the default host", *p);
							return 1;
						}
			}
	}
	return 0;
}

/* Puts ns live (replacing a service of the same name); returns old targets. */
static void install(struct service *ns, uint64_t drain_ms, struct target ***old, int *nold)
{
	struct service *s = service_find(ns->name);
	*old = NULL;
	*nold = 0;
	if (!s) {
		struct service **pp = &services;
		while (*pp)
			pp = &(*pp)->next;
		*pp = ns;
		return;
	}
	/* Swap fields so s keeps its address and its state (paused...). */
	struct service tmp = *s;
	enum svc_state st = s->state;
	char *msg = s->stop_message;
	uint64_t pd = s->pause_deadline_ms;
	struct service *next = s->next;
	struct target **ro = s->rollout;
	int nro = s->nrollout, rp = s->rollout_percent;
	struct strvec rl = s->rollout_list;
	*s = *ns;
	s->state = st;
	s->stop_message = msg;
	s->pause_deadline_ms = pd;
	s->next = next;
	s->rollout = ro;
	s->nrollout = nro;
	s->rollout_percent = rp;
	s->rollout_list = rl;
	*old = xcalloc(tmp.ntargets + tmp.nreaders + 1, sizeof(**old));
	for (int i = 0; i < tmp.ntargets; i++)
		(*old)[(*nold)++] = tmp.targets[i];
	for (int i = 0; i < tmp.nreaders; i++)
		(*old)[(*nold)++] = tmp.readers[i];
	tmp.ntargets = tmp.nreaders = 0;
	tmp.nrollout = 0;
	tmp.rollout = NULL;
	strvec_init(&tmp.rollout_list);
	tmp.stop_message = NULL;
	struct service *husk = xmalloc(sizeof(*husk));
	*husk = tmp;
	/* Connections using the old SSL_CTX hold their own reference (taken
	 * by SSL_set_SSL_CTX), so the service's can go. */
	service_free(husk);
	free(ns);
	for (int i = 0; i < *nold; i++) {
		(*old)[i]->refs++; /* ours, until the drain ends */
		target_drain((*old)[i], drain_ms);
	}
}

struct service *service_restore(cJSON *args, struct strbuf *err)
{
	struct service *ns = service_build(args, err);
	struct target **old;
	int nold;
	if (!ns)
		return NULL;
	if (routes_conflict(ns, err)) {
		service_free(ns);
		return NULL;
	}
	const char *name = ns->name;
	install(ns, 0, &old, &nold);
	for (int i = 0; i < nold; i++)
		target_put(old[i]);
	free(old);
	return service_find(name);
}

static void op_free(struct deploy_op *op)
{
	for (int i = 0; i < op->n; i++)
		health_cancel(op->hc[i]);
	free(op->t);
	free(op->hc);
	free(op->healthy);
	free(op->retry_at);
	for (int i = 0; i < op->nold; i++)
		target_put(op->old[i]);
	free(op->old);
	free(op);
}

static void op_unlink(struct deploy_op *op)
{
	struct deploy_op **pp = &ops;
	while (*pp && *pp != op)
		pp = &(*pp)->next;
	if (*pp)
		*pp = op->next;
}

static void health_done(void *data, int ok, const char *why);

static void start_check(struct deploy_op *op, int i)
{
	op->hc[i] = health_start(op->t[i], op->hc_path, op->hc_host, op->hc_port,
				 op->hc_timeout, health_done, op);
	if (!op->hc[i])
		op->retry_at[i] = now_ms() + op->interval;
}

static void health_done(void *data, int ok, const char *why)
{
	struct deploy_op *op = data;
	/* Which check finished: the one whose pointer is done. */
	for (int i = 0; i < op->n; i++) {
		if (op->healthy[i] || !op->hc[i] || !health_is_done(op->hc[i]))
			continue;
		op->hc[i] = NULL;
		if (ok) {
			op->healthy[i] = 1;
			op->nhealthy++;
		} else {
			op->retry_at[i] = now_ms() + op->interval;
			if (why)
				snprintf(op->last_why, sizeof(op->last_why), "%s", why);
		}
	}
}

static void go_live(struct deploy_op *op)
{
	if (op->rollout) {
		struct service *s = service_find(op->ns->name);
		if (!s) {
			ctl_reply_error(op->ctl, "service '%s' not found", op->ns->name);
			op->ctl = NULL;
			return;
		}
		for (int i = 0; i < s->nrollout; i++)
			target_drain(s->rollout[i], op->drain_ms);
		free(s->rollout);
		s->rollout = op->ns->targets;
		s->nrollout = op->ns->ntargets;
		op->ns->targets = NULL;
		op->ns->ntargets = 0;
		service_free(op->ns);
		op->ns = NULL;
	} else {
		install(op->ns, op->drain_ms, &op->old, &op->nold);
		op->ns = NULL;
	}
	router_save();
	op->draining = 1;
	op->drain_deadline = now_ms() + op->drain_ms;
}

void deploy_tick(void)
{
	uint64_t now = now_ms();
	router_tick();
	struct deploy_op *op, *next;
	for (op = ops; op; op = next) {
		next = op->next;
		if (!op->draining) {
			if (op->nhealthy == op->n) {
				go_live(op);
			} else if (now >= op->deadline) {
				/* kamal-proxy's words, then what the check last got. */
				ctl_reply_error(op->ctl, "target failed to become healthy within configured timeout (%llus)%s%s",
						(unsigned long long)(op->deploy_ms / 1000),
						op->last_why[0] ? ": last health check: " : "",
						op->last_why);
				op->ctl = NULL;
				service_free(op->ns);
				op->ns = NULL;
				op_unlink(op);
				op_free(op);
				continue;
			} else {
				for (int i = 0; i < op->n; i++)
					if (!op->healthy[i] && !op->hc[i] &&
					    op->retry_at[i] <= now)
						start_check(op, i);
				continue;
			}
		}
		int busy = 0;
		for (int i = 0; i < op->nold; i++)
			busy += op->old[i]->active;
		if (!busy || now >= op->drain_deadline + 200) {
			if (op->ctl)
				ctl_reply(op->ctl, NULL);
			op_unlink(op);
			op_free(op);
		}
	}
}

static void op_deploy(struct ctl *c, cJSON *req, int rollout)
{
	struct strbuf err = STRBUF_INIT;
	struct service *ns;
	if (rollout) {
		struct service *cur = service_find(jstr(req, "service", ""));
		if (!cur) {
			ctl_reply_error(c, "service '%s' not found", jstr(req, "service", ""));
			return;
		}
	}
	ns = service_build(req, &err);
	if (!ns || (!rollout && routes_conflict(ns, &err))) {
		ctl_reply_error(c, "%s", err.buf);
		if (ns)
			service_free(ns);
		strbuf_release(&err);
		return;
	}
	strbuf_release(&err);
	if (!ns->ntargets) {
		ctl_reply_error(c, "at least one --target is required");
		service_free(ns);
		return;
	}
	struct deploy_op *op = xcalloc(1, sizeof(*op));
	op->ctl = c;
	op->ns = ns;
	op->rollout = rollout;
	op->n = ns->ntargets + ns->nreaders;
	op->t = xcalloc(op->n, sizeof(*op->t));
	for (int i = 0; i < ns->ntargets; i++)
		op->t[i] = ns->targets[i];
	for (int i = 0; i < ns->nreaders; i++)
		op->t[ns->ntargets + i] = ns->readers[i];
	op->hc = xcalloc(op->n, sizeof(*op->hc));
	op->healthy = xcalloc(op->n, sizeof(int));
	op->retry_at = xcalloc(op->n, sizeof(uint64_t));
	op->deploy_ms = (uint64_t)jnum(req, "deploy_timeout_ms", 30000);
	op->drain_ms = (uint64_t)jnum(req, "drain_timeout_ms", 30000);
	op->interval = (uint64_t)jnum(req, "health_check_interval_ms", 1000);
	op->hc_timeout = (uint64_t)jnum(req, "health_check_timeout_ms", 5000);
	op->hc_path = ns->health_path;
	op->hc_host = jstr(ns->args, "health_check_host", NULL);
	op->hc_port = (int)jnum(req, "health_check_port", 0);
	op->deadline = now_ms() + op->deploy_ms;
	op->next = ops;
	ops = op;
	if (jbool(req, "force", 0)) {
		for (int i = 0; i < op->n; i++)
			op->healthy[i] = 1;
		op->nhealthy = op->n;
		go_live(op);
		return;
	}
	for (int i = 0; i < op->n; i++)
		start_check(op, i);
}

static void op_list(struct ctl *c)
{
	cJSON *r = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(r, "services");
	for (struct service *s = services; s; s = s->next) {
		cJSON *o = cJSON_CreateObject();
		char *hosts = strvec_join(&s->hosts, ",");
		char *paths = strvec_join(&s->prefixes, ",");
		struct strbuf tg = STRBUF_INIT;
		for (int i = 0; i < s->ntargets; i++)
			strbuf_addf(&tg, "%s%s", i ? "," : "", s->targets[i]->addr);
		cJSON_AddStringToObject(o, "service", s->name);
		cJSON_AddStringToObject(o, "host", hosts);
		cJSON_AddStringToObject(o, "path", *paths ? paths : "/");
		cJSON_AddStringToObject(o, "target", tg.buf);
		cJSON_AddStringToObject(o, "state", s->state == SVC_PAUSED ? "paused" :
					s->state == SVC_STOPPED ? "stopped" : "running");
		cJSON_AddBoolToObject(o, "tls", s->tls);
		cJSON_AddItemToArray(arr, o);
		free(hosts);
		free(paths);
		strbuf_release(&tg);
	}
	ctl_reply(c, r);
}

/*
 * pause and stop answer once the requests already running on the service
 * are done, or after their --drain-timeout: the drain phase of an op with
 * the service's current targets, which are not marked draining.
 */
static int wait_in_flight(struct ctl *c, struct service *s, uint64_t ms)
{
	int busy = 0;
	for (int i = 0; i < s->ntargets; i++)
		busy += s->targets[i]->active;
	for (int i = 0; i < s->nreaders; i++)
		busy += s->readers[i]->active;
	if (!busy || !ms)
		return 0;
	struct deploy_op *op = xcalloc(1, sizeof(*op));
	op->ctl = c;
	op->draining = 1;
	op->drain_deadline = now_ms() + ms;
	op->old = xcalloc(s->ntargets + s->nreaders, sizeof(*op->old));
	for (int i = 0; i < s->ntargets; i++)
		op->old[op->nold++] = s->targets[i];
	for (int i = 0; i < s->nreaders; i++)
		op->old[op->nold++] = s->readers[i];
	for (int i = 0; i < op->nold; i++)
		op->old[i]->refs++;
	op->next = ops;
	ops = op;
	return 1;
}

void op_dispatch(struct ctl *c, cJSON *req)
{
	const char *cmd = jstr(req, "cmd", "");
	const char *name = jstr(req, "service", "");
	struct service *s = *name ? service_find(name) : NULL;
	if (!strcmp(cmd, "deploy")) {
		op_deploy(c, req, 0);
		return;
	}
	if (!strcmp(cmd, "rollout-deploy")) {
		op_deploy(c, req, 1);
		return;
	}
	if (!strcmp(cmd, "list")) {
		op_list(c);
		return;
	}
	if (!strcmp(cmd, "version")) {
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "version", BERTH_PROXY_VERSION);
		ctl_reply(c, r);
		return;
	}
	if (!s) {
		ctl_reply_error(c, "service '%s' not found", name);
		return;
	}
	if (!strcmp(cmd, "remove")) {
		struct service **pp = &services;
		while (*pp != s)
			pp = &(*pp)->next;
		*pp = s->next;
		s->state = SVC_STOPPED;
		relay_release_held(s);
		for (int i = 0; i < s->ntargets; i++)
			target_drain(s->targets[i], 0);
		for (int i = 0; i < s->nreaders; i++)
			target_drain(s->readers[i], 0);
		for (int i = 0; i < s->nrollout; i++)
			target_drain(s->rollout[i], 0);
		/* Requests in flight may still point at s: it is never freed. */
		s->ntargets = s->nreaders = s->nrollout = 0;
		s->next = NULL;
		router_save();
	} else if (!strcmp(cmd, "stop")) {
		free(s->stop_message);
		s->stop_message = xstrdup(jstr(req, "message", ""));
		s->state = SVC_STOPPED;
		relay_release_held(s);
		router_save();
		if (wait_in_flight(c, s, (uint64_t)jnum(req, "drain_timeout_ms", 30000)))
			return;
	} else if (!strcmp(cmd, "pause")) {
		s->state = SVC_PAUSED;
		s->pause_deadline_ms = (uint64_t)jnum(req, "max_pause_ms", 30000);
		router_save();
		if (wait_in_flight(c, s, (uint64_t)jnum(req, "drain_timeout_ms", 30000)))
			return;
	} else if (!strcmp(cmd, "resume")) {
		s->state = SVC_RUNNING;
		relay_release_held(s);
		router_save();
	} else if (!strcmp(cmd, "rollout-set")) {
		s->rollout_percent = (int)jnum(req, "percent", 0);
		strvec_clear(&s->rollout_list);
		jlist(req, "list", &s->rollout_list);
	} else if (!strcmp(cmd, "rollout-stop")) {
		for (int i = 0; i < s->nrollout; i++)
			target_drain(s->rollout[i], 30000);
		free(s->rollout);
		s->rollout = NULL;
		s->nrollout = 0;
		s->rollout_percent = 0;
		strvec_clear(&s->rollout_list);
	} else {
		ctl_reply_error(c, "unknown command '%s'", cmd);
		return;
	}
	ctl_reply(c, NULL);
}
