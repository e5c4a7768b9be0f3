/*
 * builder-clone.c - Builder::Clone (the clean checkout Kamal builds
 * from) and the image's life on the hosts: clean, pull, validate (see
 * builder.h).
 */
#include "commands/builder.h"
#include "quote.h"

void kc_builder_build_directory(struct strbuf *out, const char *clone_directory,
				const char *git_root, const char *pwd)
{
	const char *base = strrchr(git_root, '/');
	const char *rel = pwd;

	/* File.join(clone, basename(root), pwd - root): "" leaves a final "/" */
	skip_prefix(pwd, git_root, &rel);
	strbuf_addf(out, "%s/%s/", clone_directory, base ? base + 1 : git_root);
	while (*rel == '/')
		rel++;
	strbuf_addstr(out, rel);
}

static void git(struct shcmd *out, const char *path)
{
	shcmd_addl(out, "git", "-C", path, NULL);
}

void kc_builder_clone(struct shcmd *out, const char *git_root, const char *clone_directory)
{
	git(out, clone_directory);
	shcmd_addl(out, "clone", git_root, "--recurse-submodules", NULL);
}

void kc_builder_clone_status(struct shcmd *out, const char *build_directory)
{
	git(out, build_directory);
	shcmd_addl(out, "status", "--porcelain", NULL);
}

void kc_builder_clone_revision(struct shcmd *out, const char *build_directory)
{
	git(out, build_directory);
	shcmd_addl(out, "rev-parse", "HEAD", NULL);
}

int kc_builder_clone_reset_step(struct shcmd *out, int n, const char *git_root,
				const char *build_directory, const char *revision)
{
	if (n < 0 || n >= KC_CLONE_RESET_STEPS)
		return 0;
	git(out, build_directory);
	switch (n) {
	case 0:
		shcmd_addl(out, "remote", "set-url", "origin", git_root, NULL);
		break;
	case 1:
		shcmd_addl(out, "fetch", "origin", NULL);
		break;
	case 2:
		shcmd_addl(out, "reset", "--hard", revision, NULL);
		break;
	case 3:
		shcmd_addl(out, "clean", "-fdx", NULL);
		break;
	case 4:
		shcmd_addl(out, "submodule", "update", "--init", NULL);
		break;
	case 5:
		shcmd_addl(out, "gc", "--auto", "--quiet", NULL);
		break;
	}
	return 1;
}

static void absolute_image(struct strbuf *out, const struct kc_builder *b)
{
	strbuf_addf(out, "%s:%s", b->k->cfg->repository, b->k->version);
}

void kc_builder_clean(struct shcmd *out, const struct kc_builder *b)
{
	struct strbuf image = STRBUF_INIT;

	absolute_image(&image, b);
	shcmd_addl(out, "docker", "image", "rm", "--force", image.buf, NULL);
	strbuf_release(&image);
}

void kc_builder_pull(struct shcmd *out, const struct kc_builder *b)
{
	struct strbuf image = STRBUF_INIT;

	absolute_image(&image, b);
	shcmd_addl(out, "docker", "pull", image.buf, NULL);
	strbuf_release(&image);
}

void kc_builder_validate_image(struct shcmd *out, const struct kc_builder *b)
{
	struct strbuf image = STRBUF_INIT, msg = STRBUF_INIT, word = STRBUF_INIT;

	absolute_image(&image, b);
	strbuf_addf(&msg, "Image %s is missing the 'service' label", image.buf);
	strbuf_addstr(&word, "(echo ");
	quote_kamal_value(&word, msg.buf);
	strbuf_addstr(&word, " && exit 1)");
	shcmd_addl(out, "docker", "inspect", "-f", "{{ .Config.Labels.service }}", image.buf, NULL);
	shcmd_add_shell(out, "|");
	shcmd_addl(out, "grep", "-x", b->k->cfg->service, NULL);
	shcmd_add_shelll(out, "||", word.buf, NULL);
	strbuf_release(&image);
	strbuf_release(&msg);
	strbuf_release(&word);
}

void kc_builder_first_mirror(struct shcmd *out)
{
	shcmd_addl(out, "docker", "info", "--format", "{{index .RegistryConfig.Mirrors 0}}", NULL);
}
