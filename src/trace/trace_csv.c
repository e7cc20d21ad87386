/*
** Import of protocol-analyzer CSV exports.  Analyzers name and order their
** columns their own way, so the user supplies a small JSON map: which of
** the file's columns hold our columns (docs/trace-format.md "CSV import"),
** the unit and scale of the time column, what their TLP type names are,
** and which rows (DLLPs, ordered sets) to skip.  Each row is then read
** exactly like a line of an .ltr file.
*/
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ladon/tlp.h"
#include "sim/error_int.h"
#include "trace/trace_int.h"

#define CSV_FIELDS_MAX 1024u
#define COL_TIME LADON__COL_T_PS /* their time column, in their unit */

typedef struct type_alias {
  char *from;
  uint8_t type; /* LADON_TLP_NONE: skip rows of this type */
} type_alias;

typedef struct csv_state {
  char delim;
  uint32_t header_line;  /* 1-based line of column names; 0 = none */
  json_t *want[LADON__COL_COUNT]; /* map entries, until the header is read */
  int32_t field_of[LADON__COL_COUNT]; /* 0-based field, -1 = not mapped */
  long double unit_ps;    /* picoseconds per time unit */
  long double scale;      /* multiplies every time value */
  bool rebase, have_first, skip_unknown;
  long double first_ps;
  uint32_t len_mult;     /* 1 (bytes) or 4 (DW) */
  type_alias *types;
  size_t ntypes;
  char *src_name;        /* constant src when no column gives one */
  char *f[CSV_FIELDS_MAX];
  uint32_t fpos[CSV_FIELDS_MAX];
  char len_buf[24];
} csv_state;

static void csv_free(ladon_trace_reader *r) {
  csv_state *s = r->kind;
  if (s == NULL) return;
  for (size_t i = 0; i < s->ntypes; i++) free(s->types[i].from);
  free(s->types);
  free(s->src_name);
  for (unsigned c = 0; c < LADON__COL_COUNT; c++) json_decref(s->want[c]);
  free(s);
  r->kind = NULL;
}

/* ---- The map ----------------------------------------------------------- */

static int map_fail(ladon_error *err, const char *map, const char *path,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int map_fail(ladon_error *err, const char *map, const char *path,
                    const char *fmt, ...) {
  char text[LADON_ERROR_TEXT_MAX - 64];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  return ladon__error_set(err, LADON_EPARSE, map, 0, 0, "%s (%s)", text,
                          path), -1;
}

static int unit_ps(const char *u, long double *ps) {
  static const struct { const char *name; long double ps; } units[] = {
      {"ps", 1.0L}, {"ns", 1e3L}, {"us", 1e6L}, {"ms", 1e9L}, {"s", 1e12L}};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (!strcmp(u, units[i].name)) return *ps = units[i].ps, 0;
  return -1;
}

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1u;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

static int load_types(csv_state *s, json_t *types, json_t *skip,
                      const char *map, ladon_error *err) {
  size_t n = (types ? json_object_size(types) : 0) +
             (skip ? json_array_size(skip) : 0);
  s->types = calloc(n ? n : 1, sizeof *s->types);
  if (s->types == NULL)
    return ladon__error_set(err, LADON_ENOMEM, map, 0, 0, "out of memory"),
           -1;
  const char *key;
  json_t *v;
  if (types) {
    json_object_foreach(types, key, v) {
      char path[128];
      snprintf(path, sizeof path, "$.types[\"%.60s\"]", key);
      const char *to = json_string_value(v);
      uint8_t t = (uint8_t)ladon_tlp_type_from_name(to);
      if (t == LADON_TLP_NONE)
        return map_fail(err, map, path,
                        "'%s' is not a TLP mnemonic (MRd, MWr, CplD, ...)",
                        to ? to : "(not a string)");
      if ((s->types[s->ntypes].from = dup_str(key)) == NULL)
        return ladon__error_set(err, LADON_ENOMEM, map, 0, 0,
                                "out of memory"), -1;
      s->types[s->ntypes++].type = t;
    }
  }
  size_t i;
  json_array_foreach(skip, i, v) {
    char path[64];
    snprintf(path, sizeof path, "$.skip_types[%zu]", i);
    if (!json_is_string(v))
      return map_fail(err, map, path, "expected a type name");
    if ((s->types[s->ntypes].from = dup_str(json_string_value(v))) == NULL)
      return ladon__error_set(err, LADON_ENOMEM, map, 0, 0, "out of memory"),
             -1;
    s->types[s->ntypes++].type = LADON_TLP_NONE;
  }
  return 0;
}

static int load_map(csv_state *s, const char *map, ladon_error *err) {
  json_error_t je;
  json_t *root = json_load_file(map, JSON_REJECT_DUPLICATES, &je);
  if (root == NULL)
    return ladon__error_set(err, LADON_EPARSE, map, je.line > 0 ? je.line : 0,
                            je.column > 0 ? je.column : 0, "%s", je.text), -1;
  int rc = -1;
  const char *key;
  json_t *v, *columns = NULL, *types = NULL, *skip = NULL;
  s->scale = 1.0L;
  s->delim = ',';
  s->header_line = 1;
  s->unit_ps = 1.0L;
  s->len_mult = 1;
  if (!json_is_object(root)) {
    map_fail(err, map, "$", "the map must be a JSON object");
    goto out;
  }
  json_object_foreach(root, key, v) {
    char path[96];
    snprintf(path, sizeof path, "$.%.60s", key);
    if (!strcmp(key, "columns") && json_is_object(v)) {
      columns = v;
    } else if (!strcmp(key, "delimiter") && json_is_string(v) &&
               strlen(json_string_value(v)) == 1 &&
               json_string_value(v)[0] != '"') {
      s->delim = json_string_value(v)[0];
    } else if (!strcmp(key, "header_line") && json_is_integer(v) &&
               json_integer_value(v) >= 0 &&
               json_integer_value(v) <= 1000000) {
      s->header_line = (uint32_t)json_integer_value(v);
    } else if (!strcmp(key, "time_unit") && json_is_string(v) &&
               unit_ps(json_string_value(v), &s->unit_ps) == 0) {
    } else if (!strcmp(key, "time_scale") && json_is_number(v) &&
               json_number_value(v) > 0) {
      s->scale = (long double)json_number_value(v);
    } else if (!strcmp(key, "rebase") && json_is_boolean(v)) {
      s->rebase = json_is_true(v);
    } else if (!strcmp(key, "len_unit") && json_is_string(v) &&
               (!strcmp(json_string_value(v), "bytes") ||
                !strcmp(json_string_value(v), "dw"))) {
      s->len_mult = !strcmp(json_string_value(v), "dw") ? 4u : 1u;
    } else if (!strcmp(key, "types") && json_is_object(v)) {
      types = v;
    } else if (!strcmp(key, "skip_types") && json_is_array(v)) {
      skip = v;
    } else if (!strcmp(key, "skip_unknown_types") && json_is_boolean(v)) {
      s->skip_unknown = json_is_true(v);
    } else if (!strcmp(key, "src") && json_is_string(v) &&
               ladon__name_valid(json_string_value(v),
                                 strlen(json_string_value(v)))) {
      if ((s->src_name = dup_str(json_string_value(v))) == NULL) {
        ladon__error_set(err, LADON_ENOMEM, map, 0, 0, "out of memory");
        goto out;
      }
    } else {
      static const char *const known[] = {
          "columns", "delimiter", "header_line", "time_unit", "time_scale",
          "rebase", "len_unit", "types", "skip_types", "skip_unknown_types",
          "src"};
      bool is_known = false;
      for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        is_known |= !strcmp(key, known[i]);
      map_fail(err, map, path,
               is_known ? "bad value for '%s' (see docs/trace-format.md)"
                        : "unknown key '%s'",
               key);
      goto out;
    }
  }
  if (columns == NULL) {
    map_fail(err, map, "$.columns", "the map needs \"columns\"");
    goto out;
  }
  json_object_foreach(columns, key, v) {
    char path[96];
    snprintf(path, sizeof path, "$.columns.%.60s", key);
    unsigned c = !strcmp(key, "time") ? COL_TIME : ladon__col_from_name(key);
    if (c == LADON__COL_IGNORED || !strcmp(key, "t_ps")) {
      map_fail(err, map, path,
               "'%s' is not one of our columns (time, src, type, addr, len, "
               "tag, req_id, cpl_id, status, tc, attr, fbe, lbe, pasid, port, "
               "dir, hdr)", key);
      goto out;
    }
    if (!(json_is_string(v) ||
          (json_is_integer(v) && json_integer_value(v) >= 1 &&
           json_integer_value(v) <= CSV_FIELDS_MAX))) {
      map_fail(err, map, path,
               "expected the CSV column's name or its number (1..1024) for "
               "'%s'", key);
      goto out;
    }
    if (json_is_string(v) && s->header_line == 0) {
      map_fail(err, map, path,
               "without a header line columns are given by number, not by "
               "name ('%s')", key);
      goto out;
    }
    s->want[c] = json_incref(v);
  }
  static const unsigned required[] = {COL_TIME, LADON__COL_TYPE,
                                      LADON__COL_ADDR, LADON__COL_LEN};
  for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
    if (s->want[required[i]] == NULL) {
      map_fail(err, map, "$.columns", "the map must name a column for '%s'",
               required[i] == COL_TIME ? "time"
                                       : ladon__col_names[required[i]]);
      goto out;
    }
  if (!s->want[LADON__COL_SRC] && !s->want[LADON__COL_REQ_ID] &&
      !s->want[LADON__COL_CPL_ID] && !s->src_name) {
    map_fail(err, map, "$.columns",
             "the sender needs a 'src', 'req_id' or 'cpl_id' column, or a "
             "constant \"src\" name");
    goto out;
  }
  if (skip == NULL || json_is_array(skip))
    rc = load_types(s, types, skip, map, err);
out:
  json_decref(root);
  return rc;
}

/* ---- Rows -------------------------------------------------------------- */

/* Splits a CSV line in place (RFC 4180 quoting, no newlines inside
** quotes); unquoted fields lose surrounding spaces.  Returns the field
** count or -1 with the reader's error. */
static int split(ladon_trace_reader *r, csv_state *s, char *line,
                 ladon_error *err) {
  unsigned n = 0;
  char *p = line;
  for (;;) {
    if (n == CSV_FIELDS_MAX)
      return ladon__reader_fail_at(r, LADON_EPARSE, (int)(p - line) + 1, err,
                                   "more than %u fields", CSV_FIELDS_MAX);
    while (*p == ' ') p++;
    s->fpos[n] = (uint32_t)(p - line) + 1u;
    char *out = p, *start = p;
    if (*p == '"') {
      p++;
      for (;;) {
        if (*p == '\0')
          return ladon__reader_fail_at(r, LADON_EPARSE, (int)s->fpos[n], err,
                                       "unterminated quoted field (quoted "
                                       "newlines are not supported)");
        if (*p == '"' && p[1] == '"') *out++ = '"', p += 2;
        else if (*p == '"') break;
        else *out++ = *p++;
      }
      p++;
      while (*p == ' ') p++;
      if (*p != s->delim && *p != '\0')
        return ladon__reader_fail_at(r, LADON_EPARSE, (int)(p - line) + 1, err,
                                     "text after a quoted field");
    } else {
      while (*p != s->delim && *p != '\0') *out++ = *p++;
      while (out > start && out[-1] == ' ') out--;
    }
    char end = *p;
    *out = '\0';
    s->f[n++] = start;
    if (end == '\0') break;
    p++;
  }
  return (int)n;
}

/* Their column names on the header line: resolve the map to fields. */
static int read_header(ladon_trace_reader *r, csv_state *s, char *line,
                       const char *map, ladon_error *err) {
  int n = line ? split(r, s, line, err) : 0;
  if (n < 0) return -1;
  for (unsigned c = 0; c < LADON__COL_COUNT; c++) {
    json_t *v = s->want[c];
    s->field_of[c] = -1;
    if (v == NULL) continue;
    if (json_is_integer(v)) {
      s->field_of[c] = (int32_t)json_integer_value(v) - 1;
      continue;
    }
    const char *name = json_string_value(v);
    for (int i = 0; i < n && s->field_of[c] < 0; i++)
      if (!strcmp(s->f[i], name)) s->field_of[c] = i;
    for (int i = 0; i < n && s->field_of[c] < 0; i++)
      if (!strcasecmp(s->f[i], name)) s->field_of[c] = i;
    if (s->field_of[c] < 0)
      return ladon__reader_fail_at(
          r, LADON_EPARSE, 0, err,
          "the header has no column '%.60s' that the map %s names for '%s'",
          name, map, c == COL_TIME ? "time" : ladon__col_names[c]);
  }
  return 0;
}

/* A decimal time "[-]digits[.digits][e[-]digits][ unit]" in picoseconds,
** before rebasing.  Parsed by hand: strtold would follow the locale. */
static bool parse_time(const csv_state *s, const char *p, long double *ps) {
  bool neg = *p == '-';
  if (*p == '-' || *p == '+') p++;
  long double v = 0;
  int digits = 0, exp10 = 0;
  for (; *p >= '0' && *p <= '9'; p++, digits++) v = v * 10 + (*p - '0');
  if (*p == '.')
    for (p++; *p >= '0' && *p <= '9'; p++, digits++, exp10--)
      v = v * 10 + (*p - '0');
  if (digits == 0) return false;
  if (*p == 'e' || *p == 'E') {
    bool eneg = *++p == '-';
    if (*p == '-' || *p == '+') p++;
    int e = 0, ed = 0;
    for (; *p >= '0' && *p <= '9' && e < 1000; p++, ed++) e = e * 10 + (*p - '0');
    if (ed == 0) return false;
    exp10 += eneg ? -e : e;
  }
  while (*p == ' ') p++;
  long double unit = s->unit_ps; /* a unit after the number wins */
  if (*p && unit_ps(p, &unit) != 0) return false;
  for (; exp10 > 0; exp10--) v *= 10;
  for (; exp10 < 0; exp10++) v /= 10;
  *ps = (neg ? -v : v) * unit * s->scale;
  return true;
}

static int csv_next(ladon_trace_reader *r, ladon_trace_record *rec,
                    ladon_error *err) {
  csv_state *s = r->kind;
  for (;;) {
    char *line;
    size_t len;
    int rc = ladon__in_line(&r->in, &line, &len, r->name, r->line + 1, err);
    if (rc <= 0) return rc;
    r->line++;
    if (len == 0) continue;
    int n = split(r, s, line, err);
    if (n < 0) return -1;
    ladon__row *row = &r->row;
    for (unsigned c = 0; c < LADON__COL_COUNT; c++) {
      int32_t i = s->field_of[c];
      row->v[c] = NULL;
      if (i < 0) continue;
      if (i >= n)
        return ladon__reader_fail_at(
            r, LADON_EPARSE, 0, err,
            "%d fields; the map reads '%s' from field %d", n,
            c == COL_TIME ? "time" : ladon__col_names[c], (int)i + 1);
      row->v[c] = s->f[i];
      row->pos[c] = s->fpos[i];
    }
    /* The type: their name, a mnemonic, or a row to skip. */
    const char *their = row->v[LADON__COL_TYPE];
    uint8_t type = LADON_TLP_NONE;
    bool skip = false, mapped = false;
    for (size_t i = 0; i < s->ntypes && !mapped; i++)
      if (!strcmp(their, s->types[i].from)) {
        mapped = true;
        type = s->types[i].type;
        skip = type == LADON_TLP_NONE;
      }
    if (!mapped) type = (uint8_t)ladon_tlp_type_from_name(their);
    if (!mapped && type == LADON_TLP_NONE) {
      if (s->skip_unknown) continue;
      return ladon__reader_fail_at(
          r, LADON_EPARSE, (int)row->pos[LADON__COL_TYPE], err,
          "type '%.40s' is neither a TLP mnemonic nor in the map's \"types\" "
          "(or \"skip_types\")", their);
    }
    if (skip) continue;
    row->v[LADON__COL_TYPE] = (char *)ladon_tlp_type_name((ladon_tlp_type)type);
    /* Time in their unit to picoseconds. */
    long double ps;
    if (!parse_time(s, row->v[COL_TIME], &ps))
      return ladon__reader_fail_at(
          r, LADON_EPARSE, (int)row->pos[COL_TIME], err,
          "time '%.40s' is not a decimal number (with an optional unit ps, "
          "ns, us, ms or s)", row->v[COL_TIME]);
    if (s->rebase) {
      if (!s->have_first) s->first_ps = ps, s->have_first = true;
      ps -= s->first_ps;
    }
    if (!(ps >= 0 && ps < 18446744073709551615.0L)) /* NaN fails too */
      return ladon__reader_fail_at(
          r, LADON_EPARSE, (int)row->pos[COL_TIME], err,
          "time '%.40s' is %s; set \"rebase\": true to count from the first "
          "TLP", row->v[COL_TIME], ps < 0 ? "negative" : "out of range");
    uint64_t t_ps = (uint64_t)(ps + 0.5L);
    /* Length (decimal or 0x hex, bytes or DW) to decimal bytes. */
    uint64_t lv;
    const char *ls = row->v[LADON__COL_LEN];
    if (ls && ladon__parse_num(ls, s->len_mult == 1 ? 4096 : 1024, &lv)) {
      snprintf(s->len_buf, sizeof s->len_buf, "%llu",
               (unsigned long long)(lv * s->len_mult));
      row->v[LADON__COL_LEN] = s->len_buf;
    }
    /* The sender: its column, else the ID of whoever sends this TLP (the
    ** completer for completions, the requester otherwise), else the
    ** constant from the map. */
    char *src = row->v[LADON__COL_SRC];
    if (src == NULL || !*src) {
      unsigned by = ladon_tlp_is_completion((ladon_tlp_type)type)
                        ? LADON__COL_CPL_ID
                        : LADON__COL_REQ_ID;
      bool has = row->v[by] && *row->v[by];
      row->v[LADON__COL_SRC] = has ? row->v[by] : s->src_name;
      row->pos[LADON__COL_SRC] = has ? row->pos[by] : 0;
      if (row->v[LADON__COL_SRC] == NULL)
        return ladon__reader_fail_at(
            r, LADON_EPARSE, 0, err,
            "no sender: the %s column is empty and the map gives no "
            "constant \"src\"", ladon__col_names[by]);
    }
    return ladon__reader_build_row(r, row, t_ps, rec, err) < 0 ? -1 : 1;
  }
}

int ladon__csv_start(ladon_trace_reader *r, const char *map_path,
                     ladon_error *err) {
  csv_state *s = calloc(1, sizeof *s);
  if (s == NULL)
    return ladon__error_set(err, LADON_ENOMEM, r->name, 0, 0,
                            "out of memory"), -1;
  r->kind = s;
  r->free_kind = csv_free;
  r->next = csv_next;
  if (load_map(s, map_path, err) < 0) return -1;
  char *line = NULL;
  while (r->line < s->header_line) {
    size_t len;
    int rc = ladon__in_line(&r->in, &line, &len, r->name, r->line + 1, err);
    if (rc < 0) return -1;
    r->line++;
    if (rc == 0)
      return ladon__reader_fail_at(r, LADON_EPARSE, 0, err,
                                   "the file ends before the header line %u "
                                   "the map names", s->header_line);
  }
  return read_header(r, s, s->header_line ? line : NULL, map_path, err);
}
