/*
 * docker.c - Kamal::Commands::Docker and Kamal::Commands::Base's helpers
 * (see docker.h).
 */
#include "commands/docker.h"

void kc_docker_install(struct shcmd *out)
{
	struct shcmd get = SHCMD_INIT, sh = SHCMD_INIT;

	/* Kamal joins these words into sh -c's one argument as they are. */
	shcmd_addl(&get, "curl", "-fsSL", "https://get.docker.com", NULL);
	shcmd_add_shelll(&get, "||", "wget", "-O -", "https://get.docker.com", NULL);
	shcmd_add_shelll(&get, "||", "echo", "\"exit 1\"", NULL);
	shcmd_add_sh_c(&sh, &get);
	shcmd_append(out, &sh);
	shcmd_add_shell(out, "|");
	shcmd_add(out, "sh");
	shcmd_clear(&get);
	shcmd_clear(&sh);
}

void kc_docker_installed(struct shcmd *out)
{
	shcmd_addl(out, "docker", "-v", NULL);
}

void kc_docker_running(struct shcmd *out)
{
	shcmd_addl(out, "docker", "version", NULL);
}

/* Kamal's one-string commands: shell text, sent without /usr/bin/env. */
void kc_docker_superuser(struct shcmd *out)
{
	shcmd_add_shell(out, "[ \"${EUID:-$(id -u)}\" -eq 0 ] || sudo -nl usermod >/dev/null");
}

void kc_docker_root(struct shcmd *out)
{
	shcmd_add_shell(out, "[ \"${EUID:-$(id -u)}\" -eq 0 ]");
}

void kc_docker_in_docker_group(struct shcmd *out)
{
	shcmd_add_shell(out, "id -nG \"${USER:-$(id -un)}\" | grep -qw docker");
}

void kc_docker_add_to_docker_group(struct shcmd *out)
{
	shcmd_add_shell(out, "sudo -n usermod -aG docker \"${USER:-$(id -un)}\"");
}

void kc_docker_refresh_session(struct shcmd *out)
{
	shcmd_add_shell(out, "kill -HUP $PPID");
}

void kc_docker_create_network(struct shcmd *out)
{
	shcmd_addl(out, "docker", "network", "create", "kamal", NULL);
}

void kc_container_id_for(struct shcmd *out, const char *container_name, int only_running)
{
	shcmd_addl(out, "docker", "container", "ls", NULL);
	if (!only_running)
		shcmd_add(out, "--all");
	shcmd_add(out, "--filter");
	shcmd_addf(out, "name=^%s$", container_name);
	shcmd_add(out, "--quiet");
}

void kc_make_directory(struct shcmd *out, const char *path)
{
	shcmd_addl(out, "mkdir", "-p", path, NULL);
}

/* Pathname#dirname: "." for a bare name, "/" for a file at the root. */
void kc_make_directory_for(struct shcmd *out, const char *remote_file)
{
	const char *slash = strrchr(remote_file, '/');
	struct strbuf dir = STRBUF_INIT;

	if (!slash)
		strbuf_addch(&dir, '.');
	else if (slash == remote_file)
		strbuf_addch(&dir, '/');
	else
		strbuf_add(&dir, remote_file, slash - remote_file);
	kc_make_directory(out, dir.buf);
	strbuf_release(&dir);
}

void kc_remove_directory(struct shcmd *out, const char *path)
{
	shcmd_addl(out, "rm", "-r", path, NULL);
}

void kc_remove_file(struct shcmd *out, const char *path)
{
	shcmd_addl(out, "rm", path, NULL);
}

void kc_ensure_docker_installed(struct shcmd *out, int buildx)
{
	struct shcmd docker = SHCMD_INIT, plugin = SHCMD_INIT;

	shcmd_addl(&docker, "docker", "--version", NULL);
	if (buildx)
		shcmd_addl(&plugin, "docker", "buildx", "version", NULL);
	shcmd_combine(out, "&&", &docker, &plugin, NULL);
	shcmd_clear(&docker);
	shcmd_clear(&plugin);
}
