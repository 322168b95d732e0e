# sonance_module(NAME DEPENDS libs...)
#
# Builds src/NAME/*.cpp (except *_test.cpp) into the static library sonance_NAME, with the
# public headers under include/. Tests live beside the code as src/NAME/*_test.cpp and are
# built into NAME_tests, one GoogleTest binary per module, registered with CTest.
function(sonance_module name)
  cmake_parse_arguments(ARG "" "" "DEPENDS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/${name}/*.cpp)
  list(FILTER srcs EXCLUDE REGEX "_test\\.cpp$")
  add_library(sonance_${name} STATIC ${srcs})
  target_include_directories(sonance_${name} PUBLIC ${CMAKE_SOURCE_DIR}/include
                             PRIVATE ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(sonance_${name} PUBLIC ${ARG_DEPENDS} Threads::Threads)

  if(SONANCE_BUILD_TESTS)
    file(GLOB_RECURSE tests CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/${name}/*_test.cpp)
    if(tests)
      add_executable(${name}_tests ${tests})
      target_include_directories(${name}_tests PRIVATE ${CMAKE_SOURCE_DIR}/src
                                 ${CMAKE_SOURCE_DIR}/tests)
      target_link_libraries(${name}_tests PRIVATE sonance_${name} sonance_test_support
                            GTest::gtest GTest::gtest_main)
      gtest_discover_tests(${name}_tests DISCOVERY_MODE PRE_TEST
                           PROPERTIES LABELS ${name} TIMEOUT 600)
    endif()
  endif()
endfunction()
