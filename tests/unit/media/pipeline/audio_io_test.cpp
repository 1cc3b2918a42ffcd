// --audio-source and --audio-sink: every documented form, and what is refused.
#include "media/pipeline/audio_io.hpp"

#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "media/errc.hpp"

namespace jcall::media {
namespace {

TEST(AudioIo, ParsesEverySourceForm) {
  auto tone = parse_audio_source("tone:440");
  ASSERT_TRUE(tone) << tone.error().message;
  EXPECT_EQ(tone->kind, AudioSource::Kind::kTone);
  EXPECT_EQ(tone->frequency_hz, 440);

  auto marker = parse_audio_source("marker:1000.5");
  ASSERT_TRUE(marker);
  EXPECT_EQ(marker->kind, AudioSource::Kind::kMarker);
  EXPECT_EQ(marker->frequency_hz, 1000.5);

  auto device = parse_audio_source("device");
  ASSERT_TRUE(device);
  EXPECT_EQ(device->kind, AudioSource::Kind::kDevice);
  EXPECT_EQ(device->path_or_name, "");

  auto named = parse_audio_source("device:USB Headset: Mic");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->kind, AudioSource::Kind::kDevice);
  EXPECT_EQ(named->path_or_name, "USB Headset: Mic");

  auto silence = parse_audio_source("silence");
  ASSERT_TRUE(silence);
  EXPECT_EQ(silence->kind, AudioSource::Kind::kSilence);

  const std::string path = ::testing::TempDir() + "jcall_audio_io_test.wav";
  std::ofstream(path) << "RIFF";
  auto wav = parse_audio_source("wav:" + path);
  ASSERT_TRUE(wav) << wav.error().message;
  EXPECT_EQ(wav->kind, AudioSource::Kind::kWav);
  EXPECT_EQ(wav->path_or_name, path);
  std::remove(path.c_str());
}

TEST(AudioIo, RefusesOtherSourcesNamingTheForms) {
  for (const char* bad : {"", "tone", "tone:", "tone:abc", "tone:440Hz", "tone:5", "tone:30000",
                          "marker", "wav:", "device:", "mic", "silence:1", "Tone:440"}) {
    auto r = parse_audio_source(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_argument) << bad;
    EXPECT_NE(r.error().message.find("tone:HZ"), std::string::npos) << r.error().message;
  }
}

TEST(AudioIo, MissingWavFileIsAClearError) {
  auto r = parse_audio_source("wav:/nonexistent/jcall/missing.wav");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_NE(r.error().message.find("no such WAV file: /nonexistent/jcall/missing.wav"),
            std::string::npos)
      << r.error().message;
}

TEST(AudioIo, ParsesSinks) {
  auto none = parse_audio_sink("none");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->kind, AudioSink::Kind::kNone);
  EXPECT_FALSE(none->record_path);
  auto device = parse_audio_sink("device");
  ASSERT_TRUE(device);
  EXPECT_EQ(device->kind, AudioSink::Kind::kDevice);
  EXPECT_EQ(device->name, "");
  auto named = parse_audio_sink("device:Speakers");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->kind, AudioSink::Kind::kDevice);
  EXPECT_EQ(named->name, "Speakers");
  for (const char* bad : {"", "device:", "speaker", "None", "none:x"}) {
    auto r = parse_audio_sink(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find("none, device or device:NAME"), std::string::npos)
        << r.error().message;
  }
}

// No audio hardware on the test machines: the monitor works and whatever it lists has a name.
TEST(AudioIo, ListsDevices) {
  for (const bool sources : {true, false}) {
    for (const std::string& name : list_audio_devices(sources)) {
      EXPECT_FALSE(name.empty());
    }
  }
}

}  // namespace
}  // namespace jcall::media
