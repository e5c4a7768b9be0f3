/*
 * kamal.h - what every command builder receives (Kamal::Commands::Base's
 * state), and the builders' common contract.
 *
 * A builder is a pure function: from a struct kamal (the loaded config
 * plus the few values Kamal reads from the world: version, performer,
 * time) and its own arguments, it appends the words of exactly one
 * command that Kamal would send to a host, in the word model of
 * commands/shcmd.h. Builders do no I/O: they never run git, read the
 * secrets files, look at the clock or draw random numbers. Whatever would
 * need that is an argument, so the golden tests can pass Kamal's masked
 * values ("<TS>", "<HEX12>") and get Kamal's masked lines back.
 *
 * Naming: kc_<module>_<what>(struct shcmd *out, const struct kamal *k, ...)
 * in commands/<module>.c, declared in commands/<module>.h, after the Ruby
 * method it mirrors (kc_lock_acquire is Kamal::Commands::Lock#acquire).
 * The kc_ prefix keeps them apart from the CLI's cmd_* and the proxy's
 * symbols (the unit tests link every library together).
 */
#ifndef BERTH_COMMANDS_KAMAL_H
#define BERTH_COMMANDS_KAMAL_H

#include "commands/shcmd.h"
#include "config/model.h"

struct kamal {
	struct config *cfg;     /* builders only read it (no lazy accessors) */
	const char *version;    /* config.version: the version this run uses */
	const char *performer;  /* Kamal::Tags' performer: the git email, else
				 * whoami (audit lines, KAMAL_PERFORMER); the
				 * lock's "Locked by" (the git user name) is
				 * kc_lock_acquire()'s own argument */
	const char *timestamp;  /* Time.now.utc.iso8601, e.g. 2026-01-01T00:00:00Z */
	int tty;                /* stdin is a TTY: "docker exec -it", else "-i" */
};

/* config.run_directory: where locks and the audit log live on hosts. */
#define KAMAL_RUN_DIRECTORY ".kamal"

#endif
