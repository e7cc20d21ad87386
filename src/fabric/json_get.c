/* Type-checked access to members of an indexed JSON document. */
#include <stdio.h>
#include <string.h>

#include "fabric/json_int.h"
#include "ladon/units.h"
#include "sim/component_int.h"
#include "sim/error_int.h"

/* "a string", "a string or an integer", "an object, an array or null". */
static void kinds_text(unsigned kinds, char *buf, size_t size) {
  static const struct {
    unsigned bit;
    const char *name;
  } names[] = {
      {LADON__JSON_OBJECT, "an object"}, {LADON__JSON_ARRAY, "an array"},
      {LADON__JSON_STRING, "a string"},  {LADON__JSON_INTEGER, "an integer"},
      {LADON__JSON_REAL, "a number"},    {LADON__JSON_BOOL, "a boolean"},
      {LADON__JSON_NULL, "null"},
  };
  if ((kinds & LADON__JSON_NUMBER) == LADON__JSON_NUMBER)
    kinds &= ~(unsigned)LADON__JSON_INTEGER; /* "a number" covers both */
  size_t total = 0, seen = 0, o = 0;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (kinds & names[i].bit) total++;
  buf[0] = '\0';
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (!(kinds & names[i].bit)) continue;
    const char *sep = seen == 0 ? "" : seen + 1 == total ? " or " : ", ";
    int w = snprintf(buf + o, size - o, "%s%s", sep, names[i].name);
    if (w < 0 || (size_t)w >= size - o) return;
    o += (size_t)w;
    seen++;
  }
}

ladon_status ladon__json_expect(const ladon__json_doc *doc,
                                ladon__json_node node, unsigned kinds,
                                ladon_error *err) {
  json_t *v = ladon__json_value(doc, node);
  if (v && (ladon__json_kind(v) & kinds)) return LADON_OK;
  char want[96];
  kinds_text(kinds, want, sizeof want);
  return ladon__json_error(doc, node, err, LADON_EPARSE, "expected %s, got %s",
                           want, ladon__json_kind_name(v));
}

ladon_status ladon__json_member(const ladon__json_doc *doc,
                                ladon__json_node obj, const char *key,
                                unsigned kinds, bool required,
                                ladon__json_node *out, ladon_error *err) {
  ladon_status st = ladon__json_expect(doc, obj, LADON__JSON_OBJECT, err);
  if (st != LADON_OK) return st;
  ladon__json_node m = ladon__json_find(doc, obj, key);
  if (m == LADON__JSON_NONE) {
    if (out) *out = LADON__JSON_NONE;
    if (!required) return LADON_OK;
    char quoted[LADON__QUOTE_BUF];
    return ladon__json_error(doc, obj, err, LADON_ENOENT,
                             "missing required key %s",
                             ladon__quote(quoted, sizeof quoted, key));
  }
  st = ladon__json_expect(doc, m, kinds, err);
  if (st != LADON_OK) return st;
  if (out) *out = m;
  return LADON_OK;
}

ladon_status ladon__json_get_string(const ladon__json_doc *doc,
                                    ladon__json_node obj, const char *key,
                                    bool required, const char **out,
                                    ladon_error *err) {
  ladon__json_node m;
  ladon_status st =
      ladon__json_member(doc, obj, key, LADON__JSON_STRING, required, &m, err);
  if (st == LADON_OK && m != LADON__JSON_NONE)
    *out = json_string_value(ladon__json_value(doc, m));
  return st;
}

/* Re-reports a unit parser's error at the value `node`. */
static ladon_status at(const ladon__json_doc *doc, ladon__json_node node,
                       const ladon_error *inner, ladon_error *err) {
  return ladon__json_error(doc, node, err, inner->code, "%s", inner->text);
}

ladon_status ladon__json_get_u64(const ladon__json_doc *doc,
                                 ladon__json_node obj, const char *key,
                                 bool required, uint64_t *out,
                                 ladon_error *err) {
  ladon__json_node m;
  ladon_status st = ladon__json_member(
      doc, obj, key, LADON__JSON_INTEGER | LADON__JSON_STRING, required, &m,
      err);
  if (st != LADON_OK || m == LADON__JSON_NONE) return st;
  json_t *v = ladon__json_value(doc, m);
  if (json_is_integer(v)) {
    json_int_t i = json_integer_value(v);
    if (i < 0)
      return ladon__json_error(doc, m, err, LADON_ERANGE,
                               "expected a non-negative integer, got %lld",
                               (long long)i);
    *out = (uint64_t)i;
    return LADON_OK;
  }
  /* Strings allow hexadecimal and values above 2^63, which jansson's
     signed integers cannot hold. */
  ladon_error inner;
  ladon_error_clear(&inner);
  uint64_t u;
  if (ladon_parse_u64(json_string_value(v), &u, &inner) != LADON_OK)
    return at(doc, m, &inner, err);
  *out = u;
  return LADON_OK;
}

ladon_status ladon__json_get_bool(const ladon__json_doc *doc,
                                  ladon__json_node obj, const char *key,
                                  bool required, bool *out, ladon_error *err) {
  ladon__json_node m;
  ladon_status st =
      ladon__json_member(doc, obj, key, LADON__JSON_BOOL, required, &m, err);
  if (st == LADON_OK && m != LADON__JSON_NONE)
    *out = json_is_true(ladon__json_value(doc, m));
  return st;
}

typedef ladon_status (*unit_parser)(const char *, uint64_t *, ladon_error *);

static ladon_status get_unit(const ladon__json_doc *doc, ladon__json_node obj,
                             const char *key, bool required, uint64_t *out,
                             unit_parser parse, const char *example,
                             ladon_error *err) {
  ladon__json_node m;
  ladon_status st = ladon__json_member(doc, obj, key, LADON__JSON_ANY,
                                       required, &m, err);
  if (st != LADON_OK || m == LADON__JSON_NONE) return st;
  json_t *v = ladon__json_value(doc, m);
  if (!json_is_string(v))
    /* A bare number has no unit: refusing it is what keeps "120" from
       meaning 120 ps to one reader and 120 ns to another. */
    return ladon__json_error(doc, m, err, LADON_EPARSE,
                             "expected a string with a unit such as %s, got "
                             "%s",
                             example, ladon__json_kind_name(v));
  ladon_error inner;
  ladon_error_clear(&inner);
  uint64_t u;
  if (parse(json_string_value(v), &u, &inner) != LADON_OK)
    return at(doc, m, &inner, err);
  *out = u;
  return LADON_OK;
}

ladon_status ladon__json_get_time_ps(const ladon__json_doc *doc,
                                     ladon__json_node obj, const char *key,
                                     bool required, uint64_t *out,
                                     ladon_error *err) {
  return get_unit(doc, obj, key, required, out, ladon_parse_time_ps,
                  "\"120ns\"", err);
}

ladon_status ladon__json_get_size_bytes(const ladon__json_doc *doc,
                                        ladon__json_node obj, const char *key,
                                        bool required, uint64_t *out,
                                        ladon_error *err) {
  return get_unit(doc, obj, key, required, out, ladon_parse_size_bytes,
                  "\"4KiB\"", err);
}

ladon_status ladon__json_check_keys(const ladon__json_doc *doc,
                                    ladon__json_node obj,
                                    const char *const *allowed, size_t n,
                                    ladon_error *err) {
  ladon_status st = ladon__json_expect(doc, obj, LADON__JSON_OBJECT, err);
  if (st != LADON_OK) return st;
  size_t size = ladon__json_size(doc, obj);
  for (size_t i = 0; i < size; i++) {
    ladon__json_node m = ladon__json_child(doc, obj, i);
    const char *key = ladon__json_key(doc, m);
    size_t j = 0;
    while (j < n && strcmp(allowed[j], key) != 0) j++;
    if (j < n) continue;
    char quoted[LADON__QUOTE_BUF];
    ladon__quote(quoted, sizeof quoted, key);
    const char *hint = ladon__suggest_in(key, allowed, n);
    if (hint)
      return ladon__json_key_error(doc, m, err, LADON_EPARSE,
                                   "unknown key %s (did you mean \"%s\"?)",
                                   quoted, hint);
    /* Nothing close: list what is allowed when that stays short. */
    char list[200];
    size_t o = 0;
    list[0] = '\0';
    for (j = 0; j < n && o < sizeof list; j++) {
      int w = snprintf(list + o, sizeof list - o, "%s%s", j ? ", " : "",
                       allowed[j]);
      if (w < 0 || (size_t)w >= sizeof list - o) {
        o = sizeof list;
        break;
      }
      o += (size_t)w;
    }
    if (n > 0 && o < sizeof list)
      return ladon__json_key_error(doc, m, err, LADON_EPARSE,
                                   "unknown key %s (expected one of: %s)",
                                   quoted, list);
    return ladon__json_key_error(doc, m, err, LADON_EPARSE, "unknown key %s",
                                 quoted);
  }
  return LADON_OK;
}
