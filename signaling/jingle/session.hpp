// XEP-0166 §6–§8 (with XEP-0167, XEP-0176, XEP-0320, XEP-0338, XEP-0339): one Jingle RTP
// session, either role, sans I/O. Inputs are stanzas addressed to this session, local commands,
// transport events from media, and the time; outputs are stanzas to send, requests to media and
// state changes. No socket, no timer, no GLib: the time is passed in.
//
// The seam to media is the plain structs below; app/ translates them to and from media/.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/result.hpp"
#include "codecs/codec.hpp"
#include "codecs/offer_answer.hpp"
#include "signaling/jingle/errc.hpp"
#include "signaling/jingle/jingle.hpp"
#include "signaling/xml/element.hpp"
#include "signaling/xmpp/jid.hpp"

namespace jcall::signaling::jingle {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

enum class Role { kInitiator, kResponder };
// XEP-0166 states. kActive: the initiator has received session-accept; the responder's
// session-accept was acknowledged (or media connected after it was sent). kEnded is terminal.
enum class State { kPending, kActive, kEnded };
std::string_view to_string(State s);

// ---- In from media: what the local transport of one content is. ----
struct LocalTransport {
  std::string ufrag;
  std::string pwd;
  std::string fingerprint_hash = "sha-256";
  std::string fingerprint;  // colon-separated hex of our DTLS certificate
};

// A content we want: its media and the transport media prepared for it.
struct LocalContent {
  codecs::MediaType media = codecs::MediaType::kAudio;
  Senders senders = Senders::kBoth;
  LocalTransport transport;
  std::uint32_t ssrc = 0;  // our SSRC for it (0: the session picks one)
};

// ---- Out to media: what was negotiated for one content. ----
enum class DtlsRole { kClient, kServer };  // from the negotiated setup (RFC 5763 §5)

struct NegotiatedContent {
  std::string name;
  codecs::MediaType media = codecs::MediaType::kAudio;
  bool send = true;           // we may send (senders seen from our side)
  bool receive = true;        // the peer may send
  codecs::Negotiated codecs;  // payload type numbers as used on the wire
  bool rtcp_mux = true;
  std::uint32_t local_ssrc = 0;
  // Our retransmission SSRC (RFC 4588 SSRC-multiplexed, XEP-0339 FID group), 0 when no rtx
  // payload type was negotiated.
  std::uint32_t local_rtx_ssrc = 0;
  std::vector<Source> remote_sources;  // XEP-0339
  std::vector<SourceGroup> remote_source_groups;
  std::string remote_ufrag;
  std::string remote_pwd;
  Fingerprint remote_fingerprint;
  DtlsRole dtls_role = DtlsRole::kClient;
};

struct SessionConfig {
  xmpp::Jid self;   // our full JID
  xmpp::Jid peer;   // the peer's full JID
  std::string sid;  // empty for an initiator: generated
  codecs::Preferences preferences;
  bool offer_bundle = true;
  std::chrono::milliseconds iq_timeout{std::chrono::seconds(30)};    // our IQ unanswered
  std::chrono::milliseconds ring_timeout{std::chrono::seconds(60)};  // no accept in time
  std::function<std::string()> make_id;                              // stanza ids; default: random
};

namespace out {
struct Send {  // an IQ (set, result or error) to the peer
  xml::Element stanza;
};
struct StateChanged {
  State state = State::kPending;
  std::optional<Reason> reason;  // when ended: why
  bool by_peer = false;          // when ended: the peer ended it
};
// Media must set up (or update) these contents: after session-accept (both roles), after an
// accepted content-add, after description-info or content-modify.
struct ConfigureMedia {
  std::vector<NegotiatedContent> contents;
  std::vector<std::string> bundle;  // content names sharing one transport (XEP-0338)
  bool ice_controlling = true;      // RFC 8445 §6.1.1: the initiator is controlling
};
struct RemoveMedia {  // content-remove / content-reject / accepted removal
  std::vector<std::string> contents;
};
struct RemoteCandidates {  // XEP-0176 trickle; also before the answer (media buffers them)
  std::string content;
  std::vector<Candidate> candidates;
  bool end_of_candidates = false;
};
struct IceRestart {  // the peer sent new credentials (XEP-0176 §5.5)
  std::string content;
  std::string ufrag;
  std::string pwd;
};
struct PeerInfo {  // XEP-0167 §7 from the peer: ringing, active, hold, unhold, mute, unmute
  RtpInfo info;
};
// The peer offers a content (content-add): the application decides with accept_content()
// or reject_content(). Media should prepare a LocalTransport for it.
struct ContentOffered {
  std::string name;
  codecs::MediaType media = codecs::MediaType::kVideo;
  Senders senders = Senders::kBoth;
};
}  // namespace out
using SessionOutput = std::variant<out::Send,
                                   out::StateChanged,
                                   out::ConfigureMedia,
                                   out::RemoveMedia,
                                   out::RemoteCandidates,
                                   out::IceRestart,
                                   out::PeerInfo,
                                   out::ContentOffered>;

class Session {
 public:
  // Outgoing call: queues session-initiate with these contents.
  static Session initiate(SessionConfig config, std::vector<LocalContent> contents, TimePoint now);
  // Incoming call: checks the session-initiate IQ (already routed by sid). On error the
  // session is ended and the error reply (or session-terminate) is queued.
  static Session incoming(SessionConfig config, const xml::Element& iq, TimePoint now);

  // ---- stanzas: an IQ set carrying <jingle sid=this/>, or the answer to one of our IQs ----
  // Answers every IQ set (result or error). A set from anyone but the peer gets an error and
  // changes nothing.
  void handle_iq(const xml::Element& iq, TimePoint now);
  bool owns_iq_id(std::string_view id) const;  // our pending set with this id

  // ---- local commands ----
  // Responder: accept with a transport per offered content, in the order of contents() (the
  // offered contents jcall can take; the others are left out of the accept, i.e. rejected).
  Result<void> accept(std::vector<LocalTransport> transports, TimePoint now);
  // Responder before accepting: decline/busy; either side anytime: hang up (success), etc.
  void terminate(Condition condition, std::optional<std::string> text, TimePoint now);
  Result<void> send_info(RtpInfo info, TimePoint now);            // ringing, active, hold, mute...
  Result<void> add_content(LocalContent content, TimePoint now);  // content-add (e.g. video)
  Result<void> accept_content(std::string_view name, LocalTransport transport, TimePoint now);
  Result<void> reject_content(std::string_view name, TimePoint now);
  Result<void> remove_content(std::string_view name, TimePoint now);
  Result<void> modify_senders(std::string_view name, Senders senders, TimePoint now);

  // ---- transport events from media ----
  void local_candidate(std::string_view content, Candidate candidate, TimePoint now);
  void gathering_done(std::string_view content, TimePoint now);
  // Never activates a session by itself: only a responder whose session-accept is sent but not
  // yet acknowledged becomes active on it.
  void transport_connected(std::string_view content, TimePoint now);
  // The transport of a content cannot carry media: the session ends with `condition`
  // (failed-transport for ICE, security-error for a DTLS fingerprint mismatch, XEP-0320 §3).
  void transport_failed(std::string_view content,
                        std::string why,
                        TimePoint now,
                        Condition condition = Condition::kFailedTransport);
  // We restart ICE with new credentials (sent as transport-info).
  void restart_ice(std::string_view content, LocalTransport transport, TimePoint now);

  // ---- time ----
  void on_timer(TimePoint now);
  std::optional<TimePoint> next_deadline() const;

  bool has_output() const { return !outputs_.empty(); }
  SessionOutput next_output();

  const std::string& sid() const { return sid_; }
  Role role() const { return role_; }
  State state() const { return state_; }
  const xmpp::Jid& peer() const { return config_.peer; }
  // The contents of the session as last negotiated (or offered, while pending).
  const std::vector<Content>& contents() const { return contents_; }

 private:
  // Where a content stands (XEP-0166 §7.2): offered in session-initiate, negotiated, or in a
  // content-add that we sent or received and that is not answered yet.
  enum class ContentStatus { kOffered, kNegotiated, kAddSent, kAddReceived };
  struct ContentState {
    std::string name;
    Creator creator = Creator::kInitiator;
    codecs::MediaType media = codecs::MediaType::kAudio;
    Senders senders = Senders::kBoth;
    ContentStatus status = ContentStatus::kOffered;
    bool we_offered = false;  // our offer (session-initiate or our content-add)
    LocalTransport local;     // valid when have_local
    bool have_local = false;
    Setup local_setup = Setup::kActpass;
    std::uint32_t local_ssrc = 0;
    std::uint32_t local_rtx_ssrc = 0;  // video: our RFC 4588 retransmission SSRC (FID group)
    codecs::Negotiated codecs;         // our offer, or our answer
    bool rtcp_mux = true;
    RtpDescription peer_description;  // the peer's offer or answer
    std::string remote_ufrag;
    std::string remote_pwd;
    std::optional<Fingerprint> remote_fingerprint;
    std::optional<NegotiatedContent> negotiated;
    std::vector<Candidate> queued_candidates;  // gathered before we could send them
    bool queued_gathering_done = false;
  };
  struct PendingIq {
    Action action = Action::kSessionInfo;
    TimePoint deadline;
    std::vector<std::string> contents;
  };

  Session(SessionConfig config, Role role);

  // stanzas
  void handle_initiate(const xml::Element& iq, TimePoint now);
  void handle_answer(const xml::Element& iq, bool is_error, TimePoint now);
  void dispatch(const xml::Element& iq, const Jingle& j, TimePoint now);
  void on_session_accept(const xml::Element& iq, const Jingle& j, TimePoint now);
  void on_session_terminate(const xml::Element& iq, const Jingle& j);
  void on_session_info(const xml::Element& iq, const Jingle& j);
  void on_transport_info(const xml::Element& iq, const Jingle& j);
  void on_content_add(const xml::Element& iq, const Jingle& j, TimePoint now);
  void on_content_accept(const xml::Element& iq, const Jingle& j, TimePoint now);
  void on_content_reject(const xml::Element& iq, const Jingle& j);
  void on_content_modify(const xml::Element& iq, const Jingle& j);
  void on_content_remove(const xml::Element& iq, const Jingle& j, TimePoint now);
  void on_description_info(const xml::Element& iq, const Jingle& j);
  void on_transport_replace(const xml::Element& iq, const Jingle& j, TimePoint now);
  void on_acked(const PendingIq& p, TimePoint now);
  void on_refused(const PendingIq& p, const xml::Element& iq, TimePoint now);
  void on_expired(const PendingIq& p, TimePoint now);

  // helpers
  ContentState* find(std::string_view name);
  const ContentState* find(std::string_view name) const;
  void erase_content(std::string_view name);
  void reply_result(const xml::Element& iq);
  void reply_error(const xml::Element& iq, Errc e, std::string_view text);
  std::string send_set(Jingle j, TimePoint now);
  Jingle make_jingle(Action a) const;
  Content local_content(const ContentState& st, bool with_description, bool with_candidates);
  std::optional<Fingerprint> peer_fingerprint(const Content& c,
                                              const Jingle& j,
                                              const std::vector<std::string>& bundle) const;
  NegotiatedContent negotiate(const ContentState& st) const;
  void configure_media();
  void refresh_contents();
  void become_active();
  void end(std::optional<Reason> reason, bool by_peer);
  void emit_remote_candidates(const std::string& name, const IceUdpTransport& t);
  void fill_bundle_credentials(const std::vector<std::string>& bundle);
  void flush_queued(ContentState& st, TimePoint now);
  std::uint32_t pick_ssrc();
  std::string unique_name(codecs::MediaType media) const;
  void emit(SessionOutput o) { outputs_.push_back(std::move(o)); }

  SessionConfig config_;
  Role role_;
  State state_ = State::kPending;
  std::string sid_;
  std::vector<Content> contents_;
  std::deque<SessionOutput> outputs_;

  std::string initiator_;  // the initiator's full JID, for the 'initiator' attribute
  std::vector<ContentState> states_;
  std::map<std::string, PendingIq, std::less<>> pending_;  // our IQ sets by id
  std::optional<TimePoint> ring_deadline_;
  bool accept_sent_ = false;         // responder: session-accept sent
  std::vector<std::string> bundle_;  // negotiated BUNDLE group (XEP-0338)
  std::vector<Group> peer_groups_;   // the groups of the peer's session-initiate
  std::string cname_;                // RTCP CNAME of our sources (XEP-0339)
  std::uint64_t rng_ = 0;
};

}  // namespace jcall::signaling::jingle
