# boost_test_discover(TARGET LABELS l...): after TARGET is built, list its Boost.Test cases
# (--list_content) and register each leaf case as one CTest test, as gtest_discover_tests
# does for GoogleTest.
function(boost_test_discover target)
    cmake_parse_arguments(arg "" "" "LABELS" ${ARGN})
    set(out "${CMAKE_CURRENT_BINARY_DIR}/${target}_tests.cmake")
    add_custom_command(TARGET ${target} POST_BUILD
        COMMAND ${CMAKE_COMMAND} -D "exe=$<TARGET_FILE:${target}>" -D "out=${out}"
                -D "labels=${arg_LABELS}" -D "prefix=${target}"
                -P "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/boost_test_list.cmake"
        VERBATIM)
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${out}")
endfunction()
