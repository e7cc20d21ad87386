/*
** Enumeration of every PCIe domain, the way firmware does it: a
** depth-first walk with configuration requests issued by the host's root
** complex through the simulated links.
**
**   1. scan     bus numbers: each bridge found gets the next bus as its
**               secondary and, after its subtree is scanned, the last bus
**               used as its subordinate (PCI-to-PCI Bridge Architecture
**               Specification 1.2, §5; Linux pci_scan_bridge()); an SR-IOV
**               device whose VF routing IDs reach beyond its bus reserves
**               those buses too (PCIe Base 5.0 §9.2.1.2).
**   2. size     each BAR by writing all ones and reading back the size
**               mask (§7.5.1.2.1); VF BARs likewise in the SR-IOV
**               capability once NumVFs is set (§9.3.3.14): the VF BAR
**               aperture is NumVFs x the per-VF size.
**   3. place    bridge windows bottom-up, largest alignment first (like
**               Linux pbus_size_mem()): memory windows have 1 MiB
**               granularity (§7.5.1.3.8); 64-bit prefetchable BARs go to
**               the prefetchable window above 4 GiB, everything else to
**               the 32-bit memory window.
**   4. program  BARs, windows, ARI Forwarding on bridges that support it,
**               Max_Payload_Size, Command (memory space and bus master),
**               then NumVFs, VF Enable and VF MSE.
**
** Configuration requests take simulated time; enumeration runs the
** simulation until each completion is back, before any workload starts.
*/
#include <stdlib.h>
#include <string.h>

#include "fabric/enumerate_int.h"
#include "fabric/fabric_int.h"
#include "models/host.h"
#include "models/model.h"
#include "pcie/link_type_int.h"
#include "pcie/pci_regs.h"
#include "sim/error_int.h"

#define MiB (UINT64_C(1) << 20)

typedef struct walk {
  ladon_fabric *f;
  ladon__host *host;
  uint32_t host_comp;
  uint8_t last_bus;
  uint32_t mps_bytes;     /* smallest link MPS in the domain */
  ladon_error *err;
  ladon__enum_fn *fns;    /* grows */
  size_t n, cap;
} walk;

/* ---- synchronous configuration access over the simulation ---- */

typedef struct pending {
  bool done;
  uint8_t status;
  uint32_t value;
} pending;

static void on_cpl(void *ctx, uint8_t status, uint32_t value) {
  pending *p = ctx;
  p->done = true;
  p->status = status;
  p->value = value;
}

static ladon_status wait_for(walk *w, pending *p, uint16_t bdf, uint16_t reg) {
  ladon_sim *sim = w->f->sim;
  while (!p->done)
    if (!ladon_sim_step(sim))
      return ladon__error_set(w->err, LADON_ESTATE, NULL, 0, 0,
                              "host '%s': configuration request to "
                              "%02x:%02x.%x register 0x%03x never completed",
                              ladon__host_name(w->host), bdf >> 8,
                              (bdf >> 3) & 31, bdf & 7, reg);
  return LADON_OK;
}

/* Reads; a non-SC completion gives all ones, as firmware sees it. */
static ladon_status rd(walk *w, uint16_t bdf, uint16_t reg, unsigned size,
                       uint32_t *out) {
  pending p = {0};
  ladon_status st = ladon__host_cfg_read(w->host, bdf, reg, size, on_cpl, &p);
  if (st == LADON_OK) st = wait_for(w, &p, bdf, reg);
  if (st != LADON_OK) return st;
  *out = p.status == LADON_TLP_CPL_SC ? p.value
         : size == 4                  ? 0xffffffffu
                                      : (1u << (8 * size)) - 1;
  return LADON_OK;
}

static ladon_status wr(walk *w, uint16_t bdf, uint16_t reg, unsigned size,
                       uint32_t value) {
  pending p = {0};
  ladon_status st =
      ladon__host_cfg_write(w->host, bdf, reg, size, value, on_cpl, &p);
  if (st == LADON_OK) st = wait_for(w, &p, bdf, reg);
  return st;
}

/* ---- the topology side: which component answers at a device ---- */

/* The component and port at the far end of a link from (comp, port). */
static bool link_peer(const ladon__topo *t, uint32_t comp, const char *port,
                      uint32_t *peer, const char **peer_port) {
  for (size_t i = 0; i < t->n_links; i++) {
    const ladon__topo_link *l = &t->links[i];
    if (l->a.comp == comp && !strcmp(l->a.port, port)) {
      *peer = l->b.comp, *peer_port = l->b.port;
      return true;
    }
    if (l->b.comp == comp && !strcmp(l->b.port, port)) {
      *peer = l->a.comp, *peer_port = l->a.port;
      return true;
    }
  }
  return false;
}

static ladon__enum_fn *add_fn(walk *w) {
  if (w->n == w->cap) {
    size_t cap = w->cap ? 2 * w->cap : 32;
    ladon__enum_fn *v = realloc(w->fns, cap * sizeof *v);
    if (v == NULL) return NULL;
    w->fns = v, w->cap = cap;
  }
  ladon__enum_fn *fn = &w->fns[w->n++];
  memset(fn, 0, sizeof *fn);
  fn->parent = UINT32_MAX;
  return fn;
}

/* Finds capability `id` (standard list) or extended capability `ext_id`. */
static ladon_status find_caps(walk *w, ladon__enum_fn *fn) {
  uint32_t v, guard = 0;
  ladon_status st;
  if ((st = rd(w, fn->bdf, PCI_CAPABILITY_LIST, 1, &v))) return st;
  for (uint32_t ptr = v & 0xfc; ptr && guard++ < 48;) {
    uint32_t hdr;
    if ((st = rd(w, fn->bdf, (uint16_t)ptr, 2, &hdr))) return st;
    if ((hdr & 0xff) == PCI_CAP_ID_EXP) fn->exp_cap = (uint16_t)ptr;
    if ((hdr & 0xff) == PCI_CAP_ID_MSIX) fn->msix_cap = (uint16_t)ptr;
    ptr = (hdr >> 8) & 0xfc;
  }
  guard = 0;
  for (uint32_t ptr = 0x100; ptr && guard++ < 128;) {
    uint32_t hdr;
    if ((st = rd(w, fn->bdf, (uint16_t)ptr, 4, &hdr))) return st;
    if (hdr == 0 || hdr == 0xffffffffu) break;
    if (PCI_EXT_CAP_ID(hdr) == PCI_EXT_CAP_ID_SRIOV) fn->sriov_cap = (uint16_t)ptr;
    if (PCI_EXT_CAP_ID(hdr) == PCI_EXT_CAP_ID_ACS) fn->acs_cap = (uint16_t)ptr;
    ptr = PCI_EXT_CAP_NEXT(hdr);
  }
  return LADON_OK;
}

/*
** Sizes the six BARs at `base` (PCI_BASE_ADDRESS_0, or the SR-IOV VF BARs)
** of `fn` into `bars` (§7.5.1.2.1: write all ones, read the mask back,
** restore).
*/
static ladon_status size_bars(walk *w, ladon__enum_fn *fn, uint16_t base,
                              unsigned count, ladon__enum_bar *bars) {
  ladon_status st;
  for (unsigned i = 0; i < count; i++) {
    uint16_t reg = (uint16_t)(base + 4 * i);
    uint32_t orig, mask, hi_mask = 0;
    if ((st = rd(w, fn->bdf, reg, 4, &orig)) ||
        (st = wr(w, fn->bdf, reg, 4, 0xffffffffu)) ||
        (st = rd(w, fn->bdf, reg, 4, &mask)) ||
        (st = wr(w, fn->bdf, reg, 4, orig)))
      return st;
    if (mask == 0 || mask == 0xffffffffu || (mask & PCI_BASE_ADDRESS_SPACE_IO))
      continue; /* unimplemented, absent, or I/O (not placed) */
    bool is64 = (mask & 0x6) == PCI_BASE_ADDRESS_MEM_TYPE_64;
    if (is64 && i + 1 < count) {
      uint32_t orig_hi;
      if ((st = rd(w, fn->bdf, reg + 4, 4, &orig_hi)) ||
          (st = wr(w, fn->bdf, reg + 4, 4, 0xffffffffu)) ||
          (st = rd(w, fn->bdf, reg + 4, 4, &hi_mask)) ||
          (st = wr(w, fn->bdf, reg + 4, 4, orig_hi)))
        return st;
    }
    uint64_t m = ((uint64_t)hi_mask << 32) | (mask & ~UINT32_C(0xf));
    if (!is64) m |= UINT64_C(0xffffffff00000000);
    ladon__enum_bar *b = &bars[i];
    b->reg = reg;
    b->size = ~m + 1;
    b->is64 = is64;
    b->prefetch = (mask & PCI_BASE_ADDRESS_MEM_PREFETCH) != 0;
    if (is64) i++;
  }
  return LADON_OK;
}

static ladon_status scan_bus(walk *w, uint8_t bus, uint32_t parent,
                             uint32_t comp, const char *comp_port,
                             int internal_of_switch);

/* A function answered at `bdf`; `comp`/`port` say who it is. */
static ladon_status visit(walk *w, uint16_t bdf, uint32_t parent, uint32_t comp,
                          const char *port, uint8_t header) {
  const ladon__topo *t = w->f->topo;
  ladon__enum_fn *fn = add_fn(w);
  if (fn == NULL) return ladon__error_set(w->err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  size_t idx = w->n - 1;
  fn->bdf = bdf;
  fn->comp = comp;
  fn->port = port;
  fn->parent = parent;
  fn->bridge = (header & PCI_HEADER_TYPE_MASK) == PCI_HEADER_TYPE_BRIDGE;
  ladon_status st = find_caps(w, fn);
  if (st) return st;
  if (!fn->bridge) {
    if ((st = size_bars(w, fn, PCI_BASE_ADDRESS_0, 6, fn->bars))) return st;
    if (fn->sriov_cap) {
      /* NumVFs from the topology, then VF BARs and VF routing IDs. */
      uint64_t num_vfs = ladon_params_u64(t->comps[comp].params, "num_vfs");
      uint32_t offset, stride;
      if ((st = wr(w, bdf, fn->sriov_cap + PCI_SRIOV_NUM_VF, 2, (uint32_t)num_vfs)) ||
          (st = rd(w, bdf, fn->sriov_cap + PCI_SRIOV_VF_OFFSET, 2, &offset)) ||
          (st = rd(w, bdf, fn->sriov_cap + PCI_SRIOV_VF_STRIDE, 2, &stride)))
        return st;
      fn = &w->fns[idx];
      fn->num_vfs = (uint16_t)num_vfs;
      fn->vf_offset = (uint16_t)offset;
      fn->vf_stride = (uint16_t)stride;
      if ((st = size_bars(w, fn, fn->sriov_cap + PCI_SRIOV_BAR, 6, fn->vf_bars)))
        return st;
      /* Buses the VFs occupy beyond this one (§9.2.1.2). */
      if (num_vfs > 0) {
        uint32_t last_rid = bdf + offset + (uint32_t)(num_vfs - 1) * stride;
        if ((last_rid >> 8) > 0xff)
          return ladon__error_set(w->err, LADON_ERANGE, NULL, 0, 0,
                                  "component '%s': %llu VFs need routing IDs "
                                  "beyond bus 255",
                                  t->comps[comp].name,
                                  (unsigned long long)num_vfs);
        if ((last_rid >> 8) > w->last_bus) w->last_bus = (uint8_t)(last_rid >> 8);
      }
    }
    return LADON_OK;
  }
  /* A bridge: number its secondary bus and scan behind it. */
  if (w->last_bus == 0xff)
    return ladon__error_set(w->err, LADON_ERANGE, NULL, 0, 0,
                            "host '%s': more than 255 buses",
                            ladon__host_name(w->host));
  uint8_t sec = ++w->last_bus;
  uint8_t pri = (uint8_t)(bdf >> 8);
  if ((st = wr(w, bdf, PCI_PRIMARY_BUS, 4, 0xff0000u | (uint32_t)sec << 8 | pri)))
    return st;
  w->fns[idx].sec = sec;
  /* Behind a switch's upstream port is the switch's internal bus; behind
     any other bridge is whatever its port is linked to. */
  const ladon_model_ops *ops = ladon__model_ops(t->comps[comp].type);
  (void)ops;
  bool upstream_port_of_switch = !strcmp(port, "up");
  if (upstream_port_of_switch) {
    st = scan_bus(w, sec, (uint32_t)idx, comp, NULL, 1);
  } else {
    uint32_t peer;
    const char *peer_port;
    if (link_peer(t, comp, port, &peer, &peer_port))
      st = scan_bus(w, sec, (uint32_t)idx, peer, peer_port, 0);
  }
  if (st) return st;
  w->fns[idx].sub = w->last_bus;
  return wr(w, bdf, PCI_SUBORDINATE_BUS, 1, w->last_bus);
}

/*
** Scans devices 0..31 (functions 0..7 where multi-function) of `bus`, where
** component `comp` answers through its port `comp_port` (NULL: "up").  An
** NTB answers as a Type 0 NT endpoint of this domain only, so the walk ends
** there: the far side belongs to another host's domain.
*/
static ladon_status scan_bus(walk *w, uint8_t bus, uint32_t parent,
                             uint32_t comp, const char *comp_port,
                             int internal_of_switch) {
  for (unsigned dev = 0; dev < 32; dev++) {
    for (unsigned fn = 0; fn < 8; fn++) {
      uint16_t bdf = (uint16_t)(bus << 8 | dev << 3 | fn);
      uint32_t id, header;
      ladon_status st = rd(w, bdf, PCI_VENDOR_ID, 4, &id);
      if (st) return st;
      if ((id & 0xffff) == 0xffff) {
        if (fn == 0) break;
        continue;
      }
      if ((st = rd(w, bdf, PCI_HEADER_TYPE, 1, &header))) return st;
      char name[16];
      const char *port = comp_port ? comp_port : "up";
      if (bus == 0 && comp == w->host_comp) {
        if (dev == 0) break; /* the host bridge itself */
        snprintf(name, sizeof name, "rp%u", dev - 1);
        port = NULL;
        for (size_t k = 0; k < w->f->topo->n_links; k++) {
          const ladon__topo_link *l = &w->f->topo->links[k];
          if ((l->a.comp == comp && !strcmp(l->a.port, name)) ||
              (l->b.comp == comp && !strcmp(l->b.port, name)))
            port = l->a.comp == comp ? l->a.port : l->b.port;
        }
        if (port == NULL) break; /* a root port with nothing behind it */
      } else if (internal_of_switch) {
        snprintf(name, sizeof name, "d%u", dev);
        const ladon__topo *t = w->f->topo;
        port = NULL;
        for (size_t k = 0; k < t->n_links; k++) {
          const ladon__topo_link *l = &t->links[k];
          if (l->a.comp == comp && !strcmp(l->a.port, name)) port = l->a.port;
          if (l->b.comp == comp && !strcmp(l->b.port, name)) port = l->b.port;
        }
        if (port == NULL) {
          /* Unlinked downstream port: still a bridge with an empty bus. */
          port = "";
        }
      }
      if ((st = visit(w, bdf, parent, comp, port, (uint8_t)header))) return st;
      if (fn == 0 && !(header & PCI_HEADER_TYPE_MFD)) break;
    }
  }
  return LADON_OK;
}

/* ---- placement ---- */

typedef struct res {
  uint64_t size, align;
  uint64_t *addr; /* where the assigned address goes */
} res;

static int by_align_desc(const void *a, const void *b) {
  const res *x = a, *y = b;
  if (x->align != y->align) return x->align < y->align ? 1 : -1;
  return x->size < y->size ? 1 : x->size > y->size ? -1 : 0;
}

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

/* 64-bit prefetchable BARs go to the prefetchable window (§7.5.1.3.9). */
static bool goes_pref(const ladon__enum_bar *b) { return b->is64 && b->prefetch; }

/* Collects the resources of kind `pref` directly below bridge `b` (or of the
   whole bus 0 when b == UINT32_MAX). */
static size_t collect(walk *w, uint32_t b, bool pref, res *out, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < w->n; i++) {
    ladon__enum_fn *fn = &w->fns[i];
    if (fn->parent != b) continue;
    if (fn->bridge) {
      uint64_t size = pref ? fn->pref_size : fn->mem_size;
      if (size && n++ < cap)
        out[n - 1] = (res){size, pref ? fn->pref_align : fn->mem_align,
                           pref ? &fn->pref_base : &fn->mem_base};
      continue;
    }
    for (int k = 0; k < 6; k++) {
      ladon__enum_bar *bar = &fn->bars[k];
      if (bar->size && goes_pref(bar) == pref && n++ < cap)
        out[n - 1] = (res){bar->size, bar->size, &bar->addr};
      bar = &fn->vf_bars[k];
      if (bar->size && fn->num_vfs && goes_pref(bar) == pref && n++ < cap)
        out[n - 1] = (res){bar->size * fn->num_vfs, bar->size, &bar->addr};
    }
  }
  qsort(out, n < cap ? n : cap, sizeof *out, by_align_desc);
  return n; /* may exceed cap: the caller reports it */
}

#define MAX_RES 512 /* resources directly below one bridge */

static ladon_status too_many(walk *w) {
  return ladon__error_set(w->err, LADON_ERANGE, NULL, 0, 0,
                          "host '%s': more than %d BARs and windows below one "
                          "bridge",
                          ladon__host_name(w->host), MAX_RES);
}

/* Post-order: a bridge's windows hold its children, 1 MiB granular. */
static ladon_status size_windows(walk *w, uint32_t b) {
  for (size_t i = 0; i < w->n; i++)
    if (w->fns[i].parent == b && w->fns[i].bridge) {
      ladon_status st = size_windows(w, (uint32_t)i);
      if (st) return st;
    }
  if (b == UINT32_MAX) return LADON_OK;
  res r[MAX_RES];
  for (int pref = 0; pref < 2; pref++) {
    size_t n = collect(w, b, pref, r, MAX_RES);
    if (n > MAX_RES) return too_many(w);
    uint64_t size = 0, align = MiB;
    for (size_t i = 0; i < n; i++) {
      size = align_up(size, r[i].align) + r[i].size;
      if (r[i].align > align) align = r[i].align;
    }
    size = size ? align_up(size, MiB) : 0;
    if (pref) w->fns[b].pref_size = size, w->fns[b].pref_align = align;
    else w->fns[b].mem_size = size, w->fns[b].mem_align = align;
  }
  return LADON_OK;
}

/* Pre-order: give each resource below `b` an address inside its window. */
static ladon_status place(walk *w, uint32_t b, uint64_t mem_base,
                          uint64_t mem_limit, uint64_t pref_base,
                          uint64_t pref_limit) {
  res r[MAX_RES];
  for (int pref = 0; pref < 2; pref++) {
    size_t n = collect(w, b, pref, r, MAX_RES);
    if (n > MAX_RES) return too_many(w);
    uint64_t at = pref ? pref_base : mem_base, limit = pref ? pref_limit : mem_limit;
    for (size_t i = 0; i < n; i++) {
      at = align_up(at, r[i].align);
      if (at + r[i].size - 1 > limit || at + r[i].size < at)
        return ladon__error_set(w->err, LADON_ENOMEM, NULL, 0, 0,
                                "host '%s': the %s MMIO space cannot hold every "
                                "BAR and bridge window",
                                ladon__host_name(w->host),
                                pref ? "64-bit prefetchable" : "32-bit");
      *r[i].addr = at;
      at += r[i].size;
    }
  }
  for (size_t i = 0; i < w->n; i++) {
    ladon__enum_fn *fn = &w->fns[i];
    if (fn->parent != b || !fn->bridge) continue;
    ladon_status st = place(w, (uint32_t)i, fn->mem_base,
                            fn->mem_base + fn->mem_size - 1, fn->pref_base,
                            fn->pref_base + fn->pref_size - 1);
    if (st) return st;
  }
  return LADON_OK;
}

/* ---- programming ---- */

/*
** PCIe Base 5.0 §6.12: with an IOMMU, Linux enables ACS Source Validation,
** P2P Request Redirect and Upstream Forwarding on every Downstream Port
** that has the capability (pci_enable_acs), so that no function reaches a
** peer except through the IOMMU.  Two exceptions keep the Ladon paths
** direct: the port above an NT endpoint (a compute host reaches its VFs'
** BARs peer to peer, confined by the NT windows, which `ladon check`
** proves), and P2P Completion Redirect, which stays off so that the
** completions of NTB-borne reads go straight to the NT port.
*/
static ladon_status enable_acs(walk *w, const ladon__enum_fn *fn) {
  const ladon__topo *t = w->f->topo;
  uint32_t peer;
  const char *peer_port;
  if (!fn->bridge || !fn->acs_cap || !fn->port || !strcmp(fn->port, "up") ||
      ladon__host_iommu(w->host) == NULL)
    return LADON_OK;
  if (link_peer(t, fn->comp, fn->port, &peer, &peer_port) &&
      !strcmp(t->comps[peer].type->name, "ntb"))
    return LADON_OK;
  uint32_t ctl;
  ladon_status st = rd(w, fn->bdf, fn->acs_cap + PCI_ACS_CTRL, 2, &ctl);
  if (st) return st;
  return wr(w, fn->bdf, fn->acs_cap + PCI_ACS_CTRL, 2,
            ctl | PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_UF);
}

static ladon_status program_fn(walk *w, ladon__enum_fn *fn) {
  ladon_status st;
  uint16_t bdf = fn->bdf;
  if (fn->bridge) {
    /* §7.5.1.3.8/9: base/limit registers hold address bits 31:20 (and
       63:32 in the upper registers); base > limit disables a window. */
    uint64_t mb = fn->mem_base, ml = fn->mem_base + fn->mem_size - 1;
    if (fn->mem_size == 0) mb = 0xfff00000u, ml = 0;
    uint64_t pb = fn->pref_base, pl = fn->pref_base + fn->pref_size - 1;
    if (fn->pref_size == 0) pb = 0xfff00000u, pl = 0;
    if ((st = wr(w, bdf, PCI_MEMORY_BASE, 2, (uint32_t)(mb >> 16) & 0xfff0)) ||
        (st = wr(w, bdf, PCI_MEMORY_LIMIT, 2, (uint32_t)(ml >> 16) & 0xfff0)) ||
        (st = wr(w, bdf, PCI_PREF_MEMORY_BASE, 2, (uint32_t)(pb >> 16) & 0xfff0)) ||
        (st = wr(w, bdf, PCI_PREF_MEMORY_LIMIT, 2, (uint32_t)(pl >> 16) & 0xfff0)) ||
        (st = wr(w, bdf, PCI_PREF_BASE_UPPER32, 4, (uint32_t)(pb >> 32))) ||
        (st = wr(w, bdf, PCI_PREF_LIMIT_UPPER32, 4, (uint32_t)(pl >> 32))))
      return st;
  }
  for (int k = 0; k < 6; k++) {
    const ladon__enum_bar *b = &fn->bars[k];
    if (!b->size) continue;
    if ((st = wr(w, bdf, b->reg, 4, (uint32_t)b->addr)) ||
        (b->is64 && (st = wr(w, bdf, b->reg + 4, 4, (uint32_t)(b->addr >> 32)))))
      return st;
  }
  if (fn->bridge && fn->exp_cap) {
    /* ARI Forwarding Enable (§7.5.3.16, §6.13) where the port supports it,
       so that functions above 7 -- VFs -- are reachable behind it. */
    uint32_t cap2;
    if ((st = rd(w, bdf, fn->exp_cap + PCI_EXP_DEVCAP2, 4, &cap2))) return st;
    if (cap2 != 0xffffffffu && (cap2 & PCI_EXP_DEVCAP2_ARI)) {
      uint32_t ctl2;
      if ((st = rd(w, bdf, fn->exp_cap + PCI_EXP_DEVCTL2, 2, &ctl2)) ||
          (st = wr(w, bdf, fn->exp_cap + PCI_EXP_DEVCTL2, 2, ctl2 | PCI_EXP_DEVCTL2_ARI)))
        return st;
    }
  }
  if ((st = enable_acs(w, fn))) return st;
  if (fn->exp_cap) {
    /* Max_Payload_Size (§7.5.3.4): the domain's common value. */
    uint32_t ctl, code = 0;
    while ((128u << code) < w->mps_bytes) code++;
    if ((st = rd(w, bdf, fn->exp_cap + PCI_EXP_DEVCTL, 2, &ctl)) ||
        (st = wr(w, bdf, fn->exp_cap + PCI_EXP_DEVCTL, 2,
                 (ctl & ~(uint32_t)PCI_EXP_DEVCTL_PAYLOAD) | code << 5)))
      return st;
  }
  uint32_t cmd;
  if ((st = rd(w, bdf, PCI_COMMAND, 2, &cmd)) ||
      (st = wr(w, bdf, PCI_COMMAND, 2, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)))
    return st;
  if (fn->sriov_cap && fn->num_vfs) {
    for (int k = 0; k < 6; k++) {
      const ladon__enum_bar *b = &fn->vf_bars[k];
      if (!b->size) continue;
      uint16_t reg = b->reg;
      if ((st = wr(w, bdf, reg, 4, (uint32_t)b->addr)) ||
          (b->is64 && (st = wr(w, bdf, reg + 4, 4, (uint32_t)(b->addr >> 32)))))
        return st;
    }
    uint32_t ctl;
    if ((st = rd(w, bdf, fn->sriov_cap + PCI_SRIOV_CTRL, 2, &ctl)) ||
        (st = wr(w, bdf, fn->sriov_cap + PCI_SRIOV_CTRL, 2,
                 ctl | PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE)))
      return st;
  }
  return LADON_OK;
}

/* The smallest MPS of the links and the devices' capabilities in the
   domain of host `h` (§2.2.2: every function on a path must agree). */
static uint32_t domain_mps(walk *w) {
  const ladon__topo *t = w->f->topo;
  uint32_t mps = 4096;
  for (size_t i = 0; i < t->n_links; i++) {
    ladon_link_config cfg;
    ladon__link_config_from_params(t->links[i].params, &cfg);
    bool in_domain = false;
    for (size_t k = 0; k < w->n && !in_domain; k++)
      in_domain = w->fns[k].comp == t->links[i].a.comp ||
                  w->fns[k].comp == t->links[i].b.comp;
    if (in_domain && cfg.mps_bytes < mps) mps = cfg.mps_bytes;
  }
  for (size_t k = 0; k < w->n; k++) {
    uint32_t cap;
    if (!w->fns[k].exp_cap ||
        rd(w, w->fns[k].bdf, w->fns[k].exp_cap + PCI_EXP_DEVCAP, 4, &cap))
      continue;
    uint32_t sup = 128u << (cap & 7);
    if (sup < mps) mps = sup;
  }
  return mps;
}

static ladon_status enumerate_host(ladon_fabric *f, uint32_t comp,
                                   ladon__enum_domain *out, ladon_error *err) {
  walk w = {.f = f, .host = ladon__host_of(f->inst[comp]), .host_comp = comp,
            .err = err};
  ladon_status st = scan_bus(&w, 0, UINT32_MAX, comp, NULL, 0);
  if (st == LADON_OK) {
    w.mps_bytes = domain_mps(&w);
    st = size_windows(&w, UINT32_MAX);
  }
  if (st == LADON_OK) {
    ladon__host_mmio_space sp;
    ladon__host_mmio_space_get(w.host, &sp);
    st = place(&w, UINT32_MAX, sp.mmio32_base, sp.mmio32_limit, sp.mmio64_base,
               sp.mmio64_limit);
  }
  for (size_t i = 0; st == LADON_OK && i < w.n; i++) st = program_fn(&w, &w.fns[i]);
  if (st != LADON_OK) {
    free(w.fns);
    return st;
  }
  out->host_comp = comp;
  out->fns = w.fns;
  out->n = w.n;
  out->mps_bytes = w.mps_bytes;
  return LADON_OK;
}

ladon_status ladon__fabric_enumerate(ladon_fabric *f, ladon_error *err) {
  const ladon__topo *t = f->topo;
  for (size_t i = 0; i < t->n_comps; i++) {
    if (strcmp(t->comps[i].type->name, "host") != 0) continue;
    ladon__enum_domain *d = realloc(f->domains, (f->n_domains + 1) * sizeof *d);
    if (d == NULL) return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
    f->domains = d;
    ladon_status st = enumerate_host(f, (uint32_t)i, &f->domains[f->n_domains], err);
    if (st != LADON_OK) return ladon__fabric_error_at(f, t->comps[i].node, "enumeration", err);
    f->n_domains++;
  }
  return LADON_OK;
}

ladon_status ladon__fabric_cfg_read(ladon_fabric *f, uint32_t host_comp,
                                    uint16_t bdf, uint16_t reg, unsigned size,
                                    uint32_t *value, ladon_error *err) {
  walk w = {.f = f, .host = ladon__host_of(f->inst[host_comp]),
            .host_comp = host_comp, .err = err};
  return rd(&w, bdf, reg, size, value);
}

ladon_status ladon__fabric_cfg_write(ladon_fabric *f, uint32_t host_comp,
                                     uint16_t bdf, uint16_t reg, unsigned size,
                                     uint32_t value, ladon_error *err) {
  walk w = {.f = f, .host = ladon__host_of(f->inst[host_comp]),
            .host_comp = host_comp, .err = err};
  return wr(&w, bdf, reg, size, value);
}

ladon_status ladon__fabric_cfg_rmw(ladon_fabric *f, uint32_t host_comp,
                                   uint16_t bdf, uint16_t reg, unsigned size,
                                   uint32_t set_bits, ladon_error *err) {
  walk w = {.f = f, .host = ladon__host_of(f->inst[host_comp]),
            .host_comp = host_comp, .err = err};
  uint32_t v;
  ladon_status st = rd(&w, bdf, reg, size, &v);
  return st ? st : wr(&w, bdf, reg, size, v | set_bits);
}

const ladon__enum_fn *ladon__fabric_pf(const ladon_fabric *f, uint32_t comp) {
  for (size_t d = 0; d < f->n_domains; d++)
    for (size_t i = 0; i < f->domains[d].n; i++)
      if (f->domains[d].fns[i].comp == comp && !f->domains[d].fns[i].bridge)
        return &f->domains[d].fns[i];
  return NULL;
}

const ladon__enum_domain *ladon__fabric_domain(const ladon_fabric *f,
                                               uint32_t host_comp) {
  for (size_t d = 0; d < f->n_domains; d++)
    if (f->domains[d].host_comp == host_comp) return &f->domains[d];
  return NULL;
}

const ladon__enum_fn *ladon__fabric_fn_in(const ladon_fabric *f,
                                          uint32_t host_comp, uint32_t comp) {
  const ladon__enum_domain *d = ladon__fabric_domain(f, host_comp);
  for (size_t i = 0; d && i < d->n; i++)
    if (d->fns[i].comp == comp && !d->fns[i].bridge) return &d->fns[i];
  return NULL;
}
