/* Shared helpers of the C test programs: checks that report where they
 * failed, reproducible test data, and a little-endian store for frames
 * written by hand. Header-only so each program is one
 * translation unit. */
#ifndef LZ4FRAMED_TEST_CHECK_H
#define LZ4FRAMED_TEST_CHECK_H

#include "lz4framed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long checks_passed = 0;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                 \
        }                                                                            \
        checks_passed++;                                                             \
    } while (0)

/* Compares statuses by name, so a failure says what came back. */
#define CHECK_STATUS(expr, expected)                                                 \
    do {                                                                             \
        lz4framed_status got_ = (expr);                                              \
        lz4framed_status want_ = (expected);                                         \
        if (got_ != want_) {                                                         \
            fprintf(stderr, "%s:%d: %s returned %s (%d), expected %s (%d)\n",        \
                    __FILE__, __LINE__, #expr, lz4framed_status_name(got_),          \
                    (int)got_, lz4framed_status_name(want_), (int)want_);            \
            exit(1);                                                                 \
        }                                                                            \
        checks_passed++;                                                             \
    } while (0)

#define CHECK_OK(expr) CHECK_STATUS(expr, LZ4FRAMED_OK)

static void *xmalloc(size_t size) {
    void *p = malloc(size ? size : 1);
    if (p == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

/* Frees every buffer named: FREE_ALL(data, frame, out). */
#define FREE_ALL(...) free_each((void *[]){__VA_ARGS__}, sizeof((void *[]){__VA_ARGS__}) / sizeof(void *))

/* Inline, so that a program that frees no buffers together is not warned
 * about an unused function. */
static inline void free_each(void *const *ptrs, size_t count) {
    size_t i;
    for (i = 0; i < count; i++) {
        free(ptrs[i]);
    }
}

/* Compressible but not trivial: words from a small vocabulary chosen by an
 * LCG, mixed with runs of pseudo-random bytes. */
static unsigned char *make_data(size_t size, unsigned seed) {
    static const char *const words[] = {"lz4", "frame", "block", "resume ", "checksum", "\n",
                                        "decoder ", "window", "0123456789", " "};
    unsigned char *data = (unsigned char *)xmalloc(size);
    size_t at = 0;
    unsigned state = seed * 2654435761u + 1u;
    while (at < size) {
        state = state * 1103515245u + 12345u;
        if ((state >> 16) % 8 == 0) {
            size_t run = (state >> 20) % 16, i;
            for (i = 0; i < run && at < size; i++) {
                state = state * 1103515245u + 12345u;
                data[at++] = (unsigned char)(state >> 24);
            }
        } else {
            const char *w = words[(state >> 16) % 10];
            size_t i, n = strlen(w);
            for (i = 0; i < n && at < size; i++) {
                data[at++] = (unsigned char)w[i];
            }
        }
    }
    return data;
}

/* Inline, so that a program that writes no frame by hand is not warned
 * about an unused function. */
static inline void put_le32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static void report(const char *program) {
    printf("%s: %lu checks passed\n", program, checks_passed);
}

#endif
