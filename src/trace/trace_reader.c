/*
** Trace readers: opening (the format is told by the first bytes), the
** record loop with its sticky error, and what every text-like format
** shares: names, time order and turning a row of columns into a record.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ladon/tlp.h"
#include "sim/error_int.h"
#include "trace/trace_int.h"

#define LTR_MAGIC "#ladon-trace"

static void reader_free(ladon_trace_reader *r) {
  if (r == NULL) return;
  if (r->free_kind) r->free_kind(r);
  ladon__in_close(&r->in);
  ladon__names_free(&r->names);
  free(r->colmap);
  free(r->name);
  free(r);
}

/* Tells the format by the first bytes after decompression. */
static int detect(ladon_trace_reader *r, ladon_error *err) {
  long n = ladon__in_fill(&r->in, 16, r->name, err);
  if (n < 0) return -1;
  const char *p = r->in.buf + r->in.start;
  if ((size_t)n >= 8 && !memcmp(p, LADON__LTB_MAGIC, 8)) {
    r->format = LADON_TRACE_LTB;
    return 0;
  }
  if ((size_t)n >= strlen(LTR_MAGIC) && !memcmp(p, LTR_MAGIC, strlen(LTR_MAGIC))) {
    r->format = LADON_TRACE_LTR;
    return 0;
  }
  if (n == 0)
    return ladon__error_set(err, LADON_EPARSE, r->name, 0, 0,
                            "empty file: not a Ladon trace"), -1;
  return ladon__error_set(err, LADON_EPARSE, r->name, 0, 0,
                          "not a Ladon trace: it starts neither with "
                          "'#ladon-trace 1' (.ltr) nor with the .ltb magic; "
                          "other formats are imported (csv, mmiotrace)"), -1;
}

ladon_trace_reader *ladon__reader_new(ladon__in *in, const char *name,
                                      ladon_trace_format format,
                                      ladon_error *err) {
  ladon_trace_reader *r = calloc(1, sizeof *r);
  size_t n = strlen(name ? name : "");
  char *copy = malloc(n + 1u);
  if (r == NULL || copy == NULL) {
    free(r);
    free(copy);
    ladon__in_close(in);
    ladon__error_set(err, LADON_ENOMEM, name, 0, 0, "out of memory");
    return NULL;
  }
  memcpy(copy, name ? name : "", n + 1u);
  r->name = copy;
  r->in = *in;
  memset(in, 0, sizeof *in);
  ladon__names_init(&r->names);
  r->format = format;
  int rc = 0;
  if (format == LADON_TRACE_AUTO) rc = detect(r, err);
  if (rc == 0 && r->format == LADON_TRACE_LTR) rc = ladon__ltr_start(r, err);
  if (rc == 0 && r->format == LADON_TRACE_LTB) rc = ladon__ltb_start(r, err);
  if (rc < 0) {
    reader_free(r);
    return NULL;
  }
  return r;
}

ladon_trace_reader *ladon_trace_open(const char *path, ladon_error *err) {
  ladon__in in;
  if (path == NULL) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "no trace file named");
    return NULL;
  }
  if (ladon__in_open_file(&in, path, err) != LADON_OK) return NULL;
  return ladon__reader_new(&in, path, LADON_TRACE_AUTO, err);
}

ladon_trace_reader *ladon__trace_open_mem(const void *data, size_t len,
                                          const char *name,
                                          ladon_trace_format format,
                                          ladon_error *err) {
  ladon__in in;
  if (format == LADON_TRACE_CSV || format >= LADON_TRACE__FORMAT_COUNT) {
    ladon__error_set(err, LADON_EINVAL, name, 0, 0,
                     "memory input reads ltr, ltb and mmiotrace");
    return NULL;
  }
  if (ladon__in_open_mem(&in, data, len, err) != LADON_OK) return NULL;
  ladon_trace_reader *r = ladon__reader_new(&in, name, format, err);
  if (r && format == LADON_TRACE_MMIOTRACE &&
      ladon__mmio_start(r, "cpu", err) < 0) {
    reader_free(r);
    return NULL;
  }
  return r;
}

ladon_trace_reader *ladon_trace_open_csv(const char *path,
                                         const char *map_path,
                                         ladon_error *err) {
  ladon__in in;
  if (path == NULL || map_path == NULL) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "CSV import needs the file and its column map");
    return NULL;
  }
  if (ladon__in_open_file(&in, path, err) != LADON_OK) return NULL;
  ladon_trace_reader *r = ladon__reader_new(&in, path, LADON_TRACE_CSV, err);
  if (r && ladon__csv_start(r, map_path, err) < 0) {
    reader_free(r);
    return NULL;
  }
  return r;
}

ladon_trace_reader *ladon_trace_open_mmiotrace(const char *path,
                                               const char *src,
                                               ladon_error *err) {
  ladon__in in;
  if (path == NULL) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "no trace file named");
    return NULL;
  }
  if (ladon__in_open_file(&in, path, err) != LADON_OK) return NULL;
  ladon_trace_reader *r =
      ladon__reader_new(&in, path, LADON_TRACE_MMIOTRACE, err);
  if (r && ladon__mmio_start(r, src ? src : "cpu", err) < 0) {
    reader_free(r);
    return NULL;
  }
  return r;
}

void ladon_trace_reader_close(ladon_trace_reader *r) { reader_free(r); }

ladon_trace_format ladon_trace_reader_format(const ladon_trace_reader *r) {
  return r ? r->format : LADON_TRACE_AUTO;
}

bool ladon_trace_reader_gzip(const ladon_trace_reader *r) {
  return r && r->in.gzip;
}

int ladon_trace_reader_next(ladon_trace_reader *r, ladon_trace_record *rec,
                            ladon_error *err) {
  if (r == NULL || rec == NULL) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "reading needs a reader and a record");
    return -1;
  }
  if (r->failed) {
    if (err) *err = r->fail;
    return -1;
  }
  /* r->fail is read only after a failure: not cleared per record (the
  ** struct is most of a kilobyte). */
  int rc = r->next(r, rec, &r->fail);
  if (rc < 0) {
    r->failed = true;
    if (err) *err = r->fail;
  }
  return rc;
}

/* ---- Shared by the formats --------------------------------------------- */

int ladon__reader_fail_at(ladon_trace_reader *r, ladon_status code, int col,
                          ladon_error *err, const char *fmt, ...) {
  char text[LADON_ERROR_TEXT_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (r->format == LADON_TRACE_LTB)
    ladon__error_set(err, code, r->name, 0, 0, "record %llu: %s",
                     (unsigned long long)r->line, text);
  else
    ladon__error_set(err, code, r->name,
                     r->line > 0x7fffffff ? 0 : (int)r->line, col, "%s",
                     text);
  return -1;
}

int ladon__reader_check_time(ladon_trace_reader *r, uint64_t t_ps,
                             ladon_error *err) {
  if (r->prev_line && t_ps < r->prev_t_ps)
    return ladon__reader_fail_at(
        r, LADON_EPARSE, 0, err,
        "time goes back: t_ps %llu is before %llu of the previous %s (%llu)",
        (unsigned long long)t_ps, (unsigned long long)r->prev_t_ps,
        r->format == LADON_TRACE_LTB ? "record" : "line",
        (unsigned long long)r->prev_line);
  r->prev_t_ps = t_ps;
  r->prev_line = r->line;
  return 0;
}

const char *ladon__reader_name(ladon_trace_reader *r, const char *s,
                               size_t len, int32_t *rid, int column,
                               const char *what, ladon_error *err) {
  if (!ladon__name_valid(s, len))
    return ladon__reader_fail_at(
               r, LADON_EPARSE, column, err,
               "%s: a name is 1..%u bytes without control characters%s", what,
               LADON_TRACE_NAME_MAX, len == 1 && s[0] == '-' ? ", not '-'" : ""),
           NULL;
  bool is_new;
  long i = ladon__names_intern(&r->names, s, len, &is_new);
  if (i < 0)
    return ladon__reader_fail_at(
               r, is_new ? LADON_ENOMEM : LADON_EFULL, column, err,
               is_new ? "%s: out of memory for names"
                      : "%s: more than %u distinct names in one trace",
               what, LADON_TRACE_NAMES_MAX),
           NULL;
  if (rid) *rid = r->names.v[i].rid;
  return r->names.v[i].s;
}

static bool given(const char *v) {
  return v && v[0] && !(v[0] == '-' && v[1] == '\0');
}

static int hex_digit(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* The writer's own form "bb:dd.f", without the general parser's loop;
** anything else goes to ladon_tlp_id_parse(). */
static bool parse_id_fast(const char *s, uint16_t *id) {
  int b1 = hex_digit(s[0]), b0 = b1 < 0 ? -1 : hex_digit(s[1]);
  if (b0 < 0 || s[2] != ':') return false;
  int d1 = hex_digit(s[3]), d0 = d1 < 0 ? -1 : hex_digit(s[4]);
  if (d0 < 0 || s[5] != '.' || s[6] < '0' || s[6] > '7' || s[7] != '\0')
    return false;
  unsigned dev = (unsigned)(d1 << 4 | d0);
  if (dev > 0x1f) return false;
  *id = LADON_TLP_ID((unsigned)(b1 << 4 | b0), dev, (unsigned)(s[6] - '0'));
  return true;
}

#define BAD(col, ...)                                                         \
  return ladon__reader_fail_at(r, LADON_EPARSE, (int)row->pos[col], err,     \
                               __VA_ARGS__)

/* Parses the TLP columns of a row (no hdr). */
static int parse_cols(ladon_trace_reader *r, ladon__row *row, ladon__cols *c,
                      ladon_error *err) {
  uint64_t v;
  const char *s = row->v[LADON__COL_TYPE];
  c->type = s ? ladon__parse_type(s) : (uint8_t)LADON_TLP_NONE;
  if (c->type == LADON_TLP_NONE)
    BAD(LADON__COL_TYPE,
        "type: '%.40s' is not a TLP mnemonic (MRd, MWr, CplD, Cpl, CfgRd0, "
        "...)", s ? s : "");
  s = row->v[LADON__COL_ADDR];
  if (given(s)) {
    if (!ladon__parse_hex(s, UINT64_MAX, &v))
      BAD(LADON__COL_ADDR, "addr: '%.40s' is not a hex address", s);
    c->has_addr = true, c->addr = v;
  }
  s = row->v[LADON__COL_LEN];
  if (!s || !ladon__parse_dec(s, 4096, &v))
    BAD(LADON__COL_LEN, "len: '%.40s' is not a byte count 0..4096",
        s ? s : "");
  c->len = (uint32_t)v;
  s = row->v[LADON__COL_TAG];
  if (given(s)) {
    if (!ladon__parse_num(s, 1023, &v))
      BAD(LADON__COL_TAG, "tag: '%.40s' is not a tag 0..1023", s);
    c->has_tag = true, c->tag = (uint16_t)v;
  }
  for (unsigned k = LADON__COL_REQ_ID; k <= LADON__COL_CPL_ID; k++) {
    s = row->v[k];
    if (!given(s)) continue;
    uint16_t id;
    if (!parse_id_fast(s, &id) && ladon_tlp_id_parse(s, &id, NULL) != LADON_OK)
      BAD(k, "%s: '%.40s' is not a routing ID bb:dd.f", ladon__col_names[k],
          s);
    if (k == LADON__COL_REQ_ID) c->has_req = true, c->req_id = id;
    else c->has_cpl = true, c->cpl_id = id;
  }
  s = row->v[LADON__COL_STATUS];
  if (given(s)) {
    if (!ladon__parse_status(s, &c->status))
      BAD(LADON__COL_STATUS, "status: '%.40s' is not SC, UR, CRS or CA", s);
    c->has_status = true;
  }
  for (unsigned k = LADON__COL_TC; k <= LADON__COL_ATTR; k++) {
    s = row->v[k];
    if (!given(s)) continue;
    if (!ladon__parse_num(s, 7, &v))
      BAD(k, "%s: '%.40s' is not a number 0..7", ladon__col_names[k], s);
    if (k == LADON__COL_TC) c->tc = (uint8_t)v;
    else c->attr = (uint8_t)v;
  }
  for (unsigned k = LADON__COL_FBE; k <= LADON__COL_LBE; k++) {
    s = row->v[k];
    if (!given(s)) continue;
    if (!ladon__parse_hex(s, 15, &v))
      BAD(k, "%s: '%.40s' is not a byte-enable nibble 0..f",
          ladon__col_names[k], s);
    if (k == LADON__COL_FBE) c->has_fbe = true, c->fbe = (uint8_t)v;
    else c->has_lbe = true, c->lbe = (uint8_t)v;
  }
  s = row->v[LADON__COL_PASID];
  if (given(s)) {
    if (!ladon__parse_hex(s, 0xfffff, &v))
      BAD(LADON__COL_PASID, "pasid: '%.40s' is not a 20-bit hex PASID", s);
    c->has_pasid = true, c->pasid = (uint32_t)v;
  }
  return 0;
}

static int parse_hdr(ladon_trace_reader *r, ladon__row *row, ladon_tlp *t,
                     ladon_error *err) {
  uint8_t bytes[LADON_TLP_HEADER_MAX_BYTES];
  size_t n = 0;
  ladon_error e;
  ladon_error_clear(&e);
  const char *s = row->v[LADON__COL_HDR];
  ladon_status st = ladon_tlp_hex_parse(s, bytes, sizeof bytes, &n, &e);
  if (st == LADON_EFULL)
    BAD(LADON__COL_HDR, "hdr: more than %u bytes; hdr holds the prefixes "
        "and header only", LADON_TLP_HEADER_MAX_BYTES);
  if (st != LADON_OK) BAD(LADON__COL_HDR, "hdr: %s", e.text);
  st = ladon_tlp_decode(bytes, n, 0, t, &e);
  if (st != LADON_OK)
    return ladon__reader_fail_at(r, st, (int)row->pos[LADON__COL_HDR], err,
                                 "hdr: %s", e.text);
  if (t->data_bytes)
    BAD(LADON__COL_HDR, "hdr holds a payload; it holds the prefixes and "
        "header only");
  return 0;
}

int ladon__reader_build_row(ladon_trace_reader *r, ladon__row *row,
                            uint64_t t_ps, ladon_trace_record *rec,
                            ladon_error *err) {
  const char *s = row->v[LADON__COL_SRC];
  int32_t rid = -1;
  rec->t_ps = t_ps;
  rec->line = r->line;
  rec->src = ladon__reader_name(r, s ? s : "", s ? strlen(s) : 0, &rid,
                                (int)row->pos[LADON__COL_SRC], "src", err);
  if (rec->src == NULL) return -1;
  rec->port = NULL;
  s = row->v[LADON__COL_PORT];
  if (given(s)) {
    rec->port = ladon__reader_name(r, s, strlen(s), NULL,
                                   (int)row->pos[LADON__COL_PORT], "port", err);
    if (rec->port == NULL) return -1;
  }
  rec->dir = LADON_TRACE_DIR_NONE;
  s = row->v[LADON__COL_DIR];
  if (s && *s && !ladon__parse_dir(s, &rec->dir))
    BAD(LADON__COL_DIR, "dir: '%.40s' is not -, rx, tx, down or up", s);
  if (given(row->v[LADON__COL_HDR])) {
    if (parse_hdr(r, row, &rec->tlp, err) < 0) return -1;
  } else {
    ladon__cols c;
    memset(&c, 0, sizeof c);
    c.src_rid = rid;
    if (parse_cols(r, row, &c, err) < 0) return -1;
    unsigned bad = LADON__COL_TYPE;
    ladon_error e; /* filled by the callee on failure only */
    ladon_status st = ladon__tlp_from_cols(&c, &rec->tlp, &bad, &e);
    if (st != LADON_OK)
      return ladon__reader_fail_at(r, st, (int)row->pos[bad], err, "%s",
                                   e.text);
  }
  ladon_error e;
  ladon_status st = ladon_tlp_check(&rec->tlp, &e);
  if (st != LADON_OK)
    return ladon__reader_fail_at(r, st, (int)row->pos[LADON__COL_TYPE], err,
                                 "%s", e.text);
  return ladon__reader_check_time(r, t_ps, err);
}
