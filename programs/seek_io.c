#include "platform.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "messages.h"
#include "seek_io.h"

lz4framed_status pread_callback(void *user, uint64_t offset, void *buf, size_t capacity, size_t *read)
{
    int fd = *(const int *)user;
    for (;;) {
        ssize_t r = pread(fd, buf, capacity, (off_t)offset);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return LZ4FRAMED_ERROR_READER_FAILED;
        *read = (size_t)r;
        return LZ4FRAMED_OK;
    }
}

int seek_exit_code(lz4framed_status st)
{
    if (st <= LZ4FRAMED_ERROR_SEEK_MAGIC && st >= LZ4FRAMED_ERROR_SEEK_MISMATCH) return RC_INDEX;
    if (st == LZ4FRAMED_ERROR_READER_FAILED) return RC_IO;
    return status_exit_code(st);
}

char *default_index_path(const char *path)
{
    size_t n = strlen(path);
    char *out = xmalloc(n + 6);
    memcpy(out, path, n + 1);
    if (n > 4 && strcmp(path + n - 4, ".lz4") == 0)
        strcpy(out + n, "i");
    else
        strcpy(out + n, ".lz4i");
    return out;
}

int parse_byte_count(const char *s, int allow_zero, uint64_t *out)
{
    uint64_t v = 0, unit = 1;
    const char *p = s;
    if (*p < '0' || *p > '9') return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_MAX - 9) / 10) return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    switch (*p) {
    case 'K': case 'k': unit = 1024; p++; break;
    case 'M': case 'm': unit = 1024 * 1024; p++; break;
    case 'G': case 'g': unit = 1024 * 1024 * 1024; p++; break;
    default: break;
    }
    if (*p != '\0' || v > UINT64_MAX / unit || (v == 0 && !allow_zero)) return -1;
    *out = v * unit;
    return 0;
}
