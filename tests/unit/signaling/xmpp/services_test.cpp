// XEP-0115 §5.2/§5.3 caps, RFC 7622 JIDs, RFC 2782 SRV ordering, reconnect backoff, and the
// parsers of the client services (RFC 6121 roster items, XEP-0215 services, messages).
#include <gtest/gtest.h>

#include "signaling/xml/parser.hpp"
#include "signaling/xmpp/caps.hpp"
#include "signaling/xmpp/client.hpp"
#include "signaling/xmpp/connection.hpp"
#include "signaling/xmpp/jid.hpp"
#include "signaling/xmpp/srv.hpp"

namespace jcall::signaling::xmpp {
namespace {

xml::Element parse_one(std::string_view stanza) {
  xml::StreamParser p;
  const std::string doc =
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>" +
      std::string(stanza);
  EXPECT_TRUE(p.feed(doc));
  EXPECT_EQ(p.pending_events(), 2u);
  p.next();
  return std::get<xml::Element>(p.next());
}

TEST(Caps, Xep0115SimpleExample) {
  DiscoInfo info;
  info.identities.push_back({"client", "pc", "", "Exodus 0.9.1"});
  info.features = {"http://jabber.org/protocol/disco#info", "http://jabber.org/protocol/caps",
                   "http://jabber.org/protocol/disco#items", "http://jabber.org/protocol/muc"};
  EXPECT_EQ(caps_verification_input(info),
            "client/pc//Exodus 0.9.1<http://jabber.org/protocol/caps<"
            "http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<"
            "http://jabber.org/protocol/muc<");
  EXPECT_EQ(caps_verification(info), "QgayPKawpkPSDYmwT/WM94uAlu0=");
}

TEST(Caps, Xep0115ComplexExampleWithExtendedForm) {
  const xml::Element query = parse_one(R"(<query xmlns='http://jabber.org/protocol/disco#info'>
    <x xmlns='jabber:x:data' type='result'>
      <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>
      <field var='ip_version' type='text-multi'><value>ipv4</value><value>ipv6</value></field>
      <field var='os'><value>Mac</value></field>
      <field var='os_version'><value>10.5.1</value></field>
      <field var='software'><value>Psi</value></field>
      <field var='software_version'><value>0.11</value></field>
    </x></query>)");
  DiscoInfo info;
  info.identities.push_back({"client", "pc", "en", "Psi 0.11"});
  info.identities.push_back({"client", "pc", "el", "Ψ 0.11"});
  info.features = {"http://jabber.org/protocol/caps", "http://jabber.org/protocol/disco#info",
                   "http://jabber.org/protocol/disco#items", "http://jabber.org/protocol/muc"};
  info.extensions.push_back(query.children.at(0));
  EXPECT_EQ(caps_verification(info), "q07IKJEyjvHSyhy//CH0CxmKi8w=");
}

TEST(Caps, JcallAnnouncesWhatItAnswers) {
  const DiscoInfo info = jcall_disco_info();
  const auto has = [&](std::string_view f) {
    return std::find(info.features.begin(), info.features.end(), f) != info.features.end();
  };
  EXPECT_TRUE(has("urn:xmpp:receipts"));
  EXPECT_TRUE(has("http://jabber.org/protocol/chatstates"));
  EXPECT_TRUE(has("urn:xmpp:ping"));
  EXPECT_EQ(caps_verification(info).size(), 28u);
}

TEST(Jid, ParsesAllForms) {
  auto full = Jid::parse("Juliet@Example.COM/balcony/with/slashes");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->local(), "Juliet");
  EXPECT_EQ(full->domain(), "example.com");
  EXPECT_EQ(full->resource(), "balcony/with/slashes");
  EXPECT_EQ(full->bare_str(), "Juliet@example.com");
  auto domain = Jid::parse("example.com.");
  ASSERT_TRUE(domain);
  EXPECT_EQ(domain->str(), "example.com");
  EXPECT_TRUE(domain->is_bare());
}

TEST(Jid, RejectsMalformed) {
  for (const char* bad :
       {"", "@example.com", "a@", "a@b/", "/r", "a b@c", "a@b@c", "a@exa mple.com"}) {
    EXPECT_FALSE(Jid::parse(bad)) << bad;
  }
  EXPECT_FALSE(Jid::parse(std::string(1024, 'a') + "@b"));
}

TEST(Srv, OrdersByPriorityThenWeight) {
  std::mt19937 rng(42);
  std::vector<SrvRecord> records = {
      {20, 0, 5222, "backup.example"}, {10, 60, 5222, "a.example"}, {10, 40, 5223, "b.example"}};
  const auto targets = order_srv(records, false, rng);
  ASSERT_EQ(targets.size(), 3u);
  EXPECT_EQ(targets[2].host, "backup.example");
  EXPECT_NE(targets[0].host, "backup.example");
  // Over many draws the weight shares show up (60:40).
  int a_first = 0;
  for (int i = 0; i < 2000; ++i) {
    if (order_srv(records, false, rng)[0].host == "a.example") {
      ++a_first;
    }
  }
  EXPECT_GT(a_first, 1000);
  EXPECT_LT(a_first, 1400);
}

TEST(Srv, DotTargetMeansNoService) {
  std::mt19937 rng(1);
  EXPECT_TRUE(order_srv({{0, 0, 0, "."}}, false, rng).empty());
}

TEST(Srv, ParsesAWireFormatAnswer) {
  // A DNS response for _xmpp-client._tcp.example.com with one SRV answer
  // (priority 5, weight 10, port 5222, target xmpp.example.com).
  const unsigned char answer[] = {
      0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
      // question
      0x0c, '_', 'x', 'm', 'p', 'p', '-', 'c', 'l', 'i', 'e', 'n', 't', 0x04, '_', 't', 'c', 'p',
      0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00, 0x00, 0x21, 0x00, 0x01,
      // answer: name pointer to offset 12, type SRV, class IN, ttl, rdlength
      0xc0, 0x0c, 0x00, 0x21, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x0d,
      // priority 5, weight 10, port 5222, target xmpp.example.com (pointer to "example.com")
      0x00, 0x05, 0x00, 0x0a, 0x14, 0x66, 0x04, 'x', 'm', 'p', 'p', 0xc0, 0x1e};
  const auto records = parse_srv_answer(answer, static_cast<int>(sizeof(answer)));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].priority, 5);
  EXPECT_EQ(records[0].weight, 10);
  EXPECT_EQ(records[0].port, 5222);
  EXPECT_EQ(records[0].target, "xmpp.example.com");
  EXPECT_TRUE(parse_srv_answer(answer, 20).empty()) << "truncated answer";
}

TEST(Backoff, GrowsExponentiallyWithJitterAndIsCapped) {
  std::mt19937 rng(7);
  using std::chrono::milliseconds;
  for (int attempt = 0; attempt < 10; ++attempt) {
    const auto d = backoff_delay(attempt, milliseconds(500), milliseconds(30000), rng);
    const auto full = std::min<std::int64_t>(30000, 500LL << attempt);
    EXPECT_GE(d.count(), full / 2) << attempt;
    EXPECT_LE(d.count(), full) << attempt;
  }
  EXPECT_LE(backoff_delay(1000, milliseconds(500), milliseconds(30000), rng).count(), 30000);
}

TEST(RosterItem, ParsesRfc6121Item) {
  const auto item = parse_one(
      "<item xmlns='jabber:iq:roster' jid='romeo@example.net/x' name='Romeo' "
      "subscription='both' ask='subscribe'><group>Friends</group><group>Lovers</group></item>");
  auto r = parse_roster_item(item);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->jid.str(), "romeo@example.net");
  EXPECT_EQ(r->name, "Romeo");
  EXPECT_EQ(r->subscription, "both");
  EXPECT_TRUE(r->ask);
  EXPECT_EQ(r->groups, (std::vector<std::string>{"Friends", "Lovers"}));
}

TEST(RosterItem, RejectsUnknownSubscription) {
  EXPECT_FALSE(parse_roster_item(
      parse_one("<item xmlns='jabber:iq:roster' jid='a@b' subscription='maybe'/>")));
  EXPECT_FALSE(parse_roster_item(parse_one("<item xmlns='jabber:iq:roster' jid='@b'/>")));
}

TEST(ExternalServices, ParsesTurnWithCredentials) {
  auto s = parse_external_service(parse_one(
      "<service xmlns='urn:xmpp:extdisco:2' type='turn' host='turn.example.com' port='3478' "
      "transport='udp' username='u1' password='p1' restricted='1' "
      "expires='2030-01-02T03:04:05Z'/>"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->type, "turn");
  EXPECT_EQ(s->port, 3478);
  EXPECT_EQ(s->username, "u1");
  EXPECT_EQ(s->password, "p1");
  EXPECT_TRUE(s->restricted);
  ASSERT_TRUE(s->expires);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*s->expires), 1893553445);
}

TEST(ExternalServices, BadFieldsAreErrorsNotZero) {
  EXPECT_FALSE(parse_external_service(
      parse_one("<service xmlns='urn:xmpp:extdisco:2' type='stun' host='h' port='x'/>")));
  EXPECT_FALSE(parse_external_service(
      parse_one("<service xmlns='urn:xmpp:extdisco:2' type='stun' host='h' port='70000'/>")));
  EXPECT_FALSE(parse_external_service(
      parse_one("<service xmlns='urn:xmpp:extdisco:2' type='stun' host='h' expires='soon'/>")));
  EXPECT_FALSE(
      parse_external_service(parse_one("<service xmlns='urn:xmpp:extdisco:2' type='stun'/>")));
}

TEST(ChatMessage, ReadsBodyStateReceiptRequestAndOriginId) {
  auto m = parse_chat_message(parse_one(
      "<message from='romeo@example.net/orchard' to='juliet@example.com/balcony' type='chat' "
      "id='m1'><body>Art thou not Romeo?</body><active "
      "xmlns='http://jabber.org/protocol/chatstates'/><request xmlns='urn:xmpp:receipts'/>"
      "<origin-id xmlns='urn:xmpp:sid:0' id='o1'/></message>"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->from.str(), "romeo@example.net/orchard");
  EXPECT_EQ(m->body, "Art thou not Romeo?");
  EXPECT_EQ(m->chat_state, "active");
  EXPECT_TRUE(m->receipt_requested);
  EXPECT_EQ(m->origin_id, "o1");
  EXPECT_EQ(m->id, "m1");
}

}  // namespace
}  // namespace jcall::signaling::xmpp
