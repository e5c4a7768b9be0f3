/*
 * args.h - Kamal::Utils' argument builders (argumentize, optionize) and
 * the word model of shcmd.h.
 *
 * Kamal escapes values with escape_shell_value (quote_kamal_value) and
 * writes keys as they are; here a value's escape is a shell word as Kamal
 * writes it, and a key that is not made only of safe characters is
 * single-quoted, which reads the same to the shell where Kamal's would
 * read at all.
 */
#ifndef BERTH_COMMANDS_ARGS_H
#define BERTH_COMMANDS_ARGS_H

#include "commands/shcmd.h"
#include "config/kamal-app.h"

/*
 * argumentize(flag, hash): for each pair the flag, then key="value"
 * (escaped), key=false, or the bare key when the value is nil or blank.
 */
void kc_argumentize(struct shcmd *out, const char *flag, const struct config_kvs *kvs);
void kc_argumentize_kv(struct shcmd *out, const char *flag, const struct config_kv *kv);

/*
 * optionize(hash, with:): "--key" for true; else "--key" and the escaped
 * value as two words, or "--key=VALUE" as one when with is "=".
 */
void kc_optionize(struct shcmd *out, const struct config_kvs *kvs, const char *with);

/* Every string of words as a shell word (Kamal's already-escaped text). */
void kc_add_shell_words(struct shcmd *out, const struct strvec *words);

/*
 * Kamal's Base helpers (make_directory, container_id_for ...) are in
 * commands/docker.h, SSHKit's rendering of a command in commands/sshkit.h.
 */
#include "commands/docker.h"
#include "commands/sshkit.h"

#endif
