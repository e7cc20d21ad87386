/*
** Isolation-check speed on a large Ladon fabric (DESIGN §7 scale): a
** management host with an IOMMU, a switch tree, NICS SR-IOV NICs of
** VFS_PER_NIC VFs (1 MiB BARs), and HOSTS compute hosts (each with an IOMMU)
** behind their own NTBs (512 MiB BAR2 as 512 LUT entries of 1 MiB, so that
** each VF BAR and each MiB of VM memory takes one entry), each running two
** 64 MiB VMs that use VFS_PER_NIC * NICS / HOSTS / 2 VFs each -- by default
** 64 compute hosts, 16 NICs x 64 VFs = 1,024 VFs, every one assigned.  The topology is generated into a temporary file; the Ladon
** manager programs every table when the fabric is loaded.
**
** Prints the load time, the static check (target < 1 s) and the dynamic
** probe run with its probe count, each as process CPU seconds
** and wall seconds.
**
**   bench_check [HOSTS [MAX_PROBES]]   (default 64 hosts, 4000 probes)
** With LADON_BENCH_TOPO=FILE the generated topology is kept in FILE.
**
** The wall clock is read only here, never inside the library.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_clock.h"
#include "ladon/check.h"
#include "ladon/ladon.h"

#define NICS 16
#define VFS_PER_NIC 64

/* Switch ports: sw0.d0 -> swn (NICs), sw0.d1.. -> swc<k> (32 NTBs each). */
static int write_topology(FILE *f, int hosts) {
  int groups = (hosts + 31) / 32;
  int vfs_per_vm = NICS * VFS_PER_NIC / hosts / 2;
  if (vfs_per_vm < 1 || groups + 1 > 32) return -1;
  fprintf(f, "{\n \"ladon\": 1, \"name\": \"bench: %d compute hosts, %d VFs\", \"seed\": 1,\n"
             " \"defaults\": {\"link\": {\"gen\": 3, \"width\": 8, \"latency\": \"10ns\"}},\n"
             " \"components\": {\n"
             "  \"mh\": {\"type\": \"host\", \"root_ports\": 1, \"memory\": \"64GiB\", \"cpus\": 8,"
             " \"iommu\": true},\n"
             "  \"sw0\": {\"type\": \"switch\", \"downstream_ports\": %d},\n"
             "  \"swn\": {\"type\": \"switch\", \"downstream_ports\": %d}",
          hosts, NICS * VFS_PER_NIC, groups + 1, NICS);
  for (int g = 0; g < groups; g++)
    fprintf(f, ",\n  \"swc%d\": {\"type\": \"switch\", \"downstream_ports\": 32}", g);
  for (int n = 0; n < NICS; n++)
    fprintf(f, ",\n  \"nic%d\": {\"type\": \"sriov_nic\", \"total_vfs\": %d, \"num_vfs\": %d,"
               " \"vf_bar_size\": \"1MiB\"}",
            n, VFS_PER_NIC, VFS_PER_NIC);
  for (int h = 0; h < hosts; h++)
    fprintf(f, ",\n  \"ch%d\": {\"type\": \"host\", \"root_ports\": 1, \"memory\": \"1GiB\","
               " \"cpus\": 4, \"iommu\": true},\n"
               "  \"ntb%d\": {\"type\": \"ntb\", \"bar2_size\": \"512MiB\", \"lut_entries\": 512,"
               " \"rid_entries\": 255}",
            h, h);
  fprintf(f, "\n },\n \"links\": [\n  {\"a\": \"mh.rp0\", \"b\": \"sw0.up\"},\n"
             "  {\"a\": \"sw0.d0\", \"b\": \"swn.up\"}");
  for (int g = 0; g < groups; g++)
    fprintf(f, ",\n  {\"a\": \"sw0.d%d\", \"b\": \"swc%d.up\"}", g + 1, g);
  for (int n = 0; n < NICS; n++)
    fprintf(f, ",\n  {\"a\": \"swn.d%d\", \"b\": \"nic%d.up\"}", n, n);
  for (int h = 0; h < hosts; h++)
    fprintf(f, ",\n  {\"a\": \"swc%d.d%d\", \"b\": \"ntb%d.a\"},\n"
               "  {\"a\": \"ch%d.rp0\", \"b\": \"ntb%d.b\"}",
            h / 32, h % 32, h, h, h);
  fprintf(f, "\n ],\n \"vms\": {");
  int next = 0;
  for (int h = 0; h < hosts; h++)
    for (int v = 0; v < 2; v++) {
      fprintf(f, "%s\n  \"vm%d_%d\": {\"host\": \"ch%d\", \"memory\": \"64MiB\", \"vcpus\": 2,"
                 " \"functions\": [",
              h || v ? "," : "", h, v, h);
      for (int k = 0; k < vfs_per_vm; k++, next++)
        fprintf(f, "%s\"nic%d.vf%d\"", k ? ", " : "", next / VFS_PER_NIC, next % VFS_PER_NIC);
      fprintf(f, "]}");
    }
  /* System software enables ACS on every Downstream Port (Linux
  ** pci_enable_acs() with an IOMMU): without P2P Request Redirect on the
  ** ports between switches, every VF would reach every NT window directly. */
  fprintf(f, "\n },\n \"tables\": [");
  for (int p = 0; p <= groups; p++)
    fprintf(f, "%s\n  {\"table\": \"acs\", \"switch\": \"sw0\", \"port\": \"d%d\","
               " \"ctrl\": [\"sv\", \"rr\", \"uf\"]}",
            p ? "," : "", p);
  for (int n = 0; n < NICS; n++)
    fprintf(f, ",\n  {\"table\": \"acs\", \"switch\": \"swn\", \"port\": \"d%d\","
               " \"ctrl\": [\"sv\", \"rr\", \"uf\"]}",
            n);
  fprintf(f, "\n ]\n}\n");
  return ferror(f) ? -1 : 0;
}

int main(int argc, char **argv) {
  int hosts = argc > 1 ? atoi(argv[1]) : 64;
  uint32_t probes = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 4000;
  if (hosts < 1 || hosts > 992 || (NICS * VFS_PER_NIC) % (2 * hosts)) {
    fprintf(stderr, "bench_check: HOSTS must divide %d VFs into two VMs each\n",
            NICS * VFS_PER_NIC);
    return 2;
  }
  char path[] = "/tmp/bench_check-XXXXXX";
  int fd = mkstemp(path);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (f == NULL || write_topology(f, hosts) != 0) {
    fprintf(stderr, "bench_check: cannot write the topology\n");
    return 1;
  }
  fclose(f);
  ladon_error err;
  double c0 = bench_cpu_s(), w0 = bench_wall_s();
  ladon_fabric *fab = ladon_fabric_load(path, NULL, &err);
  double c1 = bench_cpu_s(), w1 = bench_wall_s();
  /* LADON_BENCH_TOPO=FILE keeps the generated topology (for `ladon check`). */
  const char *keep = getenv("LADON_BENCH_TOPO");
  if (keep && rename(path, keep) != 0) unlink(path);
  if (!keep) unlink(path);
  if (fab == NULL) {
    char line[LADON_ERROR_FILE_MAX + LADON_ERROR_TEXT_MAX + 32];
    fprintf(stderr, "bench_check: %s\n", ladon_error_format(&err, line, sizeof line));
    return 1;
  }
  fprintf(stderr, "bench_check: loaded in %.3f s CPU\n", c1 - c0);
  ladon_check *st = NULL, *dy = NULL;
  ladon_check_options so = {.no_probes = true};
  if (ladon_check_run(fab, &so, &st, &err) != LADON_OK) return 1;
  double c2 = bench_cpu_s(), w2 = bench_wall_s();
  fprintf(stderr, "bench_check: static check in %.3f s CPU\n", c2 - c1);
  ladon_check_options po = {.max_probes = probes};
  if (ladon_check_run(fab, &po, &dy, &err) != LADON_OK) return 1;
  double c3 = bench_cpu_s(), w3 = bench_wall_s();
  ladon_check_summary s, d;
  ladon_check_summary_get(st, &s);
  ladon_check_summary_get(dy, &d);
  printf("fabric: %d compute hosts, %d NICs x %d VFs = %d VFs, %zu requesters\n", hosts, NICS,
         VFS_PER_NIC, NICS * VFS_PER_NIC, s.requesters);
  printf("load+enumerate+program: %.3f s CPU (%.3f s wall)\n", c1 - c0, w1 - w0);
  printf("static check:           %.3f s CPU (%.3f s wall), %zu ranges, %zu violations "
         "(target < 1 s)\n",
         c2 - c1, w2 - w1, s.reaches, s.violations);
  /* The dynamic run repeats the static part; its own share is the rest. */
  printf("static + probes:        %.3f s CPU (%.3f s wall), %zu probes of %zu called for, "
         "%zu disagreements; probes alone %.3f s CPU\n",
         c3 - c2, w3 - w2, d.probes, d.probes_wanted, d.disagreements,
         (c3 - c2) - (c2 - c1));
  ladon_check_free(st);
  ladon_check_free(dy);
  ladon_fabric_free(fab);
  return 0;
}
