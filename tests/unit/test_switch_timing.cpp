// Time through the switch: latency of one TLP against spec arithmetic,
// throughput at saturation against the link's, back-pressure through
// credits, PCIe ordering across the switch, egress arbitration.
#include <gtest/gtest.h>

#include "test_switch_harness.h"

extern "C" {
#include "pcie/phy_int.h"
}

using swt::Fab;

namespace {

// Gen3 x8 with a 25 ns wire: one symbol time is 8 bits of 125 ps, and
// every 16 symbols carry a 2-bit sync header (128b/130b, §4.2.2).
ladon__phy_cfg gen3x8() {
  ladon__phy_cfg phy;
  ladon__phy_cfg_init(&phy, 3, 8, false, 0);
  return phy;
}

// A quiet moment: 200 ns after the third SKP Ordered Set falls due on every
// Gen3 link built at time 0 (375 Blocks of 130 bits at 125 ps =
// 6,093,750 ps apart, §4.2.8.4), so that no SKP falls inside the next
// microseconds and placement is plain symbol arithmetic.
constexpr ladon_time_ps kQuiet = 3 * 6093750ull + 200000ull;

struct OneTlp {
  ladon_time_ps sent, at_switch, forwarded, at_ep;
};

// Sends one MWr of `bytes` (64-bit address, into d0's prefetchable window)
// from the root at kQuiet and returns the times spec arithmetic gives for
// it, together with the delivery time observed.
ladon_time_ps observe(Fab &f, uint32_t bytes) {
  ladon_sim_run_until(f.sim, kQuiet);
  EXPECT_EQ(f.send(f.root, swt::mem(LADON_TLP_MWR, swt::pref_base(0), bytes, swt::kRoot)),
            LADON_OK);
  EXPECT_TRUE(f.run_until_rx(*f.dn[0], 1));
  return f.dn[0]->rx.empty() ? 0 : f.dn[0]->rx[0].at;
}

}  // namespace

TEST(SwitchTiming, StoreAndForwardLatencyIsSpecArithmetic) {
  ladon__switch_config c = swt::default_cfg(2);
  c.mode = LADON__SWITCH_STORE_AND_FORWARD;
  c.latency_ps = LADON_NS(120);
  c.clock_period_ps = 1600;  // 625 MHz, so that the edge is not a no-op
  ladon_link_config lc = swt::link_cfg(3, 8);
  lc.latency_ps = LADON_NS(25);
  Fab f(&c, 2, &lc);
  ASSERT_TRUE(f.ok());
  f.program();
  ASSERT_LT(f.now(), kQuiet);
  ladon_time_ps got = observe(f, 64);
  // 64-bit MWr of 64 B: 16 B header + 64 B + 8 B framing/sequence/LCRC
  // = 88 B = 11 symbol times on x8.  Ingress: starts at the first symbol
  // at or after kQuiet, arrives 25 ns after its last symbol.  The switch
  // forwards at the first 1600-ps clock edge at or after arrival + 120 ns.
  // Egress: the same 11 symbols from the first symbol at or after that,
  // plus 25 ns.
  ladon__phy_cfg phy = gen3x8();
  uint64_t s0 = ladon__phy_sym_at_or_after(&phy, kQuiet);
  ladon_time_ps t_a = ladon__phy_sym_end_ps(&phy, s0 + 10) + LADON_NS(25);
  ladon_time_ps t_f = ladon_clock_edge_at_or_after(t_a + LADON_NS(120), 1600, 0);
  uint64_t s1 = ladon__phy_sym_at_or_after(&phy, t_f);
  ladon_time_ps t_rx = ladon__phy_sym_end_ps(&phy, s1 + 10) + LADON_NS(25);
  EXPECT_EQ(got, t_rx);
  // The quantisation was real: arrival + 120 ns was not on an edge.
  EXPECT_NE(t_f, t_a + LADON_NS(120));
  // The switch recorded that transit (arrival to hand-off).
  const ladon_stat *st = ladon_stats_find(ladon_sim_stats(f.sim), "sw0.d0.transit_ps");
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(ladon_hist_max(ladon_stat_as_hist(st)), t_f - t_a);
}

TEST(SwitchTiming, CutThroughStartsLatencyAfterTheHeader) {
  ladon__switch_config c = swt::default_cfg(2);
  c.latency_ps = LADON_NS(120);
  ladon_link_config lc = swt::link_cfg(3, 8);
  lc.latency_ps = LADON_NS(25);
  Fab f(&c, 2, &lc);
  ASSERT_TRUE(f.ok());
  f.program();
  ladon_time_ps got = observe(f, 256);
  // 64-bit MWr of 256 B: 16 + 256 + 8 = 280 B = 35 symbols on x8.  Its
  // header ends in symbol 3 (4 B STP token + 16 B header = 20 B), so the
  // last symbol comes 35 - 3 = 32 symbols after the header's: at 8.125
  // bits per symbol on average (130/16) and 125 ps per bit, 260 bits =
  // 32,500 ps.  Cut-through forwards 120 ns after the header arrived:
  // arrival + 120,000 - 32,500 ps, on a 1 GHz edge.
  ladon__phy_cfg phy = gen3x8();
  uint64_t s0 = ladon__phy_sym_at_or_after(&phy, kQuiet);
  ladon_time_ps t_a = ladon__phy_sym_end_ps(&phy, s0 + 34) + LADON_NS(25);
  ladon_time_ps t_f = ladon_clock_edge_at_or_after(t_a + 120000 - 32500, 1000, 0);
  uint64_t s1 = ladon__phy_sym_at_or_after(&phy, t_f);
  EXPECT_EQ(got, ladon__phy_sym_end_ps(&phy, s1 + 34) + LADON_NS(25));
}

TEST(SwitchTiming, CutThroughNeverForwardsBeforeTheTlpIsWhole) {
  ladon__switch_config c = swt::default_cfg(2);
  c.latency_ps = LADON_NS(20);  // shorter than the 32.5 ns body above
  ladon_link_config lc = swt::link_cfg(3, 8);
  lc.latency_ps = LADON_NS(25);
  Fab f(&c, 2, &lc);
  ASSERT_TRUE(f.ok());
  f.program();
  ladon_time_ps got = observe(f, 256);
  // max(0, 20 ns - 32.5 ns) = 0: the TLP leaves at the first edge at or
  // after its arrival.
  ladon__phy_cfg phy = gen3x8();
  uint64_t s0 = ladon__phy_sym_at_or_after(&phy, kQuiet);
  ladon_time_ps t_a = ladon__phy_sym_end_ps(&phy, s0 + 34) + LADON_NS(25);
  ladon_time_ps t_f = ladon_clock_edge_at_or_after(t_a, 1000, 0);
  uint64_t s1 = ladon__phy_sym_at_or_after(&phy, t_f);
  EXPECT_EQ(got, ladon__phy_sym_end_ps(&phy, s1 + 34) + LADON_NS(25));
}

namespace {

// Saturating stream of 256-byte MWr from `e` to `addr`, numbered 1, 2, ...
struct Stream {
  uint64_t addr;
  uint16_t req;
  uint64_t n = 0, limit = UINT64_MAX;
  bool operator()(swt::Ep &e) {
    if (n >= limit || !ladon_port_can_send(e.port, LADON_TLP_CLASS_P, 0)) return false;
    ladon_tlp *t = swt::mem(LADON_TLP_MWR, addr + 256 * (n % 1024), 256, req, 0, n + 1);
    if (ladon_port_send(e.port, t) != LADON_OK) {
      ladon_tlp_free(t);
      return false;
    }
    n++;
    return true;
  }
};

size_t delivered_between(const swt::Ep &e, ladon_time_ps a, ladon_time_ps b) {
  size_t n = 0;
  for (const swt::Rx &r : e.rx) n += r.at >= a && r.at < b;
  return n;
}

}  // namespace

TEST(SwitchTiming, SaturatedThroughputEqualsTheLinks) {
  const ladon_time_ps w0 = LADON_US(30), w1 = LADON_US(130);
  // Through the switch: root -> up -> d0 -> endpoint.
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  ladon_sim_run_until(f.sim, LADON_US(20));
  Stream s{swt::pref_base(0), swt::kRoot};
  f.root.gen = std::ref(s);
  f.root.fill();
  ladon_sim_run_until(f.sim, w1);
  size_t through = delivered_between(*f.dn[0], w0, w1);
  // The same stream on one bare link, started at the same time.
  ladon_sim *sim = ladon_sim_new(nullptr, nullptr);
  swt::Ep a, b;
  swt::ep_init(a, sim, "a");
  swt::ep_init(b, sim, "b");
  ladon_link_config lc = swt::link_cfg(3, 8);
  ladon_link *l = ladon_link_new(sim, "direct", &lc, a.port, b.port, nullptr);
  ASSERT_NE(l, nullptr);
  ladon_sim_run_until(sim, LADON_US(20));
  Stream s2{swt::pref_base(0), swt::kRoot};
  a.gen = std::ref(s2);
  a.fill();
  ladon_sim_run_until(sim, w1);
  size_t direct = delivered_between(b, w0, w1);
  ladon_link_free(l);
  ladon_sim_free(sim);
  // Spec arithmetic for the bare link: 280 B = 35 symbols of 8.125 bits
  // at 125 ps = 35,546.875 ps per TLP.  A SKP Ordered Set falls due every
  // 6000 symbol times (§4.2.8.4) and costs its 16-symbol Block plus, at
  // 128b/130b, the EDS Token and the rest of the Data Block it ends in
  // (at most 17 symbols more, §4.2.2.3): over 100 us between
  // 1e8 / 35546.875 * 6000 / 6033 = 2797.8 and ... * 6000 / 6016 = 2805.7
  // TLPs.  (test_link checks the exact SKP placement.)
  EXPECT_GE((double)direct, 1e8 / 35546.875 * 6000.0 / 6033.0);
  EXPECT_LE((double)direct, 1e8 / 35546.875 * 6000.0 / 6016.0);
  // Through the switch: the same rate, to within the one TLP a window edge
  // can cut differently.
  EXPECT_NEAR((double)through, (double)direct, 1.0);
  EXPECT_GE(f.counters(0).tlps_in, f.counters(1).tlps_forwarded);
  EXPECT_GE(f.counters(1).tlps_forwarded, f.dn[0]->rx.size());
}

TEST(SwitchTiming, StalledEgressStopsCreditReturnsAtTheIngress) {
  ladon__switch_config c = swt::default_cfg(2);
  c.port.rx_ph_credits = 8;   // the switch's posted ingress buffer: 8 TLPs
  c.port.tx_queue_tlps = 2;   // 2 TLPs per class ahead in the egress link
  ladon_port_config ep;
  ladon_port_config_default(&ep);
  ep.rx_ph_credits = 5;       // the endpoint takes 5 and then holds them
  Fab f(&c, 2, nullptr, &ep);
  ASSERT_TRUE(f.ok());
  f.program();
  f.dn[0]->consume = false;
  ladon_link_counters before{};
  ladon_link_counters_get(f.links[0], LADON_LINK_DOWN, &before);  // config traffic
  Stream s{swt::mem_base(0), swt::kRoot};
  s.limit = 30;
  f.root.gen = std::ref(s);
  f.root.fill();
  f.run(LADON_US(50));
  // 5 in the endpoint, 2 in the egress link's queue, 8 in the switch's
  // ingress buffer: the root's link carried exactly 15 and then stalled on
  // posted header credits, because the switch returned none.
  EXPECT_EQ(f.dn[0]->held.size(), 5u);
  EXPECT_EQ(f.counters(0).held, 8u);
  ladon_link_counters up{};
  ladon_link_counters_get(f.links[0], LADON_LINK_DOWN, &up);
  EXPECT_EQ(up.tlps - before.tlps, 15u);
  EXPECT_GT(up.credit_stall_ps[0], before.credit_stall_ps[0]);  // PH
  // Releasing the endpoint lets everything through, in order.
  for (int i = 0; i < 40 && f.dn[0]->rx.size() < 30; i++) {
    f.dn[0]->release_all();
    f.run(LADON_US(2));
  }
  f.dn[0]->release_all();
  ASSERT_EQ(f.dn[0]->rx.size(), 30u);
  for (size_t i = 0; i < 30; i++) EXPECT_EQ(f.dn[0]->rx[i].t.id, i + 1);
  EXPECT_EQ(f.counters(0).held, 0u);
}

namespace {

// Root sends `n` posted writes to d0 (ids 1..n), then a completion for a
// requester below d0 (id 100) with attributes `attr`, while d0's endpoint
// holds what it gets after its 2 posted header credits.  Returns the
// position of the completion among everything the endpoint received.
size_t completion_position(unsigned n, uint8_t attr) {
  ladon__switch_config c = swt::default_cfg(2);
  c.port.tx_queue_tlps = 4;
  ladon_port_config ep;
  ladon_port_config_default(&ep);
  ep.rx_ph_credits = 2;
  Fab f(&c, 2, nullptr, &ep);
  EXPECT_TRUE(f.ok());
  f.program();
  f.dn[0]->consume = false;
  for (unsigned i = 1; i <= n; i++)
    EXPECT_EQ(f.send(f.root, swt::mem(LADON_TLP_MWR, swt::mem_base(0) + 64 * i, 64, swt::kRoot,
                                      0, i)),
              LADON_OK);
  ladon_tlp *cpl = swt::cpld(LADON_TLP_ID(3, 0, 0), swt::kRoot, 9, 64, 100);
  cpl->attr = attr;
  EXPECT_EQ(f.send(f.root, cpl), LADON_OK);
  for (int i = 0; i < 100 && f.dn[0]->rx.size() < n + 1; i++) {
    f.run(LADON_US(1));
    if (!f.dn[0]->held.empty()) f.dn[0]->release_one();
  }
  f.dn[0]->release_all();
  EXPECT_EQ(f.dn[0]->rx.size(), n + 1);
  for (size_t i = 0; i < f.dn[0]->rx.size(); i++)
    if (f.dn[0]->rx[i].t.id == 100) return i;
  return SIZE_MAX;
}

}  // namespace

TEST(SwitchOrdering, CompletionNeverPassesEarlierPostedWrite) {
  // 10 writes: 2 reach the endpoint, 4 wait in the egress link, 4 in the
  // switch.  Table 2-40 D2a: the completion must not pass any of them.
  EXPECT_EQ(completion_position(10, 0), 10u);
}

TEST(SwitchOrdering, RelaxedOrderingCompletionMayPass) {
  // D2b: with RO set it may pass -- and does, right away, which shows the
  // setup above would have caught a completion overtaking writes.
  EXPECT_LT(completion_position(10, LADON_TLP_ATTR_RO), 10u);
}

TEST(SwitchOrdering, PostedPassesBlockedNonPosted) {
  ladon__switch_config c = swt::default_cfg(2);
  c.port.tx_queue_tlps = 4;
  ladon_port_config ep;
  ladon_port_config_default(&ep);
  ep.rx_nph_credits = 1;
  Fab f(&c, 2, nullptr, &ep);
  ASSERT_TRUE(f.ok());
  f.program();
  f.dn[0]->consume = false;
  // 1 read reaches the endpoint and is held, 4 wait in the egress link, the
  // 6th in the switch.  A later write must still get through (A3, A4).
  for (unsigned i = 1; i <= 6; i++)
    ASSERT_EQ(f.send(f.root, swt::mem(LADON_TLP_MRD, swt::mem_base(0), 64, swt::kRoot,
                                      (uint16_t)i, i)),
              LADON_OK);
  ASSERT_EQ(f.send(f.root, swt::mem(LADON_TLP_MWR, swt::mem_base(0), 64, swt::kRoot, 0, 7)),
            LADON_OK);
  f.run(LADON_US(20));
  ASSERT_EQ(f.dn[0]->rx.size(), 2u);
  EXPECT_EQ(f.dn[0]->rx[0].t.id, 1u);
  EXPECT_EQ(f.dn[0]->rx[1].t.id, 7u);
  // The sixth read is still in the switch's ingress buffer.
  EXPECT_EQ(f.counters(0).held, 1u);
}

namespace {

// d0 and d1 both stream writes to the root; counts per source in steady
// state.
std::pair<size_t, size_t> share(const ladon__switch_config &c) {
  Fab f(&c, 2);
  EXPECT_TRUE(f.ok());
  f.program();
  ladon_sim_run_until(f.sim, LADON_US(20));
  Stream s0{0x10000000ull, LADON_TLP_ID(3, 0, 0)}, s1{0x20000000ull, LADON_TLP_ID(7, 0, 0)};
  f.dn[0]->gen = std::ref(s0);
  f.dn[1]->gen = std::ref(s1);
  f.dn[0]->fill();
  f.dn[1]->fill();
  ladon_sim_run_until(f.sim, LADON_US(120));
  size_t a = 0, b = 0;
  for (const swt::Rx &r : f.root.rx) {
    if (r.at < LADON_US(40)) continue;
    if (r.t.req_id == LADON_TLP_ID(3, 0, 0)) a++;
    else b++;
  }
  return {a, b};
}

}  // namespace

TEST(SwitchArbitration, RoundRobinSharesTheEgressEqually) {
  auto s = share(swt::default_cfg(2));
  EXPECT_GT(s.first, 1000u);  // ~80 us at ~35.5 ns per TLP: ~2250
  EXPECT_LE(s.first > s.second ? s.first - s.second : s.second - s.first, 1u);
}

TEST(SwitchArbitration, WeightedRoundRobinFollowsTheWeights) {
  ladon__switch_config c = swt::default_cfg(2);
  c.arbitration = LADON__SWITCH_WRR;
  c.weights[1] = 3;  // d0
  c.weights[2] = 1;  // d1
  auto s = share(c);
  EXPECT_GT(s.second, 300u);
  // Turns of 3 then 1: the counts differ from 3:1 by at most one turn.
  long d = (long)s.first - 3 * (long)s.second;
  EXPECT_LE(d < 0 ? -d : d, 3);
}

TEST(SwitchTeardown, FreeingTheSwitchReleasesEveryTlpItHolds) {
  int64_t live0 = ladon_tlp_live();
  {
    ladon__switch_config c = swt::default_cfg(2);
    c.port.rx_ph_credits = 8;
    ladon_port_config ep;
    ladon_port_config_default(&ep);
    ep.rx_ph_credits = 5;
    Fab f(&c, 2, nullptr, &ep);
    ASSERT_TRUE(f.ok());
    f.program();
    f.dn[0]->consume = false;
    for (unsigned i = 0; i < 20; i++)
      ASSERT_EQ(f.send(f.root, swt::mem(LADON_TLP_MWR, swt::mem_base(0), 64, swt::kRoot)),
                LADON_OK);
    // A broadcast stuck behind them holds one copy per Downstream Port.
    ASSERT_EQ(f.send(f.root, swt::msg(0x19, LADON_TLP_ROUTE_BCAST, swt::kRoot)), LADON_OK);
    f.run(LADON_US(20));
    EXPECT_GT(f.counters(0).held, 0u);
    EXPECT_GT(ladon_tlp_live(), live0);
  }
  EXPECT_EQ(ladon_tlp_live(), live0);
}
