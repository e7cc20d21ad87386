/*
** The benches' clocks.  Wall time says what a user waits; CPU time of the
** process is the better measure of the simulator on a shared machine (the
** benches print both).  Read only by the benches, never by the library.
*/
#ifndef LADON_BENCH_CLOCK_H
#define LADON_BENCH_CLOCK_H

#include <sys/resource.h>
#include <time.h>

static inline double bench_clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Monotonic wall-clock seconds. */
static inline double bench_wall_s(void) { return bench_clock_s(CLOCK_MONOTONIC); }

/* CPU seconds of this process, user and system. */
static inline double bench_cpu_s(void) {
  return bench_clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

/* User CPU seconds of this process only (getrusage): bench_fabric's measure,
** which leaves out the kernel's page-fault work of building the fabric. */
static inline double bench_user_cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6;
}

#endif
