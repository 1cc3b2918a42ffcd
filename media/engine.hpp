// The media engine of the account: every call's transports (ICE + DTLS-SRTP) and RTP
// pipeline, on the media thread (ARCHITECTURE.md "Media path"):
//
//   pipeline outgoing -> SRTP protect -> IceAgent::send
//   IceAgent receive -> demux (RFC 7983) -> DTLS -> DtlsEndpoint -> keys -> SrtpSessions
//                                        -> SRTP/SRTCP -> unprotect -> pipeline receive
//
// A call has one transport per prepared name (a content, or with BUNDLE the group's first
// content, RFC 8843) and one RtpPipeline with a stream per content. Knows nothing of XMPP.
//
// Thread: the public methods may be called from any thread; they post to the media thread
// (prepare() waits for it: it must return the local credentials). Events are called on the
// media thread: the caller posts them on to its own thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "codecs/codec.hpp"
#include "media/dtls_srtp/certificate.hpp"
#include "media/dtls_srtp/dtls_endpoint.hpp"
#include "media/dtls_srtp/srtp_session.hpp"
#include "media/ice/ice_agent.hpp"
#include "media/pipeline/devices.hpp"
#include "media/pipeline/rtp_pipeline.hpp"

namespace jcall::media {

class MediaLoop;

struct EngineConfig {
  std::vector<std::string> local_addresses;  // ICE host candidates (empty: all interfaces)
  std::vector<IceServer> ice_servers;
  bool ipv6 = true;
  bool relay_only = false;  // ICE through TURN relays only
  std::chrono::milliseconds ice_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds dtls_timeout{std::chrono::seconds(10)};
  PipelineConfig pipeline;
  // Test hook (--test-loss, --test-jitter, --test-burst-loss): impairs the SRTP/SRTCP packets
  // we receive, before they are unprotected, as a lossy path would (the kernel of the test
  // machines has no netem).
  struct Impairment {
    double loss_percent = 0;              // each packet dropped with this probability
    std::chrono::milliseconds jitter{0};  // each packet delayed by a uniform 0..jitter (reorders)
    // Everything dropped for `burst_duration`, `burst_start` after the first media packet.
    std::optional<std::chrono::milliseconds> burst_start;
    std::chrono::milliseconds burst_duration{0};
    std::uint32_t seed = 1;
  };
  Impairment impairment;
  // Test hook: after the first 50 RTP packets (both sides are keyed by then), the next N SRTP
  // packets we send get one byte of their payload flipped after protection (the peer must
  // drop and count them).
  int tamper_srtp_packets = 0;
};

// What a call's media was asked to carry, per transport (prepared name).
struct TransportRemote {
  IceCredentials credentials;
  std::string fingerprint_hash = "sha-256";
  std::string fingerprint;
  DtlsRole dtls_role = DtlsRole::kClient;
};

struct CallMediaConfig {
  bool ice_controlling = true;
  std::map<std::string, TransportRemote> transports;          // by prepared name
  std::vector<std::pair<std::string, StreamConfig>> streams;  // (transport name, stream)
};

struct TransportStats {
  std::string name;
  std::string ice_state;
  std::optional<SelectedPair> pair;
  std::string dtls_state;
  std::string dtls_version;
  std::string dtls_role;
  std::string srtp_profile;
  SrtpCounters srtp_out;
  SrtpCounters srtp_in;
  std::uint64_t dropped_before_keys = 0;  // RTP/RTCP that arrived or was produced before SRTP
  std::uint64_t impaired_dropped = 0;     // test hook: received packets the impairment dropped
  std::uint64_t impaired_delayed = 0;
};

struct CallStats {
  std::vector<StreamStats> streams;
  std::vector<TransportStats> transports;
  MarkerTimes markers;
};

class Engine {
 public:
  struct Events {
    std::function<void(const std::string& sid, const std::string& transport, const IceCandidate&)>
        local_candidate;
    std::function<void(const std::string& sid, const std::string& transport)> gathering_done;
    // ICE connected and DTLS-SRTP keyed: media can flow.
    std::function<void(const std::string& sid, const std::string& transport)> connected;
    // ICE failed (Errc::ice_failed), DTLS failed or timed out, or the fingerprint did not match
    // (Errc::fingerprint_mismatch): the call cannot go on.
    std::function<void(const std::string& sid, const std::string& transport, const Error&)> failed;
    std::function<void(const std::string& sid, const std::string& stream)> first_media;
    std::function<void(const std::string& sid, const std::string& stream, char digit)> dtmf;
    std::function<void(const std::string& sid, const Error&)> media_error;
  };

  // Starts the media thread and makes the DTLS certificate (once, for every call).
  static Result<std::unique_ptr<Engine>> create(EngineConfig config, Events events);
  ~Engine();  // closes every call, stops the media thread
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const std::string& fingerprint() const { return certificate_->fingerprint_sha256(); }

  // STUN/TURN servers for the calls prepared from now on (configured ones plus XEP-0215).
  void set_ice_servers(std::vector<IceServer> servers);

  // One ICE agent per name, gathering at once (trickle): the local credentials, in order.
  // `controlling`: our ICE role (RFC 8445 §6.1.1), fixed from the start: libnice keeps the role
  // it had when its checks started.
  Result<std::vector<IceCredentials>> prepare(const std::string& sid,
                                              const std::vector<std::string>& transports,
                                              bool controlling = true);
  // Sets (or updates) what was negotiated: remote credentials, DTLS role and fingerprint,
  // streams. Starts the pipeline (encoding before the path is up, so media flows at once).
  void configure(const std::string& sid, CallMediaConfig config);
  void add_remote_candidates(const std::string& sid,
                             const std::string& transport,
                             std::vector<IceCandidate> candidates,
                             bool end_of_candidates);
  // The peer restarted ICE (RFC 8445 §9): we restart too, and `done` (on the media thread) gets
  // our new local credentials for the peer.
  void ice_restart(const std::string& sid,
                   const std::string& transport,
                   IceCredentials remote,
                   std::function<void(Result<IceCredentials>)> done);
  // We restart ICE on every negotiated transport of the call (RFC 8445 §9): `done` (media
  // thread) gets each transport's new local credentials for the peer; the peer's new ones
  // then come through ice_restart(), which does not restart again.
  void restart_ice(const std::string& sid,
                   std::function<void(const std::string& transport, Result<IceCredentials>)> done);
  void remove_streams(const std::string& sid, const std::vector<std::string>& streams);
  void close(const std::string& sid);

  void set_muted(const std::string& sid, bool muted);
  void set_on_hold(const std::string& sid, bool on_hold);
  void set_camera(const std::string& sid, bool on);
  // The peer paused its media of `stream` ("" for all): no freeze is counted meanwhile.
  void set_peer_paused(const std::string& sid, const std::string& stream, bool paused);
  // The window's decoded frames of a video stream (EngineConfig::pipeline.video_frames); null
  // until the stream exists. Any thread; blocks until the media thread answers.
  std::shared_ptr<FrameMailbox> frames(const std::string& sid, const std::string& stream);
  // What we send on a video stream, small, for the self-view (RtpPipeline::self_view); null
  // until the stream exists. Any thread; blocks until the media thread answers.
  std::shared_ptr<FrameMailbox> self_view(const std::string& sid, const std::string& stream);
  // The microphones, speakers and cameras, with hot-plug (DeviceMonitor): `changed` (on the
  // media thread) gets the whole list at once and again whenever a device comes or goes; an
  // empty list when no GStreamer device provider could start. Calling again replaces the
  // previous watch; the destructor stops it. Any thread.
  void watch_devices(std::function<void(std::vector<DeviceInfo>)> changed);
  // The microphone, speaker and camera of the calls set up from now on (a call in progress
  // keeps its own).
  void set_devices(AudioSource source, AudioSink sink, VideoSource video);
  void send_dtmf(const std::string& sid, const std::string& digits);
  // Calls done on the media thread with the call's statistics (nullopt: no such call).
  void stats(const std::string& sid, std::function<void(std::optional<CallStats>)> done);

 private:
  struct Call;
  struct Transport;
  struct Sender;
  struct Senders;
  Engine(EngineConfig config, Events events, std::shared_ptr<const Certificate> cert);

  Call* find(const std::string& sid);
  void on_receive(Call& call, Transport& t, std::span<const std::uint8_t> datagram);
  void on_media_packet(Call& call, Transport& t, std::span<const std::uint8_t> datagram, bool rtcp);
  // Test hook: false when the impairment takes the packet (dropped, or delayed and fed later).
  bool impair(Call& call, Transport& t, std::span<const std::uint8_t> datagram, bool rtcp);
  void on_ice_connected(Call& call, Transport& t);
  void pump_dtls(Call& call, Transport& t);
  void attach_sender(Call& call, const std::string& transport);
  void fail(Call& call, Transport& t, Error e);

  EngineConfig config_;
  Events events_;
  std::shared_ptr<const Certificate> certificate_;
  std::unique_ptr<MediaLoop> loop_;
  std::map<std::string, std::unique_ptr<Call>> calls_;  // media thread only
  std::unique_ptr<DeviceMonitor> devices_;              // media thread only
};

}  // namespace jcall::media
