/* Every error a C caller can provoke: NULL arguments, bad preferences and
 * flags, small buffers, calls out of order, and damaged input of every
 * kind; plus status names for every code and for unknown integers.
 * Out-parameters must stay untouched whenever a call fails. */
#include "check.h"

#include <stdint.h>

#define SENTINEL ((size_t)0x5EED)

static uint32_t get_le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static const struct {
    lz4framed_status code;
    const char *name;
} statuses[] = {
    {LZ4FRAMED_OK, "LZ4FRAMED_OK"},
    {LZ4FRAMED_NEED_INPUT, "LZ4FRAMED_NEED_INPUT"},
    {LZ4FRAMED_OUTPUT_FULL, "LZ4FRAMED_OUTPUT_FULL"},
    {LZ4FRAMED_ERROR_NULL_ARGUMENT, "LZ4FRAMED_ERROR_NULL_ARGUMENT"},
    {LZ4FRAMED_ERROR_INVALID_ARGUMENT, "LZ4FRAMED_ERROR_INVALID_ARGUMENT"},
    {LZ4FRAMED_ERROR_OUT_OF_MEMORY, "LZ4FRAMED_ERROR_OUT_OF_MEMORY"},
    {LZ4FRAMED_ERROR_INTERNAL, "LZ4FRAMED_ERROR_INTERNAL"},
    {LZ4FRAMED_ERROR_DST_TOO_SMALL, "LZ4FRAMED_ERROR_DST_TOO_SMALL"},
    {LZ4FRAMED_ERROR_WRONG_STAGE, "LZ4FRAMED_ERROR_WRONG_STAGE"},
    {LZ4FRAMED_ERROR_THREAD_SPAWN, "LZ4FRAMED_ERROR_THREAD_SPAWN"},
    {LZ4FRAMED_ERROR_BAD_MAGIC, "LZ4FRAMED_ERROR_BAD_MAGIC"},
    {LZ4FRAMED_ERROR_BAD_VERSION, "LZ4FRAMED_ERROR_BAD_VERSION"},
    {LZ4FRAMED_ERROR_RESERVED_BIT, "LZ4FRAMED_ERROR_RESERVED_BIT"},
    {LZ4FRAMED_ERROR_BAD_BLOCK_SIZE_ID, "LZ4FRAMED_ERROR_BAD_BLOCK_SIZE_ID"},
    {LZ4FRAMED_ERROR_HEADER_CHECKSUM, "LZ4FRAMED_ERROR_HEADER_CHECKSUM"},
    {LZ4FRAMED_ERROR_BLOCK_TOO_LARGE, "LZ4FRAMED_ERROR_BLOCK_TOO_LARGE"},
    {LZ4FRAMED_ERROR_BLOCK_CHECKSUM, "LZ4FRAMED_ERROR_BLOCK_CHECKSUM"},
    {LZ4FRAMED_ERROR_CORRUPT_BLOCK, "LZ4FRAMED_ERROR_CORRUPT_BLOCK"},
    {LZ4FRAMED_ERROR_CONTENT_CHECKSUM, "LZ4FRAMED_ERROR_CONTENT_CHECKSUM"},
    {LZ4FRAMED_ERROR_CONTENT_SIZE, "LZ4FRAMED_ERROR_CONTENT_SIZE"},
    {LZ4FRAMED_ERROR_TRUNCATED, "LZ4FRAMED_ERROR_TRUNCATED"},
    {LZ4FRAMED_ERROR_DICTIONARY_REQUIRED, "LZ4FRAMED_ERROR_DICTIONARY_REQUIRED"},
    {LZ4FRAMED_ERROR_DICTIONARY_MISMATCH, "LZ4FRAMED_ERROR_DICTIONARY_MISMATCH"},
    {LZ4FRAMED_ERROR_STATE_MAGIC, "LZ4FRAMED_ERROR_STATE_MAGIC"},
    {LZ4FRAMED_ERROR_STATE_VERSION, "LZ4FRAMED_ERROR_STATE_VERSION"},
    {LZ4FRAMED_ERROR_STATE_CHECKSUM, "LZ4FRAMED_ERROR_STATE_CHECKSUM"},
    {LZ4FRAMED_ERROR_STATE_TRUNCATED, "LZ4FRAMED_ERROR_STATE_TRUNCATED"},
    {LZ4FRAMED_ERROR_STATE_CORRUPT, "LZ4FRAMED_ERROR_STATE_CORRUPT"},
    {LZ4FRAMED_ERROR_STATE_DICTIONARY, "LZ4FRAMED_ERROR_STATE_DICTIONARY"},
    {LZ4FRAMED_ERROR_READER_FAILED, "LZ4FRAMED_ERROR_READER_FAILED"},
};

static void status_names(void) {
    static const int32_t unknown[] = {3, 4, 100, -5000, -8, -9, -23, -29, -36, -39, -41, INT32_MIN, INT32_MAX};
    size_t i, j;
    for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        const char *message = lz4framed_status_message(statuses[i].code);
        CHECK(strcmp(lz4framed_status_name(statuses[i].code), statuses[i].name) == 0);
        CHECK(message != NULL && strlen(message) > 5 && strcmp(message, "unknown status") != 0);
        CHECK(lz4framed_is_error(statuses[i].code) == (statuses[i].code < 0));
        for (j = 0; j < i; j++) {
            CHECK(statuses[i].code != statuses[j].code);
            CHECK(strcmp(message, lz4framed_status_message(statuses[j].code)) != 0);
        }
    }
    for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        CHECK(strcmp(lz4framed_status_name(unknown[i]), "LZ4FRAMED_UNKNOWN_STATUS") == 0);
        CHECK(strcmp(lz4framed_status_message(unknown[i]), "unknown status") == 0);
        CHECK(lz4framed_is_error(unknown[i]) == (unknown[i] < 0));
    }
}

static void null_arguments(void) {
    unsigned char src[64], dst[256], scratch[256];
    size_t out = SENTINEL, out2 = SENTINEL, frame_size;
    lz4framed_frame_info info;
    lz4framed_encoder *enc = NULL, *enc_out = (lz4framed_encoder *)&out;
    lz4framed_decoder *dec = NULL, *dec_out = (lz4framed_decoder *)&out;
    const lz4framed_status E = LZ4FRAMED_ERROR_NULL_ARGUMENT;
    memset(src, 'a', sizeof src);
    CHECK_OK(lz4framed_compress(src, sizeof src, dst, sizeof dst, NULL, &frame_size));

    /* One-shot: NULL buffers with a size, NULL out-parameters. */
    CHECK_STATUS(lz4framed_compress(NULL, 1, dst, sizeof dst, NULL, &out), E);
    CHECK_STATUS(lz4framed_compress(src, sizeof src, NULL, sizeof dst, NULL, &out), E);
    CHECK_STATUS(lz4framed_compress(src, sizeof src, dst, sizeof dst, NULL, NULL), E);
    CHECK_STATUS(lz4framed_compress_using_dict(src, sizeof src, dst, sizeof dst, NULL, NULL, 5, &out), E);
    CHECK_STATUS(lz4framed_compress_using_dict(src, sizeof src, dst, sizeof dst, NULL, src, 5, NULL), E);
    CHECK_STATUS(lz4framed_decompress(NULL, frame_size, src, sizeof src, &out), E);
    CHECK_STATUS(lz4framed_decompress(dst, frame_size, NULL, sizeof src, &out), E);
    CHECK_STATUS(lz4framed_decompress(dst, frame_size, src, sizeof src, NULL), E);
    CHECK_STATUS(lz4framed_decompress_using_dict(dst, frame_size, src, sizeof src, NULL, 1, 0, &out), E);
    CHECK_STATUS(lz4framed_decompress_using_dict(NULL, 1, src, sizeof src, NULL, 0, 0, &out), E);
    CHECK_STATUS(lz4framed_decompress_using_dict(dst, frame_size, src, sizeof src, NULL, 0, 0, NULL), E);
    CHECK_STATUS(lz4framed_get_frame_info(NULL, 7, &info, &out), E);
    CHECK_STATUS(lz4framed_get_frame_info(dst, frame_size, NULL, &out), E);
    CHECK_STATUS(lz4framed_get_frame_info(dst, frame_size, &info, NULL), E);
    CHECK(out == SENTINEL);

    /* Constructors. */
    CHECK_STATUS(lz4framed_encoder_new(NULL, NULL), E);
    CHECK_STATUS(lz4framed_encoder_new_using_dict(NULL, NULL, 1, &enc_out), E);
    CHECK_STATUS(lz4framed_encoder_new_using_dict(NULL, src, 1, NULL), E);
    CHECK_STATUS(lz4framed_decoder_new(0, NULL), E);
    CHECK(enc_out == (lz4framed_encoder *)&out && dec_out == (lz4framed_decoder *)&out);

    /* Encoder functions. */
    CHECK_OK(lz4framed_encoder_new(NULL, &enc));
    CHECK_STATUS(lz4framed_encoder_set_content_size(NULL, 1, 5), E);
    CHECK_STATUS(lz4framed_encoder_begin(NULL, scratch, sizeof scratch, &out), E);
    CHECK_STATUS(lz4framed_encoder_begin(enc, NULL, sizeof scratch, &out), E);
    CHECK_STATUS(lz4framed_encoder_begin(enc, scratch, sizeof scratch, NULL), E);
    CHECK_OK(lz4framed_encoder_begin(enc, scratch, sizeof scratch, &out2));
    CHECK_STATUS(lz4framed_encoder_update(NULL, src, 1, scratch, sizeof scratch, &out), E);
    CHECK_STATUS(lz4framed_encoder_update(enc, NULL, 1, scratch, sizeof scratch, &out), E);
    CHECK_STATUS(lz4framed_encoder_update(enc, src, 1, NULL, sizeof scratch, &out), E);
    CHECK_STATUS(lz4framed_encoder_update(enc, src, 1, scratch, sizeof scratch, NULL), E);
    CHECK_OK(lz4framed_encoder_update(enc, NULL, 0, scratch, sizeof scratch, &out2)); /* NULL with size 0 */
    CHECK_STATUS(lz4framed_encoder_flush(NULL, scratch, sizeof scratch, &out), E);
    CHECK_STATUS(lz4framed_encoder_flush(enc, NULL, sizeof scratch, &out), E);
    CHECK_STATUS(lz4framed_encoder_flush(enc, scratch, sizeof scratch, NULL), E);
    CHECK_STATUS(lz4framed_encoder_end(NULL, scratch, sizeof scratch, &out), E);
    CHECK_STATUS(lz4framed_encoder_end(enc, NULL, sizeof scratch, &out), E);
    CHECK_STATUS(lz4framed_encoder_end(enc, scratch, sizeof scratch, NULL), E);
    CHECK_OK(lz4framed_encoder_end(enc, scratch, sizeof scratch, &out2));
    CHECK(out == SENTINEL);
    lz4framed_encoder_free(enc);
    lz4framed_encoder_free(NULL);

    /* Decoder functions; the failed calls leave the decoder as it was. */
    CHECK_OK(lz4framed_decoder_new(0, &dec));
    CHECK_STATUS(lz4framed_decoder_reset(NULL), E);
    CHECK_STATUS(lz4framed_decoder_set_dictionary(NULL, src, 1, 0), E);
    CHECK_STATUS(lz4framed_decoder_set_dictionary(dec, NULL, 1, 0), E);
    CHECK_STATUS(lz4framed_decoder_decompress(NULL, dst, frame_size, src, sizeof src, 1, &out, &out2), E);
    CHECK_STATUS(lz4framed_decoder_decompress(dec, NULL, frame_size, src, sizeof src, 1, &out, &out2), E);
    CHECK_STATUS(lz4framed_decoder_decompress(dec, dst, frame_size, NULL, sizeof src, 1, &out, &out2), E);
    CHECK_STATUS(lz4framed_decoder_decompress(dec, dst, frame_size, src, sizeof src, 1, NULL, &out2), E);
    CHECK_STATUS(lz4framed_decoder_decompress(dec, dst, frame_size, src, sizeof src, 1, &out, NULL), E);
    CHECK_STATUS(lz4framed_decoder_frame_info(NULL, &info), E);
    CHECK_STATUS(lz4framed_decoder_frame_info(dec, NULL), E);
    CHECK(out == SENTINEL);
    CHECK(lz4framed_decoder_input_consumed(dec) == 0);
    /* NULL with size 0 is fine everywhere. */
    CHECK_OK(lz4framed_decoder_decompress(dec, NULL, 0, NULL, 0, 0, &out, &out2));
    CHECK(out == 0 && out2 == 0);
    CHECK_OK(lz4framed_decoder_decompress(dec, dst, frame_size, src, sizeof src, 1, &out, &out2));
    CHECK(out == frame_size && out2 == sizeof src);
    lz4framed_decoder_free(dec);
    lz4framed_decoder_free(NULL);

    /* Queries on NULL answer 0. */
    CHECK(lz4framed_decoder_input_consumed(NULL) == 0);
    CHECK(lz4framed_decoder_output_produced(NULL) == 0);
    CHECK(lz4framed_decoder_frames_done(NULL) == 0);
    CHECK(lz4framed_decoder_skippable_frames(NULL) == 0);
    CHECK(lz4framed_decoder_input_hint(NULL) == 0);
    CHECK(lz4framed_decoder_at_block_boundary(NULL) == 0);
    CHECK(lz4framed_decoder_at_frame_boundary(NULL) == 0);
    CHECK(lz4framed_decoder_memory_usage(NULL) == 0);
}

static void invalid_arguments(void) {
    static const uint32_t bad_ids[] = {1, 2, 3, 8, 0x104, 0xFFFFFFFFu};
    uint32_t *flags[6];
    unsigned char src[100], dst[400];
    size_t out = SENTINEL, i;
    lz4framed_preferences p;
    lz4framed_encoder *enc = (lz4framed_encoder *)&out;
    lz4framed_decoder *dec = (lz4framed_decoder *)&out;
    const lz4framed_status E = LZ4FRAMED_ERROR_INVALID_ARGUMENT;
    memset(src, 'b', sizeof src);
    flags[0] = &p.block_independent;
    flags[1] = &p.block_checksum;
    flags[2] = &p.content_checksum;
    flags[3] = &p.content_size_flag;
    flags[4] = &p.auto_flush;
    flags[5] = &p.favor_dec_speed;
    for (i = 0; i < 7 + sizeof bad_ids / sizeof bad_ids[0]; i++) {
        memset(&p, 0, sizeof p);
        if (i < 6) {
            *flags[i] = 2; /* flags are 0 or 1 */
        } else if (i == 6) {
            p.auto_flush = 0xFFFFFFFFu;
        } else {
            p.block_size_id = bad_ids[i - 7];
        }
        CHECK_STATUS(lz4framed_encoder_new(&p, &enc), E);
        CHECK_STATUS(lz4framed_encoder_new_using_dict(&p, src, 10, &enc), E);
        CHECK_STATUS(lz4framed_compress(src, sizeof src, dst, sizeof dst, &p, &out), E);
        CHECK_STATUS(lz4framed_compress_using_dict(src, sizeof src, dst, sizeof dst, &p, src, 5, &out), E);
        CHECK(lz4framed_compress_frame_bound(100, &p) == 0);
        CHECK(lz4framed_compress_bound(100, &p) == 0);
    }
    CHECK(enc == (lz4framed_encoder *)&out && out == SENTINEL);
    /* Unknown decoder flags. */
    CHECK_STATUS(lz4framed_decoder_new(4, &dec), E);
    CHECK_STATUS(lz4framed_decoder_new(0x80000000u, &dec), E);
    CHECK_STATUS(lz4framed_decoder_new(LZ4FRAMED_DECODER_SKIP_CHECKSUMS | 8, &dec), E);
    CHECK(dec == (lz4framed_decoder *)&out);
    /* A size no buffer can have (a negative number cast to size_t). */
    CHECK_STATUS(lz4framed_compress(src, (size_t)-1, dst, sizeof dst, NULL, &out), E);
    CHECK_STATUS(lz4framed_decompress(dst, 10, src, (size_t)-5, &out), E);
    CHECK(out == SENTINEL);
}

static void dst_too_small(void) {
    unsigned char *data = make_data(100000, 21);
    unsigned char *frame = (unsigned char *)xmalloc(200000), *out = (unsigned char *)xmalloc(100000);
    size_t frame_size, out_size = SENTINEL, written = SENTINEL, bound, need;
    lz4framed_encoder *enc = NULL;
    lz4framed_preferences p;
    const lz4framed_status E = LZ4FRAMED_ERROR_DST_TOO_SMALL;
    memset(&p, 0, sizeof p);
    bound = lz4framed_compress_frame_bound(100000, NULL);
    CHECK(bound <= 200000);
    CHECK_STATUS(lz4framed_compress(data, 100000, frame, 10, NULL, &out_size), E);
    CHECK_STATUS(lz4framed_compress(data, 100000, frame, 1000, NULL, &out_size), E);
    CHECK_STATUS(lz4framed_compress_using_dict(data, 100000, frame, 1000, NULL, data, 100, &out_size), E);
    CHECK_STATUS(lz4framed_compress(data, 100000, NULL, 0, NULL, &out_size), E);
    CHECK_OK(lz4framed_compress(data, 100000, frame, bound, NULL, &frame_size));
    CHECK_STATUS(lz4framed_decompress(frame, frame_size, out, 99999, &out_size), E);
    CHECK_STATUS(lz4framed_decompress(frame, frame_size, NULL, 0, &out_size), E);
    CHECK_STATUS(lz4framed_decompress_using_dict(frame, frame_size, out, 50000, NULL, 0, 0, &out_size), E);
    CHECK(out_size == SENTINEL);

    CHECK_OK(lz4framed_encoder_new(&p, &enc));
    CHECK_STATUS(lz4framed_encoder_begin(enc, frame, LZ4FRAMED_MAX_HEADER_SIZE - 1, &written), E);
    CHECK_OK(lz4framed_encoder_begin(enc, frame, LZ4FRAMED_MAX_HEADER_SIZE, &written));
    need = lz4framed_compress_bound(100000, &p);
    CHECK(7 + need <= 200000);
    CHECK_STATUS(lz4framed_encoder_update(enc, data, 100000, frame + 7, 100, &written), E);
    CHECK(written == 7);
    /* Nothing changed: the same update succeeds with enough room. */
    CHECK_OK(lz4framed_encoder_update(enc, data, 100000, frame + 7, need, &written));
    CHECK(written > 0);
    frame_size = 7 + written;
    /* 100000 - 65536 bytes are held: flush and end need room for them. */
    CHECK_STATUS(lz4framed_encoder_flush(enc, frame + frame_size, 100, &written), E);
    CHECK_STATUS(lz4framed_encoder_end(enc, frame + frame_size, 100, &written), E);
    CHECK_OK(lz4framed_encoder_end(enc, frame + frame_size, lz4framed_compress_bound(0, &p), &written));
    frame_size += written;
    CHECK_OK(lz4framed_decompress(frame, frame_size, out, 100000, &out_size));
    CHECK(out_size == 100000 && memcmp(out, data, 100000) == 0);
    lz4framed_encoder_free(enc);
    FREE_ALL(data, frame, out);
}

static void wrong_stage(void) {
    unsigned char buf[1000], src[10] = {0};
    size_t written = SENTINEL, used, made;
    lz4framed_encoder *enc = NULL;
    lz4framed_decoder *dec = NULL;
    lz4framed_frame_info info;
    lz4framed_preferences p;
    const lz4framed_status E = LZ4FRAMED_ERROR_WRONG_STAGE;
    memset(&p, 0, sizeof p);
    p.content_size_flag = 1;
    p.content_size = 10;
    CHECK_OK(lz4framed_encoder_new(&p, &enc));
    CHECK_STATUS(lz4framed_encoder_update(enc, src, 10, buf, sizeof buf, &written), E);
    CHECK_STATUS(lz4framed_encoder_flush(enc, buf, sizeof buf, &written), E);
    CHECK_STATUS(lz4framed_encoder_end(enc, buf, sizeof buf, &written), E);
    CHECK(written == SENTINEL);
    CHECK_OK(lz4framed_encoder_begin(enc, buf, sizeof buf, &written));
    CHECK_STATUS(lz4framed_encoder_begin(enc, buf, sizeof buf, &written), E);
    CHECK_STATUS(lz4framed_encoder_set_content_size(enc, 1, 10), E);
    /* A declared size that the input does not meet abandons the frame. */
    CHECK_OK(lz4framed_encoder_update(enc, src, 9, buf, sizeof buf, &written));
    written = SENTINEL;
    CHECK_STATUS(lz4framed_encoder_end(enc, buf, sizeof buf, &written), LZ4FRAMED_ERROR_CONTENT_SIZE);
    CHECK(written == SENTINEL);
    CHECK_STATUS(lz4framed_encoder_update(enc, src, 1, buf, sizeof buf, &written), E);
    CHECK_OK(lz4framed_encoder_set_content_size(enc, 1, 3));
    CHECK_OK(lz4framed_encoder_begin(enc, buf, sizeof buf, &written));
    CHECK_OK(lz4framed_encoder_update(enc, src, 4, buf, sizeof buf, &written));
    CHECK_STATUS(lz4framed_encoder_end(enc, buf, sizeof buf, &written), LZ4FRAMED_ERROR_CONTENT_SIZE);
    lz4framed_encoder_free(enc);

    CHECK_OK(lz4framed_decoder_new(0, &dec));
    CHECK_STATUS(lz4framed_decoder_frame_info(dec, &info), E);
    CHECK_OK(lz4framed_compress(src, 10, buf, sizeof buf, NULL, &written));
    CHECK_OK(lz4framed_decoder_decompress(dec, buf, written, buf + 500, 100, 1, &used, &made));
    CHECK_STATUS(lz4framed_decoder_frame_info(dec, &info), E);
    lz4framed_decoder_free(dec);
}

/* Decodes `frame` in one call and in small steps (single bytes through
 * the headers); both must fail with `expected`, leave the out-parameters
 * alone, and stay failed. */
static void expect_decode_error(const unsigned char *frame, size_t n, lz4framed_status expected) {
    unsigned char *out = (unsigned char *)xmalloc(300000);
    size_t out_size = SENTINEL, used = SENTINEL, made = SENTINEL, i = 0;
    lz4framed_decoder *dec = NULL;
    lz4framed_status s = LZ4FRAMED_OK;
    CHECK_STATUS(lz4framed_decompress(frame, n, out, 300000, &out_size), expected);
    CHECK(out_size == SENTINEL);
    CHECK_OK(lz4framed_decoder_new(0, &dec));
    while (i < n && !lz4framed_is_error(s)) {
        size_t step = i < 40 ? 1 : 509;
        size_t piece = n - i < step ? n - i : step;
        s = lz4framed_decoder_decompress(dec, frame + i, piece, out, 300000, i + piece == n, &used, &made);
        if (!lz4framed_is_error(s)) {
            CHECK(used == piece); /* the output never fills up here */
        }
        i += piece;
    }
    CHECK_STATUS(s, expected);

    /* Sticky until reset. */
    CHECK_STATUS(lz4framed_decoder_decompress(dec, NULL, 0, NULL, 0, 1, &used, &made), expected);
    CHECK_OK(lz4framed_decoder_reset(dec));
    CHECK_OK(lz4framed_decoder_decompress(dec, NULL, 0, NULL, 0, 1, &used, &made));
    lz4framed_decoder_free(dec);
    free(out);
}

static unsigned char *frame_with(size_t n, unsigned seed, const lz4framed_preferences *p, size_t *size) {
    unsigned char *data = make_data(n, seed);
    size_t bound = lz4framed_compress_frame_bound(n, p);
    unsigned char *frame = (unsigned char *)xmalloc(bound);
    CHECK_OK(lz4framed_compress(data, n, frame, bound, p, size));
    free(data);
    return frame;
}

static void damaged_input(void) {
    lz4framed_preferences p;
    unsigned char *frame, *copy;
    size_t n, header_size, i;
    lz4framed_frame_info info;
    memset(&p, 0, sizeof p);
    p.block_checksum = 1;
    p.content_checksum = 1;
    p.block_independent = 1;
    frame = frame_with(150000, 31, &p, &n);
    copy = (unsigned char *)xmalloc(n);
    CHECK_OK(lz4framed_get_frame_info(frame, n, &info, &header_size));
    CHECK(header_size == 7);

#define DAMAGE(stmt, expected)              \
    do {                                    \
        memcpy(copy, frame, n);             \
        stmt;                               \
        expect_decode_error(copy, n, expected); \
    } while (0)

    DAMAGE(copy[0] ^= 1, LZ4FRAMED_ERROR_BAD_MAGIC);
    DAMAGE(copy[4] ^= 0x80, LZ4FRAMED_ERROR_BAD_VERSION);
    DAMAGE(copy[4] |= 0x02, LZ4FRAMED_ERROR_RESERVED_BIT);
    DAMAGE(copy[5] |= 0x80, LZ4FRAMED_ERROR_RESERVED_BIT);
    DAMAGE(copy[5] = 0x30, LZ4FRAMED_ERROR_BAD_BLOCK_SIZE_ID);
    DAMAGE(copy[6] ^= 0xFF, LZ4FRAMED_ERROR_HEADER_CHECKSUM);
    /* The first block: header, data, checksum. */
    DAMAGE(put_le32(copy + 7, 65537), LZ4FRAMED_ERROR_BLOCK_TOO_LARGE);
    DAMAGE(copy[7 + 4 + (get_le32(frame + 7) & 0x7FFFFFFFu)] ^= 1, LZ4FRAMED_ERROR_BLOCK_CHECKSUM);
    DAMAGE(copy[7 + 4 + 2] ^= 1, LZ4FRAMED_ERROR_BLOCK_CHECKSUM);
    DAMAGE(copy[n - 1] ^= 1, LZ4FRAMED_ERROR_CONTENT_CHECKSUM);
    memcpy(copy, frame, n);
    copy[4] ^= 0x80;
    CHECK_STATUS(lz4framed_get_frame_info(copy, 7, &info, &header_size), LZ4FRAMED_ERROR_BAD_VERSION);
    copy[4] ^= 0x80;
    copy[6] ^= 0xFF;
    CHECK_STATUS(lz4framed_get_frame_info(copy, 7, &info, &header_size), LZ4FRAMED_ERROR_HEADER_CHECKSUM);
    CHECK_STATUS(lz4framed_get_frame_info("garbage!", 8, &info, &header_size), LZ4FRAMED_ERROR_BAD_MAGIC);

    /* Truncation anywhere but at the end. */
    for (i = 1; i < n; i += n / 37 + 1) {
        expect_decode_error(frame, i, LZ4FRAMED_ERROR_TRUNCATED);
    }
    expect_decode_error(frame, n - 1, LZ4FRAMED_ERROR_TRUNCATED);
    FREE_ALL(frame, copy);
}

/* Block data that is not valid LZ4: a match reaching before the start. */
static void corrupt_block(void) {
    static const unsigned char block[] = {0x00, 0xFF, 0xFF, 0x10, 'x'};
    unsigned char frame[64];
    size_t at, n;
    lz4framed_preferences p;
    lz4framed_encoder *enc = NULL;
    memset(&p, 0, sizeof p);
    p.block_independent = 1;
    CHECK_OK(lz4framed_encoder_new(&p, &enc));
    CHECK_OK(lz4framed_encoder_begin(enc, frame, sizeof frame, &at));
    put_le32(frame + at, sizeof block);
    memcpy(frame + at + 4, block, sizeof block);
    at += 4 + sizeof block;
    put_le32(frame + at, 0);
    n = at + 4;
    expect_decode_error(frame, n, LZ4FRAMED_ERROR_CORRUPT_BLOCK);
    lz4framed_encoder_free(enc);
}

/* A header declaring `declared` bytes (written by one encoder) followed by
 * the blocks of 150 bytes (written by another). */
static void content_size_lie(uint64_t declared) {
    unsigned char *data = make_data(150, 32);
    unsigned char frame[400], body[400];
    size_t header_size, body_size, written, at;
    lz4framed_encoder *liar = NULL, *honest = NULL;
    CHECK_OK(lz4framed_encoder_new(NULL, &liar));
    CHECK_OK(lz4framed_encoder_set_content_size(liar, 1, declared));
    CHECK_OK(lz4framed_encoder_begin(liar, frame, sizeof frame, &header_size));
    CHECK(header_size == 15);
    CHECK_OK(lz4framed_encoder_new(NULL, &honest));
    CHECK_OK(lz4framed_encoder_begin(honest, body, sizeof body, &at));
    CHECK(at == 7);
    CHECK_OK(lz4framed_encoder_update(honest, data, 150, body + at, sizeof body - at, &written));
    at += written;
    CHECK_OK(lz4framed_encoder_end(honest, body + at, sizeof body - at, &written));
    body_size = at + written - 7;
    memcpy(frame + header_size, body + 7, body_size);
    expect_decode_error(frame, header_size + body_size, LZ4FRAMED_ERROR_CONTENT_SIZE);
    lz4framed_encoder_free(liar);
    lz4framed_encoder_free(honest);
    free(data);
}

static void dictionary_errors(void) {
    unsigned char *dict = make_data(1000, 33), *data = make_data(3000, 33);
    unsigned char frame[4000], out[3000];
    size_t n, out_size = SENTINEL;
    lz4framed_preferences p;
    memset(&p, 0, sizeof p);
    p.dict_id = 5;
    CHECK_OK(lz4framed_compress_using_dict(data, 3000, frame, sizeof frame, &p, dict, 1000, &n));
    expect_decode_error(frame, n, LZ4FRAMED_ERROR_DICTIONARY_REQUIRED);
    CHECK_STATUS(lz4framed_decompress_using_dict(frame, n, out, sizeof out, dict, 1000, 6, &out_size),
                 LZ4FRAMED_ERROR_DICTIONARY_MISMATCH);
    CHECK(out_size == SENTINEL);
    CHECK_OK(lz4framed_decompress_using_dict(frame, n, out, sizeof out, dict, 1000, 5, &out_size));
    CHECK(out_size == 3000 && memcmp(out, data, 3000) == 0);
    FREE_ALL(dict, data);
}

int main(void) {
    status_names();
    null_arguments();
    invalid_arguments();
    dst_too_small();
    wrong_stage();
    damaged_input();
    corrupt_block();
    content_size_lie(100); /* caught in the block */
    content_size_lie(200); /* caught at the end mark */
    content_size_lie(0);
    dictionary_errors();
    report("errors");
    return 0;
}
