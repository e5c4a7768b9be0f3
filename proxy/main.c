/* main.c - berth-proxy: placeholder until the proxy lands. */
#include "compat.h"

int main(int argc, char **argv)
{
	fprintf(stderr, "berth-proxy: not implemented yet\n");
	return 2;
}
