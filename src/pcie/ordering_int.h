/*
** Transaction ordering (PCIe Base 6.0 §2.4.1, Table 2-42; 5.0 Table 2-40)
** and the bounded transmit queues the link keeps per class and VC.
*/
#ifndef LADON_PCIE_ORDERING_INT_H
#define LADON_PCIE_ORDERING_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "ladon/tlp.h"

/* A Table 2-42 entry: may the second (row) transaction pass the first? */
typedef enum ladon__pass {
  LADON__PASS_NO = 0,  /* "No": must not pass */
  LADON__PASS_MAY = 1, /* "Y/N": no requirement */
  LADON__PASS_YES = 2  /* "Yes": must be able to pass (deadlock avoidance) */
} ladon__pass;

/*
** The ordering rule for `later` (issued second) against `earlier` within
** one traffic class, with the RO / IDO / PASID exceptions of entries A2b,
** B2b, C2b, D2b and the same-Transaction-ID rule D5b.
*/
ladon__pass ladon__order_may_pass(const ladon_tlp *later,
                                  const ladon_tlp *earlier);

/* One queued TLP: the pointer, its arrival stamp (ordering age), and what
** the transmitter needs of it, computed once at enqueue. */
typedef struct ladon__txq_entry {
  ladon_tlp *tlp;
  uint64_t stamp;
  uint32_t wire_bytes;   /* bytes on this link (framing or flit-mode size) */
  uint32_t data_credits; /* flow-control data credits */
} ladon__txq_entry;

/* A FIFO ring of at most `cap` entries (allocated once). */
typedef struct ladon__txq {
  ladon__txq_entry *ring;
  uint32_t cap, head, len;
} ladon__txq;

static inline ladon__txq_entry *ladon__txq_at(const ladon__txq *q, uint32_t i) {
  uint32_t k = q->head + i;
  if (k >= q->cap) k -= q->cap;
  return &q->ring[k];
}

/* The oldest entry (the queue must not be empty). */
static inline ladon__txq_entry *ladon__txq_head(const ladon__txq *q) {
  return &q->ring[q->head];
}

static inline bool ladon__txq_push(ladon__txq *q, const ladon__txq_entry *n) {
  if (q->len == q->cap) return false;
  q->len++;
  *ladon__txq_at(q, q->len - 1) = *n;
  return true;
}

static inline ladon_tlp *ladon__txq_pop(ladon__txq *q) {
  ladon_tlp *t = q->ring[q->head].tlp;
  q->head = q->head + 1 == q->cap ? 0 : q->head + 1;
  q->len--;
  return t;
}

/*
** Whether the head of a non-posted or completion queue may be sent ahead
** of every TLP still waiting in the posted queue `p` that is older than it
** (Table 2-42 column 2).
*/
bool ladon__order_head_may_pass_posted(const ladon__txq_entry *head,
                                       const ladon__txq *p);

#endif
