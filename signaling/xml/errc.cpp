#include "signaling/xml/errc.hpp"

#include <string>

namespace jcall::signaling::xml {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "jcall.xml"; }
  std::string message(int ev) const override {
    return std::string(stream_condition(static_cast<Errc>(ev)));
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

std::string_view stream_condition(Errc e) {
  switch (e) {
    case Errc::not_well_formed:
      return "not-well-formed";
    case Errc::restricted_xml:
      return "restricted-xml";
    case Errc::policy_violation:
      return "policy-violation";
    case Errc::invalid_namespace:
      return "invalid-namespace";
    case Errc::bad_format:
      return "bad-format";
  }
  return "undefined-condition";
}

}  // namespace jcall::signaling::xml
