// Error category of codecs/ (errc.hpp).
#include "codecs/errc.hpp"

#include <string>

namespace jcall::codecs {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "jcall.codecs"; }
  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::no_common_codec:
        return "no common codec";
      case Errc::not_offered:
        return "the answer contains a codec that was not offered";
      case Errc::unknown_codec:
        return "unknown codec";
      case Errc::invalid_list:
        return "invalid codec list";
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

}  // namespace jcall::codecs
