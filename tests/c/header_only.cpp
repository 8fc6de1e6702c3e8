// The header alone in C++17 (-pedantic): extern "C" linkage, the typed
// error enum and the structs must work as C++ code expects.
#include "lz4framed.h"

#include <cstdio>
#include <cstring>
#include <type_traits>

static_assert(std::is_same<std::underlying_type<lz4framed_error>::type, int32_t>::value,
              "lz4framed_error is an int32_t enum");
static_assert(std::is_same<lz4framed_status, int32_t>::value, "lz4framed_status is int32_t");
static_assert(std::is_standard_layout<lz4framed_preferences>::value, "C layout");
static_assert(std::is_standard_layout<lz4framed_frame_info>::value, "C layout");
static_assert(LZ4FRAMED_VERSION_NUMBER ==
                  LZ4FRAMED_VERSION_MAJOR * 10000 + LZ4FRAMED_VERSION_MINOR * 100 + LZ4FRAMED_VERSION_PATCH,
              "version number");

int main() {
    lz4framed_preferences prefs{};
    lz4framed_frame_info info{};
    lz4framed_decoder *decoder = nullptr;
    lz4framed_encoder *encoder = nullptr;
    lz4framed_error error = LZ4FRAMED_ERROR_TRUNCATED;

    prefs.content_checksum = 1;
    if (lz4framed_encoder_new(&prefs, &encoder) != LZ4FRAMED_OK) return 1;
    if (lz4framed_decoder_new(LZ4FRAMED_DECODER_STOP_AT_FRAME_END, &decoder) != LZ4FRAMED_OK) return 2;
    if (lz4framed_decoder_frame_info(decoder, &info) != LZ4FRAMED_ERROR_WRONG_STAGE) return 3;
    if (std::strcmp(lz4framed_status_name(error), "LZ4FRAMED_ERROR_TRUNCATED") != 0) return 4;
    if (lz4framed_version_number() != LZ4FRAMED_VERSION_NUMBER) return 5;
    if (std::strcmp(lz4framed_version_string(), LZ4FRAMED_VERSION_STRING) != 0) return 6;
    lz4framed_encoder_free(encoder);
    lz4framed_decoder_free(decoder);
    std::printf("c++: ok\n");
    return 0;
}
