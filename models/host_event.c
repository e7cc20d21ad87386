/*
** The host's deferred actions: a binary min-heap on (time, insertion
** sequence) with one kernel event armed for its head.  Actions at equal
** times run in the order they were deferred, whatever the kernel does with
** other components' events, and a host being destroyed can free what its
** pending actions own.
*/
#include <stdlib.h>

#include "models/host_int.h"

static bool before(const ladon__host_defer *a, const ladon__host_defer *b) {
  return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void sift_up(ladon__host_defer *v, size_t i) {
  while (i > 0) {
    size_t p = (i - 1) / 2;
    ladon__host_defer t;
    if (!before(&v[i], &v[p])) break;
    t = v[i];
    v[i] = v[p];
    v[p] = t;
    i = p;
  }
}

static void sift_down(ladon__host_defer *v, size_t n, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    ladon__host_defer t;
    if (l < n && before(&v[l], &v[m])) m = l;
    if (r < n && before(&v[r], &v[m])) m = r;
    if (m == i) break;
    t = v[i];
    v[i] = v[m];
    v[m] = t;
    i = m;
  }
}

static void run_due(ladon_sim *sim, void *ctx, uint64_t arg);

/* Arms the kernel event for the head of the queue. */
static void arm(ladon__host *h) {
  ladon_time_ps at;
  if (h->n_dq == 0) return;
  at = h->dq[0].at;
  if (h->dq_ev && h->dq_ev_at <= at) return;
  if (h->dq_ev) ladon_sim_cancel(h->sim, h->dq_ev);
  h->dq_ev = ladon_sim_schedule_at(h->sim, at, LADON_PRIO_DEFAULT, run_due, h, 0);
  h->dq_ev_at = at;
}

static void run_due(ladon_sim *sim, void *ctx, uint64_t arg) {
  ladon__host *h = ctx;
  ladon_time_ps now = ladon_sim_now(sim);
  (void)arg;
  h->dq_ev = 0;
  while (h->n_dq && h->dq[0].at <= now) {
    ladon__host_defer d = h->dq[0];
    h->dq[0] = h->dq[--h->n_dq];
    sift_down(h->dq, h->n_dq, 0);
    ladon__host_act_run(h, &d);
  }
  arm(h);
}

void ladon__host_defer_at(ladon__host *h, ladon_time_ps at, uint8_t kind,
                          void *p, uint64_t a) {
  ladon__host_defer *d;
  ladon_time_ps now = ladon_sim_now(h->sim);
  if (at < now) at = now;
  if (h->n_dq == h->cap_dq) {
    size_t cap = h->cap_dq ? h->cap_dq * 2 : 64;
    ladon__host_defer *v = realloc(h->dq, cap * sizeof *v);
    if (!v) {
      /* Out of memory: drop the action as if it were never scheduled. */
      ladon__host_defer lost = {at, 0, p, a, kind};
      ladon__host_act_drop(h, &lost);
      return;
    }
    h->dq = v;
    h->cap_dq = cap;
  }
  d = &h->dq[h->n_dq];
  d->at = at;
  d->seq = h->dq_seq++;
  d->p = p;
  d->a = a;
  d->kind = kind;
  sift_up(h->dq, h->n_dq++);
  arm(h);
}

void ladon__host_defer_free(ladon__host *h) {
  if (h->dq_ev) ladon_sim_cancel(h->sim, h->dq_ev);
  h->dq_ev = 0;
  for (size_t i = 0; i < h->n_dq; i++) ladon__host_act_drop(h, &h->dq[i]);
  free(h->dq);
  h->dq = NULL;
  h->n_dq = h->cap_dq = 0;
}
