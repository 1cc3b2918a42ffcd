// The XMPP client against a real Prosody on 127.0.0.1 (tests/support fixture), driven
// through `jcall --headless --json` processes: login and its failures (RFC 6120 §5, §6,
// §13.7), subscriptions and presence (RFC 6121), messages, receipts and carbons
// (XEP-0184, XEP-0280), disco (XEP-0030), external services (XEP-0215), and no message lost
// or duplicated when the connection is cut (XEP-0198, XEP-0359).
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/jcall_process.hpp"
#include "support/prosody_fixture.hpp"
#include "support/tcp_proxy.hpp"

namespace jcall::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

std::unique_ptr<ProsodyServer> start_server(ProsodyServer::Options options = {}) {
  if (options.accounts.empty()) {
    options.accounts = {{"alice", "alice-pw-1"}, {"bob", "bob-pw-2"}};
  }
  std::string error;
  auto server = ProsodyServer::start(options, &error);
  EXPECT_NE(server, nullptr) << error;
  return server;
}

TEST(XmppLogin, StartTlsScramBindAndStreamManagement) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall alice(*server, "alice@localhost/test", "alice-pw-1");
  auto connected = alice.wait_event("connected");
  ASSERT_TRUE(connected) << alice.raw() << server->log_tail();
  EXPECT_EQ((*connected)["jid"], "alice@localhost/test");
  EXPECT_EQ((*connected)["tls"], "TLSv1.3");
  EXPECT_EQ((*connected)["sasl"], "SCRAM-SHA-1");  // the best Prosody 0.12 offers over TLS 1.3
  EXPECT_EQ((*connected)["stream_management"], true);
  EXPECT_TRUE(alice.wait_event("roster"));
  EXPECT_EQ(alice.quit(), 0);
  EXPECT_EQ(alice.raw().find("alice-pw-1"), std::string::npos);
}

// RFC 5802 -PLUS with RFC 5929 tls-unique: what Prosody 0.12 offers over TLS 1.2 (it has no
// channel binding for TLS 1.3). The server checks our binding, so a login proves it right.
TEST(XmppLogin, ScramPlusWithChannelBindingOverTls12) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall alice(*server, "alice@localhost/test", "alice-pw-1", {"--tls-max-version", "1.2"});
  auto connected = alice.wait_event("connected");
  ASSERT_TRUE(connected) << alice.raw() << server->log_tail();
  EXPECT_EQ((*connected)["tls"], "TLSv1.2");
  EXPECT_EQ((*connected)["sasl"], "SCRAM-SHA-1-PLUS");
  EXPECT_EQ(alice.quit(), 0);
}

TEST(XmppLogin, WrongPasswordIsReportedAndNotRetried) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall alice(*server, "alice@localhost/test", "not-the-password");
  auto ev = alice.wait_event("disconnected");
  ASSERT_TRUE(ev) << alice.raw();
  EXPECT_EQ((*ev)["will_retry"], false);
  EXPECT_NE((*ev)["reason"].get<std::string>().find("wrong password"), std::string::npos)
      << (*ev)["reason"];
  EXPECT_EQ(alice.finish(), 1);
  EXPECT_TRUE(alice.all("connected").empty());
  EXPECT_EQ(alice.raw().find("not-the-password"), std::string::npos);
}

TEST(XmppLogin, CertificateFromAnUntrustedCaIsRefused) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall alice(*server, "alice@localhost/test", "alice-pw-1", {"--cafile", server->other_cafile()});
  auto ev = alice.wait_event("disconnected");
  ASSERT_TRUE(ev) << alice.raw();
  const std::string reason = (*ev)["reason"];
  EXPECT_NE(reason.find("certificate of localhost was rejected"), std::string::npos) << reason;
  EXPECT_NE(reason.find("unable to get local issuer certificate"), std::string::npos) << reason;
  // The user can compare the certificate with what the server's admin publishes: the reason
  // names the SHA-256 fingerprint of the certificate the server really sent.
  FILE* p = ::popen(("openssl x509 -noout -fingerprint -sha256 -in " +
                     server->cafile().substr(0, server->cafile().rfind('/')) + "/server.crt")
                        .c_str(),
                    "r");
  ASSERT_NE(p, nullptr);
  char line[256] = {};
  const bool read = std::fgets(line, sizeof line, p) != nullptr;
  ::pclose(p);
  ASSERT_TRUE(read);
  std::string expected(line);
  expected = expected.substr(expected.find('=') + 1);
  expected.erase(expected.find_last_not_of("\r\n") + 1);
  ASSERT_EQ(expected.size(), 95u) << expected;  // 32 bytes as XX:XX:...
  EXPECT_NE(reason.find("SHA-256 fingerprint is " + expected), std::string::npos) << reason;
  EXPECT_EQ((*ev)["will_retry"], false);
  EXPECT_EQ(alice.finish(), 1);
}

TEST(XmppLogin, CertificateForAnotherHostIsRefused) {
  ProsodyServer::Options options;
  options.cert_host = "xmpp.jcall.test";
  auto server = start_server(options);
  ASSERT_TRUE(server);
  Jcall alice(*server, "alice@localhost/test", "alice-pw-1");
  auto ev = alice.wait_event("disconnected");
  ASSERT_TRUE(ev) << alice.raw();
  const std::string reason = (*ev)["reason"];
  EXPECT_NE(reason.find("not valid for localhost"), std::string::npos) << reason;
  EXPECT_EQ(alice.finish(), 1);
}

TEST(XmppLogin, NoAuthenticationWithoutTls) {
  ProsodyServer::Options options;
  options.tls = false;  // this server offers PLAIN in the clear
  auto server = start_server(options);
  ASSERT_TRUE(server);
  Jcall alice(*server, "alice@localhost/test", "alice-pw-1");
  auto ev = alice.wait_event("disconnected");
  ASSERT_TRUE(ev) << alice.raw();
  const std::string reason = (*ev)["reason"];
  EXPECT_NE(reason.find("does not offer STARTTLS"), std::string::npos) << reason;
  EXPECT_EQ((*ev)["will_retry"], false);
  EXPECT_EQ(alice.finish(), 1);
  EXPECT_EQ(server->log_tail(200).find("Authenticated"), std::string::npos);
}

TEST(XmppClient, SubscribeToEachOtherAndSeePresence) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2",
            {"--auto-approve", "--status", "at my desk"});
  ASSERT_TRUE(bob.wait_event("connected")) << bob.raw();
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1",
              {"--subscribe", "bob@localhost", "--auto-approve"});
  ASSERT_TRUE(alice.wait_event("connected")) << alice.raw();
  auto bob_seen = alice.wait_for([](const json& e) {
    return e["event"] == "presence" && e["from"] == "bob@localhost/desk" &&
           e["type"] == "available";
  });
  ASSERT_TRUE(bob_seen) << alice.raw();
  EXPECT_EQ((*bob_seen)["status"], "at my desk");
  EXPECT_EQ((*bob_seen)["caps_ver"].get<std::string>().size(), 28u);
  auto alice_seen = bob.wait_for([](const json& e) {
    return e["event"] == "presence" && e["from"] == "alice@localhost/phone" &&
           e["type"] == "available";
  });
  ASSERT_TRUE(alice_seen) << bob.raw();
  auto both = alice.wait_for([](const json& e) {
    return e["event"] == "roster" && !e["items"].empty() && e["items"][0]["subscription"] == "both";
  });
  EXPECT_TRUE(both) << alice.raw();
  // Alice goes away: Bob sees her unavailable.
  EXPECT_EQ(alice.quit(), 0);
  EXPECT_TRUE(bob.wait_for([](const json& e) {
    return e["event"] == "presence" && e["from"] == "alice@localhost/phone" &&
           e["type"] == "unavailable";
  })) << bob.raw();
  EXPECT_EQ(bob.quit(), 0);
}

TEST(XmppClient, DeniedSubscriptionAndRosterEdits) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2");
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1");
  ASSERT_TRUE(bob.wait_event("connected"));
  ASSERT_TRUE(alice.wait_event("connected"));
  alice.command({{"cmd", "subscribe"}, {"to", "bob@localhost"}});
  auto request = bob.wait_for(
      [](const json& e) { return e["event"] == "subscription" && e["type"] == "subscribe"; });
  ASSERT_TRUE(request) << bob.raw();
  EXPECT_EQ((*request)["from"], "alice@localhost");
  bob.command({{"cmd", "deny"}, {"to", "alice@localhost"}});
  auto denied = alice.wait_for(
      [](const json& e) { return e["event"] == "subscription" && e["type"] == "unsubscribed"; });
  ASSERT_TRUE(denied) << alice.raw();
  EXPECT_EQ((*denied)["from"], "bob@localhost");
  auto roster = alice.wait_for([](const json& e) {
    return e["event"] == "roster" && e["push"] == true && !e["items"].empty() &&
           e["items"][0]["jid"] == "bob@localhost" && e["items"][0]["ask"] == false;
  });
  ASSERT_TRUE(roster) << alice.raw();
  EXPECT_EQ((*roster)["items"][0]["subscription"], "none");
  for (const auto& p : alice.all("presence")) {
    EXPECT_FALSE(p["from"] == "bob@localhost/desk" && p["type"] == "available")
        << "Bob's presence reached Alice though he denied her";
  }

  alice.command({{"cmd", "roster-add"},
                 {"jid", "carol@localhost"},
                 {"name", "Carol"},
                 {"groups", {"Friends", "Work"}}});
  auto added = alice.wait_for([](const json& e) {
    return e["event"] == "roster" && !e["items"].empty() &&
           e["items"][0]["jid"] == "carol@localhost";
  });
  ASSERT_TRUE(added) << alice.raw();
  EXPECT_EQ((*added)["items"][0]["name"], "Carol");
  const auto groups = (*added)["items"][0]["groups"].get<std::set<std::string>>();
  EXPECT_EQ(groups, (std::set<std::string>{"Friends", "Work"}));
  alice.command({{"cmd", "roster-remove"}, {"jid", "carol@localhost"}});
  auto removed = alice.wait_for([](const json& e) {
    return e["event"] == "roster" && !e["items"].empty() &&
           e["items"][0]["jid"] == "carol@localhost" && e["items"][0]["subscription"] == "remove";
  });
  ASSERT_TRUE(removed) << alice.raw();
  EXPECT_EQ(alice.quit(), 0);
  EXPECT_EQ(bob.quit(), 0);
}

TEST(XmppClient, ReceiptsAndCarbons) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall phone(*server, "alice@localhost/phone", "alice-pw-1");
  Jcall laptop(*server, "alice@localhost/laptop", "alice-pw-1");
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2");
  ASSERT_TRUE(phone.wait_event("connected"));
  ASSERT_TRUE(laptop.wait_event("connected"));
  ASSERT_TRUE(bob.wait_event("connected"));
  // Carbons are enabled right after login; give the IQ a moment to be processed.
  ASSERT_TRUE(phone.wait_event("roster"));
  ASSERT_TRUE(laptop.wait_event("roster"));
  std::this_thread::sleep_for(200ms);

  bob.command({{"cmd", "message"}, {"to", "alice@localhost/phone"}, {"body", "to the phone"}});
  auto sent = bob.wait_event("sent");
  ASSERT_TRUE(sent);
  auto got = phone.wait_event("message");
  ASSERT_TRUE(got) << phone.raw();
  EXPECT_EQ((*got)["body"], "to the phone");
  EXPECT_EQ((*got)["carbon"], "none");
  auto carbon = laptop.wait_event("message");
  ASSERT_TRUE(carbon) << laptop.raw();
  EXPECT_EQ((*carbon)["body"], "to the phone");
  EXPECT_EQ((*carbon)["carbon"], "received");
  auto receipt = bob.wait_event("receipt");
  ASSERT_TRUE(receipt) << bob.raw();
  EXPECT_EQ((*receipt)["id"], (*sent)["id"]);
  EXPECT_EQ((*receipt)["from"], "alice@localhost/phone");

  phone.command({{"cmd", "message"}, {"to", "bob@localhost/desk"}, {"body", "reply from phone"}});
  auto sent_carbon = laptop.wait_for(
      [](const json& e) { return e["event"] == "message" && e["carbon"] == "sent"; });
  ASSERT_TRUE(sent_carbon) << laptop.raw();
  EXPECT_EQ((*sent_carbon)["body"], "reply from phone");
  EXPECT_EQ((*sent_carbon)["to"], "bob@localhost/desk");
  EXPECT_EQ(laptop.all("receipt").size(), 0u) << "receipts are for the device that sent";
  EXPECT_EQ(phone.quit(), 0);
  EXPECT_EQ(laptop.quit(), 0);
  EXPECT_EQ(bob.quit(), 0);
}

TEST(XmppClient, AnswersDiscoAndRefusesUnknownIqs) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1");
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2");
  ASSERT_TRUE(alice.wait_event("connected"));
  ASSERT_TRUE(bob.wait_event("connected"));
  bob.command({{"cmd", "iq"},
               {"xml",
                "<iq type='get' to='alice@localhost/phone'><query "
                "xmlns='http://jabber.org/protocol/disco#info'/></iq>"}});
  auto info = bob.wait_event("iq_result");
  ASSERT_TRUE(info) << bob.raw();
  ASSERT_EQ((*info)["ok"], true) << *info;
  const std::string xml = (*info)["xml"];
  EXPECT_NE(xml.find("category=\"client\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("urn:xmpp:receipts"), std::string::npos) << xml;
  EXPECT_NE(xml.find("urn:xmpp:ping"), std::string::npos) << xml;

  bob.command({{"cmd", "iq"},
               {"xml",
                "<iq type='get' to='alice@localhost/phone'><query "
                "xmlns='urn:example:nothing-implements-this'/></iq>"}});
  auto unknown =
      bob.wait_for([](const json& e) { return e["event"] == "iq_result" && e["ok"] == false; });
  ASSERT_TRUE(unknown) << bob.raw();
  EXPECT_NE((*unknown)["error"].get<std::string>().find("service-unavailable"), std::string::npos)
      << *unknown;
  EXPECT_EQ(alice.quit(), 0);
  EXPECT_EQ(bob.quit(), 0);
}

TEST(XmppClient, ExternalServicesWithCredentials) {
  auto server = start_server();
  ASSERT_TRUE(server);
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1");
  ASSERT_TRUE(alice.wait_event("connected"));
  alice.command({{"cmd", "external-services"}});
  auto ev = alice.wait_event("external_services");
  ASSERT_TRUE(ev) << alice.raw();
  std::map<std::string, json> by_type;
  for (const auto& s : (*ev)["services"]) {
    by_type[s["type"]] = s;
  }
  ASSERT_TRUE(by_type.contains("stun")) << *ev;
  EXPECT_EQ(by_type["stun"]["host"], "127.0.0.1");
  EXPECT_EQ(by_type["stun"]["port"], 3478);
  ASSERT_TRUE(by_type.contains("turn")) << *ev;
  EXPECT_EQ(by_type["turn"]["has_password"], true);
  EXPECT_FALSE(by_type["turn"]["username"].get<std::string>().empty());
  EXPECT_EQ(alice.quit(), 0);
}

// XEP-0198 + XEP-0359: 1,000 messages from Alice to Bob while Bob's TCP connection is cut
// abruptly twice mid-stream (Bob gets an RST; the server sees the TCP connection end with no
// XMPP close; see tcp_proxy.hpp for why the server side is not reset too). Bob resumes his session
// each time and receives every message exactly once, in order; Alice ends with nothing
// unacknowledged.
TEST(XmppReliability, ThousandMessagesSurviveTwoConnectionCuts) {
  auto server = start_server();
  ASSERT_TRUE(server);
  TcpProxy proxy(static_cast<std::uint16_t>(server->port()));
  Jcall bob(*server, "bob@localhost/desk", "bob-pw-2", {}, proxy.port());
  Jcall alice(*server, "alice@localhost/phone", "alice-pw-1");
  ASSERT_TRUE(bob.wait_event("connected")) << bob.raw();
  ASSERT_TRUE(alice.wait_event("connected")) << alice.raw();

  constexpr int kMessages = 1000;
  const std::set<int> cut_after = {250, 650};  // cut when Bob has received this many
  int received = 0;
  int sent = 0;
  int cuts = 0;
  std::vector<std::string> bodies;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (received < kMessages && std::chrono::steady_clock::now() < deadline) {
    // Alice sends in small paced batches (about 200 a second), so the stream is flowing when
    // the cuts happen. The server keeps at most 500 unacknowledged stanzas for a session
    // that waits to be resumed (Prosody's default), so the pace stays below that per outage.
    for (int i = 0; i < 2 && sent < kMessages; ++i) {
      ++sent;
      char body[32];
      std::snprintf(body, sizeof(body), "msg-%04d", sent);
      alice.command({{"cmd", "message"}, {"to", "bob@localhost/desk"}, {"body", body}});
    }
    alice.pump();
    auto ev = bob.wait_for([](const json& e) { return e["event"] == "message"; },
                           sent < kMessages ? 10ms : 5000ms);
    while (ev) {
      bodies.push_back((*ev)["body"]);
      ++received;
      if (cut_after.contains(received)) {
        EXPECT_EQ(proxy.cut(), 1);
        ++cuts;
      }
      ev = bob.wait_for([](const json& e) { return e["event"] == "message"; }, 0ms);
    }
  }
  EXPECT_EQ(cuts, 2);
  auto connection_events = [&](const Jcall& who) {
    std::string out;
    for (const char* name : {"connected", "disconnected", "error"}) {
      for (const auto& e : who.all(name)) {
        out += e.dump() + "\n";
      }
    }
    return out;
  };
  ASSERT_EQ(static_cast<int>(bodies.size()), kMessages)
      << "after " << sent << " sent\nbob:\n"
      << connection_events(bob) << "alice:\n"
      << connection_events(alice) << server->log_tail(60);
  for (int i = 0; i < kMessages; ++i) {
    char want[32];
    std::snprintf(want, sizeof(want), "msg-%04d", i + 1);
    ASSERT_EQ(bodies[static_cast<std::size_t>(i)], want) << "message #" << i + 1 << "\nbob:\n"
                                                         << connection_events(bob);
  }
  // Bob's reconnects resumed the session (nothing to re-sync) each time.
  const auto connects = bob.all("connected");
  ASSERT_EQ(connects.size(), 3u) << bob.raw().substr(0, 4000);
  EXPECT_EQ(connects[1]["resumed"], true);
  EXPECT_EQ(connects[2]["resumed"], true);
  // Each cut said a reconnect was coming and when (the window shows "reconnecting in N s"):
  // the first backoff is between half and all of 500 ms.
  const auto drops = bob.all("disconnected");
  ASSERT_GE(drops.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(drops[i]["will_retry"], true) << drops[i];
    EXPECT_GE(drops[i]["retry_in_ms"].get<int>(), 250) << drops[i];
    EXPECT_LE(drops[i]["retry_in_ms"].get<int>(), 30000) << drops[i];
  }
  EXPECT_GE(proxy.accepted(), 3);
  // Nothing more arrives (no duplicate after the last one).
  EXPECT_FALSE(bob.wait_for([](const json& e) { return e["event"] == "message"; }, 1500ms));

  ASSERT_EQ(alice.quit(), 0) << connection_events(alice);
  const auto alice_end = alice.all("disconnected");
  ASSERT_FALSE(alice_end.empty());
  EXPECT_EQ(alice_end.back()["unacked"], 0);
  EXPECT_EQ(bob.quit(), 0);
  if (HasFailure()) {
    std::cerr << "alice:\n" << connection_events(alice) << "bob:\n" << connection_events(bob);
  }
}

}  // namespace
}  // namespace jcall::test
