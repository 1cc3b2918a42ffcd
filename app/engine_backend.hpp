// The media seam (media_backend.hpp) on the real engine (media/engine.hpp): translates the
// session's plain structs (XEP-0176 candidates, XEP-0320 fingerprints, negotiated contents)
// into media's, and media's events back, posted to the signaling thread.
//
// Names: media prepares one transport per name given to prepare() (the session's content
// name, or its media alias "audio"/"video" when prepared before the offer is known); the
// session later speaks of its content names, mapped here to prepared names. With BUNDLE
// (XEP-0338) every content of the group rides on the group's first content's transport.
//
// Home thread: the signaling thread (io_context); engine events are posted to it.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "app/media_backend.hpp"
#include "media/engine.hpp"

namespace jcall::app {

class EngineBackend : public MediaBackend {
 public:
  struct Hooks {                     // for the security tests
    bool wrong_fingerprint = false;  // signal a fingerprint that is not ours
  };

  static Result<std::unique_ptr<EngineBackend>> create(boost::asio::io_context& io,
                                                       media::EngineConfig config,
                                                       Hooks hooks);
  ~EngineBackend() override;

  void set_events(MediaEvents events) override { events_ = std::move(events); }
  Result<std::vector<jingle::LocalTransport>> prepare(const std::string& sid,
                                                      const std::vector<std::string>& contents,
                                                      const std::vector<codecs::MediaType>& media,
                                                      bool ice_controlling) override;
  void configure(const std::string& sid, const jingle::out::ConfigureMedia& m) override;
  void remote_candidates(const std::string& sid, const jingle::out::RemoteCandidates& c) override;
  void ice_restart(const std::string& sid, const jingle::out::IceRestart& r) override;
  void remove(const std::string& sid, const std::vector<std::string>& contents) override;
  void close(const std::string& sid) override;
  void restart_ice(const std::string& sid) override;
  void set_muted(const std::string& sid, bool muted) override;
  void set_on_hold(const std::string& sid, bool on_hold) override;
  void set_camera(const std::string& sid, bool on) override;
  void peer_paused(const std::string& sid, const std::string& content, bool paused) override;
  Result<void> send_dtmf(const std::string& sid, const std::string& digits) override;
  void stats(const std::string& sid, std::function<void(MediaStats)> done) override;

  // For the window (media thread work, waited for): a video content's decoded frames and what
  // we send on it; null when there is none.
  std::shared_ptr<media::FrameMailbox> frames(const std::string& sid, const std::string& content);
  std::shared_ptr<media::FrameMailbox> self_view(const std::string& sid,
                                                 const std::string& content);
  // Microphones, speakers and cameras, now and on every hot-plug (called on the media thread).
  void watch_devices(std::function<void(std::vector<media::DeviceInfo>)> changed);
  // The devices of the calls set up from now on.
  void set_devices(media::AudioSource source, media::AudioSink sink, media::VideoSource video) {
    engine_->set_devices(std::move(source), std::move(sink), std::move(video));
  }

  // STUN/TURN for calls from now on: the configured servers plus these (XEP-0215).
  void set_discovered_servers(std::vector<media::IceServer> servers);

  // Candidate mapping both ways (XEP-0176 §5.1 <candidate/> <-> media::IceCandidate).
  static media::IceCandidate to_media(const jingle::Candidate& c);
  static jingle::Candidate to_jingle(const media::IceCandidate& c);
  static MediaStats to_json(const media::CallStats& s);

 private:
  struct Call {
    std::map<std::string, codecs::MediaType> prepared;  // prepared name -> media
    std::map<std::string, std::string> names;           // session content name -> prepared name
    std::vector<std::string> bundle;                    // session content names
    std::map<std::string, std::vector<jingle::out::RemoteCandidates>> early;  // unmapped names
    std::optional<MediaStats> final_stats;
    std::vector<std::function<void(MediaStats)>> waiting;  // stats asked while closing
    bool closed = false;
  };
  EngineBackend(boost::asio::io_context& io, Hooks hooks);
  std::vector<media::IceServer> configured_servers_;
  // The prepared name a session content name stands for ("" when unknown yet).
  std::string prepared_name(Call& call, const std::string& content, codecs::MediaType media);
  // The transport a content's media rides on (its own, or the BUNDLE group's).
  std::string transport_of(Call& call, const std::string& content);
  void post(std::function<void()> fn);
  // Our transport as signaled: credentials and our certificate's fingerprint.
  jingle::LocalTransport local_transport(const media::IceCredentials& c) const;
  // ICE restarted (by us or at the peer's request): the new credentials go to the session.
  void restarted(const std::string& sid,
                 const std::string& transport,
                 const Result<media::IceCredentials>& c);

  boost::asio::io_context& io_;
  Hooks hooks_;
  MediaEvents events_;
  std::unique_ptr<media::Engine> engine_;
  std::map<std::string, Call> calls_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace jcall::app
