/* The progress line on stderr: only when stderr is a terminal, without -q,
 * and once the work has taken more than a second. */
#ifndef LZ4FRAMED_PROGRAMS_PROGRESS_H
#define LZ4FRAMED_PROGRAMS_PROGRESS_H

#include "platform.h"

#include <stddef.h>
#include <stdint.h>

#include "options.h"

struct progress {
    int enabled;
    int shown;
    double start, last;
    uint64_t in_total; /* 0: unknown */
    uint64_t in_base, out_base;
    const char *verb, *name;
    /* Appended to the line when set (a URL's reconnects). */
    void (*note)(void *ctx, char *buf, size_t cap);
    void *note_ctx;
};

/* `in_total`: the input size when known, else 0. */
void progress_init(struct progress *p, const struct options *o, const char *name, uint64_t in_total);
/* Shown only for work that takes more than a second, refreshed 4 times a
 * second; the rate counts the uncompressed side. */
void progress_update(struct progress *p, uint64_t in_pos, uint64_t out_pos);
/* Erases the line if it was shown. */
void progress_end(struct progress *p);

#endif
