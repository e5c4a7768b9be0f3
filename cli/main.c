/*
 * main.c - the berth program (cli/run.c does the work).
 */
#include "cli.h"

int main(int argc, const char **argv)
{
	return cli_main(argc, argv);
}
