#include "signaling/xml/parser.hpp"

#include <cstring>
#include <iterator>
#include <string>

#include <expat.h>

namespace jcall::signaling::xml {
namespace {

constexpr char kSep = '\x1F';  // namespace separator: cannot occur in a URI or a name
constexpr std::size_t kFeedSlice = 16 * 1024;  // limits are checked between slices

XML_Parser as_parser(void* p) {
  return static_cast<XML_Parser>(p);
}

// Splits Expat's "uri<sep>local" into namespace and local name.
void split_name(const char* full, std::string& ns, std::string& local) {
  const char* sep = std::strchr(full, kSep);
  if (sep == nullptr) {
    ns.clear();
    local.assign(full);
  } else {
    ns.assign(full, static_cast<std::size_t>(sep - full));
    local.assign(sep + 1);
  }
}

}  // namespace

std::optional<std::string_view> StreamOpen::attr(std::string_view n) const {
  for (const auto& a : attrs) {
    if (a.ns.empty() && a.name == n) {
      return a.value;
    }
  }
  return std::nullopt;
}

struct StreamParser::Callbacks {
  static StreamParser& self(void* user) { return *static_cast<StreamParser*>(user); }

  static void start(void* user, const XML_Char* name, const XML_Char** atts) noexcept {
    StreamParser& p = self(user);
    if (p.failed_) {
      return;
    }
    if (p.depth_ + 1 > p.limits_.max_depth) {
      p.fail(Errc::policy_violation,
             "XML nested deeper than " + std::to_string(p.limits_.max_depth) + " levels");
      return;
    }
    std::size_t count = 0;
    for (const XML_Char** a = atts; *a != nullptr; a += 2) {
      ++count;
    }
    if (count > p.limits_.max_attributes) {
      p.fail(Errc::policy_violation, "an element has " + std::to_string(count) +
                                         " attributes (limit " +
                                         std::to_string(p.limits_.max_attributes) + ")");
      return;
    }

    Element* el = nullptr;
    StreamOpen open;
    if (p.depth_ == 0) {
      std::string ns, local;
      split_name(name, ns, local);
      if (local != "stream" || ns != kStreamsNs) {
        p.fail(Errc::invalid_namespace, "the stream root is {" + ns + "}" + local + ", not {" +
                                            std::string(kStreamsNs) + "}stream");
        return;
      }
    } else {
      const std::size_t level = p.depth_ - 1;  // 0 for a stanza
      if (p.kids_.size() <= level) {
        p.kids_.resize(level + 1);  // moves the inner vectors: their elements stay put
        p.texts_.resize(level + 1);
      }
      if (level == 0) {
        p.stanza_ = Element();
        p.stack_.clear();
        p.stanza_start_ = p.byte_index();
        el = &p.stanza_;
      } else {
        if (!p.check_stanza_size()) {
          return;
        }
        // Stable while open: its siblings are added only after it ends.
        el = &p.kids_[level - 1].emplace_back();
      }
      p.kids_[level].clear();
      p.texts_[level].clear();
    }

    std::vector<Attribute>& attrs = el != nullptr ? el->attrs : open.attrs;
    if (count != 0) {
      attrs.reserve(count);
      for (const XML_Char** a = atts; *a != nullptr; a += 2) {
        Attribute& at = attrs.emplace_back();
        split_name(a[0], at.ns, at.name);
        at.value.assign(a[1]);
      }
    }
    if (el != nullptr) {
      split_name(name, el->ns, el->name);
      p.stack_.push_back(el);
    } else {
      p.events_.emplace_back(std::move(open));
      p.last_boundary_ = p.byte_index();
    }
    ++p.depth_;
  }

  static void end(void* user, const XML_Char* /*name*/) noexcept {
    StreamParser& p = self(user);
    if (p.failed_) {
      return;
    }
    --p.depth_;
    if (p.depth_ == 0) {
      p.events_.emplace_back(StreamClose{});
      return;
    }
    const std::size_t level = p.depth_ - 1;
    Element* el = p.stack_.back();
    p.stack_.pop_back();
    std::vector<Element>& kids = p.kids_[level];
    if (!kids.empty()) {
      el->children.assign(std::make_move_iterator(kids.begin()),
                          std::make_move_iterator(kids.end()));
      kids.clear();
    }
    std::string& t = p.texts_[level];
    if (!t.empty()) {
      // Whitespace between child elements is formatting, not content.
      if (el->children.empty() || t.find_first_not_of(" \t\r\n") != std::string::npos) {
        el->text.assign(t);
      }
      t.clear();
    }
    if (p.depth_ == 1) {
      if (!p.check_stanza_size()) {
        return;
      }
      p.events_.emplace_back(std::move(p.stanza_));
      p.stanza_ = Element();
      p.last_boundary_ = p.byte_index();
    }
  }

  static void text(void* user, const XML_Char* s, int len) noexcept {
    StreamParser& p = self(user);
    if (p.failed_ || p.stack_.empty()) {
      return;  // whitespace between stanzas (XEP-0198 keepalives) is ignored
    }
    std::string& t = p.texts_[p.stack_.size() - 1];
    if (t.size() + static_cast<std::size_t>(len) > p.limits_.max_text_bytes) {
      p.fail(Errc::policy_violation, "character data of one element exceeds " +
                                         std::to_string(p.limits_.max_text_bytes) + " bytes");
      return;
    }
    t.append(s, static_cast<std::size_t>(len));
  }

  static void doctype(void* user, const XML_Char*, const XML_Char*, const XML_Char*, int) noexcept {
    self(user).fail(Errc::restricted_xml, "the stream contains a document type declaration");
  }
  static void entity_decl(void* user,
                          const XML_Char*,
                          int,
                          const XML_Char*,
                          int,
                          const XML_Char*,
                          const XML_Char*,
                          const XML_Char*,
                          const XML_Char*) noexcept {
    self(user).fail(Errc::restricted_xml, "the stream declares an entity");
  }
  static void processing_instruction(void* user, const XML_Char*, const XML_Char*) noexcept {
    self(user).fail(Errc::restricted_xml, "the stream contains a processing instruction");
  }
  static void comment(void* user, const XML_Char*) noexcept {
    self(user).fail(Errc::restricted_xml, "the stream contains an XML comment");
  }
};

StreamParser::StreamParser(Limits limits) : limits_(limits) {
  create();
}

StreamParser::~StreamParser() {
  if (parser_ != nullptr) {
    XML_ParserFree(as_parser(parser_));
  }
}

void StreamParser::create() {
  XML_Parser p = parser_ == nullptr ? XML_ParserCreateNS("UTF-8", kSep) : as_parser(parser_);
  if (parser_ != nullptr) {
    XML_ParserReset(p, "UTF-8");
  }
  parser_ = p;
  XML_SetUserData(p, this);
  XML_SetElementHandler(p, &Callbacks::start, &Callbacks::end);
  XML_SetCharacterDataHandler(p, &Callbacks::text);
  XML_SetStartDoctypeDeclHandler(p, &Callbacks::doctype);
  XML_SetEntityDeclHandler(p, &Callbacks::entity_decl);
  XML_SetProcessingInstructionHandler(p, &Callbacks::processing_instruction);
  XML_SetCommentHandler(p, &Callbacks::comment);
  XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
}

void StreamParser::reset() {
  create();
  events_.clear();
  stack_.clear();
  stanza_ = Element();
  kids_.clear();
  texts_.clear();
  depth_ = 0;
  fed_ = 0;
  last_boundary_ = 0;
  stanza_start_ = 0;
  failed_.reset();
}

std::size_t StreamParser::byte_index() const {
  const XML_Index i = XML_GetCurrentByteIndex(as_parser(parser_));
  return i < 0 ? 0 : static_cast<std::size_t>(i);
}

bool StreamParser::check_stanza_size() {
  if (byte_index() - stanza_start_ > limits_.max_stanza_bytes) {
    fail(Errc::policy_violation,
         "a stanza exceeds " + std::to_string(limits_.max_stanza_bytes) + " bytes");
    return false;
  }
  return true;
}

void StreamParser::fail(Errc code, std::string message) {
  if (!failed_) {
    failed_ = make_error(code, std::move(message));
  }
  XML_StopParser(as_parser(parser_), XML_FALSE);
}

Result<void> StreamParser::feed(std::string_view bytes) {
  if (failed_) {
    return *failed_;
  }
  while (!bytes.empty()) {
    const std::string_view slice = bytes.substr(0, kFeedSlice);
    bytes.remove_prefix(slice.size());
    if (auto r = feed_chunk(slice); !r) {
      return r;
    }
  }
  return {};
}

Result<void> StreamParser::feed_chunk(std::string_view chunk) {
  XML_Parser p = as_parser(parser_);
  fed_ += chunk.size();
  const XML_Status status = XML_Parse(p, chunk.data(), static_cast<int>(chunk.size()), XML_FALSE);
  if (failed_) {
    return *failed_;
  }
  if (status != XML_STATUS_OK) {
    const XML_Error code = XML_GetErrorCode(p);
    std::string message =
        "XML is not well-formed at line " + std::to_string(XML_GetCurrentLineNumber(p)) +
        ", column " + std::to_string(XML_GetCurrentColumnNumber(p)) + ": " + XML_ErrorString(code);
    Errc errc = Errc::not_well_formed;
    if (code == XML_ERROR_UNDEFINED_ENTITY || code == XML_ERROR_AMPLIFICATION_LIMIT_BREACH) {
      errc = Errc::restricted_xml;
    }
    failed_ = make_error(errc, std::move(message));
    return *failed_;
  }
  // An unfinished stanza, or an unfinished token at depth 0, is bounded too: Expat would
  // otherwise buffer an endless attribute or stanza.
  if (fed_ - last_boundary_ > limits_.max_stanza_bytes) {
    fail(Errc::policy_violation,
         "a stanza exceeds " + std::to_string(limits_.max_stanza_bytes) + " bytes");
    return *failed_;
  }
  return {};
}

Event StreamParser::next() {
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

Result<Element> parse_element(std::string_view text, Limits limits) {
  StreamParser parser(limits);
  auto r = parser.feed(
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>");
  if (r) {
    r = parser.feed(text);
  }
  if (!r) {
    return r.error();
  }
  if (parser.pending_events() != 2) {
    return make_error(make_error_code(Errc::bad_format),
                      parser.pending_events() < 2 ? "the XML element is incomplete"
                                                  : "more than one XML element");
  }
  parser.next();
  return std::get<Element>(parser.next());
}

}  // namespace jcall::signaling::xml
