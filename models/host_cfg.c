/*
** Configuration: the functions of bus 0 and the configuration access API.
**
** Bus 0 holds the host bridge (00:00.0, Type 0, class 060000h) and one root
** port per "rp<i>" at 00:<i+1>.0 (Type 1, class 060400h, PCI Express
** Capability of type Root Port, ACS).  Their registers are real
** (src/pcie/cfgspace_int.h); requests to them are answered by the root
** complex one clock after issue.  Requests to other buses leave through a
** root port as configuration TLPs (PCIe Base 5.0 §7.3.3):
**   - the Bus Number is the root port's Secondary Bus Number: converted to
**     Type 0 -- only for Device 0 unless ARI Forwarding is enabled; other
**     Device Numbers end with UR (§7.3.1);
**   - it lies in (Secondary, Subordinate]: forwarded as Type 1;
**   - no root port claims it: Unsupported Request.
** IDs are those of the Xeon E5 v4 (Broadwell-EP) whose measurements the
** default timing follows: host bridge 8086:6F00, root ports 8086:6F08
** (pci.ids).
*/
#include <stdlib.h>

#include "models/host_int.h"

#define VENDOR_INTEL 0x8086u
#define DEVICE_HOST_BRIDGE 0x6f00u
#define DEVICE_ROOT_PORT 0x6f08u

static void cfg_changed(ladon__cfg *cfg, const ladon__cfg_write_ev *ev,
                        void *ctx) {
  (void)cfg;
  (void)ev;
  ladon__host_routes_dirty(ctx);
}

static unsigned log2u(uint32_t v) {
  unsigned n = 0;
  while (v > 1) {
    v >>= 1;
    n++;
  }
  return n;
}

ladon_status ladon__host_cfg_build(ladon__host *h, ladon_error *err) {
  ladon__cfg_ids ids = {0};
  ladon__cfg_bridge_opts bo = {0};
  ladon_status st;
  ids.vendor_id = VENDOR_INTEL;
  ids.device_id = DEVICE_HOST_BRIDGE;
  ids.class_code = 0x060000u; /* bridge, host bridge */
  h->bridge_cfg = ladon__cfg_new_type0(&ids, err);
  if (!h->bridge_cfg) return err ? err->code : LADON_ENOMEM;
  for (unsigned i = 0; i < h->n_rp; i++) {
    ladon__host_rp *rp = &h->rp[i];
    ladon__cfg_exp_opts eo = {0};
    ladon__cfg_acs_opts ao = {0};
    ids.device_id = DEVICE_ROOT_PORT;
    ids.class_code = 0x060400u; /* bridge, PCI-to-PCI, normal decode */
    bo.io_window = 32;
    bo.pref_window = 64;
    rp->cfg = ladon__cfg_new_type1(&ids, &bo, err);
    if (!rp->cfg) return err ? err->code : LADON_ENOMEM;
    eo.port_type = PCI_EXP_TYPE_ROOT_PORT;
    eo.slot = true;
    eo.slot_number = (uint16_t)(i + 1);
    eo.mps_supported = (uint8_t)log2u(h->mps_bytes / 128u);
    eo.ext_tag = true;
    eo.max_link_speed = 5;  /* 32 GT/s: the link's parameters decide */
    eo.max_link_width = 16;
    eo.port_number = (uint8_t)(i + 1);
    eo.dlll_active_reporting = true;
    eo.rcb_128 = h->rcb_bytes == 128;
    eo.cpl_timeout_ranges = 0xf; /* ranges A-D */
    eo.cpl_timeout_disable = true;
    eo.ari_forwarding = true;
    eo.tag10_completer = true; /* DMA reads complete with any 10-bit tag */
    st = ladon__cfg_add_exp(rp->cfg, &eo, NULL, err);
    if (st != LADON_OK) return st;
    ao.cap = PCI_ACS_SV | PCI_ACS_TB | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF;
    st = ladon__cfg_add_acs(rp->cfg, &ao, NULL, err);
    if (st != LADON_OK) return st;
    /* Routing follows every write: bus numbers, windows, Command, ARI. */
    st = ladon__cfg_watch(rp->cfg, 0, PCI_CFG_SPACE_EXP_SIZE,
                          LADON__CFG_WATCH_CHANGES, cfg_changed, h);
    if (st != LADON_OK) return st;
    rp->rid = LADON_TLP_ID(0, i + 1, 0);
  }
  h->routes_dirty = true;
  return LADON_OK;
}

void ladon__host_cfg_free(ladon__host *h) {
  ladon__cfg_free(h->bridge_cfg);
  h->bridge_cfg = NULL;
  for (unsigned i = 0; i < LADON__HOST_MAX_ROOT_PORTS; i++) {
    ladon__cfg_free(h->rp[i].cfg);
    h->rp[i].cfg = NULL;
  }
}

static uint32_t ones(unsigned size) {
  return size >= 4 ? 0xffffffffu : (1u << (8u * size)) - 1u;
}

/* Answers `np` after one root-complex clock with `status` and `value`. */
static void answer(ladon__host *h, ladon__host_np *np, uint8_t status,
                   uint32_t value) {
  ladon_time_ps t = ladon__host_edge(h, ladon_sim_now(h->sim)) + h->clock_ps;
  if (status != LADON_TLP_CPL_SC && np->kind == LADON__NP_CFG_RD)
    value = ones(np->size);
  if (np->kind == LADON__NP_CFG_WR) value = 0;
  ladon__host_defer_at(h, t, LADON__ACT_NP_DONE, np,
                       status | (uint64_t)value << 8);
}

/* The function of bus 0 at `devfn`, or NULL (UR). */
static ladon__cfg *bus0_function(ladon__host *h, unsigned devfn) {
  unsigned dev = devfn >> 3, fn = devfn & 7u;
  if (fn != 0) return NULL;
  if (dev == 0) return h->bridge_cfg;
  if (dev <= h->n_rp) return h->rp[dev - 1].cfg;
  return NULL;
}

static void bus0(ladon__host *h, ladon__host_np *np) {
  ladon__cfg *cfg = bus0_function(h, np->bdf & 0xffu);
  uint32_t v = 0;
  if (!cfg) {
    answer(h, np, LADON_TLP_CPL_UR, 0);
    return;
  }
  if (np->kind == LADON__NP_CFG_RD) {
    ladon__cfg_read(cfg, np->reg, np->size, &v);
  } else {
    ladon__cfg_write(cfg, np->reg, np->size, np->wvalue);
  }
  answer(h, np, LADON_TLP_CPL_SC, v);
}

void ladon__host_cfg_issue(ladon__host *h, ladon__host_np *np) {
  unsigned bus = LADON_TLP_ID_BUS(np->bdf);
  ladon__host_rp *rp;
  ladon__cfg_exp_state es;
  ladon_tlp *t;
  bool type0;
  int i;
  if (np->tag < 0) ladon_counter_add(h->st.cfg_requests, 1);
  if (bus == 0) {
    bus0(h, np);
    return;
  }
  i = ladon__host_route_bus(h, bus);
  if (i < 0 || !ladon_port_link(h->rp[i].port)) {
    answer(h, np, LADON_TLP_CPL_UR, 0);
    return;
  }
  rp = &h->rp[i];
  type0 = bus == rp->br.secondary;
  if (type0 && LADON_TLP_ID_DEV(np->bdf) != 0 &&
      !(ladon__cfg_exp_get(rp->cfg, &es) == LADON_OK && es.ari_forwarding)) {
    /* §7.3.1: only Device 0 lives on a link without ARI Forwarding. */
    answer(h, np, LADON_TLP_CPL_UR, 0);
    return;
  }
  if (np->tag < 0 && !ladon__host_tag_get(h, np)) return; /* waits */
  t = ladon_tlp_alloc(np->kind == LADON__NP_CFG_WR ? 4 : 0);
  if (!t) {
    answer(h, np, LADON_TLP_CPL_CA, 0);
    return;
  }
  if (np->kind == LADON__NP_CFG_WR) {
    uint8_t *d = ladon_tlp_payload(t);
    uint32_t v = np->wvalue << (8u * (np->reg & 3u));
    for (unsigned b = 0; b < 4; b++) d[b] = (uint8_t)(v >> (8u * b));
    t->type = type0 ? LADON_TLP_CFGWR0 : LADON_TLP_CFGWR1;
  } else {
    t->type = type0 ? LADON_TLP_CFGRD0 : LADON_TLP_CFGRD1;
  }
  t->req_id = LADON__HOST_BRIDGE_RID;
  t->tag = (uint16_t)np->tag;
  t->target_id = np->bdf;
  t->addr = np->reg & 0xffcu;
  t->length_dw = 1;
  t->first_be = (uint8_t)(((1u << np->size) - 1u) << (np->reg & 3u));
  t->t_issue_ps = ladon_sim_now(h->sim);
  ladon__host_np_arm(h, np);
  ladon__host_egress_push(rp, t, -1, LADON_TLP_CLASS_NONE, 0, 0);
}

void ladon__host_cfg_complete(ladon__host *h, ladon__host_np *np,
                              const ladon_tlp *cpl) {
  uint32_t v = 0;
  uint8_t status = cpl->status;
  if (np->kind == LADON__NP_CFG_RD && status == LADON_TLP_CPL_SC) {
    if (cpl->data && cpl->data_bytes >= 4) {
      uint32_t dw = (uint32_t)cpl->data[0] | (uint32_t)cpl->data[1] << 8 |
                    (uint32_t)cpl->data[2] << 16 | (uint32_t)cpl->data[3] << 24;
      v = (dw >> (8u * (np->reg & 3u))) & ones(np->size);
    } else {
      /* A successful read completion must carry its DW (Cpl without data
      ** for a read is malformed, §2.3.2): treat as all ones. */
      status = LADON_TLP_CPL_CA;
    }
  }
  if (status != LADON_TLP_CPL_SC && np->kind == LADON__NP_CFG_RD)
    v = ones(np->size);
  ladon__host_np_internal_done(h, np, status | (uint64_t)v << 8);
}

static ladon_status cfg_start(ladon__host *h, uint16_t bdf, uint16_t reg,
                              unsigned size, int kind, uint32_t value,
                              ladon__host_cfg_cb cb, void *ctx) {
  ladon__host_np *np;
  if (!h || (size != 1 && size != 2 && size != 4) || reg >= 0x1000u ||
      (reg & (size - 1u)))
    return LADON_EINVAL;
  np = calloc(1, sizeof *np);
  if (!np) return LADON_ENOMEM;
  np->kind = (uint8_t)kind;
  np->bdf = bdf;
  np->reg = reg;
  np->size = (uint8_t)size;
  np->wvalue = value & ones(size);
  np->cfg_cb = cb;
  np->ctx = ctx;
  np->tag = -1;
  np->t_issue = ladon_sim_now(h->sim);
  ladon__host_defer_at(h, ladon__host_edge(h, np->t_issue), LADON__ACT_CFG, np,
                       0);
  return LADON_OK;
}

ladon_status ladon__host_cfg_read(ladon__host *host, uint16_t bdf,
                                  uint16_t reg, unsigned size,
                                  ladon__host_cfg_cb cb, void *ctx) {
  if (!cb) return LADON_EINVAL;
  return cfg_start(host, bdf, reg, size, LADON__NP_CFG_RD, 0, cb, ctx);
}

ladon_status ladon__host_cfg_write(ladon__host *host, uint16_t bdf,
                                   uint16_t reg, unsigned size, uint32_t value,
                                   ladon__host_cfg_cb cb, void *ctx) {
  return cfg_start(host, bdf, reg, size, LADON__NP_CFG_WR, value, cb, ctx);
}
