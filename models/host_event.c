/*
** The host's deferred actions, in (time, insertion sequence) order with one
** kernel event armed for the earliest.  Actions at equal times run in the
** order they were deferred, whatever the kernel does with other components'
** events, and a host being destroyed can free what its pending actions own.
**
** Two binary heaps: actions deferred at most FAR_PS ahead (a TLP's next
** step, a write's absorption, a completion) and the rest (request timeouts,
** milliseconds ahead and usually never due).  The earliest action is the
** earlier of the two heads, so the order is that of a single queue; the
** split keeps the hundreds of pending timeouts of a busy host out of the
** heap that every TLP passes through twice.
*/
#include <stdlib.h>

#include "models/host_int.h"
#include "sim/sim_int.h"

#define FAR_PS LADON_US(10)

static bool before(const ladon__host_defer *a, const ladon__host_defer *b) {
  return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

/* The sifts move a hole rather than swapping: each displaced entry is
** copied once. */
static void sift_up(ladon__host_defer *v, size_t i) {
  const ladon__host_defer x = v[i];
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!before(&x, &v[p])) break;
    v[i] = v[p];
    i = p;
  }
  v[i] = x;
}

/* Puts `x` into the hole at `i` of the heap v[0..n). */
static void sift_down(ladon__host_defer *v, size_t n, size_t i,
                      const ladon__host_defer *x) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m;
    if (l >= n) break;
    m = r < n && before(&v[r], &v[l]) ? r : l;
    if (!before(&v[m], x)) break;
    v[i] = v[m];
    i = m;
  }
  v[i] = *x;
}

/* The earliest pending action, or NULL. */
static const ladon__host_defer *head(const ladon__host *h) {
  if (h->n_fq == 0) return h->n_dq ? &h->dq[0] : NULL;
  if (h->n_dq == 0 || before(&h->fq[0], &h->dq[0])) return &h->fq[0];
  return &h->dq[0];
}

static void run_due(ladon_sim *sim, void *ctx, uint64_t arg);

/* Arms the kernel event for the head of the queue.  Timeouts of requests
** that have completed are dropped from the head first, so that they keep
** no event pending: a simulation whose work is done ends then, not when a
** stale timeout would have fired. */
static void arm(ladon__host *h) {
  while (h->n_fq && h->fq[0].kind == LADON__ACT_TIMEOUT &&
         ladon__host_np_timeout_stale(h, h->fq[0].a))
    if (--h->n_fq) sift_down(h->fq, h->n_fq, 0, &h->fq[h->n_fq]);
  const ladon__host_defer *d = head(h);
  ladon_time_ps at;
  if (d == NULL) return;
  at = d->at;
  if (h->dq_ev && h->dq_ev_at <= at) return;
  if (h->dq_ev) ladon_sim_cancel(h->sim, h->dq_ev);
  h->dq_ev = ladon_sim_schedule_at(h->sim, at, LADON_PRIO_DEFAULT, run_due, h, 0);
  h->dq_ev_at = at;
}

static void run_due(ladon_sim *sim, void *ctx, uint64_t arg) {
  ladon__host *h = ctx;
  ladon_time_ps now = ladon__sim_now(sim);
  const ladon__host_defer *top;
  (void)arg;
  h->dq_ev = 0;
  /* Actions deferred by the actions below are not armed one by one: those
  ** due now run in this loop, and arm() below covers the rest.  Arming
  ** each would leave a kernel event for "now" that finds nothing due. */
  h->dq_running = true;
  while ((top = head(h)) != NULL && top->at <= now) {
    ladon__host_defer d = *top;
    if (top == h->dq) {
      if (--h->n_dq) sift_down(h->dq, h->n_dq, 0, &h->dq[h->n_dq]);
    } else {
      if (--h->n_fq) sift_down(h->fq, h->n_fq, 0, &h->fq[h->n_fq]);
    }
    ladon__host_act_run(h, &d);
  }
  h->dq_running = false;
  arm(h);
}

void ladon__host_defer_at(ladon__host *h, ladon_time_ps at, uint8_t kind,
                          void *p, uint64_t a) {
  ladon_time_ps now = ladon__sim_now(h->sim);
  if (at < now) at = now;
  bool far = at - now > FAR_PS;
  ladon__host_defer **v = far ? &h->fq : &h->dq;
  size_t *n = far ? &h->n_fq : &h->n_dq, *cap = far ? &h->cap_fq : &h->cap_dq;
  if (*n == *cap) {
    size_t ncap = *cap ? *cap * 2 : 64;
    ladon__host_defer *nv = realloc(*v, ncap * sizeof *nv);
    if (!nv) {
      /* Out of memory: drop the action as if it were never scheduled. */
      ladon__host_defer lost = {at, 0, p, a, kind};
      ladon__host_act_drop(h, &lost);
      return;
    }
    *v = nv;
    *cap = ncap;
  }
  ladon__host_defer *d = &(*v)[*n];
  d->at = at;
  d->seq = h->dq_seq++;
  d->p = p;
  d->a = a;
  d->kind = kind;
  sift_up(*v, (*n)++);
  if (!h->dq_running) arm(h);
}

void ladon__host_defer_last(ladon__host *h, ladon_time_ps at, uint8_t kind,
                            void *p, uint64_t a) {
  ladon_time_ps now = ladon__sim_now(h->sim);
  const ladon__host_defer *top = head(h);
  /* Deferred, it would get the newest sequence number at `now`: run_due()
  ** would take it right after the running action returns, unless an
  ** older action is due too. */
  if (h->dq_running && at <= now && (top == NULL || top->at > now)) {
    const ladon__host_defer d = {now, 0, p, a, kind};
    ladon__host_act_run(h, &d);
    return;
  }
  ladon__host_defer_at(h, at, kind, p, a);
}

void ladon__host_defer_free(ladon__host *h) {
  if (h->dq_ev) ladon_sim_cancel(h->sim, h->dq_ev);
  h->dq_ev = 0;
  for (size_t i = 0; i < h->n_dq; i++) ladon__host_act_drop(h, &h->dq[i]);
  for (size_t i = 0; i < h->n_fq; i++) ladon__host_act_drop(h, &h->fq[i]);
  free(h->dq);
  free(h->fq);
  h->dq = h->fq = NULL;
  h->n_dq = h->cap_dq = h->n_fq = h->cap_fq = 0;
}
