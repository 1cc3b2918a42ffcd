// The media seam of a call as the call controller sees it (ARCHITECTURE.md "app -> media"):
// what jingle::CallManager asks of media (NeedTransports, ConfigureMedia, RemoteCandidates, ...)
// and what media reports back (local candidates, gathering done, connected, failed).
//
// Implementations live on the signaling thread's side of the seam: every call here is made on
// the signaling thread, and every event is delivered there (posted, never from inside a call).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "codecs/codec.hpp"
#include "signaling/jingle/session.hpp"

namespace jcall::app {

namespace jingle = jcall::signaling::jingle;

// Events from media, by call (sid) and content (the name given to prepare()).
struct MediaEvents {
  std::function<void(const std::string& sid, const std::string& content, jingle::Candidate)>
      local_candidate;
  std::function<void(const std::string& sid, const std::string& content)> gathering_done;
  std::function<void(const std::string& sid, const std::string& content)> connected;
  // The transport cannot carry media: the call ends with `condition` (failed-transport for
  // ICE, security-error for DTLS: a wrong fingerprint or a failed handshake).
  std::function<void(const std::string& sid,
                     const std::string& content,
                     const std::string& why,
                     jingle::Condition condition)>
      failed;
  // The first decoded media of a content reached its sink.
  std::function<void(const std::string& sid, const std::string& content)> first_media;
  // ICE was restarted at the peer's request: our new credentials go to the peer.
  std::function<void(const std::string& sid, const std::string& content, jingle::LocalTransport)>
      ice_restarted;
  // A DTMF digit from the peer (RFC 4733).
  std::function<void(const std::string& sid, const std::string& content, char digit)> dtmf;
  // The media pipeline failed (a missing element, a device): the call cannot go on.
  std::function<void(const std::string& sid, const std::string& why)> media_error;
};

// A call's media statistics as JSON (per stream and per transport), for events and summaries.
using MediaStats = nlohmann::ordered_json;

class MediaBackend {
 public:
  virtual ~MediaBackend() = default;

  virtual void set_events(MediaEvents events) = 0;
  // One transport per content (same order): local ICE credentials and DTLS fingerprint now,
  // candidates later through the events. contents[i] is the name events will carry.
  virtual Result<std::vector<jingle::LocalTransport>> prepare(
      const std::string& sid,
      const std::vector<std::string>& contents,
      const std::vector<codecs::MediaType>& media,
      bool ice_controlling) = 0;
  // The session's outputs that concern media. A content name may be the session's name for a
  // content prepared under its media alias ("audio"): ConfigureMedia tells which media it is.
  virtual void configure(const std::string& sid, const jingle::out::ConfigureMedia& m) = 0;
  virtual void remote_candidates(const std::string& sid,
                                 const jingle::out::RemoteCandidates& c) = 0;
  virtual void ice_restart(const std::string& sid, const jingle::out::IceRestart& r) = 0;
  virtual void remove(const std::string& sid, const std::vector<std::string>& contents) = 0;
  // The call ended: everything of it is released.
  virtual void close(const std::string& sid) = 0;
  // Restart ICE ourselves (a changed network): new credentials go out via ice_restarted.
  virtual void restart_ice(const std::string& sid) = 0;

  // What the user does to the media of a call (the session tells the peer separately).
  virtual void set_muted(const std::string& sid, bool muted) = 0;
  virtual void set_on_hold(const std::string& sid, bool on_hold) = 0;
  // Camera off: the video content stays negotiated, nothing is sent on it.
  virtual void set_camera(const std::string& sid, bool on) = 0;
  // The peer said it stopped sending (XEP-0167 §7 mute of a content, "" for all, or hold): the
  // pause in its video is not a freeze.
  virtual void peer_paused(const std::string& sid, const std::string& content, bool paused) = 0;
  virtual Result<void> send_dtmf(const std::string& sid, const std::string& digits) = 0;
  // The call's statistics, delivered on the signaling thread; for a closed call, the last ones
  // taken when it closed (null when there are none).
  virtual void stats(const std::string& sid, std::function<void(MediaStats)> done) = 0;
};

}  // namespace jcall::app
