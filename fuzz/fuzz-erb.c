/* fuzz-erb.c - erb_render on arbitrary templates; shell-outs disabled. */
#include "config/erb.h"
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct erb_options opts = { "fuzz.yml", NULL };
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;

	erb_disable_shell(1);
	if (erb_render((const char *)data, size, &opts, &out, &err) < 0 &&
	    !starts_with(err.buf, "fuzz.yml:"))
		__builtin_trap(); /* every error must be located */
	strbuf_release(&out);
	strbuf_release(&err);
	return 0;
}
