/*
 * auditor.h - Kamal::Commands::Auditor: the audit log every modifying
 * command appends to on the hosts, .kamal/<service>[-<destination>]-audit.log.
 *
 * A line reads like Kamal::Tags#to_s without the version tags:
 *   [2026-01-01T00:00:00Z] [dev@example.com] [staging] [web] Booted app version v42
 * i.e. [recorded_at] [performer] then [destination] and [role] when set.
 * The time and performer come from struct kamal (Kamal takes the UTC time
 * and the git email, or whoami).
 */
#ifndef BERTH_COMMANDS_AUDITOR_H
#define BERTH_COMMANDS_AUDITOR_H

#include "commands/kamal.h"

/* The audit line itself ("[TS] [PERFORMER] ... line"); role may be NULL. */
void kc_audit_line(struct strbuf *out, const struct kamal *k, const char *role,
		   const char *line);

/* mkdir -p .kamal && echo "<audit line>" >> .kamal/<svc>-audit.log */
void kc_auditor_record(struct shcmd *out, const struct kamal *k, const char *role,
		       const char *line);
/* tail -n 50 .kamal/<svc>-audit.log */
void kc_auditor_reveal(struct shcmd *out, const struct kamal *k);

#endif
