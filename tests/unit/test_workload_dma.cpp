// The raw DMA stream workload on an SR-IOV function: address patterns,
// determinism of the seeded stream, write data, the read/write mix, the
// outstanding limit, pacing, duration and the flow statistics.
#include "test_sriov_harness.h"

#include <cmath>

extern "C" {
#include "ladon/component.h"
}

namespace {

using st::Fixture;

constexpr uint64_t kBar = 0x80000000ull;
constexpr uint64_t kVfBar = 0x90000000ull;
constexpr uint64_t kWin = 0x100000000ull;

struct Stream {
  Fixture f;
  ladon__workload *wl = nullptr;
  explicit Stream(const ladon__workload_spec &s, const char *name = "vf0-rd", uint64_t seed = 1,
               int32_t vf = 0)
      : f(nullptr, 4096, seed) {
    f.enumerate(kBar, kVfBar, 2);
    ladon_error err;
    wl = ladon__workload_new(f.sim, name, &s, &err);
    EXPECT_NE(wl, nullptr) << err.text;
    EXPECT_EQ(ladon__workload_bind(wl, f.dev, vf, &err), LADON_OK) << err.text;
  }
  ~Stream() { ladon__workload_free(wl); }
  void start() {
    ladon_error err;
    ASSERT_EQ(ladon__workload_start(wl, &err), LADON_OK) << err.text;
  }
  std::vector<uint64_t> addrs(ladon_tlp_type t) {
    std::vector<uint64_t> v;
    for (const st::Rx *r : f.host.of_type(t)) v.push_back(r->h.addr);
    return v;
  }
};

ladon__workload_spec dma_spec(ladon__wl_op op, uint32_t size, uint64_t count,
                              uint64_t window = 1 << 20) {
  ladon__workload_spec s;
  ladon__workload_spec_default(LADON__WL_DMA, &s);
  s.u.dma.op = op;
  s.u.dma.size_bytes = size;
  s.u.dma.count = count;
  s.window_base = kWin;
  s.window_bytes = window;
  return s;
}

TEST(WorkloadDma, SequentialSlotsWrapAroundTheWindowWithTheVfsRequesterId) {
  Stream r(dma_spec(LADON__WL_READ, 64, 25, 10 * 64));
  r.start();
  r.f.drain();
  std::vector<const st::Rx *> rd = r.f.host.of_type(LADON_TLP_MRD);
  ASSERT_EQ(rd.size(), 25u);
  for (size_t i = 0; i < rd.size(); i++) {
    EXPECT_EQ(rd[i]->h.addr, kWin + (i % 10) * 64) << i;
    EXPECT_EQ(rd[i]->h.req_id, r.f.vf(1));
    EXPECT_NE(rd[i]->h.flags & LADON_TLP_F_ADDR64, 0u);
  }
  EXPECT_TRUE(ladon__workload_done(r.wl));
}

TEST(WorkloadDma, RandomPatternIsDeterministicPerSeedAndName) {
  ladon__workload_spec s = dma_spec(LADON__WL_READ, 64, 200);
  s.u.dma.pattern = LADON__WL_RANDOM;
  auto seq = [&](uint64_t seed, const char *name) {
    Stream r(s, name, seed);
    r.start();
    r.f.drain();
    return r.addrs(LADON_TLP_MRD);
  };
  std::vector<uint64_t> a = seq(7, "vf0-rd"), b = seq(7, "vf0-rd");
  ASSERT_EQ(a.size(), 200u);
  EXPECT_EQ(a, b) << "same seed, same name: same addresses";
  EXPECT_NE(a, seq(8, "vf0-rd")) << "another seed";
  EXPECT_NE(a, seq(7, "vf0-other")) << "another workload name";
  std::vector<uint64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_GT(std::unique(sorted.begin(), sorted.end()) - sorted.begin(), 150)
      << "200 draws from 16384 slots are mostly distinct";
  for (uint64_t x : a) {
    EXPECT_EQ((x - kWin) % 64, 0u);
    EXPECT_LT(x - kWin, 1u << 20);
  }
}

TEST(WorkloadDma, WritesStoreThePatternAtEachSlot) {
  ladon__workload_spec s = dma_spec(LADON__WL_WRITE, 100, 16, 4096);
  Stream r(s, "vf0-wr");
  r.start();
  r.f.drain();
  uint8_t key = (uint8_t)ladon_hash_string("vf0-wr");
  // 40 slots of 100 B in 4096 B; 16 transfers fill slots 0..15.
  for (uint64_t a = kWin; a < kWin + 1600; a++)
    ASSERT_EQ(r.f.host.byte(a), ladon__workload_pattern_byte(key, a)) << std::hex << a;
  EXPECT_EQ(r.f.host.mem.count(kWin + 1600), 0u) << "nothing beyond the 16th slot";
  ladon__workload_counts n;
  ladon__workload_counts_get(r.wl, &n);
  EXPECT_EQ(n.writes, 16u);
  EXPECT_EQ(n.bytes, 1600u);
}

TEST(WorkloadDma, MixedRatioFollowsReadFraction) {
  ladon__workload_spec s = dma_spec(LADON__WL_MIXED, 64, 4000);
  s.u.dma.read_fraction = 0.25;
  Stream r(s, "mix");
  r.start();
  r.f.drain(LADON_MS(10));
  ladon__workload_counts n;
  ladon__workload_counts_get(r.wl, &n);
  EXPECT_EQ(n.reads + n.writes, 4000u);
  // Binomial(4000, 0.25): mean 1000, sd sqrt(4000 x 0.25 x 0.75) = 27.4;
  // 4 sd either side.
  double sd = std::sqrt(4000 * 0.25 * 0.75);
  EXPECT_GT((double)n.reads, 1000 - 4 * sd);
  EXPECT_LT((double)n.reads, 1000 + 4 * sd);
  EXPECT_EQ(r.f.host.of_type(LADON_TLP_MRD).size(), n.reads);
}

TEST(WorkloadDma, OutstandingLimitHolds) {
  ladon__workload_spec s = dma_spec(LADON__WL_READ, 64, 40);
  s.u.dma.outstanding = 4;
  Stream r(s);
  r.f.host.read_latency = LADON_US(2);
  r.start();
  r.f.drain();
  EXPECT_EQ(r.f.host.max_live, 4u);
  EXPECT_EQ(r.f.host.tag_reuse, 0);
  ladon__workload_counts n;
  ladon__workload_counts_get(r.wl, &n);
  EXPECT_EQ(n.requests, 40u);
}

// Pacing: transfer i is issued at the first clock edge at or after
// t0 + i x size / rate: 64 B at 1 GB/s is one every 64 ns.
TEST(WorkloadDma, RateLimitPacesIssues) {
  ladon__workload_spec s = dma_spec(LADON__WL_READ, 64, 10);
  s.rate_bytes_per_s = 1000000000ull;
  s.start_ps = 1001; // off the 4 ns clock grid
  Stream r(s);
  ladon_time_ps t0 = ladon_sim_now(r.f.sim) + 1001;
  r.start();
  r.f.drain();
  std::vector<const st::Rx *> rd = r.f.host.of_type(LADON_TLP_MRD);
  ASSERT_EQ(rd.size(), 10u);
  for (size_t i = 0; i < rd.size(); i++)
    EXPECT_EQ(rd[i]->h.t_issue_ps, ladon_clock_edge_at_or_after(t0 + i * 64000, 4000, 0)) << i;
}

// Duration 2 us at 64 ns per transfer: transfers 0..31 start before the end.
TEST(WorkloadDma, DurationStopsIssuing) {
  ladon__workload_spec s = dma_spec(LADON__WL_WRITE, 64, 0);
  s.rate_bytes_per_s = 1000000000ull;
  s.duration_ps = LADON_US(2);
  Stream r(s, "dur");
  r.start();
  r.f.drain();
  ladon__workload_counts n;
  ladon__workload_counts_get(r.wl, &n);
  EXPECT_EQ(n.issued, 32u);
  EXPECT_EQ(n.requests, 32u);
  EXPECT_TRUE(ladon__workload_done(r.wl));
}

TEST(WorkloadDma, FlowStatisticsAndErrors) {
  ladon__workload_spec s = dma_spec(LADON__WL_READ, 128, 50);
  Stream r(s, "flow1");
  ladon_time_ps t0 = ladon_sim_now(r.f.sim);
  r.start();
  r.f.drain();
  EXPECT_EQ(st::counter(r.f.sim, "flow.flow1.requests"), 50u);
  EXPECT_EQ(st::counter(r.f.sim, "flow.flow1.bytes"), 6400u);
  EXPECT_EQ(st::counter(r.f.sim, "flow.flow1.errors"), 0u);
  const ladon_stat *h = ladon_stats_find(ladon_sim_stats(r.f.sim), "flow.flow1.latency_ps");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(ladon_hist_count(ladon_stat_as_hist(h)), 50u);
  // A read's latency includes the fake root port's 500 ns.
  EXPECT_GT(ladon_hist_min(ladon_stat_as_hist(h)), LADON_NS(500));
  uint64_t first = st::counter(r.f.sim, "flow.flow1.first_issue_ps");
  uint64_t last = st::counter(r.f.sim, "flow.flow1.last_done_ps");
  EXPECT_EQ(first, t0) << "the workload issued its first transfer at its start";
  EXPECT_LE(first, r.f.host.of_type(LADON_TLP_MRD)[0]->h.t_issue_ps);
  EXPECT_GT(last, first);

  Stream e(dma_spec(LADON__WL_READ, 64, 7), "flow2");
  e.f.host.read_status = LADON_TLP_CPL_UR;
  e.start();
  e.f.drain();
  EXPECT_EQ(st::counter(e.f.sim, "flow.flow2.errors"), 7u);
  EXPECT_EQ(st::counter(e.f.sim, "flow.flow2.requests"), 0u);
}

TEST(WorkloadDma, ParametersFillTheSpecAndBadInputIsRejected) {
  const ladon_component_type *t = ladon_component_find("dma");
  ASSERT_NE(t, nullptr);
  ladon_error err;
  ladon_params *p = ladon_params_new(t->params, t->n_params, t->name, &err);
  ASSERT_EQ(ladon_params_set(p, "op", "write", &err), LADON_OK);
  ASSERT_EQ(ladon_params_set(p, "size", "4KiB", &err), LADON_OK);
  ASSERT_EQ(ladon_params_set(p, "window", "0x100000000+16MiB", &err), LADON_OK);
  ASSERT_EQ(ladon_params_set(p, "pattern", "random", &err), LADON_OK);
  ASSERT_EQ(ladon_params_set_u64(p, "count", 100000, &err), LADON_OK);
  ASSERT_EQ(ladon_params_set_u64(p, "outstanding", 32, &err), LADON_OK);
  ASSERT_EQ(ladon_params_set(p, "rate", "2GB/s", &err), LADON_OK);
  ASSERT_EQ(ladon_params_resolve(p, &err), LADON_OK) << err.text;
  ladon__workload_spec s;
  ASSERT_EQ(ladon__workload_spec_from_params(p, &s, &err), LADON_OK) << err.text;
  EXPECT_EQ(s.kind, LADON__WL_DMA);
  EXPECT_EQ(s.u.dma.op, LADON__WL_WRITE);
  EXPECT_EQ(s.u.dma.size_bytes, 4096u);
  EXPECT_EQ(s.u.dma.pattern, LADON__WL_RANDOM);
  EXPECT_EQ(s.u.dma.count, 100000u);
  EXPECT_EQ(s.window_base, 0x100000000ull);
  EXPECT_EQ(s.window_bytes, 16ull << 20);
  EXPECT_EQ(s.rate_bytes_per_s, 2000000000ull);
  ladon_params_free(p);

  p = ladon_params_new(t->params, t->n_params, t->name, &err);
  ASSERT_EQ(ladon_params_set(p, "window", "0x1000-16MiB", &err), LADON_OK);
  ASSERT_EQ(ladon_params_resolve(p, &err), LADON_OK);
  ladon_sim *sim = ladon_sim_new(nullptr, nullptr);
  void *inst = nullptr;
  EXPECT_EQ(t->create(sim, "w", p, &inst, &err), LADON_EPARSE);
  EXPECT_NE(std::string(err.text).find("window"), std::string::npos) << err.text;
  ladon_params_free(p);

  // Binding to a VF the device does not have names both.
  Fixture f;
  ladon__workload_spec ok = dma_spec(LADON__WL_READ, 64, 1);
  ladon__workload *wl = ladon__workload_new(f.sim, "w9", &ok, &err);
  ASSERT_NE(wl, nullptr);
  EXPECT_EQ(ladon__workload_bind(wl, f.dev, 8, &err), LADON_ENOENT);
  EXPECT_NE(std::string(err.text).find("vf8"), std::string::npos) << err.text;
  // Not bound: cannot start.
  EXPECT_EQ(ladon__workload_start(wl, &err), LADON_ESTATE);
  ladon__workload_free(wl);
  // A window smaller than one transfer.
  ladon__workload_spec small = dma_spec(LADON__WL_READ, 4096, 1, 1024);
  wl = ladon__workload_new(f.sim, "w10", &small, &err);
  ASSERT_EQ(ladon__workload_bind(wl, f.dev, -1, &err), LADON_OK);
  EXPECT_EQ(ladon__workload_start(wl, &err), LADON_EINVAL);
  ladon__workload_free(wl);
  ladon_sim_free(sim);
}

} // namespace
