/* Internals of the statistics registry. */
#ifndef LADON_SIM_STATS_INT_H
#define LADON_SIM_STATS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ladon/stats.h"

/* Every statistic starts with this header; the typed structs embed it first
** so a `ladon_stat *` converts to and from them. */
struct ladon_stat {
  const char *name; /* the strings live in the same allocation */
  const char *unit;
  const char *desc;
  uint64_t hash;    /* FNV-1a of name, for the lookup table */
  ladon_stat_kind kind;
};

struct ladon_counter {
  struct ladon_stat base;
  uint64_t value;
};

/* ladon_counter_add() for the library's own per-TLP paths: inline, where
** the exported function would be a call. */
static inline void ladon__counter_add(ladon_counter *c, uint64_t n) {
  c->value += n;
}

struct ladon_accum {
  struct ladon_stat base;
  uint64_t count;
  double sum;
  double min; /* +inf while empty */
  double max; /* -inf while empty */
};

struct ladon_hist {
  struct ladon_stat base;
  uint64_t count;
  uint64_t min;        /* UINT64_MAX while empty */
  uint64_t max;
  uint64_t sum_lo;     /* 128-bit exact sum */
  uint64_t sum_hi;
  uint64_t unbucketed; /* samples whose bucket could not be allocated */
  uint64_t *buckets;   /* counts, grown to the highest bucket seen */
  size_t nbuckets;
};

struct ladon_stats {
  struct ladon_stat **all;   /* registration order */
  size_t count;
  size_t cap;
  struct ladon_stat **table; /* open addressing by hash, power-of-two size */
  size_t table_size;
  struct ladon_stat **sorted; /* name order, rebuilt lazily */
  int sorted_valid;
};

/* Histogram bucket scheme (stats_hist.c). */
#define LADON__HIST_SUB (UINT64_C(1) << LADON_HIST_SUB_BITS)
#define LADON__HIST_BUCKETS ((64 - LADON_HIST_SUB_BITS + 1) * LADON__HIST_SUB)

/* Bucket index of value v. */
static inline size_t ladon__hist_index(uint64_t v) {
  if (v < LADON__HIST_SUB) return (size_t)v;
  int e = 63 - __builtin_clzll(v); /* e >= SUB_BITS */
  int shift = e - LADON_HIST_SUB_BITS;
  return (size_t)(shift + 1) * LADON__HIST_SUB +
         (size_t)((v >> shift) - LADON__HIST_SUB);
}

/* ladon_hist_add() for the library's own per-TLP paths: inline while the
** sample's bucket exists, the exported function (which grows the buckets)
** otherwise; the same result either way. */
static inline void ladon__hist_add(ladon_hist *h, uint64_t v) {
  size_t idx = ladon__hist_index(v);
  if (idx >= h->nbuckets) {
    ladon_hist_add(h, v);
    return;
  }
  h->count++;
  if (v < h->min) h->min = v;
  if (v > h->max) h->max = v;
  h->sum_lo += v;
  h->sum_hi += h->sum_lo < v; /* carry */
  h->buckets[idx]++;
}

/* Smallest value and width of bucket `idx`. */
void ladon__hist_bucket_range(size_t idx, uint64_t *lo, uint64_t *width);

/* Empties a histogram's values (keeps its bucket array). */
void ladon__hist_reset(struct ladon_hist *h);

/* Frees the histogram's bucket array. */
void ladon__hist_release(struct ladon_hist *h);

/* Fills the registry's sorted index if it is stale.  Returns 0 when out of
** memory. */
int ladon__stats_sort(ladon_stats *stats);

#endif /* LADON_SIM_STATS_INT_H */
