// The media seam on the real engine (see engine_backend.hpp).
#include "app/engine_backend.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "base/random.hpp"
#include "media/errc.hpp"

namespace jcall::app {

namespace asio = boost::asio;

namespace {

// XEP-0166 §7.4 condition for a transport that cannot carry media.
jingle::Condition condition_of(const Error& e) {
  if (e.code == media::Errc::fingerprint_mismatch || e.code == media::Errc::dtls_handshake_failed) {
    return jingle::Condition::kSecurityError;  // XEP-0320 §3: the DTLS identity did not hold
  }
  if (e.code == media::Errc::pipeline_error || e.code == media::Errc::device_error) {
    return jingle::Condition::kMediaError;
  }
  return jingle::Condition::kFailedTransport;  // ICE failed, DTLS timed out
}

std::string altered(std::string fingerprint) {
  // Flip the first hex digit: a well-formed fingerprint that is not ours.
  if (!fingerprint.empty()) {
    fingerprint[0] = fingerprint[0] == 'A' ? 'B' : 'A';
  }
  return fingerprint;
}

MediaStats candidate_json(const media::IceCandidate& c) {
  return {{"type", c.type}, {"ip", c.ip}, {"port", c.port}, {"protocol", c.protocol}};
}

MediaStats counters_json(const media::SrtpCounters& c, bool inbound) {
  if (!inbound) {
    return {{"protected", c.protected_packets}};
  }
  return {{"unprotected", c.unprotected_packets},
          {"auth_failures", c.auth_failures},
          {"replay_failures", c.replay_failures},
          {"other_failures", c.other_failures}};
}

}  // namespace

Result<std::unique_ptr<EngineBackend>> EngineBackend::create(asio::io_context& io,
                                                             media::EngineConfig config,
                                                             Hooks hooks) {
  std::unique_ptr<EngineBackend> b(new EngineBackend(io, hooks));
  EngineBackend* self = b.get();
  media::Engine::Events ev;
  // Every engine event is posted to the signaling thread, where `self` lives; the liveness
  // token drops events that arrive after the backend is gone.
  ev.local_candidate = [self](const std::string& sid, const std::string& transport,
                              const media::IceCandidate& c) {
    self->post([self, sid, transport, c] {
      if (self->events_.local_candidate) {
        self->events_.local_candidate(sid, transport, to_jingle(c));
      }
    });
  };
  ev.gathering_done = [self](const std::string& sid, const std::string& transport) {
    self->post([self, sid, transport] {
      if (self->events_.gathering_done)
        self->events_.gathering_done(sid, transport);
    });
  };
  ev.connected = [self](const std::string& sid, const std::string& transport) {
    self->post([self, sid, transport] {
      auto it = self->calls_.find(sid);
      if (it == self->calls_.end() || !self->events_.connected)
        return;
      Call& call = it->second;
      std::vector<std::string> names{transport};
      // Contents bundled onto this transport are connected with it (XEP-0338).
      for (const auto& [content, prepared] : call.names) {
        if (prepared != transport && self->transport_of(call, content) == transport) {
          names.push_back(prepared);
        }
      }
      for (const auto& n : names)
        self->events_.connected(sid, n);
    });
  };
  ev.failed = [self](const std::string& sid, const std::string& transport, const Error& e) {
    self->post([self, sid, transport, e] {
      if (self->events_.failed) {
        self->events_.failed(sid, transport, e.describe(), condition_of(e));
      }
    });
  };
  ev.first_media = [self](const std::string& sid, const std::string& stream) {
    self->post([self, sid, stream] {
      if (self->events_.first_media)
        self->events_.first_media(sid, stream);
    });
  };
  ev.dtmf = [self](const std::string& sid, const std::string& stream, char digit) {
    self->post([self, sid, stream, digit] {
      if (self->events_.dtmf)
        self->events_.dtmf(sid, stream, digit);
    });
  };
  ev.media_error = [self](const std::string& sid, const Error& e) {
    self->post([self, sid, e] {
      auto it = self->calls_.find(sid);
      if (it == self->calls_.end() || it->second.prepared.empty())
        return;
      if (self->events_.media_error)
        self->events_.media_error(sid, e.describe());
      if (self->events_.failed) {
        self->events_.failed(sid, it->second.prepared.begin()->first, e.describe(),
                             condition_of(e));
      }
    });
  };
  b->configured_servers_ = config.ice_servers;
  auto engine = media::Engine::create(std::move(config), std::move(ev));
  if (!engine) {
    return engine.error();
  }
  b->engine_ = std::move(*engine);
  return b;
}

EngineBackend::EngineBackend(asio::io_context& io, Hooks hooks) : io_(io), hooks_(hooks) {}

EngineBackend::~EngineBackend() {
  alive_.reset();
  engine_.reset();  // joins the media thread: no event can be posted after this
}

void EngineBackend::set_discovered_servers(std::vector<media::IceServer> servers) {
  std::vector<media::IceServer> all = configured_servers_;
  all.insert(all.end(), servers.begin(), servers.end());
  engine_->set_ice_servers(std::move(all));
}

void EngineBackend::post(std::function<void()> fn) {
  std::weak_ptr<bool> alive = alive_;
  asio::post(io_, [alive, fn = std::move(fn)] {
    if (!alive.expired())
      fn();
  });
}

Result<std::vector<jingle::LocalTransport>> EngineBackend::prepare(
    const std::string& sid,
    const std::vector<std::string>& contents,
    const std::vector<codecs::MediaType>& media,
    bool ice_controlling) {
  auto creds = engine_->prepare(sid, contents, ice_controlling);
  if (!creds) {
    return creds.error();
  }
  Call& call = calls_[sid];
  std::vector<jingle::LocalTransport> out;
  for (std::size_t i = 0; i < contents.size(); ++i) {
    call.prepared[contents[i]] = i < media.size() ? media[i] : codecs::MediaType::kAudio;
    out.push_back(local_transport((*creds)[i]));
  }
  return out;
}

std::string EngineBackend::prepared_name(Call& call,
                                         const std::string& content,
                                         codecs::MediaType media) {
  if (call.prepared.contains(content)) {
    return content;
  }
  if (auto it = call.names.find(content); it != call.names.end()) {
    return it->second;
  }
  // Prepared under its media alias: the first prepared name of that media not mapped yet.
  for (const auto& [name, m] : call.prepared) {
    const bool mapped = std::any_of(call.names.begin(), call.names.end(),
                                    [&](const auto& kv) { return kv.second == name; });
    if (m == media && !mapped) {
      call.names[content] = name;
      return name;
    }
  }
  return "";
}

std::string EngineBackend::transport_of(Call& call, const std::string& content) {
  auto in_bundle = std::find(call.bundle.begin(), call.bundle.end(), content);
  const std::string& owner =
      in_bundle != call.bundle.end() && !call.bundle.empty() ? call.bundle.front() : content;
  if (call.prepared.contains(owner))
    return owner;
  auto it = call.names.find(owner);
  return it != call.names.end() ? it->second : "";
}

void EngineBackend::configure(const std::string& sid, const jingle::out::ConfigureMedia& m) {
  auto it = calls_.find(sid);
  if (it == calls_.end()) {
    return;
  }
  Call& call = it->second;
  if (!m.bundle.empty()) {
    call.bundle = m.bundle;
  }
  for (const auto& nc : m.contents) {
    (void)prepared_name(call, nc.name, nc.media);
  }
  media::CallMediaConfig cfg;
  cfg.ice_controlling = m.ice_controlling;
  for (const auto& nc : m.contents) {
    const std::string transport = transport_of(call, nc.name);
    if (transport.empty()) {
      continue;  // nothing prepared for it
    }
    if (!cfg.transports.contains(transport)) {
      media::TransportRemote r;
      r.credentials = {nc.remote_ufrag, nc.remote_pwd};
      r.fingerprint_hash = nc.remote_fingerprint.hash;
      r.fingerprint = nc.remote_fingerprint.value;
      r.dtls_role = nc.dtls_role == jingle::DtlsRole::kClient ? media::DtlsRole::kClient
                                                              : media::DtlsRole::kServer;
      cfg.transports[transport] = std::move(r);
    }
    media::StreamConfig s;
    s.name = nc.name;
    s.media = nc.media;
    s.send = nc.send;
    s.receive = nc.receive;
    s.codecs = nc.codecs;
    s.local_ssrc = nc.local_ssrc;
    s.local_rtx_ssrc = nc.local_rtx_ssrc;
    for (const auto& src : nc.remote_sources) {
      s.remote_ssrcs.push_back(src.ssrc);
    }
    cfg.streams.emplace_back(transport, std::move(s));
  }
  engine_->configure(sid, std::move(cfg));
  // Candidates that arrived under a session name before it was mapped.
  for (auto e = call.early.begin(); e != call.early.end();) {
    if (transport_of(call, e->first).empty()) {
      ++e;
      continue;
    }
    auto pending = std::move(e->second);
    e = call.early.erase(e);
    for (const auto& c : pending) {
      remote_candidates(sid, c);
    }
  }
}

void EngineBackend::remote_candidates(const std::string& sid,
                                      const jingle::out::RemoteCandidates& c) {
  Call& call = calls_[sid];  // may come before prepare(): kept for it
  std::string transport = transport_of(call, c.content);
  if (transport.empty()) {
    call.early[c.content].push_back(c);
    return;
  }
  std::vector<media::IceCandidate> cands;
  for (const auto& cand : c.candidates) {
    cands.push_back(to_media(cand));
  }
  engine_->add_remote_candidates(sid, transport, std::move(cands), c.end_of_candidates);
}

void EngineBackend::ice_restart(const std::string& sid, const jingle::out::IceRestart& r) {
  auto it = calls_.find(sid);
  if (it == calls_.end()) {
    return;
  }
  const std::string transport = transport_of(it->second, r.content);
  if (transport.empty()) {
    return;
  }
  engine_->ice_restart(sid, transport, {r.ufrag, r.pwd},
                       [this, sid, transport](Result<media::IceCredentials> c) {
                         post([this, sid, transport, c] { restarted(sid, transport, c); });
                       });
}

void EngineBackend::restarted(const std::string& sid,
                              const std::string& transport,
                              const Result<media::IceCredentials>& c) {
  if (!c) {
    if (events_.failed) {
      events_.failed(sid, transport, c.error().describe(), jingle::Condition::kFailedTransport);
    }
    return;
  }
  if (events_.ice_restarted) {
    events_.ice_restarted(sid, transport, local_transport(*c));
  }
}

jingle::LocalTransport EngineBackend::local_transport(const media::IceCredentials& c) const {
  jingle::LocalTransport t;
  t.ufrag = c.ufrag;
  t.pwd = c.pwd;
  t.fingerprint_hash = "sha-256";
  t.fingerprint =
      hooks_.wrong_fingerprint ? altered(engine_->fingerprint()) : engine_->fingerprint();
  return t;
}

void EngineBackend::restart_ice(const std::string& sid) {
  engine_->restart_ice(sid,
                       [this, sid](const std::string& transport, Result<media::IceCredentials> c) {
                         post([this, sid, transport, c] { restarted(sid, transport, c); });
                       });
}

void EngineBackend::remove(const std::string& sid, const std::vector<std::string>& contents) {
  engine_->remove_streams(sid, contents);
}

void EngineBackend::close(const std::string& sid) {
  auto it = calls_.find(sid);
  if (it == calls_.end() || it->second.closed) {
    return;
  }
  it->second.closed = true;
  // The last statistics are taken on the media thread just before the call is released.
  engine_->stats(sid, [this, sid](std::optional<media::CallStats> s) {
    MediaStats j = s ? to_json(*s) : MediaStats(nullptr);
    post([this, sid, j] {
      auto c = calls_.find(sid);
      if (c == calls_.end())
        return;
      c->second.final_stats = j;
      auto waiting = std::move(c->second.waiting);
      for (auto& w : waiting)
        w(j);
    });
  });
  engine_->close(sid);
}

void EngineBackend::set_muted(const std::string& sid, bool muted) {
  engine_->set_muted(sid, muted);
}

void EngineBackend::set_on_hold(const std::string& sid, bool on_hold) {
  engine_->set_on_hold(sid, on_hold);
}

void EngineBackend::set_camera(const std::string& sid, bool on) {
  engine_->set_camera(sid, on);
}

std::shared_ptr<media::FrameMailbox> EngineBackend::frames(const std::string& sid,
                                                           const std::string& content) {
  return engine_->frames(sid, content);  // streams carry the session's content names
}

std::shared_ptr<media::FrameMailbox> EngineBackend::self_view(const std::string& sid,
                                                              const std::string& content) {
  return engine_->self_view(sid, content);
}

void EngineBackend::watch_devices(std::function<void(std::vector<media::DeviceInfo>)> changed) {
  engine_->watch_devices(std::move(changed));
}

void EngineBackend::peer_paused(const std::string& sid, const std::string& content, bool paused) {
  engine_->set_peer_paused(sid, content, paused);  // streams carry the session's content names
}

Result<void> EngineBackend::send_dtmf(const std::string& sid, const std::string& digits) {
  auto it = calls_.find(sid);
  if (it == calls_.end() || it->second.closed) {
    return make_error(media::Errc::not_connected, "no call " + sid);
  }
  if (digits.empty() || digits.find_first_not_of("0123456789*#ABCDabcd") != std::string::npos) {
    return make_error(media::Errc::invalid_argument, "DTMF digits are 0-9, *, #, A-D");
  }
  std::string upper = digits;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](char ch) { return static_cast<char>(std::toupper(ch)); });
  engine_->send_dtmf(sid, upper);
  return {};
}

void EngineBackend::stats(const std::string& sid, std::function<void(MediaStats)> done) {
  auto it = calls_.find(sid);
  if (it == calls_.end()) {
    post([done] { done(nullptr); });
    return;
  }
  if (it->second.final_stats) {
    post([done, j = *it->second.final_stats] { done(j); });
    return;
  }
  if (it->second.closed) {
    it->second.waiting.push_back(std::move(done));
    return;
  }
  engine_->stats(sid, [this, done](std::optional<media::CallStats> s) {
    MediaStats j = s ? to_json(*s) : MediaStats(nullptr);
    post([done, j] { done(j); });
  });
}

media::IceCandidate EngineBackend::to_media(const jingle::Candidate& c) {
  media::IceCandidate m;
  m.foundation = c.foundation;
  m.component = c.component;
  m.protocol = c.protocol;
  m.priority = c.priority;
  m.ip = c.ip;
  m.port = c.port;
  m.type = c.type;
  m.rel_addr = c.rel_addr;
  m.rel_port = c.rel_port;
  m.tcptype = c.tcptype;
  return m;
}

jingle::Candidate EngineBackend::to_jingle(const media::IceCandidate& c) {
  jingle::Candidate j;
  j.component = c.component;
  j.foundation = c.foundation;
  j.generation = 0;
  j.id = random_token(10, kIceChars);
  j.ip = c.ip;
  j.network = 0;
  j.port = c.port;
  j.priority = c.priority;
  j.protocol = c.protocol;
  j.rel_addr = c.rel_addr;
  j.rel_port = c.rel_port;
  j.type = c.type;
  j.tcptype = c.tcptype;
  return j;
}

MediaStats EngineBackend::to_json(const media::CallStats& s) {
  MediaStats streams = MediaStats::array();
  for (const auto& st : s.streams) {
    MediaStats j = {{"name", st.name},
                    {"media", std::string(codecs::to_string(st.media))},
                    {"codec", st.codec},
                    {"packets_sent", st.packets_sent},
                    {"bytes_sent", st.bytes_sent},
                    {"packets_received", st.packets_received},
                    {"bytes_received", st.bytes_received},
                    {"packets_lost", st.packets_lost},
                    {"jitter_ms", st.jitter_ms},
                    {"rtt_ms", st.rtt_ms ? MediaStats(*st.rtt_ms) : MediaStats(nullptr)},
                    {"sync_offset_ms",
                     st.sync_offset_ms ? MediaStats(*st.sync_offset_ms) : MediaStats(nullptr)},
                    {"rtcp_sent", st.rtcp_sent},
                    {"rtcp_received", st.rtcp_received},
                    {"dtmf_sent", st.dtmf_sent},
                    {"dtmf_received", st.dtmf_received}};
    if (st.analysis) {
      j["received_tone"] = {{"frequency_hz", st.analysis->frequency_hz},
                            {"level_dbfs", st.analysis->level_dbfs},
                            {"samples", st.analysis->samples}};
    }
    if (st.video) {
      const media::VideoStats& v = *st.video;
      const auto& r = v.received;
      j["video"] = {
          {"encoder", v.encoder},
          {"camera_on", v.camera_on},
          {"frames_sent", v.frames_sent},
          {"sent_width", v.sent_width},
          {"sent_height", v.sent_height},
          {"sent_fps", v.sent_fps},
          {"target_bitrate_kbps", v.target_bitrate_bps / 1000.0},
          {"bitrate_sent_kbps", v.bitrate_sent_kbps},
          {"bitrate_received_kbps", v.bitrate_received_kbps},
          {"frames_decoded", r.frames},
          {"width", r.width},
          {"height", r.height},
          {"fps", r.fps},
          {"freezes", r.freezes},
          {"longest_freeze_ms", r.longest_gap_ms},
          {"frozen_ms", r.frozen_ms},
          {"pattern_checked", r.pattern_checked},
          {"pattern_matched", r.pattern_matched},
          {"keyframe_requests_sent", v.keyframe_requests_sent},
          {"keyframe_requests_received", v.keyframe_requests_received},
          {"nacks_sent", v.nacks_sent},
          {"nacks_received", v.nacks_received},
          {"retransmissions_sent", v.retransmissions_sent},
          {"retransmissions_received", v.retransmissions_received},
          {"jitter_buffer",
           {{"lost", v.jitter_lost},
            {"late", v.jitter_late},
            {"rtx_requests", v.rtx_requests},
            {"rtx_successes", v.rtx_successes},
            {"rtx_rtt_ms", v.rtx_rtt_ms}}},
          {"remb_kbps", v.remb_bps ? MediaStats(*v.remb_bps / 1000.0) : MediaStats(nullptr)},
          {"recovery_ms", v.recovery_ms ? MediaStats(*v.recovery_ms) : MediaStats(nullptr)},
          {"first_frame_ns",
           r.first_frame_ns ? MediaStats(*r.first_frame_ns) : MediaStats(nullptr)}};
    }
    streams.push_back(std::move(j));
  }
  MediaStats transports = MediaStats::array();
  for (const auto& t : s.transports) {
    MediaStats j = {{"name", t.name}, {"ice_state", t.ice_state}};
    if (t.pair) {
      j["local"] = candidate_json(t.pair->local);
      j["remote"] = candidate_json(t.pair->remote);
    }
    j["dtls"] = {{"state", t.dtls_state}, {"version", t.dtls_version}, {"role", t.dtls_role}};
    j["srtp"] = {{"profile", t.srtp_profile},
                 {"sent", counters_json(t.srtp_out, false)},
                 {"received", counters_json(t.srtp_in, true)}};
    j["dropped_before_keys"] = t.dropped_before_keys;
    if (t.impaired_dropped > 0 || t.impaired_delayed > 0) {
      j["impaired"] = {{"dropped", t.impaired_dropped}, {"delayed", t.impaired_delayed}};
    }
    transports.push_back(std::move(j));
  }
  MediaStats out = {{"streams", streams}, {"transports", transports}};
  if (!s.markers.sent_ns.empty() || !s.markers.received_ns.empty()) {
    out["markers"] = {{"sent_ns", s.markers.sent_ns}, {"received_ns", s.markers.received_ns}};
  }
  return out;
}

}  // namespace jcall::app
