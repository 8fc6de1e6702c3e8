/* INFILE and OUTFILE: opening them as the options say, and OUTFILE's end,
 * kept on success and removed on failure. */
#ifndef LZ4FRAMED_PROGRAMS_FILES_H
#define LZ4FRAMED_PROGRAMS_FILES_H

#include "platform.h"

#include <stdint.h>
#include <sys/types.h>

#include "options.h"

struct http_source;

struct input {
    int fd;
    const char *name;
    int regular;
    uint64_t size; /* when regular */
    dev_t dev;
    ino_t ino;
    struct http_source *http; /* a URL (http.c); fd is then -1 */
};

struct output {
    int fd;
    const char *path; /* NULL: standard output */
    const char *name;
    int remove_on_error; /* a regular file this run created or truncated */
};

/* `path` "-" is standard input. RC_OK or RC_IO, after a message. */
int open_input(const char *path, struct input *in);
/* Standard output without an OUTFILE; never overwrites without -f, never
 * INFILE itself. RC_OK, or an exit code after a message (`out->fd` may
 * then be open: discard_output closes it). */
int open_output(const struct options *o, const struct input *in, struct output *out);
/* Closes OUTFILE on success; reports a failed close (a delayed write error). */
int finish_output(struct output *out);
/* Closes OUTFILE and removes it if this run created or truncated it. */
void discard_output(struct output *out);

#endif
