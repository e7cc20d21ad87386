// Validation: the IOTLB cliff of random DMA reads through the IOMMU, end to
// end (VF -> root port -> IOMMU -> memory), against Neugebauer et al.,
// "Understanding PCIe performance for end host networking", SIGCOMM 2018,
// whose IOMMU measurements are published as pcie-bench/data (commit
// b2abf2f78ac28837c8ecda200f7d898d779340d3):
//
//   4 KiB pages: nfp6000-1.2GHz_bdw-Xeon-E5-2630v4-dell-t430-s0-s0-s0-iommu-nosp/
//     bw_dma_win_sweep_rd_rnd_64.txt (Linux intel_iommu with superpages off),
//     64 B random DMA reads, host-warm cache (HWarm), column "BW" (Gb/s
//     despite its "GB/s" header: 64 B x Trans/s x 8):
//        16KB 32.084  256KB 32.431  512KB 22.342  1MB 15.193
//        4MB 10.921   16MB 10.149   64MB 9.829
//   2 MiB pages: nfp6000-1.2GHz_hsw-Xeon-E5-2620v3_dell-t630-iommu/ (the
//     IOMMU with superpages; no Broadwell run with superpages was published)
//     against nfp6000-1.2GHz_hsw-Xeon-E5-2620v3_dell-t630/ (no IOMMU), same
//     file, HWarm, 64MB: 28.787 vs 28.693 Gb/s: +0.3 %, no cliff.
//
// The paper's reading: the IOTLB has 64 entries, 64 x 4 KiB = 256 KiB, so
// throughput falls once the window exceeds 256 KiB; 2 MiB pages push the
// reach to 128 MiB.  The scenario here is the paper's benchmark on a VF
// assigned to a VM: the fabric maps the VM's memory into the VF's IOMMU
// domain; for the 4 KiB case the test remaps the same GPA -> HPA ranges in
// 4 KiB pages (what Linux does with intel_iommu=sp_off, the "-nosp" runs).
#include "test_validation_fabric.h"

#include <cmath>
#include <vector>

namespace {

const ladon_time_ps kWarm = LADON_US(20), kEnd = LADON_US(70);

// VF 0 of nic0 assigned to vm0 (host mh with the E5 v4 preset and an
// IOMMU), 64 B random reads over the first `window` bytes of the VM's
// memory, 95 in flight (the benchmark's 95 worker contexts: 11 worker MEs
// x 8 + 7 contexts of the main ME, pcie-bench/pciebench-nfp me/Makefile).
std::string Topology(uint64_t window, bool iommu) {
  char w[64];
  std::snprintf(w, sizeof w, "0x0+%lluKiB", (unsigned long long)(window >> 10));
  return std::string(R"({"ladon": 1, "name": "iotlb", "seed": 5, "defaults": )") +
         vt::PresetDefaults("xeon-e5-v4-gen3x8") + R"(,
  "components": {
    "mh": {"type": "host", "memory": "16GiB", "iommu": )" + (iommu ? "true" : "false") + R"(},
    "nic0": {"type": "sriov_nic", "total_vfs": 4, "num_vfs": 1}
  },
  "links": [{"a": "mh.rp0", "b": "nic0.up"}],
  "vms": {"vm0": {"host": "mh", "memory": "128MiB", "functions": ["nic0.vf0"]}},
  "workloads": {"rd": {"type": "dma", "on": "nic0.vf0", "target": "vm0", "op": "read",
    "size": "64B", "pattern": "random", "outstanding": 95)" +
         (iommu ? std::string(R"(, "window": ")") + w + "\"" : std::string()) + R"(}}
})";
}

struct Result {
  double gbps;
  double miss_fraction;  // IOTLB misses per translation in the measurement
};

// Remaps the VM's IOMMU domain (domain 1: the first VM) in 4 KiB pages.
void RemapIn4KiBPages(vt::Fabric &f) {
  ladon__host *h = f.host("mh");
  ladon__iommu *mmu = ladon__host_iommu(h);
  ASSERT_NE(mmu, nullptr);
  ladon__host_vm *vm = ladon__host_vm_find(h, "vm0");
  ASSERT_NE(vm, nullptr);
  const ladon__host_range *r;
  size_t n = ladon__host_vm_ranges(vm, &r);
  ASSERT_GT(n, 0u);
  for (size_t i = 0; i < n; i++) {
    ladon__iommu_unmap(mmu, 1, r[i].gpa, r[i].bytes);
    ladon_error err{};
    ASSERT_EQ(ladon__iommu_map(mmu, 1, r[i].gpa, r[i].bytes, r[i].hpa, LADON_IMAP_RW, 12, &err),
              LADON_OK)
        << err.text;
  }
  const ladon_imap_entry *e = ladon_imap_lookup(ladon__iommu_domain_map(mmu, 1), 0);
  ASSERT_NE(e, nullptr);
  ASSERT_EQ(e->page_shift, 12u);
}

Result Measure(uint64_t window, unsigned page_shift) {
  vt::Fabric f(Topology(window, true));
  EXPECT_NE(f.f, nullptr) << f.err.text;
  if (f.f == nullptr) return {0, 0};
  if (page_shift == 12) RemapIn4KiBPages(f);
  f.run_to(kWarm);
  uint64_t h0 = f.counter("mh.iommu.iotlb_hits"), m0 = f.counter("mh.iommu.iotlb_misses");
  Result r;
  r.gbps = f.gbps("rd", kWarm, kEnd);
  uint64_t h1 = f.counter("mh.iommu.iotlb_hits"), m1 = f.counter("mh.iommu.iotlb_misses");
  r.miss_fraction = (double)(m1 - m0) / (double)((h1 - h0) + (m1 - m0));
  return r;
}

// The same reads without an IOMMU: the device is given host physical
// addresses of the VM's memory (the fabric's window).
double MeasureWithoutIommu() {
  vt::Fabric f(Topology(64ull << 20, false));
  EXPECT_NE(f.f, nullptr) << f.err.text;
  return f.f ? f.gbps("rd", kWarm, kEnd) : 0;
}

const uint64_t KiB = 1024, MiB = 1024 * 1024;

}  // namespace

// Where the cliff is.  LRU over uniformly random 4 KiB pages: with P pages
// in the window and 64 entries, a translation hits with probability 64 / P
// once warm, so 0 misses up to 256 KiB and 1 - 64/128 = 50 % at 512 KiB.
// The knee lies between 256 and 512 KiB, as published (32.431 -> 22.342).
TEST(ValidationIommu, KneeIsWhereTheIotlbReachEnds) {
  Result at16k = Measure(16 * KiB, 12), at256k = Measure(256 * KiB, 12);
  Result at512k = Measure(512 * KiB, 12);
  EXPECT_EQ(at256k.miss_fraction, 0.0);
  EXPECT_NEAR(at512k.miss_fraction, 0.5, 0.03);
  // Published: 256 KiB within 2 % of 16 KiB (32.431 vs 32.084), 512 KiB
  // 31 % below 256 KiB.
  EXPECT_NEAR(at256k.gbps, at16k.gbps, 0.02 * at16k.gbps);
  EXPECT_LT(at512k.gbps, 0.9 * at256k.gbps);
  vt::Row("iommu-knee-256k", "IOMMU 4 KiB pages: 64 B random reads, 256 KiB window (Gb/s)",
          32.431, at256k.gbps, "Gb/s");
  vt::Row("iommu-knee-512k", "IOMMU 4 KiB pages: 64 B random reads, 512 KiB window (Gb/s)",
          22.342, at512k.gbps, "Gb/s");
}

// How deep the cliff is.  Published: 64 MiB window 9.829 Gb/s, 69.7 % below
// the 256 KiB window's 32.431.  A miss costs the 4-level walk, 4 x 70 ns =
// 280 ns (the latency the same dataset measured, lat_dma_sweep_rd_rnd_64:
// 600 -> 880 ns median); latency alone would leave the device's outstanding
// reads running at 1 - RTT / (RTT + 280 ns), about a third lower.  The
// published bandwidths imply a walk-rate limit instead: reads/s x miss
// fraction is 21.8 M/s at 512 KiB, 22.3 M/s at 1 MiB, 19.1 M/s at 64 MiB --
// about one walk per 50 ns, i.e. 280 / 50 = 5.6 walks in progress at once.
// The preset's iommu_walkers = 6 bounds the rate at 6 / 280 ns = 21.4 M
// walks/s: 64 B x 21.4 M/s = 11.0 Gb/s once nearly every read misses.
TEST(ValidationIommu, DropBeyondTheReachIsBoundByPageWalkers) {
  Result at256k = Measure(256 * KiB, 12), at64m = Measure(64 * MiB, 12);
  EXPECT_GT(at64m.miss_fraction, 0.99);  // 1 - 64 / 16384
  double drop = vt::ErrPct(at64m.gbps, at256k.gbps);
  double published = vt::ErrPct(9.829, 32.431);  // -69.7 %
  vt::Row("iommu-64m", "IOMMU 4 KiB pages: 64 B random reads, 64 MiB window (Gb/s)", 9.829,
          at64m.gbps, "Gb/s");
  std::printf("drop 256 KiB -> 64 MiB: simulated %.1f %%, published %.1f %%\n", drop, published);
  vt::Row("iommu-drop", "IOMMU 4 KiB pages: throughput change 256 KiB -> 64 MiB window (%)",
          published, drop, "%");
  // Walk-rate arithmetic: walkers / walk time x 64 B x miss fraction.
  double walk_bound = 6.0 / 280e-9 * 64 * 8 / 1e9 / at64m.miss_fraction;
  EXPECT_NEAR(at64m.gbps, walk_bound, 0.03 * walk_bound);
  EXPECT_NEAR(drop, published, 10.0);
}

// 2 MiB pages: 64 MiB is 32 pages, inside the 64-entry reach, so there is
// no cliff: the IOMMU costs nothing against the same reads without it.
// Published (Xeon E5-2620 v3 with superpages, 64 MiB window): +0.3 %.
TEST(ValidationIommu, TwoMiBPagesHaveNoCliff) {
  Result huge = Measure(64 * MiB, 21);
  double none = MeasureWithoutIommu();
  EXPECT_EQ(huge.miss_fraction, 0.0);
  double change = vt::ErrPct(huge.gbps, none);
  vt::Row("iommu-2m", "IOMMU 2 MiB pages: change vs no IOMMU, 64 MiB window (%)",
          vt::ErrPct(28.787, 28.693), change, "%");
  EXPECT_NEAR(change, vt::ErrPct(28.787, 28.693), 2.0);
}

// The rest of the published sweep (HWarm: 1 MiB 15.193, 4 MiB 10.921,
// 16 MiB 10.149).  The simulated miss fraction follows the LRU arithmetic
// 1 - 64 / pages, and the throughput falls with it towards the page-walker
// bound: each point within 16 % of the published one (one fixed number of
// walkers cannot fit a rate that itself drifts from 22.3 to 19.1 M walks/s).
TEST(ValidationIommu, SweepBeyondTheReachFollowsTheWalkRate) {
  struct Point {
    uint64_t window;
    double published;
    const char *id;
  } pts[] = {{1 * MiB, 15.193, "iommu-1m"}, {4 * MiB, 10.921, "iommu-4m"},
             {16 * MiB, 10.149, "iommu-16m"}};
  double prev = 1e9;
  for (const Point &p : pts) {
    Result r = Measure(p.window, 12);
    double pages = (double)(p.window >> 12);
    EXPECT_NEAR(r.miss_fraction, 1.0 - 64.0 / pages, 0.03) << p.window;
    EXPECT_LE(r.gbps, prev * 1.005) << p.window;  // never rises
    EXPECT_NEAR(r.gbps, p.published, 0.16 * p.published) << p.window;
    prev = r.gbps;
    char what[96];
    std::snprintf(what, sizeof what,
                  "IOMMU 4 KiB pages: 64 B random reads, %llu MiB window (Gb/s)",
                  (unsigned long long)(p.window >> 20));
    vt::Row(p.id, what, p.published, r.gbps, "Gb/s");
  }
}
