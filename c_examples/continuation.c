/* Continuation: decompress from a "socket" that drops at random offsets.
 *
 * The decoder pulls its input through a read callback. When the
 * connection drops mid-frame, lz4framed_decoder_read() returns
 * LZ4FRAMED_NEED_INPUT with nothing lost; we "reconnect" at the input
 * offset the decoder reports and pass the new connection on the next call.
 * Once the server has sent the whole stream, we tell the decoder that the
 * input has ended, and its answer says whether the stream is complete.
 */
#include "example_util.h"

#include <stddef.h>

/* A simulated connection to a server holding the compressed stream. */
struct connection {
    const unsigned char *stream;
    size_t stream_size;
    size_t pos;      /* next byte the server sends */
    size_t drop_at;  /* the connection dies when pos reaches this */
    uint64_t rng;
};

static ptrdiff_t connection_read(void *ctx, void *buf, size_t capacity)
{
    struct connection *c = ctx;
    size_t n = 1 + (size_t)(example_rand(&c->rng) % 9000); /* uneven packets */
    if (n > capacity) n = capacity;
    if (n > c->stream_size - c->pos) n = c->stream_size - c->pos;
    if (n > c->drop_at - c->pos) n = c->drop_at - c->pos;
    memcpy(buf, c->stream + c->pos, n);
    c->pos += n;
    return (ptrdiff_t)n; /* 0: connection closed */
}

int main(void)
{
    const size_t size = 8u << 20;
    unsigned char *original = example_sample(size, 1);
    size_t stream_size = 0;
    unsigned char *stream = example_compress(original, size, 0, 1, &stream_size);

    lz4framed_decoder *dec = NULL;
    example_check(lz4framed_decoder_new(0, &dec), "decoder_new");
    unsigned char *out = example_malloc(size);
    size_t produced_total = 0;
    uint64_t rng = 12345;
    int drops = 0;
    for (;;) {
        /* (Re)connect, asking the server for the stream from the offset
         * the decoder has consumed. */
        struct connection conn;
        conn.stream = stream;
        conn.stream_size = stream_size;
        conn.pos = (size_t)lz4framed_decoder_input_consumed(dec);
        conn.drop_at = conn.pos + 1 + (size_t)(example_rand(&rng) % (stream_size / 10));
        if (conn.drop_at > stream_size) conn.drop_at = stream_size;
        conn.rng = example_rand(&rng);

        size_t read = 0, produced = 0;
        lz4framed_status st = lz4framed_decoder_read(dec, connection_read, &conn, out + produced_total,
                                                     size - produced_total, &read, &produced);
        example_check(st, "decoder_read");
        produced_total += produced;
        if (st == LZ4FRAMED_OUTPUT_FULL) {
            fprintf(stderr, "more output than expected\n");
            return 1;
        }
        if (conn.pos < stream_size) {
            drops++; /* the connection dropped mid-stream: reconnect */
            continue;
        }
        /* The server sent its last byte and closed the connection. Whether
         * the stream may end here is the decoder's verdict, not the status
         * of the last read (a legacy frame has no end mark, and a stream cut
         * short ends in the middle of a frame): declare the end of the
         * input. LZ4FRAMED_OK: complete; LZ4FRAMED_ERROR_TRUNCATED: not. */
        st = lz4framed_decoder_decompress(dec, NULL, 0, out + produced_total, size - produced_total, 1, &read,
                                          &produced);
        example_check(st, "end of input");
        produced_total += produced;
        break;
    }
    example_same(out, produced_total, original, size);
    printf("continuation: %zu bytes byte-identical after %d dropped connections\n", size, drops);
    lz4framed_decoder_free(dec);
    free(out);
    free(stream);
    free(original);
    return 0;
}
