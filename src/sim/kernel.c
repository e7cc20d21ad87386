/*
** The event kernel: scheduling, cancelling and running events.  See
** sim_int.h for the queue and docs/kernel.md for the contract.
*/
#include <stdlib.h>

#include "ladon/sim.h"
#include "ladon/stats.h"
#include "sim/error_int.h"
#include "sim/sim_int.h"

#define DEFAULT_SLOTS 1024u
/* Below this many cancelled entries the queue is never compacted: dropping
** them when they reach the front is cheaper. */
#define COMPACT_MIN_STALE 256u

/* ---- the slot table: event id -> generation ---------------------------- */

static int grow_slots(ladon_sim *sim) {
  if (sim->slots_cap >= LADON__MAX_SLOTS) return 0;
  uint64_t cap = sim->slots_cap ? (uint64_t)sim->slots_cap * 2 : DEFAULT_SLOTS;
  if (cap > LADON__MAX_SLOTS) cap = LADON__MAX_SLOTS;
  if (cap > SIZE_MAX / sizeof(ladon__slot)) return 0;
  ladon__slot *s = realloc(sim->slots, (size_t)cap * sizeof *s);
  if (s == NULL) return 0;
  sim->slots = s;
  sim->slots_cap = (uint32_t)cap;
  return 1;
}

/* Puts a new slot on the empty free list.  Returns 0 when out of memory. */
static int slot_add(ladon_sim *sim) {
  if (sim->slots_len == sim->slots_cap && !grow_slots(sim)) return 0;
  uint32_t s = sim->slots_len++;
  sim->slots[s].gen = 0;
  sim->slots[s].next = LADON__SLOT_NONE;
  sim->free_slot = s;
  return 1;
}

/* LIFO, so the next event scheduled reuses this (cache-hot) slot. */
static inline void slot_free(ladon_sim *sim, uint32_t s) {
  ladon__slot *e = &sim->slots[s];
  if (e->gen == UINT32_MAX) {
    /* Generation used up: retire the slot rather than hand out an id
    ** that was given before. */
    e->next = LADON__SLOT_RETIRED;
    return;
  }
  e->gen++;
  e->next = sim->free_slot;
  sim->free_slot = s;
}

/* ---- life cycle ------------------------------------------------------ */

ladon_sim *ladon_sim_new(const ladon_sim_config *cfg, ladon_error *err) {
  ladon_sim *sim = calloc(1, sizeof *sim);
  if (sim == NULL) goto oom;
  sim->free_slot = LADON__SLOT_NONE;
  sim->status = LADON_OK;
  sim->seed = cfg != NULL ? cfg->seed : 0;
  ladon_rng_seed(&sim->rng, sim->seed);
  sim->stats = ladon_stats_new();
  if (sim->stats == NULL) goto oom;
  size_t hint = cfg != NULL ? cfg->expected_events : 0;
  if (hint > LADON__MAX_SLOTS) hint = LADON__MAX_SLOTS; /* a hint: clamp */
  if (hint > 0) {
    ladon__slot *s = malloc(hint * sizeof *s);
    if (s == NULL) goto oom;
    sim->slots = s;
    sim->slots_cap = (uint32_t)hint;
  }
  return sim;
oom:
  ladon_sim_free(sim);
  ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0,
                   "out of memory creating a simulation");
  return NULL;
}

void ladon_sim_free(ladon_sim *sim) {
  if (sim == NULL) return;
  ladon__q_release(sim);
  free(sim->slots);
  ladon_stats_free(sim->stats);
  free(sim);
}

ladon_time_ps ladon_sim_now(const ladon_sim *sim) {
  return sim != NULL ? sim->now_ps : 0;
}

uint64_t ladon_sim_seed(const ladon_sim *sim) {
  return sim != NULL ? sim->seed : 0;
}

ladon_status ladon_sim_status(const ladon_sim *sim) {
  return sim != NULL ? sim->status : LADON_EINVAL;
}

/* ---- scheduling ------------------------------------------------------ */

/*
** Scheduling writes the payload into the slot at the head of the free list
** and queues the entry; only then does it take the slot, so that a failure
** has nothing to undo.  The common case (a free slot, and an entry the
** queue takes inline) makes no call and saves no registers; the rest goes
** to out-of-line functions as tail calls.
*/

/* Takes `slot`, the head of the free list, whose entry has been queued. */
static inline ladon_event_id schedule_commit(ladon_sim *sim, uint32_t slot) {
  ladon__slot *s = &sim->slots[slot];
  sim->free_slot = s->next;
  s->next = LADON__SLOT_LIVE;
  sim->next_seq++;
  return ((uint64_t)s->gen << 32) | ((uint64_t)slot + 1);
}

/* Queues the entry of free slot `slot` the way that may call out. */
static __attribute__((noinline)) ladon_event_id
schedule_push_slow(ladon_sim *sim, ladon_time_ps at, uint64_t order,
                   uint32_t slot, uint32_t gen) {
  if (!ladon__q_push_slow(sim, at, order, slot, gen)) return 0;
  return schedule_commit(sim, slot);
}

static ladon_event_id schedule_new_slot(ladon_sim *sim, ladon_time_ps at,
                                        unsigned priority, ladon_event_fn fn,
                                        void *ctx, uint64_t arg);

/* Shared by the two exported entry points, which cannot inline each other
** in a shared library (either could be interposed). */
static inline ladon_event_id schedule(ladon_sim *sim, ladon_time_ps at,
                                      unsigned priority, ladon_event_fn fn,
                                      void *ctx, uint64_t arg) {
  if (fn == NULL || priority > LADON_PRIO_LAST || at < sim->now_ps ||
      sim->next_seq > LADON__SEQ_MAX)
    return 0;
  const uint32_t slot = sim->free_slot;
  if (slot == LADON__SLOT_NONE)
    return schedule_new_slot(sim, at, priority, fn, ctx, arg);
  ladon__slot *s = &sim->slots[slot];
  s->fn = fn;
  s->ctx = ctx;
  s->arg = arg;
  const uint64_t order =
      ((uint64_t)priority << LADON__SEQ_BITS) | sim->next_seq;
  if (!ladon__q_push_inline(sim, at, order, slot, s->gen))
    return schedule_push_slow(sim, at, order, slot, s->gen);
  return schedule_commit(sim, slot);
}

/* schedule() when the free list is empty. */
static __attribute__((noinline)) ladon_event_id
schedule_new_slot(ladon_sim *sim, ladon_time_ps at, unsigned priority,
                  ladon_event_fn fn, void *ctx, uint64_t arg) {
  if (!slot_add(sim)) return 0;
  return schedule(sim, at, priority, fn, ctx, arg);
}

ladon_event_id ladon_sim_schedule_at(ladon_sim *sim, ladon_time_ps at,
                                     unsigned priority, ladon_event_fn fn,
                                     void *ctx, uint64_t arg) {
  if (sim == NULL) return 0;
  return schedule(sim, at, priority, fn, ctx, arg);
}

ladon_event_id ladon_sim_schedule_in(ladon_sim *sim, ladon_time_ps delay,
                                     unsigned priority, ladon_event_fn fn,
                                     void *ctx, uint64_t arg) {
  if (sim == NULL) return 0;
  ladon_time_ps at = sim->now_ps + delay;
  if (at < sim->now_ps) at = LADON_TIME_NEVER; /* saturate */
  return schedule(sim, at, priority, fn, ctx, arg);
}

int ladon_sim_cancel(ladon_sim *sim, ladon_event_id id) {
  if (sim == NULL) return 0;
  uint32_t low = (uint32_t)id;
  if (low == 0 || low - 1 >= sim->slots_len) return 0;
  uint32_t slot = low - 1;
  const ladon__slot *s = &sim->slots[slot];
  if (s->next != LADON__SLOT_LIVE || s->gen != (uint32_t)(id >> 32))
    return 0; /* not pending: ran, is running or was cancelled */
  /* The entry stays queued, now stale; freeing the slot changes its
  ** generation, which is how the queue recognises it. */
  slot_free(sim, slot);
  sim->stale++;
  if (sim->stale >= COMPACT_MIN_STALE && sim->stale > sim->queued - sim->stale)
    ladon__q_compact(sim);
  return 1;
}

ladon_time_ps ladon_sim_next_time(const ladon_sim *sim) {
  if (sim == NULL) return LADON_TIME_NEVER;
  if (sim->stale == 0) return ladon__q_min_time_hint(sim);
  /* Cancelled entries may hide the true minimum: look it up, which drops
  ** them.  That changes how the queue is arranged, not what it holds, so
  ** the simulation is logically unchanged. */
  ladon_sim *mut = (ladon_sim *)sim;
  const ladon__ev *top = ladon__q_peek(mut);
  if (top != NULL) return top->time_ps;
  return sim->queued > sim->stale ? ladon__q_min_time_hint(sim)
                                  : LADON_TIME_NEVER;
}

/* ---- running --------------------------------------------------------- */

/* Runs `top` (the queue's live minimum). */
static inline void run_event(ladon_sim *sim, ladon__ev *top) {
  const uint32_t slot = top->slot;
  const ladon__slot *s = &sim->slots[slot];
  const ladon_event_fn fn = s->fn;
  void *const ctx = s->ctx;
  const uint64_t arg = s->arg;
  sim->now_ps = top->time_ps;
  ladon__q_pop(sim);
  /* Free the slot before the handler runs: cancelling the running event
  ** then finds a changed generation and is a no-op, and the handler's next
  ** event reuses this slot while it is in cache.  The queue and the slot
  ** table may be reallocated by the handler; nothing here points into them
  ** any more. */
  slot_free(sim, slot);
  sim->events_run++;
  fn(sim, ctx, arg);
}

uint64_t ladon_sim_run_until(ladon_sim *sim, ladon_time_ps until) {
  if (sim == NULL || sim->running || until < sim->now_ps) return 0;
  uint64_t n = 0;
  sim->running = 1;
  sim->stop_requested = 0;
  sim->status = LADON_OK;
  for (;;) {
    ladon__ev *top;
    if (sim->front.head < sim->front.end &&
        ladon__ev_live(sim, &sim->front.v[sim->front.head])) {
      top = &sim->front.v[sim->front.head];
    } else {
      /* The hint is a lower bound of the next time: when it is past
      ** `until`, nothing needs to move. */
      if (ladon__q_min_time_hint(sim) > until) break;
      if ((top = ladon__q_peek(sim)) == NULL) break;
    }
    if (top->time_ps > until) break;
    run_event(sim, top);
    n++;
    if (sim->stop_requested) break;
  }
  if (!sim->stop_requested && sim->status == LADON_OK) sim->now_ps = until;
  sim->running = 0;
  sim->stop_requested = 0;
  return n;
}

uint64_t ladon_sim_run_events(ladon_sim *sim, uint64_t max_events) {
  if (sim == NULL || sim->running) return 0;
  uint64_t n = 0;
  sim->running = 1;
  sim->stop_requested = 0;
  sim->status = LADON_OK;
  while (n < max_events) {
    ladon__ev *top = ladon__q_peek(sim);
    if (top == NULL) break;
    run_event(sim, top);
    n++;
    if (sim->stop_requested) break;
  }
  sim->running = 0;
  sim->stop_requested = 0;
  return n;
}

int ladon_sim_step(ladon_sim *sim) {
  return ladon_sim_run_events(sim, 1) == 1;
}

void ladon_sim_stop(ladon_sim *sim) {
  if (sim != NULL && sim->running) sim->stop_requested = 1;
}

size_t ladon_sim_pending(const ladon_sim *sim) {
  return sim != NULL ? sim->queued - sim->stale : 0;
}

uint64_t ladon_sim_events_run(const ladon_sim *sim) {
  return sim != NULL ? sim->events_run : 0;
}

ladon_rng *ladon_sim_rng(ladon_sim *sim) {
  return sim != NULL ? &sim->rng : NULL;
}

ladon_stats *ladon_sim_stats(ladon_sim *sim) {
  return sim != NULL ? sim->stats : NULL;
}
