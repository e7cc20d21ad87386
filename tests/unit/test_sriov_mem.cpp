// SR-IOV endpoint: memory decode of the PF BAR and the VF BAR regions
// (VF n's BAR = VF BAR0 + (n - 1) x size, PCIe Base 5.0 §9.3.3.14) with
// their enables, the register file, and MSI-X tables programmed by the
// host (§7.7.2) with the messages they produce (§6.1.4).
#include "test_sriov_harness.h"

namespace {

using st::Fixture;

constexpr uint64_t kBar = 0x80000000ull;   // PF BAR0, 128 KiB
constexpr uint64_t kVfBar = 0x90000000ull; // VF BAR0 region, 16 KiB per VF
constexpr uint64_t kVfSize = 16 * 1024;

bool is_ur(const std::vector<st::Rx> &c) {
  return c.size() == 1 && c[0].h.type == LADON_TLP_CPL && c[0].h.status == LADON_TLP_CPL_UR;
}

TEST(SriovMem, PfBarDecodesWithMemorySpaceEnableUpToItsLastByte) {
  Fixture f;
  f.enumerate(kBar, kVfBar, 0);
  f.mmio_write32(kBar + 0x100, 0x11223344u);
  f.mmio_write32(kBar + 128 * 1024 - 4, 0xa5a5a5a5u); // the last DW of the BAR
  f.drain();
  EXPECT_EQ(f.mmio_read32(kBar + 0x100), 0x11223344u);
  EXPECT_EQ(f.mmio_read32(kBar + 128 * 1024 - 4), 0xa5a5a5a5u);
  ladon__sriov_fn *pf = ladon__sriov_fn_at(f.dev, 0);
  EXPECT_EQ(ladon__sriov_reg_read(pf, 0x100), 0x11223344u);
  // One byte past the end, and a read that straddles it, are not claimed.
  EXPECT_TRUE(is_ur(f.mmio_read(kBar + 128 * 1024, 4)));
  EXPECT_TRUE(is_ur(f.mmio_read(kBar + 128 * 1024 - 4, 8)));
  EXPECT_TRUE(is_ur(f.mmio_read(kBar - 4, 4)));
  // Memory Space Enable off: the BAR does not decode (§7.5.1.1.3).
  f.wr16(f.pf(), PCI_COMMAND, PCI_COMMAND_MASTER);
  EXPECT_TRUE(is_ur(f.mmio_read(kBar + 0x100, 4)));
  // A posted write nobody claims is dropped and logged as UR detected.
  f.mmio_write32(kBar + 0x200, 0xdeadbeefu);
  f.drain();
  EXPECT_EQ(ladon__sriov_reg_read(pf, 0x200), 0u);
  uint16_t exp = f.find_cap(f.pf(), PCI_CAP_ID_EXP);
  EXPECT_TRUE(f.rd16(f.pf(), exp + PCI_EXP_DEVSTA) & PCI_EXP_DEVSTA_URD);
  ladon__sriov_counts k;
  ladon__sriov_counts_get(f.dev, &k);
  EXPECT_EQ(k.mem_ur, 5u);
  EXPECT_EQ(k.mem_reads, 2u);
}

TEST(SriovMem, VfBarRegionsDecodeToTheRightVf) {
  Fixture f;
  f.enumerate(kBar, kVfBar, 4);
  // VF n's register 0x100 gets n; first and last DW of each VF's BAR.
  for (uint32_t n = 1; n <= 4; n++) {
    uint64_t base = kVfBar + (n - 1) * kVfSize;
    f.mmio_write32(base + 0x100, 0x1000u + n);
    f.mmio_write32(base, 0x2000u + n);
  }
  f.drain();
  for (uint32_t n = 1; n <= 4; n++) {
    ladon__sriov_fn *fn = ladon__sriov_fn_at(f.dev, n);
    EXPECT_EQ(ladon__sriov_reg_read(fn, 0x100), 0x1000u + n) << "VF " << n;
    EXPECT_EQ(ladon__sriov_reg_read(fn, 0), 0x2000u + n) << "VF " << n;
    uint64_t base = kVfBar + (n - 1) * kVfSize;
    EXPECT_EQ(f.mmio_read32(base + 0x100), 0x1000u + n);
    // The completion comes from the VF's own Routing ID.
    std::vector<st::Rx> c = f.mmio_read(base + 0x100, 4);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].h.cpl_id, f.vf((uint16_t)n));
  }
  EXPECT_EQ(ladon__sriov_reg_read(ladon__sriov_fn_at(f.dev, 0), 0x100), 0u);
  // Just past VF 4 (NumVFs = 4): UR; a read crossing from VF 1 into VF 2
  // is not claimed whole.
  EXPECT_TRUE(is_ur(f.mmio_read(kVfBar + 4 * kVfSize, 4)));
  EXPECT_TRUE(is_ur(f.mmio_read(kVfBar + kVfSize - 4, 8)));
  // VF MSE off: no VF decodes, the PF still does.
  uint16_t sr = f.find_ext(f.pf(), PCI_EXT_CAP_ID_SRIOV);
  f.wr16(f.pf(), sr + PCI_SRIOV_CTRL, PCI_SRIOV_CTRL_VFE);
  EXPECT_TRUE(is_ur(f.mmio_read(kVfBar + 0x100, 4)));
  EXPECT_FALSE(is_ur(f.mmio_read(kBar + 0x100, 4)));
}

TEST(SriovMem, MultiDwordReadSplitsAtMaxPayloadAndRcb) {
  Fixture f;
  f.enumerate(kBar, kVfBar, 0, /*mps=*/128);
  for (uint32_t i = 0; i < 256; i += 4) f.mmio_write32(kBar + 0x400 + i, 0x01010101u * i);
  f.drain();
  // 200 bytes from 0x408: MPS 128, RCB 64 (Link Control RCB clear): the
  // first completion carries 0x408..0x480 (120 B, ends on a 64 B boundary
  // within 128 B of payload), the second the last 80 B (§2.3.1.1).
  std::vector<st::Rx> c = f.mmio_read(kBar + 0x408, 200);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].h.length_dw, 120u / 4);
  EXPECT_EQ(c[0].h.byte_count, 200u);
  EXPECT_EQ(c[0].h.lower_addr, 0x08u);
  EXPECT_EQ(c[1].h.length_dw, 80u / 4);
  EXPECT_EQ(c[1].h.byte_count, 80u);
  EXPECT_EQ(c[1].h.lower_addr, 0x00u); // 0x480 & 0x7f
  std::vector<uint8_t> got(c[0].data);
  got.insert(got.end(), c[1].data.begin(), c[1].data.end());
  for (uint32_t i = 0; i < 200; i += 4) {
    uint32_t v = (uint32_t)got[i] | (uint32_t)got[i + 1] << 8 | (uint32_t)got[i + 2] << 16 |
                 (uint32_t)got[i + 3] << 24;
    EXPECT_EQ(v, 0x01010101u * (8 + i));
  }
}

// MSI-X of VF 2: entry 1 programmed by MMIO, then signalled.
struct MsixFixture : Fixture {
  uint64_t vbase = kVfBar + kVfSize; // VF 2
  ladon__sriov_fn *fn = nullptr;
  uint16_t msix = 0;
  MsixFixture() {
    enumerate(kBar, kVfBar, 2);
    fn = ladon__sriov_fn_at(dev, 2);
    msix = find_cap(vf(2), PCI_CAP_ID_MSIX);
    uint64_t e = vbase + LADON__SRIOV_MSIX_TABLE + 16 * 1;
    mmio_write32(e + 0, 0xfee01003u); // bits 1:0 are not stored
    mmio_write32(e + 4, 0);
    mmio_write32(e + 8, 0x00004041u);
    drain();
  }
  void enable(bool fmask) {
    wr16(vf(2), msix + PCI_MSIX_FLAGS,
         (uint16_t)(PCI_MSIX_FLAGS_ENABLE | (fmask ? PCI_MSIX_FLAGS_MASKALL : 0)));
  }
  std::vector<const st::Rx *> msgs() {
    std::vector<const st::Rx *> v;
    for (const st::Rx &r : host.rx)
      if (r.h.type == LADON_TLP_MWR && (r.h.addr >> 20) == 0xfee) v.push_back(&r);
    return v;
  }
};

TEST(SriovMem, MsixTableReadsBackAndMaskedVectorsSetPendingBits) {
  MsixFixture f;
  uint64_t e = f.vbase + LADON__SRIOV_MSIX_TABLE + 16;
  EXPECT_EQ(f.mmio_read32(e), 0xfee01000u); // §7.7.2: address bits 1:0 are 0
  EXPECT_EQ(f.mmio_read32(e + 8), 0x4041u);
  EXPECT_EQ(f.mmio_read32(e + 12), 1u) << "Mask Bit is Set after reset";
  EXPECT_EQ(f.mmio_read32(f.vbase + LADON__SRIOV_MSIX_TABLE + 16 * 3), 0u) << "entry 3 > size";
  // MSI-X Enable clear: nothing happens.
  EXPECT_EQ(ladon__sriov_msix_raise(f.fn, 1), LADON__MSIX_DISABLED);
  f.enable(false);
  EXPECT_EQ(ladon__sriov_msix_raise(f.fn, 1), LADON__MSIX_PENDING);
  EXPECT_EQ(ladon__sriov_msix_raise(f.fn, 7), LADON__MSIX_BAD_VECTOR);
  f.drain();
  EXPECT_TRUE(f.msgs().empty());
  EXPECT_EQ(f.mmio_read32(f.vbase + LADON__SRIOV_MSIX_PBA), 1u << 1) << "Pending Bit 1";
  // Unmasking the vector sends the pending message and clears the bit.
  f.mmio_write32(e + 12, 0);
  f.drain();
  ASSERT_EQ(f.msgs().size(), 1u);
  EXPECT_EQ(f.mmio_read32(f.vbase + LADON__SRIOV_MSIX_PBA), 0u);
  EXPECT_FALSE(ladon__sriov_msix_pending(f.fn, 1));
}

TEST(SriovMem, InterruptIsAPostedWriteOfTheEntryWithTheVfsRequesterId) {
  MsixFixture f;
  f.enable(false);
  f.mmio_write32(f.vbase + LADON__SRIOV_MSIX_TABLE + 16 + 12, 0); // unmask
  f.drain();
  ladon_time_ps t0 = ladon_sim_now(f.sim);
  EXPECT_EQ(ladon__sriov_msix_raise(f.fn, 1), LADON__MSIX_SENT);
  f.drain();
  std::vector<const st::Rx *> m = f.msgs();
  ASSERT_EQ(m.size(), 1u);
  const ladon_tlp &h = m[0]->h;
  EXPECT_EQ(h.addr, 0xfee01000u);
  EXPECT_EQ(h.length_dw, 1u);
  EXPECT_EQ(h.first_be, 0xfu);
  EXPECT_EQ(h.flags & LADON_TLP_F_ADDR64, 0u) << "32-bit address: 3 DW header (§2.2.4.1)";
  EXPECT_EQ(h.req_id, f.vf(2));
  ASSERT_EQ(m[0]->data.size(), 4u);
  EXPECT_EQ(m[0]->data[0], 0x41u);
  EXPECT_EQ(m[0]->data[1], 0x40u);
  EXPECT_GT(m[0]->t, t0);
  // Function Mask holds it pending; clearing the Function Mask sends it.
  f.enable(true);
  EXPECT_EQ(ladon__sriov_msix_raise(f.fn, 1), LADON__MSIX_PENDING);
  f.drain();
  EXPECT_EQ(f.msgs().size(), 1u);
  f.enable(false);
  f.drain();
  EXPECT_EQ(f.msgs().size(), 2u);
  // Bus Master Enable clear: a function may not write, not even MSI-X.
  f.wr16(f.vf(2), PCI_COMMAND, 0);
  EXPECT_EQ(ladon__sriov_msix_raise(f.fn, 1), LADON__MSIX_DISABLED);
  f.drain();
  EXPECT_EQ(f.msgs().size(), 2u);
  EXPECT_EQ(st::counter(f.sim, "nic0.vf1.msix_sent"), 2u);
}

TEST(SriovMem, RegisterWritesReachTheFunctionsHook) {
  Fixture f;
  f.enumerate(kBar, kVfBar, 1);
  struct Seen {
    uint32_t off = 0, value = 0;
    uint8_t be = 0;
    int calls = 0;
  } seen;
  ladon__sriov_fn *vf1 = ladon__sriov_fn_at(f.dev, 1);
  ladon__sriov_fn_hook(
      vf1,
      [](void *ctx, ladon__sriov_fn *, uint32_t off, uint32_t v, uint8_t be) {
        Seen *s = static_cast<Seen *>(ctx);
        s->off = off;
        s->value = v;
        s->be = be;
        s->calls++;
      },
      &seen);
  f.mmio_write32(kVfBar + 0x2018, 5);
  f.mmio_write(kVfBar + 0x2019, {0x01}); // one byte: merged into the DW
  f.drain();
  EXPECT_EQ(seen.calls, 2);
  EXPECT_EQ(seen.off, 0x2018u);
  EXPECT_EQ(seen.value, 0x105u);
  EXPECT_EQ(seen.be, 0x2u);
  // MSI-X table writes are not register writes.
  f.mmio_write32(kVfBar + LADON__SRIOV_MSIX_TABLE, 0xfee00000u);
  f.drain();
  EXPECT_EQ(seen.calls, 2);
}

} // namespace
