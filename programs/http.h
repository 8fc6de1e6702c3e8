/* INFILE as an http:// or https:// URL (with libcurl, when the tool is
 * built with LZ4FRAMED_HAVE_CURL): the resource is received on the
 * reader's thread straight into its buffers, and a dropped, reset or
 * stalled connection is re-requested from the next byte not yet received
 * (`Range: bytes=N-` with `If-Range`), after the server's answer is checked
 * to be exactly that range of the same resource. Everything received is
 * kept in order, so nothing is lost and nothing is decoded twice. */
#ifndef LZ4FRAMED_PROGRAMS_HTTP_H
#define LZ4FRAMED_PROGRAMS_HTTP_H

#include "platform.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "files.h"
#include "options.h"

/* Longest ETag or Last-Modified value kept (longer ones are not used). */
#define HTTP_VALIDATOR_MAX 255
/* What the state file records of a resource: its length (HTTP_UNKNOWN_SIZE
 * when the server did not say) and its validators ("" when absent). */
#define HTTP_UNKNOWN_SIZE UINT64_MAX
struct http_identity {
    uint64_t total;
    char etag[HTTP_VALIDATOR_MAX + 1];
    char last_modified[HTTP_VALIDATOR_MAX + 1];
};

struct http_source;

/* Whether INFILE names a URL (http:// or https://, any case). */
int is_url(const char *path);

/* `in` for the URL o->in_path: no request yet (http_start makes it).
 * RC_OK, or RC_USAGE after a message when the tool is built without
 * libcurl. */
int http_open_input(const struct options *o, struct input *in);
/* Frees in->http (NULL: nothing). */
void http_close_input(struct input *in);

/* The first request, for the resource from `offset` on; `expect` (NULL on
 * a fresh start) is the identity a resumed download must still find.
 * Waits for the head of the response and checks it. RC_OK, or an exit
 * code after a message: RC_STATE when `expect` is given and the resource
 * changed, RC_NO_RESUME when the server ignores the range, RC_SERVER,
 * RC_TRANSFER (retries exhausted). */
int http_start(struct http_source *h, uint64_t offset, const struct http_identity *expect);

/* The identity found by http_start (valid after it succeeded). */
const struct http_identity *http_identity(const struct http_source *h);

/* The reader's source (reader_start_source): the next bytes of the
 * resource into `buf`, reconnecting as needed. >0 bytes, 0 at the end of
 * the resource, -1 on a failure kept for http_failure, or after http_wake. */
ssize_t http_read(void *h, unsigned char *buf, size_t cap);
/* From any thread: makes a waiting or later http_read return -1 soon. */
void http_wake(void *h);

/* Prints the failure that made http_read return -1; returns its exit code. */
int http_failure(struct http_source *h);

/* The progress line's suffix: reconnects and stalls so far ("" if none). */
void http_note(void *h, char *buf, size_t cap);
/* With -v: the bytes received, the requests and their reasons. */
void http_report(const struct http_source *h);

/* For --version: the libcurl built in, or that there is none. */
const char *http_support(void);

#endif
