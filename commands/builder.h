/*
 * builder.h - Kamal::Commands::Builder: building and pushing the app
 * image, with docker buildx (local, remote, hybrid and cloud builders),
 * Cloud Native Buildpacks (pack), or, where buildx is not installed,
 * docker's classic builder (berth's own fallback).
 *
 * Which builder Kamal picks depends on the local docker's architecture
 * (Kamal runs "docker info" for it): a remote builder builds only the
 * arches the local docker cannot, and locally when it can build them
 * all. That arch is an argument here; NULL or "" means unknown, and a
 * configured remote then builds every arch, as Kamal does when docker
 * info fails.
 *
 * The classic builder ("docker build", then "docker push" of each tag)
 * has no BuildKit features: build secrets, ssh forwarding, cache
 * import/export, attestations, several platforms or a remote host. For a
 * config that needs one, kc_builder_push() fails with a message naming
 * it rather than build something else than asked (a secret passed as a
 * build arg would end up in the image's history).
 */
#ifndef BERTH_COMMANDS_BUILDER_H
#define BERTH_COMMANDS_BUILDER_H

#include "commands/kamal.h"
#include "config/kamal-host.h"

enum kc_builder_kind {
	KC_BUILDER_LOCAL,
	KC_BUILDER_REMOTE,
	KC_BUILDER_HYBRID,
	KC_BUILDER_PACK,
	KC_BUILDER_CLOUD,
};

struct kc_builder {
	const struct kamal *k;
	struct kamal_builder cfg;
	struct kamal_registry registry;
	struct strvec local_arches, remote_arches;
	enum kc_builder_kind kind;
	int buildx;                     /* 0: the classic builder */
};

/* docker_arch: the local docker's (amd64, arm64), NULL/"" if unknown. */
void kc_builder_init(struct kc_builder *b, const struct kamal *k, const char *docker_arch,
		     int buildx);
void kc_builder_release(struct kc_builder *b);
/* Builder#name: "local", "remote", "hybrid", "pack" or "cloud". */
const char *kc_builder_name(const struct kc_builder *b);
/* The buildx builder's name (kamal-local-docker-container, kamal-remote-...). */
void kc_builder_builder_name(struct strbuf *out, const struct kc_builder *b);

/* --platform linux/A,linux/B; nothing for no arch. */
void kc_builder_platform_options(struct shcmd *out, const struct strvec *arches);

/* The builder's setup: nothing for the docker driver, pack or classic. */
void kc_builder_create(struct shcmd *out, const struct kc_builder *b);
void kc_builder_remove(struct shcmd *out, const struct kc_builder *b);
/* Fails on the host when the builder is missing or points elsewhere. */
void kc_builder_inspect_builder(struct shcmd *out, const struct kc_builder *b);
/* docker context ls && docker buildx ls (";" for remote), pack builder inspect. */
void kc_builder_info(struct shcmd *out, const struct kc_builder *b);

struct kc_build_options {
	const char *output;               /* --output type; NULL: "registry" */
	int tag_as_dirty;                 /* "build dev": tags end in -dirty */
	int no_cache;
	const struct strvec *secrets_env; /* pack: NAME=value of builder/secrets */
};

/*
 * The build (and push, for output "registry"). The CLI runs it in the
 * build directory with kc_builder_push_env() as its env, after checking
 * that the Dockerfile exists (Kamal raises "Missing Dockerfile"). -1 with
 * err when the classic builder cannot do what the config asks.
 */
int kc_builder_push(struct shcmd *out, const struct kc_builder *b,
		    const struct kc_build_options *o, struct strbuf *err);
/* BUILDKIT_NO_CLIENT_TOKEN=1 for remote and hybrid builders. */
void kc_builder_push_env(const struct kc_builder *b, struct strvec *env);
/* Remote builders push from the remote host: no local registry login. */
int kc_builder_login_to_registry_locally(const struct kc_builder *b);

/* On the hosts: docker image rm --force IMAGE, docker pull IMAGE */
void kc_builder_clean(struct shcmd *out, const struct kc_builder *b);
void kc_builder_pull(struct shcmd *out, const struct kc_builder *b);
/* The pulled image carries label service=SERVICE, else exit 1 with a message. */
void kc_builder_validate_image(struct shcmd *out, const struct kc_builder *b);
/* docker info --format '{{index .RegistryConfig.Mirrors 0}}' */
void kc_builder_first_mirror(struct shcmd *out);

/*
 * Builder::Clone: without a builder/context, Kamal builds from a fresh
 * clone of the repository (git root) in clone_directory
 * (<tmpdir>/kamal-clones/<service>-<13 hex of sha256(pwd)>, computed by
 * the caller), in the build directory under it.
 */
void kc_builder_build_directory(struct strbuf *out, const char *clone_directory,
				const char *git_root, const char *pwd);
/* git -C CLONE_DIR clone GIT_ROOT --recurse-submodules */
void kc_builder_clone(struct shcmd *out, const char *git_root, const char *clone_directory);
/* git -C BUILD_DIR status --porcelain; git -C BUILD_DIR rev-parse HEAD */
void kc_builder_clone_status(struct shcmd *out, const char *build_directory);
void kc_builder_clone_revision(struct shcmd *out, const char *build_directory);
/*
 * The n-th (0..5) step that resets an existing clone to revision:
 * remote set-url origin, fetch origin, reset --hard, clean -fdx,
 * submodule update --init, gc --auto --quiet. 0 past the last step.
 */
#define KC_CLONE_RESET_STEPS 6
int kc_builder_clone_reset_step(struct shcmd *out, int n, const char *git_root,
				const char *build_directory, const char *revision);

#endif
