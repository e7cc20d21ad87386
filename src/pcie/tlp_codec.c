/*
** The TLP byte codec: prefixes and header in the non-flit layout of PCIe
** Base 6.0 §2.2 (bytes numbered as the spec's figures, byte 0 first on the
** wire, multi-byte fields most significant byte first).
*/
#include <string.h>

#include "ladon/tlp.h"
#include "pcie/tlp_int.h"
#include "sim/error_int.h"

/* Fmt 100b, Type 1 0001b: the PASID End-End TLP Prefix (Table 2-39). */
#define PASID_PREFIX_BYTE0 0x91u

static void put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}
static uint32_t get16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

ladon_status ladon_tlp_encode(const ladon_tlp *t, uint8_t *buf, size_t cap,
                              size_t *len, ladon_error *err) {
  ladon_status s = ladon_tlp_check(t, err);
  if (s != LADON_OK) return s;
  size_t pre = 4u * ladon_tlp_prefix_dw(t), hdr = 4u * ladon_tlp_header_dw(t);
  if (buf == NULL || cap < pre + hdr)
    return ladon__error_set(err, LADON_EFULL, NULL, 0, 0,
                            "%s needs %zu bytes, buffer has %zu",
                            ladon_tlp_type_name((ladon_tlp_type)t->type),
                            pre + hdr, buf ? cap : 0);
  uint8_t *p = buf;
  memset(buf, 0, pre + hdr); /* Reserved fields are 0 (§2.2) */
  if (pre) { /* PASID prefix: PMR byte 1 bit 7, ER bit 6, PASID[19:0] */
    p[0] = PASID_PREFIX_BYTE0;
    p[1] = (uint8_t)(((t->flags & LADON_TLP_F_PASID_PMR) ? 0x80u : 0) |
                     ((t->flags & LADON_TLP_F_PASID_ER) ? 0x40u : 0) |
                     ((t->pasid >> 16) & 0xfu));
    put16(p + 2, t->pasid & 0xffffu);
    p += 4;
  }
  unsigned type = t->type;
  const ladon__tlp_fmt_type *e = &ladon__tlp_encodings[type];
  bool msg = ladon__tlp_is_msg(type);
  unsigned fmt = e->fmt | (hdr == 16 ? 1u : 0u);
  unsigned type5 = e->type | (msg ? t->msg_route : 0u);
  unsigned len10 = t->length_dw & 0x3ffu; /* 1024 DW travels as 0 */
  bool th = (t->flags & LADON_TLP_F_TH) != 0;
  /* DW0 (§2.2.1.1): Fmt Type | T9 TC T8 A2 R TH | TD EP Attr AT Len | Len */
  p[0] = (uint8_t)(fmt << 5 | type5);
  p[1] = (uint8_t)(((t->tag >> 9) & 1u) << 7 | (t->tc & 7u) << 4 |
                   ((t->tag >> 8) & 1u) << 3 |
                   ((t->attr >> 2) & 1u) << 2 | (th ? 1u : 0u));
  p[2] = (uint8_t)(((t->flags & LADON_TLP_F_TD) ? 0x80u : 0) |
                   ((t->flags & LADON_TLP_F_EP) ? 0x40u : 0) |
                   (t->attr & 3u) << 4 | (t->at & 3u) << 2 | len10 >> 8);
  p[3] = (uint8_t)len10;

  if (ladon__tlp_is_cpl(type)) { /* §2.2.9.1, Figure 2-79 */
    unsigned bc = t->byte_count & 0xfffu; /* 4096 travels as 0 */
    put16(p + 4, t->cpl_id);
    p[6] = (uint8_t)(t->status << 5 |
                     ((t->flags & LADON_TLP_F_BCM) ? 0x10u : 0) | bc >> 8);
    p[7] = (uint8_t)bc;
    put16(p + 8, t->req_id);
    p[10] = (uint8_t)t->tag;
    p[11] = (uint8_t)(t->lower_addr & 0x7fu);
  } else if (msg) { /* §2.2.8: bytes 8-15 depend on the Message */
    put16(p + 4, t->req_id);
    p[6] = (uint8_t)t->tag;
    p[7] = t->msg_code;
    put32(p + 8, (uint32_t)(t->addr >> 32));
    put32(p + 12, (uint32_t)t->addr);
  } else { /* Memory, I/O, Configuration, AtomicOp requests (§2.2.7.1) */
    put16(p + 4, t->req_id);
    p[6] = (uint8_t)((type == LADON_TLP_MWR && th) ? t->st : t->tag);
    p[7] = (uint8_t)((th && ladon__tlp_st_in_be(type))
                         ? t->st
                         : (t->last_be << 4 | t->first_be));
    if (ladon__tlp_is_cfg(type)) { /* Table 2-8 + register number */
      put16(p + 8, t->target_id);
      p[10] = (uint8_t)((t->addr >> 8) & 0xfu);
      p[11] = (uint8_t)(t->addr & 0xfcu);
    } else {
      uint32_t lo = (uint32_t)t->addr | (th ? t->ph : 0u); /* Table 2-17 */
      if (hdr == 16) {
        put32(p + 8, (uint32_t)(t->addr >> 32));
        put32(p + 12, lo);
      } else {
        put32(p + 8, lo);
      }
    }
  }
  if (len) *len = pre + hdr;
  return LADON_OK;
}

/* ---- decode ------------------------------------------------------------ */

#define RSVD_MSG "Reserved bits must be 0 when a TLP is formed (PCIe Base 6.0 §2.2)"

static ladon_status reserved(ladon_error *err, const char *where) {
  return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0, "%s: %s", where,
                          RSVD_MSG);
}

/* The type for Fmt/Type of byte 0 (Table 2-3), or NONE when Reserved. */
static unsigned lookup_type(unsigned fmt, unsigned type5, unsigned *route) {
  bool four = fmt & 1u, data = fmt & 2u;
  if ((type5 >> 3) == 0x2) { /* 1 0r2r1r0: messages always use 4 DW */
    *route = type5 & 7u;
    if (!four) return LADON_TLP_NONE;
    return data ? LADON_TLP_MSGD : LADON_TLP_MSG;
  }
  for (unsigned t = LADON_TLP_NONE + 1; t < LADON_TLP__TYPE_COUNT; t++) {
    const ladon__tlp_fmt_type *e = &ladon__tlp_encodings[t];
    if (ladon__tlp_is_msg(t) || e->type != type5 || e->fmt != (fmt & 2u))
      continue;
    if (four && !ladon__tlp_is_mem_space(t)) return LADON_TLP_NONE;
    return t;
  }
  return LADON_TLP_NONE;
}

/* Receiver view: drop what receivers ignore (Reserved fields, §2.3) and
** the AT values they need not check. */
static void normalize_lenient(ladon_tlp *t) {
  unsigned type = t->type;
  if (!ladon__tlp_is_mem_space(type)) {
    t->flags &= (uint16_t)~LADON_TLP_F_TH;
    t->ph = t->st = 0;
    t->at = 0;
  }
  if (ladon__tlp_is_io(type) || ladon__tlp_is_cfg(type))
    t->attr &= (uint8_t)~LADON_TLP_ATTR_IDO;
  if (ladon__tlp_is_msg(type)) {
    const ladon__tlp_msg_info *m = ladon__tlp_msg_lookup(t->msg_code);
    if (!(m && m->attr_ok))
      t->attr &= (uint8_t)~(LADON_TLP_ATTR_RO | LADON_TLP_ATTR_NS);
    if (type == LADON_TLP_MSG) t->flags &= (uint16_t)~LADON_TLP_F_EP;
  }
  if (ladon__tlp_length_reserved(type)) t->length_dw = 0;
  if (ladon_tlp_is_posted((ladon_tlp_type)type)) t->tag &= 0xffu;
  if (ladon__tlp_is_atomic(type)) t->first_be = t->last_be = 0;
}

ladon_status ladon_tlp_decode(const uint8_t *buf, size_t len, unsigned flags,
                              ladon_tlp *out, ladon_error *err) {
  if (buf == NULL || out == NULL)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "decode needs a buffer and an output TLP");
  bool lenient = (flags & LADON_TLP_DECODE_LENIENT) != 0;
  memset(out, 0, sizeof *out);
  ladon_tlp *t = out;
  size_t off = 0;

  /* TLP prefixes: every DW whose Fmt is 100b (§2.2.10.1). */
  while (off + 4 <= len && (buf[off] >> 5) == 0x4) {
    const uint8_t *q = buf + off;
    unsigned ptype = q[0] & 0x1fu;
    if (!(ptype & 0x10u))
      return ladon__error_set(err, LADON_ENOTSUP, NULL, 0, 0,
                              "Local TLP Prefix L[3:0] = %xh is not supported "
                              "(PCIe Base 6.0 Table 2-38)", ptype & 0xfu);
    if ((ptype & 0xfu) != 0x1u)
      return ladon__error_set(err, LADON_ENOTSUP, NULL, 0, 0,
                              "End-End TLP Prefix E[3:0] = %xh is not "
                              "supported, only PASID (0001b) (PCIe Base 6.0 "
                              "Table 2-39)", ptype & 0xfu);
    if (t->flags & LADON_TLP_F_PASID)
      return ladon__error_set(err, LADON_ENOTSUP, NULL, 0, 0,
                              "more than one PASID TLP Prefix");
    if ((q[1] & 0x30u) && !lenient) return reserved(err, "PASID prefix");
    t->flags |= LADON_TLP_F_PASID;
    if (q[1] & 0x80u) t->flags |= LADON_TLP_F_PASID_PMR;
    if (q[1] & 0x40u) t->flags |= LADON_TLP_F_PASID_ER;
    t->pasid = (uint32_t)(q[1] & 0xfu) << 16 | get16(q + 2);
    off += 4;
  }
  if (off + 4 > len)
    return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                            off ? "a TLP Prefix must be followed by a TLP "
                                  "header (PCIe Base 6.0 §2.2.10.1)"
                                : "%zu bytes are too short for a TLP header",
                            len);
  const uint8_t *p = buf + off;
  unsigned fmt = p[0] >> 5, type5 = p[0] & 0x1fu, route = 0;
  if (fmt > 4)
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "Fmt %u%u%ub is Reserved (PCIe Base 6.0 Table 2-2)",
                            (fmt >> 2) & 1u, (fmt >> 1) & 1u, fmt & 1u);
  unsigned type = lookup_type(fmt, type5, &route);
  if (type == LADON_TLP_NONE)
    return ladon__error_set(
        err, LADON_ESPEC, NULL, 0, 0,
        "Fmt/Type %u%u%ub/%u %u%u%u%ub is %s (PCIe Base 6.0 Table 2-3)",
        (fmt >> 2) & 1u, (fmt >> 1) & 1u, fmt & 1u, (type5 >> 4) & 1u,
        (type5 >> 3) & 1u, (type5 >> 2) & 1u, (type5 >> 1) & 1u, type5 & 1u,
        (fmt == 0 && type5 == 0x1b) ? "the deprecated TCfgRd" : "Reserved");
  size_t hdr = (fmt & 1u) ? 16 : 12;
  if (off + hdr > len)
    return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                            "%s header needs %zu bytes, only %zu given",
                            ladon_tlp_type_name((ladon_tlp_type)type), hdr,
                            len - off);
  const char *n = ladon_tlp_type_name((ladon_tlp_type)type);
  t->type = (uint8_t)type;
  if (fmt & 1u && ladon__tlp_is_mem_space(type)) t->flags |= LADON_TLP_F_ADDR64;

  /* DW0 (§2.2.1.1) */
  unsigned len10 = (p[2] & 3u) << 8 | p[3];
  bool th = p[1] & 1u;
  if ((p[1] & 0x2u) && !lenient)
    return reserved(err, "byte 1 bit 1 (formerly LN)");
  t->tc = (p[1] >> 4) & 7u;
  t->attr = (uint8_t)(((p[1] >> 2) & 1u) << 2 | ((p[2] >> 4) & 3u));
  t->at = (p[2] >> 2) & 3u;
  if (th) t->flags |= LADON_TLP_F_TH;
  if (p[2] & 0x80u) t->flags |= LADON_TLP_F_TD;
  if (p[2] & 0x40u) t->flags |= LADON_TLP_F_EP;
  if (ladon__tlp_length_reserved(type))
    t->length_dw = (uint16_t)len10; /* Reserved: must read 0 */
  else
    t->length_dw = (uint16_t)(len10 ? len10 : 1024u);
  unsigned tag98 = ((p[1] >> 7) & 1u) << 9 | ((p[1] >> 3) & 1u) << 8;

  if (ladon__tlp_is_cpl(type)) {
    unsigned bc = (p[6] & 0xfu) << 8 | p[7];
    t->cpl_id = (uint16_t)get16(p + 4);
    t->status = p[6] >> 5;
    if (p[6] & 0x10u) t->flags |= LADON_TLP_F_BCM;
    t->byte_count = (uint16_t)(bc ? bc : 4096u);
    t->req_id = (uint16_t)get16(p + 8);
    t->tag = (uint16_t)(tag98 | p[10]);
    if ((p[11] & 0x80u) && !lenient) return reserved(err, n);
    t->lower_addr = p[11] & 0x7fu;
  } else if (ladon__tlp_is_msg(type)) {
    t->req_id = (uint16_t)get16(p + 4);
    t->tag = (uint16_t)(tag98 | p[6]);
    t->msg_code = p[7];
    t->msg_route = (uint8_t)route;
    t->addr = (uint64_t)get32(p + 8) << 32 | get32(p + 12);
  } else {
    t->req_id = (uint16_t)get16(p + 4);
    bool st_tag = type == LADON_TLP_MWR && th;
    bool st_be = th && ladon__tlp_st_in_be(type);
    t->tag = (uint16_t)(tag98 | (st_tag ? 0u : p[6]));
    if (st_tag) t->st = p[6];
    if (st_be) {
      t->st = p[7];
      if (!ladon__tlp_is_atomic(type)) { /* implied values, §2.2.5.1 */
        t->first_be = 0xf;
        t->last_be = t->length_dw == 1 ? 0x0 : 0xf;
      }
    } else {
      t->first_be = p[7] & 0xfu;
      t->last_be = p[7] >> 4;
    }
    if (ladon__tlp_is_cfg(type)) {
      if (((p[10] & 0xf0u) || (p[11] & 0x3u)) && !lenient)
        return reserved(err, n);
      t->target_id = (uint16_t)get16(p + 8);
      t->addr = (uint64_t)(p[10] & 0xfu) << 8 | (p[11] & 0xfcu);
    } else {
      uint32_t lo = get32(p + (hdr == 16 ? 12 : 8));
      uint64_t hi = hdr == 16 ? get32(p + 8) : 0;
      if (ladon__tlp_is_mem_space(type) && th)
        t->ph = lo & 3u;
      else if ((lo & 3u) && !lenient)
        return reserved(err, n); /* PH bits without TH, or I/O */
      t->addr = hi << 32 | (lo & ~3u);
    }
  }

  /* Header only, or the whole TLP: the Length field and TD must match what
  ** follows (§2.2.2, §2.2.3). */
  size_t head = off + hdr;
  uint32_t payload = ladon_tlp_payload_bytes(t);
  size_t whole = head + payload + ((t->flags & LADON_TLP_F_TD) ? 4u : 0u);
  if (len != head && len != whole)
    return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                            "%zu bytes are neither the %s header (%zu) nor the "
                            "whole TLP (%zu); Length and TD must match the "
                            "payload and digest (PCIe Base 6.0 §2.2.2, "
                            "§2.2.3)", len, n, head, whole);
  if (len == whole && payload) {
    t->data = buf + head;
    t->data_bytes = payload;
  }
  if (lenient) normalize_lenient(t);
  return ladon__tlp_check(t, lenient, err);
}
