/* Resumable compression through the C API: an encoder cloned, or marshalled
 * and rebuilt, at many points writes exactly the bytes of the uninterrupted
 * encoder, for fast, HC, independent, dictionary and worker preferences;
 * every argument and blob error has its specific status. */
#include "check.h"

#define DATA_SIZE (900u * 1024u)

static unsigned char *original;
static unsigned char *dict;
#define DICT_SIZE (40u * 1024u)

/* Output of one whole run, grown as needed. */
struct sink {
    unsigned char *data;
    size_t len, cap;
};

static void sink_reserve(struct sink *s, size_t more) {
    if (s->len + more > s->cap) {
        size_t cap = (s->len + more) * 2;
        unsigned char *p = (unsigned char *)xmalloc(cap);
        if (s->len) memcpy(p, s->data, s->len);
        free(s->data);
        s->data = p;
        s->cap = cap;
    }
}

/* One update of `n` bytes at `*at`, its output appended to `out`. */
static void update(lz4framed_encoder *enc, const lz4framed_preferences *p, size_t *at, size_t n,
                   struct sink *out) {
    size_t cap = lz4framed_compress_bound(n, p), written = 0;
    sink_reserve(out, cap);
    CHECK_OK(lz4framed_encoder_update(enc, original + *at, n, out->data + out->len, cap, &written));
    out->len += written;
    *at += n;
}

static void finish(lz4framed_encoder *enc, const lz4framed_preferences *p, struct sink *out) {
    size_t cap = lz4framed_compress_bound(0, p), written = 0;
    sink_reserve(out, cap);
    CHECK_OK(lz4framed_encoder_end(enc, out->data + out->len, cap, &written));
    out->len += written;
}

static lz4framed_encoder *new_encoder(const lz4framed_preferences *p, int with_dict) {
    lz4framed_encoder *enc = NULL;
    if (with_dict) {
        CHECK_OK(lz4framed_encoder_new_using_dict(p, dict, DICT_SIZE, &enc));
    } else {
        CHECK_OK(lz4framed_encoder_new(p, &enc));
    }
    return enc;
}

/* hop: 0 none, 1 clone (continue on the clone), 2 marshal into a buffer,
 * 3 marshal_alloc; every `every`-th update. */
static struct sink run(const lz4framed_preferences *p, int with_dict, int hop, unsigned every) {
    struct sink out = {NULL, 0, 0};
    lz4framed_encoder *enc = new_encoder(p, with_dict);
    size_t at = 0, written = 0;
    unsigned i = 0;
    sink_reserve(&out, LZ4FRAMED_MAX_HEADER_SIZE);
    CHECK_OK(lz4framed_encoder_begin(enc, out.data, LZ4FRAMED_MAX_HEADER_SIZE, &written));
    out.len = written;
    while (at < DATA_SIZE) {
        size_t n = 1 + (i * 7919u) % 70000u;
        if (n > DATA_SIZE - at) n = DATA_SIZE - at;
        if (hop && i % every == every - 1) {
            lz4framed_encoder *next = NULL;
            if (hop == 1) {
                CHECK_OK(lz4framed_encoder_clone(enc, &next));
            } else if (hop == 2) {
                size_t size = 0, got = 0;
                unsigned char *blob;
                CHECK_OK(lz4framed_encoder_marshal_size(enc, &size));
                blob = (unsigned char *)xmalloc(size);
                CHECK_STATUS(lz4framed_encoder_marshal(enc, blob, size - 1, &got),
                             LZ4FRAMED_ERROR_DST_TOO_SMALL);
                CHECK(got == 0);
                CHECK_OK(lz4framed_encoder_marshal(enc, blob, size, &got));
                CHECK(got == size);
                CHECK_OK(lz4framed_encoder_unmarshal(blob, size, with_dict ? dict : NULL,
                                                     with_dict ? DICT_SIZE : 0, &next));
                free(blob);
            } else {
                void *blob = NULL;
                size_t size = 0;
                CHECK_OK(lz4framed_encoder_marshal_alloc(enc, &blob, &size));
                CHECK_OK(lz4framed_encoder_unmarshal(blob, size, with_dict ? dict : NULL,
                                                     with_dict ? DICT_SIZE : 0, &next));
                lz4framed_blob_free(blob);
            }
            lz4framed_encoder_free(enc);
            enc = next;
        }
        update(enc, p, &at, n, &out);
        i++;
    }
    finish(enc, p, &out);
    lz4framed_encoder_free(enc);
    return out;
}

static void same_bytes_with_every_hop(const lz4framed_preferences *p, int with_dict) {
    struct sink plain = run(p, with_dict, 0, 1);
    int hop;
    for (hop = 1; hop <= 3; hop++) {
        struct sink again = run(p, with_dict, hop, (unsigned)hop + 1);
        CHECK(again.len == plain.len);
        CHECK(memcmp(again.data, plain.data, plain.len) == 0);
        free(again.data);
    }
    /* And the frame decodes to the input. */
    {
        unsigned char *back = (unsigned char *)xmalloc(DATA_SIZE);
        size_t n = 0;
        if (with_dict) {
            lz4framed_decoder *dec = NULL;
            size_t consumed = 0, produced = 0;
            CHECK_OK(lz4framed_decoder_new(0, &dec));
            CHECK_OK(lz4framed_decoder_set_dictionary(dec, dict, DICT_SIZE, p->dict_id));
            CHECK_OK(lz4framed_decoder_decompress(dec, plain.data, plain.len, back, DATA_SIZE,
                                                  1, &consumed, &produced));
            n = produced;
            lz4framed_decoder_free(dec);
        } else {
            CHECK_OK(lz4framed_decompress(plain.data, plain.len, back, DATA_SIZE, &n));
        }
        CHECK(n == DATA_SIZE);
        CHECK(memcmp(back, original, DATA_SIZE) == 0);
        free(back);
    }
    free(plain.data);
}

static void errors(void) {
    lz4framed_preferences p;
    lz4framed_encoder *enc = NULL, *out = NULL;
    lz4framed_decoder *dec = NULL;
    unsigned char blob[256];
    size_t size = 0, written = 0;
    void *alloc = NULL;
    memset(&p, 0, sizeof p);
    p.block_independent = 1;
    CHECK_OK(lz4framed_encoder_new(&p, &enc));
    CHECK_STATUS(lz4framed_encoder_clone(NULL, &out), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_encoder_clone(enc, NULL), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_encoder_marshal_size(NULL, &size), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_encoder_marshal_size(enc, NULL), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_encoder_marshal(enc, NULL, 10, &written), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_encoder_marshal_alloc(enc, NULL, &size), LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_encoder_unmarshal(NULL, 10, NULL, 0, &out),
                 LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_encoder_unmarshal(blob, 0, NULL, 0, &out),
                 LZ4FRAMED_ERROR_ENCODER_STATE_TRUNCATED);
    CHECK_OK(lz4framed_encoder_marshal_size(enc, &size));
    CHECK(size <= 128 && size <= sizeof blob);
    CHECK_OK(lz4framed_encoder_marshal(enc, blob, sizeof blob, &written));
    CHECK(written == size);
    CHECK_STATUS(lz4framed_encoder_unmarshal(blob, written, NULL, 0, NULL),
                 LZ4FRAMED_ERROR_NULL_ARGUMENT);
    CHECK_STATUS(lz4framed_encoder_unmarshal(blob, written - 1, NULL, 0, &out),
                 LZ4FRAMED_ERROR_ENCODER_STATE_TRUNCATED);
    CHECK_STATUS(lz4framed_encoder_unmarshal(blob, written, dict, DICT_SIZE, &out),
                 LZ4FRAMED_ERROR_ENCODER_STATE_DICTIONARY);
    blob[20] ^= 1;
    CHECK_STATUS(lz4framed_encoder_unmarshal(blob, written, NULL, 0, &out),
                 LZ4FRAMED_ERROR_ENCODER_STATE_CHECKSUM);
    blob[20] ^= 1;
    blob[4] = 9;
    CHECK_STATUS(lz4framed_encoder_unmarshal(blob, written, NULL, 0, &out),
                 LZ4FRAMED_ERROR_ENCODER_STATE_VERSION);
    CHECK(out == NULL);
    /* A decoder's blob is not an encoder's, nor the other way round. */
    CHECK_OK(lz4framed_decoder_new(0, &dec));
    CHECK_OK(lz4framed_decoder_marshal_alloc(dec, &alloc, &size));
    CHECK_STATUS(lz4framed_encoder_unmarshal(alloc, size, NULL, 0, &out),
                 LZ4FRAMED_ERROR_ENCODER_STATE_MAGIC);
    lz4framed_blob_free(alloc);
    lz4framed_decoder_free(dec);
    dec = NULL;
    CHECK_OK(lz4framed_encoder_marshal_alloc(enc, &alloc, &size));
    CHECK_STATUS(lz4framed_decoder_unmarshal(alloc, size, NULL, 0, &dec),
                 LZ4FRAMED_ERROR_STATE_MAGIC);
    CHECK(dec == NULL);
    lz4framed_blob_free(alloc);
    CHECK(strcmp(lz4framed_status_name(LZ4FRAMED_ERROR_ENCODER_STATE_ENGINE),
                 "LZ4FRAMED_ERROR_ENCODER_STATE_ENGINE") == 0);
    lz4framed_encoder_free(enc);
}

int main(void) {
    lz4framed_preferences p;
    original = make_data(DATA_SIZE, 11);
    dict = make_data(DICT_SIZE, 12);
    memset(&p, 0, sizeof p);
    p.content_checksum = 1;
    same_bytes_with_every_hop(&p, 0); /* linked fast, 64 KiB */
    p.level = -4;
    p.block_checksum = 1;
    same_bytes_with_every_hop(&p, 0);
    p.level = 9;
    p.block_size_id = 5;
    same_bytes_with_every_hop(&p, 0); /* linked HC */
    p.level = 1;
    p.block_independent = 1;
    p.block_size_id = 6;
    same_bytes_with_every_hop(&p, 0);
    p.block_independent = 0;
    p.dict_id = 77;
    p.block_size_id = 4;
    same_bytes_with_every_hop(&p, 1);
    p.dict_id = 0;
    p.workers = 2;
    p.auto_flush = 1;
    same_bytes_with_every_hop(&p, 0);
    errors();
    FREE_ALL(original, dict);
    report("encoder_state");
    return 0;
}
