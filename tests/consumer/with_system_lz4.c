/* A program that uses liblz4framed and the system liblz4 side by side.
 *
 * Both contain an LZ4 library (lz4framed bundles its own, newer one), so a
 * static liblz4framed.a that exported its copy would make the linker pick
 * one copy for both users, silently, depending on the link order. Each
 * library reports the LZ4 version it was built with; if either answer is
 * not its own, the two copies got mixed. Then each library decodes the
 * frames the other one wrote. The optional argument is the version number
 * of the LZ4 that lz4framed bundles, checked when given.
 *
 * Exit 0 and "with_system_lz4: ok" when everything holds, 1 otherwise. */
#include <lz4.h>
#include <lz4frame.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lz4framed.h"

#define SIZE (3u << 20)

static int failures;

static void expect(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "with_system_lz4: FAILED: %s\n", what);
        failures++;
    }
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "with_system_lz4: out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

/* Compressible, but not trivially: short repeats among noise. */
static void fill(unsigned char *buf, size_t n)
{
    uint32_t s = 0x9e3779b9u;
    for (size_t i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        buf[i] = (s >> 28) < 12 ? (unsigned char)"lz4framed interop "[i % 18] : (unsigned char)(s >> 16);
    }
}

/* The system liblz4's streaming decoder, fed in 4 KiB pieces. */
static size_t system_decompress(const unsigned char *src, size_t src_size, unsigned char *dst, size_t cap)
{
    LZ4F_dctx *dctx = NULL;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION))) return (size_t)-1;
    size_t in = 0, out = 0, hint = 1;
    while (in < src_size && hint != 0) {
        size_t src_piece = src_size - in < 4096 ? src_size - in : 4096;
        size_t dst_piece = cap - out;
        hint = LZ4F_decompress(dctx, dst + out, &dst_piece, src + in, &src_piece, NULL);
        if (LZ4F_isError(hint)) {
            fprintf(stderr, "with_system_lz4: LZ4F_decompress: %s\n", LZ4F_getErrorName(hint));
            LZ4F_freeDecompressionContext(dctx);
            return (size_t)-1;
        }
        in += src_piece;
        out += dst_piece;
    }
    LZ4F_freeDecompressionContext(dctx);
    return hint == 0 && in == src_size ? out : (size_t)-1;
}

int main(int argc, char **argv)
{
    printf("with_system_lz4: system liblz4 %u (header %u), lz4framed's LZ4 %u\n", (unsigned)LZ4_versionNumber(),
           (unsigned)LZ4_VERSION_NUMBER, (unsigned)lz4framed_lz4_version_number());
    expect(LZ4_versionNumber() == LZ4_VERSION_NUMBER,
           "LZ4_versionNumber() is not the system liblz4's: the program calls another LZ4 copy");
    if (argc > 1)
        expect(lz4framed_lz4_version_number() == strtoul(argv[1], NULL, 10),
               "lz4framed_lz4_version_number() is not its bundled LZ4's: lz4framed calls another LZ4 copy");

    unsigned char *data = xmalloc(SIZE), *back = xmalloc(SIZE);
    fill(data, SIZE);

    /* lz4framed -> system liblz4 */
    lz4framed_preferences prefs;
    memset(&prefs, 0, sizeof prefs);
    prefs.block_size_id = 5;
    prefs.content_checksum = 1;
    prefs.block_checksum = 1;
    size_t cap = lz4framed_compress_frame_bound(SIZE, &prefs), n = 0;
    unsigned char *frame = xmalloc(cap);
    lz4framed_status st = lz4framed_compress(data, SIZE, frame, cap, &prefs, &n);
    expect(st == LZ4FRAMED_OK, "lz4framed_compress");
    size_t got = st == LZ4FRAMED_OK ? system_decompress(frame, n, back, SIZE) : (size_t)-1;
    expect(got == SIZE && memcmp(data, back, SIZE) == 0, "the system liblz4 decodes lz4framed's frame");
    free(frame);

    /* system liblz4 -> lz4framed */
    LZ4F_preferences_t lz4prefs;
    memset(&lz4prefs, 0, sizeof lz4prefs);
    lz4prefs.frameInfo.blockSizeID = LZ4F_max256KB;
    lz4prefs.frameInfo.blockMode = LZ4F_blockLinked;
    lz4prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    lz4prefs.frameInfo.contentSize = SIZE;
    lz4prefs.compressionLevel = 9;
    cap = LZ4F_compressFrameBound(SIZE, &lz4prefs);
    frame = xmalloc(cap);
    n = LZ4F_compressFrame(frame, cap, data, SIZE, &lz4prefs);
    expect(!LZ4F_isError(n), "LZ4F_compressFrame");
    if (!LZ4F_isError(n)) {
        memset(back, 0, SIZE);
        got = 0;
        st = lz4framed_decompress(frame, n, back, SIZE, &got);
        expect(st == LZ4FRAMED_OK && got == SIZE && memcmp(data, back, SIZE) == 0,
               "lz4framed decodes the system liblz4's frame");
        if (st != LZ4FRAMED_OK) fprintf(stderr, "with_system_lz4: %s\n", lz4framed_status_name(st));
    }
    free(frame);
    free(back);
    free(data);

    if (failures) {
        fprintf(stderr, "with_system_lz4: %d failure(s)\n", failures);
        return 1;
    }
    printf("with_system_lz4: ok\n");
    return 0;
}
