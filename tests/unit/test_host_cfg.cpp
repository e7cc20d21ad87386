// Configuration access through the host: bus 0 registers answered by the
// root complex, Type 1 requests through a root port converted to Type 0 on
// its secondary bus (PCIe Base 5.0 §7.3.3), Unsupported Requests, and the
// root port's routing following what was programmed.
#include "test_host_harness.h"

using ht::Fixture;

namespace {

uint16_t rp_bdf(unsigned i) { return LADON_TLP_ID(0, i + 1, 0); }

}  // namespace

TEST(HostCfg, Bus0HostBridgeAndRootPortsAnswerFromTheirRegisters) {
  Fixture f({{"root_ports", "2"}}, 0);
  ASSERT_EQ(f.create_status, LADON_OK) << f.err.text;
  auto hb = f.cfg_read(0x0000, PCI_VENDOR_ID, 4);
  EXPECT_EQ(hb.status, LADON_TLP_CPL_SC);
  EXPECT_EQ(hb.value, 0x6f008086u);
  auto hbclass = f.cfg_read(0x0000, PCI_CLASS_REVISION, 4);
  EXPECT_EQ(hbclass.value >> 8, 0x060000u);  // host bridge
  for (unsigned i = 0; i < 2; i++) {
    auto id = f.cfg_read(rp_bdf(i), PCI_VENDOR_ID, 2);
    EXPECT_EQ(id.value, 0x8086u);
    auto ht = f.cfg_read(rp_bdf(i), PCI_HEADER_TYPE, 1);
    EXPECT_EQ(ht.value & PCI_HEADER_TYPE_MASK, (unsigned)PCI_HEADER_TYPE_BRIDGE);
    auto cls = f.cfg_read(rp_bdf(i), PCI_CLASS_DEVICE, 2);
    EXPECT_EQ(cls.value, 0x0604u);  // PCI-to-PCI bridge
    // The capability list leads to a PCI Express Capability of type Root
    // Port (§7.5.3.2, Device/Port Type 0100b).
    auto cap = f.cfg_read(rp_bdf(i), PCI_CAPABILITY_LIST, 1);
    unsigned off = cap.value, found = 0;
    for (int n = 0; off && n < 48; n++) {
      auto hdr = f.cfg_read(rp_bdf(i), (uint16_t)off, 2);
      if ((hdr.value & 0xff) == PCI_CAP_ID_EXP) {
        found = off;
        break;
      }
      off = hdr.value >> 8;
    }
    ASSERT_NE(found, 0u);
    auto flags = f.cfg_read(rp_bdf(i), (uint16_t)(found + PCI_EXP_FLAGS), 2);
    EXPECT_EQ((flags.value & PCI_EXP_FLAGS_TYPE) >> 4,
              (unsigned)PCI_EXP_TYPE_ROOT_PORT);
  }
}

TEST(HostCfg, AbsentBus0FunctionsAreUnsupportedAndReadAllOnes) {
  Fixture f({{"root_ports", "2"}}, 0);
  // Device 3 does not exist with two root ports; nor does function 1.
  auto a = f.cfg_read(LADON_TLP_ID(0, 3, 0), PCI_VENDOR_ID, 4);
  EXPECT_EQ(a.status, LADON_TLP_CPL_UR);
  EXPECT_EQ(a.value, 0xffffffffu);
  auto b = f.cfg_read(LADON_TLP_ID(0, 1, 1), PCI_VENDOR_ID, 2);
  EXPECT_EQ(b.status, LADON_TLP_CPL_UR);
  EXPECT_EQ(b.value, 0xffffu);
}

TEST(HostCfg, BusNumberRegistersAreWritableAndReadBack) {
  Fixture f({{"root_ports", "1"}}, 0);
  EXPECT_EQ(f.cfg_write(rp_bdf(0), PCI_SECONDARY_BUS, 1, 5).status,
            LADON_TLP_CPL_SC);
  EXPECT_EQ(f.cfg_write(rp_bdf(0), PCI_SUBORDINATE_BUS, 1, 9).status,
            LADON_TLP_CPL_SC);
  auto v = f.cfg_read(rp_bdf(0), PCI_PRIMARY_BUS, 4);
  EXPECT_EQ((v.value >> 8) & 0xff, 5u);
  EXPECT_EQ((v.value >> 16) & 0xff, 9u);
  // A read-only field ignores writes: the Vendor ID stays.
  f.cfg_write(rp_bdf(0), PCI_VENDOR_ID, 2, 0x1234);
  EXPECT_EQ(f.cfg_read(rp_bdf(0), PCI_VENDOR_ID, 2).value, 0x8086u);
}

TEST(HostCfg, BadArgumentsAreRejectedWithoutIssuing) {
  Fixture f({}, 0);
  auto cb = Fixture::cfg_cb;
  Fixture::CfgResult r;
  EXPECT_EQ(ladon__host_cfg_read(f.h, 0, 3, 2, cb, &r), LADON_EINVAL);
  EXPECT_EQ(ladon__host_cfg_read(f.h, 0, 0, 3, cb, &r), LADON_EINVAL);
  EXPECT_EQ(ladon__host_cfg_read(f.h, 0, 0x1000, 4, cb, &r), LADON_EINVAL);
  EXPECT_EQ(ladon__host_cfg_read(f.h, 0, 0, 4, nullptr, &r), LADON_EINVAL);
  EXPECT_EQ(f.stat("cfg_requests"), 0u);
}

// Bus 1 is rp0's secondary bus: a request to 01:00.0 leaves as CfgRd0 with
// the same target, register and byte enables (§7.3.3: only the Type field
// changes).  The endpoint's CplD comes back to the caller.
TEST(HostCfg, Type1ToTheSecondaryBusLeavesAsType0) {
  Fixture f({{"root_ports", "1"}}, 1);
  f.up();
  f.program_rp(0, 1, 3, 0, 0, 0);
  f.eps[0]->cfg[0x08] = 0x02000001;  // class code register
  auto r = f.cfg_read(LADON_TLP_ID(1, 0, 0), 0x0a, 2);
  EXPECT_EQ(r.status, LADON_TLP_CPL_SC);
  EXPECT_EQ(r.value, 0x0200u);
  const ht::Rx *rx = f.eps[0]->last(LADON_TLP_CFGRD0);
  ASSERT_NE(rx, nullptr);
  EXPECT_EQ(rx->tlp.target_id, LADON_TLP_ID(1, 0, 0));
  EXPECT_EQ(rx->tlp.addr, 0x08u);
  EXPECT_EQ(rx->tlp.first_be, 0xcu);  // bytes 2 and 3 of the DW
  EXPECT_EQ(rx->tlp.req_id, 0x0000u);  // the host bridge
  EXPECT_EQ(f.eps[0]->count(LADON_TLP_CFGRD1), 0u);
}

TEST(HostCfg, ConfigWritesCarryTheShiftedDataAndByteEnables) {
  Fixture f({{"root_ports", "1"}}, 1);
  f.up();
  f.program_rp(0, 1, 1, 0, 0, 0);
  auto r = f.cfg_write(LADON_TLP_ID(1, 0, 0), PCI_COMMAND + 1, 1, 0x04);
  EXPECT_EQ(r.status, LADON_TLP_CPL_SC);
  const ht::Rx *rx = f.eps[0]->last(LADON_TLP_CFGWR0);
  ASSERT_NE(rx, nullptr);
  EXPECT_EQ(rx->tlp.addr, 0x04u);
  EXPECT_EQ(rx->tlp.first_be, 0x2u);
  ASSERT_EQ(rx->data.size(), 4u);
  EXPECT_EQ(rx->data[1], 0x04u);
  EXPECT_EQ(f.eps[0]->cfg[0x04], 0x0400u);
}

// Buses 2..3 lie behind rp0 below its secondary bus: Type 1 travels on
// unchanged (the endpoint, a Type 0 function, answers UR as it must).
TEST(HostCfg, Type1BeyondTheSecondaryBusStaysType1) {
  Fixture f({{"root_ports", "1"}}, 1);
  f.up();
  f.program_rp(0, 1, 3, 0, 0, 0);
  auto r = f.cfg_read(LADON_TLP_ID(3, 0, 0), 0, 4);
  EXPECT_EQ(r.status, LADON_TLP_CPL_UR);
  EXPECT_EQ(r.value, 0xffffffffu);
  const ht::Rx *rx = f.eps[0]->last(LADON_TLP_CFGRD1);
  ASSERT_NE(rx, nullptr);
  EXPECT_EQ(rx->tlp.target_id, LADON_TLP_ID(3, 0, 0));
  EXPECT_EQ(f.eps[0]->count(LADON_TLP_CFGRD0), 0u);
}

// §7.3.1: without ARI Forwarding only Device 0 lives on the link; a request
// to 01:01.0 ends with UR at the root port.  With ARI Forwarding Enable
// (Device Control 2 bit 5) it is forwarded.
TEST(HostCfg, NonZeroDeviceOnTheSecondaryBusIsUnsupportedWithoutAri) {
  Fixture f({{"root_ports", "1"}}, 1);
  f.up();
  f.program_rp(0, 1, 1, 0, 0, 0);
  auto r = f.cfg_read(LADON_TLP_ID(1, 1, 0), 0, 4);
  EXPECT_EQ(r.status, LADON_TLP_CPL_UR);
  EXPECT_EQ(f.eps[0]->rx.size(), 0u);
  // Find the PCIe capability and set ARI Forwarding Enable.
  unsigned off = f.cfg_read(rp_bdf(0), PCI_CAPABILITY_LIST, 1).value;
  while (off && (f.cfg_read(rp_bdf(0), (uint16_t)off, 1).value & 0xff) !=
                    PCI_CAP_ID_EXP)
    off = f.cfg_read(rp_bdf(0), (uint16_t)(off + 1), 1).value;
  ASSERT_NE(off, 0u);
  f.cfg_write(rp_bdf(0), (uint16_t)(off + PCI_EXP_DEVCTL2), 2,
              PCI_EXP_DEVCTL2_ARI);
  auto r2 = f.cfg_read(LADON_TLP_ID(1, 1, 0), 0, 4);
  EXPECT_EQ(r2.status, LADON_TLP_CPL_SC);
  EXPECT_EQ(f.eps[0]->count(LADON_TLP_CFGRD0), 1u);
}

TEST(HostCfg, BusesNoRootPortClaimsAreUnsupported) {
  Fixture f({{"root_ports", "2"}}, 2);
  f.up();
  f.program_rp(0, 1, 3, 0, 0, 0);
  f.program_rp(1, 4, 4, 0, 0, 0);
  EXPECT_EQ(f.cfg_read(LADON_TLP_ID(5, 0, 0), 0, 4).status, LADON_TLP_CPL_UR);
  EXPECT_EQ(f.eps[0]->rx.size() + f.eps[1]->rx.size(), 0u);
  // Bus 4 is rp1's secondary bus: it goes to ep1 only.
  f.eps[1]->cfg[0] = 0xabcd1af4;
  auto r = f.cfg_read(LADON_TLP_ID(4, 0, 0), 0, 4);
  EXPECT_EQ(r.value, 0xabcd1af4u);
  EXPECT_EQ(f.eps[0]->rx.size(), 0u);
  EXPECT_EQ(f.eps[1]->count(LADON_TLP_CFGRD0), 1u);
}

TEST(HostCfg, ConfigRequestRetryStatusReachesTheCaller) {
  Fixture f({{"root_ports", "1"}}, 1);
  f.up();
  f.program_rp(0, 1, 1, 0, 0, 0);
  f.eps[0]->cfg_status = LADON_TLP_CPL_CRS;
  auto r = f.cfg_read(LADON_TLP_ID(1, 0, 0), 0, 4);
  EXPECT_EQ(r.status, LADON_TLP_CPL_CRS);
  EXPECT_EQ(r.value, 0xffffffffu);
}

TEST(HostCfg, RequestsNobodyAnswersEndWithTheCompletionTimeout) {
  Fixture f({{"root_ports", "1"}, {"completion_timeout", "10us"}}, 1);
  f.up();
  f.program_rp(0, 1, 1, 0, 0, 0);
  f.eps[0]->answer = false;
  ladon_time_ps t0 = f.now();
  auto r = f.cfg_read(LADON_TLP_ID(1, 0, 0), 0, 2);
  EXPECT_EQ(r.status, LADON__HOST_CPL_TIMEOUT);
  EXPECT_EQ(r.value, 0xffffu);
  EXPECT_GE(r.t - t0, LADON_US(10));
  EXPECT_LT(r.t - t0, LADON_US(10) + LADON_NS(10));
  EXPECT_EQ(f.stat("completion_timeouts"), 1u);
}

// Many requests in flight at once: more than the 256 tags.  The ones that
// find no tag wait, and every request completes with its own value.
TEST(HostCfg, MoreRequestsThanTagsAllComplete) {
  Fixture f({{"root_ports", "1"}}, 1);
  f.up();
  f.program_rp(0, 1, 1, 0, 0, 0);
  for (unsigned r = 0; r < 300; r++) f.eps[0]->cfg[(uint16_t)(4 * (r % 1024))] = r * 3;
  std::vector<Fixture::CfgResult> res(300);
  for (unsigned r = 0; r < 300; r++) {
    res[r].sim = f.sim;
    ASSERT_EQ(ladon__host_cfg_read(f.h, LADON_TLP_ID(1, 0, 0),
                                   (uint16_t)(4 * r), 4, Fixture::cfg_cb,
                                   &res[r]),
              LADON_OK);
  }
  f.run_for(LADON_US(200));
  for (unsigned r = 0; r < 300; r++) {
    ASSERT_TRUE(res[r].done) << r;
    EXPECT_EQ(res[r].value, r * 3) << r;
  }
}
