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
#include "http.h"
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
 *
 * Version 2, written for a URL or a stream on standard input (a regular
 * INFILE keeps version 1): flags bits 0-1 name the kind of input (0 file,
 * 1 URL, 2 stream), and the header grows by one field:
 *  80  4  S: length of the source record
 *  84  P  OUTFILE's absolute path
 *  84+P S source record (a URL: u32 length + URL, u32 length + ETag,
 *         u32 length + Last-Modified; a stream: empty)
 *  84+P+S B decoder blob, then the checksum.
 * For a URL, offset 16 holds the resource's length (all ones: unknown) and
 * H, W and both INFILE hashes are 0; for a stream, offset 16, H and the
 * head hash are 0 and the window hash covers the stream's own bytes.
 */
#define STATE_MAGIC "LZ4FRESM"
#define STATE_VERSION 1u
#define STATE_VERSION_SOURCE 2u
#define STATE_HEADER 80u
#define STATE_HEADER_V2 84u
#define STATE_MAX_SOURCE ((uint32_t)(3 * 4 + PATH_MAX + 2 * (HTTP_VALIDATOR_MAX + 1)))
#define STATE_MAX_BLOB ((uint32_t)(64u << 20))
#define WINDOW ((uint64_t)(64u << 10))

int refuse_state_file(const char *path, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: state file %s refused: ", PROG, path);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n%s: nothing was changed; to start over, delete %s and OUTFILE (or use -f without it)\n",
            PROG, path);
    return RC_STATE;
}

static int state_refuse(const struct state_ctx *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = refuse_state_file(s->path, fmt, ap);
    va_end(ap);
    return rc;
}

static int refuse_path(const char *state_path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = refuse_state_file(state_path, fmt, ap);
    va_end(ap);
    return rc;
}

int open_checkpointed_output(const char *state_path, const char *out_path, uint64_t produced, uint64_t tail_hash,
                             struct output *out)
{
    struct stat sb;
    out->path = out->name = out_path;
    out->remove_on_error = 0;
    out->fd = open(out_path, O_RDWR);
    if (out->fd < 0) {
        if (errno == ENOENT) return refuse_path(state_path, "its output %s does not exist", out_path);
        return fail_errno(RC_IO, out_path, "cannot open");
    }
    if (fstat(out->fd, &sb) != 0) return fail_errno(RC_IO, out_path, "cannot stat");
    if (!S_ISREG(sb.st_mode)) return refuse_path(state_path, "its output %s is not a regular file", out_path);
    if ((uint64_t)sb.st_size < produced)
        return refuse_path(state_path, "the output %s is shorter (%llu bytes) than the checkpoint recorded (%llu bytes)",
                           out_path, (unsigned long long)sb.st_size, (unsigned long long)produced);
    uint64_t out_window = min_u64(WINDOW, produced), h = 0;
    if (hash_range(out->fd, produced - out_window, (size_t)out_window, &h) != 0)
        return fail_errno(RC_IO, out_path, "cannot read");
    if (h != tail_hash)
        return refuse_path(state_path, "the output %s was modified or replaced since the checkpoint", out_path);
    return RC_OK;
}

int cut_output_to_checkpoint(const struct output *out, uint64_t produced)
{
    if (ftruncate(out->fd, (off_t)produced) != 0) return fail_errno(RC_IO, out->path, "cannot truncate");
    if (lseek(out->fd, (off_t)produced, SEEK_SET) < 0) return fail_errno(RC_IO, out->path, "cannot seek");
    return RC_OK;
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
    s->kind = in->http ? STATE_INPUT_URL : strcmp(o->in_path, "-") == 0 ? STATE_INPUT_STREAM : STATE_INPUT_FILE;
    if (s->kind == STATE_INPUT_FILE && !in->regular)
        return fail_usage("--state needs a regular INFILE, a URL or '-' (%s is not a regular file)", in->name);
    if (absolute_output_path(o->out_path, s->out_abs) != 0) return fail_errno(RC_IO, o->out_path, "bad path");
    /* Replacing the state file must never replace INFILE or OUTFILE. */
    char state_abs[PATH_MAX];
    struct stat sb;
    if (absolute_output_path(s->path, state_abs) != 0) return fail_errno(RC_IO, s->path, "bad path");
    if (strcmp(state_abs, s->out_abs) == 0 ||
        (in->regular && stat(s->path, &sb) == 0 && sb.st_dev == in->dev && sb.st_ino == in->ino))
        return fail_usage("the --state FILE must differ from INFILE and OUTFILE");
    if (s->kind != STATE_INPUT_FILE) return RC_OK;
    s->head_len = (uint32_t)min_u64(WINDOW, in->size);
    if (hash_range(in->fd, 0, s->head_len, &s->head_hash) != 0) return fail_errno(RC_IO, in->name, "cannot read");
    return RC_OK;
}

void state_note_input(struct state_ctx *s, const unsigned char *p, size_t n)
{
    if (s->kind != STATE_INPUT_STREAM) return;
    s->tail_total += n;
    if (n > WINDOW) {
        p += n - WINDOW;
        n = (size_t)WINDOW;
    }
    size_t at = (size_t)((s->tail_total - n) % WINDOW);
    size_t first = n < WINDOW - at ? n : (size_t)(WINDOW - at);
    memcpy(s->tail + at, p, first);
    memcpy(s->tail, p + first, n - first);
}

/* FNV-1a 64 of the stream's last `n` bytes consumed (n <= 64 KiB). */
static uint64_t tail_hash(const struct state_ctx *s, uint64_t n)
{
    size_t at = (size_t)((s->tail_total - n) % WINDOW);
    size_t first = n < WINDOW - at ? (size_t)n : (size_t)(WINDOW - at);
    uint64_t h = fnv1a64(FNV_INIT, s->tail + at, first);
    return fnv1a64(h, s->tail, (size_t)n - first);
}

static size_t put_string(unsigned char *p, const char *str)
{
    size_t n = strlen(str);
    put_u32(p, (uint32_t)n);
    memcpy(p + 4, str, n);
    return 4 + n;
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
    uint64_t win_hash = 0, out_hash = 0, in_size = 0;
    if (s->kind == STATE_INPUT_FILE) {
        if (fstat(in->fd, &sb) != 0 || hash_range(in->fd, consumed - window, (size_t)window, &win_hash) != 0) {
            lz4framed_blob_free(blob);
            return fail_errno(RC_IO, in->name, "cannot read");
        }
        in_size = (uint64_t)sb.st_size;
    } else if (s->kind == STATE_INPUT_STREAM) {
        /* One thread (parse_args): the blob stands where the live decoder does. */
        if (s->tail_total != consumed) {
            lz4framed_blob_free(blob);
            msg("%s: the decoder state stands at input offset %llu, the stream at %llu", s->path,
                (unsigned long long)consumed, (unsigned long long)s->tail_total);
            return RC_INTERNAL;
        }
        win_hash = tail_hash(s, window);
    } else {
        in_size = http_identity(in->http)->total;
        window = 0;
    }
    if (hash_range(out->fd, produced - out_window, (size_t)out_window, &out_hash) != 0) {
        lz4framed_blob_free(blob);
        return fail_errno(RC_IO, out->name, "cannot read back");
    }
    size_t path_len = strlen(s->out_abs);
    size_t header = s->kind == STATE_INPUT_FILE ? STATE_HEADER : STATE_HEADER_V2;
    size_t src_len = 0;
    unsigned char source[STATE_MAX_SOURCE];
    if (s->kind == STATE_INPUT_URL) {
        const struct http_identity *id = http_identity(in->http);
        src_len += put_string(source, in->name);
        src_len += put_string(source + src_len, id->etag);
        src_len += put_string(source + src_len, id->last_modified);
    }
    size_t total = header + path_len + src_len + blob_size + 8;
    unsigned char *buf = xmalloc(total);
    memcpy(buf, STATE_MAGIC, 8);
    put_u32(buf + 8, s->kind == STATE_INPUT_FILE ? STATE_VERSION : STATE_VERSION_SOURCE);
    put_u32(buf + 12, (uint32_t)s->kind);
    put_u64(buf + 16, in_size);
    put_u64(buf + 24, consumed);
    put_u64(buf + 32, produced);
    put_u32(buf + 40, s->head_len);
    put_u32(buf + 44, (uint32_t)window);
    put_u64(buf + 48, s->head_hash);
    put_u64(buf + 56, win_hash);
    put_u64(buf + 64, out_hash);
    put_u32(buf + 72, (uint32_t)path_len);
    put_u32(buf + 76, (uint32_t)blob_size);
    if (header == STATE_HEADER_V2) put_u32(buf + 80, (uint32_t)src_len);
    memcpy(buf + header, s->out_abs, path_len);
    memcpy(buf + header + path_len, source, src_len);
    memcpy(buf + header + path_len + src_len, blob, blob_size);
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

/* A state file's header fields, as read and checked for consistency. */
struct parsed {
    uint32_t version, kind, header;
    uint64_t in_size, consumed, produced;
    uint32_t head_len, window, path_len, src_len, blob_len;
    const unsigned char *path, *src, *blob;
};

static int get_string(const unsigned char **p, const unsigned char *end, char *out, size_t cap)
{
    if (end - *p < 4) return -1;
    uint32_t n = get_u32(*p);
    if (n >= cap || (size_t)(end - *p - 4) < n) return -1;
    memcpy(out, *p + 4, n);
    out[n] = '\0';
    *p += 4 + n;
    return 0;
}

/* Reads the state file whole and checks its framing, checksum and the
 * consistency of its fields. RC_OK with `*buf_out` (to free) and `p`
 * filled, -1 when there is none, or an exit code after a message. */
static int read_state(struct state_ctx *s, unsigned char **buf_out, struct parsed *p)
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
    uint64_t max = STATE_HEADER_V2 + PATH_MAX + STATE_MAX_SOURCE + (uint64_t)STATE_MAX_BLOB + 8;
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
    memset(p, 0, sizeof *p);
    if (len < 8 || memcmp(buf, STATE_MAGIC, 8) != 0) {
        rc = state_refuse(s, len < 8 ? "truncated (%lu bytes)" : "not a lz4framed state file (bad magic)",
                          (unsigned long)len);
        goto bad;
    }
    if (len < 12) {
        rc = state_refuse(s, "truncated (%lu bytes)", (unsigned long)len);
        goto bad;
    }
    p->version = get_u32(buf + 8);
    if (p->version != STATE_VERSION && p->version != STATE_VERSION_SOURCE) {
        rc = state_refuse(s, "format version %lu is not supported (this program reads versions 1 and 2)",
                          (unsigned long)p->version);
        goto bad;
    }
    p->header = p->version == STATE_VERSION ? STATE_HEADER : STATE_HEADER_V2;
    if (len < p->header + 8) {
        rc = state_refuse(s, "truncated (%lu bytes)", (unsigned long)len);
        goto bad;
    }
    p->path_len = get_u32(buf + 72);
    p->blob_len = get_u32(buf + 76);
    p->src_len = p->version == STATE_VERSION ? 0 : get_u32(buf + 80);
    uint64_t want = (uint64_t)p->header + p->path_len + p->src_len + p->blob_len + 8;
    if (want > len) {
        rc = state_refuse(s, "truncated (%lu bytes, its header announces %llu)", (unsigned long)len,
                          (unsigned long long)want);
        goto bad;
    }
    if (want < len) {
        rc = state_refuse(s, "damaged (%lu bytes, its header announces %llu)", (unsigned long)len,
                          (unsigned long long)want);
        goto bad;
    }
    if (fnv1a64(FNV_INIT, buf, len - 8) != get_u64(buf + len - 8)) {
        rc = state_refuse(s, "damaged (checksum mismatch)");
        goto bad;
    }
    uint32_t flags = get_u32(buf + 12);
    p->kind = flags;
    p->in_size = get_u64(buf + 16);
    p->consumed = get_u64(buf + 24);
    p->produced = get_u64(buf + 32);
    p->head_len = get_u32(buf + 40);
    p->window = get_u32(buf + 44);
    p->path = buf + p->header;
    p->src = p->path + p->path_len;
    p->blob = p->src + p->src_len;
    int fields_ok = p->path_len > 0 && p->path_len < PATH_MAX && p->blob_len <= STATE_MAX_BLOB &&
                    p->src_len <= STATE_MAX_SOURCE && (p->version == STATE_VERSION_SOURCE || flags == 0);
    switch (flags) {
    case STATE_INPUT_FILE:
        fields_ok = fields_ok && p->head_len <= WINDOW && p->head_len <= p->in_size && p->consumed <= p->in_size &&
                    p->window == min_u64(WINDOW, p->consumed) && p->src_len == 0;
        break;
    case STATE_INPUT_URL:
        fields_ok = fields_ok && p->head_len == 0 && p->window == 0 && get_u64(buf + 48) == 0 &&
                    get_u64(buf + 56) == 0 && (p->in_size == HTTP_UNKNOWN_SIZE || p->consumed <= p->in_size);
        break;
    case STATE_INPUT_STREAM:
        fields_ok = fields_ok && p->in_size == 0 && p->head_len == 0 && get_u64(buf + 48) == 0 &&
                    p->window == min_u64(WINDOW, p->consumed) && p->src_len == 0;
        break;
    default:
        fields_ok = 0;
    }
    if (!fields_ok) {
        rc = state_refuse(s, "its fields are inconsistent");
        goto bad;
    }
    *buf_out = buf;
    return RC_OK;
bad:
    free(buf);
    return rc;
}

static const char *kind_name(uint32_t kind)
{
    return kind == STATE_INPUT_URL ? "a URL" : kind == STATE_INPUT_STREAM ? "standard input" : "a regular INFILE";
}

int print_resume_offset(const struct options *o)
{
    struct state_ctx *s = xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->path = o->state_path;
    unsigned char *buf = NULL;
    struct parsed p;
    int rc = read_state(s, &buf, &p);
    if (rc == -1) {
        /* No checkpoint yet: a new stream starts at the beginning. */
        printf("0\n");
        rc = RC_OK;
    } else if (rc == RC_OK) {
        /* A stream starts at the 64 KiB it is checked by. */
        printf("%llu\n", (unsigned long long)(p.kind == STATE_INPUT_STREAM ? p.consumed - p.window : p.consumed));
        if (o->verbosity > 1)
            msg("%s: made for %s; input consumed %llu, output produced %llu", s->path, kind_name(p.kind),
                (unsigned long long)p.consumed, (unsigned long long)p.produced);
        free(buf);
    }
    free(s);
    if (rc == RC_OK && (fflush(stdout) != 0 || ferror(stdout))) return fail_errno(RC_IO, "(stdout)", "cannot write");
    return rc;
}

/* A stream resumed: its first W bytes must be the W bytes before the
 * resume offset, as hashed at the checkpoint. They are consumed here and
 * seed the window of the next checkpoint. */
static int check_stream_overlap(struct state_ctx *s, const struct input *in, const struct parsed *p, uint64_t want)
{
    size_t n = 0;
    while (n < p->window) {
        ssize_t r = read_some(in->fd, s->tail + n, (size_t)(p->window - n));
        if (r < 0) return fail_errno(RC_IO, in->name, "cannot read");
        if (r == 0) break;
        n += (size_t)r;
    }
    if (n < p->window)
        return state_refuse(s, "%s ended after %lu bytes, before the %lu bytes it must begin with (from input offset "
                               "%llu: see --resume-offset)",
                            in->name, (unsigned long)n, (unsigned long)p->window,
                            (unsigned long long)(p->consumed - p->window));
    if (fnv1a64(FNV_INIT, s->tail, n) != want)
        return state_refuse(s, "%s does not continue the stream: its first %lu bytes are not those before input "
                               "offset %llu (it must start at offset %llu: see --resume-offset)",
                            in->name, (unsigned long)n, (unsigned long long)p->consumed,
                            (unsigned long long)(p->consumed - p->window));
    /* The ring holds them from position (consumed - W) % 64 KiB on. */
    unsigned char *copy = xmalloc(n ? n : 1);
    memcpy(copy, s->tail, n);
    s->tail_total = p->consumed - n;
    state_note_input(s, copy, n);
    free(copy);
    return RC_OK;
}

int load_state(struct state_ctx *s, const struct options *o, const struct input *in, struct output *out,
               const struct dictionary *dict, lz4framed_decoder **dec_out)
{
    unsigned char *buf = NULL;
    struct parsed p;
    int rc = read_state(s, &buf, &p);
    if (rc != RC_OK) return rc;
    rc = RC_STATE;
    lz4framed_decoder *dec = NULL;
    uint64_t in_size = p.in_size, consumed = p.consumed, produced = p.produced;
    uint32_t head_len = p.head_len, window = p.window, path_len = p.path_len;
    struct http_identity id;
    if (p.kind != (uint32_t)s->kind) {
        rc = state_refuse(s, "it was made for %s, and INFILE now is %s", kind_name(p.kind), kind_name((uint32_t)s->kind));
        goto done;
    }
    size_t abs_len = strlen(s->out_abs);
    if (path_len != abs_len || memcmp(p.path, s->out_abs, abs_len) != 0) {
        rc = state_refuse(s, "it belongs to the output %.*s, not %s", (int)path_len, (const char *)p.path, s->out_abs);
        goto done;
    }

    if (p.kind == STATE_INPUT_URL) {
        /* The same URL; the resource itself is checked by the request. */
        char url[PATH_MAX];
        const unsigned char *q = p.src, *end = p.src + p.src_len;
        memset(&id, 0, sizeof id);
        id.total = in_size;
        if (get_string(&q, end, url, sizeof url) != 0 || get_string(&q, end, id.etag, sizeof id.etag) != 0 ||
            get_string(&q, end, id.last_modified, sizeof id.last_modified) != 0 || q != end) {
            rc = state_refuse(s, "its fields are inconsistent");
            goto done;
        }
        if (strcmp(url, in->name) != 0) {
            rc = state_refuse(s, "it belongs to the URL %s, not %s", url, in->name);
            goto done;
        }
    } else if (p.kind == STATE_INPUT_FILE) {
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
    }

    /* OUTFILE: exists, is at least as long, and ends as it was written. */
    if ((rc = open_checkpointed_output(s->path, o->out_path, produced, get_u64(buf + 64), out)) != RC_OK) goto done;

    /* The decoder itself (the library checks the blob's own checksum,
     * fields and dictionary). */
    lz4framed_status st = lz4framed_decoder_unmarshal(p.blob, p.blob_len, dict ? dict->bytes : NULL,
                                                      dict ? dict->size : 0, &dec);
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

    /* The input, positioned at the resume offset: still nothing changed. */
    if (p.kind == STATE_INPUT_URL) {
        if ((rc = http_start(in->http, consumed, &id)) != RC_OK) goto done;
    } else if (p.kind == STATE_INPUT_STREAM) {
        if ((rc = check_stream_overlap(s, in, &p, get_u64(buf + 56))) != RC_OK) goto done;
    } else if (lseek(in->fd, (off_t)consumed, SEEK_SET) < 0) {
        rc = fail_errno(RC_IO, in->name, "cannot seek");
        goto done;
    }
    rc = RC_STATE;

    /* Accepted: cut OUTFILE back to the checkpoint and continue there. */
    if ((rc = cut_output_to_checkpoint(out, produced)) != RC_OK) goto done;
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
