/*
** Links and ports: construction and parameter checks, the port interface,
** the wire FIFOs, timers and retraining.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ladon/tlp_pool.h"
#include "pcie/link_int.h"
#include "pcie/tlp_int.h"
#include "sim/error_int.h"
#include "sim/sim_int.h"

/* ---- timers -------------------------------------------------------------- */

void ladon__timer_set(ladon_sim *sim, ladon__timer *t, ladon_time_ps deadline,
                      ladon_event_fn fn, void *ctx, uint64_t arg) {
  t->on = true;
  t->deadline = deadline;
  if (t->ev && t->ev_time <= deadline) return; /* it will re-arm */
  if (t->ev) ladon_sim_cancel(sim, t->ev);
  t->ev_time = deadline;
  t->ev = ladon_sim_schedule_at(sim, deadline, LADON_PRIO_DEFAULT, fn, ctx, arg);
}

bool ladon__timer_fired(ladon_sim *sim, ladon__timer *t, ladon_event_fn fn,
                        void *ctx, uint64_t arg) {
  t->ev = 0;
  if (!t->on) return false;
  if (ladon__sim_now(sim) < t->deadline) {
    t->ev_time = t->deadline;
    t->ev = ladon_sim_schedule_at(sim, t->deadline, LADON_PRIO_DEFAULT, fn,
                                  ctx, arg);
    return false;
  }
  t->on = false;
  return true;
}

void ladon__timer_cancel(ladon_sim *sim, ladon__timer *t) {
  if (t->ev) ladon_sim_cancel(sim, t->ev);
  t->ev = 0;
  t->on = false;
}

/* ---- ports ----------------------------------------------------------------- */

void ladon_port_config_default(ladon_port_config *cfg) {
  if (!cfg) return;
  cfg->rx_ph_credits = 64;
  cfg->rx_pd_credits = 1024;
  cfg->rx_nph_credits = 64;
  cfg->rx_npd_credits = 64;
  cfg->rx_cplh_credits = 64;
  cfg->rx_cpld_credits = 1024;
  cfg->tx_queue_tlps = 64;
}

ladon_port *ladon_port_new(const char *name, const ladon_port_config *cfg,
                           const ladon_port_callbacks *cb, void *owner,
                           ladon_error *err) {
  ladon_port *p;
  ladon_port_config def;
  if (!name || !cb || !cb->deliver) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "port: a name and a deliver callback are required");
    return NULL;
  }
  if (!cfg) {
    ladon_port_config_default(&def);
    cfg = &def;
  }
  if (cfg->tx_queue_tlps == 0 || cfg->tx_queue_tlps > (1u << 20)) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "port '%s': tx_queue_tlps %u is out of range (1..%u)",
                     name, cfg->tx_queue_tlps, 1u << 20);
    return NULL;
  }
  p = calloc(1, sizeof *p);
  if (p) p->name = strdup(name);
  if (!p || !p->name) {
    free(p);
    ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "port '%s': out of memory",
                     name);
    return NULL;
  }
  p->owner = owner;
  p->cb = *cb;
  p->cfg = *cfg;
  return p;
}

void ladon_port_free(ladon_port *port) {
  if (!port) return;
  free(port->name);
  free(port);
}

const char *ladon_port_name(const ladon_port *port) {
  return port ? port->name : NULL;
}
void *ladon_port_owner(const ladon_port *port) {
  return port ? port->owner : NULL;
}
ladon_link *ladon_port_link(const ladon_port *port) {
  return ladon__port_link(port);
}

/* The direction a port transmits on, and the one it receives on. */
static ladon__dir *tx_dir(const ladon_port *p) { return p->tx; }
static ladon__dir *rx_dir(const ladon_port *p) { return p->rx; }

ladon_status ladon_port_send(ladon_port *port, ladon_tlp *tlp) {
  ladon__dir *d;
  ladon_link *l;
  int c;
  unsigned vc;
  ladon__txq *q;
  ladon__txq_entry e;
  if (!port || !tlp) return LADON_EINVAL;
  l = port->link;
  if (!l || l->freeing) return LADON_ESTATE;
  c = ladon__cls_index(ladon__tlp_class(tlp->type));
  if (c < 0) return LADON_ESPEC;
  /* A TLP's payload must not exceed Max_Payload_Size (§2.2.2). */
  if (ladon__tlp_payload_bytes(tlp) > l->cfg.mps_bytes) return LADON_ESPEC;
  d = tx_dir(port);
  vc = ladon__tc_vc(l, tlp->tc);
  q = &d->q[vc][c];
  e.tlp = tlp;
  e.stamp = d->next_stamp;
  e.data_credits = ladon__tlp_data_credits(tlp);
  /* Non-flit links run at gen 1..5, where the framing is 8 bytes. */
  e.wire_bytes = l->flit ? ladon__flit_tlp_bytes(tlp) : ladon__tlp_wire_bytes(tlp);
  if (!ladon__txq_push(q, &e)) {
    d->q_was_full[vc][c] = true;
    return LADON_EFULL;
  }
  d->next_stamp++;
  d->queued++;
  if (q->len == q->cap) d->q_was_full[vc][c] = true; /* tx_ready when room */
  if (d->st_qdepth[c]) ladon__hist_add(d->st_qdepth[c], q->len);
  ladon__kick(d);
  return LADON_OK;
}

bool ladon_port_can_send(const ladon_port *port, ladon_tlp_class cls,
                         unsigned tc) {
  return ladon__port_can_send(port, cls, tc);
}

/* The body of ladon_port_consume_credits(), which ladon_port_consume()
** shares without a call. */
static inline ladon_status consume_credits(ladon_port *port, ladon_tlp_class cls,
                                           unsigned tc, uint32_t hdr, uint32_t data) {
  int c = ladon__cls_index(cls);
  ladon__dir *d;
  unsigned vc;
  ladon__fc_rx *rh, *rd;
  if (!port || c < 0) return LADON_EINVAL;
  if (!port->link) return LADON_ESTATE;
  d = rx_dir(port);
  vc = ladon__tc_vc(port->link, tc);
  rh = &d->fcr[vc][2 * (unsigned)c];
  rd = rh + 1; /* a class's data credit type follows its header type */
  if ((!rh->infinite && hdr > rh->held) || (!rd->infinite && data > rd->held))
    return LADON_ERANGE;
  ladon__fc_freed(d, vc, (unsigned)c, hdr, data);
  return LADON_OK;
}

ladon_status ladon_port_consume_credits(ladon_port *port, ladon_tlp_class cls,
                                        unsigned tc, uint32_t hdr,
                                        uint32_t data) {
  return consume_credits(port, cls, tc, hdr, data);
}

ladon_status ladon_port_consume(ladon_port *port, const ladon_tlp *tlp) {
  if (!port || !tlp) return LADON_EINVAL;
  return consume_credits(port, ladon__tlp_class(tlp->type), tlp->tc, 1,
                         ladon__tlp_data_credits(tlp));
}

/* ---- wire and events ------------------------------------------------------ */

void ladon__wire_push(ladon__dir *d, ladon__wfifo *f, const ladon__wire *w) {
  if (f->len == f->cap) {
    uint32_t ncap = f->cap ? f->cap * 2 : 64, i;
    ladon__wire *nw = malloc(ncap * sizeof *nw);
    if (!nw) abort(); /* the simulation cannot continue without its wire */
    for (i = 0; i < f->len; i++) nw[i] = f->w[(f->head + i) & (f->cap - 1)];
    free(f->w);
    f->w = nw;
    f->cap = ncap;
    f->head = 0;
  }
  f->w[(f->head + f->len) & (f->cap - 1)] = *w;
  f->len++;
  f->pushed++;
  if (f->len == 1 && !f->ev)
    f->ev = ladon_sim_schedule_at(d->link->sim, w->arrive_ps,
                                  LADON_PRIO_DEFAULT, ladon__rx_event, d,
                                  f == &d->dlp ? 1u : 0u);
}

void ladon__kick(ladon__dir *d) {
  ladon_link *l = d->link;
  ladon_time_ps t;
  if (d->tx_ev_on || l->freeing) return;
  /* A decision with nothing to send would be an event that does nothing:
  ** an Ack or UpdateFC arriving at an idle transmitter, say. */
  if (!l->flit && !ladon__tx_has_work(d)) return;
  t = ladon__sim_now(l->sim);
  if (!l->flit) {
    ladon_time_ps nd = ladon__phy_next_decision_ps(&d->phy, &d->ptx);
    if (nd > t) t = nd;
  }
  if (l->retrain_until > t) t = l->retrain_until;
  /* Last at its time: a decision sees everything that became ready at the
  ** same instant, whatever order the kernel ran those events in. */
  d->tx_ev = ladon_sim_schedule_at(l->sim, t, LADON_PRIO_LAST, ladon__tx_event,
                                   d, 0);
  d->tx_ev_on = true;
}

void ladon__retrain(ladon_link *l) {
  /* REPLAY_NUM rolled over: the Physical Layer retrains the Link (LTSSM
  ** Recovery, §3.6.2.1, §4.2.7).  Both directions stop for `retrain_ps`;
  ** REPLAY_TIMER does not advance meanwhile. */
  ladon_time_ps now = ladon__sim_now(l->sim);
  ladon_time_ps until = now + l->cfg.retrain_ps;
  unsigned i;
  if (until <= l->retrain_until) return;
  l->retrain_until = until;
  for (i = 0; i < 2; i++) {
    ladon__dir *d = &l->dir[i];
    if (!l->flit) {
      ladon__phy_tx_resume(&d->phy, &d->ptx, until);
    } else {
      uint64_t k = ladon__phy_flit_at_or_after(&d->phy, until);
      if (d->fl_slot_next < k) d->fl_slot_next = k;
      d->fl_open = false;
    }
    if (d->rpl.on) d->rpl.deadline += l->cfg.retrain_ps;
  }
}

/* ---- construction ---------------------------------------------------------- */

void ladon_link_config_default(ladon_link_config *cfg) {
  if (!cfg) return;
  memset(cfg, 0, sizeof *cfg);
  cfg->gen = 3;
  cfg->width = 8;
  cfg->flit = LADON_FLIT_AUTO;
  cfg->mps_bytes = 256;
  cfg->latency_ps = LADON_NS(10);
  cfg->ber = 0.0;
  cfg->replay_buffer_bytes = 32u * 1024u;
  cfg->replay_timer_syms = 24000;
  cfg->retrain_ps = LADON_US(1);
  cfg->vcs = 1;
  cfg->ack_latency_syms = 0;
  cfg->fc_update_syms = 0;
}

#define BAD(...)                                                               \
  do {                                                                         \
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, __VA_ARGS__);              \
    return false;                                                              \
  } while (0)

static bool check_config(const char *name, const ladon_link_config *c,
                         bool *flit_out, ladon_error *err) {
  bool flit;
  uint32_t ack;
  if (c->gen < 1 || c->gen > 6)
    BAD("link '%s': gen %u is not a PCIe generation (1..6: 2.5, 5.0, 8.0, "
        "16.0, 32.0, 64.0 GT/s)", name, c->gen);
  if (c->width != 1 && c->width != 2 && c->width != 4 && c->width != 8 &&
      c->width != 16 && c->width != 32)
    BAD("link '%s': width %u is not a supported link width (1, 2, 4, 8, 16, "
        "32)", name, c->width);
  if (c->flit != LADON_FLIT_AUTO && c->flit != LADON_FLIT_OFF &&
      c->flit != LADON_FLIT_ON)
    BAD("link '%s': flit mode %d is not auto, off or on", name, (int)c->flit);
  flit = c->flit == LADON_FLIT_ON || (c->flit == LADON_FLIT_AUTO && c->gen == 6);
  if (c->gen == 6 && !flit)
    BAD("link '%s': flit mode off at gen 6: 64.0 GT/s operates only in flit "
        "mode (PCIe Base 6.0 §4.2.3.1)", name);
  if (flit && c->width == 32)
    BAD("link '%s': flit mode on a x32 link: flit mode is defined for x1..x16 "
        "only and cannot be negotiated (PCIe Base 6.0 §4.2.3.3, Table 4-30)",
        name);
  if (c->mps_bytes < 128 || c->mps_bytes > 4096 ||
      (c->mps_bytes & (c->mps_bytes - 1)))
    BAD("link '%s': mps_bytes %u is not a Max_Payload_Size (128, 256, 512, "
        "1024, 2048 or 4096, PCIe Base 6.0 §7.5.3.4)", name, c->mps_bytes);
  if (c->latency_ps > LADON_MS(1000))
    BAD("link '%s': latency_ps %llu exceeds 1 s", name,
        (unsigned long long)c->latency_ps);
  if (!(c->ber >= 0.0 && c->ber <= 1e-3))
    BAD("link '%s': ber %g is out of range (0 .. 1e-3)", name, c->ber);
  if (c->replay_buffer_bytes < c->mps_bytes + 40u)
    BAD("link '%s': replay_buffer_bytes %u cannot hold one TLP of "
        "Max_Payload_Size %u with header and framing (%u bytes)", name,
        c->replay_buffer_bytes, c->mps_bytes, c->mps_bytes + 40u);
  if (flit && c->replay_buffer_bytes / LADON__FLIT_BYTES <
                  (c->mps_bytes + 40u) / LADON__FLIT_TLP_BYTES + 2u)
    BAD("link '%s': replay_buffer_bytes %u holds too few flits for one TLP "
        "of Max_Payload_Size %u", name, c->replay_buffer_bytes, c->mps_bytes);
  if (!((c->replay_timer_syms >= 24000 && c->replay_timer_syms <= 31000) ||
        (c->replay_timer_syms >= 80000 && c->replay_timer_syms <= 100000)))
    BAD("link '%s': replay_timer_syms %u is not a REPLAY_TIMER limit (24000.."
        "31000, or 80000..100000 with Extended Synch; PCIe Base 6.0 "
        "§3.6.2.1)", name, c->replay_timer_syms);
  if (c->retrain_ps == 0 || c->retrain_ps > LADON_MS(1000))
    BAD("link '%s': retrain_ps %llu is out of range (1 ps .. 1 s)", name,
        (unsigned long long)c->retrain_ps);
  if (c->vcs < 1 || c->vcs > LADON__MAX_VCS)
    BAD("link '%s': vcs %u is out of range (1..8 virtual channels)", name,
        c->vcs);
  ack = ladon__ack_latency_syms(c->gen, c->width, c->mps_bytes);
  if (!flit && c->ack_latency_syms > ack)
    BAD("link '%s': ack_latency_syms %u exceeds the Ack Latency Limit %u for "
        "gen %u x%u MPS %u (PCIe Base 6.0 §3.6.3.1)", name,
        c->ack_latency_syms, ack, c->gen, c->width, c->mps_bytes);
  if (c->fc_update_syms > 1000000)
    BAD("link '%s': fc_update_syms %u is out of range (0 = table, ..1000000)",
        name, c->fc_update_syms);
  *flit_out = flit;
  return true;
}

/* Checks one port's receive advertisement and picks the credit scales. */
static bool check_port_credits(const ladon_link *l, const ladon_port *p,
                               ladon__fc_scale scale[LADON__FC_TYPES],
                               ladon_error *err) {
  static const char *const names[LADON__FC_TYPES] = {
      "rx_ph_credits",  "rx_pd_credits",   "rx_nph_credits",
      "rx_npd_credits", "rx_cplh_credits", "rx_cpld_credits"};
  const uint32_t v[LADON__FC_TYPES] = {
      p->cfg.rx_ph_credits,  p->cfg.rx_pd_credits,   p->cfg.rx_nph_credits,
      p->cfg.rx_npd_credits, p->cfg.rx_cplh_credits, p->cfg.rx_cpld_credits};
  unsigned i;
  for (i = 0; i < LADON__FC_TYPES; i++) {
    bool hdr = (i & 1u) == 0;
    /* Table 2-50 minimums: one header; Rx_MPS_Limit / 16 bytes of posted
    ** and completion data; one unit of non-posted data. */
    uint32_t min = hdr ? 1u : i == LADON__FC_NPD ? 1u : l->cfg.mps_bytes / 16u;
    uint32_t max = 0;
    if (v[i] == LADON_CREDITS_INFINITE) {
      scale[i] = ladon__fc_scale_make(0, hdr ? 8 : 12);
      continue;
    }
    if (v[i] < min)
      BAD("link '%s': port '%s' %s %u is below the minimum advertisement %u "
          "(PCIe Base 6.0 §2.6.1, Table 2-50%s)", l->name, p->name, names[i],
          v[i], min, hdr || i == LADON__FC_NPD ? "" : ": Rx_MPS_Limit / 16");
    if (!ladon__fc_pick_scale(v[i], hdr, l->scaled_fc, &scale[i], &max))
      BAD("link '%s': port '%s' %s %u exceeds the largest advertisement %u "
          "(PCIe Base 6.0 §3.4.2, Table 3-4%s)", l->name, p->name, names[i],
          v[i], max,
          l->scaled_fc ? "" : "; Scaled Flow Control is active only at 16 GT/s "
                              "and above or in flit mode");
  }
  return true;
}

static void dir_free_buffers(ladon__dir *d) {
  unsigned v, c;
  for (v = 0; v < LADON__MAX_VCS; v++)
    for (c = 0; c < LADON__CLASSES; c++) free(d->q[v][c].ring);
  free(d->rb);
  free(d->fr);
  free(d->wire.w);
  free(d->dlp.w);
}

static bool dir_init(ladon_link *l, unsigned idx, ladon_error *err) {
  ladon__dir *d = &l->dir[idx];
  ladon_port *tx = l->port[idx == LADON_LINK_DOWN ? 0 : 1];
  ladon_port *rx = l->port[idx == LADON_LINK_DOWN ? 1 : 0];
  ladon_time_ps now = ladon__sim_now(l->sim);
  unsigned v, c, t;
  const uint32_t adv[LADON__FC_TYPES] = {
      rx->cfg.rx_ph_credits,  rx->cfg.rx_pd_credits,
      rx->cfg.rx_nph_credits, rx->cfg.rx_npd_credits,
      rx->cfg.rx_cplh_credits, rx->cfg.rx_cpld_credits};

  d->link = l;
  d->rev = &l->dir[idx ^ 1u];
  d->idx = idx;
  d->tx_port = tx;
  d->rx_port = rx;
  if (!ladon__phy_cfg_init(&d->phy, l->cfg.gen, l->cfg.width, l->flit, now))
    return false; /* checked before */
  ladon__phy_tx_init(&d->phy, &d->ptx);
  if (!check_port_credits(l, rx, d->scale, err)) return false;
  for (v = 0; v < l->vcs; v++) {
    for (c = 0; c < LADON__CLASSES; c++) {
      d->q[v][c].cap = tx->cfg.tx_queue_tlps;
      d->q[v][c].ring = calloc(tx->cfg.tx_queue_tlps, sizeof(ladon__txq_entry));
      if (!d->q[v][c].ring) goto oom;
    }
    for (t = 0; t < LADON__FC_TYPES; t++) {
      ladon__fc_rx *r = &d->fcr[v][t];
      r->infinite = adv[t] == LADON_CREDITS_INFINITE;
      r->buffer = r->infinite ? 0 : adv[t];
      r->allocated = r->infinite ? 0 : adv[t] & ladon__fc_mask(d->scale[t]);
      r->sent = r->allocated;
    }
    for (c = 0; c < LADON__CLASSES; c++) d->fcu_deadline[v][c] = LADON_TIME_NEVER;
    d->fci_state[v] = LADON__FCI_INIT1;
  }
  d->ackd_seq = 0xfff; /* §3.6.2.1: ACKD_SEQ = FFFh, NEXT_TRANSMIT_SEQ = 0 */
  d->next_tx_seq = 0;
  d->next_rcv_seq = 0;
  d->acked_all = true;
  d->rb_cap = 64;
  d->rb = malloc(d->rb_cap * sizeof *d->rb);
  if (!d->rb) goto oom;
  if (l->flit) {
    d->fr_max = l->cfg.replay_buffer_bytes / LADON__FLIT_BYTES;
    if (d->fr_max > 511) d->fr_max = 511; /* MAX_UNACKNOWLEDGED_FLITS */
    d->fr_cap = 1;
    while (d->fr_cap < d->fr_max + 1) d->fr_cap <<= 1;
    d->fr = malloc(d->fr_cap * sizeof *d->fr);
    if (!d->fr) goto oom;
    d->fl_next_seq = 1;   /* §4.2.3.4.2.1: NEXT_TX_FLIT_SEQ_NUM = 001h */
    d->fl_rcv_expect = 1;
    d->fl_ackd = 1023;    /* the sequence number before 1 */
    d->fl_slot_next = ladon__phy_flit_at_or_after(&d->phy, now);
  }
  for (t = 0; t < LADON__FC_TYPES; t++) d->stall_since[t] = LADON_TIME_NEVER;
  ladon_rng_derive(ladon_sim_rng(l->sim),
                   ladon_hash_string(l->name) ^ (0x9e3779b97f4a7c15ull * (idx + 1)),
                   &d->rng);
  d->log_ok_bit = l->cfg.ber > 0 ? log1p(-l->cfg.ber) : 0.0;
  if (l->flit)
    d->p_flit_bad = ladon__flit_bad_probability(l->cfg.ber, d->phy.sym_bits);
  d->flit_seed = ladon_rng_u64(&d->rng);
  return true;
oom:
  ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "link '%s': out of memory",
                   l->name);
  return false;
}

ladon_link *ladon_link_new(ladon_sim *sim, const char *name,
                           const ladon_link_config *cfg, ladon_port *a,
                           ladon_port *b, ladon_error *err) {
  ladon_link_config def;
  ladon_link *l;
  bool flit = false;
  unsigned i;
  ladon__phy_cfg phy;
  uint32_t ack_syms, fcu_syms;

  if (!sim || !name) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "link: a simulation and a name are required");
    return NULL;
  }
  if (!cfg) {
    ladon_link_config_default(&def);
    cfg = &def;
  }
  if (!a || !b || a == b) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "link '%s': needs two distinct ports", name);
    return NULL;
  }
  if (a->link || b->link) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "link '%s': port '%s' is already linked", name,
                     a->link ? a->name : b->name);
    return NULL;
  }
  if (!check_config(name, cfg, &flit, err)) return NULL;

  l = calloc(1, sizeof *l);
  if (l) l->name = strdup(name);
  if (!l || !l->name) {
    free(l);
    ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "link '%s': out of memory",
                     name);
    return NULL;
  }
  l->sim = sim;
  l->cfg = *cfg;
  l->flit = flit;
  l->vcs = cfg->vcs;
  for (i = 0; i < 8; i++) l->tc_vc[i] = (uint8_t)(i % cfg->vcs);
  /* §3.4.2: Scaled Flow Control must be supported at 16.0 GT/s and above
  ** and when flit mode is enabled; the model activates it there. */
  l->scaled_fc = cfg->gen >= 4 || flit;
  l->port[0] = a;
  l->port[1] = b;
  a->end = 0;
  b->end = 1;

  ladon__phy_cfg_init(&phy, cfg->gen, cfg->width, flit, 0);
  ack_syms = cfg->ack_latency_syms
                 ? cfg->ack_latency_syms
                 : ladon__ack_latency_syms(cfg->gen, cfg->width, cfg->mps_bytes);
  fcu_syms = cfg->fc_update_syms
                 ? cfg->fc_update_syms
                 : ladon__ack_latency_syms(cfg->gen, cfg->width, cfg->mps_bytes);
  l->ack_limit_ps = ladon__phy_syms_to_ps(&phy, ack_syms);
  l->fcu_latency_ps = ladon__phy_syms_to_ps(&phy, fcu_syms);
  /* Flit mode replays after REPLAY_TIMEOUT_FLIT_COUNT reaches 1500 flits
  ** (§4.2.3.4.2.1.6, Replay Schedule Rule 0). */
  l->replay_limit_ps =
      flit ? ladon__phy_syms_to_ps(&phy, 1500ull * phy.flit_syms)
           : ladon__phy_syms_to_ps(&phy, cfg->replay_timer_syms);

  for (i = 0; i < 2; i++) {
    if (!dir_init(l, i, err)) {
      dir_free_buffers(&l->dir[0]);
      dir_free_buffers(&l->dir[1]);
      free(l->name);
      free(l);
      return NULL;
    }
  }
  a->link = l;
  b->link = l;
  a->tx = b->rx = &l->dir[LADON_LINK_DOWN];
  a->rx = b->tx = &l->dir[LADON_LINK_UP];
  ladon__stats_register(l);
  ladon__fc_init_dirs(l);
  return l;
}

static void drop_tlp(ladon__dir *d, ladon_tlp *tlp) {
  ladon_port *p = d->tx_port;
  if (!tlp) return;
  if (p->cb.drop)
    p->cb.drop(p->owner, p, tlp);
  else
    ladon_tlp_free(tlp); /* TLPs come from the pool by default */
}

void ladon_link_free(ladon_link *l) {
  unsigned i, v, c;
  if (!l) return;
  l->freeing = true;
  for (i = 0; i < 2; i++) {
    ladon__dir *d = &l->dir[i];
    uint32_t k;
    if (d->tx_ev_on) ladon_sim_cancel(l->sim, d->tx_ev);
    if (d->wire.ev) ladon_sim_cancel(l->sim, d->wire.ev);
    if (d->dlp.ev) ladon_sim_cancel(l->sim, d->dlp.ev);
    ladon__timer_cancel(l->sim, &d->rpl);
    ladon__timer_cancel(l->sim, &d->ack);
    ladon__timer_cancel(l->sim, &d->fcu);
    for (v = 0; v < l->vcs; v++)
      for (c = 0; c < LADON__CLASSES; c++)
        while (d->q[v][c].len) drop_tlp(d, ladon__txq_pop(&d->q[v][c]));
    for (k = 0; k < d->rb_len; k++)
      drop_tlp(d, d->rb[(d->rb_head + k) & (d->rb_cap - 1)].tlp);
  }
  for (i = 0; i < 2; i++) dir_free_buffers(&l->dir[i]);
  l->port[0]->link = NULL;
  l->port[1]->link = NULL;
  free(l->name);
  free(l);
}

const char *ladon_link_name(const ladon_link *link) {
  return link ? link->name : NULL;
}

ladon_port *ladon_link_port(const ladon_link *link, unsigned end) {
  return link && end < 2 ? link->port[end] : NULL;
}

bool ladon_link_is_up(const ladon_link *link) { return ladon__link_is_up(link); }

ladon_status ladon_link_counters_get(const ladon_link *link, unsigned dir,
                                     ladon_link_counters *out) {
  const ladon__dir *d;
  ladon_time_ps now;
  unsigned t;
  if (!link || !out || dir > 1) return LADON_EINVAL;
  d = &link->dir[dir];
  *out = d->c;
  /* Stalls still going on count up to now. */
  now = ladon__sim_now(link->sim);
  for (t = 0; t < LADON__FC_TYPES; t++)
    if (d->stall_since[t] != LADON_TIME_NEVER && now > d->stall_since[t])
      out->credit_stall_ps[t] += now - d->stall_since[t];
  return LADON_OK;
}
