/* The streaming encoder and decoder: pieces of any size on both sides
 * (one byte included), flush, auto-flush, declared content size,
 * dictionaries, frame-by-frame decoding, the queries and reset. */
#include "check.h"

#include <stdint.h>

/* Compresses `n` bytes fed in `chunk`-byte updates (a flush after the
 * first one when `flush_after_first`), each into a buffer of exactly
 * lz4framed_compress_bound(chunk) bytes. Returns the frame. */
static unsigned char *encode(lz4framed_encoder *enc, const lz4framed_preferences *p, const unsigned char *src,
                             size_t n, size_t chunk, int flush_after_first, size_t *frame_size) {
    size_t cap = 64 + n + n / 8 + 4 * lz4framed_compress_bound(chunk, p), at = 0, written, i;
    size_t room = lz4framed_compress_bound(chunk, p);
    unsigned char *frame = (unsigned char *)xmalloc(cap);
    CHECK(room > 0);
    CHECK_OK(lz4framed_encoder_begin(enc, frame, LZ4FRAMED_MAX_HEADER_SIZE, &written));
    at += written;
    for (i = 0; i < n; i += chunk) {
        size_t piece = n - i < chunk ? n - i : chunk;
        CHECK(at + room <= cap);
        CHECK_OK(lz4framed_encoder_update(enc, src + i, piece, frame + at, room, &written));
        CHECK(written <= room);
        if (p->auto_flush) {
            CHECK(written > 0);
        }
        at += written;
        if (flush_after_first && i == 0) {
            CHECK_OK(lz4framed_encoder_flush(enc, frame + at, lz4framed_compress_bound(0, p), &written));
            at += written;
        }
    }
    CHECK(at + lz4framed_compress_bound(0, p) <= cap);
    CHECK_OK(lz4framed_encoder_end(enc, frame + at, lz4framed_compress_bound(0, p), &written));
    at += written;
    *frame_size = at;
    return frame;
}

/* Decodes `n` bytes of `src` presenting at most `in_chunk` bytes and
 * `out_chunk` bytes of room per call, re-presenting unconsumed input, and
 * checks the contract of every return. Returns the final status. */
static lz4framed_status decode(lz4framed_decoder *dec, const unsigned char *src, size_t n, size_t in_chunk,
                               size_t out_chunk, unsigned char *out, size_t out_cap, size_t *out_size) {
    size_t ip = 0, op = 0, stalls = 0;
    for (;;) {
        size_t in_n = n - ip < in_chunk ? n - ip : in_chunk;
        size_t out_n = out_cap - op < out_chunk ? out_cap - op : out_chunk;
        size_t used = 777, made = 777;
        uint64_t before_in = lz4framed_decoder_input_consumed(dec);
        uint64_t before_out = lz4framed_decoder_output_produced(dec);
        lz4framed_status s =
            lz4framed_decoder_decompress(dec, src + ip, in_n, out + op, out_n, ip + in_n == n, &used, &made);
        if (lz4framed_is_error(s)) {
            CHECK(used == 777 && made == 777);
            return s;
        }
        CHECK(used <= in_n && made <= out_n);
        CHECK(lz4framed_decoder_input_consumed(dec) == before_in + used);
        CHECK(lz4framed_decoder_output_produced(dec) == before_out + made);
        ip += used;
        op += made;
        if (s == LZ4FRAMED_NEED_INPUT) {
            CHECK(used == in_n);
            CHECK(lz4framed_decoder_input_hint(dec) > 0);
            CHECK(!lz4framed_decoder_at_frame_boundary(dec));
        } else if (s == LZ4FRAMED_OUTPUT_FULL) {
            CHECK(made == out_n);
            if (lz4framed_decoder_input_hint(dec) == 0) {
                /* Decoded output waits in the decoder. */
                CHECK(!lz4framed_decoder_at_block_boundary(dec));
            } else {
                /* The next block waits in src for room. */
                CHECK(used < in_n && lz4framed_decoder_at_block_boundary(dec));
            }
        } else {
            CHECK(s == LZ4FRAMED_OK);
            CHECK(lz4framed_decoder_at_frame_boundary(dec) && lz4framed_decoder_at_block_boundary(dec));
            if (ip == n) {
                *out_size = op;
                return s;
            }
        }
        stalls = used == 0 && made == 0 ? stalls + 1 : 0;
        CHECK(stalls < 3);
    }
}

static lz4framed_decoder *new_decoder(uint32_t flags) {
    lz4framed_decoder *dec = NULL;
    CHECK_OK(lz4framed_decoder_new(flags, &dec));
    CHECK(dec != NULL);
    return dec;
}

static void roundtrip(const lz4framed_preferences *p, const unsigned char *data, size_t n, size_t enc_chunk,
                      size_t in_chunk, size_t out_chunk) {
    lz4framed_encoder *enc = NULL;
    lz4framed_decoder *dec = new_decoder(0);
    unsigned char *frame, *out = (unsigned char *)xmalloc(n + 1);
    size_t frame_size, out_size = 0, one_shot_size;
    CHECK_OK(lz4framed_encoder_new(p, &enc));
    frame = encode(enc, p, data, n, enc_chunk, 1, &frame_size);
    CHECK_OK(decode(dec, frame, frame_size, in_chunk, out_chunk, out, n + 1, &out_size));
    CHECK(out_size == n && memcmp(out, data, n) == 0);
    CHECK(lz4framed_decoder_input_consumed(dec) == frame_size);
    CHECK(lz4framed_decoder_output_produced(dec) == n);
    CHECK(lz4framed_decoder_frames_done(dec) == 1);
    CHECK(lz4framed_decoder_skippable_frames(dec) == 0);
    CHECK_OK(lz4framed_decompress(frame, frame_size, out, n, &one_shot_size));
    CHECK(one_shot_size == n && memcmp(out, data, n) == 0);
    free(frame);
    /* The encoder goes on with a second frame. */
    frame = encode(enc, p, data, n / 2, enc_chunk, 0, &frame_size);
    CHECK_OK(lz4framed_decoder_reset(dec));
    CHECK(lz4framed_decoder_input_consumed(dec) == 0 && lz4framed_decoder_frames_done(dec) == 0);
    CHECK_OK(decode(dec, frame, frame_size, in_chunk, out_chunk, out, n + 1, &out_size));
    CHECK(out_size == n / 2 && memcmp(out, data, n / 2) == 0);
    FREE_ALL(frame, out);
    lz4framed_encoder_free(enc);
    lz4framed_decoder_free(dec);
}

static void chunk_sizes(void) {
    const size_t n = 140000;
    unsigned char *data = make_data(n, 11);
    lz4framed_preferences p;
    memset(&p, 0, sizeof p);
    roundtrip(&p, data, n, 70000, 65536, 1 << 20);
    roundtrip(&p, data, n, 1000, 1, n);          /* 1-byte input pieces */
    roundtrip(&p, data, 30000, 1, 8192, 1);      /* 1-byte updates, 1-byte output */
    roundtrip(&p, data, 6000, 7, 1, 1);          /* 1 byte each way */
    p.block_independent = 1;
    p.block_checksum = 1;
    p.content_checksum = 1;
    roundtrip(&p, data, n, 4096, 3, 5000);
    roundtrip(&p, data, 20000, 333, 1, 1);
    p.block_size_id = LZ4FRAMED_BLOCK_SIZE_256KB;
    p.block_independent = 0;
    p.auto_flush = 1;
    roundtrip(&p, data, n, 10000, 777, 1);
    p.level = 9;
    p.block_size_id = LZ4FRAMED_BLOCK_SIZE_4MB;
    p.auto_flush = 0;
    roundtrip(&p, data, n, 50000, 999, 4096);
    roundtrip(&p, data, 20000, 5000, 1, 1);
    free(data);
}

/* After a flush, everything given so far can be decoded from the output
 * so far, and the decoder waits for more. */
static void flush_makes_input_decodable(void) {
    const size_t n = 3000;
    unsigned char *data = make_data(n, 12);
    unsigned char frame[8000], out[4000];
    lz4framed_encoder *enc = NULL;
    lz4framed_decoder *dec = new_decoder(0);
    lz4framed_preferences p;
    size_t at = 0, written, used, made;
    memset(&p, 0, sizeof p);
    CHECK_OK(lz4framed_encoder_new(&p, &enc));
    CHECK_OK(lz4framed_encoder_begin(enc, frame, sizeof frame, &written));
    at += written;
    CHECK_OK(lz4framed_encoder_update(enc, data, n, frame + at, sizeof frame - at, &written));
    CHECK(written == 0); /* less than a block is held */
    CHECK_OK(lz4framed_encoder_flush(enc, frame + at, sizeof frame - at, &written));
    CHECK(written > 0);
    at += written;
    CHECK_OK(lz4framed_encoder_flush(enc, frame + at, sizeof frame - at, &written));
    CHECK(written == 0); /* nothing left */
    CHECK_STATUS(lz4framed_decoder_decompress(dec, frame, at, out, sizeof out, 0, &used, &made),
                 LZ4FRAMED_NEED_INPUT);
    CHECK(used == at && made == n && memcmp(out, data, n) == 0);
    CHECK(lz4framed_decoder_at_block_boundary(dec) && !lz4framed_decoder_at_frame_boundary(dec));
    CHECK(lz4framed_decoder_input_hint(dec) == 4); /* the next block header */
    CHECK_OK(lz4framed_encoder_end(enc, frame + at, sizeof frame - at, &written));
    CHECK_OK(lz4framed_decoder_decompress(dec, frame + at, written, out, sizeof out, 1, &used, &made));
    CHECK(used == written && made == 0);
    lz4framed_encoder_free(enc);
    lz4framed_decoder_free(dec);
    free(data);
}

static void declared_content_size(void) {
    const size_t n = 10000;
    unsigned char *data = make_data(n, 13);
    unsigned char *frame, out[10000];
    lz4framed_encoder *enc = NULL;
    lz4framed_decoder *dec = new_decoder(0);
    lz4framed_frame_info info;
    lz4framed_preferences p;
    size_t frame_size, header_size, out_size;
    memset(&p, 0, sizeof p);
    p.content_size_flag = 1;
    p.content_size = n;
    CHECK_OK(lz4framed_encoder_new(&p, &enc));
    frame = encode(enc, &p, data, n, 3000, 0, &frame_size);
    CHECK_OK(lz4framed_get_frame_info(frame, frame_size, &info, &header_size));
    CHECK(info.has_content_size && info.content_size == n && header_size == 15);
    free(frame);
    /* Overridden per frame; 0 withdraws it. */
    CHECK_OK(lz4framed_encoder_set_content_size(enc, 1, 600));
    frame = encode(enc, &p, data, 600, 100, 0, &frame_size);
    CHECK_OK(lz4framed_get_frame_info(frame, frame_size, &info, &header_size));
    CHECK(info.content_size == 600);
    CHECK_OK(decode(dec, frame, frame_size, 1, 1, out, sizeof out, &out_size));
    CHECK(out_size == 600 && memcmp(out, data, 600) == 0);
    free(frame);
    CHECK_OK(lz4framed_encoder_set_content_size(enc, 0, 12345));
    frame = encode(enc, &p, data, 600, 100, 0, &frame_size);
    CHECK_OK(lz4framed_get_frame_info(frame, frame_size, &info, &header_size));
    CHECK(!info.has_content_size && header_size == 7);
    free(frame);
    lz4framed_encoder_free(enc);
    lz4framed_decoder_free(dec);
    free(data);
}

static void dictionary_streaming(void) {
    const size_t n = 30000;
    unsigned char *dict = make_data(80000, 14), *data = make_data(n, 14);
    unsigned char *frame, *out = (unsigned char *)xmalloc(n), *copy = (unsigned char *)xmalloc(80000);
    lz4framed_encoder *enc = NULL;
    lz4framed_decoder *dec = new_decoder(0);
    lz4framed_frame_info info;
    lz4framed_preferences p;
    size_t frame_size, out_size;
    int independent;
    for (independent = 0; independent < 2; independent++) {
        memset(&p, 0, sizeof p);
        p.dict_id = 77;
        p.block_independent = (uint32_t)independent;
        p.content_checksum = 1;
        p.level = independent ? 4 : 0;
        CHECK_OK(lz4framed_encoder_new_using_dict(&p, dict, 80000, &enc));
        frame = encode(enc, &p, data, n, 1000, 0, &frame_size);
        /* The dictionary is copied: the caller's memory may change. */
        memcpy(copy, dict, 80000);
        CHECK_OK(lz4framed_decoder_set_dictionary(dec, copy, 80000, 77));
        memset(copy, 0, 80000);
        CHECK_STATUS(decode(dec, frame, frame_size / 2, 7, 100, out, n, &out_size), LZ4FRAMED_ERROR_TRUNCATED);
        /* Reset keeps the dictionary. */
        CHECK_OK(lz4framed_decoder_reset(dec));
        CHECK_OK(decode(dec, frame, frame_size, 7, 100, out, n, &out_size));
        CHECK(out_size == n && memcmp(out, data, n) == 0);
        free(frame);
        lz4framed_encoder_free(enc);
    }
    /* The frame info is available inside a frame only. */
    CHECK_OK(lz4framed_decoder_reset(dec));
    CHECK_OK(lz4framed_encoder_new_using_dict(&p, dict, 80000, &enc));
    frame = encode(enc, &p, data, n, n, 0, &frame_size);
    {
        size_t used, made;
        CHECK_STATUS(lz4framed_decoder_frame_info(dec, &info), LZ4FRAMED_ERROR_WRONG_STAGE);
        CHECK_STATUS(lz4framed_decoder_decompress(dec, frame, frame_size, out, 10, 0, &used, &made),
                     LZ4FRAMED_OUTPUT_FULL);
        CHECK(made == 10 && memcmp(out, data, 10) == 0);
        CHECK_OK(lz4framed_decoder_frame_info(dec, &info));
        CHECK(info.frame_kind == LZ4FRAMED_FRAME_LZ4 && info.has_dict_id && info.dict_id == 77);
        CHECK(info.block_linked == 0 && info.content_checksum == 1);
        CHECK(lz4framed_decoder_memory_usage(dec) > 0);
    }
    free(frame);
    lz4framed_encoder_free(enc);
    lz4framed_decoder_free(dec);
    FREE_ALL(dict, copy, data, out);
}

/* STOP_AT_FRAME_END returns after every frame, skippable ones included;
 * without it the same input decodes in one call. */
static void frame_by_frame(void) {
    unsigned char *a = make_data(5000, 15), *b = make_data(7000, 16);
    unsigned char stream[20000], out[12000];
    size_t at = 0, n, used, made, total_out = 0;
    lz4framed_decoder *dec = new_decoder(LZ4FRAMED_DECODER_STOP_AT_FRAME_END);
    lz4framed_frame_info info;
    CHECK_OK(lz4framed_compress(a, 5000, stream, sizeof stream, NULL, &n));
    at += n;
    put_le32(stream + at, 0x184D2A50u);
    put_le32(stream + at + 4, 3);
    memcpy(stream + at + 8, "xyz", 3);
    at += 11;
    CHECK_OK(lz4framed_compress(b, 7000, stream + at, sizeof stream - at, NULL, &n));
    at += n;

    CHECK_OK(lz4framed_decoder_decompress(dec, stream, at, out, sizeof out, 1, &used, &made));
    CHECK(used < at && made == 5000 && lz4framed_decoder_frames_done(dec) == 1);
    total_out += made;
    n = used;
    /* In the middle of the skippable frame. */
    CHECK_STATUS(lz4framed_decoder_decompress(dec, stream + n, 9, out, sizeof out, 0, &used, &made),
                 LZ4FRAMED_NEED_INPUT);
    CHECK_OK(lz4framed_decoder_frame_info(dec, &info));
    CHECK(info.frame_kind == LZ4FRAMED_FRAME_SKIPPABLE);
    CHECK(lz4framed_decoder_input_hint(dec) == 2);
    n += used;
    CHECK_OK(lz4framed_decoder_decompress(dec, stream + n, at - n, out, sizeof out, 1, &used, &made));
    CHECK(made == 0 && lz4framed_decoder_frames_done(dec) == 2 && lz4framed_decoder_skippable_frames(dec) == 1);
    n += used;
    CHECK_OK(lz4framed_decoder_decompress(dec, stream + n, at - n, out + total_out, sizeof out - total_out, 1,
                                          &used, &made));
    CHECK(n + used == at && made == 7000 && memcmp(out + total_out, b, 7000) == 0);
    CHECK(lz4framed_decoder_frames_done(dec) == 3);
    lz4framed_decoder_free(dec);

    dec = new_decoder(0);
    CHECK_OK(lz4framed_decoder_decompress(dec, stream, at, out, sizeof out, 1, &used, &made));
    CHECK(used == at && made == 12000 && memcmp(out, a, 5000) == 0 && memcmp(out + 5000, b, 7000) == 0);
    CHECK(lz4framed_decoder_frames_done(dec) == 3 && lz4framed_decoder_skippable_frames(dec) == 1);
    lz4framed_decoder_free(dec);
    FREE_ALL(a, b);
}

/* SKIP_CHECKSUMS accepts damaged checksums (the data itself is intact). */
static void skip_checksums(void) {
    unsigned char *data = make_data(9000, 17);
    unsigned char frame[12000], out[9000];
    lz4framed_preferences p;
    lz4framed_decoder *dec = new_decoder(LZ4FRAMED_DECODER_SKIP_CHECKSUMS);
    size_t n, used, made;
    memset(&p, 0, sizeof p);
    p.block_checksum = 1;
    p.content_checksum = 1;
    CHECK_OK(lz4framed_compress(data, 9000, frame, sizeof frame, &p, &n));
    frame[n - 1] ^= 0x55;                 /* content checksum */
    frame[n - 4 - 4 - 1] ^= 0x55;         /* the last block's checksum */
    CHECK_OK(lz4framed_decoder_decompress(dec, frame, n, out, sizeof out, 1, &used, &made));
    CHECK(used == n && made == 9000 && memcmp(out, data, 9000) == 0);
    CHECK_STATUS(lz4framed_decompress(frame, n, out, sizeof out, &made), LZ4FRAMED_ERROR_BLOCK_CHECKSUM);
    lz4framed_decoder_free(dec);
    free(data);
}

int main(void) {
    chunk_sizes();
    flush_makes_input_decodable();
    declared_content_size();
    dictionary_streaming();
    frame_by_frame();
    skip_checksums();
    report("stream");
    return 0;
}
