/* test-yaml.c - the YAML layer: locations, Psych's scalars, anchors, merges. */
#include "unit.h"
#include "yaml-tree.h"

static struct ytree *t;

static struct ynode *parse(const char *text)
{
	struct strbuf err = STRBUF_INIT;
	struct ynode *root = NULL;

	if (yaml_parse(t, text, strlen(text), "deploy.yml", &root, &err) < 0)
		printf("# parse error: %s\n", err.buf);
	strbuf_release(&err);
	return root;
}

static void test_locations(void)
{
	struct ynode *r = parse("service: app\nservers:\n  web:\n    - 1.2.3.4\n");
	struct ynode *h = ynode_path(r, "servers/web");

	CHECK(h && h->kind == YNODE_SEQ);
	CHECK_INT(h->items[0]->line, 4);
	CHECK_INT(h->items[0]->col, 7);
	CHECK_STR(h->items[0]->file, "deploy.yml");
	CHECK_STR(ynode_str(r->pairs[1].key), "servers");
	CHECK_INT(r->pairs[1].key->line, 2);
}

static void test_scalars_as_psych(void)
{
	struct ynode *r = parse("a: yes\nb: Off\nc: 'true'\nd: ~\ne:\nf: 0x1f\n"
				"g: 1_000\nh: 3.4\ni: 1:30\nj: 22:22\nk: 5432:5432\n"
				"l: :fatal\nm: y\nn: 017\no: 1e5\np: tRuE\nq: 09\n");

	CHECK_INT(ynode_get(r, "a")->kind, YNODE_BOOL);
	CHECK_INT(ynode_get(r, "a")->ival, 1);
	CHECK_INT(ynode_get(r, "b")->kind, YNODE_BOOL);
	CHECK_INT(ynode_get(r, "b")->ival, 0);
	CHECK_INT(ynode_get(r, "c")->kind, YNODE_STR);
	CHECK_INT(ynode_get(r, "d")->kind, YNODE_NULL);
	CHECK_INT(ynode_get(r, "e")->kind, YNODE_NULL);
	CHECK_INT(ynode_get(r, "f")->ival, 31);
	CHECK_INT(ynode_get(r, "g")->ival, 1000);
	CHECK_INT(ynode_get(r, "h")->kind, YNODE_FLOAT);
	CHECK_INT(ynode_get(r, "i")->ival, 90);
	CHECK_INT(ynode_get(r, "j")->ival, 1342);
	CHECK_INT(ynode_get(r, "k")->kind, YNODE_STR);
	CHECK(ynode_get(r, "l")->sym);
	CHECK_STR(ynode_get(r, "l")->text, "fatal");
	CHECK_INT(ynode_get(r, "m")->kind, YNODE_STR);
	CHECK_INT(ynode_get(r, "n")->ival, 15);
	CHECK_INT(ynode_get(r, "o")->kind, YNODE_STR);
	CHECK_INT(ynode_get(r, "p")->kind, YNODE_BOOL);
	CHECK_INT(ynode_get(r, "q")->kind, YNODE_STR);
}

static void test_anchors_and_merge_keys(void)
{
	struct ynode *r = parse("base: &b\n  a: 1\n  b: 2\nx:\n  <<: *b\n  b: 3\n"
				"y:\n  b: 0\n  <<: *b\n"
				"z:\n  <<: [{a: first}, {a: second, c: 4}]\n"
				"list: &l [1, 2]\nother: *l\n");

	CHECK_INT(ynode_path(r, "x/a")->ival, 1);
	CHECK_INT(ynode_path(r, "x/b")->ival, 3);
	/* Psych: the merge overrides keys written before it. */
	CHECK_INT(ynode_path(r, "y/b")->ival, 2);
	CHECK_STR(ynode_path(r, "z/a")->text, "first");
	CHECK_INT(ynode_path(r, "z/c")->ival, 4);
	CHECK(ynode_get(r, "other") == ynode_get(r, "list"));
}

static void test_errors_are_located(void)
{
	struct strbuf err = STRBUF_INIT;
	struct ynode *root;

	CHECK_INT(yaml_parse(t, "a: [1, 2\nb: 3\n", 13, "deploy.yml", &root, &err), -1);
	CHECK(starts_with(err.buf, "deploy.yml:"));
	strbuf_reset(&err);
	CHECK_INT(yaml_parse(t, "a: *nope\n", 9, "f.yml", &root, &err), -1);
	CHECK(starts_with(err.buf, "f.yml:1:4: unknown alias"));
	strbuf_release(&err);
}

static void test_alias_bomb_is_refused(void)
{
	struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
	struct ynode *root;
	int i;

	strbuf_addstr(&text, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (i = 1; i < 9; i++)
		strbuf_addf(&text, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
			    i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	CHECK_INT(yaml_parse(t, text.buf, text.len, "bomb.yml", &root, &err), -1);
	CHECK(strstr(err.buf, "too large") != NULL);
	strbuf_release(&text);
	strbuf_release(&err);
}

static void test_deep_merge_for_destinations(void)
{
	struct ynode *base = parse("service: app\nbuilder:\n  arch: amd64\n  args:\n    A: 1\n"
				   "servers: [a, b]\n");
	struct ynode *over = parse("builder:\n  args:\n    B: 2\nservers: [c]\nimage: x\n");
	struct ynode *m = ynode_deep_merge(t, base, over);

	CHECK_STR(ynode_path(m, "builder/arch")->text, "amd64");
	CHECK_INT(ynode_path(m, "builder/args/A")->ival, 1);
	CHECK_INT(ynode_path(m, "builder/args/B")->ival, 2);
	/* Sequences are replaced, not appended. */
	CHECK_INT(ynode_get(m, "servers")->nr, 1);
	CHECK_STR(ynode_str(m->pairs[m->nr - 1].key), "image");
	/* The merged value keeps the file it came from. */
	CHECK_INT(ynode_path(m, "builder/args/B")->line, 3);
}

static void test_emit_quotes_what_would_change_type(void)
{
	struct strbuf out = STRBUF_INIT;
	struct ynode *r = parse("a: 'yes'\nb: '8080'\nc: plain\nd: [1, 'x: y']\n");

	ynode_emit_yaml(&out, r);
	CHECK_STR(out.buf, "---\na: \"yes\"\nb: \"8080\"\nc: plain\nd:\n- 1\n- \"x: y\"\n");
	strbuf_release(&out);
}

int main(void)
{
	t = ytree_new();
	RUN(test_locations);
	RUN(test_scalars_as_psych);
	RUN(test_anchors_and_merge_keys);
	RUN(test_errors_are_located);
	RUN(test_alias_bomb_is_refused);
	RUN(test_deep_merge_for_destinations);
	RUN(test_emit_quotes_what_would_change_type);
	ytree_free(t);
	return unit_done();
}
