# app/store: the jcall window's local storage (chat and call history in SQLite, the
# configuration file, the password in the Secret Service or a private file). No SDL, ImGui or
# GStreamer here, so its tests run anywhere.
pkg_check_modules(JCALL_STORE_SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(JCALL_STORE_LIBSECRET REQUIRED IMPORTED_TARGET libsecret-1)

add_library(jcall_app_store STATIC
  ${CMAKE_CURRENT_LIST_DIR}/config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/errc.cpp
  ${CMAKE_CURRENT_LIST_DIR}/history.cpp
  ${CMAKE_CURRENT_LIST_DIR}/secrets.cpp
  ${CMAKE_CURRENT_LIST_DIR}/detail/files.cpp
)
target_link_libraries(jcall_app_store
  PUBLIC jcall_base
  PRIVATE nlohmann_json::nlohmann_json PkgConfig::JCALL_STORE_SQLITE3
          PkgConfig::JCALL_STORE_LIBSECRET)
