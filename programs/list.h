/* `lz4framed list INFILE`: every frame of a file and its seek table. */
#ifndef LZ4FRAMED_PROGRAMS_LIST_H
#define LZ4FRAMED_PROGRAMS_LIST_H

#include "platform.h"

#include "files.h"

/* Prints the listing of INFILE (a regular file) on standard output.
 * RC_OK, or an exit code after a message: RC_CORRUPT for data the scan
 * refuses or a damaged seek table, RC_IO, RC_INTERNAL. */
int list_file(struct input *in);

#endif
