# weft_add_fuzz_target(<name> SOURCES <files...> [LIBS <targets...>] [DEFINES <defs...>]
#                      [CORPUS <dirs...>] [CRASHES <dirs...>] [NO_NIGHTLY])
#
# One fuzz target: SOURCES define LLVMFuzzerTestOneInput (see weft/fuzz.hpp). Built two ways:
#
#   <name>         the libFuzzer binary — only with WEFT_BUILD_FUZZ and clang. Compiled and
#                  linked with -fsanitize=fuzzer; the sanitizers come from the whole build
#                  (WEFT_SANITIZER=address gives ASan+UBSan, as the `fuzz` preset does).
#                  With WEFT_FUZZ_ENGINE set (OSS-Fuzz: -DWEFT_FUZZ_ENGINE=$LIB_FUZZING_ENGINE)
#                  it is linked with that instead, and compiled with the build's flags only
#                  (OSS-Fuzz passes -fsanitize=...,fuzzer-no-link in CXXFLAGS).
#   <name>_replay  always, with any compiler: the same sources plus fuzz/replay_main.cpp,
#                  a main() that runs files through the target without a fuzzing engine.
#
# ctest (label `fuzz`, when WEFT_BUILD_TESTS):
#   fuzz.<name>          <name>_replay over every CORPUS directory (committed corpora and
#                        regression inputs): every input must pass.
#   fuzz.<name>.crashes  <name>_replay --expect-crash over every CRASHES directory: every
#                        input must still crash (planted bugs stay found).
# Directories that do not exist or hold no input are skipped.
#
# Every target is listed in <build>/fuzz-targets.txt ("name binary corpus-dir" lines, the
# first CORPUS directory being the one fuzzing grows) for fuzz/run_all.sh; NO_NIGHTLY
# leaves it out (e.g. a target whose component has a planted bug).
include_guard(GLOBAL)

set(WEFT_FUZZ_ENGINE "" CACHE STRING
    "Link flags of the fuzzing engine for the libFuzzer binaries (default: -fsanitize=fuzzer; OSS-Fuzz: \$LIB_FUZZING_ENGINE)")

# Whether libFuzzer binaries are built (a global property: this file is included once,
# from whichever directory comes first, and its variables would not reach the others).
set(_weft_fuzz_enabled OFF)
if(WEFT_BUILD_FUZZ)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang" OR NOT WEFT_FUZZ_ENGINE STREQUAL "")
    set(_weft_fuzz_enabled ON)
  else()
    message(WARNING "weft: WEFT_BUILD_FUZZ needs clang (-fsanitize=fuzzer); building only "
                    "the replay binaries with ${CMAKE_CXX_COMPILER_ID}")
  endif()
  if(_weft_fuzz_enabled AND WEFT_FUZZ_ENGINE STREQUAL "" AND "${WEFT_SANITIZER}" STREQUAL "")
    message(WARNING "weft: fuzz targets without a sanitizer find only failures the model "
                    "checker reports; configure with -DWEFT_SANITIZER=address (the `fuzz` "
                    "preset does) for ASan+UBSan. (Instrumenting only the targets would not "
                    "do: the scheduler's fiber switches must be ASan-annotated too.)")
  endif()
endif()

set_property(GLOBAL PROPERTY WEFT_FUZZ_ENABLED ${_weft_fuzz_enabled})
set_property(GLOBAL PROPERTY WEFT_FUZZ_MANIFEST "")

function(weft_add_fuzz_target name)
  cmake_parse_arguments(arg "NO_NIGHTLY" "" "SOURCES;LIBS;DEFINES;CORPUS;CRASHES" ${ARGN})
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "weft_add_fuzz_target(${name}): SOURCES is required")
  endif()
  if(NOT TARGET weft_fuzz)
    message(FATAL_ERROR "weft_add_fuzz_target(${name}): weft_fuzz is not defined (fuzz/ must be added first)")
  endif()

  # The replay binary: every build.
  add_executable(${name}_replay ${arg_SOURCES})
  target_link_libraries(${name}_replay PRIVATE weft_fuzz_replay_main weft_fuzz weft::weft ${arg_LIBS})
  target_compile_options(${name}_replay PRIVATE ${WEFT_WARNING_FLAGS})
  target_compile_definitions(${name}_replay PRIVATE ${arg_DEFINES})

  # The libFuzzer binary.
  get_property(_enabled GLOBAL PROPERTY WEFT_FUZZ_ENABLED)
  if(_enabled)
    add_executable(${name} ${arg_SOURCES})
    target_link_libraries(${name} PRIVATE weft_fuzz weft::weft ${arg_LIBS})
    target_compile_options(${name} PRIVATE ${WEFT_WARNING_FLAGS})
    target_compile_definitions(${name} PRIVATE ${arg_DEFINES})
    if(WEFT_FUZZ_ENGINE STREQUAL "")
      target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
      target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    else()
      separate_arguments(_engine UNIX_COMMAND "${WEFT_FUZZ_ENGINE}")
      target_link_options(${name} PRIVATE ${_engine})
    endif()
    if(NOT arg_NO_NIGHTLY)
      list(GET arg_CORPUS 0 _corpus)
      set_property(GLOBAL APPEND PROPERTY WEFT_FUZZ_MANIFEST
                   "${name} $<TARGET_FILE:${name}> ${_corpus}")
    endif()
  endif()

  if(WEFT_BUILD_TESTS)
    set(_dirs)
    foreach(_d IN LISTS arg_CORPUS)
      file(GLOB _files ${_d}/*)
      if(_files)
        list(APPEND _dirs ${_d})
      endif()
    endforeach()
    if(_dirs)
      add_test(NAME fuzz.${name} COMMAND ${name}_replay ${_dirs})
      set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz TIMEOUT 120)
    endif()
    set(_dirs)
    foreach(_d IN LISTS arg_CRASHES)
      file(GLOB _files ${_d}/*)
      if(_files)
        list(APPEND _dirs ${_d})
      endif()
    endforeach()
    if(_dirs)
      add_test(NAME fuzz.${name}.crashes COMMAND ${name}_replay --expect-crash ${_dirs})
      set_tests_properties(fuzz.${name}.crashes PROPERTIES LABELS fuzz TIMEOUT 120)
    endif()
  endif()
endfunction()

# Writes <build>/fuzz-targets.txt at the end of configuration (see above).
function(_weft_write_fuzz_manifest)
  get_property(_lines GLOBAL PROPERTY WEFT_FUZZ_MANIFEST)
  string(REPLACE ";" "\n" _text "${_lines}")
  if(_text)
    string(APPEND _text "\n")
  endif()
  file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/fuzz-targets.txt CONTENT "${_text}")
endfunction()
cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL _weft_write_fuzz_manifest)
