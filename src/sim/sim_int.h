/*
** Internals of the event kernel: the event queue and the simulation struct.
**
** The queue is a monotone radix heap (Ahuja, Mehlhorn, Orlin and Tarjan,
** "Faster algorithms for the shortest path problem", JACM 37(2), 1990) over
** event times with LADON__DIGIT_BITS-bit digits, whose front is a short
** sorted run, as in a ladder queue (Tang, Goh and Thng, ACM TOMACS 15(3),
** 2005):
**
**   front    every event with time <= front_last, sorted by (time,
**            priority, sequence) in v[head..end); running one is head++;
**   buckets  bucket (L, d) holds events later than front_last whose time
**            agrees with `base` above digit L and has digit d > base's
**            digit L there.  Every event in a lower (L, d) is earlier than
**            every event in a higher one, so the earliest event is in the
**            first non-empty bucket.  Buckets are unsorted append-only lists
**            of fixed-size chunks.
**
** When the front is empty, the first non-empty bucket is taken.  A small one
** (<= LADON__FRONT_MAX events, or level 0, where all times are equal) moves
** whole into the front, with the next buckets of its level while they fit
** in LADON__FRONT_MAX; since those buckets cover consecutive time ranges,
** sorting each (they hold a few events) and concatenating them sorts the
** front.  front_last becomes the end of their range.  A large bucket is
** split: base becomes its minimum time, events at that time go to the
** front, and the rest move to strictly lower levels.  An event scheduled
** into the front's range is inserted in order; a front that took a wide
** range and grew past LADON__FRONT_SPILL that way is split like a bucket,
** so that it stays short.  An event is appended once when scheduled and
** moves a few more times at most (one split per level), each time by a
** sequential read and an append: at a million pending events the queue
** works on a few memory streams instead of chasing a heap's random paths.
** The run order is the exact (time, priority, sequence) order: the
** structure only decides how fast the minimum is found.
**
** Queue entries are 24 bytes: time, order, and the slot and generation
** that name the event in the slot table, which holds the payload (fn, ctx,
** arg).  Only small keys move; the payload is written once, into a slot
** that was usually freed a moment ago and is still in cache, and it is
** prefetched when its entry reaches the front, a few events before it runs.
** An event id is (gen << 32) | (slot + 1).  Cancelling frees the slot, which
** changes its generation: the entry stays queued (lazy deletion), is
** dropped when it reaches the front, and is compacted away when cancelled
** entries outnumber live ones.
*/
#ifndef LADON_SIM_SIM_INT_H
#define LADON_SIM_SIM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ladon/error.h"
#include "ladon/rng.h"
#include "ladon/sim.h"

/* The sequence number takes the low 56 bits of an entry's `order`. */
#define LADON__SEQ_BITS 56
#define LADON__SEQ_MAX ((UINT64_C(1) << LADON__SEQ_BITS) - 1)

/* Tuning: 4, 5 and 6-bit digits and front sizes 16..64 were measured with
** the hold model (bench/bench_kernel.c); 6 and 32 did best, by little.  The
** digit masks are 64 bits wide, so 6 is also the largest digit. */
#define LADON__DIGIT_BITS 6
#define LADON__DIGITS (1 << LADON__DIGIT_BITS) /* buckets per level */
#define LADON__LEVELS ((64 + LADON__DIGIT_BITS - 1) / LADON__DIGIT_BITS)
#define LADON__CHUNK_EVENTS 42                  /* a chunk is ~1 KiB */
#define LADON__FRONT_MAX 32 /* buckets up to this size go whole to the front */
/* A front spanning several times grows past this: split it (see spill). */
#define LADON__FRONT_SPILL (8 * LADON__FRONT_MAX)

/* Slot table: `next` of a slot is a free-list link, or one of these. */
#define LADON__SLOT_NONE UINT32_MAX          /* end of the free list */
#define LADON__SLOT_LIVE (UINT32_MAX - 1)    /* holds a pending event */
#define LADON__SLOT_RETIRED (UINT32_MAX - 2) /* generation used up */
#define LADON__MAX_SLOTS (UINT32_MAX - 3)

/* (time, order) as one 128-bit number orders events in one compare. */
__extension__ typedef unsigned __int128 ladon__u128;

typedef struct ladon__ev {
  uint64_t time_ps; /* when it runs */
  uint64_t order;   /* priority << 56 | insertion sequence */
  uint32_t slot;    /* where the payload is */
  uint32_t gen;     /* the slot's generation when scheduled */
} ladon__ev;

typedef struct ladon__chunk {
  struct ladon__chunk *next;
  ladon__ev ev[LADON__CHUNK_EVENTS];
} ladon__chunk;

typedef struct ladon__bucket {
  ladon__chunk *head;
  ladon__chunk *tail;
  uint32_t tail_n;    /* entries used in the tail chunk */
  uint32_t n_at_min;  /* entries whose time is min_time */
  uint64_t count;
  uint64_t min_time;
} ladon__bucket;

/* The front: entries sorted by (time, order) in v[head..end). */
typedef struct ladon__front {
  ladon__ev *v;
  size_t head;
  size_t end;
  size_t cap;
} ladon__front;

typedef struct ladon__slot {
  ladon_event_fn fn; /* the payload */
  void *ctx;
  uint64_t arg;
  uint32_t gen;      /* bumped every time the slot is freed */
  uint32_t next;     /* free-list link, LADON__SLOT_LIVE or _RETIRED */
} ladon__slot;

struct ladon_sim {
  /* The queue.  Hot fields first. */
  ladon__front front;   /* entries with time <= front_last */
  uint64_t front_last;
  uint64_t base;        /* the radix buckets' reference time */
  unsigned front_level; /* level of the buckets the front was taken from */
  uint32_t level_mask;  /* bit L: some bucket of level L is non-empty */
  uint64_t digit_mask[LADON__LEVELS];
  size_t queued;        /* entries in the queue, cancelled ones included */
  size_t stale;         /* cancelled entries still queued; the others,
                           queued - stale, are pending */
  uint64_t next_seq;

  ladon__slot *slots;
  uint32_t slots_len;
  uint32_t slots_cap;
  uint32_t free_slot;   /* head of the LIFO free list */

  ladon_time_ps now_ps;
  uint64_t events_run;
  int running;
  int stop_requested;
  ladon_status status;  /* LADON_ENOMEM once a run stopped for memory */

  ladon__chunk *pool;   /* free chunks */
  size_t pool_n;
  size_t chunks;        /* chunks allocated in all */

  uint64_t seed;
  ladon_rng rng;
  ladon_stats *stats;

  ladon__bucket bucket[LADON__LEVELS][LADON__DIGITS];
};

/* ladon_sim_now() for the library's own hot paths: an inline load instead
** of a call through the exported function (which a shared library may not
** inline).  `sim` must not be NULL. */
static inline ladon_time_ps ladon__sim_now(const ladon_sim *sim) {
  return sim->now_ps;
}

/* ---- random numbers (rng.c) ------------------------------------------ */

/* The exponential ziggurat's tables, exposed for the tests. */
extern const uint64_t ladon__zig_k[256];
extern const double ladon__zig_w[256];
extern const double ladon__zig_f[256];

/* ---- queue operations ----------------------------------------------- */

/* Out-of-line parts (kernel_queue.c). */

/* Queues an event at or before front_last, or one whose bucket needs a new
** chunk.  Returns 0 when out of memory. */
int ladon__q_push_slow(ladon_sim *sim, uint64_t time_ps, uint64_t order,
                       uint32_t slot, uint32_t gen);

/* ladon__q_peek() when the front is empty or cancelled entries exist. */
ladon__ev *ladon__q_peek_slow(ladon_sim *sim);

/* Drops every cancelled entry. */
void ladon__q_compact(ladon_sim *sim);

/* Lower bound of the earliest queued time without moving anything; exact
** when no cancelled entry is queued. */
uint64_t ladon__q_min_time_hint(const ladon_sim *sim);

/* Frees the queue's memory. */
void ladon__q_release(ladon_sim *sim);

/* Checks the queue's invariants (bucket placement, heap order, counts);
** for tests.  Returns 1 if they hold. */
int ladon__q_check(const ladon_sim *sim);

/* Is the entry's event still pending? */
static inline int ladon__ev_live(const ladon_sim *sim, const ladon__ev *ev) {
  const ladon__slot *s = &sim->slots[ev->slot];
  return s->gen == ev->gen && s->next == LADON__SLOT_LIVE;
}

/* Level and digit of time t > base: the highest digit where they differ,
** and t's value there. */
static inline void ladon__bucket_of(uint64_t base, uint64_t t, unsigned *level,
                                    unsigned *digit) {
  unsigned high_bit = 63u - (unsigned)__builtin_clzll(t ^ base);
  *level = high_bit / LADON__DIGIT_BITS;
  *digit = (unsigned)(t >> (*level * LADON__DIGIT_BITS)) & (LADON__DIGITS - 1);
}

/* Counts one more entry at `time` in bucket `b` (which has room). */
static inline void ladon__bucket_note(ladon__bucket *b, uint64_t time) {
  b->count++;
  /* Branch-free: during a split the destinations' minima change at random. */
  uint64_t min = b->min_time;
  uint32_t n_at_min = b->n_at_min + (time == min);
  b->n_at_min = time < min ? 1 : n_at_min;
  b->min_time = time < min ? time : min;
}

/* Fronts up to this long take a new event by a walk from the head. */
#define LADON__FRONT_WALK 32

/* Queues entry (time, order, slot, gen) (its time must be >= now) if that
** takes no call, and returns 1; otherwise returns 0 and changes nothing:
** ladon__q_push_slow() must queue it.  The cases here are an append to a
** bucket with room and an insert into a short front with room before its
** head. */
static inline int ladon__q_push_inline(ladon_sim *sim, uint64_t time_ps,
                                       uint64_t order, uint32_t slot,
                                       uint32_t gen) {
  ladon__ev *dst;
  if (time_ps <= sim->front_last) {
    ladon__front *f = &sim->front;
    if (f->head == 0 || f->head == f->end ||
        f->end - f->head > LADON__FRONT_WALK)
      return 0;
    /* In a busy fabric the front holds about a dozen events and a new one
    ** is mostly due within the next few: walk from the head, moving each
    ** earlier entry down one place into the room that running events
    ** freed.  That moves what a memmove of the head side would, without a
    ** binary search's unpredictable branches.  An event due after the
    ** last entry is left to the slow path, so that the walk needs no
    ** bound: it stops at the last entry at the latest. */
    const ladon__ev *last = &f->v[f->end - 1];
    if (last->time_ps < time_ps ||
        (last->time_ps == time_ps && last->order < order))
      return 0;
    ladon__ev *p = f->v + f->head;
    for (; p->time_ps < time_ps || (p->time_ps == time_ps && p->order < order);
         p++)
      p[-1] = p[0];
    dst = p - 1;
    f->head--;
  } else {
    unsigned level, digit;
    ladon__bucket_of(sim->base, time_ps, &level, &digit);
    ladon__bucket *b = &sim->bucket[level][digit];
    if (b->count == 0 || b->tail_n == LADON__CHUNK_EVENTS) return 0;
    ladon__bucket_note(b, time_ps);
    dst = &b->tail->ev[b->tail_n++];
  }
  dst->time_ps = time_ps;
  dst->order = order;
  dst->slot = slot;
  dst->gen = gen;
  sim->queued++;
  return 1;
}

/* The earliest live event, at the head of the front, or NULL when the
** queue holds none or memory ran out moving a bucket (then sim->status is
** LADON_ENOMEM).  Drops cancelled entries it meets. */
static inline ladon__ev *ladon__q_peek(ladon_sim *sim) {
  if (sim->front.head < sim->front.end) {
    ladon__ev *top = &sim->front.v[sim->front.head];
    /* Only a cancelled head needs the slow path.  The head's slot is read
    ** to run it anyway, so its liveness is checked without first asking
    ** whether anything was cancelled at all: that is one load and branch
    ** less per event, and setup leaves cancelled timers queued. */
    if (ladon__ev_live(sim, top)) return top;
  }
  return ladon__q_peek_slow(sim);
}

/* Removes the event ladon__q_peek() returned. */
static inline void ladon__q_pop(ladon_sim *sim) {
  sim->front.head++;
  sim->queued--;
}

#endif /* LADON_SIM_SIM_INT_H */
