/* cli.h - berth-proxy's command line (cli.c) and daemon start (daemon.c). */
#ifndef BERTH_PROXY_CLI_H
#define BERTH_PROXY_CLI_H

int cli_main(int argc, const char **argv);
int run_main(int argc, const char **argv);
/* Runs the daemon with cfg filled in until a signal sets *stop. */
int daemon_main(volatile int *stop, void (*on_signal)(int));

#endif
