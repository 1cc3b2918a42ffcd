// What the window shows, built from the session's JSON events (session.hpp) on the UI thread:
// the connection, the roster with presence and subscription requests, the conversations (kept
// in the SQLite history), and the calls. No SDL or ImGui here: the views read this model, and
// the unit tests feed it literal events. The model also dumps itself as JSON for the
// "ui-state" command.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/store/history.hpp"

namespace jcall::app::window {

using json = nlohmann::ordered_json;

// The bare JID of a JID string (no resource); lower-cased node and domain are the server's
// business, so it is only cut at '/'.
std::string bare_jid(std::string_view jid);

struct ResourcePresence {
  std::string show;  // "" (available) | away | chat | dnd | xa
  std::string status;
  int priority = 0;
};

struct Contact {
  std::string jid;  // bare
  std::string name;
  std::string subscription = "none";
  bool ask = false;
  bool in_roster = false;  // false: someone we chat with who is not in the roster
  std::map<std::string, ResourcePresence> resources;  // by full JID
  std::string chat_state;                             // their XEP-0085 state towards us
  int unread = 0;
  std::int64_t last_activity_ms = 0;  // unix ms of the last message

  bool online() const { return !resources.empty(); }
  // The best resource's show ("offline" when none), for the presence dot.
  std::string show() const;
  std::string status() const;
  std::string display_name() const { return name.empty() ? jid : name; }
};

struct ChatLine {
  bool outgoing = false;
  bool carbon = false;  // another of our devices sent or got it
  std::string id;
  std::string body;
  std::int64_t time_ms = 0;  // unix ms
  std::string status;        // sent | delivered | received | failed
};

struct CallView {
  std::string sid;
  std::string peer;       // full JID once known, else what we called
  std::string direction;  // outgoing | incoming
  std::string state;      // proposing | ringing | connecting | active | ended
  bool video = false;     // the call has a video content
  bool muted = false, camera_on = true, on_hold = false;
  bool accept_audio_only = false;  // accepted with "audio": camera goes off once connected
  std::int64_t started_ms = 0;     // unix ms
  std::int64_t connected_ms = 0;   // unix ms, 0 until active
  std::int64_t ended_ms = 0;
  std::string end_detail;  // for people: "answered on another device", "declined", ...
  json stats;              // the latest call-stats event
  std::string dtmf_sent;
};

struct Connection {
  std::string state = "offline";  // offline | connecting | online | reconnecting | failed
  std::string message;            // why, in words, when not online
  std::string jid;                // full JID once online
  std::int64_t retry_at_ms = 0;   // unix ms of the next attempt (reconnecting)
};

class UiModel {
 public:
  // history may be null (no database: nothing is kept across runs).
  explicit UiModel(store::History* history) : history_(history) {}

  // One session event. now_ms: unix time in ms (stamps messages and calls).
  void apply(const json& ev, std::int64_t now_ms);

  // The user opened a conversation: loads its history, clears its unread count.
  void open_conversation(const std::string& peer);
  const std::string& active_peer() const { return active_peer_; }
  // The user answered "audio only": camera off as soon as the call is connected.
  void mark_accept_audio(const std::string& sid);
  // What the user did to a call (shown at once; the session's events confirm).
  void set_call_flag(const std::string& sid, const std::string& flag, bool on);
  void note_dtmf(const std::string& sid, const std::string& digits);

  const Connection& connection() const { return connection_; }
  const std::string& account() const { return account_; }
  const std::map<std::string, Contact>& contacts() const { return contacts_; }
  // Contacts in display order: online first, then by name.
  std::vector<const Contact*> sorted_contacts() const;
  const std::vector<ChatLine>& lines(const std::string& peer) const;
  const std::set<std::string>& subscription_requests() const { return requests_; }
  void drop_request(const std::string& jid) { requests_.erase(jid); }
  // Calls by sid, including ended ones still on screen.
  const std::map<std::string, CallView>& calls() const { return calls_; }
  // The call ringing here that the user has not answered, if any.
  const CallView* incoming_call() const;
  // The call on screen: active, connecting, or outgoing and ringing (newest first).
  const CallView* current_call() const;
  CallView* find_call(const std::string& sid);
  void dismiss_call(const std::string& sid) { calls_.erase(sid); }
  const std::vector<store::CallRecord>& call_history() const { return call_history_; }
  // Transient notices for the user (errors, subscription answers), newest last.
  const std::deque<std::string>& notices() const { return notices_; }
  void add_notice(std::string text) {
    notice(std::move(text));
    ++revision_;
  }
  // Commands the model wants sent (e.g. camera off after an audio-only answer); drained by
  // the window.
  std::vector<json> take_commands();
  // Bumped on every change: the window redraws when it moves.
  std::uint64_t revision() const { return revision_; }

  json to_json() const;

 private:
  Contact& contact(const std::string& bare);
  std::vector<ChatLine>& conversation(const std::string& peer);
  void add_line(const std::string& peer, ChatLine line);
  void notice(std::string text);
  void record_call(const CallView& c, const std::string& outcome);

  store::History* history_;
  std::string account_;  // our bare JID
  Connection connection_;
  std::map<std::string, Contact> contacts_;
  std::map<std::string, std::vector<ChatLine>> conversations_;
  std::set<std::string> loaded_;  // conversations read from the history
  std::set<std::string> requests_;
  std::map<std::string, CallView> calls_;
  std::vector<store::CallRecord> call_history_;
  std::deque<std::string> notices_;
  std::vector<json> commands_;
  std::string active_peer_;
  std::uint64_t revision_ = 0;
};

}  // namespace jcall::app::window
