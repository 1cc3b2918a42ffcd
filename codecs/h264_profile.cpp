// RFC 6184 §8.1/§8.2.2 profile-level-id handling; profile table from H.264 Annex A.2.
#include "codecs/h264_profile.hpp"

#include <array>
#include <charconv>

namespace jcall::codecs {
namespace {

constexpr std::uint8_t kConstraintSet3 = 0x10;

// A constraint-flag pattern such as "x1xx0000": '1'/'0' must match, 'x' is free.
struct IopPattern {
  std::uint8_t mask = 0;
  std::uint8_t value = 0;

  constexpr explicit IopPattern(std::string_view p) {
    for (std::size_t i = 0; i < 8; ++i) {
      const auto bit = static_cast<std::uint8_t>(0x80u >> i);
      if (p[i] != 'x') {
        mask |= bit;
      }
      if (p[i] == '1') {
        value |= bit;
      }
    }
  }
  constexpr bool matches(std::uint8_t iop) const { return (iop & mask) == value; }
};

struct ProfilePattern {
  std::uint8_t profile_idc;
  IopPattern iop;
  H264Profile profile;
};

constexpr std::array kProfiles{
    ProfilePattern{0x42, IopPattern("x1xx0000"), H264Profile::kConstrainedBaseline},
    ProfilePattern{0x4D, IopPattern("1xxx0000"), H264Profile::kConstrainedBaseline},
    ProfilePattern{0x58, IopPattern("11xx0000"), H264Profile::kConstrainedBaseline},
    ProfilePattern{0x42, IopPattern("x0xx0000"), H264Profile::kBaseline},
    ProfilePattern{0x58, IopPattern("10xx0000"), H264Profile::kBaseline},
    ProfilePattern{0x4D, IopPattern("0x0x0000"), H264Profile::kMain},
    ProfilePattern{0x64, IopPattern("00000000"), H264Profile::kHigh},
    ProfilePattern{0x64, IopPattern("00001100"), H264Profile::kConstrainedHigh},
    ProfilePattern{0xF4, IopPattern("00000000"), H264Profile::kPredictiveHigh444},
};

bool signals_1b_with_set3(std::uint8_t profile_idc) {
  return profile_idc == 0x42 || profile_idc == 0x4D || profile_idc == 0x58;
}

std::optional<int> parse_int(std::string_view s) {
  int v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::optional<H264ProfileLevelId> H264ProfileLevelId::parse(std::string_view s) {
  if (s.size() != 6) {
    return std::nullopt;
  }
  std::array<std::uint8_t, 3> bytes{};
  for (std::size_t i = 0; i < 3; ++i) {
    const char* first = s.data() + 2 * i;
    unsigned v = 0;
    const auto [p, ec] = std::from_chars(first, first + 2, v, 16);
    if (ec != std::errc() || p != first + 2) {
      return std::nullopt;
    }
    bytes[i] = static_cast<std::uint8_t>(v);
  }
  return H264ProfileLevelId{bytes[0], bytes[1], bytes[2]};
}

std::string H264ProfileLevelId::str() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (const std::uint8_t b : {profile_idc, profile_iop, level_idc}) {
    s += kHex[b >> 4];
    s += kHex[b & 0xF];
  }
  return s;
}

H264Profile H264ProfileLevelId::profile() const {
  for (const ProfilePattern& p : kProfiles) {
    if (p.profile_idc == profile_idc && p.iop.matches(profile_iop)) {
      return p.profile;
    }
  }
  return H264Profile::kOther;
}

bool H264ProfileLevelId::same_profile(const H264ProfileLevelId& o) const {
  const H264Profile a = profile();
  if (a != o.profile()) {
    return false;
  }
  if (a != H264Profile::kOther) {
    return true;
  }
  // Unknown profiles: the level-independent bytes must be identical (constraint_set3 can
  // carry level 1b, so it is not part of the comparison).
  return profile_idc == o.profile_idc &&
         (profile_iop & ~kConstraintSet3) == (o.profile_iop & ~kConstraintSet3);
}

bool H264ProfileLevelId::is_level_1b() const {
  if (level_idc == 9) {
    return true;
  }
  return level_idc == 11 && signals_1b_with_set3(profile_idc) &&
         (profile_iop & kConstraintSet3) != 0;
}

int H264ProfileLevelId::level_rank() const {
  return is_level_1b() ? 2 * 10 + 1 : 2 * level_idc;
}

H264ProfileLevelId H264ProfileLevelId::with_level_of(const H264ProfileLevelId& o) const {
  H264ProfileLevelId r = *this;
  const bool set3_is_level = signals_1b_with_set3(profile_idc);
  if (o.is_level_1b()) {
    if (set3_is_level) {
      r.level_idc = 11;
      r.profile_iop |= kConstraintSet3;
    } else {
      r.level_idc = 9;
    }
    return r;
  }
  r.level_idc = o.level_idc;
  if (set3_is_level) {
    // For these profiles constraint_set3 only ever signals level 1b (H.264 A.3.1).
    r.profile_iop &= static_cast<std::uint8_t>(~kConstraintSet3);
  }
  return r;
}

std::optional<H264ProfileLevelId> h264_profile_level_id(const Codec& c) {
  const auto v = c.parameter("profile-level-id");
  return H264ProfileLevelId::parse(v ? *v : kH264DefaultProfileLevelId);
}

std::optional<int> h264_packetization_mode(const Codec& c) {
  const auto v = c.parameter("packetization-mode");
  if (!v) {
    return 0;
  }
  const auto mode = parse_int(*v);
  if (!mode || *mode < 0 || *mode > 2) {
    return std::nullopt;
  }
  return mode;
}

bool h264_level_asymmetry_allowed(const Codec& c) {
  const auto v = c.parameter("level-asymmetry-allowed");
  return v && *v == "1";
}

}  // namespace jcall::codecs
