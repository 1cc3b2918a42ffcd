// XEP-0166 / XEP-0353 call controller: the adapter around jingle::CallManager (see the header).
#include "app/call_controller.hpp"

#include <algorithm>
#include <random>

#include "base/random.hpp"
#include "signaling/jingle/jmi.hpp"
#include "signaling/jingle/ns.hpp"
#include "signaling/xmpp/caps.hpp"
#include "signaling/xmpp/ns.hpp"

namespace jcall::app {

namespace asio = boost::asio;
using jingle::CallManager;

namespace {

jingle::TimePoint now() {
  return jingle::Clock::now();
}

Error offline() {
  return make_error(std::make_error_code(std::errc::not_connected), "not online");
}

constexpr std::string_view kJmiFeature = "urn:xmpp:jingle-message:0";  // XEP-0353 §7

}  // namespace

CallController::CallController(asio::io_context& io,
                               xmpp::Client& client,
                               jingle::CallManagerConfig config,
                               MediaBackend& media,
                               Observer observer)
    : io_(io),
      client_(client),
      config_(std::move(config)),
      media_(media),
      observer_(std::move(observer)),
      timer_(io) {
  if (!config_.make_id) {
    // Distinct from the client's own ids ("jc..."), so answers are told apart at a glance.
    config_.make_id = [prefix = "call-" + random_token(6) + "-", n = std::uint64_t{0}]() mutable {
      return prefix + std::to_string(++n);
    };
  }
  xmpp::CallHooks hooks;
  hooks.iq = [this](const signaling::xml::Element& iq) { return on_iq(iq); };
  hooks.jmi_message = [this](const signaling::xml::Element& m, xmpp::ChatMessage::Carbon c) {
    return on_jmi_message(m, c);
  };
  client_.set_call_hooks(std::move(hooks));

  MediaEvents events;
  events.local_candidate = [this](const std::string& sid, const std::string& content,
                                  jingle::Candidate c) {
    if (observer_.media) {
      observer_.media(sid, content, "local-candidate", c.ip + ":" + std::to_string(c.port));
    }
    if (manager_) {
      manager_->local_candidate(sid, content, std::move(c), now());
      pump();
    }
  };
  events.gathering_done = [this](const std::string& sid, const std::string& content) {
    if (observer_.media) {
      observer_.media(sid, content, "gathering-done", "");
    }
    if (manager_) {
      manager_->gathering_done(sid, content, now());
      pump();
    }
  };
  events.connected = [this](const std::string& sid, const std::string& content) {
    if (observer_.media) {
      observer_.media(sid, content, "transport-connected", "");
    }
    if (manager_) {
      manager_->transport_connected(sid, content, now());
      pump();
    }
  };
  events.failed = [this](const std::string& sid, const std::string& content, const std::string& why,
                         jingle::Condition condition) {
    if (observer_.media) {
      observer_.media(sid, content, "transport-failed", why);
    }
    if (manager_) {
      manager_->transport_failed(sid, content, why, now(), condition);
      pump();
    }
  };
  events.ice_restarted = [this](const std::string& sid, const std::string& content,
                                jingle::LocalTransport t) {
    if (observer_.media) {
      observer_.media(sid, content, "ice-restarted", "");
    }
    if (manager_) {
      manager_->ice_restarted(sid, content, std::move(t), now());
      pump();
    }
  };
  events.first_media = [this](const std::string& sid, const std::string& content) {
    if (observer_.media) {
      observer_.media(sid, content, "first-media", "");
    }
  };
  events.dtmf = [this](const std::string& sid, const std::string& content, char digit) {
    if (observer_.media) {
      observer_.media(sid, content, "dtmf", std::string(1, digit));
    }
  };
  events.media_error = [this](const std::string& sid, const std::string& why) {
    if (observer_.media) {
      observer_.media(sid, "", "media-error", why);
    }
  };
  media_.set_events(std::move(events));
}

CallController::~CallController() {
  alive_.reset();
  timer_.cancel();
  client_.set_call_hooks({});
  media_.set_events({});
}

void CallController::on_online(const xmpp::Jid& self, bool resumed) {
  if (resumed && manager_) {
    return;  // the same session: calls go on
  }
  if (manager_) {
    // A new XMPP session (not resumed): the peers can no longer reach the calls of the old
    // one, so they are over; the user is told so.
    for (const auto& sid : manager_->active_calls()) {
      media_.close(sid);
      if (observer_.output) {
        jingle::call_out::StateChanged ended;
        ended.sid = sid;
        ended.state = jingle::CallState::kEnded;
        ended.reason = jingle::Reason{};
        ended.reason->condition = jingle::Condition::kConnectivityError;
        ended.detail = "connection lost";
        observer_.output(ended);
      }
    }
  }
  config_.self = self;
  manager_ = std::make_unique<CallManager>(config_);
  manager_->set_busy_policy(reject_when_busy_);
}

void CallController::set_busy_policy(bool reject_when_busy) {
  reject_when_busy_ = reject_when_busy;
  if (manager_) {
    manager_->set_busy_policy(reject_when_busy);
  }
}

std::vector<std::string> CallController::active_calls() const {
  return manager_ ? manager_->active_calls() : std::vector<std::string>{};
}

void CallController::send(signaling::xml::Element stanza) {
  if (observer_.stanza) {
    observer_.stanza(true, stanza);
  }
  client_.send_raw_stanza(std::move(stanza));
}

// --busy: a new call (a propose, or a session-initiate) is answered with <busy/> here, before
// the call logic sees it (XEP-0353 §3.2 reject; XEP-0166 §6.7 session-terminate). Anything
// else about such a call (its retract, our terminate's answer) finds no call there and is
// ignored by the call logic.
bool CallController::refuse_busy(const signaling::xml::Element& stanza, bool carbon) {
  if (!always_busy_ || carbon) {
    return false;
  }
  const std::string from(stanza.attr_or("from", ""));
  auto peer = xmpp::Jid::parse(from);
  if (!peer) {
    return false;
  }
  jingle::Reason busy;
  busy.condition = jingle::Condition::kBusy;
  if (stanza.name == "message") {
    const auto* payload = jingle::JmiMessage::find_in(stanza);
    if (payload == nullptr) {
      return false;
    }
    auto propose = jingle::JmiMessage::from_xml(*payload);
    if (!propose || propose->kind != jingle::JmiMessage::Kind::kPropose) {
      return false;
    }
    jingle::JmiMessage reject;
    reject.kind = jingle::JmiMessage::Kind::kReject;
    reject.id = propose->id;
    reject.reason = busy;
    const std::string id = config_.make_id();
    signaling::xml::Element m("message", std::string(xmpp::ns::kClient));
    m.set_attr("to", peer->bare_str()).set_attr("type", "chat").set_attr("id", id);
    m.add("origin-id", std::string(xmpp::ns::kStanzaId)).set_attr("id", id);
    m.add(reject.to_xml());
    m.add("store", std::string(xmpp::ns::kHints));
    if (observer_.stanza) {
      observer_.stanza(false, stanza);
    }
    send(std::move(m));
    return true;
  }
  const auto* j = stanza.child("jingle", jingle::ns::kJingle);
  if (stanza.attr_or("type", "") != "set" || j == nullptr ||
      j->attr_or("action", "") != "session-initiate" || j->attr_or("sid", "").empty()) {
    return false;
  }
  if (observer_.stanza) {
    observer_.stanza(false, stanza);
  }
  signaling::xml::Element result("iq", std::string(xmpp::ns::kClient));
  result.set_attr("type", "result").set_attr("to", from).set_attr("id", stanza.attr_or("id", ""));
  client_.send_raw_stanza(std::move(result));
  jingle::Jingle terminate;
  terminate.action = jingle::Action::kSessionTerminate;
  terminate.sid = std::string(j->attr_or("sid", ""));
  terminate.reason = busy;
  signaling::xml::Element iq("iq", std::string(xmpp::ns::kClient));
  iq.set_attr("type", "set").set_attr("to", from).set_attr("id", config_.make_id());
  iq.add(terminate.to_xml());
  send(std::move(iq));
  return true;
}

bool CallController::on_iq(const signaling::xml::Element& iq) {
  if (!manager_) {
    return false;
  }
  if (refuse_busy(iq, false)) {
    return true;
  }
  const bool handled = manager_->handle_stanza(iq, now());
  if (handled && observer_.stanza) {
    observer_.stanza(false, iq);
  }
  pump();
  return handled;
}

bool CallController::on_jmi_message(const signaling::xml::Element& m,
                                    xmpp::ChatMessage::Carbon carbon) {
  if (!manager_) {
    return false;
  }
  const CallManager::Carbon c =
      carbon == xmpp::ChatMessage::Carbon::kReceived ? CallManager::Carbon::kReceived
      : carbon == xmpp::ChatMessage::Carbon::kSent   ? CallManager::Carbon::kSent
                                                     : CallManager::Carbon::kNone;
  if (refuse_busy(m, c != CallManager::Carbon::kNone)) {
    return true;
  }
  const bool handled = manager_->handle_stanza(m, now(), c);
  if (handled && observer_.stanza) {
    observer_.stanza(false, m);
  }
  pump();
  return handled;
}

void CallController::call(const xmpp::Jid& to,
                          jingle::CallOptions options,
                          std::function<void(Result<std::string>)> done) {
  if (!manager_) {
    done(offline());
    return;
  }
  auto start = [this, to, done](jingle::CallOptions o) {
    if (!manager_) {
      done(offline());
      return;
    }
    auto sid = manager_->call(to, o, now());
    pump();
    done(std::move(sid));
  };
  // XEP-0353 §3.1: to a device (full JID), a propose only if its caps say it understands one.
  if (options.jmi == jingle::CallOptions::Jmi::kAuto && !to.resource().empty()) {
    std::weak_ptr<bool> alive = alive_;
    client_.peer_features(to, [alive, start, options](Result<xmpp::DiscoInfo> info) mutable {
      if (alive.expired()) {
        return;
      }
      options.peer_supports_jmi = info && xmpp::has_feature(*info, kJmiFeature);
      start(options);
    });
    return;
  }
  start(options);
}

Result<void> CallController::run(Result<void> r) {
  pump();
  return r;
}

Result<void> CallController::accept(const std::string& sid) {
  if (!manager_) {
    return offline();
  }
  return run(manager_->accept(sid, now()));
}
Result<void> CallController::reject(const std::string& sid) {
  if (!manager_) {
    return offline();
  }
  return run(manager_->reject(sid, now()));
}
Result<void> CallController::hangup(const std::string& sid) {
  if (!manager_) {
    return offline();
  }
  return run(manager_->hangup(sid, now()));
}
Result<void> CallController::set_mute(const std::string& sid, bool on) {
  if (!manager_) {
    return offline();
  }
  auto r = run(manager_->set_mute(sid, on, now()));
  if (r) {
    media_.set_muted(sid, on);
  }
  return r;
}
Result<void> CallController::set_hold(const std::string& sid, bool on) {
  if (!manager_) {
    return offline();
  }
  auto r = run(manager_->set_hold(sid, on, now()));
  if (r) {
    media_.set_on_hold(sid, on);
  }
  return r;
}
Result<void> CallController::set_camera(const std::string& sid, bool on) {
  if (!manager_) {
    return offline();
  }
  auto r = run(manager_->set_camera(sid, on, now()));
  if (r) {
    media_.set_camera(sid, on);
  }
  return r;
}
Result<void> CallController::restart_ice(const std::string& sid) {
  if (!manager_) {
    return offline();
  }
  const auto calls = manager_->active_calls();
  if (std::find(calls.begin(), calls.end(), sid) == calls.end()) {
    return make_error(std::make_error_code(std::errc::invalid_argument), "no call " + sid);
  }
  media_.restart_ice(sid);
  return {};
}
Result<void> CallController::send_dtmf(const std::string& sid, const std::string& digits) {
  if (!manager_) {
    return offline();
  }
  return media_.send_dtmf(sid, digits);
}
Result<void> CallController::set_video(const std::string& sid, bool on) {
  if (!manager_) {
    return offline();
  }
  return run(manager_->set_video(sid, on, now()));
}

void CallController::pump() {
  if (pumping_ || !manager_) {
    return;  // the outer pump drains what this call added
  }
  pumping_ = true;
  while (manager_ && manager_->has_output()) {
    jingle::CallOutput o = manager_->next_output();
    handle(o);
  }
  pumping_ = false;
  arm_timer();
}

void CallController::arm_timer() {
  if (!manager_) {
    return;
  }
  const auto deadline = manager_->next_deadline();
  if (!deadline) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(*deadline);
  std::weak_ptr<bool> alive = alive_;
  timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || alive.expired() || !manager_) {
      return;
    }
    manager_->on_timer(now());
    pump();
  });
}

void CallController::handle(jingle::CallOutput& o) {
  if (auto* out = std::get_if<jingle::call_out::Send>(&o)) {
    send(std::move(out->stanza));
    return;
  }
  if (auto* need = std::get_if<jingle::call_out::NeedTransports>(&o)) {
    std::vector<std::string> names = need->contents;
    if (names.size() != need->media.size()) {
      names.clear();
      for (const auto m : need->media) {
        names.emplace_back(codecs::to_string(m));
      }
    }
    auto transports = media_.prepare(need->sid, names, need->media, need->ice_controlling);
    Result<void> r = transports
                         ? manager_->provide_transports(need->sid, std::move(*transports), now())
                         : Result<void>(transports.error());
    if (!r) {
      if (observer_.media) {
        observer_.media(need->sid, "", "media-error", r.error().describe());
      }
      (void)manager_->hangup(need->sid, now());
    }
    return;
  }
  if (auto* m = std::get_if<jingle::call_out::Media>(&o)) {
    std::visit(
        [&](const auto& out) {
          using T = std::decay_t<decltype(out)>;
          if constexpr (std::is_same_v<T, jingle::out::ConfigureMedia>) {
            media_.configure(m->sid, out);
          } else if constexpr (std::is_same_v<T, jingle::out::RemoteCandidates>) {
            media_.remote_candidates(m->sid, out);
          } else if constexpr (std::is_same_v<T, jingle::out::IceRestart>) {
            media_.ice_restart(m->sid, out);
          } else if constexpr (std::is_same_v<T, jingle::out::RemoveMedia>) {
            media_.remove(m->sid, out.contents);
          } else if constexpr (std::is_same_v<T, jingle::out::PeerInfo>) {
            using Kind = jingle::RtpInfo::Kind;
            const Kind k = out.info.kind;
            if (k == Kind::kMute || k == Kind::kHold) {
              media_.peer_paused(m->sid, k == Kind::kMute ? out.info.name : "", true);
            } else if (k == Kind::kUnmute || k == Kind::kUnhold) {
              media_.peer_paused(m->sid, k == Kind::kUnmute ? out.info.name : "", false);
            }
          }
        },
        m->output);
  }
  if (auto* s = std::get_if<jingle::call_out::StateChanged>(&o)) {
    if (s->state == jingle::CallState::kEnded) {
      media_.close(s->sid);
    }
  }
  if (observer_.output) {
    observer_.output(o);
  }
}

}  // namespace jcall::app
