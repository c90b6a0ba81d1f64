# cmake -DMODE=<add_subdirectory|find_package> -DPARAMS=<consumer-params.cmake> -P run_consumer.cmake
#
# Driver of the consumer tests (see CMakeLists.txt beside it). Fails on the first step
# that fails, after printing its output.
cmake_minimum_required(VERSION 3.22)
include(${PARAMS})

set(work ${CONSUMER_WORK_ROOT}/${MODE})
set(build ${work}/build)

function(step what)
  message(STATUS "consumer.${MODE}: ${what}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer.${MODE}: ${what} failed (${rc})")
  endif()
endfunction()

set(configure_args -G ${CONSUMER_GENERATOR}
  -DCMAKE_CXX_COMPILER=${CONSUMER_CXX_COMPILER}
  "-DCMAKE_CXX_FLAGS=${CONSUMER_CXX_FLAGS}"
  "-DCMAKE_EXE_LINKER_FLAGS=${CONSUMER_LINK_FLAGS}")
if(CONSUMER_MAKE_PROGRAM)
  list(APPEND configure_args -DCMAKE_MAKE_PROGRAM=${CONSUMER_MAKE_PROGRAM})
endif()
if(CONSUMER_CXX_LAUNCHER)
  list(APPEND configure_args -DCMAKE_CXX_COMPILER_LAUNCHER=${CONSUMER_CXX_LAUNCHER})
endif()

if(MODE STREQUAL "add_subdirectory")
  # Debug: weft's libraries are rebuilt here, and -O0 compiles fastest. The build directory
  # is kept between runs, so a re-run only rebuilds what changed.
  list(APPEND configure_args -DCMAKE_BUILD_TYPE=Debug -DWEFT_SOURCE_DIR=${WEFT_SOURCE_DIR})
  if(CONSUMER_NATIVE)
    list(APPEND configure_args -DWEFT_NATIVE=ON)
  endif()
  if(CONSUMER_PREFIX_PATH)
    list(APPEND configure_args "-DCMAKE_PREFIX_PATH=${CONSUMER_PREFIX_PATH}")
  endif()
elseif(MODE STREQUAL "find_package")
  set(prefix ${work}/prefix)
  file(REMOVE_RECURSE ${prefix} ${build})
  step("install weft into ${prefix}"
       ${CMAKE_COMMAND} --install ${WEFT_BINARY_DIR} --prefix ${prefix})
  foreach(f lib/cmake/weft/weftConfig.cmake lib/cmake/weft/weftConfigVersion.cmake
            include/weft/weft.hpp include/weft/sync.hpp)
    if(NOT EXISTS ${prefix}/${f})
      file(GLOB_RECURSE found RELATIVE ${prefix} ${prefix}/*)
      message(FATAL_ERROR "consumer.find_package: ${f} was not installed; installed: ${found}")
    endif()
  endforeach()
  # Only the scratch prefix (and the system) may provide weft.
  list(APPEND configure_args -DCMAKE_BUILD_TYPE=${CONSUMER_BUILD_TYPE}
       "-DCMAKE_PREFIX_PATH=${prefix};${CONSUMER_PREFIX_PATH}"
       -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
else()
  message(FATAL_ERROR "MODE must be add_subdirectory or find_package, not '${MODE}'")
endif()

step("configure" ${CMAKE_COMMAND} -S ${CONSUMER_SOURCE_ROOT}/${MODE} -B ${build} ${configure_args})
step("build" ${CMAKE_COMMAND} --build ${build} --target app --parallel 2)
set(app ${build}/app)
step("run ${app}" ${app})
message(STATUS "consumer.${MODE}: OK")
