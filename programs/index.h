/* lz4framed index: a sidecar index of INFILE, for random access to a file
 * written without a seek table. */
#ifndef LZ4FRAMED_PROGRAMS_INDEX_H
#define LZ4FRAMED_PROGRAMS_INDEX_H

#include "platform.h"

#include "files.h"
#include "options.h"

/* Builds the index of INFILE (a regular file, open) and writes it to
 * OUTFILE (o->out_path: INDEXFILE). RC_OK with INDEXFILE complete, or an
 * exit code after a message, INDEXFILE not left behind. */
int write_index(const struct options *o, struct input *in);

#endif
