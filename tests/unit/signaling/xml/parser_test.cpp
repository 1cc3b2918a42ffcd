// RFC 6120 §4, §11: streaming parse, restricted XML, limits; serializer round trips.
#include "signaling/xml/parser.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "signaling/xml/serializer.hpp"

namespace jcall::signaling::xml {
namespace {

constexpr std::string_view kOpen =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='s1' version='1.0'>";

struct Parsed {
  std::vector<Event> events;
  std::optional<Error> error;
};

Parsed parse_in_chunks(std::string_view doc,
                       const std::vector<std::size_t>& cuts,
                       Limits limits = {}) {
  StreamParser parser(limits);
  Parsed out;
  std::size_t pos = 0;
  auto feed = [&](std::string_view part) {
    if (out.error) {
      return;
    }
    if (auto r = parser.feed(part); !r) {
      out.error = r.error();
    }
    while (parser.has_event()) {
      out.events.push_back(parser.next());
    }
  };
  for (std::size_t cut : cuts) {
    feed(doc.substr(pos, cut - pos));
    pos = cut;
  }
  feed(doc.substr(pos));
  return out;
}

Parsed parse(std::string_view doc, Limits limits = {}) {
  return parse_in_chunks(doc, {}, limits);
}

std::vector<Element> stanzas(const Parsed& p) {
  std::vector<Element> out;
  for (const auto& e : p.events) {
    if (const auto* el = std::get_if<Element>(&e)) {
      out.push_back(*el);
    }
  }
  return out;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(XmlParser, StreamOpenStanzaAndClose) {
  const std::string doc = std::string(kOpen) +
                          "<message to='a@b' type='chat'><body>hi &amp; &lt;3</body></message>"
                          "</stream:stream>";
  const Parsed p = parse(doc);
  ASSERT_FALSE(p.error) << p.error->message;
  ASSERT_EQ(p.events.size(), 3u);
  const auto& open = std::get<StreamOpen>(p.events[0]);
  EXPECT_EQ(open.attr("id"), "s1");
  EXPECT_EQ(open.attr("version"), "1.0");
  const auto& msg = std::get<Element>(p.events[1]);
  EXPECT_TRUE(msg.is("message", "jabber:client"));
  EXPECT_EQ(msg.attr("to"), "a@b");
  EXPECT_EQ(msg.child_text("body", ""), "hi & <3");
  EXPECT_TRUE(std::holds_alternative<StreamClose>(p.events[2]));
}

TEST(XmlParser, ResolvesPrefixedNamespacesAndXmlLang) {
  const std::string doc = std::string(kOpen) +
                          "<iq type='set' id='1' xml:lang='de'><x:q xmlns:x='urn:t' "
                          "xmlns:y='urn:y' y:flag='1'><x:item/></x:q></iq>";
  const Parsed p = parse(doc);
  ASSERT_FALSE(p.error);
  const auto st = stanzas(p);
  ASSERT_EQ(st.size(), 1u);
  const Element& iq = st[0];
  const Attribute* lang = iq.find_attr("lang", kXmlNs);
  ASSERT_NE(lang, nullptr);
  EXPECT_EQ(lang->value, "de");
  const Element* q = iq.child("q", "urn:t");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->find_attr("flag", "urn:y")->value, "1");
  EXPECT_NE(q->child("item", "urn:t"), nullptr);
}

TEST(XmlParser, StreamRestartStartsAFreshDocument) {
  StreamParser parser;
  ASSERT_TRUE(
      parser.feed(std::string(kOpen) + "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"));
  ASSERT_EQ(parser.pending_events(), 2u);
  parser.reset();
  EXPECT_EQ(parser.pending_events(), 0u);
  ASSERT_TRUE(parser.feed(std::string(kOpen) + "<features/>"));
  ASSERT_EQ(parser.pending_events(), 2u);
  EXPECT_TRUE(std::holds_alternative<StreamOpen>(parser.next()));
}

TEST(XmlParser, RejectsWrongRoot) {
  const Parsed p = parse("<stream xmlns='jabber:client'>");
  ASSERT_TRUE(p.error);
  EXPECT_EQ(p.error->code, Errc::invalid_namespace);
}

TEST(XmlParser, NotWellFormedGivesPositionAndReason) {
  const Parsed p = parse(std::string(kOpen) + "<message><body>x</message>");
  ASSERT_TRUE(p.error);
  EXPECT_EQ(p.error->code, Errc::not_well_formed);
  EXPECT_NE(p.error->message.find("mismatched tag"), std::string::npos) << p.error->message;
  EXPECT_NE(p.error->message.find("line 1"), std::string::npos);
}

TEST(XmlParser, StaysFailedAfterError) {
  StreamParser parser;
  ASSERT_FALSE(parser.feed("<a><</a>"));
  EXPECT_TRUE(parser.failed());
  EXPECT_FALSE(parser.feed(std::string(kOpen)));
}

TEST(XmlParser, RefusesDoctype) {
  const Parsed p = parse("<?xml version='1.0'?><!DOCTYPE stream [<!ELEMENT stream ANY>]>" +
                         std::string(kOpen).substr(21));
  ASSERT_TRUE(p.error);
  EXPECT_EQ(p.error->code, Errc::restricted_xml);
}

TEST(XmlParser, BillionLaughsIsHarmless) {
  std::string bomb = "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>";
  for (int i = 1; i < 10; ++i) {
    bomb += "<!ENTITY lol" + std::to_string(i) + " '";
    for (int k = 0; k < 10; ++k) {
      bomb += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
    }
    bomb += "'>";
  }
  bomb += "]><stream:stream xmlns:stream='http://etherx.jabber.org/streams'><m>&lol9;</m>";
  const Parsed p = parse(bomb);
  ASSERT_TRUE(p.error);
  EXPECT_EQ(p.error->code, Errc::restricted_xml);
  EXPECT_TRUE(stanzas(p).empty());
}

TEST(XmlParser, UndefinedEntityReferenceIsRefused) {
  const Parsed p = parse(std::string(kOpen) + "<message><body>&xxe;</body></message>");
  ASSERT_TRUE(p.error);
  EXPECT_EQ(p.error->code, Errc::restricted_xml);
}

TEST(XmlParser, RefusesCommentsAndProcessingInstructions) {
  const Parsed c = parse(std::string(kOpen) + "<message><!-- hi --></message>");
  ASSERT_TRUE(c.error);
  EXPECT_EQ(c.error->code, Errc::restricted_xml);
  const Parsed pi = parse(std::string(kOpen) + "<message><?php x?></message>");
  ASSERT_TRUE(pi.error);
  EXPECT_EQ(pi.error->code, Errc::restricted_xml);
}

TEST(XmlParser, OversizedStanzaIsPolicyViolation) {
  Limits limits;
  limits.max_stanza_bytes = 1024;
  const std::string doc =
      std::string(kOpen) + "<message><body>" + std::string(4000, 'x') + "</body></message>";
  const Parsed p = parse(doc, limits);
  ASSERT_TRUE(p.error);
  EXPECT_EQ(p.error->code, Errc::policy_violation);
}

TEST(XmlParser, EndlessStanzaIsCutAtTheLimitWhateverTheChunking) {
  Limits limits;
  limits.max_stanza_bytes = 64 * 1024;
  StreamParser parser(limits);
  ASSERT_TRUE(parser.feed(std::string(kOpen) + "<message><body>"));
  const std::string chunk(4096, 'a');
  bool failed = false;
  std::size_t fed = 0;
  for (int i = 0; i < 1000 && !failed; ++i) {  // would be 4 MB
    failed = !parser.feed(chunk);
    fed += chunk.size();
  }
  EXPECT_TRUE(failed);
  EXPECT_LE(fed, limits.max_stanza_bytes + 2 * chunk.size());
}

TEST(XmlParser, EndlessAttributeAtStreamLevelIsCut) {
  Limits limits;
  limits.max_stanza_bytes = 8 * 1024;
  StreamParser parser(limits);
  ASSERT_TRUE(parser.feed("<stream:stream xmlns:stream='http://etherx.jabber.org/streams' id='"));
  bool failed = false;
  for (int i = 0; i < 100 && !failed; ++i) {
    failed = !parser.feed(std::string(1024, 'b'));
  }
  EXPECT_TRUE(failed);
}

TEST(XmlParser, TooDeep) {
  Limits limits;
  limits.max_depth = 8;
  std::string doc = std::string(kOpen) + "<message>";
  for (int i = 0; i < 10; ++i) {
    doc += "<x>";
  }
  const Parsed p = parse(doc, limits);
  ASSERT_TRUE(p.error);
  EXPECT_EQ(p.error->code, Errc::policy_violation);
  EXPECT_NE(p.error->message.find("deeper"), std::string::npos);
}

TEST(XmlParser, TooManyAttributes) {
  Limits limits;
  limits.max_attributes = 4;
  const Parsed p = parse(std::string(kOpen) + "<message a='1' b='2' c='3' d='4' e='5'/>", limits);
  ASSERT_TRUE(p.error);
  EXPECT_EQ(p.error->code, Errc::policy_violation);
}

TEST(XmlParser, TextLimit) {
  Limits limits;
  limits.max_text_bytes = 100;
  const Parsed p = parse(
      std::string(kOpen) + "<message><body>" + std::string(200, 'y') + "</body></message>", limits);
  ASSERT_TRUE(p.error);
  EXPECT_EQ(p.error->code, Errc::policy_violation);
}

TEST(XmlParser, InvalidUtf8IsNotWellFormed) {
  const Parsed p = parse(std::string(kOpen) + "<message><body>\xC3\x28</body></message>");
  ASSERT_TRUE(p.error);
  EXPECT_EQ(p.error->code, Errc::not_well_formed);
}

TEST(XmlSerializer, EscapesAndWritesNamespacesMinimally) {
  Element msg("message", "jabber:client");
  msg.set_attr("to", "a\"b'<c>&").set_attr_ns("lang", kXmlNs, "en");
  msg.add_text_child("body", "", "1 < 2 & 3 > 2\r\n");
  msg.add("active", "http://jabber.org/protocol/chatstates");
  msg.add("x", "urn:a").set_attr_ns("k", "urn:other", "v");
  EXPECT_EQ(to_string(msg, "jabber:client"),
            "<message to=\"a&quot;b&apos;&lt;c&gt;&amp;\" xml:lang=\"en\">"
            "<body>1 &lt; 2 &amp; 3 &gt; 2&#xD;\n</body>"
            "<active xmlns=\"http://jabber.org/protocol/chatstates\"/>"
            "<x xmlns=\"urn:a\" xmlns:a0=\"urn:other\" a0:k=\"v\"/></message>");
}

TEST(XmlSerializer, ReplacesCharactersXmlCannotCarry) {
  Element body("body", "jabber:client");
  body.text = std::string("a\x01") + "b\xFF" + "c\xED\xA0\x80";  // control, bad byte, surrogate
  const std::string out = to_string(body, "jabber:client");
  EXPECT_EQ(out,
            "<body>a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD"
            "c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD</body>");
  // And what we write always parses.
  const Parsed p = parse(std::string(kOpen) + out);
  EXPECT_FALSE(p.error);
}

TEST(XmlSerializer, RoundTripThroughParser) {
  Element iq("iq", "jabber:client");
  iq.set_attr("type", "set").set_attr("id", "x&y");
  Element& q = iq.add("query", "jabber:iq:roster");
  q.add("item", "").set_attr("jid", "romeo@example.net").add_text_child("group", "", "Friends");
  const Parsed p = parse(std::string(kOpen) + to_string(iq, "jabber:client"));
  ASSERT_FALSE(p.error);
  ASSERT_EQ(stanzas(p).size(), 1u);
  EXPECT_EQ(stanzas(p)[0], iq);
}

// Every fixture (the XEPs' and RFCs' own example stanzas, and real captures), fed split at
// every byte position, gives the same trees as fed whole; serializing and parsing again gives
// the same trees too.
void check_every_split(const std::filesystem::path& path) {
  SCOPED_TRACE(path.string());
  const std::string doc = std::string(kOpen) + read_file(path);
  const Parsed whole = parse(doc);
  ASSERT_FALSE(whole.error) << whole.error->message;
  const auto expected = stanzas(whole);
  ASSERT_FALSE(expected.empty());
  for (std::size_t cut = 1; cut < doc.size(); ++cut) {
    const Parsed split = parse_in_chunks(doc, {cut});
    ASSERT_FALSE(split.error) << "split at " << cut;
    ASSERT_EQ(stanzas(split), expected) << "split at " << cut;
  }
  std::string again(kOpen);
  for (const auto& st : expected) {
    write(again, st, "jabber:client");
  }
  const Parsed reparsed = parse(again);
  ASSERT_FALSE(reparsed.error) << reparsed.error->message;
  EXPECT_EQ(stanzas(reparsed), expected);
}

TEST(XmlFixtures, EverySplitGivesTheSameTree) {
  namespace fs = std::filesystem;
  std::size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(JCALL_FIXTURES_DIR)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".xml") {
      continue;
    }
    ++files;
    check_every_split(entry.path());
  }
  EXPECT_GE(files, 40u) << "fixtures missing from " << JCALL_FIXTURES_DIR;

  // Real StanzaJS captures (single-line stanzas, already xmlns="jabber:client") from the shared
  // interop tree checked out next to this one (in CI too); the *.pretty.xml copies are skipped.
  std::size_t captures = 0;
  const fs::path captures_dir(JCALL_CAPTURES_DIR);
  ASSERT_TRUE(fs::is_directory(captures_dir)) << "StanzaJS captures missing at " << captures_dir;
  for (const auto& entry : fs::recursive_directory_iterator(captures_dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || entry.path().extension() != ".xml" ||
        name.ends_with(".pretty.xml")) {
      continue;
    }
    ++captures;
    check_every_split(entry.path());
  }
  EXPECT_GT(captures, 0u) << "no captures in " << captures_dir;
  RecordProperty("fixtures", static_cast<int>(files));
  RecordProperty("captures", static_cast<int>(captures));
}

}  // namespace
}  // namespace jcall::signaling::xml
