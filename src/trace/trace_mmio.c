/*
** Import of Linux mmiotrace logs (kernel Documentation/trace/mmiotrace.rst,
** log format "VERSION 20070824").  One record per line, space-separated:
**   R width secs.usecs map_id phys value pc pid     CPU MMIO read
**   W width secs.usecs map_id phys value pc pid     CPU MMIO write
** and MAP, UNMAP, MARK, PCIDEV, LSPCI, UNKNOWN and VERSION records, which
** carry no TLP and are skipped.  A read becomes a Memory Read Request and
** a write a Memory Write Request of `width` bytes at `phys` (PCIe Base 6.0
** §2.2.7: CPU loads and stores to a BAR are non-posted reads and posted
** writes), sent by one requester (default "cpu").  The value read or
** written is not kept: traces carry headers only.
*/
#include <stdlib.h>
#include <string.h>

#include "ladon/tlp.h"
#include "sim/error_int.h"
#include "trace/trace_int.h"

#define MMIO_VERSION "20070824"
#define MAX_FIELDS 9

typedef struct mmio_state {
  const char *src; /* interned */
  int32_t rid;     /* routing ID named by src, or -1 */
} mmio_state;

static void mmio_free(ladon_trace_reader *r) {
  free(r->kind);
  r->kind = NULL;
}

/* "secs.usecs" (any number of fraction digits up to picoseconds). */
static bool parse_seconds(const char *s, uint64_t *t_ps) {
  uint64_t secs = 0, frac = 0, scale = 1000000000000ull; /* ps per second */
  const char *p = s;
  if (*p < '0' || *p > '9') return false;
  for (; *p >= '0' && *p <= '9'; p++) {
    if (secs > UINT64_MAX / 10u) return false;
    secs = secs * 10u + (unsigned)(*p - '0');
  }
  if (*p == '.') {
    p++;
    if (*p < '0' || *p > '9') return false;
    for (; *p >= '0' && *p <= '9'; p++) {
      if (scale == 1) return false; /* finer than a picosecond */
      scale /= 10u;
      frac += (uint64_t)(*p - '0') * scale;
    }
  }
  if (*p != '\0' || secs > (UINT64_MAX - frac) / 1000000000000ull)
    return false;
  *t_ps = secs * 1000000000000ull + frac;
  return true;
}

static int mmio_next(ladon_trace_reader *r, ladon_trace_record *rec,
                     ladon_error *err) {
  mmio_state *s = r->kind;
  for (;;) {
    char *line;
    size_t len;
    int rc = ladon__in_line(&r->in, &line, &len, r->name, r->line + 1, err);
    if (rc <= 0) return rc;
    r->line++;
    char *f[MAX_FIELDS];
    uint32_t pos[MAX_FIELDS];
    unsigned n = 0;
    for (char *p = line; *p && n < MAX_FIELDS;) {
      while (*p == ' ' || *p == '\t') p++;
      if (!*p) break;
      f[n] = p;
      pos[n++] = (uint32_t)(p - line) + 1u;
      while (*p && *p != ' ' && *p != '\t') p++;
      if (*p) *p++ = '\0';
    }
    if (n == 0 || f[0][0] == '#') continue;
    bool read = !strcmp(f[0], "R"), write = !strcmp(f[0], "W");
    if (!read && !write) {
      if (!strcmp(f[0], "VERSION") && (n < 2 || strcmp(f[1], MMIO_VERSION)))
        return ladon__reader_fail_at(
            r, LADON_EPARSE, n < 2 ? 1 : (int)pos[1], err,
            "mmiotrace log version '%.20s' is not supported (this reader "
            "knows %s)", n < 2 ? "" : f[1], MMIO_VERSION);
      if (!strcmp(f[0], "MAP") || !strcmp(f[0], "UNMAP") ||
          !strcmp(f[0], "MARK") || !strcmp(f[0], "PCIDEV") ||
          !strcmp(f[0], "LSPCI") || !strcmp(f[0], "UNKNOWN") ||
          !strcmp(f[0], "VERSION"))
        continue;
      return ladon__reader_fail_at(
          r, LADON_EPARSE, 1, err,
          "'%.20s' is not an mmiotrace record (R, W, MAP, UNMAP, MARK, "
          "PCIDEV, LSPCI, UNKNOWN, VERSION)", f[0]);
    }
    if (n != 8)
      return ladon__reader_fail_at(
          r, LADON_EPARSE, 0, err,
          "%s record has %u fields; expected 8: %s width secs.usecs map_id "
          "phys value pc pid", f[0], n, f[0]);
    uint64_t width, addr, t_ps;
    if (!ladon__parse_dec(f[1], 8, &width) ||
        (width != 1 && width != 2 && width != 4 && width != 8))
      return ladon__reader_fail_at(r, LADON_EPARSE, (int)pos[1], err,
                                   "width '%.20s' is not 1, 2, 4 or 8 bytes",
                                   f[1]);
    if (!parse_seconds(f[2], &t_ps))
      return ladon__reader_fail_at(r, LADON_EPARSE, (int)pos[2], err,
                                   "timestamp '%.30s' is not seconds.fraction",
                                   f[2]);
    if (!ladon__parse_hex(f[4], UINT64_MAX, &addr))
      return ladon__reader_fail_at(r, LADON_EPARSE, (int)pos[4], err,
                                   "physical address '%.30s' is not hex",
                                   f[4]);
    memset(rec, 0, sizeof *rec);
    rec->t_ps = t_ps;
    rec->src = s->src;
    rec->line = r->line;
    ladon_tlp *t = &rec->tlp;
    t->type = read ? LADON_TLP_MRD : LADON_TLP_MWR;
    t->req_id = s->rid >= 0 ? (uint16_t)s->rid : 0;
    ladon_error e; /* filled on failure only */
    ladon_status st = ladon_tlp_set_range(t, addr, (uint32_t)width, &e);
    if (st == LADON_OK) st = ladon_tlp_check(t, &e);
    if (st != LADON_OK)
      return ladon__reader_fail_at(r, st, (int)pos[4], err, "%s", e.text);
    return ladon__reader_check_time(r, t_ps, err) < 0 ? -1 : 1;
  }
}

int ladon__mmio_start(ladon_trace_reader *r, const char *src,
                      ladon_error *err) {
  mmio_state *s = calloc(1, sizeof *s);
  if (s == NULL)
    return ladon__error_set(err, LADON_ENOMEM, r->name, 0, 0,
                            "out of memory"), -1;
  r->kind = s;
  r->free_kind = mmio_free;
  r->next = mmio_next;
  s->src = ladon__reader_name(r, src, strlen(src), &s->rid, 0, "src", err);
  return s->src ? 0 : -1;
}
