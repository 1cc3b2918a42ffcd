// The analysis behind ToneAnalysis and marker onsets, on synthetic signals.
#include "media/pipeline/detail/audio_analyzer.hpp"

#include <cmath>
#include <numbers>

#include <gtest/gtest.h>

namespace jcall::media::detail {
namespace {

constexpr int kRate = AudioAnalyzer::kRate;

std::vector<std::int16_t> sine(double hz, double amplitude, std::size_t n, std::size_t phase = 0) {
  std::vector<std::int16_t> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = static_cast<std::int16_t>(
        std::lround(amplitude * 32767 *
                    std::sin(2 * std::numbers::pi * hz * static_cast<double>(i + phase) / kRate)));
  }
  return v;
}

TEST(AudioAnalyzer, MeasuresFrequencyAndLevelOfATone) {
  for (const double hz : {300.0, 440.0, 880.0, 1000.0, 1234.5, 3000.0}) {
    AudioAnalyzer a;
    const auto s = sine(hz, 0.5, AudioAnalyzer::kWindow);
    a.feed(s, 0);
    const ToneAnalysis t = a.current();
    EXPECT_NEAR(t.frequency_hz, hz, 0.5) << hz;
    // A sine of amplitude 0.5: RMS 0.5/sqrt(2), -9.03 dBFS.
    EXPECT_NEAR(t.level_dbfs, -9.03, 0.1) << hz;
    EXPECT_EQ(t.samples, AudioAnalyzer::kWindow);
  }
}

TEST(AudioAnalyzer, SilenceHasNoFrequency) {
  AudioAnalyzer a;
  a.feed(std::vector<std::int16_t>(AudioAnalyzer::kWindow, 0), 0);
  EXPECT_EQ(a.current().level_dbfs, -100);
  EXPECT_EQ(a.current().frequency_hz, 0);
  AudioAnalyzer quiet;  // -70 dBFS: a level, but no frequency
  quiet.feed(sine(440, std::pow(10, -67.0 / 20), AudioAnalyzer::kWindow), 0);
  EXPECT_NEAR(quiet.current().level_dbfs, -70, 0.5);
  EXPECT_EQ(quiet.current().frequency_hz, 0);
}

TEST(AudioAnalyzer, ReportsTheLastCompleteWindow) {
  AudioAnalyzer a;
  EXPECT_EQ(a.current().level_dbfs, -100);  // nothing analysed yet
  a.feed(sine(440, 0.5, AudioAnalyzer::kWindow), 0);
  a.feed(sine(880, 0.5, AudioAnalyzer::kWindow / 2), 0);  // half a window: not yet
  EXPECT_NEAR(a.current().frequency_hz, 440, 0.5);
  a.feed(sine(880, 0.5, AudioAnalyzer::kWindow / 2, AudioAnalyzer::kWindow / 2), 0);
  EXPECT_NEAR(a.current().frequency_hz, 880, 0.5);
}

// Bursts of 50 ms every 500 ms, fed in odd-sized pieces: one onset per burst, at the block
// holding the burst's first sample (2.5 ms resolution).
TEST(AudioAnalyzer, FindsMarkerOnsets) {
  std::vector<std::int16_t> signal(static_cast<std::size_t>(kRate) * 2, 0);
  const std::size_t start = 2010;  // after 125 ms of quiet, not on a block boundary
  for (std::size_t b = 0; b < 4; ++b) {
    const std::size_t at = start + b * kRate / 2;
    const auto burst = sine(1000, 0.5, kRate / 20);
    std::copy(burst.begin(), burst.end(), signal.begin() + static_cast<std::ptrdiff_t>(at));
  }
  AudioAnalyzer a;
  const std::int64_t t0 = 5'000'000'000;
  std::size_t fed = 0;
  for (std::size_t piece = 97; fed < signal.size(); piece = piece * 7 % 331 + 13) {
    const std::size_t n = std::min(piece, signal.size() - fed);
    a.feed(std::span(signal).subspan(fed, n),
           t0 + static_cast<std::int64_t>(fed) * 1'000'000'000 / kRate);
    fed += n;
  }
  ASSERT_EQ(a.onsets().size(), 4u);
  for (std::size_t b = 0; b < 4; ++b) {
    const std::int64_t expected =
        t0 + static_cast<std::int64_t>(start + b * kRate / 2) * 1'000'000'000 / kRate;
    EXPECT_LE(a.onsets()[b], expected);
    EXPECT_GT(a.onsets()[b], expected - 2'500'000);
  }
}

TEST(AudioAnalyzer, NoOnsetWithoutQuietBefore) {
  AudioAnalyzer a;
  a.feed(sine(440, 0.5, kRate), 0);  // loud from the start: no quiet before it
  EXPECT_TRUE(a.onsets().empty());
}

}  // namespace
}  // namespace jcall::media::detail

namespace jcall::media::detail {
namespace {

// With DTX nothing is decoded while the sender is silent: the time between buffers is silence.
TEST(AudioAnalyzer, GapsBetweenBuffersAreSilence) {
  constexpr std::int64_t kMs = 1'000'000;
  AudioAnalyzer a;
  const auto burst = sine(1000, 0.5, kRate / 20);  // 50 ms
  for (int i = 0; i < 4; ++i) {
    a.feed(burst, 1000 * kMs + i * 500 * kMs);  // 450 ms of nothing between bursts
  }
  ASSERT_EQ(a.onsets().size(), 3u);  // the first burst had no quiet before it
  EXPECT_EQ(a.onsets()[0], 1500 * kMs);
  EXPECT_EQ(a.onsets()[2], 2500 * kMs);
  // Windows filled with the silence: 50 ms of tone in 500 ms, -19 dBFS.
  EXPECT_NEAR(a.current().level_dbfs, -9.03 - 10, 0.5);
  EXPECT_EQ(a.current().samples, 4u * kRate / 20);  // decoded samples only
}

}  // namespace
}  // namespace jcall::media::detail
