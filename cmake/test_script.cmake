# Shared by the cmake/run_*.cmake test scripts (run with `cmake -P`).

# lz4framed_script_begin(<script> <var>...): stops with an error unless each
# -D<var> is given and not empty, and sets `wrapper` to the command prefix
# of -DWRAPPER (space or `;` separated, such as valgrind), empty without it.
function(lz4framed_script_begin script)
  foreach(var IN LISTS ARGN)
    if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
      message(FATAL_ERROR "${script}: -D${var}=... is required")
    endif()
  endforeach()
  set(prefix)
  if(DEFINED WRAPPER AND NOT WRAPPER STREQUAL "")
    separate_arguments(prefix UNIX_COMMAND "${WRAPPER}")
  endif()
  set(wrapper "${prefix}" PARENT_SCOPE)
endfunction()

# lz4framed_fresh_dir(<dir>): <dir> exists and is empty.
function(lz4framed_fresh_dir dir)
  file(REMOVE_RECURSE "${dir}")
  file(MAKE_DIRECTORY "${dir}")
endfunction()
