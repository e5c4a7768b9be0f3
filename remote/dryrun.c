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

struct answer {
	char *kind, *match, *out;
	int status;
};

static struct answer *answers;
static size_t answers_nr, answers_alloc;

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
	char *f[4] = { line, NULL, NULL, NULL };
	struct answer *a;

	for (int i = 1; i < 4; i++) {
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

int dryrun_answer(const char *kind, const char *line, struct strbuf *out)
{
	for (size_t i = 0; i < answers_nr; i++) {
		const struct answer *a = &answers[i];
		if (strcmp(a->kind, "*") && strcmp(a->kind, kind))
			continue;
		if (!strstr(line, a->match))
			continue;
		if (out)
			strbuf_addstr(out, a->out);
		return a->status;
	}
	return -1;
}

void dryrun_free_answers(void)
{
	for (size_t i = 0; i < answers_nr; i++) {
		free(answers[i].kind);
		free(answers[i].match);
		free(answers[i].out);
	}
	free(answers);
	answers = NULL;
	answers_nr = answers_alloc = 0;
}
