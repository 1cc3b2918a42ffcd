// XEP-0166 with a real peer's stanzas: jcall answers the StanzaJS 12.22.1 session-initiates of
// ../shared/interop/stanzajs/captures and follows the rest of the captured exchange (trickled
// transport-info with ufrag only, the non-standard <gathering-complete/>, session-terminate).
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "session_support.hpp"

namespace jcall::signaling::jingle::test {
namespace {

constexpr const char* kStanzaAlice = "alice@localhost/stanzajs-880f35";
constexpr const char* kJcallBob = "bob@localhost/selftest";

// A captured frame as the server would deliver it: with the sender's 'from'.
xml::Element capture(const std::string& dir, const std::string& file) {
  std::ifstream in(std::string(JCALL_CAPTURES_DIR) + "/" + dir + "/" + file);
  EXPECT_TRUE(in.good()) << dir << "/" << file;
  std::stringstream ss;
  ss << in.rdbuf();
  xml::Element e = parse(ss.str());
  e.set_attr("from", kStanzaAlice);
  return e;
}

LocalTransport bob_transport(const std::string& name) {
  return local_transport("jb" + name, "jcall-bob-password-" + name + "-0123", kFpBob);
}

TEST(SessionStanzaJs, DirectAudioVideoCallIsAnsweredAndFollowed) {
  const xml::Element initiate = capture("direct", "01-alice-session-initiate.xml");
  auto offer = Jingle::from_xml(*jingle_of(initiate));
  ASSERT_TRUE(offer);
  ASSERT_EQ(offer->contents.size(), 2u);
  const Content& offered_audio = offer->contents[0];
  const Content& offered_video = offer->contents[1];

  Session s = Session::incoming(make_config(kJcallBob, kStanzaAlice, "b"), initiate, kT0);
  Outputs o = drain(s);
  ASSERT_EQ(o.sent().size(), 1u);
  EXPECT_TRUE(is_result_to(o.sent()[0], std::string(initiate.attr_or("id", ""))));
  EXPECT_EQ(s.sid(), offer->sid);
  ASSERT_EQ(s.contents().size(), 2u);

  ASSERT_TRUE(s.accept({bob_transport("0"), bob_transport("1")}, kT0));
  o = drain(s);
  ASSERT_EQ(o.sent().size(), 1u);
  auto answer = Jingle::from_xml(*jingle_of(o.sent()[0]));
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->action, Action::kSessionAccept);
  ASSERT_EQ(answer->contents.size(), 2u);
  // Audio: Opus at StanzaJS's number; video: VP8 (first preference) at StanzaJS's number.
  auto offered_id = [](const Content& c, std::string_view name) {
    for (const auto& pt : c.description->payload_types) {
      if (pt.name == name) {
        return static_cast<int>(pt.id);
      }
    }
    return -1;
  };
  const Content& audio = answer->contents[0];
  EXPECT_EQ(audio.name, "0");
  EXPECT_EQ(audio.creator, Creator::kInitiator);
  EXPECT_EQ(audio.description->payload_types.at(0).name, "opus");
  EXPECT_EQ(audio.description->payload_types.at(0).id, offered_id(offered_audio, "opus"));
  const Content& video = answer->contents[1];
  EXPECT_EQ(video.description->payload_types.at(0).name, "VP8");
  EXPECT_EQ(video.description->payload_types.at(0).id, offered_id(offered_video, "VP8"));
  for (const Content& c : answer->contents) {
    EXPECT_TRUE(c.description->rtcp_mux);  // Chromium requires it
    ASSERT_TRUE(c.transport && c.transport->fingerprint);
    EXPECT_EQ(c.transport->fingerprint->setup,
              std::optional<jingle::Setup>(jingle::Setup::kActive));
  }
  ASSERT_EQ(answer->groups.size(), 1u);
  EXPECT_EQ(answer->groups[0].contents, (std::vector<std::string>{"0", "1"}));

  auto cm = o.of<out::ConfigureMedia>();
  ASSERT_EQ(cm.size(), 1u);
  EXPECT_EQ(cm[0].bundle, (std::vector<std::string>{"0", "1"}));
  for (std::size_t i = 0; i < 2; ++i) {
    const NegotiatedContent& n = cm[0].contents.at(i);
    EXPECT_EQ(n.dtls_role, DtlsRole::kClient);
    EXPECT_EQ(n.remote_fingerprint.value, offer->contents[i].transport->fingerprint->value);
    EXPECT_EQ(n.remote_ufrag, offer->contents[i].transport->ufrag.value_or(""));
    EXPECT_EQ(n.remote_pwd, offer->contents[i].transport->pwd.value_or(""));
    EXPECT_FALSE(n.remote_sources.empty());
  }

  // StanzaJS acknowledges the accept.
  s.handle_iq(parse(iq_answer(kStanzaAlice, kJcallBob, std::string(o.sent()[0].attr_or("id", "")),
                              "result")),
              kT0);
  EXPECT_EQ(s.state(), State::kActive);
  drain(s);

  // Trickled candidate: ufrag only, no pwd. Not an ICE restart.
  const xml::Element cand = capture("direct", "04-alice-transport-info-candidate.xml");
  s.handle_iq(cand, kT0);
  o = drain(s);
  EXPECT_TRUE(is_result_to(o.sent().at(0), std::string(cand.attr_or("id", ""))));
  EXPECT_EQ(o.count<out::IceRestart>(), 0u);
  auto rc = o.of<out::RemoteCandidates>();
  ASSERT_EQ(rc.size(), 1u);
  EXPECT_EQ(rc[0].content, "0");
  ASSERT_EQ(rc[0].candidates.size(), 1u);
  EXPECT_EQ(rc[0].candidates[0].ip, "127.0.0.1");
  EXPECT_FALSE(rc[0].end_of_candidates);

  const xml::Element done = capture("direct", "06-alice-transport-info-end-of-candidates.xml");
  s.handle_iq(done, kT0);
  o = drain(s);
  EXPECT_EQ(o.count<out::IceRestart>(), 0u);
  rc = o.of<out::RemoteCandidates>();
  ASSERT_EQ(rc.size(), 1u);
  EXPECT_TRUE(rc[0].end_of_candidates);

  const xml::Element bye = capture("direct", "08-alice-session-terminate.xml");
  s.handle_iq(bye, kT0);
  o = drain(s);
  EXPECT_TRUE(is_result_to(o.sent().at(0), std::string(bye.attr_or("id", ""))));
  auto sc = o.of<out::StateChanged>();
  ASSERT_EQ(sc.size(), 1u);
  EXPECT_EQ(sc[0].state, State::kEnded);
  EXPECT_TRUE(sc[0].by_peer);
  EXPECT_EQ(sc[0].reason->condition, Condition::kSuccess);
}

TEST(SessionStanzaJs, AudioOnlyJmiCallIsAnswered) {
  const xml::Element initiate = capture("jmi-audio-only", "04-alice-session-initiate.xml");
  Session s = Session::incoming(make_config(kJcallBob, kStanzaAlice, "b"), initiate, kT0);
  drain(s);
  ASSERT_EQ(s.contents().size(), 1u);
  ASSERT_TRUE(s.accept({bob_transport("0")}, kT0));
  Outputs o = drain(s);
  auto answer = Jingle::from_xml(*jingle_of(o.sent().at(0)));
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->contents.size(), 1u);
  EXPECT_EQ(answer->contents[0].description->payload_types.at(0).name, "opus");
  EXPECT_EQ(answer->contents[0].description->payload_types.at(0).id, 111);
  // The answer round-trips through the serializer and parser unchanged.
  auto again = Jingle::from_xml(parse(xml::to_string(*jingle_of(o.sent()[0]))));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *answer);
}

}  // namespace
}  // namespace jcall::signaling::jingle::test
