// RFC 7622 addresses: localpart@domainpart/resourcepart.
// Checks structure and lengths (each part 1..1023 bytes) and lower-cases the ASCII domain.
// Full PRECIS profile enforcement (RFC 8264/8265) needs libidn2-style tables and is left to
// the server, which enforces it on every JID it routes.
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace jcall::signaling::xmpp {

class Jid {
 public:
  Jid() = default;
  static Result<Jid> parse(std::string_view s);

  const std::string& local() const { return local_; }
  const std::string& domain() const { return domain_; }
  const std::string& resource() const { return resource_; }
  bool empty() const { return domain_.empty(); }
  bool is_bare() const { return resource_.empty(); }
  Jid bare() const;
  Jid with_resource(std::string resource) const;
  std::string str() const;
  std::string bare_str() const;

  bool operator==(const Jid&) const = default;

 private:
  std::string local_;
  std::string domain_;
  std::string resource_;
};

}  // namespace jcall::signaling::xmpp
