/*
** Hold-model benchmark of the event kernel (Vaucher and Duval, "A comparison
** of simulation event list algorithms", CACM 18(4), 1975): N events are
** pending; each handler schedules one new event at now + a random delay from
** the simulation's generator, so the queue stays at N while events run.
** Prints events per wall-clock second (and per second of process CPU time)
** for N = 1e3, 1e5 and 1e6, with exponential and uniform delays.
**
** usage: bench_kernel [MIN_EVENTS [MIN_SECONDS]]
** (defaults 2e7 events and 1 s per case, whichever takes longer)
**
** The wall clock is read only here, never inside the library.
*/
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench/bench_clock.h"
#include "ladon/rng.h"
#include "ladon/sim.h"

#define MEAN_DELAY_PS 1000000.0 /* 1 us; only the order of keys matters */

typedef struct hold {
  ladon_rng *rng;
  int uniform;
} hold;

static void hold_event(ladon_sim *sim, void *ctx, uint64_t arg) {
  hold *h = ctx;
  ladon_time_ps delay =
      h->uniform ? ladon_rng_below(h->rng, (uint64_t)(2 * MEAN_DELAY_PS))
                 : (ladon_time_ps)ladon_rng_exponential(h->rng, MEAN_DELAY_PS);
  if (ladon_sim_schedule_in(sim, delay, LADON_PRIO_DEFAULT, hold_event, ctx,
                            arg) == 0) {
    fprintf(stderr, "bench_kernel: schedule failed\n");
    exit(1);
  }
}

/* Runs one case; returns events per wall second and stores the count, the
** wall time and the process CPU time.  CPU time tells how much of the wall
** time the process actually ran: on a shared machine the two differ. */
static double run_case(size_t n, int uniform, uint64_t min_events,
                       double min_seconds, uint64_t *events_out,
                       double *secs_out, double *cpu_out) {
  ladon_sim_config cfg = {.seed = 1, .expected_events = n};
  ladon_sim *sim = ladon_sim_new(&cfg, NULL);
  if (sim == NULL) {
    fprintf(stderr, "bench_kernel: out of memory\n");
    exit(1);
  }
  hold h = {ladon_sim_rng(sim), uniform};
  for (size_t i = 0; i < n; i++) hold_event(sim, &h, i);
  /* Warm up until the key distribution is the steady state of the model
  ** (every initial event has run at least about once). */
  ladon_sim_run_events(sim, 2 * (uint64_t)n);

  uint64_t events = 0;
  double start = bench_wall_s(), elapsed = 0.0;
  double cpu_start = bench_cpu_s();
  uint64_t chunk = min_events / 8 > 0 ? min_events / 8 : 1;
  while (events < min_events || elapsed < min_seconds) {
    events += ladon_sim_run_events(sim, chunk);
    elapsed = bench_wall_s() - start;
  }
  *cpu_out = bench_cpu_s() - cpu_start;
  if (ladon_sim_pending(sim) != n) {
    fprintf(stderr, "bench_kernel: queue size drifted\n");
    exit(1);
  }
  ladon_sim_free(sim);
  *events_out = events;
  *secs_out = elapsed;
  return (double)events / elapsed;
}

int main(int argc, char **argv) {
  uint64_t min_events = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000000u;
  double min_seconds = argc > 2 ? strtod(argv[2], NULL) : 1.0;
  static const size_t sizes[] = {1000, 100000, 1000000};
  printf("hold model: N pending events, each handler schedules one at now + "
         "delay (mean %.0f ps)\n", MEAN_DELAY_PS);
  printf("%-12s %-8s %11s %8s %8s %14s %14s\n", "delay", "N", "events",
         "wall_s", "cpu_s", "M_events/s", "M_events/cpu_s");
  for (int uniform = 0; uniform <= 1; uniform++) {
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
      uint64_t events;
      double secs, cpu;
      double rate = run_case(sizes[i], uniform, min_events, min_seconds,
                             &events, &secs, &cpu);
      printf("%-12s %-8zu %11llu %8.3f %8.3f %14.2f %14.2f\n",
             uniform ? "uniform" : "exponential", sizes[i],
             (unsigned long long)events, secs, cpu, rate / 1e6,
             (double)events / cpu / 1e6);
      fflush(stdout);
    }
  }
  printf("targets (DESIGN 7): >= 20 M events/s at N = 1e3, "
         ">= 5 M events/s at N = 1e6, one core\n");
  return 0;
}
