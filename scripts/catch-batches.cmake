# cmake -D TEST_EXECUTABLE=<cpx_tests> -D TEST_WORKING_DIR=<dir> -D CTEST_FILE=<out.cmake> -P catch-batches.cmake
#
# Writes CTEST_FILE: one ctest entry per test source of the Catch2 binary, each running every case of that
# source in one process (tests/CMakeLists.txt uses it under the sanitizers, where a start of the binary costs
# about 0.75 CPU s and one start per case cost more than 400 CPU s of the suite: docs/log/ci.md). The
# sources are asked of the binary itself: Catch2 v2's --filenames-as-tags (-#) gives each case the tag
# [#<source without .cpp>], and --list-tags counts the matching cases per tag. An entry is
# `cpx_tests "[#test_x]~[release-only]" -# --warn NoTests --durations yes`: it fails if its spec ever
# matches nothing, Catch names each failing case in its output (a sanitizer finding too: the runtime
# aborts, and Catch's SIGABRT handler reports the case that was running), and --durations leaves each
# case's time in ctest's log. Cases tagged [release-only] get entries of their own, labelled
# catch2-release-only, as the per-case entries are.
foreach(v TEST_EXECUTABLE TEST_WORKING_DIR CTEST_FILE)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "catch-batches.cmake: -D ${v}=... is required")
  endif()
endforeach()

# list_tags(SPEC TAGS COUNTS): the [#file] tags of the cases SPEC selects, and how many cases each has.
function(list_tags spec tags_var counts_var)
  execute_process(COMMAND "${TEST_EXECUTABLE}" "-#" --list-tags "${spec}" OUTPUT_VARIABLE listed RESULT_VARIABLE result
                  WORKING_DIRECTORY "${TEST_WORKING_DIR}")
  # Catch2 v2's --list-* exits with the number listed, so only a crash (a signal: not a number) is an error.
  if(NOT result MATCHES "^[0-9]+$")
    message(FATAL_ERROR "${TEST_EXECUTABLE} -# --list-tags ${spec}: ${result}\n${listed}")
  endif()
  set(tags "")
  set(counts "")
  string(REGEX MATCHALL "\n *[0-9]+  \\[#[^]\n]+\\]" rows "${listed}")
  foreach(row IN LISTS rows)
    string(REGEX MATCH "([0-9]+)  \\[#([^]]+)\\]" _ "${row}")
    list(APPEND counts "${CMAKE_MATCH_1}")
    list(APPEND tags "${CMAKE_MATCH_2}")
  endforeach()
  set(${tags_var} "${tags}" PARENT_SCOPE)
  set(${counts_var} "${counts}" PARENT_SCOPE)
endfunction()

# Every case has exactly one [#file] tag, so the entries together run every case once: checked against
# the binary's own count of its cases.
execute_process(COMMAND "${TEST_EXECUTABLE}" --list-test-names-only OUTPUT_VARIABLE names RESULT_VARIABLE result
                WORKING_DIRECTORY "${TEST_WORKING_DIR}")
string(REGEX MATCHALL "[^\n]+" names "${names}")
list(LENGTH names total)

set(script "")
set(batched 0)
foreach(kind IN ITEMS plain release-only)
  if(kind STREQUAL "plain")
    set(selection "~[release-only]")
    set(label catch2)
    set(suffix "")
  else()
    set(selection "[release-only]")
    set(label catch2-release-only)
    set(suffix " (release-only)")
  endif()
  list_tags("${selection}" tags counts)
  foreach(tag count IN ZIP_LISTS tags counts)
    math(EXPR batched "${batched} + ${count}")
    set(name "catch2 ${tag}${suffix}")
    # COST: ctest starts the larger sources first when it has no timings of earlier runs (a cold CI run).
    string(APPEND script
           "add_test([==[${name}]==] [==[${TEST_EXECUTABLE}]==] [==[[#${tag}]${selection}]==] \"-#\" --warn NoTests --durations yes)\n"
           "set_tests_properties([==[${name}]==] PROPERTIES LABELS ${label} COST ${count} WORKING_DIRECTORY [==[${TEST_WORKING_DIR}]==])\n")
  endforeach()
endforeach()
if(NOT batched EQUAL total)
  message(FATAL_ERROR "catch-batches.cmake: the per-source entries hold ${batched} cases, ${TEST_EXECUTABLE} has ${total}")
endif()
file(WRITE "${CTEST_FILE}" "${script}")
