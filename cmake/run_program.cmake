# Runs one test program for ctest (with `cmake -P`): it passes only when
# the program exits with 0 AND its output matches PASS. (ctest's own
# PASS_REGULAR_EXPRESSION ignores the exit status, which would let a
# valgrind or sanitizer failure after a "checks passed" line go unnoticed.)
#
# Variables (-D): EXE, PASS (a regular expression), optionally WRAPPER (a
# command prefix such as valgrind, space separated).
cmake_minimum_required(VERSION 3.16)

foreach(var EXE PASS)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_program.cmake: -D${var}=... is required")
  endif()
endforeach()
set(wrapper)
if(DEFINED WRAPPER AND NOT WRAPPER STREQUAL "")
  separate_arguments(wrapper UNIX_COMMAND "${WRAPPER}")
endif()

execute_process(COMMAND ${wrapper} "${EXE}"
  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${EXE} failed with ${result}")
endif()
if(NOT out MATCHES "${PASS}")
  message(FATAL_ERROR "the output of ${EXE} does not match \"${PASS}\"")
endif()
