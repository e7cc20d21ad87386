// The link as components use it: initialisation, delivery, latency,
// back-pressure, queue bounds, parameter checks, statistics, teardown.
#include <gtest/gtest.h>

#include <string>

#include "test_link_harness.h"

extern "C" {
#include "pcie/link_int.h"
#include "pcie/phy_int.h"
}

using lt::Node;
using lt::Pair;

namespace {

ladon_link_config cfg_gen(unsigned gen, unsigned width) {
  ladon_link_config c;
  ladon_link_config_default(&c);
  c.gen = gen;
  c.width = width;
  return c;
}

}  // namespace

TEST(Link, InitialisesFlowControlWithInitFc1AndInitFc2) {
  ladon_link_config c = cfg_gen(3, 8);
  Pair p(&c);
  ASSERT_NE(p.link, nullptr) << p.err.text;
  EXPECT_FALSE(ladon_link_is_up(p.link));
  ladon_time_ps t = p.up();
  EXPECT_TRUE(ladon_link_is_up(p.link));
  // Each side sends at least InitFC1-P/NP/Cpl and InitFC2-P/NP/Cpl
  // (§3.4.1): 6 DLLPs of 8 bytes; the link cannot be up before one round
  // trip of the 10 ns wire latency.
  for (unsigned d = 0; d < 2; d++) {
    EXPECT_GE(p.counters(d).dllps, 6u);
    EXPECT_EQ(p.counters(d).dllp_bytes, p.counters(d).dllps * 8);
  }
  EXPECT_GT(t, LADON_NS(20));
  // Idle afterwards: nothing left to do, no periodic events.
  ladon_sim_run_until(p.sim, LADON_US(100));
  EXPECT_EQ(ladon_sim_pending(p.sim), 0u);
}

TEST(Link, AKickWithNothingToSendSchedulesNoDecision) {
  // Acks and UpdateFCs kick the transmitter they reach; one that is idle
  // has nothing to send (§3.6.2.1: Nak, Ack, FC DLLPs, replay, new TLPs),
  // so no decision event is scheduled for it.
  ladon_link_config c = cfg_gen(3, 8);
  Pair p(&c);
  ASSERT_NE(p.link, nullptr) << p.err.text;
  p.up();
  ladon_sim_run_until(p.sim, LADON_US(100));
  ASSERT_EQ(ladon_sim_pending(p.sim), 0u);
  ladon__dir *d = &p.link->dir[LADON_LINK_DOWN];
  ladon__kick(d);
  EXPECT_FALSE(d->tx_ev_on);
  EXPECT_EQ(ladon_sim_pending(p.sim), 0u);
  // With a TLP queued the kick schedules the decision, which sends it.
  ASSERT_EQ(ladon_port_send(p.a.port, lt::mem(LADON_TLP_MWR, 0x1000, 64, 7)), LADON_OK);
  EXPECT_TRUE(d->tx_ev_on);
  EXPECT_EQ(ladon_sim_pending(p.sim), 1u);
  ladon_sim_run_until(p.sim, LADON_US(200));
  ASSERT_EQ(p.b.ids.size(), 1u);
  EXPECT_EQ(p.b.ids[0], 7u);
}

TEST(Link, OneWriteArrivesAtTheExactSymbolTime) {
  ladon_link_config c = cfg_gen(3, 8);
  c.latency_ps = LADON_NS(25);
  Pair p(&c);
  ASSERT_NE(p.link, nullptr);
  p.up();
  ladon_sim_run_until(p.sim, LADON_NS(1000));
  // A 64-bit MWr of 64 bytes is 16 + 64 + 8 = 88 bytes = 11 symbol times
  // on x8.  It starts in Lane 0 of the first symbol at or after 1000 ns.
  ladon__phy_cfg phy;
  ASSERT_TRUE(ladon__phy_cfg_init(&phy, 3, 8, false, 0));
  uint64_t s0 = ladon__phy_sym_at_or_after(&phy, LADON_NS(1000));
  ASSERT_EQ(ladon_port_send(p.a.port, lt::mem(LADON_TLP_MWR, 0x1000, 64, 7)), LADON_OK);
  ladon_sim_run_until(p.sim, LADON_US(2));
  ASSERT_EQ(p.b.ids.size(), 1u);
  EXPECT_EQ(p.b.ids[0], 7u);
  EXPECT_EQ(p.b.t_rx[0], ladon__phy_sym_end_ps(&phy, s0 + 10) + LADON_NS(25));
  EXPECT_EQ(p.counters(LADON_LINK_DOWN).tlps, 1u);
  EXPECT_EQ(p.counters(LADON_LINK_DOWN).payload_bytes, 64u);
  EXPECT_EQ(p.counters(LADON_LINK_DOWN).tlp_bytes, 88u);
}

TEST(Link, DeliversEveryTlpInOrderBothWays) {
  ladon_link_config c = cfg_gen(2, 4);
  Pair p(&c);
  ASSERT_NE(p.link, nullptr);
  lt::WriteStream wa{128, 256};
  wa.limit = 5000;
  lt::WriteStream wb{1024, 256};
  wb.limit = 3000;
  p.a.next = [&wa](Node &n) { return wa(n); };
  p.b.next = [&wb](Node &n) { return wb(n); };
  p.a.fill();
  p.b.fill();
  ladon_sim_run_until(p.sim, LADON_MS(10));
  ASSERT_EQ(p.b.ids.size(), 5000u);
  ASSERT_EQ(p.a.ids.size(), 3000u);
  for (size_t i = 0; i < p.b.ids.size(); i++) ASSERT_EQ(p.b.ids[i], i + 1);
  for (size_t i = 0; i < p.a.ids.size(); i++) ASSERT_EQ(p.a.ids[i], i + 1);
  EXPECT_GT(p.a.tx_ready_calls, 0u);
  // Both directions carried TLPs, so both sent Acks and UpdateFCs.
  EXPECT_GT(p.counters(0).acks, 0u);
  EXPECT_GT(p.counters(1).acks, 0u);
  EXPECT_GT(p.counters(0).update_fcs, 0u);
  EXPECT_EQ(ladon_sim_pending(p.sim), 0u);
}

TEST(Link, ReceiverThatHoldsTlpsBackPressuresTheSender) {
  ladon_link_config c = cfg_gen(3, 4);
  ladon_port_config rx;
  ladon_port_config_default(&rx);
  rx.rx_ph_credits = 5;
  Pair p(&c, nullptr, &rx);
  ASSERT_NE(p.link, nullptr);
  p.b.consume = false;
  lt::WriteStream ws{64, 256};
  ws.limit = 20;
  p.a.next = [&ws](Node &n) { return ws(n); };
  p.a.fill();
  ladon_sim_run_until(p.sim, LADON_US(50));
  // Only the 5 advertised posted-header credits' worth crosses.
  EXPECT_EQ(p.b.held.size(), 5u);
  EXPECT_GT(p.counters(LADON_LINK_DOWN).credit_stall_ps[0], 0u);
  // Consuming one returns one credit with an UpdateFC: one more crosses.
  p.b.release_one();
  ladon_sim_run_until(p.sim, LADON_US(100));
  EXPECT_EQ(p.b.held.size(), 5u);
  EXPECT_EQ(p.b.ids.size(), 6u);
  while (!p.b.held.empty()) {
    p.b.release_one();
    ladon_sim_run_until(p.sim, ladon_sim_now(p.sim) + LADON_US(5));
  }
  p.b.consume = true;
  for (int i = 0; i < 10; i++) {
    ladon_sim_run_until(p.sim, ladon_sim_now(p.sim) + LADON_US(5));
    while (!p.b.held.empty()) p.b.release_one();
  }
  EXPECT_EQ(p.b.ids.size(), 20u);
}

TEST(Link, BoundedQueueReturnsEfullAndSignalsTxReady) {
  ladon_link_config c = cfg_gen(1, 1);
  ladon_port_config pc;
  ladon_port_config_default(&pc);
  pc.tx_queue_tlps = 4;
  Pair p(&c, &pc, nullptr);
  ASSERT_NE(p.link, nullptr);
  int ok = 0;
  ladon_tlp *t;
  for (int i = 0; i < 10; i++) {
    t = lt::mem(LADON_TLP_MWR, 0x1000, 64, i + 1);
    ladon_status st = ladon_port_send(p.a.port, t);
    if (st == LADON_OK) {
      ok++;
    } else {
      EXPECT_EQ(st, LADON_EFULL);
      ladon_tlp_free(t);  // still ours
    }
  }
  EXPECT_EQ(ok, 4);
  EXPECT_FALSE(ladon_port_can_send(p.a.port, LADON_TLP_CLASS_P, 0));
  EXPECT_TRUE(ladon_port_can_send(p.a.port, LADON_TLP_CLASS_NP, 0));
  ladon_sim_run_until(p.sim, LADON_US(20));
  EXPECT_EQ(p.a.tx_ready_calls, 1u);
  EXPECT_EQ(p.b.ids.size(), 4u);
}

TEST(Link, RejectsPayloadAboveMps) {
  ladon_link_config c = cfg_gen(3, 8);
  c.mps_bytes = 128;
  Pair p(&c);
  ASSERT_NE(p.link, nullptr);
  ladon_tlp *t = lt::mem(LADON_TLP_MWR, 0x1000, 256);
  EXPECT_EQ(ladon_port_send(p.a.port, t), LADON_ESPEC);
  ladon_tlp_free(t);
  EXPECT_EQ(ladon_port_send(p.a.port, nullptr), LADON_EINVAL);
}

namespace {

// Builds a link with one changed parameter and expects a rejection whose
// message names the link and the parameter.
void expect_rejected(const ladon_link_config &c, const char *param,
                     const ladon_port_config *pb = nullptr) {
  ladon_sim *sim = ladon_sim_new(nullptr, nullptr);
  Node a, b;
  lt::make_port(a, sim, "rc.p0");
  lt::make_port(b, sim, "ep0.up", pb);
  ladon_error err{};
  ladon_link *l = ladon_link_new(sim, "lnk7", &c, a.port, b.port, &err);
  EXPECT_EQ(l, nullptr) << param;
  EXPECT_EQ(err.code, LADON_EINVAL) << param;
  std::string text = err.text;
  EXPECT_NE(text.find("link 'lnk7'"), std::string::npos) << text;
  EXPECT_NE(text.find(param), std::string::npos) << text;
  EXPECT_EQ(ladon_port_link(a.port), nullptr);
  ladon_link_free(l);
  ladon_sim_free(sim);
}

}  // namespace

TEST(Link, RejectsBadParametersNamingLinkAndParameter) {
  ladon_link_config c;
  ladon_link_config_default(&c);
  c.gen = 7;
  expect_rejected(c, "gen");
  c.gen = 0;
  expect_rejected(c, "gen");
  ladon_link_config_default(&c);
  c.width = 12;
  expect_rejected(c, "width");
  c.width = 0;
  expect_rejected(c, "width");
  ladon_link_config_default(&c);
  c.gen = 6;
  c.flit = LADON_FLIT_OFF;
  expect_rejected(c, "flit");
  ladon_link_config_default(&c);
  c.width = 32;
  c.flit = LADON_FLIT_ON;
  expect_rejected(c, "flit");
  ladon_link_config_default(&c);
  c.mps_bytes = 300;
  expect_rejected(c, "mps_bytes");
  c.mps_bytes = 8192;
  expect_rejected(c, "mps_bytes");
  ladon_link_config_default(&c);
  c.ber = 0.5;
  expect_rejected(c, "ber");
  ladon_link_config_default(&c);
  c.replay_buffer_bytes = 0;
  expect_rejected(c, "replay_buffer_bytes");
  ladon_link_config_default(&c);
  c.replay_timer_syms = 100;
  expect_rejected(c, "replay_timer_syms");
  ladon_link_config_default(&c);
  c.vcs = 0;
  expect_rejected(c, "vcs");
  ladon_link_config_default(&c);
  c.ack_latency_syms = 10000;  // above the Table 3-12 limit
  expect_rejected(c, "ack_latency_syms");
  ladon_link_config_default(&c);
  c.retrain_ps = 0;
  expect_rejected(c, "retrain_ps");

  // Zero or too small receive buffers (Table 2-50 minimums).
  ladon_link_config_default(&c);
  ladon_port_config pc;
  ladon_port_config_default(&pc);
  pc.rx_ph_credits = 0;
  expect_rejected(c, "rx_ph_credits", &pc);
  ladon_port_config_default(&pc);
  pc.rx_pd_credits = 0;
  expect_rejected(c, "rx_pd_credits", &pc);
  pc.rx_pd_credits = 15;  // < 256 / 16
  expect_rejected(c, "rx_pd_credits", &pc);
  ladon_port_config_default(&pc);
  pc.rx_cpld_credits = 0;
  expect_rejected(c, "rx_cpld_credits", &pc);
  ladon_port_config_default(&pc);
  pc.rx_npd_credits = 0;
  expect_rejected(c, "rx_npd_credits", &pc);
  // Above 127 header credits needs Scaled Flow Control (16 GT/s and up).
  ladon_port_config_default(&pc);
  pc.rx_ph_credits = 200;
  expect_rejected(c, "rx_ph_credits", &pc);
  c.gen = 4;
  pc.rx_ph_credits = 3000;  // above 2032 (Table 3-4, factor 16)
  expect_rejected(c, "rx_ph_credits", &pc);
}

TEST(Link, AcceptsScaledCreditsAtGen4AndInfiniteCompletions) {
  ladon_link_config c = cfg_gen(4, 16);
  ladon_port_config pc;
  ladon_port_config_default(&pc);
  pc.rx_ph_credits = 500;     // scale factor 4 (max 508)
  pc.rx_pd_credits = 8000;    // scale factor 4 (max 8188)
  pc.rx_cplh_credits = LADON_CREDITS_INFINITE;
  pc.rx_cpld_credits = LADON_CREDITS_INFINITE;
  Pair p(&c, nullptr, &pc);
  ASSERT_NE(p.link, nullptr) << p.err.text;
  p.up();
  p.b.consume = false;
  lt::WriteStream ws{64, 256};
  ws.limit = 600;
  p.a.next = [&ws](Node &n) { return ws(n); };
  p.a.fill();
  ladon_sim_run_until(p.sim, LADON_US(100));
  // 500 credits advertised with factor 4 are 125 in the DLLP field and
  // 500 at the transmitter: exactly 500 TLPs cross.
  EXPECT_EQ(p.b.held.size(), 500u);
}

TEST(Link, RejectsPortsAlreadyLinked) {
  ladon_link_config c = cfg_gen(3, 8);
  Pair p(&c);
  ASSERT_NE(p.link, nullptr);
  Node x;
  lt::make_port(x, p.sim, "x");
  ladon_error err{};
  EXPECT_EQ(ladon_link_new(p.sim, "l1", &c, p.a.port, x.port, &err), nullptr);
  EXPECT_NE(std::string(err.text).find("already linked"), std::string::npos);
  EXPECT_EQ(ladon_link_new(p.sim, "l1", &c, x.port, x.port, &err), nullptr);
}

TEST(Link, StatisticsInTheRegistry) {
  ladon_link_config c = cfg_gen(3, 8);
  Pair p(&c);
  ASSERT_NE(p.link, nullptr);
  lt::WriteStream ws{256, 256};
  ws.limit = 100;
  p.a.next = [&ws](Node &n) { return ws(n); };
  p.a.fill();
  ladon_sim_run_until(p.sim, LADON_US(50));
  ladon_stats *st = ladon_sim_stats(p.sim);
  const ladon_stat *s = ladon_stats_find(st, "link.l0.down.tlps");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(ladon_counter_value(ladon_stat_as_counter(s)), 100u);
  s = ladon_stats_find(st, "link.l0.down.payload_bytes");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(ladon_counter_value(ladon_stat_as_counter(s)), 25600u);
  s = ladon_stats_find(st, "link.l0.up.dllp_bytes");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(ladon_counter_value(ladon_stat_as_counter(s)),
            p.counters(LADON_LINK_UP).dllp_bytes);
  s = ladon_stats_find(st, "link.l0.down.busy_ps");
  ASSERT_NE(s, nullptr);
  EXPECT_GT(ladon_counter_value(ladon_stat_as_counter(s)), 0u);
  EXPECT_NE(ladon_stats_find(st, "link.l0.down.queue_depth_p"), nullptr);
  EXPECT_NE(ladon_stats_find(st, "link.l0.down.credit_stall_pd_ps"), nullptr);
}

TEST(Link, FreeingHandsQueuedTlpsBack) {
  int64_t live0 = ladon_tlp_live();
  {
    ladon_link_config c = cfg_gen(1, 1);
    Pair p(&c);
    ASSERT_NE(p.link, nullptr);
    for (int i = 0; i < 20; i++)
      if (ladon_port_send(p.a.port, lt::mem(LADON_TLP_MWR, 0, 64)) != LADON_OK) FAIL();
    ladon_sim_run_until(p.sim, LADON_NS(500));  // some on the wire
  }
  EXPECT_EQ(ladon_tlp_live(), live0);
}

TEST(Link, SendOnAnUnlinkedPortIsAStateError) {
  ladon_sim *sim = ladon_sim_new(nullptr, nullptr);
  Node a;
  lt::make_port(a, sim, "lonely");
  ladon_tlp *t = lt::mem(LADON_TLP_MWR, 0, 64);
  EXPECT_EQ(ladon_port_send(a.port, t), LADON_ESTATE);
  ladon_tlp_free(t);
  EXPECT_EQ(ladon_port_consume_credits(a.port, LADON_TLP_CLASS_P, 0, 1, 4), LADON_ESTATE);
  ladon_sim_free(sim);
}

TEST(Link, MemoryPerTlpInFlightIsSmall) {
  // DESIGN §7: at most 256 bytes per TLP in flight, all in: the TLP, its
  // transmit queue entry, its retry buffer entry and its wire record.
  size_t all = sizeof(ladon_tlp) + sizeof(ladon__txq_entry) + sizeof(ladon__retry) +
               sizeof(ladon__wire);
  EXPECT_LE(all, 256u);
  EXPECT_LE(sizeof(ladon__retry), 24u);
  EXPECT_LE(sizeof(ladon__wire), 32u);
}
