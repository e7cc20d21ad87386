/*
** Internals of trace replay (include/ladon/replay.h):
**   replay.c      the engine: reading, modes, queues, issuing, running
**   replay_src.c  requesters: naming, resolution, statistics
**   replay_load.c a topology with another file's workloads (or none)
*/
#ifndef LADON_TRACE_REPLAY_INT_H
#define LADON_TRACE_REPLAY_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "fabric/fabric_int.h"
#include "ladon/replay.h"
#include "ladon/stats.h"
#include "models/host.h"
#include "models/sriov.h"

/* Tags a requester can have outstanding (10-bit Tag field, §2.2.6.2). */
#define LADON__REPLAY_TAGS 1024u

typedef enum ladon__rq_kind { LADON__RQ_FN = 0, LADON__RQ_CPU = 1 } ladon__rq_kind;

/* One request waiting in its requester's queue. */
typedef struct ladon__rq_item {
  uint64_t t_ps;      /* open loop: when to issue (absolute); else queued at */
  uint64_t addr;
  uint64_t need;      /* closed loop: reads that must have finished first */
  uint32_t bytes;
  bool write;
} ladon__rq_item;

/* One request in flight: what its completion callback needs. */
typedef struct ladon__rq_slot {
  struct ladon__requester *rq;
  ladon_time_ps t_sched;  /* captured (open loop) or eligible (closed) time */
  ladon_time_ps t_submit;
  uint32_t bytes;
  bool write;
  struct ladon__rq_slot *next_free;
} ladon__rq_slot;

typedef struct ladon__requester {
  struct ladon_replay *rp;
  char name[300];             /* "nic0.vf0", "mh.cpu0" */
  ladon__rq_kind kind;
  ladon__sriov_fn *fn;        /* FN */
  ladon__host *host;          /* CPU */
  uint32_t core;
  /* Queue (ring of `window` items) and in-flight slots (`window`). */
  ladon__rq_item *q;
  uint32_t q_head, q_len;
  ladon__rq_slot *slots, *free_slots;
  uint32_t inflight;
  uint64_t reads_done;        /* simulated reads finished */
  uint64_t trace_reads_done;  /* reads the trace shows finished */
  uint64_t *tag_t;            /* per trace tag: read request time + 1, 0 none */
  bool first_seen;
  ladon_time_ps last_done;
  ladon_counter *c_requests, *c_bytes, *c_errors, *c_issued, *c_first, *c_last;
  ladon_counter *c_reads, *c_writes;
  ladon_hist *h_lat, *h_cap, *h_delay;
} ladon__requester;

/* A `src` name of the trace and the requester it is mapped to. */
typedef struct ladon__replay_src {
  const char *key;            /* interned reader string, or NULL (free) */
  uint32_t rq;                /* index into requesters */
} ladon__replay_src;

/* An explicit --map entry, until its source is met. */
typedef struct ladon__replay_map {
  char *src;
  uint32_t rq;
} ladon__replay_map;

struct ladon_replay {
  ladon_fabric *f;
  ladon_sim *sim;
  ladon_trace_reader *reader;
  char *trace_name;
  ladon_replay_options opts;
  ladon_time_ps t0;           /* end of configuration: time zero */
  bool started, eof, have, failed;
  bool over;                  /* every request ended, at t_over */
  ladon_time_ps t_over;
  ladon_error err;            /* the first error, returned ever after */
  ladon_trace_record rec;     /* the record read but not yet dispatched */
  ladon_event_id feed_ev;
  ladon_time_ps feed_time;
  ladon__requester **rqs;
  uint32_t n_rqs, cap_rqs;
  ladon__replay_src *srcs;    /* open addressing by `key` pointer */
  uint32_t srcs_cap, n_srcs;
  ladon__replay_map *maps;
  uint32_t n_maps;
  uint32_t *rid_rq;           /* trace Requester ID -> requester + 1 */
  ladon_replay_counts n;
  uint32_t blocked_on;        /* requester + 1 whose full queue stops reading */
  ladon_counter *c_records, *c_requests, *c_completions, *c_skipped, *c_delayed;
};

/* replay_src.c */

/*
** The requester `name` designates ("DEV.pf", "DEV.vfK", "HOST.cpuN",
** "bb:dd.f"): its index in rp->rqs, created (with its statistics) on first
** use.  LADON_ENOENT with `err` text "..." when nothing matches, without a
** position (the caller adds it).
*/
ladon_status ladon__replay_requester(struct ladon_replay *rp, const char *name,
                                     uint32_t *out, ladon_error *err);
void ladon__replay_requester_free(ladon__requester *rq);

/* replay.c: a slot finished (the engine's or the CPU's callback). */
void ladon__replay_finish(ladon__rq_slot *slot, bool ok, ladon_time_ps t_first,
                          ladon_time_ps t_done);

#endif
