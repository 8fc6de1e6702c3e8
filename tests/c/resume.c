/* The resume functions of the C API: clone, marshal / unmarshal and the
 * read-callback decoder, at many cut points, plus every argument and
 * state error they report. */
#include "check.h"

#include <stddef.h>

#define DATA_SIZE (700u * 1024u)

static unsigned char *original;
static unsigned char *frame;
static size_t frame_size;

/* A source over a byte range; `fail_at` (if nonzero) makes the read that
 * would reach it fail, `overreport` makes it claim more than it may. */
struct source {
    const unsigned char *data;
    size_t pos, end, fail_at;
    int overreport;
    size_t calls;
};

static ptrdiff_t source_read(void *ctx, void *buf, size_t capacity) {
    struct source *s = (struct source *)ctx;
    size_t n = s->end - s->pos;
    s->calls++;
    if (s->overreport) return (ptrdiff_t)capacity + 1;
    if (s->fail_at && s->pos + (n < capacity ? n : capacity) >= s->fail_at) return -1;
    /* Uneven pieces, never more than asked. */
    if (n > capacity) n = capacity;
    if (n > 3000 + (s->calls % 7) * 1000) n = 3000 + (s->calls % 7) * 1000;
    memcpy(buf, s->data + s->pos, n);
    s->pos += n;
    return (ptrdiff_t)n;
}

static void make_frame(unsigned block_size_id, unsigned independent) {
    lz4framed_preferences p;
    size_t cap;
    memset(&p, 0, sizeof p);
    p.block_size_id = block_size_id;
    p.block_independent = independent;
    p.block_checksum = 1;
    p.content_checksum = 1;
    p.content_size_flag = 1;
    p.content_size = DATA_SIZE;
    cap = lz4framed_compress_frame_bound(DATA_SIZE, &p);
    free(frame);
    frame = (unsigned char *)xmalloc(cap);
    CHECK_OK(lz4framed_compress(original, DATA_SIZE, frame, cap, &p, &frame_size));
}

/* Feeds `dec` input up to `cut` through small output buffers, so that at
 * the cut it usually holds decoded output it has not delivered. Returns
 * the output produced. */
static size_t decode_until(lz4framed_decoder *dec, size_t cut, unsigned char *out) {
    size_t in_at = 0, out_at = 0;
    while (in_at < cut) {
        size_t consumed = 0, produced = 0;
        size_t room = DATA_SIZE - out_at < 1000 ? DATA_SIZE - out_at : 1000;
        lz4framed_status st = lz4framed_decoder_decompress(dec, frame + in_at, cut - in_at, out + out_at,
                                                           room, 0, &consumed, &produced);
        CHECK(!lz4framed_is_error(st));
        in_at += consumed;
        out_at += produced;
        if (consumed == 0 && produced == 0) break;
    }
    CHECK(lz4framed_decoder_input_consumed(dec) == in_at);
    CHECK(lz4framed_decoder_output_produced(dec) == out_at);
    return out_at;
}

/* Finishes with the push API from where `dec` stands. */
static void finish_push(lz4framed_decoder *dec, unsigned char *out) {
    size_t in_at = (size_t)lz4framed_decoder_input_consumed(dec);
    size_t out_at = (size_t)lz4framed_decoder_output_produced(dec);
    size_t consumed = 0, produced = 0;
    CHECK_OK(lz4framed_decoder_decompress(dec, frame + in_at, frame_size - in_at, out + out_at,
                                          DATA_SIZE - out_at, 1, &consumed, &produced));
    CHECK(in_at + consumed == frame_size);
    CHECK(out_at + produced == DATA_SIZE);
    CHECK(memcmp(out, original, DATA_SIZE) == 0);
}

/* Finishes through the read callback, the source dropping once on the way. */
static void finish_pull(lz4framed_decoder *dec, unsigned char *out) {
    size_t in_at = (size_t)lz4framed_decoder_input_consumed(dec);
    size_t out_at = (size_t)lz4framed_decoder_output_produced(dec);
    size_t drop = in_at + (frame_size - in_at) / 2;
    struct source first = {0}, second = {0};
    size_t read = 0, produced = 0;
    lz4framed_status st;
    first.data = frame;
    first.pos = in_at;
    first.end = drop;
    st = lz4framed_decoder_read(dec, source_read, &first, out + out_at, DATA_SIZE - out_at, &read, &produced);
    CHECK(st == LZ4FRAMED_NEED_INPUT || (st == LZ4FRAMED_OK && drop == frame_size));
    CHECK(read == first.pos - in_at);
    out_at += produced;
    /* Reconnect exactly where the decoder says. */
    CHECK(lz4framed_decoder_input_consumed(dec) == first.pos);
    second.data = frame;
    second.pos = (size_t)lz4framed_decoder_input_consumed(dec);
    second.end = frame_size;
    CHECK_OK(lz4framed_decoder_read(dec, source_read, &second, out + out_at, DATA_SIZE - out_at, &read,
                                    &produced));
    CHECK(out_at + produced == DATA_SIZE);
    CHECK(memcmp(out, original, DATA_SIZE) == 0);
}

static void cut_points(void) {
    static const unsigned configs[][2] = {{4, 0}, {4, 1}, {5, 0}, {7, 1}};
    unsigned char *out = (unsigned char *)xmalloc(DATA_SIZE);
    unsigned char *out2 = (unsigned char *)xmalloc(DATA_SIZE);
    size_t c;
    for (c = 0; c < sizeof configs / sizeof configs[0]; c++) {
        size_t k;
        make_frame(configs[c][0], configs[c][1]);
        for (k = 0; k <= 24; k++) {
            /* Spread over the frame, plus the first header bytes. */
            size_t cut = k < 4 ? k * 3 : frame_size * (k - 3) / 21;
            lz4framed_decoder *dec = NULL, *copy = NULL, *restored = NULL;
            size_t produced, blob_size = 0, written = 0, alloc_size = 0;
            unsigned char *blob;
            void *alloc_blob = NULL;
            if (cut > frame_size) cut = frame_size;
            CHECK_OK(lz4framed_decoder_new(0, &dec));
            produced = decode_until(dec, cut, out);
            memcpy(out2, out, produced);

            /* (b) clone: both finish, independently. */
            CHECK_OK(lz4framed_decoder_clone(dec, &copy));
            CHECK(lz4framed_decoder_input_consumed(copy) == lz4framed_decoder_input_consumed(dec));

            /* (c) marshal into a caller buffer and through the allocating
             * variant: the same bytes. */
            CHECK_OK(lz4framed_decoder_marshal_size(dec, &blob_size));
            blob = (unsigned char *)xmalloc(blob_size);
            if (blob_size > 0) {
                CHECK_STATUS(lz4framed_decoder_marshal(dec, blob, blob_size - 1, &written),
                             LZ4FRAMED_ERROR_DST_TOO_SMALL);
            }
            CHECK_OK(lz4framed_decoder_marshal(dec, blob, blob_size, &written));
            CHECK(written == blob_size);
            CHECK_OK(lz4framed_decoder_marshal_alloc(dec, &alloc_blob, &alloc_size));
            CHECK(alloc_size == blob_size && memcmp(alloc_blob, blob, blob_size) == 0);
            lz4framed_blob_free(alloc_blob);
            if (lz4framed_decoder_at_block_boundary(dec)) {
                CHECK(blob_size <= 128 + (configs[c][1] ? 0 : 65536));
            }

            finish_push(dec, out);
            lz4framed_decoder_free(dec);
            finish_pull(copy, out2);
            lz4framed_decoder_free(copy);

            CHECK_OK(lz4framed_decoder_unmarshal(blob, blob_size, NULL, 0, &restored));
            memset(out + produced, 0, DATA_SIZE - produced);
            finish_push(restored, out);
            lz4framed_decoder_free(restored);
            free(blob);
        }
    }
    FREE_ALL(out, out2);
}

static void argument_errors(void) {
    lz4framed_decoder *dec = NULL, *copy = (lz4framed_decoder *)&copy;
    unsigned char buf[64];
    size_t n = 7, m = 7;
    void *blob = (void *)buf;
    struct source s = {0};

    CHECK_OK(lz4framed_decoder_new(0, &dec));
    CHECK_STATUS(lz4framed_decoder_clone(NULL, &copy), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK(copy == (lz4framed_decoder *)&copy); /* untouched on error */
    CHECK_STATUS(lz4framed_decoder_clone(dec, NULL), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_decoder_marshal_size(NULL, &n), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_decoder_marshal_size(dec, NULL), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_decoder_marshal(dec, NULL, 10, &n), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_decoder_marshal(dec, buf, 0, &n), LZ4FRAMED_ERROR_DST_TOO_SMALL);
    CHECK(n == 7);
    CHECK_STATUS(lz4framed_decoder_marshal_alloc(dec, NULL, &n), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_decoder_marshal_alloc(dec, &blob, NULL), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK(blob == (void *)buf);
    lz4framed_blob_free(NULL);
    CHECK_STATUS(lz4framed_decoder_unmarshal(NULL, 5, NULL, 0, &copy), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_decoder_unmarshal(NULL, 0, NULL, 0, &copy), LZ4FRAMED_ERROR_STATE_TRUNCATED);
    CHECK_STATUS(lz4framed_decoder_unmarshal(buf, sizeof buf, NULL, 3, &copy), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    memset(buf, 'x', sizeof buf);
    CHECK_STATUS(lz4framed_decoder_unmarshal(buf, sizeof buf, NULL, 0, &copy), LZ4FRAMED_ERROR_STATE_MAGIC);
    CHECK(copy == (lz4framed_decoder *)&copy);
    CHECK_STATUS(lz4framed_decoder_unmarshal(buf, sizeof buf, NULL, 0, NULL), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_decoder_read(NULL, source_read, &s, buf, sizeof buf, &n, &m),
                 LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_decoder_read(dec, NULL, &s, buf, sizeof buf, &n, &m), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_decoder_read(dec, source_read, &s, NULL, 5, &n, &m), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_decoder_read(dec, source_read, &s, buf, sizeof buf, NULL, &m),
                 LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_decoder_read(dec, source_read, &s, buf, sizeof buf, &n, NULL),
                 LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK(n == 7 && m == 7);
    /* A NULL decoder answers queries with 0. */
    CHECK(lz4framed_decoder_input_consumed(NULL) == 0);
    lz4framed_decoder_free(dec);
}

/* Every single-bit flip of a mid-block blob and every truncation is
 * refused with a state error, never a crash or a decoder. */
static void damaged_blobs(void) {
    lz4framed_decoder *dec = NULL, *bad;
    unsigned char *out = (unsigned char *)xmalloc(DATA_SIZE);
    void *blob = NULL;
    unsigned char *copy;
    size_t size = 0, i;
    make_frame(4, 1);
    CHECK_OK(lz4framed_decoder_new(0, &dec));
    decode_until(dec, frame_size / 3 + 17, out);
    CHECK_OK(lz4framed_decoder_marshal_alloc(dec, &blob, &size));
    copy = (unsigned char *)xmalloc(size);
    for (i = 0; i < size * 8; i += (i < 2048 ? 1 : 509)) {
        lz4framed_status st;
        memcpy(copy, blob, size);
        copy[i / 8] ^= (unsigned char)(1u << (i % 8));
        bad = NULL;
        st = lz4framed_decoder_unmarshal(copy, size, NULL, 0, &bad);
        CHECK(st <= LZ4FRAMED_ERROR_STATE_MAGIC && st >= LZ4FRAMED_ERROR_STATE_DICTIONARY);
        CHECK(bad == NULL);
    }
    for (i = 0; i < size; i += (i < 300 ? 1 : 997)) {
        lz4framed_status st;
        bad = NULL;
        st = lz4framed_decoder_unmarshal(blob, i, NULL, 0, &bad);
        CHECK(st <= LZ4FRAMED_ERROR_STATE_MAGIC && st >= LZ4FRAMED_ERROR_STATE_DICTIONARY);
        CHECK(bad == NULL);
    }
    /* Extra bytes after a blob are not silently ignored either. */
    {
        unsigned char *longer = (unsigned char *)xmalloc(size + 1);
        memcpy(longer, blob, size);
        longer[size] = 0;
        CHECK(lz4framed_is_error(lz4framed_decoder_unmarshal(longer, size + 1, NULL, 0, &bad)));
        free(longer);
    }
    lz4framed_blob_free(blob);
    FREE_ALL(copy, out);
    lz4framed_decoder_free(dec);
}

/* A dictionary is not stored: unmarshal wants the same one again. */
static void dictionary_state(void) {
    unsigned char dict[4096];
    lz4framed_preferences p;
    lz4framed_decoder *dec = NULL, *restored = NULL;
    unsigned char *out = (unsigned char *)xmalloc(DATA_SIZE);
    void *blob = NULL;
    size_t size = 0, cap, consumed = 0, produced = 0, at, out_at;
    memcpy(dict, original + 1000, sizeof dict);
    memset(&p, 0, sizeof p);
    p.dict_id = 77;
    p.content_checksum = 1;
    cap = lz4framed_compress_frame_bound(DATA_SIZE, &p);
    free(frame);
    frame = (unsigned char *)xmalloc(cap);
    CHECK_OK(lz4framed_compress_using_dict(original, DATA_SIZE, frame, cap, &p, dict, sizeof dict, &frame_size));
    CHECK_OK(lz4framed_decoder_new(0, &dec));
    CHECK_OK(lz4framed_decoder_set_dictionary(dec, dict, sizeof dict, 77));
    out_at = decode_until(dec, frame_size / 2, out);
    CHECK_OK(lz4framed_decoder_marshal_alloc(dec, &blob, &size));
    lz4framed_decoder_free(dec);
    CHECK_STATUS(lz4framed_decoder_unmarshal(blob, size, NULL, 0, &restored), LZ4FRAMED_ERROR_STATE_DICTIONARY);
    dict[5] ^= 1;
    CHECK_STATUS(lz4framed_decoder_unmarshal(blob, size, dict, sizeof dict, &restored),
                 LZ4FRAMED_ERROR_STATE_DICTIONARY);
    dict[5] ^= 1;
    CHECK_OK(lz4framed_decoder_unmarshal(blob, size, dict, sizeof dict, &restored));
    at = (size_t)lz4framed_decoder_input_consumed(restored);
    CHECK_OK(lz4framed_decoder_decompress(restored, frame + at, frame_size - at, out + out_at, DATA_SIZE - out_at,
                                          1, &consumed, &produced));
    CHECK(out_at + produced == DATA_SIZE && memcmp(out, original, DATA_SIZE) == 0);
    lz4framed_blob_free(blob);
    lz4framed_decoder_free(restored);
    free(out);
}

/* Zero bytes of dictionary are no dictionary, in every call: a decoder
 * given one restores from its blob with NULL/0 (or any pointer with 0). */
static void empty_dictionary(void) {
    static const unsigned char empty[1] = {0};
    lz4framed_decoder *dec = NULL, *restored = NULL;
    unsigned char *out = (unsigned char *)xmalloc(DATA_SIZE);
    void *blob = NULL, *plain = NULL;
    size_t size = 0, plain_size = 0, consumed = 0, produced = 0, at, out_at;
    int pass;
    make_frame(4, 0);
    for (pass = 0; pass < 2; pass++) {
        CHECK_OK(lz4framed_decoder_new(0, &dec));
        CHECK_OK(lz4framed_decoder_set_dictionary(dec, pass ? (const void *)empty : NULL, 0, 0));
        out_at = decode_until(dec, frame_size / 2, out);
        CHECK_OK(lz4framed_decoder_marshal_alloc(dec, &blob, &size));
        lz4framed_decoder_free(dec);
        CHECK_OK(lz4framed_decoder_unmarshal(blob, size, pass ? NULL : (const void *)empty, 0, &restored));
        at = (size_t)lz4framed_decoder_input_consumed(restored);
        CHECK_OK(lz4framed_decoder_decompress(restored, frame + at, frame_size - at, out + out_at,
                                              DATA_SIZE - out_at, 1, &consumed, &produced));
        CHECK(out_at + produced == DATA_SIZE && memcmp(out, original, DATA_SIZE) == 0);
        lz4framed_decoder_free(restored);
        lz4framed_blob_free(blob);
    }
    /* Setting an empty dictionary removes the one set before. */
    CHECK_OK(lz4framed_decoder_new(0, &dec));
    CHECK_OK(lz4framed_decoder_set_dictionary(dec, original, 5000, 3));
    CHECK_OK(lz4framed_decoder_set_dictionary(dec, NULL, 0, 3));
    CHECK_OK(lz4framed_decoder_marshal_alloc(dec, &blob, &size));
    lz4framed_decoder_free(dec);
    CHECK_OK(lz4framed_decoder_new(0, &dec));
    CHECK_OK(lz4framed_decoder_marshal_alloc(dec, &plain, &plain_size));
    CHECK(size == plain_size && memcmp(blob, plain, size) == 0);
    lz4framed_decoder_free(dec);
    lz4framed_blob_free(blob);
    lz4framed_blob_free(plain);
    free(out);
}

/* A legacy frame (`lz4 -l` format) has no end mark: between its blocks the
 * input may end, and both decoding calls say so with LZ4FRAMED_OK. Two
 * blocks of literals only (a token, then the bytes). */
static const unsigned char legacy[] = {
    0x02, 0x21, 0x4C, 0x18,                                     /* magic */
    12, 0, 0, 0, 0xB0, 'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', /* block */
    6, 0, 0, 0, 0x50, ',', ' ', 'l', 'z', '4',                   /* block */
};

static void legacy_end(void) {
    lz4framed_decoder *dec = NULL;
    unsigned char out[64];
    struct source src = {0};
    size_t consumed = 0, produced = 0, cut;
    CHECK_OK(lz4framed_decoder_new(0, &dec));
    /* Push: no end declared, yet the input may end here. */
    CHECK_OK(lz4framed_decoder_decompress(dec, legacy, sizeof legacy, out, sizeof out, 0, &consumed, &produced));
    CHECK(consumed == sizeof legacy && produced == 16 && memcmp(out, "hello world, lz4", 16) == 0);
    CHECK(lz4framed_decoder_input_may_end(dec) == 1);
    CHECK(lz4framed_decoder_at_frame_boundary(dec) == 0);
    CHECK(lz4framed_decoder_frames_done(dec) == 0);
    /* Declaring the end closes the frame. */
    CHECK_OK(lz4framed_decoder_decompress(dec, NULL, 0, out, sizeof out, 1, &consumed, &produced));
    CHECK(produced == 0 && lz4framed_decoder_frames_done(dec) == 1);
    CHECK(lz4framed_decoder_at_frame_boundary(dec) == 1);
    /* Inside a block the input may not end. */
    for (cut = 0; cut <= sizeof legacy; cut++) {
        int may_end = cut == 0 || cut == 4 || cut == 20 || cut == sizeof legacy;
        lz4framed_status st;
        CHECK_OK(lz4framed_decoder_reset(dec));
        st = lz4framed_decoder_decompress(dec, legacy, cut, out, sizeof out, 0, &consumed, &produced);
        CHECK_STATUS(st, may_end ? LZ4FRAMED_OK : LZ4FRAMED_NEED_INPUT);
        CHECK(lz4framed_decoder_input_may_end(dec) == may_end);
        st = lz4framed_decoder_decompress(dec, NULL, 0, out, sizeof out, 1, &consumed, &produced);
        CHECK_STATUS(st, may_end ? LZ4FRAMED_OK : LZ4FRAMED_ERROR_TRUNCATED);
    }
    /* Pull: the source's end is a clean end. */
    CHECK_OK(lz4framed_decoder_reset(dec));
    src.data = legacy;
    src.end = sizeof legacy;
    CHECK_OK(lz4framed_decoder_read(dec, source_read, &src, out, sizeof out, &consumed, &produced));
    CHECK(consumed == sizeof legacy && produced == 16);
    lz4framed_decoder_free(dec);
}

/* A failing reader: the failure is reported by the call in which it
 * happened, together with that call's output and counts; the decoder is
 * not failed, and a good reader continues; a reader claiming more than
 * asked fails too. */
static void failing_reader(void) {
    lz4framed_decoder *dec = NULL, *failed = NULL, *copy = NULL;
    unsigned char *out = (unsigned char *)xmalloc(DATA_SIZE);
    struct source bad = {0}, good = {0};
    size_t read = 0, produced = 0, total = 0;
    lz4framed_status st;
    make_frame(5, 0);
    CHECK_OK(lz4framed_decoder_new(0, &dec));
    bad.data = frame;
    bad.end = frame_size;
    bad.fail_at = frame_size / 2;
    read = produced = (size_t)-1;
    st = lz4framed_decoder_read(dec, source_read, &bad, out, DATA_SIZE, &read, &produced);
    CHECK_STATUS(st, LZ4FRAMED_ERROR_READER_FAILED);
    CHECK(produced > 0 && produced != (size_t)-1); /* the output before the failure */
    CHECK(read == bad.pos);
    CHECK(memcmp(out, original, produced) == 0);
    total = produced;
    CHECK(lz4framed_decoder_input_consumed(dec) == bad.pos);
    CHECK(lz4framed_decoder_output_produced(dec) == total);
    /* Not sticky: the next call reads its new, working source from where
     * the failed one stopped, and finishes. */
    good.data = frame;
    good.pos = (size_t)lz4framed_decoder_input_consumed(dec);
    good.end = frame_size;
    CHECK_OK(lz4framed_decoder_read(dec, source_read, &good, out + total, DATA_SIZE - total, &read, &produced));
    CHECK(good.calls > 0 && good.pos == frame_size);
    CHECK(total + produced == DATA_SIZE && memcmp(out, original, DATA_SIZE) == 0);
    lz4framed_decoder_free(dec);

    CHECK_OK(lz4framed_decoder_new(0, &dec));
    bad.pos = 0;
    bad.fail_at = 0;
    bad.overreport = 1;
    CHECK_STATUS(lz4framed_decoder_read(dec, source_read, &bad, out, DATA_SIZE, &read, &produced),
                 LZ4FRAMED_ERROR_READER_FAILED);
    CHECK(read == 0 && produced == 0);
    CHECK(lz4framed_decoder_input_consumed(dec) == 0);
    lz4framed_decoder_free(dec);

    /* A decoder that failed on corrupt input: clone keeps the error, and
     * there is no state worth marshalling. */
    CHECK_OK(lz4framed_decoder_new(0, &failed));
    memset(out, 0xAB, 64);
    st = lz4framed_decoder_decompress(failed, out, 64, out + 64, 64, 1, &read, &produced);
    CHECK_STATUS(st, LZ4FRAMED_ERROR_BAD_MAGIC);
    CHECK_OK(lz4framed_decoder_clone(failed, &copy));
    CHECK_STATUS(lz4framed_decoder_decompress(copy, out, 64, out + 64, 64, 1, &read, &produced),
                 LZ4FRAMED_ERROR_BAD_MAGIC);
    CHECK_STATUS(lz4framed_decoder_marshal_size(failed, &read), LZ4FRAMED_ERROR_BAD_MAGIC);
    lz4framed_decoder_free(copy);
    lz4framed_decoder_free(failed);
    free(out);
}

int main(void) {
    original = make_data(DATA_SIZE, 11);
    cut_points();
    argument_errors();
    damaged_blobs();
    dictionary_state();
    failing_reader();
    empty_dictionary();
    legacy_end();
    FREE_ALL(frame, original);
    report("resume");
    return 0;
}
