// RFC 6120 §4–§7 and XEP-0198 client stream, driven with literal XML and a fake clock.
#include "signaling/xmpp/stream.hpp"

#include <gtest/gtest.h>

#include "signaling/xml/serializer.hpp"

namespace jcall::signaling::xmpp {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kServerHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' from='example.net' id='s' version='1.0'>";
constexpr std::string_view kTlsFeatures =
    "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
    "</stream:features>";
constexpr std::string_view kSaslFeatures =
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
    "<mechanism>PLAIN</mechanism></mechanisms></stream:features>";
constexpr std::string_view kBindFeatures =
    "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
    "<sm xmlns='urn:xmpp:sm:3'/></stream:features>";

class StreamHarness {
 public:
  explicit StreamHarness(StreamConfig config = default_config()) : stream(std::move(config)) {}

  static StreamConfig default_config() {
    StreamConfig c;
    c.jid = *Jid::parse("juliet@example.net/balcony");
    c.password = "r0m30myr0m30";
    int n = 0;
    c.make_id = [n]() mutable { return "id" + std::to_string(++n); };
    return c;
  }

  // Collects outputs; returns what was written since the last call.
  std::string drain() {
    std::string written;
    while (stream.has_output()) {
      StreamOutput o = stream.next_output();
      if (auto* s = std::get_if<out::Send>(&o)) {
        written += s->bytes;
      } else if (std::holds_alternative<out::StartTls>(o)) {
        start_tls = true;
      } else if (auto* on = std::get_if<out::Online>(&o)) {
        onlines.push_back(*on);
      } else if (auto* r = std::get_if<out::Received>(&o)) {
        received.push_back(std::move(r->stanza));
      } else if (auto* c = std::get_if<out::Closed>(&o)) {
        closed.push_back(*c);
      }
    }
    all_written += written;
    return written;
  }

  void feed(std::string_view s) { stream.feed(s, now); }

  // Runs the whole login: STARTTLS, PLAIN over TLS, bind (with SM offered).
  void login(bool sm = true) {
    stream.start(now);
    drain();
    feed(kServerHeader);
    feed(kTlsFeatures);
    drain();
    feed("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    drain();
    stream.tls_established(TlsInfo{"TLSv1.3", {}}, now);
    drain();
    feed(kServerHeader);
    feed(kSaslFeatures);
    drain();
    feed("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    drain();
    feed(kServerHeader);
    feed(sm ? kBindFeatures
            : "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
              "</stream:features>");
    const std::string bind = drain();
    const auto id_pos = bind.find("id=\"");
    ASSERT_NE(id_pos, std::string::npos) << bind;
    const std::string id = bind.substr(id_pos + 4, bind.find('"', id_pos + 4) - id_pos - 4);
    feed("<iq type='result' id='" + id +
         "'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>juliet@example.net/balcony</jid>"
         "</bind></iq>");
  }

  // A (new) connection up to SASL success: STARTTLS, then PLAIN over TLS.
  void authenticate() {
    stream.start(now);
    feed(kServerHeader);
    feed(kTlsFeatures);
    feed("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    stream.tls_established(TlsInfo{}, now);
    feed(kServerHeader);
    feed(kSaslFeatures);
    feed("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  }

  xml::Element message(const std::string& body) {
    xml::Element m("message", "jabber:client");
    m.set_attr("to", "romeo@example.net").set_attr("type", "chat");
    m.add_text_child("body", "", body);
    return m;
  }

  ClientStream stream;
  TimePoint now{};
  bool start_tls = false;
  std::vector<out::Online> onlines;
  std::vector<xml::Element> received;
  std::vector<out::Closed> closed;
  std::string all_written;
};

TEST(ClientStream, LoginStartTlsPlainBindAndStreamManagement) {
  StreamHarness h;
  h.stream.start(h.now);
  const std::string header = h.drain();
  EXPECT_NE(header.find("to='example.net'"), std::string::npos);
  EXPECT_EQ(header.find("from="), std::string::npos) << "no 'from' before TLS (RFC 6120 §4.7.1)";
  h.feed(kServerHeader);
  h.feed(kTlsFeatures);
  EXPECT_EQ(h.drain(), "<starttls xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"/>");
  h.feed("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  h.drain();
  EXPECT_TRUE(h.start_tls);
  h.stream.tls_established(TlsInfo{"TLSv1.3", {}}, h.now);
  EXPECT_NE(h.drain().find("from='juliet@example.net'"), std::string::npos);
  h.feed(kServerHeader);
  h.feed(kSaslFeatures);
  // RFC 4616: authzid NUL authcid NUL password
  EXPECT_EQ(h.drain(), "<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" mechanism=\"PLAIN\">" +
                           base64_encode(std::string("\0juliet\0r0m30myr0m30", 20)) + "</auth>");
  h.feed("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  EXPECT_NE(h.drain().find("<stream:stream"), std::string::npos) << "stream restart";
  h.feed(kServerHeader);
  h.feed(kBindFeatures);
  EXPECT_EQ(h.drain(),
            "<iq type=\"set\" id=\"id1\"><bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\">"
            "<resource>balcony</resource></bind></iq>");
  h.feed(
      "<iq type='result' id='id1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
      "<jid>juliet@example.net/balcony</jid></bind></iq>");
  EXPECT_EQ(h.drain(), "<enable xmlns=\"urn:xmpp:sm:3\" resume=\"true\"/>");
  ASSERT_EQ(h.onlines.size(), 1u);
  EXPECT_EQ(h.onlines[0].jid.str(), "juliet@example.net/balcony");
  EXPECT_FALSE(h.onlines[0].resumed);
  EXPECT_TRUE(h.stream.online());
  EXPECT_TRUE(h.closed.empty());
}

TEST(ClientStream, NoStartTlsOfferedNeverAuthenticates) {
  StreamHarness h;
  h.stream.start(h.now);
  h.drain();
  h.feed(kServerHeader);
  h.feed(kSaslFeatures);  // PLAIN offered on a plaintext stream
  h.drain();
  ASSERT_EQ(h.closed.size(), 1u);
  EXPECT_EQ(h.closed[0].reason.code, Errc::tls_required);
  EXPECT_FALSE(h.closed[0].retry);
  EXPECT_EQ(h.all_written.find("<auth"), std::string::npos);
  EXPECT_NE(h.closed[0].reason.message.find("never logs in without TLS"), std::string::npos);
}

TEST(ClientStream, StartTlsRefused) {
  StreamHarness h;
  h.stream.start(h.now);
  h.feed(kServerHeader);
  h.feed(kTlsFeatures);
  h.feed("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  h.drain();
  ASSERT_EQ(h.closed.size(), 1u);
  EXPECT_EQ(h.closed[0].reason.code, Errc::tls_failed);
}

TEST(ClientStream, SaslFailureIsReadableAndFinal) {
  StreamHarness h;
  h.stream.start(h.now);
  h.feed(kServerHeader);
  h.feed(kTlsFeatures);
  h.feed("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  h.stream.tls_established(TlsInfo{}, h.now);
  h.feed(kServerHeader);
  h.feed(kSaslFeatures);
  h.feed(
      "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/>"
      "<text xml:lang='en'>Invalid username or password</text></failure>");
  h.drain();
  ASSERT_EQ(h.closed.size(), 1u);
  EXPECT_EQ(h.closed[0].reason.code, Errc::auth_failed);
  EXPECT_FALSE(h.closed[0].retry);
  EXPECT_NE(h.closed[0].reason.message.find("wrong password"), std::string::npos);
  EXPECT_NE(h.closed[0].reason.message.find("Invalid username or password"), std::string::npos);
  EXPECT_EQ(h.closed[0].reason.message.find("r0m30myr0m30"), std::string::npos);
}

TEST(ClientStream, AnswersAckRequestsWithInboundCount) {
  StreamHarness h;
  h.login();
  h.drain();
  h.feed("<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true'/>");
  h.feed("<message from='romeo@example.net/o' type='chat'><body>1</body></message>");
  h.feed("<presence from='romeo@example.net/o'/>");
  h.feed("<r xmlns='urn:xmpp:sm:3'/>");
  EXPECT_EQ(h.drain(), "<a xmlns='urn:xmpp:sm:3' h='2'/>");
  EXPECT_EQ(h.received.size(), 2u);
  EXPECT_TRUE(h.stream.can_resume());
}

TEST(ClientStream, StanzasBeforeEnabledAreNotCounted) {
  StreamHarness h;
  h.login();
  h.drain();
  // Sent by the server before it handled our <enable/>: it does not count it, nor may we.
  h.feed("<message from='romeo@example.net/o' type='chat'><body>early</body></message>");
  h.feed("<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true'/>");
  h.feed("<message from='romeo@example.net/o' type='chat'><body>late</body></message>");
  h.feed("<r xmlns='urn:xmpp:sm:3'/>");
  EXPECT_EQ(h.drain(), "<a xmlns='urn:xmpp:sm:3' h='1'/>");
  EXPECT_EQ(h.received.size(), 2u);
}

TEST(ClientStream, AcksDropFromTheUnackedQueue) {
  StreamHarness h;
  h.login();
  h.drain();
  h.feed("<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true'/>");
  for (int i = 0; i < 3; ++i) {
    h.stream.send(h.message(std::to_string(i)), h.now);
  }
  EXPECT_EQ(h.stream.unacked(), 3u);
  h.drain();
  // The ack request goes out after ack_delay (or at once after ack_every stanzas).
  ASSERT_TRUE(h.stream.next_deadline());
  h.now += 200ms;
  h.stream.on_timer(h.now);
  EXPECT_EQ(h.drain(), "<r xmlns='urn:xmpp:sm:3'/>");
  h.feed("<a xmlns='urn:xmpp:sm:3' h='2'/>");
  EXPECT_EQ(h.stream.unacked(), 1u);
  h.feed("<a xmlns='urn:xmpp:sm:3' h='3'/>");
  EXPECT_EQ(h.stream.unacked(), 0u);
}

TEST(ClientStream, AckForMoreThanWasSentIsAStreamError) {
  StreamHarness h;
  h.login();
  h.drain();
  h.stream.send(h.message("x"), h.now);
  h.drain();
  h.feed("<a xmlns='urn:xmpp:sm:3' h='5'/>");
  EXPECT_NE(h.drain().find("undefined-condition"), std::string::npos);
  ASSERT_EQ(h.closed.size(), 1u);
  EXPECT_EQ(h.closed[0].reason.code, Errc::bad_server_response);
}

TEST(ClientStream, ResumeResendsOnlyWhatTheServerDidNotGet) {
  StreamHarness h;
  h.login();
  h.drain();
  h.feed("<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true'/>");
  h.feed("<message from='romeo@example.net/o' type='chat'><body>in</body></message>");
  for (int i = 1; i <= 4; ++i) {
    h.stream.send(h.message("m" + std::to_string(i)), h.now);
  }
  h.drain();
  h.stream.connection_lost("reset by peer", h.now);
  h.drain();
  ASSERT_EQ(h.closed.size(), 1u);
  EXPECT_TRUE(h.closed[0].retry);
  h.stream.send(h.message("m5"), h.now);  // while offline: queued
  EXPECT_EQ(h.stream.unacked(), 5u);

  // Reconnect: TLS, SASL, then resume instead of bind.
  h.authenticate();
  h.drain();
  h.feed(kServerHeader);
  h.feed(kBindFeatures);
  EXPECT_EQ(h.drain(), "<resume xmlns=\"urn:xmpp:sm:3\" previd=\"sm-1\" h=\"1\"/>");
  h.feed("<resumed xmlns='urn:xmpp:sm:3' previd='sm-1' h='2'/>");
  const std::string resent = h.drain();
  EXPECT_EQ(resent.find(">m1<"), std::string::npos);
  EXPECT_EQ(resent.find(">m2<"), std::string::npos);
  EXPECT_NE(resent.find(">m3<"), std::string::npos);
  EXPECT_NE(resent.find(">m4<"), std::string::npos);
  EXPECT_NE(resent.find(">m5<"), std::string::npos);
  EXPECT_LT(resent.find(">m3<"), resent.find(">m5<"));
  ASSERT_EQ(h.onlines.size(), 2u);
  EXPECT_TRUE(h.onlines[1].resumed);
  EXPECT_EQ(h.stream.unacked(), 3u);
}

TEST(ClientStream, FailedResumeSendsMessagesAgainInANewSessionButNotOldIqs) {
  StreamHarness h;
  h.login();
  h.drain();
  h.feed("<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true'/>");
  h.stream.send(h.message("keep-1"), h.now);
  xml::Element iq("iq", "jabber:client");
  iq.set_attr("type", "get").set_attr("id", "roster-1").add("query", "jabber:iq:roster");
  h.stream.send(iq, h.now);
  h.stream.send(h.message("keep-2"), h.now);
  h.drain();
  h.stream.connection_lost("timeout", h.now);
  h.authenticate();
  h.feed(kServerHeader);
  h.feed(kBindFeatures);
  h.drain();
  h.feed(
      "<failed xmlns='urn:xmpp:sm:3' h='1'><item-not-found "
      "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>");
  const std::string bind = h.drain();
  EXPECT_NE(bind.find("xmpp-bind"), std::string::npos);
  h.feed(
      "<iq type='result' id='id2'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
      "<jid>juliet@example.net/balcony</jid></bind></iq>");
  const std::string after = h.drain();
  EXPECT_EQ(after.find(">keep-1<"), std::string::npos) << "acked by <failed h='1'/>";
  EXPECT_NE(after.find(">keep-2<"), std::string::npos);
  EXPECT_EQ(after.find("roster-1"), std::string::npos) << "an old session's IQ is dropped";
  ASSERT_EQ(h.onlines.size(), 2u);
  EXPECT_FALSE(h.onlines[1].resumed);
  EXPECT_EQ(h.stream.unacked(), 1u);
}

TEST(ClientStream, FailedResumeWithoutAckKeepsEveryMessageIntact) {
  StreamHarness h;
  h.login();
  h.drain();
  h.feed("<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true'/>");
  h.stream.send(h.message("first"), h.now);
  h.stream.send(h.message("second"), h.now);
  h.drain();
  h.stream.connection_lost("reset", h.now);
  h.authenticate();
  h.feed(kServerHeader);
  h.feed(kBindFeatures);
  h.drain();
  h.feed("<failed xmlns='urn:xmpp:sm:3'/>");
  h.drain();
  h.feed(
      "<iq type='result' id='id2'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
      "<jid>juliet@example.net/balcony</jid></bind></iq>");
  const std::string after = h.drain();
  EXPECT_NE(after.find("<message to=\"romeo@example.net\" type=\"chat\"><body>first</body>"),
            std::string::npos)
      << after;
  EXPECT_NE(after.find("<body>second</body>"), std::string::npos) << after;
  EXPECT_EQ(h.stream.unacked(), 2u);
}

TEST(ClientStream, WithoutStreamManagementNothingStaysQueuedOnline) {
  StreamHarness h;
  h.login(false);
  h.drain();
  h.stream.send(h.message("x"), h.now);
  EXPECT_NE(h.drain().find(">x<"), std::string::npos);
  EXPECT_EQ(h.stream.unacked(), 0u);
  EXPECT_FALSE(h.stream.can_resume());
}

TEST(ClientStream, IdleConnectionIsProbedAndDeclaredDead) {
  StreamHarness h;
  h.login(false);
  h.drain();
  h.now += 30s;
  h.stream.on_timer(h.now);
  const std::string ping = h.drain();
  EXPECT_NE(ping.find("<ping xmlns='urn:xmpp:ping'/>"), std::string::npos);  // XEP-0199
  h.now += 14s;
  h.stream.on_timer(h.now);
  EXPECT_TRUE(h.closed.empty());
  h.now += 1s;
  h.stream.on_timer(h.now);
  h.drain();
  ASSERT_EQ(h.closed.size(), 1u);
  EXPECT_EQ(h.closed[0].reason.code, Errc::connection_lost);
  EXPECT_TRUE(h.closed[0].retry);
}

TEST(ClientStream, AnyTrafficKeepsTheConnectionAlive) {
  StreamHarness h;
  h.login();
  h.drain();
  h.now += 30s;
  h.stream.on_timer(h.now);
  EXPECT_EQ(h.drain(), "<r xmlns='urn:xmpp:sm:3'/>");
  h.now += 5s;
  h.feed("<a xmlns='urn:xmpp:sm:3' h='0'/>");
  h.now += 20s;
  h.stream.on_timer(h.now);
  h.drain();
  EXPECT_TRUE(h.closed.empty());
}

TEST(ClientStream, LoginStepTimeout) {
  StreamHarness h;
  h.stream.start(h.now);
  h.feed(kServerHeader);
  h.now += 21s;
  h.stream.on_timer(h.now);
  h.drain();
  ASSERT_EQ(h.closed.size(), 1u);
  EXPECT_EQ(h.closed[0].reason.code, Errc::timeout);
}

TEST(ClientStream, StreamErrorEndsWithConditionAndText) {
  StreamHarness h;
  h.login();
  h.drain();
  h.feed(
      "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
      "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>Replaced by new connection</text>"
      "</stream:error>");
  h.drain();
  ASSERT_EQ(h.closed.size(), 1u);
  EXPECT_EQ(h.closed[0].reason.code, Errc::stream_error);
  EXPECT_FALSE(h.closed[0].retry);
  EXPECT_NE(h.closed[0].reason.message.find("conflict"), std::string::npos);
  EXPECT_NE(h.closed[0].reason.message.find("Replaced by new connection"), std::string::npos);
}

TEST(ClientStream, SystemShutdownIsRetried) {
  StreamHarness h;
  h.login();
  h.drain();
  h.feed(
      "<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
      "</stream:error>");
  h.drain();
  ASSERT_EQ(h.closed.size(), 1u);
  EXPECT_TRUE(h.closed[0].retry);
}

TEST(ClientStream, BadXmlFromServerSendsStreamErrorAndCloses) {
  StreamHarness h;
  h.login();
  h.drain();
  h.stream.send(h.message("queued"), h.now);
  h.drain();
  h.feed("<message><body>x</mess>");
  const std::string written = h.drain();
  EXPECT_NE(written.find("<not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"),
            std::string::npos);
  EXPECT_NE(written.find("</stream:stream>"), std::string::npos);
  ASSERT_EQ(h.closed.size(), 1u);
  EXPECT_EQ(h.closed[0].reason.code, Errc::xml_error);
  EXPECT_NE(h.closed[0].reason.message.find("mismatched tag"), std::string::npos);
  EXPECT_EQ(h.stream.unacked(), 1u) << "an unacked message is kept, not dropped";
}

TEST(ClientStream, DoctypeFromServerIsRestrictedXml) {
  StreamHarness h;
  h.stream.start(h.now);
  h.drain();
  h.feed("<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]>");
  EXPECT_NE(h.drain().find("<restricted-xml"), std::string::npos);
  ASSERT_EQ(h.closed.size(), 1u);
}

TEST(ClientStream, ServerClosingTheStreamIsAnsweredAndRetried) {
  StreamHarness h;
  h.login();
  h.drain();
  h.feed("</stream:stream>");
  EXPECT_EQ(h.drain(), "</stream:stream>");
  ASSERT_EQ(h.closed.size(), 1u);
  EXPECT_TRUE(h.closed[0].retry);
}

TEST(ClientStream, GracefulCloseWaitsForTheServer) {
  StreamHarness h;
  h.login();
  h.drain();
  h.stream.close(h.now);
  EXPECT_NE(h.drain().find("</stream:stream>"), std::string::npos);
  EXPECT_TRUE(h.closed.empty());
  h.feed("</stream:stream>");
  h.drain();
  ASSERT_EQ(h.closed.size(), 1u);
  EXPECT_EQ(h.closed[0].reason.code, Errc::closed);
  EXPECT_FALSE(h.stream.can_resume());
}

TEST(ClientStream, BindConflictIsReported) {
  StreamHarness h;
  h.authenticate();
  h.feed(kServerHeader);
  h.feed(kBindFeatures);
  h.feed(
      "<iq type='error' id='id1'><error type='cancel'><conflict "
      "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
  h.drain();
  ASSERT_EQ(h.closed.size(), 1u);
  EXPECT_EQ(h.closed[0].reason.code, Errc::bind_failed);
  EXPECT_NE(h.closed[0].reason.message.find("conflict"), std::string::npos);
}

TEST(ClientStream, EverySplitOfInboundStanzasGivesTheSameResult) {
  const std::string in =
      "<message from='a@b/c' type='chat'><body>hello</body></message>"
      "<r xmlns='urn:xmpp:sm:3'/>";
  for (std::size_t cut = 1; cut < in.size(); ++cut) {
    StreamHarness h;
    h.login();
    h.drain();
    h.feed("<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true'/>");
    h.feed(in.substr(0, cut));
    h.feed(in.substr(cut));
    EXPECT_EQ(h.drain(), "<a xmlns='urn:xmpp:sm:3' h='1'/>") << "cut " << cut;
    ASSERT_EQ(h.received.size(), 1u);
    EXPECT_EQ(h.received[0].child_text("body", ""), "hello");
  }
}

}  // namespace
}  // namespace jcall::signaling::xmpp
