/* lz4framed decompress: every frame of INFILE into OUTFILE, optionally
 * crash-safe and resumable with --state. */
#ifndef LZ4FRAMED_PROGRAMS_DECOMPRESS_H
#define LZ4FRAMED_PROGRAMS_DECOMPRESS_H

#include "platform.h"

#include "dictionary.h"
#include "files.h"
#include "options.h"

/* Opens OUTFILE (or resumes it from the state file) and decodes INFILE
 * (open) into it. RC_OK with OUTFILE complete and closed, or an exit code
 * after a message with OUTFILE removed, unless --state keeps it with its
 * checkpoint. `dict` may be NULL. */
int decompress_stream(const struct options *o, struct input *in, struct output *out,
                      const struct dictionary *dict);

#endif
