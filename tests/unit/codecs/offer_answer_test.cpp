// RFC 3264 offer/answer on XEP-0167 payload types: jcall's offer, its answers to browser-like
// offers (table driven), and the checks an answer to our offer must pass.
#include "codecs/offer_answer.hpp"

#include <set>

#include <gtest/gtest.h>

#include "codecs/catalog.hpp"
#include "codecs/errc.hpp"

namespace jcall::codecs {
namespace {

using enum MediaType;

Codec pt(std::uint8_t id,
         std::string name,
         std::uint32_t rate,
         std::optional<std::uint32_t> channels = std::nullopt,
         std::vector<Parameter> params = {},
         std::vector<RtcpFb> fb = {}) {
  Codec c;
  c.id = id;
  c.name = std::move(name);
  c.clock_rate = rate;
  c.channels = channels;
  c.parameters = std::move(params);
  c.rtcp_fb = std::move(fb);
  return c;
}

Codec rtx(std::uint8_t id, std::uint8_t apt) {
  return pt(id, "rtx", 90000, std::nullopt, {{"apt", std::to_string(apt)}});
}

const std::vector<RtcpFb> kBrowserVideoFb{{"goog-remb", ""},
                                          {"transport-cc", ""},
                                          {"ccm", "fir"},
                                          {"nack", ""},
                                          {"nack", "pli"}};

Codec h264(std::uint8_t id, std::string plid, std::string mode, bool asymmetry = true) {
  std::vector<Parameter> p;
  if (asymmetry) {
    p.push_back({"level-asymmetry-allowed", "1"});
  }
  p.push_back({"packetization-mode", std::move(mode)});
  p.push_back({"profile-level-id", std::move(plid)});
  return pt(id, "H264", 90000, std::nullopt, std::move(p), kBrowserVideoFb);
}

// What Chrome/StanzaJS offer for audio (see the StanzaJS captures).
std::vector<Codec> browser_audio() {
  return {pt(111, "opus", 48000, 2, {{"minptime", "10"}, {"useinbandfec", "1"}},
             {{"transport-cc", ""}}),
          pt(63, "red", 48000, 2, {{"111/111", ""}}),
          pt(9, "G722", 8000, 1),
          pt(0, "PCMU", 8000, 1),
          pt(8, "PCMA", 8000, 1),
          pt(13, "CN", 8000, 1),
          pt(110, "telephone-event", 48000, 1),
          pt(126, "telephone-event", 8000, 1)};
}

std::vector<HeaderExtension> browser_audio_extensions() {
  return {{1, "urn:ietf:params:rtp-hdrext:ssrc-audio-level", ""},
          {2, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", ""},
          {3, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01", ""},
          {4, "urn:ietf:params:rtp-hdrext:sdes:mid", ""},
          {5, "urn:ietf:params:rtp-hdrext:csrc-audio-level", ""}};
}

std::vector<Codec> browser_video() {
  return {pt(96, "VP8", 90000, 1, {}, kBrowserVideoFb),
          rtx(97, 96),
          h264(102, "42001f", "1"),
          rtx(103, 102),
          h264(104, "42001f", "0"),
          rtx(107, 104),
          h264(108, "42e01f", "1"),
          rtx(109, 108),
          h264(114, "42e01f", "0"),
          rtx(115, 114),
          h264(116, "4d001f", "1"),
          rtx(117, 116),
          pt(45, "AV1", 90000, 1, {{"level-idx", "5"}, {"profile", "0"}, {"tier", "0"}},
             kBrowserVideoFb),
          rtx(46, 45),
          pt(98, "VP9", 90000, 1, {{"profile-id", "0"}}, kBrowserVideoFb),
          rtx(99, 98),
          pt(100, "VP9", 90000, 1, {{"profile-id", "2"}}, kBrowserVideoFb),
          rtx(101, 100),
          pt(118, "red", 90000, 1),
          rtx(119, 118),
          pt(120, "ulpfec", 90000, 1)};
}

std::vector<HeaderExtension> browser_video_extensions() {
  return {{14, "urn:ietf:params:rtp-hdrext:toffset", ""},
          {2, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", ""},
          {13, "urn:3gpp:video-orientation", ""},
          {3, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01", ""},
          {5, "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay", ""},
          {4, "urn:ietf:params:rtp-hdrext:sdes:mid", ""}};
}

// "111:opus/48000/2" per payload type, "97:rtx/90000 apt=96" for rtx: one line to compare.
std::vector<std::string> summary(const std::vector<Codec>& codecs) {
  std::vector<std::string> out;
  for (const Codec& c : codecs) {
    std::string s = std::to_string(c.id) + ":" + c.name + "/" + std::to_string(c.clock_rate);
    if (c.channels) {
      s += "/" + std::to_string(*c.channels);
    }
    if (const auto apt = c.parameter("apt")) {
      s += " apt=" + std::string(*apt);
    }
    out.push_back(s);
  }
  return out;
}

const Codec* find_pt(const Negotiated& n, std::uint8_t id) {
  for (const Codec& c : n.codecs) {
    if (c.id == id) {
      return &c;
    }
  }
  return nullptr;
}

// ---- make_offer ------------------------------------------------------------------------------

TEST(MakeOffer, AudioDefaults) {
  const Negotiated n = make_offer(kAudio, Preferences{});
  EXPECT_EQ(summary(n.codecs), (std::vector<std::string>{
                                   "96:opus/48000/2", "9:G722/8000", "0:PCMU/8000", "8:PCMA/8000",
                                   "97:telephone-event/48000", "98:telephone-event/8000"}));
  const Codec& opus = n.codecs.at(0);
  EXPECT_EQ(opus.parameter("useinbandfec"), "1");
  EXPECT_EQ(opus.parameter("usedtx"), "1");
  EXPECT_EQ(opus.parameter("minptime"), "10");
  EXPECT_EQ(opus.rtcp_fb, (std::vector<RtcpFb>{{"transport-cc", ""}}));
  EXPECT_TRUE(n.codecs.at(5).rtcp_fb.empty());  // rtx
  ASSERT_EQ(n.header_extensions.size(), 4u);
  EXPECT_EQ(n.header_extensions[0],
            (HeaderExtension{1, "urn:ietf:params:rtp-hdrext:ssrc-audio-level", ""}));
  EXPECT_EQ(n.header_extensions[3],
            (HeaderExtension{4, "urn:ietf:params:rtp-hdrext:sdes:mid", ""}));
}

TEST(MakeOffer, VideoDefaultsPairEveryCodecWithRtx) {
  const Negotiated n = make_offer(kVideo, Preferences{});
  EXPECT_EQ(summary(n.codecs),
            (std::vector<std::string>{"96:VP8/90000", "97:VP9/90000", "98:VP9/90000",
                                      "99:H264/90000", "100:H264/90000", "101:rtx/90000 apt=96",
                                      "102:rtx/90000 apt=97", "103:rtx/90000 apt=98",
                                      "104:rtx/90000 apt=99", "105:rtx/90000 apt=100"}));
  const Codec& h = n.codecs.at(3);
  EXPECT_EQ(h.parameter("profile-level-id"), "42e01f");
  EXPECT_EQ(n.codecs.at(4).parameter("profile-level-id"), "4d001f");
  EXPECT_EQ(h.parameter("packetization-mode"), "1");
  EXPECT_EQ(h.parameter("level-asymmetry-allowed"), "1");
  EXPECT_EQ(n.codecs.at(1).parameter("profile-id"), "0");
  EXPECT_EQ(n.codecs.at(2).parameter("profile-id"), "2");
  EXPECT_EQ(
      n.codecs.at(0).rtcp_fb,
      (std::vector<RtcpFb>{
          {"nack", ""}, {"nack", "pli"}, {"ccm", "fir"}, {"goog-remb", ""}, {"transport-cc", ""}}));
  EXPECT_TRUE(n.codecs.at(5).rtcp_fb.empty());  // rtx
  std::vector<std::string> uris;
  for (const HeaderExtension& x : n.header_extensions) {
    uris.push_back(std::to_string(x.id) + " " + x.uri);
  }
  EXPECT_EQ(uris, (std::vector<std::string>{
                      "2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
                      "3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
                      "4 urn:ietf:params:rtp-hdrext:sdes:mid"}));
}

TEST(MakeOffer, PreferenceOrderAndUnknownNames) {
  Preferences p;
  p.video = {"h264", "AV1", "vp8"};
  EXPECT_EQ(summary(make_offer(kVideo, p).codecs),
            (std::vector<std::string>{"96:H264/90000", "97:H264/90000", "98:VP8/90000",
                                      "99:rtx/90000 apt=96", "100:rtx/90000 apt=97",
                                      "101:rtx/90000 apt=98"}));
  p.rtx = false;
  EXPECT_EQ(summary(make_offer(kVideo, p).codecs),
            (std::vector<std::string>{"96:H264/90000", "97:H264/90000", "98:VP8/90000"}));
}

TEST(MakeOffer, TelephoneEventFollowsTheClockRatesOffered) {
  Preferences p;
  p.audio = {"PCMU"};
  EXPECT_EQ(summary(make_offer(kAudio, p).codecs),
            (std::vector<std::string>{"0:PCMU/8000", "96:telephone-event/8000"}));
  p.audio = {"opus"};
  EXPECT_EQ(summary(make_offer(kAudio, p).codecs),
            (std::vector<std::string>{"96:opus/48000/2", "97:telephone-event/48000"}));
  p.telephone_event = false;
  EXPECT_EQ(summary(make_offer(kAudio, p).codecs), (std::vector<std::string>{"96:opus/48000/2"}));
}

TEST(MakeOffer, ComfortNoiseOnlyWhenWantedAndAt8000) {
  Preferences p;
  p.comfort_noise = true;
  p.telephone_event = false;
  p.audio = {"PCMA", "opus"};
  EXPECT_EQ(summary(make_offer(kAudio, p).codecs),
            (std::vector<std::string>{"8:PCMA/8000", "96:opus/48000/2", "13:CN/8000"}));
  p.audio = {"opus"};
  EXPECT_EQ(summary(make_offer(kAudio, p).codecs), (std::vector<std::string>{"96:opus/48000/2"}));
}

TEST(MakeOffer, PayloadTypesAreUniqueAndInRange) {
  for (const MediaType m : {kAudio, kVideo}) {
    Preferences p;
    p.comfort_noise = true;
    const Negotiated n = make_offer(m, p);
    std::set<int> seen;
    for (const Codec& c : n.codecs) {
      EXPECT_TRUE(seen.insert(c.id).second) << c.id;
      EXPECT_LE(c.id, 127);
      EXPECT_TRUE(c.id < 35 || c.id >= 96) << c.id;
    }
  }
}

TEST(MakeOffer, NothingPreferredOffersNoCodec) {
  Preferences p;
  p.audio.clear();
  EXPECT_TRUE(make_offer(kAudio, p).codecs.empty());
}

// ---- answer_offer ----------------------------------------------------------------------------

struct AnswerCase {
  const char* name;
  MediaType media;
  std::vector<std::string> prefs;
  bool rtx = true;
  bool telephone_event = true;
  bool comfort_noise = false;
  std::vector<std::string> expected;
};

class AnswerTable : public ::testing::TestWithParam<AnswerCase> {};

TEST_P(AnswerTable, BrowserOffer) {
  const AnswerCase& t = GetParam();
  Preferences p;
  (t.media == kAudio ? p.audio : p.video) = t.prefs;
  p.rtx = t.rtx;
  p.telephone_event = t.telephone_event;
  p.comfort_noise = t.comfort_noise;
  const auto offered = t.media == kAudio ? browser_audio() : browser_video();
  const auto exts = t.media == kAudio ? browser_audio_extensions() : browser_video_extensions();
  const auto a = answer_offer(t.media, offered, exts, p);
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_EQ(summary(a->codecs), t.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Codecs,
    AnswerTable,
    ::testing::Values(
        AnswerCase{"AudioDefaults",
                   kAudio,
                   Preferences{}.audio,
                   true,
                   true,
                   false,
                   {"111:opus/48000/2", "9:G722/8000/1", "0:PCMU/8000/1", "8:PCMA/8000/1",
                    "110:telephone-event/48000/1", "126:telephone-event/8000/1"}},
        AnswerCase{"AudioPcmaFirst",
                   kAudio,
                   {"PCMA", "opus"},
                   true,
                   true,
                   false,
                   {"8:PCMA/8000/1", "111:opus/48000/2", "126:telephone-event/8000/1",
                    "110:telephone-event/48000/1"}},
        AnswerCase{"AudioNoDtmfWithCn",
                   kAudio,
                   {"opus", "PCMU"},
                   true,
                   false,
                   true,
                   {"111:opus/48000/2", "0:PCMU/8000/1", "13:CN/8000/1"}},
        AnswerCase{"AudioOpusOnlyHasNoCnAt8000",
                   kAudio,
                   {"opus"},
                   true,
                   true,
                   true,
                   {"111:opus/48000/2", "110:telephone-event/48000/1"}},
        AnswerCase{"VideoDefaults",
                   kVideo,
                   Preferences{}.video,
                   true,
                   true,
                   false,
                   {"96:VP8/90000/1", "98:VP9/90000/1", "100:VP9/90000/1", "108:H264/90000",
                    "116:H264/90000", "97:rtx/90000 apt=96", "99:rtx/90000 apt=98",
                    "101:rtx/90000 apt=100", "109:rtx/90000 apt=108", "117:rtx/90000 apt=116"}},
        AnswerCase{"VideoH264Preferred",
                   kVideo,
                   {"H264", "VP8"},
                   true,
                   true,
                   false,
                   {"108:H264/90000", "116:H264/90000", "96:VP8/90000/1", "109:rtx/90000 apt=108",
                    "117:rtx/90000 apt=116", "97:rtx/90000 apt=96"}},
        AnswerCase{"VideoWithoutRtx",
                   kVideo,
                   {"VP9"},
                   false,
                   true,
                   false,
                   {"98:VP9/90000/1", "100:VP9/90000/1"}}),
    [](const ::testing::TestParamInfo<AnswerCase>& i) { return std::string(i.param.name); });

TEST(AnswerOffer, AudioKeepsOurParametersAndIntersectsFeedbackAndExtensions) {
  const auto a = answer_offer(kAudio, browser_audio(), browser_audio_extensions(), Preferences{});
  ASSERT_TRUE(a) << a.error().describe();
  const Codec* opus = find_pt(*a, 111);
  ASSERT_NE(opus, nullptr);
  EXPECT_EQ(opus->parameters,
            (std::vector<Parameter>{{"minptime", "10"}, {"useinbandfec", "1"}, {"usedtx", "1"}}));
  EXPECT_EQ(opus->rtcp_fb, (std::vector<RtcpFb>{{"transport-cc", ""}}));
  EXPECT_TRUE(find_pt(*a, 0)->rtcp_fb.empty());  // PCMU offered without feedback
  EXPECT_EQ(find_pt(*a, 63), nullptr);           // red declined
  std::vector<int> ids;
  for (const HeaderExtension& x : a->header_extensions) {
    ids.push_back(x.id);
  }
  EXPECT_EQ(ids, (std::vector<int>{1, 2, 3, 4}));  // csrc-audio-level (5) is not ours
}

TEST(AnswerOffer, VideoFeedbackIsIntersectedInTheOfferersOrder) {
  auto offered = browser_video();
  offered[0].rtcp_fb.push_back({"ccm", "tmmbr"});
  offered[0].rtcp_fb.push_back({"nack", "sli"});
  const auto a = answer_offer(kVideo, offered, browser_video_extensions(), Preferences{});
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_EQ(find_pt(*a, 96)->rtcp_fb, kBrowserVideoFb);
  EXPECT_TRUE(find_pt(*a, 97)->rtcp_fb.empty());
  std::vector<int> ids;
  for (const HeaderExtension& x : a->header_extensions) {
    ids.push_back(x.id);
  }
  // toffset, video-orientation (jcall does not rotate), playout-delay dropped
  EXPECT_EQ(ids, (std::vector<int>{2, 3, 4}));
}

TEST(AnswerOffer, DeclinedAndUnknownCodecsAreSkippedWithoutError) {
  const auto a =
      answer_offer(kVideo,
                   {pt(118, "red", 90000), rtx(119, 118), pt(120, "ulpfec", 90000),
                    pt(45, "AV1", 90000), rtx(46, 45), pt(96, "VP8", 90000), rtx(97, 96)},
                   {}, Preferences{});
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_EQ(summary(a->codecs), (std::vector<std::string>{"96:VP8/90000", "97:rtx/90000 apt=96"}));
}

TEST(AnswerOffer, RtxWithoutAnAcceptedPrimaryIsDropped) {
  const auto a = answer_offer(
      kVideo, {pt(96, "VP8", 90000), rtx(97, 95), rtx(98, 45), rtx(99, 96), rtx(100, 96)}, {},
      Preferences{});
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_EQ(summary(a->codecs), (std::vector<std::string>{"96:VP8/90000", "99:rtx/90000 apt=96"}));
}

TEST(AnswerOffer, H264LevelFollowsRfc6184) {
  struct Case {
    std::string offered;
    bool asymmetry;
    std::string answered;
  };
  for (const Case& c : std::vector<Case>{
           {"42e034", true, "42e01f"},   // asymmetric: our level (what we receive)
           {"42e00a", true, "42e01f"},   //
           {"42e00a", false, "42e00a"},  // symmetric: the lower of the two
           {"42e034", false, "42e01f"},
           {"4de01f", true, "4de01f"},   // the offerer's spelling of Constrained Baseline
           {"42f00b", false, "42f00b"},  // level 1b kept
       }) {
    const auto a =
        answer_offer(kVideo, {h264(100, c.offered, "1", c.asymmetry)}, {}, Preferences{});
    ASSERT_TRUE(a) << a.error().describe();
    ASSERT_EQ(a->codecs.size(), 1u);
    EXPECT_EQ(a->codecs[0].parameter("profile-level-id"), c.answered) << c.offered;
    EXPECT_EQ(a->codecs[0].parameter("packetization-mode"), "1");
  }
}

TEST(AnswerOffer, NoCommonCodecIsAnErrorListingTheOffer) {
  const auto a = answer_offer(
      kVideo, {pt(45, "AV1", 90000), rtx(46, 45), h264(102, "42001f", "1"), pt(118, "red", 90000)},
      {}, Preferences{});
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, make_error_code(Errc::no_common_codec));
  const std::string& m = a.error().message;
  EXPECT_NE(m.find("no common video codec"), std::string::npos) << m;
  EXPECT_NE(m.find("AV1/90000"), std::string::npos) << m;
  EXPECT_NE(m.find("H264/90000 (profile-level-id=42001f, packetization-mode=1)"), std::string::npos)
      << m;
  EXPECT_NE(m.find("VP8"), std::string::npos) << m;
}

TEST(AnswerOffer, OnlyAuxiliaryCodecsIsAnError) {
  const auto a = answer_offer(
      kAudio, {pt(126, "telephone-event", 8000), pt(13, "CN", 8000), pt(63, "red", 48000, 2)}, {},
      Preferences{});
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, make_error_code(Errc::no_common_codec));
  EXPECT_FALSE(answer_offer(kAudio, {}, {}, Preferences{}));
}

TEST(AnswerOffer, CodecsNotPreferredAreNotAccepted) {
  Preferences p;
  p.audio = {"PCMU"};
  const auto a = answer_offer(kAudio, {pt(111, "opus", 48000, 2)}, {}, p);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("opus/48000/2"), std::string::npos);
  EXPECT_NE(a.error().message.find("jcall accepts PCMU/8000"), std::string::npos)
      << a.error().message;
}

TEST(AnswerOffer, OpusOfferedMonoDoesNotMatch) {
  const auto a = answer_offer(kAudio, {pt(111, "opus", 48000)}, {}, Preferences{});
  EXPECT_FALSE(a);
}

TEST(AnswerOffer, PayloadTypeNumberOfferedTwiceIsLeftOut) {
  // Found by codecs_fuzz: red and telephone-event both numbered 63.
  const auto a = answer_offer(
      kAudio,
      {pt(111, "opus", 48000, 2), pt(63, "red", 48000, 2), pt(63, "telephone-event", 8000),
       pt(0, "PCMU", 8000), pt(96, "PCMA", 8000), pt(96, "G722", 8000)},
      {}, Preferences{});
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_EQ(summary(a->codecs), (std::vector<std::string>{"111:opus/48000/2", "0:PCMU/8000"}));
  EXPECT_FALSE(answer_offer(kAudio, {pt(0, "PCMU", 8000), pt(0, "PCMU", 8000)}, {}, Preferences{}));
}

TEST(AnswerOffer, StaticPayloadTypesMayOmitNameAndClockRate) {
  Codec pcmu;
  pcmu.id = 0;  // <payload-type id='0'/>
  Codec opus_without_rate = pt(111, "opus", 0, 2);
  const auto a = answer_offer(kAudio, {pcmu, opus_without_rate, pt(101, "telephone-event", 0)}, {},
                              Preferences{});
  ASSERT_TRUE(a) << a.error().describe();
  // telephone-event exists at two clock rates: without one it is not accepted.
  EXPECT_EQ(summary(a->codecs), (std::vector<std::string>{"111:opus/48000/2", "0:PCMU/8000"}));
}

TEST(WithImpliedFields, Rfc3551StaticTypesAndSingleRateNames) {
  Codec c;
  c.id = 8;
  EXPECT_EQ(summary({with_implied_fields(c, kAudio)}), (std::vector<std::string>{"8:PCMA/8000"}));
  c.id = 34;
  EXPECT_EQ(summary({with_implied_fields(c, kVideo)}), (std::vector<std::string>{"34:H263/90000"}));
  EXPECT_EQ(with_implied_fields(c, kAudio).name, "");  // 34 is no audio type
  c = pt(9, "PCMU", 0);  // the name wins over the number: PCMU's rate, not G722's name
  EXPECT_EQ(summary({with_implied_fields(c, kAudio)}), (std::vector<std::string>{"9:PCMU/8000"}));
  EXPECT_EQ(with_implied_fields(pt(100, "vp8", 0), kVideo).clock_rate, 90000u);
  EXPECT_EQ(with_implied_fields(pt(100, "speex", 0), kAudio).clock_rate, 0u);
  EXPECT_EQ(with_implied_fields(pt(100, "opus", 24000, 2), kAudio).clock_rate, 24000u);
}

TEST(WithSharedFeedback, AddsDescriptionLevelFeedbackToEveryCodecOnce) {
  const auto codecs =
      with_shared_feedback({pt(96, "VP8", 90000, std::nullopt, {}, {{"nack", ""}}), rtx(97, 96)},
                           {{"nack", ""}, {"ccm", "fir"}});
  EXPECT_EQ(codecs[0].rtcp_fb, (std::vector<RtcpFb>{{"nack", ""}, {"ccm", "fir"}}));
  EXPECT_EQ(codecs[1].rtcp_fb, (std::vector<RtcpFb>{{"nack", ""}, {"ccm", "fir"}}));
  // In an answer, rtx keeps none of it (jcall sends no feedback about retransmissions).
  const auto a = answer_offer(kVideo, codecs, {}, Preferences{});
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_EQ(a->codecs.at(0).rtcp_fb, (std::vector<RtcpFb>{{"nack", ""}, {"ccm", "fir"}}));
  EXPECT_TRUE(a->codecs.at(1).rtcp_fb.empty());
}

// ---- apply_answer ----------------------------------------------------------------------------

TEST(ApplyAnswer, SubsetInTheAnswerersOrder) {
  // VP8 96, VP9 97 (profile 0) and 98 (profile 2), H264 99 (Constrained Baseline) and 100
  // (Main), rtx 101..105 in that order.
  const Negotiated offer = make_offer(kVideo, Preferences{});
  auto answer_h264 = offer.codecs[3];
  answer_h264.parameters = {{"profile-level-id", "42e00d"}, {"packetization-mode", "1"}};
  const auto n = apply_answer(
      kVideo, offer,
      {answer_h264, pt(96, "vp8", 90000, 1, {}, {{"nack", ""}, {"nack", "rpsi"}}), rtx(104, 99),
       rtx(101, 96)},
      {{4, "urn:ietf:params:rtp-hdrext:sdes:mid", ""}, {7, "urn:example:not-offered", ""}});
  ASSERT_TRUE(n) << n.error().describe();
  EXPECT_EQ(summary(n->codecs),
            (std::vector<std::string>{"99:H264/90000", "96:vp8/90000/1", "104:rtx/90000 apt=99",
                                      "101:rtx/90000 apt=96"}));
  EXPECT_EQ(n->codecs[0].parameter("profile-level-id"), "42e00d");  // the answerer's level
  EXPECT_EQ(n->codecs[1].rtcp_fb, (std::vector<RtcpFb>{{"nack", ""}}));
  EXPECT_EQ(n->header_extensions,
            (std::vector<HeaderExtension>{{4, "urn:ietf:params:rtp-hdrext:sdes:mid", ""}}));
}

TEST(ApplyAnswer, PayloadTypeNotOfferedIsAnError) {
  const Negotiated offer = make_offer(kAudio, Preferences{});
  const auto n = apply_answer(kAudio, offer, {pt(111, "opus", 48000, 2)}, {});
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, make_error_code(Errc::not_offered));
  EXPECT_NE(n.error().message.find("111"), std::string::npos) << n.error().message;
}

TEST(ApplyAnswer, PayloadTypeWithAnotherCodecIsAnError) {
  const Negotiated offer = make_offer(kVideo, Preferences{});
  const auto n = apply_answer(kVideo, offer, {h264(96, "42e01f", "1")}, {});
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, make_error_code(Errc::not_offered));
  EXPECT_NE(n.error().message.find("VP8/90000"), std::string::npos) << n.error().message;
}

TEST(ApplyAnswer, H264WithOtherPacketizationModeOrProfileIsAnError) {
  const Negotiated offer = make_offer(kVideo, Preferences{});
  EXPECT_FALSE(apply_answer(kVideo, offer, {h264(99, "42e01f", "0")}, {}));
  EXPECT_FALSE(apply_answer(kVideo, offer, {h264(99, "4d001f", "1")}, {}));
  EXPECT_TRUE(apply_answer(kVideo, offer, {h264(99, "42c028", "1")}, {}));
}

TEST(ApplyAnswer, RtxPairedDifferentlyIsAnError) {
  const Negotiated offer = make_offer(kVideo, Preferences{});
  const auto n = apply_answer(kVideo, offer, {offer.codecs[0], rtx(100, 97)}, {});
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, make_error_code(Errc::not_offered));
}

TEST(ApplyAnswer, RtxWithoutItsPrimaryIsDropped) {
  const Negotiated offer = make_offer(kVideo, Preferences{});
  const auto n = apply_answer(kVideo, offer, {offer.codecs[0], rtx(102, 97)}, {});
  ASSERT_TRUE(n) << n.error().describe();
  EXPECT_EQ(summary(n->codecs), (std::vector<std::string>{"96:VP8/90000"}));
}

TEST(ApplyAnswer, NamelessStaticPayloadType) {
  const Negotiated offer = make_offer(kAudio, Preferences{});
  Codec pcma;
  pcma.id = 8;
  const auto n = apply_answer(kAudio, offer, {pcma}, {});
  ASSERT_TRUE(n) << n.error().describe();
  EXPECT_EQ(summary(n->codecs), (std::vector<std::string>{"8:PCMA/8000"}));
}

TEST(ApplyAnswer, NoPrimaryIsAnError) {
  const Negotiated offer = make_offer(kAudio, Preferences{});
  const auto only_dtmf = apply_answer(kAudio, offer, {offer.codecs[4]}, {});
  ASSERT_FALSE(only_dtmf);
  EXPECT_EQ(only_dtmf.error().code, make_error_code(Errc::no_common_codec));
  EXPECT_FALSE(apply_answer(kAudio, offer, {}, {}));
}

TEST(OfferAnswer, JcallAnswersItsOwnOfferAndTheOffererAcceptsIt) {
  for (const MediaType m : {kAudio, kVideo}) {
    Preferences offerer;
    offerer.comfort_noise = true;
    Preferences answerer;
    answerer.audio = {"PCMA", "opus"};
    answerer.video = {"H264", "VP9"};
    answerer.comfort_noise = true;
    const Negotiated offer = make_offer(m, offerer);
    const auto answer = answer_offer(m, offer.codecs, offer.header_extensions, answerer);
    ASSERT_TRUE(answer) << answer.error().describe();
    const auto applied = apply_answer(m, offer, answer->codecs, answer->header_extensions);
    ASSERT_TRUE(applied) << applied.error().describe();
    EXPECT_EQ(applied->codecs, answer->codecs);
    EXPECT_EQ(applied->header_extensions, offer.header_extensions);
    EXPECT_EQ(applied->codecs.front().name, m == kAudio ? "PCMA" : "H264");
  }
}

}  // namespace
}  // namespace jcall::codecs
