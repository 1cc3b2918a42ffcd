// XEP-0166, 0167, 0176, 0293, 0294, 0320, 0338, 0339, 0353: every example stanza of the XEPs
// (tests/fixtures/xep-NNNN/*.xml) parses through the element models, round-trips in canonical
// form (model_test_support.hpp), and the fields of at least one example per XEP are checked.
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "model_test_support.hpp"
#include "signaling/jingle/errc.hpp"
#include "signaling/jingle/jingle.hpp"
#include "signaling/jingle/jmi.hpp"
#include "signaling/jingle/ns.hpp"

namespace jcall::signaling::jingle {
namespace {

namespace fs = std::filesystem;
using test::parse_stanzas;
using test::read_file;
using test::round_trip;

constexpr std::string_view kStanzasNs = "urn:ietf:params:xml:ns:xmpp-stanzas";
const char* const kXeps[] = {"xep-0166", "xep-0167", "xep-0176", "xep-0293", "xep-0294",
                             "xep-0320", "xep-0338", "xep-0339", "xep-0353"};

fs::path fixture(std::string_view xep, std::string_view file) {
  return fs::path(JCALL_FIXTURES_DIR) / xep / file;
}

// The one stanza of a fixture file.
xml::Element load(std::string_view xep, std::string_view file) {
  auto stanzas = parse_stanzas(read_file(fixture(xep, file)));
  EXPECT_EQ(stanzas.size(), 1u) << xep << "/" << file;
  return stanzas.empty() ? xml::Element() : stanzas.front();
}

bool is_error_iq(const xml::Element& stanza) {
  return stanza.name == "iq" && stanza.attr("type") == "error";
}

// Round-trips whatever model element the stanza is, or carries. Returns false for a stanza
// that carries no model element.
bool round_trip_any(const xml::Element& stanza) {
  constexpr bool kSortKinds = true;
  if (const auto* j = stanza.child("jingle", ns::kJingle)) {
    round_trip<Jingle>(*j, Jingle::from_xml, kSortKinds);
  } else if (const auto* m = JmiMessage::find_in(stanza)) {
    round_trip<JmiMessage>(*m, JmiMessage::from_xml, kSortKinds);
  } else if (stanza.is("description", ns::kRtp)) {
    round_trip<RtpDescription>(stanza, RtpDescription::from_xml, kSortKinds);
  } else if (stanza.is("content", ns::kJingle)) {
    round_trip<Content>(stanza, Content::from_xml, kSortKinds);
  } else if (stanza.is("group", ns::kGrouping)) {
    round_trip<Group>(stanza, Group::from_xml, kSortKinds);
  } else if (stanza.is("source", ns::kSsma)) {
    round_trip<Source>(stanza, Source::from_xml, kSortKinds);
  } else if (stanza.is("fingerprint", ns::kDtls)) {
    round_trip<Fingerprint>(stanza, Fingerprint::from_xml, kSortKinds);
  } else {
    return false;
  }
  return true;
}

TEST(JingleXepExamples, EveryExampleRoundTrips) {
  std::size_t models = 0;
  std::size_t errors = 0;
  for (const char* xep : kXeps) {
    std::size_t in_this_xep = 0;
    for (const auto& entry : fs::directory_iterator(fs::path(JCALL_FIXTURES_DIR) / xep)) {
      if (entry.path().extension() != ".xml") {
        continue;
      }
      SCOPED_TRACE(entry.path().string());
      const auto stanzas = parse_stanzas(read_file(entry.path()));
      ASSERT_FALSE(stanzas.empty());
      for (const auto& stanza : stanzas) {
        ++in_this_xep;
        if (is_error_iq(stanza)) {
          ++errors;  // checked by ErrorExamplesCarryTheirConditions
          continue;
        }
        EXPECT_TRUE(round_trip_any(stanza)) << "no Jingle element in " << xml::to_string(stanza);
        ++models;
      }
    }
    EXPECT_GT(in_this_xep, 0u) << "no fixtures for " << xep;
  }
  EXPECT_EQ(errors, 9u);
  EXPECT_EQ(models, 105u);
  RecordProperty("models", static_cast<int>(models));
}

// XEP-0166 §6.3.2, §6.7, §6.8, §7.2.16, §9: error IQs, as the session will see them: the
// RFC 6120 condition and the Jingle-specific child. Where jcall raises the same error, its
// mapping (errc.hpp) must produce exactly this pair.
TEST(JingleXepExamples, ErrorExamplesCarryTheirConditions) {
  struct Case {
    const char* file;
    const char* type;
    const char* condition;
    const char* jingle_child;  // empty: none
    std::optional<Errc> ours;
  };
  const Case cases[] = {
      {"error-initiator-unknown.xml", "cancel", "service-unavailable", "", std::nullopt},
      {"error-jingle-not-supported.xml", "cancel", "service-unavailable", "", std::nullopt},
      {"error-redirect.xml", "modify", "redirect", "", std::nullopt},
      {"error-resource-constraint.xml", "wait", "resource-constraint", "", std::nullopt},
      {"error-bad-request.xml", "cancel", "bad-request", "", Errc::bad_request},
      {"error-unknown-session.xml", "cancel", "item-not-found", "unknown-session",
       Errc::unknown_session},
      {"error-unsupported-info.xml", "modify", "feature-not-implemented", "unsupported-info",
       Errc::unsupported_info},
      {"error-tie-break.xml", "cancel", "conflict", "tie-break", Errc::tie_break},
      {"error-security-required.xml", "cancel", "not-acceptable", "security-required",
       std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    const auto iq = load("xep-0166", c.file);
    ASSERT_TRUE(is_error_iq(iq));
    EXPECT_EQ(iq.child("jingle", ns::kJingle), nullptr);
    const auto* error = iq.child("error", "jabber:client");
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->attr("type"), c.type);
    std::string condition;
    std::string jingle_child;
    for (const auto& child : error->children) {
      if (child.ns == kStanzasNs) {
        condition = child.name;
      } else if (child.ns == ns::kJingleErrors) {
        jingle_child = child.name;
      }
    }
    EXPECT_EQ(condition, c.condition);
    EXPECT_EQ(jingle_child, c.jingle_child);
    if (c.ours) {
      EXPECT_EQ(stanza_condition(*c.ours), c.condition);
      EXPECT_EQ(jingle_error_child(*c.ours), c.jingle_child);
    }
  }
  // The redirect target is character data of the condition element.
  const auto redirect = load("xep-0166", "error-redirect.xml");
  EXPECT_EQ(detail::trim(redirect.child("error", "")->child("redirect", kStanzasNs)->text),
            "xmpp:voicemail@capulet.example");
}

Jingle jingle_of(std::string_view xep, std::string_view file) {
  const auto iq = load(xep, file);
  const auto* j = iq.child("jingle", ns::kJingle);
  EXPECT_NE(j, nullptr) << file;
  if (!j) {
    return {};
  }
  auto parsed = Jingle::from_xml(*j);
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message);
  return parsed ? *parsed : Jingle{};
}

JmiMessage jmi_of(std::string_view file) {
  const auto message = load("xep-0353", file);
  const auto* m = JmiMessage::find_in(message);
  EXPECT_NE(m, nullptr) << file;
  if (!m) {
    return {};
  }
  auto parsed = JmiMessage::from_xml(*m);
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message);
  return parsed ? *parsed : JmiMessage{};
}

// --- XEP-0166 -------------------------------------------------------------------------------

TEST(JingleXepExamples, Xep0166SessionInitiateEveryField) {
  const Jingle j = jingle_of("xep-0166", "session-initiate.xml");
  EXPECT_EQ(j.action, Action::kSessionInitiate);
  EXPECT_EQ(j.sid, "a73sjjvkla37jfea");
  EXPECT_EQ(j.initiator, "romeo@montague.example/dr4hcr0st3lup4c");
  EXPECT_FALSE(j.responder);
  EXPECT_FALSE(j.reason);
  EXPECT_TRUE(j.groups.empty());
  EXPECT_FALSE(j.rtp_info);
  EXPECT_TRUE(j.other_info.empty());
  EXPECT_TRUE(j.extra.empty());
  ASSERT_EQ(j.contents.size(), 1u);
  const Content& c = j.contents[0];
  EXPECT_EQ(&c, j.find_content("voice"));
  EXPECT_EQ(j.find_content("video"), nullptr);
  EXPECT_EQ(c.creator, Creator::kInitiator);
  EXPECT_EQ(c.name, "voice");
  EXPECT_FALSE(c.disposition);
  EXPECT_FALSE(c.senders);
  EXPECT_EQ(c.senders_or_both(), Senders::kBoth);
  EXPECT_FALSE(c.other_description);
  EXPECT_FALSE(c.other_transport);
  EXPECT_TRUE(c.extra.empty());

  ASSERT_TRUE(c.description);
  const RtpDescription& d = *c.description;
  EXPECT_EQ(d.media, "audio");
  EXPECT_EQ(d.media_type(), codecs::MediaType::kAudio);
  EXPECT_FALSE(d.ssrc);
  EXPECT_FALSE(d.bandwidth);
  EXPECT_FALSE(d.rtcp_mux);
  EXPECT_FALSE(d.rtcp_reduced_size);
  EXPECT_TRUE(d.rtcp_fb.empty());
  EXPECT_TRUE(d.header_extensions.empty());
  EXPECT_TRUE(d.sources.empty());
  EXPECT_FALSE(d.encryption);
  EXPECT_TRUE(d.extra.empty());
  ASSERT_EQ(d.payload_types.size(), 7u);
  const codecs::Codec& opus = d.payload_types[0];
  EXPECT_EQ(opus.id, 101);
  EXPECT_EQ(opus.name, "opus");
  EXPECT_EQ(opus.clock_rate, 48000u);
  EXPECT_FALSE(opus.channels);
  EXPECT_FALSE(opus.ptime);
  EXPECT_FALSE(opus.maxptime);
  EXPECT_TRUE(opus.parameters.empty());
  EXPECT_TRUE(opus.rtcp_fb.empty());
  EXPECT_FALSE(opus.rtcp_fb_trr_int);
  EXPECT_EQ(d.payload_types[3].name, "G729");
  EXPECT_EQ(d.payload_types[3].clock_rate, 0u);  // absent (static type 18 implies 8000)
  EXPECT_EQ(d.payload_types[5].id, 103);
  EXPECT_EQ(d.payload_types[5].channels, 2u);
  EXPECT_EQ(d.payload_types[5].channel_count(), 2u);

  ASSERT_TRUE(c.transport);
  const IceUdpTransport& t = *c.transport;
  EXPECT_EQ(t.ufrag, "8hhy");
  EXPECT_EQ(t.pwd, "asd88fgpdd777uzjYhagZg");
  EXPECT_FALSE(t.fingerprint);
  EXPECT_FALSE(t.remote_candidate);
  EXPECT_FALSE(t.gathering_complete);
  ASSERT_EQ(t.candidates.size(), 2u);
  const Candidate& srflx = t.candidates[1];
  EXPECT_EQ(srflx.component, 1);
  EXPECT_EQ(srflx.foundation, "2");
  EXPECT_EQ(srflx.generation, 0u);
  EXPECT_EQ(srflx.id, "y3s2b30v3r");
  EXPECT_EQ(srflx.ip, "192.0.2.3");
  EXPECT_EQ(srflx.network, 1);
  EXPECT_EQ(srflx.port, 45664);
  EXPECT_EQ(srflx.priority, 1694498815u);
  EXPECT_EQ(srflx.protocol, "udp");
  EXPECT_EQ(srflx.rel_addr, "10.0.1.1");
  EXPECT_EQ(srflx.rel_port, 8998);
  EXPECT_EQ(srflx.type, "srflx");
  EXPECT_FALSE(srflx.tcptype);
  EXPECT_FALSE(t.candidates[0].rel_addr);
  EXPECT_FALSE(t.candidates[0].rel_port);
}

TEST(JingleXepExamples, Xep0166AcceptAndTerminations) {
  const Jingle accept = jingle_of("xep-0166", "session-accept.xml");
  EXPECT_EQ(accept.action, Action::kSessionAccept);
  EXPECT_FALSE(accept.initiator);
  EXPECT_EQ(accept.responder, "juliet@capulet.example/yn0cl4bnw0yr3vym");
  ASSERT_TRUE(accept.contents.at(0).transport);
  EXPECT_FALSE(accept.contents[0].transport->ufrag);
  EXPECT_FALSE(accept.contents[0].transport->pwd);

  const std::map<std::string, Condition> terminations = {
      {"terminate-success.xml", Condition::kSuccess},
      {"terminate-busy.xml", Condition::kBusy},
      {"terminate-decline.xml", Condition::kDecline},
      {"terminate-alternative-session.xml", Condition::kAlternativeSession},
      {"terminate-unsupported-transports.xml", Condition::kUnsupportedTransports},
      {"terminate-failed-transport.xml", Condition::kFailedTransport},
      {"terminate-unsupported-applications.xml", Condition::kUnsupportedApplications},
      {"terminate-failed-application.xml", Condition::kFailedApplication},
      {"terminate-incompatible-parameters.xml", Condition::kIncompatibleParameters},
  };
  for (const auto& [file, condition] : terminations) {
    SCOPED_TRACE(file);
    const Jingle j = jingle_of("xep-0166", file);
    EXPECT_EQ(j.action, Action::kSessionTerminate);
    EXPECT_TRUE(j.contents.empty());
    ASSERT_TRUE(j.reason);
    EXPECT_EQ(j.reason->condition, condition);
    EXPECT_FALSE(j.reason->text);
    EXPECT_TRUE(j.reason->extra.empty());
  }
  EXPECT_EQ(jingle_of("xep-0166", "terminate-alternative-session.xml").reason->alternative_sid,
            "b84tkkwlmb48kgfb");
  const Jingle with_text = jingle_of("xep-0166", "howitworks-session-terminate-text.xml");
  EXPECT_EQ(with_text.reason->text, "Sorry, gotta go!");
  EXPECT_EQ(with_text.reason->alternative_sid, "");
}

TEST(JingleXepExamples, Xep0166UnknownApplicationsTransportsAndInfo) {
  const Jingle foo = jingle_of("xep-0166", "howitworks-session-initiate-foo.xml");
  ASSERT_EQ(foo.contents.size(), 1u);
  EXPECT_FALSE(foo.contents[0].description);
  EXPECT_FALSE(foo.contents[0].transport);
  ASSERT_TRUE(foo.contents[0].other_description);
  EXPECT_EQ(foo.contents[0].other_description->ns, "urn:xmpp:jingle:apps:foo:0");
  ASSERT_TRUE(foo.contents[0].other_transport);
  EXPECT_EQ(foo.contents[0].other_transport->ns, "urn:xmpp:jingle:transports:bar:0");

  const Jingle security = jingle_of("xep-0166", "session-initiate-security-precondition.xml");
  ASSERT_EQ(security.contents.at(0).extra.size(), 1u);
  EXPECT_TRUE(security.contents[0].extra[0].is("security", "urn:xmpp:jingle:security:baz:0"));
  EXPECT_EQ(jingle_of("xep-0166", "security-info.xml").action, Action::kSecurityInfo);

  // The example's ringing is in "urn:xmpp:jingle:apps:rtp:1:info" (a typo in the XEP for
  // urn:xmpp:jingle:apps:rtp:info:1): an unknown payload, kept for an unsupported-info answer.
  const Jingle ringing = jingle_of("xep-0166", "session-info-ringing.xml");
  EXPECT_EQ(ringing.action, Action::kSessionInfo);
  EXPECT_FALSE(ringing.rtp_info);
  ASSERT_EQ(ringing.other_info.size(), 1u);
  EXPECT_EQ(ringing.other_info[0].ns, "urn:xmpp:jingle:apps:rtp:1:info");
  EXPECT_TRUE(ringing.extra.empty());

  const Jingle ping = jingle_of("xep-0166", "session-info-ping.xml");
  EXPECT_EQ(ping.action, Action::kSessionInfo);
  EXPECT_TRUE(ping.contents.empty());
  EXPECT_FALSE(ping.rtp_info);
  EXPECT_TRUE(ping.other_info.empty());
}

// --- XEP-0167 -------------------------------------------------------------------------------

TEST(JingleXepExamples, Xep0167SessionInfoPayloads) {
  const std::map<std::string, RtpInfo::Kind> infos = {
      {"session-info-hold.xml", RtpInfo::Kind::kHold},
      {"session-info-unhold.xml", RtpInfo::Kind::kUnhold},
      {"session-info-mute.xml", RtpInfo::Kind::kMute},
      {"session-info-unmute.xml", RtpInfo::Kind::kUnmute},
      {"session-info-ringing.xml", RtpInfo::Kind::kRinging},
  };
  for (const auto& [file, kind] : infos) {
    SCOPED_TRACE(file);
    const Jingle j = jingle_of("xep-0167", file);
    EXPECT_EQ(j.action, Action::kSessionInfo);
    ASSERT_TRUE(j.rtp_info);
    EXPECT_EQ(j.rtp_info->kind, kind);
    EXPECT_TRUE(j.other_info.empty());
    const bool muting = kind == RtpInfo::Kind::kMute || kind == RtpInfo::Kind::kUnmute;
    EXPECT_EQ(j.rtp_info->creator, muting ? "responder" : "");
    EXPECT_EQ(j.rtp_info->name, muting ? "voice" : "");
  }
}

TEST(JingleXepExamples, Xep0167DescriptionFields) {
  const Jingle add = jingle_of("xep-0167", "av-content-add.xml");
  EXPECT_EQ(add.action, Action::kContentAdd);
  const Content& webcam = add.contents.at(0);
  EXPECT_EQ(webcam.name, "webcam");
  ASSERT_TRUE(webcam.description);
  const RtpDescription& d = *webcam.description;
  EXPECT_EQ(d.media_type(), codecs::MediaType::kVideo);
  EXPECT_EQ(d.bandwidth, 128u);
  EXPECT_EQ(d.bandwidth_type, "AS");
  ASSERT_EQ(d.payload_types.size(), 4u);
  const auto& theora = d.payload_types[0];
  ASSERT_EQ(theora.parameters.size(), 5u);
  EXPECT_EQ(theora.parameters[0], (codecs::Parameter{"height", "600"}));
  EXPECT_EQ(theora.parameters[4], (codecs::Parameter{"sampling", "YCbCr-4:2:2"}));
  EXPECT_EQ(theora.parameter("width"), "800");
  ASSERT_TRUE(webcam.transport);
  EXPECT_EQ(*webcam.transport, IceUdpTransport{});

  const Jingle modify = jingle_of("xep-0167", "av-content-modify.xml");
  EXPECT_EQ(modify.action, Action::kContentModify);
  EXPECT_EQ(modify.contents.at(0).senders, Senders::kInitiator);
  EXPECT_FALSE(modify.contents[0].description);
  EXPECT_FALSE(modify.contents[0].transport);
  EXPECT_EQ(jingle_of("xep-0167", "av-session-info-senders-both.xml").contents.at(0).senders,
            Senders::kBoth);

  const Jingle reject = jingle_of("xep-0167", "av-content-reject.xml");
  EXPECT_EQ(reject.action, Action::kContentReject);
  EXPECT_EQ(reject.reason->condition, Condition::kFailedApplication);

  auto ptime = RtpDescription::from_xml(load("xep-0167", "description-parameters.xml"));
  ASSERT_TRUE(ptime);
  EXPECT_EQ(ptime->payload_types.at(0).ptime, 40u);
  EXPECT_EQ(ptime->payload_types[0].parameter("cng"), "on");

  const Jingle srtp = jingle_of("xep-0167", "srtp-session-initiate.xml");
  const auto& encryption = srtp.contents.at(0).description->encryption;
  ASSERT_TRUE(encryption);
  EXPECT_EQ(encryption->attr("required"), "1");
  EXPECT_EQ(encryption->children.size(), 1u);

  const Jingle invalid = jingle_of("xep-0167", "session-terminate-invalid-crypto.xml");
  EXPECT_EQ(invalid.reason->condition, Condition::kSecurityError);
  ASSERT_EQ(invalid.reason->extra.size(), 1u);
  EXPECT_TRUE(invalid.reason->extra[0].is("invalid-crypto", ns::kRtpErrors));

  const Jingle info = jingle_of("xep-0167", "description-info.xml");
  EXPECT_EQ(info.action, Action::kDescriptionInfo);
  EXPECT_FALSE(info.contents.at(0).transport);
  EXPECT_EQ(jingle_of("xep-0167", "av-session-terminate.xml").reason->text, "I'm outta here!");
}

// --- XEP-0176 -------------------------------------------------------------------------------

TEST(JingleXepExamples, Xep0176TransportInfo) {
  const Jingle remote = jingle_of("xep-0176", "transport-info-remote-candidate.xml");
  EXPECT_EQ(remote.action, Action::kTransportInfo);
  const auto& t = remote.contents.at(0).transport;
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->candidates.empty());
  ASSERT_TRUE(t->remote_candidate);
  EXPECT_EQ(*t->remote_candidate, (RemoteCandidate{1, "10.0.1.2", 9001}));

  const Jingle v6 = jingle_of("xep-0176", "transport-info-candidate.xml");
  const Candidate& c = v6.contents.at(0).transport->candidates.at(0);
  EXPECT_EQ(c.ip, "2001:db8::9:1");
  EXPECT_EQ(c.network, 0);
  EXPECT_EQ(c.priority, 2114978047u);

  const Jingle restart = jingle_of("xep-0176", "transport-info-ice-restart.xml");
  const auto& rt = restart.contents.at(0).transport;
  EXPECT_EQ(rt->ufrag, "g7qs");
  EXPECT_EQ(rt->pwd, "bv71hdn38hgb39hf6xlk33");
  EXPECT_EQ(rt->candidates.at(0).generation, 1u);

  const Jingle replace = jingle_of("xep-0176", "fallback-transport-replace.xml");
  EXPECT_EQ(replace.action, Action::kTransportReplace);
  EXPECT_FALSE(replace.contents.at(0).transport);
  ASSERT_TRUE(replace.contents[0].other_transport);
  EXPECT_EQ(replace.contents[0].other_transport->ns, "urn:xmpp:jingle:transports:raw-udp:1");
  const Jingle accept = jingle_of("xep-0176", "fallback-transport-accept.xml");
  EXPECT_EQ(accept.action, Action::kTransportAccept);
  EXPECT_EQ(accept.contents.at(0).creator, Creator::kResponder);
}

// --- XEP-0293 / XEP-0294 --------------------------------------------------------------------

TEST(JingleXepExamples, Xep0293RtcpFeedback) {
  auto offer = RtpDescription::from_xml(load("xep-0293", "description-offer.xml"));
  ASSERT_TRUE(offer);
  ASSERT_EQ(offer->rtcp_fb.size(), 1u);
  EXPECT_EQ(offer->rtcp_fb[0], (codecs::RtcpFb{"nack", "pli"}));
  EXPECT_FALSE(offer->rtcp_fb_trr_int);
  const auto& h264 = offer->payload_types.at(0);
  EXPECT_EQ(h264.rtcp_fb_trr_int, 100u);
  ASSERT_EQ(h264.rtcp_fb.size(), 1u);
  EXPECT_EQ(h264.rtcp_fb[0], (codecs::RtcpFb{"nack", "sli"}));
  EXPECT_TRUE(offer->payload_types.at(1).rtcp_fb.empty());

  auto trr_only = RtpDescription::from_xml(load("xep-0293", "description-answer-trr-int-only.xml"));
  ASSERT_TRUE(trr_only);
  EXPECT_EQ(trr_only->rtcp_fb_trr_int, 0u);
  EXPECT_TRUE(trr_only->rtcp_fb.empty());

  const Jingle j = jingle_of("xep-0293", "session-initiate-sdp-mapping.xml");
  ASSERT_EQ(j.contents.size(), 2u);
  EXPECT_EQ(j.contents[1].description->rtcp_fb.at(0), (codecs::RtcpFb{"nack", ""}));
  EXPECT_EQ(j.contents[1].description->payload_types.at(0).rtcp_fb.at(0),
            (codecs::RtcpFb{"nack", "rpsi"}));
}

TEST(JingleXepExamples, Xep0294HeaderExtensions) {
  auto offer = RtpDescription::from_xml(load("xep-0294", "description-offer.xml"));
  ASSERT_TRUE(offer);
  ASSERT_EQ(offer->header_extensions.size(), 3u);
  EXPECT_EQ(offer->header_extensions[0],
            (codecs::HeaderExtension{1, "urn:ietf:params:rtp-hdrext:toffset", ""}));
  EXPECT_EQ(offer->header_extensions[1].id, 4097);
  auto mapping = RtpDescription::from_xml(load("xep-0294", "description-sdp-mapping.xml"));
  ASSERT_TRUE(mapping);
  EXPECT_EQ(mapping->header_extensions.at(1),
            (codecs::HeaderExtension{2, "URI-gps-string", "initiator"}));
  EXPECT_TRUE(mapping->payload_types.empty());
}

// --- XEP-0320 -------------------------------------------------------------------------------

TEST(JingleXepExamples, Xep0320Fingerprint) {
  const std::string kInitiator =
      "02:1A:CC:54:27:AB:EB:9C:53:3F:3E:4B:65:2E:7D:46:3F:54:42:CD:54:F1:7A:03:A2:7D:F9:B0:7F:46:"
      "19:B2";
  auto bare = Fingerprint::from_xml(load("xep-0320", "fingerprint.xml"));
  ASSERT_TRUE(bare);
  EXPECT_EQ(*bare, (Fingerprint{"sha-256", Setup::kActpass, kInitiator}));

  const Jingle initiate = jingle_of("xep-0320", "session-initiate.xml");
  const auto& t = initiate.contents.at(0).transport;
  ASSERT_TRUE(t && t->fingerprint);
  EXPECT_EQ(t->fingerprint->value, kInitiator);
  EXPECT_EQ(t->candidates.size(), 2u);
  const Jingle info = jingle_of("xep-0320", "transport-info.xml");
  EXPECT_EQ(info.contents.at(0).transport->fingerprint->setup, Setup::kActive);
  EXPECT_EQ(info.contents[0].transport->fingerprint->value.substr(0, 5), "BD:E8");
}

// --- XEP-0338 / XEP-0339 --------------------------------------------------------------------

TEST(JingleXepExamples, Xep0338Grouping) {
  auto ls = Group::from_xml(load("xep-0338", "group-ls.xml"));
  ASSERT_TRUE(ls);
  EXPECT_EQ(*ls, (Group{"LS", {"voice", "webcam"}}));
  auto syntax = Group::from_xml(load("xep-0338", "group-syntax.xml"));
  ASSERT_TRUE(syntax);
  EXPECT_EQ(syntax->contents.at(0), "identification-tag 1");
  const Jingle j = jingle_of("xep-0338", "session-initiate-bundle.xml");
  ASSERT_EQ(j.groups.size(), 1u);
  EXPECT_EQ(j.groups[0], (Group{"BUNDLE", {"voice", "webcam"}}));
  ASSERT_EQ(j.contents.size(), 2u);
  EXPECT_FALSE(j.contents[0].description);
}

TEST(JingleXepExamples, Xep0339Sources) {
  auto source = Source::from_xml(load("xep-0339", "source.xml"));
  ASSERT_TRUE(source);
  EXPECT_EQ(source->ssrc, 1656081975u);
  ASSERT_EQ(source->parameters.size(), 2u);
  EXPECT_EQ(source->parameters[0], (codecs::Parameter{"cname", "Yv/wvbCdsDW2Prgd"}));
  EXPECT_EQ(source->parameters[1].name, "msid");

  auto content = Content::from_xml(load("xep-0339", "content-ssrc-groups.xml"));
  ASSERT_TRUE(content);
  const RtpDescription& d = *content->description;
  ASSERT_EQ(d.source_groups.size(), 2u);
  EXPECT_EQ(d.source_groups[0], (SourceGroup{"FID", {2301230316u, 386328120u}}));
  EXPECT_EQ(d.source_groups[1].ssrcs.at(1), 2613715171u);
  ASSERT_EQ(d.sources.size(), 4u);
  EXPECT_EQ(d.sources[3].ssrc, 2613715171u);
  EXPECT_EQ(d.sources[3].parameters.at(0).value, "f83avsiw6n1m7vi");
}

// --- XEP-0353 -------------------------------------------------------------------------------

TEST(JingleXepExamples, Xep0353Messages) {
  const JmiMessage propose = jmi_of("propose.xml");
  EXPECT_EQ(propose.kind, JmiMessage::Kind::kPropose);
  EXPECT_EQ(propose.id, "ca3cf894-5325-482f-a412-a6e9f832298d");
  EXPECT_EQ(propose.media, std::vector<std::string>{"audio"});
  EXPECT_TRUE(propose.other_descriptions.empty());
  EXPECT_FALSE(propose.reason);
  EXPECT_FALSE(propose.tie_break);
  EXPECT_EQ(propose.migrated_to, "");

  EXPECT_EQ(jmi_of("ringing.xml").kind, JmiMessage::Kind::kRinging);
  EXPECT_EQ(jmi_of("proceed.xml").kind, JmiMessage::Kind::kProceed);
  const JmiMessage retract = jmi_of("retract.xml");
  EXPECT_EQ(retract.kind, JmiMessage::Kind::kRetract);
  EXPECT_EQ(retract.reason->condition, Condition::kCancel);
  EXPECT_EQ(retract.reason->text, "Retracted");
  const JmiMessage reject = jmi_of("reject.xml");
  EXPECT_EQ(reject.reason->condition, Condition::kBusy);
  EXPECT_FALSE(reject.tie_break);

  const JmiMessage tie = jmi_of("tie-break-reject.xml");
  EXPECT_EQ(tie.kind, JmiMessage::Kind::kReject);
  EXPECT_TRUE(tie.tie_break);
  EXPECT_EQ(tie.reason->condition, Condition::kExpired);
  EXPECT_TRUE(jmi_of("tie-break-retract.xml").tie_break);

  const JmiMessage migrated = jmi_of("migration-finish-old.xml");
  EXPECT_EQ(migrated.kind, JmiMessage::Kind::kFinish);
  EXPECT_EQ(migrated.migrated_to, "989a46a6-f202-4910-a7c3-83c6ba3f3947");
  EXPECT_EQ(migrated.reason->text, "Session migrated");
  EXPECT_EQ(jmi_of("finish-responder.xml").reason->condition, Condition::kSuccess);

  // The session-initiate that follows a proposal uses the proposal's id as its sid.
  EXPECT_EQ(jingle_of("xep-0353", "session-initiate.xml").sid, propose.id);
}

}  // namespace
}  // namespace jcall::signaling::jingle
