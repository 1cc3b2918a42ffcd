// The signaling thread's session (see session.hpp).
#include "app/session.hpp"

#include <chrono>
#include <iostream>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <openssl/ssl.h>

#include "app/headless_calls.hpp"
#include "signaling/xml/parser.hpp"
#include "signaling/xml/serializer.hpp"
#include "signaling/xmpp/client.hpp"

namespace jcall::app {

namespace asio = boost::asio;
namespace xmpp = jcall::signaling::xmpp;
using json = nlohmann::ordered_json;  // keys in the order written: "event" first

namespace {

json roster_item_json(const xmpp::RosterItem& r) {
  return json{{"jid", r.jid.str()},
              {"name", r.name},
              {"subscription", r.subscription},
              {"ask", r.ask},
              {"groups", r.groups}};
}

}  // namespace

class Session::Impl {
 public:
  Impl(const Options& o, Hooks hooks)
      : options_(o), hooks_(std::move(hooks)), signals_(io_), exit_timer_(io_), quit_timer_(io_) {}

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
    calls_ = std::make_unique<HeadlessCalls>(
        io_, *client_, options_, [this](json j) { print(std::move(j)); }, [this] { quit(); });

    if (hooks_.signals) {
      signals_.add(SIGINT);
      signals_.add(SIGTERM);
      signals_.async_wait([this](const boost::system::error_code& ec, int) {
        if (!ec) {
          quit();
        }
      });
    }
    if (options_.exit_after_s) {
      exit_timer_.expires_after(
          std::chrono::milliseconds(static_cast<std::int64_t>(*options_.exit_after_s * 1000)));
      exit_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
          quit();
        }
      });
    }
    if (hooks_.video) {
      calls_->set_video_hook(hooks_.video);
    }
    if (hooks_.devices && calls_->media() != nullptr) {
      calls_->media()->watch_devices(hooks_.devices);
    }
    print({{"event", "connecting"}, {"jid", jid->str()}});
    client_->start();
    // The session lives until finish(), even while nothing is pending on the io_context (a DNS
    // SRV lookup runs on a thread of its own; the window leaves signals to SDL).
    auto work = asio::make_work_guard(io_);
    io_.run();
    if (const auto status = calls_->exit_status()) {
      return *status;
    }
    return logged_in_ ? 0 : 1;
  }

  void post_command(std::string line) {
    asio::post(io_, [this, line = std::move(line)] { on_command(line); });
  }
  void post_quit() {
    asio::post(io_, [this] { quit(); });
  }
  void post_stop() {
    asio::post(io_, [this] {
      if (client_) {
        client_->stop();
      }
      finish();
    });
  }

 private:
  void print(json j) {
    j["t_ms"] = t_ms();
    if (hooks_.event) {
      hooks_.event(j);
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
      calls_->start_call(options_.call, options_.video, /*exit_when_done=*/true);
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
           {"retry_in_ms", e.retry_in.count()},
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
    print({{"event", "sent"}, {"to", j->str()}, {"id", id}, {"body", body}});
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
      calls_->start_call(str("to"), video, false);
    } else if (name == "accept" || name == "reject" || name == "hangup" || name == "mute" ||
               name == "hold" || name == "video" || name == "dtmf" || name == "ice-restart" ||
               name == "camera") {
      calls_->command(name, str("sid"), cmd.contains("on") && cmd["on"].is_boolean() && cmd["on"],
                      str("digits"));
    } else if (name == "devices") {
      // The microphone, speaker and camera of the next calls (audio-source, audio-sink,
      // video-source: the command line's forms); what is not given stays.
      if (calls_->media() == nullptr) {
        print({{"event", "error"}, {"message", "devices: no media engine"}});
        return;
      }
      const std::string a =
          str("audio-source").empty() ? options_.audio_source : str("audio-source");
      const std::string k = str("audio-sink").empty() ? options_.audio_sink : str("audio-sink");
      auto source = media::parse_audio_source(a);
      auto sink = media::parse_audio_sink(k);
      auto video = str("video-source").empty() ? Result<media::VideoSource>(options_.video_source)
                                               : media::parse_video_source(str("video-source"));
      for (const Error* e : {source ? nullptr : &source.error(), sink ? nullptr : &sink.error(),
                             video ? nullptr : &video.error()}) {
        if (e != nullptr) {
          print({{"event", "error"}, {"message", "devices: " + e->describe()}});
          return;
        }
      }
      calls_->media()->set_devices(*source, *sink, *video);
      print({{"event", "devices"},
             {"audio_source", a},
             {"audio_sink", k},
             {"video_source", str("video-source").empty() ? "(unchanged)" : str("video-source")}});
    } else if (name == "drop-connection") {
      // For tests: drop the TCP connection abruptly (RST), as a network failure would.
      client_->connection().drop_for_test();
    } else if (name == "status") {
      print({{"event", "status"},
             {"online", client_->online()},
             {"unacked", client_->unacked()},
             {"inbound", client_->connection().stream().inbound_count()},
             {"roster_size", client_->roster().size()}});
    } else if (hooks_.command && hooks_.command(cmd)) {
      // the window's command
    } else {
      print({{"event", "error"}, {"message", "unknown command '" + name + "'"}});
    }
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
  Hooks hooks_;
  asio::io_context io_;
  asio::signal_set signals_;
  asio::steady_timer exit_timer_;
  asio::steady_timer quit_timer_;
  std::unique_ptr<xmpp::Client> client_;
  std::unique_ptr<HeadlessCalls> calls_;
  bool logged_in_ = false;
  bool did_initial_commands_ = false;
  bool quitting_ = false;
  std::chrono::steady_clock::time_point quit_deadline_;
};

Session::Session(const Options& options, Hooks hooks)
    : impl_(std::make_unique<Impl>(options, std::move(hooks))) {}
Session::~Session() = default;
int Session::run() {
  return impl_->run();
}
void Session::post_command(std::string line) {
  impl_->post_command(std::move(line));
}
void Session::post_quit() {
  impl_->post_quit();
}
void Session::post_stop() {
  impl_->post_stop();
}

}  // namespace jcall::app
