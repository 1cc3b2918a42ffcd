// RFC 6121 §2–§4; XEP-0085, 0184, 0280, 0359, 0334, 0030, 0115, 0199, 0215.
#include "signaling/xmpp/client.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <random>

#include "signaling/xmpp/ns.hpp"

namespace jcall::signaling::xmpp {
namespace {

constexpr std::size_t kDedupWindow = 4096;
constexpr std::string_view kJingleNs = "urn:xmpp:jingle:1";                 // XEP-0166
constexpr std::string_view kJingleMessageNs = "urn:xmpp:jingle-message:0";  // XEP-0353
const std::string kChatStateNames[] = {"active", "composing", "paused", "inactive", "gone"};

Error parse_error(std::string what) {
  return make_error(make_error_code(Errc::bad_server_response), std::move(what));
}

std::optional<std::chrono::system_clock::time_point> parse_xmpp_datetime(std::string_view s) {
  // XEP-0082 DateTime, UTC form "YYYY-MM-DDThh:mm:ss[.sss]Z" (offsets other than Z refused).
  std::tm tm{};
  int year = 0, mon = 0, day = 0, hour = 0, min = 0, sec = 0;
  char tail[16] = {};
  const std::string str(s);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%15s", &year, &mon, &day, &hour, &min, &sec,
                  tail) < 6) {
    return std::nullopt;
  }
  const std::string rest(tail);
  if (rest.empty() || rest.back() != 'Z') {
    return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  const std::time_t t = timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) {
    return std::nullopt;
  }
  return std::chrono::system_clock::from_time_t(t);
}

std::string condition_of(const xml::Element& error) {
  for (const auto& c : error.children) {
    if (c.ns == ns::kStanzas && c.name != "text") {
      return c.name;
    }
  }
  return "undefined-condition";
}

// RFC 6120 §8.2.3: the result of an IQ get/set, addressed back to its sender.
xml::Element result_for(const xml::Element& iq) {
  xml::Element r("iq", std::string(ns::kClient));
  r.set_attr("type", "result").set_attr("id", iq.attr_or("id", ""));
  if (const auto from = iq.attr("from"); from && !from->empty()) {
    r.set_attr("to", *from);
  }
  return r;
}

}  // namespace

Result<RosterItem> parse_roster_item(const xml::Element& item) {
  RosterItem r;
  auto jid = Jid::parse(item.attr_or("jid", ""));
  if (!jid) {
    return parse_error("roster item: " + jid.error().message);
  }
  r.jid = jid->bare();
  r.name = std::string(item.attr_or("name", ""));
  r.subscription = std::string(item.attr_or("subscription", "none"));
  static const std::unordered_set<std::string> kKnown = {"none", "to", "from", "both", "remove"};
  if (!kKnown.contains(r.subscription)) {
    return parse_error("roster item " + r.jid.str() + ": unknown subscription '" + r.subscription +
                       "'");
  }
  const auto ask = item.attr("ask");
  if (ask && *ask != "subscribe") {
    return parse_error("roster item " + r.jid.str() + ": bad ask '" + std::string(*ask) + "'");
  }
  r.ask = ask.has_value();
  for (const auto* g : item.children_named("group", ns::kRoster)) {
    r.groups.push_back(g->text);
  }
  return r;
}

Result<ExternalService> parse_external_service(const xml::Element& service) {
  ExternalService s;
  s.type = std::string(service.attr_or("type", ""));
  s.host = std::string(service.attr_or("host", ""));
  if (s.type.empty() || s.host.empty()) {
    return parse_error("external service without type or host");
  }
  if (const auto port = service.attr("port")) {
    unsigned v = 0;
    const auto [p, ec] = std::from_chars(port->data(), port->data() + port->size(), v);
    if (ec != std::errc() || p != port->data() + port->size() || v == 0 || v > 65535) {
      return parse_error("external service " + s.host + ": bad port '" + std::string(*port) + "'");
    }
    s.port = static_cast<std::uint16_t>(v);
  }
  s.transport = std::string(service.attr_or("transport", ""));
  s.username = std::string(service.attr_or("username", ""));
  s.password = std::string(service.attr_or("password", ""));
  const auto restricted = service.attr_or("restricted", "false");
  s.restricted = restricted == "true" || restricted == "1";
  if (const auto expires = service.attr("expires")) {
    s.expires = parse_xmpp_datetime(*expires);
    if (!s.expires) {
      return parse_error("external service " + s.host + ": bad expires '" + std::string(*expires) +
                         "'");
    }
  }
  return s;
}

Result<ChatMessage> parse_chat_message(const xml::Element& m) {
  ChatMessage msg;
  if (const auto from = m.attr("from")) {
    auto j = Jid::parse(*from);
    if (!j) {
      return j.error();
    }
    msg.from = *j;
  }
  if (const auto to = m.attr("to")) {
    auto j = Jid::parse(*to);
    if (!j) {
      return j.error();
    }
    msg.to = *j;
  }
  msg.type = std::string(m.attr_or("type", "normal"));
  msg.id = std::string(m.attr_or("id", ""));
  if (const auto* b = m.child("body", ns::kClient)) {
    msg.body = b->text;
  }
  if (const auto* o = m.child("origin-id", ns::kStanzaId)) {
    msg.origin_id = std::string(o->attr_or("id", ""));
  }
  for (const auto& state : kChatStateNames) {
    if (m.child(state, ns::kChatStates) != nullptr) {
      msg.chat_state = state;
    }
  }
  msg.receipt_requested = m.child("request", ns::kReceipts) != nullptr;
  return msg;
}

Client::Client(boost::asio::io_context& io, ClientConfig config, EventHandler on_event)
    : io_(io), config_(std::move(config)), on_event_(std::move(on_event)) {
  std::random_device rd;
  id_prefix_ = std::to_string(rd() % 1000000);
  disco_ = jcall_disco_info();
  caps_ver_ = caps_verification(disco_);
  ConnectionEvents events;
  std::weak_ptr<bool> alive = alive_;
  events.online = [this, alive](const out::Online& o) {
    if (!alive.expired()) {
      on_online(o);
    }
  };
  events.stanza = [this, alive](xml::Element&& st) {
    if (!alive.expired()) {
      on_stanza(std::move(st));
    }
  };
  events.disconnected = [this, alive](const Error& e, bool retry) {
    if (!alive.expired()) {
      on_disconnected(e, retry);
    }
  };
  connection_ = std::make_shared<Connection>(io_, config_.connection, std::move(events));
}

Client::~Client() {
  alive_.reset();
}

void Client::start() {
  connection_->start();
}

void Client::stop() {
  connection_->close();
}

std::size_t Client::unacked() const {
  return connection_->stream().unacked();
}

bool Client::online() const {
  return connection_->online();
}

const Jid& Client::jid() const {
  return connection_->stream().bound_jid();
}

std::string Client::new_id() {
  return "jc" + id_prefix_ + "-" + std::to_string(++id_counter_);
}

void Client::emit(ClientEvent e) {
  if (on_event_) {
    on_event_(std::move(e));
  }
}

void Client::on_online(const out::Online& o) {
  emit(event::Online{o.jid, o.resumed, o.stream_management, connection_->tls_version(),
                     connection_->stream().sasl_mechanism()});
  if (o.resumed) {
    return;  // the server kept our session: roster, presence and carbons are as they were
  }
  // RFC 6121 §2.1.3 then §4.2: roster first, then initial presence; XEP-0280 §4.
  xml::Element get("iq", std::string(ns::kClient));
  get.set_attr("type", "get").add("query", std::string(ns::kRoster));
  send_iq(std::move(get), [this](Result<xml::Element> r) {
    if (r) {
      if (const auto* q = r->child("query", ns::kRoster)) {
        handle_roster_query(*q, false);
      }
    }
  });
  send_initial_presence();
  xml::Element carbons("iq", std::string(ns::kClient));
  carbons.set_attr("type", "set").add("enable", std::string(ns::kCarbons));
  send_iq(std::move(carbons), [](Result<xml::Element>) {});
}

void Client::on_disconnected(const Error& reason, bool will_retry) {
  if (!will_retry) {
    // Nothing will answer these any more.
    auto pending = std::move(pending_iqs_);
    pending_iqs_.clear();
    for (auto& [id, p] : pending) {
      if (p.done) {
        p.done(make_error(reason.code, "no answer: " + reason.message));
      }
    }
  }
  emit(event::Disconnected{reason, will_retry,
                           will_retry ? connection_->retry_delay() : std::chrono::milliseconds(0)});
}

xml::Element Client::presence_stanza() const {
  xml::Element p("presence", std::string(ns::kClient));
  if (!show_.empty()) {
    p.add_text_child("show", "", show_);
  }
  if (!status_.empty()) {
    p.add_text_child("status", "", status_);
  }
  if (config_.priority != 0) {
    p.add_text_child("priority", "", std::to_string(config_.priority));
  }
  xml::Element& c = p.add("c", std::string(ns::kCaps));
  c.set_attr("hash", "sha-1").set_attr("node", kCapsNode).set_attr("ver", caps_ver_);
  return p;
}

void Client::send_initial_presence() {
  connection_->send(presence_stanza());
}

void Client::set_presence(std::string show, std::string status) {
  show_ = std::move(show);
  status_ = std::move(status);
  connection_->send(presence_stanza());
}

void Client::send_directed_presence(const Jid& to, bool available) {
  xml::Element p =
      available ? presence_stanza() : xml::Element("presence", std::string(ns::kClient));
  p.set_attr("to", to.str());
  if (!available) {
    p.set_attr("type", "unavailable");
  }
  connection_->send(std::move(p));
}

// RFC 6121 §3: subscription requests and answers all go to the bare JID.
void Client::send_subscription(const Jid& to, std::string_view type) {
  xml::Element p("presence", std::string(ns::kClient));
  p.set_attr("to", to.bare_str()).set_attr("type", type).set_attr("id", new_id());
  connection_->send(std::move(p));
}

void Client::subscribe(const Jid& to) {
  send_subscription(to, "subscribe");
}

void Client::approve(const Jid& from) {
  send_subscription(from, "subscribed");
}

void Client::deny(const Jid& from) {
  send_subscription(from, "unsubscribed");
}

void Client::unsubscribe(const Jid& to) {
  send_subscription(to, "unsubscribe");
}

void Client::roster_add(const Jid& jid, std::string name, std::vector<std::string> groups) {
  xml::Element iq("iq", std::string(ns::kClient));
  iq.set_attr("type", "set");
  xml::Element& item = iq.add("query", std::string(ns::kRoster)).add("item", "");
  item.set_attr("jid", jid.bare_str());
  if (!name.empty()) {
    item.set_attr("name", name);
  }
  for (auto& g : groups) {
    item.add_text_child("group", "", std::move(g));
  }
  send_iq(std::move(iq), [](Result<xml::Element>) {});
}

void Client::roster_remove(const Jid& jid) {
  xml::Element iq("iq", std::string(ns::kClient));
  iq.set_attr("type", "set");
  iq.add("query", std::string(ns::kRoster))
      .add("item", "")
      .set_attr("jid", jid.bare_str())
      .set_attr("subscription", "remove");
  send_iq(std::move(iq), [](Result<xml::Element>) {});
}

std::string Client::send_message(const Jid& to, std::string body) {
  const std::string id = new_id();
  xml::Element m("message", std::string(ns::kClient));
  m.set_attr("to", to.str()).set_attr("type", "chat").set_attr("id", id);
  m.add_text_child("body", "", std::move(body));
  m.add("active", std::string(ns::kChatStates));
  m.add("request", std::string(ns::kReceipts));
  m.add("origin-id", std::string(ns::kStanzaId)).set_attr("id", id);
  m.add("store", std::string(ns::kHints));
  connection_->send(std::move(m));
  return id;
}

void Client::send_chat_state(const Jid& to, std::string_view state) {
  xml::Element m("message", std::string(ns::kClient));
  m.set_attr("to", to.str()).set_attr("type", "chat").set_attr("id", new_id());
  m.add(std::string(state), std::string(ns::kChatStates));
  m.add("no-store", std::string(ns::kHints));
  connection_->send(std::move(m));
}

void Client::send_raw_stanza(xml::Element stanza) {
  connection_->send(std::move(stanza));
}

void Client::send_iq(xml::Element iq, IqHandler done) {
  std::string id(iq.attr_or("id", ""));
  if (id.empty()) {
    id = new_id();
    iq.set_attr("id", id);
  }
  PendingIq pending;
  pending.to = std::string(iq.attr_or("to", ""));
  pending.done = std::move(done);
  pending.timer = std::make_unique<boost::asio::steady_timer>(io_, config_.iq_timeout);
  std::weak_ptr<bool> alive = alive_;
  pending.timer->async_wait([this, alive, id](const boost::system::error_code& ec) {
    if (ec || alive.expired()) {
      return;
    }
    auto it = pending_iqs_.find(id);
    if (it == pending_iqs_.end()) {
      return;
    }
    IqHandler handler = std::move(it->second.done);
    pending_iqs_.erase(it);
    if (handler) {
      handler(make_error(make_error_code(Errc::timeout),
                         "no answer to request " + id + " within " +
                             std::to_string(config_.iq_timeout.count()) + " s"));
    }
  });
  pending_iqs_.emplace(id, std::move(pending));
  connection_->send(std::move(iq));
}

void Client::peer_features(const Jid& full, std::function<void(Result<DiscoInfo>)> done) {
  std::string ver;
  if (const auto it = caps_of_.find(full.str()); it != caps_of_.end()) {
    ver = it->second;
    if (const auto cached = caps_cache_.find(ver); cached != caps_cache_.end()) {
      done(cached->second);
      return;
    }
  }
  xml::Element iq("iq", std::string(ns::kClient));
  iq.set_attr("type", "get").set_attr("to", full.str());
  iq.add("query", std::string(ns::kDiscoInfo));
  send_iq(std::move(iq), [this, ver, done = std::move(done)](Result<xml::Element> r) {
    if (!r) {
      done(r.error());
      return;
    }
    const auto* q = r->child("query", ns::kDiscoInfo);
    if (q == nullptr) {
      done(parse_error("disco#info answer without <query/>"));
      return;
    }
    DiscoInfo info = parse_disco_info(*q);
    // XEP-0115 §5.4: cache by 'ver' only what hashes to it, so one liar cannot poison it.
    if (!ver.empty() && caps_verification(info) == ver) {
      caps_cache_[ver] = info;
    }
    done(std::move(info));
  });
}

void Client::external_services(std::function<void(Result<std::vector<ExternalService>>)> done) {
  if (services_cache_ && std::chrono::steady_clock::now() < services_valid_until_) {
    done(*services_cache_);
    return;
  }
  xml::Element iq("iq", std::string(ns::kClient));
  iq.set_attr("type", "get").set_attr("to", connection_->stream().bound_jid().domain());
  iq.add("services", std::string(ns::kExternalServices));
  send_iq(std::move(iq), [this, done = std::move(done)](Result<xml::Element> r) {
    if (!r) {
      done(r.error());
      return;
    }
    std::vector<ExternalService> services;
    const auto* list = r->child("services", ns::kExternalServices);
    if (list == nullptr) {
      done(parse_error("external services answer without <services/>"));
      return;
    }
    // Cached until the first credential expires; five minutes where none says.
    auto valid = std::chrono::system_clock::now() + std::chrono::minutes(5);
    for (const auto* s : list->children_named("service", ns::kExternalServices)) {
      auto parsed = parse_external_service(*s);
      if (!parsed) {
        done(parsed.error());
        return;
      }
      if (parsed->expires && *parsed->expires < valid) {
        valid = *parsed->expires;
      }
      services.push_back(std::move(parsed).value());
    }
    services_cache_ = services;
    services_valid_until_ = std::chrono::steady_clock::now() +
                            std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                valid - std::chrono::system_clock::now());
    done(std::move(services));
  });
}

void Client::on_stanza(xml::Element&& st) {
  if (st.name == "iq") {
    handle_iq(st);
  } else if (st.name == "presence") {
    handle_presence(st);
  } else if (st.name == "message") {
    handle_message(st);
  }
}

void Client::reply_error(const xml::Element& iq,
                         std::string_view type,
                         std::string_view condition) {
  xml::Element r("iq", std::string(ns::kClient));
  r.set_attr("type", "error").set_attr("id", iq.attr_or("id", ""));
  if (const auto from = iq.attr("from")) {
    r.set_attr("to", *from);
  }
  xml::Element& e = r.add("error", "");
  e.set_attr("type", type);
  e.add(std::string(condition), std::string(ns::kStanzas));
  connection_->send(std::move(r));
}

void Client::handle_iq(const xml::Element& iq) {
  const std::string type(iq.attr_or("type", ""));
  const std::string id(iq.attr_or("id", ""));
  const std::string from(iq.attr_or("from", ""));
  if (type == "result" || type == "error") {
    auto it = pending_iqs_.find(id);
    if (it == pending_iqs_.end()) {
      if (call_hooks_.iq) {
        call_hooks_.iq(iq);  // perhaps the answer to a call's IQ (it checks id and sender)
      }
      return;
    }
    // RFC 6120 §10.1 / §8.1.2.1: only whom we asked may answer. No 'to' meant our server,
    // which answers from our bare JID, its domain, or without 'from'.
    const Jid& me = connection_->stream().bound_jid();
    const std::string& asked = it->second.to;
    const bool ok = asked.empty() ? (from.empty() || from == me.bare_str() || from == me.domain() ||
                                     from == me.str())
                                  : (from == asked || (from.empty() && asked == me.domain()));
    if (!ok) {
      return;  // a spoofed answer: ignored, the real one (or the timeout) still comes
    }
    IqHandler handler = std::move(it->second.done);
    pending_iqs_.erase(it);
    if (!handler) {
      return;
    }
    if (type == "result") {
      handler(iq);
    } else {
      const xml::Element* err = iq.child("error", ns::kClient);
      const std::string condition = err != nullptr ? condition_of(*err) : "undefined-condition";
      const auto text = err != nullptr ? err->child_text("text", ns::kStanzas) : std::nullopt;
      handler(make_error(make_error_code(Errc::bad_server_response),
                         "request " + id + " failed: " + condition +
                             (text ? " (" + std::string(*text) + ")" : "")));
    }
    return;
  }
  if (type != "get" && type != "set") {
    return;  // RFC 6120 §8.2.3: never answer a stanza of unknown type with an error loop
  }
  const xml::Element* payload = iq.children.empty() ? nullptr : &iq.children.front();
  if (payload == nullptr || iq.children.size() != 1) {
    reply_error(iq, "modify", "bad-request");  // §8.2.3: exactly one child
    return;
  }
  if (type == "get" && payload->is("ping", ns::kPing)) {
    xml::Element r = result_for(iq);
    connection_->send(std::move(r));
    return;
  }
  if (type == "get" && payload->is("query", ns::kDiscoInfo)) {
    const std::string node(payload->attr_or("node", ""));
    if (!node.empty() && node != std::string(kCapsNode) + "#" + caps_ver_) {
      reply_error(iq, "cancel", "item-not-found");
      return;
    }
    xml::Element r = result_for(iq);
    xml::Element& q = r.add("query", std::string(ns::kDiscoInfo));
    if (!node.empty()) {
      q.set_attr("node", node);
    }
    for (const auto& i : disco_.identities) {
      q.add("identity", "")
          .set_attr("category", i.category)
          .set_attr("type", i.type)
          .set_attr("name", i.name);
    }
    for (const auto& f : disco_.features) {
      q.add("feature", "").set_attr("var", f);
    }
    connection_->send(std::move(r));
    return;
  }
  if (type == "get" && payload->is("query", ns::kDiscoItems)) {
    xml::Element r = result_for(iq);
    r.add("query", std::string(ns::kDiscoItems));
    connection_->send(std::move(r));
    return;
  }
  if (type == "set" && payload->is("jingle", kJingleNs)) {
    if (!call_hooks_.iq || !call_hooks_.iq(iq)) {
      reply_error(iq, "cancel", "service-unavailable");
    }
    return;
  }
  if (type == "set" && payload->is("query", ns::kRoster)) {
    // RFC 6121 §2.1.6: a push is accepted only from our own account.
    const Jid& me = connection_->stream().bound_jid();
    if (!from.empty() && from != me.bare_str()) {
      reply_error(iq, "cancel", "service-unavailable");
      return;
    }
    handle_roster_query(*payload, true);
    connection_->send(result_for(iq));
    return;
  }
  reply_error(iq, "cancel", "service-unavailable");
}

void Client::handle_roster_query(const xml::Element& query, bool push) {
  event::Roster ev;
  ev.push = push;
  if (!push) {
    roster_.clear();
  }
  for (const auto* item : query.children_named("item", ns::kRoster)) {
    auto parsed = parse_roster_item(*item);
    if (!parsed) {
      continue;  // one bad item does not spoil the roster
    }
    if (parsed->subscription == "remove") {
      roster_.erase(parsed->jid.bare_str());
    } else {
      roster_[parsed->jid.bare_str()] = *parsed;
    }
    ev.items.push_back(std::move(parsed).value());
  }
  emit(std::move(ev));
}

void Client::handle_presence(const xml::Element& p) {
  auto from = Jid::parse(p.attr_or("from", ""));
  if (!from) {
    return;
  }
  const std::string type(p.attr_or("type", ""));
  if (type == "subscribe" || type == "subscribed" || type == "unsubscribe" ||
      type == "unsubscribed") {
    emit(event::Subscription{from->bare(), type});
    if (type == "subscribe" && config_.auto_approve_subscriptions) {
      approve(*from);
      // Mutual: ask back unless we already see them (RFC 6121 §3.1.5 leaves it to the user).
      const auto it = roster_.find(from->bare_str());
      if (it == roster_.end() || (it->second.subscription != "to" &&
                                  it->second.subscription != "both" && !it->second.ask)) {
        subscribe(*from);
      }
    }
    return;
  }
  if (type == "error") {
    const xml::Element* err = p.child("error", ns::kClient);
    emit(event::StanzaError{*from, "presence", std::string(p.attr_or("id", "")),
                            err != nullptr ? condition_of(*err) : "undefined-condition", ""});
    return;
  }
  if (!type.empty() && type != "unavailable") {
    return;  // probe and unknown types are the server's business
  }
  event::Presence ev;
  ev.from = *from;
  ev.type = type;
  if (const auto show = p.child_text("show", ns::kClient)) {
    ev.show = std::string(*show);
  }
  if (const auto status = p.child_text("status", ns::kClient)) {
    ev.status = std::string(*status);
  }
  if (const auto prio = p.child_text("priority", ns::kClient)) {
    int v = 0;
    const auto [ptr, ec] = std::from_chars(prio->data(), prio->data() + prio->size(), v);
    if (ec == std::errc() && ptr == prio->data() + prio->size() && v >= -128 && v <= 127) {
      ev.priority = v;
    }
  }
  if (const auto* c = p.child("c", ns::kCaps)) {
    ev.caps_ver = std::string(c->attr_or("ver", ""));
  }
  if (type.empty() && !ev.caps_ver.empty()) {
    caps_of_[from->str()] = ev.caps_ver;
  } else {
    caps_of_.erase(from->str());
  }
  emit(std::move(ev));
}

bool Client::seen_before(const std::string& key) {
  if (seen_.contains(key)) {
    return true;
  }
  seen_.insert(key);
  seen_order_.push_back(key);
  if (seen_order_.size() > kDedupWindow) {
    seen_.erase(seen_order_.front());
    seen_order_.pop_front();
  }
  return false;
}

void Client::handle_message(const xml::Element& m) {
  const Jid& me = connection_->stream().bound_jid();
  const xml::Element* inner = &m;
  ChatMessage::Carbon carbon = ChatMessage::Carbon::kNone;
  for (const char* kind : {"received", "sent"}) {
    const xml::Element* wrapper = m.child(kind, ns::kCarbons);
    if (wrapper == nullptr) {
      continue;
    }
    // XEP-0280 §11: a carbon is only believed from our own bare JID.
    if (m.attr_or("from", "") != me.bare_str()) {
      return;
    }
    const xml::Element* fwd = wrapper->child("forwarded", ns::kForward);
    const xml::Element* wrapped = fwd != nullptr ? fwd->child("message", ns::kClient) : nullptr;
    if (wrapped == nullptr) {
      return;
    }
    inner = wrapped;
    carbon = std::string_view(kind) == "received" ? ChatMessage::Carbon::kReceived
                                                  : ChatMessage::Carbon::kSent;
  }
  if (call_hooks_.jmi_message) {
    const bool jmi = std::any_of(inner->children.begin(), inner->children.end(),
                                 [](const xml::Element& c) { return c.ns == kJingleMessageNs; });
    if (jmi && call_hooks_.jmi_message(*inner, carbon)) {
      return;
    }
  }
  auto parsed = parse_chat_message(*inner);
  if (!parsed) {
    return;
  }
  ChatMessage msg = std::move(parsed).value();
  msg.carbon = carbon;

  if (msg.type == "error") {
    const xml::Element* err = inner->child("error", ns::kClient);
    emit(event::StanzaError{msg.from, "message", msg.id,
                            err != nullptr ? condition_of(*err) : "undefined-condition", ""});
    return;
  }
  if (const auto* received = inner->child("received", ns::kReceipts)) {
    if (carbon == ChatMessage::Carbon::kNone) {
      emit(event::Receipt{msg.from, std::string(received->attr_or("id", ""))});
    }
    return;
  }
  if (!msg.body.empty()) {
    // Exactly once: a message re-sent after a failed stream resumption carries the same
    // XEP-0359 origin-id (or id) as the copy that may already have arrived.
    const std::string& key_id = !msg.origin_id.empty() ? msg.origin_id : msg.id;
    if (!key_id.empty() && seen_before(msg.from.str() + "\n" + key_id)) {
      return;
    }
    if (msg.receipt_requested && carbon == ChatMessage::Carbon::kNone && !msg.id.empty() &&
        msg.type != "groupchat") {
      xml::Element r("message", std::string(ns::kClient));
      r.set_attr("to", msg.from.str()).set_attr("id", new_id());
      r.add("received", std::string(ns::kReceipts)).set_attr("id", msg.id);
      r.add("store", std::string(ns::kHints));
      connection_->send(std::move(r));
    }
    emit(event::Message{std::move(msg)});
    return;
  }
  if (!msg.chat_state.empty()) {
    emit(event::ChatState{msg.from, msg.chat_state});
  }
}

}  // namespace jcall::signaling::xmpp
