// Ringtone and ringback tones (see ringer.hpp).
#include "app/window/ringer.hpp"

#include <cmath>
#include <cstdint>
#include <numbers>

namespace jcall::app::window {

const char* to_string(Ringer::Tone t) {
  switch (t) {
    case Ringer::Tone::kRingtone:
      return "ringtone";
    case Ringer::Tone::kRingback:
      return "ringback";
    case Ringer::Tone::kNone:
      break;
  }
  return "none";
}

Ringer::~Ringer() {
  if (device_ != 0) {
    SDL_CloseAudioDevice(device_);
  }
}

void Ringer::play(Tone tone) {
  if (tone == tone_) {
    return;
  }
  tone_ = tone;
  if (tone != Tone::kNone && !tried_) {
    tried_ = true;
    if (SDL_WasInit(SDL_INIT_AUDIO) == 0 && SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
      problem_ = std::string("no audio: ") + SDL_GetError();
      return;
    }
    SDL_AudioSpec want{};
    want.freq = 48000;
    want.format = AUDIO_S16SYS;
    want.channels = 1;
    want.samples = 1024;
    want.callback = &Ringer::callback;
    want.userdata = this;
    SDL_AudioSpec have{};
    device_ = SDL_OpenAudioDevice(nullptr, 0, &want, &have, 0);
    if (device_ == 0) {
      problem_ = std::string("no audio device: ") + SDL_GetError();
      return;
    }
    rate_ = have.freq;
  }
  if (device_ == 0) {
    return;
  }
  SDL_LockAudioDevice(device_);
  playing_ = static_cast<int>(tone);
  position_ = 0;  // every ring starts with its tone
  SDL_UnlockAudioDevice(device_);
  SDL_PauseAudioDevice(device_, tone == Tone::kNone ? 1 : 0);
}

void Ringer::callback(void* data, Uint8* stream, int len) {
  auto* self = static_cast<Ringer*>(data);
  auto* out = reinterpret_cast<std::int16_t*>(stream);
  const int n = len / 2;
  const auto tone = static_cast<Tone>(self->playing_.load());
  const double rate = self->rate_;
  const double f1 = tone == Tone::kRingtone ? 480 : 440;
  const double f2 = tone == Tone::kRingtone ? 620 : 480;
  const double on_s = tone == Tone::kRingtone ? 1 : 2;
  const double period_s = tone == Tone::kRingtone ? 3 : 6;
  for (int i = 0; i < n; ++i) {
    const double t = static_cast<double>(self->position_++) / rate;
    const bool on = tone != Tone::kNone && std::fmod(t, period_s) < on_s;
    const double v = on ? 0.25 * (std::sin(2 * std::numbers::pi * f1 * t) +
                                  std::sin(2 * std::numbers::pi * f2 * t))
                        : 0;
    out[i] = static_cast<std::int16_t>(v * 32767 * 0.5);
  }
  self->samples_ += static_cast<std::uint64_t>(n);
}

}  // namespace jcall::app::window
