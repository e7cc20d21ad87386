/*
** End-to-end fabric speed: a VF's stream of 64 B DMA writes, with the full
** link layer (sequence numbers, Ack and UpdateFC DLLPs on the spec's
** timers) on every link, along two paths:
**
**   rc   VF -> switch -> root complex -> host memory (one PCIe domain);
**   ntb  VF -> switch -> NTB -> root complex of a second host -> its memory
**        (DESIGN §7): the switch routes the VF's writes into the NTB's BAR2
**        window, which the second host's driver programs the way Linux
**        ntb_mw_set_trans() does, onto a buffer in its own memory.
**
** Prints simulated TLPs per second, kernel events per second and events per
** TLP, best of REPEATS runs, per second of the process's user CPU time
** (getrusage) and per wall-clock second.  On a shared machine the CPU figure
** is the measure of the simulator (the wall figure falls with the load).
** Target: >= 2 M TLPs/s on each path (single-host SR-IOV; DESIGN §7 for
** the ntb path).  docs/performance.md has the figures.
**
**   bench_fabric [COUNT [REPEATS [rc|ntb]]]
**                (default 200000 TLPs, best of 3, both paths)
** With LADON_BENCH_STATS=PREFIX set, the statistics of each path's last run
** go to PREFIX-rc.csv and PREFIX-ntb.csv (wall time 0): a speed change must
** leave them byte for byte the same.
**
** The wall clock is read only here, never inside the library.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench/bench_clock.h"
#include "fabric/fabric_int.h"
#include "ladon/ladon.h"
#include "models/host.h"
#include "models/ntb.h"
#include "models/sriov.h"
#include "models/workload.h"
#include "pcie/cfgspace_int.h"

/* Path "rc": the VF writes into its VM's memory on the same host. */
static const char topology_rc[] =
    "{\"ladon\": 1, \"name\": \"bench-rc\", \"seed\": 1,\n"
    " \"components\": {\n"
    "  \"mh\": {\"type\": \"host\", \"root_ports\": 1, \"memory\": \"8GiB\",\n"
    "         \"functional\": false},\n"
    "  \"sw0\": {\"type\": \"switch\", \"downstream_ports\": 1},\n"
    "  \"nic0\": {\"type\": \"sriov_nic\", \"total_vfs\": 1, \"num_vfs\": 1,\n"
    "           \"payloads\": false}},\n"
    " \"links\": [{\"a\": \"mh.rp0\", \"b\": \"sw0.up\"},\n"
    "           {\"a\": \"sw0.d0\", \"b\": \"nic0.up\"}],\n"
    " \"vms\": {\"vm0\": {\"host\": \"mh\", \"memory\": \"1GiB\",\n"
    "                   \"functions\": [\"nic0.vf0\"]}},\n"
    " \"workloads\": {\"w\": {\"type\": \"dma\", \"on\": \"nic0.vf0\",\n"
    "   \"target\": \"vm0\", \"op\": \"write\", \"size\": \"64B\",\n"
    "   \"count\": %llu}}}\n";

/* Path "ntb": the fabric without the workload, which the bench adds once
** the NTB window is programmed (the VM only makes the VF a bus master). */
static const char topology_ntb[] =
    "{\"ladon\": 1, \"name\": \"bench-ntb\", \"seed\": 1,\n"
    " \"components\": {\n"
    "  \"mh\": {\"type\": \"host\", \"root_ports\": 1, \"memory\": \"8GiB\",\n"
    "         \"functional\": false},\n"
    "  \"ch\": {\"type\": \"host\", \"root_ports\": 1, \"memory\": \"8GiB\",\n"
    "         \"functional\": false},\n"
    "  \"sw0\": {\"type\": \"switch\", \"downstream_ports\": 2},\n"
    "  \"nic0\": {\"type\": \"sriov_nic\", \"total_vfs\": 1, \"num_vfs\": 1,\n"
    "           \"payloads\": false},\n"
    "  \"ntb0\": {\"type\": \"ntb\"}},\n"
    " \"links\": [{\"a\": \"mh.rp0\", \"b\": \"sw0.up\"},\n"
    "           {\"a\": \"sw0.d0\", \"b\": \"nic0.up\"},\n"
    "           {\"a\": \"sw0.d1\", \"b\": \"ntb0.a\"},\n"
    "           {\"a\": \"ch.rp0\", \"b\": \"ntb0.b\"}],\n"
    " \"vms\": {\"vm0\": {\"host\": \"mh\", \"memory\": \"1GiB\",\n"
    "                   \"functions\": [\"nic0.vf0\"]}}}\n";

typedef struct result {
  double cpu_s, wall_s;
  uint64_t events, tlps;
  ladon_time_ps end_ps;
} result;

static void die(const char *what, const ladon_error *err) {
  char line[1024];
  fprintf(stderr, "bench_fabric: %s: %s\n", what,
          err ? ladon_error_format(err, line, sizeof line) : "failed");
  exit(2);
}

static ladon_fabric *load(const char *fmt, unsigned long long count) {
  char text[4096];
  snprintf(text, sizeof text, fmt, count);
  char path[] = "/tmp/ladon-bench-XXXXXX";
  int fd = mkstemp(path);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (f == NULL) die("temporary file", NULL);
  fputs(text, f);
  fclose(f);
  ladon_error err;
  ladon_fabric *fab = ladon_fabric_load(path, NULL, &err);
  remove(path);
  if (fab == NULL) die("load", &err);
  return fab;
}

static void *instance(ladon_fabric *fab, const char *name) {
  int32_t i = ladon__topo_find(fab->topo, name);
  if (i < 0) die(name, NULL);
  return fab->inst[i];
}

/* Runs the simulation until no work is left, timing only the run.  Never
** inlined or cloned, so that profilers find it by its name in any build
** (callgrind --toggle-collect=run). */
static __attribute__((noipa)) void run(ladon_fabric *fab, result *r) {
  ladon_sim *sim = ladon_fabric_sim(fab);
  uint64_t e0 = ladon_sim_events_run(sim);
  double c0 = bench_user_cpu_s(), w0 = bench_wall_s();
  ladon_sim_run_events(sim, UINT64_MAX);
  r->wall_s = bench_wall_s() - w0;
  r->cpu_s = bench_user_cpu_s() - c0;
  r->events = ladon_sim_events_run(sim) - e0;
  r->end_ps = ladon_sim_now(sim);
}

static void dump_stats(ladon_fabric *fab, const char *path_name) {
  const char *prefix = getenv("LADON_BENCH_STATS");
  char name[4096];
  if (prefix == NULL || *prefix == '\0') return;
  snprintf(name, sizeof name, "%s-%s.csv", prefix, path_name);
  FILE *f = fopen(name, "w");
  ladon_run_meta meta = {"bench_fabric", NULL, 0.0};
  if (f == NULL || ladon_fabric_write_stats_csv(fab, &meta, f) != LADON_OK)
    die("statistics", NULL);
  fclose(f);
}

static void case_rc(unsigned long long count, result *r) {
  ladon_fabric *fab = load(topology_rc, count);
  run(fab, r);
  ladon__workload_counts c;
  ladon__workload_counts_get(ladon__workload_of(fab->workloads[0]), &c);
  r->tlps = c.requests; /* 64 B writes: one TLP each */
  if (c.requests != count || c.errors) die("rc: writes lost", NULL);
  dump_stats(fab, "rc");
  ladon_fabric_free(fab);
}

static void case_ntb(unsigned long long count, result *r) {
  ladon_error err;
  ladon_fabric *fab = load(topology_ntb, count);
  ladon__ntb *ntb = instance(fab, "ntb0");
  ladon__host *ch = instance(fab, "ch");
  ladon__sriov *nic = instance(fab, "nic0");
  /* The compute host's NTB driver: a 1 MiB buffer of its memory exposed
  ** through the peer's (side A's) BAR2 window. */
  uint64_t win_bytes = UINT64_C(1) << 20, buf;
  ladon__cfg_range bar2;
  if (ladon__host_mem_alloc(ch, win_bytes, win_bytes, &buf) != LADON_OK)
    die("ntb: host memory", NULL);
  if (ladon__ntb_mw_set_trans(ntb, LADON__NTB_B, 0, buf, win_bytes, &err) != LADON_OK)
    die("ntb: window", &err);
  if (ladon__cfg_bar_range(ladon__ntb_cfg(ntb, LADON__NTB_A), 2, &bar2) != LADON_OK ||
      !bar2.enabled || bar2.base == 0)
    die("ntb: BAR2 not assigned", NULL);
  /* The VF writes the NTB window (bus addresses: the host has no IOMMU). */
  ladon__workload_spec spec;
  ladon__workload_spec_default(LADON__WL_DMA, &spec);
  spec.u.dma.op = LADON__WL_WRITE;
  spec.u.dma.size_bytes = 64;
  spec.u.dma.count = count;
  ladon__workload *wl = ladon__workload_new(ladon_fabric_sim(fab), "w", &spec, &err);
  if (wl == NULL || ladon__workload_bind(wl, nic, 0, &err) != LADON_OK ||
      ladon__workload_set_window(wl, bar2.base, win_bytes, &err) != LADON_OK ||
      ladon__workload_start(wl, &err) != LADON_OK)
    die("ntb: workload", &err);
  run(fab, r);
  ladon__workload_counts c;
  ladon__ntb_counters nc;
  ladon__workload_counts_get(wl, &c);
  ladon__ntb_counters_get(ntb, LADON__NTB_A, &nc);
  r->tlps = nc.forwarded;
  if (c.requests != count || c.errors || nc.forwarded != count)
    die("ntb: writes lost or not forwarded", NULL);
  dump_stats(fab, "ntb");
  ladon__workload_free(wl);
  ladon_fabric_free(fab);
}

static void report(const char *title, unsigned long long count, unsigned repeats,
                   void (*fn)(unsigned long long, result *)) {
  result best = {0}, r;
  double best_wall = 0;
  for (unsigned i = 0; i < repeats; i++) {
    fn(count, &r);
    if (i == 0 || r.cpu_s < best.cpu_s) best = r;
    if (i == 0 || r.wall_s < best_wall) best_wall = r.wall_s;
  }
  double cpu = best.cpu_s > 0 ? best.cpu_s : 1e-9, wall = best_wall > 0 ? best_wall : 1e-9;
  printf("%s, 64 B MWr, %llu TLPs, best of %u\n", title, count, repeats);
  printf("  CPU:  %6.3f M TLPs/s  %6.2f M events/s  %5.2f events/TLP  %6.0f ns/TLP"
         "  (%.3f s user)\n",
         (double)best.tlps / cpu / 1e6, (double)best.events / cpu / 1e6,
         (double)best.events / (double)best.tlps, cpu / (double)best.tlps * 1e9, cpu);
  printf("  wall: %6.3f M TLPs/s  (%.3f s)\n", (double)best.tlps / wall / 1e6, wall);
  /* Simulated results, which no speed change may alter. */
  printf("  sim:  %" PRIu64 " events, ends at %" PRIu64 " ps\n", best.events, best.end_ps);
}

int main(int argc, char **argv) {
  unsigned long long count = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000;
  unsigned repeats = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 3;
  const char *which = argc > 3 ? argv[3] : "";
  if (count == 0 || repeats == 0) {
    fprintf(stderr, "usage: bench_fabric [COUNT [REPEATS [rc|ntb]]]\n");
    return 2;
  }
  if (strcmp(which, "ntb") != 0)
    report("rc:  VF -> switch -> root complex -> memory", count, repeats, case_rc);
  if (strcmp(which, "rc") != 0)
    report("ntb: VF -> switch -> NTB -> second host's memory", count, repeats, case_ntb);
  printf("  target >= 2 M TLPs/s on each path (DESIGN §7)\n");
  return 0;
}
