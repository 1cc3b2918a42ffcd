// The RTP media of one call (ARCHITECTURE.md "Media path"): a GStreamer pipeline with one
// rtpbin, one RTP session per stream (audio and video), rtcp-mux, and the codec chains of
// codecs/ (catalog ElementChain: first installed candidate of each stage, never a launch string
// built from peer data).
//
//   send:    source -> [echo probe] -> encoder -> payloader -> rtpbin send_rtp_sink_N
//            [video: rtprtxsend as rtpbin's aux sender (RFC 4588)]
//            rtpbin send_rtp_src_N / send_rtcp_src_N -> appsink -> Events::outgoing
//   receive: receive(packet) -> a pad of ours, pushed on the calling thread -> rtpbin
//            recv_rtp_sink_N / recv_rtcp_sink_N [video: rtprtxreceive as aux receiver]
//            -> jitter buffer -> ptdemux -> depayloader -> decoder -> analysis + sink
//            telephone-event PT -> rtpdtmfdepay -> Events::dtmf
//            video: decoder -> I420 analysis appsink (+ RGBA at display time -> FrameMailbox)
//   self-view (video_frames): camera valve -> tee -> leaky queue -> RGBA within 640x480
//            -> FrameMailbox (the encoder's branch never waits for it)
//
// Packets in and out are plain (already unprotected / not yet protected): SRTP lives in
// dtls_srtp/, below this. With BUNDLE every stream shares one transport, and receive() routes
// RTP to a session by SSRC (signaled or learned) or payload type (RFC 8843 §9.2), and RTCP to
// the session it is for. Without BUNDLE each stream names its transport.
//
// Home thread: the media thread. appsink callbacks (streaming threads) copy and post to it;
// every Events callback is called on the media thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <glib.h>

#include "base/result.hpp"
#include "codecs/codec.hpp"
#include "codecs/offer_answer.hpp"
#include "media/pipeline/audio_io.hpp"
#include "media/pipeline/detail/video_analyzer.hpp"
#include "media/pipeline/frame_mailbox.hpp"
#include "media/pipeline/video_io.hpp"

namespace jcall::media {

struct StreamConfig {
  std::string name;  // the content name
  codecs::MediaType media = codecs::MediaType::kAudio;
  bool send = true;
  bool receive = true;
  // Payload types as negotiated (numbers as on the wire): primaries in preference order (we
  // send the first), then rtx, telephone-event, CN.
  codecs::Negotiated codecs;
  std::uint32_t local_ssrc = 0;
  std::uint32_t local_rtx_ssrc = 0;         // video with rtx: RFC 4588 SSRC-multiplexed
  std::vector<std::uint32_t> remote_ssrcs;  // XEP-0339, may be empty
  std::string cname;
  // The transport that carries it (the engine's name; with BUNDLE the same for all streams):
  // received packets are routed among the streams of their transport only.
  std::string transport;
};

struct PipelineConfig {
  AudioSource audio_source;
  AudioSink audio_sink;
  // rtpjitterbuffer latency. Low by default: loopback and LAN calls need little, and every
  // millisecond here is a millisecond of mouth-to-ear delay and of call setup (the first packet
  // waits for it). 30 ms keeps some room for Wi-Fi jitter; --jitter-ms raises it for worse
  // paths (the buffer does not adapt).
  std::chrono::milliseconds jitter_buffer{30};
  // Opus in-band FEC and DTX (RFC 7587 useinbandfec / usedtx).
  bool opus_fec = true;
  bool opus_dtx = true;

  VideoSource video_source;
  VideoLimits video_limits;
  // The video jitter buffer: long enough for a NACK and its retransmission to arrive (one
  // round trip plus the sender's frame, with retries), so a lost packet is repaired instead of
  // becoming a frozen picture. Measured (two jcall processes, 5 % loss and 0-30 ms of jitter
  // each way, 12 s of VP8 640x480): 100 ms decoded 84-92 % of the frames, 200 ms 94-97 %, with
  // no freeze in either. Audio keeps its own, shorter buffer; rtpbin aligns the two (lip sync).
  std::chrono::milliseconds video_jitter_buffer{150};
  // Decoded video also goes, as RGBA at display time, to a FrameMailbox per stream (the
  // window); headless runs leave it off and only analyse.
  bool video_frames = false;
};

// Video figures of a stream (StreamStats::video).
struct VideoStats {
  std::string encoder;  // the element chosen ("vp8enc", "x264enc", ...)
  std::uint64_t frames_sent = 0;
  int sent_width = 0;
  int sent_height = 0;
  int sent_fps = 0;
  std::uint32_t target_bitrate_bps = 0;  // what bandwidth adaptation asks of the encoder
  double bitrate_sent_kbps = 0;          // since the previous stats()
  double bitrate_received_kbps = 0;
  detail::VideoAnalysis received;  // decoded frames, size, rate, freezes, pattern
  // RTCP feedback (RFC 4585, RFC 5104): keyframe requests are PLI + FIR.
  std::uint64_t keyframe_requests_sent = 0;
  std::uint64_t keyframe_requests_received = 0;
  std::uint64_t nacks_sent = 0;
  std::uint64_t nacks_received = 0;
  std::uint64_t retransmissions_sent = 0;      // rtx packets we sent (RFC 4588)
  std::uint64_t retransmissions_received = 0;  // rtx packets that repaired a loss here
  // The video jitter buffer: packets given up as lost, arrived too late, retransmissions asked
  // for and the ones that came in time, and their round trip.
  std::uint64_t jitter_lost = 0;
  std::uint64_t jitter_late = 0;
  std::uint64_t rtx_requests = 0;
  std::uint64_t rtx_successes = 0;
  double rtx_rtt_ms = 0;
  std::optional<std::uint64_t> remb_bps;  // the peer's last REMB
  bool camera_on = true;
  // After a burst loss (test hook): from the burst's end to the next decoded frame, ms.
  std::optional<double> recovery_ms;
};

struct StreamStats {
  std::string name;
  codecs::MediaType media = codecs::MediaType::kAudio;
  std::string codec;  // "opus/48000/2"
  std::uint64_t packets_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t packets_received = 0;
  std::uint64_t bytes_received = 0;
  std::int64_t packets_lost = 0;  // from the RTP source stats, never below 0
  double jitter_ms = 0;           // interarrival jitter (RFC 3550 §6.4.1)
  std::optional<double> rtt_ms;   // from RTCP SR/RR (LSR/DLSR)
  // Audio/video sync: how far rtpbin moved this stream's playout to line it up with the other
  // streams of the peer's CNAME (RTCP SR NTP/RTP mapping); nullopt before anything arrived.
  std::optional<double> sync_offset_ms;
  std::uint64_t rtcp_sent = 0;
  std::uint64_t rtcp_received = 0;
  std::uint64_t dtmf_sent = 0;
  std::uint64_t dtmf_received = 0;
  std::optional<ToneAnalysis> analysis;  // audio: the received signal
  std::optional<VideoStats> video;       // video streams
};

class RtpPipeline {
 public:
  struct Events {
    // A plain RTP or RTCP packet to protect and send (on the media thread).
    std::function<void(std::vector<std::uint8_t> packet, bool rtcp)> outgoing;
    // When set, used instead of `outgoing`, called right on the GStreamer streaming thread
    // that produced the packet (RTP and RTCP come from different threads, concurrently): no
    // hop to the media thread per packet. It must be thread-safe and must not block for long.
    // `transport` is the stream's StreamConfig::transport.
    std::function<void(const std::string& transport, std::vector<std::uint8_t> packet, bool rtcp)>
        outgoing_direct;
    // A DTMF digit (0-9, *, #, A-D) the peer sent (RFC 4733), once per event.
    std::function<void(const std::string& stream, char digit)> dtmf;
    // The first decoded media buffer of a stream reached the sink.
    std::function<void(const std::string& stream)> first_media;
    // A GStreamer error: the call cannot go on (the message says which element and why).
    std::function<void(const Error&)> error;
  };

  static Result<std::unique_ptr<RtpPipeline>> create(GMainContext* ctx,
                                                     PipelineConfig config,
                                                     Events events);
  virtual ~RtpPipeline() = default;

  // Adds (before start) or updates (codecs changed: description-info) a stream.
  virtual Result<void> add_stream(const StreamConfig& stream) = 0;
  virtual Result<void> remove_stream(const std::string& name) = 0;
  // To PLAYING: sources start producing; packets come out through Events::outgoing.
  virtual Result<void> start() = 0;
  // A decrypted RTP or RTCP packet from the peer, on `transport` (StreamConfig::transport;
  // empty: any stream).
  virtual void receive(std::span<const std::uint8_t> packet,
                       bool rtcp,
                       const std::string& transport = {}) = 0;

  // RFC 4733 events with the negotiated telephone-event PT (an error when none was negotiated).
  virtual Result<void> send_dtmf(const std::string& stream, char digit) = 0;
  // Mute: we keep sending, silence (DTX then sends little). Hold: nothing is sent nor played.
  virtual void set_muted(bool muted) = 0;
  virtual void set_on_hold(bool on_hold) = 0;
  // Camera off: no video is sent (the encoder gets no frames); on again with a keyframe.
  virtual void set_camera(bool on) = 0;
  // The peer stopped sending on `stream` ("" for all) on purpose (its camera off, hold): the
  // pause in its video is not counted as a freeze; the next frame ends it.
  virtual void set_peer_paused(const std::string& stream, bool paused) = 0;
  // Every video encoder sends a keyframe next (the path just got its keys, or a new peer).
  virtual void force_keyframe() = 0;
  // Decoded frames of a video stream for the window (PipelineConfig::video_frames), else null.
  virtual std::shared_ptr<FrameMailbox> frames(const std::string& stream) = 0;
  // What we send on a video stream, RGBA, scaled down to fit 640x480 (aspect kept), for the
  // window's self-view (PipelineConfig::video_frames), else null. Fed after the camera valve
  // (camera off: no frames) through a leaky branch that never holds the encoder back.
  virtual std::shared_ptr<FrameMailbox> self_view(const std::string& stream) = 0;
  // Test hook (--test-burst-loss): the receive path dropped everything until `end_ns`
  // (CLOCK_MONOTONIC); the next decoded frame after it gives VideoStats::recovery_ms.
  virtual void mark_burst_end(std::int64_t end_ns) = 0;

  virtual std::vector<StreamStats> stats() = 0;
  virtual MarkerTimes marker_times() const = 0;
  // For tests and benchmarks: EOS, to NULL; the WAV being recorded is finalised.
  virtual void stop() = 0;
};

}  // namespace jcall::media
