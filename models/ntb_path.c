/*
** The NTB datapath.  A TLP that arrives on side s is decided at once (the
** tables as they are at its arrival) and becomes ready to leave on the first
** NTB clock edge at or after arrival + translation latency:
**   - memory requests that hit an enabled window or LUT entry leave by the
**     other side with the translated address and a proxy requester ID;
**   - completions of requests the NTB forwarded leave by the side the request
**     came from, with the original requester ID and tag and the near NT
**     endpoint as completer;
**   - configuration requests and BAR0 register accesses are answered by side
**     s itself;
**   - everything else is an Unsupported Request: non-posted requests are
**     completed with UR by the NT endpoint, posted ones dropped and counted
**     (PCIe Base 5.0 §2.3.1, §6.2.3.1).
** The ingress credits of a TLP return when it leaves (or is answered or
** dropped), so a far side that cannot accept back-pressures the near link.
*/
#include <stdlib.h>
#include <string.h>

#include "ladon/tlp_pool.h"
#include "models/ntb_int.h"
#include "pcie/imap_int.h"
#include "pcie/link_int.h"
#include "pcie/tlp_int.h"
#include "sim/sim_int.h"
#include "sim/stats_int.h"

static ladon_tlp_class tlp_class(const ladon_tlp *t) {
  return ladon__tlp_class(t->type);
}

static bool link_up(const ladon__ntb *ntb) {
  for (unsigned i = 0; i < LADON__NTB_SIDES; i++) {
    if (!ladon__link_is_up(ladon__port_link(ntb->s[i].port))) return false;
  }
  return ntb->link_enabled;
}

bool ladon__ntb_link_is_up(const ladon__ntb *ntb) { return ntb && link_up(ntb); }

void ladon__ntb_link_set(ladon__ntb *ntb, bool up) {
  if (ntb) ntb->link_enabled = up;
}

/* ---- egress ------------------------------------------------------------------ */

static void pump(ladon__ntb *ntb, unsigned e);

static void pump_ev(ladon_sim *sim, void *ctx, uint64_t arg) {
  ladon__ntb *ntb = ctx;
  (void)sim;
  ntb->s[arg].ev = 0;
  pump(ntb, (unsigned)arg);
}

static void wake_at(ladon__ntb *ntb, unsigned e, ladon_time_ps t) {
  ladon__ntb_side *s = &ntb->s[e];
  if (s->ev && s->ev_time <= t) return;
  if (s->ev) ladon_sim_cancel(ntb->sim, s->ev);
  s->ev = ladon_sim_schedule_at(ntb->sim, t, 0, pump_ev, ntb, e);
  s->ev_time = t;
}

static int alloc_tag(ladon__ntb *ntb, ladon__ntb_side *s) {
  for (uint32_t k = 0; k < ntb->cfg.tags; k++) {
    uint32_t t = (s->tag_next + k) % ntb->cfg.tags;
    if (!s->tags[t].used) {
      s->tag_next = (t + 1) % ntb->cfg.tags;
      return (int)t;
    }
  }
  return -1;
}

/* Sends what is ready on side `e`: posted, then completions, then non-posted
** (see ntb_int.h); stops at the first ready TLP that cannot go. */
static void pump(ladon__ntb *ntb, unsigned e) {
  ladon__ntb_side *s = &ntb->s[e];
  ladon_time_ps now = ladon__sim_now(ntb->sim), next = LADON_TIME_NEVER;
  for (unsigned q = 0; q < LADON__NTB_QS; q++) {
    ladon__ntb_fifo *f = &s->q[q];
    bool blocked = false;
    while (f->head) {
      ladon__ntb_item *it = f->head;
      ladon_tlp *t = it->tlp;
      int tag = -1;
      if (it->t_ready_ps > now) {
        if (it->t_ready_ps < next) next = it->t_ready_ps;
        break;
      }
      if (!ladon__port_can_send(s->port, tlp_class(t), t->tc)) {
        blocked = true; /* tx_ready will call again */
        break;
      }
      if (q == LADON__NTB_Q_NP && (tag = alloc_tag(ntb, s)) < 0) break; /* a completion frees one */
      if (tag >= 0) t->tag = (uint16_t)tag;
      if (ladon_port_send(s->port, t) != LADON_OK) {
        blocked = true;
        break;
      }
      if (tag >= 0) {
        ladon__ntb_tag *tg = &s->tags[tag];
        tg->used = true;
        tg->orig_rid = it->orig_rid;
        tg->orig_tag = it->orig_tag;
        tg->proxy = t->req_id;
      }
      f->head = it->next;
      if (!f->head) f->tail = NULL;
      if (it->holds_credits)
        ladon_port_consume_credits(ntb->s[it->in_side].port, it->cr_cls, it->cr_tc, 1,
                                   it->cr_data);
      ladon__hist_add(ntb->s[it->in_side].st.transit_ps, now - it->t_arrive_ps);
      it->next = ntb->spare; /* kept: the datapath allocates nothing per TLP */
      ntb->spare = it;
    }
    if (blocked) break; /* younger classes may not pass a blocked older TLP */
  }
  if (next != LADON_TIME_NEVER) wake_at(ntb, e, next);
}

void ladon__ntb_tx_ready(void *owner, ladon_port *port) {
  ladon__ntb_side *s = owner;
  (void)port;
  pump(s->ntb, s->idx);
}

/* Queues `t` to leave by side `e` at the ready time of a TLP that arrived
** now.  `credits_of` (may be NULL) is the arrived TLP whose ingress credits
** on side `in` return when `t` leaves; otherwise they are returned now. */
static void emit(ladon__ntb *ntb, unsigned in, unsigned e, ladon_tlp *t,
                 const ladon_tlp *credits_of, bool hold, uint16_t orig_rid, uint16_t orig_tag) {
  ladon__ntb_item *it = ntb->spare;
  ladon_time_ps now = ladon__sim_now(ntb->sim);
  if (it) {
    ntb->spare = it->next;
    memset(it, 0, sizeof *it);
  } else {
    it = calloc(1, sizeof *it);
  }
  ladon_tlp_class cls = tlp_class(t);
  unsigned q = cls == LADON_TLP_CLASS_P ? LADON__NTB_Q_P
               : cls == LADON_TLP_CLASS_CPL ? LADON__NTB_Q_CPL : LADON__NTB_Q_NP;
  if (!it) {
    if (credits_of) ladon_port_consume(ntb->s[in].port, credits_of);
    ladon_tlp_free(t);
    return;
  }
  it->tlp = t;
  it->t_arrive_ps = now;
  it->t_ready_ps = ladon_clock_edge_at_or_after(now + ntb->cfg.latency_ps,
                                                ntb->cfg.clock_period_ps, 0);
  it->in_side = in;
  it->orig_rid = orig_rid;
  it->orig_tag = orig_tag;
  if (credits_of && hold) {
    it->holds_credits = true;
    it->cr_cls = tlp_class(credits_of);
    it->cr_tc = credits_of->tc;
    it->cr_data = ladon__tlp_data_credits(credits_of);
  } else if (credits_of) {
    ladon_port_consume(ntb->s[in].port, credits_of);
  }
  ladon__ntb_fifo *f = &ntb->s[e].q[q];
  if (f->tail) f->tail->next = it;
  else f->head = it;
  f->tail = it;
  wake_at(ntb, e, it->t_ready_ps);
}

void ladon__ntb_send_own(ladon__ntb *ntb, unsigned side, ladon_tlp *t) {
  emit(ntb, side, side, t, NULL, false, 0, 0);
}

/* Ends request `t` from side `in` as an Unsupported Request. */
static void reject(ladon__ntb *ntb, unsigned in, ladon_tlp *t, ladon_counter *why,
                   uint64_t *why_c) {
  ladon__ntb_side *s = &ntb->s[in];
  (*why_c)++;
  ladon__counter_add(why, 1);
  if (tlp_class(t) == LADON_TLP_CLASS_NP) {
    ladon_tlp *c = ladon_tlp_completion_for(t, s->rid, LADON_TLP_CPL_UR, 0);
    s->c.urs++;
    ladon__counter_add(s->st.urs, 1);
    if (c) {
      emit(ntb, in, in, c, t, false, 0, 0);
      ladon_tlp_free(t);
      return;
    }
  } else {
    s->c.posted_dropped++;
  }
  ladon_port_consume(s->port, t);
  ladon_tlp_free(t);
}

/* ---- ingress ----------------------------------------------------------------- */

static void config(ladon__ntb *ntb, unsigned in, ladon_tlp *t) {
  ladon__ntb_side *s = &ntb->s[in];
  uint16_t off = (uint16_t)(t->addr & 0xffcu);
  ladon_tlp *c;
  if (t->type == LADON_TLP_CFGWR0) {
    /* Functions capture Bus and Device Numbers from Type 0 configuration
    ** writes (§2.2.6.2); proxy IDs of the other side derive from them. */
    uint16_t rid = (uint16_t)(t->target_id & 0xfff8u);
    if (rid != s->rid) {
      s->rid = rid;
      ladon__ntb_rebuild_rids(ntb, in ^ 1u);
    }
    if (t->data && t->data_bytes >= 4)
      ladon__cfg_write_dw(s->cfg, off, t->first_be,
                          (uint32_t)t->data[0] | (uint32_t)t->data[1] << 8 |
                              (uint32_t)t->data[2] << 16 | (uint32_t)t->data[3] << 24);
    c = ladon_tlp_completion_for(t, t->target_id, LADON_TLP_CPL_SC, 0);
  } else {
    c = ladon_tlp_completion_for(t, t->target_id, LADON_TLP_CPL_SC, 1);
    if (c) {
      uint32_t v = ladon__cfg_read_dw(s->cfg, off);
      uint8_t *d = ladon_tlp_payload(c);
      for (unsigned i = 0; i < 4; i++) d[i] = (uint8_t)(v >> (8 * i)); /* §7.2.2.1 */
    }
  }
  if (c) emit(ntb, in, in, c, t, false, 0, 0);
  else ladon_port_consume(s->port, t);
  ladon_tlp_free(t);
}

/* A completion arriving on side `in` for a request that left by `in`. */
static void completion(ladon__ntb *ntb, unsigned in, ladon_tlp *t) {
  ladon__ntb_side *s = &ntb->s[in];
  ladon__ntb_tag *tg = t->tag < ntb->cfg.tags ? &s->tags[t->tag] : NULL;
  if (!tg || !tg->used || tg->proxy != t->req_id) {
    /* §2.3.2: an Unexpected Completion is discarded. */
    s->c.unexpected_cpls++;
    ladon__counter_add(s->st.unexpected_cpls, 1);
    ladon_port_consume(s->port, t);
    ladon_tlp_free(t);
    return;
  }
  uint32_t carried = t->length_dw ? t->length_dw * 4u - (t->lower_addr & 3u) : 0;
  bool last = !ladon__tlp_info(t->type)->data ||
              t->status != LADON_TLP_CPL_SC || t->byte_count <= carried;
  t->req_id = tg->orig_rid;
  t->tag = tg->orig_tag;
  t->cpl_id = ntb->s[in ^ 1u].rid;
  if (last) tg->used = false;
  ntb->s[in ^ 1u].c.completions_back++;
  emit(ntb, in, in ^ 1u, t, t, true, 0, 0);
  if (last) pump(ntb, in); /* a freed tag may release a waiting request */
}

static bool is_memory_request(uint8_t type) {
  switch (type) {
    case LADON_TLP_MRD: case LADON_TLP_MRDLK: case LADON_TLP_MWR: case LADON_TLP_FETCHADD:
    case LADON_TLP_SWAP: case LADON_TLP_CAS: case LADON_TLP_DMWR:
      return true;
    default:
      return false;
  }
}

static void memory(ladon__ntb *ntb, unsigned in, ladon_tlp *t) {
  ladon__ntb_side *s = &ntb->s[in];
  const ladon__cfg_range *r = &s->bar0;
  bool posted = tlp_class(t) == LADON_TLP_CLASS_P, listed;
  uint64_t len = t->length_dw ? (uint64_t)t->length_dw * 4u : 4u, out;
  if (r->enabled && r->base && t->addr >= r->base && t->addr - r->base + len <= r->size_bytes) {
    ladon_tlp *c = ladon__ntb_regs_access(ntb, in, t->addr - r->base, t);
    s->c.reg_accesses++;
    if (c) emit(ntb, in, in, c, t, false, 0, 0);
    else ladon_port_consume(s->port, t);
    ladon_tlp_free(t);
    return;
  }
  if (!link_up(ntb)) {
    reject(ntb, in, t, s->st.link_down_drops, &s->c.link_down_drops);
    return;
  }
  r = &s->bar2;
  if (ntb->cfg.lut_entries && r->enabled && r->base && t->addr >= r->base &&
      t->addr - r->base < r->size_bytes &&
      !s->lut[(t->addr - r->base) / ladon__ntb_lut_entry_bytes(ntb)].enabled) {
    reject(ntb, in, t, s->st.lut_errors, &s->c.lut_errors);
    return;
  }
  if (ladon__imap_translate(s->xmap, t->addr, len, posted ? LADON_IMAP_W : LADON_IMAP_R,
                            &out, NULL) != LADON_IMAP_HIT) {
    reject(ntb, in, t, s->st.bar_errors, &s->c.bar_errors);
    return;
  }
  uint16_t proxy = ladon__ntb_proxy(ntb, in, t->req_id, &listed);
  if (posted && ntb->cfg.id_protection && !listed) {
    /* Switchtec ID protection filters posted requests only (S9). */
    reject(ntb, in, t, s->st.req_id_errors, &s->c.req_id_errors);
    return;
  }
  uint16_t orig_rid = t->req_id, orig_tag = t->tag;
  t->addr = out;
  /* Addresses below 4 GiB must use the 3 DW header (§2.2.4.1). */
  if (out >> 32) t->flags |= LADON_TLP_F_ADDR64;
  else t->flags &= (uint16_t)~LADON_TLP_F_ADDR64;
  t->req_id = proxy;
  s->c.forwarded++;
  ladon__counter_add(s->st.forwarded, 1);
  emit(ntb, in, in ^ 1u, t, t, true, orig_rid, orig_tag);
}

void ladon__ntb_deliver(void *owner, ladon_port *port, ladon_tlp *t) {
  ladon__ntb_side *s = owner;
  ladon__ntb *ntb = s->ntb;
  (void)port;
  if (t->type == LADON_TLP_CFGRD0 || t->type == LADON_TLP_CFGWR0) {
    config(ntb, s->idx, t);
  } else if (ladon__tlp_class(t->type) == LADON_TLP_CLASS_CPL) {
    completion(ntb, s->idx, t);
  } else if (is_memory_request(t->type)) {
    memory(ntb, s->idx, t);
  } else if (tlp_class(t) == LADON_TLP_CLASS_P) {
    /* Messages end at the NT endpoint: nothing crosses a PCIe domain. */
    ladon_port_consume(s->port, t);
    ladon_tlp_free(t);
  } else {
    /* I/O and Type 1 configuration requests: an endpoint without I/O BARs
    ** and below no bridge completes them with UR (§2.3.1). */
    reject(ntb, s->idx, t, s->st.bar_errors, &s->c.bar_errors);
  }
}

void ladon__ntb_path_free(ladon__ntb *ntb) {
  for (unsigned e = 0; e < LADON__NTB_SIDES; e++) {
    ladon__ntb_side *s = &ntb->s[e];
    if (s->ev) ladon_sim_cancel(ntb->sim, s->ev);
    s->ev = 0;
    for (unsigned q = 0; q < LADON__NTB_QS; q++) {
      while (s->q[q].head) {
        ladon__ntb_item *it = s->q[q].head;
        s->q[q].head = it->next;
        ladon_tlp_free(it->tlp);
        free(it);
      }
      s->q[q].tail = NULL;
    }
  }
  while (ntb->spare) {
    ladon__ntb_item *it = ntb->spare;
    ntb->spare = it->next;
    free(it);
  }
}
