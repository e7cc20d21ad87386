/*
** The Ladon manager: assigns a function to a VM and programs every table on
** the way (DESIGN §4, reference notes §5.2, docs/ladon.md), Design A:
**
**   single-host  the VM's host owns the device: VF Bus Master Enable, EPT
**                (guest BAR -> VF BAR), IOMMU domain (GPA -> HPA of the
**                VM's pages), MSI-X onto the host's interrupt range;
**   Ladon        the VM is on a compute host (CH) that reaches the device's
**                domain (the management host, MH) only through an NTB:
**                  CH-side NT window/LUT   -> exactly the VF's BAR
**                  CH EPT                  guest BAR GPA -> that window
**                  MH-side NT window/LUT   -> the VM's pages on the CH
**                                             (+ one onto 0xFEE00000)
**                  NTB requester-ID table  VF (MH side), CH host bridge
**                                          (CH side) -> proxy IDs
**                  MH IOMMU                GPA -> MH-side window address
**                                          of that GPA's CH page (never
**                                          identity)
**                  CH IOMMU (if any)       proxy ID -> the VM's CH pages
**                  MSI-X, CH IR            in ladon_msi.c.
** Configuration and MMIO go through the simulated fabric like a driver's,
** except NTB programming, which is the NTB driver's C API (models/ntb.h).
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/fabric_int.h"
#include "fabric/ladon_mgr_int.h"
#include "models/host.h"
#include "models/iommu.h"
#include "models/ntb.h"
#include "pcie/pci_regs.h"
#include "sim/error_int.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

/* Guest-physical base of the passed-through BARs: above the VM's RAM. */
static uint64_t guest_mmio_base(uint64_t mem_bytes) {
  return (mem_bytes + GiB - 1) / GiB * GiB + GiB;
}

static bool is_type(const ladon__topo *t, uint32_t comp, const char *type) {
  return !strcmp(t->comps[comp].type->name, type);
}

/* Host whose domain holds component `comp`, or UINT32_MAX. */
static uint32_t host_of_device(const ladon_fabric *f, uint32_t comp) {
  for (size_t d = 0; d < f->n_domains; d++)
    for (size_t i = 0; i < f->domains[d].n; i++)
      if (f->domains[d].fns[i].comp == comp) return f->domains[d].host_comp;
  return UINT32_MAX;
}

/* An NTB with one NT endpoint in each of the two hosts' domains. */
static uint32_t find_ntb(const ladon_fabric *f, uint32_t mh, uint32_t ch,
                         unsigned *mh_side, unsigned *ch_side) {
  const ladon__enum_domain *d = ladon__fabric_domain(f, ch);
  for (size_t i = 0; d && i < d->n; i++) {
    const ladon__enum_fn *c = &d->fns[i];
    if (c->bridge || !is_type(f->topo, c->comp, "ntb")) continue;
    const ladon__enum_fn *m = ladon__fabric_fn_in(f, mh, c->comp);
    if (m == NULL) continue;
    *mh_side = strcmp(m->port, "b") ? LADON__NTB_A : LADON__NTB_B;
    *ch_side = *mh_side ^ 1u;
    return c->comp;
  }
  return LADON__LMGR_NONE;
}

/* A message positioned at the function's place in the topology. */
static ladon_status at_fn(ladon_fabric *f, const ladon__topo_function *fn,
                          ladon_error *err, ladon_status code, const char *fmt,
                          ...) __attribute__((format(printf, 5, 6)));
static ladon_status at_fn(ladon_fabric *f, const ladon__topo_function *fn,
                          ladon_error *err, ladon_status code, const char *fmt,
                          ...) {
  char text[LADON_ERROR_TEXT_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  return ladon__json_error(f->topo->doc, fn->node, err, code, "%s", text);
}

/* Re-positions a model's message at the function. */
static ladon_status model_err(ladon_fabric *f, const ladon__topo_function *fn,
                              ladon_status st, ladon_error *err) {
  if (err && err->code == LADON_OK) err->code = st;
  return ladon__fabric_error_at(f, fn->node, "assignment", err);
}

/* The previous assignment of the same VM through the same NTB, or NULL. */
static const ladon__lmgr_assign *same_vm_ntb(const ladon_fabric *f,
                                             const ladon__lmgr_assign *a) {
  for (size_t i = 0; i < f->n_assigns; i++)
    if (f->assigns[i].vm == a->vm && f->assigns[i].ntb == a->ntb)
      return &f->assigns[i];
  return NULL;
}

static size_t ntb_uses(const ladon_fabric *f, uint32_t ntb) {
  size_t n = 0;
  for (size_t i = 0; i < f->n_assigns; i++) n += f->assigns[i].ntb == ntb;
  return n;
}

/* ---- MH side: the window onto the CH's memory ------------------------- */

/* CH HPA span [lo, hi] of every VM on `ch` that reaches a device of `mh`'s
** domain: what one direct window must expose. */
static void ladon_span(const ladon_fabric *f, uint32_t mh, uint32_t ch,
                       uint64_t *lo, uint64_t *hi) {
  const ladon__topo *t = f->topo;
  ladon__host *h = ladon__host_of(f->inst[ch]);
  *lo = UINT64_MAX, *hi = 0;
  for (size_t v = 0; v < t->n_vms; v++) {
    if (t->vms[v].host != ch) continue;
    bool uses = false;
    for (size_t k = 0; k < t->vms[v].n_functions; k++)
      uses |= host_of_device(f, t->vms[v].functions[k].comp) == mh;
    ladon__host_vm *vm = ladon__host_vm_find(h, t->vms[v].name);
    if (!uses || vm == NULL) continue;
    const ladon__host_range *r;
    size_t n = ladon__host_vm_ranges(vm, &r);
    for (size_t i = 0; i < n; i++) {
      if (r[i].hpa < *lo) *lo = r[i].hpa;
      if (r[i].hpa + r[i].bytes - 1 > *hi) *hi = r[i].hpa + r[i].bytes - 1;
    }
  }
}

/* The MH bus address that lands on CH HPA `hpa` of the VM (after the
** window is programmed): direct, or through the VM's LUT entries. */
typedef struct mh_win {
  ladon__ntb *ntb;
  const ladon__lmgr_assign *a;
  uint64_t esz;
} mh_win;

/* Programs the MH-side windows for assignment `a` (VM `vm` on the CH) and
** maps the VM's GPAs in the MH IOMMU domain onto them. */
static ladon_status program_mh_side(ladon_fabric *f, ladon__lmgr_assign *a,
                                    ladon__host_vm *vm,
                                    const ladon__topo_function *fn,
                                    ladon_error *err) {
  const ladon__topo *t = f->topo;
  const ladon__topo_vm *tv = &t->vms[a->vm];
  ladon__ntb *ntb = f->inst[a->ntb];
  ladon__iommu *iommu = ladon__host_iommu(ladon__host_of(f->inst[a->mh]));
  const ladon__enum_fn *ep = ladon__fabric_fn_in(f, a->mh, a->ntb);
  const ladon__host_range *r;
  size_t nr = ladon__host_vm_ranges(vm, &r);
  uint64_t esz = ladon__ntb_lut_entry_bytes(ntb);
  uint64_t bar2 = ep->bars[2].size, bar4 = ep->bars[4].size;
  ladon_status st;
  char what[160];
  a->mh_win_base = ep->bars[2].addr;
  a->mh_win_bytes = bar2;
  const ladon__lmgr_assign *prev = same_vm_ntb(f, a);
  if (prev) { /* the VM's pages are exposed already */
    a->mh_win_xlate = prev->mh_win_xlate;
    a->mh_lut_first = prev->mh_lut_first, a->mh_lut_n = prev->mh_lut_n;
    a->msi_addr_base = prev->msi_addr_base;
    return LADON_OK;
  }
  bool first_on_ntb = ntb_uses(f, a->ntb) == 0;
  if (esz == 0) {
    /* Design A: one direct window maps the CH's memory linearly; it must
    ** hold every Ladon VM's pages on this CH. */
    uint64_t lo, hi;
    ladon_span(f, a->mh, a->ch, &lo, &hi);
    uint64_t xlate = lo & ~(bar2 - 1);
    if (hi - xlate >= bar2) {
      snprintf(what, sizeof what, "%llu MiB", (unsigned long long)(bar2 / MiB));
      return ladon__json_error(
          t->doc, ladon__json_find(t->doc, tv->node, "memory"), err, LADON_ERANGE,
          "the VMs of host '%s' need more memory than the %s window of NTB "
          "'%s' (bar2_size) can expose to '%s'",
          t->comps[a->ch].name, what, t->comps[a->ntb].name, t->comps[a->mh].name);
    }
    if (bar4 == 0)
      return at_fn(f, fn, err, LADON_EINVAL,
                   "NTB '%s' needs a second window (bar4_size) or a LUT "
                   "(lut_entries) to carry interrupts to host '%s'",
                   t->comps[a->ntb].name, t->comps[a->ch].name);
    a->mh_win_xlate = xlate;
    /* The interrupt window: BAR4 onto the aligned block holding 0xFEE00000
    ** (the interrupt range, Intel SDM Vol. 3 §10.11.1). */
    uint64_t msi_xlate = LADON__HOST_MSI_BASE & ~(bar4 - 1);
    if (first_on_ntb &&
        ((st = ladon__ntb_set_window(ntb, a->mh_side, 2, xlate, bar2, err)) ||
         (st = ladon__ntb_set_window(ntb, a->mh_side, 4, msi_xlate, bar4, err))))
      return model_err(f, fn, st, err);
    a->msi_addr_base = ep->bars[4].addr + (LADON__HOST_MSI_BASE - msi_xlate);
  } else {
    /* LUT: one entry per entry-sized piece of the VM's pages; the last
    ** entry carries interrupts (as Linux ntb_msi uses the last window). */
    unsigned entries = (unsigned)(bar2 / esz), next = 0;
    for (size_t i = 0; i < f->n_assigns; i++)
      if (f->assigns[i].ntb == a->ntb &&
          f->assigns[i].mh_lut_first + f->assigns[i].mh_lut_n > next)
        next = f->assigns[i].mh_lut_first + f->assigns[i].mh_lut_n;
    uint64_t need = 0;
    for (size_t i = 0; i < nr; i++) {
      if ((r[i].hpa | r[i].bytes) & (esz - 1)) {
        snprintf(what, sizeof what, "%llu KiB", (unsigned long long)(esz >> 10));
        return at_fn(f, fn, err, LADON_EINVAL,
                     "the pages of VM '%s' are not aligned to the %s LUT "
                     "entries of NTB '%s' (an entry would expose another "
                     "VM's memory)",
                     tv->name, what, t->comps[a->ntb].name);
      }
      need += r[i].bytes / esz;
    }
    if (next + need > entries - 1)
      return ladon__json_error(
          t->doc, ladon__json_find(t->doc, tv->node, "memory"), err, LADON_ERANGE,
          "VM '%s' needs more memory than the LUT of NTB '%s' can expose "
          "to '%s' (bar2_size / lut_entries, one entry kept for interrupts)",
          tv->name, t->comps[a->ntb].name, t->comps[a->mh].name);
    a->mh_lut_first = next, a->mh_lut_n = (unsigned)need;
    unsigned idx = next;
    for (size_t i = 0; i < nr; i++)
      for (uint64_t o = 0; o < r[i].bytes; o += esz)
        if ((st = ladon__ntb_set_lut(ntb, a->mh_side, idx++, true, r[i].hpa + o, err)))
          return model_err(f, fn, st, err);
    uint64_t msi_xlate = LADON__HOST_MSI_BASE & ~(esz - 1);
    if (first_on_ntb &&
        (st = ladon__ntb_set_lut(ntb, a->mh_side, entries - 1, true, msi_xlate, err)))
      return model_err(f, fn, st, err);
    a->msi_addr_base = a->mh_win_base + (uint64_t)(entries - 1) * esz +
                       (LADON__HOST_MSI_BASE - msi_xlate);
  }
  /* MH IOMMU: the VM's GPAs onto the window addresses of its CH pages. */
  unsigned idx = a->mh_lut_first;
  for (size_t i = 0; i < nr; i++) {
    uint64_t step = esz ? esz : r[i].bytes;
    for (uint64_t o = 0; o < r[i].bytes; o += step) {
      uint64_t mh = esz ? a->mh_win_base + (uint64_t)idx++ * esz
                        : a->mh_win_base + (r[i].hpa + o - a->mh_win_xlate);
      st = ladon__iommu_map(iommu, a->iommu_domain, r[i].gpa + o, step, mh,
                            LADON_IMAP_RW, ladon__lmgr_page_shift(iommu, r[i].gpa + o, mh, step), err);
      if (st) return model_err(f, fn, st, err);
    }
  }
  /* Interrupts: the VF's MSI-X writes name the interrupt window directly;
  ** with ACS redirect they reach the MH IOMMU, which lets them through to
  ** the window and nowhere else (write-only, reference notes §5.3 c.2). */
  uint64_t msi_page = a->msi_addr_base & ~(uint64_t)0xfff;
  uint64_t msi_win = esz ? esz : bar4; /* the interrupt window's size */
  uint64_t msi_bytes = msi_win - (LADON__HOST_MSI_BASE & (msi_win - 1));
  if (msi_bytes > MiB) msi_bytes = MiB; /* the interrupt range, no more */
  st = ladon__iommu_map(iommu, a->iommu_domain, msi_page, msi_bytes, msi_page,
                        LADON_IMAP_W, 12, err);
  return st ? model_err(f, fn, st, err) : LADON_OK;
}

/* ---- CH side: the window onto the VF's BAR ----------------------------- */

static ladon_status program_ch_side(ladon_fabric *f, ladon__lmgr_assign *a,
                                    const ladon__topo_function *fn,
                                    ladon_error *err) {
  const ladon__topo *t = f->topo;
  ladon__ntb *ntb = f->inst[a->ntb];
  const ladon__enum_fn *ep = ladon__fabric_fn_in(f, a->ch, a->ntb);
  uint64_t esz = ladon__ntb_lut_entry_bytes(ntb);
  ladon_status st;
  char what[64];
  snprintf(what, sizeof what, "%llu KiB",
           (unsigned long long)((esz ? esz : ep->bars[2].size) >> 10));
  if (esz == 0) {
    /* Each direct window (BAR2, then BAR4: free on the CH side) translates
    ** onto one BAR. */
    size_t used = ntb_uses(f, a->ntb);
    unsigned bar = used == 0 ? 2 : 4;
    uint64_t size = ep->bars[bar].size;
    if (used > 1 || size == 0)
      return at_fn(f, fn, err, LADON_EINVAL,
                   "NTB '%s' has no direct window left towards '%s': give it a "
                   "LUT (lut_entries)%s to expose more functions",
                   t->comps[a->ntb].name, t->comps[a->mh].name,
                   size == 0 ? " or a second window (bar4_size)" : "");
    /* PLX has no limit registers: the whole BAR translates (S10), which
    ** must then be exactly the function's BAR. */
    snprintf(what, sizeof what, "%llu KiB", (unsigned long long)(size >> 10));
    if (size < a->vf_bar_bytes ||
        (ladon_params_enum(t->comps[a->ntb].params, "style") == 1 /* plx */ &&
         size != a->vf_bar_bytes))
      return at_fn(f, fn, err, LADON_EINVAL,
                   "NTB '%s' window of %s (BAR%u) cannot translate onto exactly "
                   "the BAR of %s",
                   t->comps[a->ntb].name, what, bar,
                   json_string_value(ladon__json_value(t->doc, fn->node)));
    st = ladon__ntb_set_window(ntb, a->ch_side, bar, a->vf_bar, a->vf_bar_bytes, err);
    if (st) return model_err(f, fn, st, err);
    a->ch_bar_hpa = ep->bars[bar].addr;
    return LADON_OK;
  }
  if (esz > a->vf_bar_bytes)
    return at_fn(f, fn, err, LADON_EINVAL,
                 "LUT entries of %s on NTB '%s' would expose more than the "
                 "BAR of %s",
                 what, t->comps[a->ntb].name,
                 json_string_value(ladon__json_value(t->doc, fn->node)));
  unsigned next = 0, n = (unsigned)(a->vf_bar_bytes / esz);
  for (size_t i = 0; i < f->n_assigns; i++)
    if (f->assigns[i].ntb == a->ntb &&
        f->assigns[i].ch_lut_first + f->assigns[i].ch_lut_n > next)
      next = f->assigns[i].ch_lut_first + f->assigns[i].ch_lut_n;
  if (next + n > ep->bars[2].size / esz)
    return at_fn(f, fn, err, LADON_ERANGE,
                 "NTB '%s' has no LUT entries left towards '%s' for %s",
                 t->comps[a->ntb].name, t->comps[a->mh].name,
                 json_string_value(ladon__json_value(t->doc, fn->node)));
  for (unsigned k = 0; k < n; k++)
    if ((st = ladon__ntb_set_lut(ntb, a->ch_side, next + k, true,
                                 a->vf_bar + (uint64_t)k * esz, err)))
      return model_err(f, fn, st, err);
  a->ch_lut_first = next, a->ch_lut_n = n;
  a->ch_bar_hpa = ep->bars[2].addr + (uint64_t)next * esz;
  return LADON_OK;
}

/* Requester IDs: the VF crosses with a proxy ID into the CH; the CH's host
** bridge (its CPUs' MMIO) with one into the MH. */
static ladon_status program_rids(ladon_fabric *f, ladon__lmgr_assign *a,
                                 const ladon__topo_function *fn,
                                 ladon_error *err) {
  const ladon__topo *t = f->topo;
  ladon__ntb *ntb = f->inst[a->ntb];
  uint64_t entries = ladon_params_u64(t->comps[a->ntb].params, "rid_entries");
  size_t used = ntb_uses(f, a->ntb);
  ladon_status st;
  if (used + 1 > entries)
    return ladon__json_error(
        t->doc, fn->node, err, LADON_ERANGE,
        "NTB '%s' has %llu requester-ID entries (rid_entries) and this is "
        "function %llu to cross it",
        t->comps[a->ntb].name, (unsigned long long)entries,
        (unsigned long long)(used + 1));
  a->vf_rid_entry = (unsigned)used;
  a->rc_rid_entry = 0;
  if ((st = ladon__ntb_set_rid(ntb, a->mh_side, a->vf_rid_entry, true, a->vf_rid,
                               &a->proxy_rid, err)))
    return model_err(f, fn, st, err);
  /* The CH root complex's requests carry the host bridge's ID, 00:00.0. */
  if (used == 0 &&
      (st = ladon__ntb_set_rid(ntb, a->ch_side, 0, true, 0x0000, NULL, err)))
    return model_err(f, fn, st, err);
  const ladon_imap_entry *e =
      ladon_imap_lookup(ladon__ntb_rid_map(ntb, a->ch_side), 0x0000);
  a->ch_rc_proxy_rid = e ? (uint16_t)e->target : 0;
  return LADON_OK;
}

/* ---- the assignment ----------------------------------------------------- */

/* Requester ID and BAR0 of function `fn` (-1 = PF) of its device. */
static bool function_ids(const ladon_fabric *f, const ladon__topo_function *fn,
                         uint16_t *rid, uint64_t *bar0, uint64_t *bar0_bytes) {
  const ladon__enum_fn *pf = ladon__fabric_pf(f, fn->comp);
  if (pf == NULL) return false;
  if (fn->vf < 0) {
    *rid = pf->bdf;
    *bar0 = pf->bars[0].addr, *bar0_bytes = pf->bars[0].size;
    return true;
  }
  /* §9.3.3.9/10: VF n's RID = PF RID + First VF Offset + (n-1) x Stride;
     its BARk = VF BARk base + (n-1) x size (§9.3.3.14). */
  *rid = (uint16_t)(pf->bdf + pf->vf_offset + (uint32_t)fn->vf * pf->vf_stride);
  *bar0 = pf->vf_bars[0].addr + (uint64_t)fn->vf * pf->vf_bars[0].size;
  *bar0_bytes = pf->vf_bars[0].size;
  return true;
}

/* What the guest's Vendor/Device ID read returns: a VF's own read 0xFFFF
** (PCIe Base 5.0 §9.3.4.1.1-2), so the proxy answers with the PF's Vendor ID
** and the SR-IOV capability's VF Device ID. */
static ladon_status read_ids(ladon_fabric *f, ladon__lmgr_assign *a, ladon_error *err) {
  const ladon__enum_fn *pf = ladon__fabric_pf(f, a->dev);
  uint32_t v, did;
  ladon_status st = ladon__fabric_cfg_read(f, a->mh, pf->bdf, PCI_VENDOR_ID, 4, &v, err);
  if (st || a->vf < 0 || !pf->sriov_cap) {
    a->ids = v;
    return st;
  }
  st = ladon__fabric_cfg_read(f, a->mh, pf->bdf, pf->sriov_cap + PCI_SRIOV_VF_DID, 2, &did, err);
  a->ids = (v & 0xffffu) | did << 16;
  return st;
}

ladon_status ladon__lmgr_assign_fn(ladon_fabric *f, uint32_t vmi, uint32_t fni,
                                   ladon_error *err) {
  const ladon__topo *t = f->topo;
  const ladon__topo_vm *tv = &t->vms[vmi];
  const ladon__topo_function *fn = &tv->functions[fni];
  ladon__host *ch = ladon__host_of(f->inst[tv->host]);
  ladon__host_vm *vm = ladon__host_vm_find(ch, tv->name);
  ladon__lmgr_assign a;
  ladon_status st;
  memset(&a, 0, sizeof a);
  a.vm = vmi, a.fn = fni, a.ch = tv->host, a.dev = fn->comp, a.vf = fn->vf;
  a.ntb = LADON__LMGR_NONE;
  a.mh = host_of_device(f, fn->comp);
  if (a.mh == UINT32_MAX)
    return at_fn(f, fn, err, LADON_EINVAL, "'%s' is not reachable from any host",
                 t->comps[fn->comp].name);
  a.ladon = a.mh != a.ch;
  if (a.ladon) {
    a.ntb = find_ntb(f, a.mh, a.ch, &a.mh_side, &a.ch_side);
    if (a.ntb == LADON__LMGR_NONE)
      return at_fn(f, fn, err, LADON_EINVAL,
                   "VM '%s' is on host '%s', which has no NTB path to '%s' (in "
                   "the PCIe domain of host '%s')",
                   tv->name, t->comps[a.ch].name, t->comps[fn->comp].name,
                   t->comps[a.mh].name);
    if (ladon__host_iommu(ladon__host_of(f->inst[a.mh])) == NULL)
      return at_fn(f, fn, err, LADON_EINVAL,
                   "VM '%s' on host '%s' needs an IOMMU on host '%s' (\"iommu\": "
                   "true): it alone tells the functions' DMA apart",
                   tv->name, t->comps[a.ch].name, t->comps[a.mh].name);
  }
  uint64_t bar, bar_bytes;
  if (!function_ids(f, fn, &a.vf_rid, &bar, &bar_bytes) || bar_bytes == 0)
    return at_fn(f, fn, err, LADON_EINVAL, "function has no memory BAR to pass through");
  a.vf_bar = bar, a.vf_bar_bytes = bar_bytes;
  a.proxy_rid = a.vf_rid;
  a.ch_bar_hpa = bar;
  a.guest_bar_gpa = guest_mmio_base(tv->memory_bytes);
  for (size_t i = 0; i < f->n_assigns; i++)
    if (f->assigns[i].vm == vmi) a.guest_bar_gpa += f->assigns[i].vf_bar_bytes;
  ladon__iommu *mh_iommu = ladon__host_iommu(ladon__host_of(f->inst[a.mh]));
  a.iommu_domain = mh_iommu ? vmi + 1 : 0;
  /* The guest's driver enables bus mastering on its function (VF Command,
     PCIe Base 5.0 §9.3.4.1.3); on a CH the request is proxied to the MH. */
  ladon_error_clear(err);
  st = ladon__fabric_cfg_rmw(f, a.mh, a.vf_rid, PCI_COMMAND, 2, PCI_COMMAND_MASTER, err);
  if (st == LADON_OK) st = read_ids(f, &a, err);
  if (st) return model_err(f, fn, st, err);
  if (a.ladon) {
    if ((st = program_rids(f, &a, fn, err)) || (st = program_ch_side(f, &a, fn, err)))
      return st;
  }
  ladon_error_clear(err);
  st = ladon__host_vm_map(vm, a.guest_bar_gpa, a.ch_bar_hpa, bar_bytes, LADON_IMAP_RW, err);
  if (st) return model_err(f, fn, st, err);
  if (mh_iommu) {
    ladon_error_clear(err);
    if ((st = ladon__iommu_attach(mh_iommu, a.vf_rid, a.iommu_domain, err)))
      return model_err(f, fn, st, err);
    if (a.ladon) {
      if ((st = program_mh_side(f, &a, vm, fn, err))) return st;
    } else {
      bool mapped = false;
      for (size_t i = 0; i < f->n_assigns; i++)
        mapped |= f->assigns[i].vm == vmi && f->assigns[i].mh == a.mh;
      const ladon__host_range *r;
      size_t nr = ladon__host_vm_ranges(vm, &r);
      for (size_t i = 0; i < nr && !mapped; i++)
        if ((st = ladon__iommu_map(mh_iommu, a.iommu_domain, r[i].gpa, r[i].bytes,
                                   r[i].hpa, LADON_IMAP_RW,
                                   ladon__lmgr_page_shift(mh_iommu, r[i].gpa, r[i].hpa, r[i].bytes), err)))
          return model_err(f, fn, st, err);
    }
  }
  if (a.ladon && (st = ladon__lmgr_ch_iommu(f, &a, vm, err)))
    return model_err(f, fn, st, err);
  if ((st = ladon__lmgr_msix(f, &a, vm, err))) return model_err(f, fn, st, err);
  ladon__lmgr_assign *v = realloc(f->assigns, (f->n_assigns + 1) * sizeof *v);
  if (v == NULL) return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  f->assigns = v;
  f->assigns[f->n_assigns++] = a;
  return LADON_OK;
}
