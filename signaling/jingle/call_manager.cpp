// XEP-0353 (0.6+, urn:xmpp:jingle-message:0) Jingle Message Initiation in front of XEP-0166
// sessions, with the tie-breaks of XEP-0353 §4.1 (both sides propose) and XEP-0166 §7.2.16
// (both sides send session-initiate), and multi-device ringing seen through XEP-0280 carbons.
//
// Who sends what to whom (XEP-0353 §3): propose goes to the callee's bare JID (or a full JID);
// ringing, proceed, reject and finish go to the other party's bare JID, so that the server
// copies them to every device of both accounts; retract goes to the bare JID the propose went
// to. The session-initiate goes to the full JID that sent the first proceed.
//
// Decisions that the XEP leaves open, and why:
// - A later proceed from a second device of the callee (both answered at once) gets a retract
//   addressed to that device's full JID only: the call went to the first device, and a retract
//   to the bare JID would also end it there. Devices ignore carbon copies of retracts once they
//   have proceeded, so the winner is not disturbed.
// - The callee does not prepare media while it rings (a propose reaches every device, and all
//   but one would set up ICE for nothing); the caller does, during ringing, because that is
//   where setup time is won.
// - A call refused because we are busy, or a propose that loses a tie-break, is never shown to
//   the user (no Incoming): only the peer is told.
// - After a lost tie-break the winning call is accepted without ringing: the user had just
//   asked for a call with that very peer.
#include "signaling/jingle/call_manager.hpp"

#include <algorithm>
#include <random>
#include <utility>

#include "signaling/jingle/errc.hpp"
#include "signaling/jingle/ns.hpp"
#include "signaling/xmpp/ns.hpp"

namespace jcall::signaling::jingle {

namespace {

// Ended calls are remembered this long, to recognise late or duplicated messages for them.
constexpr std::chrono::minutes kForgetAfter{5};
// How long a peer that won a tie-break against us may take to deliver its winning call.
constexpr std::chrono::seconds kTieBreakWindow{30};
constexpr std::string_view kTieBreakText = "Tie-Break";
// The callee stops ringing by itself a little after the caller's own ring timeout, which ends
// the call with a retract; this only matters when the caller vanished without one.
constexpr std::chrono::seconds kCalleeRingGrace{10};

std::string random_uuid(std::mt19937_64& rng) {
  // RFC 9562 §5.4 version 4, as XEP-0353 recommends for session ids.
  std::uniform_int_distribution<int> nibble(0, 15);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20)
      out += '-';
    int v = nibble(rng);
    if (i == 12)
      v = 4;
    if (i == 16)
      v = 8 | (v & 3);
    out += kHex[v];
  }
  return out;
}

std::optional<codecs::MediaType> media_from_string(std::string_view s) {
  if (s == "audio")
    return codecs::MediaType::kAudio;
  if (s == "video")
    return codecs::MediaType::kVideo;
  return std::nullopt;
}

std::string alias(codecs::MediaType m) {
  return std::string(codecs::to_string(m));
}

std::vector<std::string> aliases(const std::vector<codecs::MediaType>& media) {
  std::vector<std::string> out;
  for (auto m : media)
    out.push_back(alias(m));
  return out;
}

Reason make_reason(Condition c, std::optional<std::string> text = std::nullopt) {
  Reason r;
  r.condition = c;
  r.text = std::move(text);
  return r;
}

std::optional<codecs::MediaType> content_media(const Content& c) {
  if (!c.description)
    return std::nullopt;
  return c.description->media_type();
}

// "i;octet" collation (RFC 4790 §9.3): plain byte order.
bool octet_less(std::string_view a, std::string_view b) {
  return a < b;
}

// XEP-0166 §8: the error reply to a Jingle IQ set.
xml::Element iq_error(const xml::Element& iq, Errc e) {
  xml::Element reply("iq", std::string(xmpp::ns::kClient));
  reply.set_attr("type", "error");
  reply.set_attr("id", iq.attr_or("id", ""));
  if (auto from = iq.attr("from"))
    reply.set_attr("to", *from);
  xml::Element error("error", std::string(xmpp::ns::kClient));
  error.set_attr("type", e == Errc::bad_request ? "modify" : "cancel");
  error.add(std::string(stanza_condition(e)), std::string(xmpp::ns::kStanzas));
  if (auto child = jingle_error_child(e); !child.empty())
    error.add(std::string(child), std::string(ns::kJingleErrors));
  reply.add(std::move(error));
  return reply;
}

bool is_tie_break_error(const xml::Element& iq) {
  const xml::Element* error = iq.child("error", iq.ns);
  return error && error->child("tie-break", ns::kJingleErrors);
}

// The detail of a call that ended with its Jingle session.
std::string describe_end(const std::optional<Reason>& reason, bool by_peer) {
  if (!reason || reason->condition == Condition::kSuccess)
    return by_peer ? "hung up by peer" : "hung up";
  return std::string(to_string(reason->condition));  // "decline", "timeout", "failed-transport"
}

}  // namespace

std::string_view to_string(CallState s) {
  switch (s) {
    case CallState::kProposing:
      return "proposing";
    case CallState::kRinging:
      return "ringing";
    case CallState::kConnecting:
      return "connecting";
    case CallState::kActive:
      return "active";
    case CallState::kEnded:
      return "ended";
  }
  return "unknown";
}

CallManager::CallManager(CallManagerConfig config) : config_(std::move(config)) {
  if (!config_.make_id || !config_.make_sid) {
    auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
    if (!config_.make_id)
      config_.make_id = [rng] { return random_uuid(*rng); };
    if (!config_.make_sid)
      config_.make_sid = [rng] { return random_uuid(*rng); };
  }
}

CallOutput CallManager::next_output() {
  CallOutput out = std::move(outputs_.front());
  outputs_.pop_front();
  return out;
}

std::vector<std::string> CallManager::active_calls() const {
  std::vector<std::string> out;
  for (const auto& [sid, call] : calls_)
    if (call.phase != detail::CallPhase::kEnded && call.announced)
      out.push_back(sid);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

CallManager::Call& CallManager::add_call(Call call) {
  std::string sid = call.sid;
  return calls_.insert_or_assign(std::move(sid), std::move(call)).first->second;
}

CallManager::Call* CallManager::find_call(std::string_view sid) {
  auto it = calls_.find(sid);
  return it == calls_.end() ? nullptr : &it->second;
}

// Our own outgoing call to this peer that has not been answered yet (a tie-break candidate).
CallManager::Call* CallManager::find_rival(const xmpp::Jid& peer, bool jmi) {
  for (auto& [sid, call] : calls_) {
    if (!call.outgoing || call.jmi != jmi || call.silent || call.peer.bare() != peer.bare())
      continue;
    if (jmi &&
        (call.phase == detail::CallPhase::kProposing || call.phase == detail::CallPhase::kRinging))
      return &call;
    if (!jmi && (call.phase == detail::CallPhase::kProposing ||
                 (call.phase == detail::CallPhase::kSession && call.session &&
                  call.session->state() == State::kPending)))
      return &call;
  }
  return nullptr;
}

// A call with this peer (any of its devices) that got past the proposal and still runs.
CallManager::Call* CallManager::find_live_call_with(const xmpp::Jid& peer) {
  for (auto& [sid, call] : calls_) {
    if (call.silent || !call.announced || call.peer.bare() != peer.bare())
      continue;
    if (call.phase == detail::CallPhase::kProceeded ||
        (call.phase == detail::CallPhase::kSession && call.session &&
         call.session->state() != State::kEnded))
      return &call;
  }
  return nullptr;
}

// The proposal is accepted without ringing (a won tie-break, a migrated call).
void CallManager::accept_proposal(Call& call, std::string why, TimePoint now) {
  call.user_accepted = true;
  call.phase = detail::CallPhase::kProceeded;
  call.deadline = now + config_.iq_timeout;
  send_jmi(call, JmiMessage::Kind::kProceed, call.peer, std::nullopt);
  emit_state(call, CallState::kConnecting, std::nullopt, false, std::move(why));
  request_transports(call, detail::TransportRequest::Purpose::kCall, call.media,
                     aliases(call.media));
}

bool CallManager::busy() const {
  return std::any_of(calls_.begin(), calls_.end(), [](const auto& entry) {
    return entry.second.phase != detail::CallPhase::kEnded && entry.second.announced;
  });
}

bool CallManager::won_tie_break_recently(const xmpp::Jid& peer, TimePoint now) const {
  auto it = tie_break_lost_to_.find(peer.bare_str());
  return it != tie_break_lost_to_.end() && now < it->second;
}

void CallManager::send(xml::Element stanza) {
  outputs_.push_back(call_out::Send{std::move(stanza)});
}

// XEP-0353 §3: type=chat, an XEP-0359 origin-id and an XEP-0334 store hint.
void CallManager::send_jmi(const Call& call,
                           JmiMessage::Kind kind,
                           const xmpp::Jid& to,
                           std::optional<Reason> reason,
                           bool tie_break,
                           std::string migrated_to) {
  if (call.silent)
    return;
  JmiMessage m;
  m.kind = kind;
  m.id = call.sid;
  m.reason = std::move(reason);
  if (kind == JmiMessage::Kind::kPropose)
    m.media = aliases(call.media);
  m.tie_break = tie_break;                 // XEP-0353 §4.1
  m.migrated_to = std::move(migrated_to);  // XEP-0353 §4.2

  const std::string id = config_.make_id();
  xml::Element message("message", std::string(xmpp::ns::kClient));
  message.set_attr("to", to.str());
  message.set_attr("type", "chat");
  message.set_attr("id", id);
  message.add("origin-id", std::string(xmpp::ns::kStanzaId)).set_attr("id", id);
  message.add(m.to_xml());
  message.add("store", std::string(xmpp::ns::kHints));
  send(std::move(message));
}

void CallManager::emit_state(Call& call,
                             CallState state,
                             std::optional<Reason> reason,
                             bool by_peer,
                             std::string why) {
  if (call.silent || !call.announced)
    return;
  // States only move forward (proposing < ringing < connecting < active < ended): a late
  // session-info <ringing/> after the proceed, say, is not news for the user.
  if (call.reported_state >= static_cast<int>(state))
    return;
  call.reported_state = static_cast<int>(state);
  call_out::StateChanged s;
  s.sid = call.sid;
  s.state = state;
  s.peer = call.peer_full.empty() ? call.peer : call.peer_full;
  s.reason = std::move(reason);
  s.by_peer = by_peer;
  s.detail = std::move(why);
  outputs_.push_back(std::move(s));
}

void CallManager::end_call(Call& call,
                           std::optional<Reason> reason,
                           bool by_peer,
                           std::string why,
                           TimePoint now) {
  if (call.phase == detail::CallPhase::kEnded)
    return;
  call.phase = detail::CallPhase::kEnded;
  call.deadline.reset();
  call.forget_at = now + kForgetAfter;
  call.transport_requests.clear();
  call.pending_media.clear();
  emit_state(call, CallState::kEnded, std::move(reason), by_peer, std::move(why));
}

void CallManager::request_transports(Call& call,
                                     detail::TransportRequest::Purpose purpose,
                                     std::vector<codecs::MediaType> media,
                                     std::vector<std::string> names,
                                     std::string offered_name) {
  call.transport_requests.push_back({purpose, media, std::move(offered_name)});
  if (call.silent)
    return;
  const bool controlling = call.session ? call.session->role() == Role::kInitiator : call.outgoing;
  outputs_.push_back(
      call_out::NeedTransports{call.sid, std::move(media), std::move(names), controlling});
}

SessionConfig CallManager::session_config(const Call& call) const {
  SessionConfig c;
  c.self = config_.self;
  c.peer = call.peer_full;
  c.sid = call.sid;
  c.preferences = config_.preferences;
  c.iq_timeout = config_.iq_timeout;
  c.ring_timeout = config_.ring_timeout;
  c.offer_bundle = config_.offer_bundle;
  c.make_id = config_.make_id;
  return c;
}

// ---------------------------------------------------------------------------------------------
// Sessions

void CallManager::start_outgoing_session(Call& call, TimePoint now) {
  if (call.session || call.phase == detail::CallPhase::kEnded || call.peer_full.empty() ||
      call.transports.empty())
    return;
  std::vector<LocalContent> contents;
  for (const auto& [media, transport] : call.transports) {
    LocalContent c;
    c.media = media;
    c.transport = transport;
    contents.push_back(std::move(c));
  }
  call.session.emplace(Session::initiate(session_config(call), std::move(contents), now));
  call.phase = detail::CallPhase::kSession;
  call.deadline.reset();  // the session has its own timers from now on
  drain(call, now);
  replay_pending_media(call, now);
}

void CallManager::accept_incoming_session(Call& call, TimePoint now) {
  if (!call.session || !call.user_accepted || call.session_accept_sent ||
      call.session->state() != State::kPending || call.phase == detail::CallPhase::kEnded)
    return;
  // One transport per offered content, by media; media prepares what is missing first, under
  // the session's content names.
  std::vector<LocalTransport> transports;
  std::vector<codecs::MediaType> missing;
  std::vector<std::string> missing_names;
  for (const Content& c : call.session->contents()) {
    const codecs::MediaType media = content_media(c).value_or(codecs::MediaType::kAudio);
    auto it = std::find_if(call.transports.begin(), call.transports.end(),
                           [&](const auto& t) { return t.first == media; });
    if (it == call.transports.end()) {
      if (std::find(missing.begin(), missing.end(), media) == missing.end()) {
        missing.push_back(media);
        missing_names.push_back(c.name);
      }
      continue;
    }
    transports.push_back(it->second);
  }
  if (!missing.empty()) {
    if (call.transport_requests.empty())
      request_transports(call, detail::TransportRequest::Purpose::kCall, std::move(missing),
                         std::move(missing_names));
    return;
  }
  call.session_accept_sent = true;
  if (auto r = call.session->accept(std::move(transports), now); !r)
    call.session->terminate(Condition::kIncompatibleParameters, r.error().describe(), now);
  drain(call, now);
  replay_pending_media(call, now);
}

void CallManager::replay_pending_media(Call& call, TimePoint now) {
  if (!call.session)
    return;
  auto pending = std::move(call.pending_media);
  call.pending_media.clear();
  for (auto& e : pending)
    media_event(call.sid, std::move(e), now);
}

std::string CallManager::resolve_content(const Call& call, std::string_view name) const {
  if (!call.session)
    return std::string(name);
  for (const Content& c : call.session->contents())
    if (c.name == name)
      return c.name;
  if (auto media = media_from_string(name))
    for (const Content& c : call.session->contents())
      if (content_media(c) == media)
        return c.name;
  return std::string(name);
}

void CallManager::update_active(Call& call) {
  if (call.phase == detail::CallPhase::kSession && call.connected && call.session &&
      call.session->state() == State::kActive)
    emit_state(call, CallState::kActive);
}

void CallManager::on_session_ended(Call& call, const out::StateChanged& s, TimePoint now) {
  if (call.jmi && !call.finish_sent && call.announced) {
    // XEP-0353 §3.6: both parties send <finish/> to the other's bare JID.
    call.finish_sent = true;
    send_jmi(call, JmiMessage::Kind::kFinish, call.peer.bare(),
             s.reason.value_or(make_reason(Condition::kSuccess)));
  }
  if (call.lost_tie_break) {
    Reason r = make_reason(Condition::kAlternativeSession, std::string(kTieBreakText));
    end_call(call, r, true, "tie-break", now);
    return;
  }
  end_call(call, s.reason, s.by_peer, describe_end(s.reason, s.by_peer), now);
}

void CallManager::drain(Call& call, TimePoint now) {
  if (!call.session)
    return;
  while (call.session->has_output()) {
    SessionOutput out = call.session->next_output();
    if (auto* send_out = std::get_if<out::Send>(&out)) {
      // Remember our IQ sets: their answers are ours even after the session forgot them.
      if (send_out->stanza.attr_or("type", "") == "set")
        call.sent_iq_ids.emplace_back(send_out->stanza.attr_or("id", ""));
      // A silent call still answers the IQs it is sent; it starts nothing new.
      if (!call.silent || send_out->stanza.attr_or("type", "") != "set")
        send(std::move(send_out->stanza));
      continue;
    }
    if (auto* state = std::get_if<out::StateChanged>(&out)) {
      if (state->state == State::kActive) {
        emit_state(call, CallState::kConnecting);
        update_active(call);
      } else if (state->state == State::kEnded) {
        on_session_ended(call, *state, now);
      }
      continue;
    }
    if (auto* info = std::get_if<out::PeerInfo>(&out)) {
      if (info->info.kind == RtpInfo::Kind::kRinging && call.outgoing &&
          call.phase == detail::CallPhase::kSession && call.session->state() == State::kPending)
        emit_state(call, CallState::kRinging);
    }
    if (auto* offered = std::get_if<out::ContentOffered>(&out))
      call.offered_content = offered->name;
    if (auto* removed = std::get_if<out::RemoveMedia>(&out)) {
      if (std::find(removed->contents.begin(), removed->contents.end(), call.offered_content) !=
          removed->contents.end())
        call.offered_content.clear();
    }
    if (!call.silent && call.announced)
      outputs_.push_back(call_out::Media{call.sid, std::move(out)});
  }
}

// ---------------------------------------------------------------------------------------------
// Stanzas

bool CallManager::handle_stanza(const xml::Element& stanza, TimePoint now, Carbon carbon) {
  if (stanza.name == "iq")
    return carbon == Carbon::kNone && handle_iq(stanza, now);
  if (stanza.name == "message")
    return handle_message(stanza, now, carbon);
  return false;
}

bool CallManager::handle_iq(const xml::Element& iq, TimePoint now) {
  const std::string_view type = iq.attr_or("type", "");
  if (type == "set" || type == "get") {
    if (!iq.child("jingle", ns::kJingle))
      return false;
    handle_jingle_set(iq, now);
    return true;
  }
  if (type != "result" && type != "error")
    return false;
  const std::string_view id = iq.attr_or("id", "");
  for (auto& [sid, call] : calls_) {
    if (!call.session || !call.session->owns_iq_id(id))
      continue;
    if (type == "error" && is_tie_break_error(iq) && call.outgoing && !call.silent &&
        call.session->state() == State::kPending) {
      // XEP-0166 §7.2.16: the peer's session-initiate won; it is accepted when it arrives.
      call.lost_tie_break = true;
      tie_break_lost_to_[call.peer.bare_str()] = now + kTieBreakWindow;
    }
    call.session->handle_iq(iq, now);
    drain(call, now);
    return true;
  }
  for (const auto& [sid, call] : calls_)
    if (std::find(call.sent_iq_ids.begin(), call.sent_iq_ids.end(), id) != call.sent_iq_ids.end())
      return true;  // a late answer to a session that has ended
  return false;
}

void CallManager::handle_jingle_set(const xml::Element& iq, TimePoint now) {
  const xml::Element* jingle = iq.child("jingle", ns::kJingle);
  auto from = xmpp::Jid::parse(iq.attr_or("from", ""));
  if (!from)
    return;  // nobody to answer
  const std::string sid(jingle->attr_or("sid", ""));
  if (sid.empty() || iq.attr_or("type", "") != "set") {
    send(iq_error(iq, Errc::bad_request));
    return;
  }
  const std::string_view action = jingle->attr_or("action", "");
  Call* call = find_call(sid);
  if (call && call->session) {
    call->session->handle_iq(iq, now);
    drain(*call, now);
    return;
  }
  if (action != "session-initiate") {
    send(iq_error(iq, Errc::unknown_session));
    return;
  }
  handle_session_initiate(iq, *from, sid, now);
}

void CallManager::handle_session_initiate(const xml::Element& iq,
                                          const xmpp::Jid& from,
                                          const std::string& sid,
                                          TimePoint now) {
  if (Call* call = find_call(sid)) {
    // The session-initiate that follows our <proceed/> (XEP-0353 §3.5), from the device that
    // proposed; anything else reusing a sid we know is refused.
    const bool expected = !call->outgoing && call->jmi && from == call->peer_full &&
                          (call->phase == detail::CallPhase::kRinging ||
                           call->phase == detail::CallPhase::kProceeded);
    if (!expected) {
      send(iq_error(iq, call->outgoing && call->phase != detail::CallPhase::kEnded
                            ? Errc::tie_break
                            : Errc::unknown_session));
      return;
    }
    call->session.emplace(Session::incoming(session_config(*call), iq, now));
    call->phase = detail::CallPhase::kSession;
    call->deadline.reset();
    drain(*call, now);
    accept_incoming_session(*call, now);
    return;
  }

  // A direct call (no JMI). First the tie-break of XEP-0166 §7.2.16 against our own call.
  bool auto_accept = won_tie_break_recently(from, now);
  if (Call* rival = find_rival(from, /*jmi=*/false)) {
    const bool sent = rival->session.has_value();
    const bool theirs_wins = !sent || octet_less(sid, rival->sid) ||
                             (sid == rival->sid && from.str() < config_.self.str());
    if (!theirs_wins) {
      send(iq_error(iq, Errc::tie_break));
      return;
    }
    Reason r = make_reason(Condition::kAlternativeSession, std::string(kTieBreakText));
    r.alternative_sid = sid;
    end_call(*rival, r, false, "tie-break", now);
    rival->silent = true;  // its session stays to absorb the peer's error; nothing more is sent
    auto_accept = true;
  }

  Call c;
  c.sid = sid;
  c.outgoing = false;
  c.jmi = false;
  c.phase = detail::CallPhase::kSession;
  c.peer = from;
  c.peer_full = from;
  const bool refuse_busy = !auto_accept && reject_when_busy_ && busy();
  c.announced = !refuse_busy;
  Call& call = add_call(std::move(c));
  call.session.emplace(Session::incoming(session_config(call), iq, now));
  if (call.session->state() == State::kEnded) {  // refused by the session itself
    call.announced = false;
    drain(call, now);
    end_call(call, std::nullopt, false, "refused", now);
    return;
  }
  for (const Content& content : call.session->contents())
    call.media.push_back(content_media(content).value_or(codecs::MediaType::kAudio));

  if (refuse_busy) {
    drain(call, now);
    call.session->terminate(Condition::kBusy, std::nullopt, now);
    drain(call, now);
    end_call(call, make_reason(Condition::kBusy), false, "busy", now);
    return;
  }
  if (auto_accept) {
    call.user_accepted = true;
    drain(call, now);
    emit_state(call, CallState::kConnecting, std::nullopt, false, "tie-break");
    accept_incoming_session(call, now);  // asks media for the transports first
    return;
  }
  drain(call, now);  // the IQ result first
  outputs_.push_back(call_out::Incoming{sid, from, call.media, false});
  emit_state(call, CallState::kRinging);
  // XEP-0167 §7: tell the caller we ring.
  RtpInfo ringing;
  ringing.kind = RtpInfo::Kind::kRinging;
  (void)call.session->send_info(ringing, now);
  drain(call, now);
}

bool CallManager::handle_message(const xml::Element& message, TimePoint now, Carbon carbon) {
  const xml::Element* payload = JmiMessage::find_in(message);
  if (!payload)
    return false;
  auto parsed = JmiMessage::from_xml(*payload);
  if (!parsed)
    return true;  // about calls, but malformed: nothing sensible to do with it
  JmiMessage& m = *parsed;
  const bool tie_break = m.tie_break;  // XEP-0353 §4.1
  auto from = xmpp::Jid::parse(message.attr_or("from", ""));
  if (!from)
    return true;

  if (carbon == Carbon::kReceived) {
    // A copy of a message that the server delivered to another of our devices. Addressed to
    // our bare JID it was meant for all of them (the server picked another device by priority,
    // RFC 6121 §8.5.2.1.1): it counts as received here too.
    auto to = xmpp::Jid::parse(message.attr_or("to", ""));
    if (to && to->is_bare() && to->bare() == config_.self.bare())
      carbon = Carbon::kNone;
  }
  if (carbon == Carbon::kSent) {
    // Our own message, sent by another of our devices (to the peer).
    if (from->bare() != config_.self.bare())
      return true;
    if (Call* call = find_call(m.id)) {
      auto to = xmpp::Jid::parse(message.attr_or("to", ""));
      if (to && to->bare() == call->peer.bare())
        handle_jmi_from_own_device(*call, m, now);
    }
    return true;
  }
  if (from->bare() == config_.self.bare() && carbon == Carbon::kNone && *from == config_.self)
    return true;  // our own message reflected back

  if (message.attr_or("type", "") == "error") {
    // RFC 6120 §8.3: our message bounced. A bounced propose means nobody can ring.
    Call* call = find_call(m.id);
    if (call && carbon == Carbon::kNone && m.kind == JmiMessage::Kind::kPropose && call->outgoing &&
        call->phase == detail::CallPhase::kProposing && from->bare() == call->peer.bare())
      end_call(*call, make_reason(Condition::kGone), true, "unreachable", now);
    return true;
  }

  if (m.kind == JmiMessage::Kind::kPropose) {
    handle_propose(m, *from, now, carbon);
    return true;
  }
  Call* call = find_call(m.id);
  if (!call || call->peer.bare() != from->bare())
    return true;  // unknown call, or a stranger naming someone else's call: ignored
  if (carbon == Carbon::kReceived) {
    // A copy of a message to another of our devices. Only a retract of a call we still ring
    // for concerns us (the caller may have proposed to that device's full JID).
    if (m.kind == JmiMessage::Kind::kRetract && !call->outgoing &&
        call->phase == detail::CallPhase::kRinging)
      handle_jmi_from_peer(*call, m, *from, tie_break, now);
    return true;
  }
  handle_jmi_from_peer(*call, m, *from, tie_break, now);
  return true;
}

void CallManager::handle_propose(const JmiMessage& m,
                                 const xmpp::Jid& from,
                                 TimePoint now,
                                 Carbon carbon) {
  if (find_call(m.id))
    return;  // a duplicate, or the carbon of a propose we got directly (dedupe by sid)

  Call c;
  c.sid = m.id;
  c.outgoing = false;
  c.jmi = true;
  c.phase = detail::CallPhase::kRinging;
  c.peer = from.bare();
  c.peer_full = from;
  for (const auto& media : m.media)
    if (auto type = media_from_string(media);
        type && std::find(c.media.begin(), c.media.end(), *type) == c.media.end())
      c.media.push_back(*type);

  if (c.media.empty()) {
    c.announced = false;
    Call& call = add_call(std::move(c));
    send_jmi(call, JmiMessage::Kind::kReject, call.peer,
             make_reason(Condition::kUnsupportedApplications));
    end_call(call, std::nullopt, false, "unsupported", now);
    return;
  }

  // XEP-0353 §4.1: both sides proposed to each other; the lower session id wins.
  bool auto_accept = carbon == Carbon::kNone && won_tie_break_recently(from, now);
  if (Call* rival = carbon == Carbon::kNone ? find_rival(from, /*jmi=*/true) : nullptr) {
    const bool theirs_wins =
        octet_less(m.id, rival->sid) || (m.id == rival->sid && from.str() < config_.self.str());
    if (!theirs_wins) {
      c.announced = false;
      Call& call = add_call(std::move(c));
      send_jmi(call, JmiMessage::Kind::kReject, call.peer,
               make_reason(Condition::kExpired, std::string(kTieBreakText)), true);
      end_call(call, std::nullopt, false, "tie-break", now);
      return;
    }
    send_jmi(*rival, JmiMessage::Kind::kRetract, rival->peer,
             make_reason(Condition::kExpired, std::string(kTieBreakText)), true);
    Reason r = make_reason(Condition::kAlternativeSession, std::string(kTieBreakText));
    r.alternative_sid = m.id;
    end_call(*rival, r, false, "tie-break", now);
    auto_accept = true;
  }

  if (auto_accept) {
    accept_proposal(add_call(std::move(c)), "tie-break", now);
    return;
  }

  // XEP-0353 §4.2: a new proposal from a peer we are still in a call with continues that call
  // (the peer switched devices, or lost the old one): finish the old call as migrated.
  if (Call* old = carbon == Carbon::kNone ? find_live_call_with(from) : nullptr) {
    const std::string old_sid = old->sid;
    if (old->jmi) {
      old->finish_sent = true;
      send_jmi(*old, JmiMessage::Kind::kFinish, old->peer.bare(),
               make_reason(Condition::kExpired, std::string("Session migrated")), false, m.id);
    }
    Reason r = make_reason(Condition::kAlternativeSession, std::string("Session migrated"));
    r.alternative_sid = m.id;
    if (old->session && old->session->state() != State::kEnded) {
      old->session->terminate(Condition::kExpired, std::string("Session migrated"), now);
      // The session's end is reported here, with the migration as the reason.
      end_call(*old, r, false, "migrated", now);
      drain(*old, now);
    } else {
      end_call(*old, r, false, "migrated", now);
    }
    accept_proposal(add_call(std::move(c)), "migrated from " + old_sid, now);
    return;
  }

  if (reject_when_busy_ && busy()) {
    c.announced = false;
    Call& call = add_call(std::move(c));
    send_jmi(call, JmiMessage::Kind::kReject, call.peer,
             make_reason(Condition::kBusy, std::string("Busy")));
    end_call(call, std::nullopt, false, "busy", now);
    return;
  }

  Call& call = add_call(std::move(c));
  call.deadline = now + config_.ring_timeout + kCalleeRingGrace;
  outputs_.push_back(call_out::Incoming{call.sid, from, call.media, true});
  emit_state(call, CallState::kRinging);
  // XEP-0353 §3.2: always tell the caller that this device rings.
  send_jmi(call, JmiMessage::Kind::kRinging, call.peer, std::nullopt);
}

void CallManager::handle_jmi_from_peer(Call& call,
                                       const JmiMessage& m,
                                       const xmpp::Jid& from,
                                       bool tie_break,
                                       TimePoint now) {
  using Kind = JmiMessage::Kind;
  using Phase = detail::CallPhase;

  switch (m.kind) {
    case Kind::kPropose:
      return;  // handled by handle_propose
    case Kind::kRinging:
      if (call.outgoing && call.jmi && call.phase == Phase::kProposing) {
        call.phase = Phase::kRinging;
        emit_state(call, CallState::kRinging);
      }
      return;
    case Kind::kProceed:
      if (!call.outgoing || !call.jmi)
        return;
      if (call.phase == Phase::kProposing || call.phase == Phase::kRinging) {
        // The first device to proceed wins (XEP-0353 §3.4).
        call.peer_full = from;
        call.phase = Phase::kProceeded;
        call.deadline.reset();
        emit_state(call, CallState::kConnecting);
        if (!call.session)
          call.deadline = now + config_.iq_timeout;  // media must be ready by then
        start_outgoing_session(call, now);
        return;
      }
      if (call.phase != Phase::kEnded && !call.peer_full.empty() && from != call.peer_full) {
        // A second device answered at the same time: it lost; tell only that device.
        send_jmi(call, Kind::kRetract, from,
                 make_reason(Condition::kCancel, std::string("answered on another device")));
      }
      return;
    case Kind::kReject:
      if (!call.outgoing || !call.jmi ||
          (call.phase != Phase::kProposing && call.phase != Phase::kRinging))
        return;
      if (tie_break) {
        tie_break_lost_to_[call.peer.bare_str()] = now + kTieBreakWindow;
        end_call(call, m.reason, true, "tie-break", now);
        return;
      }
      end_call(call, m.reason, true,
               m.reason && m.reason->condition == Condition::kBusy ? "busy" : "declined", now);
      return;
    case Kind::kRetract:
      if (call.outgoing || call.session ||
          (call.phase != Phase::kRinging && call.phase != Phase::kProceeded))
        return;
      end_call(call, m.reason, true, tie_break ? "tie-break" : "retracted", now);
      return;
    case Kind::kFinish:
      // With a Jingle session, session-terminate ends the call; finish only ends a call whose
      // session never started (e.g. the callee gave up waiting for the session-initiate).
      if (call.session || call.phase == Phase::kEnded)
        return;
      if (call.phase != Phase::kProceeded)
        return;
      call.finish_sent = true;  // nothing was started: no finish of ours is owed
      end_call(call, m.reason, true, "finished", now);
      return;
  }
}

void CallManager::handle_jmi_from_own_device(Call& call, const JmiMessage& m, TimePoint now) {
  // XEP-0353 §3.4/§3.5: another of our devices answered or declined; stop ringing here.
  if (call.outgoing || call.phase != detail::CallPhase::kRinging)
    return;
  if (m.kind == JmiMessage::Kind::kProceed)
    end_call(call, std::nullopt, false, "answered on another device", now);
  else if (m.kind == JmiMessage::Kind::kReject)
    end_call(call, m.reason, false, "declined on another device", now);
}

// ---------------------------------------------------------------------------------------------
// Commands

Result<std::string> CallManager::call(const xmpp::Jid& to, CallOptions options, TimePoint now) {
  if (to.empty() || to.bare() == config_.self.bare())
    return make_error(Errc::bad_request, "cannot call " + to.str());
  bool jmi = false;
  switch (options.jmi) {
    case CallOptions::Jmi::kYes:
      jmi = true;
      break;
    case CallOptions::Jmi::kNo:
      jmi = false;
      break;
    case CallOptions::Jmi::kAuto:
      jmi = to.is_bare() || options.peer_supports_jmi;
      break;
  }
  if (!jmi && to.is_bare())
    return make_error(Errc::bad_request,
                      "a call without Jingle Message Initiation needs a full JID: " + to.str());

  Call c;
  c.sid = config_.make_sid();
  for (int tries = 0; find_call(c.sid) && tries < 8; ++tries)
    c.sid = config_.make_sid();  // a sid is never reused, even one the peer chose
  if (c.sid.empty() || find_call(c.sid))
    return make_error(Errc::bad_request, "no fresh session id");
  c.outgoing = true;
  c.jmi = jmi;
  c.phase = detail::CallPhase::kProposing;
  c.peer = to;
  if (!jmi)
    c.peer_full = to;
  c.media.push_back(codecs::MediaType::kAudio);
  if (options.video)
    c.media.push_back(codecs::MediaType::kVideo);
  c.deadline = now + config_.ring_timeout;
  Call& call = add_call(std::move(c));

  if (jmi)
    send_jmi(call, JmiMessage::Kind::kPropose, call.peer, std::nullopt);
  emit_state(call, CallState::kProposing);
  // Media prepares while the peer rings (XEP-0353 leaves time for it).
  request_transports(call, detail::TransportRequest::Purpose::kCall, call.media,
                     aliases(call.media));
  return call.sid;
}

Result<void> CallManager::provide_transports(std::string_view sid,
                                             std::vector<LocalTransport> transports,
                                             TimePoint now) {
  Call* call = find_call(sid);
  if (!call || call->phase == detail::CallPhase::kEnded)
    return make_error(Errc::unknown_session, "no call " + std::string(sid));
  if (call->transport_requests.empty())
    return make_error(Errc::out_of_order,
                      "no transports were asked for in call " + std::string(sid));
  detail::TransportRequest request = call->transport_requests.front();
  if (transports.size() != request.media.size())
    return make_error(Errc::bad_request, "expected " + std::to_string(request.media.size()) +
                                             " transports, got " +
                                             std::to_string(transports.size()));
  call->transport_requests.erase(call->transport_requests.begin());

  switch (request.purpose) {
    case detail::TransportRequest::Purpose::kCall:
      for (std::size_t i = 0; i < transports.size(); ++i)
        call->transports.emplace_back(request.media[i], std::move(transports[i]));
      if (call->outgoing)
        start_outgoing_session(*call, now);
      else
        accept_incoming_session(*call, now);
      return {};
    case detail::TransportRequest::Purpose::kAddContent: {
      if (!call->session)
        return make_error(Errc::out_of_order, "no session in call " + std::string(sid));
      LocalContent content;
      content.media = request.media.front();
      content.transport = std::move(transports.front());
      auto r = call->session->add_content(std::move(content), now);
      drain(*call, now);
      return r;
    }
    case detail::TransportRequest::Purpose::kAcceptOffered: {
      if (!call->session)
        return make_error(Errc::out_of_order, "no session in call " + std::string(sid));
      auto r =
          call->session->accept_content(request.offered_name, std::move(transports.front()), now);
      call->offered_content.clear();
      drain(*call, now);
      return r;
    }
  }
  return {};
}

Result<void> CallManager::accept(std::string_view sid, TimePoint now) {
  Call* call = find_call(sid);
  if (!call || call->phase == detail::CallPhase::kEnded || !call->announced)
    return make_error(Errc::unknown_session, "no call " + std::string(sid));
  if (call->outgoing || call->user_accepted)
    return make_error(Errc::out_of_order, "call " + std::string(sid) + " is not ringing");
  call->user_accepted = true;
  if (call->phase == detail::CallPhase::kRinging) {  // JMI: proceed, then wait for the session
    call->phase = detail::CallPhase::kProceeded;
    call->deadline = now + config_.iq_timeout;
    send_jmi(*call, JmiMessage::Kind::kProceed, call->peer, std::nullopt);
    emit_state(*call, CallState::kConnecting);
    request_transports(*call, detail::TransportRequest::Purpose::kCall, call->media,
                       aliases(call->media));
    return {};
  }
  // The session exists: a direct call, or a JMI caller that did not wait for <proceed/>
  // (then the proceed still goes out, so that our other devices stop ringing).
  if (call->jmi)
    send_jmi(*call, JmiMessage::Kind::kProceed, call->peer, std::nullopt);
  emit_state(*call, CallState::kConnecting);
  accept_incoming_session(*call, now);  // asks media for the transports first
  return {};
}

Result<void> CallManager::reject(std::string_view sid, TimePoint now) {
  Call* call = find_call(sid);
  if (!call || call->phase == detail::CallPhase::kEnded || !call->announced)
    return make_error(Errc::unknown_session, "no call " + std::string(sid));
  if (call->outgoing || call->user_accepted)
    return make_error(Errc::out_of_order, "call " + std::string(sid) + " is not ringing");
  Reason decline = make_reason(Condition::kDecline);
  if (call->phase == detail::CallPhase::kRinging) {
    send_jmi(*call, JmiMessage::Kind::kReject, call->peer, decline);
    end_call(*call, decline, false, "declined", now);
    return {};
  }
  if (call->jmi)
    send_jmi(*call, JmiMessage::Kind::kReject, call->peer, decline);
  call->session->terminate(Condition::kDecline, std::nullopt, now);
  drain(*call, now);
  return {};
}

Result<void> CallManager::hangup(std::string_view sid, TimePoint now) {
  Call* call = find_call(sid);
  if (!call || call->phase == detail::CallPhase::kEnded || !call->announced)
    return make_error(Errc::unknown_session, "no call " + std::string(sid));
  const Reason cancel = make_reason(Condition::kCancel);
  switch (call->phase) {
    case detail::CallPhase::kProposing:
    case detail::CallPhase::kRinging:
    case detail::CallPhase::kProceeded:
      if (!call->outgoing) {
        if (call->phase == detail::CallPhase::kRinging)
          return reject(sid, now);
        // We proceeded but the session-initiate has not come: finish what we started.
        call->finish_sent = true;
        send_jmi(*call, JmiMessage::Kind::kFinish, call->peer, cancel);
        end_call(*call, cancel, false, "cancelled", now);
        return {};
      }
      if (call->jmi)  // XEP-0353 §3.3: disavow the propose (to where it went)
        send_jmi(*call, JmiMessage::Kind::kRetract, call->peer, cancel);
      end_call(*call, cancel, false, "cancelled", now);
      return {};
    case detail::CallPhase::kSession: {
      if (!call->outgoing && !call->user_accepted)
        return reject(sid, now);
      Condition condition = Condition::kSuccess;
      if (call->session->state() == State::kPending)
        condition = call->outgoing ? Condition::kCancel : Condition::kSuccess;
      call->session->terminate(condition, std::nullopt, now);
      drain(*call, now);
      return {};
    }
    case detail::CallPhase::kEnded:
      break;
  }
  return make_error(Errc::unknown_session, "no call " + std::string(sid));
}

Result<void> CallManager::set_hold(std::string_view sid, bool hold, TimePoint now) {
  Call* call = find_call(sid);
  if (!call || !call->session || call->phase == detail::CallPhase::kEnded)
    return make_error(Errc::unknown_session, "no session in call " + std::string(sid));
  RtpInfo info;
  info.kind = hold ? RtpInfo::Kind::kHold : RtpInfo::Kind::kUnhold;
  auto r = call->session->send_info(info, now);
  drain(*call, now);
  return r;
}

Result<void> CallManager::set_mute(std::string_view sid, bool mute, TimePoint now) {
  Call* call = find_call(sid);
  if (!call || !call->session || call->phase == detail::CallPhase::kEnded)
    return make_error(Errc::unknown_session, "no session in call " + std::string(sid));
  RtpInfo info;
  info.kind = mute ? RtpInfo::Kind::kMute : RtpInfo::Kind::kUnmute;
  // XEP-0167 §7: 'creator' names who created the muted content(s); no 'name' means all of
  // them, which (audio first, video added by either side) is nearly always the initiator.
  Creator creator = Creator::kInitiator;
  for (const Content& c : call->session->contents())
    if (c.creator != Creator::kInitiator)
      creator = call->outgoing ? Creator::kInitiator : Creator::kResponder;
  info.creator = std::string(to_string(creator));
  auto r = call->session->send_info(info, now);
  drain(*call, now);
  return r;
}

// The call's video content, not counting one the peer offered that awaits an answer.
const Content* CallManager::negotiated_video(const Call& call) {
  const Content* video = nullptr;
  for (const Content& c : call.session->contents())
    if (content_media(c) == codecs::MediaType::kVideo && c.name != call.offered_content)
      video = &c;
  return video;
}

Result<void> CallManager::set_video(std::string_view sid, bool on, TimePoint now) {
  Call* call = find_call(sid);
  if (!call || !call->session || call->phase == detail::CallPhase::kEnded)
    return make_error(Errc::unknown_session, "no session in call " + std::string(sid));
  const Content* video = negotiated_video(*call);
  if (on) {
    if (!call->offered_content.empty()) {  // the peer offered video: accept it
      request_transports(*call, detail::TransportRequest::Purpose::kAcceptOffered,
                         {codecs::MediaType::kVideo}, {call->offered_content},
                         call->offered_content);
      return {};
    }
    if (video)
      return make_error(Errc::out_of_order, "call " + std::string(sid) + " already has video");
    request_transports(*call, detail::TransportRequest::Purpose::kAddContent,
                       {codecs::MediaType::kVideo}, {alias(codecs::MediaType::kVideo)});
    return {};
  }
  if (!call->offered_content.empty()) {
    std::string name = std::exchange(call->offered_content, {});
    auto r = call->session->reject_content(name, now);
    drain(*call, now);
    return r;
  }
  if (!video)
    return make_error(Errc::out_of_order, "call " + std::string(sid) + " has no video");
  auto r = call->session->remove_content(video->name, now);
  drain(*call, now);
  return r;
}

Result<void> CallManager::set_camera(std::string_view sid, bool on, TimePoint now) {
  Call* call = find_call(sid);
  if (!call || !call->session || call->phase == detail::CallPhase::kEnded)
    return make_error(Errc::unknown_session, "no session in call " + std::string(sid));
  const Content* video = negotiated_video(*call);
  if (!video)
    return make_error(Errc::out_of_order, "call " + std::string(sid) + " has no video");
  RtpInfo info;
  info.kind = on ? RtpInfo::Kind::kUnmute : RtpInfo::Kind::kMute;
  info.creator = std::string(to_string(video->creator));
  info.name = video->name;
  auto r = call->session->send_info(info, now);
  drain(*call, now);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Media events

void CallManager::media_event(std::string_view sid,
                              detail::PendingMediaEvent event,
                              TimePoint now) {
  Call* call = find_call(sid);
  if (!call || call->phase == detail::CallPhase::kEnded)
    return;
  if (!call->session) {
    call->pending_media.push_back(std::move(event));
    return;
  }
  const std::string content = resolve_content(*call, event.content);
  switch (event.kind) {
    case detail::PendingMediaEvent::Kind::kCandidate:
      call->session->local_candidate(content, std::move(event.candidate), now);
      break;
    case detail::PendingMediaEvent::Kind::kGatheringDone:
      call->session->gathering_done(content, now);
      break;
    case detail::PendingMediaEvent::Kind::kConnected:
      call->session->transport_connected(content, now);
      drain(*call, now);
      call->connected = true;
      update_active(*call);
      return;
    case detail::PendingMediaEvent::Kind::kFailed:
      call->session->transport_failed(content, std::move(event.why), now, event.condition);
      break;
  }
  drain(*call, now);
}

void CallManager::local_candidate(std::string_view sid,
                                  std::string_view content,
                                  Candidate c,
                                  TimePoint now) {
  detail::PendingMediaEvent e;
  e.kind = detail::PendingMediaEvent::Kind::kCandidate;
  e.content = std::string(content);
  e.candidate = std::move(c);
  media_event(sid, std::move(e), now);
}

void CallManager::gathering_done(std::string_view sid, std::string_view content, TimePoint now) {
  detail::PendingMediaEvent e;
  e.kind = detail::PendingMediaEvent::Kind::kGatheringDone;
  e.content = std::string(content);
  media_event(sid, std::move(e), now);
}

void CallManager::ice_restarted(std::string_view sid,
                                std::string_view content,
                                LocalTransport transport,
                                TimePoint now) {
  Call* call = find_call(sid);
  if (call == nullptr || call->phase == detail::CallPhase::kEnded || !call->session) {
    return;
  }
  call->session->restart_ice(resolve_content(*call, content), std::move(transport), now);
  drain(*call, now);
}

void CallManager::transport_connected(std::string_view sid,
                                      std::string_view content,
                                      TimePoint now) {
  detail::PendingMediaEvent e;
  e.kind = detail::PendingMediaEvent::Kind::kConnected;
  e.content = std::string(content);
  media_event(sid, std::move(e), now);
}

void CallManager::transport_failed(std::string_view sid,
                                   std::string_view content,
                                   std::string why,
                                   TimePoint now,
                                   Condition condition) {
  detail::PendingMediaEvent e;
  e.kind = detail::PendingMediaEvent::Kind::kFailed;
  e.content = std::string(content);
  e.why = std::move(why);
  e.condition = condition;
  media_event(sid, std::move(e), now);
}

// ---------------------------------------------------------------------------------------------
// Time

void CallManager::on_timer(TimePoint now) {
  using Phase = detail::CallPhase;
  for (auto& [sid, call] : calls_) {
    if (call.deadline && now >= *call.deadline && call.phase != Phase::kEnded) {
      call.deadline.reset();
      const Reason timeout = make_reason(Condition::kTimeout);
      if (call.outgoing) {
        // Nobody answered in time: disavow the propose (XEP-0353 §3.3).
        if (call.jmi)
          send_jmi(call, JmiMessage::Kind::kRetract, call.peer, timeout);
        end_call(call, timeout, false,
                 call.phase == Phase::kProceeded ? "media not ready" : "no answer", now);
      } else if (call.phase == Phase::kRinging) {
        end_call(call, timeout, false, "missed", now);  // the caller retracts on its side
      } else if (call.phase == Phase::kProceeded) {
        call.finish_sent = true;
        send_jmi(call, JmiMessage::Kind::kFinish, call.peer, timeout);
        end_call(call, timeout, false, "no session-initiate", now);
      }
    }
    if (call.session && call.session->state() != State::kEnded) {
      call.session->on_timer(now);
      drain(call, now);
    }
  }
  std::erase_if(calls_, [now](const auto& entry) {
    return entry.second.forget_at && now >= *entry.second.forget_at;
  });
  std::erase_if(tie_break_lost_to_, [now](const auto& entry) { return now >= entry.second; });
}

std::optional<TimePoint> CallManager::next_deadline() const {
  std::optional<TimePoint> next;
  auto consider = [&next](std::optional<TimePoint> t) {
    if (t && (!next || *t < *next))
      next = t;
  };
  for (const auto& [sid, call] : calls_) {
    if (call.phase != detail::CallPhase::kEnded)
      consider(call.deadline);
    if (call.session && call.session->state() != State::kEnded)
      consider(call.session->next_deadline());
    consider(call.forget_at);
  }
  for (const auto& [peer, until] : tie_break_lost_to_)
    consider(until);
  return next;
}

}  // namespace jcall::signaling::jingle
