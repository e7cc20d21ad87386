/*
** A link's statistics in the simulation's registry:
** link.NAME.DIR.STAT with DIR "down" (a -> b) or "up" (b -> a).
*/
#include <stdio.h>

#include "pcie/link_int.h"

static ladon_counter *reg(ladon_stats *s, const char *link, const char *dir,
                          const char *stat, const char *unit,
                          const char *desc) {
  char name[LADON_STAT_NAME_MAX + 1];
  int n = snprintf(name, sizeof name, "link.%s.%s.%s", link, dir, stat);
  if (n < 0 || (size_t)n >= sizeof name) return NULL;
  /* A link name that is not a valid name segment simply has no registry
  ** entries; the counters in ladon_link_counters_get() still work. */
  return ladon_stats_counter(s, name, unit, desc, NULL);
}

void ladon__stats_register(ladon_link *l) {
  static const char *const dirs[2] = {"down", "up"};
  static const char *const stall_names[LADON__FC_TYPES] = {
      "credit_stall_ph_ps",  "credit_stall_pd_ps",   "credit_stall_nph_ps",
      "credit_stall_npd_ps", "credit_stall_cplh_ps", "credit_stall_cpld_ps"};
  static const char *const q_names[LADON__CLASSES] = {
      "queue_depth_p", "queue_depth_np", "queue_depth_cpl"};
  ladon_stats *s = ladon_sim_stats(l->sim);
  unsigned i, t;
  if (!s) return;
  for (i = 0; i < 2; i++) {
    ladon__dir *d = &l->dir[i];
    const char *dn = dirs[i];
    d->st_tlps = reg(s, l->name, dn, "tlps", "TLPs", "TLPs delivered");
    d->st_tlp_bytes = reg(s, l->name, dn, "tlp_bytes", "bytes",
                          "wire bytes of TLP transmissions, replays included");
    d->st_payload = reg(s, l->name, dn, "payload_bytes", "bytes",
                        "payload bytes of delivered TLPs");
    d->st_dllps = reg(s, l->name, dn, "dllps", "DLLPs", "DLLPs transmitted");
    d->st_dllp_bytes = reg(s, l->name, dn, "dllp_bytes", "bytes",
                           "wire bytes of DLLPs");
    d->st_acks = reg(s, l->name, dn, "acks", "DLLPs", "Acks transmitted");
    d->st_naks = reg(s, l->name, dn, "naks", "DLLPs", "Naks transmitted");
    d->st_update_fcs = reg(s, l->name, dn, "update_fcs", "DLLPs",
                           "UpdateFC DLLPs transmitted");
    d->st_replays = reg(s, l->name, dn, "replays", NULL,
                        "replays started (Nak or REPLAY_TIMER)");
    d->st_replayed = reg(s, l->name, dn, "replayed_tlps", NULL,
                         "TLPs (flit mode: flits) retransmitted");
    d->st_retrains = reg(s, l->name, dn, "retrains", NULL,
                         "REPLAY_NUM rollovers that retrained the link");
    d->st_bad_tlps = reg(s, l->name, dn, "bad_tlps", NULL,
                         "TLPs (flit mode: flits) received corrupt");
    d->st_bad_dllps = reg(s, l->name, dn, "bad_dllps", NULL,
                          "DLLPs received corrupt");
    d->st_flits = reg(s, l->name, dn, "flits", "flits",
                      "payload flits transmitted (flit mode)");
    d->st_busy = reg(s, l->name, dn, "busy_ps", "ps",
                     "time the lanes carried TLPs and DLLPs; utilisation is "
                     "busy_ps / elapsed");
    d->st_stall_total = reg(s, l->name, dn, "credit_stall_ps", "ps",
                            "time TLPs waited for credits, all types");
    for (t = 0; t < LADON__FC_TYPES; t++)
      d->st_stall[t] = reg(s, l->name, dn, stall_names[t], "ps",
                           "time the oldest TLP of a class waited for these "
                           "credits");
    for (t = 0; t < LADON__CLASSES; t++) {
      char name[LADON_STAT_NAME_MAX + 1];
      int n = snprintf(name, sizeof name, "link.%s.%s.%s", l->name, dn,
                       q_names[t]);
      d->st_qdepth[t] =
          n > 0 && (size_t)n < sizeof name
              ? ladon_stats_hist(s, name, "TLPs",
                                 "transmit queue depth after each enqueue",
                                 NULL)
              : NULL;
    }
  }
}
