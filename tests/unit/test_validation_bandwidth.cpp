// Validation: DMA bandwidth and latency against transfer size, end to end
// (a function's DMA engine -> Gen3 x8 link -> root port -> host memory),
// against the measurements of Neugebauer et al., "Understanding PCIe
// performance for end host networking", SIGCOMM 2018, published as
// pcie-bench/data (commit b2abf2f78ac28837c8ecda200f7d898d779340d3),
// directory nfp6000-1.2GHz_bdw-Xeon-E5-2630v4-dell-t430-s0-s0-s0 (Netronome
// NFP-6000 in a Gen3 x8 root port of a Xeon E5-2630 v4, no IOMMU):
//
//   bw_dma_sz_sweep.txt, random addresses in an 8 KiB window, host-warm
//   cache, column "BW" in Gb/s (its header says GB/s; SZ x Trans/s x 8):
//     size     64      128     256     512     1024    2048
//     read   31.906  43.766  47.670  55.034  55.413  55.579
//     write  24.269  42.355  50.488  53.013  53.013  53.013
//     rw     23.084  33.856  42.087  42.678  43.556  52.000  (both ways)
//   lat_dma_sizes.txt, one DMA read at a time, HWarm, Med(ns):
//     64 B 546, 256 B 626, 512 B 706.
//
// The scenario is the benchmark's: the device sits directly at the root
// port, its buffers are above 4 GiB (sys-dma-addrs.txt: 0x1026400000 ...,
// so 4 DW headers), and 95 DMAs are in flight (11 worker MEs x 8 contexts +
// 7 contexts of the main ME, each with one blocking DMA:
// pcie-bench/pciebench-nfp me/Makefile and me/pcie_dma.c dma_bw_worker()).
// The host and link parameters are the calibrated preset
// configs/presets/xeon-e5-v4-gen3x8.json.
//
// Tolerance: 5 % where the host and the link set the rate (reads of
// 512 B and more).  The dataset's five Xeon E5 hosts (Sandy Bridge to
// Broadwell) spread by 1.3 % there (55.03 .. 55.72 Gb/s at 512 B), the same
// host by 2.6 % between runs with and without IOMMU for writes (53.01 vs
// 54.38), and the link model itself is within 0.3 % of spec arithmetic
// (test_link_validation); 5 % leaves room for the rest without hiding a
// wrong completion split (64 B completions would be 14 % off).  Where the
// NFP's own DMA engine sets the rate, the simulated device is not a model
// of it: those points assert the documented deviation and the arithmetic
// that explains the simulated value (docs/validation.md).
#include "test_validation_fabric.h"

#include <cmath>

namespace {

const ladon_time_ps kFrom = LADON_US(10), kTo = LADON_US(60);

// Gen3 x8 TLP-layer rate of one direction that carries TLPs only:
// 8 GT/s x 8 lanes x 128/130, less SKP Ordered Sets (4 of 1538 symbol
// times, the pcie-model's figure; PCIe Base 6.0 §4.2.8).
const double kTlpGbps = 8.0 * 8 * 128.0 / 130.0 * (1.0 - 4.0 / 1538.0);

// 20 bytes per CplD besides its data: 3 DW header + 2 B sequence number +
// 4 B LCRC + 2 B framing (pcie-facts; PCIe Base §2.2.9, §4.2.2.3.2).
const double kCplOverhead = 20.0;

struct Published {
  uint32_t size;
  double read, write, rw;
};
const Published kSweep[] = {
    {64, 31.906, 24.269, 23.084},    {128, 43.766, 42.355, 33.856},
    {256, 47.670, 50.488, 42.087},   {512, 55.034, 53.013, 42.678},
    {1024, 55.413, 53.013, 43.556},  {2048, 55.579, 53.013, 52.000},
};

std::string Topology(const std::string &defaults, const char *op, uint32_t size,
                     uint32_t outstanding = 95, const char *extra = "") {
  char wl[512];
  std::snprintf(wl, sizeof wl,
                R"("bw": {"type": "dma", "on": "nic0.pf", "op": "%s", "size": "%uB",
                   "pattern": "random", "window": "0x400000000+8KiB",
                   "outstanding": %u%s})",
                op, size, outstanding, extra);
  return std::string(R"({"ladon": 1, "name": "pcie-bench", "seed": 3, "defaults": )") +
         defaults + R"(,
  "components": {
    "mh": {"type": "host", "memory": "32GiB"},
    "nic0": {"type": "sriov_nic", "total_vfs": 1, "num_vfs": 0}
  },
  "links": [{"a": "mh.rp0", "b": "nic0.up"}],
  "workloads": {)" + wl + "}}";
}

std::string Preset() { return vt::PresetDefaults("xeon-e5-v4-gen3x8"); }

double Bandwidth(const std::string &defaults, const char *op, uint32_t size) {
  vt::Fabric f(Topology(defaults, op, size));
  EXPECT_NE(f.f, nullptr) << f.err.text;
  return f.f ? f.gbps("bw", kFrom, kTo) : 0;
}

// Median round trip of one read at a time (the latency benchmark).
double ReadLatencyNs(uint32_t size) {
  vt::Fabric f(Topology(Preset(), "read", size, 1, R"(, "count": 101)"));
  EXPECT_NE(f.f, nullptr) << f.err.text;
  if (f.f == nullptr) return 0;
  f.run_to(LADON_US(200));
  const ladon_stat *s = ladon_stats_find(ladon_sim_stats(f.f->sim), "flow.bw.latency_ps");
  const ladon_hist *h = s ? ladon_stat_as_hist(s) : nullptr;
  EXPECT_NE(h, nullptr);
  if (h == nullptr) return 0;
  EXPECT_EQ(ladon_hist_count(h), 101u);
  return (double)ladon_hist_quantile(h, 0.5) / 1000.0;
}

}  // namespace

// Reads of 512 B and more: the root complex returns MPS-sized (256 B)
// completions -- 64 B (RCB) ones could not carry more than
// 64 / 84 x 62.85 = 47.9 Gb/s, and the published reads reach 55.6 -- so the
// link's completion stream sets the rate.  Within 5 %; the simulation is
// 3.7 .. 4.7 % faster: the published reads take 37.0 ns per 256 B
// completion where the wire needs 35.0 (documented in docs/validation.md).
TEST(ValidationBandwidth, LargeReadsMatchWithinFivePercent) {
  std::string d = Preset();
  for (const Published &p : kSweep) {
    if (p.size < 512) continue;
    double sim = Bandwidth(d, "read", p.size);
    char id[32], what[96];
    std::snprintf(id, sizeof id, "read-%u", p.size);
    std::snprintf(what, sizeof what, "DMA read bandwidth, %u B transfers (Gb/s)", p.size);
    vt::Row(id, what, p.read, sim, "Gb/s");
    EXPECT_NEAR(sim, p.read, 0.05 * p.read) << p.size;
    // And it is the completion stream's arithmetic: size / (size + 20 x
    // size / 256) of the TLP rate, less the DLLPs of the reverse traffic
    // (under 1.5 %).
    double bound = kTlpGbps * p.size / (p.size + kCplOverhead * p.size / 256.0);
    EXPECT_LT(sim, bound) << p.size;
    EXPECT_GT(sim, 0.985 * bound) << p.size;
  }
}

// 64 B reads: the simulated device keeps 32 reads in flight -- enumeration
// leaves Extended Tag Field Enable Clear, so 5-bit tags (PCIe Base §2.2.6.2)
// -- and the rate is 32 x 64 B per round trip of the calibrated 546 ns:
// 30.0 Gb/s, 7 % under the published 31.9.  The agreement is partly a
// coincidence: the NFP keeps more reads in flight (on the Xeon E3 of the
// same dataset it sustains 44.9 M reads/s at a 1226 ns median latency, 55
// in flight); on the E5 its DMA engine's command rate (62..67 M DMAs/s at
// 16..64 B) is the limit, which the simulated device does not have.
TEST(ValidationBandwidth, SmallReadsAreTagBound) {
  double sim = Bandwidth(Preset(), "read", 64);
  vt::Row("read-64", "DMA read bandwidth, 64 B transfers (Gb/s)", 31.906, sim, "Gb/s");
  double tag_bound = 32 * 64 * 8 / 546.0;
  EXPECT_NEAR(sim, tag_bound, 0.02 * tag_bound);
  EXPECT_NEAR(sim, 31.906, 0.10 * 31.906);
}

// 128 and 256 B reads: the published rates sit far below what MPS-sized
// completions allow, and the 256 B point equals the arithmetic of 64 B
// (RCB-sized) completions: 256 / (256 + 4 x 20) x 62.85 = 47.9 Gb/s
// against 47.67 published.  So this root complex splits a 256 B read at
// the RCB but returns larger reads in larger completions; one cpl_split
// policy cannot give both.  With the preset's "mps" the simulation is
// 18..28 % above the published 128/256 B points (documented deviation);
// with "rcb" the 256 B point is within 2 %, and 128 B stays 8 % above
// (43.77 published against 47.9 possible: a limit of the NFP).
TEST(ValidationBandwidth, MidSizeReadsFollowTheRcbSplit) {
  std::string mps = Preset();
  std::string rcb = vt::Override(mps, "host", "cpl_split", "\"rcb\"");
  for (const Published &p : kSweep) {
    if (p.size != 128 && p.size != 256) continue;
    double at_mps = Bandwidth(mps, "read", p.size), at_rcb = Bandwidth(rcb, "read", p.size);
    char id[32], what[112];
    std::snprintf(id, sizeof id, "read-%u", p.size);
    std::snprintf(what, sizeof what, "DMA read bandwidth, %u B transfers (Gb/s)", p.size);
    vt::Row(id, what, p.read, at_mps, "Gb/s");
    std::snprintf(id, sizeof id, "read-%u-rcb", p.size);
    std::snprintf(what, sizeof what,
                  "DMA read bandwidth, %u B transfers, completions split at RCB (Gb/s)",
                  p.size);
    vt::Row(id, what, p.read, at_rcb, "Gb/s");
    // The simulated values are the completion arithmetic of each policy.
    double mps_bound = kTlpGbps * p.size / (p.size + kCplOverhead);
    double rcb_bound = kTlpGbps * p.size / (p.size + kCplOverhead * p.size / 64.0);
    EXPECT_NEAR(at_mps, mps_bound, 0.015 * mps_bound) << p.size;
    EXPECT_NEAR(at_rcb, rcb_bound, 0.015 * rcb_bound) << p.size;
    // Documented deviation with "mps".
    EXPECT_GT(vt::ErrPct(at_mps, p.read), 15.0) << p.size;
    EXPECT_LT(vt::ErrPct(at_mps, p.read), 30.0) << p.size;
    if (p.size == 256) {
      EXPECT_NEAR(at_rcb, p.read, 0.02 * p.read);
    } else {
      EXPECT_NEAR(vt::ErrPct(at_rcb, p.read), 8.0, 3.0);
    }
  }
}

// Writes: every published point is below the simulated one, and the gap is
// the device's.  The NFP issues at most 47.4 M write DMAs/s at 64 B (24.269
// Gb/s -- the same figure in every Xeon E5 run of the dataset, Sandy Bridge
// to Broadwell, so not the host's) and spends 38.6 ns per 256 B write at 512 B and more (53.013
// Gb/s) where the link needs 35.6 ns (280 B).  The simulated device's
// transmit path moves 32 B per 4 ns cycle (preset: 250 MHz x 256 bit), so
// a write with a 4 DW header takes ceil((16 + size) / 32) cycles: 64 B 3
// cycles (42.67 Gb/s), 128 B 5 (51.2), 256 B 9 (56.89); that arithmetic is
// what is asserted, with the published value documented beside it.
TEST(ValidationBandwidth, WritesRunAtTheDeviceTransmitPath) {
  std::string d = Preset();
  for (const Published &p : kSweep) {
    double sim = Bandwidth(d, "write", p.size);
    char id[32], what[96];
    std::snprintf(id, sizeof id, "write-%u", p.size);
    std::snprintf(what, sizeof what, "DMA write bandwidth, %u B transfers (Gb/s)", p.size);
    vt::Row(id, what, p.write, sim, "Gb/s");
    uint32_t tlp = p.size < 256 ? p.size : 256;
    double cycles = std::ceil((16.0 + tlp) / 32.0);
    double path = tlp * 8 / (cycles * 4.0);
    EXPECT_NEAR(sim, path, 0.01 * path) << p.size;
    EXPECT_GT(sim, p.write) << p.size;
    if (p.size >= 512) {  // 38.6 ns vs 36 ns per TLP: +7.3 %
      EXPECT_GT(vt::ErrPct(sim, p.write), 5.0);
      EXPECT_LT(vt::ErrPct(sim, p.write), 9.0);
    }
  }
}

// Reads and writes together (the benchmark alternates them per DMA and
// counts both directions' bytes).  The NFP's total stays at about one
// direction's worth (52.0 Gb/s at 2 KiB); the simulated engine serves its
// read and write queues independently, so completions fill the downstream
// direction and writes the upstream one: about twice the published total
// (documented deviation; the Gen3 x8 link could carry both).
TEST(ValidationBandwidth, ReadWriteMixFillsBothDirections) {
  std::string d = Preset();
  double sim = Bandwidth(d, "mixed", 2048);
  vt::Row("rw-2048", "DMA read+write bandwidth, 2048 B transfers, both directions (Gb/s)",
          52.0, sim, "Gb/s");
  double rd = Bandwidth(d, "read", 2048);
  EXPECT_GT(sim, 1.8 * 52.0);
  EXPECT_LT(sim, 2.2 * 52.0);
  EXPECT_GT(sim, 1.8 * rd);  // each direction near its own limit
}

// Latency of one read at a time.  64 B is the calibration point of the
// preset's memory_latency (546 ns, within 1 %).  Larger reads: the
// simulated round trip grows by the extra completion bytes on the wire --
// 512 B: 2 x 276 B instead of 84 B, (552 - 84) / 7.877 B/ns = 59.4 ns --
// while the published one grows by 160 ns (NFP-internal per-byte cost,
// about 0.36 ns/B): 14 % under the published 706 ns (documented).
TEST(ValidationBandwidth, ReadLatencyVsSize) {
  double l64 = ReadLatencyNs(64), l256 = ReadLatencyNs(256), l512 = ReadLatencyNs(512);
  vt::Row("lat-64", "DMA read latency, 64 B, one at a time (ns, median)", 546, l64, "ns");
  vt::Row("lat-256", "DMA read latency, 256 B, one at a time (ns, median)", 626, l256, "ns");
  vt::Row("lat-512", "DMA read latency, 512 B, one at a time (ns, median)", 706, l512, "ns");
  EXPECT_NEAR(l64, 546.0, 0.01 * 546.0);
  double wire = (2 * 276.0 - 84.0) / (kTlpGbps / 8.0);
  EXPECT_NEAR(l512 - l64, wire, 0.1 * wire);
  EXPECT_NEAR(vt::ErrPct(l512, 706.0), -14.0, 3.0);
  EXPECT_LT(l256, 626.0);
}

// The effect of the completion size on read bandwidth (PCIe Base 5.0
// §2.3.1.1: completions may be split at RCB-aligned addresses; each carries
// at most MPS): 2048 B reads, aligned, so n = 2048 / chunk completions of
// chunk + 20 bytes on the wire.  Goodput = chunk / (chunk + 20) of the TLP
// rate: RCB 64 -> 76.2 %, RCB 128 -> 86.5 %, MPS 256 -> 92.8 %.  The host
// counts its completions, which must be exactly 2048 / chunk per read.
// Tolerance 1.5 %: the downstream direction also carries the Acks and
// UpdateFCs of the upstream read requests (under 1 % of it).
TEST(ValidationBandwidth, CompletionSizeSetsReadBandwidth) {
  struct Case {
    const char *id, *what, *rcb, *split;
    double chunk;
  } cases[] = {
      {"rcb-64", "2048 B reads, completions split at RCB 64 B (Gb/s)", "64B", "rcb", 64},
      {"rcb-128", "2048 B reads, completions split at RCB 128 B (Gb/s)", "128B", "rcb", 128},
      {"rcb-mps", "2048 B reads, completions of MPS 256 B (Gb/s)", "64B", "mps", 256},
  };
  double got[3];
  for (int i = 0; i < 3; i++) {
    std::string d = vt::Override(Preset(), "host", "rcb",
                                 (std::string("\"") + cases[i].rcb + "\"").c_str());
    d = vt::Override(d, "host", "cpl_split", (std::string("\"") + cases[i].split + "\"").c_str());
    vt::Fabric f(Topology(d, "read", 2048));
    ASSERT_NE(f.f, nullptr) << f.err.text;
    got[i] = f.gbps("bw", kFrom, kTo);
    double want = kTlpGbps * cases[i].chunk / (cases[i].chunk + kCplOverhead);
    vt::Row(cases[i].id, cases[i].what, want, got[i], "Gb/s");
    EXPECT_NEAR(got[i], want, 0.015 * want) << cases[i].id;
    uint64_t reads = f.counter("mh.dma_reads"), cpls = f.counter("mh.completions");
    // Reads are split at MRRS 512 B by the device: 4 requests per transfer.
    ASSERT_GT(reads, 0u);
    EXPECT_NEAR((double)cpls / (double)reads, 512.0 / cases[i].chunk, 0.01) << cases[i].id;
  }
  // The ratios are independent of the link rate: 64 B vs 256 B
  // completions cost (64/84) / (256/276) = 0.821 of the bandwidth.
  EXPECT_NEAR(got[0] / got[2], (64.0 / 84.0) / (256.0 / 276.0), 0.01);
}
