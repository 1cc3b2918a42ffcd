// The window's benchmark (issue 7, "Demo and benchmark"): what the jcall window (SDL2 + Dear
// ImGui, app/window/) costs in CPU during a 720p30 video call, against the same call headless in
// the same run, and how long a decoded remote frame takes to reach the screen. Meant for a
// Release build; tools/bench/run-bench-window runs it.
//
//   jcall_bench_window [--rounds N] [--window S] [--warmup S] [--codec VP8]
//                      [--caller-source SPEC] [--callee-source SPEC] [--json-out PATH]
//                      [--screenshot PATH] [--profile PATH] [--window-env NAME=VALUE]...
//                      [--window-size WxH]
//
// One private Prosody and one private X server (Xvfb on a free display, -displayfd, no TCP, so
// the window renders through Mesa's software OpenGL as on a machine without a GPU). Each round
// runs two calls, in alternating order (round 1: headless first, round 2: window first, ...):
//   headless: bob (`jcall --headless --json --answer`) and alice (`jcall --headless --json`);
//   window:   the same bob, and alice as the window (`jcall --json` with DISPLAY set and its
//             XDG config/data dirs in a temporary directory, so the user's are not touched).
// Alice calls bob with video; both send a videotestsrc pattern at 1280x720@30
// (--max-resolution 1280x720, --video-codecs VP8, --stats-interval 1 on both sides, so the
// only difference is the window). Once video flows both ways, after --warmup seconds, the
// CPU of alice's process (utime+stime, bench_common's /proc sampler, per thread too) is read
// over --window seconds, from one call-stats event to the one after the window (so the frames
// alice decoded in the window are counted exactly). For the window, also over the same window:
// frames drawn and remote frames presented (ui-state's window.frames, video[].remote.presented),
// the window's own frame time and decode -> SDL_RenderPresent latency (ui-state's
// window.frame_ms and video_latency_ms: its summaries since it opened, at most 600 frames),
// and the CPU of Xvfb (where the X server copies the window's pictures; reported beside, not in
// the ratio).
//
// --screenshot saves the window during the first round's call, after its CPU window; --profile
// then records the window process with `perf record -g` for 5 s into PATH (perf report -i PATH).
//
// --window-size opens the window at that size (its config.json in the temporary XDG config
// dir; default: the app's own, 1280x800). --window-env adds to the window's environment only
// (experiments: SDL_RENDER_DRIVER=software, LP_NUM_THREADS=0, ...).
//
// Ratio: window CPU / headless CPU of the caller, per round; the median over the rounds is the
// result. Target <= 1.2 (the "UI overhead <= 1.2x"). Prints a table, then one JSON
// object as its last line (also written to --json-out).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_common.hpp"
#include "support/jcall_process.hpp"
#include "support/prosody_fixture.hpp"
#include "support/xvfb_fixture.hpp"

namespace {

using namespace jcall::bench;

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;  // output: keys in the order written
using jcall::test::ChildProcess;
using jcall::test::Jcall;
using jcall::test::ProsodyServer;
using jcall::test::XvfbServer;
using namespace std::chrono_literals;

constexpr double kTargetRatio = 1.2;
using Clock = std::chrono::steady_clock;

double round1(double x) {
  return std::round(x * 10) / 10;
}
double round2(double x) {
  return std::round(x * 100) / 100;
}
double round3(double x) {
  return std::round(x * 1000) / 1000;
}

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// --- one call ----------------------------------------------------------------------------------

struct Settings {
  int rounds = 3;
  double window_s = 10;
  double warmup_s = 3;
  std::string codec = "VP8";
  std::string caller_source = "pattern:smpte:1280x720@30";
  std::string callee_source = "pattern:ball:1280x720@30";
  std::string json_out;
  std::string screenshot;               // taken after the first window run's CPU window
  std::string profile;                  // perf record of the first window run, after its CPU window
  std::vector<std::string> window_env;  // NAME=VALUE, the window's only
  int window_width = 0, window_height = 0;  // 0: the app's default size
};

struct Run {
  bool window = false;
  double seconds = 0;  // the CPU window
  CpuUse caller;
  CpuUse callee;
  CpuUse xvfb;
  double decoded_per_s = 0;  // remote video frames alice decoded in the window
  int sent_width = 0, sent_height = 0;
  int received_width = 0, received_height = 0;
  // The window only.
  std::string renderer;
  std::string gl_renderer;  // what OpenGL would have drawn with (the window chooses by it)
  int window_width = 0, window_height = 0;
  double frames_per_s = 0;     // frames drawn
  double presented_per_s = 0;  // remote video frames presented
  double partial_per_s = 0;    // frames that drew only the video's rectangles
  double full_per_s = 0;       // frames drawn whole
  double reused_per_s = 0;     // of all, frames drawn from the last frame built (not rebuilt)
  json frame_ms;               // ui-state's summaries at the end of the window
  json latency_ms;
  json ui_latency_ms;  // due (handed to the mailbox) -> on screen: the window's own share
  double ui_fps = 0;   // ui-state's window.fps (its last second)
};

// The caller's video stream in a call-stats event or summary (or null).
json video_of(const json& stats) {
  if (stats.contains("streams")) {
    for (const json& s : stats["streams"]) {
      if (s.value("media", "") == "video") {
        return s;
      }
    }
  }
  return nullptr;
}

double number_at(const json& j, std::initializer_list<const char*> path) {
  const json* p = &j;
  for (const char* k : path) {
    if (!p->is_object() || !p->contains(k)) {
      return 0;
    }
    p = &(*p)[k];
  }
  return p->is_number() ? p->get<double>() : 0;
}

bool is_first_video(const json& e) {
  return e.value("event", "") == "call-media" && e.value("what", "") == "first-media" &&
         e.value("content", "") == "video";
}

// The pid of the jcall child that appeared between two listings.
pid_t new_child(const std::set<pid_t>& before, const std::set<pid_t>& after) {
  std::vector<pid_t> d;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(d));
  if (d.size() != 1) {
    die("cannot tell the jcall processes apart");
  }
  return d[0];
}

// Reads events for `seconds` (so the child's stdout pipe never fills).
void pump_for(Jcall& j, double seconds) {
  const auto until = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < until) {
    (void)j.wait_for([](const json&) { return false; }, 200ms);
  }
}

json next_stats(Jcall& j, const char* who) {
  auto s = j.wait_for([](const json& e) { return e.value("event", "") == "call-stats"; }, 3s);
  if (!s) {
    die(std::string(who) + " printed no call-stats:\n" + j.raw());
  }
  return *s;
}

json ui_state(Jcall& j) {
  j.command({{"cmd", "ui-state"}});
  auto s = j.wait_event("ui-state", 5s);
  if (!s) {
    die("the window did not answer ui-state:\n" + j.raw());
  }
  return *s;
}

// The remote video of the call on screen (ui-state's video[]).
double presented(const json& state) {
  for (const json& v : state.value("video", json::array())) {
    return number_at(v, {"remote", "presented"});
  }
  return 0;
}

Run one_run(const ProsodyServer& server,
            const XvfbServer& x,
            const std::string& xdg,
            const Settings& s,
            bool window,
            bool first) {
  const std::vector<std::string> media = {
      "--video-codecs", s.codec, "--max-resolution", "1280x720", "--stats-interval", "1"};
  const auto before = children_named("jcall");
  Jcall bob(
      server, "bob@localhost/desk", "bob-pw-2",
      with({"--answer", "--audio-source", "tone:880", "--video-source", s.callee_source}, media));
  online(bob, "bob");
  const auto with_bob = children_named("jcall");
  const pid_t bob_pid = new_child(before, with_bob);

  // Alice: the same command line as Jcall's own, with or without --headless.
  std::vector<std::string> argv = {jcall::test::jcall_binary()};
  if (!window) {
    argv.push_back("--headless");
  }
  argv =
      with(argv, {"--json", "--jid", "alice@localhost/phone", "--password-env",
                  "JCALL_TEST_PASSWORD", "--server", "127.0.0.1:" + std::to_string(server.port()),
                  "--cafile", server.cafile(), "--exit-after", "120", "--local-address",
                  "127.0.0.1", "--audio-source", "tone:440", "--video-source", s.caller_source});
  argv = with(argv, media);
  const std::string mode = window ? "window" : "headless";
  std::vector<std::string> env = {"JCALL_TEST_PASSWORD=alice-pw-1",
                                  "XDG_CONFIG_HOME=" + xdg + "/" + mode + "/config",
                                  "XDG_DATA_HOME=" + xdg + "/" + mode + "/data"};
  if (window && s.window_width > 0) {
    const std::string dir = xdg + "/" + mode + "/config/jcall";
    std::filesystem::create_directories(dir);
    std::ofstream f(dir + "/config.json");
    f << json{{"window_width", s.window_width}, {"window_height", s.window_height}}.dump() << "\n";
    if (!f) {
      die("cannot write " + dir + "/config.json");
    }
  }
  if (window) {
    env.push_back("DISPLAY=" + x.display());
    env = with(env, s.window_env);
  }
  Jcall alice(ChildProcess::Options{argv, env, false, false});
  Run r;
  r.window = window;
  if (window) {
    auto w = alice.wait_event("window", 20s);
    if (!w) {
      die("the window did not open on " + x.display() + ":\n" + alice.raw());
    }
    r.renderer = w->value("renderer", "?");
    r.gl_renderer = w->value("gl_renderer", "");
  }
  online(alice, "alice");
  const pid_t alice_pid = new_child(with_bob, children_named("jcall"));

  alice.command({{"cmd", "call"}, {"to", "bob@localhost"}, {"video", true}});
  if (!alice.wait_for(is_first_video, 20s) || !bob.wait_for(is_first_video, 10s)) {
    die("no video in the " + mode + " call:\n--- alice\n" + alice.raw() + "--- bob\n" + bob.raw());
  }
  pump_for(alice, s.warmup_s);
  bob.pump();

  // The window: from one call-stats event to the first one after --window seconds.
  const json stats0 = next_stats(alice, "alice");
  const auto a0 = sample_cpu(alice_pid);
  const auto b0 = sample_cpu(bob_pid);
  const auto x0 = sample_cpu(x.pid());
  const auto t0 = Clock::now();
  const json ui0 = window ? ui_state(alice) : json();
  pump_for(alice, s.window_s - 0.5);
  bob.pump();
  const json stats1 = next_stats(alice, "alice");
  const auto a1 = sample_cpu(alice_pid);
  const auto b1 = sample_cpu(bob_pid);
  const auto x1 = sample_cpu(x.pid());
  r.seconds = seconds_since(t0);
  r.caller = cpu_between(a0, a1, r.seconds);
  r.callee = cpu_between(b0, b1, r.seconds);
  r.xvfb = cpu_between(x0, x1, r.seconds);
  const json v0 = video_of(stats0);
  const json v1 = video_of(stats1);
  r.decoded_per_s =
      (number_at(v1, {"video", "frames_decoded"}) - number_at(v0, {"video", "frames_decoded"})) /
      r.seconds;
  r.sent_width = static_cast<int>(number_at(v1, {"video", "sent_width"}));
  r.sent_height = static_cast<int>(number_at(v1, {"video", "sent_height"}));
  r.received_width = static_cast<int>(number_at(v1, {"video", "width"}));
  r.received_height = static_cast<int>(number_at(v1, {"video", "height"}));
  if (window) {
    const json ui1 = ui_state(alice);
    const double ui_s = (ui1.value("t_ms", 0.0) - ui0.value("t_ms", 0.0)) / 1000;
    if (ui_s <= 0) {
      die("ui-state has no t_ms");
    }
    r.frames_per_s =
        (number_at(ui1, {"window", "frames"}) - number_at(ui0, {"window", "frames"})) / ui_s;
    r.presented_per_s = (presented(ui1) - presented(ui0)) / ui_s;
    r.partial_per_s = (number_at(ui1, {"window", "redraws", "partial"}) -
                       number_at(ui0, {"window", "redraws", "partial"})) /
                      ui_s;
    r.full_per_s = (number_at(ui1, {"window", "redraws", "full"}) -
                    number_at(ui0, {"window", "redraws", "full"})) /
                   ui_s;
    r.reused_per_s = (number_at(ui1, {"window", "redraws", "reused"}) -
                      number_at(ui0, {"window", "redraws", "reused"})) /
                     ui_s;
    r.frame_ms = ui1["window"].value("frame_ms", json());
    r.latency_ms = ui1.value("video_latency_ms", json());
    r.ui_latency_ms = ui1.value("ui_latency_ms", json());
    r.ui_fps = number_at(ui1, {"window", "fps"});
    r.window_width = static_cast<int>(number_at(ui1, {"window", "width"}));
    r.window_height = static_cast<int>(number_at(ui1, {"window", "height"}));
    if (first && !s.screenshot.empty()) {
      alice.command({{"cmd", "screenshot"}, {"path", s.screenshot}});
      auto shot = alice.wait_event("screenshot", 10s);
      std::printf("screenshot of the window during the call: %s%s\n", s.screenshot.c_str(),
                  shot && shot->value("event", "") == "screenshot" ? "" : " (failed)");
    }
    if (first && !s.profile.empty()) {
      std::string error;
      auto perf = ChildProcess::spawn({{"perf", "record", "-g", "-F", "499", "-o", s.profile, "-p",
                                        std::to_string(alice_pid), "--", "sleep", "5"},
                                       {},
                                       true,
                                       true},
                                      &error);
      while (perf && !perf->wait(200ms)) {
        alice.pump();
        bob.pump();
      }
      std::printf("perf record of the window process (5 s): %s%s\n", s.profile.c_str(),
                  perf ? "" : (" failed: " + error).c_str());
    }
  }

  alice.command({{"cmd", "hangup"}});
  auto a = alice.wait_event("call-summary", 15s);
  auto b = bob.wait_event("call-summary", 15s);
  if (!a || !b || (*a)["video_flowed"] != true || (*b)["video_flowed"] != true) {
    die("the " + mode + " call did not end with video both ways:\n--- alice\n" + alice.raw() +
        "--- bob\n" + bob.raw());
  }
  (void)alice.quit();
  (void)bob.quit();
  return r;
}

// --- report ------------------------------------------------------------------------------------

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

// Per thread label: window minus headless (what the window adds, by thread), largest first.
std::vector<std::pair<double, std::string>> added_by_thread(const CpuUse& w, const CpuUse& h) {
  std::map<std::string, double> d;
  for (const auto& [name, pct] : w.by_thread) {
    d[name] += pct;
  }
  for (const auto& [name, pct] : h.by_thread) {
    d[name] -= pct;
  }
  std::vector<std::pair<double, std::string>> v;
  for (const auto& [name, pct] : d) {
    v.emplace_back(pct, name);
  }
  std::sort(v.begin(), v.end(),
            [](const auto& a, const auto& b) { return std::abs(a.first) > std::abs(b.first); });
  return v;
}

double median_of(const std::vector<Run>& runs, double (*f)(const Run&)) {
  std::vector<double> v;
  for (const Run& r : runs) {
    v.push_back(f(r));
  }
  return median(v);
}

double json_number(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0;
}

int bench(const Settings& s) {
  auto server = start_server();
  std::string xvfb_error;
  const std::unique_ptr<XvfbServer> xvfb = XvfbServer::start(1280, 800, &xvfb_error);
  if (!xvfb) {
    die(xvfb_error);
  }
  const XvfbServer& x = *xvfb;
  char xdg_template[] = "/tmp/jcall_bench_window_XXXXXX";
  if (mkdtemp(xdg_template) == nullptr) {
    die("mkdtemp failed");
  }
  const std::string xdg = xdg_template;
  std::printf("Xvfb on %s (1280x800x24); caller sends %s, callee %s, %s, %d round(s) of %.0f s\n",
              x.display().c_str(), s.caller_source.c_str(), s.callee_source.c_str(),
              s.codec.c_str(), s.rounds, s.window_s);

  std::vector<Run> headless;
  std::vector<Run> window;
  std::vector<double> ratios;
  for (int i = 1; i <= s.rounds; ++i) {
    const bool window_first = i % 2 == 0;
    Run h;
    Run w;
    for (const bool in_window : {window_first, !window_first}) {
      Run r = one_run(*server, x, xdg, s, in_window, i == 1);
      std::printf(
          "round %d %-8s (%.1f s): caller %6.2f%% of one core, callee %6.2f%%, Xvfb %5.2f%%; "
          "caller decodes %.1f fps of %dx%d, sends %dx%d",
          i, in_window ? "window" : "headless", r.seconds, r.caller.percent, r.callee.percent,
          r.xvfb.percent, r.decoded_per_s, r.received_width, r.received_height, r.sent_width,
          r.sent_height);
      if (in_window) {
        std::printf(
            "; %s, %dx%d: %.1f frames/s drawn (%.1f video only, %.1f whole; %.1f not rebuilt), "
            "%.1f remote frames/s presented, frame %.2f ms median / %.2f p95, decode->present "
            "%.2f ms median / %.2f p95 (due->present %.2f / %.2f)",
            r.renderer.c_str(), r.window_width, r.window_height, r.frames_per_s, r.partial_per_s,
            r.full_per_s, r.reused_per_s, r.presented_per_s, json_number(r.frame_ms, "median"),
            json_number(r.frame_ms, "p95"), json_number(r.latency_ms, "median"),
            json_number(r.latency_ms, "p95"), json_number(r.ui_latency_ms, "median"),
            json_number(r.ui_latency_ms, "p95"));
      }
      std::printf("\n");
      (in_window ? w : h) = std::move(r);
    }
    ratios.push_back(w.caller.percent / h.caller.percent);
    std::printf("round %d: window / headless = %.3f\n", i, ratios.back());
    headless.push_back(std::move(h));
    window.push_back(std::move(w));
  }
  std::error_code ec;
  std::filesystem::remove_all(xdg, ec);

  const double ratio = median(ratios);
  const double h_pct = median_of(headless, [](const Run& r) { return r.caller.percent; });
  const double w_pct = median_of(window, [](const Run& r) { return r.caller.percent; });
  const double x_pct = median_of(window, [](const Run& r) { return r.xvfb.percent; });
  const double x_idle = median_of(headless, [](const Run& r) { return r.xvfb.percent; });
  const double fps = median_of(window, [](const Run& r) { return r.frames_per_s; });
  const double ui_fps = median_of(window, [](const Run& r) { return r.ui_fps; });
  const double presented_fps = median_of(window, [](const Run& r) { return r.presented_per_s; });
  const double decoded_w = median_of(window, [](const Run& r) { return r.decoded_per_s; });
  const double decoded_h = median_of(headless, [](const Run& r) { return r.decoded_per_s; });
  auto med_json = [&](json Run::*field, const char* key) {
    std::vector<double> v;
    for (const Run& r : window) {
      v.push_back(json_number(r.*field, key));
    }
    return round2(median(v));
  };
  const CpuUse hu = [&] {
    std::vector<CpuUse> v;
    for (const Run& r : headless) {
      v.push_back(r.caller);
    }
    return mean(v);
  }();
  const CpuUse wu = [&] {
    std::vector<CpuUse> v;
    for (const Run& r : window) {
      v.push_back(r.caller);
    }
    return mean(v);
  }();
  const double presented_share = decoded_w > 0 ? presented_fps / decoded_w : 0;

  std::printf(
      "\nthe window's caller process against the same call headless (median of %d rounds, "
      "%% of one core)\n",
      s.rounds);
  std::printf("  %-34s %10s %10s %8s %8s\n", "", "headless", "window", "ratio", "target");
  std::printf("  %-34s %9.2f%% %9.2f%% %8.3f %8s  %s\n", "caller CPU (720p30 VP8 call)", h_pct,
              w_pct, ratio, "<= 1.2", ratio <= kTargetRatio ? "met" : "NOT MET");
  std::printf("  %-34s %9.2f%% %9.2f%%\n", "Xvfb CPU (beside, not in the ratio)", x_idle, x_pct);
  std::printf("  %-34s %10.1f %10.1f\n", "remote frames decoded per s", decoded_h, decoded_w);
  std::printf("  %-34s %10s %10.1f  (%.0f%% of decoded)\n", "remote frames presented per s", "",
              presented_fps, presented_share * 100);
  std::printf("  %-34s %10s %10.1f  (ui-state window.fps %.1f)\n", "window frames drawn per s", "",
              fps, ui_fps);
  std::printf("  %-34s %10s %5.2f / %.2f / %.2f\n", "frame time ms median / p95 / max", "",
              med_json(&Run::frame_ms, "median"), med_json(&Run::frame_ms, "p95"),
              med_json(&Run::frame_ms, "max"));
  std::printf("  %-34s %10s %5.2f / %.2f / %.2f\n", "decode -> present ms median/p95/max", "",
              med_json(&Run::latency_ms, "median"), med_json(&Run::latency_ms, "p95"),
              med_json(&Run::latency_ms, "max"));
  std::printf("  %-34s %10s %5.2f / %.2f / %.2f\n", "due -> present ms median/p95/max", "",
              med_json(&Run::ui_latency_ms, "median"), med_json(&Run::ui_latency_ms, "p95"),
              med_json(&Run::ui_latency_ms, "max"));
  std::printf("what the window adds, by thread (%% of one core, mean of the rounds):\n");
  ojson added = ojson::object();
  for (const auto& [pct, name] : added_by_thread(wu, hu)) {
    if (std::abs(pct) >= 0.5) {
      std::printf("  %+7.2f  %s\n", pct, name.c_str());
      added[name] = round2(pct);
    }
  }
  if (ratio > kTargetRatio) {
    std::printf("target NOT met: the window costs %.2fx the headless caller (target <= %.1f)\n",
                ratio, kTargetRatio);
  }

  ojson rounds = ojson::array();
  for (std::size_t i = 0; i < ratios.size(); ++i) {
    const Run& h = headless[i];
    const Run& w = window[i];
    rounds.push_back({{"headless_percent", round2(h.caller.percent)},
                      {"window_percent", round2(w.caller.percent)},
                      {"ratio", round3(ratios[i])},
                      {"callee_percent", {round2(h.callee.percent), round2(w.callee.percent)}},
                      {"xvfb_percent", round2(w.xvfb.percent)},
                      {"window_frames_per_s", round1(w.frames_per_s)},
                      {"redraws_per_s",
                       {{"video_only", round1(w.partial_per_s)},
                        {"whole", round1(w.full_per_s)},
                        {"not_rebuilt", round1(w.reused_per_s)}}},
                      {"presented_per_s", round1(w.presented_per_s)},
                      {"decoded_per_s", round1(w.decoded_per_s)},
                      {"frame_ms", w.frame_ms},
                      {"video_latency_ms", w.latency_ms},
                      {"ui_latency_ms", w.ui_latency_ms}});
  }
  ojson out = {
      {"bench", "window_cpu"},
      {"what", "CPU of the caller as the jcall window against the same call headless, same run"},
      {"caller_source", s.caller_source},
      {"callee_source", s.callee_source},
      {"codec", s.codec},
      {"received", std::to_string(window.front().received_width) + "x" +
                       std::to_string(window.front().received_height)},
      {"renderer", window.front().renderer},
      {"gl_renderer", window.front().gl_renderer},
      {"window_size", std::to_string(window.front().window_width) + "x" +
                          std::to_string(window.front().window_height)},
      {"window_env", s.window_env},
      {"rounds", s.rounds},
      {"window_s", round1(median_of(window, [](const Run& r) { return r.seconds; }))},
      {"headless_percent", round2(h_pct)},
      {"window_percent", round2(w_pct)},
      {"ratio", round3(ratio)},
      {"round_ratios", ojson::array()},
      {"target_ratio", kTargetRatio},
      {"pass", ratio <= kTargetRatio},
      {"xvfb_percent", round2(x_pct)},
      {"window_frames_per_s", round1(fps)},
      {"window_fps_last_second", round1(ui_fps)},
      {"frame_ms",
       {{"median", med_json(&Run::frame_ms, "median")},
        {"p95", med_json(&Run::frame_ms, "p95")},
        {"max", med_json(&Run::frame_ms, "max")}}},
      {"video_latency_ms",
       {{"median", med_json(&Run::latency_ms, "median")},
        {"p95", med_json(&Run::latency_ms, "p95")},
        {"max", med_json(&Run::latency_ms, "max")}}},
      {"ui_latency_ms",
       {{"median", med_json(&Run::ui_latency_ms, "median")},
        {"p95", med_json(&Run::ui_latency_ms, "p95")},
        {"max", med_json(&Run::ui_latency_ms, "max")}}},
      {"decoded_per_s", {{"headless", round1(decoded_h)}, {"window", round1(decoded_w)}}},
      {"presented_per_s", round1(presented_fps)},
      {"presented_of_decoded", round3(presented_share)},
      {"added_by_thread", added},
      {"headless_threads", threads_json(hu)},
      {"window_threads", threads_json(wu)},
      {"rounds_detail", rounds}};
  for (const double r : ratios) {
    out["round_ratios"].push_back(round3(r));
  }
  const std::string line = out.dump();
  std::printf("%s\n", line.c_str());
  if (!s.json_out.empty()) {
    std::ofstream f(s.json_out);
    f << line << "\n";
    if (!f) {
      die("cannot write " + s.json_out);
    }
  }
  return 0;
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: jcall_bench_window [--rounds N] [--window S] [--warmup S] [--codec VP8]\n"
               "                          [--caller-source SPEC] [--callee-source SPEC]\n"
               "                          [--json-out PATH] [--screenshot PATH] [--profile PATH]\n"
               "                          [--window-env NAME=VALUE]... [--window-size WxH]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  Settings s;
  for (int i = 1; i < argc; i += 2) {
    const std::string name = argv[i];
    if (i + 1 >= argc) {
      usage();
    }
    const std::string value = argv[i + 1];
    if (name == "--rounds") {
      s.rounds = std::atoi(value.c_str());
    } else if (name == "--window") {
      s.window_s = std::atof(value.c_str());
    } else if (name == "--warmup") {
      s.warmup_s = std::atof(value.c_str());
    } else if (name == "--codec") {
      s.codec = value;
    } else if (name == "--caller-source") {
      s.caller_source = value;
    } else if (name == "--callee-source") {
      s.callee_source = value;
    } else if (name == "--json-out") {
      s.json_out = value;
    } else if (name == "--screenshot") {
      s.screenshot = value;
    } else if (name == "--profile") {
      s.profile = value;
    } else if (name == "--window-size" &&
               std::sscanf(value.c_str(), "%dx%d", &s.window_width, &s.window_height) == 2 &&
               s.window_width > 0 && s.window_height > 0) {
    } else if (name == "--window-env" && value.find('=') != std::string::npos) {
      s.window_env.push_back(value);
    } else {
      usage();
    }
  }
  if (s.rounds <= 0 || s.window_s < 2 || s.warmup_s < 0) {
    usage();
  }
  return bench(s);
}
