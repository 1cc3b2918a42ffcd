// RFC 6120 §3.2 and XEP-0368: where to connect for a domain.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace jcall::signaling::xmpp {

struct Target {
  std::string host;
  std::uint16_t port = 5222;
  bool direct_tls = false;     // XEP-0368 _xmpps-client: TLS from the first byte
  std::uint16_t priority = 0;  // of the SRV record it came from

  bool operator==(const Target&) const = default;
};

struct SrvRecord {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;
};

// Parses a DNS answer (RFC 1035 wire format) into SRV records; malformed answers give none.
std::vector<SrvRecord> parse_srv_answer(const unsigned char* answer, int length);

// RFC 2782 ordering: ascending priority, weighted random order within a priority.
// A single record with target "." means "no service here" and yields nothing.
std::vector<Target> order_srv(std::vector<SrvRecord> records, bool direct_tls, std::mt19937& rng);

// Looks up _xmpps-client._tcp and _xmpp-client._tcp for domain (blocking: call it off the
// signaling thread) and merges them by priority, direct TLS first among equals (XEP-0368 §3).
// Falls back to domain:5222 when neither exists (RFC 6120 §3.2.2).
//
// The lookup uses glibc's res_nquery from libresolv on a worker thread rather than c-ares:
// it runs once per connection attempt, follows the system resolver configuration exactly,
// and needs no event-loop integration; the signaling thread never blocks on it.
std::vector<Target> lookup_targets(const std::string& domain);

}  // namespace jcall::signaling::xmpp
