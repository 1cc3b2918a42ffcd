// The Boost.Asio adapter around ClientStream: DNS, TCP, TLS (OpenSSL), timers, reconnects.
// It owns the socket, one steady_timer and the core, and does nothing else: every protocol
// decision is the core's. Lives on the signaling thread (one io_context).
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>

#include "signaling/xmpp/srv.hpp"
#include "signaling/xmpp/stream.hpp"

namespace jcall::signaling::xmpp {

struct ConnectionConfig {
  StreamConfig stream;
  std::optional<Target> server;  // --server host:port: skips DNS SRV (STARTTLS on that port)
  std::string cafile;            // extra trust anchor, besides the system store
  int tls_max_version = 0;       // e.g. TLS1_2_VERSION for interop tests; 0: the newest
  bool reconnect = true;
  int max_attempts = 12;  // consecutive failed attempts before giving up
  std::chrono::milliseconds backoff_base{500};
  std::chrono::milliseconds backoff_max{30000};
  std::chrono::seconds connect_timeout{10};
  // Sees every byte sent (out = true) and received, as plaintext XML; SASL payloads are
  // replaced by "[redacted]". For --trace-xml and tests; empty: off.
  std::function<void(bool out, std::string_view xml)> trace;
};

// Exponential backoff with full jitter: uniform in [d/2, d], d = min(max, base * 2^attempt).
std::chrono::milliseconds backoff_delay(int attempt,
                                        std::chrono::milliseconds base,
                                        std::chrono::milliseconds max,
                                        std::mt19937& rng);

struct ConnectionEvents {
  std::function<void(const out::Online&)> online;
  std::function<void(xml::Element&&)> stanza;
  // will_retry: a reconnect is scheduled; otherwise the connection is over for good.
  std::function<void(const Error&, bool will_retry)> disconnected;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::io_context& io, ConnectionConfig config, ConnectionEvents events);
  ~Connection();

  void start();
  void send(xml::Element stanza);
  void close();  // graceful; disconnected() fires when done
  // Test hook: drops the TCP connection abruptly (RST), as a network failure would.
  void drop_for_test();

  const ClientStream& stream() const { return core_; }
  bool online() const { return core_.online(); }
  // The wait before the next attempt, as scheduled by the last disconnect that will retry.
  std::chrono::milliseconds retry_delay() const { return retry_delay_; }
  const std::string& tls_version() const { return tls_version_; }

 private:
  using TcpSocket = boost::asio::ip::tcp::socket;
  using TlsStream = boost::asio::ssl::stream<TcpSocket>;

  void attempt();
  void try_target(std::size_t index);
  void connected(std::size_t index);
  void start_tls(bool direct, std::size_t target_index);
  TlsInfo tls_info();
  void read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void drain();
  void flush_writes();
  void arm_timer();
  void socket_failed(std::string what);
  void connect_failed(std::string what);
  void finish_connection(const out::Closed& closed);
  void teardown_socket();
  Error certificate_error(const boost::system::error_code& ec);

  boost::asio::io_context& io_;
  ConnectionConfig config_;
  ConnectionEvents events_;
  ClientStream core_;
  boost::asio::ssl::context tls_ctx_;
  // Shared with every pending operation's handler: a stream torn down while a read or write
  // is in flight stays alive until that operation has completed (with operation_aborted).
  std::shared_ptr<TlsStream> socket_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer connect_timer_;
  std::vector<Target> targets_;
  std::string last_error_;
  bool tls_active_ = false;
  bool tls_starting_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool closing_ = false;  // close() asked for: no reconnects
  bool stopped_ = false;
  std::deque<std::string> write_queue_;
  std::string write_buffer_;
  bool close_after_write_ = false;
  bool draining_ = false;
  std::array<char, 16 * 1024> read_buffer_{};
  std::string tls_version_;
  int attempts_ = 0;
  std::chrono::milliseconds retry_delay_{0};
  std::mt19937 rng_;
  std::uint64_t generation_ = 0;  // bumps per socket; stale handlers check it
};

}  // namespace jcall::signaling::xmpp
