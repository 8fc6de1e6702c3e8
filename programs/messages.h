/* Exit codes and error messages on stderr, each prefixed with the
 * program's name. */
#ifndef LZ4FRAMED_PROGRAMS_MESSAGES_H
#define LZ4FRAMED_PROGRAMS_MESSAGES_H

#include "platform.h"

#include "lz4framed.h"

#define PROG "lz4framed"

/* Exit codes: part of the interface (docs/CLI.md), never renumbered. */
enum {
    RC_OK = 0,
    RC_USAGE = 1,    /* bad command line */
    RC_IO = 2,       /* a file could not be opened, read, written or synced */
    RC_CORRUPT = 3,  /* the input is not valid LZ4 data, or is truncated */
    RC_STATE = 4,    /* the state file (or the files it describes) was refused */
    RC_EXISTS = 5,   /* OUTFILE exists and -f was not given */
    RC_INTERNAL = 6, /* out of memory or an internal library error */
    /* URL input (http.c): */
    RC_TRANSFER = 7, /* the connection failed or kept failing (retries exhausted) */
    RC_SERVER = 8,   /* an HTTP error status, a TLS failure, a request curl refuses */
    RC_NO_RESUME = 9, /* the server ignores Range, or the resource changed mid-download */
    /* random access (index.c, range.c): */
    RC_INDEX = 10    /* a seek table or index was refused, or the file disagrees with it */
};

/* "lz4framed: <message>" and a newline. */
void msg(const char *fmt, ...);
/* The message and a pointer to --help; returns RC_USAGE. */
int fail_usage(const char *fmt, ...);
/* An errno failure on a named file; returns `rc`. */
int fail_errno(int rc, const char *name, const char *what);
/* A library failure on a named file, with the status' message and name;
 * returns `rc`. */
int fail_status(int rc, const char *name, const char *what, lz4framed_status st);
/* The exit code for a library error status. */
int status_exit_code(lz4framed_status st);

#endif
