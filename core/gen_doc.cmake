# Writes the man page and the bash completion from the program's own option tables (rollsim --man,
# rollsim --bash-completion), so they cannot disagree with its --help. Usage:
#   cmake -DEXE=path/to/rollsim -DMAN=rollsim.1 -DBASH=rollsim.bash -P gen_doc.cmake
foreach(pair "--man;${MAN}" "--bash-completion;${BASH}")
  list(GET pair 0 flag)
  list(GET pair 1 out)
  execute_process(COMMAND ${EXE} ${flag} OUTPUT_FILE ${out}.part RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${EXE} ${flag} failed: ${rc}")
  endif()
  file(RENAME ${out}.part ${out})
endforeach()
