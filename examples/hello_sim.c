/*
** The smallest program that links libladon: schedules a few events on the
** kernel and prints the order they ran in.  Built against the *installed*
** library by tests/sh/install_example.sh, once through pkg-config and once
** through find_package(ladon).
*/
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <ladon/ladon.h>

static void on_event(ladon_sim *sim, void *ctx, uint64_t arg) {
  (void)ctx;
  printf("t=%" PRIu64 "ps event %" PRIu64 "\n", ladon_sim_now(sim), arg);
  /* The first event schedules one more, 1 ns later. */
  if (arg == 1) ladon_sim_schedule_in(sim, LADON_NS(1), LADON_PRIO_DEFAULT, on_event, NULL, 3);
}

int main(void) {
  if (strcmp(ladon_version_string(), LADON_VERSION_STRING) != 0) {
    fprintf(stderr, "header %s but library %s\n", LADON_VERSION_STRING,
            ladon_version_string());
    return 1;
  }
  ladon_error err;
  ladon_sim_config cfg = {.seed = 1, .expected_events = 0};
  ladon_sim *sim = ladon_sim_new(&cfg, &err);
  if (sim == NULL) {
    fprintf(stderr, "ladon_sim_new: %s\n", err.text);
    return 1;
  }
  ladon_sim_schedule_at(sim, LADON_NS(2), LADON_PRIO_DEFAULT, on_event, NULL, 2);
  ladon_sim_schedule_at(sim, LADON_NS(1), LADON_PRIO_DEFAULT, on_event, NULL, 1);
  uint64_t n = ladon_sim_run_until(sim, LADON_NS(10));
  printf("ran %" PRIu64 " events, now %" PRIu64 "ps, ladon %s\n", n,
         ladon_sim_now(sim), ladon_version_string());
  ladon_sim_free(sim);
  return 0;
}
