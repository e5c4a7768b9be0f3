/*
 * erb-int.h - what the parts of the ERB interpreter share. Not a contract
 * for anyone else: callers use erb.h.
 *
 *   erb.c        the template: scanner, parser, evaluator, Array methods
 *   erb-value.c  Ruby's values (below), to_s and inspect, Hash methods
 *   erb-lib.c    the constants and functions a config may call: ENV
 *                writes, File, Dir, require, Dotenv, `cmd`
 *   erb-uri.c    URI.parse and URI objects
 *   erb-string.c String methods
 *   erb-time.c   Time.now and Time methods
 *   erb-regexp.c regexp literals and the String methods that take one
 *
 * Values are Ruby's everyday types. A value owns its string and items; a
 * function that returns one (out parameters too) hands it to the caller,
 * who v_free()s it. Errors are reported with eerr(), which fills the
 * render's error with "FILE:LINE: message (in `code`)" and returns -1.
 */
#ifndef BERTH_ERB_INT_H
#define BERTH_ERB_INT_H

#include "strbuf.h"

enum vtype { V_NIL, V_FALSE, V_TRUE, V_INT, V_STR, V_ARRAY, V_HASH, V_URI, V_TIME, V_REGEXP };

struct value {
	enum vtype t;
	long long i;         /* V_INT; V_URI: its class (enum uri_class); V_TIME: epoch seconds;
				V_REGEXP: 1 with the i flag */
	char *s;             /* V_STR: NUL-terminated, may hold NULs; V_REGEXP: its source */
	size_t len;          /* V_STR; V_TIME: 1 in UTC, 0 in the local zone */
	struct value *items; /* V_ARRAY; V_HASH: key, value, key, value...; */
	size_t nr;           /* V_URI: its components (erb-uri.c) */
};

/* Strings above this size, and output above it, are refused. */
#define MAX_VALUE (64 << 20)

struct value v_nil(void);
struct value v_bool(int b);
struct value v_int(long long i);
struct value v_strn(const char *s, size_t len);
struct value v_str(const char *s);
struct value v_strbuf(struct strbuf *sb); /* takes sb's buffer */
struct value v_array(void);
struct value v_hash(void);
void v_push(struct value *arr, struct value item);
void v_free(struct value *v);
struct value v_copy(const struct value *v);
int v_truthy(const struct value *v);
int v_equal(const struct value *a, const struct value *b);
const char *v_typename(const struct value *v);
void v_to_s(struct strbuf *sb, const struct value *v);    /* Ruby's to_s */
void v_inspect(struct strbuf *sb, const struct value *v); /* and inspect */

struct erb;

/* l OP r for OP in + - * / < <= > >=, as Ruby's Integer, String, Array. */
int v_binop(struct erb *e, const char *op, const struct value *l,
	    const struct value *r, struct value *out);

/* Hashes keep Ruby's insertion order; hash_set replaces in place. */
struct value *hash_get(const struct value *h, const struct value *key);
void hash_set(struct value *h, struct value key, struct value val);
/* A hash as [[key, value], ...], for each and map. */
struct value hash_pairs(const struct value *h);

struct erb;

int eerr(struct erb *e, int unsupported, const char *fmt, ...)
	BERTH_PRINTF(3, 4);
/* "no implicit conversion of X into String" unless v is a string. */
int want_str(struct erb *e, const struct value *v, const char *what);
/* Where relative paths and commands start from: the option, else ".". */
const char *erb_workdir(const struct erb *e);

/* Time.now, Time#to_s; Time methods answer as str_method does. */
struct value time_now(void);
void time_to_s(struct strbuf *sb, const struct value *t);
int time_method(struct erb *e, const char *m, const struct value *t,
		struct value *args, size_t nargs, struct value *out);

/* A regexp literal's value; the methods of a string given one as args[0],
 * answering as str_method does (0 when args[0] is not a regexp). */
struct value v_regexp(const char *src, size_t len, int icase);
int regexp_method(struct erb *e, const char *m, const struct value *s,
		  struct value *args, size_t nargs, struct value *out);

/* String methods: 1 handled (*out set), 0 not a String method, -1 error. */
int str_method(struct erb *e, const char *m, const struct value *v,
	       struct value *args, size_t nargs, struct value *out);

/*
 * Hash methods: 1 handled (*out set), 0 not a Hash method, -1 error.
 * Block-taking ones are the evaluator's (it turns the hash into pairs).
 */
int hash_method(struct erb *e, const char *m, const struct value *h,
		struct value *args, size_t nargs, struct value *out);

/* ---- erb-lib.c ---- */

/*
 * Runs cmd as Ruby's `cmd` does, its stdout into out whatever the exit
 * status. -1 with Ruby's message in why when it cannot start (-2: shell
 * commands are disabled); erb_backticks() reports that as an error.
 */
int erb_run(struct erb *e, const char *cmd, size_t len, struct strbuf *out,
	    struct strbuf *why);
int erb_backticks(struct erb *e, const char *cmd, size_t len, struct value *out);
/*
 * CONST.m(args): ENV's methods but fetch's block, File, Dir, URI, Dotenv.
 * kw: the keyword arguments (name: value) as a hash, or NULL.
 */
int lib_const_call(struct erb *e, const char *cls, const char *m,
		   struct value *args, size_t nargs, const struct value *kw,
		   struct value *out);
/* A method called without a receiver: require, raise, URI(...). */
int lib_function(struct erb *e, const char *name, struct value *args,
		 size_t nargs, struct value *out);
/* ENV[key]; ENV[key] = val (val NULL: ENV.delete). */
int env_get(struct erb *e, const struct value *key, struct value *out);
struct value env_hash(void);
int env_set(struct erb *e, const struct value *key, const struct value *val);

/* ---- erb-file.c ---- */

/* File.m and Dir.m: 1 handled, 0 not one berth knows, -1 error. */
int file_call(struct erb *e, const char *cls, const char *m,
	      struct value *args, size_t nargs, struct value *out);
/* File.expand_path(path, dir), dir NULL for the working directory. */
int erb_expand_path(struct erb *e, const char *path, const char *dir,
		    struct strbuf *out);

/* ---- erb-dotenv.c ---- */

/* Whether require "dotenv" has run (in this process, as in Ruby). */
int dotenv_defined(void);
/* require "dotenv" (load: "dotenv/load"): 1 the first time, else 0. */
int dotenv_require(struct erb *e, int load);
/* Dotenv.m(args, kw): kw holds overwrite: and ignore: (load, parse). */
int dotenv_call(struct erb *e, const char *m, const struct value *args,
		size_t nargs, const struct value *kw, struct value *out);

/* ---- erb-uri.c ---- */

int uri_parse(struct erb *e, const struct value *s, struct value *out);
/* A URI's methods: 1 handled, 0 not one, -1 error. */
int uri_method(struct erb *e, const char *m, const struct value *u,
	       size_t nargs, struct value *out);
void uri_to_s(struct strbuf *sb, const struct value *u);
const char *uri_class_name(const struct value *u);

#endif
