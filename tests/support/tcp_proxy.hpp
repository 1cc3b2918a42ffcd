// A TCP relay on 127.0.0.1 between clients and a server, for tests that need the network to
// fail: cut() drops every relayed connection at once while new connections keep being
// accepted. The client side is reset (RST, no FIN), as a dropped link or a NAT timeout does to
// it; the server side is closed without anything at the XMPP level, or reset as well.
//
// Why the server side is not reset by default: Prosody 0.12.3 keeps feeding a resumed
// session's bytes to the old connection's XML parser (mod_c2s binds session.data to the
// parser of the connection that created the session, and mod_smacks does not replace it on
// resumption). If that parser was left in the middle of a stanza, the resumed stream fails as
// not-well-formed although the client's bytes are well-formed (checked by dumping what jcall
// encrypted). jcall writes whole stanzas per TLS record, so a closed connection never leaves
// half a stanza there; a reset one still can: Prosody reads at most 4 KiB at a time (its log
// shows 4096-byte reads), and the rest of a record is lost with the reset. Resetting it tests
// Prosody, not the client; cut(true) still does it, for whoever wants to see that.

#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace jcall::test {

class TcpProxy {
 public:
  explicit TcpProxy(std::uint16_t target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  std::uint16_t port() const { return port_; }
  // Drops all current connections; returns how many were cut.
  int cut(bool reset_server_side = false);
  int accepted() const { return accepted_; }

 private:
  struct Pair {
    int client = -1;
    int server = -1;
  };
  void run();

  std::uint16_t target_port_;
  std::uint16_t port_ = 0;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::mutex mutex_;
  std::vector<Pair> pairs_;
  bool cut_requested_ = false;
  bool reset_server_ = false;
  int cut_count_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

}  // namespace jcall::test
