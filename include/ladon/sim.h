/*
** The event kernel.
**
** Time is picoseconds in a uint64_t.  Events run in (time, priority,
** insertion sequence) order, so the same inputs and seed always give the same
** execution order.  The kernel is event driven: a component that models a
** clocked circuit schedules itself only on the edges where something happens
** (see ladon_clock_edge_at_or_after()).
**
** Handlers may schedule and cancel events, including themselves; an event
** scheduled for the current time from inside a handler runs after every
** event already queued for that time and priority.
**
** The SystemC co-simulation drives the kernel through exactly
** ladon_sim_next_time(), ladon_sim_run_until(), ladon_sim_run_events() and
** ladon_sim_step().
*/
#ifndef LADON_SIM_H
#define LADON_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "ladon/error.h"
#include "ladon/export.h"

LADON_BEGIN_DECLS

typedef uint64_t ladon_time_ps;

#define LADON_TIME_NEVER UINT64_MAX
#define LADON_PS(x) ((ladon_time_ps)(x))
#define LADON_NS(x) ((ladon_time_ps)(x) * 1000u)
#define LADON_US(x) ((ladon_time_ps)(x) * 1000000u)
#define LADON_MS(x) ((ladon_time_ps)(x) * 1000000000u)

/* Priorities break ties at equal time: lower runs first. */
#define LADON_PRIO_FIRST 0
#define LADON_PRIO_DEFAULT 128
#define LADON_PRIO_LAST 255

typedef struct ladon_sim ladon_sim;
typedef struct ladon_stats ladon_stats;
typedef struct ladon_rng ladon_rng;

/*
** Identifies a scheduled event for ladon_sim_cancel().  0 is never a valid
** id.  Ids are not reused while the simulation lives, so cancelling a stale id
** is harmless.
*/
typedef uint64_t ladon_event_id;

/*
** An event handler.  `ctx` and `arg` are the values given at scheduling;
** the kernel never looks at them.
*/
typedef void (*ladon_event_fn)(ladon_sim *sim, void *ctx, uint64_t arg);

typedef struct ladon_sim_config {
  uint64_t seed;          /* seed of the simulation's random generator */
  size_t expected_events; /* capacity hint for pending events; 0 = default */
} ladon_sim_config;

/*
** Creates a simulation at time 0 with no events.  `cfg` may be NULL for
** seed 0 and default sizes.  Returns a new handle owned by the caller, or
** NULL with `err` filled (err may be NULL).
*/
LADON_API ladon_sim *ladon_sim_new(const ladon_sim_config *cfg,
                                   ladon_error *err);

/*
** Frees the simulation, its pending events (their handlers are not called),
** its statistics registry and its random generator.  NULL is a no-op.
*/
LADON_API void ladon_sim_free(ladon_sim *sim);

/* The current simulated time. */
LADON_API ladon_time_ps ladon_sim_now(const ladon_sim *sim);

/* The seed the simulation was created with. */
LADON_API uint64_t ladon_sim_seed(const ladon_sim *sim);

/*
** Schedules `fn(sim, ctx, arg)` at absolute time `at` with `priority`
** (0..255, lower first).  `at` earlier than now is an error (returns 0).
** Returns the event's id, or 0 when out of memory or `at` is in the past.
*/
LADON_API ladon_event_id ladon_sim_schedule_at(ladon_sim *sim, ladon_time_ps at,
                                               unsigned priority,
                                               ladon_event_fn fn, void *ctx,
                                               uint64_t arg);

/* Like ladon_sim_schedule_at() with at = now + delay (saturating). */
LADON_API ladon_event_id ladon_sim_schedule_in(ladon_sim *sim,
                                               ladon_time_ps delay,
                                               unsigned priority,
                                               ladon_event_fn fn, void *ctx,
                                               uint64_t arg);

/*
** Cancels a pending event.  Safe from inside any handler, including the
** cancelled event's own (then it is a no-op, since it already runs).
** Returns 1 if the event was pending and will not run, 0 otherwise.
*/
LADON_API int ladon_sim_cancel(ladon_sim *sim, ladon_event_id id);

/* Time of the earliest pending event, or LADON_TIME_NEVER when none. */
LADON_API ladon_time_ps ladon_sim_next_time(const ladon_sim *sim);

/*
** Runs every event whose time is <= `until`, then advances now to `until`
** (unless stopped early by ladon_sim_stop(), which leaves now at the last
** event's time).  `until` earlier than now runs nothing.  Returns the number
** of events run.
*/
LADON_API uint64_t ladon_sim_run_until(ladon_sim *sim, ladon_time_ps until);

/*
** Runs at most `n` events (fewer if the queue empties or ladon_sim_stop()
** is called).  Now is left at the last event's time.  Returns the number run.
*/
LADON_API uint64_t ladon_sim_run_events(ladon_sim *sim, uint64_t n);

/* Runs the next event, if any.  Returns 1 if one ran, 0 if none pending. */
LADON_API int ladon_sim_step(ladon_sim *sim);

/*
** Asks the running ladon_sim_run_until()/ladon_sim_run_events() to return
** after the current handler.  Outside a run it is a no-op.
*/
LADON_API void ladon_sim_stop(ladon_sim *sim);

/* Number of events pending (cancelled ones excluded). */
LADON_API size_t ladon_sim_pending(const ladon_sim *sim);

/* Number of events run since creation (cancelled ones excluded). */
LADON_API uint64_t ladon_sim_events_run(const ladon_sim *sim);

/*
** LADON_OK, or LADON_ENOMEM when the last ladon_sim_run_until(),
** ladon_sim_run_events() or ladon_sim_step() stopped early because the event
** queue could not get memory to reorganise itself.  No event is lost; the
** next run tries again.  LADON_EINVAL for a NULL sim.
*/
LADON_API ladon_status ladon_sim_status(const ladon_sim *sim);

/* The simulation's random generator: borrowed, lives as long as `sim`. */
LADON_API ladon_rng *ladon_sim_rng(ladon_sim *sim);

/* The simulation's statistics registry: borrowed, lives as long as `sim`. */
LADON_API ladon_stats *ladon_sim_stats(ladon_sim *sim);

/*
** The first edge of a clock with `period_ps` (> 0) and phase `phase_ps`
** (edges at phase + k * period, k >= 0) that is at or after `t`.  Components
** use it to quantise actions to their clock ("cycle level") without being
** ticked.  A period of 0 is taken as "no clock" and returns max(t, phase);
** an edge beyond the representable range gives LADON_TIME_NEVER.
*/
static inline ladon_time_ps ladon_clock_edge_at_or_after(ladon_time_ps t,
                                                         ladon_time_ps period_ps,
                                                         ladon_time_ps phase_ps) {
  if (t <= phase_ps) return phase_ps;
  if (period_ps == 0) return t;
  ladon_time_ps d = t - phase_ps;
  ladon_time_ps k = d / period_ps + (d % period_ps != 0);
  if (k > (LADON_TIME_NEVER - phase_ps) / period_ps) return LADON_TIME_NEVER;
  return phase_ps + k * period_ps;
}

LADON_END_DECLS

#endif /* LADON_SIM_H */
