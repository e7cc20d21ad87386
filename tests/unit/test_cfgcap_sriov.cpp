// SR-IOV Extended Capability, VF routing IDs and VF BARs, and the VF
// configuration space (PCIe Base 5.0 §9.3.3, §9.3.4).
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
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
  // An 82599-like Ethernet PF (Intel 8086:10FB); its VFs are 8086:10ED.
  ladon__cfg_ids ids{};
  ids.vendor_id = 0x8086;
  ids.device_id = 0x10fb;
  ids.revision_id = 0x01;
  ids.class_code = 0x020000;
  ids.subsys_vendor_id = 0x8086;
  ids.subsys_id = 0x000c;
  ids.interrupt_pin = 1;
  return ids;
}

ladon__cfg_sriov_opts Opts() {
  ladon__cfg_sriov_opts o{};
  o.initial_vfs = 64;
  o.total_vfs = 64;
  o.first_vf_offset = 0x80;
  o.vf_stride = 2;
  o.vf_device_id = 0x10ed;
  o.ari_capable_hier_rw = true;
  o.vf_bars[0] = {LADON__BAR_MEM64, true, 16384};  // VF BAR0/1: 16 KiB, 64-bit
  o.vf_bars[3] = {LADON__BAR_MEM32, false, 4096};  // VF BAR3: 4 KiB, 32-bit
  return o;
}

struct Pf {
  Cfg c;
  uint16_t b = 0;  // SR-IOV capability offset
};

Pf MakePf(const ladon__cfg_sriov_opts &o = Opts()) {
  ladon__cfg_ids ids = Ids();
  Pf p{Cfg(ladon__cfg_new_type0(&ids, nullptr))};
  ladon_error err{};
  EXPECT_EQ(ladon__cfg_add_sriov(p.c.get(), &o, &p.b, &err), LADON_OK) << err.text;
  return p;
}

uint32_t R(const Cfg &c, unsigned off, unsigned len) {
  uint32_t v = 0xdeadbeef;
  EXPECT_EQ(ladon__cfg_read(c.get(), uint16_t(off), len, &v), LADON_OK) << off;
  return v;
}
void W(const Cfg &c, unsigned off, unsigned len, uint32_t v) {
  ASSERT_EQ(ladon__cfg_write(c.get(), uint16_t(off), len, v), LADON_OK) << off;
}

TEST(CfgSriov, RegistersReadBackAndReadOnlyFieldsHold) {
  Pf p = MakePf();
  const Cfg &c = p.c;
  unsigned b = p.b;
  EXPECT_EQ(b, 0x100u);
  EXPECT_EQ(PCI_EXT_CAP_ID(R(c, b, 4)), unsigned(PCI_EXT_CAP_ID_SRIOV));
  EXPECT_EQ(PCI_EXT_CAP_VER(R(c, b, 4)), 1u);
  EXPECT_EQ(R(c, b + PCI_SRIOV_INITIAL_VF, 2), 64u);
  EXPECT_EQ(R(c, b + PCI_SRIOV_TOTAL_VF, 2), 64u);
  EXPECT_EQ(R(c, b + PCI_SRIOV_NUM_VF, 2), 0u);
  EXPECT_EQ(R(c, b + PCI_SRIOV_VF_OFFSET, 2), 0x80u);
  EXPECT_EQ(R(c, b + PCI_SRIOV_VF_STRIDE, 2), 2u);
  EXPECT_EQ(R(c, b + PCI_SRIOV_VF_DID, 2), 0x10edu);
  EXPECT_EQ(R(c, b + PCI_SRIOV_SUP_PGSIZE, 4), 0x553u);  // required sizes (§9.3.3.12)
  EXPECT_EQ(R(c, b + PCI_SRIOV_SYS_PGSIZE, 4), 1u);      // 4 KiB default
  // Writes to the read-only fields change nothing.
  for (unsigned off : {0x04u, 0x0cu, 0x14u, 0x18u, 0x1cu, 0x3cu}) W(c, b + off, 4, 0xffffffff);
  EXPECT_EQ(R(c, b + PCI_SRIOV_CAP, 4), 0u);
  EXPECT_EQ(R(c, b + PCI_SRIOV_INITIAL_VF, 4), 0x00400040u);
  EXPECT_EQ(R(c, b + PCI_SRIOV_VF_OFFSET, 4), 0x00020080u);
  EXPECT_EQ(R(c, b + PCI_SRIOV_VF_DID, 2), 0x10edu);
  EXPECT_EQ(R(c, b + PCI_SRIOV_SUP_PGSIZE, 4), 0x553u);
  // Control: VFE, MSE and ARI Capable Hierarchy are RW here; VF Migration
  // bits are RO 0 without VF Migration Capable.
  W(c, b + PCI_SRIOV_CTRL, 2, 0xffff);
  EXPECT_EQ(R(c, b + PCI_SRIOV_CTRL, 2),
            unsigned(PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE | PCI_SRIOV_CTRL_ARI));
}

TEST(CfgSriov, NumVfsIsReadOnlyWhileVfEnableIsSet) {
  Pf p = MakePf();
  const Cfg &c = p.c;
  unsigned b = p.b;
  W(c, b + PCI_SRIOV_NUM_VF, 2, 8);
  EXPECT_EQ(R(c, b + PCI_SRIOV_NUM_VF, 2), 8u);
  W(c, b + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE);
  W(c, b + PCI_SRIOV_NUM_VF, 2, 16);  // §9.3.3.7: only while VF Enable is Clear
  EXPECT_EQ(R(c, b + PCI_SRIOV_NUM_VF, 2), 8u);
  W(c, b + PCI_SRIOV_NUM_VF, 4, 0xffff0000u | 4);  // a DW write: the same
  EXPECT_EQ(R(c, b + PCI_SRIOV_NUM_VF, 2), 8u);
  W(c, b + PCI_SRIOV_CTRL, 2, 0);
  W(c, b + PCI_SRIOV_NUM_VF, 2, 16);
  EXPECT_EQ(R(c, b + PCI_SRIOV_NUM_VF, 2), 16u);
  // Function Dependency Link next to NumVFs is RO.
  EXPECT_EQ(R(c, b + PCI_SRIOV_FUNC_LINK, 1), 0u);
}

TEST(CfgSriov, NumVfsAboveTotalVfsIsDiscarded) {
  Pf p = MakePf();
  const Cfg &c = p.c;
  unsigned b = p.b;
  W(c, b + PCI_SRIOV_NUM_VF, 2, 64);  // = TotalVFs: accepted
  EXPECT_EQ(R(c, b + PCI_SRIOV_NUM_VF, 2), 64u);
  W(c, b + PCI_SRIOV_NUM_VF, 2, 65);  // undefined in the spec: we keep 64
  EXPECT_EQ(R(c, b + PCI_SRIOV_NUM_VF, 2), 64u);
  W(c, b + PCI_SRIOV_NUM_VF, 2, 0xffff);
  EXPECT_EQ(R(c, b + PCI_SRIOV_NUM_VF, 2), 64u);
  // The driver-side helper refuses instead, naming both numbers.
  ladon_error err{};
  EXPECT_EQ(ladon__cfg_sriov_enable(p.c.get(), 65, &err), LADON_ERANGE);
  EXPECT_NE(std::string(err.text).find("65"), std::string::npos) << err.text;
  EXPECT_NE(std::string(err.text).find("64"), std::string::npos) << err.text;
  ladon__cfg_sriov_state s{};
  ASSERT_EQ(ladon__cfg_sriov_get(p.c.get(), &s), LADON_OK);
  EXPECT_FALSE(s.vf_enable);
  ASSERT_EQ(ladon__cfg_sriov_enable(p.c.get(), 4, &err), LADON_OK);
  ASSERT_EQ(ladon__cfg_sriov_get(p.c.get(), &s), LADON_OK);
  EXPECT_TRUE(s.vf_enable);
  EXPECT_TRUE(s.vf_mse);
  EXPECT_EQ(s.num_vfs, 4u);
  EXPECT_EQ(ladon__cfg_sriov_enable(p.c.get(), 2, &err), LADON_ESTATE);
}

TEST(CfgSriov, BuildRejectsInconsistentDevices) {
  ladon__cfg_ids ids = Ids();
  ladon_error err{};
  auto expect_reject = [&](ladon__cfg_sriov_opts o, ladon_status want, const char *why) {
    Cfg c(ladon__cfg_new_type0(&ids, nullptr));
    EXPECT_EQ(ladon__cfg_add_sriov(c.get(), &o, nullptr, &err), want) << why;
    EXPECT_EQ(ladon__cfg_read_dw(c.get(), 0x100), 0u) << why << ": nothing half-built";
  };
  auto o = Opts();
  o.initial_vfs = 65;  // more VFs than TotalVFs
  expect_reject(o, LADON_ESPEC, "InitialVFs > TotalVFs");
  o = Opts();
  o.initial_vfs = 32;  // < TotalVFs without VF Migration
  expect_reject(o, LADON_ESPEC, "InitialVFs != TotalVFs");
  o.vf_migration = true;  // allowed with migration
  {
    Cfg c(ladon__cfg_new_type0(&ids, nullptr));
    EXPECT_EQ(ladon__cfg_add_sriov(c.get(), &o, nullptr, &err), LADON_OK) << err.text;
  }
  o = Opts();
  o.first_vf_offset = 0;
  expect_reject(o, LADON_ESPEC, "First VF Offset 0");
  o = Opts();
  o.vf_stride = 0;
  expect_reject(o, LADON_ESPEC, "VF Stride 0");
  o.total_vfs = o.initial_vfs = 1;  // one VF needs no stride
  {
    Cfg c(ladon__cfg_new_type0(&ids, nullptr));
    EXPECT_EQ(ladon__cfg_add_sriov(c.get(), &o, nullptr, &err), LADON_OK) << err.text;
  }
  o = Opts();
  o.supported_page_sizes = 0x1;  // lacks 8K..4M
  expect_reject(o, LADON_ESPEC, "page sizes");
  o = Opts();
  o.vf_bars[2] = {LADON__BAR_IO, false, 32};
  expect_reject(o, LADON_ESPEC, "I/O VF BAR");
  EXPECT_NE(std::string(err.text).find("VF BAR2"), std::string::npos) << err.text;
  o = Opts();
  o.vf_bars[5] = {LADON__BAR_MEM64, false, 4096};
  expect_reject(o, LADON_ESPEC, "64-bit VF BAR5");
  o = Opts();
  o.vf_bars[1] = {LADON__BAR_MEM32, false, 4096};  // upper half of VF BAR0
  expect_reject(o, LADON_EEXIST, "VF BAR1 taken");
  o = Opts();
  o.vf_bars[4] = {LADON__BAR_MEM32, false, 100};
  expect_reject(o, LADON_ESPEC, "VF BAR size");
  EXPECT_NE(std::string(err.text).find("VF BAR4"), std::string::npos) << err.text;
  // Not on a VF or a bridge.
  Cfg vf(ladon__cfg_new_vf(&ids, nullptr));
  o = Opts();
  EXPECT_EQ(ladon__cfg_add_sriov(vf.get(), &o, nullptr, &err), LADON_ESPEC);
  ladon__cfg_bridge_opts bo{};
  Cfg br(ladon__cfg_new_type1(&ids, &bo, nullptr));
  EXPECT_EQ(ladon__cfg_add_sriov(br.get(), &o, nullptr, &err), LADON_ESPEC);
}

TEST(CfgSriov, VfRoutingIdsOfAn82599LikePf) {
  // PF at 03:00.0 (RID 0300h), First VF Offset 80h, VF Stride 2 (§9.3.3.9-10):
  // VF n = 0300h + 80h + (n - 1) x 2.
  //   VF1 ("VF0" in 0-based driver numbering) = 0380h = 03:10.0
  //   VF4 ("VF3")                             = 0386h = 03:10.6
  const uint16_t pf = 0x03 << 8 | 0x00 << 3 | 0;
  EXPECT_EQ(ladon__sriov_vf_rid(pf, 0x80, 2, 1), 0x0380u);
  EXPECT_EQ(ladon__sriov_vf_rid(pf, 0x80, 2, 4), 0x0386u);
  auto bdf = [](uint16_t rid) {
    char s[16];
    snprintf(s, sizeof s, "%02x:%02x.%u", rid >> 8, (rid >> 3) & 0x1f, rid & 7u);
    return std::string(s);
  };
  EXPECT_EQ(bdf(ladon__sriov_vf_rid(pf, 0x80, 2, 1)), "03:10.0");
  EXPECT_EQ(bdf(ladon__sriov_vf_rid(pf, 0x80, 2, 4)), "03:10.6");
  // VF 64 = 0380h + 63 x 2 = 03FEh = 03:1f.6 — still on bus 3.
  EXPECT_EQ(bdf(ladon__sriov_vf_rid(pf, 0x80, 2, 64)), "03:1f.6");
  // Routing IDs wrap modulo 2^16.
  EXPECT_EQ(ladon__sriov_vf_rid(0xfffe, 4, 1, 1), 0x0002u);

  Pf p = MakePf();
  uint16_t rid = 0;
  EXPECT_EQ(ladon__cfg_sriov_vf_rid(p.c.get(), pf, 1, &rid), LADON_ERANGE);  // NumVFs = 0
  ASSERT_EQ(ladon__cfg_sriov_enable(p.c.get(), 8, nullptr), LADON_OK);
  ASSERT_EQ(ladon__cfg_sriov_vf_rid(p.c.get(), pf, 1, &rid), LADON_OK);
  EXPECT_EQ(rid, 0x0380u);
  ASSERT_EQ(ladon__cfg_sriov_vf_rid(p.c.get(), pf, 4, &rid), LADON_OK);
  EXPECT_EQ(rid, 0x0386u);
  ASSERT_EQ(ladon__cfg_sriov_vf_rid(p.c.get(), pf, 8, &rid), LADON_OK);
  EXPECT_EQ(rid, 0x0380u + 7 * 2);
  EXPECT_EQ(ladon__cfg_sriov_vf_rid(p.c.get(), pf, 0, &rid), LADON_ERANGE);
  EXPECT_EQ(ladon__cfg_sriov_vf_rid(p.c.get(), pf, 9, &rid), LADON_ERANGE);
}

TEST(CfgSriov, VfBarSizingReadsThePerVfSize) {
  Pf p = MakePf();
  const Cfg &c = p.c;
  unsigned bar0 = p.b + PCI_SRIOV_BAR, bar3 = p.b + PCI_SRIOV_BAR + 12;
  const uint32_t f64 = PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH;
  EXPECT_EQ(R(c, bar0, 4), f64);
  for (unsigned k = 0; k < 6; k++) W(c, p.b + PCI_SRIOV_BAR + 4 * k, 4, 0xffffffff);
  // The size read back is one VF's: ~(16 KiB - 1) | flags, upper all ones.
  EXPECT_EQ(R(c, bar0, 4), ~(16384u - 1u) | f64);
  EXPECT_EQ(R(c, bar0 + 4, 4), 0xffffffffu);
  EXPECT_EQ(R(c, bar3, 4), ~(4096u - 1u));
  EXPECT_EQ(R(c, p.b + PCI_SRIOV_BAR + 8, 4), 0u);   // VF BAR2 not implemented
  EXPECT_EQ(R(c, p.b + PCI_SRIOV_BAR + 16, 4), 0u);  // VF BAR4
  // Program VF BAR0 = 0x0000_0020_0000_0000 and BAR3 = E000_0000h.
  W(c, bar0, 4, 0);
  W(c, bar0 + 4, 4, 0x20);
  W(c, bar3, 4, 0xe0000000u);
  ladon__cfg_vf_bar vb{};
  ASSERT_EQ(ladon__cfg_sriov_vf_bar(c.get(), 0, &vb), LADON_OK);
  EXPECT_EQ(vb.base, uint64_t(0x20) << 32);
  EXPECT_EQ(vb.size_bytes, 16384u);
  EXPECT_EQ(vb.total_bytes, 0u);  // NumVFs = 0
  EXPECT_FALSE(vb.enabled);
  ASSERT_EQ(ladon__cfg_sriov_enable(c.get(), 8, nullptr), LADON_OK);
  ASSERT_EQ(ladon__cfg_sriov_vf_bar(c.get(), 0, &vb), LADON_OK);
  EXPECT_EQ(vb.total_bytes, 8u * 16384u);  // NumVFs x per-VF size (§9.3.3.14)
  EXPECT_TRUE(vb.enabled);
  EXPECT_TRUE(vb.prefetchable);
  // VF n's BAR = base + (n - 1) x size.
  uint64_t a = 0;
  ASSERT_EQ(ladon__cfg_sriov_vf_bar_addr(c.get(), 0, 1, &a), LADON_OK);
  EXPECT_EQ(a, uint64_t(0x20) << 32);
  ASSERT_EQ(ladon__cfg_sriov_vf_bar_addr(c.get(), 0, 4, &a), LADON_OK);
  EXPECT_EQ(a, (uint64_t(0x20) << 32) + 3u * 16384u);
  ASSERT_EQ(ladon__cfg_sriov_vf_bar_addr(c.get(), 3, 8, &a), LADON_OK);
  EXPECT_EQ(a, 0xe0000000u + 7u * 4096u);
  EXPECT_EQ(ladon__cfg_sriov_vf_bar_addr(c.get(), 3, 9, &a), LADON_ERANGE);
  EXPECT_EQ(ladon__cfg_sriov_vf_bar_addr(c.get(), 3, 0, &a), LADON_ERANGE);
  EXPECT_EQ(ladon__cfg_sriov_vf_bar(c.get(), 1, &vb), LADON_ENOENT);  // upper half
  EXPECT_EQ(ladon__cfg_sriov_vf_bar(c.get(), 2, &vb), LADON_ENOENT);
  // VF MSE off: the region stops decoding.
  W(c, p.b + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE);
  ASSERT_EQ(ladon__cfg_sriov_vf_bar(c.get(), 3, &vb), LADON_OK);
  EXPECT_FALSE(vb.enabled);
}

TEST(CfgSriov, SystemPageSizeScalesVfBars) {
  Pf p = MakePf();
  const Cfg &c = p.c;
  unsigned ps = p.b + PCI_SRIOV_SYS_PGSIZE, bar3 = p.b + PCI_SRIOV_BAR + 12;
  W(c, bar3, 4, 0xe0003000u);  // 4 KiB aligned
  // 8 KiB pages (bit 1): the 4 KiB VF BAR3 now takes 8 KiB per VF
  // (§9.3.3.13), and address bit 12 becomes hardwired 0.
  W(c, ps, 4, 0x2);
  EXPECT_EQ(R(c, ps, 4), 0x2u);
  EXPECT_EQ(R(c, bar3, 4), 0xe0002000u);
  W(c, bar3, 4, 0xffffffff);
  EXPECT_EQ(R(c, bar3, 4), ~(8192u - 1u));
  ladon__cfg_vf_bar vb{};
  ASSERT_EQ(ladon__cfg_sriov_vf_bar(c.get(), 3, &vb), LADON_OK);
  EXPECT_EQ(vb.size_bytes, 8192u);
  // The 16 KiB VF BAR0 is unaffected by 8 KiB pages.
  ASSERT_EQ(ladon__cfg_sriov_vf_bar(c.get(), 0, &vb), LADON_OK);
  EXPECT_EQ(vb.size_bytes, 16384u);
  // Undefined writes are discarded: zero, two bits, an unsupported size
  // (bit 2 = 16 KiB is not in 553h), and any write while VF Enable is Set.
  for (uint32_t v : {0x0u, 0x3u, 0x4u}) {
    W(c, ps, 4, v);
    EXPECT_EQ(R(c, ps, 4), 0x2u) << v;
  }
  W(c, ps, 4, 0x10);  // 64 KiB: supported
  EXPECT_EQ(R(c, ps, 4), 0x10u);
  ASSERT_EQ(ladon__cfg_sriov_get(c.get(), nullptr), LADON_EINVAL);
  ladon__cfg_sriov_state s{};
  ASSERT_EQ(ladon__cfg_sriov_get(c.get(), &s), LADON_OK);
  EXPECT_EQ(s.page_size_bytes, 65536u);
  ASSERT_EQ(ladon__cfg_sriov_vf_bar(c.get(), 0, &vb), LADON_OK);
  EXPECT_EQ(vb.size_bytes, 65536u);
  W(c, p.b + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE);
  W(c, ps, 4, 0x1);
  EXPECT_EQ(R(c, ps, 4), 0x10u);
}

TEST(CfgSriov, AriCapableHierarchyAndTheOffsetHook) {
  // A device whose VFs pack tighter under ARI: First VF Offset 1 and stride
  // 1 with ARI, 80h / 2 without (a recompute hook as §9.3.3.9-10 allow).
  struct Hook {
    int calls = 0;
    uint16_t last_num = 0;
    bool last_ari = false;
    static void Fn(void *ctx, uint16_t num, bool ari, uint16_t *fo, uint16_t *st) {
      auto *h = static_cast<Hook *>(ctx);
      h->calls++;
      h->last_num = num;
      h->last_ari = ari;
      *fo = ari ? 1 : 0x80;
      *st = ari ? 1 : 2;
    }
  } hook;
  auto o = Opts();
  o.recompute = Hook::Fn;
  o.recompute_ctx = &hook;
  Pf p = MakePf(o);
  const Cfg &c = p.c;
  unsigned b = p.b;
  W(c, b + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_ARI);
  EXPECT_EQ(hook.calls, 1);
  EXPECT_TRUE(hook.last_ari);
  EXPECT_EQ(R(c, b + PCI_SRIOV_VF_OFFSET, 4), 0x00010001u);
  W(c, b + PCI_SRIOV_NUM_VF, 2, 16);
  EXPECT_EQ(hook.calls, 2);
  EXPECT_EQ(hook.last_num, 16u);
  W(c, b + PCI_SRIOV_NUM_VF, 2, 16);  // unchanged: no call
  EXPECT_EQ(hook.calls, 2);
  // ARI Capable Hierarchy cannot change while VF Enable is Set.
  W(c, b + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_ARI | PCI_SRIOV_CTRL_VFE);
  W(c, b + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE);
  EXPECT_TRUE(R(c, b + PCI_SRIOV_CTRL, 2) & PCI_SRIOV_CTRL_ARI);
  EXPECT_EQ(hook.calls, 2);
  // Clearing VF Enable and ARI in one write: VF Enable was Set when it
  // arrived, so ARI stays; a second write clears it.
  W(c, b + PCI_SRIOV_CTRL, 2, 0);
  EXPECT_EQ(R(c, b + PCI_SRIOV_CTRL, 2), unsigned(PCI_SRIOV_CTRL_ARI));
  W(c, b + PCI_SRIOV_CTRL, 2, 0);
  EXPECT_EQ(R(c, b + PCI_SRIOV_CTRL, 2), 0u);
  EXPECT_EQ(hook.calls, 3);
  EXPECT_EQ(R(c, b + PCI_SRIOV_VF_OFFSET, 4), 0x00020080u);
  // In a PF other than the lowest-numbered one the bit is RO 0.
  auto o2 = Opts();
  o2.ari_capable_hier_rw = false;
  Pf q = MakePf(o2);
  W(q.c, q.b + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_ARI);
  EXPECT_EQ(R(q.c, q.b + PCI_SRIOV_CTRL, 2), 0u);
}

TEST(CfgSriov, ModelWatchSeesVfEnableAndBarChanges) {
  Pf p = MakePf();
  struct Log {
    std::vector<std::pair<uint32_t, uint32_t>> ctrl;
    int bars = 0;
  } log;
  auto on_ctrl = [](ladon__cfg *, const ladon__cfg_write_ev *ev, void *ctx) {
    static_cast<Log *>(ctx)->ctrl.push_back({ev->old_dw & 0xffffu, ev->new_dw & 0xffffu});
  };
  auto on_bar = [](ladon__cfg *, const ladon__cfg_write_ev *, void *ctx) {
    static_cast<Log *>(ctx)->bars++;
  };
  ASSERT_EQ(ladon__cfg_watch(p.c.get(), uint16_t(p.b + PCI_SRIOV_CTRL), 2, 0, on_ctrl, &log),
            LADON_OK);
  ASSERT_EQ(ladon__cfg_watch(p.c.get(), uint16_t(p.b + PCI_SRIOV_BAR), 24, 0, on_bar, &log),
            LADON_OK);
  ASSERT_EQ(ladon__cfg_sriov_enable(p.c.get(), 2, nullptr), LADON_OK);
  W(p.c, p.b + PCI_SRIOV_CTRL, 2, 0);
  using P = std::pair<uint32_t, uint32_t>;
  std::vector<P> want = {P{0, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE},
                         P{PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE, 0}};
  EXPECT_EQ(log.ctrl, want);
  W(p.c, p.b + PCI_SRIOV_BAR + 12, 4, 0xd0000000u);
  W(p.c, p.b + PCI_SRIOV_BAR + 12, 4, 0xd0000fffu);  // only RO bits differ
  EXPECT_EQ(log.bars, 1);
}

TEST(CfgSriov, ResetClearsVfStateAndPageSize) {
  Pf p = MakePf();
  W(p.c, p.b + PCI_SRIOV_SYS_PGSIZE, 4, 0x2);
  ASSERT_EQ(ladon__cfg_sriov_enable(p.c.get(), 5, nullptr), LADON_OK);
  ladon__cfg_reset(p.c.get());
  ladon__cfg_sriov_state s{};
  ASSERT_EQ(ladon__cfg_sriov_get(p.c.get(), &s), LADON_OK);
  EXPECT_FALSE(s.vf_enable);
  EXPECT_EQ(s.num_vfs, 0u);
  EXPECT_EQ(s.page_size_bytes, 4096u);
  EXPECT_EQ(s.first_vf_offset, 0x80u);
  W(p.c, p.b + PCI_SRIOV_BAR + 12, 4, 0xffffffff);
  EXPECT_EQ(R(p.c, p.b + PCI_SRIOV_BAR + 12, 4), ~(4096u - 1u));
}

TEST(CfgSriov, VfConfigSpace) {
  ladon__cfg_ids ids = Ids();
  Cfg v(ladon__cfg_new_vf(&ids, nullptr));
  ASSERT_TRUE(v);
  // §9.3.4.1.1-2: Vendor and Device ID read FFFFh.
  EXPECT_EQ(R(v, PCI_VENDOR_ID, 4), 0xffffffffu);
  // Class code, revision and subsystem IDs are the function's own.
  EXPECT_EQ(R(v, PCI_CLASS_REVISION, 4), 0x02000001u);
  EXPECT_EQ(R(v, PCI_SUBSYSTEM_VENDOR_ID, 2), 0x8086u);
  // BARs and the Expansion ROM read 0, sizing included: VF memory is the
  // PF's VF BARs.
  for (unsigned off = PCI_BASE_ADDRESS_0; off <= PCI_ROM_ADDRESS; off += 4) {
    W(v, off, 4, 0xffffffff);
    if (off == PCI_SUBSYSTEM_VENDOR_ID) continue;
    EXPECT_EQ(R(v, off, 4), 0u) << off;
  }
  ladon__cfg_bar_def bar{LADON__BAR_MEM32, false, 4096};
  ladon_error err{};
  EXPECT_EQ(ladon__cfg_add_bar(v.get(), 0, &bar, &err), LADON_ESPEC);
  EXPECT_EQ(ladon__cfg_add_rom(v.get(), 4096, &err), LADON_ESPEC);
  // Command: only Bus Master Enable is writable (Memory Space Enable is the
  // PF's VF MSE; SERR#/Parity Error Response are the PF's, §9.4.1).
  W(v, PCI_COMMAND, 2, 0xffff);
  EXPECT_EQ(R(v, PCI_COMMAND, 2), unsigned(PCI_COMMAND_MASTER));
  // Status error bits are per VF and RW1C (§9.4.1).
  ladon__cfg_poke(v.get(), PCI_STATUS, 2, 0xffff, PCI_STATUS_REC_MASTER_ABORT);
  W(v, PCI_STATUS, 2, PCI_STATUS_REC_MASTER_ABORT);
  EXPECT_EQ(R(v, PCI_STATUS, 2), 0u);
  EXPECT_EQ(R(v, PCI_INTERRUPT_PIN, 1), 0u);  // no INTx
  ladon__cfg_range r{};
  EXPECT_EQ(ladon__cfg_bar_range(v.get(), 0, &r), LADON_ENOENT);
}

TEST(CfgSriov, VfMsixIsCheckedAgainstThePfsVfBars) {
  Pf p = MakePf();
  ladon__cfg_ids ids = Ids();
  Cfg v(ladon__cfg_new_vf(&ids, nullptr));
  ladon__cfg_msix_opts o{};
  o.table_size = 3;
  o.table_bir = 3;  // VF BAR3: 4 KiB per VF
  o.pba_bir = 3;
  o.pba_offset = 0x800;
  o.pf = p.c.get();
  ladon_error err{};
  o.table_bir = 2;  // VF BAR2 is not implemented
  EXPECT_EQ(ladon__cfg_add_msix(v.get(), &o, nullptr, &err), LADON_EINVAL);
  EXPECT_NE(std::string(err.text).find("VF BAR"), std::string::npos) << err.text;
  o.table_bir = 3;
  o.pba_offset = 0x1000;  // past the 4 KiB VF BAR3
  EXPECT_EQ(ladon__cfg_add_msix(v.get(), &o, nullptr, &err), LADON_ESPEC);
  o.pba_offset = 0x800;
  EXPECT_EQ(ladon__cfg_add_msix(v.get(), &o, nullptr, &err), LADON_OK) << err.text;
}

}  // namespace
