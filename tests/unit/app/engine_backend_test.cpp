// The media seam's translations (app/engine_backend.hpp): XEP-0176 candidates to media's and
// back, and a call's statistics as the JSON the headless events and summaries carry. The
// engine itself is exercised by tests/e2e (two processes, real media).
#include "app/engine_backend.hpp"

#include <gtest/gtest.h>

namespace jcall::app {
namespace {

TEST(EngineBackend, CandidatesMapBothWaysWithEveryField) {
  jingle::Candidate j;
  j.component = 1;
  j.foundation = "2";
  j.ip = "192.0.2.7";
  j.port = 40123;
  j.priority = 1686052607;
  j.protocol = "udp";
  j.rel_addr = "10.0.0.2";
  j.rel_port = 5000;
  j.type = "srflx";
  const media::IceCandidate m = EngineBackend::to_media(j);
  EXPECT_EQ(m.foundation, "2");
  EXPECT_EQ(m.ip, "192.0.2.7");
  EXPECT_EQ(m.port, 40123);
  EXPECT_EQ(m.priority, 1686052607u);
  EXPECT_EQ(m.type, "srflx");
  EXPECT_EQ(m.rel_addr, "10.0.0.2");
  EXPECT_EQ(m.rel_port, 5000);
  const jingle::Candidate back = EngineBackend::to_jingle(m);
  EXPECT_EQ(back.foundation, j.foundation);
  EXPECT_EQ(back.ip, j.ip);
  EXPECT_EQ(back.port, j.port);
  EXPECT_EQ(back.priority, j.priority);
  EXPECT_EQ(back.protocol, j.protocol);
  EXPECT_EQ(back.type, j.type);
  EXPECT_EQ(back.rel_addr, j.rel_addr);
  EXPECT_EQ(back.rel_port, j.rel_port);
  // XEP-0176 §5.1 requires id, generation and network on what we send.
  EXPECT_FALSE(back.id.empty());
  EXPECT_EQ(back.generation, 0u);
  EXPECT_EQ(back.network, 0);
  // A second mapping gets another id (ids are unique per candidate).
  EXPECT_NE(EngineBackend::to_jingle(m).id, back.id);
}

TEST(EngineBackend, TcpCandidateKeepsItsTcptype) {
  jingle::Candidate j;
  j.foundation = "3";
  j.ip = "127.0.0.1";
  j.port = 9;
  j.priority = 1518280447;
  j.protocol = "tcp";
  j.tcptype = "active";
  j.type = "host";
  const media::IceCandidate m = EngineBackend::to_media(j);
  EXPECT_EQ(m.protocol, "tcp");
  EXPECT_EQ(m.tcptype, "active");
  EXPECT_EQ(EngineBackend::to_jingle(m).tcptype, "active");
}

TEST(EngineBackend, StatisticsAsJson) {
  media::CallStats s;
  media::StreamStats st;
  st.name = "audio";
  st.codec = "opus/48000/2";
  st.packets_sent = 150;
  st.bytes_sent = 12000;
  st.packets_received = 149;
  st.bytes_received = 11900;
  st.packets_lost = 1;
  st.jitter_ms = 0.5;
  st.rtt_ms = 0.7;
  st.dtmf_received = 2;
  st.analysis = media::ToneAnalysis{440.2, -9.5, 96000};
  s.streams.push_back(st);
  media::TransportStats t;
  t.name = "audio";
  t.ice_state = "connected";
  media::IceCandidate local;
  local.ip = "127.0.0.1";
  local.port = 1000;
  media::IceCandidate remote = local;
  remote.port = 2000;
  t.pair = media::SelectedPair{local, remote};
  t.dtls_state = "connected";
  t.dtls_version = "DTLSv1.2";
  t.dtls_role = "client";
  t.srtp_profile = "SRTP_AEAD_AES_128_GCM";
  t.srtp_in.unprotected_packets = 149;
  t.srtp_in.auth_failures = 3;
  t.srtp_in.replay_failures = 1;
  t.srtp_out.protected_packets = 150;
  s.transports.push_back(t);
  const MediaStats j = EngineBackend::to_json(s);
  const auto& a = j["streams"][0];
  EXPECT_EQ(a["media"], "audio");
  EXPECT_EQ(a["codec"], "opus/48000/2");
  EXPECT_EQ(a["packets_sent"], 150);
  EXPECT_EQ(a["packets_received"], 149);
  EXPECT_EQ(a["packets_lost"], 1);
  EXPECT_DOUBLE_EQ(a["rtt_ms"].get<double>(), 0.7);
  EXPECT_DOUBLE_EQ(a["received_tone"]["frequency_hz"].get<double>(), 440.2);
  EXPECT_EQ(a["received_tone"]["samples"], 96000);
  const auto& tr = j["transports"][0];
  EXPECT_EQ(tr["local"]["port"], 1000);
  EXPECT_EQ(tr["remote"]["port"], 2000);
  EXPECT_EQ(tr["dtls"]["version"], "DTLSv1.2");
  EXPECT_EQ(tr["srtp"]["profile"], "SRTP_AEAD_AES_128_GCM");
  EXPECT_EQ(tr["srtp"]["received"]["auth_failures"], 3);
  EXPECT_EQ(tr["srtp"]["received"]["replay_failures"], 1);
  EXPECT_EQ(tr["srtp"]["sent"]["protected"], 150);
  EXPECT_FALSE(j.contains("markers"));
  // No RTT yet: null, not a made-up 0.
  s.streams[0].rtt_ms.reset();
  EXPECT_TRUE(EngineBackend::to_json(s)["streams"][0]["rtt_ms"].is_null());
}

}  // namespace
}  // namespace jcall::app
