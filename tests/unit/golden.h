/*
 * golden.h - the contract between the golden-line test of the command
 * builders (test-kamal-commands.c) and the files that enumerate what each
 * group of builders can produce for a case.
 *
 * ../shared/conformance/kamal-commands/<case>/commands/<command>.txt hold every
 * line Kamal 2.12 sent for a real config. The test loads the case's config
 * (with its destination), asks every enumerator for the lines berth's
 * builders produce for it, and checks that each RUN/CAPTURE/TEST line of
 * the goldens is among them, word for word after shell splitting, unless
 * tests/conformance/kamal-commands-differences.tsv says why berth differs.
 *
 * An enumerator pushes shcmd_to_shell(..., redact = 1) of every command
 * its builders make for the case, over every role, host, accessory and
 * version the goldens use (the deployed v42, running v41, older v40,
 * "latest"), with Kamal's masks as the values of the world: timestamp
 * "<TS>", performer "<PERFORMER>", random suffixes "<HEX12>", "<HEX6>",
 * "<HEX16>", "<HEX13>", and the arguments the goldens' commands used
 * (see the README there: 'bin/rails db:migrate', 'Maintenance window',
 * 'uptime', --lines=5, --grep=ERROR ...).
 */
#ifndef BERTH_TESTS_GOLDEN_H
#define BERTH_TESTS_GOLDEN_H

#include "commands/kamal.h"
#include "strvec.h"

struct golden_case {
	const char *name;       /* e.g. "synthetic__fleet" */
	const char *dir;        /* its folder; the test runs with it as cwd */
	const char *destination; /* NULL or e.g. "staging" */
	struct kamal k;         /* version "v42", masks for the world */
};

typedef void (*golden_enumerator)(const struct golden_case *gc, struct strvec *lines);

#endif
