/* Random access from C: lz4framed_index_build, lz4framed_seekable_* over a
 * positional callback, random reads checked against the original, four
 * threads reading one handle at once, and the errors: NULL arguments, a
 * failing callback, a stale or damaged index, a file without a table. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"

#include <pthread.h>
#include <stddef.h>

#define DATA_SIZE (1500u * 1024u)
#define THREADS 4

static unsigned char *original;
static unsigned char *file;
static size_t file_size;

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

static unsigned next(unsigned *state) {
    *state = *state * 1103515245u + 12345u;
    return *state >> 8;
}

/* `count` random reads (some past the end) compared with the original. */
static void random_reads(const lz4framed_seekable *s, unsigned seed, int count) {
    unsigned char *buf = (unsigned char *)xmalloc(200000);
    int i;
    for (i = 0; i < count; i++) {
        size_t offset = next(&seed) % (DATA_SIZE + 100), len = next(&seed) % 200000, got = 7;
        size_t want = offset >= DATA_SIZE ? 0 : (DATA_SIZE - offset < len ? DATA_SIZE - offset : len);
        CHECK_OK(lz4framed_seekable_read_at(s, offset, buf, len, &got));
        CHECK(got == want);
        CHECK(got == 0 || memcmp(buf, original + offset, got) == 0);
    }
    free(buf);
}

struct job {
    const lz4framed_seekable *s;
    unsigned seed;
};

static void *thread_reads(void *arg) {
    const struct job *j = (const struct job *)arg;
    random_reads(j->s, j->seed, 60);
    return NULL;
}

static void reads_from_threads(const lz4framed_seekable *s) {
    pthread_t threads[THREADS];
    struct job jobs[THREADS];
    int i;
    for (i = 0; i < THREADS; i++) {
        jobs[i].s = s;
        jobs[i].seed = 1000u + (unsigned)i;
        CHECK(pthread_create(&threads[i], NULL, thread_reads, &jobs[i]) == 0);
    }
    for (i = 0; i < THREADS; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
    }
}

static void indexed_reads(unsigned independent) {
    struct source src;
    lz4framed_seekable *s = NULL;
    void *index = NULL;
    size_t index_size = 0;
    make_file(independent);
    src.data = file;
    src.size = file_size;
    src.fail_at = 0;

    CHECK_OK(lz4framed_index_build(source_read_at, &src, file_size, 200000, &index, &index_size));
    CHECK(index_size > 56 && memcmp(index, "L4SI", 4) == 0);
    CHECK_OK(lz4framed_seekable_with_index(source_read_at, &src, file_size, index, index_size, &s));
    CHECK(lz4framed_seekable_size(s) == DATA_SIZE);
    CHECK(lz4framed_seekable_restart_points(s) >= 5);
    random_reads(s, 1u + independent, 100);
    reads_from_threads(s);
    lz4framed_seekable_free(s);

    /* The same through an index built on the spot, and through open. */
    CHECK_OK(lz4framed_seekable_build(source_read_at, &src, file_size, 0, &s));
    random_reads(s, 3u, 40);
    lz4framed_seekable_free(s);
    CHECK_OK(lz4framed_seekable_open(source_read_at, &src, file_size, &s));
    random_reads(s, 4u, 40);
    lz4framed_seekable_free(s);

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
    original = make_data(DATA_SIZE, 77);
    indexed_reads(1);
    indexed_reads(0);
    FREE_ALL(original, file);
    report("seekable");
    return 0;
}
