/* secrets.c - placeholder: no secrets until the dotenv loader lands. */
#include "secrets.h"

int secrets_load(struct secrets **out, const char *project_dir,
		 const char *destination, struct strbuf *err)
{
	*out = NULL;
	return 0;
}

void secrets_free(struct secrets *s) { (void)s; }

const char *secrets_get(const struct secrets *s, const char *name)
{
	return NULL;
}

int secrets_at(const struct secrets *s, size_t i, const char **name,
	       const char **value)
{
	return 0;
}
