#include "platform.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "list.h"
#include "lz4framed.h"
#include "messages.h"

static const char *kind_name(uint32_t kind)
{
    switch (kind) {
    case LZ4FRAMED_FRAME_LZ4: return "LZ4";
    case LZ4FRAMED_FRAME_LEGACY: return "legacy";
    default: return "skippable";
    }
}

/* "64K" .. "4M" for LZ4 frames, "8M" for legacy ones, "-" otherwise. */
static const char *block_name(const lz4framed_scanned_frame *f)
{
    if (f->info.frame_kind == LZ4FRAMED_FRAME_LEGACY) return "8M";
    switch (f->info.block_size_id) {
    case LZ4FRAMED_BLOCK_SIZE_64KB: return "64K";
    case LZ4FRAMED_BLOCK_SIZE_256KB: return "256K";
    case LZ4FRAMED_BLOCK_SIZE_1MB: return "1M";
    case LZ4FRAMED_BLOCK_SIZE_4MB: return "4M";
    default: return "-";
    }
}

/* The header's flags as words: bsum (block checksums), csum (content
 * checksum), size=N (content size), dict=N (dictionary ID); "-" for none. */
static void flags_text(const lz4framed_scanned_frame *f, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    if (f->info.frame_kind != LZ4FRAMED_FRAME_LZ4) {
        snprintf(out, cap, "%s", f->is_seek_table ? "seek-table" : "-");
        return;
    }
    if (f->info.block_checksum) n += (size_t)snprintf(out + n, cap - n, "%sbsum", n ? "," : "");
    if (f->info.content_checksum && n < cap) n += (size_t)snprintf(out + n, cap - n, "%scsum", n ? "," : "");
    if (f->info.has_content_size && n < cap)
        n += (size_t)snprintf(out + n, cap - n, "%ssize=%llu", n ? "," : "", (unsigned long long)f->info.content_size);
    if (f->info.has_dict_id && n < cap)
        n += (size_t)snprintf(out + n, cap - n, "%sdict=%lu", n ? "," : "", (unsigned long)f->info.dict_id);
    if (n == 0) snprintf(out, cap, "-");
}

static void ratio_text(uint64_t compressed, uint64_t decompressed, char *out, size_t cap)
{
    if (decompressed == 0)
        snprintf(out, cap, "-");
    else
        snprintf(out, cap, "%.2f%%", 100.0 * (double)compressed / (double)decompressed);
}

static int print_listing(const lz4framed_scan *scan, const struct input *in)
{
    size_t count = 0;
    lz4framed_status st = lz4framed_scan_frame_count(scan, &count);
    if (lz4framed_is_error(st)) return fail_status(RC_INTERNAL, in->name, "cannot list", st);
    uint64_t compressed = 0, decompressed = 0, kinds[3] = {0, 0, 0};
    printf("%s: %llu bytes\n", in->name, (unsigned long long)in->size);
    printf("%6s %14s %-9s %5s %-11s %-28s %14s %14s %8s\n", "frame", "offset", "kind", "block", "mode", "flags",
           "compressed", "decompressed", "ratio");
    for (size_t i = 0; i < count; i++) {
        lz4framed_scanned_frame f;
        st = lz4framed_scan_frame(scan, i, &f);
        if (lz4framed_is_error(st)) return fail_status(RC_INTERNAL, in->name, "cannot list", st);
        char flags[96], ratio[32];
        flags_text(&f, flags, sizeof flags);
        ratio_text(f.compressed_size, f.decompressed_size, ratio, sizeof ratio);
        const char *mode = f.info.frame_kind == LZ4FRAMED_FRAME_SKIPPABLE ? "-"
                           : f.info.block_linked                          ? "linked"
                                                                          : "independent";
        printf("%6lu %14llu %-9s %5s %-11s %-28s %14llu %14llu %8s\n", (unsigned long)(i + 1),
               (unsigned long long)f.offset, kind_name(f.info.frame_kind), block_name(&f), mode, flags,
               (unsigned long long)f.compressed_size, (unsigned long long)f.decompressed_size, ratio);
        compressed += f.compressed_size;
        decompressed += f.decompressed_size;
        kinds[f.info.frame_kind <= 2 ? f.info.frame_kind : 1]++;
    }
    char ratio[32];
    ratio_text(compressed, decompressed, ratio, sizeof ratio);
    printf("total: %lu frames (%llu LZ4, %llu legacy, %llu skippable), %llu bytes -> %llu bytes, ratio %s\n",
           (unsigned long)count, (unsigned long long)kinds[LZ4FRAMED_FRAME_LZ4],
           (unsigned long long)kinds[LZ4FRAMED_FRAME_LEGACY], (unsigned long long)kinds[LZ4FRAMED_FRAME_SKIPPABLE],
           (unsigned long long)compressed, (unsigned long long)decompressed, ratio);
    lz4framed_seek_table_info t;
    st = lz4framed_scan_seek_table(scan, &t);
    if (st == LZ4FRAMED_ERROR_SEEK_MAGIC) {
        printf("seek table: none\n");
        return RC_OK;
    }
    if (lz4framed_is_error(st)) {
        printf("seek table: damaged (%s)\n", lz4framed_status_name(st));
        return fail_status(RC_INDEX, in->name, "the seek table at the end is refused", st);
    }
    printf("seek table: %llu restart points (%llu entries, %llu bytes at offset %llu)\n",
           (unsigned long long)t.restart_points, (unsigned long long)t.entry_count, (unsigned long long)t.size,
           (unsigned long long)t.offset);
    return RC_OK;
}

int list_file(struct input *in)
{
    if (!in->regular) return fail_usage("list needs INFILE to be a regular file (%s is not)", in->name);
    if (in->size > (uint64_t)SIZE_MAX) {
        msg("%s: too large to list on this system", in->name);
        return RC_INTERNAL;
    }
    size_t size = (size_t)in->size;
    void *map = NULL;
    if (size > 0) {
        map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, in->fd, 0);
        if (map == MAP_FAILED) return fail_errno(RC_IO, in->name, "cannot read");
    }
    lz4framed_scan *scan = NULL;
    lz4framed_status st = lz4framed_scan_new(map, size, &scan);
    int rc;
    if (lz4framed_is_error(st))
        rc = fail_status(status_exit_code(st), in->name, "cannot list", st);
    else
        rc = print_listing(scan, in);
    lz4framed_scan_free(scan);
    if (map) munmap(map, size);
    if (rc == RC_OK && (fflush(stdout) != 0 || ferror(stdout))) rc = fail_errno(RC_IO, "standard output", "cannot write");
    return rc;
}
