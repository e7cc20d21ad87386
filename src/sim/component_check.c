/*
** Validation of component tables: parameters, ports and statistics.  A table
** that passes can be resolved and listed without further checks.
*/
#include <stdio.h>
#include <string.h>

#include "sim/component_int.h"
#include "sim/error_int.h"

#define PORT_RANGE_MAX 65535ul /* the largest number a port range may reach */

static ladon_status bad(ladon_error *err, const char *owner, const char *what,
                        const char *name, const char *why) {
  char quoted[LADON__QUOTE_BUF];
  return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "%s: %s %s: %s",
                          owner ? owner : "table", what,
                          ladon__quote(quoted, sizeof quoted, name), why);
}

/* Like bad(), for a value of the entry that failed with `inner`. */
static ladon_status bad_value(ladon_error *err, const char *owner,
                              const char *name, const char *label,
                              const ladon_error *inner) {
  char quoted[LADON__QUOTE_BUF];
  return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                          "%s: parameter %s: %s: %s", owner ? owner : "table",
                          ladon__quote(quoted, sizeof quoted, name), label,
                          inner->text);
}

static ladon_status check_unit(const ladon_param_desc *d, const char *owner,
                               ladon_error *err) {
  const char *u = d->unit;
  const char *need = NULL;
  switch (d->type) {
    case LADON_PARAM_TIME: need = "ps"; break;
    case LADON_PARAM_SIZE: need = "B"; break;
    case LADON_PARAM_FREQ: need = "Hz"; break;
    case LADON_PARAM_RATE:
      if (u && (!strcmp(u, "T/s") || !strcmp(u, "bit/s") || !strcmp(u, "B/s")))
        return LADON_OK;
      return bad(err, owner, "parameter", d->name,
                 "a rate's unit must be \"T/s\", \"bit/s\" or \"B/s\"");
    case LADON_PARAM_U64:
    case LADON_PARAM_DOUBLE: return LADON_OK;
    default:
      if (u == NULL) return LADON_OK;
      return bad(err, owner, "parameter", d->name,
                 "booleans, strings and enums take no unit");
  }
  if (u == NULL || strcmp(u, need) == 0) return LADON_OK;
  char why[96];
  snprintf(why, sizeof why, "a %s parameter's unit is \"%s\" (or NULL)",
           ladon_param_type_name(d->type), need);
  return bad(err, owner, "parameter", d->name, why);
}

static ladon_status check_choices(const ladon_param_desc *d, const char *owner,
                                  ladon_error *err) {
  if (d->type != LADON_PARAM_ENUM) {
    if (d->choices == NULL) return LADON_OK;
    return bad(err, owner, "parameter", d->name, "only enums have choices");
  }
  if (d->choices == NULL || d->choices[0] == NULL)
    return bad(err, owner, "parameter", d->name, "an enum needs choices");
  for (size_t i = 0; d->choices[i]; i++) {
    if (d->choices[i][0] == '\0')
      return bad(err, owner, "parameter", d->name, "an empty choice");
    for (size_t j = 0; j < i; j++)
      if (strcmp(d->choices[i], d->choices[j]) == 0)
        return bad(err, owner, "parameter", d->name, "a choice appears twice");
  }
  return LADON_OK;
}

static ladon_status check_value(const ladon_param_desc *d, const char *owner,
                                const char *label, const char *text,
                                ladon__pvalue *out, ladon_error *err) {
  ladon_error inner;
  ladon_error_clear(&inner);
  if (ladon__param_parse(d, text, out, &inner) != LADON_OK)
    return bad_value(err, owner, d->name, label, &inner);
  return LADON_OK;
}

static ladon_status check_param(const ladon_param_desc *d, const char *owner,
                                ladon_error *err) {
  if (!ladon__is_identifier(d->name))
    return bad(err, owner, "parameter", d->name,
               "a name must match [A-Za-z_][A-Za-z0-9_]*");
  if ((unsigned)d->type > LADON_PARAM_FREQ)
    return bad(err, owner, "parameter", d->name, "unknown parameter type");
  if (d->description == NULL)
    return bad(err, owner, "parameter", d->name, "no description");
  ladon_status st = check_unit(d, owner, err);
  if (st == LADON_OK) st = check_choices(d, owner, err);
  if (st != LADON_OK) return st;
  int bounded = d->type == LADON_PARAM_U64 || d->type == LADON_PARAM_DOUBLE ||
                d->type == LADON_PARAM_TIME || d->type == LADON_PARAM_SIZE ||
                d->type == LADON_PARAM_RATE || d->type == LADON_PARAM_FREQ;
  if (!bounded && (d->min || d->max))
    return bad(err, owner, "parameter", d->name,
               "only numeric parameters have bounds");
  ladon__pvalue lo, hi, def;
  if (d->min && (st = check_value(d, owner, "minimum", d->min, &lo, err)))
    return st;
  if (d->max && (st = check_value(d, owner, "maximum", d->max, &hi, err)))
    return st;
  if (d->min && d->max &&
      (d->type == LADON_PARAM_DOUBLE ? lo.d > hi.d : lo.u > hi.u))
    return bad(err, owner, "parameter", d->name,
               "the minimum is above the maximum");
  if (d->default_value) {
    st = check_value(d, owner, "default", d->default_value, &def, err);
    if (st != LADON_OK) return st;
    ladon_error inner;
    ladon_error_clear(&inner);
    if (ladon__param_check_bounds(d, &def, &inner) != LADON_OK)
      return bad_value(err, owner, d->name, "default", &inner);
  }
  return LADON_OK;
}

ladon_status ladon__param_table_check(const ladon_param_desc *params, size_t n,
                                      const char *owner, ladon_error *err) {
  if (n > 0 && params == NULL)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "%s: %zu parameters but no table",
                            owner ? owner : "table", n);
  for (size_t i = 0; i < n; i++) {
    ladon_status st = check_param(&params[i], owner, err);
    if (st != LADON_OK) return st;
    for (size_t j = 0; j < i; j++)
      if (strcmp(params[i].name, params[j].name) == 0)
        return bad(err, owner, "parameter", params[i].name,
                   "declared twice");
  }
  return LADON_OK;
}

/* Reads a decimal number without leading zeros; returns chars used, 0 if
   none or malformed or above PORT_RANGE_MAX. */
static size_t read_number(const char *s, unsigned long *out) {
  size_t i = 0;
  unsigned long v = 0;
  if (s[0] < '0' || s[0] > '9') return 0;
  if (s[0] == '0' && s[1] >= '0' && s[1] <= '9') return 0;
  for (; s[i] >= '0' && s[i] <= '9'; i++) {
    v = v * 10 + (unsigned long)(s[i] - '0');
    if (v > PORT_RANGE_MAX) return 0;
  }
  *out = v;
  return i;
}

int ladon__port_pattern_split(const char *pattern, size_t *stem_len,
                              int *has_range, unsigned long *lo,
                              unsigned long *hi) {
  if (pattern == NULL) return 0;
  const char *br = strchr(pattern, '[');
  size_t sl = br ? (size_t)(br - pattern) : strlen(pattern);
  char stem[128];
  if (sl == 0 || sl >= sizeof stem) return 0;
  memcpy(stem, pattern, sl);
  stem[sl] = '\0';
  if (!ladon__is_identifier(stem)) return 0;
  *stem_len = sl;
  *has_range = 0;
  *lo = *hi = 0;
  if (br == NULL) return 1;
  /* A stem ending in a digit would make "d1[0-5]" and "d[10-15]" the same
     names; requiring a non-digit keeps every port name's split unique. */
  if (stem[sl - 1] >= '0' && stem[sl - 1] <= '9') return 0;
  const char *p = br + 1;
  size_t k = read_number(p, lo);
  if (k == 0 || p[k] != '-') return 0;
  p += k + 1;
  k = read_number(p, hi);
  if (k == 0 || strcmp(p + k, "]") != 0 || *lo > *hi) return 0;
  *has_range = 1;
  return 1;
}

/* Whether `name` is one of the ports `pattern` declares; its number. */
static int port_matches(const char *pattern, const char *name,
                        unsigned long *number) {
  size_t sl;
  int ranged;
  unsigned long lo, hi, v;
  if (!ladon__port_pattern_split(pattern, &sl, &ranged, &lo, &hi)) return 0;
  if (!ranged) {
    *number = 0;
    return strcmp(pattern, name) == 0;
  }
  if (strncmp(pattern, name, sl) != 0) return 0;
  size_t k = read_number(name + sl, &v);
  if (k == 0 || name[sl + k] != '\0' || v < lo || v > hi) return 0;
  *number = v;
  return 1;
}

ladon_status ladon__port_table_check(const ladon_port_desc *ports, size_t n,
                                     const char *owner, ladon_error *err) {
  if (n > 0 && ports == NULL)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "%s: %zu ports but no table",
                            owner ? owner : "table", n);
  for (size_t i = 0; i < n; i++) {
    size_t sl;
    int ranged;
    unsigned long lo, hi, num;
    if (!ladon__port_pattern_split(ports[i].name, &sl, &ranged, &lo, &hi))
      return bad(err, owner, "port", ports[i].name,
                 "a port is an identifier, optionally followed by one range "
                 "such as [0-31] (no leading zeros, stem not ending in a "
                 "digit, at most 65535)");
    if (ports[i].description == NULL)
      return bad(err, owner, "port", ports[i].name, "no description");
    for (size_t j = 0; j < i; j++) {
      size_t sl2;
      int ranged2;
      unsigned long lo2, hi2;
      ladon__port_pattern_split(ports[j].name, &sl2, &ranged2, &lo2, &hi2);
      int overlap;
      if (!ranged && !ranged2)
        overlap = strcmp(ports[i].name, ports[j].name) == 0;
      else if (!ranged)
        overlap = port_matches(ports[j].name, ports[i].name, &num);
      else if (!ranged2)
        overlap = port_matches(ports[i].name, ports[j].name, &num);
      else
        overlap = sl == sl2 && strncmp(ports[i].name, ports[j].name, sl) == 0 &&
                  lo <= hi2 && lo2 <= hi;
      if (overlap)
        return bad(err, owner, "port", ports[i].name,
                   "names a port that an earlier entry already declares");
    }
  }
  return LADON_OK;
}

static int is_stat_name(const char *s) {
  if (s == NULL || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
                     *s == '_'))
    return 0;
  for (; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
          (*s >= '0' && *s <= '9') || *s == '_' || *s == '.'))
      return 0;
  return 1;
}

static ladon_status check_stats(const ladon_stat_desc *stats, size_t n,
                                const char *owner, ladon_error *err) {
  if (n > 0 && stats == NULL)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "%s: %zu statistics but no table", owner, n);
  for (size_t i = 0; i < n; i++) {
    if (!is_stat_name(stats[i].name))
      return bad(err, owner, "statistic", stats[i].name,
                 "a name must match [A-Za-z_][A-Za-z0-9_.]*");
    if (stats[i].description == NULL)
      return bad(err, owner, "statistic", stats[i].name, "no description");
    for (size_t j = 0; j < i; j++)
      if (strcmp(stats[i].name, stats[j].name) == 0)
        return bad(err, owner, "statistic", stats[i].name, "declared twice");
  }
  return LADON_OK;
}

static int is_type_name(const char *s) {
  if (s == NULL || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
    return 0;
  for (; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
          (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '-'))
      return 0;
  return 1;
}

ladon_status ladon__component_type_check(const ladon_component_type *t,
                                         ladon_error *err) {
  char quoted[LADON__QUOTE_BUF];
  if (t == NULL)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "no component type given");
  if (!is_type_name(t->name))
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "component type %s: a name must match "
                            "[A-Za-z][A-Za-z0-9_.-]*",
                            ladon__quote(quoted, sizeof quoted, t->name));
  char owner[160];
  snprintf(owner, sizeof owner, "component type '%s'", t->name);
  if (t->description == NULL)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "%s: no description", owner);
  if (t->create == NULL || t->destroy == NULL)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "%s: create and destroy callbacks are required",
                            owner);
  ladon_status st = ladon__param_table_check(t->params, t->n_params, owner, err);
  if (st == LADON_OK) st = ladon__port_table_check(t->ports, t->n_ports, owner, err);
  if (st == LADON_OK) st = check_stats(t->stats, t->n_stats, owner, err);
  return st;
}

ladon_status ladon_component_port_find(const ladon_component_type *type,
                                       const char *port_name, size_t *out_desc,
                                       uint32_t *out_number) {
  if (type == NULL || port_name == NULL) return LADON_ENOENT;
  for (size_t i = 0; i < type->n_ports; i++) {
    unsigned long num;
    if (port_matches(type->ports[i].name, port_name, &num)) {
      if (out_desc) *out_desc = i;
      if (out_number) *out_number = (uint32_t)num;
      return LADON_OK;
    }
  }
  return LADON_ENOENT;
}
