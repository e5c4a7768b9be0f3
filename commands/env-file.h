/*
 * env-file.h - the env file Kamal uploads for a role or accessory
 * (Kamal::EnvFile): its secrets, one "NAME=value" line each, for docker's
 * --env-file. Clear values are not in it: they go on the command line.
 */
#ifndef BERTH_COMMANDS_ENV_FILE_H
#define BERTH_COMMANDS_ENV_FILE_H

#include "strbuf.h"
#include "strvec.h"

/*
 * Appends the file for entries ("NAME=value", already resolved: see
 * config_env_secret_values() in config/kamal-app.h), each value escaped as
 * docker reads it; a file with no entries is one newline (SSHKit warns of
 * empty uploads).
 */
void kc_env_file(struct strbuf *out, const struct strvec *entries);

#endif
