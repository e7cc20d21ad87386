/*
** The process-wide registry of component types: a sorted array of borrowed
** pointers, found by binary search.
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/component_int.h"
#include "sim/error_int.h"

extern const ladon_component_type *const ladon__builtin_components[];

static struct {
  const ladon_component_type **types; /* sorted by strcmp of name */
  size_t n, cap;
} registry;

static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static ladon_status insert(const ladon_component_type *type, ladon_error *err);

static void register_builtins(void) {
  for (size_t i = 0; ladon__builtin_components[i]; i++) {
    ladon_error err;
    ladon_error_clear(&err);
    /* A built-in table that fails its checks is a library bug; its own
       model tests catch it, and here it must not stop the others. */
    if (insert(ladon__builtin_components[i], &err) != LADON_OK)
      fprintf(stderr, "ladon: built-in component type not registered: %s\n",
              err.text);
  }
}

static void ensure_builtins(void) { pthread_once(&builtin_once, register_builtins); }

/* The index where `name` is or would be inserted; *found says which. */
static size_t lower_bound(const char *name, int *found) {
  size_t lo = 0, hi = registry.n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(registry.types[mid]->name, name) < 0) lo = mid + 1;
    else hi = mid;
  }
  *found = lo < registry.n && strcmp(registry.types[lo]->name, name) == 0;
  return lo;
}

static ladon_status insert(const ladon_component_type *type, ladon_error *err) {
  ladon_status st = ladon__component_type_check(type, err);
  if (st != LADON_OK) return st;
  int found;
  size_t at = lower_bound(type->name, &found);
  if (found)
    return ladon__error_set(err, LADON_EEXIST, NULL, 0, 0,
                            "component type '%s' is already registered",
                            type->name);
  if (registry.n == registry.cap) {
    size_t cap = registry.cap ? registry.cap * 2 : 16;
    const ladon_component_type **t =
        realloc(registry.types, cap * sizeof *registry.types);
    if (t == NULL)
      return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0,
                              "out of memory registering '%s'", type->name);
    registry.types = t;
    registry.cap = cap;
  }
  memmove(registry.types + at + 1, registry.types + at,
          (registry.n - at) * sizeof *registry.types);
  registry.types[at] = type;
  registry.n++;
  return LADON_OK;
}

ladon_status ladon_component_register(const ladon_component_type *type,
                                      ladon_error *err) {
  ensure_builtins();
  return insert(type, err);
}

ladon_status ladon_component_unregister(const char *name) {
  ensure_builtins();
  if (name == NULL) return LADON_ENOENT;
  int found;
  size_t at = lower_bound(name, &found);
  if (!found) return LADON_ENOENT;
  memmove(registry.types + at, registry.types + at + 1,
          (registry.n - at - 1) * sizeof *registry.types);
  registry.n--;
  return LADON_OK;
}

const ladon_component_type *ladon_component_find(const char *name) {
  ensure_builtins();
  if (name == NULL) return NULL;
  int found;
  size_t at = lower_bound(name, &found);
  return found ? registry.types[at] : NULL;
}

size_t ladon_component_count(void) {
  ensure_builtins();
  return registry.n;
}

const ladon_component_type *ladon_component_at(size_t i) {
  ensure_builtins();
  return i < registry.n ? registry.types[i] : NULL;
}

static const char *type_name_at(const void *ctx, size_t i) {
  (void)ctx;
  return registry.types[i]->name;
}

const char *ladon_component_suggest(const char *name) {
  ensure_builtins();
  return ladon__suggest(name, type_name_at, NULL, registry.n);
}

const char *ladon_param_type_name(ladon_param_type type) {
  static const char *const names[] = {"bool", "u64",  "double",
                                      "string", "enum", "time",
                                      "size", "rate", "freq"};
  if ((unsigned)type >= sizeof names / sizeof names[0]) return "?";
  return names[type];
}

const char *ladon_param_unit(const ladon_param_desc *desc) {
  if (desc == NULL) return "";
  if (desc->unit) return desc->unit;
  switch (desc->type) {
    case LADON_PARAM_TIME: return "ps";
    case LADON_PARAM_SIZE: return "B";
    case LADON_PARAM_FREQ: return "Hz";
    default: return "";
  }
}
