// RFC 6120 §6 (SASL negotiation), RFC 5802 (SCRAM), RFC 7677 (SCRAM-SHA-256), RFC 4616 (PLAIN),
// RFC 4013 (SASLprep), RFC 5929 / RFC 9266 (channel binding), XEP-0440 (advertised types).
//
// A sans-I/O SASL client: it turns the server's raw (already base64-decoded) challenge and
// success data into raw responses. The XMPP layer does the base64 and the <auth/>,
// <response/>, <success/>, <failure/> elements.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace jcall::signaling::xmpp {

// Channel binding data our TLS layer can produce (RFC 5929 §4 / RFC 9266 §2). The TLS layer
// only offers "tls-exporter" where RFC 9266 §3 allows it (TLS 1.3, or extended master secret).
struct ChannelBinding {
  std::string type;  // "tls-exporter" or "tls-server-end-point"
  std::string data;  // raw bytes
};

struct SaslOptions {
  std::vector<std::string> offered;      // mechanisms from <mechanisms/>
  bool tls = false;                      // stream is TLS-protected
  std::vector<ChannelBinding> bindings;  // what our TLS layer can provide (may be empty)
  // XEP-0440 <sasl-channel-binding/> types; empty = not advertised.
  std::vector<std::string> server_cb_types;
  std::string authcid;  // localpart of the JID
  std::string password;
  // For tests; default: 24 random bytes, base64 (printable, no ',').
  std::function<std::string()> nonce;
};

namespace detail {

// Owns secret bytes; wipes them (OPENSSL_cleanse) when destroyed or overwritten. Always kept on
// the heap so that a move transfers the buffer instead of copying bytes out of a small-string
// buffer and leaving them behind.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string_view bytes);
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  ~Secret();

  std::string_view view() const { return bytes_; }
  const unsigned char* data() const {
    return reinterpret_cast<const unsigned char*>(bytes_.data());
  }
  std::size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  void wipe();

 private:
  std::string bytes_;
};

}  // namespace detail

class SaslClient {
 public:
  // Picks the strongest mechanism: SCRAM-SHA-256-PLUS, SCRAM-SHA-1-PLUS (only over TLS, only
  // with a binding we have that the server advertises; if the server does not advertise types,
  // prefer tls-exporter then tls-server-end-point), SCRAM-SHA-256, SCRAM-SHA-1, PLAIN (only
  // over TLS). Errc::auth_mechanism, listing what was offered, if none fits. The password goes
  // through SASLprep here (Errc::auth_failed if it holds prohibited characters).
  static Result<SaslClient> create(SaslOptions options);

  SaslClient(const SaslClient&) = delete;
  SaslClient& operator=(const SaslClient&) = delete;
  SaslClient(SaslClient&&) noexcept = default;
  SaslClient& operator=(SaslClient&&) noexcept = default;
  ~SaslClient();  // secrets are wiped (OPENSSL_cleanse)

  const std::string& mechanism() const { return mechanism_; }

  // Raw bytes for <auth/> (the caller base64-encodes). PLAIN: "\0authcid\0password".
  // SCRAM: client-first-message. The password of PLAIN is wiped after this call.
  std::string initial_response();

  // Raw server-first-message -> raw client-final-message. Some servers send the
  // server-final-message (v=...) as a last <challenge/>: it is verified here and the answer is
  // empty; on_success then accepts empty additional data.
  Result<std::string> on_challenge(std::string_view raw);

  // Raw additional data of <success/> (server-final-message). Verifies v= in constant time
  // (Errc::server_signature if wrong or missing for SCRAM); e= becomes Errc::auth_failed.
  Result<void> on_success(std::string_view raw);

 private:
  enum class Kind : std::uint8_t { plain, scram_sha1, scram_sha256 };
  enum class State : std::uint8_t { start, sent_first, sent_final, verified, failed };

  SaslClient() = default;

  Kind kind_ = Kind::plain;
  State state_ = State::start;
  std::string mechanism_;
  std::string authcid_;       // prepared
  detail::Secret password_;   // prepared; wiped once no longer needed
  std::string gs2_header_;    // "n,,", "y,," or "p=<type>,,"
  std::string cb_data_;       // channel binding data for "p="
  std::string client_nonce_;  // SCRAM c-nonce
  std::string client_first_bare_;
  detail::Secret server_signature_;  // expected ServerSignature, set by on_challenge
};

// RFC 4013 SASLprep of a stored-or-query string, as far as implemented (see sasl.cpp): maps
// non-ASCII spaces to U+0020 and "commonly mapped to nothing" characters to nothing, rejects
// invalid UTF-8 and the prohibited characters of RFC 4013 §2.3. ASCII without controls passes
// unchanged. Not done: NFKC normalization, bidi checks, the unassigned-code-point check.
Result<std::string> saslprep(std::string_view utf8);

std::string base64_encode(std::string_view raw);
// Strict RFC 4648 §4 alphabet with padding; ASCII whitespace is skipped. Rejects anything else.
Result<std::string> base64_decode(std::string_view b64);

}  // namespace jcall::signaling::xmpp
