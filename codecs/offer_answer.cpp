// RFC 3264 §5–§7 offer/answer applied to XEP-0167 §5 payload types: jcall's offer, its answer
// to a peer's offer (RFC 3264 §6.1: the offerer's payload type numbers), and the offerer's
// check of an answer. RTX per RFC 4588 §8.6, telephone-event per RFC 4733 §2.5.1.1 (one per
// clock rate in use), H.264 levels per RFC 6184 §8.2.2, header extensions per RFC 8285 §6.
#include "codecs/offer_answer.hpp"

#include <algorithm>
#include <set>

#include "codecs/catalog.hpp"
#include "codecs/detail/strings.hpp"
#include "codecs/errc.hpp"
#include "codecs/h264_profile.hpp"

namespace jcall::codecs {
namespace {

using detail::iequals;

constexpr std::uint8_t kFirstDynamicPt = 96;
constexpr std::uint8_t kLastDynamicPt = 127;

const std::vector<std::string>& names_for(MediaType media, const Preferences& prefs) {
  return media == MediaType::kAudio ? prefs.audio : prefs.video;
}

const CatalogEntry* catalog_entry(MediaType media, CodecRole role, const Codec& c) {
  for (const CatalogEntry& e : catalog()) {
    if (e.media == media && e.role == role && e.codec.matches(c)) {
      return &e;
    }
  }
  return nullptr;
}

std::optional<std::uint32_t> apt_of(const Codec& rtx) {
  const auto v = rtx.parameter("apt");
  return v ? detail::parse_u32(*v) : std::nullopt;
}

void set_parameter(Codec& c, std::string_view name, std::string value) {
  for (Parameter& p : c.parameters) {
    if (iequals(p.name, name)) {
      p.value = std::move(value);
      return;
    }
  }
  c.parameters.push_back({std::string(name), std::move(value)});
}

std::vector<RtcpFb> intersect_feedback(const std::vector<RtcpFb>& theirs,
                                       const std::vector<RtcpFb>& ours) {
  std::vector<RtcpFb> out;
  for (const RtcpFb& fb : theirs) {
    const bool known = std::any_of(ours.begin(), ours.end(), [&](const RtcpFb& o) {
      return iequals(o.type, fb.type) && iequals(o.subtype, fb.subtype);
    });
    if (known && std::find(out.begin(), out.end(), fb) == out.end()) {
      out.push_back(fb);
    }
  }
  return out;
}

// "H264/90000 (profile-level-id=42e01f, packetization-mode=1)" for error messages.
std::string describe(const Codec& c) {
  std::string s = c.name + "/" + std::to_string(c.clock_rate);
  if (c.channels) {
    s += "/" + std::to_string(*c.channels);
  }
  std::string identifying;
  for (const char* name : {"profile-level-id", "packetization-mode", "profile-id"}) {
    if (const auto v = c.parameter(name)) {
      identifying += (identifying.empty() ? "" : ", ") + std::string(name) + "=" + std::string(*v);
    }
  }
  if (!identifying.empty()) {
    s += " (" + identifying + ")";
  }
  return s;
}

// Our answer to an offered codec that matches catalog entry `e`: the offerer's number and
// spelling, our format parameters (they describe what we receive), rtcp-fb both sides know.
Codec answer_auxiliary(const CatalogEntry& e, const Codec& offered) {
  Codec a;
  a.id = offered.id;
  a.name = offered.name;
  a.clock_rate = offered.clock_rate;
  a.channels = offered.channels;
  a.parameters = e.codec.parameters;
  a.rtcp_fb = intersect_feedback(offered.rtcp_fb, e.codec.rtcp_fb);
  return a;
}

// The same for a primary codec, with the H.264 level settled.
Codec answer_primary(const CatalogEntry& e, const Codec& offered) {
  Codec a = answer_auxiliary(e, offered);
  if (iequals(e.codec.name, "H264")) {
    const auto local = h264_profile_level_id(e.codec);
    const auto remote = h264_profile_level_id(offered);
    if (local && remote) {
      // With level-asymmetry-allowed on both sides our level says what we receive; otherwise
      // both directions use one level, the lower of the two (RFC 6184 §8.2.2).
      const bool asymmetric =
          h264_level_asymmetry_allowed(e.codec) && h264_level_asymmetry_allowed(offered);
      const H264ProfileLevelId& level_from =
          asymmetric || local->level_rank() <= remote->level_rank() ? *local : *remote;
      set_parameter(a, "profile-level-id", remote->with_level_of(level_from).str());
    }
  }
  return a;
}

class PtAllocator {
 public:
  void reserve(std::uint8_t pt) { used_.insert(pt); }
  std::optional<std::uint8_t> next() {
    for (int pt = kFirstDynamicPt; pt <= kLastDynamicPt; ++pt) {
      if (used_.insert(static_cast<std::uint8_t>(pt)).second) {
        return static_cast<std::uint8_t>(pt);
      }
    }
    return std::nullopt;
  }

 private:
  std::set<std::uint8_t> used_;
};

struct StaticPayloadType {
  std::uint8_t id;
  MediaType media;
  const char* name;
  std::uint32_t clock_rate;
};

// RFC 3551 §6 tables 4 and 5 (the assignments still in use).
constexpr StaticPayloadType kStaticPayloadTypes[] = {
    {0, MediaType::kAudio, "PCMU", 8000},   {3, MediaType::kAudio, "GSM", 8000},
    {4, MediaType::kAudio, "G723", 8000},   {5, MediaType::kAudio, "DVI4", 8000},
    {6, MediaType::kAudio, "DVI4", 16000},  {7, MediaType::kAudio, "LPC", 8000},
    {8, MediaType::kAudio, "PCMA", 8000},   {9, MediaType::kAudio, "G722", 8000},
    {10, MediaType::kAudio, "L16", 44100},  {11, MediaType::kAudio, "L16", 44100},
    {12, MediaType::kAudio, "QCELP", 8000}, {13, MediaType::kAudio, "CN", 8000},
    {14, MediaType::kAudio, "MPA", 90000},  {15, MediaType::kAudio, "G728", 8000},
    {16, MediaType::kAudio, "DVI4", 11025}, {17, MediaType::kAudio, "DVI4", 22050},
    {18, MediaType::kAudio, "G729", 8000},  {25, MediaType::kVideo, "CelB", 90000},
    {26, MediaType::kVideo, "JPEG", 90000}, {28, MediaType::kVideo, "nv", 90000},
    {31, MediaType::kVideo, "H261", 90000}, {32, MediaType::kVideo, "MPV", 90000},
    {33, MediaType::kVideo, "MP2T", 90000}, {34, MediaType::kVideo, "H263", 90000},
};

}  // namespace

Codec with_implied_fields(Codec c, MediaType media) {
  for (const StaticPayloadType& s : kStaticPayloadTypes) {
    if (s.id == c.id && s.media == media && (c.name.empty() || iequals(c.name, s.name))) {
      if (c.name.empty()) {
        c.name = s.name;
      }
      if (c.clock_rate == 0) {
        c.clock_rate = s.clock_rate;
      }
      return c;
    }
  }
  if (c.clock_rate == 0 && !c.name.empty()) {
    std::optional<std::uint32_t> rate;
    bool unique = true;
    for (const CatalogEntry* e : find_entries(media, c.name)) {
      if (rate && *rate != e->codec.clock_rate) {
        unique = false;
      }
      rate = e->codec.clock_rate;
    }
    if (rate && unique) {
      c.clock_rate = *rate;
    }
  }
  return c;
}

std::vector<Codec> with_shared_feedback(std::vector<Codec> codecs,
                                        const std::vector<RtcpFb>& shared) {
  for (Codec& c : codecs) {
    for (const RtcpFb& fb : shared) {
      if (std::find(c.rtcp_fb.begin(), c.rtcp_fb.end(), fb) == c.rtcp_fb.end()) {
        c.rtcp_fb.push_back(fb);
      }
    }
  }
  return codecs;
}

Negotiated make_offer(MediaType media, const Preferences& prefs) {
  std::vector<const CatalogEntry*> primaries;
  for (const std::string& name : names_for(media, prefs)) {
    for (const CatalogEntry* e : find_entries(media, name)) {
      if (e->role == CodecRole::kPrimary &&
          std::find(primaries.begin(), primaries.end(), e) == primaries.end()) {
        primaries.push_back(e);
      }
    }
  }

  PtAllocator pts;
  for (const CatalogEntry& e : catalog()) {
    if (e.static_payload_type) {
      pts.reserve(e.codec.id);
    }
  }
  const auto numbered = [&](const CatalogEntry& e) -> std::optional<Codec> {
    Codec c = e.codec;
    if (!e.static_payload_type) {
      const auto pt = pts.next();
      if (!pt) {
        return std::nullopt;  // more than 32 dynamic payload types: the rest is not offered
      }
      c.id = *pt;
    }
    return c;
  };

  Negotiated n;
  for (const CatalogEntry* e : primaries) {
    if (auto c = numbered(*e)) {
      n.codecs.push_back(std::move(*c));
    }
  }
  const std::size_t primary_count = n.codecs.size();

  if (prefs.rtx) {
    for (std::size_t i = 0; i < primary_count; ++i) {
      for (const CatalogEntry& e : catalog()) {
        if (e.media == media && e.role == CodecRole::kRetransmission) {
          if (auto c = numbered(e)) {
            c->parameters = {{"apt", std::to_string(n.codecs[i].id)}};
            n.codecs.push_back(std::move(*c));
          }
          break;
        }
      }
    }
  }
  const auto per_clock_rate = [&](CodecRole role) {
    std::vector<std::uint32_t> rates;
    for (std::size_t i = 0; i < primary_count; ++i) {
      if (std::find(rates.begin(), rates.end(), n.codecs[i].clock_rate) == rates.end()) {
        rates.push_back(n.codecs[i].clock_rate);
      }
    }
    for (const std::uint32_t rate : rates) {
      for (const CatalogEntry& e : catalog()) {
        if (e.media == media && e.role == role && e.codec.clock_rate == rate) {
          if (auto c = numbered(e)) {
            n.codecs.push_back(std::move(*c));
          }
          break;
        }
      }
    }
  };
  if (prefs.telephone_event) {
    per_clock_rate(CodecRole::kTelephoneEvent);
  }
  if (prefs.comfort_noise) {
    per_clock_rate(CodecRole::kComfortNoise);
  }
  n.header_extensions = header_extensions(media);
  return n;
}

Result<Negotiated> answer_offer(MediaType media,
                                const std::vector<Codec>& offered_raw,
                                const std::vector<HeaderExtension>& offered_extensions,
                                const Preferences& prefs) {
  // A payload type number written twice names no format for sure (RFC 3264 §5.1 maps each
  // number to one format): every payload type with that number is left out.
  std::vector<Codec> offered;
  offered.reserve(offered_raw.size());
  for (const Codec& c : offered_raw) {
    const auto same_id = [&](const Codec& o) { return o.id == c.id; };
    if (std::count_if(offered_raw.begin(), offered_raw.end(), same_id) == 1) {
      offered.push_back(with_implied_fields(c, media));
    }
  }
  Negotiated n;
  std::set<std::uint8_t> taken;
  for (const std::string& name : names_for(media, prefs)) {
    for (const Codec& o : offered) {
      if (!iequals(o.name, name) || !is_role(o, CodecRole::kPrimary) || taken.count(o.id) != 0) {
        continue;
      }
      if (const CatalogEntry* e = catalog_entry(media, CodecRole::kPrimary, o)) {
        n.codecs.push_back(answer_primary(*e, o));
        taken.insert(o.id);
      }
    }
  }
  if (n.codecs.empty()) {
    std::string offered_list;
    for (const Codec& o : offered) {
      offered_list += (offered_list.empty() ? "" : ", ") + describe(o);
    }
    std::string ours;
    for (const std::string& name : names_for(media, prefs)) {
      for (const CatalogEntry* e : find_entries(media, name)) {
        if (e->role == CodecRole::kPrimary) {
          ours += (ours.empty() ? "" : ", ") + describe(e->codec);
        }
      }
    }
    return make_error(make_error_code(Errc::no_common_codec),
                      "no common " + std::string(to_string(media)) + " codec: offered " +
                          (offered_list.empty() ? "nothing" : offered_list) + "; jcall accepts " +
                          (ours.empty() ? "none (none enabled)" : ours));
  }
  const std::size_t primary_count = n.codecs.size();

  if (prefs.rtx) {
    for (std::size_t i = 0; i < primary_count; ++i) {
      const std::uint8_t primary_pt = n.codecs[i].id;
      for (const Codec& o : offered) {
        const CatalogEntry* e = catalog_entry(media, CodecRole::kRetransmission, o);
        const auto apt = apt_of(o);
        if (e != nullptr && apt && *apt == primary_pt && taken.count(o.id) == 0) {
          Codec a = answer_auxiliary(*e, o);
          a.parameters = {{"apt", std::to_string(primary_pt)}};
          n.codecs.push_back(std::move(a));
          taken.insert(o.id);
          break;
        }
      }
    }
  }
  const auto per_clock_rate = [&](CodecRole role) {
    std::vector<std::uint32_t> rates;
    for (std::size_t i = 0; i < primary_count; ++i) {
      if (std::find(rates.begin(), rates.end(), n.codecs[i].clock_rate) == rates.end()) {
        rates.push_back(n.codecs[i].clock_rate);
      }
    }
    for (const std::uint32_t rate : rates) {
      for (const Codec& o : offered) {
        const CatalogEntry* e = catalog_entry(media, role, o);
        if (e != nullptr && o.clock_rate == rate && taken.count(o.id) == 0) {
          n.codecs.push_back(answer_auxiliary(*e, o));
          taken.insert(o.id);
          break;
        }
      }
    }
  };
  if (prefs.telephone_event) {
    per_clock_rate(CodecRole::kTelephoneEvent);
  }
  if (prefs.comfort_noise) {
    per_clock_rate(CodecRole::kComfortNoise);
  }

  const std::vector<HeaderExtension> ours = header_extensions(media);
  for (const HeaderExtension& x : offered_extensions) {
    const bool known = std::any_of(ours.begin(), ours.end(),
                                   [&](const HeaderExtension& h) { return h.uri == x.uri; });
    const bool duplicate =
        std::any_of(n.header_extensions.begin(), n.header_extensions.end(),
                    [&](const HeaderExtension& h) { return h.uri == x.uri || h.id == x.id; });
    if (known && !duplicate) {
      n.header_extensions.push_back(x);
    }
  }
  return n;
}

Result<Negotiated> apply_answer(MediaType media,
                                const Negotiated& our_offer,
                                const std::vector<Codec>& answered,
                                const std::vector<HeaderExtension>& answered_extensions) {
  const std::string media_name(to_string(media));
  Negotiated n;
  for (const Codec& answered_codec : answered) {
    const Codec a = with_implied_fields(answered_codec, media);
    const auto offered = std::find_if(our_offer.codecs.begin(), our_offer.codecs.end(),
                                      [&](const Codec& c) { return c.id == a.id; });
    if (offered == our_offer.codecs.end()) {
      return make_error(make_error_code(Errc::not_offered),
                        "the " + media_name + " answer contains payload type " +
                            std::to_string(a.id) + " (" + describe(a) +
                            "), which our offer did not contain");
    }
    const Codec implied = with_implied_fields(*offered, media);
    const Codec* o = &implied;
    if (!o->matches(a)) {
      return make_error(make_error_code(Errc::not_offered),
                        "the " + media_name + " answer has payload type " + std::to_string(a.id) +
                            " as " + describe(a) + ", but our offer has it as " + describe(*o));
    }
    if (is_role(a, CodecRole::kRetransmission) && apt_of(a) != apt_of(*o)) {
      return make_error(make_error_code(Errc::not_offered),
                        "the " + media_name + " answer pairs rtx payload type " +
                            std::to_string(a.id) +
                            " with apt=" + std::string(a.parameter("apt").value_or("(none)")) +
                            ", but our offer paired it with apt=" +
                            std::string(o->parameter("apt").value_or("(none)")));
    }
    if (std::any_of(n.codecs.begin(), n.codecs.end(),
                    [&](const Codec& c) { return c.id == a.id; })) {
      continue;  // listed twice: the first one counts
    }
    Codec c = a;
    c.rtcp_fb = intersect_feedback(a.rtcp_fb, o->rtcp_fb);
    n.codecs.push_back(std::move(c));
  }
  // RTX is only used with its primary.
  std::erase_if(n.codecs, [&](const Codec& c) {
    if (!is_role(c, CodecRole::kRetransmission)) {
      return false;
    }
    const auto apt = apt_of(c);
    return !apt || std::none_of(n.codecs.begin(), n.codecs.end(), [&](const Codec& p) {
      return p.id == *apt && is_role(p, CodecRole::kPrimary);
    });
  });
  if (std::none_of(n.codecs.begin(), n.codecs.end(),
                   [](const Codec& c) { return is_role(c, CodecRole::kPrimary); })) {
    return make_error(make_error_code(Errc::no_common_codec),
                      "the " + media_name + " answer contains no codec to send or receive with");
  }
  // An answer keeps a subset of the offered header extensions (RFC 8285 §6); one we did not
  // offer is ignored rather than failing the call. The answerer's ids are the ones on the wire.
  for (const HeaderExtension& x : answered_extensions) {
    const bool offered =
        std::any_of(our_offer.header_extensions.begin(), our_offer.header_extensions.end(),
                    [&](const HeaderExtension& h) { return h.uri == x.uri; });
    const bool duplicate =
        std::any_of(n.header_extensions.begin(), n.header_extensions.end(),
                    [&](const HeaderExtension& h) { return h.uri == x.uri || h.id == x.id; });
    if (offered && !duplicate) {
      n.header_extensions.push_back(x);
    }
  }
  return n;
}

}  // namespace jcall::codecs
