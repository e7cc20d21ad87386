/*
** The receiver of one direction: TLP sequence and LCRC checks, Ack/Nak
** scheduling (PCIe Base 6.0 §3.6.3.1), and the handling of received DLLPs
** (§3.6.2.2).
*/
#include "pcie/link_int.h"
#include "sim/sim_int.h"

/* The retry entry of sequence number `seq` in the transmitter of `d`. */
static ladon__retry *retry_of(ladon__dir *d, uint16_t seq) {
  uint32_t i = (uint32_t)((seq - (d->ackd_seq + 1u)) & 0xfffu);
  return &d->rb[(d->rb_head + i) & (d->rb_cap - 1)];
}

static void schedule_nak(ladon__dir *d) {
  /* "If the NAK_SCHEDULED flag is clear, schedule a Nak DLLP for
  ** transmission immediately and set the NAK_SCHEDULED flag." */
  if (d->nak_scheduled) return;
  d->nak_scheduled = true;
  d->rev->nak_owed = true;
  ladon__kick(d->rev);
}

void ladon__ack_timer_event(ladon_sim *sim, void *ctx, uint64_t arg) {
  ladon__dir *d = ctx;
  if (!ladon__timer_fired(sim, &d->ack, ladon__ack_timer_event, ctx, arg))
    return;
  if (d->acked_all || d->nak_scheduled) return;
  /* The Ack Latency Limit is reached: schedule an Ack, and restart the
  ** timer from 0 (§3.6.3.1); sending an Ack that covers everything stops
  ** it. */
  d->rev->ack_owed = true;
  ladon__kick(d->rev);
  ladon__timer_set(sim, &d->ack, ladon__sim_now(sim) + d->link->ack_limit_ps,
                   ladon__ack_timer_event, d, 0);
}

void ladon__rx_tlp_accepted(ladon__dir *d, const ladon__retry *e,
                            ladon_tlp *tlp) {
  ladon_port *p = d->rx_port;
  unsigned vc = e->vc, cls = e->cls;
  uint32_t data = e->data_credits;
  ladon__fc_rx *rh = &d->fcr[vc][2 * cls], *rd = &d->fcr[vc][2 * cls + 1];
  /* CREDITS_RECEIVED (Equation 2-15); the TLP holds its buffer space
  ** until the receiver consumes it. */
  if (!rh->infinite) {
    rh->received = (rh->received + 1u) & ladon__fc_mask(d->scale[2 * cls]);
    rh->held += 1;
  }
  if (!rd->infinite) {
    rd->received = (rd->received + data) & ladon__fc_mask(d->scale[2 * cls + 1]);
    rd->held += data;
  }
  ladon__stat_add(d->st_tlps, &d->c.tlps, 1);
  ladon__stat_add(d->st_payload, &d->c.payload_bytes, e->payload_bytes);
  /* A TLP also ends FC_INIT2 for its VC (§3.4.1). */
  if (d->rev->fci_state[vc] == LADON__FCI_INIT2) ladon__fc_exit_init2(d->rev, vc);
  if (d->link->n_obs) ladon__observe_delivered(d, tlp);
  p->cb.deliver(p->owner, p, tlp);
}

static void rx_tlp(ladon__dir *d, const ladon__wire *w, ladon_time_ps now) {
  uint16_t seq = (uint16_t)w->a;
  if (w->bad) {
    /* LCRC mismatch: discard, Nak (a Bad TLP error). */
    ladon__stat_add(d->st_bad_tlps, &d->c.bad_tlps, 1);
    schedule_nak(d);
    return;
  }
  if (seq == d->next_rcv_seq) {
    ladon__retry *e = retry_of(d, seq);
    ladon__retry copy = *e;
    e->tlp = NULL; /* the receiver owns it now; a replay resends a copy */
    d->next_rcv_seq = (d->next_rcv_seq + 1u) & 0xfffu;
    d->nak_scheduled = false;
    d->acked_all = false;
    /* The AckNak_LATENCY_TIMER starts when a TLP is forwarded while none
    ** was unacknowledged. */
    if (!d->ack.on)
      ladon__timer_set(d->link->sim, &d->ack, now + d->link->ack_limit_ps,
                       ladon__ack_timer_event, d, 0);
    ladon__rx_tlp_accepted(d, &copy, copy.tlp);
  } else if (((d->next_rcv_seq - seq) & 0xfffu) <= 2048u) {
    /* A duplicate: discard and Ack as soon as possible. */
    ladon__stat_add(NULL, &d->c.duplicate_tlps, 1);
    d->rev->ack_owed = true;
    ladon__kick(d->rev);
  } else {
    /* Out of sequence: a TLP was lost. */
    schedule_nak(d);
  }
}

/* Ack / Nak received for the transmitter `t` (§3.6.2.2). */
static void ack_nak(ladon__dir *t, bool nak, uint16_t n, ladon_time_ps now) {
  uint32_t outstanding = t->rb_len;
  uint32_t delta = (uint32_t)((n - t->ackd_seq) & 0xfffu);
  if (delta > outstanding) return; /* Data Link Protocol Error: discard */
  if (delta > 0) {
    uint32_t i;
    for (i = 0; i < delta; i++) {
      ladon__retry *e = &t->rb[t->rb_head];
      t->rb_bytes -= e->wire_bytes;
      t->rb_head = (t->rb_head + 1u) & (t->rb_cap - 1u);
      t->rb_len--;
    }
    if (t->replaying) {
      t->replay_pos = t->replay_pos > delta ? t->replay_pos - delta : 0;
      if (t->replay_pos >= t->rb_len) t->replaying = false;
    }
    t->ackd_seq = n;
    t->replay_num = 0;
    /* REPLAY_TIMER restarts on forward progress, and holds when nothing is
    ** outstanding. */
    if (t->rb_len)
      ladon__timer_set(t->link->sim, &t->rpl, now + t->link->replay_limit_ps,
                       ladon__replay_timer_event, t, 0);
    else
      ladon__timer_stop(&t->rpl);
    ladon__kick(t);
  }
  if (nak) {
    if (t->replaying) {
      t->replay_again = true;
    } else {
      ladon__timer_stop(&t->rpl);
      ladon__replay_start(t, false);
    }
  }
}

void ladon__dllp_received(ladon__dir *d, uint32_t a, uint32_t b) {
  unsigned type = a & 0xfu;
  ladon_time_ps now = ladon__sim_now(d->link->sim);
  /* The DLLP travelled on `d`; it concerns the transmitter of the reverse
  ** direction, which sits at d's receiving port. */
  switch (type) {
    case LADON__DLLP_ACK:
    case LADON__DLLP_NAK:
      ack_nak(d->rev, type == LADON__DLLP_NAK, (uint16_t)(b & 0xfffu), now);
      break;
    default:
      ladon__fc_dllp_received(d->rev, type, (a >> 8) & 7u, (a >> 4) & 3u,
                              b >> 16, b & 0xffffu);
      break;
  }
}

void ladon__rx_event(ladon_sim *sim, void *ctx, uint64_t arg) {
  ladon__dir *d = ctx;
  ladon__wfifo *f = arg ? &d->dlp : &d->wire;
  ladon_time_ps now = ladon__sim_now(sim);
  f->ev = 0;
  while (f->len && f->w[f->head].arrive_ps <= now) {
    ladon__wire w = f->w[f->head];
    f->head = (f->head + 1u) & (f->cap - 1u);
    f->len--;
    switch (w.kind) {
      case LADON__W_TLP:
        rx_tlp(d, &w, now);
        break;
      case LADON__W_FLIT:
        ladon__flit_rx(d, &w);
        break;
      default:
        if (arg) {
          ladon__flit_dlp_rx(d, &w);
        } else if (w.bad) {
          ladon__stat_add(d->st_bad_dllps, &d->c.bad_dllps, 1);
        } else {
          ladon__dllp_received(d, w.a, w.b);
        }
        break;
    }
    if (d->link->freeing) return;
  }
  if (f->len && !f->ev)
    f->ev = ladon_sim_schedule_at(sim, f->w[f->head].arrive_ps,
                                  LADON_PRIO_DEFAULT, ladon__rx_event, d, arg);
}
