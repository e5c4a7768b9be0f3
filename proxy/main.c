/*
 * main.c - berth-proxy. Invoked as "kamal-proxy" it says so in its help
 * and messages, since Kamal runs `kamal-proxy deploy ...` in the container.
 */
#include "compat.h"
#include "log.h"
#include "cli.h"

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	log_set_program(!strcmp(base, "kamal-proxy") ? "kamal-proxy" : "berth-proxy");
	return cli_main(argc, (const char **)argv);
}
