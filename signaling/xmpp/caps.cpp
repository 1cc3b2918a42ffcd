// XEP-0115 §5.1 (verification string), §5.4 (hashing); XEP-0030 §3.1
#include "signaling/xmpp/caps.hpp"

#include <algorithm>

#include <openssl/sha.h>

#include "signaling/xmpp/ns.hpp"
#include "signaling/xmpp/sasl.hpp"

namespace jcall::signaling::xmpp {
namespace {

constexpr std::string_view kDataForms = "jabber:x:data";

std::string form_type(const xml::Element& form) {
  for (const auto* f : form.children_named("field", kDataForms)) {
    if (f->attr_or("var", "") == "FORM_TYPE") {
      if (const auto v = f->child_text("value", kDataForms)) {
        return std::string(*v);
      }
    }
  }
  return {};
}

}  // namespace

std::string caps_verification_input(const DiscoInfo& info) {
  std::string s;
  // §5.1 steps 2-4: identities sorted by category/type/xml:lang, as "category/type/lang/name<".
  std::vector<std::string> ids;
  for (const auto& i : info.identities) {
    ids.push_back(i.category + "/" + i.type + "/" + i.lang + "/" + i.name);
  }
  std::sort(ids.begin(), ids.end());
  for (const auto& i : ids) {
    s += i + "<";
  }
  // Steps 5-6: features sorted, each followed by '<'.
  std::vector<std::string> features = info.features;
  std::sort(features.begin(), features.end());
  for (const auto& f : features) {
    s += f + "<";
  }
  // Step 7: extended forms sorted by FORM_TYPE; fields sorted by var, values sorted.
  std::vector<const xml::Element*> forms;
  for (const auto& f : info.extensions) {
    forms.push_back(&f);
  }
  std::sort(forms.begin(), forms.end(),
            [](const auto* a, const auto* b) { return form_type(*a) < form_type(*b); });
  for (const auto* form : forms) {
    s += form_type(*form) + "<";
    std::vector<std::pair<std::string, std::vector<std::string>>> fields;
    for (const auto* f : form->children_named("field", kDataForms)) {
      const std::string var(f->attr_or("var", ""));
      if (var == "FORM_TYPE") {
        continue;
      }
      std::vector<std::string> values;
      for (const auto* v : f->children_named("value", kDataForms)) {
        values.push_back(v->text);
      }
      std::sort(values.begin(), values.end());
      fields.emplace_back(var, std::move(values));
    }
    std::sort(fields.begin(), fields.end());
    for (const auto& [var, values] : fields) {
      s += var + "<";
      for (const auto& v : values) {
        s += v + "<";
      }
    }
  }
  return s;
}

std::string caps_verification(const DiscoInfo& info) {
  const std::string input = caps_verification_input(info);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return base64_encode(std::string_view(reinterpret_cast<char*>(digest), sizeof(digest)));
}

DiscoInfo jcall_disco_info() {
  DiscoInfo info;
  info.identities.push_back(Identity{"client", "pc", "", "jcall"});
  info.features = {
      std::string(ns::kDiscoInfo),
      std::string(ns::kCaps),
      std::string(ns::kChatStates),
      std::string(ns::kReceipts),
      std::string(ns::kPing),
      std::string(ns::kCarbons),
      std::string(ns::kStanzaId),
      // Calls: XEP-0166, XEP-0167 (audio, video), XEP-0176, XEP-0320, XEP-0338, XEP-0293,
      // XEP-0294, XEP-0339, XEP-0353 (spelled out here: xmpp/ does not include jingle/).
      "urn:xmpp:jingle:1",
      "urn:xmpp:jingle:apps:rtp:1",
      "urn:xmpp:jingle:apps:rtp:audio",
      "urn:xmpp:jingle:apps:rtp:video",
      "urn:xmpp:jingle:transports:ice-udp:1",
      "urn:xmpp:jingle:apps:dtls:0",
      "urn:xmpp:jingle:apps:grouping:0",
      "urn:xmpp:jingle:apps:rtp:rtcp-fb:0",
      "urn:xmpp:jingle:apps:rtp:rtp-hdrext:0",
      "urn:xmpp:jingle:apps:rtp:ssma:0",
      "urn:xmpp:jingle-message:0",
  };
  return info;
}

DiscoInfo parse_disco_info(const xml::Element& query) {
  DiscoInfo info;
  for (const auto& c : query.children) {
    if (c.is("identity", ns::kDiscoInfo)) {
      Identity i;
      i.category = std::string(c.attr_or("category", ""));
      i.type = std::string(c.attr_or("type", ""));
      if (const auto* lang = c.find_attr("lang", "http://www.w3.org/XML/1998/namespace")) {
        i.lang = lang->value;
      }
      i.name = std::string(c.attr_or("name", ""));
      info.identities.push_back(std::move(i));
    } else if (c.is("feature", ns::kDiscoInfo)) {
      info.features.emplace_back(c.attr_or("var", ""));
    } else if (c.is("x", kDataForms) && c.attr_or("type", "") == "result") {
      info.extensions.push_back(c);
    }
  }
  return info;
}

bool has_feature(const DiscoInfo& info, std::string_view feature) {
  return std::find(info.features.begin(), info.features.end(), feature) != info.features.end();
}

}  // namespace jcall::signaling::xmpp
