/*
** The event queue: a monotone radix heap over event times in front of which
** a short sorted run holds the earliest events in (time, priority,
** sequence) order.  See sim_int.h for the layout and the invariants.
*/
#include <stdlib.h>
#include <string.h>

#include "sim/sim_int.h"

static inline ladon__u128 rank_of(const ladon__ev *ev) {
  return ((ladon__u128)ev->time_ps << 64) | ev->order;
}

/* ---- sorting runs of entries ------------------------------------------ */

static int cmp_rank(const void *a, const void *b) {
  ladon__u128 x = rank_of(a), y = rank_of(b);
  return (x > y) - (x < y);
}

/* Sorts v[0..n) by rank.  Runs are short or nearly sorted (a bucket keeps
** scheduling order, and events at one time are mostly scheduled in
** sequence), so insertion sort serves, with qsort for long ones.  Ranks are
** unique, so the result does not depend on the algorithm. */
static void sort_run(ladon__ev *v, size_t n) {
  if (n > 32) {
    qsort(v, n, sizeof *v, cmp_rank);
    return;
  }
  for (size_t i = 1; i < n; i++) {
    const ladon__ev x = v[i];
    const ladon__u128 r = rank_of(&x);
    size_t j = i;
    while (j > 0 && rank_of(&v[j - 1]) > r) {
      v[j] = v[j - 1];
      j--;
    }
    v[j] = x;
  }
}

/* ---- the front -------------------------------------------------------- */

static int front_grow(ladon__front *f, size_t need) {
  size_t cap = f->cap ? f->cap : 64;
  while (cap < need) {
    if (cap > SIZE_MAX / 2 / sizeof(ladon__ev)) return 0;
    cap *= 2;
  }
  ladon__ev *v = realloc(f->v, cap * sizeof *v);
  if (v == NULL) return 0;
  f->v = v;
  f->cap = cap;
  return 1;
}

/* Makes room for `extra` more entries after `end`. */
static int front_reserve(ladon__front *f, size_t extra) {
  if (f->cap - f->end >= extra) return 1;
  if (f->head > 0) {
    memmove(f->v, f->v + f->head, (f->end - f->head) * sizeof *f->v);
    f->end -= f->head;
    f->head = 0;
    if (f->cap - f->end >= extra) return 1;
  }
  return front_grow(f, f->end + extra);
}

/* Inserts `ev` in order.  Room for one was reserved.  This is for fronts
** that ladon__q_push_inline() does not walk: long ones, or with no room
** before the head. */
static void front_insert(ladon__front *f, const ladon__ev *ev) {
  const ladon__u128 r = rank_of(ev);
  /* An event due before everything queued (a handler's follow-up at its
  ** own time) takes the slot in front of the head, when there is one,
  ** without moving anything. */
  if (f->head > 0 && (f->head == f->end || r < rank_of(&f->v[f->head]))) {
    f->v[--f->head] = *ev;
    return;
  }
  size_t lo = f->head, hi = f->end; /* first entry ranked above r */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (rank_of(&f->v[mid]) < r)
      lo = mid + 1;
    else
      hi = mid;
  }
  /* Shift whichever side is shorter; new events are often due soon, near
  ** the head, where the space freed by running events is. */
  if (f->head > 0 && lo - f->head < f->end - lo) {
    memmove(f->v + f->head - 1, f->v + f->head,
            (lo - f->head) * sizeof *f->v);
    f->head--;
    lo--;
  } else {
    memmove(f->v + lo + 1, f->v + lo, (f->end - lo) * sizeof *f->v);
    f->end++;
  }
  f->v[lo] = *ev;
}

/* ---- chunks ---------------------------------------------------------- */

static ladon__chunk *chunk_get(ladon_sim *sim) {
  ladon__chunk *c = sim->pool;
  if (c != NULL) {
    sim->pool = c->next;
    sim->pool_n--;
  } else if ((c = malloc(sizeof *c)) != NULL) {
    sim->chunks++;
  } else {
    return NULL;
  }
  c->next = NULL;
  return c;
}

static void chunk_put(ladon_sim *sim, ladon__chunk *c) {
  c->next = sim->pool;
  sim->pool = c;
  sim->pool_n++;
}

static int pool_reserve(ladon_sim *sim, size_t n) {
  while (sim->pool_n < n) {
    ladon__chunk *c = malloc(sizeof *c);
    if (c == NULL) return 0;
    sim->chunks++;
    chunk_put(sim, c);
  }
  return 1;
}

/* ---- buckets --------------------------------------------------------- */

/* Gives bucket (L, d) a first or a further chunk; 0 when out of memory.
** Out of line: it runs once per LADON__CHUNK_EVENTS appends at most. */
static __attribute__((noinline)) int bucket_new_chunk(ladon_sim *sim,
                                                      unsigned level,
                                                      unsigned digit,
                                                      uint64_t time) {
  ladon__bucket *b = &sim->bucket[level][digit];
  ladon__chunk *c = chunk_get(sim);
  if (c == NULL) return 0;
  if (b->count == 0) {
    b->head = c;
    b->min_time = time;
    b->n_at_min = 0;
    sim->digit_mask[level] |= UINT64_C(1) << digit;
    sim->level_mask |= 1u << level;
  } else {
    b->tail->next = c;
  }
  b->tail = c;
  b->tail_n = 0;
  return 1;
}

/* Room for one more entry at the end of bucket (L, d), with its bookkeeping
** done for an entry at `time`; NULL when out of memory. */
static inline ladon__ev *bucket_slot(ladon_sim *sim, unsigned level,
                                     unsigned digit, uint64_t time) {
  ladon__bucket *b = &sim->bucket[level][digit];
  if ((b->count == 0 || b->tail_n == LADON__CHUNK_EVENTS) &&
      !bucket_new_chunk(sim, level, digit, time))
    return NULL;
  ladon__bucket_note(b, time);
  return &b->tail->ev[b->tail_n++];
}

/* Appends `ev` to the bucket its time falls in relative to base; memory for
** it was reserved. */
static inline void bucket_append(ladon_sim *sim, uint64_t base,
                                 const ladon__ev *ev) {
  unsigned level, digit;
  ladon__bucket_of(base, ev->time_ps, &level, &digit);
  *bucket_slot(sim, level, digit, ev->time_ps) = *ev;
}

/* Marks bucket (L, d) empty; its other fields are set up again by its next
** first chunk. */
static void bucket_clear(ladon_sim *sim, unsigned level, unsigned digit) {
  sim->bucket[level][digit].count = 0;
  sim->bucket[level][digit].head = NULL;
  sim->digit_mask[level] &= ~(UINT64_C(1) << digit);
  if (sim->digit_mask[level] == 0) sim->level_mask &= ~(1u << level);
}

/* ---- scheduling ------------------------------------------------------- */

static void spill(ladon_sim *sim);

int ladon__q_push_slow(ladon_sim *sim, uint64_t time_ps, uint64_t order,
                       uint32_t slot, uint32_t gen) {
  if (time_ps <= sim->front_last) {
    ladon__front *f = &sim->front;
    if (!front_reserve(f, 1)) return 0;
    const ladon__ev ev = {time_ps, order, slot, gen};
    front_insert(f, &ev);
    sim->queued++;
    if (f->end - f->head > LADON__FRONT_SPILL && sim->front_last != sim->base)
      spill(sim);
    return 1;
  }
  unsigned level, digit;
  ladon__bucket_of(sim->base, time_ps, &level, &digit);
  ladon__ev *dst = bucket_slot(sim, level, digit, time_ps);
  if (dst == NULL) return 0;
  dst->time_ps = time_ps;
  dst->order = order;
  dst->slot = slot;
  dst->gen = gen;
  sim->queued++;
  return 1;
}

/* ---- refilling the front --------------------------------------------- */

/* Appends the entries of bucket (L, d), sorted, to the front (which has
** room) and empties the bucket. */
static void take_bucket(ladon_sim *sim, unsigned level, unsigned digit) {
  ladon__bucket *b = &sim->bucket[level][digit];
  ladon__front *f = &sim->front;
  size_t start = f->end;
  for (ladon__chunk *c = b->head; c != NULL;) {
    uint32_t n = c == b->tail ? b->tail_n : LADON__CHUNK_EVENTS;
    ladon__ev *dst = f->v + f->end;
    for (uint32_t i = 0; i < n; i++) {
      /* This event runs within the next LADON__FRONT_MAX or so: fetch its
      ** payload now. */
      __builtin_prefetch(&sim->slots[c->ev[i].slot]);
      dst[i] = c->ev[i];
    }
    f->end += n;
    ladon__chunk *next = c->next;
    chunk_put(sim, c);
    c = next;
  }
  sort_run(f->v + start, f->end - start);
  bucket_clear(sim, level, digit);
}

/* Splits bucket `src` (detached from its place) at its minimum time: the
** entries at that time go to the empty front, the rest to lower buckets.
** Room was reserved. */
static void split(ladon_sim *sim, const ladon__bucket *src) {
  const uint64_t base = src->min_time;
  ladon__front *f = &sim->front;
  sim->base = base;
  sim->front_last = base;
  for (ladon__chunk *c = src->head; c != NULL;) {
    uint32_t n = c == src->tail ? src->tail_n : LADON__CHUNK_EVENTS;
    for (uint32_t i = 0; i < n; i++) {
      const ladon__ev *ev = &c->ev[i];
      if (ev->time_ps == base) {
        __builtin_prefetch(&sim->slots[ev->slot]);
        f->v[f->end++] = *ev;
      } else {
        bucket_append(sim, base, ev);
      }
    }
    ladon__chunk *next = c->next;
    chunk_put(sim, c);
    c = next;
  }
  sort_run(f->v, f->end);
}

/*
** Refills the empty front from the first non-empty bucket (L, d).  Memory
** is reserved first so that moving cannot fail half way.
**
** If that bucket is small (or at level 0, where it holds a single time), it
** and the next non-empty buckets of level L, up to LADON__FRONT_MAX events
** in all, move whole into the front: their digits d..e span the time range
** [lo, hi], which becomes the front, and lo the new base.  The invariants
** hold: lo agrees with the old base above digit L, the remaining buckets of
** level L have digits above e, and a later time beyond hi differs from lo
** at digit L or higher, where it lands in an empty bucket after e or in a
** higher level.
**
** Otherwise the bucket is split.  Its entries go to the 2^B L buckets below
** level L, each needing at most one chunk beyond those its entries fill,
** and each source chunk returns to the pool once read.
*/
static int refill(ladon_sim *sim) {
  unsigned level = (unsigned)__builtin_ctz(sim->level_mask);
  unsigned digit = (unsigned)__builtin_ctzll(sim->digit_mask[level]);
  const ladon__bucket *first = &sim->bucket[level][digit];
  ladon__front *f = &sim->front;
  f->head = f->end = 0;
  if (first->count <= LADON__FRONT_MAX || level == 0) {
    uint64_t total = first->count;
    unsigned last = digit;
    uint64_t rest = sim->digit_mask[level] & ~((UINT64_C(2) << digit) - 1);
    while (rest != 0) {
      unsigned d2 = (unsigned)__builtin_ctzll(rest);
      uint64_t n = sim->bucket[level][d2].count;
      if (total + n > LADON__FRONT_MAX) break;
      total += n;
      last = d2;
      rest &= rest - 1;
    }
    if (total > f->cap && !front_grow(f, total)) return 0;
    unsigned shift = level * LADON__DIGIT_BITS;
    unsigned above = shift + LADON__DIGIT_BITS;
    uint64_t high = above >= 64 ? 0 : sim->base >> above << above;
    sim->base = high | ((uint64_t)digit << shift);
    sim->front_last =
        (high | ((uint64_t)last << shift)) + ((UINT64_C(1) << shift) - 1);
    sim->front_level = level;
    uint64_t taken = sim->digit_mask[level] & ((UINT64_C(2) << last) - 1) &
                     ~((UINT64_C(1) << digit) - 1);
    while (taken != 0) {
      take_bucket(sim, level, (unsigned)__builtin_ctzll(taken));
      taken &= taken - 1;
    }
    return 1;
  }
  const ladon__bucket src = *first;
  size_t dests = (size_t)LADON__DIGITS * level;
  if ((src.n_at_min > f->cap && !front_grow(f, src.n_at_min)) ||
      !pool_reserve(sim, (dests < src.count ? dests : src.count) + 1))
    return 0;
  bucket_clear(sim, level, digit);
  split(sim, &src);
  return 1;
}

/*
** Splits the front at its minimum time m, as split() does a bucket: entries
** at m stay, the others move to buckets relative to base m.  Only a front
** taken whole spans more than one time (front_last > base); it covers whole
** digit ranges of level L = front_level that were the first non-empty
** buckets, so the levels below L are empty, and so are the level-L buckets
** of the digits it covers: every time in it lands there.  A failed
** reservation leaves the front as it is: still correct, just long.
*/
static void spill(ladon_sim *sim) {
  ladon__front *f = &sim->front;
  size_t n = f->end - f->head;
  size_t dests = (size_t)LADON__DIGITS * (sim->front_level + 1);
  if (!pool_reserve(sim, (dests < n ? dests : n) + 1)) return;
  const uint64_t base = f->v[f->head].time_ps;
  sim->base = base;
  sim->front_last = base;
  size_t keep = f->head;
  while (keep < f->end && f->v[keep].time_ps == base) keep++;
  for (size_t i = keep; i < f->end; i++) bucket_append(sim, base, &f->v[i]);
  f->end = keep;
}

/* ---- the front's minimum --------------------------------------------- */

ladon__ev *ladon__q_peek_slow(ladon_sim *sim) {
  ladon__front *f = &sim->front;
  for (;;) {
    while (f->head < f->end) {
      ladon__ev *top = &f->v[f->head];
      if (sim->stale == 0 || ladon__ev_live(sim, top)) return top;
      f->head++; /* cancelled: drop it */
      sim->queued--;
      sim->stale--;
    }
    if (sim->level_mask == 0) return NULL;
    if (!refill(sim)) {
      sim->status = LADON_ENOMEM;
      return NULL;
    }
  }
}

uint64_t ladon__q_min_time_hint(const ladon_sim *sim) {
  if (sim->front.head < sim->front.end)
    return sim->front.v[sim->front.head].time_ps;
  if (sim->level_mask == 0) return LADON_TIME_NEVER;
  unsigned level = (unsigned)__builtin_ctz(sim->level_mask);
  unsigned digit = (unsigned)__builtin_ctzll(sim->digit_mask[level]);
  return sim->bucket[level][digit].min_time;
}

/* ---- compaction ------------------------------------------------------ */

/* Keeps the live entries of one bucket, in place. */
static void compact_bucket(ladon_sim *sim, unsigned level, unsigned digit) {
  ladon__bucket *b = &sim->bucket[level][digit];
  ladon__chunk *wc = b->head;
  uint32_t wi = 0;
  uint64_t count = 0, min_time = UINT64_MAX;
  uint32_t n_at_min = 0;
  for (ladon__chunk *rc = b->head; rc != NULL; rc = rc->next) {
    uint32_t n = rc == b->tail ? b->tail_n : LADON__CHUNK_EVENTS;
    for (uint32_t i = 0; i < n; i++) {
      const ladon__ev *ev = &rc->ev[i];
      if (!ladon__ev_live(sim, ev)) continue;
      if (wi == LADON__CHUNK_EVENTS) {
        wc = wc->next;
        wi = 0;
      }
      wc->ev[wi++] = *ev; /* the writer never passes the reader */
      count++;
      if (ev->time_ps < min_time) {
        min_time = ev->time_ps;
        n_at_min = 1;
      } else if (ev->time_ps == min_time) {
        n_at_min++;
      }
    }
  }
  ladon__chunk *rest;
  if (count == 0) {
    rest = b->head;
    bucket_clear(sim, level, digit);
  } else {
    rest = wc->next;
    wc->next = NULL;
    b->tail = wc;
    b->tail_n = wi;
    b->count = count;
    b->min_time = min_time;
    b->n_at_min = n_at_min;
  }
  while (rest != NULL) {
    ladon__chunk *next = rest->next;
    chunk_put(sim, rest);
    rest = next;
  }
}

void ladon__q_compact(ladon_sim *sim) {
  for (unsigned level = 0; level < LADON__LEVELS; level++)
    for (unsigned digit = 0; digit < LADON__DIGITS; digit++)
      if (sim->bucket[level][digit].count > 0)
        compact_bucket(sim, level, digit);
  ladon__front *f = &sim->front;
  size_t n = 0;
  for (size_t i = f->head; i < f->end; i++)
    if (ladon__ev_live(sim, &f->v[i])) f->v[n++] = f->v[i];
  f->head = 0;
  f->end = n;
  sim->queued -= sim->stale;
  sim->stale = 0;
}

void ladon__q_release(ladon_sim *sim) {
  for (unsigned level = 0; level < LADON__LEVELS; level++)
    for (unsigned digit = 0; digit < LADON__DIGITS; digit++) {
      ladon__chunk *c = sim->bucket[level][digit].head;
      while (c != NULL) {
        ladon__chunk *next = c->next;
        free(c);
        c = next;
      }
    }
  while (sim->pool != NULL) {
    ladon__chunk *next = sim->pool->next;
    free(sim->pool);
    sim->pool = next;
  }
  free(sim->front.v);
}

/* ---- invariants, for tests ------------------------------------------- */

int ladon__q_check(const ladon_sim *sim) {
  const ladon__front *f = &sim->front;
  size_t queued = f->end - f->head, stale = 0;
  if (sim->front_last < sim->base || f->head > f->end || f->end > f->cap)
    return 0;
  for (size_t i = f->head; i < f->end; i++) {
    if (i > f->head && rank_of(&f->v[i]) <= rank_of(&f->v[i - 1])) return 0;
    if (f->v[i].time_ps > sim->front_last) return 0;
    stale += !ladon__ev_live(sim, &f->v[i]);
  }
  for (unsigned level = 0; level < LADON__LEVELS; level++) {
    if (((sim->level_mask >> level) & 1u) != (sim->digit_mask[level] != 0))
      return 0;
    for (unsigned digit = 0; digit < LADON__DIGITS; digit++) {
      const ladon__bucket *b = &sim->bucket[level][digit];
      if (((sim->digit_mask[level] >> digit) & 1u) != (b->count != 0)) return 0;
      if (b->count == 0) continue;
      uint64_t count = 0, min_time = UINT64_MAX;
      uint32_t n_at_min = 0;
      for (const ladon__chunk *c = b->head; c != NULL; c = c->next) {
        uint32_t n = c == b->tail ? b->tail_n : LADON__CHUNK_EVENTS;
        if (c != b->tail && c->next == NULL) return 0;
        for (uint32_t i = 0; i < n; i++) {
          const ladon__ev *ev = &c->ev[i];
          unsigned l2, d2;
          if (ev->time_ps <= sim->front_last) return 0;
          ladon__bucket_of(sim->base, ev->time_ps, &l2, &d2);
          if (l2 != level || d2 != digit) return 0;
          count++;
          stale += !ladon__ev_live(sim, ev);
          if (ev->time_ps < min_time) {
            min_time = ev->time_ps;
            n_at_min = 1;
          } else if (ev->time_ps == min_time) {
            n_at_min++;
          }
        }
      }
      if (count != b->count || min_time != b->min_time ||
          n_at_min != b->n_at_min)
        return 0;
      queued += count;
    }
  }
  return queued == sim->queued && stale == sim->stale;
}
