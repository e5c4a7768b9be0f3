/*
 * app-assets.c - asset bridging between versions and the proxy's error
 * pages (Kamal::Commands::App::Assets and ::ErrorPages): the new image's
 * assets are copied out, merged with the running version's both ways so
 * either container serves every fingerprinted file during the swap, and
 * older copies are removed once the old version stopped.
 */
#include "commands/app.h"
#include "commands/args.h"
#include "config/kamal-app.h"

/* mkdir -p EXTRACTED && docker container rm ... && docker container cp ... */
void kc_app_extract_assets(struct shcmd *out, const struct kamal *k,
			   const struct config_role *role)
{
	struct strbuf dir = STRBUF_INIT, container = STRBUF_INIT, image = STRBUF_INIT;
	struct strbuf path = STRBUF_INIT, options = STRBUF_INIT;

	config_role_asset_extracted_directory(k->cfg, role, k->version, &dir);
	config_role_container_prefix(k->cfg, role, &container);
	strbuf_addstr(&container, "-assets");
	config_image_ref(k->cfg, k->version, &image);
	config_role_asset_path(k->cfg, role, &path, &options);
	strbuf_addstr(&path, "/.");

	kc_make_directory(out, dir.buf);
	shcmd_add_shell(out, "&&");
	shcmd_addl(out, "docker", "container", "rm", container.buf, NULL);
	/* a leftover container from a failed boot is fine to miss */
	shcmd_add_shelll(out, "2>", "/dev/null", "||", "true", "&&", NULL);
	shcmd_addl(out, "docker", "container", "create", "--name", container.buf, image.buf, NULL);
	shcmd_add_shell(out, "&&");
	shcmd_addl(out, "docker", "container", "cp", "-L", NULL);
	shcmd_addf(out, "%s:%s", container.buf, path.buf);
	shcmd_add(out, dir.buf);
	shcmd_add_shell(out, "&&");
	shcmd_addl(out, "docker", "container", "rm", container.buf, NULL);
	strbuf_release(&dir);
	strbuf_release(&container);
	strbuf_release(&image);
	strbuf_release(&path);
	strbuf_release(&options);
}

/* cp -rnT FROM TO [|| true]: no-clobber, so each side keeps its own files. */
static void copy_contents(struct shcmd *out, const char *from, const char *to, int may_fail)
{
	shcmd_add_shell(out, ";");
	shcmd_addl(out, "cp", "-rnT", from, to, NULL);
	if (may_fail)
		shcmd_add_shelll(out, "||", "true", NULL);
}

void kc_app_sync_asset_volumes(struct shcmd *out, const struct kamal *k,
			       const struct config_role *role, const char *old_version)
{
	struct strbuf new_extracted = STRBUF_INIT, new_volume = STRBUF_INIT;
	struct strbuf old_extracted = STRBUF_INIT, old_volume = STRBUF_INIT;

	config_role_asset_extracted_directory(k->cfg, role, k->version, &new_extracted);
	config_role_asset_volume_directory(k->cfg, role, k->version, &new_volume);
	kc_make_directory(out, new_volume.buf);
	copy_contents(out, new_extracted.buf, new_volume.buf, 0);
	if (old_version && *old_version) {
		config_role_asset_extracted_directory(k->cfg, role, old_version, &old_extracted);
		config_role_asset_volume_directory(k->cfg, role, old_version, &old_volume);
		copy_contents(out, new_extracted.buf, old_volume.buf, 1);
		copy_contents(out, old_extracted.buf, new_volume.buf, 1);
	}
	strbuf_release(&new_extracted);
	strbuf_release(&new_volume);
	strbuf_release(&old_extracted);
	strbuf_release(&old_volume);
}

/* find PARENT -maxdepth 1 -name 'ROLE-*' ! -name BASE -exec rm -rf "{}" + */
static void remove_older_siblings(struct shcmd *out, const struct config_role *role,
				  const char *path)
{
	struct strbuf parent = STRBUF_INIT;
	const char *base = strrchr(path, '/');

	config_path_dirname(path, &parent);
	shcmd_addl(out, "find", parent.buf, NULL);
	shcmd_add_shell(out, "-maxdepth 1");
	shcmd_add(out, "-name");
	shcmd_add_shellf(out, "'%s-*'", role->name);
	shcmd_add_shell(out, "!");
	shcmd_addl(out, "-name", base ? base + 1 : path, NULL);
	shcmd_add_shell(out, "-exec rm -rf \"{}\" +");
	strbuf_release(&parent);
}

void kc_app_clean_up_assets(struct shcmd *out, const struct kamal *k,
			    const struct config_role *role)
{
	struct strbuf dir = STRBUF_INIT;

	config_role_asset_extracted_directory(k->cfg, role, k->version, &dir);
	remove_older_siblings(out, role, dir.buf);
	shcmd_add_shell(out, ";");
	strbuf_reset(&dir);
	config_role_asset_volume_directory(k->cfg, role, k->version, &dir);
	remove_older_siblings(out, role, dir.buf);
	strbuf_release(&dir);
}

void kc_app_create_error_pages_directory(struct shcmd *out, const struct kamal *k)
{
	struct strbuf dir = STRBUF_INIT;

	config_proxy_error_pages_directory(k->cfg, 0, &dir);
	kc_make_directory(out, dir.buf);
	strbuf_release(&dir);
}

/* Every version's pages but this one's. */
void kc_app_clean_up_error_pages(struct shcmd *out, const struct kamal *k)
{
	struct strbuf dir = STRBUF_INIT;

	config_proxy_error_pages_directory(k->cfg, 0, &dir);
	shcmd_addl(out, "find", dir.buf, "-mindepth", "1", "-maxdepth", "1", NULL);
	shcmd_add_shell(out, "!");
	shcmd_addl(out, "-name", k->version, "-exec", "rm", "-rf", NULL);
	shcmd_add_shell(out, "{} +");
	strbuf_release(&dir);
}
