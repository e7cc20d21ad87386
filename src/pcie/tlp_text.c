/*
** Text forms of a TLP: the canonical one-line form (grammar in docs/tlp.md),
** hex bytes, and bb:dd.f routing IDs.
*/
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ladon/tlp.h"
#include "pcie/tlp_int.h"
#include "sim/error_int.h"

const char *ladon_tlp_status_name(unsigned status) {
  switch (status) {
  case LADON_TLP_CPL_SC: return "SC";
  case LADON_TLP_CPL_UR: return "UR";
  case LADON_TLP_CPL_CRS: return "CRS";
  case LADON_TLP_CPL_CA: return "CA";
  default: return NULL;
  }
}

char *ladon_tlp_id_format(uint16_t id, char buf[8]) {
  snprintf(buf, 8, "%02x:%02x.%u", LADON_TLP_ID_BUS(id), LADON_TLP_ID_DEV(id),
           LADON_TLP_ID_FN(id));
  return buf;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

ladon_status ladon_tlp_id_parse(const char *text, uint16_t *id,
                                ladon_error *err) {
  unsigned v[3] = {0, 0, 0};
  int digits[3] = {0, 0, 0};
  int part = 0;
  const char *s = text;
  if (s == NULL || id == NULL)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "no routing ID");
  for (; *s; s++) {
    if ((part == 0 && *s == ':') || (part == 1 && *s == '.')) {
      part++;
      continue;
    }
    int h = hexval((unsigned char)*s);
    if (h < 0 || digits[part] == 2) break;
    v[part] = v[part] * 16u + (unsigned)h;
    digits[part]++;
  }
  if (*s || part != 2 || !digits[0] || !digits[1] || digits[2] != 1 ||
      v[1] > 0x1f || v[2] > 7)
    return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                            "'%s' is not a routing ID bb:dd.f (bus and device "
                            "in hex, device <= 1f, function 0-7)", text);
  *id = LADON_TLP_ID(v[0], v[1], v[2]);
  return LADON_OK;
}

ladon_status ladon_tlp_hex_parse(const char *text, uint8_t *buf, size_t cap,
                                 size_t *len, ladon_error *err) {
  size_t n = 0, nibbles = 0;
  unsigned cur = 0;
  bool group_start = true;
  if (text == NULL)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "no hex text");
  for (const char *s = text; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (isspace(c) || c == ':' || c == '_' || c == ',') {
      group_start = true;
      continue;
    }
    if (group_start && c == '0' && (s[1] == 'x' || s[1] == 'X')) {
      s++;
      group_start = false;
      continue;
    }
    group_start = false;
    int h = hexval(c);
    if (h < 0)
      return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                              "'%c' at offset %zu is not a hex digit",
                              isprint(c) ? c : '?', (size_t)(s - text));
    cur = cur << 4 | (unsigned)h;
    if (++nibbles % 2 == 0) {
      if (n == cap)
        return ladon__error_set(err, LADON_EFULL, NULL, 0, 0,
                                "more than %zu bytes of hex", cap);
      buf[n++] = (uint8_t)cur;
      cur = 0;
    }
  }
  if (nibbles % 2)
    return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                            "odd number of hex digits (%zu)", nibbles);
  if (len) *len = n;
  return LADON_OK;
}

/* snprintf() into a growing buffer that may be too small or NULL. */
typedef struct out {
  char *buf;
  size_t size;
  size_t used; /* characters the full text needs so far */
} out;

static void emit(out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void emit(out *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *dst = (o->buf && o->used < o->size) ? o->buf + o->used : NULL;
  size_t room = dst ? o->size - o->used : 0;
  int k = vsnprintf(dst, room, fmt, ap);
  va_end(ap);
  if (k > 0) o->used += (size_t)k;
}

static int finish(out *o) {
  if (o->buf && o->size) o->buf[o->used < o->size ? o->used : o->size - 1] = 0;
  return (int)o->used;
}

int ladon_tlp_hex_format(const uint8_t *bytes, size_t n, char *buf,
                         size_t size) {
  out o = {buf, size, 0};
  if (size) buf[0] = 0;
  for (size_t i = 0; i < n; i++)
    emit(&o, "%s%02x", (i && i % 4 == 0) ? " " : "", bytes[i]);
  return finish(&o);
}

static const char *const route_names[8] = {
    "to-rc", "by-addr", "by-id", "broadcast", "local", "gather", "r110", "r111"};

int ladon_tlp_format(const ladon_tlp *t, char *buf, size_t size) {
  out o = {buf, size, 0};
  if (size) buf[0] = 0;
  if (t == NULL || t->type == LADON_TLP_NONE || t->type >= LADON_TLP__TYPE_COUNT) {
    emit(&o, "?");
    return finish(&o);
  }
  unsigned type = t->type;
  char a[8], b[8];
  emit(&o, "%s", ladon_tlp_type_name((ladon_tlp_type)type));
  if (ladon__tlp_is_cpl(type)) {
    const char *st = ladon_tlp_status_name(t->status);
    emit(&o, " %s -> %s tag %u", ladon_tlp_id_format(t->cpl_id, a),
         ladon_tlp_id_format(t->req_id, b), t->tag);
    if (st)
      emit(&o, " %s", st);
    else
      emit(&o, " status %u", t->status);
    emit(&o, " bc %u la 0x%02x", t->byte_count, t->lower_addr);
    if (ladon_tlp_type_has_data((ladon_tlp_type)type))
      emit(&o, " len %u B", 4u * t->length_dw);
    if (t->flags & LADON_TLP_F_BCM) emit(&o, " bcm");
  } else if (ladon__tlp_is_msg(type)) {
    const char *name = ladon_tlp_msg_name(t->msg_code);
    emit(&o, " %s tag %u %s code 0x%02x", ladon_tlp_id_format(t->req_id, a),
         t->tag, route_names[t->msg_route & 7u], t->msg_code);
    if (name) emit(&o, " (%s)", name);
    if (t->msg_route == LADON_TLP_ROUTE_ADDR) {
      emit(&o, " addr 0x%016llx", (unsigned long long)t->addr);
    } else if (t->msg_route == LADON_TLP_ROUTE_ID) {
      emit(&o, " to %s", ladon_tlp_id_format((uint16_t)(t->addr >> 48), b));
      if (t->addr & 0xffffffffffffull)
        emit(&o, " data 0x%012llx",
             (unsigned long long)(t->addr & 0xffffffffffffull));
    } else if (t->addr) {
      emit(&o, " data 0x%016llx", (unsigned long long)t->addr);
    }
    if (type == LADON_TLP_MSGD) emit(&o, " len %u B", 4u * t->length_dw);
  } else {
    bool mem = ladon__tlp_is_mem_space(type);
    if (mem) emit(&o, " %s", (t->flags & LADON_TLP_F_ADDR64) ? "64b" : "32b");
    emit(&o, " %s tag %u", ladon_tlp_id_format(t->req_id, a), t->tag);
    if (ladon__tlp_is_cfg(type))
      emit(&o, " to %s reg 0x%03llx", ladon_tlp_id_format(t->target_id, b),
           (unsigned long long)t->addr);
    else if ((t->flags & LADON_TLP_F_ADDR64) && mem)
      emit(&o, " addr 0x%016llx", (unsigned long long)t->addr);
    else
      emit(&o, " addr 0x%08llx", (unsigned long long)t->addr);
    if (mem) emit(&o, " len %u B", 4u * t->length_dw);
    /* Byte enables when they differ from "every byte" (atomics have none). */
    unsigned dlbe = t->length_dw == 1 ? 0u : 0xfu;
    if (!ladon__tlp_is_atomic(type) && (t->first_be != 0xf || t->last_be != dlbe))
      emit(&o, " be %x/%x", t->first_be, t->last_be);
  }
  if (t->tc) emit(&o, " tc %u", t->tc);
  if (t->attr) {
    emit(&o, " attr ");
    const char *sep = "";
    if (t->attr & LADON_TLP_ATTR_RO) emit(&o, "%sro", sep), sep = ",";
    if (t->attr & LADON_TLP_ATTR_NS) emit(&o, "%sns", sep), sep = ",";
    if (t->attr & LADON_TLP_ATTR_IDO) emit(&o, "%sido", sep);
  }
  if (t->at == LADON_TLP_AT_TRANS_REQ) emit(&o, " at trans-req");
  if (t->at == LADON_TLP_AT_TRANSLATED) emit(&o, " at translated");
  if (t->at == 3) emit(&o, " at 11b");
  if (t->flags & LADON_TLP_F_TH) emit(&o, " th ph %u st %u", t->ph, t->st);
  if (t->flags & LADON_TLP_F_TD) emit(&o, " td");
  if (t->flags & LADON_TLP_F_EP) emit(&o, " ep");
  if (t->flags & LADON_TLP_F_PASID) {
    emit(&o, " pasid 0x%05x", t->pasid);
    if (t->flags & LADON_TLP_F_PASID_ER) emit(&o, " er");
    if (t->flags & LADON_TLP_F_PASID_PMR) emit(&o, " pmr");
  }
  return finish(&o);
}
