#include "platform.h"

#include <stdlib.h>
#include <string.h>

#include "compress.h"
#include "io.h"
#include "lz4framed.h"
#include "messages.h"
#include "progress.h"
#include "reader.h"
#include "writer.h"

/* The seek table after the frame: through the writer's buffer when it
 * fits there, else from a buffer of its own. */
static int write_seek_table(lz4framed_encoder *enc, struct writer *wr, size_t cap, const char *in_name,
                            const char *out_name, uint64_t *out_pos)
{
    size_t size = 0, n = 0;
    lz4framed_status st = lz4framed_encoder_seek_table_size(enc, &size);
    if (lz4framed_is_error(st)) return fail_status(RC_INTERNAL, in_name, "cannot write the seek table", st);
    if (size <= cap) {
        st = lz4framed_encoder_write_seek_table(enc, writer_buffer(wr), cap, &n);
        if (lz4framed_is_error(st)) return fail_status(RC_INTERNAL, in_name, "cannot write the seek table", st);
        if (writer_put(wr, n) != 0) return fail_errno(RC_IO, out_name, "cannot write");
    } else {
        unsigned char *table = xmalloc(size);
        st = lz4framed_encoder_write_seek_table(enc, table, size, &n);
        int bad = lz4framed_is_error(st);
        if (!bad) {
            /* In pieces the writer's buffer holds, after what it has. */
            for (size_t at = 0; at < n && !bad;) {
                size_t piece = n - at < cap ? n - at : cap;
                memcpy(writer_buffer(wr), table + at, piece);
                if (writer_put(wr, piece) != 0) bad = 2;
                at += piece;
            }
        }
        free(table);
        if (bad == 2) return fail_errno(RC_IO, out_name, "cannot write");
        if (bad) return fail_status(RC_INTERNAL, in_name, "cannot write the seek table", st);
    }
    *out_pos += n;
    return RC_OK;
}

int compress_preferences(const struct options *o, const struct input *in, const struct dictionary *dict,
                         lz4framed_preferences *out)
{
    lz4framed_preferences prefs;
    memset(&prefs, 0, sizeof prefs);
    prefs.level = o->level;
    prefs.block_size_id = o->block_size_id;
    prefs.block_independent = !o->linked;
    prefs.block_checksum = (uint32_t)o->block_checksum;
    prefs.content_checksum = (uint32_t)o->content_checksum;
    prefs.favor_dec_speed = (uint32_t)o->favor_dec_speed;
    prefs.workers = o->workers;
    prefs.seek_table_kib = (uint32_t)(o->seek_table / KIB);
    if (o->content_size) {
        if (!in->regular) return fail_usage("--content-size needs INFILE to be a regular file");
        prefs.content_size_flag = 1;
        prefs.content_size = in->size;
    }
    if (dict) prefs.dict_id = dict->id;
    *out = prefs;
    return RC_OK;
}

int compress_stream(const struct options *o, struct input *in, struct output *out,
                    const struct dictionary *dict)
{
    lz4framed_preferences prefs;
    int prc = compress_preferences(o, in, dict, &prefs);
    if (prc != RC_OK) return prc;

    lz4framed_encoder *enc = NULL;
    lz4framed_status st = dict ? lz4framed_encoder_new_using_dict(&prefs, dict->bytes, dict->size, &enc)
                               : lz4framed_encoder_new(&prefs, &enc);
    if (lz4framed_is_error(st)) return fail_status(status_exit_code(st), in->name, "cannot start compression", st);

    size_t cap = lz4framed_compress_bound(IO_CHUNK, &prefs);
    size_t tail = lz4framed_compress_bound(0, &prefs);
    if (cap == 0 || tail == 0) {
        lz4framed_encoder_free(enc);
        msg("%s: the library rejected the compression settings", in->name);
        return RC_INTERNAL;
    }
    if (cap < tail) cap = tail;
    if (cap < LZ4FRAMED_MAX_HEADER_SIZE) cap = LZ4FRAMED_MAX_HEADER_SIZE;
    struct reader rd;
    struct writer wr;
    if (reader_start(&rd, in->fd, o->io_threads) != 0) {
        lz4framed_encoder_free(enc);
        return fail_errno(RC_INTERNAL, in->name, "cannot start the reading thread");
    }
    if (writer_start(&wr, out->fd, cap, o->io_threads, reader_interrupt, &rd) != 0) {
        reader_stop(&rd);
        lz4framed_encoder_free(enc);
        return fail_errno(RC_INTERNAL, out->name, "cannot start the writing thread");
    }
    uint64_t in_pos = 0, out_pos = 0;
    struct progress prog;
    progress_init(&prog, o, in->name, in->regular ? in->size : 0);
    int rc = RC_OK;
    size_t n = 0;

    st = lz4framed_encoder_begin(enc, writer_buffer(&wr), cap, &n);
    if (lz4framed_is_error(st)) {
        rc = fail_status(RC_INTERNAL, in->name, "cannot write the frame header", st);
        goto done;
    }
    for (;;) {
        if (writer_put(&wr, n) != 0) {
            rc = fail_errno(RC_IO, out->name, "cannot write");
            goto done;
        }
        out_pos += n;
        progress_update(&prog, in_pos, out_pos);
        const unsigned char *src;
        ssize_t r = reader_next(&rd, &src);
        if (r == READER_INTERRUPTED) {
            /* By the writing thread's failure: its errno. */
            (void)writer_flush(&wr);
            rc = fail_errno(RC_IO, out->name, "cannot write");
            goto done;
        }
        if (r < 0) {
            rc = fail_errno(RC_IO, in->name, "cannot read");
            goto done;
        }
        if (r == 0) break;
        in_pos += (uint64_t)r;
        st = lz4framed_encoder_update(enc, src, (size_t)r, writer_buffer(&wr), cap, &n);
        if (lz4framed_is_error(st)) {
            rc = fail_status(status_exit_code(st), in->name, "compression failed", st);
            goto done;
        }
    }
    st = lz4framed_encoder_end(enc, writer_buffer(&wr), cap, &n);
    if (st == LZ4FRAMED_ERROR_CONTENT_SIZE) {
        msg("%s: changed size while being compressed (%llu bytes declared, %llu read)", in->name,
            (unsigned long long)prefs.content_size, (unsigned long long)in_pos);
        rc = RC_IO;
        goto done;
    }
    if (lz4framed_is_error(st)) {
        rc = fail_status(status_exit_code(st), in->name, "cannot end the frame", st);
        goto done;
    }
    if (writer_put(&wr, n) != 0) {
        rc = fail_errno(RC_IO, out->name, "cannot write");
        goto done;
    }
    out_pos += n;
    if (o->seek_table && (rc = write_seek_table(enc, &wr, cap, in->name, out->name, &out_pos)) != RC_OK) goto done;
    if (writer_finish(&wr) != 0) {
        rc = fail_errno(RC_IO, out->name, "cannot write");
        goto done;
    }
    progress_end(&prog);
    if (o->verbosity > 1)
        msg("%s: %llu bytes -> %llu bytes (%.2f%%)", in->name, (unsigned long long)in_pos,
            (unsigned long long)out_pos, in_pos ? 100.0 * (double)out_pos / (double)in_pos : 0.0);
done:
    progress_end(&prog);
    /* Both threads end before the encoder goes; after a failure the
     * output coded so far is still delivered, as in one thread, and a read
     * that may never return is interrupted. */
    (void)writer_finish(&wr);
    reader_stop(&rd);
    lz4framed_encoder_free(enc);
    return rc;
}
