/* lz4framed compress: INFILE to one LZ4 frame in OUTFILE. */
#ifndef LZ4FRAMED_PROGRAMS_COMPRESS_H
#define LZ4FRAMED_PROGRAMS_COMPRESS_H

#include "platform.h"

#include "dictionary.h"
#include "files.h"
#include "lz4framed.h"
#include "options.h"

/* Streams INFILE through the encoder into OUTFILE (both open), with
 * bounded memory. RC_OK, or an exit code after a message; the caller
 * finishes or discards OUTFILE. `dict` may be NULL. */
/* The encoder preferences the options ask for (--content-size: INFILE's
 * size now). RC_OK, or an exit code after a message. */
int compress_preferences(const struct options *o, const struct input *in, const struct dictionary *dict,
                         lz4framed_preferences *prefs);

int compress_stream(const struct options *o, struct input *in, struct output *out,
                    const struct dictionary *dict);

#endif
