// Checks the test fixture itself: tools/local-server brings up a Prosody on
// loopback whose STARTTLS certificate chains to the test CA only, and the
// fixture stops it again.
#include "support/prosody_fixture.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <netinet/in.h>
#include <optional>
#include <signal.h>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace jcall::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

bool tcp_connects(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // Loopback connect to a listening port completes (or is refused) at once.
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

struct SClientResult {
  std::string output;
  std::optional<int> status;
};

// openssl s_client with STARTTLS for XMPP; stdin is closed so it quits after
// the handshake.
SClientResult starttls_probe(const ProsodyServer& server,
                             const std::string& cafile,
                             const std::string& verify_host) {
  ChildProcess::Options opts;
  opts.argv = {"openssl",
               "s_client",
               "-starttls",
               "xmpp",
               "-connect",
               "127.0.0.1:" + std::to_string(server.port()),
               "-xmpphost",
               server.domain(),
               "-CAfile",
               cafile,
               "-verify_return_error",
               "-verify_hostname",
               verify_host};
  opts.merge_stderr = true;
  opts.close_stdin = true;
  std::string error;
  auto child = ChildProcess::spawn(std::move(opts), &error);
  SClientResult result;
  if (!child) {
    result.output = error;
    return result;
  }
  result.output = child->read_all(seconds(10));
  result.status = child->wait(seconds(5));
  return result;
}

class ProsodyFixtureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ProsodyServer::Options opts;
    opts.accounts = {{"alice", "alice-pw"}, {"bob", "bob-pw"}};
    std::string error;
    const auto t0 = std::chrono::steady_clock::now();
    server_ = ProsodyServer::start(std::move(opts), &error).release();
    const auto ms =
        std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0).count();
    if (server_ != nullptr) {
      std::cerr << "[ prosody  ] started on 127.0.0.1:" << server_->port() << " in " << ms
                << " ms (dir " << server_->dir() << ")\n";
    } else {
      std::cerr << "[ prosody  ] failed: " << error << '\n';
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(server_, nullptr) << "Prosody did not start"; }

  static ProsodyServer* server_;
};

ProsodyServer* ProsodyFixtureTest::server_ = nullptr;

TEST_F(ProsodyFixtureTest, ReportsWhereItRuns) {
  EXPECT_EQ(server_->domain(), "localhost");
  EXPECT_GT(server_->port(), 0);
  EXPECT_GT(server_->pid(), 0);
  EXPECT_EQ(::kill(server_->pid(), 0), 0);
  EXPECT_EQ(server_->cafile(), server_->dir() + "/certs/ca.crt");
  EXPECT_EQ(server_->other_cafile(), server_->dir() + "/certs/other-ca.crt");
  EXPECT_NE(server_->log_tail().find("Activated service 'c2s'"), std::string::npos)
      << server_->log_tail();
}

TEST_F(ProsodyFixtureTest, AcceptsTcpOnLoopback) {
  EXPECT_TRUE(tcp_connects(server_->port()));
}

TEST_F(ProsodyFixtureTest, StartTlsChainVerifiesAgainstTestCa) {
  auto r = starttls_probe(*server_, server_->cafile(), "localhost");
  ASSERT_TRUE(r.status.has_value()) << "openssl s_client did not finish\n" << r.output;
  EXPECT_NE(r.output.find("Verify return code: 0 (ok)"), std::string::npos)
      << r.output << "\n--- prosody log\n"
      << server_->log_tail();
}

TEST_F(ProsodyFixtureTest, StartTlsChainFailsAgainstOtherCa) {
  auto r = starttls_probe(*server_, server_->other_cafile(), "localhost");
  ASSERT_TRUE(r.status.has_value()) << "openssl s_client did not finish\n" << r.output;
  EXPECT_EQ(r.output.find("Verify return code: 0 (ok)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("unable to get local issuer certificate"), std::string::npos) << r.output;
  ASSERT_TRUE(WIFEXITED(*r.status));
  EXPECT_NE(WEXITSTATUS(*r.status), 0);
}

TEST_F(ProsodyFixtureTest, StartTlsHostNameMismatchFails) {
  auto r = starttls_probe(*server_, server_->cafile(), "not-the-server.test");
  ASSERT_TRUE(r.status.has_value()) << "openssl s_client did not finish\n" << r.output;
  EXPECT_EQ(r.output.find("Verify return code: 0 (ok)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("hostname mismatch"), std::string::npos) << r.output;
}

TEST(ProsodyFixture, CertHostOptionAndCleanup) {
  ProsodyServer::Options opts;
  opts.accounts = {{"carol", "carol-pw"}};
  opts.cert_host = "xmpp.jcall.test";
  std::string error;
  auto server = ProsodyServer::start(std::move(opts), &error);
  ASSERT_NE(server, nullptr) << error;
  const pid_t pid = server->pid();
  const std::string dir = server->dir();
  ASSERT_EQ(::kill(pid, 0), 0);

  // The certificate names cert_host, not the domain.
  auto good = starttls_probe(*server, server->cafile(), "xmpp.jcall.test");
  EXPECT_NE(good.output.find("Verify return code: 0 (ok)"), std::string::npos) << good.output;
  auto bad = starttls_probe(*server, server->cafile(), "localhost");
  EXPECT_NE(bad.output.find("hostname mismatch"), std::string::npos) << bad.output;

  server.reset();
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  if (std::getenv("JCALL_KEEP_TEST_DIRS") == nullptr) {
    EXPECT_NE(::access(dir.c_str(), F_OK), 0) << dir << " was not removed";
  }
}

TEST(ChildProcess, LinesExitStatusAndKill) {
  ChildProcess::Options opts;
  opts.argv = {"sh", "-c", "read x; echo \"got $x\"; echo \"$JCALL_T_VAR\"; printf tail; exit 3"};
  opts.env = {"JCALL_T_VAR=from-env"};
  auto child = ChildProcess::spawn(std::move(opts));
  ASSERT_NE(child, nullptr);
  EXPECT_FALSE(child->read_line(milliseconds(50)).has_value());  // waits for stdin
  ASSERT_TRUE(child->write_stdin("hello\n"));
  EXPECT_EQ(child->read_line(seconds(5)), "got hello");
  EXPECT_EQ(child->read_line(seconds(5)), "from-env");
  EXPECT_EQ(child->read_line(seconds(5)), "tail");
  EXPECT_FALSE(child->read_line(seconds(5)).has_value());
  auto status = child->wait(seconds(5));
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 3);

  ChildProcess::Options sleeper;
  sleeper.argv = {"sleep", "30"};
  auto s = ChildProcess::spawn(std::move(sleeper));
  ASSERT_NE(s, nullptr);
  EXPECT_FALSE(s->wait(milliseconds(50)).has_value());
  const pid_t pid = s->pid();
  s.reset();  // SIGKILL and reap
  EXPECT_EQ(::kill(pid, 0), -1);
}

}  // namespace
}  // namespace jcall::test
