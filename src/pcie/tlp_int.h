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
