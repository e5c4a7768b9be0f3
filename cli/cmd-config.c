/*
 * cmd-config.c - `berth config [--json]`: the resolved configuration.
 *
 * Prints the keys `kamal config` prints, in its order and with its
 * values (plain keys instead of Ruby symbols): roles, hosts, primary_host,
 * version, repository, absolute_image, service_with_version, volume_args,
 * ssh_options, sshkit, builder, accessories, logging. --json prints the
 * same tree as JSON for tools.
 */
#include "cli.h"
#include "config/model.h"
#include "log.h"

#include <cJSON.h>

static cJSON *to_json(const struct ynode *n)
{
	cJSON *j;
	size_t i;

	if (!n)
		return cJSON_CreateNull();
	switch (n->kind) {
	case YNODE_NULL:
		return cJSON_CreateNull();
	case YNODE_BOOL:
		return cJSON_CreateBool(n->ival);
	case YNODE_INT:
		return cJSON_CreateNumber((double)n->ival);
	case YNODE_FLOAT:
		return cJSON_CreateNumber(n->fval);
	case YNODE_STR:
		return cJSON_CreateString(n->text);
	case YNODE_SEQ:
		j = cJSON_CreateArray();
		for (i = 0; i < n->nr; i++)
			cJSON_AddItemToArray(j, to_json(n->items[i]));
		return j;
	case YNODE_MAP:
		j = cJSON_CreateObject();
		for (i = 0; i < n->nr; i++) {
			const char *k = ynode_str(n->pairs[i].key);
			cJSON_AddItemToObject(j, k ? k : "", to_json(n->pairs[i].value));
		}
		return j;
	}
	return cJSON_CreateNull();
}

int cmd_config(int argc, const char **argv, struct cli_context *ctx)
{
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct config *cfg;
	struct ynode *tree;
	int json = cli_opt_bool(&ctx->args, "json");

	if (ctx->args.positional.nr) {
		error("%s config takes no arguments (got '%s')", ctx->program,
		      ctx->args.positional.v[0]);
		return 2;
	}
	cfg = cli_load_config(ctx);
	tree = config_to_tree(cfg, &err);
	if (!tree) {
		error_buf(&err);
		strbuf_release(&err);
		return 1;
	}
	if (json) {
		cJSON *j = to_json(tree);
		char *s = cJSON_Print(j);
		printf("%s\n", s);
		free(s);
		cJSON_Delete(j);
	} else {
		ynode_emit_yaml(&out, tree);
		fwrite(out.buf, 1, out.len, stdout);
	}
	strbuf_release(&out);
	strbuf_release(&err);
	return 0;
}
