/*
** Interval maps as a sorted array of disjoint closed ranges.  Tables are
** programmed rarely and looked up on every TLP, so lookups are a binary
** search and updates shift the array.
*/
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ladon/imap.h"
#include "pcie/imap_int.h"
#include "sim/error_int.h"

ladon_imap *ladon_imap_new(const char *name, uint32_t domain) {
  ladon_imap *m = calloc(1, sizeof *m);
  if (m == NULL) return NULL;
  m->name = strdup(name ? name : "");
  if (m->name == NULL) {
    free(m);
    return NULL;
  }
  m->domain = domain;
  return m;
}

void ladon_imap_free(ladon_imap *m) {
  if (m == NULL) return;
  free(m->v);
  free(m->name);
  free(m);
}

const char *ladon_imap_name(const ladon_imap *m) { return m->name; }
uint32_t ladon_imap_domain(const ladon_imap *m) { return m->domain; }
size_t ladon_imap_count(const ladon_imap *m) { return m->n; }

const ladon_imap_entry *ladon_imap_at(const ladon_imap *m, size_t i) {
  return i < m->n ? &m->v[i] : NULL;
}

const ladon_imap_entry *ladon_imap_lookup(const ladon_imap *m, uint64_t addr) {
  return ladon__imap_lookup(m, addr);
}

static int reserve(ladon_imap *m, size_t n) {
  if (n <= m->cap) return 1;
  size_t cap = m->cap ? m->cap * 2 : 8;
  while (cap < n) cap *= 2;
  ladon_imap_entry *v = realloc(m->v, cap * sizeof *v);
  if (v == NULL) return 0;
  m->v = v;
  m->cap = cap;
  return 1;
}

ladon_status ladon_imap_insert(ladon_imap *m, const ladon_imap_entry *e,
                               ladon_error *err) {
  if (e->lo > e->hi)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "%s: range [0x%" PRIx64 ", 0x%" PRIx64 "] is empty",
                            m->name, e->lo, e->hi);
  if (e->target > UINT64_MAX - (e->hi - e->lo))
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "%s: target 0x%" PRIx64 " + size overflows 64 bits",
                            m->name, e->target);
  if (e->page_shift >= 64)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "%s: page shift %u too large", m->name,
                            e->page_shift);
  if (e->page_shift) {
    uint64_t mask = (UINT64_C(1) << e->page_shift) - 1;
    int end_aligned = e->hi == UINT64_MAX || ((e->hi + 1) & mask) == 0;
    if ((e->lo & mask) || (e->target & mask) || !end_aligned)
      return ladon__error_set(
          err, LADON_EINVAL, NULL, 0, 0,
          "%s: [0x%" PRIx64 ", 0x%" PRIx64 "] -> 0x%" PRIx64
          " is not aligned to its %" PRIu64 "-byte pages",
          m->name, e->lo, e->hi, e->target, mask + 1);
  }
  size_t i = ladon__imap_first_ending_at_or_after(m, e->lo);
  if (i < m->n && m->v[i].lo <= e->hi) {
    const ladon_imap_entry *o = &m->v[i];
    return ladon__error_set(
        err, LADON_EEXIST, NULL, 0, 0,
        "%s: entry %u [0x%" PRIx64 ", 0x%" PRIx64
        "] overlaps entry %u [0x%" PRIx64 ", 0x%" PRIx64 "]",
        m->name, e->id, e->lo, e->hi, o->id, o->lo, o->hi);
  }
  if (!reserve(m, m->n + 1))
    return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "%s: out of memory",
                            m->name);
  memmove(&m->v[i + 1], &m->v[i], (m->n - i) * sizeof *m->v);
  m->v[i] = *e;
  m->n++;
  return LADON_OK;
}

size_t ladon_imap_unmap(ladon_imap *m, uint64_t lo, uint64_t hi) {
  if (lo > hi) return 0;
  size_t touched = 0;
  size_t i = ladon__imap_first_ending_at_or_after(m, lo);
  while (i < m->n && m->v[i].lo <= hi) {
    ladon_imap_entry *e = &m->v[i];
    touched++;
    int keep_left = e->lo < lo, keep_right = e->hi > hi;
    if (keep_left && keep_right) { /* split in two */
      if (!reserve(m, m->n + 1)) return touched; /* leaves e intact */
      e = &m->v[i];
      memmove(&m->v[i + 1], &m->v[i], (m->n - i) * sizeof *m->v);
      m->n++;
      ladon_imap_entry *r = &m->v[i + 1];
      r->target += hi + 1 - r->lo;
      r->lo = hi + 1;
      e->hi = lo - 1;
      return touched;
    }
    if (keep_left) {
      e->hi = lo - 1;
      i++;
    } else if (keep_right) {
      e->target += hi + 1 - e->lo;
      e->lo = hi + 1;
      return touched;
    } else {
      memmove(&m->v[i], &m->v[i + 1], (m->n - i - 1) * sizeof *m->v);
      m->n--;
    }
  }
  return touched;
}

void ladon_imap_clear(ladon_imap *m) { m->n = 0; }

ladon_imap_result ladon_imap_translate(const ladon_imap *m, uint64_t addr,
                                       uint64_t len_bytes, uint32_t perms,
                                       uint64_t *out,
                                       const ladon_imap_entry **entry) {
  return ladon__imap_translate(m, addr, len_bytes, perms, out, entry);
}

int ladon_imap_visit(const ladon_imap *m, uint64_t lo, uint64_t hi,
                     ladon_imap_visit_fn fn, void *ctx) {
  if (lo > hi) return 0;
  for (size_t i = ladon__imap_first_ending_at_or_after(m, lo);
       i < m->n && m->v[i].lo <= hi;
       i++) {
    const ladon_imap_entry *e = &m->v[i];
    int rc = fn(ctx, e, e->lo > lo ? e->lo : lo, e->hi < hi ? e->hi : hi);
    if (rc) return rc;
  }
  return 0;
}
