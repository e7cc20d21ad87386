/* `ladon check`: configure a fabric and verify isolation (docs/check.md). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "ladon/check.h"
#include "ladon/ladon.h"

static const char usage[] =
    "usage: ladon check TOPO.json [--json F] [--max-probes N] [--no-probes]\n"
    "                   [--seed N] [-v] [-q]\n\n"
    "Builds and configures the fabric of TOPO.json (enumeration, VMs, the\n"
    "Ladon manager's tables, the topology's \"tables\" edits), then verifies\n"
    "isolation: statically, by composing every table for every requester\n"
    "(functions, VMs' vCPUs, hosts' CPUs), and dynamically, by injecting\n"
    "probe TLPs at the edges of every range found and comparing where they\n"
    "end.  Prints one line per violation naming the requester, the target\n"
    "and the table entries that let it through (docs/check.md).\n\n"
    "  --json F         write the whole result to F as JSON\n"
    "  --max-probes N   at most N probe TLPs (default 4000)\n"
    "  --no-probes      static analysis only\n"
    "  --seed N         random seed (default: the topology's, else 1)\n"
    "  -v               also print every range of every requester\n"
    "  -q               print nothing but errors\n\n"
    "exit status: 0 isolation holds, 1 violations (or probe disagreements)\n"
    "found, 2 bad input\n";

static int bad(const char *fmt, const char *arg) {
  return cli_usage_error("check", fmt, arg);
}

static bool parse_u64(const char *s, uint64_t *out) {
  char *end = NULL;
  if (s == NULL || *s == '\0' || *s == '-') return false;
  unsigned long long v = strtoull(s, &end, 0);
  if (*end != '\0') return false;
  *out = v;
  return true;
}

int cli_cmd_check(int argc, char **argv) {
  const char *topo = NULL, *json = NULL;
  uint64_t seed = 0, max_probes = 0;
  bool seed_set = false, verbose = false, quiet = false, no_probes = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(usage, stdout);
      return CLI_OK;
    } else if (!strcmp(a, "--json")) {
      if (++i >= argc) return bad("%s needs a file name", a);
      json = argv[i];
    } else if (!strcmp(a, "--max-probes")) {
      if (++i >= argc || !parse_u64(argv[i], &max_probes) || max_probes == 0 ||
          max_probes > UINT32_MAX)
        return bad("--max-probes needs a count from 1 to 4294967295, got '%s'",
                   i < argc ? argv[i] : "");
    } else if (!strcmp(a, "--no-probes")) {
      no_probes = true;
    } else if (!strcmp(a, "--seed")) {
      if (++i >= argc || !parse_u64(argv[i], &seed))
        return bad("--seed needs a non-negative integer, got '%s'", i < argc ? argv[i] : "");
      seed_set = true;
    } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
      verbose = true;
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      quiet = true;
    } else if (a[0] == '-' && a[1] != '\0') {
      return bad("unknown option '%s'", a);
    } else if (topo == NULL) {
      topo = a;
    } else {
      return bad("unexpected argument '%s'", a);
    }
  }
  if (topo == NULL) return bad("%s", "missing TOPO.json");
  ladon_error err;
  ladon_fabric_options opts = {.seed_set = seed_set, .seed = seed};
  ladon_fabric *f = ladon_fabric_load(topo, &opts, &err);
  if (f == NULL) {
    char line[LADON_ERROR_FILE_MAX + LADON_ERROR_TEXT_MAX + 32];
    fprintf(stderr, "%s\n", ladon_error_format(&err, line, sizeof line));
    return CLI_BAD_INPUT;
  }
  ladon_check_options co = {.max_probes = (uint32_t)max_probes, .no_probes = no_probes};
  ladon_check *c = NULL;
  ladon_status st = ladon_check_run(f, &co, &c, &err);
  if (st != LADON_OK) {
    fprintf(stderr, "ladon check: %s: %s\n", topo, err.text);
    ladon_fabric_free(f);
    return CLI_BAD_INPUT;
  }
  int rc = ladon_check_ok(c) ? CLI_OK : CLI_VIOLATION;
  if (!quiet) ladon_check_write_text(c, verbose, stdout);
  if (json) {
    cli_out o;
    if (cli_out_open(&o, json) != 0) {
      rc = CLI_BAD_INPUT;
    } else if (ladon_check_write_json(c, o.f) != LADON_OK) {
      fprintf(stderr, "ladon check: %s: cannot write\n", json);
      cli_out_abort(&o);
      rc = CLI_BAD_INPUT;
    } else if (cli_out_commit(&o) != 0) {
      rc = CLI_BAD_INPUT;
    }
  }
  ladon_check_free(c);
  ladon_fabric_free(f);
  return rc;
}
