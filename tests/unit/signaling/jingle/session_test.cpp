// XEP-0166 §6–§8 session state machine: one test per action (SessionAction.*) and per error
// condition (SessionError.*), with XEP-0167 session-info, XEP-0176 trickle and restarts,
// XEP-0320 DTLS roles, XEP-0338 BUNDLE and XEP-0339 sources. Literal XML, fake clock.
#include <algorithm>

#include <gtest/gtest.h>

#include "session_support.hpp"

namespace jcall::signaling::jingle::test {
namespace {

using codecs::MediaType;
using std::chrono::seconds;

// ---- Bob calls Alice: the offer Alice (responder) receives. -------------------------------

constexpr const char* kOfferAudio = R"(
<jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' sid='s1' initiator='bob@example.com/desk'>
  <content creator='initiator' name='a0' senders='both'>
    <description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio' ssrc='1111'>
      <payload-type id='111' name='opus' clockrate='48000' channels='2'>
        <parameter name='useinbandfec' value='1'/>
      </payload-type>
      <payload-type id='0' name='PCMU' clockrate='8000'/>
      <rtcp-mux/>
      <source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='1111'>
        <parameter name='cname' value='bobcname'/>
      </source>
    </description>
    <transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='bU1' pwd='bobpassword0123456789ab'>
      <fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='$SETUP'>$FP</fingerprint>
      $CANDIDATES
    </transport>
  </content>
  <group xmlns='urn:xmpp:jingle:apps:grouping:0' semantics='BUNDLE'><content name='a0'/></group>
</jingle>)";

std::string offer_audio(std::string_view setup = "actpass", std::string_view candidates = "") {
  std::string s = replace_all(kOfferAudio, "$SETUP", setup);
  s = replace_all(s, "$FP", kFpBob);
  return replace_all(s, "$CANDIDATES", candidates);
}

constexpr const char* kCandidate =
    "<candidate component='1' foundation='1' ip='192.0.2.7' port='5000' priority='2122260223' "
    "protocol='udp' type='host'/>";

// Alice receives Bob's session-initiate and answers it.
Session incoming(std::string_view jingle = {}, Outputs* outputs = nullptr) {
  const std::string j = jingle.empty() ? offer_audio() : std::string(jingle);
  Session s =
      Session::incoming(make_config(kAlice, kBob, "a"), parse(iq_set(kBob, kAlice, "in1", j)), kT0);
  Outputs o = drain(s);
  if (outputs != nullptr) {
    *outputs = o;
  }
  return s;
}

// Alice accepts; the answer to her session-accept is not yet in.
Session incoming_accepted(Outputs* outputs = nullptr) {
  Session s = incoming();
  EXPECT_TRUE(s.accept({local_transport("aU1", "alicepassword0123456789", kFpAlice)}, kT0));
  Outputs o = drain(s);
  if (outputs != nullptr) {
    *outputs = o;
  }
  return s;
}

// Alice accepted and Bob acknowledged: active.
Session incoming_active() {
  Outputs o;
  Session s = incoming_accepted(&o);
  const std::string id(o.sent().at(0).attr_or("id", ""));
  s.handle_iq(parse(iq_answer(kBob, kAlice, id, "result")), kT0);
  drain(s);
  EXPECT_EQ(s.state(), State::kActive);
  return s;
}

// ---- Alice calls Bob: Alice is the initiator. --------------------------------------------

constexpr const char* kAcceptAudio = R"(
<jingle xmlns='urn:xmpp:jingle:1' action='session-accept' sid='sa' responder='bob@example.com/desk'>
  <content creator='initiator' name='audio'>
    <description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio' ssrc='2222'>
      <payload-type id='96' name='opus' clockrate='48000' channels='2'>
        <parameter name='useinbandfec' value='1'/>
      </payload-type>
      <payload-type id='0' name='PCMU' clockrate='8000'/>
      <rtcp-mux/>
      <source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='2222'>
        <parameter name='cname' value='bobcname'/>
      </source>
    </description>
    <transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='bU2' pwd='bobpassword0123456789cd'>
      $FINGERPRINT
      $CANDIDATES
    </transport>
  </content>
  <group xmlns='urn:xmpp:jingle:apps:grouping:0' semantics='BUNDLE'><content name='audio'/></group>
</jingle>)";

std::string accept_audio(std::string_view setup = "active", std::string_view candidates = "") {
  std::string fp = std::string(
                       "<fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' "
                       "setup='") +
                   std::string(setup) + "'>" + kFpBob + "</fingerprint>";
  std::string s = replace_all(kAcceptAudio, "$FINGERPRINT", setup.empty() ? "" : fp);
  return replace_all(s, "$CANDIDATES", candidates);
}

SessionConfig alice_config() {
  SessionConfig c = make_config(kAlice, kBob, "a");
  c.sid = "sa";
  return c;
}

Session outgoing(Outputs* outputs = nullptr, bool video = false) {
  std::vector<LocalContent> contents{local_content(
      MediaType::kAudio, local_transport("aU1", "alicepassword0123456789", kFpAlice), 0xA1)};
  if (video) {
    contents.push_back(local_content(
        MediaType::kVideo, local_transport("aU1", "alicepassword0123456789", kFpAlice), 0xA2));
  }
  Session s = Session::initiate(alice_config(), std::move(contents), kT0);
  Outputs o = drain(s);
  if (outputs != nullptr) {
    *outputs = o;
  }
  return s;
}

// Alice's call, accepted by Bob.
Session outgoing_active(Outputs* outputs = nullptr) {
  Session s = outgoing();
  s.handle_iq(parse(iq_answer(kBob, kAlice, "a1", "result")), kT0);
  s.handle_iq(parse(iq_set(kBob, kAlice, "acc1", accept_audio())), kT0);
  Outputs o = drain(s);
  if (outputs != nullptr) {
    *outputs = o;
  }
  EXPECT_EQ(s.state(), State::kActive);
  return s;
}

std::string jingle(std::string_view action, std::string_view sid, std::string_view body) {
  return "<jingle xmlns='urn:xmpp:jingle:1' action='" + std::string(action) + "' sid='" +
         std::string(sid) + "'>" + std::string(body) + "</jingle>";
}

// Video content-add as Bob sends it to Alice (content creator = Bob's role).
std::string video_content(std::string_view creator, std::string_view name, std::string_view setup) {
  return "<content creator='" + std::string(creator) + "' name='" + std::string(name) +
         "' senders='both'>"
         "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='video' ssrc='3333'>"
         "<payload-type id='100' name='VP8' clockrate='90000'/>"
         "<payload-type id='101' name='rtx' clockrate='90000'>"
         "<parameter name='apt' value='100'/></payload-type>"
         "<rtcp-mux/></description>"
         "<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='bV1' "
         "pwd='bobvideopassword0123456'>"
         "<fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='" +
         std::string(setup) + "'>" + kFpBob + "</fingerprint></transport></content>";
}

const xml::Element* first_content(const xml::Element& iq) {
  const xml::Element* j = jingle_of(iq);
  return j == nullptr ? nullptr : j->child("content", ns::kJingle);
}

const xml::Element* transport_of(const xml::Element& iq) {
  const xml::Element* c = first_content(iq);
  return c == nullptr ? nullptr : c->child("transport", ns::kIceUdp);
}

std::string reason_condition(const xml::Element& iq) {
  const xml::Element* j = jingle_of(iq);
  const xml::Element* r = j == nullptr ? nullptr : j->child("reason", ns::kJingle);
  if (r == nullptr) {
    return "";
  }
  for (const auto& c : r->children) {
    if (c.name != "text") {
      return c.name;
    }
  }
  return "";
}

// The payload type numbers of VP8 and its RTX in our video offer.
std::pair<std::string, std::string> offered_vp8(const xml::Element& initiate) {
  auto j = Jingle::from_xml(*jingle_of(initiate));
  EXPECT_TRUE(j);
  std::string vp8;
  std::string rtx;
  for (const auto& c : j->contents) {
    if (c.name != "video") {
      continue;
    }
    for (const auto& pt : c.description->payload_types) {
      if (pt.name == "VP8") {
        vp8 = std::to_string(pt.id);
      }
    }
    for (const auto& pt : c.description->payload_types) {
      if (pt.name == "rtx" && pt.parameter("apt") == std::optional<std::string_view>(vp8)) {
        rtx = std::to_string(pt.id);
      }
    }
  }
  return {vp8, rtx};
}

// =============================================================================================
// Actions
// =============================================================================================

TEST(SessionAction, SessionInitiateSentWithOfferIceDtlsSsrcAndBundle) {
  Outputs o;
  Session s = outgoing(&o, /*video=*/true);
  EXPECT_EQ(s.role(), Role::kInitiator);
  EXPECT_EQ(s.state(), State::kPending);
  ASSERT_EQ(o.sent().size(), 1u);
  const xml::Element& iq = o.sent()[0];
  EXPECT_EQ(iq.attr_or("type", ""), "set");
  EXPECT_EQ(iq.attr_or("to", ""), kBob);
  EXPECT_EQ(iq.attr_or("id", ""), "a1");
  EXPECT_TRUE(s.owns_iq_id("a1"));
  auto j = Jingle::from_xml(*jingle_of(iq));
  ASSERT_TRUE(j);
  EXPECT_EQ(j->action, Action::kSessionInitiate);
  EXPECT_EQ(j->sid, "sa");
  EXPECT_EQ(j->initiator, std::optional<std::string>(kAlice));
  ASSERT_EQ(j->contents.size(), 2u);
  const Content& audio = j->contents[0];
  EXPECT_EQ(audio.name, "audio");
  EXPECT_EQ(audio.creator, Creator::kInitiator);
  ASSERT_TRUE(audio.description);
  EXPECT_EQ(audio.description->media, "audio");
  EXPECT_EQ(audio.description->payload_types.at(0).name, "opus");
  EXPECT_TRUE(audio.description->rtcp_mux);
  EXPECT_EQ(audio.description->ssrc, std::optional<std::uint32_t>(0xA1));
  ASSERT_EQ(audio.description->sources.size(), 1u);
  EXPECT_EQ(audio.description->sources[0].ssrc, 0xA1u);
  EXPECT_EQ(audio.description->sources[0].parameters.at(0).name, "cname");
  EXPECT_FALSE(audio.description->sources[0].parameters.at(0).value.empty());
  ASSERT_TRUE(audio.transport);
  EXPECT_EQ(audio.transport->ufrag, std::optional<std::string>("aU1"));
  EXPECT_EQ(audio.transport->pwd, std::optional<std::string>("alicepassword0123456789"));
  ASSERT_TRUE(audio.transport->fingerprint);
  EXPECT_EQ(audio.transport->fingerprint->setup,
            std::optional<jingle::Setup>(jingle::Setup::kActpass));
  EXPECT_EQ(audio.transport->fingerprint->value, kFpAlice);
  EXPECT_EQ(j->contents[1].name, "video");
  // RFC 8843 §9.1.2: one payload type number per codec configuration in the BUNDLE group.
  for (const auto& a : j->contents[0].description->payload_types) {
    for (const auto& v : j->contents[1].description->payload_types) {
      EXPECT_NE(a.id, v.id) << a.name << " and " << v.name;
    }
  }
  for (const auto& v : j->contents[1].description->payload_types) {
    if (auto apt = v.parameter("apt")) {
      EXPECT_TRUE(std::any_of(
          j->contents[1].description->payload_types.begin(),
          j->contents[1].description->payload_types.end(),
          [&](const codecs::Codec& c) { return std::to_string(c.id) == *apt && c.name != "rtx"; }))
          << "rtx " << int(v.id) << " apt=" << *apt;
    }
  }
  EXPECT_EQ(j->contents[1].description->payload_types.at(0).name, "VP8");
  ASSERT_EQ(j->groups.size(), 1u);
  EXPECT_EQ(j->groups[0].semantics, "BUNDLE");
  EXPECT_EQ(j->groups[0].contents, (std::vector<std::string>{"audio", "video"}));
  EXPECT_EQ(s.contents().size(), 2u);
}

TEST(SessionAction, SessionInitiateWithoutBundleWhenConfigured) {
  SessionConfig c = alice_config();
  c.offer_bundle = false;
  Session s = Session::initiate(
      c,
      {local_content(MediaType::kAudio, local_transport("u", "passwordpasswordpass", kFpAlice), 1)},
      kT0);
  Outputs o = drain(s);
  auto j = Jingle::from_xml(*jingle_of(o.sent().at(0)));
  ASSERT_TRUE(j);
  EXPECT_TRUE(j->groups.empty());
}

TEST(SessionAction, SessionInitiateReceivedIsAcknowledgedAndOfferKept) {
  Outputs o;
  Session s = incoming(offer_audio("actpass", kCandidate), &o);
  EXPECT_EQ(s.role(), Role::kResponder);
  EXPECT_EQ(s.state(), State::kPending);
  EXPECT_EQ(s.sid(), "s1");
  ASSERT_EQ(o.sent().size(), 1u);
  EXPECT_TRUE(is_result_to(o.sent()[0], "in1"));
  EXPECT_EQ(o.sent()[0].attr_or("to", ""), kBob);
  ASSERT_EQ(s.contents().size(), 1u);
  EXPECT_EQ(s.contents()[0].name, "a0");
  EXPECT_EQ(s.contents()[0].description->payload_types.at(0).id, 111);
  // Candidates of the offer are passed on at once (media buffers them).
  auto rc = o.of<out::RemoteCandidates>();
  ASSERT_EQ(rc.size(), 1u);
  EXPECT_EQ(rc[0].content, "a0");
  EXPECT_EQ(rc[0].candidates.at(0).port, 5000);
  EXPECT_EQ(o.count<out::StateChanged>(), 0u);
}

TEST(SessionAction, SessionAcceptSentWithAnswerSetupActiveAndBundle) {
  Outputs o;
  Session s = incoming_accepted(&o);
  ASSERT_EQ(o.sent().size(), 1u);
  const xml::Element& iq = o.sent()[0];
  EXPECT_EQ(action_of(iq), "session-accept");
  auto j = Jingle::from_xml(*jingle_of(iq));
  ASSERT_TRUE(j);
  EXPECT_EQ(j->responder, std::optional<std::string>(kAlice));
  ASSERT_EQ(j->contents.size(), 1u);
  const Content& c = j->contents[0];
  EXPECT_EQ(c.name, "a0");
  EXPECT_EQ(c.creator, Creator::kInitiator);
  ASSERT_TRUE(c.description);
  EXPECT_EQ(c.description->payload_types.at(0).name, "opus");
  EXPECT_EQ(c.description->payload_types.at(0).id, 111);  // the offerer's numbers
  EXPECT_TRUE(c.description->rtcp_mux);
  EXPECT_EQ(c.description->sources.size(), 1u);
  ASSERT_TRUE(c.transport && c.transport->fingerprint);
  EXPECT_EQ(c.transport->fingerprint->setup, std::optional<jingle::Setup>(jingle::Setup::kActive));
  EXPECT_EQ(c.transport->ufrag, std::optional<std::string>("aU1"));
  ASSERT_EQ(j->groups.size(), 1u);
  EXPECT_EQ(j->groups[0].contents, std::vector<std::string>{"a0"});
  // Media is configured at once; the session is active when the accept is acknowledged.
  auto cm = o.of<out::ConfigureMedia>();
  ASSERT_EQ(cm.size(), 1u);
  EXPECT_FALSE(cm[0].ice_controlling);
  EXPECT_EQ(cm[0].bundle, std::vector<std::string>{"a0"});
  ASSERT_EQ(cm[0].contents.size(), 1u);
  const NegotiatedContent& n = cm[0].contents[0];
  EXPECT_EQ(n.dtls_role, DtlsRole::kClient);
  EXPECT_EQ(n.remote_ufrag, "bU1");
  EXPECT_EQ(n.remote_pwd, "bobpassword0123456789ab");
  EXPECT_EQ(n.remote_fingerprint.value, kFpBob);
  EXPECT_EQ(n.codecs.codecs.at(0).id, 111);
  EXPECT_EQ(n.remote_sources.at(0).ssrc, 1111u);
  EXPECT_TRUE(n.send && n.receive);
  EXPECT_EQ(s.state(), State::kPending);
  s.handle_iq(parse(iq_answer(kBob, kAlice, std::string(iq.attr_or("id", "")), "result")), kT0);
  auto sc = drain(s).of<out::StateChanged>();
  ASSERT_EQ(sc.size(), 1u);
  EXPECT_EQ(sc[0].state, State::kActive);
  EXPECT_EQ(s.state(), State::kActive);
}

// XEP-0293 §3: feedback written once in the <description/> applies to every payload type.
TEST(SessionAction, SessionAcceptHonoursFeedbackWrittenForAllPayloadTypes) {
  const std::string offer =
      replace_all(offer_audio(), "<rtcp-mux/>",
                  "<rtcp-mux/><rtcp-fb xmlns='urn:xmpp:jingle:apps:rtp:rtcp-fb:0' "
                  "type='transport-cc'/>");
  Session s = incoming(offer);
  ASSERT_TRUE(s.accept({local_transport("aU1", "alicepassword0123456789", kFpAlice)}, kT0));
  Outputs o = drain(s);
  auto j = Jingle::from_xml(*jingle_of(o.sent().at(0)));
  ASSERT_TRUE(j);
  const codecs::Codec& opus = j->contents.at(0).description->payload_types.at(0);
  EXPECT_EQ(opus.name, "opus");
  EXPECT_NE(std::find(opus.rtcp_fb.begin(), opus.rtcp_fb.end(), codecs::RtcpFb{"transport-cc", ""}),
            opus.rtcp_fb.end());
}

TEST(SessionAction, SessionAcceptSentAsPassiveWhenTheOfferIsActive) {
  Session s = incoming(offer_audio("active"));
  ASSERT_TRUE(s.accept({local_transport("aU1", "alicepassword0123456789", kFpAlice)}, kT0));
  Outputs o = drain(s);
  const xml::Element* fp = transport_of(o.sent().at(0))->child("fingerprint", ns::kDtls);
  ASSERT_NE(fp, nullptr);
  EXPECT_EQ(fp->attr_or("setup", ""), "passive");
  EXPECT_EQ(o.of<out::ConfigureMedia>().at(0).contents.at(0).dtls_role, DtlsRole::kServer);
}

TEST(SessionAction, SessionAcceptReceivedConfiguresMediaAndActivates) {
  Outputs o;
  Session s = outgoing_active(&o);
  ASSERT_EQ(o.sent().size(), 1u);
  EXPECT_TRUE(is_result_to(o.sent()[0], "acc1"));
  auto cm = o.of<out::ConfigureMedia>();
  ASSERT_EQ(cm.size(), 1u);
  EXPECT_TRUE(cm[0].ice_controlling);
  EXPECT_EQ(cm[0].bundle, std::vector<std::string>{"audio"});
  const NegotiatedContent& n = cm[0].contents.at(0);
  EXPECT_EQ(n.name, "audio");
  EXPECT_EQ(n.codecs.codecs.at(0).name, "opus");
  EXPECT_EQ(n.codecs.codecs.at(0).id, 96);
  EXPECT_EQ(n.dtls_role, DtlsRole::kServer);  // Bob is active
  EXPECT_EQ(n.remote_fingerprint.value, kFpBob);
  EXPECT_EQ(n.remote_ufrag, "bU2");
  EXPECT_EQ(n.local_ssrc, 0xA1u);
  EXPECT_EQ(n.remote_sources.at(0).ssrc, 2222u);
  auto sc = o.of<out::StateChanged>();
  ASSERT_EQ(sc.size(), 1u);
  EXPECT_EQ(sc[0].state, State::kActive);
  EXPECT_FALSE(s.next_deadline().has_value());  // ring timer stopped
}

TEST(SessionAction, SessionAcceptReceivedWithSetupPassiveMakesUsDtlsClient) {
  Session s = outgoing();
  s.handle_iq(parse(iq_set(kBob, kAlice, "acc1", accept_audio("passive"))), kT0);
  Outputs o = drain(s);
  EXPECT_EQ(o.of<out::ConfigureMedia>().at(0).contents.at(0).dtls_role, DtlsRole::kClient);
}

TEST(SessionAction, SessionTerminateSentWithEveryConditionAndText) {
  const Condition all[] = {Condition::kAlternativeSession,
                           Condition::kBusy,
                           Condition::kCancel,
                           Condition::kConnectivityError,
                           Condition::kDecline,
                           Condition::kExpired,
                           Condition::kFailedApplication,
                           Condition::kFailedTransport,
                           Condition::kGeneralError,
                           Condition::kGone,
                           Condition::kIncompatibleParameters,
                           Condition::kMediaError,
                           Condition::kSecurityError,
                           Condition::kSuccess,
                           Condition::kTimeout,
                           Condition::kUnsupportedApplications,
                           Condition::kUnsupportedTransports};
  for (Condition c : all) {
    Session s = incoming();
    s.terminate(c, "because " + std::string(to_string(c)), kT0);
    Outputs o = drain(s);
    ASSERT_EQ(o.sent().size(), 1u) << to_string(c);
    EXPECT_EQ(action_of(o.sent()[0]), "session-terminate");
    auto j = Jingle::from_xml(*jingle_of(o.sent()[0]));
    ASSERT_TRUE(j) << to_string(c);
    ASSERT_TRUE(j->reason);
    EXPECT_EQ(j->reason->condition, c);
    EXPECT_EQ(j->reason->text, std::optional<std::string>("because " + std::string(to_string(c))));
    auto sc = o.of<out::StateChanged>();
    ASSERT_EQ(sc.size(), 1u);
    EXPECT_EQ(sc[0].state, State::kEnded);
    EXPECT_FALSE(sc[0].by_peer);
    EXPECT_EQ(sc[0].reason->condition, c);
    EXPECT_EQ(s.state(), State::kEnded);
  }
}

TEST(SessionAction, SessionTerminateSentWithoutText) {
  Session s = outgoing_active();
  s.terminate(Condition::kSuccess, std::nullopt, kT0);
  Outputs o = drain(s);
  auto j = Jingle::from_xml(*jingle_of(o.sent().at(0)));
  ASSERT_TRUE(j && j->reason);
  EXPECT_EQ(j->reason->condition, Condition::kSuccess);
  EXPECT_FALSE(j->reason->text);
  EXPECT_FALSE(j->initiator);                           // XEP-0166 §7.1: only on session-initiate
  s.terminate(Condition::kSuccess, std::nullopt, kT0);  // already ended: nothing
  EXPECT_FALSE(s.has_output());
}

TEST(SessionAction, SessionTerminateReceivedEndsByPeer) {
  Session s = outgoing_active();
  s.handle_iq(parse(iq_set(kBob, kAlice, "t1",
                           jingle("session-terminate", "sa",
                                  "<reason><busy/><text>in another call</text></reason>"))),
              kT0);
  Outputs o = drain(s);
  EXPECT_TRUE(is_result_to(o.sent().at(0), "t1"));
  auto sc = o.of<out::StateChanged>();
  ASSERT_EQ(sc.size(), 1u);
  EXPECT_EQ(sc[0].state, State::kEnded);
  EXPECT_TRUE(sc[0].by_peer);
  ASSERT_TRUE(sc[0].reason);
  EXPECT_EQ(sc[0].reason->condition, Condition::kBusy);
  EXPECT_EQ(sc[0].reason->text, std::optional<std::string>("in another call"));
}

TEST(SessionAction, SessionInfoSentForEveryRtpInfo) {
  Session s = outgoing_active();
  const std::pair<RtpInfo::Kind, const char*> kinds[] = {
      {RtpInfo::Kind::kRinging, "ringing"}, {RtpInfo::Kind::kActive, "active"},
      {RtpInfo::Kind::kHold, "hold"},       {RtpInfo::Kind::kUnhold, "unhold"},
      {RtpInfo::Kind::kMute, "mute"},       {RtpInfo::Kind::kUnmute, "unmute"}};
  for (const auto& [kind, name] : kinds) {
    RtpInfo info;
    info.kind = kind;
    if (kind == RtpInfo::Kind::kMute || kind == RtpInfo::Kind::kUnmute) {
      info.creator = "initiator";
      info.name = "audio";
    }
    ASSERT_TRUE(s.send_info(info, kT0));
    Outputs o = drain(s);
    ASSERT_EQ(o.sent().size(), 1u);
    EXPECT_EQ(action_of(o.sent()[0]), "session-info");
    const xml::Element* payload = jingle_of(o.sent()[0])->child(name, ns::kRtpInfo);
    ASSERT_NE(payload, nullptr) << name;
    if (info.name == "audio") {
      EXPECT_EQ(payload->attr_or("name", ""), "audio");
      EXPECT_EQ(payload->attr_or("creator", ""), "initiator");
    }
  }
}

TEST(SessionAction, SessionInfoReceivedForEveryRtpInfo) {
  Session s = incoming();  // ringing and the rest may come at any time
  const std::pair<const char*, RtpInfo::Kind> kinds[] = {
      {"ringing", RtpInfo::Kind::kRinging}, {"active", RtpInfo::Kind::kActive},
      {"hold", RtpInfo::Kind::kHold},       {"unhold", RtpInfo::Kind::kUnhold},
      {"mute", RtpInfo::Kind::kMute},       {"unmute", RtpInfo::Kind::kUnmute}};
  int n = 0;
  for (const auto& [name, kind] : kinds) {
    const std::string id = "i" + std::to_string(++n);
    s.handle_iq(parse(iq_set(kBob, kAlice, id.c_str(),
                             jingle("session-info", "s1",
                                    "<" + std::string(name) +
                                        " xmlns='urn:xmpp:jingle:apps:rtp:info:1'/>"))),
                kT0);
    Outputs o = drain(s);
    ASSERT_EQ(o.sent().size(), 1u);
    EXPECT_TRUE(is_result_to(o.sent()[0], id));
    auto pi = o.of<out::PeerInfo>();
    ASSERT_EQ(pi.size(), 1u) << name;
    EXPECT_EQ(pi[0].info.kind, kind);
  }
  EXPECT_EQ(s.state(), State::kPending);
}

TEST(SessionAction, SessionInfoEmptyIsAPingAndGetsAResult) {
  Session s = outgoing_active();
  s.handle_iq(parse(iq_set(kBob, kAlice, "p1", jingle("session-info", "sa", ""))), kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.all.size(), 1u);
  EXPECT_TRUE(is_result_to(o.sent()[0], "p1"));
}

std::string transport_info(std::string_view sid,
                           std::string_view content,
                           std::string_view creator,
                           std::string_view transport_attrs,
                           std::string_view body) {
  return jingle("transport-info", sid,
                "<content creator='" + std::string(creator) + "' name='" + std::string(content) +
                    "'><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' " +
                    std::string(transport_attrs) + ">" + std::string(body) +
                    "</transport></content>");
}

TEST(SessionAction, TransportInfoCandidatesBeforeAcceptArePassedOn) {
  Session s = incoming();
  s.handle_iq(parse(iq_set(kBob, kAlice, "ti1",
                           transport_info("s1", "a0", "initiator", "ufrag='bU1'", kCandidate))),
              kT0);
  Outputs o = drain(s);
  EXPECT_TRUE(is_result_to(o.sent().at(0), "ti1"));
  auto rc = o.of<out::RemoteCandidates>();
  ASSERT_EQ(rc.size(), 1u);
  EXPECT_EQ(rc[0].content, "a0");
  EXPECT_EQ(rc[0].candidates.at(0).ip, "192.0.2.7");
  EXPECT_FALSE(rc[0].end_of_candidates);
  EXPECT_EQ(o.count<out::IceRestart>(), 0u);
}

TEST(SessionAction, TransportInfoCandidatesAfterAcceptArePassedOn) {
  Session s = outgoing_active();
  s.handle_iq(
      parse(iq_set(kBob, kAlice, "ti1",
                   transport_info("sa", "audio", "initiator",
                                  "ufrag='bU2' pwd='bobpassword0123456789cd'", kCandidate))),
      kT0);
  Outputs o = drain(s);
  EXPECT_TRUE(is_result_to(o.sent().at(0), "ti1"));
  auto rc = o.of<out::RemoteCandidates>();
  ASSERT_EQ(rc.size(), 1u);
  EXPECT_EQ(rc[0].candidates.at(0).port, 5000);
  EXPECT_EQ(o.count<out::IceRestart>(), 0u);
}

TEST(SessionAction, TransportInfoWithNewUfragAndPwdIsAnIceRestart) {
  Session s = outgoing_active();
  s.handle_iq(
      parse(iq_set(kBob, kAlice, "ti1",
                   transport_info("sa", "audio", "initiator",
                                  "ufrag='bU3' pwd='bobnewpassword0123456789'", kCandidate))),
      kT0);
  Outputs o = drain(s);
  auto r = o.of<out::IceRestart>();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].content, "audio");
  EXPECT_EQ(r[0].ufrag, "bU3");
  EXPECT_EQ(r[0].pwd, "bobnewpassword0123456789");
  EXPECT_EQ(o.count<out::RemoteCandidates>(), 1u);
}

TEST(SessionAction, TransportInfoWithUnchangedUfragAndNoPwdIsNotARestart) {
  Session s = outgoing_active();  // StanzaJS trickles with ufrag only
  s.handle_iq(parse(iq_set(kBob, kAlice, "ti1",
                           transport_info("sa", "audio", "initiator", "ufrag='bU2'", kCandidate))),
              kT0);
  Outputs o = drain(s);
  EXPECT_EQ(o.count<out::IceRestart>(), 0u);
  EXPECT_EQ(o.count<out::RemoteCandidates>(), 1u);
}

TEST(SessionAction, TransportInfoGatheringCompleteIsEndOfCandidates) {
  Session s = outgoing_active();
  s.handle_iq(parse(iq_set(kBob, kAlice, "ti1",
                           transport_info("sa", "audio", "initiator", "ufrag='bU2'",
                                          "<gathering-complete/>"))),
              kT0);
  Outputs o = drain(s);
  auto rc = o.of<out::RemoteCandidates>();
  ASSERT_EQ(rc.size(), 1u);
  EXPECT_TRUE(rc[0].end_of_candidates);
  EXPECT_TRUE(rc[0].candidates.empty());
}

Candidate host_candidate(std::uint16_t port) {
  Candidate c;
  c.component = 1;
  c.foundation = "1";
  c.ip = "198.51.100.1";
  c.port = port;
  c.priority = 2122260223;
  c.protocol = "udp";
  c.type = "host";
  c.generation = 0;
  c.id = "c" + std::to_string(port);
  return c;
}

TEST(SessionAction, TransportInfoSentForLocalCandidatesAndGatheringDone) {
  Session s = outgoing();  // trickle right after session-initiate (XEP-0176 §4)
  s.local_candidate("audio", host_candidate(6000), kT0);
  s.gathering_done("audio", kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 2u);
  EXPECT_EQ(action_of(o.sent()[0]), "transport-info");
  auto j = Jingle::from_xml(*jingle_of(o.sent()[0]));
  ASSERT_TRUE(j);
  ASSERT_EQ(j->contents.size(), 1u);
  EXPECT_EQ(j->contents[0].name, "audio");
  EXPECT_EQ(j->contents[0].transport->ufrag, std::optional<std::string>("aU1"));
  ASSERT_EQ(j->contents[0].transport->candidates.size(), 1u);
  EXPECT_EQ(j->contents[0].transport->candidates[0].port, 6000);
  auto j2 = Jingle::from_xml(*jingle_of(o.sent()[1]));
  ASSERT_TRUE(j2);
  EXPECT_TRUE(j2->contents.at(0).transport->gathering_complete);
  EXPECT_TRUE(j2->contents.at(0).transport->candidates.empty());
}

TEST(SessionAction, TransportInfoLocalCandidatesQueuedUntilSessionAccept) {
  Session s = incoming();
  s.local_candidate("a0", host_candidate(7000), kT0);
  s.local_candidate("a0", host_candidate(7001), kT0);
  s.gathering_done("a0", kT0);
  EXPECT_FALSE(s.has_output());  // nothing may go out before the accept
  ASSERT_TRUE(s.accept({local_transport("aU1", "alicepassword0123456789", kFpAlice)}, kT0));
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 2u);
  EXPECT_EQ(action_of(o.sent()[0]), "session-accept");
  auto j = Jingle::from_xml(*jingle_of(o.sent()[0]));
  ASSERT_TRUE(j);
  ASSERT_EQ(j->contents.at(0).transport->candidates.size(), 2u);
  EXPECT_EQ(j->contents.at(0).transport->candidates[1].port, 7001);
  EXPECT_EQ(action_of(o.sent()[1]), "transport-info");
  auto j2 = Jingle::from_xml(*jingle_of(o.sent()[1]));
  EXPECT_TRUE(j2->contents.at(0).transport->gathering_complete);
  // Later candidates are trickled.
  s.local_candidate("a0", host_candidate(7002), kT0);
  Outputs o2 = drain(s);
  ASSERT_EQ(o2.sent().size(), 1u);
  EXPECT_EQ(action_of(o2.sent()[0]), "transport-info");
}

TEST(SessionAction, ContentAddSentForVideoAndAcceptedByPeer) {
  Session s = outgoing_active();
  ASSERT_TRUE(s.add_content(
      local_content(MediaType::kVideo, local_transport("aV1", "alicevideopassword01234", kFpAlice),
                    0xB1),
      kT0));
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 1u);
  EXPECT_EQ(action_of(o.sent()[0]), "content-add");
  auto j = Jingle::from_xml(*jingle_of(o.sent()[0]));
  ASSERT_TRUE(j);
  EXPECT_EQ(j->contents.at(0).name, "video");
  EXPECT_EQ(j->contents.at(0).creator, Creator::kInitiator);
  EXPECT_EQ(j->contents.at(0).description->media, "video");
  EXPECT_EQ(j->contents.at(0).transport->fingerprint->setup,
            std::optional<jingle::Setup>(jingle::Setup::kActpass));
  const std::string add_id(o.sent()[0].attr_or("id", ""));
  s.handle_iq(parse(iq_answer(kBob, kAlice, add_id, "result")), kT0);
  EXPECT_FALSE(s.has_output());
  // Bob accepts VP8 at the offered number (not 96: the audio content has it, RFC 8843).
  const std::string vp8 = offered_vp8(o.sent()[0]).first;
  EXPECT_NE(vp8, "96");
  std::string accept = video_content("initiator", "video", "active");
  accept = replace_all(accept, "id='100' name='VP8'", "id='" + vp8 + "' name='VP8'");
  accept = replace_all(accept,
                       "<payload-type id='101' name='rtx' clockrate='90000'>"
                       "<parameter name='apt' value='100'/></payload-type>",
                       "");
  s.handle_iq(parse(iq_set(kBob, kAlice, "ca1", jingle("content-accept", "sa", accept))), kT0);
  Outputs o2 = drain(s);
  EXPECT_TRUE(is_result_to(o2.sent().at(0), "ca1"));
  auto cm = o2.of<out::ConfigureMedia>();
  ASSERT_EQ(cm.size(), 1u);
  ASSERT_EQ(cm[0].contents.size(), 2u);
  EXPECT_EQ(cm[0].contents[1].name, "video");
  EXPECT_EQ(cm[0].contents[1].codecs.codecs.at(0).name, "VP8");
  EXPECT_EQ(cm[0].contents[1].dtls_role, DtlsRole::kServer);
  EXPECT_EQ(cm[0].contents[1].remote_ufrag, "bV1");
  EXPECT_EQ(s.contents().size(), 2u);
}

TEST(SessionAction, ContentAddReceivedOffersTheContent) {
  Session s = incoming_active();
  s.handle_iq(
      parse(iq_set(kBob, kAlice, "add1",
                   jingle("content-add", "s1", video_content("initiator", "v1", "actpass")))),
      kT0);
  Outputs o = drain(s);
  EXPECT_TRUE(is_result_to(o.sent().at(0), "add1"));
  auto co = o.of<out::ContentOffered>();
  ASSERT_EQ(co.size(), 1u);
  EXPECT_EQ(co[0].name, "v1");
  EXPECT_EQ(co[0].media, MediaType::kVideo);
  EXPECT_EQ(co[0].senders, Senders::kBoth);
  EXPECT_EQ(o.count<out::ConfigureMedia>(), 0u);
}

TEST(SessionAction, ContentAcceptSentConfiguresMedia) {
  Session s = incoming_active();
  s.handle_iq(
      parse(iq_set(kBob, kAlice, "add1",
                   jingle("content-add", "s1", video_content("initiator", "v1", "actpass")))),
      kT0);
  drain(s);
  ASSERT_TRUE(
      s.accept_content("v1", local_transport("aV1", "alicevideopassword01234", kFpAlice), kT0));
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 1u);
  EXPECT_EQ(action_of(o.sent()[0]), "content-accept");
  auto j = Jingle::from_xml(*jingle_of(o.sent()[0]));
  ASSERT_TRUE(j);
  EXPECT_EQ(j->contents.at(0).name, "v1");
  EXPECT_EQ(j->contents.at(0).description->payload_types.at(0).id, 100);
  EXPECT_EQ(j->contents.at(0).transport->fingerprint->setup,
            std::optional<jingle::Setup>(jingle::Setup::kActive));
  auto cm = o.of<out::ConfigureMedia>();
  ASSERT_EQ(cm.size(), 1u);
  ASSERT_EQ(cm[0].contents.size(), 2u);
  EXPECT_EQ(cm[0].contents[1].name, "v1");
  EXPECT_EQ(cm[0].contents[1].dtls_role, DtlsRole::kClient);
  EXPECT_EQ(cm[0].contents[1].remote_pwd, "bobvideopassword0123456");
  EXPECT_FALSE(s.accept_content("v1", LocalTransport{}, kT0));  // not waiting any more
}

TEST(SessionAction, ContentRejectSentRemovesTheOffer) {
  Session s = incoming_active();
  s.handle_iq(
      parse(iq_set(kBob, kAlice, "add1",
                   jingle("content-add", "s1", video_content("initiator", "v1", "actpass")))),
      kT0);
  drain(s);
  ASSERT_TRUE(s.reject_content("v1", kT0));
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 1u);
  EXPECT_EQ(action_of(o.sent()[0]), "content-reject");
  EXPECT_EQ(first_content(o.sent()[0])->attr_or("name", ""), "v1");
  auto rm = o.of<out::RemoveMedia>();
  ASSERT_EQ(rm.size(), 1u);
  EXPECT_EQ(rm[0].contents, std::vector<std::string>{"v1"});
  EXPECT_EQ(s.contents().size(), 1u);
}

TEST(SessionAction, ContentRejectReceivedRemovesOurContent) {
  Session s = outgoing_active();
  ASSERT_TRUE(s.add_content(
      local_content(MediaType::kVideo, local_transport("aV1", "alicevideopassword01234", kFpAlice),
                    0xB1),
      kT0));
  drain(s);
  s.handle_iq(parse(iq_set(kBob, kAlice, "cr1",
                           jingle("content-reject", "sa",
                                  "<content creator='initiator' name='video'/>"
                                  "<reason><decline/></reason>"))),
              kT0);
  Outputs o = drain(s);
  EXPECT_TRUE(is_result_to(o.sent().at(0), "cr1"));
  auto rm = o.of<out::RemoveMedia>();
  ASSERT_EQ(rm.size(), 1u);
  EXPECT_EQ(rm[0].contents, std::vector<std::string>{"video"});
  EXPECT_EQ(s.contents().size(), 1u);
  EXPECT_EQ(s.state(), State::kActive);
}

TEST(SessionAction, ContentModifySentChangesSenders) {
  Session s = outgoing_active();
  ASSERT_TRUE(s.modify_senders("audio", Senders::kInitiator, kT0));
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 1u);
  EXPECT_EQ(action_of(o.sent()[0]), "content-modify");
  EXPECT_EQ(first_content(o.sent()[0])->attr_or("senders", ""), "initiator");
  auto cm = o.of<out::ConfigureMedia>();
  ASSERT_EQ(cm.size(), 1u);
  EXPECT_TRUE(cm[0].contents.at(0).send);
  EXPECT_FALSE(cm[0].contents.at(0).receive);
}

TEST(SessionAction, ContentModifyReceivedChangesSenders) {
  Session s = outgoing_active();
  s.handle_iq(
      parse(iq_set(kBob, kAlice, "cm1",
                   jingle("content-modify", "sa",
                          "<content creator='initiator' name='audio' senders='responder'/>"))),
      kT0);
  Outputs o = drain(s);
  EXPECT_TRUE(is_result_to(o.sent().at(0), "cm1"));
  auto cm = o.of<out::ConfigureMedia>();
  ASSERT_EQ(cm.size(), 1u);
  EXPECT_FALSE(cm[0].contents.at(0).send);
  EXPECT_TRUE(cm[0].contents.at(0).receive);
}

Session outgoing_active_with_video() {
  Outputs init;
  Session s = outgoing(&init, true);
  const auto [vp8, rtx] = offered_vp8(init.sent().at(0));
  std::string accept = accept_audio();
  std::string video = video_content("initiator", "video", "active");
  video = replace_all(video, "id='100' name='VP8'", "id='" + vp8 + "' name='VP8'");
  video = replace_all(video, "<parameter name='apt' value='100'/>",
                      "<parameter name='apt' value='" + vp8 + "'/>");
  video = replace_all(video, "id='101' name='rtx'", "id='" + rtx + "' name='rtx'");
  accept = replace_all(accept, "<group ", video + "<group ");
  s.handle_iq(parse(iq_set(kBob, kAlice, "acc1", accept)), kT0);
  Outputs o = drain(s);
  EXPECT_EQ(s.state(), State::kActive)
      << (o.count<out::StateChanged>() ? o.of<out::StateChanged>()[0].reason->text.value_or("")
                                       : "");
  EXPECT_EQ(o.of<out::ConfigureMedia>().at(0).contents.size(), 2u);
  return s;
}

TEST(SessionAction, SessionAcceptReceivedBundledContentSharesTheGroupCredentials) {
  Outputs init;
  Session s = outgoing(&init, true);
  const auto [vp8, rtx] = offered_vp8(init.sent().at(0));
  std::string video = video_content("initiator", "video", "active");
  video = replace_all(video, "id='100' name='VP8'", "id='" + vp8 + "' name='VP8'");
  video = replace_all(video,
                      "<payload-type id='101' name='rtx' clockrate='90000'>"
                      "<parameter name='apt' value='100'/></payload-type>",
                      "");
  video = replace_all(video, " ufrag='bV1' pwd='bobvideopassword0123456'", "");
  std::string accept = replace_all(accept_audio(), "<group ", video + "<group ");
  accept = replace_all(accept, "<content name='audio'/></group>",
                       "<content name='audio'/><content name='video'/></group>");
  s.handle_iq(parse(iq_set(kBob, kAlice, "acc1", accept)), kT0);
  Outputs o = drain(s);
  auto cm = o.of<out::ConfigureMedia>();
  ASSERT_EQ(cm.size(), 1u);
  EXPECT_EQ(cm[0].bundle, (std::vector<std::string>{"audio", "video"}));
  ASSERT_EQ(cm[0].contents.size(), 2u);
  EXPECT_EQ(cm[0].contents[1].remote_ufrag, "bU2");
  EXPECT_EQ(cm[0].contents[1].remote_pwd, "bobpassword0123456789cd");
}

TEST(SessionAction, ContentRemoveSentRemovesMedia) {
  Session s = outgoing_active_with_video();
  ASSERT_TRUE(s.remove_content("video", kT0));
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 1u);
  EXPECT_EQ(action_of(o.sent()[0]), "content-remove");
  EXPECT_EQ(o.of<out::RemoveMedia>().at(0).contents, std::vector<std::string>{"video"});
  EXPECT_EQ(o.of<out::ConfigureMedia>().at(0).contents.size(), 1u);
  EXPECT_EQ(s.state(), State::kActive);
}

TEST(SessionAction, ContentRemoveReceivedRemovesMedia) {
  Session s = outgoing_active_with_video();
  s.handle_iq(
      parse(iq_set(kBob, kAlice, "rm1",
                   jingle("content-remove", "sa", "<content creator='initiator' name='video'/>"))),
      kT0);
  Outputs o = drain(s);
  EXPECT_TRUE(is_result_to(o.sent().at(0), "rm1"));
  EXPECT_EQ(o.of<out::RemoveMedia>().at(0).contents, std::vector<std::string>{"video"});
  EXPECT_EQ(s.contents().size(), 1u);
  EXPECT_EQ(s.state(), State::kActive);
}

TEST(SessionAction, ContentRemoveOfTheLastContentTerminates) {
  Session s = outgoing_active();
  s.handle_iq(
      parse(iq_set(kBob, kAlice, "rm1",
                   jingle("content-remove", "sa", "<content creator='initiator' name='audio'/>"))),
      kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 2u);
  EXPECT_TRUE(is_result_to(o.sent()[0], "rm1"));
  EXPECT_EQ(action_of(o.sent()[1]), "session-terminate");
  EXPECT_EQ(s.state(), State::kEnded);
}

TEST(SessionAction, DescriptionInfoReceivedReconfiguresMedia) {
  Session s = outgoing_active();
  s.handle_iq(
      parse(iq_set(kBob, kAlice, "di1",
                   jingle("description-info", "sa",
                          "<content creator='initiator' name='audio'>"
                          "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'>"
                          "<payload-type id='96' name='opus' clockrate='48000' channels='2' "
                          "ptime='40'><parameter name='maxaveragebitrate' value='20000'/>"
                          "</payload-type></description></content>"))),
      kT0);
  Outputs o = drain(s);
  EXPECT_TRUE(is_result_to(o.sent().at(0), "di1"));
  auto cm = o.of<out::ConfigureMedia>();
  ASSERT_EQ(cm.size(), 1u);
  const codecs::Codec& opus = cm[0].contents.at(0).codecs.codecs.at(0);
  EXPECT_EQ(opus.ptime, std::optional<std::uint32_t>(40));
  EXPECT_EQ(opus.parameter("maxaveragebitrate"), std::optional<std::string_view>("20000"));
}

TEST(SessionAction, TransportReplaceWithIceUdpIsAccepted) {
  Session s = outgoing_active();
  s.handle_iq(parse(iq_set(kBob, kAlice, "tr1",
                           transport_info("sa", "audio", "initiator",
                                          "ufrag='bU9' pwd='bobreplacedpassword01234'", ""))),
              kT0);
  drain(s);  // (that was a restart via transport-info; now a real transport-replace)
  std::string tr =
      transport_info("sa", "audio", "initiator", "ufrag='bUA' pwd='bobreplacedpassword56789'", "");
  tr = replace_all(tr, "transport-info", "transport-replace");
  s.handle_iq(parse(iq_set(kBob, kAlice, "tr2", tr)), kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 2u);
  EXPECT_TRUE(is_result_to(o.sent()[0], "tr2"));
  EXPECT_EQ(action_of(o.sent()[1]), "transport-accept");
  EXPECT_EQ(transport_of(o.sent()[1])->attr_or("ufrag", ""), "aU1");
  auto r = o.of<out::IceRestart>();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].ufrag, "bUA");
}

TEST(SessionAction, TransportReplaceWithOtherTransportIsRejected) {
  Session s = outgoing_active();
  s.handle_iq(parse(iq_set(kBob, kAlice, "tr1",
                           jingle("transport-replace", "sa",
                                  "<content creator='initiator' name='audio'>"
                                  "<transport xmlns='urn:xmpp:jingle:transports:raw-udp:1'/>"
                                  "</content>"))),
              kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 2u);
  EXPECT_TRUE(is_result_to(o.sent()[0], "tr1"));
  EXPECT_EQ(action_of(o.sent()[1]), "transport-reject");
  EXPECT_EQ(o.count<out::IceRestart>(), 0u);
  EXPECT_EQ(s.state(), State::kActive);
}

TEST(SessionAction, TransportAcceptAndRejectReceivedWithoutReplaceAreOutOfOrder) {
  for (const char* action : {"transport-accept", "transport-reject"}) {
    Session s = outgoing_active();
    s.handle_iq(parse(iq_set(kBob, kAlice, "x1",
                             jingle(action, "sa", "<content creator='initiator' name='audio'/>"))),
                kT0);
    Outputs o = drain(s);
    ASSERT_EQ(o.sent().size(), 1u);
    EXPECT_EQ(error_of(o.sent()[0]).jingle_child, "out-of-order") << action;
    EXPECT_EQ(s.state(), State::kActive);
  }
}

TEST(SessionAction, SecurityInfoIsAcknowledgedAndIgnored) {
  Session s = outgoing_active();
  s.handle_iq(
      parse(iq_set(kBob, kAlice, "si1",
                   jingle("security-info", "sa", "<content creator='initiator' name='audio'/>"))),
      kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.all.size(), 1u);
  EXPECT_TRUE(is_result_to(o.sent()[0], "si1"));
}

TEST(SessionAction, TransportConnectedActivatesTheResponderBeforeTheAck) {
  Session s = incoming_accepted();
  EXPECT_EQ(s.state(), State::kPending);
  s.transport_connected("a0", kT0);
  auto sc = drain(s).of<out::StateChanged>();
  ASSERT_EQ(sc.size(), 1u);
  EXPECT_EQ(sc[0].state, State::kActive);
}

TEST(SessionAction, TransportConnectedBeforeAcceptDoesNotActivate) {
  Session s = incoming();
  s.transport_connected("a0", kT0);
  EXPECT_FALSE(s.has_output());
  EXPECT_EQ(s.state(), State::kPending);
  Session o = outgoing();
  o.transport_connected("audio", kT0);
  EXPECT_FALSE(o.has_output());
  EXPECT_EQ(o.state(), State::kPending);
}

TEST(SessionAction, TransportFailedTerminatesWithFailedTransport) {
  Session s = outgoing_active();
  s.transport_failed("audio", "ICE checks failed", kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 1u);
  EXPECT_EQ(reason_condition(o.sent()[0]), "failed-transport");
  auto sc = o.of<out::StateChanged>();
  ASSERT_EQ(sc.size(), 1u);
  EXPECT_EQ(sc[0].reason->condition, Condition::kFailedTransport);
  EXPECT_NE(sc[0].reason->text->find("ICE checks failed"), std::string::npos);
}

// XEP-0320 §3: a DTLS peer whose certificate does not match the signaled fingerprint ends the
// session with <security-error/>.
TEST(SessionAction, TransportFailedWithSecurityErrorForAFingerprintMismatch) {
  Session s = outgoing_active();
  s.transport_failed("audio", "the peer's certificate does not match", kT0,
                     Condition::kSecurityError);
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 1u);
  EXPECT_EQ(reason_condition(o.sent()[0]), "security-error");
  auto sc = o.of<out::StateChanged>();
  ASSERT_EQ(sc.size(), 1u);
  EXPECT_EQ(sc[0].reason->condition, Condition::kSecurityError);
  EXPECT_NE(sc[0].reason->text->find("does not match"), std::string::npos);
}

TEST(SessionAction, RestartIceSendsNewCredentials) {
  Session s = outgoing_active();
  s.restart_ice("audio", local_transport("aU2", "alicenewpassword0123456", kFpAlice), kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 1u);
  EXPECT_EQ(action_of(o.sent()[0]), "transport-info");
  EXPECT_EQ(transport_of(o.sent()[0])->attr_or("ufrag", ""), "aU2");
  EXPECT_EQ(transport_of(o.sent()[0])->attr_or("pwd", ""), "alicenewpassword0123456");
  const xml::Element* fp = transport_of(o.sent()[0])->child("fingerprint", ns::kDtls);
  ASSERT_NE(fp, nullptr);
  EXPECT_EQ(fp->attr_or("setup", ""), "passive");  // our negotiated role (server)
}

TEST(SessionAction, SendInfoAfterEndIsRefused) {
  Session s = outgoing_active();
  s.terminate(Condition::kSuccess, std::nullopt, kT0);
  drain(s);
  EXPECT_FALSE(s.send_info(RtpInfo{}, kT0));
  EXPECT_FALSE(s.add_content(LocalContent{}, kT0));
  EXPECT_FALSE(s.has_output());
}

// =============================================================================================
// Errors (XEP-0166 §8 and the session's own)
// =============================================================================================

TEST(SessionError, UnknownSessionForAnotherSid) {
  Session s = outgoing_active();
  s.handle_iq(parse(iq_set(kBob, kAlice, "x1", jingle("session-info", "other", ""))), kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.all.size(), 1u);
  const StanzaError e = error_of(o.sent()[0]);
  EXPECT_EQ(e.condition, "item-not-found");
  EXPECT_EQ(e.jingle_child, "unknown-session");
  EXPECT_EQ(o.sent()[0].attr_or("id", ""), "x1");
  EXPECT_EQ(s.state(), State::kActive);
}

TEST(SessionError, UnknownSessionAfterEnded) {
  Session s = outgoing_active();
  s.terminate(Condition::kSuccess, std::nullopt, kT0);
  drain(s);
  s.handle_iq(parse(iq_set(kBob, kAlice, "x1",
                           transport_info("sa", "audio", "initiator", "ufrag='bU2'", kCandidate))),
              kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.all.size(), 1u);
  EXPECT_EQ(error_of(o.sent()[0]).jingle_child, "unknown-session");
  EXPECT_EQ(s.state(), State::kEnded);
}

TEST(SessionError, OutOfOrderSessionAcceptFromTheInitiator) {
  Session s = incoming();
  std::string acc = replace_all(accept_audio(), "sid='sa'", "sid='s1'");
  s.handle_iq(parse(iq_set(kBob, kAlice, "x1", acc)), kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.all.size(), 1u);
  const StanzaError e = error_of(o.sent()[0]);
  EXPECT_EQ(e.condition, "unexpected-request");
  EXPECT_EQ(e.jingle_child, "out-of-order");
  EXPECT_EQ(s.state(), State::kPending);
}

TEST(SessionError, OutOfOrderSecondSessionAccept) {
  Session s = outgoing_active();
  s.handle_iq(parse(iq_set(kBob, kAlice, "acc2", accept_audio())), kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.all.size(), 1u);
  EXPECT_EQ(error_of(o.sent()[0]).jingle_child, "out-of-order");
}

TEST(SessionError, OutOfOrderSecondSessionInitiate) {
  Session s = incoming();
  s.handle_iq(parse(iq_set(kBob, kAlice, "in2", offer_audio())), kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.all.size(), 1u);
  EXPECT_EQ(error_of(o.sent()[0]).jingle_child, "out-of-order");
  EXPECT_EQ(s.state(), State::kPending);
}

TEST(SessionError, OutOfOrderTransportInfoBeforeSessionInitiate) {
  Session s = Session::incoming(
      make_config(kAlice, kBob, "a"),
      parse(iq_set(kBob, kAlice, "x1",
                   transport_info("s9", "a0", "initiator", "ufrag='u'", kCandidate))),
      kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 1u);
  const StanzaError e = error_of(o.sent()[0]);
  EXPECT_EQ(e.condition, "unexpected-request");
  EXPECT_EQ(e.jingle_child, "out-of-order");
  EXPECT_EQ(s.state(), State::kEnded);
}

TEST(SessionError, OutOfOrderContentAcceptWithoutContentAdd) {
  Session s = outgoing_active();
  s.handle_iq(
      parse(iq_set(kBob, kAlice, "x1",
                   jingle("content-accept", "sa", video_content("initiator", "video", "active")))),
      kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.all.size(), 1u);
  EXPECT_EQ(error_of(o.sent()[0]).jingle_child, "out-of-order");
  EXPECT_EQ(s.contents().size(), 1u);
}

TEST(SessionError, OutOfOrderContentRejectWithoutContentAdd) {
  Session s = outgoing_active();
  s.handle_iq(
      parse(iq_set(kBob, kAlice, "x1",
                   jingle("content-reject", "sa", "<content creator='initiator' name='audio'/>"))),
      kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.all.size(), 1u);
  EXPECT_EQ(error_of(o.sent()[0]).jingle_child, "out-of-order");
  EXPECT_EQ(s.contents().size(), 1u);
}

TEST(SessionError, OutOfOrderContentAddWhilePending) {
  Session s = incoming();
  s.handle_iq(
      parse(iq_set(kBob, kAlice, "x1",
                   jingle("content-add", "s1", video_content("initiator", "v1", "actpass")))),
      kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.all.size(), 1u);
  EXPECT_EQ(error_of(o.sent()[0]).jingle_child, "out-of-order");
}

TEST(SessionError, TieBreakInitiatorRefusesTheResponderContentAdd) {
  Session s = outgoing_active();
  ASSERT_TRUE(s.add_content(
      local_content(MediaType::kVideo, local_transport("aV1", "alicevideopassword01234", kFpAlice),
                    0xB1),
      kT0));
  drain(s);
  s.handle_iq(
      parse(iq_set(kBob, kAlice, "add9",
                   jingle("content-add", "sa", video_content("responder", "v-bob", "actpass")))),
      kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.all.size(), 1u);
  const StanzaError e = error_of(o.sent()[0]);
  EXPECT_EQ(e.condition, "conflict");
  EXPECT_EQ(e.jingle_child, "tie-break");
  EXPECT_EQ(s.contents().size(), 2u);  // audio + our pending video
}

TEST(SessionError, TieBreakResponderYieldsToTheInitiatorContentAdd) {
  Session s = incoming_active();
  ASSERT_TRUE(s.add_content(
      local_content(MediaType::kVideo, local_transport("aV1", "alicevideopassword01234", kFpAlice),
                    0xB1),
      kT0));
  Outputs mine = drain(s);
  const std::string my_add(mine.sent().at(0).attr_or("id", ""));
  s.handle_iq(
      parse(iq_set(kBob, kAlice, "add1",
                   jingle("content-add", "s1", video_content("initiator", "v1", "actpass")))),
      kT0);
  Outputs o = drain(s);
  EXPECT_TRUE(is_result_to(o.sent().at(0), "add1"));
  EXPECT_EQ(o.of<out::RemoveMedia>().at(0).contents, std::vector<std::string>{"video"});
  EXPECT_EQ(o.of<out::ContentOffered>().at(0).name, "v1");
  // The initiator's tie-break error for our content-add changes nothing more.
  s.handle_iq(parse(iq_answer(kBob, kAlice, my_add, "error",
                              "<error type='cancel'><conflict "
                              "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><tie-break "
                              "xmlns='urn:xmpp:jingle:errors:1'/></error>")),
              kT0);
  EXPECT_FALSE(s.has_output());
  EXPECT_EQ(s.state(), State::kActive);
  EXPECT_TRUE(
      s.accept_content("v1", local_transport("aV1", "alicevideopassword01234", kFpAlice), kT0));
}

TEST(SessionError, UnsupportedInfoForAnUnknownSessionInfoPayload) {
  Session s = outgoing_active();
  s.handle_iq(parse(iq_set(kBob, kAlice, "x1",
                           jingle("session-info", "sa", "<dance xmlns='urn:example:party'/>"))),
              kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.all.size(), 1u);
  const StanzaError e = error_of(o.sent()[0]);
  EXPECT_EQ(e.condition, "feature-not-implemented");
  EXPECT_EQ(e.jingle_child, "unsupported-info");
  EXPECT_EQ(s.state(), State::kActive);
}

TEST(SessionError, WrongSenderGetsItemNotFoundAndChangesNothing) {
  Session s = outgoing_active();
  s.handle_iq(parse(iq_set(kMallory, kAlice, "x1",
                           jingle("session-terminate", "sa", "<reason><success/></reason>"))),
              kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.all.size(), 1u);
  const StanzaError e = error_of(o.sent()[0]);
  EXPECT_EQ(e.condition, "item-not-found");
  EXPECT_EQ(o.sent()[0].attr_or("to", ""), kMallory);
  EXPECT_EQ(s.state(), State::kActive);
  // Another resource of the peer is not the peer either.
  s.handle_iq(parse(iq_set("bob@example.com/other", kAlice, "x2",
                           jingle("session-terminate", "sa", "<reason><success/></reason>"))),
              kT0);
  EXPECT_EQ(error_of(drain(s).sent().at(0)).condition, "item-not-found");
  EXPECT_EQ(s.state(), State::kActive);
}

TEST(SessionError, WrongSenderAnswerToOurIqIsIgnored) {
  Session s = outgoing();
  s.handle_iq(parse(iq_answer(kMallory, kAlice, "a1", "error",
                              "<error type='cancel'><service-unavailable "
                              "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>")),
              kT0);
  EXPECT_FALSE(s.has_output());
  EXPECT_EQ(s.state(), State::kPending);
  EXPECT_TRUE(s.owns_iq_id("a1"));
}

TEST(SessionError, WrongSenderOfSessionInitiateIsRefused) {
  Session s = Session::incoming(make_config(kAlice, kBob, "a"),
                                parse(iq_set(kMallory, kAlice, "in1", offer_audio())), kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 1u);
  EXPECT_EQ(error_of(o.sent()[0]).condition, "item-not-found");
  EXPECT_EQ(s.state(), State::kEnded);
}

TEST(SessionError, BadRequestForAMalformedPayloadLeavesTheSessionUnchanged) {
  Session s = outgoing_active();
  s.handle_iq(
      parse(iq_set(kBob, kAlice, "x1",
                   transport_info("sa", "audio", "initiator", "ufrag='bU2'",
                                  "<candidate component='1' foundation='1' ip='192.0.2.7' "
                                  "port='http' priority='1' protocol='udp' type='host'/>"))),
      kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.all.size(), 1u);
  const StanzaError e = error_of(o.sent()[0]);
  EXPECT_EQ(e.condition, "bad-request");
  EXPECT_FALSE(e.text.empty());
  EXPECT_EQ(s.state(), State::kActive);
}

TEST(SessionError, BadRequestForUnknownContent) {
  Session s = outgoing_active();
  s.handle_iq(parse(iq_set(kBob, kAlice, "x1",
                           transport_info("sa", "nope", "initiator", "ufrag='bU2'", kCandidate))),
              kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.all.size(), 1u);
  EXPECT_EQ(error_of(o.sent()[0]).condition, "bad-request");
}

TEST(SessionError, BadRequestForAMalformedSessionInitiateEndsTheIncomingSession) {
  std::string bad = replace_all(offer_audio(), "clockrate='8000'", "clockrate='fast'");
  Session s = Session::incoming(make_config(kAlice, kBob, "a"),
                                parse(iq_set(kBob, kAlice, "in1", bad)), kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 1u);
  EXPECT_EQ(error_of(o.sent()[0]).condition, "bad-request");
  EXPECT_EQ(s.state(), State::kEnded);
  EXPECT_EQ(o.of<out::StateChanged>().at(0).state, State::kEnded);
}

void expect_incoming_terminated(const std::string& offer, const char* condition) {
  Outputs o;
  Session s = incoming(offer, &o);
  ASSERT_EQ(o.sent().size(), 2u) << condition;
  EXPECT_TRUE(is_result_to(o.sent()[0], "in1"));
  EXPECT_EQ(action_of(o.sent()[1]), "session-terminate");
  EXPECT_EQ(reason_condition(o.sent()[1]), condition);
  EXPECT_EQ(s.state(), State::kEnded);
  auto sc = o.of<out::StateChanged>();
  ASSERT_EQ(sc.size(), 1u);
  EXPECT_FALSE(sc[0].reason->text.value_or("").empty());
}

TEST(SessionError, UnsupportedApplicationsTerminatesTheIncomingSession) {
  std::string offer = replace_all(offer_audio(), "urn:xmpp:jingle:apps:rtp:1",
                                  "urn:xmpp:jingle:apps:file-transfer:5");
  expect_incoming_terminated(offer, "unsupported-applications");
}

TEST(SessionError, UnsupportedTransportsTerminatesTheIncomingSession) {
  std::string offer = replace_all(offer_audio(), "urn:xmpp:jingle:transports:ice-udp:1",
                                  "urn:xmpp:jingle:transports:raw-udp:1");
  expect_incoming_terminated(offer, "unsupported-transports");
}

TEST(SessionError, IncompatibleParametersWhenNoCodecIsCommon) {
  std::string offer = replace_all(offer_audio(), "name='opus'", "name='speex'");
  offer = replace_all(offer, "name='PCMU'", "name='GSM'");
  expect_incoming_terminated(offer, "incompatible-parameters");
}

TEST(SessionError, IncompatibleParametersWhenTheAnswerIsNotInTheOffer) {
  Session s = outgoing();
  std::string acc = replace_all(accept_audio(), "name='opus'", "name='speex'");
  acc = replace_all(acc, "<payload-type id='0' name='PCMU' clockrate='8000'/>", "");
  s.handle_iq(parse(iq_set(kBob, kAlice, "acc1", acc)), kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 2u);
  EXPECT_TRUE(is_result_to(o.sent()[0], "acc1"));
  EXPECT_EQ(reason_condition(o.sent()[1]), "incompatible-parameters");
  EXPECT_EQ(s.state(), State::kEnded);
  EXPECT_EQ(o.count<out::ConfigureMedia>(), 0u);
}

TEST(SessionError, SecurityErrorWhenTheOfferHasNoFingerprint) {
  std::string offer = offer_audio();
  const auto b = offer.find("<fingerprint");
  const auto e = offer.find("</fingerprint>") + std::string_view("</fingerprint>").size();
  offer.erase(b, e - b);
  expect_incoming_terminated(offer, "security-error");
}

TEST(SessionError, SecurityErrorWhenTheAnswerHasNoFingerprint) {
  Session s = outgoing();
  s.handle_iq(parse(iq_set(kBob, kAlice, "acc1", accept_audio(""))), kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 2u);
  EXPECT_EQ(reason_condition(o.sent()[1]), "security-error");
  EXPECT_EQ(s.state(), State::kEnded);
}

TEST(SessionError, IqTimeoutOfSessionInitiateTerminatesWithTimeout) {
  Session s = outgoing();
  ASSERT_EQ(s.next_deadline(), std::optional<TimePoint>(kT0 + seconds(30)));
  s.on_timer(kT0 + seconds(29));
  EXPECT_FALSE(s.has_output());
  s.on_timer(kT0 + seconds(30));
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 1u);
  EXPECT_EQ(reason_condition(o.sent()[0]), "timeout");
  auto sc = o.of<out::StateChanged>();
  ASSERT_EQ(sc.size(), 1u);
  EXPECT_NE(sc[0].reason->text->find("session-initiate"), std::string::npos);
  EXPECT_FALSE(s.next_deadline());
}

TEST(SessionError, IqTimeoutOfSessionAcceptTerminatesWithTimeout) {
  Session s = incoming_accepted();
  ASSERT_TRUE(s.next_deadline());
  s.on_timer(*s.next_deadline());
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 1u);
  EXPECT_EQ(reason_condition(o.sent()[0]), "timeout");
  EXPECT_EQ(s.state(), State::kEnded);
}

TEST(SessionError, PeerErrorToSessionInitiateEndsWithoutTerminate) {
  Session s = outgoing();
  s.handle_iq(
      parse(iq_answer(kBob, kAlice, "a1", "error",
                      "<error type='cancel'><feature-not-implemented "
                      "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><unsupported-transports "
                      "xmlns='urn:xmpp:jingle:errors:1'/></error>")),
      kT0);
  Outputs o = drain(s);
  EXPECT_TRUE(o.sent().empty());
  auto sc = o.of<out::StateChanged>();
  ASSERT_EQ(sc.size(), 1u);
  EXPECT_EQ(sc[0].state, State::kEnded);
  EXPECT_EQ(sc[0].reason->condition, Condition::kUnsupportedTransports);
  EXPECT_NE(sc[0].reason->text->find("feature-not-implemented"), std::string::npos);
}

TEST(SessionError, PeerErrorToSessionAcceptTerminates) {
  Outputs acc;
  Session s = incoming_accepted(&acc);
  const std::string id(acc.sent().at(0).attr_or("id", ""));
  s.handle_iq(parse(iq_answer(kBob, kAlice, id, "error",
                              "<error type='cancel'><bad-request "
                              "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>")),
              kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 1u);
  EXPECT_EQ(action_of(o.sent()[0]), "session-terminate");
  EXPECT_EQ(s.state(), State::kEnded);
}

TEST(SessionError, RingTimeoutTerminatesWithTimeout) {
  Session s = outgoing();
  s.handle_iq(parse(iq_answer(kBob, kAlice, "a1", "result")), kT0);  // ringing, no accept
  ASSERT_EQ(s.next_deadline(), std::optional<TimePoint>(kT0 + seconds(60)));
  s.on_timer(kT0 + seconds(59));
  EXPECT_FALSE(s.has_output());
  s.on_timer(kT0 + seconds(60));
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 1u);
  EXPECT_EQ(reason_condition(o.sent()[0]), "timeout");
  EXPECT_EQ(s.state(), State::kEnded);
  EXPECT_NE(o.of<out::StateChanged>().at(0).reason->text->find("did not answer"),
            std::string::npos);
}

TEST(SessionError, AcceptWithTheWrongNumberOfTransportsIsRefused) {
  Session s = incoming();
  EXPECT_FALSE(s.accept({}, kT0));
  EXPECT_FALSE(s.has_output());
  EXPECT_EQ(s.state(), State::kPending);
}

}  // namespace
}  // namespace jcall::signaling::jingle::test
