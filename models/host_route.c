/*
** Routing by what software programmed into the root ports.
**
** Each root port is a virtual PCI-PCI bridge (§7.5.1.3): it claims memory
** requests from the CPU side whose address falls in its Memory or
** Prefetchable Memory window while its Command register's Memory Space
** Enable is Set, and configuration requests for buses in [Secondary Bus,
** Subordinate Bus].  The tables are rebuilt after a configuration write to a
** root port, from the decoded registers, into a ladon_imap (HPA -> root
** port) that the datapath and the isolation checker share.
*/
#include <stdio.h>

#include "models/host_int.h"
#include "sim/error_int.h"

void ladon__host_routes_dirty(ladon__host *h) { h->routes_dirty = true; }

static void add_window(ladon__host *h, unsigned i, const ladon__cfg_window *w,
                       uint32_t id) {
  ladon_imap_entry e = {0};
  ladon_error err;
  if (!w->enabled) return;
  e.lo = w->base;
  e.hi = w->limit;
  e.target = w->base;
  e.target_domain = h->hpa_domain;
  e.perms = LADON_IMAP_RW;
  e.id = id;
  e.user = i;
  /* Overlapping windows are a software error; the earlier port keeps the
  ** range and the conflict is counted. */
  if (ladon_imap_insert(h->routes, &e, &err) != LADON_OK)
    ladon_counter_add(h->st.window_conflicts, 1);
}

void ladon__host_routes_update(ladon__host *h) {
  if (!h->routes_dirty) return;
  h->routes_dirty = false;
  ladon_imap_clear(h->routes);
  for (unsigned i = 0; i < h->n_rp; i++) {
    ladon__host_rp *rp = &h->rp[i];
    ladon__cfg_exp_state es;
    /* §7.5.3.4: a port sends no TLP larger than its programmed
    ** Max_Payload_Size; values above what it supports are not honoured. */
    rp->mps_bytes = 128;
    if (ladon__cfg_exp_get(rp->cfg, &es) == LADON_OK)
      rp->mps_bytes = es.mps_bytes < h->mps_bytes ? es.mps_bytes : h->mps_bytes;
    rp->acs_ctrl = ladon__cfg_acs_ctrl(rp->cfg);
    if (ladon__cfg_bridge_decode(rp->cfg, &rp->br) != LADON_OK) continue;
    add_window(h, i, &rp->br.mem, 2 * i);
    add_window(h, i, &rp->br.pref, 2 * i + 1);
  }
}

const ladon_imap *ladon__host_route_map(ladon__host *host) {
  if (!host) return NULL;
  ladon__host_routes_update(host);
  return host->routes;
}

int ladon__host_route_addr(ladon__host *h, uint64_t addr, uint64_t len) {
  const ladon_imap_entry *e;
  ladon__host_routes_update(h);
  if (ladon_imap_translate(h->routes, addr, len ? len : 1, LADON_IMAP_R, NULL,
                           &e) != LADON_IMAP_HIT)
    return -1;
  return (int)e->user;
}

int ladon__host_route_bus(ladon__host *h, unsigned bus) {
  ladon__host_routes_update(h);
  for (unsigned i = 0; i < h->n_rp; i++) {
    const ladon__cfg_bridge *b = &h->rp[i].br;
    if (b->bus_valid && bus >= b->secondary && bus <= b->subordinate)
      return (int)i;
  }
  return -1;
}
