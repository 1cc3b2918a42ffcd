// RFC 3264 §6 as invariants over many generated offers (fixed seed, so every run is the same):
// jcall's answer to any offer names only offered payload types, pairs rtx with an answered
// primary, never carries a declined codec, and is itself accepted by apply_answer.
#include <algorithm>
#include <cctype>
#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "codecs/catalog.hpp"
#include "codecs/offer_answer.hpp"

namespace jcall::codecs {
namespace {

class OfferGenerator {
 public:
  explicit OfferGenerator(std::uint32_t seed) : rng_(seed) {}

  std::vector<Codec> codecs(MediaType media) {
    std::vector<Codec> out;
    std::set<int> used;
    const int count = pick(0, 12);
    for (int i = 0; i < count; ++i) {
      Codec c = media == MediaType::kAudio ? audio() : video();
      c.id = static_cast<std::uint8_t>(pick(0, 3) == 0 ? pick(0, 34) : pick(96, 127));
      if (!used.insert(c.id).second && pick(0, 9) != 0) {
        continue;  // now and then a number twice, which leaves both out of the answer
      }
      if (pick(0, 2) == 0) {
        c.rtcp_fb = feedback();
      }
      out.push_back(std::move(c));
    }
    // rtx naming one of the payload types (or none)
    for (int i = pick(0, 3); i > 0; --i) {
      Codec r;
      r.id = static_cast<std::uint8_t>(pick(96, 127));
      r.name = pick(0, 1) ? "rtx" : "RTX";
      r.clock_rate = pick(0, 5) ? 90000 : 8000;
      if (!out.empty() && pick(0, 4) != 0) {
        r.parameters = {{"apt", std::to_string(out[pick(0, int(out.size()) - 1)].id)}};
      } else if (pick(0, 1)) {
        r.parameters = {{"apt", pick(0, 1) ? "x" : "300"}};
      }
      if (used.insert(r.id).second) {
        out.push_back(std::move(r));
      }
    }
    std::shuffle(out.begin(), out.end(), rng_);
    return out;
  }

  std::vector<HeaderExtension> extensions() {
    static const char* const kUris[] = {
        "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
        "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
        "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
        "urn:ietf:params:rtp-hdrext:sdes:mid",
        "urn:3gpp:video-orientation",
        "urn:ietf:params:rtp-hdrext:toffset",
    };
    std::vector<HeaderExtension> out;
    for (int i = pick(0, 6); i > 0; --i) {
      out.push_back({static_cast<std::uint16_t>(pick(1, 14)), kUris[pick(0, 5)], ""});
    }
    return out;
  }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  Codec audio() {
    static const char* const kNames[] = {"opus", "OPUS",  "G722", "PCMU",
                                         "PCMA", "CN",    "red",  "telephone-event",
                                         "ISAC", "speex", "",     "ulpfec"};
    static const std::uint32_t kRates[] = {0, 8000, 16000, 48000};
    Codec c;
    c.name = kNames[pick(0, 11)];
    c.clock_rate = kRates[pick(0, 3)];
    if (pick(0, 2) != 0) {
      c.channels = static_cast<std::uint32_t>(pick(1, 2));
    }
    if (pick(0, 1)) {
      c.parameters = {{"useinbandfec", "1"}, {"minptime", std::to_string(pick(0, 40))}};
    }
    return c;
  }

  Codec video() {
    static const char* const kNames[] = {"VP8", "vp9", "H264",   "h264",
                                         "AV1", "red", "ulpfec", "H265"};
    static const char* const kProfiles[] = {"42e01f", "42001f", "4d001f", "640c1f", "42f00b",
                                            "58f034", "6e001f", "42e0",   "zzzzzz", ""};
    Codec c;
    c.name = kNames[pick(0, 7)];
    c.clock_rate = pick(0, 6) ? 90000 : 0;
    if (c.name == "H264" || c.name == "h264") {
      if (const std::string p = kProfiles[pick(0, 9)]; !p.empty()) {
        c.parameters.push_back({"profile-level-id", p});
      }
      if (pick(0, 3)) {
        c.parameters.push_back({"packetization-mode", std::to_string(pick(0, 3))});
      }
      if (pick(0, 1)) {
        c.parameters.push_back({"level-asymmetry-allowed", std::to_string(pick(0, 1))});
      }
    } else if (c.name == "vp9" && pick(0, 1)) {
      c.parameters.push_back({"profile-id", std::to_string(pick(0, 3))});
    }
    return c;
  }

  std::vector<RtcpFb> feedback() {
    static const RtcpFb kAll[] = {{"nack", ""},      {"nack", "pli"},      {"ccm", "fir"},
                                  {"goog-remb", ""}, {"transport-cc", ""}, {"ccm", "tmmbr"},
                                  {"nack", "sli"},   {"goog-lntf", ""}};
    std::vector<RtcpFb> out;
    for (int i = pick(0, 5); i > 0; --i) {
      out.push_back(kAll[pick(0, 7)]);
    }
    return out;
  }

  std::mt19937 rng_;
};

bool is_primary(const Codec& c) {
  return find_entry(MediaType::kAudio, c) != nullptr || find_entry(MediaType::kVideo, c) != nullptr
             ? [&] {
                 for (const MediaType m : {MediaType::kAudio, MediaType::kVideo}) {
                   if (const CatalogEntry* e = find_entry(m, c)) {
                     return e->role == CodecRole::kPrimary;
                   }
                 }
                 return false;
               }()
             : false;
}

TEST(OfferAnswerProperties, JcallsAnswerToAnyOfferIsAValidAnswer) {
  OfferGenerator gen(20261125);
  int answered = 0;
  int refused = 0;
  std::map<std::string, int> kinds;  // answered payload types by lower-case name
  for (int round = 0; round < 3000; ++round) {
    const MediaType media = round % 2 ? MediaType::kVideo : MediaType::kAudio;
    const std::vector<Codec> offered = gen.codecs(media);
    const std::vector<HeaderExtension> exts = gen.extensions();
    Preferences prefs;
    prefs.comfort_noise = round % 3 == 0;
    prefs.rtx = round % 5 != 0;
    const auto answer = answer_offer(media, offered, exts, prefs);
    if (!answer) {
      ++refused;
      EXPECT_FALSE(answer.error().message.empty());
      continue;
    }
    ++answered;
    SCOPED_TRACE("round " + std::to_string(round));
    std::set<int> ids;
    bool primaries_done = false;
    for (const Codec& c : answer->codecs) {
      std::string kind = c.name;
      std::transform(kind.begin(), kind.end(), kind.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      ++kinds[kind];
      EXPECT_TRUE(ids.insert(c.id).second) << "payload type " << int(c.id) << " answered twice";
      const auto o = std::find_if(offered.begin(), offered.end(),
                                  [&](const Codec& x) { return x.id == c.id; });
      ASSERT_NE(o, offered.end()) << "payload type " << int(c.id) << " was not offered";
      EXPECT_TRUE(with_implied_fields(*o, media).matches(c)) << int(c.id);
      EXPECT_FALSE(is_declined(c)) << c.name;
      EXPECT_NE(find_entry(media, c), nullptr) << c.name << " is not in the catalog";
      // Primaries first, then the auxiliary payload types.
      if (is_primary(c)) {
        EXPECT_FALSE(primaries_done) << c.name << " after an auxiliary payload type";
      } else {
        primaries_done = true;
      }
      if (const auto apt = c.parameter("apt")) {
        const auto p = std::find_if(answer->codecs.begin(), answer->codecs.end(),
                                    [&](const Codec& x) { return std::to_string(x.id) == *apt; });
        ASSERT_NE(p, answer->codecs.end()) << "rtx " << int(c.id) << " apt=" << *apt;
        EXPECT_TRUE(is_primary(*p));
        EXPECT_EQ(o->parameter("apt"), *apt) << "rtx apt rewritten";
      }
      for (const RtcpFb& fb : c.rtcp_fb) {
        EXPECT_NE(std::find(o->rtcp_fb.begin(), o->rtcp_fb.end(), fb), o->rtcp_fb.end())
            << fb.type << " " << fb.subtype << " was not offered";
      }
    }
    EXPECT_TRUE(answer->codecs.empty() || is_primary(answer->codecs.front()));
    for (const HeaderExtension& x : answer->header_extensions) {
      EXPECT_NE(std::find(exts.begin(), exts.end(), x), exts.end()) << x.uri;
    }
    // The offerer's side accepts it as it is.
    const auto applied =
        apply_answer(media, Negotiated{offered, exts}, answer->codecs, answer->header_extensions);
    ASSERT_TRUE(applied) << applied.error().describe();
    EXPECT_EQ(applied->codecs, answer->codecs);
    EXPECT_EQ(applied->header_extensions, answer->header_extensions);
  }
  // The generator reaches both outcomes often (otherwise this test proves little).
  EXPECT_GT(answered, 500);
  EXPECT_GT(refused, 500);
  for (const char* kind :
       {"opus", "g722", "pcmu", "pcma", "cn", "telephone-event", "vp8", "vp9", "h264", "rtx"}) {
    EXPECT_GE(kinds[kind], 10) << kind;
  }
}

}  // namespace
}  // namespace jcall::codecs
