#include "app/headless.hpp"

#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <poll.h>
#include <thread>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>

#include "app/call_controller.hpp"
#include "app/test_transport.hpp"
#include "signaling/jingle/jmi.hpp"
#include "signaling/jingle/ns.hpp"
#include "signaling/xml/parser.hpp"
#include "signaling/xml/serializer.hpp"
#include "signaling/xmpp/client.hpp"

namespace jcall::app {
namespace {

namespace asio = boost::asio;
namespace xmpp = jcall::signaling::xmpp;
namespace jingle = jcall::signaling::jingle;
using json = nlohmann::ordered_json;  // keys in the order written: "event" first

const auto kStart = std::chrono::steady_clock::now();

std::int64_t t_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               kStart)
      .count();
}

// Reads stdin lines on a thread of its own and posts each to the signaling thread.
class StdinReader {
 public:
  StdinReader(asio::io_context& io,
              std::function<void(std::string)> on_line,
              std::function<void()> on_eof)
      : thread_([this, &io, on_line = std::move(on_line), on_eof = std::move(on_eof)] {
          std::string buffer;
          char chunk[4096];
          while (!stop_) {
            pollfd pfd{STDIN_FILENO, POLLIN, 0};
            const int r = ::poll(&pfd, 1, 100);
            if (r < 0 && errno != EINTR) {
              break;
            }
            if (r <= 0) {
              continue;
            }
            const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof(chunk));
            if (n <= 0) {
              break;
            }
            buffer.append(chunk, static_cast<std::size_t>(n));
            std::size_t nl;
            while ((nl = buffer.find('\n')) != std::string::npos) {
              asio::post(io, [on_line, line = buffer.substr(0, nl)] { on_line(line); });
              buffer.erase(0, nl + 1);
            }
          }
          if (!stop_) {
            asio::post(io, on_eof);
          }
        }) {}
  ~StdinReader() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

json roster_item_json(const xmpp::RosterItem& r) {
  return json{{"jid", r.jid.str()},
              {"name", r.name},
              {"subscription", r.subscription},
              {"ask", r.ask},
              {"groups", r.groups}};
}

std::string rtp_info_name(signaling::jingle::RtpInfo::Kind k) {
  using K = signaling::jingle::RtpInfo::Kind;
  switch (k) {
    case K::kActive:
      return "active";
    case K::kHold:
      return "hold";
    case K::kUnhold:
      return "unhold";
    case K::kMute:
      return "mute";
    case K::kUnmute:
      return "unmute";
    case K::kRinging:
      return "ringing";
  }
  return "unknown";
}

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

class Headless {
 public:
  explicit Headless(const Options& o)
      : options_(o),
        signals_(io_, SIGINT, SIGTERM),
        exit_timer_(io_),
        quit_timer_(io_),
        transport_(io_) {}

  int run() {
    auto jid = xmpp::Jid::parse(options_.jid);
    if (!jid) {
      print({{"event", "error"}, {"message", jid.error().message}});
      return 2;
    }
    xmpp::ClientConfig config;
    config.connection.stream.jid = *jid;
    config.connection.stream.password = options_.password;
    config.connection.cafile = options_.cafile;
    config.connection.reconnect = options_.reconnect;
    config.connection.max_attempts = options_.max_attempts;
    if (options_.tls_max_version == "1.2") {
      config.connection.tls_max_version = TLS1_2_VERSION;
    } else if (options_.tls_max_version == "1.3") {
      config.connection.tls_max_version = TLS1_3_VERSION;
    }
    if (options_.server) {
      config.connection.server =
          xmpp::Target{options_.server->first, options_.server->second, false};
    }
    config.auto_approve_subscriptions = options_.auto_approve;
    if (options_.trace_xml) {
      config.connection.trace = [](bool out, std::string_view xml) {
        std::cerr << (out ? "SEND " : "RECV ") << t_ms() << " " << xml << std::endl;
      };
    }
    client_ = std::make_unique<xmpp::Client>(io_, std::move(config),
                                             [this](xmpp::ClientEvent e) { on_event(e); });
    make_call_controller();

    signals_.async_wait([this](const boost::system::error_code& ec, int) {
      if (!ec) {
        quit();
      }
    });
    if (options_.exit_after_s) {
      exit_timer_.expires_after(
          std::chrono::milliseconds(static_cast<std::int64_t>(*options_.exit_after_s * 1000)));
      exit_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
          quit();
        }
      });
    }
    print({{"event", "connecting"}, {"jid", jid->str()}});
    client_->start();
    StdinReader stdin_reader(
        io_, [this](std::string line) { on_command(line); }, [] {});
    io_.run();
    if (call_exit_status_) {
      return *call_exit_status_;
    }
    return logged_in_ ? 0 : 1;
  }

 private:
  void print(json j) {
    j["t_ms"] = t_ms();
    if (options_.json) {
      std::cout << j.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
    } else {
      std::cout << j.value("event", "") << ": "
                << j.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
    }
  }

  void on_event(const xmpp::ClientEvent& ev) {
    std::visit([this](const auto& e) { handle(e); }, ev);
  }

  void handle(const xmpp::event::Online& e) {
    logged_in_ = true;
    print({{"event", "connected"},
           {"jid", e.jid.str()},
           {"resumed", e.resumed},
           {"stream_management", e.stream_management},
           {"tls", e.tls_version},
           {"sasl", e.sasl_mechanism}});
    calls_->on_online(e.jid, e.resumed);
    if (e.resumed || did_initial_commands_) {
      return;
    }
    did_initial_commands_ = true;
    if (!options_.show.empty() || !options_.status.empty()) {
      client_->set_presence(options_.show, options_.status);
    }
    for (const auto& s : options_.subscribe) {
      if (auto j = xmpp::Jid::parse(s)) {
        client_->subscribe(*j);
      } else {
        print({{"event", "error"}, {"message", j.error().message}});
      }
    }
    for (const auto& [to, body] : options_.messages) {
      send_message(to, body);
    }
    if (!options_.call.empty()) {
      start_call(options_.call, options_.video, /*exit_when_done=*/true);
    }
  }
  void handle(const xmpp::event::Roster& e) {
    json items = json::array();
    for (const auto& r : e.items) {
      items.push_back(roster_item_json(r));
    }
    print({{"event", "roster"}, {"push", e.push}, {"items", items}});
  }
  void handle(const xmpp::event::Presence& e) {
    print({{"event", "presence"},
           {"from", e.from.str()},
           {"type", e.type.empty() ? "available" : e.type},
           {"show", e.show},
           {"status", e.status},
           {"priority", e.priority},
           {"caps_ver", e.caps_ver}});
  }
  void handle(const xmpp::event::Subscription& e) {
    print({{"event", "subscription"}, {"from", e.from.str()}, {"type", e.type}});
  }
  void handle(const xmpp::event::Message& e) {
    const auto& m = e.message;
    print({{"event", "message"},
           {"from", m.from.str()},
           {"to", m.to.str()},
           {"id", m.id},
           {"origin_id", m.origin_id},
           {"type", m.type},
           {"body", m.body},
           {"carbon", m.carbon == xmpp::ChatMessage::Carbon::kNone       ? "none"
                      : m.carbon == xmpp::ChatMessage::Carbon::kReceived ? "received"
                                                                         : "sent"}});
  }
  void handle(const xmpp::event::ChatState& e) {
    print({{"event", "chatstate"}, {"from", e.from.str()}, {"state", e.state}});
  }
  void handle(const xmpp::event::Receipt& e) {
    print({{"event", "receipt"}, {"from", e.from.str()}, {"id", e.id}});
  }
  void handle(const xmpp::event::StanzaError& e) {
    print({{"event", "error"},
           {"stanza", e.stanza},
           {"from", e.from.str()},
           {"id", e.id},
           {"condition", e.condition},
           {"message", e.stanza + " from " + e.from.str() + " failed: " + e.condition}});
  }
  void handle(const xmpp::event::Disconnected& e) {
    print({{"event", "disconnected"},
           {"reason", e.reason.describe()},
           {"code", e.reason.code.message()},
           {"will_retry", e.will_retry},
           {"unacked", client_->unacked()}});
    if (!e.will_retry) {
      finish();
    }
  }

  void send_message(const std::string& to, const std::string& body) {
    auto j = xmpp::Jid::parse(to);
    if (!j) {
      print({{"event", "error"}, {"message", j.error().message}});
      return;
    }
    const std::string id = client_->send_message(*j, body);
    print({{"event", "sent"}, {"to", j->str()}, {"id", id}});
  }

  void on_command(const std::string& line) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      return;
    }
    json cmd = json::parse(line, nullptr, false);
    if (cmd.is_discarded() || !cmd.is_object() || !cmd.contains("cmd") || !cmd["cmd"].is_string()) {
      print({{"event", "error"}, {"message", "not a JSON command object: " + line}});
      return;
    }
    const std::string name = cmd["cmd"];
    auto str = [&](const char* key) {
      return cmd.contains(key) && cmd[key].is_string() ? cmd[key].get<std::string>()
                                                       : std::string();
    };
    auto jid_arg = [&](const char* key) -> std::optional<xmpp::Jid> {
      auto j = xmpp::Jid::parse(str(key));
      if (!j) {
        print({{"event", "error"}, {"message", name + ": " + j.error().message}});
        return std::nullopt;
      }
      return *j;
    };
    if (name == "quit") {
      quit();
    } else if (name == "message") {
      send_message(str("to"), str("body"));
    } else if (name == "chatstate") {
      if (auto j = jid_arg("to")) {
        client_->send_chat_state(*j, str("state"));
      }
    } else if (name == "subscribe") {
      if (auto j = jid_arg("to")) {
        client_->subscribe(*j);
      }
    } else if (name == "approve") {
      if (auto j = jid_arg("to")) {
        client_->approve(*j);
      }
    } else if (name == "deny" || name == "cancel") {  // RFC 6121 §3.2 and §3.4: both 'unsubscribed'
      if (auto j = jid_arg("to")) {
        client_->deny(*j);
      }
    } else if (name == "unsubscribe") {
      if (auto j = jid_arg("to")) {
        client_->unsubscribe(*j);
      }
    } else if (name == "roster-add") {
      if (auto j = jid_arg("jid")) {
        std::vector<std::string> groups;
        if (cmd.contains("groups") && cmd["groups"].is_array()) {
          for (const auto& g : cmd["groups"]) {
            if (g.is_string()) {
              groups.push_back(g.get<std::string>());
            }
          }
        }
        client_->roster_add(*j, str("name"), std::move(groups));
      }
    } else if (name == "roster-remove") {
      if (auto j = jid_arg("jid")) {
        client_->roster_remove(*j);
      }
    } else if (name == "presence") {
      client_->set_presence(str("show"), str("status"));
    } else if (name == "external-services") {
      client_->external_services([this](Result<std::vector<xmpp::ExternalService>> r) {
        if (!r) {
          print({{"event", "error"}, {"message", r.error().describe()}});
          return;
        }
        json list = json::array();
        for (const auto& s : *r) {
          list.push_back({{"type", s.type},
                          {"host", s.host},
                          {"port", s.port},
                          {"transport", s.transport},
                          {"username", s.username},
                          {"has_password", !s.password.empty()},
                          {"restricted", s.restricted}});
        }
        print({{"event", "external_services"}, {"services", list}});
      });
    } else if (name == "iq" || name == "raw") {
      // For interop testing: send any stanza; an IQ's answer is printed as an event.
      auto stanza = signaling::xml::parse_element(str("xml"));
      if (!stanza) {
        print({{"event", "error"}, {"message", name + ": " + stanza.error().message}});
        return;
      }
      if (name == "raw") {
        client_->send_raw_stanza(std::move(stanza).value());
        return;
      }
      if (stanza->name != "iq") {
        print({{"event", "error"}, {"message", "iq: the XML is not an <iq/>"}});
        return;
      }
      client_->send_iq(std::move(stanza).value(), [this](Result<signaling::xml::Element> r) {
        if (r) {
          print({{"event", "iq_result"},
                 {"ok", true},
                 {"id", std::string(r->attr_or("id", ""))},
                 {"xml", signaling::xml::to_string(*r, "jabber:client")}});
        } else {
          print({{"event", "iq_result"}, {"ok", false}, {"error", r.error().describe()}});
        }
      });
    } else if (name == "call") {
      const bool video = cmd.contains("video") && cmd["video"].is_boolean() && cmd["video"];
      start_call(str("to"), video, false);
    } else if (name == "accept" || name == "reject" || name == "hangup" || name == "mute" ||
               name == "hold" || name == "video") {
      call_command(name, str("sid"), cmd.contains("on") && cmd["on"].is_boolean() && cmd["on"]);
    } else if (name == "drop-connection") {
      // For tests: drop the TCP connection abruptly (RST), as a network failure would.
      client_->connection().drop_for_test();
    } else if (name == "status") {
      print({{"event", "status"},
             {"online", client_->online()},
             {"unacked", client_->unacked()},
             {"inbound", client_->connection().stream().inbound_count()},
             {"roster_size", client_->roster().size()}});
    } else {
      print({{"event", "error"}, {"message", "unknown command '" + name + "'"}});
    }
  }

  // ---- calls ----

  struct CallInfo {
    std::string sid;
    std::string peer;
    std::string direction;  // outgoing | incoming
    std::vector<codecs::MediaType> media;
    std::optional<std::int64_t> start_ms;  // first propose or session-initiate
    std::optional<std::int64_t> connected_ms;
    json timeline = json::array();
    int candidates_sent = 0;
    int candidates_received = 0;
    bool exit_when_done = false;
    std::unique_ptr<asio::steady_timer> timer;  // answer delay, or hang up after
  };

  void make_call_controller() {
    jingle::CallManagerConfig config;
    if (!options_.audio_codecs.empty()) {
      config.preferences.audio = options_.audio_codecs;
    }
    if (!options_.video_codecs.empty()) {
      config.preferences.video = options_.video_codecs;
    }
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
      CallInfo& c = info(sid);
      if (what == "local-candidate") {
        ++c.candidates_sent;
      }
      if (what == "transport-connected" || what == "transport-failed") {
        step(c, what + " " + content);
      }
      print({{"event", "call-media"},
             {"sid", sid},
             {"what", what},
             {"content", content},
             {"detail", detail}});
    };
    calls_ = std::make_unique<CallController>(io_, *client_, std::move(config), transport_,
                                              std::move(observer));
    calls_->set_always_busy(options_.busy);
  }

  CallInfo& info(const std::string& sid) {
    auto& c = call_info_[sid];
    c.sid = sid;
    return c;
  }

  void step(CallInfo& c, const std::string& what) {
    c.timeline.push_back({{"step", what}, {"t_ms", t_ms()}});
  }

  void start_call(const std::string& to, bool video, bool exit_when_done) {
    auto j = xmpp::Jid::parse(to);
    if (!j) {
      print({{"event", "error"}, {"message", "call: " + j.error().message}});
      if (exit_when_done) {
        call_exit_status_ = 1;
        quit();
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
    calls_->call(*j, o, [this, exit_when_done, to](Result<std::string> sid) {
      if (!sid) {
        print({{"event", "error"}, {"message", "call " + to + ": " + sid.error().describe()}});
        if (exit_when_done) {
          call_exit_status_ = 1;
          quit();
        }
        return;
      }
      CallInfo& c = info(*sid);
      c.direction = "outgoing";
      c.exit_when_done = exit_when_done;
      current_sid_ = *sid;
      print({{"event", "call-started"}, {"sid", *sid}, {"to", to}});
    });
  }

  void call_command(const std::string& name, std::string sid, bool on) {
    if (sid.empty()) {
      sid = current_sid_;
    }
    Result<void> r;
    if (name == "accept") {
      r = calls_->accept(sid);
    } else if (name == "reject") {
      r = calls_->reject(sid);
    } else if (name == "hangup") {
      r = calls_->hangup(sid);
    } else if (name == "mute") {
      r = calls_->set_mute(sid, on);
    } else if (name == "hold") {
      r = calls_->set_hold(sid, on);
    } else {
      r = calls_->set_video(sid, on);
    }
    if (!r) {
      print({{"event", "error"}, {"message", name + " " + sid + ": " + r.error().describe()}});
    }
  }

  void on_call_stanza(bool outgoing, const signaling::xml::Element& st) {
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
    print(ev);
  }

  void on_call_output(const jingle::CallOutput& o) {
    namespace co = jingle::call_out;
    if (const auto* in = std::get_if<co::Incoming>(&o)) {
      CallInfo& c = info(in->sid);
      c.direction = "incoming";
      c.peer = in->from.str();
      c.media = in->media;
      current_sid_ = in->sid;
      print({{"event", "call-incoming"},
             {"sid", in->sid},
             {"from", in->from.str()},
             {"media", media_json(in->media)},
             {"jmi", in->jmi}});
      if (options_.reject) {
        call_command("reject", in->sid, false);
      } else if (options_.answer) {
        if (options_.answer_delay_ms <= 0) {
          call_command("accept", in->sid, false);
        } else {
          c.timer = std::make_unique<asio::steady_timer>(
              io_, std::chrono::milliseconds(options_.answer_delay_ms));
          c.timer->async_wait([this, sid = in->sid](const boost::system::error_code& ec) {
            if (!ec) {
              call_command("accept", sid, false);
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

  void on_call_state(const jingle::call_out::StateChanged& s) {
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
    print(ev);
    if (s.state == jingle::CallState::kActive) {
      if (!c.connected_ms) {
        c.connected_ms = t_ms();
      }
      if (options_.hangup_after_s) {
        c.timer = std::make_unique<asio::steady_timer>(
            io_,
            std::chrono::milliseconds(static_cast<std::int64_t>(*options_.hangup_after_s * 1000)));
        c.timer->async_wait([this, sid = s.sid](const boost::system::error_code& ec) {
          if (!ec) {
            call_command("hangup", sid, false);
          }
        });
      }
    }
    if (s.state == jingle::CallState::kEnded) {
      if (c.timer) {
        c.timer->cancel();
      }
      const bool connected = c.connected_ms.has_value();
      json summary = {
          {"event", "call-summary"},
          {"sid", s.sid},
          {"peer", c.peer},
          {"direction", c.direction},
          {"media", media_json(c.media)},
          {"connected", connected},
          {"candidates_sent", c.candidates_sent},
          {"candidates_received", c.candidates_received},
          {"timeline", c.timeline},
          {"termination",
           {{"by", s.by_peer ? "peer" : "local"},
            {"reason", s.reason ? std::string(jingle::to_string(s.reason->condition)) : ""},
            {"detail", s.detail}}}};
      if (connected && c.start_ms) {
        summary["setup_ms"] = *c.connected_ms - *c.start_ms;
      } else {
        summary["setup_ms"] = nullptr;
      }
      print(summary);
      if (c.exit_when_done || (options_.answer_once && c.direction == "incoming")) {
        call_exit_status_ = connected ? 0 : 1;
        quit();
      }
    }
  }

  void on_call_media(const jingle::call_out::Media& m) {
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
            print({{"event", "call-media"},
                   {"sid", m.sid},
                   {"what", "configure"},
                   {"contents", contents},
                   {"bundle", out.bundle},
                   {"ice_controlling", out.ice_controlling}});
          } else if constexpr (std::is_same_v<T, jo::RemoteCandidates>) {
            print({{"event", "call-media"},
                   {"sid", m.sid},
                   {"what", "remote-candidates"},
                   {"content", out.content},
                   {"count", out.candidates.size()},
                   {"end_of_candidates", out.end_of_candidates}});
          } else if constexpr (std::is_same_v<T, jo::RemoveMedia>) {
            print({{"event", "call-media"},
                   {"sid", m.sid},
                   {"what", "remove"},
                   {"contents", out.contents}});
          } else if constexpr (std::is_same_v<T, jo::IceRestart>) {
            print({{"event", "call-media"},
                   {"sid", m.sid},
                   {"what", "ice-restart"},
                   {"content", out.content}});
          } else if constexpr (std::is_same_v<T, jo::PeerInfo>) {
            const std::string info_name = rtp_info_name(out.info.kind);
            step(c, "peer " + info_name);
            print({{"event", "call-media"},
                   {"sid", m.sid},
                   {"what", "peer-info"},
                   {"info", info_name},
                   {"content", out.info.name}});
          } else if constexpr (std::is_same_v<T, jo::ContentOffered>) {
            print({{"event", "call-media"},
                   {"sid", m.sid},
                   {"what", "content-offered"},
                   {"content", out.name},
                   {"media", std::string(codecs::to_string(out.media))}});
            if (options_.answer) {
              call_command("video", m.sid, true);  // accept what the peer adds
            }
          }
        },
        m.output);
  }

  // Logs out: first waits (bounded) until the server acknowledged what we sent, so that a
  // quit right after a message does not lose it.
  void quit() {
    if (quitting_) {
      return;
    }
    quitting_ = true;
    quit_deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    poll_quit();
  }

  void poll_quit() {
    if (client_->online() && client_->unacked() > 0 &&
        std::chrono::steady_clock::now() < quit_deadline_) {
      quit_timer_.expires_after(std::chrono::milliseconds(20));
      quit_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
          poll_quit();
        }
      });
      return;
    }
    client_->stop();
    // If the server never confirms the close, the stream's own 5 s bound ends it.
  }

  void finish() {
    signals_.cancel();
    exit_timer_.cancel();
    quit_timer_.cancel();
    io_.stop();
  }

  const Options& options_;
  asio::io_context io_;
  asio::signal_set signals_;
  asio::steady_timer exit_timer_;
  asio::steady_timer quit_timer_;
  std::unique_ptr<xmpp::Client> client_;
  TestTransport transport_;  // the media seam until real media exists (test_transport.hpp)
  std::unique_ptr<CallController> calls_;
  std::map<std::string, CallInfo> call_info_;
  std::string current_sid_;
  std::optional<int> call_exit_status_;
  std::vector<codecs::MediaType> next_call_media_;
  bool logged_in_ = false;
  bool did_initial_commands_ = false;
  bool quitting_ = false;
  std::chrono::steady_clock::time_point quit_deadline_;
};

}  // namespace

int run_headless(const Options& options) {
  Headless h(options);
  return h.run();
}

}  // namespace jcall::app
