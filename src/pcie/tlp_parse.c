/*
** FIELD=VALUE lists to TLPs, for `ladon tlp encode` and for users who write
** TLPs by hand (field list in docs/tlp.md).
*/
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ladon/tlp.h"
#include "pcie/tlp_int.h"
#include "sim/error_int.h"

#define VAL_MAX 128

/* What the list named, before the TLP is built from it. */
typedef struct fields {
  ladon_tlp t;
  uint64_t addr, reg, data;
  uint32_t len;
  bool has_addr, has_reg, has_data, has_len, has_fbe, has_lbe, has_to;
  bool has_bc;
  uint16_t to;
} fields;

static ladon_status bad(ladon_error *err, const char *key, const char *val,
                        const char *why) {
  return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0, "%s=%s: %s", key, val,
                          why);
}

/* Decimal, or hex with 0x; the whole string, no sign, at most `max`. */
static bool parse_u64(const char *s, uint64_t max, uint64_t *v) {
  int base = 10;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) base = 16, s += 2;
  if (!isxdigit((unsigned char)s[0])) return false;
  char *end;
  errno = 0;
  unsigned long long x = strtoull(s, &end, base);
  if (errno || *end || x > max) return false;
  *v = x;
  return true;
}

static bool parse_bool(const char *s, bool *v) {
  if (!*s || !strcmp(s, "1") || !strcasecmp(s, "yes") || !strcasecmp(s, "true"))
    return *v = true, true;
  if (!strcmp(s, "0") || !strcasecmp(s, "no") || !strcasecmp(s, "false"))
    return *v = false, true;
  return false;
}

static bool parse_attr(const char *s, uint8_t *attr) {
  uint64_t v;
  if (parse_u64(s, 7, &v)) return *attr = (uint8_t)v, true;
  unsigned a = 0;
  char buf[VAL_MAX];
  snprintf(buf, sizeof buf, "%s", s);
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    if (!strcasecmp(tok, "ro")) a |= LADON_TLP_ATTR_RO;
    else if (!strcasecmp(tok, "ns")) a |= LADON_TLP_ATTR_NS;
    else if (!strcasecmp(tok, "ido")) a |= LADON_TLP_ATTR_IDO;
    else return false;
  }
  *attr = (uint8_t)a;
  return true;
}

static const char *const route_words[6] = {"to-rc", "by-addr", "by-id",
                                           "broadcast", "local", "gather"};

static void set_flag(ladon_tlp *t, uint16_t f, bool on) {
  t->flags = on ? (uint16_t)(t->flags | f) : (uint16_t)(t->flags & ~f);
}

/* One FIELD=VALUE item. */
static ladon_status parse_item(fields *f, const char *key, const char *val,
                               ladon_error *err) {
  ladon_tlp *t = &f->t;
  uint64_t v;
  bool b;
  if (!strcmp(key, "type")) {
    t->type = (uint8_t)ladon_tlp_type_from_name(val);
    if (t->type == LADON_TLP_NONE) return bad(err, key, val, "unknown TLP type");
  } else if (!strcmp(key, "req") || !strcmp(key, "cpl") || !strcmp(key, "to")) {
    uint16_t id;
    if (ladon_tlp_id_parse(val, &id, NULL) != LADON_OK)
      return bad(err, key, val, "expected bb:dd.f");
    if (key[0] == 'r') t->req_id = id;
    else if (key[0] == 'c') t->cpl_id = id;
    else f->to = id, f->has_to = true;
  } else if (!strcmp(key, "tag")) {
    if (!parse_u64(val, 1023, &v)) return bad(err, key, val, "expected 0..1023");
    t->tag = (uint16_t)v;
  } else if (!strcmp(key, "addr")) {
    if (!parse_u64(val, UINT64_MAX, &v)) return bad(err, key, val, "expected a number");
    f->addr = v, f->has_addr = true;
  } else if (!strcmp(key, "reg")) {
    if (!parse_u64(val, 0xfff, &v)) return bad(err, key, val, "expected 0..0xfff");
    f->reg = v, f->has_reg = true;
  } else if (!strcmp(key, "len")) {
    if (!parse_u64(val, 4096, &v)) return bad(err, key, val, "expected 0..4096 bytes");
    f->len = (uint32_t)v, f->has_len = true;
  } else if (!strcmp(key, "fbe") || !strcmp(key, "lbe")) {
    if (!parse_u64(val, 15, &v)) return bad(err, key, val, "expected 0..0xf");
    if (key[0] == 'f') t->first_be = (uint8_t)v, f->has_fbe = true;
    else t->last_be = (uint8_t)v, f->has_lbe = true;
  } else if (!strcmp(key, "tc")) {
    if (!parse_u64(val, 7, &v)) return bad(err, key, val, "expected 0..7");
    t->tc = (uint8_t)v;
  } else if (!strcmp(key, "attr")) {
    if (!parse_attr(val, &t->attr))
      return bad(err, key, val, "expected ro,ns,ido or 0..7");
  } else if (!strcmp(key, "at")) {
    if (!strcasecmp(val, "untranslated")) t->at = LADON_TLP_AT_UNTRANSLATED;
    else if (!strcasecmp(val, "trans-req")) t->at = LADON_TLP_AT_TRANS_REQ;
    else if (!strcasecmp(val, "translated")) t->at = LADON_TLP_AT_TRANSLATED;
    else if (parse_u64(val, 3, &v)) t->at = (uint8_t)v;
    else return bad(err, key, val, "expected untranslated, trans-req, translated or 0..3");
  } else if (!strcmp(key, "ph") || !strcmp(key, "st")) {
    if (!parse_u64(val, key[0] == 'p' ? 3 : 255, &v))
      return bad(err, key, val, key[0] == 'p' ? "expected 0..3" : "expected 0..255");
    if (key[0] == 'p') t->ph = (uint8_t)v;
    else t->st = (uint8_t)v;
    t->flags |= LADON_TLP_F_TH;
  } else if (!strcmp(key, "th") || !strcmp(key, "td") || !strcmp(key, "ep") ||
             !strcmp(key, "bcm") || !strcmp(key, "er") || !strcmp(key, "pmr")) {
    if (!parse_bool(val, &b)) return bad(err, key, val, "expected 1 or 0");
    uint16_t flag = !strcmp(key, "th")   ? LADON_TLP_F_TH
                    : !strcmp(key, "td") ? LADON_TLP_F_TD
                    : !strcmp(key, "ep") ? LADON_TLP_F_EP
                    : !strcmp(key, "bcm") ? LADON_TLP_F_BCM
                    : !strcmp(key, "er") ? LADON_TLP_F_PASID_ER
                                         : LADON_TLP_F_PASID_PMR;
    set_flag(t, flag, b);
  } else if (!strcmp(key, "status")) {
    unsigned s;
    for (s = 0; s < 8; s++) {
      const char *nm = ladon_tlp_status_name(s);
      if (nm && !strcasecmp(val, nm)) break;
    }
    if (s == 8 && !strcasecmp(val, "RRS")) s = LADON_TLP_CPL_CRS; /* 6.0 name */
    if (s == 8 && parse_u64(val, 7, &v)) s = (unsigned)v;
    if (s == 8) return bad(err, key, val, "expected SC, UR, CRS, CA or 0..7");
    t->status = (uint8_t)s;
  } else if (!strcmp(key, "bc")) {
    if (!parse_u64(val, 4096, &v) || v == 0)
      return bad(err, key, val, "expected 1..4096");
    t->byte_count = (uint16_t)v, f->has_bc = true;
  } else if (!strcmp(key, "la")) {
    if (!parse_u64(val, 127, &v)) return bad(err, key, val, "expected 0..0x7f");
    t->lower_addr = (uint8_t)v;
  } else if (!strcmp(key, "route")) {
    unsigned r;
    for (r = 0; r < 6 && strcasecmp(val, route_words[r]); r++) {}
    if (r == 6 && parse_u64(val, 7, &v)) r = (unsigned)v;
    if (r == 6) return bad(err, key, val, "expected to-rc, by-addr, by-id, broadcast, local, gather or 0..7");
    t->msg_route = (uint8_t)r;
  } else if (!strcmp(key, "code")) {
    unsigned c;
    for (c = 0; c < 256; c++) {
      const char *nm = ladon_tlp_msg_name(c);
      if (nm && !strcasecmp(val, nm)) break;
    }
    if (c == 256 && parse_u64(val, 255, &v)) c = (unsigned)v;
    if (c == 256) return bad(err, key, val, "expected a Message name or 0..0xff");
    t->msg_code = (uint8_t)c;
  } else if (!strcmp(key, "data")) {
    if (!parse_u64(val, UINT64_MAX, &v)) return bad(err, key, val, "expected a number");
    f->data = v, f->has_data = true;
  } else if (!strcmp(key, "pasid")) {
    if (!parse_u64(val, 0xfffff, &v)) return bad(err, key, val, "expected 0..0xfffff");
    t->pasid = (uint32_t)v;
    t->flags |= LADON_TLP_F_PASID;
  } else {
    return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                            "unknown field '%s' (see docs/tlp.md)", key);
  }
  return LADON_OK;
}

/* Turns the named fields into header fields for the chosen type. */
static ladon_status build(fields *f, ladon_error *err) {
  ladon_tlp *t = &f->t;
  unsigned type = t->type;
  const char *n = ladon_tlp_type_name((ladon_tlp_type)type);
  bool explicit_be = f->has_fbe || f->has_lbe;
  if (ladon__tlp_is_mem(type) || ladon__tlp_is_io(type) || ladon__tlp_is_cfg(type)) {
    bool cfg = ladon__tlp_is_cfg(type);
    uint64_t a = cfg ? f->reg : f->addr;
    uint32_t len = f->has_len ? f->len : (ladon__tlp_is_mem(type) ? 0u : 4u);
    if (ladon__tlp_is_mem(type) && !f->has_len)
      return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                              "%s needs len=BYTES", n);
    if (cfg && f->has_addr)
      return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                              "%s takes reg=OFFSET, not addr", n);
    if (explicit_be) {
      if ((a & 3u) || (len & 3u) || len == 0)
        return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                                "with fbe/lbe, addr and len must be whole DWs");
      t->addr = a;
      t->length_dw = (uint16_t)(len / 4u);
      if (ladon__tlp_is_mem(type) && (a >> 32)) t->flags |= LADON_TLP_F_ADDR64;
    } else {
      ladon_status s = ladon_tlp_set_range(t, a, len, err);
      if (s != LADON_OK) return s;
      if ((t->flags & LADON_TLP_F_TH) && ladon__tlp_st_in_be(type)) {
        /* ST[7:0] takes the place of the byte enables (§2.2.5.1). */
        if ((a & 3u) || (len & 3u) || len == 0)
          return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                                  "%s with TH reads whole DWs: addr and len "
                                  "must be multiples of 4", n);
        t->first_be = 0xf;
        t->last_be = t->length_dw == 1 ? 0 : 0xf;
      }
    }
    if (!ladon__tlp_is_mem(type)) t->flags &= (uint16_t)~LADON_TLP_F_ADDR64;
    if (cfg) t->target_id = f->to;
    else if (f->has_to)
      return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                              "%s has no target ID (to=)", n);
  } else if (ladon__tlp_is_atomic(type)) {
    if (!f->has_len || (f->len & 3u) || f->len == 0)
      return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                              "%s needs len=BYTES of operands, a multiple of 4",
                              n);
    t->addr = f->addr;
    t->length_dw = (uint16_t)(f->len / 4u);
    if (f->addr >> 32) t->flags |= LADON_TLP_F_ADDR64;
  } else if (ladon__tlp_is_msg(type)) {
    if (type == LADON_TLP_MSGD) {
      if (!f->has_len || (f->len & 3u) || f->len == 0)
        return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                                "MsgD needs len=BYTES, a multiple of 4");
      t->length_dw = (uint16_t)(f->len / 4u);
    } else if (f->has_len && f->len) {
      return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                              "Msg carries no data (use MsgD)");
    }
    if (f->has_addr && t->msg_route != LADON_TLP_ROUTE_ADDR)
      return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                              "addr= needs route=by-addr; use data= for "
                              "header bytes 8-15");
    t->addr = f->has_addr ? f->addr : f->data;
    if (f->has_to) {
      if (t->msg_route != LADON_TLP_ROUTE_ID)
        return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                                "to= needs route=by-id");
      if (f->data >> 48)
        return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                                "with to=, data= holds bytes 10-15 (48 bits)");
      t->addr = (uint64_t)f->to << 48 | f->data;
    }
  } else if (ladon__tlp_is_cpl(type)) {
    if (ladon_tlp_type_has_data((ladon_tlp_type)type)) {
      if (!f->has_len || (f->len & 3u) || f->len == 0)
        return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                                "%s needs len=BYTES, a multiple of 4", n);
      t->length_dw = (uint16_t)(f->len / 4u);
      if (!f->has_bc) t->byte_count = (uint16_t)f->len;
    } else if (f->has_len && f->len) {
      return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                              "%s carries no data", n);
    } else if (!f->has_bc) {
      t->byte_count = 4; /* §2.2.9.1: 4 for I/O and Cfg completions */
    }
  }
  if ((ladon__tlp_is_atomic(type) || ladon__tlp_is_msg(type) ||
       ladon__tlp_is_cpl(type)) && explicit_be)
    return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                            "%s takes no fbe/lbe", n);
  if (!ladon__tlp_is_cfg(type) && f->has_reg)
    return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                            "reg= is for configuration requests");
  return LADON_OK;
}

ladon_status ladon_tlp_parse_fields(const char *text, ladon_tlp *out,
                                    ladon_error *err) {
  if (text == NULL || out == NULL)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "parse needs text and an output TLP");
  fields f;
  memset(&f, 0, sizeof f);
  const char *s = text;
  while (*s) {
    while (isspace((unsigned char)*s)) s++;
    if (!*s) break;
    const char *start = s;
    while (*s && !isspace((unsigned char)*s)) s++;
    size_t n = (size_t)(s - start);
    char item[2 * VAL_MAX];
    if (n >= sizeof item)
      return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                              "field '%.20s...' is too long", start);
    memcpy(item, start, n);
    item[n] = 0;
    char *eq = strchr(item, '=');
    const char *val = "";
    if (eq) *eq = 0, val = eq + 1;
    ladon_status st = parse_item(&f, item, val, err);
    if (st != LADON_OK) return st;
  }
  if (f.t.type == LADON_TLP_NONE)
    return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                            "no type= given (MRd, MWr, CplD, ...)");
  ladon_status st = build(&f, err);
  if (st != LADON_OK) return st;
  st = ladon_tlp_check(&f.t, err);
  if (st != LADON_OK) return st;
  *out = f.t;
  return LADON_OK;
}
