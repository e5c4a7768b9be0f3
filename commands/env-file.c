/*
 * env-file.c - the content of an uploaded env file (env-file.h).
 */
#include "commands/env-file.h"
#include "quote.h"

void kc_env_file(struct strbuf *out, const struct strvec *entries)
{
	for (size_t i = 0; i < entries->nr; i++) {
		const char *eq = strchr(entries->v[i], '=');
		size_t name = eq ? (size_t)(eq - entries->v[i]) : strlen(entries->v[i]);

		strbuf_add(out, entries->v[i], name);
		strbuf_addch(out, '=');
		quote_docker_env_value(out, eq ? eq + 1 : "");
		strbuf_addch(out, '\n');
	}
	if (!entries->nr)
		strbuf_addch(out, '\n');
}
