/*
** The symbolic walk of the isolation checker (check_int.h).
**
** A request set -- an interval of addresses of one domain, a requester ID,
** an access (read = non-posted, write = posted) -- enters a component at a
** port and is split where that component's tables split it; each piece
** follows its own way (another port, a translation, a stop) until it ends
** in memory, a BAR, registers, an interrupt or a stop.  Each component's
** rules mirror its datapath, reading the same registers and maps:
**   switch    PCIe Base 5.0 §7.5.1.3.8-10 windows, §6.12 ACS (switch_route.c)
**   host      root-port BME/ACS, interrupt range, IOMMU, RAM, peer-to-peer
**             (host_rx.c), CPU accesses (host_cpu.c), MSI decode (host_irq.c)
**   endpoint  PF BAR0 and the VF BAR aperture (§9.3.3.14, sriov_mem.c)
**   NTB       BAR0 registers, windows and LUT entries, requester-ID table
**             and ID protection (ntb_path.c)
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/check_int.h"
#include "fabric/check_walk_int.h"
#include "models/host.h"
#include "models/iommu.h"
#include "models/ntb.h"
#include "models/sriov.h"
#include "models/switch.h"
#include "pcie/cfgspace_int.h"
#include "pcie/pci_regs.h"



void ladon__ck_rid(uint16_t rid, char buf[16]) {
  snprintf(buf, 16, "%02x:%02x.%x", rid >> 8, (rid >> 3) & 31, rid & 7);
}

const char *ladon__ckw_comp_name(const ck_walk *w, uint32_t comp) {
  return w->c->f->topo->comps[comp].name;
}

void ladon__ckw_push(ck_walk *w, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (w->depth < CK_MAX_HOPS) vsnprintf(w->hops[w->depth], CK_HOP, fmt, ap);
  va_end(ap);
  w->depth++;
}

void ladon__ckw_pop(ck_walk *w) { w->depth--; }

/* Emits [lo, hi] (current addresses; requester = current - delta). */
void ladon__ckw_emit(ck_walk *w, uint64_t lo, uint64_t hi, uint64_t delta, const ck_target *t) {
  char chain[CK_MAX_HOPS * (CK_HOP + 4)];
  size_t n = 0;
  chain[0] = '\0';
  for (unsigned i = 0; i < w->depth && i < CK_MAX_HOPS; i++) {
    if (i) memcpy(chain + n, " -> ", 4), n += 4;
    size_t len = strlen(w->hops[i]);
    memcpy(chain + n, w->hops[i], len);
    n += len;
  }
  chain[n] = '\0';
  ck_target tt = *t;
  if (tt.rid == 0 && tt.kind != CK_T_MEM) tt.rid = w->rid;
  if (tt.kind == CK_T_STOP && !tt.rid) tt.rid = w->rid;
  ladon__ck_add(w->c, w->req, w->access, lo - delta, hi - delta, &tt, chain, w->crossed);
}

void ladon__ckw_stop(ck_walk *w, uint64_t lo, uint64_t hi, uint64_t delta, uint32_t comp,
                 uint8_t why, uint32_t fn, uint64_t at, uint8_t fault) {
  ck_target t = {.kind = CK_T_STOP, .stop = why, .fault = fault, .rid = w->rid,
                 .comp = comp, .fn = fn, .at = at};
  /* What a fault record will hold: the address as the IOMMU sees it. */
  if (why == CK_STOP_IOMMU || why == CK_STOP_IR) t.at = lo;
  ladon__ckw_emit(w, lo, hi, delta, &t);
}

bool ladon__ck_link_peer(const ladon_fabric *f, uint32_t comp, const char *port,
                         uint32_t *peer, const char **peer_port, size_t *link) {
  const ladon__topo *t = f->topo;
  /* The last answer is asked again and again (one device's many walks). */
  static size_t memo_link;
  if (memo_link < t->n_links) {
    const ladon__topo_link *l = &t->links[memo_link];
    bool a = l->a.comp == comp && !strcmp(l->a.port, port);
    if (a || (l->b.comp == comp && !strcmp(l->b.port, port))) {
      *peer = a ? l->b.comp : l->a.comp, *peer_port = a ? l->b.port : l->a.port;
      if (link) *link = memo_link;
      return true;
    }
  }
  for (size_t i = 0; i < t->n_links; i++) {
    const ladon__topo_link *l = &t->links[i];
    if ((l->a.comp == comp && !strcmp(l->a.port, port)) ||
        (l->b.comp == comp && !strcmp(l->b.port, port))) {
      bool a = l->a.comp == comp && !strcmp(l->a.port, port);
      *peer = a ? l->b.comp : l->a.comp, *peer_port = a ? l->b.port : l->a.port;
      if (link) *link = i;
      memo_link = i;
      return true;
    }
  }
  return false;
}

static void arrive(ck_walk *w, uint32_t comp, const char *port, uint64_t lo, uint64_t hi,
                   uint64_t delta);

/* Leaves component `comp` through `port`. */
void ladon__ckw_leave(ck_walk *w, uint32_t comp, const char *port, uint64_t lo, uint64_t hi,
                  uint64_t delta) {
  uint32_t peer;
  const char *pp;
  size_t l;
  if (!ladon__ck_link_peer(w->c->f, comp, port, &peer, &pp, &l)) {
    ladon__ckw_stop(w, lo, hi, delta, comp, CK_STOP_NO_LINK, 0, 0, 0);
    return;
  }
  if (w->depth >= CK_MAX_HOPS) {
    ladon__ckw_stop(w, lo, hi, delta, comp, CK_STOP_LOOP, 0, 0, 0);
    return;
  }
  ladon__ckw_push(w, "link %s", w->c->f->topo->links[l].name);
  arrive(w, peer, pp, lo, hi, delta);
  ladon__ckw_pop(w);
}

/* ---- splitting ------------------------------------------------------------ */

/* Cut points inside (lo, hi]: a cut at p starts a piece.  Collected, then
** sorted and made unique by ladon__ckw_cuts_done(). */

void ladon__ckw_cut(cuts *k, uint64_t lo, uint64_t hi, uint64_t p) {
  if (p <= lo || p > hi || k->n == CK_CUTS) return;
  k->p[k->n++] = p;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* One cut set per nesting level of the walk. */
static cuts ck_pool[2 * CK_MAX_HOPS + 8];

cuts *ladon__ckw_cuts_get(ck_walk *w) {
  cuts *k = &ck_pool[w->ncuts < 2 * CK_MAX_HOPS + 7 ? w->ncuts : 2 * CK_MAX_HOPS + 7];
  w->ncuts++;
  k->n = 0;
  return k;
}

void ladon__ckw_cuts_put(ck_walk *w) { w->ncuts--; }

void ladon__ckw_cuts_done(cuts *k) {
  qsort(k->p, k->n, sizeof k->p[0], cmp_u64);
  unsigned m = 0;
  for (unsigned i = 0; i < k->n; i++)
    if (m == 0 || k->p[m - 1] != k->p[i]) k->p[m++] = k->p[i];
  k->n = m;
}

/* Cuts at both ends of [a, b]. */
void ladon__ckw_cut_range(cuts *k, uint64_t lo, uint64_t hi, uint64_t a, uint64_t b) {
  ladon__ckw_cut(k, lo, hi, a);
  if (b != UINT64_MAX) ladon__ckw_cut(k, lo, hi, b + 1);
}

static void cut_window(cuts *k, uint64_t lo, uint64_t hi, const ladon__cfg_window *win) {
  if (win->valid) ladon__ckw_cut_range(k, lo, hi, win->base, win->limit);
}

static bool in_win(const ladon__cfg_window *win, uint64_t a, bool need_enable) {
  return (need_enable ? win->enabled : win->valid) && a >= win->base && a <= win->limit;
}

static bool in_mem_windows(const ladon__cfg_bridge *b, uint64_t a, bool need_enable) {
  return in_win(&b->mem, a, need_enable) || in_win(&b->pref, a, need_enable);
}

static const char *win_name(const ladon__cfg_bridge *b, uint64_t a) {
  return in_win(&b->mem, a, false) ? "memory window" : "prefetchable window";
}

static uint64_t win_lo(const ladon__cfg_bridge *b, uint64_t a) {
  return in_win(&b->mem, a, false) ? b->mem.base : b->pref.base;
}
static uint64_t win_hi(const ladon__cfg_bridge *b, uint64_t a) {
  return in_win(&b->mem, a, false) ? b->mem.limit : b->pref.limit;
}

/* ---- switch ------------------------------------------------------------- */

static unsigned sw_port_index(const char *port) {
  if (!strcmp(port, "up")) return LADON__SWITCH_UP;
  return 1u + (unsigned)strtoul(port + 1, NULL, 10);
}

static void sw_port_name(unsigned idx, char buf[16]) {
  if (idx == LADON__SWITCH_UP) snprintf(buf, 16, "up");
  else snprintf(buf, 16, "d%u", (idx - 1) & 63u);
}

/* A switch's ports as programmed, decoded once per check (the static walk
** changes nothing; probes run after it). */
typedef struct ck_swcache {
  ladon__cfg_bridge br[LADON__SWITCH_MAX_PORTS];
  uint16_t acs[LADON__SWITCH_MAX_PORTS];
} ck_swcache;

static const ck_swcache *sw_ports(ladon_check *c, uint32_t comp) {
  if (c->swc == NULL) c->swc = calloc(c->f->topo->n_comps, sizeof *c->swc);
  if (c->swc == NULL) return NULL;
  if (c->swc[comp]) return c->swc[comp];
  ck_swcache *k = calloc(1, sizeof *k);
  if (k == NULL) return NULL;
  ladon__switch *sw = c->f->inst[comp];
  for (unsigned i = 0; i < ladon__switch_port_count(sw); i++) {
    ladon__cfg_bridge_decode(ladon__switch_cfg(sw, i), &k->br[i]);
    k->acs[i] = ladon__cfg_acs_ctrl(ladon__switch_cfg(sw, i));
  }
  return c->swc[comp] = k;
}

void ladon__ck_static_free(ladon_check *c) {
  if (c->swc)
    for (size_t i = 0; i < c->f->topo->n_comps; i++) free(c->swc[i]);
  free(c->swc);
  c->swc = NULL;
}

static void sw_arrive(ck_walk *w, uint32_t comp, unsigned in, uint64_t lo, uint64_t hi,
                      uint64_t delta) {
  ladon__switch *sw = w->c->f->inst[comp];
  const char *name = ladon__ckw_comp_name(w, comp);
  unsigned np = ladon__switch_port_count(sw);
  const ck_swcache *k0 = sw_ports(w->c, comp);
  if (k0 == NULL) {
    w->c->oom = true;
    return;
  }
  const ladon__cfg_bridge *br = k0->br;
  const uint16_t *acs = k0->acs;
  const ladon_imap *mm = ladon__switch_mem_map(sw);
  char pn[16], qn[16];
  sw_port_name(in, pn);
  if (in != LADON__SWITCH_UP) {
    /* §6.12.1.1 ACS Source Validation: the requester's bus must be below. */
    unsigned bus = w->rid >> 8;
    bool below = br[in].bus_valid && bus >= br[in].secondary && bus <= br[in].subordinate;
    if ((acs[in] & PCI_ACS_SV) && !below) {
      ladon__ckw_push(w, "%s.%s ACS source validation (bus %02x not in %02x-%02x)", name, pn, bus,
           br[in].secondary, br[in].subordinate);
      ladon__ckw_stop(w, lo, hi, delta, comp, CK_STOP_SW_ACS, in, 0, 0);
      ladon__ckw_pop(w);
      return;
    }
    if (!br[in].bus_master) {
      ladon__ckw_push(w, "%s.%s Bus Master Enable clear", name, pn);
      ladon__ckw_stop(w, lo, hi, delta, comp, CK_STOP_SW_UR, in, 0, 0);
      ladon__ckw_pop(w);
      return;
    }
  }
  cuts *k = ladon__ckw_cuts_get(w);
  for (unsigned i = 0; i < np; i++) {
    cut_window(k, lo, hi, &br[i].mem);
    cut_window(k, lo, hi, &br[i].pref);
  }
  for (size_t i = 0; i < ladon_imap_count(mm); i++) {
    const ladon_imap_entry *e = ladon_imap_at(mm, i);
    ladon__ckw_cut_range(k, lo, hi, e->lo, e->hi);
  }
  ladon__ckw_cuts_done(k);
  for (unsigned s = 0; s <= k->n; s++) {
    uint64_t a = s == 0 ? lo : k->p[s - 1];
    uint64_t b = s == k->n ? hi : k->p[s] - 1;
    const ladon_imap_entry *e = ladon_imap_lookup(mm, a);
    if (in == LADON__SWITCH_UP) {
      if (in_mem_windows(&br[LADON__SWITCH_UP], a, true) && e) {
        sw_port_name((unsigned)e->user, qn);
        ladon__ckw_push(w, "%s.%s window [0x%llx-0x%llx]", name, qn, (unsigned long long)e->lo,
             (unsigned long long)e->hi);
        ladon__ckw_leave(w, comp, qn, a, b, delta);
        ladon__ckw_pop(w);
      } else {
        ladon__ckw_push(w, "%s.up: no downstream window", name);
        ladon__ckw_stop(w, a, b, delta, comp, CK_STOP_SW_UR, in, 0, 0);
        ladon__ckw_pop(w);
      }
      continue;
    }
    if (in_mem_windows(&br[in], a, false)) {
      ladon__ckw_push(w, "%s.%s own %s [0x%llx-0x%llx]%s", name, pn, win_name(&br[in], a),
           (unsigned long long)win_lo(&br[in], a), (unsigned long long)win_hi(&br[in], a),
           (acs[in] & PCI_ACS_UF) ? ", ACS upstream forwarding" : "");
      if (acs[in] & PCI_ACS_UF) {
        if (br[LADON__SWITCH_UP].bus_master) ladon__ckw_leave(w, comp, "up", a, b, delta);
        else ladon__ckw_stop(w, a, b, delta, comp, CK_STOP_SW_UR, LADON__SWITCH_UP, 0, 0);
      } else {
        ladon__ckw_stop(w, a, b, delta, comp, CK_STOP_SW_UR, in, 0, 0);
      }
      ladon__ckw_pop(w);
      continue;
    }
    if (e && e->user > 0) {
      sw_port_name((unsigned)e->user, qn);
      if (acs[in] & PCI_ACS_RR) {
        ladon__ckw_push(w, "%s.%s ACS P2P request redirect (peer %s window [0x%llx-0x%llx])", name, pn,
             qn, (unsigned long long)e->lo, (unsigned long long)e->hi);
        if (br[LADON__SWITCH_UP].bus_master) ladon__ckw_leave(w, comp, "up", a, b, delta);
        else ladon__ckw_stop(w, a, b, delta, comp, CK_STOP_SW_UR, LADON__SWITCH_UP, 0, 0);
      } else {
        ladon__ckw_push(w, "%s.%s peer-to-peer to %s window [0x%llx-0x%llx] (no ACS redirect)", name, pn,
             qn, (unsigned long long)e->lo, (unsigned long long)e->hi);
        ladon__ckw_leave(w, comp, qn, a, b, delta);
      }
      ladon__ckw_pop(w);
      continue;
    }
    if (in_mem_windows(&br[LADON__SWITCH_UP], a, false)) {
      ladon__ckw_push(w, "%s.%s: inside the switch's windows, no port claims it", name, pn);
      ladon__ckw_stop(w, a, b, delta, comp, CK_STOP_SW_UR, in, 0, 0);
      ladon__ckw_pop(w);
      continue;
    }
    ladon__ckw_push(w, "%s.%s -> up (outside the switch's windows)", name, pn);
    if (br[LADON__SWITCH_UP].bus_master) ladon__ckw_leave(w, comp, "up", a, b, delta);
    else ladon__ckw_stop(w, a, b, delta, comp, CK_STOP_SW_UR, LADON__SWITCH_UP, 0, 0);
    ladon__ckw_pop(w);
  }
  ladon__ckw_cuts_put(w);
}

/* ---- endpoint ------------------------------------------------------------ */

static void dev_arrive(ck_walk *w, uint32_t comp, uint64_t lo, uint64_t hi, uint64_t delta) {
  ladon__sriov *d = w->c->f->inst[comp];
  const char *name = ladon__ckw_comp_name(w, comp);
  ladon__sriov_fn *pf = ladon__sriov_fn_at(d, 0);
  const ladon__cfg *pfc = ladon__sriov_fn_cfg(pf);
  ladon__cfg_range r;
  ladon__cfg_vf_bar vb;
  bool has_pf = ladon__cfg_bar_range(pfc, 0, &r) == LADON_OK && r.enabled;
  bool has_vf = ladon__cfg_sriov_vf_bar(pfc, 0, &vb) == LADON_OK && vb.enabled && vb.size_bytes;
  cuts *k = ladon__ckw_cuts_get(w);
  if (has_pf) ladon__ckw_cut_range(k, lo, hi, r.base, r.base + r.size_bytes - 1);
  if (has_vf) {
    uint64_t n = vb.total_bytes / vb.size_bytes;
    uint64_t i = lo > vb.base ? (lo - vb.base) / vb.size_bytes : 0;
    for (; i <= n && vb.base + i * vb.size_bytes <= hi; i++)
      ladon__ckw_cut(k, lo, hi, vb.base + i * vb.size_bytes);
  }
  ladon__ckw_cuts_done(k);
  for (unsigned s = 0; s <= k->n; s++) {
    uint64_t a = s == 0 ? lo : k->p[s - 1];
    uint64_t b = s == k->n ? hi : k->p[s] - 1;
    if (has_pf && a >= r.base && a - r.base < r.size_bytes) {
      ladon__ckw_push(w, "%s.pf BAR0 [0x%llx-0x%llx]", name, (unsigned long long)r.base,
           (unsigned long long)(r.base + r.size_bytes - 1));
      ck_target t = {.kind = CK_T_BAR, .rid = w->rid, .comp = comp, .fn = 0, .at = a - r.base};
      ladon__ckw_emit(w, a, b, delta, &t);
      ladon__ckw_pop(w);
      continue;
    }
    if (has_vf && a >= vb.base && a - vb.base < vb.total_bytes) {
      uint64_t rel = a - vb.base;
      uint32_t n = (uint32_t)(rel / vb.size_bytes) + 1;
      uint64_t base = vb.base + (uint64_t)(n - 1) * vb.size_bytes;
      ladon__ckw_push(w, "%s.vf%u BAR0 [0x%llx-0x%llx] (VF BAR0 + %u x 0x%llx)", name, n - 1,
           (unsigned long long)base, (unsigned long long)(base + vb.size_bytes - 1), n - 1,
           (unsigned long long)vb.size_bytes);
      ck_target t = {.kind = CK_T_BAR, .rid = w->rid, .comp = comp, .fn = n, .at = a - base};
      ladon__ckw_emit(w, a, b, delta, &t);
      ladon__ckw_pop(w);
      continue;
    }
    ladon__ckw_push(w, "%s: no BAR claims it", name);
    ladon__ckw_stop(w, a, b, delta, comp, CK_STOP_DEV_UR, 0, 0, 0);
    ladon__ckw_pop(w);
  }
  ladon__ckw_cuts_put(w);
}

/* ---- NTB ------------------------------------------------------------------ */

static void ntb_arrive(ck_walk *w, uint32_t comp, unsigned side, uint64_t lo, uint64_t hi,
                       uint64_t delta) {
  ladon__ntb *ntb = w->c->f->inst[comp];
  const char *name = ladon__ckw_comp_name(w, comp);
  const ladon_params *p = w->c->f->topo->comps[comp].params;
  const char *sn = side ? "b" : "a";
  const ladon__cfg *cfg = ladon__ntb_cfg(ntb, side);
  const ladon_imap *xm = ladon__ntb_xlate_map(ntb, side);
  ladon__cfg_range bar[6];
  bool on[6] = {false};
  for (unsigned i = 0; i < 6; i += 2)
    on[i] = ladon__cfg_bar_range(cfg, i, &bar[i]) == LADON_OK && bar[i].enabled &&
            bar[i].base && bar[i].size_bytes;
  uint32_t lut = (uint32_t)ladon_params_u64(p, "lut_entries");
  uint64_t esz = ladon__ntb_lut_entry_bytes(ntb);
  cuts *k = ladon__ckw_cuts_get(w);
  for (unsigned i = 0; i < 6; i += 2)
    if (on[i]) ladon__ckw_cut_range(k, lo, hi, bar[i].base, bar[i].base + bar[i].size_bytes - 1);
  for (size_t i = 0; i < ladon_imap_count(xm); i++)
    ladon__ckw_cut_range(k, lo, hi, ladon_imap_at(xm, i)->lo, ladon_imap_at(xm, i)->hi);
  bool up = ladon__ntb_link_is_up(ntb);
  ladon__ckw_cuts_done(k);
  for (unsigned s = 0; s <= k->n; s++) {
    uint64_t a = s == 0 ? lo : k->p[s - 1];
    uint64_t b = s == k->n ? hi : k->p[s] - 1;
    if (on[0] && a >= bar[0].base && a - bar[0].base < bar[0].size_bytes) {
      ladon__ckw_push(w, "%s.%s BAR0 registers", name, sn);
      ck_target t = {.kind = CK_T_REG, .rid = w->rid, .comp = comp, .fn = side,
                     .at = a - bar[0].base};
      ladon__ckw_emit(w, a, b, delta, &t);
      ladon__ckw_pop(w);
      continue;
    }
    if (!up) {
      ladon__ckw_push(w, "%s: link down", name);
      ladon__ckw_stop(w, a, b, delta, comp, CK_STOP_NTB_LINK, side, 0, 0);
      ladon__ckw_pop(w);
      continue;
    }
    const ladon_imap_entry *e = ladon_imap_lookup(xm, a);
    if (e == NULL) {
      bool in2 = on[2] && a >= bar[2].base && a - bar[2].base < bar[2].size_bytes;
      if (in2 && lut && esz) {
        uint64_t idx = (a - bar[2].base) / esz, last = (b - bar[2].base) / esz;
        if (last > idx)
          ladon__ckw_push(w, "%s.%s BAR2 LUT entries %llu-%llu disabled", name, sn, (unsigned long long)idx,
               (unsigned long long)last);
        else
          ladon__ckw_push(w, "%s.%s BAR2 LUT entry %llu disabled", name, sn, (unsigned long long)idx);
        ladon__ckw_stop(w, a, b, delta, comp, CK_STOP_NTB_LUT, side, idx, 0);
      } else {
        ladon__ckw_push(w, "%s.%s: no enabled window translates it", name, sn);
        ladon__ckw_stop(w, a, b, delta, comp, CK_STOP_NTB_WINDOW, side, 0, 0);
      }
      ladon__ckw_pop(w);
      continue;
    }
    unsigned wbar = (unsigned)(e->user >> 16), li = (unsigned)(e->user & 0xffff);
    if (li == 0xffff)
      ladon__ckw_push(w, "%s.%s BAR%u window [0x%llx-0x%llx] -> 0x%llx", name, sn, wbar,
           (unsigned long long)e->lo, (unsigned long long)e->hi, (unsigned long long)e->target);
    else
      ladon__ckw_push(w, "%s.%s BAR%u LUT entry %u [0x%llx-0x%llx] -> 0x%llx", name, sn, wbar, li,
           (unsigned long long)e->lo, (unsigned long long)e->hi, (unsigned long long)e->target);
    /* Requester-ID translation (ntb_xlate.c). */
    const ladon_imap_entry *re = ladon_imap_lookup(ladon__ntb_rid_map(ntb, side), w->rid);
    uint16_t far = ladon__ntb_endpoint_id(ntb, side ^ 1u), proxy;
    bool plx = ladon_params_enum(p, "style") == 1;
    char rs[16], ps[16];
    ladon__ck_rid(w->rid, rs);
    if (re) {
      proxy = plx ? (uint16_t)((re->target & 0xfff8u) | (w->rid & 7u)) : (uint16_t)re->target;
    } else if (ladon_params_bool(p, "id_protection") && w->access == LADON_IMAP_W) {
      ladon__ckw_push(w, "%s.%s requester-ID table: %s not listed, ID protection on", name, sn, rs);
      ladon__ckw_stop(w, a, b, delta, comp, CK_STOP_NTB_ID, side, 0, 0);
      ladon__ckw_pop(w);
      ladon__ckw_pop(w);
      continue;
    } else {
      proxy = plx ? (uint16_t)((far & 0xfff8u) | (w->rid & 7u)) : far;
    }
    ladon__ck_rid(proxy, ps);
    if (re)
      ladon__ckw_push(w, "%s.%s requester-ID entry %u: %s -> %s", name, sn, re->id, rs, ps);
    else
      ladon__ckw_push(w, "%s.%s requester %s not listed: crosses as %s", name, sn, rs, ps);
    uint16_t saved = w->rid;
    bool crossed = w->crossed;
    w->rid = proxy;
    w->crossed = true;
    uint64_t off = e->target - e->lo;
    ladon__ckw_leave(w, comp, side ? "a" : "b", a + off, b + off, delta + off);
    w->rid = saved;
    w->crossed = crossed;
    ladon__ckw_pop(w);
    ladon__ckw_pop(w);
  }
  ladon__ckw_cuts_put(w);
}

/* ---- dispatch -------------------------------------------------------------- */

static void arrive(ck_walk *w, uint32_t comp, const char *port, uint64_t lo, uint64_t hi,
                   uint64_t delta) {
  ladon_check *c = w->c;
  if (c->cur_req == w->req && c->cur_count > CK_MAX_RECORDS_PER_REQUESTER) return;
  if (ladon__ck_is(c, comp, "switch")) {
    sw_arrive(w, comp, sw_port_index(port), lo, hi, delta);
  } else if (ladon__ck_is(c, comp, "host")) {
    ladon__ckw_host_up(w, comp, (unsigned)strtoul(port + 2, NULL, 10), lo, hi, delta);
  } else if (ladon__ck_is(c, comp, "sriov_nic")) {
    dev_arrive(w, comp, lo, hi, delta);
  } else if (ladon__ck_is(c, comp, "ntb")) {
    ntb_arrive(w, comp, strcmp(port, "a") ? 1u : 0u, lo, hi, delta);
  } else {
    ladon__ckw_stop(w, lo, hi, delta, comp, CK_STOP_DEV_UR, 0, 0, 0);
  }
}

/* ---- requesters ----------------------------------------------------------- */

typedef struct ept_visit {
  ck_walk *w;
  uint32_t host;
  uint32_t vm;
  uint64_t next;
} ept_visit;

static void ept_gap(ept_visit *v, uint64_t a, uint64_t b) {
  ladon__ckw_push(v->w, "%s EPT: not mapped", v->w->c->f->topo->vms[v->vm].name);
  ladon__ckw_stop(v->w, a, b, 0, v->host, CK_STOP_EPT, v->vm, 0, 0);
  ladon__ckw_pop(v->w);
}

static int ept_entry(void *ctx, const ladon_imap_entry *e, uint64_t lo, uint64_t hi) {
  ept_visit *v = ctx;
  ck_walk *w = v->w;
  if (lo > v->next) ept_gap(v, v->next, lo - 1);
  ladon__ckw_push(w, "%s EPT entry %u gpa 0x%llx..0x%llx -> 0x%llx (%s%s%s)",
       w->c->f->topo->vms[v->vm].name, e->id, (unsigned long long)e->lo,
       (unsigned long long)e->hi, (unsigned long long)e->target,
       (e->perms & LADON_IMAP_R) ? "R" : "", (e->perms & LADON_IMAP_W) ? "W" : "",
       (e->perms & LADON_IMAP_X) ? "X" : "");
  if ((e->perms & w->access) != w->access) {
    ladon__ckw_stop(w, lo, hi, 0, v->host, CK_STOP_EPT, v->vm, 0, 0);
  } else {
    uint64_t off = e->target - e->lo;
    ladon__ckw_host_hpa(w, v->host, -1, false, lo + off, hi + off, off);
  }
  ladon__ckw_pop(w);
  v->next = hi + 1;
  return hi == UINT64_MAX ? 1 : 0;
}

/* The writes a function's programmed MSI-X entries send (PCIe Base 5.0
** §6.1.4, §7.7.2): each one's exact address and data. */
static void msix_entries(ladon_check *c, uint32_t req) {
  static ck_walk w;
  const ck_requester *q = &c->reqs[req];
  ladon__sriov_fn *fn = ladon__sriov_fn_at(c->f->inst[q->comp], q->fn);
  ladon__cfg_msix_state ms;
  bool enabled = ladon__cfg_msix_get(ladon__sriov_fn_cfg(fn), &ms) == LADON_OK && ms.enabled;
  for (uint32_t v = 0; v < ladon__sriov_fn_vectors(fn); v++) {
    uint64_t addr;
    uint32_t data;
    bool masked;
    if (!ladon__sriov_msix_entry(fn, v, &addr, &data, &masked) || addr == 0) continue;
    memset(&w, 0, sizeof w);
    w.c = c;
    w.req = req;
    w.access = LADON_IMAP_W;
    w.rid = q->rid;
    w.has_data = true;
    w.data = data;
    ladon__ckw_push(&w, "%s.%s MSI-X entry %u: address 0x%llx data 0x%x%s%s", ladon__ckw_comp_name(&w, q->comp),
         ladon__sriov_fn_label(fn), v, (unsigned long long)addr, data,
         masked ? " (masked)" : "", enabled ? "" : " (MSI-X disabled)");
    size_t before = c->n_reach;
    uint64_t a = addr & ~UINT64_C(3);
    ladon__ckw_leave(&w, q->comp, "up", a, a + 3, 0);
    for (size_t i = before; i < c->n_reach; i++) {
      c->reach[i].probe_addr = a;
      c->reach[i].probe_data = data;
      c->reach[i].probe_set = true;
    }
  }
}

void ladon__ck_walk_requester(ladon_check *c, uint32_t req) {
  static ck_walk w; /* large; the checker is not re-entrant per thread */
  const ck_requester *q = &c->reqs[req];
  for (int acc = 0; acc < 2; acc++) {
    memset(&w, 0, sizeof w);
    w.c = c;
    w.req = req;
    w.access = acc ? LADON_IMAP_W : LADON_IMAP_R;
    if (q->kind == CK_REQ_FN) {
      w.rid = q->as_rid;
      if (q->as_rid != q->rid) {
        char rs[16];
        ladon__ck_rid(q->as_rid, rs);
        ladon__ckw_push(&w, "%s forges requester ID %s", ladon__ckw_comp_name(&w, q->comp), rs);
      }
      ladon__ckw_leave(&w, q->comp, "up", 0, UINT64_MAX, 0);
      if (acc == 1 && q->as_rid == q->rid) msix_entries(c, req);
    } else if (q->kind == CK_REQ_VCPU) {
      ladon__host *h = c->f->inst[q->host];
      ladon__host_vm *vm = ladon__host_vm_find(h, c->f->topo->vms[q->vm].name);
      if (vm == NULL) continue;
      w.rid = 0;
      ept_visit v = {&w, q->host, (uint32_t)q->vm, 0};
      int ended = ladon_imap_visit(ladon__host_vm_ept(vm), 0, UINT64_MAX, ept_entry, &v);
      if (!ended) ept_gap(&v, v.next, UINT64_MAX);
    } else {
      w.rid = 0;
      ladon__ckw_host_hpa(&w, q->comp, -1, false, 0, UINT64_MAX, 0);
    }
  }
}
