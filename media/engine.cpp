// The media engine (engine.hpp): ICE + DTLS-SRTP + RTP pipeline per call, on the media thread.
#include "media/engine.hpp"

#include <algorithm>
#include <mutex>
#include <random>
#include <utility>

#include "media/detail/glib.hpp"
#include "media/dtls_srtp/demux.hpp"
#include "media/errc.hpp"
#include "media/media_loop.hpp"

namespace jcall::media {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxEarlyDtls = 16;   // ClientHello flights before configure()
constexpr std::uint64_t kTamperAfter = 50;  // test hook: spare the first second of packets

std::string_view to_string(DtlsEndpoint::State s) {
  switch (s) {
    case DtlsEndpoint::State::kNew:
      return "new";
    case DtlsEndpoint::State::kHandshaking:
      return "handshaking";
    case DtlsEndpoint::State::kConnected:
      return "connected";
    case DtlsEndpoint::State::kFailed:
      return "failed";
    case DtlsEndpoint::State::kClosed:
      return "closed";
  }
  return "unknown";
}

}  // namespace

// The send half of a call's media path, used straight from GStreamer's streaming threads
// (RTP and RTCP sinks, concurrently): protect with SRTP and hand to libnice, without a hop to
// the media thread per packet (tools/bench cpu: that hop was the largest cost over a bare
// gst-launch pipeline). The media thread sets it up (agent, keys, failure) under the same lock.
// One per transport that carries a stream (with BUNDLE, one for the call).
struct Engine::Sender {
  std::mutex m;
  std::string transport;    // which transport carries media
  IceAgent* ice = nullptr;  // owned by that transport; the pipeline stops before it goes
  std::optional<SrtpSession> tx;
  bool failed = false;
  std::uint64_t dropped_before_keys = 0;
  std::uint64_t protected_rtp = 0;
  int tamper_budget = 0;  // test hook (EngineConfig::tamper_srtp_packets)
  int tampered = 0;

  void send(std::vector<std::uint8_t>& packet, bool rtcp) {
    std::lock_guard lock(m);
    if (!tx || failed || ice == nullptr) {
      ++dropped_before_keys;
      return;
    }
    auto r = rtcp ? tx->protect_rtcp(packet) : tx->protect_rtp(packet);
    if (!r)
      return;
    if (!rtcp && tamper_budget > 0) {
      // After the first second of media (both sides keyed by then), spoil N packets: one byte
      // inside the encrypted payload, so the peer's authentication check must fail.
      ++protected_rtp;
      if (protected_rtp > kTamperAfter && tampered < tamper_budget && packet.size() > 20) {
        ++tampered;
        packet[16] ^= 0x5a;
      }
    }
    (void)ice->send_from_any_thread(packet);
  }
};

struct Engine::Transport {
  std::string name;
  std::unique_ptr<IceAgent> ice;
  std::unique_ptr<DtlsEndpoint> dtls;
  std::optional<TransportRemote> remote;
  std::optional<SrtpSession> rx;
  detail::SourcePtr dtls_timer;
  std::vector<std::vector<std::uint8_t>> early_dtls;   // received before the endpoint existed
  std::vector<std::vector<std::uint8_t>> unsent_dtls;  // written before ICE could send
  bool ice_connected = false;
  bool keyed = false;
  bool failed = false;
  bool restarting = false;  // we restarted ICE and wait for the peer's new credentials
  std::uint64_t dropped_before_keys = 0;  // received before keys
  std::optional<SrtpSession> tx_pending;  // keys made before the sender knew this transport
  std::uint64_t impaired_dropped = 0;
  std::uint64_t impaired_delayed = 0;
};

// The senders of a call by transport name, read by the streaming threads per packet.
struct Engine::Senders {
  std::mutex m;
  std::map<std::string, std::shared_ptr<Sender>> by_transport;

  std::shared_ptr<Sender> get(const std::string& transport) {
    std::lock_guard lock(m);
    auto it = by_transport.find(transport);
    return it == by_transport.end() ? nullptr : it->second;
  }
};

struct Engine::Call {
  std::string sid;
  std::map<std::string, std::unique_ptr<Transport>> transports;  // by prepared name
  std::map<std::string, std::vector<IceCandidate>> early_candidates;
  std::map<std::string, bool> early_end;
  std::map<std::string, std::string> stream_transport;  // stream name -> transport name
  std::string audio_stream;  // the one that carries telephone-events (DTMF)
  std::shared_ptr<Senders> senders = std::make_shared<Senders>();
  std::unique_ptr<RtpPipeline> pipeline;  // after transports: destroyed (stopped) first
  bool started = false;
  bool muted = false;
  bool on_hold = false;
  bool camera_on = true;
  // Test hook state (EngineConfig::Impairment).
  std::minstd_rand rng;
  std::optional<Clock::time_point> first_media_at;
  bool burst_marked = false;
};

Result<std::unique_ptr<Engine>> Engine::create(EngineConfig config, Events events) {
  auto cert = Certificate::generate();
  if (!cert) {
    return cert.error();
  }
  return std::unique_ptr<Engine>(new Engine(std::move(config), std::move(events), *cert));
}

Engine::Engine(EngineConfig config, Events events, std::shared_ptr<const Certificate> cert)
    : config_(std::move(config)),
      events_(std::move(events)),
      certificate_(std::move(cert)),
      loop_(std::make_unique<MediaLoop>()) {}

Engine::~Engine() {
  loop_->run_sync([this] {
    for (auto& [sid, call] : calls_) {
      if (call->pipeline) {
        call->pipeline->stop();
      }
    }
    calls_.clear();
    devices_.reset();
  });
  loop_.reset();
}

Engine::Call* Engine::find(const std::string& sid) {
  auto it = calls_.find(sid);
  return it == calls_.end() ? nullptr : it->second.get();
}

Result<std::vector<IceCredentials>> Engine::prepare(const std::string& sid,
                                                    const std::vector<std::string>& transports,
                                                    bool controlling) {
  std::optional<Result<std::vector<IceCredentials>>> result;
  loop_->run_sync([&] {
    auto& slot = calls_[sid];
    if (!slot) {
      slot = std::make_unique<Call>();
      slot->sid = sid;
    }
    Call& call = *slot;
    std::vector<IceCredentials> out;
    for (const auto& name : transports) {
      IceConfig ice;
      ice.controlling = controlling;
      ice.local_addresses = config_.local_addresses;
      ice.servers = config_.ice_servers;
      ice.ipv6 = config_.ipv6;
      ice.relay_only = config_.relay_only;
      ice.connect_timeout = config_.ice_timeout;
      IceAgent::Events ev;
      ev.local_candidate = [this, sid, name](const IceCandidate& c) {
        if (events_.local_candidate)
          events_.local_candidate(sid, name, c);
      };
      ev.gathering_done = [this, sid, name] {
        if (events_.gathering_done)
          events_.gathering_done(sid, name);
      };
      ev.state = [this, sid, name](IceState s, const std::string& detail) {
        Call* c = find(sid);
        if (c == nullptr)
          return;
        auto it = c->transports.find(name);
        if (it == c->transports.end())
          return;
        Transport& t = *it->second;
        if (s == IceState::kConnected) {
          on_ice_connected(*c, t);
        } else if (s == IceState::kFailed) {
          fail(*c, t, make_error(Errc::ice_failed, "ICE failed: " + detail));
        }
      };
      ev.receive = [this, sid, name](std::span<const std::uint8_t> d) {
        Call* c = find(sid);
        if (c == nullptr)
          return;
        auto it = c->transports.find(name);
        if (it != c->transports.end())
          on_receive(*c, *it->second, d);
      };
      auto agent = IceAgent::create(loop_->context(), std::move(ice), std::move(ev));
      if (!agent) {
        result = agent.error();
        return;
      }
      auto t = std::make_unique<Transport>();
      t->name = name;
      t->ice = std::move(*agent);
      out.push_back(t->ice->local_credentials());
      if (auto g = t->ice->gather(); !g) {
        result = g.error();
        return;
      }
      call.transports[name] = std::move(t);
      // Candidates that came before this transport existed.
      if (auto e = call.early_candidates.find(name); e != call.early_candidates.end()) {
        auto cands = std::move(e->second);
        call.early_candidates.erase(e);
        (void)call.transports[name]->ice->add_remote_candidates(cands);
      }
      if (call.early_end[name]) {
        call.transports[name]->ice->end_of_remote_candidates();
      }
    }
    result = std::move(out);
  });
  return std::move(*result);
}

void Engine::set_ice_servers(std::vector<IceServer> servers) {
  loop_->post(
      [this, servers = std::move(servers)]() mutable { config_.ice_servers = std::move(servers); });
}

void Engine::configure(const std::string& sid, CallMediaConfig config) {
  loop_->post([this, sid, config = std::move(config)]() mutable {
    Call* call = find(sid);
    if (call == nullptr)
      return;
    const auto now = Clock::now();
    for (auto& [name, remote] : config.transports) {
      auto it = call->transports.find(name);
      if (it == call->transports.end())
        continue;
      Transport& t = *it->second;
      if (t.failed)
        continue;
      t.ice->set_controlling(config.ice_controlling);
      if (!t.remote || t.remote->credentials != remote.credentials) {
        if (auto r = t.ice->set_remote_credentials(remote.credentials); !r) {
          fail(*call, t, r.error());
          continue;
        }
      }
      if (!t.dtls) {
        DtlsConfig dc;
        dc.role = remote.dtls_role;
        dc.certificate = certificate_;
        dc.remote_fingerprint_hash = remote.fingerprint_hash;
        dc.remote_fingerprint = remote.fingerprint;
        dc.handshake_timeout = config_.dtls_timeout;
        auto d = DtlsEndpoint::create(std::move(dc));
        if (!d) {
          fail(*call, t, d.error());
          continue;
        }
        t.dtls = std::move(*d);
        // The server waits for the ClientHello (maybe here already); the client speaks first
        // once ICE has a path.
        if (remote.dtls_role == DtlsRole::kServer || t.ice_connected) {
          t.dtls->start(now);
        }
        for (auto& d : t.early_dtls)
          t.dtls->feed(d, now);
        t.early_dtls.clear();
      }
      t.remote = remote;
      pump_dtls(*call, t);
    }
    if (!call->pipeline) {
      RtpPipeline::Events ev;
      ev.outgoing_direct = [senders = call->senders](const std::string& transport,
                                                     std::vector<std::uint8_t> packet, bool rtcp) {
        if (auto sender = senders->get(transport))
          sender->send(packet, rtcp);
      };
      ev.dtmf = [this, sid](const std::string& stream, char digit) {
        if (events_.dtmf)
          events_.dtmf(sid, stream, digit);
      };
      ev.first_media = [this, sid](const std::string& stream) {
        if (events_.first_media)
          events_.first_media(sid, stream);
      };
      ev.error = [this, sid](const Error& e) {
        if (events_.media_error)
          events_.media_error(sid, e);
      };
      auto p = RtpPipeline::create(loop_->context(), config_.pipeline, std::move(ev));
      if (!p) {
        if (events_.media_error)
          events_.media_error(sid, p.error());
        return;
      }
      call->pipeline = std::move(*p);
    }
    for (auto& [transport, stream] : config.streams) {
      stream.transport = transport;
      call->stream_transport[stream.name] = transport;
      if (stream.media == codecs::MediaType::kAudio)
        call->audio_stream = stream.name;
      attach_sender(*call, transport);
      if (auto r = call->pipeline->add_stream(stream); !r) {
        if (events_.media_error)
          events_.media_error(sid, r.error());
        return;
      }
    }
    if (!call->started) {
      call->started = true;
      if (auto r = call->pipeline->start(); !r) {
        if (events_.media_error)
          events_.media_error(sid, r.error());
        return;
      }
      call->pipeline->set_muted(call->muted);
      call->pipeline->set_on_hold(call->on_hold);
      call->pipeline->set_camera(call->camera_on);
    }
  });
}

void Engine::add_remote_candidates(const std::string& sid,
                                   const std::string& transport,
                                   std::vector<IceCandidate> candidates,
                                   bool end_of_candidates) {
  loop_->post([this, sid, transport, candidates = std::move(candidates), end_of_candidates] {
    auto& slot = calls_[sid];
    if (!slot) {  // before prepare(): kept for it
      slot = std::make_unique<Call>();
      slot->sid = sid;
    }
    auto it = slot->transports.find(transport);
    if (it == slot->transports.end()) {
      auto& early = slot->early_candidates[transport];
      early.insert(early.end(), candidates.begin(), candidates.end());
      slot->early_end[transport] = slot->early_end[transport] || end_of_candidates;
      return;
    }
    if (!candidates.empty())
      (void)it->second->ice->add_remote_candidates(candidates);
    if (end_of_candidates)
      it->second->ice->end_of_remote_candidates();
  });
}

void Engine::ice_restart(const std::string& sid,
                         const std::string& transport,
                         IceCredentials remote,
                         std::function<void(Result<IceCredentials>)> done) {
  loop_->post([this, sid, transport, remote = std::move(remote), done = std::move(done)] {
    Call* call = find(sid);
    if (call == nullptr)
      return;
    auto it = call->transports.find(transport);
    if (it == call->transports.end())
      return;
    Transport& t = *it->second;
    if (t.restarting) {  // the answer to our own restart: only the peer's side is new
      t.restarting = false;
      if (auto r = t.ice->set_remote_credentials(remote); !r) {
        fail(*call, t, r.error());
        return;
      }
      if (t.remote)
        t.remote->credentials = remote;
      return;
    }
    // The agent forgets the peer's credentials on restart(): ours first, then theirs. The
    // DTLS association and SRTP keys stay (RFC 8445 §9 changes only the path).
    auto local = t.ice->restart();
    if (!local) {
      done(local.error());
      return;
    }
    if (auto r = t.ice->set_remote_credentials(remote); !r) {
      fail(*call, t, r.error());
      done(r.error());
      return;
    }
    if (t.remote)
      t.remote->credentials = remote;
    done(*local);
  });
}

void Engine::restart_ice(const std::string& sid,
                         std::function<void(const std::string&, Result<IceCredentials>)> done) {
  loop_->post([this, sid, done = std::move(done)] {
    Call* call = find(sid);
    if (call == nullptr)
      return;
    for (auto& [name, t] : call->transports) {
      if (!t->remote || t->failed)
        continue;  // not negotiated (or a bundled-away transport): nothing to restart
      t->restarting = true;
      done(name, t->ice->restart());
    }
  });
}

void Engine::remove_streams(const std::string& sid, const std::vector<std::string>& streams) {
  loop_->post([this, sid, streams] {
    Call* call = find(sid);
    if (call == nullptr || !call->pipeline)
      return;
    for (const auto& s : streams) {
      (void)call->pipeline->remove_stream(s);
      call->stream_transport.erase(s);
      if (call->audio_stream == s)
        call->audio_stream.clear();
    }
  });
}

void Engine::close(const std::string& sid) {
  loop_->post([this, sid] {
    auto it = calls_.find(sid);
    if (it == calls_.end())
      return;
    Call& call = *it->second;
    if (call.pipeline)
      call.pipeline->stop();
    for (auto& [name, t] : call.transports) {
      if (t->dtls && t->keyed) {
        t->dtls->close();  // close_notify (RFC 6347 §4.2.7 via TLS §7.2.1)
        for (auto& d : t->dtls->take_outgoing())
          (void)t->ice->send(d);
      }
    }
    calls_.erase(it);
  });
}

void Engine::set_muted(const std::string& sid, bool muted) {
  loop_->post([this, sid, muted] {
    Call* call = find(sid);
    if (call == nullptr)
      return;
    call->muted = muted;
    if (call->pipeline && call->started)
      call->pipeline->set_muted(muted);
  });
}

void Engine::set_on_hold(const std::string& sid, bool on_hold) {
  loop_->post([this, sid, on_hold] {
    Call* call = find(sid);
    if (call == nullptr)
      return;
    call->on_hold = on_hold;
    if (call->pipeline && call->started)
      call->pipeline->set_on_hold(on_hold);
  });
}

void Engine::set_camera(const std::string& sid, bool on) {
  loop_->post([this, sid, on] {
    Call* call = find(sid);
    if (call == nullptr)
      return;
    call->camera_on = on;
    if (call->pipeline && call->started)
      call->pipeline->set_camera(on);
  });
}

void Engine::set_peer_paused(const std::string& sid, const std::string& stream, bool paused) {
  loop_->post([this, sid, stream, paused] {
    Call* call = find(sid);
    if (call != nullptr && call->pipeline)
      call->pipeline->set_peer_paused(stream, paused);
  });
}

std::shared_ptr<FrameMailbox> Engine::frames(const std::string& sid, const std::string& stream) {
  std::shared_ptr<FrameMailbox> out;
  loop_->run_sync([&] {
    Call* call = find(sid);
    if (call != nullptr && call->pipeline)
      out = call->pipeline->frames(stream);
  });
  return out;
}

std::shared_ptr<FrameMailbox> Engine::self_view(const std::string& sid, const std::string& stream) {
  std::shared_ptr<FrameMailbox> out;
  loop_->run_sync([&] {
    Call* call = find(sid);
    if (call != nullptr && call->pipeline)
      out = call->pipeline->self_view(stream);
  });
  return out;
}

void Engine::set_devices(AudioSource source, AudioSink sink, VideoSource video) {
  loop_->post([this, source = std::move(source), sink = std::move(sink),
               video = std::move(video)]() mutable {
    sink.record_path = config_.pipeline.audio_sink.record_path;  // --record stays
    config_.pipeline.audio_source = std::move(source);
    config_.pipeline.audio_sink = std::move(sink);
    config_.pipeline.video_source = std::move(video);
  });
}

void Engine::watch_devices(std::function<void(std::vector<DeviceInfo>)> changed) {
  loop_->post([this, changed = std::move(changed)] {
    devices_.reset();  // the previous watch first: one monitor at a time
    auto monitor = DeviceMonitor::start(loop_->context(), changed);
    if (!monitor) {
      if (changed) {
        changed({});
      }
      return;
    }
    devices_ = std::move(*monitor);
  });
}

void Engine::send_dtmf(const std::string& sid, const std::string& digits) {
  loop_->post([this, sid, digits] {
    Call* call = find(sid);
    if (call == nullptr || !call->pipeline)
      return;
    for (char d : digits) {
      if (auto r = call->pipeline->send_dtmf(call->audio_stream, d); !r) {
        if (events_.media_error)
          events_.media_error(sid, r.error());
        return;
      }
    }
  });
}

void Engine::stats(const std::string& sid, std::function<void(std::optional<CallStats>)> done) {
  loop_->post([this, sid, done = std::move(done)] {
    Call* call = find(sid);
    if (call == nullptr) {
      done(std::nullopt);
      return;
    }
    CallStats s;
    if (call->pipeline) {
      s.streams = call->pipeline->stats();
      s.markers = call->pipeline->marker_times();
    }
    for (auto& [name, t] : call->transports) {
      if (!t->remote && call->started)
        continue;  // prepared but never negotiated: bundled away (RFC 8843) or removed
      TransportStats ts;
      ts.name = name;
      ts.ice_state = std::string(to_string(t->ice->state()));
      ts.pair = t->ice->selected_pair();
      if (t->dtls) {
        ts.dtls_state = std::string(to_string(t->dtls->state()));
        ts.dtls_version = t->dtls->keys() ? t->dtls->version() : "";
        ts.dtls_role = t->remote && t->remote->dtls_role == DtlsRole::kClient ? "client" : "server";
        if (t->dtls->keys())
          ts.srtp_profile = std::string(to_string(t->dtls->keys()->profile));
      }
      if (auto sender = call->senders->get(name)) {
        std::lock_guard lock(sender->m);
        if (sender->tx)
          ts.srtp_out = sender->tx->counters();
        ts.dropped_before_keys += sender->dropped_before_keys;
      }
      ts.impaired_dropped = t->impaired_dropped;
      ts.impaired_delayed = t->impaired_delayed;
      if (t->rx)
        ts.srtp_in = t->rx->counters();
      ts.dropped_before_keys += t->dropped_before_keys;
      s.transports.push_back(std::move(ts));
    }
    done(std::move(s));
  });
}

// ---- media thread ----

void Engine::on_ice_connected(Call& call, Transport& t) {
  t.ice_connected = true;
  if (t.dtls && t.dtls->state() == DtlsEndpoint::State::kNew) {
    t.dtls->start(Clock::now());
  }
  pump_dtls(call, t);
}

void Engine::on_receive(Call& call, Transport& t, std::span<const std::uint8_t> datagram) {
  switch (classify(datagram)) {
    case PacketKind::kDtls:
      if (!t.dtls) {
        if (t.early_dtls.size() < kMaxEarlyDtls) {
          t.early_dtls.emplace_back(datagram.begin(), datagram.end());
        }
        return;
      }
      t.dtls->feed(datagram, Clock::now());
      pump_dtls(call, t);
      return;
    case PacketKind::kRtp:
    case PacketKind::kRtcp: {
      const bool rtcp = classify(datagram) == PacketKind::kRtcp;
      if (impair(call, t, datagram, rtcp))
        on_media_packet(call, t, datagram, rtcp);
      return;
    }
    default:
      return;  // STUN is libnice's; ZRTP, TURN channel data and the rest are not for us
  }
}

void Engine::on_media_packet(Call& call,
                             Transport& t,
                             std::span<const std::uint8_t> datagram,
                             bool rtcp) {
  if (!t.rx || !call.pipeline) {
    ++t.dropped_before_keys;
    return;
  }
  std::vector<std::uint8_t> packet(datagram.begin(), datagram.end());
  const bool ok = rtcp ? t.rx->unprotect_rtcp(packet) : t.rx->unprotect_rtp(packet);
  if (ok)
    call.pipeline->receive(packet, rtcp, t.name);  // else dropped and counted
}

bool Engine::impair(Call& call, Transport& t, std::span<const std::uint8_t> datagram, bool rtcp) {
  const EngineConfig::Impairment& im = config_.impairment;
  if (im.loss_percent <= 0 && im.jitter.count() <= 0 && !im.burst_start)
    return true;
  const auto now = Clock::now();
  if (!call.first_media_at) {
    call.first_media_at = now;
    call.rng.seed(im.seed);
  }
  if (im.burst_start) {
    const auto start = *call.first_media_at + *im.burst_start;
    const auto end = start + im.burst_duration;
    if (now >= start && now < end) {
      ++t.impaired_dropped;
      return false;
    }
    if (now >= end && !call.burst_marked && call.pipeline) {
      call.burst_marked = true;
      const auto end_ns =
          std::chrono::duration_cast<std::chrono::nanoseconds>(end.time_since_epoch()).count();
      call.pipeline->mark_burst_end(end_ns);
    }
  }
  std::uniform_real_distribution<double> uniform(0.0, 100.0);
  if (im.loss_percent > 0 && uniform(call.rng) < im.loss_percent) {
    ++t.impaired_dropped;
    return false;
  }
  if (im.jitter.count() <= 0)
    return true;
  const auto delay = static_cast<unsigned>(
      std::uniform_int_distribution<long long>(0, im.jitter.count())(call.rng));
  if (delay == 0)
    return true;
  ++t.impaired_delayed;
  // Fed later from a one-shot timer on the media context; it finds the call by its id, so a
  // call closed meanwhile just drops it.
  struct Delayed {
    Engine* self;
    std::string sid;
    std::string transport;
    std::vector<std::uint8_t> packet;
    bool rtcp;
  };
  auto* d = new Delayed{this, call.sid, t.name, {datagram.begin(), datagram.end()}, rtcp};
  GSource* source = g_timeout_source_new(delay);
  g_source_set_callback(
      source,
      [](gpointer data) noexcept -> gboolean {
        auto* d = static_cast<Delayed*>(data);
        try {
          if (Call* c = d->self->find(d->sid)) {
            auto it = c->transports.find(d->transport);
            if (it != c->transports.end())
              d->self->on_media_packet(*c, *it->second, d->packet, d->rtcp);
          }
        } catch (...) {
        }
        return G_SOURCE_REMOVE;
      },
      d, [](gpointer data) noexcept { delete static_cast<Delayed*>(data); });
  g_source_attach(source, loop_->context());
  g_source_unref(source);
  return false;
}

void Engine::pump_dtls(Call& call, Transport& t) {
  if (!t.dtls)
    return;
  for (auto& d : t.dtls->take_outgoing())
    t.unsent_dtls.push_back(std::move(d));
  if (t.ice_connected || t.ice->selected_pair()) {
    for (auto& d : t.unsent_dtls)
      (void)t.ice->send(d);
    t.unsent_dtls.clear();
  }
  const auto now = Clock::now();
  if (t.dtls->state() == DtlsEndpoint::State::kConnected && !t.keyed) {
    const SrtpKeys& keys = *t.dtls->keys();
    auto tx =
        SrtpSession::create(keys.profile, SrtpSession::Direction::kOutbound, keys.local_key_salt);
    auto rx =
        SrtpSession::create(keys.profile, SrtpSession::Direction::kInbound, keys.remote_key_salt);
    if (!tx || !rx) {
      fail(call, t, !tx ? tx.error() : rx.error());
      return;
    }
    if (auto sender = call.senders->get(t.name)) {
      std::lock_guard lock(sender->m);
      sender->tx.emplace(std::move(*tx));
    } else {
      t.tx_pending.emplace(std::move(*tx));
    }
    t.rx.emplace(std::move(*rx));
    t.keyed = true;
    t.dtls_timer.reset();
    // The keyframe the encoder made at the start went out before there were keys (dropped):
    // the peer gets a fresh one at once instead of asking for it.
    if (call.pipeline)
      call.pipeline->force_keyframe();
    if (events_.connected)
      events_.connected(call.sid, t.name);
    return;
  }
  if (t.dtls->state() == DtlsEndpoint::State::kFailed) {
    fail(call, t,
         t.dtls->failure() ? *t.dtls->failure()
                           : make_error(Errc::dtls_handshake_failed, "DTLS handshake failed"));
    return;
  }
  if (t.keyed)
    return;
  t.dtls_timer.reset();
  if (auto next = t.dtls->next_timeout(now)) {
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*next - now).count();
    const std::string sid = call.sid;
    const std::string name = t.name;
    t.dtls_timer = detail::add_timer(
        loop_->context(), static_cast<unsigned>(std::max<long long>(ms, 1)), [this, sid, name] {
          Call* c = find(sid);
          if (c == nullptr)
            return false;
          auto it = c->transports.find(name);
          if (it == c->transports.end() || !it->second->dtls)
            return false;
          Transport& tr = *it->second;
          // The owner is replaced inside pump_dtls: hand it over first.
          detail::SourcePtr self = std::move(tr.dtls_timer);
          tr.dtls->on_timer(Clock::now());
          pump_dtls(*c, tr);
          (void)self;
          return false;
        });
  }
}

void Engine::attach_sender(Call& call, const std::string& transport) {
  auto it = call.transports.find(transport);
  if (it == call.transports.end())
    return;
  Transport& t = *it->second;
  if (call.senders->get(transport))
    return;
  auto sender = std::make_shared<Sender>();
  sender->transport = transport;
  sender->ice = t.ice.get();
  sender->failed = t.failed;
  sender->tamper_budget = config_.tamper_srtp_packets;
  if (t.tx_pending) {
    sender->tx.emplace(std::move(*t.tx_pending));
    t.tx_pending.reset();
  }
  std::lock_guard lock(call.senders->m);
  call.senders->by_transport[transport] = std::move(sender);
}

void Engine::fail(Call& call, Transport& t, Error e) {
  if (t.failed)
    return;
  t.failed = true;
  t.dtls_timer.reset();
  if (auto sender = call.senders->get(t.name)) {
    std::lock_guard lock(sender->m);
    sender->failed = true;
  }
  if (events_.failed)
    events_.failed(call.sid, t.name, e);
}

}  // namespace jcall::media
