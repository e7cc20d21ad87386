/*
** Parse rate of trace files (DESIGN §7: replay >= 2 M TLP lines/s from
** .ltr.gz on one core).  Generates a trace of N TLPs (default 4 M) and
** writes it as .ltr.gz, .ltr, .ltb.gz and .ltb into a temporary
** directory, then reads each back through the public reader, reporting
** TLPs per CPU second (the target is per core, and the machine may be
** shared) and per wall-clock second, input MB per CPU second, how much the
** resident set grew from the first tenth of the trace to the end (the
** reader streams: memory does not grow with the trace), and the wall time
** the writer took.
**
** The traffic: four VFs (03:10.0-3) each doing DMA to host memory, one TLP
** every 4 ns: 50 % MWr of 256 B, 25 % MRd of 512 B, 25 % CplD; one CplD in
** eight is the first half of a split completion (Byte Count 512, Length
** 64 DW), which the text form carries in the hdr column.
**
** usage: bench_trace [N_TLPS [DIR]]      (DIR: where the temporary directory
**                                         goes; default $TMPDIR or /tmp)
** The wall clock is read only here, never inside the library.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_clock.h"
#include "ladon/trace.h"

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kib = -1;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "VmRSS:", 6)) kib = strtol(line + 6, NULL, 10);
  if (f) fclose(f);
  return kib;
}

static void die(const char *what, const ladon_error *err) {
  char buf[1024];
  fprintf(stderr, "bench_trace: %s: %s\n", what,
          err ? ladon_error_format(err, buf, sizeof buf) : "failed");
  exit(1);
}

/* Record i of the generated trace (deterministic: no random numbers). */
static void make_record(uint64_t i, ladon_trace_record *rec) {
  static const char *const vfs[4] = {"03:10.0", "03:10.1", "03:10.2",
                                     "03:10.3"};
  unsigned vf = (unsigned)(i & 3u);
  uint64_t k = i >> 2;
  memset(rec, 0, sizeof *rec);
  rec->t_ps = i * 4000u;
  rec->src = vfs[vf];
  ladon_tlp *t = &rec->tlp;
  uint16_t rid = (uint16_t)(0x0380u | vf); /* 03:10.vf */
  uint64_t base = 0x100000000ull + ((uint64_t)vf << 28);
  switch (k & 3u) {
  case 0:
  case 2: /* MWr 256 B, aligned so it never crosses 4 KB */
    t->type = LADON_TLP_MWR;
    t->req_id = rid;
    ladon_tlp_set_range(t, base + ((k * 256u) & 0xfffffffu), 256, NULL);
    break;
  case 1: /* MRd 512 B */
    t->type = LADON_TLP_MRD;
    t->req_id = rid;
    t->tag = (uint16_t)(k & 0xffu);
    ladon_tlp_set_range(t, base + ((k * 512u) & 0xfffffffu), 512, NULL);
    break;
  default: /* CplD from the root complex back to the VF */
    rec->src = "rc";
    t->type = LADON_TLP_CPLD;
    t->req_id = rid;
    t->tag = (uint16_t)(k & 0xffu);
    if ((k >> 2) % 8u == 0) { /* first of two 256 B pieces: needs hdr */
      t->length_dw = 64;
      t->byte_count = 512;
    } else {
      t->length_dw = 128;
      t->byte_count = 512;
    }
    break;
  }
}

static double write_trace(const char *path, uint64_t n) {
  ladon_error err;
  double t0 = bench_wall_s();
  ladon_trace_writer *w = ladon_trace_writer_open(path, LADON_TRACE_AUTO, &err);
  if (w == NULL) die(path, &err);
  ladon_trace_record rec;
  for (uint64_t i = 0; i < n; i++) {
    make_record(i, &rec);
    if (ladon_trace_write(w, &rec, &err) != LADON_OK) die(path, &err);
  }
  if (ladon_trace_writer_close(w, &err) != LADON_OK) die(path, &err);
  return bench_wall_s() - t0;
}

static void read_trace(const char *path, const char *label, uint64_t n,
                       double write_s) {
  ladon_error err;
  struct stat st;
  if (stat(path, &st) != 0) die(path, NULL);
  long rss0 = 0;
  double t0 = bench_wall_s(), c0 = bench_cpu_s();
  ladon_trace_reader *r = ladon_trace_open(path, &err);
  if (r == NULL) die(path, &err);
  ladon_trace_record rec;
  uint64_t count = 0, bytes = 0;
  int rc;
  while ((rc = ladon_trace_reader_next(r, &rec, &err)) == 1) {
    if (++count == n / 10) rss0 = rss_kib(); /* buffers are all in use */
    bytes += rec.tlp.length_dw;               /* touch the record */
  }
  if (rc < 0) die(path, &err);
  double secs = bench_wall_s() - t0, cpu = bench_cpu_s() - c0;
  long rss1 = rss_kib();
  ladon_trace_reader_close(r);
  if (count != n) {
    fprintf(stderr, "bench_trace: %s: read %llu of %llu TLPs\n", path,
            (unsigned long long)count, (unsigned long long)n);
    exit(1);
  }
  printf("%-8s %8.1f MB %8.3f s %8.3f s %10.0f %10.0f %8.1f %+7ld KiB %6.1f s\n",
         label, (double)st.st_size / 1e6, cpu, secs, (double)count / cpu,
         (double)count / secs, (double)st.st_size / 1e6 / cpu, rss1 - rss0,
         write_s);
  (void)bytes;
}

int main(int argc, char **argv) {
  uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 4000000u;
  const char *base = argc > 2 ? argv[2] : getenv("TMPDIR");
  if (n == 0) {
    fprintf(stderr, "usage: bench_trace [N_TLPS [DIR]]\n");
    return 2;
  }
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/bench-trace-XXXXXX", base ? base : "/tmp");
  if (mkdtemp(dir) == NULL) {
    perror("bench_trace: mkdtemp");
    return 1;
  }
  static const char *const names[] = {"ltr.gz", "ltr", "ltb.gz", "ltb"};
  printf("bench_trace: %llu TLPs (50%% MWr 256 B, 25%% MRd 512 B, 25%% "
         "CplD; 1/8 of CplD with hdr)\n",
         (unsigned long long)n);
  printf("%-8s %11s %10s %10s %10s %10s %8s %11s %8s\n", "format", "file",
         "cpu", "wall", "TLP/cpu-s", "TLP/wall-s", "MB/cpu-s", "rss +90%",
         "write");
  for (int i = 0; i < 4; i++) {
    char path[4200];
    snprintf(path, sizeof path, "%s/trace.%s", dir, names[i]);
    double ws = write_trace(path, n);
    read_trace(path, names[i], n, ws);
    unlink(path);
  }
  rmdir(dir);
  return 0;
}
