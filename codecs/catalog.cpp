// The codec catalog: RFC 7587 (Opus), RFC 3551 §4.5 (G722, PCMU, PCMA, CN), RFC 4733
// (telephone-event), RFC 7741 (VP8), RFC 9628 (VP9), RFC 6184 (H.264), RFC 4588 (rtx);
// rtcp-fb per XEP-0293 (RFC 4585, RFC 5104, draft-alvestrand-rmcat-remb,
// draft-holmer-rmcat-transport-wide-cc-extensions) and header extensions per XEP-0294.
#include "codecs/catalog.hpp"

#include <algorithm>

#include "codecs/detail/strings.hpp"
#include "codecs/errc.hpp"

namespace jcall::codecs {
namespace {

using detail::iequals;

constexpr std::string_view kAudioLevelUri = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
constexpr std::string_view kAbsSendTimeUri =
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
constexpr std::string_view kTransportCcUri =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
constexpr std::string_view kMidUri = "urn:ietf:params:rtp-hdrext:sdes:mid";

std::vector<RtcpFb> audio_feedback() {
  return {{"transport-cc", ""}};
}

std::vector<RtcpFb> video_feedback() {
  return {{"nack", ""}, {"nack", "pli"}, {"ccm", "fir"}, {"goog-remb", ""}, {"transport-cc", ""}};
}

Codec make_codec(std::uint8_t id,
                 std::string name,
                 std::uint32_t clock_rate,
                 std::optional<std::uint32_t> channels,
                 std::vector<Parameter> parameters,
                 std::vector<RtcpFb> rtcp_fb) {
  Codec c;
  c.id = id;
  c.name = std::move(name);
  c.clock_rate = clock_rate;
  c.channels = channels;
  c.parameters = std::move(parameters);
  c.rtcp_fb = std::move(rtcp_fb);
  return c;
}

Element el(std::string factory, std::vector<Parameter> properties = {}) {
  return Element{std::move(factory), std::move(properties)};
}

std::vector<CatalogEntry> build_catalog() {
  using enum MediaType;
  using enum CodecRole;
  std::vector<CatalogEntry> c;

  // Audio primaries. Opus: the peer's maxaveragebitrate and stereo (RFC 7587 §6.1) describe
  // what it wants to receive and configure our encoder; ours say what we receive.
  c.push_back(
      {kAudio,
       kPrimary,
       make_codec(0, "opus", 48000, 2, {{"minptime", "10"}, {"useinbandfec", "1"}, {"usedtx", "1"}},
                  audio_feedback()),
       false,
       {"",
        {el("opusenc", {{"inband-fec", "true"},
                        {"dtx", "true"},
                        {"audio-type", "voice"},
                        {"frame-size", "20"}})},
        "",
        {el("rtpopuspay")},
        {el("rtpopusdepay")},
        {},
        {el("opusdec", {{"use-inband-fec", "true"}, {"plc", "true"}}), el("avdec_opus")}}});
  // G.722 is sampled at 16 kHz but its RTP clock rate is 8000 (RFC 3551 §4.5.2).
  c.push_back({kAudio,
               kPrimary,
               make_codec(9, "G722", 8000, std::nullopt, {}, audio_feedback()),
               true,
               {"",
                {el("avenc_g722")},
                "",
                {el("rtpg722pay")},
                {el("rtpg722depay")},
                {},
                {el("avdec_g722")}}});
  c.push_back(
      {kAudio,
       kPrimary,
       make_codec(0, "PCMU", 8000, std::nullopt, {}, audio_feedback()),
       true,
       {"", {el("mulawenc")}, "", {el("rtppcmupay")}, {el("rtppcmudepay")}, {}, {el("mulawdec")}}});
  c.push_back(
      {kAudio,
       kPrimary,
       make_codec(8, "PCMA", 8000, std::nullopt, {}, audio_feedback()),
       true,
       {"", {el("alawenc")}, "", {el("rtppcmapay")}, {el("rtppcmadepay")}, {}, {el("alawdec")}}});

  // Video primaries.
  c.push_back({kVideo,
               kPrimary,
               make_codec(0, "VP8", 90000, std::nullopt, {}, video_feedback()),
               false,
               {"",
                {el("vp8enc", {{"deadline", "1"},
                               {"error-resilient", "default"},
                               {"lag-in-frames", "0"},
                               {"end-usage", "cbr"},
                               {"cpu-used", "4"},
                               {"keyframe-max-dist", "3000"}})},
                "",
                {el("rtpvp8pay", {{"picture-id-mode", "15-bit"}})},
                {el("rtpvp8depay")},
                {},
                {el("vp8dec"), el("avdec_vp8")}}});
  // VP9 profile 0 (8-bit 4:2:0) and profile 2 (10-bit 4:2:0): libvpx in Debian 12 encodes and
  // decodes both. vp9enc picks the profile from its input format, so the raw caps fix it.
  for (const auto& [profile, raw_caps] : {std::pair{"0", "video/x-raw,format=I420"},
                                          std::pair{"2", "video/x-raw,format=I420_10LE"}}) {
    c.push_back(
        {kVideo,
         kPrimary,
         make_codec(0, "VP9", 90000, std::nullopt, {{"profile-id", profile}}, video_feedback()),
         false,
         {raw_caps,
          {el("vp9enc", {{"deadline", "1"},
                         {"error-resilient", "default"},
                         {"lag-in-frames", "0"},
                         {"end-usage", "cbr"},
                         {"cpu-used", "6"},
                         {"row-mt", "true"},
                         {"keyframe-max-dist", "3000"}})},
          std::string("video/x-vp9,profile=(string)") + profile,
          {el("rtpvp9pay", {{"picture-id-mode", "15-bit"}})},
          {el("rtpvp9depay")},
          {},
          {el("vp9dec"), el("avdec_vp9")}}});
  }
  // H.264, non-interleaved mode only: rtph264pay cannot keep every NAL unit under the MTU,
  // which single NAL unit mode (packetization-mode=0) would need. Encoders in order: the
  // hardware ones (GstVA, VA-API, NVENC: present only where a device registered them; media/
  // also skips one that cannot open its device) before x264enc and openh264enc.
  // x264enc: one slice per frame (sliced-threads=false), because rtph264pay config-interval=-1
  // puts SPS/PPS before every IDR slice, which splits a multi-slice frame for openh264dec.
  // Constrained Baseline first (what every client decodes), then Main (CABAC: a smaller stream
  // at the same quality; openh264enc makes Baseline only, so it is not a Main candidate).
  const auto h264_encoders = [](bool main) {
    std::vector<Element> e{
        el("vah264enc", {{"rate-control", "cbr"}, {"b-frames", "0"}, {"key-int-max", "3000"}}),
        el("vaapih264enc",
           {{"rate-control", "cbr"}, {"max-bframes", "0"}, {"keyframe-period", "3000"}}),
        el("nvh264enc",
           {{"rc-mode", "cbr"}, {"bframes", "0"}, {"zerolatency", "true"}, {"gop-size", "3000"}}),
        el("x264enc", {{"tune", "zerolatency"},
                       {"speed-preset", "ultrafast"},
                       {"key-int-max", "3000"},
                       {"bframes", "0"},
                       {"sliced-threads", "false"}})};
    if (!main) {
      e.push_back(el("openh264enc", {{"usage-type", "camera"},
                                     {"complexity", "low"},
                                     {"rate-control", "bitrate"},
                                     {"gop-size", "3000"}}));
    }
    return e;
  };
  for (const auto& [profile_level_id, profile] :
       {std::pair{"42e01f", "constrained-baseline"}, std::pair{"4d001f", "main"}}) {
    c.push_back(
        {kVideo,
         kPrimary,
         make_codec(0, "H264", 90000, std::nullopt,
                    {{"profile-level-id", profile_level_id},
                     {"packetization-mode", "1"},
                     {"level-asymmetry-allowed", "1"}},
                    video_feedback()),
         false,
         {"",
          h264_encoders(std::string_view(profile) == "main"),
          std::string("video/x-h264,profile=") + profile,
          {el("rtph264pay", {{"config-interval", "-1"}, {"aggregate-mode", "zero-latency"}})},
          {el("rtph264depay")},
          {el("h264parse")},
          {el("avdec_h264", {{"thread-type", "slice"}}), el("openh264dec")}}});
  }

  // Auxiliary payload types.
  c.push_back({kVideo,
               kRetransmission,
               make_codec(0, "rtx", 90000, std::nullopt, {}, {}),
               false,
               {"", {}, "", {el("rtprtxsend")}, {el("rtprtxreceive")}, {}, {}}});
  for (const std::uint32_t rate : {48000u, 8000u}) {
    c.push_back({kAudio,
                 kTelephoneEvent,
                 make_codec(0, "telephone-event", rate, std::nullopt, {}, {}),
                 false,
                 {"", {}, "", {el("rtpdtmfsrc")}, {el("rtpdtmfdepay")}, {}, {}}});
  }
  c.push_back({kAudio, kComfortNoise, make_codec(13, "CN", 8000, std::nullopt, {}, {}), true, {}});
  return c;
}

bool stage_ok(const std::vector<Element>& stage, const HasElement& has_element) {
  return stage.empty() || first_available(stage, has_element) != nullptr;
}

}  // namespace

const std::vector<CatalogEntry>& catalog() {
  static const std::vector<CatalogEntry> entries = build_catalog();
  return entries;
}

std::vector<const CatalogEntry*> find_entries(MediaType media, std::string_view name) {
  std::vector<const CatalogEntry*> out;
  for (const CatalogEntry& e : catalog()) {
    if (e.media == media && iequals(e.codec.name, name)) {
      out.push_back(&e);
    }
  }
  return out;
}

const CatalogEntry* find_entry(MediaType media, const Codec& c) {
  for (const CatalogEntry& e : catalog()) {
    if (e.media == media && e.codec.matches(c)) {
      return &e;
    }
  }
  return nullptr;
}

bool is_role(const Codec& c, CodecRole role) {
  switch (role) {
    case CodecRole::kRetransmission:
      return iequals(c.name, "rtx");
    case CodecRole::kTelephoneEvent:
      return iequals(c.name, "telephone-event");
    case CodecRole::kComfortNoise:
      return iequals(c.name, "CN");
    case CodecRole::kPrimary:
      return !is_role(c, CodecRole::kRetransmission) && !is_role(c, CodecRole::kTelephoneEvent) &&
             !is_role(c, CodecRole::kComfortNoise) && !is_declined(c);
  }
  return false;
}

bool is_declined(const Codec& c) {
  return iequals(c.name, "red") || iequals(c.name, "ulpfec") || iequals(c.name, "flexfec-03") ||
         iequals(c.name, "flexfec");
}

std::vector<HeaderExtension> header_extensions(MediaType media) {
  if (media == MediaType::kAudio) {
    return {{1, std::string(kAudioLevelUri), ""},
            {2, std::string(kAbsSendTimeUri), ""},
            {3, std::string(kTransportCcUri), ""},
            {4, std::string(kMidUri), ""}};
  }
  // Not urn:3gpp:video-orientation: a sender that has it negotiated tags rotation instead of
  // rotating its frames, and jcall does not apply the tag (a rotated camera would show sideways).
  return {{2, std::string(kAbsSendTimeUri), ""},
          {3, std::string(kTransportCcUri), ""},
          {4, std::string(kMidUri), ""}};
}

const Element* first_available(const std::vector<Element>& stage, const HasElement& has_element) {
  for (const Element& e : stage) {
    if (has_element(e.factory)) {
      return &e;
    }
  }
  return nullptr;
}

bool chain_complete(const ElementChain& chain, const HasElement& has_element) {
  return stage_ok(chain.encoders, has_element) && stage_ok(chain.payloaders, has_element) &&
         stage_ok(chain.depayloaders, has_element) && stage_ok(chain.parsers, has_element) &&
         stage_ok(chain.decoders, has_element);
}

std::vector<CatalogEntry> available_catalog(const HasElement& has_element) {
  std::vector<CatalogEntry> out;
  for (const CatalogEntry& e : catalog()) {
    if (chain_complete(e.chain, has_element)) {
      out.push_back(e);
    }
  }
  return out;
}

Preferences available_preferences(const Preferences& prefs, const HasElement& has_element) {
  const auto keep = [&](MediaType media, const std::vector<std::string>& names) {
    std::vector<std::string> out;
    for (const std::string& n : names) {
      const auto entries = find_entries(media, n);
      if (std::any_of(entries.begin(), entries.end(), [&](const CatalogEntry* e) {
            return e->role == CodecRole::kPrimary && chain_complete(e->chain, has_element);
          })) {
        out.push_back(n);
      }
    }
    return out;
  };
  const auto role_ok = [&](CodecRole role) {
    return std::all_of(catalog().begin(), catalog().end(), [&](const CatalogEntry& e) {
      return e.role != role || chain_complete(e.chain, has_element);
    });
  };
  Preferences out = prefs;
  out.audio = keep(MediaType::kAudio, prefs.audio);
  out.video = keep(MediaType::kVideo, prefs.video);
  out.rtx = prefs.rtx && role_ok(CodecRole::kRetransmission);
  out.telephone_event = prefs.telephone_event && role_ok(CodecRole::kTelephoneEvent);
  out.comfort_noise = prefs.comfort_noise && role_ok(CodecRole::kComfortNoise);
  return out;
}

Result<std::vector<std::string>> parse_codec_list(std::string_view csv, MediaType media) {
  std::vector<std::string> known;
  for (const CatalogEntry& e : catalog()) {
    if (e.media == media && e.role == CodecRole::kPrimary &&
        std::find(known.begin(), known.end(), e.codec.name) == known.end()) {
      known.push_back(e.codec.name);
    }
  }
  std::string known_list;
  for (const std::string& k : known) {
    known_list += (known_list.empty() ? "" : ", ") + k;
  }
  const std::string what = std::string(to_string(media)) + " codec";

  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t comma = csv.find(',', pos);
    std::string_view item =
        csv.substr(pos, comma == std::string_view::npos ? csv.npos : comma - pos);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
      item.remove_prefix(1);
    }
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
      item.remove_suffix(1);
    }
    if (item.empty()) {
      return make_error(make_error_code(Errc::invalid_list), "empty entry in the " + what +
                                                                 " list \"" + std::string(csv) +
                                                                 "\"; known: " + known_list);
    }
    const auto it = std::find_if(known.begin(), known.end(),
                                 [&](const std::string& k) { return iequals(k, item); });
    if (it == known.end()) {
      return make_error(make_error_code(Errc::unknown_codec),
                        "unknown " + what + " \"" + std::string(item) + "\"; known: " + known_list);
    }
    if (std::find(out.begin(), out.end(), *it) != out.end()) {
      return make_error(make_error_code(Errc::invalid_list),
                        what + " \"" + *it + "\" is listed twice");
    }
    out.push_back(*it);
    if (comma == std::string_view::npos) {
      break;
    }
    pos = comma + 1;
  }
  return out;
}

}  // namespace jcall::codecs
