// SR-IOV endpoint: configuration space through CfgRd/CfgWr TLPs on the up
// port -- the PF's capabilities, VFs appearing at their Routing IDs when VF
// Enable is Set (PCIe Base 5.0 §9.3.3.3.1, §9.3.3.9-10), Type 1 access to
// VFs on higher buses (§9.2.1.2), and parameters rejected at create time.
#include "test_sriov_harness.h"

extern "C" {
#include "ladon/component.h"
#include "models/model.h"
}

namespace {

using st::Fixture;

TEST(SriovCfg, PfIdentityAndCapabilitiesReadThroughTlps) {
  Fixture f;
  uint32_t id = f.rd(f.pf(), PCI_VENDOR_ID);
  EXPECT_EQ(id & 0xffff, 0x8086u);
  EXPECT_EQ(id >> 16, 0x10fbu);
  EXPECT_EQ((f.rd(f.pf(), PCI_CLASS_REVISION) >> 8), 0x020000u);
  EXPECT_NE(f.find_cap(f.pf(), PCI_CAP_ID_EXP), 0);
  uint16_t msix = f.find_cap(f.pf(), PCI_CAP_ID_MSIX);
  ASSERT_NE(msix, 0);
  // Table Size is N - 1 (§7.7.2.2); table and PBA in BAR0 at 3000h / 3800h.
  EXPECT_EQ(f.rd16(f.pf(), msix + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE, 64u - 1u);
  EXPECT_EQ(f.rd(f.pf(), msix + PCI_MSIX_TABLE), LADON__SRIOV_MSIX_TABLE | 0u);
  EXPECT_EQ(f.rd(f.pf(), msix + PCI_MSIX_PBA), LADON__SRIOV_MSIX_PBA | 0u);
  EXPECT_NE(f.find_ext(f.pf(), PCI_EXT_CAP_ID_ARI), 0);
  uint16_t sr = f.find_ext(f.pf(), PCI_EXT_CAP_ID_SRIOV);
  ASSERT_NE(sr, 0);
  EXPECT_EQ(f.rd16(f.pf(), sr + PCI_SRIOV_TOTAL_VF), 8u);
  EXPECT_EQ(f.rd16(f.pf(), sr + PCI_SRIOV_INITIAL_VF), 8u);
  EXPECT_EQ(f.rd16(f.pf(), sr + PCI_SRIOV_VF_OFFSET), 1u);
  EXPECT_EQ(f.rd16(f.pf(), sr + PCI_SRIOV_VF_STRIDE), 1u);
  EXPECT_EQ(f.rd16(f.pf(), sr + PCI_SRIOV_VF_DID), 0x10edu);
  EXPECT_EQ(f.rd16(f.pf(), sr + PCI_SRIOV_NUM_VF), 0u); // software sets it
  // The PF's BAR0 is a 64-bit memory BAR: all ones reads back the size mask.
  f.wr(f.pf(), PCI_BASE_ADDRESS_0, 0xffffffffu);
  f.wr(f.pf(), PCI_BASE_ADDRESS_1, 0xffffffffu);
  uint64_t mask = (uint64_t)f.rd(f.pf(), PCI_BASE_ADDRESS_1) << 32 |
                  (f.rd(f.pf(), PCI_BASE_ADDRESS_0) & PCI_BASE_ADDRESS_MEM_MASK);
  EXPECT_EQ(~mask + 1u, 128u * 1024u); // pf_bar_size default
  EXPECT_EQ(f.rd(f.pf(), PCI_BASE_ADDRESS_0) & PCI_BASE_ADDRESS_MEM_TYPE_MASK,
            (uint32_t)PCI_BASE_ADDRESS_MEM_TYPE_64);
}

// VFs at PF + First VF Offset + (n - 1) x VF Stride, only with VF Enable.
TEST(SriovCfg, VfsAppearAtOffsetAndStrideOnlyWithVfEnable) {
  ladon__sriov_config c;
  ladon__sriov_config_default(&c);
  c.first_vf_offset = 2;
  c.vf_stride = 3;
  c.total_vfs = 6;
  c.num_vfs = 6;
  Fixture f(&c);
  uint16_t sr = f.find_ext(f.pf(), PCI_EXT_CAP_ID_SRIOV);
  // VF 1 = 03:00.2, VF 2 = 03:00.5, VF 3 = 03:01.0, VF 4 = 03:01.3.
  const uint16_t vf_rid[4] = {LADON_TLP_ID(3, 0, 2), LADON_TLP_ID(3, 0, 5), LADON_TLP_ID(3, 1, 0),
                              LADON_TLP_ID(3, 1, 3)};
  for (int n = 1; n <= 4; n++) ASSERT_EQ(f.vf((uint16_t)n), vf_rid[n - 1]);
  // Before VF Enable: no such functions, Unsupported Request (§9.3.3.3.1).
  for (uint16_t r : vf_rid) EXPECT_EQ(f.cfg(false, r, PCI_VENDOR_ID).status, LADON_TLP_CPL_UR);
  f.wr16(f.pf(), sr + PCI_SRIOV_NUM_VF, 3);
  for (uint16_t r : vf_rid) EXPECT_EQ(f.cfg(false, r, PCI_VENDOR_ID).status, LADON_TLP_CPL_UR);
  f.wr16(f.pf(), sr + PCI_SRIOV_CTRL, PCI_SRIOV_CTRL_VFE);
  for (int n = 1; n <= 3; n++) {
    Fixture::CfgResult r = f.cfg(false, vf_rid[n - 1], PCI_VENDOR_ID);
    EXPECT_EQ(r.status, LADON_TLP_CPL_SC) << "VF " << n;
    EXPECT_EQ(r.value, 0xffffffffu) << "VF Vendor and Device ID read FFFFh (§9.3.4.1.1-2)";
    EXPECT_EQ(r.cpl_id, vf_rid[n - 1]) << "the VF completes with its own ID";
  }
  EXPECT_EQ(f.cfg(false, vf_rid[3], PCI_VENDOR_ID).status, LADON_TLP_CPL_UR) << "beyond NumVFs";
  // RIDs between VFs (not a multiple of the stride) are no function.
  EXPECT_EQ(f.cfg(false, LADON_TLP_ID(3, 0, 3), PCI_VENDOR_ID).status, LADON_TLP_CPL_UR);
  // NumVFs is read-only while VF Enable is Set.
  f.wr16(f.pf(), sr + PCI_SRIOV_NUM_VF, 4);
  EXPECT_EQ(f.rd16(f.pf(), sr + PCI_SRIOV_NUM_VF), 3u);
  ladon__sriov_counts k;
  ladon__sriov_counts_get(f.dev, &k);
  EXPECT_EQ(k.cfg_ur, 4u + 4u + 1u + 1u);
}

TEST(SriovCfg, ClearingVfEnableRemovesAndResetsVfs) {
  Fixture f;
  uint16_t sr = f.find_ext(f.pf(), PCI_EXT_CAP_ID_SRIOV);
  f.wr16(f.pf(), sr + PCI_SRIOV_NUM_VF, 2);
  f.wr16(f.pf(), sr + PCI_SRIOV_CTRL, PCI_SRIOV_CTRL_VFE);
  uint16_t v2 = f.vf(2);
  // A VF's Command: only Bus Master Enable is writable (§9.3.4.1.3).
  f.wr16(v2, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
  EXPECT_EQ(f.rd16(v2, PCI_COMMAND), PCI_COMMAND_MASTER);
  EXPECT_TRUE(ladon__sriov_fn_present(ladon__sriov_fn_at(f.dev, 2)));
  f.wr16(f.pf(), sr + PCI_SRIOV_CTRL, 0);
  EXPECT_EQ(f.cfg(false, v2, PCI_COMMAND).status, LADON_TLP_CPL_UR);
  EXPECT_FALSE(ladon__sriov_fn_present(ladon__sriov_fn_at(f.dev, 2)));
  f.wr16(f.pf(), sr + PCI_SRIOV_CTRL, PCI_SRIOV_CTRL_VFE);
  EXPECT_EQ(f.rd16(v2, PCI_COMMAND), 0u) << "the VF came back from reset";
}

// VF 1 at PF + 256: the next bus, reached with Type 1 requests.
TEST(SriovCfg, VfsOnTheNextBusAnswerType1Requests) {
  ladon__sriov_config c;
  ladon__sriov_config_default(&c);
  c.first_vf_offset = 256;
  c.vf_stride = 1;
  c.total_vfs = 4;
  c.num_vfs = 4;
  Fixture f(&c);
  uint16_t sr = f.find_ext(f.pf(), PCI_EXT_CAP_ID_SRIOV);
  f.wr(f.pf(), PCI_CACHE_LINE_SIZE, 0x10, 0x1);           // a Type 0 write captures bus 3
  f.wr16(f.pf(), sr + PCI_SRIOV_NUM_VF, 4);
  f.wr16(f.pf(), sr + PCI_SRIOV_CTRL, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_ARI);
  for (uint16_t n = 1; n <= 4; n++) {
    uint16_t rid = (uint16_t)(LADON_TLP_ID(4, 0, 0) + n - 1); // 04:00.0 .. 04:00.3
    Fixture::CfgResult r = f.cfg(false, rid, PCI_VENDOR_ID, 0, 0xf, true);
    EXPECT_EQ(r.status, LADON_TLP_CPL_SC) << "VF " << n;
    EXPECT_EQ(r.cpl_id, rid);
    EXPECT_EQ(ladon__sriov_fn_rid(ladon__sriov_fn_at(f.dev, n)), rid);
  }
  EXPECT_EQ(f.cfg(false, LADON_TLP_ID(4, 0, 4), PCI_VENDOR_ID, 0, 0xf, true).status,
            LADON_TLP_CPL_UR);
  // A Type 1 request for the PF's own bus is not for this device's VFs.
  EXPECT_EQ(f.cfg(false, f.pf(), PCI_VENDOR_ID, 0, 0xf, true).status, LADON_TLP_CPL_UR);
}

TEST(SriovCfg, VfMaxPayloadComesFromThePf) {
  Fixture f;
  f.enumerate(0x80000000ull, 0x90000000ull, 2, /*mps=*/512, /*mrrs=*/1024);
  const ladon__dma_settings *pf = ladon__dma_get(ladon__sriov_fn_dma(ladon__sriov_fn_at(f.dev, 0)));
  const ladon__dma_settings *v1 = ladon__dma_get(ladon__sriov_fn_dma(ladon__sriov_fn_at(f.dev, 1)));
  EXPECT_EQ(pf->mps_bytes, 512u);
  EXPECT_EQ(pf->mrrs_bytes, 1024u);
  // §9.3.5.4: MPS is RsvdP in a VF, whose DMA uses the PF's setting; MRRS
  // is its own.
  EXPECT_EQ(v1->mps_bytes, 512u);
  EXPECT_EQ(v1->mrrs_bytes, 1024u);
  uint16_t exp = f.find_cap(f.vf(1), PCI_CAP_ID_EXP);
  f.set_devctl(f.vf(1), exp, 128, 256);
  EXPECT_EQ(v1->mps_bytes, 512u);
  EXPECT_EQ(v1->mrrs_bytes, 256u);
  EXPECT_EQ(v1->rid, f.vf(1));
  EXPECT_EQ(pf->rid, f.pf());
}

TEST(SriovCfg, ImpossibleParametersAreRejectedNamingInstanceAndParameter) {
  ladon_sim *sim = ladon_sim_new(nullptr, nullptr);
  ladon__sriov_config c;
  ladon__sriov_config_default(&c);
  c.total_vfs = 8;
  c.num_vfs = 9;
  ladon_error err;
  EXPECT_EQ(ladon__sriov_new(sim, "nicX", &c, &err), nullptr);
  EXPECT_EQ(err.code, LADON_ERANGE);
  EXPECT_NE(std::string(err.text).find("nicX"), std::string::npos) << err.text;
  EXPECT_NE(std::string(err.text).find("num_vfs"), std::string::npos) << err.text;
  ladon__sriov_config_default(&c);
  c.vf_bar_bytes = 24 * 1024;
  EXPECT_EQ(ladon__sriov_new(sim, "nicY", &c, &err), nullptr);
  EXPECT_NE(std::string(err.text).find("vf_bar_size"), std::string::npos) << err.text;
  EXPECT_NE(std::string(err.text).find("nicY"), std::string::npos) << err.text;
  ladon__sriov_config_default(&c);
  c.pf_bar_bytes = 3 * 65536;
  EXPECT_EQ(ladon__sriov_new(sim, "nicZ", &c, &err), nullptr);
  EXPECT_NE(std::string(err.text).find("pf_bar_size"), std::string::npos) << err.text;
  ladon_sim_free(sim);
}

TEST(SriovCfg, RegisteredTypeCreatesFromParametersAndRejectsTooManyVfs) {
  const ladon_component_type *t = ladon_component_find("sriov_nic");
  ASSERT_NE(t, nullptr);
  ASSERT_NE(ladon__model_ops(t), nullptr);
  ladon_sim *sim = ladon_sim_new(nullptr, nullptr);
  ladon_error err;
  ladon_params *p = ladon_params_new(t->params, t->n_params, t->name, &err);
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(ladon_params_set_u64(p, "total_vfs", 4, &err), LADON_OK);
  ASSERT_EQ(ladon_params_set_u64(p, "num_vfs", 5, &err), LADON_OK);
  ASSERT_EQ(ladon_params_resolve(p, &err), LADON_OK);
  void *inst = nullptr;
  EXPECT_NE(t->create(sim, "nic7", p, &inst, &err), LADON_OK);
  EXPECT_NE(std::string(err.text).find("nic7"), std::string::npos) << err.text;
  EXPECT_NE(std::string(err.text).find("num_vfs"), std::string::npos) << err.text;
  ladon_params_free(p);
  p = ladon_params_new(t->params, t->n_params, t->name, &err);
  ASSERT_EQ(ladon_params_set(p, "vf_bar_size", "64KiB", &err), LADON_OK);
  ASSERT_EQ(ladon_params_resolve(p, &err), LADON_OK);
  ASSERT_EQ(t->create(sim, "nic8", p, &inst, &err), LADON_OK) << err.text;
  EXPECT_NE(ladon__model_ops(t)->port(inst, "up"), nullptr);
  EXPECT_EQ(ladon__model_ops(t)->port(inst, "d0"), nullptr);
  EXPECT_EQ(ladon__sriov_config_get((ladon__sriov *)inst)->vf_bar_bytes, 65536u);
  t->destroy(inst);
  ladon_params_free(p);
  // The workload kinds are registered as port-less types.
  for (const char *k : {"dma", "nic"}) {
    const ladon_component_type *w = ladon_component_find(k);
    ASSERT_NE(w, nullptr) << k;
    EXPECT_EQ(w->n_ports, 0u);
    EXPECT_EQ(ladon__model_ops(w)->port, nullptr);
  }
  ladon_sim_free(sim);
}

TEST(SriovCfg, TypeZeroWritesCaptureTheBusNumberUsedAsRequesterId) {
  Fixture f;
  EXPECT_EQ(ladon__sriov_fn_rid(ladon__sriov_fn_at(f.dev, 0)), 0u);
  f.rd(f.pf(), PCI_VENDOR_ID); // reads capture nothing (§2.2.6.2: writes do)
  EXPECT_EQ(ladon__sriov_fn_rid(ladon__sriov_fn_at(f.dev, 0)), 0u);
  f.wr(f.pf(), PCI_CACHE_LINE_SIZE, 0x10, 0x1);
  EXPECT_EQ(ladon__sriov_fn_rid(ladon__sriov_fn_at(f.dev, 0)), LADON_TLP_ID(3, 0, 0));
  EXPECT_EQ(ladon__sriov_fn_rid(ladon__sriov_fn_at(f.dev, 1)), LADON_TLP_ID(3, 0, 1));
}

} // namespace
