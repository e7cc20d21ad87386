/*
** The statistics registry.
**
** A registry holds named statistics of three kinds:
**
**   counter     a uint64_t that only counts (TLPs, bytes, replays);
**   accumulator doubles: count, sum, min, max and mean of the samples;
**   histogram   uint64_t samples (latencies in ps, queue depths): exact count,
**               min, max and mean, and quantiles from log-linear buckets whose
**               relative error is at most 1/128 (LADON_HIST_REL_ERROR).
**
** Names are hierarchical and dotted, e.g. "link.l0.up.tlps": one or more
** segments of printable ASCII other than space . , " and backslash, joined
** by single dots, at most LADON_STAT_NAME_MAX bytes.  Each statistic also
** has a unit ("ps", "bytes", "TLPs") and a one-line description.
**
** Registration returns a handle that stays valid as long as the registry;
** updating through it costs a plain function call with no name lookup.
** Registering a name again with the same kind returns the existing handle
** (the first unit and description stay); with another kind it is an error.
**
** A simulation owns one registry (ladon_sim_stats()); ladon_stats_new()
** makes a standalone one.  A registry is not thread-safe.
*/
#ifndef LADON_STATS_H
#define LADON_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ladon/error.h"
#include "ladon/export.h"

LADON_BEGIN_DECLS

/* Also declared in sim.h; C11 allows the identical typedef twice. */
typedef struct ladon_stats ladon_stats;     /* a registry */
typedef struct ladon_stat ladon_stat;       /* any statistic, read-only view */
typedef struct ladon_counter ladon_counter; /* typed handles for updates */
typedef struct ladon_accum ladon_accum;
typedef struct ladon_hist ladon_hist;

typedef enum ladon_stat_kind {
  LADON_STAT_COUNTER = 1,
  LADON_STAT_ACCUM = 2,
  LADON_STAT_HISTOGRAM = 3
} ladon_stat_kind;

#define LADON_STAT_NAME_MAX 255

/*
** Histogram buckets: values below 2^LADON_HIST_SUB_BITS are exact; above,
** every power of two [2^e, 2^(e+1)) is split into 2^LADON_HIST_SUB_BITS
** equal buckets of width w = 2^(e - LADON_HIST_SUB_BITS).  A quantile is
** reported as the middle of its bucket, at most w/2 from the true sample,
** which is >= 2^e: the relative error is at most 2^-(SUB_BITS + 1) = 1/128.
*/
#define LADON_HIST_SUB_BITS 6
#define LADON_HIST_REL_ERROR (1.0 / 128.0)

/* ---- registry -------------------------------------------------------- */

/* Creates an empty registry.  Returns a new handle owned by the caller, or
** NULL when out of memory. */
LADON_API ladon_stats *ladon_stats_new(void);

/* Frees the registry and every statistic in it (all handles become
** invalid).  NULL is a no-op.  Do not free the registry of a simulation:
** ladon_sim_free() does. */
LADON_API void ladon_stats_free(ladon_stats *stats);

/*
** Register (or find) a statistic named `name` with `unit` and `desc` (both
** may be NULL for "").  Returns a handle borrowed from the registry, valid
** until ladon_stats_free(), or NULL with `err` (may be NULL) filled:
** LADON_EINVAL for a NULL registry or a malformed name, LADON_EEXIST when
** the name is taken by another kind or would collide with the expanded
** field names of an accumulator or histogram ("x.count", "x.p99", ...),
** LADON_ENOMEM.
*/
LADON_API ladon_counter *ladon_stats_counter(ladon_stats *stats,
                                             const char *name,
                                             const char *unit,
                                             const char *desc,
                                             ladon_error *err);
LADON_API ladon_accum *ladon_stats_accum(ladon_stats *stats, const char *name,
                                         const char *unit, const char *desc,
                                         ladon_error *err);
LADON_API ladon_hist *ladon_stats_hist(ladon_stats *stats, const char *name,
                                       const char *unit, const char *desc,
                                       ladon_error *err);

/* Sets every statistic back to its empty state (e.g. after a warm-up);
** names and handles stay.  NULL is a no-op. */
LADON_API void ladon_stats_reset(ladon_stats *stats);

/* ---- hot-path updates (handles must not be NULL) ------------------------ */

/* Adds `n` to the counter (modulo 2^64). */
LADON_API void ladon_counter_add(ladon_counter *c, uint64_t n);

/* Records one sample.  A NaN sample makes the sum and mean NaN. */
LADON_API void ladon_accum_add(ladon_accum *a, double x);

/* Records one sample.  Cost: a few compares, one add, one bucket increment
** (the bucket array grows on the first sample of a new power of two). */
LADON_API void ladon_hist_add(ladon_hist *h, uint64_t v);

/* ---- reading ------------------------------------------------------------ */

LADON_API uint64_t ladon_counter_value(const ladon_counter *c);

/* Accumulator: count of samples; sum; min, max and mean (NaN when empty). */
LADON_API uint64_t ladon_accum_count(const ladon_accum *a);
LADON_API double ladon_accum_sum(const ladon_accum *a);
LADON_API double ladon_accum_min(const ladon_accum *a);
LADON_API double ladon_accum_max(const ladon_accum *a);
LADON_API double ladon_accum_mean(const ladon_accum *a);

/* Histogram: exact count, min and max (0 when empty), mean (NaN when empty)
** and sum (exact up to 2^53, then rounded to double). */
LADON_API uint64_t ladon_hist_count(const ladon_hist *h);
LADON_API uint64_t ladon_hist_min(const ladon_hist *h);
LADON_API uint64_t ladon_hist_max(const ladon_hist *h);
LADON_API double ladon_hist_mean(const ladon_hist *h);
LADON_API double ladon_hist_sum(const ladon_hist *h);

/*
** The q-quantile (0 <= q <= 1, clamped) by nearest rank: the sample of rank
** ceil(q * count) (at least 1) in sorted order.  Exact for ranks 1 and count
** (the min and max) and for samples below 2^LADON_HIST_SUB_BITS; otherwise
** within LADON_HIST_REL_ERROR of that sample, relative.  0 when empty.
*/
LADON_API uint64_t ladon_hist_quantile(const ladon_hist *h, double q);

/* ---- lookup and iteration ---------------------------------------------- */

/* The statistic named `name`, or NULL.  Borrowed from the registry. */
LADON_API const ladon_stat *ladon_stats_find(const ladon_stats *stats,
                                             const char *name);

/* Number of statistics in the registry (0 for NULL). */
LADON_API size_t ladon_stats_count(const ladon_stats *stats);

/*
** The i-th statistic in name order (bytewise strcmp), 0 <= i < count.
** Borrowed.  NULL when i is out of range or when sorting a registry that
** changed needs memory that is not available.
*/
LADON_API const ladon_stat *ladon_stats_at(const ladon_stats *stats, size_t i);

/* Name, unit and description: borrowed, never NULL for a valid stat. */
LADON_API const char *ladon_stat_name(const ladon_stat *st);
LADON_API const char *ladon_stat_unit(const ladon_stat *st);
LADON_API const char *ladon_stat_description(const ladon_stat *st);
LADON_API ladon_stat_kind ladon_stat_kind_of(const ladon_stat *st);

/* The typed view of a statistic, or NULL when it is of another kind. */
LADON_API const ladon_counter *ladon_stat_as_counter(const ladon_stat *st);
LADON_API const ladon_accum *ladon_stat_as_accum(const ladon_stat *st);
LADON_API const ladon_hist *ladon_stat_as_hist(const ladon_stat *st);

/*
** The scalar fields a statistic expands to in the outputs, in output order:
**   counter:      value
**   accumulator:  count sum min mean max
**   histogram:    count min mean p50 p90 p99 p999 max
** `type` says which member holds the value; LADON_STAT_NULL stands for "no
** value" (min of an empty statistic, a NaN or infinite double).
*/
typedef enum ladon_stat_value_type {
  LADON_STAT_NULL = 0,
  LADON_STAT_U64 = 1,
  LADON_STAT_F64 = 2
} ladon_stat_value_type;

typedef struct ladon_stat_field {
  const char *name;           /* "value", "count", "p99", ...: static */
  int has_unit;               /* 0 for counts, which are plain numbers */
  ladon_stat_value_type type;
  uint64_t u64;
  double f64;
} ladon_stat_field;

/* Number of fields of `st` (1, 5 or 8). */
LADON_API size_t ladon_stat_field_count(const ladon_stat *st);

/* Fills `out` with field `i` of `st`.  Returns LADON_OK, or LADON_ERANGE
** when i >= ladon_stat_field_count(st), LADON_EINVAL for NULL arguments. */
LADON_API ladon_status ladon_stat_field_get(const ladon_stat *st, size_t i,
                                            ladon_stat_field *out);

/* ---- output ---------------------------------------------------------- */

/*
** Writes the registry as one JSON object, one statistic per line, names in
** sorted order:
**   {"link.l0.up.tlps": {"kind": "counter", "unit": "TLPs", "desc": "...",
**    "value": 12}, ...}
** Integers are written as integers; doubles in the shortest of %.15g,
** %.16g, %.17g that reads back to the same double (independent of the C
** locale); missing values as null.  Returns LADON_OK, LADON_EINVAL,
** LADON_ENOMEM or LADON_EIO (a write failed).
*/
LADON_API ladon_status ladon_stats_write_json(const ladon_stats *stats,
                                              FILE *out);

/*
** Writes the registry as CSV in long form: a header line "name,value,unit",
** then one row per field, names sorted.  A counter is one row under its own
** name; an accumulator or histogram gives one row per field named
** "NAME.FIELD" (e.g. "flow.f0.latency.p99").  Counts have an empty unit,
** missing values an empty value.  Returns as ladon_stats_write_json().
*/
LADON_API ladon_status ladon_stats_write_csv(const ladon_stats *stats,
                                             FILE *out);

LADON_END_DECLS

#endif /* LADON_STATS_H */
