// XEP-0115 §5 and XEP-0030 §3.1 as used for calls: what jcall announces (Jingle RTP and
// XEP-0353, so a caller knows it may send a propose to a full JID), and reading a peer's
// disco#info answer back into the same 'ver' (the cache key of Client::peer_features()).
#include "signaling/xmpp/caps.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "signaling/xml/parser.hpp"

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

TEST(CapsForCalls, JcallAnnouncesJingleRtpAndMessageInitiation) {
  const DiscoInfo info = jcall_disco_info();
  for (const char* f :
       {"urn:xmpp:jingle:1", "urn:xmpp:jingle:apps:rtp:1", "urn:xmpp:jingle:apps:rtp:audio",
        "urn:xmpp:jingle:apps:rtp:video", "urn:xmpp:jingle:transports:ice-udp:1",
        "urn:xmpp:jingle:apps:dtls:0", "urn:xmpp:jingle:apps:grouping:0",
        "urn:xmpp:jingle:apps:rtp:rtcp-fb:0", "urn:xmpp:jingle:apps:rtp:rtp-hdrext:0",
        "urn:xmpp:jingle:apps:rtp:ssma:0", "urn:xmpp:jingle-message:0"}) {
    EXPECT_TRUE(has_feature(info, f)) << f;
  }
  // §5.1 step 5: the same feature twice would make a different (and unverifiable) hash.
  auto features = info.features;
  std::sort(features.begin(), features.end());
  EXPECT_EQ(std::adjacent_find(features.begin(), features.end()), features.end());
}

TEST(CapsForCalls, ParsedAnswerHashesToTheAnnouncedVer) {
  // Xep-0115 §5.3 complex example, as a disco#info answer (identities with xml:lang, a form).
  const xml::Element query = parse_one(R"(<query xmlns='http://jabber.org/protocol/disco#info'
      node='http://psi-im.org#q07IKJEyjvHSyhy//CH0CxmKi8w='>
    <identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>
    <identity xml:lang='el' category='client' name='Ψ 0.11' type='pc'/>
    <feature var='http://jabber.org/protocol/caps'/>
    <feature var='http://jabber.org/protocol/disco#info'/>
    <feature var='http://jabber.org/protocol/disco#items'/>
    <feature var='http://jabber.org/protocol/muc'/>
    <x xmlns='jabber:x:data' type='result'>
      <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>
      <field var='ip_version' type='text-multi'><value>ipv4</value><value>ipv6</value></field>
      <field var='os'><value>Mac</value></field>
      <field var='os_version'><value>10.5.1</value></field>
      <field var='software'><value>Psi</value></field>
      <field var='software_version'><value>0.11</value></field>
    </x></query>)");
  const DiscoInfo info = parse_disco_info(query);
  ASSERT_EQ(info.identities.size(), 2u);
  EXPECT_EQ(info.identities[0].lang, "en");
  EXPECT_EQ(info.identities[1].name, "Ψ 0.11");
  EXPECT_EQ(info.features.size(), 4u);
  ASSERT_EQ(info.extensions.size(), 1u);
  EXPECT_EQ(caps_verification(info), "q07IKJEyjvHSyhy//CH0CxmKi8w=");
  EXPECT_FALSE(has_feature(info, "urn:xmpp:jingle-message:0"));
}

TEST(CapsForCalls, JcallsOwnAnswerRoundTrips) {
  // What Client answers to disco#info (identity and features), parsed back.
  const DiscoInfo mine = jcall_disco_info();
  std::string xml = "<query xmlns='http://jabber.org/protocol/disco#info'>";
  for (const auto& i : mine.identities) {
    xml += "<identity category='" + i.category + "' type='" + i.type + "' name='" + i.name + "'/>";
  }
  for (const auto& f : mine.features) {
    xml += "<feature var='" + f + "'/>";
  }
  xml += "</query>";
  const DiscoInfo parsed = parse_disco_info(parse_one(xml));
  EXPECT_EQ(caps_verification(parsed), caps_verification(mine));
  EXPECT_TRUE(has_feature(parsed, "urn:xmpp:jingle-message:0"));
}

}  // namespace
}  // namespace jcall::signaling::xmpp
