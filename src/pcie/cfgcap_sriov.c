/*
** Single Root I/O Virtualization Extended Capability of a PF (PCIe Base 5.0
** §9.3.3), and the arithmetic that places VFs: routing IDs (§9.3.3.9-10)
** and VF BAR regions (§9.3.3.14).
**
** Run-time choices where the spec leaves results undefined (documented in
** docs/config-space.md):
**   - NumVFs written while VF Enable is Set: discarded (§9.3.3.7 allows
**     writes only while VF Enable is Clear);
**   - NumVFs written above TotalVFs: discarded, NumVFs keeps its value;
**   - ARI Capable Hierarchy written while VF Enable is Set: discarded;
**   - System Page Size written with zero or several bits, a size not in
**     Supported Page Sizes, or while VF Enable is Set: discarded.
*/
#include <stdlib.h>

#include "pcie/cfgspace_int.h"
#include "sim/error_int.h"

struct ladon__sriov {
  uint16_t off;                                   /* capability offset */
  ladon__cfg_bar_def vf_bars[PCI_SRIOV_NUM_BARS]; /* declared per-VF BARs */
  ladon__sriov_rid_fn recompute;
  void *recompute_ctx;
};

#define REQUIRED_PAGE_SIZES 0x553u /* 4K, 8K, 64K, 256K, 1M, 4M (§9.3.3.12) */

static uint16_t rd16(const ladon__cfg *c, unsigned off) {
  return (uint16_t)ladon__cfg_peek(c, (uint16_t)off, 2);
}

static uint64_t page_bytes(const ladon__cfg *c, const struct ladon__sriov *s) {
  uint32_t ps = ladon__cfg_read_dw(c, (uint16_t)(s->off + PCI_SRIOV_SYS_PGSIZE));
  return (uint64_t)ps << 12; /* bit n set = 2^(n+12) bytes; exactly one bit */
}

/*
** §9.3.3.13: each VF BAR is aligned to and sized in whole System Pages, so
** the per-VF size is the larger of the declared size and the page size.
*/
static ladon__cfg_bar_def effective(const ladon__cfg *c, const struct ladon__sriov *s,
                                    unsigned k) {
  ladon__cfg_bar_def d = s->vf_bars[k];
  uint64_t pg = page_bytes(c, s);
  if (pg > d.size_bytes) d.size_bytes = pg;
  return d;
}

/* Writable bits of the VF BAR DW `k` under the current page size. */
static uint32_t vf_bar_mask(const ladon__cfg *c, const struct ladon__sriov *s, unsigned k) {
  bool upper = s->vf_bars[k].kind == LADON__BAR_MEM64_HI;
  unsigned lo = upper ? k - 1 : k;
  ladon__cfg_bar_def d = effective(c, s, lo);
  uint32_t flags, lw, hw;
  ladon__bar_masks(&d, &flags, &lw, &hw);
  return upper ? hw : (flags | lw);
}

static uint32_t sriov_filter(ladon__cfg *c, uint16_t off, uint32_t old, uint32_t nv, void *ctx) {
  const struct ladon__sriov *s = ctx;
  unsigned b = s->off;
  bool vfe = rd16(c, b + PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_VFE;
  if (off == b + PCI_SRIOV_CTRL) {
    if (vfe) nv = (nv & ~(uint32_t)PCI_SRIOV_CTRL_ARI) | (old & PCI_SRIOV_CTRL_ARI);
  } else if (off == b + PCI_SRIOV_NUM_VF) {
    uint32_t total = rd16(c, b + PCI_SRIOV_TOTAL_VF);
    if (vfe || (nv & 0xffffu) > total) nv = (nv & ~0xffffu) | (old & 0xffffu);
  } else if (off == b + PCI_SRIOV_SYS_PGSIZE) {
    uint32_t sup = ladon__cfg_read_dw(c, (uint16_t)(b + PCI_SRIOV_SUP_PGSIZE));
    bool one_bit = nv && !(nv & (nv - 1u));
    if (vfe || !one_bit || !(nv & sup)) nv = old;
  } else if (off >= b + PCI_SRIOV_BAR && off < b + PCI_SRIOV_BAR + 4u * PCI_SRIOV_NUM_BARS) {
    unsigned k = (off - b - PCI_SRIOV_BAR) / 4u;
    if (s->vf_bars[k].kind != LADON__BAR_NONE) nv &= vf_bar_mask(c, s, k);
  }
  return nv;
}

static void sriov_watch(ladon__cfg *c, const ladon__cfg_write_ev *ev, void *ctx) {
  struct ladon__sriov *s = ctx;
  unsigned b = s->off;
  bool rid_inputs = (ev->off == b + PCI_SRIOV_CTRL &&
                     ((ev->old_dw ^ ev->new_dw) & PCI_SRIOV_CTRL_ARI)) ||
                    (ev->off == b + PCI_SRIOV_NUM_VF && ((ev->old_dw ^ ev->new_dw) & 0xffffu));
  if (rid_inputs && s->recompute) {
    uint16_t fo = rd16(c, b + PCI_SRIOV_VF_OFFSET), st = rd16(c, b + PCI_SRIOV_VF_STRIDE);
    s->recompute(s->recompute_ctx, rd16(c, b + PCI_SRIOV_NUM_VF),
                 rd16(c, b + PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_ARI, &fo, &st);
    ladon__cfg_poke(c, (uint16_t)(b + PCI_SRIOV_VF_OFFSET), 2, 0xffffu, fo);
    ladon__cfg_poke(c, (uint16_t)(b + PCI_SRIOV_VF_STRIDE), 2, 0xffffu, st);
  }
  if (ev->off == b + PCI_SRIOV_SYS_PGSIZE) {
    /* Address bits below the new page size are now hardwired 0. */
    for (unsigned k = 0; k < PCI_SRIOV_NUM_BARS; k++) {
      if (s->vf_bars[k].kind == LADON__BAR_NONE) continue;
      uint16_t o = (uint16_t)(b + PCI_SRIOV_BAR + 4u * k);
      ladon__cfg_poke(c, o, 4, ~vf_bar_mask(c, s, k), 0);
    }
  }
}

static ladon_status check(const ladon__cfg *c, const ladon__cfg_sriov_opts *o, ladon_error *err) {
  if (c->is_vf || c->header_type != PCI_HEADER_TYPE_NORMAL)
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "SR-IOV: only a PF (Type 0, not a VF) has the capability (§9.3.3)");
  if (o->initial_vfs > o->total_vfs)
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "SR-IOV: InitialVFs %u exceeds TotalVFs %u (§9.3.3.6)",
                            o->initial_vfs, o->total_vfs);
  if (!o->vf_migration && o->initial_vfs != o->total_vfs)
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "SR-IOV: InitialVFs %u must equal TotalVFs %u without VF Migration "
                            "(§9.3.3.5)",
                            o->initial_vfs, o->total_vfs);
  if (o->total_vfs && !o->first_vf_offset)
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "SR-IOV: First VF Offset 0 would give VF1 the PF's Routing ID "
                            "(§9.3.3.9)");
  if (o->total_vfs > 1 && !o->vf_stride)
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "SR-IOV: VF Stride 0 would give %u VFs one Routing ID (§9.3.3.10)",
                            o->total_vfs);
  if (o->supported_page_sizes && (o->supported_page_sizes & REQUIRED_PAGE_SIZES) !=
                                     REQUIRED_PAGE_SIZES)
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "SR-IOV: Supported Page Sizes %08Xh lacks a required size "
                            "(4K, 8K, 64K, 256K, 1M, 4M = 553h, §9.3.3.12)",
                            o->supported_page_sizes);
  if (o->vf_migration_irq > 0x7ff || (!o->vf_migration && o->vf_migration_state))
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "SR-IOV: VF Migration fields need VF Migration Capable");
  for (unsigned k = 0; k < PCI_SRIOV_NUM_BARS; k++) {
    const ladon__cfg_bar_def *d = &o->vf_bars[k];
    if (d->kind == LADON__BAR_NONE) continue;
    if (d->kind == LADON__BAR_IO)
      return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                              "VF BAR%u: VF BARs map memory only (§9.3.3.14)", k);
    ladon_status st = ladon__bar_def_check(d, k, PCI_SRIOV_NUM_BARS, "VF BAR", err);
    if (st != LADON_OK) return st;
    if (d->kind == LADON__BAR_MEM64) {
      if (o->vf_bars[k + 1].kind != LADON__BAR_NONE)
        return ladon__error_set(err, LADON_EEXIST, NULL, 0, 0,
                                "VF BAR%u: it is the upper half of 64-bit VF BAR%u", k + 1, k);
      k++;
    }
  }
  return LADON_OK;
}

ladon_status ladon__cfg_add_sriov(ladon__cfg *cfg, const ladon__cfg_sriov_opts *o,
                                  uint16_t *off_out, ladon_error *err) {
  if (!cfg || !o) return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "no options");
  if (cfg->sriov) return ladon__error_set(err, LADON_EEXIST, NULL, 0, 0, "SR-IOV: present");
  ladon_status st = check(cfg, o, err);
  if (st != LADON_OK) return st;
  struct ladon__sriov *s = calloc(1, sizeof *s);
  if (!s) return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  uint16_t b = 0;
  st = ladon__cfg_add_ext_cap(cfg, PCI_EXT_CAP_ID_SRIOV, 1, PCI_EXT_CAP_SRIOV_SIZEOF, 0, &b, err);
  if (st != LADON_OK) {
    free(s);
    return st;
  }
  s->off = b;
  s->recompute = o->recompute;
  s->recompute_ctx = o->recompute_ctx;
  ladon__cfg_handler h = {0};
  h.lo = (uint16_t)(b + PCI_SRIOV_CTRL);
  h.hi = (uint16_t)(b + PCI_SRIOV_VFM);
  h.filter = sriov_filter;
  h.watch = sriov_watch;
  h.ctx = s;
  h.free_ctx = free;
  st = ladon__cfg_add_handler(cfg, &h);
  if (st != LADON_OK) {
    free(s);
    return ladon__error_set(err, st, NULL, 0, 0, "out of memory");
  }
  cfg->sriov = s;
  cfg->sriov_off = b;
  /* Capabilities (§9.3.3.2), all RO. */
  ladon__cfg_def(cfg, b + PCI_SRIOV_CAP, 4,
                 (o->vf_migration ? PCI_SRIOV_CAP_VFM : 0) |
                     (o->ari_preserved ? PCI_SRIOV_CAP_ARI_PRESERVED : 0) |
                     (o->vf_tag10_requester ? PCI_SRIOV_CAP_VF_10BIT_TAG_REQ : 0) |
                     (uint32_t)o->vf_migration_irq << 21,
                 0, 0);
  /* Control (§9.3.3.3): ARI Capable Hierarchy is RW only in the lowest-
  ** numbered PF of the device, RO 0 elsewhere. */
  uint32_t ctrl_rw = PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE |
                     (o->vf_migration ? PCI_SRIOV_CTRL_VFM | PCI_SRIOV_CTRL_INTR : 0) |
                     (o->ari_capable_hier_rw ? PCI_SRIOV_CTRL_ARI : 0) |
                     (o->vf_tag10_requester ? PCI_SRIOV_CTRL_VF_10BIT_TAG_REQ_EN : 0);
  ladon__cfg_def(cfg, b + PCI_SRIOV_CTRL, 2, 0, ctrl_rw, 0);
  ladon__cfg_def(cfg, b + PCI_SRIOV_STATUS, 2, 0, 0, o->vf_migration ? PCI_SRIOV_STATUS_VFM : 0);
  ladon__cfg_def(cfg, b + PCI_SRIOV_INITIAL_VF, 2, o->initial_vfs, 0, 0);
  ladon__cfg_def(cfg, b + PCI_SRIOV_TOTAL_VF, 2, o->total_vfs, 0, 0);
  ladon__cfg_def(cfg, b + PCI_SRIOV_NUM_VF, 2, 0, 0xffffu, 0);
  ladon__cfg_def(cfg, b + PCI_SRIOV_FUNC_LINK, 1, o->func_dep_link, 0, 0);
  ladon__cfg_def(cfg, b + PCI_SRIOV_VF_OFFSET, 2, o->first_vf_offset, 0, 0);
  ladon__cfg_def(cfg, b + PCI_SRIOV_VF_STRIDE, 2, o->vf_stride, 0, 0);
  ladon__cfg_def(cfg, b + PCI_SRIOV_VF_DID, 2, o->vf_device_id, 0, 0);
  ladon__cfg_def(cfg, b + PCI_SRIOV_SUP_PGSIZE, 4,
                 o->supported_page_sizes ? o->supported_page_sizes : REQUIRED_PAGE_SIZES, 0, 0);
  /* System Page Size defaults to 4 KiB (§9.3.3.13). */
  ladon__cfg_def(cfg, b + PCI_SRIOV_SYS_PGSIZE, 4, 1, 0xffffffffu, 0);
  for (unsigned k = 0; k < PCI_SRIOV_NUM_BARS; k++) {
    const ladon__cfg_bar_def *d = &o->vf_bars[k];
    if (d->kind == LADON__BAR_NONE) continue;
    uint32_t flags, lw, hw;
    ladon__bar_masks(d, &flags, &lw, &hw);
    /* The masks hold the declared size; the filter narrows them to the
    ** System Page Size when that is larger. */
    ladon__cfg_def(cfg, (uint16_t)(b + PCI_SRIOV_BAR + 4u * k), 4, flags, lw, 0);
    s->vf_bars[k] = *d;
    if (d->kind == LADON__BAR_MEM64) {
      ladon__cfg_def(cfg, (uint16_t)(b + PCI_SRIOV_BAR + 4u * (k + 1)), 4, 0, hw, 0);
      s->vf_bars[++k].kind = LADON__BAR_MEM64_HI;
    }
  }
  ladon__cfg_def(cfg, b + PCI_SRIOV_VFM, 4, o->vf_migration ? o->vf_migration_state : 0, 0, 0);
  if (off_out) *off_out = b;
  return LADON_OK;
}

ladon_status ladon__cfg_sriov_get(const ladon__cfg *cfg, ladon__cfg_sriov_state *out) {
  if (!cfg || !out) return LADON_EINVAL;
  const struct ladon__sriov *s = cfg->sriov;
  if (!s) return LADON_ENOENT;
  unsigned b = s->off;
  uint16_t ctrl = rd16(cfg, b + PCI_SRIOV_CTRL);
  ladon__cfg_sriov_state r = {0};
  r.vf_enable = ctrl & PCI_SRIOV_CTRL_VFE;
  r.vf_mse = ctrl & PCI_SRIOV_CTRL_MSE;
  r.ari_capable_hier = ctrl & PCI_SRIOV_CTRL_ARI;
  r.initial_vfs = rd16(cfg, b + PCI_SRIOV_INITIAL_VF);
  r.total_vfs = rd16(cfg, b + PCI_SRIOV_TOTAL_VF);
  r.num_vfs = rd16(cfg, b + PCI_SRIOV_NUM_VF);
  r.first_vf_offset = rd16(cfg, b + PCI_SRIOV_VF_OFFSET);
  r.vf_stride = rd16(cfg, b + PCI_SRIOV_VF_STRIDE);
  r.vf_device_id = rd16(cfg, b + PCI_SRIOV_VF_DID);
  r.page_size_bytes = page_bytes(cfg, s);
  *out = r;
  return LADON_OK;
}

ladon_status ladon__cfg_sriov_vf_rid(const ladon__cfg *cfg, uint16_t pf_rid, uint32_t n,
                                     uint16_t *rid) {
  ladon__cfg_sriov_state st;
  ladon_status e = ladon__cfg_sriov_get(cfg, &st);
  if (e != LADON_OK) return e;
  if (!rid) return LADON_EINVAL;
  if (n < 1 || n > st.num_vfs) return LADON_ERANGE;
  *rid = ladon__sriov_vf_rid(pf_rid, st.first_vf_offset, st.vf_stride, n);
  return LADON_OK;
}

ladon_status ladon__cfg_sriov_vf_bar(const ladon__cfg *cfg, unsigned k, ladon__cfg_vf_bar *out) {
  if (!cfg || !out) return LADON_EINVAL;
  const struct ladon__sriov *s = cfg->sriov;
  if (!s) return LADON_ENOENT;
  if (k >= PCI_SRIOV_NUM_BARS) return LADON_ENOENT;
  if (s->vf_bars[k].kind != LADON__BAR_MEM32 && s->vf_bars[k].kind != LADON__BAR_MEM64)
    return LADON_ENOENT;
  uint16_t o = (uint16_t)(s->off + PCI_SRIOV_BAR + 4u * k);
  ladon__cfg_bar_def d = effective(cfg, s, k);
  uint16_t ctrl = rd16(cfg, s->off + PCI_SRIOV_CTRL);
  uint16_t nvf = rd16(cfg, s->off + PCI_SRIOV_NUM_VF);
  ladon__cfg_vf_bar r = {0};
  r.base = ladon__cfg_read_dw(cfg, o) & PCI_BASE_ADDRESS_MEM_MASK;
  if (d.kind == LADON__BAR_MEM64) r.base |= (uint64_t)ladon__cfg_read_dw(cfg, (uint16_t)(o + 4)) << 32;
  r.kind = d.kind;
  r.prefetchable = d.prefetchable;
  r.size_bytes = d.size_bytes;
  r.total_bytes = d.size_bytes * nvf;
  r.enabled = (ctrl & PCI_SRIOV_CTRL_VFE) && (ctrl & PCI_SRIOV_CTRL_MSE) && nvf > 0;
  *out = r;
  return LADON_OK;
}

ladon_status ladon__cfg_sriov_vf_bar_addr(const ladon__cfg *cfg, unsigned k, uint32_t n,
                                          uint64_t *addr) {
  ladon__cfg_vf_bar vb;
  ladon_status e = ladon__cfg_sriov_vf_bar(cfg, k, &vb);
  if (e != LADON_OK) return e;
  if (!addr) return LADON_EINVAL;
  if (n < 1 || (uint64_t)n * vb.size_bytes > vb.total_bytes) return LADON_ERANGE;
  *addr = vb.base + (uint64_t)(n - 1u) * vb.size_bytes;
  return LADON_OK;
}

ladon_status ladon__cfg_sriov_enable(ladon__cfg *cfg, uint16_t num_vfs, ladon_error *err) {
  ladon__cfg_sriov_state st;
  ladon_status e = ladon__cfg_sriov_get(cfg, &st);
  if (e != LADON_OK) return ladon__error_set(err, e, NULL, 0, 0, "SR-IOV: no capability");
  if (st.vf_enable)
    return ladon__error_set(err, LADON_ESTATE, NULL, 0, 0,
                            "SR-IOV: VF Enable is already Set; NumVFs is read-only (§9.3.3.7)");
  if (num_vfs > st.total_vfs)
    return ladon__error_set(err, LADON_ERANGE, NULL, 0, 0,
                            "SR-IOV: %u VFs configured but TotalVFs is %u (§9.3.3.6-7)", num_vfs,
                            st.total_vfs);
  unsigned b = cfg->sriov->off;
  ladon__cfg_write(cfg, (uint16_t)(b + PCI_SRIOV_NUM_VF), 2, num_vfs);
  uint16_t ctrl = rd16(cfg, b + PCI_SRIOV_CTRL);
  ladon__cfg_write(cfg, (uint16_t)(b + PCI_SRIOV_CTRL), 2,
                   ctrl | PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
  return LADON_OK;
}
