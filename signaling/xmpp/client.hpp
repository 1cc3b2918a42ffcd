// The client services on top of a Connection (signaling thread): RFC 6121 roster, presence and
// subscriptions; chat messages with XEP-0085 chat states, XEP-0184 receipts, XEP-0280 carbons,
// XEP-0359 ids and XEP-0334 hints; XEP-0030 disco answers and XEP-0115 caps; XEP-0199 pings;
// XEP-0215 external services. Unknown IQs are answered with service-unavailable (RFC 6120 §8.4).
// Calls (XEP-0166, XEP-0353) are not handled here: their stanzas go to the CallHooks.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <variant>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "signaling/xmpp/caps.hpp"
#include "signaling/xmpp/connection.hpp"

namespace jcall::signaling::xmpp {

struct ClientConfig {
  ConnectionConfig connection;
  bool auto_approve_subscriptions = false;  // approve every subscription request
  int priority = 0;
  std::chrono::seconds iq_timeout{30};
};

struct RosterItem {
  Jid jid;
  std::string name;
  std::string subscription = "none";  // none | to | from | both
  bool ask = false;                   // our subscription request is pending
  std::vector<std::string> groups;
};

struct ChatMessage {
  Jid from;
  Jid to;
  std::string type;  // chat | normal | groupchat | headline
  std::string id;
  std::string origin_id;  // XEP-0359
  std::string body;
  std::string chat_state;  // XEP-0085 element name, or empty
  bool receipt_requested = false;
  enum class Carbon { kNone, kReceived, kSent } carbon = Carbon::kNone;
};

struct ExternalService {
  std::string type;  // stun | turn | turns
  std::string host;
  std::uint16_t port = 0;
  std::string transport;  // udp | tcp
  std::string username;
  std::string password;
  bool restricted = false;
  std::optional<std::chrono::system_clock::time_point> expires;
};

namespace event {
struct Online {
  Jid jid;
  bool resumed = false;
  bool stream_management = false;
  std::string tls_version;
  std::string sasl_mechanism;
};
struct Roster {
  std::vector<RosterItem> items;
  bool push = false;  // a single change, not the full list
};
struct Presence {
  Jid from;
  std::string type;  // "" (available) | unavailable | error
  std::string show;
  std::string status;
  int priority = 0;
  std::string caps_ver;
};
struct Subscription {
  Jid from;
  std::string type;  // subscribe | subscribed | unsubscribe | unsubscribed
};
struct Message {
  ChatMessage message;
};
struct ChatState {
  Jid from;
  std::string state;
};
struct Receipt {
  Jid from;
  std::string id;
};
struct StanzaError {
  Jid from;
  std::string stanza;  // message | presence | iq
  std::string id;
  std::string condition;
  std::string text;
};
struct Disconnected {
  Error reason;
  bool will_retry = false;
  std::chrono::milliseconds retry_in{0};  // with will_retry: when the next attempt starts
};
}  // namespace event
using ClientEvent = std::variant<event::Online,
                                 event::Roster,
                                 event::Presence,
                                 event::Subscription,
                                 event::Message,
                                 event::ChatState,
                                 event::Receipt,
                                 event::StanzaError,
                                 event::Disconnected>;

// Where the stanzas of calls go (the call controller registers these; see set_call_hooks()).
// The call logic sends its own IQ sets with send_raw_stanza() and matches the answers itself,
// by id: so every IQ result or error that no send_iq() waits for is offered to it too.
struct CallHooks {
  // An IQ set with a urn:xmpp:jingle:1 payload, or an IQ result/error nobody here waits for.
  // Returns true when handled (a set must then have been answered); a Jingle set it does not
  // handle is answered with service-unavailable.
  std::function<bool(const xml::Element& iq)> iq;
  // A message carrying a urn:xmpp:jingle-message:0 payload. For a XEP-0280 carbon this is the
  // forwarded message, unwrapped, and the carbon came from our own bare JID.
  // Returns true when handled; otherwise the message is treated as any other.
  std::function<bool(const xml::Element& message, ChatMessage::Carbon carbon)> jmi_message;
};

class Client {
 public:
  using EventHandler = std::function<void(ClientEvent)>;
  using IqHandler = std::function<void(Result<xml::Element>)>;

  Client(boost::asio::io_context& io, ClientConfig config, EventHandler on_event);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void start();
  void stop();  // graceful; a Disconnected event follows

  // Returns the message id (also its XEP-0359 origin-id).
  std::string send_message(const Jid& to, std::string body);
  void send_chat_state(const Jid& to, std::string_view state);
  void set_presence(std::string show, std::string status);
  void send_directed_presence(const Jid& to, bool available = true);
  void subscribe(const Jid& to);
  void approve(const Jid& from);
  void deny(const Jid& from);
  void unsubscribe(const Jid& to);
  void roster_add(const Jid& jid, std::string name, std::vector<std::string> groups);
  void roster_remove(const Jid& jid);
  // XEP-0215: from cache while valid, else asked from the server.
  void external_services(std::function<void(Result<std::vector<ExternalService>>)> done);
  // Sends an IQ get/set; done gets the result element or the error (or a timeout).
  void send_iq(xml::Element iq, IqHandler done);
  void send_raw_stanza(xml::Element stanza);  // for tests, tools and the call logic

  void set_call_hooks(CallHooks hooks) { call_hooks_ = std::move(hooks); }
  // XEP-0115 §6.2 / XEP-0030: what a full JID supports. From its caps when its presence
  // announced a 'ver' we already know (the cache keeps only answers whose hash verifies);
  // otherwise asked with disco#info.
  void peer_features(const Jid& full, std::function<void(Result<DiscoInfo>)> done);

  const std::map<std::string, RosterItem>& roster() const { return roster_; }
  std::size_t unacked() const;
  bool online() const;
  const Jid& jid() const;
  Connection& connection() { return *connection_; }

 private:
  struct PendingIq {
    std::string to;  // whom we asked: only they may answer
    IqHandler done;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };

  void on_online(const out::Online& online);
  void on_stanza(xml::Element&& st);
  void on_disconnected(const Error& reason, bool will_retry);
  void handle_iq(const xml::Element& iq);
  void handle_presence(const xml::Element& p);
  void handle_message(const xml::Element& m);
  void handle_roster_query(const xml::Element& query, bool push);
  void reply_error(const xml::Element& iq, std::string_view type, std::string_view condition);
  void send_initial_presence();
  void send_subscription(const Jid& to, std::string_view type);
  xml::Element presence_stanza() const;
  bool seen_before(const std::string& key);
  std::string new_id();
  void emit(ClientEvent e);

  boost::asio::io_context& io_;
  ClientConfig config_;
  EventHandler on_event_;
  std::shared_ptr<Connection> connection_;
  std::map<std::string, RosterItem> roster_;  // by bare JID
  std::map<std::string, PendingIq> pending_iqs_;
  DiscoInfo disco_;
  std::string caps_ver_;
  std::string show_;
  std::string status_;
  std::deque<std::string> seen_order_;
  std::unordered_set<std::string> seen_;
  std::optional<std::vector<ExternalService>> services_cache_;
  CallHooks call_hooks_;
  std::map<std::string, std::string> caps_of_;   // full JID -> caps 'ver' from its presence
  std::map<std::string, DiscoInfo> caps_cache_;  // verified 'ver' -> what it stands for
  std::chrono::steady_clock::time_point services_valid_until_{};
  std::uint64_t id_counter_ = 0;
  std::string id_prefix_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Parsers for what the services read, exposed for unit tests.
Result<RosterItem> parse_roster_item(const xml::Element& item);
Result<ExternalService> parse_external_service(const xml::Element& service);
Result<ChatMessage> parse_chat_message(const xml::Element& message);

}  // namespace jcall::signaling::xmpp
