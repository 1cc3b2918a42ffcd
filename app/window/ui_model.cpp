// The window's model (see ui_model.hpp).
#include "app/window/ui_model.hpp"

#include <algorithm>
#include <cctype>

namespace jcall::app::window {
namespace {

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool flag(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

// RFC 6121 §4.7.2.1: the show values, best first for picking a contact's dot.
int show_rank(const std::string& show) {
  if (show == "chat") {
    return 0;
  }
  if (show.empty()) {
    return 1;
  }
  if (show == "away") {
    return 2;
  }
  if (show == "dnd") {
    return 3;
  }
  return 4;  // xa
}

const ResourcePresence* best(const std::map<std::string, ResourcePresence>& resources) {
  const ResourcePresence* b = nullptr;
  for (const auto& [jid, p] : resources) {
    if (b == nullptr || p.priority > b->priority ||
        (p.priority == b->priority && show_rank(p.show) < show_rank(b->show))) {
      b = &p;
    }
  }
  return b;
}

// Why a call ended, as the call history keeps it.
std::string outcome_of(const CallView& c) {
  if (c.connected_ms != 0) {
    return "answered";
  }
  const std::string& d = c.end_detail;
  if (d == "answered on another device") {
    return "answered-elsewhere";
  }
  if (d.find("declined") != std::string::npos || d == "busy" || d == "decline") {
    return c.direction == "incoming" ? "rejected" : "declined";
  }
  if (c.direction == "incoming") {
    return "missed";
  }
  if (d == "retracted" || d == "cancelled" || d == "hung up") {
    return "cancelled";
  }
  return "failed";
}

}  // namespace

std::string bare_jid(std::string_view jid) {
  return std::string(jid.substr(0, jid.find('/')));
}

std::string Contact::show() const {
  const ResourcePresence* b = best(resources);
  return b == nullptr ? "offline" : (b->show.empty() ? "available" : b->show);
}

std::string Contact::status() const {
  const ResourcePresence* b = best(resources);
  return b == nullptr ? std::string() : b->status;
}

Contact& UiModel::contact(const std::string& bare) {
  auto [it, inserted] = contacts_.try_emplace(bare);
  if (inserted) {
    it->second.jid = bare;
  }
  return it->second;
}

std::vector<ChatLine>& UiModel::conversation(const std::string& peer) {
  auto& lines = conversations_[peer];
  if (history_ != nullptr && !account_.empty() && loaded_.insert(peer).second) {
    if (auto stored = history_->messages(account_, peer, 500)) {
      std::vector<ChatLine> old;
      for (const auto& m : *stored) {
        old.push_back({m.outgoing, m.carbon, m.id, m.body, m.time_ms, m.status});
      }
      // Lines that came before the history was read (none normally) stay after it.
      old.insert(old.end(), lines.begin(), lines.end());
      lines = std::move(old);
    } else {
      notice("cannot read the chat history: " + stored.error().describe());
    }
  }
  return lines;
}

const std::vector<ChatLine>& UiModel::lines(const std::string& peer) const {
  static const std::vector<ChatLine> kNone;
  auto it = conversations_.find(peer);
  return it == conversations_.end() ? kNone : it->second;
}

void UiModel::add_line(const std::string& peer, ChatLine line) {
  auto& lines = conversation(peer);
  if (!line.id.empty()) {
    for (const auto& l : lines) {
      if (l.id == line.id && l.outgoing == line.outgoing) {
        return;  // a duplicate (a carbon of what we already have, a resent stanza)
      }
    }
  }
  if (history_ != nullptr && !account_.empty()) {
    store::StoredMessage m;
    m.account = account_;
    m.peer = peer;
    m.outgoing = line.outgoing;
    m.carbon = line.carbon;
    m.id = line.id;
    m.body = line.body;
    m.time_ms = line.time_ms;
    m.status = line.status;
    if (auto r = history_->add_message(m); !r) {
      notice("cannot save a message in the chat history: " + r.error().describe());
    }
  }
  Contact& c = contact(peer);
  c.last_activity_ms = line.time_ms;
  if (!line.outgoing && peer != active_peer_) {
    ++c.unread;
  }
  if (!line.outgoing) {
    c.chat_state.clear();  // XEP-0085 §5.1: a message implies "active"
  }
  lines.push_back(std::move(line));
}

void UiModel::notice(std::string text) {
  notices_.push_back(std::move(text));
  while (notices_.size() > 20) {
    notices_.pop_front();
  }
}

void UiModel::open_conversation(const std::string& peer) {
  active_peer_ = peer;
  (void)conversation(peer);
  contact(peer).unread = 0;
  ++revision_;
}

void UiModel::mark_accept_audio(const std::string& sid) {
  if (CallView* c = find_call(sid)) {
    c->accept_audio_only = true;
  }
}

void UiModel::set_call_flag(const std::string& sid, const std::string& flag, bool on) {
  CallView* c = find_call(sid);
  if (c == nullptr) {
    return;
  }
  if (flag == "mute") {
    c->muted = on;
  } else if (flag == "camera") {
    c->camera_on = on;
  } else if (flag == "hold") {
    c->on_hold = on;
  }
  ++revision_;
}

void UiModel::note_dtmf(const std::string& sid, const std::string& digits) {
  if (CallView* c = find_call(sid)) {
    c->dtmf_sent += digits;
    ++revision_;
  }
}

CallView* UiModel::find_call(const std::string& sid) {
  auto it = calls_.find(sid);
  return it == calls_.end() ? nullptr : &it->second;
}

const CallView* UiModel::incoming_call() const {
  for (const auto& [sid, c] : calls_) {
    if (c.direction == "incoming" && (c.state == "ringing" || c.state == "proposing")) {
      return &c;
    }
  }
  return nullptr;
}

const CallView* UiModel::current_call() const {
  const CallView* pick = nullptr;
  for (const auto& [sid, c] : calls_) {
    const bool live = c.state == "active" || c.state == "connecting" ||
                      (c.direction == "outgoing" && c.state != "ended");
    if (live && (pick == nullptr || c.started_ms > pick->started_ms)) {
      pick = &c;
    }
  }
  return pick;
}

std::vector<const Contact*> UiModel::sorted_contacts() const {
  std::vector<const Contact*> out;
  for (const auto& [jid, c] : contacts_) {
    if (c.in_roster || !lines(jid).empty() || c.unread > 0) {
      out.push_back(&c);
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Contact* a, const Contact* b) {
    if (a->online() != b->online()) {
      return a->online();
    }
    // By name as people read it: "bob" before "Zoe".
    const std::string x = a->display_name(), y = b->display_name();
    return std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end(), [](char p, char q) {
      return std::tolower(static_cast<unsigned char>(p)) <
             std::tolower(static_cast<unsigned char>(q));
    });
  });
  return out;
}

std::vector<json> UiModel::take_commands() {
  std::vector<json> out;
  out.swap(commands_);
  return out;
}

void UiModel::record_call(const CallView& c, const std::string& outcome) {
  store::CallRecord r;
  r.account = account_;
  r.peer = bare_jid(c.peer);
  r.sid = c.sid;
  r.direction = c.direction;
  r.video = c.video;
  r.start_ms = c.started_ms;
  r.duration_ms = c.connected_ms != 0 ? c.ended_ms - c.connected_ms : 0;
  r.outcome = outcome;
  r.reason = c.end_detail;
  if (history_ != nullptr && !account_.empty()) {
    if (auto w = history_->add_call(r); !w) {
      notice("cannot save the call in the history: " + w.error().describe());
    }
  }
  call_history_.insert(call_history_.begin(), std::move(r));
}

void UiModel::apply(const json& ev, std::int64_t now_ms) {
  const std::string e = str(ev, "event");
  ++revision_;
  if (e == "connecting") {
    connection_.state = "connecting";
    connection_.message.clear();
  } else if (e == "connected") {
    connection_.state = "online";
    connection_.message.clear();
    connection_.jid = str(ev, "jid");
    const std::string account = bare_jid(connection_.jid);
    if (account != account_) {
      account_ = account;
      loaded_.clear();
      conversations_.clear();
      if (history_ != nullptr) {
        if (auto calls = history_->calls(account_, 50)) {
          call_history_ = std::move(*calls);
        }
        if (auto convs = history_->conversations(account_)) {
          for (const auto& [peer, last] : *convs) {
            contact(peer).last_activity_ms = last;
            (void)conversation(peer);
          }
        }
      }
    }
  } else if (e == "disconnected") {
    const bool retry = flag(ev, "will_retry");
    connection_.state = retry ? "reconnecting" : "failed";
    connection_.message = str(ev, "reason");
    connection_.retry_at_ms = retry ? now_ms + ev.value("retry_in_ms", std::int64_t{0}) : 0;
    for (auto& [jid, c] : contacts_) {
      c.resources.clear();  // RFC 6121 §4.4: presence is unknown until we are back
    }
  } else if (e == "roster") {
    if (!flag(ev, "push")) {
      for (auto& [jid, c] : contacts_) {
        c.in_roster = false;
      }
    }
    for (const auto& item : ev.value("items", json::array())) {
      const std::string jid = bare_jid(str(item, "jid"));
      if (jid.empty()) {
        continue;
      }
      Contact& c = contact(jid);
      c.subscription = str(item, "subscription");
      c.in_roster = c.subscription != "remove";
      c.name = str(item, "name");
      c.ask = flag(item, "ask");
      if (c.subscription == "from" || c.subscription == "both") {
        requests_.erase(jid);  // approved (here, on another device, or automatically)
      }
    }
  } else if (e == "presence") {
    const std::string from = str(ev, "from");
    const std::string bare = bare_jid(from);
    if (bare.empty() || bare == account_) {
      return;  // our own other devices
    }
    Contact& c = contact(bare);
    if (str(ev, "type") == "available") {
      c.resources[from] = {str(ev, "show"), str(ev, "status"), ev.value("priority", 0)};
    } else {
      c.resources.erase(from);
      if (from == bare) {
        c.resources.clear();
      }
      if (c.resources.empty()) {
        c.chat_state.clear();
      }
    }
  } else if (e == "subscription") {
    const std::string from = bare_jid(str(ev, "from"));
    const std::string type = str(ev, "type");
    if (type == "subscribe") {
      requests_.insert(from);
    } else if (type == "subscribed") {
      notice(from + " approved your request to see their presence");
    } else if (type == "unsubscribed") {
      notice(from + " denied (or cancelled) your request to see their presence");
    }
  } else if (e == "message") {
    const std::string body = str(ev, "body");
    if (body.empty()) {
      return;
    }
    const std::string carbon = str(ev, "carbon");
    const bool outgoing = carbon == "sent";
    const std::string peer = bare_jid(str(ev, outgoing ? "to" : "from"));
    std::string id = str(ev, "origin_id");
    if (id.empty()) {
      id = str(ev, "id");
    }
    add_line(peer, {outgoing, carbon != "none" && !carbon.empty(), id, body, now_ms,
                    outgoing ? "sent" : "received"});
  } else if (e == "sent") {
    add_line(bare_jid(str(ev, "to")),
             {true, false, str(ev, "id"), str(ev, "body"), now_ms, "sent"});
  } else if (e == "receipt") {
    const std::string peer = bare_jid(str(ev, "from"));
    const std::string id = str(ev, "id");
    for (auto& l : conversation(peer)) {
      if (l.outgoing && l.id == id) {
        l.status = "delivered";
      }
    }
    if (history_ != nullptr && !account_.empty()) {
      (void)history_->mark_delivered(account_, peer, id);
    }
  } else if (e == "chatstate") {
    contact(bare_jid(str(ev, "from"))).chat_state = str(ev, "state");
  } else if (e == "error") {
    const std::string message = str(ev, "message");
    if (str(ev, "stanza") == "message") {
      const std::string peer = bare_jid(str(ev, "from"));
      const std::string id = str(ev, "id");
      for (auto& l : conversation(peer)) {
        if (l.outgoing && l.id == id) {
          l.status = "failed";
          if (history_ != nullptr && !account_.empty()) {
            (void)history_->set_status(account_, peer, id, "failed");
          }
        }
      }
    }
    notice(message);
  } else if (e == "call-started") {
    CallView& c = calls_[str(ev, "sid")];
    c.sid = str(ev, "sid");
    c.peer = str(ev, "to");
    c.direction = "outgoing";
    c.state = c.state.empty() ? "proposing" : c.state;
    c.started_ms = c.started_ms != 0 ? c.started_ms : now_ms;
  } else if (e == "call-incoming") {
    CallView& c = calls_[str(ev, "sid")];
    c.sid = str(ev, "sid");
    c.peer = str(ev, "from");
    c.direction = "incoming";
    c.state = "ringing";
    c.started_ms = now_ms;
    for (const auto& m : ev.value("media", json::array())) {
      c.video = c.video || m == "video";
    }
  } else if (e == "call") {
    const std::string sid = str(ev, "sid");
    CallView& c = calls_[sid];
    c.sid = sid;
    if (!str(ev, "peer").empty()) {
      c.peer = str(ev, "peer");
    }
    if (c.direction.empty()) {
      c.direction = str(ev, "direction");
    }
    if (c.started_ms == 0) {
      c.started_ms = now_ms;
    }
    const std::string previous = c.state;
    c.state = str(ev, "state");
    bool video = false;
    for (const auto& m : ev.value("media", json::array())) {
      video = video || m == "video";
    }
    c.video = video;
    if (c.state == "active" && c.connected_ms == 0) {
      c.connected_ms = now_ms;
      if (c.accept_audio_only) {
        c.camera_on = false;
        commands_.push_back({{"cmd", "camera"}, {"sid", sid}, {"on", false}});
      }
    }
    if (c.state == "ended" && previous != "ended") {
      c.ended_ms = now_ms;
      c.end_detail = str(ev, "detail");
      if (!str(ev, "text").empty()) {
        c.end_detail += " (" + str(ev, "text") + ")";
      }
      record_call(c, outcome_of(c));
      notice("Call with " + bare_jid(c.peer) + " ended" +
             (c.end_detail.empty() ? std::string() : ": " + c.end_detail));
    }
  } else if (e == "call-stats") {
    if (CallView* c = find_call(str(ev, "sid"))) {
      c->stats = ev;
    }
  } else {
    --revision_;  // nothing the window shows
  }
}

json UiModel::to_json() const {
  json contacts = json::array();
  for (const Contact* c : sorted_contacts()) {
    contacts.push_back({{"jid", c->jid},
                        {"name", c->display_name()},
                        {"subscription", c->subscription},
                        {"show", c->show()},
                        {"status", c->status()},
                        {"chat_state", c->chat_state},
                        {"unread", c->unread}});
  }
  json conversation = json::array();
  for (const auto& l : lines(active_peer_)) {
    conversation.push_back({{"outgoing", l.outgoing},
                            {"carbon", l.carbon},
                            {"id", l.id},
                            {"body", l.body},
                            {"status", l.status}});
  }
  json calls = json::array();
  for (const auto& [sid, c] : calls_) {
    calls.push_back({{"sid", sid},
                     {"peer", c.peer},
                     {"direction", c.direction},
                     {"state", c.state},
                     {"video", c.video},
                     {"muted", c.muted},
                     {"camera_on", c.camera_on},
                     {"on_hold", c.on_hold},
                     {"end_detail", c.end_detail}});
  }
  json history = json::array();
  for (const auto& r : call_history_) {
    history.push_back({{"sid", r.sid},
                       {"peer", r.peer},
                       {"direction", r.direction},
                       {"video", r.video},
                       {"outcome", r.outcome},
                       {"duration_ms", r.duration_ms}});
  }
  return {
      {"connection",
       {{"state", connection_.state}, {"message", connection_.message}, {"jid", connection_.jid}}},
      {"contacts", contacts},
      {"subscription_requests", json(std::vector<std::string>(requests_.begin(), requests_.end()))},
      {"active_peer", active_peer_},
      {"conversation", conversation},
      {"calls", calls},
      {"incoming_call", incoming_call() != nullptr ? json(incoming_call()->sid) : json(nullptr)},
      {"call_history", history},
      {"notices", json(std::vector<std::string>(notices_.begin(), notices_.end()))}};
}

}  // namespace jcall::app::window
