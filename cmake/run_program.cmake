# Runs one test program for ctest (with `cmake -P`): it passes only when
# the program exits with 0 AND its output matches PASS. (ctest's own
# PASS_REGULAR_EXPRESSION ignores the exit status, which would let a
# valgrind or sanitizer failure after a "checks passed" line go unnoticed.)
#
# Variables (-D): EXE, PASS (a regular expression), optionally WRAPPER (a
# command prefix such as valgrind, space separated).
cmake_minimum_required(VERSION 3.16)

include("${CMAKE_CURRENT_LIST_DIR}/test_script.cmake")

lz4framed_script_begin(run_program.cmake EXE PASS)

execute_process(COMMAND ${wrapper} "${EXE}"
  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${EXE} failed with ${result}")
endif()
if(NOT out MATCHES "${PASS}")
  message(FATAL_ERROR "the output of ${EXE} does not match \"${PASS}\"")
endif()
