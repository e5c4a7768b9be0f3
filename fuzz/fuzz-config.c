/*
 * fuzz-config.c - YAML text -> located tree -> Kamal validation -> derived
 * values -> `berth config` output. Nothing on the way may crash or leak,
 * whatever the input (alias bombs included).
 */
#include "config/model.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct ynode *root = NULL;

	cfg->tree = ytree_new();
	cfg->config_file = xstrdup("config/deploy.yml");
	cfg->declared_version = xstrdup("fuzz");
	strvec_init(&cfg->all_hosts);
	if (yaml_parse(cfg->tree, (const char *)data, size, cfg->config_file, &root, &err) == 0 &&
	    root && root->kind == YNODE_MAP) {
		cfg->raw = root;
		if (config_validate(cfg, &err) == 0 && config_derive(cfg, &err) == 0 &&
		    config_check(cfg, &err) == 0) {
			struct ynode *tree = config_to_tree(cfg, &err);
			if (tree)
				ynode_emit_yaml(&out, tree);
		}
	}
	strbuf_release(&err);
	strbuf_release(&out);
	config_free(cfg);
	return 0;
}
