/*
** Root port egress: TLPs leave in the order they became ready, except where
** the ordering rules let a later TLP pass one the link cannot take yet
** (PCIe Base 5.0 §2.4.1, Table 2-40):
**   - nothing passes a blocked Posted Request (A2a, B2a, C2a: "No"; the
**     Relaxed Ordering exceptions are permissions, not obligations, so
**     this model does not use them);
**   - a Posted Request or Completion must be able to pass a blocked
**     Non-Posted Request (A3, A4, D3: "Yes"), and a Posted Request a blocked
**     Completion (A5): so once a class's link queue is full, later TLPs of
**     the other classes are still tried.
** A later TLP of a class whose queue is full is itself blocked, so keeping
** per-class "full" flags is exact.
*/
#include <stdlib.h>
#include <string.h>

#include "models/host_int.h"
#include "pcie/tlp_int.h"
#include "sim/stats_int.h"

static bool reserve(ladon__host_rp *rp) {
  ladon__host_out *n;
  size_t cap;
  if (rp->n_out < rp->cap_out) return true;
  cap = rp->cap_out ? rp->cap_out * 2 : 16;
  n = realloc(rp->out, cap * sizeof *n);
  if (!n) return false;
  rp->out = n;
  rp->cap_out = cap;
  return true;
}

void ladon__host_egress_push(ladon__host_rp *rp, ladon_tlp *tlp,
                             int credit_rp, ladon_tlp_class cls, unsigned tc,
                             uint32_t data_credits) {
  ladon__host_out *o;
  if (!reserve(rp)) {
    /* Out of memory: the TLP is lost as if the link had dropped it. */
    if (credit_rp >= 0)
      ladon_port_consume_credits(rp->host->rp[credit_rp].port, cls, tc, 1,
                                 data_credits);
    ladon_tlp_free(tlp);
    return;
  }
  o = &rp->out[rp->n_out++];
  rp->n_cls[ladon__tlp_class(tlp->type) & 3u]++;
  o->tlp = tlp;
  o->credit_rp = (int8_t)credit_rp;
  o->cls = (uint8_t)cls;
  o->tc = (uint8_t)tc;
  o->data_credits = data_credits;
  ladon__host_egress_drain(rp);
}

void ladon__host_egress_drain(ladon__host_rp *rp) {
  ladon__host *h = rp->host;
  unsigned full = 0; /* bit per ladon_tlp_class */
  size_t keep = 0;
  size_t i = 0;
  size_t left[4];
  memcpy(left, rp->n_cls, sizeof left);
  for (; i < rp->n_out; i++) {
    ladon__host_out o = rp->out[i];
    ladon_tlp_class cls = ladon__tlp_class(o.tlp->type);
    ladon_status st;
    /* Stop once every class still queued is blocked: the rest stays. */
    if ((!left[LADON_TLP_CLASS_NP] || (full & (1u << LADON_TLP_CLASS_NP))) &&
        (!left[LADON_TLP_CLASS_CPL] || (full & (1u << LADON_TLP_CLASS_CPL))) &&
        !left[LADON_TLP_CLASS_P] && full)
      break;
    left[cls & 3u]--;
    if (full & (1u << cls)) {
      rp->out[keep++] = o;
      continue;
    }
    st = ladon_port_send(rp->port, o.tlp);
    if (st == LADON_EFULL) {
      rp->out[keep++] = o;
      if (cls == LADON_TLP_CLASS_P) {
        i++;
        break; /* nothing may pass a blocked Posted Request */
      }
      full |= 1u << cls;
      continue;
    }
    rp->n_cls[cls & 3u]--;
    if (st == LADON_OK) {
      ladon__counter_add(rp->tlps_out, 1);
    } else {
      /* Not linked, or a TLP the link refuses (larger than the link's
      ** MPS): it cannot leave. */
      ladon__counter_add(h->st.egress_refused, 1);
      ladon_tlp_free(o.tlp);
    }
    if (o.credit_rp >= 0)
      ladon_port_consume_credits(h->rp[o.credit_rp].port,
                                 (ladon_tlp_class)o.cls, o.tc, 1,
                                 o.data_credits);
  }
  /* Move the rest (not tried after a blocked Posted Request) down. */
  if (keep != i)
    memmove(&rp->out[keep], &rp->out[i], (rp->n_out - i) * sizeof *rp->out);
  rp->n_out = keep + (rp->n_out - i);
}

void ladon__host_egress_free(ladon__host_rp *rp) {
  for (size_t i = 0; i < rp->n_out; i++) ladon_tlp_free(rp->out[i].tlp);
  free(rp->out);
  rp->out = NULL;
  rp->n_out = rp->cap_out = 0;
  memset(rp->n_cls, 0, sizeof rp->n_cls);
}

