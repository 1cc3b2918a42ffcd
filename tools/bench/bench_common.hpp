// What the call benchmarks (call_bench.cpp, video_bench.cpp) share: the statistics they
// report, the private Prosody and jcall processes they drive, and reading a process's CPU time
// from /proc.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <sys/types.h>
#include <utility>
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

// A process's CPU: utime+stime ticks of the whole process (/proc/PID/stat, threads that ended
// included) and each live thread's run time in ns (/proc/PID/task/TID/schedstat) and context
// switches, labelled by name. GStreamer names its streaming threads after their element; the
// threads jcall starts keep the program's name, so those get their place among the threads and
// the kernel function they sleep in (wchan: ep_poll for the Asio loop, do_sys_poll for a
// GMainLoop, pipe_read for the stdin reader).
struct ThreadTime {
  std::string label;
  std::uint64_t ns = 0;
  std::uint64_t switches = 0;  // context switches, voluntary + involuntary
};
struct CpuSample {
  std::uint64_t total = 0;
  std::map<pid_t, ThreadTime> threads;
};
CpuSample sample_cpu(pid_t pid);

struct CpuUse {
  double percent = 0;                       // of one core
  double switches_per_s = 0;                // context switches of the live threads
  std::map<std::string, double> by_thread;  // thread label -> % of one core (summed by label)
};
// What the process used between two samples `seconds` apart.
CpuUse cpu_between(const CpuSample& a, const CpuSample& b, double seconds);
// The mean of several windows.
CpuUse mean(const std::vector<CpuUse>& v);
// Threads by CPU, busiest first (summed by label).
std::vector<std::pair<double, std::string>> busiest(const CpuUse& u);

}  // namespace jcall::bench
