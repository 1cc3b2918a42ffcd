// libFuzzer target: random sequences against CallManager (XEP-0353 Jingle Message Initiation in
// front of XEP-0166 sessions, signaling/jingle/call_manager.hpp). The input bytes pick, step by
// step, from a menu: JMI messages of every kind from the peer's devices, our own other device
// (carbons both ways) or a stranger, with sids we know or not, with and without <tie-break/>;
// Jingle IQ sets (session-initiate and others) and answers to our own IQs (result, error,
// tie-break); local commands, media events with aliases and content names, time jumps.
// Never a crash, and after every step:
// - every Jingle IQ set handed in gets exactly one answer (result or error) with its id, to its
//   sender; an answer handed in gets none;
// - a call's states only move forward (proposing < ringing < connecting < active < ended), at
//   most one Incoming per call, and nothing after it ended;
// - every message we send carries a JMI payload that parses back, every IQ set a <jingle/>
//   that parses back, and every stanza has a 'to';
// - active_calls() lists only calls that were reported and have not ended.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "signaling/jingle/call_manager.hpp"
#include "signaling/jingle/ns.hpp"
#include "signaling/xml/parser.hpp"
#include "signaling/xml/serializer.hpp"

namespace {

using namespace jcall::signaling;
using namespace jcall::signaling::jingle;

constexpr const char* kSelf = "alice@example.com/desk";
constexpr const char* kFp =
    "FF:EE:DD:CC:BB:AA:99:88:77:66:55:44:33:22:11:00:FF:EE:DD:CC:BB:AA:99:88:77:66:55:44:33:22:11:"
    "00";
constexpr const char* kSenders[] = {"bob@example.com/phone", "bob@example.com/laptop",
                                    "mallory@evil.example/x", "alice@example.com/other",
                                    "bob@example.com"};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "call manager invariant broken: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok)
    fail(what);
}

class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::size_t pick(std::size_t n) { return byte() % n; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

xml::Element parse(const std::string& text) {
  auto e = xml::parse_element(text);
  if (!e)
    fail("the fuzzer built bad XML");
  return *e;
}

class Fuzzer {
 public:
  explicit Fuzzer(Input& in) : in_(in) {
    CallManagerConfig config;
    config.self = *xmpp::Jid::parse(kSelf);
    config.make_id = [this] { return "our" + std::to_string(++ids_); };
    config.make_sid = [this] { return "our-sid" + std::to_string(++sids_); };
    manager_.emplace(std::move(config));
    manager_->set_busy_policy(in_.pick(2) == 0);
  }

  void run() {
    for (int steps = 0; steps < 80 && !in_.empty(); ++steps) {
      step();
      drain();
    }
  }

 private:
  std::string sender() { return kSenders[in_.pick(5)]; }

  std::string sid() {
    if (!known_sids_.empty() && in_.pick(4) != 0) {
      auto it = known_sids_.begin();
      std::advance(it, static_cast<long>(in_.pick(known_sids_.size())));
      return *it;
    }
    static constexpr const char* kOthers[] = {"0-sid", "zzz-sid", "sid1", "sid2"};
    return kOthers[in_.pick(4)];
  }

  std::string content() {
    static constexpr const char* kNames[] = {"audio", "video", "0", "1", "nope"};
    return kNames[in_.pick(5)];
  }

  void step() {
    const std::size_t what = in_.pick(10);
    if (trace_)
      std::fprintf(stderr, "step %zu\n", what);
    switch (what) {
      case 0: {  // call
        CallOptions o;
        o.video = in_.pick(2) == 0;
        o.jmi = static_cast<CallOptions::Jmi>(in_.pick(3));
        o.peer_supports_jmi = in_.pick(2) == 0;
        const char* to[] = {"bob@example.com", "bob@example.com/phone", "alice@example.com"};
        auto jid = xmpp::Jid::parse(to[in_.pick(3)]);
        if (auto s = manager_->call(*jid, o, now_))
          known_sids_.insert(*s);
        break;
      }
      case 1:
      case 2:
        jmi_message();
        break;
      case 3:
        session_initiate();
        break;
      case 4:
        other_jingle_set();
        break;
      case 5:
        answer();
        break;
      case 6:
        command();
        break;
      case 7:
        provide();
        break;
      case 8:
        media_event();
        break;
      case 9: {
        static constexpr int kJumps[] = {0, 1, 10, 29, 30, 31, 60, 70, 301};
        now_ += std::chrono::seconds(kJumps[in_.pick(9)]);
        // CallManager forgets a call 5 minutes after its end; its sid may then come back.
        for (auto it = ended_at_.begin(); it != ended_at_.end();) {
          if (now_ - it->second >= std::chrono::minutes(5)) {
            states_.erase(it->first);
            ended_.erase(it->first);
            incoming_.erase(it->first);
            it = ended_at_.erase(it);
          } else {
            ++it;
          }
        }
        if (auto d = manager_->next_deadline(); d && *d <= now_)
          manager_->on_timer(now_);
        else if (in_.pick(2) == 0)
          manager_->on_timer(now_);
        break;
      }
    }
  }

  void jmi_message() {
    static constexpr const char* kKinds[] = {"propose", "ringing", "proceed",
                                             "reject",  "retract", "finish"};
    const std::string kind = kKinds[in_.pick(6)];
    const std::string id = sid();
    known_sids_.insert(id);
    std::string payload = "<" + kind + " xmlns='urn:xmpp:jingle-message:0' id='" + id + "'>";
    if (kind == "propose") {
      payload += "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'/>";
      if (in_.pick(2) == 0)
        payload += "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='video'/>";
      if (in_.pick(8) == 0)
        payload = "<propose xmlns='urn:xmpp:jingle-message:0' id='" + id +
                  "'><description xmlns='urn:xmpp:jingle:apps:file-transfer:5'/>";
    } else if (kind != "ringing" && kind != "proceed") {
      static constexpr const char* kConditions[] = {"busy",    "decline", "cancel",
                                                    "expired", "success", "timeout"};
      payload += std::string("<reason xmlns='urn:xmpp:jingle:1'><") + kConditions[in_.pick(6)] +
                 "/></reason>";
      if (in_.pick(3) == 0)
        payload += "<tie-break/>";
    }
    payload += "</" + kind + ">";
    const std::string from = sender();
    std::string to = in_.pick(2) == 0 ? "alice@example.com" : kSelf;
    auto carbon = static_cast<CallManager::Carbon>(in_.pick(3));
    if (carbon == CallManager::Carbon::kSent)
      to = "bob@example.com";
    const std::string type = in_.pick(10) == 0 ? "error" : "chat";
    xml::Element m = parse("<message xmlns='jabber:client' type='" + type + "' from='" + from +
                           "' to='" + to + "'>" + payload + "</message>");
    if (trace_)
      std::fprintf(stderr, "in (carbon %d) %s\n", static_cast<int>(carbon),
                   xml::to_string(m).c_str());
    check(manager_->handle_stanza(m, now_, carbon), "a JMI message was not taken");
  }

  std::string offer(bool video) {
    std::string s =
        "<content creator='initiator' name='0'>"
        "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'>"
        "<payload-type id='111' name='opus' clockrate='48000' channels='2'/>"
        "<payload-type id='0' name='PCMU' clockrate='8000'/><rtcp-mux/></description>"
        "<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='pu' "
        "pwd='peer-password-0123456789'>"
        "<fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='actpass'>" +
        std::string(kFp) + "</fingerprint></transport></content>";
    if (video)
      s += "<content creator='initiator' name='1'>"
           "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='video'>"
           "<payload-type id='96' name='VP8' clockrate='90000'/><rtcp-mux/></description>"
           "<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='pv' "
           "pwd='peer-password-0123456789'>"
           "<fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='actpass'>" +
           std::string(kFp) + "</fingerprint></transport></content>";
    return s;
  }

  void iq_set(const std::string& from, const std::string& jingle) {
    const std::string id = "their" + std::to_string(++their_ids_);
    xml::Element iq = parse("<iq xmlns='jabber:client' type='set' id='" + id + "' from='" + from +
                            "' to='" + kSelf + "'>" + jingle + "</iq>");
    if (trace_)
      std::fprintf(stderr, "in %s\n", xml::to_string(iq).c_str());
    check(manager_->handle_stanza(iq, now_), "a Jingle IQ set was not taken");
    expected_answers_[id] = from;
  }

  void session_initiate() {
    std::string from = sender();
    if (from == "bob@example.com")
      from = "bob@example.com/phone";
    const std::string id = sid();
    known_sids_.insert(id);
    iq_set(from, "<jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' sid='" + id + "'>" +
                     offer(in_.pick(2) == 0) + "</jingle>");
  }

  void other_jingle_set() {
    std::string from = sender();
    if (from == "bob@example.com")
      from = "bob@example.com/phone";
    const std::string id = sid();
    static constexpr const char* kActions[] = {"transport-info", "session-terminate",
                                               "session-info",   "session-accept",
                                               "content-add",    "bogus-action"};
    const std::string action = kActions[in_.pick(6)];
    std::string body;
    if (action == "transport-info")
      body =
          "<content creator='initiator' name='0'><transport "
          "xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='pu'><candidate component='1' "
          "foundation='1' ip='192.0.2.7' port='5000' priority='1' protocol='udp' "
          "type='host'/></transport></content>";
    else if (action == "session-terminate")
      body = "<reason><success/></reason>";
    else if (action == "session-info")
      body = "<ringing xmlns='urn:xmpp:jingle:apps:rtp:info:1'/>";
    else if (action == "session-accept" || action == "content-add")
      body = offer(in_.pick(2) == 0);
    iq_set(from, "<jingle xmlns='urn:xmpp:jingle:1' action='" + action + "' sid='" + id + "'>" +
                     body + "</jingle>");
  }

  void answer() {
    if (our_sets_.empty())
      return;
    auto it = our_sets_.begin();
    std::advance(it, static_cast<long>(in_.pick(our_sets_.size())));
    const auto [id, to] = *it;
    if (in_.pick(4) != 0)
      our_sets_.erase(it);
    std::string error;
    switch (in_.pick(3)) {
      case 0:
        break;
      case 1:
        error =
            "<error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
            "<tie-break xmlns='urn:xmpp:jingle:errors:1'/></error>";
        break;
      case 2:
        error =
            "<error type='cancel'><item-not-found "
            "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>";
        break;
    }
    const std::string type = error.empty() ? "result" : "error";
    xml::Element iq = parse("<iq xmlns='jabber:client' type='" + type + "' id='" + id + "' from='" +
                            to + "' to='" + kSelf + "'>" + error + "</iq>");
    (void)manager_->handle_stanza(iq, now_);
    answers_in_.insert(id);
  }

  void command() {
    const std::string s = sid();
    switch (in_.pick(8)) {
      case 0:
        (void)manager_->accept(s, now_);
        break;
      case 1:
        (void)manager_->reject(s, now_);
        break;
      case 2:
        (void)manager_->hangup(s, now_);
        break;
      case 3:
        (void)manager_->set_hold(s, in_.pick(2) == 0, now_);
        break;
      case 4:
        (void)manager_->set_mute(s, in_.pick(2) == 0, now_);
        break;
      case 5:
      case 6:
        (void)manager_->set_video(s, in_.pick(2) == 0, now_);
        break;
      case 7:
        manager_->set_busy_policy(in_.pick(2) == 0);
        break;
    }
  }

  void provide() {
    std::string s = sid();
    std::size_t n = in_.pick(3);
    if (!pending_needs_.empty() && in_.pick(4) != 0) {
      s = pending_needs_.begin()->first;
      n = pending_needs_.begin()->second;
      pending_needs_.erase(pending_needs_.begin());
    }
    std::vector<LocalTransport> transports;
    for (std::size_t i = 0; i < n; ++i)
      transports.push_back(
          LocalTransport{"u" + std::to_string(i), "our-password-0123456789", "sha-256", kFp});
    (void)manager_->provide_transports(s, std::move(transports), now_);
  }

  void media_event() {
    const std::string s = sid();
    switch (in_.pick(4)) {
      case 0: {
        Candidate c;
        c.foundation = "1";
        c.ip = "192.0.2.1";
        c.port = 4000;
        c.priority = 1;
        c.protocol = "udp";
        c.type = "host";
        manager_->local_candidate(s, content(), c, now_);
        break;
      }
      case 1:
        manager_->gathering_done(s, content(), now_);
        break;
      case 2:
        manager_->transport_connected(s, content(), now_);
        break;
      case 3:
        manager_->transport_failed(s, content(), "fuzz", now_);
        break;
    }
  }

  void drain() {
    while (manager_->has_output()) {
      CallOutput out = manager_->next_output();
      if (trace_)
        trace(out);
      if (auto* send = std::get_if<call_out::Send>(&out)) {
        const xml::Element& st = send->stanza;
        check(!st.attr_or("to", "").empty(), "a stanza without 'to'");
        if (st.name == "message") {
          const xml::Element* p = JmiMessage::find_in(st);
          check(p && JmiMessage::from_xml(*p), "a message without a valid JMI payload");
          continue;
        }
        check(st.name == "iq", "neither message nor iq");
        const std::string type(st.attr_or("type", ""));
        const std::string id(st.attr_or("id", ""));
        if (type == "set") {
          const xml::Element* j = st.child("jingle", ns::kJingle);
          check(j && Jingle::from_xml(*j), "an IQ set without a valid <jingle/>");
          our_sets_[id] = std::string(st.attr_or("to", ""));
          continue;
        }
        check(type == "result" || type == "error", "an IQ of another type");
        check(answers_in_.count(id) == 0, "an answer to an answer");
        auto it = expected_answers_.find(id);
        check(it != expected_answers_.end(), "an answer to nothing, or a second answer");
        check(st.attr_or("to", "") == it->second, "an answer to someone else");
        expected_answers_.erase(it);
        continue;
      }
      if (auto* need = std::get_if<call_out::NeedTransports>(&out)) {
        check(need->contents.size() == need->media.size(), "NeedTransports names != media");
        pending_needs_.emplace_back(need->sid, need->media.size());
        continue;
      }
      if (auto* in = std::get_if<call_out::Incoming>(&out)) {
        check(incoming_.insert(in->sid).second, "a second Incoming for a call");
        check(ended_.count(in->sid) == 0, "Incoming after the end");
        continue;
      }
      if (auto* s = std::get_if<call_out::StateChanged>(&out)) {
        auto [it, fresh] = states_.emplace(s->sid, s->state);
        check(fresh || static_cast<int>(s->state) > static_cast<int>(it->second),
              "a call state went backwards or repeated");
        it->second = s->state;
        if (s->state == CallState::kEnded) {
          ended_.insert(s->sid);
          ended_at_[s->sid] = now_;
        }
        known_sids_.insert(s->sid);
        continue;
      }
      if (auto* m = std::get_if<call_out::Media>(&out))
        check(ended_.count(m->sid) == 0 || std::holds_alternative<out::Send>(m->output) ||
                  std::holds_alternative<out::RemoveMedia>(m->output),
              "media work for an ended call");
    }
    check(expected_answers_.empty(), "an IQ set got no answer");
    for (const auto& sid : manager_->active_calls()) {
      auto it = states_.find(sid);
      check(it != states_.end() && it->second != CallState::kEnded,
            "active_calls() lists an unreported or ended call");
    }
  }

  // JCALL_FUZZ_TRACE=1 prints every output, to read a crash input.
  void trace(const CallOutput& out) {
    if (auto* send = std::get_if<call_out::Send>(&out))
      std::fprintf(stderr, "  send %s\n", xml::to_string(send->stanza).c_str());
    else if (auto* s = std::get_if<call_out::StateChanged>(&out))
      std::fprintf(stderr, "  state %s %s %s\n", s->sid.c_str(),
                   std::string(to_string(s->state)).c_str(), s->detail.c_str());
    else if (auto* i = std::get_if<call_out::Incoming>(&out))
      std::fprintf(stderr, "  incoming %s\n", i->sid.c_str());
    else if (auto* n = std::get_if<call_out::NeedTransports>(&out))
      std::fprintf(stderr, "  need %s %zu\n", n->sid.c_str(), n->media.size());
    else
      std::fprintf(stderr, "  media\n");
  }

  Input& in_;
  const bool trace_ = std::getenv("JCALL_FUZZ_TRACE") != nullptr;
  std::optional<CallManager> manager_;
  TimePoint now_ = TimePoint{} + std::chrono::hours(1);
  int ids_ = 0;
  int sids_ = 0;
  int their_ids_ = 0;
  std::set<std::string> known_sids_;
  std::map<std::string, std::string> expected_answers_;  // their set id -> sender
  std::map<std::string, std::string> our_sets_;          // our set id -> peer
  std::set<std::string> answers_in_;
  std::vector<std::pair<std::string, std::size_t>> pending_needs_;
  std::set<std::string> incoming_;
  std::set<std::string> ended_;
  std::map<std::string, TimePoint> ended_at_;
  std::map<std::string, CallState> states_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  Fuzzer(in).run();
  return 0;
}
