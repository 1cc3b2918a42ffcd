// RFC 6120 §4–§7 (stream, STARTTLS, SASL, bind) and XEP-0198 (stream management) for a client,
// sans I/O: bytes and events in, bytes and events out. No socket, timer, thread or clock:
// the adapter (connection.hpp) passes the time in and carries the outputs out.
//
// The object lives across connections: what XEP-0198 needs to resume a session (the session
// id, both counters and the queue of unacknowledged stanzas) survives connection_lost(), so a
// new connection resumes the session or, if the server lost it, re-sends what was not acked.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/result.hpp"
#include "signaling/xml/element.hpp"
#include "signaling/xml/parser.hpp"
#include "signaling/xmpp/errc.hpp"
#include "signaling/xmpp/jid.hpp"
#include "signaling/xmpp/sasl.hpp"

namespace jcall::signaling::xmpp {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct StreamConfig {
  Jid jid;  // with a resource to ask for one; bare to let the server choose
  std::string password;
  bool stream_management = true;
  std::chrono::milliseconds ack_delay{200};  // request an ack this long after sending
  std::size_t ack_every = 20;                // or at once after this many unacked stanzas
  std::chrono::seconds idle_ping{30};        // nothing received this long: ping the server
  std::chrono::seconds ping_timeout{15};     // no byte in answer this long: connection is dead
  std::chrono::seconds step_timeout{20};     // each negotiation step (TLS, SASL, bind, resume)
  xml::Limits limits;
  std::function<std::string()> make_id;     // stanza ids; default: random
  std::function<std::string()> sasl_nonce;  // tests only; default: random
};

// What the TLS layer can tell the stream about itself.
struct TlsInfo {
  std::string version;  // "TLSv1.3"
  std::vector<ChannelBinding> bindings;
};

namespace out {
struct Send {
  std::string bytes;
};
struct StartTls {};  // wrap the socket in TLS, then call tls_established()
struct Online {
  Jid jid;
  bool resumed = false;            // XEP-0198 resumption: nothing was lost, no need to resync
  bool stream_management = false;  // the server accepted XEP-0198 on this connection
};
struct Received {
  xml::Element stanza;
};
struct Closed {  // the adapter closes the socket; retry says whether reconnecting can help
  Error reason;
  bool retry = false;
};
}  // namespace out
using StreamOutput =
    std::variant<out::Send, out::StartTls, out::Online, out::Received, out::Closed>;

class ClientStream {
 public:
  explicit ClientStream(StreamConfig config);

  // A TCP connection is up (and TLS too, for XEP-0368 direct TLS): send the stream header.
  void start(TimePoint now, std::optional<TlsInfo> direct_tls = std::nullopt);
  void tls_established(TlsInfo info, TimePoint now);
  void feed(std::string_view bytes, TimePoint now);
  // The socket failed (reset, EOF, write error). Keeps what resumption needs.
  void connection_lost(std::string why, TimePoint now);
  // The transport failed in a way the adapter knows best (e.g. certificate rejected).
  void transport_failed(Errc code, std::string why, bool retry);
  // Queues a stanza (message, presence, iq). Sent now if online; kept and sent after
  // (re)connecting otherwise. Messages get an XEP-0359 origin-id by the caller.
  void send(xml::Element stanza, TimePoint now);
  // Ends the session for good: </stream:stream>, and no resumption afterwards.
  void close(TimePoint now);
  void on_timer(TimePoint now);
  std::optional<TimePoint> next_deadline() const;

  bool has_output() const { return !outputs_.empty(); }
  StreamOutput next_output();

  bool online() const { return state_ == State::kOnline; }
  bool connected() const { return state_ != State::kIdle && state_ != State::kClosed; }
  const Jid& bound_jid() const { return bound_jid_; }
  // Stanzas not yet acknowledged by the server, including those not yet written.
  std::size_t unacked() const { return outbox_.size(); }
  bool can_resume() const { return !sm_id_.empty(); }
  const std::string& sasl_mechanism() const { return sasl_mechanism_; }
  std::uint32_t inbound_count() const { return in_h_; }

 private:
  enum class State {
    kIdle,
    kOpening,   // header sent, waiting for the server's header and features
    kStartTls,  // <starttls/> sent
    kTlsHandshake,
    kSasl,
    kResuming,
    kBinding,
    kOnline,
    kClosing,  // </stream:stream> sent
    kClosed,
  };

  void send_header();
  void write(std::string bytes);
  void write(const xml::Element& e);
  void restart_stream();
  void handle(xml::Element e, TimePoint now);
  void handle_features(const xml::Element& features, TimePoint now);
  void handle_sasl(const xml::Element& e, TimePoint now);
  void handle_resume_answer(const xml::Element& e, TimePoint now);
  void handle_bind_answer(const xml::Element& e, TimePoint now);
  void handle_online(xml::Element e, TimePoint now);
  void start_bind(TimePoint now);
  void go_online(bool resumed, TimePoint now);
  void flush_outbox(TimePoint now);
  bool process_ack(std::string_view h_attr);
  void request_ack(TimePoint now);
  void fail(Errc code, std::string message, bool retry);
  void fail_with_stream_error(std::string_view condition, Errc code, std::string message);
  void end_connection();
  std::string new_id();

  StreamConfig config_;
  xml::StreamParser parser_;
  std::deque<StreamOutput> outputs_;
  State state_ = State::kIdle;
  bool tls_ = false;
  bool authenticated_ = false;
  std::optional<TlsInfo> tls_info_;
  std::optional<SaslClient> sasl_;
  std::string sasl_mechanism_;
  std::string bind_id_;
  std::string ping_id_;
  Jid bound_jid_;

  // XEP-0198
  bool server_sm_ = false;   // offered in the current features
  bool sm_enabled_ = false;  // <enable/> sent on this connection and not failed
  // The server counts what it sends from the moment it handles <enable/>, which it marks
  // with <enabled/>: stanzas before that (sent while our <enable/> was on its way) are not
  // counted on either side.
  bool sm_counting_in_ = false;
  std::string sm_id_;       // resumable session id
  std::uint32_t in_h_ = 0;  // stanzas received and handled
  std::uint32_t acked_h_ = 0;
  std::deque<xml::Element> outbox_;  // unacked, oldest first
  std::size_t written_ = 0;          // how many of outbox_ were written on this connection
  std::size_t since_request_ = 0;
  bool ack_requested_ = false;

  // Deadlines
  TimePoint last_rx_{};
  std::optional<TimePoint> step_deadline_;
  std::optional<TimePoint> ack_deadline_;
  std::optional<TimePoint> alive_deadline_;  // something must arrive before this
  std::uint64_t id_counter_ = 0;
  std::string id_prefix_;
};

}  // namespace jcall::signaling::xmpp
