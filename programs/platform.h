/* Included first by every source file of the tool: the POSIX interfaces it
 * uses (pread, fsync, realpath, sigaction, clock_gettime) and 64-bit file
 * offsets, the same in every translation unit (off_t, ino_t). */
#ifndef LZ4FRAMED_PROGRAMS_PLATFORM_H
#define LZ4FRAMED_PROGRAMS_PLATFORM_H

#define _XOPEN_SOURCE 700
#define _FILE_OFFSET_BITS 64

#endif
