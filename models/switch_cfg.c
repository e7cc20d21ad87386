/*
** The switch's functions as software sees them: one Type 1 configuration
** space per port (PCIe Base 5.0 §7.5.1.3) with the PCI Express Capability
** (§7.5.3) and, on Downstream Ports, ACS (§7.7.8); decoding what software
** wrote into the routing tables; answering configuration requests.
*/
#include <stdlib.h>
#include <string.h>

#include "ladon/tlp_pool.h"
#include "models/switch_int.h"
#include "sim/error_int.h"

/* PCI-to-PCI bridge, normal decode (PCI Code and ID Assignment, §1.7). */
#define SW_CLASS_PCI_BRIDGE 0x060400u

/* ACS features the Downstream Ports implement (no P2P Egress Control). */
#define SW_ACS_CAP                                                     \
  (PCI_ACS_SV | PCI_ACS_TB | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF |    \
   PCI_ACS_DT)

static unsigned log2_u32(uint32_t v) {
  unsigned n = 0;
  while (v > 1) {
    v >>= 1;
    n++;
  }
  return n;
}

ladon_status ladon__sw_cfg_build(ladon__switch *sw, ladon__sw_port *p,
                                 ladon_error *err) {
  const ladon__switch_config *c = &sw->cfg;
  bool up = p->idx == LADON__SWITCH_UP;
  ladon__cfg_ids ids = {0};
  ids.vendor_id = c->vendor_id;
  ids.device_id = c->device_id;
  ids.class_code = SW_CLASS_PCI_BRIDGE;
  /* Switch ports raise no INTx of their own (hot-plug is not modelled). */
  ids.interrupt_pin = 0;
  ladon__cfg_bridge_opts bo = {0};
  bo.io_window = 32;
  bo.pref_window = 64;
  ladon_error e;
  ladon_error_clear(&e);
  p->cfg = ladon__cfg_new_type1(&ids, &bo, &e);
  if (!p->cfg) goto fail;
  ladon__cfg_exp_opts xo = {0};
  xo.port_type = up ? PCI_EXP_TYPE_UPSTREAM : PCI_EXP_TYPE_DOWNSTREAM;
  xo.mps_supported = (uint8_t)log2_u32(c->mps_supported_bytes / 128u);
  xo.ext_tag = true;
  xo.max_link_speed = c->max_link_speed;
  xo.max_link_width = c->max_link_width;
  xo.port_number = (uint8_t)p->idx;
  xo.dlll_active_reporting = !up;
  /* A Downstream Port forwards configuration requests to any device
  ** number once software enables ARI Forwarding (§6.13, §7.3.3). */
  xo.ari_forwarding = !up;
  xo.tag10_completer = true;
  if (ladon__cfg_add_exp(p->cfg, &xo, NULL, &e) != LADON_OK) goto fail;
  if (!up && c->acs) {
    ladon__cfg_acs_opts ao = {SW_ACS_CAP, 0};
    if (ladon__cfg_add_acs(p->cfg, &ao, NULL, &e) != LADON_OK) goto fail;
  }
  ladon__sw_cfg_refresh(sw, p);
  return LADON_OK;
fail:
  return ladon__error_set(err, e.code == LADON_OK ? LADON_ENOMEM : e.code,
                          NULL, 0, 0, "switch '%s': port %s: %s", sw->name,
                          p->label, e.text);
}

/* ---- routing tables ---------------------------------------------------- */

typedef struct span {
  uint64_t lo, hi;
  uint64_t user;
} span;

typedef struct cover {
  span s[4 * LADON__SWITCH_MAX_PORTS];
  unsigned n;
} cover;

static int collect(void *ctx, const ladon_imap_entry *e, uint64_t lo,
                   uint64_t hi) {
  cover *cv = ctx;
  if (cv->n == sizeof cv->s / sizeof cv->s[0]) return 1;
  cv->s[cv->n++] = (span){lo, hi, e->user};
  return 0;
}

static void put(ladon_imap *m, uint64_t lo, uint64_t hi, unsigned port) {
  ladon_imap_entry e = {0};
  e.lo = lo;
  e.hi = hi;
  e.target = lo;
  e.perms = LADON_IMAP_RW;
  e.id = port;
  e.user = port;
  (void)ladon_imap_insert(m, &e, NULL);
}

/*
** Maps [lo, hi] to `port` where nothing is mapped yet.  Two windows of one
** port may overlap (memory and prefetchable); windows of different ports
** that overlap are a programming error (§7.5.1.3.8): the lower-numbered
** port keeps the range.  Returns the number of overlaps with other ports.
*/
static unsigned insert_free(ladon_imap *m, uint64_t lo, uint64_t hi,
                            unsigned port) {
  unsigned conflicts = 0;
  cover cv;
  cv.n = 0;
  ladon_imap_visit(m, lo, hi, collect, &cv);
  uint64_t cur = lo;
  bool done = false;
  for (unsigned i = 0; i < cv.n && !done; i++) {
    if (cv.s[i].lo > cur) put(m, cur, cv.s[i].lo - 1u, port);
    if (cv.s[i].user != port) conflicts++;
    if (cv.s[i].hi == UINT64_MAX) done = true;
    else cur = cv.s[i].hi + 1u;
  }
  if (!done && cur <= hi) put(m, cur, hi, port);
  return conflicts;
}

static void rebuild_maps(ladon__switch *sw) {
  unsigned n = 0;
  ladon_imap_clear(sw->mem_map);
  ladon_imap_clear(sw->io_map);
  ladon_imap_clear(sw->bus_map);
  for (unsigned i = 1; i < sw->nports; i++) {
    const ladon__cfg_bridge *b = &sw->ports[i].br;
    /* Positive decode downstream needs the window valid and the Command
    ** enable set (§7.5.1.1.3, §7.5.1.3.8-10). */
    if (b->mem.enabled) n += insert_free(sw->mem_map, b->mem.base, b->mem.limit, i);
    if (b->pref.enabled) n += insert_free(sw->mem_map, b->pref.base, b->pref.limit, i);
    if (b->io.enabled) n += insert_free(sw->io_map, b->io.base, b->io.limit, i);
    if (b->bus_valid) n += insert_free(sw->bus_map, b->secondary, b->subordinate, i);
  }
  /* Counted when they appear, not again at every later write. */
  if (n > sw->conflicts_now) ladon_counter_add(sw->st_window_conflicts, n - sw->conflicts_now);
  sw->conflicts_now = n;
}

void ladon__sw_cfg_refresh(ladon__switch *sw, ladon__sw_port *p) {
  ladon__cfg_exp_state xs;
  ladon__cfg_bridge_decode(p->cfg, &p->br);
  p->acs_ctrl = ladon__cfg_acs_ctrl(p->cfg);
  p->ari_fwd = ladon__cfg_exp_get(p->cfg, &xs) == LADON_OK && xs.ari_forwarding;
  rebuild_maps(sw);
}

int ladon__sw_window_port(const ladon__switch *sw, uint64_t addr, bool io) {
  const ladon_imap_entry *e = ladon_imap_lookup(io ? sw->io_map : sw->mem_map, addr);
  return e ? (int)e->user : -1;
}

int ladon__sw_bus_port(const ladon__switch *sw, unsigned bus) {
  const ladon_imap_entry *e = ladon_imap_lookup(sw->bus_map, bus);
  return e ? (int)e->user : -1;
}

/* ---- configuration requests for the switch's functions ----------------- */

ladon_tlp *ladon__sw_cfg_access(ladon__switch *sw, ladon__sw_port *fn,
                                const ladon_tlp *req) {
  uint16_t off = (uint16_t)(req->addr & 0xffcu);
  bool write = req->type == LADON_TLP_CFGWR0 || req->type == LADON_TLP_CFGWR1;
  ladon_tlp *cpl;
  if (write) {
    /* Functions capture their Bus and Device Numbers from the Type 0
    ** configuration writes they complete (§2.2.6.2). */
    fn->rid = (uint16_t)(req->target_id & 0xfff8u);
    if (req->data && req->data_bytes >= 4) {
      uint32_t v = (uint32_t)req->data[0] | (uint32_t)req->data[1] << 8 |
                   (uint32_t)req->data[2] << 16 | (uint32_t)req->data[3] << 24;
      ladon__cfg_write_dw(fn->cfg, off, req->first_be, v);
      ladon__sw_cfg_refresh(sw, fn);
    } else {
      /* A CfgWr without payload bytes (timing-only traffic) cannot change a
      ** register; the write is completed but counted. */
      fn->c.malformed++;
      ladon_counter_add(fn->st.malformed, 1);
    }
    return ladon_tlp_completion_for(req, req->target_id, LADON_TLP_CPL_SC, 0);
  }
  /* The Completer ID of a configuration completion is the ID the request
  ** addressed, which is the function's own (captured or about to be). */
  cpl = ladon_tlp_completion_for(req, req->target_id, LADON_TLP_CPL_SC, 1);
  if (cpl) {
    uint32_t v = ladon__cfg_read_dw(fn->cfg, off);
    uint8_t *d = ladon_tlp_payload(cpl);
    /* Configuration data is little-endian in the payload (§7.2.2.1). */
    for (unsigned i = 0; i < 4; i++) d[i] = (uint8_t)(v >> (8 * i));
  }
  return cpl;
}
