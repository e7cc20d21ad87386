/*
** Comparing two fabrics under the same traffic.
**
** ladon_compare_run() builds fabric A and fabric B and gives both the same
** traffic: either A's workloads (B runs them under the same names; every
** function and VM they use must exist in B) or the replay of one trace
** (include/ladon/replay.h) on each.  It then reports, per flow, the
** throughput and latency p50/p99 on A and on B with the ratios B/A, and a
** per-hop breakdown of each flow's path on each fabric: for every link
** direction the flow's TLPs crossed, the mean time they spent in the
** component before it (queueing, arbitration, routing, translation,
** memory) and on the link itself (first symbol sent -> delivered), from
** link observers.  TLPs are attributed to a flow by Requester ID, so flows
** sharing a function share a breakdown; completions count from the issue
** of their request (PCIe TLPs carry no time: the simulator's
** ladon_tlp.t_issue_ps does), so the breakdown is cumulative along the
** request's and then the completion's path.  docs/compare.md explains the
** table.
*/
#ifndef LADON_COMPARE_H
#define LADON_COMPARE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ladon/error.h"
#include "ladon/export.h"
#include "ladon/fabric.h"
#include "ladon/replay.h"
#include "ladon/sim.h"

LADON_BEGIN_DECLS

typedef struct ladon_compare_options {
  const char *trace;               /* replay this trace on both; NULL: run
                                      A's workloads on both */
  ladon_replay_options replay;     /* with `trace` */
  const char *const *map_src;      /* with `trace`: ladon_replay_map() pairs */
  const char *const *map_to;
  size_t n_maps;
  ladon_time_ps stop_ps;           /* from the end of configuration;
                                      LADON_TIME_NEVER or 0: A's stop_at,
                                      else until the traffic is done */
  const ladon_fabric_options *fabric; /* seed; may be NULL */
} ladon_compare_options;

/*
** Runs the comparison of the topologies at `a` and `b` with `opts` and
** prints the side-by-side tables to `table` (may be NULL) and, when `json`
** is not NULL, the same figures as JSON (docs/compare.md) to `json`.
** Returns LADON_OK, or with `err` filled: bad topologies and traces as
** ladon_fabric_load() and ladon_replay_run() report them (FILE:LINE:COL
** messages), LADON_ENOENT for a workload of A on a function or VM that B
** lacks (positioned at the workload in A), LADON_EIO for a write error,
** LADON_ENOMEM.  Nothing is written before both runs succeeded.
*/
LADON_API ladon_status ladon_compare_run(const char *a, const char *b,
                                         const ladon_compare_options *opts,
                                         FILE *table, FILE *json,
                                         ladon_error *err);

LADON_END_DECLS

#endif /* LADON_COMPARE_H */
