# weft_add_gtest(<name> SOURCES <files...> [LIBS <targets...>] [LABELS <labels...>]
#                [TIMEOUT <seconds>])
#
# One GoogleTest executable per call, its cases registered with ctest one by one.
# Labels: unit, model, property, stress, fuzz, relacy, nightly. Every test gets a
# timeout so that no hang can stall CI.
include(GoogleTest)

function(weft_add_gtest name)
  cmake_parse_arguments(arg "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 300)
  endif()
  if(NOT arg_LABELS)
    set(arg_LABELS unit)
  endif()
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE weft::weft weft::gtest ${arg_LIBS} GTest::gtest_main)
  target_compile_options(${name} PRIVATE ${WEFT_WARNING_FLAGS})
  gtest_discover_tests(${name}
    TEST_PREFIX "${name}."
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${arg_LABELS}" TIMEOUT ${arg_TIMEOUT})
  # gtest_discover_tests (CMake < 3.28) splits a list-valued property into separate
  # arguments: only the first label would stick, and a "model;nightly" test would run per
  # commit. Set the whole list again once the tests are discovered (this include file
  # runs after the discovery's own, which defines ${name}_TESTS).
  list(LENGTH arg_LABELS n_labels)
  if(n_labels GREATER 1)
    set(script "${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake")
    file(WRITE "${script}"
         "if(DEFINED ${name}_TESTS)\n"
         "  set_tests_properties(\${${name}_TESTS} PROPERTIES LABELS \"${arg_LABELS}\")\n"
         "endif()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${script}")
  endif()
endfunction()

# weft_add_gtests(<dir-relative glob> LIBS ... LABELS ...): one executable per *_test.cpp.
function(weft_add_gtests_from_dir prefix)
  cmake_parse_arguments(arg "" "TIMEOUT" "LIBS;LABELS" ${ARGN})
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cpp)
  foreach(src IN LISTS tests)
    get_filename_component(stem ${src} NAME_WE)
    set(labels ${arg_LABELS})
    # A file name ending in _model_test / _property_test / _stress_test labels itself.
    if(stem MATCHES "_model_test$")
      list(APPEND labels model)
    elseif(stem MATCHES "_property_test$")
      list(APPEND labels property)
    elseif(stem MATCHES "_stress_test$")
      list(APPEND labels stress)
    elseif(NOT labels)
      set(labels unit)
    endif()
    weft_add_gtest(${prefix}_${stem} SOURCES ${src} LIBS ${arg_LIBS} LABELS ${labels}
                   TIMEOUT ${arg_TIMEOUT})
  endforeach()
endfunction()
