// RFC 6120 §4 (streams), §5 (STARTTLS), §6 (SASL), §7 (bind); XEP-0198 §3–§5; XEP-0199.
#include "signaling/xmpp/stream.hpp"

#include <charconv>
#include <random>

#include "base/random.hpp"
#include "signaling/xml/serializer.hpp"
#include "signaling/xmpp/ns.hpp"

namespace jcall::signaling::xmpp {
namespace {

std::optional<std::uint32_t> parse_u32(std::string_view s) {
  std::uint32_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) {
    return std::nullopt;
  }
  return v;
}

// The first child in `ns_uri`, which names an error condition (RFC 6120 §4.9.3, §6.5, §8.3.3).
std::string condition_of(const xml::Element& e, std::string_view ns_uri) {
  for (const auto& c : e.children) {
    if (c.ns == ns_uri && c.name != "text") {
      return c.name;
    }
  }
  return "undefined-condition";
}

std::string text_of(const xml::Element& e, std::string_view ns_uri) {
  const xml::Element* t = e.child("text", ns_uri);
  return t != nullptr ? t->text : std::string();
}

bool is_stanza(const xml::Element& e) {
  return e.ns == ns::kClient && (e.name == "message" || e.name == "presence" || e.name == "iq");
}

std::string explain_sasl_failure(const std::string& condition) {
  if (condition == "not-authorized") {
    return "wrong password or unknown account (not-authorized)";
  }
  if (condition == "account-disabled") {
    return "the account is disabled (account-disabled)";
  }
  if (condition == "credentials-expired") {
    return "the password has expired (credentials-expired)";
  }
  if (condition == "encryption-required") {
    return "the server requires encryption for this mechanism (encryption-required)";
  }
  return condition;
}

bool stream_error_is_transient(const std::string& condition) {
  return condition == "connection-timeout" || condition == "system-shutdown" ||
         condition == "reset" || condition == "internal-server-error" ||
         condition == "remote-connection-failed" || condition == "see-other-host";
}

}  // namespace

ClientStream::ClientStream(StreamConfig config)
    : config_(std::move(config)), parser_(config_.limits), id_prefix_(random_token(6)) {}

std::string ClientStream::new_id() {
  if (config_.make_id) {
    return config_.make_id();
  }
  return id_prefix_ + "-" + std::to_string(++id_counter_);
}

StreamOutput ClientStream::next_output() {
  StreamOutput o = std::move(outputs_.front());
  outputs_.pop_front();
  return o;
}

void ClientStream::write(std::string bytes) {
  outputs_.emplace_back(out::Send{std::move(bytes)});
}

void ClientStream::write(const xml::Element& e) {
  std::string bytes;
  xml::write(bytes, e, ns::kClient);
  write(std::move(bytes));
}

void ClientStream::send_header() {
  std::string h =
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
      "xmlns:stream='http://etherx.jabber.org/streams' to='";
  xml::escape_attr(h, config_.jid.domain());
  h += "'";
  if (tls_) {  // RFC 6120 §4.7.1: 'from' only once the stream is protected
    h += " from='";
    xml::escape_attr(h, config_.jid.bare_str());
    h += "'";
  }
  h += " version='1.0' xml:lang='en'>";
  write(std::move(h));
}

void ClientStream::start(TimePoint now, std::optional<TlsInfo> direct_tls) {
  parser_.reset();
  tls_ = direct_tls.has_value();
  tls_info_ = std::move(direct_tls);
  authenticated_ = false;
  sasl_.reset();
  sm_enabled_ = false;
  sm_counting_in_ = false;
  server_sm_ = false;
  ack_requested_ = false;
  since_request_ = 0;
  ack_deadline_.reset();
  alive_deadline_.reset();
  last_rx_ = now;
  state_ = State::kOpening;
  step_deadline_ = now + config_.step_timeout;
  send_header();
}

void ClientStream::restart_stream() {
  parser_.reset();
  state_ = State::kOpening;
  send_header();
}

void ClientStream::tls_established(TlsInfo info, TimePoint now) {
  if (state_ != State::kTlsHandshake) {
    return;
  }
  tls_ = true;
  tls_info_ = std::move(info);
  step_deadline_ = now + config_.step_timeout;
  restart_stream();
}

void ClientStream::feed(std::string_view bytes, TimePoint now) {
  if (state_ == State::kIdle || state_ == State::kClosed) {
    return;
  }
  last_rx_ = now;
  alive_deadline_.reset();
  if (auto r = parser_.feed(bytes); !r) {
    const auto code = static_cast<xml::Errc>(r.error().code.value());
    fail_with_stream_error(xml::stream_condition(code), Errc::xml_error,
                           "the server sent bad XML: " + r.error().message);
  }
  // Events parsed before an error are still handled, in order.
  while (parser_.has_event() && state_ != State::kClosed) {
    xml::Event ev = parser_.next();
    if (std::holds_alternative<xml::StreamOpen>(ev)) {
      const auto& open = std::get<xml::StreamOpen>(ev);
      if (open.attr("version").value_or("") != "1.0") {
        fail_with_stream_error("unsupported-version", Errc::bad_server_response,
                               "the server does not speak XMPP 1.0");
      }
    } else if (std::holds_alternative<xml::StreamClose>(ev)) {
      if (state_ == State::kClosing) {
        fail(Errc::closed, "closed", false);
      } else {
        write("</stream:stream>");
        fail(Errc::connection_lost, "the server closed the stream", true);
      }
    } else {
      handle(std::get<xml::Element>(std::move(ev)), now);
    }
  }
}

void ClientStream::handle(xml::Element e, TimePoint now) {
  if (e.is("error", ns::kStreams)) {
    const std::string condition = condition_of(e, ns::kStreamErrors);
    const std::string text = text_of(e, ns::kStreamErrors);
    fail(Errc::stream_error,
         "the server ended the stream: " + condition + (text.empty() ? "" : " (" + text + ")"),
         stream_error_is_transient(condition));
    return;
  }
  switch (state_) {
    case State::kOpening:
      if (e.is("features", ns::kStreams)) {
        handle_features(e, now);
      } else {
        fail_with_stream_error("bad-format", Errc::bad_server_response,
                               "expected stream features, got <" + e.name + "/>");
      }
      return;
    case State::kStartTls:
      if (e.is("proceed", ns::kTls)) {
        state_ = State::kTlsHandshake;
        step_deadline_ = now + config_.step_timeout;
        outputs_.emplace_back(out::StartTls{});
      } else {
        fail(Errc::tls_failed, "the server refused STARTTLS", false);
      }
      return;
    case State::kSasl:
      handle_sasl(e, now);
      return;
    case State::kResuming:
      handle_resume_answer(e, now);
      return;
    case State::kBinding:
      handle_bind_answer(e, now);
      return;
    case State::kOnline:
    case State::kClosing:
      handle_online(std::move(e), now);
      return;
    default:
      return;
  }
}

void ClientStream::handle_features(const xml::Element& features, TimePoint now) {
  step_deadline_ = now + config_.step_timeout;
  if (!tls_) {
    if (features.child("starttls", ns::kTls) == nullptr) {
      fail(Errc::tls_required,
           "the server " + config_.jid.domain() +
               " does not offer STARTTLS; jcall never logs in without TLS",
           false);
      return;
    }
    xml::Element starttls("starttls", std::string(ns::kTls));
    write(starttls);
    state_ = State::kStartTls;
    return;
  }
  if (!authenticated_) {
    const xml::Element* mechs = features.child("mechanisms", ns::kSasl);
    SaslOptions opts;
    if (mechs != nullptr) {
      for (const auto* m : mechs->children_named("mechanism", ns::kSasl)) {
        opts.offered.push_back(m->text);
      }
    }
    if (const auto* cb = features.child("sasl-channel-binding", ns::kSaslChannelBinding)) {
      for (const auto* t : cb->children_named("channel-binding", ns::kSaslChannelBinding)) {
        opts.server_cb_types.emplace_back(t->attr_or("type", ""));
      }
    }
    opts.tls = tls_;
    if (tls_info_) {
      opts.bindings = tls_info_->bindings;
    }
    opts.authcid = config_.jid.local();
    opts.password = config_.password;
    if (config_.sasl_nonce) {
      opts.nonce = config_.sasl_nonce;
    }
    auto client = SaslClient::create(std::move(opts));
    if (!client) {
      fail(Errc::auth_mechanism, client.error().message, false);
      return;
    }
    sasl_.emplace(std::move(client).value());
    sasl_mechanism_ = sasl_->mechanism();
    xml::Element auth("auth", std::string(ns::kSasl));
    auth.set_attr("mechanism", sasl_->mechanism());
    const std::string initial = sasl_->initial_response();
    auth.text = initial.empty() ? "=" : base64_encode(initial);
    write(auth);
    state_ = State::kSasl;
    return;
  }
  server_sm_ = config_.stream_management && features.child("sm", ns::kSm) != nullptr;
  if (features.child("bind", ns::kBind) == nullptr) {
    fail(Errc::bind_failed, "the server offers no resource binding", false);
    return;
  }
  if (server_sm_ && !sm_id_.empty()) {
    xml::Element resume("resume", std::string(ns::kSm));
    resume.set_attr("previd", sm_id_).set_attr("h", std::to_string(in_h_));
    write(resume);
    state_ = State::kResuming;
    return;
  }
  start_bind(now);
}

void ClientStream::handle_sasl(const xml::Element& e, TimePoint now) {
  step_deadline_ = now + config_.step_timeout;
  if (e.is("challenge", ns::kSasl)) {
    auto raw = base64_decode(e.text);
    if (!raw) {
      fail(Errc::bad_server_response, "the server sent a SASL challenge that is not base64", false);
      return;
    }
    auto response = sasl_->on_challenge(*raw);
    if (!response) {
      write("<abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
      fail(static_cast<Errc>(response.error().code.value()), response.error().message, false);
      return;
    }
    xml::Element r("response", std::string(ns::kSasl));
    r.text = response->empty() ? "=" : base64_encode(*response);
    write(r);
    return;
  }
  if (e.is("success", ns::kSasl)) {
    std::string additional;
    if (!e.text.empty() && e.text != "=") {
      auto raw = base64_decode(e.text);
      if (!raw) {
        fail(Errc::bad_server_response, "the server's SASL success is not base64", false);
        return;
      }
      additional = std::move(raw).value();
    }
    if (auto ok = sasl_->on_success(additional); !ok) {
      fail(Errc::server_signature, ok.error().message, false);
      return;
    }
    authenticated_ = true;
    sasl_.reset();  // forget the derived keys
    restart_stream();
    return;
  }
  if (e.is("failure", ns::kSasl)) {
    std::string condition = "not-authorized";
    for (const auto& c : e.children) {
      if (c.ns == ns::kSasl && c.name != "text") {
        condition = c.name;
      }
    }
    const std::string text = text_of(e, ns::kSasl);
    fail(Errc::auth_failed,
         "login as " + config_.jid.bare_str() + " failed: " + explain_sasl_failure(condition) +
             (text.empty() ? "" : " — " + text),
         false);
    return;
  }
  fail_with_stream_error("bad-format", Errc::bad_server_response,
                         "unexpected <" + e.name + "/> during SASL");
}

void ClientStream::start_bind(TimePoint now) {
  // A new session. Of what an old session wrote and the server never acknowledged, messages
  // are sent again (XEP-0359 origin-ids let receivers drop duplicates); IQs and presence of
  // the old session mean nothing in the new one. Stanzas queued but never written keep.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < outbox_.size(); ++i) {
    if (i >= written_ || outbox_[i].name == "message") {
      if (kept != i) {
        outbox_[kept] = std::move(outbox_[i]);  // never self-move: it empties the element
      }
      ++kept;
    }
  }
  outbox_.resize(kept);
  written_ = 0;
  in_h_ = 0;
  acked_h_ = 0;
  bind_id_ = new_id();
  xml::Element iq("iq", std::string(ns::kClient));
  iq.set_attr("type", "set").set_attr("id", bind_id_);
  xml::Element& bind = iq.add("bind", std::string(ns::kBind));
  if (!config_.jid.resource().empty()) {
    bind.add_text_child("resource", "", config_.jid.resource());
  }
  write(iq);
  state_ = State::kBinding;
  step_deadline_ = now + config_.step_timeout;
}

void ClientStream::handle_resume_answer(const xml::Element& e, TimePoint now) {
  if (e.is("resumed", ns::kSm)) {
    if (!process_ack(e.attr_or("h", ""))) {
      return;
    }
    sm_enabled_ = true;
    sm_counting_in_ = true;
    written_ = 0;  // everything not acked is written again, in order
    go_online(true, now);
    return;
  }
  if (e.is("failed", ns::kSm)) {
    // The server lost the session. What it says it received is not sent again; the rest
    // goes out in a new session, where XEP-0359 origin-ids let receivers drop duplicates.
    if (auto h = e.attr("h")) {
      if (!process_ack(*h)) {
        return;
      }
    }
    sm_id_.clear();
    start_bind(now);
    return;
  }
  fail_with_stream_error("bad-format", Errc::bad_server_response,
                         "unexpected <" + e.name + "/> while resuming");
}

void ClientStream::handle_bind_answer(const xml::Element& e, TimePoint now) {
  if (!e.is("iq", ns::kClient) || e.attr_or("id", "") != bind_id_) {
    return;  // not ours (nothing else should arrive before bind completes)
  }
  if (e.attr_or("type", "") != "result") {
    const xml::Element* err = e.child("error", ns::kClient);
    const std::string condition =
        err != nullptr ? condition_of(*err, ns::kStanzas) : "undefined-condition";
    fail(Errc::bind_failed, "the server refused to bind a resource: " + condition,
         condition == "conflict" ? false : true);
    return;
  }
  const xml::Element* bind = e.child("bind", ns::kBind);
  const auto text = bind != nullptr ? bind->child_text("jid", ns::kBind) : std::nullopt;
  auto jid = text ? Jid::parse(*text)
                  : Result<Jid>(make_error(make_error_code(Errc::bind_failed), "no jid"));
  if (!jid || jid->resource().empty()) {
    fail(Errc::bind_failed, "the server's bind result has no valid full JID", false);
    return;
  }
  bound_jid_ = *jid;
  if (server_sm_) {
    xml::Element enable("enable", std::string(ns::kSm));
    enable.set_attr("resume", "true");
    write(enable);
    sm_enabled_ = true;  // until <failed/> says otherwise; both sides count from here
  } else {
    sm_id_.clear();
    sm_enabled_ = false;
  }
  go_online(false, now);
}

void ClientStream::go_online(bool resumed, TimePoint now) {
  state_ = State::kOnline;
  step_deadline_.reset();
  outputs_.emplace_back(out::Online{bound_jid_, resumed, sm_enabled_});
  flush_outbox(now);
}

void ClientStream::flush_outbox(TimePoint now) {
  if (state_ != State::kOnline) {
    return;
  }
  if (!sm_enabled_) {
    while (!outbox_.empty()) {  // no acks without XEP-0198: written is as good as it gets
      write(outbox_.front());
      outbox_.pop_front();
    }
    return;
  }
  while (written_ < outbox_.size()) {
    write(outbox_[written_]);
    ++written_;
    ++since_request_;
  }
  if (since_request_ > 0 && !ack_requested_) {
    if (since_request_ >= config_.ack_every) {
      request_ack(now);
    } else if (!ack_deadline_) {
      ack_deadline_ = now + config_.ack_delay;
    }
  }
}

void ClientStream::request_ack(TimePoint now) {
  write("<r xmlns='urn:xmpp:sm:3'/>");
  ack_requested_ = true;
  since_request_ = 0;
  ack_deadline_.reset();
  if (!alive_deadline_) {
    alive_deadline_ = now + config_.ping_timeout;
  }
}

bool ClientStream::process_ack(std::string_view h_attr) {
  const auto h = parse_u32(h_attr);
  if (!h) {
    fail_with_stream_error("undefined-condition", Errc::bad_server_response,
                           "the server's stream management ack has no valid 'h'");
    return false;
  }
  const std::uint32_t n = *h - acked_h_;  // counters wrap at 2^32 (XEP-0198 §4)
  if (n > written_) {
    fail_with_stream_error("undefined-condition", Errc::bad_server_response,
                           "the server acknowledged stanzas that were never sent");
    return false;
  }
  for (std::uint32_t i = 0; i < n && !outbox_.empty(); ++i) {
    outbox_.pop_front();
  }
  written_ = written_ >= n ? written_ - n : 0;
  acked_h_ = *h;
  return true;
}

void ClientStream::handle_online(xml::Element e, TimePoint now) {
  if (e.ns == ns::kSm) {
    if (e.name == "r") {
      write("<a xmlns='urn:xmpp:sm:3' h='" + std::to_string(in_h_) + "'/>");
    } else if (e.name == "a") {
      if (!process_ack(e.attr_or("h", ""))) {
        return;
      }
      ack_requested_ = false;
      if (written_ > 0 && !ack_deadline_) {
        ack_deadline_ = now + config_.ack_delay;
      }
    } else if (e.name == "enabled") {
      sm_counting_in_ = true;
      if (e.attr_or("resume", "") == "true" || e.attr_or("resume", "") == "1") {
        sm_id_ = std::string(e.attr_or("id", ""));
      }
    } else if (e.name == "failed") {
      // <enable/> refused: no acks on this connection. What was written counts as sent.
      sm_enabled_ = false;
      sm_counting_in_ = false;
      sm_id_.clear();
      for (std::size_t i = 0; i < written_ && !outbox_.empty(); ++i) {
        outbox_.pop_front();
      }
      written_ = 0;
      flush_outbox(now);
    }
    return;
  }
  if (!is_stanza(e)) {
    return;  // unknown nonza: ignored (RFC 6120 §8.4 covers stanzas only)
  }
  if (sm_enabled_ && sm_counting_in_) {
    ++in_h_;
  }
  if (e.name == "iq" && !ping_id_.empty() && e.attr_or("id", "") == ping_id_) {
    ping_id_.clear();
    return;  // our own keepalive ping answered (any answer proves the link)
  }
  outputs_.emplace_back(out::Received{std::move(e)});
}

void ClientStream::send(xml::Element stanza, TimePoint now) {
  if (state_ == State::kClosing) {
    return;
  }
  outbox_.push_back(std::move(stanza));
  flush_outbox(now);
}

void ClientStream::connection_lost(std::string why, TimePoint /*now*/) {
  if (state_ == State::kIdle || state_ == State::kClosed) {
    return;
  }
  const bool closing = state_ == State::kClosing;
  fail(closing ? Errc::closed : Errc::connection_lost, std::move(why), !closing);
}

void ClientStream::transport_failed(Errc code, std::string why, bool retry) {
  if (state_ == State::kIdle || state_ == State::kClosed) {
    return;
  }
  fail(code, std::move(why), retry);
}

void ClientStream::close(TimePoint now) {
  if (state_ == State::kOnline) {
    if (sm_enabled_) {
      write("<a xmlns='urn:xmpp:sm:3' h='" + std::to_string(in_h_) + "'/>");
    }
    write("</stream:stream>");
    state_ = State::kClosing;
    step_deadline_ = now + std::chrono::seconds(5);
    ack_deadline_.reset();
    alive_deadline_.reset();
  } else if (state_ != State::kIdle && state_ != State::kClosed) {
    write("</stream:stream>");
    fail(Errc::closed, "closed", false);
  }
  sm_id_.clear();  // a closed session is never resumed
}

void ClientStream::on_timer(TimePoint now) {
  if (state_ == State::kIdle || state_ == State::kClosed) {
    return;
  }
  if (step_deadline_ && now >= *step_deadline_) {
    if (state_ == State::kClosing) {
      fail(Errc::closed, "closed (the server did not confirm)", false);
    } else {
      fail(Errc::timeout, "the server did not answer in time during login", true);
    }
    return;
  }
  if (alive_deadline_ && now >= *alive_deadline_) {
    fail(Errc::connection_lost,
         "no answer from the server for " + std::to_string(config_.ping_timeout.count()) + " s",
         true);
    return;
  }
  if (state_ != State::kOnline) {
    return;
  }
  if (ack_deadline_ && now >= *ack_deadline_) {
    request_ack(now);
  }
  if (now - last_rx_ >= config_.idle_ping && !alive_deadline_) {
    if (sm_enabled_) {
      request_ack(now);
    } else {  // XEP-0199 §4.2
      ping_id_ = new_id();
      write("<iq type='get' id='" + ping_id_ + "' to='" + config_.jid.domain() +
            "'><ping xmlns='urn:xmpp:ping'/></iq>");
      alive_deadline_ = now + config_.ping_timeout;
    }
  }
}

std::optional<TimePoint> ClientStream::next_deadline() const {
  if (state_ == State::kIdle || state_ == State::kClosed) {
    return std::nullopt;
  }
  std::optional<TimePoint> d;
  auto consider = [&](const std::optional<TimePoint>& t) {
    if (t && (!d || *t < *d)) {
      d = t;
    }
  };
  consider(step_deadline_);
  consider(alive_deadline_);
  if (state_ == State::kOnline) {
    consider(ack_deadline_);
    if (!alive_deadline_) {
      consider(last_rx_ + config_.idle_ping);
    }
  }
  return d;
}

void ClientStream::fail_with_stream_error(std::string_view condition,
                                          Errc code,
                                          std::string message) {
  if (state_ == State::kClosed) {
    return;
  }
  std::string bytes = "<stream:error><" + std::string(condition) +
                      " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
                      "</stream:stream>";
  write(std::move(bytes));
  fail(code, std::move(message), false);
}

void ClientStream::fail(Errc code, std::string message, bool retry) {
  if (state_ == State::kClosed) {
    return;
  }
  end_connection();
  if (!retry) {
    sm_id_.clear();
  }
  outputs_.emplace_back(out::Closed{make_error(make_error_code(code), std::move(message)), retry});
}

void ClientStream::end_connection() {
  state_ = State::kClosed;
  step_deadline_.reset();
  ack_deadline_.reset();
  alive_deadline_.reset();
  ack_requested_ = false;
  since_request_ = 0;
  ping_id_.clear();
  sasl_.reset();
}

}  // namespace jcall::signaling::xmpp
