/*
** Internals of interval maps (ladon/imap.h): the structure, and inline forms
** of lookup and translate that the exported functions share, so that a
** model translating every TLP (the NTB) makes no call.
*/
#ifndef LADON_PCIE_IMAP_INT_H
#define LADON_PCIE_IMAP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ladon/imap.h"

struct ladon_imap {
  char *name;
  uint32_t domain;
  ladon_imap_entry *v; /* sorted by lo, disjoint */
  size_t n, cap;
};

/* Index of the first entry with hi >= addr (m->n when none). */
static inline size_t ladon__imap_first_ending_at_or_after(const ladon_imap *m,
                                                          uint64_t addr) {
  size_t lo = 0, hi = m->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (m->v[mid].hi < addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* ladon_imap_lookup(). */
static inline const ladon_imap_entry *ladon__imap_lookup(const ladon_imap *m,
                                                         uint64_t addr) {
  size_t i = ladon__imap_first_ending_at_or_after(m, addr);
  if (i < m->n && m->v[i].lo <= addr) return &m->v[i];
  return NULL;
}

/* ladon_imap_translate(). */
static inline ladon_imap_result ladon__imap_translate(const ladon_imap *m, uint64_t addr,
                                                      uint64_t len_bytes, uint32_t perms,
                                                      uint64_t *out,
                                                      const ladon_imap_entry **entry) {
  const ladon_imap_entry *e = ladon__imap_lookup(m, addr);
  if (entry) *entry = e;
  if (e == NULL) return LADON_IMAP_MISS;
  if ((e->perms & perms) != perms) return LADON_IMAP_DENIED;
  uint64_t last = addr + (len_bytes ? len_bytes - 1 : 0);
  if (last < addr || last > e->hi) return LADON_IMAP_SPLIT;
  if (out) *out = e->target + (addr - e->lo);
  return LADON_IMAP_HIT;
}

#endif /* LADON_PCIE_IMAP_INT_H */
