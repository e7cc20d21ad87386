/*
** `ladon trace convert|stats`: trace files between formats, and what a
** trace holds (docs/trace-format.md).  Public headers only.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "ladon/trace.h"

static void usage_convert(FILE *out) {
  fprintf(out,
          "usage: ladon trace convert IN OUT [--format ltr|ltb]\n"
          "                           [--from csv --map MAP.json | --from "
          "mmiotrace [--src NAME]]\n\n"
          "Reads the trace IN and writes it to OUT.  IN may be .ltr or .ltb,\n"
          "plain or gzip (told by its first bytes), or, with --from, a\n"
          "protocol-analyzer CSV export read through the column map MAP.json\n"
          "or a Linux mmiotrace log (CPU MMIO reads and writes sent by NAME,\n"
          "default 'cpu').  OUT's format comes from its name (.ltr, .ltb, and\n"
          ".gz for gzip) unless --format names it.  Nothing is written when\n"
          "IN is bad.\n\n"
          "exit status: 0 ok, 2 bad input (one line FILE:LINE: message)\n");
}

static void usage_stats(FILE *out) {
  fprintf(out,
          "usage: ladon trace stats IN [--from csv --map MAP.json | --from "
          "mmiotrace [--src NAME]]\n\n"
          "Prints what the trace IN holds: TLPs and bytes (the len column) in\n"
          "all, by type and by requester (src); the time span; the rate in\n"
          "TLPs/s and GB/s (10^9 B/s of data: writes, completions with data,\n"
          "AtomicOps, MsgD), counting every TLP after the first over the span\n"
          "from the first to the last.\n\n"
          "exit status: 0 ok, 2 bad input (one line FILE:LINE: message)\n");
}

static void usage(FILE *out) {
  fprintf(out, "usage: ladon trace convert IN OUT [OPTIONS]\n"
               "       ladon trace stats IN [OPTIONS]\n"
               "       ladon trace convert|stats --help\n\n"
               "Trace files: .ltr (text) and .ltb (binary), plain or gzip;\n"
               "imports from analyzer CSV and Linux mmiotrace.  See\n"
               "docs/trace-format.md.\n");
}

static int fail(const ladon_error *err) {
  char msg[LADON_ERROR_TEXT_MAX + LADON_ERROR_FILE_MAX + 32];
  fprintf(stderr, "%s\n", ladon_error_format(err, msg, sizeof msg));
  return CLI_BAD_INPUT;
}

static int bad_args(const char *cmd, const char *what, const char *arg) {
  fprintf(stderr, "ladon trace %s: %s%s%s%s (see 'ladon trace %s --help')\n",
          cmd, what, arg ? " '" : "", arg ? arg : "", arg ? "'" : "", cmd);
  return CLI_BAD_INPUT;
}

typedef struct options {
  const char *files[2];
  int nfiles;
  ladon_trace_format from, format;
  const char *map, *src;
} options;

static int parse_args(const char *cmd, int argc, char **argv, int want,
                      options *o) {
  memset(o, 0, sizeof *o);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool has_value = i + 1 < argc;
    if (!strcmp(a, "--from") || !strcmp(a, "--format")) {
      if (!has_value) return bad_args(cmd, "missing value after", a);
      ladon_trace_format f = ladon_trace_format_from_name(argv[++i]);
      if (f == LADON_TRACE_AUTO)
        return bad_args(cmd, "unknown format", argv[i]);
      if (a[2] == 'f' && a[3] == 'r') {
        o->from = f;
      } else {
        if (f != LADON_TRACE_LTR && f != LADON_TRACE_LTB)
          return bad_args(cmd, "traces are written as ltr or ltb, not",
                          argv[i]);
        if (strcmp(cmd, "convert"))
          return bad_args(cmd, "unknown option", a);
        o->format = f;
      }
    } else if (!strcmp(a, "--map") || !strcmp(a, "--src")) {
      if (!has_value) return bad_args(cmd, "missing value after", a);
      if (a[2] == 'm') o->map = argv[++i];
      else o->src = argv[++i];
    } else if (a[0] == '-' && a[1] != '\0') {
      return bad_args(cmd, "unknown option", a);
    } else if (o->nfiles < want) {
      o->files[o->nfiles++] = a;
    } else {
      return bad_args(cmd, "unexpected argument", a);
    }
  }
  if (o->nfiles < want)
    return bad_args(cmd, want == 2 ? "needs IN and OUT" : "needs IN", NULL);
  if (o->from == LADON_TRACE_CSV && o->map == NULL)
    return bad_args(cmd, "--from csv needs --map MAP.json", NULL);
  if (o->map && o->from != LADON_TRACE_CSV)
    return bad_args(cmd, "--map is for --from csv", NULL);
  if (o->src && o->from != LADON_TRACE_MMIOTRACE)
    return bad_args(cmd, "--src is for --from mmiotrace", NULL);
  return CLI_OK;
}

static ladon_trace_reader *open_input(const options *o, ladon_error *err) {
  const char *in = o->files[0];
  ladon_trace_reader *r;
  if (o->from == LADON_TRACE_CSV) return ladon_trace_open_csv(in, o->map, err);
  if (o->from == LADON_TRACE_MMIOTRACE)
    return ladon_trace_open_mmiotrace(in, o->src, err);
  r = ladon_trace_open(in, err);
  if (r && o->from != LADON_TRACE_AUTO &&
      ladon_trace_reader_format(r) != o->from) {
    snprintf(err->file, sizeof err->file, "%s", in);
    err->line = err->column = 0;
    err->code = LADON_EPARSE;
    snprintf(err->text, sizeof err->text, "is an %s trace, not %s",
             ladon_trace_format_name(ladon_trace_reader_format(r)),
             ladon_trace_format_name(o->from));
    ladon_trace_reader_close(r);
    return NULL;
  }
  return r;
}

static int convert(int argc, char **argv) {
  options o;
  if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
    return usage_convert(stdout), CLI_OK;
  int rc = parse_args("convert", argc, argv, 2, &o);
  if (rc != CLI_OK) return rc;
  ladon_error err;
  ladon_error_clear(&err);
  ladon_trace_reader *r = open_input(&o, &err);
  if (r == NULL) return fail(&err);
  ladon_trace_writer *w = ladon_trace_writer_open(o.files[1], o.format, &err);
  if (w == NULL) {
    ladon_trace_reader_close(r);
    return fail(&err);
  }
  ladon_trace_record rec;
  int got;
  while ((got = ladon_trace_reader_next(r, &rec, &err)) == 1)
    if (ladon_trace_write(w, &rec, &err) != LADON_OK) {
      got = -1;
      break;
    }
  ladon_trace_reader_close(r);
  if (got < 0) {
    ladon_trace_writer_abort(w); /* no partial output */
    return fail(&err);
  }
  if (ladon_trace_writer_close(w, &err) != LADON_OK) return fail(&err);
  return CLI_OK;
}

/* ---- stats ------------------------------------------------------------- */

typedef struct tally {
  unsigned long long tlps, bytes;
} tally;

/* Requesters by their interned name (same name, same pointer), in order
** of first appearance. */
typedef struct src_table {
  const char **names;
  tally *t;
  size_t count, cap;
  size_t *slots; /* index + 1 */
  size_t mask;
} src_table;

static size_t ptr_hash(const void *p) {
  unsigned long long x = (unsigned long long)(size_t)p;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return (size_t)x;
}

static tally *src_tally(src_table *s, const char *name) {
  if (s->count * 2 >= s->mask) { /* grow: keep the load under one half */
    size_t size = s->mask ? (s->mask + 1) * 2 : 64;
    size_t *slots = calloc(size, sizeof *slots);
    if (slots == NULL) return NULL;
    for (size_t i = 0; i < s->count; i++) {
      size_t j = ptr_hash(s->names[i]) & (size - 1);
      while (slots[j]) j = (j + 1) & (size - 1);
      slots[j] = i + 1;
    }
    free(s->slots);
    s->slots = slots;
    s->mask = size - 1;
  }
  size_t j = ptr_hash(name) & s->mask;
  for (; s->slots[j]; j = (j + 1) & s->mask)
    if (s->names[s->slots[j] - 1] == name) return &s->t[s->slots[j] - 1];
  if (s->count == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    const char **names = realloc((void *)s->names, cap * sizeof *names);
    if (names == NULL) return NULL;
    s->names = names;
    tally *t = realloc(s->t, cap * sizeof *t);
    if (t == NULL) return NULL;
    s->t = t;
    s->cap = cap;
  }
  s->names[s->count] = name;
  memset(&s->t[s->count], 0, sizeof s->t[0]);
  s->slots[j] = ++s->count;
  return &s->t[s->count - 1];
}

static int stats(int argc, char **argv) {
  options o;
  if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
    return usage_stats(stdout), CLI_OK;
  int rc = parse_args("stats", argc, argv, 1, &o);
  if (rc != CLI_OK) return rc;
  ladon_error err;
  ladon_error_clear(&err);
  ladon_trace_reader *r = open_input(&o, &err);
  if (r == NULL) return fail(&err);
  tally by_type[LADON_TLP__TYPE_COUNT];
  memset(by_type, 0, sizeof by_type);
  src_table srcs;
  memset(&srcs, 0, sizeof srcs);
  tally all = {0, 0};
  unsigned long long data_bytes = 0, first_data_bytes = 0;
  unsigned long long first_ps = 0, last_ps = 0;
  ladon_trace_record rec;
  int got;
  while ((got = ladon_trace_reader_next(r, &rec, &err)) == 1) {
    unsigned long long len = ladon_trace_len_bytes(&rec.tlp);
    bool data = ladon_tlp_type_has_data((ladon_tlp_type)rec.tlp.type);
    tally *s = src_tally(&srcs, rec.src);
    if (s == NULL) {
      fprintf(stderr, "ladon trace stats: out of memory\n");
      got = -2;
      break;
    }
    if (all.tlps == 0) {
      first_ps = rec.t_ps;
      first_data_bytes = data ? len : 0;
    }
    last_ps = rec.t_ps;
    all.tlps++, all.bytes += len;
    by_type[rec.tlp.type].tlps++, by_type[rec.tlp.type].bytes += len;
    s->tlps++, s->bytes += len;
    if (data) data_bytes += len;
  }
  if (got < 0) {
    ladon_trace_reader_close(r);
    free((void *)srcs.names);
    free(srcs.t);
    free(srcs.slots);
    return got == -1 ? fail(&err) : CLI_BAD_INPUT;
  }
  /* The names are the reader's: print before closing it. */
  const char *fmt = ladon_trace_format_name(ladon_trace_reader_format(r));
  bool gz = ladon_trace_reader_gzip(r);
  unsigned long long span = last_ps - first_ps;
  printf("trace        %s (%s%s)\n", o.files[0], fmt, gz ? ", gzip" : "");
  printf("tlps         %llu\n", all.tlps);
  printf("bytes        %llu (data %llu)\n", all.bytes, data_bytes);
  printf("time         %llu .. %llu ps (span %llu ps)\n", first_ps, last_ps,
         span);
  if (all.tlps > 1 && span > 0) {
    double s = (double)span * 1e-12;
    printf("rate         %.6g TLPs/s, %.4f GB/s\n",
           (double)(all.tlps - 1) / s,
           (double)(data_bytes - first_data_bytes) / s / 1e9);
  } else {
    printf("rate         - (needs two TLPs at different times)\n");
  }
  printf("\n%-12s %12s %14s\n", "type", "tlps", "bytes");
  for (unsigned t = 1; t < LADON_TLP__TYPE_COUNT; t++)
    if (by_type[t].tlps)
      printf("%-12s %12llu %14llu\n", ladon_tlp_type_name((ladon_tlp_type)t),
             by_type[t].tlps, by_type[t].bytes);
  printf("\n%-12s %12s %14s\n", "src", "tlps", "bytes");
  for (size_t i = 0; i < srcs.count; i++)
    printf("%-12s %12llu %14llu\n", srcs.names[i], srcs.t[i].tlps,
           srcs.t[i].bytes);
  ladon_trace_reader_close(r);
  free((void *)srcs.names);
  free(srcs.t);
  free(srcs.slots);
  return CLI_OK;
}

int cli_cmd_trace(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return CLI_BAD_INPUT;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(stdout);
    return CLI_OK;
  }
  if (!strcmp(argv[1], "convert")) return convert(argc - 1, argv + 1);
  if (!strcmp(argv[1], "stats")) return stats(argc - 1, argv + 1);
  fprintf(stderr, "ladon trace: unknown subcommand '%s' (convert, stats)\n",
          argv[1]);
  return CLI_BAD_INPUT;
}
