// Test support for the XEP-0166 session tests: literal stanzas, a fake clock, output draining.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "signaling/jingle/ns.hpp"
#include "signaling/jingle/session.hpp"
#include "signaling/xml/parser.hpp"
#include "signaling/xml/serializer.hpp"

namespace jcall::signaling::jingle::test {

inline const TimePoint kT0 = TimePoint{} + std::chrono::hours(1);
inline constexpr const char* kAlice = "alice@example.com/phone";
inline constexpr const char* kBob = "bob@example.com/desk";
inline constexpr const char* kMallory = "mallory@evil.example/x";
inline constexpr const char* kFpAlice =
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:"
    "FF";
inline constexpr const char* kFpBob =
    "FF:EE:DD:CC:BB:AA:99:88:77:66:55:44:33:22:11:00:FF:EE:DD:CC:BB:AA:99:88:77:66:55:44:33:22:11:"
    "00";

inline xml::Element parse(std::string_view text) {
  auto r = xml::parse_element(text);
  EXPECT_TRUE(r) << (r ? "" : r.error().describe()) << "\n" << text;
  return r ? *r : xml::Element{};
}

inline xmpp::Jid jid(const char* s) {
  return *xmpp::Jid::parse(s);
}

// Stanza ids "<prefix>1", "<prefix>2", ...
inline SessionConfig make_config(const char* self, const char* peer, std::string id_prefix) {
  SessionConfig c;
  c.self = jid(self);
  c.peer = jid(peer);
  auto counter = std::make_shared<int>(0);
  c.make_id = [counter, id_prefix] { return id_prefix + std::to_string(++*counter); };
  c.iq_timeout = std::chrono::seconds(30);
  c.ring_timeout = std::chrono::seconds(60);
  return c;
}

inline LocalTransport local_transport(std::string ufrag, std::string pwd, const char* fp) {
  LocalTransport t;
  t.ufrag = std::move(ufrag);
  t.pwd = std::move(pwd);
  t.fingerprint = fp;
  return t;
}

inline LocalContent local_content(codecs::MediaType media, LocalTransport t, std::uint32_t ssrc) {
  LocalContent c;
  c.media = media;
  c.transport = std::move(t);
  c.ssrc = ssrc;
  return c;
}

struct Outputs {
  std::vector<SessionOutput> all;

  template <class T>
  std::vector<T> of() const {
    std::vector<T> v;
    for (const auto& o : all) {
      if (const T* t = std::get_if<T>(&o)) {
        v.push_back(*t);
      }
    }
    return v;
  }
  std::vector<xml::Element> stanzas;  // the stanzas of the Send outputs, in order
  const std::vector<xml::Element>& sent() const { return stanzas; }
  template <class T>
  std::size_t count() const {
    return of<T>().size();
  }
};

inline Outputs drain(Session& s) {
  Outputs o;
  while (s.has_output()) {
    o.all.push_back(s.next_output());
    if (const auto* send = std::get_if<out::Send>(&o.all.back())) {
      o.stanzas.push_back(send->stanza);
    }
  }
  return o;
}

inline const xml::Element* jingle_of(const xml::Element& iq) {
  return iq.child("jingle", ns::kJingle);
}

inline std::string action_of(const xml::Element& iq) {
  const xml::Element* j = jingle_of(iq);
  return j == nullptr ? "" : std::string(j->attr_or("action", ""));
}

inline bool is_result_to(const xml::Element& iq, std::string_view id) {
  return iq.attr_or("type", "") == "result" && iq.attr_or("id", "") == id;
}

struct StanzaError {
  std::string type;
  std::string condition;
  std::string jingle_child;
  std::string text;
};

inline StanzaError error_of(const xml::Element& iq) {
  StanzaError e;
  if (iq.attr_or("type", "") != "error") {
    return e;
  }
  const xml::Element* err = iq.child("error", {});
  if (err == nullptr) {
    return e;
  }
  e.type = std::string(err->attr_or("type", ""));
  for (const auto& c : err->children) {
    if (c.ns == "urn:ietf:params:xml:ns:xmpp-stanzas" && c.name == "text") {
      e.text = c.text;
    } else if (c.ns == "urn:ietf:params:xml:ns:xmpp-stanzas") {
      e.condition = c.name;
    } else if (c.ns == ns::kJingleErrors) {
      e.jingle_child = c.name;
    }
  }
  return e;
}

// "<iq type='set' from=.. to=.. id=..>" + jingle + "</iq>"
inline std::string iq_set(const char* from,
                          const char* to,
                          const char* id,
                          std::string_view jingle) {
  return std::string("<iq xmlns='jabber:client' type='set' from='") + from + "' to='" + to +
         "' id='" + id + "'>" + std::string(jingle) + "</iq>";
}

inline std::string iq_answer(const char* from,
                             const char* to,
                             const std::string& id,
                             std::string_view type,
                             std::string_view error = {}) {
  return std::string("<iq xmlns='jabber:client' type='") + std::string(type) + "' from='" + from +
         "' to='" + to + "' id='" + id + "'>" + std::string(error) + "</iq>";
}

inline std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (std::size_t pos = s.find(from); pos != std::string::npos;
       pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

}  // namespace jcall::signaling::jingle::test
