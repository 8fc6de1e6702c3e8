/* Worker threads as a C program meets them. Two modes:
 *
 *   worker_threads
 *       Several threads at once, each with its own encoder and decoder
 *       running worker threads (objects are independent), then all of them
 *       on one shared decoder through the functions the header marks
 *       Read-only (queries, clone, marshal) while nothing changes it; each
 *       finishes the stream with its own clone. Every result is compared
 *       with the input. scripts/tsan.sh builds this with -fsanitize=thread.
 *
 *   worker_threads spawn-limit none|partial
 *       Lowers the soft RLIMIT_NPROC so that no thread ("none") or only two
 *       more ("partial": the user's tasks counted from /proc, meaningful
 *       when no other process of the user starts threads meanwhile, e.g.
 *       as nobody) can start, expects LZ4FRAMED_ERROR_THREAD_SPAWN from an
 *       encoder with 4 workers and from the one-shot call, and no thread
 *       left over; then raises the limit again and expects the same
 *       encoder to compress the next frame. tests/thread_hygiene.rs runs it
 *       (under valgrind's leak check when available).
 *
 * Exit status 0 when every check holds; otherwise a message on stderr. */
#define _POSIX_C_SOURCE 200809L
#include "lz4framed.h"

#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define FAIL(...)                                                  \
    do {                                                           \
        fprintf(stderr, "worker_threads.c:%d: ", __LINE__);        \
        fprintf(stderr, __VA_ARGS__);                              \
        fputc('\n', stderr);                                       \
        exit(1);                                                   \
    } while (0)
#define CHECK(cond)                                                \
    do {                                                           \
        if (!(cond)) FAIL("check failed: %s", #cond);              \
    } while (0)
#define CHECK_STATUS(expr, want)                                   \
    do {                                                           \
        lz4framed_status got_ = (expr);                            \
        if (got_ != (want))                                        \
            FAIL("%s returned %d (%s), expected %s", #expr, got_,  \
                 lz4framed_status_name(got_), #want);              \
    } while (0)

enum {
    THREADS = 3,
    WORKERS = 2,
    /* More than two 4 MiB jobs, so that the workers run side by side. */
    DATA_SIZE = (9 << 20) + 12345,
    PIECE = 1 << 20
};

static void *checked_malloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (p == NULL) FAIL("out of memory (%zu bytes)", n);
    return p;
}

/* Text-like bytes that compress about 2:1, different for every seed. */
static unsigned char *make_data(uint64_t seed, size_t size) {
    static const char *const words[] = {"frame ", "block ", "worker ", "thread ",
                                        "checksum ", "window ", "\n", "lz4 "};
    unsigned char *data = checked_malloc(size);
    uint64_t x = seed * 0x9E3779B97F4A7C15u + 1;
    size_t at = 0;
    while (at < size) {
        const char *w;
        size_t n;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if (x % 16 == 0) {
            data[at++] = (unsigned char)(x >> 24);
            continue;
        }
        w = words[(x >> 8) % 8];
        n = strlen(w);
        if (n > size - at) n = size - at;
        memcpy(data + at, w, n);
        at += n;
    }
    return data;
}

static lz4framed_preferences prefs_with(uint32_t workers) {
    lz4framed_preferences p;
    memset(&p, 0, sizeof p);
    p.level = 1;
    p.block_size_id = 7; /* 4 MB */
    p.block_independent = 1;
    p.content_checksum = 1;
    p.workers = workers;
    return p;
}

/* Appends `n` bytes to the growing buffer `*buf` of length `*len`. */
static void append(unsigned char **buf, size_t *len, const unsigned char *src, size_t n) {
    unsigned char *grown = realloc(*buf, *len + n + 1);
    if (grown == NULL) FAIL("out of memory");
    memcpy(grown + *len, src, n);
    *buf = grown;
    *len += n;
}

/* Streams `src` through `enc` (begin, 1 MiB updates, end) and returns the
 * status of the first call that fails, or LZ4FRAMED_OK with the frame in
 * `*frame` (malloc'ed) and its length in `*frame_len`. */
static lz4framed_status encode(lz4framed_encoder *enc, const lz4framed_preferences *p,
                               const unsigned char *src, size_t size, unsigned char **frame,
                               size_t *frame_len) {
    size_t room = lz4framed_compress_bound(PIECE, p), written, at;
    unsigned char *out = checked_malloc(room);
    lz4framed_status st;
    *frame = NULL;
    *frame_len = 0;
    st = lz4framed_encoder_begin(enc, out, room, &written);
    if (st != LZ4FRAMED_OK) goto done;
    append(frame, frame_len, out, written);
    for (at = 0; at < size; at += PIECE) {
        size_t n = size - at < PIECE ? size - at : PIECE;
        st = lz4framed_encoder_update(enc, src + at, n, out, room, &written);
        if (st != LZ4FRAMED_OK) goto done;
        append(frame, frame_len, out, written);
    }
    st = lz4framed_encoder_end(enc, out, room, &written);
    if (st == LZ4FRAMED_OK) append(frame, frame_len, out, written);
done:
    free(out);
    if (st != LZ4FRAMED_OK) {
        free(*frame);
        *frame = NULL;
    }
    return st;
}

/* Decodes `frame[from..]` with `dec` into `out` (room for `expected_size`)
 * in 256 KiB pieces and checks that it gives `expected` and ends cleanly. */
static void decode_rest(lz4framed_decoder *dec, const unsigned char *frame, size_t frame_len,
                        size_t from, const unsigned char *expected, size_t expected_size) {
    unsigned char *out = checked_malloc(expected_size + 1);
    size_t produced = 0;
    lz4framed_status st = LZ4FRAMED_NEED_INPUT;
    while (from < frame_len || st == LZ4FRAMED_OUTPUT_FULL) {
        size_t n = frame_len - from < (256u << 10) ? frame_len - from : (256u << 10);
        size_t used = 0, made = 0;
        st = lz4framed_decoder_decompress(dec, frame + from, n, out + produced,
                                          expected_size + 1 - produced, from + n == frame_len,
                                          &used, &made);
        if (lz4framed_is_error(st)) FAIL("decoding: %s", lz4framed_status_name(st));
        CHECK(lz4framed_decoder_worker_threads(dec) <= WORKERS);
        from += used;
        produced += made;
    }
    CHECK_STATUS(st, LZ4FRAMED_OK);
    CHECK(produced == expected_size);
    CHECK(memcmp(out, expected, expected_size) == 0);
    free(out);
}

/* One thread's own objects: an encoder and a decoder with workers, and
 * the one-shot call with workers, checked against 0 workers. */
static void *own_objects(void *arg) {
    uintptr_t seed = (uintptr_t)arg;
    unsigned char *src = make_data(seed, DATA_SIZE), *frame, *serial;
    size_t frame_len, serial_len, oneshot_len;
    lz4framed_preferences p = prefs_with(WORKERS), p0 = prefs_with(0);
    lz4framed_encoder *enc;
    lz4framed_decoder *dec;
    unsigned char *oneshot = checked_malloc(lz4framed_compress_frame_bound(DATA_SIZE, &p));

    CHECK_STATUS(lz4framed_encoder_new(&p, &enc), LZ4FRAMED_OK);
    CHECK_STATUS(encode(enc, &p, src, DATA_SIZE, &frame, &frame_len), LZ4FRAMED_OK);
    lz4framed_encoder_free(enc);
    CHECK_STATUS(lz4framed_encoder_new(&p0, &enc), LZ4FRAMED_OK);
    CHECK_STATUS(encode(enc, &p0, src, DATA_SIZE, &serial, &serial_len), LZ4FRAMED_OK);
    lz4framed_encoder_free(enc);
    /* Independent blocks: byte-identical with and without workers. */
    CHECK(frame_len == serial_len && memcmp(frame, serial, frame_len) == 0);
    CHECK_STATUS(lz4framed_compress(src, DATA_SIZE, oneshot,
                                    lz4framed_compress_frame_bound(DATA_SIZE, &p), &p,
                                    &oneshot_len),
                 LZ4FRAMED_OK);
    CHECK(oneshot_len == serial_len && memcmp(oneshot, serial, serial_len) == 0);

    CHECK_STATUS(lz4framed_decoder_new(0, &dec), LZ4FRAMED_OK);
    CHECK_STATUS(lz4framed_decoder_set_workers(dec, WORKERS), LZ4FRAMED_OK);
    decode_rest(dec, frame, frame_len, 0, src, DATA_SIZE);
    lz4framed_decoder_free(dec);

    free(oneshot);
    free(serial);
    free(frame);
    free(src);
    return NULL;
}

struct shared {
    const lz4framed_decoder *dec;
    const unsigned char *frame, *src;
    size_t frame_len;
    const unsigned char *blob;
    size_t blob_len;
};

/* Read-only use of the shared decoder, then a clone of it finishes the
 * stream on this thread. */
static void *shared_reader(void *arg) {
    const struct shared *s = arg;
    lz4framed_decoder *mine;
    lz4framed_frame_info info;
    void *blob;
    size_t blob_len;
    uint64_t consumed = lz4framed_decoder_input_consumed(s->dec);
    uint64_t produced = lz4framed_decoder_output_produced(s->dec);
    int round;
    for (round = 0; round < 200; round++) {
        CHECK(lz4framed_decoder_input_consumed(s->dec) == consumed);
        CHECK(lz4framed_decoder_output_produced(s->dec) == produced);
        CHECK(lz4framed_decoder_frames_done(s->dec) == 0);
        CHECK(lz4framed_decoder_worker_threads(s->dec) <= WORKERS);
        CHECK(lz4framed_decoder_at_frame_boundary(s->dec) == 0);
        (void)lz4framed_decoder_input_hint(s->dec);
        (void)lz4framed_decoder_memory_usage(s->dec);
        CHECK_STATUS(lz4framed_decoder_frame_info(s->dec, &info), LZ4FRAMED_OK);
        CHECK(info.block_size_id == 7);
    }
    CHECK_STATUS(lz4framed_decoder_marshal_alloc(s->dec, &blob, &blob_len), LZ4FRAMED_OK);
    CHECK(blob_len == s->blob_len && memcmp(blob, s->blob, blob_len) == 0);
    lz4framed_blob_free(blob);
    CHECK_STATUS(lz4framed_decoder_clone(s->dec, &mine), LZ4FRAMED_OK);
    decode_rest(mine, s->frame, s->frame_len, (size_t)consumed, s->src + produced,
                DATA_SIZE - (size_t)produced);
    lz4framed_decoder_free(mine);
    return NULL;
}

static void run_threads(void *(*body)(void *), void *args[THREADS]) {
    pthread_t t[THREADS];
    int i, rc;
    for (i = 0; i < THREADS; i++) {
        rc = pthread_create(&t[i], NULL, body, args[i]);
        if (rc != 0) FAIL("pthread_create: %s", strerror(rc));
    }
    for (i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
}

static void threads_mode(void) {
    void *args[THREADS];
    struct shared s;
    lz4framed_encoder *enc;
    lz4framed_decoder *dec;
    lz4framed_preferences p = prefs_with(WORKERS);
    unsigned char *src = make_data(99, DATA_SIZE), *frame, *out = checked_malloc(DATA_SIZE);
    unsigned char *blob;
    size_t frame_len, used, made, blob_len;
    int i;

    for (i = 0; i < THREADS; i++) args[i] = (void *)(uintptr_t)(i + 1);
    run_threads(own_objects, args);

    CHECK_STATUS(lz4framed_encoder_new(&p, &enc), LZ4FRAMED_OK);
    CHECK_STATUS(encode(enc, &p, src, DATA_SIZE, &frame, &frame_len), LZ4FRAMED_OK);
    lz4framed_encoder_free(enc);
    /* The shared decoder stops mid-frame with part of the output given. */
    CHECK_STATUS(lz4framed_decoder_new(0, &dec), LZ4FRAMED_OK);
    CHECK_STATUS(lz4framed_decoder_set_workers(dec, WORKERS), LZ4FRAMED_OK);
    {
        /* With workers, output of blocks still being decoded may come with a
         * later call: a call without input waits for it. */
        lz4framed_status st = lz4framed_decoder_decompress(dec, frame, frame_len / 2, out, DATA_SIZE / 3, 0,
                                                           &used, &made);
        CHECK(st == LZ4FRAMED_OUTPUT_FULL || st == LZ4FRAMED_NEED_INPUT);
        if (st == LZ4FRAMED_NEED_INPUT) {
            size_t more = 0;
            st = lz4framed_decoder_decompress(dec, NULL, 0, out + made, DATA_SIZE / 3 - made, 0, &used, &more);
            CHECK(st == LZ4FRAMED_OUTPUT_FULL || st == LZ4FRAMED_NEED_INPUT);
            made += more;
        }
        CHECK(made > 0);
    }
    CHECK(memcmp(out, src, made) == 0);
    CHECK_STATUS(lz4framed_decoder_marshal_size(dec, &blob_len), LZ4FRAMED_OK);
    blob = checked_malloc(blob_len);
    CHECK_STATUS(lz4framed_decoder_marshal(dec, blob, blob_len, &blob_len), LZ4FRAMED_OK);
    s.dec = dec;
    s.frame = frame;
    s.frame_len = frame_len;
    s.src = src;
    s.blob = blob;
    s.blob_len = blob_len;
    for (i = 0; i < THREADS; i++) args[i] = &s;
    run_threads(shared_reader, args);
    /* The original still finishes the stream itself. */
    decode_rest(dec, frame, frame_len, (size_t)lz4framed_decoder_input_consumed(dec),
                src + lz4framed_decoder_output_produced(dec),
                DATA_SIZE - (size_t)lz4framed_decoder_output_produced(dec));
    lz4framed_decoder_free(dec);
    free(blob);
    free(frame);
    free(out);
    free(src);
    printf("worker_threads: %d threads with their own objects, %d readers of a shared decoder: ok\n",
           THREADS, THREADS);
}

static long task_count(void) {
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    long n = 0;
    if (d == NULL) FAIL("cannot open /proc/self/task");
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

/* The thread count once the kernel has reaped the joined threads (a
 * joined thread may still be listed for a moment). */
static long settled_task_count(long want) {
    struct timespec pause = {0, 10 * 1000 * 1000};
    long n = task_count();
    int i;
    for (i = 0; i < 300 && n != want; i++) {
        nanosleep(&pause, NULL);
        n = task_count();
    }
    return n;
}

/* Threads of all processes of this process's real user: what
 * RLIMIT_NPROC is checked against. */
static long user_tasks(void) {
    DIR *d = opendir("/proc");
    struct dirent *e;
    long n = 0;
    char path[300], line[256];
    if (d == NULL) FAIL("cannot open /proc");
    while ((e = readdir(d)) != NULL) {
        FILE *f;
        long uid = -1, threads = 0;
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
        f = fopen(path, "r");
        if (f == NULL) continue; /* the process has ended */
        while (fgets(line, sizeof line, f) != NULL) {
            if (strncmp(line, "Uid:", 4) == 0) uid = strtol(line + 4, NULL, 10);
            if (strncmp(line, "Threads:", 8) == 0) threads = strtol(line + 8, NULL, 10);
        }
        fclose(f);
        if (uid == (long)getuid()) n += threads;
    }
    closedir(d);
    return n;
}

/* The thread count once it has stayed the same for 200 ms (threads just
 * joined are reaped by then). */
static long steady_task_count(void) {
    struct timespec pause = {0, 10 * 1000 * 1000};
    long last = task_count(), n;
    int same = 0;
    while (same < 20) {
        nanosleep(&pause, NULL);
        n = task_count();
        same = n == last ? same + 1 : 0;
        last = n;
    }
    return last;
}

static void set_soft_nproc(rlim_t soft) {
    struct rlimit r;
    CHECK(getrlimit(RLIMIT_NPROC, &r) == 0);
    r.rlim_cur = soft == RLIM_INFINITY ? r.rlim_max : soft;
    CHECK(setrlimit(RLIMIT_NPROC, &r) == 0);
}

static void spawn_limit_mode(const char *how) {
    lz4framed_preferences p = prefs_with(4);
    lz4framed_encoder *enc;
    unsigned char *src = make_data(7, DATA_SIZE), *frame;
    void *decoded;
    unsigned char *dst = checked_malloc(lz4framed_compress_frame_bound(DATA_SIZE, &p));
    size_t frame_len, n;
    long base;

    /* Workers once before the limit: whatever a runtime starts along with
     * the first threads (ThreadSanitizer's helper thread and symbolizer
     * process) is then running, and counted in the base. */
    CHECK_STATUS(lz4framed_compress(src, DATA_SIZE, dst,
                                    lz4framed_compress_frame_bound(DATA_SIZE, &p), &p, &n),
                 LZ4FRAMED_OK);
    base = steady_task_count();
    if (strcmp(how, "none") == 0) {
        set_soft_nproc(1);
    } else if (strcmp(how, "partial") == 0) {
        set_soft_nproc((rlim_t)user_tasks() + 2);
    } else {
        FAIL("spawn-limit takes none or partial, not %s", how);
    }
    CHECK_STATUS(lz4framed_encoder_new(&p, &enc), LZ4FRAMED_OK);
    CHECK_STATUS(encode(enc, &p, src, DATA_SIZE, &frame, &frame_len),
                 LZ4FRAMED_ERROR_THREAD_SPAWN);
    CHECK(strcmp(lz4framed_status_name(LZ4FRAMED_ERROR_THREAD_SPAWN),
                 "LZ4FRAMED_ERROR_THREAD_SPAWN") == 0);
    CHECK(settled_task_count(base) == base);
    /* Still refused for the next frame while the limit holds. */
    CHECK_STATUS(encode(enc, &p, src, DATA_SIZE, &frame, &frame_len),
                 LZ4FRAMED_ERROR_THREAD_SPAWN);
    CHECK_STATUS(lz4framed_compress(src, DATA_SIZE, dst,
                                    lz4framed_compress_frame_bound(DATA_SIZE, &p), &p, &n),
                 LZ4FRAMED_ERROR_THREAD_SPAWN);
    CHECK(settled_task_count(base) == base);

    /* Limit lifted: the same encoder starts its workers and compresses. */
    set_soft_nproc(RLIM_INFINITY);
    CHECK_STATUS(encode(enc, &p, src, DATA_SIZE, &frame, &frame_len), LZ4FRAMED_OK);
    CHECK(settled_task_count(base + 4) == base + 4);
    lz4framed_encoder_free(enc);
    CHECK(settled_task_count(base) == base);
    CHECK_STATUS(lz4framed_decompress_alloc(frame, frame_len, &decoded, &n),
                 LZ4FRAMED_OK);
    CHECK(n == DATA_SIZE && memcmp(decoded, src, n) == 0);
    lz4framed_blob_free(decoded);
    free(frame);
    free(dst);
    free(src);
    printf("worker_threads: spawn-limit %s: LZ4FRAMED_ERROR_THREAD_SPAWN, no thread left, "
           "recovered: ok\n",
           how);
}

int main(int argc, char **argv) {
    if (argc == 1) {
        threads_mode();
    } else if (argc == 3 && strcmp(argv[1], "spawn-limit") == 0) {
        spawn_limit_mode(argv[2]);
    } else {
        FAIL("usage: %s [spawn-limit none|partial]", argv[0]);
    }
    return 0;
}
