// The media options of the command line (app/options.hpp): accepted forms and clear errors.
#include "app/options.hpp"

#include <cstdlib>
#include <string>
#include <utility>
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

TEST(VideoOptions, Defaults) {
  auto o = parse({"--headless"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->video_source.kind, media::VideoSource::Kind::kPattern);
  EXPECT_EQ(o->video_source.pattern, "smpte");
  EXPECT_EQ(o->video_source.width, 640);
  EXPECT_EQ(o->video_source.height, 480);
  EXPECT_EQ(o->video_source.fps, 30);
  EXPECT_EQ(o->video_limits.max_width, 1280);
  EXPECT_EQ(o->video_limits.max_height, 720);
  EXPECT_EQ(o->video_limits.max_fps, 30);
  EXPECT_EQ(o->video_limits.max_bitrate_bps, 2'500'000u);
  EXPECT_EQ(o->video_limits.start_bitrate_bps, 1'000'000u);
  EXPECT_EQ(o->test_loss_percent, 0);
  EXPECT_EQ(o->test_jitter_ms, 0);
  EXPECT_FALSE(o->test_burst_loss);
}

TEST(VideoOptions, AcceptedForms) {
  auto o = parse({"--headless", "--video-source", "pattern:ball:320x240@15", "--max-resolution",
                  "960x540", "--max-fps", "24", "--max-bitrate", "4000", "--test-loss", "12.5",
                  "--test-jitter", "80", "--test-burst-loss", "2000:500"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->video_source.kind, media::VideoSource::Kind::kPattern);
  EXPECT_EQ(o->video_source.pattern, "ball");
  EXPECT_EQ(o->video_source.width, 320);
  EXPECT_EQ(o->video_source.height, 240);
  EXPECT_EQ(o->video_source.fps, 15);
  EXPECT_EQ(o->video_limits.max_width, 960);
  EXPECT_EQ(o->video_limits.max_height, 540);
  EXPECT_EQ(o->video_limits.max_fps, 24);
  EXPECT_EQ(o->video_limits.max_bitrate_bps, 4'000'000u);
  EXPECT_EQ(o->video_limits.start_bitrate_bps, 1'000'000u);  // below the ceiling: kept
  EXPECT_DOUBLE_EQ(o->test_loss_percent, 12.5);
  EXPECT_EQ(o->test_jitter_ms, 80);
  ASSERT_TRUE(o->test_burst_loss);
  EXPECT_EQ(*o->test_burst_loss, std::make_pair(2000, 500));

  o = parse({"--headless", "--video-source", "none"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->video_source.kind, media::VideoSource::Kind::kNone);
  o = parse({"--headless", "--video-source", "device:My Camera"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->video_source.kind, media::VideoSource::Kind::kDevice);
  EXPECT_EQ(o->video_source.path_or_name, "My Camera");
}

TEST(VideoOptions, RangeEndsAreAccepted) {
  auto o =
      parse({"--headless", "--max-resolution", "16x4096", "--max-fps", "1", "--max-bitrate",
             "20000", "--test-loss", "0", "--test-jitter", "0", "--test-burst-loss", "0:60000"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->video_limits.max_width, 16);
  EXPECT_EQ(o->video_limits.max_height, 4096);
  EXPECT_EQ(o->video_limits.max_fps, 1);
  EXPECT_EQ(o->video_limits.max_bitrate_bps, 20'000'000u);
  EXPECT_EQ(o->test_loss_percent, 0);
  EXPECT_EQ(o->test_jitter_ms, 0);
  EXPECT_EQ(*o->test_burst_loss, std::make_pair(0, 60000));
  o = parse({"--headless", "--max-fps", "60", "--test-loss", "50", "--test-jitter", "500",
             "--test-burst-loss", "60000:1"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->video_limits.max_fps, 60);
  EXPECT_DOUBLE_EQ(o->test_loss_percent, 50);
  EXPECT_EQ(o->test_jitter_ms, 500);
  EXPECT_EQ(*o->test_burst_loss, std::make_pair(60000, 1));
}

// A ceiling under the start rate lowers the start rate to it (the encoder never starts above
// what the user allows), in either order of the options.
TEST(VideoOptions, MaxBitrateBelowTheStartLowersTheStart) {
  auto o = parse({"--headless", "--max-bitrate", "300"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->video_limits.max_bitrate_bps, 300'000u);
  EXPECT_EQ(o->video_limits.start_bitrate_bps, 300'000u);
  EXPECT_EQ(o->video_limits.min_bitrate_bps, 100'000u);
  o = parse({"--headless", "--max-bitrate", "100"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->video_limits.start_bitrate_bps, 100'000u);
  EXPECT_EQ(o->video_limits.min_bitrate_bps, 100'000u);
  o = parse({"--headless", "--max-bitrate", "1000"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->video_limits.start_bitrate_bps, 1'000'000u);
}

// Each bad value is a usage error that names the option (and, from media/, what it accepts).
TEST(VideoOptions, BadValuesAreUsageErrorsThatNameTheOption) {
  struct Case {
    std::vector<std::string> args;
    std::string says;  // besides the option's name
  };
  const std::vector<Case> cases = {
      {{"--video-source", "webcam"}, "pattern:NAME"},
      {{"--video-source", "pattern:plaid"}, "known patterns"},
      {{"--video-source", "pattern:smpte:10x10"}, "WIDTHxHEIGHT"},
      {{"--video-source", "pattern:smpte:640x480@0"}, "frame rate"},
      {{"--video-source", "y4m:/nonexistent/jcall-test.y4m"}, "no such Y4M file"},
      {{"--max-resolution", "1280"}, "WIDTHxHEIGHT"},
      {{"--max-resolution", "8000x720"}, "16 to 4096"},
      {{"--max-fps", "0"}, "1 to 60"},
      {{"--max-fps", "61"}, "1 to 60"},
      {{"--max-fps", "30.5"}, "1 to 60"},
      {{"--max-bitrate", "99"}, "100 to 20000"},
      {{"--max-bitrate", "20001"}, "100 to 20000"},
      {{"--max-bitrate", "2M"}, "100 to 20000"},
      {{"--test-loss", "-1"}, "0 to 50"},
      {{"--test-loss", "50.5"}, "0 to 50"},
      {{"--test-loss", "nan"}, "0 to 50"},
      {{"--test-loss", "5%"}, "0 to 50"},
      {{"--test-jitter", "-1"}, "0 to 500"},
      {{"--test-jitter", "501"}, "0 to 500"},
      {{"--test-burst-loss", "1000"}, "START_MS:DURATION_MS"},
      {{"--test-burst-loss", "1000:0"}, "DURATION_MS 1 to 60000"},
      {{"--test-burst-loss", "-1:500"}, "START_MS 0 to 60000"},
      {{"--test-burst-loss", "60001:500"}, "START_MS 0 to 60000"},
      {{"--test-burst-loss", "1000:60001"}, "DURATION_MS 1 to 60000"},
      {{"--test-burst-loss", "1000:500:1"}, "START_MS:DURATION_MS"},
      {{"--test-burst-loss", ":500"}, "START_MS:DURATION_MS"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"--headless"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto o = parse(args);
    ASSERT_FALSE(o) << c.args[0] << " " << c.args[1];
    EXPECT_NE(o.error().message.find(c.args[0]), std::string::npos) << o.error().message;
    EXPECT_NE(o.error().message.find(c.says), std::string::npos) << o.error().message;
  }
  // An option without its value is incomplete.
  for (const char* opt : {"--video-source", "--max-resolution", "--max-fps", "--max-bitrate",
                          "--test-loss", "--test-jitter", "--test-burst-loss"}) {
    auto o = parse({"--headless", opt});
    ASSERT_FALSE(o) << opt;
    EXPECT_NE(o.error().message.find(std::string("incomplete option '") + opt + "'"),
              std::string::npos)
        << o.error().message;
  }
}

TEST(VideoOptions, HelpDocumentsTheOptionsAndTheCameraCommand) {
  const std::string help = usage();
  for (const char* s :
       {"--video-source SPEC", "--max-resolution WxH", "--max-fps N", "--max-bitrate KBPS",
        "--test-loss PCT", "--test-jitter MS", "--test-burst-loss START_MS:DURATION_MS",
        R"({"cmd":"camera","on":false})"}) {
    EXPECT_NE(help.find(s), std::string::npos) << s;
  }
}

}  // namespace
}  // namespace jcall::app

namespace jcall::app {
namespace {

Result<Options> parse_raw(std::vector<std::string> args) {
  args.insert(args.begin(), "jcall");
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  return parse_options(static_cast<int>(argv.size()), argv.data());
}

TEST(WindowOptions, TheWindowNeedsNoJidNorPassword) {
  auto o = parse_raw({});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_FALSE(o->headless);
  EXPECT_TRUE(o->jid.empty());
  EXPECT_TRUE(o->password.empty());
  o = parse_raw({"--jid", "alice@localhost", "--ui-scale", "1.5"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->jid, "alice@localhost");
  EXPECT_FLOAT_EQ(o->ui_scale, 1.5f);
  // What the command line sets is kept; the window picks devices for the rest.
  EXPECT_FALSE(o->devices_given.audio_source || o->devices_given.audio_sink ||
               o->devices_given.video_source);
  o = parse_raw({"--audio-source", "tone:500", "--video-source", "pattern:ball"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_TRUE(o->devices_given.audio_source);
  EXPECT_FALSE(o->devices_given.audio_sink);
  EXPECT_TRUE(o->devices_given.video_source);
}

TEST(WindowOptions, HeadlessStillNeedsJidAndPasswordAndScaleIsBounded) {
  auto o = parse_raw({"--headless"});
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message.find("--jid"), std::string::npos) << o.error().message;
  o = parse_raw({"--headless", "--jid", "alice@localhost"});
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message.find("password"), std::string::npos) << o.error().message;
  o = parse_raw({"--ui-scale", "9"});
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message.find("0.5 to 4"), std::string::npos) << o.error().message;
}

}  // namespace
}  // namespace jcall::app
