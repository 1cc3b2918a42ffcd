// A hostile server (a small TCP server inside the test) sends bad XML; the client must end
// the connection with a clear error, keep its memory bounded and never crash.
// RFC 6120 §4.9.3 (stream errors), §11 (restricted XML).
#include <atomic>
#include <chrono>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "signaling/xmpp/connection.hpp"

namespace jcall::signaling::xmpp {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' id='x' from='localhost' version='1.0'>";

// Accepts one connection on 127.0.0.1, reads the client's header, then sends `script`, and,
// if `endless`, keeps sending `endless` until the client goes away (bounded at 256 MiB).
class HostileServer {
 public:
  HostileServer(std::string script, std::string endless = {})
      : script_(std::move(script)), endless_(std::move(endless)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    EXPECT_EQ(::listen(fd_, 1), 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~HostileServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }
  std::size_t bytes_sent() const { return sent_; }
  bool client_closed() const { return client_closed_; }

 private:
  void serve() {
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    const int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) {
      return;
    }
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    timeval send_tv{2, 0};
    ::setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &send_tv, sizeof(send_tv));
    char buf[4096];
    (void)::recv(c, buf, sizeof(buf), 0);  // the client's stream header
    send_all(c, script_);
    constexpr std::size_t kCap = 256u << 20;
    while (!endless_.empty() && !stop_ && sent_ < kCap) {
      if (!send_all(c, endless_)) {
        break;
      }
    }
    // Wait (bounded by SO_RCVTIMEO) until the client closes its side.
    while (true) {
      const ssize_t n = ::recv(c, buf, sizeof(buf), 0);
      if (n == 0 || (n < 0 && errno != EINTR)) {
        client_closed_ = n == 0 || errno == ECONNRESET;
        break;
      }
    }
    ::close(c);
  }
  bool send_all(int c, std::string_view s) {
    while (!s.empty()) {
      const ssize_t n = ::send(c, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        return false;
      }
      sent_ += static_cast<std::size_t>(n);
      s.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  std::string script_;
  std::string endless_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> sent_{0};
  std::atomic<bool> client_closed_{false};
};

struct Outcome {
  std::optional<Error> error;
  bool will_retry = true;
};

Outcome run_client_against(HostileServer& server) {
  boost::asio::io_context io;
  ConnectionConfig config;
  config.stream.jid = *Jid::parse("juliet@localhost/test");
  config.stream.password = "irrelevant";
  config.server = Target{"127.0.0.1", server.port(), false};
  config.reconnect = false;
  Outcome outcome;
  ConnectionEvents events;
  events.disconnected = [&](const Error& e, bool retry) {
    outcome.error = e;
    outcome.will_retry = retry;
    io.stop();
  };
  auto conn = std::make_shared<Connection>(io, config, events);
  conn->start();
  io.run_for(20s);
  return outcome;
}

TEST(HostileServer, NotWellFormedXml) {
  HostileServer server(std::string(kHeader) + "<stream:features><starttls></stream:features>");
  const Outcome o = run_client_against(server);
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->code, Errc::xml_error);
  EXPECT_NE(o.error->message.find("mismatched tag"), std::string::npos) << o.error->message;
  EXPECT_FALSE(o.will_retry);
}

TEST(HostileServer, Doctype) {
  HostileServer server("<?xml version='1.0'?><!DOCTYPE stream:stream [<!ELEMENT x ANY>]>" +
                       std::string(kHeader).substr(21));
  const Outcome o = run_client_against(server);
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->code, Errc::xml_error);
  EXPECT_NE(o.error->message.find("document type declaration"), std::string::npos)
      << o.error->message;
}

TEST(HostileServer, EntityBomb) {
  std::string bomb = "<?xml version='1.0'?><!DOCTYPE s [<!ENTITY a 'aaaaaaaaaa'>";
  for (char c = 'b'; c <= 'k'; ++c) {
    bomb += std::string("<!ENTITY ") + c + " '" + std::string(10, '&') + "'>";
  }
  bomb += "]>" + std::string(kHeader).substr(21) + "<message><body>&k;</body></message>";
  HostileServer server(bomb);
  const Outcome o = run_client_against(server);
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->code, Errc::xml_error);
}

TEST(HostileServer, EndlessTextIsCutAtTheLimit) {
  HostileServer server(std::string(kHeader) + "<message><body>", std::string(64 * 1024, 'A'));
  const Outcome o = run_client_against(server);
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->code, Errc::xml_error);
  EXPECT_NE(o.error->message.find("exceeds 131072 bytes"), std::string::npos) << o.error->message;
  EXPECT_LT(server.bytes_sent(), 32u << 20);
}

TEST(HostileServer, EndlessStanzaIsCutAtTheLimit) {
  std::string children;
  for (int i = 0; i < 4096; ++i) {
    children += "<x a='1'/>";
  }
  HostileServer server(std::string(kHeader) + "<message>", children);
  const Outcome o = run_client_against(server);
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->code, Errc::xml_error);
  EXPECT_NE(o.error->message.find("exceeds 262144 bytes"), std::string::npos) << o.error->message;
  // The client stopped reading at the limit: what the server got out is the limit plus what
  // the kernel's socket buffers hold, nowhere near the 256 MiB it would have sent.
  EXPECT_LT(server.bytes_sent(), 32u << 20);
}

TEST(HostileServer, EndlessAttributeInTheStreamHeader) {
  HostileServer server(
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
      "xmlns:stream='http://etherx.jabber.org/streams' id='",
      std::string(64 * 1024, 'B'));
  const Outcome o = run_client_against(server);
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->code, Errc::xml_error);
  EXPECT_LT(server.bytes_sent(), 32u << 20);
}

TEST(HostileServer, UnreachableServerIsAReadableError) {
  // A port nobody listens on (bound, then closed).
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);

  boost::asio::io_context io;
  ConnectionConfig config;
  config.stream.jid = *Jid::parse("juliet@localhost");
  config.stream.password = "x";
  config.server = Target{"127.0.0.1", ntohs(addr.sin_port), false};
  config.max_attempts = 2;
  config.backoff_base = 10ms;
  std::vector<std::pair<Error, bool>> events;
  ConnectionEvents ev;
  ev.disconnected = [&](const Error& e, bool retry) {
    events.emplace_back(e, retry);
    if (!retry) {
      io.stop();
    }
  };
  auto conn = std::make_shared<Connection>(io, config, ev);
  conn->start();
  io.run_for(10s);
  ASSERT_EQ(events.size(), 2u) << "one retry, then give up (max_attempts 2)";
  EXPECT_TRUE(events[0].second);
  EXPECT_FALSE(events[1].second);
  EXPECT_EQ(events[1].first.code, Errc::connect_failed);
  EXPECT_NE(events[1].first.message.find("Connection refused"), std::string::npos)
      << events[1].first.message;
}

}  // namespace
}  // namespace jcall::signaling::xmpp
