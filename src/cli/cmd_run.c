/* `ladon run`: simulate a topology's workloads and report. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_util.h"
#include "commands.h"
#include "ladon/ladon.h"

static const char usage[] =
    "usage: ladon run TOPO.json [--stop-at TIME] [--seed N] [--outdir DIR]\n"
    "                 [--stats F.json|F.csv] [--timeline F.json]\n"
    "                 [--timeline-max N] [--vcd F.vcd] [--record LINK[.DIR]=FILE]...\n"
    "                 [--progress] [-q]\n\n"
    "Builds the fabric of TOPO.json, runs its workloads and prints a summary\n"
    "(per flow: requests, throughput, latency p50/p99; per link: utilisation;\n"
    "faults).\n\n"
    "  --stop-at TIME   how long to run the workloads, e.g. 10us, counted\n"
    "                   from the end of configuration (default: the\n"
    "                   topology's stop_at, else until no work is left)\n"
    "  --seed N         random seed (default: the topology's seed, else 1)\n"
    "  --outdir DIR     where outputs go (default ladon-out); DIR/resolved.json\n"
    "                   (the configuration with every default applied) and\n"
    "                   DIR/stats.json are always written\n"
    "  --stats F        also write statistics to F (.json or .csv)\n"
    "  --timeline F     write a Chrome trace-event timeline to F (.json) that\n"
    "                   Perfetto opens: TLPs per link direction, request\n"
    "                   lifetimes, request -> completion arrows, queue depths\n"
    "  --timeline-max N at most N timeline events (default 1000000); the file\n"
    "                   says \"truncated\": true when the cap was reached\n"
    "  --vcd F          write a waveform of every link direction to F (.vcd):\n"
    "                   busy (a TLP on the wire) and queued TLPs\n"
    "  --record L=F     record the TLPs delivered on link L (both directions),\n"
    "                   or on L.down / L.up only, into trace F (.ltr, .ltb,\n"
    "                   + .gz; docs/trace-format.md); may be repeated\n"
    "  --progress       progress on stderr even when it is not a terminal\n"
    "  -q               no summary and no progress\n\n"
    "exit status: 0 ok, 2 bad input\n";

static double wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bad(const char *fmt, const char *arg) {
  return cli_usage_error("run", fmt, arg);
}


/* Runs to `stop` in slices, printing progress every half second. */
static void run(ladon_fabric *f, ladon_time_ps stop, bool progress) {
  ladon_sim *sim = ladon_fabric_sim(f);
  double t0 = wall_now(), last = t0;
  bool printed = false;
  for (;;) {
    ladon_time_ps next = ladon_sim_next_time(sim);
    if (next == LADON_TIME_NEVER || next > stop) break;
    /* Slices of simulated time sized so that a slice takes well under the
       progress interval; the result does not depend on the slicing. */
    ladon_time_ps slice = LADON_US(10);
    ladon_time_ps until = stop - next < slice ? stop : next + slice;
    ladon_fabric_run(f, until);
    double now = wall_now();
    if (progress && now - t0 > 2.0 && now - last >= 0.5) {
      last = now;
      double events = (double)ladon_sim_events_run(sim);
      double sim_us = (double)ladon_sim_now(sim) / 1e6;
      fprintf(stderr, "\r  %.3f us simulated, %.2f M events/s", sim_us,
              events / (now - t0) / 1e6);
      if (stop != LADON_TIME_NEVER && ladon_sim_now(sim) > 0) {
        double frac = (double)ladon_sim_now(sim) / (double)stop;
        fprintf(stderr, ", %.0f%%, ETA %.0f s   ", 100 * frac,
                (now - t0) * (1 - frac) / frac);
      }
      printed = true;
    }
  }
  if (stop != LADON_TIME_NEVER) ladon_fabric_run(f, stop);
  if (printed) fprintf(stderr, "\n");
}

/* ---- --record: a link observer feeding a trace writer ---------------- */

#define MAX_RECORDS 8

typedef struct recorder {
  const char *spec;            /* LINK[.DIR]=FILE as given */
  char link[256];
  int dir;                     /* -1 both, else LADON_LINK_DOWN / _UP */
  const char *path;
  ladon_link *l;
  ladon_time_ps t0;            /* end of configuration: time zero of the trace */
  ladon_trace_writer *w;
  ladon_error err;
  bool failed;
} recorder;

static void record_delivered(void *ctx, const ladon_link *link, unsigned dir,
                             const ladon_tlp *tlp, ladon_time_ps time_ps) {
  recorder *r = ctx;
  ladon_trace_record rec;
  char id[8];
  if (r->failed || (r->dir >= 0 && (unsigned)r->dir != dir)) return;
  memset(&rec, 0, sizeof rec);
  rec.t_ps = time_ps - r->t0; /* as replay reads it: from the end of configuration */
  rec.tlp = *tlp;
  rec.tlp.data = NULL; /* traces carry headers only */
  rec.tlp.data_bytes = 0;
  rec.tlp.id = 0;
  rec.tlp.t_issue_ps = 0;
  rec.tlp.flow = 0;
  /* The sender: the completer for completions, else the requester. */
  rec.src = ladon_tlp_id_format(
      ladon_tlp_is_completion((ladon_tlp_type)tlp->type) ? tlp->cpl_id
                                                         : tlp->req_id, id);
  rec.port = ladon_link_name(link);
  rec.dir = dir == LADON_LINK_DOWN ? LADON_TRACE_DIR_DOWN : LADON_TRACE_DIR_UP;
  if (ladon_trace_write(r->w, &rec, &r->err) != LADON_OK) r->failed = true;
}

static const ladon_link_observer record_observer = {NULL, record_delivered};

/* Parses LINK[.DIR]=FILE into `r`; 0 or -1 with a message. */
static int record_parse(recorder *r, const char *spec) {
  const char *eq = strchr(spec, '='); /* FILE may contain '=' */
  memset(r, 0, sizeof *r);
  r->spec = spec;
  r->dir = -1;
  if (eq == NULL || eq == spec || eq[1] == '\0' ||
      (size_t)(eq - spec) >= sizeof r->link) {
    bad("--record: '%s' is not LINK[.DIR]=FILE", spec);
    return -1;
  }
  memcpy(r->link, spec, (size_t)(eq - spec));
  r->path = eq + 1;
  return 0;
}

/* Finds the link (a link name wins over NAME.DIR) and opens the writer. */
static int record_open(recorder *r, ladon_fabric *f) {
  r->l = ladon_fabric_link_find(f, r->link);
  if (r->l == NULL) {
    char *dot = strrchr(r->link, '.');
    if (dot && (!strcmp(dot, ".down") || !strcmp(dot, ".up"))) {
      r->dir = !strcmp(dot, ".down") ? (int)LADON_LINK_DOWN : (int)LADON_LINK_UP;
      *dot = '\0';
      r->l = ladon_fabric_link_find(f, r->link);
    }
  }
  if (r->l == NULL) {
    fprintf(stderr, "ladon run: --record %s: no link '%s'\n", r->spec, r->link);
    return -1;
  }
  r->t0 = ladon_fabric_start_ps(f);
  r->w = ladon_trace_writer_open(r->path, LADON_TRACE_AUTO, &r->err);
  if (r->w == NULL) {
    fprintf(stderr, "ladon run: --record %s: %s\n", r->spec, r->err.text);
    return -1;
  }
  if (ladon_link_observe(r->l, &record_observer, r) != LADON_OK) {
    fprintf(stderr, "ladon run: --record %s: too many observers on link '%s'\n",
            r->spec, r->link);
    ladon_trace_writer_abort(r->w);
    r->w = NULL;
    return -1;
  }
  return 0;
}

/* Detaches and finishes (`ok`) or discards the trace; 0 or -1. */
static int record_close(recorder *r, bool ok) {
  if (r->w == NULL) return 0;
  ladon_link_unobserve(r->l, r);
  if (!ok || r->failed) {
    if (r->failed)
      fprintf(stderr, "ladon run: --record %s: %s\n", r->spec, r->err.text);
    ladon_trace_writer_abort(r->w);
    r->w = NULL;
    return ok ? -1 : 0;
  }
  ladon_status st = ladon_trace_writer_close(r->w, &r->err);
  r->w = NULL;
  if (st != LADON_OK) {
    fprintf(stderr, "ladon run: --record %s: %s\n", r->spec, r->err.text);
    return -1;
  }
  return 0;
}

int cli_cmd_run(int argc, char **argv) {
  const char *topo = NULL, *outdir = "ladon-out", *stats = NULL;
  const char *stop_text = NULL, *timeline = NULL, *vcd = NULL;
  uint64_t timeline_max = 0;
  recorder recs[MAX_RECORDS];
  size_t n_recs = 0;
  bool quiet = false, force_progress = false, seed_set = false;
  uint64_t seed = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(usage, stdout);
      return CLI_OK;
    } else if (!strcmp(a, "-q")) {
      quiet = true;
    } else if (!strcmp(a, "--progress")) {
      force_progress = true;
    } else if (!strcmp(a, "--stop-at") || !strcmp(a, "--seed") ||
               !strcmp(a, "--outdir") || !strcmp(a, "--stats") ||
               !strcmp(a, "--timeline") || !strcmp(a, "--timeline-max") ||
               !strcmp(a, "--record") || !strcmp(a, "--vcd")) {
      if (i + 1 >= argc) return bad("%s needs a value", a);
      const char *v = argv[++i];
      if (!strcmp(a, "--stop-at")) stop_text = v;
      else if (!strcmp(a, "--outdir")) outdir = v;
      else if (!strcmp(a, "--stats")) stats = v;
      else if (!strcmp(a, "--timeline")) timeline = v;
      else if (!strcmp(a, "--vcd")) vcd = v;
      else if (!strcmp(a, "--record")) {
        if (n_recs == MAX_RECORDS) return bad("%s: at most 8 recordings", a);
        if (record_parse(&recs[n_recs], v) != 0) return CLI_BAD_INPUT;
        n_recs++;
      }
      else if (!strcmp(a, "--timeline-max")) {
        ladon_error e;
        if (ladon_parse_u64(v, &timeline_max, &e) != LADON_OK || timeline_max == 0)
          return bad("--timeline-max: '%s' is not a positive integer", v);
      } else {
        ladon_error e;
        if (ladon_parse_u64(v, &seed, &e) != LADON_OK)
          return bad("--seed: %s", e.text);
        seed_set = true;
      }
    } else if (a[0] == '-' && a[1] != '\0') {
      return bad("unknown option '%s'", a);
    } else if (topo == NULL) {
      topo = a;
    } else {
      return bad("unexpected argument '%s'", a);
    }
  }
  if (topo == NULL) return bad("%s", "missing TOPO.json");
  ladon_time_ps stop = LADON_TIME_NEVER;
  if (stop_text) {
    ladon_error e;
    if (ladon_parse_time_ps(stop_text, &stop, &e) != LADON_OK)
      return bad("--stop-at: %s", e.text);
  }
  if (stats && !cli_ends_with(stats, ".json") && !cli_ends_with(stats, ".csv"))
    return bad("--stats: '%s' must end in .json or .csv", stats);
  if (timeline && !cli_ends_with(timeline, ".json"))
    return bad("--timeline: '%s' must end in .json", timeline);
  if (vcd && !cli_ends_with(vcd, ".vcd"))
    return bad("--vcd: '%s' must end in .vcd", vcd);

  char cmdline[4096] = "ladon";
  for (int i = 0; i < argc; i++) {
    size_t used = strlen(cmdline);
    snprintf(cmdline + used, sizeof cmdline - used, " %s", argv[i]);
  }
  char digest[65] = "";
  ladon_error err;
  ladon_fabric_options opts = {.seed_set = seed_set, .seed = seed};
  ladon_fabric *f = ladon_fabric_load(topo, &opts, &err);
  if (f == NULL) {
    char line[LADON_ERROR_FILE_MAX + LADON_ERROR_TEXT_MAX + 32];
    fprintf(stderr, "%s\n", ladon_error_format(&err, line, sizeof line));
    return CLI_BAD_INPUT;
  }
  cli_sha256_file(topo, digest);
  if (stop == LADON_TIME_NEVER && ladon_fabric_stop_at(f) > 0)
    stop = ladon_fabric_stop_at(f);
  /* Enumeration takes simulated time; the workloads run for `stop` after. */
  if (stop != LADON_TIME_NEVER) stop += ladon_fabric_start_ps(f);

  int rc = CLI_OK;
  if (cli_mkdirs(outdir) != 0) rc = CLI_BAD_INPUT;
  /* Observers write to temporaries from the start of the run; they are
  ** renamed into place only when the whole run succeeded. */
  cli_out tl_out;
  ladon_timeline *tl = NULL;
  if (rc == CLI_OK && timeline) {
    if (cli_out_open(&tl_out, timeline) != 0) {
      rc = CLI_BAD_INPUT;
    } else if ((tl = ladon_fabric_timeline_open(f, tl_out.f, timeline_max, &err)) == NULL) {
      fprintf(stderr, "ladon run: %s: %s\n", timeline, err.text);
      cli_out_abort(&tl_out);
      rc = CLI_BAD_INPUT;
    }
  }
  cli_out vcd_out;
  ladon_vcd *wave = NULL;
  if (rc == CLI_OK && vcd) {
    if (cli_out_open(&vcd_out, vcd) != 0) {
      rc = CLI_BAD_INPUT;
    } else if ((wave = ladon_fabric_vcd_open(f, vcd_out.f, 0, &err)) == NULL) {
      fprintf(stderr, "ladon run: %s: %s\n", vcd, err.text);
      cli_out_abort(&vcd_out);
      rc = CLI_BAD_INPUT;
    }
  }
  for (size_t i = 0; rc == CLI_OK && i < n_recs; i++)
    if (record_open(&recs[i], f) != 0) rc = CLI_BAD_INPUT;
  if (rc != CLI_OK) {
    for (size_t i = 0; i < n_recs; i++) record_close(&recs[i], false);
    if (tl) {
      ladon_timeline_close(tl);
      cli_out_abort(&tl_out);
    }
    if (wave) {
      ladon_vcd_close(wave);
      cli_out_abort(&vcd_out);
    }
    ladon_fabric_free(f);
    return rc;
  }

  bool progress = !quiet && (force_progress || isatty(STDERR_FILENO));
  double t0 = wall_now();
  run(f, stop, progress);
  ladon_run_meta meta = {cmdline, digest, wall_now() - t0};

  char path[4096];
  for (size_t i = 0; i < n_recs; i++)
    if (record_close(&recs[i], true) != 0) rc = CLI_BAD_INPUT;
  if (wave) {
    if (ladon_vcd_close(wave) != LADON_OK) {
      fprintf(stderr, "ladon run: %s: cannot write\n", vcd);
      cli_out_abort(&vcd_out);
      rc = CLI_BAD_INPUT;
    } else if (cli_out_commit(&vcd_out) != 0) {
      rc = CLI_BAD_INPUT;
    }
  }
  if (tl) {
    if (ladon_timeline_close(tl) != LADON_OK) {
      fprintf(stderr, "ladon run: %s: cannot write\n", timeline);
      cli_out_abort(&tl_out);
      rc = CLI_BAD_INPUT;
    } else if (cli_out_commit(&tl_out) != 0) {
      rc = CLI_BAD_INPUT;
    }
  }
  if (rc == CLI_OK) {
    snprintf(path, sizeof path, "%s/resolved.json", outdir);
    if (cli_write_run_file("run", path, ladon_fabric_write_resolved, f, &meta))
      rc = CLI_BAD_INPUT;
    snprintf(path, sizeof path, "%s/stats.json", outdir);
    if (cli_write_run_file("run", path, ladon_fabric_write_stats_json, f, &meta))
      rc = CLI_BAD_INPUT;
  }
  if (rc == CLI_OK && stats)
    if (cli_write_run_file("run", stats,
                           cli_ends_with(stats, ".csv") ? ladon_fabric_write_stats_csv
                                                        : ladon_fabric_write_stats_json,
                           f, &meta))
      rc = CLI_BAD_INPUT;
  if (!quiet) ladon_fabric_write_summary(f, stdout);
  ladon_fabric_free(f);
  return rc;
}
