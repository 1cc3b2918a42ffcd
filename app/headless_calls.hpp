// The calls of the headless client: drives CallController (with the media engine behind the
// media seam: libnice, DTLS-SRTP, GStreamer) from options and stdin commands, and prints a JSON
// event for every call state change, call stanza and media event worth seeing, statistics
// every --stats-interval, and a per-call summary (setup time, timeline, streams, transport,
// termination) when a call ends.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "app/call_controller.hpp"
#include "app/engine_backend.hpp"
#include "app/options.hpp"
#include "app/session.hpp"

namespace jcall::app {

// Milliseconds since the program started: the "t_ms" of every JSON event.
std::int64_t t_ms();

class HeadlessCalls {
 public:
  using json = nlohmann::ordered_json;

  HeadlessCalls(boost::asio::io_context& io,
                xmpp::Client& client,
                const Options& options,
                std::function<void(json)> print,
                std::function<void()> quit);

  void on_online(const xmpp::Jid& self, bool resumed);
  // exit_when_done: quit once this call has ended (exit status: 0 if it connected).
  void start_call(const std::string& to, bool video, bool exit_when_done);
  // accept | reject | hangup | mute | hold | video | dtmf (arg: the digits); an empty sid
  // means the latest call.
  void command(const std::string& name, std::string sid, bool on, const std::string& arg = "");
  // The window's video: called when a video content's first frame was decoded.
  void set_video_hook(std::function<void(const VideoFeed&)> hook) { video_hook_ = std::move(hook); }
  EngineBackend* media() { return media_.get(); }
  // Set once a call that decides the exit status (--call, --answer-once) has ended.
  std::optional<int> exit_status() const { return exit_status_; }

 private:
  struct CallInfo {
    std::string sid;
    std::string peer;
    std::string direction;  // outgoing | incoming
    std::vector<codecs::MediaType> media;
    std::optional<std::int64_t> start_ms;  // first propose or session-initiate
    std::optional<std::int64_t> connected_ms;
    std::optional<std::int64_t> first_media_ms;
    std::int64_t start_mono_ns = 0;  // CLOCK_MONOTONIC, for benchmarks across processes
    std::int64_t first_media_mono_ns = 0;
    std::map<std::string, codecs::MediaType> content_media;  // by content name
    std::optional<std::int64_t> first_video_ms;              // first decoded video frame
    std::int64_t first_video_mono_ns = 0;
    std::string dtmf_received;
    bool dtmf_sent = false;
    bool summarised = false;
    std::unique_ptr<boost::asio::steady_timer> stats_timer;
    json timeline = json::array();
    int candidates_sent = 0;
    int candidates_received = 0;
    bool exit_when_done = false;
    std::unique_ptr<boost::asio::steady_timer> timer;  // answer delay, or hang up after
  };

  void make_controller();
  CallInfo& info(const std::string& sid);
  void step(CallInfo& c, const std::string& what);
  void on_call_stanza(bool outgoing, const signaling::xml::Element& st);
  void on_call_output(const jingle::CallOutput& o);
  void on_call_state(const jingle::call_out::StateChanged& s);
  void on_call_media(const jingle::call_out::Media& m);
  void on_media_event(const std::string& sid,
                      const std::string& content,
                      const std::string& what,
                      const std::string& detail);
  void arm_stats(const std::string& sid);
  // XEP-0215: the server's STUN/TURN services (names resolved) go to the media engine.
  void discover_ice_servers();
  void servers_known();
  bool servers_known_ = false;  // XEP-0215 answered (or failed, or took too long)
  std::vector<std::function<void()>> after_servers_;  // calls placed before that
  std::unique_ptr<boost::asio::steady_timer> servers_timer_;
  void summarise(const jingle::call_out::StateChanged& s, MediaStats stats);

  boost::asio::io_context& io_;
  xmpp::Client& client_;
  const Options& options_;
  std::function<void(json)> print_;
  std::function<void()> quit_;
  std::unique_ptr<EngineBackend> media_;
  std::unique_ptr<CallController> controller_;
  std::map<std::string, CallInfo> call_info_;
  std::string current_sid_;
  std::optional<int> exit_status_;
  std::vector<codecs::MediaType> next_call_media_;
  std::function<void(const VideoFeed&)> video_hook_;
};

}  // namespace jcall::app
