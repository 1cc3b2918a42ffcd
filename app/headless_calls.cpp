// The calls of the headless client (see headless_calls.hpp).
#include "app/headless_calls.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>

#include "media/errc.hpp"
#include "signaling/jingle/jmi.hpp"
#include "signaling/jingle/ns.hpp"

namespace jcall::app {

namespace asio = boost::asio;
using json = nlohmann::ordered_json;

namespace {

const auto kStart = std::chrono::steady_clock::now();

json media_json(const std::vector<codecs::MediaType>& media) {
  json a = json::array();
  for (const auto m : media) {
    a.push_back(std::string(codecs::to_string(m)));
  }
  return a;
}

// What one call stanza is, for the timeline: the JMI message kind or the Jingle action, and
// the sid it belongs to. Empty when it is not a call stanza (e.g. an IQ result).
std::pair<std::string, std::string> classify(const signaling::xml::Element& st) {
  namespace jns = signaling::jingle::ns;
  if (st.name == "message") {
    for (const auto& c : st.children) {
      if (c.ns == jns::kJingleMessage) {
        return {c.name, std::string(c.attr_or("id", ""))};
      }
    }
    return {};
  }
  if (st.name == "iq") {
    if (const auto* j = st.child("jingle", jns::kJingle)) {
      return {std::string(j->attr_or("action", "")), std::string(j->attr_or("sid", ""))};
    }
  }
  return {};
}

}  // namespace

std::int64_t t_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               kStart)
      .count();
}

HeadlessCalls::HeadlessCalls(asio::io_context& io,
                             xmpp::Client& client,
                             const Options& options,
                             std::function<void(json)> print,
                             std::function<void()> quit)
    : io_(io),
      client_(client),
      options_(options),
      print_(std::move(print)),
      quit_(std::move(quit)) {
  make_controller();
}

namespace {

std::int64_t mono_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// "udp:USER:PASS@HOST:PORT" (--turn), "HOST:PORT" (--stun): IP literals, libnice takes no names.
Result<media::IceServer> parse_server(const std::string& v, bool turn) {
  media::IceServer s;
  s.kind = turn ? media::IceServer::Kind::kTurn : media::IceServer::Kind::kStun;
  std::string rest = v;
  if (turn) {
    const auto colon = rest.find(':');
    const auto at = rest.rfind('@');
    const std::string t = rest.substr(0, colon);
    if (colon == std::string::npos || at == std::string::npos || at < colon ||
        (t != "udp" && t != "tcp" && t != "tls")) {
      return make_error(media::Errc::invalid_argument,
                        "--turn takes udp|tcp|tls:USER:PASS@HOST:PORT, got '" + v + "'");
    }
    s.transport = t == "udp"   ? media::IceServer::Transport::kUdp
                  : t == "tcp" ? media::IceServer::Transport::kTcp
                               : media::IceServer::Transport::kTls;
    const std::string cred = rest.substr(colon + 1, at - colon - 1);
    const auto sep = cred.find(':');
    if (sep == std::string::npos) {
      return make_error(media::Errc::invalid_argument, "--turn: USER:PASS missing in '" + v + "'");
    }
    s.username = cred.substr(0, sep);
    s.password = cred.substr(sep + 1);
    rest = rest.substr(at + 1);
  }
  const auto colon = rest.rfind(':');
  int port = 0;
  if (colon == std::string::npos ||
      std::from_chars(rest.data() + colon + 1, rest.data() + rest.size(), port).ec != std::errc() ||
      port <= 0 || port > 65535) {
    return make_error(media::Errc::invalid_argument, std::string(turn ? "--turn" : "--stun") +
                                                         " needs HOST:PORT, got '" + v + "'");
  }
  s.host = rest.substr(0, colon);
  if (s.host.size() > 2 && s.host.front() == '[' && s.host.back() == ']') {
    s.host = s.host.substr(1, s.host.size() - 2);
  }
  s.port = static_cast<std::uint16_t>(port);
  return s;
}

Result<media::EngineConfig> engine_config(const Options& o) {
  media::EngineConfig c;
  c.local_addresses = o.local_addresses;
  c.ipv6 = !o.no_ipv6;
  c.relay_only = o.relay_only;
  for (const auto& v : o.stun) {
    auto s = parse_server(v, false);
    if (!s)
      return s.error();
    c.ice_servers.push_back(*s);
  }
  for (const auto& v : o.turn) {
    auto s = parse_server(v, true);
    if (!s)
      return s.error();
    c.ice_servers.push_back(*s);
  }
  auto source = media::parse_audio_source(o.audio_source);
  if (!source)
    return source.error();
  auto sink = media::parse_audio_sink(o.audio_sink);
  if (!sink)
    return sink.error();
  c.pipeline.audio_source = *source;
  c.pipeline.audio_sink = *sink;
  if (!o.record.empty()) {
    c.pipeline.audio_sink.record_path = o.record;
  }
  c.pipeline.jitter_buffer = std::chrono::milliseconds(o.jitter_ms);
  c.pipeline.video_source = o.video_source;
  c.pipeline.video_limits = o.video_limits;
  c.pipeline.video_jitter_buffer = std::chrono::milliseconds(o.video_jitter_ms);
  c.pipeline.video_frames = !o.headless;  // the window draws them
  c.tamper_srtp_packets = o.test_tamper_srtp;
  c.impairment.loss_percent = o.test_loss_percent;
  c.impairment.jitter = std::chrono::milliseconds(o.test_jitter_ms);
  if (o.test_burst_loss) {
    c.impairment.burst_start = std::chrono::milliseconds(o.test_burst_loss->first);
    c.impairment.burst_duration = std::chrono::milliseconds(o.test_burst_loss->second);
  }
  return c;
}

}  // namespace

void HeadlessCalls::make_controller() {
  auto config_media = engine_config(options_);
  Result<std::unique_ptr<EngineBackend>> backend =
      config_media ? EngineBackend::create(io_, std::move(*config_media),
                                           {.wrong_fingerprint = options_.test_wrong_fingerprint})
                   : Result<std::unique_ptr<EngineBackend>>(config_media.error());
  if (!backend) {
    print_({{"event", "error"}, {"message", "media: " + backend.error().describe()}});
    exit_status_ = 1;
    asio::post(io_, [this] { quit_(); });
    return;
  }
  media_ = std::move(*backend);
  jingle::CallManagerConfig config;
  if (!options_.audio_codecs.empty()) {
    config.preferences.audio = options_.audio_codecs;
  }
  if (!options_.video_codecs.empty()) {
    config.preferences.video = options_.video_codecs;
  }
  config.offer_bundle = !options_.no_bundle;
  if (options_.ring_timeout_s) {
    config.ring_timeout =
        std::chrono::milliseconds(static_cast<std::int64_t>(*options_.ring_timeout_s * 1000));
  }
  CallController::Observer observer;
  observer.output = [this](const jingle::CallOutput& o) { on_call_output(o); };
  observer.stanza = [this](bool outgoing, const signaling::xml::Element& st) {
    on_call_stanza(outgoing, st);
  };
  observer.media = [this](const std::string& sid, const std::string& content,
                          const std::string& what, const std::string& detail) {
    on_media_event(sid, content, what, detail);
  };
  controller_ = std::make_unique<CallController>(io_, client_, std::move(config), *media_,
                                                 std::move(observer));
  controller_->set_always_busy(options_.busy);
}

HeadlessCalls::CallInfo& HeadlessCalls::info(const std::string& sid) {
  auto& c = call_info_[sid];
  c.sid = sid;
  return c;
}

void HeadlessCalls::step(CallInfo& c, const std::string& what) {
  c.timeline.push_back({{"step", what}, {"t_ms", t_ms()}});
}

void HeadlessCalls::on_online(const xmpp::Jid& self, bool resumed) {
  if (!controller_) {
    return;
  }
  controller_->on_online(self, resumed);
  if (!resumed) {
    discover_ice_servers();
  }
}

void HeadlessCalls::servers_known() {
  servers_known_ = true;
  if (servers_timer_) {
    servers_timer_->cancel();
  }
  auto pending = std::move(after_servers_);
  for (auto& fn : pending) {
    fn();
  }
}

void HeadlessCalls::discover_ice_servers() {
  // A call placed before the answer waits for it (a server round trip), at most 2 s.
  servers_timer_ = std::make_unique<asio::steady_timer>(io_, std::chrono::seconds(2));
  servers_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !servers_known_) {
      print_({{"event", "ice-servers"},
              {"discovered", 0},
              {"error", "no XEP-0215 answer within 2 s"}});
      servers_known();
    }
  });
  client_.external_services([this](Result<std::vector<xmpp::ExternalService>> services) {
    if (!services) {
      // No XEP-0215 on this server (or it refused): the configured servers are all there is.
      print_({{"event", "ice-servers"}, {"discovered", 0}, {"error", services.error().describe()}});
      servers_known();
      return;
    }
    auto found = std::make_shared<std::vector<media::IceServer>>();
    auto pending = std::make_shared<std::size_t>(0);
    auto finish = [this, found] {
      json list = json::array();
      for (const auto& s : *found) {
        // Never the credentials: only what and where.
        list.push_back({{"type", s.kind == media::IceServer::Kind::kStun ? "stun" : "turn"},
                        {"host", s.host},
                        {"port", s.port},
                        {"transport", s.transport == media::IceServer::Transport::kUdp   ? "udp"
                                      : s.transport == media::IceServer::Transport::kTcp ? "tcp"
                                                                                         : "tls"}});
      }
      print_({{"event", "ice-servers"}, {"discovered", found->size()}, {"servers", list}});
      media_->set_discovered_servers(*found);
      servers_known();
    };
    std::vector<std::pair<media::IceServer, std::string>> todo;
    for (const auto& s : *services) {
      media::IceServer m;
      if (s.type == "stun") {
        m.kind = media::IceServer::Kind::kStun;
        if (s.transport == "tcp") {
          continue;  // libnice does STUN over UDP only
        }
      } else if (s.type == "turn" || s.type == "turns") {
        m.kind = media::IceServer::Kind::kTurn;
        m.transport = s.type == "turns"      ? media::IceServer::Transport::kTls
                      : s.transport == "tcp" ? media::IceServer::Transport::kTcp
                                             : media::IceServer::Transport::kUdp;
        m.username = s.username;
        m.password = s.password;
      } else {
        continue;
      }
      m.port = s.port != 0 ? s.port : (s.type == "turns" ? 5349 : 3478);
      todo.emplace_back(m, s.host);
    }
    if (todo.empty()) {
      finish();
      return;
    }
    // libnice takes IP literals: resolve names first (asynchronously, on this thread).
    auto resolver = std::make_shared<asio::ip::udp::resolver>(io_);
    *pending = todo.size();
    for (auto& [server, host] : todo) {
      resolver->async_resolve(host, std::to_string(server.port),
                              [resolver, server, found, pending, finish](
                                  const boost::system::error_code& ec,
                                  const asio::ip::udp::resolver::results_type& results) mutable {
                                if (!ec && !results.empty()) {
                                  server.host = results.begin()->endpoint().address().to_string();
                                  found->push_back(server);
                                }
                                if (--*pending == 0) {
                                  finish();
                                }
                              });
    }
  });
}

void HeadlessCalls::on_media_event(const std::string& sid,
                                   const std::string& content,
                                   const std::string& what,
                                   const std::string& detail) {
  CallInfo& c = info(sid);
  if (what == "local-candidate") {
    ++c.candidates_sent;
  }
  if (what == "transport-connected" || what == "transport-failed" || what == "first-media") {
    step(c, what + " " + content);
  }
  const auto media = c.content_media.find(content);
  const bool video = media != c.content_media.end() && media->second == codecs::MediaType::kVideo;
  if (what == "first-media" && video_hook_ && media_) {
    // Media flows: the window gets every video content's frames (self-view too, even when
    // the peer sends no video), again when the peer's first video frame came.
    for (const auto& [name, kind] : c.content_media) {
      if (kind == codecs::MediaType::kVideo) {
        video_hook_(VideoFeed{sid, name, media_->frames(sid, name), media_->self_view(sid, name)});
      }
    }
  }
  if (what == "first-media" && video && !c.first_video_ms) {
    c.first_video_ms = t_ms();
    c.first_video_mono_ns = mono_ns();
  }
  if (what == "first-media" && !video && !c.first_media_ms) {
    c.first_media_ms = t_ms();
    c.first_media_mono_ns = mono_ns();
    if (!options_.dtmf.empty() && !c.dtmf_sent) {
      c.dtmf_sent = true;
      command("dtmf", sid, false, options_.dtmf);
    }
  }
  if (what == "dtmf") {
    c.dtmf_received += detail;
    print_({{"event", "call-dtmf"}, {"sid", sid}, {"content", content}, {"digit", detail}});
    return;
  }
  print_({{"event", "call-media"},
          {"sid", sid},
          {"what", what},
          {"content", content},
          {"detail", detail}});
}

void HeadlessCalls::arm_stats(const std::string& sid) {
  if (options_.stats_interval_s <= 0) {
    return;
  }
  CallInfo& c = info(sid);
  c.stats_timer = std::make_unique<asio::steady_timer>(
      io_, std::chrono::milliseconds(static_cast<std::int64_t>(options_.stats_interval_s * 1000)));
  c.stats_timer->async_wait([this, sid](const boost::system::error_code& ec) {
    if (ec) {
      return;
    }
    media_->stats(sid, [this, sid](MediaStats stats) {
      auto it = call_info_.find(sid);
      if (it == call_info_.end() || it->second.summarised || stats.is_null()) {
        return;
      }
      json ev = {{"event", "call-stats"}, {"sid", sid}};
      ev.update(stats);
      print_(ev);
      arm_stats(sid);
    });
  });
}

void HeadlessCalls::start_call(const std::string& to, bool video, bool exit_when_done) {
  if (!controller_) {
    return;
  }
  if (!servers_known_) {
    after_servers_.push_back(
        [this, to, video, exit_when_done] { start_call(to, video, exit_when_done); });
    return;
  }
  auto j = xmpp::Jid::parse(to);
  if (!j) {
    print_({{"event", "error"}, {"message", "call: " + j.error().message}});
    if (exit_when_done) {
      exit_status_ = 1;
      quit_();
    }
    return;
  }
  jingle::CallOptions o;
  o.video = video;
  o.jmi = options_.jmi == "yes"  ? jingle::CallOptions::Jmi::kYes
          : options_.jmi == "no" ? jingle::CallOptions::Jmi::kNo
                                 : jingle::CallOptions::Jmi::kAuto;
  next_call_media_ = {codecs::MediaType::kAudio};
  if (video) {
    next_call_media_.push_back(codecs::MediaType::kVideo);
  }
  controller_->call(*j, o, [this, exit_when_done, to](Result<std::string> sid) {
    if (!sid) {
      print_({{"event", "error"}, {"message", "call " + to + ": " + sid.error().describe()}});
      if (exit_when_done) {
        exit_status_ = 1;
        quit_();
      }
      return;
    }
    CallInfo& c = info(*sid);
    c.direction = "outgoing";
    c.exit_when_done = exit_when_done;
    current_sid_ = *sid;
    print_({{"event", "call-started"}, {"sid", *sid}, {"to", to}});
  });
}

void HeadlessCalls::command(const std::string& name,
                            std::string sid,
                            bool on,
                            const std::string& arg) {
  if (!controller_) {
    return;
  }
  if (sid.empty()) {
    sid = current_sid_;
  }
  Result<void> r;
  if (name == "accept") {
    r = controller_->accept(sid);
  } else if (name == "reject") {
    r = controller_->reject(sid);
  } else if (name == "hangup") {
    r = controller_->hangup(sid);
  } else if (name == "mute") {
    r = controller_->set_mute(sid, on);
  } else if (name == "hold") {
    r = controller_->set_hold(sid, on);
  } else if (name == "ice-restart") {
    r = controller_->restart_ice(sid);
  } else if (name == "dtmf") {
    r = controller_->send_dtmf(sid, arg);
  } else if (name == "camera") {
    r = controller_->set_camera(sid, on);
  } else {
    r = controller_->set_video(sid, on);
  }
  if (!r) {
    print_({{"event", "error"}, {"message", name + " " + sid + ": " + r.error().describe()}});
  }
}

void HeadlessCalls::on_call_stanza(bool outgoing, const signaling::xml::Element& st) {
  auto [what, sid] = classify(st);
  if (what.empty() || sid.empty()) {
    return;
  }
  CallInfo& c = info(sid);
  if (c.direction.empty()) {
    c.direction = outgoing ? "outgoing" : "incoming";
  }
  if (!c.start_ms && (what == "propose" || what == "session-initiate")) {
    c.start_ms = t_ms();
    c.start_mono_ns = mono_ns();
  }
  std::string detail;
  if (const auto* j = st.child("jingle", signaling::jingle::ns::kJingle)) {
    for (const auto& content : j->children) {
      for (const auto& t : content.children) {
        if (t.name == "transport") {
          for (const auto& cand : t.children) {
            if (cand.name == "candidate" && !outgoing) {
              ++c.candidates_received;
            }
          }
        }
      }
      if (content.name == "reason" && !content.children.empty()) {
        detail = content.children.front().name;
      }
    }
  }
  step(c, what + (outgoing ? " sent" : " received"));
  json ev = {{"event", "call-signal"},
             {"sid", sid},
             {"dir", outgoing ? "sent" : "received"},
             {"what", what},
             {"peer", std::string(st.attr_or(outgoing ? "to" : "from", ""))}};
  if (!detail.empty()) {
    ev["reason"] = detail;
  }
  print_(ev);
}

void HeadlessCalls::on_call_output(const jingle::CallOutput& o) {
  namespace co = jingle::call_out;
  if (const auto* in = std::get_if<co::Incoming>(&o)) {
    CallInfo& c = info(in->sid);
    c.direction = "incoming";
    c.peer = in->from.str();
    c.media = in->media;
    current_sid_ = in->sid;
    print_({{"event", "call-incoming"},
            {"sid", in->sid},
            {"from", in->from.str()},
            {"media", media_json(in->media)},
            {"jmi", in->jmi}});
    if (options_.reject) {
      command("reject", in->sid, false);
    } else if (options_.answer) {
      if (options_.answer_delay_ms <= 0) {
        command("accept", in->sid, false);
      } else {
        c.timer = std::make_unique<asio::steady_timer>(
            io_, std::chrono::milliseconds(options_.answer_delay_ms));
        c.timer->async_wait([this, sid = in->sid](const boost::system::error_code& ec) {
          if (!ec) {
            command("accept", sid, false);
          }
        });
      }
    }
    return;
  }
  if (const auto* s = std::get_if<co::StateChanged>(&o)) {
    on_call_state(*s);
    return;
  }
  if (const auto* m = std::get_if<co::Media>(&o)) {
    on_call_media(*m);
  }
}

void HeadlessCalls::on_call_state(const jingle::call_out::StateChanged& s) {
  CallInfo& c = info(s.sid);
  if (!s.peer.str().empty()) {
    c.peer = s.peer.str();
  }
  if (c.direction.empty()) {
    c.direction = "outgoing";
  }
  if (c.media.empty() && c.direction == "outgoing") {
    c.media = next_call_media_;  // what we asked for, until media is configured
  }
  const std::string state(jingle::to_string(s.state));
  step(c, "state " + state);
  json ev = {{"event", "call"},          {"sid", s.sid},
             {"state", state},           {"peer", c.peer},
             {"direction", c.direction}, {"media", media_json(c.media)}};
  if (s.state == jingle::CallState::kEnded) {
    ev["reason"] = s.reason ? std::string(jingle::to_string(s.reason->condition)) : "";
    ev["by"] = s.by_peer ? "peer" : "local";
    ev["detail"] = s.detail;
    if (s.reason && s.reason->text) {
      ev["text"] = *s.reason->text;
    }
  }
  print_(ev);
  if (s.state == jingle::CallState::kActive) {
    if (!c.connected_ms) {
      c.connected_ms = t_ms();
      arm_stats(s.sid);
    }
    if (options_.hangup_after_s) {
      c.timer = std::make_unique<asio::steady_timer>(
          io_,
          std::chrono::milliseconds(static_cast<std::int64_t>(*options_.hangup_after_s * 1000)));
      c.timer->async_wait([this, sid = s.sid](const boost::system::error_code& ec) {
        if (!ec) {
          command("hangup", sid, false);
        }
      });
    }
  }
  if (s.state == jingle::CallState::kEnded) {
    if (c.timer) {
      c.timer->cancel();
    }
    if (c.stats_timer) {
      c.stats_timer->cancel();
    }
    // The summary waits for the call's last statistics (taken as media closed).
    media_->stats(s.sid, [this, s](MediaStats stats) { summarise(s, std::move(stats)); });
  }
}

void HeadlessCalls::summarise(const jingle::call_out::StateChanged& s, MediaStats stats) {
  CallInfo& c = info(s.sid);
  if (c.summarised) {
    return;
  }
  c.summarised = true;
  const bool connected = c.connected_ms.has_value();
  json streams = stats.is_object() ? stats["streams"] : json::array();
  json transports = stats.is_object() ? stats["transports"] : json::array();
  // Audio flowed both ways: we sent packets, the peer's reached us and were decoded.
  bool audio_flowed = false;
  for (const auto& st : streams) {
    if (st.value("packets_sent", 0) > 0 && st.value("packets_received", 0) > 0 &&
        c.first_media_ms) {
      audio_flowed = true;
    }
  }
  // Video flowed both ways: frames went into our encoder and the peer's were decoded here.
  bool has_video = false;
  bool video_flowed = false;
  for (const auto& st : streams) {
    if (!st.contains("video")) {
      continue;
    }
    has_video = true;
    const json& v = st["video"];
    if (v.value("frames_sent", 0) > 0 && v.value("frames_decoded", 0) > 0) {
      video_flowed = true;
    }
  }
  const bool sending_video = options_.video_source.kind != media::VideoSource::Kind::kNone;
  json summary = {{"event", "call-summary"},
                  {"sid", s.sid},
                  {"peer", c.peer},
                  {"direction", c.direction},
                  {"media", media_json(c.media)},
                  {"connected", connected},
                  {"audio_flowed", audio_flowed},
                  {"video_flowed", has_video ? json(video_flowed) : json(nullptr)},
                  {"candidates_sent", c.candidates_sent},
                  {"candidates_received", c.candidates_received},
                  {"timeline", c.timeline},
                  {"streams", streams},
                  {"transport", transports.empty() ? json(nullptr) : transports.front()},
                  {"transports", transports},
                  {"dtmf_received", c.dtmf_received},
                  {"termination",
                   {{"by", s.by_peer ? "peer" : "local"},
                    {"reason", s.reason ? std::string(jingle::to_string(s.reason->condition)) : ""},
                    {"detail", s.detail}}}};
  if (s.reason && s.reason->text) {
    summary["termination"]["text"] = *s.reason->text;
  }
  // setup_ms: from the propose (or session-initiate) to media flowing both ways: the path is
  // up (ICE + DTLS-SRTP) and the peer's audio has been decoded here.
  if (c.first_media_ms && c.start_ms) {
    summary["setup_ms"] = std::max(*c.first_media_ms, c.connected_ms.value_or(0)) - *c.start_ms;
  } else {
    summary["setup_ms"] = nullptr;
  }
  summary["connected_ms"] =
      connected && c.start_ms ? json(*c.connected_ms - *c.start_ms) : json(nullptr);
  // video_setup_ms: the same, to the first decoded video frame.
  if (c.first_video_ms && c.start_ms) {
    summary["video_setup_ms"] =
        std::max(*c.first_video_ms, c.connected_ms.value_or(0)) - *c.start_ms;
  } else {
    summary["video_setup_ms"] = nullptr;
  }
  summary["mono_ns"] = {{"start", c.start_mono_ns},
                        {"first_media", c.first_media_mono_ns},
                        {"first_video", c.first_video_mono_ns}};
  if (stats.is_object() && stats.contains("markers")) {
    summary["markers"] = stats["markers"];
  }
  print_(summary);
  if (c.exit_when_done || (options_.answer_once && c.direction == "incoming")) {
    const bool video_ok = !has_video || !sending_video || video_flowed;
    exit_status_ = connected && audio_flowed && video_ok ? 0 : 1;
    quit_();
  }
}

void HeadlessCalls::on_call_media(const jingle::call_out::Media& m) {
  CallInfo& c = info(m.sid);
  std::visit(
      [&](const auto& out) {
        using T = std::decay_t<decltype(out)>;
        namespace jo = jingle::out;
        if constexpr (std::is_same_v<T, jo::ConfigureMedia>) {
          json contents = json::array();
          c.media.clear();
          for (const auto& nc : out.contents) {
            c.media.push_back(nc.media);
            c.content_media[nc.name] = nc.media;
            json codec_names = json::array();
            for (const auto& codec : nc.codecs.codecs) {
              codec_names.push_back(codec.name);
            }
            contents.push_back(
                {{"name", nc.name},
                 {"media", std::string(codecs::to_string(nc.media))},
                 {"send", nc.send},
                 {"receive", nc.receive},
                 {"codecs", codec_names},
                 {"dtls_role", nc.dtls_role == jingle::DtlsRole::kClient ? "client" : "server"}});
          }
          print_({{"event", "call-media"},
                  {"sid", m.sid},
                  {"what", "configure"},
                  {"contents", contents},
                  {"bundle", out.bundle},
                  {"ice_controlling", out.ice_controlling}});
        } else if constexpr (std::is_same_v<T, jo::RemoteCandidates>) {
          print_({{"event", "call-media"},
                  {"sid", m.sid},
                  {"what", "remote-candidates"},
                  {"content", out.content},
                  {"count", out.candidates.size()},
                  {"end_of_candidates", out.end_of_candidates}});
        } else if constexpr (std::is_same_v<T, jo::RemoveMedia>) {
          print_({{"event", "call-media"},
                  {"sid", m.sid},
                  {"what", "remove"},
                  {"contents", out.contents}});
        } else if constexpr (std::is_same_v<T, jo::IceRestart>) {
          print_({{"event", "call-media"},
                  {"sid", m.sid},
                  {"what", "ice-restart"},
                  {"content", out.content}});
        } else if constexpr (std::is_same_v<T, jo::PeerInfo>) {
          const std::string info_name(signaling::jingle::to_string(out.info.kind));
          step(c, "peer " + info_name);
          print_({{"event", "call-media"},
                  {"sid", m.sid},
                  {"what", "peer-info"},
                  {"info", info_name},
                  {"content", out.info.name}});
        } else if constexpr (std::is_same_v<T, jo::ContentOffered>) {
          print_({{"event", "call-media"},
                  {"sid", m.sid},
                  {"what", "content-offered"},
                  {"content", out.name},
                  {"media", std::string(codecs::to_string(out.media))}});
          if (options_.answer) {
            command("video", m.sid, true);  // accept what the peer adds
          }
        }
      },
      m.output);
}

}  // namespace jcall::app
