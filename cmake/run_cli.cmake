# The lz4framed tool as a test (run with `cmake -P` by ctest): round trips
# through the tool, checkpointed decompression with --state, and, when the
# reference `lz4` tool is installed, each tool decoding the other's output.
#
# Variables (-D): EXE (the tool), INPUT (any file), WORK_DIR, optionally LZ4 (the
# reference tool) and WRAPPER (a command prefix such as valgrind).
cmake_minimum_required(VERSION 3.16)

include("${CMAKE_CURRENT_LIST_DIR}/test_script.cmake")

lz4framed_script_begin(run_cli.cmake EXE INPUT WORK_DIR)
lz4framed_fresh_dir("${WORK_DIR}")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    string(REPLACE ";" " " shown "${ARGN}")
    message(FATAL_ERROR "${shown}\nfailed with ${result}:\n${out}${err}")
  endif()
endfunction()

function(same a b)
  execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${a}" "${b}" RESULT_VARIABLE differ)
  if(differ)
    message(FATAL_ERROR "${b} differs from ${a}")
  endif()
endfunction()

set(w "${WORK_DIR}")
# Default frame, then linked 64 KiB blocks with block checksums at a high level.
run(${wrapper} "${EXE}" compress -q "${INPUT}" "${w}/default.lz4")
run(${wrapper} "${EXE}" decompress -q "${w}/default.lz4" "${w}/default.out")
same("${INPUT}" "${w}/default.out")
run(${wrapper} "${EXE}" compress -q -9 -B4 -BD -BX --content-size "${INPUT}" "${w}/linked.lz4")
run(${wrapper} "${EXE}" decompress -q "${w}/linked.lz4" "${w}/linked.out")
same("${INPUT}" "${w}/linked.out")

# Checkpointed decompression finishes with the same output and removes
# its state file.
run(${wrapper} "${EXE}" decompress -q --state "${w}/state" --checkpoint=64K "${w}/linked.lz4" "${w}/state.out")
same("${INPUT}" "${w}/state.out")
if(EXISTS "${w}/state")
  message(FATAL_ERROR "a finished --state run left ${w}/state behind")
endif()

# An existing output is not overwritten without -f.
execute_process(COMMAND "${EXE}" decompress -q "${w}/default.lz4" "${w}/default.out"
  RESULT_VARIABLE result OUTPUT_QUIET ERROR_QUIET)
if(NOT result EQUAL 5)
  message(FATAL_ERROR "decompressing onto an existing file gave ${result}, not 5 (OUTFILE exists)")
endif()

if(DEFINED LZ4 AND NOT LZ4 STREQUAL "")
  run("${LZ4}" -d -q -f "${w}/default.lz4" "${w}/by-lz4.out")
  same("${INPUT}" "${w}/by-lz4.out")
  run("${LZ4}" -q -f -9 --content-size "${INPUT}" "${w}/from-lz4.lz4")
  run(${wrapper} "${EXE}" decompress -q "${w}/from-lz4.lz4" "${w}/from-lz4.out")
  same("${INPUT}" "${w}/from-lz4.out")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
