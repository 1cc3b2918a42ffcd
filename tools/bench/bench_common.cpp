// Shared by the call benchmarks (bench_common.hpp).
#include "bench_common.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <unistd.h>

namespace jcall::bench {

using test::Jcall;
using test::ProsodyServer;
using namespace std::chrono_literals;

void die(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, what.c_str());
  std::exit(1);
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double rank = p / 100.0 * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(rank);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}

double median(const std::vector<double>& v) {
  return percentile(v, 50);
}

std::unique_ptr<ProsodyServer> start_server() {
  ProsodyServer::Options options;
  options.accounts = {{"alice", "alice-pw-1"}, {"bob", "bob-pw-2"}};
  std::string error;
  auto server = ProsodyServer::start(options, &error);
  if (!server) {
    die("Prosody did not start: " + error);
  }
  return server;
}

void online(Jcall& j, const char* who) {
  if (!j.wait_event("connected", 20s) || !j.wait_event("roster", 10s)) {
    die(std::string(who) + " did not log in:\n" + j.raw());
  }
}

std::set<pid_t> children_named(const std::string& comm) {
  std::set<pid_t> out;
  DIR* d = opendir("/proc");
  if (d == nullptr) {
    return out;
  }
  while (dirent* e = readdir(d)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) {
      continue;
    }
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(f, line)) {
      continue;
    }
    const auto open = line.find('(');
    const auto close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) {
      continue;
    }
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == getpid() && line.substr(open + 1, close - open - 1) == comm) {
      out.insert(pid);
    }
  }
  closedir(d);
  return out;
}

std::optional<CpuTicks> read_ticks(const std::string& stat_path) {
  std::ifstream f(stat_path);
  std::string line;
  if (!std::getline(f, line)) {
    return std::nullopt;
  }
  const auto open = line.find('(');
  const auto close = line.rfind(')');
  if (open == std::string::npos || close == std::string::npos) {
    return std::nullopt;
  }
  std::istringstream rest(line.substr(close + 2));
  std::vector<std::string> fields{std::istream_iterator<std::string>(rest), {}};
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  if (fields.size() < 13) {
    return std::nullopt;
  }
  return CpuTicks{line.substr(open + 1, close - open - 1),
                  std::stoull(fields[11]) + std::stoull(fields[12])};
}

std::string read_first_line(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  return line;
}

std::uint16_t free_udp_port() {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    die("cannot find a free UDP port");
  }
  close(fd);
  return ntohs(a.sin_port);
}

namespace {

std::uint64_t context_switches(const std::string& status_path) {
  std::ifstream f(status_path);
  std::string line;
  std::uint64_t n = 0;
  while (std::getline(f, line)) {
    if (line.starts_with("voluntary_ctxt_switches:") ||
        line.starts_with("nonvoluntary_ctxt_switches:")) {
      n += std::strtoull(line.substr(line.find(':') + 1).c_str(), nullptr, 10);
    }
  }
  return n;
}

}  // namespace

CpuSample sample_cpu(pid_t pid) {
  CpuSample s;
  const std::string base = "/proc/" + std::to_string(pid);
  const auto main = read_ticks(base + "/stat");
  if (main) {
    s.total = main->ticks;
  }
  std::set<pid_t> tids;
  if (DIR* d = opendir((base + "/task").c_str())) {
    while (dirent* e = readdir(d)) {
      if (const auto tid = static_cast<pid_t>(std::atoi(e->d_name)); tid > 0) {
        tids.insert(tid);
      }
    }
    closedir(d);
  }
  for (const pid_t tid : tids) {
    const std::string task = base + "/task/" + std::to_string(tid);
    const auto t = read_ticks(task + "/stat");
    if (!t) {
      continue;
    }
    ThreadTime tt;
    tt.label = t->comm;
    if (main && t->comm == main->comm) {
      // Its place among the threads (tids grow in creation order) and where it sleeps.
      std::string wchan = read_first_line(task + "/wchan");
      wchan = wchan.substr(0, wchan.find('.'));
      tt.label += "#" + std::to_string(s.threads.size()) + ":" +
                  (tid == pid                      ? "main"
                   : wchan.empty() || wchan == "0" ? "running"
                                                   : wchan);
    }
    tt.ns = std::strtoull(read_first_line(task + "/schedstat").c_str(), nullptr, 10);
    tt.switches = context_switches(task + "/status");
    s.threads[tid] = tt;
  }
  return s;
}

CpuUse cpu_between(const CpuSample& a, const CpuSample& b, double seconds) {
  const double tck = static_cast<double>(sysconf(_SC_CLK_TCK));
  CpuUse u;
  u.percent = static_cast<double>(b.total - a.total) / tck / seconds * 100;
  for (const auto& [tid, t] : b.threads) {
    const auto it = a.threads.find(tid);
    const std::uint64_t before = it == a.threads.end() ? 0 : it->second.ns;
    // The label from the first sample: wchan is more telling while the thread sleeps.
    const std::string& label = it == a.threads.end() ? t.label : it->second.label;
    u.by_thread[label] += static_cast<double>(t.ns - before) / 1e9 / seconds * 100;
    const std::uint64_t sw = it == a.threads.end() ? 0 : it->second.switches;
    u.switches_per_s += static_cast<double>(t.switches - sw) / seconds;
  }
  return u;
}

CpuUse mean(const std::vector<CpuUse>& v) {
  CpuUse m;
  for (const CpuUse& u : v) {
    m.percent += u.percent / static_cast<double>(v.size());
    m.switches_per_s += u.switches_per_s / static_cast<double>(v.size());
    for (const auto& [name, pct] : u.by_thread) {
      m.by_thread[name] += pct / static_cast<double>(v.size());
    }
  }
  return m;
}

std::vector<std::pair<double, std::string>> busiest(const CpuUse& u) {
  std::vector<std::pair<double, std::string>> v;
  for (const auto& [name, pct] : u.by_thread) {
    if (pct > 0) {
      v.emplace_back(pct, name);
    }
  }
  std::sort(v.rbegin(), v.rend());
  return v;
}

}  // namespace jcall::bench
