// Two real RtpPipelines in one process on one GMainContext, iterated by the test thread, each
// one's outgoing packets fed into the other's receive(): the codecs as negotiated by codecs/
// (make_offer, answer_offer, apply_answer), tones measured at the receiver, RFC 4733 digits,
// mute, hold, RTCP round trip, recording and marker latency. Every wait is bounded.
#include "media/pipeline/rtp_pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <numbers>
#include <thread>

#include <gst/gst.h>
#include <gtest/gtest.h>

#include "codecs/offer_answer.hpp"
#include "media/detail/glib.hpp"
#include "media/errc.hpp"
#include "pipeline_fixture.hpp"

namespace jcall::media {
namespace {

using namespace std::chrono_literals;

struct Negotiation {
  codecs::Negotiated offerer;
  codecs::Negotiated answerer;
};

Negotiation negotiate(const std::string& codec, bool telephone_event = true) {
  codecs::Preferences prefs;
  prefs.audio = {codec};
  prefs.telephone_event = telephone_event;
  codecs::Negotiated offer = codecs::make_offer(codecs::MediaType::kAudio, prefs);
  // The offer as browsers and Conversations number it: Opus 111 (exercises a payload type
  // number that is not jcall's own first dynamic one).
  for (codecs::Codec& c : offer.codecs) {
    if (c.name == "opus") {
      c.id = 111;
    }
  }
  auto answer =
      codecs::answer_offer(codecs::MediaType::kAudio, offer.codecs, offer.header_extensions, prefs);
  EXPECT_TRUE(answer) << codec;
  auto applied = codecs::apply_answer(codecs::MediaType::kAudio, offer, answer->codecs,
                                      answer->header_extensions);
  EXPECT_TRUE(applied) << codec;
  return {*applied, *answer};
}

struct Side {
  std::unique_ptr<RtpPipeline> pipeline;
  int off_thread_events = 0;  // Events called on another thread than the test's
  std::string digits;
  int first_media = 0;
  std::vector<std::string> errors;
};

class RtpPipelineTest : public PipelineContextTest {
 protected:
  void TearDown() override {
    a_.pipeline.reset();
    b_.pipeline.reset();
    PipelineContextTest::TearDown();
  }

  RtpPipeline::Events events(Side& self, Side& peer) {
    RtpPipeline::Events e;
    const auto home = std::this_thread::get_id();
    e.outgoing = [&self, &peer, home](std::vector<std::uint8_t> packet, bool rtcp) {
      self.off_thread_events += std::this_thread::get_id() != home;
      if (peer.pipeline) {
        peer.pipeline->receive(packet, rtcp);
      }
    };
    e.dtmf = [&self](const std::string& stream, char digit) {
      EXPECT_EQ(stream, "audio");
      self.digits += digit;
    };
    e.first_media = [&self, home](const std::string&) {
      self.off_thread_events += std::this_thread::get_id() != home;
      ++self.first_media;
    };
    e.error = [&self](const Error& error) {
      self.errors.push_back(error.message);
      ADD_FAILURE() << error.message;
    };
    return e;
  }

  static StreamConfig stream(const codecs::Negotiated& n, std::uint32_t ssrc) {
    StreamConfig s;
    s.name = "audio";
    s.codecs = n;
    s.local_ssrc = ssrc;
    s.cname = "test" + std::to_string(ssrc);
    return s;
  }

  // Both sides with their sources and sinks, negotiated for `codec`, started.
  void start_pair(const std::string& codec,
                  const std::string& source_a,
                  const std::string& source_b,
                  std::optional<std::string> record_b = std::nullopt,
                  bool telephone_event = true) {
    const Negotiation n = negotiate(codec, telephone_event);
    PipelineConfig ca;
    ca.audio_source = *parse_audio_source(source_a);
    PipelineConfig cb;
    cb.audio_source = *parse_audio_source(source_b);
    cb.audio_sink.record_path = std::move(record_b);
    auto a = RtpPipeline::create(ctx_, ca, events(a_, b_));
    ASSERT_TRUE(a) << a.error().message;
    auto b = RtpPipeline::create(ctx_, cb, events(b_, a_));
    ASSERT_TRUE(b) << b.error().message;
    a_.pipeline = std::move(*a);
    b_.pipeline = std::move(*b);
    auto ra = a_.pipeline->add_stream(stream(n.offerer, 0x1111));
    ASSERT_TRUE(ra) << ra.error().message;
    auto rb = b_.pipeline->add_stream(stream(n.answerer, 0x2222));
    ASSERT_TRUE(rb) << rb.error().message;
    auto sa = a_.pipeline->start();
    ASSERT_TRUE(sa) << sa.error().message;
    auto sb = b_.pipeline->start();
    ASSERT_TRUE(sb) << sb.error().message;
  }

  static StreamStats stats_of(Side& side) { return only_stream(*side.pipeline); }

  static bool hears(Side& side, double hz) {
    const StreamStats s = stats_of(side);
    return s.analysis && std::abs(s.analysis->frequency_hz - hz) <= 5 &&
           s.analysis->level_dbfs > -30;
  }

  static std::string describe(Side& side) {
    const StreamStats s = stats_of(side);
    char text[200];
    std::snprintf(text, sizeof text, "%s: %.1f Hz, %.1f dBFS, %llu packets received",
                  s.codec.c_str(), s.analysis ? s.analysis->frequency_hz : -1,
                  s.analysis ? s.analysis->level_dbfs : -1,
                  static_cast<unsigned long long>(s.packets_received));
    return text;
  }

  Side a_;
  Side b_;
};

class ToneTest : public RtpPipelineTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(ToneTest, EachSideHearsTheOthersTone) {
  start_pair(GetParam(), "tone:440", "tone:880");
  EXPECT_TRUE(wait_until([&] { return hears(a_, 880) && hears(b_, 440); }, 10s))
      << "A: " << describe(a_) << "; B: " << describe(b_);
  const StreamStats sa = stats_of(a_);
  EXPECT_GT(sa.packets_sent, 0u);
  EXPECT_GT(sa.bytes_sent, sa.packets_sent * 12);
  EXPECT_GT(sa.packets_received, 0u);
  EXPECT_EQ(a_.first_media, 1);
  EXPECT_EQ(b_.first_media, 1);
  EXPECT_EQ(a_.off_thread_events, 0);
  EXPECT_EQ(b_.off_thread_events, 0);
}

INSTANTIATE_TEST_SUITE_P(Codecs, ToneTest, ::testing::Values("opus", "PCMU", "G722", "PCMA"));

TEST_F(RtpPipelineTest, CodecNameIsTheNegotiatedOne) {
  start_pair("opus", "tone:440", "tone:880");
  EXPECT_EQ(stats_of(a_).codec, "opus/48000/2");
  const Negotiation n = negotiate("opus");
  EXPECT_EQ(n.offerer.codecs.front().id, 111);
  EXPECT_EQ(n.answerer.codecs.front().id, 111);
}

TEST_F(RtpPipelineTest, DtmfDigitsArriveInOrder) {
  start_pair("opus", "tone:440", "tone:880");
  ASSERT_TRUE(wait_until([&] { return hears(b_, 440); }, 10s)) << describe(b_);
  for (const char d : {'1', '#', '9'}) {
    auto r = a_.pipeline->send_dtmf("audio", d);
    ASSERT_TRUE(r) << r.error().message;
  }
  EXPECT_TRUE(wait_until([&] { return b_.digits.size() >= 3; }, 5s)) << b_.digits;
  run_for(300ms);  // nothing more arrives
  EXPECT_EQ(b_.digits, "1#9");
  EXPECT_EQ(stats_of(a_).dtmf_sent, 3u);
  EXPECT_EQ(stats_of(b_).dtmf_received, 3u);
  EXPECT_EQ(a_.digits, "");
}

TEST_F(RtpPipelineTest, DtmfNeedsANegotiatedTelephoneEvent) {
  start_pair("PCMU", "tone:440", "tone:880", std::nullopt, false);
  auto r = a_.pipeline->send_dtmf("audio", '5');
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_NE(r.error().message.find("telephone-event"), std::string::npos) << r.error().message;
}

TEST_F(RtpPipelineTest, DtmfRefusesWhatIsNotADigit) {
  start_pair("opus", "tone:440", "tone:880");
  EXPECT_FALSE(a_.pipeline->send_dtmf("audio", 'x'));
  EXPECT_FALSE(a_.pipeline->send_dtmf("video", '1'));
}

TEST_F(RtpPipelineTest, MuteSilencesThePeerAndUnmuteBringsItBack) {
  start_pair("opus", "tone:440", "tone:880");
  ASSERT_TRUE(wait_until([&] { return hears(b_, 440); }, 10s)) << describe(b_);
  a_.pipeline->set_muted(true);
  EXPECT_TRUE(wait_until([&] { return stats_of(b_).analysis->level_dbfs < -50; }, 5s))
      << describe(b_);
  EXPECT_TRUE(hears(a_, 880)) << "B was not muted: " << describe(a_);
  a_.pipeline->set_muted(false);
  EXPECT_TRUE(wait_until([&] { return hears(b_, 440); }, 5s)) << describe(b_);
}

TEST_F(RtpPipelineTest, HoldStopsSendingAndUnholdResumes) {
  start_pair("opus", "tone:440", "tone:880");
  ASSERT_TRUE(wait_until([&] { return hears(b_, 440); }, 10s)) << describe(b_);
  a_.pipeline->set_on_hold(true);
  run_for(300ms);  // what was in flight
  const std::uint64_t held = stats_of(b_).packets_received;
  const std::uint64_t sent_held = stats_of(a_).packets_sent;
  run_for(1s);
  EXPECT_EQ(stats_of(b_).packets_received, held);
  EXPECT_EQ(stats_of(a_).packets_sent, sent_held);
  EXPECT_GT(stats_of(a_).packets_received, 0u);
  a_.pipeline->set_on_hold(false);
  EXPECT_TRUE(wait_until([&] { return stats_of(b_).packets_received > held + 10; }, 5s));
  EXPECT_TRUE(wait_until([&] { return hears(b_, 440); }, 5s)) << describe(b_);
}

TEST_F(RtpPipelineTest, RtcpFlowsBothWaysAndGivesTheRoundTrip) {
  start_pair("opus", "tone:440", "tone:880");
  EXPECT_TRUE(wait_until(
      [&] {
        const StreamStats a = stats_of(a_);
        const StreamStats b = stats_of(b_);
        return a.rtcp_received > 0 && b.rtcp_received > 0 && a.rtt_ms && b.rtt_ms;
      },
      20s));
  const StreamStats a = stats_of(a_);
  EXPECT_GT(a.rtcp_sent, 0u);
  ASSERT_TRUE(a.rtt_ms);
  EXPECT_GE(*a.rtt_ms, 0);
  EXPECT_LT(*a.rtt_ms, 1000);  // in-process: a sanity bound on the unit conversion
  std::printf("RTCP: rtt %.2f ms, jitter %.2f ms, %llu RTCP sent\n", *a.rtt_ms, a.jitter_ms,
              static_cast<unsigned long long>(a.rtcp_sent));
  EXPECT_LE(a.packets_lost, 5);  // cumulative loss may be negative (duplicates, RFC 3550 §6.4.1)
  EXPECT_GE(a.jitter_ms, 0);
}

// The WAV header (RIFF/WAVE, fmt, data) and a data chunk as long as the file says.
struct WavInfo {
  bool valid = false;
  std::uint16_t channels = 0;
  std::uint32_t rate = 0;
  std::uint32_t data_bytes = 0;
};

WavInfo read_wav(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(f)), {});
  WavInfo w;
  if (bytes.size() < 12 || std::memcmp(bytes.data(), "RIFF", 4) != 0 ||
      std::memcmp(bytes.data() + 8, "WAVE", 4) != 0) {
    return w;
  }
  const auto u32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    std::memcpy(&v, bytes.data() + at, 4);
    return v;
  };
  for (std::size_t at = 12; at + 8 <= bytes.size();) {
    const std::uint32_t size = u32(at + 4);
    if (std::memcmp(bytes.data() + at, "fmt ", 4) == 0 && at + 16 <= bytes.size()) {
      std::memcpy(&w.channels, bytes.data() + at + 10, 2);
      w.rate = u32(at + 12);
    } else if (std::memcmp(bytes.data() + at, "data", 4) == 0) {
      w.data_bytes = size;
      w.valid = at + 8 + size == bytes.size() && w.rate > 0;
      return w;
    }
    at += 8 + size + (size & 1);
  }
  return w;
}

TEST_F(RtpPipelineTest, RecordWritesAValidWav) {
  const std::string path = ::testing::TempDir() + "jcall_record_test.wav";
  std::remove(path.c_str());
  start_pair("PCMU", "tone:440", "tone:880", path);
  ASSERT_TRUE(wait_until([&] { return hears(b_, 440); }, 10s)) << describe(b_);
  run_for(500ms);
  b_.pipeline->stop();
  const WavInfo w = read_wav(path);
  EXPECT_TRUE(w.valid);
  EXPECT_GT(w.data_bytes, 8000u);  // more than a few packets' worth
  EXPECT_GE(w.channels, 1);
  EXPECT_GE(w.rate, 8000u);
  std::remove(path.c_str());
}

// A WAV written here (1 s of 660 Hz) loops as the source.
TEST_F(RtpPipelineTest, WavSourceLoops) {
  const std::string path = ::testing::TempDir() + "jcall_source_test.wav";
  {
    const std::uint32_t rate = 16000;
    std::vector<std::int16_t> s(rate);
    for (std::size_t i = 0; i < s.size(); ++i) {
      s[i] = static_cast<std::int16_t>(10000 * std::sin(2 * std::numbers::pi * 660 * i / rate));
    }
    const std::uint32_t data = static_cast<std::uint32_t>(s.size() * 2);
    std::ofstream f(path, std::ios::binary);
    const auto put32 = [&](std::uint32_t v) { f.write(reinterpret_cast<const char*>(&v), 4); };
    const auto put16 = [&](std::uint16_t v) { f.write(reinterpret_cast<const char*>(&v), 2); };
    f.write("RIFF", 4);
    put32(36 + data);
    f.write("WAVEfmt ", 8);
    put32(16);
    put16(1);
    put16(1);
    put32(rate);
    put32(rate * 2);
    put16(2);
    put16(16);
    f.write("data", 4);
    put32(data);
    f.write(reinterpret_cast<const char*>(s.data()), data);
  }
  start_pair("opus", "wav:" + path, "silence");
  EXPECT_TRUE(wait_until([&] { return hears(b_, 660); }, 10s)) << describe(b_);
  // Past the end of the file, it is still playing.
  run_for(1500ms);
  EXPECT_TRUE(wait_until([&] { return hears(b_, 660); }, 2s)) << describe(b_);
  std::remove(path.c_str());
}

TEST_F(RtpPipelineTest, MissingWavIsAClearError) {
  PipelineConfig c;
  c.audio_source.kind = AudioSource::Kind::kWav;
  c.audio_source.path_or_name = "/nonexistent/jcall/missing.wav";
  auto p = RtpPipeline::create(ctx_, c, {});
  ASSERT_TRUE(p);
  auto r = (*p)->add_stream(stream(negotiate("opus").offerer, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_NE(r.error().message.find("WAV file not found: /nonexistent/jcall/missing.wav"),
            std::string::npos)
      << r.error().message;
}

// Marker bursts: each one the receiver heard pairs with the burst sent just before it.
TEST_F(RtpPipelineTest, MarkerBurstsGiveMouthToEarTimes) {
  start_pair("opus", "marker:1000", "silence");
  ASSERT_TRUE(wait_until([&] { return b_.pipeline->marker_times().received_ns.size() >= 6; }, 10s))
      << describe(b_) << "; " << a_.pipeline->marker_times().sent_ns.size() << " bursts sent, "
      << b_.pipeline->marker_times().received_ns.size() << " heard";
  const MarkerTimes sent = a_.pipeline->marker_times();
  const MarkerTimes heard = b_.pipeline->marker_times();
  ASSERT_GE(sent.sent_ns.size(), 6u);
  EXPECT_TRUE(sent.received_ns.empty());  // B sends silence
  EXPECT_TRUE(heard.sent_ns.empty());
  std::vector<double> latencies;
  for (const std::int64_t r : heard.received_ns) {
    const auto it = std::upper_bound(sent.sent_ns.begin(), sent.sent_ns.end(), r);
    ASSERT_NE(it, sent.sent_ns.begin()) << "heard before anything was sent";
    const double ms = static_cast<double>(r - *std::prev(it)) / 1e6;
    // Playout waits at least for the jitter buffer (the default PipelineConfig's): an onset
    // heard sooner means the sink no longer syncs to the latency (a live source lost upstream).
    EXPECT_GE(ms, static_cast<double>(PipelineConfig{}.jitter_buffer.count()));
    EXPECT_LT(ms, 500);
    latencies.push_back(ms);
  }
  // Consecutive bursts 500 ms apart at both ends: no burst heard twice nor split in two.
  for (std::size_t i = 1; i < heard.received_ns.size(); ++i) {
    EXPECT_NEAR((heard.received_ns[i] - heard.received_ns[i - 1]) / 1e6, 500, 25);
  }
  std::sort(latencies.begin(), latencies.end());
  std::printf("mouth-to-ear (default jitter buffer, Opus 20 ms frames): median %.1f ms\n",
              latencies[latencies.size() / 2]);
}

TEST_F(RtpPipelineTest, StopIsIdempotentAndDestructionAfterStopIsClean) {
  start_pair("opus", "tone:440", "tone:880");
  ASSERT_TRUE(wait_until([&] { return stats_of(b_).packets_received > 0; }, 10s));
  a_.pipeline->stop();
  a_.pipeline->stop();
  const std::uint64_t sent = stats_of(a_).packets_sent;
  run_for(200ms);
  EXPECT_EQ(stats_of(a_).packets_sent, sent);
}

TEST_F(RtpPipelineTest, RecordingToAnUnwritablePathFailsToStart) {
  const Negotiation n = negotiate("PCMU");
  PipelineConfig c;
  c.audio_source = *parse_audio_source("silence");
  c.audio_sink.record_path = "/nonexistent/jcall/record.wav";
  Side side;
  auto p = RtpPipeline::create(ctx_, c, {});
  ASSERT_TRUE(p);
  ASSERT_TRUE((*p)->add_stream(stream(n.answerer, 1)));
  auto r = (*p)->start();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::pipeline_error);
  EXPECT_NE(r.error().message.find("/nonexistent/jcall/record.wav"), std::string::npos)
      << r.error().message;
}

TEST_F(RtpPipelineTest, UnknownDeviceIsADeviceError) {
  PipelineConfig c;
  c.audio_source = *parse_audio_source("device:No Such Microphone");
  auto p = RtpPipeline::create(ctx_, c, {});
  ASSERT_TRUE(p);
  auto r = (*p)->add_stream(stream(negotiate("opus").offerer, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::device_error);
  EXPECT_NE(r.error().message.find("no audio input device named 'No Such Microphone'"),
            std::string::npos)
      << r.error().message;
}

// description-info with the same codecs keeps the stream; remove_stream takes it away.
TEST_F(RtpPipelineTest, UpdateAndRemoveStream) {
  start_pair("opus", "tone:440", "tone:880");
  ASSERT_TRUE(wait_until([&] { return hears(b_, 440); }, 10s)) << describe(b_);
  auto again = b_.pipeline->add_stream(stream(negotiate("opus").answerer, 0x2222));
  ASSERT_TRUE(again) << again.error().message;
  ASSERT_EQ(b_.pipeline->stats().size(), 1u);
  EXPECT_TRUE(wait_until([&] { return hears(b_, 440); }, 5s)) << describe(b_);
  auto removed = a_.pipeline->remove_stream("audio");
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_TRUE(a_.pipeline->stats().empty());
  EXPECT_FALSE(a_.pipeline->remove_stream("audio"));
  run_for(100ms);  // a packet A posted just before the removal may still be on its way
  const std::uint64_t received = stats_of(b_).packets_received;
  run_for(500ms);
  EXPECT_EQ(stats_of(b_).packets_received, received);
}

// BUNDLE: two streams on one transport, routed by payload type (Opus 111, PCMU 0).
TEST_F(RtpPipelineTest, BundledStreamsAreRoutedByPayloadType) {
  const Negotiation opus = negotiate("opus", false);
  const Negotiation pcmu = negotiate("PCMU", false);
  PipelineConfig ca;
  ca.audio_source = *parse_audio_source("tone:440");
  PipelineConfig cb;
  cb.audio_source = *parse_audio_source("tone:880");
  auto a = RtpPipeline::create(ctx_, ca, events(a_, b_));
  auto b = RtpPipeline::create(ctx_, cb, events(b_, a_));
  ASSERT_TRUE(a && b);
  a_.pipeline = std::move(*a);
  b_.pipeline = std::move(*b);
  StreamConfig a1 = stream(opus.offerer, 0x1111);
  StreamConfig a2 = stream(pcmu.offerer, 0x1112);
  StreamConfig b1 = stream(opus.answerer, 0x2221);
  StreamConfig b2 = stream(pcmu.answerer, 0x2222);
  a2.name = b2.name = "audio2";
  for (auto [p, s] :
       {std::pair{&a_, &a1}, std::pair{&a_, &a2}, std::pair{&b_, &b1}, std::pair{&b_, &b2}}) {
    auto r = p->pipeline->add_stream(*s);
    ASSERT_TRUE(r) << r.error().message;
  }
  ASSERT_TRUE(a_.pipeline->start());
  ASSERT_TRUE(b_.pipeline->start());
  const auto both_hear = [&](Side& side, double hz) {
    const auto all = side.pipeline->stats();
    return all.size() == 2 && std::all_of(all.begin(), all.end(), [&](const StreamStats& s) {
             return s.analysis && std::abs(s.analysis->frequency_hz - hz) <= 5 &&
                    s.analysis->level_dbfs > -30;
           });
  };
  EXPECT_TRUE(wait_until([&] { return both_hear(a_, 880) && both_hear(b_, 440); }, 10s));
  const auto all = b_.pipeline->stats();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].codec, "opus/48000/2");
  EXPECT_EQ(all[1].codec, "PCMU/8000");
  // Each stream got its own packets only: about as many as the peer's stream sent.
  const auto sent = a_.pipeline->stats();
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_LE(all[i].packets_received, sent[i].packets_sent) << all[i].name;
    EXPECT_GT(all[i].packets_received, sent[i].packets_sent / 2) << all[i].name;
  }
}

}  // namespace
}  // namespace jcall::media
