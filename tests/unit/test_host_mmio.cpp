// CPU loads and stores: routed by the windows programmed into the root
// ports, master aborts outside them, stalls of the issuing core, and loads
// and stores to RAM.
#include "test_host_harness.h"

using ht::Fixture;
using ht::Load;

namespace {

const uint16_t kMem = PCI_COMMAND_MEMORY;

struct TwoPorts : Fixture {
  TwoPorts() : Fixture({{"root_ports", "2"}, {"cpus", "2"}}, 2) {
    up();
    program_rp(0, 1, 1, 0x90000000, 0x900fffff, kMem);
    program_rp(1, 17, 17, 0x90100000, 0x901fffff, kMem);
  }
};

}  // namespace

TEST(HostMmio, StoresLeaveThroughTheRootPortWhoseWindowHoldsThem) {
  TwoPorts f;
  uint32_t a = 0xdeadbeef;
  uint64_t b = 0x0123456789abcdefull;
  ASSERT_EQ(ladon__host_mmio_write(f.h, 0, 0x90000010, 4, &a), LADON_OK);
  ASSERT_EQ(ladon__host_mmio_write(f.h, 0, 0x90100020, 8, &b), LADON_OK);
  f.run_for(LADON_US(1));
  const ht::Rx *w0 = f.eps[0]->last(LADON_TLP_MWR);
  const ht::Rx *w1 = f.eps[1]->last(LADON_TLP_MWR);
  ASSERT_NE(w0, nullptr);
  ASSERT_NE(w1, nullptr);
  EXPECT_EQ(f.eps[0]->count(LADON_TLP_MWR), 1u);
  EXPECT_EQ(f.eps[1]->count(LADON_TLP_MWR), 1u);
  EXPECT_EQ(w0->tlp.addr, 0x90000010u);
  EXPECT_EQ(w0->tlp.length_dw, 1u);
  EXPECT_EQ(w0->tlp.req_id, 0x0000u);
  ASSERT_EQ(w0->data.size(), 4u);
  EXPECT_EQ(std::memcmp(w0->data.data(), &a, 4), 0);
  EXPECT_EQ(w1->tlp.addr, 0x90100020u);
  EXPECT_EQ(w1->tlp.length_dw, 2u);
  EXPECT_EQ(std::memcmp(w1->data.data(), &b, 8), 0);
  EXPECT_EQ(f.stat("master_aborts"), 0u);
}

// A 200 B write-combined store with Device Control MPS 128 (its reset
// value) leaves as MWr split at 128 B boundaries: 0x40..0x7F (64 B),
// 0x80..0xFF (128 B), 0x100..0x107 (8 B), in address order.
TEST(HostMmio, LargeStoresSplitAtTheProgrammedMps) {
  TwoPorts f;
  std::vector<uint8_t> d(200);
  for (size_t i = 0; i < d.size(); i++) d[i] = (uint8_t)i;
  ASSERT_EQ(ladon__host_mmio_write(f.h, 0, 0x90000040, 200, d.data()),
            LADON_OK);
  f.run_for(LADON_US(1));
  std::vector<std::pair<uint64_t, uint32_t>> got;
  std::vector<uint8_t> bytes;
  for (const ht::Rx &r : f.eps[0]->rx)
    if (r.tlp.type == LADON_TLP_MWR) {
      got.push_back({r.tlp.addr, r.tlp.length_dw * 4u});
      bytes.insert(bytes.end(), r.data.begin(), r.data.end());
    }
  std::vector<std::pair<uint64_t, uint32_t>> want = {
      {0x90000040, 64}, {0x90000080, 128}, {0x90000100, 8}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(bytes, d);
}

TEST(HostMmio, AccessesOutsideEveryWindowAreMasterAborts) {
  TwoPorts f;
  uint32_t a = 1;
  ladon__host_mmio_write(f.h, 0, 0xA0000000ull, 4, &a);
  Load l;
  l.sim = f.sim;
  ladon__host_mmio_read(f.h, 1, 0xA0000004ull, 4, Load::cb, &l);
  f.run_for(LADON_US(1));
  EXPECT_EQ(f.eps[0]->rx.size() + f.eps[1]->rx.size(), 0u);
  ASSERT_TRUE(l.done);
  EXPECT_EQ(l.status, LADON_TLP_CPL_UR);
  EXPECT_EQ(l.value, 0xffffffffu);
  EXPECT_EQ(f.stat("master_aborts"), 2u);
}

// A window only decodes while the root port's Memory Space Enable is Set.
TEST(HostMmio, MemorySpaceEnableClearTurnsTheWindowOff) {
  TwoPorts f;
  f.cfg_write(LADON_TLP_ID(0, 1, 0), PCI_COMMAND, 2, 0);
  uint32_t a = 7;
  ladon__host_mmio_write(f.h, 0, 0x90000010, 4, &a);
  f.run_for(LADON_US(1));
  EXPECT_EQ(f.eps[0]->rx.size(), 0u);
  EXPECT_EQ(f.stat("master_aborts"), 1u);
  // Reprogramming moves routing with it: a window at 0xB0000000 now.
  f.program_rp(0, 1, 1, 0xB0000000ull, 0xB00fffffull, kMem);
  ladon__host_mmio_write(f.h, 0, 0xB0000100ull, 4, &a);
  f.run_for(LADON_US(1));
  EXPECT_EQ(f.eps[0]->count(LADON_TLP_MWR), 1u);
}

TEST(HostMmio, LoadsReturnTheEndpointsData) {
  TwoPorts f;
  for (int i = 0; i < 16; i++) f.eps[1]->mem[0x90100040 + i] = (uint8_t)(0x10 + i);
  Load l;
  l.sim = f.sim;
  ASSERT_EQ(ladon__host_mmio_read(f.h, 0, 0x90100044, 4, Load::cb, &l),
            LADON_OK);
  f.run_for(LADON_US(2));
  ASSERT_TRUE(l.done);
  EXPECT_EQ(l.status, LADON_TLP_CPL_SC);
  EXPECT_EQ(l.value, 0x17161514u);
  // An unaligned 8-byte load spans three DWs: First BE 1100b, Last BE 0011b.
  Load u;
  u.sim = f.sim;
  ladon__host_mmio_read(f.h, 0, 0x90100046, 8, Load::cb, &u);
  f.run_for(LADON_US(2));
  ASSERT_TRUE(u.done);
  EXPECT_EQ(u.value, 0x1d1c1b1a19181716ull);
  const ht::Rx *rd = f.eps[1]->last(LADON_TLP_MRD);
  ASSERT_NE(rd, nullptr);
  EXPECT_EQ(rd->tlp.length_dw, 3u);
  EXPECT_EQ(rd->tlp.first_be, 0xcu);
  EXPECT_EQ(rd->tlp.last_be, 0x3u);
}

// One outstanding load per core: the core's next store leaves only after
// the load's completion is back; another core is not held up.
TEST(HostMmio, ALoadStallsItsCoreButNotOthers) {
  TwoPorts f;
  Load l;
  l.sim = f.sim;
  uint32_t v = 5;
  ladon__host_mmio_read(f.h, 0, 0x90000000, 4, Load::cb, &l);
  ladon__host_mmio_write(f.h, 0, 0x90000100, 4, &v);  // behind the load
  ladon__host_mmio_write(f.h, 1, 0x90000200, 4, &v);  // another core
  f.run_for(LADON_US(2));
  ASSERT_TRUE(l.done);
  std::vector<uint64_t> order;
  ladon_time_ps t_behind = 0, t_other = 0, t_load = 0;
  for (const ht::Rx &r : f.eps[0]->rx) {
    if (r.tlp.type == LADON_TLP_MWR && r.tlp.addr == 0x90000100) t_behind = r.t;
    if (r.tlp.type == LADON_TLP_MWR && r.tlp.addr == 0x90000200) t_other = r.t;
    if (r.tlp.type == LADON_TLP_MRD) t_load = r.t;
  }
  ASSERT_NE(t_behind, 0u);
  ASSERT_NE(t_other, 0u);
  EXPECT_GT(t_behind, l.t);   // left after the load's data came back
  EXPECT_LT(t_other, l.t);    // core 1 went ahead
  EXPECT_LE(t_load, t_other + LADON_NS(20));
  const ladon_hist *h = f.hist("mmio_read_latency");
  ASSERT_EQ(ladon_hist_count(h), 1u);
}

TEST(HostMmio, LoadsAndStoresToRamUseMemory) {
  Fixture f({{"memory_latency", "100ns"}}, 0);
  uint64_t v = 0x1122334455667788ull;
  ASSERT_EQ(ladon__host_mmio_write(f.h, 0, 0x7000, 8, &v), LADON_OK);
  Load l;
  l.sim = f.sim;
  ladon_time_ps t0 = f.now();
  ladon__host_mmio_read(f.h, 0, 0x7004, 4, Load::cb, &l);
  f.run_for(LADON_US(1));
  ASSERT_TRUE(l.done);
  EXPECT_EQ(l.status, LADON_TLP_CPL_SC);
  EXPECT_EQ(l.value, 0x11223344u);
  EXPECT_GE(l.t - t0, LADON_NS(100));
  EXPECT_LT(l.t - t0, LADON_NS(120));
}

TEST(HostMmio, BadArgumentsAreRejected) {
  Fixture f({{"cpus", "2"}}, 0);
  uint8_t d[512] = {0};
  Load l;
  EXPECT_EQ(ladon__host_mmio_write(f.h, 2, 0x90000000, 4, d), LADON_EINVAL);
  EXPECT_EQ(ladon__host_mmio_write(f.h, 0, 0x90000000, 0, d), LADON_EINVAL);
  EXPECT_EQ(ladon__host_mmio_write(f.h, 0, 0x90000000, 512, d), LADON_EINVAL);
  EXPECT_EQ(ladon__host_mmio_write(f.h, 0, 0x90000ffe, 4, d), LADON_EINVAL);
  EXPECT_EQ(ladon__host_mmio_read(f.h, 0, 0x90000000, 9, Load::cb, &l),
            LADON_EINVAL);
  EXPECT_EQ(ladon__host_mmio_read(f.h, 0, 0x90000000, 4, nullptr, &l),
            LADON_EINVAL);
}

TEST(HostMmio, TheRouteMapIsWhatSoftwareProgrammed) {
  TwoPorts f;
  const ladon_imap *m = ladon__host_route_map(f.h);
  ASSERT_EQ(ladon_imap_count(m), 2u);
  const ladon_imap_entry *e = ladon_imap_lookup(m, 0x90180000);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->user, 1u);
  EXPECT_EQ(e->lo, 0x90100000u);
  EXPECT_EQ(e->hi, 0x901fffffu);
  // An overlapping window is left out and counted.
  f.program_rp(1, 17, 17, 0x90000000, 0x900fffff, kMem);
  m = ladon__host_route_map(f.h);
  EXPECT_EQ(ladon_imap_count(m), 1u);
  EXPECT_EQ(f.stat("window_conflicts"), 1u);
}
