// Ringtone (a call for us) and ringback (we call, the peer's device rings), generated as tones
// on SDL's audio device: two sine tones with a cadence, so no sound file has to be shipped.
// Ringtone: 480 + 620 Hz, 1 s on, 2 s off; ringback: 440 + 480 Hz, 2 s on, 4 s off (the North
// American ringback pair, ITU-T E.180 Supplement 2, which people recognise as "it rings").
// Without an audio device (a server, a test under Xvfb) it stays silent and says so.
#pragma once

#include <atomic>
#include <string>

#include <SDL2/SDL.h>

namespace jcall::app::window {

class Ringer {
 public:
  enum class Tone { kNone, kRingtone, kRingback };
  Ringer() = default;
  ~Ringer();
  Ringer(const Ringer&) = delete;
  Ringer& operator=(const Ringer&) = delete;

  // UI thread. Opens the device on first use.
  void play(Tone tone);
  Tone tone() const { return tone_; }
  // "" while fine, else why there is no sound (SDL's words).
  const std::string& problem() const { return problem_; }
  // Samples generated so far (tests see that the tone really plays).
  std::uint64_t samples() const { return samples_.load(); }

 private:
  static void callback(void* self, Uint8* stream, int len);

  SDL_AudioDeviceID device_ = 0;
  int rate_ = 48000;
  bool tried_ = false;
  Tone tone_ = Tone::kNone;
  std::atomic<int> playing_{0};  // Tone, read by the audio thread
  std::uint64_t position_ = 0;   // audio thread only
  std::atomic<std::uint64_t> samples_{0};
  std::string problem_;
};

const char* to_string(Ringer::Tone t);

}  // namespace jcall::app::window
