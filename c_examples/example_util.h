/* Helpers shared by the examples: deterministic sample data and a
 * die-with-message check, so each example reads as the scenario it shows. */
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

static void *example_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

#endif
