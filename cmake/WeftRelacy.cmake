# Weak-memory checking with Relacy (docs/relacy.md).
#
#   weft_add_relacy_test(<name> SOURCES <files...> [LIBS <targets...>] [LABELS <labels...>]
#                        [TIMEOUT <seconds>] [NO_TEST])
#
# Builds <name> as a Relacy test executable: the sync facade in its WEFT_RELACY flavour
# (-DWEFT_RELACY), -fno-sized-deallocation (Relacy replaces only the unsized operator
# delete; a sized delete would free Relacy's memory with the system allocator),
# -fno-lifetime-dse with g++ (else use-after-free goes undetected, see below), C++20,
# and the include directories of weft's headers (harness and primitives) and Relacy's.
# It links none of weft's libraries — they are compiled for the instrumented flavour and
# would mix two definitions of weft::mutex & co. into one program. A primitive that has a
# .cpp (context.cpp, errors.cpp) is tested by adding that file to SOURCES, so it is
# compiled in the Relacy flavour too. LIBS is for libraries that do not use the facade.
#
# Registers one ctest, `relacy.<name>`, labelled `relacy` (plus LABELS), with a timeout
# (default 300 s). The executable reads the WEFT_RELACY_* knobs at run time
# (weft/relacy/runner.hpp): WEFT_RELACY_SCHEDULER=random|bound|full,
# WEFT_RELACY_ITERATIONS, WEFT_RELACY_CONTEXT_BOUND, WEFT_RELACY_DEPTH,
# WEFT_RELACY_FILTER, WEFT_RELACY_VERBOSE — e.g.
#   WEFT_RELACY_SCHEDULER=bound WEFT_RELACY_CONTEXT_BOUND=3 ctest -L relacy
# NO_TEST builds the executable without registering it (benchmarks).
#
# Sanitizers: Relacy runs its threads as ucontext fibers that no sanitizer is told
# about, and it is a checker itself; WEFT_SANITIZER's -fsanitize flags are removed from
# these targets, so a sanitizer build still runs the Relacy suites, unsanitized.
#
# Sets WEFT_RELACY_FOUND (relacy/relacy.hpp, Debian package relacy-dev, was found) and
# WEFT_RELACY_INCLUDE_DIR. Without Relacy, weft_add_relacy_test does nothing but say so
# once.

find_path(WEFT_RELACY_INCLUDE_DIR relacy/relacy.hpp)
if(WEFT_RELACY_INCLUDE_DIR)
  set(WEFT_RELACY_FOUND TRUE)
else()
  set(WEFT_RELACY_FOUND FALSE)
endif()

function(weft_add_relacy_test name)
  cmake_parse_arguments(arg "NO_TEST" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT WEFT_RELACY_FOUND)
    get_property(_said GLOBAL PROPERTY WEFT_RELACY_SAID_MISSING)
    if(NOT _said)
      message(STATUS "weft: relacy/relacy.hpp not found (apt-get install relacy-dev); "
                     "Relacy tests are not built")
      set_property(GLOBAL PROPERTY WEFT_RELACY_SAID_MISSING TRUE)
    endif()
    return()
  endif()
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "weft_add_relacy_test(${name}): SOURCES is required")
  endif()
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 300)
  endif()

  add_executable(${name} ${arg_SOURCES})
  target_compile_features(${name} PRIVATE cxx_std_20)
  target_compile_definitions(${name} PRIVATE WEFT_RELACY)
  # Include directories only: the harness and primitives targets in this build, or the
  # imported ones of an installed weft (find_package(weft)).
  foreach(_module harness primitives)
    if(TARGET weft_${_module})
      target_include_directories(${name} PRIVATE
        $<TARGET_PROPERTY:weft_${_module},INTERFACE_INCLUDE_DIRECTORIES>)
    elseif(TARGET weft::${_module})
      target_include_directories(${name} PRIVATE
        $<TARGET_PROPERTY:weft::${_module},INTERFACE_INCLUDE_DIRECTORIES>)
    endif()
  endforeach()
  target_include_directories(${name} SYSTEM PRIVATE ${WEFT_RELACY_INCLUDE_DIR})

  # Drop the sanitizer flags a sanitizer build puts on every target (see above).
  foreach(_prop COMPILE_OPTIONS LINK_OPTIONS)
    get_target_property(_opts ${name} ${_prop})
    if(_opts)
      list(FILTER _opts EXCLUDE REGEX "^-f(no-)?sanitize")
      set_property(TARGET ${name} PROPERTY ${_prop} ${_opts})
    endif()
  endforeach()
  # -fno-lifetime-dse (g++): Relacy detects a use of a freed rl::atomic / rl::var by a
  # signature its destructor clears; g++ deletes that store as dead (the object's
  # lifetime ends), and use-after-free goes unreported.
  # -Wno-array-bounds (g++): Relacy's waitset<1> (a one-thread suite) trips g++ 12's
  # -Warray-bounds on code inlined from its headers, a false positive their SYSTEM
  # include does not silence.
  target_compile_options(${name} PRIVATE -fno-sized-deallocation
                         $<$<CXX_COMPILER_ID:GNU>:-fno-lifetime-dse> ${WEFT_WARNING_FLAGS}
                         $<$<CXX_COMPILER_ID:GNU>:-Wno-array-bounds>)
  if(arg_LIBS)
    target_link_libraries(${name} PRIVATE ${arg_LIBS})
  endif()

  if(NOT arg_NO_TEST)
    add_test(NAME relacy.${name} COMMAND ${name})
    set(_labels relacy ${arg_LABELS})
    set_tests_properties(relacy.${name} PROPERTIES LABELS "${_labels}" TIMEOUT ${arg_TIMEOUT})
  endif()
endfunction()
