/*
** Replaying a TLP trace on a fabric.
**
** A replay reads a trace (include/ladon/trace.h) record by record and
** injects its requests at the requesters of a loaded fabric:
**
**   an SR-IOV function ("nic0.vf3", "nic0.pf")  its DMA engine issues each
**        MRd / MWr with the trace's address and length, split at
**        Max_Read_Request_Size / Max_Payload_Size as the engine splits any
**        transfer (PCIe Base 5.0 §2.2.7, §7.5.3.4), under the function's
**        tag limit and the link's credits;
**   a host CPU core ("mh.cpu0")                 MMIO loads (MRd, 1-8 bytes;
**        the core stalls until the completion, §2.2.7) and stores (MWr),
**        e.g. from an mmiotrace import.
**
** A record's `src` names its requester: either directly in the forms above,
** or as a routing ID "bb:dd.f" that enumeration gave a function (a host
** bridge ID, 00:00.0, names that host's core 0), or through
** ladon_replay_map().  Completions in the trace are not replayed -- the
** fabric makes its own -- but give the captured latency of each read (its
** request's record to the completion that finishes it, matched by
** Requester ID and Tag, §2.2.6.2), reported next to the simulated one.
**
** Modes.  Open loop: each request is issued at its captured time, counted
** from the end of configuration (ladon_fabric_start_ps()), or later when
** its requester has no room (tags, credits, the window below); the wait is
** the "issue delay" statistic.  Closed loop: times are ignored; each
** requester keeps its order and issues every request as soon as its tag
** and credit limits allow, except that a request which the trace shows
** after the completion of k of its requester's reads waits until k of its
** reads have completed in the simulation (read -> completion causality,
** counted, not by identity).
**
** Memory.  The trace is streamed: a requester holds at most `window`
** requests queued or in flight, and when the next record's requester is
** full, reading stops until it has room.  Memory does not grow with the
** length of the trace.
**
** Statistics, per requester NAME (a flow "replay.NAME" in the stats JSON):
**   flow.replay.NAME.requests, bytes, errors, issued, reads, writes,
**     first_issue_ps, last_done_ps    as a workload's (models/workload.h)
**   flow.replay.NAME.latency_ps       simulated: first request TLP issued
**                                     -> last completion (reads) or last
**                                     TLP serialised (writes); CPU loads:
**                                     load issued -> value returned
**   flow.replay.NAME.captured_latency_ps  the trace's: read request record
**                                     -> the completion record finishing it
**   flow.replay.NAME.issue_delay_ps   open loop: issued - captured time
** and replay.records, replay.requests, replay.completions, replay.skipped
** (records that are not replayable requests: messages, configuration,
** I/O, AtomicOps, zero-length requests), replay.delayed (open loop:
** requests issued after their captured time).
*/
#ifndef LADON_REPLAY_H
#define LADON_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "ladon/error.h"
#include "ladon/export.h"
#include "ladon/fabric.h"
#include "ladon/sim.h"
#include "ladon/trace.h"

LADON_BEGIN_DECLS

typedef struct ladon_replay ladon_replay;

typedef enum ladon_replay_mode {
  LADON_REPLAY_OPEN_LOOP = 0,  /* at the captured times */
  LADON_REPLAY_CLOSED_LOOP = 1 /* as fast as limits and causality allow */
} ladon_replay_mode;

/* Requests a requester holds queued or in flight when not told. */
#define LADON_REPLAY_DEFAULT_WINDOW 1024u

typedef struct ladon_replay_options {
  ladon_replay_mode mode;
  uint32_t window;   /* per requester, 1..65536; 0 = the default */
} ladon_replay_options;

/*
** Prepares the replay of the trace read by `reader` (ownership taken, also
** on failure) on `fabric` (borrowed; it must outlive the replay), whose
** records are named `trace_name` in messages (usually the file name).
** `opts` may be NULL (open loop, default window).  Nothing is read or
** scheduled until ladon_replay_run().  Returns a new replay owned by the
** caller, or NULL with `err` filled: LADON_EINVAL for a NULL argument or a
** window out of range, LADON_ENOMEM.
*/
LADON_API ladon_replay *ladon_replay_new(ladon_fabric *fabric,
                                         ladon_trace_reader *reader,
                                         const char *trace_name,
                                         const ladon_replay_options *opts,
                                         ladon_error *err);

/*
** Makes records whose `src` is `src` come from `requester`: "DEV.pf",
** "DEV.vfK" (K from 0, as the topology names functions), "HOST.cpuN", or a
** routing ID "bb:dd.f" of the fabric.  Overrides what `src` would name by
** itself.  Before ladon_replay_run() only.  Returns LADON_OK, or with `err`
** filled: LADON_ENOENT for a requester the fabric does not have (naming
** it), LADON_EEXIST when `src` is mapped already, LADON_ESTATE once
** running, LADON_EINVAL, LADON_ENOMEM.
*/
LADON_API ladon_status ladon_replay_map(ladon_replay *replay, const char *src,
                                        const char *requester,
                                        ladon_error *err);

/*
** Runs the fabric with the replay until every request of the trace has
** been issued and finished and nothing else is scheduled, or until the
** simulated time `until` (LADON_TIME_NEVER: no limit), or until a bad
** record stops it.  May be called again to continue.  Returns LADON_OK, or
** the error of the first bad record with `err` filled ("TRACE:LINE: ..."):
** the reader's errors (malformed lines, LADON_EPARSE, LADON_ESPEC,
** LADON_EIO), LADON_ENOENT for a source that names no requester,
** LADON_ESTATE for a function that cannot issue (Bus Master Enable clear:
** not assigned to a VM), LADON_ENOMEM.  After an error every call returns
** it again.
*/
LADON_API ladon_status ladon_replay_run(ladon_replay *replay,
                                        ladon_time_ps until, ladon_error *err);

/* What a replay has done so far. */
typedef struct ladon_replay_counts {
  uint64_t records;      /* trace records read */
  uint64_t requests;     /* requests handed to requesters */
  uint64_t completions;  /* completion records (captured latency) */
  uint64_t skipped;      /* records that are not replayable requests */
  uint64_t finished;     /* requests finished (ok or with an error) */
  uint64_t errors;       /* of which with an error (UR, CA, timeout, ...) */
  uint64_t delayed;      /* open loop: issued after their captured time */
  uint32_t requesters;   /* distinct requesters used */
  bool done;             /* trace read to its end, every request finished */
} ladon_replay_counts;

/* Fills `out` (not NULL). */
LADON_API void ladon_replay_counts_get(const ladon_replay *replay,
                                       ladon_replay_counts *out);

/*
** The name of requester `i` (0 .. counts.requesters - 1) in the order they
** were first used: "nic0.vf0", "mh.cpu0"; its flow is "replay.NAME".
** Borrowed, valid until the replay is freed; NULL when out of range.
*/
LADON_API const char *ladon_replay_requester_name(const ladon_replay *replay,
                                                  uint32_t i);

/*
** Frees the replay and its reader.  Requests still in flight in the fabric
** are forgotten: free the replay only when the fabric will not run again,
** and before the fabric.  NULL is a no-op.
*/
LADON_API void ladon_replay_free(ladon_replay *replay);

/*
** Loads the topology at `path` like ladon_fabric_load(), but with the
** workloads of the topology at `workloads_from` instead of its own, or with
** none when `workloads_from` is NULL (what a replay usually wants: only the
** trace's traffic).  The workloads' functions and VMs must exist in `path`
** (a workload naming one that does not is LADON_ENOENT, reported at the
** workload in `workloads_from`).  Other errors as ladon_fabric_load(),
** positioned in the file they concern.
*/
LADON_API ladon_fabric *ladon_fabric_load_with_workloads(
    const char *path, const char *workloads_from,
    const ladon_fabric_options *opts, ladon_error *err);

LADON_END_DECLS

#endif /* LADON_REPLAY_H */
