// RFC 2782 (SRV), RFC 6120 §3.2, XEP-0368 §3
#include "signaling/xmpp/srv.hpp"

#include <algorithm>
#include <arpa/nameser.h>
#include <map>
#include <netinet/in.h>
#include <resolv.h>

namespace jcall::signaling::xmpp {

std::vector<SrvRecord> parse_srv_answer(const unsigned char* answer, int length) {
  std::vector<SrvRecord> out;
  ns_msg msg;
  if (length <= 0 || ns_initparse(answer, length, &msg) < 0) {
    return out;
  }
  const int count = ns_msg_count(msg, ns_s_an);
  for (int i = 0; i < count; ++i) {
    ns_rr rr;
    if (ns_parserr(&msg, ns_s_an, i, &rr) < 0 || ns_rr_type(rr) != ns_t_srv ||
        ns_rr_rdlen(rr) < 7) {
      continue;
    }
    const unsigned char* rd = ns_rr_rdata(rr);
    SrvRecord rec;
    rec.priority = static_cast<std::uint16_t>(ns_get16(rd));
    rec.weight = static_cast<std::uint16_t>(ns_get16(rd + 2));
    rec.port = static_cast<std::uint16_t>(ns_get16(rd + 4));
    char name[NS_MAXDNAME];
    if (ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg), rd + 6, name, sizeof(name)) < 0) {
      continue;
    }
    rec.target = name;
    out.push_back(std::move(rec));
  }
  return out;
}

std::vector<Target> order_srv(std::vector<SrvRecord> records, bool direct_tls, std::mt19937& rng) {
  std::vector<Target> out;
  if (records.size() == 1 && (records[0].target == "." || records[0].target.empty())) {
    return out;
  }
  std::map<std::uint16_t, std::vector<SrvRecord>> by_priority;
  for (auto& r : records) {
    by_priority[r.priority].push_back(std::move(r));
  }
  for (auto& [prio, group] : by_priority) {
    // RFC 2782: zero-weight records first, then pick by running sum of weights.
    std::stable_partition(group.begin(), group.end(),
                          [](const SrvRecord& r) { return r.weight == 0; });
    while (!group.empty()) {
      std::uint32_t total = 0;
      for (const auto& r : group) {
        total += r.weight;
      }
      std::size_t pick = 0;
      if (total > 0) {
        const std::uint32_t x = std::uniform_int_distribution<std::uint32_t>(0, total)(rng);
        std::uint32_t sum = 0;
        for (pick = 0; pick < group.size(); ++pick) {
          sum += group[pick].weight;
          if (sum >= x) {
            break;
          }
        }
        pick = std::min(pick, group.size() - 1);
      }
      out.push_back(Target{group[pick].target, group[pick].port, direct_tls, prio});
      group.erase(group.begin() + static_cast<std::ptrdiff_t>(pick));
    }
  }
  return out;
}

namespace {

std::vector<SrvRecord> query_srv(const std::string& name) {
  struct __res_state state {};
  if (res_ninit(&state) != 0) {
    return {};
  }
  std::vector<unsigned char> answer(4096);
  const int len = res_nquery(&state, name.c_str(), ns_c_in, ns_t_srv, answer.data(),
                             static_cast<int>(answer.size()));
  res_nclose(&state);
  if (len <= 0) {
    return {};
  }
  return parse_srv_answer(answer.data(), std::min<int>(len, static_cast<int>(answer.size())));
}

}  // namespace

std::vector<Target> lookup_targets(const std::string& domain) {
  std::random_device rd;
  std::mt19937 rng(rd());
  auto tls_records = query_srv("_xmpps-client._tcp." + domain);
  auto tcp_records = query_srv("_xmpp-client._tcp." + domain);
  // Merge by priority; XEP-0368 §3: prefer direct TLS among equal priorities. The sort is
  // stable, so the weighted order within a priority stays.
  std::vector<Target> out = order_srv(tls_records, true, rng);
  for (auto& t : order_srv(tcp_records, false, rng)) {
    out.push_back(std::move(t));
  }
  std::stable_sort(out.begin(), out.end(), [](const Target& a, const Target& b) {
    return a.priority != b.priority ? a.priority < b.priority : (a.direct_tls && !b.direct_tls);
  });
  if (out.empty() && tls_records.empty() && tcp_records.empty()) {
    out.push_back(Target{domain, 5222, false});
  }
  return out;
}

}  // namespace jcall::signaling::xmpp
