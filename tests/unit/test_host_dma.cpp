// DMA through the root complex: writes land in host memory byte for byte,
// reads come back split at RCB and MPS with exact fields and data, the
// memory's latency and bandwidth set the timing, and the root port's
// Bus Master Enable, ACS and poisoning rules are enforced.
#include "test_host_harness.h"

#include <cmath>

using ht::Fixture;

namespace {

const uint16_t kMemMaster = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;

std::vector<uint8_t> pattern(size_t n, unsigned seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; i++) v[i] = (uint8_t)(i * 13 + seed);
  return v;
}

// A fixture with one endpoint below rp0 (bus 1), bus mastering on.
struct DmaFixture : Fixture {
  explicit DmaFixture(const ht::Params &p, const ladon_link_config *lc = nullptr)
      : Fixture(p, 1, lc) {
    up();
    program_rp(0, 1, 1, 0x90000000, 0x900fffff, kMemMaster);
  }
  ht::Ep &ep() { return *eps[0]; }
};

}  // namespace

TEST(HostDma, WriteLandsExactlyItsBytesInMemory) {
  DmaFixture f({});
  auto data = pattern(100, 5);
  f.ep().mem_request(LADON_TLP_MWR, 0x10003, 100, data.data());
  f.run_for(LADON_US(2));
  std::vector<uint8_t> m(0x80);
  ASSERT_EQ(ladon__host_mem_read(f.h, 0x10000, m.data(), m.size()), LADON_OK);
  for (size_t i = 0; i < m.size(); i++) {
    uint8_t want = (i >= 3 && i < 103) ? data[i - 3] : 0;
    ASSERT_EQ(m[i], want) << "offset " << i;
  }
  EXPECT_EQ(f.stat("dma_writes"), 1u);
  EXPECT_EQ(f.stat("dma_write_bytes"), 100u);
  // Posted: nothing comes back.
  EXPECT_EQ(f.ep().count(LADON_TLP_CPL) + f.ep().count(LADON_TLP_CPLD), 0u);
}

TEST(HostDma, WriteAboveTheHoleLandsInHighMemory) {
  // 3 GiB: 2 GiB below the hole, 1 GiB from 4 GiB.
  DmaFixture f(ht::Params{{"memory", "3GiB"}});
  auto data = pattern(64, 9);
  f.ep().mem_request(LADON_TLP_MWR, 0x100000040ull, 64, data.data());
  f.run_for(LADON_US(2));
  std::vector<uint8_t> m(64);
  ASSERT_EQ(ladon__host_mem_read(f.h, 0x100000040ull, m.data(), 64), LADON_OK);
  EXPECT_EQ(m, data);
  // The same DRAM is not visible at the hole's addresses.
  EXPECT_EQ(ladon__host_mem_read(f.h, 0x80000040ull, m.data(), 64),
            LADON_ERANGE);
}

// Writes faster than memory back up: a write's credits return only when
// the channel has taken its lines, so in steady state the root complex
// accepts writes at the memory's rate.  One channel at 1 GB/s takes a
// 256 B write (4 lines) every 256 ns: 78.125 writes in 20 us.
TEST(HostDma, WritesFasterThanMemoryAreHeldBackByCredits) {
  DmaFixture f({{"memory_channels", "1"}, {"memory_bandwidth", "1GB/s"}});
  auto data = pattern(256, 0);
  uint64_t addr = 0x100000;
  auto feed = [&] {
    while (f.ep().backlog.size() < 32) {
      f.ep().mem_request(LADON_TLP_MWR, addr, 256, data.data());
      addr += 256;
    }
  };
  for (int i = 0; i < 200; i++) {  // 20 us of warm-up
    feed();
    f.run_for(LADON_NS(100));
  }
  uint64_t w1 = f.stat("dma_writes");
  for (int i = 0; i < 200; i++) {  // 20 us measured
    feed();
    f.run_for(LADON_NS(100));
  }
  uint64_t w2 = f.stat("dma_writes");
  EXPECT_NEAR((double)(w2 - w1), 20000.0 / 256.0, 1.0);
}

TEST(HostDma, BusMasterEnableClearBlocksDmaAsUnsupported) {
  DmaFixture f({});
  f.program_rp(0, 1, 1, 0x90000000, 0x900fffff, PCI_COMMAND_MEMORY);
  auto data = pattern(16, 1);
  f.ep().mem_request(LADON_TLP_MWR, 0x20000, 16, data.data());
  f.ep().mem_request(LADON_TLP_MRD, 0x20000, 16);
  f.run_for(LADON_US(2));
  std::vector<uint8_t> m(16, 0xaa);
  ladon__host_mem_read(f.h, 0x20000, m.data(), 16);
  EXPECT_EQ(m, std::vector<uint8_t>(16, 0));
  // §7.5.1.1.3: UR, the completion from the root port itself.
  const ht::Rx *c = f.ep().last(LADON_TLP_CPL);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->tlp.status, LADON_TLP_CPL_UR);
  EXPECT_EQ(c->tlp.cpl_id, LADON_TLP_ID(0, 1, 0));
  EXPECT_EQ(f.stat("ur"), 2u);
  EXPECT_EQ(f.stat("dma_writes"), 0u);
}

// 512 B at 0x1030 with RCB 64 and MPS 256 in "mps" mode: completions of
// 208, 256 and 48 bytes, Byte Counts 512, 304, 48, Lower Addresses 0x30,
// 0x00, 0x00 (test_host_cpl.cpp has the arithmetic); the data is memory's.
// MPS is what software programmed in the root port's Device Control.
TEST(HostDma, ReadCompletionsSplitAtRcbAndMps) {
  DmaFixture f({{"cpl_split", "mps"}, {"mps", "256B"}, {"rcb", "64B"}});
  f.set_rp_mps(0, 256);
  auto data = pattern(512, 3);
  ASSERT_EQ(ladon__host_mem_write(f.h, 0x1030, data.data(), 512), LADON_OK);
  f.ep().mem_request(LADON_TLP_MRD, 0x1030, 512, nullptr, 0xffff, 7);
  f.run_for(LADON_US(3));
  std::vector<const ht::Rx *> c;
  for (const ht::Rx &r : f.ep().rx)
    if (r.tlp.type == LADON_TLP_CPLD) c.push_back(&r);
  ASSERT_EQ(c.size(), 3u);
  const uint32_t len[3] = {208, 256, 48}, bc[3] = {512, 304, 48};
  const uint8_t la[3] = {0x30, 0x00, 0x00};
  std::vector<uint8_t> got;
  for (int i = 0; i < 3; i++) {
    EXPECT_EQ(c[i]->tlp.length_dw * 4u, len[i]);
    EXPECT_EQ(c[i]->tlp.byte_count, bc[i]);
    EXPECT_EQ(c[i]->tlp.lower_addr, la[i]);
    EXPECT_EQ(c[i]->tlp.tag, 7u);
    EXPECT_EQ(c[i]->tlp.req_id, f.ep().id);
    EXPECT_EQ(c[i]->tlp.cpl_id, 0x0000u);  // the host bridge
    EXPECT_EQ(c[i]->tlp.status, LADON_TLP_CPL_SC);
    got.insert(got.end(), c[i]->data.begin(), c[i]->data.end());
  }
  EXPECT_EQ(got, data);
  EXPECT_EQ(f.stat("completions"), 3u);
}

// After reset Device Control MPS is 128 B (§7.5.3.4): the same read then
// splits 0x1030 + 128 = 0x10B0 -> 0x1080 (80 B), three times 128 B, 48 B.
TEST(HostDma, ReadCompletionsHonourTheProgrammedMps) {
  DmaFixture f({{"cpl_split", "mps"}, {"mps", "256B"}});
  ladon__host_mem_write(f.h, 0x1030, pattern(512, 1).data(), 512);
  f.ep().mem_request(LADON_TLP_MRD, 0x1030, 512);
  f.run_for(LADON_US(3));
  std::vector<uint32_t> sizes, bcs;
  for (const ht::Rx &r : f.ep().rx)
    if (r.tlp.type == LADON_TLP_CPLD) {
      sizes.push_back(r.tlp.length_dw * 4u);
      bcs.push_back(r.tlp.byte_count);
    }
  EXPECT_EQ(sizes, (std::vector<uint32_t>{80, 128, 128, 128, 48}));
  EXPECT_EQ(bcs, (std::vector<uint32_t>{512, 432, 304, 176, 48}));
}

TEST(HostDma, ReadCompletionsOneRcbBlockEach) {
  DmaFixture f({{"cpl_split", "rcb"}, {"rcb", "64B"}});
  auto data = pattern(512, 11);
  ladon__host_mem_write(f.h, 0x1030, data.data(), 512);
  f.ep().mem_request(LADON_TLP_MRD, 0x1030, 512);
  f.run_for(LADON_US(3));
  std::vector<uint8_t> got;
  std::vector<uint32_t> sizes;
  for (const ht::Rx &r : f.ep().rx)
    if (r.tlp.type == LADON_TLP_CPLD) {
      sizes.push_back(r.tlp.length_dw * 4u);
      got.insert(got.end(), r.data.begin(), r.data.end());
    }
  // 16 B to the first 64 B boundary, 7 x 64 B, 48 B.
  std::vector<uint32_t> want = {16, 64, 64, 64, 64, 64, 64, 64, 48};
  EXPECT_EQ(sizes, want);
  EXPECT_EQ(got, data);
}

TEST(HostDma, ReadSeesAnEarlierWriteOfTheSameRequester) {
  DmaFixture f({});
  auto data = pattern(64, 77);
  // The write is posted, the read follows it: the read may not pass it
  // (§2.4.1 Table 2-40 B2a), so it returns the new bytes.
  f.ep().mem_request(LADON_TLP_MWR, 0x40000, 64, data.data());
  f.ep().mem_request(LADON_TLP_MRD, 0x40000, 64);
  f.run_for(LADON_US(3));
  const ht::Rx *c = f.ep().last(LADON_TLP_CPLD);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->data, data);
}

TEST(HostDma, ReadOfAnAddressNothingClaimsIsUnsupported) {
  DmaFixture f({});
  // 0xA0000000 lies in the MMIO hole but in no window.
  f.ep().mem_request(LADON_TLP_MRD, 0xA0000000ull, 256, nullptr, 0xffff, 9);
  f.run_for(LADON_US(2));
  const ht::Rx *c = f.ep().last(LADON_TLP_CPL);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->tlp.status, LADON_TLP_CPL_UR);
  EXPECT_EQ(c->tlp.tag, 9u);
  EXPECT_EQ(c->tlp.byte_count, 256u);  // the whole request remains
  EXPECT_EQ(c->tlp.cpl_id, 0x0000u);
  EXPECT_EQ(f.ep().count(LADON_TLP_CPLD), 0u);
}

TEST(HostDma, PoisonedWritesAreNotWritten) {
  DmaFixture f({});
  ladon_tlp *t = ladon_tlp_alloc(64);
  t->type = LADON_TLP_MWR;
  ladon_tlp_set_range(t, 0x30000, 64, nullptr);
  t->req_id = f.ep().id;
  t->flags |= LADON_TLP_F_EP;
  std::memset(ladon_tlp_payload(t), 0x5a, 64);
  f.ep().send(t);
  f.run_for(LADON_US(2));
  std::vector<uint8_t> m(64, 1);
  ladon__host_mem_read(f.h, 0x30000, m.data(), 64);
  EXPECT_EQ(m, std::vector<uint8_t>(64, 0));
  EXPECT_EQ(f.stat("poisoned"), 1u);
}

// §6.12.1.1: with ACS Source Validation on, a request whose Requester ID's
// bus is not behind the root port is blocked.
TEST(HostDma, AcsSourceValidationBlocksForgedRequesterIds) {
  DmaFixture f({});
  unsigned acs = f.find_ext_cap(0, PCI_EXT_CAP_ID_ACS);
  ASSERT_NE(acs, 0u);
  f.cfg_write(LADON_TLP_ID(0, 1, 0), (uint16_t)(acs + PCI_ACS_CTRL), 2,
              PCI_ACS_SV);
  auto data = pattern(32, 2);
  f.ep().mem_request(LADON_TLP_MWR, 0x50000, 32, data.data(),
                     LADON_TLP_ID(9, 0, 0));       // bus 9: forged
  f.ep().mem_request(LADON_TLP_MWR, 0x50040, 32, data.data());  // bus 1: ok
  f.run_for(LADON_US(2));
  std::vector<uint8_t> m(32);
  ladon__host_mem_read(f.h, 0x50000, m.data(), 32);
  EXPECT_EQ(m, std::vector<uint8_t>(32, 0));
  ladon__host_mem_read(f.h, 0x50040, m.data(), 32);
  EXPECT_EQ(m, data);
  EXPECT_EQ(f.stat("acs_violations"), 1u);
  // Source Validation off again: the root port decodes ACS Control anew,
  // and the same forged requester is no longer blocked.
  f.cfg_write(LADON_TLP_ID(0, 1, 0), (uint16_t)(acs + PCI_ACS_CTRL), 2, 0);
  f.ep().mem_request(LADON_TLP_MWR, 0x50080, 32, data.data(), LADON_TLP_ID(9, 0, 0));
  f.run_for(LADON_US(2));
  ladon__host_mem_read(f.h, 0x50080, m.data(), 32);
  EXPECT_EQ(m, data);
  EXPECT_EQ(f.stat("acs_violations"), 1u);
}

TEST(HostDma, UnexpectedCompletionsAreCountedAndDropped) {
  DmaFixture f({});
  ladon_tlp *c = ladon_tlp_alloc(4);
  c->type = LADON_TLP_CPLD;
  c->req_id = 0x0000;  // the host bridge, but no request has tag 200
  c->tag = 200;
  c->cpl_id = f.ep().id;
  c->length_dw = 1;
  c->byte_count = 4;
  f.ep().send(c);
  f.run_for(LADON_US(1));
  EXPECT_EQ(f.stat("unexpected_completions"), 1u);
}

// One 64 B read, alone: it reaches memory at a root-complex clock edge e;
// its one line occupies its channel 64 B x 4 / 68.3 GB/s = 3748.17 ps,
// rounded up to 3749 ps; the data is ready 506 ns later, at e + 509749 ps,
// and the completion leaves at the next 1 GHz edge, e + 510000 ps.
TEST(HostDma, OneReadTakesChannelTimePlusLatencyOnTheClock) {
  DmaFixture f({});
  f.ep().mem_request(LADON_TLP_MRD, 0x8000, 64);
  f.run_for(LADON_US(2));
  const ladon_hist *h = f.hist("dma_read_latency");
  ASSERT_NE(h, nullptr);
  ASSERT_EQ(ladon_hist_count(h), 1u);
  EXPECT_EQ(ladon_hist_min(h), 510000u);
  EXPECT_EQ(ladon_hist_max(h), 510000u);
}

// The latency parameter moves the round trip seen at the endpoint by its
// change: exactly inside the root complex (everything on 1 ns edges), and
// at the endpoint up to where the completion falls in the link's
// 128b/130b blocks (a 2-UI sync header per 16 symbols: under 1 ns here).
TEST(HostDma, RoundTripMovesByTheMemoryLatencyChange) {
  ladon_time_ps rt[2];
  const char *lat[2] = {"400ns", "650ns"};
  for (int i = 0; i < 2; i++) {
    DmaFixture f(ht::Params{{"memory_latency", lat[i]}});
    f.run_for(LADON_NS(1000) - f.now() % LADON_NS(1000));
    ladon_time_ps t0 = f.now();
    f.ep().mem_request(LADON_TLP_MRD, 0x8000, 64);
    f.run_for(LADON_US(3));
    const ht::Rx *c = f.ep().last(LADON_TLP_CPLD);
    ASSERT_NE(c, nullptr);
    rt[i] = c->t - t0;
    const ladon_hist *h = f.hist("dma_read_latency");
    EXPECT_EQ(ladon_hist_min(h), (i ? 650000u : 400000u) + 4000u);
  }
  EXPECT_NEAR((double)(rt[1] - rt[0]), 250000.0, 1000.0);
}

// Calibration: with every default (Gen3 x8 link, 10 ns per direction,
// memory_latency 506ns) a 64 B DMA read's round trip at the endpoint is
// near the 546 ns median that Neugebauer et al. (SIGCOMM 2018) measured on
// a Xeon E5-2630 v4 at Gen3 x8 (pcie-bench/data,
// nfp6000-..._bdw-Xeon-E5-2630v4-dell-t430-s0-s0-s0/lat_dma_sizes.txt,
// 64 B, HWarm, Med(ns) = 546).  Within 1 %.
TEST(HostDma, SmallReadLatencyMatchesThePublishedMedian) {
  DmaFixture f({});
  f.run_for(LADON_NS(1000) - f.now() % LADON_NS(1000));
  ladon_time_ps t0 = f.now();
  f.ep().mem_request(LADON_TLP_MRD, 0x8000, 64);
  f.run_for(LADON_US(3));
  const ht::Rx *c = f.ep().last(LADON_TLP_CPLD);
  ASSERT_NE(c, nullptr);
  double ns = (double)(c->t - t0) / 1000.0;
  RecordProperty("round_trip_ns", std::to_string(ns));
  std::printf("64 B DMA read round trip: %.3f ns (published median 546)\n", ns);
  EXPECT_NEAR(ns, 546.0, 546.0 * 0.01);
}

// At saturation the memory paces completions: one channel at 1 GB/s
// serves a 64 B line every 64 ns, far slower than the Gen3 x8 link (an
// 84-byte CplD takes about 10.5 ns).  64 reads of 256 B = 256 lines, one
// 64 B completion each: the last completion is ready exactly 255 x 64 ns
// after the first.  At the endpoint the link adds the same delay to each
// completion up to its 128b/130b block alignment (a few symbol times), so
// the spread is compared within 4 ns.
TEST(HostDma, SaturatedMemoryPacesCompletionsAtItsBandwidth) {
  DmaFixture f({{"memory_channels", "1"},
                {"memory_bandwidth", "1GB/s"},
                {"memory_latency", "100ns"}});
  for (int i = 0; i < 64; i++)
    f.ep().mem_request(LADON_TLP_MRD, 0x100000 + 256u * i, 256, nullptr,
                       0xffff, (uint16_t)i);
  f.run_for(LADON_US(40));
  std::vector<ladon_time_ps> t;
  for (const ht::Rx &r : f.ep().rx)
    if (r.tlp.type == LADON_TLP_CPLD) t.push_back(r.t);
  ASSERT_EQ(t.size(), 256u);
  double spread = (double)(t.back() - t.front());
  EXPECT_NEAR(spread, 255.0 * 64000.0, 4000.0);
  // Bandwidth over the run: 255 lines of 64 B in the spread = 1 GB/s.
  EXPECT_NEAR(255.0 * 64.0 / (spread * 1e-12) / 1e9, 1.0, 0.001);
}
