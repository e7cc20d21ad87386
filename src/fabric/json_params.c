/*
** Component parameters from a JSON object: each member goes through the
** same ladon_params setters a library user calls, and their messages come
** back with the position and path of the offending value.
*/
#include <stdlib.h>
#include <string.h>

#include "fabric/json_int.h"
#include "sim/component_int.h"
#include "sim/error_int.h"

struct names {
  const ladon_param_desc *descs;
  size_t n_descs;
  const char *const *skip;
};

static const char *name_at(const void *ctx, size_t i) {
  const struct names *nm = (const struct names *)ctx;
  return i < nm->n_descs ? nm->descs[i].name : nm->skip[i - nm->n_descs];
}

static const ladon_param_desc *desc_of(const ladon_param_desc *descs, size_t n,
                                       const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(descs[i].name, name) == 0) return &descs[i];
  return NULL;
}

static ladon_status set_one(const ladon__json_doc *doc, ladon__json_node m,
                            const ladon_param_desc *d, ladon_params *params,
                            ladon_error *err) {
  json_t *v = ladon__json_value(doc, m);
  ladon_error inner;
  ladon_error_clear(&inner);
  ladon_status st;
  switch (ladon__json_kind(v)) {
    case LADON__JSON_STRING:
      st = ladon_params_set(params, d->name, json_string_value(v), &inner);
      break;
    case LADON__JSON_INTEGER: {
      json_int_t i = json_integer_value(v);
      if (d->type == LADON_PARAM_DOUBLE)
        st = ladon_params_set_double(params, d->name, (double)i, &inner);
      else if (i < 0 && d->type == LADON_PARAM_U64)
        return ladon__json_error(doc, m, err, LADON_ERANGE,
                                 "parameter '%s': expected a non-negative "
                                 "integer, got %lld",
                                 d->name, (long long)i);
      else
        st = ladon_params_set_u64(params, d->name, (uint64_t)i, &inner);
      break;
    }
    case LADON__JSON_REAL:
      st = ladon_params_set_double(params, d->name, json_real_value(v), &inner);
      break;
    case LADON__JSON_BOOL:
      st = ladon_params_set_bool(params, d->name, json_is_true(v), &inner);
      break;
    default:
      return ladon__json_error(doc, m, err, LADON_EPARSE,
                               "parameter '%s': expected a %s value, got %s",
                               d->name, ladon_param_type_name(d->type),
                               ladon__json_kind_name(v));
  }
  if (st == LADON_OK) return LADON_OK;
  return ladon__json_error(doc, m, err, st, "%s", inner.text);
}

ladon_status ladon__json_params_apply(const ladon__json_doc *doc,
                                      ladon__json_node obj,
                                      ladon_params *params,
                                      const char *const *skip, size_t n_skip,
                                      ladon_error *err) {
  ladon_status st = ladon__json_expect(doc, obj, LADON__JSON_OBJECT, err);
  if (st != LADON_OK) return st;
  size_t n_descs;
  const ladon_param_desc *descs = ladon_params_descs(params, &n_descs);
  size_t size = ladon__json_size(doc, obj);
  for (size_t i = 0; i < size; i++) {
    ladon__json_node m = ladon__json_child(doc, obj, i);
    const char *key = ladon__json_key(doc, m);
    size_t s = 0;
    while (s < n_skip && strcmp(skip[s], key) != 0) s++;
    if (s < n_skip) continue;
    const ladon_param_desc *d = desc_of(descs, n_descs, key);
    if (d == NULL) {
      struct names nm = {descs, n_descs, skip};
      const char *hint = ladon__suggest(key, name_at, &nm, n_descs + n_skip);
      char quoted[LADON__QUOTE_BUF];
      ladon__quote(quoted, sizeof quoted, key);
      if (hint)
        return ladon__json_key_error(doc, m, err, LADON_ENOENT,
                                     "unknown parameter %s (did you mean "
                                     "'%s'?)",
                                     quoted, hint);
      return ladon__json_key_error(doc, m, err, LADON_ENOENT,
                                   "unknown parameter %s", quoted);
    }
    st = set_one(doc, m, d, params, err);
    if (st != LADON_OK) return st;
  }
  return LADON_OK;
}

ladon_status ladon__json_params_resolve(const ladon__json_doc *doc,
                                        ladon__json_node obj,
                                        ladon_params *params,
                                        ladon_error *err) {
  ladon_error inner;
  ladon_error_clear(&inner);
  ladon_status st = ladon_params_resolve(params, &inner);
  if (st == LADON_OK) return LADON_OK;
  return ladon__json_error(doc, obj, err, st, "%s", inner.text);
}
