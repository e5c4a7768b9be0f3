/*
 * output.c - every line berth prints about hosts goes out whole, under one
 * lock, through log.h's redaction; the TTY progress line is wiped before a
 * line and drawn again after it, so neither cuts into the other.
 */
#include "remote/remote-int.h"
#include "log.h"

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static char *progress;

static void wipe(void)
{
	if (progress)
		fputs("\r\033[K", stderr);
}

static void draw(void)
{
	if (progress) {
		fputs(progress, stderr);
		fflush(stderr);
	}
}

void out_line(FILE *fp, const char *prefix, const char *line)
{
	char *clean = log_redact(line);
	pthread_mutex_lock(&out_lock);
	wipe();
	fprintf(fp, "%s%s\n", prefix ? prefix : "", clean);
	fflush(fp);
	draw();
	pthread_mutex_unlock(&out_lock);
	free(clean);
}

void out_progress(const char *text)
{
	pthread_mutex_lock(&out_lock);
	wipe();
	free(progress);
	progress = text ? log_redact(text) : NULL;
	draw();
	if (!progress)
		fflush(stderr);
	pthread_mutex_unlock(&out_lock);
}
