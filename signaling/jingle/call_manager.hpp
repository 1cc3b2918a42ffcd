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
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/result.hpp"
#include "codecs/offer_answer.hpp"
#include "signaling/jingle/detail/call.hpp"
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
  bool offer_bundle = true;               // XEP-0338 in our offers (off: one transport per content)
  std::function<std::string()> make_id;   // stanza ids; default: random
  std::function<std::string()> make_sid;  // session ids; default: random
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
  // Why, for people: "answered on another device", "declined on another device", "declined",
  // "busy", "retracted", "cancelled", "no answer", "missed", "unreachable", "finished",
  // "tie-break" (reason alternative-session names the call that replaced it), "migrated",
  // "hung up", "hung up by peer", or a reason condition ("timeout", "failed-transport", ...).
  std::string detail;
};
// Media must prepare a transport (ICE agent, DTLS certificate fingerprint) for these media,
// then the app calls provide_transports() with one LocalTransport each, in the same order.
struct NeedTransports {
  std::string sid;
  std::vector<codecs::MediaType> media;
  // The content name to use in local_candidate() & co. for each transport, same order. Before
  // the Jingle session exists this is the media alias ("audio", "video"); CallManager maps an
  // alias to the session's content of that media, so the app may keep using it afterwards.
  std::vector<std::string> contents;
  // RFC 8445 §6.1.1: the session initiator controls ICE. Media must create its agents in this
  // role: libnice does not switch roles once checks have started (a peer's early candidates).
  bool ice_controlling = true;
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
  // carbon: the message is a XEP-0280 copy (sent: our own message from another resource);
  // stanza is then the forwarded inner message, already checked to come from our bare JID.
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
  // Camera off/on: the video content stays, we stop sending; the peer is told with XEP-0167 §7
  // mute/unmute naming the video content.
  Result<void> set_camera(std::string_view sid, bool on, TimePoint now);
  // While busy (already in a call), new calls are refused with <busy/> when this is set.
  void set_busy_policy(bool reject_when_busy) { reject_when_busy_ = reject_when_busy; }

  // ---- media events ----
  void local_candidate(std::string_view sid, std::string_view content, Candidate c, TimePoint now);
  void gathering_done(std::string_view sid, std::string_view content, TimePoint now);
  void transport_connected(std::string_view sid, std::string_view content, TimePoint now);
  // Media restarted ICE (RFC 8445 §9) with new local credentials: the peer gets them in a
  // transport-info (XEP-0176 §5.5; our answer when the peer restarted first).
  void ice_restarted(std::string_view sid,
                     std::string_view content,
                     LocalTransport transport,
                     TimePoint now);
  void transport_failed(std::string_view sid,
                        std::string_view content,
                        std::string why,
                        TimePoint now,
                        Condition condition = Condition::kFailedTransport);

  void on_timer(TimePoint now);
  std::optional<TimePoint> next_deadline() const;
  bool has_output() const { return !outputs_.empty(); }
  CallOutput next_output();

  std::vector<std::string> active_calls() const;

 private:
  using Call = detail::Call;

  bool handle_iq(const xml::Element& iq, TimePoint now);
  void handle_jingle_set(const xml::Element& iq, TimePoint now);
  void handle_session_initiate(const xml::Element& iq,
                               const xmpp::Jid& from,
                               const std::string& sid,
                               TimePoint now);
  bool handle_message(const xml::Element& message, TimePoint now, Carbon carbon);
  void handle_propose(const JmiMessage& m, const xmpp::Jid& from, TimePoint now, Carbon carbon);
  void handle_jmi_from_peer(Call& call,
                            const JmiMessage& m,
                            const xmpp::Jid& from,
                            bool tie_break,
                            TimePoint now);
  void handle_jmi_from_own_device(Call& call, const JmiMessage& m, TimePoint now);

  Call& add_call(Call call);
  Call* find_call(std::string_view sid);
  Call* find_rival(const xmpp::Jid& peer, bool jmi);
  bool busy() const;
  bool won_tie_break_recently(const xmpp::Jid& peer, TimePoint now) const;
  Call* find_live_call_with(const xmpp::Jid& peer);
  void accept_proposal(Call& call, std::string why, TimePoint now);

  void send(xml::Element stanza);
  void send_jmi(const Call& call,
                JmiMessage::Kind kind,
                const xmpp::Jid& to,
                std::optional<Reason> reason,
                bool tie_break = false,
                std::string migrated_to = {});
  void emit_state(Call& call,
                  CallState state,
                  std::optional<Reason> reason = std::nullopt,
                  bool by_peer = false,
                  std::string why = {});
  void end_call(Call& call,
                std::optional<Reason> reason,
                bool by_peer,
                std::string why,
                TimePoint now);
  void request_transports(Call& call,
                          detail::TransportRequest::Purpose purpose,
                          std::vector<codecs::MediaType> media,
                          std::vector<std::string> names,
                          std::string offered_name = {});
  void start_outgoing_session(Call& call, TimePoint now);
  void accept_incoming_session(Call& call, TimePoint now);
  void replay_pending_media(Call& call, TimePoint now);
  void media_event(std::string_view sid, detail::PendingMediaEvent event, TimePoint now);
  std::string resolve_content(const Call& call, std::string_view name) const;
  void drain(Call& call, TimePoint now);
  void on_session_ended(Call& call, const out::StateChanged& s, TimePoint now);
  void update_active(Call& call);
  SessionConfig session_config(const Call& call) const;
  static const Content* negotiated_video(const Call& call);

  CallManagerConfig config_;
  bool reject_when_busy_ = true;
  std::deque<CallOutput> outputs_;
  std::map<std::string, Call, std::less<>> calls_;
  // Peers (bare JIDs) that won a tie-break against us, until when: their call is accepted
  // automatically when it arrives after our own call was already refused (XEP-0353 §4.1).
  std::map<std::string, TimePoint> tie_break_lost_to_;
};

}  // namespace jcall::signaling::jingle
