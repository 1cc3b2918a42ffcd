// The video of two real RtpPipelines in one process on one GMainContext, iterated by the test
// thread, each one's outgoing packets fed into the other's receive() through a link the test
// controls (random loss with a fixed seed, a burst): VP8, VP9 profile 0 and 2 and H.264 as
// negotiated by codecs/ (make_offer, answer_offer, apply_answer, RTX with apt, RFC 4588 SSRCs);
// the decoded size and the SMPTE bars at the receiver; NACK and retransmission (RFC 4585,
// RFC 4588), keyframe requests after a burst (RFC 4585 PLI), camera off and on (a keyframe
// first), the window's RGBA mailbox and self-view, bandwidth adaptation from receiver reports (RFC
// 3550 §6.4.2) and the user's limits. Small sizes and rates: video encoding is the costly part and
// the machine has two cores. Every wait is bounded.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "codecs/offer_answer.hpp"
#include "media/detail/glib.hpp"
#include "media/pipeline/rtp_pipeline.hpp"
#include "pipeline_fixture.hpp"

namespace jcall::media {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t kSsrcA = 0x1111;
constexpr std::uint32_t kRtxSsrcA = 0x1112;
constexpr std::uint32_t kSsrcB = 0x2222;
constexpr std::uint32_t kRtxSsrcB = 0x2223;

struct Negotiation {
  codecs::Negotiated offerer;
  codecs::Negotiated answerer;
};

bool is_rtx(const codecs::Codec& c) {
  return c.name == "rtx";
}

// Offer `codec` (with RTX), answer it, apply the answer. `vp9_profile` keeps only that VP9
// profile-id (and its RTX) in the offer.
Negotiation negotiate(const std::string& codec, const std::string& vp9_profile = {}) {
  codecs::Preferences prefs;
  prefs.video = {codec};
  codecs::Negotiated offer = codecs::make_offer(codecs::MediaType::kVideo, prefs);
  if (!vp9_profile.empty()) {
    std::vector<std::uint8_t> dropped;
    std::erase_if(offer.codecs, [&](const codecs::Codec& c) {
      const auto profile = c.parameter("profile-id");
      if (c.name == "VP9" && profile && *profile != vp9_profile) {
        dropped.push_back(c.id);
        return true;
      }
      return false;
    });
    std::erase_if(offer.codecs, [&](const codecs::Codec& c) {
      const auto apt = c.parameter("apt");
      return is_rtx(c) && apt &&
             std::find(dropped.begin(), dropped.end(), std::stoi(std::string(*apt))) !=
                 dropped.end();
    });
  }
  auto answer =
      codecs::answer_offer(codecs::MediaType::kVideo, offer.codecs, offer.header_extensions, prefs);
  EXPECT_TRUE(answer) << codec;
  if (!answer) {
    return {};
  }
  auto applied = codecs::apply_answer(codecs::MediaType::kVideo, offer, answer->codecs,
                                      answer->header_extensions);
  EXPECT_TRUE(applied) << codec;
  if (!applied) {
    return {};
  }
  return {*applied, *answer};
}

// What the link saw of the frames one side sent: the start of each frame and whether it was a
// keyframe (from the RTP payload: RFC 7741 §4.2-4.3, RFC 9628 §4.2 and the VP9 bitstream's
// uncompressed header), and the VP9 profile of the keyframes.
struct FrameStart {
  std::chrono::steady_clock::time_point at;
  bool key = false;
};

// The payload of an RTP packet (after CSRCs and the header extension), or empty.
std::span<const std::uint8_t> rtp_payload(std::span<const std::uint8_t> p) {
  if (p.size() < 12) {
    return {};
  }
  std::size_t off = 12 + 4 * std::size_t(p[0] & 0x0f);
  if ((p[0] & 0x10) != 0) {
    if (p.size() < off + 4) {
      return {};
    }
    off += 4 + 4 * ((std::size_t(p[off + 2]) << 8) | p[off + 3]);
  }
  std::size_t end = p.size();
  if ((p[0] & 0x20) != 0 && end > off) {
    end -= std::min<std::size_t>(p[end - 1], end - off);
  }
  return off < end ? p.subspan(off, end - off) : std::span<const std::uint8_t>{};
}

// VP8 (RFC 7741): the frame start's keyframe flag (the P bit of the VP8 payload header is 0).
std::optional<bool> vp8_key(std::span<const std::uint8_t> d) {
  if (d.empty()) {
    return std::nullopt;
  }
  const std::uint8_t first = d[0];
  std::size_t off = 1;
  if ((first & 0x80) != 0) {  // X
    if (d.size() <= off) {
      return std::nullopt;
    }
    const std::uint8_t x = d[off++];
    if ((x & 0x80) != 0) {  // I: picture id, 7 or 15 bits
      if (d.size() <= off) {
        return std::nullopt;
      }
      off += (d[off] & 0x80) != 0 ? 2 : 1;
    }
    off += (x & 0x40) != 0 ? 1 : 0;  // L: TL0PICIDX
    off += (x & 0x30) != 0 ? 1 : 0;  // T or K: TID/KEYIDX
  }
  const bool start = (first & 0x10) != 0 && (first & 0x07) == 0;
  if (!start || d.size() <= off) {
    return std::nullopt;
  }
  return (d[off] & 0x01) == 0;
}

struct Vp9Start {
  bool key = false;
  int profile = -1;  // from the uncompressed header (keyframes only)
};

// VP9 (RFC 9628 §4.2, non-flexible mode as rtpvp9pay writes it): at a frame start (B), the
// keyframe flag (P = 0) and the profile bits of the uncompressed header.
std::optional<Vp9Start> vp9_start(std::span<const std::uint8_t> d) {
  if (d.empty() || (d[0] & 0x08) == 0) {  // B
    return std::nullopt;
  }
  const std::uint8_t first = d[0];
  const bool i = first & 0x80, p = first & 0x40, l = first & 0x20, f = first & 0x10,
             v = first & 0x02;
  std::size_t off = 1;
  const auto need = [&](std::size_t n) { return d.size() >= off + n; };
  if (i) {
    if (!need(1)) {
      return std::nullopt;
    }
    off += (d[off] & 0x80) != 0 ? 2 : 1;
  }
  if (l) {
    off += f ? 1 : 2;
  }
  if (f && p) {
    for (int k = 0; k < 3 && need(1); ++k) {
      if ((d[off++] & 0x01) == 0) {
        break;
      }
    }
  }
  if (v) {
    if (!need(1)) {
      return std::nullopt;
    }
    const std::uint8_t ss = d[off++];
    const int layers = (ss >> 5) + 1;
    if ((ss & 0x10) != 0) {
      off += 4 * std::size_t(layers);
    }
    if ((ss & 0x08) != 0) {
      if (!need(1)) {
        return std::nullopt;
      }
      const int groups = d[off++];
      for (int g = 0; g < groups; ++g) {
        if (!need(1)) {
          return std::nullopt;
        }
        off += 1 + ((d[off] >> 2) & 0x03);
      }
    }
  }
  Vp9Start s;
  s.key = !p;
  if (s.key && need(1) && (d[off] >> 6) == 0x2) {  // frame_marker
    s.profile = ((d[off] >> 5) & 1) | (((d[off] >> 4) & 1) << 1);
  }
  return s;
}

// One direction of the link: loss, a burst, and what was sent.
struct Link {
  double loss = 0;     // probability of dropping an RTP packet
  bool burst = false;  // drop every RTP packet
  std::mt19937 random{20261126};
  std::uint64_t forwarded = 0;
  std::uint64_t dropped = 0;
  std::uint8_t primary_pt = 0;  // the codec whose frame starts are looked at
  std::string codec;            // "VP8", "VP9" or other (not looked at)
  std::vector<FrameStart> starts;
  std::vector<int> vp9_profiles;  // of the keyframes seen
  bool rtcp_blocked = false;      // drop every RTCP packet
  // The extended highest sequence number of the primary payload type (RFC 3550 A.1).
  std::optional<std::uint16_t> last_seq;
  std::uint32_t ext_seq = 0;
};

struct Side {
  std::unique_ptr<RtpPipeline> pipeline;
  Link out;  // what this side sends
  std::vector<std::string> errors;
};

class VideoPipelineTest : public PipelineContextTest {
 protected:
  void TearDown() override {
    a_.pipeline.reset();
    b_.pipeline.reset();
    PipelineContextTest::TearDown();
  }

  static void observe(Link& link, std::span<const std::uint8_t> packet) {
    if (packet.size() < 12 || (packet[1] & 0x7f) != link.primary_pt) {
      return;
    }
    const auto seq = static_cast<std::uint16_t>(packet[2] << 8 | packet[3]);
    if (!link.last_seq) {
      link.ext_seq = seq;
    } else if (const auto ahead = static_cast<std::uint16_t>(seq - *link.last_seq);
               ahead < 0x8000) {
      link.ext_seq += ahead;
    }
    if (!link.last_seq || static_cast<std::uint16_t>(seq - *link.last_seq) < 0x8000) {
      link.last_seq = seq;
    }
    const auto payload = rtp_payload(packet);
    if (link.codec == "VP8") {
      if (const auto key = vp8_key(payload)) {
        link.starts.push_back({std::chrono::steady_clock::now(), *key});
      }
    } else if (link.codec == "VP9") {
      if (const auto s = vp9_start(payload)) {
        link.starts.push_back({std::chrono::steady_clock::now(), s->key});
        if (s->key) {
          link.vp9_profiles.push_back(s->profile);
        }
      }
    }
  }

  RtpPipeline::Events events(Side& self, Side& peer) {
    RtpPipeline::Events e;
    e.outgoing = [&self, &peer](std::vector<std::uint8_t> packet, bool rtcp) {
      Link& link = self.out;
      if (rtcp && link.rtcp_blocked) {
        return;
      }
      if (!rtcp) {
        std::uniform_real_distribution<double> u(0, 1);
        const bool drop = link.burst || (link.loss > 0 && u(link.random) < link.loss);
        observe(link, packet);
        if (drop) {
          ++link.dropped;
          return;
        }
        ++link.forwarded;
      }
      if (peer.pipeline) {
        peer.pipeline->receive(packet, rtcp);
      }
    };
    e.error = [&self](const Error& error) {
      self.errors.push_back(error.message);
      ADD_FAILURE() << error.message;
    };
    return e;
  }

  static StreamConfig stream(const codecs::Negotiated& n,
                             std::uint32_t ssrc,
                             std::uint32_t rtx_ssrc) {
    StreamConfig s;
    s.name = "video";
    s.media = codecs::MediaType::kVideo;
    s.codecs = n;
    s.local_ssrc = ssrc;
    s.local_rtx_ssrc = rtx_ssrc;
    s.cname = "video" + std::to_string(ssrc);
    return s;
  }

  static PipelineConfig config(const std::string& source) {
    PipelineConfig c;
    auto v = parse_video_source(source);
    EXPECT_TRUE(v) << source;
    if (v) {
      c.video_source = *v;
    }
    return c;
  }

  // Both sides negotiated (A offers), with their configurations, started.
  void start_pair(const Negotiation& n, PipelineConfig ca, PipelineConfig cb) {
    ASSERT_FALSE(n.offerer.codecs.empty());
    ASSERT_FALSE(n.answerer.codecs.empty());
    a_.out.primary_pt = n.offerer.codecs.front().id;
    a_.out.codec = n.offerer.codecs.front().name;
    b_.out.primary_pt = n.answerer.codecs.front().id;
    b_.out.codec = n.answerer.codecs.front().name;
    auto a = RtpPipeline::create(ctx_, std::move(ca), events(a_, b_));
    ASSERT_TRUE(a) << a.error().message;
    auto b = RtpPipeline::create(ctx_, std::move(cb), events(b_, a_));
    ASSERT_TRUE(b) << b.error().message;
    a_.pipeline = std::move(*a);
    b_.pipeline = std::move(*b);
    auto ra = a_.pipeline->add_stream(stream(n.offerer, kSsrcA, kRtxSsrcA));
    ASSERT_TRUE(ra) << ra.error().message;
    auto rb = b_.pipeline->add_stream(stream(n.answerer, kSsrcB, kRtxSsrcB));
    ASSERT_TRUE(rb) << rb.error().message;
    auto sa = a_.pipeline->start();
    ASSERT_TRUE(sa) << sa.error().message;
    auto sb = b_.pipeline->start();
    ASSERT_TRUE(sb) << sb.error().message;
  }

  void start_pair(const std::string& codec, const std::string& source = "pattern:smpte:320x240") {
    start_pair(negotiate(codec), config(source), config(source));
  }
  // A VP8 call in which both sides keep frames for a window (mailboxes and self-views).
  void start_pair_with_frames(const std::string& source_a, const std::string& source_b) {
    PipelineConfig ca = config(source_a);
    PipelineConfig cb = config(source_b);
    ca.video_frames = true;
    cb.video_frames = true;
    start_pair(negotiate("VP8"), ca, cb);
  }

  static StreamStats stats_of(Side& side) { return only_stream(*side.pipeline); }
  static VideoStats video_of(Side& side) {
    const StreamStats s = stats_of(side);
    EXPECT_TRUE(s.video);
    return s.video.value_or(VideoStats{});
  }
  static std::uint64_t decoded(Side& side) { return video_of(side).received.frames; }

  static std::string describe(Side& side) {
    const StreamStats s = stats_of(side);
    const VideoStats v = s.video.value_or(VideoStats{});
    return s.codec + " (" + v.encoder + "): sent " + std::to_string(v.frames_sent) + " frames " +
           std::to_string(v.sent_width) + "x" + std::to_string(v.sent_height) + ", " +
           std::to_string(s.packets_sent) + " packets; received " +
           std::to_string(s.packets_received) + " packets, decoded " +
           std::to_string(v.received.frames) + " frames " + std::to_string(v.received.width) + "x" +
           std::to_string(v.received.height) + ", pattern " +
           std::to_string(v.received.pattern_matched) + "/" +
           std::to_string(v.received.pattern_checked) + ", longest gap " +
           std::to_string(v.received.longest_gap_ms) + " ms; nacks sent " +
           std::to_string(v.nacks_sent) + " received " + std::to_string(v.nacks_received) +
           "; rtx sent " + std::to_string(v.retransmissions_sent) + " received " +
           std::to_string(v.retransmissions_received) + "; keyframe requests sent " +
           std::to_string(v.keyframe_requests_sent) + " received " +
           std::to_string(v.keyframe_requests_received);
  }
  std::string both() { return "A: " + describe(a_) + "\nB: " + describe(b_); }

  // Decoded at least `frames` at `w`x`h`, with the bars recognised.
  static bool sees_bars(Side& side, int w, int h, std::uint64_t frames = 10) {
    const VideoStats v = video_of(side);
    return v.received.frames >= frames && v.received.width == w && v.received.height == h &&
           v.received.pattern_matched > 0;
  }

  Side a_;
  Side b_;
};

TEST_F(VideoPipelineTest, NegotiationCarriesRtxForEachPrimary) {
  for (const auto& [codec, profile] : {std::pair{"VP8", ""}, std::pair{"VP9", "0"},
                                       std::pair{"VP9", "2"}, std::pair{"H264", ""}}) {
    const Negotiation n = negotiate(codec, profile);
    for (const codecs::Negotiated* side : {&n.offerer, &n.answerer}) {
      ASSERT_FALSE(side->codecs.empty()) << codec;
      const codecs::Codec& primary = side->codecs.front();
      EXPECT_EQ(primary.name, codec);
      if (*profile != '\0') {
        EXPECT_EQ(primary.parameter("profile-id"), std::optional<std::string_view>(profile));
      }
      const bool has_rtx =
          std::any_of(side->codecs.begin(), side->codecs.end(), [&](const codecs::Codec& c) {
            return is_rtx(c) && c.parameter("apt") == std::to_string(primary.id);
          });
      EXPECT_TRUE(has_rtx) << codec << " " << profile;
    }
  }
}

struct CodecCase {
  const char* codec;
  const char* vp9_profile;
  const char* encoder_prefix;  // the catalog's first candidate family
};

class VideoCodecTest : public VideoPipelineTest, public ::testing::WithParamInterface<CodecCase> {};

// Each side decodes the other's bars at the other's size (the sizes differ on purpose).
TEST_P(VideoCodecTest, EachSideDecodesTheOthersBarsAtItsSize) {
  const CodecCase c = GetParam();
  start_pair(negotiate(c.codec, c.vp9_profile), config("pattern:smpte:320x240@15"),
             config("pattern:smpte:256x192@15"));
  EXPECT_TRUE(wait_until([&] { return sees_bars(b_, 320, 240) && sees_bars(a_, 256, 192); }, 15s))
      << both();
  const StreamStats sa = stats_of(a_);
  ASSERT_TRUE(sa.video);
  EXPECT_EQ(sa.media, codecs::MediaType::kVideo);
  EXPECT_EQ(sa.codec, std::string(c.codec) + "/90000");
  EXPECT_EQ(sa.video->encoder.rfind(c.encoder_prefix, 0), 0u) << sa.video->encoder;
  EXPECT_GT(sa.video->frames_sent, 0u);
  EXPECT_EQ(sa.video->sent_width, 320);
  EXPECT_EQ(sa.video->sent_height, 240);
  EXPECT_EQ(sa.video->sent_fps, 15);
  EXPECT_GT(sa.packets_sent, 0u);
  // What B decoded came from what A sent.
  const VideoStats vb = video_of(b_);
  EXPECT_LE(vb.received.frames, video_of(a_).frames_sent);
  EXPECT_EQ(vb.received.pattern_matched, vb.received.pattern_checked) << both();
  EXPECT_TRUE(a_.errors.empty() && b_.errors.empty());
  if (std::string(c.codec) == "VP9") {
    // The profile on the wire is the negotiated one (VP9 uncompressed header).
    ASSERT_FALSE(a_.out.vp9_profiles.empty());
    EXPECT_EQ(a_.out.vp9_profiles.front(), std::stoi(c.vp9_profile));
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs,
                         VideoCodecTest,
                         ::testing::Values(CodecCase{"VP8", "", "vp8enc"},
                                           CodecCase{"VP9", "0", "vp9enc"},
                                           CodecCase{"VP9", "2", "vp9enc"},
                                           CodecCase{"H264", "", "x264enc"}),
                         [](const auto& info) {
                           return std::string(info.param.codec) + info.param.vp9_profile;
                         });

// 5 % of A's RTP packets lost at random (fixed seed): B asks for them again (NACK), A resends
// them on its RTX SSRC, B repairs the stream; the picture never stops for a second.
TEST_F(VideoPipelineTest, RandomLossIsRepairedByRetransmission) {
  start_pair("VP8", "pattern:smpte:320x240@30");
  ASSERT_TRUE(wait_until([&] { return sees_bars(b_, 320, 240, 5); }, 15s)) << both();
  a_.out.loss = 0.05;
  const std::uint64_t before = decoded(b_);
  EXPECT_TRUE(wait_until(
      [&] {
        const VideoStats va = video_of(a_);
        const VideoStats vb = video_of(b_);
        return a_.out.dropped >= 5 && vb.nacks_sent > 0 && va.nacks_received > 0 &&
               va.retransmissions_sent > 0 && vb.retransmissions_received > 0;
      },
      20s))
      << a_.out.dropped << " of " << a_.out.forwarded + a_.out.dropped << " dropped\n"
      << both();
  run_for(3s);  // longer under loss: no freeze builds up
  const VideoStats vb = video_of(b_);
  EXPECT_GT(vb.received.frames, before + 90) << both();
  EXPECT_LT(vb.received.longest_gap_ms, 1000) << both();
  EXPECT_GT(vb.received.fps, 10) << both();
  std::printf(
      "5 %% loss: %llu dropped, %llu NACKs, %llu retransmitted, %llu repaired, "
      "%llu keyframe requests, longest gap %.0f ms\n",
      static_cast<unsigned long long>(a_.out.dropped),
      static_cast<unsigned long long>(vb.nacks_sent),
      static_cast<unsigned long long>(video_of(a_).retransmissions_sent),
      static_cast<unsigned long long>(vb.retransmissions_received),
      static_cast<unsigned long long>(vb.keyframe_requests_sent), vb.received.longest_gap_ms);
}

// Everything A sends is lost for 1.2 s: nothing is left to retransmit in time, so B asks for a
// keyframe, A sends one, and B's picture comes back.
TEST_F(VideoPipelineTest, BurstLossEndsWithAKeyframeRequest) {
  start_pair("VP8", "pattern:smpte:320x240@30");
  ASSERT_TRUE(wait_until([&] { return sees_bars(b_, 320, 240, 5); }, 15s)) << both();
  const VideoStats before = video_of(b_);
  a_.out.burst = true;
  run_for(1200ms);
  a_.out.burst = false;
  const auto burst_end = std::chrono::steady_clock::now();
  b_.pipeline->mark_burst_end(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::steady_clock::now().time_since_epoch())
                                  .count());
  const std::uint64_t at_end = decoded(b_);
  EXPECT_LE(at_end, before.received.frames + 6) << "frames decoded during the burst";
  EXPECT_TRUE(wait_until(
      [&] {
        const VideoStats va = video_of(a_);
        const VideoStats vb = video_of(b_);
        return vb.keyframe_requests_sent > before.keyframe_requests_sent &&
               va.keyframe_requests_received > 0 && vb.received.frames > at_end + 10 &&
               vb.recovery_ms;
      },
      10s))
      << both();
  const VideoStats vb = video_of(b_);
  ASSERT_TRUE(vb.recovery_ms);
  EXPECT_LT(*vb.recovery_ms, 1000) << both();
  EXPECT_GE(vb.received.longest_gap_ms, 1000);  // the burst itself
  // A keyframe went out after the burst ended.
  EXPECT_TRUE(std::any_of(a_.out.starts.begin(), a_.out.starts.end(),
                          [&](const FrameStart& f) { return f.key && f.at > burst_end; }));
  std::printf("burst 1.2 s: %llu dropped, %llu keyframe requests, recovery %.0f ms\n",
              static_cast<unsigned long long>(a_.out.dropped),
              static_cast<unsigned long long>(vb.keyframe_requests_sent), *vb.recovery_ms);
}

// What one camera off/on cycle of A showed.
struct CameraCycle {
  std::uint64_t sent_off = 0, sent_after_off = 0;        // A's frames_sent
  std::uint64_t decoded_off = 0, decoded_after_off = 0;  // B's decoded frames
  std::size_t starts_off = 0, starts_after_off = 0;      // frame starts A sent
  std::uint64_t nacks_off = 0, nacks_after_off = 0;      // NACKs B sent
  std::uint64_t requests_on = 0;                         // B's keyframe requests at camera on
  bool resumed = false;
  std::string pattern;  // K: keyframe, d: delta frame, |: camera back on
};

class CameraTest : public VideoPipelineTest {
 protected:
  // VP8 both ways; A's camera off for a second, then on again until B decodes again.
  CameraCycle cycle() {
    CameraCycle c;
    start_pair("VP8", "pattern:smpte:320x240@15");
    EXPECT_TRUE(wait_until([&] { return sees_bars(b_, 320, 240, 5); }, 15s)) << both();
    c.nacks_off = video_of(b_).nacks_sent;  // the link loses nothing: none are due from here on
    a_.pipeline->set_camera(false);
    EXPECT_FALSE(video_of(a_).camera_on);
    run_for(300ms);  // what was in flight
    c.sent_off = video_of(a_).frames_sent;
    c.decoded_off = decoded(b_);
    c.starts_off = a_.out.starts.size();
    run_for(1s);
    c.sent_after_off = video_of(a_).frames_sent;
    c.decoded_after_off = decoded(b_);
    c.starts_after_off = a_.out.starts.size();
    c.nacks_after_off = video_of(b_).nacks_sent;
    c.requests_on = video_of(b_).keyframe_requests_sent;
    a_.pipeline->set_camera(true);
    EXPECT_TRUE(video_of(a_).camera_on);
    c.resumed = wait_until(
        [&] {
          return video_of(a_).frames_sent > c.sent_off + 5 && decoded(b_) > c.decoded_off + 5;
        },
        5s);
    for (std::size_t i = 0; i < a_.out.starts.size(); ++i) {
      c.pattern += std::string(i == c.starts_off ? "|" : "") + (a_.out.starts[i].key ? "K" : "d");
    }
    return c;
  }
};

// Camera off: A's encoder gets no frames and B decodes none; on again: both resume, and the
// first frame A sends is a keyframe.
TEST_F(CameraTest, OffStopsTheVideoAndOnResumesWithAKeyframe) {
  const CameraCycle c = cycle();
  EXPECT_EQ(c.sent_after_off, c.sent_off);
  EXPECT_EQ(c.decoded_after_off, c.decoded_off);
  EXPECT_EQ(c.starts_after_off, c.starts_off);
  EXPECT_GT(decoded(a_), 0u);  // B's camera stayed on
  EXPECT_TRUE(c.resumed) << both();
  ASSERT_GT(a_.out.starts.size(), c.starts_off);
  EXPECT_TRUE(a_.out.starts[c.starts_off].key) << c.pattern;
  EXPECT_GT(video_of(b_).received.pattern_matched, 0u);
}

// The receiver's side of the same cycle: a pause is not a loss. B asks for no packet during it
// and decodes the keyframe A sends when the camera comes back, without asking for another.
TEST_F(CameraTest, ThePauseIsNoLossForTheReceiver) {
  const CameraCycle c = cycle();
  EXPECT_TRUE(c.resumed) << both();
  EXPECT_EQ(c.nacks_after_off, c.nacks_off) << both();
  EXPECT_EQ(video_of(b_).keyframe_requests_sent, c.requests_on) << both() << "\n" << c.pattern;
}

// video_frames: decoded frames reach the window's mailbox as RGBA at the sender's size, and the
// bars are where they should be.
TEST_F(VideoPipelineTest, MailboxGetsRgbaFramesAtTheSendersSize) {
  PipelineConfig cb = config("pattern:smpte:320x240@15");
  cb.video_frames = true;
  start_pair(negotiate("VP8"), config("pattern:smpte:320x240@15"), cb);
  EXPECT_EQ(a_.pipeline->frames("video"), nullptr);  // A left it off
  EXPECT_EQ(a_.pipeline->self_view("video"), nullptr);
  EXPECT_EQ(b_.pipeline->frames("audio"), nullptr);
  const std::shared_ptr<FrameMailbox> box = b_.pipeline->frames("video");
  ASSERT_NE(box, nullptr);
  std::optional<VideoFrame> frame;
  std::uint64_t taken = 0;
  EXPECT_TRUE(wait_until(
      [&] {
        if (auto f = box->take()) {
          frame = std::move(f);
          ++taken;
        }
        return taken >= 5;
      },
      15s))
      << both();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->width, 320);
  EXPECT_EQ(frame->height, 240);
  ASSERT_EQ(frame->rgba.size(), 320u * 240u * 4u);
  EXPECT_GE(frame->sequence, taken);
  EXPECT_GT(frame->pts_ns, 0);
  EXPECT_GE(box->frames_put(), taken);
  // SMPTE 100 % bars, upper part: white, yellow, ..., blue; each sampled in its middle.
  const auto pixel = [&](int x, int y) {
    const std::uint8_t* p = &frame->rgba[(std::size_t(y) * 320 + std::size_t(x)) * 4];
    return std::array<int, 4>{p[0], p[1], p[2], p[3]};
  };
  const auto white = pixel(320 / 14, 60);
  const auto yellow = pixel(3 * 320 / 14, 60);
  const auto blue = pixel(13 * 320 / 14, 60);
  EXPECT_GT(white[0], 200);
  EXPECT_GT(white[1], 200);
  EXPECT_GT(white[2], 200);
  EXPECT_GT(yellow[0], 200);
  EXPECT_GT(yellow[1], 200);
  EXPECT_LT(yellow[2], 60);
  EXPECT_LT(blue[0], 60);
  EXPECT_LT(blue[1], 60);
  EXPECT_GT(blue[2], 200);
  EXPECT_EQ(white[3], 255);
}

// What the window gets from one mailbox: the newest frame, how many were taken, and how many
// broke "entered the branch (decoded_ns) before being handed over (pts_ns)".
struct Taken {
  std::optional<VideoFrame> last;
  std::uint64_t count = 0;
  std::uint64_t bad_times = 0;

  void take_from(FrameMailbox& box) {
    if (auto f = box.take()) {
      bad_times += f->decoded_ns > 0 && f->decoded_ns <= f->pts_ns ? 0 : 1;
      last = std::move(f);
      ++count;
    }
  }
};

// The SMPTE bars of an RGBA frame of any size: white at the left, blue at the right.
bool shows_bars(const VideoFrame& f) {
  if (f.width <= 0 || f.height <= 0 ||
      f.rgba.size() != std::size_t(f.width) * std::size_t(f.height) * 4) {
    return false;
  }
  const auto pixel = [&](int x, int y) {
    return &f.rgba[(std::size_t(y) * std::size_t(f.width) + std::size_t(x)) * 4];
  };
  const std::uint8_t* white = pixel(f.width / 14, f.height / 4);
  const std::uint8_t* blue = pixel(13 * f.width / 14, f.height / 4);
  return white[0] > 200 && white[1] > 200 && white[2] > 200 && blue[0] < 60 && blue[1] < 60 &&
         blue[2] > 200 && white[3] == 255;
}

// video_frames: each side's self-view gets what it sends, RGBA, fitted to 320x240 with the
// aspect kept (320x240 as it is, 960x540 down to 320x180) at most 15 frames a second (A sends
// 30), stamped when it entered its branch;
// camera off stops it (the other side's goes on), camera on resumes it. The window's decoded
// frames carry when they left the decoder, before they were due.
TEST_F(VideoPipelineTest, SelfViewShowsWhatIsSentUntilTheCameraIsOff) {
  start_pair_with_frames("pattern:smpte:320x240@30", "pattern:smpte:960x540@5");
  EXPECT_EQ(a_.pipeline->self_view("audio"), nullptr);
  const std::shared_ptr<FrameMailbox> self_a = a_.pipeline->self_view("video");
  const std::shared_ptr<FrameMailbox> self_b = b_.pipeline->self_view("video");
  const std::shared_ptr<FrameMailbox> remote_b = b_.pipeline->frames("video");
  ASSERT_NE(self_a, nullptr);
  ASSERT_NE(self_b, nullptr);
  ASSERT_NE(remote_b, nullptr);
  EXPECT_NE(self_a, a_.pipeline->frames("video"));
  Taken sa, sb, rb;
  EXPECT_TRUE(wait_until(
      [&] {
        sa.take_from(*self_a);
        sb.take_from(*self_b);
        rb.take_from(*remote_b);
        return sa.count >= 5 && sb.count >= 3 && rb.count >= 5;
      },
      15s))
      << "self-view A " << sa.count << ", self-view B " << sb.count << ", B's window " << rb.count
      << "\n"
      << both();
  ASSERT_TRUE(sa.last && sb.last && rb.last);
  EXPECT_EQ(sa.last->width, 320);
  EXPECT_EQ(sa.last->height, 240);
  EXPECT_TRUE(shows_bars(*sa.last));
  EXPECT_EQ(sb.last->width, 320);
  EXPECT_EQ(sb.last->height, 180);
  EXPECT_TRUE(shows_bars(*sb.last));
  EXPECT_EQ(rb.last->width, 320);
  EXPECT_EQ(rb.last->height, 240);
  EXPECT_EQ(sa.bad_times, 0u);
  EXPECT_EQ(sb.bad_times, 0u);
  EXPECT_EQ(rb.bad_times, 0u);

  // A sends 30 frames a second; its self-view gets at most 15 of them.
  const std::uint64_t before_rate = self_a->frames_put();
  run_for(2s);
  const std::uint64_t in_2s = self_a->frames_put() - before_rate;
  EXPECT_GE(in_2s, 20u);
  EXPECT_LE(in_2s, 33u);

  a_.pipeline->set_camera(false);
  run_for(300ms);  // what had passed the valve
  (void)self_a->take();
  const std::uint64_t put_off = self_a->frames_put();
  const std::uint64_t put_b = self_b->frames_put();
  run_for(1s);
  EXPECT_EQ(self_a->frames_put(), put_off);
  EXPECT_FALSE(self_a->take());
  EXPECT_GT(self_b->frames_put(), put_b);  // B's camera stayed on

  a_.pipeline->set_camera(true);
  EXPECT_TRUE(wait_until([&] { return self_a->frames_put() >= put_off + 3; }, 5s));
}

// The window says how many pixels it shows a video in (FrameMailbox::display_box): the frames
// are scaled down to fit that box (aspect kept, never up) before they reach the mailbox, and
// follow when it changes during the call; 0x0 gives the frames as they come. A mailbox's
// listener hears each frame put.
TEST_F(VideoPipelineTest, WindowFramesFitTheBoxTheWindowShows) {
  start_pair_with_frames("pattern:smpte:640x360@30", "pattern:smpte:320x240@15");
  const std::shared_ptr<FrameMailbox> remote_b = b_.pipeline->frames("video");
  const std::shared_ptr<FrameMailbox> self_a = a_.pipeline->self_view("video");
  ASSERT_NE(remote_b, nullptr);
  ASSERT_NE(self_a, nullptr);
  std::atomic<std::uint64_t> heard{0};
  remote_b->set_listener([&] { ++heard; });
  remote_b->set_display_box(200, 300);  // width-bound: 200x112 (even sides)
  self_a->set_display_box(100, 400);    // 100x56, inside the self-view's own 320x240 limit
  const auto newest = [&](FrameMailbox& box, int w, int h) {
    Taken t;
    return wait_until(
               [&] {
                 t.take_from(box);
                 return t.last && t.last->width == w && t.last->height == h && shows_bars(*t.last);
               },
               10s) &&
           t.bad_times == 0;
  };
  EXPECT_TRUE(newest(*remote_b, 200, 112)) << both();
  EXPECT_TRUE(newest(*self_a, 100, 56)) << both();

  // Height-bound, then larger than the video: never scaled up.
  remote_b->set_display_box(1000, 90);
  EXPECT_TRUE(newest(*remote_b, 160, 90)) << both();
  remote_b->set_display_box(1920, 1080);
  EXPECT_TRUE(newest(*remote_b, 640, 360)) << both();
  remote_b->set_display_box(0, 0);
  self_a->set_display_box(0, 0);
  EXPECT_TRUE(newest(*remote_b, 640, 360)) << both();
  EXPECT_TRUE(newest(*self_a, 320, 180)) << both();
  EXPECT_GE(heard.load(), 3u);
  EXPECT_LE(heard.load(), remote_b->frames_put());
  remote_b->set_listener(nullptr);
  run_for(100ms);  // a call already past the lock when the listener went
  const std::uint64_t after = heard.load();
  run_for(500ms);
  EXPECT_EQ(heard.load(), after);
}

// A receiver report (RFC 3550 §6.4.2) from `sender` with one block about `ssrc`.
std::vector<std::uint8_t> receiver_report(std::uint32_t sender,
                                          std::uint32_t ssrc,
                                          std::uint8_t fraction,
                                          std::uint32_t cumulative_lost,
                                          std::uint32_t highest_seq) {
  std::vector<std::uint8_t> p{0x81, 201, 0, 7};
  const auto put32 = [&](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      p.push_back(static_cast<std::uint8_t>(v >> shift));
    }
  };
  put32(sender);
  put32(ssrc);
  put32(std::uint32_t{fraction} << 24 | (cumulative_lost & 0xffffff));
  put32(highest_seq);
  put32(0);  // jitter
  put32(0);  // LSR: no round trip
  put32(0);  // DLSR
  return p;
}

// B's reports replaced by ours: every 200 ms for `d`, `loss` (0..1) of what A sent since the
// first one lost, as the fraction of the interval and as the cumulative count.
class BandwidthTest : public VideoPipelineTest {
 protected:
  void report_loss(double loss, std::chrono::milliseconds d) {
    const auto end = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < end) {
      if (!base_seq_) {
        base_seq_ = a_.out.ext_seq;
      }
      lost_ += loss * static_cast<double>(a_.out.ext_seq - last_reported_seq_.value_or(*base_seq_));
      last_reported_seq_ = a_.out.ext_seq;
      a_.pipeline->receive(receiver_report(kSsrcB, kSsrcA, static_cast<std::uint8_t>(loss * 255),
                                           static_cast<std::uint32_t>(lost_), a_.out.ext_seq),
                           true);
      run_for(200ms);
    }
  }
  std::optional<std::uint32_t> base_seq_;
  std::optional<std::uint32_t> last_reported_seq_;
  double lost_ = 0;
};

// Reports of high loss about A's video lower its target; reports about another SSRC do not;
// the target never goes below the user's minimum, and the video goes on meanwhile.
TEST_F(BandwidthTest, HighLossReportsLowerTheTargetBitrate) {
  PipelineConfig ca = config("pattern:smpte:320x240@15");
  ca.video_limits.start_bitrate_bps = 800'000;
  ca.video_limits.min_bitrate_bps = 150'000;
  start_pair(negotiate("VP8"), ca, config("pattern:smpte:320x240@15"));
  b_.out.rtcp_blocked = true;  // B's own reports (no loss) would contradict ours
  ASSERT_TRUE(wait_until([&] { return sees_bars(b_, 320, 240, 3); }, 15s)) << both();
  const std::uint32_t start = video_of(a_).target_bitrate_bps;
  EXPECT_GE(start, 800'000u);  // B's real reports (no loss) before the block may have raised it
  EXPECT_LE(start, 2'500'000u);
  // Not about A's SSRC: nothing changes.
  for (int i = 0; i < 8; ++i) {
    a_.pipeline->receive(receiver_report(kSsrcB, 0xdeadbeef, 255, 100u * i, 1000u + 100u * i),
                         true);
    run_for(200ms);
  }
  EXPECT_EQ(video_of(a_).target_bitrate_bps, start);
  // Half lost: rate *= 1 - 0.5 * 0.5 (draft-ietf-rmcat-gcc-02 §6), once or more.
  const std::uint64_t got = decoded(b_);
  report_loss(0.5, 2200ms);
  const std::uint32_t lowered = video_of(a_).target_bitrate_bps;
  EXPECT_LE(lowered, start * 0.76) << start;
  EXPECT_GE(lowered, 150'000u);
  EXPECT_GT(decoded(b_), got + 10) << both();
  // Everything lost: down to the user's minimum, not below.
  report_loss(1.0, 3500ms);
  EXPECT_EQ(video_of(a_).target_bitrate_bps, 150'000u);
  EXPECT_GT(decoded(b_), got + 40) << both();
  EXPECT_TRUE(a_.errors.empty());
}

// A 1280x720 pattern under limits of 640x360 at 10 fps is sent (and decoded) at 640x360, 10 fps.
TEST_F(VideoPipelineTest, LimitsScaleDownWhatIsSent) {
  PipelineConfig ca = config("pattern:smpte:1280x720@15");
  ca.video_limits.max_width = 640;
  ca.video_limits.max_height = 360;
  ca.video_limits.max_fps = 10;
  start_pair(negotiate("VP8"), ca, config("pattern:smpte:320x240@15"));
  EXPECT_TRUE(wait_until([&] { return sees_bars(b_, 640, 360, 5); }, 15s)) << both();
  const VideoStats va = video_of(a_);
  EXPECT_EQ(va.sent_width, 640);
  EXPECT_EQ(va.sent_height, 360);
  EXPECT_EQ(va.sent_fps, 10);
  run_for(1200ms);
  const VideoStats vb = video_of(b_);
  EXPECT_LE(vb.received.fps, 11) << both();
  EXPECT_GE(vb.received.fps, 7) << both();
}

}  // namespace
}  // namespace jcall::media
