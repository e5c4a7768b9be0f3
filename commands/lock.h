/*
 * lock.h - Kamal::Commands::Lock: the deploy lock, a directory on the
 * primary host (.kamal/lock-<service>[-<destination>]) whose "details"
 * file says who holds it.
 *
 * The details are sent base64-encoded inside echo "..." exactly as Ruby's
 * Base64.encode64 writes them: a newline after every 60 characters and at
 * the end, inside the double quotes (so "lock status" decodes them with
 * base64 -d on the host). Who, when and why are arguments: Kamal takes
 * the git user name (not the audit log's email), the UTC time and the
 * message, and berth's CLI passes them the same way.
 */
#ifndef BERTH_COMMANDS_LOCK_H
#define BERTH_COMMANDS_LOCK_H

#include "commands/kamal.h"

struct kc_lock_details {
	const char *locked_by;  /* Kamal::Git.user_name, "Unknown" without git */
	const char *timestamp;  /* Time.now.utc.iso8601 */
	const char *version;    /* the version being deployed */
	const char *message;    /* -m, or "Automatic deploy lock" */
};

/* The CLI's message when a command takes the lock for itself. */
#define KAMAL_AUTOMATIC_DEPLOY_LOCK_MESSAGE "Automatic deploy lock"

/* "Locked by: X at TS\nVersion: V\nMessage: M", the text that is encoded. */
void kc_lock_details_text(struct strbuf *out, const struct kc_lock_details *d);
/* Ruby's Base64.encode64: 60-column lines, each ending in a newline. */
void kc_base64_encode64(struct strbuf *out, const char *data, size_t len);

/* mkdir LOCK_DIR && echo "<base64>" > LOCK_DIR/details */
void kc_lock_acquire(struct shcmd *out, const struct kamal *k,
		     const struct kc_lock_details *d);
/* rm LOCK_DIR/details && rm -r LOCK_DIR */
void kc_lock_release(struct shcmd *out, const struct kamal *k);
/* stat LOCK_DIR > /dev/null && cat LOCK_DIR/details | base64 -d */
void kc_lock_status(struct shcmd *out, const struct kamal *k);
/*
 * mkdir -p of the run directory the locks live in. Kamal 2.12's own
 * method names an undefined locks_dir and nothing calls it; the lock
 * directory's parent is config.run_directory, which this creates.
 */
void kc_lock_ensure_locks_directory(struct shcmd *out, const struct kamal *k);

#endif
