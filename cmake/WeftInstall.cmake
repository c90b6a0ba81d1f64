# Install rules and the CMake package: after `cmake --install <build> --prefix <p>`,
#
#   find_package(weft CONFIG REQUIRED)            # CMAKE_PREFIX_PATH=<p>
#   target_link_libraries(app PRIVATE weft::weft)
#
# Installed targets (namespace weft::): weft (the whole public API), harness, primitives,
# and, when they were built, gtest, properties and stress. Public headers of every module
# go to <prefix>/include/weft/.
include(CMakePackageConfigHelpers)

set(WEFT_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/weft"
    CACHE STRING "Where weftConfig.cmake is installed, relative to the prefix")
mark_as_advanced(WEFT_INSTALL_CMAKEDIR)

# Library targets, in dependency order. weft_<x> is exported as weft::<x> unless the
# module set another EXPORT_NAME.
set(_weft_install_targets weft_harness weft_primitives)
foreach(_t IN ITEMS weft_gtest weft_properties weft_stress)
  if(TARGET ${_t})
    list(APPEND _weft_install_targets ${_t})
  endif()
endforeach()
foreach(_t IN LISTS _weft_install_targets)
  get_target_property(_export_name ${_t} EXPORT_NAME)
  if(NOT _export_name)
    string(REGEX REPLACE "^weft_" "" _export_name ${_t})
    set_target_properties(${_t} PROPERTIES EXPORT_NAME ${_export_name})
  endif()
endforeach()
list(APPEND _weft_install_targets weft)  # the umbrella interface target: weft::weft

install(TARGETS ${_weft_install_targets}
  EXPORT weftTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT weft_development
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT weft_runtime
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT weft_runtime
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# Public headers. A module's include/ is installed when the module is part of the build
# (harness and primitives always; properties and stress when their target exists).
set(_weft_include_dirs harness/include primitives/include)
if(TARGET weft_properties)
  list(APPEND _weft_include_dirs properties/include)
endif()
if(TARGET weft_stress)
  list(APPEND _weft_include_dirs stress/include)
endif()
foreach(_dir IN LISTS _weft_include_dirs)
  if(IS_DIRECTORY ${PROJECT_SOURCE_DIR}/${_dir})
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/${_dir}/
      DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
      COMPONENT weft_development
      FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h" PATTERN "*.ipp")
  endif()
endforeach()

install(EXPORT weftTargets
  NAMESPACE weft::
  FILE weftTargets.cmake
  DESTINATION ${WEFT_INSTALL_CMAKEDIR}
  COMPONENT weft_development)

# What weftConfig.cmake must find before it imports the targets. weft_harness links
# Boost::context PRIVATE; for a static library CMake still exports it as
# $<LINK_ONLY:Boost::context>, so the imported target must exist in the consumer too.
set(WEFT_CONFIG_NEEDS_GTEST OFF)
if(TARGET weft_gtest)
  set(WEFT_CONFIG_NEEDS_GTEST ON)
endif()
set(WEFT_CONFIG_NEEDS_RAPIDCHECK OFF)
if(TARGET weft_properties)
  set(WEFT_CONFIG_NEEDS_RAPIDCHECK ON)
endif()
set(WEFT_CONFIG_TARGETS)
foreach(_t IN LISTS _weft_install_targets)
  get_target_property(_export_name ${_t} EXPORT_NAME)
  if(NOT _export_name)
    set(_export_name ${_t})
  endif()
  list(APPEND WEFT_CONFIG_TARGETS ${_export_name})
endforeach()
string(REPLACE ";" " " WEFT_CONFIG_TARGETS "${WEFT_CONFIG_TARGETS}")

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/weftConfig.cmake.in
  ${PROJECT_BINARY_DIR}/weftConfig.cmake
  INSTALL_DESTINATION ${WEFT_INSTALL_CMAKEDIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/weftConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMajorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/weftConfig.cmake
  ${PROJECT_BINARY_DIR}/weftConfigVersion.cmake
  DESTINATION ${WEFT_INSTALL_CMAKEDIR}
  COMPONENT weft_development)

unset(_weft_install_targets)
unset(_weft_include_dirs)
unset(_export_name)
unset(_dir)
unset(_t)
