#include "log.h"
#include "strbuf.h"
#include "strvec.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>

static enum log_level level = LOG_NORMAL;
static const char *program = "berth";
static struct strvec secrets = STRVEC_INIT;

void log_set_level(enum log_level l) { level = l; }
enum log_level log_get_level(void) { return level; }
void log_set_program(const char *name) { program = name; }
const char *log_program(void) { return program; }

/* The hosts' threads print while one of them may be loading secrets. */
static pthread_mutex_t secrets_lock = PTHREAD_MUTEX_INITIALIZER;

void log_redact_add(const char *secret)
{
	/* Very short values would redact ordinary words; they are not secrets
	 * worth the noise (Kamal's redaction is per-value too). */
	pthread_mutex_lock(&secrets_lock);
	if (secret && strlen(secret) >= 3 && strvec_find(&secrets, secret) < 0)
		strvec_push(&secrets, secret);
	pthread_mutex_unlock(&secrets_lock);
}

void log_redact_clear(void)
{
	pthread_mutex_lock(&secrets_lock);
	strvec_clear(&secrets);
	pthread_mutex_unlock(&secrets_lock);
}

char *log_redact(const char *s)
{
	struct strbuf out = STRBUF_INIT;
	strbuf_addstr(&out, s);
	pthread_mutex_lock(&secrets_lock);
	for (size_t i = 0; i < secrets.nr; i++)
		strbuf_replace_all(&out, secrets.v[i], "[REDACTED]");
	pthread_mutex_unlock(&secrets_lock);
	return strbuf_detach(&out, NULL);
}

static void emit(FILE *fp, const char *prefix, const char *fmt, va_list ap,
		 const char *suffix)
{
	struct strbuf sb = STRBUF_INIT;
	char *clean;
	if (prefix)
		strbuf_addstr(&sb, prefix);
	strbuf_vaddf(&sb, fmt, ap);
	if (suffix)
		strbuf_addf(&sb, ": %s", suffix);
	clean = log_redact(sb.buf);
	fprintf(fp, "%s\n", clean);
	fflush(fp);
	free(clean);
	strbuf_release(&sb);
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	if (level < LOG_NORMAL)
		return;
	va_start(ap, fmt);
	emit(stdout, NULL, fmt, ap, NULL);
	va_end(ap);
}

void log_verbose(const char *fmt, ...)
{
	va_list ap;
	if (level < LOG_VERBOSE)
		return;
	va_start(ap, fmt);
	emit(stderr, NULL, fmt, ap, NULL);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(stderr, "warning: ", fmt, ap, NULL);
	va_end(ap);
}

int error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(stderr, "error: ", fmt, ap, NULL);
	va_end(ap);
	return -1;
}

int error_errno(const char *fmt, ...)
{
	va_list ap;
	const char *why = strerror(errno);
	va_start(ap, fmt);
	emit(stderr, "error: ", fmt, ap, why);
	va_end(ap);
	return -1;
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(stderr, "error: ", fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

void die_errno(const char *fmt, ...)
{
	va_list ap;
	const char *why = strerror(errno);
	va_start(ap, fmt);
	emit(stderr, "error: ", fmt, ap, why);
	va_end(ap);
	exit(1);
}

int error_buf(const struct strbuf *err)
{
	/* Redact the whole text at once: a secret may span lines (a key). */
	char *clean = log_redact(err->len ? err->buf : "error: unknown error");
	size_t n = strlen(clean);

	while (n && isspace((unsigned char)clean[n - 1]))
		n--;
	fwrite(clean, 1, n, stderr);
	fputc('\n', stderr);
	fflush(stderr);
	free(clean);
	return -1;
}

void die_err(const struct strbuf *err)
{
	error_buf(err);
	exit(1);
}
