/*
** The "link" component type: the parameter table that topology files and
** `ladon list link` use for links.  An instance is a resolved
** ladon_link_config; the fabric builds the link itself between two ports
** with ladon_link_new(), which checks the combination (e.g. flit mode at
** the chosen rate) and names the link in its messages.
*/
#include <stdlib.h>

#include "ladon/component.h"
#include "ladon/link.h"
#include "pcie/link_type_int.h"

static const char *const flit_choices[] = {"auto", "off", "on", NULL};

static const ladon_param_desc link_params[] = {
    {"gen", LADON_PARAM_U64, "3", NULL,
     "PCIe generation: 1..6 (2.5, 5, 8, 16, 32, 64 GT/s per lane)", NULL, "1",
     "6"},
    {"width", LADON_PARAM_U64, "8", "lanes",
     "link width: 1, 2, 4, 8, 16 or 32 lanes", NULL, "1", "32"},
    {"flit", LADON_PARAM_ENUM, "auto", NULL,
     "flit mode: auto (on at 64 GT/s, where it is required), off, on",
     flit_choices, NULL, NULL},
    {"mps", LADON_PARAM_SIZE, "256B", NULL,
     "Max_Payload_Size of TLPs on this link: 128B..4KiB, a power of two", NULL,
     "128B", "4KiB"},
    {"latency", LADON_PARAM_TIME, "10ns", NULL,
     "per direction, last symbol sent to last symbol received (wire and PHY "
     "pipelines)",
     NULL, NULL, "1ms"},
    {"ber", LADON_PARAM_DOUBLE, "0", NULL,
     "bit error rate on the wire; corrupts TLPs and DLLPs so that NAKs and "
     "replays happen",
     NULL, "0", "0.001"},
    {"replay_buffer", LADON_PARAM_SIZE, "32KiB", NULL,
     "retry buffer size (TLP bytes including framing)", NULL, "256B", "16MiB"},
    {"replay_timer", LADON_PARAM_U64, "24000", "symbol times",
     "REPLAY_TIMER limit (PCIe Base 6.0 §3.6.2.1: 24000..31000, or "
     "80000..100000 with Extended Synch)", NULL, "24000", "100000"},
    {"retrain", LADON_PARAM_TIME, "1us", NULL,
     "time in Recovery after a REPLAY_NUM rollover", NULL, NULL, "1s"},
    {"vcs", LADON_PARAM_U64, "1", NULL,
     "virtual channels; traffic class n uses VC n mod vcs", NULL, "1", "8"},
    {"ack_latency", LADON_PARAM_U64, "0", "symbol times",
     "Ack latency limit; 0 takes the spec's table for the rate, width and MPS",
     NULL, NULL, "1000000"},
    {"fc_update_latency", LADON_PARAM_U64, "0", "symbol times",
     "UpdateFC latency; 0 takes the spec's table for the rate, width and MPS",
     NULL, NULL, "1000000"},
};

/* What ladon__stats_register() (link_stats.c) puts in the registry, as
** link.NAME.DIR.STAT with DIR "down" (port a to b) or "up" (b to a). */
static const ladon_stat_desc link_stats[] = {
    {"DIR.tlps", "TLPs", "TLPs delivered (down = a to b, up = b to a)"},
    {"DIR.tlp_bytes", "bytes", "wire bytes of TLP transmissions, replays included"},
    {"DIR.payload_bytes", "bytes", "payload bytes of delivered TLPs"},
    {"DIR.dllps", "DLLPs", "DLLPs transmitted"},
    {"DIR.dllp_bytes", "bytes", "wire bytes of DLLPs"},
    {"DIR.acks", "DLLPs", "Acks transmitted"},
    {"DIR.naks", "DLLPs", "Naks transmitted"},
    {"DIR.update_fcs", "DLLPs", "UpdateFC DLLPs transmitted"},
    {"DIR.replays", NULL, "replays started (timeout or Nak)"},
    {"DIR.replayed_tlps", NULL, "TLPs (flit mode: flits) retransmitted"},
    {"DIR.retrains", NULL, "REPLAY_NUM rollovers that retrained the link"},
    {"DIR.bad_tlps", NULL, "TLPs (flit mode: flits) received corrupt"},
    {"DIR.bad_dllps", NULL, "DLLPs received corrupt"},
    {"DIR.flits", "flits", "payload flits transmitted (flit mode)"},
    {"DIR.busy_ps", "ps",
     "time the lanes carried TLPs and DLLPs; utilisation = busy_ps / elapsed"},
    {"DIR.credit_stall_ps", "ps", "time TLPs waited for credits, all types"},
    {"DIR.credit_stall_ph_ps", "ps", "... for posted header credits"},
    {"DIR.credit_stall_pd_ps", "ps", "... for posted data credits"},
    {"DIR.credit_stall_nph_ps", "ps", "... for non-posted header credits"},
    {"DIR.credit_stall_npd_ps", "ps", "... for non-posted data credits"},
    {"DIR.credit_stall_cplh_ps", "ps", "... for completion header credits"},
    {"DIR.credit_stall_cpld_ps", "ps", "... for completion data credits"},
    {"DIR.queue_depth_p", "TLPs", "posted transmit queue depth (histogram)"},
    {"DIR.queue_depth_np", "TLPs", "non-posted transmit queue depth (histogram)"},
    {"DIR.queue_depth_cpl", "TLPs", "completion transmit queue depth (histogram)"},
};

void ladon__link_config_from_params(const ladon_params *p,
                                    ladon_link_config *cfg) {
  ladon_link_config_default(cfg);
  cfg->gen = (unsigned)ladon_params_u64(p, "gen");
  cfg->width = (unsigned)ladon_params_u64(p, "width");
  static const ladon_flit_mode modes[] = {LADON_FLIT_AUTO, LADON_FLIT_OFF,
                                          LADON_FLIT_ON};
  cfg->flit = modes[ladon_params_enum(p, "flit")];
  cfg->mps_bytes = (uint32_t)ladon_params_bytes(p, "mps");
  cfg->latency_ps = ladon_params_time_ps(p, "latency");
  cfg->ber = ladon_params_double(p, "ber");
  cfg->replay_buffer_bytes = (uint32_t)ladon_params_bytes(p, "replay_buffer");
  cfg->replay_timer_syms = (uint32_t)ladon_params_u64(p, "replay_timer");
  cfg->retrain_ps = ladon_params_time_ps(p, "retrain");
  cfg->vcs = (unsigned)ladon_params_u64(p, "vcs");
  cfg->ack_latency_syms = (uint32_t)ladon_params_u64(p, "ack_latency");
  cfg->fc_update_syms = (uint32_t)ladon_params_u64(p, "fc_update_latency");
}

static ladon_status link_create(ladon_sim *sim, const char *name,
                                const ladon_params *params, void **out,
                                ladon_error *err) {
  (void)sim;
  (void)name;
  (void)err;
  ladon_link_config *cfg = malloc(sizeof *cfg);
  if (cfg == NULL) return LADON_ENOMEM;
  ladon__link_config_from_params(params, cfg);
  *out = cfg;
  return LADON_OK;
}

static void link_destroy(void *instance) { free(instance); }

const ladon_component_type ladon__link_type = {
    .name = "link",
    .description = "a PCI Express link joining two ports: physical layer, "
                   "data link layer (ACK/NAK, replay) and credit flow control "
                   "(docs/link-model.md)",
    .params = link_params,
    .n_params = sizeof link_params / sizeof link_params[0],
    .stats = link_stats,
    .n_stats = sizeof link_stats / sizeof link_stats[0],
    .create = link_create,
    .destroy = link_destroy,
};
