#include "signaling/xml/serializer.hpp"

#include <cstdint>

namespace jcall::signaling::xml {
namespace {

// Length of the valid UTF-8 sequence at s[i] that XML 1.0 allows (§2.2 Char), or 0.
std::size_t xml_char_length(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    return (b0 >= 0x20 || b0 == 0x09 || b0 == 0x0A || b0 == 0x0D) ? 1 : 0;
  }
  std::size_t len = 0;
  std::uint32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) {
    return 0;
  }
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      return 0;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  const bool overlong =
      (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
  const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
  const bool non_char = cp == 0xFFFE || cp == 0xFFFF || cp > 0x10FFFF;
  return (overlong || surrogate || non_char) ? 0 : len;
}

template <bool kAttr>
void escape(std::string& out, std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    switch (c) {
      case '&':
        out += "&amp;";
        ++i;
        continue;
      case '<':
        out += "&lt;";
        ++i;
        continue;
      case '>':
        out += "&gt;";
        ++i;
        continue;
      case '"':
        if (kAttr) {
          out += "&quot;";
          ++i;
          continue;
        }
        break;
      case '\'':
        if (kAttr) {
          out += "&apos;";
          ++i;
          continue;
        }
        break;
      case '\r':
        out += "&#xD;";  // would be normalised to \n by the reader otherwise
        ++i;
        continue;
      default:
        break;
    }
    const std::size_t len = xml_char_length(s, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
      continue;
    }
    if (kAttr && (c == '\n' || c == '\t')) {
      out += c == '\n' ? "&#xA;" : "&#x9;";  // attribute value normalisation would eat them
      ++i;
      continue;
    }
    out.append(s.substr(i, len));
    i += len;
  }
}

}  // namespace

void escape_text(std::string& out, std::string_view s) {
  escape<false>(out, s);
}

void escape_attr(std::string& out, std::string_view s) {
  escape<true>(out, s);
}

void write(std::string& out, const Element& e, std::string_view parent_ns) {
  out += '<';
  out += e.name;
  if (e.ns != parent_ns) {
    out += " xmlns=\"";
    escape_attr(out, e.ns);
    out += '"';
  }
  int prefix_counter = 0;
  for (const auto& a : e.attrs) {
    out += ' ';
    if (a.ns.empty()) {
      out += a.name;
    } else if (a.ns == kXmlNs) {
      out += "xml:";
      out += a.name;
    } else {
      // A prefix of our own, declared on this element only.
      const std::string prefix = "a" + std::to_string(prefix_counter++);
      out += "xmlns:" + prefix + "=\"";
      escape_attr(out, a.ns);
      out += "\" " + prefix + ":" + a.name;
    }
    out += "=\"";
    escape_attr(out, a.value);
    out += '"';
  }
  if (e.children.empty() && e.text.empty()) {
    out += "/>";
    return;
  }
  out += '>';
  escape_text(out, e.text);
  for (const auto& c : e.children) {
    write(out, c, e.ns);
  }
  out += "</";
  out += e.name;
  out += '>';
}

std::string to_string(const Element& e, std::string_view parent_ns) {
  std::string out;
  write(out, e, parent_ns);
  return out;
}

}  // namespace jcall::signaling::xml
