/* The -D dictionary, for compression and decompression alike. */
#ifndef LZ4FRAMED_PROGRAMS_DICTIONARY_H
#define LZ4FRAMED_PROGRAMS_DICTIONARY_H

#include "platform.h"

#include <stddef.h>
#include <stdint.h>

struct dictionary {
    unsigned char bytes[64u << 10];
    size_t size;
    uint32_t id;
};

/* Keeps only the last 64 KiB (all LZ4 uses), reading any kind of file, and
 * derives the ID compressed frames carry. RC_OK, RC_IO or RC_USAGE (an
 * empty dictionary), after a message. */
int load_dictionary(const char *path, struct dictionary *d);

#endif
