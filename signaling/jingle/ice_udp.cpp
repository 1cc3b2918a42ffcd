// XEP-0176 §4–§5: ICE-UDP transport, candidates (RFC 8445 §5.1.2, RFC 6544 for TCP) and the
// controlling agent's <remote-candidate/>, with XEP-0320 <fingerprint/> inside the transport.
//
// Serialization order of <transport/> children: <fingerprint/>, <candidate/>s (in model order),
// <remote-candidate/>, <gathering-complete/>. Attributes of <candidate/> are written in the
// alphabetical order of XEP-0176 §5.3's table.
#include "signaling/jingle/ice_udp.hpp"

#include <limits>

#include "signaling/jingle/detail/fields.hpp"
#include "signaling/jingle/ns.hpp"

namespace jcall::signaling::jingle {
namespace {

using detail::bad_request;

constexpr std::uint64_t kU32Max = std::numeric_limits<std::uint32_t>::max();

bool one_of(std::string_view v, std::initializer_list<std::string_view> allowed) {
  for (auto a : allowed) {
    if (v == a) {
      return true;
    }
  }
  return false;
}

// RFC 8445 §5.1.2.1: transport tokens are case-insensitive; "udp" | "tcp" (RFC 6544).
bool is_protocol(std::string_view v) {
  if (v.size() != 3) {
    return false;
  }
  auto lower = [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); };
  std::string l{lower(v[0]), lower(v[1]), lower(v[2])};
  return l == "udp" || l == "tcp";
}

Result<RemoteCandidate> remote_candidate_from_xml(const xml::Element& e) {
  RemoteCandidate r;
  auto component = detail::required_number(e, "component", 1, 256);
  if (!component) {
    return component.error();
  }
  r.component = static_cast<std::uint16_t>(*component);
  auto ip = detail::required(e, "ip");
  if (!ip) {
    return ip.error();
  }
  r.ip = std::move(*ip);
  auto port = detail::required_number(e, "port", 0, 65535);
  if (!port) {
    return port.error();
  }
  r.port = static_cast<std::uint16_t>(*port);
  return r;
}

xml::Element remote_candidate_to_xml(const RemoteCandidate& r) {
  xml::Element e("remote-candidate", std::string(ns::kIceUdp));
  e.set_attr("component", std::to_string(r.component));
  e.set_attr("ip", r.ip);
  e.set_attr("port", std::to_string(r.port));
  return e;
}

}  // namespace

Result<Candidate> Candidate::from_xml(const xml::Element& e) {
  if (!e.is("candidate", ns::kIceUdp)) {
    return bad_request("expected an ICE-UDP <candidate/>, got " + detail::describe(e));
  }
  Candidate c;
  auto component = detail::required_number(e, "component", 1, 256);
  if (!component) {
    return component.error();
  }
  c.component = static_cast<std::uint16_t>(*component);
  auto foundation = detail::required(e, "foundation");
  if (!foundation) {
    return foundation.error();
  }
  c.foundation = std::move(*foundation);
  auto generation = detail::optional_number(e, "generation", 0, kU32Max);
  if (!generation) {
    return generation.error();
  }
  c.generation = detail::narrow<std::uint32_t>(*generation);
  if (auto id = e.attr("id")) {
    if (id->empty()) {
      return bad_request("<candidate/> attribute 'id' is empty");
    }
    c.id = std::string(*id);
  }
  auto ip = detail::required(e, "ip");
  if (!ip) {
    return ip.error();
  }
  c.ip = std::move(*ip);
  auto network = detail::optional_number(e, "network", 0, 255);
  if (!network) {
    return network.error();
  }
  c.network = detail::narrow<std::uint8_t>(*network);
  auto port = detail::required_number(e, "port", 0, 65535);
  if (!port) {
    return port.error();
  }
  c.port = static_cast<std::uint16_t>(*port);
  auto priority = detail::required_number(e, "priority", 0, kU32Max);
  if (!priority) {
    return priority.error();
  }
  c.priority = static_cast<std::uint32_t>(*priority);
  auto protocol = detail::required(e, "protocol");
  if (!protocol) {
    return protocol.error();
  }
  if (!is_protocol(*protocol)) {
    return bad_request("<candidate/> attribute 'protocol': \"" + *protocol +
                       "\" is not udp or tcp");
  }
  c.protocol = std::move(*protocol);
  if (auto rel_addr = e.attr("rel-addr")) {
    if (rel_addr->empty()) {
      return bad_request("<candidate/> attribute 'rel-addr' is empty");
    }
    c.rel_addr = std::string(*rel_addr);
  }
  auto rel_port = detail::optional_number(e, "rel-port", 0, 65535);
  if (!rel_port) {
    return rel_port.error();
  }
  c.rel_port = detail::narrow<std::uint16_t>(*rel_port);
  auto type = detail::required(e, "type");
  if (!type) {
    return type.error();
  }
  if (!one_of(*type, {"host", "prflx", "relay", "srflx"})) {
    return bad_request("<candidate/> attribute 'type': \"" + *type +
                       "\" is not host, prflx, relay or srflx");
  }
  c.type = std::move(*type);
  if (auto tcptype = e.attr("tcptype")) {
    if (!one_of(*tcptype, {"active", "passive", "so"})) {
      return bad_request("<candidate/> attribute 'tcptype': \"" + std::string(*tcptype) +
                         "\" is not active, passive or so");
    }
    c.tcptype = std::string(*tcptype);
  }
  return c;
}

xml::Element Candidate::to_xml() const {
  xml::Element e("candidate", std::string(ns::kIceUdp));
  e.set_attr("component", std::to_string(component));
  e.set_attr("foundation", foundation);
  if (generation) {
    e.set_attr("generation", std::to_string(*generation));
  }
  if (!id.empty()) {
    e.set_attr("id", id);
  }
  e.set_attr("ip", ip);
  if (network) {
    e.set_attr("network", std::to_string(*network));
  }
  e.set_attr("port", std::to_string(port));
  e.set_attr("priority", std::to_string(priority));
  e.set_attr("protocol", protocol);
  if (rel_addr) {
    e.set_attr("rel-addr", *rel_addr);
  }
  if (rel_port) {
    e.set_attr("rel-port", std::to_string(*rel_port));
  }
  if (tcptype) {
    e.set_attr("tcptype", *tcptype);
  }
  e.set_attr("type", type);
  return e;
}

Result<IceUdpTransport> IceUdpTransport::from_xml(const xml::Element& e) {
  if (!e.is("transport", ns::kIceUdp)) {
    return bad_request("expected <transport xmlns='" + std::string(ns::kIceUdp) + "'/>, got " +
                       detail::describe(e));
  }
  IceUdpTransport t;
  t.ufrag = detail::optional(e, "ufrag");
  t.pwd = detail::optional(e, "pwd");
  for (const auto& child : e.children) {
    if (child.is("candidate", ns::kIceUdp)) {
      auto c = Candidate::from_xml(child);
      if (!c) {
        return c.error();
      }
      t.candidates.push_back(std::move(*c));
    } else if (child.is("remote-candidate", ns::kIceUdp)) {
      auto r = remote_candidate_from_xml(child);
      if (!r) {
        return r.error();
      }
      if (t.remote_candidate) {
        return bad_request("<transport/> has more than one <remote-candidate/>");
      }
      t.remote_candidate = std::move(*r);
    } else if (child.is("fingerprint", ns::kDtls)) {
      auto f = Fingerprint::from_xml(child);
      if (!f) {
        return f.error();
      }
      if (t.fingerprint) {
        return bad_request("<transport/> has more than one <fingerprint/>");
      }
      t.fingerprint = std::move(*f);
    } else if (child.is("gathering-complete", ns::kIceUdp)) {
      t.gathering_complete = true;
    }
    // Anything else (e.g. XEP-0343 <sctpmap/>) is not used by jcall and is dropped.
  }
  return t;
}

xml::Element IceUdpTransport::to_xml() const {
  xml::Element e("transport", std::string(ns::kIceUdp));
  if (pwd) {
    e.set_attr("pwd", *pwd);
  }
  if (ufrag) {
    e.set_attr("ufrag", *ufrag);
  }
  if (fingerprint) {
    e.add(fingerprint->to_xml());
  }
  for (const auto& c : candidates) {
    e.add(c.to_xml());
  }
  if (remote_candidate) {
    e.add(remote_candidate_to_xml(*remote_candidate));
  }
  if (gathering_complete) {
    e.add("gathering-complete", std::string(ns::kIceUdp));
  }
  return e;
}

}  // namespace jcall::signaling::jingle
