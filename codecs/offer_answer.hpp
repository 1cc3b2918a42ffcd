// Offer/answer for Jingle RTP descriptions (XEP-0167 §5 with the rules of RFC 3264 §6):
// what jcall offers, how it answers a peer's offer, and what an answer to our offer means.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "codecs/codec.hpp"

namespace jcall::codecs {

// The user's choice (configuration): codec names in the order they are preferred. Names not in
// the catalog are ignored; catalog codecs not named are not offered or accepted.
struct Preferences {
  std::vector<std::string> audio{"opus", "G722", "PCMU", "PCMA"};
  std::vector<std::string> video{"VP8", "VP9", "H264"};
  bool rtx = true;              // offer/accept RTX for video codecs
  bool telephone_event = true;  // offer/accept DTMF
  bool comfort_noise = false;   // CN
};

struct Negotiated {
  std::vector<Codec> codecs;  // primary codecs in preference order, then RTX, DTMF, CN
  std::vector<HeaderExtension> header_extensions;
};

// XEP-0167 §5 lets a static payload type (RFC 3551 §6) omit its name and clock rate, and any
// payload type omit its clock rate: fill in what the number implies, or for a name the catalog
// knows at a single clock rate, that rate. answer_offer and apply_answer do this on their input.
Codec with_implied_fields(Codec c, MediaType media);

// XEP-0293 §3: <rtcp-fb/> written directly in the <description/> (SDP "a=rtcp-fb:*") applies to
// every payload type; this adds it to each codec that does not already list it.
std::vector<Codec> with_shared_feedback(std::vector<Codec> codecs,
                                        const std::vector<RtcpFb>& shared);

// What jcall offers for a media type: payload types assigned, rtcp-fb and header extensions.
Negotiated make_offer(MediaType media, const Preferences& prefs);

// The answer to a peer's offer: the offerer's payload type numbers, our preference order,
// RTX kept only with an accepted primary codec, rtcp-fb and header extensions intersected.
// An error (incompatible parameters) when no primary codec is common.
Result<Negotiated> answer_offer(MediaType media,
                                const std::vector<Codec>& offered,
                                const std::vector<HeaderExtension>& offered_extensions,
                                const Preferences& prefs);

// The offerer's view after the answer arrives: the answer must be a subset of what we offered
// (by match); the result is what media uses, with the answerer's order.
Result<Negotiated> apply_answer(MediaType media,
                                const Negotiated& our_offer,
                                const std::vector<Codec>& answered,
                                const std::vector<HeaderExtension>& answered_extensions);

}  // namespace jcall::codecs
