/*
** End-to-end replay rate (DESIGN §7: replay >= 2 M TLP lines/s from
** .ltr.gz): trace lines per second through `ladon replay`'s engine --
** parse, dispatch, and simulate the fabric -- with the peak resident set,
** to show that memory does not grow with the length of the trace.  For
** reference it also reads the same file without simulating (the parse-only
** rate bench_trace measures on its own traffic).
**
** The trace: two VFs of one NIC behind a switch, one line every 40 ns in
** open loop: nic0.vf1 writes 256 B (MWr), nic0.vf0 reads 256 B (MRd), and
** the read's CplD record 1 us later (captured latency), in turn; so a
** third of the lines are each kind.  The simulated fabric turns each read
** into four 64 B CplDs (the host's RCB) crossing two links: the replay
** simulates more TLPs than the trace holds.
**
** usage: bench_replay [N_LINES [DIR]]   (default 1000000; DIR for the
**                                        temporary files, default $TMPDIR
**                                        or /tmp)
** The wall clock is read only here, never inside the library.
*/
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_clock.h"
#include "ladon/fabric.h"
#include "ladon/replay.h"
#include "ladon/trace.h"

/* VmRSS or VmHWM (peak) in KiB. */
static long status_kib(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kib = -1;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, key, strlen(key))) kib = strtol(line + strlen(key), NULL, 10);
  if (f) fclose(f);
  return kib;
}

/* Resets the peak resident set (Linux >= 4.0, proc(5) clear_refs "5"). */
static int reset_peak(void) {
  FILE *f = fopen("/proc/self/clear_refs", "w");
  int ok = f && fputs("5", f) >= 0;
  if (f && fclose(f) != 0) ok = 0;
  return ok;
}

static void die(const char *what, const ladon_error *err) {
  char buf[1024];
  fprintf(stderr, "bench_replay: %s: %s\n", what,
          err ? ladon_error_format(err, buf, sizeof buf) : "failed");
  exit(1);
}

static const char topology[] =
    "{\"ladon\": 1, \"name\": \"bench_replay\", \"seed\": 1,\n"
    " \"components\": {\n"
    "  \"mh\": {\"type\": \"host\", \"root_ports\": 1, \"memory\": \"8GiB\", \"iommu\": true},\n"
    "  \"sw0\": {\"type\": \"switch\", \"downstream_ports\": 2},\n"
    "  \"nic0\": {\"type\": \"sriov_nic\", \"total_vfs\": 4, \"num_vfs\": 2}},\n"
    " \"links\": [{\"a\": \"mh.rp0\", \"b\": \"sw0.up\", \"width\": 16},\n"
    "           {\"a\": \"sw0.d0\", \"b\": \"nic0.up\"}],\n"
    " \"vms\": {\"vm0\": {\"host\": \"mh\", \"memory\": \"1GiB\", \"functions\": [\"nic0.vf0\"]},\n"
    "         \"vm1\": {\"host\": \"mh\", \"memory\": \"1GiB\", \"functions\": [\"nic0.vf1\"]}}}\n";

static void generate(const char *path, uint64_t n) {
  ladon_error err;
  ladon_trace_writer *w = ladon_trace_writer_open(path, LADON_TRACE_AUTO, &err);
  if (!w) die("writer", &err);
  /* Reads complete 1 us after they were issued: a small FIFO of pending
     CplD records keeps the trace in time order. */
  enum { PENDING = 64 };
  uint64_t due[PENDING], tags[PENDING];
  unsigned head = 0, len = 0, tag = 0;
  uint64_t t = 0, i = 0, slot = 0;
  while (i < n) {
    ladon_trace_record r;
    memset(&r, 0, sizeof r);
    if (len && due[head] <= t) {
      r.t_ps = due[head];
      r.src = "00:00.0";
      r.tlp.type = LADON_TLP_CPLD;
      r.tlp.req_id = 0x0301;
      r.tlp.tag = (uint16_t)tags[head];
      r.tlp.length_dw = 64;
      r.tlp.byte_count = 256;
      head = (head + 1) % PENDING;
      len--;
    } else {
      r.t_ps = t;
      int read = (int)(slot++ % 2);
      r.src = read ? "nic0.vf0" : "nic0.vf1";
      /* A 1 MiB window: host memory is functional (pages holding written data
         are kept), so the data touched, not the trace, would set the RSS. */
      uint64_t addr = 0x100000 + (i * 256) % (1u << 20);
      r.tlp.type = read ? LADON_TLP_MRD : LADON_TLP_MWR;
      r.tlp.req_id = read ? 0x0301 : 0x0302;
      r.tlp.tag = read ? (uint16_t)tag : 0;
      ladon_tlp_set_range(&r.tlp, addr, 256, NULL);
      if (read) {
        due[(head + len) % PENDING] = t + 1000000;
        tags[(head + len) % PENDING] = tag;
        len++;
        tag = (tag + 1) % 256;
      }
      t += 40000;
    }
    if (ladon_trace_write(w, &r, &err) != LADON_OK) die("write", &err);
    i++;
  }
  if (ladon_trace_writer_close(w, &err) != LADON_OK) die("close", &err);
}

int main(int argc, char **argv) {
  uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
  const char *dir = argc > 2 ? argv[2] : getenv("TMPDIR");
  if (!dir || !*dir) dir = "/tmp";
  char topo[4096], trace[4096];
  snprintf(topo, sizeof topo, "%s/bench_replay-%ld.json", dir, (long)getpid());
  snprintf(trace, sizeof trace, "%s/bench_replay-%ld.ltr.gz", dir, (long)getpid());
  FILE *f = fopen(topo, "w");
  if (!f || fputs(topology, f) < 0 || fclose(f) != 0) die(topo, NULL);
  double t = bench_wall_s();
  generate(trace, n);
  printf("bench_replay: %llu lines written to .ltr.gz in %.2f s\n", (unsigned long long)n,
         bench_wall_s() - t);

  /* Parse only, for reference. */
  ladon_error err;
  ladon_trace_reader *rd = ladon_trace_open(trace, &err);
  if (!rd) die("open", &err);
  ladon_trace_record rec;
  uint64_t lines = 0;
  double c0 = bench_cpu_s(), w0 = bench_wall_s();
  int rc;
  while ((rc = ladon_trace_reader_next(rd, &rec, &err)) == 1) lines++;
  if (rc < 0) die("read", &err);
  double pc = bench_cpu_s() - c0, pw = bench_wall_s() - w0;
  ladon_trace_reader_close(rd);
  printf("parse only:   %.3f M lines/CPU s  %.3f M lines/wall s\n", (double)lines / pc / 1e6,
         (double)lines / pw / 1e6);

  /* Replay. */
  ladon_fabric *fab = ladon_fabric_load(topo, NULL, &err);
  if (!fab) die("load", &err);
  rd = ladon_trace_open(trace, &err);
  if (!rd) die("open", &err);
  ladon_replay *rp = ladon_replay_new(fab, rd, trace, NULL, &err);
  if (!rp) die("replay", &err);
  int peak_ok = reset_peak();
  long rss0 = status_kib("VmRSS:");
  c0 = bench_cpu_s();
  w0 = bench_wall_s();
  if (ladon_replay_run(rp, LADON_TIME_NEVER, &err) != LADON_OK) die("run", &err);
  double rc_s = bench_cpu_s() - c0, rw_s = bench_wall_s() - w0;
  ladon_replay_counts cnt;
  ladon_replay_counts_get(rp, &cnt);
  long hwm = status_kib("VmHWM:"), rss1 = status_kib("VmRSS:");
  uint64_t events = ladon_sim_events_run(ladon_fabric_sim(fab));
  printf("replay:       %.3f M lines/CPU s  %.3f M lines/wall s  (%llu lines, %llu requests, "
         "%llu errors, %s; %.2f M events, simulated %.3f ms)\n",
         (double)cnt.records / rc_s / 1e6, (double)cnt.records / rw_s / 1e6,
         (unsigned long long)cnt.records, (unsigned long long)cnt.requests,
         (unsigned long long)cnt.errors, cnt.done ? "done" : "NOT DONE", (double)events / 1e6,
         (double)ladon_sim_now(ladon_fabric_sim(fab)) / 1e9);
  printf("memory:       RSS %ld KiB before the replay, %ld KiB after; peak during it %ld KiB%s\n",
         rss0, rss1, hwm, peak_ok ? "" : " (peak not reset: includes the generation)");
  ladon_replay_free(rp);
  ladon_fabric_free(fab);
  remove(trace);
  remove(topo);
  return cnt.done && cnt.errors == 0 ? 0 : 1;
}
