// Tone and marker analysis (audio_analyzer.hpp). The frequency estimate is a radix-2 FFT of a
// Hann-windowed, zero-padded window with interpolation on the log magnitudes of the peak bin
// and its neighbours, which for a Hann window is accurate to a small fraction of a bin.
#include "media/pipeline/detail/audio_analyzer.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

namespace jcall::media::detail {
namespace {

constexpr std::size_t kFftSize = 16384;  // 0.98 Hz per bin at 16 kHz
constexpr double kSilentDbfs = -60;      // below this there is no frequency to speak of
constexpr double kMinFrequency = 40;

void fft(std::vector<std::complex<double>>& a) {
  const std::size_t n = a.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; (j & bit) != 0; bit >>= 1) {
      j ^= bit;
    }
    j ^= bit;
    if (i < j) {
      std::swap(a[i], a[j]);
    }
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const double angle = -2 * std::numbers::pi / static_cast<double>(len);
    const std::complex<double> wlen(std::cos(angle), std::sin(angle));
    for (std::size_t i = 0; i < n; i += len) {
      std::complex<double> w(1);
      for (std::size_t k = 0; k < len / 2; ++k) {
        const std::complex<double> u = a[i + k];
        const std::complex<double> v = a[i + k + len / 2] * w;
        a[i + k] = u + v;
        a[i + k + len / 2] = u - v;
        w *= wlen;
      }
    }
  }
}

}  // namespace

double level_dbfs(double mean_square) {
  if (mean_square <= 0) {
    return -100;
  }
  return std::max(-100.0, 10 * std::log10(mean_square));
}

double dominant_frequency(std::span<const double> samples, int rate) {
  std::vector<std::complex<double>> buf(kFftSize);
  const std::size_t n = std::min(samples.size(), kFftSize);
  if (n < 2) {
    return 0;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const double hann =
        0.5 - 0.5 * std::cos(2 * std::numbers::pi * static_cast<double>(i) / (n - 1));
    buf[i] = samples[i] * hann;
  }
  fft(buf);
  const double bin_hz = static_cast<double>(rate) / kFftSize;
  const auto first = static_cast<std::size_t>(std::ceil(kMinFrequency / bin_hz));
  std::size_t peak = first;
  for (std::size_t k = first; k < kFftSize / 2 - 1; ++k) {
    if (std::norm(buf[k]) > std::norm(buf[peak])) {
      peak = k;
    }
  }
  const double a = std::log(std::abs(buf[peak - 1]) + 1e-12);
  const double b = std::log(std::abs(buf[peak]) + 1e-12);
  const double c = std::log(std::abs(buf[peak + 1]) + 1e-12);
  const double denom = a - 2 * b + c;
  const double delta = denom != 0 ? 0.5 * (a - c) / denom : 0;
  return (static_cast<double>(peak) + std::clamp(delta, -0.5, 0.5)) * bin_hz;
}

AudioAnalyzer::AudioAnalyzer() {
  window_.reserve(kWindow);
}

void AudioAnalyzer::feed(std::span<const std::int16_t> samples, std::int64_t first_sample_ns) {
  constexpr std::int64_t kNsPerSample = 1'000'000'000 / kRate;
  if (next_ns_ >= 0 && first_sample_ns - next_ns_ > kMaxGapNs) {
    const auto gap = static_cast<std::size_t>((first_sample_ns - next_ns_) / kNsPerSample);
    const std::size_t fill = std::min(gap, kMaxGapFill);
    const std::int64_t fill_start =
        first_sample_ns - static_cast<std::int64_t>(fill) * kNsPerSample;
    for (std::size_t i = 0; i < fill; ++i) {
      push(0, fill_start + static_cast<std::int64_t>(i) * kNsPerSample);
    }
  }
  for (std::size_t i = 0; i < samples.size(); ++i) {
    push(samples[i] / 32768.0, first_sample_ns + static_cast<std::int64_t>(i) * kNsPerSample);
  }
  samples_ += samples.size();
  next_ns_ = first_sample_ns + static_cast<std::int64_t>(samples.size()) * kNsPerSample;
}

void AudioAnalyzer::push(double x, std::int64_t t_ns) {
  window_.push_back(x);
  if (window_.size() == kWindow) {
    analyse_window();
    window_.clear();
  }
  if (block_fill_ == 0) {
    block_start_ns_ = t_ns;
  }
  block_energy_ += x * x;
  if (++block_fill_ == kBlock) {
    end_block(block_start_ns_);
  }
}

void AudioAnalyzer::end_block(std::int64_t block_start_ns) {
  const double level = level_dbfs(block_energy_ / kBlock);
  block_energy_ = 0;
  block_fill_ = 0;
  if (level < kQuietDbfs) {
    ++quiet_blocks_;
    rise_start_ns_ = -1;
    return;
  }
  // A rise after enough quiet: the onset is the first block that left the quiet, confirmed
  // once a block reaches kOnsetDbfs (an encoder's attack may take a block or two).
  if (quiet_blocks_ >= kQuietBlocks && rise_start_ns_ < 0) {
    rise_start_ns_ = block_start_ns;
  }
  if (level >= kOnsetDbfs) {
    if (rise_start_ns_ >= 0) {
      onsets_.push_back(rise_start_ns_);
    }
    quiet_blocks_ = 0;
    rise_start_ns_ = -1;
  }
}

void AudioAnalyzer::analyse_window() {
  double energy = 0;
  for (const double x : window_) {
    energy += x * x;
  }
  current_.level_dbfs = level_dbfs(energy / static_cast<double>(window_.size()));
  current_.frequency_hz =
      current_.level_dbfs < kSilentDbfs ? 0 : dominant_frequency(window_, kRate);
}

ToneAnalysis AudioAnalyzer::current() const {
  ToneAnalysis t = current_;
  t.samples = samples_;
  return t;
}

}  // namespace jcall::media::detail
