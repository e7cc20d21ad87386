// The switch as software and traffic see it: configuration requests reach
// the right port's registers, bus numbers and windows programmed by CfgWr
// drive ID and address routing at every port, unmatched requests get UR
// from the right completer, messages follow their routing subfield.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "test_switch_harness.h"

extern "C" {
#include "ladon/component.h"
#include "models/model.h"
}

using swt::Fab;
using swt::Rx;

namespace {

// The last TLP `e` received.
const ladon_tlp &last(const swt::Ep &e) { return e.rx.back().t; }

}  // namespace

// ---- configuration ------------------------------------------------------

TEST(SwitchConfig, UpstreamPortAnswersType0FromItsOwnRegisters) {
  Fab f;
  ASSERT_TRUE(f.ok()) << f.err.text;
  uint8_t st = 0xff;
  // Vendor/Device of the Upstream Port: the configured identity
  // (PLX vendor 10B5h, device 8796h by default), PCI-PCI bridge class
  // 060400h, Header Type 1 (§7.5.1.1).
  EXPECT_EQ(f.cfg_read(Fab::usp(), PCI_VENDOR_ID, &st), 0x879610b5u);
  EXPECT_EQ(st, LADON_TLP_CPL_SC);
  EXPECT_EQ(f.last_cfg.t.type, LADON_TLP_CPLD);
  EXPECT_EQ(f.last_cfg.t.cpl_id, Fab::usp());
  EXPECT_EQ(f.last_cfg.t.byte_count, 4u);  // §2.2.9.1: configuration reads
  EXPECT_EQ(f.cfg_read(Fab::usp(), PCI_CLASS_REVISION) >> 8, 0x060400u);
  EXPECT_EQ((f.cfg_read(Fab::usp(), PCI_CACHE_LINE_SIZE) >> 16) & 0x7fu,
            (uint32_t)PCI_HEADER_TYPE_BRIDGE);
  // PCI Express Capability: Device/Port Type 0101b, Upstream Port (§7.5.3.2).
  uint32_t cap = f.cfg_read(Fab::usp(), PCI_CAPABILITY_LIST) & 0xffu;
  uint32_t flags = f.cfg_read(Fab::usp(), (uint16_t)cap);
  EXPECT_EQ(flags & 0xffu, (uint32_t)PCI_CAP_ID_EXP);
  EXPECT_EQ((flags >> 16 & PCI_EXP_FLAGS_TYPE) >> 4, (uint32_t)PCI_EXP_TYPE_UPSTREAM);
  // The switch has one function at the Upstream Port: function 1 is UR.
  EXPECT_EQ(f.cfg_read(LADON_TLP_ID(swt::kUpBus, 0, 1), PCI_VENDOR_ID, &st), 0xffffffffu);
  EXPECT_EQ(st, LADON_TLP_CPL_UR);
  EXPECT_EQ(f.last_cfg.t.type, LADON_TLP_CPL);
}

TEST(SwitchConfig, WritesCaptureTheIdAndProgramBusNumbers) {
  Fab f;
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f.cfg_write(Fab::usp(), PCI_PRIMARY_BUS, 0x00050201u), LADON_TLP_CPL_SC);
  EXPECT_EQ(f.last_cfg.t.type, LADON_TLP_CPL);
  // §2.2.6.2: the function captured bus 1, device 0 from the Type 0 write.
  EXPECT_EQ(ladon__switch_port_id(f.sw, 0), Fab::usp());
  // Read back: primary 1, secondary 2, subordinate 5; the Secondary
  // Latency Timer is read-only 0 (§7.5.1.3.5).
  EXPECT_EQ(f.cfg_read(Fab::usp(), PCI_PRIMARY_BUS), 0x00050201u);
  EXPECT_EQ(f.cfg_write(Fab::usp(), PCI_PRIMARY_BUS, 0xff050201u), LADON_TLP_CPL_SC);
  EXPECT_EQ(f.cfg_read(Fab::usp(), PCI_PRIMARY_BUS), 0x00050201u);
  // Vendor ID is read-only: the write completes and changes nothing.
  EXPECT_EQ(f.cfg_write(Fab::usp(), PCI_VENDOR_ID, 0x12345678u), LADON_TLP_CPL_SC);
  EXPECT_EQ(f.cfg_read(Fab::usp(), PCI_VENDOR_ID), 0x879610b5u);
}

TEST(SwitchConfig, Type1ToInternalBusReachesEachDownstreamPort) {
  ladon__switch_config c = swt::default_cfg(3);
  Fab f(&c, 3);
  ASSERT_TRUE(f.ok());
  f.cfg_write(Fab::usp(), PCI_PRIMARY_BUS, 1u | 2u << 8 | 20u << 16);
  for (unsigned j = 0; j < 3; j++) {
    // Give each port distinct bus numbers, then read them back through the
    // same Type 1 path: the request reached port j's own registers.
    uint32_t v = 2u | (10u + j) << 8 | (10u + j) << 16;
    EXPECT_EQ(f.cfg_write(Fab::dsp(j), PCI_PRIMARY_BUS, v), LADON_TLP_CPL_SC);
    EXPECT_EQ(f.last_cfg.t.cpl_id, Fab::dsp(j));
    EXPECT_EQ(ladon__switch_port_id(f.sw, 1 + j), Fab::dsp(j));
  }
  for (unsigned j = 0; j < 3; j++) {
    EXPECT_EQ(f.cfg_read(Fab::dsp(j), PCI_PRIMARY_BUS), 2u | (10u + j) << 8 | (10u + j) << 16);
    uint32_t cap = f.cfg_read(Fab::dsp(j), PCI_CAPABILITY_LIST) & 0xffu;
    uint32_t flags = f.cfg_read(Fab::dsp(j), (uint16_t)cap);
    EXPECT_EQ((flags >> 16 & PCI_EXP_FLAGS_TYPE) >> 4, (uint32_t)PCI_EXP_TYPE_DOWNSTREAM);
    // LnkCap Port Number (bits 31:24) is the port index 1 + j.
    EXPECT_EQ(f.cfg_read(Fab::dsp(j), (uint16_t)(cap + PCI_EXP_LNKCAP)) >> 24, 1u + j);
  }
  // No device 3 on the internal bus, and no function 1: UR from the
  // Upstream Port, which handled the request.
  uint8_t st = 0;
  f.cfg_read(Fab::dsp(3), PCI_VENDOR_ID, &st);
  EXPECT_EQ(st, LADON_TLP_CPL_UR);
  EXPECT_EQ(f.last_cfg.t.cpl_id, Fab::usp());
  f.cfg_read(LADON_TLP_ID(swt::kInternalBus, 0, 1), PCI_VENDOR_ID, &st);
  EXPECT_EQ(st, LADON_TLP_CPL_UR);
  // Nothing leaked onto the Downstream links.
  for (auto &e : f.dn) EXPECT_TRUE(e->rx.empty());
}

TEST(SwitchConfig, Type1ForSecondaryBusIsConvertedToType0) {
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  swt::Ep &ep0 = *f.dn[0];
  // Bus 3 is d0's secondary bus: the endpoint sees a CfgRd0 for 03:00.0
  // (§7.3.3).  The endpoint does not answer in this test.
  ASSERT_EQ(f.send(f.root, Fab::cfg_tlp(false, true, LADON_TLP_ID(3, 0, 0), 0, 0, 0xf, 77)),
            LADON_OK);
  ASSERT_TRUE(f.run_until_rx(ep0, 1));
  EXPECT_EQ(last(ep0).type, LADON_TLP_CFGRD0);
  EXPECT_EQ(last(ep0).target_id, LADON_TLP_ID(3, 0, 0));
  EXPECT_EQ(last(ep0).tag, 77u);
  // Bus 5 lies below d0 (3..6) but is not its secondary: forwarded as Type 1.
  ASSERT_EQ(f.send(f.root, Fab::cfg_tlp(true, true, LADON_TLP_ID(5, 1, 2), 0x10, 0xabcd, 0xf,
                                        78)),
            LADON_OK);
  ASSERT_TRUE(f.run_until_rx(ep0, 2));
  EXPECT_EQ(last(ep0).type, LADON_TLP_CFGWR1);
  EXPECT_EQ(ep0.rx.back().data.size(), 4u);
  // Bus 7 is d1's secondary; d1's endpoint gets it as Type 0.
  ASSERT_EQ(f.send(f.root, Fab::cfg_tlp(false, true, LADON_TLP_ID(7, 0, 0), 0, 0, 0xf, 79)),
            LADON_OK);
  ASSERT_TRUE(f.run_until_rx(*f.dn[1], 1));
  EXPECT_EQ(last(*f.dn[1]).type, LADON_TLP_CFGRD0);
  // Bus 20 is beyond the Upstream Port's subordinate bus (10): UR.
  uint8_t st = 0;
  f.cfg_read(LADON_TLP_ID(20, 0, 0), 0, &st);
  EXPECT_EQ(st, LADON_TLP_CPL_UR);
  EXPECT_EQ(ep0.rx.size(), 2u);
}

TEST(SwitchConfig, DeviceOtherThanZeroNeedsAriForwarding) {
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  uint8_t st = 0;
  // 03:10.6 (a VF, say) on d0's secondary bus: UR without ARI Forwarding.
  f.cfg_read(LADON_TLP_ID(3, 0x10, 6), 0, &st);
  EXPECT_EQ(st, LADON_TLP_CPL_UR);
  EXPECT_TRUE(f.dn[0]->rx.empty());
  // Enable ARI Forwarding in d0's DevCtl2 (§7.5.3.16): now it passes.
  uint32_t cap = f.cfg_read(Fab::dsp(0), PCI_CAPABILITY_LIST) & 0xffu;
  uint16_t devctl2 = (uint16_t)(cap + PCI_EXP_DEVCTL2);
  EXPECT_EQ(f.cfg_write(Fab::dsp(0), devctl2, PCI_EXP_DEVCTL2_ARI, 0x3), LADON_TLP_CPL_SC);
  EXPECT_EQ(f.cfg_read(Fab::dsp(0), devctl2) & PCI_EXP_DEVCTL2_ARI, (uint32_t)PCI_EXP_DEVCTL2_ARI);
  ASSERT_EQ(f.send(f.root, Fab::cfg_tlp(false, true, LADON_TLP_ID(3, 0x10, 6), 0, 0, 0xf, 9)),
            LADON_OK);
  ASSERT_TRUE(f.run_until_rx(*f.dn[0], 1));
  EXPECT_EQ(last(*f.dn[0]).type, LADON_TLP_CFGRD0);
  EXPECT_EQ(last(*f.dn[0]).target_id, LADON_TLP_ID(3, 0x10, 6));
}

TEST(SwitchConfig, ConfigurationFromBelowIsUnsupported) {
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  // §7.3.3: configuration requests do not propagate upstream or peer to peer.
  ladon_tlp *t = Fab::cfg_tlp(false, true, LADON_TLP_ID(7, 0, 0), 0, 0, 0xf, 5);
  t->req_id = LADON_TLP_ID(3, 0, 0);
  ASSERT_EQ(f.send(*f.dn[0], t), LADON_OK);
  ASSERT_TRUE(f.run_until_rx(*f.dn[0], 1));
  EXPECT_EQ(last(*f.dn[0]).status, LADON_TLP_CPL_UR);
  EXPECT_EQ(last(*f.dn[0]).cpl_id, Fab::dsp(0));
  EXPECT_TRUE(f.dn[1]->rx.empty());
  EXPECT_EQ(f.counters(1).urs, 1u);
}

// ---- ID routing ---------------------------------------------------------

TEST(SwitchRouting, CompletionsFollowTheirRequesterId) {
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  // Downstream: bus 3 and 6 are d0's (3..6), 7 is d1's.
  ASSERT_EQ(f.send(f.root, swt::cpld(LADON_TLP_ID(3, 0, 0), swt::kRoot, 1, 64, 1)), LADON_OK);
  ASSERT_EQ(f.send(f.root, swt::cpld(LADON_TLP_ID(6, 31, 7), swt::kRoot, 2, 64, 2)), LADON_OK);
  ASSERT_EQ(f.send(f.root, swt::cpld(LADON_TLP_ID(7, 0, 0), swt::kRoot, 3, 64, 3)), LADON_OK);
  // Bus 11 is outside the switch (2..10): nobody's, dropped as unexpected.
  ASSERT_EQ(f.send(f.root, swt::cpld(LADON_TLP_ID(11, 0, 0), swt::kRoot, 4, 64, 4)), LADON_OK);
  f.run(LADON_US(5));
  ASSERT_EQ(f.dn[0]->rx.size(), 2u);
  EXPECT_EQ(f.dn[0]->rx[0].t.id, 1u);
  EXPECT_EQ(f.dn[0]->rx[1].t.id, 2u);
  ASSERT_EQ(f.dn[1]->rx.size(), 1u);
  EXPECT_EQ(f.dn[1]->rx[0].t.id, 3u);
  EXPECT_EQ(f.counters(0).cpl_dropped, 1u);
  // Upstream: completer below d1 answering the root (bus 0) goes up.
  ASSERT_EQ(f.send(*f.dn[1], swt::cpld(swt::kRoot, LADON_TLP_ID(7, 0, 0), 5, 32, 5)), LADON_OK);
  ASSERT_TRUE(f.run_until_rx(f.root, 1));
  EXPECT_EQ(last(f.root).id, 5u);
  // Upstream completion for a bus inside the switch that no port owns
  // (the internal bus 2): unexpected.
  ASSERT_EQ(f.send(*f.dn[1], swt::cpld(LADON_TLP_ID(2, 5, 0), LADON_TLP_ID(7, 0, 0), 6, 32)),
            LADON_OK);
  f.run(LADON_US(2));
  EXPECT_EQ(f.counters(2).cpl_dropped, 1u);
  EXPECT_EQ(f.root.rx.size(), 1u);
}

TEST(SwitchRouting, BusRangesFollowReprogramming) {
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  // Move bus 7 from d1 to d0 by widening d0 (3..8) and moving d1 (9..10).
  f.cfg_write(Fab::dsp(1), PCI_PRIMARY_BUS, 2u | 9u << 8 | 10u << 16);
  f.cfg_write(Fab::dsp(0), PCI_PRIMARY_BUS, 2u | 3u << 8 | 8u << 16);
  const ladon_imap_entry *e = ladon_imap_lookup(ladon__switch_bus_map(f.sw), 7);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->user, 1u);
  ASSERT_EQ(f.send(f.root, swt::cpld(LADON_TLP_ID(7, 0, 0), swt::kRoot, 1, 16, 1)), LADON_OK);
  ASSERT_EQ(f.send(f.root, swt::cpld(LADON_TLP_ID(9, 0, 0), swt::kRoot, 2, 16, 2)), LADON_OK);
  f.run(LADON_US(3));
  ASSERT_EQ(f.dn[0]->rx.size(), 1u);
  EXPECT_EQ(f.dn[0]->rx[0].t.id, 1u);
  ASSERT_EQ(f.dn[1]->rx.size(), 1u);
  EXPECT_EQ(f.dn[1]->rx[0].t.id, 2u);
}

// ---- address routing ----------------------------------------------------

namespace {

// Sends an MWr of 4 bytes at `addr` from `from` (requester `req`) and
// reports where it arrived: -1 root, j for endpoint j, -2 nowhere.
int where_mwr(Fab &f, swt::Ep &from, uint16_t req, uint64_t addr) {
  size_t r0 = f.root.rx.size();
  std::vector<size_t> d0;
  for (auto &e : f.dn) d0.push_back(e->rx.size());
  EXPECT_EQ(f.send(from, swt::mem(LADON_TLP_MWR, addr, 4, req)), LADON_OK);
  f.run(LADON_US(2));
  int where = -2, hits = 0;
  if (f.root.rx.size() > r0) {
    where = -1;
    hits++;
  }
  for (size_t j = 0; j < f.dn.size(); j++)
    if (f.dn[j]->rx.size() > d0[j]) {
      where = (int)j;
      hits++;
    }
  EXPECT_LE(hits, 1);
  return where;
}

}  // namespace

TEST(SwitchRouting, DownstreamWindowEdgesAreInclusive) {
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  uint16_t rq = swt::kRoot;
  // Memory window of d1: base and last DW inside, one DW either side
  // outside (the 16 MiB gaps of the layout): posted, so dropped.
  EXPECT_EQ(where_mwr(f, f.root, rq, swt::mem_base(1)), 1);
  EXPECT_EQ(where_mwr(f, f.root, rq, swt::mem_limit(1) - 3), 1);
  EXPECT_EQ(where_mwr(f, f.root, rq, swt::mem_base(1) - 4), -2);
  EXPECT_EQ(where_mwr(f, f.root, rq, swt::mem_limit(1) + 1), -2);
  EXPECT_EQ(f.counters(0).posted_dropped, 2u);
  // Prefetchable 64-bit windows are adjacent: the byte after d0's limit is
  // d1's base.
  EXPECT_EQ(where_mwr(f, f.root, rq, swt::pref_limit(0) - 3), 0);
  EXPECT_EQ(where_mwr(f, f.root, rq, swt::pref_base(1)), 1);
  // Outside the Upstream Port's windows nothing is claimed: UR/dropped.
  EXPECT_EQ(where_mwr(f, f.root, rq, swt::kMemLimit + 1), -2);
  EXPECT_EQ(where_mwr(f, f.root, rq, swt::kPrefBase - 4), -2);
  EXPECT_EQ(f.counters(0).posted_dropped, 4u);
}

TEST(SwitchRouting, OverlappingWindowsGoToTheLowerPortAndAreCounted) {
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  const ladon_stat *st = ladon_stats_find(ladon_sim_stats(f.sim), "sw0.window_conflicts");
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(ladon_counter_value(ladon_stat_as_counter(st)), 0u);
  // Give d1 a memory window that covers d0's and more (a firmware bug).
  uint64_t lo = swt::mem_base(0), hi = swt::mem_limit(1);
  f.cfg_write(Fab::dsp(1), PCI_MEMORY_BASE,
              (uint32_t)((lo >> 16) & 0xfff0u) | (uint32_t)((hi >> 16) & 0xfff0u) << 16);
  EXPECT_EQ(ladon_counter_value(ladon_stat_as_counter(st)), 1u);
  EXPECT_EQ(where_mwr(f, f.root, swt::kRoot, swt::mem_base(0)), 0);
  EXPECT_EQ(where_mwr(f, f.root, swt::kRoot, swt::mem_limit(0) + 1), 1);  // only d1 has it
  // Later writes elsewhere do not count the same overlap again.
  f.cfg_write(Fab::dsp(0), PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 0x3);
  EXPECT_EQ(ladon_counter_value(ladon_stat_as_counter(st)), 1u);
}

TEST(SwitchRouting, UpstreamInverseDecodeAndPeerWindows) {
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  swt::Ep &e0 = *f.dn[0];
  uint16_t rq = LADON_TLP_ID(3, 0, 0);
  // Outside the Upstream Port's memory window: up (inverse decode).
  EXPECT_EQ(where_mwr(f, e0, rq, swt::kMemBase - 4), -1);
  EXPECT_EQ(where_mwr(f, e0, rq, swt::kMemLimit + 1), -1);
  EXPECT_EQ(where_mwr(f, e0, rq, 0x1000), -1);
  // Inside it but in a gap between Downstream windows: nobody, dropped.
  EXPECT_EQ(where_mwr(f, e0, rq, swt::kMemBase + 0x1000000), -2);
  EXPECT_EQ(where_mwr(f, e0, rq, swt::kMemLimit - 3), -2);
  // A peer's window: peer to peer (no ACS redirect programmed).
  EXPECT_EQ(where_mwr(f, e0, rq, swt::mem_base(1)), 1);
  EXPECT_EQ(where_mwr(f, e0, rq, swt::pref_base(1) + 0x100), 1);
  // Its own window: not sent back down.
  EXPECT_EQ(where_mwr(f, e0, rq, swt::mem_base(0)), -2);
  EXPECT_EQ(f.counters(1).posted_dropped, 3u);
}

TEST(SwitchRouting, UnmatchedReadGetsUrFromTheIngressPort) {
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  // A 64-byte MRd into the gap after d0's window, from the root.
  uint64_t a = swt::mem_limit(0) + 1 + 0x40;
  ASSERT_EQ(f.send(f.root, swt::mem(LADON_TLP_MRD, a, 64, swt::kRoot, 0x2a, 11)), LADON_OK);
  ASSERT_TRUE(f.run_until_rx(f.root, 1));
  const ladon_tlp &c = last(f.root);
  // §2.3.1, §2.2.9: Cpl (no data), status UR, the Upstream Port's
  // function as completer, Requester ID / Tag copied, Byte Count the
  // 64 bytes requested, Lower Address the request's bits 6:0 (40h).
  EXPECT_EQ(c.type, LADON_TLP_CPL);
  EXPECT_EQ(c.status, LADON_TLP_CPL_UR);
  EXPECT_EQ(c.cpl_id, Fab::usp());
  EXPECT_EQ(c.req_id, swt::kRoot);
  EXPECT_EQ(c.tag, 0x2au);
  EXPECT_EQ(c.byte_count, 64u);
  EXPECT_EQ(c.lower_addr, 0x40u);
  EXPECT_EQ(ladon_tlp_check(&c, nullptr), LADON_OK);
  EXPECT_EQ(f.counters(0).urs, 1u);
  // The same from d1, into the gap: UR completed by d1's function.
  ASSERT_EQ(f.send(*f.dn[1], swt::mem(LADON_TLP_MRD, a + 6, 2, LADON_TLP_ID(7, 0, 0), 3)),
            LADON_OK);
  ASSERT_TRUE(f.run_until_rx(*f.dn[1], 1));
  const ladon_tlp &c1 = last(*f.dn[1]);
  EXPECT_EQ(c1.status, LADON_TLP_CPL_UR);
  EXPECT_EQ(c1.cpl_id, Fab::dsp(1));
  EXPECT_EQ(c1.byte_count, 2u);
  EXPECT_EQ(c1.lower_addr, 0x46u);  // first enabled byte
  EXPECT_EQ(f.counters(2).urs, 1u);
  EXPECT_EQ(f.root.rx.size(), 1u);
}

TEST(SwitchRouting, CommandEnablesGateForwarding) {
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  // Memory Space Enable off at d1: its windows no longer claim (§7.5.1.1.3).
  f.cfg_write(Fab::dsp(1), PCI_COMMAND, PCI_COMMAND_MASTER, 0x3);
  EXPECT_EQ(where_mwr(f, f.root, swt::kRoot, swt::mem_base(1)), -2);
  EXPECT_EQ(where_mwr(f, f.root, swt::kRoot, swt::mem_base(0)), 0);
  // Bus Master Enable off at d0: requests from below it are UR.
  f.cfg_write(Fab::dsp(0), PCI_COMMAND, PCI_COMMAND_MEMORY, 0x3);
  EXPECT_EQ(where_mwr(f, *f.dn[0], LADON_TLP_ID(3, 0, 0), 0x1000), -2);
  EXPECT_EQ(f.counters(1).posted_dropped, 1u);
  // ... while completions still go up (BME gates requests only).
  ASSERT_EQ(f.send(*f.dn[0], swt::cpld(swt::kRoot, LADON_TLP_ID(3, 0, 0), 1, 16)), LADON_OK);
  EXPECT_TRUE(f.run_until_rx(f.root, 1));
  // The Upstream Port's BME gates the way out for everyone.
  f.cfg_write(Fab::usp(), PCI_COMMAND, PCI_COMMAND_MEMORY, 0x3);
  EXPECT_EQ(where_mwr(f, *f.dn[1], LADON_TLP_ID(7, 0, 0), 0x1000), -2);
  EXPECT_EQ(f.counters(2).posted_dropped, 1u);
}

TEST(SwitchRouting, IoWindowsRouteIoRequests) {
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  ladon_tlp *t = ladon_tlp_alloc(0);
  t->type = LADON_TLP_IORD;
  t->req_id = swt::kRoot;
  t->addr = swt::io_base(1) + 0xffc;  // last DW of d1's 4 KiB I/O window
  t->length_dw = 1;
  t->first_be = 0xf;
  ASSERT_EQ(f.send(f.root, t), LADON_OK);
  ASSERT_TRUE(f.run_until_rx(*f.dn[1], 1));
  EXPECT_EQ(last(*f.dn[1]).type, LADON_TLP_IORD);
  EXPECT_TRUE(f.dn[0]->rx.empty());
}

TEST(SwitchRouting, RequestToALinkDownPortIsUnsupported) {
  ladon__switch_config c = swt::default_cfg(3);
  Fab f(&c, 2);  // d2 has no link
  ASSERT_TRUE(f.ok());
  f.program();
  ASSERT_EQ(f.send(f.root, swt::mem(LADON_TLP_MRD, swt::mem_base(2), 4, swt::kRoot, 1)),
            LADON_OK);
  ASSERT_TRUE(f.run_until_rx(f.root, 1));
  EXPECT_EQ(last(f.root).status, LADON_TLP_CPL_UR);  // §2.9.1
}

// ---- messages -------------------------------------------------------------

TEST(SwitchMessages, BroadcastReachesEveryLinkedDownstreamPort) {
  ladon__switch_config c = swt::default_cfg(3);
  Fab f(&c, 3);
  ASSERT_TRUE(f.ok());
  f.program();
  ASSERT_EQ(f.send(f.root, swt::msg(0x19, LADON_TLP_ROUTE_BCAST, swt::kRoot)), LADON_OK);
  f.run(LADON_US(2));
  for (auto &e : f.dn) {
    ASSERT_EQ(e->rx.size(), 1u);
    EXPECT_EQ(e->rx[0].t.msg_code, 0x19u);  // PME_Turn_Off
  }
  // Broadcast from below is malformed (Table 2-20: from the Root Complex).
  ASSERT_EQ(f.send(*f.dn[0], swt::msg(0x19, LADON_TLP_ROUTE_BCAST, LADON_TLP_ID(3, 0, 0))),
            LADON_OK);
  f.run(LADON_US(2));
  EXPECT_TRUE(f.root.rx.empty());
  EXPECT_EQ(f.counters(1).malformed, 1u);
}

TEST(SwitchMessages, PmeToAckIsGatheredFromEveryDownstreamPort) {
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  ASSERT_EQ(f.send(*f.dn[0], swt::msg(0x1b, LADON_TLP_ROUTE_GATHER, LADON_TLP_ID(3, 0, 0))),
            LADON_OK);
  f.run(LADON_US(2));
  EXPECT_TRUE(f.root.rx.empty());  // d1 has not answered yet
  ASSERT_EQ(f.send(*f.dn[1], swt::msg(0x1b, LADON_TLP_ROUTE_GATHER, LADON_TLP_ID(7, 0, 0))),
            LADON_OK);
  ASSERT_TRUE(f.run_until_rx(f.root, 1));
  EXPECT_EQ(last(f.root).msg_code, 0x1bu);
  EXPECT_EQ(last(f.root).req_id, Fab::usp());
}

TEST(SwitchMessages, IntxIsMappedByDeviceNumberAndCollapsed) {
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  uint16_t r0 = LADON_TLP_ID(3, 0, 0), r1 = LADON_TLP_ID(7, 0, 0);
  // §2.2.8.1 Table 2-21: INTA below device 1 is INTB above the switch.
  ASSERT_EQ(f.send(*f.dn[1], swt::msg(0x20, LADON_TLP_ROUTE_LOCAL, r1)), LADON_OK);
  ASSERT_TRUE(f.run_until_rx(f.root, 1));
  EXPECT_EQ(last(f.root).msg_code, 0x21u);  // Assert_INTB
  // INTB below device 0 is INTB too: the wire is already asserted, so
  // nothing more goes up.
  ASSERT_EQ(f.send(*f.dn[0], swt::msg(0x21, LADON_TLP_ROUTE_LOCAL, r0)), LADON_OK);
  f.run(LADON_US(2));
  EXPECT_EQ(f.root.rx.size(), 1u);
  // Releasing one of the two keeps INTB asserted; releasing both sends
  // Deassert_INTB.
  ASSERT_EQ(f.send(*f.dn[1], swt::msg(0x24, LADON_TLP_ROUTE_LOCAL, r1)), LADON_OK);
  f.run(LADON_US(2));
  EXPECT_EQ(f.root.rx.size(), 1u);
  ASSERT_EQ(f.send(*f.dn[0], swt::msg(0x25, LADON_TLP_ROUTE_LOCAL, r0)), LADON_OK);
  ASSERT_TRUE(f.run_until_rx(f.root, 2));
  EXPECT_EQ(last(f.root).msg_code, 0x25u);  // Deassert_INTB
}

TEST(SwitchMessages, LocalAndIdRoutedMessages) {
  Fab f;
  ASSERT_TRUE(f.ok());
  f.program();
  // Local: terminated at the receiving port (PM_Active_State_Nak).
  ASSERT_EQ(f.send(f.root, swt::msg(0x14, LADON_TLP_ROUTE_LOCAL, swt::kRoot)), LADON_OK);
  f.run(LADON_US(2));
  EXPECT_EQ(f.counters(0).msgs_terminated, 1u);
  for (auto &e : f.dn) EXPECT_TRUE(e->rx.empty());
  // By ID: Vendor_Defined_Type1 to 07:00.0 goes to d1 ...
  ASSERT_EQ(f.send(f.root, swt::msg(0x7f, LADON_TLP_ROUTE_ID, swt::kRoot,
                                    (uint64_t)LADON_TLP_ID(7, 0, 0) << 48)),
            LADON_OK);
  ASSERT_TRUE(f.run_until_rx(*f.dn[1], 1));
  EXPECT_EQ(last(*f.dn[1]).msg_code, 0x7fu);
  // ... and to d0's own function (02:00.0) it ends in the switch.
  ASSERT_EQ(f.send(f.root, swt::msg(0x7f, LADON_TLP_ROUTE_ID, swt::kRoot,
                                    (uint64_t)Fab::dsp(0) << 48)),
            LADON_OK);
  f.run(LADON_US(2));
  EXPECT_EQ(f.counters(0).msgs_terminated, 2u);
  EXPECT_TRUE(f.dn[0]->rx.empty());
  // Routed to the Root Complex from below: up.
  ASSERT_EQ(f.send(*f.dn[0], swt::msg(0x30, LADON_TLP_ROUTE_RC, LADON_TLP_ID(3, 0, 0))),
            LADON_OK);
  ASSERT_TRUE(f.run_until_rx(f.root, 1));
  EXPECT_EQ(last(f.root).msg_code, 0x30u);  // ERR_COR
}

// ---- the component type -----------------------------------------------------

TEST(SwitchType, RegisteredWithItsParameterTable) {
  const ladon_component_type *t = ladon_component_find("switch");
  ASSERT_NE(t, nullptr);
  const ladon_model_ops *ops = ladon__model_ops(t);
  ASSERT_NE(ops, nullptr);
  ladon_error err{};
  ladon_params *p = ladon_params_new(t->params, t->n_params, "switch", &err);
  ASSERT_NE(p, nullptr) << err.text;
  ASSERT_EQ(ladon_params_set(p, "downstream_ports", "2", &err), LADON_OK);
  ASSERT_EQ(ladon_params_set(p, "latency", "150ns", &err), LADON_OK);
  ASSERT_EQ(ladon_params_set(p, "arbitration", "wrr", &err), LADON_OK);
  ASSERT_EQ(ladon_params_set(p, "weights", "up:4,d1:2", &err), LADON_OK);
  ASSERT_EQ(ladon_params_resolve(p, &err), LADON_OK);
  ladon_sim *sim = ladon_sim_new(nullptr, nullptr);
  void *inst = nullptr;
  ASSERT_EQ(t->create(sim, "sw7", p, &inst, &err), LADON_OK) << err.text;
  EXPECT_NE(ops->port(inst, "up"), nullptr);
  EXPECT_NE(ops->port(inst, "d1"), nullptr);
  EXPECT_EQ(ops->port(inst, "d2"), nullptr);  // only 2 Downstream Ports
  EXPECT_STREQ(ladon_port_name(ops->port(inst, "d1")), "sw7.d1");
  EXPECT_NE(ladon_stats_find(ladon_sim_stats(sim), "sw7.d1.tlps_forwarded"), nullptr);
  EXPECT_EQ(ops->start(inst, &err), LADON_OK);
  t->destroy(inst);
  ladon_params_free(p);
  ladon_sim_free(sim);
}

TEST(SwitchType, RejectsImpossibleParametersNamingInstanceAndParameter) {
  const ladon_component_type *t = ladon_component_find("switch");
  ASSERT_NE(t, nullptr);
  struct Case {
    const char *param, *value;
  } cases[] = {{"weights", "d5:2"}, {"weights", "up:0"}, {"weights", "x1:2"},
               {"weights", "up=3"}, {"max_payload", "384B"}};
  for (const Case &c : cases) {
    ladon_error err{};
    ladon_params *p = ladon_params_new(t->params, t->n_params, "switch", &err);
    ASSERT_EQ(ladon_params_set(p, "downstream_ports", "2", &err), LADON_OK);
    ASSERT_EQ(ladon_params_set(p, "arbitration", "wrr", &err), LADON_OK);
    ladon_status st = ladon_params_set(p, c.param, c.value, &err);
    if (st == LADON_OK) {
      ASSERT_EQ(ladon_params_resolve(p, &err), LADON_OK);
      ladon_sim *sim = ladon_sim_new(nullptr, nullptr);
      void *inst = nullptr;
      EXPECT_NE(t->create(sim, "swX", p, &inst, &err), LADON_OK) << c.param << "=" << c.value;
      EXPECT_EQ(inst, nullptr);
      std::string text = err.text;
      EXPECT_NE(text.find("swX"), std::string::npos) << text;
      EXPECT_NE(text.find(c.param), std::string::npos) << text;
      ladon_sim_free(sim);
    }
    ladon_params_free(p);
  }
  // Through the C API: 0 and 33 Downstream Ports.
  ladon__switch_config c = swt::default_cfg(0);
  ladon_sim *sim = ladon_sim_new(nullptr, nullptr);
  ladon_error err{};
  EXPECT_EQ(ladon__switch_new(sim, "swY", &c, &err), nullptr);
  EXPECT_NE(std::string(err.text).find("downstream_ports"), std::string::npos);
  c.downstream_ports = 33;
  EXPECT_EQ(ladon__switch_new(sim, "swY", &c, &err), nullptr);
  ladon_sim_free(sim);
}

TEST(SwitchType, StartReportsTheTrainedLinkInLinkStatus) {
  ladon_link_config lc = swt::link_cfg(2, 4);
  Fab f(nullptr, 2, &lc);
  ASSERT_TRUE(f.ok());
  f.program();
  const ladon_model_ops *ops = ladon__model_ops(ladon_component_find("switch"));
  ladon_error err{};
  ASSERT_EQ(ops->start(f.sw, &err), LADON_OK) << err.text;
  // LnkSta (§7.5.3.8): Current Link Speed 2 (5 GT/s), width 4, and on the
  // Downstream Port Data Link Layer Link Active (reporting is implemented
  // there only).
  uint32_t cap = f.cfg_read(Fab::dsp(1), PCI_CAPABILITY_LIST) & 0xffu;
  uint32_t sta = f.cfg_read(Fab::dsp(1), (uint16_t)(cap + PCI_EXP_LNKCTL)) >> 16;
  EXPECT_EQ(sta & PCI_EXP_LNKSTA_CLS, 2u);
  EXPECT_EQ((sta & PCI_EXP_LNKSTA_NLW) >> PCI_EXP_LNKSTA_NLW_SHIFT, 4u);
  EXPECT_TRUE(sta & PCI_EXP_LNKSTA_DLLLA);
  uint32_t ucap = f.cfg_read(Fab::usp(), PCI_CAPABILITY_LIST) & 0xffu;
  uint32_t usta = f.cfg_read(Fab::usp(), (uint16_t)(ucap + PCI_EXP_LNKCTL)) >> 16;
  EXPECT_EQ((usta & PCI_EXP_LNKSTA_NLW) >> PCI_EXP_LNKSTA_NLW_SHIFT, 4u);
}

TEST(SwitchType, StartRejectsALinkFasterThanThePortSupports) {
  ladon_link_config lc = swt::link_cfg(4, 8);  // Gen4, default max_gen is 3
  Fab f(nullptr, 1, &lc);
  ASSERT_TRUE(f.ok());
  const ladon_model_ops *ops = ladon__model_ops(ladon_component_find("switch"));
  ladon_error err{};
  EXPECT_EQ(ops->start(f.sw, &err), LADON_EINVAL);
  EXPECT_NE(std::string(err.text).find("max_gen"), std::string::npos) << err.text;
}
