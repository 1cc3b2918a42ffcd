// The test transport (see test_transport.hpp). Datagrams, as text:
//   "jcall-probe <to-ufrag> <from-ufrag> <nonce>"    sent to each remote candidate
//   "jcall-answer <to-ufrag> <from-ufrag> <nonce>"   the reply, to the probe's source address
// A probe is answered only when <to-ufrag> is ours; an answer counts only when it is
// addressed to our ufrag, comes from the remote ufrag signaled for the content and echoes
// the nonce of this stream's probes.
#include "app/test_transport.hpp"

#include <array>
#include <random>
#include <sstream>

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/random.hpp"

namespace jcall::app {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

std::string fingerprint_shaped() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int> byte(0, 255);
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string s;
  for (int i = 0; i < 32; ++i) {  // SHA-256: 32 bytes, "AB:CD:..."
    const int b = byte(rng);
    if (i > 0) {
      s += ':';
    }
    s += kHex[b >> 4];
    s += kHex[b & 15];
  }
  return s;
}

}  // namespace

struct TestTransport::Stream : std::enable_shared_from_this<TestTransport::Stream> {
  Stream(asio::io_context& io, std::string sid_, std::string name_)
      : sid(std::move(sid_)), name(std::move(name_)), socket(io), timer(io) {}

  std::string sid;
  std::string name;
  codecs::MediaType media = codecs::MediaType::kAudio;
  udp::socket socket;
  asio::steady_timer timer;
  std::string local_ufrag = random_token(8, kIceChars);
  std::string local_pwd = random_token(24, kIceChars);
  std::string nonce = random_token(12, kIceChars);
  std::string remote_ufrag;
  std::vector<udp::endpoint> remote;
  bool configured = false;
  bool probing = false;
  bool connected = false;
  bool failed = false;
  bool closed = false;
  int probes = 0;
  std::array<char, 512> buffer{};
  udp::endpoint sender;
  MediaEvents* events = nullptr;  // the owner's; valid while !closed
  Timing timing;

  void receive() {
    auto self = shared_from_this();
    socket.async_receive_from(asio::buffer(buffer), sender,
                              [self](const boost::system::error_code& ec, std::size_t n) {
                                if (ec || self->closed) {
                                  return;
                                }
                                self->on_datagram(std::string(self->buffer.data(), n));
                                self->receive();
                              });
  }

  void on_datagram(const std::string& text) {
    std::istringstream in(text);
    std::string kind, to, from, their_nonce;
    if (!(in >> kind >> to >> from >> their_nonce) || to != local_ufrag) {
      return;
    }
    if (kind == "jcall-probe") {
      auto reply =
          std::make_shared<std::string>("jcall-answer " + from + " " + to + " " + their_nonce);
      socket.async_send_to(asio::buffer(*reply), sender,
                           [reply](const boost::system::error_code&, std::size_t) {});
    } else if (kind == "jcall-answer" && from == remote_ufrag && their_nonce == nonce &&
               !connected && !failed) {
      connected = true;
      timer.cancel();
      if (events->connected) {
        events->connected(sid, name);
      }
    }
  }

  void maybe_probe() {
    if (probing || connected || failed || closed || !configured || remote_ufrag.empty() ||
        remote.empty()) {
      return;
    }
    probing = true;
    probe();
  }

  void probe() {
    if (connected || failed || closed) {
      return;
    }
    if (probes >= timing.max_probes) {
      failed = true;
      std::string where;
      for (const auto& e : remote) {
        where +=
            (where.empty() ? "" : ", ") + e.address().to_string() + ":" + std::to_string(e.port());
      }
      if (events->failed) {
        events->failed(
            sid, name,
            "test transport: " + std::to_string(probes) + " probes to " + where + " got no answer");
      }
      return;
    }
    ++probes;
    auto datagram = std::make_shared<std::string>("jcall-probe " + remote_ufrag + " " +
                                                  local_ufrag + " " + nonce);
    for (const auto& e : remote) {
      socket.async_send_to(asio::buffer(*datagram), e,
                           [datagram](const boost::system::error_code&, std::size_t) {});
    }
    auto self = shared_from_this();
    timer.expires_after(timing.probe_interval);
    timer.async_wait([self](const boost::system::error_code& ec) {
      if (!ec) {
        self->probe();
      }
    });
  }

  void close() {
    closed = true;
    boost::system::error_code ignored;
    timer.cancel();
    socket.close(ignored);
  }
};

TestTransport::TestTransport(asio::io_context& io) : TestTransport(io, Timing{}) {}

TestTransport::TestTransport(asio::io_context& io, Timing timing) : io_(io), timing_(timing) {}

TestTransport::~TestTransport() {
  for (auto& [sid, call] : calls_) {
    for (auto& [name, s] : call.streams) {
      s->close();
    }
  }
}

Result<std::vector<jingle::LocalTransport>> TestTransport::prepare(
    const std::string& sid,
    const std::vector<std::string>& contents,
    const std::vector<codecs::MediaType>& media) {
  Call& call = calls_[sid];
  std::vector<jingle::LocalTransport> out;
  std::vector<std::shared_ptr<Stream>> made;
  for (std::size_t i = 0; i < contents.size(); ++i) {
    auto s = std::make_shared<Stream>(io_, sid, contents[i]);
    s->media = i < media.size() ? media[i] : codecs::MediaType::kAudio;
    s->events = &events_;
    s->timing = timing_;
    boost::system::error_code ec;
    s->socket.open(udp::v4(), ec);
    if (!ec) {
      s->socket.bind(udp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0), ec);
    }
    if (ec) {
      return make_error(ec,
                        "test transport: cannot bind a UDP socket on 127.0.0.1: " + ec.message());
    }
    jingle::LocalTransport t;
    t.ufrag = s->local_ufrag;
    t.pwd = s->local_pwd;
    t.fingerprint_hash = "sha-256";
    t.fingerprint = fingerprint_shaped();
    out.push_back(std::move(t));
    if (auto old = call.streams.find(contents[i]); old != call.streams.end()) {
      old->second->close();
    }
    call.streams[contents[i]] = s;
    made.push_back(s);
    s->receive();
  }
  // Gathering "finishes" at once, but is reported asynchronously as a real agent would.
  std::weak_ptr<bool> alive = alive_;
  asio::post(io_, [this, alive, made] {
    if (alive.expired()) {
      return;
    }
    for (const auto& s : made) {
      if (s->closed) {
        continue;
      }
      jingle::Candidate c;
      c.component = 1;
      c.foundation = "1";
      c.generation = 0;
      c.id = random_token(10, kIceChars);
      c.ip = "127.0.0.1";
      c.network = 0;
      c.port = s->socket.local_endpoint().port();
      c.priority = (126u << 24) | (65535u << 8) | 255u;  // RFC 8445 §5.1.2.1, host
      c.protocol = "udp";
      c.type = "host";
      if (events_.local_candidate) {
        events_.local_candidate(s->sid, s->name, c);
      }
      if (!s->closed && events_.gathering_done) {
        events_.gathering_done(s->sid, s->name);
      }
    }
  });
  return out;
}

std::shared_ptr<TestTransport::Stream> TestTransport::find(Call& call, const std::string& name) {
  if (auto it = call.streams.find(name); it != call.streams.end()) {
    return it->second;
  }
  if (auto it = call.names.find(name); it != call.names.end()) {
    if (auto s = call.streams.find(it->second); s != call.streams.end()) {
      return s->second;
    }
  }
  return nullptr;
}

void TestTransport::add_remote(const std::string& sid,
                               Call& call,
                               const jingle::out::RemoteCandidates& c) {
  auto s = find(call, c.content);
  if (!s) {
    call.early[c.content].push_back(c);  // a session name not mapped yet: see configure()
    return;
  }
  (void)sid;
  for (const auto& cand : c.candidates) {
    if (cand.protocol != "udp" || cand.component != 1) {
      continue;  // only what this stand-in can reach
    }
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(cand.ip, ec);
    if (!ec) {
      s->remote.emplace_back(address, cand.port);
    }
  }
  s->maybe_probe();
}

void TestTransport::configure(const std::string& sid, const jingle::out::ConfigureMedia& m) {
  auto it = calls_.find(sid);
  if (it == calls_.end()) {
    return;
  }
  Call& call = it->second;
  if (!m.bundle.empty()) {
    call.bundles = {m.bundle};
  }
  for (const auto& content : m.contents) {
    auto s = find(call, content.name);
    if (!s) {
      // Prepared under its media alias: the first unmapped stream of that media.
      for (auto& [name, stream] : call.streams) {
        bool mapped = false;
        for (const auto& [session_name, prepared] : call.names) {
          mapped = mapped || prepared == name;
        }
        if (stream->media == content.media && !mapped && !call.streams.contains(content.name)) {
          call.names[content.name] = name;
          s = stream;
          break;
        }
      }
    }
    if (!s) {
      continue;
    }
    if (!s->remote_ufrag.empty() && s->remote_ufrag != content.remote_ufrag) {
      s->connected = s->failed = s->probing = false;  // new credentials: check again
      s->probes = 0;
    }
    s->remote_ufrag = content.remote_ufrag;
    s->configured = true;
    if (auto early = call.early.find(content.name); early != call.early.end()) {
      auto pending = std::move(early->second);
      call.early.erase(early);
      for (const auto& c : pending) {
        add_remote(sid, call, c);
      }
    }
    s->maybe_probe();
  }
  // A content bundled onto another one's transport, without candidates of its own, is
  // connected when that transport is (XEP-0338 BUNDLE: one path for the group).
  for (const auto& group : call.bundles) {
    for (const auto& name : group) {
      auto s = find(call, name);
      if (s && s->remote.empty() && !s->connected) {
        for (const auto& other : group) {
          auto o = find(call, other);
          if (o && o != s && o->connected && !o->remote.empty()) {
            s->connected = true;
            std::weak_ptr<bool> alive = alive_;
            asio::post(io_, [this, alive, s] {
              if (!alive.expired() && !s->closed && events_.connected) {
                events_.connected(s->sid, s->name);
              }
            });
            break;
          }
        }
      }
    }
  }
}

void TestTransport::remote_candidates(const std::string& sid,
                                      const jingle::out::RemoteCandidates& c) {
  auto it = calls_.find(sid);
  if (it == calls_.end()) {
    it = calls_.emplace(sid, Call{}).first;  // before prepare(): kept for later
  }
  add_remote(sid, it->second, c);
}

void TestTransport::ice_restart(const std::string& sid, const jingle::out::IceRestart& r) {
  auto it = calls_.find(sid);
  if (it == calls_.end()) {
    return;
  }
  if (auto s = find(it->second, r.content)) {
    s->remote_ufrag = r.ufrag;
    s->remote.clear();
    s->connected = s->failed = s->probing = false;
    s->probes = 0;
  }
}

void TestTransport::remove(const std::string& sid, const std::vector<std::string>& contents) {
  auto it = calls_.find(sid);
  if (it == calls_.end()) {
    return;
  }
  for (const auto& name : contents) {
    std::string key = name;
    if (auto n = it->second.names.find(name); n != it->second.names.end()) {
      key = n->second;
      it->second.names.erase(n);
    }
    if (auto s = it->second.streams.find(key); s != it->second.streams.end()) {
      s->second->close();
      it->second.streams.erase(s);
    }
  }
}

void TestTransport::close(const std::string& sid) {
  auto it = calls_.find(sid);
  if (it == calls_.end()) {
    return;
  }
  for (auto& [name, s] : it->second.streams) {
    s->close();
  }
  calls_.erase(it);
}

}  // namespace jcall::app
