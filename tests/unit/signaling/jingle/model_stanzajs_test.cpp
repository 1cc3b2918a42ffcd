// What a Jingle client must accept from StanzaJS (../shared/interop/stanzajs/README.md): every
// captured frame (captures/*/NN-*.xml) and every Jingle or JMI frame of the exchange logs
// parses through the models, round-trips in canonical form without any reordering (the models'
// serialization order is the one StanzaJS uses), and the fields a call depends on are checked.
// Splitting each capture at every byte through the XML layer is done by
// tests/unit/signaling/xml/parser_test.cpp (XmlFixtures.EverySplitGivesTheSameTree).
#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "model_test_support.hpp"
#include "signaling/jingle/jingle.hpp"
#include "signaling/jingle/jmi.hpp"
#include "signaling/jingle/ns.hpp"

namespace jcall::signaling::jingle {
namespace {

namespace fs = std::filesystem;
using test::read_file;
using test::round_trip;

constexpr bool kKeepOrder = false;

std::size_t count(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string_view::npos;
       pos = text.find(what, pos + what.size())) {
    ++n;
  }
  return n;
}

struct Capture {
  fs::path path;
  std::string dir;   // jmi, direct, jmi-audio-only
  std::string what;  // "session-initiate", "jmi-propose", ... (file name after NN-sender-)
  std::string raw;
  xml::Element stanza;
};

std::vector<Capture> captures() {
  std::vector<Capture> out;
  const fs::path root(JCALL_CAPTURES_DIR);
  if (!fs::is_directory(root)) {
    return out;
  }
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || entry.path().extension() != ".xml" ||
        name.ends_with(".pretty.xml") || name.ends_with(".reply.xml")) {
      continue;
    }
    Capture c;
    c.path = entry.path();
    c.dir = entry.path().parent_path().filename().string();
    const auto stem = entry.path().stem().string();  // NN-sender-what
    const auto first = stem.find('-');
    const auto second = stem.find('-', first + 1);
    c.what = stem.substr(second + 1);
    c.raw = read_file(entry.path());
    auto parsed = xml::parse_element(c.raw);
    EXPECT_TRUE(parsed) << c.path;
    if (parsed) {
      c.stanza = std::move(*parsed);
    }
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return out;
}

void check_description(const RtpDescription& d, const Capture& c) {
  EXPECT_TRUE(d.ssrc);
  EXPECT_TRUE(d.rtcp_mux);
  EXPECT_TRUE(d.rtcp_reduced_size);
  EXPECT_FALSE(d.encryption);
  EXPECT_FALSE(d.payload_types.empty());
  // StanzaJS's own msid element is kept, whole, as an unknown child.
  ASSERT_EQ(d.extra.size(), 1u);
  EXPECT_TRUE(d.extra[0].is("stream", ns::kStanzaJsMsid));
  EXPECT_TRUE(d.extra[0].attr("id"));
  EXPECT_TRUE(d.extra[0].attr("track"));
  ASSERT_FALSE(d.sources.empty());
  EXPECT_EQ(d.sources[0].ssrc, *d.ssrc);
  EXPECT_EQ(d.sources[0].parameters.at(0).name, "cname");
  for (const auto& g : d.source_groups) {
    EXPECT_EQ(g.semantics, "FID");
    ASSERT_EQ(g.ssrcs.size(), 2u);
    // FID: the media SSRC, then its RTX SSRC (the answer lists the RTX one only here).
    EXPECT_EQ(g.ssrcs[0], *d.ssrc);
    EXPECT_NE(g.ssrcs[1], *d.ssrc);
  }
  if (d.media == "audio") {
    EXPECT_EQ(d.payload_types[0].name, "opus");
    EXPECT_EQ(d.payload_types[0].clock_rate, 48000u);
    EXPECT_EQ(d.payload_types[0].channels, 2u);
    EXPECT_EQ(d.payload_types[0].parameter("useinbandfec"), "1");
    EXPECT_EQ(d.payload_types[0].rtcp_fb.at(0), (codecs::RtcpFb{"transport-cc", ""}));
    // red's "111/111" has no value attribute: an empty value, written without the attribute.
    const auto red = std::find_if(d.payload_types.begin(), d.payload_types.end(),
                                  [](const codecs::Codec& p) { return p.name == "red"; });
    ASSERT_NE(red, d.payload_types.end());
    ASSERT_EQ(red->parameters.size(), 1u);
    EXPECT_EQ(red->parameters[0], (codecs::Parameter{"111/111", ""}));
    const xml::Element written = payload_type_to_xml(*red);
    EXPECT_FALSE(written.children.at(0).attr("value")) << c.path;
  } else {
    EXPECT_EQ(d.media, "video");
    EXPECT_EQ(d.source_groups.size(), 1u);
    EXPECT_TRUE(std::any_of(d.payload_types.begin(), d.payload_types.end(),
                            [](const codecs::Codec& p) { return p.name == "VP8"; }));
    for (const auto& p : d.payload_types) {
      EXPECT_EQ(p.channels, 1u);  // StanzaJS writes channels="1" on video
      EXPECT_EQ(p.clock_rate, 90000u);
    }
  }
}

void check_jingle(const Jingle& j,
                  const Capture& c,
                  const std::map<std::string, std::string>& sids) {
  // No initiator or responder attribute: the IQ's from is the initiator.
  EXPECT_FALSE(j.initiator);
  EXPECT_FALSE(j.responder);
  if (auto it = sids.find(c.dir); it != sids.end()) {
    EXPECT_EQ(j.sid, it->second) << "the sid is the JMI proposal's id";
  }
  for (const auto& content : j.contents) {
    EXPECT_EQ(content.creator, Creator::kInitiator);  // in the accept too
    EXPECT_TRUE(content.name == "0" || content.name == "1") << content.name;
  }
  const bool video = c.dir != "jmi-audio-only";
  if (c.what == "session-initiate" || c.what == "session-accept") {
    EXPECT_EQ(j.action,
              c.what == "session-initiate" ? Action::kSessionInitiate : Action::kSessionAccept);
    ASSERT_EQ(j.contents.size(), video ? 2u : 1u);
    ASSERT_EQ(j.groups.size(), 1u);
    EXPECT_EQ(j.groups[0].semantics, "BUNDLE");
    std::size_t payload_types = 0, rtcp_fb = 0, hdrext = 0, sources = 0, groups = 0;
    for (std::size_t i = 0; i < j.contents.size(); ++i) {
      const Content& content = j.contents[i];
      EXPECT_EQ(content.name, std::to_string(i));
      EXPECT_EQ(j.groups[0].contents.at(i), content.name);
      ASSERT_TRUE(content.description);
      EXPECT_EQ(content.description->media, i == 0 ? "audio" : "video");
      check_description(*content.description, c);
      for (const auto& p : content.description->payload_types) {
        rtcp_fb += p.rtcp_fb.size();
      }
      payload_types += content.description->payload_types.size();
      hdrext += content.description->header_extensions.size();
      sources += content.description->sources.size();
      groups += content.description->source_groups.size();
      ASSERT_TRUE(content.transport);
      const IceUdpTransport& t = *content.transport;
      EXPECT_TRUE(t.ufrag && t.pwd);
      EXPECT_TRUE(t.candidates.empty()) << "StanzaJS trickles every candidate";
      ASSERT_TRUE(t.fingerprint);
      EXPECT_EQ(t.fingerprint->hash, "sha-256");
      EXPECT_EQ(t.fingerprint->setup,
                c.what == "session-initiate" ? Setup::kActpass : Setup::kActive);
      EXPECT_EQ(t.fingerprint->value.size(), 32u * 3 - 1);
    }
    // Every element of the frame is in the model: compare with the frame's own counts.
    EXPECT_EQ(payload_types, count(c.raw, "<payload-type "));
    EXPECT_EQ(rtcp_fb, count(c.raw, ":rtcp-fb "));
    EXPECT_EQ(hdrext, count(c.raw, ":rtp-hdrext "));
    EXPECT_EQ(sources, count(c.raw, "<source xmlns="));
    EXPECT_EQ(groups, count(c.raw, "<ssrc-group "));
  } else if (c.what == "transport-info-candidate") {
    EXPECT_EQ(j.action, Action::kTransportInfo);
    ASSERT_EQ(j.contents.size(), 1u);
    const IceUdpTransport& t = *j.contents[0].transport;
    EXPECT_TRUE(t.ufrag);
    EXPECT_FALSE(t.pwd) << "StanzaJS sends the ufrag only";
    EXPECT_FALSE(t.gathering_complete);
    ASSERT_EQ(t.candidates.size(), 1u);
    const Candidate& cand = t.candidates[0];
    EXPECT_EQ(cand.component, 1);
    EXPECT_FALSE(cand.foundation.empty());
    EXPECT_FALSE(cand.generation);
    EXPECT_EQ(cand.id, "");
    EXPECT_FALSE(cand.network);
    EXPECT_EQ(cand.ip, "127.0.0.1");
    EXPECT_NE(cand.port, 0);
    EXPECT_GT(cand.priority, 0u);
    EXPECT_EQ(cand.protocol, "udp");
    EXPECT_EQ(cand.type, "host");
    EXPECT_FALSE(cand.tcptype);
    EXPECT_FALSE(cand.rel_addr);
  } else if (c.what == "transport-info-end-of-candidates") {
    EXPECT_EQ(j.action, Action::kTransportInfo);
    const IceUdpTransport& t = *j.contents.at(0).transport;
    EXPECT_TRUE(t.gathering_complete);
    EXPECT_TRUE(t.candidates.empty());
    EXPECT_TRUE(t.ufrag);
  } else if (c.what == "session-info-ringing") {
    EXPECT_EQ(j.action, Action::kSessionInfo);
    ASSERT_TRUE(j.rtp_info);
    EXPECT_EQ(j.rtp_info->kind, RtpInfo::Kind::kRinging);
  } else if (c.what == "session-terminate") {
    EXPECT_EQ(j.action, Action::kSessionTerminate);
    ASSERT_TRUE(j.reason);
    EXPECT_EQ(j.reason->condition, Condition::kSuccess);
    EXPECT_FALSE(j.reason->text);
  } else {
    ADD_FAILURE() << "unexpected capture " << c.path;
  }
}

void check_jmi(const JmiMessage& m, const Capture& c) {
  if (c.what == "jmi-propose") {
    EXPECT_EQ(m.kind, JmiMessage::Kind::kPropose);
    const std::vector<std::string> audio{"audio"};
    const std::vector<std::string> audio_video{"audio", "video"};
    EXPECT_EQ(m.media, c.dir == "jmi-audio-only" ? audio : audio_video);
  } else if (c.what == "jmi-ringing") {
    EXPECT_EQ(m.kind, JmiMessage::Kind::kRinging);
  } else if (c.what == "jmi-proceed") {
    EXPECT_EQ(m.kind, JmiMessage::Kind::kProceed);
  } else if (c.what == "jmi-finish") {
    EXPECT_EQ(m.kind, JmiMessage::Kind::kFinish);
    ASSERT_TRUE(m.reason);
    EXPECT_EQ(m.reason->condition, Condition::kSuccess);
    EXPECT_EQ(m.reason->text, "Success");
  } else {
    ADD_FAILURE() << "unexpected capture " << c.path;
  }
}

TEST(JingleStanzaJs, EveryCapturedFrameParsesAndRoundTrips) {
  const auto all = captures();
  // The captures are fixtures (../shared is checked out beside this tree, in CI too).
  ASSERT_TRUE(fs::is_directory(JCALL_CAPTURES_DIR))
      << "StanzaJS captures missing at " << JCALL_CAPTURES_DIR;
  ASSERT_GE(all.size(), 30u);
  std::map<std::string, std::string> proposal_ids;  // dir -> JMI id
  for (const auto& c : all) {
    if (c.what == "jmi-propose") {
      auto m = JmiMessage::from_xml(*JmiMessage::find_in(c.stanza));
      ASSERT_TRUE(m);
      proposal_ids[c.dir] = m->id;
    }
  }
  EXPECT_EQ(proposal_ids.size(), 2u);
  std::size_t jingles = 0, jmis = 0;
  for (const auto& c : all) {
    SCOPED_TRACE(c.path.string());
    if (const auto* j = c.stanza.child("jingle", ns::kJingle)) {
      const Jingle model = round_trip<Jingle>(*j, Jingle::from_xml, kKeepOrder);
      check_jingle(model, c, proposal_ids);
      ++jingles;
    } else if (const auto* m = JmiMessage::find_in(c.stanza)) {
      const JmiMessage model = round_trip<JmiMessage>(*m, JmiMessage::from_xml, kKeepOrder);
      check_jmi(model, c);
      if (auto it = proposal_ids.find(c.dir); it != proposal_ids.end()) {
        EXPECT_EQ(model.id, it->second);
      }
      ++jmis;
    } else {
      ADD_FAILURE() << "neither Jingle nor JMI";
    }
  }
  EXPECT_EQ(jingles, 22u);
  EXPECT_EQ(jmis, 10u);
}

// Every Jingle IQ and JMI message in the exchange logs, as sent by StanzaJS ("out") and as
// delivered by Prosody ("in", re-serialized with other quoting and attribute order). These
// include the TCP candidates (protocol="tcp" tcptype="active", port 9) that the frame files
// do not.
TEST(JingleStanzaJs, EveryJingleFrameOfTheExchangeLogs) {
  const fs::path root(JCALL_CAPTURES_DIR);
  ASSERT_TRUE(fs::is_directory(root)) << "StanzaJS captures missing at " << root;
  std::size_t frames = 0, tcp = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().filename() != "exchange.log") {
      continue;
    }
    std::istringstream log(read_file(entry.path()));
    std::string line;
    while (std::getline(log, line)) {
      const auto start = line.find('<');
      if (start == std::string::npos ||
          (line.find("urn:xmpp:jingle:1") == std::string::npos &&
           line.find("urn:xmpp:jingle-message:0") == std::string::npos)) {
        continue;
      }
      SCOPED_TRACE(entry.path().string() + ": " + line.substr(0, 120));
      auto stanza = xml::parse_element(std::string_view(line).substr(start));
      ASSERT_TRUE(stanza) << stanza.error().message;
      if (const auto* j = stanza->child("jingle", ns::kJingle)) {
        const Jingle model = round_trip<Jingle>(*j, Jingle::from_xml, kKeepOrder);
        for (const auto& content : model.contents) {
          if (!content.transport) {
            continue;
          }
          for (const auto& cand : content.transport->candidates) {
            if (cand.protocol == "tcp") {
              EXPECT_EQ(cand.tcptype, "active");
              EXPECT_EQ(cand.port, 9);
              ++tcp;
            }
          }
        }
        ++frames;
      } else if (const auto* m = JmiMessage::find_in(*stanza)) {
        round_trip<JmiMessage>(*m, JmiMessage::from_xml, kKeepOrder);
        ++frames;
      }
    }
  }
  EXPECT_GE(frames, 60u);
  EXPECT_GT(tcp, 0u);
  RecordProperty("frames", static_cast<int>(frames));
}

}  // namespace
}  // namespace jcall::signaling::jingle
