// RFC 6184 §8.1 profile-level-id (profile_idc, profile-iop, level_idc as 6 hex digits) and the
// §8.2.2 offer/answer rules: the profile must be used symmetrically, the level part may be
// lowered by the answerer, or differ per direction when both sides signal
// level-asymmetry-allowed=1. Profiles are classified by profile_idc plus the constraint flags
// that define them (H.264 Annex A.2), as browsers do: 42e01f, 4de01f and 58f01f are all
// Constrained Baseline; 42001f is Baseline; 640c1f Constrained High.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "codecs/codec.hpp"

namespace jcall::codecs {

enum class H264Profile {
  kConstrainedBaseline,
  kBaseline,
  kMain,
  kConstrainedHigh,
  kHigh,
  kPredictiveHigh444,
  kOther,  // not in the table: compared by profile_idc and profile-iop as written
};

// Browsers treat an absent profile-level-id as Constrained Baseline level 3.1 (RFC 6184 says
// Baseline level 1, which no WebRTC peer means); jcall does the same for interoperability.
inline constexpr std::string_view kH264DefaultProfileLevelId = "42e01f";

struct H264ProfileLevelId {
  std::uint8_t profile_idc = 0;
  std::uint8_t profile_iop = 0;
  std::uint8_t level_idc = 0;

  // Exactly six hex digits (either case); nullopt otherwise.
  static std::optional<H264ProfileLevelId> parse(std::string_view s);
  std::string str() const;  // six lowercase hex digits

  H264Profile profile() const;
  bool same_profile(const H264ProfileLevelId& o) const;
  // Level 1b is signalled by level_idc 11 plus constraint_set3 (Baseline, Main, Extended) or
  // by level_idc 9; level_rank() orders levels with 1b between 1 and 1.1.
  bool is_level_1b() const;
  int level_rank() const;
  // This profile with the level of `o`, written the way this profile signals it.
  H264ProfileLevelId with_level_of(const H264ProfileLevelId& o) const;

  bool operator==(const H264ProfileLevelId&) const = default;
};

// The codec's profile-level-id, the default when absent, nullopt when malformed.
std::optional<H264ProfileLevelId> h264_profile_level_id(const Codec& c);
// packetization-mode (absent = 0); nullopt when malformed.
std::optional<int> h264_packetization_mode(const Codec& c);
bool h264_level_asymmetry_allowed(const Codec& c);

}  // namespace jcall::codecs
