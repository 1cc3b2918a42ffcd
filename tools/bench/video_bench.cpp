// Video call benchmarks (XEP-0167 video contents, RFC 7741 VP8 / RFC 6184 H.264 over
// DTLS-SRTP, RFC 4585 PLI): two `jcall --headless --json` processes on one machine, through a
// private Prosody, as in call_bench.cpp. Meant for a Release build; tools/bench/run-bench-video
// runs them all.
//
//   jcall_bench_video setup    [--calls N] [--codecs LIST]
//       alice calls bob's bare JID with video (JMI) N times (one warm-up call first, not
//       counted); per call: the caller's start (propose sent) -> first decoded video frame at
//       both ends (mono_ns of both summaries: CLOCK_MONOTONIC, one clock on this machine).
//       Target: median < 150 ms. The reference, StanzaJS <-> Chromium video calls at
//       750-1,800 ms, was measured on this machine kind once (the issue's text), not here.
//   jcall_bench_video cpu      [--call-seconds S] [--window S] [--rounds N] [--configs LIST]
//       per configuration (vp8-480, vp8-720, h264-720: codec and pattern size at 30 fps, both
//       ends at --max-bitrate KBPS, which is also the start bitrate, so the encoders run at
//       it from the first frame): utime+stime of each jcall process over a steady window of
//       an audio+video call, against one gst-launch-1.0 doing one call end's work (the Opus
//       chain of call_bench's baseline plus the video chain with the catalog's encoder
//       properties, send + receive over UDP loopback), run during the same window.
//       Ratio: jcall per call end (mean of the two processes) / gst-launch. Target <= 1.1.
//   jcall_bench_video recovery [--calls N] [--burst START_MS:DURATION_MS] [--codecs LIST]
//       bob (the callee) drops every received packet for DURATION ms, START ms after its first
//       one (--test-burst-loss); recovery_ms of bob's video (burst end -> next decoded frame),
//       median over N calls, against the ideal in the same calls: the measured RTT (bob's
//       video rtt_ms) + one frame interval (33.3 ms at 30 fps): a PLI and the next keyframe.
//   jcall_bench_video gst-baseline-argv CONFIG [KBPS]
//       prints the baseline's gst-launch-1.0 command line (for profiling it by hand).
//
// Each prints human lines, then one JSON object as its last line.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <map>
#include <netinet/in.h>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_common.hpp"
#include "support/jcall_process.hpp"
#include "support/prosody_fixture.hpp"

namespace {

using namespace jcall::bench;

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;  // output: keys in the order written
using jcall::test::ChildProcess;
using jcall::test::Jcall;
using jcall::test::ProsodyServer;
using namespace std::chrono_literals;

constexpr double kSetupTargetMs = 150;
constexpr double kSetupReferenceLowMs = 750;  // StanzaJS <-> Chromium, the issue's figures
constexpr double kSetupReferenceHighMs = 1800;
constexpr double kCpuTargetRatio = 1.1;
constexpr double kFrameIntervalMs = 1000.0 / 30;

double round1(double x) {
  return std::round(x * 10) / 10;
}
double round2(double x) {
  return std::round(x * 100) / 100;
}
double round3(double x) {
  return std::round(x * 1000) / 1000;
}

bool is_first_media(const json& e, const char* content) {
  return e.value("event", "") == "call-media" && e.value("what", "") == "first-media" &&
         e.value("content", "") == content;
}

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The video stream of a summary (or a null json).
json video_stream(const json& summary) {
  if (summary.contains("streams")) {
    for (const json& s : summary["streams"]) {
      if (s.value("media", "") == "video") {
        return s;
      }
    }
  }
  return nullptr;
}

std::optional<double> number_at(const json& j, const std::vector<std::string>& path) {
  const json* p = &j;
  for (const auto& k : path) {
    if (!p->is_object() || !p->contains(k)) {
      return std::nullopt;
    }
    p = &(*p)[k];
  }
  return p->is_number() ? std::optional<double>(p->get<double>()) : std::nullopt;
}

// "12.3" or the fallback when there is no figure.
std::string text(std::optional<double> x, const char* fallback = "none", const char* f = "%.1f") {
  if (!x) {
    return fallback;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, f, *x);
  return buf;
}

ojson stats_json(const std::vector<double>& v) {
  if (v.empty()) {
    return nullptr;
  }
  return {{"median_ms", round1(median(v))},
          {"p95_ms", round1(percentile(v, 95))},
          {"min_ms", round1(*std::min_element(v.begin(), v.end()))},
          {"max_ms", round1(*std::max_element(v.begin(), v.end()))}};
}

// --- /proc (as call_bench.cpp) ----------------------------------------------------------------

// A process's CPU: utime+stime ticks of the whole process (threads that ended included) and
// each live thread's run time in ns (/proc/PID/task/TID/schedstat) by thread name; GStreamer
// names its streaming threads after their element (vp8enc0:sink, ...).
// The busiest threads (at least 0.5 % of a core), busiest first.
ojson threads_json(const CpuUse& u) {
  ojson out = ojson::object();
  for (const auto& [pct, name] : busiest(u)) {
    if (pct >= 0.5) {
      out[name] = round2(pct);
    }
  }
  return out;
}

// --- 1. call setup to the first decoded video frame at both ends ----------------------------

struct SetupSample {
  double video_both_ms = 0;  // caller's start -> first decoded video at both ends
  double caller_video_ms = 0;
  double callee_video_ms = 0;
  double audio_both_ms = 0;  // the same for audio, in the same call
  std::string codec;
};

std::optional<SetupSample> one_setup_call(Jcall& alice, Jcall& bob, int index) {
  alice.command({{"cmd", "call"}, {"to", "bob@localhost"}, {"video", true}});
  const bool a_video =
      alice.wait_for([](const json& e) { return is_first_media(e, "video"); }, 15s).has_value();
  const bool b_video =
      bob.wait_for([](const json& e) { return is_first_media(e, "video"); }, 10s).has_value();
  if (a_video && b_video) {
    std::this_thread::sleep_for(300ms);  // a short call: video flows for a moment
  }
  alice.command({{"cmd", "hangup"}});
  auto a = alice.wait_event("call-summary", 15s);
  auto b = bob.wait_event("call-summary", 15s);
  if (!a || !b || !a_video || !b_video) {
    std::fprintf(stderr, "call %d failed (alice first video %d, bob %d)\n--- alice\n%s--- bob\n%s",
                 index, a_video, b_video, alice.raw().c_str(), bob.raw().c_str());
    return std::nullopt;
  }
  const auto start = number_at(*a, {"mono_ns", "start"});
  const auto va = number_at(*a, {"mono_ns", "first_video"});
  const auto vb = number_at(*b, {"mono_ns", "first_video"});
  const auto fa = number_at(*a, {"mono_ns", "first_media"});
  const auto fb = number_at(*b, {"mono_ns", "first_media"});
  if (!start || !va || !vb || !fa || !fb) {
    std::fprintf(stderr, "call %d: a summary lacks mono_ns times\n%s\n%s\n", index,
                 a->dump().c_str(), b->dump().c_str());
    return std::nullopt;
  }
  SetupSample s;
  s.video_both_ms = (std::max(*va, *vb) - *start) / 1e6;
  s.caller_video_ms = (*va - *start) / 1e6;
  s.callee_video_ms = (*vb - *start) / 1e6;
  s.audio_both_ms = (std::max(*fa, *fb) - *start) / 1e6;
  s.codec = video_stream(*a).value("codec", "?");
  return s;
}

int bench_setup(int calls, const std::string& codecs) {
  auto server = start_server();
  std::vector<std::string> common = {"--stats-interval", "0"};
  if (!codecs.empty()) {
    common = with(common, {"--video-codecs", codecs});
  }
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2",
            with({"--answer", "--audio-source", "tone:880"}, common));
  online(bob, "bob");
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1",
              with({"--audio-source", "tone:440"}, common));
  online(alice, "alice");

  // One call first, not counted: plugin loading and first-use costs of each process.
  auto warm = one_setup_call(alice, bob, 0);
  if (!warm) {
    die("the warm-up call failed");
  }
  std::printf("warm-up call (not counted): %.1f ms to first video at both ends (%s)\n",
              warm->video_both_ms, warm->codec.c_str());
  std::vector<double> both;
  std::vector<double> caller;
  std::vector<double> callee;
  std::vector<double> audio;
  std::set<std::string> codec_names;
  for (int i = 1; i <= calls; ++i) {
    auto s = one_setup_call(alice, bob, i);
    if (!s) {
      die("call " + std::to_string(i) + " failed");
    }
    std::printf(
        "call %2d: %6.1f ms to first video at both ends (alice %.1f, bob %.1f; audio at both "
        "ends %.1f)\n",
        i, s->video_both_ms, s->caller_video_ms, s->callee_video_ms, s->audio_both_ms);
    both.push_back(s->video_both_ms);
    caller.push_back(s->caller_video_ms);
    callee.push_back(s->callee_video_ms);
    audio.push_back(s->audio_both_ms);
    codec_names.insert(s->codec);
  }
  (void)alice.quit();
  (void)bob.quit();

  const double med = median(both);
  const double p95 = percentile(both, 95);
  std::string codec_list;
  for (const auto& c : codec_names) {
    codec_list += (codec_list.empty() ? "" : ",") + c;
  }
  std::printf(
      "jcall<->jcall video setup (propose -> first decoded video frame at both ends), %d calls, "
      "%s: median %.1f ms, p95 %.1f ms, min %.1f, max %.1f\n",
      calls, codec_list.c_str(), med, p95, *std::min_element(both.begin(), both.end()),
      *std::max_element(both.begin(), both.end()));
  std::printf(
      "  medians: caller's first video %.1f ms, callee's %.1f ms, audio at both ends %.1f\n",
      median(caller), median(callee), median(audio));
  std::printf(
      "target median < %.0f ms: ratio %.3f; reference StanzaJS<->Chromium %.0f-%.0f ms "
      "(measured on this machine kind before, not rerun): ratio to %.0f ms %.3f\n",
      kSetupTargetMs, med / kSetupTargetMs, kSetupReferenceLowMs, kSetupReferenceHighMs,
      kSetupReferenceLowMs, med / kSetupReferenceLowMs);
  ojson out = {{"bench", "video_setup"},
               {"calls", calls},
               {"codec", codec_list},
               {"median_ms", round1(med)},
               {"p95_ms", round1(p95)},
               {"min_ms", round1(*std::min_element(both.begin(), both.end()))},
               {"max_ms", round1(*std::max_element(both.begin(), both.end()))},
               {"breakdown_median_ms",
                {{"caller_first_video", round1(median(caller))},
                 {"callee_first_video", round1(median(callee))},
                 {"audio_at_both_ends", round1(median(audio))}}},
               {"target_ms", kSetupTargetMs},
               {"ratio_to_target", round3(med / kSetupTargetMs)},
               {"reference",
                {{"what",
                  "StanzaJS<->Chromium video call setup, measured on this machine kind (issue "
                  "text), not rerun"},
                 {"low_ms", kSetupReferenceLowMs},
                 {"high_ms", kSetupReferenceHighMs}}},
               {"ratio_to_reference", round3(med / kSetupReferenceLowMs)},
               {"pass", med < kSetupTargetMs}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

// --- 2. CPU per call end --------------------------------------------------------------------

struct VideoConfig {
  std::string name;   // vp8-480
  std::string codec;  // --video-codecs
  int width = 0;
  int height = 0;
  int fps = 30;
  double reference_percent = 0;  // measured earlier on this machine kind (the issue's figures)
};

const std::vector<VideoConfig>& video_configs() {
  static const std::vector<VideoConfig> configs = {
      {"vp8-480", "VP8", 640, 480, 30, 11},
      {"vp8-720", "VP8", 1280, 720, 30, 30},
      {"h264-720", "H264", 1280, 720, 30, 19},
  };
  return configs;
}

const VideoConfig& find_config(const std::string& name) {
  for (const VideoConfig& c : video_configs()) {
    if (c.name == name) {
      return c;
    }
  }
  die("unknown configuration " + name + " (vp8-480, vp8-720, h264-720)");
}

std::string source_arg(const VideoConfig& c) {
  return "pattern:smpte:" + std::to_string(c.width) + "x" + std::to_string(c.height) + "@" +
         std::to_string(c.fps);
}

// gst-launch's own parser splits the description; pass it as separate words like a shell.
std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> argv;
  std::string word;
  bool quoted = false;
  for (const char c : text) {
    if (c == '"') {
      quoted = !quoted;
      continue;
    }
    if (c == ' ' && !quoted) {
      if (!word.empty()) {
        argv.push_back(word);
      }
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) {
    argv.push_back(word);
  }
  return argv;
}

// One call end's media work as one gst-launch-1.0. Audio: the Opus chain of call_bench.cpp's
// baseline (rtpbin ra: session 0 sends, session 1 receives what session 0 sent over UDP on
// 127.0.0.1, RTCP both ways). Video (rtpbin rv, the same loop): what media/pipeline/
// rtp_pipeline.cpp builds for a pattern source (build_video_send: videotestsrc is-live,
// videoconvert, videoscale, raw caps, valve, the encoder with codecs/catalog.cpp's properties
// and the bitrate set_encoder_bitrate gives it, the encoder caps, the payloader at mtu 1200;
// the video jitter buffer: 150 ms (PipelineConfig::video_jitter_buffer), retransmission requests;
// the decode chain: depayloader with request-keyframe and wait-for-keyframe, parser, decoder, then
// videoconvert to I420 for the analysis; the receive caps carry the rtcp-fb fields by which
// rtpsession answers a keyframe request with a PLI, as codecs/rtp_caps.cpp writes them). What jcall
// adds and the baseline does not: ICE, DTLS-SRTP, RTX, the frame analysis.
std::string gst_baseline_text(const VideoConfig& c, int kbps) {
  const auto port = [] { return std::to_string(free_udp_port()); };
  const std::string artp = port();
  const std::string artcp01 = port();
  const std::string artcp10 = port();
  const std::string vrtp = port();
  const std::string vrtcp01 = port();
  const std::string vrtcp10 = port();
  const std::string audio =
      "rtpbin name=ra latency=40 drop-on-latency=true do-lost=true do-retransmission=false "
      "buffer-mode=slave rtp-profile=avpf "
      "audiotestsrc is-live=true samplesperbuffer=480 wave=sine freq=440 "
      "! audio/x-raw,format=S16LE,rate=48000,channels=1 ! audioconvert ! audioresample "
      "! audio/x-raw,channels=1,rate=48000 ! volume ! valve "
      "! opusenc inband-fec=true dtx=true audio-type=voice frame-size=20 "
      "! rtpopuspay pt=111 ssrc=4369 dtx=true ! ra.send_rtp_sink_0 "
      "ra.send_rtp_src_0 ! udpsink host=127.0.0.1 port=" +
      artp + " sync=false async=false ra.send_rtcp_src_0 ! udpsink host=127.0.0.1 port=" + artcp01 +
      " sync=false async=false ra.send_rtcp_src_1 ! udpsink host=127.0.0.1 port=" + artcp10 +
      " sync=false async=false udpsrc address=127.0.0.1 port=" + artp +
      " caps=\"application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS,payload=111\" "
      "! ra.recv_rtp_sink_1 udpsrc address=127.0.0.1 port=" +
      artcp01 +
      " caps=application/x-rtcp ! ra.recv_rtcp_sink_1 udpsrc address=127.0.0.1 port=" + artcp10 +
      " caps=application/x-rtcp ! ra.recv_rtcp_sink_0 "
      "ra.recv_rtp_src_1_4369_111 ! rtpopusdepay ! opusdec use-inband-fec=false plc=true "
      "! audioconvert ! audioresample ! tee name=t "
      "t. ! queue ! audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=16000,channels=1 "
      "! fakesink sync=true async=false "
      "t. ! queue ! volume ! audioconvert ! audioresample ! fakesink sync=true async=false ";
  const bool h264 = c.codec == "H264";
  const std::string pt = h264 ? "102" : "96";
  const std::string encoding = h264 ? "H264" : "VP8";
  const std::string encode =
      h264 ? "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=3000 bframes=0 "
             "sliced-threads=false bitrate=" +
                 std::to_string(kbps) +
                 " ! video/x-h264,profile=constrained-baseline "
                 "! rtph264pay config-interval=-1 aggregate-mode=zero-latency"
           : "vp8enc deadline=1 error-resilient=default lag-in-frames=0 end-usage=cbr cpu-used=4 "
             "keyframe-max-dist=3000 target-bitrate=" +
                 std::to_string(kbps * 1000) + " ! rtpvp8pay picture-id-mode=15-bit";
  const std::string decode =
      h264 ? "rtph264depay request-keyframe=true wait-for-keyframe=true ! h264parse ! avdec_h264 "
             "thread-type=slice"
           : "rtpvp8depay request-keyframe=true wait-for-keyframe=true ! vp8dec";
  const std::string video =
      "rtpbin name=rv latency=150 drop-on-latency=true do-lost=true do-retransmission=true "
      "buffer-mode=slave rtp-profile=avpf "
      "videotestsrc is-live=true pattern=smpte ! videoconvert ! videoscale "
      "! video/x-raw,format=I420,width=" +
      std::to_string(c.width) + ",height=" + std::to_string(c.height) +
      ",framerate=" + std::to_string(c.fps) + "/1 ! valve ! " + encode + " pt=" + pt +
      " ssrc=8738 mtu=1200 ! rv.send_rtp_sink_0 "
      "rv.send_rtp_src_0 ! udpsink host=127.0.0.1 port=" +
      vrtp + " sync=false async=false rv.send_rtcp_src_0 ! udpsink host=127.0.0.1 port=" + vrtcp01 +
      " sync=false async=false rv.send_rtcp_src_1 ! udpsink host=127.0.0.1 port=" + vrtcp10 +
      " sync=false async=false udpsrc address=127.0.0.1 port=" + vrtp +
      " caps=\"application/x-rtp,media=video,clock-rate=90000,encoding-name=" + encoding +
      ",payload=" + pt +
      ",rtcp-fb-nack=(boolean)true,rtcp-fb-nack-pli=(boolean)true,rtcp-fb-ccm-fir=(boolean)true"
      "\" ! rv.recv_rtp_sink_1 udpsrc address=127.0.0.1 port=" +
      vrtcp01 +
      " caps=application/x-rtcp ! rv.recv_rtcp_sink_1 udpsrc address=127.0.0.1 port=" + vrtcp10 +
      " caps=application/x-rtcp ! rv.recv_rtcp_sink_0 "
      "rv.recv_rtp_src_1_8738_" +
      pt + " ! " + decode +
      " ! videoconvert ! video/x-raw,format=I420 ! fakesink sync=false async=false";
  return audio + video;
}

std::vector<std::string> gst_baseline_argv(const VideoConfig& c, int kbps) {
  return with({"gst-launch-1.0", "-q"}, split_words(gst_baseline_text(c, kbps)));
}

// The bitrate the baseline's video encoder and payloader produce (RTP bytes of 10 s of the
// pattern, encoded as fast as it goes into a file): the encoders overshoot a CBR target
// (VP8 at 720p), so the report shows what both pipelines actually send.
double baseline_video_kbps(const VideoConfig& c, int kbps) {
  char path[] = "/tmp/jcall_bench_video_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) {
    die("mkstemp failed");
  }
  close(fd);
  const int frames = 10 * c.fps;
  std::string text = gst_baseline_text(c, kbps);
  // The send chain of the baseline, from the source to the payloader.
  const auto from = text.find("videotestsrc");
  const auto to = text.find(" ! rv.send_rtp_sink_0");
  text = text.substr(from, to - from);
  text.replace(text.find("is-live=true"), 12, "num-buffers=" + std::to_string(frames));
  std::string error;
  auto gst = ChildProcess::spawn({with(with({"gst-launch-1.0", "-q"}, split_words(text)),
                                       {"!", "filesink", std::string("location=") + path}),
                                  {},
                                  true,
                                  true},
                                 &error);
  const auto status = gst ? gst->wait(60s) : std::nullopt;
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  const auto bytes = static_cast<double>(f.tellg());
  unlink(path);
  if (!status || *status != 0 || bytes <= 0) {
    die("the baseline's encoder did not run: " + error + (gst ? gst->read_all(1s) : ""));
  }
  return bytes * 8 / 1000 / (static_cast<double>(frames) / c.fps);
}

struct CpuRound {
  CpuUse caller;
  CpuUse callee;
  CpuUse baseline;
  double seconds = 0;
  // Each end's video: RTP bytes sent from the first decoded frames to the summary, as kbit/s,
  // and its rate controller's target at the end (below --max-bitrate after a back-off: then
  // jcall encodes at a lower bitrate than the baseline).
  double caller_kbps_sent = 0;
  double callee_kbps_sent = 0;
  double caller_target_kbps = 0;
  double callee_target_kbps = 0;
  double frames_decoded_fps = 0;  // the callee's decoded fps at the end
};

// One round: a jcall<->jcall audio+video call and, at the same time, the gst-launch baseline,
// so both windows see the same machine.
CpuRound cpu_round(const ProsodyServer& server,
                   const VideoConfig& c,
                   int kbps,
                   double call_seconds,
                   double window) {
  const std::vector<std::string> video = {"--video-codecs",   c.codec,
                                          "--video-source",   source_arg(c),
                                          "--max-bitrate",    std::to_string(kbps),
                                          "--stats-interval", "0"};
  const auto before = children_named("jcall");
  Jcall bob(server, "bob@localhost/desk", "bob-pw-2",
            with({"--answer", "--audio-source", "tone:880"}, video));
  online(bob, "bob");
  const auto with_bob = children_named("jcall");
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f", call_seconds);
  Jcall alice(server, "alice@localhost/phone", "alice-pw-1",
              with({"--call", "bob@localhost", "--video", "--audio-source", "tone:440",
                    "--hangup-after", secs},
                   video));
  const auto all = children_named("jcall");
  std::vector<pid_t> bob_pid;
  std::vector<pid_t> alice_pid;
  std::set_difference(with_bob.begin(), with_bob.end(), before.begin(), before.end(),
                      std::back_inserter(bob_pid));
  std::set_difference(all.begin(), all.end(), with_bob.begin(), with_bob.end(),
                      std::back_inserter(alice_pid));
  if (bob_pid.size() != 1 || alice_pid.size() != 1) {
    die("cannot tell the jcall processes apart");
  }
  std::string error;
  auto gst = ChildProcess::spawn({gst_baseline_argv(c, kbps), {}, true, true}, &error);
  if (!gst) {
    die("gst-launch-1.0: " + error);
  }
  if (!alice.wait_for([](const json& e) { return is_first_media(e, "video"); }, 20s) ||
      !bob.wait_for([](const json& e) { return is_first_media(e, "video"); }, 10s)) {
    die("no video in the CPU call:\n" + alice.raw() + bob.raw());
  }
  const auto video_from = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(2s);  // past the start-up of the pipelines and encoders
  if (gst->wait(0ms)) {
    die("gst-launch-1.0 exited:\n" + gst->read_all(1s));
  }
  const auto a0 = sample_cpu(alice_pid[0]);
  const auto b0 = sample_cpu(bob_pid[0]);
  const auto g0 = sample_cpu(gst->pid());
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(window * 1000)));
  const auto a1 = sample_cpu(alice_pid[0]);
  const auto b1 = sample_cpu(bob_pid[0]);
  const auto g1 = sample_cpu(gst->pid());
  CpuRound r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (gst->wait(0ms)) {
    die("gst-launch-1.0 exited during the window:\n" + gst->read_all(1s));
  }
  gst->kill();
  r.caller = cpu_between(a0, a1, r.seconds);
  r.callee = cpu_between(b0, b1, r.seconds);
  r.baseline = cpu_between(g0, g1, r.seconds);
  auto a =
      alice.wait_event("call-summary", std::chrono::seconds(static_cast<int>(call_seconds) + 20));
  const double video_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - video_from).count();
  auto b = bob.wait_event("call-summary", 15s);
  if (!a || !b || (*a)["video_flowed"] != true || (*b)["video_flowed"] != true) {
    die("the CPU call did not end with video both ways:\n" + alice.raw() + bob.raw());
  }
  r.caller_kbps_sent = number_at(video_stream(*a), {"bytes_sent"}).value_or(0) * 8 / 1000 / video_s;
  r.callee_kbps_sent = number_at(video_stream(*b), {"bytes_sent"}).value_or(0) * 8 / 1000 / video_s;
  r.caller_target_kbps = number_at(video_stream(*a), {"video", "target_bitrate_kbps"}).value_or(0);
  r.callee_target_kbps = number_at(video_stream(*b), {"video", "target_bitrate_kbps"}).value_or(0);
  r.frames_decoded_fps = number_at(video_stream(*b), {"video", "fps"}).value_or(0);
  (void)alice.finish();
  (void)bob.quit();
  return r;
}

ojson bench_cpu_config(const ProsodyServer& server,
                       const VideoConfig& c,
                       int kbps,
                       double call_seconds,
                       double window,
                       int rounds) {
  std::vector<CpuUse> caller;
  std::vector<CpuUse> callee;
  std::vector<CpuUse> base;
  std::vector<double> ratios;
  std::vector<double> kbps_sent;
  std::vector<double> target_kbps;
  double seconds = 0;
  const double base_kbps = baseline_video_kbps(c, kbps);
  std::printf("%s: the baseline's encoder + payloader at %d kbps produce %.0f kbps of RTP\n",
              c.name.c_str(), kbps, base_kbps);
  for (int i = 1; i <= rounds; ++i) {
    const CpuRound r = cpu_round(server, c, kbps, call_seconds, window);
    caller.push_back(r.caller);
    callee.push_back(r.callee);
    base.push_back(r.baseline);
    seconds += r.seconds;
    ratios.push_back((r.caller.percent + r.callee.percent) / 2 / r.baseline.percent);
    kbps_sent.push_back(r.caller_kbps_sent);
    kbps_sent.push_back(r.callee_kbps_sent);
    target_kbps.push_back(r.caller_target_kbps);
    target_kbps.push_back(r.callee_target_kbps);
    std::printf(
        "%s round %d (%.1f s): caller %.2f%%, callee %.2f%%, gst-launch %.2f%% of one core: "
        "ratio %.3f (video sent %.0f / %.0f kbps, targets %.0f / %.0f, callee decodes %.1f "
        "fps)\n",
        c.name.c_str(), i, r.seconds, r.caller.percent, r.callee.percent, r.baseline.percent,
        ratios.back(), r.caller_kbps_sent, r.callee_kbps_sent, r.caller_target_kbps,
        r.callee_target_kbps, r.frames_decoded_fps);
  }
  const CpuUse au = mean(caller);
  const CpuUse bu = mean(callee);
  const CpuUse gu = mean(base);
  const double ours = (au.percent + bu.percent) / 2;
  const double ratio = ours / gu.percent;
  std::printf(
      "%s: jcall per call end %.2f%% of one core vs gst-launch-1.0 (same chains, send + "
      "receive over UDP, at the same time) %.2f%%: ratio %.3f (target <= %.1f; reference "
      "measured earlier: about %.0f%%)\n",
      c.name.c_str(), ours, gu.percent, ratio, kCpuTargetRatio, c.reference_percent);
  ojson out = {{"config", c.name},
               {"codec", c.codec},
               {"source", source_arg(c)},
               {"max_bitrate_kbps", kbps},
               {"jcall_video_sent_kbps_mean",
                std::round(std::accumulate(kbps_sent.begin(), kbps_sent.end(), 0.0) /
                           static_cast<double>(kbps_sent.size()))},
               {"baseline_video_kbps", std::round(base_kbps)},
               {"jcall_target_kbps_min", *std::min_element(target_kbps.begin(), target_kbps.end())},
               {"percent_of_core_per_end", round2(ours)},
               {"caller_percent", round2(au.percent)},
               {"callee_percent", round2(bu.percent)},
               {"baseline_gst_launch_percent", round2(gu.percent)},
               {"ratio", round3(ratio)},
               {"round_ratios", ojson::array()},
               {"window_s", round1(seconds / rounds)},
               {"reference_percent", c.reference_percent},
               {"caller_threads", threads_json(au)},
               {"baseline_threads", threads_json(gu)},
               {"pass", ratio <= kCpuTargetRatio}};
  for (const double x : ratios) {
    out["round_ratios"].push_back(round3(x));
  }
  std::printf("%s\n", out.dump().c_str());
  return out;
}

int bench_cpu(const std::vector<std::string>& names,
              int kbps,
              double call_seconds,
              double window,
              int rounds) {
  auto server = start_server();
  ojson configs = ojson::array();
  double worst = 0;
  bool pass = true;
  for (const auto& name : names) {
    ojson r = bench_cpu_config(*server, find_config(name), kbps, call_seconds, window, rounds);
    worst = std::max(worst, r["ratio"].get<double>());
    pass = pass && r["pass"].get<bool>();
    configs.push_back(std::move(r));
  }
  ojson summary = ojson::array();
  for (const auto& c : configs) {
    std::printf("  %-9s jcall %6.2f%%  gst-launch %6.2f%%  ratio %.3f\n",
                c["config"].get<std::string>().c_str(), c["percent_of_core_per_end"].get<double>(),
                c["baseline_gst_launch_percent"].get<double>(), c["ratio"].get<double>());
  }
  ojson out = {{"bench", "video_cpu_per_call_end"},
               {"rounds", rounds},
               {"configs", configs},
               {"ratio", round3(worst)},  // the worst configuration's
               {"target_ratio", kCpuTargetRatio},
               {"pass", pass}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

// --- 3. picture recovery after a burst loss -------------------------------------------------

struct RecoverySample {
  std::optional<double> recovery_ms;
  std::optional<double> rtt_ms;
  double dropped = 0;
  double keyframe_requests_sent = 0;
  double nacks_sent = 0;
  double frames_decoded = 0;
};

RecoverySample one_recovery_call(const ProsodyServer& server,
                                 const std::string& burst,
                                 double call_seconds,
                                 const std::string& codecs,
                                 int index) {
  std::vector<std::string> common = {"--stats-interval", "0"};
  if (!codecs.empty()) {
    common = with(common, {"--video-codecs", codecs});
  }
  Jcall bob(server, "bob@localhost/desk", "bob-pw-2",
            with({"--answer", "--audio-source", "tone:880", "--test-burst-loss", burst}, common));
  online(bob, "bob");
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f", call_seconds);
  Jcall alice(server, "alice@localhost/phone", "alice-pw-1",
              with({"--call", "bob@localhost", "--video", "--audio-source", "tone:440",
                    "--hangup-after", secs},
                   common));
  auto a =
      alice.wait_event("call-summary", std::chrono::seconds(static_cast<int>(call_seconds) + 30));
  auto b = bob.wait_event("call-summary", 15s);
  if (!a || !b) {
    die("recovery call " + std::to_string(index) + " did not end with summaries:\n--- alice\n" +
        alice.raw() + "--- bob\n" + bob.raw());
  }
  (void)alice.finish();
  (void)bob.quit();
  const json v = video_stream(*b);
  RecoverySample s;
  s.recovery_ms = number_at(v, {"video", "recovery_ms"});
  s.rtt_ms = number_at(v, {"rtt_ms"});
  if (!s.rtt_ms) {
    s.rtt_ms = number_at(video_stream(*a), {"rtt_ms"});
  }
  s.dropped = number_at(*b, {"transport", "impaired", "dropped"}).value_or(0);
  s.keyframe_requests_sent = number_at(v, {"video", "keyframe_requests_sent"}).value_or(0);
  s.nacks_sent = number_at(v, {"video", "nacks_sent"}).value_or(0);
  s.frames_decoded = number_at(v, {"video", "frames_decoded"}).value_or(0);
  return s;
}

int bench_recovery(int calls, const std::string& burst, const std::string& codecs) {
  const auto colon = burst.find(':');
  if (colon == std::string::npos) {
    die("--burst wants START_MS:DURATION_MS");
  }
  const double start_ms = std::atof(burst.substr(0, colon).c_str());
  const double duration_ms = std::atof(burst.substr(colon + 1).c_str());
  // Hang up 2.5 s after the burst's end (the call's clock starts a little before the first
  // media packet): a picture not back by then counts as not recovered.
  const double call_seconds = (start_ms + duration_ms) / 1000 + 2.5;
  auto server = start_server();
  std::vector<double> recovered;
  std::vector<double> rtts;
  ojson samples = ojson::array();
  for (int i = 1; i <= calls; ++i) {
    const RecoverySample s = one_recovery_call(*server, burst, call_seconds, codecs, i);
    std::printf(
        "call %d: recovery %s ms, rtt %s ms (bob dropped %.0f packets, sent %.0f PLI/FIR and %.0f "
        "NACKs, decoded %.0f frames)\n",
        i, text(s.recovery_ms).c_str(), text(s.rtt_ms, "none", "%.2f").c_str(), s.dropped,
        s.keyframe_requests_sent, s.nacks_sent, s.frames_decoded);
    if (s.dropped == 0) {
      die("the burst dropped nothing: is --test-burst-loss in this jcall?");
    }
    if (s.recovery_ms) {
      recovered.push_back(*s.recovery_ms);
    }
    if (s.rtt_ms) {
      rtts.push_back(*s.rtt_ms);
    }
    samples.push_back({{"recovery_ms", s.recovery_ms ? ojson(round1(*s.recovery_ms)) : nullptr},
                       {"rtt_ms", s.rtt_ms ? ojson(round2(*s.rtt_ms)) : nullptr},
                       {"dropped", s.dropped},
                       {"keyframe_requests_sent", s.keyframe_requests_sent},
                       {"nacks_sent", s.nacks_sent}});
  }
  const double rtt = rtts.empty() ? 0 : median(rtts);
  const double ideal = rtt + kFrameIntervalMs;
  // A call whose picture did not come back counts as the longest: the median is over all
  // calls, and null when half or more did not recover.
  std::optional<double> med;
  if (recovered.size() * 2 > static_cast<std::size_t>(calls)) {
    std::vector<double> all = recovered;
    all.resize(static_cast<std::size_t>(calls), 1e12);
    med = median(all);
  }
  std::printf(
      "recovery after a %.0f ms burst (bob receives nothing), %d calls: %zu recovered; median "
      "%s ms; ideal RTT %.2f ms + one frame %.1f ms = %.1f ms; ratio %s\n",
      duration_ms, calls, recovered.size(), text(med, "none (no picture)").c_str(), rtt,
      kFrameIntervalMs, ideal,
      text(med ? std::optional(*med / ideal) : std::nullopt, "none", "%.3f").c_str());
  ojson out = {{"bench", "video_recovery"},
               {"calls", calls},
               {"burst", burst},
               {"recovered", recovered.size()},
               {"median_ms", med ? ojson(round1(*med)) : nullptr},
               {"recovered_ms", stats_json(recovered)},
               {"rtt_median_ms", rtts.empty() ? nullptr : ojson(round2(rtt))},
               {"baseline_ideal_ms", round1(ideal)},
               {"ratio", med ? ojson(round3(*med / ideal)) : nullptr},
               {"samples", samples},
               {"all_recovered", recovered.size() == static_cast<std::size_t>(calls)}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

void usage() {
  std::fprintf(
      stderr,
      "usage: jcall_bench_video setup [--calls N] [--codecs LIST]\n"
      "       jcall_bench_video cpu [--call-seconds S] [--window S] [--rounds N] [--kbps K]\n"
      "                             [--configs vp8-480,vp8-720,h264-720]\n"
      "       jcall_bench_video recovery [--calls N] [--burst START_MS:DURATION_MS] "
      "[--codecs LIST]\n"
      "       jcall_bench_video gst-baseline-argv CONFIG [KBPS]\n");
  std::exit(2);
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> v;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) {
      v.push_back(item);
    }
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage();
  }
  const std::string which = argv[1];
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (which == "gst-baseline-argv") {  // for profiling the baseline by hand
    if (argc < 3) {
      usage();
    }
    for (const auto& a :
         gst_baseline_argv(find_config(argv[2]), argc > 3 ? std::atoi(argv[3]) : 1000)) {
      std::printf("'%s' ", a.c_str());
    }
    std::printf("\n");
    return 0;
  }
  std::map<std::string, std::string> opt;
  for (int i = 2; i + 1 < argc; i += 2) {
    opt[argv[i]] = argv[i + 1];
  }
  auto num = [&](const char* name, double fallback) {
    return opt.contains(name) ? std::atof(opt[name].c_str()) : fallback;
  };
  if (which == "setup") {
    const int calls = static_cast<int>(num("--calls", 20));
    if (calls <= 0) {
      usage();
    }
    return bench_setup(calls, opt["--codecs"]);
  }
  if (which == "cpu") {
    const int rounds = static_cast<int>(num("--rounds", 2));
    const int kbps = static_cast<int>(num("--kbps", 1000));
    if (rounds <= 0 || kbps <= 0) {
      usage();
    }
    const auto configs =
        split_list(opt.contains("--configs") ? opt["--configs"] : "vp8-480,vp8-720,h264-720");
    return bench_cpu(configs, kbps, num("--call-seconds", 20), num("--window", 15), rounds);
  }
  if (which == "recovery") {
    const int calls = static_cast<int>(num("--calls", 5));
    if (calls <= 0) {
      usage();
    }
    return bench_recovery(calls, opt.contains("--burst") ? opt["--burst"] : "3000:500",
                          opt["--codecs"]);
  }
  usage();
}
