/*
** The transmitter of one direction in non-flit mode: what goes out next
** (DLLP priorities, replay, ordering and the flow-control gate), the retry
** buffer and REPLAY_TIMER (PCIe Base 6.0 §3.6.2.1), and bit errors.
*/
#include <math.h>
#include <stdlib.h>

#include "pcie/link_int.h"
#include "pcie/tlp_int.h"
#include "sim/sim_int.h"

/* ---- bit errors ------------------------------------------------------------ */

bool ladon__bad_on_wire(ladon__dir *d, uint32_t bytes) {
  /* Independent bit errors at rate `ber` on the encoded symbols: a packet
  ** of n wire bits is hit with probability 1 - (1 - ber)^n.  LCRC and the
  ** DLLP CRC detect every such error here (their 2^-32 / 2^-16 escapes
  ** are not modelled). */
  double p;
  if (d->log_ok_bit == 0.0) return false;
  p = -expm1(d->log_ok_bit * (double)bytes * d->phy.sym_bits);
  return ladon_rng_double(&d->rng) < p;
}

/* ---- transaction layer: ordering, credits, VC arbitration ------------------ */

static void stall_update(ladon__dir *d, unsigned blocked, ladon_time_ps now) {
  unsigned t;
  if (blocked == d->stalled) return; /* nothing starts or ends */
  d->stalled = blocked;
  for (t = 0; t < LADON__FC_TYPES; t++) {
    if (blocked & (1u << t)) {
      if (d->stall_since[t] == LADON_TIME_NEVER) d->stall_since[t] = now;
    } else if (d->stall_since[t] != LADON_TIME_NEVER) {
      ladon__stat_add(d->st_stall[t], &d->c.credit_stall_ps[t],
                      now - d->stall_since[t]);
      if (d->st_stall_total) ladon_counter_add(d->st_stall_total, now - d->stall_since[t]);
      d->stall_since[t] = LADON_TIME_NEVER;
    }
  }
}

bool ladon__tl_pick(ladon__dir *d, ladon_time_ps now, unsigned *vc_out,
                    unsigned *cls_out) {
  const unsigned nvc = d->link->vcs;
  unsigned blocked = 0, i, c;
  bool found = false;
  unsigned v = d->vc_rr;
  for (i = 0; i < nvc; i++, v = v + 1 == nvc ? 0 : v + 1) {
    int best = -1;
    uint64_t best_stamp = 0;
    if (d->fci_state[v] != LADON__FCI_DONE) continue;
    for (c = 0; c < LADON__CLASSES; c++) {
      const ladon__txq *q = &d->q[v][c];
      const ladon__txq_entry *head;
      uint32_t need;
      bool ok_h, ok_d;
      if (q->len == 0) continue;
      head = ladon__txq_head(q);
      need = head->data_credits;
      /* The transmitter gate, Equation 2-13, per credit type. */
      ok_h = ladon__fc_gate(&d->fct[v][2 * c], d->scale[2 * c], 1);
      ok_d = ladon__fc_gate(&d->fct[v][2 * c + 1], d->scale[2 * c + 1], need);
      if (!ok_h) blocked |= 1u << (2 * c);
      if (!ok_d) blocked |= 1u << (2 * c + 1);
      if (!ok_h || !ok_d || found) continue;
      /* Table 2-42 column 2: non-posted requests and completions must not
      ** pass an older posted request unless RO / IDO permit it.  Posted
      ** requests and completions pass blocked non-posted requests (A3, A4,
      ** D3, D4) simply by having their own queues. */
      if (c != LADON__CLS_P &&
          !ladon__order_head_may_pass_posted(head, &d->q[v][LADON__CLS_P]))
        continue;
      if (best < 0 || head->stamp < best_stamp) {
        best = (int)c;
        best_stamp = head->stamp;
      }
    }
    if (best >= 0 && !found) {
      found = true;
      *vc_out = v;
      *cls_out = (unsigned)best;
    }
  }
  stall_update(d, blocked, now);
  return found;
}

ladon_tlp *ladon__tl_take(ladon__dir *d, unsigned vc, unsigned cls) {
  ladon__txq *q = &d->q[vc][cls];
  uint32_t data = ladon__txq_head(q)->data_credits;
  ladon_tlp *tlp = ladon__txq_pop(q);
  d->queued--;
  ladon__fc_tx *h = &d->fct[vc][2 * cls], *dt = &d->fct[vc][2 * cls + 1];
  /* Equation 2-1: CREDITS_CONSUMED advances modulo 2^[Field Size]. */
  h->consumed = (h->consumed + 1u) & ladon__fc_mask(d->scale[2 * cls]);
  dt->consumed = (dt->consumed + data) & ladon__fc_mask(d->scale[2 * cls + 1]);
  d->vc_rr = vc + 1 == d->link->vcs ? 0 : vc + 1;
  if (d->q_was_full[vc][cls]) {
    d->q_was_full[vc][cls] = false;
    d->notify_ready = true;
  }
  return tlp;
}

/* ---- retry buffer ------------------------------------------------------------ */

static ladon__retry *rb_at(ladon__dir *d, uint32_t i) {
  return &d->rb[(d->rb_head + i) & (d->rb_cap - 1)];
}

static void rb_push(ladon__dir *d, const ladon__retry *e) {
  if (d->rb_len == d->rb_cap) {
    uint32_t ncap = d->rb_cap * 2, i;
    ladon__retry *n = malloc(ncap * sizeof *n);
    if (!n) abort();
    for (i = 0; i < d->rb_len; i++) n[i] = *rb_at(d, i);
    free(d->rb);
    d->rb = n;
    d->rb_cap = ncap;
    d->rb_head = 0;
  }
  d->rb[(d->rb_head + d->rb_len) & (d->rb_cap - 1)] = *e;
  d->rb_len++;
}

/* ---- transmissions ------------------------------------------------------------ */

static void count_busy(ladon__dir *d, const ladon__phy_slot *s) {
  ladon_time_ps from = s->start_ps > d->busy_until ? s->start_ps : d->busy_until;
  if (s->end_ps > from) ladon__stat_add(d->st_busy, &d->c.busy_ps, s->end_ps - from);
  if (s->end_ps > d->busy_until) d->busy_until = s->end_ps;
}

static void count_skps(ladon__dir *d) {
  if (d->ptx.skp_count != d->c.skp_ordered_sets)
    d->c.skp_ordered_sets = d->ptx.skp_count;
}

static void send_dllp(ladon__dir *d, ladon_time_ps now, uint32_t a, uint32_t b) {
  ladon__phy_slot s;
  ladon__wire w;
  unsigned type = a & 0xfu;
  ladon__phy_place(&d->phy, &d->ptx, LADON__PKT_DLLP, LADON__DLLP_WIRE_BYTES,
                   now, &s);
  w.arrive_ps = s.end_ps + d->link->cfg.latency_ps;
  w.tlp = NULL;
  w.a = a;
  w.b = b;
  w.bytes = LADON__DLLP_WIRE_BYTES;
  w.kind = LADON__W_DLLP;
  w.bad = ladon__bad_on_wire(d, LADON__DLLP_WIRE_BYTES);
  ladon__wire_push(d, &d->wire, &w);
  count_busy(d, &s);
  count_skps(d);
  ladon__stat_add(d->st_dllps, &d->c.dllps, 1);
  ladon__stat_add(d->st_dllp_bytes, &d->c.dllp_bytes, LADON__DLLP_WIRE_BYTES);
  if (type == LADON__DLLP_ACK) ladon__stat_add(d->st_acks, &d->c.acks, 1);
  if (type == LADON__DLLP_NAK) ladon__stat_add(d->st_naks, &d->c.naks, 1);
  if (type == LADON__DLLP_UPDATEFC)
    ladon__stat_add(d->st_update_fcs, &d->c.update_fcs, 1);
}

static void replay_timer_set(ladon__dir *d, ladon_time_ps deadline) {
  ladon__timer_set(d->link->sim, &d->rpl, deadline, ladon__replay_timer_event,
                   d, 0);
}

static void send_tlp(ladon__dir *d, ladon_time_ps now, const ladon__retry *e,
                     bool replay) {
  ladon__phy_slot s;
  ladon__wire w;
  ladon__phy_place(&d->phy, &d->ptx, LADON__PKT_TLP, e->wire_bytes, now, &s);
  w.arrive_ps = s.end_ps + d->link->cfg.latency_ps;
  w.tlp = e->tlp;
  w.a = e->seq;
  w.b = (uint32_t)e->vc << 8 | e->cls;
  w.bytes = (uint16_t)e->wire_bytes;
  w.kind = LADON__W_TLP;
  w.bad = ladon__bad_on_wire(d, e->wire_bytes);
  ladon__wire_push(d, &d->wire, &w);
  count_busy(d, &s);
  count_skps(d);
  ladon__stat_add(d->st_tlp_bytes, &d->c.tlp_bytes, e->wire_bytes);
  if (d->link->n_obs) ladon__observe_wire(d, e->tlp, s.start_ps, s.end_ps, replay);
  /* REPLAY_TIMER starts at the last Symbol of any TLP transmission if not
  ** running; after a replay starts, it restarts at the last Symbol of the
  ** first TLP retransmitted (§3.6.2.1). */
  if (d->replay_restart_timer) {
    d->replay_restart_timer = false;
    replay_timer_set(d, s.end_ps + d->link->replay_limit_ps);
  } else if (!d->rpl.on) {
    replay_timer_set(d, s.end_ps + d->link->replay_limit_ps);
  }
}

void ladon__replay_start(ladon__dir *d, bool timeout) {
  if (d->rb_len == 0) return; /* all acknowledged: terminate the replay */
  if (d->replaying) {
    d->replay_again = true;
    return;
  }
  ladon__stat_add(d->st_replays, &d->c.replays, 1);
  if (timeout) d->c.replay_timeouts++;
  /* REPLAY_NUM counts replays of the same TLP; rolling over from 11b to
  ** 00b (the fourth replay) makes the Physical Layer retrain the Link
  ** before the replay proceeds (§3.6.2.1). */
  d->replay_num = (d->replay_num + 1u) & 3u;
  if (d->replay_num == 0) {
    ladon__stat_add(d->st_retrains, &d->c.retrains, 1);
    ladon__retrain(d->link);
  }
  d->replaying = true;
  d->replay_pos = 0;
  d->replay_restart_timer = true;
  ladon__timer_stop(&d->rpl); /* reset and hold until the first resend */
  ladon__kick(d);
}

void ladon__replay_timer_event(ladon_sim *sim, void *ctx, uint64_t arg) {
  ladon__dir *d = ctx;
  if (!ladon__timer_fired(sim, &d->rpl, ladon__replay_timer_event, ctx, arg))
    return;
  if (d->link->flit)
    ladon__flit_replay_timeout(d);
  else
    ladon__replay_start(d, true);
}

static void notify_tx_ready(ladon__dir *d) {
  ladon_port *p = d->tx_port;
  d->notify_ready = false;
  if (p->cb.tx_ready) p->cb.tx_ready(p->owner, p);
}

void ladon__tx_event(ladon_sim *sim, void *ctx, uint64_t arg) {
  ladon__dir *d = ctx;
  ladon_link *l = d->link;
  ladon_time_ps now = ladon__sim_now(sim);
  uint32_t a, b;
  unsigned vc, cls;
  (void)arg;
  d->tx_ev_on = false;
  if (l->retrain_until > now) {
    ladon__kick(d);
    return;
  }
  if (l->flit) {
    ladon__flit_tx_event(d, now);
    if (d->notify_ready) notify_tx_ready(d);
    return;
  }

  /* Recommended priority of scheduled transmissions (§3.6.2.1 note):
  ** Nak, Ack, Flow Control DLLPs required by §2.6, replay, new TLPs. */
  if (d->nak_owed) {
    d->nak_owed = false;
    d->ack_owed = false;
    d->rev->acked_all = true;
    ladon__timer_stop(&d->rev->ack);
    send_dllp(d, now, LADON__DLLP_NAK, (d->rev->next_rcv_seq - 1u) & 0xfffu);
  } else if (d->ack_owed) {
    /* An Ack names NEXT_RCV_SEQ - 1 (§3.6.3.1): everything accepted so
    ** far, so the AckNak_LATENCY_TIMER resets. */
    d->ack_owed = false;
    d->rev->acked_all = true;
    ladon__timer_stop(&d->rev->ack);
    send_dllp(d, now, LADON__DLLP_ACK, (d->rev->next_rcv_seq - 1u) & 0xfffu);
  } else if ((d->fcu_owed_n || d->fc_ready_vcs < l->vcs) &&
             ladon__fc_dllp_next(d, &a, &b)) {
    send_dllp(d, now, a, b);
  } else if (d->replaying) {
    ladon__retry *e = rb_at(d, d->replay_pos++);
    ladon__stat_add(d->st_replayed, &d->c.replayed_tlps, 1);
    send_tlp(d, now, e, true);
    if (d->replay_pos >= d->rb_len) {
      d->replaying = false;
      if (d->replay_again) {
        d->replay_again = false;
        ladon__replay_start(d, false);
      }
    }
  } else if (((d->next_tx_seq - d->ackd_seq) & 0xfffu) < 2048u &&
             ladon__tl_pick(d, now, &vc, &cls)) {
    /* Equation 3-1: no new TLP while 2048 or more are unacknowledged. */
    const ladon__txq_entry *qe = ladon__txq_head(&d->q[vc][cls]);
    uint32_t bytes = qe->wire_bytes;
    ladon__retry e;
    if (d->rb_bytes + bytes > l->cfg.replay_buffer_bytes) {
      /* The retry buffer is full: wait for Acks (they kick). */
      if (d->notify_ready) notify_tx_ready(d);
      return;
    }
    e.wire_bytes = (uint16_t)bytes;
    e.data_credits = (uint16_t)qe->data_credits;
    e.tlp = ladon__tl_take(d, vc, cls);
    e.payload_bytes = (uint16_t)ladon__tlp_payload_bytes(e.tlp);
    e.seq = d->next_tx_seq;
    e.vc = (uint8_t)vc;
    e.cls = (uint8_t)cls;
    d->next_tx_seq = (d->next_tx_seq + 1u) & 0xfffu;
    rb_push(d, &e);
    d->rb_bytes += bytes;
    send_tlp(d, now, &e, false);
  } else {
    /* Nothing to send: idle until something kicks. */
    if (d->notify_ready) notify_tx_ready(d);
    return;
  }
  if (ladon__tx_has_work(d)) ladon__kick(d);
  if (d->notify_ready) notify_tx_ready(d);
}
