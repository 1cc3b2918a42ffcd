// RFC 6120 §4 and §11: an incremental, namespace-aware XML stream parser on Expat.
// Depth 0 is the <stream:stream> root, depth 1 a stanza (or nonza), returned whole as an
// Element tree. Restricted XML (§11.1): no DTD, comment, processing instruction or entity
// declaration is accepted, and no entity is ever expanded. Hard limits bound memory.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.hpp"
#include "signaling/xml/element.hpp"
#include "signaling/xml/errc.hpp"

namespace jcall::signaling::xml {

inline constexpr std::string_view kStreamsNs = "http://etherx.jabber.org/streams";

struct Limits {
  std::size_t max_stanza_bytes = 256 * 1024;  // also bounds a token at depth 0
  std::size_t max_depth = 32;                 // counted from the stream root
  std::size_t max_attributes = 64;            // per element
  std::size_t max_text_bytes = 128 * 1024;    // character data of one element
};

struct StreamOpen {
  std::vector<Attribute> attrs;
  std::optional<std::string_view> attr(std::string_view n) const;
};
struct StreamClose {};
using Event = std::variant<StreamOpen, Element, StreamClose>;

class StreamParser {
 public:
  explicit StreamParser(Limits limits = {});
  ~StreamParser();
  StreamParser(const StreamParser&) = delete;
  StreamParser& operator=(const StreamParser&) = delete;

  // Feeds bytes in any chunking. Complete events are queued for next(). After an error the
  // parser stays failed (every later feed returns the same error) until reset().
  Result<void> feed(std::string_view bytes);
  bool has_event() const { return !events_.empty(); }
  Event next();  // precondition: has_event()
  std::size_t pending_events() const { return events_.size(); }

  // Stream restart (after STARTTLS and SASL success): a fresh document.
  void reset();
  bool failed() const { return failed_.has_value(); }
  std::size_t depth() const { return depth_; }

 private:
  struct Callbacks;
  friend struct Callbacks;

  void create();
  void fail(Errc code, std::string message);
  Result<void> feed_chunk(std::string_view chunk);
  std::size_t byte_index() const;
  bool check_stanza_size();

  Limits limits_;
  void* parser_ = nullptr;  // XML_Parser
  std::deque<Event> events_;
  std::vector<Element*> stack_;  // open elements of the current stanza; [0] is &stanza_
  Element stanza_;
  // Scratch for the open elements, indexed like stack_ and reused from stanza to stanza:
  // kids_[i] collects the children of stack_[i] and texts_[i] its character data. Each is
  // moved into its element, sized exactly, when the element ends, so the tree is built
  // without growing any vector or string of its own.
  std::vector<std::vector<Element>> kids_;
  std::vector<std::string> texts_;
  std::size_t depth_ = 0;
  std::size_t fed_ = 0;            // bytes fed to this document
  std::size_t last_boundary_ = 0;  // byte offset of the last completed depth<=1 boundary
  std::size_t stanza_start_ = 0;   // byte offset where the open stanza began
  std::optional<Error> failed_;
};

// Parses one complete element from text, as if it stood in a client stream (default
// namespace jabber:client). For commands and tests; the same rules and limits apply.
Result<Element> parse_element(std::string_view text, Limits limits = {});

}  // namespace jcall::signaling::xml
