// RFC 7587 §6.1 receiver preferences applied to GStreamer's opusenc.
#include "codecs/encoder_tuning.hpp"

#include <algorithm>

#include "codecs/detail/strings.hpp"

namespace jcall::codecs {
namespace {

using detail::iequals;

// RFC 7587 §6.1: maxaveragebitrate is 6000..510000 bit/s.
constexpr std::uint32_t kOpusMinBitrate = 6000;
constexpr std::uint32_t kOpusMaxBitrate = 510000;

std::optional<bool> flag(const Codec& c, std::string_view name) {
  const auto v = c.parameter(name);
  if (!v) {
    return std::nullopt;
  }
  if (*v == "1") {
    return true;
  }
  if (*v == "0") {
    return false;
  }
  return std::nullopt;
}

EncoderTuning tune_opusenc(const Codec& remote) {
  EncoderTuning t;
  if (const auto v = remote.parameter("maxaveragebitrate")) {
    if (const auto rate = detail::parse_u32(*v)) {
      t.properties.push_back(
          {"bitrate", std::to_string(std::clamp(*rate, kOpusMinBitrate, kOpusMaxBitrate))});
    }
  }
  // Absent means 0 for all three flags (RFC 7587 §6.1).
  t.properties.push_back(
      {"inband-fec", flag(remote, "useinbandfec").value_or(false) ? "true" : "false"});
  t.properties.push_back({"dtx", flag(remote, "usedtx").value_or(false) ? "true" : "false"});
  if (flag(remote, "cbr").value_or(false)) {
    t.properties.push_back({"bitrate-type", "cbr"});
  }
  // maxplaybackrate bounds the audio bandwidth worth sending.
  if (const auto v = remote.parameter("maxplaybackrate")) {
    if (const auto rate = detail::parse_u32(*v)) {
      const char* bandwidth = *rate <= 8000    ? "narrowband"
                              : *rate <= 12000 ? "mediumband"
                              : *rate <= 16000 ? "wideband"
                              : *rate <= 24000 ? "superwideband"
                                               : "fullband";
      t.properties.push_back({"bandwidth", bandwidth});
    }
  }
  t.caps =
      flag(remote, "stereo").value_or(false) ? "audio/x-raw,channels=2" : "audio/x-raw,channels=1";
  return t;
}

}  // namespace

EncoderTuning tune_encoder(const Codec& remote, std::string_view encoder) {
  if (iequals(remote.name, "opus") && encoder == "opusenc") {
    return tune_opusenc(remote);
  }
  return {};
}

}  // namespace jcall::codecs
