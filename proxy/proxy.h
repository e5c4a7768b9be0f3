/*
 * proxy.h - the berth-proxy daemon's shared types and entry points.
 *
 * One thread, one epoll loop (loop.c). Everything registered with epoll
 * starts with a struct ev, whose type says which module handles it:
 *   relay.c    client connections: the state machine, events, timers
 *              (relay-route.c: what a request head becomes; relay-message.c:
 *              request out, response head back; relay-buffer.c: buffered
 *              bodies; relay-io.c: socket I/O; upstream.c: target
 *              connections, their pool, failures and retries)
 *   router.c   services, routes, targets, deploy/drain, the state file
 *   health.c   health checks of new targets
 *   control.c  the control socket that the CLI commands talk to
 *   tls.c      certificates and SNI
 * Ownership: the router owns services and targets; a target lives while a
 * service or an in-flight request references it (refs). A client conn owns
 * at most one upstream at a time; idle upstreams belong to their target's
 * pool.
 */
#ifndef BERTH_PROXY_PROXY_H
#define BERTH_PROXY_PROXY_H

#include "compat.h"
#include "strbuf.h"
#include "strvec.h"
#include "http1.h"
#include <stdint.h>
#include <sys/socket.h>
#include <openssl/ssl.h>
#include <cJSON.h>

#define BERTH_PROXY_VERSION "0.1.0"

enum ev_type {
	EV_LISTEN, EV_CLIENT, EV_UPSTREAM, EV_CTL_LISTEN, EV_CTL, EV_HEALTH, EV_HOLDER
};

struct ev {
	int type;
	int fd;
};

/* ---- loop.c ---- */
int loop_init(void);
int loop_add(struct ev *ev, uint32_t events);
void loop_del(struct ev *ev);
uint64_t now_ms(void);	/* monotonic, cached per loop iteration */
uint64_t wall_ms(void);	/* realtime */
void loop_run(volatile int *stop);
int set_nonblock(int fd);

/* ---- globals (main.c fills them) ---- */
struct proxy_config {
	int http_port, https_port, metrics_port;
	struct strvec binds;
	const char *state_dir;
	const char *socket_path;
	const char *state_path;
	int debug;
	int reuse_port; /* --reuse-port: a successor may listen on the same ports */
	int holder;     /* --holder: the listening sockets come from berth's port holder */
	int max_conns;
	uint64_t header_timeout_ms, idle_timeout_ms;
	size_t max_head;
};
extern struct proxy_config cfg;

/* ---- router.c ---- */
struct upstream;

struct target {
	char *addr; /* host:port as given */
	struct sockaddr_storage sa;
	socklen_t salen;
	int refs;   /* services + in-flight requests */
	int active; /* in-flight requests and tunnels */
	int draining;
	uint64_t drain_deadline;
	struct upstream *idle;
	int nidle;
	/* Between deploys (monitor.c): out of rotation after a failed check. */
	int unhealthy;
	struct health_check *mon;
	uint64_t mon_next;
	struct target *next; /* all targets */
};

enum svc_state { SVC_RUNNING, SVC_PAUSED, SVC_STOPPED };

struct service {
	char *name;
	cJSON *args; /* the deploy arguments, as saved in the state file */
	struct strvec hosts, prefixes;
	int strip_prefix, tls, tls_redirect, forward_headers;
	int tls_staging; /* ACME orders go to Let's Encrypt's staging CA */
	char *canonical_host, *client_ip_header, *health_path, *health_host;
	uint64_t health_interval_ms, health_timeout_ms;
	int health_port;
	struct strvec log_req, log_resp;
	struct strvec no_metrics; /* --exclude-metrics-path: routed paths */
	uint64_t target_timeout_ms, writer_affinity_ms;
	uint64_t max_req_body, max_resp_body;
	uint64_t buffer_memory; /* per buffered body; the rest spills to disk */
	int buffer_requests, buffer_responses;
	int readers_take_websockets; /* --read-target-websockets */
	int scope_cookie_paths;       /* --scope-cookie-paths */
	struct target **targets, **readers;
	int ntargets, nreaders;
	unsigned rr;
	struct target **rollout;
	int nrollout, rollout_percent;
	struct strvec rollout_list;
	enum svc_state state;
	char *stop_message;
	uint64_t pause_deadline_ms; /* max-pause */
	SSL_CTX *ssl_ctx;
	struct error_pages *error_pages; /* --error-pages, parsed (pages.c) */
	char *acme_cache; /* automatic TLS: the certificate cache */
	char *od_url;        /* --tls-on-demand-url (ondemand.c) */
	struct od_table *od; /* its hosts and their certificates */
	struct service *next;
};

extern struct service *services;

struct service *route(struct slice host, struct slice path, size_t *prefix_len);
struct target *service_pick(struct service *s, int is_read, struct slice cookie);
/*
 * For a retry (upstream.c): another target in rotation to send a request
 * to that failed could not take; NULL if none.
 */
struct target *service_repick(struct service *s, const struct target *failed);
/* How many targets t's group in s has, as monitor.c checks them (0: not in s). */
int service_group_size(const struct service *s, const struct target *t);
void target_put(struct target *t); /* drop a reference */
int router_restore(void);
int router_save(void);
struct service *service_find(const char *name);
void router_tick(void);

/* ---- proxyproto.c ---- */
/* Accept PROXY protocol headers from this CIDR (run --proxy-protocol-from). */
int proxyproto_trust(const char *cidr);

/* ---- relay.c ---- */
int relay_listen(const char *addr, int port, int tls, int metrics);
/* Bound, listening sockets for addr (NULL: every address) and port: up to max; -1 for none. */
int relay_open_sockets(const char *addr, int port, int *fds, int max);
/* A listening socket made elsewhere (berth's port holder) joins the loop. */
void relay_adopt_listener(int fd, int port, int tls, int metrics);

/* ---- handoff.c: berth's port holder ---- */
/* berth-proxy hold: binds cfg's ports, hands them to proxies on path until *stop. */
int handoff_hold(const char *path, volatile int *stop);
/* A proxy's listeners from the holder on path; waits for one (until *stop). */
void handoff_fetch(const char *path, volatile int *stop);
void handoff_event(struct ev *ev, uint32_t events);
/* Asks a new holder for sockets when the old one went away. */
void handoff_tick(int shutting_down);
/* STATE_DIR/berth-listeners.sock */
#define HANDOFF_SOCKET_NAME "berth-listeners.sock"
void relay_event(struct ev *ev, uint32_t events);
void relay_tick(void);
/* Handshakes parked for an on-demand certificate try again (tls.c). */
void relay_wake_tls(void);
/* Held (paused) requests of s: go on routing, or fail with 503/504. */
void relay_release_held(struct service *s);
/* Ends requests still running on a target whose drain timed out. */
void relay_abort_target(struct target *t);
int relay_count_conns(void);
/* Graceful stop: close listeners and idle clients; busy: requests left. */
void relay_shutdown_begin(void);
int relay_busy(void);
/*
 * Gives connections that used up their turn another one; returns whether
 * some still have work (then the loop must not sleep). Before relay_reap().
 */
int relay_run_queued(void);
/* Frees connections closed during this loop iteration. */
void relay_reap(void);

/* ---- h2.c: HTTP/2 connections (h2.h) ---- */
/* Runs the ones with frames to send; once per loop iteration, before reap. */
void h2_flush_pending(void);
int h2_pending(void); /* some yielded with work left: don't sleep */

/* ---- health.c ---- */
struct health_check;
typedef void (*health_cb)(void *data, int ok, const char *why);
struct health_check *health_start(struct target *t, const char *path,
				  const char *host, int port,
				  uint64_t timeout_ms, health_cb cb, void *data);
void health_cancel(struct health_check *hc);
int health_is_done(struct health_check *hc);
void health_event(struct ev *ev, uint32_t events);
void health_tick(void);

/*
 * ---- monitor.c ----
 * Keeps checking the targets of services that have more than one, as
 * kamal-proxy does, so a failing target leaves the rotation and a
 * recovered one returns. A single target is never taken out: with no
 * other to send to, a 502 says more than a 503.
 */
void monitor_tick(void);
/*
 * Passive ejection: t (of s) refused a connection, so it leaves the
 * rotation now instead of at its next failed check; the checks bring it
 * back. A lone target stays, as above.
 */
void monitor_eject(struct service *s, struct target *t, const char *why);

/* ---- control.c ---- */
int control_listen(const char *path);
/* Removes the socket at exit, unless a successor has bound the path since. */
void control_unlink(const char *path);
void control_event(struct ev *ev, uint32_t events);
void control_tick(void);
struct ctl;
void ctl_reply(struct ctl *c, cJSON *resp); /* takes resp; closes */
void ctl_reply_error(struct ctl *c, const char *fmt, ...) BERTH_PRINTF(2, 3);

/* ---- deploy.c (router operations requested by control) ---- */
void op_dispatch(struct ctl *c, cJSON *req);
void deploy_tick(void);

/* ---- tls.c ---- */
int tls_init(void);
SSL_CTX *tls_load(const char *cert, const char *key, struct strbuf *err);
SSL *tls_new_conn(int fd);
extern SSL_CTX *tls_default_ctx;

/* ---- autotls.c: ACME certificates ---- */
/*
 * For a --tls service without a certificate: returns a context from the
 * cache if a valid certificate is there, else NULL after queueing an order
 * (installed into the service when it arrives). NULL with err filled only
 * when no host can have a certificate.
 */
SSL_CTX *autotls_prepare(const char *service, const struct strvec *hosts,
			 const char *cache, int staging, struct strbuf *err);
/* Answers an HTTP-01 challenge for s: 0 and the body in out, else -1. */
struct service;
int autotls_http01(struct service *s, struct slice host, struct slice path,
		   struct strbuf *out);
/*
 * The pending TLS-ALPN-01 answer for servername, if it names a host with
 * automatic TLS (live, or whose order is running): 0 and new references
 * the caller frees, else -1. pending() only says whether there is one.
 */
int autotls_tlsalpn01(const char *servername, X509 **cert, EVP_PKEY **key);
int autotls_tlsalpn01_pending(const char *servername);
void autotls_tick(void);
/* The cached certificate for domain as a context, if valid (fresh_only: and
 * not due for renewal); NULL otherwise. */
SSL_CTX *autotls_load_cached(const char *cache, const char *domain, int fresh_only);
/*
 * Queues an order for one host of an on-demand service, unless one is
 * queued or running; check (and check_host) go to the helper's --check.
 * ondemand_done() hears the outcome. -1 when the queue is full.
 */
int autotls_order_host(const char *service, const char *cache, int staging,
		       const char *domain, const char *check, const char *check_host);

/* ---- ondemand.c: --tls-on-demand-url ---- */
enum od_state { OD_READY, OD_WAIT, OD_DENY };
/*
 * The certificate for servername on s (an on-demand service): READY with
 * *ctx (borrowed), WAIT while its order runs (may_order: start one if none
 * and none failed lately), else DENY.
 */
enum od_state ondemand_lookup(struct service *s, const char *servername,
			      int may_order, SSL_CTX **ctx);
/* The helper's exit code for host: 0 issued, 3 denied by the check. */
void ondemand_done(const char *service, const char *host, int code);
void ondemand_renew(struct service *s); /* orders those due for renewal */
void ondemand_free(struct service *s);
/* 0 if url is a path or an absolute http(s) URL, else -1 and why in err. */
int ondemand_valid_url(const char *url, struct strbuf *err);

/* ---- metrics ---- */
struct proxy_stats {
	uint64_t requests, responses[6], conns_accepted, conns_refused;
	uint64_t bytes_in, bytes_out;
	uint64_t log_dropped; /* access-log lines a stalled stdout had no room for */
	uint64_t retries;         /* requests sent to another target after a refusal */
	uint64_t targets_ejected; /* targets out of rotation after a refusal */
};
extern struct proxy_stats stats;
void metrics_render(struct strbuf *out);
/* Writes the access-log lines collected during this loop iteration. */
void access_log_flush(void); /* what stdout takes now, never blocking */
void access_log_drain(void); /* at exit: up to 1 s for the rest */

/* Duration "30s", "1m30s", "500ms" -> ms; -1 if malformed. */
int64_t parse_duration_ms(const char *s);

#endif
