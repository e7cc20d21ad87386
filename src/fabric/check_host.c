/*
** The checker's walk through a root complex (check_int.h): requests from below
** at a root port (Bus Master Enable, ACS, the interrupt range decoded before
** DMA remapping, the IOMMU's address width, context and page table), host
** physical ranges (RAM by owner, root-port windows, the Ladon hairpin of
** remapped requests), CPU accesses, and MSI writes through interrupt
** remapping or the compatibility format (models/host_rx.c, host_irq.c,
** iommu.c).
*/
#include <stdio.h>
#include <string.h>

#include "fabric/check_int.h"
#include "fabric/check_walk_int.h"
#include "models/host.h"
#include "models/iommu.h"
#include "pcie/cfgspace_int.h"
#include "pcie/pci_regs.h"

static void host_irq(ck_walk *w, uint32_t comp, uint64_t lo, uint64_t hi,
                                uint64_t delta);
static void irq_exact(ck_walk *w, uint32_t comp, uint64_t lo, uint64_t hi,
                                 uint64_t delta);

/* ---- host --------------------------------------------------------------- */


/* A host physical range reached by a request (from root port `from`, or
** from a CPU when from < 0). */
void ladon__ckw_host_hpa(ck_walk *w, uint32_t comp, int from, bool remapped, uint64_t lo,
                     uint64_t hi, uint64_t delta) {
  ladon__host *h = w->c->f->inst[comp];
  const char *name = ladon__ckw_comp_name(w, comp);
  const ladon_imap *ram = ladon__host_ram_map(h);
  const ladon_imap *routes = ladon__host_route_map(h);
  cuts *k = ladon__ckw_cuts_get(w);
  if (from >= 0) ladon__ckw_cut_range(k, lo, hi, MSI_LO, MSI_HI);
  for (size_t i = 0; i < ladon_imap_count(ram); i++)
    ladon__ckw_cut_range(k, lo, hi, ladon_imap_at(ram, i)->lo, ladon_imap_at(ram, i)->hi);
  for (size_t i = 0; i < ladon_imap_count(routes); i++)
    ladon__ckw_cut_range(k, lo, hi, ladon_imap_at(routes, i)->lo, ladon_imap_at(routes, i)->hi);
  /* Memory belonging to different owners is reported apart. */
  ladon__ckw_cuts_done(k);
  for (unsigned s = 0, n0 = k->n; s <= n0; s++) {
    uint64_t a = s == 0 ? lo : k->p[s - 1];
    uint64_t b = s == n0 ? hi : k->p[s] - 1;
    if (!ladon_imap_lookup(ram, a)) continue;
    for (unsigned guard = 0; guard < 1024; guard++) {
      uint64_t end;
      ladon__ck_mem_owner(w->c, comp, a, &end);
      if (end >= b) break;
      ladon__ckw_cut(k, lo, hi, end + 1);
      a = end + 1;
    }
  }
  ladon__ckw_cuts_done(k);
  for (unsigned s = 0; s <= k->n; s++) {
    uint64_t a = s == 0 ? lo : k->p[s - 1];
    uint64_t b = s == k->n ? hi : k->p[s] - 1;
    if (from >= 0 && a >= MSI_LO && b <= MSI_HI) {
      host_irq(w, comp, a, b, delta);
      continue;
    }
    const ladon_imap_entry *e = ladon_imap_lookup(ram, a);
    if (e) {
      ladon__ckw_push(w, "%s RAM [0x%llx-0x%llx]", name, (unsigned long long)e->lo,
           (unsigned long long)e->hi);
      ck_target t = {.kind = CK_T_MEM, .rid = w->rid, .comp = comp, .at = a};
      ladon__ckw_emit(w, a, b, delta, &t);
      ladon__ckw_pop(w);
      continue;
    }
    e = ladon_imap_lookup(routes, a);
    /* host_rx.c: a request the IOMMU remapped may go back down the port it
    ** came from; between root ports the "p2p" policy decides. */
    if (e && (from < 0 || ((int)e->user == from ? remapped : ladon__host_p2p_allowed(h)))) {
      char rp[8];
      snprintf(rp, sizeof rp, "rp%u", (unsigned)e->user);
      ladon__ckw_push(w, "%s.%s window [0x%llx-0x%llx]%s", name, rp, (unsigned long long)e->lo,
           (unsigned long long)e->hi,
           from < 0 ? "" : (int)e->user == from ? " (remapped back down)" : " (root-complex peer-to-peer)");
      ladon__ckw_leave(w, comp, rp, a, b, delta);
      ladon__ckw_pop(w);
      continue;
    }
    if (from < 0) {
      ladon__ckw_push(w, "%s: no RAM or root-port window (master abort)", name);
      ladon__ckw_stop(w, a, b, delta, comp, CK_STOP_ABORT, 0, 0, 0);
    } else if (e) {
      ladon__ckw_push(w, "%s: peer-to-peer between root ports refused", name);
      ladon__ckw_stop(w, a, b, delta, comp, CK_STOP_HOST_UR, 0, 0, 0);
    } else {
      ladon__ckw_push(w, "%s: no RAM or root-port window (Unsupported Request)", name);
      ladon__ckw_stop(w, a, b, delta, comp, CK_STOP_HOST_UR, 0, 0, 0);
    }
    ladon__ckw_pop(w);
  }
  ladon__ckw_cuts_put(w);
}

typedef struct iommu_visit {
  ck_walk *w;
  uint32_t comp;
  int from;
  uint64_t delta;
  uint64_t next;  /* first address not yet covered */
  uint64_t hi;
  uint32_t domain;
  const char *iommu_name;
} iommu_visit;

static void iommu_gap(iommu_visit *v, uint64_t a, uint64_t b) {
  ck_walk *w = v->w;
  uint8_t reason = w->access == LADON_IMAP_W ? 0x05 : 0x06;
  ladon__ckw_push(w, "%s domain %u: no page-table entry", v->iommu_name, v->domain);
  ladon__ckw_stop(w, a, b, v->delta, v->comp, CK_STOP_IOMMU, 0, 0, reason);
  ladon__ckw_pop(w);
}

static int iommu_entry(void *ctx, const ladon_imap_entry *e, uint64_t lo, uint64_t hi) {
  iommu_visit *v = ctx;
  ck_walk *w = v->w;
  if (lo > v->next) iommu_gap(v, v->next, lo - 1);
  ladon__ckw_push(w, "%s domain %u entry %u iova 0x%llx..0x%llx -> 0x%llx (%s%s, %s pages)",
       v->iommu_name, v->domain, e->id, (unsigned long long)e->lo, (unsigned long long)e->hi,
       (unsigned long long)e->target, (e->perms & LADON_IMAP_R) ? "R" : "",
       (e->perms & LADON_IMAP_W) ? "W" : "",
       e->page_shift == 30 ? "1G" : e->page_shift == 21 ? "2M" : "4K");
  if ((e->perms & w->access) != w->access) {
    ladon__ckw_stop(w, lo, hi, v->delta, v->comp, CK_STOP_IOMMU, 0, 0,
         w->access == LADON_IMAP_W ? 0x05 : 0x06);
  } else {
    uint64_t off = e->target - e->lo; /* current -> HPA */
    ladon__ckw_host_hpa(w, v->comp, v->from, true, lo + off, hi + off, v->delta + off);
  }
  ladon__ckw_pop(w);
  v->next = hi + 1;
  return hi == UINT64_MAX ? 1 : 0;
}

/* A memory request from below, at root port `rp`. */
void ladon__ckw_host_up(ck_walk *w, uint32_t comp, unsigned rp, uint64_t lo, uint64_t hi,
                    uint64_t delta) {
  ladon__host *h = w->c->f->inst[comp];
  const char *name = ladon__ckw_comp_name(w, comp);
  ladon__cfg_bridge br;
  memset(&br, 0, sizeof br);
  const ladon__cfg *cfg = ladon__host_rp_cfg(h, rp);
  ladon__cfg_bridge_decode(cfg, &br);
  uint16_t acs = ladon__cfg_acs_ctrl(cfg);
  unsigned bus = w->rid >> 8;
  if (!br.bus_master) {
    ladon__ckw_push(w, "%s.rp%u Bus Master Enable clear", name, rp);
    ladon__ckw_stop(w, lo, hi, delta, comp, CK_STOP_RP, rp, 0, 0);
    ladon__ckw_pop(w);
    return;
  }
  if ((acs & PCI_ACS_SV) &&
      !(br.bus_valid && bus >= br.secondary && bus <= br.subordinate)) {
    ladon__ckw_push(w, "%s.rp%u ACS source validation", name, rp);
    ladon__ckw_stop(w, lo, hi, delta, comp, CK_STOP_RP, rp, 0, 0);
    ladon__ckw_pop(w);
    return;
  }
  ladon__iommu *io = ladon__host_iommu(h);
  cuts *k = ladon__ckw_cuts_get(w);
  ladon__ckw_cut_range(k, lo, hi, MSI_LO, MSI_HI);
  ladon__ckw_cuts_done(k);
  for (unsigned s = 0; s <= k->n; s++) {
    uint64_t a = s == 0 ? lo : k->p[s - 1];
    uint64_t b = s == k->n ? hi : k->p[s] - 1;
    if (a >= MSI_LO && b <= MSI_HI) {
      /* The interrupt range is decoded before DMA remapping (host_rx.c). */
      host_irq(w, comp, a, b, delta);
      continue;
    }
    if (io == NULL) {
      ladon__ckw_host_hpa(w, comp, (int)rp, false, a, b, delta);
      continue;
    }
    char iname[96], rs[16];
    snprintf(iname, sizeof iname, "%s.iommu", name);
    ladon__ck_rid(w->rid, rs);
    unsigned aw = ladon__iommu_config_get(io)->address_width_bits;
    uint64_t top = aw >= 64 ? UINT64_MAX : (UINT64_C(1) << aw) - 1;
    /* The address width is checked before the context (iommu.c). */
    if (a > top) {
      ladon__ckw_push(w, "%s: beyond the %u-bit address width", iname, aw);
      ladon__ckw_stop(w, a, b, delta, comp, CK_STOP_IOMMU, 0, 0, 0x04);
      ladon__ckw_pop(w);
      continue;
    }
    uint64_t b2 = b;
    if (b2 > top) {
      ladon__ckw_push(w, "%s: beyond the %u-bit address width", iname, aw);
      ladon__ckw_stop(w, top + 1, b, delta, comp, CK_STOP_IOMMU, 0, 0, 0x04);
      ladon__ckw_pop(w);
      b2 = top;
    }
    const ladon_imap_entry *ctx = ladon_imap_lookup(ladon__iommu_context_map(io), w->rid);
    if (ctx == NULL) {
      ladon__ckw_push(w, "%s context %s: not present", iname, rs);
      ladon__ckw_stop(w, a, b2, delta, comp, CK_STOP_IOMMU, 0, 0, 0x02);
      ladon__ckw_pop(w);
      continue;
    }
    uint32_t dom = (uint32_t)ctx->target;
    ladon__ckw_push(w, "%s context %s -> domain %u", iname, rs, dom);
    iommu_visit v = {w, comp, (int)rp, delta, a, b2, dom, iname};
    const ladon_imap *pt = ladon__iommu_domain_map(io, dom);
    int ended = pt ? ladon_imap_visit(pt, a, b2, iommu_entry, &v) : 0;
    if (!ended && v.next <= b2) iommu_gap(&v, v.next, b2);
    ladon__ckw_pop(w);
  }
  ladon__ckw_cuts_put(w);
}

/* An MSI-X entry's write: address `lo` and the walk's data, exactly as
** host_irq.c and iommu.c decode them. */
static void irq_exact(ck_walk *w, uint32_t comp, uint64_t lo, uint64_t hi, uint64_t delta) {
  ladon__host *h = w->c->f->inst[comp];
  const char *name = ladon__ckw_comp_name(w, comp);
  ladon__iommu *io = ladon__host_iommu(h);
  uint64_t a = lo;
  char rs[16];
  ladon__ck_rid(w->rid, rs);
  if (io == NULL) {
    unsigned mode = (w->data >> 8) & 7u, id = (unsigned)((a >> 12) & 0xffu);
    unsigned vector = w->data & 0xffu;
    bool logical = (a >> 2) & 1u;
    unsigned core = id;
    if (logical) {
      core = 8;
      for (unsigned k = 0; k < 8; k++)
        if ((id >> k) & 1u) {
          core = k;
          break;
        }
    }
    if ((a & 0x10) || (mode != 0 && mode != 1) || vector < 16 || core >= ladon__host_cpus(h)) {
      ladon__ckw_push(w, "%s MSI address 0x%llx data 0x%x: not deliverable (remappable without an IOMMU, "
           "delivery mode, vector or destination)", name, (unsigned long long)a, w->data);
      ladon__ckw_stop(w, lo, hi, delta, comp, CK_STOP_MSI, 0, 0, 0);
      ladon__ckw_pop(w);
      return;
    }
    ladon__ckw_push(w, "%s MSI compatibility format: destination %u, vector %u", name, core, vector);
    ck_target t = {.kind = CK_T_IRQ, .rid = w->rid, .comp = comp, .fn = core, .at = vector};
    ladon__ckw_emit(w, lo, hi, delta, &t);
    ladon__ckw_pop(w);
    return;
  }
  char iname[96];
  snprintf(iname, sizeof iname, "%s.iommu", name);
  if (!(a & 0x10)) {
    ladon__ckw_push(w, "%s: compatibility-format interrupt blocked", iname);
    ladon__ckw_stop(w, lo, hi, delta, comp, CK_STOP_IR, 0, 0, 0x25);
    ladon__ckw_pop(w);
    return;
  }
  uint32_t hd = (uint32_t)(((a >> 5) & 0x7fff) | ((a >> 2) & 1) << 15);
  if (a & 0x8) hd += w->data & 0xffff;
  ladon__iommu_irte e;
  if (!ladon__iommu_irte_get(io, hd, &e)) {
    ladon__ckw_push(w, "%s IRTE %u: not present", iname, hd);
    ladon__ckw_stop(w, lo, hi, delta, comp, CK_STOP_IR, 0, hd,
         hd >= ladon__iommu_irte_count(io) && hd > 0xffff ? 0x21 : 0x22);
    ladon__ckw_pop(w);
    return;
  }
  bool ok = ladon__iommu_irte_sid_ok(&e, w->rid);
  char sid[16];
  ladon__ck_rid(e.source_id, sid);
  ladon__ckw_push(w, "%s IRTE %u (dest core %u, vector %u, SVT %u, SID %s, SQ %u)", iname, hd, e.dest_cpu,
       e.vector, e.sid_verify, sid, e.sid_qualifier);
  if (ok) {
    ck_target t = {.kind = CK_T_IRQ, .rid = w->rid, .comp = comp, .fn = e.dest_cpu,
                   .at = e.vector};
    ladon__ckw_emit(w, lo, hi, delta, &t);
  } else {
    ladon__ckw_stop(w, lo, hi, delta, comp, CK_STOP_IR, 0, hd, 0x26);
  }
  ladon__ckw_pop(w);
}

/* A write into the interrupt range [lo, hi] with the walk's requester ID. */
static void host_irq(ck_walk *w, uint32_t comp, uint64_t lo, uint64_t hi, uint64_t delta) {
  ladon__host *h = w->c->f->inst[comp];
  const char *name = ladon__ckw_comp_name(w, comp);
  ladon__iommu *io = ladon__host_iommu(h);
  ladon__ckw_push(w, "%s interrupt range 0x%llx-0x%llx", name, (unsigned long long)MSI_LO,
       (unsigned long long)MSI_HI);
  if (w->access != LADON_IMAP_W) {
    ladon__ckw_push(w, "%s: reads of the interrupt range are unsupported", name);
    ladon__ckw_stop(w, lo, hi, delta, comp, CK_STOP_HOST_UR, 0, 0, 0);
    ladon__ckw_pop(w);
    ladon__ckw_pop(w);
    return;
  }
  ladon_check *c = w->c;
  if (w->has_data) {
    irq_exact(w, comp, lo, hi, delta);
    ladon__ckw_pop(w);
    return;
  }
  if (io == NULL) {
    /* Compatibility format only (host_irq.c): destination ID in address
    ** bits 19:12, physical mode = core; any vector of the data. */
    unsigned cpus = ladon__host_cpus(h);
    for (unsigned core = 0; core < cpus; core++) {
      uint64_t a = MSI_LO | (uint64_t)core << 12;
      if (a + 0xfff < lo || a > hi) continue;
      uint64_t x = a < lo ? lo : a;
      ladon__ckw_push(w, "%s MSI compatibility format, destination %u (no interrupt remapping)", name,
           core);
      ck_target t = {.kind = CK_T_IRQ, .rid = w->rid, .comp = comp, .fn = core, .at = 0x30};
      size_t before = c->n_reach;
      ladon__ckw_emit(w, x, x, delta, &t);
      if (c->n_reach > before) {
        c->reach[c->n_reach - 1].probe_addr = x - delta;
        c->reach[c->n_reach - 1].probe_data = 0x30;
        c->reach[c->n_reach - 1].probe_set = true;
      }
      ladon__ckw_pop(w);
    }
    ladon__ckw_pop(w);
    return;
  }
  /* Interrupt remapping (VT-d §5.1.2.2, §9.10): remappable addresses carry
  ** a handle; with SHV the data adds a subhandle, so a requester free to
  ** choose address and data reaches every entry. */
  char iname[96], rs[16];
  snprintf(iname, sizeof iname, "%s.iommu", name);
  ladon__ck_rid(w->rid, rs);
  uint32_t n = ladon__iommu_irte_count(io);
  uint32_t fails = 0, first_fail = 0;
  char fail_list[120] = "";
  size_t fl = 0;
  bool any_handle = hi - lo >= 0x100000 - 1 || (hi - lo) >= 64;
  for (uint32_t hd = 0; hd < n; hd++) {
    ladon__iommu_irte e;
    if (!ladon__iommu_irte_get(io, hd, &e)) continue;
    uint64_t a = MSI_LO | ((uint64_t)(hd & 0x7fff) << 5) | 0x10 | ((uint64_t)(hd >> 15) << 2);
    if (!any_handle && (a < lo || a > hi)) continue;
    bool ok = ladon__iommu_irte_sid_ok(&e, w->rid);
    char sid[16];
    ladon__ck_rid(e.source_id, sid);
    if (!ok) {
      /* Entries whose source-id check refuses this requester: one record. */
      if (fails++ == 0) first_fail = hd;
      if (fl < sizeof fail_list - 16)
        fl += (size_t)snprintf(fail_list + fl, sizeof fail_list - fl, "%s%u", fl ? "," : "", hd);
      continue;
    }
    ladon__ckw_push(w, "%s IRTE %u (dest core %u, vector %u, SVT %u, SID %s, SQ %u)", iname, hd,
         e.dest_cpu, e.vector, e.sid_verify, sid, e.sid_qualifier);
    size_t before = c->n_reach;
    uint64_t x = a >= lo && a <= hi ? a : lo;
    {
      ck_target t = {.kind = CK_T_IRQ, .rid = w->rid, .comp = comp, .fn = e.dest_cpu,
                     .at = e.vector};
      ladon__ckw_emit(w, x, x, delta, &t);
    }
    if (c->n_reach > before) {
      ck_reach *r = &c->reach[c->n_reach - 1];
      bool exact = a >= lo && a <= hi;
      r->probe_addr = (exact ? a : (MSI_LO | 0x18)) - delta;
      r->probe_data = exact ? 0 : hd; /* SHV: the data is the subhandle */
      r->probe_set = true;
    }
    ladon__ckw_pop(w);
  }
  if (fails) {
    uint64_t a = MSI_LO | ((uint64_t)(first_fail & 0x7fff) << 5) | 0x10 |
                 ((uint64_t)(first_fail >> 15) << 2);
    bool exact = a >= lo && a <= hi;
    uint64_t x = exact ? a : lo;
    ladon__ckw_push(w, "%s IRTEs %s%s (%u entries): source-id verification fails for %s", iname,
         fail_list, fl >= sizeof fail_list - 16 ? ",..." : "", fails, rs);
    size_t before = c->n_reach;
    ladon__ckw_stop(w, x, x, delta, comp, CK_STOP_IR, 0, first_fail, 0x26);
    if (c->n_reach > before) {
      ck_reach *r = &c->reach[c->n_reach - 1];
      r->probe_addr = (exact ? a : (MSI_LO | 0x18)) - delta;
      r->probe_data = exact ? 0 : first_fail;
      r->probe_set = true;
    }
    ladon__ckw_pop(w);
  }
  /* Everything else: compatibility format (0x25) or no IRTE (0x22). */
  ladon__ckw_push(w, "%s: no present IRTE / compatibility format blocked", iname);
  uint64_t x = lo;
  size_t before = c->n_reach;
  ladon__ckw_stop(w, x, x, delta, comp, CK_STOP_IR, 0, 0, (x & 0x10) ? 0x22 : 0x25);
  if (c->n_reach > before) {
    ck_reach *r = &c->reach[c->n_reach - 1];
    r->probe_addr = x - delta;
    r->probe_data = 0;
    r->probe_set = true;
  }
  ladon__ckw_pop(w);
  ladon__ckw_pop(w);
}

