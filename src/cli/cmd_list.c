/*
** `ladon list [TYPE]`: the registered component types with their
** parameters, ports and statistics, printed from the same tables the
** topology loader checks against.  Public headers only.
**
** (The file is also valid C++ so that a unit test can include it and print
** a test-only type into a memory stream.)
*/
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "ladon/component.h"
#include "ladon/error.h"

static void list_usage(FILE *out) {
  fprintf(out,
          "usage: ladon list [TYPE]\n\n"
          "Prints every registered component type, or only TYPE, with its\n"
          "parameters (name, type, default, unit, allowed range or choices,\n"
          "description), ports and statistics.  A port written d[0-31]\n"
          "stands for d0 ... d31.  Values use the syntax of docs/units.md.\n\n"
          "exit status: 0 ok, 2 unknown TYPE or bad arguments\n");
}

/* The RANGE column: bounds, or an enum's choices, or "-". */
static const char *range_text(const ladon_param_desc *d, char *buf,
                              size_t size) {
  if (d->type == LADON_PARAM_ENUM && d->choices) {
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; d->choices[i] && o < size; i++) {
      int w = snprintf(buf + o, size - o, "%s%s", i ? "|" : "", d->choices[i]);
      if (w < 0) break;
      o += (size_t)w;
    }
    return buf;
  }
  if (d->min && d->max) snprintf(buf, size, "%s..%s", d->min, d->max);
  else if (d->min) snprintf(buf, size, ">=%s", d->min);
  else if (d->max) snprintf(buf, size, "<=%s", d->max);
  else snprintf(buf, size, "-");
  return buf;
}

static const char *or_dash(const char *s) { return s && s[0] ? s : "-"; }

static int max_int(int a, int b) { return a > b ? a : b; }

static int text_width(const char *s) { return (int)strlen(s); }

static void print_params(FILE *out, const ladon_component_type *t) {
  int w[5] = {4, 4, 7, 4, 5}; /* NAME TYPE DEFAULT UNIT RANGE */
  char range[256];
  for (size_t i = 0; i < t->n_params; i++) {
    const ladon_param_desc *d = &t->params[i];
    w[0] = max_int(w[0], text_width(d->name));
    w[1] = max_int(w[1], text_width(ladon_param_type_name(d->type)));
    w[2] = max_int(w[2], text_width(d->default_value ? d->default_value
                                                     : "(required)"));
    w[3] = max_int(w[3], text_width(or_dash(ladon_param_unit(d))));
    w[4] = max_int(w[4], text_width(range_text(d, range, sizeof range)));
  }
  fprintf(out, "  parameters:\n");
  if (t->n_params == 0) {
    fprintf(out, "    (none)\n");
    return;
  }
  fprintf(out, "    %-*s  %-*s  %-*s  %-*s  %-*s  %s\n", w[0], "NAME", w[1],
          "TYPE", w[2], "DEFAULT", w[3], "UNIT", w[4], "RANGE", "DESCRIPTION");
  for (size_t i = 0; i < t->n_params; i++) {
    const ladon_param_desc *d = &t->params[i];
    fprintf(out, "    %-*s  %-*s  %-*s  %-*s  %-*s  %s\n", w[0], d->name, w[1],
            ladon_param_type_name(d->type), w[2],
            d->default_value ? d->default_value : "(required)", w[3],
            or_dash(ladon_param_unit(d)), w[4],
            range_text(d, range, sizeof range), d->description);
  }
}

static void print_ports(FILE *out, const ladon_component_type *t) {
  int w = 4;
  for (size_t i = 0; i < t->n_ports; i++)
    w = max_int(w, text_width(t->ports[i].name));
  fprintf(out, "  ports:\n");
  if (t->n_ports == 0) {
    fprintf(out, "    (none)\n");
    return;
  }
  fprintf(out, "    %-*s  %s\n", w, "NAME", "DESCRIPTION");
  for (size_t i = 0; i < t->n_ports; i++)
    fprintf(out, "    %-*s  %s\n", w, t->ports[i].name,
            t->ports[i].description);
}

static void print_stats(FILE *out, const ladon_component_type *t) {
  int w[2] = {4, 4};
  for (size_t i = 0; i < t->n_stats; i++) {
    w[0] = max_int(w[0], text_width(t->stats[i].name));
    w[1] = max_int(w[1], text_width(or_dash(t->stats[i].unit)));
  }
  fprintf(out, "  statistics:\n");
  if (t->n_stats == 0) {
    fprintf(out, "    (none)\n");
    return;
  }
  fprintf(out, "    %-*s  %-*s  %s\n", w[0], "NAME", w[1], "UNIT",
          "DESCRIPTION");
  for (size_t i = 0; i < t->n_stats; i++)
    fprintf(out, "    %-*s  %-*s  %s\n", w[0], t->stats[i].name, w[1],
            or_dash(t->stats[i].unit), t->stats[i].description);
}

static void print_type(FILE *out, const ladon_component_type *t) {
  fprintf(out, "%s: %s\n", t->name, t->description);
  print_params(out, t);
  print_ports(out, t);
  print_stats(out, t);
}

static int list_run(int argc, char **argv, FILE *out, FILE *errs) {
  if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    list_usage(out);
    return CLI_OK;
  }
  if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
    const char *bad = argv[1][0] == '-' ? argv[1] : argv[2];
    fprintf(errs,
            "ladon list: unexpected argument '%s' (see 'ladon list --help')\n",
            bad);
    return CLI_BAD_INPUT;
  }
  if (argc == 2) {
    const ladon_component_type *t = ladon_component_find(argv[1]);
    if (t == NULL) {
      const char *hint = ladon_component_suggest(argv[1]);
      if (hint)
        fprintf(errs,
                "ladon list: unknown component type '%s' (did you mean "
                "'%s'?)\n",
                argv[1], hint);
      else if (ladon_component_count() == 0)
        fprintf(errs,
                "ladon list: unknown component type '%s' (no component "
                "types are registered)\n",
                argv[1]);
      else
        fprintf(errs,
                "ladon list: unknown component type '%s' (see 'ladon "
                "list')\n",
                argv[1]);
      return CLI_BAD_INPUT;
    }
    print_type(out, t);
    return CLI_OK;
  }
  size_t n = ladon_component_count();
  if (n == 0) {
    fprintf(out, "no component types are registered\n");
    return CLI_OK;
  }
  for (size_t i = 0; i < n; i++) {
    if (i) fputc('\n', out);
    print_type(out, ladon_component_at(i));
  }
  return CLI_OK;
}

int cli_cmd_list(int argc, char **argv) {
  return list_run(argc, argv, stdout, stderr);
}
