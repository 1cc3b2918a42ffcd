// RFC 7587 §6.1: the Opus format parameters a peer sends describe what it prefers to receive
// (maxaveragebitrate, stereo, useinbandfec, usedtx, cbr, maxplaybackrate), so they tune the
// encoder jcall sends to it with. Other codecs have no receiver preference that jcall's encoders
// take as a property (H.264 levels bound what is sent through the caps media/ negotiates).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "codecs/codec.hpp"

namespace jcall::codecs {

struct EncoderTuning {
  std::vector<Parameter> properties;  // applied after the catalog's encoder properties
  std::string caps;                   // raw caps before the encoder ("audio/x-raw,channels=1")

  bool operator==(const EncoderTuning&) const = default;
};

// `remote` is the payload type as the peer described it (its offer or its answer); `encoder` the
// encoder factory media/ chose from the catalog. Values out of range are clamped; malformed
// values are ignored (the defaults of RFC 7587 apply).
EncoderTuning tune_encoder(const Codec& remote, std::string_view encoder);

}  // namespace jcall::codecs
