// The root complex with its IOMMU: DMA translated through the requester's
// domain (latency of a page walk on a miss), blocked writes discarded and
// blocked reads completed with the configured status by the root complex,
// interrupt remapping with source-ID checks, and a VM's memory mapped into
// a device's domain exactly from the VM's GPA->HPA ranges.
#include "test_host_harness.h"

extern "C" {
#include "models/iommu.h"
}

using ht::Fixture;

namespace {

const uint64_t MiB = 1024ull * 1024ull;

struct IommuFixture : Fixture {
  ladon__iommu *mmu = nullptr;
  explicit IommuFixture(ht::Params p) : Fixture(with_iommu(p), 1) {
    if (create_status != LADON_OK) return;
    up();
    program_rp(0, 1, 1, 0x90000000, 0x900fffff,
               PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    mmu = ladon__host_iommu(h);
  }
  static ht::Params with_iommu(ht::Params p) {
    p.push_back({"iommu", "true"});
    return p;
  }
  ht::Ep &ep() { return *eps[0]; }
};

std::vector<uint8_t> pattern(size_t n, unsigned seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; i++) v[i] = (uint8_t)(i * 29 + seed);
  return v;
}

}  // namespace

TEST(HostIommu, DmaIsTranslatedThroughTheRequestersDomain) {
  IommuFixture f(ht::Params{});
  ASSERT_EQ(f.create_status, LADON_OK) << f.err.text;
  ASSERT_NE(f.mmu, nullptr);
  ASSERT_EQ(ladon__iommu_attach(f.mmu, f.ep().id, 1, nullptr), LADON_OK);
  ASSERT_EQ(ladon__iommu_map(f.mmu, 1, 0x10000000, 0x1000, 0x200000,
                             LADON_IMAP_RW, 12, nullptr),
            LADON_OK);
  auto d = pattern(64, 4);
  f.ep().mem_request(LADON_TLP_MWR, 0x10000040, 64, d.data());
  f.run_for(LADON_US(2));
  std::vector<uint8_t> m(64);
  ladon__host_mem_read(f.h, 0x200040, m.data(), 64);
  EXPECT_EQ(m, d);
  // Nothing landed at the untranslated address.
  ladon__host_mem_read(f.h, 0x10000040, m.data(), 64);
  EXPECT_EQ(m, std::vector<uint8_t>(64, 0));
  // And reads come back from the translated address.
  f.ep().mem_request(LADON_TLP_MRD, 0x10000040, 64);
  f.run_for(LADON_US(2));
  const ht::Rx *c = f.ep().last(LADON_TLP_CPLD);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->data, d);
  EXPECT_EQ(c->tlp.lower_addr, 0x40u);
}

// VT-d: a blocked write is discarded, a blocked read is completed with the
// configured status (here CA) by the root complex (completer 00:00.0); the
// IOMMU records the fault with the requester, address and reason.
TEST(HostIommu, BlockedDmaIsDiscardedOrCompletedWithTheConfiguredStatus) {
  IommuFixture f(ht::Params{{"blocked_read_status", "CA"}});
  ASSERT_EQ(f.create_status, LADON_OK) << f.err.text;
  ladon__iommu_attach(f.mmu, f.ep().id, 1, nullptr);
  ladon__iommu_map(f.mmu, 1, 0x10000000, 0x1000, 0x200000, LADON_IMAP_R, 12,
                   nullptr);
  auto d = pattern(32, 1);
  f.ep().mem_request(LADON_TLP_MWR, 0x10000000, 32, d.data());  // no W
  f.ep().mem_request(LADON_TLP_MRD, 0x20000000, 32, nullptr, 0xffff, 5);
  f.run_for(LADON_US(3));
  std::vector<uint8_t> m(32, 1);
  ladon__host_mem_read(f.h, 0x200000, m.data(), 32);
  EXPECT_EQ(m, std::vector<uint8_t>(32, 0));
  const ht::Rx *c = f.ep().last(LADON_TLP_CPL);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->tlp.status, LADON_TLP_CPL_CA);
  EXPECT_EQ(c->tlp.tag, 5u);
  EXPECT_EQ(c->tlp.cpl_id, 0x0000u);
  EXPECT_EQ(f.stat("iommu_blocked"), 2u);
  ASSERT_EQ(ladon__iommu_fault_count(f.mmu), 2u);
  const ladon__iommu_fault *w = ladon__iommu_fault_at(f.mmu, 0);
  EXPECT_EQ(w->requester_id, f.ep().id);
  EXPECT_EQ(w->address, 0x10000000u);
  EXPECT_EQ(w->write, 1u);
  EXPECT_EQ(w->reason, 0x05u);  // write to a page without W
  EXPECT_EQ(ladon__iommu_fault_at(f.mmu, 1)->write, 0u);
}

// An IOTLB miss costs a 4-level walk (4 KiB page): 4 x walk_access_latency
// = 280 ns with the defaults; a second read of the same page hits (0 ns).
// Inside the root complex both are on 1 ns edges, so the round trips at the
// endpoint differ by the walk, up to the link's block alignment (< 1 ns).
TEST(HostIommu, AnIotlbMissAddsThePageWalk) {
  IommuFixture f(ht::Params{});
  ASSERT_EQ(f.create_status, LADON_OK) << f.err.text;
  ladon__iommu_attach(f.mmu, f.ep().id, 1, nullptr);
  ladon__iommu_map(f.mmu, 1, 0x10000000, 0x1000, 0x200000, LADON_IMAP_RW, 12,
                   nullptr);
  ladon_time_ps rt[2];
  for (int i = 0; i < 2; i++) {
    f.run_for(LADON_NS(1000) - f.now() % LADON_NS(1000));
    ladon_time_ps t0 = f.now();
    size_t before = f.ep().rx.size();
    f.ep().mem_request(LADON_TLP_MRD, 0x10000000 + 64u * i, 64);
    f.run_for(LADON_US(3));
    ASSERT_EQ(f.ep().rx.size(), before + 1);
    rt[i] = f.ep().rx.back().t - t0;
  }
  EXPECT_NEAR((double)(rt[0] - rt[1]), 280000.0, 1000.0);
}

// Interrupt remapping: the remappable-format address names IRTE 5 (handle
// in address bits 19:5); the IRTE sends vector 0x60 to core 2 and checks
// the source ID.  A forged source or a compatibility-format write is
// blocked (VT-d fault reasons 0x26, 0x25).
TEST(HostIommu, InterruptsAreRemappedAndSourceChecked) {
  IommuFixture f(ht::Params{{"cpus", "4"}, {"msi_injection_latency", "0ns"}});
  ASSERT_EQ(f.create_status, LADON_OK) << f.err.text;
  ladon__iommu_irte e{};
  e.dest_cpu = 2;
  e.vector = 0x60;
  e.source_id = f.ep().id;
  e.sid_verify = 1;
  ASSERT_EQ(ladon__iommu_irte_set(f.mmu, 5, &e, nullptr), LADON_OK);
  uint8_t zero[4] = {0, 0, 0, 0};
  const uint64_t remap = 0xFEE00000ull | (5u << 5) | 0x10u;
  f.ep().mem_request(LADON_TLP_MWR, remap, 4, zero);
  f.ep().mem_request(LADON_TLP_MWR, remap, 4, zero, LADON_TLP_ID(1, 0, 1));
  uint8_t compat[4] = {0x41, 0, 0, 0};
  f.ep().mem_request(LADON_TLP_MWR, 0xFEE00000ull, 4, compat);
  f.run_for(LADON_US(2));
  EXPECT_EQ(ladon__host_irq_count(f.h, 2, 0x60), 1u);
  EXPECT_EQ(ladon__host_irq_count(f.h, 0, 0x41), 0u);
  EXPECT_EQ(f.stat("msi"), 1u);
  EXPECT_EQ(f.stat("msi_dropped"), 2u);
}

// A VM's memory in a device's domain: map exactly the VM's GPA->HPA ranges;
// the device then DMAs with guest physical addresses and the bytes appear
// in the guest; a GPA past the VM's memory faults.
TEST(HostIommu, DeviceDmaWithGuestAddressesLandsInTheVm) {
  IommuFixture f(ht::Params{{"memory", "1GiB"}});
  ASSERT_EQ(f.create_status, LADON_OK) << f.err.text;
  ladon__host_vm *vm = ladon__host_vm_add(f.h, "vm", 64 * MiB, 1, nullptr);
  ASSERT_NE(vm, nullptr);
  ladon__iommu_attach(f.mmu, f.ep().id, 7, nullptr);
  const ladon__host_range *r;
  size_t n = ladon__host_vm_ranges(vm, &r);
  for (size_t i = 0; i < n; i++)
    ASSERT_EQ(ladon__iommu_map(f.mmu, 7, r[i].gpa, r[i].bytes, r[i].hpa,
                               LADON_IMAP_RW, 21, nullptr),
              LADON_OK);
  auto d = pattern(128, 8);
  f.ep().mem_request(LADON_TLP_MWR, 0x123400, 128, d.data());
  f.ep().mem_request(LADON_TLP_MWR, 64 * MiB, 128, d.data());  // past the VM
  f.run_for(LADON_US(3));
  std::vector<uint8_t> g(128);
  ASSERT_EQ(ladon__host_vm_mem_read(vm, 0x123400, g.data(), 128), LADON_OK);
  EXPECT_EQ(g, d);
  EXPECT_EQ(ladon__iommu_fault_count(f.mmu), 1u);
  EXPECT_EQ(ladon__iommu_fault_at(f.mmu, 0)->address, 64 * MiB);
}

TEST(HostIommu, ImpossibleIotlbShapesAreRejectedAtCreation) {
  Fixture f({{"iommu", "true"}, {"iotlb_entries", "64"}, {"iotlb_ways", "5"}},
            0);
  EXPECT_EQ(f.create_status, LADON_EINVAL);
  EXPECT_NE(std::string(f.err.text).find("iotlb_entries"), std::string::npos);
  EXPECT_NE(std::string(f.err.text).find("mh.iommu"), std::string::npos);
}
