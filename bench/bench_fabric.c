/*
** End-to-end fabric speed: a VF's DMA write stream through a switch and a
** root complex into host memory, with the full link layer (ACK and UpdateFC
** DLLPs) on every link.  Prints simulated TLPs per wall second.
** Target (DESIGN §7): >= 2 M TLPs/s.
**   bench_fabric [COUNT]
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "ladon/ladon.h"

static const char topology[] =
    "{\"ladon\": 1, \"name\": \"bench\", \"seed\": 1,\n"
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

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  unsigned long long count = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
  char path[] = "/tmp/ladon-bench-XXXXXX";
  int fd = mkstemp(path);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (f == NULL) return 1;
  fprintf(f, topology, count);
  fclose(f);
  ladon_error err;
  ladon_fabric *fab = ladon_fabric_load(path, NULL, &err);
  unlink(path);
  if (fab == NULL) {
    char line[1024];
    fprintf(stderr, "%s\n", ladon_error_format(&err, line, sizeof line));
    return 2;
  }
  ladon_sim *sim = ladon_fabric_sim(fab);
  uint64_t events0 = ladon_sim_events_run(sim);
  double t0 = now_s();
  ladon_sim_run_events(sim, UINT64_MAX); /* until no work is left */
  double wall = now_s() - t0;
  uint64_t events = ladon_sim_events_run(sim) - events0;
  printf("fabric VF -> switch -> root complex -> memory, 64 B MWr, %llu TLPs\n",
         count);
  printf("  %.2f M TLPs/s   %.2f M events/s   %.3f s wall   %.1f us simulated\n",
         (double)count / wall / 1e6, (double)events / wall / 1e6, wall,
         (double)ladon_sim_now(sim) / 1e6);
  printf("  target >= 2 M TLPs/s\n");
  ladon_fabric_free(fab);
  return 0;
}
