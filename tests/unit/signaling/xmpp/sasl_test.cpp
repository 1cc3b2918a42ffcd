// RFC 5802 §5 and RFC 7677 §3 examples; RFC 6120 §6 mechanism choice; RFC 5929 / RFC 9266
// channel binding; RFC 4616 PLAIN; RFC 4013 SASLprep.
#include "signaling/xmpp/sasl.hpp"

#include <array>
#include <string>

#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "signaling/xmpp/errc.hpp"

namespace jcall::signaling::xmpp {
namespace {

SaslOptions scram_options(std::vector<std::string> offered, std::string nonce) {
  SaslOptions o;
  o.offered = std::move(offered);
  o.tls = false;
  o.authcid = "user";
  o.password = "pencil";
  o.nonce = [nonce] { return nonce; };
  return o;
}

std::string mechanism_for(SaslOptions o) {
  auto c = SaslClient::create(std::move(o));
  return c ? c->mechanism() : "error: " + c.error().describe();
}

SaslOptions tls_options(std::vector<std::string> offered) {
  SaslOptions o;
  o.offered = std::move(offered);
  o.tls = true;
  o.authcid = "juliet";
  o.password = "r0m30myr0m30";
  o.nonce = [] { return std::string("clientnonce123"); };
  return o;
}

const ChannelBinding kExporter{"tls-exporter", std::string(32, '\x5a')};
const ChannelBinding kEndPoint{"tls-server-end-point", std::string(32, '\xa5')};

// The server side of SCRAM, written independently with OpenSSL, for exchanges that have no
// published vector (channel binding, escaping).
struct TestServer {
  const EVP_MD* md;
  std::string password;
  std::string salt = "saltsaltsalt";
  int iterations = 4096;

  std::string digest_hmac(std::string_view key, std::string_view data) const {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int len = 0;
    HMAC(md, key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
    return std::string(reinterpret_cast<const char*>(out.data()), len);
  }
  std::string salted() const {
    std::string out(static_cast<std::size_t>(EVP_MD_get_size(md)), '\0');
    PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                      reinterpret_cast<const unsigned char*>(salt.data()),
                      static_cast<int>(salt.size()), iterations, md, static_cast<int>(out.size()),
                      reinterpret_cast<unsigned char*>(out.data()));
    return out;
  }
  // Checks the proof in client-final (RFC 5802 §3, server side) and returns server-final.
  std::string verify(std::string_view client_first_bare,
                     std::string_view server_first,
                     std::string_view client_final) const {
    const auto p = client_final.rfind(",p=");
    if (p == std::string_view::npos) {
      return "bad";
    }
    const std::string auth_message = std::string(client_first_bare) + "," +
                                     std::string(server_first) + "," +
                                     std::string(client_final.substr(0, p));
    const auto proof = base64_decode(client_final.substr(p + 3));
    if (!proof) {
      return "bad";
    }
    const std::string s = salted();
    const std::string client_key = digest_hmac(s, "Client Key");
    std::array<unsigned char, EVP_MAX_MD_SIZE> stored{};
    unsigned int len = 0;
    EVP_Digest(client_key.data(), client_key.size(), stored.data(), &len, md, nullptr);
    const std::string stored_key(reinterpret_cast<const char*>(stored.data()), len);
    const std::string signature = digest_hmac(stored_key, auth_message);
    if (proof->size() != signature.size()) {
      return "bad";
    }
    std::string recovered(signature.size(), '\0');
    for (std::size_t i = 0; i < signature.size(); ++i) {
      recovered[i] = static_cast<char>((*proof)[i] ^ signature[i]);
    }
    if (recovered != client_key) {
      return "bad";
    }
    return "v=" + base64_encode(digest_hmac(digest_hmac(s, "Server Key"), auth_message));
  }
};

// Value of attribute `name` in a SCRAM message.
std::string attr(std::string_view msg, char name) {
  std::size_t pos = 0;
  while (pos <= msg.size()) {
    auto end = msg.find(',', pos);
    if (end == std::string_view::npos) {
      end = msg.size();
    }
    const auto a = msg.substr(pos, end - pos);
    if (a.size() >= 2 && a[0] == name && a[1] == '=') {
      return std::string(a.substr(2));
    }
    pos = end + 1;
  }
  return {};
}

// ---- Published vectors -------------------------------------------------------------------

TEST(SaslScram, Rfc5802Sha1Example) {
  auto c = SaslClient::create(scram_options({"SCRAM-SHA-1"}, "fyko+d2lbbFgONRv9qkxdawL"));
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(c->mechanism(), "SCRAM-SHA-1");
  EXPECT_EQ(c->initial_response(), "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
  auto final_msg =
      c->on_challenge("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");
  ASSERT_TRUE(final_msg) << final_msg.error().describe();
  EXPECT_EQ(*final_msg,
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
  auto ok = c->on_success("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
  EXPECT_TRUE(ok) << ok.error().describe();
}

TEST(SaslScram, Rfc7677Sha256Example) {
  auto c = SaslClient::create(
      scram_options({"SCRAM-SHA-1", "SCRAM-SHA-256", "PLAIN"}, "rOprNGfwEbeRWgbNEkqO"));
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(c->mechanism(), "SCRAM-SHA-256");
  EXPECT_EQ(c->initial_response(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  auto final_msg = c->on_challenge(
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
  ASSERT_TRUE(final_msg) << final_msg.error().describe();
  EXPECT_EQ(*final_msg,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  auto ok = c->on_success("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  EXPECT_TRUE(ok) << ok.error().describe();
}

// Some servers send server-final in a last <challenge/> and an empty <success/>.
TEST(SaslScram, ServerFinalInChallengeThenEmptySuccess) {
  auto c = SaslClient::create(scram_options({"SCRAM-SHA-1"}, "fyko+d2lbbFgONRv9qkxdawL"));
  ASSERT_TRUE(c);
  (void)c->initial_response();
  ASSERT_TRUE(
      c->on_challenge("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"));
  auto empty = c->on_challenge("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
  ASSERT_TRUE(empty) << empty.error().describe();
  EXPECT_EQ(*empty, "");
  EXPECT_TRUE(c->on_success(""));
}

// ---- Server errors and attacks -----------------------------------------------------------

Result<SaslClient> after_rfc5802_challenge() {
  auto c = SaslClient::create(scram_options({"SCRAM-SHA-1"}, "fyko+d2lbbFgONRv9qkxdawL"));
  if (!c) {
    return c;
  }
  (void)c->initial_response();
  auto f =
      c->on_challenge("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");
  if (!f) {
    return f.error();
  }
  return c;
}

TEST(SaslScram, WrongServerSignatureRejected) {
  auto c = after_rfc5802_challenge();
  ASSERT_TRUE(c);
  auto r = c->on_success("v=rmF9pqV8S7suAoZWja4dJRkFsKA=");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(Errc::server_signature));
}

// The last character differs only in bits base64 discards: a lax decoder would accept it.
TEST(SaslScram, NonCanonicalServerSignatureRejected) {
  auto c = after_rfc5802_challenge();
  ASSERT_TRUE(c);
  auto r = c->on_success("v=rmF9pqV8S7suAoZWja4dJRkFsKR=");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(Errc::server_signature));
}

TEST(SaslScram, TruncatedServerSignatureRejected) {
  auto c = after_rfc5802_challenge();
  ASSERT_TRUE(c);
  auto r = c->on_success("v=rmF9pqV8S7suAoZW");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(Errc::server_signature));
}

TEST(SaslScram, MissingServerSignatureRejected) {
  auto c = after_rfc5802_challenge();
  ASSERT_TRUE(c);
  auto r = c->on_success("");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(Errc::server_signature));
}

TEST(SaslScram, SuccessBeforeChallengeRejected) {
  auto c = SaslClient::create(scram_options({"SCRAM-SHA-1"}, "abc"));
  ASSERT_TRUE(c);
  (void)c->initial_response();
  auto r = c->on_success("");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(Errc::server_signature));
}

TEST(SaslScram, ServerErrorMappedToAuthFailed) {
  auto c = after_rfc5802_challenge();
  ASSERT_TRUE(c);
  auto r = c->on_success("e=invalid-proof");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(Errc::auth_failed));
  EXPECT_NE(r.error().message.find("invalid-proof"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("password"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("pencil"), std::string::npos);
}

TEST(SaslScram, ServerErrorInChallengeMappedToAuthFailed) {
  auto c = SaslClient::create(scram_options({"SCRAM-SHA-1"}, "abc"));
  ASSERT_TRUE(c);
  (void)c->initial_response();
  auto r = c->on_challenge("e=channel-bindings-dont-match");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(Errc::auth_failed));
  EXPECT_NE(r.error().message.find("channel-bindings-dont-match"), std::string::npos);
}

Error challenge_error(std::string_view server_first) {
  auto c = SaslClient::create(scram_options({"SCRAM-SHA-256"}, "abc"));
  EXPECT_TRUE(c);
  (void)c->initial_response();
  auto r = c->on_challenge(server_first);
  EXPECT_FALSE(r) << server_first;
  if (r) {
    return Error{};
  }
  EXPECT_EQ(r.error().message.find("pencil"), std::string::npos);
  return r.error();
}

TEST(SaslScram, ServerNonceNotExtendingOursRejected) {
  EXPECT_EQ(challenge_error("r=xyzabc,s=QSXCR+Q6sek8bf92,i=4096").code,
            make_error_code(Errc::bad_server_response));
  // Equal to ours: the server added nothing.
  EXPECT_EQ(challenge_error("r=abc,s=QSXCR+Q6sek8bf92,i=4096").code,
            make_error_code(Errc::bad_server_response));
  // A prefix of ours.
  EXPECT_EQ(challenge_error("r=ab,s=QSXCR+Q6sek8bf92,i=4096").code,
            make_error_code(Errc::bad_server_response));
}

TEST(SaslScram, BadSaltRejected) {
  EXPECT_FALSE(challenge_error("r=abcdef,s=,i=4096").message.empty());
  EXPECT_FALSE(challenge_error("r=abcdef,s=!!!!,i=4096").message.empty());
  EXPECT_FALSE(challenge_error("r=abcdef,s=QSX,i=4096").message.empty());
}

TEST(SaslScram, BadIterationCountRejected) {
  for (const char* i : {"0", "", "-1", "+4096", "4096x", "0100", "10000001", "99999999999999"}) {
    EXPECT_EQ(challenge_error("r=abcdef,s=QSXCR+Q6sek8bf92,i=" + std::string(i)).code,
              make_error_code(Errc::bad_server_response))
        << i;
  }
}

TEST(SaslScram, SmallIterationCountAccepted) {
  auto c = SaslClient::create(scram_options({"SCRAM-SHA-256"}, "abc"));
  ASSERT_TRUE(c);
  (void)c->initial_response();
  EXPECT_TRUE(c->on_challenge("r=abcdef,s=QSXCR+Q6sek8bf92,i=1"));
}

TEST(SaslScram, MandatoryExtensionRejected) {
  const auto e = challenge_error("m=foo,r=abcdef,s=QSXCR+Q6sek8bf92,i=4096");
  EXPECT_EQ(e.code, make_error_code(Errc::bad_server_response));
  EXPECT_NE(e.message.find("m="), std::string::npos);
}

TEST(SaslScram, MalformedServerFirstRejected) {
  challenge_error("");
  challenge_error("garbage");
  challenge_error("s=QSXCR+Q6sek8bf92,r=abcdef,i=4096");
  challenge_error("r=abcdef,s=QSXCR+Q6sek8bf92");
}

TEST(SaslScram, OptionalExtensionIgnored) {
  auto c = SaslClient::create(scram_options({"SCRAM-SHA-256"}, "abc"));
  ASSERT_TRUE(c);
  (void)c->initial_response();
  EXPECT_TRUE(c->on_challenge("r=abcdef,s=QSXCR+Q6sek8bf92,i=4096,x=whatever"));
}

// ---- Mechanism choice (RFC 6120 §6.3.3) --------------------------------------------------

TEST(SaslMechanism, ChoiceTable) {
  const std::vector<std::string> all = {"PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256",
                                        "SCRAM-SHA-256-PLUS"};
  // TLS with a binding: the strongest -PLUS.
  auto o = tls_options(all);
  o.bindings = {kEndPoint, kExporter};
  EXPECT_EQ(mechanism_for(o), "SCRAM-SHA-256-PLUS");
  // Only SHA-1-PLUS offered among the -PLUS: it beats plain SCRAM-SHA-256.
  o.offered = {"SCRAM-SHA-256", "SCRAM-SHA-1-PLUS", "PLAIN"};
  EXPECT_EQ(mechanism_for(o), "SCRAM-SHA-1-PLUS");
  // TLS without a binding: no -PLUS.
  o = tls_options(all);
  EXPECT_EQ(mechanism_for(o), "SCRAM-SHA-256");
  o.offered = {"SCRAM-SHA-1", "PLAIN"};
  EXPECT_EQ(mechanism_for(o), "SCRAM-SHA-1");
  o.offered = {"PLAIN"};
  EXPECT_EQ(mechanism_for(o), "PLAIN");
  // No TLS: never -PLUS even with binding data, never PLAIN.
  o = tls_options(all);
  o.tls = false;
  o.bindings = {kExporter};
  EXPECT_EQ(mechanism_for(o), "SCRAM-SHA-256");
  // Binding types the server does not advertise: no -PLUS.
  o = tls_options(all);
  o.bindings = {kExporter};
  o.server_cb_types = {"tls-unique"};
  EXPECT_EQ(mechanism_for(o), "SCRAM-SHA-256");
}

TEST(SaslMechanism, PlainRefusedWithoutTls) {
  auto o = tls_options({"PLAIN", "X-OAUTH2"});
  o.tls = false;
  auto c = SaslClient::create(o);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, make_error_code(Errc::auth_mechanism));
  EXPECT_NE(c.error().message.find("PLAIN"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("without TLS"), std::string::npos) << c.error().message;
  EXPECT_EQ(c.error().message.find("r0m30myr0m30"), std::string::npos);
}

TEST(SaslMechanism, NothingAcceptableListsOffered) {
  auto c = SaslClient::create(tls_options({"DIGEST-MD5", "X-OAUTH2"}));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, make_error_code(Errc::auth_mechanism));
  EXPECT_NE(c.error().message.find("DIGEST-MD5, X-OAUTH2"), std::string::npos) << c.error().message;
  auto none = SaslClient::create(tls_options({}));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, make_error_code(Errc::auth_mechanism));
}

TEST(SaslMechanism, PrefersTlsExporterWhenTypesNotAdvertised) {
  auto o = tls_options({"SCRAM-SHA-256-PLUS"});
  o.bindings = {kEndPoint, kExporter};
  auto c = SaslClient::create(o);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->initial_response().substr(0, 16), "p=tls-exporter,,");
}

TEST(SaslMechanism, UsesAdvertisedBindingType) {
  auto o = tls_options({"SCRAM-SHA-256-PLUS"});
  o.bindings = {kExporter, kEndPoint};
  o.server_cb_types = {"tls-server-end-point"};
  auto c = SaslClient::create(o);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->initial_response(), "p=tls-server-end-point,,n=juliet,r=clientnonce123");
}

// ---- GS2 header (RFC 5802 §6) ------------------------------------------------------------

TEST(SaslGs2, YFlagWhenWeCanBindButServerOffersNoPlus) {
  auto o = tls_options({"SCRAM-SHA-256", "SCRAM-SHA-1"});
  o.bindings = {kExporter};
  auto c = SaslClient::create(o);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->mechanism(), "SCRAM-SHA-256");
  EXPECT_EQ(c->initial_response(), "y,,n=juliet,r=clientnonce123");
  auto f = c->on_challenge("r=clientnonce123srv,s=QSXCR+Q6sek8bf92,i=4096");
  ASSERT_TRUE(f);
  EXPECT_EQ(attr(*f, 'c'), "eSws");  // base64("y,,")
}

TEST(SaslGs2, NFlagWithoutTls) {
  auto o = tls_options({"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"});
  o.tls = false;
  o.bindings = {kExporter};
  auto c = SaslClient::create(o);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->initial_response(), "n,,n=juliet,r=clientnonce123");
}

TEST(SaslGs2, NFlagWhenServerOffersPlusWithOtherTypes) {
  auto o = tls_options({"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"});
  o.bindings = {kExporter};
  o.server_cb_types = {"tls-unique"};
  auto c = SaslClient::create(o);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->initial_response(), "n,,n=juliet,r=clientnonce123");
}

TEST(SaslGs2, NFlagOverTlsWithoutBinding) {
  auto c = SaslClient::create(tls_options({"SCRAM-SHA-1"}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->initial_response(), "n,,n=juliet,r=clientnonce123");
}

TEST(SaslGs2, PlusExchangeCarriesBindingData) {
  for (const bool sha256 : {true, false}) {
    auto o = tls_options({sha256 ? "SCRAM-SHA-256-PLUS" : "SCRAM-SHA-1-PLUS"});
    o.bindings = {kExporter};
    auto c = SaslClient::create(o);
    ASSERT_TRUE(c);
    const std::string first = c->initial_response();
    ASSERT_EQ(first, "p=tls-exporter,,n=juliet,r=clientnonce123");
    const std::string server_first =
        "r=clientnonce123SRV,s=" + base64_encode("saltsaltsalt") + ",i=4096";
    auto f = c->on_challenge(server_first);
    ASSERT_TRUE(f) << f.error().describe();
    EXPECT_EQ(attr(*f, 'c'), base64_encode("p=tls-exporter,," + kExporter.data));
    EXPECT_EQ(attr(*f, 'r'), "clientnonce123SRV");

    TestServer server{sha256 ? EVP_sha256() : EVP_sha1(), "r0m30myr0m30"};
    const std::string server_final =
        server.verify(first.substr(std::string("p=tls-exporter,,").size()), server_first, *f);
    ASSERT_NE(server_final, "bad");
    auto ok = c->on_success(server_final);
    EXPECT_TRUE(ok) << ok.error().describe();
  }
}

// ---- Names and passwords -----------------------------------------------------------------

TEST(SaslNames, UsernameEscaping) {
  auto o = tls_options({"SCRAM-SHA-256"});
  o.authcid = "a,b=c";
  auto c = SaslClient::create(o);
  ASSERT_TRUE(c);
  const std::string first = c->initial_response();
  EXPECT_EQ(first, "n,,n=a=2Cb=3Dc,r=clientnonce123");
  const std::string server_first =
      "r=clientnonce123x,s=" + base64_encode("saltsaltsalt") + ",i=4096";
  auto f = c->on_challenge(server_first);
  ASSERT_TRUE(f);
  TestServer server{EVP_sha256(), "r0m30myr0m30"};
  const std::string server_final = server.verify(first.substr(3), server_first, *f);
  ASSERT_NE(server_final, "bad");
  EXPECT_TRUE(c->on_success(server_final));
}

TEST(SaslNames, PlainInitialResponse) {
  auto c = SaslClient::create(tls_options({"PLAIN"}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->initial_response(), std::string("\0juliet\0r0m30myr0m30", 20));
  EXPECT_TRUE(c->on_success(""));
}

TEST(SaslNames, PasswordWithControlCharRefusedWithoutEcho) {
  auto o = tls_options({"SCRAM-SHA-256"});
  o.password = "secret\x07word";
  auto c = SaslClient::create(o);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, make_error_code(Errc::auth_failed));
  EXPECT_EQ(c.error().message.find("secret"), std::string::npos) << c.error().message;
}

TEST(SaslNames, EmptyPasswordRefused) {
  auto o = tls_options({"SCRAM-SHA-256"});
  o.password = "";
  EXPECT_FALSE(SaslClient::create(o));
}

TEST(SaslNames, BadNonceGeneratorRefused) {
  auto o = tls_options({"SCRAM-SHA-256"});
  o.nonce = [] { return std::string("has,comma"); };
  EXPECT_FALSE(SaslClient::create(o));
}

TEST(SaslNames, DefaultNonceIsRandomAndPrintable) {
  auto o = tls_options({"SCRAM-SHA-256"});
  o.nonce = nullptr;
  auto a = SaslClient::create(o);
  auto b = SaslClient::create(o);
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  const std::string na = attr(a->initial_response(), 'r');
  const std::string nb = attr(b->initial_response(), 'r');
  EXPECT_EQ(na.size(), 32u);
  EXPECT_NE(na, nb);
  EXPECT_EQ(na.find(','), std::string::npos);
}

TEST(SaslPrep, AsciiUnchanged) {
  const std::string ascii = " !\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~";
  auto r = saslprep(ascii);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, ascii);
}

TEST(SaslPrep, Rfc4013Examples) {
  // RFC 4013 §3: SOFT HYPHEN mapped to nothing; NO-BREAK SPACE to SPACE; <U+0007> prohibited.
  EXPECT_EQ(*saslprep("I\xC2\xADX"), "IX");
  EXPECT_EQ(*saslprep("a\xC2\xA0"
                      "b"),
            "a b");
  EXPECT_EQ(*saslprep("a\xE2\x80\x83"
                      "b"),
            "a b");  // EM SPACE
  EXPECT_EQ(*saslprep("a\xEF\xBB\xBF"
                      "b"),
            "ab");                                                 // ZERO WIDTH NO-BREAK SPACE
  EXPECT_EQ(*saslprep("\xC3\xA9t\xC3\xA9"), "\xC3\xA9t\xC3\xA9");  // kept as given
  EXPECT_FALSE(saslprep("\x07"));
  EXPECT_FALSE(saslprep("a\x7F"));
  EXPECT_FALSE(saslprep("a\xC2\x85"));     // U+0085 (C.2.2)
  EXPECT_FALSE(saslprep("\xEE\x80\x80"));  // U+E000 private use (C.3)
  EXPECT_FALSE(saslprep("\xEF\xBF\xBE"));  // U+FFFE non-character (C.4)
  EXPECT_FALSE(saslprep("\xE2\x80\x8E"));  // U+200E LRM (C.8)
  EXPECT_FALSE(saslprep("\xC3"));          // truncated UTF-8
  EXPECT_FALSE(saslprep("\xC0\xAF"));      // overlong
  EXPECT_FALSE(saslprep("\xED\xA0\x80"));  // surrogate
}

TEST(SaslPrep, NonAsciiSpaceInPasswordMatchesAsciiSpace) {
  // A password typed with NO-BREAK SPACE proves the same key as one with SPACE.
  auto a = SaslClient::create(scram_options({"SCRAM-SHA-1"}, "abc"));
  auto o = scram_options({"SCRAM-SHA-1"}, "abc");
  o.password =
      "pen\xC2\xA0"
      "cil";
  auto b = SaslClient::create(o);
  o.password = "pen cil";
  auto c = SaslClient::create(o);
  ASSERT_TRUE(a && b && c);
  for (auto* x : {&*a, &*b, &*c}) {
    (void)x->initial_response();
  }
  const std::string sf = "r=abcdef,s=QSXCR+Q6sek8bf92,i=4096";
  auto fa = a->on_challenge(sf);
  auto fb = b->on_challenge(sf);
  auto fc = c->on_challenge(sf);
  EXPECT_NE(*fa, *fb);
  EXPECT_EQ(*fb, *fc);
}

// ---- Base64 ------------------------------------------------------------------------------

TEST(SaslBase64, RoundTrip) {
  std::string all;
  for (int i = 0; i < 256; ++i) {
    all += static_cast<char>(i);
  }
  for (std::size_t n = 0; n <= all.size(); n += 1) {
    const std::string raw = all.substr(0, n);
    auto back = base64_decode(base64_encode(raw));
    ASSERT_TRUE(back) << n;
    EXPECT_EQ(*back, raw) << n;
  }
  EXPECT_EQ(base64_encode("n,,"), "biws");
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(*base64_decode("Zm9v\r\nYmE=\n"), "fooba");
  EXPECT_EQ(*base64_decode("Zg=="), "f");
  EXPECT_EQ(*base64_decode("Zm8="), "fo");
  EXPECT_EQ(*base64_decode(""), "");
}

TEST(SaslBase64, InvalidInputRejected) {
  for (const char* bad : {"Zm9", "Zm9v!", "Z===", "Zg=a", "=Zg=", "Zm9v====", "Zm-v", "Zm_v",
                          "Zg==Zg==", "\x80\x80\x80\x80", "Zh==", "Zm9="}) {
    auto r = base64_decode(bad);
    EXPECT_FALSE(r) << bad;
  }
}

}  // namespace
}  // namespace jcall::signaling::xmpp
