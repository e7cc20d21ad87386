/*
** Histograms of uint64_t samples with log-linear buckets.
**
** Values below 2^B (B = LADON_HIST_SUB_BITS) have a bucket each.  A value v
** with highest set bit e >= B falls in the bucket of width 2^(e-B) that
** contains it: there are 2^B such buckets per power of two, 2^B (64 - B + 1)
** buckets in all.  The bucket array grows only up to the highest bucket used
** (about 13 KiB for samples up to 1 s in ps), so thousands of histograms stay
** cheap.  Count, min, max and the 128-bit sum are exact.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/stats_int.h"

void ladon__hist_bucket_range(size_t idx, uint64_t *lo, uint64_t *width) {
  if (idx < LADON__HIST_SUB) {
    *lo = idx;
    *width = 1;
    return;
  }
  unsigned shift = (unsigned)(idx / LADON__HIST_SUB) - 1;
  uint64_t sub = idx % LADON__HIST_SUB;
  *lo = (LADON__HIST_SUB + sub) << shift;
  *width = UINT64_C(1) << shift;
}

void ladon__hist_reset(struct ladon_hist *h) {
  h->count = 0;
  h->min = UINT64_MAX;
  h->max = 0;
  h->sum_lo = 0;
  h->sum_hi = 0;
  h->unbucketed = 0;
  if (h->buckets != NULL) memset(h->buckets, 0, h->nbuckets * sizeof *h->buckets);
}

void ladon__hist_release(struct ladon_hist *h) {
  free(h->buckets);
  h->buckets = NULL;
  h->nbuckets = 0;
}

/* Grows the bucket array to hold `idx`, to the end of its power of two so
** that one growth serves every value of that magnitude. */
static int hist_grow(struct ladon_hist *h, size_t idx) {
  size_t n = (idx / LADON__HIST_SUB + 1) * LADON__HIST_SUB;
  if (n > LADON__HIST_BUCKETS) n = LADON__HIST_BUCKETS;
  uint64_t *b = realloc(h->buckets, n * sizeof *b);
  if (b == NULL) return 0;
  memset(b + h->nbuckets, 0, (n - h->nbuckets) * sizeof *b);
  h->buckets = b;
  h->nbuckets = n;
  return 1;
}

void ladon_hist_add(ladon_hist *h, uint64_t v) {
  h->count++;
  if (v < h->min) h->min = v;
  if (v > h->max) h->max = v;
  h->sum_lo += v;
  h->sum_hi += h->sum_lo < v; /* carry */
  size_t idx = ladon__hist_index(v);
  if (idx >= h->nbuckets && !hist_grow(h, idx)) {
    /* Out of memory: the exact fields still count the sample; quantiles
    ** are then over the bucketed samples only. */
    h->unbucketed++;
    return;
  }
  h->buckets[idx]++;
}

uint64_t ladon_hist_count(const ladon_hist *h) {
  return h != NULL ? h->count : 0;
}

uint64_t ladon_hist_min(const ladon_hist *h) {
  return h != NULL && h->count > 0 ? h->min : 0;
}

uint64_t ladon_hist_max(const ladon_hist *h) {
  return h != NULL ? h->max : 0;
}

double ladon_hist_sum(const ladon_hist *h) {
  if (h == NULL) return 0.0;
  return (double)h->sum_hi * 0x1.0p64 + (double)h->sum_lo;
}

double ladon_hist_mean(const ladon_hist *h) {
  if (h == NULL || h->count == 0) return NAN;
  return ladon_hist_sum(h) / (double)h->count;
}

uint64_t ladon_hist_quantile(const ladon_hist *h, double q) {
  if (h == NULL || h->count == 0) return 0;
  uint64_t n = h->count - h->unbucketed;
  if (n == 0) return 0;
  if (!(q > 0.0)) q = 0.0; /* also NaN */
  if (q > 1.0) q = 1.0;
  /* Nearest rank: the smallest rank k with k >= q n. */
  double kd = ceil(q * (double)n);
  uint64_t k = kd < 1.0 ? 1 : kd >= (double)n ? n : (uint64_t)kd;
  if (h->unbucketed == 0) {
    if (k == 1) return h->min;
    if (k == n) return h->max;
  }
  uint64_t seen = 0;
  for (size_t i = 0; i < h->nbuckets; i++) {
    seen += h->buckets[i];
    if (seen >= k) {
      uint64_t lo, width;
      ladon__hist_bucket_range(i, &lo, &width);
      /* The middle of [lo, lo + width - 1] is at most width/2 from any
      ** sample in the bucket; clamping to [min, max] can only move it
      ** closer, since every sample lies in that range. */
      uint64_t mid = lo + (width - 1) / 2;
      if (mid < h->min) mid = h->min;
      if (mid > h->max) mid = h->max;
      return mid;
    }
  }
  return h->max; /* not reached: the buckets hold n samples */
}
