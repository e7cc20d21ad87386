// Data link layer: Ack latency tables, Ack scheduling, replay on Nak and on
// REPLAY_TIMER expiry, REPLAY_NUM rollover and retraining, the 2048
// sequence-number window, and bit errors: every TLP is delivered exactly
// once and in order, replays are counted, goodput falls as the BER rises.
#include <gtest/gtest.h>

#include <cmath>

#include "test_link_harness.h"

extern "C" {
#include "pcie/fc_int.h"
#include "pcie/link_int.h"
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

// Runs a write stream of `n` TLPs of `size` bytes from a to b (and
// optionally the same from b to a) and returns when all arrived or at `limit`.
void stream(Pair &p, uint64_t n, uint32_t size, bool both,
            ladon_time_ps limit, lt::WriteStream *wa, lt::WriteStream *wb) {
  *wa = lt::WriteStream{size, 256};
  wa->limit = n;
  p.a.next = [wa](Node &x) { return (*wa)(x); };
  p.a.fill();
  if (both) {
    *wb = lt::WriteStream{size, 256};
    wb->limit = n;
    p.b.next = [wb](Node &x) { return (*wb)(x); };
    p.b.fill();
  }
  while (ladon_sim_now(p.sim) < limit &&
         (p.b.ids.size() < n || (both && p.a.ids.size() < n)) &&
         ladon_sim_step(p.sim)) {
  }
}

bool in_order(const std::vector<uint64_t> &ids, uint64_t n) {
  if (ids.size() != n) return false;
  for (uint64_t i = 0; i < n; i++)
    if (ids[i] != i + 1) return false;
  return true;
}

}  // namespace

TEST(Dll, AckLatencyTablesFollowTheSpecFormula) {
  // PCIe Base 6.0 §3.6.3.1 Tables 3-10..3-12 (5.0: 3-7..3-9) and the
  // UpdateFC guidelines of Tables 2-52..2-54 are
  //   floor((Max_Payload_Size + TLPOverhead) * AckFactor / LinkWidth
  //         + InternalDelay)
  // with TLPOverhead 28 symbols, InternalDelay 19 (2.5 GT/s), 70 (5.0 GT/s),
  // 115 (8.0 GT/s and up) symbol times, and AckFactor 1.4 (x1-x4), 2.5
  // (x8), 3.0 (x16, x32) for MPS <= 256; 1.0 (x1-x8), 2.0 (x16, x32) above.
  const unsigned widths[] = {1, 2, 4, 8, 16, 32};
  for (unsigned gen = 1; gen <= 5; gen++) {
    unsigned delay = gen == 1 ? 19 : gen == 2 ? 70 : 115;
    for (unsigned w : widths) {
      for (uint32_t mps = 128; mps <= 4096; mps *= 2) {
        unsigned af10 = mps <= 256 ? (w <= 4 ? 14 : w == 8 ? 25 : 30)
                                   : (w <= 8 ? 10 : 20);
        uint32_t want = ((mps + 28) * af10 / w + delay * 10) / 10;
        EXPECT_EQ(ladon_link_ack_latency_syms(gen, w, mps), want)
            << "gen " << gen << " x" << w << " MPS " << mps;
        EXPECT_EQ(ladon_link_fc_update_syms(gen, w, mps), want);
      }
    }
  }
  // Spot values printed in the tables: Table 3-12 Gen3 x8 MPS 256 = 203,
  // x16 MPS 256 = 168; Table 3-10 x1 MPS 128 = 237; Table 2-52 x32 4096 = 276.
  EXPECT_EQ(ladon_link_ack_latency_syms(3, 8, 256), 203u);
  EXPECT_EQ(ladon_link_ack_latency_syms(3, 16, 256), 168u);
  EXPECT_EQ(ladon_link_ack_latency_syms(1, 1, 128), 237u);
  EXPECT_EQ(ladon_link_fc_update_syms(1, 32, 4096), 276u);
  EXPECT_EQ(ladon_link_ack_latency_syms(3, 12, 256), 0u);
  EXPECT_EQ(ladon_link_ack_latency_syms(6, 8, 256), 0u);
}

TEST(Dll, AckIsSentWhenTheAckLatencyTimerExpires) {
  // One TLP on an idle Gen3 x8 link: the receiver forwards it at t_rx and
  // must schedule an Ack when AckNak_LATENCY_TIMER reaches 203 symbol
  // times (Table 3-12, MPS 256) = 203 ns at 8 GT/s.
  ladon_link_config c = cfg(3, 8);
  Pair p(&c);
  ASSERT_NE(p.link, nullptr);
  p.up();
  ladon_sim_run_until(p.sim, LADON_US(1));
  uint64_t acks0 = p.counters(LADON_LINK_UP).acks;
  ASSERT_EQ(ladon_port_send(p.a.port, lt::mem(LADON_TLP_MWR, 0, 64, 1)), LADON_OK);
  ladon_sim_run_until(p.sim, LADON_US(2));
  ASSERT_EQ(p.b.t_rx.size(), 1u);
  ladon_time_ps t_rx = p.b.t_rx[0];
  EXPECT_EQ(p.link->ack_limit_ps, 203u * 1000);
  // Not before the limit ...
  Pair q(&c);
  q.up();
  ladon_sim_run_until(q.sim, LADON_US(1));
  ladon_port_send(q.a.port, lt::mem(LADON_TLP_MWR, 0, 64, 1));
  ladon_sim_run_until(q.sim, t_rx + 203000 - 1);
  EXPECT_EQ(q.counters(LADON_LINK_UP).acks, acks0);
  // ... and at the first symbol boundary after it.
  ladon_sim_run_until(q.sim, t_rx + 203000 + 2000);
  EXPECT_EQ(q.counters(LADON_LINK_UP).acks, acks0 + 1);
  // The Ack purged the retry buffer.
  ladon_sim_run_until(q.sim, LADON_US(3));
  EXPECT_EQ(q.link->dir[LADON_LINK_DOWN].rb_len, 0u);
}

TEST(Dll, AcksUnderLoadAreSpacedByTheLatencyLimit) {
  // A saturated Gen3 x8 stream of 256 B writes: the receiver Acks about
  // once per Ack Latency Limit (203 ns) plus the wait for the TLP on the
  // reverse direction and the next TLP; at 3.6 ns per 256 B TLP that is
  // between 1 / (203 + 2 * 36) ns and 1 / 203 ns.
  ladon_link_config c = cfg(3, 8);
  Pair p(&c);
  lt::WriteStream wa, wb;
  stream(p, 20000, 256, false, LADON_MS(1), &wa, &wb);
  ASSERT_TRUE(in_order(p.b.ids, 20000));
  double span_ns = (double)(p.b.t_rx.back() - p.b.t_rx.front()) / 1000.0;
  double acks = (double)p.counters(LADON_LINK_UP).acks;
  EXPECT_LE(acks, span_ns / 203.0 + 2);
  EXPECT_GE(acks, span_ns / (203.0 + 72.0));
}

TEST(Dll, BitErrorsDeliverEveryTlpExactlyOnceInOrder) {
  for (double ber : {1e-7, 1e-6, 1e-5}) {
    ladon_link_config c = cfg(3, 4);
    c.ber = ber;
    Pair p(&c, nullptr, nullptr, 42);
    ASSERT_NE(p.link, nullptr);
    lt::WriteStream wa, wb;
    stream(p, 20000, 256, true, LADON_MS(100), &wa, &wb);
    EXPECT_TRUE(in_order(p.b.ids, 20000)) << "ber " << ber << " got " << p.b.ids.size();
    EXPECT_TRUE(in_order(p.a.ids, 20000)) << "ber " << ber;
    ladon_link_counters d = p.counters(LADON_LINK_DOWN), u = p.counters(LADON_LINK_UP);
    // 20000 TLPs of 280 B = 44.8 Mbit each way: at 1e-7 about 4.5 bad TLPs.
    EXPECT_GT(d.bad_tlps + u.bad_tlps, 0u) << ber;
    EXPECT_GT(d.replays + u.replays, 0u) << ber;
    EXPECT_GT(u.naks + d.naks, 0u) << ber;
    EXPECT_EQ(d.tlps, 20000u);
    EXPECT_GT(d.replayed_tlps, 0u);
  }
}

TEST(Dll, GoodputFallsAsTheBitErrorRateRises) {
  double prev_time = 0;
  for (double ber : {0.0, 1e-7, 1e-6, 1e-5, 3e-5}) {
    ladon_link_config c = cfg(3, 8);
    c.ber = ber;
    Pair p(&c, nullptr, nullptr, 7);
    lt::WriteStream wa, wb;
    stream(p, 30000, 256, true, LADON_MS(100), &wa, &wb);
    ASSERT_TRUE(in_order(p.b.ids, 30000)) << ber;
    double t = (double)p.b.t_rx.back();
    if (prev_time > 0) {
      EXPECT_GT(t, prev_time) << "ber " << ber;
    }
    prev_time = t;
  }
}

TEST(Dll, LostAcksReplayOnTimeoutAndRolloverRetrains) {
  // Every DLLP on the reverse direction is lost for a while: no Acks reach
  // the transmitter, REPLAY_TIMER (24000 symbol times = 24 us at 8 GT/s,
  // §3.6.2.1) expires, the retry buffer is replayed, the receiver sees
  // duplicates; the fourth replay rolls REPLAY_NUM over and retrains.
  ladon_link_config c = cfg(3, 8);
  c.retrain_ps = LADON_US(2);
  ladon_port_config rx;  // UpdateFCs are lost too: no posted credit limit
  ladon_port_config_default(&rx);
  rx.rx_ph_credits = rx.rx_pd_credits = LADON_CREDITS_INFINITE;
  Pair p(&c, nullptr, &rx);
  p.up();
  ladon__dir *up = &p.link->dir[LADON_LINK_UP];
  double saved = up->log_ok_bit;
  up->log_ok_bit = -INFINITY;  // the up direction corrupts everything
  lt::WriteStream wa, wb;
  wa = lt::WriteStream{256, 256};
  wa.limit = 100;
  p.a.next = [&wa](Node &x) { return wa(x); };
  p.a.fill();
  ladon_time_ps t0 = ladon_sim_now(p.sim);
  ladon_sim_run_until(p.sim, t0 + LADON_US(10));
  ASSERT_EQ(p.b.ids.size(), 100u);
  // The timer started at the last Symbol of the first TLP, which arrived
  // 10 ns (the wire latency) later.
  ladon_time_ps deadline = p.b.t_rx[0] - LADON_NS(10) + LADON_US(24);
  ladon_sim_run_until(p.sim, deadline - 1);
  EXPECT_EQ(p.counters(LADON_LINK_DOWN).replays, 0u);
  ladon_sim_run_until(p.sim, deadline);
  EXPECT_EQ(p.counters(LADON_LINK_DOWN).replays, 1u);
  EXPECT_EQ(p.counters(LADON_LINK_DOWN).replay_timeouts, 1u);
  ladon_sim_run_until(p.sim, t0 + LADON_US(120));
  ladon_link_counters d = p.counters(LADON_LINK_DOWN);
  EXPECT_GE(d.replays, 4u);
  EXPECT_GE(d.retrains, 1u);
  EXPECT_GT(d.duplicate_tlps, 0u);
  EXPECT_EQ(p.b.ids.size(), 100u);  // delivered once, duplicates dropped
  up->log_ok_bit = saved;
  ladon_sim_run_until(p.sim, t0 + LADON_US(200));
  EXPECT_TRUE(in_order(p.b.ids, 100));
  EXPECT_EQ(p.link->dir[LADON_LINK_DOWN].rb_len, 0u);  // all acknowledged
}

TEST(Dll, NoMoreThan2047UnacknowledgedTlps) {
  // Equation 3-1: the transmitter stops accepting TLPs while
  // (NEXT_TRANSMIT_SEQ - ACKD_SEQ) mod 4096 >= 2048.
  ladon_link_config c = cfg(3, 16);
  c.replay_buffer_bytes = 4u << 20;
  c.replay_timer_syms = 31000;
  ladon_port_config rx;
  ladon_port_config_default(&rx);
  rx.rx_ph_credits = rx.rx_pd_credits = LADON_CREDITS_INFINITE;
  Pair p(&c, nullptr, &rx);
  p.up();
  ladon__dir *up = &p.link->dir[LADON_LINK_UP];
  up->log_ok_bit = -INFINITY;  // no Acks
  lt::WriteStream wa;
  wa = lt::WriteStream{64, 256};
  wa.limit = 5000;
  p.a.next = [&wa](Node &x) { return wa(x); };
  p.a.fill();
  uint32_t most = 0;
  ladon_time_ps t0 = ladon_sim_now(p.sim);
  while (ladon_sim_now(p.sim) < t0 + LADON_US(25) && ladon_sim_step(p.sim)) {
    uint32_t n = p.link->dir[LADON_LINK_DOWN].rb_len;
    if (n > most) most = n;
  }
  EXPECT_EQ(most, 2047u);
  EXPECT_EQ(p.b.ids.size(), 2047u);
}

TEST(Dll, RetryBufferSizeLimitsOutstandingBytes) {
  ladon_link_config c = cfg(3, 8);
  c.replay_buffer_bytes = 1024;  // three 280-byte TLPs
  Pair p(&c);
  p.up();
  p.link->dir[LADON_LINK_UP].log_ok_bit = -INFINITY;
  lt::WriteStream wa;
  wa = lt::WriteStream{256, 256};
  wa.limit = 50;
  p.a.next = [&wa](Node &x) { return wa(x); };
  p.a.fill();
  ladon_sim_run_until(p.sim, ladon_sim_now(p.sim) + LADON_US(10));
  EXPECT_EQ(p.b.ids.size(), 3u);
  EXPECT_EQ(p.link->dir[LADON_LINK_DOWN].rb_bytes, 3u * 280);
}

TEST(Dll, SameSeedSameResult) {
  auto run = [](uint64_t seed) {
    ladon_link_config c = cfg(2, 2);
    c.ber = 2e-6;
    Pair p(&c, nullptr, nullptr, seed);
    lt::WriteStream wa, wb;
    stream(p, 5000, 128, true, LADON_MS(50), &wa, &wb);
    ladon_link_counters d = p.counters(0);
    return std::vector<uint64_t>{d.replays, d.bad_tlps, d.naks, d.acks,
                                 (uint64_t)p.b.t_rx.back(), d.tlp_bytes};
  };
  EXPECT_EQ(run(11), run(11));
  EXPECT_NE(run(11), run(12));
}

TEST(Dll, TransmissionPriorityNakAckUpdateFcTlp) {
  // The recommended priority of scheduled transmissions (§3.6.2.1
  // implementation note): Nak, Ack, UpdateFC, retry buffer, new TLPs.
  // Everything becomes due at the same instant on an idle link; the wire
  // (before anything arrives, 10 ns later) shows the order.
  ladon_link_config c = cfg(3, 8);
  Pair p(&c);
  p.up();
  ladon_sim_run_until(p.sim, LADON_US(1));
  ladon__dir *d = &p.link->dir[LADON_LINK_DOWN];
  ASSERT_EQ(d->wire.len, 0u);
  ladon_port_send(p.a.port, lt::mem(LADON_TLP_MWR, 0, 64, 1));
  d->nak_owed = true;
  d->ack_owed = true;
  d->fcu_owed[0] = 1u << LADON__CLS_NP;
  d->fcu_owed_n = 1;
  ladon_sim_run_until(p.sim, LADON_US(1) + LADON_NS(8));
  ASSERT_EQ(d->wire.len, 3u);  // 3 DLLPs of 1 ns each so far, TLP after
  auto type = [d](unsigned i) { return d->wire.w[(d->wire.head + i) & (d->wire.cap - 1)].a & 0xfu; };
  EXPECT_EQ(type(0), (unsigned)LADON__DLLP_NAK);
  EXPECT_EQ(type(1), (unsigned)LADON__DLLP_UPDATEFC);  // the Nak covered the Ack
  EXPECT_EQ(d->wire.w[(d->wire.head + 2) & (d->wire.cap - 1)].kind, (uint8_t)LADON__W_TLP);
}
