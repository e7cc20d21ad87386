/*
** Interned names for trace records.  Readers hand out `src` and `port` as
** borrowed pointers that stay valid until the reader closes, so the bytes
** live in an arena that never moves; the .ltb writer numbers names by
** their index here.  Traces name few requesters and ports, repeated on
** every record: the last hit is checked before hashing.
*/
#include <stdlib.h>
#include <string.h>

#include "ladon/tlp.h"
#include "trace/trace_int.h"

#define ARENA_BLOCK 8192u

struct ladon__arena {
  struct ladon__arena *next;
  size_t used, cap;
  char bytes[];
};

static char *arena_copy(struct ladon__arena **head, const char *s,
                        size_t len) {
  struct ladon__arena *a = *head;
  if (a == NULL || a->cap - a->used < len + 1u) {
    size_t cap = len + 1u > ARENA_BLOCK ? len + 1u : ARENA_BLOCK;
    a = malloc(sizeof *a + cap);
    if (a == NULL) return NULL;
    a->next = *head;
    a->used = 0;
    a->cap = cap;
    *head = a;
  }
  char *p = a->bytes + a->used;
  memcpy(p, s, len);
  p[len] = '\0';
  a->used += len + 1u;
  return p;
}

void ladon__names_init(ladon__names *t) { memset(t, 0, sizeof *t); }

void ladon__names_free(ladon__names *t) {
  struct ladon__arena *a = t->arena;
  while (a) {
    struct ladon__arena *next = a->next;
    free(a);
    a = next;
  }
  free(t->v);
  free(t->slots);
  memset(t, 0, sizeof *t);
}

bool ladon__name_valid(const char *s, size_t len) {
  if (len == 0 || len > LADON_TRACE_NAME_MAX) return false;
  if (len == 1 && s[0] == '-') return false; /* "-" means "none" */
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c == 0x7f) return false; /* tabs, newlines, NUL */
  }
  return true;
}

static uint32_t hash_bytes(const char *s, size_t len) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 16777619u;
  }
  return h;
}

static bool same(const ladon__name *n, const char *s, size_t len) {
  return n->len == len && memcmp(n->s, s, len) == 0;
}

static bool grow_slots(ladon__names *t) {
  uint32_t size = t->mask ? (t->mask + 1u) * 2u : 64u;
  uint32_t *slots = calloc(size, sizeof *slots);
  if (slots == NULL) return false;
  for (uint32_t i = 0; i < t->count; i++) {
    uint32_t j = t->v[i].hash & (size - 1u);
    while (slots[j]) j = (j + 1u) & (size - 1u);
    slots[j] = i + 1u;
  }
  free(t->slots);
  t->slots = slots;
  t->mask = size - 1u;
  return true;
}

long ladon__names_intern(ladon__names *t, const char *s, size_t len,
                         bool *is_new) {
  *is_new = false;
  if (t->last && same(&t->v[t->last - 1u], s, len)) return (long)t->last - 1;
  uint32_t h = hash_bytes(s, len);
  if (t->mask) {
    for (uint32_t j = h & t->mask; t->slots[j]; j = (j + 1u) & t->mask) {
      const ladon__name *n = &t->v[t->slots[j] - 1u];
      if (n->hash == h && same(n, s, len)) {
        t->last = t->slots[j];
        return (long)t->slots[j] - 1;
      }
    }
  }
  if (t->count >= LADON_TRACE_NAMES_MAX) return -1;
  *is_new = true;
  if ((t->count + 1u) * 2u > t->mask + 1u && !grow_slots(t)) return -1;
  if (t->count == t->cap) {
    uint32_t cap = t->cap ? t->cap * 2u : 16u;
    ladon__name *v = realloc(t->v, cap * sizeof *v);
    if (v == NULL) return -1;
    t->v = v;
    t->cap = cap;
  }
  char *copy = arena_copy(&t->arena, s, len);
  if (copy == NULL) return -1;
  ladon__name *n = &t->v[t->count];
  n->s = copy;
  n->len = (uint32_t)len;
  n->hash = h;
  uint16_t rid;
  n->rid = ladon_tlp_id_parse(copy, &rid, NULL) == LADON_OK ? rid : -1;
  uint32_t j = h & t->mask;
  while (t->slots[j]) j = (j + 1u) & t->mask;
  t->slots[j] = ++t->count;
  t->last = t->count;
  return (long)t->count - 1;
}
