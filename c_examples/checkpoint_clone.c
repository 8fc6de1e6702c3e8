/* Clone as a checkpoint: keep a clone of the decoder every 1 MiB of
 * output. When later input turns out corrupt (a block checksum fails),
 * roll back to the last checkpoint, refetch good input from the offset it
 * reports and continue. The decoder that failed is thrown away. */
#include "example_util.h"

int main(void)
{
    const size_t size = 6u << 20;
    const size_t chunk = 4096;
    unsigned char *original = example_sample(size, 2);
    size_t stream_size = 0;
    unsigned char *good = example_compress(original, size, 0, 1, &stream_size);

    /* What arrives over the wire: corrupted in the middle. */
    unsigned char *wire = example_malloc(stream_size);
    memcpy(wire, good, stream_size);
    wire[stream_size * 2 / 3] ^= 0x40;

    lz4framed_decoder *dec = NULL, *checkpoint = NULL;
    example_check(lz4framed_decoder_new(0, &dec), "decoder_new");
    example_check(lz4framed_decoder_clone(dec, &checkpoint), "clone");
    unsigned char *out = example_malloc(size);
    const unsigned char *input = wire;
    int rollbacks = 0;
    for (;;) {
        size_t in_at = (size_t)lz4framed_decoder_input_consumed(dec);
        size_t out_at = (size_t)lz4framed_decoder_output_produced(dec);
        size_t n = stream_size - in_at < chunk ? stream_size - in_at : chunk;
        /* Never more than completes the current block (or header, or
         * checksum): the decoder then regularly stands at a block
         * boundary, where a checkpoint is cheap and holds only verified
         * data. */
        size_t hint = lz4framed_decoder_input_hint(dec);
        if (hint > 0 && n > hint) n = hint;
        size_t consumed = 0, produced = 0;
        lz4framed_status st = lz4framed_decoder_decompress(dec, input + in_at, n, out + out_at, size - out_at,
                                                           in_at + n == stream_size, &consumed, &produced);
        if (lz4framed_is_error(st)) {
            printf("corrupt input detected (%s) near input offset %zu: rolling back to the checkpoint at "
                   "input %llu / output %llu\n",
                   lz4framed_status_name(st), in_at, (unsigned long long)lz4framed_decoder_input_consumed(checkpoint),
                   (unsigned long long)lz4framed_decoder_output_produced(checkpoint));
            lz4framed_decoder_free(dec);
            example_check(lz4framed_decoder_clone(checkpoint, &dec), "clone");
            input = good; /* refetch: this time the data is intact */
            rollbacks++;
            continue;
        }
        if (st == LZ4FRAMED_OK && in_at + consumed == stream_size) break;
        if (rollbacks > 3) {
            fprintf(stderr, "the checkpoint itself is bad\n");
            return 1;
        }
        /* A checkpoint every 1 MiB of output, taken at a block boundary so
         * that it holds no partly received (unverified) block. */
        if (lz4framed_decoder_at_block_boundary(dec) &&
            lz4framed_decoder_output_produced(dec) / (1u << 20) != lz4framed_decoder_output_produced(checkpoint) / (1u << 20)) {
            lz4framed_decoder_free(checkpoint);
            example_check(lz4framed_decoder_clone(dec, &checkpoint), "clone");
        }
    }
    example_same(out, lz4framed_decoder_output_produced(dec), original, size);
    if (rollbacks != 1) {
        fprintf(stderr, "%d rollbacks where the one corrupt byte needs 1\n", rollbacks);
        return 1;
    }
    printf("checkpoint_clone: %zu bytes byte-identical after %d rollback\n", size, rollbacks);
    lz4framed_decoder_free(checkpoint);
    lz4framed_decoder_free(dec);
    free(out);
    free(wire);
    free(good);
    free(original);
    return 0;
}
