#include "platform.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "dictionary.h"
#include "io.h"
#include "messages.h"

/* Only the last 64 KiB of a dictionary are used by LZ4. */
#define DICT_MAX ((size_t)(64u << 10))

int load_dictionary(const char *path, struct dictionary *d)
{
    static unsigned char buf[128u << 10];
    size_t len = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return fail_errno(RC_IO, path, "cannot open dictionary");
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size > DICT_MAX)
        (void)lseek(fd, (off_t)(st.st_size - (off_t)DICT_MAX), SEEK_SET);
    for (;;) {
        ssize_t r = read_some(fd, buf + len, sizeof buf - len);
        if (r < 0) {
            int rc = fail_errno(RC_IO, path, "cannot read dictionary");
            close(fd);
            return rc;
        }
        if (r == 0) break;
        len += (size_t)r;
        if (len == sizeof buf) {
            memmove(buf, buf + len - DICT_MAX, DICT_MAX);
            len = DICT_MAX;
        }
    }
    close(fd);
    if (len == 0) {
        msg("%s: the dictionary is empty", path);
        return RC_USAGE;
    }
    d->size = len < DICT_MAX ? len : DICT_MAX;
    memcpy(d->bytes, buf + len - d->size, d->size);
    /* The frame header names the dictionary by an ID derived from the bytes
     * used, so decoding without any dictionary fails with a clear error. */
    uint64_t h = fnv1a64(FNV_INIT, d->bytes, d->size);
    d->id = (uint32_t)(h ^ (h >> 32));
    if (d->id == 0) d->id = 1;
    return RC_OK;
}
