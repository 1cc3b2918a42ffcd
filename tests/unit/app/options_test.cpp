// The media options of the command line (app/options.hpp): accepted forms and clear errors.
#include "app/options.hpp"

#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace jcall::app {
namespace {

// A complete login (--jid, the password from the environment) plus the options under test.
Result<Options> parse(std::vector<std::string> args) {
  ::setenv("JCALL_OPTIONS_TEST_PW", "pw", 1);
  args.insert(args.begin(),
              {"jcall", "--jid", "alice@localhost", "--password-env", "JCALL_OPTIONS_TEST_PW"});
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  return parse_options(static_cast<int>(argv.size()), argv.data());
}

TEST(MediaOptions, DefaultsAndAcceptedForms) {
  auto o = parse({"--headless"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->audio_source, "tone:440");
  EXPECT_EQ(o->audio_sink, "none");
  EXPECT_EQ(o->jitter_ms, 30);
  EXPECT_FALSE(o->relay_only);
  o = parse({"--headless",
             "--local-address",
             "127.0.0.1",
             "--local-address",
             "::1",
             "--audio-source",
             "marker:1000",
             "--audio-sink",
             "device",
             "--record",
             "/tmp/x.wav",
             "--jitter-ms",
             "60",
             "--dtmf",
             "12*#ab",
             "--relay-only",
             "--stats-interval",
             "0.5",
             "--turn",
             "udp:u:p@127.0.0.1:3478",
             "--stun",
             "127.0.0.1:3478",
             "--test-tamper-srtp",
             "3",
             "--test-wrong-fingerprint"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->local_addresses, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(o->audio_source, "marker:1000");
  EXPECT_EQ(o->audio_sink, "device");
  EXPECT_EQ(o->record, "/tmp/x.wav");
  EXPECT_EQ(o->jitter_ms, 60);
  EXPECT_EQ(o->dtmf, "12*#ab");
  EXPECT_TRUE(o->relay_only);
  EXPECT_DOUBLE_EQ(o->stats_interval_s, 0.5);
  EXPECT_EQ(o->turn.size(), 1u);
  EXPECT_EQ(o->stun.size(), 1u);
  EXPECT_EQ(o->test_tamper_srtp, 3);
  EXPECT_TRUE(o->test_wrong_fingerprint);
}

TEST(MediaOptions, BadValuesAreUsageErrorsThatSayWhy) {
  auto o = parse({"--headless", "--audio-source", "trumpet"});
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message.find("--audio-source"), std::string::npos) << o.error().message;
  EXPECT_NE(o.error().message.find("tone:"), std::string::npos) << o.error().message;
  o = parse({"--headless", "--audio-sink", "speaker"});
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message.find("--audio-sink"), std::string::npos) << o.error().message;
  o = parse({"--headless", "--dtmf", "12x"});
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message.find("--dtmf"), std::string::npos) << o.error().message;
  o = parse({"--headless", "--jitter-ms", "-5"});
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message.find("--jitter-ms"), std::string::npos) << o.error().message;
  o = parse({"--headless", "--stats-interval", "soon"});
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message.find("--stats-interval"), std::string::npos) << o.error().message;
}

}  // namespace
}  // namespace jcall::app
