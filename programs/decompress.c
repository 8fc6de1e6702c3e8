#include "platform.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "decompress.h"
#include "http.h"
#include "io.h"
#include "lz4framed.h"
#include "messages.h"
#include "progress.h"
#include "reader.h"
#include "signals.h"
#include "state_file.h"
#include "writer.h"

/* A checkpoint: everything handed to the writer is written first, so the
 * state (which save_state makes durable after an fsync of OUTFILE) never
 * describes output that is not there. A decoder with workers marshals the
 * state at its oldest undelivered block, whose output was handed over
 * already; save_state records where that state resumes, not where the
 * live decoder stands. */
static int checkpoint(struct state_ctx *s, struct writer *w, const lz4framed_decoder *dec, const struct input *in,
                      const struct output *out)
{
    if (writer_flush(w) != 0) return fail_errno(RC_IO, out->name, "cannot write");
    return save_state(s, dec, in, out);
}

/* The decoding loop shared by fresh and resumed runs; owns `dec`.
 *
 * Where the stream may end is the decoder's verdict, never this loop's: a
 * legacy frame (lz4 -l) has no end mark and may stop after any block.
 * Once INFILE has ended, all of it is consumed and all output delivered,
 * the decoder is told so (end_of_input) and its answer is final:
 * LZ4FRAMED_OK, the stream is complete; LZ4FRAMED_ERROR_TRUNCATED, it
 * stops inside a frame.
 *
 * With o->io_threads INFILE is read ahead and OUTFILE written behind on
 * threads of their own (reader.c, writer.c); the decoding stays here. */
static int decompress_stream_run(const struct options *o, struct input *in, struct output *out,
                                 struct state_ctx *s, lz4framed_decoder *dec)
{
    const unsigned char *src = NULL;
    size_t src_len = 0, src_pos = 0;
    int eof = 0, rc = RC_OK;
    int collected = 0; /* after the end of INFILE: all decoded output was asked for */
    int have_reader = 0, have_writer = 0;
    struct reader rd;
    struct writer wr;
    lz4framed_status st = LZ4FRAMED_NEED_INPUT;
    /* With --state, the decoder as it stood before the end of the input was
     * declared: the checkpoint to keep if the stream turns out truncated. */
    lz4framed_decoder *before_end = NULL;
    uint64_t start_in = lz4framed_decoder_input_consumed(dec);
    uint64_t start_out = lz4framed_decoder_output_produced(dec);
    uint64_t next_checkpoint = start_out + o->checkpoint_every;
    struct progress prog;
    if (in->http && http_identity(in->http)->total != HTTP_UNKNOWN_SIZE) in->size = http_identity(in->http)->total;
    progress_init(&prog, o, in->name, in->size);
    if (in->http) {
        prog.note = http_note;
        prog.note_ctx = in->http;
    }
    prog.in_base = start_in;
    prog.out_base = start_out;

    if (o->workers) {
        st = lz4framed_decoder_set_workers(dec, o->workers);
        if (lz4framed_is_error(st)) {
            rc = fail_status(RC_INTERNAL, in->name, "cannot set the decoding threads", st);
            goto fail;
        }
    }
    /* A URL is always received on a thread of its own: the network and
     * the decoding then overlap as they do for `curl URL | lz4 -d`. */
    if ((in->http ? reader_start_source(&rd, http_read, in->http, http_wake, 1)
                  : reader_start(&rd, in->fd, o->io_threads)) != 0) {
        rc = fail_errno(RC_INTERNAL, in->name, "cannot start the reading thread");
        goto fail;
    }
    have_reader = 1;
    if (writer_start(&wr, out->fd, IO_CHUNK, o->io_threads, reader_interrupt, &rd) != 0) {
        rc = fail_errno(RC_INTERNAL, out->name, "cannot start the writing thread");
        goto fail;
    }
    have_writer = 1;

    /* Before waiting for INFILE, the output of blocks the decoder's workers
     * still decode is collected (a call without input waits for it): an
     * input that stalls then still gets all of its output written, and a
     * damaged block its error, as with one thread. */
    int collected_before_wait = 0;
    for (;;) {
        if (src_pos == src_len && !eof && o->workers && !collected_before_wait && reader_would_wait(&rd)) {
            collected_before_wait = 1;
        } else if (src_pos == src_len && !eof) {
            collected_before_wait = 0;
            ssize_t r = reader_next(&rd, &src);
            if (r == READER_INTERRUPTED) {
                /* By the writing thread's failure: its errno. */
                (void)writer_flush(&wr);
                rc = fail_errno(RC_IO, out->name, "cannot write");
                goto fail;
            }
            if (r < 0) {
                rc = in->http ? http_failure(in->http) : fail_errno(RC_IO, in->name, "cannot read");
                goto fail;
            }
            eof = r == 0;
            src_len = (size_t)r;
            src_pos = 0;
        }
        /* Output still held by the decoder (OUTPUT_FULL) is drained first,
         * and so is the output of blocks its workers still decode: a call
         * without input and without the end waits for them (the answer is
         * then NEED_INPUT or OK), so a truncated input fails only after
         * every whole block was written, as with one thread. */
        int end = eof && src_pos == src_len && st != LZ4FRAMED_OUTPUT_FULL && collected;
        if (end && s) {
            st = lz4framed_decoder_clone(dec, &before_end);
            if (lz4framed_is_error(st)) {
                before_end = NULL;
                rc = fail_status(RC_INTERNAL, in->name, "cannot copy the decoder", st);
                goto fail;
            }
        }
        size_t used = 0, made = 0;
        st = lz4framed_decoder_decompress(dec, src ? src + src_pos : NULL, src_len - src_pos, writer_buffer(&wr), IO_CHUNK, end,
                                          &used, &made);
        if (end && st == LZ4FRAMED_ERROR_TRUNCATED) {
            /* The input ends inside a frame. With --state, checkpoint right
             * there first: the same INFILE, once complete, continues from
             * this exact point. */
            if (s && (s->saved_consumed != lz4framed_decoder_input_consumed(before_end) ||
                      s->saved_produced != lz4framed_decoder_output_produced(before_end))) {
                if ((rc = checkpoint(s, &wr, before_end, in, out)) != RC_OK) goto fail;
            }
            msg("%s: truncated: the input ends inside a frame at offset %llu (%s)", in->name,
                (unsigned long long)lz4framed_decoder_input_consumed(dec), lz4framed_status_message(st));
            rc = RC_CORRUPT;
            goto fail;
        }
        if (lz4framed_is_error(st)) {
            msg("%s: cannot decompress at input offset %llu: %s (%s)", in->name,
                (unsigned long long)lz4framed_decoder_input_consumed(dec), lz4framed_status_message(st),
                lz4framed_status_name(st));
            rc = status_exit_code(st);
            goto fail;
        }
        lz4framed_decoder_free(before_end);
        before_end = NULL;
        if (st == LZ4FRAMED_OUTPUT_FULL) collected_before_wait = 0;
        if (eof && src_pos + used == src_len && (st == LZ4FRAMED_NEED_INPUT || st == LZ4FRAMED_OK)) collected = 1;
        if (s) state_note_input(s, src + src_pos, used);
        src_pos += used;
        if (writer_put(&wr, made) != 0) {
            rc = fail_errno(RC_IO, out->name, "cannot write");
            goto fail;
        }
        uint64_t produced = lz4framed_decoder_output_produced(dec);
        if (s && produced >= next_checkpoint) {
            if ((rc = checkpoint(s, &wr, dec, in, out)) != RC_OK) goto fail;
            next_checkpoint = produced + o->checkpoint_every;
        }
        progress_update(&prog, lz4framed_decoder_input_consumed(dec), produced);
        if (!end) continue;
        if (st == LZ4FRAMED_OK) break;
        if (st == LZ4FRAMED_NEED_INPUT) {
            /* Not an answer to end_of_input: never loop on it. */
            msg("%s: the library asked for more input after the end of the input (offset %llu)", in->name,
                (unsigned long long)lz4framed_decoder_input_consumed(dec));
            rc = RC_INTERNAL;
            goto fail;
        }
        /* LZ4FRAMED_OUTPUT_FULL: deliver the rest, then declare the end again. */
    }
    progress_end(&prog);
    if (writer_finish(&wr) != 0) {
        rc = fail_errno(RC_IO, out->name, "cannot write");
        goto fail;
    }
    have_writer = 0;
    reader_stop(&rd);
    have_reader = 0;
    uint64_t consumed = lz4framed_decoder_input_consumed(dec), produced = lz4framed_decoder_output_produced(dec);
    lz4framed_decoder_free(dec);
    dec = NULL;
    if (s && fsync(out->fd) != 0) {
        rc = fail_errno(RC_IO, out->name, "cannot sync");
        goto fail;
    }
    if ((rc = finish_output(out)) != RC_OK) goto fail;
    remove_on_signal(NULL);
    if (s) {
        /* The output is complete and durable; only now may the state go. */
        if (unlink(s->path) != 0 && errno != ENOENT) return fail_errno(RC_IO, s->path, "cannot remove the state file");
        unlink(s->tmp_path);
        if (sync_parent_dir(s->path) != 0) return fail_errno(RC_IO, s->path, "cannot sync the state file's directory");
    }
    if (o->verbosity > 1 && in->http) http_report(in->http);
    if (o->verbosity > 1)
        msg("%s: %llu bytes -> %llu bytes%s", in->name, (unsigned long long)consumed, (unsigned long long)produced,
            start_out ? " (resumed)" : "");
    return RC_OK;

fail:
    progress_end(&prog);
    /* The threads end before OUTFILE is closed or removed below: the
     * output decoded before the failure is delivered (as in one thread),
     * a read that may never return is interrupted. */
    if (have_writer) (void)writer_finish(&wr);
    if (have_reader) reader_stop(&rd);
    if (o->verbosity > 1 && in->http) http_report(in->http);
    lz4framed_decoder_free(before_end);
    lz4framed_decoder_free(dec);
    if (s) {
        unlink(s->tmp_path);
        int progress_saved = s->saved_consumed > 0 || s->saved_produced > 0;
        if (s->saved && (progress_saved || !out->remove_on_error)) {
            if (out->fd > STDERR_FILENO) close(out->fd);
            out->fd = -1;
            msg("%s and %s are kept (checkpoint at output offset %llu): run the same command again to resume, "
                "or delete both to start over",
                out->name, s->path, (unsigned long long)s->saved_produced);
            return rc;
        }
        if (s->saved) unlink(s->path);
    }
    discard_output(out);
    return rc;
}

int decompress_stream(const struct options *o, struct input *in, struct output *out,
                      const struct dictionary *dict)
{
    struct state_ctx state;
    struct state_ctx *s = NULL;
    lz4framed_decoder *dec = NULL;
    lz4framed_status st;
    int rc;

    if (o->state_path) {
        s = &state;
        if ((rc = state_begin(s, o, in, dict)) != RC_OK) return rc;
        rc = load_state(s, o, in, out, dict, &dec);
        if (rc >= 0) return rc == RC_OK ? decompress_stream_run(o, in, out, s, dec) : rc;
    }
    /* A URL's first response is checked before OUTFILE is created. */
    if (in->http && (rc = http_start(in->http, 0, NULL)) != RC_OK) return rc;
    rc = open_output(o, in, out);
    if (rc != RC_OK) {
        if (out->fd > STDERR_FILENO) discard_output(out);
        return rc;
    }
    st = lz4framed_decoder_new(0, &dec);
    if (lz4framed_is_error(st)) {
        discard_output(out);
        return fail_status(RC_INTERNAL, in->name, "cannot create a decoder", st);
    }
    if (dict) {
        st = lz4framed_decoder_set_dictionary(dec, dict->bytes, dict->size, 0);
        if (lz4framed_is_error(st)) {
            lz4framed_decoder_free(dec);
            discard_output(out);
            return fail_status(RC_INTERNAL, o->dict_path, "cannot use the dictionary", st);
        }
    }
    if (s) {
        /* A checkpoint before any output, so that a crash from here on
         * leaves a state file to resume from (and no OUTFILE without one). */
        if (sync_parent_dir(o->out_path) != 0 || (rc = save_state(s, dec, in, out)) != RC_OK) {
            if (rc == RC_OK) rc = fail_errno(RC_IO, o->out_path, "cannot sync its directory");
            lz4framed_decoder_free(dec);
            discard_output(out);
            unlink(s->path);
            return rc;
        }
    }
    return decompress_stream_run(o, in, out, s, dec);
}
