// The analysis behind ToneAnalysis and MarkerTimes::received_ns (audio_io.hpp): RMS level
// (dBFS, full scale = 32768) and dominant frequency of the decoded audio over windows of
// 500 ms, and the onsets of marker bursts. Pure code: GStreamer feeds it, tests feed it arrays.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "media/pipeline/audio_io.hpp"

namespace jcall::media::detail {

class AudioAnalyzer {
 public:
  static constexpr int kRate = 16000;                // samples per second fed to feed() (mono S16)
  static constexpr std::size_t kWindow = kRate / 2;  // 500 ms
  // Marker onsets: 2.5 ms blocks; after at least 100 ms of blocks below kQuietDbfs, the first
  // block that is not quiet is an onset once a block reaches kOnsetDbfs before the quiet returns.
  static constexpr std::size_t kBlock = kRate / 400;
  static constexpr double kOnsetDbfs = -35;
  static constexpr double kQuietDbfs = -50;
  static constexpr std::size_t kQuietBlocks = 40;  // 100 ms

  static constexpr std::int64_t kMaxGapNs = 10'000'000;
  static constexpr std::size_t kMaxGapFill = 2 * kWindow;

  AudioAnalyzer();

  // `first_sample_ns`: the CLOCK_MONOTONIC time (ns) at which samples[0] is played. A gap of
  // more than kMaxGapNs since the end of the previous samples (DTX, hold, loss) counts as
  // silence, up to kMaxGapFill samples of it.
  void feed(std::span<const std::int16_t> samples, std::int64_t first_sample_ns);

  // The last complete window (the defaults before the first one), and samples seen so far.
  ToneAnalysis current() const;
  const std::vector<std::int64_t>& onsets() const { return onsets_; }

 private:
  void push(double x, std::int64_t t_ns);
  void analyse_window();
  void end_block(std::int64_t block_start_ns);

  std::vector<double> window_;
  ToneAnalysis current_;
  std::uint64_t samples_ = 0;
  std::int64_t next_ns_ = -1;  // when the sample after the last one fed plays
  // Onset detection.
  double block_energy_ = 0;
  std::size_t block_fill_ = 0;
  std::int64_t block_start_ns_ = 0;
  std::size_t quiet_blocks_ = 0;
  std::int64_t rise_start_ns_ = -1;
  std::vector<std::int64_t> onsets_;
};

// RMS level in dBFS of samples normalised to [-1, 1]; -100 for silence (and never below).
double level_dbfs(double mean_square);
// The frequency (Hz) with the most energy in `samples` (sampled at `rate`): Hann window, zero
// padded FFT, Gaussian (log-parabolic) interpolation between bins.
double dominant_frequency(std::span<const double> samples, int rate);

}  // namespace jcall::media::detail
