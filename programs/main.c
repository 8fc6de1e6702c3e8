/* lz4framed: a command-line compressor and decompressor for LZ4 frames,
 * built only on the public C API of liblz4framed.
 *
 *   lz4framed compress   [options] (INFILE|-) [OUTFILE]
 *   lz4framed decompress [options] (INFILE|URL|-) [OUTFILE]
 *   lz4framed decompress --range=OFFSET:LENGTH [--index=FILE] INFILE [OUTFILE]
 *   lz4framed index [--span=SIZE] INFILE [INDEXFILE]
 *   lz4framed list INFILE
 *
 * Both directions stream with bounded memory (a few MiB whatever the input
 * size). Decompression with --state FILE is crash-safe and resumable: every
 * checkpoint makes the output durable, marshals the decoder and atomically
 * replaces FILE; a later run with the same FILE continues exactly where the
 * last checkpoint stood. docs/CLI.md describes the options, the exit codes
 * and the state file format byte by byte.
 *
 * This file parses the command line, opens the files and hands over to
 * compress.c or decompress.c; the other files of this directory are their
 * helpers, one job each (see docs/CLI.md for the list).
 */
#include "platform.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compress.h"
#include "compress_state.h"
#include "decompress.h"
#include "dictionary.h"
#include "files.h"
#include "http.h"
#include "index.h"
#include "io.h"
#include "list.h"
#include "messages.h"
#include "options.h"
#include "range.h"
#include "signals.h"
#include "state_file.h"

int main(int argc, char **argv)
{
    struct options o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0) return rc;
    if (o.resume_offset) return print_resume_offset(&o);
    install_signal_handlers();

    struct dictionary *dict = NULL;
    if (o.dict_path) {
        dict = xmalloc(sizeof *dict);
        if ((rc = load_dictionary(o.dict_path, dict)) != RC_OK) {
            free(dict);
            return rc;
        }
    }
    struct input in;
    struct output out;
    memset(&out, 0, sizeof out);
    out.fd = -1;
    if ((rc = is_url(o.in_path) ? http_open_input(&o, &in) : open_input(o.in_path, &in)) != RC_OK) {
        free(dict);
        return rc;
    }
    if (o.command == 'l') {
        rc = list_file(&in);
    } else if (o.command == 'i') {
        rc = write_index(&o, &in);
    } else if (o.has_range) {
        rc = decompress_range(&o, &in, &out);
    } else if (o.command == 'c' && o.state_path) {
        rc = compress_resumable(&o, &in, &out, dict);
    } else if (o.command == 'c') {
        if (o.content_size && !in.regular) {
            rc = fail_usage("--content-size needs INFILE to be a regular file (%s is not)", in.name);
        } else if ((rc = open_output(&o, &in, &out)) == RC_OK) {
            rc = compress_stream(&o, &in, &out, dict);
            if (rc == RC_OK) rc = finish_output(&out);
        }
        if (rc != RC_OK) discard_output(&out);
        remove_on_signal(NULL);
    } else {
        rc = decompress_stream(&o, &in, &out, dict);
    }
    if (in.fd > STDERR_FILENO) close(in.fd);
    http_close_input(&in);
    free(dict);
    return rc;
}
