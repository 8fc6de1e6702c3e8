/* OUTFILE written in pieces, either in the caller's thread or behind it by
 * a thread of the writer's own draining a small ring of buffers, so that
 * writing overlaps the coding. The caller codes straight into the buffer
 * the writer lends it (no copy) and hands it over filled; the first write
 * error stops the thread and is reported by the next call. */
#ifndef LZ4FRAMED_PROGRAMS_WRITER_H
#define LZ4FRAMED_PROGRAMS_WRITER_H

#include "platform.h"

#include <pthread.h>
#include <stddef.h>

/* Buffers of the ring: one lent to the caller, the others queued. */
#define WRITER_SLOTS 4

struct writer_slot {
    unsigned char *buf;
    size_t len;
};

struct writer {
    int fd;
    int threaded;
    size_t cap;
    struct writer_slot slot[WRITER_SLOTS];
    unsigned nslots;   /* 1 without the thread */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed; /* a slot was queued or written, or stop was asked */
    unsigned head;     /* the oldest queued slot */
    unsigned queued;   /* slots handed over and not yet written */
    int error;         /* errno of the first failed write; the thread then ends */
    int stop;          /* end once the queue is empty */
    void (*on_error)(void *); /* called by the thread at its write error */
    void *on_error_arg;
};

/* Buffers of `cap` bytes for `fd`; `threaded` starts the writing thread,
 * which calls `on_error(on_error_arg)` (if not NULL) when a write fails,
 * to wake the caller wherever else it waits. 0, or -1 with errno set
 * (nothing left to free). */
int writer_start(struct writer *w, int fd, size_t cap, int threaded, void (*on_error)(void *), void *on_error_arg);

/* The buffer lent to the caller (`cap` bytes), to be filled and handed
 * over with writer_put. */
unsigned char *writer_buffer(struct writer *w);

/* Hands over the lent buffer holding `len` bytes (0: nothing, the buffer
 * stays lent) and lends the next one. 0, or -1 with errno set when a
 * write has failed (now or earlier). */
int writer_put(struct writer *w, size_t len);

/* Waits until everything handed over is written. 0, or -1 with errno set
 * when a write failed. */
int writer_flush(struct writer *w);

/* writer_flush, then ends the thread and frees the buffers; 0, or -1
 * with errno set when a write failed. Called on failures too, so that the
 * output coded before an error of the input side reaches OUTFILE as it
 * would in one thread: a write that blocks for good (a pipe nobody reads)
 * blocks here as it would have blocked there. */
int writer_finish(struct writer *w);

#endif
