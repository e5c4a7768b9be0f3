/* prune.c - pruning images and containers (see prune.h). */
#include "commands/prune.h"
#include "commands/utils.h"
#include "config/kamal-host.h"

static void service_filter(struct shcmd *out, const struct kamal *k)
{
	shcmd_add(out, "--filter");
	shcmd_addf(out, "label=service=%s", k->cfg->service);
}

void kc_prune_dangling_images(struct shcmd *out, const struct kamal *k)
{
	shcmd_addl(out, "docker", "image", "prune", "--force", NULL);
	service_filter(out, k);
}

/* text as it reads between double quotes (kc_double_quote without them) */
static void add_dq_inner(struct strbuf *out, const char *text)
{
	struct strbuf q = STRBUF_INIT;

	kc_double_quote(&q, text);
	strbuf_add(out, q.buf + 1, q.len - 2);
	strbuf_release(&q);
}

/* "$(images of any container)LATEST\|REPO:<none>": grep -w's alternatives. */
static void active_image_list(struct strbuf *out, const struct kamal *k)
{
	struct shcmd used = SHCMD_INIT;
	struct strbuf latest = STRBUF_INIT;

	/* each image in use, ending in \| so the list is one alternation */
	shcmd_addl(&used, "docker", "container", "ls", "-a", "--format", "{{.Image}}\\|", NULL);
	service_filter(&used, k);
	shcmd_add_shell(&used, "|");
	shcmd_addl(&used, "tr", "-d", "\\n", NULL);
	kamal_latest_image(k->cfg, &latest);
	strbuf_addstr(out, "\"$(");
	shcmd_to_shell(&used, out, 0);
	strbuf_addch(out, ')');
	add_dq_inner(out, latest.buf);
	strbuf_addstr(out, "\\|");
	add_dq_inner(out, k->cfg->repository);
	strbuf_addstr(out, ":<none>\"");
	shcmd_clear(&used);
	strbuf_release(&latest);
}

void kc_prune_tagged_images(struct shcmd *out, const struct kamal *k)
{
	struct strbuf active = STRBUF_INIT;

	active_image_list(&active, k);
	shcmd_addl(out, "docker", "image", "ls", NULL);
	service_filter(out, k);
	shcmd_addl(out, "--format", "{{.ID}} {{.Repository}}:{{.Tag}}", NULL);
	shcmd_add_shell(out, "|");
	shcmd_addl(out, "grep", "-v", "-w", NULL);
	shcmd_add_shell(out, active.buf);
	shcmd_add_shelll(out, "|", "while read image tag; do docker rmi $tag; done", NULL);
	strbuf_release(&active);
}

void kc_prune_app_containers(struct shcmd *out, const struct kamal *k, long retain)
{
	static const char *statuses[] = { "created", "exited", "dead" };

	shcmd_addl(out, "docker", "ps", "-q", "-a", NULL);
	service_filter(out, k);
	for (size_t i = 0; i < sizeof(statuses) / sizeof(*statuses); i++) {
		shcmd_add(out, "--filter");
		shcmd_addf(out, "status=%s", statuses[i]);
	}
	shcmd_add_shell(out, "|");
	shcmd_addl(out, "tail", "-n", NULL);
	shcmd_addf(out, "+%ld", retain + 1);
	shcmd_add_shelll(out, "|", "while read container_id; do docker rm $container_id; done",
			 NULL);
}
