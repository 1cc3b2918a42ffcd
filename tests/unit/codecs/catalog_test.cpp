// The codec catalog as data: what it claims, how element chains are filtered through a
// registry predicate, and the user's codec lists.
#include "codecs/catalog.hpp"

#include <set>

#include <gtest/gtest.h>

#include "codecs/errc.hpp"

namespace jcall::codecs {
namespace {

using enum MediaType;

HasElement only(std::set<std::string, std::less<>> names) {
  return [names = std::move(names)](std::string_view f) { return names.count(f) != 0; };
}

HasElement all_but(std::set<std::string, std::less<>> names) {
  return [names = std::move(names)](std::string_view f) { return names.count(f) == 0; };
}

TEST(Catalog, ClaimsTheCodecsOfTheIssue) {
  std::vector<std::string> audio;
  std::vector<std::string> video;
  for (const CatalogEntry& e : catalog()) {
    std::string s = e.codec.name + "/" + std::to_string(e.codec.clock_rate);
    if (e.codec.channels) {
      s += "/" + std::to_string(*e.codec.channels);
    }
    (e.media == kAudio ? audio : video).push_back(s);
  }
  EXPECT_EQ(audio,
            (std::vector<std::string>{"opus/48000/2", "G722/8000", "PCMU/8000", "PCMA/8000",
                                      "telephone-event/48000", "telephone-event/8000", "CN/8000"}));
  EXPECT_EQ(video, (std::vector<std::string>{"VP8/90000", "VP9/90000", "VP9/90000", "H264/90000",
                                             "H264/90000", "rtx/90000"}));
}

TEST(Catalog, StaticPayloadTypesFollowRfc3551) {
  std::vector<std::string> statics;
  for (const CatalogEntry& e : catalog()) {
    if (e.static_payload_type) {
      statics.push_back(e.codec.name + "=" + std::to_string(e.codec.id));
    }
  }
  EXPECT_EQ(statics, (std::vector<std::string>{"G722=9", "PCMU=0", "PCMA=8", "CN=13"}));
}

TEST(Catalog, PrimariesHaveACompleteChainDescription) {
  for (const CatalogEntry& e : catalog()) {
    if (e.role != CodecRole::kPrimary) {
      continue;
    }
    EXPECT_FALSE(e.chain.encoders.empty()) << e.codec.name;
    EXPECT_FALSE(e.chain.payloaders.empty()) << e.codec.name;
    EXPECT_FALSE(e.chain.depayloaders.empty()) << e.codec.name;
    EXPECT_FALSE(e.chain.decoders.empty()) << e.codec.name;
  }
}

TEST(Catalog, FindEntryByMatch) {
  Codec h264;
  h264.name = "h264";
  h264.clock_rate = 90000;
  h264.parameters = {{"profile-level-id", "4de01f"}, {"packetization-mode", "1"}};
  const CatalogEntry* e = find_entry(kVideo, h264);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->codec.name, "H264");
  h264.parameters[1].value = "0";
  EXPECT_EQ(find_entry(kVideo, h264), nullptr);
  EXPECT_EQ(find_entry(kAudio, e->codec), nullptr);
  EXPECT_EQ(find_entries(kVideo, "vp8").size(), 1u);
  EXPECT_EQ(find_entries(kVideo, "VP9").size(), 2u);  // profile-id 0 and 2
  EXPECT_EQ(find_entries(kAudio, "telephone-event").size(), 2u);
  EXPECT_TRUE(find_entries(kAudio, "VP8").empty());
}

TEST(Catalog, RedAndFecAreDeclined) {
  Codec c;
  for (const char* n : {"red", "RED", "ulpfec", "flexfec-03"}) {
    c.name = n;
    EXPECT_TRUE(is_declined(c)) << n;
  }
  c.name = "VP8";
  EXPECT_FALSE(is_declined(c));
  for (const CatalogEntry& e : catalog()) {
    EXPECT_FALSE(is_declined(e.codec)) << e.codec.name;
  }
}

TEST(Catalog, HeaderExtensionIdsAreTheSameInEveryMedia) {
  for (const HeaderExtension& a : header_extensions(kAudio)) {
    for (const HeaderExtension& v : header_extensions(kVideo)) {
      EXPECT_EQ(a.uri == v.uri, a.id == v.id) << a.uri << " " << v.uri;
    }
  }
}

TEST(ElementChains, FirstAvailableIsTheFirstInstalled) {
  // Hardware encoders first (registered only where their device is), then x264, then
  // openh264 (Constrained Baseline only: no candidate for Main).
  const CatalogEntry* h264 = find_entries(kVideo, "H264").at(0);
  const CatalogEntry* main = find_entries(kVideo, "H264").at(1);
  ASSERT_EQ(h264->codec.parameter("profile-level-id"), "42e01f");
  ASSERT_EQ(main->codec.parameter("profile-level-id"), "4d001f");
  const Element* enc = first_available(h264->chain.encoders, all_but({}));
  ASSERT_NE(enc, nullptr);
  EXPECT_EQ(enc->factory, "vah264enc");
  enc = first_available(h264->chain.encoders, all_but({"vah264enc"}));
  ASSERT_NE(enc, nullptr);
  EXPECT_EQ(enc->factory, "vaapih264enc");
  const std::set<std::string, std::less<>> no_hardware{"vah264enc", "vaapih264enc", "nvh264enc"};
  enc = first_available(h264->chain.encoders, all_but(no_hardware));
  ASSERT_NE(enc, nullptr);
  EXPECT_EQ(enc->factory, "x264enc");
  auto no_x264 = no_hardware;
  no_x264.insert("x264enc");
  enc = first_available(h264->chain.encoders, all_but(no_x264));
  ASSERT_NE(enc, nullptr);
  EXPECT_EQ(enc->factory, "openh264enc");
  EXPECT_EQ(first_available(main->chain.encoders, all_but(no_x264)), nullptr);
  EXPECT_EQ(main->chain.encoder_caps, "video/x-h264,profile=main");
  EXPECT_EQ(first_available(h264->chain.encoders, only({})), nullptr);
}

TEST(ElementChains, AvailableCatalogDropsIncompleteChains) {
  // No libav: G722 (avenc_g722) goes, H.264 keeps openh264dec, VP8 keeps vp8dec.
  const auto available =
      available_catalog(all_but({"avenc_g722", "avdec_g722", "avdec_h264", "avdec_vp8"}));
  std::vector<std::string> names;
  for (const CatalogEntry& e : available) {
    names.push_back(e.codec.name);
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"opus", "PCMU", "PCMA", "VP8", "VP9", "VP9", "H264", "H264",
                                      "rtx", "telephone-event", "telephone-event", "CN"}));
  EXPECT_TRUE(chain_complete(find_entries(kAudio, "CN").at(0)->chain, only({})));
  EXPECT_FALSE(chain_complete(find_entries(kVideo, "rtx").at(0)->chain, only({"rtprtxsend"})));
  EXPECT_TRUE(chain_complete(find_entries(kVideo, "rtx").at(0)->chain,
                             only({"rtprtxsend", "rtprtxreceive"})));
}

TEST(ElementChains, AvailablePreferences) {
  Preferences p;
  p.comfort_noise = true;
  const Preferences a =
      available_preferences(p, all_but({"vah264enc", "vaapih264enc", "nvh264enc", "x264enc",
                                        "openh264enc", "avenc_g722", "rtprtxreceive"}));
  EXPECT_EQ(a.audio, (std::vector<std::string>{"opus", "PCMU", "PCMA"}));
  EXPECT_EQ(a.video, (std::vector<std::string>{"VP8", "VP9"}));
  EXPECT_FALSE(a.rtx);
  EXPECT_TRUE(a.telephone_event);
  EXPECT_TRUE(a.comfort_noise);
  EXPECT_FALSE(available_preferences(p, all_but({"rtpdtmfdepay"})).telephone_event);
  const Preferences none = available_preferences(p, only({}));
  EXPECT_TRUE(none.audio.empty());
  EXPECT_TRUE(none.video.empty());
}

TEST(ParseCodecList, NamesInCatalogSpelling) {
  const auto r = parse_codec_list("OPUS, pcmu,G722", kAudio);
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(*r, (std::vector<std::string>{"opus", "PCMU", "G722"}));
  const auto v = parse_codec_list("h264", kVideo);
  ASSERT_TRUE(v) << v.error().describe();
  EXPECT_EQ(*v, (std::vector<std::string>{"H264"}));
}

TEST(ParseCodecList, UnknownNameListsTheKnownOnes) {
  const auto r = parse_codec_list("opus,speex", kAudio);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(Errc::unknown_codec));
  EXPECT_EQ(r.error().message, "unknown audio codec \"speex\"; known: opus, G722, PCMU, PCMA");
  EXPECT_FALSE(parse_codec_list("VP8", kAudio));  // a video codec
  EXPECT_FALSE(parse_codec_list("rtx", kVideo));  // not a primary codec
  EXPECT_FALSE(parse_codec_list("telephone-event", kAudio));
  EXPECT_FALSE(parse_codec_list("red", kAudio));
}

TEST(ParseCodecList, MalformedLists) {
  for (const char* csv : {"", ",", "opus,", ",opus", "opus,,PCMU", " "}) {
    const auto r = parse_codec_list(csv, kAudio);
    ASSERT_FALSE(r) << csv;
    EXPECT_EQ(r.error().code, make_error_code(Errc::invalid_list)) << csv;
  }
  const auto twice = parse_codec_list("opus,Opus", kAudio);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().message, "audio codec \"opus\" is listed twice");
}

}  // namespace
}  // namespace jcall::codecs
