// RFC 7587 §6.1: a peer's Opus format parameters tune opusenc.
#include "codecs/encoder_tuning.hpp"

#include <gtest/gtest.h>

namespace jcall::codecs {
namespace {

Codec opus(std::vector<Parameter> params) {
  Codec c;
  c.id = 111;
  c.name = "opus";
  c.clock_rate = 48000;
  c.channels = 2;
  c.parameters = std::move(params);
  return c;
}

TEST(EncoderTuning, OpusDefaultsAreMonoWithoutFecOrDtx) {
  const EncoderTuning t = tune_encoder(opus({}), "opusenc");
  EXPECT_EQ(t.properties, (std::vector<Parameter>{{"inband-fec", "false"}, {"dtx", "false"}}));
  EXPECT_EQ(t.caps, "audio/x-raw,channels=1");
}

TEST(EncoderTuning, OpusReceiverPreferences) {
  const EncoderTuning t = tune_encoder(opus({{"maxaveragebitrate", "32000"},
                                             {"stereo", "1"},
                                             {"useinbandfec", "1"},
                                             {"usedtx", "1"},
                                             {"cbr", "1"},
                                             {"maxplaybackrate", "16000"}}),
                                       "opusenc");
  EXPECT_EQ(t.properties, (std::vector<Parameter>{{"bitrate", "32000"},
                                                  {"inband-fec", "true"},
                                                  {"dtx", "true"},
                                                  {"bitrate-type", "cbr"},
                                                  {"bandwidth", "wideband"}}));
  EXPECT_EQ(t.caps, "audio/x-raw,channels=2");
}

TEST(EncoderTuning, OpusBitrateIsClampedAndMalformedValuesIgnored) {
  EXPECT_EQ(tune_encoder(opus({{"maxaveragebitrate", "1000"}}), "opusenc").properties.at(0),
            (Parameter{"bitrate", "6000"}));
  EXPECT_EQ(tune_encoder(opus({{"maxaveragebitrate", "9000000"}}), "opusenc").properties.at(0),
            (Parameter{"bitrate", "510000"}));
  const EncoderTuning t = tune_encoder(
      opus({{"maxaveragebitrate", "fast"}, {"useinbandfec", "yes"}, {"maxplaybackrate", ""}}),
      "opusenc");
  EXPECT_EQ(t.properties, (std::vector<Parameter>{{"inband-fec", "false"}, {"dtx", "false"}}));
}

TEST(EncoderTuning, OtherCodecsAndEncodersAreUntouched) {
  Codec vp8;
  vp8.name = "VP8";
  vp8.clock_rate = 90000;
  vp8.parameters = {{"max-fr", "30"}};
  EXPECT_EQ(tune_encoder(vp8, "vp8enc"), EncoderTuning{});
  EXPECT_EQ(tune_encoder(opus({{"stereo", "1"}}), "avenc_opus"), EncoderTuning{});
}

}  // namespace
}  // namespace jcall::codecs
