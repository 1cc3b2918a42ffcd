// RFC 6120 §4: writes a realistic server-to-client XML stream for benchmarking the parser.
// The stanza mix is what a client sees: chat messages (XEP-0085 states, XEP-0359 ids,
// XEP-0333 markers), presence with XEP-0115 caps, RFC 6121 roster pushes, and XEP-0167
// session-initiates with audio+video descriptions and 8 ICE candidates (XEP-0176), modeled on
// a real capture. Session-initiates are ~5 % of the stanzas and ~50 % of the bytes.
// Deterministic for a seed.
//
//   jcall-gen-xmpp-stream --bytes N --seed S > file
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>

namespace {

constexpr std::string_view kHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' from='example.org' "
    "id='bench-stream-1' to='alice@example.org' version='1.0' xml:lang='en'>";
constexpr std::string_view kFooter = "</stream:stream>";

constexpr std::array<std::string_view, 12> kContacts = {
    "bob@example.org",       "carol@example.net",     "dave@jabber.example.com",
    "erin@chat.example.org", "frank@example.org",     "grace@conversations.example",
    "heidi@example.net",     "ivan@xmpp.example.com", "judy@example.org",
    "mallory@example.com",   "niaj@im.example.org",   "olivia@example.net"};
constexpr std::array<std::string_view, 6> kResources = {
    "Conversations.x7Qa", "gajim.A1B2C3", "dino.9f8e7d6c", "phone", "laptop", "Monal-iOS.5tg"};
constexpr std::array<std::string_view, 40> kWords = {"the",        "call",     "video",
                                                     "meeting",    "tomorrow", "okay",
                                                     "sure",       "thanks",   "I",
                                                     "think",      "we",       "should",
                                                     "try",        "again",    "later",
                                                     "audio",      "works",    "now",
                                                     "can",        "you",      "hear",
                                                     "me",         "screen",   "share",
                                                     "link",       "sent",     "lunch",
                                                     "at",         "noon",     "see",
                                                     "you",        "there",    "great",
                                                     "idea",       "&amp;",    "&lt;3",
                                                     "it's",       "\"fine\"", "\xF0\x9F\x98\x80",
                                                     "caf\xC3\xA9"};
constexpr std::array<std::string_view, 6> kNames = {"Bob",
                                                    "Carol &amp; Dave",
                                                    "Erin",
                                                    "Frank",
                                                    "Gr\xC3\xA2"
                                                    "ce",
                                                    "Heidi"};
constexpr std::array<std::string_view, 4> kStates = {"active", "composing", "paused", "inactive"};
constexpr std::array<std::string_view, 4> kShows = {"", "away", "dnd", "xa"};
constexpr std::array<std::string_view, 3> kCapsNodes = {"http://conversations.im",
                                                        "https://gajim.org", "https://dino.im"};

class Gen {
 public:
  explicit Gen(std::uint64_t seed) : rng_(seed) {}

  // Appends one stanza to out; returns whether it is a Jingle session-initiate.
  bool stanza(std::string& out) {
    const unsigned r = uniform(0, 999);
    if (r < 50) {
      session_initiate(out);
      return true;
    }
    if (r < 520) {
      message(out);
    } else if (r < 700) {
      chat_state(out);
    } else if (r < 950) {
      presence(out);
    } else {
      roster_push(out);
    }
    return false;
  }

 private:
  unsigned uniform(unsigned lo, unsigned hi) {
    return std::uniform_int_distribution<unsigned>(lo, hi)(rng_);
  }
  std::uint64_t u64() { return rng_(); }
  template <std::size_t N>
  std::string_view pick(const std::array<std::string_view, N>& a) {
    return a[uniform(0, N - 1)];
  }

  void num(std::string& out, std::uint64_t v) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    (void)ec;
    out.append(buf, end);
  }
  void hex(std::string& out, std::size_t digits) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (std::size_t i = 0; i < digits; ++i) {
      out.push_back(kHex[uniform(0, 15)]);
    }
  }
  void uuid(std::string& out) {
    hex(out, 8);
    out.push_back('-');
    hex(out, 4);
    out += "-4";
    hex(out, 3);
    out.push_back('-');
    hex(out, 4);
    out.push_back('-');
    hex(out, 12);
  }
  void b64(std::string& out, std::size_t n) {
    static constexpr char kB64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t i = 0; i < n; ++i) {
      out.push_back(kB64[uniform(0, 63)]);
    }
  }
  void full_jid(std::string& out) {
    out += pick(kContacts);
    out.push_back('/');
    out += pick(kResources);
  }
  void ids(std::string& out) {
    out += "<stanza-id xmlns='urn:xmpp:sid:0' by='alice@example.org' id='";
    uuid(out);
    out += "'/><origin-id xmlns='urn:xmpp:sid:0' id='";
    uuid(out);
    out += "'/>";
  }

  void message(std::string& out) {
    // A third arrive as XEP-0280 carbons of what another of our devices sent or received.
    const bool carbon = uniform(0, 2) == 0;
    if (carbon) {
      out +=
          "<message xmlns='jabber:client' from='alice@example.org' "
          "to='alice@example.org/laptop' type='chat'><received xmlns='urn:xmpp:carbons:2'>"
          "<forwarded xmlns='urn:xmpp:forward:0'>";
    }
    out += "<message xmlns='jabber:client' from='";
    full_jid(out);
    out += "' to='alice@example.org/laptop' type='chat' id='";
    uuid(out);
    out += "'><body>";
    // Mostly short lines, some paragraphs.
    const unsigned words = uniform(0, 9) < 5 ? uniform(2, 25) : uniform(40, 140);
    for (unsigned i = 0; i < words; ++i) {
      if (i != 0) {
        out.push_back(' ');
      }
      out += pick(kWords);
    }
    out +=
        "</body><active xmlns='http://jabber.org/protocol/chatstates'/>"
        "<markable xmlns='urn:xmpp:chat-markers:0'/>";
    ids(out);
    if (uniform(0, 3) == 0) {
      out += "<delay xmlns='urn:xmpp:delay' from='example.org' stamp='2024-05-0";
      num(out, uniform(1, 9));
      out += "T1";
      num(out, uniform(0, 9));
      out += ":3";
      num(out, uniform(0, 9));
      out += ":1";
      num(out, uniform(0, 9));
      out += ".";
      num(out, uniform(100, 999));
      out += "Z'/>";
    }
    if (uniform(0, 9) == 0) {
      out +=
          "<encryption xmlns='urn:xmpp:eme:0' namespace='eu.siacs.conversations.axolotl'/>"
          "<store xmlns='urn:xmpp:hints'/>";
    }
    out += "</message>";
    if (carbon) {
      out += "</forwarded></received></message>";
    }
  }

  void chat_state(std::string& out) {
    out += "<message xmlns='jabber:client' from='";
    full_jid(out);
    out += "' to='alice@example.org/laptop' type='chat' id='";
    uuid(out);
    out += "'><";
    out += pick(kStates);
    out +=
        " xmlns='http://jabber.org/protocol/chatstates'/><no-store xmlns='urn:xmpp:hints'/>"
        "</message>";
  }

  void presence(std::string& out) {
    out += "<presence xmlns='jabber:client' from='";
    full_jid(out);
    out += "' to='alice@example.org/laptop' id='";
    uuid(out);
    out += "'>";
    const std::string_view show = pick(kShows);
    if (!show.empty()) {
      out += "<show>";
      out += show;
      out += "</show>";
    }
    if (uniform(0, 2) == 0) {
      out += "<status>";
      for (unsigned i = 0, n = uniform(1, 6); i < n; ++i) {
        if (i != 0) {
          out.push_back(' ');
        }
        out += pick(kWords);
      }
      out += "</status>";
    }
    out += "<priority>";
    num(out, uniform(0, 50));
    out += "</priority><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='";
    out += pick(kCapsNodes);
    out += "' ver='";
    b64(out, 27);
    out += "='/><x xmlns='vcard-temp:x:update'><photo>";
    hex(out, 40);
    out += "</photo></x>";
    if (uniform(0, 2) == 0) {
      out += "<idle xmlns='urn:xmpp:idle:1' since='2024-05-01T1";
      num(out, uniform(0, 9));
      out += ":0";
      num(out, uniform(0, 9));
      out += ":00Z'/>";
    }
    out += "<delay xmlns='urn:xmpp:delay' from='alice@example.org' stamp='2024-05-01T09:1";
    num(out, uniform(0, 9));
    out += ":00.000Z'/></presence>";
  }

  void roster_push(std::string& out) {
    out += "<iq xmlns='jabber:client' type='set' id='";
    uuid(out);
    out += "' to='alice@example.org/laptop'><query xmlns='jabber:iq:roster' ver='ver";
    num(out, uniform(1, 100000));
    out += "'><item jid='";
    out += pick(kContacts);
    out += "' name='";
    out += pick(kNames);
    out += "' subscription='both'><group>Friends</group>";
    if (uniform(0, 1) == 0) {
      out += "<group>Work &amp; Calls</group>";
    }
    out += "</item></query></iq>";
  }

  void payload(std::string& out,
               unsigned id,
               std::string_view name,
               unsigned clockrate,
               unsigned channels) {
    out += "<payload-type channels='";
    num(out, channels);
    out += "' clockrate='";
    num(out, clockrate);
    out += "' id='";
    num(out, id);
    out += "' name='";
    out += name;
    out += "'";
  }
  static void video_fb(std::string& out) {
    out +=
        "<rtcp-fb xmlns='urn:xmpp:jingle:apps:rtp:rtcp-fb:0' type='goog-remb'/>"
        "<rtcp-fb xmlns='urn:xmpp:jingle:apps:rtp:rtcp-fb:0' type='transport-cc'/>"
        "<rtcp-fb xmlns='urn:xmpp:jingle:apps:rtp:rtcp-fb:0' type='ccm' subtype='fir'/>"
        "<rtcp-fb xmlns='urn:xmpp:jingle:apps:rtp:rtcp-fb:0' type='nack'/>"
        "<rtcp-fb xmlns='urn:xmpp:jingle:apps:rtp:rtcp-fb:0' type='nack' subtype='pli'/>";
  }
  void rtx(std::string& out, unsigned id, unsigned apt) {
    payload(out, id, "rtx", 90000, 1);
    out += "><parameter name='apt' value='";
    num(out, apt);
    out += "'/></payload-type>";
  }
  static void hdrext(std::string& out, unsigned id, std::string_view uri) {
    out += "<rtp-hdrext xmlns='urn:xmpp:jingle:apps:rtp:rtp-hdrext:0' id='";
    out += std::to_string(id);
    out += "' uri='";
    out += uri;
    out += "'/>";
  }
  void source(std::string& out, std::uint32_t ssrc, std::string_view cname, std::string_view msid) {
    out += "<source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='";
    num(out, ssrc);
    out += "'><parameter name='cname' value='";
    out += cname;
    out += "'/><parameter name='msid' value='";
    out += msid;
    out += "'/></source>";
  }
  void transport(std::string& out,
                 std::string_view ufrag,
                 std::string_view pwd,
                 std::string_view fingerprint,
                 bool with_candidates) {
    out += "<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='";
    out += ufrag;
    out += "' pwd='";
    out += pwd;
    out += "'><fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='actpass'>";
    out += fingerprint;
    out += "</fingerprint>";
    if (with_candidates) {  // BUNDLE: one transport carries them
      static constexpr std::array<std::string_view, 4> kTypes = {"host", "host", "srflx", "relay"};
      for (unsigned i = 0; i < 8; ++i) {
        out += "<candidate component='1' foundation='";
        num(out, u64() % 4000000000u);
        out += "' generation='0' id='";
        hex(out, 10);
        out += "' ip='";
        if (i % 2 == 0) {
          out += "192.168.";
          num(out, uniform(0, 255));
          out.push_back('.');
          num(out, uniform(1, 254));
        } else {
          out += "2001:db8:";
          hex(out, 4);
          out += "::";
          hex(out, 4);
        }
        out += "' network='";
        num(out, i / 2);
        out += "' port='";
        num(out, uniform(1024, 65535));
        out += "' priority='";
        num(out, 2122260223u - i * 4096u);
        out += "' protocol='udp' type='";
        out += kTypes[i / 2];
        out += "'";
        if (i >= 4) {
          out += " rel-addr='0.0.0.0' rel-port='0'";
        }
        out += "/>";
      }
    }
    out += "</transport>";
  }

  void session_initiate(std::string& out) {
    std::string sid, ufrag, pwd, fingerprint, stream, audio_track, video_track, cname;
    uuid(sid);
    b64(ufrag, 4);
    b64(pwd, 24);
    for (int i = 0; i < 32; ++i) {
      static constexpr char kHexUpper[] = "0123456789ABCDEF";
      if (i != 0) {
        fingerprint.push_back(':');
      }
      fingerprint.push_back(kHexUpper[uniform(0, 15)]);
      fingerprint.push_back(kHexUpper[uniform(0, 15)]);
    }
    uuid(stream);
    uuid(audio_track);
    uuid(video_track);
    b64(cname, 16);
    const auto audio_ssrc = static_cast<std::uint32_t>(u64());
    const auto video_ssrc = static_cast<std::uint32_t>(u64());
    const auto rtx_ssrc = static_cast<std::uint32_t>(u64());

    out += "<iq xmlns='jabber:client' from='";
    full_jid(out);
    out += "' to='alice@example.org/laptop' type='set' id='";
    uuid(out);
    out += "'><jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' initiator='";
    full_jid(out);
    out += "' sid='";
    out += sid;
    out +=
        "'><content creator='initiator' name='0' senders='both'>"
        "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio' ssrc='";
    num(out, audio_ssrc);
    out += "'><rtcp-mux/><rtcp-reduced-size/>";
    payload(out, 111, "opus", 48000, 2);
    out +=
        "><parameter name='minptime' value='10'/><parameter name='useinbandfec' value='1'/>"
        "<rtcp-fb xmlns='urn:xmpp:jingle:apps:rtp:rtcp-fb:0' type='transport-cc'/>"
        "</payload-type>";
    payload(out, 63, "red", 48000, 2);
    out += "><parameter name='111/111'/></payload-type>";
    payload(out, 9, "G722", 8000, 1);
    out += "/>";
    payload(out, 0, "PCMU", 8000, 1);
    out += "/>";
    payload(out, 8, "PCMA", 8000, 1);
    out += "/>";
    payload(out, 13, "CN", 8000, 1);
    out += "/>";
    payload(out, 110, "telephone-event", 48000, 1);
    out += "/>";
    payload(out, 126, "telephone-event", 8000, 1);
    out += "/>";
    hdrext(out, 1, "urn:ietf:params:rtp-hdrext:ssrc-audio-level");
    hdrext(out, 2, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time");
    hdrext(out, 3, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01");
    hdrext(out, 4, "urn:ietf:params:rtp-hdrext:sdes:mid");
    source(out, audio_ssrc, cname, stream + " " + audio_track);
    out += "<stream xmlns='urn:xmpp:jingle:apps:rtp:msid:0' id='";
    out += stream;
    out += "' track='";
    out += audio_track;
    out += "'/></description>";
    transport(out, ufrag, pwd, fingerprint, true);
    out +=
        "</content><content creator='initiator' name='1' senders='both'>"
        "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='video' ssrc='";
    num(out, video_ssrc);
    out += "'><rtcp-mux/><rtcp-reduced-size/>";
    payload(out, 96, "VP8", 90000, 1);
    out += ">";
    video_fb(out);
    out += "</payload-type>";
    rtx(out, 97, 96);
    struct H264 {
      unsigned id;
      char mode;
      std::string_view profile;
    };
    static constexpr std::array<H264, 4> kH264 = {
        {{102, '1', "42001f"}, {104, '0', "42001f"}, {108, '1', "42e01f"}, {114, '0', "42e01f"}}};
    for (const H264& h : kH264) {
      payload(out, h.id, "H264", 90000, 1);
      out +=
          "><parameter name='level-asymmetry-allowed' value='1'/>"
          "<parameter name='packetization-mode' value='";
      out.push_back(h.mode);
      out += "'/><parameter name='profile-level-id' value='";
      out += h.profile;
      out += "'/>";
      video_fb(out);
      out += "</payload-type>";
      rtx(out, h.id == 102 ? 103 : h.id + 1, h.id);
    }
    payload(out, 45, "AV1", 90000, 1);
    out +=
        "><parameter name='level-idx' value='5'/><parameter name='profile' value='0'/>"
        "<parameter name='tier' value='0'/>";
    video_fb(out);
    out += "</payload-type>";
    rtx(out, 46, 45);
    payload(out, 98, "VP9", 90000, 1);
    out += "><parameter name='profile-id' value='0'/>";
    video_fb(out);
    out += "</payload-type>";
    rtx(out, 99, 98);
    payload(out, 118, "red", 90000, 1);
    out += "/>";
    rtx(out, 119, 118);
    payload(out, 120, "ulpfec", 90000, 1);
    out += "/>";
    hdrext(out, 14, "urn:ietf:params:rtp-hdrext:toffset");
    hdrext(out, 2, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time");
    hdrext(out, 13, "urn:3gpp:video-orientation");
    hdrext(out, 3, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01");
    hdrext(out, 5, "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay");
    hdrext(out, 6, "http://www.webrtc.org/experiments/rtp-hdrext/video-content-type");
    hdrext(out, 7, "http://www.webrtc.org/experiments/rtp-hdrext/video-timing");
    hdrext(out, 8, "http://www.webrtc.org/experiments/rtp-hdrext/color-space");
    hdrext(out, 4, "urn:ietf:params:rtp-hdrext:sdes:mid");
    hdrext(out, 10, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id");
    hdrext(out, 11, "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id");
    source(out, video_ssrc, cname, stream + " " + video_track);
    source(out, rtx_ssrc, cname, stream + " " + video_track);
    out += "<ssrc-group xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' semantics='FID'><source ssrc='";
    num(out, video_ssrc);
    out += "'/><source ssrc='";
    num(out, rtx_ssrc);
    out += "'/></ssrc-group><stream xmlns='urn:xmpp:jingle:apps:rtp:msid:0' id='";
    out += stream;
    out += "' track='";
    out += video_track;
    out += "'/></description>";
    transport(out, ufrag, pwd, fingerprint, false);
    out +=
        "</content><group xmlns='urn:xmpp:jingle:apps:grouping:0' semantics='BUNDLE'>"
        "<content name='0'/><content name='1'/></group></jingle></iq>";
  }

  std::mt19937_64 rng_;
};

int usage() {
  std::fputs("usage: jcall-gen-xmpp-stream --bytes N --seed S > file\n", stderr);
  return 2;
}

bool parse_u64(const char* s, std::uint64_t& out) {
  const std::string_view v(s);
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc() && end == v.data() + v.size();
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t bytes = 0;
  std::uint64_t seed = 1;
  bool have_bytes = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a(argv[i]);
    if (a == "--bytes" && i + 1 < argc) {
      if (!parse_u64(argv[++i], bytes)) {
        return usage();
      }
      have_bytes = true;
    } else if (a == "--seed" && i + 1 < argc) {
      if (!parse_u64(argv[++i], seed)) {
        return usage();
      }
    } else {
      return usage();
    }
  }
  if (!have_bytes) {
    return usage();
  }

  Gen gen(seed);
  std::string buf(kHeader);
  std::uint64_t written = 0;
  const std::uint64_t body_budget =
      bytes > kHeader.size() + kFooter.size() ? bytes - kHeader.size() - kFooter.size() : 0;
  std::string stanza;
  std::uint64_t stanzas = 0, jingle_stanzas = 0, jingle_bytes = 0;
  while (true) {
    stanza.clear();
    const bool jingle = gen.stanza(stanza);
    if (written + stanza.size() > body_budget) {
      break;
    }
    written += stanza.size();
    ++stanzas;
    if (jingle) {
      ++jingle_stanzas;
      jingle_bytes += stanza.size();
    }
    buf += stanza;
    if (buf.size() >= 64 * 1024) {
      if (std::fwrite(buf.data(), 1, buf.size(), stdout) != buf.size()) {
        std::perror("jcall-gen-xmpp-stream: write");
        return 1;
      }
      buf.clear();
    }
  }
  buf += kFooter;
  if (std::fwrite(buf.data(), 1, buf.size(), stdout) != buf.size() || std::fflush(stdout) != 0) {
    std::perror("jcall-gen-xmpp-stream: write");
    return 1;
  }
  // The mix, on stderr so that stdout is the stream alone.
  std::fprintf(stderr,
               "{\"bytes\":%llu,\"stanzas\":%llu,\"jingle_stanzas\":%llu,"
               "\"jingle_bytes\":%llu,\"jingle_stanza_share\":%.4f,"
               "\"jingle_byte_share\":%.4f}\n",
               static_cast<unsigned long long>(written + kHeader.size() + kFooter.size()),
               static_cast<unsigned long long>(stanzas),
               static_cast<unsigned long long>(jingle_stanzas),
               static_cast<unsigned long long>(jingle_bytes),
               stanzas == 0 ? 0.0 : static_cast<double>(jingle_stanzas) / stanzas,
               written == 0 ? 0.0 : static_cast<double>(jingle_bytes) / written);
  return 0;
}
