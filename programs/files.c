#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "messages.h"
#include "signals.h"

/* A pipe holds 64 KiB by default on Linux: writing 1 MiB chunks through it
 * means a dozen context switches per chunk between this process and the
 * one at the other end. 1 MiB is what an unprivileged process may ask for
 * (/proc/sys/fs/pipe-max-size); refusal is harmless, so it is ignored. */
static void widen_pipe(int fd)
{
#ifdef __linux__
#ifndef F_SETPIPE_SZ
#define F_SETPIPE_SZ 1031
#endif
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) (void)fcntl(fd, F_SETPIPE_SZ, 1 << 20);
#else
    (void)fd;
#endif
}

int open_input(const char *path, struct input *in)
{
    struct stat st;
    memset(in, 0, sizeof *in);
    if (strcmp(path, "-") == 0) {
        in->fd = STDIN_FILENO;
        in->name = "(stdin)";
        widen_pipe(in->fd);
    } else {
        in->name = path;
        in->fd = open(path, O_RDONLY);
        if (in->fd < 0) return fail_errno(RC_IO, path, "cannot open");
    }
    if (fstat(in->fd, &st) != 0) return fail_errno(RC_IO, in->name, "cannot stat");
    if (S_ISDIR(st.st_mode)) {
        msg("%s: is a directory", in->name);
        return RC_IO;
    }
    in->regular = S_ISREG(st.st_mode);
    in->size = in->regular ? (uint64_t)st.st_size : 0;
    in->dev = st.st_dev;
    in->ino = st.st_ino;
    return RC_OK;
}

int open_output(const struct options *o, const struct input *in, struct output *out)
{
    memset(out, 0, sizeof *out);
    if (!o->out_path) {
        out->fd = STDOUT_FILENO;
        out->name = "(stdout)";
        widen_pipe(out->fd);
        if (o->command == 'c' && !o->force && isatty(STDOUT_FILENO))
            return fail_usage("refusing to write compressed data to a terminal (give OUTFILE, or -f)");
        return RC_OK;
    }
    out->path = out->name = o->out_path;
    struct stat st;
    int existed = stat(o->out_path, &st) == 0;
    if (existed && in->regular && st.st_dev == in->dev && st.st_ino == in->ino) {
        msg("%s: INFILE and OUTFILE are the same file", o->out_path);
        return RC_USAGE;
    }
    if (existed && !o->force) {
        if (o->state_path)
            msg("%s: already exists and there is no state file %s to resume from; use -f to overwrite",
                o->out_path, o->state_path);
        else
            msg("%s: already exists; use -f to overwrite", o->out_path);
        return RC_EXISTS;
    }
    /* With --state, checkpoints read back the output's tail. */
    int flags = (o->state_path ? O_RDWR : O_WRONLY) | O_CREAT | (o->force ? O_TRUNC : O_EXCL);
    out->fd = open(o->out_path, flags, 0666);
    if (out->fd < 0) {
        if (errno == EEXIST) {
            msg("%s: already exists; use -f to overwrite", o->out_path);
            return RC_EXISTS;
        }
        return fail_errno(RC_IO, o->out_path, "cannot create");
    }
    if (fstat(out->fd, &st) != 0) return fail_errno(RC_IO, o->out_path, "cannot stat");
    if (S_ISREG(st.st_mode)) {
        out->remove_on_error = 1;
    } else if (o->state_path) {
        msg("%s: --state needs OUTFILE to be a regular file", o->out_path);
        return RC_USAGE;
    }
    if (out->remove_on_error && !o->state_path) remove_on_signal(out->path);
    return RC_OK;
}

int finish_output(struct output *out)
{
    if (out->fd == STDOUT_FILENO) {
        if (close(STDOUT_FILENO) != 0 && errno != EBADF) return fail_errno(RC_IO, out->name, "cannot write");
        return RC_OK;
    }
    int rc = close(out->fd);
    out->fd = -1;
    if (rc != 0) return fail_errno(RC_IO, out->name, "cannot write");
    return RC_OK;
}

void discard_output(struct output *out)
{
    if (out->fd > STDERR_FILENO) close(out->fd);
    out->fd = -1;
    if (out->remove_on_error && out->path) unlink(out->path);
    remove_on_signal(NULL);
}
