/*
 * fetch.h - step 1: put the dump on local disk, decompressed.
 *
 * pg_restore with -j or -L must seek in the archive, so the dump always
 * lands in a file: a local --file is used in place when it is a plain
 * archive; a gzip or zstd file (told by its magic bytes, not its name) is
 * decompressed into the work directory; from storage the newest object
 * under the source's prefix is downloaded (db/s3.h), trying each
 * source in turn unless one is named.
 */
#ifndef BERTH_DB_FETCH_H
#define BERTH_DB_FETCH_H

#include "restore.h"

enum db_compression { DB_PLAIN, DB_GZIP, DB_ZSTD };

/* From the first bytes of a file. */
enum db_compression db_sniff_compression(const unsigned char *head, size_t len);

/*
 * Fills path with the archive to restore; *temporary says whether berth
 * made it (and may delete it). bytes gets its size. -1 with err.
 */
int db_fetch(const struct db_restore_opts *o, struct strbuf *path,
	     int *temporary, long long *bytes, struct strbuf *err);

#endif
