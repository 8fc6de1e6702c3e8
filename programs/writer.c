#include "platform.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "writer.h"

/* The writing thread: writes the queued slots in order until the queue is
 * empty and stop is asked, or until the first error. */
static void *write_behind(void *arg)
{
    struct writer *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->stop && w->queued == 0) pthread_cond_wait(&w->changed, &w->lock);
        if (w->queued == 0) break;
        const struct writer_slot *sl = &w->slot[w->head];
        pthread_mutex_unlock(&w->lock);
        int rc = write_all(w->fd, sl->buf, sl->len);
        int err = errno;
        pthread_mutex_lock(&w->lock);
        if (rc != 0) {
            w->error = err ? err : EIO;
            pthread_cond_broadcast(&w->changed);
            pthread_mutex_unlock(&w->lock);
            if (w->on_error) w->on_error(w->on_error_arg);
            return NULL;
        }
        w->head = (w->head + 1) % w->nslots;
        w->queued--;
        pthread_cond_broadcast(&w->changed);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static void free_slots(struct writer *w)
{
    for (unsigned i = 0; i < WRITER_SLOTS; i++) {
        free(w->slot[i].buf);
        w->slot[i].buf = NULL;
    }
}

int writer_start(struct writer *w, int fd, size_t cap, int threaded, void (*on_error)(void *), void *on_error_arg)
{
    memset(w, 0, sizeof *w);
    w->fd = fd;
    w->on_error = on_error;
    w->on_error_arg = on_error_arg;
    w->cap = cap;
    w->nslots = threaded ? WRITER_SLOTS : 1;
    for (unsigned i = 0; i < w->nslots; i++) w->slot[i].buf = xmalloc(cap);
    if (!threaded) return 0;
    int e = pthread_mutex_init(&w->lock, NULL);
    if (e == 0 && (e = pthread_cond_init(&w->changed, NULL)) != 0) pthread_mutex_destroy(&w->lock);
    if (e == 0 && (e = pthread_create(&w->thread, NULL, write_behind, w)) != 0) {
        pthread_cond_destroy(&w->changed);
        pthread_mutex_destroy(&w->lock);
    }
    if (e != 0) {
        free_slots(w);
        errno = e;
        return -1;
    }
    w->threaded = 1;
    return 0;
}

/* The lent slot is the first after the queued ones (the caller's side of
 * the ring, touched by the thread only once queued). */
unsigned char *writer_buffer(struct writer *w)
{
    if (!w->threaded) return w->slot[0].buf;
    pthread_mutex_lock(&w->lock);
    unsigned char *buf = w->slot[(w->head + w->queued) % w->nslots].buf;
    pthread_mutex_unlock(&w->lock);
    return buf;
}

int writer_put(struct writer *w, size_t len)
{
    if (!w->threaded) return len > 0 ? write_all(w->fd, w->slot[0].buf, len) : 0;
    pthread_mutex_lock(&w->lock);
    if (len > 0 && !w->error) {
        w->slot[(w->head + w->queued) % w->nslots].len = len;
        w->queued++;
        pthread_cond_broadcast(&w->changed);
    }
    /* Every slot queued: wait until one is written, to lend it. */
    while (w->queued == w->nslots && !w->error) pthread_cond_wait(&w->changed, &w->lock);
    int err = w->error;
    pthread_mutex_unlock(&w->lock);
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

int writer_flush(struct writer *w)
{
    if (!w->threaded) return 0;
    pthread_mutex_lock(&w->lock);
    while (w->queued > 0 && !w->error) pthread_cond_wait(&w->changed, &w->lock);
    int err = w->error;
    pthread_mutex_unlock(&w->lock);
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

int writer_finish(struct writer *w)
{
    int rc = writer_flush(w);
    int err = errno;
    if (w->threaded) {
        pthread_mutex_lock(&w->lock);
        w->stop = 1;
        pthread_cond_broadcast(&w->changed);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
        pthread_cond_destroy(&w->changed);
        pthread_mutex_destroy(&w->lock);
        w->threaded = 0;
    }
    free_slots(w);
    errno = err;
    return rc;
}
