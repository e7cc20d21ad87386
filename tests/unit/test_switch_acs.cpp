// Access Control Services on the Downstream Ports (PCIe Base 5.0 §6.12,
// §7.7.8): each control takes effect when software sets it with a CfgWr,
// and not before.
#include <gtest/gtest.h>

#include "test_switch_harness.h"

using swt::Fab;

namespace {

const uint16_t kReq0 = LADON_TLP_ID(3, 0, 0);  // a requester below d0 (3..6)
const uint16_t kReq1 = LADON_TLP_ID(7, 0, 0);  // a requester below d1 (7..10)

// Where a TLP sent by endpoint 0 ends: -1 root, j endpoint j, -2 nowhere
// (a UR completion back to the sender counts as nowhere).
int where(Fab &f, ladon_tlp *t) {
  size_t r = f.root.rx.size(), a = f.dn[0]->rx.size(), b = f.dn[1]->rx.size();
  EXPECT_EQ(f.send(*f.dn[0], t), LADON_OK);
  f.run(LADON_US(2));
  if (f.root.rx.size() > r) return -1;
  if (f.dn[1]->rx.size() > b) return 1;
  if (f.dn[0]->rx.size() > a && f.dn[0]->rx.back().t.status != LADON_TLP_CPL_UR) return 0;
  return -2;
}

}  // namespace

TEST(SwitchAcs, CapabilityAdvertisesTheImplementedControls) {
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  uint32_t hdr = f.cfg_read(Fab::dsp(0), 0x100);
  EXPECT_EQ(hdr & 0xffffu, (uint32_t)PCI_EXT_CAP_ID_ACS);
  uint32_t cap = f.cfg_read(Fab::dsp(0), 0x100 + PCI_ACS_CAP) & 0xffffu;
  EXPECT_EQ(cap, (uint32_t)(PCI_ACS_SV | PCI_ACS_TB | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF |
                            PCI_ACS_DT));
  // Egress Control is not implemented: its enable stays 0 when written.
  EXPECT_EQ(f.acs(0, PCI_ACS_EC | PCI_ACS_SV), LADON_TLP_CPL_SC);
  EXPECT_EQ(f.cfg_read(Fab::dsp(0), 0x100 + PCI_ACS_CAP) >> 16, (uint32_t)PCI_ACS_SV);
  // The Upstream Port has no ACS (§7.7.8: SV/TB/UF are Downstream Port
  // features; the switch implements none on its Upstream Port).
  EXPECT_EQ(f.cfg_read(Fab::usp(), 0x100), 0u);
}

TEST(SwitchAcs, WithoutTheCapabilityNothingCanBeEnabled) {
  ladon__switch_config c = swt::default_cfg(2);
  c.acs = false;
  Fab f(&c);
  ASSERT_TRUE(f.ok());
  f.program();
  EXPECT_EQ(f.cfg_read(Fab::dsp(0), 0x100), 0u);
  EXPECT_EQ(f.acs(0, PCI_ACS_SV), 0xfe);  // no ACS capability to write
  // A forged Requester ID passes: nothing validates it.
  EXPECT_EQ(where(f, swt::mem(LADON_TLP_MWR, 0x1000, 4, kReq1)), -1);
}

TEST(SwitchAcs, SourceValidationBlocksForgedRequesterIds) {
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  // Off: a request from below d0 carrying d1's bus goes up.
  EXPECT_EQ(where(f, swt::mem(LADON_TLP_MWR, 0x1000, 4, kReq1)), -1);
  EXPECT_EQ(f.acs(0, PCI_ACS_SV), LADON_TLP_CPL_SC);
  // On: posted is dropped and counted ...
  EXPECT_EQ(where(f, swt::mem(LADON_TLP_MWR, 0x1000, 4, kReq1)), -2);
  EXPECT_EQ(f.counters(1).acs_violations, 1u);
  EXPECT_EQ(f.counters(1).posted_dropped, 1u);
  // ... non-posted completes with UR from d0's function (§6.12.1.2).
  size_t n = f.dn[0]->rx.size();
  EXPECT_EQ(where(f, swt::mem(LADON_TLP_MRD, 0x1000, 4, LADON_TLP_ID(0x20, 1, 0), 5)), -2);
  ASSERT_EQ(f.dn[0]->rx.size(), n + 1);
  const ladon_tlp &c = f.dn[0]->rx.back().t;
  EXPECT_EQ(c.status, LADON_TLP_CPL_UR);
  EXPECT_EQ(c.cpl_id, Fab::dsp(0));
  EXPECT_EQ(c.req_id, LADON_TLP_ID(0x20, 1, 0));
  EXPECT_EQ(c.tag, 5u);
  EXPECT_EQ(f.counters(1).acs_violations, 2u);
  EXPECT_EQ(f.counters(1).urs, 1u);
  // The port's own buses, first and last, still pass.
  EXPECT_EQ(where(f, swt::mem(LADON_TLP_MWR, 0x1000, 4, kReq0)), -1);
  EXPECT_EQ(where(f, swt::mem(LADON_TLP_MWR, 0x1000, 4, LADON_TLP_ID(6, 31, 7))), -1);
  // Messages are requests too.
  EXPECT_EQ(where(f, swt::msg(0x30, LADON_TLP_ROUTE_RC, kReq1)), -2);
  EXPECT_EQ(f.counters(1).acs_violations, 3u);
}

TEST(SwitchAcs, P2PRequestRedirectSendsPeerTrafficUpstream) {
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  uint64_t peer = swt::mem_base(1) + 0x100;
  EXPECT_EQ(where(f, swt::mem(LADON_TLP_MWR, peer, 4, kReq0)), 1);
  EXPECT_EQ(f.acs(0, PCI_ACS_RR), LADON_TLP_CPL_SC);
  EXPECT_EQ(where(f, swt::mem(LADON_TLP_MWR, peer, 4, kReq0)), -1);
  ASSERT_FALSE(f.root.rx.empty());
  EXPECT_EQ(f.root.rx.back().t.addr, peer);  // unchanged: the root decides
  EXPECT_EQ(where(f, swt::mem(LADON_TLP_MRD, swt::pref_base(1), 64, kReq0, 3)), -1);
  // Redirect at d0 says nothing about d1's requests.
  size_t n = f.dn[0]->rx.size();
  ASSERT_EQ(f.send(*f.dn[1], swt::mem(LADON_TLP_MWR, swt::mem_base(0), 4, kReq1)), LADON_OK);
  f.run(LADON_US(2));
  EXPECT_EQ(f.dn[0]->rx.size(), n + 1);
}

TEST(SwitchAcs, DirectTranslatedP2PExemptsTranslatedAddresses) {
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  EXPECT_EQ(f.acs(0, PCI_ACS_RR | PCI_ACS_DT), LADON_TLP_CPL_SC);
  ladon_tlp *t = swt::mem(LADON_TLP_MWR, swt::mem_base(1), 4, kReq0);
  t->at = LADON_TLP_AT_TRANSLATED;
  EXPECT_EQ(where(f, t), 1);
  EXPECT_EQ(where(f, swt::mem(LADON_TLP_MWR, swt::mem_base(1), 4, kReq0)), -1);
  // Translation Blocking stops translated requests altogether.
  EXPECT_EQ(f.acs(0, PCI_ACS_RR | PCI_ACS_DT | PCI_ACS_TB), LADON_TLP_CPL_SC);
  t = swt::mem(LADON_TLP_MWR, swt::mem_base(1), 4, kReq0);
  t->at = LADON_TLP_AT_TRANSLATED;
  EXPECT_EQ(where(f, t), -2);
  EXPECT_EQ(f.counters(1).acs_violations, 1u);
}

TEST(SwitchAcs, P2PCompletionRedirectUnlessRelaxedOrdering) {
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  // A completion from below d0 for a requester below d1.
  EXPECT_EQ(where(f, swt::cpld(kReq1, kReq0, 1, 16)), 1);
  EXPECT_EQ(f.acs(0, PCI_ACS_CR), LADON_TLP_CPL_SC);
  EXPECT_EQ(where(f, swt::cpld(kReq1, kReq0, 2, 16)), -1);
  // §7.7.8.3: only completions with Relaxed Ordering clear are redirected.
  ladon_tlp *ro = swt::cpld(kReq1, kReq0, 3, 16);
  ro->attr = LADON_TLP_ATTR_RO;
  EXPECT_EQ(where(f, ro), 1);
}

TEST(SwitchAcs, UpstreamForwardingTurnsTrafficForTheSamePortUp) {
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  // A request from below d0 into d0's own window is not sent back down.
  EXPECT_EQ(where(f, swt::mem(LADON_TLP_MWR, swt::mem_base(0), 4, kReq0)), -2);
  EXPECT_EQ(where(f, swt::cpld(LADON_TLP_ID(4, 0, 0), kReq0, 1, 16)), -2);
  EXPECT_EQ(f.counters(1).cpl_dropped, 1u);
  EXPECT_EQ(f.acs(0, PCI_ACS_UF), LADON_TLP_CPL_SC);
  EXPECT_EQ(where(f, swt::mem(LADON_TLP_MWR, swt::mem_base(0), 4, kReq0)), -1);
  EXPECT_EQ(where(f, swt::cpld(LADON_TLP_ID(4, 0, 0), kReq0, 2, 16)), -1);
}

TEST(SwitchAcs, SourceValidationNeedsProgrammedBusNumbers) {
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  EXPECT_EQ(f.acs(0, PCI_ACS_SV), LADON_TLP_CPL_SC);
  // Secondary bus 0 is not a valid range (§7.5.1.3.4): every requester
  // fails validation, bus 0 included.
  f.cfg_write(Fab::dsp(0), PCI_PRIMARY_BUS, 2u);
  EXPECT_EQ(where(f, swt::mem(LADON_TLP_MWR, 0x1000, 4, LADON_TLP_ID(0, 0, 0))), -2);
  EXPECT_EQ(f.counters(1).acs_violations, 1u);
}
