// Flit mode (PCIe Base 6.0 §4.2.3): flit-mode TLP sizes, TLPs packed into
// the 236 TLP bytes of 256-byte flits, delivery at flit granularity, Acks
// in the DLP bytes, flit replay with FEC-corrected and uncorrectable flits.
#include <gtest/gtest.h>

#include <cmath>

#include "test_link_harness.h"

extern "C" {
#include "pcie/link_int.h"
#include "pcie/phy_int.h"
}

using lt::Node;
using lt::Pair;

namespace {

ladon_link_config flit_cfg(unsigned gen, unsigned width) {
  ladon_link_config c;
  ladon_link_config_default(&c);
  c.gen = gen;
  c.width = width;
  c.flit = LADON_FLIT_ON;
  return c;
}

double payload_gbps(Pair &p, uint32_t size, bool both, ladon_time_ps warm,
                    ladon_time_ps span) {
  lt::WriteStream wa{size, 256}, wb{size, 256};
  p.a.next = [&wa](Node &n) { return wa(n); };
  p.a.fill();
  if (both) {
    p.b.next = [&wb](Node &n) { return wb(n); };
    p.b.fill();
  }
  ladon_sim_run_until(p.sim, warm);
  uint64_t b0 = p.b.rx_payload;
  ladon_sim_run_until(p.sim, warm + span);
  double g = (double)(p.b.rx_payload - b0) * 8 / ((double)span / 1000.0);
  p.a.next = nullptr;
  p.b.next = nullptr;
  return g;
}

}  // namespace

TEST(LinkFlit, FlitModeTlpSizes) {
  // No STP, sequence number or LCRC in flit mode; the header base is 3 or 4
  // DW (Table 2-5) plus OHC where §2.2 requires it.
  ladon_tlp *t = lt::mem(LADON_TLP_MWR, 0x1000, 256);
  EXPECT_EQ(ladon__flit_tlp_bytes(t), 16u + 256);  // BEs implied: no OHC
  ladon_tlp_free(t);
  t = lt::mem(LADON_TLP_MWR, 0x1000, 4);
  EXPECT_EQ(ladon__flit_tlp_bytes(t), 16u + 4);    // 1 DW: 1111b / 0000b implied
  ladon_tlp_free(t);
  t = lt::mem(LADON_TLP_MWR, 0x1001, 8);            // explicit byte enables
  EXPECT_EQ(ladon__flit_tlp_bytes(t), 16u + 4 + 12);  // OHC-A1
  t->flags |= LADON_TLP_F_TD;
  EXPECT_EQ(ladon__flit_tlp_bytes(t), 16u + 4 + 12 + 4);  // ECRC trailer
  ladon_tlp_free(t);
  t = lt::cpld(LADON_TLP_ID(1, 0, 0), 1, 64);
  EXPECT_EQ(ladon__flit_tlp_bytes(t), 12u + 64);
  t->lower_addr = 2;                                 // OHC-A5 (§2.2.9.2)
  EXPECT_EQ(ladon__flit_tlp_bytes(t), 12u + 4 + 64);
  t->lower_addr = 0;
  t->status = LADON_TLP_CPL_UR;
  EXPECT_EQ(ladon__flit_tlp_bytes(t), 12u + 4 + 64);
  ladon_tlp_free(t);
  ladon_tlp cfg{};
  cfg.type = LADON_TLP_CFGRD0;
  cfg.length_dw = 1;
  cfg.first_be = 0xf;
  EXPECT_EQ(ladon__flit_tlp_bytes(&cfg), 12u + 4);  // OHC-A3 always
}

TEST(LinkFlit, Gen6x16ThroughputIsTheFlitEfficiency) {
  // 64 GT/s x16 = 1024 Gb/s; flits carry 236 TLP bytes of 256; one 40-byte
  // SKP OS per 748 flits of 16 symbols (Table 4-30); a 256-byte write is
  // 16 + 256 = 272 TLP bytes.  Acks ride in the DLP bytes: no cost.
  ladon_link_config c = flit_cfg(6, 16);
  double want = 1024.0 * 236.0 / 256.0 * (748.0 * 16) / (748.0 * 16 + 40) * 256.0 / 272.0;
  for (bool both : {false, true}) {
    Pair p(&c);
    ASSERT_NE(p.link, nullptr) << p.err.text;
    double got = payload_gbps(p, 256, both, LADON_US(20), LADON_US(100));
    EXPECT_NEAR(got, want, want * 0.005) << (both ? "both ways" : "one way");
    EXPECT_EQ(p.counters(LADON_LINK_DOWN).dllp_bytes, 0u);
  }
}

TEST(LinkFlit, FlitModeAtGen3x8) {
  // Flit mode negotiated at 8 GT/s: 2 Blocks per flit on x8, a SKP Block
  // after every 187 flits (Table 4-30).
  ladon_link_config c = flit_cfg(3, 8);
  Pair p(&c);
  ASSERT_NE(p.link, nullptr);
  double raw = 8.0 * 8 * 128.0 / 130.0;
  double want = raw * 236.0 / 256.0 * (187.0 * 2) / (187.0 * 2 + 1) * 64.0 / 80.0;
  double got = payload_gbps(p, 64, false, LADON_US(20), LADON_US(200));
  EXPECT_NEAR(got, want, want * 0.005);
}

TEST(LinkFlit, ATlpIsDeliveredWhenTheFlitWithItsLastByteEnds) {
  ladon_link_config c = flit_cfg(6, 4);
  c.latency_ps = LADON_NS(7);
  Pair p(&c);
  ASSERT_NE(p.link, nullptr);
  p.up();
  ladon_sim_run_until(p.sim, LADON_US(1));
  ladon__phy_cfg phy;
  ASSERT_TRUE(ladon__phy_cfg_init(&phy, 6, 4, true, 0));
  // Ready at 1 us: NOP TLPs to the next 4 DW boundary of the flit in
  // progress whose symbol starts after 1 us, then 272 bytes: it ends in the
  // next flit or the one after.
  ladon_port_send(p.a.port, lt::mem(LADON_TLP_MWR, 0, 256, 1));
  ladon_sim_run_until(p.sim, LADON_US(2));
  ASSERT_EQ(p.b.t_rx.size(), 1u);
  uint64_t k = ladon__phy_flit_at_or_after(&phy, LADON_US(1));
  // Offset in flit k-1 where it may start, as §4.2.3.4.1 says.
  uint64_t kk = k - 1;
  unsigned j = 0;
  while (j < 236 && ladon__phy_flit_byte_start_ps(&phy, kk, j) < LADON_US(1)) j += 16;
  uint64_t pos = j < 236 ? kk * 236 + j : k * 236;
  uint64_t last = (pos + 272 - 1) / 236;
  EXPECT_EQ(p.b.t_rx[0], ladon__phy_flit_end_ps(&phy, last) + LADON_NS(7));
}

TEST(LinkFlit, FecCorrectsSingleByteErrorsAndReplaysTheRest) {
  // At BER 1e-6 a flit's 2048 bits see an error every ~500 flits, but the
  // three interleaved ECCs correct one bad byte each: uncorrectable flits
  // need two bad bytes in one group, ~1e-6 per flit.  At 1e-4 they are
  // common (~0.7 %) and flits are replayed.
  EXPECT_LT(ladon__flit_bad_probability(1e-6, 8), 2e-6);
  double p4 = ladon__flit_bad_probability(1e-4, 8);
  // 1 - prod over groups of 86, 85, 85 bytes of P(<= 1 bad byte), with a
  // byte bad with q = 1 - (1 - 1e-4)^8.
  double q = 1 - std::pow(1 - 1e-4, 8), ok = 1;
  for (double n : {86.0, 85.0, 85.0}) ok *= std::pow(1 - q, n) + n * q * std::pow(1 - q, n - 1);
  EXPECT_NEAR(p4, 1 - ok, 1e-12);
  EXPECT_GT(p4, 0.005);
  EXPECT_LT(p4, 0.01);
}

TEST(LinkFlit, ErrorsDeliverEveryTlpExactlyOnceInOrder) {
  double prev = 0;
  for (double ber : {0.0, 5e-5, 1e-4, 2e-4}) {
    ladon_link_config c = flit_cfg(6, 8);
    c.ber = ber;
    Pair p(&c, nullptr, nullptr, 3);
    ASSERT_NE(p.link, nullptr);
    lt::WriteStream wa{256, 256}, wb{128, 256};
    wa.limit = 30000;
    wb.limit = 30000;
    p.a.next = [&wa](Node &n) { return wa(n); };
    p.b.next = [&wb](Node &n) { return wb(n); };
    p.a.fill();
    p.b.fill();
    while ((p.b.ids.size() < 30000 || p.a.ids.size() < 30000) &&
           ladon_sim_now(p.sim) < LADON_MS(100) && ladon_sim_step(p.sim)) {
    }
    ASSERT_EQ(p.b.ids.size(), 30000u) << ber;
    ASSERT_EQ(p.a.ids.size(), 30000u) << ber;
    for (uint64_t i = 0; i < 30000; i++) {
      ASSERT_EQ(p.b.ids[i], i + 1) << ber;
      ASSERT_EQ(p.a.ids[i], i + 1) << ber;
    }
    ladon_link_counters d = p.counters(LADON_LINK_DOWN);
    if (ber > 0) {
      EXPECT_GT(d.bad_tlps, 0u) << ber;
      EXPECT_GT(d.replays, 0u) << ber;
      EXPECT_GT(d.replayed_tlps, 0u) << ber;
      EXPECT_GT(p.counters(LADON_LINK_UP).naks, 0u) << ber;
    } else {
      EXPECT_EQ(d.replays, 0u);
    }
    double t = (double)p.b.t_rx.back();
    if (prev > 0) {
      EXPECT_GT(t, prev) << ber;  // goodput falls as the BER rises
    }
    prev = t;
  }
}

TEST(LinkFlit, CreditsAndUpdateFcInDlpBytes) {
  // Credit-limited flit link: the receiver frees buffers late; UpdateFCs
  // travel in the DLP bytes of reverse flits; every TLP arrives.
  ladon_link_config c = flit_cfg(6, 16);
  ladon_port_config rx;
  ladon_port_config_default(&rx);
  rx.rx_ph_credits = 4;
  Pair p(&c, nullptr, &rx);
  ASSERT_NE(p.link, nullptr);
  p.b.consume_delay = LADON_NS(500);
  lt::WriteStream ws{256, 256};
  ws.limit = 2000;
  p.a.next = [&ws](Node &n) { return ws(n); };
  p.a.fill();
  ladon_sim_run_until(p.sim, LADON_MS(5));
  ASSERT_EQ(p.b.ids.size(), 2000u);
  EXPECT_GT(p.counters(LADON_LINK_UP).update_fcs, 0u);
  EXPECT_GT(p.counters(LADON_LINK_DOWN).credit_stall_ps[0], 0u);
  // About 4 TLPs per ~ 500 ns + 2 x 10 ns + flits: far below line rate.
  double span_ns = (double)(p.b.t_rx.back() - p.b.t_rx.front()) / 1000.0;
  EXPECT_GT(span_ns, 2000 / 4 * 500.0);
}
