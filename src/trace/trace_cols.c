/*
** The text columns of a trace and how they map to TLP fields, both ways.
** Readers turn column values into a TLP with ladon__tlp_from_cols(); the
** text writer turns a TLP into columns with ladon__cols_from_tlp() and
** reads them back with the same function, writing the raw header as well
** when the columns lose a field: one mapping, so the two cannot drift.
*/
#include <string.h>
#include <strings.h>

#include "ladon/tlp.h"
#include "pcie/tlp_int.h"
#include "sim/error_int.h"
#include "trace/trace_int.h"

const char *const ladon__col_names[LADON__COL_COUNT] = {
#define LADON__COL_NAME(name, text) text,
    LADON__TRACE_COLUMNS(LADON__COL_NAME)
#undef LADON__COL_NAME
};

unsigned ladon__col_from_name(const char *name) {
  for (unsigned i = 0; i < LADON__COL_COUNT; i++)
    if (!strcmp(name, ladon__col_names[i])) return i;
  return LADON__COL_IGNORED;
}

bool ladon__col_required(unsigned col) {
  return col == LADON__COL_T_PS || col == LADON__COL_SRC ||
         col == LADON__COL_TYPE || col == LADON__COL_ADDR ||
         col == LADON__COL_LEN;
}

/* ---- Names of formats and directions ----------------------------------- */

static const char *const format_names[LADON_TRACE__FORMAT_COUNT] = {
    "auto", "ltr", "ltb", "csv", "mmiotrace"};

const char *ladon_trace_format_name(ladon_trace_format format) {
  if ((unsigned)format >= LADON_TRACE__FORMAT_COUNT) return "?";
  return format_names[format];
}

ladon_trace_format ladon_trace_format_from_name(const char *name) {
  if (name == NULL) return LADON_TRACE_AUTO;
  for (unsigned i = 1; i < LADON_TRACE__FORMAT_COUNT; i++)
    if (!strcasecmp(name, format_names[i])) return (ladon_trace_format)i;
  return LADON_TRACE_AUTO;
}

static bool ends_with(const char *s, size_t n, const char *suffix) {
  size_t k = strlen(suffix);
  return n >= k && !strncasecmp(s + n - k, suffix, k);
}

ladon_trace_format ladon_trace_format_from_path(const char *path) {
  if (path == NULL) return LADON_TRACE_AUTO;
  size_t n = strlen(path);
  if (ends_with(path, n, ".gz")) n -= 3;
  if (ends_with(path, n, ".ltr")) return LADON_TRACE_LTR;
  if (ends_with(path, n, ".ltb")) return LADON_TRACE_LTB;
  return LADON_TRACE_AUTO;
}

static const char *const dir_names[LADON_TRACE__DIR_COUNT] = {
    "-", "rx", "tx", "down", "up"};

const char *ladon_trace_dir_name(ladon_trace_dir dir) {
  if ((unsigned)dir >= LADON_TRACE__DIR_COUNT) return "?";
  return dir_names[dir];
}

bool ladon__parse_dir(const char *s, ladon_trace_dir *dir) {
  for (unsigned i = 0; i < LADON_TRACE__DIR_COUNT; i++)
    if (!strcmp(s, dir_names[i])) {
      *dir = (ladon_trace_dir)i;
      return true;
    }
  return false;
}

/* ---- Numbers ----------------------------------------------------------- */

bool ladon__parse_dec(const char *s, uint64_t max, uint64_t *v) {
  uint64_t x = 0;
  if (*s == '\0') return false;
  for (; *s; s++) {
    unsigned d = (unsigned)(*s - '0');
    if (d > 9) return false;
    if (x > (UINT64_MAX - d) / 10u) return false;
    x = x * 10u + d;
  }
  if (x > max) return false;
  *v = x;
  return true;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ladon__parse_hex(const char *s, uint64_t max, uint64_t *v) {
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
  if (*s == '\0') return false;
  uint64_t x = 0;
  for (; *s; s++) {
    int h = hexval((unsigned char)*s);
    if (h < 0 || (x >> 60)) return false;
    x = x << 4 | (unsigned)h;
  }
  if (x > max) return false;
  *v = x;
  return true;
}

bool ladon__parse_num(const char *s, uint64_t max, uint64_t *v) {
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    return ladon__parse_hex(s, max, v);
  return ladon__parse_dec(s, max, v);
}

/* Compares `s` with the canonical mnemonic of `t`. */
static uint8_t is(const char *s, unsigned t) {
  return strcmp(s, ladon_tlp_type_name((ladon_tlp_type)t)) ? 0 : (uint8_t)t;
}

uint8_t ladon__parse_type(const char *s) {
  uint8_t t = 0;
  switch (s[0]) { /* one line per TLP: skip the case-blind scan */
  case 'M':
    if (!(t = is(s, LADON_TLP_MWR)) && !(t = is(s, LADON_TLP_MRD)) &&
        !(t = is(s, LADON_TLP_MSG)) && !(t = is(s, LADON_TLP_MSGD)))
      t = is(s, LADON_TLP_MRDLK);
    break;
  case 'C':
    if (!(t = is(s, LADON_TLP_CPLD)) && !(t = is(s, LADON_TLP_CPL)))
      for (unsigned k = LADON_TLP_CFGRD0; !t && k <= LADON_TLP_CFGWR1; k++)
        t = is(s, k);
    break;
  default:
    break;
  }
  return t ? t : (uint8_t)ladon_tlp_type_from_name(s);
}

bool ladon__parse_status(const char *s, uint8_t *status) {
  for (unsigned i = 0; i < 8; i++) {
    const char *n = ladon_tlp_status_name(i);
    if (n && !strcasecmp(s, n)) return *status = (uint8_t)i, true;
  }
  if (!strcasecmp(s, "RRS")) /* PCIe Base 6.0 renames CRS */
    return *status = LADON_TLP_CPL_CRS, true;
  uint64_t v;
  if (ladon__parse_num(s, 7, &v)) return *status = (uint8_t)v, true;
  return false;
}

/* ---- Columns to TLP ---------------------------------------------------- */

#define FAIL(col, code, ...)                                                  \
  return (*bad_col = (col),                                                   \
          ladon__error_set(err, code, NULL, 0, 0, __VA_ARGS__))

ladon_status ladon__tlp_from_cols(const ladon__cols *c, ladon_tlp *t,
                                  unsigned *bad_col, ladon_error *err) {
  unsigned type = c->type;
  const char *n = ladon_tlp_type_name((ladon_tlp_type)type);
  bool cpl = ladon__tlp_is_cpl(type), cfg = ladon__tlp_is_cfg(type);
  bool mem = ladon__tlp_is_mem(type), io = ladon__tlp_is_io(type);
  memset(t, 0, sizeof *t);
  t->type = (uint8_t)type;
  t->tc = c->tc;
  t->attr = c->attr;
  t->tag = c->has_tag ? c->tag : 0;
  if (ladon__tlp_is_msg(type))
    FAIL(LADON__COL_TYPE, LADON_EPARSE,
         "%s needs the hdr column: the Message Code and routing have no "
         "column of their own", n);
  /* Requester ID: given, else the sender's own ID for requests. */
  t->req_id = c->has_req ? c->req_id
              : (!cpl && c->src_rid >= 0) ? (uint16_t)c->src_rid
                                          : 0;
  if (cpl) {
    if (c->has_addr)
      FAIL(LADON__COL_ADDR, LADON_EPARSE,
           "%s carries no address: addr must be '-'", n);
    t->cpl_id = c->has_cpl ? c->cpl_id
                : c->src_rid >= 0 ? (uint16_t)c->src_rid : 0;
    t->status = c->has_status ? c->status : LADON_TLP_CPL_SC;
    if (ladon_tlp_type_has_data((ladon_tlp_type)type)) {
      /* One completion delivering `len` bytes from a DW boundary: Byte
      ** Count = len, Lower Address 0 (PCIe Base 6.0 §2.2.9.1); other
      ** splits need hdr. */
      if (c->len == 0 || c->len > 4096)
        FAIL(LADON__COL_LEN, LADON_EPARSE,
             "%s carries 1..4096 bytes, not %u", n, c->len);
      t->length_dw = (uint16_t)((c->len + 3u) / 4u);
      t->byte_count = (uint16_t)c->len;
    } else {
      if (c->len != 0)
        FAIL(LADON__COL_LEN, LADON_EPARSE,
             "%s carries no data: len must be 0, not %u", n, c->len);
      t->byte_count = 4; /* §2.2.9.1: 4 for I/O and Cfg completions */
    }
  } else {
    if (c->has_cpl)
      FAIL(LADON__COL_CPL_ID, LADON_EPARSE,
           "cpl_id is for completions; %s has none", n);
    if (c->has_status)
      FAIL(LADON__COL_STATUS, LADON_EPARSE,
           "status is for completions; %s has none", n);
    if (!c->has_addr)
      FAIL(LADON__COL_ADDR, LADON_EPARSE, "%s needs an address", n);
  }
  if (mem || io || cfg) {
    uint64_t a = c->addr;
    if (cfg) {
      /* The address of a configuration request is its ECAM offset (PCIe
      ** Base 6.0 §7.2.2): bus << 20 | device << 15 | function << 12 |
      ** register. */
      if (a >> 28)
        FAIL(LADON__COL_ADDR, LADON_EPARSE,
             "%s: addr 0x%llx is not an ECAM offset (bus << 20 | dev << 15 "
             "| fn << 12 | register, below 0x10000000)", n,
             (unsigned long long)a);
      t->target_id = (uint16_t)(a >> 12);
      a &= 0xfffu;
    }
    ladon_status s = ladon_tlp_set_range(t, a, c->len, err);
    if (s != LADON_OK) return *bad_col = LADON__COL_LEN, s;
    if (!mem) t->flags &= (uint16_t)~LADON_TLP_F_ADDR64;
    if (c->has_fbe) t->first_be = c->fbe;
    if (c->has_lbe) t->last_be = c->lbe;
  } else {
    if (c->has_fbe || c->has_lbe)
      FAIL(c->has_fbe ? LADON__COL_FBE : LADON__COL_LBE, LADON_EPARSE,
           "%s has no byte enables: fbe and lbe must be '-'", n);
  }
  if (ladon__tlp_is_atomic(type)) {
    /* The payload: one operand, two for CAS (Table 2-15). */
    if (c->len == 0 || (c->len & 3u) || c->len > 32)
      FAIL(LADON__COL_LEN, LADON_EPARSE,
           "%s: len is the payload, 4..32 bytes in whole DWs, not %u", n,
           c->len);
    t->addr = c->addr;
    t->length_dw = (uint16_t)(c->len / 4u);
    if (c->addr >> 32) t->flags |= LADON_TLP_F_ADDR64;
  }
  if (c->has_pasid) {
    t->flags |= LADON_TLP_F_PASID;
    t->pasid = c->pasid;
  }
  return LADON_OK;
}

/* ---- TLP to columns ---------------------------------------------------- */

static unsigned low_bit(unsigned be) {
  unsigned i = 0;
  while (i < 4 && !(be & (1u << i))) i++;
  return i;
}

static unsigned high_bit(unsigned be) {
  unsigned i = 3;
  while (i > 0 && !(be & (1u << i))) i--;
  return i;
}

/* For requests with byte enables: the first enabled byte and the span to
** the last one, so that ladon_tlp_set_range() gives back the DW range. */
static void be_range(const ladon_tlp *t, uint64_t *addr, uint32_t *len) {
  if (t->first_be == 0 || t->length_dw == 0) { /* zero-length request */
    *addr = t->addr;
    *len = 0;
    return;
  }
  uint64_t first = t->addr + low_bit(t->first_be);
  uint64_t last = t->length_dw == 1
                      ? t->addr + high_bit(t->first_be)
                      : t->addr + 4u * (t->length_dw - 1u) +
                            (t->last_be ? high_bit(t->last_be) : 3u);
  *addr = first;
  *len = (uint32_t)(last - first + 1u);
}

uint32_t ladon_trace_len_bytes(const ladon_tlp *t) {
  if (t == NULL) return 0;
  unsigned type = t->type;
  if (ladon__tlp_is_mem(type) || ladon__tlp_is_io(type) ||
      ladon__tlp_is_cfg(type)) {
    uint64_t a;
    uint32_t len;
    be_range(t, &a, &len);
    return len;
  }
  if (ladon__tlp_is_atomic(type) || type == LADON_TLP_MSGD)
    return 4u * t->length_dw;
  if (type == LADON_TLP_CPLD || type == LADON_TLP_CPLDLK) {
    uint32_t room = 4u * t->length_dw;
    uint32_t skip = t->lower_addr & 3u;
    room = room > skip ? room - skip : 0;
    return t->byte_count < room ? t->byte_count : room;
  }
  return 0;
}

void ladon__cols_from_tlp(const ladon_tlp *t, int32_t src_rid,
                          ladon__cols *c) {
  unsigned type = t->type;
  memset(c, 0, sizeof *c);
  c->type = (uint8_t)type;
  c->src_rid = src_rid;
  c->has_tag = true;
  c->tag = t->tag;
  c->has_req = true;
  c->req_id = t->req_id;
  c->tc = t->tc;
  c->attr = t->attr;
  c->len = ladon_trace_len_bytes(t);
  if (ladon__tlp_is_cpl(type)) {
    c->has_cpl = c->has_status = true;
    c->cpl_id = t->cpl_id;
    c->status = t->status;
  } else if (ladon__tlp_is_mem(type) || ladon__tlp_is_io(type) ||
             ladon__tlp_is_cfg(type)) {
    uint32_t len;
    be_range(t, &c->addr, &len);
    if (ladon__tlp_is_cfg(type)) c->addr |= (uint64_t)t->target_id << 12;
    c->has_addr = c->has_fbe = c->has_lbe = true;
    c->fbe = t->first_be;
    c->lbe = t->last_be;
  } else {
    c->has_addr = true; /* AtomicOps; Messages: header bytes 8-15 */
    c->addr = t->addr;
  }
  if (t->flags & LADON_TLP_F_PASID) {
    c->has_pasid = true;
    c->pasid = t->pasid;
  }
}

bool ladon__tlp_same_header(const ladon_tlp *a, const ladon_tlp *b) {
  return a->addr == b->addr && a->pasid == b->pasid &&
         a->length_dw == b->length_dw && a->req_id == b->req_id &&
         a->cpl_id == b->cpl_id && a->target_id == b->target_id &&
         a->tag == b->tag && a->byte_count == b->byte_count &&
         a->type == b->type && a->tc == b->tc && a->attr == b->attr &&
         a->at == b->at && a->first_be == b->first_be &&
         a->last_be == b->last_be && a->status == b->status &&
         a->lower_addr == b->lower_addr && a->msg_code == b->msg_code &&
         a->msg_route == b->msg_route && a->ph == b->ph && a->st == b->st &&
         a->flags == b->flags;
}
