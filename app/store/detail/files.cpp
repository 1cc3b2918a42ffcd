// Private files of the store (files.hpp).
#include "app/store/detail/files.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace jcall::app::store::detail {
namespace {

Error system_error(int err, const std::string& what) {
  return make_error(std::error_code(err, std::generic_category()),
                    what + ": " + std::strerror(err));
}

// Closes a file descriptor on every path out of a function.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now, so that a failing close (a full disk on NFS) is seen; returns errno or 0.
  int close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

}  // namespace

std::string parent_dir(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  if (slash == 0)
    return "/";
  return path.substr(0, slash);
}

Result<void> make_private_dirs(const std::string& dir, const std::string& what) {
  if (dir.empty() || dir == "." || dir == "/")
    return {};
  // Every prefix that ends before a '/', then the whole path.
  for (std::size_t end = dir.find('/', 1);; end = dir.find('/', end + 1)) {
    std::string prefix = dir.substr(0, end);
    if (!prefix.empty() && prefix.back() != '/' && ::mkdir(prefix.c_str(), 0700) != 0) {
      int err = errno;
      struct stat st {};
      if (err != EEXIST || ::stat(prefix.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        if (err == EEXIST)
          err = ENOTDIR;
        return system_error(
            err, "cannot create the directory " + dir + " for " + what + " (at " + prefix + ")");
      }
    }
    if (end == std::string::npos)
      break;
  }
  return {};
}

Result<std::optional<FileContents>> read_file(const std::string& path, const std::string& what) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT)
      return std::optional<FileContents>();
    return system_error(errno, "cannot read " + what + " " + path);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return system_error(errno, "cannot read " + what + " " + path);
  if (!S_ISREG(st.st_mode))
    return make_error(std::make_error_code(std::errc::invalid_argument),
                      "cannot read " + what + " " + path + ": it is not a regular file");
  FileContents out;
  out.mode = st.st_mode & 07777;
  out.owner = st.st_uid;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return system_error(errno, "cannot read " + what + " " + path);
    if (n == 0)
      break;
    out.bytes.append(buf, static_cast<std::size_t>(n));
  }
  return std::optional<FileContents>(std::move(out));
}

Result<void> write_private_file(const std::string& path,
                                std::string_view bytes,
                                const std::string& what) {
  if (auto dirs = make_private_dirs(parent_dir(path), what); !dirs)
    return dirs;
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  const std::string failed = "cannot write " + what + " " + path;
  Fd fd(::open(tmp.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0)
    return system_error(errno, failed);
  auto fail = [&](int err) {
    ::unlink(tmp.c_str());
    return system_error(err, failed);
  };
  // A temporary file left by an earlier run may have had a wider mode: O_CREAT kept it.
  if (::fchmod(fd.get(), 0600) != 0)
    return fail(errno);
  for (std::size_t off = 0; off < bytes.size();) {
    ssize_t n = ::write(fd.get(), bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return fail(errno);
    off += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0)
    return fail(errno);
  if (int err = fd.close(); err != 0)
    return fail(err);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return fail(errno);
  return {};
}

}  // namespace jcall::app::store::detail
