/* INFILE in pieces of IO_CHUNK bytes, read either in the caller's thread
 * or ahead of it by a thread of the reader's own filling a small ring of
 * buffers, so that reading overlaps the coding. The pieces and the errors
 * come in the order the file gives them either way. */
#ifndef LZ4FRAMED_PROGRAMS_READER_H
#define LZ4FRAMED_PROGRAMS_READER_H

#include "platform.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

/* Buffers of the read-ahead ring: one held by the caller, the rest filled
 * ahead (3 MiB of read-ahead is ample to cover a slow read). */
#define READER_SLOTS 4

struct reader_slot {
    unsigned char *buf;
    size_t len;
};

/* A source other than a file descriptor (a URL, http.c): like read(),
 * >0 bytes, 0 at the end, -1 on failure; `wake` makes a call blocked in it
 * return soon from another thread (it is never cancelled). */
typedef ssize_t (*reader_fill_fn)(void *ctx, unsigned char *buf, size_t cap);

struct reader {
    int fd;
    reader_fill_fn fill; /* NULL: read `fd` */
    void *fill_ctx;
    void (*wake)(void *ctx);
    int threaded;
    struct reader_slot slot[READER_SLOTS];
    unsigned nslots;   /* 1 without the thread */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed; /* a slot was filled or freed, or stop was asked */
    unsigned head;     /* the oldest filled slot (the caller's while it holds one) */
    unsigned filled;   /* filled slots from head, the held one included */
    int holding;       /* the caller holds slot[head] */
    int done;          /* the thread met the end of the file or an error */
    int error;         /* its errno, 0 at the end of the file */
    int stop;
    int interrupted;   /* reader_interrupt was called */
};

/* What reader_next returns after reader_interrupt. */
#define READER_INTERRUPTED (-2)

/* Starts reading `fd` (from its current offset); `threaded` starts the
 * read-ahead thread. 0, or -1 with errno set (nothing left to free). */
int reader_start(struct reader *r, int fd, int threaded);

/* The same for a source function: reader_stop calls `wake(ctx)` instead
 * of cancelling the thread. */
int reader_start_source(struct reader *r, reader_fill_fn fill, void *ctx, void (*wake)(void *ctx), int threaded);

/* The next piece: its length (0 at the end of the file) with `*buf` on
 * it, valid until the next call; -1 with errno set on a read error; or
 * READER_INTERRUPTED. Calling it again gives back the previous piece's
 * buffer. */
ssize_t reader_next(struct reader *r, const unsigned char **buf);

/* 1 when reader_next would wait for the file (the threaded reader has no
 * piece ready and has not met the end), else 0: the caller may do other
 * work first. Always 0 without the thread. */
int reader_would_wait(struct reader *r);

/* From any thread (a `void (*)(void *)` for writer_start): makes the
 * caller's reader_next, waiting or not, return READER_INTERRUPTED from now
 * on, so that a failure elsewhere (a write error) is not left waiting for
 * an input that may never come. For the threaded reader only. */
void reader_interrupt(void *r);

/* Stops the thread (interrupting a read that may never return, such as
 * one on a pipe whose writer is gone quiet), joins it and frees the
 * buffers. Safe after any outcome of reader_next. */
void reader_stop(struct reader *r);

#endif
