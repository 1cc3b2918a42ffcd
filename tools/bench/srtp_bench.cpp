// RFC 3711 / RFC 7714 packet processing cost: SrtpSession (media/dtls_srtp) against the same
// work done with bare libsrtp2 calls, for both DTLS-SRTP profiles (RFC 5764 §4.1.2).
//
// Each measurement protects and then unprotects N packets of a typical Opus RTP packet (12-byte
// header + 80-byte payload, incrementing sequence number) with a fresh sender and receiver.
// SrtpSession and the baseline run alternately for several rounds; the medians are compared.
// The last line printed is one JSON object.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <srtp2/srtp.h>

#include "media/dtls_srtp/srtp_session.hpp"

namespace {

using jcall::media::SrtpProfile;
using jcall::media::SrtpSession;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kHeader = 12;
constexpr std::size_t kPayload = 80;
constexpr double kTargetRatio = 1.1;

std::vector<std::uint8_t> opus_packet() {
  std::vector<std::uint8_t> p = {0x80, 111, 0, 0, 0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44};
  for (std::size_t i = 0; i < kPayload; ++i) {
    p.push_back(static_cast<std::uint8_t>(i * 31 + 7));
  }
  return p;
}

void stamp(std::uint8_t* p, std::uint32_t i) {
  const auto seq = static_cast<std::uint16_t>(i);
  const std::uint32_t ts = i * 960;  // 20 ms at 48 kHz
  p[2] = static_cast<std::uint8_t>(seq >> 8);
  p[3] = static_cast<std::uint8_t>(seq);
  p[4] = static_cast<std::uint8_t>(ts >> 24);
  p[5] = static_cast<std::uint8_t>(ts >> 16);
  p[6] = static_cast<std::uint8_t>(ts >> 8);
  p[7] = static_cast<std::uint8_t>(ts);
}

std::vector<std::uint8_t> key_for(SrtpProfile p) {
  std::vector<std::uint8_t> k(jcall::media::key_length(p) + jcall::media::salt_length(p));
  for (std::size_t i = 0; i < k.size(); ++i) {
    k[i] = static_cast<std::uint8_t>(0x5a ^ (i * 11));
  }
  return k;
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "srtp_bench: %s\n", what.c_str());
  std::exit(1);
}

// ns per packet (protect + unprotect) through SrtpSession.
double run_ours(SrtpProfile profile, std::uint32_t n) {
  const auto key = key_for(profile);
  auto out = SrtpSession::create(profile, SrtpSession::Direction::kOutbound, key);
  auto in = SrtpSession::create(profile, SrtpSession::Direction::kInbound, key);
  if (!out || !in) {
    die("SrtpSession::create failed");
  }
  const auto plain = opus_packet();
  std::vector<std::uint8_t> packet;
  packet.reserve(plain.size() + SRTP_MAX_TRAILER_LEN);
  std::uint64_t ok = 0;
  const auto t0 = Clock::now();
  for (std::uint32_t i = 0; i < n; ++i) {
    packet.assign(plain.begin(), plain.end());
    stamp(packet.data(), i);
    if (!out->protect_rtp(packet)) {
      die("protect_rtp failed");
    }
    ok += in->unprotect_rtp(packet) ? 1 : 0;
  }
  const auto t1 = Clock::now();
  if (ok != n || packet.size() != plain.size() ||
      !std::equal(plain.begin() + kHeader, plain.end(), packet.begin() + kHeader)) {
    die("SrtpSession round trip failed");
  }
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / n;
}

srtp_t make_bare(SrtpProfile profile, bool outbound, std::vector<std::uint8_t> key) {
  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof policy);
  if (profile == SrtpProfile::kAeadAes128Gcm) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
  } else {
    srtp_crypto_policy_set_rtp_default(&policy.rtp);
    srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
  }
  policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
  policy.key = key.data();
  policy.window_size = 1024;
  policy.allow_repeat_tx = outbound ? 1 : 0;
  srtp_t ctx = nullptr;
  if (srtp_create(&ctx, &policy) != srtp_err_status_ok) {
    die("srtp_create failed");
  }
  return ctx;
}

// ns per packet (protect + unprotect) with bare libsrtp2 calls on a fixed buffer.
double run_bare(SrtpProfile profile, std::uint32_t n) {
  srtp_t out = make_bare(profile, true, key_for(profile));
  srtp_t in = make_bare(profile, false, key_for(profile));
  const auto plain = opus_packet();
  std::vector<std::uint8_t> buf(plain.size() + SRTP_MAX_TRAILER_LEN);
  std::uint64_t ok = 0;
  int len = 0;
  const auto t0 = Clock::now();
  for (std::uint32_t i = 0; i < n; ++i) {
    std::memcpy(buf.data(), plain.data(), plain.size());
    stamp(buf.data(), i);
    len = static_cast<int>(plain.size());
    if (srtp_protect(out, buf.data(), &len) != srtp_err_status_ok) {
      die("srtp_protect failed");
    }
    ok += srtp_unprotect(in, buf.data(), &len) == srtp_err_status_ok ? 1 : 0;
  }
  const auto t1 = Clock::now();
  srtp_dealloc(out);
  srtp_dealloc(in);
  if (ok != n || len != static_cast<int>(plain.size()) ||
      !std::equal(plain.begin() + kHeader, plain.end(), buf.begin() + kHeader)) {
    die("libsrtp2 round trip failed");
  }
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / n;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}

struct Result {
  const char* name;
  double ours;
  double bare;
  double ratio() const { return ours / bare; }
};

}  // namespace

int main(int argc, char** argv) {
  const std::uint32_t n =
      argc > 1 ? static_cast<std::uint32_t>(std::strtoul(argv[1], nullptr, 10)) : 200000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 7;
  if (n == 0 || rounds <= 0) {
    die("usage: jcall_bench_srtp [packets>0] [rounds>0]");
  }

  std::vector<Result> results;
  for (SrtpProfile profile : {SrtpProfile::kAeadAes128Gcm, SrtpProfile::kAes128CmSha1_80}) {
    const char* name =
        profile == SrtpProfile::kAeadAes128Gcm ? "AEAD_AES_128_GCM" : "AES128_CM_SHA1_80";
    (void)run_ours(profile, n / 10 + 1);  // warm-up (also initialises libsrtp2)
    (void)run_bare(profile, n / 10 + 1);
    std::vector<double> ours;
    std::vector<double> bare;
    for (int r = 0; r < rounds; ++r) {
      if (r % 2 == 0) {  // alternate which goes first
        ours.push_back(run_ours(profile, n));
        bare.push_back(run_bare(profile, n));
      } else {
        bare.push_back(run_bare(profile, n));
        ours.push_back(run_ours(profile, n));
      }
    }
    results.push_back(Result{name, median(ours), median(bare)});
    const Result& res = results.back();
    std::printf(
        "%-18s SrtpSession %7.1f ns/packet, libsrtp2 %7.1f ns/packet, ratio %.3f "
        "(%u packets x %d rounds, protect+unprotect, median)\n",
        name, res.ours, res.bare, res.ratio(), n, rounds);
  }

  bool pass = true;
  std::string json = R"({"bench":"srtp","profiles":{)";
  for (std::size_t i = 0; i < results.size(); ++i) {
    const Result& r = results[i];
    pass = pass && r.ratio() <= kTargetRatio;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  R"(%s"%s":{"ns_per_packet":%.1f,"baseline_ns_per_packet":%.1f,"ratio":%.3f})",
                  i == 0 ? "" : ",", r.name, r.ours, r.bare, r.ratio());
    json += buf;
  }
  char tail[96];
  std::snprintf(tail, sizeof tail, R"(},"target_ratio":%.1f,"pass":%s})", kTargetRatio,
                pass ? "true" : "false");
  json += tail;
  std::printf("%s\n", json.c_str());
  return 0;
}
