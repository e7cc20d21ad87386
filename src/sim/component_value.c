/*
** One parameter value: parsing text by the desc's type, unit and choices,
** checking bounds, and formatting it back.
*/
#include <stdio.h>
#include <string.h>

#include "ladon/units.h"
#include "sim/component_int.h"
#include "sim/error_int.h"

/* The kind a RATE parameter counts, from its unit; -1 when invalid. */
static int rate_kind_of(const char *unit) {
  if (unit == NULL) return -1;
  if (strcmp(unit, "T/s") == 0) return LADON_RATE_TRANSFERS;
  if (strcmp(unit, "bit/s") == 0) return LADON_RATE_BITS;
  if (strcmp(unit, "B/s") == 0) return LADON_RATE_BYTES;
  return -1;
}

static const char *rate_kind_words(int kind) {
  switch (kind) {
    case LADON_RATE_TRANSFERS: return "transfers per second (T/s)";
    case LADON_RATE_BITS: return "bits per second (bit/s)";
    default: return "bytes per second (B/s)";
  }
}

static ladon_status parse_enum(const ladon_param_desc *desc, const char *text,
                               ladon__pvalue *out, ladon_error *err) {
  size_t n = 0;
  for (; desc->choices[n]; n++)
    if (strcmp(desc->choices[n], text) == 0) {
      out->u = n;
      return LADON_OK;
    }
  /* "expected one of "a", "b", got "c" (did you mean "a"?)" */
  char list[LADON_ERROR_TEXT_MAX / 2];
  size_t o = 0;
  list[0] = '\0';
  for (size_t i = 0; i < n && o + 1 < sizeof list; i++) {
    int w = snprintf(list + o, sizeof list - o, "%s\"%s\"",
                     i == 0 ? "" : (i + 1 == n ? " or " : ", "),
                     desc->choices[i]);
    if (w < 0) break;
    o += (size_t)w;
  }
  if (o >= sizeof list) o = sizeof list - 1;
  char quoted[LADON__QUOTE_BUF];
  const char *hint = ladon__suggest_in(text, desc->choices, n);
  if (hint)
    return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                            "expected %s, got %s (did you mean \"%s\"?)", list,
                            ladon__quote(quoted, sizeof quoted, text), hint);
  return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0, "expected %s, got %s",
                          list, ladon__quote(quoted, sizeof quoted, text));
}

static ladon_status parse_rate(const ladon_param_desc *desc, const char *text,
                               ladon__pvalue *out, ladon_error *err) {
  ladon_rate r;
  ladon_status st = ladon_parse_rate(text, &r, err);
  if (st != LADON_OK) return st;
  int want = rate_kind_of(desc->unit);
  if (want < 0)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "a rate parameter's unit must be \"T/s\", "
                            "\"bit/s\" or \"B/s\"");
  char quoted[LADON__QUOTE_BUF];
  st = ladon_rate_convert(r, (ladon_rate_kind)want, &out->u);
  if (st == LADON_EINVAL)
    return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                            "expected a rate in %s, got %s",
                            rate_kind_words(want),
                            ladon__quote(quoted, sizeof quoted, text));
  if (st != LADON_OK)
    return ladon__error_set(err, LADON_ERANGE, NULL, 0, 0,
                            "%s is not a whole number of %s, or too large",
                            ladon__quote(quoted, sizeof quoted, text),
                            rate_kind_words(want));
  return LADON_OK;
}

static ladon_status parse_freq(const char *text, ladon__pvalue *out,
                               ladon_error *err) {
  ladon_status st = ladon_parse_freq_hz(text, &out->u, err);
  if (st != LADON_OK) return st;
  char quoted[LADON__QUOTE_BUF];
  ladon_time_ps period;
  if (out->u == 0)
    return ladon__error_set(err, LADON_ERANGE, NULL, 0, 0,
                            "%s: a clock frequency must be above 0Hz",
                            ladon__quote(quoted, sizeof quoted, text));
  /* Simulated time is whole picoseconds: a clock whose period is not would
     drift against every other clock, so it is refused, not rounded. */
  if (ladon_freq_period_ps(out->u, &period) != LADON_OK)
    return ladon__error_set(err, LADON_ERANGE, NULL, 0, 0,
                            "%s has a clock period that is not a whole number "
                            "of picoseconds (about %llups)",
                            ladon__quote(quoted, sizeof quoted, text),
                            (unsigned long long)period);
  return LADON_OK;
}

ladon_status ladon__param_parse(const ladon_param_desc *desc, const char *text,
                                ladon__pvalue *out, ladon_error *err) {
  ladon__pvalue v = {0, 0.0, NULL};
  ladon_status st;
  if (text == NULL)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "no value given");
  switch (desc->type) {
    case LADON_PARAM_BOOL: {
      bool b = false;
      st = ladon_parse_bool(text, &b, err);
      v.u = b;
      break;
    }
    case LADON_PARAM_U64: st = ladon_parse_u64(text, &v.u, err); break;
    case LADON_PARAM_DOUBLE: st = ladon_parse_double(text, &v.d, err); break;
    case LADON_PARAM_STRING:
      v.s = text;
      st = LADON_OK;
      break;
    case LADON_PARAM_ENUM: st = parse_enum(desc, text, &v, err); break;
    case LADON_PARAM_TIME: st = ladon_parse_time_ps(text, &v.u, err); break;
    case LADON_PARAM_SIZE: st = ladon_parse_size_bytes(text, &v.u, err); break;
    case LADON_PARAM_RATE: st = parse_rate(desc, text, &v, err); break;
    case LADON_PARAM_FREQ: st = parse_freq(text, &v, err); break;
    default:
      return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                              "unknown parameter type %d", (int)desc->type);
  }
  if (st == LADON_OK && out) *out = v;
  return st;
}

static int has_bounds(ladon_param_type t) {
  return t == LADON_PARAM_U64 || t == LADON_PARAM_DOUBLE ||
         t == LADON_PARAM_TIME || t == LADON_PARAM_SIZE ||
         t == LADON_PARAM_RATE || t == LADON_PARAM_FREQ;
}

ladon_status ladon__param_check_bounds(const ladon_param_desc *desc,
                                       const ladon__pvalue *v,
                                       ladon_error *err) {
  if (!has_bounds(desc->type)) return LADON_OK;
  const char *bound[2] = {desc->min, desc->max};
  for (int i = 0; i < 2; i++) {
    if (bound[i] == NULL) continue;
    ladon__pvalue b;
    if (ladon__param_parse(desc, bound[i], &b, NULL) != LADON_OK)
      return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                              "the %s bound \"%s\" does not parse",
                              i ? "maximum" : "minimum", bound[i]);
    int out_of_range;
    if (desc->type == LADON_PARAM_DOUBLE)
      out_of_range = i ? !(v->d <= b.d) : !(v->d >= b.d);
    else
      out_of_range = i ? v->u > b.u : v->u < b.u;
    if (out_of_range) {
      char text[LADON_FORMAT_MAX];
      ladon__param_format(desc, v, text, sizeof text);
      return ladon__error_set(err, LADON_ERANGE, NULL, 0, 0,
                              "%s is %s the %s %s", text,
                              i ? "above" : "below", i ? "maximum" : "minimum",
                              bound[i]);
    }
  }
  return LADON_OK;
}

char *ladon__param_format(const ladon_param_desc *desc, const ladon__pvalue *v,
                          char *buf, size_t size) {
  if (buf == NULL || size == 0) return buf;
  switch (desc->type) {
    case LADON_PARAM_BOOL: snprintf(buf, size, v->u ? "true" : "false"); break;
    case LADON_PARAM_U64:
      snprintf(buf, size, "%llu", (unsigned long long)v->u);
      break;
    case LADON_PARAM_DOUBLE: ladon_format_double(v->d, buf, size); break;
    case LADON_PARAM_STRING: snprintf(buf, size, "%s", v->s ? v->s : ""); break;
    case LADON_PARAM_ENUM: snprintf(buf, size, "%s", desc->choices[v->u]); break;
    case LADON_PARAM_TIME: ladon_format_time(v->u, buf, size); break;
    case LADON_PARAM_SIZE: ladon_format_size(v->u, buf, size); break;
    case LADON_PARAM_RATE: {
      ladon_rate r;
      int k = rate_kind_of(desc->unit);
      r.kind = k < 0 ? LADON_RATE_TRANSFERS : (ladon_rate_kind)k;
      r.per_s = v->u;
      ladon_format_rate(r, buf, size);
      break;
    }
    case LADON_PARAM_FREQ: ladon_format_freq(v->u, buf, size); break;
    default: buf[0] = '\0'; break;
  }
  return buf;
}
