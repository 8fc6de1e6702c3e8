/* What the random-access commands (lz4framed index, decompress --range)
 * share: INFILE read by position for the library, the exit code of a
 * seek status, the default index file name, and the size arguments. */
#ifndef LZ4FRAMED_PROGRAMS_SEEK_IO_H
#define LZ4FRAMED_PROGRAMS_SEEK_IO_H

#include "platform.h"

#include <stddef.h>
#include <stdint.h>

#include "lz4framed.h"

/* The library's positional callback over a file descriptor (`user` points
 * to the int): pread, safe from several threads at once. */
lz4framed_status pread_callback(void *user, uint64_t offset, void *buf, size_t capacity, size_t *read);
/* RC_INDEX for a refused seek table or index (or a file that disagrees
 * with one), RC_IO for a failed read, else as status_exit_code. */
int seek_exit_code(lz4framed_status st);
/* The index file of INFILE `path` when none is named: `path` with a final
 * ".lz4" replaced by ".lz4i", else with ".lz4i" appended. Allocated. */
char *default_index_path(const char *path);
/* A byte count with an optional suffix K, M or G (powers of 1024; a plain
 * number is bytes): 0 or -1. `allow_zero` accepts 0. */
int parse_byte_count(const char *s, int allow_zero, uint64_t *out);

#endif
