/* auditor.c - the audit log's commands (see auditor.h). */
#include "commands/auditor.h"
#include "commands/docker.h"
#include "quote.h"

static void audit_log_file(struct strbuf *out, const struct kamal *k)
{
	strbuf_addf(out, KAMAL_RUN_DIRECTORY "/%s", k->cfg->service);
	if (k->cfg->destination)
		strbuf_addf(out, "-%s", k->cfg->destination);
	strbuf_addstr(out, "-audit.log");
}

void kc_audit_line(struct strbuf *out, const struct kamal *k, const char *role,
		   const char *line)
{
	/* Tags drop nil values: an unset detail leaves no "[]" */
	if (k->timestamp)
		strbuf_addf(out, "[%s] ", k->timestamp);
	if (k->performer)
		strbuf_addf(out, "[%s] ", k->performer);
	if (k->cfg->destination)
		strbuf_addf(out, "[%s] ", k->cfg->destination);
	if (role)
		strbuf_addf(out, "[%s] ", role);
	strbuf_addstr(out, line);
}

void kc_auditor_record(struct shcmd *out, const struct kamal *k, const char *role,
		       const char *line)
{
	struct strbuf text = STRBUF_INIT, word = STRBUF_INIT, file = STRBUF_INIT;

	kc_audit_line(&text, k, role, line);
	quote_kamal_value(&word, text.buf);
	audit_log_file(&file, k);
	kc_make_directory(out, KAMAL_RUN_DIRECTORY);
	shcmd_add_shelll(out, "&&", "echo", word.buf, ">>", NULL);
	shcmd_add(out, file.buf);
	strbuf_release(&text);
	strbuf_release(&word);
	strbuf_release(&file);
}

void kc_auditor_reveal(struct shcmd *out, const struct kamal *k)
{
	struct strbuf file = STRBUF_INIT;

	audit_log_file(&file, k);
	shcmd_addl(out, "tail", "-n", "50", file.buf, NULL);
	strbuf_release(&file);
}
