/*
 * yaml-tree.h - YAML documents as trees that remember where they came from.
 *
 * yaml_parse() reads one YAML document (the first, as Ruby's YAML.load
 * does) with libyaml and resolves scalars the way Ruby's Psych does under
 * YAML 1.1: plain true/false/yes/no/on/off in any case Psych accepts are
 * booleans, ~/null/empty are nil, integers (with 0x, 0b, 0 octal, _ and ,
 * separators, and base 60 "1:30"), floats (a dot is required), ":sym"
 * symbols (kept as strings with sym set); anything quoted is a string.
 * Anchors and aliases share one node; "<<" merge keys (a mapping, or a
 * list of them, earlier ones winning) are applied as Psych applies them.
 *
 * Every node keeps file, line and column (1-based). Mappings keep key
 * order; a repeated key keeps its first position and takes the last value.
 *
 * Ownership: every node belongs to the struct ytree it was made in and is
 * freed, with all its strings, by ytree_free(). Nodes may be shared (aliases,
 * merges), so never free one on its own.
 */
#ifndef BERTH_YAML_TREE_H
#define BERTH_YAML_TREE_H

#include "strbuf.h"

enum ynode_kind {
	YNODE_NULL,
	YNODE_BOOL,
	YNODE_INT,
	YNODE_FLOAT,
	YNODE_STR,
	YNODE_SEQ,
	YNODE_MAP,
};

struct ynode;

struct ypair {
	struct ynode *key;
	struct ynode *value;
};

struct ynode {
	enum ynode_kind kind;
	unsigned quoted : 1; /* written quoted or as a block scalar */
	unsigned sym : 1;    /* a Ruby symbol (":name"); text lacks the colon */
	unsigned line, col;
	const char *file;
	char *text;          /* scalars: the string form ("" for nil) */
	long long ival;      /* YNODE_INT; YNODE_BOOL: 0 or 1 */
	double fval;         /* YNODE_FLOAT */
	size_t nr, alloc;
	struct ynode **items; /* YNODE_SEQ */
	struct ypair *pairs;  /* YNODE_MAP */
};

struct ytree;

struct ytree *ytree_new(void);
void ytree_free(struct ytree *t);

/*
 * Parses text (len bytes) named file into *root (NULL for an empty
 * document). Returns 0, or -1 with err = "FILE:LINE:COL: message".
 */
int yaml_parse(struct ytree *t, const char *text, size_t len,
	       const char *file, struct ynode **root, struct strbuf *err);

/* New nodes, owned by t (file is interned). */
struct ynode *ynode_new(struct ytree *t, enum ynode_kind kind,
			const char *file, unsigned line, unsigned col);
struct ynode *ynode_new_str(struct ytree *t, const char *s);
void ynode_seq_push(struct ynode *seq, struct ynode *item);
/* Sets key in map: replaces the value in place, or appends. */
void ynode_map_set(struct ytree *t, struct ynode *map, struct ynode *key,
		   struct ynode *value);

/* Map lookup by the key's string form; NULL when absent (or not a map). */
struct ynode *ynode_get(const struct ynode *map, const char *key);
const struct ypair *ynode_find(const struct ynode *map, const char *key);
/* Lookup by a '/'-separated path of map keys. */
struct ynode *ynode_path(const struct ynode *node, const char *path);

/*
 * ActiveSupport's deep_merge: a new mapping with base's keys in order, then
 * over's new keys; where both values are mappings they merge recursively,
 * otherwise over's value replaces base's. Non-maps: over wins.
 */
struct ynode *ynode_deep_merge(struct ytree *t, struct ynode *base,
			       struct ynode *over);

/* Rails' present?: not nil/false, not an empty or blank string/seq/map. */
int ynode_present(const struct ynode *n);
/* Ruby truthiness: anything but nil and false (a missing node is falsy). */
int ynode_truthy(const struct ynode *n);
/* Ruby stringish (String, Symbol, Numeric, true/false). */
int ynode_stringish(const struct ynode *n);
/* The scalar's string form ("true", "42", ...), NULL for seq/map/NULL. */
const char *ynode_str(const struct ynode *n);

/*
 * Appends n as a block-style YAML document ("---" first), quoting every
 * string that a YAML 1.1 reader could take for something else.
 */
void ynode_emit_yaml(struct strbuf *out, const struct ynode *n);
/* Appends a scalar as YAML would show it (quoted when needed). */
void ynode_emit_scalar(struct strbuf *out, const struct ynode *n);

/* Psych's resolution of a plain scalar into n (kind, values). */
void yaml_resolve_plain(struct ynode *n);

#endif
