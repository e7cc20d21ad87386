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
/* ladon__tlp_info_of() indexes ladon__tlp_types[256] with the type byte. */
_Static_assert(sizeof(((ladon_tlp *)0)->type) == 1, "ladon_tlp.type is a byte");

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

/* PCIe Base 6.0 §2.6.1: MWr and messages use Posted credits, completions
** Completion credits, every other request (reads, I/O and configuration
** writes, AtomicOps, DMWr) Non-Posted credits.  Table 2-3: Fmt[1] says
** whether data follows; messages are always 4 DW (Fmt x01b), memory
** requests and AtomicOps 3 or 4 DW by address (§2.2.4.1), I/O, Cfg and
** completions 3 DW.  Request sizes: §2.2.5.1 byte enables; Table 2-15
** AtomicOp operands (CAS carries two). */
#define P_ LADON_TLP_CLASS_P
#define NP_ LADON_TLP_CLASS_NP
#define CPL_ LADON_TLP_CLASS_CPL
const ladon__tlp_type_info ladon__tlp_types[256] = {
    [LADON_TLP_NONE] = {LADON_TLP_CLASS_NONE, 0, 0, 0, LADON__REQ_NONE},
    [LADON_TLP_MRD] = {NP_, 0, 3, 1, LADON__REQ_BE},
    [LADON_TLP_MRDLK] = {NP_, 0, 3, 1, LADON__REQ_BE},
    [LADON_TLP_MWR] = {P_, 1, 3, 1, LADON__REQ_BE},
    [LADON_TLP_IORD] = {NP_, 0, 3, 0, LADON__REQ_BE},
    [LADON_TLP_IOWR] = {NP_, 1, 3, 0, LADON__REQ_BE},
    [LADON_TLP_CFGRD0] = {NP_, 0, 3, 0, LADON__REQ_BE},
    [LADON_TLP_CFGWR0] = {NP_, 1, 3, 0, LADON__REQ_BE},
    [LADON_TLP_CFGRD1] = {NP_, 0, 3, 0, LADON__REQ_BE},
    [LADON_TLP_CFGWR1] = {NP_, 1, 3, 0, LADON__REQ_BE},
    [LADON_TLP_MSG] = {P_, 0, 4, 0, LADON__REQ_NONE},
    [LADON_TLP_MSGD] = {P_, 1, 4, 0, LADON__REQ_NONE},
    [LADON_TLP_CPL] = {CPL_, 0, 3, 0, LADON__REQ_NONE},
    [LADON_TLP_CPLD] = {CPL_, 1, 3, 0, LADON__REQ_NONE},
    [LADON_TLP_CPLLK] = {CPL_, 0, 3, 0, LADON__REQ_NONE},
    [LADON_TLP_CPLDLK] = {CPL_, 1, 3, 0, LADON__REQ_NONE},
    [LADON_TLP_FETCHADD] = {NP_, 1, 3, 1, LADON__REQ_ATOMIC},
    [LADON_TLP_SWAP] = {NP_, 1, 3, 1, LADON__REQ_ATOMIC},
    [LADON_TLP_CAS] = {NP_, 1, 3, 1, LADON__REQ_CAS},
    [LADON_TLP_DMWR] = {NP_, 1, 3, 1, LADON__REQ_BE},
};
#undef P_
#undef NP_
#undef CPL_

/* The exported helpers are the inline forms of tlp_int.h plus the NULL
** checks of the public contract. */

ladon_tlp_class ladon_tlp_type_class(ladon_tlp_type type) {
  return ladon__tlp_class((unsigned)type);
}

bool ladon_tlp_is_posted(ladon_tlp_type type) {
  return ladon__tlp_class((unsigned)type) == LADON_TLP_CLASS_P;
}

bool ladon_tlp_is_non_posted(ladon_tlp_type type) {
  return ladon__tlp_class((unsigned)type) == LADON_TLP_CLASS_NP;
}

bool ladon_tlp_is_completion(ladon_tlp_type type) {
  return ladon__tlp_class((unsigned)type) == LADON_TLP_CLASS_CPL;
}

bool ladon_tlp_type_has_data(ladon_tlp_type type) {
  return ladon__tlp_info((unsigned)type)->data != 0;
}

unsigned ladon_tlp_header_dw(const ladon_tlp *tlp) {
  return tlp ? ladon__tlp_header_dw(tlp) : 0;
}

unsigned ladon_tlp_prefix_dw(const ladon_tlp *tlp) {
  return tlp ? ladon__tlp_prefix_dw(tlp) : 0;
}

uint32_t ladon_tlp_payload_bytes(const ladon_tlp *tlp) {
  return tlp ? ladon__tlp_payload_bytes(tlp) : 0;
}

uint32_t ladon_tlp_data_credits(const ladon_tlp *tlp) {
  return tlp ? ladon__tlp_data_credits(tlp) : 0;
}

uint32_t ladon_tlp_request_bytes(const ladon_tlp *tlp) {
  return tlp ? ladon__tlp_request_bytes(tlp) : 0;
}

uint32_t ladon_tlp_wire_bytes(const ladon_tlp *tlp, unsigned gen, bool flit) {
  if (tlp == NULL || flit || gen < 1 || gen > 5) return 0; /* flit: the link's */
  return ladon__tlp_wire_bytes(tlp);
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
