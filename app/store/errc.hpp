// Errors of app/store/: the history database, the configuration file and the password store.
// Failures of the file system itself carry the system's errno code instead (std::errc), with
// the same kind of message: what failed, on which file, and why.
#pragma once

#include <system_error>

namespace jcall::app::store {

enum class Errc {
  database_error = 1,  // SQLite refused to open, read or write the history
  newer_schema,        // the history was written by a newer jcall (its user_version is higher)
  malformed_file,      // a configuration or password file is not the JSON we expect
  insecure_file,       // the password file can be read by other users, or is not ours
  invalid_argument,    // a caller passed something the store does not take (an unknown status)
};

const std::error_category& error_category();
std::error_code make_error_code(Errc e);

}  // namespace jcall::app::store

template <>
struct std::is_error_code_enum<jcall::app::store::Errc> : std::true_type {};
