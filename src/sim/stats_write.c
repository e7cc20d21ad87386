/*
** Statistics output: the scalar fields of each statistic, and the JSON and
** long-form CSV writers built on them.  The same registry always gives the
** same bytes: names are sorted bytewise and numbers are formatted without
** reference to the C locale.
*/
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/stats_int.h"

size_t ladon_stat_field_count(const ladon_stat *st) {
  if (st == NULL) return 0;
  switch (st->kind) {
  case LADON_STAT_COUNTER: return 1;
  case LADON_STAT_ACCUM: return 5;
  case LADON_STAT_HISTOGRAM: return 8;
  }
  return 0;
}

static void set_u64(ladon_stat_field *f, const char *name, int has_unit,
                    uint64_t v) {
  f->name = name;
  f->has_unit = has_unit;
  f->type = LADON_STAT_U64;
  f->u64 = v;
}

static void set_f64(ladon_stat_field *f, const char *name, double v) {
  f->name = name;
  f->has_unit = 1;
  f->type = isfinite(v) ? LADON_STAT_F64 : LADON_STAT_NULL;
  f->f64 = v;
}

static void set_null(ladon_stat_field *f, const char *name) {
  f->name = name;
  f->has_unit = 1;
  f->type = LADON_STAT_NULL;
}

static const struct {
  const char *name;
  double q;
} hist_quantiles[] = {{"p50", 0.50}, {"p90", 0.90}, {"p99", 0.99},
                      {"p999", 0.999}};

ladon_status ladon_stat_field_get(const ladon_stat *st, size_t i,
                                  ladon_stat_field *out) {
  if (st == NULL || out == NULL) return LADON_EINVAL;
  if (i >= ladon_stat_field_count(st)) return LADON_ERANGE;
  memset(out, 0, sizeof *out);
  switch (st->kind) {
  case LADON_STAT_COUNTER:
    set_u64(out, "value", 1, ((const struct ladon_counter *)st)->value);
    break;
  case LADON_STAT_ACCUM: {
    const ladon_accum *a = (const ladon_accum *)st;
    switch (i) {
    case 0: set_u64(out, "count", 0, ladon_accum_count(a)); break;
    case 1: set_f64(out, "sum", ladon_accum_sum(a)); break;
    case 2: set_f64(out, "min", ladon_accum_min(a)); break;
    case 3: set_f64(out, "mean", ladon_accum_mean(a)); break;
    default: set_f64(out, "max", ladon_accum_max(a)); break;
    }
    break;
  }
  case LADON_STAT_HISTOGRAM: {
    const ladon_hist *h = (const ladon_hist *)st;
    static const char *const names[] = {"count", "min", "mean", "p50",
                                        "p90",   "p99", "p999", "max"};
    if (i == 0) {
      set_u64(out, "count", 0, ladon_hist_count(h));
    } else if (ladon_hist_count(h) == 0) {
      set_null(out, names[i]);
    } else if (i == 1) {
      set_u64(out, "min", 1, ladon_hist_min(h));
    } else if (i == 2) {
      set_f64(out, "mean", ladon_hist_mean(h));
    } else if (i == 7) {
      set_u64(out, "max", 1, ladon_hist_max(h));
    } else {
      set_u64(out, hist_quantiles[i - 3].name, 1,
              ladon_hist_quantile(h, hist_quantiles[i - 3].q));
    }
    break;
  }
  }
  return LADON_OK;
}

/* The shortest of %.15g, %.16g and %.17g that reads back as `v` (17 digits
** always do), with the locale's decimal separator replaced by '.'. */
static void format_double(char *buf, size_t size, double v) {
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, size, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) break;
  }
  for (char *p = buf; *p; p++)
    if (*p != '-' && *p != '+' && *p != 'e' && (*p < '0' || *p > '9'))
      *p = '.';
}

/* Writes a field's value as text; `null_text` for a missing value. */
static void format_field(char *buf, size_t size, const ladon_stat_field *f,
                         const char *null_text) {
  switch (f->type) {
  case LADON_STAT_U64:
    snprintf(buf, size, "%" PRIu64, f->u64);
    break;
  case LADON_STAT_F64:
    format_double(buf, size, f->f64);
    break;
  default:
    snprintf(buf, size, "%s", null_text);
    break;
  }
}

static void json_string(FILE *out, const char *s) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': fputs("\\\"", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\n': fputs("\\n", out); break;
    case '\t': fputs("\\t", out); break;
    case '\r': fputs("\\r", out); break;
    default:
      if (*p < 0x20)
        fprintf(out, "\\u%04x", *p);
      else
        fputc(*p, out);
    }
  }
  fputc('"', out);
}

static const char *kind_text(ladon_stat_kind kind) {
  switch (kind) {
  case LADON_STAT_COUNTER: return "counter";
  case LADON_STAT_ACCUM: return "accumulator";
  case LADON_STAT_HISTOGRAM: return "histogram";
  }
  return "unknown";
}

static ladon_status prepare(const ladon_stats *stats, FILE *out) {
  if (stats == NULL || out == NULL) return LADON_EINVAL;
  if (!ladon__stats_sort((ladon_stats *)stats)) return LADON_ENOMEM;
  return LADON_OK;
}

static ladon_status finish(FILE *out) {
  return ferror(out) ? LADON_EIO : LADON_OK;
}

ladon_status ladon_stats_write_json(const ladon_stats *stats, FILE *out) {
  ladon_status rc = prepare(stats, out);
  if (rc != LADON_OK) return rc;
  fputc('{', out);
  for (size_t i = 0; i < stats->count; i++) {
    const struct ladon_stat *st = stats->sorted[i];
    fputs(i == 0 ? "\n  " : ",\n  ", out);
    json_string(out, st->name);
    fprintf(out, ": {\"kind\": \"%s\", \"unit\": ", kind_text(st->kind));
    json_string(out, st->unit);
    fputs(", \"desc\": ", out);
    json_string(out, st->desc);
    size_t n = ladon_stat_field_count(st);
    for (size_t j = 0; j < n; j++) {
      ladon_stat_field f;
      char num[64];
      ladon_stat_field_get(st, j, &f);
      format_field(num, sizeof num, &f, "null");
      fprintf(out, ", \"%s\": %s", f.name, num);
    }
    fputc('}', out);
  }
  fputs(stats->count > 0 ? "\n}\n" : "}\n", out);
  return finish(out);
}

/* RFC 4180: quote a field that holds a comma, quote or line break. */
static void csv_string(FILE *out, const char *s) {
  if (strpbrk(s, ",\"\r\n") == NULL) {
    fputs(s, out);
    return;
  }
  fputc('"', out);
  for (; *s; s++) {
    if (*s == '"') fputc('"', out);
    fputc(*s, out);
  }
  fputc('"', out);
}

ladon_status ladon_stats_write_csv(const ladon_stats *stats, FILE *out) {
  ladon_status rc = prepare(stats, out);
  if (rc != LADON_OK) return rc;
  fputs("name,value,unit\n", out);
  for (size_t i = 0; i < stats->count; i++) {
    const struct ladon_stat *st = stats->sorted[i];
    size_t n = ladon_stat_field_count(st);
    for (size_t j = 0; j < n; j++) {
      ladon_stat_field f;
      char num[64];
      ladon_stat_field_get(st, j, &f);
      format_field(num, sizeof num, &f, "");
      /* Names hold no CSV specials (see the name rule in stats.h). */
      if (st->kind == LADON_STAT_COUNTER)
        fprintf(out, "%s,%s,", st->name, num);
      else
        fprintf(out, "%s.%s,%s,", st->name, f.name, num);
      csv_string(out, f.has_unit ? st->unit : "");
      fputc('\n', out);
    }
  }
  return finish(out);
}
