/*
 * monitor.c - health checks between deploys.
 *
 * Each target of a service with several targets (writers and readers
 * together, or several rollout targets) is checked every
 * --health-check-interval, with the deploy's path, host, port and timeout.
 * One failed check takes the target out of the rotation, one passing check
 * puts it back (kamal-proxy's rule); the router skips it meanwhile. A
 * draining target is left alone. A target that refuses a connection
 * leaves at once (monitor_eject(), called by the relay), and its checks
 * go on as for one that failed a check.
 */
#include "relay-int.h"
#include "log.h"

static void checked(void *data, int ok, const char *why)
{
	struct target *t = data;
	t->mon = NULL;
	if (ok == !t->unhealthy)
		return;
	t->unhealthy = !ok;
	if (ok)
		log_info("target '%s' is healthy again", t->addr);
	else
		log_warn("target '%s' failed its health check (%s): out of rotation",
			 t->addr, why ? why : "failed");
}

static void watch(struct service *s, struct target *t, uint64_t now)
{
	if (t->mon || t->draining || now < t->mon_next)
		return;
	t->mon_next = now + s->health_interval_ms;
	t->mon = health_start(t, s->health_path, s->health_host, s->health_port,
			      s->health_timeout_ms, checked, t);
}

static void watch_group(struct service *s, struct target **a, int na,
			struct target **b, int nb, uint64_t now)
{
	if (na + nb < 2) {
		/* Alone, a target stays in rotation whatever it answers. */
		for (int i = 0; i < na; i++)
			a[i]->unhealthy = 0;
		return;
	}
	for (int i = 0; i < na; i++)
		watch(s, a[i], now);
	for (int i = 0; i < nb; i++)
		watch(s, b[i], now);
}

void monitor_eject(struct service *s, struct target *t, const char *why)
{
	if (t->unhealthy || t->draining || service_group_size(s, t) < 2)
		return;
	t->unhealthy = 1;
	stats.targets_ejected++;
	log_warn("target '%s' refused a connection (%s): out of rotation until a health check passes",
		 t->addr, why);
}

void monitor_tick(void)
{
	uint64_t now = now_ms();
	for (struct service *s = services; s; s = s->next) {
		watch_group(s, s->targets, s->ntargets, s->readers, s->nreaders, now);
		watch_group(s, s->rollout, s->nrollout, NULL, 0, now);
	}
}
