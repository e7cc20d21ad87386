/*
** The SR-IOV endpoint's port: what arrives is dispatched by type, what
** leaves goes through one transmit path clocked at `clock`, `datapath`
** bytes per cycle -- completions first, then the functions' DMA engines in
** round-robin order.
*/
#include <stdlib.h>
#include <string.h>

#include "ladon/tlp_pool.h"
#include "models/sriov_int.h"
#include "pcie/tlp_int.h"
#include "sim/sim_int.h"
#include "sim/stats_int.h"

ladon_tlp *ladon__sriov_cpl_new(const ladon_tlp *req, uint16_t cpl_id, uint8_t status,
                                uint16_t byte_count, uint8_t lower_addr, uint32_t data_bytes) {
  ladon_tlp *c = ladon_tlp_alloc(data_bytes);
  if (!c) return NULL;
  c->type = (uint8_t)(data_bytes ? LADON_TLP_CPLD : LADON_TLP_CPL);
  c->length_dw = (uint16_t)(data_bytes / 4u);
  /* §2.2.9: Requester ID, Tag, TC and Attr come from the request. */
  c->req_id = req->req_id;
  c->tag = req->tag;
  c->tc = req->tc;
  c->attr = req->attr;
  c->cpl_id = cpl_id;
  c->status = status;
  c->byte_count = byte_count;
  c->lower_addr = lower_addr;
  c->flow = req->flow;
  c->id = req->id;
  c->t_issue_ps = req->t_issue_ps;
  return c;
}

static void cq_push(ladon__sriov *d, ladon_tlp *t, ladon_time_ps at) {
  if (d->cq_len == d->cq_cap) {
    uint32_t cap = d->cq_cap ? d->cq_cap * 2u : 16u;
    ladon__sriov_cpl *q = malloc(cap * sizeof *q);
    if (!q) {
      ladon_tlp_free(t);
      ladon__counter_add(d->c_tx_rejected, 1);
      return;
    }
    for (uint32_t i = 0; i < d->cq_len; i++) q[i] = d->cq[(d->cq_head + i) % d->cq_cap];
    free(d->cq);
    d->cq = q;
    d->cq_cap = cap;
    d->cq_head = 0;
  }
  d->cq[(d->cq_head + d->cq_len) % d->cq_cap] = (ladon__sriov_cpl){t, at};
  d->cq_len++;
}

void ladon__sriov_send_cpl(ladon__sriov *d, ladon_tlp *c) {
  if (!c) return;
  cq_push(d, c, ladon__sim_now(d->sim) + d->cfg.completer_latency_ps);
  ladon__sriov_egress_arm(d);
}

/* ---- egress ------------------------------------------------------------ */

static void egress_ev(ladon_sim *sim, void *ctx, uint64_t arg);

static void arm_at(ladon__sriov *d, ladon_time_ps t) {
  t = ladon_clock_edge_at_or_after(t, d->cfg.clock_period_ps, 0);
  if (d->eg_ev) {
    if (d->eg_time <= t) return;
    ladon_sim_cancel(d->sim, d->eg_ev);
  }
  d->eg_time = t;
  d->eg_ev = ladon_sim_schedule_at(d->sim, t, LADON_PRIO_DEFAULT, egress_ev, d, 0);
}

void ladon__sriov_egress_arm(ladon__sriov *d) {
  ladon_time_ps now = ladon__sim_now(d->sim);
  arm_at(d, d->busy_until > now ? d->busy_until : now);
}

static void act_push(ladon__sriov *d, ladon__sriov_fn *f) {
  if (f->active) return;
  f->active = true;
  f->act_next = NULL;
  if (d->act_tail)
    d->act_tail->act_next = f;
  else
    d->act_head = f;
  d->act_tail = f;
}

void ladon__sriov_kick(void *ctx) {
  ladon__sriov_fn *f = ctx;
  act_push(f->dev, f);
  ladon__sriov_egress_arm(f->dev);
}

/* Removes `f` (after `prev`, or the head) from the round-robin list. */
static void act_unlink(ladon__sriov *d, ladon__sriov_fn *prev, ladon__sriov_fn *f) {
  if (prev)
    prev->act_next = f->act_next;
  else
    d->act_head = f->act_next;
  if (d->act_tail == f) d->act_tail = prev;
  f->active = false;
  f->act_next = NULL;
}

/* The next engine with a TLP the port can take; it moves to the tail. */
static ladon__sriov_fn *next_engine(ladon__sriov *d) {
  ladon__sriov_fn *prev = NULL, *f = d->act_head;
  while (f) {
    ladon__sriov_fn *nx = f->act_next;
    ladon_tlp_class cls;
    if (!ladon__dma_pending(f->dma)) {
      act_unlink(d, prev, f); /* nothing left: leaves the list */
    } else if (ladon__dma_ready(f->dma, &cls) && ladon_port_can_send(d->up, cls, 0)) {
      act_unlink(d, prev, f);
      act_push(d, f); /* round robin: to the tail */
      return f;
    } else {
      prev = f;
    }
    f = nx;
  }
  return NULL;
}

static void egress_ev(ladon_sim *sim, void *ctx, uint64_t arg) {
  (void)arg;
  ladon__sriov *d = ctx;
  /* First the write transfer the last TLP ended (ladon__dma_commit_held):
  ** its event would have run just before this one.  eg_ev still set, a
  ** kick from its callback finds this event armed, as it would have. */
  if (d->held_dma) {
    ladon__dma *m = d->held_dma;
    d->held_dma = NULL;
    ladon__dma_end(m);
  }
  d->eg_ev = 0;
  ladon_time_ps now = ladon__sim_now(sim);
  if (now < d->busy_until) {
    arm_at(d, d->busy_until);
    return;
  }
  ladon_tlp *t = NULL;
  ladon__sriov_fn *src = NULL;
  ladon_time_ps cpl_at = LADON_TIME_NEVER;
  if (d->cq_len) {
    ladon__sriov_cpl *h = &d->cq[d->cq_head];
    if (h->t_ps > now)
      cpl_at = h->t_ps;
    else if (ladon_port_can_send(d->up, LADON_TLP_CLASS_CPL, h->tlp->tc)) {
      t = h->tlp;
      d->cq_head = (d->cq_head + 1u) % d->cq_cap;
      d->cq_len--;
    }
  }
  if (!t && (src = next_engine(d)) != NULL) t = ladon__dma_issue(src->dma);
  if (!t) {
    /* Blocked on the port (tx_ready re-arms), idle, or a completion not
    ** ready yet. */
    if (cpl_at != LADON_TIME_NEVER) arm_at(d, cpl_at);
    return;
  }
  /* The TLP occupies the transmit path for whole cycles. */
  uint64_t bytes = ladon__tlp_header_dw(t) * 4u + ladon__tlp_payload_bytes(t);
  uint64_t cycles = (bytes + d->cfg.datapath_bytes - 1u) / d->cfg.datapath_bytes;
  ladon_time_ps t_end = now + cycles * d->cfg.clock_period_ps;
  d->busy_until = t_end;
  ladon_status st = ladon_port_send(d->up, t);
  /* This event re-arms for t_end below (an edge: it runs on edges), the
  ** next event scheduled, if there is more to send and nothing re-armed it
  ** during the send: then it also ends a write transfer this TLP completes,
  ** instead of an event of the engine's own. */
  if (src && (d->cq_len || d->act_head) && !d->eg_ev) {
    ladon__dma_commit_held(src->dma, t_end, st == LADON_OK);
    d->held_dma = src->dma;
  } else if (src) {
    ladon__dma_commit(src->dma, t_end, st == LADON_OK);
  }
  if (st == LADON_OK) {
    ladon__counter_add(d->c_tx, 1);
  } else {
    ladon__counter_add(d->c_tx_rejected, 1);
    ladon_tlp_free(t);
  }
  if (d->cq_len || d->act_head) arm_at(d, t_end);
}

void ladon__sriov_tx_ready(void *owner, ladon_port *port) {
  (void)port;
  ladon__sriov_egress_arm(owner);
}

/* ---- ingress ----------------------------------------------------------- */

void ladon__sriov_deliver(void *owner, ladon_port *port, ladon_tlp *t) {
  ladon__sriov *d = owner;
  /* The device takes every TLP out of its receive buffer at once. */
  ladon_port_consume(port, t);
  switch (t->type) {
  case LADON_TLP_CFGRD0:
  case LADON_TLP_CFGWR0:
  case LADON_TLP_CFGRD1:
  case LADON_TLP_CFGWR1:
    ladon__sriov_cfg_request(d, t);
    break;
  case LADON_TLP_MRD:
  case LADON_TLP_MWR:
    ladon__sriov_mem_request(d, t);
    break;
  case LADON_TLP_CPL:
  case LADON_TLP_CPLD: {
    /* Completions are routed by Requester ID (§2.2.9). */
    ladon__sriov_fn *f = ladon__sriov_fn_by_rid(d, t->req_id);
    if (f)
      ladon__dma_complete(f->dma, t);
    else
      ladon__counter_add(d->c_cpl_unclaimed, 1);
    break;
  }
  case LADON_TLP_MSG:
  case LADON_TLP_MSGD:
    ladon__counter_add(d->c_msgs, 1);
    break;
  default:
    /* I/O, locked reads, AtomicOps, DMWr: not supported by this endpoint;
    ** non-posted ones complete with UR, posted ones are dropped (§2.3.1). */
    ladon__counter_add(d->c_other_ur, 1);
    if (ladon__tlp_class(t->type) == LADON_TLP_CLASS_NP) {
      uint16_t cpl_id = (uint16_t)(d->bus << 8);
      ladon__sriov_send_cpl(d, ladon__sriov_cpl_new(t, cpl_id, LADON_TLP_CPL_UR, 4, 0, 0));
    }
    break;
  }
  ladon_tlp_free(t);
}
