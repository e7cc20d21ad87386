/*
** The walk of the isolation checker, shared by check_static.c (walk,
** switches, endpoints, NTBs, requesters) and check_host.c (root complexes,
** IOMMUs, interrupts).
*/
#ifndef LADON_FABRIC_CHECK_WALK_INT_H
#define LADON_FABRIC_CHECK_WALK_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "fabric/check_int.h"

#define CK_MAX_HOPS 24
#define CK_HOP 200
#define MSI_LO LADON__HOST_MSI_BASE
#define MSI_HI LADON__HOST_MSI_LAST

typedef struct ck_walk {
  ladon_check *c;
  uint32_t req;
  uint8_t access; /* LADON_IMAP_R / _W */
  uint16_t rid;   /* now (NTBs translate it) */
  bool crossed;   /* went through an NTB */
  unsigned depth;
  unsigned ncuts;
  bool has_data;  /* an MSI-X entry's write: the data is known */
  uint32_t data;
  char hops[CK_MAX_HOPS][CK_HOP];
} ck_walk;

/* Cut points inside (lo, hi]: a cut at p starts a piece. */
#define CK_CUTS 4096
typedef struct cuts {
  uint64_t p[CK_CUTS];
  unsigned n;
} cuts;

const char *ladon__ckw_comp_name(const ck_walk *w, uint32_t comp);
/* A hop of the chain (printf), and back. */
void ladon__ckw_push(ck_walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ladon__ckw_pop(ck_walk *w);
/* [lo, hi] of the current domain (requester = current - delta) ends at `t`. */
void ladon__ckw_emit(ck_walk *w, uint64_t lo, uint64_t hi, uint64_t delta, const ck_target *t);
void ladon__ckw_stop(ck_walk *w, uint64_t lo, uint64_t hi, uint64_t delta, uint32_t comp,
                     uint8_t why, uint32_t fn, uint64_t at, uint8_t fault);
/* Leaves component `comp` through `port` onto the link. */
void ladon__ckw_leave(ck_walk *w, uint32_t comp, const char *port, uint64_t lo, uint64_t hi,
                      uint64_t delta);
/* Cut sets, one per nesting level. */
cuts *ladon__ckw_cuts_get(ck_walk *w);
void ladon__ckw_cuts_put(ck_walk *w);
void ladon__ckw_cuts_done(cuts *k);
void ladon__ckw_cut(cuts *k, uint64_t lo, uint64_t hi, uint64_t p);
void ladon__ckw_cut_range(cuts *k, uint64_t lo, uint64_t hi, uint64_t a, uint64_t b);

/* check_host.c: a host physical range (from root port `from`, or a CPU when
** from < 0; `remapped` after a successful IOMMU translation); a memory
** request from below at root port `rp`. */
void ladon__ckw_host_hpa(ck_walk *w, uint32_t comp, int from, bool remapped, uint64_t lo,
                         uint64_t hi, uint64_t delta);
void ladon__ckw_host_up(ck_walk *w, uint32_t comp, unsigned rp, uint64_t lo, uint64_t hi,
                        uint64_t delta);

#endif
