/* The command line: options, their defaults, and parsing. */
#ifndef LZ4FRAMED_PROGRAMS_OPTIONS_H
#define LZ4FRAMED_PROGRAMS_OPTIONS_H

#include "platform.h"

#include <stdint.h>

#define KIB ((uint64_t)1024)
#define MIB (KIB * 1024)
#define DEFAULT_CHECKPOINT (16 * MIB)
#define DEFAULT_SEEK_SPAN (4 * MIB)
/* -T beyond this is refused: each worker holds about 2 jobs of 4 MiB. */
#define MAX_THREADS 64
#define DEFAULT_STALL_TIMEOUT_MS 30000u
#define DEFAULT_RETRIES 10u
#define DEFAULT_RETRY_DELAY_MS 500u

struct options {
    int command; /* 'c', 'd', 'i' (index) or 'l' (list) */
    int32_t level;
    uint32_t block_size_id;
    int linked;
    int block_checksum;
    int content_checksum;
    int content_size;
    int favor_dec_speed;
    uint32_t workers; /* coding threads besides the caller's; 0: none */
    int io_threads;   /* read ahead and write behind on threads of their own */
    const char *compress_only; /* the last compression option given, for messages */
    const char *dict_path;
    int force;
    int verbosity; /* 0 quiet, 1 normal, 2 verbose */
    const char *state_path;
    uint64_t checkpoint_every;
    /* Random access (index.c, range.c). */
    uint64_t span;           /* restart point spacing of a built index; 0: the library's */
    int has_range;           /* decompress --range=OFFSET:LENGTH */
    uint64_t range_offset;
    uint64_t range_length;   /* UINT64_MAX: to the end */
    const char *index_path;  /* --index=FILE */
    uint64_t seek_table; /* compress: bytes per seek table stretch; 0: no table */
    const char *in_path;
    const char *out_path; /* NULL: standard output */
    /* URL input (http.c) and resuming a stream (--resume-offset): */
    uint32_t stall_timeout_ms; /* no byte for this long: reconnect (0: never) */
    uint32_t retries;          /* failed attempts in a row before giving up */
    uint32_t retry_delay_ms;   /* the first wait before a new attempt, doubled each time */
    int resume_offset;         /* print where a new stream must start, and exit */
};

/* Fills `o` from the command line. Returns -1 to go on, or an exit code:
 * RC_OK after --help or --version (printed), RC_USAGE after a message. */
int parse_args(int argc, char **argv, struct options *o);

#endif
