// Random tokens for identifiers that must not repeat or be guessed easily (stanza ids, SDP
// cnames, ICE ufrag/pwd). Not for key material: DTLS and SASL take their bytes from OpenSSL.
#pragma once

#include <cstddef>
#include <random>
#include <string>
#include <string_view>

namespace jcall {

inline constexpr std::string_view kLowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789";
// RFC 8445 §5.3 ice-chars: ALPHA / DIGIT / "+" / "/".
inline constexpr std::string_view kIceChars =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";

inline std::string random_token(std::size_t n, std::string_view alphabet = kLowerAlnum) {
  static thread_local std::mt19937_64 rng{
      (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string s(n, ' ');
  for (auto& c : s) {
    c = alphabet[pick(rng)];
  }
  return s;
}

}  // namespace jcall
