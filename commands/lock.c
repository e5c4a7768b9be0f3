/* lock.c - the deploy lock's commands (see lock.h). */
#include "commands/lock.h"
#include "commands/docker.h"

/* .kamal/lock-<service>[-<destination>] and its details file */
struct lock_paths {
	struct strbuf dir, file;
};

static void lock_paths(struct lock_paths *p, const struct kamal *k)
{
	strbuf_init(&p->dir, 0);
	strbuf_addf(&p->dir, KAMAL_RUN_DIRECTORY "/lock-%s", k->cfg->service);
	if (k->cfg->destination)
		strbuf_addf(&p->dir, "-%s", k->cfg->destination);
	strbuf_init(&p->file, 0);
	strbuf_addf(&p->file, "%s/details", p->dir.buf);
}

static void lock_paths_release(struct lock_paths *p)
{
	strbuf_release(&p->dir);
	strbuf_release(&p->file);
}

void kc_lock_details_text(struct strbuf *out, const struct kc_lock_details *d)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "Locked by: %s at %s\nVersion: %s\nMessage: %s", d->locked_by,
		    d->timestamp, d->version, d->message);
	/* Kamal strips the heredoc: a blank message leaves no trailing space */
	strbuf_trim(&sb);
	strbuf_addbuf(out, &sb);
	strbuf_release(&sb);
}

void kc_base64_encode64(struct strbuf *out, const char *data, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = (const unsigned char *)data;
	size_t col = 0;

	for (size_t i = 0; i < len; i += 3) {
		unsigned v = p[i] << 16 | (i + 1 < len ? p[i + 1] << 8 : 0) |
			     (i + 2 < len ? p[i + 2] : 0);
		strbuf_addch(out, alphabet[v >> 18 & 63]);
		strbuf_addch(out, alphabet[v >> 12 & 63]);
		strbuf_addch(out, i + 1 < len ? alphabet[v >> 6 & 63] : '=');
		strbuf_addch(out, i + 2 < len ? alphabet[v & 63] : '=');
		col += 4;
		/* pack("m"): 45 input bytes, 60 characters, per line */
		if (col == 60 || i + 3 >= len) {
			strbuf_addch(out, '\n');
			col = 0;
		}
	}
}

void kc_lock_acquire(struct shcmd *out, const struct kamal *k,
		     const struct kc_lock_details *d)
{
	struct lock_paths p;
	struct strbuf text = STRBUF_INIT, echo = STRBUF_INIT;

	lock_paths(&p, k);
	kc_lock_details_text(&text, d);
	strbuf_addch(&echo, '"');
	kc_base64_encode64(&echo, text.buf, text.len);
	strbuf_addch(&echo, '"');
	shcmd_addl(out, "mkdir", p.dir.buf, NULL);
	shcmd_add_shelll(out, "&&", "echo", echo.buf, ">", NULL);
	shcmd_add(out, p.file.buf);
	lock_paths_release(&p);
	strbuf_release(&text);
	strbuf_release(&echo);
}

void kc_lock_release(struct shcmd *out, const struct kamal *k)
{
	struct lock_paths p;

	lock_paths(&p, k);
	kc_remove_file(out, p.file.buf);
	shcmd_add_shell(out, "&&");
	kc_remove_directory(out, p.dir.buf);
	lock_paths_release(&p);
}

void kc_lock_status(struct shcmd *out, const struct kamal *k)
{
	struct lock_paths p;

	lock_paths(&p, k);
	shcmd_addl(out, "stat", p.dir.buf, NULL);
	shcmd_add_shell(out, ">");
	shcmd_add(out, "/dev/null");
	shcmd_add_shell(out, "&&");
	shcmd_addl(out, "cat", p.file.buf, NULL);
	shcmd_add_shell(out, "|");
	shcmd_addl(out, "base64", "-d", NULL);
	lock_paths_release(&p);
}

void kc_lock_ensure_locks_directory(struct shcmd *out, const struct kamal *k)
{
	(void)k;
	kc_make_directory(out, KAMAL_RUN_DIRECTORY);
}
