// Call benchmarks (XEP-0353 + XEP-0166/0167/0176/0320 calls, RFC 7587 Opus over DTLS-SRTP):
// two `jcall --headless --json` processes on one machine, each figure against a baseline
// measured in the same run. Meant for a Release build; tools/bench/run-bench-calls runs them all.
//
//   jcall_bench_call setup   [--calls N] [--baseline-setup-ms A,B,C]
//       alice calls bob's bare JID (JMI) N times through a private Prosody; per call:
//       propose -> first decoded audio at both ends (CLOCK_MONOTONIC of both processes).
//       The baseline (StanzaJS <-> Chromium caller setup_ms, propose -> RTCPeerConnection
//       connected) is measured by the driver and passed in.
//   jcall_bench_call latency [--seconds S]
//       mouth-to-ear of marker bursts in a call, against two RtpPipelines in this process
//       with A's packets fed straight into B (the same Opus chain without any transport).
//   jcall_bench_call cpu     [--call-seconds S] [--window S] [--rounds N]
//       utime+stime of each jcall process over a steady window of a tone call, against one
//       gst-launch-1.0 doing one end's work (send + receive, the same chain) over UDP loopback,
//       run during the same window; N rounds (default 2), means.
//
// Each prints human lines, then one JSON object as its last line.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <netinet/in.h>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <glib.h>
#include <nlohmann/json.hpp>

#include "bench_common.hpp"
#include "codecs/offer_answer.hpp"
#include "media/detail/glib.hpp"
#include "media/pipeline/rtp_pipeline.hpp"
#include "support/jcall_process.hpp"
#include "support/prosody_fixture.hpp"

// GStreamer keeps its registry and type system until the process ends (as in the pipeline tests).
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libgstreamer-1.0\nleak:libglib-2.0\nleak:libgobject-2.0\nleak:libgmodule-2.0\n"
         "leak:/gstreamer-1.0/\nleak:libpulse.so\n";
}

namespace {

using namespace jcall::bench;

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;  // output: keys in the order written
using jcall::test::ChildProcess;
using jcall::test::Jcall;
using jcall::test::ProsodyServer;
using namespace std::chrono_literals;

constexpr double kSetupTargetMs = 100;
constexpr double kLatencyTargetMs = 80;
constexpr double kCpuTargetRatio = 1.1;

double round1(double x) {
  return static_cast<double>(static_cast<std::int64_t>(x * 10 + (x < 0 ? -0.5 : 0.5))) / 10;
}

bool is_media(const json& e, const std::string& what) {
  return e.value("event", "") == "call-media" && e.value("what", "") == what;
}

// --- /proc ----------------------------------------------------------------------------------

// The threads by CPU (bench_common.hpp sample_cpu), as JSON.
ojson threads_json(const CpuUse& u) {
  ojson out = ojson::object();
  for (const auto& [pct, name] : busiest(u)) {
    out[name] = std::round(pct * 100) / 100;
  }
  return out;
}

std::string threads_text(const CpuUse& u) {
  std::string s;
  for (const auto& [pct, name] : busiest(u)) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s%s %.2f%%", s.empty() ? "" : ", ", name.c_str(), pct);
    s += buf;
  }
  return s;
}

// --- 1. call setup --------------------------------------------------------------------------

std::vector<double> parse_list(const std::string& text) {
  std::vector<double> v;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) {
      v.push_back(std::atof(item.c_str()));
    }
  }
  return v;
}

struct SetupSample {
  double both_ms = 0;                      // propose -> first decoded audio at both ends
  std::map<std::string, double> alice_at;  // alice's timeline step -> ms since propose sent
  double bob_first_media_ms = 0;
};

std::optional<SetupSample> one_call(Jcall& alice, Jcall& bob, int index) {
  alice.command({{"cmd", "call"}, {"to", "bob@localhost"}});
  const bool a_media =
      alice.wait_for([](const json& e) { return is_media(e, "first-media"); }, 15s).has_value();
  const bool b_media =
      bob.wait_for([](const json& e) { return is_media(e, "first-media"); }, 10s).has_value();
  if (a_media && b_media) {
    std::this_thread::sleep_for(500ms);  // a short call: media flows for half a second
  }
  alice.command({{"cmd", "hangup"}});
  auto a = alice.wait_event("call-summary", 15s);
  auto b = bob.wait_event("call-summary", 15s);
  if (!a || !b || !a_media || !b_media) {
    std::fprintf(stderr, "call %d failed (alice first media %d, bob %d)\n--- alice\n%s--- bob\n%s",
                 index, a_media, b_media, alice.raw().c_str(), bob.raw().c_str());
    return std::nullopt;
  }
  const std::int64_t start = (*a)["mono_ns"]["start"].get<std::int64_t>();
  const std::int64_t fa = (*a)["mono_ns"]["first_media"].get<std::int64_t>();
  const std::int64_t fb = (*b)["mono_ns"]["first_media"].get<std::int64_t>();
  SetupSample s;
  s.both_ms = static_cast<double>(std::max(fa, fb) - start) / 1e6;
  s.bob_first_media_ms = static_cast<double>(fb - start) / 1e6;
  std::optional<std::int64_t> t0;
  for (const json& step : (*a)["timeline"]) {
    const std::string name = step["step"].get<std::string>();
    const std::int64_t t = step["t_ms"].get<std::int64_t>();
    if (!t0 && (name == "propose sent" || name == "session-initiate sent")) {
      t0 = t;
    }
    if (t0 && !s.alice_at.contains(name)) {
      s.alice_at[name] = static_cast<double>(t - *t0);
    }
  }
  return s;
}

int bench_setup(int calls, const std::vector<double>& baseline) {
  auto server = start_server();
  const std::vector<std::string> common = {"--stats-interval", "0"};
  std::vector<std::string> bob_args = {"--answer", "--audio-source", "tone:880"};
  bob_args.insert(bob_args.end(), common.begin(), common.end());
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2", bob_args);
  online(bob, "bob");
  std::vector<std::string> alice_args = {"--audio-source", "tone:440"};
  alice_args.insert(alice_args.end(), common.begin(), common.end());
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1", alice_args);
  online(alice, "alice");

  // One call first, not counted: plugin loading and first-use costs of each process.
  auto warm = one_call(alice, bob, 0);
  if (!warm) {
    die("the warm-up call failed");
  }
  std::printf("warm-up call (not counted): %.1f ms propose -> first audio at both ends\n",
              warm->both_ms);
  std::vector<SetupSample> samples;
  for (int i = 1; i <= calls; ++i) {
    auto s = one_call(alice, bob, i);
    if (!s) {
      die("call " + std::to_string(i) + " failed");
    }
    std::printf("call %2d: %6.1f ms (alice first audio %.0f ms, bob %.1f ms)\n", i, s->both_ms,
                s->alice_at.contains("first-media audio") ? s->alice_at["first-media audio"] : -1,
                s->bob_first_media_ms);
    samples.push_back(std::move(*s));
  }
  (void)alice.quit();
  (void)bob.quit();

  std::vector<double> both;
  std::vector<double> bob_fm;
  std::map<std::string, std::vector<double>> steps;
  for (const auto& s : samples) {
    both.push_back(s.both_ms);
    bob_fm.push_back(s.bob_first_media_ms);
    for (const auto& [name, t] : s.alice_at) {
      steps[name].push_back(t);
    }
  }
  // Alice's timeline: the median time of each step (present in every call) since propose.
  std::vector<std::pair<double, std::string>> order;
  for (const auto& [name, v] : steps) {
    if (v.size() == samples.size()) {
      order.emplace_back(median(v), name);
    }
  }
  std::sort(order.begin(), order.end());
  std::printf("caller's timeline, median ms since propose sent (ms resolution):\n");
  for (const auto& [t, name] : order) {
    std::printf("  %6.0f  %s\n", t, name.c_str());
  }
  std::printf("  %6.1f  callee's first decoded audio (CLOCK_MONOTONIC)\n", median(bob_fm));

  auto step_median = [&](const std::vector<std::string>& names) -> ojson {
    for (const auto& n : names) {
      if (steps.contains(n) && steps[n].size() == samples.size()) {
        return median(steps[n]);
      }
    }
    for (const auto& [name, v] : steps) {  // content names vary: match by prefix
      for (const auto& n : names) {
        if (name.starts_with(n) && v.size() == samples.size()) {
          return median(v);
        }
      }
    }
    return nullptr;
  };
  ojson breakdown = {
      {"proceed_received", step_median({"proceed received"})},
      {"session_initiate_sent", step_median({"session-initiate sent"})},
      {"session_accept_received", step_median({"session-accept received"})},
      {"transport_connected", step_median({"transport-connected"})},
      {"caller_first_media", step_median({"first-media"})},
      {"callee_first_media", round1(median(bob_fm))},
  };

  const double med = median(both);
  const double p95 = percentile(both, 95);
  std::printf(
      "jcall<->jcall setup (propose -> first decoded audio at both ends), %d calls: "
      "median %.1f ms, p95 %.1f ms, min %.1f, max %.1f\n",
      calls, med, p95, *std::min_element(both.begin(), both.end()),
      *std::max_element(both.begin(), both.end()));
  ojson out = {{"bench", "call_setup"},
               {"calls", calls},
               {"median_ms", round1(med)},
               {"p95_ms", round1(p95)},
               {"min_ms", round1(*std::min_element(both.begin(), both.end()))},
               {"max_ms", round1(*std::max_element(both.begin(), both.end()))},
               {"breakdown_median_ms_since_propose", breakdown},
               {"target_ms", kSetupTargetMs}};
  if (!baseline.empty()) {
    const double b = median(baseline);
    std::printf(
        "StanzaJS<->Chromium baseline, %zu audio-only JMI calls: caller setup_ms median "
        "%.0f ms (propose -> RTCPeerConnection connected: ICE+DTLS up, before any audio "
        "is decoded, so it flatters the baseline); ratio %.3f\n",
        baseline.size(), b, med / b);
    out["baseline"] = {{"what", "stanzajs-chromium caller setup_ms (propose -> pc connected)"},
                       {"calls", baseline.size()},
                       {"median_ms", round1(b)},
                       {"samples_ms", baseline}};
    out["ratio"] = std::round(med / b * 1000) / 1000;
  } else {
    std::printf("no baseline given (--baseline-setup-ms)\n");
    out["baseline"] = nullptr;
    out["ratio"] = nullptr;
  }
  out["pass"] = med < kSetupTargetMs;
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

// --- 2. mouth-to-ear ------------------------------------------------------------------------

struct Latency {
  std::vector<double> ms;
  ojson to_json() const {
    if (ms.empty()) {
      return nullptr;
    }
    return {{"bursts", ms.size()},
            {"median_ms", round1(median(ms))},
            {"p95_ms", round1(percentile(ms, 95))},
            {"min_ms", round1(*std::min_element(ms.begin(), ms.end()))},
            {"max_ms", round1(*std::max_element(ms.begin(), ms.end()))}};
  }
  std::string each() const {
    std::string s;
    for (const double x : ms) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%s%.1f", s.empty() ? "" : " ", x);
      s += buf;
    }
    return s;
  }
  std::string text() const {
    if (ms.empty()) {
      return "no bursts heard";
    }
    char buf[160];
    std::snprintf(buf, sizeof buf, "%zu bursts: median %.1f ms, p95 %.1f, min %.1f, max %.1f",
                  ms.size(), median(ms), percentile(ms, 95),
                  *std::min_element(ms.begin(), ms.end()), *std::max_element(ms.begin(), ms.end()));
    return buf;
  }
};

// Each received onset paired with the latest burst sent before it.
Latency pair_markers(std::vector<std::int64_t> sent, const std::vector<std::int64_t>& received) {
  std::sort(sent.begin(), sent.end());
  Latency l;
  for (const std::int64_t r : received) {
    const auto it = std::upper_bound(sent.begin(), sent.end(), r);
    if (it != sent.begin()) {
      l.ms.push_back(static_cast<double>(r - *std::prev(it)) / 1e6);
    }
  }
  return l;
}

std::vector<std::int64_t> ns_list(const json& summary, const char* key) {
  std::vector<std::int64_t> v;
  if (summary.contains("markers") && summary["markers"].contains(key)) {
    for (const json& x : summary["markers"][key]) {
      v.push_back(x.get<std::int64_t>());
    }
  }
  return v;
}

Latency call_latency(double seconds) {
  auto server = start_server();
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2",
            {"--answer", "--audio-source", "silence", "--stats-interval", "0"});
  online(bob, "bob");
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f", seconds);
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1",
              {"--call", "bob@localhost", "--audio-source", "marker:1000", "--hangup-after", secs,
               "--stats-interval", "0"});
  auto a = alice.wait_event("call-summary", std::chrono::seconds(static_cast<int>(seconds) + 30));
  auto b = bob.wait_event("call-summary", 15s);
  if (!a || !b) {
    die("the marker call did not end with summaries:\n--- alice\n" + alice.raw() + "--- bob\n" +
        bob.raw());
  }
  (void)alice.finish();
  (void)bob.quit();
  return pair_markers(ns_list(*a, "sent_ns"), ns_list(*b, "received_ns"));
}

Latency pipeline_latency(double seconds) {
  using namespace jcall;
  GMainContext* ctx = g_main_context_new();
  g_main_context_push_thread_default(ctx);
  codecs::Preferences prefs;
  prefs.audio = {"opus"};
  const codecs::Negotiated offer = codecs::make_offer(codecs::MediaType::kAudio, prefs);
  auto answer =
      codecs::answer_offer(codecs::MediaType::kAudio, offer.codecs, offer.header_extensions, prefs);
  if (!answer) {
    die("answer_offer: " + answer.error().message);
  }
  auto applied = codecs::apply_answer(codecs::MediaType::kAudio, offer, answer->codecs,
                                      answer->header_extensions);
  if (!applied) {
    die("apply_answer: " + applied.error().message);
  }
  std::unique_ptr<media::RtpPipeline> a;
  std::unique_ptr<media::RtpPipeline> b;
  auto events = [](std::unique_ptr<media::RtpPipeline>& peer) {
    media::RtpPipeline::Events e;
    e.outgoing = [&peer](std::vector<std::uint8_t> packet, bool rtcp) {
      if (peer) {
        peer->receive(packet, rtcp);
      }
    };
    e.dtmf = [](const std::string&, char) {};
    e.first_media = [](const std::string&) {};
    e.error = [](const Error& error) { die("pipeline: " + error.message); };
    return e;
  };
  media::PipelineConfig ca;  // defaults, as jcall without options
  ca.audio_source = *media::parse_audio_source("marker:1000");
  media::PipelineConfig cb;
  cb.audio_source = *media::parse_audio_source("silence");
  auto pa = media::RtpPipeline::create(ctx, ca, events(b));
  auto pb = media::RtpPipeline::create(ctx, cb, events(a));
  if (!pa || !pb) {
    die("RtpPipeline::create failed");
  }
  a = std::move(*pa);
  b = std::move(*pb);
  auto stream = [](const codecs::Negotiated& n, std::uint32_t ssrc) {
    media::StreamConfig s;
    s.name = "audio";
    s.codecs = n;
    s.local_ssrc = ssrc;
    s.cname = "bench" + std::to_string(ssrc);
    return s;
  };
  if (!a->add_stream(stream(*applied, 0x1111)) || !b->add_stream(stream(*answer, 0x2222)) ||
      !a->start() || !b->start()) {
    die("cannot start the pipelines");
  }
  {
    const auto tick = media::detail::add_timer(ctx, 10, [] { return true; });
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(static_cast<int>(seconds * 1000));
    while (std::chrono::steady_clock::now() < deadline) {
      g_main_context_iteration(ctx, TRUE);
    }
  }
  const media::MarkerTimes sent = a->marker_times();
  const media::MarkerTimes heard = b->marker_times();
  a->stop();
  b->stop();
  a.reset();
  b.reset();
  for (int i = 0; i < 1000 && g_main_context_pending(ctx); ++i) {
    g_main_context_iteration(ctx, FALSE);
  }
  g_main_context_pop_thread_default(ctx);
  g_main_context_unref(ctx);
  return pair_markers(sent.sent_ns, heard.received_ns);
}

int bench_latency(double seconds) {
  const Latency call = call_latency(seconds);
  std::printf("jcall<->jcall call (ICE + DTLS-SRTP, two processes): %s\n", call.text().c_str());
  const Latency pipe = pipeline_latency(seconds);
  std::printf("two RtpPipelines in one process, packets handed over directly: %s\n",
              pipe.text().c_str());
  std::printf("  each burst, ms: call [%s], pipeline only [%s]\n", call.each().c_str(),
              pipe.each().c_str());
  if (call.ms.empty() || pipe.ms.empty()) {
    die("no marker burst was heard");
  }
  const double ratio = median(call.ms) / median(pipe.ms);
  std::printf("ratio (call / pipeline only) %.3f; the call adds %.1f ms\n", ratio,
              median(call.ms) - median(pipe.ms));
  ojson out = {{"bench", "mouth_to_ear"},
               {"call", call.to_json()},
               {"baseline_pipeline_only", pipe.to_json()},
               {"median_ms", round1(median(call.ms))},
               {"baseline_median_ms", round1(median(pipe.ms))},
               {"ratio", std::round(ratio * 1000) / 1000},
               {"target_ms", kLatencyTargetMs},
               {"pass", median(call.ms) <= kLatencyTargetMs}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

// --- 3. CPU per call ------------------------------------------------------------------------

// One end's media work as one gst-launch-1.0 (jcall's chain: media/pipeline/rtp_pipeline.cpp
// build_source/build_send/build_receive/build_decode_chain, the Opus entry of codecs/catalog.cpp
// with tune_opusenc for jcall's own offer): rtpbin session 0 sends, session 1 receives what
// session 0 sent over UDP on 127.0.0.1 (RTCP both ways), so one process encodes and decodes
// one stream, as each jcall does.
std::vector<std::string> gst_baseline_argv() {
  const std::string rtp = std::to_string(free_udp_port());
  const std::string rtcp01 = std::to_string(free_udp_port());
  const std::string rtcp10 = std::to_string(free_udp_port());
  const std::string text =
      "rtpbin name=r latency=40 drop-on-latency=true do-lost=true do-retransmission=false "
      "buffer-mode=slave rtp-profile=avpf "
      "audiotestsrc is-live=true samplesperbuffer=480 wave=sine freq=440 "
      "! audio/x-raw,format=S16LE,rate=48000,channels=1 ! audioconvert ! audioresample "
      "! audio/x-raw,channels=1,rate=48000 ! volume ! valve "
      "! opusenc inband-fec=true dtx=true audio-type=voice frame-size=20 "
      "! rtpopuspay pt=111 ssrc=4369 dtx=true ! r.send_rtp_sink_0 "
      "r.send_rtp_src_0 ! udpsink host=127.0.0.1 port=" +
      rtp +
      " sync=false async=false "
      "r.send_rtcp_src_0 ! udpsink host=127.0.0.1 port=" +
      rtcp01 +
      " sync=false async=false "
      "r.send_rtcp_src_1 ! udpsink host=127.0.0.1 port=" +
      rtcp10 +
      " sync=false async=false "
      "udpsrc address=127.0.0.1 port=" +
      rtp +
      " caps=\"application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS,payload=111\" "
      "! r.recv_rtp_sink_1 "
      "udpsrc address=127.0.0.1 port=" +
      rtcp01 +
      " caps=application/x-rtcp ! r.recv_rtcp_sink_1 "
      "udpsrc address=127.0.0.1 port=" +
      rtcp10 +
      " caps=application/x-rtcp ! r.recv_rtcp_sink_0 "
      "r.recv_rtp_src_1_4369_111 ! rtpopusdepay ! opusdec use-inband-fec=false plc=true "
      "! audioconvert ! audioresample ! tee name=t "
      "t. ! queue ! audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=16000,channels=1 "
      "! fakesink sync=true async=false "
      "t. ! queue ! volume ! audioconvert ! audioresample ! fakesink sync=true async=false";
  std::vector<std::string> argv = {"gst-launch-1.0", "-q"};
  // gst-launch's own parser splits the description; pass it as separate words like a shell.
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

// One round: a jcall<->jcall tone call and, at the same time, the gst-launch baseline, so
// both windows see the same machine (the three processes use a few % of a core each).
struct CpuRound {
  CpuUse caller;
  CpuUse callee;
  CpuUse baseline;
  double seconds = 0;
};

CpuRound cpu_round(const ProsodyServer& server, double call_seconds, double window) {
  const auto before = children_named("jcall");
  Jcall bob(server, "bob@localhost/desk", "bob-pw-2",
            {"--answer", "--audio-source", "tone:880", "--stats-interval", "0"});
  online(bob, "bob");
  const auto with_bob = children_named("jcall");
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f", call_seconds);
  Jcall alice(server, "alice@localhost/phone", "alice-pw-1",
              {"--call", "bob@localhost", "--audio-source", "tone:440", "--hangup-after", secs,
               "--stats-interval", "0"});
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
  auto gst = ChildProcess::spawn({gst_baseline_argv(), {}, true, true}, &error);
  if (!gst) {
    die("gst-launch-1.0: " + error);
  }
  if (!alice.wait_for([](const json& e) { return is_media(e, "first-media"); }, 20s) ||
      !bob.wait_for([](const json& e) { return is_media(e, "first-media"); }, 10s)) {
    die("no media in the CPU call:\n" + alice.raw() + bob.raw());
  }
  std::this_thread::sleep_for(1s);  // past the start-up of the pipelines
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
  auto b = bob.wait_event("call-summary", 15s);
  if (!a || !b || !(*a)["audio_flowed"].get<bool>() || !(*b)["audio_flowed"].get<bool>()) {
    die("the CPU call did not end with audio both ways:\n" + alice.raw() + bob.raw());
  }
  (void)alice.finish();
  (void)bob.quit();
  return r;
}

int bench_cpu(double call_seconds, double window, int rounds) {
  auto server = start_server();
  std::vector<CpuUse> caller;
  std::vector<CpuUse> callee;
  std::vector<CpuUse> base;
  std::vector<double> ratios;
  double seconds = 0;
  for (int i = 1; i <= rounds; ++i) {
    const CpuRound r = cpu_round(*server, call_seconds, window);
    caller.push_back(r.caller);
    callee.push_back(r.callee);
    base.push_back(r.baseline);
    seconds += r.seconds;
    ratios.push_back((r.caller.percent + r.callee.percent) / 2 / r.baseline.percent);
    std::printf(
        "round %d (%.1f s): caller %.2f%%, callee %.2f%%, gst-launch %.2f%% of one core: "
        "ratio %.3f\n",
        i, r.seconds, r.caller.percent, r.callee.percent, r.baseline.percent, ratios.back());
  }
  const CpuUse au = mean(caller);
  const CpuUse bu = mean(callee);
  const CpuUse gu = mean(base);
  const double ours = (au.percent + bu.percent) / 2;
  std::printf("per-thread run time (schedstat), mean of %d windows, %% of one core:\n", rounds);
  std::printf("  jcall caller %.2f%%, %.0f context switches/s: %s\n", au.percent, au.switches_per_s,
              threads_text(au).c_str());
  std::printf("  jcall callee %.2f%%, %.0f context switches/s: %s\n", bu.percent, bu.switches_per_s,
              threads_text(bu).c_str());
  std::printf("  gst-launch   %.2f%%, %.0f context switches/s: %s\n", gu.percent, gu.switches_per_s,
              threads_text(gu).c_str());
  const double ratio = ours / gu.percent;
  std::printf(
      "jcall per call end %.2f%% vs gst-launch-1.0 (same chain, send + receive over UDP, "
      "measured at the same time) %.2f%%: ratio %.3f (target <= %.1f)\n",
      ours, gu.percent, ratio, kCpuTargetRatio);
  ojson out = {{"bench", "cpu_per_call"},
               {"rounds", rounds},
               {"window_s", round1(seconds / rounds)},
               {"percent_of_core_per_end", std::round(ours * 100) / 100},
               {"caller_percent", std::round(au.percent * 100) / 100},
               {"callee_percent", std::round(bu.percent * 100) / 100},
               {"baseline_gst_launch_percent", std::round(gu.percent * 100) / 100},
               {"ratio", std::round(ratio * 1000) / 1000},
               {"round_ratios", ratios},
               {"context_switches_per_s",
                {{"caller", std::round(au.switches_per_s)},
                 {"callee", std::round(bu.switches_per_s)},
                 {"baseline", std::round(gu.switches_per_s)}}},
               {"caller_threads", threads_json(au)},
               {"callee_threads", threads_json(bu)},
               {"baseline_threads", threads_json(gu)},
               {"target_ratio", kCpuTargetRatio},
               {"pass", ratio <= kCpuTargetRatio}};
  for (auto& x : out["round_ratios"]) {
    x = std::round(x.get<double>() * 1000) / 1000;
  }
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

void usage() {
  std::fprintf(stderr,
               "usage: jcall_bench_call setup [--calls N] [--baseline-setup-ms A,B,...]\n"
               "       jcall_bench_call latency [--seconds S]\n"
               "       jcall_bench_call cpu [--call-seconds S] [--window S] [--rounds N]\n"
               "       jcall_bench_call gst-baseline-argv\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage();
  }
  const std::string which = argv[1];
  std::map<std::string, std::string> opt;
  for (int i = 2; i + 1 < argc; i += 2) {
    opt[argv[i]] = argv[i + 1];
  }
  auto num = [&](const char* name, double fallback) {
    return opt.contains(name) ? std::atof(opt[name].c_str()) : fallback;
  };
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (which == "setup") {
    const int calls = static_cast<int>(num("--calls", 20));
    if (calls <= 0) {
      usage();
    }
    return bench_setup(calls, parse_list(opt["--baseline-setup-ms"]));
  }
  if (which == "latency") {
    return bench_latency(num("--seconds", 6));
  }
  if (which == "cpu") {
    const int rounds = static_cast<int>(num("--rounds", 2));
    if (rounds <= 0) {
      usage();
    }
    return bench_cpu(num("--call-seconds", 20), num("--window", 15), rounds);
  }
  if (which == "gst-baseline-argv") {  // for profiling the baseline by hand
    for (const auto& a : gst_baseline_argv()) {
      std::printf("'%s' ", a.c_str());
    }
    std::printf("\n");
    return 0;
  }
  usage();
}
