/*
 * dryrun.c - BERTH_DRY_RUN_ANSWERS: canned answers for a dry run that
 * connects nowhere (docs/remote.md has the format).
 *
 * Each line: KIND <tab> SUBSTRING <tab> STATUS <tab> STDOUT, where KIND is
 * CAPTURE, RUN, TEST or "*", SUBSTRING is looked for in the command line
 * (empty matches every line), STATUS is the exit status and STDOUT the
 * output, with \n, \t and \\ escapes. The first matching line wins; a
 * command no line matches succeeds with no output. Lines starting with #
 * and blank lines are skipped.
 */
#include "remote/remote-int.h"

#include <errno.h>
#include <pthread.h>

struct answer {
	char *kind, *match, *out;
	char *after; /* NULL, or the RUN that must have come before on the host */
	int status;
};

static struct answer *answers;
static size_t answers_nr, answers_alloc;

/* "HOST\tLINE" of every RUN so far (hosts may run in threads). */
static struct strvec history = STRVEC_INIT;
static pthread_mutex_t history_lock = PTHREAD_MUTEX_INITIALIZER;

static char *unescape(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			strbuf_addch(&sb, *s == 'n' ? '\n' : *s == 't' ? '\t' : *s);
		} else {
			strbuf_addch(&sb, *s);
		}
	}
	return strbuf_detach(&sb, NULL);
}

static int parse_line(const char *path, unsigned lineno, char *line, struct strbuf *err)
{
	char *f[5] = { line, NULL, NULL, NULL, NULL };
	struct answer *a;

	for (int i = 1; i < 5; i++) {
		char *tab = f[i - 1] ? strchr(f[i - 1], '\t') : NULL;
		if (!tab)
			break;
		*tab = '\0';
		f[i] = tab + 1;
	}
	if (!f[2]) {
		strbuf_addf(err, "%s:%u: expected KIND<tab>MATCH<tab>STATUS[<tab>OUTPUT]\n", path,
			    lineno);
		return -1;
	}
	ALLOC_GROW(answers, answers_nr + 1, answers_alloc);
	a = &answers[answers_nr++];
	a->kind = xstrdup(f[0]);
	a->match = unescape(f[1]);
	a->status = atoi(f[2]);
	a->out = unescape(f[3] ? f[3] : "");
	a->after = f[4] && *f[4] ? unescape(f[4]) : NULL;
	return 0;
}

int dryrun_load_answers(const char *path, struct strbuf *err)
{
	struct strbuf file = STRBUF_INIT;
	char *line, *next;
	unsigned lineno = 0;
	int r = 0;

	if (strbuf_read_file(&file, path) < 0) {
		strbuf_addf(err, "cannot read BERTH_DRY_RUN_ANSWERS file %s: %s\n", path,
			    strerror(errno));
		return -1;
	}
	for (line = file.buf; line && *line && !r; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (*line && *line != '#')
			r = parse_line(path, lineno, line, err);
	}
	strbuf_release(&file);
	return r;
}

/*
 * Whether line holds pattern; a "*" in it matches a run of characters
 * without blanks or quotes, copied into star.
 */
static int matches(const char *line, const char *pattern, struct strbuf *star)
{
	const char *wild = strchr(pattern, '*');
	size_t plen;

	if (!wild)
		return strstr(line, pattern) != NULL;
	plen = (size_t)(wild - pattern);
	for (const char *p = line; *p; p++) {
		const char *q;
		if (strncmp(p, pattern, plen))
			continue;
		q = p + plen;
		strbuf_reset(star);
		while (*q && !strchr(" \t'\"", *q)) {
			strbuf_addch(star, *q);
			q++;
			if (star->len && !strncmp(q, wild + 1, strlen(wild + 1)))
				return 1;
		}
	}
	return 0;
}

static int happened(const char *host, const char *after, const char *star)
{
	struct strbuf want = STRBUF_INIT;
	const char *wild = strchr(after, '*');
	size_t hlen = strlen(host);
	int found = 0;

	if (wild)
		strbuf_addf(&want, "%.*s%s%s", (int)(wild - after), after, star, wild + 1);
	else
		strbuf_addstr(&want, after);
	pthread_mutex_lock(&history_lock);
	for (size_t i = 0; i < history.nr && !found; i++)
		found = !strncmp(history.v[i], host, hlen) && history.v[i][hlen] == '\t' &&
			strstr(history.v[i] + hlen + 1, want.buf);
	pthread_mutex_unlock(&history_lock);
	strbuf_release(&want);
	return found;
}

int dryrun_answer(const char *kind, const char *host, const char *line, struct strbuf *out)
{
	struct strbuf star = STRBUF_INIT;
	int status = -1;

	if (!strcmp(kind, "RUN")) {
		struct strbuf entry = STRBUF_INIT;
		strbuf_addf(&entry, "%s\t%s", host, line);
		pthread_mutex_lock(&history_lock);
		strvec_push(&history, entry.buf);
		pthread_mutex_unlock(&history_lock);
		strbuf_release(&entry);
	}
	for (size_t i = 0; i < answers_nr; i++) {
		const struct answer *a = &answers[i];
		if (strcmp(a->kind, "*") && strcmp(a->kind, kind))
			continue;
		if (!matches(line, a->match, &star))
			continue;
		if (a->after && !happened(host, a->after, star.buf))
			continue;
		if (out)
			strbuf_addstr(out, a->out);
		status = a->status;
		break;
	}
	strbuf_release(&star);
	return status;
}

void dryrun_free_answers(void)
{
	for (size_t i = 0; i < answers_nr; i++) {
		free(answers[i].kind);
		free(answers[i].match);
		free(answers[i].out);
		free(answers[i].after);
	}
	strvec_clear(&history);
	free(answers);
	answers = NULL;
	answers_nr = answers_alloc = 0;
}
