#include "platform.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "lz4framed.h"
#include "messages.h"
#include "options.h"
#include "seek_io.h"

static void usage(FILE *to)
{
    fprintf(to,
            "Usage: %s (compress|decompress) [options] (INFILE|-) [OUTFILE]\n"
            "       %s index [--span=SIZE] INFILE [INDEXFILE]\n"
            "       %s list INFILE\n"
            "  INFILE '-' reads standard input; without OUTFILE (or with '-') the result\n"
            "  goes to standard output. An existing OUTFILE is never overwritten without -f.\n"
            "  decompress also takes a URL as INFILE (http://, https://; see below).\n"
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
            "  --seek-table[=N] end the file with a seek table: a restart point every N\n"
            "                   bytes of input (suffix K, M, G; a plain number means MiB;\n"
            "                   default 4M); linked blocks restart their history there\n"
            "\n"
            "Common options:\n"
            "  -T#              # threads (-T0: one per online CPU, at most %d; default -T1,\n"
            "                   all in one thread). From -T2 on, blocks are coded on worker\n"
            "                   threads while two more read INFILE ahead and write OUTFILE\n"
            "                   behind; the output is the same (independent blocks compress\n"
            "                   byte-identically), --state checkpoints stay crash-safe\n"
            "  -D FILE          dictionary (its last 64 KiB), in both directions\n"
            "  -f, --force      overwrite OUTFILE; allow compressed data to a terminal\n"
            "  -v, --verbose    report sizes and resume points\n"
            "  -q, --quiet      no progress line\n"
            "  -h, --help       this text\n"
            "  -V, --version    library and LZ4 versions\n"
            "\n",
            PROG, PROG, PROG, MAX_THREADS);
    /* In two pieces: C99 guarantees string literals of 4095 bytes only. */
    fprintf(to,
            "Decompression options:\n"
            "  --state FILE     crash-safe, resumable decompression: checkpoints go to FILE;\n"
            "                   if FILE exists the run resumes from it (OUTFILE a regular\n"
            "                   file; INFILE a regular file, a URL, or '-' in one thread);\n"
            "                   FILE is removed on success\n"
            "  --checkpoint=N   checkpoint every N bytes of output (suffix K, M, G;\n"
            "                   a plain number means MiB; default 16M)\n"
            "  --range=OFFSET:LENGTH  only these bytes of the content (suffix K, M, G; a\n"
            "                   plain number is bytes; no LENGTH: to the end), read at random\n"
            "                   through INFILE's seek table, else its index, else an index\n"
            "                   built in memory (INFILE a regular file)\n"
            "  --index=FILE     with --range: the index file (default INFILE with .lz4\n"
            "                   replaced by .lz4i, or .lz4i appended, when it exists)\n"
            "\n"
            "Index: INDEXFILE (default as for --index) lets --range, and other readers,\n"
            "start near any offset of a file written without a seek table.\n"
            "  --span=SIZE      a restart point every SIZE bytes of content (default 4M)\n"
            "\n"
            "URL input (decompress http:// or https:// INFILE, with libcurl):\n"
            "  --stall-timeout=SEC  reconnect when no byte came for SEC seconds (a decimal;\n"
            "                   default 30; 0: never)\n"
            "  --retries=N      give up after N failed attempts in a row (default 10)\n"
            "  --retry-delay=MS wait MS milliseconds before the first new attempt, twice\n"
            "                   as long before each next one (at most 30 s; default 500)\n"
            "  A dropped, reset or stalled connection continues with a Range request from\n"
            "  the next byte not yet received, checked to be the same resource.\n"
            "  --resume-offset --state FILE  print the input offset a new stream must start\n"
            "                   at to resume FILE (for INFILE '-': curl -r \"$OFFSET\"- URL | ...)\n"
            "\n"
            "compress --state FILE: crash-safe, resumable compression (INFILE and OUTFILE\n"
            "  regular files; a grown INFILE continues); --checkpoint=N counts input there.\n"
            "\n"
            "list INFILE: every frame (offset, kind, block size and mode, flags, sizes),\n"
            "  totals, and the seek table at the end, if any (checked against the frames).\n"
            "\n"
            "Exit codes: 0 ok, 1 usage, 2 I/O error, 3 corrupt or truncated input,\n"
            "4 state file refused, 5 OUTFILE exists, 6 internal error or out of memory,\n"
            "7 transfer failed (retries exhausted), 8 HTTP error status or TLS failure,\n"
            "9 the server ignores Range or the resource changed during the download,\n"
            "10 seek table or index refused, or the file disagrees with it.\n");
}

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

static int print_version(void)
{
    printf("%s %s (library %s, LZ4 %s)\n%s\n", PROG, LZ4FRAMED_VERSION_STRING, lz4framed_version_string(),
           lz4framed_lz4_version_string(), http_support());
    return RC_OK;
}

/* Seconds as a decimal with at most 3 places ("30", "0.5"), into ms. */
static int parse_seconds_ms(const char *s, uint32_t *out)
{
    unsigned long long whole = 0, frac = 0, scale = 1000;
    const char *dot = strchr(s, '.');
    char digits[16];
    size_t n = dot ? (size_t)(dot - s) : strlen(s);
    if (n == 0 || n >= sizeof digits) return -1;
    memcpy(digits, s, n);
    digits[n] = '\0';
    if (parse_uint(digits, 1000000, &whole) != 0) return -1;
    if (dot) {
        const char *f = dot + 1;
        if (*f == '\0' || strlen(f) > 3) return -1;
        for (; *f; f++) {
            if (*f < '0' || *f > '9') return -1;
            scale /= 10;
            frac += (unsigned long long)(*f - '0') * scale;
        }
    }
    *out = (uint32_t)(whole * 1000 + frac);
    return 0;
}

/* The long options that take no value and set one field to a constant. */
static const struct {
    const char *name;
    size_t field; /* offset of an int in struct options */
    int value;
    int compress_only;
} long_flags[] = {
    {"favor-decSpeed", offsetof(struct options, favor_dec_speed), 1, 1},
    {"no-frame-crc", offsetof(struct options, content_checksum), 0, 1},
    {"frame-crc", offsetof(struct options, content_checksum), 1, 1},
    {"content-size", offsetof(struct options, content_size), 1, 1},
    {"no-content-size", offsetof(struct options, content_size), 0, 1},
    {"force", offsetof(struct options, force), 1, 0},
    {"verbose", offsetof(struct options, verbosity), 2, 0},
    {"quiet", offsetof(struct options, verbosity), 0, 0},
    {"resume-offset", offsetof(struct options, resume_offset), 1, 0},
};

/* Sets the field of the switch `name` (its first `nlen` characters) as
 * given on the command line in `arg`; -1 when `name` is no such switch. */
static int set_flag(const char *name, size_t nlen, const char *arg, struct options *o)
{
    for (size_t k = 0; k < sizeof long_flags / sizeof long_flags[0]; k++) {
        if (strlen(long_flags[k].name) != nlen || strncmp(name, long_flags[k].name, nlen) != 0) continue;
        *(int *)(void *)((char *)o + long_flags[k].field) = long_flags[k].value;
        if (long_flags[k].compress_only) o->compress_only = arg;
        return 0;
    }
    return -1;
}

/* -T0: as many threads as CPUs are online (at least 1, at most MAX_THREADS). */
static uint32_t online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) return 1;
    return n > MAX_THREADS ? MAX_THREADS : (uint32_t)n;
}

int parse_args(int argc, char **argv, struct options *o)
{
    const char *positional[4];
    int npos = 0, options_done = 0;
    memset(o, 0, sizeof *o);
    o->level = 1;
    o->block_size_id = LZ4FRAMED_BLOCK_SIZE_4MB;
    o->content_checksum = 1;
    o->verbosity = 1;
    o->checkpoint_every = DEFAULT_CHECKPOINT;
    o->stall_timeout_ms = DEFAULT_STALL_TIMEOUT_MS;
    o->retries = DEFAULT_RETRIES;
    o->retry_delay_ms = DEFAULT_RETRY_DELAY_MS;

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
            if (!val && set_flag(name, nlen, a, o) == 0) continue;
#define IS(lit) (nlen == sizeof(lit) - 1 && strncmp(name, lit, nlen) == 0)
            if (IS("help") && !val) {
                usage(stdout);
                return RC_OK;
            } else if (IS("version") && !val) {
                return print_version();
            } else if (IS("fast")) {
                unsigned long long n = 1;
                if (val && (parse_uint(val, 65536, &n) != 0 || n == 0))
                    return fail_usage("--fast needs a number from 1 to 65536, not '%s'", val);
                o->level = -(int32_t)n;
                o->compress_only = a;
            } else if (IS("best") && !val) {
                o->level = 12;
                o->compress_only = a;
            } else if (IS("state")) {
                if (!val) {
                    if (i + 1 >= argc) return fail_usage("--state needs a FILE");
                    val = argv[++i];
                }
                if (*val == '\0') return fail_usage("--state needs a FILE");
                o->state_path = val;
            } else if (IS("stall-timeout")) {
                if (!val || parse_seconds_ms(val, &o->stall_timeout_ms) != 0)
                    return fail_usage("--stall-timeout needs seconds such as 30 or 0.5, not '%s'", val ? val : "");
            } else if (IS("retries") || IS("retry-delay")) {
                unsigned long long n = 0;
                int delay = IS("retry-delay");
                if (!val || parse_uint(val, delay ? 3600000 : 1000000, &n) != 0)
                    return fail_usage("--%s needs a number, not '%s'", delay ? "retry-delay" : "retries", val ? val : "");
                *(delay ? &o->retry_delay_ms : &o->retries) = (uint32_t)n;
            } else if (IS("seek-table")) {
                o->seek_table = DEFAULT_SEEK_SPAN;
                if (val && parse_size(val, &o->seek_table) != 0)
                    return fail_usage("--seek-table needs a size such as 4M or 512K, not '%s'", val);
                if (o->seek_table % KIB != 0 || o->seek_table / KIB > UINT32_MAX)
                    return fail_usage("--seek-table needs a whole number of KiB below 4T, not '%s'", val);
                o->compress_only = a;
            } else if (IS("checkpoint")) {
                if (!val || parse_size(val, &o->checkpoint_every) != 0)
                    return fail_usage("--checkpoint needs a size such as 16M or 512K, not '%s'", val ? val : "");
                if (o->checkpoint_every < 4 * KIB) return fail_usage("--checkpoint must be at least 4K");
            } else if (IS("span")) {
                if (!val || parse_byte_count(val, 0, &o->span) != 0)
                    return fail_usage("--span needs a size such as 4M or 512K, not '%s'", val ? val : "");
            } else if (IS("range")) {
                const char *colon = val ? strchr(val, ':') : NULL;
                char offset[32];
                if (!colon || (size_t)(colon - val) >= sizeof offset)
                    return fail_usage("--range needs OFFSET:LENGTH (e.g. 1G:64K), not '%s'", val ? val : "");
                memcpy(offset, val, (size_t)(colon - val));
                offset[colon - val] = '\0';
                o->range_length = UINT64_MAX;
                if (parse_byte_count(offset, 1, &o->range_offset) != 0 ||
                    (colon[1] != '\0' && parse_byte_count(colon + 1, 1, &o->range_length) != 0))
                    return fail_usage("--range needs OFFSET:LENGTH (e.g. 1G:64K), not '%s'", val);
                o->has_range = 1;
            } else if (IS("index")) {
                if (!val || *val == '\0') return fail_usage("--index needs a FILE (--index=FILE)");
                o->index_path = val;
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
            case 'T': {
                unsigned long long n = 0;
                if (parse_uint(p + 1, MAX_THREADS, &n) != 0)
                    return fail_usage("-T needs a thread count from 0 to %d, not '%s'", MAX_THREADS, a);
                o->workers = (uint32_t)(n == 0 ? online_cpus() : n);
                /* One thread is the caller's alone: no workers. */
                if (o->workers == 1) o->workers = 0;
                p += strlen(p) - 1;
                break;
            }
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
            case 'V': return print_version();
            default: return fail_usage("unknown option '-%c' in '%s'", *p, a);
            }
        }
    }

    if (npos == 0) return fail_usage("no command: use 'compress', 'decompress', 'index' or 'list'");
    if (strcmp(positional[0], "compress") == 0)
        o->command = 'c';
    else if (strcmp(positional[0], "decompress") == 0)
        o->command = 'd';
    else if (strcmp(positional[0], "index") == 0)
        o->command = 'i';
    else if (strcmp(positional[0], "list") == 0)
        o->command = 'l';
    else
        return fail_usage("unknown command '%s': use 'compress', 'decompress', 'index' or 'list'", positional[0]);
    if (o->resume_offset) {
        if (o->command != 'd' || !o->state_path || npos > 1)
            return fail_usage("--resume-offset goes alone with --state FILE: %s decompress --resume-offset --state FILE",
                              PROG);
        return -1;
    }
    if (npos < 2) return fail_usage("no INFILE (use '-' for standard input)");
    if (npos > 3) return fail_usage("too many arguments ('%s')", positional[3]);
    o->in_path = positional[1];
    o->out_path = npos == 3 && strcmp(positional[2], "-") != 0 ? positional[2] : NULL;

    /* Reading ahead and writing behind on threads of their own pay only
     * when a spare core runs them while the coding keeps this one busy:
     * -T1 (the default, and -T0 on one CPU) promises one thread, and there
     * the hand-over between threads costs more than the overlap gives (on
     * a 2-CPU machine, decompressing to a pipe: no faster, sometimes
     * slower, since the reader of the pipe needs the second core). So they
     * come with the workers, from -T2 on, and -T1 runs exactly as before. */
    o->io_threads = o->workers > 0;
    if (o->command == 'l') {
        if (o->compress_only) return fail_usage("option '%s' applies to compress only", o->compress_only);
        if (o->state_path || o->dict_path) return fail_usage("list takes no --state or -D");
        if (o->has_range || o->index_path || o->span) return fail_usage("list takes no --range, --index or --span");
        if (npos > 2) return fail_usage("list takes one INFILE and no OUTFILE ('%s')", positional[2]);
        if (strcmp(o->in_path, "-") == 0) return fail_usage("list needs INFILE to be a file, not standard input");
        if (is_url(o->in_path)) return fail_usage("list needs INFILE to be a regular file, not a URL");
        return -1;
    }
    if (o->command != 'c' && o->compress_only)
        return fail_usage("option '%s' applies to compress only", o->compress_only);
    if (o->command != 'd' && (o->has_range || o->index_path))
        return fail_usage("--range and --index apply to decompress only");
    if (o->span && o->command != 'i' && !o->has_range)
        return fail_usage("--span applies to index and decompress --range only");
    if (o->command == 'i') {
        if (o->state_path || o->dict_path) return fail_usage("--state and -D do not apply to index");
        /* Kept in a static pointer: it lives as long as the options. */
        static char *default_out;
        if (npos < 3) o->out_path = default_out = default_index_path(o->in_path);
    }
    if (o->has_range && (o->state_path || o->dict_path))
        return fail_usage("--range does not combine with --state or -D");
    if (o->index_path && !o->has_range) return fail_usage("--index applies with --range only");
    if (o->state_path) {
        if (o->command == 'c' && strcmp(o->in_path, "-") == 0)
            return fail_usage("compress --state needs INFILE to be a regular file, not standard input");
        /* A stream's checkpoint hashes the input it has just consumed,
         * which decoder workers take far ahead of the state they marshal. */
        if (strcmp(o->in_path, "-") == 0 && o->workers)
            return fail_usage("--state with standard input decodes in one thread: leave out -T");
        if (!o->out_path) return fail_usage("--state needs an OUTFILE, not standard output");
    }
    if (o->command == 'c' && is_url(o->in_path)) return fail_usage("URL input is for decompress only");
    if ((o->command == 'i' || o->has_range) && is_url(o->in_path))
        return fail_usage("index and --range read INFILE at random: it must be a regular file, not a URL");
    return -1;
}
