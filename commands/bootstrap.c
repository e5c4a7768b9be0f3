/* bootstrap.c - installing Docker through the host's package manager (see bootstrap.h). */
#include "commands/bootstrap.h"

/*
 * One shell program, sent as one line: the choice of package manager is
 * made on the host, where the answer is. Every word is berth's own text.
 */
static const char install_script[] =
	"set -e; "
	"s=; [ \"$(id -u)\" -eq 0 ] || s='sudo -n'; "
	"if command -v apt-get >/dev/null 2>&1; then "
	"$s env DEBIAN_FRONTEND=noninteractive apt-get update -qq && "
	"$s env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io; "
	"elif command -v dnf >/dev/null 2>&1; then $s dnf install -y -q docker; "
	"elif command -v yum >/dev/null 2>&1; then $s yum install -y -q docker; "
	"elif command -v zypper >/dev/null 2>&1; then $s zypper --non-interactive install docker; "
	"elif command -v apk >/dev/null 2>&1; then $s apk add --no-cache docker; "
	"elif command -v pacman >/dev/null 2>&1; then $s pacman -Sy --noconfirm docker; "
	"else (curl -fsSL https://get.docker.com || wget -O - https://get.docker.com) | $s sh; fi; "
	"if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then "
	"$s systemctl enable --now docker; "
	"elif command -v rc-update >/dev/null 2>&1; then $s rc-update add docker default && $s service docker start; "
	"fi";

void kc_bootstrap_install_docker(struct shcmd *out)
{
	struct shcmd script = SHCMD_INIT;

	shcmd_add_shell(&script, install_script);
	shcmd_add_sh_c(out, &script);
	shcmd_clear(&script);
}
