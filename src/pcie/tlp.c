/*
** TLP names, classification, sizes and wire cost.  The codec lives in
** tlp_codec.c, the rules in tlp_check.c, the text forms in tlp_text.c and
** tlp_parse.c.
*/
#include <ctype.h>
#include <string.h>

#include "ladon/tlp.h"
#include "pcie/tlp_int.h"
#include "sim/error_int.h"

/* The simulator keeps many TLPs in flight: DESIGN §7 budgets 256 B per TLP
** including link and queue metadata, so the struct itself stays small. */
_Static_assert(sizeof(ladon_tlp) <= 96, "ladon_tlp must stay compact");

static const char *const type_names[LADON_TLP__TYPE_COUNT] = {
    [LADON_TLP_NONE] = "?",         [LADON_TLP_MRD] = "MRd",
    [LADON_TLP_MRDLK] = "MRdLk",    [LADON_TLP_MWR] = "MWr",
    [LADON_TLP_IORD] = "IORd",      [LADON_TLP_IOWR] = "IOWr",
    [LADON_TLP_CFGRD0] = "CfgRd0",  [LADON_TLP_CFGWR0] = "CfgWr0",
    [LADON_TLP_CFGRD1] = "CfgRd1",  [LADON_TLP_CFGWR1] = "CfgWr1",
    [LADON_TLP_MSG] = "Msg",        [LADON_TLP_MSGD] = "MsgD",
    [LADON_TLP_CPL] = "Cpl",        [LADON_TLP_CPLD] = "CplD",
    [LADON_TLP_CPLLK] = "CplLk",    [LADON_TLP_CPLDLK] = "CplDLk",
    [LADON_TLP_FETCHADD] = "FetchAdd", [LADON_TLP_SWAP] = "Swap",
    [LADON_TLP_CAS] = "CAS",        [LADON_TLP_DMWR] = "DMWr",
};

/* PCIe Base 6.0 Table 2-3, non-flit Fmt[2:0] / Type[4:0]; Fmt[0] (4 DW) is
** added by the encoder for 64-bit addresses and messages. */
const ladon__tlp_fmt_type ladon__tlp_encodings[LADON_TLP__TYPE_COUNT] = {
    [LADON_TLP_NONE] = {0, 0},
    [LADON_TLP_MRD] = {0x0, 0x00},      [LADON_TLP_MRDLK] = {0x0, 0x01},
    [LADON_TLP_MWR] = {0x2, 0x00},      [LADON_TLP_IORD] = {0x0, 0x02},
    [LADON_TLP_IOWR] = {0x2, 0x02},     [LADON_TLP_CFGRD0] = {0x0, 0x04},
    [LADON_TLP_CFGWR0] = {0x2, 0x04},   [LADON_TLP_CFGRD1] = {0x0, 0x05},
    [LADON_TLP_CFGWR1] = {0x2, 0x05},   [LADON_TLP_MSG] = {0x0, 0x10},
    [LADON_TLP_MSGD] = {0x2, 0x10},     [LADON_TLP_CPL] = {0x0, 0x0a},
    [LADON_TLP_CPLD] = {0x2, 0x0a},     [LADON_TLP_CPLLK] = {0x0, 0x0b},
    [LADON_TLP_CPLDLK] = {0x2, 0x0b},   [LADON_TLP_FETCHADD] = {0x2, 0x0c},
    [LADON_TLP_SWAP] = {0x2, 0x0d},     [LADON_TLP_CAS] = {0x2, 0x0e},
    [LADON_TLP_DMWR] = {0x2, 0x1b},
};

static bool type_valid(unsigned t) {
  return t > LADON_TLP_NONE && t < LADON_TLP__TYPE_COUNT;
}

const char *ladon_tlp_type_name(ladon_tlp_type type) {
  return type_valid((unsigned)type) ? type_names[type] : "?";
}

ladon_tlp_type ladon_tlp_type_from_name(const char *name) {
  if (name == NULL) return LADON_TLP_NONE;
  for (unsigned t = LADON_TLP_NONE + 1; t < LADON_TLP__TYPE_COUNT; t++) {
    const char *a = type_names[t], *b = name;
    while (*a && *b && tolower((unsigned char)*a) == tolower((unsigned char)*b))
      a++, b++;
    if (*a == '\0' && *b == '\0') return (ladon_tlp_type)t;
  }
  return LADON_TLP_NONE;
}

/* The exported functions below may not call each other inline (a shared
** library's exported symbols can be interposed), and the datapath calls
** them for every TLP at every hop: they share these inline bodies. */

/* PCIe Base 6.0 §2.6.1: MWr and messages use Posted credits; completions
** Completion credits; every other request (reads, I/O and configuration
** writes, AtomicOps, DMWr) Non-Posted credits. */
static inline ladon_tlp_class class_of(unsigned t) {
  if (!type_valid(t)) return LADON_TLP_CLASS_NONE;
  if (t == LADON_TLP_MWR || ladon__tlp_is_msg(t)) return LADON_TLP_CLASS_P;
  if (ladon__tlp_is_cpl(t)) return LADON_TLP_CLASS_CPL;
  return LADON_TLP_CLASS_NP;
}

static inline bool has_data(unsigned t) {
  return type_valid(t) && (ladon__tlp_encodings[t].fmt & 0x2) != 0;
}

/* §2.2.4.1: memory requests pick 3 or 4 DW by address; messages are always
** 4 DW (Table 2-3 Fmt x01b); I/O, Cfg and completions always 3 DW. */
static inline unsigned header_dw(const ladon_tlp *tlp) {
  if (tlp == NULL || !type_valid(tlp->type)) return 0;
  if (ladon__tlp_is_msg(tlp->type)) return 4;
  if (ladon__tlp_is_mem_space(tlp->type))
    return (tlp->flags & LADON_TLP_F_ADDR64) ? 4 : 3;
  return 3;
}

static inline unsigned prefix_dw(const ladon_tlp *tlp) {
  return (tlp != NULL && (tlp->flags & LADON_TLP_F_PASID)) ? 1 : 0;
}

static inline uint32_t payload_bytes(const ladon_tlp *tlp) {
  if (tlp == NULL || !has_data(tlp->type)) return 0;
  return (uint32_t)tlp->length_dw * 4u;
}

ladon_tlp_class ladon_tlp_type_class(ladon_tlp_type type) {
  return class_of((unsigned)type);
}

bool ladon_tlp_is_posted(ladon_tlp_type type) {
  return class_of((unsigned)type) == LADON_TLP_CLASS_P;
}

bool ladon_tlp_is_non_posted(ladon_tlp_type type) {
  return class_of((unsigned)type) == LADON_TLP_CLASS_NP;
}

bool ladon_tlp_is_completion(ladon_tlp_type type) {
  return class_of((unsigned)type) == LADON_TLP_CLASS_CPL;
}

bool ladon_tlp_type_has_data(ladon_tlp_type type) {
  return has_data((unsigned)type);
}

unsigned ladon_tlp_header_dw(const ladon_tlp *tlp) { return header_dw(tlp); }

unsigned ladon_tlp_prefix_dw(const ladon_tlp *tlp) { return prefix_dw(tlp); }

uint32_t ladon_tlp_payload_bytes(const ladon_tlp *tlp) {
  return payload_bytes(tlp);
}

uint32_t ladon_tlp_data_credits(const ladon_tlp *tlp) {
  uint32_t dw = payload_bytes(tlp) / 4u;
  return (dw + 3u) / 4u; /* one data credit = 4 DW (§2.6.1) */
}

/* Bytes enabled by a BE nibble. */
static unsigned be_bytes(unsigned be) {
  return (be & 1u) + ((be >> 1) & 1u) + ((be >> 2) & 1u) + ((be >> 3) & 1u);
}

uint32_t ladon_tlp_request_bytes(const ladon_tlp *tlp) {
  if (tlp == NULL || !type_valid(tlp->type)) return 0;
  unsigned t = tlp->type;
  if (ladon__tlp_is_atomic(t)) /* Table 2-15: CAS carries two operands */
    return (uint32_t)tlp->length_dw * (t == LADON_TLP_CAS ? 2u : 4u);
  if (ladon__tlp_is_msg(t) || ladon__tlp_is_cpl(t)) return 0;
  if (tlp->length_dw <= 1) return be_bytes(tlp->first_be);
  /* §2.2.5.1: whole DWs in the middle, the enabled bytes at either end. */
  return (uint32_t)(tlp->length_dw - 2u) * 4u + be_bytes(tlp->first_be) +
         be_bytes(tlp->last_be);
}

uint32_t ladon_tlp_wire_bytes(const ladon_tlp *tlp, unsigned gen, bool flit) {
  if (tlp == NULL || !type_valid(tlp->type)) return 0;
  if (flit || gen < 1 || gen > 5) return 0; /* flit mode: the link's model */
  uint32_t tlp_bytes = 4u * (prefix_dw(tlp) + header_dw(tlp)) +
                       payload_bytes(tlp) +
                       ((tlp->flags & LADON_TLP_F_TD) ? 4u : 0u);
  /* Gen1/2: STP symbol (1) + reserved/sequence number (2) + LCRC (4) + END
  ** symbol (1).  Gen3-5: the 4-symbol STP Token carries the sequence number,
  ** then LCRC (4); there is no END.  Both are 8 bytes. */
  uint32_t framing = (gen <= 2) ? 1u + 2u + 4u + 1u : 4u + 4u;
  return tlp_bytes + framing;
}

int32_t ladon_tlp_route_id(const ladon_tlp *tlp) {
  if (tlp == NULL) return -1;
  if (ladon__tlp_is_cpl(tlp->type)) return tlp->req_id;
  if (ladon__tlp_is_cfg(tlp->type)) return tlp->target_id;
  if (ladon__tlp_is_msg(tlp->type) && tlp->msg_route == LADON_TLP_ROUTE_ID)
    return (int32_t)(tlp->addr >> 48); /* bytes 8-9, Table 2-8 */
  return -1;
}

ladon_status ladon_tlp_set_range(ladon_tlp *tlp, uint64_t addr,
                                 uint32_t len_bytes, ladon_error *err) {
  if (tlp == NULL)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "TLP is NULL");
  if (len_bytes > 0 && addr + (len_bytes - 1u) < addr)
    return ladon__error_set(err, LADON_ERANGE, NULL, 0, 0,
                            "range of %u bytes at 0x%llx wraps past 2^64",
                            len_bytes, (unsigned long long)addr);
  uint64_t first_dw = addr >> 2;
  uint64_t last_dw = len_bytes ? (addr + len_bytes - 1u) >> 2 : first_dw;
  uint64_t n_dw = last_dw - first_dw + 1u;
  if (n_dw > 1024)
    return ladon__error_set(err, LADON_ERANGE, NULL, 0, 0,
                            "%u bytes at 0x%llx need %llu DW; Length is at "
                            "most 1024 DW (PCIe Base 6.0 Table 2-4)",
                            len_bytes, (unsigned long long)addr,
                            (unsigned long long)n_dw);
  unsigned first = 0xfu << (addr & 3u);
  unsigned last = len_bytes ? 0xfu >> (3u - ((addr + len_bytes - 1u) & 3u)) : 0;
  tlp->addr = addr & ~(uint64_t)3;
  tlp->length_dw = (uint16_t)n_dw;
  if (len_bytes == 0) { /* zero-length request, §2.2.5.1 */
    tlp->first_be = 0;
    tlp->last_be = 0;
  } else if (n_dw == 1) { /* one DW: only First BE, Last BE must be 0 */
    tlp->first_be = (uint8_t)(first & last & 0xfu);
    tlp->last_be = 0;
  } else {
    tlp->first_be = (uint8_t)(first & 0xfu);
    tlp->last_be = (uint8_t)last;
  }
  if (tlp->addr >> 32)
    tlp->flags |= LADON_TLP_F_ADDR64;
  else
    tlp->flags &= (uint16_t)~LADON_TLP_F_ADDR64;
  return LADON_OK;
}
