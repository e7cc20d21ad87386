/*
** Flow control on a link: initialisation with InitFC1 / InitFC2 (PCIe Base
** 6.0 §3.4.1), credit limits from received FC DLLPs, and when the receiver
** sends UpdateFC DLLPs (§2.6.1.2).
**
** UpdateFC schedule.  When the receiver frees buffer space (the port's
** owner consumed a TLP), an UpdateFC is
**   required at once when the transmitter had no credits of a header type
**   or of NPD left, or fewer data credits than one Max_Payload_Size TLP
**   needs (PD, CplD) -- rules (a) and the PD/CplD rule of §2.6.1.2;
**   otherwise sent within the UpdateFC transmission latency guideline
**   (Tables 2-52..2-54), coalescing everything freed meanwhile.
** With bit errors an UpdateFC can be lost; §2.6.1.2 then relies on the
** update every 30 us.  The model re-sends 30 us after an update only while
** the far transmitter's limit is stale (the refreshes that would repeat a
** value it already has change nothing, and idle links stay event-free).
*/
#include "pcie/link_int.h"
#include "sim/sim_int.h"

#define FC_REFRESH_PS LADON_US(30)

void ladon__fc_init_dirs(ladon_link *l) {
  unsigned i;
  for (i = 0; i < 2; i++) {
    l->dir[i].fci_next = 0;
    ladon__kick(&l->dir[i]);
  }
}

void ladon__fc_update_fields(ladon__dir *r, unsigned vc, unsigned cls,
                             uint32_t *a, uint32_t *b) {
  ladon__fc_rx *h = &r->fcr[vc][2 * cls], *d = &r->fcr[vc][2 * cls + 1];
  uint32_t hf = h->infinite ? 0 : ladon__fc_field(h->allocated, r->scale[2 * cls], true);
  uint32_t df = d->infinite ? 0 : ladon__fc_field(d->allocated, r->scale[2 * cls + 1], false);
  h->sent = h->allocated;
  d->sent = d->allocated;
  *a = LADON__DLLP_UPDATEFC | cls << 4 | vc << 8;
  *b = hf << 16 | df;
}

static void arm_fcu(ladon__dir *r, unsigned vc, unsigned cls,
                    ladon_time_ps deadline) {
  ladon_link *l = r->link;
  if (deadline >= r->fcu_deadline[vc][cls]) return;
  r->fcu_deadline[vc][cls] = deadline;
  ladon__timer_set(l->sim, &r->fcu,
                   r->fcu.on && r->fcu.deadline < deadline ? r->fcu.deadline
                                                           : deadline,
                   ladon__fcu_timer_event, r, 0);
}

/* The receiver `r` owes an UpdateFC for (vc, cls) now. */
static void owe_update(ladon__dir *r, unsigned vc, unsigned cls) {
  ladon_link *l = r->link;
  ladon_time_ps now = ladon__sim_now(l->sim);
  r->fcu_deadline[vc][cls] = LADON_TIME_NEVER;
  if (l->flit) {
    uint32_t a, b;
    ladon__fc_update_fields(r, vc, cls, &a, &b);
    ladon__flit_dlp_send(r->rev, now, a, b, &r->rev->fcu_rec[vc][cls],
                         &r->rev->fcu_rec_slot[vc][cls]);
    if (l->cfg.ber > 0) arm_fcu(r, vc, cls, now + FC_REFRESH_PS);
    return;
  }
  if (!r->rev->fcu_owed[vc]) r->rev->fcu_owed_n++;
  r->rev->fcu_owed[vc] |= (uint8_t)(1u << cls);
  ladon__kick(r->rev);
}

/* Is the far transmitter's CREDIT_LIMIT behind what was last sent? */
static bool peer_stale(const ladon__dir *r, unsigned vc, unsigned cls) {
  unsigned t;
  for (t = 2 * cls; t < 2 * cls + 2; t++) {
    const ladon__fc_rx *x = &r->fcr[vc][t];
    uint32_t field = ladon__fc_field(x->sent, r->scale[t], (t & 1u) == 0);
    if (x->infinite) continue;
    if (r->fct[vc][t].limit != ladon__fc_limit_from_field(field, r->scale[t]))
      return true;
  }
  return false;
}

void ladon__fcu_timer_event(ladon_sim *sim, void *ctx, uint64_t arg) {
  ladon__dir *r = ctx;
  ladon_time_ps now = ladon__sim_now(sim), next = LADON_TIME_NEVER;
  unsigned v, c;
  if (!ladon__timer_fired(sim, &r->fcu, ladon__fcu_timer_event, ctx, arg))
    return;
  for (v = 0; v < r->link->vcs; v++) {
    for (c = 0; c < LADON__CLASSES; c++) {
      if (r->fcu_deadline[v][c] > now) continue;
      r->fcu_deadline[v][c] = LADON_TIME_NEVER;
      if (r->fcr[v][2 * c].allocated != r->fcr[v][2 * c].sent ||
          r->fcr[v][2 * c + 1].allocated != r->fcr[v][2 * c + 1].sent ||
          peer_stale(r, v, c))
        owe_update(r, v, c);
    }
  }
  for (v = 0; v < r->link->vcs; v++)
    for (c = 0; c < LADON__CLASSES; c++)
      if (r->fcu_deadline[v][c] < next) next = r->fcu_deadline[v][c];
  if (next != LADON_TIME_NEVER)
    ladon__timer_set(sim, &r->fcu, next, ladon__fcu_timer_event, r, 0);
}

void ladon__fc_freed(ladon__dir *r, unsigned vc, unsigned cls, uint32_t hdr,
                     uint32_t data) {
  ladon_link *l = r->link;
  /* A class's data credit type follows its header type; the scales are
  ** read once, before the stores below that could alias them. */
  ladon__fc_rx *h = &r->fcr[vc][2 * cls], *d = h + 1;
  const ladon__fc_scale hs = r->scale[2 * cls], ds = r->scale[2 * cls + 1];
  bool required = false, any = false;
  if (!h->infinite && hdr) {
    /* Rule (a): the transmitter had no header credits of this type. */
    if (ladon__fc_rx_available(h, hs) == 0) required = true;
    h->held -= hdr;
    h->allocated = (h->allocated + hdr) & ladon__fc_mask(hs);
    any = true;
  }
  if (!d->infinite && data) {
    uint32_t avail = ladon__fc_rx_available(d, ds);
    /* PD / CplD: fewer than one Rx_MPS_Limit TLP's worth; NPD: none. */
    uint32_t need = cls == LADON__CLS_NP ? 1u : l->cfg.mps_bytes / 16u;
    if (avail < need) required = true;
    d->held -= data;
    d->allocated = (d->allocated + data) & ladon__fc_mask(ds);
    any = true;
  }
  if (!any) return;
  if (required)
    owe_update(r, vc, cls);
  else
    arm_fcu(r, vc, cls, ladon__sim_now(l->sim) + l->fcu_latency_ps);
}

bool ladon__fc_dllp_next(ladon__dir *d, uint32_t *a, uint32_t *b) {
  ladon_link *l = d->link;
  ladon__dir *r = d->rev; /* the receiver at d's transmitting port */
  unsigned i, n = l->vcs * LADON__CLASSES;
  if (d->fc_ready_vcs < l->vcs) {
    /* FC_INIT1 / FC_INIT2: InitFC DLLPs for P, NP, Cpl of each VC still
    ** initialising, repeated until the state is left (§3.4.1). */
    for (i = 0; i < n; i++) {
      unsigned k = (d->fci_next + i) % n, v = k / 3, c = k % 3;
      ladon__fc_rx *h = &r->fcr[v][2 * c], *x = &r->fcr[v][2 * c + 1];
      if (d->fci_state[v] == LADON__FCI_DONE) continue;
      *a = (d->fci_state[v] == LADON__FCI_INIT1 ? LADON__DLLP_INITFC1
                                                : LADON__DLLP_INITFC2) |
           c << 4 | v << 8;
      /* Infinite credits are advertised as 0 (§3.5, Table 3-5 notes). */
      *b = (h->infinite ? 0 : ladon__fc_field(h->allocated, r->scale[2 * c], true))
               << 16 |
           (x->infinite ? 0 : ladon__fc_field(x->allocated, r->scale[2 * c + 1], false));
      d->fci_next = (k + 1) % n;
      return true;
    }
  }
  for (i = 0; d->fcu_owed_n && i < l->vcs; i++) {
    unsigned v = (d->fcu_rr + i) % l->vcs, c;
    if (!d->fcu_owed[v]) continue;
    for (c = 0; c < LADON__CLASSES; c++)
      if (d->fcu_owed[v] & (1u << c)) break;
    d->fcu_owed[v] &= (uint8_t) ~(1u << c);
    if (!d->fcu_owed[v]) d->fcu_owed_n--;
    d->fcu_rr = (v + 1) % l->vcs;
    ladon__fc_update_fields(r, v, c, a, b);
    if (l->cfg.ber > 0)
      arm_fcu(r, v, c, ladon__sim_now(l->sim) + FC_REFRESH_PS);
    return true;
  }
  return false;
}

void ladon__fc_exit_init2(ladon__dir *t, unsigned vc) {
  if (t->fci_state[vc] == LADON__FCI_DONE) return;
  t->fci_state[vc] = LADON__FCI_DONE;
  t->fc_ready_vcs++;
  ladon__kick(t);
}

void ladon__fc_dllp_received(ladon__dir *t, unsigned type, unsigned vc,
                             unsigned cls, uint32_t hdr, uint32_t data) {
  unsigned ht = 2 * cls, dt = 2 * cls + 1;
  /* FC DLLPs for a VC that is not enabled are discarded (§2.6.1). */
  if (vc >= t->link->vcs || cls >= LADON__CLASSES) return;
  if (type == LADON__DLLP_INITFC1 || type == LADON__DLLP_INITFC2) {
    uint8_t was = t->fci_state[vc];
    if (was == LADON__FCI_DONE) return;
    /* Record the advertised credits: CREDIT_LIMIT, or infinite for 0. */
    t->fct[vc][ht].infinite = hdr == 0;
    t->fct[vc][ht].limit = ladon__fc_limit_from_field(hdr, t->scale[ht]);
    t->fct[vc][dt].infinite = data == 0;
    t->fct[vc][dt].limit = ladon__fc_limit_from_field(data, t->scale[dt]);
    t->fci_seen[vc] |= (uint8_t)(1u << cls);
    if (was == LADON__FCI_INIT1 && t->fci_seen[vc] == 7u) {
      t->fci_state[vc] = LADON__FCI_INIT2;
      ladon__kick(t);
    }
    if (was == LADON__FCI_INIT2 && type == LADON__DLLP_INITFC2)
      ladon__fc_exit_init2(t, vc);
    return;
  }
  if (type != LADON__DLLP_UPDATEFC) return;
  if (t->fci_state[vc] == LADON__FCI_INIT1) return;
  if (t->fci_state[vc] == LADON__FCI_INIT2) ladon__fc_exit_init2(t, vc);
  /* UpdateFC: the new CREDIT_LIMIT (ignored for infinite types). */
  if (!t->fct[vc][ht].infinite)
    t->fct[vc][ht].limit = ladon__fc_limit_from_field(hdr, t->scale[ht]);
  if (!t->fct[vc][dt].infinite)
    t->fct[vc][dt].limit = ladon__fc_limit_from_field(data, t->scale[dt]);
  ladon__kick(t);
}
