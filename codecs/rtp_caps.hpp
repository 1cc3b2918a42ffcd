// The GStreamer RTP caps of a negotiated payload type ("application/x-rtp" as RFC 3551 §6
// media type plus RFC 4855 format parameters), which rtpbin's pt-map and the depayloaders of
// the catalog need. codecs/ writes the string; media/ parses it with gst_caps_from_string.
#pragma once

#include <string>

#include "codecs/codec.hpp"

namespace jcall::codecs {

// application/x-rtp, media=(string)video, payload=(int)96, clock-rate=(int)90000,
// encoding-name=(string)VP8, then encoding-params for audio with channels, then each format
// parameter as a string field (lower-case name). The codec usually comes from the peer, so
// names that are not caps field names are left out and values are quoted and escaped.
std::string rtp_caps(MediaType media, const Codec& c);

}  // namespace jcall::codecs
