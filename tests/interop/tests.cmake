# Interoperability with an independent Jingle peer: StanzaJS in headless Chromium, from
# ../shared/interop/stanzajs (read-only where CI runs). The fixture test copies it into the build
# tree and installs it there (npm ci); each case then runs in its own loopback-only network
# namespace under the copy's netns-run.sh (root: unshare --net), with its own Prosody.
# Without ../shared the fixture fails, and with it every case: nothing is skipped.
set(JCALL_STANZAJS_SOURCE_DIR ${CMAKE_SOURCE_DIR}/../shared/interop/stanzajs)
set(JCALL_STANZAJS_DIR ${CMAKE_BINARY_DIR}/stanzajs)

add_test(NAME StanzaJsInterop.Setup
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/prepare-stanzajs.sh ${JCALL_STANZAJS_SOURCE_DIR}
          ${JCALL_STANZAJS_DIR})
# A fresh machine runs `npm ci` here (apt packages come from tools/install-deps first).
set_tests_properties(StanzaJsInterop.Setup PROPERTIES
  FIXTURES_SETUP stanzajs LABELS interop TIMEOUT 600)

add_executable(jcall_interop_tests ${CMAKE_CURRENT_LIST_DIR}/stanzajs_interop_test.cpp)
target_link_libraries(jcall_interop_tests PRIVATE jcall_test_process GTest::gtest_main)
target_compile_definitions(jcall_interop_tests PRIVATE
  JCALL_STANZAJS_DIR="${JCALL_STANZAJS_DIR}")

# One ctest per case (gtest_discover_tests has no launcher in CMake 3.25). Keep this list equal
# to the TEST_Fs of stanzajs_interop_test.cpp: a filter that selects no test fails (below).
set(jcall_interop_cases
  JcallCallsBareJidWithJmi
  JcallCallsFullJidDirectly
  PeerCallsBareJidWithJmi
  PeerCallsFullJidDirectly
  JcallVideoCallsBareJidWithJmi
  JcallVideoCallsFullJidDirectly
  PeerVideoCallsBareJidWithJmi
  PeerVideoCallsFullJidDirectly
  JcallH264VideoCallsFullJidDirectly)
foreach(case IN LISTS jcall_interop_cases)
  add_test(NAME StanzaJsInterop.${case}
    COMMAND ${JCALL_STANZAJS_DIR}/netns-run.sh $<TARGET_FILE:jcall_interop_tests>
            --gtest_filter=StanzaJsInterop.${case})
  set_tests_properties(StanzaJsInterop.${case} PROPERTIES
    FIXTURES_REQUIRED stanzajs LABELS interop TIMEOUT 180
    FAIL_REGULAR_EXPRESSION "\\[==========\\] 0 tests from")
endforeach()
