#include "app/options.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <tuple>

#include "codecs/catalog.hpp"
#include "media/pipeline/audio_io.hpp"
#include "media/pipeline/video_io.hpp"

namespace jcall::app {
namespace {

Error usage_error(std::string what) {
  return make_error(std::make_error_code(std::errc::invalid_argument), std::move(what));
}

// A whole decimal number in [lo, hi] (no sign, no fraction, nothing after it).
std::optional<int> int_in(const std::string& v, int lo, int hi) {
  int n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || n < lo || n > hi) {
    return std::nullopt;
  }
  return n;
}

}  // namespace

std::string usage() {
  return R"(usage: jcall [--jid JID [--password-env VAR | --password-file FILE]] [options]
       jcall --headless --jid JID (--password-env VAR | --password-file FILE) [options]

Without --headless, jcall opens its window (SDL2, Dear ImGui): a login screen when no JID or
password is given (the last account comes from $XDG_CONFIG_HOME/jcall/config.json), then the
roster, chats and calls. With --json the window also prints its events on stdout and takes the
commands below on stdin, plus screenshot, ui-state, ui-click, ui-type and ui-key.
  --headless             no window: events on stdout, commands on stdin (JSON with --json)
  --ui-scale F           scale the window's text and widgets (default: from the display's DPI)

  --server HOST:PORT     connect here (STARTTLS) instead of looking up DNS SRV records
  --cafile FILE          also trust the CA certificates in FILE (certificates are always verified)
  --json                 print one JSON object per line on stdout for every event
  --message JID=TEXT     send a chat message once online (repeatable)
  --subscribe JID        ask JID for presence subscription once online (repeatable)
  --auto-approve         approve every presence subscription request (and ask back)
  --status TEXT          presence status text;  --show away|chat|dnd|xa
  --exit-after SECONDS   log out and exit after this long
  --no-reconnect         do not reconnect when the connection drops
  --tls-max-version V    negotiate at most TLS V (1.2 or 1.3), e.g. to test a server's TLS 1.2
  --trace-xml            print every XML byte sent and received on stderr (SASL redacted)
  --max-attempts N       give up after N consecutive failed connection attempts (default 12)

Calls (Jingle RTP with XEP-0353 message initiation; ICE, DTLS-SRTP, Opus/G.722/G.711):
  --call JID             call JID (bare: every device rings; full: that device) once online;
                         exit when the call has ended: status 0 if it connected and audio
                         flowed both ways, else 1
  --video                with --call: audio and video
  --no-bundle            offer audio and video on separate transports (no XEP-0338 BUNDLE)
  --answer               accept every incoming call (and video the peer adds)
  --answer-once          like --answer, and exit when the first call has ended (0 if it
                         connected and audio flowed both ways)
  --answer-delay MS      let it ring this long before accepting
  --reject               decline every incoming call
  --busy                 refuse every incoming call with <busy/> (do not disturb)
  --jmi auto|yes|no      propose first (XEP-0353): auto = for bare JIDs, and for full JIDs whose
                         caps list urn:xmpp:jingle-message:0
  --ring-timeout S       end an unanswered call after S seconds (default 60)
  --hangup-after S       hang up once a call has been active for S seconds
  --audio-codecs LIST    preference order, e.g. opus,PCMU;  --video-codecs LIST  e.g. H264,VP8

Media (ICE via libnice, DTLS-SRTP, GStreamer):
  --local-address IP     gather ICE host candidates on this address only (repeatable); libnice
                         skips loopback otherwise, so tests and the demo pass 127.0.0.1
  --stun HOST:PORT       STUN server (IP literal);  --no-ipv6  IPv4 candidates only
  --turn T:USER:PASS@HOST:PORT   TURN relay, T = udp | tcp | tls (repeatable); the server's
                         XEP-0215 services are used as well
  --relay-only           media only through TURN relays (hides our addresses from the peer)
  --audio-source SPEC    tone:HZ (default tone:440) | marker:HZ | wav:PATH | device[:NAME] | silence
  --audio-sink SPEC      none (default headless) | device[:NAME]
  --record FILE.wav      write the received audio to a WAV file
  --jitter-ms N          audio jitter buffer, ms (default 30)
  --video-jitter-ms N    video jitter buffer, ms (default 150: room for retransmissions)
  --stats-interval S     a call-stats event every S seconds (default 1, 0: never)
  --dtmf DIGITS          send these DTMF digits (0-9 * # A-D) once the call is connected

Video (with --video, or when the peer adds video):
  --video-source SPEC    pattern:NAME[:WxH[@FPS]] (default pattern:smpte:640x480@30; NAME is a
                         videotestsrc pattern: smpte, ball, snow, zone-plate, ...) | y4m:PATH
                         (a YUV4MPEG2 file, looped) | device[:NAME] (a camera) | none (receive only)
  --max-resolution WxH   send at most this size (default 1280x720, each side 16..4096); larger
                         sources are scaled down, aspect kept; a camera picks its best mode within
  --max-fps N            send at most N frames per second (1..60, default 30)
  --max-bitrate KBPS     the video encoder's ceiling (100..20000, default 2500); bandwidth
                         adaptation stays below it and starts at min(1000, KBPS)

Test hooks (impair the SRTP packets this process receives; for tests without netem):
  --test-loss PCT        drop this share of the received media packets at random (0..50)
  --test-jitter MS       delay each received media packet by a random 0..MS ms (0..500)
  --test-burst-loss START_MS:DURATION_MS   drop every received media packet for DURATION_MS,
                         START_MS after the first one (each 0..60000, DURATION_MS above 0)

Commands on stdin, one JSON object per line:
  {"cmd":"message","to":JID,"body":TEXT}   {"cmd":"chatstate","to":JID,"state":"composing"}
  {"cmd":"subscribe","to":JID}  {"cmd":"approve","to":JID}  {"cmd":"deny","to":JID}
  {"cmd":"cancel","to":JID}  {"cmd":"unsubscribe","to":JID}  {"cmd":"roster-add","jid":JID,"name":N,"groups":[..]}
  {"cmd":"roster-remove","jid":JID}  {"cmd":"presence","show":S,"status":T}
  {"cmd":"external-services"}  {"cmd":"status"}  {"cmd":"quit"}
  {"cmd":"call","to":JID,"video":false}  {"cmd":"accept"}  {"cmd":"reject"}  {"cmd":"hangup"}
  {"cmd":"mute","on":true}  {"cmd":"hold","on":true}  {"cmd":"video","on":true}  {"cmd":"dtmf","digits":"123#"}
  {"cmd":"camera","on":false}  (turn our camera off, or back on with true, mid-call)
  {"cmd":"ice-restart"}  (RFC 8445 §9: new ICE credentials both ways, the call goes on)
      (each takes an optional "sid"; without it, the most recent call that has not ended)
  {"cmd":"iq","xml":"<iq type='get' to=...>...</iq>"}   (the answer is printed)
  {"cmd":"raw","xml":"<message .../>"}                   (any stanza, sent as is)
  {"cmd":"drop-connection"}   (for tests: reset the TCP connection as a network failure would)

Events of calls: "call" (every state change: proposing, ringing, connecting, active, ended with
reason/by/detail), "call-incoming", "call-signal" (each call stanza sent or received), "call-media"
(candidates, media configuration, peer info, first media), "call-dtmf" (a digit received),
"call-stats" (every --stats-interval: per stream packets/bytes/loss/jitter/RTT/codec/received tone,
per transport the selected pair, DTLS version and SRTP profile, SRTP drops) and at the end of each
call "call-summary" (connected, audio_flowed, setup_ms from propose or session-initiate to media
flowing both ways, timeline, streams, transport, termination).

Exit status: 0 when the login worked, 1 when it did not, 2 for a usage error; with --call or
--answer-once: 0 when the call connected and audio flowed both ways, 1 otherwise.
)";
}

Result<Options> parse_options(int argc, char** argv) {
  Options o;
  std::string password_env, password_file;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string& out) -> bool {
      if (i + 1 >= argc) {
        return false;
      }
      out = argv[++i];
      return true;
    };
    std::string v;
    if (arg == "--headless") {
      o.headless = true;
    } else if (arg == "--ui-scale" && value(v)) {
      float f = 0;
      if (std::from_chars(v.data(), v.data() + v.size(), f).ec != std::errc() || f < 0.5f ||
          f > 4.f) {
        return usage_error("--ui-scale takes a factor from 0.5 to 4, got '" + v + "'");
      }
      o.ui_scale = f;
    } else if (arg == "--json") {
      o.json = true;
    } else if (arg == "--auto-approve") {
      o.auto_approve = true;
    } else if (arg == "--trace-xml") {
      o.trace_xml = true;
    } else if (arg == "--no-reconnect") {
      o.reconnect = false;
    } else if (arg == "--help" || arg == "-h") {
      return usage_error("");
    } else if (arg == "--jid" && value(v)) {
      o.jid = v;
    } else if (arg == "--password-env" && value(v)) {
      password_env = v;
    } else if (arg == "--password-file" && value(v)) {
      password_file = v;
    } else if (arg == "--cafile" && value(v)) {
      o.cafile = v;
    } else if (arg == "--tls-max-version" && value(v)) {
      if (v != "1.2" && v != "1.3") {
        return usage_error("--tls-max-version takes 1.2 or 1.3");
      }
      o.tls_max_version = v;
    } else if (arg == "--status" && value(v)) {
      o.status = v;
    } else if (arg == "--show" && value(v)) {
      if (v != "away" && v != "chat" && v != "dnd" && v != "xa") {
        return usage_error("--show takes away, chat, dnd or xa");
      }
      o.show = v;
    } else if (arg == "--subscribe" && value(v)) {
      o.subscribe.push_back(v);
    } else if (arg == "--server" && value(v)) {
      const auto colon = v.rfind(':');
      unsigned port = 0;
      if (colon == std::string::npos ||
          std::from_chars(v.data() + colon + 1, v.data() + v.size(), port).ec != std::errc() ||
          port == 0 || port > 65535) {
        return usage_error("--server takes HOST:PORT, got '" + v + "'");
      }
      std::string host = v.substr(0, colon);
      if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);  // [::1]:5222
      }
      o.server = std::make_pair(host, static_cast<std::uint16_t>(port));
    } else if (arg == "--message" && value(v)) {
      const auto eq = v.find('=');
      if (eq == std::string::npos || eq == 0) {
        return usage_error("--message takes JID=TEXT, got '" + v + "'");
      }
      o.messages.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    } else if (arg == "--exit-after" && value(v)) {
      char* end = nullptr;
      const double s = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || s <= 0) {
        return usage_error("--exit-after takes a positive number of seconds");
      }
      o.exit_after_s = s;
    } else if (arg == "--call" && value(v)) {
      o.call = v;
    } else if (arg == "--video") {
      o.video = true;
    } else if (arg == "--no-bundle") {
      o.no_bundle = true;
    } else if (arg == "--answer") {
      o.answer = true;
    } else if (arg == "--answer-once") {
      o.answer = o.answer_once = true;
    } else if (arg == "--reject") {
      o.reject = true;
    } else if (arg == "--busy") {
      o.busy = true;
    } else if (arg == "--answer-delay" && value(v)) {
      int n = 0;
      if (std::from_chars(v.data(), v.data() + v.size(), n).ec != std::errc() || n < 0) {
        return usage_error("--answer-delay takes milliseconds (0 or more)");
      }
      o.answer_delay_ms = n;
    } else if (arg == "--jmi" && value(v)) {
      if (v != "auto" && v != "yes" && v != "no") {
        return usage_error("--jmi takes auto, yes or no");
      }
      o.jmi = v;
    } else if ((arg == "--ring-timeout" || arg == "--hangup-after") && value(v)) {
      char* end = nullptr;
      const double s = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || s <= 0) {
        return usage_error(arg + " takes a positive number of seconds");
      }
      (arg == "--ring-timeout" ? o.ring_timeout_s : o.hangup_after_s) = s;
    } else if ((arg == "--audio-codecs" || arg == "--video-codecs") && value(v)) {
      const bool audio = arg == "--audio-codecs";
      auto list = codecs::parse_codec_list(
          v, audio ? codecs::MediaType::kAudio : codecs::MediaType::kVideo);
      if (!list) {
        return usage_error(arg + ": " + list.error().describe());
      }
      (audio ? o.audio_codecs : o.video_codecs) = std::move(list).value();
    } else if (arg == "--local-address" && value(v)) {
      o.local_addresses.push_back(v);
    } else if (arg == "--stun" && value(v)) {
      o.stun.push_back(v);
    } else if (arg == "--turn" && value(v)) {
      o.turn.push_back(v);
    } else if (arg == "--no-ipv6") {
      o.no_ipv6 = true;
    } else if (arg == "--relay-only") {
      o.relay_only = true;
    } else if (arg == "--audio-source" && value(v)) {
      if (auto s = media::parse_audio_source(v); !s) {
        return usage_error("--audio-source: " + s.error().describe());
      }
      o.audio_source = v;
      o.devices_given.audio_source = true;
    } else if (arg == "--audio-sink" && value(v)) {
      if (auto s = media::parse_audio_sink(v); !s) {
        return usage_error("--audio-sink: " + s.error().describe());
      }
      o.audio_sink = v;
      o.devices_given.audio_sink = true;
    } else if (arg == "--record" && value(v)) {
      o.record = v;
    } else if ((arg == "--jitter-ms" || arg == "--test-tamper-srtp" ||
                arg == "--video-jitter-ms") &&
               value(v)) {
      int n = 0;
      if (std::from_chars(v.data(), v.data() + v.size(), n).ec != std::errc() || n < 0 ||
          n > 10000) {
        return usage_error(arg + " takes a number from 0 to 10000");
      }
      (arg == "--jitter-ms"         ? o.jitter_ms
       : arg == "--video-jitter-ms" ? o.video_jitter_ms
                                    : o.test_tamper_srtp) = n;
    } else if (arg == "--stats-interval" && value(v)) {
      char* end = nullptr;
      const double s = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || s < 0) {
        return usage_error("--stats-interval takes seconds (0: never)");
      }
      o.stats_interval_s = s;
    } else if (arg == "--dtmf" && value(v)) {
      if (v.empty() || v.find_first_not_of("0123456789*#ABCDabcd") != std::string::npos) {
        return usage_error("--dtmf takes digits 0-9 * # A-D");
      }
      o.dtmf = v;
    } else if (arg == "--video-source" && value(v)) {
      auto s = media::parse_video_source(v);
      if (!s) {
        return usage_error("--video-source: " + s.error().describe());
      }
      o.video_source = std::move(s).value();
      o.devices_given.video_source = true;
    } else if (arg == "--max-resolution" && value(v)) {
      auto r = media::parse_resolution(v);
      if (!r) {
        return usage_error("--max-resolution: " + r.error().describe());
      }
      std::tie(o.video_limits.max_width, o.video_limits.max_height) = *r;
    } else if (arg == "--max-fps" && value(v)) {
      const auto n = int_in(v, 1, 60);
      if (!n) {
        return usage_error("--max-fps takes a number of frames per second from 1 to 60, got '" + v +
                           "'");
      }
      o.video_limits.max_fps = *n;
    } else if (arg == "--max-bitrate" && value(v)) {
      const auto n = int_in(v, 100, 20000);
      if (!n) {
        return usage_error("--max-bitrate takes kbit/s from 100 to 20000, got '" + v + "'");
      }
      o.video_limits.max_bitrate_bps = static_cast<std::uint32_t>(*n) * 1000;
      o.video_limits.start_bitrate_bps =
          std::min(o.video_limits.start_bitrate_bps, o.video_limits.max_bitrate_bps);
    } else if (arg == "--test-loss" && value(v)) {
      char* end = nullptr;
      const double pct = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || !(pct >= 0 && pct <= 50)) {
        return usage_error("--test-loss takes a percentage from 0 to 50, got '" + v + "'");
      }
      o.test_loss_percent = pct;
    } else if (arg == "--test-jitter" && value(v)) {
      const auto n = int_in(v, 0, 500);
      if (!n) {
        return usage_error("--test-jitter takes milliseconds from 0 to 500, got '" + v + "'");
      }
      o.test_jitter_ms = *n;
    } else if (arg == "--test-burst-loss" && value(v)) {
      const auto colon = v.find(':');
      const auto start =
          colon == std::string::npos ? std::nullopt : int_in(v.substr(0, colon), 0, 60000);
      const auto duration =
          colon == std::string::npos ? std::nullopt : int_in(v.substr(colon + 1), 1, 60000);
      if (!start || !duration) {
        return usage_error(
            "--test-burst-loss takes START_MS:DURATION_MS (START_MS 0 to 60000, DURATION_MS 1 to "
            "60000), got '" +
            v + "'");
      }
      o.test_burst_loss = std::make_pair(*start, *duration);
    } else if (arg == "--test-wrong-fingerprint") {
      o.test_wrong_fingerprint = true;
    } else if (arg == "--max-attempts" && value(v)) {
      int n = 0;
      if (std::from_chars(v.data(), v.data() + v.size(), n).ec != std::errc() || n < 1) {
        return usage_error("--max-attempts takes a positive number");
      }
      o.max_attempts = n;
    } else {
      return usage_error("unknown or incomplete option '" + arg + "'");
    }
  }
  if (static_cast<int>(o.answer) + static_cast<int>(o.reject) + static_cast<int>(o.busy) > 1) {
    return usage_error("--answer, --reject and --busy exclude each other");
  }
  if (o.headless && o.jid.empty()) {
    return usage_error("--jid is required");
  }
  if (!password_env.empty() && !password_file.empty()) {
    return usage_error("give the password with only one of --password-env or --password-file");
  }
  if (password_env.empty() && password_file.empty()) {
    if (o.headless) {
      return usage_error("give the password with exactly one of --password-env or --password-file");
    }
    return o;  // the window asks for it (or uses the one the user let it remember)
  }
  if (!password_env.empty()) {
    const char* p = std::getenv(password_env.c_str());
    if (p == nullptr) {
      return usage_error("the environment variable " + password_env + " is not set");
    }
    o.password = p;
  } else {
    std::ifstream in(password_file);
    if (!in) {
      return usage_error("cannot read the password file " + password_file);
    }
    std::getline(in, o.password);  // the first line; a trailing newline is not part of it
  }
  if (o.password.empty()) {
    return usage_error("the password is empty");
  }
  return o;
}

}  // namespace jcall::app
