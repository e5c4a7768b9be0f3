/*
 * args.c - argumentize, optionize and SSHKit's command line (args.h).
 */
#include "commands/args.h"
#include "quote.h"

/* key as Kamal writes it, quoted only where the shell would split it */
static void add_key(struct strbuf *sb, const char *key)
{
	if (sq_is_safe(key))
		strbuf_addstr(sb, key);
	else
		sq_quote_buf(sb, key);
}

/* Rails' blank? of a string: empty or only whitespace. */
static int blank(const char *s)
{
	return !s || strspn(s, " \t\n\v\f\r") == strlen(s);
}

void kc_argumentize_kv(struct shcmd *out, const char *flag, const struct config_kv *kv)
{
	struct strbuf sb = STRBUF_INIT;

	shcmd_add(out, flag);
	add_key(&sb, kv->key);
	if (kv->kind == CONFIG_KV_FALSE) {
		strbuf_addstr(&sb, "=false");
	} else if (kv->kind != CONFIG_KV_NIL && !blank(kv->value)) {
		strbuf_addch(&sb, '=');
		quote_kamal_value(&sb, kv->value);
	}
	shcmd_add_shell(out, sb.buf);
	strbuf_release(&sb);
}

void kc_argumentize(struct shcmd *out, const char *flag, const struct config_kvs *kvs)
{
	for (size_t i = 0; i < kvs->nr; i++)
		kc_argumentize_kv(out, flag, &kvs->v[i]);
}

void kc_optionize(struct shcmd *out, const struct config_kvs *kvs, const char *with)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < kvs->nr; i++) {
		const struct config_kv *kv = &kvs->v[i];
		strbuf_reset(&sb);
		strbuf_addstr(&sb, "--");
		add_key(&sb, kv->key);
		if (kv->kind == CONFIG_KV_TRUE) {
			shcmd_add_shell(out, sb.buf);
			continue;
		}
		if (with) {
			strbuf_addstr(&sb, with);
		} else {
			shcmd_add_shell(out, sb.buf);
			strbuf_reset(&sb);
		}
		/* nil's to_s is "": optionize still writes it, as "" */
		quote_kamal_value(&sb, kv->value ? kv->value : "");
		if (!sb.len)
			strbuf_addstr(&sb, "\"\"");
		shcmd_add_shell(out, sb.buf);
	}
	strbuf_release(&sb);
}

void kc_add_shell_words(struct shcmd *out, const struct strvec *words)
{
	for (size_t i = 0; i < words->nr; i++)
		shcmd_add_shell(out, words->v[i]);
}
