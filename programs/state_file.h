/* The --state file: a checkpoint of crash-safe decompression (the decoder
 * marshalled, with the identity of INFILE and OUTFILE), saved atomically
 * and checked completely before a run resumes from it. Its format is
 * described byte by byte in docs/CLI.md and at the top of state_file.c. */
#ifndef LZ4FRAMED_PROGRAMS_STATE_FILE_H
#define LZ4FRAMED_PROGRAMS_STATE_FILE_H

#include "platform.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>

#include "dictionary.h"
#include "files.h"
#include "lz4framed.h"
#include "options.h"

struct state_ctx {
    const char *path;
    char tmp_path[PATH_MAX];
    char out_abs[PATH_MAX];
    const struct dictionary *dict; /* NULL: none; rebuilds saved decoders */
    uint32_t head_len;
    uint64_t head_hash;
    int kind;                 /* what INFILE is: STATE_INPUT_FILE, _URL or _STREAM */
    unsigned char tail[64u << 10]; /* a stream's last 64 KiB consumed, a ring (state_note_input) */
    uint64_t tail_total;      /* the stream's bytes consumed so far */
    int saved;                /* a state file of this run or a resumed one exists */
    uint64_t saved_consumed;  /* what the last saved state records */
    uint64_t saved_produced;
};

/* The kinds of INFILE a state file resumes (its flags, docs/CLI.md). */
enum { STATE_INPUT_FILE = 0, STATE_INPUT_URL = 1, STATE_INPUT_STREAM = 2 };
/* Prints why state file `path` is refused (`fmt` and its arguments) and
 * that nothing was changed; returns RC_STATE. For every --state refusal. */
int refuse_state_file(const char *path, const char *fmt, va_list ap);

/* Opens OUTFILE `out_path` of a checkpoint into `out` for resuming: it must
 * exist, be a regular file of at least `produced` bytes whose last
 * min(64 KiB, produced) bytes before `produced` hash (FNV-1a 64) to
 * `tail_hash`. RC_OK, RC_STATE after a refusal naming `state_path`, or RC_IO. */
int open_checkpointed_output(const char *state_path, const char *out_path, uint64_t produced, uint64_t tail_hash,
                             struct output *out);

/* Cuts `out` back to `produced` bytes and positions it there. RC_OK or RC_IO. */
int cut_output_to_checkpoint(const struct output *out, uint64_t produced);

/* The absolute path `path` will have, whether or not it exists yet (its
 * directory must): into `abs`, PATH_MAX bytes. 0, or -1 with errno set. */
int absolute_output_path(const char *path, char *abs);

/* Sets `s` up for --state FILE (o->state_path) with a regular INFILE and
 * an OUTFILE path: the temporary file's name, OUTFILE's absolute path, the
 * hash of INFILE's head. RC_OK, or an exit code after a message. */
int state_begin(struct state_ctx *s, const struct options *o, const struct input *in,
                const struct dictionary *dict);

/* The input bytes the decoder has just consumed, in order: a stream's
 * checkpoint hashes the last 64 KiB of them (no-op for other inputs). */
void state_note_input(struct state_ctx *s, const unsigned char *p, size_t n);

/* --resume-offset: prints the input offset a new stream must start at to
 * resume o->state_path (0 without one); RC_OK, or an exit code after a
 * message. */
int print_resume_offset(const struct options *o);

/* Makes the output so far durable, then atomically replaces the state
 * file with the decoder's state: after a crash at any instant, the state
 * file on disk describes a prefix of OUTFILE that is really there. All
 * the output `dec` has produced must be written to OUTFILE already. The
 * offsets recorded are those of the decoder rebuilt from the blob, which
 * for a decoder with workers may lie behind the live one's (it consumes
 * input ahead of its output). */
int save_state(struct state_ctx *s, const lz4framed_decoder *dec, const struct input *in,
               const struct output *out);

/* Reads and checks a state file, then the INFILE and OUTFILE it describes
 * (a URL: the same URL, and a first request at the recorded offset that
 * finds the same resource; a stream: its first bytes are the 64 KiB before
 * the recorded offset, hashed as recorded),
 * and only then builds the decoder; any doubt refuses (RC_STATE) without
 * touching OUTFILE. On success OUTFILE is open, truncated to the recorded
 * output and positioned there, and INFILE is positioned at the recorded
 * input offset. Returns -1 when there is no state file. */
int load_state(struct state_ctx *s, const struct options *o, const struct input *in, struct output *out,
               const struct dictionary *dict, lz4framed_decoder **dec_out);

#endif
