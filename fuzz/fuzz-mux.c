/*
 * fuzz-mux.c - what berth reads from an ssh ControlMaster and from `ssh -G`
 * (remote/mux.c): a stream of mux packets, cut where the bytes say, and
 * the -G text with the environment chosen from it.
 */
#include "remote/mux.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void packets(const uint8_t *data, size_t size)
{
	struct mux_reply r;
	long used;

	/* Every packet is consumed whole and never past the end. */
	while ((used = mux_parse_packet(data, size, &r)) > 0) {
		if ((size_t)used > size || used < 4)
			__builtin_trap();
		data += used;
		size -= (size_t)used;
	}
}

static void g_text(const uint8_t *data, size_t size)
{
	const char *env[] = { "LANG=C", "LC_ALL=C", "HOME=/root", "A=", NULL };
	struct mux_target t;
	struct strvec out = STRVEC_INIT;
	char *text = malloc(size + 1);

	memcpy(text, data, size);
	text[size] = '\0';
	mux_target_init(&t);
	mux_target_parse(&t, text);
	mux_session_env(&t, env, &out);
	/* Only the run's own entries and SetEnv's "NAME=value" can come out. */
	for (size_t i = 0; i < out.nr; i++)
		if (!strchr(out.v[i], '='))
			__builtin_trap();
	strvec_clear(&out);
	mux_target_release(&t);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		packets(data + 1, size - 1);
	else
		g_text(data + 1, size - 1);
	return 0;
}
