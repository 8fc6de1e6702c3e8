/* Random access from C: lz4framed_index_build, lz4framed_seekable_* over a
 * positional callback, and at least 10,000 random reads checked against
 * the original: over every block size (64 KiB, 256 KiB, 1 MiB, 4 MiB) in
 * independent and linked mode (concatenated frames with a skippable frame
 * between, full blocks and flushed short ones), and over a file of
 * skippable, legacy, empty and mixed frames; ranges are drawn so that they
 * start near and cross block and frame boundaries and the end. Then four
 * threads reading one handle at once, and the errors: NULL arguments, a
 * failing callback, a stale or damaged index, a file without a table. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"

#include <pthread.h>
#include <stddef.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define HAVE_VALGRIND_H 1
#endif
#endif

#define DATA_SIZE (1500u * 1024u)
#define THREADS 4
/* The random reads of a plain run, over all configurations together. */
#define MIN_READS 10000ul
/* The longest read: crosses several blocks of 64 KiB and many restart
 * points 16-64 KiB apart. */
#define MAX_READ (320u * 1024u)
/* Guard bytes after a read's buffer: nothing may be written there. */
#define GUARD 16u
#define SENTINEL 0xA5

static unsigned char *original;
static unsigned char *file;
static size_t file_size;

/* Under valgrind (about 50 times slower) the random reads are cut to a
 * tenth so that its run stays well under a minute (about 15 s); the plain run does
 * them all and checks that they reach MIN_READS. Detected by the client
 * request of valgrind.h where installed, else by the preloaded libraries
 * valgrind puts in LD_PRELOAD. */
static unsigned read_divisor = 1;

static int on_valgrind(void) {
#ifdef HAVE_VALGRIND_H
    if (RUNNING_ON_VALGRIND) return 1;
#endif
    {
        const char *preload = getenv("LD_PRELOAD");
        return preload != NULL && strstr(preload, "vgpreload") != NULL;
    }
}

static unsigned long total_reads;

/* A file in memory; reads at or beyond `fail_at` (if nonzero) fail. */
struct source {
    const unsigned char *data;
    size_t size, fail_at;
};

static lz4framed_status source_read_at(void *user, uint64_t offset, void *buf, size_t capacity,
                                       size_t *read) {
    const struct source *s = (const struct source *)user;
    size_t n;
    if (s->fail_at && offset + capacity >= s->fail_at) return LZ4FRAMED_ERROR_INTERNAL;
    if (offset >= s->size) {
        *read = 0;
        return LZ4FRAMED_OK;
    }
    n = s->size - (size_t)offset;
    if (n > capacity) n = capacity;
    /* Short reads now and then: the library must ask again. */
    if (n > 5000 && offset % 3 == 0) n = 5000;
    memcpy(buf, s->data + offset, n);
    *read = n;
    return LZ4FRAMED_OK;
}

static unsigned next(unsigned *state) {
    *state = *state * 1103515245u + 12345u;
    return *state >> 8;
}

/* ---- Files built piece by piece, with what they decompress to ---- */

/* A growing byte buffer. */
struct bytes {
    unsigned char *data;
    size_t size, capacity;
};

static unsigned char *bytes_room(struct bytes *b, size_t more) {
    if (b->size + more > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 65536;
        unsigned char *grown;
        while (capacity < b->size + more) capacity *= 2;
        grown = (unsigned char *)realloc(b->data, capacity);
        if (grown == NULL) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        b->data = grown;
        b->capacity = capacity;
    }
    return b->data + b->size;
}

static void bytes_add(struct bytes *b, const void *src, size_t n) {
    memcpy(bytes_room(b, n), src, n);
    b->size += n;
}

static void bytes_le32(struct bytes *b, uint32_t v) {
    put_le32(bytes_room(b, 4), v);
    b->size += 4;
}

/* A compressed file, its content, and the decompressed offsets where
 * blocks and frames begin (where reads are aimed at and across). */
struct test_file {
    const char *name;
    struct bytes compressed, content;
    size_t *points;
    size_t point_count, point_capacity;
    unsigned frames;
};

static void add_point(struct test_file *f, size_t at) {
    if (f->point_count == f->point_capacity) {
        size_t capacity = f->point_capacity ? 2 * f->point_capacity : 64;
        size_t *grown = (size_t *)realloc(f->points, capacity * sizeof *grown);
        if (grown == NULL) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        f->points = grown;
        f->point_capacity = capacity;
    }
    f->points[f->point_count++] = at;
}

static void free_test_file(struct test_file *f) {
    FREE_ALL(f->compressed.data, f->content.data, f->points);
    memset(f, 0, sizeof *f);
}

static size_t block_bytes(unsigned block_size_id) {
    return (size_t)64 * 1024 << (2 * (block_size_id - 4));
}

static void add_skippable(struct test_file *f, unsigned nibble, size_t payload) {
    bytes_le32(&f->compressed, 0x184D2A50u + nibble);
    bytes_le32(&f->compressed, (uint32_t)payload);
    memset(bytes_room(&f->compressed, payload), 0xEE, payload);
    f->compressed.size += payload;
    add_point(f, f->content.size);
}

/* An LZ4 frame of `data` made by the streaming encoder: `chunked` feeds it
 * in random pieces and flushes after some (short blocks of any length),
 * otherwise in one piece (full blocks). */
static void add_frame(struct test_file *f, const unsigned char *data, size_t size,
                      unsigned block_size_id, unsigned independent, unsigned checksums,
                      int chunked, unsigned seed) {
    lz4framed_preferences p;
    lz4framed_encoder *enc = NULL;
    size_t written, at = 0, in_block = 0, bmax = block_bytes(block_size_id);
    size_t base = f->content.size;
    memset(&p, 0, sizeof p);
    p.block_size_id = block_size_id;
    p.block_independent = independent;
    p.block_checksum = checksums;
    p.content_checksum = checksums;
    p.content_size_flag = !checksums;
    p.content_size = size;
    CHECK_OK(lz4framed_encoder_new(&p, &enc));
    CHECK_OK(lz4framed_encoder_begin(enc, bytes_room(&f->compressed, LZ4FRAMED_MAX_HEADER_SIZE),
                                     LZ4FRAMED_MAX_HEADER_SIZE, &written));
    f->compressed.size += written;
    add_point(f, base);
    f->frames++;
    while (at < size) {
        size_t n = chunked ? 1 + next(&seed) % 150000 : size, bound, step;
        if (n > size - at) n = size - at;
        bound = lz4framed_compress_bound(n, &p);
        CHECK_OK(lz4framed_encoder_update(enc, data + at, n, bytes_room(&f->compressed, bound),
                                          bound, &written));
        f->compressed.size += written;
        /* Where the encoder cut full blocks. */
        for (step = n; in_block + step >= bmax;) {
            step -= bmax - in_block;
            in_block = 0;
            add_point(f, base + at + n - step);
        }
        in_block += step;
        at += n;
        if (chunked && next(&seed) % 3 == 0 && at < size) {
            bound = lz4framed_compress_bound(0, &p);
            CHECK_OK(lz4framed_encoder_flush(enc, bytes_room(&f->compressed, bound), bound,
                                             &written));
            f->compressed.size += written;
            if (in_block) add_point(f, base + at);
            in_block = 0;
        }
    }
    {
        size_t bound = lz4framed_compress_bound(0, &p);
        CHECK_OK(lz4framed_encoder_end(enc, bytes_room(&f->compressed, bound), bound, &written));
        f->compressed.size += written;
    }
    lz4framed_encoder_free(enc);
    bytes_add(&f->content, data, size);
}

/* A frame of no content. */
static void add_empty_frame(struct test_file *f) {
    lz4framed_preferences p;
    size_t n, cap;
    memset(&p, 0, sizeof p);
    p.content_checksum = 1;
    cap = lz4framed_compress_frame_bound(0, &p);
    CHECK_OK(lz4framed_compress(NULL, 0, bytes_room(&f->compressed, cap), cap, &p, &n));
    f->compressed.size += n;
    add_point(f, f->content.size);
}

/* A legacy frame (`lz4 -l` format) of `data` in blocks of at most
 * `block_size_id`'s size: the blocks of an independent-block frame, each
 * behind its 4-byte length; a block the encoder stored uncompressed
 * becomes an LZ4 block of literals only. Returns how many did. */
static unsigned add_legacy_frame(struct test_file *f, const unsigned char *data, size_t size,
                             unsigned block_size_id) {
    lz4framed_preferences p;
    size_t cap, n, at, done = 0;
    unsigned char *frame;
    unsigned stored = 0;
    memset(&p, 0, sizeof p);
    p.block_size_id = block_size_id;
    p.block_independent = 1;
    cap = lz4framed_compress_frame_bound(size, &p);
    frame = (unsigned char *)xmalloc(cap);
    CHECK_OK(lz4framed_compress(data, size, frame, cap, &p, &n));
    /* Magic, FLG, BD, HC: no content size, checksums or dictionary. */
    CHECK(n > 7 && frame[4] == 0x60);
    bytes_le32(&f->compressed, 0x184C2102u);
    for (at = 7;;) {
        uint32_t word = (uint32_t)frame[at] | (uint32_t)frame[at + 1] << 8 |
                        (uint32_t)frame[at + 2] << 16 | (uint32_t)frame[at + 3] << 24;
        size_t len = word & 0x7FFFFFFFu;
        at += 4;
        if (word == 0) break;
        add_point(f, f->content.size + done);
        if (word & 0x80000000u) {
            /* Literals only: the token's high nibble 15, then the rest of
             * the length in bytes of 255 and a last one below it. */
            size_t rest = len - 15, header = 1 + rest / 255 + 1, i;
            unsigned char *out;
            CHECK(len >= 15);
            bytes_le32(&f->compressed, (uint32_t)(header + len));
            out = bytes_room(&f->compressed, header + len);
            out[0] = 0xF0;
            for (i = 1; i < header - 1; i++) out[i] = 255;
            out[header - 1] = (unsigned char)(rest % 255);
            memcpy(out + header, frame + at, len);
            f->compressed.size += header + len;
            stored++;
        } else {
            bytes_le32(&f->compressed, (uint32_t)len);
            bytes_add(&f->compressed, frame + at, len);
        }
        done += block_bytes(block_size_id);
        at += len;
    }
    CHECK(at == n);
    free(frame);
    bytes_add(&f->content, data, size);
    return stored;
}

/* ---- Random reads ---- */

/* `count` random reads through `s`, each compared with `f`'s content: the
 * bytes, the count (all asked for unless the content ends first; 0 at and
 * past the end), nothing written after the buffer.
 * Offsets: a third near a block or frame start (a few bytes either side),
 * some near and past the end, the rest anywhere; lengths: 0, a few bytes,
 * up to 64 KiB, up to MAX_READ, and to or beyond the end. */
static void random_reads(const lz4framed_seekable *s, const struct test_file *f, unsigned seed,
                         unsigned long count) {
    unsigned char *buf = (unsigned char *)xmalloc(MAX_READ + GUARD);
    const unsigned char *content = f->content.data;
    size_t total = f->content.size;
    unsigned long i;
    const unsigned first_seed = seed;
    CHECK(lz4framed_seekable_size(s) == total);
    for (i = 0; i < count; i++) {
        size_t offset, len, want, got = (size_t)-1, k;
        unsigned pick = next(&seed) % 100;
        if (pick < 35) {
            size_t point = f->points[next(&seed) % f->point_count], delta = next(&seed) % 81;
            offset = point + delta >= 40 ? point + delta - 40 : 0;
        } else if (pick < 42) {
            offset = total - (total < 300 ? total : next(&seed) % 300);
        } else if (pick < 45) {
            offset = total + next(&seed) % 100;
        } else {
            offset = next(&seed) % (total + 1);
        }
        pick = next(&seed) % 100;
        if (pick < 4) {
            len = 0;
        } else if (pick < 20) {
            len = 1 + next(&seed) % 16;
        } else if (pick < 75) {
            len = 1 + next(&seed) % 65536;
        } else if (pick < 90) {
            len = 1 + next(&seed) % MAX_READ;
        } else {
            len = (offset < total ? total - offset : 0) + next(&seed) % 50;
            if (len > MAX_READ) len = MAX_READ;
        }
        want = offset >= total ? 0 : (total - offset < len ? total - offset : len);
        memset(buf, SENTINEL, len + GUARD);
        CHECK_OK(lz4framed_seekable_read_at(s, offset, buf, len, &got));
        if (got != want || (got && memcmp(buf, content + offset, got) != 0)) {
            fprintf(stderr, "%s: read %lu of seed %u at %lu + %lu: got %lu bytes, want %lu%s\n",
                    f->name, i, first_seed, (unsigned long)offset, (unsigned long)len,
                    (unsigned long)got, (unsigned long)want,
                    got == want ? ", different bytes" : "");
            exit(1);
        }
        /* Only the bytes after the buffer: those between the count and
         * the capacity may be overwritten (LZ4 decodes a block straight
         * into the caller's buffer and copies in wide steps within it). */
        for (k = len; k < len + GUARD; k++) {
            if (buf[k] != SENTINEL) {
                fprintf(stderr, "%s: read at %lu + %lu wrote byte %lu, after the buffer\n",
                        f->name, (unsigned long)offset, (unsigned long)len, (unsigned long)k);
                exit(1);
            }
        }
        checks_passed++;
    }
    /* A NULL buffer of no capacity reads nothing, anywhere. */
    {
        size_t got = 7;
        CHECK_OK(lz4framed_seekable_read_at(s, total / 2, NULL, 0, &got));
        CHECK(got == 0);
    }
    free(buf);
}

/* Reads through the three ways to open a file without a table: a sidecar
 * index of restart points every `span` bytes (checkpoints in linked
 * frames), an index built by the handle (every `span2`), and open (every
 * LZ4FRAMED_SEEK_DEFAULT_SPAN); `reads` in all, most through the first. */
static void reads_of(struct test_file *f, uint64_t span, uint64_t span2, unsigned long reads,
                     unsigned seed) {
    struct source src;
    lz4framed_seekable *s = NULL;
    void *index = NULL;
    size_t index_size = 0;
    unsigned long through_index = reads * 6 / 10, through_build = reads * 3 / 10;
    uint64_t points;
    src.data = f->compressed.data;
    src.size = f->compressed.size;
    src.fail_at = 0;
    reads /= read_divisor;
    through_index /= read_divisor;
    through_build /= read_divisor;

    CHECK_OK(lz4framed_index_build(source_read_at, &src, src.size, span, &index, &index_size));
    CHECK_OK(lz4framed_seekable_with_index(source_read_at, &src, src.size, index, index_size, &s));
    lz4framed_blob_free(index);
    points = lz4framed_seekable_restart_points(s);
    /* Points inside frames too (checkpoints in linked ones). */
    CHECK(points > f->frames);
    random_reads(s, f, seed, through_index);
    total_reads += reads;
    lz4framed_seekable_free(s);

    CHECK_OK(lz4framed_seekable_build(source_read_at, &src, src.size, span2, &s));
    CHECK(lz4framed_seekable_restart_points(s) > f->frames);
    random_reads(s, f, seed + 1, through_build);
    lz4framed_seekable_free(s);

    CHECK_OK(lz4framed_seekable_open(source_read_at, &src, src.size, &s));
    random_reads(s, f, seed + 2, reads - through_index - through_build);
    lz4framed_seekable_free(s);
    printf("%s: %lu random reads (restart points %lu)\n", f->name, reads, (unsigned long)points);
}

static const char *const size_names[] = {"64KB", "256KB", "1MB", "4MB"};
/* Random reads per mode of each block size: fewer where every read costs
 * more (a decoder for a larger block, longer stretches). */
static const unsigned long size_reads[] = {1400, 1200, 1000, 800};

/* Every block size in both modes: two frames of the configuration with a
 * skippable frame between, the first in full blocks (checksums on), the
 * second fed in pieces with flushes (content size declared). */
static void every_block_size_and_mode(void) {
    static char names[8][40];
    unsigned id, independent;
    size_t size = 1200u * 1024u, first = size * 3 / 5;
    unsigned char *data = make_data(size, 91);
    for (id = 4; id <= 7; id++) {
        for (independent = 0; independent <= 1; independent++) {
            struct test_file f;
            unsigned config = (id - 4) * 2 + independent;
            memset(&f, 0, sizeof f);
            sprintf(names[config], "%s %s", size_names[id - 4],
                    independent ? "independent" : "linked");
            f.name = names[config];
            add_frame(&f, data, first, id, independent, 1, 0, 0);
            add_skippable(&f, config, 100 + config);
            add_frame(&f, data + first, size - first, id, independent, 0, 1, 17u + config);
            /* Spans of 16, 32 and 64 KiB: points between blocks of 64 KiB,
             * at every flushed block of the larger sizes. */
            reads_of(&f, (uint64_t)16384 << (config % 3), 40000, size_reads[id - 4], 100u * config);
            free_test_file(&f);
        }
    }
    free(data);
}

/* Reads on one handle from several threads at once. */
struct job {
    const lz4framed_seekable *s;
    const struct test_file *f;
    unsigned seed;
    unsigned long reads;
};

static void *thread_reads(void *arg) {
    const struct job *j = (const struct job *)arg;
    random_reads(j->s, j->f, j->seed, j->reads);
    return NULL;
}

static void reads_from_threads(const lz4framed_seekable *s, const struct test_file *f,
                               unsigned long reads) {
    pthread_t threads[THREADS];
    struct job jobs[THREADS];
    int i;
    for (i = 0; i < THREADS; i++) {
        jobs[i].s = s;
        jobs[i].f = f;
        jobs[i].seed = 1000u + (unsigned)i;
        jobs[i].reads = reads / read_divisor;
        CHECK(pthread_create(&threads[i], NULL, thread_reads, &jobs[i]) == 0);
    }
    for (i = 0; i < THREADS; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
    }
    total_reads += THREADS * (reads / read_divisor);
    printf("%s: %d threads of %lu random reads\n", f->name, THREADS, reads / read_divisor);
}

/* A file of every kind of frame: skippable ones (first, between, last,
 * of no payload), legacy (two in a row, one of stored blocks, and one
 * last), independent and linked frames of 64 KiB, 256 KiB and 1 MiB
 * blocks, with and without checksums and content size, and an empty one. */
static void mixed_frames(void) {
    struct test_file f;
    unsigned char *a = make_data(1100u * 1024u, 92), *stored = (unsigned char *)xmalloc(70000);
    unsigned seed = 5;
    size_t i;
    for (i = 0; i < 70000; i++) stored[i] = (unsigned char)(next(&seed) >> 4);
    memset(&f, 0, sizeof f);
    f.name = "skippable, legacy and concatenated frames";
    add_skippable(&f, 3, 23);
    add_frame(&f, a, 300000, 4, 1, 1, 1, 1);
    add_skippable(&f, 0, 1000);
    CHECK(add_legacy_frame(&f, a + 300000, 140000, 4) == 0);
    CHECK(add_legacy_frame(&f, stored, 70000, 4) == 2);
    add_frame(&f, a + 440000, 410000, 5, 0, 1, 1, 2);
    add_empty_frame(&f);
    add_skippable(&f, 9, 0);
    add_frame(&f, a + 850000, 100000, 6, 0, 0, 0, 3);
    add_frame(&f, a + 950000, 1100u * 1024u - 950000, 5, 1, 0, 1, 4);
    CHECK(add_legacy_frame(&f, a, 30000, 4) == 0);
    add_skippable(&f, 15, 12);
    reads_of(&f, 24000, 48000, 1000, 7);

    /* Threads reading one handle at once, all over the file. */
    {
        struct source src;
        lz4framed_seekable *s = NULL;
        src.data = f.compressed.data;
        src.size = f.compressed.size;
        src.fail_at = 0;
        CHECK_OK(lz4framed_seekable_build(source_read_at, &src, src.size, 32768, &s));
        reads_from_threads(s, &f, 50);
        lz4framed_seekable_free(s);
    }
    free_test_file(&f);
    FREE_ALL(a, stored);
}

/* ---- One file of 64 KiB blocks: threads and errors ---- */

static void make_file(unsigned independent) {
    lz4framed_preferences p;
    size_t cap;
    memset(&p, 0, sizeof p);
    p.block_size_id = 4;
    p.block_independent = independent;
    p.block_checksum = 1;
    p.content_checksum = 1;
    cap = lz4framed_compress_frame_bound(DATA_SIZE, &p);
    free(file);
    file = (unsigned char *)xmalloc(cap);
    CHECK_OK(lz4framed_compress(original, DATA_SIZE, file, cap, &p, &file_size));
}

static void indexed_reads(unsigned independent) {
    struct source src;
    struct test_file f;
    lz4framed_seekable *s = NULL;
    void *index = NULL;
    size_t index_size = 0;
    make_file(independent);
    src.data = file;
    src.size = file_size;
    src.fail_at = 0;
    memset(&f, 0, sizeof f);
    f.name = independent ? "threads, independent" : "threads, linked";
    bytes_add(&f.content, original, DATA_SIZE);
    add_point(&f, 0);

    CHECK_OK(lz4framed_index_build(source_read_at, &src, file_size, 200000, &index, &index_size));
    CHECK(index_size > 56 && memcmp(index, "L4SI", 4) == 0);
    CHECK_OK(lz4framed_seekable_with_index(source_read_at, &src, file_size, index, index_size, &s));
    CHECK(lz4framed_seekable_size(s) == DATA_SIZE);
    CHECK(lz4framed_seekable_restart_points(s) >= 5);
    reads_from_threads(s, &f, 100);
    lz4framed_seekable_free(s);
    free_test_file(&f);

    /* Errors. */
    s = (lz4framed_seekable *)&src; /* must stay untouched */
    CHECK_STATUS(lz4framed_seekable_with_table(source_read_at, &src, file_size, &s),
                 LZ4FRAMED_ERROR_SEEK_MAGIC);
    CHECK(s == (lz4framed_seekable *)&src);
    CHECK_STATUS(lz4framed_seekable_with_index(source_read_at, &src, file_size - 1, index,
                                               index_size, &s),
                 LZ4FRAMED_ERROR_SEEK_STALE);
    ((unsigned char *)index)[60] ^= 1;
    CHECK_STATUS(lz4framed_seekable_with_index(source_read_at, &src, file_size, index, index_size, &s),
                 LZ4FRAMED_ERROR_SEEK_CHECKSUM);
    CHECK_STATUS(lz4framed_seekable_with_index(source_read_at, &src, file_size, index, 20, &s),
                 LZ4FRAMED_ERROR_SEEK_TRUNCATED);
    CHECK_STATUS(lz4framed_seekable_with_index(source_read_at, &src, file_size, NULL, 20, &s),
                 LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_seekable_open(NULL, &src, file_size, &s), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_seekable_open(source_read_at, &src, file_size, NULL),
                 LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_index_build(source_read_at, &src, file_size, 0, NULL, &index_size),
                 LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK(s == (lz4framed_seekable *)&src);
    lz4framed_blob_free(index);

    /* A callback that fails: while building, and while reading. */
    src.fail_at = file_size / 2;
    CHECK_STATUS(lz4framed_seekable_open(source_read_at, &src, file_size, &s),
                 LZ4FRAMED_ERROR_READER_FAILED);
    src.fail_at = 0;
    CHECK_OK(lz4framed_seekable_build(source_read_at, &src, file_size, 100000, &s));
    src.fail_at = file_size / 2;
    {
        unsigned char buf[1000];
        size_t got = 12345;
        CHECK_STATUS(lz4framed_seekable_read_at(s, DATA_SIZE - 2000, buf, sizeof buf, &got),
                     LZ4FRAMED_ERROR_READER_FAILED);
        CHECK(got == 12345);
        src.fail_at = 0;
        /* Usable again once the source is. */
        CHECK_OK(lz4framed_seekable_read_at(s, DATA_SIZE - 2000, buf, sizeof buf, &got));
        CHECK(got == sizeof buf && memcmp(buf, original + DATA_SIZE - 2000, got) == 0);
        CHECK_OK(lz4framed_seekable_read_at(s, DATA_SIZE, buf, sizeof buf, &got));
        CHECK(got == 0);
        CHECK_STATUS(lz4framed_seekable_read_at(NULL, 0, buf, sizeof buf, &got),
                     LZ4FRAMED_ERROR_NULL_ARGUMENT);
        CHECK_STATUS(lz4framed_seekable_read_at(s, 0, NULL, sizeof buf, &got),
                     LZ4FRAMED_ERROR_NULL_ARGUMENT);
        CHECK_STATUS(lz4framed_seekable_read_at(s, 0, buf, sizeof buf, NULL),
                     LZ4FRAMED_ERROR_NULL_ARGUMENT);
    }
    lz4framed_seekable_free(s);
    lz4framed_seekable_free(NULL);
    CHECK(lz4framed_seekable_size(NULL) == 0);
}

int main(void) {
    if (on_valgrind()) read_divisor = 10;
    original = make_data(DATA_SIZE, 77);
    every_block_size_and_mode();
    mixed_frames();
    indexed_reads(1);
    indexed_reads(0);
    FREE_ALL(original, file);
    printf("seekable: %lu random reads in all%s\n", total_reads,
           read_divisor > 1 ? " (cut down under valgrind)" : "");
    CHECK(read_divisor > 1 || total_reads >= MIN_READS);
    report("seekable");
    return 0;
}
