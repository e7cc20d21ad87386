/*
** The switch datapath: ingress buffers (virtual output queues, see
** switch_int.h), when a TLP may leave, egress arbitration with the PCIe
** ordering rules (PCIe Base 5.0 §2.4.1, Table 2-40), credit return, and
** the TLPs the switch itself originates (UR and configuration
** completions, broadcast copies, collapsed INTx, gathered PME_TO_Ack).
*/
#include <stdlib.h>

#include "ladon/tlp_pool.h"
#include "models/switch_int.h"
#include "pcie/link_int.h"
#include "pcie/ordering_int.h"
#include "pcie/tlp_int.h"
#include "sim/sim_int.h"
#include "sim/stats_int.h"

#define MSG_ASSERT_INTA 0x20u
#define MSG_DEASSERT_INTA 0x24u

static int cls_of(unsigned type) {
  switch (ladon__tlp_class(type)) {
    case LADON_TLP_CLASS_P: return LADON__SW_CLS_P;
    case LADON_TLP_CLASS_NP: return LADON__SW_CLS_NP;
    case LADON_TLP_CLASS_CPL: return LADON__SW_CLS_CPL;
    default: return -1;
  }
}

static const ladon_tlp_class cls_enum[LADON__SW_CLASSES] = {
    LADON_TLP_CLASS_P, LADON_TLP_CLASS_NP, LADON_TLP_CLASS_CPL};

static ladon__sw_fifo *voq(ladon__sw_port *in, unsigned egress, unsigned c) {
  return &in->voq[egress * LADON__SW_CLASSES + c];
}

static void count(ladon_counter *st, uint64_t *field, uint64_t n) {
  *field += n;
  if (st) ladon__counter_add(st, n);
}

/* ---- entries ------------------------------------------------------------- */

static ladon__sw_entry *entry_new(ladon__switch *sw) {
  ladon__sw_entry *e = sw->free_entries;
  if (e) {
    sw->free_entries = e->next;
    return e;
  }
  e = malloc(sizeof *e);
  if (!e) abort(); /* the simulation cannot continue without its buffers */
  return e;
}

static void entry_free(ladon__switch *sw, ladon__sw_entry *e) {
  e->next = sw->free_entries;
  sw->free_entries = e;
}

/* ---- credits ------------------------------------------------------------- */

/* The TLP that entered `p` leaves its ingress buffer: its credits go back to
** the link, which returns them to the sender with UpdateFC (§2.6.1.2). */
static void consume(ladon__sw_port *p, ladon_tlp_class cls, unsigned tc,
                    uint32_t data) {
  (void)ladon_port_consume_credits(p->port, cls, tc, 1, data);
}

static void consume_tlp(ladon__sw_port *p, ladon_tlp *t) {
  consume(p, ladon__tlp_class(t->type), t->tc,
          ladon__tlp_data_credits(t));
  ladon_tlp_free(t);
}

static void release(ladon__sw_port *p, ladon__sw_entry *e) {
  if (e->shared_refs) {
    if (--*e->shared_refs != 0) return;
    free(e->shared_refs);
  }
  consume(p, (ladon_tlp_class)e->credit_cls, e->credit_tc, e->credit_data);
}

/* ---- timing --------------------------------------------------------------- */

/*
** How long before its last symbol the TLP's header was in the ingress
** port: the serialisation of everything after the header on the ingress
** link.  Non-flit: the symbols from the one holding the last header byte to
** the last one (framing in front: STP + sequence number, 3 B at 8b/10b and
** the 4-byte STP token at 128b/130b, §4.2), at the average symbol time
** including sync headers.  Flit mode: whole flits after the header's
** (a flit is usable only once its CRC/FEC is checked).
*/
static ladon_time_ps body_ps(ladon__sw_port *p, const ladon_tlp *t) {
  const ladon_link *l = ladon_port_link(p->port);
  uint32_t hdr = 4u * (ladon__tlp_header_dw(t) + ladon__tlp_prefix_dw(t));
  if (!l) return 0;
  if (p->phy_link != l) {
    p->phy_link = l;
    p->gen = l->cfg.gen;
    p->flit = l->flit;
    p->phy = l->dir[0].phy;
  }
  if (p->flit) {
    uint32_t bytes = ladon__flit_tlp_bytes(t);
    uint64_t flits = bytes > hdr ? (bytes - hdr) / LADON__FLIT_TLP_BYTES : 0;
    return ladon__phy_bits_to_ps(&p->phy, flits * p->phy.flit_syms * p->phy.sym_bits);
  }
  uint32_t wire = ladon__tlp_wire_bytes(t); /* non-flit: gen 1..5 */
  uint32_t front = hdr + (p->gen <= 2 ? 3u : 4u);
  uint32_t w = p->phy.width;
  uint64_t syms = (wire + w - 1) / w - (front + w - 1) / w;
  return ladon__phy_bits_to_ps(&p->phy, syms * p->phy.block_bits / p->phy.block_syms);
}

/*
** When a TLP whose last symbol arrived at `now` may leave.
** Store-and-forward: now + latency.  Cut-through: `latency` after its
** header arrived, but never before the TLP is whole in the model (the link
** hands over TLPs at their last symbol): now + max(0, latency - body).
*/
static ladon_time_ps ready_ps(ladon__switch *sw, ladon__sw_port *p,
                              const ladon_tlp *t, ladon_time_ps now) {
  ladon_time_ps lat = sw->cfg.latency_ps, body;
  if (sw->cfg.mode == LADON__SWITCH_STORE_AND_FORWARD) return now + lat;
  body = body_ps(p, t);
  return now + (lat > body ? lat - body : 0);
}

/* ---- egress scheduling ---------------------------------------------------- */

static void egress_event(ladon_sim *sim, void *ctx, uint64_t arg);

/* Makes sure egress `pe` decides again no later than the first clock edge
** at or after `t` (and not before it may send its next TLP). */
static void kick(ladon__switch *sw, ladon__sw_port *pe, ladon_time_ps t) {
  ladon_time_ps now = ladon__sim_now(sw->sim);
  if (t < now) t = now;
  if (t < pe->next_free_ps) t = pe->next_free_ps;
  t = ladon_clock_edge_at_or_after(t, sw->cfg.clock_period_ps, 0);
  if (pe->ev) {
    if (pe->ev_time <= t) return;
    ladon_sim_cancel(sw->sim, pe->ev);
  }
  pe->ev_time = t;
  pe->ev = ladon_sim_schedule_at(sw->sim, t, LADON_PRIO_DEFAULT, egress_event, pe, 0);
}

/* Table 2-40 column 2 within one traffic class: may `h` (non-posted or a
** completion) leave before the older posted requests of its stream? */
static bool may_pass_posted(const ladon__sw_entry *h, const ladon__sw_fifo *pf) {
  for (const ladon__sw_entry *p = pf->head; p && p->stamp < h->stamp; p = p->next) {
    if (p->tlp->tc != h->tlp->tc) continue; /* TCs are unordered (§2.4.1) */
    if (ladon__order_may_pass(h->tlp, p->tlp) == LADON__PASS_NO) return false;
  }
  return true;
}

/* The class whose head may leave `in` for `pe` now, oldest first; -1. */
static int pick_class(ladon__sw_port *in, ladon__sw_port *pe, ladon_time_ps now) {
  const ladon__sw_fifo *q = voq(in, pe->idx, 0);
  int best = -1;
  uint64_t best_stamp = 0;
  for (unsigned c = 0; c < LADON__SW_CLASSES; c++) {
    const ladon__sw_entry *h = q[c].head;
    if (!h || h->t_ready_ps > now) continue;
    if (!ladon_port_can_send(pe->port, cls_enum[c], h->tlp->tc)) continue;
    if (c != LADON__SW_CLS_P && !may_pass_posted(h, &q[LADON__SW_CLS_P])) continue;
    if (best < 0 || h->stamp < best_stamp) {
      best = (int)c;
      best_stamp = h->stamp;
    }
  }
  return best;
}

/*
** Weighted round-robin among ingress ports (round-robin is every weight
** 1): the port whose turn it is sends up to its weight in TLPs while it
** has one eligible, then the turn passes; ports with nothing eligible are
** skipped (work conserving).
*/
static bool arbitrate(ladon__switch *sw, ladon__sw_port *pe, ladon_time_ps now,
                      unsigned *in_out, unsigned *cls_out) {
  unsigned n = sw->nports, cur = pe->arb_cur;
  /* The ports with a queue for this egress, in turn order: from the one
  ** whose turn it is up, then from port 0. */
  uint64_t from_cur = pe->pending_in >> cur << cur;
  uint64_t turns[2] = {from_cur, pe->pending_in & ~from_cur};
  for (unsigned pass = 0; pass < 2; pass++) {
    for (uint64_t m = turns[pass]; m; m &= m - 1) {
      unsigned i = (unsigned)__builtin_ctzll(m);
      int c = pick_class(&sw->ports[i], pe, now);
      if (c < 0) continue;
      if (i != cur) {
        pe->arb_cur = i;
        pe->arb_left = sw->cfg.weights[i];
      }
      if (--pe->arb_left == 0) {
        pe->arb_cur = (i + 1) % n;
        pe->arb_left = sw->cfg.weights[pe->arb_cur];
      }
      *in_out = i;
      *cls_out = (unsigned)c;
      return true;
    }
  }
  return false;
}

static void depart(ladon__switch *sw, ladon__sw_port *pe, ladon__sw_port *in,
                   unsigned c, ladon_time_ps now) {
  ladon__sw_fifo *q = voq(in, pe->idx, 0), *f = &q[c];
  ladon__sw_entry *e = f->head;
  ladon_tlp *t = e->tlp;
  uint32_t payload = ladon__tlp_payload_bytes(t);
  f->head = e->next;
  if (!f->head) f->tail = NULL;
  f->len--;
  if (!q[0].head && !q[1].head && !q[2].head)
    pe->pending_in &= ~(UINT64_C(1) << in->idx);
  if (ladon_port_send(pe->port, t) == LADON_OK) {
    count(pe->st.tlps_forwarded, &pe->c.tlps_forwarded, 1);
    count(pe->st.bytes_forwarded, &pe->c.bytes_forwarded, payload);
  } else {
    /* Only a payload above the egress link's Max_Payload_Size gets here (a
    ** Malformed TLP at the next receiver, §2.2.2): it is not sent. */
    count(pe->st.malformed, &pe->c.malformed, 1);
    ladon_tlp_free(t);
  }
  if (pe->st.egress_wait_ps) ladon__hist_add(pe->st.egress_wait_ps, now - e->t_ready_ps);
  if (pe->st.transit_ps) ladon__hist_add(pe->st.transit_ps, now - e->t_arrive_ps);
  release(in, e);
  in->held--;
  in->c.held = in->held;
  entry_free(sw, e);
}

/* When egress `pe` should decide next, after deciding at `now`. */
static void reschedule(ladon__switch *sw, ladon__sw_port *pe, ladon_time_ps now) {
  ladon_time_ps next = LADON_TIME_NEVER;
  for (uint64_t m = pe->pending_in; m; m &= m - 1) {
    unsigned i = (unsigned)__builtin_ctzll(m);
    if (pick_class(&sw->ports[i], pe, now) >= 0) {
      next = now; /* eligible now: the next clock cycle */
      break;
    }
    const ladon__sw_fifo *q = voq(&sw->ports[i], pe->idx, 0);
    for (unsigned c = 0; c < LADON__SW_CLASSES; c++) {
      const ladon__sw_entry *h = q[c].head;
      if (h && h->t_ready_ps > now && h->t_ready_ps < next) next = h->t_ready_ps;
    }
  }
  /* Heads blocked only by a full egress queue wait for tx_ready. */
  if (next != LADON_TIME_NEVER) kick(sw, pe, next);
}

static void egress_event(ladon_sim *sim, void *ctx, uint64_t arg) {
  ladon__sw_port *pe = ctx;
  ladon__switch *sw = pe->sw;
  ladon_time_ps now = ladon__sim_now(sim);
  unsigned in, c;
  (void)arg;
  pe->ev = 0;
  if (arbitrate(sw, pe, now, &in, &c)) {
    depart(sw, pe, &sw->ports[in], c, now);
    /* One TLP per egress port per switch clock cycle. */
    pe->next_free_ps = now + sw->cfg.clock_period_ps;
  }
  reschedule(sw, pe, now);
}

void ladon__sw_tx_ready(void *owner, ladon_port *port) {
  ladon__sw_port *pe = owner;
  (void)port;
  if (pe->pending_in) kick(pe->sw, pe, ladon__sim_now(pe->sw->sim));
}

/* ---- ingress --------------------------------------------------------------- */

typedef struct arrival {
  ladon_time_ps t_arrive, t_ready;
} arrival;

/* Queues `t` at `in` for egress `egress`; the ingress buffer keeps holding
** `credit_*` until it leaves. */
static void enqueue(ladon__switch *sw, ladon__sw_port *in, unsigned egress,
                    ladon_tlp *t, const ladon_tlp *credited, uint32_t *refs,
                    const arrival *a) {
  ladon__sw_entry *e = entry_new(sw);
  ladon__sw_fifo *f = voq(in, egress, (unsigned)cls_of(t->type));
  ladon__sw_port *pe = &sw->ports[egress];
  e->next = NULL;
  e->tlp = t;
  e->t_arrive_ps = a->t_arrive;
  e->t_ready_ps = a->t_ready;
  e->stamp = sw->next_stamp++;
  e->shared_refs = refs;
  e->credit_cls = (uint8_t)ladon__tlp_class(credited->type);
  e->credit_tc = credited->tc;
  e->credit_data = ladon__tlp_data_credits(credited);
  e->ingress = (uint8_t)in->idx;
  if (f->tail) f->tail->next = e;
  else f->head = e;
  f->tail = e;
  f->len++;
  in->held++;
  in->c.held = in->held;
  pe->pending_in |= UINT64_C(1) << in->idx;
  kick(sw, pe, a->t_ready);
}

/*
** A request that cannot be served: non-posted ones are completed by the
** switch with UR status, the ingress port's function being the completer
** (§2.3.1); posted ones are dropped and counted; completions are dropped.
*/
static void unsupported(ladon__switch *sw, ladon__sw_port *in, ladon_tlp *t,
                        unsigned why, const arrival *a) {
  ladon_tlp_class cls = ladon__tlp_class(t->type);
  if (why == LADON__SW_WHY_ACS) count(in->st.acs_violations, &in->c.acs_violations, 1);
  if (cls == LADON_TLP_CLASS_NP) {
    ladon_tlp *c = ladon_tlp_completion_for(t, in->rid, LADON_TLP_CPL_UR, 0);
    count(in->st.urs, &in->c.urs, 1);
    if (c) {
      enqueue(sw, in, in->idx, c, t, NULL, a);
      ladon_tlp_free(t);
      return;
    }
  } else if (cls == LADON_TLP_CLASS_P) {
    count(in->st.posted_dropped, &in->c.posted_dropped, 1);
  } else {
    count(in->st.cpl_dropped, &in->c.cpl_dropped, 1);
  }
  consume_tlp(in, t);
}

/* Linked Downstream Ports, as a bit mask of port indices. */
static uint64_t linked_down(const ladon__switch *sw) {
  uint64_t m = 0;
  for (unsigned j = 1; j < sw->nports; j++)
    if (ladon_port_link(sw->ports[j].port)) m |= UINT64_C(1) << j;
  return m;
}

/* Broadcast from the Root Complex: a copy to every linked Downstream Port;
** the ingress credits return with the last copy. */
static void broadcast(ladon__switch *sw, ladon__sw_port *in, ladon_tlp *t,
                      const arrival *a) {
  uint64_t m = linked_down(sw);
  uint32_t n = 0, *refs;
  for (unsigned j = 1; j < sw->nports; j++) n += (unsigned)(m >> j & 1u);
  refs = n ? malloc(sizeof *refs) : NULL;
  if (!refs) {
    count(in->st.msgs_terminated, &in->c.msgs_terminated, 1);
    consume_tlp(in, t);
    return;
  }
  *refs = n;
  ladon_tlp credited = *t;
  for (unsigned j = 1; j < sw->nports; j++) {
    if (!(m >> j & 1u)) continue;
    ladon_tlp *copy = --n ? ladon_tlp_clone(t) : t;
    if (!copy) abort();
    enqueue(sw, in, j, copy, &credited, refs, a);
  }
}

/*
** INTx virtual wires (§2.2.8.1): the Downstream Port at device D on the
** internal bus maps its INTx to INT((x + D) mod 4) (Table 2-21), the
** switch ORs the wires of all Downstream Ports and sends Assert/Deassert
** upstream only when a collapsed wire changes.
*/
static void intx(ladon__switch *sw, ladon__sw_port *in, ladon_tlp *t,
                 const arrival *a) {
  unsigned pin = (t->msg_code - MSG_ASSERT_INTA) & 3u;
  bool assert = t->msg_code < MSG_DEASSERT_INTA;
  uint8_t agg = 0;
  if (assert) in->intx_wires |= (uint8_t)(1u << pin);
  else in->intx_wires &= (uint8_t)~(1u << pin);
  for (unsigned j = 1; j < sw->nports; j++)
    for (unsigned q = 0; q < 4; q++)
      if (sw->ports[j].intx_wires >> q & 1u) agg |= (uint8_t)(1u << ((q + j - 1u) % 4u));
  uint8_t changed = agg ^ sw->intx_up;
  if (!changed || !ladon_port_link(sw->ports[LADON__SWITCH_UP].port)) {
    count(in->st.msgs_terminated, &in->c.msgs_terminated, 1);
    consume_tlp(in, t);
    return;
  }
  /* One incoming message changes at most one collapsed wire. */
  unsigned y = 0;
  while (!(changed >> y & 1u)) y++;
  sw->intx_up ^= (uint8_t)(1u << y);
  ladon_tlp credited = *t;
  t->msg_code = (uint8_t)((agg >> y & 1u ? MSG_ASSERT_INTA : MSG_DEASSERT_INTA) + y);
  t->req_id = sw->ports[LADON__SWITCH_UP].rid;
  enqueue(sw, in, LADON__SWITCH_UP, t, &credited, NULL, a);
}

/* PME_TO_Ack is gathered: one goes up after every linked Downstream Port
** has sent its own (§5.3.3.2.1). */
static void gather(ladon__switch *sw, ladon__sw_port *in, ladon_tlp *t,
                   const arrival *a) {
  uint64_t m = linked_down(sw);
  sw->pme_acks |= UINT64_C(1) << in->idx;
  if ((sw->pme_acks & m) == m && ladon_port_link(sw->ports[LADON__SWITCH_UP].port)) {
    sw->pme_acks = 0;
    t->req_id = sw->ports[LADON__SWITCH_UP].rid;
    enqueue(sw, in, LADON__SWITCH_UP, t, t, NULL, a);
    return;
  }
  count(in->st.msgs_terminated, &in->c.msgs_terminated, 1);
  consume_tlp(in, t);
}

void ladon__sw_deliver(void *owner, ladon_port *port, ladon_tlp *t) {
  ladon__sw_port *in = owner;
  ladon__switch *sw = in->sw;
  ladon_time_ps now = ladon__sim_now(sw->sim);
  ladon__sw_route r;
  arrival a;
  (void)port;
  count(in->st.tlps_in, &in->c.tlps_in, 1);
  a.t_arrive = now;
  a.t_ready = ready_ps(sw, in, t, now);
  ladon__sw_route_tlp(sw, in->idx, t, &r);
  switch (r.action) {
    case LADON__SW_FWD:
      /* A Downstream Port whose link is down handles what is routed to it
      ** as UR (non-posted) or discards it (§2.9.1). */
      if (!ladon_port_link(sw->ports[r.egress].port)) {
        unsupported(sw, in, t, LADON__SW_WHY_NO_ROUTE, &a);
        break;
      }
      if (r.new_type) t->type = r.new_type;
      enqueue(sw, in, r.egress, t, t, NULL, &a);
      break;
    case LADON__SW_UR:
      unsupported(sw, in, t, r.why, &a);
      break;
    case LADON__SW_CFG: {
      ladon_tlp *c = ladon__sw_cfg_access(sw, &sw->ports[r.fn], t);
      if (c) enqueue(sw, in, in->idx, c, t, NULL, &a);
      else consume(in, LADON_TLP_CLASS_NP, t->tc, ladon__tlp_data_credits(t));
      ladon_tlp_free(t);
      break;
    }
    case LADON__SW_TERMINATE:
      count(in->st.msgs_terminated, &in->c.msgs_terminated, 1);
      consume_tlp(in, t);
      break;
    case LADON__SW_BCAST:
      broadcast(sw, in, t, &a);
      break;
    case LADON__SW_GATHER:
      gather(sw, in, t, &a);
      break;
    case LADON__SW_INTX:
      intx(sw, in, t, &a);
      break;
    default: /* LADON__SW_DROP */
      if (r.why == LADON__SW_WHY_UNEXPECTED)
        count(in->st.cpl_dropped, &in->c.cpl_dropped, 1);
      else
        count(in->st.malformed, &in->c.malformed, 1);
      consume_tlp(in, t);
      break;
  }
  if (in->st.ingress_occupancy) ladon__hist_add(in->st.ingress_occupancy, in->held);
}

void ladon__sw_xbar_free(ladon__switch *sw) {
  for (unsigned i = 0; i < sw->nports; i++) {
    ladon__sw_port *p = &sw->ports[i];
    if (p->ev) ladon_sim_cancel(sw->sim, p->ev);
    p->ev = 0;
    if (!p->voq) continue;
    for (unsigned k = 0; k < sw->nports * LADON__SW_CLASSES; k++) {
      ladon__sw_entry *e = p->voq[k].head, *next;
      for (; e; e = next) {
        next = e->next;
        ladon_tlp_free(e->tlp);
        if (e->shared_refs && --*e->shared_refs == 0) free(e->shared_refs);
        free(e);
      }
    }
    free(p->voq);
    p->voq = NULL;
  }
  while (sw->free_entries) {
    ladon__sw_entry *e = sw->free_entries;
    sw->free_entries = e->next;
    free(e);
  }
}
