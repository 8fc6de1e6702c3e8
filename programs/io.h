/* Small I/O helpers on file descriptors, and the FNV-1a 64 hash the state
 * file and the dictionary ID use. */
#ifndef LZ4FRAMED_PROGRAMS_IO_H
#define LZ4FRAMED_PROGRAMS_IO_H

#include "platform.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Input and output pieces; blocks larger than this are handled by the
 * library's own buffering, so memory stays bounded whatever the stream. */
#define IO_CHUNK ((size_t)(1u << 20))

/* Writes all of `buf`, retrying interruptions; 0 or -1 (errno set). */
int write_all(int fd, const void *buf, size_t n);
/* Reads until `cap` bytes or end of file; returns the count or -1. */
ssize_t read_some(int fd, void *buf, size_t cap);
/* Reads exactly `n` bytes at offset `at`; -1 (errno EIO when the file is
 * shorter). */
int pread_all(int fd, void *buf, size_t n, uint64_t at);
/* malloc that ends the program (RC_INTERNAL) when memory runs out. */
void *xmalloc(size_t n);

/* FNV-1a 64: every step is a bijection of the state for a given byte, so
 * any single changed byte always changes the result. */
#define FNV_INIT 0xcbf29ce484222325ULL
uint64_t fnv1a64(uint64_t h, const void *data, size_t n);
/* Hash of the bytes [at, at + n) of a file (n at most 64 KiB). */
int hash_range(int fd, uint64_t at, size_t n, uint64_t *out);

/* The directory part of `path` into `dir`: "." when it has no slash, "/"
 * for a name right under the root; -1 (errno ENAMETOOLONG) when too long. */
int parent_dir(const char *path, char dir[PATH_MAX]);
/* fsync of the directory holding `path`, so a rename or a new name in it
 * survives a power loss. */
int sync_parent_dir(const char *path);

uint64_t min_u64(uint64_t a, uint64_t b);

/* Little-endian fixed-width fields of the state files: stored into and
 * loaded from `p`, whatever the machine's byte order. */
void put_u32(unsigned char *p, uint32_t v);
void put_u64(unsigned char *p, uint64_t v);
uint32_t get_u32(const unsigned char *p);
uint64_t get_u64(const unsigned char *p);

#endif
