/* Pieces of the Ladon manager shared by its files (ladon_mgr.c, ladon_msi.c). */
#ifndef LADON_FABRIC_LADON_MGR_INT_H
#define LADON_FABRIC_LADON_MGR_INT_H

#include "fabric/fabric_int.h"
#include "models/host.h"
#include "models/iommu.h"

/* First CH host vector the manager hands out (0-31 are the CPU's
** exceptions, Intel SDM Vol. 3 §6.2), and the last usable one. */
#define LADON__LMGR_VECTOR_FIRST 0x30u
#define LADON__LMGR_VECTOR_LAST 0xefu

/* The largest IOMMU page shift (30, 21, 12), up to the IOMMU's largest,
** that aligns an IOVA, its target and the size alike: the fewest PTEs (and
** IOTLB entries) a driver would use for the range. */
static inline unsigned ladon__lmgr_page_shift(const ladon__iommu *iommu, uint64_t iova,
                                              uint64_t phys, uint64_t bytes) {
  uint64_t m = iova | phys | bytes;
  unsigned max = ladon__iommu_max_page_shift(iommu);
  return max >= 30 && !(m & ((UINT64_C(1) << 30) - 1))   ? 30
         : max >= 21 && !(m & ((UINT64_C(1) << 21) - 1)) ? 21
                                                         : 12;
}

/*
** The CH IOMMU, when the CH has one: the assignment's proxy ID gets a
** context whose domain maps the VM's CH pages 1:1 (the MH-side window
** already landed on CH physical addresses).  Sets a->ch_iommu_domain.
*/
ladon_status ladon__lmgr_ch_iommu(ladon_fabric *f, ladon__lmgr_assign *a,
                                  ladon__host_vm *vm, ladon_error *err);

/*
** Interrupts: allocates CH host vectors (and IR entries with source-ID =
** the proxy ID when the CH has an IOMMU) for the function's MSI-X vectors,
** writes its MSI-X table with MMIO from the MH's core 0 (addresses through
** the MH-side interrupt window for a Ladon assignment), then sets MSI-X
** Enable with a configuration write.  Fills the interrupt fields of `a`.
*/
ladon_status ladon__lmgr_msix(ladon_fabric *f, ladon__lmgr_assign *a,
                              ladon__host_vm *vm, ladon_error *err);

/*
** The proxy's write filter (ladon_cfgproxy.c): whether a `size`-byte write
** of `value` at `reg` touches only VF-safe bytes; if so, the 16-bit register
** to read-modify-write (*wreg), the bits it may change (*mask, 0 = nothing
** to do) and their new values (*bits).  `msix_cap` 0 = no MSI-X.
*/
bool ladon__lmgr_cfg_filter(uint16_t msix_cap, uint16_t reg, unsigned size,
                            uint32_t value, uint16_t *wreg, uint16_t *mask,
                            uint16_t *bits);

/* Frees the proxied accesses still in flight (fabric teardown). */
void ladon__lmgr_free_ops(ladon_fabric *f);

/* Default proxy latency each way: half of Marlin's 8.5 us kernel-to-kernel
** NTB round trip (reference notes §5.5). */
#define LADON__LMGR_CFG_LATENCY_PS 4250000u

#endif
