// The calls of one account, sans I/O: XEP-0353 Jingle Message Initiation in front of XEP-0166
// sessions (session.hpp), routing of Jingle IQs by sid (unknown-session), tie-breaks when
// both sides call each other, and multi-device ringing (a propose reaches every resource; the
// first to proceed wins; the others stop ringing, seen through XEP-0280 carbons).
//
// Inputs: every stanza the account receives that concerns calls (Jingle IQ sets, answers to
// our IQs, messages carrying JMI payloads, carbon copies of our own JMI messages), local
// commands, media events and the time. Outputs: stanzas to send, call events for the user,
// and requests to media. The app (call controller) is a thin adapter around this.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/result.hpp"
#include "codecs/offer_answer.hpp"
#include "signaling/jingle/jmi.hpp"
#include "signaling/jingle/session.hpp"
#include "signaling/xml/element.hpp"
#include "signaling/xmpp/jid.hpp"

namespace jcall::signaling::jingle {

struct CallManagerConfig {
  xmpp::Jid self;  // our full JID
  codecs::Preferences preferences;
  std::chrono::milliseconds iq_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds ring_timeout{std::chrono::seconds(60)};  // unanswered call
  std::function<std::string()> make_id;                              // stanza ids; default: random
  std::function<std::string()> make_sid;                             // session ids; default: random
};

struct CallOptions {
  bool video = false;
  enum class Jmi { kAuto, kYes, kNo };
  // kAuto: a bare JID gets a propose; a full JID gets one only if peer_supports_jmi.
  Jmi jmi = Jmi::kAuto;
  bool peer_supports_jmi = true;  // from the peer's caps (XEP-0115/0030), when known
};

enum class CallState {
  kProposing,   // we sent a propose; nobody rings yet
  kRinging,     // outgoing: the peer rings; incoming: we ring
  kConnecting,  // proceed/accept done, Jingle negotiating, media not yet connected
  kActive,      // transport connected
  kEnded,
};
std::string_view to_string(CallState s);

namespace call_out {
struct Send {  // a message or IQ
  xml::Element stanza;
};
struct Incoming {  // a call for the user: ring
  std::string sid;
  xmpp::Jid from;
  std::vector<codecs::MediaType> media;
  bool jmi = false;
};
struct StateChanged {
  std::string sid;
  CallState state = CallState::kProposing;
  xmpp::Jid peer;                // full JID once known
  std::optional<Reason> reason;  // when ended
  bool by_peer = false;
  std::string detail;  // e.g. "answered on another device", "retracted", "busy"
};
// Media must prepare a transport (ICE agent, DTLS certificate fingerprint) for these media,
// then the app calls provide_transports() with one LocalTransport each, in the same order.
struct NeedTransports {
  std::string sid;
  std::vector<codecs::MediaType> media;
};
// A session output that concerns media (ConfigureMedia, RemoveMedia, RemoteCandidates,
// IceRestart, PeerInfo, ContentOffered), tagged with the call.
struct Media {
  std::string sid;
  SessionOutput output;
};
}  // namespace call_out
using CallOutput = std::variant<call_out::Send,
                                call_out::Incoming,
                                call_out::StateChanged,
                                call_out::NeedTransports,
                                call_out::Media>;

class CallManager {
 public:
  explicit CallManager(CallManagerConfig config);

  // Returns true when the stanza was about calls (and has been handled), false otherwise.
  // carbon: the message is a XEP-0280 copy (sent: our own message from another resource).
  enum class Carbon { kNone, kReceived, kSent };
  bool handle_stanza(const xml::Element& stanza, TimePoint now, Carbon carbon = Carbon::kNone);

  // ---- commands ----
  Result<std::string> call(const xmpp::Jid& to, CallOptions options, TimePoint now);  // sid
  Result<void> provide_transports(std::string_view sid,
                                  std::vector<LocalTransport> transports,
                                  TimePoint now);
  Result<void> accept(std::string_view sid, TimePoint now);
  Result<void> reject(std::string_view sid, TimePoint now);  // decline
  Result<void> hangup(std::string_view sid, TimePoint now);  // retract / terminate / finish
  Result<void> set_hold(std::string_view sid, bool hold, TimePoint now);
  Result<void> set_mute(std::string_view sid, bool mute, TimePoint now);
  Result<void> set_video(std::string_view sid, bool on, TimePoint now);  // content-add/remove
  // While busy (already in a call), new calls are refused with <busy/> when this is set.
  void set_busy_policy(bool reject_when_busy) { reject_when_busy_ = reject_when_busy; }

  // ---- media events ----
  void local_candidate(std::string_view sid, std::string_view content, Candidate c, TimePoint now);
  void gathering_done(std::string_view sid, std::string_view content, TimePoint now);
  void transport_connected(std::string_view sid, std::string_view content, TimePoint now);
  void transport_failed(std::string_view sid,
                        std::string_view content,
                        std::string why,
                        TimePoint now);

  void on_timer(TimePoint now);
  std::optional<TimePoint> next_deadline() const;
  bool has_output() const { return !outputs_.empty(); }
  CallOutput next_output();

  std::vector<std::string> active_calls() const;

 private:
  CallManagerConfig config_;
  bool reject_when_busy_ = true;
  std::deque<CallOutput> outputs_;
};

}  // namespace jcall::signaling::jingle
