#include "platform.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "reader.h"

/* The read-ahead thread: fills the free slots in order until the end of
 * the file, a read error or stop. It can be cancelled only inside read(),
 * where it holds no lock and no buffer of the caller's, so reader_stop can
 * end a read that would otherwise never return. */
static void *read_ahead(void *arg)
{
    struct reader *r = arg;
    int ignored;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &ignored);
    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (!r->stop && r->filled == r->nslots) pthread_cond_wait(&r->changed, &r->lock);
        if (r->stop) break;
        struct reader_slot *sl = &r->slot[(r->head + r->filled) % r->nslots];
        pthread_mutex_unlock(&r->lock);
        ssize_t n;
        if (r->fill) {
            n = r->fill(r->fill_ctx, sl->buf, IO_CHUNK);
        } else {
            pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &ignored);
            n = read_some(r->fd, sl->buf, IO_CHUNK);
        }
        int err = errno;
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &ignored);
        pthread_mutex_lock(&r->lock);
        if (n <= 0) {
            r->done = 1;
            r->error = n < 0 ? (err ? err : EIO) : 0; /* a failure is never the end */
            pthread_cond_broadcast(&r->changed);
            break;
        }
        sl->len = (size_t)n;
        r->filled++;
        pthread_cond_broadcast(&r->changed);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

static void free_slots(struct reader *r)
{
    for (unsigned i = 0; i < READER_SLOTS; i++) {
        free(r->slot[i].buf);
        r->slot[i].buf = NULL;
    }
}

static int start(struct reader *r, int fd, reader_fill_fn fill, void *ctx, void (*wake)(void *ctx), int threaded)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
    r->fill = fill;
    r->fill_ctx = ctx;
    r->wake = wake;
    r->nslots = threaded ? READER_SLOTS : 1;
    for (unsigned i = 0; i < r->nslots; i++) r->slot[i].buf = xmalloc(IO_CHUNK);
    if (!threaded) return 0;
    int e = pthread_mutex_init(&r->lock, NULL);
    if (e == 0 && (e = pthread_cond_init(&r->changed, NULL)) != 0) pthread_mutex_destroy(&r->lock);
    if (e == 0 && (e = pthread_create(&r->thread, NULL, read_ahead, r)) != 0) {
        pthread_cond_destroy(&r->changed);
        pthread_mutex_destroy(&r->lock);
    }
    if (e != 0) {
        free_slots(r);
        errno = e;
        return -1;
    }
    r->threaded = 1;
    return 0;
}

int reader_start(struct reader *r, int fd, int threaded)
{
    return start(r, fd, NULL, NULL, NULL, threaded);
}

int reader_start_source(struct reader *r, reader_fill_fn fill, void *ctx, void (*wake)(void *ctx), int threaded)
{
    return start(r, -1, fill, ctx, wake, threaded);
}

ssize_t reader_next(struct reader *r, const unsigned char **buf)
{
    if (!r->threaded) {
        ssize_t n = r->fill ? r->fill(r->fill_ctx, r->slot[0].buf, IO_CHUNK) : read_some(r->fd, r->slot[0].buf, IO_CHUNK);
        *buf = r->slot[0].buf;
        return n;
    }
    pthread_mutex_lock(&r->lock);
    if (r->holding) {
        r->holding = 0;
        r->head = (r->head + 1) % r->nslots;
        r->filled--;
        pthread_cond_broadcast(&r->changed);
    }
    while (r->filled == 0 && !r->done && !r->interrupted) pthread_cond_wait(&r->changed, &r->lock);
    ssize_t n;
    if (r->interrupted) {
        n = READER_INTERRUPTED;
    } else if (r->filled > 0) {
        r->holding = 1;
        *buf = r->slot[r->head].buf;
        n = (ssize_t)r->slot[r->head].len;
    } else if (r->error) {
        errno = r->error;
        n = -1;
    } else {
        *buf = r->slot[r->head].buf;
        n = 0;
    }
    pthread_mutex_unlock(&r->lock);
    return n;
}

int reader_would_wait(struct reader *r)
{
    if (!r->threaded) return 0;
    pthread_mutex_lock(&r->lock);
    unsigned ready = r->filled - (r->holding ? 1u : 0u);
    int wait = ready == 0 && !r->done && !r->interrupted;
    pthread_mutex_unlock(&r->lock);
    return wait;
}

void reader_interrupt(void *arg)
{
    struct reader *r = arg;
    pthread_mutex_lock(&r->lock);
    r->interrupted = 1;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
}

void reader_stop(struct reader *r)
{
    if (r->threaded) {
        pthread_mutex_lock(&r->lock);
        int running = !r->done;
        r->stop = 1;
        pthread_cond_broadcast(&r->changed);
        pthread_mutex_unlock(&r->lock);
        /* Only a thread that may sit in read() needs interrupting; a
         * source function is woken instead. */
        if (running && r->fill) r->wake(r->fill_ctx);
        else if (running) pthread_cancel(r->thread);
        pthread_join(r->thread, NULL);
        pthread_cond_destroy(&r->changed);
        pthread_mutex_destroy(&r->lock);
        r->threaded = 0;
    }
    free_slots(r);
}
