/*
** Flit mode (PCIe Base 6.0 §4.2.3): TLPs packed into 256-byte flits, flit
** sequence numbers, Ack / Nak in the DLP bytes of every flit, and flit
** replay.
**
** The flit stream is a fixed grid of slots (NOP flits fill idle slots; the
** model schedules nothing for them).  A TLP goes into the TLP bytes of the
** current slot when it is ready before its first byte's symbol starts,
** after NOP TLPs up to the next 4 DW boundary (§4.2.3.4.1), and may span
** flits; the receiver gets it when the flit holding its last byte has been
** received and checked.  Each flit carries one Ack/Nak and one DLLP
** (UpdateFC, InitFC) in its DLP bytes (§4.2.3.4.2), at no cost in TLP
** space.  Errors: a flit is lost when one of its three interleaved ECC
** groups has two or more bad bytes (each corrects one, §4.2.3.4.2.4).
**
** Simplifications (docs/link-model.md): a Standard Nak replays every
** unacknowledged flit (no Selective Nak, no Nak Ignore Window); a replay
** starts after the TLP being placed; corrupted NOP flits only lose their
** DLP content; at most 8 TLPs per half flit is not enforced; shared /
** merged flow-control credits are not modelled (per-VC credits as in
** non-flit mode, with scaled flow control).
*/
#include <math.h>
#include <stdlib.h>

#include "pcie/link_int.h"
#include "pcie/tlp_int.h"

/* ---- sizes and errors ------------------------------------------------------ */

uint32_t ladon__flit_tlp_bytes(const ladon_tlp *tlp) {
  /* Flit-mode header base: 3 DW, or 4 DW for 64-bit addresses and messages
  ** (§2.2.1.2 Table 2-5), plus Orthogonal Header Content where required:
  **   OHC-A1  memory requests with explicit byte enables or a PASID;
  **   OHC-A2  I/O requests; OHC-A3 configuration requests;
  **   OHC-A4/A1 messages with a PASID;
  **   OHC-A5  completions that are unsuccessful or have Lower Address[1:0]
  **           other than 00b (§2.2.9.2);
  ** plus a 1 DW ECRC trailer with TD.  No framing or LCRC: the flit's CRC
  ** and FEC cover it. */
  unsigned t = tlp->type;
  uint32_t bytes = ladon__tlp_header_dw(tlp) * 4u + ladon__tlp_payload_bytes(tlp);
  bool ohc = false;
  bool pasid = (tlp->flags & LADON_TLP_F_PASID) != 0;
  switch (t) {
    case LADON_TLP_MRD:
    case LADON_TLP_MRDLK:
    case LADON_TLP_MWR:
    case LADON_TLP_DMWR: {
      bool implied = tlp->length_dw <= 1
                         ? tlp->first_be == 0xf && tlp->last_be == 0
                         : tlp->first_be == 0xf && tlp->last_be == 0xf;
      ohc = pasid || !implied;
      break;
    }
    case LADON_TLP_IORD:
    case LADON_TLP_IOWR:
    case LADON_TLP_CFGRD0:
    case LADON_TLP_CFGWR0:
    case LADON_TLP_CFGRD1:
    case LADON_TLP_CFGWR1:
      ohc = true;
      break;
    case LADON_TLP_CPL:
    case LADON_TLP_CPLD:
    case LADON_TLP_CPLLK:
    case LADON_TLP_CPLDLK:
      ohc = tlp->status != LADON_TLP_CPL_SC || (tlp->lower_addr & 3u) != 0;
      break;
    default:
      ohc = pasid;
      break;
  }
  if (ohc) bytes += 4;
  if (tlp->flags & LADON_TLP_F_TD) bytes += 4;
  return bytes;
}

double ladon__flit_bad_probability(double ber, unsigned bits_per_byte) {
  /* Byte error probability q; a group of n bytes is correctable with at
  ** most one bad byte.  The 256 bytes form groups of 86, 85 and 85. */
  static const unsigned groups[3] = {86, 85, 85};
  double ok = 1.0, lq;
  unsigned i;
  if (ber <= 0) return 0.0;
  lq = log1p(-ber) * bits_per_byte; /* log(1 - q) */
  for (i = 0; i < 3; i++) {
    double n = groups[i];
    double q = -expm1(lq);
    ok *= exp(n * lq) + n * q * exp((n - 1) * lq);
  }
  return 1.0 - ok;
}

static uint64_t mix64(uint64_t x) {
  /* SplitMix64 finaliser: the error pattern of a slot depends only on the
  ** direction's seed and the slot number, whatever order slots are
  ** examined in. */
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

static bool flit_bad(const ladon__dir *d, uint64_t slot) {
  if (d->p_flit_bad <= 0) return false;
  return (double)(mix64(d->flit_seed ^ slot) >> 11) * 0x1.0p-53 < d->p_flit_bad;
}

/* ---- sequence numbers 1..1023 ---------------------------------------------- */

static uint16_t seq_next(uint16_t s) { return s >= 1023 ? 1 : (uint16_t)(s + 1); }
static uint16_t seq_prev(uint16_t s) { return s <= 1 ? 1023 : (uint16_t)(s - 1); }
/* Forward distance from a to b on the 1..1023 cycle. */
static uint32_t seq_dist(uint16_t a, uint16_t b) {
  return (uint32_t)(((int)b - (int)a + 1023) % 1023);
}

/* ---- rings ------------------------------------------------------------------ */

static ladon__flit_rec *fr_at(ladon__dir *d, uint32_t i) {
  return &d->fr[(d->fr_head + i) & (d->fr_cap - 1)];
}

static ladon__retry *tlp_at_abs(ladon__dir *d, uint64_t abs) {
  return &d->rb[(d->rb_head + (uint32_t)(abs - d->ft_base)) & (d->rb_cap - 1)];
}

static void tlp_push(ladon__dir *d, const ladon__retry *e) {
  if (d->rb_len == d->rb_cap) {
    uint32_t ncap = d->rb_cap * 2, i;
    ladon__retry *n = malloc(ncap * sizeof *n);
    if (!n) abort();
    for (i = 0; i < d->rb_len; i++)
      n[i] = d->rb[(d->rb_head + i) & (d->rb_cap - 1)];
    free(d->rb);
    d->rb = n;
    d->rb_cap = ncap;
    d->rb_head = 0;
  }
  d->rb[(d->rb_head + d->rb_len) & (d->rb_cap - 1)] = *e;
  d->rb_len++;
}

/* ---- DLP content ------------------------------------------------------------- */

static bool is_acknak(uint32_t a) {
  return (a & 0xfu) == LADON__DLLP_ACK || (a & 0xfu) == LADON__DLLP_NAK;
}

void ladon__flit_dlp_send(ladon__dir *d, ladon_time_ps now, uint32_t a,
                          uint32_t b, uint64_t *rec, uint64_t *rec_slot) {
  ladon__wfifo *f = &d->dlp;
  uint64_t *next = is_acknak(a) ? &d->dlp_ack_slot : &d->dlp_fc_slot;
  uint64_t k;
  ladon__wire w;
  unsigned type = a & 0xfu;
  if (rec && *rec && *rec - 1 >= f->pushed - f->len &&
      ladon__phy_flit_byte_start_ps(&d->phy, *rec_slot, LADON__FLIT_TLP_BYTES) >
          now) {
    /* The flit that will carry the pending one has not reached its DLP
    ** bytes yet: carry the newer information instead. */
    ladon__wire *p = &f->w[(f->head + (uint32_t)(*rec - 1 - (f->pushed - f->len))) &
                           (f->cap - 1)];
    unsigned old = p->a & 0xfu;
    if (old == type || (old == LADON__DLLP_ACK && type == LADON__DLLP_NAK)) {
      p->a = a;
      p->b = b;
      return;
    }
  }
  k = ladon__phy_flit_at_or_after(&d->phy, now);
  /* Content for a flit can still join it until its DLP bytes start. */
  if (k > 0 && ladon__phy_flit_byte_start_ps(&d->phy, k - 1,
                                             LADON__FLIT_TLP_BYTES) >= now)
    k--;
  if (k < *next) k = *next;
  *next = k + 1;
  w.arrive_ps = ladon__phy_flit_end_ps(&d->phy, k) + d->link->cfg.latency_ps;
  w.tlp = NULL;
  w.a = a;
  w.b = b;
  w.bytes = 0;
  w.kind = LADON__W_DLLP;
  w.bad = flit_bad(d, k);
  ladon__wire_push(d, f, &w);
  if (rec) {
    *rec = f->pushed;
    *rec_slot = k;
  }
  if (type == LADON__DLLP_ACK) ladon__stat_add(d->st_acks, &d->c.acks, 1);
  if (type == LADON__DLLP_NAK) ladon__stat_add(d->st_naks, &d->c.naks, 1);
  if (type == LADON__DLLP_UPDATEFC)
    ladon__stat_add(d->st_update_fcs, &d->c.update_fcs, 1);
  ladon__stat_add(d->st_dllps, &d->c.dllps, 1);
}

/* ---- transmitter -------------------------------------------------------------- */

static void push_flit(ladon__dir *d, uint64_t slot, uint16_t seq) {
  ladon__wire w;
  ladon_time_ps end = ladon__phy_flit_end_ps(&d->phy, slot);
  ladon_time_ps start = ladon__phy_sym_start_ps(
      &d->phy, ladon__phy_flit_start_sym(&d->phy, slot));
  w.arrive_ps = end + d->link->cfg.latency_ps;
  w.tlp = NULL;
  w.a = seq;
  w.b = 0;
  w.bytes = 0;
  w.kind = LADON__W_FLIT;
  w.bad = flit_bad(d, slot);
  ladon__wire_push(d, &d->wire, &w);
  ladon__stat_add(d->st_flits, &d->c.flits, 1);
  ladon__stat_add(d->st_busy, &d->c.busy_ps, end - start);
  /* REPLAY_TIMEOUT_FLIT_COUNT runs while flits are unacknowledged. */
  if (!d->rpl.on)
    ladon__timer_set(d->link->sim, &d->rpl, end + d->link->replay_limit_ps,
                     ladon__replay_timer_event, d, 0);
}

static void flit_replay(ladon__dir *d, ladon_time_ps now) {
  /* Standard Replay: every unacknowledged flit, in order, in the next free
  ** slots (§4.2.3.4.2.1.7 Rule 0). */
  uint64_t k = ladon__phy_flit_at_or_after(&d->phy, now);
  uint32_t i;
  if (k < d->fl_slot_next) k = d->fl_slot_next;
  d->fl_open = false;
  for (i = 0; i < d->fr_len; i++) push_flit(d, k + i, fr_at(d, i)->seq);
  ladon__stat_add(d->st_replayed, &d->c.replayed_tlps, d->fr_len);
  d->fl_slot_next = k + d->fr_len;
}

static void flit_replay_start(ladon__dir *d, bool timeout) {
  ladon_time_ps now = ladon_sim_now(d->link->sim);
  if (d->fr_len == 0) return;
  ladon__stat_add(d->st_replays, &d->c.replays, 1);
  if (timeout) d->c.replay_timeouts++;
  d->replay_num = (d->replay_num + 1u) & 3u;
  if (d->replay_num == 0) {
    ladon__stat_add(d->st_retrains, &d->c.retrains, 1);
    ladon__retrain(d->link);
    now = d->link->retrain_until;
  }
  ladon__timer_stop(&d->rpl);
  flit_replay(d, now);
  ladon__kick(d);
}

/* Where a TLP ready at `now` can start: slot and byte offset. */
static void tlp_start(ladon__dir *d, ladon_time_ps now, uint64_t *slot,
                      uint32_t *off) {
  const ladon__phy_cfg *c = &d->phy;
  uint64_t k0 = ladon__phy_flit_at_or_after(c, now), k;
  uint32_t j;
  if (d->fl_open) {
    k = d->fl_slot_next - 1;
    j = (uint32_t)d->fl_fill;
    if (ladon__phy_flit_byte_start_ps(c, k, j) >= now) {
      *slot = k;
      *off = j;
      return;
    }
    /* Idle in an open flit: NOP TLPs up to a 4 DW boundary. */
  } else if (k0 > 0 && k0 - 1 >= d->fl_slot_next) {
    k = k0 - 1; /* a NOP flit in progress may still take a TLP */
    j = 0;
  } else {
    k = k0 > d->fl_slot_next ? k0 : d->fl_slot_next;
    *slot = k;
    *off = 0;
    return;
  }
  j = (j + 15u) & ~15u;
  while (j < LADON__FLIT_TLP_BYTES &&
         ladon__phy_flit_byte_start_ps(c, k, j) < now)
    j += 16;
  if (j < LADON__FLIT_TLP_BYTES) {
    *slot = k;
    *off = j;
    return;
  }
  k = k + 1 > k0 ? k + 1 : k0;
  if (k < d->fl_slot_next) k = d->fl_slot_next;
  *slot = k;
  *off = 0;
}

static bool flit_send_tlp(ladon__dir *d, ladon_time_ps now, unsigned vc,
                          unsigned cls) {
  const ladon__txq_entry *qe = ladon__txq_head(&d->q[vc][cls]);
  uint32_t len = qe->wire_bytes, off;
  uint64_t k, k_end, s, pos, end;
  ladon__retry e;
  ladon__flit_rec *rec;
  tlp_start(d, now, &k, &off);
  pos = k * LADON__FLIT_TLP_BYTES + off;
  end = pos + len;
  k_end = (end - 1) / LADON__FLIT_TLP_BYTES;
  /* New payload flits this TLP opens; MAX_UNACKNOWLEDGED_FLITS bounds the
  ** flits in the retry buffer. */
  s = d->fl_open && k == d->fl_slot_next - 1 ? k + 1 : k;
  if (d->fr_len + (k_end + 1 - s) > d->fr_max) return false;
  if (!(d->fl_open && k == d->fl_slot_next - 1)) d->fl_open = false;
  for (; s <= k_end; s++) {
    rec = &d->fr[(d->fr_head + d->fr_len) & (d->fr_cap - 1)];
    rec->seq = d->fl_next_seq;
    rec->n_tlps = 0;
    rec->tlp_end = d->ft_base + d->rb_len;
    d->fr_len++;
    d->fl_next_seq = seq_next(d->fl_next_seq);
    push_flit(d, s, rec->seq);
  }
  e.wire_bytes = (uint16_t)len;
  e.data_credits = (uint16_t)qe->data_credits;
  e.tlp = ladon__tl_take(d, vc, cls);
  e.payload_bytes = (uint16_t)ladon__tlp_payload_bytes(e.tlp);
  e.seq = 0;
  e.vc = (uint8_t)vc;
  e.cls = (uint8_t)cls;
  tlp_push(d, &e);
  rec = fr_at(d, d->fr_len - 1); /* the flit holding the last byte */
  rec->n_tlps++;
  rec->tlp_end = d->ft_base + d->rb_len;
  ladon__stat_add(d->st_tlp_bytes, &d->c.tlp_bytes, len);
  d->fl_slot_next = k_end + 1;
  d->fl_fill = end - k_end * LADON__FLIT_TLP_BYTES;
  d->fl_open = d->fl_fill < LADON__FLIT_TLP_BYTES;
  return true;
}

static void schedule_next(ladon__dir *d, ladon_time_ps t) {
  ladon_link *l = d->link;
  ladon_time_ps now = ladon_sim_now(l->sim);
  if (d->tx_ev_on) return;
  if (t < now) t = now;
  d->tx_ev = ladon_sim_schedule_at(l->sim, t, LADON_PRIO_LAST, ladon__tx_event,
                                   d, 0);
  d->tx_ev_on = true;
}

void ladon__flit_tx_event(ladon__dir *d, ladon_time_ps now) {
  ladon_link *l = d->link;
  uint32_t a, b;
  unsigned vc, cls;
  if (d->fc_ready_vcs < l->vcs && ladon__fc_dllp_next(d, &a, &b)) {
    /* FC initialisation: one InitFC per flit's DLLP bytes, repeated until
    ** the state is left. */
    ladon__flit_dlp_send(d, now, a, b, NULL, NULL);
    schedule_next(d, ladon__phy_sym_start_ps(
                         &d->phy, ladon__phy_flit_start_sym(&d->phy, d->dlp_fc_slot)));
  }
  if (ladon__tl_pick(d, now, &vc, &cls)) {
    if (!flit_send_tlp(d, now, vc, cls)) return; /* wait for Acks */
    /* The next TLP may follow back to back if chosen before its first byte
    ** goes out. */
    schedule_next(d, d->fl_open ? ladon__phy_flit_byte_start_ps(
                                      &d->phy, d->fl_slot_next - 1,
                                      (unsigned)d->fl_fill)
                                : ladon__phy_sym_start_ps(
                                      &d->phy, ladon__phy_flit_start_sym(
                                                   &d->phy, d->fl_slot_next)));
  }
}

/* ---- receiver --------------------------------------------------------------- */

static void send_acknak(ladon__dir *rx, bool nak) {
  ladon_time_ps now = ladon_sim_now(rx->link->sim);
  ladon__flit_dlp_send(rx->rev, now, nak ? LADON__DLLP_NAK : LADON__DLLP_ACK,
                       seq_prev(rx->fl_rcv_expect), &rx->rev->ack_rec,
                       &rx->rev->ack_rec_slot);
}

void ladon__flit_rx(ladon__dir *d, const ladon__wire *w) {
  uint16_t s = (uint16_t)w->a;
  if (w->bad) {
    ladon__stat_add(d->st_bad_tlps, &d->c.bad_tlps, 1);
    if (!d->fl_nak_scheduled) {
      d->fl_nak_scheduled = true;
      send_acknak(d, true);
    }
    return;
  }
  if (s == d->fl_rcv_expect) {
    /* The retry buffer of d's transmitter still holds this flit: it is
    ** purged only by an Ack, which cannot precede its acceptance. */
    ladon__flit_rec *rec = fr_at(d, seq_dist(d->fl_ackd, s) - 1);
    uint64_t i;
    d->fl_rcv_expect = seq_next(s);
    d->fl_nak_scheduled = false;
    for (i = rec->tlp_end - rec->n_tlps; i < rec->tlp_end; i++) {
      ladon__retry *e = tlp_at_abs(d, i);
      ladon__retry copy = *e;
      e->tlp = NULL;
      if (copy.tlp) ladon__rx_tlp_accepted(d, &copy, copy.tlp);
      if (d->link->freeing) return;
    }
    send_acknak(d, false);
  } else if (seq_dist(s, d->fl_rcv_expect) <= 511) {
    ladon__stat_add(NULL, &d->c.duplicate_tlps, 1);
    send_acknak(d, false);
  } else if (!d->fl_nak_scheduled) {
    d->fl_nak_scheduled = true;
    send_acknak(d, true);
  }
}

void ladon__flit_dlp_rx(ladon__dir *d, const ladon__wire *w) {
  unsigned type = w->a & 0xfu;
  ladon__dir *t = d->rev;
  if (w->bad) {
    ladon__stat_add(d->st_bad_dllps, &d->c.bad_dllps, 1);
    return;
  }
  if (type == LADON__DLLP_ACK || type == LADON__DLLP_NAK) {
    uint16_t n = (uint16_t)w->b;
    uint32_t delta = seq_dist(t->fl_ackd, n);
    ladon_time_ps now = ladon_sim_now(d->link->sim);
    if (n == 0 || delta > t->fr_len) return; /* ignored (§4.2.3.4.2.1.4) */
    if (delta > 0) {
      uint32_t i;
      for (i = 0; i < delta; i++) {
        ladon__flit_rec *r = fr_at(t, 0);
        while (t->ft_base < r->tlp_end) {
          t->rb_head = (t->rb_head + 1u) & (t->rb_cap - 1u);
          t->rb_len--;
          t->ft_base++;
        }
        t->fr_head = (t->fr_head + 1u) & (t->fr_cap - 1u);
        t->fr_len--;
      }
      t->fl_ackd = n;
      t->replay_num = 0;
      if (t->fr_len)
        ladon__timer_set(t->link->sim, &t->rpl, now + t->link->replay_limit_ps,
                         ladon__replay_timer_event, t, 0);
      else
        ladon__timer_stop(&t->rpl);
      ladon__kick(t);
    }
    if (type == LADON__DLLP_NAK) flit_replay_start(t, false);
    return;
  }
  ladon__fc_dllp_received(t, type, (w->a >> 8) & 7u, (w->a >> 4) & 3u,
                          w->b >> 16, w->b & 0xffffu);
}

/* REPLAY_TIMER expiry routes here in flit mode. */
void ladon__flit_replay_timeout(ladon__dir *d) { flit_replay_start(d, true); }
