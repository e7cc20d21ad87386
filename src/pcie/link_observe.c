/*
** Link observers: timelines, waveforms and trace recorders watch TLPs on the
** wire and at delivery without the link knowing what they do with them.
*/
#include "pcie/link_int.h"

ladon_status ladon_link_observe(ladon_link *link, const ladon_link_observer *obs,
                                void *ctx) {
  if (link == NULL || obs == NULL) return LADON_EINVAL;
  if (link->n_obs == LADON_LINK_OBSERVERS_MAX) return LADON_EFULL;
  link->obs[link->n_obs] = *obs;
  link->obs_ctx[link->n_obs] = ctx;
  link->n_obs++;
  return LADON_OK;
}

void ladon_link_unobserve(ladon_link *link, void *ctx) {
  unsigned i, j = 0;
  if (link == NULL) return;
  for (i = 0; i < link->n_obs; i++) {
    if (link->obs_ctx[i] == ctx) continue;
    link->obs[j] = link->obs[i];
    link->obs_ctx[j] = link->obs_ctx[i];
    j++;
  }
  link->n_obs = j;
}

void ladon__observe_wire(ladon__dir *d, const ladon_tlp *tlp,
                         ladon_time_ps start_ps, ladon_time_ps end_ps,
                         bool replay) {
  const ladon_link *l = d->link;
  uint32_t queued = 0;
  unsigned i, v, c;
  for (v = 0; v < l->vcs; v++)
    for (c = 0; c < LADON__CLASSES; c++) queued += d->q[v][c].len;
  for (i = 0; i < l->n_obs; i++)
    if (l->obs[i].tlp_wire)
      l->obs[i].tlp_wire(l->obs_ctx[i], l, d->idx, tlp, start_ps, end_ps,
                         replay, queued);
}

void ladon__observe_delivered(ladon__dir *d, const ladon_tlp *tlp) {
  const ladon_link *l = d->link;
  unsigned i;
  ladon_time_ps now = ladon_sim_now(l->sim);
  for (i = 0; i < l->n_obs; i++)
    if (l->obs[i].tlp_delivered)
      l->obs[i].tlp_delivered(l->obs_ctx[i], l, d->idx, tlp, now);
}
