# app/store: history (SQLite), configuration and password files, each test in its own
# temporary directory. The test opens the database itself once (a newer schema), hence sqlite3.
pkg_check_modules(JCALL_STORE_TEST_SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
add_executable(jcall_store_tests ${CMAKE_CURRENT_LIST_DIR}/store_test.cpp)
target_link_libraries(jcall_store_tests PRIVATE jcall_app_store PkgConfig::JCALL_STORE_TEST_SQLITE3
  GTest::gtest_main)
gtest_discover_tests(jcall_store_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
