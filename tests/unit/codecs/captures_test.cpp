// jcall's answers to real offers: the StanzaJS (Chrome) session-initiate captures in
// ../shared/interop/stanzajs/captures, parsed with the Jingle models (XEP-0167 §5), answered
// with answer_offer (RFC 3264 §6); and StanzaJS's own session-accept checked with apply_answer
// as if jcall had sent that offer.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "codecs/catalog.hpp"
#include "codecs/offer_answer.hpp"
#include "signaling/jingle/jingle.hpp"
#include "signaling/xml/parser.hpp"

namespace jcall::codecs {
namespace {

namespace jingle = signaling::jingle;
namespace xml = signaling::xml;

std::string read_capture(const std::string& relative) {
  std::ifstream in(std::string(JCALL_CAPTURES_DIR) + "/" + relative, std::ios::binary);
  EXPECT_TRUE(in) << relative;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The <jingle/> of a captured IQ, parsed.
jingle::Jingle parse_jingle(const std::string& relative) {
  const auto iq = xml::parse_element(read_capture(relative));
  EXPECT_TRUE(iq) << relative << ": " << (iq ? "" : iq.error().describe());
  if (!iq) {
    return {};
  }
  const xml::Element* j = iq->child("jingle", "urn:xmpp:jingle:1");
  EXPECT_NE(j, nullptr) << relative;
  if (j == nullptr) {
    return {};
  }
  auto parsed = jingle::Jingle::from_xml(*j);
  EXPECT_TRUE(parsed) << relative << ": " << (parsed ? "" : parsed.error().describe());
  return parsed ? std::move(*parsed) : jingle::Jingle{};
}

const jingle::RtpDescription* description(const jingle::Jingle& j, MediaType media) {
  for (const jingle::Content& c : j.contents) {
    if (c.description && c.description->media_type() == media) {
      return &*c.description;
    }
  }
  return nullptr;
}

const Codec* find_pt(const std::vector<Codec>& codecs, std::uint8_t id) {
  for (const Codec& c : codecs) {
    if (c.id == id) {
      return &c;
    }
  }
  return nullptr;
}

std::vector<std::string> summary(const std::vector<Codec>& codecs) {
  std::vector<std::string> out;
  for (const Codec& c : codecs) {
    std::string s = std::to_string(c.id) + ":" + c.name + "/" + std::to_string(c.clock_rate);
    if (const auto apt = c.parameter("apt")) {
      s += " apt=" + std::string(*apt);
    }
    out.push_back(s);
  }
  return out;
}

const std::vector<RtcpFb> kVideoFeedbackAsOffered{{"goog-remb", ""},
                                                  {"transport-cc", ""},
                                                  {"ccm", "fir"},
                                                  {"nack", ""},
                                                  {"nack", "pli"}};

struct Capture {
  const char* name;
  const char* file;
};

std::string capture_name(const ::testing::TestParamInfo<Capture>& i) {
  return i.param.name;
}

class CaptureAnswer : public ::testing::TestWithParam<Capture> {};
class CaptureVideoAnswer : public ::testing::TestWithParam<Capture> {};

TEST_P(CaptureAnswer, AudioIsOpusFirstWithTransportCc) {
  const jingle::Jingle j = parse_jingle(GetParam().file);
  const jingle::RtpDescription* audio = description(j, MediaType::kAudio);
  ASSERT_NE(audio, nullptr);
  const auto a = answer_offer(MediaType::kAudio, audio->payload_types, audio->header_extensions,
                              Preferences{});
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_EQ(summary(a->codecs),
            (std::vector<std::string>{"111:opus/48000", "9:G722/8000", "0:PCMU/8000", "8:PCMA/8000",
                                      "110:telephone-event/48000", "126:telephone-event/8000"}));
  EXPECT_EQ(a->codecs[0].rtcp_fb, (std::vector<RtcpFb>{{"transport-cc", ""}}));
  EXPECT_EQ(a->codecs[0].channels, 2u);
  EXPECT_EQ(find_pt(a->codecs, 63), nullptr);  // red
  EXPECT_EQ(find_pt(a->codecs, 13), nullptr);  // CN: not wanted by default
  std::vector<std::string> exts;
  for (const HeaderExtension& x : a->header_extensions) {
    exts.push_back(std::to_string(x.id) + " " + x.uri);
  }
  EXPECT_EQ(exts, (std::vector<std::string>{
                      "1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
                      "2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
                      "3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
                      "4 urn:ietf:params:rtp-hdrext:sdes:mid"}));
}

TEST(CaptureAudioOnly, HasNoVideo) {
  const jingle::Jingle j = parse_jingle("jmi-audio-only/04-alice-session-initiate.xml");
  EXPECT_NE(description(j, MediaType::kAudio), nullptr);
  EXPECT_EQ(description(j, MediaType::kVideo), nullptr);
}

TEST_P(CaptureVideoAnswer, VideoIsVp8ByDefaultWithItsRtx) {
  const jingle::Jingle j = parse_jingle(GetParam().file);
  const jingle::RtpDescription* video = description(j, MediaType::kVideo);
  ASSERT_NE(video, nullptr);
  const auto a = answer_offer(MediaType::kVideo, video->payload_types, video->header_extensions,
                              Preferences{});
  ASSERT_TRUE(a) << a.error().describe();
  // VP8 96, VP9 profile 0 98 and profile 2 100, H.264 Constrained Baseline packetization-mode 1
  // is 108 and Main mode 1 is 116 (102 is Baseline, 104/114 mode 0, 39 Main mode 0); each with
  // the rtx the offer pairs with it.
  EXPECT_EQ(summary(a->codecs),
            (std::vector<std::string>{"96:VP8/90000", "98:VP9/90000", "100:VP9/90000",
                                      "108:H264/90000", "116:H264/90000", "97:rtx/90000 apt=96",
                                      "99:rtx/90000 apt=98", "101:rtx/90000 apt=100",
                                      "109:rtx/90000 apt=108", "117:rtx/90000 apt=116"}));
  EXPECT_EQ(a->codecs[4].parameter("profile-level-id"), "4d001f");
  EXPECT_EQ(a->codecs[0].rtcp_fb, kVideoFeedbackAsOffered);
  EXPECT_EQ(a->codecs[3].rtcp_fb, kVideoFeedbackAsOffered);
  EXPECT_EQ(a->codecs[3].parameter("profile-level-id"), "42e01f");
  EXPECT_EQ(a->codecs[3].parameter("packetization-mode"), "1");
  EXPECT_EQ(a->codecs[2].parameter("profile-id"), "2");
  for (const std::uint8_t declined : {118, 119, 120, 45, 46}) {  // red, ulpfec, AV1
    EXPECT_EQ(find_pt(a->codecs, declined), nullptr) << int(declined);
  }
  std::vector<int> ids;
  for (const HeaderExtension& x : a->header_extensions) {
    ids.push_back(x.id);
  }
  EXPECT_EQ(ids, (std::vector<int>{2, 3, 4}));  // abs-send-time, twcc, mid (not orientation)
}

TEST_P(CaptureVideoAnswer, VideoIsH264WhenPreferred) {
  const jingle::Jingle j = parse_jingle(GetParam().file);
  const jingle::RtpDescription* video = description(j, MediaType::kVideo);
  ASSERT_NE(video, nullptr);
  Preferences p;
  p.video = {"H264", "VP8"};
  const auto a = answer_offer(MediaType::kVideo, video->payload_types, video->header_extensions, p);
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_EQ(summary(a->codecs),
            (std::vector<std::string>{"108:H264/90000", "116:H264/90000", "96:VP8/90000",
                                      "109:rtx/90000 apt=108", "117:rtx/90000 apt=116",
                                      "97:rtx/90000 apt=96"}));
  EXPECT_EQ(a->codecs[0].rtcp_fb, kVideoFeedbackAsOffered);
  p.video = {"H264"};
  p.rtx = false;
  const auto only = answer_offer(MediaType::kVideo, video->payload_types, {}, p);
  ASSERT_TRUE(only) << only.error().describe();
  EXPECT_EQ(summary(only->codecs), (std::vector<std::string>{"108:H264/90000", "116:H264/90000"}));
}

TEST_P(CaptureVideoAnswer, NoCommonVideoCodecNamesTheOffer) {
  const jingle::Jingle j = parse_jingle(GetParam().file);
  const jingle::RtpDescription* video = description(j, MediaType::kVideo);
  ASSERT_NE(video, nullptr);
  std::vector<Codec> without_ours;
  for (const Codec& c : video->payload_types) {
    if (c.name != "VP8" && c.name != "VP9" && c.name != "H264") {
      without_ours.push_back(c);
    }
  }
  const auto a = answer_offer(MediaType::kVideo, without_ours, {}, Preferences{});
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("AV1/90000"), std::string::npos) << a.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    StanzaJs,
    CaptureAnswer,
    ::testing::Values(Capture{"JmiAudioOnly", "jmi-audio-only/04-alice-session-initiate.xml"},
                      Capture{"Jmi", "jmi/04-alice-session-initiate.xml"},
                      Capture{"Direct", "direct/01-alice-session-initiate.xml"}),
    capture_name);
INSTANTIATE_TEST_SUITE_P(StanzaJs,
                         CaptureVideoAnswer,
                         ::testing::Values(Capture{"Jmi", "jmi/04-alice-session-initiate.xml"},
                                           Capture{"Direct",
                                                   "direct/01-alice-session-initiate.xml"}),
                         capture_name);

// StanzaJS's session-accept answers StanzaJS's offer: apply_answer takes it as a valid answer
// to that offer (payload types a subset, rtx paired as offered).
TEST(CaptureApplyAnswer, StanzaJsAcceptIsAValidAnswer) {
  for (const auto& [offer_file, accept_file] :
       {std::pair{"direct/01-alice-session-initiate.xml", "direct/03-bob-session-accept.xml"},
        std::pair{"jmi/04-alice-session-initiate.xml", "jmi/05-bob-session-accept.xml"},
        std::pair{"jmi-audio-only/04-alice-session-initiate.xml",
                  "jmi-audio-only/05-bob-session-accept.xml"}}) {
    const jingle::Jingle offer = parse_jingle(offer_file);
    const jingle::Jingle accept = parse_jingle(accept_file);
    for (const MediaType m : {MediaType::kAudio, MediaType::kVideo}) {
      const jingle::RtpDescription* o = description(offer, m);
      const jingle::RtpDescription* a = description(accept, m);
      ASSERT_EQ(o == nullptr, a == nullptr) << accept_file;
      if (o == nullptr) {
        continue;
      }
      const Negotiated our_offer{o->payload_types, o->header_extensions};
      const auto n = apply_answer(m, our_offer, a->payload_types, a->header_extensions);
      ASSERT_TRUE(n) << accept_file << ": " << n.error().describe();
      EXPECT_EQ(n->codecs.front().name, m == MediaType::kAudio ? "opus" : "VP8") << accept_file;
      for (const Codec& c : n->codecs) {
        if (c.name == "rtx") {
          const auto apt = c.parameter("apt");
          ASSERT_TRUE(apt);
          EXPECT_NE(find_pt(n->codecs, static_cast<std::uint8_t>(std::stoi(std::string(*apt)))),
                    nullptr)
              << accept_file << " rtx " << int(c.id);
        }
      }
    }
  }
}

}  // namespace
}  // namespace jcall::codecs
