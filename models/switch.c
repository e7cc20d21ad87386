/*
** The switch: construction, ports, statistics, and the "switch" component
** type whose parameter table `ladon list` prints and topology files use.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ladon/component.h"
#include "ladon/stats.h"
#include "models/model.h"
#include "models/switch_int.h"
#include "pcie/link_int.h"
#include "sim/error_int.h"

void ladon__switch_config_default(ladon__switch_config *cfg) {
  if (!cfg) return;
  memset(cfg, 0, sizeof *cfg);
  cfg->downstream_ports = 4;
  cfg->latency_ps = LADON_NS(120);
  cfg->mode = LADON__SWITCH_CUT_THROUGH;
  cfg->arbitration = LADON__SWITCH_RR;
  for (unsigned i = 0; i < LADON__SWITCH_MAX_PORTS; i++) cfg->weights[i] = 1;
  ladon_port_config_default(&cfg->port);
  cfg->port.tx_queue_tlps = 4;
  cfg->acs = true;
  cfg->clock_period_ps = 1000;
  cfg->vendor_id = 0x10b5;
  cfg->device_id = 0x8796;
  cfg->mps_supported_bytes = 2048;
  cfg->max_link_speed = 3;
  cfg->max_link_width = 16;
}

static ladon_status bad(ladon_error *err, const char *name, const char *param,
                        const char *what) {
  return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                          "switch '%s': parameter '%s': %s", name, param, what);
}

static ladon_status check(const char *name, const ladon__switch_config *c,
                          ladon_error *err) {
  uint32_t m = c->mps_supported_bytes;
  if (c->downstream_ports < 1 || c->downstream_ports > LADON__SWITCH_MAX_DOWN)
    return bad(err, name, "downstream_ports", "must be 1..32 (devices of one bus)");
  if (c->clock_period_ps == 0) return bad(err, name, "clock", "must be above 0 Hz");
  for (unsigned i = 0; i <= c->downstream_ports; i++)
    if (c->arbitration == LADON__SWITCH_WRR && (c->weights[i] < 1 || c->weights[i] > 255))
      return bad(err, name, "weights", "each weight must be 1..255");
  if (m < 128 || m > 4096 || (m & (m - 1)))
    return bad(err, name, "max_payload",
               "Max_Payload_Size Supported is 128 B..4 KiB, a power of two (§7.5.3.3)");
  if (c->max_link_speed < 1 || c->max_link_speed > 6)
    return bad(err, name, "max_gen", "must be 1..6");
  switch (c->max_link_width) {
    case 1: case 2: case 4: case 8: case 16: case 32: break;
    default: return bad(err, name, "max_width", "must be 1, 2, 4, 8, 16 or 32 lanes");
  }
  return LADON_OK;
}

static const char *const stat_names[] = {
    "tlps_in", "tlps_forwarded", "bytes_forwarded", "urs", "posted_dropped",
    "acs_violations", "cpl_dropped", "msgs_terminated", "malformed"};

static ladon_status register_stats(ladon__switch *sw, ladon__sw_port *p,
                                   ladon_error *err) {
  ladon_stats *reg = ladon_sim_stats(sw->sim);
  char buf[LADON_STAT_NAME_MAX + 1];
  ladon_counter **cs[] = {&p->st.tlps_in, &p->st.tlps_forwarded, &p->st.bytes_forwarded,
                          &p->st.urs, &p->st.posted_dropped, &p->st.acs_violations,
                          &p->st.cpl_dropped, &p->st.msgs_terminated, &p->st.malformed};
  static const char *const units[] = {"TLPs", "TLPs", "bytes", "TLPs", "TLPs",
                                      "TLPs", "TLPs", "TLPs", "TLPs"};
  for (unsigned i = 0; i < sizeof cs / sizeof cs[0]; i++) {
    snprintf(buf, sizeof buf, "%s.%s.%s", sw->name, p->label, stat_names[i]);
    *cs[i] = ladon_stats_counter(reg, buf, units[i], NULL, err);
    if (!*cs[i]) return err ? err->code : LADON_EINVAL;
  }
  snprintf(buf, sizeof buf, "%s.%s.ingress_occupancy", sw->name, p->label);
  p->st.ingress_occupancy = ladon_stats_hist(reg, buf, "TLPs",
                                             "TLPs in the ingress buffer, at each arrival", err);
  snprintf(buf, sizeof buf, "%s.%s.egress_wait_ps", sw->name, p->label);
  p->st.egress_wait_ps = ladon_stats_hist(
      reg, buf, "ps", "time a TLP ready to leave waited for this egress port", err);
  snprintf(buf, sizeof buf, "%s.%s.transit_ps", sw->name, p->label);
  p->st.transit_ps = ladon_stats_hist(
      reg, buf, "ps", "arrival at the ingress port to hand-off to this egress port", err);
  if (!p->st.ingress_occupancy || !p->st.egress_wait_ps || !p->st.transit_ps)
    return err ? err->code : LADON_EINVAL;
  return LADON_OK;
}

ladon__switch *ladon__switch_new(ladon_sim *sim, const char *name,
                                 const ladon__switch_config *cfg, ladon_error *err) {
  ladon__switch_config def;
  ladon__switch *sw;
  char buf[256];
  static const ladon_port_callbacks cb = {ladon__sw_deliver, ladon__sw_tx_ready, NULL};
  if (!sim || !name) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "switch: a simulation and a name are required");
    return NULL;
  }
  if (!cfg) {
    ladon__switch_config_default(&def);
    cfg = &def;
  }
  if (check(name, cfg, err) != LADON_OK) return NULL;
  sw = calloc(1, sizeof *sw);
  if (!sw || !(sw->name = strdup(name))) {
    free(sw);
    ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "switch '%s': out of memory", name);
    return NULL;
  }
  sw->sim = sim;
  sw->cfg = *cfg;
  if (cfg->arbitration == LADON__SWITCH_RR)
    for (unsigned i = 0; i < LADON__SWITCH_MAX_PORTS; i++) sw->cfg.weights[i] = 1;
  sw->nports = 1u + cfg->downstream_ports;
  snprintf(buf, sizeof buf, "%s.mem_windows", name);
  sw->mem_map = ladon_imap_new(buf, 0);
  snprintf(buf, sizeof buf, "%s.io_windows", name);
  sw->io_map = ladon_imap_new(buf, 0);
  snprintf(buf, sizeof buf, "%s.bus_ranges", name);
  sw->bus_map = ladon_imap_new(buf, 0);
  if (!sw->mem_map || !sw->io_map || !sw->bus_map) goto nomem;
  snprintf(buf, sizeof buf, "%s.window_conflicts", name);
  sw->st_window_conflicts = ladon_stats_counter(
      ladon_sim_stats(sim), buf, NULL,
      "overlapping windows or bus ranges of two Downstream Ports", err);
  if (!sw->st_window_conflicts) goto fail;
  for (unsigned i = 0; i < sw->nports; i++) {
    ladon__sw_port *p = &sw->ports[i];
    p->sw = sw;
    p->idx = i;
    if (i == 0) snprintf(p->label, sizeof p->label, "up");
    else snprintf(p->label, sizeof p->label, "d%u", (i - 1u) & 0x3fu);  /* i <= 32 */
    p->arb_left = sw->cfg.weights[0];
    p->voq = calloc((size_t)sw->nports * LADON__SW_CLASSES, sizeof *p->voq);
    if (!p->voq) goto nomem;
    snprintf(buf, sizeof buf, "%s.%s", name, p->label);
    p->port = ladon_port_new(buf, &cfg->port, &cb, p, err);
    if (!p->port) goto fail;
    if (register_stats(sw, p, err) != LADON_OK) goto fail;
  }
  for (unsigned i = 0; i < sw->nports; i++)
    if (ladon__sw_cfg_build(sw, &sw->ports[i], err) != LADON_OK) goto fail;
  return sw;
nomem:
  ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "switch '%s': out of memory", name);
fail:
  ladon__switch_free(sw);
  return NULL;
}

void ladon__switch_free(ladon__switch *sw) {
  if (!sw) return;
  ladon__sw_xbar_free(sw);
  for (unsigned i = 0; i < sw->nports; i++) {
    ladon_port_free(sw->ports[i].port);
    ladon__cfg_free(sw->ports[i].cfg);
  }
  ladon_imap_free(sw->mem_map);
  ladon_imap_free(sw->io_map);
  ladon_imap_free(sw->bus_map);
  free(sw->name);
  free(sw);
}

unsigned ladon__switch_port_count(const ladon__switch *sw) { return sw ? sw->nports : 0; }

ladon_port *ladon__switch_port_at(ladon__switch *sw, unsigned idx) {
  return sw && idx < sw->nports ? sw->ports[idx].port : NULL;
}

ladon_port *ladon__switch_port(ladon__switch *sw, const char *name) {
  if (!sw || !name) return NULL;
  for (unsigned i = 0; i < sw->nports; i++)
    if (strcmp(sw->ports[i].label, name) == 0) return sw->ports[i].port;
  return NULL;
}

const ladon__cfg *ladon__switch_cfg(const ladon__switch *sw, unsigned idx) {
  return sw && idx < sw->nports ? sw->ports[idx].cfg : NULL;
}

uint16_t ladon__switch_port_id(const ladon__switch *sw, unsigned idx) {
  return sw && idx < sw->nports ? sw->ports[idx].rid : 0;
}

const ladon_imap *ladon__switch_mem_map(const ladon__switch *sw) {
  return sw ? sw->mem_map : NULL;
}
const ladon_imap *ladon__switch_io_map(const ladon__switch *sw) {
  return sw ? sw->io_map : NULL;
}
const ladon_imap *ladon__switch_bus_map(const ladon__switch *sw) {
  return sw ? sw->bus_map : NULL;
}

ladon_status ladon__switch_port_counters_get(const ladon__switch *sw, unsigned idx,
                                             ladon__switch_port_counters *out) {
  if (!sw || !out || idx >= sw->nports) return LADON_EINVAL;
  *out = sw->ports[idx].c;
  return LADON_OK;
}

/* ---- the component type ---------------------------------------------------- */

/*
** Parses "up:4,d0:2" into weights; names not listed keep weight 1.
*/
static ladon_status parse_weights(const char *inst, const char *text, unsigned nports,
                                  uint32_t *w, ladon_error *err) {
  const char *s = text;
  for (unsigned i = 0; i < LADON__SWITCH_MAX_PORTS; i++) w[i] = 1;
  while (*s) {
    char label[8];
    unsigned n = 0, idx;
    unsigned long v;
    char *end;
    while (*s == ' ' || *s == ',') s++;
    if (!*s) break;
    while (*s && *s != ':' && *s != ',' && n + 1 < sizeof label) label[n++] = *s++;
    label[n] = 0;
    if (*s != ':') return bad(err, inst, "weights", "expected PORT:WEIGHT items, e.g. \"up:4,d0:2\"");
    s++;
    if (strcmp(label, "up") == 0) {
      idx = 0;
    } else if (label[0] == 'd' && label[1] >= '0' && label[1] <= '9' &&
               (label[1] != '0' || label[2] == 0)) {
      unsigned long d = strtoul(label + 1, &end, 10);
      if (*end || d + 1 >= nports) return bad(err, inst, "weights", "names a port the switch does not have");
      idx = (unsigned)d + 1u;
    } else {
      return bad(err, inst, "weights", "port names are \"up\" and \"d0\"..\"d31\"");
    }
    if (*s < '0' || *s > '9') return bad(err, inst, "weights", "a weight is a number 1..255");
    v = strtoul(s, &end, 10);
    if (v < 1 || v > 255) return bad(err, inst, "weights", "a weight is a number 1..255");
    w[idx] = (uint32_t)v;
    s = end;
    if (*s && *s != ',' && *s != ' ') return bad(err, inst, "weights", "items are separated by commas");
  }
  return LADON_OK;
}

static const char *const mode_choices[] = {"cut_through", "store_and_forward", NULL};
static const char *const arb_choices[] = {"rr", "wrr", NULL};

static const ladon_param_desc switch_params[] = {
    {"downstream_ports", LADON_PARAM_U64, "4", "ports",
     "Downstream Ports present (d0..d<N-1>), devices 0..N-1 on the internal bus", NULL, "1",
     "32"},
    {"latency", LADON_PARAM_TIME, "120ns", NULL,
     "port-to-port latency: header in to header out (cut-through) or last symbol in to "
     "header out (store-and-forward); current switches take 100-150 ns, e.g. 150 ns at "
     "most for the Broadcom PEX8796 (product brief)",
     NULL, NULL, "100us"},
    {"mode", LADON_PARAM_ENUM, "cut_through", NULL,
     "forwarding: cut_through or store_and_forward", mode_choices, NULL, NULL},
    {"arbitration", LADON_PARAM_ENUM, "rr", NULL,
     "egress arbitration among ingress ports: rr (round-robin) or wrr (weighted)",
     arb_choices, NULL, NULL},
    {"weights", LADON_PARAM_STRING, "", NULL,
     "wrr weights as PORT:TLPS items, e.g. \"up:4,d0:2\": TLPs an ingress port may send "
     "per turn (1..255; ports not listed: 1)",
     NULL, NULL, NULL},
    {"ph_credits", LADON_PARAM_U64, "64", "credits",
     "ingress buffer of every port: posted header credits (one per TLP)", NULL, "1", NULL},
    {"pd_credits", LADON_PARAM_U64, "1024", "credits",
     "posted data credits (16 bytes each)", NULL, "1", NULL},
    {"nph_credits", LADON_PARAM_U64, "64", "credits", "non-posted header credits", NULL,
     "1", NULL},
    {"npd_credits", LADON_PARAM_U64, "64", "credits", "non-posted data credits", NULL, "1",
     NULL},
    {"cplh_credits", LADON_PARAM_U64, "64", "credits",
     "completion header credits (finite: a switch port may not advertise infinite "
     "completion credits, §2.6.1)",
     NULL, "1", NULL},
    {"cpld_credits", LADON_PARAM_U64, "1024", "credits", "completion data credits", NULL,
     "1", NULL},
    {"egress_queue", LADON_PARAM_U64, "4", "TLPs",
     "TLPs per class handed ahead to an egress link's transmit queue", NULL, "1", "1024"},
    {"acs", LADON_PARAM_BOOL, "true", NULL,
     "ACS Extended Capability on the Downstream Ports (source validation, translation "
     "blocking, P2P request/completion redirect, upstream forwarding, direct translated "
     "P2P); software enables each feature in ACS Control",
     NULL, NULL, NULL},
    {"clock", LADON_PARAM_FREQ, "1GHz", NULL,
     "switch core clock: TLPs leave on its edges, at most one per egress port per cycle",
     NULL, "1MHz", "100GHz"},
    {"vendor_id", LADON_PARAM_U64, "0x10b5", NULL, "Vendor ID of every port's function",
     NULL, NULL, "0xfffe"},
    {"device_id", LADON_PARAM_U64, "0x8796", NULL, "Device ID of every port's function",
     NULL, NULL, "0xffff"},
    {"max_payload", LADON_PARAM_SIZE, "2KiB", NULL,
     "DevCap Max_Payload_Size Supported: 128B..4KiB, a power of two", NULL, "128B", "4KiB"},
    {"max_gen", LADON_PARAM_U64, "3", NULL,
     "LnkCap Max Link Speed as a generation (1..6); a faster link is rejected at start",
     NULL, "1", "6"},
    {"max_width", LADON_PARAM_U64, "16", "lanes",
     "LnkCap Maximum Link Width of every port; a wider link is rejected at start", NULL,
     "1", "32"},
};

static const ladon_port_desc switch_ports[] = {
    {"up", "Upstream Port: device 0 on the bus above the switch"},
    {"d[0-31]", "Downstream Ports, present up to downstream_ports"},
};

static const ladon_stat_desc switch_stats[] = {
    {"PORT.tlps_in", "TLPs", "TLPs received on the port"},
    {"PORT.tlps_forwarded", "TLPs", "TLPs sent out of the port"},
    {"PORT.bytes_forwarded", "bytes", "payload bytes sent out of the port"},
    {"PORT.urs", "TLPs", "requests entering the port completed with UR by the switch"},
    {"PORT.posted_dropped", "TLPs", "posted requests entering the port that went nowhere"},
    {"PORT.acs_violations", "TLPs", "requests entering the port blocked by ACS"},
    {"PORT.cpl_dropped", "TLPs", "unexpected completions entering the port"},
    {"PORT.msgs_terminated", "TLPs", "messages consumed by the switch"},
    {"PORT.malformed", "TLPs", "TLPs that could not travel at all"},
    {"PORT.ingress_occupancy", "TLPs", "ingress buffer occupancy at each arrival"},
    {"PORT.egress_wait_ps", "ps", "wait of a ready TLP for the egress port"},
    {"PORT.transit_ps", "ps", "arrival to hand-off to the egress link"},
    {"window_conflicts", NULL, "windows of two Downstream Ports that overlap"},
};

static ladon_status switch_create(ladon_sim *sim, const char *name, const ladon_params *p,
                                  void **out, ladon_error *err) {
  ladon__switch_config c;
  ladon__switch_config_default(&c);
  c.downstream_ports = (uint32_t)ladon_params_u64(p, "downstream_ports");
  c.latency_ps = ladon_params_time_ps(p, "latency");
  c.mode = ladon_params_enum(p, "mode") ? LADON__SWITCH_STORE_AND_FORWARD
                                        : LADON__SWITCH_CUT_THROUGH;
  c.arbitration = ladon_params_enum(p, "arbitration") ? LADON__SWITCH_WRR : LADON__SWITCH_RR;
  if (parse_weights(name, ladon_params_string(p, "weights"), 1u + c.downstream_ports,
                    c.weights, err) != LADON_OK)
    return err ? err->code : LADON_EINVAL;
  static const char *const cred[] = {"ph_credits", "pd_credits", "nph_credits",
                                     "npd_credits", "cplh_credits", "cpld_credits"};
  uint32_t *dst[] = {&c.port.rx_ph_credits, &c.port.rx_pd_credits, &c.port.rx_nph_credits,
                     &c.port.rx_npd_credits, &c.port.rx_cplh_credits, &c.port.rx_cpld_credits};
  for (unsigned i = 0; i < 6; i++) {
    uint64_t v = ladon_params_u64(p, cred[i]);
    if (v >= LADON_CREDITS_INFINITE) return bad(err, name, cred[i], "too large");
    *dst[i] = (uint32_t)v;
  }
  c.port.tx_queue_tlps = (uint32_t)ladon_params_u64(p, "egress_queue");
  c.acs = ladon_params_bool(p, "acs");
  c.clock_period_ps = ladon_params_period_ps(p, "clock");
  c.vendor_id = (uint16_t)ladon_params_u64(p, "vendor_id");
  c.device_id = (uint16_t)ladon_params_u64(p, "device_id");
  c.mps_supported_bytes = (uint32_t)ladon_params_bytes(p, "max_payload");
  c.max_link_speed = (uint8_t)ladon_params_u64(p, "max_gen");
  c.max_link_width = (uint8_t)ladon_params_u64(p, "max_width");
  ladon__switch *sw = ladon__switch_new(sim, name, &c, err);
  if (!sw) return err ? err->code : LADON_EINVAL;
  *out = sw;
  return LADON_OK;
}

static void switch_destroy(void *instance) { ladon__switch_free(instance); }

static ladon_port *switch_port(void *instance, const char *name) {
  return ladon__switch_port(instance, name);
}

/*
** Reports each link's trained speed and width in Link Status (§7.5.3.8),
** after checking that the link does not exceed what the port supports.
*/
static ladon_status switch_start(void *instance, ladon_error *err) {
  ladon__switch *sw = instance;
  for (unsigned i = 0; i < sw->nports; i++) {
    ladon__sw_port *p = &sw->ports[i];
    const ladon_link *l = ladon_port_link(p->port);
    if (!l) continue;
    if (l->cfg.gen > sw->cfg.max_link_speed)
      return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                              "switch '%s': port %s: link '%s' is Gen%u, above max_gen %u",
                              sw->name, p->label, ladon_link_name(l), l->cfg.gen,
                              sw->cfg.max_link_speed);
    if (l->cfg.width > sw->cfg.max_link_width)
      return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                              "switch '%s': port %s: link '%s' is x%u, above max_width %u",
                              sw->name, p->label, ladon_link_name(l), l->cfg.width,
                              sw->cfg.max_link_width);
    ladon__cfg_exp_set_link(p->cfg, (uint8_t)l->cfg.gen, (uint8_t)l->cfg.width, true);
  }
  return LADON_OK;
}

static const ladon_model_ops switch_ops = {switch_port, switch_start};

const ladon_component_type ladon__model_switch_type = {
    .name = "switch",
    .description = "PCIe switch: an Upstream Port and N Downstream Ports, each a virtual "
                   "PCI-PCI bridge programmed by configuration requests; address and ID "
                   "routing, ACS, cut-through or store-and-forward, credits and egress "
                   "arbitration (docs/models/switch.md)",
    .params = switch_params,
    .n_params = sizeof switch_params / sizeof switch_params[0],
    .ports = switch_ports,
    .n_ports = sizeof switch_ports / sizeof switch_ports[0],
    .stats = switch_stats,
    .n_stats = sizeof switch_stats / sizeof switch_stats[0],
    .create = switch_create,
    .destroy = switch_destroy,
    .ext = &switch_ops,
};
