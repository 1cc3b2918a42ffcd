// A stand-in for the media seam (media_backend.hpp) until the next issue replaces it with
// libnice and DTLS-SRTP. It exists only to isolate signaling in tests and the demo: per content
// it binds a real UDP socket on 127.0.0.1, makes random ICE-shaped credentials (RFC 8445 §5.3
// lengths) and a SHA-256-shaped fingerprint, reports that socket as one host candidate, and
// once the remote credentials and a remote candidate are known it sends probe datagrams
// carrying the remote ufrag and answers the peer's probes.
//
// It is honest: "connected" is reported only when one of our probes, sent to a candidate that
// came through Jingle, was answered by the other process with our ufrags; after a few seconds
// without an answer the content fails. No STUN, no DTLS, no media: not a transport for calls.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "app/media_backend.hpp"

namespace jcall::app {

class TestTransport : public MediaBackend {
 public:
  struct Timing {
    std::chrono::milliseconds probe_interval{100};
    int max_probes = 40;  // then transport_failed (about 4 s)
  };

  explicit TestTransport(boost::asio::io_context& io);
  TestTransport(boost::asio::io_context& io, Timing timing);
  ~TestTransport() override;
  TestTransport(const TestTransport&) = delete;
  TestTransport& operator=(const TestTransport&) = delete;

  void set_events(MediaEvents events) override { events_ = std::move(events); }
  Result<std::vector<jingle::LocalTransport>> prepare(
      const std::string& sid,
      const std::vector<std::string>& contents,
      const std::vector<codecs::MediaType>& media) override;
  void configure(const std::string& sid, const jingle::out::ConfigureMedia& m) override;
  void remote_candidates(const std::string& sid, const jingle::out::RemoteCandidates& c) override;
  void ice_restart(const std::string& sid, const jingle::out::IceRestart& r) override;
  void remove(const std::string& sid, const std::vector<std::string>& contents) override;
  void close(const std::string& sid) override;

 private:
  struct Stream;  // one content's socket and probe state (test_transport.cpp)

  struct Call {
    std::map<std::string, std::shared_ptr<Stream>> streams;  // by the name given to prepare()
    std::map<std::string, std::string> names;  // session content name -> prepare() name
    std::map<std::string, std::vector<jingle::out::RemoteCandidates>> early;  // unmapped names
    std::vector<std::vector<std::string>> bundles;
  };
  std::shared_ptr<Stream> find(Call& call, const std::string& name);
  void add_remote(const std::string& sid, Call& call, const jingle::out::RemoteCandidates& c);

  boost::asio::io_context& io_;
  Timing timing_;
  MediaEvents events_;
  std::map<std::string, Call> calls_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace jcall::app
