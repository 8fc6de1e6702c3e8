# The crash_safe example as a test (run with `cmake -P` by ctest): make a
# sample stream, decompress it in a process that kills itself with SIGKILL
# after DIE_AFTER checkpoints, decompress again (which must resume from the
# state file, not start over) and verify the output byte for byte.
#
# Variables (-D): EXE, WORK_DIR, MIB, DIE_AFTER, and optionally WRAPPER
# (a command prefix such as valgrind, `;`-separated or space separated).
cmake_minimum_required(VERSION 3.16)

include("${CMAKE_CURRENT_LIST_DIR}/test_script.cmake")

lz4framed_script_begin(run_crash_safe.cmake EXE WORK_DIR MIB DIE_AFTER)
lz4framed_fresh_dir("${WORK_DIR}")
set(stream "${WORK_DIR}/stream.lz4")
set(out "${WORK_DIR}/out")
set(state "${WORK_DIR}/state")

function(step name expect_success)
  execute_process(COMMAND ${wrapper} "${EXE}" ${ARGN}
    RESULT_VARIABLE result OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
  message("== ${name}: exit ${result}\n${stdout}${stderr}")
  if(expect_success AND NOT result EQUAL 0)
    message(FATAL_ERROR "crash_safe ${name} failed with ${result}")
  elseif(NOT expect_success AND result EQUAL 0)
    message(FATAL_ERROR "crash_safe ${name} was meant to die after ${DIE_AFTER} checkpoints but finished")
  endif()
  set(step_stdout "${stdout}" PARENT_SCOPE)
  set(step_stderr "${stderr}" PARENT_SCOPE)
endfunction()

step("make-input" TRUE make-input "${stream}" "${MIB}")
step("decompress (killed)" FALSE decompress "${stream}" "${out}" "${state}" "${DIE_AFTER}")
if(NOT EXISTS "${state}")
  message(FATAL_ERROR "the killed run left no state file ${state}")
endif()
step("decompress (resumed)" TRUE decompress "${stream}" "${out}" "${state}")
if(NOT step_stderr MATCHES "resuming at input [1-9][0-9]*, output [1-9][0-9]*")
  message(FATAL_ERROR "the second run did not resume from the state file")
endif()
if(EXISTS "${state}")
  message(FATAL_ERROR "a finished run must remove the state file ${state}")
endif()
step("verify" TRUE verify "${out}" "${MIB}")
if(NOT step_stdout MATCHES "byte-identical")
  message(FATAL_ERROR "the resumed output differs from the original data")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
