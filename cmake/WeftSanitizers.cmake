# Applies WEFT_SANITIZER to every target of the build (weft, its tests, and a parent
# project's targets when weft is added with add_subdirectory from the top).
if("${WEFT_SANITIZER}" STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=thread)
elseif("${WEFT_SANITIZER}" STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
elseif(NOT "${WEFT_SANITIZER}" STREQUAL "")
  message(FATAL_ERROR "WEFT_SANITIZER must be '', 'thread' or 'address', not '${WEFT_SANITIZER}'")
endif()
