/* Internals shared by the TLP files (tlp.c, tlp_check.c, tlp_codec.c, ...). */
#ifndef LADON_PCIE_TLP_INT_H
#define LADON_PCIE_TLP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "ladon/tlp.h"

/* Every TLP class of header layout the codec distinguishes. */
static inline bool ladon__tlp_is_mem(unsigned t) {
  return t == LADON_TLP_MRD || t == LADON_TLP_MRDLK || t == LADON_TLP_MWR ||
         t == LADON_TLP_DMWR;
}
static inline bool ladon__tlp_is_atomic(unsigned t) {
  return t == LADON_TLP_FETCHADD || t == LADON_TLP_SWAP || t == LADON_TLP_CAS;
}
/* Address-routed memory-space requests: the only ones that carry TH/PH/ST. */
static inline bool ladon__tlp_is_mem_space(unsigned t) {
  return ladon__tlp_is_mem(t) || ladon__tlp_is_atomic(t);
}
static inline bool ladon__tlp_is_io(unsigned t) {
  return t == LADON_TLP_IORD || t == LADON_TLP_IOWR;
}
static inline bool ladon__tlp_is_cfg(unsigned t) {
  return t == LADON_TLP_CFGRD0 || t == LADON_TLP_CFGWR0 ||
         t == LADON_TLP_CFGRD1 || t == LADON_TLP_CFGWR1;
}
static inline bool ladon__tlp_is_msg(unsigned t) {
  return t == LADON_TLP_MSG || t == LADON_TLP_MSGD;
}
static inline bool ladon__tlp_is_cpl(unsigned t) {
  return t == LADON_TLP_CPL || t == LADON_TLP_CPLD || t == LADON_TLP_CPLLK ||
         t == LADON_TLP_CPLDLK;
}
/* Requests whose Length refers to data without carrying it in a field. */
static inline bool ladon__tlp_is_read(unsigned t) {
  return t == LADON_TLP_MRD || t == LADON_TLP_MRDLK || t == LADON_TLP_IORD ||
         t == LADON_TLP_CFGRD0 || t == LADON_TLP_CFGRD1;
}
/* Types whose Length field is Reserved (§2.2.1.1): Cpl, CplLk, Msg. */
static inline bool ladon__tlp_length_reserved(unsigned t) {
  return t == LADON_TLP_CPL || t == LADON_TLP_CPLLK || t == LADON_TLP_MSG;
}

/*
** With TH set, MRd, DMWr and AtomicOps carry ST[7:0] in byte 7 instead of
** the byte enables (PCIe Base 6.0 §2.2.7.1.1 Table 2-19); MWr carries it in
** the Tag byte (byte 6).
*/
static inline bool ladon__tlp_st_in_be(unsigned t) {
  return t == LADON_TLP_MRD || t == LADON_TLP_MRDLK || t == LADON_TLP_DMWR ||
         ladon__tlp_is_atomic(t);
}

/*
** What the datapath asks of every TLP at every hop, per type: one table
** read instead of chains of type comparisons.  Filled in tlp.c from
** PCIe Base 6.0 §2.6.1 (class), Table 2-3 (data, header size) and §2.2.5.1
** / Table 2-15 (request size); LADON_TLP_NONE's row is all zero.
*/
enum {
  LADON__REQ_NONE = 0,   /* messages, completions: no request size */
  LADON__REQ_BE = 1,     /* byte enables count the bytes (§2.2.5.1) */
  LADON__REQ_ATOMIC = 2, /* FetchAdd, Swap: Length is the operand */
  LADON__REQ_CAS = 3     /* CAS: Length carries two operands */
};
typedef struct ladon__tlp_type_info {
  uint8_t cls;        /* ladon_tlp_class */
  uint8_t data;       /* carries a payload (Fmt[1]) */
  uint8_t hdr_dw;     /* 3 or 4; 0 for LADON_TLP_NONE */
  uint8_t hdr_by_addr;/* memory space: 4 DW with a 64-bit address (§2.2.4.1) */
  uint8_t req;        /* LADON__REQ_* */
} ladon__tlp_type_info;

/* One row per value of ladon_tlp.type (a byte), so that a TLP's own type
** needs no range check; rows past the last type are all zero too. */
extern const ladon__tlp_type_info ladon__tlp_types[256];

/* The row of type `t`; LADON_TLP_NONE's (all zero) when out of range. */
static inline const ladon__tlp_type_info *ladon__tlp_info(unsigned t) {
  return &ladon__tlp_types[t < LADON_TLP__TYPE_COUNT ? t : LADON_TLP_NONE];
}
/* The row of a TLP's type. */
static inline const ladon__tlp_type_info *ladon__tlp_info_of(const ladon_tlp *tlp) {
  return &ladon__tlp_types[tlp->type];
}

/*
** Inline forms of the exported size helpers, sharing their bodies (tlp.c
** defines the exported ones with these): the library's exported symbols
** are not inlined, and the link calls them for every TLP on every link.
** `tlp` must not be NULL.
*/
static inline ladon_tlp_class ladon__tlp_class(unsigned t) {
  return (ladon_tlp_class)ladon__tlp_info(t)->cls;
}
static inline unsigned ladon__tlp_header_dw(const ladon_tlp *tlp) {
  const ladon__tlp_type_info *i = ladon__tlp_info_of(tlp);
  return i->hdr_dw + (i->hdr_by_addr & ((tlp->flags & LADON_TLP_F_ADDR64) != 0));
}
static inline unsigned ladon__tlp_prefix_dw(const ladon_tlp *tlp) {
  return (tlp->flags & LADON_TLP_F_PASID) ? 1u : 0u;
}
static inline uint32_t ladon__tlp_payload_bytes(const ladon_tlp *tlp) {
  return ladon__tlp_info_of(tlp)->data ? (uint32_t)tlp->length_dw * 4u : 0u;
}
/* One data credit = 4 DW (§2.6.1). */
static inline uint32_t ladon__tlp_data_credits(const ladon_tlp *tlp) {
  return (ladon__tlp_payload_bytes(tlp) / 4u + 3u) / 4u;
}
/* Bytes enabled by a BE nibble: the nibble's popcount, 4 bits per entry. */
static inline unsigned ladon__tlp_be_bytes(unsigned be) {
  return (unsigned)(UINT64_C(0x4332322132212110) >> ((be & 0xfu) * 4u)) & 0xfu;
}
static inline uint32_t ladon__tlp_request_bytes(const ladon_tlp *tlp) {
  switch (ladon__tlp_info_of(tlp)->req) {
    case LADON__REQ_ATOMIC: return (uint32_t)tlp->length_dw * 4u;
    case LADON__REQ_CAS: return (uint32_t)tlp->length_dw * 2u;
    case LADON__REQ_BE: break;
    default: return 0;
  }
  if (tlp->length_dw <= 1) return ladon__tlp_be_bytes(tlp->first_be);
  /* §2.2.5.1: whole DWs in the middle, the enabled bytes at either end. */
  return (uint32_t)(tlp->length_dw - 2u) * 4u +
         ladon__tlp_be_bytes(tlp->first_be) + ladon__tlp_be_bytes(tlp->last_be);
}
/* Non-flit wire bytes at 2.5..32 GT/s (`gen` 1..5): the TLP plus 8 bytes
** of framing.  Gen1/2: STP symbol (1) + reserved/sequence number (2) +
** LCRC (4) + END symbol (1); Gen3-5: the 4-symbol STP Token carries the
** sequence number, then LCRC (4), no END.  0 for LADON_TLP_NONE. */
static inline uint32_t ladon__tlp_wire_bytes(const ladon_tlp *tlp) {
  unsigned hdr = ladon__tlp_header_dw(tlp);
  if (hdr == 0) return 0;
  return 4u * (ladon__tlp_prefix_dw(tlp) + hdr) + ladon__tlp_payload_bytes(tlp) +
         ((tlp->flags & LADON_TLP_F_TD) ? 4u : 0u) + 8u;
}

/* Fmt[2:0] and Type[4:0] of byte 0 (Table 2-3), without the 64-bit bit. */
typedef struct ladon__tlp_fmt_type {
  uint8_t fmt;  /* Fmt with Fmt[0] (4 DW) clear */
  uint8_t type; /* Type[4:0]; messages add r[2:0] */
} ladon__tlp_fmt_type;

extern const ladon__tlp_fmt_type ladon__tlp_encodings[LADON_TLP__TYPE_COUNT];

/*
** What the spec says about one Message Code (PCIe Base 6.0 §2.2.8 tables):
** the routings it may use (bit r set in `routes`), whether it has data,
** whether it must use TC0, and the section that says so.
*/
typedef struct ladon__tlp_msg_info {
  uint8_t code;
  const char *name;
  uint8_t routes;   /* bit (1 << r) for each permitted r[2:0]; 0 = any */
  uint8_t data;     /* 0 Msg only, 1 MsgD only, 2 either */
  uint8_t data_dw;  /* MsgD payload in DW when fixed, 0 = any */
  bool tc0;         /* must use TC0 */
  bool attr_ok;     /* Attr[1:0] not Reserved (Vendor-Defined) */
  bool pasid_ok;    /* a PASID prefix is permitted (§6.20) */
  const char *section;
} ladon__tlp_msg_info;

/* The entry for `code`, or NULL when the code is not defined here. */
const ladon__tlp_msg_info *ladon__tlp_msg_lookup(unsigned code);

/*
** ladon_tlp_check() with `lenient`: then a 4 DW header for an address
** below 4 GiB is accepted (the receiver's behaviour is "not specified",
** §2.2.4.1) instead of rejected.
*/
ladon_status ladon__tlp_check(const ladon_tlp *tlp, bool lenient,
                              ladon_error *err);

#endif
