// Error category of app/store/ (errc.hpp).
#include "app/store/errc.hpp"

#include <string>

namespace jcall::app::store {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "jcall.store"; }
  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::database_error:
        return "history database error";
      case Errc::newer_schema:
        return "the history database is from a newer jcall";
      case Errc::malformed_file:
        return "malformed file";
      case Errc::insecure_file:
        return "file readable by other users";
      case Errc::invalid_argument:
        return "invalid argument";
    }
    return "unknown error";
  }
};

}  // namespace

const std::error_category& error_category() {
  static const Category category;
  return category;
}

std::error_code make_error_code(Errc e) {
  return {static_cast<int>(e), error_category()};
}

}  // namespace jcall::app::store
