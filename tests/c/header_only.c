/* The header alone: it must compile first in a translation unit, under
 * -std=c99/-std=c11 -pedantic, and name every type it declares. The
 * program prints the version macros and the struct layouts, which
 * tests/c/api.rs compares with Cargo.toml and with the Rust definitions. */
#include "lz4framed.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define FIELD(type, field) \
    printf("offset %s.%s %lu\n", #type, #field, (unsigned long)offsetof(type, field))

int main(void) {
    lz4framed_status status = LZ4FRAMED_OK;
    lz4framed_error error = LZ4FRAMED_ERROR_NULL_ARGUMENT;
    enum lz4framed_error tagged = LZ4FRAMED_ERROR_READER_FAILED;
    lz4framed_preferences prefs;
    lz4framed_frame_info info;
    lz4framed_decoder *decoder = NULL;
    struct lz4framed_encoder *encoder = NULL;

    memset(&prefs, 0, sizeof prefs);
    memset(&info, 0, sizeof info);
    if (status != LZ4FRAMED_OK || error != -1 || tagged != -40 || decoder != NULL || encoder != NULL) {
        return 1;
    }
    if (LZ4FRAMED_VERSION_NUMBER != LZ4FRAMED_VERSION_MAJOR * 10000 + LZ4FRAMED_VERSION_MINOR * 100 +
                                        LZ4FRAMED_VERSION_PATCH) {
        return 2;
    }
    printf("version_string %s\n", LZ4FRAMED_VERSION_STRING);
    printf("version_number %d\n", LZ4FRAMED_VERSION_NUMBER);
    printf("runtime_version_string %s\n", lz4framed_version_string());
    printf("runtime_version_number %lu\n", (unsigned long)lz4framed_version_number());

    printf("size lz4framed_preferences %lu\n", (unsigned long)sizeof(lz4framed_preferences));
    FIELD(lz4framed_preferences, level);
    FIELD(lz4framed_preferences, block_size_id);
    FIELD(lz4framed_preferences, block_independent);
    FIELD(lz4framed_preferences, block_checksum);
    FIELD(lz4framed_preferences, content_checksum);
    FIELD(lz4framed_preferences, content_size_flag);
    FIELD(lz4framed_preferences, content_size);
    FIELD(lz4framed_preferences, auto_flush);
    FIELD(lz4framed_preferences, favor_dec_speed);
    FIELD(lz4framed_preferences, dict_id);
    FIELD(lz4framed_preferences, workers);
    FIELD(lz4framed_preferences, seek_table_kib);
    FIELD(lz4framed_preferences, reserved);
    printf("size lz4framed_frame_info %lu\n", (unsigned long)sizeof(lz4framed_frame_info));
    FIELD(lz4framed_frame_info, frame_kind);
    FIELD(lz4framed_frame_info, block_size_id);
    FIELD(lz4framed_frame_info, block_max_size);
    FIELD(lz4framed_frame_info, block_linked);
    FIELD(lz4framed_frame_info, block_checksum);
    FIELD(lz4framed_frame_info, content_checksum);
    FIELD(lz4framed_frame_info, has_content_size);
    FIELD(lz4framed_frame_info, content_size);
    FIELD(lz4framed_frame_info, has_dict_id);
    FIELD(lz4framed_frame_info, dict_id);
    FIELD(lz4framed_frame_info, reserved);
    return 0;
}
