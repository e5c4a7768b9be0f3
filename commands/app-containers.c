/*
 * app-containers.c - listing, renaming and removing the app's containers
 * and images (Kamal::Commands::App::Containers and ::Images).
 */
#include "commands/app.h"
#include "commands/args.h"
#include "config/kamal-app.h"

void kc_app_list_containers(struct shcmd *out, const struct kamal *k,
			    const struct config_role *role)
{
	shcmd_addl(out, "docker", "container", "ls", "--all", NULL);
	kc_app_container_filter_args(out, k, role, NULL);
}

void kc_app_list_container_names(struct shcmd *out, const struct kamal *k,
				 const struct config_role *role)
{
	kc_app_list_containers(out, k, role);
	shcmd_add(out, "--format");
	shcmd_add_shell(out, "'{{ .Names }}'");
}

/* container_id_for(NAME-VERSION) | xargs docker ... */
static void version_ids_to_docker(struct shcmd *out, const struct kamal *k,
				  const struct config_role *role, const char *version)
{
	kc_app_container_id_for_version(out, k, role, version, 0);
	shcmd_add_shell(out, "|");
	shcmd_addl(out, "xargs", "docker", NULL);
}

void kc_app_remove_container(struct shcmd *out, const struct kamal *k,
			     const struct config_role *role, const char *version)
{
	version_ids_to_docker(out, k, role, version);
	shcmd_addl(out, "container", "rm", NULL);
}

void kc_app_rename_container(struct shcmd *out, const struct kamal *k,
			     const struct config_role *role, const char *version,
			     const char *new_version)
{
	struct strbuf name = STRBUF_INIT;

	shcmd_addl(out, "docker", "rename", NULL);
	config_role_container_name(k->cfg, role, version, &name);
	shcmd_add(out, name.buf);
	strbuf_reset(&name);
	config_role_container_name(k->cfg, role, new_version, &name);
	shcmd_add(out, name.buf);
	strbuf_release(&name);
}

void kc_app_remove_containers(struct shcmd *out, const struct kamal *k,
			      const struct config_role *role)
{
	shcmd_addl(out, "docker", "container", "prune", "--force", NULL);
	kc_app_container_filter_args(out, k, role, NULL);
}

void kc_app_container_health_log(struct shcmd *out, const struct kamal *k,
				 const struct config_role *role, const char *version)
{
	version_ids_to_docker(out, k, role, version);
	shcmd_addl(out, "inspect", "--format", NULL);
	shcmd_add_shell(out, "'{{json .State.Health}}'");
}

void kc_app_list_images(struct shcmd *out, const struct kamal *k)
{
	shcmd_addl(out, "docker", "image", "ls", k->cfg->repository, NULL);
}

void kc_app_remove_images(struct shcmd *out, const struct kamal *k)
{
	shcmd_addl(out, "docker", "image", "prune", "--all", "--force", "--filter", NULL);
	shcmd_addf(out, "label=service=%s", k->cfg->service);
}

void kc_app_tag_latest_image(struct shcmd *out, const struct kamal *k)
{
	struct strbuf image = STRBUF_INIT, tag = STRBUF_INIT;

	shcmd_addl(out, "docker", "tag", NULL);
	config_image_ref(k->cfg, k->version, &image);
	shcmd_add(out, image.buf);
	strbuf_reset(&image);
	config_latest_tag(k->cfg, &tag);
	config_image_ref(k->cfg, tag.buf, &image);
	shcmd_add(out, image.buf);
	strbuf_release(&image);
	strbuf_release(&tag);
}
