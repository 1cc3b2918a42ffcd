// XEP-0353 §3 and XEP-0166 §6: the state CallManager keeps for one call. Private to
// call_manager.cpp; it is in a header only because CallManager holds these by value.
//
// A call goes through these phases (JMI first, then the Jingle session):
//   outgoing JMI:  kProposing -> (ringing) kRinging -> (proceed) kProceeded -> kSession -> kEnded
//   incoming JMI:  kRinging -> (accept: proceed sent) kProceeded -> (session-initiate) kSession
//   direct calls:  kProposing (outgoing, until transports) / kSession (both roles) -> kEnded
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "codecs/codec.hpp"
#include "signaling/jingle/session.hpp"
#include "signaling/xmpp/jid.hpp"

namespace jcall::signaling::jingle::detail {

enum class CallPhase { kProposing, kRinging, kProceeded, kSession, kEnded };

// A media event that arrived before the Jingle session existed; replayed into the session.
struct PendingMediaEvent {
  enum class Kind { kCandidate, kGatheringDone, kConnected, kFailed };
  Kind kind = Kind::kCandidate;
  std::string content;  // as the app named it (a media alias or a content name)
  Candidate candidate;
  std::string why;
  Condition condition = Condition::kFailedTransport;
};

// What an outstanding NeedTransports asked for, so provide_transports() knows what to do.
struct TransportRequest {
  enum class Purpose { kCall, kAddContent, kAcceptOffered };
  Purpose purpose = Purpose::kCall;
  std::vector<codecs::MediaType> media;
  std::string offered_name;  // kAcceptOffered: the peer's content
};

struct Call {
  std::string sid;
  bool outgoing = true;
  bool jmi = true;
  CallPhase phase = CallPhase::kProposing;
  // What the user sees (the last CallState reported).
  int reported_state = -1;  // a CallState value; -1 before the first report

  xmpp::Jid peer;       // as called: bare for JMI, the full JID of a direct call
  xmpp::Jid peer_full;  // the device in the call, once known
  std::vector<codecs::MediaType> media;

  bool user_accepted = false;  // incoming: the user (or a tie-break) accepted
  bool session_accept_sent = false;
  bool announced = true;  // false: refused without telling the user (busy, tie-break loser)
  bool finish_sent = false;
  bool connected = false;
  bool silent = false;  // lost a tie-break that the peer never saw: its outputs are dropped
  bool lost_tie_break = false;

  std::vector<std::pair<codecs::MediaType, LocalTransport>> transports;
  std::vector<TransportRequest> transport_requests;  // outstanding, oldest first
  std::vector<PendingMediaEvent> pending_media;

  std::optional<Session> session;
  std::vector<std::string> sent_iq_ids;  // the ids of the session's IQ sets
  std::string offered_content;           // a content-add from the peer awaiting set_video()

  std::optional<TimePoint> deadline;   // ring timeout, or waiting for the session-initiate
  std::optional<TimePoint> forget_at;  // ended calls are kept a while for dedupe
};

}  // namespace jcall::signaling::jingle::detail
