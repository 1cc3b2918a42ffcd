// What a call plays into and takes from: test tones, WAV files, real devices (GstDeviceMonitor,
// with webrtcdsp/webrtcechoprobe echo cancellation when both ends are real devices), and for
// headless runs an analysis sink that measures the received tone (frequency, level) and the
// arrival of marked bursts (mouth-to-ear latency), plus recording to a WAV file.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace jcall::media {

struct AudioSource {
  enum class Kind {
    kTone,     // "tone:440": a continuous sine
    kMarker,   // "marker:1000": silence with a 50 ms burst of the tone every 500 ms; the
               // time each burst entered the pipeline is recorded (latency measurement)
    kWav,      // "wav:PATH": a WAV file, looped
    kDevice,   // "device" (default input) or "device:NAME" (GstDeviceMonitor display name)
    kSilence,  // "silence"
  };
  Kind kind = Kind::kTone;
  double frequency_hz = 440;
  std::string path_or_name;
};
// Parses the --audio-source value; the error names the accepted forms.
Result<AudioSource> parse_audio_source(std::string_view spec);

struct AudioSink {
  enum class Kind {
    kNone,    // headless: nothing is played (the analysis still runs)
    kDevice,  // "device" (default output) or "device:NAME"
  };
  Kind kind = Kind::kNone;
  std::string name;
  std::optional<std::string> record_path;  // --record FILE.wav: what is received, as WAV
};
// Parses the --audio-sink value ("none", "device", "device:NAME").
Result<AudioSink> parse_audio_sink(std::string_view spec);

// What the analysis sink measured over its last window (about 500 ms of decoded audio).
struct ToneAnalysis {
  double frequency_hz = 0;    // dominant frequency, 0 when silent
  double level_dbfs = -100;   // RMS level, dBFS (-100 for digital silence)
  std::uint64_t samples = 0;  // decoded samples analysed since the start
};

// Mouth-to-ear: CLOCK_MONOTONIC (std::chrono::steady_clock) times in ns. The sender records
// when each marker burst's first sample entered its pipeline; the receiver when a burst onset
// reached its sink (at the time it would be played). Both processes share the clock.
struct MarkerTimes {
  std::vector<std::int64_t> sent_ns;
  std::vector<std::int64_t> received_ns;
};

// Names of the audio devices GstDeviceMonitor sees ("Audio/Source" or "Audio/Sink").
std::vector<std::string> list_audio_devices(bool sources);

}  // namespace jcall::media
