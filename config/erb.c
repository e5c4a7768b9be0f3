/* erb.c - placeholder: passes text without ERB tags through, rejects tags. */
#include "erb.h"

int erb_render(const char *src, size_t len, const struct erb_options *opts,
	       struct strbuf *out, struct strbuf *err)
{
	if (memmem(src, len, "<%", 2)) {
		strbuf_addf(err, "%s: ERB is not supported yet", opts->filename);
		return -1;
	}
	strbuf_add(out, src, len);
	return 0;
}
