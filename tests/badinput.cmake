# Bad-input catalogue (tests/bad/*.lua and the CLI cases of tests/bad_input.sh) and plugin-loading tests
# (tests/test_plugins.c with the deliberately broken plugins of tests/plugins/). Included from
# tests/CMakeLists.txt, which provides rollsim_test().

set(ROLLSIM_TEST_PLUGIN_DIR ${CMAKE_CURRENT_BINARY_DIR}/plugins)

# Test plugins: built like the real ones (MODULE, no "lib" prefix, only the entry symbol exported), but into
# their own folder so that they never appear in the plugin search path of the other tests or of users.
# Target test_plugin_NAME builds NAME.so.
set(ROLLSIM_TEST_PLUGINS)
function(rollsim_test_plugin name)
  add_library(test_plugin_${name} MODULE ${ARGN})
  target_include_directories(test_plugin_${name} PRIVATE ${CMAKE_SOURCE_DIR}/include)
  set_target_properties(test_plugin_${name} PROPERTIES PREFIX "" OUTPUT_NAME ${name} C_VISIBILITY_PRESET hidden
                        CXX_VISIBILITY_PRESET hidden LIBRARY_OUTPUT_DIRECTORY ${ROLLSIM_TEST_PLUGIN_DIR})
  set(ROLLSIM_TEST_PLUGINS ${ROLLSIM_TEST_PLUGINS} test_plugin_${name} PARENT_SCOPE)
endfunction()

foreach(p wrong_abi failing_create bad_action no_entry gate_user)
  rollsim_test_plugin(${p} plugins/${p}.c)
endforeach()

# The public header must compile as C++ (policy.h says so): a plugin in strict ISO C++11, pedantic (warnings
# are errors with ROLLSIM_WERROR, as in CI).
rollsim_test_plugin(cxx_plugin plugins/cxx_plugin.cpp)
set_target_properties(test_plugin_cxx_plugin PROPERTIES CXX_STANDARD 11 CXX_STANDARD_REQUIRED ON CXX_EXTENSIONS OFF)
target_compile_options(test_plugin_cxx_plugin PRIVATE -Wpedantic)

# Unit tests of the plugin loader: ABI refusal, missing entry, failing create(), invalid action, C++ plugin,
# parameter defaults and ranges of fixed_stages.
rollsim_test(test_plugins)
target_compile_definitions(test_plugins PRIVATE ROLLSIM_TEST_PLUGIN_DIR="${ROLLSIM_TEST_PLUGIN_DIR}")
add_dependencies(test_plugins fixed_stages ${ROLLSIM_TEST_PLUGINS})
target_link_libraries(test_plugins PRIVATE ${CMAKE_DL_LIBS})

# The catalogue: every bad scenario and bad command line must exit with 2 (1 for a runtime failure) and print
# exactly the one stderr line it states, and leave no output file.
find_program(ROLLSIM_BASH bash REQUIRED)
add_test(NAME bad_input
         COMMAND ${ROLLSIM_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/bad_input.sh $<TARGET_FILE:rollsim>
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
if(ROLLSIM_SANITIZE OR ROLLSIM_FUZZ) # several cases spend their whole instruction or memory budget
  set(ROLLSIM_BADINPUT_TEST_TIMEOUT 1200)
else()
  set(ROLLSIM_BADINPUT_TEST_TIMEOUT 300)
endif()
set_tests_properties(bad_input PROPERTIES TIMEOUT ${ROLLSIM_BADINPUT_TEST_TIMEOUT} ENVIRONMENT
  "ROLLSIM_SOURCE_DIR=${CMAKE_SOURCE_DIR};ROLLSIM_TEST_PLUGIN_DIR=${ROLLSIM_TEST_PLUGIN_DIR};ROLLSIM_BUILD_PLUGIN_DIR=${ROLLSIM_PLUGIN_BUILD_DIR};ROLLSIM_INSTALL_PLUGIN_DIR=")

# The hostile-scenario suite (issue 18): scenarios written to break the sandbox or the host (budget escapes,
# metatables, finalizers, giant tables and strings, invalid UTF-8, retained host objects). Each must end within
# 10 s (killed otherwise, which fails it) with exit 1 or 2 and exactly its one stated line, never a signal.
# Sanitized builds run several times slower: their limit is 60 s.
if(ROLLSIM_SANITIZE OR ROLLSIM_FUZZ)
  set(ROLLSIM_HOSTILE_TIMEOUT 60)
else()
  set(ROLLSIM_HOSTILE_TIMEOUT 10)
endif()
add_test(NAME hostile
         COMMAND ${ROLLSIM_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/bad_input.sh $<TARGET_FILE:rollsim>
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(hostile PROPERTIES TIMEOUT 900 ENVIRONMENT
  "ROLLSIM_BADINPUT_CASES=tests/hostile;ROLLSIM_BADINPUT_TIMEOUT=${ROLLSIM_HOSTILE_TIMEOUT};ROLLSIM_BADINPUT_CLI=0;ROLLSIM_SOURCE_DIR=${CMAKE_SOURCE_DIR};ROLLSIM_TEST_PLUGIN_DIR=${ROLLSIM_TEST_PLUGIN_DIR};ROLLSIM_BUILD_PLUGIN_DIR=${ROLLSIM_PLUGIN_BUILD_DIR};ROLLSIM_INSTALL_PLUGIN_DIR=")

# Reliability checks beyond one line per bad input (issue 18): --jobs-independence of state a script keeps,
# SIGHUP keeping finished replications, stale temporary files, `check` output that loads again.
add_test(NAME reliability COMMAND ${ROLLSIM_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/reliability.sh $<TARGET_FILE:rollsim>)
set_tests_properties(reliability PROPERTIES TIMEOUT 300)
