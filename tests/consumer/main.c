/* A program outside the lz4framed source tree, built against an installed
 * copy: it must find the header and the library the way any user's
 * program does, and the library it runs with must be the one the header
 * describes. */
#include <stdio.h>
#include <string.h>

#include <lz4framed.h>

int main(void)
{
    if (lz4framed_version_number() != LZ4FRAMED_VERSION_NUMBER) {
        fprintf(stderr, "consumer: header %s but library %s\n", LZ4FRAMED_VERSION_STRING,
                lz4framed_version_string());
        return 1;
    }
    static const char text[] = "Installed, found and linked: lz4framed, lz4framed, lz4framed.";
    unsigned char frame[256], back[sizeof text];
    size_t frame_size = 0, back_size = 0;
    lz4framed_status st = lz4framed_compress(text, sizeof text, frame, sizeof frame, NULL, &frame_size);
    if (st != LZ4FRAMED_OK) {
        fprintf(stderr, "consumer: compress: %s\n", lz4framed_status_name(st));
        return 1;
    }
    st = lz4framed_decompress(frame, frame_size, back, sizeof back, &back_size);
    if (st != LZ4FRAMED_OK || back_size != sizeof text || memcmp(back, text, sizeof text) != 0) {
        fprintf(stderr, "consumer: decompress: %s, %zu bytes\n", lz4framed_status_name(st), back_size);
        return 1;
    }
    printf("consumer: ok, lz4framed %s, %zu -> %zu bytes\n", lz4framed_version_string(), sizeof text, frame_size);
    return 0;
}
