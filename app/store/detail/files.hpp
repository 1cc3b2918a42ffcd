// Private files of the store: directories created 0700, files written 0600 through a temporary
// file and a rename (a crash leaves the old file or the new one, never half of one), and reads
// that also report the file's mode and owner so that the password store can refuse a file that
// others can read. Every error names the file, what it is for, and the system's reason.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

#include "base/result.hpp"

namespace jcall::app::store::detail {

// "/a/b/c" -> "/a/b"; "c" -> "."; "/c" -> "/".
std::string parent_dir(const std::string& path);

// Creates `dir` and its missing parents with mode 0700; existing directories are left as they
// are. `what` names what the directory is for ("the history database").
Result<void> make_private_dirs(const std::string& dir, const std::string& what);

struct FileContents {
  std::string bytes;
  mode_t mode = 0;  // permission bits only
  uid_t owner = 0;
};

// The whole file; std::nullopt when it does not exist. `what`: "the configuration file".
Result<std::optional<FileContents>> read_file(const std::string& path, const std::string& what);

// Replaces `path` with `bytes`, mode 0600, creating its directory (0700) when missing.
Result<void> write_private_file(const std::string& path,
                                std::string_view bytes,
                                const std::string& what);

}  // namespace jcall::app::store::detail
