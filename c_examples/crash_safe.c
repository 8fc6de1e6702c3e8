/* Crash-safe decompression with a state file.
 *
 *   crash_safe make-input STREAM MiB        write a compressed sample stream
 *   crash_safe decompress STREAM OUT STATE [DIE_AFTER]
 *   crash_safe verify OUT MiB               compare OUT with the sample data
 *
 * "decompress" follows the recipe: every few MiB it makes the output
 * durable (fflush + fsync), marshals the decoder and atomically replaces
 * STATE (write STATE.tmp, fsync, rename). Started again after a crash, it
 * loads STATE, truncates OUT to the recorded output size, seeks STREAM to
 * the recorded input offset and continues. With DIE_AFTER it kills itself
 * with SIGKILL after that many checkpoints, to show exactly that.
 */
#define _POSIX_C_SOURCE 200809L
#include "example_util.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>
#include <unistd.h>

#define CHECKPOINT_EVERY (8u << 20)

static void die(const char *what)
{
    fprintf(stderr, "crash_safe: %s: %s\n", what, errno ? strerror(errno) : "failed");
    exit(1);
}

static ptrdiff_t file_read(void *ctx, void *buf, size_t cap)
{
    FILE *f = ctx;
    size_t n = fread(buf, 1, cap, f);
    if (n == 0 && ferror(f)) return -1;
    return (ptrdiff_t)n;
}

static int make_input(const char *path, size_t mib)
{
    size_t size = mib << 20;
    unsigned char *data = example_sample(size, 3);
    size_t n = 0;
    unsigned char *frame = example_compress(data, size, 5, 0, &n);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(frame, 1, n, f) != n || fclose(f) != 0) die(path);
    free(frame);
    free(data);
    return 0;
}

static void save_state(const lz4framed_decoder *dec, const char *state_path, FILE *out)
{
    /* 1. the output up to output_produced is durable */
    if (fflush(out) != 0 || fsync(fileno(out)) != 0) die("fsync output");
    /* 2. the state, written aside and swapped in atomically */
    void *blob = NULL;
    size_t size = 0;
    example_check(lz4framed_decoder_marshal_alloc(dec, &blob, &size), "marshal");
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", state_path);
    FILE *f = fopen(tmp, "wb");
    if (!f || fwrite(blob, 1, size, f) != size || fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0)
        die("write state");
    if (rename(tmp, state_path) != 0) die("replace state");
    lz4framed_blob_free(blob);
}

static int decompress(const char *in_path, const char *out_path, const char *state_path, long die_after)
{
    FILE *in = fopen(in_path, "rb");
    if (!in) die(in_path);
    lz4framed_decoder *dec = NULL;
    FILE *out = NULL;
    FILE *sf = fopen(state_path, "rb");
    if (sf) {
        /* Resume after a crash. */
        static unsigned char blob[1 << 23];
        size_t n = fread(blob, 1, sizeof blob, sf);
        fclose(sf);
        example_check(lz4framed_decoder_unmarshal(blob, n, NULL, 0, &dec), "load state");
        out = fopen(out_path, "r+b");
        if (!out) die(out_path);
        off_t produced = (off_t)lz4framed_decoder_output_produced(dec);
        if (ftruncate(fileno(out), produced) != 0 || fseeko(out, produced, SEEK_SET) != 0) die("truncate output");
        if (fseeko(in, (off_t)lz4framed_decoder_input_consumed(dec), SEEK_SET) != 0) die("seek input");
        fprintf(stderr, "crash_safe: resuming at input %llu, output %llu\n",
                (unsigned long long)lz4framed_decoder_input_consumed(dec), (unsigned long long)produced);
    } else {
        example_check(lz4framed_decoder_new(0, &dec), "decoder_new");
        out = fopen(out_path, "wb");
        if (!out) die(out_path);
    }
    static unsigned char buf[1 << 20];
    uint64_t last = lz4framed_decoder_output_produced(dec);
    long checkpoints = 0;
    for (;;) {
        size_t read = 0, produced = 0;
        lz4framed_status st = lz4framed_decoder_read(dec, file_read, in, buf, sizeof buf, &read, &produced);
        example_check(st, "decompress");
        if (fwrite(buf, 1, produced, out) != produced) die("write output");
        if (lz4framed_decoder_output_produced(dec) - last >= CHECKPOINT_EVERY) {
            save_state(dec, state_path, out);
            last = lz4framed_decoder_output_produced(dec);
            if (die_after > 0 && ++checkpoints == die_after) raise(SIGKILL); /* crash, no cleanup */
        }
        if (st == LZ4FRAMED_OUTPUT_FULL) continue;
        /* OK or NEED_INPUT: the file has ended (file_read returned 0). Whether
         * the stream is complete there is the decoder's verdict (a legacy
         * frame has no end mark): declare the end of the input. */
        st = lz4framed_decoder_decompress(dec, NULL, 0, buf, sizeof buf, 1, &read, &produced);
        if (st == LZ4FRAMED_ERROR_TRUNCATED) {
            fprintf(stderr, "crash_safe: input truncated\n");
            return 1;
        }
        example_check(st, "end of input");
        if (fwrite(buf, 1, produced, out) != produced) die("write output");
        break;
    }
    if (fflush(out) != 0 || fsync(fileno(out)) != 0 || fclose(out) != 0) die("close output");
    fclose(in);
    remove(state_path); /* done: the next run starts afresh */
    lz4framed_decoder_free(dec);
    return 0;
}

static int verify(const char *path, size_t mib)
{
    size_t size = mib << 20;
    unsigned char *want = example_sample(size, 3);
    unsigned char *got = example_malloc(size + 1);
    FILE *f = fopen(path, "rb");
    if (!f) die(path);
    size_t n = fread(got, 1, size + 1, f);
    fclose(f);
    example_same(got, n, want, size);
    printf("crash_safe: %s is byte-identical\n", path);
    free(want);
    free(got);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "make-input") == 0) return make_input(argv[2], strtoul(argv[3], NULL, 10));
    if ((argc == 5 || argc == 6) && strcmp(argv[1], "decompress") == 0)
        return decompress(argv[2], argv[3], argv[4], argc == 6 ? strtol(argv[5], NULL, 10) : 0);
    if (argc == 4 && strcmp(argv[1], "verify") == 0) return verify(argv[2], strtoul(argv[3], NULL, 10));
    fprintf(stderr, "usage: crash_safe make-input STREAM MiB | decompress STREAM OUT STATE [DIE_AFTER] | verify OUT MiB\n");
    return 2;
}
