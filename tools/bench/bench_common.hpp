// What the call benchmarks (call_bench.cpp, video_bench.cpp) share: the statistics they
// report, the private Prosody and jcall processes they drive, and reading a process's CPU time
// from /proc.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <sys/types.h>
#include <vector>

#include "support/jcall_process.hpp"
#include "support/prosody_fixture.hpp"

namespace jcall::bench {

// Prints "PROGRAM: what" to stderr and exits 1.
[[noreturn]] void die(const std::string& what);

// Nearest-rank percentile of v (p in [0, 100]); v must not be empty.
double percentile(std::vector<double> v, double p);
double median(const std::vector<double>& v);

// A private Prosody with the accounts alice and bob (exits when it does not start).
std::unique_ptr<test::ProsodyServer> start_server();
// Waits until the process is logged in with its roster (exits when it does not).
void online(test::Jcall& j, const char* who);

// Pids of this process's children whose command name is comm.
std::set<pid_t> children_named(const std::string& comm);

struct CpuTicks {
  std::string comm;
  std::uint64_t ticks = 0;  // utime + stime
};
// utime + stime of /proc/PID/stat or /proc/PID/task/TID/stat.
std::optional<CpuTicks> read_ticks(const std::string& stat_path);
std::string read_first_line(const std::string& path);
// A UDP port nobody uses on 127.0.0.1 now (for the gst-launch baselines).
std::uint16_t free_udp_port();

}  // namespace jcall::bench
