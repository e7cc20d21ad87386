/*
** The text trace writer (.ltr).  Every column that applies to a TLP is
** written; the raw header goes in `hdr` exactly when reading the other
** columns back would not give the same TLP (messages, split completions,
** TH, EP, ...).  Numbers are formatted by hand: the writer is on the path
** of every recorded TLP.
*/
#include <string.h>

#include "ladon/tlp.h"
#include "sim/error_int.h"
#include "trace/trace_int.h"

#define LINE_MAX_BYTES 1024u /* 2 names of <= 255 bytes + numbers + hdr */

ladon_status ladon__ltr_write_header(ladon_trace_writer *w, ladon_error *err) {
  char line[512];
  size_t n = 0;
  memcpy(line, "#ladon-trace 1\n#", 16);
  n = 16;
  for (unsigned c = 0; c < LADON__COL_COUNT; c++) {
    size_t k = strlen(ladon__col_names[c]);
    memcpy(line + n, ladon__col_names[c], k);
    n += k;
    line[n++] = c + 1u < LADON__COL_COUNT ? '\t' : '\n';
  }
  return ladon__writer_put(w, line, n, err);
}

static char *put_str(char *p, const char *s) {
  size_t n = strlen(s);
  memcpy(p, s, n);
  return p + n;
}

static char *put_dec(char *p, uint64_t v) {
  char tmp[20];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v);
  while (n) *p++ = tmp[--n];
  return p;
}

static const char hex_digits[] = "0123456789abcdef";

static char *put_hex(char *p, uint64_t v, bool prefix) {
  char tmp[16];
  int n = 0;
  do {
    tmp[n++] = hex_digits[v & 0xfu];
    v >>= 4;
  } while (v);
  if (prefix) *p++ = '0', *p++ = 'x';
  while (n) *p++ = tmp[--n];
  return p;
}

static char *put_id(char *p, uint16_t id) { /* bb:dd.f */
  unsigned bus = LADON_TLP_ID_BUS(id), dev = LADON_TLP_ID_DEV(id);
  *p++ = hex_digits[bus >> 4];
  *p++ = hex_digits[bus & 0xfu];
  *p++ = ':';
  *p++ = hex_digits[dev >> 4];
  *p++ = hex_digits[dev & 0xfu];
  *p++ = '.';
  *p++ = (char)('0' + LADON_TLP_ID_FN(id));
  return p;
}

static char *put_dash(char *p) {
  *p++ = '-';
  return p;
}

ladon_status ladon__ltr_write(ladon_trace_writer *w,
                              const ladon_trace_record *rec,
                              ladon_error *err) {
  const ladon_tlp *t = &rec->tlp;
  ladon__cols c;
  ladon__cols_from_tlp(t, -1, &c);
  ladon_tlp back;
  unsigned bad;
  bool need_hdr = ladon__tlp_from_cols(&c, &back, &bad, NULL) != LADON_OK ||
                  !ladon__tlp_same_header(&back, t);
  char line[LINE_MAX_BYTES];
  char *p = line;
  p = put_dec(p, rec->t_ps);
  *p++ = '\t';
  p = put_str(p, rec->src);
  *p++ = '\t';
  p = put_str(p, ladon_tlp_type_name((ladon_tlp_type)t->type));
  *p++ = '\t';
  p = c.has_addr ? put_hex(p, c.addr, true) : put_dash(p);
  *p++ = '\t';
  p = put_dec(p, c.len);
  *p++ = '\t';
  p = put_dec(p, c.tag);
  *p++ = '\t';
  p = put_id(p, c.req_id);
  *p++ = '\t';
  p = c.has_cpl ? put_id(p, c.cpl_id) : put_dash(p);
  *p++ = '\t';
  p = c.has_status ? put_str(p, ladon_tlp_status_name(c.status)) : put_dash(p);
  *p++ = '\t';
  p = put_dec(p, c.tc);
  *p++ = '\t';
  p = put_dec(p, c.attr);
  *p++ = '\t';
  p = c.has_fbe ? put_hex(p, c.fbe, false) : put_dash(p);
  *p++ = '\t';
  p = c.has_lbe ? put_hex(p, c.lbe, false) : put_dash(p);
  *p++ = '\t';
  p = c.has_pasid ? put_hex(p, c.pasid, true) : put_dash(p);
  *p++ = '\t';
  p = rec->port ? put_str(p, rec->port) : put_dash(p);
  *p++ = '\t';
  p = put_str(p, ladon_trace_dir_name(rec->dir));
  *p++ = '\t';
  if (need_hdr) {
    uint8_t bytes[LADON_TLP_HEADER_MAX_BYTES];
    size_t n = 0;
    ladon_status s = ladon_tlp_encode(t, bytes, sizeof bytes, &n, err);
    if (s != LADON_OK) return s; /* cannot happen: the TLP was checked */
    p += ladon_tlp_hex_format(bytes, n, p, (size_t)(line + sizeof line - p));
  } else {
    p = put_dash(p);
  }
  *p++ = '\n';
  return ladon__writer_put(w, line, (size_t)(p - line), err);
}
