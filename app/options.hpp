// Command line of the jcall program.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "media/pipeline/video_io.hpp"

namespace jcall::app {

struct Options {
  bool headless = false;  // without it: the window
  float ui_scale = 0;     // --ui-scale; 0: from the display's DPI
  bool json = false;
  std::string jid;
  std::string password;  // never printed
  std::optional<std::pair<std::string, std::uint16_t>> server;
  std::string cafile;
  std::vector<std::pair<std::string, std::string>> messages;  // --message JID=TEXT
  std::vector<std::string> subscribe;
  bool auto_approve = false;
  std::optional<double> exit_after_s;
  bool reconnect = true;
  int max_attempts = 12;
  std::string status;
  std::string show;
  bool trace_xml = false;
  std::string tls_max_version;  // "1.2" or "1.3"; empty: the newest

  // Calls (XEP-0166 / XEP-0353) with real media (media/: libnice, DTLS-SRTP, GStreamer).
  std::string call;  // --call JID: call once online, exit when the call has ended
  bool video = false;
  bool no_bundle = false;    // --no-bundle: offer one transport per content (no XEP-0338 group)
  bool answer = false;       // accept incoming calls (and video the peer adds)
  bool answer_once = false;  // --answer-once: also exit when the first call has ended
  int answer_delay_ms = 0;
  bool reject = false;                    // decline incoming calls
  bool busy = false;                      // refuse incoming calls with <busy/>
  std::string jmi = "auto";               // auto | yes | no
  std::optional<double> ring_timeout_s;   // unanswered calls end with <timeout/>
  std::optional<double> hangup_after_s;   // hang up once a call has been active this long
  std::vector<std::string> audio_codecs;  // preference order; empty: the default
  std::vector<std::string> video_codecs;

  // Media.
  std::vector<std::string> local_addresses;  // --local-address (repeatable): ICE host addresses
  std::vector<std::string> stun;             // --stun HOST:PORT (IP literal)
  std::vector<std::string> turn;             // --turn udp|tcp|tls:USER:PASS@HOST:PORT
  bool no_ipv6 = false;
  bool relay_only = false;  // --relay-only: ICE through TURN relays only
  std::string audio_source =
      "tone:440";                   // tone:HZ | marker:HZ | wav:PATH | device[:NAME] | silence
  std::string audio_sink = "none";  // none | device[:NAME]
  std::string record;               // --record FILE.wav
  int jitter_ms = 30;
  int video_jitter_ms = 150;        // --video-jitter-ms
  double stats_interval_s = 1;      // a call-stats event this often (0: never)
  std::string dtmf;                 // --dtmf DIGITS: sent once media flows
  media::VideoSource video_source;  // --video-source SPEC (default pattern:smpte, 640x480@30)
  // Which of the three the command line set: the window picks the user's devices for the
  // others (the remembered ones, else the system's default), and test signals without devices.
  struct {
    bool audio_source = false, audio_sink = false, video_source = false;
  } devices_given;
  // --max-resolution WxH, --max-fps N (1..60), --max-bitrate KBPS (100..20000; also lowers
  // start_bitrate_bps to it when that is above).
  media::VideoLimits video_limits;
  // Test hooks (for the security tests): signal a wrong DTLS fingerprint; corrupt the first N
  // SRTP packets sent.
  bool test_wrong_fingerprint = false;
  int test_tamper_srtp = 0;
  // Test hooks on the receive path (loss and jitter without netem), applied to the received
  // media packets: drop this share at random (--test-loss PCT, 0..50); delay each by a random
  // 0..MS (--test-jitter MS, 0..500); drop all of them for DURATION ms, START ms after the
  // first one (--test-burst-loss START_MS:DURATION_MS: {START, DURATION}).
  double test_loss_percent = 0;
  int test_jitter_ms = 0;
  std::optional<std::pair<int, int>> test_burst_loss;
};

// Parses argv; --help text on error. Reads the password from the named variable or file.
Result<Options> parse_options(int argc, char** argv);
std::string usage();

}  // namespace jcall::app
