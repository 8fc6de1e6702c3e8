/* lz4framed compress --state FILE: crash-safe, resumable compression.
 * Every checkpoint makes OUTFILE durable, marshals the encoder and
 * atomically replaces FILE; a later run with the same FILE checks INFILE
 * and OUTFILE against it and continues where the checkpoint stood, reading
 * INFILE from the recorded offset (so an INFILE that has grown since, a
 * log still being written, is compressed to its new end). The finished
 * OUTFILE is byte for byte what one uninterrupted run writes. The state
 * file's format is in docs/CLI.md and at the top of compress_state.c. */
#ifndef LZ4FRAMED_PROGRAMS_COMPRESS_STATE_H
#define LZ4FRAMED_PROGRAMS_COMPRESS_STATE_H

#include "platform.h"

#include "dictionary.h"
#include "files.h"
#include "options.h"

/* INFILE (open, regular) to OUTFILE (o->out_path, opened here) with
 * checkpoints in o->state_path; removes the state file on success, keeps
 * it (and OUTFILE) after a failure once a checkpoint exists. RC_OK or an
 * exit code after a message; RC_STATE when the state file, or the files it
 * describes, are in any doubt (nothing is changed then). `dict` may be
 * NULL. */
int compress_resumable(const struct options *o, struct input *in, struct output *out,
                       const struct dictionary *dict);

#endif
