/*
** The binary trace format (.ltb): a 16-byte file header, then a stream of
** 64-byte units.  A TLP record is one unit; a name record (a string the
** TLP records refer to by id) is one or more units and comes before the
** first record that uses it, so a recorder appends names as it meets them
** and never seeks.  Every integer is little-endian and is read and written
** byte by byte, whatever the host.  Layout: docs/trace-format.md "Binary".
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ladon/tlp.h"
#include "sim/error_int.h"
#include "trace/trace_int.h"

/* The record struct mirrors the file layout exactly: no padding, every
** member at the offset the format documents. */
_Static_assert(sizeof(ladon__ltb_tlp) == LADON__LTB_RECORD_BYTES,
               ".ltb TLP records are 64 bytes");
_Static_assert(offsetof(ladon__ltb_tlp, t_ps) == 8, "t_ps at 8");
_Static_assert(offsetof(ladon__ltb_tlp, port) == 24, "port at 24");
_Static_assert(offsetof(ladon__ltb_tlp, length_dw) == 32, "length at 32");
_Static_assert(offsetof(ladon__ltb_tlp, type) == 44, "type at 44");
_Static_assert(offsetof(ladon__ltb_tlp, reserved) == 56, "reserved at 56");

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint16_t get16(const uint8_t *p) {
  return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}
static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}
static uint64_t get64(const uint8_t *p) {
  return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

#define OFF(m) offsetof(ladon__ltb_tlp, m)

void ladon__ltb_encode(const ladon__ltb_tlp *r, uint8_t out[64]) {
  out[OFF(kind)] = r->kind;
  out[OFF(dir)] = r->dir;
  put16(out + OFF(flags), r->flags);
  put32(out + OFF(src), r->src);
  put64(out + OFF(t_ps), r->t_ps);
  put64(out + OFF(addr), r->addr);
  put32(out + OFF(port), r->port);
  put32(out + OFF(pasid), r->pasid);
  put16(out + OFF(length_dw), r->length_dw);
  put16(out + OFF(req_id), r->req_id);
  put16(out + OFF(cpl_id), r->cpl_id);
  put16(out + OFF(target_id), r->target_id);
  put16(out + OFF(tag), r->tag);
  put16(out + OFF(byte_count), r->byte_count);
  out[OFF(type)] = r->type;
  out[OFF(tc)] = r->tc;
  out[OFF(attr)] = r->attr;
  out[OFF(at)] = r->at;
  out[OFF(first_be)] = r->first_be;
  out[OFF(last_be)] = r->last_be;
  out[OFF(status)] = r->status;
  out[OFF(lower_addr)] = r->lower_addr;
  out[OFF(msg_code)] = r->msg_code;
  out[OFF(msg_route)] = r->msg_route;
  out[OFF(ph)] = r->ph;
  out[OFF(st)] = r->st;
  memcpy(out + OFF(reserved), r->reserved, sizeof r->reserved);
}

void ladon__ltb_decode(const uint8_t in[64], ladon__ltb_tlp *r) {
  r->kind = in[OFF(kind)];
  r->dir = in[OFF(dir)];
  r->flags = get16(in + OFF(flags));
  r->src = get32(in + OFF(src));
  r->t_ps = get64(in + OFF(t_ps));
  r->addr = get64(in + OFF(addr));
  r->port = get32(in + OFF(port));
  r->pasid = get32(in + OFF(pasid));
  r->length_dw = get16(in + OFF(length_dw));
  r->req_id = get16(in + OFF(req_id));
  r->cpl_id = get16(in + OFF(cpl_id));
  r->target_id = get16(in + OFF(target_id));
  r->tag = get16(in + OFF(tag));
  r->byte_count = get16(in + OFF(byte_count));
  r->type = in[OFF(type)];
  r->tc = in[OFF(tc)];
  r->attr = in[OFF(attr)];
  r->at = in[OFF(at)];
  r->first_be = in[OFF(first_be)];
  r->last_be = in[OFF(last_be)];
  r->status = in[OFF(status)];
  r->lower_addr = in[OFF(lower_addr)];
  r->msg_code = in[OFF(msg_code)];
  r->msg_route = in[OFF(msg_route)];
  r->ph = in[OFF(ph)];
  r->st = in[OFF(st)];
  memcpy(r->reserved, in + OFF(reserved), sizeof r->reserved);
}

void ladon__ltb_header(uint8_t out[16]) {
  memcpy(out, LADON__LTB_MAGIC, 8);
  put16(out + 8, LADON__LTB_VERSION);
  put16(out + 10, LADON__LTB_RECORD_BYTES);
  put32(out + 12, 0); /* flags: none defined */
}

/* Units a name record of `len` bytes takes: head + bytes, zero-padded. */
static size_t name_units(size_t len) {
  return (LADON__LTB_NAME_HEAD + len + LADON__LTB_RECORD_BYTES - 1u) /
         LADON__LTB_RECORD_BYTES;
}

/* ---- Reading ----------------------------------------------------------- */

/* Reader state: file name ids to interned names. */
typedef struct ltb_state {
  const char **names; /* id - 1 -> interned string */
  uint32_t count, cap;
  uint64_t offset;    /* where the current record starts */
} ltb_state;

static void ltb_free(ladon_trace_reader *r) {
  ltb_state *s = r->kind;
  if (s) free((void *)s->names);
  free(s);
  r->kind = NULL;
}

/* A malformed record: "record N: text (byte offset X)". */
static int fail(ladon_trace_reader *r, ladon_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(ladon_trace_reader *r, ladon_error *err, const char *fmt,
                ...) {
  ltb_state *s = r->kind;
  char text[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  return ladon__reader_fail_at(r, LADON_EPARSE, 0, err,
                               "%s (byte offset %llu)", text,
                               (unsigned long long)s->offset);
}

/* Takes `n` bytes or reports how the input ended. */
static const uint8_t *take(ladon_trace_reader *r, size_t n, bool *end,
                           ladon_error *err) {
  size_t got;
  *end = false;
  const uint8_t *p = ladon__in_take(&r->in, n, &got, r->name, err);
  if (p) return p;
  if (got == SIZE_MAX) return NULL; /* read error, `err` filled */
  if (got == 0) {
    *end = true;
    return NULL;
  }
  fail(r, err, "truncated: %zu of %zu bytes", got, n);
  return NULL;
}

static int read_name(ladon_trace_reader *r, const uint8_t *u,
                     ladon_error *err) {
  ltb_state *s = r->kind;
  uint16_t len = get16(u + 2);
  uint32_t id = get32(u + 4);
  if (u[1] != 0) return fail(r, err, "name record: byte 1 is not 0");
  if (len == 0 || len > LADON_TRACE_NAME_MAX)
    return fail(r, err, "name of %u bytes (1..%u)", len,
                LADON_TRACE_NAME_MAX);
  if (id != s->count + 1u)
    return fail(r, err, "name id %u where %u comes next (ids count up "
                "from 1)", id, s->count + 1u);
  /* The name may run into further units: gather it. */
  char name[LADON__LTB_NAME_HEAD + LADON_TRACE_NAME_MAX + 64];
  size_t units = name_units(len);
  memcpy(name, u, LADON__LTB_RECORD_BYTES);
  for (size_t i = 1; i < units; i++) {
    bool end;
    const uint8_t *more = take(r, LADON__LTB_RECORD_BYTES, &end, err);
    if (more == NULL) {
      if (end) fail(r, err, "name record truncated");
      return -1;
    }
    memcpy(name + i * LADON__LTB_RECORD_BYTES, more, LADON__LTB_RECORD_BYTES);
  }
  for (size_t i = LADON__LTB_NAME_HEAD + len;
       i < units * LADON__LTB_RECORD_BYTES; i++)
    if (name[i] != 0)
      return fail(r, err, "name record padding is not zero");
  if (s->count == s->cap) {
    uint32_t cap = s->cap ? s->cap * 2u : 16u;
    const char **v = realloc((void *)s->names, cap * sizeof *v);
    if (v == NULL)
      return ladon__reader_fail_at(r, LADON_ENOMEM, 0, err, "out of memory");
    s->names = v;
    s->cap = cap;
  }
  const char *interned = ladon__reader_name(
      r, name + LADON__LTB_NAME_HEAD, len, NULL, 0, "name", err);
  if (interned == NULL) return -1;
  s->names[s->count++] = interned;
  return 0;
}

static int read_tlp(ladon_trace_reader *r, const uint8_t *u,
                    ladon_trace_record *rec, ladon_error *err) {
  ltb_state *s = r->kind;
  ladon__ltb_tlp b;
  ladon__ltb_decode(u, &b);
  for (size_t i = 0; i < sizeof b.reserved; i++)
    if (b.reserved[i])
      return fail(r, err, "reserved bytes 56..63 are not zero");
  if (b.src == 0 || b.src > s->count)
    return fail(r, err, "src name id %u is not defined (%u defined so far)",
                b.src, s->count);
  if (b.port > s->count)
    return fail(r, err, "port name id %u is not defined (%u defined so far)",
                b.port, s->count);
  if (b.dir >= LADON_TRACE__DIR_COUNT)
    return fail(r, err, "dir %u is not 0..%u", b.dir,
                (unsigned)LADON_TRACE__DIR_COUNT - 1u);
  memset(rec, 0, sizeof *rec);
  rec->t_ps = b.t_ps;
  rec->src = s->names[b.src - 1u];
  rec->port = b.port ? s->names[b.port - 1u] : NULL;
  rec->dir = (ladon_trace_dir)b.dir;
  rec->line = r->line;
  ladon_tlp *t = &rec->tlp;
  t->addr = b.addr;
  t->pasid = b.pasid;
  t->length_dw = b.length_dw;
  t->req_id = b.req_id;
  t->cpl_id = b.cpl_id;
  t->target_id = b.target_id;
  t->tag = b.tag;
  t->byte_count = b.byte_count;
  t->type = b.type;
  t->tc = b.tc;
  t->attr = b.attr;
  t->at = b.at;
  t->first_be = b.first_be;
  t->last_be = b.last_be;
  t->status = b.status;
  t->lower_addr = b.lower_addr;
  t->msg_code = b.msg_code;
  t->msg_route = b.msg_route;
  t->ph = b.ph;
  t->st = b.st;
  t->flags = b.flags;
  ladon_error e; /* filled on failure only */
  ladon_status st = ladon_tlp_check(t, &e);
  if (st != LADON_OK)
    return ladon__reader_fail_at(r, st, 0, err, "%s", e.text);
  return ladon__reader_check_time(r, b.t_ps, err);
}

static int ltb_next(ladon_trace_reader *r, ladon_trace_record *rec,
                    ladon_error *err) {
  for (;;) {
    bool end;
    r->line++;
    ((ltb_state *)r->kind)->offset = r->in.consumed;
    const uint8_t *u = take(r, LADON__LTB_RECORD_BYTES, &end, err);
    if (u == NULL) {
      if (end) {
        r->line--;
        return 0;
      }
      return -1;
    }
    if (u[0] == LADON__LTB_KIND_TLP)
      return read_tlp(r, u, rec, err) < 0 ? -1 : 1;
    if (u[0] != LADON__LTB_KIND_NAME)
      return fail(r, err, "unknown record kind %u", u[0]);
    if (read_name(r, u, err) < 0) return -1;
  }
}

int ladon__ltb_start(ladon_trace_reader *r, ladon_error *err) {
  r->next = ltb_next;
  r->free_kind = ltb_free;
  r->kind = calloc(1, sizeof(ltb_state));
  if (r->kind == NULL)
    return ladon__error_set(err, LADON_ENOMEM, r->name, 0, 0,
                            "out of memory"), -1;
  size_t got;
  const uint8_t *h =
      ladon__in_take(&r->in, LADON__LTB_HEADER_BYTES, &got, r->name, err);
  if (h == NULL) {
    if (got == SIZE_MAX) return -1;
    return ladon__error_set(err, LADON_EPARSE, r->name, 0, 0,
                            "truncated .ltb header: %zu of %u bytes", got,
                            LADON__LTB_HEADER_BYTES), -1;
  }
  if (memcmp(h, LADON__LTB_MAGIC, 8) != 0)
    return ladon__error_set(err, LADON_EPARSE, r->name, 0, 0,
                            "not an .ltb file: wrong magic"), -1;
  uint16_t version = get16(h + 8), unit = get16(h + 10);
  uint32_t flags = get32(h + 12);
  if (version != LADON__LTB_VERSION)
    return ladon__error_set(err, LADON_EPARSE, r->name, 0, 0,
                            ".ltb version %u is not supported (this reader "
                            "knows version %u)", version,
                            LADON__LTB_VERSION), -1;
  if (unit != LADON__LTB_RECORD_BYTES)
    return ladon__error_set(err, LADON_EPARSE, r->name, 0, 0,
                            ".ltb header: record size %u, expected %u",
                            unit, LADON__LTB_RECORD_BYTES), -1;
  if (flags != 0)
    return ladon__error_set(err, LADON_EPARSE, r->name, 0, 0,
                            ".ltb header: unknown flags 0x%08x", flags), -1;
  return 0;
}

/* ---- Writing ----------------------------------------------------------- */

ladon_status ladon__ltb_write_header(ladon_trace_writer *w, ladon_error *err) {
  uint8_t h[LADON__LTB_HEADER_BYTES];
  ladon__ltb_header(h);
  return ladon__writer_put(w, h, sizeof h, err);
}

/* The id of `name`, writing its name record first when it is new. */
static ladon_status name_id(ladon_trace_writer *w, const char *name,
                            uint32_t *id, ladon_error *err) {
  size_t len = strlen(name);
  bool is_new;
  long i = ladon__names_intern(&w->names, name, len, &is_new);
  if (i < 0)
    return ladon__error_set(err, is_new ? LADON_ENOMEM : LADON_EFULL, NULL,
                            0, 0, is_new ? "out of memory for names"
                                         : "more than %u distinct names",
                            LADON_TRACE_NAMES_MAX);
  *id = (uint32_t)i + 1u;
  if (!is_new) return LADON_OK;
  uint8_t unit[LADON__LTB_NAME_HEAD + LADON_TRACE_NAME_MAX + 64];
  size_t bytes = name_units(len) * LADON__LTB_RECORD_BYTES;
  memset(unit, 0, bytes);
  unit[0] = LADON__LTB_KIND_NAME;
  put16(unit + 2, (uint16_t)len);
  put32(unit + 4, *id);
  memcpy(unit + LADON__LTB_NAME_HEAD, name, len);
  return ladon__writer_put(w, unit, bytes, err);
}

ladon_status ladon__ltb_write(ladon_trace_writer *w,
                              const ladon_trace_record *rec,
                              ladon_error *err) {
  const ladon_tlp *t = &rec->tlp;
  ladon__ltb_tlp b;
  memset(&b, 0, sizeof b);
  ladon_status s = name_id(w, rec->src, &b.src, err);
  if (s == LADON_OK && rec->port) s = name_id(w, rec->port, &b.port, err);
  if (s != LADON_OK) return s;
  b.kind = LADON__LTB_KIND_TLP;
  b.dir = (uint8_t)rec->dir;
  b.flags = t->flags;
  b.t_ps = rec->t_ps;
  b.addr = t->addr;
  b.pasid = t->pasid;
  b.length_dw = t->length_dw;
  b.req_id = t->req_id;
  b.cpl_id = t->cpl_id;
  b.target_id = t->target_id;
  b.tag = t->tag;
  b.byte_count = t->byte_count;
  b.type = t->type;
  b.tc = t->tc;
  b.attr = t->attr;
  b.at = t->at;
  b.first_be = t->first_be;
  b.last_be = t->last_be;
  b.status = t->status;
  b.lower_addr = t->lower_addr;
  b.msg_code = t->msg_code;
  b.msg_route = t->msg_route;
  b.ph = t->ph;
  b.st = t->st;
  uint8_t unit[LADON__LTB_RECORD_BYTES];
  ladon__ltb_encode(&b, unit);
  return ladon__writer_put(w, unit, sizeof unit, err);
}
