#include "platform.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "lz4framed.h"
#include "messages.h"
#include "range.h"
#include "seek_io.h"
#include "signals.h"

/* Reads the index file `path` whole (at most 1 GiB). RC_OK, or RC_IO after
 * a message. */
static int load_index(const char *path, void **bytes, size_t *size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return fail_errno(RC_IO, path, "cannot open");
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int rc = fail_errno(RC_IO, path, "cannot stat");
        close(fd);
        return rc;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > (off_t)1 << 30) {
        msg("%s: not an index file (a regular file of at most 1 GiB)", path);
        close(fd);
        return RC_IO;
    }
    *size = (size_t)st.st_size;
    *bytes = xmalloc(*size);
    if (pread_all(fd, *bytes, *size, 0) != 0) {
        int rc = fail_errno(RC_IO, path, "cannot read");
        free(*bytes);
        close(fd);
        return rc;
    }
    close(fd);
    return RC_OK;
}

/* The random-access object for INFILE: its seek table, else the index
 * file (named, or the default name when that file exists), else an index
 * built now. RC_OK, or an exit code after a message. */
static int open_seekable(const struct options *o, struct input *in, lz4framed_seekable **s)
{
    lz4framed_status st = lz4framed_seekable_with_table(pread_callback, &in->fd, in->size, s);
    if (st == LZ4FRAMED_OK) {
        if (o->verbosity > 1) msg("%s: using its seek table", in->name);
        return RC_OK;
    }
    if (st != LZ4FRAMED_ERROR_SEEK_MAGIC) return fail_status(seek_exit_code(st), in->name, "cannot use its seek table", st);
    char *fallback = o->index_path ? NULL : default_index_path(in->name);
    const char *path = o->index_path ? o->index_path : fallback;
    if (o->index_path || access(path, F_OK) == 0) {
        void *bytes = NULL;
        size_t size = 0;
        int rc = load_index(path, &bytes, &size);
        if (rc == RC_OK) {
            st = lz4framed_seekable_with_index(pread_callback, &in->fd, in->size, bytes, size, s);
            free(bytes);
            if (st == LZ4FRAMED_OK) {
                if (o->verbosity > 1) msg("%s: using the index %s", in->name, path);
                free(fallback);
                return RC_OK;
            }
            rc = fail_status(seek_exit_code(st), path, "cannot use the index", st);
        }
        /* A named index must serve; one found by its default name is only
         * a shortcut. */
        if (o->index_path) return rc;
        msg("%s: building an index in memory instead", in->name);
    }
    free(fallback);
    st = lz4framed_seekable_build(pread_callback, &in->fd, in->size, o->span, s);
    if (lz4framed_is_error(st)) return fail_status(seek_exit_code(st), in->name, "cannot index", st);
    return RC_OK;
}

int decompress_range(const struct options *o, struct input *in, struct output *out)
{
    if (!in->regular) return fail_usage("--range needs INFILE to be a regular file (%s is not)", in->name);
    lz4framed_seekable *s = NULL;
    int rc = open_seekable(o, in, &s);
    if (rc != RC_OK) return rc;
    uint64_t size = lz4framed_seekable_size(s);
    if (o->range_offset > size) {
        msg("%s: --range starts at %llu, beyond the end of the content (%llu bytes)", in->name,
            (unsigned long long)o->range_offset, (unsigned long long)size);
        lz4framed_seekable_free(s);
        return RC_USAGE;
    }
    if ((rc = open_output(o, in, out)) != RC_OK) {
        if (out->fd > STDERR_FILENO) discard_output(out);
        lz4framed_seekable_free(s);
        return rc;
    }
    uint64_t at = o->range_offset;
    uint64_t end = size - at < o->range_length ? size : at + o->range_length;
    unsigned char *buf = xmalloc(IO_CHUNK);
    while (rc == RC_OK && at < end) {
        size_t want = end - at < IO_CHUNK ? (size_t)(end - at) : IO_CHUNK, got = 0;
        lz4framed_status st = lz4framed_seekable_read_at(s, at, buf, want, &got);
        if (lz4framed_is_error(st)) {
            msg("%s: cannot decompress at output offset %llu: %s (%s)", in->name, (unsigned long long)at,
                lz4framed_status_message(st), lz4framed_status_name(st));
            rc = seek_exit_code(st);
        } else if (got != want) {
            msg("%s: the content ended at %llu, before the %llu bytes its table or index says", in->name,
                (unsigned long long)(at + got), (unsigned long long)size);
            rc = RC_CORRUPT;
        } else if (write_all(out->fd, buf, got) != 0) {
            rc = fail_errno(RC_IO, out->name, "cannot write");
        }
        at += got;
    }
    free(buf);
    lz4framed_seekable_free(s);
    if (rc == RC_OK) rc = finish_output(out);
    if (rc != RC_OK) {
        discard_output(out);
        return rc;
    }
    remove_on_signal(NULL);
    return RC_OK;
}
