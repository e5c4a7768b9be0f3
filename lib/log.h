/*
 * log.h - the one logging and error-reporting module.
 *
 * Library code reports with error() (prints "error: ..." and returns -1)
 * or fills a caller's strbuf. Commands end with die() (exit 1). Messages
 * start lowercase and quote their subject.
 *
 * Secret values registered with log_redact_add() are replaced by
 * "[REDACTED]" in everything that passes through this module, so verbose
 * traces of commands never show them.
 */
#ifndef BERTH_LOG_H
#define BERTH_LOG_H

#include "compat.h"

struct strbuf;

enum log_level { LOG_QUIET = 0, LOG_NORMAL = 1, LOG_VERBOSE = 2, LOG_DEBUG = 3 };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_set_program(const char *name); /* "berth" or "kamal" */
const char *log_program(void);

void log_info(const char *fmt, ...) BERTH_PRINTF(1, 2);    /* stdout, normal+ */
void log_verbose(const char *fmt, ...) BERTH_PRINTF(1, 2); /* stderr, -v */
void log_warn(const char *fmt, ...) BERTH_PRINTF(1, 2);    /* stderr always */
int error(const char *fmt, ...) BERTH_PRINTF(1, 2);        /* returns -1 */
int error_errno(const char *fmt, ...) BERTH_PRINTF(1, 2);  /* appends strerror */
void die(const char *fmt, ...) BERTH_PRINTF(1, 2) BERTH_NORETURN;
void die_errno(const char *fmt, ...) BERTH_PRINTF(1, 2) BERTH_NORETURN;

/*
 * For a struct strbuf *err a library call filled: prints its text to
 * stderr, redacted, line by line as it stands (no "error: " prefix: such
 * messages are located, "config/deploy.yml:14: servers/web/hostz: unknown
 * key", and already say what failed), without trailing blank lines.
 * error_buf() returns -1; die_err() exits 1.
 */
int error_buf(const struct strbuf *err);
void die_err(const struct strbuf *err) BERTH_NORETURN;

/* Redaction of secret values in log output. */
void log_redact_add(const char *secret);
void log_redact_clear(void);
/* Returns a newly allocated copy of s with registered secrets replaced. */
char *log_redact(const char *s);

#endif
