/* `ladon compare`: the same traffic on two fabrics, side by side. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "ladon/compare.h"
#include "ladon/ladon.h"

static const char usage[] =
    "usage: ladon compare A.json B.json (--trace T | --workloads-of A)\n"
    "                     [--open-loop|--closed-loop] [--map SRC=REQUESTER]...\n"
    "                     [--stop-at TIME] [--seed N] [--json F.json]\n\n"
    "Runs the same traffic on fabrics A and B and prints per flow the\n"
    "throughput and latency p50/p99 on each with the ratios B/A, then each\n"
    "flow's path hop by hop: mean time in each component and on each link\n"
    "(docs/compare.md).\n\n"
    "  --trace T          replay trace T on both (as 'ladon replay'; the\n"
    "                     topologies' own workloads do not run)\n"
    "  --workloads-of A   B runs A's workloads, under the same names; their\n"
    "                     functions and VMs must exist in B\n"
    "  --open-loop, --closed-loop, --map S=R   as 'ladon replay'\n"
    "  --stop-at TIME     stop both this long after configuration (default: A's\n"
    "                     stop_at, else when the traffic is done)\n"
    "  --seed N           random seed for both\n"
    "  --json F           also write the figures as JSON\n\n"
    "exit status: 0 ok, 2 bad input\n";

#define MAX_MAPS 256

static int bad(const char *fmt, const char *arg) {
  return cli_usage_error("compare", fmt, arg);
}

int cli_cmd_compare(int argc, char **argv) {
  const char *a = NULL, *b = NULL, *trace = NULL, *wl_of = NULL, *json = NULL;
  const char *stop_text = NULL;
  static char srcs[MAX_MAPS][256];
  const char *map_src[MAX_MAPS], *map_to[MAX_MAPS];
  size_t n_maps = 0;
  bool closed = false, seed_set = false;
  uint64_t seed = 0;
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i];
    if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
      fputs(usage, stdout);
      return CLI_OK;
    } else if (!strcmp(o, "--open-loop")) {
      closed = false;
    } else if (!strcmp(o, "--closed-loop")) {
      closed = true;
    } else if (!strcmp(o, "--trace") || !strcmp(o, "--workloads-of") || !strcmp(o, "--json") ||
               !strcmp(o, "--map") || !strcmp(o, "--stop-at") || !strcmp(o, "--seed")) {
      if (i + 1 >= argc) return bad("%s needs a value", o);
      const char *v = argv[++i];
      if (!strcmp(o, "--trace")) trace = v;
      else if (!strcmp(o, "--workloads-of")) wl_of = v;
      else if (!strcmp(o, "--json")) json = v;
      else if (!strcmp(o, "--stop-at")) stop_text = v;
      else if (!strcmp(o, "--seed")) {
        ladon_error e;
        if (ladon_parse_u64(v, &seed, &e) != LADON_OK) return bad("--seed: %s", e.text);
        seed_set = true;
      } else {
        const char *eq = strchr(v, '=');
        if (!eq || eq == v || !eq[1] || (size_t)(eq - v) >= sizeof srcs[0])
          return bad("--map: '%s' is not SRC=REQUESTER", v);
        if (n_maps == MAX_MAPS) return bad("%s: at most 256 maps", o);
        memcpy(srcs[n_maps], v, (size_t)(eq - v));
        srcs[n_maps][eq - v] = '\0';
        map_src[n_maps] = srcs[n_maps];
        map_to[n_maps++] = eq + 1;
      }
    } else if (o[0] == '-' && o[1] != '\0') {
      return bad("unknown option '%s'", o);
    } else if (a == NULL) {
      a = o;
    } else if (b == NULL) {
      b = o;
    } else {
      return bad("unexpected argument '%s'", o);
    }
  }
  if (a == NULL || b == NULL) return bad("%s", "missing A.json or B.json");
  if (!trace == !wl_of) return bad("%s", "give one of --trace T and --workloads-of A");
  if (wl_of && strcmp(wl_of, a))
    return bad("--workloads-of: '%s' is not the first topology (B runs A's workloads: "
               "give A's path again)", wl_of);
  if (n_maps && !trace) return bad("%s", "--map goes with --trace");
  if (json && !cli_ends_with(json, ".json")) return bad("--json: '%s' must end in .json", json);
  ladon_time_ps stop = 0;
  if (stop_text) {
    ladon_error e;
    if (ladon_parse_time_ps(stop_text, &stop, &e) != LADON_OK) return bad("--stop-at: %s", e.text);
  }
  ladon_fabric_options fo = {.seed_set = seed_set, .seed = seed};
  ladon_compare_options co;
  memset(&co, 0, sizeof co);
  co.trace = trace;
  co.replay.mode = closed ? LADON_REPLAY_CLOSED_LOOP : LADON_REPLAY_OPEN_LOOP;
  co.map_src = map_src;
  co.map_to = map_to;
  co.n_maps = n_maps;
  co.stop_ps = stop;
  co.fabric = &fo;

  /* The table goes to a temporary stream first: nothing is printed for
     bad input. */
  FILE *tmp = tmpfile();
  cli_out jo;
  if (tmp == NULL) {
    fprintf(stderr, "ladon compare: cannot create a temporary file\n");
    return CLI_BAD_INPUT;
  }
  if (json && cli_out_open(&jo, json) != 0) {
    fclose(tmp);
    return CLI_BAD_INPUT;
  }
  ladon_error err;
  ladon_status st = ladon_compare_run(a, b, &co, tmp, json ? jo.f : NULL, &err);
  if (st != LADON_OK) {
    char line[LADON_ERROR_FILE_MAX + LADON_ERROR_TEXT_MAX + 32];
    fprintf(stderr, "%s\n", ladon_error_format(&err, line, sizeof line));
    if (json) cli_out_abort(&jo);
    fclose(tmp);
    return CLI_BAD_INPUT;
  }
  int rc = CLI_OK;
  if (json && cli_out_commit(&jo) != 0) rc = CLI_BAD_INPUT;
  rewind(tmp);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, tmp)) > 0) fwrite(buf, 1, n, stdout);
  fclose(tmp);
  return rc;
}
