/*
** Flow-control credit arithmetic (PCIe Base 6.0 §2.6.1, §3.4.2) and the
** data link layer timing tables the link schedules DLLPs by.
**
** Counters are kept modulo 2^[Field Size] as the spec's conceptual
** registers are (Table 2-51): 8 bits for header and 12 bits for data
** credits, 10/14 or 12/16 bits with Scaled Flow Control factors 4 and 16
** (Table 3-4).  The transmitter gate is Equation 2-13.
*/
#ifndef LADON_PCIE_FC_INT_H
#define LADON_PCIE_FC_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "ladon/tlp.h"

/* The six credit types of Table 2-48, in DLLP order per class. */
enum {
  LADON__FC_PH = 0,
  LADON__FC_PD = 1,
  LADON__FC_NPH = 2,
  LADON__FC_NPD = 3,
  LADON__FC_CPLH = 4,
  LADON__FC_CPLD = 5,
  LADON__FC_TYPES = 6
};

/* The three flow-control classes, as queue indices. */
enum { LADON__CLS_P = 0, LADON__CLS_NP = 1, LADON__CLS_CPL = 2, LADON__CLASSES = 3 };

/* Queue index of a ladon_tlp_class; -1 for CLASS_NONE or a bad value.
** The classes P, NP, CPL are 1, 2, 3 (ladon/tlp.h): one less is the index
** (test_fc checks the mapping). */
static inline int ladon__cls_index(ladon_tlp_class c) {
  unsigned i = (unsigned)c - 1u;
  return i < 3u ? (int)i : -1;
}

/* Credit-type names: "PH", "PD", ... */
extern const char *const ladon__fc_type_names[LADON__FC_TYPES];

/* How one credit type is counted on a link: scale and field size. */
typedef struct ladon__fc_scale {
  uint8_t shift;     /* log2 of the scale factor: 0, 2 or 4 */
  uint8_t bits;      /* [Field Size] */
  uint32_t mask;     /* 2^bits - 1: every credit update reduces by it */
} ladon__fc_scale;

static inline ladon__fc_scale ladon__fc_scale_make(unsigned shift,
                                                   unsigned bits) {
  ladon__fc_scale s;
  s.shift = (uint8_t)shift;
  s.bits = (uint8_t)bits;
  s.mask = (uint32_t)((UINT64_C(1) << bits) - 1u);
  return s;
}

/* Transmitter side of one credit type (§2.6.1.1). */
typedef struct ladon__fc_tx {
  uint32_t consumed;  /* CREDITS_CONSUMED mod 2^bits */
  uint32_t limit;     /* CREDIT_LIMIT mod 2^bits */
  bool infinite;      /* advertised infinite at InitFC */
} ladon__fc_tx;

/* Receiver side of one credit type (§2.6.1.2). */
typedef struct ladon__fc_rx {
  uint32_t allocated; /* CREDITS_ALLOCATED mod 2^bits */
  uint32_t received;  /* CREDITS_RECEIVED mod 2^bits */
  uint32_t sent;      /* CREDITS_ALLOCATED as last sent in an FC DLLP */
  uint32_t held;      /* credits of TLPs received and not yet consumed */
  uint32_t buffer;    /* buffer size in credits */
  bool infinite;
} ladon__fc_rx;

static inline uint32_t ladon__fc_mask(ladon__fc_scale s) { return s.mask; }

/*
** Equation 2-13, the Transmitter Gate: may a TLP needing `need` credits
** pass, given CREDIT_LIMIT and CREDITS_CONSUMED?
**   (CREDIT_LIMIT - (CREDITS_CONSUMED + need)) mod 2^F <= 2^F / 2
*/
static inline bool ladon__fc_gate(const ladon__fc_tx *t, ladon__fc_scale s,
                                  uint32_t need) {
  uint32_t m = ladon__fc_mask(s);
  uint32_t required = (t->consumed + need) & m;
  if (t->infinite || need == 0) return true;
  return ((t->limit - required) & m) <= (m + 1u) / 2u;
}

/* The FC DLLP field value for CREDITS_ALLOCATED (Table 3-4 "Transmitted"),
** and the CREDIT_LIMIT a receiver of that field reconstructs. */
static inline uint32_t ladon__fc_field(uint32_t allocated, ladon__fc_scale s,
                                       bool hdr) {
  return (allocated >> s.shift) & (hdr ? 0xffu : 0xfffu);
}
static inline uint32_t ladon__fc_limit_from_field(uint32_t field,
                                                  ladon__fc_scale s) {
  return (field << s.shift) & ladon__fc_mask(s);
}

/* Credits the far transmitter can still use, as the receiver sees it:
** what it was last told minus what has arrived. */
static inline uint32_t ladon__fc_rx_available(const ladon__fc_rx *r,
                                              ladon__fc_scale s) {
  uint32_t m = ladon__fc_mask(s);
  uint32_t told = r->sent & ~((1u << s.shift) - 1u);
  return (told - r->received) & m;
}

/*
** Picks the scale for a buffer of `credits` of a header (`hdr`) or data
** type: the smallest factor of Table 3-4 whose Max Credits holds it, or
** factor 1 when scaled flow control is not active.  Returns false when no
** factor can express the buffer (*max_out then holds the largest allowed).
*/
bool ladon__fc_pick_scale(uint32_t credits, bool hdr, bool scaled,
                          ladon__fc_scale *out, uint32_t *max_out);

/* ---- DLL timing tables --------------------------------------------------- */

/*
** Ack Latency Limit (§3.6.3.1 Tables 3-10..3-12) and UpdateFC latency
** guideline (§2.6.1.2 Tables 2-52..2-54) in symbol times; both tables hold
** the same values.  0 when outside the tables.
*/
uint32_t ladon__ack_latency_syms(unsigned gen, unsigned width, uint32_t mps);

#endif
