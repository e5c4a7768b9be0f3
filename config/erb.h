/*
 * erb.h - renders the subset of ERB that real Kamal configs use.
 *
 * Kamal renders config/deploy*.yml and .kamal/secrets* through ERB before
 * parsing. berth supports the forms found in real configs (see erb.c's
 * header comment for the exact grammar) and reports anything else as an
 * error naming file, line and expression - never a silent empty string.
 *
 * Shell-outs (`cmd`, %x(cmd)) run through /bin/sh in workdir via
 * run-command; their stdout is the value.
 */
#ifndef BERTH_ERB_H
#define BERTH_ERB_H

#include "strbuf.h"

struct erb_options {
	const char *filename; /* for messages: "config/deploy.yml" */
	const char *workdir;  /* where shell-outs run; NULL: current dir */
};

/*
 * Renders src (len bytes) into out. On error returns -1 and sets err to
 * "FILE:LINE: message" (out is then unspecified). Never prints.
 */
int erb_render(const char *src, size_t len, const struct erb_options *opts,
	       struct strbuf *out, struct strbuf *err);

#endif
