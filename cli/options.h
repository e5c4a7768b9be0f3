/*
 * options.h - a command's own options, declared once in a table that both
 * the parser and --help read, so that help can never leave one out.
 *
 * Thor's rules, which Kamal users type: "--name VALUE", "--name=VALUE",
 * "-a VALUE", "-aVALUE"; a boolean takes "--name" or "--no-name"; an
 * unknown option is an error; words that are not options are positional,
 * in order, and everything after "--" is positional. (Kamal's global
 * options are taken out before, by cli/run.c.)
 */
#ifndef BERTH_CLI_OPTIONS_H
#define BERTH_CLI_OPTIONS_H

#include "strbuf.h"
#include "strvec.h"

/*
 * CLI_OPT_LIST: repeatable, one value each time (Thor's repeatable: true);
 * CLI_OPT_ARRAY: the words after it up to the next option (Thor's array);
 * CLI_OPT_HASH: the words after it that read KEY:VALUE (Thor's hash, so
 * `-e A:1 B:2 bin/rails c` leaves "bin/rails c" positional); repeating the
 * option adds to the list, which keeps the words as given.
 */
enum cli_opt_type { CLI_OPT_BOOL, CLI_OPT_STRING, CLI_OPT_NUMBER, CLI_OPT_LIST, CLI_OPT_ARRAY,
		    CLI_OPT_HASH };

struct cli_option {
	const char *name;     /* long name without dashes: "message" */
	char alias;           /* short letter, or 0 */
	enum cli_opt_type type;
	const char *help;     /* one line */
	const char *dflt;     /* shown as the default, or NULL */
};

#define CLI_OPTIONS_END { NULL, 0, CLI_OPT_BOOL, NULL, NULL }

struct cli_args {
	const struct cli_option *table;
	const char **values;  /* per table entry: NULL unset; "true"/"false" for booleans */
	struct strvec *lists; /* per table entry: the values of a LIST or ARRAY option */
	struct strvec positional;
};

#define CLI_ARGS_INIT { NULL, NULL, NULL, STRVEC_INIT }

/* Parses argv[1..argc) against table; -1 with a message in err. */
int cli_parse_options(const struct cli_option *table, int argc, const char **argv,
		      struct cli_args *out, struct strbuf *err);
void cli_args_clear(struct cli_args *a);

/* Lookups by long name (a name not in the table is a bug: it dies). */
int cli_opt_bool(const struct cli_args *a, const char *name);
const char *cli_opt_str(const struct cli_args *a, const char *name);
/* A LIST, ARRAY or HASH option's values (empty when not given). */
const struct strvec *cli_opt_list(const struct cli_args *a, const char *name);
/* The number, dflt when unset; -1 with err when not a number. */
int cli_opt_num(const struct cli_args *a, const char *name, long dflt, long *out,
		struct strbuf *err);

/* "Options:" and one line per option, as Thor prints them. */
void cli_print_options(FILE *fp, const struct cli_option *table);

#endif
