/* config.c - placeholder until the config module lands. */
#include "config.h"

int config_load(struct config **out, const struct config_options *opts,
		struct strbuf *err)
{
	*out = NULL;
	strbuf_addf(err, "%s: configuration loading is not implemented yet",
		    opts->config_file);
	return -1;
}

void config_free(struct config *cfg) { (void)cfg; }

const char *config_alias(const struct config *cfg, const char *name)
{
	return NULL;
}
