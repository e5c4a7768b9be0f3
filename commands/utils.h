/*
 * utils.h - Kamal::Utils as the builders use it: argumentize, optionize,
 * and Ruby's to_s of a YAML scalar.
 *
 * Kamal interpolates config values into its shell text: "key=value" pairs
 * are escaped with escape_shell_value (quote_kamal_value() in quote.h),
 * bare keys are sent as written (a volume's "$PWD/data:/data" relies on
 * it). These helpers append exactly those words, as shell words, so the
 * line is the one Kamal sends.
 */
#ifndef BERTH_COMMANDS_UTILS_H
#define BERTH_COMMANDS_UTILS_H

#include "commands/shcmd.h"
#include "strbuf.h"
#include "yaml-tree.h"

/*
 * Kamal's "\"#{text}\"": text in double quotes, as one shell word. Kamal
 * interpolates as is; the shell's specials inside double quotes (\ " $ `)
 * are escaped here, which changes nothing for Kamal's own constants.
 */
void kc_double_quote(struct strbuf *out, const char *text);

/* Ruby's to_s of a scalar ("1.5", "true", "" for nil); seq/map: "". */
void kc_ruby_to_s(struct strbuf *out, const struct ynode *n);

/*
 * Kamal::Utils.argumentize(arg, attributes, sensitive:): for a map, "arg
 * key=<escaped value>" per pair ("key=false" for false, a bare "key" for
 * a blank value); for a list, "arg item" per item; for a scalar, "arg
 * scalar". Sensitive pairs show as "[REDACTED]" (SSHKit's redaction).
 */
void kc_argumentize_ynode(struct shcmd *out, const char *arg, const struct ynode *attrs,
		    int sensitive);

/* One argumentize pair from strings: value NULL or "" gives a bare key. */
void kc_argumentize_pair(struct shcmd *out, const char *arg, const char *key,
			 const char *value, int sensitive);

/*
 * Kamal::Utils.optionize(args, with:) over a map: "--key <escaped value>"
 * (or "--key=<escaped>" when with is "="), "--key" alone for true, one
 * option per item of a list value.
 */
void kc_optionize_ynode(struct shcmd *out, const struct ynode *args, const char *with);

#endif
