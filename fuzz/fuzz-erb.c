/*
 * fuzz-erb.c - erb_render on arbitrary templates; shell-outs disabled.
 *
 * A template may change the environment (ENV[k] = v, Dotenv.load), which
 * under Kamal lasts for the process: here it is put back after each input,
 * so that inputs neither pile variables up nor depend on each other's.
 */
#include "config/erb.h"
#include <stdint.h>
#include <stdlib.h>

extern char **environ;

static char **saved_env;

static void save_env(void)
{
	size_t n = 0, i;
	while (environ[n])
		n++;
	saved_env = xcalloc(n + 1, sizeof(*saved_env));
	for (i = 0; i < n; i++)
		saved_env[i] = xstrdup(environ[i]);
}

/* putenv() keeps the saved strings themselves, which live to the end. */
static void restore_env(void)
{
	size_t i;
	clearenv();
	for (i = 0; saved_env[i]; i++)
		putenv(saved_env[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct erb_options opts = { "fuzz.yml", NULL };
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;

	if (!saved_env)
		save_env();
	erb_disable_shell(1);
	if (erb_render((const char *)data, size, &opts, &out, &err) < 0 &&
	    !starts_with(err.buf, "fuzz.yml:"))
		__builtin_trap(); /* every error must be located */
	strbuf_release(&out);
	strbuf_release(&err);
	restore_env();
	return 0;
}
