/*
** The statistics registry: registration, lookup by name, name-ordered
** iteration and the typed views.  Updates and histograms are in
** stats_hist.c, output in stats_write.c.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ladon/rng.h"
#include "sim/error_int.h"
#include "sim/stats_int.h"

ladon_stats *ladon_stats_new(void) {
  return calloc(1, sizeof(ladon_stats));
}

static void stat_free(struct ladon_stat *st) {
  if (st->kind == LADON_STAT_HISTOGRAM)
    ladon__hist_release((struct ladon_hist *)st);
  free(st);
}

void ladon_stats_free(ladon_stats *stats) {
  if (stats == NULL) return;
  for (size_t i = 0; i < stats->count; i++) stat_free(stats->all[i]);
  free(stats->all);
  free(stats->table);
  free(stats->sorted);
  free(stats);
}

/* A segment is one or more printable ASCII characters other than space and
** the four that would need quoting in CSV or JSON, or separate segments. */
static int name_char_ok(unsigned char c) {
  return c > 0x20 && c < 0x7f && c != '.' && c != ',' && c != '"' &&
         c != '\\';
}

static int name_valid(const char *name) {
  size_t len = 0, seg = 0;
  for (const char *p = name; *p; p++, len++) {
    if (len >= LADON_STAT_NAME_MAX) return 0;
    if (*p == '.') {
      if (seg == 0) return 0;
      seg = 0;
    } else if (name_char_ok((unsigned char)*p)) {
      seg++;
    } else {
      return 0;
    }
  }
  return seg > 0; /* non-empty, no trailing dot */
}

static struct ladon_stat *lookup(const ladon_stats *stats, const char *name,
                                 uint64_t hash) {
  if (stats->table_size == 0) return NULL;
  size_t mask = stats->table_size - 1;
  for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
    struct ladon_stat *st = stats->table[i];
    if (st == NULL) return NULL;
    if (st->hash == hash && strcmp(st->name, name) == 0) return st;
  }
}

static void table_insert(struct ladon_stat **table, size_t size,
                         struct ladon_stat *st) {
  size_t mask = size - 1;
  size_t i = (size_t)st->hash & mask;
  while (table[i] != NULL) i = (i + 1) & mask;
  table[i] = st;
}

/* Makes room for one more statistic: the array and a table at most half
** full. */
static int reserve_one(ladon_stats *stats) {
  if (stats->count == stats->cap) {
    size_t cap = stats->cap ? stats->cap * 2 : 64;
    struct ladon_stat **all = realloc(stats->all, cap * sizeof *all);
    if (all == NULL) return 0;
    stats->all = all;
    stats->cap = cap;
  }
  if ((stats->count + 1) * 2 > stats->table_size) {
    size_t size = stats->table_size ? stats->table_size * 2 : 128;
    struct ladon_stat **table = calloc(size, sizeof *table);
    if (table == NULL) return 0;
    for (size_t i = 0; i < stats->count; i++)
      table_insert(table, size, stats->all[i]);
    free(stats->table);
    stats->table = table;
    stats->table_size = size;
  }
  return 1;
}

/* The expanded field names of a kind (see ladon_stat_field_get). */
static const char *const accum_fields[] = {"count", "sum", "min", "mean",
                                           "max", NULL};
static const char *const hist_fields[] = {"count", "min", "mean", "p50",
                                          "p90", "p99", "p999", "max", NULL};

static const char *const *fields_of(ladon_stat_kind kind) {
  if (kind == LADON_STAT_ACCUM) return accum_fields;
  if (kind == LADON_STAT_HISTOGRAM) return hist_fields;
  return NULL;
}

/* Would `name` of `kind` make two CSV rows share a name?  That happens when
** `name` is PARENT.FIELD of an existing accumulator or histogram, or when
** `name` expands to NAME.FIELD and that name exists. */
static const char *collision(const ladon_stats *stats, const char *name,
                             ladon_stat_kind kind) {
  const char *dot = strrchr(name, '.');
  if (dot != NULL) {
    char parent[LADON_STAT_NAME_MAX + 1];
    size_t plen = (size_t)(dot - name);
    memcpy(parent, name, plen);
    parent[plen] = '\0';
    const struct ladon_stat *p = lookup(stats, parent, ladon_hash_string(parent));
    const char *const *f = p != NULL ? fields_of(p->kind) : NULL;
    for (; f != NULL && *f != NULL; f++)
      if (strcmp(dot + 1, *f) == 0) return p->name;
  }
  const char *const *f = fields_of(kind);
  for (; f != NULL && *f != NULL; f++) {
    char full[LADON_STAT_NAME_MAX + 16];
    snprintf(full, sizeof full, "%s.%s", name, *f);
    const struct ladon_stat *c = lookup(stats, full, ladon_hash_string(full));
    if (c != NULL) return c->name;
  }
  return NULL;
}

static const char *kind_name(ladon_stat_kind kind) {
  switch (kind) {
  case LADON_STAT_COUNTER: return "counter";
  case LADON_STAT_ACCUM: return "accumulator";
  case LADON_STAT_HISTOGRAM: return "histogram";
  }
  return "?";
}

static void init_values(struct ladon_stat *st) {
  switch (st->kind) {
  case LADON_STAT_COUNTER:
    ((struct ladon_counter *)st)->value = 0;
    break;
  case LADON_STAT_ACCUM: {
    struct ladon_accum *a = (struct ladon_accum *)st;
    a->count = 0;
    a->sum = 0.0;
    a->min = INFINITY;
    a->max = -INFINITY;
    break;
  }
  case LADON_STAT_HISTOGRAM:
    ladon__hist_reset((struct ladon_hist *)st);
    break;
  }
}

static struct ladon_stat *stat_register(ladon_stats *stats, const char *name,
                                        const char *unit, const char *desc,
                                        ladon_stat_kind kind, size_t size,
                                        ladon_error *err) {
  if (stats == NULL || name == NULL) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "statistic: NULL registry or name");
    return NULL;
  }
  if (!name_valid(name)) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "statistic name '%.*s' is malformed (dotted segments of "
                     "printable ASCII without space , \" \\, at most %d bytes)",
                     LADON_STAT_NAME_MAX, name, LADON_STAT_NAME_MAX);
    return NULL;
  }
  uint64_t hash = ladon_hash_string(name);
  struct ladon_stat *st = lookup(stats, name, hash);
  if (st != NULL) {
    if (st->kind == kind) return st;
    ladon__error_set(err, LADON_EEXIST, NULL, 0, 0,
                     "statistic '%s' is already registered as a %s, not a %s",
                     name, kind_name(st->kind), kind_name(kind));
    return NULL;
  }
  const char *other = collision(stats, name, kind);
  if (other != NULL) {
    ladon__error_set(err, LADON_EEXIST, NULL, 0, 0,
                     "statistic '%s' collides with the output fields of '%s'",
                     name, other);
    return NULL;
  }
  if (unit == NULL) unit = "";
  if (desc == NULL) desc = "";
  size_t nlen = strlen(name) + 1, ulen = strlen(unit) + 1,
         dlen = strlen(desc) + 1;
  if (!reserve_one(stats) || (st = calloc(1, size + nlen + ulen + dlen)) == NULL) {
    ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0,
                     "out of memory registering statistic '%s'", name);
    return NULL;
  }
  char *p = (char *)st + size;
  st->name = memcpy(p, name, nlen);
  st->unit = memcpy(p + nlen, unit, ulen);
  st->desc = memcpy(p + nlen + ulen, desc, dlen);
  st->hash = hash;
  st->kind = kind;
  init_values(st);
  stats->all[stats->count++] = st;
  table_insert(stats->table, stats->table_size, st);
  stats->sorted_valid = 0;
  return st;
}

ladon_counter *ladon_stats_counter(ladon_stats *stats, const char *name,
                                   const char *unit, const char *desc,
                                   ladon_error *err) {
  return (ladon_counter *)stat_register(stats, name, unit, desc,
                                        LADON_STAT_COUNTER,
                                        sizeof(struct ladon_counter), err);
}

ladon_accum *ladon_stats_accum(ladon_stats *stats, const char *name,
                               const char *unit, const char *desc,
                               ladon_error *err) {
  return (ladon_accum *)stat_register(stats, name, unit, desc,
                                      LADON_STAT_ACCUM,
                                      sizeof(struct ladon_accum), err);
}

ladon_hist *ladon_stats_hist(ladon_stats *stats, const char *name,
                             const char *unit, const char *desc,
                             ladon_error *err) {
  return (ladon_hist *)stat_register(stats, name, unit, desc,
                                     LADON_STAT_HISTOGRAM,
                                     sizeof(struct ladon_hist), err);
}

void ladon_stats_reset(ladon_stats *stats) {
  if (stats == NULL) return;
  for (size_t i = 0; i < stats->count; i++) init_values(stats->all[i]);
}

const ladon_stat *ladon_stats_find(const ladon_stats *stats,
                                   const char *name) {
  if (stats == NULL || name == NULL) return NULL;
  return lookup(stats, name, ladon_hash_string(name));
}

size_t ladon_stats_count(const ladon_stats *stats) {
  return stats != NULL ? stats->count : 0;
}

static int by_name(const void *a, const void *b) {
  const struct ladon_stat *x = *(const struct ladon_stat *const *)a;
  const struct ladon_stat *y = *(const struct ladon_stat *const *)b;
  return strcmp(x->name, y->name);
}

int ladon__stats_sort(ladon_stats *stats) {
  if (stats->sorted_valid) return 1;
  struct ladon_stat **sorted =
      realloc(stats->sorted, (stats->count ? stats->count : 1) * sizeof *sorted);
  if (sorted == NULL) return 0;
  if (stats->count > 0) memcpy(sorted, stats->all, stats->count * sizeof *sorted);
  /* Names are unique, so the order is total and qsort's instability cannot
  ** show. */
  qsort(sorted, stats->count, sizeof *sorted, by_name);
  stats->sorted = sorted;
  stats->sorted_valid = 1;
  return 1;
}

const ladon_stat *ladon_stats_at(const ladon_stats *stats, size_t i) {
  if (stats == NULL || i >= stats->count) return NULL;
  /* The sorted index is a cache: building it does not change what the
  ** registry holds, so a const registry may fill it. */
  ladon_stats *mut = (ladon_stats *)stats;
  if (!ladon__stats_sort(mut)) return NULL;
  return stats->sorted[i];
}

const char *ladon_stat_name(const ladon_stat *st) {
  return st != NULL ? st->name : "";
}

const char *ladon_stat_unit(const ladon_stat *st) {
  return st != NULL ? st->unit : "";
}

const char *ladon_stat_description(const ladon_stat *st) {
  return st != NULL ? st->desc : "";
}

ladon_stat_kind ladon_stat_kind_of(const ladon_stat *st) {
  return st != NULL ? st->kind : (ladon_stat_kind)0;
}

const ladon_counter *ladon_stat_as_counter(const ladon_stat *st) {
  return st != NULL && st->kind == LADON_STAT_COUNTER
             ? (const ladon_counter *)st
             : NULL;
}

const ladon_accum *ladon_stat_as_accum(const ladon_stat *st) {
  return st != NULL && st->kind == LADON_STAT_ACCUM ? (const ladon_accum *)st
                                                    : NULL;
}

const ladon_hist *ladon_stat_as_hist(const ladon_stat *st) {
  return st != NULL && st->kind == LADON_STAT_HISTOGRAM
             ? (const ladon_hist *)st
             : NULL;
}

/* ---- counters and accumulators ---------------------------------------- */

void ladon_counter_add(ladon_counter *c, uint64_t n) { c->value += n; }

uint64_t ladon_counter_value(const ladon_counter *c) {
  return c != NULL ? c->value : 0;
}

void ladon_accum_add(ladon_accum *a, double x) {
  a->count++;
  a->sum += x;
  if (x < a->min) a->min = x;
  if (x > a->max) a->max = x;
}

uint64_t ladon_accum_count(const ladon_accum *a) {
  return a != NULL ? a->count : 0;
}

double ladon_accum_sum(const ladon_accum *a) {
  return a != NULL ? a->sum : 0.0;
}

double ladon_accum_min(const ladon_accum *a) {
  return a != NULL && a->count > 0 ? a->min : NAN;
}

double ladon_accum_max(const ladon_accum *a) {
  return a != NULL && a->count > 0 ? a->max : NAN;
}

double ladon_accum_mean(const ladon_accum *a) {
  return a != NULL && a->count > 0 ? a->sum / (double)a->count : NAN;
}
