// XEP-0166 §6–§8: the Jingle session state machine, both roles, for RTP sessions (XEP-0167)
// over ICE-UDP (XEP-0176) with DTLS-SRTP (XEP-0320), BUNDLE (XEP-0338) and sources (XEP-0339).
//
// Decisions (where the XEPs leave room):
// - State kActive is XEP-0166's ACTIVE: the initiator enters it when it receives session-accept
//   (and answers it); the responder when its session-accept is acknowledged, or earlier when
//   media reports the transport connected after the accept was sent (connectivity proves the
//   initiator has the accept). transport_connected never makes a session active by itself.
// - jcall only does DTLS-SRTP: a content whose transport (or BUNDLE partner) carries no
//   fingerprint cannot be secured; in a session-initiate or session-accept that ends the
//   session with <security-error/>, in a content-add it is answered by content-reject.
// - An IQ set after the session ended gets <item-not-found/><unknown-session/> (XEP-0166 §6.7:
//   "MUST reply with an <unknown-session/> error"), not out-of-order.
// - Content-add race (§7.2 "Tie Breaking Related to Jingle Actions", existing session: "the
//   action sent by the initiator MUST overrule the action sent by the responder"): while our
//   own content-add is unanswered, a content-add from the peer is refused with
//   <conflict/><tie-break/> when we are the initiator; when we are the responder we drop our
//   own (its tie-break error then changes nothing) and handle the initiator's.
// - content-add is handled in the ACTIVE state only; in PENDING it is refused with
//   out-of-order (XEP-0166 allows it there, but neither side has media to extend yet).
// - A content whose answer cannot be used (no common codec, no fingerprint) is refused with
//   content-reject (received content-add) or removed with content-remove (our content-add was
//   accepted with an unusable answer); the session goes on with the others.
// - transport-info with a ufrag equal to the known one and no pwd (StanzaJS) is plain trickle;
//   a new ufrag with a pwd is an ICE restart; a new ufrag without a pwd is stale and dropped.
// - ConfigureMedia always lists every negotiated content (the full desired state).
#include "signaling/jingle/session.hpp"

#include <algorithm>
#include <random>
#include <utility>

#include "base/random.hpp"
#include "codecs/catalog.hpp"
#include "signaling/jingle/ns.hpp"

namespace jcall::signaling::jingle {
namespace {

bool has_rtx(const codecs::Negotiated& n) {
  return std::any_of(n.codecs.begin(), n.codecs.end(), [](const codecs::Codec& c) {
    return codecs::is_role(c, codecs::CodecRole::kRetransmission);
  });
}

// The payload types of a description with the XEP-0293 §3 feedback that is written once for
// all of them (description-level <rtcp-fb/>) copied onto each.
std::vector<codecs::Codec> offered_payload_types(const RtpDescription& d) {
  return codecs::with_shared_feedback(d.payload_types, d.rtcp_fb);
}

constexpr std::string_view kClientNs = "jabber:client";
constexpr std::string_view kStanzasNs = "urn:ietf:params:xml:ns:xmpp-stanzas";

std::string_view error_type(Errc e) {
  switch (e) {
    case Errc::out_of_order:
      return "wait";
    case Errc::unsupported_info:
    case Errc::bad_request:
      return "modify";
    default:
      return "cancel";
  }
}

std::string seconds_text(std::chrono::milliseconds d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

// The stanza error condition and Jingle child of an error answer.
struct PeerError {
  std::string condition;
  std::string jingle_child;
  std::string text;
};

PeerError read_error(const xml::Element& iq) {
  PeerError pe;
  const xml::Element* err = iq.child("error", {});
  if (err == nullptr) {
    return pe;
  }
  for (const auto& c : err->children) {
    if (c.ns == kStanzasNs && c.name == "text") {
      pe.text = c.text;
    } else if (c.ns == kStanzasNs && pe.condition.empty()) {
      pe.condition = c.name;
    } else if (c.ns == ns::kJingleErrors) {
      pe.jingle_child = c.name;
    }
  }
  return pe;
}

std::string describe(const PeerError& pe) {
  std::string s = pe.condition.empty() ? "an error" : pe.condition;
  if (!pe.jingle_child.empty()) {
    s += " (" + pe.jingle_child + ")";
  }
  if (!pe.text.empty()) {
    s += ": " + pe.text;
  }
  return s;
}

bool is_rtp_media(const Content& c) {
  return c.description.has_value() && !c.other_description && c.description->media_type();
}

// RFC 4145 / RFC 5763 §5: our role from the peer's setup. As the answerer we pick active
// (DTLS client) unless the offerer insists on active; as the offerer an answer of 'active'
// (or a missing/invalid one: the answerer is active by default) makes us the server.
DtlsRole role_from_peer_setup(std::optional<Setup> peer, bool we_offered) {
  if (we_offered) {
    return peer == Setup::kPassive ? DtlsRole::kClient : DtlsRole::kServer;
  }
  return peer == Setup::kActive ? DtlsRole::kServer : DtlsRole::kClient;
}

Setup setup_for(DtlsRole r) {
  return r == DtlsRole::kClient ? Setup::kActive : Setup::kPassive;
}

const Group* find_bundle(const std::vector<Group>& groups) {
  for (const auto& g : groups) {
    if (g.semantics == "BUNDLE") {
      return &g;
    }
  }
  return nullptr;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// RFC 8843 §9.1.2: in a BUNDLE group a payload type number names one codec configuration.
// make_offer numbers each media on its own, so dynamic numbers already used by the other
// contents of the session are moved to free ones (RTX 'apt' parameters follow).
void avoid_payload_type_clashes(codecs::Negotiated& offer, const std::vector<std::uint8_t>& used) {
  auto taken = [&](std::uint8_t id) {
    return std::find(used.begin(), used.end(), id) != used.end() ||
           std::any_of(offer.codecs.begin(), offer.codecs.end(),
                       [&](const codecs::Codec& c) { return c.id == id; });
  };
  std::vector<std::pair<std::uint8_t, std::uint8_t>> moves;
  std::vector<std::uint8_t> claimed;
  for (const auto& c : offer.codecs) {
    if (c.id < 96 || std::find(used.begin(), used.end(), c.id) == used.end()) {
      continue;
    }
    for (int id = 96; id <= 127; ++id) {
      const auto v = static_cast<std::uint8_t>(id);
      if (!taken(v) && std::find(claimed.begin(), claimed.end(), v) == claimed.end()) {
        moves.emplace_back(c.id, v);
        claimed.push_back(v);
        break;
      }
    }
  }
  auto moved = [&](std::uint8_t id) {
    for (const auto& [from, to] : moves) {
      if (from == id) {
        return to;
      }
    }
    return id;
  };
  for (auto& c : offer.codecs) {
    const std::uint8_t old = c.id;
    c.id = moved(old);
    for (auto& p : c.parameters) {
      if (p.name == "apt") {
        const std::string digits = p.value;
        if (!digits.empty() && digits.size() <= 3 &&
            std::all_of(digits.begin(), digits.end(),
                        [](char ch) { return ch >= '0' && ch <= '9'; })) {
          const int apt = std::stoi(digits);
          if (apt <= 127) {
            p.value = std::to_string(moved(static_cast<std::uint8_t>(apt)));
          }
        }
      }
    }
  }
}

Content bare_content(Creator creator, std::string name) {
  Content c;
  c.creator = creator;
  c.name = std::move(name);
  return c;
}

Error session_error(Errc e, std::string message) {
  return make_error(make_error_code(e), std::move(message));
}

}  // namespace

std::string_view to_string(State s) {
  switch (s) {
    case State::kPending:
      return "pending";
    case State::kActive:
      return "active";
    case State::kEnded:
      return "ended";
  }
  return "unknown";
}

Session::Session(SessionConfig config, Role role) : config_(std::move(config)), role_(role) {
  if (!config_.make_id) {
    config_.make_id = [] { return random_token(16); };
  }
  std::random_device rd;
  rng_ = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  cname_ = random_token(16);
}

// ---------------------------------------------------------------------------------------------
// Construction

Session Session::initiate(SessionConfig config, std::vector<LocalContent> contents, TimePoint now) {
  Session s(std::move(config), Role::kInitiator);
  s.sid_ = s.config_.sid.empty() ? random_token(20) : s.config_.sid;
  s.initiator_ = s.config_.self.str();
  for (auto& lc : contents) {
    ContentState st;
    st.name = s.unique_name(lc.media);
    st.creator = Creator::kInitiator;
    st.media = lc.media;
    st.senders = lc.senders;
    st.status = ContentStatus::kOffered;
    st.we_offered = true;
    st.local = std::move(lc.transport);
    st.have_local = true;
    st.local_setup = Setup::kActpass;
    st.local_ssrc = lc.ssrc != 0 ? lc.ssrc : s.pick_ssrc();
    st.local_rtx_ssrc = lc.media == codecs::MediaType::kVideo ? s.pick_ssrc() : 0;
    st.codecs = codecs::make_offer(lc.media, s.config_.preferences);
    std::vector<std::uint8_t> used;
    for (const auto& other : s.states_) {
      for (const auto& c : other.codecs.codecs) {
        used.push_back(c.id);
      }
    }
    avoid_payload_type_clashes(st.codecs, used);
    s.states_.push_back(std::move(st));
  }
  if (s.states_.empty()) {
    s.end(Reason{Condition::kGeneralError, {}, "nothing to offer: no content", {}}, false);
    return s;
  }
  Jingle j = s.make_jingle(Action::kSessionInitiate);
  for (const auto& st : s.states_) {
    j.contents.push_back(s.local_content(st, true, true));
  }
  if (s.config_.offer_bundle) {
    Group g{"BUNDLE", {}};
    for (const auto& st : s.states_) {
      g.contents.push_back(st.name);
    }
    j.groups.push_back(std::move(g));
  }
  s.send_set(std::move(j), now);
  s.ring_deadline_ = now + s.config_.ring_timeout;
  s.refresh_contents();
  return s;
}

Session Session::incoming(SessionConfig config, const xml::Element& iq, TimePoint now) {
  Session s(std::move(config), Role::kResponder);
  s.sid_ = s.config_.sid;
  s.handle_initiate(iq, now);
  return s;
}

void Session::handle_initiate(const xml::Element& iq, TimePoint now) {
  const xml::Element* je = iq.child("jingle", ns::kJingle);
  if (je != nullptr && sid_.empty()) {
    sid_ = std::string(je->attr_or("sid", ""));
  }
  auto refuse = [&](Errc e, std::string text) {
    reply_error(iq, e, text);
    end(Reason{Condition::kGeneralError, {}, "refused session-initiate: " + text, {}}, false);
  };
  auto from = xmpp::Jid::parse(iq.attr_or("from", ""));
  if (!from || *from != config_.peer) {
    refuse(Errc::wrong_sender, "session-initiate from an unexpected sender");
    return;
  }
  if (iq.attr_or("type", "") != "set" || je == nullptr) {
    refuse(Errc::bad_request, "not a Jingle IQ set");
    return;
  }
  auto parsed = Jingle::from_xml(*je);
  if (!parsed) {
    refuse(Errc::bad_request, parsed.error().describe());
    return;
  }
  const Jingle& j = *parsed;
  sid_ = j.sid;
  if (j.action != Action::kSessionInitiate) {
    refuse(Errc::out_of_order, std::string(to_string(j.action)) + " before session-initiate");
    return;
  }
  if (j.contents.empty()) {
    refuse(Errc::bad_request, "session-initiate without content");
    return;
  }
  initiator_ = j.initiator.value_or(config_.peer.str());
  reply_result(iq);

  if (const Group* g = find_bundle(j.groups)) {
    peer_groups_.push_back(*g);
  }
  std::vector<std::string> offered_bundle;
  if (const Group* g = find_bundle(j.groups)) {
    offered_bundle = g->contents;
  }
  // Classify every content; keep those we can accept. The first failure names the reason
  // when nothing is left.
  std::optional<Reason> failure;
  auto fail = [&](Condition c, std::string text) {
    if (!failure) {
      failure = Reason{c, {}, std::move(text), {}};
    }
  };
  for (const auto& c : j.contents) {
    if (find(c.name) != nullptr) {
      fail(Condition::kGeneralError, "content '" + c.name + "' offered twice");
      continue;
    }
    if (!is_rtp_media(c)) {
      fail(Condition::kUnsupportedApplications,
           "content '" + c.name + "': only RTP audio and video are supported");
      continue;
    }
    if (!c.transport || c.other_transport) {
      fail(Condition::kUnsupportedTransports,
           "content '" + c.name + "': only the ICE-UDP transport is supported");
      continue;
    }
    const auto media = *c.description->media_type();
    auto answer = codecs::answer_offer(media, offered_payload_types(*c.description),
                                       c.description->header_extensions, config_.preferences);
    if (!answer) {
      fail(Condition::kIncompatibleParameters,
           "content '" + c.name + "': " + answer.error().describe());
      continue;
    }
    auto fp = peer_fingerprint(c, j, offered_bundle);
    if (!fp) {
      fail(Condition::kSecurityError,
           "content '" + c.name + "': no DTLS fingerprint (DTLS-SRTP is required)");
      continue;
    }
    ContentState st;
    st.name = c.name;
    st.creator = c.creator;
    st.media = media;
    st.senders = c.senders_or_both();
    st.status = ContentStatus::kOffered;
    st.we_offered = false;
    st.codecs = std::move(*answer);
    st.rtcp_mux = c.description->rtcp_mux;
    st.peer_description = *c.description;
    st.remote_ufrag = c.transport->ufrag.value_or("");
    st.remote_pwd = c.transport->pwd.value_or("");
    st.remote_fingerprint = std::move(fp);
    const DtlsRole role = role_from_peer_setup(st.remote_fingerprint->setup, false);
    st.local_setup = setup_for(role);
    st.local_ssrc = pick_ssrc();
    st.local_rtx_ssrc = st.media == codecs::MediaType::kVideo ? pick_ssrc() : 0;
    states_.push_back(std::move(st));
  }
  if (states_.empty()) {
    refresh_contents();
    terminate(failure->condition, failure->text, now);
    return;
  }
  fill_bundle_credentials(offered_bundle);
  for (const auto& c : j.contents) {
    if (find(c.name) != nullptr && c.transport) {
      emit_remote_candidates(c.name, *c.transport);
    }
  }
  refresh_contents();
}

// ---------------------------------------------------------------------------------------------
// Stanzas

bool Session::owns_iq_id(std::string_view id) const {
  return pending_.find(id) != pending_.end();
}

void Session::handle_iq(const xml::Element& iq, TimePoint now) {
  const auto type = iq.attr_or("type", "");
  if (type == "result" || type == "error") {
    handle_answer(iq, type == "error", now);
    return;
  }
  if (type != "set" && type != "get") {
    return;  // not a request: nothing to answer
  }
  auto from = xmpp::Jid::parse(iq.attr_or("from", ""));
  if (!from || *from != config_.peer) {
    reply_error(iq, Errc::wrong_sender, "this session belongs to another peer");
    return;
  }
  const xml::Element* je = iq.child("jingle", ns::kJingle);
  if (type != "set" || je == nullptr) {
    reply_error(iq, Errc::bad_request, "expected an IQ set carrying <jingle/>");
    return;
  }
  if (je->attr_or("sid", "") != sid_ || state_ == State::kEnded) {
    reply_error(iq, Errc::unknown_session,
                state_ == State::kEnded ? "the session has ended" : "no session with this sid");
    return;
  }
  auto parsed = Jingle::from_xml(*je);
  if (!parsed) {
    reply_error(iq, Errc::bad_request, parsed.error().describe());
    return;
  }
  dispatch(iq, *parsed, now);
}

void Session::handle_answer(const xml::Element& iq, bool is_error, TimePoint now) {
  auto it = pending_.find(iq.attr_or("id", ""));
  if (it == pending_.end()) {
    return;
  }
  auto from = xmpp::Jid::parse(iq.attr_or("from", ""));
  if (!from || *from != config_.peer) {
    return;  // not the peer's answer: keep waiting for it
  }
  PendingIq p = std::move(it->second);
  pending_.erase(it);
  if (state_ == State::kEnded) {
    return;
  }
  if (is_error) {
    on_refused(p, iq, now);
  } else {
    on_acked(p, now);
  }
}

void Session::dispatch(const xml::Element& iq, const Jingle& j, TimePoint now) {
  switch (j.action) {
    case Action::kSessionInitiate:
      reply_error(iq, Errc::out_of_order, "the session is already initiated");
      return;
    case Action::kSessionAccept:
      on_session_accept(iq, j, now);
      return;
    case Action::kSessionTerminate:
      on_session_terminate(iq, j);
      return;
    case Action::kSessionInfo:
      on_session_info(iq, j);
      return;
    case Action::kTransportInfo:
      on_transport_info(iq, j);
      return;
    case Action::kContentAdd:
      on_content_add(iq, j, now);
      return;
    case Action::kContentAccept:
      on_content_accept(iq, j, now);
      return;
    case Action::kContentReject:
      on_content_reject(iq, j);
      return;
    case Action::kContentModify:
      on_content_modify(iq, j);
      return;
    case Action::kContentRemove:
      on_content_remove(iq, j, now);
      return;
    case Action::kDescriptionInfo:
      on_description_info(iq, j);
      return;
    case Action::kSecurityInfo:
      reply_result(iq);  // nothing in it concerns DTLS-SRTP; acknowledged politely
      return;
    case Action::kTransportReplace:
      on_transport_replace(iq, j, now);
      return;
    case Action::kTransportAccept:
    case Action::kTransportReject:
      reply_error(iq, Errc::out_of_order, "no transport-replace of ours is pending");
      return;
  }
  reply_error(iq, Errc::bad_request, "unknown action");
}

void Session::on_session_accept(const xml::Element& iq, const Jingle& j, TimePoint now) {
  if (role_ != Role::kInitiator) {
    reply_error(iq, Errc::out_of_order, "session-accept from the initiator");
    return;
  }
  if (state_ != State::kPending) {
    reply_error(iq, Errc::out_of_order, "the session is already accepted");
    return;
  }
  if (j.contents.empty()) {
    reply_error(iq, Errc::bad_request, "session-accept without content");
    return;
  }
  for (const auto& c : j.contents) {
    const ContentState* st = find(c.name);
    if (st == nullptr || st->status != ContentStatus::kOffered) {
      reply_error(iq, Errc::bad_request, "session-accept names unknown content '" + c.name + "'");
      return;
    }
    if (!c.description && !c.other_description) {
      reply_error(iq, Errc::bad_request, "content '" + c.name + "' has no description");
      return;
    }
  }
  reply_result(iq);
  ring_deadline_.reset();
  // The ack of our session-initiate may still be on its way; the accept answers it anyway.
  for (auto it = pending_.begin(); it != pending_.end();) {
    it = it->second.action == Action::kSessionInitiate ? pending_.erase(it) : std::next(it);
  }

  std::vector<std::string> answered_bundle;
  if (const Group* g = find_bundle(j.groups)) {
    answered_bundle = g->contents;
  }
  struct Outcome {
    std::string name;
    codecs::Negotiated codecs;
    RtpDescription description;
    IceUdpTransport transport;
    Fingerprint fingerprint;
  };
  std::vector<Outcome> accepted;
  for (const auto& c : j.contents) {
    ContentState* st = find(c.name);
    if (!is_rtp_media(c) || *c.description->media_type() != st->media) {
      terminate(Condition::kUnsupportedApplications,
                "content '" + c.name + "': the answer is not RTP " +
                    std::string(codecs::to_string(st->media)),
                now);
      return;
    }
    if (!c.transport || c.other_transport) {
      terminate(Condition::kUnsupportedTransports,
                "content '" + c.name + "': the answer is not ICE-UDP", now);
      return;
    }
    auto result = codecs::apply_answer(st->media, st->codecs, offered_payload_types(*c.description),
                                       c.description->header_extensions);
    if (!result) {
      terminate(Condition::kIncompatibleParameters,
                "content '" + c.name + "': " + result.error().describe(), now);
      return;
    }
    auto fp = peer_fingerprint(c, j, answered_bundle);
    if (!fp) {
      terminate(Condition::kSecurityError,
                "content '" + c.name + "': no DTLS fingerprint (DTLS-SRTP is required)", now);
      return;
    }
    accepted.push_back(
        Outcome{c.name, std::move(*result), *c.description, *c.transport, std::move(*fp)});
  }
  // Offered contents missing from the accept were rejected.
  std::vector<std::string> rejected;
  for (const auto& st : states_) {
    if (st.status == ContentStatus::kOffered &&
        std::none_of(accepted.begin(), accepted.end(),
                     [&](const Outcome& o) { return o.name == st.name; })) {
      rejected.push_back(st.name);
    }
  }
  for (const auto& n : rejected) {
    erase_content(n);
  }
  for (auto& o : accepted) {
    ContentState* st = find(o.name);
    st->codecs = std::move(o.codecs);
    st->rtcp_mux = o.description.rtcp_mux;
    st->peer_description = std::move(o.description);
    st->remote_ufrag = o.transport.ufrag.value_or("");
    st->remote_pwd = o.transport.pwd.value_or("");
    st->remote_fingerprint = std::move(o.fingerprint);
    st->local_setup = setup_for(role_from_peer_setup(st->remote_fingerprint->setup, true));
    st->status = ContentStatus::kNegotiated;
    st->negotiated = negotiate(*st);
  }
  bundle_.clear();
  for (const auto& n : answered_bundle) {
    if (find(n) != nullptr && !contains(bundle_, n)) {
      bundle_.push_back(n);
    }
  }
  fill_bundle_credentials(bundle_);
  if (!rejected.empty()) {
    emit(out::RemoveMedia{rejected});
  }
  refresh_contents();
  configure_media();
  for (const auto& o : accepted) {
    emit_remote_candidates(o.name, o.transport);
  }
  become_active();
}

void Session::on_session_terminate(const xml::Element& iq, const Jingle& j) {
  reply_result(iq);
  end(j.reason, true);
}

void Session::on_session_info(const xml::Element& iq, const Jingle& j) {
  if (j.rtp_info) {
    reply_result(iq);
    emit(out::PeerInfo{*j.rtp_info});
    return;
  }
  if (!j.other_info.empty()) {
    reply_error(iq, Errc::unsupported_info,
                "session-info payload <" + j.other_info.front().name + "/> is not supported");
    return;
  }
  reply_result(iq);  // an empty session-info is a ping (XEP-0166 §6.8)
}

void Session::on_transport_info(const xml::Element& iq, const Jingle& j) {
  for (const auto& c : j.contents) {
    if (find(c.name) == nullptr) {
      reply_error(iq, Errc::bad_request, "transport-info for unknown content '" + c.name + "'");
      return;
    }
    if (!c.transport) {
      reply_error(iq, Errc::bad_request,
                  "transport-info for '" + c.name + "' without an ICE-UDP transport");
      return;
    }
  }
  reply_result(iq);
  for (const auto& c : j.contents) {
    ContentState* st = find(c.name);
    const IceUdpTransport& t = *c.transport;
    if (t.ufrag && !t.ufrag->empty()) {
      if (st->remote_ufrag.empty()) {
        st->remote_ufrag = *t.ufrag;  // first credentials we hear of: not a restart
        st->remote_pwd = t.pwd.value_or(st->remote_pwd);
      } else if (*t.ufrag != st->remote_ufrag || (t.pwd && *t.pwd != st->remote_pwd)) {
        if (!t.pwd || t.pwd->empty()) {
          continue;  // another ufrag without a pwd: candidates of a stale generation
        }
        st->remote_ufrag = *t.ufrag;
        st->remote_pwd = *t.pwd;
        if (st->negotiated) {
          st->negotiated->remote_ufrag = st->remote_ufrag;
          st->negotiated->remote_pwd = st->remote_pwd;
        }
        emit(out::IceRestart{st->name, st->remote_ufrag, st->remote_pwd});
      }
    }
    emit_remote_candidates(st->name, t);
  }
}

void Session::on_content_add(const xml::Element& iq, const Jingle& j, TimePoint now) {
  if (state_ != State::kActive) {
    reply_error(iq, Errc::out_of_order, "content-add before the session is active");
    return;
  }
  if (j.contents.empty()) {
    reply_error(iq, Errc::bad_request, "content-add without content");
    return;
  }
  for (const auto& c : j.contents) {
    if (find(c.name) != nullptr &&
        !(role_ == Role::kResponder && find(c.name)->status == ContentStatus::kAddSent)) {
      reply_error(iq, Errc::bad_request, "content '" + c.name + "' already exists");
      return;
    }
  }
  const bool ours_pending = std::any_of(states_.begin(), states_.end(), [](const auto& st) {
    return st.status == ContentStatus::kAddSent;
  });
  if (ours_pending && role_ == Role::kInitiator) {
    reply_error(iq, Errc::tie_break, "content-add race: the initiator's content-add wins");
    return;
  }
  reply_result(iq);
  if (ours_pending) {  // we are the responder: ours lost the race; the initiator refuses it
    std::vector<std::string> dropped;
    for (const auto& st : states_) {
      if (st.status == ContentStatus::kAddSent) {
        dropped.push_back(st.name);
      }
    }
    for (const auto& n : dropped) {
      erase_content(n);
    }
    emit(out::RemoveMedia{dropped});
  }
  std::vector<std::string> offered_bundle;
  if (const Group* g = find_bundle(j.groups)) {
    offered_bundle = g->contents;
  }
  std::vector<Content> refused;
  std::optional<Reason> refusal;
  for (const auto& c : j.contents) {
    auto refuse = [&](Condition cond, std::string text) {
      refused.push_back(bare_content(c.creator, c.name));
      if (!refusal) {
        refusal = Reason{cond, {}, std::move(text), {}};
      }
    };
    if (!is_rtp_media(c)) {
      refuse(Condition::kUnsupportedApplications, "only RTP audio and video are supported");
      continue;
    }
    if (!c.transport || c.other_transport) {
      refuse(Condition::kUnsupportedTransports, "only the ICE-UDP transport is supported");
      continue;
    }
    const auto media = *c.description->media_type();
    auto answer = codecs::answer_offer(media, offered_payload_types(*c.description),
                                       c.description->header_extensions, config_.preferences);
    if (!answer) {
      refuse(Condition::kIncompatibleParameters, answer.error().describe());
      continue;
    }
    std::vector<std::string> bundle_with = offered_bundle;
    auto fp = peer_fingerprint(c, j, bundle_with);
    if (!fp && contains(offered_bundle, c.name)) {
      for (const auto& n : bundle_) {  // bundled into an existing transport
        const ContentState* mate = find(n);
        if (mate != nullptr && mate->remote_fingerprint) {
          fp = mate->remote_fingerprint;
          break;
        }
      }
    }
    if (!fp) {
      refuse(Condition::kSecurityError, "no DTLS fingerprint (DTLS-SRTP is required)");
      continue;
    }
    ContentState st;
    st.name = c.name;
    st.creator = c.creator;
    st.media = media;
    st.senders = c.senders_or_both();
    st.status = ContentStatus::kAddReceived;
    st.we_offered = false;
    st.codecs = std::move(*answer);
    st.rtcp_mux = c.description->rtcp_mux;
    st.peer_description = *c.description;
    st.remote_ufrag = c.transport->ufrag.value_or("");
    st.remote_pwd = c.transport->pwd.value_or("");
    st.remote_fingerprint = std::move(fp);
    st.local_setup = setup_for(role_from_peer_setup(st.remote_fingerprint->setup, false));
    st.local_ssrc = pick_ssrc();
    st.local_rtx_ssrc = st.media == codecs::MediaType::kVideo ? pick_ssrc() : 0;
    states_.push_back(std::move(st));
    if (contains(offered_bundle, c.name)) {
      peer_groups_.push_back(Group{"BUNDLE", offered_bundle});
    }
    emit(out::ContentOffered{c.name, media, c.senders_or_both()});
    emit_remote_candidates(c.name, *c.transport);
  }
  if (!refused.empty()) {
    Jingle r = make_jingle(Action::kContentReject);
    r.contents = std::move(refused);
    r.reason = std::move(refusal);
    send_set(std::move(r), now);
  }
}

void Session::on_content_accept(const xml::Element& iq, const Jingle& j, TimePoint now) {
  if (j.contents.empty()) {
    reply_error(iq, Errc::bad_request, "content-accept without content");
    return;
  }
  for (const auto& c : j.contents) {
    const ContentState* st = find(c.name);
    if (st == nullptr || st->status != ContentStatus::kAddSent) {
      reply_error(iq, Errc::out_of_order, "content-accept without a pending content-add");
      return;
    }
    if (!c.description && !c.other_description) {
      reply_error(iq, Errc::bad_request, "content '" + c.name + "' has no description");
      return;
    }
  }
  reply_result(iq);
  std::vector<std::string> answered_bundle;
  if (const Group* g = find_bundle(j.groups)) {
    answered_bundle = g->contents;
  }
  std::vector<std::string> failed;
  std::optional<Reason> failure;
  bool changed = false;
  for (const auto& c : j.contents) {
    ContentState* st = find(c.name);
    std::string problem;
    std::optional<Fingerprint> fp;
    std::optional<codecs::Negotiated> result;
    if (!is_rtp_media(c) || *c.description->media_type() != st->media) {
      problem = "the answer is not RTP " + std::string(codecs::to_string(st->media));
    } else if (!c.transport || c.other_transport) {
      problem = "the answer is not ICE-UDP";
    } else if (auto r = codecs::apply_answer(st->media, st->codecs,
                                             offered_payload_types(*c.description),
                                             c.description->header_extensions);
               !r) {
      problem = r.error().describe();
    } else {
      result = std::move(*r);
      fp = peer_fingerprint(c, j, answered_bundle);
      if (!fp && contains(answered_bundle, c.name)) {
        for (const auto& n : bundle_) {
          const ContentState* mate = find(n);
          if (mate != nullptr && mate->remote_fingerprint) {
            fp = mate->remote_fingerprint;
            break;
          }
        }
      }
      if (!fp) {
        problem = "no DTLS fingerprint (DTLS-SRTP is required)";
      }
    }
    if (!problem.empty()) {
      failed.push_back(c.name);
      if (!failure) {
        failure = Reason{
            Condition::kIncompatibleParameters, {}, "content '" + c.name + "': " + problem, {}};
      }
      continue;
    }
    st->codecs = std::move(*result);
    st->rtcp_mux = c.description->rtcp_mux;
    st->peer_description = *c.description;
    st->remote_ufrag = c.transport->ufrag.value_or("");
    st->remote_pwd = c.transport->pwd.value_or("");
    st->remote_fingerprint = std::move(fp);
    st->local_setup = setup_for(role_from_peer_setup(st->remote_fingerprint->setup, true));
    st->status = ContentStatus::kNegotiated;
    st->negotiated = negotiate(*st);
    if (contains(answered_bundle, c.name) && !bundle_.empty() && !contains(bundle_, c.name)) {
      bundle_.push_back(c.name);
    }
    changed = true;
  }
  if (!failed.empty()) {
    Jingle r = make_jingle(Action::kContentRemove);
    for (const auto& n : failed) {
      const ContentState* st = find(n);
      r.contents.push_back(bare_content(st->creator, n));
    }
    r.reason = std::move(failure);
    for (const auto& n : failed) {
      erase_content(n);
    }
    send_set(std::move(r), now);
    emit(out::RemoveMedia{failed});
  }
  refresh_contents();
  if (changed) {
    configure_media();
    for (const auto& c : j.contents) {
      if (find(c.name) != nullptr && c.transport) {
        emit_remote_candidates(c.name, *c.transport);
      }
    }
  }
}

void Session::on_content_reject(const xml::Element& iq, const Jingle& j) {
  for (const auto& c : j.contents) {
    const ContentState* st = find(c.name);
    if (st == nullptr || st->status != ContentStatus::kAddSent) {
      reply_error(iq, Errc::out_of_order, "content-reject without a pending content-add");
      return;
    }
  }
  if (j.contents.empty()) {
    reply_error(iq, Errc::bad_request, "content-reject without content");
    return;
  }
  reply_result(iq);
  std::vector<std::string> names;
  for (const auto& c : j.contents) {
    names.push_back(c.name);
    erase_content(c.name);
  }
  refresh_contents();
  emit(out::RemoveMedia{names});
}

void Session::on_content_modify(const xml::Element& iq, const Jingle& j) {
  if (j.contents.empty()) {
    reply_error(iq, Errc::bad_request, "content-modify without content");
    return;
  }
  for (const auto& c : j.contents) {
    const ContentState* st = find(c.name);
    if (st == nullptr) {
      reply_error(iq, Errc::bad_request, "content-modify for unknown content '" + c.name + "'");
      return;
    }
    if (st->status != ContentStatus::kNegotiated) {
      reply_error(iq, Errc::out_of_order, "content '" + c.name + "' is not negotiated yet");
      return;
    }
  }
  reply_result(iq);
  for (const auto& c : j.contents) {
    ContentState* st = find(c.name);
    st->senders = c.senders_or_both();
    st->negotiated = negotiate(*st);
  }
  refresh_contents();
  configure_media();
}

void Session::on_content_remove(const xml::Element& iq, const Jingle& j, TimePoint now) {
  if (j.contents.empty()) {
    reply_error(iq, Errc::bad_request, "content-remove without content");
    return;
  }
  for (const auto& c : j.contents) {
    if (find(c.name) == nullptr) {
      reply_error(iq, Errc::bad_request, "content-remove for unknown content '" + c.name + "'");
      return;
    }
  }
  reply_result(iq);
  std::vector<std::string> names;
  for (const auto& c : j.contents) {
    names.push_back(c.name);
    erase_content(c.name);
    bundle_.erase(std::remove(bundle_.begin(), bundle_.end(), c.name), bundle_.end());
  }
  refresh_contents();
  emit(out::RemoveMedia{names});
  if (states_.empty()) {
    // XEP-0166 §7.2.5: a session without content is void.
    terminate(Condition::kSuccess, "no content left", now);
    return;
  }
  if (state_ == State::kActive) {
    configure_media();
  }
}

void Session::on_description_info(const xml::Element& iq, const Jingle& j) {
  if (j.contents.empty()) {
    reply_error(iq, Errc::bad_request, "description-info without content");
    return;
  }
  for (const auto& c : j.contents) {
    const ContentState* st = find(c.name);
    if (st == nullptr || !c.description) {
      reply_error(iq, Errc::bad_request, "description-info for unknown content '" + c.name + "'");
      return;
    }
    if (st->status != ContentStatus::kNegotiated) {
      reply_error(iq, Errc::out_of_order, "content '" + c.name + "' is not negotiated yet");
      return;
    }
  }
  reply_result(iq);
  for (const auto& c : j.contents) {
    ContentState* st = find(c.name);
    // Updated parameters of payload types already negotiated; new ones need content-modify.
    for (const auto& upd : c.description->payload_types) {
      for (auto& codec : st->codecs.codecs) {
        if (codec.id == upd.id) {
          codec.parameters = upd.parameters;
          codec.ptime = upd.ptime;
          codec.maxptime = upd.maxptime;
          if (!upd.rtcp_fb.empty()) {
            codec.rtcp_fb = upd.rtcp_fb;
          }
        }
      }
    }
    if (!c.description->sources.empty()) {
      st->peer_description.sources = c.description->sources;
      st->peer_description.source_groups = c.description->source_groups;
    }
    st->negotiated = negotiate(*st);
  }
  refresh_contents();
  configure_media();
}

void Session::on_transport_replace(const xml::Element& iq, const Jingle& j, TimePoint now) {
  if (j.contents.empty()) {
    reply_error(iq, Errc::bad_request, "transport-replace without content");
    return;
  }
  for (const auto& c : j.contents) {
    if (find(c.name) == nullptr) {
      reply_error(iq, Errc::bad_request, "transport-replace for unknown content '" + c.name + "'");
      return;
    }
  }
  reply_result(iq);
  Jingle accept = make_jingle(Action::kTransportAccept);
  Jingle reject = make_jingle(Action::kTransportReject);
  for (const auto& c : j.contents) {
    ContentState* st = find(c.name);
    if (!c.transport || c.other_transport || !st->have_local) {
      Content r = bare_content(st->creator, st->name);
      if (st->have_local) {
        r.transport = local_content(*st, false, false).transport;  // keep the current one
      }
      reject.contents.push_back(std::move(r));
      continue;
    }
    const IceUdpTransport& t = *c.transport;
    if (t.fingerprint) {
      st->remote_fingerprint = t.fingerprint;
    }
    if (t.ufrag && t.pwd && (*t.ufrag != st->remote_ufrag || *t.pwd != st->remote_pwd)) {
      st->remote_ufrag = *t.ufrag;
      st->remote_pwd = *t.pwd;
      emit(out::IceRestart{st->name, *t.ufrag, *t.pwd});
    }
    if (st->negotiated) {
      st->negotiated = negotiate(*st);
    }
    accept.contents.push_back(local_content(*st, false, false));
    emit_remote_candidates(st->name, t);
  }
  if (!accept.contents.empty()) {
    send_set(std::move(accept), now);
  }
  if (!reject.contents.empty()) {
    send_set(std::move(reject), now);
  }
}

void Session::on_acked(const PendingIq& p, TimePoint /*now*/) {
  if (p.action == Action::kSessionAccept && state_ == State::kPending) {
    become_active();
  }
}

void Session::on_refused(const PendingIq& p, const xml::Element& iq, TimePoint now) {
  const PeerError pe = read_error(iq);
  switch (p.action) {
    case Action::kSessionInitiate: {
      // The peer has no session: nothing to terminate there.
      Condition c = Condition::kGeneralError;
      if (pe.jingle_child == "unsupported-transports") {
        c = Condition::kUnsupportedTransports;
      } else if (pe.jingle_child == "unsupported-content" ||
                 pe.jingle_child == "unsupported-applications") {
        c = Condition::kUnsupportedApplications;
      } else if (pe.condition == "service-unavailable" || pe.condition == "recipient-unavailable" ||
                 pe.condition == "item-not-found") {
        c = Condition::kGone;
      }
      end(Reason{c, {}, "the peer refused session-initiate: " + describe(pe), {}}, true);
      return;
    }
    case Action::kSessionAccept:
      terminate(Condition::kGeneralError, "the peer refused session-accept: " + describe(pe), now);
      return;
    case Action::kContentAdd:
    case Action::kContentAccept: {
      // Refused (a tie-break included): the content is gone.
      // Only the content this IQ was about: after a lost content-add race the name may
      // already belong to the peer's content.
      const ContentStatus expected =
          p.action == Action::kContentAdd ? ContentStatus::kAddSent : ContentStatus::kNegotiated;
      std::vector<std::string> gone;
      for (const auto& n : p.contents) {
        const ContentState* st = find(n);
        if (st != nullptr && st->status == expected &&
            st->we_offered == (p.action == Action::kContentAdd)) {
          gone.push_back(n);
          erase_content(n);
          bundle_.erase(std::remove(bundle_.begin(), bundle_.end(), n), bundle_.end());
        }
      }
      if (!gone.empty()) {
        refresh_contents();
        emit(out::RemoveMedia{gone});
        if (p.action == Action::kContentAccept && state_ == State::kActive) {
          configure_media();
        }
      }
      if (states_.empty()) {
        terminate(Condition::kSuccess, "no content left", now);
      }
      return;
    }
    default:
      if (pe.jingle_child == "unknown-session") {
        end(Reason{Condition::kGone, {}, "the peer no longer knows the session", {}}, true);
      }
      return;
  }
}

void Session::on_expired(const PendingIq& p, TimePoint now) {
  switch (p.action) {
    case Action::kSessionInitiate:
    case Action::kSessionAccept:
      terminate(Condition::kTimeout,
                "no answer to " + std::string(to_string(p.action)) + " within " +
                    seconds_text(config_.iq_timeout),
                now);
      return;
    case Action::kContentAdd: {
      std::vector<std::string> gone;
      for (const auto& n : p.contents) {
        const ContentState* st = find(n);
        if (st != nullptr && st->status == ContentStatus::kAddSent) {
          gone.push_back(n);
          erase_content(n);
        }
      }
      if (!gone.empty()) {
        refresh_contents();
        emit(out::RemoveMedia{gone});
      }
      return;
    }
    default:
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Local commands

Result<void> Session::accept(std::vector<LocalTransport> transports, TimePoint now) {
  if (role_ != Role::kResponder || state_ != State::kPending || accept_sent_) {
    return session_error(Errc::out_of_order, "only a pending incoming call can be accepted");
  }
  if (transports.size() != states_.size()) {
    return session_error(Errc::bad_request, "accept needs one transport per offered content (" +
                                                std::to_string(states_.size()) + ")");
  }
  for (std::size_t i = 0; i < states_.size(); ++i) {
    states_[i].local = std::move(transports[i]);
    states_[i].have_local = true;
  }
  Jingle j = make_jingle(Action::kSessionAccept);
  j.responder = config_.self.str();
  for (const auto& st : states_) {
    j.contents.push_back(local_content(st, true, true));
  }
  if (!peer_groups_.empty()) {
    Group g{"BUNDLE", {}};
    for (const auto& n : peer_groups_.front().contents) {
      if (find(n) != nullptr) {
        g.contents.push_back(n);
      }
    }
    bundle_ = g.contents;
    if (!g.contents.empty()) {
      j.groups.push_back(std::move(g));
    }
  }
  send_set(std::move(j), now);
  accept_sent_ = true;
  for (auto& st : states_) {
    st.queued_candidates.clear();  // they went in the accept
    st.status = ContentStatus::kNegotiated;
    st.negotiated = negotiate(st);
  }
  refresh_contents();
  configure_media();
  for (auto& st : states_) {
    flush_queued(st, now);  // a queued end-of-candidates
  }
  return {};
}

void Session::terminate(Condition condition, std::optional<std::string> text, TimePoint now) {
  if (state_ == State::kEnded) {
    return;
  }
  Jingle j = make_jingle(Action::kSessionTerminate);
  j.reason = Reason{condition, {}, std::move(text), {}};
  Reason reason = *j.reason;
  send_set(std::move(j), now);
  end(std::move(reason), false);
}

Result<void> Session::send_info(RtpInfo info, TimePoint now) {
  if (state_ == State::kEnded) {
    return session_error(Errc::out_of_order, "the session has ended");
  }
  Jingle j = make_jingle(Action::kSessionInfo);
  j.rtp_info = std::move(info);
  send_set(std::move(j), now);
  return {};
}

Result<void> Session::add_content(LocalContent content, TimePoint now) {
  if (state_ != State::kActive) {
    return session_error(Errc::out_of_order, "content can only be added to an active session");
  }
  if (std::any_of(states_.begin(), states_.end(), [](const auto& st) {
        return st.status == ContentStatus::kAddSent || st.status == ContentStatus::kAddReceived;
      })) {
    return session_error(Errc::out_of_order, "another content-add is not answered yet");
  }
  ContentState st;
  st.name = unique_name(content.media);
  st.creator = role_ == Role::kInitiator ? Creator::kInitiator : Creator::kResponder;
  st.media = content.media;
  st.senders = content.senders;
  st.status = ContentStatus::kAddSent;
  st.we_offered = true;
  st.local = std::move(content.transport);
  st.have_local = true;
  st.local_setup = Setup::kActpass;
  st.local_ssrc = content.ssrc != 0 ? content.ssrc : pick_ssrc();
  st.local_rtx_ssrc = content.media == codecs::MediaType::kVideo ? pick_ssrc() : 0;
  st.codecs = codecs::make_offer(content.media, config_.preferences);
  std::vector<std::uint8_t> used;
  for (const auto& other : states_) {
    for (const auto& c : other.codecs.codecs) {
      used.push_back(c.id);
    }
  }
  avoid_payload_type_clashes(st.codecs, used);
  Jingle j = make_jingle(Action::kContentAdd);
  j.contents.push_back(local_content(st, true, true));
  if (!bundle_.empty()) {
    Group g{"BUNDLE", bundle_};
    g.contents.push_back(st.name);
    j.groups.push_back(std::move(g));
  }
  states_.push_back(std::move(st));
  send_set(std::move(j), now);
  refresh_contents();
  return {};
}

Result<void> Session::accept_content(std::string_view name,
                                     LocalTransport transport,
                                     TimePoint now) {
  ContentState* st = find(name);
  if (state_ == State::kEnded || st == nullptr || st->status != ContentStatus::kAddReceived) {
    return session_error(Errc::out_of_order,
                         "no content-add named '" + std::string(name) + "' is waiting");
  }
  st->local = std::move(transport);
  st->have_local = true;
  Jingle j = make_jingle(Action::kContentAccept);
  j.contents.push_back(local_content(*st, true, true));
  st->queued_candidates.clear();
  bool bundled = false;
  for (const auto& g : peer_groups_) {
    if (contains(g.contents, name) && !bundle_.empty()) {
      bundled = true;
    }
  }
  if (bundled) {
    bundle_.push_back(std::string(name));
    j.groups.push_back(Group{"BUNDLE", bundle_});
  }
  st->status = ContentStatus::kNegotiated;
  st->negotiated = negotiate(*st);
  send_set(std::move(j), now);
  refresh_contents();
  configure_media();
  flush_queued(*st, now);
  return {};
}

Result<void> Session::reject_content(std::string_view name, TimePoint now) {
  const ContentState* st = find(name);
  if (state_ == State::kEnded || st == nullptr || st->status != ContentStatus::kAddReceived) {
    return session_error(Errc::out_of_order,
                         "no content-add named '" + std::string(name) + "' is waiting");
  }
  Jingle j = make_jingle(Action::kContentReject);
  j.contents.push_back(bare_content(st->creator, st->name));
  j.reason = Reason{Condition::kDecline, {}, {}, {}};
  const std::string n(name);
  erase_content(n);
  send_set(std::move(j), now);
  refresh_contents();
  emit(out::RemoveMedia{{n}});
  return {};
}

Result<void> Session::remove_content(std::string_view name, TimePoint now) {
  const ContentState* st = find(name);
  if (state_ == State::kEnded || st == nullptr) {
    return session_error(Errc::bad_request, "no content named '" + std::string(name) + "'");
  }
  if (st->status == ContentStatus::kAddReceived) {
    return reject_content(name, now);
  }
  if (states_.size() == 1) {
    terminate(Condition::kSuccess, "no content left", now);
    return {};
  }
  Jingle j = make_jingle(Action::kContentRemove);
  j.contents.push_back(bare_content(st->creator, st->name));
  const std::string n(name);
  erase_content(n);
  bundle_.erase(std::remove(bundle_.begin(), bundle_.end(), n), bundle_.end());
  send_set(std::move(j), now);
  refresh_contents();
  emit(out::RemoveMedia{{n}});
  if (state_ == State::kActive) {
    configure_media();
  }
  return {};
}

Result<void> Session::modify_senders(std::string_view name, Senders senders, TimePoint now) {
  ContentState* st = find(name);
  if (state_ == State::kEnded || st == nullptr || st->status != ContentStatus::kNegotiated) {
    return session_error(Errc::out_of_order,
                         "no negotiated content named '" + std::string(name) + "'");
  }
  st->senders = senders;
  st->negotiated = negotiate(*st);
  Jingle j = make_jingle(Action::kContentModify);
  Content m = bare_content(st->creator, st->name);
  m.senders = senders;
  j.contents.push_back(std::move(m));
  send_set(std::move(j), now);
  refresh_contents();
  configure_media();
  return {};
}

// ---------------------------------------------------------------------------------------------
// Transport events

void Session::local_candidate(std::string_view content, Candidate candidate, TimePoint now) {
  ContentState* st = find(content);
  if (state_ == State::kEnded || st == nullptr) {
    return;
  }
  st->queued_candidates.push_back(std::move(candidate));
  flush_queued(*st, now);
}

void Session::gathering_done(std::string_view content, TimePoint now) {
  ContentState* st = find(content);
  if (state_ == State::kEnded || st == nullptr) {
    return;
  }
  st->queued_gathering_done = true;
  flush_queued(*st, now);
}

void Session::transport_connected(std::string_view content, TimePoint /*now*/) {
  const ContentState* st = find(content);
  if (st == nullptr || state_ != State::kPending) {
    return;
  }
  if (role_ == Role::kResponder && accept_sent_) {
    become_active();  // the initiator has our accept: it answers our connectivity checks
  }
}

void Session::transport_failed(std::string_view content,
                               std::string why,
                               TimePoint now,
                               Condition condition) {
  if (state_ == State::kEnded || find(content) == nullptr) {
    return;
  }
  terminate(condition,
            "content '" + std::string(content) + "': " + (why.empty() ? "ICE failed" : why), now);
}

void Session::restart_ice(std::string_view content, LocalTransport transport, TimePoint now) {
  ContentState* st = find(content);
  if (state_ == State::kEnded || st == nullptr || !st->have_local) {
    return;
  }
  st->local = std::move(transport);
  st->queued_candidates.clear();
  st->queued_gathering_done = false;
  if (st->status == ContentStatus::kAddReceived || (role_ == Role::kResponder && !accept_sent_)) {
    return;  // nothing sent yet: the new credentials go out with the answer
  }
  Jingle j = make_jingle(Action::kTransportInfo);
  j.contents.push_back(local_content(*st, false, false));
  send_set(std::move(j), now);
}

// ---------------------------------------------------------------------------------------------
// Time

void Session::on_timer(TimePoint now) {
  if (state_ == State::kEnded) {
    return;
  }
  if (ring_deadline_ && *ring_deadline_ <= now && state_ == State::kPending) {
    ring_deadline_.reset();
    terminate(Condition::kTimeout,
              "the callee did not answer within " + seconds_text(config_.ring_timeout), now);
    return;
  }
  std::vector<PendingIq> expired;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.deadline <= now) {
      expired.push_back(std::move(it->second));
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& p : expired) {
    if (state_ == State::kEnded) {
      return;
    }
    on_expired(p, now);
  }
}

std::optional<TimePoint> Session::next_deadline() const {
  if (state_ == State::kEnded) {
    return std::nullopt;
  }
  std::optional<TimePoint> d;
  if (ring_deadline_ && state_ == State::kPending) {
    d = ring_deadline_;
  }
  for (const auto& [id, p] : pending_) {
    if (!d || p.deadline < *d) {
      d = p.deadline;
    }
  }
  return d;
}

SessionOutput Session::next_output() {
  SessionOutput o = std::move(outputs_.front());
  outputs_.pop_front();
  return o;
}

// ---------------------------------------------------------------------------------------------
// Helpers

Session::ContentState* Session::find(std::string_view name) {
  for (auto& st : states_) {
    if (st.name == name) {
      return &st;
    }
  }
  return nullptr;
}

const Session::ContentState* Session::find(std::string_view name) const {
  for (const auto& st : states_) {
    if (st.name == name) {
      return &st;
    }
  }
  return nullptr;
}

void Session::erase_content(std::string_view name) {
  states_.erase(std::remove_if(states_.begin(), states_.end(),
                               [&](const ContentState& st) { return st.name == name; }),
                states_.end());
}

void Session::reply_result(const xml::Element& iq) {
  xml::Element r("iq", std::string(kClientNs));
  r.set_attr("type", "result");
  r.set_attr("id", iq.attr_or("id", ""));
  if (auto from = iq.attr("from")) {
    r.set_attr("to", *from);
  }
  r.set_attr("from", config_.self.str());
  emit(out::Send{std::move(r)});
}

void Session::reply_error(const xml::Element& iq, Errc e, std::string_view text) {
  xml::Element r("iq", std::string(kClientNs));
  r.set_attr("type", "error");
  r.set_attr("id", iq.attr_or("id", ""));
  if (auto from = iq.attr("from")) {
    r.set_attr("to", *from);
  }
  r.set_attr("from", config_.self.str());
  xml::Element err("error", std::string(kClientNs));
  err.set_attr("type", error_type(e));
  err.add(std::string(stanza_condition(e)), std::string(kStanzasNs));
  if (const auto child = jingle_error_child(e); !child.empty()) {
    err.add(std::string(child), std::string(ns::kJingleErrors));
  }
  if (!text.empty()) {
    err.add_text_child("text", std::string(kStanzasNs), std::string(text));
  }
  r.add(std::move(err));
  emit(out::Send{std::move(r)});
}

std::string Session::send_set(Jingle j, TimePoint now) {
  PendingIq p;
  p.action = j.action;
  p.deadline = now + config_.iq_timeout;
  for (const auto& c : j.contents) {
    p.contents.push_back(c.name);
  }
  std::string id = config_.make_id();
  xml::Element iq("iq", std::string(kClientNs));
  iq.set_attr("type", "set");
  iq.set_attr("id", id);
  iq.set_attr("to", config_.peer.str());
  iq.set_attr("from", config_.self.str());
  iq.add(j.to_xml());
  emit(out::Send{std::move(iq)});
  // A terminate is fire-and-forget: the session is over whatever the answer.
  if (j.action != Action::kSessionTerminate) {
    pending_[id] = std::move(p);
  }
  return id;
}

Jingle Session::make_jingle(Action a) const {
  Jingle j;
  j.action = a;
  j.sid = sid_;
  // XEP-0166 §7.1: 'initiator' only on session-initiate ('responder' only on session-accept).
  if (a == Action::kSessionInitiate && !initiator_.empty()) {
    j.initiator = initiator_;
  }
  return j;
}

Content Session::local_content(const ContentState& st,
                               bool with_description,
                               bool with_candidates) {
  Content c;
  c.creator = st.creator;
  c.name = st.name;
  if (with_description) {
    c.senders = st.senders;
    RtpDescription d;
    d.media = std::string(codecs::to_string(st.media));
    d.ssrc = st.local_ssrc;
    d.payload_types = st.codecs.codecs;
    d.header_extensions = st.codecs.header_extensions;
    d.rtcp_mux = st.rtcp_mux;
    d.sources.push_back(Source{st.local_ssrc, {codecs::Parameter{"cname", cname_}}});
    if (has_rtx(st.codecs) && st.local_rtx_ssrc != 0) {
      // RFC 4588 SSRC-multiplexing, signaled as XEP-0339 FID (primary, retransmission).
      d.sources.push_back(Source{st.local_rtx_ssrc, {codecs::Parameter{"cname", cname_}}});
      d.source_groups.push_back(SourceGroup{"FID", {st.local_ssrc, st.local_rtx_ssrc}});
    }
    c.description = std::move(d);
  }
  IceUdpTransport t;
  t.ufrag = st.local.ufrag;
  t.pwd = st.local.pwd;
  if (!st.local.fingerprint.empty()) {
    t.fingerprint = Fingerprint{st.local.fingerprint_hash, st.local_setup, st.local.fingerprint};
  }
  if (with_candidates) {
    t.candidates = st.queued_candidates;
  }
  c.transport = std::move(t);
  return c;
}

std::optional<Fingerprint> Session::peer_fingerprint(const Content& c,
                                                     const Jingle& j,
                                                     const std::vector<std::string>& bundle) const {
  if (c.transport && c.transport->fingerprint && !c.transport->fingerprint->value.empty()) {
    return c.transport->fingerprint;
  }
  if (!contains(bundle, c.name)) {
    return std::nullopt;
  }
  for (const auto& other : j.contents) {  // XEP-0338: one transport for the bundle
    if (contains(bundle, other.name) && other.transport && other.transport->fingerprint &&
        !other.transport->fingerprint->value.empty()) {
      return other.transport->fingerprint;
    }
  }
  return std::nullopt;
}

NegotiatedContent Session::negotiate(const ContentState& st) const {
  NegotiatedContent n;
  n.name = st.name;
  n.media = st.media;
  const bool initiator_sends = st.senders == Senders::kBoth || st.senders == Senders::kInitiator;
  const bool responder_sends = st.senders == Senders::kBoth || st.senders == Senders::kResponder;
  const bool we_initiate = role_ == Role::kInitiator;
  n.send = we_initiate ? initiator_sends : responder_sends;
  n.receive = we_initiate ? responder_sends : initiator_sends;
  n.codecs = st.codecs;
  n.rtcp_mux = st.rtcp_mux;
  n.local_ssrc = st.local_ssrc;
  n.local_rtx_ssrc = has_rtx(st.codecs) ? st.local_rtx_ssrc : 0;
  n.remote_sources = st.peer_description.sources;
  n.remote_source_groups = st.peer_description.source_groups;
  n.remote_ufrag = st.remote_ufrag;
  n.remote_pwd = st.remote_pwd;
  if (st.remote_fingerprint) {
    n.remote_fingerprint = *st.remote_fingerprint;
  }
  n.dtls_role = st.local_setup == Setup::kPassive ? DtlsRole::kServer : DtlsRole::kClient;
  return n;
}

void Session::configure_media() {
  out::ConfigureMedia m;
  for (const auto& st : states_) {
    if (st.status == ContentStatus::kNegotiated && st.negotiated) {
      m.contents.push_back(*st.negotiated);
    }
  }
  for (const auto& n : bundle_) {
    const ContentState* st = find(n);
    if (st != nullptr && st->status == ContentStatus::kNegotiated) {
      m.bundle.push_back(n);
    }
  }
  m.ice_controlling = role_ == Role::kInitiator;
  if (!m.contents.empty()) {
    emit(std::move(m));
  }
}

void Session::refresh_contents() {
  contents_.clear();
  for (const auto& st : states_) {
    Content c;
    c.creator = st.creator;
    c.name = st.name;
    c.senders = st.senders;
    if (st.status == ContentStatus::kAddReceived ||
        (st.status == ContentStatus::kOffered && !st.we_offered)) {
      c.description = st.peer_description;  // the peer's offer, not decided yet
    } else {
      RtpDescription d;
      d.media = std::string(codecs::to_string(st.media));
      d.ssrc = st.local_ssrc;
      d.payload_types = st.codecs.codecs;
      d.header_extensions = st.codecs.header_extensions;
      d.rtcp_mux = st.rtcp_mux;
      c.description = std::move(d);
    }
    if (st.have_local) {
      IceUdpTransport t;
      t.ufrag = st.local.ufrag;
      t.pwd = st.local.pwd;
      c.transport = std::move(t);
    }
    contents_.push_back(std::move(c));
  }
}

void Session::become_active() {
  if (state_ != State::kPending) {
    return;
  }
  state_ = State::kActive;
  emit(out::StateChanged{State::kActive, std::nullopt, false});
}

void Session::end(std::optional<Reason> reason, bool by_peer) {
  if (state_ == State::kEnded) {
    return;
  }
  state_ = State::kEnded;
  pending_.clear();
  ring_deadline_.reset();
  emit(out::StateChanged{State::kEnded, std::move(reason), by_peer});
}

// XEP-0338: the contents of a BUNDLE group share one transport; a content that came without
// ICE credentials of its own uses those of the group.
void Session::fill_bundle_credentials(const std::vector<std::string>& bundle) {
  const ContentState* with = nullptr;
  for (const auto& n : bundle) {
    const ContentState* st = find(n);
    if (st != nullptr && !st->remote_ufrag.empty() && !st->remote_pwd.empty()) {
      with = st;
      break;
    }
  }
  if (with == nullptr) {
    return;
  }
  const std::string ufrag = with->remote_ufrag;
  const std::string pwd = with->remote_pwd;
  for (const auto& n : bundle) {
    ContentState* st = find(n);
    if (st != nullptr && st->remote_ufrag.empty()) {
      st->remote_ufrag = ufrag;
      st->remote_pwd = pwd;
      if (st->negotiated) {
        st->negotiated = negotiate(*st);
      }
    }
  }
}

void Session::emit_remote_candidates(const std::string& name, const IceUdpTransport& t) {
  if (t.candidates.empty() && !t.gathering_complete) {
    return;
  }
  emit(out::RemoteCandidates{name, t.candidates, t.gathering_complete});
}

void Session::flush_queued(ContentState& st, TimePoint now) {
  const bool can_send =
      st.have_local && st.status != ContentStatus::kAddReceived &&
      !(role_ == Role::kResponder && st.status == ContentStatus::kOffered && !accept_sent_);
  if (!can_send || state_ == State::kEnded) {
    return;  // they go out with the session-accept / content-accept, or right after it
  }
  if (!st.queued_candidates.empty()) {
    Jingle j = make_jingle(Action::kTransportInfo);
    j.contents.push_back(local_content(st, false, true));
    st.queued_candidates.clear();
    send_set(std::move(j), now);
  }
  if (st.queued_gathering_done) {
    Jingle j = make_jingle(Action::kTransportInfo);
    Content c = local_content(st, false, false);
    c.transport->gathering_complete = true;
    j.contents.push_back(std::move(c));
    st.queued_gathering_done = false;
    send_set(std::move(j), now);
  }
}

std::uint32_t Session::pick_ssrc() {
  // splitmix64: a fresh 32-bit SSRC per content (RFC 3550 §8.1: chosen at random).
  std::uint32_t v = 0;
  while (v == 0) {
    rng_ += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = rng_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    v = static_cast<std::uint32_t>(z ^ (z >> 31));
  }
  return v;
}

std::string Session::unique_name(codecs::MediaType media) const {
  const std::string base(codecs::to_string(media));
  if (find(base) == nullptr) {
    return base;
  }
  for (int i = 2;; ++i) {
    std::string n = base + "-" + std::to_string(i);
    if (find(n) == nullptr) {
      return n;
    }
  }
}

}  // namespace jcall::signaling::jingle
