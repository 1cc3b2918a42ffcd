// libFuzzer target: random action sequences against the XEP-0166 session state machine
// (signaling/jingle/session.hpp), either role. The input bytes pick, step by step, from a menu:
// valid and invalid IQ sets of every action from the peer or a stranger, answers (result,
// error) to our own IQs, local commands, transport events and time jumps. Never a crash, and
// after every step the invariants hold:
// - every IQ set handed in gets exactly one answer (result or error) with its id, to its sender;
//   an answer handed in gets none;
// - a stranger's set gets an error and changes nothing;
// - ended is terminal: after it, only error answers go out, never a set or another event;
// - states only move pending -> active -> ended, and state() matches the last StateChanged;
// - active only after a session-accept (received by the initiator and answered with a result,
//   or sent by the responder);
// - every set we send is addressed to the peer and parses back (Jingle::from_xml);
// - ConfigureMedia lists negotiated contents with unique names and the right ICE role.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "signaling/jingle/ns.hpp"
#include "signaling/jingle/session.hpp"
#include "signaling/xml/parser.hpp"

namespace {

using namespace jcall::signaling;
using namespace jcall::signaling::jingle;
namespace codecs = jcall::codecs;

constexpr const char* kSelf = "alice@example.com/phone";
constexpr const char* kPeer = "bob@example.com/desk";
constexpr const char* kStranger = "mallory@evil.example/x";
constexpr const char* kFp =
    "FF:EE:DD:CC:BB:AA:99:88:77:66:55:44:33:22:11:00:FF:EE:DD:CC:BB:AA:99:88:77:66:55:44:33:22:11:"
    "00";

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "session invariant broken: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) {
    fail(what);
  }
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

std::string fingerprint(std::string_view setup) {
  return "<fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='" +
         std::string(setup) + "'>" + kFp + "</fingerprint>";
}

std::string audio_description(std::string_view pt, bool broken) {
  return std::string("<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio' ssrc='2222'>") +
         "<payload-type id='" + std::string(pt) + "' name='opus' clockrate='" +
         (broken ? "x" : "48000") +
         "' channels='2'/><payload-type id='0' name='PCMU' clockrate='8000'/><rtcp-mux/>"
         "<source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='2222'><parameter name='cname' "
         "value='c'/></source></description>";
}

std::string video_description(std::string_view pt) {
  return "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='video' ssrc='3333'>"
         "<payload-type id='" +
         std::string(pt) +
         "' name='VP8' clockrate='90000'/><rtcp-mux/>"
         "<source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='3333'/></description>";
}

std::string transport(std::string_view ufrag, std::string_view pwd, std::string_view body) {
  std::string t = "<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1'";
  if (!ufrag.empty()) {
    t += " ufrag='" + std::string(ufrag) + "'";
  }
  if (!pwd.empty()) {
    t += " pwd='" + std::string(pwd) + "'";
  }
  return t + ">" + std::string(body) + "</transport>";
}

constexpr const char* kCandidate =
    "<candidate component='1' foundation='1' ip='192.0.2.7' port='5000' priority='1' "
    "protocol='udp' type='host'/>";

class Fuzzer {
 public:
  explicit Fuzzer(Input& in) : in_(in) {}

  void run() {
    start();
    if (in_.pick(2) == 0) {
      reach_active();
    }
    for (int steps = 0; steps < 64 && !in_.empty(); ++steps) {
      step();
    }
  }

 private:
  SessionConfig config() {
    SessionConfig c;
    c.self = *xmpp::Jid::parse(kSelf);
    c.peer = *xmpp::Jid::parse(kPeer);
    c.sid = "s1";
    c.make_id = [this] { return "our" + std::to_string(++ids_); };
    return c;
  }

  // Mostly a content the session has, sometimes any name.
  std::string name() {
    const auto& contents = session_->contents();
    if (!contents.empty() && in_.pick(4) != 0) {
      return contents[in_.pick(contents.size())].name;
    }
    static constexpr const char* kNames[] = {"audio", "video", "a0", "v1", "nope", "video-2"};
    return kNames[in_.pick(6)];
  }

  // Half of the runs first go the happy way to an active session, so that the random steps
  // start from there (content-add races, restarts, hold...).
  void reach_active() {
    if (session_->role() == Role::kInitiator) {
      deliver_set_from(
          kPeer,
          jingle("session-accept",
                 "<content creator='initiator' name='audio'>" + audio_description("96", false) +
                     transport("bU2", "bob-password-0123456789", fingerprint("active")) +
                     "</content>"));
      return;
    }
    std::vector<LocalTransport> ts(session_->contents().size(), LocalTransport{});
    for (auto& t : ts) {
      t = LocalTransport{"lA", "local-password-0123456789", "sha-256", kFp};
    }
    if (session_->accept(std::move(ts), now_)) {
      accept_done_ = true;
    }
    after_step(false);
    if (session_->state() == State::kPending && !last_set_.empty()) {
      const std::string id = last_set_;
      auto e = xml::parse_element(std::string("<iq xmlns='jabber:client' type='result' from='") +
                                  kPeer + "' to='" + kSelf + "' id='" + id + "'/>");
      check(e.has_value(), "result parses");
      our_sets_.erase(id);
      session_->handle_iq(*e, now_);
      after_step(false);
    }
  }

  std::string creator() { return in_.pick(2) == 0 ? "initiator" : "responder"; }

  void start() {
    now_ = TimePoint{} + std::chrono::hours(1);
    if (in_.pick(2) == 0) {
      std::vector<LocalContent> contents(1 + in_.pick(2));
      for (std::size_t i = 0; i < contents.size(); ++i) {
        contents[i].media = i == 0 ? codecs::MediaType::kAudio : codecs::MediaType::kVideo;
        contents[i].transport =
            LocalTransport{"u" + std::to_string(i), "password-of-alice-0123", "sha-256", kFp};
      }
      session_.emplace(Session::initiate(config(), std::move(contents), now_));
    } else {
      std::string offer = "<content creator='initiator' name='a0'>" +
                          audio_description("111", false) +
                          transport("bU", "bob-password-0123456789",
                                    in_.pick(4) == 0 ? "" : fingerprint("actpass")) +
                          "</content>";
      if (in_.pick(2) == 0) {
        offer += "<content creator='initiator' name='v1'>" + video_description("100") +
                 transport("bU", "bob-password-0123456789", fingerprint("actpass")) + "</content>";
      }
      offer +=
          "<group xmlns='urn:xmpp:jingle:apps:grouping:0' semantics='BUNDLE'>"
          "<content name='a0'/><content name='v1'/></group>";
      const std::string iq = set_iq(kPeer, "in0", jingle("session-initiate", offer));
      auto e = xml::parse_element(iq);
      check(e.has_value(), "canned offer parses");
      session_.emplace(Session::incoming(config(), *e, now_));
      expect_answer_ = "in0";
      expect_answer_to_ = kPeer;
    }
    after_step(false);
  }

  std::string jingle(std::string_view action, std::string_view body, std::string_view sid = "s1") {
    return "<jingle xmlns='urn:xmpp:jingle:1' action='" + std::string(action) + "' sid='" +
           std::string(sid) + "'>" + std::string(body) + "</jingle>";
  }

  static std::string set_iq(const char* from, const std::string& id, const std::string& body) {
    return std::string("<iq xmlns='jabber:client' type='set' from='") + from + "' to='" + kSelf +
           "' id='" + id + "'>" + body + "</iq>";
  }

  std::string peer_action() {
    const std::string n = name();
    const std::string cr = creator();
    auto content = [&](const std::string& inner) {
      return "<content creator='" + cr + "' name='" + n + "'>" + inner + "</content>";
    };
    static constexpr const char* kConditions[] = {"success", "busy", "decline",
                                                  "timeout", "gone", "bogus"};
    static constexpr const char* kInfos[] = {"ringing", "hold",   "unhold", "mute",
                                             "unmute",  "active", "dance"};
    static constexpr const char* kSetups[] = {"active", "passive", "actpass", "holdconn"};
    switch (in_.pick(17)) {
      case 0:
        return jingle("session-initiate", content(audio_description("111", false) +
                                                  transport("x", "y", fingerprint("actpass"))));
      case 1: {
        std::string body =
            content(audio_description(in_.pick(2) ? "96" : "111", in_.pick(8) == 0) +
                    transport("bU2", "bob-password-0123456789",
                              in_.pick(5) == 0 ? "" : fingerprint(kSetups[in_.pick(4)])));
        if (in_.pick(2) == 0) {
          body +=
              "<group xmlns='urn:xmpp:jingle:apps:grouping:0' semantics='BUNDLE'><content "
              "name='audio'/><content name='video'/></group>";
        }
        return jingle("session-accept", body);
      }
      case 2:
        return jingle("session-terminate", "<reason><" + std::string(kConditions[in_.pick(6)]) +
                                               "/><text>t</text></reason>");
      case 3: {
        const std::size_t k = in_.pick(8);
        if (k == 7) {
          return jingle("session-info", "");
        }
        const std::string ns = k == 6 ? "urn:example:other" : "urn:xmpp:jingle:apps:rtp:info:1";
        return jingle("session-info",
                      "<" + std::string(kInfos[k]) + " xmlns='" + ns + "' name='" + n + "'/>");
      }
      case 4: {
        static constexpr const char* kUfrags[] = {"bU", "bU2", "new", ""};
        static constexpr const char* kPwds[] = {"", "bob-password-0123456789",
                                                "another-password-99"};
        std::string body;
        switch (in_.pick(4)) {
          case 0:
            body = kCandidate;
            break;
          case 1:
            body = "<gathering-complete/>";
            break;
          case 2:
            body =
                "<candidate component='1' foundation='1' ip='1.2.3.4' port='http' priority='1' "
                "protocol='udp' type='host'/>";
            break;
          default:
            break;
        }
        return jingle("transport-info",
                      content(transport(kUfrags[in_.pick(4)], kPwds[in_.pick(3)], body)));
      }
      case 5:
        return jingle("content-add",
                      content(video_description("100") +
                              transport("bV", "bob-video-password-0123",
                                        in_.pick(4) == 0 ? "" : fingerprint("actpass"))));
      case 6:
        return jingle("content-accept", content(video_description(in_.pick(2) ? "96" : "99") +
                                                transport("bV", "bob-video-password-0123",
                                                          fingerprint(kSetups[in_.pick(4)]))));
      case 7:
        return jingle("content-reject", content(""));
      case 8: {
        static constexpr const char* kSenders[] = {"both", "initiator", "responder", "none"};
        return jingle("content-modify", "<content creator='" + cr + "' name='" + n + "' senders='" +
                                            kSenders[in_.pick(4)] + "'/>");
      }
      case 9:
        return jingle("content-remove", content(""));
      case 10:
        return jingle("description-info", content(audio_description("96", false)));
      case 11:
        return jingle("security-info", content(""));
      case 12:
        return jingle(
            "transport-replace",
            content(in_.pick(2) == 0
                        ? transport("rU", "replaced-password-01234", fingerprint("active"))
                        : "<transport xmlns='urn:xmpp:jingle:transports:raw-udp:1'/>"));
      case 13:
        return jingle(in_.pick(2) ? "transport-accept" : "transport-reject", content(""));
      case 14:
        return jingle("session-info", "", "other-sid");
      case 15:
        return jingle("no-such-action", "");
      default:
        return "<query xmlns='jabber:iq:version'/>";
    }
  }

  void deliver_set() {
    const bool stranger = in_.pick(8) == 0;
    deliver_set_from(stranger ? kStranger : kPeer, peer_action());
  }

  void deliver_set_from(const char* from, const std::string& body) {
    const bool stranger = from == kStranger;
    const std::string id = "in" + std::to_string(++in_ids_);
    const std::string text = set_iq(from, id, body);
    auto e = xml::parse_element(text);
    check(e.has_value(), "menu stanza parses");
    const State before = session_->state();
    const std::size_t contents_before = session_->contents().size();
    expect_answer_ = id;
    expect_answer_to_ = from;
    delivering_accept_ = !stranger && text.find("'session-accept'") != std::string::npos;
    session_->handle_iq(*e, now_);
    after_step(false);
    if (stranger) {
      check(session_->state() == before, "a stranger changes the state");
      check(session_->contents().size() == contents_before, "a stranger changes the contents");
    }
  }

  void deliver_answer() {
    if (our_sets_.empty()) {
      return;
    }
    auto it = our_sets_.begin();
    std::advance(it, static_cast<long>(in_.pick(our_sets_.size())));
    const std::string id = *it;
    const bool stranger = in_.pick(8) == 0;
    static constexpr const char* kErrors[] = {
        "",
        "<error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><tie-break "
        "xmlns='urn:xmpp:jingle:errors:1'/></error>",
        "<error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
        "<unknown-session xmlns='urn:xmpp:jingle:errors:1'/></error>",
        "<error type='cancel'><service-unavailable "
        "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"};
    const std::size_t k = in_.pick(4);
    const std::string text = std::string("<iq xmlns='jabber:client' type='") +
                             (k == 0 ? "result" : "error") + "' from='" +
                             (stranger ? kStranger : kPeer) + "' to='" + kSelf + "' id='" + id +
                             "'>" + kErrors[k] + "</iq>";
    auto e = xml::parse_element(text);
    check(e.has_value(), "answer parses");
    if (!stranger) {
      our_sets_.erase(it);
    }
    expect_answer_.reset();
    session_->handle_iq(*e, now_);
    after_step(false);
  }

  LocalTransport local() {
    return LocalTransport{"l" + std::to_string(in_.pick(3)), "local-password-0123456789", "sha-256",
                          kFp};
  }

  void command() {
    expect_answer_.reset();
    const State before = session_->state();
    bool accepted = false;
    switch (in_.pick(9)) {
      case 0: {
        std::vector<LocalTransport> ts(in_.pick(3), local());
        accepted = session_->accept(std::move(ts), now_).has_value();
        break;
      }
      case 1:
        session_->terminate(static_cast<Condition>(in_.pick(17)),
                            in_.pick(2) ? std::optional<std::string>("bye") : std::nullopt, now_);
        break;
      case 2:
        (void)session_->send_info(RtpInfo{static_cast<RtpInfo::Kind>(in_.pick(6)), {}, {}}, now_);
        break;
      case 3: {
        LocalContent c;
        c.media = in_.pick(2) ? codecs::MediaType::kVideo : codecs::MediaType::kAudio;
        c.transport = local();
        (void)session_->add_content(std::move(c), now_);
        break;
      }
      case 4:
        (void)session_->accept_content(name(), local(), now_);
        break;
      case 5:
        (void)session_->reject_content(name(), now_);
        break;
      case 6:
        (void)session_->remove_content(name(), now_);
        break;
      case 7:
        (void)session_->modify_senders(name(), static_cast<Senders>(in_.pick(4)), now_);
        break;
      default:
        (void)session_->send_info(RtpInfo{RtpInfo::Kind::kMute, "initiator", name()}, now_);
        break;
    }
    if (accepted) {
      check(before == State::kPending && session_->role() == Role::kResponder,
            "accept succeeded outside a pending incoming call");
      accept_done_ = true;
    }
    after_step(false);
  }

  void transport_event() {
    expect_answer_.reset();
    const std::string n = name();
    switch (in_.pick(5)) {
      case 0: {
        Candidate c;
        c.foundation = "1";
        c.ip = "198.51.100.1";
        c.port = static_cast<std::uint16_t>(1000 + in_.byte());
        c.priority = 1;
        c.protocol = "udp";
        c.type = "host";
        session_->local_candidate(n, c, now_);
        break;
      }
      case 1:
        session_->gathering_done(n, now_);
        break;
      case 2:
        session_->transport_connected(n, now_);
        break;
      case 3:
        session_->transport_failed(n, "ice failed", now_);
        break;
      default:
        session_->restart_ice(n, local(), now_);
        break;
    }
    after_step(false);
  }

  void time_jump() {
    expect_answer_.reset();
    now_ += std::chrono::seconds(in_.byte());
    session_->on_timer(now_);
    after_step(true);
  }

  void step() {
    switch (in_.pick(6)) {
      case 0:
      case 1:
        deliver_set();
        break;
      case 2:
        deliver_answer();
        break;
      case 3:
        command();
        break;
      case 4:
        transport_event();
        break;
      default:
        time_jump();
        break;
    }
  }

  void after_step(bool /*timer*/) {
    int answers = 0;
    while (session_->has_output()) {
      SessionOutput o = session_->next_output();
      if (auto* send = std::get_if<out::Send>(&o)) {
        const xml::Element& s = send->stanza;
        const std::string type(s.attr_or("type", ""));
        const std::string id(s.attr_or("id", ""));
        if (type == "result" || type == "error") {
          check(expect_answer_.has_value() && id == *expect_answer_, "an answer to no set");
          check(s.attr_or("to", "") == expect_answer_to_, "an answer to the wrong JID");
          ++answers;
          if (type == "result" && delivering_accept_) {
            got_accept_ = true;
          }
          if (ended_) {
            check(type == "error", "a result after the end");
          }
          continue;
        }
        check(type == "set", "an IQ that is neither set nor answer");
        check(!ended_, "a set after the end");
        check(s.attr_or("to", "") == kPeer, "a set not to the peer");
        const xml::Element* j = s.child("jingle", ns::kJingle);
        check(j != nullptr, "a set without jingle");
        auto parsed = Jingle::from_xml(*j);
        check(parsed.has_value(), "our own set does not parse");
        if (parsed->action == Action::kSessionAccept) {
          accept_done_ = true;
        }
        check(session_->owns_iq_id(id) || parsed->action == Action::kSessionTerminate ||
                  session_->state() == State::kEnded,
              "a set we do not track");
        our_sets_.insert(id);
        last_set_ = id;
        continue;
      }
      check(!ended_, "an event after the end");
      if (auto* sc = std::get_if<out::StateChanged>(&o)) {
        check(sc->state != State::kPending, "a change back to pending");
        check(sc->state != last_state_, "a change to the same state");
        if (sc->state == State::kActive) {
          check(last_state_ == State::kPending, "active after ended");
          check(accept_done_ || got_accept_, "active without a session-accept");
        } else {
          ended_ = true;
        }
        last_state_ = sc->state;
      } else if (auto* cm = std::get_if<out::ConfigureMedia>(&o)) {
        check(!cm->contents.empty(), "ConfigureMedia without content");
        check(cm->ice_controlling == (session_->role() == Role::kInitiator), "wrong ICE role");
        std::set<std::string> names;
        for (const auto& c : cm->contents) {
          check(names.insert(c.name).second, "ConfigureMedia lists a content twice");
          check(!c.codecs.codecs.empty(), "a content without codecs");
        }
      }
    }
    if (expect_answer_) {
      check(answers == 1, "a set not answered exactly once");
    } else {
      check(answers == 0, "an answer without a set");
    }
    check(session_->state() == last_state_, "state() differs from the last StateChanged");
    if (session_->state() == State::kEnded) {
      check(!session_->next_deadline().has_value(), "a deadline after the end");
    }
    expect_answer_.reset();
    delivering_accept_ = false;
  }

  Input& in_;
  std::optional<Session> session_;
  TimePoint now_;
  int ids_ = 0;
  int in_ids_ = 0;
  std::string last_set_;  // the id of the last set we sent
  std::set<std::string> our_sets_;
  std::optional<std::string> expect_answer_;
  std::string expect_answer_to_;
  State last_state_ = State::kPending;
  bool ended_ = false;
  bool accept_done_ = false;  // responder: a session-accept went out
  bool got_accept_ = false;   // initiator: a session-accept came in and got a result
  bool delivering_accept_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  Fuzzer f(in);
  f.run();
  return 0;
}
