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

struct options {
    int command; /* 'c', 'd' or 'l' (list) */
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
    uint64_t seek_table; /* compress: bytes per seek table stretch; 0: no table */
    const char *in_path;
    const char *out_path; /* NULL: standard output */
};

/* Fills `o` from the command line. Returns -1 to go on, or an exit code:
 * RC_OK after --help or --version (printed), RC_USAGE after a message. */
int parse_args(int argc, char **argv, struct options *o);

#endif
