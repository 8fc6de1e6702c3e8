#include "platform.h"

#include "index.h"
#include "io.h"
#include "lz4framed.h"
#include "messages.h"
#include "seek_io.h"
#include "signals.h"

int write_index(const struct options *o, struct input *in)
{
    if (!in->regular) return fail_usage("index needs INFILE to be a regular file (%s is not)", in->name);
    void *index = NULL;
    size_t index_size = 0;
    lz4framed_status st = lz4framed_index_build(pread_callback, &in->fd, in->size, o->span, &index, &index_size);
    if (lz4framed_is_error(st)) return fail_status(seek_exit_code(st), in->name, "cannot index", st);
    struct output out;
    int rc = open_output(o, in, &out);
    if (rc == RC_OK && write_all(out.fd, index, index_size) != 0) rc = fail_errno(RC_IO, out.name, "cannot write");
    if (rc == RC_OK) rc = finish_output(&out);
    if (rc != RC_OK) {
        discard_output(&out);
    } else {
        remove_on_signal(NULL);
        if (o->verbosity > 1) msg("%s: index of %llu bytes written to %s", in->name, (unsigned long long)index_size, out.name);
    }
    lz4framed_blob_free(index);
    return rc;
}
