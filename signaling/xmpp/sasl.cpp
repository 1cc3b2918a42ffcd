// RFC 6120 §6 (SASL negotiation), RFC 5802 (SCRAM), RFC 7677 (SCRAM-SHA-256), RFC 4616 (PLAIN),
// RFC 4013 (SASLprep), RFC 5929 / RFC 9266 (channel binding), XEP-0440 (advertised types).
#include "signaling/xmpp/sasl.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <utility>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "signaling/xmpp/errc.hpp"

namespace jcall::signaling::xmpp {

namespace detail {

Secret::Secret(std::string_view bytes) {
  // Larger than any small-string buffer, so the bytes live on the heap and moves steal them.
  bytes_.reserve(std::max<std::size_t>(bytes.size(), 64));
  bytes_.assign(bytes.data(), bytes.size());
}

Secret::Secret(Secret&& other) noexcept : bytes_(std::move(other.bytes_)) {
  other.wipe();
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    wipe();
    bytes_ = std::move(other.bytes_);
    other.wipe();
  }
  return *this;
}

Secret::~Secret() {
  wipe();
}

void Secret::wipe() {
  if (!bytes_.empty()) {
    OPENSSL_cleanse(bytes_.data(), bytes_.size());
  }
  bytes_.clear();
}

}  // namespace detail

namespace {

using detail::Secret;

constexpr std::uint64_t kMaxIterations = 10'000'000;  // bounds the CPU a server can make us spend
constexpr std::size_t kMaxServerText = 200;           // of an e= message shown to the user

Error fail(Errc code, std::string message) {
  return make_error(make_error_code(code), std::move(message));
}

void cleanse(std::string& s) {
  if (!s.empty()) {
    OPENSSL_cleanse(s.data(), s.size());
  }
  s.clear();
}

// ---- UTF-8 and SASLprep (RFC 4013) -------------------------------------------------------

// Decodes one code point at `pos`; nullopt on invalid UTF-8 (overlong, surrogate, > U+10FFFF).
std::optional<char32_t> next_code_point(std::string_view s, std::size_t& pos) {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  std::size_t len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (b0 < 0x80) {
    ++pos;
    return b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (pos + len > s.size()) {
    return std::nullopt;
  }
  for (std::size_t i = 1; i < len; ++i) {
    const auto b = static_cast<unsigned char>(s[pos + i]);
    if ((b & 0xC0) != 0x80) {
      return std::nullopt;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return std::nullopt;
  }
  pos += len;
  return cp;
}

bool in(char32_t cp, char32_t lo, char32_t hi) {
  return cp >= lo && cp <= hi;
}

// RFC 3454 C.1.2 (non-ASCII space characters), mapped to U+0020 by RFC 4013 §2.1.
bool is_non_ascii_space(char32_t cp) {
  return cp == 0x00A0 || cp == 0x1680 || in(cp, 0x2000, 0x200B) || cp == 0x202F || cp == 0x205F ||
         cp == 0x3000;
}

// RFC 3454 B.1 (commonly mapped to nothing), RFC 4013 §2.1.
bool is_mapped_to_nothing(char32_t cp) {
  return cp == 0x00AD || cp == 0x034F || cp == 0x1806 || in(cp, 0x180B, 0x180D) ||
         in(cp, 0x200B, 0x200D) || cp == 0x2060 || in(cp, 0xFE00, 0xFE0F) || cp == 0xFEFF;
}

// RFC 4013 §2.3: RFC 3454 C.1.2, C.2.1, C.2.2, C.3, C.4, C.5, C.6, C.7, C.8, C.9.
bool is_prohibited(char32_t cp) {
  return is_non_ascii_space(cp) ||                                              // C.1.2
         cp < 0x20 || cp == 0x7F ||                                             // C.2.1
         in(cp, 0x80, 0x9F) || cp == 0x06DD || cp == 0x070F || cp == 0x180E ||  // C.2.2
         in(cp, 0x200C, 0x200D) || in(cp, 0x2028, 0x2029) || in(cp, 0x2060, 0x2063) ||
         in(cp, 0x206A, 0x206F) || cp == 0xFEFF || in(cp, 0xFFF9, 0xFFFC) ||
         in(cp, 0x1D173, 0x1D17A) || in(cp, 0xE000, 0xF8FF) || in(cp, 0xF0000, 0xFFFFD) ||
         in(cp, 0x100000, 0x10FFFD) ||                                                        // C.3
         in(cp, 0xFDD0, 0xFDEF) || (cp & 0xFFFE) == 0xFFFE ||                                 // C.4
         in(cp, 0xD800, 0xDFFF) ||                                                            // C.5
         in(cp, 0xFFF9, 0xFFFD) ||                                                            // C.6
         in(cp, 0x2FF0, 0x2FFB) ||                                                            // C.7
         cp == 0x0340 || cp == 0x0341 || in(cp, 0x200E, 0x200F) || in(cp, 0x202A, 0x202E) ||  // C.8
         cp == 0xE0001 || in(cp, 0xE0020, 0xE007F);                                           // C.9
}

// ---- Hashing -----------------------------------------------------------------------------

const EVP_MD* digest_of(bool sha256) {
  return sha256 ? EVP_sha256() : EVP_sha1();
}

std::optional<Secret> hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  if (HMAC(md, key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
           &len) == nullptr) {
    return std::nullopt;
  }
  Secret result(std::string_view(reinterpret_cast<const char*>(out.data()), len));
  OPENSSL_cleanse(out.data(), out.size());
  return result;
}

std::optional<Secret> hash(const EVP_MD* md, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) {
    return std::nullopt;
  }
  Secret result(std::string_view(reinterpret_cast<const char*>(out.data()), len));
  OPENSSL_cleanse(out.data(), out.size());
  return result;
}

// ---- SCRAM syntax ------------------------------------------------------------------------

// RFC 5802 §7: printable = %x21-2B / %x2D-7E (printable ASCII except ',').
bool is_printable_nonce(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21 && c <= 0x7E && c != ','; });
}

// RFC 5056 §7: cb-name = 1*(ALPHA / DIGIT / "." / "-").
bool is_cb_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-';
  });
}

// RFC 5802 §5.1: saslname escapes ',' as "=2C" and '=' as "=3D".
std::string saslname(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c == ',') {
      out += "=2C";
    } else if (c == '=') {
      out += "=3D";
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::string_view> split_attributes(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
}

// "x=value" -> value, if the attribute name is `name`.
std::optional<std::string_view> attribute(std::string_view attr, char name) {
  if (attr.size() < 2 || attr[0] != name || attr[1] != '=') {
    return std::nullopt;
  }
  return attr.substr(2);
}

// RFC 5802 §7: posit-number = %x31-39 *DIGIT, bounded by kMaxIterations.
std::optional<std::uint64_t> parse_iterations(std::string_view s) {
  if (s.empty() || s.size() > 8 || s[0] < '1' || s[0] > '9') {
    return std::nullopt;
  }
  std::uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (n > kMaxIterations) {
    return std::nullopt;
  }
  return n;
}

// Server text shown to the user: printable ASCII only, bounded.
std::string sanitize(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, kMaxServerText)) {
    out += (c >= 0x20 && c <= 0x7E) ? c : '?';
  }
  return out;
}

// RFC 5802 §7 server-error-value -> a sentence for the user.
Error server_error(std::string_view value) {
  std::string text;
  if (value == "invalid-proof" || value == "unknown-user" || value == "other-error") {
    text = "wrong user name or password";
  } else if (value == "channel-bindings-dont-match" || value == "channel-binding-not-supported" ||
             value == "unsupported-channel-binding-type" ||
             value == "server-does-support-channel-binding") {
    text = "channel binding failed (a TLS man-in-the-middle, or a proxy, may be present)";
  } else {
    text = "the server refused the login";
  }
  return fail(Errc::auth_failed, text + " (server said: " + sanitize(value) + ")");
}

Result<std::string> random_nonce() {
  std::array<unsigned char, 24> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return fail(Errc::auth_failed, "could not get random bytes for the SCRAM nonce");
  }
  return base64_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) {
      out += ", ";
    }
    out += sanitize(s);
  }
  return out.empty() ? std::string("nothing") : out;
}

}  // namespace

// ---- Public helpers ----------------------------------------------------------------------

// Not implemented from RFC 4013 / RFC 3454: NFKC normalization (§2.2; non-ASCII input is kept
// as given, so a password that is not already NFKC may not match the server's), the bidi rules
// (§2.4, RFC 3454 §6) and the unassigned-code-point check for stored strings (§2.5).
Result<std::string> saslprep(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());  // mapping never grows the string: no reallocation leaves copies
  std::size_t pos = 0;
  while (pos < utf8.size()) {
    const std::size_t start = pos;
    const auto cp = next_code_point(utf8, pos);
    if (!cp) {
      cleanse(out);
      return fail(Errc::auth_failed, "not valid UTF-8 (RFC 4013)");
    }
    if (is_non_ascii_space(*cp)) {
      out += ' ';
    } else if (is_mapped_to_nothing(*cp)) {
      continue;
    } else if (is_prohibited(*cp)) {
      cleanse(out);
      return fail(Errc::auth_failed,
                  "contains a control or otherwise prohibited character (RFC 4013 §2.3)");
    } else {
      out.append(utf8.substr(start, pos - start));
    }
  }
  return out;
}

std::string base64_encode(std::string_view raw) {
  if (raw.empty()) {
    return {};
  }
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()),
                                static_cast<int>(raw.size()));
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return out;
}

Result<std::string> base64_decode(std::string_view b64) {
  std::string clean;
  clean.reserve(b64.size());
  for (char c : b64) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      continue;
    }
    const bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (!alphabet && c != '=') {
      return fail(Errc::bad_server_response, "invalid base64: unexpected character");
    }
    clean += c;
  }
  if (clean.empty()) {
    return std::string();
  }
  if (clean.size() % 4 != 0 || clean.size() > (1u << 30)) {
    return fail(Errc::bad_server_response, "invalid base64: length is not a multiple of 4");
  }
  const std::size_t first_pad = clean.find('=');
  std::size_t padding = 0;
  if (first_pad != std::string::npos) {
    padding = clean.size() - first_pad;
    if (padding > 2 || clean.find_first_not_of('=', first_pad) != std::string::npos) {
      return fail(Errc::bad_server_response, "invalid base64: misplaced padding");
    }
  }
  // RFC 4648 §3.5: the bits a padded final quantum leaves over must be zero; otherwise several
  // encodings map to the same bytes (a tampered signature could still compare equal).
  if (padding > 0) {
    const char last = clean[clean.size() - padding - 1];
    const int value = last >= 'A' && last <= 'Z'   ? last - 'A'
                      : last >= 'a' && last <= 'z' ? last - 'a' + 26
                      : last >= '0' && last <= '9' ? last - '0' + 52
                      : last == '+'                ? 62
                                                   : 63;
    if ((value & (padding == 1 ? 0x3 : 0xF)) != 0) {
      return fail(Errc::bad_server_response, "invalid base64: non-zero padding bits");
    }
  }
  std::string out(clean.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()),
                                static_cast<int>(clean.size()));
  if (n < 0 || static_cast<std::size_t>(n) != out.size()) {
    return fail(Errc::bad_server_response, "invalid base64");
  }
  out.resize(out.size() - padding);
  return out;
}

// ---- SaslClient --------------------------------------------------------------------------

SaslClient::~SaslClient() {
  password_.wipe();
  server_signature_.wipe();
}

Result<SaslClient> SaslClient::create(SaslOptions options) {
  struct WipeOnExit {
    std::string& s;
    ~WipeOnExit() { cleanse(s); }
  } wipe_password{options.password};

  const auto offers = [&](std::string_view m) { return contains(options.offered, m); };

  // Channel binding types we can use, best first: RFC 9266 tls-exporter (TLS 1.3), RFC 5929
  // tls-unique (the default for TLS 1.2, and the only one Prosody 0.12 knows), then
  // tls-server-end-point. If the server names its types (XEP-0440), only those.
  const auto rank = [](std::string_view type) {
    return type == "tls-exporter"           ? 0
           : type == "tls-unique"           ? 1
           : type == "tls-server-end-point" ? 2
                                            : 3;
  };
  std::vector<const ChannelBinding*> usable;
  if (options.tls) {
    for (const auto& b : options.bindings) {
      if (is_cb_name(b.type) && !b.data.empty()) {
        usable.push_back(&b);
      }
    }
  }
  std::stable_sort(usable.begin(), usable.end(),
                   [&](const auto* a, const auto* b) { return rank(a->type) < rank(b->type); });
  const ChannelBinding* binding = nullptr;
  for (const auto* b : usable) {
    if (options.server_cb_types.empty() || contains(options.server_cb_types, b->type)) {
      binding = b;
      break;
    }
  }

  SaslClient c;
  if (binding != nullptr && offers("SCRAM-SHA-256-PLUS")) {
    c.kind_ = Kind::scram_sha256;
    c.mechanism_ = "SCRAM-SHA-256-PLUS";
  } else if (binding != nullptr && offers("SCRAM-SHA-1-PLUS")) {
    c.kind_ = Kind::scram_sha1;
    c.mechanism_ = "SCRAM-SHA-1-PLUS";
  } else if (offers("SCRAM-SHA-256")) {
    c.kind_ = Kind::scram_sha256;
    c.mechanism_ = "SCRAM-SHA-256";
  } else if (offers("SCRAM-SHA-1")) {
    c.kind_ = Kind::scram_sha1;
    c.mechanism_ = "SCRAM-SHA-1";
  } else if (offers("PLAIN") && options.tls) {
    c.kind_ = Kind::plain;
    c.mechanism_ = "PLAIN";
  } else if (offers("PLAIN")) {
    return fail(Errc::auth_mechanism,
                "the server offers only " + join(options.offered) +
                    " on a connection without TLS; refusing PLAIN, which would send the "
                    "password in the clear");
  } else {
    return fail(Errc::auth_mechanism,
                "the server offers " + join(options.offered) +
                    "; jcall needs SCRAM-SHA-256(-PLUS), SCRAM-SHA-1(-PLUS), or PLAIN over TLS");
  }

  if (c.mechanism_.ends_with("-PLUS")) {
    c.gs2_header_ = "p=" + binding->type + ",,";
    c.cb_data_ = binding->data;
  } else if (!usable.empty() && !offers("SCRAM-SHA-256-PLUS") && !offers("SCRAM-SHA-1-PLUS")) {
    // RFC 5802 §6: we could bind, but the server seems not to; "y" lets a server that does
    // support channel binding detect that a -PLUS offer was stripped.
    c.gs2_header_ = "y,,";
  } else {
    c.gs2_header_ = "n,,";
  }

  if (options.authcid.empty()) {
    return fail(Errc::auth_failed, "the user name is empty");
  }
  auto user = saslprep(options.authcid);
  if (!user) {
    return fail(Errc::auth_failed, "the user name " + user.error().message);
  }
  c.authcid_ = std::move(*user);
  auto password = saslprep(options.password);
  if (!password) {
    return fail(Errc::auth_failed, "the password " + password.error().message);
  }
  c.password_ = Secret(*password);
  cleanse(*password);
  if (c.authcid_.empty() || c.password_.empty()) {
    return fail(Errc::auth_failed,
                c.authcid_.empty() ? "the user name is empty" : "the password is empty");
  }
  if (c.kind_ == Kind::plain) {
    // RFC 4616 §2: NUL separates the fields; it cannot occur in them (already refused above as
    // a control character, checked again here for clarity).
    if (c.authcid_.find('\0') != std::string::npos) {
      return fail(Errc::auth_failed, "the user name contains NUL");
    }
    return c;
  }

  auto nonce = options.nonce ? Result<std::string>(options.nonce()) : random_nonce();
  if (!nonce) {
    return nonce.error();
  }
  if (!is_printable_nonce(*nonce)) {
    return fail(Errc::auth_failed, "the SCRAM client nonce is not printable ASCII without ','");
  }
  c.client_nonce_ = std::move(*nonce);
  c.client_first_bare_ = "n=" + saslname(c.authcid_) + ",r=" + c.client_nonce_;
  return c;
}

std::string SaslClient::initial_response() {
  if (kind_ == Kind::plain) {
    std::string out;
    out.reserve(2 + authcid_.size() + password_.size());
    out += '\0';
    out += authcid_;
    out += '\0';
    out += password_.view();
    password_.wipe();
    state_ = State::sent_final;
    return out;
  }
  state_ = State::sent_first;
  return gs2_header_ + client_first_bare_;
}

Result<std::string> SaslClient::on_challenge(std::string_view raw) {
  if (kind_ == Kind::plain) {
    state_ = State::failed;
    return fail(Errc::bad_server_response, "the server sent a challenge to PLAIN");
  }
  if (const auto e = attribute(raw.substr(0, raw.find(',')), 'e')) {
    state_ = State::failed;
    return server_error(*e);
  }
  if (state_ == State::sent_final) {
    // Server-final-message sent as a challenge (RFC 6120 §6.3.10 wants it in <success/>, but
    // some servers do this); verify now, answer with empty data.
    auto verified = on_success(raw);
    if (!verified) {
      return verified.error();
    }
    return std::string();
  }
  if (state_ != State::sent_first) {
    state_ = State::failed;
    return fail(Errc::bad_server_response, "unexpected SASL challenge");
  }
  state_ = State::failed;  // until the end of this function succeeds

  // RFC 5802 §7: server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count
  // ["," extensions]
  const auto attrs = split_attributes(raw);
  if (!attrs.empty() && attribute(attrs[0], 'm')) {
    return fail(Errc::bad_server_response,
                "the server requires a SCRAM extension (m=) that jcall does not support");
  }
  if (attrs.size() < 3) {
    return fail(Errc::bad_server_response, "malformed SCRAM server-first-message");
  }
  const auto r = attribute(attrs[0], 'r');
  const auto s = attribute(attrs[1], 's');
  const auto i = attribute(attrs[2], 'i');
  if (!r || !s || !i) {
    return fail(Errc::bad_server_response,
                "malformed SCRAM server-first-message (expected r=, s=, i=)");
  }
  if (!is_printable_nonce(*r) || !r->starts_with(client_nonce_) ||
      r->size() <= client_nonce_.size()) {
    return fail(Errc::bad_server_response,
                "the SCRAM server nonce does not extend ours: possible replay or attack");
  }
  auto salt = base64_decode(*s);
  if (!salt || salt->empty()) {
    return fail(Errc::bad_server_response, "the SCRAM salt is missing or not valid base64");
  }
  const auto iterations = parse_iterations(*i);
  if (!iterations) {
    return fail(Errc::bad_server_response,
                "the SCRAM iteration count is not a number between 1 and 10000000");
  }
  for (std::size_t k = 3; k < attrs.size(); ++k) {
    if (attrs[k].size() < 2 || attrs[k][1] != '=') {
      return fail(Errc::bad_server_response, "malformed SCRAM extension attribute");
    }
  }

  const EVP_MD* md = digest_of(kind_ == Kind::scram_sha256);
  const auto md_size = static_cast<std::size_t>(EVP_MD_get_size(md));
  std::array<unsigned char, EVP_MAX_MD_SIZE> salted_raw{};
  if (PKCS5_PBKDF2_HMAC(
          reinterpret_cast<const char*>(password_.data()), static_cast<int>(password_.size()),
          reinterpret_cast<const unsigned char*>(salt->data()), static_cast<int>(salt->size()),
          static_cast<int>(*iterations), md, static_cast<int>(md_size), salted_raw.data()) != 1) {
    return fail(Errc::auth_failed, "SCRAM key derivation failed");
  }
  const Secret salted(std::string_view(reinterpret_cast<const char*>(salted_raw.data()), md_size));
  OPENSSL_cleanse(salted_raw.data(), salted_raw.size());
  password_.wipe();

  const std::string without_proof =
      "c=" + base64_encode(gs2_header_ + cb_data_) + ",r=" + std::string(*r);
  const std::string auth_message =
      client_first_bare_ + "," + std::string(raw) + "," + without_proof;

  auto client_key = hmac(md, salted.view(), "Client Key");
  auto stored_key = client_key ? hash(md, client_key->view()) : std::nullopt;
  auto client_signature = stored_key ? hmac(md, stored_key->view(), auth_message) : std::nullopt;
  auto server_key = hmac(md, salted.view(), "Server Key");
  auto server_signature = server_key ? hmac(md, server_key->view(), auth_message) : std::nullopt;
  if (!client_signature || !server_signature) {
    return fail(Errc::auth_failed, "SCRAM HMAC computation failed");
  }
  std::string proof(md_size, '\0');
  for (std::size_t k = 0; k < md_size; ++k) {
    proof[k] = static_cast<char>(client_key->data()[k] ^ client_signature->data()[k]);
  }
  server_signature_ = std::move(*server_signature);
  state_ = State::sent_final;
  return without_proof + ",p=" + base64_encode(proof);
}

Result<void> SaslClient::on_success(std::string_view raw) {
  if (kind_ == Kind::plain) {
    return {};  // RFC 4616 has no server data; anything extra is harmless
  }
  if (state_ == State::verified && raw.empty()) {
    return {};  // v= came in the last challenge
  }
  const auto first = raw.substr(0, raw.find(','));
  if (const auto e = attribute(first, 'e')) {
    state_ = State::failed;
    return server_error(*e);
  }
  if (state_ != State::sent_final) {
    state_ = State::failed;
    return fail(Errc::server_signature,
                "the server declared success before proving it knows the password");
  }
  state_ = State::failed;
  const auto v = attribute(first, 'v');
  if (!v) {
    return fail(Errc::server_signature, "the server did not send its SCRAM signature");
  }
  auto signature = base64_decode(*v);
  if (!signature || signature->size() != server_signature_.size() ||
      CRYPTO_memcmp(signature->data(), server_signature_.data(), server_signature_.size()) != 0) {
    return fail(Errc::server_signature,
                "the SCRAM server signature is wrong: the server does not know the password");
  }
  server_signature_.wipe();
  state_ = State::verified;
  return {};
}

}  // namespace jcall::signaling::xmpp
