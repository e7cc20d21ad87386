/*
** The text trace reader (.ltr): the version line, the column header, then
** one TLP per tab-separated line.  Fields are cut in place in the input
** buffer; nothing is allocated per line.
*/
#include <stdlib.h>
#include <string.h>

#include "sim/error_int.h"
#include "trace/trace_int.h"

#define LTR_VERSION_LINE "#ladon-trace 1"

/* Line 2: "#" then the column names, tab-separated. */
static int parse_header(ladon_trace_reader *r, char *line, ladon_error *err) {
  if (line[0] != '#')
    return ladon__reader_fail_at(
        r, LADON_EPARSE, 1, err,
        "line 2 must be the '#' header naming the columns (#t_ps<TAB>src"
        "<TAB>type<TAB>addr<TAB>len...)");
  uint32_t n = 1;
  for (const char *p = line; *p; p++) n += *p == '\t';
  r->colmap = malloc(n);
  if (r->colmap == NULL)
    return ladon__reader_fail_at(r, LADON_ENOMEM, 0, err, "out of memory");
  r->ncols = n;
  bool seen[LADON__COL_COUNT] = {false};
  char *p = line + 1;
  for (uint32_t i = 0; i < n; i++) {
    char *tab = strchr(p, '\t');
    if (tab) *tab = '\0';
    int col = (int)(p - line) + 1;
    while (*p == ' ') p++; /* "# t_ps" reads as "#t_ps" */
    size_t len = strlen(p);
    while (len && p[len - 1] == ' ') p[--len] = '\0';
    if (len == 0)
      return ladon__reader_fail_at(r, LADON_EPARSE, col, err,
                                   "header column %u has no name", i + 1);
    unsigned c = ladon__col_from_name(p);
    if (c != LADON__COL_IGNORED) {
      if (seen[c])
        return ladon__reader_fail_at(r, LADON_EPARSE, col, err,
                                     "header names column '%s' twice", p);
      seen[c] = true;
    }
    r->colmap[i] = (uint8_t)c;
    p = tab ? tab + 1 : p + len;
  }
  for (unsigned c = 0; c < LADON__COL_COUNT; c++)
    if (ladon__col_required(c) && !seen[c])
      return ladon__reader_fail_at(r, LADON_EPARSE, 0, err,
                                   "the header lacks the required column "
                                   "'%s' (t_ps, src, type, addr and len are "
                                   "required)", ladon__col_names[c]);
  return 0;
}

static int ltr_next(ladon_trace_reader *r, ladon_trace_record *rec,
                    ladon_error *err) {
  for (;;) {
    char *line;
    size_t len;
    int rc = ladon__in_line(&r->in, &line, &len, r->name, r->line + 1, err);
    if (rc <= 0) return rc; /* -1: ladon__in_line() filled `err` */
    r->line++;
    if (len == 0 || line[0] == '#') continue; /* blank and comment lines */
    ladon__row *row = &r->row;
    char *p = line;
    uint32_t i = 0;
    for (;;) {
      char *q = p;
      while (*q != '\t' && *q != '\0') q++;
      if (i < r->ncols) {
        unsigned c = r->colmap[i];
        if (c != LADON__COL_IGNORED) {
          row->v[c] = p;
          row->pos[c] = (uint32_t)(p - line) + 1u;
        }
      }
      i++;
      if (*q == '\0') break;
      *q = '\0';
      p = q + 1;
    }
    if (i != r->ncols)
      return ladon__reader_fail_at(
          r, LADON_EPARSE, 0, err,
          "%u tab-separated columns where the header (line 2) names %u", i,
          r->ncols);
    uint64_t t_ps;
    if (!ladon__parse_dec(row->v[LADON__COL_T_PS], UINT64_MAX, &t_ps))
      return ladon__reader_fail_at(
          r, LADON_EPARSE, (int)row->pos[LADON__COL_T_PS], err,
          "t_ps: '%.40s' is not a time in integer picoseconds",
          row->v[LADON__COL_T_PS]);
    return ladon__reader_build_row(r, row, t_ps, rec, err) < 0 ? -1 : 1;
  }
}

int ladon__ltr_start(ladon_trace_reader *r, ladon_error *err) {
  char *line;
  size_t len;
  r->next = ltr_next;
  int rc = ladon__in_line(&r->in, &line, &len, r->name, 1, err);
  if (rc < 0) return -1;
  r->line = 1;
  if (rc == 0 || strcmp(line, LTR_VERSION_LINE) != 0) {
    const char *v = rc ? line + strlen("#ladon-trace") : "";
    if (v[0] == ' ' && v[1] != '\0')
      return ladon__reader_fail_at(r, LADON_EPARSE, 14, err,
                                   "trace version '%.20s' is not supported "
                                   "(this reader knows '%s')", v + 1,
                                   LTR_VERSION_LINE);
    return ladon__reader_fail_at(r, LADON_EPARSE, 1, err,
                                 "the first line must be exactly '%s'",
                                 LTR_VERSION_LINE);
  }
  rc = ladon__in_line(&r->in, &line, &len, r->name, 2, err);
  if (rc < 0) return -1;
  r->line = 2;
  if (rc == 0)
    return ladon__reader_fail_at(r, LADON_EPARSE, 0, err,
                                 "the file ends before the column header "
                                 "(line 2)");
  return parse_header(r, line, err);
}
