/* fuzz-copyline.c - db_copy_columns on arbitrary lines of pg_restore's output. */
#include "db/stage.h"
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf cols = STRBUF_INIT;
	char *line = malloc(size + 1);

	memcpy(line, data, size);
	line[size] = '\0';
	/* The columns are a part of the line strictly inside it. */
	if (!db_copy_columns(line, &cols) && (cols.len && (cols.len + 18 > strlen(line) ||
						      !strstr(line, cols.buf))))
		__builtin_trap();
	strbuf_release(&cols);
	free(line);
	return 0;
}
