// XEP-0176 §4–§5: the ICE-UDP transport, its candidates and credentials.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "signaling/jingle/dtls.hpp"
#include "signaling/xml/element.hpp"

namespace jcall::signaling::jingle {

struct Candidate {
  std::uint16_t component = 1;  // 1 RTP, 2 RTCP (RFC 8445 §5.1.2.1 allows 1..256)
  std::string foundation;
  std::optional<std::uint32_t> generation;  // StanzaJS omits it
  std::string id;                           // empty when absent (StanzaJS omits it)
  std::string ip;
  std::optional<std::uint8_t> network;  // StanzaJS omits it
  std::uint16_t port = 0;
  std::uint32_t priority = 0;
  std::string protocol;  // "udp" | "tcp"
  std::optional<std::string> rel_addr;
  std::optional<std::uint16_t> rel_port;
  std::string type;                    // host | prflx | relay | srflx
  std::optional<std::string> tcptype;  // active | passive | so (RFC 6544), StanzaJS sends it

  static Result<Candidate> from_xml(const xml::Element& e);
  xml::Element to_xml() const;
  bool operator==(const Candidate&) const = default;
};

// XEP-0176 §5.3 <remote-candidate component="" ip="" port=""/> (controlling agent's choice).
struct RemoteCandidate {
  std::uint16_t component = 1;
  std::string ip;
  std::uint16_t port = 0;
  bool operator==(const RemoteCandidate&) const = default;
};

struct IceUdpTransport {
  std::optional<std::string> ufrag;  // transport-info from StanzaJS carries ufrag only
  std::optional<std::string> pwd;
  std::vector<Candidate> candidates;
  std::optional<RemoteCandidate> remote_candidate;
  std::optional<Fingerprint> fingerprint;  // XEP-0320
  bool gathering_complete = false;         // StanzaJS's non-standard end-of-candidates marker

  static Result<IceUdpTransport> from_xml(const xml::Element& e);
  xml::Element to_xml() const;
  bool operator==(const IceUdpTransport&) const = default;
};

}  // namespace jcall::signaling::jingle
