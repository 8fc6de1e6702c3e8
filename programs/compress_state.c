#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "compress.h"
#include "compress_state.h"
#include "io.h"
#include "lz4framed.h"
#include "messages.h"
#include "progress.h"
#include "signals.h"
#include "state_file.h"

/* Layout (little-endian), documented in docs/CLI.md:
 *   0  8  magic "LZ4FCRES"
 *   8  4  format version (1)
 *  12  4  flags (0)
 *  16  8  input offset: INFILE bytes given to the encoder
 *  24  8  output offset: OUTFILE bytes written (and synced)
 *  32  8  FNV-1a 64 of the compression settings (see settings_hash)
 *  40  4  H: min(64 KiB, input offset), the INFILE head hashed
 *  44  4  W: min(64 KiB, input offset), the INFILE bytes hashed before the input offset
 *  48  8  FNV-1a 64 of INFILE [0, H)
 *  56  8  FNV-1a 64 of INFILE [input offset - W, input offset)
 *  64  8  FNV-1a 64 of OUTFILE [output offset - min(64 KiB, output offset), output offset)
 *  72  4  P: length of OUTFILE's absolute path
 *  76  4  B: length of the encoder blob
 *  80  P  OUTFILE's absolute path (no NUL)
 *  80+P B encoder blob (lz4framed_encoder_marshal)
 *  ..  8  FNV-1a 64 of everything before it
 */
#define CSTATE_MAGIC "LZ4FCRES"
#define CSTATE_VERSION 1u
#define CSTATE_HEADER 80u
/* The encoder blob at a checkpoint: at most a job of 4 MiB held back with
 * its 64 KiB of history, or LZ4 HC's 256 KiB of tables plus a block; far
 * below this. */
#define CSTATE_MAX_BLOB ((uint32_t)(64u << 20))
#define CWINDOW ((uint64_t)(64u << 10))

struct cstate {
    const char *path;
    char tmp_path[PATH_MAX];
    char out_abs[PATH_MAX];
    const struct dictionary *dict;
    uint64_t settings;
    int saved;            /* a state file of this run or a resumed one exists */
    uint64_t saved_in;    /* what it records */
    uint64_t saved_out;
};

static int refuse(const struct cstate *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = refuse_state_file(s->path, fmt, ap);
    va_end(ap);
    return rc;
}

/* The settings that decide the output, as fixed-width little-endian
 * fields (not the struct's bytes, which have padding rules of their own);
 * the declared content size itself is left out (it is INFILE's size at the
 * first run, and the blob carries it). */
static uint64_t settings_hash(const lz4framed_preferences *p)
{
    unsigned char b[44];
    put_u32(b, (uint32_t)p->level);
    put_u32(b + 4, p->block_size_id);
    put_u32(b + 8, p->block_independent);
    put_u32(b + 12, p->block_checksum);
    put_u32(b + 16, p->content_checksum);
    put_u32(b + 20, p->content_size_flag);
    put_u32(b + 24, p->auto_flush);
    put_u32(b + 28, p->favor_dec_speed);
    put_u32(b + 32, p->dict_id);
    put_u32(b + 36, p->workers);
    /* Hashed only when set, so state files made before seek tables
     * existed keep their hash. */
    put_u32(b + 40, p->seek_table_kib);
    return fnv1a64(FNV_INIT, b, p->seek_table_kib ? sizeof b : 40);
}

/* Fills `buf` with up to IO_CHUNK bytes, as many as INFILE has: pieces are
 * whole chunks from offset 0 (the encoder's output depends on where its
 * input pieces end), exactly those an uninterrupted run reads from a
 * regular file, whatever read() returns for a file still growing. */
static ssize_t read_chunk(int fd, unsigned char *buf)
{
    size_t got = 0;
    while (got < IO_CHUNK) {
        ssize_t r = read_some(fd, buf + got, IO_CHUNK - got);
        if (r < 0) return -1;
        if (r == 0) break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static int write_encoded(const struct output *out, const unsigned char *p, size_t n, uint64_t *out_pos)
{
    if (write_all(out->fd, p, n) != 0) return fail_errno(RC_IO, out->name, "cannot write");
    *out_pos += n;
    return RC_OK;
}

/* The seek table of the whole OUTFILE after its frame: the encoder's
 * record survives every checkpoint (it travels in the blob). */
static int write_table(lz4framed_encoder *enc, const struct output *out, const char *in_name, uint64_t *out_pos)
{
    size_t size = 0, n = 0;
    lz4framed_status st = lz4framed_encoder_seek_table_size(enc, &size);
    if (lz4framed_is_error(st)) return fail_status(RC_INTERNAL, in_name, "cannot write the seek table", st);
    unsigned char *table = xmalloc(size);
    st = lz4framed_encoder_write_seek_table(enc, table, size, &n);
    int rc = lz4framed_is_error(st) ? fail_status(RC_INTERNAL, in_name, "cannot write the seek table", st)
                                    : write_encoded(out, table, n, out_pos);
    free(table);
    return rc;
}

/* A checkpoint. With workers, marshal_size waits for the jobs in flight;
 * an update without input then hands over their output (it changes
 * nothing else), so the blob holds no output and OUTFILE holds all of it.
 * OUTFILE is synced before the state that describes it replaces the old. */
static int checkpoint(struct cstate *s, lz4framed_encoder *enc, const struct input *in, const struct output *out,
                      unsigned char *dst, size_t cap, uint64_t in_pos, uint64_t *out_pos)
{
    size_t size = 0, n = 0;
    static const unsigned char nothing[1];
    lz4framed_status st = lz4framed_encoder_marshal_size(enc, &size);
    if (!lz4framed_is_error(st)) st = lz4framed_encoder_update(enc, nothing, 0, dst, cap, &n);
    if (lz4framed_is_error(st)) return fail_status(RC_INTERNAL, s->path, "cannot settle the encoder", st);
    int rc = write_encoded(out, dst, n, out_pos);
    if (rc != RC_OK) return rc;
    if (fsync(out->fd) != 0) return fail_errno(RC_IO, out->name, "cannot sync");

    void *blob = NULL;
    size_t blob_size = 0;
    st = lz4framed_encoder_marshal_alloc(enc, &blob, &blob_size);
    if (lz4framed_is_error(st)) return fail_status(RC_INTERNAL, s->path, "cannot save the encoder state", st);
    if (blob_size > CSTATE_MAX_BLOB) {
        lz4framed_blob_free(blob);
        msg("%s: the encoder state is unexpectedly large (%lu bytes)", s->path, (unsigned long)blob_size);
        return RC_INTERNAL;
    }
    uint64_t window = min_u64(CWINDOW, in_pos), out_window = min_u64(CWINDOW, *out_pos);
    uint64_t head_hash = 0, win_hash = 0, out_hash = 0;
    if (hash_range(in->fd, 0, (size_t)window, &head_hash) != 0 ||
        hash_range(in->fd, in_pos - window, (size_t)window, &win_hash) != 0) {
        lz4framed_blob_free(blob);
        return fail_errno(RC_IO, in->name, "cannot read");
    }
    if (hash_range(out->fd, *out_pos - out_window, (size_t)out_window, &out_hash) != 0) {
        lz4framed_blob_free(blob);
        return fail_errno(RC_IO, out->name, "cannot read back");
    }
    size_t path_len = strlen(s->out_abs);
    size_t total = CSTATE_HEADER + path_len + blob_size + 8;
    unsigned char *buf = xmalloc(total);
    memcpy(buf, CSTATE_MAGIC, 8);
    put_u32(buf + 8, CSTATE_VERSION);
    put_u32(buf + 12, 0);
    put_u64(buf + 16, in_pos);
    put_u64(buf + 24, *out_pos);
    put_u64(buf + 32, s->settings);
    put_u32(buf + 40, (uint32_t)window);
    put_u32(buf + 44, (uint32_t)window);
    put_u64(buf + 48, head_hash);
    put_u64(buf + 56, win_hash);
    put_u64(buf + 64, out_hash);
    put_u32(buf + 72, (uint32_t)path_len);
    put_u32(buf + 76, (uint32_t)blob_size);
    memcpy(buf + CSTATE_HEADER, s->out_abs, path_len);
    memcpy(buf + CSTATE_HEADER + path_len, blob, blob_size);
    lz4framed_blob_free(blob);
    put_u64(buf + total - 8, fnv1a64(FNV_INIT, buf, total - 8));

    rc = RC_OK;
    int fd = open(s->tmp_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        rc = fail_errno(RC_IO, s->tmp_path, "cannot create");
    } else if (write_all(fd, buf, total) != 0 || fsync(fd) != 0) {
        rc = fail_errno(RC_IO, s->tmp_path, "cannot write");
        close(fd);
    } else if (close(fd) != 0) {
        rc = fail_errno(RC_IO, s->tmp_path, "cannot write");
    } else if (rename(s->tmp_path, s->path) != 0) {
        rc = fail_errno(RC_IO, s->path, "cannot replace the state file");
    } else if (sync_parent_dir(s->path) != 0) {
        rc = fail_errno(RC_IO, s->path, "cannot sync the state file's directory");
    }
    free(buf);
    if (rc == RC_OK) {
        s->saved = 1;
        s->saved_in = in_pos;
        s->saved_out = *out_pos;
    }
    return rc;
}

/* Reads and checks the state file, then INFILE and OUTFILE against it,
 * then the encoder blob; only then is OUTFILE cut back to the checkpoint.
 * -1 when there is no state file. */
static int load(struct cstate *s, const struct options *o, const struct input *in, struct output *out,
                lz4framed_encoder **enc_out, uint64_t *in_pos, uint64_t *out_pos)
{
    int fd = open(s->path, O_RDONLY);
    if (fd < 0) {
        if (errno == ENOENT) return -1;
        return fail_errno(RC_IO, s->path, "cannot open the state file");
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int rc = fail_errno(RC_IO, s->path, "cannot stat the state file");
        close(fd);
        return rc;
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return refuse(s, "not a regular file");
    }
    uint64_t max = CSTATE_HEADER + PATH_MAX + (uint64_t)CSTATE_MAX_BLOB + 8;
    if ((uint64_t)sb.st_size > max) {
        close(fd);
        return refuse(s, "too large (%llu bytes) to be a lz4framed compression state file",
                      (unsigned long long)sb.st_size);
    }
    size_t len = (size_t)sb.st_size;
    unsigned char *buf = xmalloc(len);
    int rd = pread_all(fd, buf, len, 0);
    close(fd);
    if (rd != 0) {
        free(buf);
        return fail_errno(RC_IO, s->path, "cannot read the state file");
    }

    int rc = RC_STATE;
    lz4framed_encoder *enc = NULL;
    if (len < 8 || memcmp(buf, CSTATE_MAGIC, 8) != 0) {
        if (len >= 8 && memcmp(buf, "LZ4FRESM", 8) == 0)
            rc = refuse(s, "it is a decompression state file, not a compression one");
        else
            rc = refuse(s, len < 8 ? "truncated (%lu bytes)" : "not a lz4framed compression state file (bad magic)",
                        (unsigned long)len);
        goto done;
    }
    if (len < CSTATE_HEADER + 8) {
        rc = refuse(s, "truncated (%lu bytes)", (unsigned long)len);
        goto done;
    }
    if (get_u32(buf + 8) != CSTATE_VERSION) {
        rc = refuse(s, "format version %lu is not supported (this program reads version %u)",
                    (unsigned long)get_u32(buf + 8), CSTATE_VERSION);
        goto done;
    }
    uint32_t path_len = get_u32(buf + 72), blob_len = get_u32(buf + 76);
    uint64_t want = (uint64_t)CSTATE_HEADER + path_len + blob_len + 8;
    if (want != len) {
        rc = refuse(s, want > len ? "truncated (%lu bytes, its header announces %llu)"
                                  : "damaged (%lu bytes, its header announces %llu)",
                    (unsigned long)len, (unsigned long long)want);
        goto done;
    }
    if (fnv1a64(FNV_INIT, buf, len - 8) != get_u64(buf + len - 8)) {
        rc = refuse(s, "damaged (checksum mismatch)");
        goto done;
    }
    uint64_t consumed = get_u64(buf + 16), produced = get_u64(buf + 24);
    uint32_t head = get_u32(buf + 40), window = get_u32(buf + 44);
    if (get_u32(buf + 12) != 0 || head != min_u64(CWINDOW, consumed) || window != head || path_len == 0 ||
        path_len >= PATH_MAX || blob_len == 0 || blob_len > CSTATE_MAX_BLOB) {
        rc = refuse(s, "its fields are inconsistent");
        goto done;
    }
    if (get_u64(buf + 32) != s->settings) {
        rc = refuse(s, "it was made with other compression options (level, block, checksum, -T or -D "
                       "options must be those of the first run)");
        goto done;
    }
    size_t abs_len = strlen(s->out_abs);
    if (path_len != abs_len || memcmp(buf + CSTATE_HEADER, s->out_abs, abs_len) != 0) {
        rc = refuse(s, "it belongs to the output %.*s, not %s", (int)path_len, (const char *)(buf + CSTATE_HEADER),
                    s->out_abs);
        goto done;
    }

    /* INFILE: the same bytes up to the input offset (it may have grown). */
    uint64_t h = 0;
    if (fstat(in->fd, &sb) != 0) {
        rc = fail_errno(RC_IO, in->name, "cannot stat");
        goto done;
    }
    if ((uint64_t)sb.st_size < consumed) {
        rc = refuse(s, "%s is shorter (%llu bytes) than the input already compressed (%llu bytes)", in->name,
                    (unsigned long long)sb.st_size, (unsigned long long)consumed);
        goto done;
    }
    if (hash_range(in->fd, 0, head, &h) != 0) {
        rc = fail_errno(RC_IO, in->name, "cannot read");
        goto done;
    }
    if (h != get_u64(buf + 48)) {
        rc = refuse(s, "%s is not the input it was made for (its first %lu bytes differ)", in->name,
                    (unsigned long)head);
        goto done;
    }
    if (hash_range(in->fd, consumed - window, window, &h) != 0) {
        rc = fail_errno(RC_IO, in->name, "cannot read");
        goto done;
    }
    if (h != get_u64(buf + 56)) {
        rc = refuse(s, "%s differs from the input it was made for before offset %llu", in->name,
                    (unsigned long long)consumed);
        goto done;
    }

    /* OUTFILE: exists, is at least as long, and ends as it was written. */
    if ((rc = open_checkpointed_output(s->path, o->out_path, produced, get_u64(buf + 64), out)) != RC_OK) goto done;

    /* The encoder itself (the library checks the blob's checksum, fields
     * and dictionary). */
    lz4framed_status st = lz4framed_encoder_unmarshal(buf + CSTATE_HEADER + path_len, blob_len,
                                                      s->dict ? s->dict->bytes : NULL, s->dict ? s->dict->size : 0,
                                                      &enc);
    if (lz4framed_is_error(st)) {
        enc = NULL;
        if (st == LZ4FRAMED_ERROR_OUT_OF_MEMORY)
            rc = fail_status(RC_INTERNAL, s->path, "cannot load the encoder state", st);
        else if (st == LZ4FRAMED_ERROR_ENCODER_STATE_DICTIONARY)
            rc = refuse(s, "%s (%s); pass the same -D dictionary as the first run", lz4framed_status_message(st),
                        lz4framed_status_name(st));
        else
            rc = refuse(s, "%s (%s)", lz4framed_status_message(st), lz4framed_status_name(st));
        goto done;
    }

    /* Accepted: cut OUTFILE back to the checkpoint and continue there. */
    if ((rc = cut_output_to_checkpoint(out, produced)) != RC_OK) goto done;
    if (lseek(in->fd, (off_t)consumed, SEEK_SET) < 0) {
        rc = fail_errno(RC_IO, in->name, "cannot seek");
        goto done;
    }
    s->saved = 1;
    s->saved_in = consumed;
    s->saved_out = produced;
    if (o->verbosity > 1)
        msg("%s: resuming at input offset %llu, output offset %llu", s->path, (unsigned long long)consumed,
            (unsigned long long)produced);
    *enc_out = enc;
    *in_pos = consumed;
    *out_pos = produced;
    enc = NULL;
    rc = RC_OK;
done:
    lz4framed_encoder_free(enc);
    free(buf);
    if (rc != RC_OK && out->fd > STDERR_FILENO) {
        close(out->fd);
        out->fd = -1;
    }
    return rc;
}

/* Sets up `s`: the temporary file's name, OUTFILE's absolute path, and
 * that the state file is neither INFILE nor OUTFILE. */
static int begin(struct cstate *s, const struct options *o, const struct input *in, const struct dictionary *dict)
{
    memset(s, 0, sizeof *s);
    s->path = o->state_path;
    s->dict = dict;
    if (strlen(s->path) + 5 > sizeof s->tmp_path) {
        msg("%s: path too long", s->path);
        return RC_USAGE;
    }
    memcpy(s->tmp_path, s->path, strlen(s->path));
    memcpy(s->tmp_path + strlen(s->path), ".tmp", 5);
    if (!in->regular) return fail_usage("--state needs a regular INFILE (%s is not a regular file)", in->name);
    if (absolute_output_path(o->out_path, s->out_abs) != 0) return fail_errno(RC_IO, o->out_path, "bad path");
    char state_abs[PATH_MAX];
    struct stat sb;
    if (absolute_output_path(s->path, state_abs) != 0) return fail_errno(RC_IO, s->path, "bad path");
    if (strcmp(state_abs, s->out_abs) == 0 ||
        (stat(s->path, &sb) == 0 && sb.st_dev == in->dev && sb.st_ino == in->ino))
        return fail_usage("the --state FILE must differ from INFILE and OUTFILE");
    return RC_OK;
}

int compress_resumable(const struct options *o, struct input *in, struct output *out,
                       const struct dictionary *dict)
{
    struct cstate s;
    lz4framed_preferences prefs;
    lz4framed_encoder *enc = NULL;
    uint64_t in_pos = 0, out_pos = 0;
    int rc;
    if ((rc = compress_preferences(o, in, dict, &prefs)) != RC_OK) return rc;
    if ((rc = begin(&s, o, in, dict)) != RC_OK) return rc;
    s.settings = settings_hash(&prefs);

    size_t cap = lz4framed_compress_bound(IO_CHUNK, &prefs);
    size_t tail = lz4framed_compress_bound(0, &prefs);
    if (cap == 0 || tail == 0) {
        msg("%s: the library rejected the compression settings", in->name);
        return RC_INTERNAL;
    }
    if (cap < tail) cap = tail;
    if (cap < LZ4FRAMED_MAX_HEADER_SIZE) cap = LZ4FRAMED_MAX_HEADER_SIZE;

    rc = load(&s, o, in, out, &enc, &in_pos, &out_pos);
    if (rc >= 0 && rc != RC_OK) return rc;
    unsigned char *src = xmalloc(IO_CHUNK);
    unsigned char *dst = xmalloc(cap);
    lz4framed_status st;
    size_t n = 0;
    if (rc < 0) {
        /* No state file: a fresh run. */
        if ((rc = open_output(o, in, out)) != RC_OK) goto fail;
        st = dict ? lz4framed_encoder_new_using_dict(&prefs, dict->bytes, dict->size, &enc)
                  : lz4framed_encoder_new(&prefs, &enc);
        if (lz4framed_is_error(st)) {
            enc = NULL;
            rc = fail_status(status_exit_code(st), in->name, "cannot start compression", st);
            goto fail;
        }
        st = lz4framed_encoder_begin(enc, dst, cap, &n);
        if (lz4framed_is_error(st)) {
            rc = fail_status(RC_INTERNAL, in->name, "cannot write the frame header", st);
            goto fail;
        }
        if ((rc = write_encoded(out, dst, n, &out_pos)) != RC_OK) goto fail;
    }
    struct progress prog;
    progress_init(&prog, o, in->name, in->size);
    prog.in_base = in_pos;
    prog.out_base = out_pos;
    uint64_t next_checkpoint = in_pos + o->checkpoint_every;
    for (;;) {
        ssize_t r = read_chunk(in->fd, src);
        if (r < 0) {
            rc = fail_errno(RC_IO, in->name, "cannot read");
            goto fail_progress;
        }
        if (r == 0) break;
        st = lz4framed_encoder_update(enc, src, (size_t)r, dst, cap, &n);
        if (lz4framed_is_error(st)) {
            rc = fail_status(status_exit_code(st), in->name, "compression failed", st);
            goto fail_progress;
        }
        in_pos += (uint64_t)r;
        if ((rc = write_encoded(out, dst, n, &out_pos)) != RC_OK) goto fail_progress;
        progress_update(&prog, in_pos, out_pos);
        if ((size_t)r < IO_CHUNK) break; /* the end of INFILE */
        if (in_pos >= next_checkpoint) {
            if ((rc = checkpoint(&s, enc, in, out, dst, cap, in_pos, &out_pos)) != RC_OK) goto fail_progress;
            next_checkpoint = in_pos + o->checkpoint_every;
        }
    }
    progress_end(&prog);
    st = lz4framed_encoder_end(enc, dst, cap, &n);
    if (st == LZ4FRAMED_ERROR_CONTENT_SIZE) {
        msg("%s: changed size while being compressed (%llu bytes declared, %llu read)", in->name,
            (unsigned long long)prefs.content_size, (unsigned long long)in_pos);
        rc = RC_IO;
        goto fail;
    }
    if (lz4framed_is_error(st)) {
        rc = fail_status(status_exit_code(st), in->name, "cannot end the frame", st);
        goto fail;
    }
    if ((rc = write_encoded(out, dst, n, &out_pos)) != RC_OK) goto fail;
    if (prefs.seek_table_kib && (rc = write_table(enc, out, in->name, &out_pos)) != RC_OK) goto fail;
    lz4framed_encoder_free(enc);
    enc = NULL;
    free(src);
    free(dst);
    src = dst = NULL;
    if (fsync(out->fd) != 0) return fail_errno(RC_IO, out->name, "cannot sync");
    if ((rc = finish_output(out)) != RC_OK) return rc;
    remove_on_signal(NULL);
    /* The output is complete and durable; only now may the state go. */
    if (unlink(s.path) != 0 && errno != ENOENT) return fail_errno(RC_IO, s.path, "cannot remove the state file");
    unlink(s.tmp_path);
    if (sync_parent_dir(s.path) != 0) return fail_errno(RC_IO, s.path, "cannot sync the state file's directory");
    if (o->verbosity > 1)
        msg("%s: %llu bytes -> %llu bytes%s", in->name, (unsigned long long)in_pos, (unsigned long long)out_pos,
            s.saved ? " (checkpointed)" : "");
    return RC_OK;

fail_progress:
    progress_end(&prog);
fail:
    free(src);
    free(dst);
    lz4framed_encoder_free(enc);
    unlink(s.tmp_path);
    if (s.saved && (s.saved_in > 0 || !out->remove_on_error)) {
        if (out->fd > STDERR_FILENO) close(out->fd);
        out->fd = -1;
        msg("%s and %s are kept (checkpoint at input offset %llu): run the same command again to resume, "
            "or delete both to start over",
            out->name, s.path, (unsigned long long)s.saved_in);
        return rc;
    }
    if (s.saved) unlink(s.path);
    discard_output(out);
    return rc;
}
