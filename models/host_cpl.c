/*
** Completions of a memory read: where they split, and their Byte Count and
** Lower Address fields (PCIe Base 5.0 §2.3.1.1 and §2.2.9).
**
** §2.3.1.1: a read may be answered by several completions; each holds at
** most Max_Payload_Size bytes, completions are returned in address order,
** and every completion but the last must end on a naturally aligned
** Read Completion Boundary (RCB) of the completer (64 B, or 128 B for root
** complexes that advertise it, §7.5.3.7).  The first completion starts at
** the request's (DW-aligned) address.
**
** §2.2.9: Byte Count is the number of bytes still to be returned, this
** completion's included, counted from the first enabled byte (Table 2-38
** derives it from Length and the byte enables; a zero-length read gives 1).
** Lower Address is the low 7 bits of the byte address of the first enabled
** byte the completion returns: for the first completion, the request's
** address plus the offset of the first enabled byte in First DW BE (Table
** 2-39); for later ones, the (RCB-aligned) address they start at.
*/
#include "models/host_int.h"

/* Table 2-39: Lower Address[1:0] from First DW BE (0000b gives 00b). */
static unsigned first_be_offset(unsigned be) {
  if (be & 1u) return 0;
  if (be & 2u) return 1;
  if (be & 4u) return 2;
  if (be & 8u) return 3;
  return 0;
}

uint8_t ladon__cpl_lower_addr(const ladon_tlp *req) {
  return (uint8_t)((req->addr & 0x7cu) | first_be_offset(req->first_be));
}

unsigned ladon__cpl_split(const ladon_tlp *req, uint32_t rcb_bytes,
                          uint32_t mps_bytes, int policy,
                          ladon__cpl_piece *out) {
  uint32_t len_dw = req->length_dw ? req->length_dw : 1024u;
  uint64_t start = req->addr & ~(uint64_t)3;
  uint64_t end = start + (uint64_t)len_dw * 4u; /* exclusive */
  uint64_t first_byte = start + first_be_offset(req->first_be);
  uint32_t total = ladon_tlp_request_bytes(req);
  uint64_t enabled_end; /* one past the last enabled byte */
  uint64_t cur = start;
  unsigned n = 0;
  if (total == 0) {
    /* Zero-length read: one DW back, Byte Count 1 (Table 2-38). */
    out[0].addr = start;
    out[0].length_dw = 1;
    out[0].byte_count = 1;
    out[0].lower_addr = (uint8_t)(start & 0x7cu);
    return 1;
  }
  enabled_end = first_byte + total;
  while (cur < end && n < LADON__CPL_MAX_PIECES) {
    uint64_t next;
    if (policy == LADON__CPL_SPLIT_MPS) {
      next = cur + mps_bytes;
      /* All but the last end on an RCB boundary (§2.3.1.1). */
      if (next < end) next &= ~(uint64_t)(rcb_bytes - 1u);
    } else {
      next = (cur | (rcb_bytes - 1u)) + 1u; /* the next RCB boundary */
    }
    if (next > end) next = end;
    out[n].addr = cur;
    out[n].length_dw = (uint16_t)((next - cur) / 4u);
    if (n == 0) {
      out[n].byte_count = (uint16_t)total;
      out[n].lower_addr = ladon__cpl_lower_addr(req);
    } else {
      out[n].byte_count = (uint16_t)(enabled_end - cur);
      out[n].lower_addr = (uint8_t)(cur & 0x7fu);
    }
    n++;
    cur = next;
  }
  return n;
}
