# Builds the Rust library in release mode (run with `cmake -P` by the
# lz4framed_rust target) and checks that the system libraries rustc says a
# program linking the static library needs are the ones lz4framed.pc and
# lz4framedConfig.cmake promise.
#
# Variables (-D): CARGO, MANIFEST_DIR, CARGO_TARGET_DIR, EXPECTED_LIBS
# (the promised list, space separated, without -l), OMITTED_LIBS (names
# rustc lists that are deliberately not promised), NATIVE_LIBS_FILE
# (where rustc's list is recorded).
#
# `cargo rustc ... -- --print native-static-libs` builds exactly what
# `cargo build --release --lib` builds; cargo replays the note on a build
# that has nothing to do, so the check runs every time.
cmake_minimum_required(VERSION 3.16)

foreach(var CARGO MANIFEST_DIR CARGO_TARGET_DIR EXPECTED_LIBS NATIVE_LIBS_FILE)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "cargo_build.cmake: -D${var}=... is required")
  endif()
endforeach()

# The build directory owns this target dir: a developer's `cargo` runs in
# the source tree neither wait for its lock nor see their artifacts replaced.
set(ENV{CARGO_TARGET_DIR} "${CARGO_TARGET_DIR}")

set(echo_args)
if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.18)
  set(echo_args ECHO_OUTPUT_VARIABLE ECHO_ERROR_VARIABLE)
endif()
execute_process(
  COMMAND "${CARGO}" rustc --release --locked --lib
          --manifest-path "${MANIFEST_DIR}/Cargo.toml"
          -- --print native-static-libs
  WORKING_DIRECTORY "${MANIFEST_DIR}"
  RESULT_VARIABLE result
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  ${echo_args})
if(NOT echo_args)
  message("${out}${err}")
endif()
if(NOT result EQUAL 0)
  message(FATAL_ERROR "cargo build of liblz4framed failed (${result}); see the cargo output above")
endif()

string(REGEX MATCH "native-static-libs: ([^\r\n]*)" line "${err}")
if(NOT line)
  message(FATAL_ERROR
    "rustc printed no native-static-libs note, so the system libraries the "
    "static library needs cannot be checked. cargo output:\n${err}")
endif()
string(STRIP "${CMAKE_MATCH_1}" reported)
separate_arguments(reported UNIX_COMMAND "${reported}")
separate_arguments(omitted UNIX_COMMAND "${OMITTED_LIBS}")
set(actual)
foreach(flag IN LISTS reported)
  string(REGEX REPLACE "^-l" "" name "${flag}")
  if(NOT name IN_LIST omitted)
    list(APPEND actual "${name}")
  endif()
endforeach()
separate_arguments(expected UNIX_COMMAND "${EXPECTED_LIBS}")
if(NOT "${actual}" STREQUAL "${expected}")
  string(REPLACE ";" " " shown "${reported}")
  message(FATAL_ERROR
    "rustc says the static library needs: ${shown}\n"
    "lz4framed.pc and lz4framedConfig.cmake promise: ${EXPECTED_LIBS} "
    "(rustc's list without: ${OMITTED_LIBS}).\n"
    "Update LZ4FRAMED_NATIVE_STATIC_LIBS in CMakeLists.txt.")
endif()
file(WRITE "${NATIVE_LIBS_FILE}.tmp" "${actual}\n")
file(RENAME "${NATIVE_LIBS_FILE}.tmp" "${NATIVE_LIBS_FILE}")
