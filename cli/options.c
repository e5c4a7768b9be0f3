/*
 * options.c - the option tables' parser and help (see options.h).
 */
#include "cli/options.h"
#include "log.h"

#include <ctype.h>

static size_t count(const struct cli_option *t)
{
	size_t n = 0;
	while (t && t[n].name)
		n++;
	return n;
}

static int find_long(const struct cli_option *t, const char *name, size_t len, int *negated)
{
	for (size_t i = 0; t && t[i].name; i++) {
		if (strlen(t[i].name) == len && !strncmp(t[i].name, name, len)) {
			*negated = 0;
			return (int)i;
		}
		if (t[i].type == CLI_OPT_BOOL && len == strlen(t[i].name) + 3 &&
		    !strncmp(name, "no-", 3) && !strncmp(name + 3, t[i].name, len - 3)) {
			*negated = 1;
			return (int)i;
		}
	}
	return -1;
}

static int find_short(const struct cli_option *t, char c)
{
	for (size_t i = 0; t && t[i].name; i++)
		if (t[i].alias && t[i].alias == c)
			return (int)i;
	return -1;
}

static int take(struct cli_args *out, int idx, const char *inline_value, int argc,
		const char **argv, int *i, const char *spelled, struct strbuf *err)
{
	const struct cli_option *o = &out->table[idx];

	if (o->type == CLI_OPT_BOOL) {
		if (inline_value && strcmp(inline_value, "true") && strcmp(inline_value, "false")) {
			strbuf_addf(err, "option '%s' takes no value", spelled);
			return -1;
		}
		out->values[idx] = inline_value ? inline_value : "true";
		return 0;
	}
	if (o->type == CLI_OPT_ARRAY) {
		if (inline_value)
			strvec_push(&out->lists[idx], inline_value);
		while (*i + 1 < argc && argv[*i + 1][0] != '-')
			strvec_push(&out->lists[idx], argv[++*i]);
		out->values[idx] = "";
		return 0;
	}
	if (o->type == CLI_OPT_HASH) {
		if (inline_value && !strchr(inline_value, ':')) {
			strbuf_addf(err, "option '%s' takes KEY:VALUE, not '%s'", spelled,
				    inline_value);
			return -1;
		}
		if (inline_value)
			strvec_push(&out->lists[idx], inline_value);
		while (*i + 1 < argc && argv[*i + 1][0] != '-' && strchr(argv[*i + 1], ':'))
			strvec_push(&out->lists[idx], argv[++*i]);
		out->values[idx] = "";
		return 0;
	}
	if (!inline_value) {
		if (*i + 1 >= argc) {
			strbuf_addf(err, "no value provided for option '%s'", spelled);
			return -1;
		}
		inline_value = argv[++*i];
	}
	out->values[idx] = inline_value;
	if (o->type == CLI_OPT_LIST)
		strvec_push(&out->lists[idx], inline_value);
	return 0;
}

int cli_parse_options(const struct cli_option *table, int argc, const char **argv,
		      struct cli_args *out, struct strbuf *err)
{
	out->table = table;
	out->values = xcalloc(count(table) + 1, sizeof(*out->values));
	out->lists = xcalloc(count(table) + 1, sizeof(*out->lists));
	for (size_t k = 0; k <= count(table); k++)
		strvec_init(&out->lists[k]);
	strvec_init(&out->positional);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int idx, neg = 0;
		if (!strcmp(a, "--")) {
			while (++i < argc)
				strvec_push(&out->positional, argv[i]);
			break;
		}
		if (a[0] == '-' && a[1] == '-' && a[2]) {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			idx = find_long(table, a + 2, len, &neg);
			if (idx < 0) {
				strbuf_addf(err, "unknown option '%.*s'", (int)(len + 2), a);
				return -1;
			}
			if (neg) {
				out->values[idx] = "false";
				continue;
			}
			if (take(out, idx, eq ? eq + 1 : NULL, argc, argv, &i, a, err) < 0)
				return -1;
		} else if (a[0] == '-' && a[1] && a[1] != '-') {
			const char *rest = a + 2;
			idx = find_short(table, a[1]);
			if (idx < 0) {
				strbuf_addf(err, "unknown option '-%c'", a[1]);
				return -1;
			}
			if (*rest == '=')
				rest++;
			if (table[idx].type == CLI_OPT_BOOL && *rest) {
				strbuf_addf(err, "option '-%c' takes no value", a[1]);
				return -1;
			}
			if (take(out, idx, *rest ? rest : NULL, argc, argv, &i, a, err) < 0)
				return -1;
		} else {
			strvec_push(&out->positional, a);
		}
	}
	return 0;
}

void cli_args_clear(struct cli_args *a)
{
	for (size_t k = 0; a->lists && k <= count(a->table); k++)
		strvec_clear(&a->lists[k]);
	free(a->lists);
	a->lists = NULL;
	free(a->values);
	a->values = NULL;
	strvec_clear(&a->positional);
}

static int index_of(const struct cli_args *a, const char *name)
{
	int neg;
	int idx = find_long(a->table, name, strlen(name), &neg);
	if (idx < 0 || neg)
		die("BUG: option '%s' is not in the command's table", name);
	return idx;
}

int cli_opt_bool(const struct cli_args *a, const char *name)
{
	int idx = index_of(a, name);
	const char *v = a->values[idx] ? a->values[idx] : a->table[idx].dflt;
	return v && !strcmp(v, "true");
}

const char *cli_opt_str(const struct cli_args *a, const char *name)
{
	int idx = index_of(a, name);
	return a->values[idx] ? a->values[idx] : a->table[idx].dflt;
}

const struct strvec *cli_opt_list(const struct cli_args *a, const char *name)
{
	return &a->lists[index_of(a, name)];
}

int cli_opt_num(const struct cli_args *a, const char *name, long dflt, long *out,
		struct strbuf *err)
{
	const char *v = cli_opt_str(a, name);
	char *end;

	if (!v) {
		*out = dflt;
		return 0;
	}
	*out = strtol(v, &end, 10);
	if (end == v || *end) {
		strbuf_addf(err, "expected numeric value for '--%s'; got \"%s\"", name, v);
		return -1;
	}
	return 0;
}

void cli_print_options(FILE *fp, const struct cli_option *t)
{
	if (!count(t))
		return;
	fprintf(fp, "\nOptions:\n");
	for (size_t i = 0; t[i].name; i++) {
		struct strbuf sb = STRBUF_INIT;
		const char *upper = t[i].name;
		if (t[i].alias)
			strbuf_addf(&sb, "  -%c, ", t[i].alias);
		else
			strbuf_addstr(&sb, "      ");
		if (t[i].type == CLI_OPT_BOOL) {
			strbuf_addf(&sb, "[--%s], [--no-%s]", t[i].name, t[i].name);
		} else if (t[i].type == CLI_OPT_ARRAY) {
			strbuf_addf(&sb, "[--%s=one two three]", t[i].name);
		} else if (t[i].type == CLI_OPT_HASH) {
			strbuf_addf(&sb, "[--%s=key:value]", t[i].name);
		} else {
			strbuf_addf(&sb, "[--%s=", t[i].name);
			for (; *upper; upper++)
				strbuf_addch(&sb, *upper == '-' ? '_' : toupper((unsigned char)*upper));
			strbuf_addch(&sb, ']');
		}
		fprintf(fp, "%-41s # %s\n", sb.buf, t[i].help);
		if (t[i].dflt)
			fprintf(fp, "%-41s # Default: %s\n", "", t[i].dflt);
		strbuf_release(&sb);
	}
}
