// RTP caps strings for GStreamer from negotiated payload types.
#include "codecs/rtp_caps.hpp"

#include <gtest/gtest.h>

#include "codecs/offer_answer.hpp"

namespace jcall::codecs {
namespace {

TEST(RtpCaps, OpusWithChannelsAndFormatParameters) {
  const Negotiated n = make_offer(MediaType::kAudio, Preferences{});
  EXPECT_EQ(rtp_caps(MediaType::kAudio, n.codecs.at(0)),
            "application/x-rtp, media=(string)audio, payload=(int)96, clock-rate=(int)48000, "
            "encoding-name=(string)\"OPUS\", encoding-params=(string)\"2\", "
            "minptime=(string)\"10\", useinbandfec=(string)\"1\", usedtx=(string)\"1\", "
            "rtcp-fb-transport-cc=(boolean)true");
  EXPECT_EQ(rtp_caps(MediaType::kAudio, n.codecs.at(2)),
            "application/x-rtp, media=(string)audio, payload=(int)0, clock-rate=(int)8000, "
            "encoding-name=(string)\"PCMU\", rtcp-fb-transport-cc=(boolean)true");
}

TEST(RtpCaps, H264AndRtx) {
  Preferences p;
  p.video = {"H264"};
  const Negotiated n = make_offer(MediaType::kVideo, p);
  EXPECT_EQ(rtp_caps(MediaType::kVideo, n.codecs.at(0)),
            "application/x-rtp, media=(string)video, payload=(int)96, clock-rate=(int)90000, "
            "encoding-name=(string)\"H264\", profile-level-id=(string)\"42e01f\", "
            "packetization-mode=(string)\"1\", level-asymmetry-allowed=(string)\"1\", "
            "rtcp-fb-nack=(boolean)true, rtcp-fb-nack-pli=(boolean)true, "
            "rtcp-fb-ccm-fir=(boolean)true, rtcp-fb-goog-remb=(boolean)true, "
            "rtcp-fb-transport-cc=(boolean)true");
  EXPECT_EQ(rtp_caps(MediaType::kVideo, n.codecs.at(2)),
            "application/x-rtp, media=(string)video, payload=(int)98, clock-rate=(int)90000, "
            "encoding-name=(string)\"RTX\", apt=(string)\"96\"");
}

TEST(RtpCaps, PeerParametersCannotInjectFields) {
  Codec c;
  c.id = 100;
  c.name = "vp8\", media=(string)audio";
  c.clock_rate = 90000;
  c.parameters = {{"X-Google-Min-Bitrate", "a\"b\\c, payload=(int)1"},
                  {"111/111", ""},
                  {"clock-rate", "1"},
                  {"x-google-min-bitrate", "second"},
                  {"", "empty"},
                  {"a b", "space"}};
  EXPECT_EQ(rtp_caps(MediaType::kVideo, c),
            "application/x-rtp, media=(string)video, payload=(int)100, clock-rate=(int)90000, "
            "encoding-name=(string)\"VP8\\\", MEDIA=(STRING)AUDIO\", "
            "x-google-min-bitrate=(string)\"a\\\"b\\\\c, payload=(int)1\"");
}

// XEP-0293 feedback becomes the boolean fields rtpbin reads (rtcp-fb-nack-pli decides whether a
// keyframe request goes out as PLI); a peer's odd type or subtype cannot add other fields.
TEST(RtpCaps, FeedbackFieldsAndNoInjection) {
  Codec c;
  c.id = 100;
  c.name = "VP8";
  c.clock_rate = 90000;
  c.rtcp_fb = {{"nack", ""}, {"nack", "pli"},  {"NACK", "PLI"}, {"ccm", "fir, media=(string)audio"},
               {"x y", ""},  {"goog-remb", ""}};
  EXPECT_EQ(rtp_caps(MediaType::kVideo, c),
            "application/x-rtp, media=(string)video, payload=(int)100, clock-rate=(int)90000, "
            "encoding-name=(string)\"VP8\", rtcp-fb-nack=(boolean)true, "
            "rtcp-fb-nack-pli=(boolean)true, rtcp-fb-goog-remb=(boolean)true");
}

}  // namespace
}  // namespace jcall::codecs
