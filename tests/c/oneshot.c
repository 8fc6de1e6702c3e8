/* One-call compression and decompression with every preference, frame
 * info, dictionaries, concatenated / skippable / legacy frames, bounds and
 * library-level functions. */
#include "check.h"

#include <stdint.h>

static const int levels[] = {-5, 0, 1, 2, 3, 9, 12};
#define N_LEVELS (sizeof levels / sizeof levels[0])

static unsigned char *compress_alloc(const void *src, size_t n, const lz4framed_preferences *prefs,
                                     const void *dict, size_t dict_size, size_t *frame_size) {
    size_t bound = lz4framed_compress_frame_bound(n, prefs);
    unsigned char *frame;
    CHECK(bound > n);
    frame = (unsigned char *)xmalloc(bound);
    if (dict != NULL) {
        CHECK_OK(lz4framed_compress_using_dict(src, n, frame, bound, prefs, dict, dict_size, frame_size));
    } else {
        CHECK_OK(lz4framed_compress(src, n, frame, bound, prefs, frame_size));
    }
    CHECK(*frame_size <= bound);
    return frame;
}

static void check_info(const lz4framed_frame_info *info, const lz4framed_preferences *p, size_t n) {
    CHECK(info->frame_kind == LZ4FRAMED_FRAME_LZ4);
    CHECK(info->block_size_id == (p->block_size_id ? p->block_size_id : LZ4FRAMED_BLOCK_SIZE_64KB));
    CHECK(info->block_max_size == (uint32_t)1 << (8 + 2 * info->block_size_id));
    CHECK(info->block_linked == !p->block_independent);
    CHECK(info->block_checksum == p->block_checksum);
    CHECK(info->content_checksum == p->content_checksum);
    CHECK(info->has_content_size == p->content_size_flag);
    CHECK(info->content_size == (p->content_size_flag ? n : 0));
    CHECK(info->has_dict_id == (p->dict_id != 0));
    CHECK(info->dict_id == p->dict_id);
}

/* Every combination of the flag fields, with block sizes and levels
 * spread over them. */
static void all_preferences(void) {
    const size_t n = 150000;
    unsigned char *data = make_data(n, 1);
    unsigned char *dict = make_data(70000, 2);
    unsigned char *out = (unsigned char *)xmalloc(n);
    unsigned combo;
    for (combo = 0; combo < 128; combo++) {
        lz4framed_preferences p;
        lz4framed_frame_info info;
        size_t frame_size, header_size, out_size, i;
        unsigned char *frame;
        int with_dict = (combo & 64) != 0;
        memset(&p, 0, sizeof p);
        p.level = levels[combo % N_LEVELS];
        p.block_size_id = combo % 5 == 0 ? 0 : 3 + combo % 5;
        p.block_independent = combo & 1;
        p.block_checksum = (combo >> 1) & 1;
        p.content_checksum = (combo >> 2) & 1;
        p.content_size_flag = (combo >> 3) & 1;
        p.content_size = 12345; /* ignored by one-shot compression */
        p.auto_flush = (combo >> 4) & 1;
        p.favor_dec_speed = (combo >> 5) & 1;
        p.dict_id = with_dict ? 0xC0FFEEu : 0;
        frame = compress_alloc(data, n, &p, with_dict ? dict : NULL, 70000, &frame_size);

        CHECK_OK(lz4framed_get_frame_info(frame, frame_size, &info, &header_size));
        check_info(&info, &p, n);
        CHECK(header_size >= 7 && header_size <= LZ4FRAMED_MAX_HEADER_SIZE);
        for (i = 0; i < header_size; i++) {
            CHECK_STATUS(lz4framed_get_frame_info(frame, i, &info, &header_size), LZ4FRAMED_NEED_INPUT);
        }

        if (with_dict) {
            CHECK_STATUS(lz4framed_decompress(frame, frame_size, out, n, &out_size),
                         LZ4FRAMED_ERROR_DICTIONARY_REQUIRED);
            CHECK_STATUS(lz4framed_decompress_using_dict(frame, frame_size, out, n, dict, 70000, 7, &out_size),
                         LZ4FRAMED_ERROR_DICTIONARY_MISMATCH);
            CHECK_OK(lz4framed_decompress_using_dict(frame, frame_size, out, n, dict, 70000, 0xC0FFEEu, &out_size));
            CHECK(out_size == n && memcmp(out, data, n) == 0);
            memset(out, 0, n);
            CHECK_OK(lz4framed_decompress_using_dict(frame, frame_size, out, n, dict, 70000, 0, &out_size));
        } else {
            CHECK_OK(lz4framed_decompress(frame, frame_size, out, n, &out_size));
        }
        CHECK(out_size == n && memcmp(out, data, n) == 0);
        if (!with_dict) {
            CHECK_STATUS(lz4framed_decompress(frame, frame_size, out, n - 1, &out_size),
                         LZ4FRAMED_ERROR_DST_TOO_SMALL);
        }
        free(frame);
    }
    FREE_ALL(data, dict, out);
}

/* Levels compress better (or equal) as they go up; all decode. */
static void levels_and_ratio(void) {
    const size_t n = 100000;
    unsigned char *data = make_data(n, 3);
    unsigned char *out = (unsigned char *)xmalloc(n);
    size_t sizes[N_LEVELS], out_size;
    unsigned i;
    for (i = 0; i < N_LEVELS; i++) {
        lz4framed_preferences p;
        unsigned char *frame;
        memset(&p, 0, sizeof p);
        p.level = levels[i];
        frame = compress_alloc(data, n, &p, NULL, 0, &sizes[i]);
        CHECK(sizes[i] < n / 4 * 3);
        CHECK_OK(lz4framed_decompress(frame, sizes[i], out, n, &out_size));
        CHECK(out_size == n && memcmp(out, data, n) == 0);
        free(frame);
    }
    CHECK(sizes[0] >= sizes[1]);          /* acceleration 6 vs level 0 */
    CHECK(sizes[N_LEVELS - 1] < sizes[1]); /* HC 12 vs fast */
    FREE_ALL(data, out);
}

static void defaults_and_empty(void) {
    const size_t n = 5000;
    unsigned char *data = make_data(n, 4);
    lz4framed_preferences zero;
    unsigned char a[8000], b[8000], out[8000];
    size_t a_size, b_size, out_size = 99, header_size;
    lz4framed_frame_info info;
    memset(&zero, 0, sizeof zero);
    /* NULL preferences are the zeroed struct. */
    CHECK(lz4framed_compress_frame_bound(n, NULL) == lz4framed_compress_frame_bound(n, &zero));
    CHECK(lz4framed_compress_bound(n, NULL) == lz4framed_compress_bound(n, &zero));
    CHECK_OK(lz4framed_compress(data, n, a, sizeof a, NULL, &a_size));
    CHECK_OK(lz4framed_compress(data, n, b, sizeof b, &zero, &b_size));
    CHECK(a_size == b_size && memcmp(a, b, a_size) == 0);
    CHECK_OK(lz4framed_get_frame_info(a, a_size, &info, &header_size));
    CHECK(header_size == 7 && info.block_size_id == 4 && info.block_linked == 1 && info.content_checksum == 0);

    /* Empty content: NULL with size 0 is fine on both sides. */
    CHECK_OK(lz4framed_compress(NULL, 0, a, sizeof a, NULL, &a_size));
    CHECK(a_size == 7 + 4);
    CHECK_OK(lz4framed_decompress(a, a_size, NULL, 0, &out_size));
    CHECK(out_size == 0);
    /* No input at all holds no frame. */
    out_size = 99;
    CHECK_OK(lz4framed_decompress(NULL, 0, out, sizeof out, &out_size));
    CHECK(out_size == 0);
    /* Bounds: a frame of n bytes always fits; updates too. */
    CHECK(lz4framed_compress_frame_bound(0, NULL) >= 11);
    CHECK(lz4framed_compress_bound(0, NULL) >= 4);
    CHECK(lz4framed_compress_bound(1, NULL) > lz4framed_compress_bound(0, NULL));
    CHECK(lz4framed_compress_frame_bound((size_t)-1, NULL) == (size_t)-1);
    free(data);
}

/* Frames of all kinds one after another decode as one stream. */
static void concatenated_skippable_legacy(void) {
    static const char legacy_text[] = "legacy block";
    unsigned char *a = make_data(70000, 5), *b = make_data(3000, 6);
    unsigned char *stream = (unsigned char *)xmalloc(200000), *out = (unsigned char *)xmalloc(80000);
    size_t at = 0, n, out_size, header_size, i, ends[3];
    lz4framed_preferences p;
    lz4framed_frame_info info;
    memset(&p, 0, sizeof p);
    p.content_checksum = 1;

    CHECK_OK(lz4framed_compress(a, 70000, stream + at, 200000 - at, &p, &n));
    at += n;
    ends[0] = at;
    /* A skippable frame with a 10-byte payload. */
    put_le32(stream + at, 0x184D2A5Au);
    put_le32(stream + at + 4, 10);
    memset(stream + at + 8, 0xEE, 10);
    CHECK_OK(lz4framed_get_frame_info(stream + at, 18, &info, &header_size));
    CHECK(info.frame_kind == LZ4FRAMED_FRAME_SKIPPABLE && header_size == 8);
    CHECK(info.has_content_size == 1 && info.content_size == 10 && info.block_size_id == 0);
    CHECK(info.block_max_size == 0 && info.block_linked == 0);
    CHECK_STATUS(lz4framed_get_frame_info(stream + at, 7, &info, &header_size), LZ4FRAMED_NEED_INPUT);
    at += 18;
    ends[1] = at;
    /* A legacy frame: one block of literals only (token: length << 4). */
    put_le32(stream + at, 0x184C2102u);
    put_le32(stream + at + 4, (uint32_t)sizeof legacy_text);
    stream[at + 8] = (unsigned char)((sizeof legacy_text - 1) << 4);
    memcpy(stream + at + 9, legacy_text, sizeof legacy_text - 1);
    CHECK_OK(lz4framed_get_frame_info(stream + at, 4, &info, &header_size));
    CHECK(info.frame_kind == LZ4FRAMED_FRAME_LEGACY && header_size == 4);
    CHECK(info.block_size_id == 0 && info.block_max_size == 8u << 20 && info.block_linked == 0);
    CHECK(info.has_content_size == 0 && info.content_checksum == 0 && info.has_dict_id == 0);
    at += 8 + sizeof legacy_text;
    ends[2] = at;
    CHECK_OK(lz4framed_compress(b, 3000, stream + at, 200000 - at, NULL, &n));
    at += n;

    CHECK_OK(lz4framed_decompress(stream, at, out, 80000, &out_size));
    CHECK(out_size == 70000 + sizeof legacy_text - 1 + 3000);
    CHECK(memcmp(out, a, 70000) == 0);
    CHECK(memcmp(out + 70000, legacy_text, sizeof legacy_text - 1) == 0);
    CHECK(memcmp(out + 70000 + sizeof legacy_text - 1, b, 3000) == 0);
    /* Every cut inside a frame is truncation; cuts between frames are not. */
    for (i = 1; i < at; i += 97) {
        size_t sentinel = 4242;
        if (i == ends[0] || i == ends[1] || i == ends[2]) {
            CHECK_OK(lz4framed_decompress(stream, i, out, 80000, &sentinel));
        } else {
            CHECK_STATUS(lz4framed_decompress(stream, i, out, 80000, &sentinel), LZ4FRAMED_ERROR_TRUNCATED);
            CHECK(sentinel == 4242);
        }
    }
    for (i = 0; i < 3; i++) {
        CHECK_OK(lz4framed_decompress(stream, ends[i], out, 80000, &out_size));
    }
    FREE_ALL(a, b, stream, out);
}

/* A dictionary shorter than 64 KiB, and dictionary ID 0 (none written). */
static void dictionaries(void) {
    const size_t n = 20000;
    unsigned char *dict = make_data(5000, 7), *data = make_data(n, 7); /* same text: dict helps */
    unsigned char *out = (unsigned char *)xmalloc(n);
    size_t with_size, without_size, out_size;
    lz4framed_preferences p;
    lz4framed_frame_info info;
    size_t header_size;
    unsigned char *with, *without;
    memset(&p, 0, sizeof p);
    with = compress_alloc(data, n, &p, dict, 5000, &with_size);
    without = compress_alloc(data, n, &p, NULL, 0, &without_size);
    CHECK(with_size < without_size);
    CHECK_OK(lz4framed_get_frame_info(with, with_size, &info, &header_size));
    CHECK(info.has_dict_id == 0);
    /* The frame names no dictionary, so the decoder cannot tell: without
     * the dictionary the matches into it are invalid. */
    CHECK_STATUS(lz4framed_decompress(with, with_size, out, n, &out_size), LZ4FRAMED_ERROR_CORRUPT_BLOCK);
    CHECK_OK(lz4framed_decompress_using_dict(with, with_size, out, n, dict, 5000, 0, &out_size));
    CHECK(out_size == n && memcmp(out, data, n) == 0);
    /* An empty dictionary (NULL, 0) decodes frames that need none. */
    CHECK_OK(lz4framed_decompress_using_dict(without, without_size, out, n, NULL, 0, 0, &out_size));
    CHECK(out_size == n && memcmp(out, data, n) == 0);
    FREE_ALL(dict, data, out, with, without);
}

/* A frame of `n` bytes of make_data(n, seed), with or without a declared
 * content size; the caller frees it. */
static unsigned char *sized_frame(size_t n, unsigned seed, int with_size, size_t *frame_size) {
    unsigned char *data = make_data(n, seed), *frame;
    lz4framed_preferences p = {0};
    p.content_size_flag = (uint32_t)with_size;
    p.block_checksum = 1;
    p.content_checksum = 1;
    frame = compress_alloc(data, n, &p, NULL, 0, frame_size);
    free(data);
    return frame;
}

/* lz4framed_decompressed_size and lz4framed_decompress_alloc: frames with
 * and without content size, concatenated, corrupt, truncated, NULL. */
static void unknown_sizes(void) {
    const size_t na = 150000, nb = 7000;
    unsigned char *a = make_data(na, 21), *b = make_data(nb, 22);
    int sa, sb;
    for (sa = 0; sa < 2; sa++) {
        for (sb = 0; sb < 2; sb++) {
            size_t fa, fb, total, got_size = 0, i;
            unsigned char *frame_a = sized_frame(na, 21, sa, &fa), *frame_b = sized_frame(nb, 22, sb, &fb);
            unsigned char *stream = (unsigned char *)xmalloc(fa + 18 + fb), *small;
            void *out = NULL;
            uint64_t size = 0;
            memcpy(stream, frame_a, fa);
            put_le32(stream + fa, 0x184D2A50u); /* a skippable frame counts 0 */
            put_le32(stream + fa + 4, 10);
            memset(stream + fa + 8, 0xAB, 10);
            memcpy(stream + fa + 18, frame_b, fb);
            total = fa + 18 + fb;

            CHECK_OK(lz4framed_decompressed_size(stream, total, &size));
            CHECK(size == na + nb);
            CHECK_OK(lz4framed_decompressed_size(frame_a, fa, &size));
            CHECK(size == na);
            CHECK_OK(lz4framed_decompress_alloc(stream, total, &out, &got_size));
            CHECK(out != NULL && got_size == na + nb);
            CHECK(memcmp(out, a, na) == 0 && memcmp((unsigned char *)out + na, b, nb) == 0);
            lz4framed_blob_free(out);

            /* A buffer one byte short: DST_TOO_SMALL, whose message names
             * the functions that need no size. */
            small = (unsigned char *)xmalloc(na + nb - 1);
            CHECK_STATUS(lz4framed_decompress(stream, total, small, na + nb - 1, &got_size),
                         LZ4FRAMED_ERROR_DST_TOO_SMALL);
            CHECK(strstr(lz4framed_status_message(LZ4FRAMED_ERROR_DST_TOO_SMALL), "lz4framed_decompress_alloc") != NULL);
            CHECK(strstr(lz4framed_status_message(LZ4FRAMED_ERROR_DST_TOO_SMALL), "lz4framed_decompressed_size") != NULL);
            free(small);

            /* Cuts inside a frame are truncation, reported by both; the
             * out-parameters stay untouched. */
            for (i = 1; i < total; i += 1009) {
                if (i == fa || i == fa + 18) {
                    continue;
                }
                size = 4242;
                out = NULL;
                got_size = 4242;
                CHECK_STATUS(lz4framed_decompressed_size(stream, i, &size), LZ4FRAMED_ERROR_TRUNCATED);
                CHECK(size == 4242);
                CHECK_STATUS(lz4framed_decompress_alloc(stream, i, &out, &got_size), LZ4FRAMED_ERROR_TRUNCATED);
                CHECK(out == NULL && got_size == 4242);
            }
            CHECK_OK(lz4framed_decompressed_size(stream, fa, &size));
            CHECK(size == na);

            /* The content checksum damaged: an error from the allocating
             * decoder always, from the size query when it has to decode. */
            stream[fa - 1] ^= 0x40;
            CHECK_STATUS(lz4framed_decompress_alloc(stream, total, &out, &got_size),
                         LZ4FRAMED_ERROR_CONTENT_CHECKSUM);
            CHECK(out == NULL);
            if (sa && sb) {
                /* Sized frames: the size comes from the headers alone. */
                CHECK_OK(lz4framed_decompressed_size(stream, total, &size));
                CHECK(size == na + nb);
            } else {
                CHECK_STATUS(lz4framed_decompressed_size(stream, total, &size), LZ4FRAMED_ERROR_CONTENT_CHECKSUM);
            }
            stream[fa - 1] ^= 0x40;
            /* A damaged header is an error, not a size, either way. */
            /* (The header checksum is the last byte of the header: 4 magic,
             * FLG, BD, 8 bytes of content size when declared, HC.) */
            stream[sa ? 14 : 6] ^= 0x01;
            CHECK_STATUS(lz4framed_decompressed_size(stream, total, &size), LZ4FRAMED_ERROR_HEADER_CHECKSUM);
            CHECK_STATUS(lz4framed_decompress_alloc(stream, total, &out, &got_size), LZ4FRAMED_ERROR_HEADER_CHECKSUM);
            stream[sa ? 14 : 6] ^= 0x01;
            /* Not LZ4 data. */
            CHECK_STATUS(lz4framed_decompressed_size("garbage!", 8, &size), LZ4FRAMED_ERROR_BAD_MAGIC);

            FREE_ALL(frame_a, frame_b, stream);
        }
    }

    /* Empty input: no frames, size 0, and still a buffer to free. */
    {
        void *out = NULL;
        size_t got_size = 99;
        uint64_t size = 99;
        CHECK_OK(lz4framed_decompressed_size(NULL, 0, &size));
        CHECK(size == 0);
        CHECK_OK(lz4framed_decompress_alloc(NULL, 0, &out, &got_size));
        CHECK(out != NULL && got_size == 0);
        lz4framed_blob_free(out);
        lz4framed_blob_free(NULL);
    }
    /* NULL arguments. */
    {
        size_t fa, got_size;
        unsigned char *frame_a = sized_frame(1000, 23, 0, &fa);
        void *out = NULL;
        uint64_t size;
        CHECK_STATUS(lz4framed_decompressed_size(NULL, 10, &size), LZ4FRAMED_ERROR_NULL_ARGUMENT);
        CHECK_STATUS(lz4framed_decompressed_size(frame_a, fa, NULL), LZ4FRAMED_ERROR_NULL_ARGUMENT);
        CHECK_STATUS(lz4framed_decompress_alloc(NULL, 10, &out, &got_size), LZ4FRAMED_ERROR_NULL_ARGUMENT);
        CHECK_STATUS(lz4framed_decompress_alloc(frame_a, fa, NULL, &got_size), LZ4FRAMED_ERROR_NULL_ARGUMENT);
        CHECK_STATUS(lz4framed_decompress_alloc(frame_a, fa, &out, NULL), LZ4FRAMED_ERROR_NULL_ARGUMENT);
        CHECK(out == NULL);
        CHECK_STATUS(lz4framed_decompress_alloc_using_dict(frame_a, fa, NULL, 5, 0, &out, &got_size),
                     LZ4FRAMED_ERROR_NULL_ARGUMENT);
        CHECK_STATUS(lz4framed_decompressed_size_using_dict(frame_a, fa, NULL, 5, 0, &size),
                     LZ4FRAMED_ERROR_NULL_ARGUMENT);
        free(frame_a);
    }
    FREE_ALL(a, b);
}

/* The _using_dict variants on a frame that needs its dictionary. */
static void unknown_sizes_with_dictionary(void) {
    const size_t n = 20000;
    unsigned char *dict = make_data(5000, 7), *data = make_data(n, 7), *frame;
    size_t frame_size, got_size;
    void *out = NULL;
    uint64_t size;
    lz4framed_preferences p = {0};
    p.dict_id = 77;
    frame = compress_alloc(data, n, &p, dict, 5000, &frame_size);
    CHECK_STATUS(lz4framed_decompressed_size(frame, frame_size, &size), LZ4FRAMED_ERROR_DICTIONARY_REQUIRED);
    CHECK_STATUS(lz4framed_decompress_alloc(frame, frame_size, &out, &got_size),
                 LZ4FRAMED_ERROR_DICTIONARY_REQUIRED);
    CHECK_OK(lz4framed_decompressed_size_using_dict(frame, frame_size, dict, 5000, 77, &size));
    CHECK(size == n);
    CHECK_STATUS(lz4framed_decompress_alloc_using_dict(frame, frame_size, dict, 5000, 78, &out, &got_size),
                 LZ4FRAMED_ERROR_DICTIONARY_MISMATCH);
    CHECK_OK(lz4framed_decompress_alloc_using_dict(frame, frame_size, dict, 5000, 0, &out, &got_size));
    CHECK(got_size == n && memcmp(out, data, n) == 0);
    lz4framed_blob_free(out);
    FREE_ALL(dict, data, frame);
}

/* Reserved fields must be zero; the library writes them as zero. */
static void reserved_fields(void) {
    unsigned char src[100] = {0}, dst[400];
    size_t n, header_size, i;
    lz4framed_preferences p = {0};
    lz4framed_frame_info info;
    lz4framed_encoder *enc = NULL;
    /* seek_table_kib took the first of 7 reserved slots: the size stays. */
    CHECK(sizeof p.reserved == 6 * sizeof(uint32_t) && sizeof info.reserved == 4 * sizeof(uint32_t));
    CHECK(sizeof p == 80 && sizeof info == 64);
    for (i = 0; i < 6; i++) {
        p.reserved[i] = 1;
        CHECK_STATUS(lz4framed_compress(src, sizeof src, dst, sizeof dst, &p, &n), LZ4FRAMED_ERROR_INVALID_ARGUMENT);
        CHECK_STATUS(lz4framed_encoder_new(&p, &enc), LZ4FRAMED_ERROR_INVALID_ARGUMENT);
        CHECK(enc == NULL);
        CHECK(lz4framed_compress_bound(10, &p) == 0);
        p.reserved[i] = 0;
    }
    CHECK_OK(lz4framed_compress(src, sizeof src, dst, sizeof dst, &p, &n));
    memset(&info, 0xFF, sizeof info);
    CHECK_OK(lz4framed_get_frame_info(dst, n, &info, &header_size));
    for (i = 0; i < 4; i++) {
        CHECK(info.reserved[i] == 0);
    }
}

/* Worker threads: independent blocks come out byte-identical to the
 * caller's thread alone, one-shot and streaming; linked blocks decode to
 * the input; too many workers is refused. */
static void workers(void) {
    const size_t size = 9u << 20; /* more than two 4 MiB jobs */
    unsigned char *data = make_data(size, 31), *serial, *parallel, *back;
    size_t cap, chunk_cap, serial_size, parallel_size, n, at, got, produced;
    unsigned char *chunk;
    lz4framed_preferences p = {0};
    lz4framed_encoder *enc = NULL;
    unsigned linked;
    p.block_size_id = LZ4FRAMED_BLOCK_SIZE_1MB;
    p.content_checksum = 1;
    p.level = 1;
    cap = lz4framed_compress_frame_bound(size, &p);
    serial = (unsigned char *)xmalloc(cap);
    parallel = (unsigned char *)xmalloc(cap);
    back = (unsigned char *)xmalloc(size);
    p.workers = 2;
    chunk_cap = lz4framed_compress_bound(3700000, &p);
    chunk = (unsigned char *)xmalloc(chunk_cap);
    for (linked = 0; linked < 2; linked++) {
        p.block_independent = !linked;
        p.workers = 0;
        CHECK_OK(lz4framed_compress(data, size, serial, cap, &p, &serial_size));
        p.workers = 2;
        CHECK_OK(lz4framed_compress(data, size, parallel, cap, &p, &parallel_size));
        CHECK(linked || (parallel_size == serial_size && memcmp(parallel, serial, serial_size) == 0));
        CHECK_OK(lz4framed_decompress(parallel, parallel_size, back, size, &n));
        CHECK(n == size && memcmp(back, data, size) == 0);
        /* Streaming in uneven pieces, output lagging while jobs run. */
        CHECK_OK(lz4framed_encoder_new(&p, &enc));
        CHECK_OK(lz4framed_encoder_begin(enc, parallel, cap, &parallel_size));
        for (at = 0; at < size; at += got) {
            size_t piece = 700000 + at % 3000000;
            got = piece < size - at ? piece : size - at;
            CHECK(lz4framed_compress_bound(got, &p) <= chunk_cap);
            CHECK_OK(lz4framed_encoder_update(enc, data + at, got, chunk, chunk_cap, &produced));
            CHECK(parallel_size + produced <= cap);
            memcpy(parallel + parallel_size, chunk, produced);
            parallel_size += produced;
        }
        CHECK_OK(lz4framed_encoder_end(enc, chunk, chunk_cap, &produced));
        CHECK(parallel_size + produced <= cap);
        memcpy(parallel + parallel_size, chunk, produced);
        parallel_size += produced;
        lz4framed_encoder_free(enc);
        enc = NULL;
        CHECK(linked || (parallel_size == serial_size && memcmp(parallel, serial, serial_size) == 0));
        CHECK_OK(lz4framed_decompress(parallel, parallel_size, back, size, &n));
        CHECK(n == size && memcmp(back, data, size) == 0);
    }
    p.workers = LZ4FRAMED_MAX_WORKERS + 1;
    CHECK_STATUS(lz4framed_encoder_new(&p, &enc), LZ4FRAMED_ERROR_INVALID_ARGUMENT);
    CHECK(enc == NULL && lz4framed_compress_bound(10, &p) == 0);
    CHECK_STATUS(lz4framed_compress(data, 10, serial, cap, &p, &n), LZ4FRAMED_ERROR_INVALID_ARGUMENT);
    FREE_ALL(chunk, back, parallel, serial, data);
}

static void versions(void) {
    char expected[32];
    uint32_t v = lz4framed_lz4_version_number();
    CHECK(lz4framed_version_number() == LZ4FRAMED_VERSION_NUMBER);
    CHECK(strcmp(lz4framed_version_string(), LZ4FRAMED_VERSION_STRING) == 0);
    CHECK(v >= 10904); /* the bundled LZ4 is recent */
    sprintf(expected, "%u.%u.%u", (unsigned)(v / 10000), (unsigned)(v / 100 % 100), (unsigned)(v % 100));
    CHECK(strcmp(lz4framed_lz4_version_string(), expected) == 0);
    CHECK(lz4framed_lz4_version_string() == lz4framed_lz4_version_string());
}

int main(void) {
    versions();
    defaults_and_empty();
    all_preferences();
    levels_and_ratio();
    concatenated_skippable_legacy();
    dictionaries();
    unknown_sizes();
    unknown_sizes_with_dictionary();
    reserved_fields();
    workers();
    report("oneshot");
    return 0;
}
