/* utils.c - Kamal::Utils' argument helpers (see utils.h). */
#include "commands/utils.h"
#include "quote.h"

#include <stdio.h>
#include <stdlib.h>

void kc_double_quote(struct strbuf *out, const char *text)
{
	strbuf_addch(out, '"');
	for (; *text; text++) {
		if (strchr("\\\"$`", *text))
			strbuf_addch(out, '\\');
		strbuf_addch(out, *text);
	}
	strbuf_addch(out, '"');
}

void kc_ruby_to_s(struct strbuf *out, const struct ynode *n)
{
	char buf[64];

	if (!n || n->kind == YNODE_SEQ || n->kind == YNODE_MAP)
		return;
	if (n->kind != YNODE_FLOAT) {
		strbuf_addstr(out, n->text ? n->text : "");
		return;
	}
	/* Float#to_s: the shortest form that reads back, always with a dot. */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, n->fval);
		if (strtod(buf, NULL) == n->fval)
			break;
	}
	strbuf_addstr(out, buf);
	if (!strpbrk(buf, ".eni"))
		strbuf_addstr(out, ".0");
}

void kc_argumentize_pair(struct shcmd *out, const char *arg, const char *key,
			 const char *value, int sensitive)
{
	struct strbuf sb = STRBUF_INIT;

	shcmd_add_shell(out, arg);
	strbuf_addstr(&sb, key);
	if (value && *value) {
		strbuf_addch(&sb, '=');
		quote_kamal_value(&sb, value);
	}
	if (sensitive)
		shcmd_add_sensitive(out, sb.buf, "[REDACTED]");
	else
		shcmd_add_shell(out, sb.buf);
	strbuf_release(&sb);
}

static void argumentize_kv(struct shcmd *out, const char *arg, const struct ynode *key,
			   const struct ynode *value, int sensitive)
{
	struct strbuf k = STRBUF_INIT, v = STRBUF_INIT;

	kc_ruby_to_s(&k, key);
	if (ynode_present(value) && value->kind != YNODE_SEQ && value->kind != YNODE_MAP)
		kc_ruby_to_s(&v, value);
	else if (value && value->kind == YNODE_BOOL && !value->ival)
		strbuf_addstr(&k, "=false");
	kc_argumentize_pair(out, arg, k.buf, v.buf, sensitive);
	strbuf_release(&k);
	strbuf_release(&v);
}

void kc_argumentize_ynode(struct shcmd *out, const char *arg, const struct ynode *attrs,
		    int sensitive)
{
	if (!attrs || attrs->kind == YNODE_NULL)
		return;
	if (attrs->kind == YNODE_MAP) {
		for (size_t i = 0; i < attrs->nr; i++)
			argumentize_kv(out, arg, attrs->pairs[i].key, attrs->pairs[i].value,
				       sensitive);
	} else if (attrs->kind == YNODE_SEQ) {
		for (size_t i = 0; i < attrs->nr; i++)
			argumentize_kv(out, arg, attrs->items[i], NULL, sensitive);
	} else {
		argumentize_kv(out, arg, attrs, NULL, sensitive);
	}
}

static void option(struct shcmd *out, const char *key, const struct ynode *value,
		   const char *with)
{
	struct strbuf name = STRBUF_INIT, v = STRBUF_INIT, esc = STRBUF_INIT;
	int flag = value && value->kind == YNODE_BOOL && value->ival;

	strbuf_addf(&name, "--%s", key);
	kc_ruby_to_s(&v, value);
	quote_kamal_value(&esc, v.buf);
	if (flag) {
		shcmd_add_shell(out, name.buf);
	} else if (with) {
		strbuf_addf(&name, "%s%s", with, esc.buf);
		shcmd_add_shell(out, name.buf);
	} else {
		shcmd_add_shell(out, name.buf);
		shcmd_add_shell(out, esc.buf);
	}
	strbuf_release(&name);
	strbuf_release(&v);
	strbuf_release(&esc);
}

void kc_optionize_ynode(struct shcmd *out, const struct ynode *args, const char *with)
{
	if (!args || args->kind != YNODE_MAP)
		return;
	for (size_t i = 0; i < args->nr; i++) {
		const char *key = ynode_str(args->pairs[i].key);
		const struct ynode *value = args->pairs[i].value;

		if (value && value->kind == YNODE_SEQ) {
			for (size_t j = 0; j < value->nr; j++)
				option(out, key, value->items[j], with);
		} else {
			option(out, key, value, with);
		}
	}
}
