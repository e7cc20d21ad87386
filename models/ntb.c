/*
** The NTB: construction, the two NT endpoints' configuration spaces,
** statistics, and the "ntb" component type.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ladon/component.h"
#include "ladon/stats.h"
#include "models/model.h"
#include "models/ntb_int.h"
#include "pcie/pci_regs.h"
#include "sim/error_int.h"

static const char *const side_label[LADON__NTB_SIDES] = {"a", "b"};

void ladon__ntb_config_default(ladon__ntb_config *cfg) {
  if (!cfg) return;
  memset(cfg, 0, sizeof *cfg);
  cfg->style = LADON__NTB_SWITCHTEC;
  cfg->bar2_bytes = 1u << 20;
  cfg->latency_ps = LADON_NS(100);
  cfg->clock_period_ps = 1000;
  cfg->rid_entries = 32;
  cfg->doorbells = 28;
  cfg->spads = 8;
  cfg->vendor_id = 0x11f8; /* Microchip (PMC-Sierra) Switchtec */
  cfg->device_id = 0x8574; /* a PFX switch; NT functions report class 0680h */
  cfg->tags = 256;
  cfg->domain[LADON__NTB_A] = 0;
  cfg->domain[LADON__NTB_B] = 1;
  ladon_port_config_default(&cfg->port);
}

static ladon_status bad(ladon_error *err, const char *name, const char *param,
                        const char *what) {
  return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "ntb '%s': parameter '%s': %s",
                          name, param, what);
}

static bool pow2(uint64_t v) { return v && !(v & (v - 1)); }

static ladon_status check(const char *name, const ladon__ntb_config *c, ladon_error *err) {
  if (!pow2(c->bar2_bytes) || c->bar2_bytes < 4096)
    return bad(err, name, "bar2_size", "must be a power of two of at least 4 KiB");
  if (c->bar4_bytes && (!pow2(c->bar4_bytes) || c->bar4_bytes < 4096))
    return bad(err, name, "bar4_size", "must be 0 or a power of two of at least 4 KiB");
  if (c->lut_entries) {
    if (!pow2(c->lut_entries) || c->lut_entries > LADON__NTB_MAX_LUT)
      return bad(err, name, "lut_entries", "must be 0 or a power of two up to 512");
    if (c->bar2_bytes / c->lut_entries < 4096)
      return bad(err, name, "lut_entries", "each LUT entry (bar2_size / lut_entries) "
                                           "must be at least 4 KiB");
  }
  if (c->clock_period_ps == 0) return bad(err, name, "clock", "must be above 0 Hz");
  if (c->rid_entries > LADON__NTB_MAX_RIDS)
    return bad(err, name, "rid_entries", "must be 0..255 (proxy IDs of one bus)");
  if (c->style == LADON__NTB_PLX && c->rid_entries > 32)
    return bad(err, name, "rid_entries", "PLX style: at most 32 (the device field)");
  if (c->doorbells < 1 || c->doorbells > 32)
    return bad(err, name, "doorbells", "must be 1..32");
  if (c->spads < 1 || c->spads > LADON__NTB_SPADS_MAX)
    return bad(err, name, "scratchpads", "must be 1..128");
  if (c->tags < 1 || c->tags > 256) return bad(err, name, "tags", "must be 1..256");
  return LADON_OK;
}

/* Re-decodes the BARs after a configuration write (BAR or Command). */
static void cfg_changed(ladon__cfg *cfg, const ladon__cfg_write_ev *ev, void *ctx) {
  ladon__ntb_side *s = ctx;
  (void)cfg;
  (void)ev;
  ladon__ntb_decode_bars(s->ntb, s->idx);
}

/* MSI-X Enable or Function Mask changed: a pending doorbell may now signal. */
static void msix_changed(ladon__cfg *cfg, const ladon__cfg_write_ev *ev, void *ctx) {
  ladon__ntb_side *s = ctx;
  (void)cfg;
  (void)ev;
  ladon__ntb_db_update(s->ntb, s->idx);
}

static ladon_status build_cfg(ladon__ntb *ntb, ladon__ntb_side *s, ladon_error *err) {
  ladon__cfg_ids ids;
  ladon__cfg_bar_def bar;
  ladon__cfg_exp_opts o;
  ladon_status st;
  memset(&ids, 0, sizeof ids);
  ids.vendor_id = ntb->cfg.vendor_id;
  ids.device_id = ntb->cfg.device_id;
  ids.class_code = 0x068000; /* bridge, other: what NT functions report */
  s->cfg = ladon__cfg_new_type0(&ids, err);
  if (!s->cfg) return err ? err->code : LADON_ENOMEM;
  memset(&bar, 0, sizeof bar);
  bar.kind = LADON__BAR_MEM64;
  bar.size_bytes = LADON__NTB_BAR0_BYTES;
  if ((st = ladon__cfg_add_bar(s->cfg, 0, &bar, err)) != LADON_OK) return st;
  bar.prefetchable = true;
  bar.size_bytes = ntb->cfg.bar2_bytes;
  if ((st = ladon__cfg_add_bar(s->cfg, 2, &bar, err)) != LADON_OK) return st;
  if (ntb->cfg.bar4_bytes) {
    bar.size_bytes = ntb->cfg.bar4_bytes;
    if ((st = ladon__cfg_add_bar(s->cfg, 4, &bar, err)) != LADON_OK) return st;
  }
  memset(&o, 0, sizeof o);
  o.port_type = PCI_EXP_TYPE_ENDPOINT;
  o.mps_supported = 1; /* 256 B */
  o.ext_tag = true;
  o.max_link_speed = 6;
  o.max_link_width = 16;
  if ((st = ladon__cfg_add_exp(s->cfg, &o, NULL, err)) != LADON_OK) return st;
  /* One MSI-X vector for all doorbells, table and PBA in BAR0 (Switchtec and
  ** PLX NT functions have one doorbell vector; S8, S10). */
  ladon__cfg_msix_opts mo;
  memset(&mo, 0, sizeof mo);
  mo.table_size = 1;
  mo.table_offset = LADON__NTB_REG_MSIX;
  mo.pba_offset = LADON__NTB_REG_PBA;
  if ((st = ladon__cfg_add_msix(s->cfg, &mo, NULL, err)) != LADON_OK) return st;
  s->msix[3] = 1u; /* Mask Bit is Set after reset (PCIe Base 5.0 §7.7.2.5) */
  if ((st = ladon__cfg_watch(s->cfg, (uint16_t)(s->cfg->msix_off + PCI_MSIX_FLAGS), 2,
                             LADON__CFG_WATCH_CHANGES, msix_changed, s)) != LADON_OK)
    return st;
  /* Command (Memory Space Enable) and the six BAR DWs decide decoding. */
  if ((st = ladon__cfg_watch(s->cfg, PCI_COMMAND, 2, LADON__CFG_WATCH_CHANGES, cfg_changed,
                             s)) != LADON_OK)
    return st;
  if ((st = ladon__cfg_watch(s->cfg, PCI_BASE_ADDRESS_0, 24, LADON__CFG_WATCH_CHANGES,
                             cfg_changed, s)) != LADON_OK)
    return st;
  ladon__ntb_decode_bars(ntb, s->idx);
  return LADON_OK;
}

static ladon_status register_stats(ladon__ntb *ntb, ladon__ntb_side *s, ladon_error *err) {
  ladon_stats *reg = ladon_sim_stats(ntb->sim);
  char buf[LADON_STAT_NAME_MAX + 1];
  static const char *const names[] = {"forwarded", "bar_errors", "lut_errors",
                                      "req_id_errors", "link_down_drops", "urs",
                                      "unexpected_cpls", "db_interrupts"};
  ladon_counter **cs[] = {&s->st.forwarded, &s->st.bar_errors, &s->st.lut_errors,
                          &s->st.req_id_errors, &s->st.link_down_drops, &s->st.urs,
                          &s->st.unexpected_cpls, &s->st.db_interrupts};
  for (unsigned i = 0; i < sizeof cs / sizeof cs[0]; i++) {
    snprintf(buf, sizeof buf, "%s.%s.%s", ntb->name, side_label[s->idx], names[i]);
    *cs[i] = ladon_stats_counter(reg, buf, "TLPs", NULL, err);
    if (!*cs[i]) return err ? err->code : LADON_EINVAL;
  }
  snprintf(buf, sizeof buf, "%s.%s.transit_ps", ntb->name, side_label[s->idx]);
  s->st.transit_ps = ladon_stats_hist(reg, buf, "ps",
                                      "arrival at this side to hand-off to the far link", err);
  return s->st.transit_ps ? LADON_OK : (err ? err->code : LADON_EINVAL);
}

ladon__ntb *ladon__ntb_new(ladon_sim *sim, const char *name, const ladon__ntb_config *cfg,
                           ladon_error *err) {
  ladon__ntb_config def;
  ladon__ntb *ntb;
  char buf[256];
  static const ladon_port_callbacks cb = {ladon__ntb_deliver, ladon__ntb_tx_ready, NULL};
  if (!sim || !name) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "ntb: a simulation and a name are required");
    return NULL;
  }
  if (!cfg) {
    ladon__ntb_config_default(&def);
    cfg = &def;
  }
  if (check(name, cfg, err) != LADON_OK) return NULL;
  ntb = calloc(1, sizeof *ntb);
  if (!ntb || !(ntb->name = strdup(name))) {
    free(ntb);
    ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "ntb '%s': out of memory", name);
    return NULL;
  }
  ntb->sim = sim;
  ntb->cfg = *cfg;
  ntb->link_enabled = true;
  for (unsigned i = 0; i < LADON__NTB_SIDES; i++) {
    ladon__ntb_side *s = &ntb->s[i];
    s->ntb = ntb;
    s->idx = i;
    s->lut = calloc(cfg->lut_entries ? cfg->lut_entries : 1, sizeof *s->lut);
    s->rids = calloc(cfg->rid_entries ? cfg->rid_entries : 1, sizeof *s->rids);
    s->tags = calloc(cfg->tags, sizeof *s->tags);
    snprintf(buf, sizeof buf, "%s.%s.xlate", name, side_label[i]);
    s->xmap = ladon_imap_new(buf, cfg->domain[i]);
    snprintf(buf, sizeof buf, "%s.%s.rid", name, side_label[i]);
    s->ridmap = ladon_imap_new(buf, cfg->domain[i]);
    if (!s->lut || !s->rids || !s->tags || !s->xmap || !s->ridmap) goto nomem;
    snprintf(buf, sizeof buf, "%s.%s", name, side_label[i]);
    s->port = ladon_port_new(buf, &cfg->port, &cb, s, err);
    if (!s->port) goto fail;
    if (register_stats(ntb, s, err) != LADON_OK) goto fail;
    if (build_cfg(ntb, s, err) != LADON_OK) goto fail;
  }
  return ntb;
nomem:
  ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "ntb '%s': out of memory", name);
fail:
  ladon__ntb_free(ntb);
  return NULL;
}

void ladon__ntb_free(ladon__ntb *ntb) {
  if (!ntb) return;
  ladon__ntb_path_free(ntb);
  for (unsigned i = 0; i < LADON__NTB_SIDES; i++) {
    ladon__ntb_side *s = &ntb->s[i];
    ladon_port_free(s->port);
    ladon__cfg_free(s->cfg);
    ladon_imap_free(s->xmap);
    ladon_imap_free(s->ridmap);
    free(s->lut);
    free(s->rids);
    free(s->tags);
  }
  free(ntb->name);
  free(ntb);
}

ladon_port *ladon__ntb_port(ladon__ntb *ntb, unsigned side) {
  return ntb && side < LADON__NTB_SIDES ? ntb->s[side].port : NULL;
}

ladon_port *ladon__ntb_port_named(ladon__ntb *ntb, const char *name) {
  if (!ntb || !name) return NULL;
  for (unsigned i = 0; i < LADON__NTB_SIDES; i++)
    if (strcmp(name, side_label[i]) == 0) return ntb->s[i].port;
  return NULL;
}

uint16_t ladon__ntb_endpoint_id(const ladon__ntb *ntb, unsigned side) {
  return ntb && side < LADON__NTB_SIDES ? ntb->s[side].rid : 0;
}

const ladon__cfg *ladon__ntb_cfg(const ladon__ntb *ntb, unsigned side) {
  return ntb && side < LADON__NTB_SIDES ? ntb->s[side].cfg : NULL;
}

ladon_status ladon__ntb_counters_get(const ladon__ntb *ntb, unsigned side,
                                     ladon__ntb_counters *out) {
  if (!ntb || !out || side >= LADON__NTB_SIDES) return LADON_EINVAL;
  *out = ntb->s[side].c;
  return LADON_OK;
}

/* ---- the component type ---------------------------------------------------- */

static const char *const style_choices[] = {"switchtec", "plx", NULL};

static const ladon_param_desc ntb_params[] = {
    {"style", LADON_PARAM_ENUM, "switchtec", NULL,
     "window rules and proxy-ID format: switchtec (window size a power of two >= 4 KiB, "
     "translation 4 KiB-aligned, one proxy function per requester-ID entry) or plx "
     "(whole-BAR windows, translation aligned to the BAR size, proxy = NT bus, LUT index "
     "as device, original function)",
     style_choices, NULL, NULL},
    {"bar2_size", LADON_PARAM_SIZE, "1MiB", NULL,
     "BAR2 of each NT endpoint: a direct window, or the LUT BAR when lut_entries > 0; a "
     "power of two >= 4 KiB",
     NULL, "4KiB", "1TiB"},
    {"bar4_size", LADON_PARAM_SIZE, "0B", NULL,
     "BAR4 of each NT endpoint, a direct window; 0 = absent", NULL, NULL, "1TiB"},
    {"lut_entries", LADON_PARAM_U64, "0", "entries",
     "LUT entries splitting BAR2 into equal parts, each with its own enable and "
     "translation (PLX A-LUT: 128 or 256; Switchtec: 64 KiB entries); 0 = no LUT",
     NULL, "0", "512"},
    {"latency", LADON_PARAM_TIME, "100ns", NULL,
     "translation latency: last symbol of a TLP in to ready to leave the far side, "
     "quantised to the clock; same order as switch port-to-port latency (100-150 ns, "
     "e.g. ~115 ns for the Broadcom PEX89144)",
     NULL, NULL, "100us"},
    {"clock", LADON_PARAM_FREQ, "1GHz", NULL, "NTB core clock: TLPs leave on its edges",
     NULL, "1MHz", "100GHz"},
    {"rid_entries", LADON_PARAM_U64, "32", "entries",
     "requester-ID (proxy) table entries per side (PLX style: at most 32)", NULL, "0",
     "255"},
    {"id_protection", LADON_PARAM_BOOL, "false", NULL,
     "only posted requests whose requester ID is in the table may cross (Switchtec ID "
     "protection; non-posted requests are not filtered)",
     NULL, NULL, NULL},
    {"doorbells", LADON_PARAM_U64, "28", "bits",
     "doorbell bits per side (Switchtec: 28, PLX: 16, Intel: 15)", NULL, "1", "32"},
    {"scratchpads", LADON_PARAM_U64, "8", "registers",
     "32-bit scratchpad registers per side (PLX: 8, Intel: 16)", NULL, "1", "128"},
    {"tags", LADON_PARAM_U64, "256", "requests",
     "non-posted requests in flight per direction (tags of the far side)", NULL, "1",
     "256"},
    {"vendor_id", LADON_PARAM_U64, "0x11f8", NULL, "Vendor ID of both NT functions", NULL,
     NULL, "0xfffe"},
    {"device_id", LADON_PARAM_U64, "0x8574", NULL, "Device ID of both NT functions", NULL,
     NULL, "0xffff"},
};

static const ladon_port_desc ntb_ports[] = {
    {"a", "NT endpoint of domain A: the downstream end of a link from A's switch or root port"},
    {"b", "NT endpoint of domain B: the downstream end of a link from B's switch or root port"},
};

static const ladon_stat_desc ntb_stats[] = {
    {"SIDE.forwarded", "TLPs", "requests entering the side sent on to the other side"},
    {"SIDE.bar_errors", "TLPs", "requests entering the side that hit no enabled window"},
    {"SIDE.lut_errors", "TLPs", "requests entering the side that hit a disabled LUT entry"},
    {"SIDE.req_id_errors", "TLPs", "posted requests blocked by ID protection"},
    {"SIDE.link_down_drops", "TLPs", "requests refused while the NTB link was down"},
    {"SIDE.urs", "TLPs", "non-posted requests completed with UR by the side"},
    {"SIDE.unexpected_cpls", "TLPs", "completions matching no outstanding request"},
    {"SIDE.db_interrupts", "TLPs", "doorbell MSI-X messages the side's NT endpoint sent"},
    {"SIDE.transit_ps", "ps", "arrival to hand-off to the far link"},
};

static ladon_status ntb_create(ladon_sim *sim, const char *name, const ladon_params *p,
                               void **out, ladon_error *err) {
  ladon__ntb_config c;
  ladon__ntb_config_default(&c);
  c.style = ladon_params_enum(p, "style") ? LADON__NTB_PLX : LADON__NTB_SWITCHTEC;
  c.bar2_bytes = ladon_params_bytes(p, "bar2_size");
  c.bar4_bytes = ladon_params_bytes(p, "bar4_size");
  c.lut_entries = (uint32_t)ladon_params_u64(p, "lut_entries");
  c.latency_ps = ladon_params_time_ps(p, "latency");
  c.clock_period_ps = ladon_params_period_ps(p, "clock");
  c.rid_entries = (uint32_t)ladon_params_u64(p, "rid_entries");
  c.id_protection = ladon_params_bool(p, "id_protection");
  c.doorbells = (uint32_t)ladon_params_u64(p, "doorbells");
  c.spads = (uint32_t)ladon_params_u64(p, "scratchpads");
  c.tags = (uint32_t)ladon_params_u64(p, "tags");
  c.vendor_id = (uint16_t)ladon_params_u64(p, "vendor_id");
  c.device_id = (uint16_t)ladon_params_u64(p, "device_id");
  ladon__ntb *ntb = ladon__ntb_new(sim, name, &c, err);
  if (!ntb) return err ? err->code : LADON_EINVAL;
  *out = ntb;
  return LADON_OK;
}

static void ntb_destroy(void *instance) { ladon__ntb_free(instance); }

static ladon_port *ntb_port(void *instance, const char *name) {
  return ladon__ntb_port_named(instance, name);
}

static const ladon_model_ops ntb_ops = {ntb_port, NULL};

const ladon_component_type ladon__model_ntb_type = {
    .name = "ntb",
    .description = "non-transparent bridge: two NT endpoints in two PCIe domains, direct "
                   "and LUT memory windows, requester-ID translation to proxy IDs, "
                   "doorbells, scratchpads and message registers (docs/models/ntb.md)",
    .params = ntb_params,
    .n_params = sizeof ntb_params / sizeof ntb_params[0],
    .ports = ntb_ports,
    .n_ports = sizeof ntb_ports / sizeof ntb_ports[0],
    .stats = ntb_stats,
    .n_stats = sizeof ntb_stats / sizeof ntb_stats[0],
    .create = ntb_create,
    .destroy = ntb_destroy,
    .ext = &ntb_ops,
};
