/*
 * bootstrap.h - berth's own way to put Docker on a host that lacks it.
 *
 * Kamal pipes https://get.docker.com into sh. berth asks the host's own
 * package manager first (apt-get, dnf, yum, zypper, apk, pacman), which
 * installs the distribution's signed, updatable package and needs no
 * third-party script; only a host with none of those falls back to
 * Kamal's convenience script. The daemon is then enabled and started
 * (systemd or OpenRC). As root the commands run directly, otherwise
 * through sudo -n, which Kamal's superuser check has already proven works.
 */
#ifndef BERTH_COMMANDS_BOOTSTRAP_H
#define BERTH_COMMANDS_BOOTSTRAP_H

#include "commands/shcmd.h"

void kc_bootstrap_install_docker(struct shcmd *out);

#endif
