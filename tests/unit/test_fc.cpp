// Credit flow control: the transmitter gate with modular counters, scaled
// flow control, when UpdateFCs go out, infinite credits, and credit-limited
// throughput (Little's law: credits in flight / credit round trip).
#include <gtest/gtest.h>

#include "test_link_harness.h"

extern "C" {
#include "pcie/fc_int.h"
#include "pcie/link_int.h"
#include "pcie/phy_int.h"
}

using lt::Node;
using lt::Pair;

namespace {

ladon_link_config cfg(unsigned gen, unsigned width) {
  ladon_link_config c;
  ladon_link_config_default(&c);
  c.gen = gen;
  c.width = width;
  return c;
}

// Payload bytes per ns delivered to b between the 20% and the 100% mark.
double rate_bytes_per_ns(const Node &b, uint32_t payload) {
  size_t n = b.t_rx.size(), i0 = n / 5;
  return (double)(n - 1 - i0) * payload / ((double)(b.t_rx[n - 1] - b.t_rx[i0]) / 1000.0);
}

}  // namespace

TEST(Fc, GateIsEquation2_13WithModularCounters) {
  ladon__fc_scale h = ladon__fc_scale_make(0, 8), d = ladon__fc_scale_make(0, 12);
  ladon__fc_tx t{};
  // 8-bit header counters: CREDIT_LIMIT 3 after wrapping past 255 means
  // 9 credits beyond CREDITS_CONSUMED 250.
  t.consumed = 250;
  t.limit = 3;
  EXPECT_TRUE(ladon__fc_gate(&t, h, 1));
  EXPECT_TRUE(ladon__fc_gate(&t, h, 9));
  EXPECT_FALSE(ladon__fc_gate(&t, h, 10));
  t.consumed = 3;
  EXPECT_FALSE(ladon__fc_gate(&t, h, 1));  // (3 - 4) mod 256 = 255 > 128
  // 12-bit data counters.
  t.consumed = 4090;
  t.limit = (4090 + 16) & 4095;
  EXPECT_TRUE(ladon__fc_gate(&t, d, 16));
  EXPECT_FALSE(ladon__fc_gate(&t, d, 17));
  t.infinite = true;
  EXPECT_TRUE(ladon__fc_gate(&t, d, 1000));
}

// Each TLP class has its own transmit queue and credit types (PCIe Base 6.0
// §2.6.1: P -> PH/PD, NP -> NPH/NPD, Cpl -> CplH/CplD, the order of Table
// 2-48); CLASS_NONE and values outside the enum have none.
TEST(Fc, ClassIndexMapsEachClassToItsQueue) {
  EXPECT_EQ(ladon__cls_index(LADON_TLP_CLASS_P), LADON__CLS_P);
  EXPECT_EQ(ladon__cls_index(LADON_TLP_CLASS_NP), LADON__CLS_NP);
  EXPECT_EQ(ladon__cls_index(LADON_TLP_CLASS_CPL), LADON__CLS_CPL);
  EXPECT_EQ(2 * LADON__CLS_P, LADON__FC_PH);
  EXPECT_EQ(2 * LADON__CLS_NP, LADON__FC_NPH);
  EXPECT_EQ(2 * LADON__CLS_CPL, LADON__FC_CPLH);
  EXPECT_EQ(ladon__cls_index(LADON_TLP_CLASS_NONE), -1);
  EXPECT_EQ(ladon__cls_index(static_cast<ladon_tlp_class>(4)), -1);
  EXPECT_EQ(ladon__cls_index(static_cast<ladon_tlp_class>(-1)), -1);
  EXPECT_EQ(ladon__cls_index(static_cast<ladon_tlp_class>(1000)), -1);
}

TEST(Fc, ScaleFactorsOfTable3_4) {
  ladon__fc_scale s;
  uint32_t max = 0;
  ASSERT_TRUE(ladon__fc_pick_scale(127, true, true, &s, &max));
  EXPECT_EQ(s.shift, 0);
  EXPECT_EQ(s.bits, 8);
  ASSERT_TRUE(ladon__fc_pick_scale(128, true, true, &s, &max));
  EXPECT_EQ(s.shift, 2);
  EXPECT_EQ(s.bits, 10);
  ASSERT_TRUE(ladon__fc_pick_scale(508, true, true, &s, &max));
  EXPECT_EQ(s.shift, 2);
  ASSERT_TRUE(ladon__fc_pick_scale(509, true, true, &s, &max));
  EXPECT_EQ(s.shift, 4);
  EXPECT_EQ(s.bits, 12);
  EXPECT_FALSE(ladon__fc_pick_scale(2033, true, true, &s, &max));
  EXPECT_EQ(max, 2032u);
  EXPECT_FALSE(ladon__fc_pick_scale(128, true, false, &s, &max));
  EXPECT_EQ(max, 127u);
  ASSERT_TRUE(ladon__fc_pick_scale(2047, false, false, &s, &max));
  EXPECT_EQ(s.bits, 12);
  ASSERT_TRUE(ladon__fc_pick_scale(8188, false, true, &s, &max));
  EXPECT_EQ(s.bits, 14);
  ASSERT_TRUE(ladon__fc_pick_scale(32752, false, true, &s, &max));
  EXPECT_EQ(s.bits, 16);
  EXPECT_EQ(ladon__fc_mask(s), 65535u);  // counters modulo 2^16
  ASSERT_TRUE(ladon__fc_pick_scale(128, true, true, &s, &max));
  EXPECT_EQ(ladon__fc_mask(s), 1023u);  // modulo 2^10
  EXPECT_FALSE(ladon__fc_pick_scale(32753, false, true, &s, &max));
  // The DLLP field carries the counter shifted right; the receiver of the
  // DLLP shifts it back (Table 3-4 "Transmitted" / "Received").
  ladon__fc_scale x4 = ladon__fc_scale_make(2, 10);
  EXPECT_EQ(ladon__fc_field(500, x4, true), 125u);
  EXPECT_EQ(ladon__fc_limit_from_field(125, x4), 500u);
}

TEST(Fc, CountersWrapManyTimesWithoutLosingCredits) {
  // 8 header credits and 128 data credits: 100000 TLPs wrap the 8-bit
  // header counters 390 times and the 12-bit data counters 390 times.
  ladon_link_config c = cfg(3, 8);
  ladon_port_config rx;
  ladon_port_config_default(&rx);
  rx.rx_ph_credits = 8;
  rx.rx_pd_credits = 128;
  Pair p(&c, nullptr, &rx);
  ASSERT_NE(p.link, nullptr);
  lt::WriteStream ws{256, 256};
  ws.limit = 100000;
  p.a.next = [&ws](Node &n) { return ws(n); };
  p.a.fill();
  ladon_sim_run_until(p.sim, LADON_MS(50));
  ASSERT_EQ(p.b.ids.size(), 100000u);
  for (size_t i = 0; i < p.b.ids.size(); i++) ASSERT_EQ(p.b.ids[i], i + 1);
  const ladon__dir *d = &p.link->dir[LADON_LINK_DOWN];
  EXPECT_EQ(d->fct[0][LADON__FC_PH].consumed, 100000u % 256);
  EXPECT_EQ(d->fct[0][LADON__FC_PD].consumed, (100000u * 16) % 4096);
}

TEST(Fc, UpdateFcIsImmediateWhenCreditsWereExhausted) {
  // One posted header credit (Table 2-50 minimum).  The receiver holds the
  // first TLP; when it consumes it, the transmitter had none left, so an
  // UpdateFC must go out at once (§2.6.1.2 rule a), not after the 203
  // symbol-time latency guideline.
  ladon_link_config c = cfg(3, 8);
  ladon_port_config rx;
  ladon_port_config_default(&rx);
  rx.rx_ph_credits = 1;
  Pair p(&c, nullptr, &rx);
  ASSERT_NE(p.link, nullptr);
  p.b.consume = false;
  ladon_port_send(p.a.port, lt::mem(LADON_TLP_MWR, 0, 64, 1));
  ladon_port_send(p.a.port, lt::mem(LADON_TLP_MWR, 64, 64, 2));
  ladon_sim_run_until(p.sim, LADON_US(2));
  ASSERT_EQ(p.b.held.size(), 1u);
  ladon_time_ps t_release = ladon_sim_now(p.sim);
  p.b.consume = true;
  p.b.release_one();
  ladon_sim_run_until(p.sim, LADON_US(4));
  ASSERT_EQ(p.b.ids.size(), 2u);
  // UpdateFC (1 symbol) + 10 ns + 88-byte TLP (11 symbols) + 10 ns, plus
  // symbol alignment: well under the 203 ns the coalescing timer would add.
  EXPECT_LT(p.b.t_rx[1] - t_release, LADON_NS(40));
}

TEST(Fc, UpdateFcsAreCoalescedWithinTheLatencyGuideline) {
  // With ample credits the receiver returns them in one UpdateFC per
  // Table 2-54 interval (203 symbol times = 203 ns at Gen3 x8, MPS 256).
  ladon_link_config c = cfg(3, 8);
  Pair p(&c);
  lt::WriteStream ws{256, 256};
  ws.limit = 20000;
  p.a.next = [&ws](Node &n) { return ws(n); };
  p.a.fill();
  ladon_sim_run_until(p.sim, LADON_MS(5));
  ASSERT_EQ(p.b.ids.size(), 20000u);
  double span_ns = (double)(p.b.t_rx.back() - p.b.t_rx.front()) / 1000.0;
  double fcs = (double)p.counters(LADON_LINK_UP).update_fcs;
  EXPECT_LE(fcs, span_ns / 203.0 + 2);
  EXPECT_GE(fcs, span_ns / (203.0 + 72.0));
}

TEST(Fc, InfiniteCompletionCreditsNeverThrottle) {
  // An endpoint advertises infinite CplH / CplD (Table 2-50): completions
  // flow even though it never frees a buffer.
  ladon_link_config c = cfg(3, 8);
  ladon_port_config ep;
  ladon_port_config_default(&ep);
  ep.rx_cplh_credits = ep.rx_cpld_credits = LADON_CREDITS_INFINITE;
  Pair p(&c, nullptr, &ep);
  ASSERT_NE(p.link, nullptr);
  p.b.consume = false;
  uint64_t sent = 0;
  p.a.next = [&sent](Node &n) {
    if (sent == 2000 || !ladon_port_can_send(n.port, LADON_TLP_CLASS_CPL, 0)) return false;
    ladon_port_send(n.port, lt::cpld(LADON_TLP_ID(1, 0, 0), (uint16_t)(sent & 0xff), 256, sent + 1));
    sent++;
    return true;
  };
  p.a.fill();
  ladon_sim_run_until(p.sim, LADON_MS(1));
  EXPECT_EQ(p.b.held.size(), 2000u);
  EXPECT_EQ(p.counters(LADON_LINK_DOWN).credit_stall_ps[LADON__FC_CPLH], 0u);
}

TEST(Fc, CreditLimitedThroughputFollowsLittlesLaw) {
  // Gen3 x8, 100 ns wire latency each way, receiver frees each buffer 1 us
  // after delivery, UpdateFC as soon as possible (permitted: "more
  // frequently than required", §2.6.1.2).  Each posted header credit makes
  // one round trip per
  //   R = t(280 B TLP) + 100 ns + 1000 ns + t(8 B UpdateFC) + 100 ns
  // and C credits carry C * 256 payload bytes per R (Little's law).
  ladon_link_config c = cfg(3, 8);
  c.latency_ps = LADON_NS(100);
  c.fc_update_syms = 1;
  // 280 bytes on 8 lanes = 35 symbol times of 8 UI at 125 ps plus at most
  // 3 sync headers of 2 UI: 35.0 .. 35.75 ns; the DLLP is one symbol time.
  const double r_ns = 35.4 + 100 + 1000 + 1.0 + 100;
  for (uint32_t credits : {2u, 4u, 8u, 16u}) {
    ladon_port_config rx;
    ladon_port_config_default(&rx);
    rx.rx_ph_credits = credits;
    Pair p(&c, nullptr, &rx);
    ASSERT_NE(p.link, nullptr);
    p.b.consume_delay = LADON_NS(1000);
    lt::WriteStream ws{256, 256};
    ws.limit = 4000;
    p.a.next = [&ws](Node &n) { return ws(n); };
    p.a.fill();
    ladon_sim_run_until(p.sim, LADON_MS(10));
    ASSERT_EQ(p.b.ids.size(), 4000u);
    double want = credits * 256.0 / r_ns;  // bytes per ns
    double got = rate_bytes_per_ns(p.b, 256);
    EXPECT_NEAR(got, want, want * 0.01) << credits << " credits";
    EXPECT_GT(p.counters(LADON_LINK_DOWN).credit_stall_ps[LADON__FC_PH], 0u);
  }
}

TEST(Fc, ThroughputRecoversOnceCreditsCoverTheLoop) {
  // The bandwidth-delay product of the loop above is about 1.24 us x 7.8
  // bytes/ns = 9.7 KB = 35 TLPs of 280 B: with 64 credits the link, not
  // the credits, limits the rate, and it matches a receiver with infinite
  // posted credits.
  ladon_link_config c = cfg(3, 8);
  c.latency_ps = LADON_NS(100);
  c.fc_update_syms = 1;
  double rates[2];
  for (int k = 0; k < 2; k++) {
    ladon_port_config rx;
    ladon_port_config_default(&rx);
    rx.rx_ph_credits = k == 0 ? 64 : LADON_CREDITS_INFINITE;
    rx.rx_pd_credits = k == 0 ? 1024 : LADON_CREDITS_INFINITE;
    Pair p(&c, nullptr, &rx);
    p.b.consume_delay = LADON_NS(1000);
    lt::WriteStream ws{256, 256};
    ws.limit = 20000;
    p.a.next = [&ws](Node &n) { return ws(n); };
    p.a.fill();
    ladon_sim_run_until(p.sim, LADON_MS(10));
    ASSERT_EQ(p.b.ids.size(), 20000u);
    rates[k] = rate_bytes_per_ns(p.b, 256);
  }
  EXPECT_NEAR(rates[0], rates[1], rates[1] * 0.01);
  // And that is the line rate: 256 of every 280 bytes at 8 bytes per
  // symbol time of 8.125 ns / 8 (128b/130b), less SKP (1 Block in 376).
  double line = 8.0 * 128.0 / 130.0 * 375.0 / 376.0 * 256.0 / 280.0;
  EXPECT_NEAR(rates[1], line, line * 0.01);
}
