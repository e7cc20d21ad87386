/*
** Fabrics: a topology file turned into a running simulation.
**
** ladon_fabric_load() reads a topology (docs/topology.md), builds every
** component through the registry, joins their ports with links, enumerates
** every PCIe domain with configuration requests like firmware does, and
** programs the tables that system software owns (IOMMU domains, EPTs, the
** Ladon tables), so that the fabric is ready to run its workloads.
*/
#ifndef LADON_FABRIC_H
#define LADON_FABRIC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ladon/error.h"
#include "ladon/export.h"
#include "ladon/link.h"
#include "ladon/sim.h"

LADON_BEGIN_DECLS

typedef struct ladon_fabric ladon_fabric;

typedef struct ladon_fabric_options {
  bool seed_set;  /* use `seed` instead of the topology's (default 1) */
  uint64_t seed;
} ladon_fabric_options;

/*
** Loads, builds and configures the fabric described by the topology file
** `path`.  `opts` may be NULL.  Returns a new fabric owned by the caller, or
** NULL with `err` filled: bad input is reported as FILE:LINE:COL with the
** JSON path (LADON_EPARSE, LADON_ENOENT, LADON_EEXIST, LADON_EINVAL,
** LADON_ERANGE, LADON_ENOTSUP); LADON_EIO when the file cannot be read.
*/
LADON_API ladon_fabric *ladon_fabric_load(const char *path,
                                          const ladon_fabric_options *opts,
                                          ladon_error *err);

/* Frees the fabric and its simulation.  NULL is a no-op. */
LADON_API void ladon_fabric_free(ladon_fabric *fabric);

/* The fabric's simulation (borrowed), e.g. to run it in steps. */
LADON_API ladon_sim *ladon_fabric_sim(ladon_fabric *fabric);

/* The topology's name ("" when it has none).  Borrowed. */
LADON_API const char *ladon_fabric_name(const ladon_fabric *fabric);

/* The topology's "stop_at" time, or 0 when it gives none. */
LADON_API ladon_time_ps ladon_fabric_stop_at(const ladon_fabric *fabric);

/*
** The simulated time at which configuration (enumeration and programming)
** ended and the workloads started.  Stop times given to `ladon run` count
** from here.
*/
LADON_API ladon_time_ps ladon_fabric_start_ps(const ladon_fabric *fabric);

/* The seed the simulation runs with. */
LADON_API uint64_t ladon_fabric_seed(const ladon_fabric *fabric);

/*
** Runs the simulation until `until` (workloads were started when the
** fabric was loaded).  Returns the number of events run.
*/
LADON_API uint64_t ladon_fabric_run(ladon_fabric *fabric, ladon_time_ps until);

/* Metadata written into the statistics (DESIGN §5 "meta"). */
typedef struct ladon_run_meta {
  const char *command_line;    /* as typed, or NULL */
  const char *topology_sha256; /* hex digest of the topology file, or NULL */
  double wall_s;               /* wall-clock seconds of the run */
} ladon_run_meta;

/*
** Writes the run's statistics as JSON (DESIGN §5: meta, sim, links, flows,
** iommus, faults, plus every registered statistic under "stats") to `out`.
*/
LADON_API ladon_status ladon_fabric_write_stats_json(ladon_fabric *fabric,
                                                     const ladon_run_meta *meta,
                                                     FILE *out);

/* The same in long form, one `name,value,unit` line per figure. */
LADON_API ladon_status ladon_fabric_write_stats_csv(ladon_fabric *fabric,
                                                    const ladon_run_meta *meta,
                                                    FILE *out);

/*
** Writes the resolved configuration -- every parameter of every component,
** link and workload with defaults applied, the VMs, the seed, the version
** and the command line -- as JSON to `out`, so that a run can be repeated
** and its inputs read without the defaults tables.
*/
LADON_API ladon_status ladon_fabric_write_resolved(ladon_fabric *fabric,
                                                   const ladon_run_meta *meta,
                                                   FILE *out);

/*
** Prints the human summary of a run: per flow requests, throughput and
** latency p50/p99; per link direction utilisation; faults.
*/
LADON_API ladon_status ladon_fabric_write_summary(ladon_fabric *fabric,
                                                  FILE *out);

/* ---- links ------------------------------------------------------------- */

/* The number of links of the fabric, in topology order. */
LADON_API size_t ladon_fabric_link_count(const ladon_fabric *fabric);

/* Link `i` (borrowed, valid until the fabric is freed), NULL when out of
** range. */
LADON_API ladon_link *ladon_fabric_link(ladon_fabric *fabric, size_t i);

/* The link named `name` (borrowed), or NULL. */
LADON_API ladon_link *ladon_fabric_link_find(ladon_fabric *fabric,
                                             const char *name);

/* ---- timelines (docs/cli.md) -------------------------------------------- */

typedef struct ladon_timeline ladon_timeline;

/* Events a timeline writes when it is given no cap. */
#define LADON_TIMELINE_DEFAULT_MAX 1000000u

/*
** Starts writing the fabric's activity from now on to `out` (borrowed; it
** must stay open until ladon_timeline_close()) as Chrome trace-event JSON
** that Perfetto opens: a track per link direction with a slice per TLP on
** the wire (args: the TLP's text), async slices per non-posted request
** (requester ID + tag) from its first transmission to the delivery of its
** last completion, flow arrows request -> first completion, and counters
** of queued TLPs.  At most `max_events` events (0: the default), after
** which the file says "truncated": true in "otherData".  Returns a new
** timeline owned by the caller, or NULL with `err` filled (LADON_EINVAL,
** LADON_ENOMEM, LADON_EFULL when a link has too many observers).
*/
LADON_API ladon_timeline *ladon_fabric_timeline_open(ladon_fabric *fabric,
                                                     FILE *out,
                                                     uint64_t max_events,
                                                     ladon_error *err);

/*
** Ends every request still open at the current simulated time, finishes
** the JSON, detaches from the links and frees the timeline (not `out`).
** Call it before the fabric is freed.  Returns LADON_EIO when writing
** failed.  NULL is a no-op.
*/
LADON_API ladon_status ladon_timeline_close(ladon_timeline *timeline);

/* ---- waveforms (docs/cli.md) -------------------------------------------- */

typedef struct ladon_vcd ladon_vcd;

/* Value changes a dump keeps when it is given no cap. */
#define LADON_VCD_DEFAULT_MAX 4000000u

/*
** Starts recording the fabric's link activity from now on for a Value
** Change Dump (IEEE 1364-2005 §18) written to `out` (borrowed) by
** ladon_vcd_close(): per link direction a wire `busy` (a TLP on the wire)
** and a 32-bit `queued` (TLPs waiting behind the one starting).  At most
** `max_changes` value changes are kept (0: the default); a dump that hit
** the cap says so in a $comment.  Returns a new dump owned by the caller,
** or NULL with `err` filled (LADON_EINVAL, LADON_ENOMEM, LADON_EFULL).
*/
LADON_API ladon_vcd *ladon_fabric_vcd_open(ladon_fabric *fabric, FILE *out,
                                           uint64_t max_changes,
                                           ladon_error *err);

/*
** Detaches from the links, writes the dump in time order to its file and
** frees it (not the file).  Call it before the fabric is freed.  Returns
** LADON_EIO when writing failed, LADON_ENOMEM.  NULL is a no-op.
*/
LADON_API ladon_status ladon_vcd_close(ladon_vcd *vcd);

LADON_END_DECLS

#endif /* LADON_FABRIC_H */
