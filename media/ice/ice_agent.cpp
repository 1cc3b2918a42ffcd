// RFC 8445 ICE (full mode, regular nomination), RFC 8838 trickle ICE and RFC 7675 consent
// freshness through libnice (ice_agent.hpp).
//
// Choices, with the reason:
// - Regular nomination (NICE_AGENT_OPTION_REGULAR_NOMINATION): RFC 8445 §8.1.1 deprecates
//   aggressive nomination; with it both agents settle on the same pair, which is validated
//   before it carries media, and the selected pair does not hop while DTLS runs on it.
// - kConnected is reported when libnice has a selected (nominated) pair AND the component
//   is CONNECTED or READY, whichever of the two comes last. A nominated pair is what both
//   sides agree on (RFC 8445 §8.1.1); waiting for READY would wait for every other pair of
//   the check list, which with trickle ICE may be long after media could flow.
// - libnice's FAILED is final only when the peer said end-of-candidates or the pair had been
//   working (consent lost, RFC 7675 §5.1); before that trickle may still bring a working
//   candidate (RFC 8838 §8), and the connect timeout decides.
#include "media/ice/ice_agent.hpp"

#include <cassert>
#include <cstring>
#include <thread>
#include <utility>

#include <nice/agent.h>
#include <nice/interfaces.h>

#include "media/detail/glib.hpp"
#include "media/errc.hpp"

namespace jcall::media {

std::string_view to_string(IceState s) {
  switch (s) {
    case IceState::kNew:
      return "new";
    case IceState::kGathering:
      return "gathering";
    case IceState::kChecking:
      return "checking";
    case IceState::kConnected:
      return "connected";
    case IceState::kFailed:
      return "failed";
    case IceState::kClosed:
      return "closed";
  }
  return "unknown";
}

namespace {

constexpr unsigned kPacingMs = 5;  // RFC 8445 §14.2: Ta may not be below 5 ms

constexpr guint kComponent = 1;  // RTP and RTCP multiplexed (RFC 5761): one component

Error ice_error(std::string message) {
  return make_error(Errc::ice_error, std::move(message));
}

std::string address_string(const NiceAddress& a) {
  char buf[NICE_ADDRESS_STRING_LEN] = {};
  nice_address_to_string(&a, buf);
  return buf;
}

IceCandidate from_nice(const NiceCandidate& n) {
  IceCandidate c;
  c.foundation.assign(n.foundation, strnlen(n.foundation, NICE_CANDIDATE_MAX_FOUNDATION));
  c.component = static_cast<std::uint16_t>(n.component_id);
  switch (n.transport) {
    case NICE_CANDIDATE_TRANSPORT_UDP:
      c.protocol = "udp";
      break;
    case NICE_CANDIDATE_TRANSPORT_TCP_ACTIVE:
      c.protocol = "tcp";
      c.tcptype = "active";
      break;
    case NICE_CANDIDATE_TRANSPORT_TCP_PASSIVE:
      c.protocol = "tcp";
      c.tcptype = "passive";
      break;
    case NICE_CANDIDATE_TRANSPORT_TCP_SO:
      c.protocol = "tcp";
      c.tcptype = "so";
      break;
  }
  c.priority = n.priority;
  c.ip = address_string(n.addr);
  c.port = static_cast<std::uint16_t>(nice_address_get_port(&n.addr));
  // RFC 6544 §4.5: an active TCP candidate has no listening port and is signaled with the
  // discard port 9 (libnice leaves it 0).
  if (n.transport == NICE_CANDIDATE_TRANSPORT_TCP_ACTIVE && c.port == 0)
    c.port = 9;
  switch (n.type) {
    case NICE_CANDIDATE_TYPE_HOST:
      c.type = "host";
      break;
    case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE:
      c.type = "srflx";
      break;
    case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE:
      c.type = "prflx";
      break;
    case NICE_CANDIDATE_TYPE_RELAYED:
      c.type = "relay";
      break;
  }
  // RFC 8445 §5.1.1.2 / §15.1: the related address of a reflexive or relayed candidate is its
  // base (what libnice keeps in base_addr); host candidates have none.
  if (n.type != NICE_CANDIDATE_TYPE_HOST && nice_address_is_valid(&n.base_addr) &&
      !nice_address_equal(&n.addr, &n.base_addr)) {
    c.rel_addr = address_string(n.base_addr);
    c.rel_port = static_cast<std::uint16_t>(nice_address_get_port(&n.base_addr));
  }
  return c;
}

struct CandidateFree {
  void operator()(NiceCandidate* c) const { nice_candidate_free(c); }
};
using CandidatePtr = std::unique_ptr<NiceCandidate, CandidateFree>;

Result<CandidatePtr> to_nice(const IceCandidate& c, guint stream_id) {
  NiceCandidateType type;
  if (c.type == "host")
    type = NICE_CANDIDATE_TYPE_HOST;
  else if (c.type == "srflx")
    type = NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE;
  else if (c.type == "prflx")
    type = NICE_CANDIDATE_TYPE_PEER_REFLEXIVE;
  else if (c.type == "relay")
    type = NICE_CANDIDATE_TYPE_RELAYED;
  else
    return ice_error("remote candidate has unknown type '" + c.type + "'");

  NiceCandidateTransport transport;
  if (c.protocol == "udp") {
    transport = NICE_CANDIDATE_TRANSPORT_UDP;
  } else if (c.protocol == "tcp") {
    const std::string tcptype = c.tcptype.value_or("");
    if (tcptype == "active")
      transport = NICE_CANDIDATE_TRANSPORT_TCP_ACTIVE;
    else if (tcptype == "passive")
      transport = NICE_CANDIDATE_TRANSPORT_TCP_PASSIVE;
    else if (tcptype == "so")
      transport = NICE_CANDIDATE_TRANSPORT_TCP_SO;
    else
      return ice_error("remote TCP candidate without a valid tcptype (RFC 6544 §4.5)");
  } else {
    return ice_error("remote candidate has unknown protocol '" + c.protocol + "'");
  }
  if (c.foundation.empty() || c.foundation.size() >= NICE_CANDIDATE_MAX_FOUNDATION)
    return ice_error("remote candidate foundation must have 1 to 32 characters");
  if (c.port == 0 && transport != NICE_CANDIDATE_TRANSPORT_TCP_ACTIVE)
    return ice_error("remote candidate has port 0");

  CandidatePtr n(nice_candidate_new(type));
  n->transport = transport;
  n->stream_id = stream_id;
  n->component_id = c.component;
  n->priority = c.priority;
  g_strlcpy(n->foundation, c.foundation.c_str(), NICE_CANDIDATE_MAX_FOUNDATION);
  if (!nice_address_set_from_string(&n->addr, c.ip.c_str()))
    return ice_error("remote candidate address '" + c.ip + "' is not an IP literal");
  nice_address_set_port(&n->addr, c.port);
  if (c.rel_addr) {
    if (!nice_address_set_from_string(&n->base_addr, c.rel_addr->c_str()))
      return ice_error("remote candidate related address '" + *c.rel_addr +
                       "' is not an IP literal");
    nice_address_set_port(&n->base_addr, c.rel_port.value_or(0));
  }
  return n;
}

bool is_ipv6_literal(const std::string& ip) {
  NiceAddress a;
  nice_address_init(&a);
  return nice_address_set_from_string(&a, ip.c_str()) && nice_address_ip_version(&a) == 6;
}

class NiceIceAgent final : public IceAgent {
 public:
  NiceIceAgent(GMainContext* ctx,
               IceConfig config,
               Events events,
               detail::GObjectPtr<NiceAgent> agent,
               guint stream_id)
      : ctx_(ctx),
        config_(std::move(config)),
        events_(std::move(events)),
        agent_(std::move(agent)),
        stream_id_(stream_id) {
    for (const auto& s : config_.servers)
      has_turn_ = has_turn_ || s.kind == IceServer::Kind::kTurn;
    GObject* o = G_OBJECT(agent_.get());
    g_signal_connect(o, "new-candidate-full", G_CALLBACK(&on_new_candidate), this);
    g_signal_connect(o, "candidate-gathering-done", G_CALLBACK(&on_gathering_done), this);
    g_signal_connect(o, "component-state-changed", G_CALLBACK(&on_component_state), this);
    g_signal_connect(o, "new-selected-pair-full", G_CALLBACK(&on_selected_pair), this);
    nice_agent_attach_recv(agent_.get(), stream_id_, kComponent, ctx_, &on_receive, this);
  }

  ~NiceIceAgent() override {
    assert_home_thread();
    connect_timer_.reset();
    reemit_timer_.reset();
    // Nothing of ours may run once this returns: signal handlers and the receive callback
    // point at this object.
    g_signal_handlers_disconnect_by_data(agent_.get(), this);
    nice_agent_attach_recv(agent_.get(), stream_id_, kComponent, ctx_, nullptr, nullptr);
    if (has_turn_) {
      // Releases our TURN allocations (a Refresh with lifetime 0, RFC 8656 §7) instead of
      // leaving them to expire on the server. The close task holds its own reference to the
      // agent until that is done on ctx_, then the agent goes; with no TURN there is nothing
      // to release and the unref below frees the agent and its sockets at once.
      nice_agent_close_async(agent_.get(), nullptr, nullptr);
    } else {
      nice_agent_remove_stream(agent_.get(), stream_id_);
    }
    agent_.reset();
  }

  IceCredentials local_credentials() const override {
    assert_home_thread();
    gchar* ufrag = nullptr;
    gchar* pwd = nullptr;
    nice_agent_get_local_credentials(agent_.get(), stream_id_, &ufrag, &pwd);
    return IceCredentials{detail::take_string(ufrag), detail::take_string(pwd)};
  }

  Result<void> gather() override {
    assert_home_thread();
    set_state(IceState::kGathering, "");
    if (!nice_agent_gather_candidates(agent_.get(), stream_id_))
      return ice_error("libnice could not gather candidates (no usable local address or port)");
    return {};
  }

  Result<void> set_remote_credentials(const IceCredentials& c) override {
    assert_home_thread();
    if (c.ufrag.empty() || c.pwd.empty())
      return ice_error("remote ICE credentials must not be empty");
    if (remote_credentials_ && *remote_credentials_ == c)
      return {};
    if (!nice_agent_set_remote_credentials(agent_.get(), stream_id_, c.ufrag.c_str(),
                                           c.pwd.c_str()))
      return ice_error("libnice refused the remote ICE credentials");
    remote_credentials_ = c;
    return flush_remote();
  }

  Result<void> add_remote_candidates(const std::vector<IceCandidate>& cs) override {
    assert_home_thread();
    for (const auto& c : cs) {
      // RTCP is multiplexed on component 1 (RFC 5761); a component-2 candidate of a peer
      // that also offered non-muxed RTCP has no component here to go to.
      if (c.component != kComponent)
        continue;
      auto n = to_nice(c, stream_id_);
      if (!n)
        return n.error();
      pending_remote_.push_back(c);
    }
    if (!remote_credentials_)
      return {};  // RFC 8838 §10: kept until the credentials they belong to are known
    return flush_remote();
  }

  void end_of_remote_candidates() override {
    assert_home_thread();
    remote_end_ = true;
    if (remote_credentials_)
      tell_peer_gathering_done();
  }

  void set_controlling(bool controlling) override {
    assert_home_thread();
    config_.controlling = controlling;
    g_object_set(G_OBJECT(agent_.get()), "controlling-mode", static_cast<gboolean>(controlling),
                 nullptr);
  }

  Result<void> send(std::span<const std::uint8_t> datagram) override {
    assert_home_thread();
    // libnice keeps sending on the previous pair during an ICE restart (agent.h,
    // nice_agent_send), so a selected pair is what counts, not the state.
    if (!selected_ || state_ == IceState::kFailed)
      return make_error(Errc::not_connected, "ICE has no selected candidate pair yet");
    return send_from_any_thread(datagram);
  }

  Result<void> send_from_any_thread(std::span<const std::uint8_t> datagram) override {
    if (datagram.size() > G_MAXUINT16)
      return make_error(Errc::invalid_argument, "datagram larger than 65535 bytes");
    const gint sent =
        nice_agent_send(agent_.get(), stream_id_, kComponent, static_cast<guint>(datagram.size()),
                        reinterpret_cast<const gchar*>(datagram.data()));
    if (sent < 0 || static_cast<std::size_t>(sent) != datagram.size())
      return make_error(Errc::ice_error, "libnice could not send the datagram");
    return {};
  }

  Result<IceCredentials> restart() override {
    assert_home_thread();
    if (!nice_agent_restart_stream(agent_.get(), stream_id_))
      return Error(ice_error("libnice could not restart the ICE stream"));
    // New credentials: the peer's old ones and candidates are gone in libnice too
    // (nice_component_restart drops the remote candidates).
    remote_credentials_.reset();
    pending_remote_.clear();
    remote_end_ = false;
    connected_ = false;
    latched_failure_ = false;
    connect_timer_.reset();
    set_state(IceState::kGathering, "");
    // libnice keeps its local candidates across a restart and does not announce them again;
    // the peer has forgotten them, so announce them again (after this call has returned, so
    // that the caller has the new credentials first).
    reemit_timer_ = detail::add_timer(ctx_, 0, [this] {
      reemit_timer_ = detail::SourcePtr();  // one-shot: GLib keeps it alive until we return
      reemit_local_candidates();
      return false;
    });
    return local_credentials();
  }

  IceState state() const override {
    assert_home_thread();
    return state_;
  }

  std::optional<SelectedPair> selected_pair() const override {
    assert_home_thread();
    return selected_;
  }

 private:
  void assert_home_thread() const { assert(std::this_thread::get_id() == home_); }

  Result<void> flush_remote() {
    if (pending_remote_.empty()) {
      if (remote_end_) {
        arm_connect_timer();
        tell_peer_gathering_done();
      }
      return {};
    }
    GSList* list = nullptr;
    for (const auto& c : pending_remote_) {
      auto n = to_nice(c, stream_id_);  // validated when added
      if (n)
        list = g_slist_prepend(list, n->release());
    }
    list = g_slist_reverse(list);
    pending_remote_.clear();
    if (state_ == IceState::kNew || state_ == IceState::kGathering)
      set_state(IceState::kChecking, "");
    arm_connect_timer();
    const int added = nice_agent_set_remote_candidates(agent_.get(), stream_id_, kComponent, list);
    g_slist_free_full(list, reinterpret_cast<GDestroyNotify>(&nice_candidate_free));
    if (added < 0)
      return ice_error("libnice refused the remote candidates");
    if (remote_end_)
      tell_peer_gathering_done();
    return {};
  }

  // RFC 8838 §8: with the peer's candidates complete, a check list without a working pair
  // fails. libnice does not announce FAILED again if it was already there, so look.
  void tell_peer_gathering_done() {
    nice_agent_peer_candidate_gathering_done(agent_.get(), stream_id_);
    if (nice_state_ == NICE_COMPONENT_STATE_FAILED)
      handle_state(NICE_COMPONENT_STATE_FAILED);
  }

  void arm_connect_timer() {
    if (connected_ || latched_failure_ || connect_timer_)
      return;
    connect_timer_ =
        detail::add_timer(ctx_, static_cast<unsigned>(config_.connect_timeout.count()), [this] {
          connect_timer_ = detail::SourcePtr();  // one-shot, as in restart()
          if (!connected_)
            fail("no candidate pair succeeded within " +
                 std::to_string(config_.connect_timeout.count()) + " ms");
          return false;
        });
  }

  void reemit_local_candidates() {
    GSList* list = nice_agent_get_local_candidates(agent_.get(), stream_id_, kComponent);
    std::vector<IceCandidate> cs;
    for (GSList* i = list; i != nullptr; i = i->next)
      cs.push_back(from_nice(*static_cast<NiceCandidate*>(i->data)));
    g_slist_free_full(list, reinterpret_cast<GDestroyNotify>(&nice_candidate_free));
    for (const auto& c : cs)
      if (events_.local_candidate)
        events_.local_candidate(c);
    // If gathering is still going on, libnice announces the rest and its end itself.
    if (gathering_complete_ && events_.gathering_done)
      events_.gathering_done();
  }

  void set_state(IceState s, const std::string& detail) {
    if (s == state_)
      return;
    state_ = s;
    if (events_.state)
      events_.state(s, detail);
  }

  void fail(const std::string& detail) {
    latched_failure_ = true;
    connect_timer_.reset();
    set_state(IceState::kFailed, detail);
  }

  void maybe_connected() {
    if (connected_ || latched_failure_ || !selected_)
      return;
    if (nice_state_ != NICE_COMPONENT_STATE_CONNECTED && nice_state_ != NICE_COMPONENT_STATE_READY)
      return;
    connected_ = true;
    connect_timer_.reset();
    set_state(IceState::kConnected, "");
  }

  void handle_state(NiceComponentState s) {
    nice_state_ = s;
    if (latched_failure_)
      return;
    switch (s) {
      case NICE_COMPONENT_STATE_CONNECTING:
        if (!connected_ && state_ != IceState::kNew)
          set_state(IceState::kChecking, "");
        break;
      case NICE_COMPONENT_STATE_CONNECTED:
      case NICE_COMPONENT_STATE_READY:
        maybe_connected();
        break;
      case NICE_COMPONENT_STATE_FAILED:
        if (connected_)
          fail("consent lost (RFC 7675): the peer stopped answering on the selected pair");
        else if (remote_end_)
          fail("no candidate pair succeeded: every connectivity check failed");
        break;
      default:
        break;
    }
  }

  // --- libnice trampolines (no exception crosses into C) ---

  static void on_new_candidate(NiceAgent*, NiceCandidate* c, gpointer self) noexcept {
    auto* me = static_cast<NiceIceAgent*>(self);
    if (c == nullptr || c->stream_id != me->stream_id_ || c->component_id != kComponent)
      return;
    try {
      if (me->events_.local_candidate)
        me->events_.local_candidate(from_nice(*c));
    } catch (...) {
    }
  }

  static void on_gathering_done(NiceAgent*, guint stream_id, gpointer self) noexcept {
    auto* me = static_cast<NiceIceAgent*>(self);
    if (stream_id != me->stream_id_)
      return;
    me->gathering_complete_ = true;
    try {
      if (me->events_.gathering_done)
        me->events_.gathering_done();
    } catch (...) {
    }
  }

  static void on_component_state(NiceAgent*,
                                 guint stream_id,
                                 guint component_id,
                                 guint state,
                                 gpointer self) noexcept {
    auto* me = static_cast<NiceIceAgent*>(self);
    if (stream_id != me->stream_id_ || component_id != kComponent)
      return;
    try {
      me->handle_state(static_cast<NiceComponentState>(state));
    } catch (...) {
    }
  }

  static void on_selected_pair(NiceAgent*,
                               guint stream_id,
                               guint component_id,
                               NiceCandidate* local,
                               NiceCandidate* remote,
                               gpointer self) noexcept {
    auto* me = static_cast<NiceIceAgent*>(self);
    if (stream_id != me->stream_id_ || component_id != kComponent || local == nullptr ||
        remote == nullptr)
      return;
    try {
      me->selected_ = SelectedPair{from_nice(*local), from_nice(*remote)};
      if (me->events_.selected_pair)
        me->events_.selected_pair(*me->selected_);
      me->maybe_connected();
    } catch (...) {
    }
  }

  static void on_receive(NiceAgent*,
                         guint stream_id,
                         guint component_id,
                         guint len,
                         gchar* buf,
                         gpointer self) noexcept {
    auto* me = static_cast<NiceIceAgent*>(self);
    if (stream_id != me->stream_id_ || component_id != kComponent || buf == nullptr)
      return;
    try {
      if (me->events_.receive)
        me->events_.receive(std::span<const std::uint8_t>(
            reinterpret_cast<const std::uint8_t*>(buf), static_cast<std::size_t>(len)));
    } catch (...) {
    }
  }

  const std::thread::id home_ = std::this_thread::get_id();
  GMainContext* ctx_;
  IceConfig config_;
  Events events_;
  detail::GObjectPtr<NiceAgent> agent_;
  guint stream_id_;
  bool has_turn_ = false;

  IceState state_ = IceState::kNew;
  NiceComponentState nice_state_ = NICE_COMPONENT_STATE_DISCONNECTED;
  bool connected_ = false;        // kConnected reported since the last (re)start
  bool latched_failure_ = false;  // kFailed reported: stays until restart()
  std::optional<IceCredentials> remote_credentials_;
  std::vector<IceCandidate> pending_remote_;  // before the credentials, or not yet applied
  bool remote_end_ = false;
  bool gathering_complete_ = false;  // libnice said candidate-gathering-done
  std::optional<SelectedPair> selected_;
  detail::SourcePtr connect_timer_;
  detail::SourcePtr reemit_timer_;
};

Result<void> add_local_address(NiceAgent* agent, const std::string& ip) {
  NiceAddress a;
  nice_address_init(&a);
  if (!nice_address_set_from_string(&a, ip.c_str()))
    return make_error(Errc::invalid_argument, "local address '" + ip + "' is not an IP literal");
  if (!nice_agent_add_local_address(agent, &a))
    return ice_error("libnice refused local address '" + ip + "'");
  return {};
}

}  // namespace

Result<std::unique_ptr<IceAgent>> IceAgent::create(GMainContext* ctx,
                                                   IceConfig config,
                                                   Events events) {
  if (ctx == nullptr)
    return make_error(Errc::invalid_argument, "IceAgent needs the media thread's GMainContext");
  if (config.connect_timeout.count() <= 0 || config.connect_timeout.count() > G_MAXINT)
    return make_error(Errc::invalid_argument, "ICE connect timeout out of range");

  const auto flags = static_cast<NiceAgentOption>(NICE_AGENT_OPTION_ICE_TRICKLE |
                                                  NICE_AGENT_OPTION_CONSENT_FRESHNESS |
                                                  NICE_AGENT_OPTION_REGULAR_NOMINATION);
  auto agent = detail::GObjectPtr<NiceAgent>::adopt(
      nice_agent_new_full(ctx, NICE_COMPATIBILITY_RFC5245, flags));
  if (!agent)
    return ice_error("libnice could not create an agent");
  g_object_set(G_OBJECT(agent.get()), "controlling-mode", static_cast<gboolean>(config.controlling),
               "ice-udp", static_cast<gboolean>(TRUE), "ice-tcp", static_cast<gboolean>(config.tcp),
               // No UPnP port mappings: they would ask the LAN's router (SSDP multicast) to open
               // ports behind the user's back, and hold gathering up for the mapping timeout.
               "upnp", static_cast<gboolean>(FALSE), nullptr);
  // Ta (RFC 8445 §14.2): libnice paces checks 20 ms apart by default; a call has one stream
  // of one component and a handful of candidates, so the floor the RFC allows, 5 ms, costs
  // nothing and brings ICE on loopback from about 55 ms down to about 20 ms.
  g_object_set(G_OBJECT(agent.get()), "stun-pacing-timer", static_cast<guint>(kPacingMs),
               "force-relay", static_cast<gboolean>(config.relay_only), nullptr);

  // Host candidate addresses. libnice enumerates the interfaces itself when none is given
  // (skipping loopback); we do that enumeration here only to leave IPv6 out.
  std::size_t added = 0;
  if (!config.local_addresses.empty()) {
    for (const auto& ip : config.local_addresses) {
      if (!config.ipv6 && is_ipv6_literal(ip))
        continue;
      if (auto r = add_local_address(agent.get(), ip); !r)
        return r.error();
      ++added;
    }
    if (added == 0)
      return make_error(Errc::invalid_argument, "no usable local address (IPv6 is disabled)");
  } else if (!config.ipv6) {
    GList* ips = nice_interfaces_get_local_ips(FALSE);
    for (GList* i = ips; i != nullptr; i = i->next) {
      const std::string ip = static_cast<const char*>(i->data);
      if (!is_ipv6_literal(ip) && add_local_address(agent.get(), ip))
        ++added;
    }
    g_list_free_full(ips, &g_free);
    if (added == 0)
      return ice_error("no IPv4 interface to gather candidates on");
  }

  const guint stream_id = nice_agent_add_stream(agent.get(), 1);
  if (stream_id == 0)
    return ice_error("libnice could not add a stream");

  bool have_stun = false;
  for (const auto& s : config.servers) {
    NiceAddress a;
    nice_address_init(&a);
    if (!nice_address_set_from_string(&a, s.host.c_str()))
      return make_error(Errc::invalid_argument,
                        "ICE server '" + s.host + "' is not an IP literal (resolve it first)");
    if (!config.ipv6 && nice_address_ip_version(&a) == 6)
      continue;
    if (s.kind == IceServer::Kind::kStun) {
      if (have_stun)
        continue;  // libnice takes one STUN server; TURN servers answer Binding too
      have_stun = true;
      g_object_set(G_OBJECT(agent.get()), "stun-server", s.host.c_str(), "stun-server-port",
                   static_cast<guint>(s.port), nullptr);
      continue;
    }
    NiceRelayType type = NICE_RELAY_TYPE_TURN_UDP;
    if (s.transport == IceServer::Transport::kTcp)
      type = NICE_RELAY_TYPE_TURN_TCP;
    else if (s.transport == IceServer::Transport::kTls)
      type = NICE_RELAY_TYPE_TURN_TLS;
    if (!nice_agent_set_relay_info(agent.get(), stream_id, kComponent, s.host.c_str(), s.port,
                                   s.username.c_str(), s.password.c_str(), type))
      return ice_error("libnice refused TURN server " + s.host);
  }

  return std::unique_ptr<IceAgent>(
      new NiceIceAgent(ctx, std::move(config), std::move(events), std::move(agent), stream_id));
}

}  // namespace jcall::media
