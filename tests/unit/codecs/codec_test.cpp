// Codec::matches (RFC 3264 §6.1 format identity; RFC 6184 §8.2.2 H.264 profiles, RFC 9628 VP9
// profile-id) and the RFC 6184 §8.1 profile-level-id parser.
#include "codecs/codec.hpp"

#include <gtest/gtest.h>

#include "codecs/h264_profile.hpp"

namespace jcall::codecs {
namespace {

Codec codec(std::string name,
            std::uint32_t rate,
            std::optional<std::uint32_t> channels = std::nullopt,
            std::vector<Parameter> params = {}) {
  Codec c;
  c.name = std::move(name);
  c.clock_rate = rate;
  c.channels = channels;
  c.parameters = std::move(params);
  return c;
}

Codec h264(std::string plid, std::optional<std::string> mode, bool asymmetry = true) {
  std::vector<Parameter> p;
  if (!plid.empty()) {
    p.push_back({"profile-level-id", std::move(plid)});
  }
  if (mode) {
    p.push_back({"packetization-mode", *mode});
  }
  if (asymmetry) {
    p.push_back({"level-asymmetry-allowed", "1"});
  }
  return codec("H264", 90000, std::nullopt, std::move(p));
}

// Both directions, so that matches() is symmetric in every case checked.
void expect_match(const Codec& a, const Codec& b, bool expected) {
  EXPECT_EQ(a.matches(b), expected) << a.name << " vs " << b.name;
  EXPECT_EQ(b.matches(a), expected) << b.name << " vs " << a.name;
}

TEST(CodecMatches, NameIsCaseInsensitive) {
  expect_match(codec("opus", 48000, 2), codec("OPUS", 48000, 2), true);
  expect_match(codec("pcmu", 8000), codec("PCMU", 8000), true);
  expect_match(codec("PCMU", 8000), codec("PCMA", 8000), false);
}

TEST(CodecMatches, ClockRateMustBeEqual) {
  expect_match(codec("telephone-event", 8000), codec("telephone-event", 48000), false);
  expect_match(codec("telephone-event", 48000), codec("telephone-event", 48000), true);
}

TEST(CodecMatches, AbsentChannelsMeansOne) {
  expect_match(codec("PCMU", 8000), codec("PCMU", 8000, 1), true);
  expect_match(codec("opus", 48000, 2), codec("opus", 48000), false);
  expect_match(codec("opus", 48000, 2), codec("opus", 48000, 1), false);
}

TEST(CodecMatches, NonIdentifyingParametersAreIgnored) {
  expect_match(codec("opus", 48000, 2, {{"useinbandfec", "1"}, {"minptime", "10"}}),
               codec("opus", 48000, 2, {{"stereo", "1"}, {"maxaveragebitrate", "64000"}}), true);
}

TEST(CodecMatches, Vp9ProfileIdAbsentIsZero) {
  expect_match(codec("VP9", 90000), codec("VP9", 90000, std::nullopt, {{"profile-id", "0"}}), true);
  expect_match(codec("VP9", 90000, std::nullopt, {{"profile-id", "2"}}),
               codec("VP9", 90000, std::nullopt, {{"profile-id", "0"}}), false);
  expect_match(codec("VP9", 90000, std::nullopt, {{"profile-id", "2"}}),
               codec("VP9", 90000, std::nullopt, {{"profile-id", "2"}}), true);
  expect_match(codec("VP9", 90000, std::nullopt, {{"profile-id", "x"}}), codec("VP9", 90000),
               false);
}

TEST(CodecMatches, RtxAptIsComparedByOfferAnswerNotHere) {
  expect_match(codec("rtx", 90000, std::nullopt, {{"apt", "96"}}),
               codec("rtx", 90000, std::nullopt, {{"apt", "100"}}), true);
}

TEST(CodecMatches, H264PacketizationModeMustBeEqualAbsentIsZero) {
  expect_match(h264("42e01f", "1"), h264("42e01f", "1"), true);
  expect_match(h264("42e01f", "1"), h264("42e01f", "0"), false);
  expect_match(h264("42e01f", std::nullopt), h264("42e01f", "0"), true);
  expect_match(h264("42e01f", std::nullopt), h264("42e01f", "1"), false);
  expect_match(h264("42e01f", "x"), h264("42e01f", "x"), false);
}

TEST(CodecMatches, H264ConstrainedBaselineInEverySpelling) {
  // profile_idc 0x42 with constraint_set1, 0x4D with constraint_set0, 0x58 with set0+set1.
  expect_match(h264("42e01f", "1"), h264("42c01f", "1"), true);
  expect_match(h264("42e01f", "1"), h264("4de01f", "1"), true);
  expect_match(h264("42e01f", "1"), h264("58f01f", "1"), true);
  expect_match(h264("42E01F", "1"), h264("42e01f", "1"), true);
}

TEST(CodecMatches, H264DifferentProfilesDoNotMatch) {
  expect_match(h264("42e01f", "1"), h264("42001f", "1"), false);  // Baseline
  expect_match(h264("42e01f", "1"), h264("4d001f", "1"), false);  // Main
  expect_match(h264("42e01f", "1"), h264("64001f", "1"), false);  // High
  expect_match(h264("640c1f", "1"), h264("64001f", "1"), false);  // Constrained High vs High
  expect_match(h264("640c1f", "1"), h264("640c34", "1"), true);
  expect_match(h264("42001f", "1"), h264("58a01f", "1"), true);  // Baseline both
}

TEST(CodecMatches, H264LevelIsNotPartOfTheIdentity) {
  // RFC 6184 §8.2.2: the level may be lowered in the answer, or differ per direction with
  // level-asymmetry-allowed; neither removes the payload type.
  expect_match(h264("42e01f", "1", true), h264("42e034", "1", true), true);
  expect_match(h264("42e01f", "1", false), h264("42e00a", "1", false), true);
}

TEST(CodecMatches, H264AbsentProfileLevelIdIsConstrainedBaseline) {
  expect_match(h264("", "1"), h264("42e01f", "1"), true);
  expect_match(h264("", "1"), h264("4d001f", "1"), false);
}

TEST(CodecMatches, H264MalformedProfileLevelIdMatchesNothing) {
  expect_match(h264("42e01", "1"), h264("42e01f", "1"), false);
  expect_match(h264("zze01f", "1"), h264("zze01f", "1"), false);
}

TEST(CodecMatches, H264UnknownProfileComparedByBytes) {
  expect_match(h264("6e001f", "1"), h264("6e0028", "1"), true);  // High 10, any level
  expect_match(h264("6e001f", "1"), h264("6e101f", "1"), true);  // set3 carries 1b only
  expect_match(h264("6e001f", "1"), h264("7a001f", "1"), false);
}

TEST(H264ProfileLevelId, ParseAndPrint) {
  const auto p = H264ProfileLevelId::parse("42E01F");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->profile_idc, 0x42);
  EXPECT_EQ(p->profile_iop, 0xe0);
  EXPECT_EQ(p->level_idc, 0x1f);
  EXPECT_EQ(p->str(), "42e01f");
  EXPECT_EQ(p->profile(), H264Profile::kConstrainedBaseline);
  EXPECT_FALSE(H264ProfileLevelId::parse("42e01"));
  EXPECT_FALSE(H264ProfileLevelId::parse("42e01f0"));
  EXPECT_FALSE(H264ProfileLevelId::parse("42g01f"));
  EXPECT_FALSE(H264ProfileLevelId::parse("+2e01f"));
}

TEST(H264ProfileLevelId, Profiles) {
  EXPECT_EQ(H264ProfileLevelId::parse("42001f")->profile(), H264Profile::kBaseline);
  EXPECT_EQ(H264ProfileLevelId::parse("4d001f")->profile(), H264Profile::kMain);
  EXPECT_EQ(H264ProfileLevelId::parse("64001f")->profile(), H264Profile::kHigh);
  EXPECT_EQ(H264ProfileLevelId::parse("640c1f")->profile(), H264Profile::kConstrainedHigh);
  EXPECT_EQ(H264ProfileLevelId::parse("f4001f")->profile(), H264Profile::kPredictiveHigh444);
  EXPECT_EQ(H264ProfileLevelId::parse("6e001f")->profile(), H264Profile::kOther);
}

TEST(H264ProfileLevelId, Level1bSitsBetween1And11) {
  const auto l1 = *H264ProfileLevelId::parse("42e00a");
  const auto l1b = *H264ProfileLevelId::parse("42f00b");
  const auto l11 = *H264ProfileLevelId::parse("42e00b");
  const auto high_1b = *H264ProfileLevelId::parse("640009");
  EXPECT_TRUE(l1b.is_level_1b());
  EXPECT_FALSE(l11.is_level_1b());
  EXPECT_TRUE(high_1b.is_level_1b());
  EXPECT_LT(l1.level_rank(), l1b.level_rank());
  EXPECT_LT(l1b.level_rank(), l11.level_rank());
  EXPECT_EQ(high_1b.level_rank(), l1b.level_rank());
}

TEST(H264ProfileLevelId, WithLevelOfKeepsTheProfileSpelling) {
  const auto cb31 = *H264ProfileLevelId::parse("4de01f");
  EXPECT_EQ(cb31.with_level_of(*H264ProfileLevelId::parse("42e00a")).str(), "4de00a");
  EXPECT_EQ(cb31.with_level_of(*H264ProfileLevelId::parse("42f00b")).str(), "4df00b");
  EXPECT_EQ(H264ProfileLevelId::parse("42f00b")->with_level_of(cb31).str(), "42e01f");
  EXPECT_EQ(H264ProfileLevelId::parse("42f00b")
                ->with_level_of(*H264ProfileLevelId::parse("42e00b"))
                .str(),
            "42e00b");
  EXPECT_EQ(H264ProfileLevelId::parse("640c1f")
                ->with_level_of(*H264ProfileLevelId::parse("42f00b"))
                .str(),
            "640c09");
}

TEST(CodecParameter, LookupIsCaseInsensitiveAndFirstWins) {
  const Codec c = codec("opus", 48000, 2, {{"MinPtime", "10"}, {"minptime", "20"}});
  EXPECT_EQ(c.parameter("minptime"), "10");
  EXPECT_FALSE(c.parameter("stereo"));
  EXPECT_EQ(to_string(MediaType::kAudio), "audio");
  EXPECT_EQ(to_string(MediaType::kVideo), "video");
}

}  // namespace
}  // namespace jcall::codecs
