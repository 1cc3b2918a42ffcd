// RFC 6120 §4: throughput of the stream parser (signaling/xml/parser.hpp) against bare,
// namespace-aware Expat over the same bytes. A benchmark, not a test: it prints numbers.
//
//   jcall-bench-xml FILE [--only jcall|expat] [--runs K]
//
// Each side reads FILE in 4 KiB read(2)s into a fixed buffer, as a socket reader would. The
// jcall side feeds StreamParser and drops each stanza after counting it, as a client does
// after dispatch; the Expat side runs handlers that only count. With --runs K each side runs
// K times, interleaved, and the fastest run counts. The last line of stdout is JSON.
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <unistd.h>
#include <variant>

#include <expat.h>

#include "signaling/xml/parser.hpp"

namespace {

namespace xml = jcall::signaling::xml;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadSize = 4096;

struct Counts {
  std::uint64_t bytes = 0;
  std::uint64_t stanzas = 0;
  double seconds = 0;
  bool ok = false;
};

// Calls on_chunk(data, size) for each 4 KiB read of path; false on an I/O error.
template <class F>
bool read_chunks(const char* path, F&& on_chunk) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::fprintf(stderr, "jcall-bench-xml: %s: %s\n", path, std::strerror(errno));
    return false;
  }
  char buf[kReadSize];
  bool ok = true;
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      std::fprintf(stderr, "jcall-bench-xml: read %s: %s\n", path, std::strerror(errno));
      ok = false;
      break;
    }
    if (n == 0) {
      break;
    }
    if (!on_chunk(buf, static_cast<std::size_t>(n))) {
      ok = false;
      break;
    }
  }
  ::close(fd);
  return ok;
}

Counts run_jcall(const char* path) {
  Counts c;
  xml::StreamParser parser;
  const auto t0 = Clock::now();
  c.ok = read_chunks(path, [&](const char* data, std::size_t n) {
    c.bytes += n;
    if (auto r = parser.feed(std::string_view(data, n)); !r) {
      std::fprintf(stderr, "jcall-bench-xml: jcall parser: %s\n", r.error().describe().c_str());
      return false;
    }
    while (parser.has_event()) {
      const xml::Event e = parser.next();  // dropped here, as after dispatch
      if (std::holds_alternative<xml::Element>(e)) {
        ++c.stanzas;
      }
    }
    return true;
  });
  c.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return c;
}

struct ExpatCount {
  std::uint64_t depth = 0;
  std::uint64_t elements = 0;
  std::uint64_t text_bytes = 0;
  std::uint64_t stanzas = 0;
};

void XMLCALL expat_start(void* user, const XML_Char*, const XML_Char**) {
  auto* c = static_cast<ExpatCount*>(user);
  ++c->depth;
  ++c->elements;
}
void XMLCALL expat_end(void* user, const XML_Char*) {
  auto* c = static_cast<ExpatCount*>(user);
  if (--c->depth == 1) {
    ++c->stanzas;
  }
}
void XMLCALL expat_text(void* user, const XML_Char*, int len) {
  static_cast<ExpatCount*>(user)->text_bytes += static_cast<std::uint64_t>(len);
}

Counts run_expat(const char* path) {
  Counts c;
  ExpatCount counts;
  const auto t0 = Clock::now();
  XML_Parser p = XML_ParserCreateNS("UTF-8", '\x1F');
  XML_SetUserData(p, &counts);
  XML_SetElementHandler(p, &expat_start, &expat_end);
  XML_SetCharacterDataHandler(p, &expat_text);
  c.ok = read_chunks(path, [&](const char* data, std::size_t n) {
    c.bytes += n;
    if (XML_Parse(p, data, static_cast<int>(n), XML_FALSE) != XML_STATUS_OK) {
      std::fprintf(stderr, "jcall-bench-xml: expat: %s\n", XML_ErrorString(XML_GetErrorCode(p)));
      return false;
    }
    return true;
  });
  XML_ParserFree(p);
  c.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  c.stanzas = counts.stanzas;
  return c;
}

int usage() {
  std::fputs("usage: jcall-bench-xml FILE [--only jcall|expat] [--runs K]\n", stderr);
  return 2;
}

double mb_per_s(const Counts& c) {
  return c.seconds > 0 ? static_cast<double>(c.bytes) / 1e6 / c.seconds : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const char* path = nullptr;
  std::string_view only;
  unsigned runs = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a(argv[i]);
    if (a == "--only" && i + 1 < argc) {
      only = argv[++i];
      if (only != "jcall" && only != "expat") {
        return usage();
      }
    } else if (a == "--runs" && i + 1 < argc) {
      const std::string_view v(argv[++i]);
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), runs);
      if (ec != std::errc() || end != v.data() + v.size() || runs == 0) {
        return usage();
      }
    } else if (path == nullptr && !a.starts_with("--")) {
      path = argv[i];
    } else {
      return usage();
    }
  }
  if (path == nullptr) {
    return usage();
  }

  const bool do_jcall = only.empty() || only == "jcall";
  const bool do_expat = only.empty() || only == "expat";
  Counts jcall, expat;
  for (unsigned r = 0; r < runs; ++r) {
    if (do_jcall) {
      const Counts c = run_jcall(path);
      if (!c.ok) {
        return 1;
      }
      if (r == 0 || c.seconds < jcall.seconds) {
        jcall = c;
      }
    }
    if (do_expat) {
      const Counts c = run_expat(path);
      if (!c.ok) {
        return 1;
      }
      if (r == 0 || c.seconds < expat.seconds) {
        expat = c;
      }
    }
  }
  if (do_jcall && do_expat && jcall.stanzas != expat.stanzas) {
    std::fprintf(stderr, "jcall-bench-xml: stanza counts differ: jcall %llu, expat %llu\n",
                 static_cast<unsigned long long>(jcall.stanzas),
                 static_cast<unsigned long long>(expat.stanzas));
    return 1;
  }

  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  const Counts& main_side = do_jcall ? jcall : expat;
  std::printf("{\"bytes\":%llu,\"stanzas\":%llu,\"seconds\":%.6f,\"mb_per_s\":%.2f,",
              static_cast<unsigned long long>(main_side.bytes),
              static_cast<unsigned long long>(main_side.stanzas), main_side.seconds,
              mb_per_s(main_side));
  if (do_jcall && do_expat) {
    std::printf("\"expat_seconds\":%.6f,\"expat_mb_per_s\":%.2f,\"ratio\":%.4f,", expat.seconds,
                mb_per_s(expat), expat.seconds > 0 ? jcall.seconds / expat.seconds : 0);
  }
  std::printf("\"only\":\"%s\",\"peak_rss_kb\":%ld}\n",
              only.empty() ? "both" : std::string(only).c_str(), ru.ru_maxrss);
  return 0;
}
