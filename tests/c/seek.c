/* Seek tables from C: the seek_table_kib preference with one-shot and
 * streaming compression (with and without workers), the bound that covers
 * the table, the encoder's table functions and their errors, and the
 * lz4framed_scan listing of frames (LZ4, skippable, the table). */
#include "check.h"

#include <stdint.h>

static uint32_t le32_at(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The number of entries of the table ending `file` (its footer's count). */
static uint32_t table_entries(const unsigned char *file, size_t size) {
    CHECK(size >= 32);
    CHECK(le32_at(file + size - 4) == 0x8E5A4CF3u);
    return le32_at(file + size - 16);
}

static void one_shot(void) {
    const size_t n = 3u << 20;
    unsigned char *data = make_data(n, 5);
    unsigned char *out = (unsigned char *)xmalloc(n);
    unsigned workers, linked;
    size_t plain_size = 0;
    for (linked = 0; linked < 2; linked++) {
        unsigned char *first = NULL;
        size_t first_size = 0;
        for (workers = 0; workers <= 2; workers += 2) {
            lz4framed_preferences p;
            size_t bound, size, got;
            unsigned char *frame;
            memset(&p, 0, sizeof p);
            p.block_size_id = LZ4FRAMED_BLOCK_SIZE_64KB;
            p.block_independent = !linked;
            p.content_checksum = 1;
            p.workers = workers;
            bound = lz4framed_compress_frame_bound(n, &p);
            frame = (unsigned char *)xmalloc(bound);
            CHECK_OK(lz4framed_compress(data, n, frame, bound, &p, &plain_size));
            p.seek_table_kib = 1024;
            CHECK(lz4framed_compress_frame_bound(n, &p) > bound);
            free(frame);
            bound = lz4framed_compress_frame_bound(n, &p);
            frame = (unsigned char *)xmalloc(bound);
            CHECK_OK(lz4framed_compress(data, n, frame, bound, &p, &size));
            /* A frame entry and one per MiB after the first. */
            CHECK(table_entries(frame, size) == 3);
            if (!linked) {
                /* Independent blocks: the frame is unchanged. */
                CHECK(size == plain_size + 32 + 8 * 3);
            }
            CHECK_OK(lz4framed_decompress(frame, size, out, n, &got));
            CHECK(got == n && memcmp(out, data, n) == 0);
            if (first == NULL) {
                first = frame;
                first_size = size;
            } else {
                /* The same bytes with and without workers. */
                CHECK(size == first_size && memcmp(frame, first, size) == 0);
                free(frame);
            }
        }
        free(first);
    }
    FREE_ALL(data, out);
}

static void streaming_and_scan(void) {
    const size_t n = 2u << 20, chunk = 300000;
    unsigned char *data = make_data(n, 6);
    lz4framed_preferences p;
    lz4framed_encoder *enc = NULL;
    lz4framed_scan *scan = NULL;
    lz4framed_scanned_frame f;
    lz4framed_seek_table_info t;
    size_t cap = 2 * n + 4096, at = 0, written = 0, size = 0, count = 0, i;
    unsigned char *file = (unsigned char *)xmalloc(cap);
    unsigned char skippable[12];
    memset(&p, 0, sizeof p);
    p.block_size_id = LZ4FRAMED_BLOCK_SIZE_256KB;
    p.block_checksum = 1;
    p.seek_table_kib = 512;
    p.workers = 2;
    CHECK_OK(lz4framed_encoder_new(&p, &enc));
    CHECK_OK(lz4framed_encoder_begin(enc, file, LZ4FRAMED_MAX_HEADER_SIZE, &written));
    at += written;
    CHECK_STATUS(lz4framed_encoder_write_seek_table(enc, file + at, cap - at, &written),
                 LZ4FRAMED_ERROR_WRONG_STAGE);
    for (i = 0; i < n; i += chunk) {
        size_t piece = n - i < chunk ? n - i : chunk;
        CHECK_OK(lz4framed_encoder_update(enc, data + i, piece, file + at, lz4framed_compress_bound(piece, &p),
                                          &written));
        at += written;
    }
    CHECK_OK(lz4framed_encoder_end(enc, file + at, lz4framed_compress_bound(0, &p), &written));
    at += written;
    CHECK_OK(lz4framed_encoder_seek_table_size(enc, &size));
    CHECK(size == 32 + 8 * 4);
    CHECK_STATUS(lz4framed_encoder_write_seek_table(enc, file + at, size - 1, &written),
                 LZ4FRAMED_ERROR_DST_TOO_SMALL);
    CHECK_STATUS(lz4framed_encoder_write_seek_table(NULL, file + at, size, &written),
                 LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_encoder_seek_table_size(enc, NULL), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_OK(lz4framed_encoder_write_seek_table(enc, file + at, size, &written));
    CHECK(written == size);
    at += written;
    lz4framed_encoder_free(enc);

    CHECK_OK(lz4framed_scan_new(file, at, &scan));
    CHECK_OK(lz4framed_scan_frame_count(scan, &count));
    CHECK(count == 2);
    CHECK_OK(lz4framed_scan_frame(scan, 0, &f));
    CHECK(f.offset == 0 && f.info.frame_kind == LZ4FRAMED_FRAME_LZ4 && f.decompressed_size == n);
    CHECK(f.block_count == 8 && f.info.block_checksum == 1 && f.info.has_content_size == 0);
    CHECK(f.is_seek_table == 0 && f.compressed_size == at - size);
    CHECK_OK(lz4framed_scan_frame(scan, 1, &f));
    CHECK(f.info.frame_kind == LZ4FRAMED_FRAME_SKIPPABLE && f.is_seek_table == 1 && f.compressed_size == size);
    CHECK_STATUS(lz4framed_scan_frame(scan, 2, &f), LZ4FRAMED_ERROR_INVALID_ARGUMENT);
    CHECK_OK(lz4framed_scan_seek_table(scan, &t));
    CHECK(t.entry_count == 4 && t.restart_points == 4 && t.decompressed_size == n);
    CHECK(t.offset == at - size && t.size == size);
    lz4framed_scan_free(scan);
    lz4framed_scan_free(NULL);

    /* A skippable frame after the table: no table at the end. */
    put_le32(skippable, 0x184D2A51u);
    put_le32(skippable + 4, 4);
    memset(skippable + 8, 7, 4);
    memcpy(file + at, skippable, sizeof skippable);
    CHECK_OK(lz4framed_scan_new(file, at + sizeof skippable, &scan));
    CHECK_STATUS(lz4framed_scan_seek_table(scan, &t), LZ4FRAMED_ERROR_SEEK_MAGIC);
    CHECK_OK(lz4framed_scan_frame_count(scan, &count));
    CHECK(count == 3);
    lz4framed_scan_free(scan);
    /* A damaged table: refused with its own code. */
    file[at - 20] ^= 1;
    CHECK_OK(lz4framed_scan_new(file, at, &scan));
    CHECK_STATUS(lz4framed_scan_seek_table(scan, &t), LZ4FRAMED_ERROR_SEEK_CHECKSUM);
    lz4framed_scan_free(scan);
    /* Truncated and foreign data: no scan. */
    scan = NULL;
    CHECK_STATUS(lz4framed_scan_new(file, at / 2, &scan), LZ4FRAMED_ERROR_TRUNCATED);
    CHECK_STATUS(lz4framed_scan_new("not lz4 data", 12, &scan), LZ4FRAMED_ERROR_BAD_MAGIC);
    CHECK_STATUS(lz4framed_scan_new(NULL, 5, &scan), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_scan_new(file, at, NULL), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK(scan == NULL);
    CHECK_OK(lz4framed_scan_new(NULL, 0, &scan));
    CHECK_OK(lz4framed_scan_frame_count(scan, &count));
    CHECK(count == 0);
    CHECK_STATUS(lz4framed_scan_seek_table(scan, &t), LZ4FRAMED_ERROR_SEEK_MAGIC);
    lz4framed_scan_free(scan);
    FREE_ALL(data, file);
}

static void table_off(void) {
    lz4framed_encoder *enc = NULL;
    unsigned char buf[64];
    size_t written = 0;
    lz4framed_preferences p;
    memset(&p, 0, sizeof p);
    CHECK_OK(lz4framed_encoder_new(&p, &enc));
    CHECK_STATUS(lz4framed_encoder_seek_table_size(enc, &written), LZ4FRAMED_ERROR_SEEK_TABLE_OFF);
    CHECK_STATUS(lz4framed_encoder_write_seek_table(enc, buf, sizeof buf, &written),
                 LZ4FRAMED_ERROR_SEEK_TABLE_OFF);
    lz4framed_encoder_free(enc);
    /* The slot after seek_table_kib is still reserved. */
    p.reserved[0] = 1;
    CHECK(lz4framed_compress_frame_bound(10, &p) == 0);
}

int main(void) {
    one_shot();
    streaming_and_scan();
    table_off();
    report("seek");
    return 0;
}
