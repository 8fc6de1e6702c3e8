#include "platform.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "messages.h"

/* "lz4framed: " and the formatted message, without a newline. */
static void vprefixed(const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", PROG);
    vfprintf(stderr, fmt, ap);
}

void msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprefixed(fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int fail_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprefixed(fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help'.\n", PROG);
    return RC_USAGE;
}

int fail_errno(int rc, const char *name, const char *what)
{
    msg("%s: %s: %s", name, what, strerror(errno));
    return rc;
}

int status_exit_code(lz4framed_status st)
{
    if (st <= LZ4FRAMED_ERROR_BAD_MAGIC && st >= LZ4FRAMED_ERROR_DICTIONARY_MISMATCH) return RC_CORRUPT;
    if (st == LZ4FRAMED_ERROR_INVALID_ARGUMENT) return RC_USAGE;
    return RC_INTERNAL;
}

int fail_status(int rc, const char *name, const char *what, lz4framed_status st)
{
    msg("%s: %s: %s (%s)", name, what, lz4framed_status_message(st), lz4framed_status_name(st));
    return rc;
}
