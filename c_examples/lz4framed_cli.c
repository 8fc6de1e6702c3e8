/* lz4framed: a command-line compressor and decompressor for LZ4 frames,
 * built only on the public C API of liblz4framed.
 *
 *   lz4framed compress   [options] (INFILE|-) [OUTFILE]
 *   lz4framed decompress [options] (INFILE|-) [OUTFILE]
 *
 * Both directions stream with bounded memory (a few MiB whatever the input
 * size). Decompression with --state FILE is crash-safe and resumable: every
 * checkpoint makes the output durable, marshals the decoder and atomically
 * replaces FILE; a later run with the same FILE continues exactly where the
 * last checkpoint stood. docs/CLI.md describes the options, the exit codes
 * and the state file format byte by byte.
 */
#define _XOPEN_SOURCE 700
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "lz4framed.h"

/* Exit codes: part of the interface (docs/CLI.md), never renumbered. */
enum {
    RC_OK = 0,
    RC_USAGE = 1,    /* bad command line */
    RC_IO = 2,       /* a file could not be opened, read, written or synced */
    RC_CORRUPT = 3,  /* the input is not valid LZ4 data, or is truncated */
    RC_STATE = 4,    /* the state file (or the files it describes) was refused */
    RC_EXISTS = 5,   /* OUTFILE exists and -f was not given */
    RC_INTERNAL = 6  /* out of memory or an internal library error */
};

#define KIB ((uint64_t)1024)
#define MIB (KIB * 1024)
/* Input and output pieces; blocks larger than this are handled by the
 * library's own buffering, so memory stays bounded whatever the stream. */
#define IO_CHUNK ((size_t)(1u << 20))
/* Only the last 64 KiB of a dictionary are used by LZ4. */
#define DICT_MAX ((size_t)(64u << 10))
#define DEFAULT_CHECKPOINT (16 * MIB)

static const char *const PROG = "lz4framed";

struct options {
    int command; /* 'c' or 'd' */
    int32_t level;
    uint32_t block_size_id;
    int linked;
    int block_checksum;
    int content_checksum;
    int content_size;
    int favor_dec_speed;
    const char *compress_only; /* the first compression option given, for messages */
    const char *dict_path;
    int force;
    int verbosity; /* 0 quiet, 1 normal, 2 verbose */
    const char *state_path;
    uint64_t checkpoint_every;
    const char *in_path;
    const char *out_path; /* NULL: standard output */
};

/* ---------------------------------------------------------------- messages */

static void msg(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", PROG);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static int fail_usage(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", PROG);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help'.\n", PROG);
    return RC_USAGE;
}

/* An errno failure on a named file. */
static int fail_errno(int rc, const char *name, const char *what)
{
    msg("%s: %s: %s", name, what, strerror(errno));
    return rc;
}

static int status_exit_code(lz4framed_status st)
{
    if (st <= LZ4FRAMED_ERROR_BAD_MAGIC && st >= LZ4FRAMED_ERROR_DICTIONARY_MISMATCH) return RC_CORRUPT;
    if (st == LZ4FRAMED_ERROR_INVALID_ARGUMENT) return RC_USAGE;
    return RC_INTERNAL;
}

static int fail_status(int rc, const char *name, const char *what, lz4framed_status st)
{
    msg("%s: %s: %s (%s)", name, what, lz4framed_status_message(st), lz4framed_status_name(st));
    return rc;
}

static void usage(FILE *to)
{
    fprintf(to,
            "Usage: %s (compress|decompress) [options] (INFILE|-) [OUTFILE]\n"
            "  INFILE '-' reads standard input; without OUTFILE (or with '-') the result\n"
            "  goes to standard output. An existing OUTFILE is never overwritten without -f.\n"
            "\n"
            "Compression options (defaults as the lz4 tool: -1 -B7, independent blocks,\n"
            "content checksum on):\n"
            "  -1 .. -12        level: 1-2 fast, 3-12 high compression (slower)\n"
            "  --fast[=N]       faster than -1, weaker (acceleration N, default 1)\n"
            "  --best           same as -12\n"
            "  --favor-decSpeed with -10 .. -12: favour decompression speed over ratio\n"
            "  -B4 .. -B7       maximum block size 64 KiB, 256 KiB, 1 MiB, 4 MiB\n"
            "  -BD              linked blocks (better ratio, blocks not decodable alone)\n"
            "  -BX              an XXH32 checksum after every block\n"
            "  --no-frame-crc   no content checksum at the frame end\n"
            "  --content-size   declare the input size in the header (INFILE a regular file)\n"
            "\n"
            "Common options:\n"
            "  -D FILE          dictionary (its last 64 KiB), in both directions\n"
            "  -f, --force      overwrite OUTFILE; allow compressed data to a terminal\n"
            "  -v, --verbose    report sizes and resume points\n"
            "  -q, --quiet      no progress line\n"
            "  -h, --help       this text\n"
            "  -V, --version    library and LZ4 versions\n"
            "\n"
            "Decompression options:\n"
            "  --state FILE     crash-safe, resumable decompression: checkpoints go to FILE;\n"
            "                   if FILE exists the run resumes from it (INFILE and OUTFILE\n"
            "                   must be regular files); FILE is removed on success\n"
            "  --checkpoint=N   checkpoint every N bytes of output (suffix K, M, G;\n"
            "                   a plain number means MiB; default 16M)\n"
            "\n"
            "Exit codes: 0 ok, 1 usage, 2 I/O error, 3 corrupt or truncated input,\n"
            "4 state file refused, 5 OUTFILE exists, 6 internal error or out of memory.\n",
            PROG);
}

/* ---------------------------------------------------------- command line */

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    if (*s < '0' || *s > '9') return -1;
    unsigned long long v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (unsigned long long)(*s - '0');
        if (v > max) return -1;
    }
    if (*s != '\0') return -1;
    *out = v;
    return 0;
}

static int parse_size(const char *s, uint64_t *out)
{
    char digits[32];
    size_t n = strlen(s);
    uint64_t unit = MIB;
    if (n == 0 || n >= sizeof digits) return -1;
    memcpy(digits, s, n + 1);
    switch (digits[n - 1]) {
    case 'K': case 'k': unit = KIB; digits[--n] = '\0'; break;
    case 'M': case 'm': unit = MIB; digits[--n] = '\0'; break;
    case 'G': case 'g': unit = 1024 * MIB; digits[--n] = '\0'; break;
    default: break;
    }
    unsigned long long v;
    if (parse_uint(digits, (unsigned long long)(UINT64_MAX / unit), &v) != 0 || v == 0) return -1;
    *out = (uint64_t)v * unit;
    return 0;
}

/* -B followed by any of 4..7, D and X (-B7, -BD, -B4DX). */
static int parse_block_option(const char *rest, struct options *o)
{
    if (*rest == '\0') return -1;
    for (; *rest; rest++) {
        if (*rest >= '4' && *rest <= '7')
            o->block_size_id = (uint32_t)(*rest - '0');
        else if (*rest == 'D')
            o->linked = 1;
        else if (*rest == 'X')
            o->block_checksum = 1;
        else
            return -1;
    }
    return 0;
}

/* Returns -1 to go on, or an exit code (help and version exit early). */
static int parse_args(int argc, char **argv, struct options *o)
{
    const char *positional[4];
    int npos = 0, options_done = 0;
    memset(o, 0, sizeof *o);
    o->level = 1;
    o->block_size_id = LZ4FRAMED_BLOCK_SIZE_4MB;
    o->content_checksum = 1;
    o->verbosity = 1;
    o->checkpoint_every = DEFAULT_CHECKPOINT;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options_done || a[0] != '-' || a[1] == '\0') {
            if (npos == 4) return fail_usage("too many arguments ('%s')", a);
            positional[npos++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options_done = 1;
            continue;
        }
        if (a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
            const char *val = eq ? eq + 1 : NULL;
#define IS(lit) (nlen == sizeof(lit) - 1 && strncmp(name, lit, nlen) == 0)
            if (IS("help") && !val) {
                usage(stdout);
                return RC_OK;
            } else if (IS("version") && !val) {
                printf("%s %s (library %s, LZ4 %s)\n", PROG, LZ4FRAMED_VERSION_STRING,
                       lz4framed_version_string(), lz4framed_lz4_version_string());
                return RC_OK;
            } else if (IS("fast")) {
                unsigned long long n = 1;
                if (val && parse_uint(val, 65536, &n) != 0) return fail_usage("--fast needs a number from 1 to 65536, not '%s'", val);
                if (n == 0) return fail_usage("--fast needs a number from 1 to 65536, not '%s'", val);
                o->level = -(int32_t)n;
                o->compress_only = a;
            } else if (IS("best") && !val) {
                o->level = 12;
                o->compress_only = a;
            } else if (IS("favor-decSpeed") && !val) {
                o->favor_dec_speed = 1;
                o->compress_only = a;
            } else if (IS("no-frame-crc") && !val) {
                o->content_checksum = 0;
                o->compress_only = a;
            } else if (IS("frame-crc") && !val) {
                o->content_checksum = 1;
                o->compress_only = a;
            } else if (IS("content-size") && !val) {
                o->content_size = 1;
                o->compress_only = a;
            } else if (IS("no-content-size") && !val) {
                o->content_size = 0;
                o->compress_only = a;
            } else if (IS("force") && !val) {
                o->force = 1;
            } else if (IS("verbose") && !val) {
                o->verbosity = 2;
            } else if (IS("quiet") && !val) {
                o->verbosity = 0;
            } else if (IS("state")) {
                if (!val) {
                    if (i + 1 >= argc) return fail_usage("--state needs a FILE");
                    val = argv[++i];
                }
                if (*val == '\0') return fail_usage("--state needs a FILE");
                o->state_path = val;
            } else if (IS("checkpoint")) {
                if (!val || parse_size(val, &o->checkpoint_every) != 0)
                    return fail_usage("--checkpoint needs a size such as 16M or 512K, not '%s'", val ? val : "");
                if (o->checkpoint_every < 4 * KIB) return fail_usage("--checkpoint must be at least 4K");
            } else {
                return fail_usage("unknown option '%s'", a);
            }
#undef IS
            continue;
        }
        /* Short options, combinable: -9f, -B4X, -Ddict, -D dict. */
        for (const char *p = a + 1; *p; p++) {
            if (*p >= '0' && *p <= '9') {
                unsigned long long lv = 0;
                const char *start = p;
                while (p[1] >= '0' && p[1] <= '9') p++;
                char num[8];
                size_t n = (size_t)(p - start + 1);
                if (n >= sizeof num) return fail_usage("unknown level in '%s' (use -1 .. -12)", a);
                memcpy(num, start, n);
                num[n] = '\0';
                if (parse_uint(num, 12, &lv) != 0 || lv < 1) return fail_usage("unknown level in '%s' (use -1 .. -12)", a);
                o->level = (int32_t)lv;
                o->compress_only = a;
                continue;
            }
            switch (*p) {
            case 'B':
                if (parse_block_option(p + 1, o) != 0)
                    return fail_usage("unknown block option '%s' (use -B4 .. -B7, -BD, -BX)", a);
                o->compress_only = a;
                p += strlen(p) - 1;
                break;
            case 'D':
                if (p[1] != '\0') {
                    o->dict_path = p + 1;
                } else {
                    if (i + 1 >= argc) return fail_usage("-D needs a dictionary FILE");
                    o->dict_path = argv[++i];
                }
                p += strlen(p) - 1;
                break;
            case 'f': o->force = 1; break;
            case 'v': o->verbosity = 2; break;
            case 'q': o->verbosity = 0; break;
            case 'h': usage(stdout); return RC_OK;
            case 'V':
                printf("%s %s (library %s, LZ4 %s)\n", PROG, LZ4FRAMED_VERSION_STRING,
                       lz4framed_version_string(), lz4framed_lz4_version_string());
                return RC_OK;
            default: return fail_usage("unknown option '-%c' in '%s'", *p, a);
            }
        }
    }

    if (npos == 0) return fail_usage("no command: use 'compress' or 'decompress'");
    if (strcmp(positional[0], "compress") == 0)
        o->command = 'c';
    else if (strcmp(positional[0], "decompress") == 0)
        o->command = 'd';
    else
        return fail_usage("unknown command '%s': use 'compress' or 'decompress'", positional[0]);
    if (npos < 2) return fail_usage("no INFILE (use '-' for standard input)");
    if (npos > 3) return fail_usage("too many arguments ('%s')", positional[3]);
    o->in_path = positional[1];
    o->out_path = npos == 3 && strcmp(positional[2], "-") != 0 ? positional[2] : NULL;

    if (o->command == 'd' && o->compress_only)
        return fail_usage("option '%s' applies to compress only", o->compress_only);
    if (o->command == 'c' && o->state_path) return fail_usage("--state applies to decompress only");
    if (o->state_path) {
        if (strcmp(o->in_path, "-") == 0)
            return fail_usage("--state needs INFILE to be a regular file, not standard input");
        if (!o->out_path) return fail_usage("--state needs an OUTFILE, not standard output");
    }
    return -1;
}

/* ------------------------------------------------------------- small I/O */

static int write_all(int fd, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads until `cap` bytes or end of file; returns the count or -1. */
static ssize_t read_some(int fd, void *buf, size_t cap)
{
    for (;;) {
        ssize_t r = read(fd, buf, cap);
        if (r >= 0 || errno != EINTR) return r;
    }
}

static int pread_all(int fd, void *buf, size_t n, uint64_t at)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t r = pread(fd, p, n, (off_t)at);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (r == 0) errno = EIO; /* the file is shorter than checked */
            return -1;
        }
        p += r;
        n -= (size_t)r;
        at += (uint64_t)r;
    }
    return 0;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        msg("out of memory (%lu bytes)", (unsigned long)n);
        exit(RC_INTERNAL);
    }
    return p;
}

/* FNV-1a 64: every step is a bijection of the state for a given byte, so
 * any single changed byte always changes the result. */
static uint64_t fnv1a64(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
#define FNV_INIT 0xcbf29ce484222325ULL

/* Hash of the bytes [at, at + n) of a file (n at most 64 KiB). */
static int hash_range(int fd, uint64_t at, size_t n, uint64_t *out)
{
    static unsigned char buf[64u << 10];
    if (n > sizeof buf) n = sizeof buf;
    if (pread_all(fd, buf, n, at) != 0) return -1;
    *out = fnv1a64(FNV_INIT, buf, n);
    return 0;
}

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

/* fsync of the directory holding `path`, so a rename or a new name in it
 * survives a power loss. */
static int sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];
    if (!slash) {
        strcpy(dir, ".");
    } else if (slash == path) {
        strcpy(dir, "/");
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir) {
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir, O_RDONLY);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/* -------------------------------------------------- cleanup on a signal */

/* The OUTFILE this run created and must not leave behind half-written
 * when interrupted; NULL when there is none (stdout, or --state keeps it). */
static const char *volatile cleanup_path;

static void on_signal(int sig)
{
    if (cleanup_path) unlink(cleanup_path);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_signal_handlers(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

/* --------------------------------------------------------------- progress */

struct progress {
    int enabled;
    int shown;
    double start, last;
    uint64_t in_total; /* 0: unknown */
    uint64_t in_base, out_base;
    const char *verb, *name;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress_init(struct progress *p, const struct options *o, const char *name, uint64_t in_total)
{
    memset(p, 0, sizeof *p);
    p->enabled = o->verbosity > 0 && isatty(STDERR_FILENO);
    p->start = p->last = now_seconds();
    p->in_total = in_total;
    p->verb = o->command == 'c' ? "compress" : "decompress";
    p->name = name;
}

/* Shown only for work that takes more than a second, refreshed 4 times a
 * second; the rate counts the uncompressed side. */
static void progress_update(struct progress *p, uint64_t in_pos, uint64_t out_pos)
{
    if (!p->enabled) return;
    double t = now_seconds();
    if (t - p->start < 1.0 || t - p->last < 0.25) return;
    p->last = t;
    uint64_t plain = p->verb[0] == 'c' ? in_pos - p->in_base : out_pos - p->out_base;
    char pct[16] = "";
    if (p->in_total) snprintf(pct, sizeof pct, " %3.0f%%", 100.0 * (double)in_pos / (double)p->in_total);
    fprintf(stderr, "\r%s: %s %s:%s %.1f MiB -> %.1f MiB, %.1f MB/s   ", PROG, p->verb, p->name, pct,
            (double)in_pos / (double)MIB, (double)out_pos / (double)MIB, (double)plain / 1e6 / (t - p->start));
    p->shown = 1;
}

static void progress_end(struct progress *p)
{
    if (p->shown) fprintf(stderr, "\r%78s\r", "");
    p->shown = 0;
}

/* ------------------------------------------------------------- dictionary */

struct dictionary {
    unsigned char bytes[64u << 10];
    size_t size;
    uint32_t id;
};

/* Keeps only the last 64 KiB (all LZ4 uses), reading any kind of file. */
static int load_dictionary(const char *path, struct dictionary *d)
{
    static unsigned char buf[128u << 10];
    size_t len = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return fail_errno(RC_IO, path, "cannot open dictionary");
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size > DICT_MAX)
        (void)lseek(fd, (off_t)(st.st_size - (off_t)DICT_MAX), SEEK_SET);
    for (;;) {
        ssize_t r = read_some(fd, buf + len, sizeof buf - len);
        if (r < 0) {
            int rc = fail_errno(RC_IO, path, "cannot read dictionary");
            close(fd);
            return rc;
        }
        if (r == 0) break;
        len += (size_t)r;
        if (len == sizeof buf) {
            memmove(buf, buf + len - DICT_MAX, DICT_MAX);
            len = DICT_MAX;
        }
    }
    close(fd);
    if (len == 0) {
        msg("%s: the dictionary is empty", path);
        return RC_USAGE;
    }
    d->size = len < DICT_MAX ? len : DICT_MAX;
    memcpy(d->bytes, buf + len - d->size, d->size);
    /* The frame header names the dictionary by an ID derived from the bytes
     * used, so decoding without any dictionary fails with a clear error. */
    uint64_t h = fnv1a64(FNV_INIT, d->bytes, d->size);
    d->id = (uint32_t)(h ^ (h >> 32));
    if (d->id == 0) d->id = 1;
    return RC_OK;
}

/* ------------------------------------------------------------------ files */

struct input {
    int fd;
    const char *name;
    int regular;
    uint64_t size; /* when regular */
    dev_t dev;
    ino_t ino;
};

struct output {
    int fd;
    const char *path; /* NULL: standard output */
    const char *name;
    int remove_on_error; /* a regular file this run created or truncated */
};

static int open_input(const char *path, struct input *in)
{
    struct stat st;
    memset(in, 0, sizeof *in);
    if (strcmp(path, "-") == 0) {
        in->fd = STDIN_FILENO;
        in->name = "(stdin)";
    } else {
        in->name = path;
        in->fd = open(path, O_RDONLY);
        if (in->fd < 0) return fail_errno(RC_IO, path, "cannot open");
    }
    if (fstat(in->fd, &st) != 0) return fail_errno(RC_IO, in->name, "cannot stat");
    if (S_ISDIR(st.st_mode)) {
        msg("%s: is a directory", in->name);
        return RC_IO;
    }
    in->regular = S_ISREG(st.st_mode);
    in->size = in->regular ? (uint64_t)st.st_size : 0;
    in->dev = st.st_dev;
    in->ino = st.st_ino;
    return RC_OK;
}

static int open_output(const struct options *o, const struct input *in, struct output *out)
{
    memset(out, 0, sizeof *out);
    if (!o->out_path) {
        out->fd = STDOUT_FILENO;
        out->name = "(stdout)";
        if (o->command == 'c' && !o->force && isatty(STDOUT_FILENO))
            return fail_usage("refusing to write compressed data to a terminal (give OUTFILE, or -f)");
        return RC_OK;
    }
    out->path = out->name = o->out_path;
    struct stat st;
    int existed = stat(o->out_path, &st) == 0;
    if (existed && in->regular && st.st_dev == in->dev && st.st_ino == in->ino) {
        msg("%s: INFILE and OUTFILE are the same file", o->out_path);
        return RC_USAGE;
    }
    if (existed && !o->force) {
        if (o->state_path)
            msg("%s: already exists and there is no state file %s to resume from; use -f to overwrite",
                o->out_path, o->state_path);
        else
            msg("%s: already exists; use -f to overwrite", o->out_path);
        return RC_EXISTS;
    }
    /* With --state, checkpoints read back the output's tail. */
    int flags = (o->state_path ? O_RDWR : O_WRONLY) | O_CREAT | (o->force ? O_TRUNC : O_EXCL);
    out->fd = open(o->out_path, flags, 0666);
    if (out->fd < 0) {
        if (errno == EEXIST) {
            msg("%s: already exists; use -f to overwrite", o->out_path);
            return RC_EXISTS;
        }
        return fail_errno(RC_IO, o->out_path, "cannot create");
    }
    if (fstat(out->fd, &st) != 0) return fail_errno(RC_IO, o->out_path, "cannot stat");
    if (S_ISREG(st.st_mode)) {
        out->remove_on_error = 1;
    } else if (o->state_path) {
        msg("%s: --state needs OUTFILE to be a regular file", o->out_path);
        return RC_USAGE;
    }
    if (out->remove_on_error && !o->state_path) cleanup_path = out->path;
    return RC_OK;
}

/* Closes OUTFILE on success; reports a failed close (a delayed write error). */
static int finish_output(struct output *out)
{
    if (out->fd == STDOUT_FILENO) {
        if (close(STDOUT_FILENO) != 0 && errno != EBADF) return fail_errno(RC_IO, out->name, "cannot write");
        return RC_OK;
    }
    int rc = close(out->fd);
    out->fd = -1;
    if (rc != 0) return fail_errno(RC_IO, out->name, "cannot write");
    return RC_OK;
}

static void discard_output(struct output *out)
{
    if (out->fd > STDERR_FILENO) close(out->fd);
    out->fd = -1;
    if (out->remove_on_error && out->path) unlink(out->path);
    cleanup_path = NULL;
}

/* ------------------------------------------------------------- compress */

static int compress_stream(const struct options *o, struct input *in, struct output *out,
                           const struct dictionary *dict)
{
    lz4framed_preferences prefs;
    memset(&prefs, 0, sizeof prefs);
    prefs.level = o->level;
    prefs.block_size_id = o->block_size_id;
    prefs.block_independent = !o->linked;
    prefs.block_checksum = (uint32_t)o->block_checksum;
    prefs.content_checksum = (uint32_t)o->content_checksum;
    prefs.favor_dec_speed = (uint32_t)o->favor_dec_speed;
    if (o->content_size) {
        if (!in->regular) return fail_usage("--content-size needs INFILE to be a regular file");
        prefs.content_size_flag = 1;
        prefs.content_size = in->size;
    }
    if (dict) prefs.dict_id = dict->id;

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
    unsigned char *src = xmalloc(IO_CHUNK);
    unsigned char *dst = xmalloc(cap);
    uint64_t in_pos = 0, out_pos = 0;
    struct progress prog;
    progress_init(&prog, o, in->name, in->regular ? in->size : 0);
    int rc = RC_OK;
    size_t n = 0;

    st = lz4framed_encoder_begin(enc, dst, cap, &n);
    if (lz4framed_is_error(st)) {
        rc = fail_status(RC_INTERNAL, in->name, "cannot write the frame header", st);
        goto done;
    }
    for (;;) {
        if (write_all(out->fd, dst, n) != 0) {
            rc = fail_errno(RC_IO, out->name, "cannot write");
            goto done;
        }
        out_pos += n;
        progress_update(&prog, in_pos, out_pos);
        ssize_t r = read_some(in->fd, src, IO_CHUNK);
        if (r < 0) {
            rc = fail_errno(RC_IO, in->name, "cannot read");
            goto done;
        }
        if (r == 0) break;
        in_pos += (uint64_t)r;
        st = lz4framed_encoder_update(enc, src, (size_t)r, dst, cap, &n);
        if (lz4framed_is_error(st)) {
            rc = fail_status(status_exit_code(st), in->name, "compression failed", st);
            goto done;
        }
    }
    st = lz4framed_encoder_end(enc, dst, cap, &n);
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
    if (write_all(out->fd, dst, n) != 0) {
        rc = fail_errno(RC_IO, out->name, "cannot write");
        goto done;
    }
    out_pos += n;
    progress_end(&prog);
    if (o->verbosity > 1)
        msg("%s: %llu bytes -> %llu bytes (%.2f%%)", in->name, (unsigned long long)in_pos,
            (unsigned long long)out_pos, in_pos ? 100.0 * (double)out_pos / (double)in_pos : 0.0);
done:
    progress_end(&prog);
    free(src);
    free(dst);
    lz4framed_encoder_free(enc);
    return rc;
}

/* ------------------------------------------------------ the state file */

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

struct state_ctx {
    const char *path;
    char tmp_path[PATH_MAX];
    char out_abs[PATH_MAX];
    uint32_t head_len;
    uint64_t head_hash;
    int saved;                /* a state file of this run or a resumed one exists */
    uint64_t saved_consumed;  /* what the last saved state records */
    uint64_t saved_produced;
};

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
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

/* Makes the output so far durable, then atomically replaces the state
 * file with the decoder's state: after a crash at any instant, the state
 * file on disk describes a prefix of OUTFILE that is really there. */
static int save_state(struct state_ctx *s, const lz4framed_decoder *dec, const struct input *in,
                      const struct output *out)
{
    if (fsync(out->fd) != 0) return fail_errno(RC_IO, out->name, "cannot sync");
    uint64_t consumed = lz4framed_decoder_input_consumed(dec);
    uint64_t produced = lz4framed_decoder_output_produced(dec);
    void *blob = NULL;
    size_t blob_size = 0;
    lz4framed_status st = lz4framed_decoder_marshal_alloc(dec, &blob, &blob_size);
    if (lz4framed_is_error(st)) return fail_status(RC_INTERNAL, s->path, "cannot save the decoder state", st);
    if (blob_size > STATE_MAX_BLOB) {
        lz4framed_blob_free(blob);
        msg("%s: the decoder state is unexpectedly large (%lu bytes)", s->path, (unsigned long)blob_size);
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

/* Reads and checks a state file, then the INFILE and OUTFILE it describes,
 * and only then builds the decoder; any doubt refuses (RC_STATE) without
 * touching OUTFILE. On success OUTFILE is open, truncated to the recorded
 * output and positioned there, and INFILE is positioned at the recorded
 * input offset. Returns -1 when there is no state file. */
static int load_state(struct state_ctx *s, const struct options *o, const struct input *in,
                      struct output *out, const struct dictionary *dict, lz4framed_decoder **dec_out)
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

/* The absolute path OUTFILE will have, whether or not it exists yet. */
static int absolute_output_path(const char *path, char *abs)
{
    char dir[PATH_MAX], real[PATH_MAX];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!slash) {
        strcpy(dir, ".");
    } else if (slash == path) {
        strcpy(dir, "/");
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir) {
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
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

/* ------------------------------------------------------------ decompress */

/* The decoding loop shared by fresh and resumed runs; owns `dec`. */
static int decompress_stream_run(const struct options *o, struct input *in, struct output *out,
                                 struct state_ctx *s, lz4framed_decoder *dec)
{
    unsigned char *src = xmalloc(IO_CHUNK), *dst = xmalloc(IO_CHUNK);
    size_t src_len = 0, src_pos = 0;
    int eof = 0, rc = RC_OK;
    lz4framed_status st;
    uint64_t start_in = lz4framed_decoder_input_consumed(dec);
    uint64_t start_out = lz4framed_decoder_output_produced(dec);
    uint64_t next_checkpoint = start_out + o->checkpoint_every;
    struct progress prog;
    progress_init(&prog, o, in->name, in->regular ? in->size : 0);
    prog.in_base = start_in;
    prog.out_base = start_out;

    for (;;) {
        if (src_pos == src_len && !eof) {
            ssize_t r = read_some(in->fd, src, IO_CHUNK);
            if (r < 0) {
                rc = fail_errno(RC_IO, in->name, "cannot read");
                goto fail;
            }
            eof = r == 0;
            src_len = (size_t)r;
            src_pos = 0;
        }
        size_t used = 0, made = 0;
        st = lz4framed_decoder_decompress(dec, src + src_pos, src_len - src_pos, dst, IO_CHUNK, 0, &used, &made);
        if (lz4framed_is_error(st)) {
            msg("%s: cannot decompress at input offset %llu: %s (%s)", in->name,
                (unsigned long long)lz4framed_decoder_input_consumed(dec), lz4framed_status_message(st),
                lz4framed_status_name(st));
            rc = status_exit_code(st);
            goto fail;
        }
        src_pos += used;
        if (made > 0 && write_all(out->fd, dst, made) != 0) {
            rc = fail_errno(RC_IO, out->name, "cannot write");
            goto fail;
        }
        uint64_t produced = lz4framed_decoder_output_produced(dec);
        if (s && produced >= next_checkpoint) {
            if ((rc = save_state(s, dec, in, out)) != RC_OK) goto fail;
            next_checkpoint = produced + o->checkpoint_every;
        }
        progress_update(&prog, lz4framed_decoder_input_consumed(dec), produced);
        if (!eof || src_pos < src_len) continue;
        if (st == LZ4FRAMED_OK) break;
        if (st == LZ4FRAMED_NEED_INPUT) {
            /* The input ends inside a frame. With --state, checkpoint right
             * here first: the same INFILE, once complete, continues from
             * this exact point. */
            if (s && (s->saved_consumed != lz4framed_decoder_input_consumed(dec) ||
                      s->saved_produced != produced)) {
                if ((rc = save_state(s, dec, in, out)) != RC_OK) goto fail;
            }
            st = lz4framed_decoder_decompress(dec, NULL, 0, NULL, 0, 1, &used, &made);
            msg("%s: truncated: the input ends inside a frame at offset %llu (%s)", in->name,
                (unsigned long long)lz4framed_decoder_input_consumed(dec),
                lz4framed_is_error(st) ? lz4framed_status_message(st) : "no more input");
            rc = RC_CORRUPT;
            goto fail;
        }
    }
    progress_end(&prog);
    free(src);
    free(dst);
    uint64_t consumed = lz4framed_decoder_input_consumed(dec), produced = lz4framed_decoder_output_produced(dec);
    lz4framed_decoder_free(dec);
    dec = NULL;
    if (s && fsync(out->fd) != 0) {
        rc = fail_errno(RC_IO, out->name, "cannot sync");
        goto fail_freed;
    }
    if ((rc = finish_output(out)) != RC_OK) goto fail_freed;
    cleanup_path = NULL;
    if (s) {
        /* The output is complete and durable; only now may the state go. */
        if (unlink(s->path) != 0 && errno != ENOENT) return fail_errno(RC_IO, s->path, "cannot remove the state file");
        unlink(s->tmp_path);
        if (sync_parent_dir(s->path) != 0) return fail_errno(RC_IO, s->path, "cannot sync the state file's directory");
    }
    if (o->verbosity > 1)
        msg("%s: %llu bytes -> %llu bytes%s", in->name, (unsigned long long)consumed, (unsigned long long)produced,
            start_out ? " (resumed)" : "");
    return RC_OK;

fail:
    progress_end(&prog);
    free(src);
    free(dst);
    lz4framed_decoder_free(dec);
fail_freed:
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

static int decompress_stream(const struct options *o, struct input *in, struct output *out,
                             const struct dictionary *dict)
{
    struct state_ctx state;
    struct state_ctx *s = NULL;
    lz4framed_decoder *dec = NULL;
    lz4framed_status st;
    int rc;

    if (o->state_path) {
        s = &state;
        memset(s, 0, sizeof *s);
        s->path = o->state_path;
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
        rc = load_state(s, o, in, out, dict, &dec);
        if (rc >= 0) return rc == RC_OK ? decompress_stream_run(o, in, out, s, dec) : rc;
    }
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

int main(int argc, char **argv)
{
    struct options o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0) return rc;
    install_signal_handlers();

    struct dictionary *dict = NULL;
    if (o.dict_path) {
        dict = xmalloc(sizeof *dict);
        if ((rc = load_dictionary(o.dict_path, dict)) != RC_OK) {
            free(dict);
            return rc;
        }
    }
    struct input in;
    struct output out;
    memset(&out, 0, sizeof out);
    out.fd = -1;
    if ((rc = open_input(o.in_path, &in)) != RC_OK) {
        free(dict);
        return rc;
    }
    if (o.command == 'c') {
        if (o.content_size && !in.regular) {
            rc = fail_usage("--content-size needs INFILE to be a regular file (%s is not)", in.name);
        } else if ((rc = open_output(&o, &in, &out)) == RC_OK) {
            rc = compress_stream(&o, &in, &out, dict);
            if (rc == RC_OK) rc = finish_output(&out);
        }
        if (rc != RC_OK) discard_output(&out);
        cleanup_path = NULL;
    } else {
        rc = decompress_stream(&o, &in, &out, dict);
    }
    if (in.fd > STDERR_FILENO) close(in.fd);
    free(dict);
    return rc;
}
