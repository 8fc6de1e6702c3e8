/* lz4framed decompress --range=OFFSET:LENGTH: part of INFILE's content,
 * read at random through its seek table, an index file, or an index built
 * in memory. */
#ifndef LZ4FRAMED_PROGRAMS_RANGE_H
#define LZ4FRAMED_PROGRAMS_RANGE_H

#include "platform.h"

#include "files.h"
#include "options.h"

/* Writes the bytes [o->range_offset, o->range_offset + o->range_length) of
 * INFILE's decompressed content (fewer when it ends first) to OUTFILE.
 * RC_OK, or an exit code after a message with OUTFILE removed. */
int decompress_range(const struct options *o, struct input *in, struct output *out);

#endif
