// Transaction ordering, PCIe Base 6.0 §2.4.1 Table 2-42 (5.0: Table 2-40):
// the table entry by entry, then on a link whose posted or non-posted
// traffic is blocked for lack of credits.
#include <gtest/gtest.h>

#include "test_link_harness.h"

extern "C" {
#include "pcie/ordering_int.h"
}

using lt::Node;
using lt::Pair;

namespace {

ladon_tlp T(ladon_tlp_type type, uint16_t req = LADON_TLP_ID(1, 0, 0),
            uint8_t attr = 0) {
  ladon_tlp t{};
  t.type = (uint8_t)type;
  t.req_id = req;
  t.attr = attr;
  t.cpl_id = LADON_TLP_ID(9, 0, 0);
  return t;
}

const uint16_t R1 = LADON_TLP_ID(1, 0, 0), R2 = LADON_TLP_ID(2, 0, 0);

}  // namespace

TEST(Ordering, RowAPostedRequest) {
  ladon_tlp mwr = T(LADON_TLP_MWR), msg = T(LADON_TLP_MSG);
  // A2a: a posted request must not pass a posted request ...
  EXPECT_EQ(ladon__order_may_pass(&mwr, &msg), LADON__PASS_NO);
  // ... A2b: unless RO is set,
  ladon_tlp ro = T(LADON_TLP_MWR, R1, LADON_TLP_ATTR_RO);
  EXPECT_EQ(ladon__order_may_pass(&ro, &mwr), LADON__PASS_MAY);
  // or IDO is set and the Requester IDs differ,
  ladon_tlp ido2 = T(LADON_TLP_MWR, R2, LADON_TLP_ATTR_IDO);
  EXPECT_EQ(ladon__order_may_pass(&ido2, &mwr), LADON__PASS_MAY);
  ladon_tlp ido1 = T(LADON_TLP_MWR, R1, LADON_TLP_ATTR_IDO);
  EXPECT_EQ(ladon__order_may_pass(&ido1, &mwr), LADON__PASS_NO);
  // or the same Requester ID with two different PASIDs.
  ladon_tlp pa = mwr, pb = ido1;
  pa.flags |= LADON_TLP_F_PASID;
  pa.pasid = 5;
  pb.flags |= LADON_TLP_F_PASID;
  pb.pasid = 6;
  EXPECT_EQ(ladon__order_may_pass(&pb, &pa), LADON__PASS_MAY);
  pb.pasid = 5;
  EXPECT_EQ(ladon__order_may_pass(&pb, &pa), LADON__PASS_NO);
  // A3, A4: must be able to pass non-posted requests.
  ladon_tlp mrd = T(LADON_TLP_MRD), cfgwr = T(LADON_TLP_CFGWR0);
  EXPECT_EQ(ladon__order_may_pass(&mwr, &mrd), LADON__PASS_YES);
  EXPECT_EQ(ladon__order_may_pass(&mwr, &cfgwr), LADON__PASS_YES);
  // A5a: permitted to pass completions.
  ladon_tlp cpl = T(LADON_TLP_CPLD);
  EXPECT_EQ(ladon__order_may_pass(&mwr, &cpl), LADON__PASS_MAY);
}

TEST(Ordering, RowsBandCNonPostedRequests) {
  ladon_tlp mwr = T(LADON_TLP_MWR);
  // B2a: a read must not pass a posted request; RO does not help a read.
  ladon_tlp mrd = T(LADON_TLP_MRD), mrd_ro = T(LADON_TLP_MRD, R1, LADON_TLP_ATTR_RO);
  EXPECT_EQ(ladon__order_may_pass(&mrd, &mwr), LADON__PASS_NO);
  EXPECT_EQ(ladon__order_may_pass(&mrd_ro, &mwr), LADON__PASS_NO);
  // B2b: IDO with different Requester IDs.
  ladon_tlp mrd_ido = T(LADON_TLP_MRD, R2, LADON_TLP_ATTR_IDO);
  EXPECT_EQ(ladon__order_may_pass(&mrd_ido, &mwr), LADON__PASS_MAY);
  // C2a / C2b: NPR with data (AtomicOp, I/O, Cfg write) - RO permits.
  ladon_tlp fa = T(LADON_TLP_FETCHADD), fa_ro = T(LADON_TLP_FETCHADD, R1, LADON_TLP_ATTR_RO);
  EXPECT_EQ(ladon__order_may_pass(&fa, &mwr), LADON__PASS_NO);
  EXPECT_EQ(ladon__order_may_pass(&fa_ro, &mwr), LADON__PASS_MAY);
  ladon_tlp iowr_ido = T(LADON_TLP_IOWR, R2, LADON_TLP_ATTR_IDO);
  EXPECT_EQ(ladon__order_may_pass(&iowr_ido, &mwr), LADON__PASS_MAY);
  // B3, B4, C3, C4, B5, C5: no requirement.
  ladon_tlp cpl = T(LADON_TLP_CPL);
  EXPECT_EQ(ladon__order_may_pass(&mrd, &fa), LADON__PASS_MAY);
  EXPECT_EQ(ladon__order_may_pass(&fa, &mrd), LADON__PASS_MAY);
  EXPECT_EQ(ladon__order_may_pass(&mrd, &cpl), LADON__PASS_MAY);
}

TEST(Ordering, RowDCompletions) {
  ladon_tlp mwr = T(LADON_TLP_MWR, LADON_TLP_ID(9, 0, 0));
  // D2a: a completion must not pass a posted request ...
  ladon_tlp cpl = T(LADON_TLP_CPLD);
  EXPECT_EQ(ladon__order_may_pass(&cpl, &mwr), LADON__PASS_NO);
  // ... D2b: unless RO,
  ladon_tlp cpl_ro = T(LADON_TLP_CPLD, R1, LADON_TLP_ATTR_RO);
  EXPECT_EQ(ladon__order_may_pass(&cpl_ro, &mwr), LADON__PASS_MAY);
  // or IDO with a Completer ID other than the write's Requester ID.
  ladon_tlp cpl_ido = T(LADON_TLP_CPLD, R1, LADON_TLP_ATTR_IDO);
  EXPECT_EQ(ladon__order_may_pass(&cpl_ido, &mwr), LADON__PASS_NO);  // 09:00.0 both
  cpl_ido.cpl_id = LADON_TLP_ID(8, 0, 0);
  EXPECT_EQ(ladon__order_may_pass(&cpl_ido, &mwr), LADON__PASS_MAY);
  // D3, D4: must be able to pass non-posted requests.
  ladon_tlp mrd = T(LADON_TLP_MRD);
  EXPECT_EQ(ladon__order_may_pass(&cpl, &mrd), LADON__PASS_YES);
  // D5a: different Transaction IDs may pass; D5b: the same must not.
  ladon_tlp c1 = T(LADON_TLP_CPLD), c2 = T(LADON_TLP_CPLD);
  c1.tag = 3;
  c2.tag = 4;
  EXPECT_EQ(ladon__order_may_pass(&c2, &c1), LADON__PASS_MAY);
  c2.tag = 3;
  EXPECT_EQ(ladon__order_may_pass(&c2, &c1), LADON__PASS_NO);
}

namespace {

// A link whose receiver holds posted (or non-posted) TLPs: with one credit
// of that kind, a second TLP of it blocks in the transmit queue.
struct Blocked : Pair {
  explicit Blocked(const ladon_port_config *rx) : Pair(&cfgv(), nullptr, rx) {}
  static const ladon_link_config &cfgv() {
    static ladon_link_config c;
    ladon_link_config_default(&c);
    return c;
  }
};

ladon_port_config one_credit(bool posted) {
  ladon_port_config rx;
  ladon_port_config_default(&rx);
  if (posted)
    rx.rx_ph_credits = 1;
  else
    rx.rx_nph_credits = 1;
  return rx;
}

ladon_tlp *mrd(uint64_t id, uint8_t attr = 0, uint16_t req = R1) {
  ladon_tlp *t = lt::mem(LADON_TLP_MRD, 0x2000, 64, id);
  t->attr = attr;
  t->req_id = req;
  return t;
}

ladon_tlp *cpl(uint64_t id, uint8_t attr = 0, uint16_t tag = 0) {
  ladon_tlp *t = lt::cpld(R1, tag, 64, id);
  t->attr = attr;
  return t;
}

}  // namespace

TEST(Ordering, CompletionNeverOvertakesABlockedPostedWriteWithoutRo) {
  ladon_port_config rx = one_credit(true);
  Blocked p(&rx);
  p.up();
  p.b.hold_classes = 1u << LADON_TLP_CLASS_P;
  ladon_port_send(p.a.port, lt::mem(LADON_TLP_MWR, 0, 64, 1));  // uses the credit
  ladon_port_send(p.a.port, lt::mem(LADON_TLP_MWR, 64, 64, 2)); // blocked
  ladon_port_send(p.a.port, cpl(3));                            // behind it
  ladon_port_send(p.a.port, mrd(4));                            // behind it
  ladon_sim_run_until(p.sim, ladon_sim_now(p.sim) + LADON_US(20));
  ASSERT_EQ(p.b.ids, (std::vector<uint64_t>{1}));
  // Freeing the write's buffer unblocks everything, in order.
  p.b.hold_classes = 0;
  p.b.release_one();
  ladon_sim_run_until(p.sim, ladon_sim_now(p.sim) + LADON_US(20));
  EXPECT_EQ(p.b.ids, (std::vector<uint64_t>{1, 2, 3, 4}));
}

TEST(Ordering, RelaxedOrderingAndIdoLetTlpsPassABlockedWrite) {
  ladon_port_config rx = one_credit(true);
  Blocked p(&rx);
  p.up();
  p.b.hold_classes = 1u << LADON_TLP_CLASS_P;
  ladon_port_send(p.a.port, lt::mem(LADON_TLP_MWR, 0, 64, 1));
  ladon_port_send(p.a.port, lt::mem(LADON_TLP_MWR, 64, 64, 2));  // blocked
  ladon_port_send(p.a.port, cpl(3, LADON_TLP_ATTR_RO));           // D2b: passes
  ladon_port_send(p.a.port, mrd(4, LADON_TLP_ATTR_RO));           // B2a: RO no help
  ladon_port_send(p.a.port, mrd(5, LADON_TLP_ATTR_IDO, R2));      // B2b allows it, but
  // it is queued behind 4 in the non-posted FIFO, so it waits for 4.
  ladon_sim_run_until(p.sim, ladon_sim_now(p.sim) + LADON_US(20));
  EXPECT_EQ(p.b.ids, (std::vector<uint64_t>{1, 3}));
  p.b.hold_classes = 0;
  p.b.release_one();
  ladon_sim_run_until(p.sim, ladon_sim_now(p.sim) + LADON_US(20));
  EXPECT_EQ(p.b.ids, (std::vector<uint64_t>{1, 3, 2, 4, 5}));
}

TEST(Ordering, IdoReadWithAnotherRequesterIdPassesABlockedWrite) {
  ladon_port_config rx = one_credit(true);
  Blocked p(&rx);
  p.up();
  p.b.hold_classes = 1u << LADON_TLP_CLASS_P;
  ladon_port_send(p.a.port, lt::mem(LADON_TLP_MWR, 0, 64, 1));
  ladon_port_send(p.a.port, lt::mem(LADON_TLP_MWR, 64, 64, 2));  // blocked, RID 01:00.0
  ladon_port_send(p.a.port, mrd(3, LADON_TLP_ATTR_IDO, R2));      // B2b: passes
  ladon_sim_run_until(p.sim, ladon_sim_now(p.sim) + LADON_US(20));
  EXPECT_EQ(p.b.ids, (std::vector<uint64_t>{1, 3}));
}

TEST(Ordering, BlockedNonPostedRequestsDoNotBlockWritesOrCompletions) {
  // A3/A4, D3/D4: posted requests and completions must be able to pass
  // non-posted requests that are blocked.
  ladon_port_config rx = one_credit(false);
  Blocked p(&rx);
  p.up();
  p.b.hold_classes = 1u << LADON_TLP_CLASS_NP;
  ladon_port_send(p.a.port, mrd(1));                               // uses the NPH credit
  ladon_port_send(p.a.port, mrd(2));                               // blocked
  ladon_port_send(p.a.port, lt::mem(LADON_TLP_MWR, 0, 64, 3));
  ladon_port_send(p.a.port, cpl(4));
  ladon_sim_run_until(p.sim, ladon_sim_now(p.sim) + LADON_US(20));
  EXPECT_EQ(p.b.ids, (std::vector<uint64_t>{1, 3, 4}));
  EXPECT_GT(p.counters(LADON_LINK_DOWN).credit_stall_ps[2], 0u);  // NPH
}

TEST(Ordering, CompletionsOfOneRequestStayInOrder) {
  // D5b: completions with the same Transaction ID never pass each other;
  // the completion queue is FIFO, so a stream of them arrives in order.
  ladon_link_config c;
  ladon_link_config_default(&c);
  Pair p(&c);
  for (uint64_t i = 1; i <= 40; i++) ladon_port_send(p.a.port, cpl(i, 0, 7));
  ladon_sim_run_until(p.sim, LADON_US(20));
  ASSERT_EQ(p.b.ids.size(), 40u);
  for (uint64_t i = 0; i < 40; i++) EXPECT_EQ(p.b.ids[i], i + 1);
}

TEST(Ordering, UnblockedTrafficGoesOldestFirst) {
  // With credits for everything, TLPs of all classes leave in issue order.
  ladon_link_config c;
  ladon_link_config_default(&c);
  Pair p(&c);
  p.up();
  for (uint64_t i = 1; i <= 30; i++) {
    ladon_tlp *t = i % 3 == 0 ? lt::mem(LADON_TLP_MWR, 0, 64, i) : i % 3 == 1 ? mrd(i) : cpl(i);
    ladon_port_send(p.a.port, t);
  }
  ladon_sim_run_until(p.sim, ladon_sim_now(p.sim) + LADON_US(20));
  ASSERT_EQ(p.b.ids.size(), 30u);
  for (uint64_t i = 0; i < 30; i++) EXPECT_EQ(p.b.ids[i], i + 1);
}

TEST(Ordering, VirtualChannelsDoNotBlockEachOther) {
  // TLPs of different VCs have no ordering relationship (§2.4.1, §2.6.1):
  // TC1 on VC1 flows while VC0's posted credits are exhausted.
  ladon_link_config c;
  ladon_link_config_default(&c);
  c.vcs = 2;
  ladon_port_config rx = one_credit(true);
  Pair p(&c, nullptr, &rx);
  ASSERT_NE(p.link, nullptr);
  p.up();
  p.b.hold_classes = 1u << LADON_TLP_CLASS_P;
  ladon_port_send(p.a.port, lt::mem(LADON_TLP_MWR, 0, 64, 1));
  ladon_port_send(p.a.port, lt::mem(LADON_TLP_MWR, 0, 64, 2));  // VC0 blocked
  ladon_tlp *t = lt::mem(LADON_TLP_MWR, 0, 64, 3);
  t->tc = 1;
  ladon_port_send(p.a.port, t);
  ladon_sim_run_until(p.sim, ladon_sim_now(p.sim) + LADON_US(20));
  EXPECT_EQ(p.b.ids, (std::vector<uint64_t>{1, 3}));
}
