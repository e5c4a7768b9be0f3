/* fuzz-dotenv.c - dotenv_parse on arbitrary text; $(command) disabled. */
#include "secrets/dotenv.h"
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dotenv_options opts = { .filename = ".kamal/secrets" };
	struct dotenv env = DOTENV_INIT;
	struct strbuf err = STRBUF_INIT;

	dotenv_disable_commands(1);
	if (dotenv_parse(&env, (const char *)data, size, &opts, &err) < 0 &&
	    !starts_with(err.buf, ".kamal/secrets:"))
		__builtin_trap();
	if (env.names.nr != env.values.nr)
		__builtin_trap();
	dotenv_clear(&env);
	strbuf_release(&err);
	return 0;
}
