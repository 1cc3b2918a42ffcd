// A TCP relay on 127.0.0.1 between clients and a server, for tests that need the network to
// fail: cut() drops every relayed connection at once while new connections keep being
// accepted. The client side is reset (RST, no FIN), as a dropped link or a NAT timeout does to
// it; the server side gets a TCP close with nothing at the XMPP level (no </stream:stream>),
// or a reset as well.
//
// Why the server side is not reset by default: Prosody 0.12.3 keeps feeding a resumed
// session's bytes to the old connection's XML parser (mod_c2s binds session.data to the
// parser of the connection that created the session, and mod_smacks does not replace it on
// resumption). If that parser was left in the middle of a stanza, the resumed stream fails as
// not-well-formed although the client's bytes are well-formed (checked by dumping what jcall
// encrypted). jcall writes whole stanzas per TLS record, so a closed connection, which the
// server reads to its end, never leaves half a stanza there; a reset one can, since Prosody
// reads at most 4 KiB at a time (its log shows 4096-byte reads) and a reset throws away what
// it has not read yet. (A plain close() with unread data is a reset too, hence the draining.)
// Resetting the server side tests Prosody, not the client; cut(true) still does it.

#pragma once

#include <atomic>
#include <chrono>
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
  // Server sides of cut connections: half-closed (FIN sent), read and discarded until the
  // server closes too (bounded), so that no unread data turns the close into a reset.
  struct Draining {
    int fd;
    std::chrono::steady_clock::time_point deadline;
  };
  std::vector<Draining> draining_;
  bool cut_requested_ = false;
  bool reset_server_ = false;
  int cut_count_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

}  // namespace jcall::test
