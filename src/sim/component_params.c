/*
** Resolved parameters: one slot per desc, filled from user text or typed
** values (checked as they arrive), then from defaults at resolution.  After
** resolution the getters cannot fail; misuse is a bug in the calling model
** and aborts with a message, like an assertion.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/component_int.h"
#include "sim/error_int.h"

struct slot {
  int set;         /* given by the user */
  ladon__pvalue v; /* resolved value */
  char *owned;     /* STRING values the user gave: our copy */
};

struct ladon_params {
  const ladon_param_desc *descs;
  size_t n;
  char *owner;
  int resolved;
  struct slot *slots;
};

ladon_params *ladon_params_new(const ladon_param_desc *descs, size_t n,
                               const char *owner, ladon_error *err) {
  char label[160];
  snprintf(label, sizeof label, "'%s'", owner ? owner : "parameters");
  if (ladon__param_table_check(descs, n, label, err) != LADON_OK) return NULL;
  ladon_params *p = calloc(1, sizeof *p);
  if (p) p->slots = calloc(n ? n : 1, sizeof *p->slots);
  if (p) p->owner = owner ? strdup(owner) : NULL;
  if (p == NULL || p->slots == NULL || (owner && p->owner == NULL)) {
    ladon_params_free(p);
    ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
    return NULL;
  }
  p->descs = descs;
  p->n = n;
  return p;
}

void ladon_params_free(ladon_params *params) {
  if (params == NULL) return;
  if (params->slots)
    for (size_t i = 0; i < params->n; i++) free(params->slots[i].owned);
  free(params->slots);
  free(params->owner);
  free(params);
}

static const char *desc_name_at(const void *ctx, size_t i) {
  return ((const ladon_param_desc *)ctx)[i].name;
}

static long find(const ladon_params *p, const char *name) {
  if (name == NULL) return -1;
  for (size_t i = 0; i < p->n; i++)
    if (strcmp(p->descs[i].name, name) == 0) return (long)i;
  return -1;
}

/* Finds `name` for a setter: an unknown name or a frozen set is an error. */
static ladon_status find_for_set(ladon_params *p, const char *name,
                                 long *out, ladon_error *err) {
  char quoted[LADON__QUOTE_BUF];
  if (p == NULL)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "no parameter set");
  if (p->resolved)
    return ladon__error_set(
        err, LADON_ESTATE, NULL, 0, 0,
        "parameter '%s': the parameters are already resolved",
        name ? name : "");
  long i = find(p, name);
  if (i >= 0) {
    *out = i;
    return LADON_OK;
  }
  const char *hint = ladon__suggest(name, desc_name_at, p->descs, p->n);
  char of[160] = "";
  if (p->owner) snprintf(of, sizeof of, " of '%s'", p->owner);
  if (hint)
    return ladon__error_set(err, LADON_ENOENT, NULL, 0, 0,
                            "unknown parameter %s%s (did you mean '%s'?)",
                            ladon__quote(quoted, sizeof quoted, name), of,
                            hint);
  return ladon__error_set(err, LADON_ENOENT, NULL, 0, 0,
                          "unknown parameter %s%s",
                          ladon__quote(quoted, sizeof quoted, name), of);
}

/* Prefixes the message of `inner` with the parameter's name into `err`. */
static ladon_status named(ladon_error *err, const char *name,
                          const ladon_error *inner) {
  return ladon__error_set(err, inner->code, NULL, 0, 0, "parameter '%s': %s",
                          name, inner->text);
}

/* Checks bounds and stores `v`; `text` is copied for strings. */
static ladon_status store(ladon_params *p, long i, ladon__pvalue v,
                          ladon_error *err) {
  const ladon_param_desc *d = &p->descs[i];
  ladon_error inner;
  ladon_error_clear(&inner);
  if (ladon__param_check_bounds(d, &v, &inner) != LADON_OK)
    return named(err, d->name, &inner);
  struct slot *s = &p->slots[i];
  char *copy = NULL;
  if (d->type == LADON_PARAM_STRING) {
    copy = strdup(v.s);
    if (copy == NULL)
      return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
    v.s = copy;
  }
  free(s->owned);
  s->owned = copy;
  s->v = v;
  s->set = 1;
  return LADON_OK;
}

ladon_status ladon_params_set(ladon_params *params, const char *name,
                              const char *text, ladon_error *err) {
  long i;
  ladon_status st = find_for_set(params, name, &i, err);
  if (st != LADON_OK) return st;
  const ladon_param_desc *d = &params->descs[i];
  ladon_error inner;
  ladon_error_clear(&inner);
  ladon__pvalue v;
  if (ladon__param_parse(d, text, &v, &inner) != LADON_OK)
    return named(err, d->name, &inner);
  return store(params, i, v, err);
}

/* How to write a value of `d`'s type, for typed setters given the wrong
   kind of value. */
static ladon_status wrong_kind(ladon_error *err, const ladon_param_desc *d,
                               const char *given) {
  static const char *const how[] = {
      "true or false",
      "a non-negative integer such as 42 or \"0x2a\"",
      "a number such as 0.75",
      "a string",
      "one of its choices, as a string",
      "a string with a unit, such as \"120ns\"",
      "a string with a unit, such as \"4KiB\"",
      "a string with a unit, such as \"8GT/s\"",
      "a string with a unit, such as \"1GHz\"",
  };
  return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                          "parameter '%s': expected %s, got %s", d->name,
                          how[d->type], given);
}

ladon_status ladon_params_set_u64(ladon_params *params, const char *name,
                                  uint64_t value, ladon_error *err) {
  long i;
  ladon_status st = find_for_set(params, name, &i, err);
  if (st != LADON_OK) return st;
  const ladon_param_desc *d = &params->descs[i];
  if (d->type == LADON_PARAM_DOUBLE)
    return ladon_params_set_double(params, name, (double)value, err);
  if (d->type != LADON_PARAM_U64) return wrong_kind(err, d, "an integer");
  ladon__pvalue v = {value, 0.0, NULL};
  return store(params, i, v, err);
}

ladon_status ladon_params_set_double(ladon_params *params, const char *name,
                                     double value, ladon_error *err) {
  long i;
  ladon_status st = find_for_set(params, name, &i, err);
  if (st != LADON_OK) return st;
  const ladon_param_desc *d = &params->descs[i];
  if (d->type != LADON_PARAM_DOUBLE) return wrong_kind(err, d, "a number");
  if (!isfinite(value))
    return ladon__error_set(err, LADON_ERANGE, NULL, 0, 0,
                            "parameter '%s': expected a finite number",
                            d->name);
  ladon__pvalue v = {0, value, NULL};
  return store(params, i, v, err);
}

ladon_status ladon_params_set_bool(ladon_params *params, const char *name,
                                   bool value, ladon_error *err) {
  long i;
  ladon_status st = find_for_set(params, name, &i, err);
  if (st != LADON_OK) return st;
  const ladon_param_desc *d = &params->descs[i];
  if (d->type != LADON_PARAM_BOOL)
    return wrong_kind(err, d, value ? "true" : "false");
  ladon__pvalue v = {value ? 1u : 0u, 0.0, NULL};
  return store(params, i, v, err);
}

ladon_status ladon_params_resolve(ladon_params *params, ladon_error *err) {
  if (params == NULL)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "no parameter set");
  if (params->resolved) return LADON_OK;
  for (size_t i = 0; i < params->n; i++) {
    const ladon_param_desc *d = &params->descs[i];
    struct slot *s = &params->slots[i];
    if (s->set) continue;
    if (d->default_value == NULL) {
      char of[160] = "";
      if (params->owner) snprintf(of, sizeof of, " of '%s'", params->owner);
      return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                              "missing required parameter '%s'%s (%s)",
                              d->name, of, d->description);
    }
    /* The table check proved every default parses and is in bounds; a
       string default is borrowed from the static table. */
    ladon_error inner;
    ladon_error_clear(&inner);
    if (ladon__param_parse(d, d->default_value, &s->v, &inner) != LADON_OK)
      return named(err, d->name, &inner);
  }
  params->resolved = 1;
  return LADON_OK;
}

const ladon_param_desc *ladon_params_descs(const ladon_params *params,
                                           size_t *out_n) {
  if (out_n) *out_n = params ? params->n : 0;
  return params ? params->descs : NULL;
}

int ladon_params_is_set(const ladon_params *params, const char *name) {
  if (params == NULL) return -1;
  long i = find(params, name);
  return i < 0 ? -1 : params->slots[i].set;
}

/* The slot a getter reads, or abort() naming the bug. */
static const struct slot *get(const ladon_params *p, const char *name,
                              ladon_param_type want, ladon_param_type also,
                              const char *getter) {
  const char *owner = p && p->owner ? p->owner : "?";
  if (p == NULL || !p->resolved) {
    fprintf(stderr,
            "ladon: bug: %s('%s') on %s parameters of '%s'\n", getter,
            name ? name : "(null)", p ? "unresolved" : "NULL", owner);
    abort();
  }
  long i = find(p, name);
  if (i < 0) {
    fprintf(stderr, "ladon: bug: %s('%s'): '%s' declares no such parameter\n",
            getter, name ? name : "(null)", owner);
    abort();
  }
  ladon_param_type t = p->descs[i].type;
  if (t != want && t != also) {
    fprintf(stderr, "ladon: bug: %s('%s'): '%s' declares it as %s\n", getter,
            name, owner, ladon_param_type_name(t));
    abort();
  }
  return &p->slots[i];
}

#define GET(want, getter) get(params, name, want, want, getter)

ladon_time_ps ladon_params_time_ps(const ladon_params *params,
                                   const char *name) {
  return GET(LADON_PARAM_TIME, "ladon_params_time_ps")->v.u;
}

uint64_t ladon_params_bytes(const ladon_params *params, const char *name) {
  return GET(LADON_PARAM_SIZE, "ladon_params_bytes")->v.u;
}

uint64_t ladon_params_u64(const ladon_params *params, const char *name) {
  return GET(LADON_PARAM_U64, "ladon_params_u64")->v.u;
}

bool ladon_params_bool(const ladon_params *params, const char *name) {
  return GET(LADON_PARAM_BOOL, "ladon_params_bool")->v.u != 0;
}

double ladon_params_double(const ladon_params *params, const char *name) {
  return GET(LADON_PARAM_DOUBLE, "ladon_params_double")->v.d;
}

const char *ladon_params_string(const ladon_params *params, const char *name) {
  const struct slot *s = get(params, name, LADON_PARAM_STRING,
                             LADON_PARAM_ENUM, "ladon_params_string");
  long i = find(params, name);
  if (params->descs[i].type == LADON_PARAM_ENUM)
    return params->descs[i].choices[s->v.u];
  return s->v.s;
}

size_t ladon_params_enum(const ladon_params *params, const char *name) {
  return (size_t)GET(LADON_PARAM_ENUM, "ladon_params_enum")->v.u;
}

uint64_t ladon_params_rate(const ladon_params *params, const char *name) {
  return GET(LADON_PARAM_RATE, "ladon_params_rate")->v.u;
}

uint64_t ladon_params_freq_hz(const ladon_params *params, const char *name) {
  return GET(LADON_PARAM_FREQ, "ladon_params_freq_hz")->v.u;
}

ladon_time_ps ladon_params_period_ps(const ladon_params *params,
                                     const char *name) {
  uint64_t hz = GET(LADON_PARAM_FREQ, "ladon_params_period_ps")->v.u;
  ladon_time_ps ps = 0;
  ladon_freq_period_ps(hz, &ps); /* exact: checked when the value was set */
  return ps;
}

char *ladon_params_format(const ladon_params *params, const char *name,
                          char *buf, size_t size) {
  if (params == NULL || !params->resolved || buf == NULL) return NULL;
  long i = find(params, name);
  if (i < 0) return NULL;
  return ladon__param_format(&params->descs[i], &params->slots[i].v, buf,
                             size);
}
