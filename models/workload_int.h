/*
** Internals of the workloads, shared by models/workload*.c:
**   workload.c      parameters, specs, binding, flow statistics, the types
**   workload_dma.c  the raw DMA stream
**   workload_nic.c  the descriptor-ring NIC
*/
#ifndef LADON_MODELS_WORKLOAD_INT_H
#define LADON_MODELS_WORKLOAD_INT_H

#include "ladon/rng.h"
#include "ladon/stats.h"
#include "models/sriov_int.h"
#include "models/workload.h"

struct ladon__workload {
  ladon_sim *sim;
  char *name;
  ladon__workload_spec spec;
  ladon__sriov *dev;
  ladon__sriov_fn *fn;
  bool started;
  ladon_time_ps t0;            /* start time */
  ladon_rng rng;               /* addresses / arrivals */
  ladon_rng rng_op;            /* read-or-write choices */
  uint8_t key;                 /* write data pattern key */
  ladon__workload_counts n;
  bool first_seen;
  ladon_time_ps last_done;
  ladon_counter *c_requests, *c_bytes, *c_errors, *c_first, *c_last, *c_issued;
  ladon_hist *h_lat;
  void *state;                 /* the kind's own state */
};

/* One request (transfer or packet) ended: flow statistics. */
void ladon__wl_record(ladon__workload *wl, uint64_t bytes, bool ok, ladon_time_ps t_issue,
                      ladon_time_ps t_done);
/* The first issue of the flow. */
void ladon__wl_issued(ladon__workload *wl);
/* A counter or histogram flow.NAME.LEAF. */
ladon_counter *ladon__wl_counter(ladon__workload *wl, const char *leaf, const char *unit,
                                 const char *desc);
ladon_hist *ladon__wl_hist(ladon__workload *wl, const char *leaf, const char *desc);

/* workload_dma.c */
ladon_status ladon__wl_dma_init(ladon__workload *wl, ladon_error *err);
ladon_status ladon__wl_dma_start(ladon__workload *wl, ladon_error *err);
bool ladon__wl_dma_done(const ladon__workload *wl);
void ladon__wl_dma_free(ladon__workload *wl);

/* workload_nic.c */
ladon_status ladon__wl_nic_init(ladon__workload *wl, ladon_error *err);
ladon_status ladon__wl_nic_bind(ladon__workload *wl, ladon_error *err);
ladon_status ladon__wl_nic_start(ladon__workload *wl, ladon_error *err);
bool ladon__wl_nic_done(const ladon__workload *wl);
void ladon__wl_nic_free(ladon__workload *wl);

#endif /* LADON_MODELS_WORKLOAD_INT_H */
