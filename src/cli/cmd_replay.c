/* `ladon replay`: inject a trace's requests at the requesters of a fabric. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"
#include "commands.h"
#include "ladon/ladon.h"
#include "ladon/replay.h"

static const char usage[] =
    "usage: ladon replay TOPO.json TRACE [--open-loop|--closed-loop]\n"
    "                    [--map SRC=REQUESTER]... [--window N] [--with-workloads]\n"
    "                    [--from mmiotrace [--src NAME]] [--stop-at TIME]\n"
    "                    [--seed N] [--outdir DIR] [--stats F.json|F.csv] [-q]\n\n"
    "Builds the fabric of TOPO.json and injects the requests of TRACE (.ltr,\n"
    ".ltb, plain or gzip; docs/trace-format.md) at their requesters: an SR-IOV\n"
    "function's DMA engine (DEV.pf, DEV.vfK) or a host core (HOST.cpuN). A\n"
    "record's src names its requester in those forms or as a routing ID bb:dd.f\n"
    "of the fabric (00:00.0: the host's cpu0). Completions in the trace give\n"
    "the captured latency, printed next to the simulated one.\n\n"
    "  --open-loop      issue each request at its captured time, counted from\n"
    "                   the end of configuration, or later if its requester\n"
    "                   has no tag, credit or window room (default)\n"
    "  --closed-loop    ignore times: each requester issues in trace order as\n"
    "                   soon as its limits allow; a request the trace shows after\n"
    "                   k completed reads of its requester waits for k reads\n"
    "  --map S=R        records with src S come from requester R; may be repeated\n"
    "  --window N       requests a requester holds queued or in flight (1024)\n"
    "  --with-workloads also run TOPO.json's own workloads (default: only the\n"
    "                   trace's traffic)\n"
    "  --from mmiotrace TRACE is a Linux mmiotrace log; --src NAME names its\n"
    "                   requester (default cpu, so --map cpu=HOST.cpuN)\n"
    "  --stop-at TIME   stop the simulation this long after configuration\n"
    "  --seed N         random seed (default: the topology's, else 1)\n"
    "  --outdir DIR     where outputs go (default ladon-out): DIR/stats.json,\n"
    "                   DIR/resolved.json\n"
    "  --stats F        also write statistics to F (.json or .csv)\n"
    "  -q               no summary\n\n"
    "exit status: 0 ok, 2 bad input (a malformed trace line, a source that\n"
    "names no requester: FILE:LINE: message, and no output files)\n";

#define MAX_MAPS 256

static int bad(const char *fmt, const char *arg) {
  return cli_usage_error("replay", fmt, arg);
}

static double wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void print_error(const ladon_error *e) {
  char line[LADON_ERROR_FILE_MAX + LADON_ERROR_TEXT_MAX + 32];
  fprintf(stderr, "%s\n", ladon_error_format(e, line, sizeof line));
}


static double hist_ns(const ladon_stats *s, const char *rq, const char *leaf, double q,
                      uint64_t *count) {
  char name[600];
  snprintf(name, sizeof name, "flow.replay.%s.%s", rq, leaf);
  const ladon_stat *st = ladon_stats_find(s, name);
  const ladon_hist *h = st ? ladon_stat_as_hist(st) : NULL;
  *count = h ? ladon_hist_count(h) : 0;
  if (*count == 0) return 0.0;
  return q < 0 ? ladon_hist_mean(h) / 1e3 : (double)ladon_hist_quantile(h, q) / 1e3;
}

/* Per requester: simulated and captured latency side by side. */
static void print_replay(ladon_replay *rp, ladon_fabric *f, bool closed) {
  ladon_replay_counts n;
  ladon_replay_counts_get(rp, &n);
  const ladon_stats *s = ladon_sim_stats(ladon_fabric_sim(f));
  printf("\nreplay (%s loop): %llu records, %llu requests, %llu completions, %llu skipped, "
         "%llu delayed, %llu errors%s\n",
         closed ? "closed" : "open", (unsigned long long)n.records,
         (unsigned long long)n.requests, (unsigned long long)n.completions,
         (unsigned long long)n.skipped, (unsigned long long)n.delayed,
         (unsigned long long)n.errors, n.done ? "" : ", unfinished");
  printf("%-20s %10s %10s %10s %10s %10s %12s\n", "requester", "sim p50", "sim p99",
         "capt. n", "capt. p50", "capt. p99", "delay mean");
  for (uint32_t i = 0; i < n.requesters; i++) {
    const char *rq = ladon_replay_requester_name(rp, i);
    uint64_t c_sim, c_cap, c_del;
    double s50 = hist_ns(s, rq, "latency_ps", 0.5, &c_sim);
    double s99 = hist_ns(s, rq, "latency_ps", 0.99, &c_sim);
    double c50 = hist_ns(s, rq, "captured_latency_ps", 0.5, &c_cap);
    double c99 = hist_ns(s, rq, "captured_latency_ps", 0.99, &c_cap);
    double dm = hist_ns(s, rq, "issue_delay_ps", -1, &c_del);
    printf("%-20s %10.1f %10.1f %10llu %10.1f %10.1f %12.1f\n", rq, s50, s99,
           (unsigned long long)c_cap, c50, c99, dm);
  }
  printf("(latencies in ns; simulated: first TLP issued -> done; captured: the trace's "
         "read -> last completion)\n");
}

int cli_cmd_replay(int argc, char **argv) {
  const char *topo = NULL, *trace = NULL, *outdir = "ladon-out", *stats = NULL;
  const char *stop_text = NULL, *from = NULL, *src_name = NULL;
  const char *maps[MAX_MAPS];
  size_t n_maps = 0;
  bool quiet = false, seed_set = false, closed = false, with_workloads = false;
  uint64_t seed = 0, window = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(usage, stdout);
      return CLI_OK;
    } else if (!strcmp(a, "-q")) {
      quiet = true;
    } else if (!strcmp(a, "--open-loop")) {
      closed = false;
    } else if (!strcmp(a, "--closed-loop")) {
      closed = true;
    } else if (!strcmp(a, "--with-workloads")) {
      with_workloads = true;
    } else if (!strcmp(a, "--map") || !strcmp(a, "--stats") || !strcmp(a, "--outdir") ||
               !strcmp(a, "--seed") || !strcmp(a, "--stop-at") || !strcmp(a, "--window") ||
               !strcmp(a, "--from") || !strcmp(a, "--src")) {
      if (i + 1 >= argc) return bad("%s needs a value", a);
      const char *v = argv[++i];
      ladon_error e;
      if (!strcmp(a, "--map")) {
        const char *eq = strchr(v, '=');
        if (!eq || eq == v || !eq[1]) return bad("--map: '%s' is not SRC=REQUESTER", v);
        if (n_maps == MAX_MAPS) return bad("%s: at most 256 maps", a);
        maps[n_maps++] = v;
      } else if (!strcmp(a, "--stats")) {
        stats = v;
      } else if (!strcmp(a, "--outdir")) {
        outdir = v;
      } else if (!strcmp(a, "--stop-at")) {
        stop_text = v;
      } else if (!strcmp(a, "--from")) {
        if (strcmp(v, "mmiotrace") && strcmp(v, "ltr") && strcmp(v, "ltb"))
          return bad("--from: '%s' is not mmiotrace (or ltr, ltb)", v);
        from = v;
      } else if (!strcmp(a, "--src")) {
        src_name = v;
      } else if (!strcmp(a, "--window")) {
        if (ladon_parse_u64(v, &window, &e) != LADON_OK || window == 0 || window > 65536)
          return bad("--window: '%s' is not in 1..65536", v);
      } else {
        if (ladon_parse_u64(v, &seed, &e) != LADON_OK) return bad("--seed: %s", e.text);
        seed_set = true;
      }
    } else if (a[0] == '-' && a[1] != '\0') {
      return bad("unknown option '%s'", a);
    } else if (topo == NULL) {
      topo = a;
    } else if (trace == NULL) {
      trace = a;
    } else {
      return bad("unexpected argument '%s'", a);
    }
  }
  if (topo == NULL || trace == NULL) return bad("%s", "missing TOPO.json or TRACE");
  if (src_name && (!from || strcmp(from, "mmiotrace")))
    return bad("%s", "--src goes with --from mmiotrace");
  if (stats && !cli_ends_with(stats, ".json") && !cli_ends_with(stats, ".csv"))
    return bad("--stats: '%s' must end in .json or .csv", stats);
  ladon_time_ps stop = LADON_TIME_NEVER;
  if (stop_text) {
    ladon_error e;
    if (ladon_parse_time_ps(stop_text, &stop, &e) != LADON_OK)
      return bad("--stop-at: %s", e.text);
  }

  char cmdline[4096] = "ladon";
  for (int i = 0; i < argc; i++) {
    size_t used = strlen(cmdline);
    snprintf(cmdline + used, sizeof cmdline - used, " %s", argv[i]);
  }
  ladon_error err;
  ladon_fabric_options opts = {.seed_set = seed_set, .seed = seed};
  ladon_fabric *f = with_workloads ? ladon_fabric_load(topo, &opts, &err)
                                   : ladon_fabric_load_with_workloads(topo, NULL, &opts, &err);
  if (f == NULL) {
    print_error(&err);
    return CLI_BAD_INPUT;
  }
  ladon_trace_reader *rd = from && !strcmp(from, "mmiotrace")
                               ? ladon_trace_open_mmiotrace(trace, src_name, &err)
                               : ladon_trace_open(trace, &err);
  if (rd == NULL) {
    print_error(&err);
    ladon_fabric_free(f);
    return CLI_BAD_INPUT;
  }
  ladon_replay_options ro = {closed ? LADON_REPLAY_CLOSED_LOOP : LADON_REPLAY_OPEN_LOOP,
                             (uint32_t)window};
  ladon_replay *rp = ladon_replay_new(f, rd, trace, &ro, &err);
  int rc = rp ? CLI_OK : CLI_BAD_INPUT;
  if (rp == NULL) print_error(&err);
  for (size_t i = 0; rc == CLI_OK && i < n_maps; i++) {
    char src[1024];
    const char *eq = strchr(maps[i], '=');
    size_t len = (size_t)(eq - maps[i]);
    if (len >= sizeof src) len = sizeof src - 1;
    memcpy(src, maps[i], len);
    src[len] = '\0';
    if (ladon_replay_map(rp, src, eq + 1, &err) != LADON_OK) {
      fprintf(stderr, "ladon replay: --%s\n", err.text); /* "map S=R: ..." */
      rc = CLI_BAD_INPUT;
    }
  }
  if (rc == CLI_OK && stop != LADON_TIME_NEVER) stop += ladon_fabric_start_ps(f);
  double t0 = wall_now();
  if (rc == CLI_OK && ladon_replay_run(rp, stop, &err) != LADON_OK) {
    print_error(&err);
    rc = CLI_BAD_INPUT;
  }
  ladon_run_meta meta = {cmdline, NULL, wall_now() - t0};
  char digest[65] = "";
  if (cli_sha256_file(topo, digest) == 0) meta.topology_sha256 = digest;
  if (rc == CLI_OK && cli_mkdirs(outdir) != 0) rc = CLI_BAD_INPUT;
  if (rc == CLI_OK) {
    char path[4096];
    snprintf(path, sizeof path, "%s/resolved.json", outdir);
    if (cli_write_run_file("replay", path, ladon_fabric_write_resolved, f, &meta))
      rc = CLI_BAD_INPUT;
    snprintf(path, sizeof path, "%s/stats.json", outdir);
    if (rc == CLI_OK &&
        cli_write_run_file("replay", path, ladon_fabric_write_stats_json, f, &meta))
      rc = CLI_BAD_INPUT;
  }
  if (rc == CLI_OK && stats &&
      cli_write_run_file("replay", stats,
                         cli_ends_with(stats, ".csv") ? ladon_fabric_write_stats_csv
                                                      : ladon_fabric_write_stats_json,
                         f, &meta))
    rc = CLI_BAD_INPUT;
  if (rc == CLI_OK && !quiet) {
    ladon_fabric_write_summary(f, stdout);
    print_replay(rp, f, closed);
  }
  ladon_replay_free(rp);
  ladon_fabric_free(f);
  return rc;
}
