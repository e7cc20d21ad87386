/*
** The Ladon manager's interrupt tables (flow c) and the CH IOMMU context:
** the VF's MSI-X entries, the CH's interrupt-remapping entries, and the
** proxy ID's DMA-remapping domain on the CH.
*/
#include <string.h>

#include "fabric/ladon_mgr_int.h"
#include "models/iommu.h"
#include "models/ntb.h"
#include "pcie/pci_regs.h"
#include "sim/error_int.h"

ladon_status ladon__lmgr_ch_iommu(ladon_fabric *f, ladon__lmgr_assign *a,
                                  ladon__host_vm *vm, ladon_error *err) {
  ladon__iommu *iommu = ladon__host_iommu(ladon__host_of(f->inst[a->ch]));
  if (iommu == NULL) return LADON_OK;
  a->ch_iommu_domain = 0x20000u + a->vm;
  ladon_status st = ladon__iommu_attach(iommu, a->proxy_rid, a->ch_iommu_domain, err);
  if (st) return st;
  for (size_t i = 0; i < f->n_assigns; i++)
    if (f->assigns[i].vm == a->vm && f->assigns[i].ch_iommu_domain) return LADON_OK;
  const ladon__host_range *r;
  size_t n = ladon__host_vm_ranges(vm, &r);
  for (size_t i = 0; i < n; i++) {
    if ((st = ladon__iommu_map(iommu, a->ch_iommu_domain, r[i].hpa, r[i].bytes, r[i].hpa,
                               LADON_IMAP_RW,
                               ladon__lmgr_page_shift(iommu, r[i].hpa, r[i].hpa, r[i].bytes), err)))
      return st;
  }
  return LADON_OK;
}

/* ---- MMIO from the MH's CPU, flushed by a read ------------------------- */

typedef struct mmio_wait {
  bool done;
  uint8_t status;
} mmio_wait;

static void on_read(void *ctx, uint8_t status, uint64_t value) {
  mmio_wait *w = ctx;
  (void)value;
  w->done = true;
  w->status = status;
}

/* A driver's posted writes are known done when a later read returns
** (PCIe Base 5.0 §2.4.1: a read does not pass a posted write). */
static ladon_status flush(ladon_fabric *f, ladon__host *mh, uint64_t addr,
                          ladon_error *err) {
  mmio_wait w = {false, 0};
  ladon_status st = ladon__host_mmio_read(mh, 0, addr, 4, on_read, &w);
  if (st) return ladon__error_set(err, st, NULL, 0, 0, "MMIO read refused");
  while (!w.done)
    if (!ladon_sim_step(f->sim)) break;
  if (!w.done || w.status != LADON_TLP_CPL_SC)
    return ladon__error_set(err, LADON_EIO, NULL, 0, 0,
                            "host '%s': the MSI-X table at 0x%llx did not answer",
                            ladon__host_name(mh), (unsigned long long)addr);
  return LADON_OK;
}

/* The capability `id` of function `bdf` of host `h`'s domain, or 0. */
static ladon_status find_cap(ladon_fabric *f, uint32_t h, uint16_t bdf, uint8_t id,
                             uint16_t *out, ladon_error *err) {
  uint32_t ptr, hdr;
  ladon_status st = ladon__fabric_cfg_read(f, h, bdf, PCI_CAPABILITY_LIST, 1, &ptr, err);
  *out = 0;
  for (unsigned guard = 0; st == LADON_OK && (ptr & 0xfc) && guard < 48; guard++) {
    if ((st = ladon__fabric_cfg_read(f, h, bdf, (uint16_t)(ptr & 0xfc), 2, &hdr, err)))
      break;
    if ((hdr & 0xff) == id) {
      *out = (uint16_t)(ptr & 0xfc);
      break;
    }
    ptr = hdr >> 8;
  }
  return st;
}

/* Bytes of the CH interrupt range, from 0xFEE00000, the VF can reach: all of
** it on its own host; through an NTB, what the interrupt window (BAR4 or the
** last LUT entry, ladon_mgr.c) covers. */
static uint64_t msi_window_bytes(const ladon_fabric *f, const ladon__lmgr_assign *a) {
  const uint64_t range = LADON__HOST_MSI_LAST - LADON__HOST_MSI_BASE + 1;
  if (!a->ladon) return range;
  ladon__ntb *ntb = f->inst[a->ntb];
  const ladon__enum_fn *ep = ladon__fabric_fn_in(f, a->mh, a->ntb);
  uint64_t w = ladon__ntb_lut_entry_bytes(ntb);
  if (w == 0) w = ep->bars[4].size;
  uint64_t inside = w - (LADON__HOST_MSI_BASE & (w - 1));
  return inside < range ? inside : range;
}

ladon_status ladon__lmgr_msix(ladon_fabric *f, ladon__lmgr_assign *a,
                              ladon__host_vm *vm, ladon_error *err) {
  const ladon__topo *t = f->topo;
  ladon__host *mh = ladon__host_of(f->inst[a->mh]);
  ladon__host *ch = ladon__host_of(f->inst[a->ch]);
  ladon__iommu *ir = ladon__host_iommu(ch);
  uint16_t cap;
  uint32_t ctl, tbl;
  ladon_status st = find_cap(f, a->mh, a->vf_rid, PCI_CAP_ID_MSIX, &cap, err);
  a->msix_cap = cap;
  if (st || cap == 0) return st;
  if ((st = ladon__fabric_cfg_read(f, a->mh, a->vf_rid, cap + PCI_MSIX_FLAGS, 2, &ctl, err)) ||
      (st = ladon__fabric_cfg_read(f, a->mh, a->vf_rid, cap + PCI_MSIX_TABLE, 4, &tbl, err)))
    return st;
  if ((tbl & PCI_MSIX_TABLE_BIR) != 0)
    return ladon__error_set(err, LADON_ENOTSUP, NULL, 0, 0,
                            "the MSI-X table is not in BAR0");
  uint64_t table = a->vf_bar + (tbl & PCI_MSIX_TABLE_OFFSET);
  a->n_vectors = (ctl & PCI_MSIX_FLAGS_QSIZE) + 1u; /* §7.7.2.2: N-1 encoded */
  a->dest_core = ladon__host_vm_core(vm, 0);
  if (!a->ladon) a->msi_addr_base = LADON__HOST_MSI_BASE;
  /* Vectors and IR handles of this CH, in assignment order. */
  uint32_t used = 0;
  for (size_t i = 0; i < f->n_assigns; i++)
    if (f->assigns[i].ch == a->ch) used += f->assigns[i].n_vectors;
  if (LADON__LMGR_VECTOR_FIRST + used + a->n_vectors - 1 > LADON__LMGR_VECTOR_LAST)
    return ladon__error_set(err, LADON_ERANGE, NULL, 0, 0,
                            "host '%s' has no interrupt vectors left for %u MSI-X "
                            "vectors",
                            t->comps[a->ch].name, a->n_vectors);
  a->vector_first = (uint8_t)(LADON__LMGR_VECTOR_FIRST + used);
  a->irte_first = used;
  uint64_t window = msi_window_bytes(f, a);
  for (uint32_t v = 0; v < a->n_vectors; v++) {
    uint8_t vector = (uint8_t)(a->vector_first + v);
    uint64_t ch_addr;
    uint32_t data;
    if (ir) {
      /* VT-d §5.1.2.2 remappable format: handle[14:0] in address bits 19:5,
      ** handle[15] in bit 2, bit 4 set; SHV clear, so the data is 0.  The
      ** entry checks the source ID the write carries on the CH: the proxy
      ** ID (VT-d §9.10 SVT 01b, SQ 00b: all 16 bits). */
      uint32_t handle = a->irte_first + v;
      ladon__iommu_irte e = {a->dest_core, vector, a->proxy_rid, 0, 1};
      if ((st = ladon__iommu_irte_set(ir, handle, &e, err))) return st;
      ch_addr = LADON__HOST_MSI_BASE | (uint64_t)(handle & 0x7fffu) << 5 | 0x10u |
                (uint64_t)((handle >> 15) & 1u) << 2;
      data = 0;
    } else {
      /* Compatibility format: physical destination in bits 19:12, Fixed
      ** delivery, edge (Intel SDM Vol. 3 §10.11.1-2). */
      ch_addr = LADON__HOST_MSI_BASE | (uint64_t)(a->dest_core & 0xffu) << 12;
      data = vector;
    }
    if (ch_addr - LADON__HOST_MSI_BASE >= window)
      return ladon__error_set(err, LADON_ERANGE, NULL, 0, 0,
                              "interrupt address 0x%llx of host '%s' lies beyond "
                              "the NTB's %llu-byte interrupt window",
                              (unsigned long long)ch_addr, t->comps[a->ch].name,
                              (unsigned long long)window);
    uint64_t addr = a->msi_addr_base + (ch_addr - LADON__HOST_MSI_BASE);
    /* §7.7.2.5-7.7.2.8: Message Address, Upper Address, Data, Vector
    ** Control (Mask Bit clear). */
    uint8_t entry[PCI_MSIX_ENTRY_SIZE];
    uint32_t dw[4] = {(uint32_t)addr, (uint32_t)(addr >> 32), data, 0};
    for (unsigned k = 0; k < 16; k++) entry[k] = (uint8_t)(dw[k / 4] >> (8 * (k % 4)));
    if ((st = ladon__host_mmio_write(mh, 0, table + (uint64_t)v * PCI_MSIX_ENTRY_SIZE,
                                     PCI_MSIX_ENTRY_SIZE, entry)))
      return ladon__error_set(err, st, NULL, 0, 0, "MMIO write refused");
  }
  if ((st = flush(f, mh, table, err))) return st;
  return ladon__fabric_cfg_rmw(f, a->mh, a->vf_rid, cap + PCI_MSIX_FLAGS, 2,
                               PCI_MSIX_FLAGS_ENABLE, err);
}
