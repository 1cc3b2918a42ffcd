// RFC 8445 ICE with RFC 8838 trickle, through libnice: one NiceAgent per transport (one
// stream, one component: RTP and RTCP are multiplexed, RFC 5761), on the media thread's
// GMainContext. Knows nothing of XMPP: candidates are plain structs; app/ maps them to
// XEP-0176 <candidate/>.
//
// Home thread: the media thread (every method, every event; create() records the calling
// thread and debug builds assert it). Events are called from libnice signal handlers on that
// thread, and some synchronously from inside a method (gather(), restart(),
// set_remote_credentials(), add_remote_candidates(), end_of_remote_candidates()); a handler
// may call other methods but may destroy the agent only by posting. The destructor is safe
// anywhere else on that thread, e.g. in a closure posted to the media thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <glib.h>

#include "base/result.hpp"

namespace jcall::media {

struct IceCandidate {
  std::string foundation;
  std::uint16_t component = 1;
  std::string protocol = "udp";  // "udp" | "tcp"
  std::uint32_t priority = 0;
  std::string ip;  // IPv4 or IPv6 literal
  std::uint16_t port = 0;
  std::string type = "host";  // host | srflx | prflx | relay
  std::optional<std::string> rel_addr;
  std::optional<std::uint16_t> rel_port;
  std::optional<std::string> tcptype;  // active | passive | so (RFC 6544)

  bool operator==(const IceCandidate&) const = default;
};

struct IceCredentials {
  std::string ufrag;
  std::string pwd;
  bool operator==(const IceCredentials&) const = default;
};

// A STUN or TURN server (from configuration or XEP-0215).
struct IceServer {
  enum class Kind { kStun, kTurn };
  enum class Transport { kUdp, kTcp, kTls };
  Kind kind = Kind::kStun;
  std::string host;  // IP literal (resolve names before: libnice takes addresses only)
  std::uint16_t port = 3478;
  Transport transport = Transport::kUdp;
  std::string username;  // TURN
  std::string password;  // TURN
};

struct IceConfig {
  bool controlling = true;  // RFC 8445 §6.1.1: the Jingle initiator controls
  // Local addresses to gather host candidates on. Empty: every usable interface (libnice skips
  // loopback then). Tests and the demo pass {"127.0.0.1"} to stay on loopback.
  std::vector<std::string> local_addresses;
  std::vector<IceServer> servers;
  bool ipv6 = true;
  bool tcp = false;
  // Only relayed candidates are used (libnice "force-relay"): the peer never learns our
  // addresses, at the cost of a TURN hop.
  bool relay_only = false;  // RFC 6544 ICE-TCP host candidates (off: no peer of ours needs them)
  // No check succeeded within this time after remote candidates arrived: failed. The clock
  // starts when the first remote candidates (or end-of-candidates) are applied, i.e. once the
  // remote credentials are known too; a responder should apply them when it sends its own
  // credentials, or ringing time counts.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
};

// kClosed is never reported by the libnice agent (a closed agent is a destroyed one).
enum class IceState { kNew, kGathering, kChecking, kConnected, kFailed, kClosed };
std::string_view to_string(IceState s);

struct SelectedPair {
  IceCandidate local;
  IceCandidate remote;
};

class IceAgent {
 public:
  struct Events {
    std::function<void(const IceCandidate&)> local_candidate;  // as gathered (trickle)
    std::function<void()> gathering_done;
    // Every change: kGathering, kChecking, kConnected (again after a restart), kFailed
    // (detail says why: timeout, consent lost, every pair failed). kConnected = libnice has a
    // selected (nominated) pair and its component is CONNECTED or READY. kFailed stays until
    // restart().
    std::function<void(IceState, const std::string& detail)> state;
    // Before the kConnected it leads to; again whenever libnice selects another pair.
    std::function<void(const SelectedPair&)> selected_pair;
    // Every datagram received on the component (not STUN: libnice consumes that), possibly
    // before kConnected (the peer may be connected first). The span is valid only during the
    // call.
    std::function<void(std::span<const std::uint8_t>)> receive;
  };

  // Creates the agent (RFC 5245 compatibility mode, full mode, consent freshness on) with one
  // stream of one component, and random credentials. Gathering starts with gather().
  static Result<std::unique_ptr<IceAgent>> create(GMainContext* ctx,
                                                  IceConfig config,
                                                  Events events);
  virtual ~IceAgent() = default;

  virtual IceCredentials local_credentials() const = 0;
  virtual Result<void> gather() = 0;
  // The peer's credentials; remote candidates given before them are kept and added then.
  virtual Result<void> set_remote_credentials(const IceCredentials& c) = 0;
  virtual Result<void> add_remote_candidates(const std::vector<IceCandidate>& c) = 0;
  virtual void end_of_remote_candidates() = 0;
  virtual void set_controlling(bool controlling) = 0;
  // Sends one datagram on the selected pair. Error not_connected before that.
  virtual Result<void> send(std::span<const std::uint8_t> datagram) = 0;
  // The same from any thread (libnice's nice_agent_send takes the agent's lock): for media
  // packets straight from a GStreamer streaming thread. The caller keeps the agent alive for
  // the call; without a selected pair libnice refuses it (ice_error).
  virtual Result<void> send_from_any_thread(std::span<const std::uint8_t> datagram) = 0;
  // RFC 8445 §9: new local credentials; the local candidates are announced again through
  // local_candidate and gathering_done (after this returns). The peer's credentials and
  // candidates are forgotten: the caller signals the new credentials and then the peer's new
  // ones arrive through set_remote_credentials(). When the peer restarts (new ufrag), call
  // restart() first, then set_remote_credentials(). Sending goes on over the old pair meanwhile.
  virtual Result<IceCredentials> restart() = 0;
  virtual IceState state() const = 0;
  virtual std::optional<SelectedPair> selected_pair() const = 0;
};

}  // namespace jcall::media
