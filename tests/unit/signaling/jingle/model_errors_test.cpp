// Strict parsing of the Jingle element models (XEP-0166 §7, XEP-0167 §5, XEP-0176 §5.3,
// XEP-0293, XEP-0294, XEP-0320, XEP-0338, XEP-0339, XEP-0353): one test per kind of bad field.
// Each error is Errc::bad_request and its message names what is wrong (element, attribute,
// value); nothing is silently read as 0. Also: what real clients send and must be accepted,
// and the string tables of every enum.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model_test_support.hpp"
#include "signaling/jingle/errc.hpp"
#include "signaling/jingle/jingle.hpp"
#include "signaling/jingle/jmi.hpp"
#include "signaling/jingle/ns.hpp"

namespace jcall::signaling::jingle {
namespace {

xml::Element parse(std::string_view text) {
  auto e = xml::parse_element(text);
  EXPECT_TRUE(e) << text;
  return e ? *e : xml::Element();
}

// A session-initiate whose only candidate has the given attributes.
std::string with_candidate(std::string_view attrs) {
  return "<jingle xmlns='urn:xmpp:jingle:1' action='transport-info' sid='s1'>"
         "<content creator='initiator' name='0'>"
         "<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='u'>"
         "<candidate " +
         std::string(attrs) + "/></transport></content></jingle>";
}

constexpr std::string_view kGoodCandidate =
    "component='1' foundation='1' ip='10.0.0.1' port='5000' priority='100' protocol='udp' "
    "type='host'";

// Replaces name='...' in a candidate's attributes (or appends it).
std::string candidate_with(std::string_view name, std::string_view value) {
  std::string attrs(kGoodCandidate);
  const std::string key = " " + std::string(name) + "='";
  const auto at = (" " + attrs).find(key);
  if (at != std::string::npos) {
    const auto end = attrs.find('\'', at + key.size() - 1);
    attrs.replace(at, end + 1 - at, std::string(name) + "='" + std::string(value) + "'");
  } else {
    attrs += " " + std::string(name) + "='" + std::string(value) + "'";
  }
  return with_candidate(attrs);
}

std::string with_description(std::string_view inner,
                             std::string_view desc_attrs = "media='audio'") {
  return "<jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' sid='s1'>"
         "<content creator='initiator' name='0'>"
         "<description xmlns='urn:xmpp:jingle:apps:rtp:1' " +
         std::string(desc_attrs) + ">" + std::string(inner) + "</description></content></jingle>";
}

void expect_jingle_error(const std::string& text,
                         std::vector<std::string> mentions,
                         Errc code = Errc::bad_request) {
  SCOPED_TRACE(text);
  auto j = Jingle::from_xml(parse(text));
  ASSERT_FALSE(j) << "parsed: " << xml::to_string(j->to_xml());
  EXPECT_EQ(j.error().code, make_error_code(code));
  EXPECT_EQ(j.error().code.category().name(), std::string("jcall.jingle"));
  for (const auto& m : mentions) {
    EXPECT_NE(j.error().message.find(m), std::string::npos)
        << "'" << m << "' not in: " << j.error().message;
  }
}

void expect_jmi_error(const std::string& text, std::vector<std::string> mentions) {
  SCOPED_TRACE(text);
  auto m = JmiMessage::from_xml(parse(text));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, make_error_code(Errc::bad_request));
  for (const auto& s : mentions) {
    EXPECT_NE(m.error().message.find(s), std::string::npos)
        << "'" << s << "' not in: " << m.error().message;
  }
}

TEST(JingleModelErrors, TheGoodCandidateParses) {
  auto j = Jingle::from_xml(parse(with_candidate(kGoodCandidate)));
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_EQ(j->contents.at(0).transport->candidates.at(0).port, 5000);
}

TEST(JingleModelErrors, CandidatePortNotNumeric) {
  expect_jingle_error(candidate_with("port", "abc"), {"<candidate/>", "'port'", "\"abc\""});
}
TEST(JingleModelErrors, CandidatePortOutOfRange) {
  expect_jingle_error(candidate_with("port", "65536"), {"'port'", "\"65536\"", "0..65535"});
}
TEST(JingleModelErrors, CandidatePortWithTrailingGarbage) {
  expect_jingle_error(candidate_with("port", "5000x"), {"'port'", "\"5000x\""});
}
TEST(JingleModelErrors, CandidatePortWithSignOrSpace) {
  expect_jingle_error(candidate_with("port", "+5000"), {"'port'", "\"+5000\""});
  expect_jingle_error(candidate_with("port", "-1"), {"'port'", "\"-1\""});
  expect_jingle_error(candidate_with("port", " 5000"), {"'port'"});
  expect_jingle_error(candidate_with("port", ""), {"'port'"});
}
TEST(JingleModelErrors, CandidatePriorityOverflow) {
  expect_jingle_error(candidate_with("priority", "4294967296"),
                      {"'priority'", "\"4294967296\"", "0..4294967295"});
  expect_jingle_error(candidate_with("priority", "99999999999999999999999"), {"'priority'"});
}
TEST(JingleModelErrors, CandidateComponentOutOfRange) {
  expect_jingle_error(candidate_with("component", "0"), {"'component'", "\"0\"", "1..256"});
  expect_jingle_error(candidate_with("component", "257"), {"'component'", "\"257\""});
  auto ok = Jingle::from_xml(parse(candidate_with("component", "256")));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->contents[0].transport->candidates[0].component, 256);
}
TEST(JingleModelErrors, CandidateMissingRequiredAttributes) {
  for (const char* name :
       {"component", "foundation", "ip", "port", "priority", "protocol", "type"}) {
    std::string attrs(kGoodCandidate);
    const auto at = attrs.find(std::string(name) + "='");
    attrs.erase(at, attrs.find('\'', attrs.find('\'', at) + 1) + 1 - at);
    expect_jingle_error(with_candidate(attrs), {"<candidate/>", std::string("'") + name + "'"});
  }
}
TEST(JingleModelErrors, CandidateBadGenerationNetworkRelPort) {
  expect_jingle_error(candidate_with("generation", "x"), {"'generation'", "\"x\""});
  expect_jingle_error(candidate_with("network", "256"), {"'network'", "\"256\""});
  expect_jingle_error(candidate_with("rel-port", "70000"), {"'rel-port'", "\"70000\""});
}
TEST(JingleModelErrors, CandidateUnknownTypeProtocolTcptype) {
  expect_jingle_error(candidate_with("type", "stun"), {"'type'", "\"stun\""});
  expect_jingle_error(candidate_with("protocol", "sctp"), {"'protocol'", "\"sctp\""});
  expect_jingle_error(candidate_with("tcptype", "sideways"), {"'tcptype'", "\"sideways\""});
}
TEST(JingleModelErrors, RemoteCandidateBadPort) {
  expect_jingle_error(
      "<jingle xmlns='urn:xmpp:jingle:1' action='transport-info' sid='s1'>"
      "<content creator='initiator' name='0'>"
      "<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1'>"
      "<remote-candidate component='1' ip='10.0.0.1' port='x'/></transport></content></jingle>",
      {"<remote-candidate/>", "'port'", "\"x\""});
}

TEST(JingleModelErrors, JingleMissingOrEmptySid) {
  expect_jingle_error("<jingle xmlns='urn:xmpp:jingle:1' action='session-terminate'/>",
                      {"<jingle/>", "'sid'"});
  expect_jingle_error("<jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' sid=''/>",
                      {"<jingle/>", "'sid'", "empty"});
}
TEST(JingleModelErrors, JingleUnknownOrMissingAction) {
  expect_jingle_error("<jingle xmlns='urn:xmpp:jingle:1' action='session-pause' sid='s1'/>",
                      {"'action'", "\"session-pause\""});
  expect_jingle_error("<jingle xmlns='urn:xmpp:jingle:1' sid='s1'/>", {"'action'"});
}
TEST(JingleModelErrors, JingleInAnotherNamespace) {
  expect_jingle_error("<jingle xmlns='urn:xmpp:jingle:0' action='session-initiate' sid='s1'/>",
                      {"<jingle/>"});
}
TEST(JingleModelErrors, ContentUnknownCreator) {
  expect_jingle_error(
      "<jingle xmlns='urn:xmpp:jingle:1' action='content-add' sid='s1'>"
      "<content creator='both' name='0'/></jingle>",
      {"<content/>", "'creator'", "\"both\""});
}
TEST(JingleModelErrors, ContentMissingCreatorOrName) {
  expect_jingle_error(
      "<jingle xmlns='urn:xmpp:jingle:1' action='content-add' sid='s1'><content "
      "name='0'/></jingle>",
      {"<content/>", "'creator'"});
  expect_jingle_error(
      "<jingle xmlns='urn:xmpp:jingle:1' action='content-add' sid='s1'>"
      "<content creator='initiator'/></jingle>",
      {"<content/>", "'name'"});
}
TEST(JingleModelErrors, ContentUnknownSenders) {
  expect_jingle_error(
      "<jingle xmlns='urn:xmpp:jingle:1' action='content-modify' sid='s1'>"
      "<content creator='initiator' name='0' senders='everyone'/></jingle>",
      {"'senders'", "\"everyone\""});
}
TEST(JingleModelErrors, ContentNamedTwiceBySameCreator) {
  expect_jingle_error(
      "<jingle xmlns='urn:xmpp:jingle:1' action='content-add' sid='s1'>"
      "<content creator='initiator' name='0'/><content creator='initiator' name='0'/></jingle>",
      {"two contents", "'0'"});
}
TEST(JingleModelErrors, ContentWithTwoDescriptions) {
  expect_jingle_error(with_description("", "media='audio'/><description xmlns='urn:x' "),
                      {"more than one <description/>"});
}
TEST(JingleModelErrors, ReasonUnknownCondition) {
  expect_jingle_error(
      "<jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' sid='s1'>"
      "<reason><bored/></reason></jingle>",
      {"<reason/>", "<bored/>"});
}
TEST(JingleModelErrors, ReasonWithoutOrWithTwoConditions) {
  expect_jingle_error(
      "<jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' sid='s1'>"
      "<reason><text>bye</text></reason></jingle>",
      {"<reason/>", "lacks a condition"});
  expect_jingle_error(
      "<jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' sid='s1'>"
      "<reason><success/><busy/></reason></jingle>",
      {"more than one condition"});
}

TEST(JingleModelErrors, FingerprintBadSetup) {
  expect_jingle_error(
      "<jingle xmlns='urn:xmpp:jingle:1' action='transport-info' sid='s1'>"
      "<content creator='initiator' name='0'>"
      "<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1'>"
      "<fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='maybe'>AB:CD"
      "</fingerprint></transport></content></jingle>",
      {"<fingerprint/>", "'setup'", "\"maybe\""});
}
TEST(JingleModelErrors, FingerprintBadValueOrMissingHash) {
  auto bad = Fingerprint::from_xml(parse(
      "<fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256'>AB:CD:G0</fingerprint>"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("AB:CD:G0"), std::string::npos) << bad.error().message;
  auto no_hash = Fingerprint::from_xml(
      parse("<fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' setup='active'>AB:CD</fingerprint>"));
  ASSERT_FALSE(no_hash);
  EXPECT_NE(no_hash.error().message.find("'hash'"), std::string::npos);
  auto empty = Fingerprint::from_xml(
      parse("<fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256'> </fingerprint>"));
  EXPECT_FALSE(empty);
}

TEST(JingleModelErrors, DescriptionMissingMediaOrBadSsrc) {
  expect_jingle_error(with_description("", "ssrc='1'"), {"<description/>", "'media'"});
  expect_jingle_error(with_description("", "media='audio' ssrc='12ab'"), {"'ssrc'", "\"12ab\""});
  expect_jingle_error(with_description("", "media='audio' ssrc='4294967296'"),
                      {"'ssrc'", "\"4294967296\""});
}
TEST(JingleModelErrors, PayloadTypeIdOutOfRange) {
  expect_jingle_error(with_description("<payload-type id='128' name='x' clockrate='8000'/>"),
                      {"<payload-type/>", "'id'", "\"128\"", "0..127"});
}
TEST(JingleModelErrors, PayloadTypeIdMissingOrNotNumeric) {
  expect_jingle_error(with_description("<payload-type name='opus' clockrate='48000'/>"),
                      {"<payload-type/>", "'id'"});
  expect_jingle_error(with_description("<payload-type id='9x' name='G722'/>"), {"'id'", "\"9x\""});
}
TEST(JingleModelErrors, DynamicPayloadTypeWithoutName) {
  expect_jingle_error(with_description("<payload-type id='96' clockrate='90000'/>"),
                      {"<payload-type/>", "96", "'name'"});
  // A static one may omit it (RFC 3551 names it).
  EXPECT_TRUE(Jingle::from_xml(parse(with_description("<payload-type id='0'/>"))));
}
TEST(JingleModelErrors, PayloadTypeBadClockrateChannelsPtime) {
  expect_jingle_error(with_description("<payload-type id='0' name='PCMU' clockrate='0'/>"),
                      {"'clockrate'", "\"0\""});
  expect_jingle_error(with_description("<payload-type id='0' name='PCMU' clockrate='8k'/>"),
                      {"'clockrate'", "\"8k\""});
  expect_jingle_error(with_description("<payload-type id='0' name='PCMU' channels='0'/>"),
                      {"'channels'", "\"0\""});
  expect_jingle_error(with_description("<payload-type id='0' name='PCMU' ptime='20ms'/>"),
                      {"'ptime'", "\"20ms\""});
  expect_jingle_error(with_description("<payload-type id='0' name='PCMU' maxptime='-1'/>"),
                      {"'maxptime'", "\"-1\""});
}
TEST(JingleModelErrors, ParameterWithoutName) {
  expect_jingle_error(with_description("<payload-type id='0' name='PCMU'><parameter value='1'/>"
                                       "</payload-type>"),
                      {"<parameter/>", "'name'"});
}
TEST(JingleModelErrors, HeaderExtensionIdOutOfRange) {
  auto hdrext = [](std::string_view id) {
    return with_description("<rtp-hdrext xmlns='urn:xmpp:jingle:apps:rtp:rtp-hdrext:0' id='" +
                            std::string(id) + "' uri='urn:ietf:params:rtp-hdrext:toffset'/>");
  };
  expect_jingle_error(hdrext("0"), {"<rtp-hdrext/>", "'id'", "\"0\""});
  expect_jingle_error(hdrext("256"), {"'id'", "\"256\""});
  expect_jingle_error(hdrext("4352"), {"'id'", "\"4352\""});
  EXPECT_TRUE(Jingle::from_xml(parse(hdrext("255"))));
  EXPECT_TRUE(Jingle::from_xml(parse(hdrext("4096"))));
}
TEST(JingleModelErrors, HeaderExtensionBadSendersOrNoUri) {
  expect_jingle_error(with_description("<rtp-hdrext xmlns='urn:xmpp:jingle:apps:rtp:rtp-hdrext:0'"
                                       " id='1' uri='u' senders='all'/>"),
                      {"'senders'", "\"all\""});
  expect_jingle_error(
      with_description("<rtp-hdrext xmlns='urn:xmpp:jingle:apps:rtp:rtp-hdrext:0' id='1'/>"),
      {"<rtp-hdrext/>", "'uri'"});
}
TEST(JingleModelErrors, RtcpFbWithoutTypeAndBadTrrInt) {
  expect_jingle_error(
      with_description("<rtcp-fb xmlns='urn:xmpp:jingle:apps:rtp:rtcp-fb:0' subtype='pli'/>"),
      {"<rtcp-fb/>", "'type'"});
  expect_jingle_error(
      with_description("<rtcp-fb-trr-int xmlns='urn:xmpp:jingle:apps:rtp:rtcp-fb:0' value='x'/>"),
      {"<rtcp-fb-trr-int/>", "'value'", "\"x\""});
}
TEST(JingleModelErrors, BandwidthNotNumeric) {
  expect_jingle_error(with_description("<bandwidth type='AS'>fast</bandwidth>"),
                      {"<bandwidth/>", "\"fast\""});
  expect_jingle_error(with_description("<bandwidth>128</bandwidth>"), {"<bandwidth/>", "'type'"});
}
TEST(JingleModelErrors, SourceBadSsrc) {
  expect_jingle_error(
      with_description("<source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='x1'/>"),
      {"<source/>", "'ssrc'", "\"x1\""});
  expect_jingle_error(
      with_description("<ssrc-group xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' semantics='FID'>"
                       "<source ssrc='1'/><source ssrc='-2'/></ssrc-group>"),
      {"<source/>", "'ssrc'", "\"-2\""});
  expect_jingle_error(with_description("<ssrc-group xmlns='urn:xmpp:jingle:apps:rtp:ssma:0'/>"),
                      {"<ssrc-group/>", "'semantics'"});
}
TEST(JingleModelErrors, GroupWithoutSemanticsOrContentName) {
  expect_jingle_error(
      "<jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' sid='s1'>"
      "<group xmlns='urn:xmpp:jingle:apps:grouping:0'><content name='0'/></group></jingle>",
      {"<group/>", "'semantics'"});
  expect_jingle_error(
      "<jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' sid='s1'>"
      "<group xmlns='urn:xmpp:jingle:apps:grouping:0' semantics='BUNDLE'><content/></group>"
      "</jingle>",
      {"<content/>", "'name'"});
}
TEST(JingleModelErrors, RtpInfoMuteWithUnknownCreator) {
  expect_jingle_error(
      "<jingle xmlns='urn:xmpp:jingle:1' action='session-info' sid='s1'>"
      "<mute xmlns='urn:xmpp:jingle:apps:rtp:info:1' creator='nobody' name='0'/></jingle>",
      {"<mute/>", "'creator'", "\"nobody\""});
}
TEST(JingleModelErrors, UnknownRtpInfoIsKeptNotRefused) {
  auto j =
      Jingle::from_xml(parse("<jingle xmlns='urn:xmpp:jingle:1' action='session-info' sid='s1'>"
                             "<queued xmlns='urn:xmpp:jingle:apps:rtp:info:1'/></jingle>"));
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_FALSE(j->rtp_info);
  ASSERT_EQ(j->other_info.size(), 1u);
  auto direct = RtpInfo::from_xml(j->other_info[0]);
  ASSERT_FALSE(direct);
  EXPECT_EQ(direct.error().code, make_error_code(Errc::unsupported_info));
  EXPECT_NE(direct.error().message.find("<queued"), std::string::npos);
}

TEST(JingleModelErrors, JmiMissingId) {
  expect_jmi_error("<proceed xmlns='urn:xmpp:jingle-message:0'/>", {"<proceed/>", "'id'"});
}
TEST(JingleModelErrors, JmiProposeWithoutDescription) {
  expect_jmi_error("<propose xmlns='urn:xmpp:jingle-message:0' id='x'/>",
                   {"<propose/>", "no <description/>"});
  expect_jmi_error(
      "<propose xmlns='urn:xmpp:jingle-message:0' id='x'>"
      "<description xmlns='urn:xmpp:jingle:apps:rtp:1'/></propose>",
      {"<description/>", "'media'"});
}
TEST(JingleModelErrors, JmiUnknownElementOrNamespace) {
  expect_jmi_error("<accept xmlns='urn:xmpp:jingle-message:0' id='x'/>", {"<accept", "not"});
  expect_jmi_error("<propose xmlns='urn:xmpp:jingle:jingle-message:0' id='x'/>", {"<propose"});
  EXPECT_EQ(JmiMessage::find_in(parse("<message xmlns='jabber:client'>"
                                      "<accept xmlns='urn:xmpp:jingle-message:0' id='x'/>"
                                      "<body>hi</body></message>")),
            nullptr);
}
TEST(JingleModelErrors, JmiBadReasonOrMigration) {
  expect_jmi_error(
      "<reject xmlns='urn:xmpp:jingle-message:0' id='x'><reason xmlns='urn:xmpp:jingle:1'>"
      "<nope/></reason></reject>",
      {"<reason/>", "<nope/>"});
  expect_jmi_error(
      "<finish xmlns='urn:xmpp:jingle-message:0' id='x'><reason xmlns='urn:xmpp:jingle:1'>"
      "<expired/></reason><migrated/></finish>",
      {"<migrated/>", "'to'"});
}

// --- What real clients send ------------------------------------------------------------------

TEST(JingleModelTolerance, PrefixedNamespacesAreResolved) {
  auto j = Jingle::from_xml(
      parse("<j:jingle xmlns:j='urn:xmpp:jingle:1' xmlns:r='urn:xmpp:jingle:apps:rtp:1' "
            "xmlns:i='urn:xmpp:jingle:transports:ice-udp:1' action='session-accept' sid='s1'>"
            "<j:content creator='initiator' name='0'><r:description media='audio'>"
            "<r:payload-type id='0' name='PCMU' clockrate='8000'/></r:description>"
            "<i:transport ufrag='u'><i:candidate component='1' foundation='f' ip='::1' port='9' "
            "priority='1' protocol='TCP' type='host' tcptype='passive'/></i:transport>"
            "</j:content></j:jingle>"));
  ASSERT_TRUE(j) << j.error().message;
  const Content& c = j->contents.at(0);
  EXPECT_EQ(c.description->payload_types.at(0).name, "PCMU");
  EXPECT_EQ(c.transport->candidates.at(0).protocol, "TCP");  // case as written
  EXPECT_EQ(c.transport->candidates.at(0).tcptype, "passive");
  // Written back with default namespaces, which the serializer declares minimally.
  const std::string text = xml::to_string(j->to_xml(), "jabber:client");
  EXPECT_EQ(text.find("j:"), std::string::npos);
  EXPECT_NE(text.find("<description xmlns=\"urn:xmpp:jingle:apps:rtp:1\" media=\"audio\">"),
            std::string::npos)
      << text;
}

TEST(JingleModelTolerance, ParameterWithoutValueStaysWithoutValue) {
  auto pt = payload_type_from_xml(
      parse("<payload-type xmlns='urn:xmpp:jingle:apps:rtp:1' id='63' name='red' clockrate='48000' "
            "channels='2'><parameter name='111/111'/></payload-type>"));
  ASSERT_TRUE(pt) << pt.error().message;
  EXPECT_EQ(pt->parameters.at(0), (codecs::Parameter{"111/111", ""}));
  const xml::Element out = payload_type_to_xml(*pt);
  ASSERT_EQ(out.children.size(), 1u);
  EXPECT_EQ(out.children[0].attr("name"), "111/111");
  EXPECT_FALSE(out.children[0].attr("value"));
}

TEST(JingleModelTolerance, UnknownChildrenAreKept) {
  // An unknown description child (StanzaJS <stream/>) and an unknown jingle child round-trip.
  const auto input = parse(
      "<jingle xmlns='urn:xmpp:jingle:1' action='session-accept' sid='s1'>"
      "<content creator='initiator' name='0'><description xmlns='urn:xmpp:jingle:apps:rtp:1' "
      "media='audio'><stream xmlns='urn:xmpp:jingle:apps:rtp:msid:0' id='a' track='b'/>"
      "</description></content><x xmlns='urn:example'/></jingle>");
  auto j = Jingle::from_xml(input);
  ASSERT_TRUE(j);
  EXPECT_EQ(j->contents.at(0).description->extra.size(), 1u);
  ASSERT_EQ(j->extra.size(), 1u);
  EXPECT_EQ(test::canonical_text(j->to_xml(), false), test::canonical_text(input, false));
}

// --- Enum string tables ----------------------------------------------------------------------

TEST(JingleModelStrings, EveryEnumRoundTripsThroughItsString) {
  for (int a = 0; a <= static_cast<int>(Action::kTransportReplace); ++a) {
    const auto action = static_cast<Action>(a);
    EXPECT_FALSE(to_string(action).empty());
    EXPECT_EQ(action_from_string(to_string(action)), action);
  }
  EXPECT_EQ(to_string(Action::kSessionInitiate), "session-initiate");
  EXPECT_EQ(to_string(Action::kTransportInfo), "transport-info");
  EXPECT_FALSE(action_from_string("Session-Initiate"));
  for (int c = 0; c <= static_cast<int>(Condition::kUnsupportedTransports); ++c) {
    const auto condition = static_cast<Condition>(c);
    EXPECT_EQ(condition_from_string(to_string(condition)), condition);
  }
  EXPECT_EQ(to_string(Condition::kAlternativeSession), "alternative-session");
  EXPECT_FALSE(condition_from_string("text"));
  for (auto s : {Senders::kBoth, Senders::kInitiator, Senders::kResponder, Senders::kNone}) {
    EXPECT_EQ(senders_from_string(to_string(s)), s);
  }
  for (auto c : {Creator::kInitiator, Creator::kResponder}) {
    EXPECT_EQ(creator_from_string(to_string(c)), c);
  }
  EXPECT_FALSE(creator_from_string("both"));
  for (auto s : {Setup::kActpass, Setup::kActive, Setup::kPassive, Setup::kHoldconn}) {
    EXPECT_EQ(setup_from_string(to_string(s)), s);
  }
  EXPECT_FALSE(setup_from_string("ACTIVE"));
  for (auto k :
       {JmiMessage::Kind::kPropose, JmiMessage::Kind::kRinging, JmiMessage::Kind::kProceed,
        JmiMessage::Kind::kReject, JmiMessage::Kind::kRetract, JmiMessage::Kind::kFinish}) {
    EXPECT_EQ(JmiMessage::kind_from_name(to_string(k)), k);
  }
  EXPECT_FALSE(JmiMessage::kind_from_name("accept"));
}

TEST(JingleModelStrings, ErrcMapsToStanzaErrors) {
  EXPECT_EQ(stanza_condition(Errc::bad_request), "bad-request");
  EXPECT_EQ(jingle_error_child(Errc::bad_request), "");
  EXPECT_EQ(stanza_condition(Errc::out_of_order), "unexpected-request");
  EXPECT_EQ(jingle_error_child(Errc::out_of_order), "out-of-order");
  EXPECT_EQ(stanza_condition(Errc::wrong_sender), "item-not-found");
  EXPECT_EQ(jingle_error_child(Errc::wrong_sender), "");
  EXPECT_EQ(stanza_condition(Errc::not_acceptable), "not-acceptable");
  for (int e = static_cast<int>(Errc::bad_request); e <= static_cast<int>(Errc::peer_error); ++e) {
    const std::error_code code = make_error_code(static_cast<Errc>(e));
    EXPECT_NE(code.message(), "unknown error");
    EXPECT_FALSE(stanza_condition(static_cast<Errc>(e)).empty());
  }
  const std::error_code code = Errc::timeout;  // implicit, via is_error_code_enum
  EXPECT_TRUE(code.category() == error_category());
}

}  // namespace
}  // namespace jcall::signaling::jingle
