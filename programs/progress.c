#include "platform.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "messages.h"
#include "progress.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(struct progress *p, const struct options *o, const char *name, uint64_t in_total)
{
    memset(p, 0, sizeof *p);
    p->enabled = o->verbosity > 0 && isatty(STDERR_FILENO);
    p->start = p->last = now_seconds();
    p->in_total = in_total;
    p->verb = o->command == 'c' ? "compress" : "decompress";
    p->name = name;
}

void progress_update(struct progress *p, uint64_t in_pos, uint64_t out_pos)
{
    if (!p->enabled) return;
    double t = now_seconds();
    if (t - p->start < 1.0 || t - p->last < 0.25) return;
    p->last = t;
    uint64_t plain = p->verb[0] == 'c' ? in_pos - p->in_base : out_pos - p->out_base;
    char pct[16] = "";
    if (p->in_total) snprintf(pct, sizeof pct, " %3.0f%%", 100.0 * (double)in_pos / (double)p->in_total);
    char note[96] = "";
    if (p->note) p->note(p->note_ctx, note, sizeof note);
    fprintf(stderr, "\r%s: %s %s:%s %.1f MiB -> %.1f MiB, %.1f MB/s%s   ", PROG, p->verb, p->name, pct,
            (double)in_pos / (double)MIB, (double)out_pos / (double)MIB, (double)plain / 1e6 / (t - p->start), note);
    p->shown = 1;
}

void progress_end(struct progress *p)
{
    if (p->shown) fprintf(stderr, "\r%78s\r", "");
    p->shown = 0;
}
