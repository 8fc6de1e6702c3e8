/* Helpers shared by the examples: deterministic sample data, compressed
 * or not, and die-with-message checks, so each example reads as the
 * scenario it shows. */
#ifndef LZ4FRAMED_EXAMPLE_UTIL_H
#define LZ4FRAMED_EXAMPLE_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lz4framed.h"

/* xorshift64: the same numbers on every platform. */
static uint64_t example_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Log-like text with a little binary noise: compresses about 3:1. */
static void example_fill(unsigned char *buf, size_t len, uint64_t seed)
{
    static const char *const words[] = {"GET ", "/api/v1/items ", "200 ", "404 ", "user=",
                                        "latency_ms=", "\n", "POST ", "/login ", "ok "};
    uint64_t s = seed | 1;
    size_t at = 0;
    while (at < len) {
        uint64_t x = example_rand(&s);
        if (x % 50 == 0) {
            buf[at++] = (unsigned char)(x >> 24);
            continue;
        }
        const char *w = words[x % 10];
        size_t n = strlen(w);
        if (n > len - at) n = len - at;
        memcpy(buf + at, w, n);
        at += n;
    }
}

static void example_check(lz4framed_status st, const char *what)
{
    if (lz4framed_is_error(st)) {
        fprintf(stderr, "%s failed: %s (%s)\n", what, lz4framed_status_message(st), lz4framed_status_name(st));
        exit(1);
    }
}

/* Ends the program (exit 1) unless the `got_size` bytes at `got` are the
 * `size` bytes at `want`. */
static void example_same(const unsigned char *got, uint64_t got_size, const unsigned char *want, size_t size)
{
    if (got_size != size || memcmp(got, want, size) != 0) {
        fprintf(stderr, "output differs from the original\n");
        exit(1);
    }
}

static void *example_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

/* `size` bytes of the sample data of `seed`, newly allocated. */
static unsigned char *example_sample(size_t size, uint64_t seed)
{
    unsigned char *buf = example_malloc(size);
    example_fill(buf, size, seed);
    return buf;
}

/* `src` compressed as one frame with a content checksum, the block size
 * `block_size_id` (0: the default) and, when `block_checksum` is 1, a
 * checksum after every block; newly allocated, its size in *frame_size. */
static unsigned char *example_compress(const unsigned char *src, size_t size, uint32_t block_size_id,
                                       uint32_t block_checksum, size_t *frame_size)
{
    lz4framed_preferences prefs;
    memset(&prefs, 0, sizeof prefs);
    prefs.block_size_id = block_size_id;
    prefs.block_checksum = block_checksum;
    prefs.content_checksum = 1;
    size_t cap = lz4framed_compress_frame_bound(size, &prefs);
    unsigned char *frame = example_malloc(cap);
    example_check(lz4framed_compress(src, size, frame, cap, &prefs, frame_size), "compress");
    return frame;
}

#endif
