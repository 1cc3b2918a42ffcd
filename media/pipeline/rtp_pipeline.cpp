// The RTP media of one call (rtp_pipeline.hpp): RFC 3550 sessions in GStreamer's rtpbin with
// rtcp-mux (RFC 5761: RTP and RTCP leave and arrive as separate packets on one transport), the
// codec chains of codecs/catalog.hpp, RFC 4733 telephone-events, and BUNDLE routing by payload
// type (RFC 8843 §9.2).
//
// Low-delay choices (rtpbin):
//  - latency = PipelineConfig::jitter_buffer (30 ms by default) with drop-on-latency, so the
//    jitter buffer never holds more than that: late packets are dropped rather than delaying
//    everything after them (Opus in-band FEC and PLC cover the gap, see do-lost). Not once the
//    call has video: lip sync then delays the audio to the video, past that latency.
//  - buffer-mode "slave": the receiver plays at arrival time plus the latency and follows the
//    sender's clock drift from the RTP timestamps; "buffer" mode would pause to refill and
//    "synced" needs synchronized clocks.
//  - do-lost: the jitter buffer tells the depayloader about a lost packet when its deadline
//    passes, so opusdec runs FEC/PLC at once instead of waiting for more data.
//  - do-retransmission off: a retransmitted audio packet arrives after its playout time.
//  - rtp-profile AVPF (RFC 4585): RTCP may be sent early and the regular reports are not
//    held back by the 5 s minimum of RFC 3550, so RTT and loss reach the statistics soon.
//  - sources make 10 ms buffers, the payloaders send 20 ms packets (Opus frame-size 20, the
//    catalog's choice). Measured with the marker test (two pipelines in one process, jitter
//    buffer 40 ms): 69-70 ms mouth-to-ear with 20 ms frames, 61 ms with 10 ms frames. Those
//    9 ms cost twice the packet rate (100/s) and its header overhead (IP+UDP+RTP+SRTP, about
//    16 kbit/s more), so 20 ms it is.
//  - opusdec FEC is off below a 120 ms jitter buffer (see build_decode_chain): with it,
//    opusdec reports 120 ms of latency and the same test measured 190 ms.
#include "media/pipeline/rtp_pipeline.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/base/gstbasesink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "codecs/catalog.hpp"
#include "codecs/encoder_tuning.hpp"
#include "codecs/rtp_caps.hpp"
#include "media/detail/glib.hpp"
#include "media/errc.hpp"
#include "media/pipeline/detail/audio_analyzer.hpp"
#include "media/pipeline/detail/rate_controller.hpp"
#include "media/pipeline/detail/rtcp_scan.hpp"
#include "media/pipeline/detail/video_analyzer.hpp"

namespace jcall::media {
namespace {

using detail::AudioAnalyzer;
using detail::GObjectPtr;
using detail::RateController;
using detail::SourcePtr;
using detail::VideoAnalyzer;

constexpr int kSourceRate = 48000;
constexpr int kSourceBuffer = kSourceRate / 100;          // 10 ms buffers from the test sources
constexpr std::uint64_t kMarkerPeriod = kSourceRate / 2;  // a burst every 500 ms
constexpr std::uint64_t kMarkerBurst = kSourceRate / 20;  // of 50 ms
constexpr std::int64_t kStaleAnalysisNs = 1'000'000'000;  // no audio for 1 s: silence
constexpr unsigned kDtmfToneMs = 150;
constexpr unsigned kDtmfGapMs = 60;
constexpr std::size_t kMaxWavSamples = std::size_t{kSourceRate} * 600;  // 10 minutes
// The self-view is shown small (a picture in the corner of the call): what we send is scaled
// down to fit (never up), at most 15 frames a second. Converting every 720p30 frame to a
// 640x480 RGBA picture cost 5.5 % of a core for a 136x77 inset (tools/bench/run-bench-window).
constexpr VideoLimits kSelfViewBox{.max_width = 320, .max_height = 240};
constexpr int kSelfViewFps = 15;

std::int64_t monotonic_now_ns() {
  GstClock* clock = gst_system_clock_obtain();
  const GstClockTime t = gst_clock_get_time(clock);
  gst_object_unref(clock);
  return static_cast<std::int64_t>(t);
}

// Closures for the home thread, posted from any thread; one idle source on the context drains
// them in order. After close() (home thread) nothing posted runs.
class Mailbox : public std::enable_shared_from_this<Mailbox> {
 public:
  explicit Mailbox(GMainContext* ctx) : ctx_(g_main_context_ref(ctx)) {}
  ~Mailbox() { g_main_context_unref(ctx_); }
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  void post(std::function<void()> fn) {
    std::lock_guard lock(m_);
    if (closed_) {
      return;
    }
    q_.push_back(std::move(fn));
    if (scheduled_) {
      return;
    }
    scheduled_ = true;
    GSource* s = g_idle_source_new();
    g_source_set_priority(s, G_PRIORITY_DEFAULT);
    g_source_set_callback(s, &Mailbox::drain, new std::shared_ptr<Mailbox>(shared_from_this()),
                          &Mailbox::release);
    g_source_attach(s, ctx_);
    g_source_unref(s);
  }
  void close() {
    std::lock_guard lock(m_);
    closed_ = true;
    q_.clear();
  }

 private:
  static gboolean drain(gpointer data) noexcept {
    Mailbox& self = **static_cast<std::shared_ptr<Mailbox>*>(data);
    std::deque<std::function<void()>> q;
    {
      std::lock_guard lock(self.m_);
      q.swap(self.q_);
      self.scheduled_ = false;
    }
    for (auto& fn : q) {
      {
        std::lock_guard lock(self.m_);
        if (self.closed_) {
          break;  // a closure destroyed the pipeline
        }
      }
      try {
        fn();
      } catch (...) {
        // No exception crosses into GLib.
      }
    }
    return G_SOURCE_REMOVE;
  }
  static void release(gpointer data) noexcept {
    delete static_cast<std::shared_ptr<Mailbox>*>(data);
  }

  GMainContext* ctx_;
  std::mutex m_;
  std::deque<std::function<void()>> q_;
  bool scheduled_ = false;
  bool closed_ = false;
};

std::string codec_label(const codecs::Codec& c) {
  std::string s = c.name + "/" + std::to_string(c.clock_rate);
  if (c.channels && *c.channels > 1) {
    s += "/" + std::to_string(*c.channels);
  }
  return s;
}

// Raw audio sample rate an encoder takes: the RTP clock rate, except G.722 (RFC 3551 §4.5.2:
// sampled at 16 kHz, clock rate 8000).
int raw_rate(const codecs::Codec& c) {
  if (g_ascii_strcasecmp(c.name.c_str(), "G722") == 0) {
    return 16000;
  }
  return static_cast<int>(c.clock_rate);
}

std::optional<int> dtmf_number(char digit) {
  digit = g_ascii_toupper(digit);
  if (digit >= '0' && digit <= '9') {
    return digit - '0';
  }
  switch (digit) {
    case '*':
      return 10;
    case '#':
      return 11;
    case 'A':
    case 'B':
    case 'C':
    case 'D':
      return 12 + (digit - 'A');
    default:
      return std::nullopt;
  }
}

char dtmf_digit(int number) {
  static constexpr char kDigits[] = "0123456789*#ABCD";
  return number >= 0 && number < 16 ? kDigits[number] : '?';
}

Error pipeline_error(std::string message) {
  return make_error(Errc::pipeline_error, std::move(message));
}

bool has_property(gpointer object, const char* name) {
  return g_object_class_find_property(G_OBJECT_GET_CLASS(object), name) != nullptr;
}

void set_arg(GstElement* e, const std::string& name, const std::string& value) {
  if (has_property(e, name.c_str())) {
    gst_util_set_object_arg(G_OBJECT(e), name.c_str(), value.c_str());
  }
}

bool installed(std::string_view factory) {
  GstElementFactory* f = gst_element_factory_find(std::string(factory).c_str());
  if (f == nullptr) {
    return false;
  }
  gst_object_unref(f);
  return true;
}

constexpr std::string_view kTransportCcUri =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

// NTP time now (RFC 3550 §4), middle 32 bits, as RTCP's LSR uses it. rtpsession stamps its
// sender reports from the same real-time clock.
std::uint32_t ntp_middle_now() {
  const std::int64_t us = g_get_real_time();
  const std::uint64_t seconds = static_cast<std::uint64_t>(us / 1'000'000) + 2'208'988'800ULL;
  const std::uint64_t fraction =
      (static_cast<std::uint64_t>(us % 1'000'000) << 32) / 1'000'000;  // 1/2^32 s
  return static_cast<std::uint32_t>(((seconds & 0xffff) << 16) | (fraction >> 16));
}

// The encoder's bitrate property: vp8enc/vp9enc "target-bitrate" in bit/s, openh264enc
// "bitrate" in bit/s, x264enc and the hardware H.264 encoders "bitrate" in kbit/s.
void set_encoder_bitrate(GstElement* encoder, const std::string& factory, std::uint32_t bps) {
  if (has_property(encoder, "target-bitrate")) {
    g_object_set(encoder, "target-bitrate", static_cast<gint>(bps), nullptr);
  } else if (factory == "openh264enc") {
    g_object_set(encoder, "bitrate", static_cast<guint>(bps), nullptr);
  } else if (has_property(encoder, "bitrate")) {
    g_object_set(encoder, "bitrate", static_cast<guint>(std::max<std::uint32_t>(bps / 1000, 1)),
                 nullptr);
  }
}

// A device by display name (GstDeviceMonitor), as an element; the error lists what exists.
Result<GstElement*> device_element(bool source, const std::string& name, bool video = false) {
  GstDeviceMonitor* monitor = gst_device_monitor_new();
  gst_device_monitor_add_filter(
      monitor, video ? "Video/Source" : (source ? "Audio/Source" : "Audio/Sink"), nullptr);
  GstElement* element = nullptr;
  std::string seen;
  if (gst_device_monitor_start(monitor)) {
    GList* devices = gst_device_monitor_get_devices(monitor);
    for (GList* l = devices; l != nullptr; l = l->next) {
      const std::string display =
          detail::take_string(gst_device_get_display_name(GST_DEVICE(l->data)));
      seen += (seen.empty() ? "" : ", ") + display;
      if (element == nullptr && (display == name || (video && name.empty()))) {
        element = gst_device_create_element(GST_DEVICE(l->data), nullptr);
      }
    }
    g_list_free_full(devices, gst_object_unref);
    gst_device_monitor_stop(monitor);
  }
  gst_object_unref(monitor);
  if (element == nullptr) {
    const std::string what =
        video ? "camera" : std::string("audio ") + (source ? "input" : "output") + " device";
    return make_error(Errc::device_error,
                      "no " + what + (name.empty() ? std::string() : " named '" + name + "'") +
                          " (found: " + (seen.empty() ? "none" : seen) + ")");
  }
  return element;
}

// The samples of a WAV file as 48 kHz mono S16 (wavparse does the format work), read once.
Result<std::vector<std::int16_t>> load_wav(const std::string& path) {
  if (!g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR)) {
    return make_error(Errc::invalid_argument, "WAV file not found: " + path);
  }
  GstElement* p = gst_pipeline_new(nullptr);
  GstElement* src = gst_element_factory_make("filesrc", nullptr);
  GstElement* parse = gst_element_factory_make("wavparse", nullptr);
  GstElement* convert = gst_element_factory_make("audioconvert", nullptr);
  GstElement* resample = gst_element_factory_make("audioresample", nullptr);
  GstElement* sink = gst_element_factory_make("appsink", nullptr);
  if (src == nullptr || parse == nullptr || convert == nullptr || resample == nullptr ||
      sink == nullptr) {
    for (GstElement* e : {src, parse, convert, resample, sink}) {
      if (e != nullptr) {
        gst_object_unref(gst_object_ref_sink(e));
      }
    }
    gst_object_unref(p);
    return pipeline_error("cannot read WAV files: filesrc, wavparse or appsink is missing");
  }
  g_object_set(src, "location", path.c_str(), nullptr);
  GstCaps* caps = gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "rate",
                                      G_TYPE_INT, kSourceRate, "channels", G_TYPE_INT, 1, nullptr);
  g_object_set(sink, "caps", caps, "sync", FALSE, nullptr);
  gst_caps_unref(caps);
  gst_bin_add_many(GST_BIN(p), src, parse, convert, resample, sink, nullptr);
  gst_element_link_many(src, parse, convert, resample, sink, nullptr);
  gst_element_set_state(p, GST_STATE_PLAYING);
  std::vector<std::int16_t> samples;
  std::string failure;
  while (samples.size() < kMaxWavSamples) {
    GstSample* s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 5 * GST_SECOND);
    if (s == nullptr) {
      break;  // EOS, an error (read below) or a stall
    }
    GstBuffer* b = gst_sample_get_buffer(s);
    GstMapInfo map;
    if (b != nullptr && gst_buffer_map(b, &map, GST_MAP_READ)) {
      const auto* first = reinterpret_cast<const std::int16_t*>(map.data);
      samples.insert(samples.end(), first, first + map.size / 2);
      gst_buffer_unmap(b, &map);
    }
    gst_sample_unref(s);
  }
  GstBus* bus = gst_element_get_bus(p);
  if (GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
    GError* err = nullptr;
    gst_message_parse_error(m, &err, nullptr);
    failure = err != nullptr ? err->message : "unknown error";
    g_clear_error(&err);
    gst_message_unref(m);
  }
  gst_object_unref(bus);
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(p);
  if (!failure.empty() || samples.empty()) {
    return make_error(Errc::invalid_argument,
                      "cannot read WAV file " + path + ": " +
                          (failure.empty() ? std::string("no audio in it") : failure));
  }
  return samples;
}

// A YUV4MPEG2 file's frames, 8-bit 4:2:0 only (what every Y4M test sequence is), read once.
// GStreamer's y4mdec parses the same format but cannot loop a file inside a live pipeline (a
// seek back would need its own non-live branch); 30 lines of parsing can.
struct Y4m {
  int width = 0;
  int height = 0;
  int fps_n = 30;
  int fps_d = 1;
  std::vector<std::vector<std::uint8_t>> frames;
};
constexpr std::size_t kMaxY4mBytes = std::size_t{256} << 20;

Result<Y4m> load_y4m(const std::string& path) {
  gchar* data = nullptr;
  gsize size = 0;
  GError* error = nullptr;
  if (!g_file_get_contents(path.c_str(), &data, &size, &error)) {
    std::string why = error != nullptr ? error->message : "cannot read";
    g_clear_error(&error);
    return make_error(Errc::invalid_argument, "Y4M file " + path + ": " + why);
  }
  std::unique_ptr<gchar, decltype(&g_free)> owner(data, &g_free);
  const auto fail = [&](const std::string& why) {
    return make_error(Errc::invalid_argument, "Y4M file " + path + ": " + why);
  };
  if (size > kMaxY4mBytes) {
    return fail("larger than 256 MB");
  }
  const std::string_view text(data, size);
  const std::size_t eol = text.find('\n');
  if (eol == std::string_view::npos || !text.starts_with("YUV4MPEG2 ")) {
    return fail("not a YUV4MPEG2 file");
  }
  Y4m y;
  std::string_view header = text.substr(10, eol - 10);
  while (!header.empty()) {
    const std::size_t sp = header.find(' ');
    const std::string token(header.substr(0, sp));
    header = sp == std::string_view::npos ? std::string_view() : header.substr(sp + 1);
    if (token.empty()) {
      continue;
    }
    if (token[0] == 'W') {
      y.width = std::atoi(token.c_str() + 1);
    } else if (token[0] == 'H') {
      y.height = std::atoi(token.c_str() + 1);
    } else if (token[0] == 'F') {
      if (std::sscanf(token.c_str() + 1, "%d:%d", &y.fps_n, &y.fps_d) != 2) {
        return fail("bad frame rate " + token);
      }
    } else if (token[0] == 'C' && !token.starts_with("C420")) {
      return fail("colour space " + token.substr(1) + " is not supported (8-bit 4:2:0 only)");
    }
  }
  if (y.width < 16 || y.height < 16 || y.width > 4096 || y.height > 4096 || y.width % 2 != 0 ||
      y.height % 2 != 0 || y.fps_n <= 0 || y.fps_d <= 0) {
    return fail("bad size or frame rate in the header");
  }
  const std::size_t frame_size = std::size_t(y.width) * y.height * 3 / 2;
  std::size_t pos = eol + 1;
  while (pos < size) {
    const std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos || !text.substr(pos).starts_with("FRAME")) {
      return fail("bad frame header at byte " + std::to_string(pos));
    }
    if (end + 1 + frame_size > size) {
      break;  // a truncated last frame is left out
    }
    y.frames.emplace_back(text.begin() + end + 1, text.begin() + end + 1 + frame_size);
    pos = end + 1 + frame_size;
  }
  if (y.frames.empty()) {
    return fail("no complete frame");
  }
  return y;
}

// A branch to the window scaled to what the window shows (FrameMailbox::display_box): the
// capsfilter after its scaler, the size entering the scaler, and the size last set. Touched
// only by the branch's streaming thread (its queue's): the caps probe and the appsink callback.
struct WindowFit {
  GstElement* capsfilter = nullptr;
  const FrameMailbox* mailbox = nullptr;
  std::optional<VideoLimits> max;  // never larger than this (the self-view); else the source
  int source_width = 0, source_height = 0;  // square pixels
  std::pair<int, int> box{-1, -1};          // the mailbox's box the size was made for
  std::pair<int, int> size{0, 0};
};

// When the last few frames entered a branch (VideoFrame::decoded_ns), by PTS: a pad probe where
// the branch starts records, its appsink callback looks up (two streaming threads). A leaky
// queue of 2, the conversion and the appsink's one buffer hold fewer frames than it keeps.
class FrameStamps {
 public:
  void record(GstClockTime pts, std::int64_t ns) {
    if (!GST_CLOCK_TIME_IS_VALID(pts)) {
      return;
    }
    std::lock_guard lock(m_);
    ring_[next_] = {pts, ns};
    next_ = (next_ + 1) % ring_.size();
  }
  // 0 when the frame was not seen (no PTS, or gone from the ring).
  std::int64_t find(GstClockTime pts) const {
    if (!GST_CLOCK_TIME_IS_VALID(pts)) {
      return 0;
    }
    std::lock_guard lock(m_);
    for (const auto& [p, ns] : ring_) {
      if (p == pts) {
        return ns;
      }
    }
    return 0;
  }

 private:
  struct Stamp {
    GstClockTime pts = GST_CLOCK_TIME_NONE;
    std::int64_t ns = 0;
  };
  mutable std::mutex m_;
  std::array<Stamp, 16> ring_{};
  std::size_t next_ = 0;
};

// One stream (one RTP session). Streaming threads read the immutable parts and the atomics;
// the rest belongs to the home thread.
struct Stream {
  StreamConfig config;  // codecs read by streaming threads under Pipeline::m_
  unsigned session = 0;
  std::optional<codecs::Codec> send_codec;
  std::optional<codecs::Codec> dtmf_codec;

  std::vector<GstElement*> elements;            // in the pipeline's bin (the bin owns them)
  std::vector<GObjectPtr<GstPad>> rtpbin_pads;  // request pads to release
  GstElement* volume = nullptr;
  GstElement* valve = nullptr;
  GstElement* dtmf_src = nullptr;
  // Received RTP and RTCP enter rtpbin through pads of our own, pushed from the home thread
  // (the ICE receive): no appsrc, so no extra queue and streaming thread per packet.
  GObjectPtr<GstPad> rtp_in;
  GObjectPtr<GstPad> rtcp_in;
  bool in_primed = false;  // stream-start, caps and segment sent on both
  GstElement* selector = nullptr;
  GstElement* playback_volume = nullptr;
  GstElement* record_queue = nullptr;
  unsigned decode_chains = 0;
  // webrtcdsp finds its probe by element name among all probes of the process.
  std::string probe_name;

  std::atomic<std::uint64_t> packets_sent{0}, bytes_sent{0}, rtcp_sent{0};
  std::atomic<std::uint64_t> packets_received{0}, bytes_received{0}, rtcp_received{0};
  std::atomic<std::uint64_t> dtmf_sent{0}, dtmf_received{0};
  std::atomic<bool> first_media{false};

  // Analysis and marker times (streaming threads write, stats() reads).
  std::mutex am;
  AudioAnalyzer analyzer;
  std::int64_t last_feed_ns = 0;
  std::vector<std::int64_t> sent_marks;
  std::uint64_t marker_sample = 0;  // the marker source's streaming thread only

  // Y4M source: frames (immutable once playing) and the next one (appsrc's thread).
  Y4m y4m;
  std::uint64_t y4m_pushed = 0;
  // WAV source: samples (immutable once playing) and the read position (appsrc's thread).
  std::vector<std::int16_t> wav;
  std::size_t wav_pos = 0;
  std::uint64_t wav_pushed = 0;

  // Recording finished (the filesink saw EOS).
  std::mutex record_m;
  std::condition_variable record_cv;
  bool record_done = false;

  // DTMF digits waiting (home thread).
  std::deque<int> dtmf_queue;
  bool dtmf_active = false;
  SourcePtr dtmf_timer;

  // Video. The encoder and its factory (bitrate, keyframes) and the RTX elements (counters)
  // are set while building; the analysis (under am) is written by the analysis sink's thread.
  bool video = false;
  GstElement* encoder = nullptr;
  std::string encoder_factory;
  GstElement* rtx_send = nullptr;
  GstElement* rtx_receive = nullptr;
  std::vector<GObjectPtr<GstElement>> jitterbuffers;  // one per received SSRC
  VideoAnalyzer video_analyzer;
  std::atomic<std::uint64_t> frames_sent{0};
  std::atomic<int> sent_width{0}, sent_height{0}, sent_fps{0};
  std::optional<RateController> rate;  // home thread
  // Loss over about a second of the peer's reports (home thread): with reports every few tens
  // of milliseconds (AVPF), one report's "fraction lost" covers a handful of packets.
  std::optional<RateController::Clock::time_point> loss_window_start;
  std::int64_t loss_window_lost = 0;
  std::uint32_t loss_window_seq = 0;
  std::uint32_t applied_bps = 0;
  std::shared_ptr<FrameMailbox> mailbox;
  FrameStamps mailbox_stamps;  // decoded frames entering the window's branch
  WindowFit mailbox_fit;
  std::shared_ptr<FrameMailbox> self_view;  // what we send, small (video_frames)
  FrameStamps self_view_stamps;
  WindowFit self_view_fit;
  std::int64_t burst_end_ns = 0;      // under am
  std::optional<double> recovery_ms;  // under am
  // Feedback we sent (counted on the RTCP sink's thread) and received (home thread).
  std::atomic<std::uint64_t> keyframe_requests_sent{0}, nacks_sent{0};
  std::uint64_t keyframe_requests_received = 0, nacks_received_count = 0;
  std::optional<std::uint64_t> remb_bps;
  // Bitrates between two stats() calls.
  std::int64_t last_stats_ns = 0;
  std::uint64_t last_bytes_sent = 0, last_bytes_received = 0;
  double kbps_sent = 0, kbps_received = 0;
};

class Pipeline final : public RtpPipeline {
 public:
  Pipeline(GMainContext* ctx, PipelineConfig config, Events events)
      : ctx_(ctx),
        config_(std::move(config)),
        events_(std::move(events)),
        mailbox_(std::make_shared<Mailbox>(ctx)) {}

  ~Pipeline() override {
    mailbox_->close();
    if (pipeline_) {
      gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    }
    for (auto& s : streams_) {
      drop_incoming(*s);
    }
    bus_watch_.reset();
    rate_timer_.reset();
    if (rtpbin_ != nullptr) {
      g_signal_handlers_disconnect_by_data(rtpbin_, this);
    }
    for (auto& s : streams_) {
      s->dtmf_timer.reset();
    }
  }

  Result<void> init() {
    gst_init(nullptr, nullptr);
    pipeline_ = GObjectPtr<GstElement>::adopt(
        GST_ELEMENT(gst_object_ref_sink(gst_pipeline_new("jcall-rtp"))));
    clock_ = GObjectPtr<GstClock>::adopt(gst_system_clock_obtain());  // CLOCK_MONOTONIC
    gst_pipeline_use_clock(GST_PIPELINE(pipeline_.get()), clock_.get());

    rtpbin_ = gst_element_factory_make("rtpbin", "rtpbin");
    if (rtpbin_ == nullptr) {
      return pipeline_error(
          "GStreamer element 'rtpbin' is not installed (gstreamer1.0-plugins-good)");
    }
    gst_bin_add(GST_BIN(pipeline_.get()), rtpbin_);
    g_object_set(rtpbin_, "latency", static_cast<guint>(config_.jitter_buffer.count()),
                 "drop-on-latency", TRUE, "do-lost", TRUE, "do-retransmission", FALSE, nullptr);
    gst_util_set_object_arg(G_OBJECT(rtpbin_), "buffer-mode", "slave");
    gst_util_set_object_arg(G_OBJECT(rtpbin_), "rtp-profile", "avpf");
    g_signal_connect(rtpbin_, "request-pt-map", G_CALLBACK(&Pipeline::on_request_pt_map), this);
    g_signal_connect(rtpbin_, "pad-added", G_CALLBACK(&Pipeline::on_pad_added), this);
    g_signal_connect(rtpbin_, "request-aux-sender", G_CALLBACK(&Pipeline::on_aux_sender), this);
    g_signal_connect(rtpbin_, "request-aux-receiver", G_CALLBACK(&Pipeline::on_aux_receiver), this);
    g_signal_connect(rtpbin_, "new-jitterbuffer", G_CALLBACK(&Pipeline::on_new_jitterbuffer), this);

    GstBus* bus = gst_element_get_bus(pipeline_.get());
    GSource* watch = gst_bus_create_watch(bus);
    gst_object_unref(bus);
    g_source_set_callback(
        watch,
        reinterpret_cast<GSourceFunc>(reinterpret_cast<void (*)()>(&Pipeline::on_bus_message)),
        this, nullptr);
    g_source_attach(watch, ctx_);
    bus_watch_ = SourcePtr(watch);
    return {};
  }

  Result<void> add_stream(const StreamConfig& config) override {
    if (Stream* existing = find(config.name)) {
      // description-info: the same send codec only changes the payload type map; anything
      // else rebuilds the stream.
      auto [send, dtmf] = choose_codecs(config);
      const bool same = send == existing->send_codec && dtmf == existing->dtmf_codec &&
                        config.local_ssrc == existing->config.local_ssrc;
      if (same) {
        {
          std::lock_guard lock(m_);
          existing->config = config;
        }
        // Outside m_: rtpbin takes its own lock here, and holds it when it asks for a pt-map.
        g_signal_emit_by_name(rtpbin_, "clear-pt-map");
        return {};
      }
      if (auto r = remove_stream(config.name); !r) {
        return r;
      }
    }
    auto stream = std::make_unique<Stream>();
    stream->config = config;
    stream->session = next_session_++;
    static std::atomic<unsigned> probes{0};
    stream->probe_name = "jcall_echoprobe" + std::to_string(probes++);
    auto [send, dtmf] = choose_codecs(config);
    stream->send_codec = send;
    stream->dtmf_codec = dtmf;
    if (!stream->send_codec) {
      return make_error(Errc::invalid_argument, "stream " + config.name + ": no " +
                                                    std::string(codecs::to_string(config.media)) +
                                                    " codec jcall can send was negotiated");
    }
    stream->video = config.media == codecs::MediaType::kVideo;
    if (stream->video) {
      // Lip sync (rtpbin) delays the audio by what the video takes more (an H.264 call: 40-50
      // ms): an audio jitter buffer that drops whatever exceeds its latency would then drop
      // most of the audio.
      for (auto& other : streams_) {
        for (const auto& jb : other->jitterbuffers) {
          g_object_set(jb.get(), "drop-on-latency", FALSE, nullptr);
        }
      }
      const VideoLimits& l = config_.video_limits;
      stream->rate.emplace(l.min_bitrate_bps, l.start_bitrate_bps, l.max_bitrate_bps);
      if (config_.video_frames) {
        stream->mailbox = std::make_shared<FrameMailbox>();
        stream->self_view = std::make_shared<FrameMailbox>();
      }
    }
    Stream* s = stream.get();
    {
      std::lock_guard lock(m_);
      streams_.push_back(std::move(stream));
    }
    if (!config.cname.empty() && !sdes_set_) {
      GstStructure* sdes = gst_structure_new("application/x-rtp-source-sdes", "cname",
                                             G_TYPE_STRING, config.cname.c_str(), nullptr);
      g_object_set(rtpbin_, "sdes", sdes, nullptr);
      gst_structure_free(sdes);
      sdes_set_ = true;
    }
    Result<void> r = build_stream(*s);
    if (!r) {
      (void)remove_stream(config.name);
      return r;
    }
    set_muted(muted_);
    set_on_hold(on_hold_);
    if (started_) {
      // Downstream first (the reverse of creation, which starts at the source): a source that
      // runs before its peers are active gets FLUSHING for its first buffer and stops for good.
      for (auto it = s->elements.rbegin(); it != s->elements.rend(); ++it) {
        gst_element_sync_state_with_parent(*it);
      }
    }
    return {};
  }

  Result<void> remove_stream(const std::string& name) override {
    std::unique_ptr<Stream> stream;
    {
      std::lock_guard lock(m_);
      auto it = std::find_if(streams_.begin(), streams_.end(),
                             [&](const auto& s) { return s->config.name == name; });
      if (it == streams_.end()) {
        return make_error(Errc::invalid_argument, "no stream named " + name);
      }
      stream = std::move(*it);
      streams_.erase(it);
      std::erase_if(learned_ssrcs_, [&](const auto& e) { return e.second == stream.get(); });
    }
    stream->dtmf_timer.reset();
    for (GstElement* e : stream->elements) {
      gst_element_set_locked_state(e, TRUE);
      gst_element_set_state(e, GST_STATE_NULL);
    }
    drop_incoming(*stream);
    for (auto& pad : stream->rtpbin_pads) {
      gst_element_release_request_pad(rtpbin_, pad.get());
    }
    stream->rtpbin_pads.clear();
    for (GstElement* e : stream->elements) {
      gst_bin_remove(GST_BIN(pipeline_.get()), e);
    }
    stream->elements.clear();
    removed_.push_back(std::move(stream));  // streaming threads may hold its address until NULL
    return {};
  }

  Result<void> start() override {
    if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
      return pipeline_error("the media pipeline could not start" + bus_error_text());
    }
    started_ = true;
    rate_timer_ = detail::add_timer(ctx_, 1000, [this] {
      adapt_bitrates();
      return true;
    });
    return {};
  }

  void receive(std::span<const std::uint8_t> packet,
               bool rtcp,
               const std::string& transport) override {
    if (packet.size() < (rtcp ? 8u : 12u)) {
      return;
    }
    std::vector<Stream*> targets;
    {
      std::lock_guard lock(m_);
      const auto on_transport = [&](const Stream& s) {
        return transport.empty() || s.config.transport.empty() || s.config.transport == transport;
      };
      std::size_t candidates = 0;
      Stream* only = nullptr;
      for (auto& s : streams_) {
        if (on_transport(*s)) {
          ++candidates;
          only = s.get();
        }
      }
      if (rtcp) {
        targets = rtcp_targets(packet, on_transport);
      } else if (candidates == 1) {
        targets.push_back(only);
      } else if (Stream* s = route(packet, on_transport)) {
        targets.push_back(s);
      }
    }
    if (!started_ || stopped_) {
      return;
    }
    if (rtcp) {
      observe_rtcp(packet, targets);
    }
    // Timestamps as appsrc's do-timestamp gave them: the running time of arrival.
    const GstClockTime now = gst_clock_get_time(clock_.get());
    const GstClockTime base = gst_element_get_base_time(pipeline_.get());
    const GstClockTime running = now > base ? now - base : 0;
    for (Stream* s : targets) {
      GstPad* pad = rtcp ? s->rtcp_in.get() : s->rtp_in.get();
      if (pad == nullptr) {
        continue;
      }
      if (!s->in_primed) {
        prime_incoming(*s);
      }
      (rtcp ? s->rtcp_received : s->packets_received)++;
      if (!rtcp) {
        s->bytes_received += packet.size();
      }
      GstBuffer* b = gst_buffer_new_memdup(packet.data(), packet.size());
      GST_BUFFER_PTS(b) = running;
      GST_BUFFER_DTS(b) = running;
      (void)gst_pad_push(pad, b);  // FLUSHING while the pipeline stops: dropped
    }
  }

  Result<void> send_dtmf(const std::string& name, char digit) override {
    Stream* s = find(name);
    if (s == nullptr) {
      return make_error(Errc::invalid_argument, "no stream named " + name);
    }
    if (s->dtmf_src == nullptr) {
      return make_error(Errc::invalid_argument,
                        "stream " + name +
                            ": the peer accepted no telephone-event (RFC 4733) "
                            "at the clock rate of " +
                            codec_label(*s->send_codec));
    }
    const auto number = dtmf_number(digit);
    if (!number) {
      return make_error(Errc::invalid_argument,
                        std::string("not a DTMF digit: '") + digit + "' (0-9, *, #, A-D)");
    }
    s->dtmf_queue.push_back(*number);
    if (!s->dtmf_active) {
      next_dtmf(*s);
    }
    return {};
  }

  void set_muted(bool muted) override {
    muted_ = muted;
    for (auto& s : streams_) {
      if (s->volume != nullptr) {
        g_object_set(s->volume, "mute", muted ? TRUE : FALSE, nullptr);
      }
    }
  }

  void set_on_hold(bool on_hold) override {
    on_hold_ = on_hold;
    for (auto& s : streams_) {
      if (s->valve != nullptr) {
        const bool drop = on_hold || (s->video && !camera_on_);
        g_object_set(s->valve, "drop", drop ? TRUE : FALSE, nullptr);
      }
      if (s->playback_volume != nullptr) {
        g_object_set(s->playback_volume, "mute", on_hold ? TRUE : FALSE, nullptr);
      }
    }
  }

  void set_camera(bool on) override {
    const bool was = camera_on_;
    camera_on_ = on;
    if (on && !was) {
      force_keyframe();  // before the valve opens: the first frame through is the keyframe
    }
    set_on_hold(on_hold_);
  }

  void force_keyframe() override {
    for (auto& s : streams_) {
      if (s->encoder == nullptr) {
        continue;
      }
      GstPad* pad = gst_element_get_static_pad(s->encoder, "src");
      gst_pad_send_event(pad,
                         gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
      gst_object_unref(pad);
    }
  }

  void set_peer_paused(const std::string& name, bool paused) override {
    for (auto& s : streams_) {
      if (s->video && (name.empty() || s->config.name == name) && paused) {
        std::lock_guard lock(s->am);
        s->video_analyzer.pause();
      }
    }
  }

  std::shared_ptr<FrameMailbox> frames(const std::string& name) override {
    Stream* s = find(name);
    return s != nullptr ? s->mailbox : nullptr;
  }

  std::shared_ptr<FrameMailbox> self_view(const std::string& name) override {
    Stream* s = find(name);
    return s != nullptr ? s->self_view : nullptr;
  }

  void mark_burst_end(std::int64_t end_ns) override {
    for (auto& s : streams_) {
      if (s->video) {
        std::lock_guard lock(s->am);
        s->burst_end_ns = end_ns;
        s->recovery_ms.reset();
      }
    }
  }

  std::vector<StreamStats> stats() override {
    std::vector<StreamStats> out;
    const std::int64_t now = monotonic_now_ns();
    for (auto& s : streams_) {
      StreamStats st;
      st.name = s->config.name;
      st.media = s->config.media;
      st.codec = codec_label(*s->send_codec);
      st.packets_sent = s->packets_sent;
      st.bytes_sent = s->bytes_sent;
      st.packets_received = s->packets_received;
      st.bytes_received = s->bytes_received;
      st.rtcp_sent = s->rtcp_sent;
      st.rtcp_received = s->rtcp_received;
      st.dtmf_sent = s->dtmf_sent;
      st.dtmf_received = s->dtmf_received;
      session_stats(*s, st);
      if (!s->jitterbuffers.empty()) {
        // rtpbin's lip sync (RTCP SR NTP times, same CNAME) moves a stream's playout by this.
        gint64 offset = 0;
        g_object_get(s->jitterbuffers.back().get(), "ts-offset", &offset, nullptr);
        st.sync_offset_ms = offset / 1e6;
      }
      if (s->video) {
        st.video = video_stats(*s, now);
      } else if (s->config.receive) {
        std::lock_guard lock(s->am);
        ToneAnalysis a = s->analyzer.current();
        if (s->last_feed_ns == 0 || now - s->last_feed_ns > kStaleAnalysisNs) {
          a.frequency_hz = 0;
          a.level_dbfs = -100;
        }
        st.analysis = a;
      }
      out.push_back(std::move(st));
    }
    return out;
  }

  MarkerTimes marker_times() const override {
    MarkerTimes t;
    for (const auto& s : streams_) {
      std::lock_guard lock(s->am);
      t.sent_ns.insert(t.sent_ns.end(), s->sent_marks.begin(), s->sent_marks.end());
      const auto& on = s->analyzer.onsets();
      t.received_ns.insert(t.received_ns.end(), on.begin(), on.end());
    }
    return t;
  }

  void stop() override {
    if (stopped_) {
      return;
    }
    stopped_ = true;
    // Finish the recordings: EOS into each record branch, then wait (bounded) until wavenc
    // has rewritten the header and the filesink has seen EOS.
    for (auto& s : streams_) {
      if (s->record_queue == nullptr || !started_) {
        continue;
      }
      GstPad* pad = gst_element_get_static_pad(s->record_queue, "sink");
      gst_pad_send_event(pad, gst_event_new_eos());
      gst_object_unref(pad);
      std::unique_lock lock(s->record_m);
      s->record_cv.wait_for(lock, std::chrono::seconds(3), [&] { return s->record_done; });
    }
    gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    for (auto& s : streams_) {
      s->dtmf_timer.reset();
      s->dtmf_queue.clear();
      s->dtmf_active = false;
    }
  }

 private:
  static std::pair<std::optional<codecs::Codec>, std::optional<codecs::Codec>> choose_codecs(
      const StreamConfig& config) {
    std::optional<codecs::Codec> send;
    for (const codecs::Codec& c : config.codecs.codecs) {
      const codecs::CatalogEntry* e = codecs::find_entry(config.media, c);
      if (e != nullptr && e->role == codecs::CodecRole::kPrimary &&
          codecs::chain_complete(e->chain, installed)) {
        send = c;
        break;
      }
    }
    std::optional<codecs::Codec> dtmf;
    if (send) {
      for (const codecs::Codec& c : config.codecs.codecs) {
        if (codecs::is_role(c, codecs::CodecRole::kTelephoneEvent) &&
            c.clock_rate == send->clock_rate) {
          dtmf = c;
          break;
        }
      }
    }
    return {send, dtmf};
  }

  // The sessions a compound RTCP packet is for (home thread, under m_). With BUNDLE every
  // session's reports arrive on one transport; a session that gets another's reports takes
  // their sender for a stream of its own, and rtpbin's lip sync then lines the real streams up
  // with that phantom (an H.264 call's audio lost two thirds of its samples that way). So: the
  // session whose remote SSRC sent it; else the sessions whose SSRC (ours) it reports on or
  // asks feedback of; else every session of the transport.
  template <typename Filter>
  std::vector<Stream*> rtcp_targets(std::span<const std::uint8_t> packet,
                                    const Filter& on_transport) {
    std::vector<Stream*> out;
    const auto be32 = [&](std::size_t at) {
      return (std::uint32_t{packet[at]} << 24) | (std::uint32_t{packet[at + 1]} << 16) |
             (std::uint32_t{packet[at + 2]} << 8) | packet[at + 3];
    };
    const std::uint32_t sender = be32(4);
    if (const auto it = learned_ssrcs_.find(sender);
        it != learned_ssrcs_.end() && on_transport(*it->second)) {
      return {it->second};
    }
    for (auto& s : streams_) {
      const auto& r = s->config.remote_ssrcs;
      if (on_transport(*s) && std::find(r.begin(), r.end(), sender) != r.end()) {
        return {s.get()};
      }
    }
    const detail::RtcpScan scan = detail::scan_rtcp(packet);
    for (auto& s : streams_) {
      if (!on_transport(*s)) {
        continue;
      }
      const auto ours = [&](std::uint32_t ssrc) {
        return ssrc != 0 && (ssrc == s->config.local_ssrc || ssrc == s->config.local_rtx_ssrc);
      };
      const bool about_us =
          std::any_of(scan.blocks.begin(), scan.blocks.end(),
                      [&](const auto& b) { return ours(b.ssrc); }) ||
          std::any_of(scan.feedback.begin(), scan.feedback.end(), [&](const auto& f) {
            return ours(f.media_ssrc) || std::any_of(f.ssrcs.begin(), f.ssrcs.end(), ours);
          });
      if (about_us) {
        out.push_back(s.get());
      }
    }
    if (out.empty()) {
      for (auto& s : streams_) {
        if (on_transport(*s)) {
          out.push_back(s.get());
        }
      }
    }
    return out;
  }

  // BUNDLE (RFC 8843 §9.2): by SSRC when signaled (XEP-0339) or learned, else by payload
  // type, and the SSRC is then learned. Home thread, under m_.
  template <typename Filter>
  Stream* route(std::span<const std::uint8_t> packet, const Filter& on_transport) {
    const std::uint32_t ssrc = (std::uint32_t{packet[8]} << 24) | (std::uint32_t{packet[9]} << 16) |
                               (std::uint32_t{packet[10]} << 8) | packet[11];
    if (const auto it = learned_ssrcs_.find(ssrc);
        it != learned_ssrcs_.end() && on_transport(*it->second)) {
      return it->second;
    }
    for (auto& s : streams_) {
      const auto& r = s->config.remote_ssrcs;
      if (on_transport(*s) && std::find(r.begin(), r.end(), ssrc) != r.end()) {
        return learned_ssrcs_[ssrc] = s.get();
      }
    }
    const std::uint8_t pt = packet[1] & 0x7f;
    for (auto& s : streams_) {
      if (!on_transport(*s)) {
        continue;
      }
      const auto& cs = s->config.codecs.codecs;
      if (std::any_of(cs.begin(), cs.end(), [&](const auto& c) { return c.id == pt; })) {
        return learned_ssrcs_[ssrc] = s.get();
      }
    }
    return nullptr;
  }

  bool has_video() const {
    return std::any_of(streams_.begin(), streams_.end(), [](const auto& s) { return s->video; });
  }

  Stream* find(const std::string& name) {
    for (auto& s : streams_) {
      if (s->config.name == name) {
        return s.get();
      }
    }
    return nullptr;
  }

  Result<GstElement*> add(Stream& s, const std::string& factory, const char* name = nullptr) {
    GstElement* e = gst_element_factory_make(factory.c_str(), name);
    if (e == nullptr) {
      return pipeline_error("GStreamer element '" + factory + "' is not installed");
    }
    gst_bin_add(GST_BIN(pipeline_.get()), e);
    s.elements.push_back(e);
    return e;
  }

  // The first installed candidate of a stage. With `must_open`, one that cannot reach READY
  // (a hardware encoder whose device is gone or busy) is passed over for the next.
  Result<GstElement*> add_catalog(Stream& s,
                                  const std::vector<codecs::Element>& stage,
                                  const char* what,
                                  bool must_open = false) {
    std::string refused;
    for (const codecs::Element& c : stage) {
      if (!installed(c.factory)) {
        continue;
      }
      GstElement* e = gst_element_factory_make(c.factory.c_str(), nullptr);
      if (e == nullptr) {
        continue;
      }
      for (const codecs::Parameter& p : c.properties) {
        set_arg(e, p.name, p.value);
      }
      if (must_open) {
        const bool ok = gst_element_set_state(e, GST_STATE_READY) != GST_STATE_CHANGE_FAILURE;
        gst_element_set_state(e, GST_STATE_NULL);
        if (!ok) {
          refused += (refused.empty() ? "" : ", ") + c.factory;
          gst_object_unref(gst_object_ref_sink(e));
          continue;
        }
      }
      gst_bin_add(GST_BIN(pipeline_.get()), e);
      s.elements.push_back(e);
      return e;
    }
    return pipeline_error(std::string("no ") + what + " installed for " +
                          codec_label(*s.send_codec) +
                          (refused.empty() ? "" : " (could not open: " + refused + ")"));
  }

  // Adds an element of each factory to the stream, appended to `chain` in order.
  Result<void> append(Stream& s,
                      std::vector<GstElement*>& chain,
                      std::initializer_list<const char*> factories) {
    for (const char* f : factories) {
      auto x = add(s, f);
      if (!x) {
        return x.error();
      }
      chain.push_back(*x);
    }
    return {};
  }

  Result<GstElement*> add_capsfilter(Stream& s, GstCaps* caps) {
    auto e = add(s, "capsfilter");
    if (e) {
      g_object_set(*e, "caps", caps, nullptr);
    }
    gst_caps_unref(caps);
    return e;
  }

  static Result<void> link(GstElement* a, GstElement* b) {
    if (!gst_element_link(a, b)) {
      return pipeline_error(std::string("cannot link ") + GST_ELEMENT_NAME(a) + " to " +
                            GST_ELEMENT_NAME(b));
    }
    return {};
  }

  Result<void> link_chain(const std::vector<GstElement*>& chain) {
    for (std::size_t i = 0; i + 1 < chain.size(); ++i) {
      if (auto r = link(chain[i], chain[i + 1]); !r) {
        return r;
      }
    }
    return {};
  }

  Result<void> link_to_rtpbin(Stream& s, GstElement* from, const std::string& pad_name) {
    GstPad* sink = gst_element_request_pad_simple(rtpbin_, pad_name.c_str());
    if (sink == nullptr) {
      return pipeline_error("rtpbin refused pad " + pad_name);
    }
    s.rtpbin_pads.push_back(GObjectPtr<GstPad>::adopt(sink));
    GstPad* src = gst_element_get_static_pad(from, "src");
    const GstPadLinkReturn r = gst_pad_link(src, sink);
    gst_object_unref(src);
    if (r != GST_PAD_LINK_OK) {
      return pipeline_error("cannot link " + std::string(GST_ELEMENT_NAME(from)) + " to rtpbin " +
                            pad_name);
    }
    return {};
  }

  // webrtcdsp + webrtcechoprobe only between a real microphone and a real speaker of the same
  // stream (the probe sees what is played, the DSP removes it from what is captured).
  bool echo_cancel(const Stream& s) const {
    return s.config.send && s.config.receive &&
           config_.audio_source.kind == AudioSource::Kind::kDevice &&
           config_.audio_sink.kind == AudioSink::Kind::kDevice && installed("webrtcdsp") &&
           installed("webrtcechoprobe");
  }

  Result<void> build_stream(Stream& s) {
    if (s.config.send && !(s.video && config_.video_source.kind == VideoSource::Kind::kNone)) {
      if (auto r = s.video ? build_video_send(s) : build_send(s); !r) {
        return r;
      }
    }
    // RTCP both ways in every session (receiver reports also when we only receive).
    auto rtcp_sink = add(s, "appsink");
    if (!rtcp_sink) {
      return rtcp_sink.error();
    }
    setup_outgoing_sink(s, *rtcp_sink, true);
    {
      const std::string pad_name = "send_rtcp_src_" + std::to_string(s.session);
      GstPad* src = gst_element_request_pad_simple(rtpbin_, pad_name.c_str());
      if (src == nullptr) {
        return pipeline_error("rtpbin refused pad " + pad_name);
      }
      s.rtpbin_pads.push_back(GObjectPtr<GstPad>::adopt(src));
      GstPad* sink = gst_element_get_static_pad(*rtcp_sink, "sink");
      const GstPadLinkReturn lr = gst_pad_link(src, sink);
      gst_object_unref(sink);
      if (lr != GST_PAD_LINK_OK) {
        return pipeline_error("cannot link rtpbin " + pad_name);
      }
    }
    auto rtcp_in = incoming_pad(s, "recv_rtcp_sink_" + std::to_string(s.session));
    if (!rtcp_in) {
      return rtcp_in.error();
    }
    s.rtcp_in = std::move(*rtcp_in);
    if (s.config.local_ssrc != 0) {
      // The session proposes its own SSRC in the caps it answers the payloader with, and the
      // payloader takes it over its "ssrc" property: the peer would get packets under an SSRC
      // nobody signaled (Chromium drops them). The session starts with ours.
      GObject* session = nullptr;
      g_signal_emit_by_name(rtpbin_, "get-internal-session", s.session, &session);
      if (session != nullptr) {
        g_object_set(session, "internal-ssrc", s.config.local_ssrc, nullptr);
        g_object_unref(session);
      }
    }
    if (s.video) {
      // No probation (RFC 3550 A.1) for video: SRTP already vouches for every packet, and
      // the session would drop the first packet of the peer's stream, the start of the keyframe
      // sent as the keys came: the picture would wait for a keyframe request.
      GObject* session = nullptr;
      g_signal_emit_by_name(rtpbin_, "get-internal-session", s.session, &session);
      if (session != nullptr) {
        g_object_set(session, "probation", 0u, nullptr);
        // AVPF (RFC 4585 §3.4): feedback may go early, but only once per regular interval, and
        // the regular interval follows the session's RTCP bandwidth (5 % of the session's). A
        // NACK that waits for the next regular report comes after its packet's playout: size
        // the session for video so that reports (and with them NACKs and PLIs) go out every few
        // tens of milliseconds, a few kbit/s.
        g_object_set(session, "bandwidth",
                     static_cast<gdouble>(config_.video_limits.max_bitrate_bps),
                     "rtcp-min-interval", guint64{50'000'000}, nullptr);
        g_object_unref(session);
      }
    }
    if (s.config.receive) {
      return s.video ? build_video_receive(s) : build_receive(s);
    }
    return {};
  }

  Result<GstElement*> build_source(Stream& s) {
    const AudioSource& src = config_.audio_source;
    switch (src.kind) {
      case AudioSource::Kind::kTone:
      case AudioSource::Kind::kMarker:
      case AudioSource::Kind::kSilence: {
        auto test = add(s, "audiotestsrc");
        if (!test) {
          return test;
        }
        g_object_set(*test, "is-live", TRUE, "samplesperbuffer", kSourceBuffer, nullptr);
        if (src.kind == AudioSource::Kind::kSilence) {
          gst_util_set_object_arg(G_OBJECT(*test), "wave", "silence");
        } else {
          gst_util_set_object_arg(G_OBJECT(*test), "wave", "sine");
          g_object_set(*test, "freq", src.frequency_hz, nullptr);
        }
        auto caps = add_capsfilter(
            s, gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "rate",
                                   G_TYPE_INT, kSourceRate, "channels", G_TYPE_INT, 1, nullptr));
        if (!caps) {
          return caps;
        }
        if (auto r = link(*test, *caps); !r) {
          return r.error();
        }
        if (src.kind == AudioSource::Kind::kMarker) {
          GstPad* pad = gst_element_get_static_pad(*caps, "src");
          gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, &Pipeline::on_marker_buffer, &s,
                            nullptr);
          gst_object_unref(pad);
        }
        return caps;
      }
      case AudioSource::Kind::kWav: {
        auto samples = load_wav(src.path_or_name);
        if (!samples) {
          return samples.error();
        }
        s.wav = std::move(*samples);
        auto app = add(s, "appsrc");
        if (!app) {
          return app;
        }
        GstCaps* caps = gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "rate",
                                            G_TYPE_INT, kSourceRate, "channels", G_TYPE_INT, 1,
                                            "layout", G_TYPE_STRING, "interleaved", nullptr);
        g_object_set(*app, "caps", caps, "format", GST_FORMAT_TIME, "is-live", TRUE, nullptr);
        gst_caps_unref(caps);
        GstAppSrcCallbacks cb{};
        cb.need_data = &Pipeline::on_wav_need_data;
        gst_app_src_set_callbacks(GST_APP_SRC(*app), &cb, &s, nullptr);
        // clocksync paces the file in real time from the first buffer on.
        auto pace = add(s, "clocksync");
        if (!pace) {
          return pace;
        }
        g_object_set(*pace, "sync-to-first", TRUE, nullptr);
        if (auto r = link(*app, *pace); !r) {
          return r.error();
        }
        return pace;
      }
      case AudioSource::Kind::kDevice: {
        GstElement* e = nullptr;
        if (src.path_or_name.empty()) {
          e = gst_element_factory_make("autoaudiosrc", nullptr);
          if (e == nullptr) {
            return make_error(Errc::device_error, "GStreamer element 'autoaudiosrc' is missing");
          }
        } else {
          auto d = device_element(true, src.path_or_name);
          if (!d) {
            return d;
          }
          e = *d;
        }
        gst_bin_add(GST_BIN(pipeline_.get()), e);
        s.elements.push_back(e);
        if (!echo_cancel(s)) {
          return e;
        }
        // webrtcdsp takes 48 kHz S16 and cancels what its probe saw on the way to the speaker.
        std::vector<GstElement*> chain{e};
        if (auto r = append(s, chain, {"audioconvert", "audioresample"}); !r) {
          return r.error();
        }
        auto caps = add_capsfilter(
            s, gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "rate",
                                   G_TYPE_INT, kSourceRate, "channels", G_TYPE_INT, 1, nullptr));
        if (!caps) {
          return caps;
        }
        chain.push_back(*caps);
        auto dsp = add(s, "webrtcdsp");
        if (!dsp) {
          return dsp;
        }
        g_object_set(*dsp, "probe", s.probe_name.c_str(), nullptr);
        chain.push_back(*dsp);
        if (auto r = link_chain(chain); !r) {
          return r.error();
        }
        return dsp;
      }
    }
    return pipeline_error("unknown audio source");
  }

  Result<void> build_send(Stream& s) {
    const codecs::Codec& codec = *s.send_codec;
    const codecs::CatalogEntry* entry = codecs::find_entry(s.config.media, codec);
    auto source = build_source(s);
    if (!source) {
      return source.error();
    }
    std::vector<GstElement*> chain{*source};
    if (auto r = append(s, chain, {"audioconvert", "audioresample"}); !r) {
      return r.error();
    }
    const codecs::Element* enc_choice = codecs::first_available(entry->chain.encoders, installed);
    const codecs::EncoderTuning tuning =
        codecs::tune_encoder(codec, enc_choice != nullptr ? enc_choice->factory : "");
    GstCaps* raw = gst_caps_from_string(tuning.caps.empty() ? "audio/x-raw" : tuning.caps.c_str());
    if (raw == nullptr) {
      return pipeline_error("bad encoder caps " + tuning.caps);
    }
    raw = gst_caps_make_writable(raw);
    gst_caps_set_simple(raw, "rate", G_TYPE_INT, raw_rate(codec), nullptr);
    if (tuning.caps.empty()) {
      gst_caps_set_simple(raw, "channels", G_TYPE_INT, static_cast<int>(codec.channel_count()),
                          nullptr);
    }
    auto caps = add_capsfilter(s, raw);
    if (!caps) {
      return caps.error();
    }
    chain.push_back(*caps);
    auto volume = add(s, "volume");
    auto valve = volume ? add(s, "valve") : volume;
    if (!valve) {
      return valve.error();
    }
    s.volume = *volume;
    s.valve = *valve;
    chain.push_back(s.volume);
    chain.push_back(s.valve);
    auto encoder = add_catalog(s, entry->chain.encoders, "encoder");
    if (!encoder) {
      return encoder.error();
    }
    for (const codecs::Parameter& p : tuning.properties) {
      set_arg(*encoder, p.name, p.value);
    }
    const bool opus = has_property(*encoder, "inband-fec");
    if (opus && !config_.opus_fec) {
      set_arg(*encoder, "inband-fec", "false");
    }
    if (opus && !config_.opus_dtx) {
      set_arg(*encoder, "dtx", "false");
    }
    chain.push_back(*encoder);
    auto payloader = add_catalog(s, entry->chain.payloaders, "payloader");
    if (!payloader) {
      return payloader.error();
    }
    g_object_set(*payloader, "pt", static_cast<guint>(codec.id), "ssrc", s.config.local_ssrc,
                 nullptr);
    if (opus) {
      gboolean dtx = FALSE;
      g_object_get(*encoder, "dtx", &dtx, nullptr);
      // DTX frames (<= 2 bytes) are not sent at all: the receiver plays silence meanwhile.
      set_arg(*payloader, "dtx", dtx ? "true" : "false");
    } else {
      const std::string ptime = std::to_string(std::uint64_t{codec.ptime.value_or(20)} * 1'000'000);
      set_arg(*payloader, "min-ptime", ptime);
      set_arg(*payloader, "max-ptime", ptime);
    }
    chain.push_back(*payloader);
    if (s.dtmf_codec) {
      auto mux = add(s, "rtpdtmfmux");
      auto dtmf = mux ? add(s, "rtpdtmfsrc") : mux;
      if (!dtmf) {
        return dtmf.error();
      }
      g_object_set(*mux, "ssrc", s.config.local_ssrc, nullptr);
      g_object_set(*dtmf, "pt", static_cast<guint>(s.dtmf_codec->id), "ssrc", s.config.local_ssrc,
                   "clock-rate", s.dtmf_codec->clock_rate, nullptr);
      s.dtmf_src = *dtmf;
      if (auto r = link_chain(chain); !r) {
        return r;
      }
      if (!gst_element_link_pads(*payloader, "src", *mux, "sink_%u") ||
          !gst_element_link_pads(*dtmf, "src", *mux, "priority_sink_%u")) {
        return pipeline_error("cannot link the DTMF muxer");
      }
      chain = {*mux};
    } else if (auto r = link_chain(chain); !r) {
      return r;
    }
    return finish_send(s, chain.back());
  }

  // The payloader's output into rtpbin's session, and the session's RTP out to our appsink.
  Result<void> finish_send(Stream& s, GstElement* last) {
    if (auto r = link_to_rtpbin(s, last, "send_rtp_sink_" + std::to_string(s.session)); !r) {
      return r;
    }
    auto rtp_sink = add(s, "appsink");
    if (!rtp_sink) {
      return rtp_sink.error();
    }
    setup_outgoing_sink(s, *rtp_sink, false);
    GstPad* src =
        gst_element_get_static_pad(rtpbin_, ("send_rtp_src_" + std::to_string(s.session)).c_str());
    if (src == nullptr) {
      return pipeline_error("rtpbin has no send_rtp_src pad");
    }
    GstPad* sink = gst_element_get_static_pad(*rtp_sink, "sink");
    const GstPadLinkReturn lr = gst_pad_link(src, sink);
    gst_object_unref(sink);
    gst_object_unref(src);
    if (lr != GST_PAD_LINK_OK) {
      return pipeline_error("cannot link rtpbin send_rtp_src");
    }
    return {};
  }

  // ---- video ----

  // The raw video of the send chain: a test pattern, a Y4M file or a camera.
  Result<GstElement*> build_video_source(Stream& s) {
    const VideoSource& src = config_.video_source;
    switch (src.kind) {
      case VideoSource::Kind::kPattern: {
        auto test = add(s, "videotestsrc");
        if (test) {
          g_object_set(*test, "is-live", TRUE, nullptr);
          gst_util_set_object_arg(G_OBJECT(*test), "pattern", src.pattern.c_str());
        }
        return test;
      }
      case VideoSource::Kind::kY4m:
        return build_y4m_source(s, src.path_or_name);
      case VideoSource::Kind::kDevice: {
        auto d = device_element(true, src.path_or_name, true);
        if (!d) {
          return d;
        }
        gst_bin_add(GST_BIN(pipeline_.get()), *d);
        s.elements.push_back(*d);
        // The camera picks its best mode within the user's limits (caps negotiation); the
        // converters after it only work when it has no such mode.
        const VideoLimits& l = config_.video_limits;
        GstCaps* caps =
            gst_caps_new_simple("video/x-raw", "width", GST_TYPE_INT_RANGE, 16, l.max_width,
                                "height", GST_TYPE_INT_RANGE, 16, l.max_height, "framerate",
                                GST_TYPE_FRACTION_RANGE, 1, 1, l.max_fps, 1, nullptr);
        GstCaps* any = gst_caps_new_empty_simple("video/x-raw");
        gst_caps_append(caps, any);  // else anything the converters can take
        auto filter = add_capsfilter(s, caps);
        if (!filter) {
          return filter;
        }
        std::vector<GstElement*> chain{*d, *filter};
        if (auto r = append(s, chain, {"videorate", "videoconvert", "videoscale"}); !r) {
          return r.error();
        }
        if (auto r = link_chain(chain); !r) {
          return r.error();
        }
        return chain.back();
      }
      case VideoSource::Kind::kNone:
        break;
    }
    return pipeline_error("no video source");
  }

  Result<GstElement*> build_y4m_source(Stream& s, const std::string& path) {
    auto y = load_y4m(path);
    if (!y) {
      return y.error();
    }
    s.y4m = std::move(*y);
    auto app = add(s, "appsrc");
    if (!app) {
      return app;
    }
    GstCaps* caps =
        gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT,
                            s.y4m.width, "height", G_TYPE_INT, s.y4m.height, "framerate",
                            GST_TYPE_FRACTION, s.y4m.fps_n, s.y4m.fps_d, nullptr);
    g_object_set(*app, "caps", caps, "format", GST_FORMAT_TIME, "is-live", TRUE, "max-buffers",
                 guint64{2}, nullptr);
    gst_caps_unref(caps);
    GstAppSrcCallbacks cb{};
    cb.need_data = &Pipeline::on_y4m_need_data;
    gst_app_src_set_callbacks(GST_APP_SRC(*app), &cb, &s, nullptr);
    // Paced in real time from the first frame on, as the WAV source is; videorate then keeps
    // the user's frame-rate limit.
    auto pace = add(s, "clocksync");
    auto rate = pace ? add(s, "videorate") : pace;
    if (!rate) {
      return rate;
    }
    g_object_set(*pace, "sync-to-first", TRUE, nullptr);
    GstCaps* fps = gst_caps_new_simple("video/x-raw", "framerate", GST_TYPE_FRACTION_RANGE, 1, 1,
                                       config_.video_limits.max_fps, 1, nullptr);
    auto limit = add_capsfilter(s, fps);
    if (!limit) {
      return limit;
    }
    if (auto r = link_chain({*app, *pace, *rate, *limit}); !r) {
      return r.error();
    }
    return limit;
  }

  Result<void> build_video_send(Stream& s) {
    const codecs::Codec& codec = *s.send_codec;
    const codecs::CatalogEntry* entry = codecs::find_entry(s.config.media, codec);
    const VideoSource& src = config_.video_source;
    const VideoLimits& limits = config_.video_limits;
    auto source = build_video_source(s);
    if (!source) {
      return source.error();
    }
    std::vector<GstElement*> chain{*source};
    // videoconvert and videoscale pass buffers through when the source already gives the
    // encoder's format and size (a pattern does): no copy.
    if (auto r = append(s, chain, {"videoconvert", "videoscale"}); !r) {
      return r.error();
    }
    GstCaps* raw = gst_caps_from_string(
        entry->chain.raw_caps.empty() ? "video/x-raw,format=I420" : entry->chain.raw_caps.c_str());
    if (raw == nullptr) {
      return pipeline_error("bad raw caps " + entry->chain.raw_caps);
    }
    raw = gst_caps_make_writable(raw);
    if (src.kind == VideoSource::Kind::kPattern) {
      const auto [w, h] = fit_resolution(src.width, src.height, limits);
      gst_caps_set_simple(raw, "width", G_TYPE_INT, w, "height", G_TYPE_INT, h, "framerate",
                          GST_TYPE_FRACTION, std::min(src.fps, limits.max_fps), 1, nullptr);
    } else {
      gst_caps_set_simple(raw, "width", GST_TYPE_INT_RANGE, 16, limits.max_width, "height",
                          GST_TYPE_INT_RANGE, 16, limits.max_height, nullptr);
    }
    auto caps = add_capsfilter(s, raw);
    auto valve = caps ? add(s, "valve") : caps;
    if (!valve) {
      return valve.error();
    }
    s.valve = *valve;
    chain.push_back(*caps);
    chain.push_back(s.valve);
    if (s.self_view) {
      auto tee = add(s, "tee");
      if (!tee) {
        return tee.error();
      }
      chain.push_back(*tee);
      if (auto r = build_self_view(s, *tee); !r) {
        return r;
      }
    }
    auto encoder = add_catalog(s, entry->chain.encoders, "encoder", true);
    if (!encoder) {
      return encoder.error();
    }
    s.encoder = *encoder;
    s.encoder_factory = GST_OBJECT_NAME(gst_element_get_factory(*encoder));
    s.applied_bps = s.rate->target_bps();
    set_encoder_bitrate(s.encoder, s.encoder_factory, s.applied_bps);
    {
      GstPad* pad = gst_element_get_static_pad(s.encoder, "sink");
      gst_pad_add_probe(pad,
                        static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER |
                                                     GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
                        &Pipeline::on_encoder_input, &s, nullptr);
      gst_object_unref(pad);
    }
    chain.push_back(s.encoder);
    if (!entry->chain.encoder_caps.empty()) {
      GstCaps* ec = gst_caps_from_string(entry->chain.encoder_caps.c_str());
      if (ec == nullptr) {
        return pipeline_error("bad encoder caps " + entry->chain.encoder_caps);
      }
      auto f = add_capsfilter(s, ec);
      if (!f) {
        return f.error();
      }
      chain.push_back(*f);
    }
    auto payloader = add_catalog(s, entry->chain.payloaders, "payloader");
    if (!payloader) {
      return payloader.error();
    }
    // 1200 bytes of RTP leave room for SRTP, TURN and IPv6 headers under a 1280-byte path MTU.
    g_object_set(*payloader, "pt", static_cast<guint>(codec.id), "ssrc", s.config.local_ssrc, "mtu",
                 1200u, nullptr);
    chain.push_back(*payloader);
    if (auto r = link_chain(chain); !r) {
      return r;
    }
    return finish_send(s, *payloader);
  }

  // The self-view (video_frames): from the tee after the camera valve (camera off, no frames),
  // scaled down to fit kSelfViewBox and the window's inset (FrameMailbox::display_box) with
  // square pixels, RGBA, the newest frame only. The leaky queue gives it a thread of its own
  // and drops rather than ever holding the encoder back.
  Result<void> build_self_view(Stream& s, GstElement* tee) {
    std::vector<GstElement*> view;
    if (auto r = append(s, view, {"queue", "videorate", "videoconvertscale"}); !r) {
      return r.error();
    }
    set_window_scaler(view[2]);
    GstElement* queue = view.front();
    // Frames are dropped (never duplicated) down to kSelfViewFps before anything is scaled.
    g_object_set(view[1], "drop-only", TRUE, "max-rate", kSelfViewFps, "skip-to-first", TRUE,
                 nullptr);
    g_object_set(queue, "max-size-buffers", 2u, "max-size-time", guint64{0}, "max-size-bytes", 0u,
                 nullptr);
    gst_util_set_object_arg(G_OBJECT(queue), "leaky", "downstream");
    auto fit =
        add_capsfilter(s, gst_caps_from_string("video/x-raw,format=RGBA,pixel-aspect-ratio=1/1"));
    auto vsink = fit ? add(s, "appsink") : fit;
    if (!vsink) {
      return vsink.error();
    }
    view.push_back(*fit);
    view.push_back(*vsink);
    g_object_set(*vsink, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, "max-buffers",
                 1u, "drop", TRUE, nullptr);
    GstAppSinkCallbacks cb{};
    cb.new_sample = &Pipeline::on_self_view_sample;
    analysis_.push_back(std::make_unique<OutgoingTag>(OutgoingTag{this, &s}));
    gst_app_sink_set_callbacks(GST_APP_SINK(*vsink), &cb, analysis_.back().get(), nullptr);
    stamp_branch(queue, s.self_view_stamps);
    s.self_view_fit.capsfilter = *fit;
    s.self_view_fit.mailbox = s.self_view.get();
    s.self_view_fit.max = kSelfViewBox;
    watch_fit(view[2], s.self_view_fit);
    if (auto r = link_chain(view); !r) {
      return r;
    }
    return link(tee, queue);
  }

  // Scaling and conversion to RGBA in one pass (videoconvertscale), bilinear, with the 4:2:0
  // chroma taken as it is rather than resampled to full resolution first: for a 1280x720
  // I420 frame shown in 552x310 pixels that is half the work (600 frames: 0.26 s against
  // 0.52 s of CPU; the full-size conversion alone took 0.40 s), and on a screen the
  // difference is not to be seen.
  // The fitted size keeps the aspect to within a pixel's rounding: stretched by that rather
  // than given a one-pixel black border.
  static void set_window_scaler(GstElement* scaler) {
    gst_util_set_object_arg(G_OBJECT(scaler), "chroma-mode", "none");
    g_object_set(scaler, "add-borders", FALSE, nullptr);
  }

  // Frames entering `branch` (its sink pad) are stamped with the monotonic time.
  static void stamp_branch(GstElement* branch, FrameStamps& stamps) {
    GstPad* pad = gst_element_get_static_pad(branch, "sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, &Pipeline::on_branch_entry, &stamps, nullptr);
    gst_object_unref(pad);
  }

  Result<void> build_video_receive(Stream& s) {
    auto rtp_in = incoming_pad(s, "recv_rtp_sink_" + std::to_string(s.session));
    if (!rtp_in) {
      return rtp_in.error();
    }
    s.rtp_in = std::move(*rtp_in);
    // input-selector <- decoders (one per received SSRC/PT), then 8-bit I420 for the analysis
    // (VP9 profile 2 decodes to 10 bits) and, for the window, RGBA at display time.
    std::vector<GstElement*> head;
    if (auto r = append(s, head, {"input-selector", "videoconvert"}); !r) {
      return r.error();
    }
    s.selector = head.front();
    g_object_set(s.selector, "sync-streams", FALSE, nullptr);
    auto i420 = add_capsfilter(s, gst_caps_from_string("video/x-raw,format=I420"));
    if (!i420) {
      return i420.error();
    }
    head.push_back(*i420);
    if (s.mailbox) {
      auto tee = add(s, "tee");
      if (!tee) {
        return tee.error();
      }
      head.push_back(*tee);
    }
    if (auto r = link_chain(head); !r) {
      return r;
    }
    // The analysis counts frames as they leave the decoder (no clock wait: it is what
    // "decoded" means in the statistics, and costs nothing while waiting).
    std::vector<GstElement*> analysis;
    if (s.mailbox) {
      auto q = add(s, "queue");
      if (!q) {
        return q.error();
      }
      analysis.push_back(*q);
    }
    auto asink = add(s, "appsink");
    if (!asink) {
      return asink.error();
    }
    analysis.push_back(*asink);
    g_object_set(*asink, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, nullptr);
    GstAppSinkCallbacks cb{};
    cb.new_sample = &Pipeline::on_video_sample;
    analysis_.push_back(std::make_unique<OutgoingTag>(OutgoingTag{this, &s}));
    gst_app_sink_set_callbacks(GST_APP_SINK(*asink), &cb, analysis_.back().get(), nullptr);
    if (auto r = link_chain(analysis); !r) {
      return r;
    }
    if (auto r = link(head.back(), analysis.front()); !r) {
      return r;
    }
    if (s.mailbox) {
      // The window's frames: RGBA, handed over when they are due (sync), the newest only.
      // The queue holds the frames waiting for their time: frames leave the decoder as soon as
      // the jitter buffer releases them in order, and are due a jitter-buffer latency later
      // (150 ms: 4-5 frames at 30 fps). With room for only 2, the leaky queue dropped most of
      // them and the window showed about 9 of 30 frames a second. 1 s of room; leaky so that
      // a stalled branch can never hold the decoder.
      //
      // Scaled down to the window's video area (FrameMailbox::display_box) as it is converted to
      // RGBA: a 1280x720 picture shown in 552x310 pixels cost 3.5 % of a core converted whole
      // (tools/bench/README.md).
      std::vector<GstElement*> ui;
      if (auto r = append(s, ui, {"queue", "videoconvertscale"}); !r) {
        return r.error();
      }
      set_window_scaler(ui[1]);
      g_object_set(ui.front(), "max-size-buffers", 0u, "max-size-time", guint64{GST_SECOND},
                   "max-size-bytes", 0u, nullptr);
      gst_util_set_object_arg(G_OBJECT(ui.front()), "leaky", "downstream");
      auto rgba =
          add_capsfilter(s, gst_caps_from_string("video/x-raw,format=RGBA,pixel-aspect-ratio=1/1"));
      auto usink = rgba ? add(s, "appsink") : rgba;
      if (!usink) {
        return usink.error();
      }
      ui.push_back(*rgba);
      ui.push_back(*usink);
      stamp_branch(ui.front(), s.mailbox_stamps);
      s.mailbox_fit.capsfilter = *rgba;
      s.mailbox_fit.mailbox = s.mailbox.get();
      watch_fit(ui[1], s.mailbox_fit);
      g_object_set(*usink, "sync", TRUE, "async", FALSE, "enable-last-sample", FALSE, "max-buffers",
                   1u, "drop", TRUE, nullptr);
      GstAppSinkCallbacks ucb{};
      ucb.new_sample = &Pipeline::on_ui_sample;
      analysis_.push_back(std::make_unique<OutgoingTag>(OutgoingTag{this, &s}));
      gst_app_sink_set_callbacks(GST_APP_SINK(*usink), &ucb, analysis_.back().get(), nullptr);
      if (auto r = link_chain(ui); !r) {
        return r;
      }
      if (auto r = link(head.back(), ui.front()); !r) {
        return r;
      }
    }
    return {};
  }

  // RTCP from the peer (home thread): report blocks about our video feed the bandwidth
  // adaptation, feedback about it is counted.
  void observe_rtcp(std::span<const std::uint8_t> packet, const std::vector<Stream*>& targets) {
    bool any_video = false;
    for (Stream* s : targets) {
      any_video = any_video || (s->video && s->rate);
    }
    if (!any_video) {
      return;
    }
    const detail::RtcpScan scan = detail::scan_rtcp(packet);
    const auto now = RateController::Clock::now();
    const std::uint32_t ntp = ntp_middle_now();
    for (Stream* s : targets) {
      if (!s->video || !s->rate) {
        continue;
      }
      const std::uint32_t ours = s->config.local_ssrc;
      for (const auto& b : scan.blocks) {
        if (b.ssrc != ours) {
          continue;
        }
        if (!s->loss_window_start) {
          s->loss_window_start = now;
          s->loss_window_lost = b.cumulative_lost;
          s->loss_window_seq = b.highest_seq;
          continue;
        }
        if (now - *s->loss_window_start < std::chrono::seconds(1)) {
          continue;
        }
        const std::int64_t expected = static_cast<std::int64_t>(b.highest_seq - s->loss_window_seq);
        const std::int64_t lost = b.cumulative_lost - s->loss_window_lost;
        const double fraction =
            expected > 0 ? std::clamp(double(lost) / double(expected), 0.0, 1.0) : 0.0;
        s->rate->on_report(fraction, detail::round_trip_ms(b, ntp), now);
        s->loss_window_start = now;
        s->loss_window_lost = b.cumulative_lost;
        s->loss_window_seq = b.highest_seq;
      }
      for (const auto& f : scan.feedback) {
        using Kind = detail::RtcpScan::Feedback::Kind;
        if (f.kind == Kind::kRemb) {
          if (f.ssrcs.empty() || std::find(f.ssrcs.begin(), f.ssrcs.end(), ours) != f.ssrcs.end()) {
            s->remb_bps = f.remb_bps;
            s->rate->on_remb(f.remb_bps, now);
          }
        } else if (f.media_ssrc == ours) {
          if (f.kind == Kind::kNack) {
            ++s->nacks_received_count;
          } else {
            ++s->keyframe_requests_received;
          }
        }
      }
    }
  }

  // Once a second (home thread): the encoders follow their rate controllers.
  void adapt_bitrates() {
    for (auto& s : streams_) {
      if (s->encoder == nullptr || !s->rate) {
        continue;
      }
      const std::uint32_t target = s->rate->target_bps();
      const double change =
          s->applied_bps == 0 ? 1.0 : std::abs(double(target) - s->applied_bps) / s->applied_bps;
      if (change >= 0.05) {
        set_encoder_bitrate(s->encoder, s->encoder_factory, target);
        s->applied_bps = target;
      }
    }
  }

  VideoStats video_stats(Stream& s, std::int64_t now) {
    VideoStats v;
    v.encoder = s.encoder_factory;
    v.frames_sent = s.frames_sent;
    v.sent_width = s.sent_width;
    v.sent_height = s.sent_height;
    v.sent_fps = s.sent_fps;
    v.target_bitrate_bps = s.rate ? s.rate->target_bps() : 0;
    if (s.last_stats_ns != 0 && now - s.last_stats_ns >= 200'000'000) {
      const double seconds = (now - s.last_stats_ns) / 1e9;
      s.kbps_sent = (s.bytes_sent - s.last_bytes_sent) * 8 / 1000.0 / seconds;
      s.kbps_received = (s.bytes_received - s.last_bytes_received) * 8 / 1000.0 / seconds;
    }
    if (s.last_stats_ns == 0 || now - s.last_stats_ns >= 200'000'000) {
      s.last_stats_ns = now;
      s.last_bytes_sent = s.bytes_sent;
      s.last_bytes_received = s.bytes_received;
    }
    v.bitrate_sent_kbps = s.kbps_sent;
    v.bitrate_received_kbps = s.kbps_received;
    {
      std::lock_guard lock(s.am);
      v.received = s.video_analyzer.current(now);
      v.recovery_ms = s.recovery_ms;
    }
    v.keyframe_requests_sent = s.keyframe_requests_sent;
    v.keyframe_requests_received = s.keyframe_requests_received;
    v.nacks_sent = s.nacks_sent;
    v.nacks_received = s.nacks_received_count;
    if (s.rtx_send != nullptr) {
      guint n = 0;
      g_object_get(s.rtx_send, "num-rtx-packets", &n, nullptr);
      v.retransmissions_sent = n;
    }
    if (s.rtx_receive != nullptr) {
      guint n = 0;
      g_object_get(s.rtx_receive, "num-rtx-assoc-packets", &n, nullptr);
      v.retransmissions_received = n;
    }
    v.remb_bps = s.remb_bps;
    v.camera_on = camera_on_;
    for (const auto& jb : s.jitterbuffers) {
      GstStructure* st = nullptr;
      g_object_get(jb.get(), "stats", &st, nullptr);
      if (st != nullptr) {
        guint64 lost = 0, late = 0, rtx = 0, ok = 0, rtt = 0;
        gst_structure_get_uint64(st, "num-lost", &lost);
        gst_structure_get_uint64(st, "num-late", &late);
        gst_structure_get_uint64(st, "rtx-count", &rtx);
        gst_structure_get_uint64(st, "rtx-success-count", &ok);
        gst_structure_get_uint64(st, "rtx-rtt", &rtt);
        v.jitter_lost += lost;
        v.jitter_late += late;
        v.rtx_requests += rtx;
        v.rtx_successes += ok;
        v.rtx_rtt_ms = std::max(v.rtx_rtt_ms, rtt / 1e6);
        gst_structure_free(st);
      }
    }
    return v;
  }

  // RFC 4588 retransmission: rtpbin asks for an element between the session and its output
  // (sender) or its ssrc demuxer (receiver); a bin with the pads it expects.
  GstElement* rtx_bin(unsigned session, bool send) {
    std::lock_guard lock(m_);
    Stream* s = nullptr;
    for (auto& x : streams_) {
      if (x->session == session) {
        s = x.get();
      }
    }
    if (s == nullptr || !s->video) {
      return nullptr;
    }
    GstStructure* pt_map = gst_structure_new_empty("application/x-rtp-pt-map");
    bool any = false;
    for (const codecs::Codec& c : s->config.codecs.codecs) {
      const auto apt = c.parameter("apt");
      if (codecs::is_role(c, codecs::CodecRole::kRetransmission) && apt) {
        gst_structure_set(pt_map, std::string(*apt).c_str(), G_TYPE_UINT, static_cast<guint>(c.id),
                          nullptr);
        any = true;
      }
    }
    if (!any || (send && !s->config.send) || (!send && !s->config.receive)) {
      gst_structure_free(pt_map);
      return nullptr;
    }
    GstElement* rtx = gst_element_factory_make(send ? "rtprtxsend" : "rtprtxreceive", nullptr);
    if (rtx == nullptr) {
      gst_structure_free(pt_map);
      return nullptr;
    }
    g_object_set(rtx, "payload-type-map", pt_map, nullptr);
    gst_structure_free(pt_map);
    if (send) {
      // One second of history: a NACK comes within a round trip, and a keyframe of a 720p
      // stream is dozens of packets.
      g_object_set(rtx, "max-size-time", 1000u, "max-size-packets", 0u, nullptr);
      if (s->config.local_rtx_ssrc != 0) {
        GstStructure* ssrc_map = gst_structure_new_empty("application/x-rtp-ssrc-map");
        gst_structure_set(ssrc_map, std::to_string(s->config.local_ssrc).c_str(), G_TYPE_UINT,
                          s->config.local_rtx_ssrc, nullptr);
        g_object_set(rtx, "ssrc-map", ssrc_map, nullptr);
        gst_structure_free(ssrc_map);
      }
      s->rtx_send = rtx;
    } else {
      s->rtx_receive = rtx;
    }
    GstElement* bin = gst_bin_new(nullptr);
    gst_bin_add(GST_BIN(bin), rtx);
    for (const char* dir : {"sink", "src"}) {
      GstPad* target = gst_element_get_static_pad(rtx, dir);
      const std::string name = std::string(dir) + "_" + std::to_string(session);
      gst_element_add_pad(bin, gst_ghost_pad_new(name.c_str(), target));
      gst_object_unref(target);
    }
    return bin;
  }

  void setup_outgoing_sink(Stream& s, GstElement* sink, bool rtcp) {
    g_object_set(sink, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, nullptr);
    GstAppSinkCallbacks cb{};
    cb.new_sample = rtcp ? &Pipeline::on_outgoing_rtcp : &Pipeline::on_outgoing_rtp;
    outgoing_.push_back(std::make_unique<OutgoingTag>(OutgoingTag{this, &s}));
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, outgoing_.back().get(), nullptr);
  }

  // A source pad of no element, linked to rtpbin's request pad and active in push mode (as
  // GstCheck drives elements): received packets are pushed into it from the home thread.
  Result<GObjectPtr<GstPad>> incoming_pad(Stream& s, const std::string& rtpbin_pad) {
    GstPad* sink = gst_element_request_pad_simple(rtpbin_, rtpbin_pad.c_str());
    if (sink == nullptr) {
      return pipeline_error("rtpbin refused pad " + rtpbin_pad);
    }
    s.rtpbin_pads.push_back(GObjectPtr<GstPad>::adopt(sink));
    auto src = GObjectPtr<GstPad>::adopt(
        GST_PAD(gst_object_ref_sink(gst_pad_new(("in_" + rtpbin_pad).c_str(), GST_PAD_SRC))));
    // A live source, as appsrc is-live was: without this the latency query finds nothing
    // live upstream, the sinks do not wait for the jitter buffer's latency, and playout (and
    // the mouth-to-ear figures) lose their meaning.
    gst_pad_set_query_function(src.get(), &Pipeline::incoming_query);
    if (gst_pad_link(src.get(), sink) != GST_PAD_LINK_OK) {
      return pipeline_error("cannot link the received packets to rtpbin " + rtpbin_pad);
    }
    gst_pad_set_active(src.get(), TRUE);
    return src;
  }

  static gboolean incoming_query(GstPad* pad, GstObject* parent, GstQuery* query) noexcept {
    if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY) {
      gst_query_set_latency(query, TRUE, 0, GST_CLOCK_TIME_NONE);
      return TRUE;
    }
    return gst_pad_query_default(pad, parent, query);
  }

  // stream-start, caps and a TIME segment: sticky, so they also reach rtpbin again after a
  // flush with the next buffer.
  void prime_incoming(Stream& s) {
    s.in_primed = true;
    for (auto [pad, caps_text] : {std::pair{s.rtp_in.get(), "application/x-rtp"},
                                  std::pair{s.rtcp_in.get(), "application/x-rtcp"}}) {
      if (pad == nullptr) {
        continue;
      }
      gchar* id = gst_pad_create_stream_id(pad, GST_ELEMENT(pipeline_.get()), nullptr);
      gst_pad_push_event(pad, gst_event_new_stream_start(id));
      g_free(id);
      GstCaps* caps = gst_caps_from_string(caps_text);
      gst_pad_push_event(pad, gst_event_new_caps(caps));
      gst_caps_unref(caps);
      GstSegment segment;
      gst_segment_init(&segment, GST_FORMAT_TIME);
      gst_pad_push_event(pad, gst_event_new_segment(&segment));
    }
  }

  // Unlinks and deactivates a stream's incoming pads (before its rtpbin pads are released).
  static void drop_incoming(Stream& s) {
    for (GObjectPtr<GstPad>* p : {&s.rtp_in, &s.rtcp_in}) {
      if (!*p) {
        continue;
      }
      if (GstPad* peer = gst_pad_get_peer(p->get())) {
        gst_pad_unlink(p->get(), peer);
        gst_object_unref(peer);
      }
      gst_pad_set_active(p->get(), FALSE);
      p->reset();
    }
  }

  Result<void> build_receive(Stream& s) {
    auto rtp_in = incoming_pad(s, "recv_rtp_sink_" + std::to_string(s.session));
    if (!rtp_in) {
      return rtp_in.error();
    }
    s.rtp_in = std::move(*rtp_in);
    // input-selector <- decoders (one per received SSRC/PT), then a tee to the analysis,
    // the playback and the recording.
    std::vector<GstElement*> head;
    if (auto r = append(s, head, {"input-selector", "audioconvert", "audioresample", "tee"}); !r) {
      return r.error();
    }
    s.selector = head.front();
    g_object_set(s.selector, "sync-streams", FALSE, nullptr);
    if (auto r = link_chain(head); !r) {
      return r;
    }
    GstElement* tee = head.back();

    // Analysis: 16 kHz mono S16 into an appsink that syncs, so a buffer arrives when it plays.
    // When it is the only branch (headless, not recording) it runs in the decoder's thread:
    // a queue would add a thread hop per buffer for nothing.
    const bool only_analysis =
        config_.audio_sink.kind != AudioSink::Kind::kDevice && !config_.audio_sink.record_path;
    std::vector<GstElement*> analysis;
    if (!only_analysis) {
      if (auto r = append(s, analysis, {"queue"}); !r) {
        return r.error();
      }
    }
    if (auto r = append(s, analysis, {"audioconvert", "audioresample"}); !r) {
      return r.error();
    }
    auto acaps = add_capsfilter(
        s, gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "rate", G_TYPE_INT,
                               AudioAnalyzer::kRate, "channels", G_TYPE_INT, 1, nullptr));
    auto asink = acaps ? add(s, "appsink") : acaps;
    if (!asink) {
      return asink.error();
    }
    analysis.push_back(*acaps);
    analysis.push_back(*asink);
    g_object_set(*asink, "sync", TRUE, "async", FALSE, "enable-last-sample", FALSE, nullptr);
    GstAppSinkCallbacks cb{};
    cb.new_sample = &Pipeline::on_analysis_sample;
    analysis_.push_back(std::make_unique<OutgoingTag>(OutgoingTag{this, &s}));
    gst_app_sink_set_callbacks(GST_APP_SINK(*asink), &cb, analysis_.back().get(), nullptr);
    if (auto r = link_chain(analysis); !r) {
      return r;
    }
    if (auto r = link(tee, analysis.front()); !r) {
      return r;
    }

    // Playback, to a device. Headless (sink "none") there is no playback branch at all: the
    // analysis appsink syncs to the clock like a sink would, and a second branch with its own
    // queue thread only cost CPU (tools/bench cpu).
    if (config_.audio_sink.kind == AudioSink::Kind::kDevice) {
      std::vector<GstElement*> play;
      if (auto r = append(s, play, {"queue", "volume"}); !r) {
        return r.error();
      }
      s.playback_volume = play.back();
      if (echo_cancel(s)) {
        if (auto r = append(s, play, {"audioconvert", "audioresample"}); !r) {
          return r.error();
        }
        auto pcaps =
            add_capsfilter(s, gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, "S16LE",
                                                  "rate", G_TYPE_INT, kSourceRate, nullptr));
        auto probe = pcaps ? add(s, "webrtcechoprobe", s.probe_name.c_str()) : pcaps;
        if (!probe) {
          return probe.error();
        }
        play.push_back(*pcaps);
        play.push_back(*probe);
      }
      if (auto r = append(s, play, {"audioconvert", "audioresample"}); !r) {
        return r.error();
      }
      GstElement* sink = nullptr;
      if (config_.audio_sink.name.empty()) {
        sink = gst_element_factory_make("autoaudiosink", nullptr);
        if (sink == nullptr) {
          return make_error(Errc::device_error, "GStreamer element 'autoaudiosink' is missing");
        }
      } else {
        auto d = device_element(false, config_.audio_sink.name);
        if (!d) {
          return d.error();
        }
        sink = *d;
      }
      gst_bin_add(GST_BIN(pipeline_.get()), sink);
      s.elements.push_back(sink);
      set_arg(sink, "sync", "true");
      set_arg(sink, "async", "false");
      play.push_back(sink);
      if (auto r = link_chain(play); !r) {
        return r;
      }
      if (auto r = link(tee, play.front()); !r) {
        return r;
      }
    }

    // Recording.
    if (config_.audio_sink.record_path) {
      std::vector<GstElement*> rec;
      if (auto r = append(s, rec, {"queue", "audioconvert", "wavenc", "filesink"}); !r) {
        return r.error();
      }
      s.record_queue = rec.front();
      g_object_set(rec.back(), "location", config_.audio_sink.record_path->c_str(), "async", FALSE,
                   "sync", FALSE, nullptr);
      GstPad* pad = gst_element_get_static_pad(rec.back(), "sink");
      gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, &Pipeline::on_record_event, &s,
                        nullptr);
      gst_object_unref(pad);
      if (auto r = link_chain(rec); !r) {
        return r;
      }
      if (auto r = link(tee, rec.front()); !r) {
        return r;
      }
    }
    return {};
  }

  // A received payload type's chain, when rtpbin's demuxer shows its pad (streaming thread).
  void build_decode_chain(GstPad* pad, unsigned session, unsigned pt) {
    std::lock_guard lock(m_);
    Stream* s = nullptr;
    for (auto& x : streams_) {
      if (x->session == session) {
        s = x.get();
      }
    }
    if (s == nullptr) {
      return;
    }
    const codecs::Codec* codec = nullptr;
    for (const codecs::Codec& c : s->config.codecs.codecs) {
      if (c.id == pt) {
        codec = &c;
      }
    }
    const codecs::CatalogEntry* entry =
        codec != nullptr ? codecs::find_entry(s->config.media, *codec) : nullptr;
    std::vector<GstElement*> chain;
    auto make = [&](const std::string& factory, const std::vector<codecs::Parameter>& props,
                    const char* name = nullptr) {
      GstElement* e = gst_element_factory_make(factory.c_str(), name);
      if (e == nullptr) {
        return false;
      }
      for (const codecs::Parameter& p : props) {
        set_arg(e, p.name, p.value);
      }
      chain.push_back(e);
      return true;
    };
    bool ok = true;
    bool to_selector = false;
    if (entry != nullptr && entry->role == codecs::CodecRole::kPrimary && s->selector != nullptr) {
      for (const auto* stage :
           {&entry->chain.depayloaders, &entry->chain.parsers, &entry->chain.decoders}) {
        if (stage->empty()) {
          continue;
        }
        const codecs::Element* c = codecs::first_available(*stage, installed);
        ok = ok && c != nullptr && make(c->factory, c->properties);
      }
      if (s->video && ok) {
        // A lost packet the retransmission could not repair: the depayloader drops frames up
        // to the next keyframe (no corrupt picture) and asks for one (PLI, through rtpbin).
        for (GstElement* e : chain) {
          set_arg(e, "request-keyframe", "true");
          set_arg(e, "wait-for-keyframe", "true");
        }
      }
      // opusdec with use-inband-fec reports 120 ms of latency (the longest Opus packet: it
      // may wait for the next one to recover a loss), and every sink of the pipeline then
      // plays that much later. With a short jitter buffer that triples mouth-to-ear; PLC
      // (do-lost) still covers a loss. A jitter buffer of 120 ms or more keeps FEC.
      if (ok && config_.jitter_buffer < std::chrono::milliseconds(120)) {
        set_arg(chain.back(), "use-inband-fec", "false");
      }
      if (!s->video) {
        ok = ok && make("audioconvert", {}) && make("audioresample", {});
      }
      to_selector = true;
    } else if (entry != nullptr && entry->role == codecs::CodecRole::kTelephoneEvent) {
      const std::string name =
          "dtmfdepay_" + std::to_string(session) + "_" + std::to_string(s->decode_chains);
      ok = make("rtpdtmfdepay", {}, name.c_str()) && make("fakesink", {});
    } else {
      ok = make("fakesink", {});  // CN, rtx and unknown payload types are dropped
    }
    ++s->decode_chains;
    if (!ok) {
      for (GstElement* e : chain) {
        gst_object_unref(gst_object_ref_sink(e));
      }
      GstElement* drop = gst_element_factory_make("fakesink", nullptr);
      chain = {drop};
    }
    if (!to_selector || !ok) {
      set_arg(chain.back(), "async", "false");
      set_arg(chain.back(), "sync", "false");
    }
    for (GstElement* e : chain) {
      gst_bin_add(GST_BIN(pipeline_.get()), e);
      s->elements.push_back(e);
    }
    for (std::size_t i = 0; i + 1 < chain.size(); ++i) {
      gst_element_link(chain[i], chain[i + 1]);
    }
    GstPad* selector_pad = nullptr;
    if (to_selector && ok) {
      selector_pad = gst_element_request_pad_simple(s->selector, "sink_%u");
      GstPad* out = gst_element_get_static_pad(chain.back(), "src");
      gst_pad_link(out, selector_pad);
      gst_object_unref(out);
    }
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      gst_element_sync_state_with_parent(*it);
    }
    GstPad* in = gst_element_get_static_pad(chain.front(), "sink");
    gst_pad_link(pad, in);
    gst_object_unref(in);
    if (selector_pad != nullptr) {
      g_object_set(s->selector, "active-pad", selector_pad, nullptr);
      gst_object_unref(selector_pad);
    }
  }

  void next_dtmf(Stream& s) {
    if (s.dtmf_queue.empty()) {
      s.dtmf_active = false;
      return;
    }
    const int number = s.dtmf_queue.front();
    s.dtmf_queue.pop_front();
    s.dtmf_active = true;
    send_dtmf_event(s, number, true);
    ++s.dtmf_sent;
    Stream* sp = &s;
    s.dtmf_timer = detail::add_timer(ctx_, kDtmfToneMs, [this, sp, number] {
      send_dtmf_event(*sp, number, false);
      sp->dtmf_timer = detail::add_timer(ctx_, kDtmfGapMs, [this, sp] {
        next_dtmf(*sp);
        return false;
      });
      return false;
    });
  }

  static void send_dtmf_event(Stream& s, int number, bool start) {
    GstStructure* st = gst_structure_new("dtmf-event", "type", G_TYPE_INT, 1, "number", G_TYPE_INT,
                                         number, "volume", G_TYPE_INT, 25, "start", G_TYPE_BOOLEAN,
                                         start ? TRUE : FALSE, "method", G_TYPE_INT, 1, nullptr);
    // Into the source's pad, as if from downstream (GstBaseSrc's send_event does not pass
    // custom events to rtpdtmfsrc).
    GstPad* pad = gst_element_get_static_pad(s.dtmf_src, "src");
    gst_pad_send_event(pad, gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM, st));
    gst_object_unref(pad);
  }

  // From RTPSession's "stats": our sender counts and, from the peer's source, what it sent us
  // and its report block about our SSRC (round trip in 1/65536 s, RFC 3550 §6.4.1).
  void session_stats(const Stream& s, StreamStats& st) {
    GObject* session = nullptr;
    g_signal_emit_by_name(rtpbin_, "get-internal-session", s.session, &session);
    if (session == nullptr) {
      return;
    }
    GstStructure* stats = nullptr;
    g_object_get(session, "stats", &stats, nullptr);
    g_object_unref(session);
    if (stats == nullptr) {
      return;
    }
    // RTPSession's stats carry a GValueArray (deprecated in GLib, still what rtpbin gives).
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    const GValue* sources = gst_structure_get_value(stats, "source-stats");
    GValueArray* array = sources != nullptr && G_VALUE_HOLDS(sources, g_value_array_get_type())
                             ? static_cast<GValueArray*>(g_value_get_boxed(sources))
                             : nullptr;
    guint64 best_received = 0;
    for (guint i = 0; array != nullptr && i < array->n_values; ++i) {
      const GstStructure* src = gst_value_get_structure(g_value_array_get_nth(array, i));
      gboolean internal = FALSE;
      gst_structure_get_boolean(src, "internal", &internal);
      if (internal) {
        continue;
      }
      gboolean have_rb = FALSE;
      guint round_trip = 0;
      if (gst_structure_get_boolean(src, "have-rb", &have_rb) && have_rb &&
          gst_structure_get_uint(src, "rb-round-trip", &round_trip) && round_trip > 0) {
        st.rtt_ms = round_trip * 1000.0 / 65536.0;
      }
      guint64 received = 0;
      gst_structure_get_uint64(src, "packets-received", &received);
      if (received >= best_received && received > 0) {
        best_received = received;
        gint lost = 0;
        guint jitter = 0;
        gint clock_rate = 0;
        gst_structure_get_int(src, "packets-lost", &lost);
        gst_structure_get_uint(src, "jitter", &jitter);
        gst_structure_get_int(src, "clock-rate", &clock_rate);
        if (clock_rate <= 0 && s.send_codec) {
          clock_rate = static_cast<gint>(s.send_codec->clock_rate);
        }
        // RFC 3550 §6.4.1 lets the cumulative count go negative (duplicates); rtpbin also
        // reports -1 on a clean stream, counting a packet its source probation held twice.
        // A user reads "lost", so nothing below 0 is shown.
        st.packets_lost = std::max(lost, 0);
        st.jitter_ms = clock_rate > 0 ? jitter * 1000.0 / clock_rate : 0;
      }
    }
    G_GNUC_END_IGNORE_DEPRECATIONS
    gst_structure_free(stats);
  }

  std::string bus_error_text() {
    GstBus* bus = gst_element_get_bus(pipeline_.get());
    std::string text;
    if (GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
      GError* err = nullptr;
      gst_message_parse_error(m, &err, nullptr);
      text = std::string(": ") + GST_OBJECT_NAME(GST_MESSAGE_SRC(m)) + ": " +
             (err != nullptr ? err->message : "");
      g_clear_error(&err);
      gst_message_unref(m);
    }
    gst_object_unref(bus);
    return text;
  }

  // Callbacks (C trampolines, noexcept).
  struct OutgoingTag {
    Pipeline* self;
    Stream* stream;
  };

  static gboolean on_bus_message(GstBus*, GstMessage* msg, gpointer data) noexcept {
    auto* self = static_cast<Pipeline*>(data);
    try {
      self->handle_bus_message(msg);
    } catch (...) {
    }
    return G_SOURCE_CONTINUE;
  }

  void handle_bus_message(GstMessage* msg) {
    switch (GST_MESSAGE_TYPE(msg)) {
      case GST_MESSAGE_ERROR: {
        GError* err = nullptr;
        gchar* debug = nullptr;
        gst_message_parse_error(msg, &err, &debug);
        const std::string text = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(msg))) + ": " +
                                 (err != nullptr ? err->message : "unknown error");
        g_clear_error(&err);
        g_free(debug);
        if (events_.error) {
          events_.error(pipeline_error(text));
        }
        break;
      }
      case GST_MESSAGE_LATENCY:
        // A decoder chain was linked after the start (rtpbin's pads appear with the first
        // packet): the sinks must learn the jitter buffer's latency, or they would play late.
        gst_bin_recalculate_latency(GST_BIN(pipeline_.get()));
        break;
      case GST_MESSAGE_ELEMENT: {
        const GstStructure* st = gst_message_get_structure(msg);
        const char* src = GST_OBJECT_NAME(GST_MESSAGE_SRC(msg));
        if (st == nullptr || !gst_structure_has_name(st, "dtmf-event") ||
            !g_str_has_prefix(src, "dtmfdepay_")) {
          break;
        }
        gboolean start = TRUE;
        gst_structure_get_boolean(st, "start", &start);
        gint number = -1;
        if (!start || !gst_structure_get_int(st, "number", &number)) {
          break;
        }
        const unsigned session = static_cast<unsigned>(std::strtoul(src + 10, nullptr, 10));
        for (auto& s : streams_) {
          if (s->session == session) {
            ++s->dtmf_received;
            if (events_.dtmf) {
              events_.dtmf(s->config.name, dtmf_digit(number));
            }
            break;
          }
        }
        break;
      }
      default:
        break;
    }
  }

  static GstCaps* on_request_pt_map(GstElement*, guint session, guint pt, gpointer data) noexcept {
    auto* self = static_cast<Pipeline*>(data);
    try {
      std::lock_guard lock(self->m_);
      for (auto& s : self->streams_) {
        if (s->session != session) {
          continue;
        }
        for (const codecs::Codec& c : s->config.codecs.codecs) {
          if (c.id != pt) {
            continue;
          }
          GstCaps* caps = gst_caps_from_string(codecs::rtp_caps(s->config.media, c).c_str());
          // Transport-wide congestion control (XEP-0294 extmap, draft-holmer-rmcat-transport-
          // wide-cc-extensions): with its id in the caps, rtpsession answers the peer's
          // sequence numbers with feedback, as the peer's send-side bandwidth estimation
          // (Chromium's) expects once transport-cc is negotiated. Only this extension: the
          // depayloaders would want an implementation of every extmap listed.
          for (const codecs::HeaderExtension& x : s->config.codecs.header_extensions) {
            if (caps != nullptr && x.uri == kTransportCcUri && x.id >= 1 && x.id <= 14) {
              caps = gst_caps_make_writable(caps);
              gst_caps_set_simple(caps, ("extmap-" + std::to_string(x.id)).c_str(), G_TYPE_STRING,
                                  x.uri.c_str(), nullptr);
            }
          }
          return caps;
        }
      }
    } catch (...) {
    }
    return nullptr;
  }

  static void on_pad_added(GstElement*, GstPad* pad, gpointer data) noexcept {
    auto* self = static_cast<Pipeline*>(data);
    const std::string name = detail::take_string(gst_pad_get_name(pad));
    unsigned session = 0, ssrc = 0, pt = 0;
    if (std::sscanf(name.c_str(), "recv_rtp_src_%u_%u_%u", &session, &ssrc, &pt) != 3) {
      return;
    }
    try {
      self->build_decode_chain(pad, session, pt);
    } catch (...) {
    }
  }

  static GstFlowReturn outgoing(GstAppSink* sink, gpointer data, bool rtcp) noexcept {
    auto* tag = static_cast<OutgoingTag*>(data);
    GstSample* sample = gst_app_sink_pull_sample(sink);
    if (sample == nullptr) {
      return GST_FLOW_EOS;
    }
    try {
      GstBuffer* b = gst_sample_get_buffer(sample);
      GstMapInfo map;
      if (b != nullptr && gst_buffer_map(b, &map, GST_MAP_READ)) {
        std::vector<std::uint8_t> packet(map.data, map.data + map.size);
        gst_buffer_unmap(b, &map);
        Stream& s = *tag->stream;
        if (rtcp) {
          ++s.rtcp_sent;
          if (s.video) {
            for (const auto& f : detail::scan_rtcp(packet).feedback) {
              using Kind = detail::RtcpScan::Feedback::Kind;
              if (f.kind == Kind::kNack) {
                ++s.nacks_sent;
              } else if (f.kind == Kind::kPli || f.kind == Kind::kFir) {
                ++s.keyframe_requests_sent;
              }
            }
          }
        } else {
          ++s.packets_sent;
          s.bytes_sent += packet.size();
        }
        Pipeline* self = tag->self;
        if (self->events_.outgoing_direct) {
          self->events_.outgoing_direct(s.config.transport, std::move(packet), rtcp);
          gst_sample_unref(sample);
          return GST_FLOW_OK;
        }
        self->mailbox_->post([self, p = std::move(packet), rtcp]() mutable {
          if (self->events_.outgoing) {
            self->events_.outgoing(std::move(p), rtcp);
          }
        });
      }
    } catch (...) {
    }
    gst_sample_unref(sample);
    return GST_FLOW_OK;
  }
  static GstFlowReturn on_outgoing_rtp(GstAppSink* sink, gpointer data) noexcept {
    return outgoing(sink, data, false);
  }
  static GstFlowReturn on_outgoing_rtcp(GstAppSink* sink, gpointer data) noexcept {
    return outgoing(sink, data, true);
  }

  // The analysis sink syncs: the first sample of a buffer plays at base time + running time +
  // the sink's latency (the same CLOCK_MONOTONIC clock as the marker source's).
  static GstFlowReturn on_analysis_sample(GstAppSink* sink, gpointer data) noexcept {
    auto* tag = static_cast<OutgoingTag*>(data);
    GstSample* sample = gst_app_sink_pull_sample(sink);
    if (sample == nullptr) {
      return GST_FLOW_EOS;
    }
    try {
      Stream& s = *tag->stream;
      GstBuffer* b = gst_sample_get_buffer(sample);
      const GstSegment* segment = gst_sample_get_segment(sample);
      const std::int64_t now = monotonic_now_ns();
      std::int64_t play = now;
      if (b != nullptr && segment != nullptr && GST_BUFFER_PTS_IS_VALID(b)) {
        const guint64 rt = gst_segment_to_running_time(segment, GST_FORMAT_TIME, GST_BUFFER_PTS(b));
        if (rt != GST_CLOCK_TIME_NONE) {
          play = static_cast<std::int64_t>(gst_element_get_base_time(GST_ELEMENT(sink)) + rt +
                                           gst_base_sink_get_latency(GST_BASE_SINK(sink)));
          play = std::max(play, now);  // a late buffer plays when it arrives
        }
      }
      GstMapInfo map;
      if (b != nullptr && gst_buffer_map(b, &map, GST_MAP_READ)) {
        {
          std::lock_guard lock(s.am);
          s.analyzer.feed({reinterpret_cast<const std::int16_t*>(map.data), map.size / 2}, play);
          s.last_feed_ns = now;
        }
        gst_buffer_unmap(b, &map);
      }
      tag->self->announce_first_media(s);
    } catch (...) {
    }
    gst_sample_unref(sample);
    return GST_FLOW_OK;
  }

  // The first decoded buffer of a stream, told once, on the home thread (streaming thread).
  void announce_first_media(Stream& s) {
    if (s.first_media.exchange(true)) {
      return;
    }
    mailbox_->post([this, name = s.config.name] {
      if (events_.first_media) {
        events_.first_media(name);
      }
    });
  }

  // Maps a decoded video sample's frame for reading (gst_video_frame_unmap when true).
  static bool map_frame(GstSample* sample, GstVideoFrame& frame) {
    GstVideoInfo info;
    GstBuffer* b = gst_sample_get_buffer(sample);
    GstCaps* caps = gst_sample_get_caps(sample);
    return b != nullptr && caps != nullptr && gst_video_info_from_caps(&info, caps) &&
           gst_video_frame_map(&frame, &info, b, GST_MAP_READ);
  }

  // Decoded video for the analysis (streaming thread).
  static GstFlowReturn on_video_sample(GstAppSink* sink, gpointer data) noexcept {
    auto* tag = static_cast<OutgoingTag*>(data);
    GstSample* sample = gst_app_sink_pull_sample(sink);
    if (sample == nullptr) {
      return GST_FLOW_EOS;
    }
    try {
      Stream& s = *tag->stream;
      const std::int64_t now = monotonic_now_ns();
      GstVideoFrame frame;
      if (map_frame(sample, frame)) {
        detail::I420View view;
        view.width = GST_VIDEO_FRAME_WIDTH(&frame);
        view.height = GST_VIDEO_FRAME_HEIGHT(&frame);
        view.y = static_cast<const std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
        view.u = static_cast<const std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 1));
        view.v = static_cast<const std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 2));
        view.stride_y = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
        view.stride_u = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 1);
        view.stride_v = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 2);
        {
          std::lock_guard lock(s.am);
          s.video_analyzer.feed(view, now);
          if (s.burst_end_ns != 0 && !s.recovery_ms && now >= s.burst_end_ns) {
            s.recovery_ms = (now - s.burst_end_ns) / 1e6;
          }
        }
        gst_video_frame_unmap(&frame);
      }
      tag->self->announce_first_media(s);
    } catch (...) {
    }
    gst_sample_unref(sample);
    return GST_FLOW_OK;
  }

  // Decoded video for the window, RGBA, when due (streaming thread).
  static GstFlowReturn on_ui_sample(GstAppSink* sink, gpointer data) noexcept {
    Stream& s = *static_cast<OutgoingTag*>(data)->stream;
    const GstFlowReturn r = deliver_rgba(sink, s.mailbox.get(), s.mailbox_stamps);
    refit_if_moved(s.mailbox_fit);
    return r;
  }

  // What we send, small, for the self-view (the self-view branch's thread).
  static GstFlowReturn on_self_view_sample(GstAppSink* sink, gpointer data) noexcept {
    Stream& s = *static_cast<OutgoingTag*>(data)->stream;
    const GstFlowReturn r = deliver_rgba(sink, s.self_view.get(), s.self_view_stamps);
    refit_if_moved(s.self_view_fit);
    return r;
  }

  // An RGBA sample, copied into `box`: handed over now (pts_ns), entered its branch at
  // decoded_ns.
  static GstFlowReturn deliver_rgba(GstAppSink* sink,
                                    FrameMailbox* box,
                                    const FrameStamps& stamps) noexcept {
    GstSample* sample = gst_app_sink_pull_sample(sink);
    if (sample == nullptr) {
      return GST_FLOW_EOS;
    }
    try {
      GstVideoFrame frame;
      if (box != nullptr && map_frame(sample, frame)) {
        VideoFrame f;
        f.width = GST_VIDEO_FRAME_WIDTH(&frame);
        f.height = GST_VIDEO_FRAME_HEIGHT(&frame);
        f.pts_ns = monotonic_now_ns();
        f.decoded_ns = stamps.find(GST_BUFFER_PTS(frame.buffer));
        f.rgba.resize(static_cast<std::size_t>(f.width) * f.height * 4);
        const auto* src = static_cast<const std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
        const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
        const std::size_t row = static_cast<std::size_t>(f.width) * 4;
        for (int y = 0; y < f.height; ++y) {
          std::memcpy(f.rgba.data() + y * row, src + static_cast<std::ptrdiff_t>(y) * stride, row);
        }
        gst_video_frame_unmap(&frame);
        box->put(std::move(f));
      }
    } catch (...) {
    }
    gst_sample_unref(sample);
    return GST_FLOW_OK;
  }

  // A frame enters a branch to the window (FrameStamps; the upstream streaming thread).
  static GstPadProbeReturn on_branch_entry(GstPad*, GstPadProbeInfo* info, gpointer data) noexcept {
    GstBuffer* b = gst_pad_probe_info_get_buffer(info);
    if (b != nullptr) {
      try {
        static_cast<FrameStamps*>(data)->record(GST_BUFFER_PTS(b), monotonic_now_ns());
      } catch (...) {
      }
    }
    return GST_PAD_PROBE_OK;
  }

  // The branch's scaler (`scaler`) tells `fit` the size it is given: its capsfilter then gets
  // the size to show before those caps go further.
  static void watch_fit(GstElement* scaler, WindowFit& fit) {
    GstPad* in = gst_element_get_static_pad(scaler, "sink");
    gst_pad_add_probe(in, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, &Pipeline::on_fit_caps, &fit,
                      nullptr);
    gst_object_unref(in);
  }

  static GstPadProbeReturn on_fit_caps(GstPad*, GstPadProbeInfo* info, gpointer data) noexcept {
    GstEvent* ev = gst_pad_probe_info_get_event(info);
    if (ev == nullptr || GST_EVENT_TYPE(ev) != GST_EVENT_CAPS) {
      return GST_PAD_PROBE_OK;
    }
    GstCaps* caps = nullptr;
    gst_event_parse_caps(ev, &caps);
    GstVideoInfo vi;
    if (caps == nullptr || !gst_video_info_from_caps(&vi, caps) || GST_VIDEO_INFO_WIDTH(&vi) <= 0 ||
        GST_VIDEO_INFO_HEIGHT(&vi) <= 0) {
      return GST_PAD_PROBE_OK;
    }
    auto& fit = *static_cast<WindowFit*>(data);
    const int par_n = std::max(GST_VIDEO_INFO_PAR_N(&vi), 1);
    const int par_d = std::max(GST_VIDEO_INFO_PAR_D(&vi), 1);
    fit.source_width = static_cast<int>(std::clamp<std::int64_t>(
        std::int64_t{GST_VIDEO_INFO_WIDTH(&vi)} * par_n / par_d, 1, 16384));
    fit.source_height = GST_VIDEO_INFO_HEIGHT(&vi);
    refit(fit);
    return GST_PAD_PROBE_OK;
  }

  // After a frame: the window's box changed (a resize, the layout), so the caps follow; the
  // scaler renegotiates with the next frame.
  static void refit_if_moved(WindowFit& fit) {
    if (fit.mailbox != nullptr && fit.mailbox->display_box() != fit.box) {
      refit(fit);
    }
  }

  // The size that fits the source (display aspect kept, square pixels) into the window's box
  // and the branch's own limit, never larger than the source.
  static void refit(WindowFit& fit) {
    if (fit.capsfilter == nullptr || fit.mailbox == nullptr || fit.source_width <= 0 ||
        fit.source_height <= 0) {
      return;
    }
    fit.box = fit.mailbox->display_box();
    VideoLimits limits = fit.max.value_or(
        VideoLimits{.max_width = fit.source_width, .max_height = fit.source_height});
    if (fit.box.first > 0 && fit.box.second > 0) {
      limits.max_width = std::min(limits.max_width, fit.box.first);
      limits.max_height = std::min(limits.max_height, fit.box.second);
    }
    const auto size = fit_resolution(fit.source_width, fit.source_height, limits);
    if (size == fit.size) {
      return;
    }
    fit.size = size;
    GstCaps* caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "RGBA", "width",
                                        G_TYPE_INT, size.first, "height", G_TYPE_INT, size.second,
                                        "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, nullptr);
    g_object_set(fit.capsfilter, "caps", caps, nullptr);
    gst_caps_unref(caps);
  }

  // What enters the encoder: frames counted, the size and rate from the caps.
  static GstPadProbeReturn on_encoder_input(GstPad*,
                                            GstPadProbeInfo* info,
                                            gpointer data) noexcept {
    auto* s = static_cast<Stream*>(data);
    if ((GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) != 0) {
      ++s->frames_sent;
      return GST_PAD_PROBE_OK;
    }
    GstEvent* ev = gst_pad_probe_info_get_event(info);
    if (ev != nullptr && GST_EVENT_TYPE(ev) == GST_EVENT_CAPS) {
      GstCaps* caps = nullptr;
      gst_event_parse_caps(ev, &caps);
      GstVideoInfo vi;
      if (caps != nullptr && gst_video_info_from_caps(&vi, caps)) {
        s->sent_width = GST_VIDEO_INFO_WIDTH(&vi);
        s->sent_height = GST_VIDEO_INFO_HEIGHT(&vi);
        s->sent_fps = GST_VIDEO_INFO_FPS_D(&vi) > 0
                          ? GST_VIDEO_INFO_FPS_N(&vi) / GST_VIDEO_INFO_FPS_D(&vi)
                          : 0;
      }
    }
    return GST_PAD_PROBE_OK;
  }

  static GstElement* on_aux_sender(GstElement*, guint session, gpointer data) noexcept {
    try {
      return static_cast<Pipeline*>(data)->rtx_bin(session, true);
    } catch (...) {
      return nullptr;
    }
  }
  static GstElement* on_aux_receiver(GstElement*, guint session, gpointer data) noexcept {
    try {
      return static_cast<Pipeline*>(data)->rtx_bin(session, false);
    } catch (...) {
      return nullptr;
    }
  }

  // Video sessions get their own jitter buffer: longer, and asking for retransmissions.
  static void on_new_jitterbuffer(GstElement*,
                                  GstElement* jitterbuffer,
                                  guint session,
                                  guint,
                                  gpointer data) noexcept {
    auto* self = static_cast<Pipeline*>(data);
    try {
      std::lock_guard lock(self->m_);
      for (auto& s : self->streams_) {
        if (s->session != session) {
          continue;
        }
        s->jitterbuffers.push_back(GObjectPtr<GstElement>::ref(jitterbuffer));
        if (!s->video) {
          if (self->has_video()) {
            g_object_set(jitterbuffer, "drop-on-latency", FALSE, nullptr);
          }
          continue;
        }
        // faststart: the first packets go out as soon as two follow each other, instead of
        // after a whole latency (the first picture is a keyframe burst: nothing to wait for).
        g_object_set(
            jitterbuffer, "latency", static_cast<guint>(self->config_.video_jitter_buffer.count()),
            "do-retransmission", TRUE, "faststart-min-packets", 2u, "drop-on-latency", FALSE,
            // No guess of when the next packet is due: a pause in sending (camera
            // off, hold) would make the guessed packet "lost" and the first one after
            // the pause (the keyframe's first) arrive "too late". A loss is still
            // seen, and NACKed, as soon as a later packet arrives.
            "rtx-next-seqnum", FALSE, nullptr);
      }
    } catch (...) {
    }
  }

  // Marker source: silence except a burst at the start of every 500 ms; the burst's first
  // sample is captured at base time + the buffer's running time + its offset in the buffer.
  static GstPadProbeReturn on_marker_buffer(GstPad* pad,
                                            GstPadProbeInfo* info,
                                            gpointer data) noexcept {
    auto* s = static_cast<Stream*>(data);
    GstBuffer* b = gst_pad_probe_info_get_buffer(info);
    if (b == nullptr) {
      return GST_PAD_PROBE_OK;
    }
    b = gst_buffer_make_writable(b);
    GST_PAD_PROBE_INFO_DATA(info) = b;
    GstMapInfo map;
    if (!gst_buffer_map(b, &map, GST_MAP_READWRITE)) {
      return GST_PAD_PROBE_OK;
    }
    std::int64_t start_ns = -1;
    if (GST_BUFFER_PTS_IS_VALID(b)) {
      GstElement* parent = GST_ELEMENT(gst_pad_get_parent_element(pad));
      std::int64_t rt = static_cast<std::int64_t>(GST_BUFFER_PTS(b));
      if (GstEvent* ev = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0)) {
        const GstSegment* seg = nullptr;
        gst_event_parse_segment(ev, &seg);
        const guint64 r = gst_segment_to_running_time(seg, GST_FORMAT_TIME, GST_BUFFER_PTS(b));
        if (r != GST_CLOCK_TIME_NONE) {
          rt = static_cast<std::int64_t>(r);
        }
        gst_event_unref(ev);
      }
      if (parent != nullptr) {
        start_ns = static_cast<std::int64_t>(gst_element_get_base_time(parent)) + rt;
        gst_object_unref(parent);
      }
    }
    auto* x = reinterpret_cast<std::int16_t*>(map.data);
    const std::size_t n = map.size / 2;
    std::vector<std::int64_t> marks;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t phase = (s->marker_sample + i) % kMarkerPeriod;
      if (phase == 0 && start_ns >= 0) {
        marks.push_back(start_ns + static_cast<std::int64_t>(i) * 1'000'000'000 / kSourceRate);
      }
      if (phase >= kMarkerBurst) {
        x[i] = 0;
      }
    }
    s->marker_sample += n;
    gst_buffer_unmap(b, &map);
    if (!marks.empty()) {
      try {
        std::lock_guard lock(s->am);
        s->sent_marks.insert(s->sent_marks.end(), marks.begin(), marks.end());
      } catch (...) {
      }
    }
    return GST_PAD_PROBE_OK;
  }

  static void on_wav_need_data(GstAppSrc* src, guint, gpointer data) noexcept {
    auto* s = static_cast<Stream*>(data);
    const std::size_t n = kSourceBuffer;
    GstBuffer* b = gst_buffer_new_allocate(nullptr, n * 2, nullptr);
    GstMapInfo map;
    if (gst_buffer_map(b, &map, GST_MAP_WRITE)) {
      auto* out = reinterpret_cast<std::int16_t*>(map.data);
      for (std::size_t i = 0; i < n; ++i) {
        out[i] = s->wav[s->wav_pos];
        s->wav_pos = (s->wav_pos + 1) % s->wav.size();
      }
      gst_buffer_unmap(b, &map);
    }
    GST_BUFFER_PTS(b) = gst_util_uint64_scale(s->wav_pushed, GST_SECOND, kSourceRate);
    GST_BUFFER_DURATION(b) = gst_util_uint64_scale(n, GST_SECOND, kSourceRate);
    s->wav_pushed += n;
    gst_app_src_push_buffer(src, b);
  }

  static void on_y4m_need_data(GstAppSrc* src, guint, gpointer data) noexcept {
    auto* s = static_cast<Stream*>(data);
    const auto& frame = s->y4m.frames[s->y4m_pushed % s->y4m.frames.size()];
    GstBuffer* b = gst_buffer_new_memdup(frame.data(), frame.size());
    const GstClockTime duration =
        gst_util_uint64_scale(GST_SECOND, guint64(s->y4m.fps_d), guint64(s->y4m.fps_n));
    GST_BUFFER_PTS(b) = s->y4m_pushed * duration;
    GST_BUFFER_DURATION(b) = duration;
    ++s->y4m_pushed;
    gst_app_src_push_buffer(src, b);
  }

  static GstPadProbeReturn on_record_event(GstPad*, GstPadProbeInfo* info, gpointer data) noexcept {
    GstEvent* ev = gst_pad_probe_info_get_event(info);
    if (ev != nullptr && GST_EVENT_TYPE(ev) == GST_EVENT_EOS) {
      auto* s = static_cast<Stream*>(data);
      {
        std::lock_guard lock(s->record_m);
        s->record_done = true;
      }
      s->record_cv.notify_all();
    }
    return GST_PAD_PROBE_OK;
  }

  GMainContext* ctx_;
  PipelineConfig config_;
  Events events_;
  std::shared_ptr<Mailbox> mailbox_;
  GObjectPtr<GstElement> pipeline_;
  GstElement* rtpbin_ = nullptr;  // owned by pipeline_
  SourcePtr bus_watch_;
  std::recursive_mutex m_;  // streams_ membership and their codecs, for the streaming threads
  std::vector<std::unique_ptr<Stream>> streams_;
  std::vector<std::unique_ptr<Stream>> removed_;
  std::map<std::uint32_t, Stream*> learned_ssrcs_;  // BUNDLE routing (under m_)
  std::vector<std::unique_ptr<OutgoingTag>> outgoing_;
  std::vector<std::unique_ptr<OutgoingTag>> analysis_;
  unsigned next_session_ = 0;
  bool sdes_set_ = false;
  bool started_ = false;
  bool stopped_ = false;
  GObjectPtr<GstClock> clock_;
  bool muted_ = false;
  bool on_hold_ = false;
  bool camera_on_ = true;
  SourcePtr rate_timer_;
};

}  // namespace

Result<std::unique_ptr<RtpPipeline>> RtpPipeline::create(GMainContext* ctx,
                                                         PipelineConfig config,
                                                         Events events) {
  auto p = std::make_unique<Pipeline>(ctx, std::move(config), std::move(events));
  if (auto r = p->init(); !r) {
    return r.error();
  }
  return std::unique_ptr<RtpPipeline>(std::move(p));
}

}  // namespace jcall::media
