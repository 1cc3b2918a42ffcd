#include "support/tcp_proxy.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace jcall::test {
namespace {

void reset_close(int fd) {
  linger l{1, 0};  // close with RST, not FIN
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  ::close(fd);
}

bool relay(int from, int to) {
  char buf[16384];
  const ssize_t n = ::recv(from, buf, sizeof(buf), 0);
  if (n <= 0) {
    return false;
  }
  ssize_t off = 0;
  while (off < n) {
    const ssize_t w = ::send(to, buf + off, static_cast<std::size_t>(n - off), MSG_NOSIGNAL);
    if (w <= 0) {
      return false;
    }
    off += w;
  }
  return true;
}

}  // namespace

TcpProxy::TcpProxy(std::uint16_t target_port) : target_port_(target_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 16) != 0 || ::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw std::runtime_error("TcpProxy: cannot listen on 127.0.0.1");
  }
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { run(); });
}

TcpProxy::~TcpProxy() {
  stop_ = true;
  (void)::write(wake_[1], "x", 1);
  thread_.join();
  for (auto& p : pairs_) {
    ::close(p.client);
    ::close(p.server);
  }
  for (auto& d : draining_) {
    ::close(d.fd);
  }
  ::close(listen_fd_);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

int TcpProxy::cut(bool reset_server_side) {
  std::unique_lock lock(mutex_);
  cut_requested_ = true;
  reset_server_ = reset_server_side;
  (void)::write(wake_[1], "c", 1);
  // The relay thread does the cut between two polls; wait (bounded) until it has.
  for (int i = 0; i < 200 && cut_requested_; ++i) {
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    lock.lock();
  }
  return cut_count_;
}

void TcpProxy::run() {
  while (!stop_) {
    std::vector<pollfd> fds;
    fds.push_back({wake_[0], POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    for (const auto& p : pairs_) {
      fds.push_back({p.client, POLLIN, 0});
      fds.push_back({p.server, POLLIN, 0});
    }
    const std::size_t first_draining = fds.size();
    for (const auto& d : draining_) {
      fds.push_back({d.fd, POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), 200) < 0 && errno != EINTR) {
      return;
    }
    {
      std::vector<Draining> still;
      const auto now = std::chrono::steady_clock::now();
      for (std::size_t i = 0; i < draining_.size(); ++i) {
        const auto& d = draining_[i];
        bool done = now >= d.deadline;
        if (!done && (fds[first_draining + i].revents & (POLLIN | POLLHUP | POLLERR))) {
          char scratch[16384];
          done = ::recv(d.fd, scratch, sizeof(scratch), MSG_DONTWAIT) <= 0;
        }
        if (done) {
          ::close(d.fd);
        } else {
          still.push_back(d);
        }
      }
      draining_ = std::move(still);
    }
    if (fds[0].revents & POLLIN) {
      char drain[64];
      while (::read(wake_[0], drain, sizeof(drain)) > 0) {
      }
    }
    {
      std::lock_guard lock(mutex_);
      if (cut_requested_) {
        cut_count_ = static_cast<int>(pairs_.size());
        for (auto& p : pairs_) {
          reset_close(p.client);
          if (reset_server_) {
            reset_close(p.server);
          } else {
            ::shutdown(p.server, SHUT_WR);
            draining_.push_back(
                {p.server, std::chrono::steady_clock::now() + std::chrono::seconds(5)});
          }
        }
        pairs_.clear();
        cut_requested_ = false;
        continue;
      }
    }
    const std::size_t polled = pairs_.size();  // fds holds these; new ones wait a round
    if (fds[1].revents & POLLIN) {
      const int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) {
        const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(target_port_);
        if (::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
          int one = 1;
          ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          pairs_.push_back({c, s});
          ++accepted_;
        } else {
          ::close(s);
          reset_close(c);
        }
      }
    }
    std::vector<Pair> keep(pairs_.begin() + static_cast<std::ptrdiff_t>(polled), pairs_.end());
    for (std::size_t i = 0; i < polled; ++i) {
      const auto& p = pairs_[i];
      const short cr = fds[2 + 2 * i].revents;
      const short sr = fds[3 + 2 * i].revents;
      bool ok = true;
      if (cr & (POLLIN | POLLHUP | POLLERR)) {
        ok = relay(p.client, p.server);
      }
      if (ok && (sr & (POLLIN | POLLHUP | POLLERR))) {
        ok = relay(p.server, p.client);
      }
      if (ok) {
        keep.push_back(p);
      } else {
        ::close(p.client);
        ::close(p.server);
      }
    }
    std::lock_guard lock(mutex_);
    pairs_ = std::move(keep);
  }
}

}  // namespace jcall::test
