// VMs: deterministic placement of guest memory in host RAM, the EPT as a
// ladon_imap (GPA -> HPA with R/W/X), EPT violations that keep TLPs off the
// fabric, guest MMIO through the EPT, and the GPA->HPA ranges an IOMMU
// domain must map.
#include "test_host_harness.h"

using ht::Fixture;

namespace {
const uint64_t MiB = 1024ull * 1024ull;
const uint64_t GiB = 1024ull * MiB;
}  // namespace

// 1 GiB of RAM, all below the hole.  The first VM's 64 MiB come from the
// top: DRAM [960 MiB, 1 GiB), the same host physical addresses.
TEST(HostVm, GuestMemoryIsPlacedFromTheTopOfRam) {
  Fixture f({{"memory", "1GiB"}}, 0);
  ladon_error err{};
  ladon__host_vm *a = ladon__host_vm_add(f.h, "vmA", 64 * MiB, 2, &err);
  ASSERT_NE(a, nullptr) << err.text;
  ladon__host_vm *b = ladon__host_vm_add(f.h, "vmB", 32 * MiB, 1, &err);
  ASSERT_NE(b, nullptr) << err.text;
  const ladon__host_range *r;
  ASSERT_EQ(ladon__host_vm_ranges(a, &r), 1u);
  EXPECT_EQ(r[0].gpa, 0u);
  EXPECT_EQ(r[0].hpa, 1 * GiB - 64 * MiB);
  EXPECT_EQ(r[0].bytes, 64 * MiB);
  ASSERT_EQ(ladon__host_vm_ranges(b, &r), 1u);
  EXPECT_EQ(r[0].hpa, 1 * GiB - 96 * MiB);
  // The EPT maps it with 2 MiB pages (one entry for the uniform run).
  const ladon_imap *ept = ladon__host_vm_ept(a);
  ASSERT_EQ(ladon_imap_count(ept), 1u);
  EXPECT_EQ(ladon_imap_at(ept, 0)->page_shift, 21u);
  EXPECT_EQ(ladon_imap_at(ept, 0)->perms, (uint32_t)LADON_IMAP_RWX);
  EXPECT_EQ(ladon_imap_at(ept, 0)->target_domain, ladon__host_hpa_domain(f.h));
  uint64_t hpa = 0;
  EXPECT_EQ(ladon__host_vm_translate(a, 0x1234, 4, LADON_IMAP_R, &hpa), LADON_OK);
  EXPECT_EQ(hpa, 1 * GiB - 64 * MiB + 0x1234);
  // vCPUs are pinned round-robin: vmA on cores 0, 1; vmB on core 2.
  EXPECT_EQ(ladon__host_vm_core(a, 0), 0u);
  EXPECT_EQ(ladon__host_vm_core(a, 1), 1u);
  EXPECT_EQ(ladon__host_vm_core(b, 0), 2u);
  EXPECT_EQ(ladon__host_vm_find(f.h, "vmB"), b);
}

// 3 GiB of RAM: 2 GiB below the hole at 2 GiB, 1 GiB from 4 GiB.  A VM of
// 1.5 GiB takes DRAM [1.5 GiB, 3 GiB): GPA [0, 512 MiB) -> HPA
// [1.5 GiB, 2 GiB) and GPA [512 MiB, 1.5 GiB) -> HPA [4 GiB, 5 GiB).
TEST(HostVm, GuestMemoryStraddlingTheHoleBecomesTwoRanges) {
  Fixture f({{"memory", "3GiB"}}, 0);
  ladon__host_vm *v = ladon__host_vm_add(f.h, "vm", 1536 * MiB, 1, nullptr);
  ASSERT_NE(v, nullptr);
  const ladon__host_range *r;
  ASSERT_EQ(ladon__host_vm_ranges(v, &r), 2u);
  EXPECT_EQ(r[0].gpa, 0u);
  EXPECT_EQ(r[0].hpa, 1536 * MiB);
  EXPECT_EQ(r[0].bytes, 512 * MiB);
  EXPECT_EQ(r[1].gpa, 512 * MiB);
  EXPECT_EQ(r[1].hpa, 4 * GiB);
  EXPECT_EQ(r[1].bytes, 1 * GiB);
  // Functional access through the EPT crosses from one range to the next.
  uint8_t src[16], dst[16] = {0};
  for (int i = 0; i < 16; i++) src[i] = (uint8_t)(i + 1);
  ASSERT_EQ(ladon__host_vm_mem_write(v, 512 * MiB - 8, src, 16), LADON_OK);
  uint8_t lo[8], hi[8];
  ladon__host_mem_read(f.h, 2 * GiB - 8, lo, 8);
  ladon__host_mem_read(f.h, 4 * GiB, hi, 8);
  EXPECT_EQ(std::memcmp(lo, src, 8), 0);
  EXPECT_EQ(std::memcmp(hi, src + 8, 8), 0);
  ASSERT_EQ(ladon__host_vm_mem_read(v, 512 * MiB - 8, dst, 16), LADON_OK);
  EXPECT_EQ(std::memcmp(dst, src, 16), 0);
}

TEST(HostVm, ImpossibleVmsAreRejectedNamingHostAndVm) {
  Fixture f({{"memory", "256MiB"}}, 0);
  ladon_error err{};
  EXPECT_EQ(ladon__host_vm_add(f.h, "big", 512 * MiB, 1, &err), nullptr);
  EXPECT_EQ(err.code, LADON_ENOMEM);
  EXPECT_NE(std::string(err.text).find("mh"), std::string::npos);
  EXPECT_NE(std::string(err.text).find("big"), std::string::npos);
  EXPECT_EQ(ladon__host_vm_add(f.h, "odd", 1000, 1, &err), nullptr);
  EXPECT_EQ(err.code, LADON_EINVAL);
  EXPECT_EQ(ladon__host_vm_add(f.h, "nocpu", 4 * MiB, 0, &err), nullptr);
  ASSERT_NE(ladon__host_vm_add(f.h, "ok", 4 * MiB, 1, &err), nullptr);
  EXPECT_EQ(ladon__host_vm_add(f.h, "ok", 4 * MiB, 1, &err), nullptr);
  EXPECT_EQ(ladon__host_vm_count(f.h), 1u);
}

// Guest MMIO: the hypervisor maps the VF BAR (host 0x90000000) at guest
// 0xC0000000; a guest store there reaches the endpoint at the host address.
// A store to an unmapped GPA or a read-only page is an EPT violation: no
// TLP leaves, the violation is counted.
TEST(HostVm, GuestMmioGoesThroughTheEptOrNowhere) {
  Fixture f({{"memory", "1GiB"}}, 1);
  f.up();
  f.program_rp(0, 1, 1, 0x90000000, 0x900fffff, PCI_COMMAND_MEMORY);
  ladon__host_vm *v = ladon__host_vm_add(f.h, "vm", 16 * MiB, 1, nullptr);
  ASSERT_NE(v, nullptr);
  ASSERT_EQ(ladon__host_vm_map(v, 0xC0000000ull, 0x90000000ull, 0x4000,
                               LADON_IMAP_RW, nullptr),
            LADON_OK);
  ASSERT_EQ(ladon__host_vm_map(v, 0xC0010000ull, 0x90010000ull, 0x1000,
                               LADON_IMAP_R, nullptr),
            LADON_OK);
  uint32_t d = 0x600dd00d;
  EXPECT_EQ(ladon__host_vm_mmio_write(v, 0, 0xC0000010ull, 4, &d), LADON_OK);
  EXPECT_EQ(ladon__host_vm_mmio_write(v, 0, 0xD0000000ull, 4, &d), LADON_ENOENT);
  EXPECT_EQ(ladon__host_vm_mmio_write(v, 0, 0xC0010000ull, 4, &d), LADON_ENOENT);
  f.run_for(LADON_US(1));
  ASSERT_EQ(f.eps[0]->count(LADON_TLP_MWR), 1u);
  EXPECT_EQ(f.eps[0]->last(LADON_TLP_MWR)->tlp.addr, 0x90000010u);
  EXPECT_EQ(ladon__host_vm_ept_violations(v), 2u);
  // A guest load through the read-only page is permitted.
  ht::Load l;
  l.sim = f.sim;
  f.eps[0]->mem[0x90010000] = 0x42;
  EXPECT_EQ(ladon__host_vm_mmio_read(v, 0, 0xC0010000ull, 1, ht::Load::cb, &l),
            LADON_OK);
  f.run_for(LADON_US(2));
  ASSERT_TRUE(l.done);
  EXPECT_EQ(l.value, 0x42u);
  // Overlapping mappings are refused.
  EXPECT_EQ(ladon__host_vm_map(v, 0xC0001000ull, 0x90100000ull, 0x1000,
                               LADON_IMAP_RW, nullptr),
            LADON_EEXIST);
}

// DMA from a device to the HPA of a VM's page lands in that VM's memory at
// the GPA the EPT maps there (the IOMMU, when present, is what lets the
// device name GPAs; here the device uses the HPA).
TEST(HostVm, DeviceWritesToTheVmsPagesAppearInItsGuestMemory) {
  Fixture f({{"memory", "1GiB"}}, 1);
  f.up();
  f.program_rp(0, 1, 1, 0x90000000, 0x900fffff,
               PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
  ladon__host_vm *v = ladon__host_vm_add(f.h, "vm", 16 * MiB, 1, nullptr);
  const ladon__host_range *r;
  ladon__host_vm_ranges(v, &r);
  uint8_t data[32];
  for (int i = 0; i < 32; i++) data[i] = (uint8_t)(200 - i);
  f.eps[0]->mem_request(LADON_TLP_MWR, r[0].hpa + 0x5000, 32, data);
  f.run_for(LADON_US(2));
  uint8_t g[32];
  ASSERT_EQ(ladon__host_vm_mem_read(v, 0x5000, g, 32), LADON_OK);
  EXPECT_EQ(std::memcmp(g, data, 32), 0);
}

TEST(HostVm, HostAllocationsAndVmsNeverOverlap) {
  Fixture f({{"memory", "64MiB"}}, 0);
  uint64_t a = 0, b = 0;
  ASSERT_EQ(ladon__host_mem_alloc(f.h, 4096, 4096, &a), LADON_OK);
  ASSERT_EQ(ladon__host_mem_alloc(f.h, 100, 64, &b), LADON_OK);
  EXPECT_EQ(a, 1 * MiB);  // above the firmware's first MiB
  EXPECT_EQ(b, 1 * MiB + 4096);
  ladon__host_vm *v = ladon__host_vm_add(f.h, "vm", 60 * MiB, 1, nullptr);
  ASSERT_NE(v, nullptr);
  const ladon__host_range *r;
  ladon__host_vm_ranges(v, &r);
  EXPECT_GE(r[0].hpa, b + 100);
  EXPECT_EQ(ladon__host_mem_alloc(f.h, 8 * MiB, 4096, &a), LADON_ENOMEM);
}
