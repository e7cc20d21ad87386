/* `ladon graph`: topology analysis with the Boost.Graph add-on (docs/graph.md). */
#include <stdio.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "ladon/ladon.h"
#ifdef LADON_CLI_HAVE_GRAPH
#include "ladon/graph.h"
#endif

static const char usage[] =
    "usage: ladon graph TOPO.json [--dot F.dot] [--json F.json] [-q]\n\n"
    "Builds the fabric graph of TOPO.json (hosts, root ports, switches and\n"
    "their ports, NTB sides, devices and their functions, joined by the\n"
    "links), finds each PCIe domain (what a host reaches without crossing an\n"
    "NTB) and checks that it is a tree, lists every requester -> target path\n"
    "with its hop counts (links, switches, NTBs crossed), and prints the\n"
    "reachability matrix before translation (physical paths) and after it\n"
    "(the programmed tables, as `ladon check` composes them statically).\n\n"
    "  --dot F.dot    write Graphviz DOT: a cluster per domain, NTBs between\n"
    "  --json F.json  write the whole analysis as JSON\n"
    "  -q             print nothing but errors and findings\n\n"
    "exit status: 0 every domain is a tree, 1 a domain is not a tree,\n"
    "2 bad input (or a build without the graph add-on)\n";

static int bad(const char *fmt, const char *arg) {
  return cli_usage_error("graph", fmt, arg);
}

#ifdef LADON_CLI_HAVE_GRAPH
static int write_out(const char *path, ladon_status (*fn)(const ladon_graph *, FILE *),
                     const ladon_graph *g) {
  cli_out o;
  if (cli_out_open(&o, path) != 0) return -1;
  if (fn(g, o.f) != LADON_OK) {
    fprintf(stderr, "ladon graph: %s: cannot write\n", path);
    cli_out_abort(&o);
    return -1;
  }
  return cli_out_commit(&o);
}
#endif

int cli_cmd_graph(int argc, char **argv) {
  const char *topo = NULL, *dot = NULL, *json = NULL;
  int quiet = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(usage, stdout);
      return CLI_OK;
    } else if (!strcmp(a, "--dot")) {
      if (++i >= argc) return bad("%s needs a file name", a);
      dot = argv[i];
    } else if (!strcmp(a, "--json")) {
      if (++i >= argc) return bad("%s needs a file name", a);
      json = argv[i];
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      quiet = 1;
    } else if (a[0] == '-' && a[1] != '\0') {
      return bad("unknown option '%s'", a);
    } else if (topo == NULL) {
      topo = a;
    } else {
      return bad("unexpected argument '%s'", a);
    }
  }
  if (topo == NULL) return bad("%s", "missing TOPO.json");
#ifndef LADON_CLI_HAVE_GRAPH
  (void)dot;
  (void)json;
  (void)quiet;
  fprintf(stderr,
          "ladon graph: this build has no graph add-on (configure with "
          "-DLADON_WITH_GRAPH=ON and Boost.Graph installed)\n");
  return CLI_BAD_INPUT;
#else
  ladon_error err;
  ladon_graph *g = ladon_graph_load(topo, &err);
  if (g == NULL) {
    char line[LADON_ERROR_FILE_MAX + LADON_ERROR_TEXT_MAX + 32];
    fprintf(stderr, "%s\n", ladon_error_format(&err, line, sizeof line));
    return CLI_BAD_INPUT;
  }
  int rc = ladon_graph_ok(g) ? CLI_OK : CLI_VIOLATION;
  if (!quiet) {
    ladon_graph_write_text(g, stdout);
  } else {
    for (size_t i = 0; i < ladon_graph_finding_count(g); i++)
      printf("finding: %s\n", ladon_graph_finding_at(g, i));
  }
  if (dot && write_out(dot, ladon_graph_write_dot, g) != 0) rc = CLI_BAD_INPUT;
  if (json && write_out(json, ladon_graph_write_json, g) != 0) rc = CLI_BAD_INPUT;
  ladon_graph_free(g);
  return rc;
#endif
}
