// Capability lists and the PCI Express, PM, MSI-X, ACS and ARI capability
// builders (PCIe Base 5.0 §7.5.2, §7.5.3, §7.6.3, §7.7.2, §7.7.8, §7.8.7).
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

extern "C" {
#include "pcie/cfgspace_int.h"
}

namespace {

struct CfgFree {
  void operator()(ladon__cfg *c) const { ladon__cfg_free(c); }
};
using Cfg = std::unique_ptr<ladon__cfg, CfgFree>;

ladon__cfg_ids Ids() {
  ladon__cfg_ids ids{};
  ids.vendor_id = 0x10b5;
  ids.device_id = 0x8796;
  ids.class_code = 0x060400;
  return ids;
}
Cfg Type0() {
  ladon__cfg_ids ids = Ids();
  return Cfg(ladon__cfg_new_type0(&ids, nullptr));
}
Cfg Type1() {
  ladon__cfg_ids ids = Ids();
  ladon__cfg_bridge_opts o{};
  o.pref_window = 64;
  return Cfg(ladon__cfg_new_type1(&ids, &o, nullptr));
}
Cfg Vf() {
  ladon__cfg_ids ids = Ids();
  return Cfg(ladon__cfg_new_vf(&ids, nullptr));
}
uint32_t R(const Cfg &c, unsigned off, unsigned len) {
  uint32_t v = 0xdeadbeef;
  EXPECT_EQ(ladon__cfg_read(c.get(), uint16_t(off), len, &v), LADON_OK) << off;
  return v;
}
void W(const Cfg &c, unsigned off, unsigned len, uint32_t v) {
  ASSERT_EQ(ladon__cfg_write(c.get(), uint16_t(off), len, v), LADON_OK) << off;
}
ladon__cfg_exp_opts Endpoint() {
  ladon__cfg_exp_opts o{};
  o.port_type = PCI_EXP_TYPE_ENDPOINT;
  o.mps_supported = 2;  // 512 B
  o.ext_tag = true;
  o.flr = true;
  o.max_link_speed = 3;  // 8 GT/s
  o.max_link_width = 8;
  o.cpl_timeout_ranges = 0x3;  // ranges A and B
  o.cpl_timeout_disable = true;
  o.tag10_completer = true;
  o.tag10_requester = true;
  return o;
}
ladon__cfg_exp_opts Downstream() {
  ladon__cfg_exp_opts o{};
  o.port_type = PCI_EXP_TYPE_DOWNSTREAM;
  o.slot = true;
  o.slot_number = 7;
  o.mps_supported = 1;
  o.max_link_speed = 4;
  o.max_link_width = 16;
  o.port_number = 3;
  o.dlll_active_reporting = true;
  o.ari_forwarding = true;
  return o;
}

// Walks the conventional list the way software does, recording each ID.
std::vector<std::pair<unsigned, unsigned>> WalkCaps(const Cfg &c) {
  std::vector<std::pair<unsigned, unsigned>> out;
  if (!(R(c, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST)) return out;
  unsigned pos = R(c, PCI_CAPABILITY_LIST, 1);
  while (pos && out.size() < 64) {
    out.push_back({pos, R(c, pos + PCI_CAP_LIST_ID, 1)});
    pos = R(c, pos + PCI_CAP_LIST_NEXT, 1);
  }
  return out;
}
std::vector<std::pair<unsigned, unsigned>> WalkExt(const Cfg &c) {
  std::vector<std::pair<unsigned, unsigned>> out;
  unsigned pos = 0x100;
  while (pos && out.size() < 512) {
    uint32_t h = R(c, pos, 4);
    if (!h) break;
    out.push_back({pos, PCI_EXT_CAP_ID(h)});
    pos = PCI_EXT_CAP_NEXT(h);
  }
  return out;
}

TEST(CfgCap, ListWalkFindsEachCapabilityOnceAndEnds) {
  Cfg c = Type0();
  EXPECT_EQ(R(c, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0u);  // no list yet
  EXPECT_EQ(R(c, PCI_CAPABILITY_LIST, 1), 0u);
  ladon__cfg_bar_def bar{LADON__BAR_MEM64, false, 16384};
  ASSERT_EQ(ladon__cfg_add_bar(c.get(), 0, &bar, nullptr), LADON_OK);
  uint16_t pm = 0, exp = 0, msix = 0;
  ladon__cfg_pm_opts po{};
  ASSERT_EQ(ladon__cfg_add_pm(c.get(), &po, &pm, nullptr), LADON_OK);
  auto eo = Endpoint();
  ASSERT_EQ(ladon__cfg_add_exp(c.get(), &eo, &exp, nullptr), LADON_OK);
  ladon__cfg_msix_opts mo{};
  mo.table_size = 64;
  mo.pba_offset = 0x2000;
  ASSERT_EQ(ladon__cfg_add_msix(c.get(), &mo, &msix, nullptr), LADON_OK);
  EXPECT_TRUE(R(c, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
  // First fit after the 64-byte header, DW aligned, no overlap:
  // PM at 40h (8 B), PCIe at 48h (3Ch B), MSI-X at 84h.
  EXPECT_EQ(pm, 0x40u);
  EXPECT_EQ(exp, 0x48u);
  EXPECT_EQ(msix, 0x48u + PCI_CAP_EXP_SIZEOF);
  auto walk = WalkCaps(c);
  ASSERT_EQ(walk.size(), 3u);
  std::vector<std::pair<unsigned, unsigned>> want = {
      {pm, PCI_CAP_ID_PM}, {exp, PCI_CAP_ID_EXP}, {msix, PCI_CAP_ID_MSIX}};
  EXPECT_EQ(walk, want);
  EXPECT_EQ(ladon__cfg_find_cap(c.get(), PCI_CAP_ID_MSIX), msix);
  EXPECT_EQ(ladon__cfg_find_cap(c.get(), PCI_CAP_ID_MSI), 0u);
  // The list links are read-only.
  W(c, PCI_CAPABILITY_LIST, 1, 0x80);
  W(c, exp, 2, 0xffff);
  EXPECT_EQ(WalkCaps(c), want);
}

TEST(CfgCap, AllocationRejectsOverlapMisalignmentAndFullSpace) {
  Cfg c = Type0();
  ladon_error err{};
  uint16_t off = 0;
  ASSERT_EQ(ladon__cfg_add_cap(c.get(), PCI_CAP_ID_VNDR, 16, 0x80, &off, &err), LADON_OK);
  EXPECT_EQ(ladon__cfg_add_cap(c.get(), PCI_CAP_ID_VNDR, 8, 0x8c, &off, &err), LADON_EEXIST);
  EXPECT_EQ(ladon__cfg_add_cap(c.get(), PCI_CAP_ID_VNDR, 8, 0x42, &off, &err), LADON_EINVAL);
  EXPECT_EQ(ladon__cfg_add_cap(c.get(), PCI_CAP_ID_VNDR, 8, 0x3c, &off, &err), LADON_EINVAL);
  EXPECT_EQ(ladon__cfg_add_cap(c.get(), PCI_CAP_ID_VNDR, 8, 0xfc, &off, &err), LADON_EINVAL);
  // 40h..FFh holds 48 DWs; 16 B at 80h took 4; 44 one-DW caps fit, then no more.
  unsigned n = 0;
  while (ladon__cfg_add_cap(c.get(), PCI_CAP_ID_VNDR, 4, 0, &off, &err) == LADON_OK) n++;
  EXPECT_EQ(n, 44u);
  EXPECT_EQ(err.code, LADON_EFULL);
  EXPECT_EQ(WalkCaps(c).size(), 45u);
}

TEST(CfgCap, FindCapSurvivesALoopedList) {
  Cfg c = Type0();
  uint16_t a = 0, b = 0;
  ASSERT_EQ(ladon__cfg_add_cap(c.get(), PCI_CAP_ID_VNDR, 4, 0, &a, nullptr), LADON_OK);
  ASSERT_EQ(ladon__cfg_add_cap(c.get(), PCI_CAP_ID_VNDR, 4, 0, &b, nullptr), LADON_OK);
  ladon__cfg_poke(c.get(), uint16_t(b + 1), 1, 0xff, a);  // b -> a: a loop
  EXPECT_EQ(ladon__cfg_find_cap(c.get(), PCI_CAP_ID_EXP), 0u);  // terminates
}

TEST(CfgCap, ExtendedListStartsAt100hAndEnds) {
  Cfg c = Type1();
  ladon_error err{};
  auto d = Downstream();
  ASSERT_EQ(ladon__cfg_add_exp(c.get(), &d, nullptr, &err), LADON_OK);
  uint16_t off = 0;
  // The first extended capability must sit at 100h (§7.6.3).
  EXPECT_EQ(ladon__cfg_add_ext_cap(c.get(), 0x0b, 1, 8, 0x140, &off, &err), LADON_ESPEC);
  EXPECT_EQ(R(c, 0x100, 4), 0u);  // still no list
  ladon__cfg_acs_opts ao{};
  ao.cap = PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF;
  uint16_t acs = 0, ari = 0, vs = 0;
  ASSERT_EQ(ladon__cfg_add_acs(c.get(), &ao, &acs, &err), LADON_OK) << err.text;
  ASSERT_EQ(ladon__cfg_add_ext_cap(c.get(), 0x0b, 1, 12, 0x400, &vs, &err), LADON_OK);
  ladon__cfg_ari_opts ri{};
  ASSERT_EQ(ladon__cfg_add_ari(c.get(), &ri, &ari, &err), LADON_OK);
  EXPECT_EQ(acs, 0x100u);
  EXPECT_EQ(ari, 0x108u);  // first fit after ACS's 8 bytes
  auto walk = WalkExt(c);
  std::vector<std::pair<unsigned, unsigned>> want = {
      {acs, PCI_EXT_CAP_ID_ACS}, {vs, 0x0bu}, {ari, PCI_EXT_CAP_ID_ARI}};
  EXPECT_EQ(walk, want);
  EXPECT_EQ(PCI_EXT_CAP_VER(R(c, acs, 4)), 1u);
  EXPECT_EQ(ladon__cfg_find_ext_cap(c.get(), PCI_EXT_CAP_ID_ARI), ari);
  EXPECT_EQ(ladon__cfg_find_ext_cap(c.get(), PCI_EXT_CAP_ID_SRIOV), 0u);
  W(c, acs, 4, 0);  // headers are read-only
  EXPECT_EQ(WalkExt(c), want);
  EXPECT_EQ(ladon__cfg_add_ext_cap(c.get(), 0x0b, 1, 8, 0x104, &off, &err), LADON_EEXIST);
}

TEST(CfgCap, ExpressCapabilityRegistersForAnEndpoint) {
  Cfg c = Type0();
  auto o = Endpoint();
  uint16_t b = 0;
  ASSERT_EQ(ladon__cfg_add_exp(c.get(), &o, &b, nullptr), LADON_OK);
  // Capabilities: version 2, Device/Port Type 0.
  EXPECT_EQ(R(c, b + PCI_EXP_FLAGS, 2), 0x0002u);
  uint32_t devcap = R(c, b + PCI_EXP_DEVCAP, 4);
  EXPECT_EQ(devcap & PCI_EXP_DEVCAP_PAYLOAD, 2u);
  EXPECT_TRUE(devcap & PCI_EXP_DEVCAP_EXT_TAG);
  EXPECT_TRUE(devcap & PCI_EXP_DEVCAP_FLR);
  EXPECT_TRUE(devcap & PCI_EXP_DEVCAP_RBER);
  // DevCtl defaults (§7.5.3.4): RO and No Snoop enabled, MRRS 512 B.
  ladon__cfg_exp_state s{};
  ASSERT_EQ(ladon__cfg_exp_get(c.get(), &s), LADON_OK);
  EXPECT_EQ(s.mps_bytes, 128u);
  EXPECT_EQ(s.mrrs_bytes, 512u);
  EXPECT_TRUE(s.relaxed_ordering);
  EXPECT_TRUE(s.no_snoop);
  // MPS and MRRS are RW: 256 B / 4096 B.
  W(c, b + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_PAYLOAD_256B | PCI_EXP_DEVCTL_READRQ_4096B);
  ASSERT_EQ(ladon__cfg_exp_get(c.get(), &s), LADON_OK);
  EXPECT_EQ(s.mps_bytes, 256u);
  EXPECT_EQ(s.mrrs_bytes, 4096u);
  EXPECT_FALSE(s.relaxed_ordering);
  // MPS 1024 B is above the 512 B supported, MRRS 110b is reserved: both
  // fields keep their value while the rest of the write lands.
  W(c, b + PCI_EXP_DEVCTL, 2,
    PCI_EXP_DEVCTL_PAYLOAD_1024B | 0x6000 | PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_EXT_TAG);
  ASSERT_EQ(ladon__cfg_exp_get(c.get(), &s), LADON_OK);
  EXPECT_EQ(s.mps_bytes, 256u);
  EXPECT_EQ(s.mrrs_bytes, 4096u);
  EXPECT_TRUE(s.relaxed_ordering);
  EXPECT_TRUE(s.ext_tag);
  // Phantom Functions and Aux Power PM are not implemented: RO 0.
  W(c, b + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_PHANTOM | PCI_EXP_DEVCTL_AUX_PME);
  EXPECT_EQ(R(c, b + PCI_EXP_DEVCTL, 2) & (PCI_EXP_DEVCTL_PHANTOM | PCI_EXP_DEVCTL_AUX_PME), 0u);
  // Device Status error bits are RW1C.
  ladon__cfg_poke(c.get(), uint16_t(b + PCI_EXP_DEVSTA), 2, 0xffff,
                  PCI_EXP_DEVSTA_URD | PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_TRPND);
  W(c, b + PCI_EXP_DEVSTA, 2, PCI_EXP_DEVSTA_URD | PCI_EXP_DEVSTA_TRPND);
  EXPECT_EQ(R(c, b + PCI_EXP_DEVSTA, 2), unsigned(PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_TRPND));
  // Link: 8 GT/s x8 advertised; LnkSta starts there; LnkCap2 vector has
  // bits 1..3 for 2.5, 5 and 8 GT/s.
  uint32_t lnkcap = R(c, b + PCI_EXP_LNKCAP, 4);
  EXPECT_EQ(lnkcap & PCI_EXP_LNKCAP_SLS, PCI_EXP_LNKCAP_SLS_8_0GB);
  EXPECT_EQ((lnkcap & PCI_EXP_LNKCAP_MLW) >> 4, 8u);
  EXPECT_EQ(R(c, b + PCI_EXP_LNKCAP2, 4),
            PCI_EXP_LNKCAP2_SLS_2_5GB | PCI_EXP_LNKCAP2_SLS_5_0GB | PCI_EXP_LNKCAP2_SLS_8_0GB);
  ASSERT_EQ(ladon__cfg_exp_get(c.get(), &s), LADON_OK);
  EXPECT_EQ(s.link_speed, 3);
  EXPECT_EQ(s.link_width, 8);
  // The model trains the link down to 5 GT/s x4; software cannot write it.
  ASSERT_EQ(ladon__cfg_exp_set_link(c.get(), 2, 4, true), LADON_OK);
  W(c, b + PCI_EXP_LNKSTA, 2, 0xffff);
  EXPECT_EQ(R(c, b + PCI_EXP_LNKSTA, 2), 0x0042u);  // width 4 << 4 | speed 2; no DLLLARC
  EXPECT_EQ(ladon__cfg_exp_set_link(c.get(), 4, 4, true), LADON_ERANGE);
  EXPECT_EQ(ladon__cfg_exp_set_link(c.get(), 3, 16, true), LADON_ERANGE);
  // Endpoints: RCB RW, Link Disable RsvdP.
  W(c, b + PCI_EXP_LNKCTL, 2, 0xffff);
  EXPECT_EQ(R(c, b + PCI_EXP_LNKCTL, 2),
            unsigned(PCI_EXP_LNKCTL_ASPMC | PCI_EXP_LNKCTL_RCB | PCI_EXP_LNKCTL_CCC |
                     PCI_EXP_LNKCTL_ES));
  // Target Link Speed: RW up to the maximum; 4 (16 GT/s) is unsupported.
  EXPECT_EQ(R(c, b + PCI_EXP_LNKCTL2, 2), 3u);
  W(c, b + PCI_EXP_LNKCTL2, 2, 1);
  EXPECT_EQ(R(c, b + PCI_EXP_LNKCTL2, 2), 1u);
  W(c, b + PCI_EXP_LNKCTL2, 2, 4);
  EXPECT_EQ(R(c, b + PCI_EXP_LNKCTL2, 2), 1u);
  // No slot or root registers on an endpoint.
  W(c, b + PCI_EXP_SLTCTL, 4, 0xffffffff);
  W(c, b + PCI_EXP_RTCTL, 2, 0xffff);
  EXPECT_EQ(R(c, b + PCI_EXP_SLTCTL, 4), 0u);
  EXPECT_EQ(R(c, b + PCI_EXP_RTCTL, 2), 0u);
}

TEST(CfgCap, DeviceControl2TimeoutsAriAnd10BitTags) {
  Cfg c = Type0();
  auto o = Endpoint();
  uint16_t b = 0;
  ASSERT_EQ(ladon__cfg_add_exp(c.get(), &o, &b, nullptr), LADON_OK);
  uint32_t cap2 = R(c, b + PCI_EXP_DEVCAP2, 4);
  EXPECT_EQ(cap2 & PCI_EXP_DEVCAP2_COMP_TO_RANGES, 0x3u);
  EXPECT_TRUE(cap2 & PCI_EXP_DEVCAP2_COMP_TMOUT_DIS);
  EXPECT_TRUE(cap2 & PCI_EXP_DEVCAP2_10BIT_TAG_COMP);
  EXPECT_TRUE(cap2 & PCI_EXP_DEVCAP2_10BIT_TAG_REQ);
  EXPECT_FALSE(cap2 & PCI_EXP_DEVCAP2_ARI);
  // Ranges A and B allow encodings 1, 2, 5, 6 (and 0, the default); C/D and
  // reserved encodings are discarded.
  // In write order: {written, read back}.
  const std::vector<std::pair<unsigned, unsigned>> expect = {
      {0x1, 0x1}, {0x2, 0x2}, {0x5, 0x5}, {0x6, 0x6}, {0x9, 0x6}, {0xd, 0x6}, {0x3, 0x6},
      {0x0, 0x0}};
  for (auto [write, read] : expect) {
    W(c, b + PCI_EXP_DEVCTL2, 2, write);
    EXPECT_EQ(R(c, b + PCI_EXP_DEVCTL2, 2) & PCI_EXP_DEVCTL2_COMP_TIMEOUT, read) << write;
  }
  // ARI Forwarding Enable is RsvdP on an endpoint; 10-bit tags and timeout
  // disable are RW here.
  W(c, b + PCI_EXP_DEVCTL2, 2,
    PCI_EXP_DEVCTL2_ARI | PCI_EXP_DEVCTL2_10BIT_TAG_REQ_EN | PCI_EXP_DEVCTL2_COMP_TMOUT_DIS);
  ladon__cfg_exp_state s{};
  ASSERT_EQ(ladon__cfg_exp_get(c.get(), &s), LADON_OK);
  EXPECT_FALSE(s.ari_forwarding);
  EXPECT_TRUE(s.tag10_requester);
  EXPECT_TRUE(s.cpl_timeout_disabled);

  // Ranges 0: the value field is hardwired 0.
  Cfg z = Type0();
  auto oz = Endpoint();
  oz.cpl_timeout_ranges = 0;
  ASSERT_EQ(ladon__cfg_add_exp(z.get(), &oz, &b, nullptr), LADON_OK);
  W(z, b + PCI_EXP_DEVCTL2, 2, 0x1);
  EXPECT_EQ(R(z, b + PCI_EXP_DEVCTL2, 2) & 0xfu, 0u);

  // A downstream port with ARI Forwarding Supported has it RW.
  Cfg d = Type1();
  auto od = Downstream();
  ASSERT_EQ(ladon__cfg_add_exp(d.get(), &od, &b, nullptr), LADON_OK);
  W(d, b + PCI_EXP_DEVCTL2, 2, PCI_EXP_DEVCTL2_ARI);
  ASSERT_EQ(ladon__cfg_exp_get(d.get(), &s), LADON_OK);
  EXPECT_TRUE(s.ari_forwarding);
  EXPECT_EQ(s.port_type, PCI_EXP_TYPE_DOWNSTREAM);
}

TEST(CfgCap, CompletionTimeoutRangesFollowTheSpecTable) {
  // §7.5.3.16: each encoding's range, in microseconds, times 10^6 ps/us.
  struct Row { uint8_t v; uint64_t lo_us, hi_us; };
  const Row rows[] = {{0x0, 50, 50000},       {0x1, 50, 100},         {0x2, 1000, 10000},
                      {0x5, 16000, 55000},    {0x6, 65000, 210000},   {0x9, 260000, 900000},
                      {0xa, 1000000, 3500000}, {0xd, 4000000, 13000000},
                      {0xe, 17000000, 64000000}};
  for (const Row &r : rows) {
    uint64_t lo = 0, hi = 0;
    ASSERT_TRUE(ladon__exp_cpl_timeout_ps(r.v, &lo, &hi)) << int(r.v);
    EXPECT_EQ(lo, r.lo_us * 1000000u);
    EXPECT_EQ(hi, r.hi_us * 1000000u);
  }
  for (uint8_t v : {0x3, 0x4, 0x7, 0x8, 0xb, 0xc, 0xf})
    EXPECT_FALSE(ladon__exp_cpl_timeout_ps(v, nullptr, nullptr)) << int(v);
}

TEST(CfgCap, DownstreamPortLinkSlotAndFlrBit) {
  Cfg d = Type1();
  auto o = Downstream();
  uint16_t b = 0;
  ASSERT_EQ(ladon__cfg_add_exp(d.get(), &o, &b, nullptr), LADON_OK);
  EXPECT_EQ(R(d, b + PCI_EXP_FLAGS, 2), 0x0002u | (PCI_EXP_TYPE_DOWNSTREAM << 4) |
                                            PCI_EXP_FLAGS_SLOT);
  uint32_t lnkcap = R(d, b + PCI_EXP_LNKCAP, 4);
  EXPECT_EQ(lnkcap >> 24, 3u);  // Port Number
  EXPECT_TRUE(lnkcap & PCI_EXP_LNKCAP_LBNC);  // x16 at 16 GT/s: required (§7.5.3.6)
  EXPECT_TRUE(lnkcap & PCI_EXP_LNKCAP_DLLLARC);
  // Link Disable is RW on a downstream port; Retrain Link reads 0; RCB is
  // RsvdP on switch ports.
  W(d, b + PCI_EXP_LNKCTL, 2, PCI_EXP_LNKCTL_LD | PCI_EXP_LNKCTL_RL | PCI_EXP_LNKCTL_RCB);
  EXPECT_EQ(R(d, b + PCI_EXP_LNKCTL, 2), unsigned(PCI_EXP_LNKCTL_LD));
  // LBMS / LABS are RW1C with LBNC.
  ladon__cfg_poke(d.get(), uint16_t(b + PCI_EXP_LNKSTA), 2, PCI_EXP_LNKSTA_LBMS,
                  PCI_EXP_LNKSTA_LBMS);
  W(d, b + PCI_EXP_LNKSTA, 2, PCI_EXP_LNKSTA_LBMS);
  EXPECT_EQ(R(d, b + PCI_EXP_LNKSTA, 2) & PCI_EXP_LNKSTA_LBMS, 0u);
  ASSERT_EQ(ladon__cfg_exp_set_link(d.get(), 4, 16, true), LADON_OK);
  EXPECT_TRUE(R(d, b + PCI_EXP_LNKSTA, 2) & PCI_EXP_LNKSTA_DLLLA);
  // Slot: Physical Slot Number in SltCap[31:19]; Presence Detect Changed RW1C.
  EXPECT_EQ(R(d, b + PCI_EXP_SLTCAP, 4) >> 19, 7u);
  ladon__cfg_poke(d.get(), uint16_t(b + PCI_EXP_SLTSTA), 2, 0xffff,
                  PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_PDS);
  W(d, b + PCI_EXP_SLTSTA, 2, 0xffff);
  EXPECT_EQ(R(d, b + PCI_EXP_SLTSTA, 2), unsigned(PCI_EXP_SLTSTA_PDS));

  // Initiate FLR always reads 0, but a LADON__CFG_WATCH_ALL watch sees it.
  Cfg e = Type0();
  auto eo = Endpoint();
  ASSERT_EQ(ladon__cfg_add_exp(e.get(), &eo, &b, nullptr), LADON_OK);
  int flrs = 0;
  auto fn = [](ladon__cfg *, const ladon__cfg_write_ev *ev, void *ctx) {
    if (ev->data & (uint32_t(PCI_EXP_DEVCTL_BCR_FLR) << 0)) ++*static_cast<int *>(ctx);
  };
  ASSERT_EQ(ladon__cfg_watch(e.get(), uint16_t(b + PCI_EXP_DEVCTL), 2, LADON__CFG_WATCH_ALL, fn,
                             &flrs),
            LADON_OK);
  uint32_t before = R(e, b + PCI_EXP_DEVCTL, 2);
  W(e, b + PCI_EXP_DEVCTL, 2, before | PCI_EXP_DEVCTL_BCR_FLR);
  EXPECT_EQ(flrs, 1);
  EXPECT_EQ(R(e, b + PCI_EXP_DEVCTL, 2), before);
}

TEST(CfgCap, ExpressCapabilityRejectsImpossibleOptions) {
  ladon_error err{};
  uint16_t b = 0;
  {
    Cfg c = Type0();
    auto o = Endpoint();
    o.port_type = PCI_EXP_TYPE_DOWNSTREAM;  // a port needs a Type 1 header
    EXPECT_EQ(ladon__cfg_add_exp(c.get(), &o, &b, &err), LADON_ESPEC);
    o = Endpoint();
    o.slot = true;
    EXPECT_EQ(ladon__cfg_add_exp(c.get(), &o, &b, &err), LADON_ESPEC);
    o = Endpoint();
    o.ari_forwarding = true;
    EXPECT_EQ(ladon__cfg_add_exp(c.get(), &o, &b, &err), LADON_ESPEC);
    o = Endpoint();
    o.tag10_completer = false;
    EXPECT_EQ(ladon__cfg_add_exp(c.get(), &o, &b, &err), LADON_ESPEC);
    o = Endpoint();
    o.max_link_width = 3;
    EXPECT_EQ(ladon__cfg_add_exp(c.get(), &o, &b, &err), LADON_ESPEC);
    EXPECT_NE(std::string(err.text).find("x3"), std::string::npos) << err.text;
    o = Endpoint();
    o.max_link_speed = 7;
    EXPECT_EQ(ladon__cfg_add_exp(c.get(), &o, &b, &err), LADON_EINVAL);
    o = Endpoint();
    o.mps_supported = 6;
    EXPECT_EQ(ladon__cfg_add_exp(c.get(), &o, &b, &err), LADON_ESPEC);
    o = Endpoint();
    o.port_type = 2;
    EXPECT_EQ(ladon__cfg_add_exp(c.get(), &o, &b, &err), LADON_EINVAL);
    EXPECT_EQ(WalkCaps(c).size(), 0u);  // nothing half-built
    o = Endpoint();
    ASSERT_EQ(ladon__cfg_add_exp(c.get(), &o, &b, &err), LADON_OK);
    EXPECT_EQ(ladon__cfg_add_exp(c.get(), &o, &b, &err), LADON_EEXIST);
  }
  {
    Cfg d = Type1();
    auto o = Downstream();
    o.flr = true;
    EXPECT_EQ(ladon__cfg_add_exp(d.get(), &o, &b, &err), LADON_ESPEC);
    o = Endpoint();  // an endpoint type in a Type 1 header
    EXPECT_EQ(ladon__cfg_add_exp(d.get(), &o, &b, &err), LADON_ESPEC);
  }
}

TEST(CfgCap, VfExpressCapabilityHasThePfOwnedFieldsReserved) {
  Cfg v = Vf();
  auto o = Endpoint();
  uint16_t b = 0;
  ASSERT_EQ(ladon__cfg_add_exp(v.get(), &o, &b, nullptr), LADON_OK);
  // §9.4.1 / §9.3.5.4: error reporting enables and MPS are RsvdP in a VF;
  // Relaxed Ordering, No Snoop, Extended Tag and MRRS stay per VF.
  W(v, b + PCI_EXP_DEVCTL, 2, 0xffffu & ~0x7000u);
  W(v, b + PCI_EXP_DEVCTL, 2, 0xffffu & ~0x2000u);  // MRRS 101b = 4096 B
  EXPECT_EQ(R(v, b + PCI_EXP_DEVCTL, 2),
            unsigned(PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN |
                     PCI_EXP_DEVCTL_EXT_TAG | PCI_EXP_DEVCTL_READRQ_4096B));
  // 10-Bit Tag Requester Enable is RsvdP for a VF (the PF's SR-IOV Control
  // has VF 10-Bit Tag Requester Enable).
  W(v, b + PCI_EXP_DEVCTL2, 2, PCI_EXP_DEVCTL2_10BIT_TAG_REQ_EN);
  EXPECT_EQ(R(v, b + PCI_EXP_DEVCTL2, 2) & PCI_EXP_DEVCTL2_10BIT_TAG_REQ_EN, 0u);
  // Link Control belongs to the PF.
  W(v, b + PCI_EXP_LNKCTL, 2, 0xffff);
  EXPECT_EQ(R(v, b + PCI_EXP_LNKCTL, 2), 0u);
  // A VF is an endpoint.
  Cfg v2 = Vf();
  auto bad = Endpoint();
  bad.port_type = PCI_EXP_TYPE_LEG_END;
  EXPECT_EQ(ladon__cfg_add_exp(v2.get(), &bad, &b, nullptr), LADON_ESPEC);
}

TEST(CfgCap, MsixCapabilityLocatesTableAndEnables) {
  Cfg c = Type0();
  ladon__cfg_bar_def bar{LADON__BAR_MEM32, false, 16384};
  ASSERT_EQ(ladon__cfg_add_bar(c.get(), 3, &bar, nullptr), LADON_OK);
  ladon__cfg_msix_opts o{};
  o.table_size = 64;
  o.table_bir = 3;
  o.table_offset = 0x0;
  o.pba_bir = 3;
  o.pba_offset = 0x2000;
  uint16_t b = 0;
  ASSERT_EQ(ladon__cfg_add_msix(c.get(), &o, &b, nullptr), LADON_OK);
  EXPECT_EQ(R(c, b + PCI_MSIX_FLAGS, 2), 63u);  // Table Size is N - 1
  EXPECT_EQ(R(c, b + PCI_MSIX_TABLE, 4), 0x3u);
  EXPECT_EQ(R(c, b + PCI_MSIX_PBA, 4), 0x2003u);
  W(c, b + PCI_MSIX_FLAGS, 2, 0xffff);
  EXPECT_EQ(R(c, b + PCI_MSIX_FLAGS, 2), 63u | PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
  W(c, b + PCI_MSIX_TABLE, 4, 0);
  W(c, b + PCI_MSIX_PBA, 4, 0);
  ladon__cfg_msix_state s{};
  ASSERT_EQ(ladon__cfg_msix_get(c.get(), &s), LADON_OK);
  EXPECT_TRUE(s.enabled);
  EXPECT_TRUE(s.function_mask);
  EXPECT_EQ(s.table_size, 64u);
  EXPECT_EQ(s.table_bir, 3u);
  EXPECT_EQ(s.pba_offset, 0x2000u);
  W(c, b + PCI_MSIX_FLAGS, 2, 0);
  ASSERT_EQ(ladon__cfg_msix_get(c.get(), &s), LADON_OK);
  EXPECT_FALSE(s.enabled);
}

TEST(CfgCap, MsixRejectsMisplacedStructures) {
  Cfg c = Type0();
  ladon__cfg_bar_def bar{LADON__BAR_MEM32, false, 4096};
  ASSERT_EQ(ladon__cfg_add_bar(c.get(), 0, &bar, nullptr), LADON_OK);
  ladon_error err{};
  uint16_t b = 0;
  ladon__cfg_msix_opts o{};
  o.table_size = 64;        // 1024 B of table
  o.pba_offset = 0x800;     // 8 B of PBA
  o.table_size = 0;
  EXPECT_EQ(ladon__cfg_add_msix(c.get(), &o, &b, &err), LADON_ESPEC);
  o.table_size = 2049;
  EXPECT_EQ(ladon__cfg_add_msix(c.get(), &o, &b, &err), LADON_ESPEC);
  o.table_size = 64;
  o.table_bir = 1;          // no BAR1
  EXPECT_EQ(ladon__cfg_add_msix(c.get(), &o, &b, &err), LADON_EINVAL);
  o.table_bir = 6;
  EXPECT_EQ(ladon__cfg_add_msix(c.get(), &o, &b, &err), LADON_ESPEC);
  o.table_bir = 0;
  o.table_offset = 0x4;     // not QW aligned
  EXPECT_EQ(ladon__cfg_add_msix(c.get(), &o, &b, &err), LADON_ESPEC);
  o.table_offset = 0xc08;   // C08h + 1024 = 1008h > 4096
  EXPECT_EQ(ladon__cfg_add_msix(c.get(), &o, &b, &err), LADON_ESPEC);
  o.table_offset = 0x400;   // table 400h..7FFh; PBA at 7F8h overlaps
  o.pba_offset = 0x7f8;
  EXPECT_EQ(ladon__cfg_add_msix(c.get(), &o, &b, &err), LADON_ESPEC);
  EXPECT_NE(std::string(err.text).find("overlap"), std::string::npos) << err.text;
  o.pba_offset = 0x800;     // adjacent is fine
  EXPECT_EQ(ladon__cfg_add_msix(c.get(), &o, &b, &err), LADON_OK) << err.text;
}

TEST(CfgCap, PowerManagementStates) {
  Cfg c = Type0();
  ladon__cfg_pm_opts o{};
  uint16_t b = 0;
  ASSERT_EQ(ladon__cfg_add_pm(c.get(), &o, &b, nullptr), LADON_OK);
  EXPECT_EQ(R(c, b + PCI_PM_PMC, 2) & PCI_PM_CAP_VER_MASK, 3u);  // PCIe requires 011b
  EXPECT_EQ(ladon__cfg_pm_state(c.get()), unsigned(PCI_D0));
  W(c, b + PCI_PM_CTRL, 2, PCI_D3hot);
  EXPECT_EQ(ladon__cfg_pm_state(c.get()), unsigned(PCI_D3hot));
  // D1 unsupported: the write completes but the state does not change.
  W(c, b + PCI_PM_CTRL, 2, PCI_D1);
  EXPECT_EQ(ladon__cfg_pm_state(c.get()), unsigned(PCI_D3hot));
  W(c, b + PCI_PM_CTRL, 2, PCI_D0);
  EXPECT_EQ(ladon__cfg_pm_state(c.get()), unsigned(PCI_D0));
  // Without PME support PME_En and PME_Status are RO 0.
  W(c, b + PCI_PM_CTRL, 2, PCI_PM_CTRL_PME_ENABLE);
  EXPECT_EQ(R(c, b + PCI_PM_CTRL, 2), 0u);

  Cfg d = Type0();
  o.d1 = true;
  o.pme_support = 0x1b;  // D0, D1, D3hot, D3cold
  ASSERT_EQ(ladon__cfg_add_pm(d.get(), &o, &b, nullptr), LADON_OK);
  W(d, b + PCI_PM_CTRL, 2, PCI_D1 | PCI_PM_CTRL_PME_ENABLE);
  EXPECT_EQ(ladon__cfg_pm_state(d.get()), unsigned(PCI_D1));
  ladon__cfg_poke(d.get(), uint16_t(b + PCI_PM_CTRL), 2, PCI_PM_CTRL_PME_STATUS,
                  PCI_PM_CTRL_PME_STATUS);
  W(d, b + PCI_PM_CTRL, 2, PCI_PM_CTRL_PME_STATUS | PCI_D1 | PCI_PM_CTRL_PME_ENABLE);
  EXPECT_EQ(R(d, b + PCI_PM_CTRL, 2), unsigned(PCI_D1 | PCI_PM_CTRL_PME_ENABLE));
  // PME from D2 without D2 is impossible.
  Cfg e = Type0();
  o = {};
  o.pme_support = 0x4;
  EXPECT_EQ(ladon__cfg_add_pm(e.get(), &o, &b, nullptr), LADON_ESPEC);
}

TEST(CfgCap, AcsControlIsWritableOnlyWhereImplemented) {
  Cfg d = Type1();
  auto x = Downstream();
  ASSERT_EQ(ladon__cfg_add_exp(d.get(), &x, nullptr, nullptr), LADON_OK);
  ladon__cfg_acs_opts o{};
  o.cap = PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF | PCI_ACS_EC;
  o.egress_vector_bits = 40;
  uint16_t b = 0;
  ladon_error err{};
  ASSERT_EQ(ladon__cfg_add_acs(d.get(), &o, &b, &err), LADON_OK) << err.text;
  // Capability: feature bits, Egress Control Vector Size 40 in [15:8].
  EXPECT_EQ(R(d, b + PCI_ACS_CAP, 2), unsigned(o.cap | 40u << 8));
  EXPECT_EQ(R(d, b + PCI_ACS_EGRESS_BITS, 1), 40u);
  W(d, b + PCI_ACS_CTRL, 2, 0xffff);
  EXPECT_EQ(R(d, b + PCI_ACS_CTRL, 2), unsigned(o.cap));
  EXPECT_EQ(ladon__cfg_acs_ctrl(d.get()), o.cap);
  // Egress Control Vector: 40 bits over two DWs.
  W(d, b + PCI_ACS_EGRESS_CTL_V, 4, 0xffffffff);
  W(d, b + PCI_ACS_EGRESS_CTL_V + 4, 4, 0xffffffff);
  EXPECT_EQ(R(d, b + PCI_ACS_EGRESS_CTL_V, 4), 0xffffffffu);
  EXPECT_EQ(R(d, b + PCI_ACS_EGRESS_CTL_V + 4, 4), 0xffu);  // bits 32..39
  W(d, b + PCI_ACS_CTRL, 2, PCI_ACS_SV);
  EXPECT_EQ(ladon__cfg_acs_ctrl(d.get()), unsigned(PCI_ACS_SV));
}

TEST(CfgCap, AcsRejectsPortFeaturesOnFunctions) {
  ladon_error err{};
  Cfg e = Type0();
  ladon__cfg_acs_opts o{};
  o.cap = PCI_ACS_RR;
  EXPECT_EQ(ladon__cfg_add_acs(e.get(), &o, nullptr, &err), LADON_ESTATE);  // no PCIe cap yet
  auto x = Endpoint();
  ASSERT_EQ(ladon__cfg_add_exp(e.get(), &x, nullptr, nullptr), LADON_OK);
  o.cap = PCI_ACS_SV | PCI_ACS_RR;
  EXPECT_EQ(ladon__cfg_add_acs(e.get(), &o, nullptr, &err), LADON_ESPEC);
  o.cap = PCI_ACS_EC;  // EC without a vector size
  EXPECT_EQ(ladon__cfg_add_acs(e.get(), &o, nullptr, &err), LADON_EINVAL);
  o.cap = 0x80;
  EXPECT_EQ(ladon__cfg_add_acs(e.get(), &o, nullptr, &err), LADON_EINVAL);
  o.cap = PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_DT;  // what an SR-IOV PF may have
  EXPECT_EQ(ladon__cfg_add_acs(e.get(), &o, nullptr, &err), LADON_OK) << err.text;
  EXPECT_EQ(ladon__cfg_acs_ctrl(e.get()), 0u);
}

TEST(CfgCap, AriNextFunctionAndGroups) {
  Cfg c = Type0();
  ladon__cfg_ari_opts o{};
  o.next_function = 0x81;
  o.acs_fg = true;
  uint16_t b = 0;
  ASSERT_EQ(ladon__cfg_add_ari(c.get(), &o, &b, nullptr), LADON_OK);
  EXPECT_EQ(b, 0x100u);
  EXPECT_EQ(PCI_ARI_CAP_NFN(R(c, b + PCI_ARI_CAP, 2)), 0x81u);
  EXPECT_EQ(R(c, b + PCI_ARI_CAP, 2) & 0x3u, unsigned(PCI_ARI_CAP_ACS));
  W(c, b + PCI_ARI_CAP, 2, 0);  // RO
  EXPECT_EQ(PCI_ARI_CAP_NFN(R(c, b + PCI_ARI_CAP, 2)), 0x81u);
  W(c, b + PCI_ARI_CTRL, 2, 0xffff);
  uint32_t ctrl = R(c, b + PCI_ARI_CTRL, 2);
  EXPECT_EQ(ctrl & 0x3u, unsigned(PCI_ARI_CTRL_ACS));  // no MFVC groups
  EXPECT_EQ(PCI_ARI_CTRL_FG(ctrl), 7u);
  // Without group capabilities the control register is all RO 0.
  Cfg d = Type0();
  ladon__cfg_ari_opts none{};
  ASSERT_EQ(ladon__cfg_add_ari(d.get(), &none, &b, nullptr), LADON_OK);
  W(d, b + PCI_ARI_CTRL, 2, 0xffff);
  EXPECT_EQ(R(d, b + PCI_ARI_CTRL, 2), 0u);
}

}  // namespace
