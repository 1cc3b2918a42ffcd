// libFuzzer target: RFC 3264 offer/answer on XEP-0167 descriptions. Any <description/> (XEP-0167
// §5) found in the input element is an offer: jcall's answer to it must only name offered
// payload types, pair rtx with an answered primary, and be accepted by apply_answer as it is;
// apply_answer on the offer itself (every payload type answered) must not crash. The raw bytes
// also go through parse_codec_list and the H.264 profile-level-id parser. Seeds: tests/fixtures
// and the StanzaJS captures.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "codecs/catalog.hpp"
#include "codecs/h264_profile.hpp"
#include "codecs/offer_answer.hpp"
#include "codecs/rtp_caps.hpp"
#include "signaling/jingle/ns.hpp"
#include "signaling/jingle/rtp.hpp"
#include "signaling/xml/parser.hpp"

namespace {

using namespace jcall;
using namespace jcall::signaling;

void require(bool ok) {
  if (!ok) {
    __builtin_trap();
  }
}

void check_offer(codecs::MediaType media,
                 const std::vector<codecs::Codec>& offered,
                 const std::vector<codecs::HeaderExtension>& exts) {
  for (const bool rtx : {true, false}) {
    codecs::Preferences prefs;
    prefs.rtx = rtx;
    prefs.comfort_noise = !rtx;
    const auto answer = codecs::answer_offer(media, offered, exts, prefs);
    if (!answer) {
      require(!answer.error().message.empty());
      continue;
    }
    require(!answer->codecs.empty());
    for (const codecs::Codec& c : answer->codecs) {
      require(std::any_of(offered.begin(), offered.end(),
                          [&](const codecs::Codec& o) { return o.id == c.id; }));
      require(!codecs::is_declined(c));
      require(codecs::find_entry(media, c) != nullptr);
      (void)codecs::rtp_caps(media, c);
      if (const auto apt = c.parameter("apt")) {
        require(std::any_of(answer->codecs.begin(), answer->codecs.end(),
                            [&](const codecs::Codec& p) { return std::to_string(p.id) == *apt; }));
      }
    }
    const auto applied = codecs::apply_answer(media, codecs::Negotiated{offered, exts},
                                              answer->codecs, answer->header_extensions);
    require(applied.has_value());
    require(applied->codecs == answer->codecs);
  }
  (void)codecs::apply_answer(media, codecs::Negotiated{offered, exts}, offered, exts);
}

void walk(const xml::Element& e, int depth) {
  if (depth > 8) {
    return;
  }
  if (e.name == "description" && e.ns == jingle::ns::kRtp) {
    if (auto d = jingle::RtpDescription::from_xml(e)) {
      const auto media = d->media_type().value_or(codecs::MediaType::kAudio);
      check_offer(media, codecs::with_shared_feedback(d->payload_types, d->rtcp_fb),
                  d->header_extensions);
    }
  }
  for (const xml::Element& child : e.children) {
    walk(child, depth + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto e = xml::parse_element(text)) {
    walk(*e, 0);
  }
  for (const auto media : {codecs::MediaType::kAudio, codecs::MediaType::kVideo}) {
    if (auto list = codecs::parse_codec_list(text, media)) {
      require(!list->empty());
    }
  }
  if (const auto p = codecs::H264ProfileLevelId::parse(text.substr(0, 6))) {
    require(codecs::H264ProfileLevelId::parse(p->str()) == p);
  }
  return 0;
}
