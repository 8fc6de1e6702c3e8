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

#include "io.h"
#include "messages.h"
#include "state_file.h"

/* Layout (little-endian), documented in docs/CLI.md:
 *   0  8  magic "LZ4FRESM"
 *   8  4  format version (1)
 *  12  4  flags (0)
 *  16  8  INFILE size when saved
 *  24  8  input consumed (the decoder's)
 *  32  8  output produced (the decoder's)
 *  40  4  H: length of the INFILE head hashed (min(64 KiB, INFILE size))
 *  44  4  W: min(64 KiB, input consumed), the INFILE bytes hashed before the resume offset
 *  48  8  FNV-1a 64 of INFILE [0, H)
 *  56  8  FNV-1a 64 of INFILE [consumed - W, consumed)
 *  64  8  FNV-1a 64 of OUTFILE [produced - min(64 KiB, produced), produced)
 *  72  4  P: length of OUTFILE's absolute path
 *  76  4  B: length of the decoder blob
 *  80  P  OUTFILE's absolute path (no NUL)
 *  80+P B decoder blob (lz4framed_decoder_marshal)
 *  ..  8  FNV-1a 64 of everything before it
 */
#define STATE_MAGIC "LZ4FRESM"
#define STATE_VERSION 1u
#define STATE_HEADER 80u
#define STATE_MAX_BLOB ((uint32_t)(64u << 20))
#define WINDOW ((uint64_t)(64u << 10))

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}
static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static int state_refuse(const struct state_ctx *s, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: state file %s refused: ", PROG, s->path);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s: nothing was changed; to start over, delete %s and OUTFILE (or use -f without it)\n",
            PROG, s->path);
    return RC_STATE;
}

/* The absolute path OUTFILE will have, whether or not it exists yet. */
int absolute_output_path(const char *path, char *abs)
{
    char dir[PATH_MAX], real[PATH_MAX];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (parent_dir(path, dir) != 0) return -1;
    if (*base == '\0') {
        errno = EISDIR;
        return -1;
    }
    if (!realpath(dir, real)) return -1;
    if (strlen(real) + 1 + strlen(base) + 1 > PATH_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    size_t rl = strlen(real), bl = strlen(base);
    memcpy(abs, real, rl);
    if (strcmp(real, "/") != 0) abs[rl++] = '/';
    memcpy(abs + rl, base, bl + 1);
    return 0;
}

int state_begin(struct state_ctx *s, const struct options *o, const struct input *in,
                const struct dictionary *dict)
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
    /* Replacing the state file must never replace INFILE or OUTFILE. */
    char state_abs[PATH_MAX];
    struct stat sb;
    if (absolute_output_path(s->path, state_abs) != 0) return fail_errno(RC_IO, s->path, "bad path");
    if (strcmp(state_abs, s->out_abs) == 0 ||
        (stat(s->path, &sb) == 0 && sb.st_dev == in->dev && sb.st_ino == in->ino))
        return fail_usage("the --state FILE must differ from INFILE and OUTFILE");
    s->head_len = (uint32_t)min_u64(WINDOW, in->size);
    if (hash_range(in->fd, 0, s->head_len, &s->head_hash) != 0) return fail_errno(RC_IO, in->name, "cannot read");
    return RC_OK;
}

int save_state(struct state_ctx *s, const lz4framed_decoder *dec, const struct input *in,
               const struct output *out)
{
    if (fsync(out->fd) != 0) return fail_errno(RC_IO, out->name, "cannot sync");
    void *blob = NULL;
    size_t blob_size = 0;
    lz4framed_status st = lz4framed_decoder_marshal_alloc(dec, &blob, &blob_size);
    if (lz4framed_is_error(st)) return fail_status(RC_INTERNAL, s->path, "cannot save the decoder state", st);
    if (blob_size > STATE_MAX_BLOB) {
        lz4framed_blob_free(blob);
        msg("%s: the decoder state is unexpectedly large (%lu bytes)", s->path, (unsigned long)blob_size);
        return RC_INTERNAL;
    }
    /* Where a run resuming from this blob stands is the rebuilt decoder's
     * answer (load_state checks the header against it), never the live
     * decoder's counters: with workers those run ahead of the blob. The
     * rebuild also proves the blob loads before it replaces a good one. */
    lz4framed_decoder *restored = NULL;
    st = lz4framed_decoder_unmarshal(blob, blob_size, s->dict ? s->dict->bytes : NULL, s->dict ? s->dict->size : 0,
                                     &restored);
    if (lz4framed_is_error(st)) {
        lz4framed_blob_free(blob);
        return fail_status(RC_INTERNAL, s->path, "cannot check the decoder state", st);
    }
    uint64_t consumed = lz4framed_decoder_input_consumed(restored);
    uint64_t produced = lz4framed_decoder_output_produced(restored);
    lz4framed_decoder_free(restored);
    if (consumed > lz4framed_decoder_input_consumed(dec) || produced > lz4framed_decoder_output_produced(dec)) {
        lz4framed_blob_free(blob);
        msg("%s: the decoder state lies ahead of the decoder (input %llu, output %llu)", s->path,
            (unsigned long long)consumed, (unsigned long long)produced);
        return RC_INTERNAL;
    }
    struct stat sb;
    uint64_t window = min_u64(WINDOW, consumed), out_window = min_u64(WINDOW, produced);
    uint64_t win_hash = 0, out_hash = 0;
    if (fstat(in->fd, &sb) != 0 || hash_range(in->fd, consumed - window, (size_t)window, &win_hash) != 0) {
        lz4framed_blob_free(blob);
        return fail_errno(RC_IO, in->name, "cannot read");
    }
    if (hash_range(out->fd, produced - out_window, (size_t)out_window, &out_hash) != 0) {
        lz4framed_blob_free(blob);
        return fail_errno(RC_IO, out->name, "cannot read back");
    }
    size_t path_len = strlen(s->out_abs);
    size_t total = STATE_HEADER + path_len + blob_size + 8;
    unsigned char *buf = xmalloc(total);
    memcpy(buf, STATE_MAGIC, 8);
    put_u32(buf + 8, STATE_VERSION);
    put_u32(buf + 12, 0);
    put_u64(buf + 16, (uint64_t)sb.st_size);
    put_u64(buf + 24, consumed);
    put_u64(buf + 32, produced);
    put_u32(buf + 40, s->head_len);
    put_u32(buf + 44, (uint32_t)window);
    put_u64(buf + 48, s->head_hash);
    put_u64(buf + 56, win_hash);
    put_u64(buf + 64, out_hash);
    put_u32(buf + 72, (uint32_t)path_len);
    put_u32(buf + 76, (uint32_t)blob_size);
    memcpy(buf + STATE_HEADER, s->out_abs, path_len);
    memcpy(buf + STATE_HEADER + path_len, blob, blob_size);
    lz4framed_blob_free(blob);
    put_u64(buf + total - 8, fnv1a64(FNV_INIT, buf, total - 8));

    int rc = RC_OK;
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
        s->saved_consumed = consumed;
        s->saved_produced = produced;
    }
    return rc;
}

int load_state(struct state_ctx *s, const struct options *o, const struct input *in, struct output *out,
               const struct dictionary *dict, lz4framed_decoder **dec_out)
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
        return state_refuse(s, "not a regular file");
    }
    uint64_t max = STATE_HEADER + PATH_MAX + (uint64_t)STATE_MAX_BLOB + 8;
    if ((uint64_t)sb.st_size > max) {
        close(fd);
        return state_refuse(s, "too large (%llu bytes) to be a lz4framed state file", (unsigned long long)sb.st_size);
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
    lz4framed_decoder *dec = NULL;
    if (len < 8 || memcmp(buf, STATE_MAGIC, 8) != 0) {
        rc = state_refuse(s, len < 8 ? "truncated (%lu bytes)" : "not a lz4framed state file (bad magic)",
                          (unsigned long)len);
        goto done;
    }
    if (len < STATE_HEADER + 8) {
        rc = state_refuse(s, "truncated (%lu bytes)", (unsigned long)len);
        goto done;
    }
    if (get_u32(buf + 8) != STATE_VERSION) {
        rc = state_refuse(s, "format version %lu is not supported (this program reads version %u)",
                          (unsigned long)get_u32(buf + 8), STATE_VERSION);
        goto done;
    }
    uint32_t path_len = get_u32(buf + 72), blob_len = get_u32(buf + 76);
    uint64_t want = (uint64_t)STATE_HEADER + path_len + blob_len + 8;
    if (want > len) {
        rc = state_refuse(s, "truncated (%lu bytes, its header announces %llu)", (unsigned long)len,
                          (unsigned long long)want);
        goto done;
    }
    if (want < len) {
        rc = state_refuse(s, "damaged (%lu bytes, its header announces %llu)", (unsigned long)len,
                          (unsigned long long)want);
        goto done;
    }
    if (fnv1a64(FNV_INIT, buf, len - 8) != get_u64(buf + len - 8)) {
        rc = state_refuse(s, "damaged (checksum mismatch)");
        goto done;
    }
    uint64_t in_size = get_u64(buf + 16), consumed = get_u64(buf + 24), produced = get_u64(buf + 32);
    uint32_t head_len = get_u32(buf + 40), window = get_u32(buf + 44);
    if (get_u32(buf + 12) != 0 || head_len > WINDOW || head_len > in_size || consumed > in_size ||
        window != min_u64(WINDOW, consumed) || path_len == 0 || path_len >= PATH_MAX || blob_len > STATE_MAX_BLOB) {
        rc = state_refuse(s, "its fields are inconsistent");
        goto done;
    }
    size_t abs_len = strlen(s->out_abs);
    if (path_len != abs_len || memcmp(buf + STATE_HEADER, s->out_abs, abs_len) != 0) {
        rc = state_refuse(s, "it belongs to the output %.*s, not %s", (int)path_len,
                          (const char *)(buf + STATE_HEADER), s->out_abs);
        goto done;
    }

    /* INFILE: the same stream up to the resume offset. */
    uint64_t h = 0;
    if (in->size < consumed || in->size < head_len) {
        rc = state_refuse(s, "%s is shorter (%llu bytes) than the input it was made for (%llu bytes consumed)",
                          in->name, (unsigned long long)in->size, (unsigned long long)consumed);
        goto done;
    }
    if (hash_range(in->fd, 0, head_len, &h) != 0) {
        rc = fail_errno(RC_IO, in->name, "cannot read");
        goto done;
    }
    if (h != get_u64(buf + 48)) {
        rc = state_refuse(s, "%s is not the input it was made for (its first %lu bytes differ)", in->name,
                          (unsigned long)head_len);
        goto done;
    }
    if (hash_range(in->fd, consumed - window, window, &h) != 0) {
        rc = fail_errno(RC_IO, in->name, "cannot read");
        goto done;
    }
    if (h != get_u64(buf + 56)) {
        rc = state_refuse(s, "%s differs from the input it was made for before offset %llu", in->name,
                          (unsigned long long)consumed);
        goto done;
    }

    /* OUTFILE: exists, is at least as long, and ends as it was written. */
    out->path = out->name = o->out_path;
    out->fd = open(o->out_path, O_RDWR);
    if (out->fd < 0) {
        if (errno == ENOENT)
            rc = state_refuse(s, "its output %s does not exist", o->out_path);
        else
            rc = fail_errno(RC_IO, o->out_path, "cannot open");
        goto done;
    }
    if (fstat(out->fd, &sb) != 0) {
        rc = fail_errno(RC_IO, o->out_path, "cannot stat");
        goto done;
    }
    if (!S_ISREG(sb.st_mode)) {
        rc = state_refuse(s, "its output %s is not a regular file", o->out_path);
        goto done;
    }
    if ((uint64_t)sb.st_size < produced) {
        rc = state_refuse(s, "the output %s is shorter (%llu bytes) than the checkpoint recorded (%llu bytes)",
                          o->out_path, (unsigned long long)sb.st_size, (unsigned long long)produced);
        goto done;
    }
    uint64_t out_window = min_u64(WINDOW, produced);
    if (hash_range(out->fd, produced - out_window, (size_t)out_window, &h) != 0) {
        rc = fail_errno(RC_IO, o->out_path, "cannot read");
        goto done;
    }
    if (h != get_u64(buf + 64)) {
        rc = state_refuse(s, "the output %s was modified or replaced since the checkpoint", o->out_path);
        goto done;
    }

    /* The decoder itself (the library checks the blob's own checksum,
     * fields and dictionary). */
    lz4framed_status st = lz4framed_decoder_unmarshal(buf + STATE_HEADER + path_len, blob_len,
                                                      dict ? dict->bytes : NULL, dict ? dict->size : 0, &dec);
    if (lz4framed_is_error(st)) {
        if (st == LZ4FRAMED_ERROR_OUT_OF_MEMORY)
            rc = fail_status(RC_INTERNAL, s->path, "cannot load the decoder state", st);
        else if (st == LZ4FRAMED_ERROR_STATE_DICTIONARY)
            rc = state_refuse(s, "%s (%s); pass the same -D dictionary as the first run",
                              lz4framed_status_message(st), lz4framed_status_name(st));
        else
            rc = state_refuse(s, "%s (%s)", lz4framed_status_message(st), lz4framed_status_name(st));
        dec = NULL;
        goto done;
    }
    if (lz4framed_decoder_input_consumed(dec) != consumed || lz4framed_decoder_output_produced(dec) != produced) {
        rc = state_refuse(s, "its decoder state disagrees with its header");
        goto done;
    }

    /* Accepted: cut OUTFILE back to the checkpoint and continue there. */
    if (ftruncate(out->fd, (off_t)produced) != 0) {
        rc = fail_errno(RC_IO, o->out_path, "cannot truncate");
        goto done;
    }
    if (lseek(out->fd, (off_t)produced, SEEK_SET) < 0) {
        rc = fail_errno(RC_IO, o->out_path, "cannot seek");
        goto done;
    }
    if (lseek(in->fd, (off_t)consumed, SEEK_SET) < 0) {
        rc = fail_errno(RC_IO, in->name, "cannot seek");
        goto done;
    }
    s->saved = 1;
    s->saved_consumed = consumed;
    s->saved_produced = produced;
    if (o->verbosity > 1)
        msg("%s: resuming at input offset %llu, output offset %llu", s->path, (unsigned long long)consumed,
            (unsigned long long)produced);
    *dec_out = dec;
    dec = NULL;
    rc = RC_OK;
done:
    lz4framed_decoder_free(dec);
    free(buf);
    if (rc != RC_OK && out->fd > STDERR_FILENO) {
        close(out->fd);
        out->fd = -1;
    }
    return rc;
}
