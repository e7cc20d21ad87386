/*
** The SR-IOV endpoint: parameters, creation, the component type.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ladon/tlp_pool.h"
#include "models/model.h"
#include "models/sriov_int.h"
#include "sim/error_int.h"

/* Defaults follow an Intel 82599 10 GbE controller where it has a value
** (82599 datasheet, §9.3 PCIe configuration registers and §9.4 VF
** registers): IDs 8086:10FB, VF 10ED, 64 PF / 3 VF MSI-X vectors, 128 KiB
** PF and 16 KiB VF register BARs, 512 B Max_Payload_Size Supported. */
static const ladon_param_desc sriov_params[] = {
    {"total_vfs", LADON_PARAM_U64, "8", "VFs",
     "TotalVFs of the SR-IOV capability: VFs the PF can have (§9.3.3.6)", NULL, "0", "4096"},
    {"num_vfs", LADON_PARAM_U64, "8", "VFs",
     "VFs that enumeration enables by writing NumVFs and VF Enable; at most total_vfs", NULL,
     "0", "4096"},
    {"first_vf_offset", LADON_PARAM_U64, "1", NULL,
     "First VF Offset: VF 1's Routing ID minus the PF's (§9.3.3.9)", NULL, "1", "65535"},
    {"vf_stride", LADON_PARAM_U64, "1", NULL,
     "VF Stride: Routing ID distance between consecutive VFs (§9.3.3.10)", NULL, "1", "65535"},
    {"vendor_id", LADON_PARAM_U64, "0x8086", NULL, "PF Vendor ID (VFs read FFFFh, §9.3.4.1.1)",
     NULL, "0", "0xfffe"},
    {"device_id", LADON_PARAM_U64, "0x10fb", NULL, "PF Device ID", NULL, "0", "0xffff"},
    {"vf_device_id", LADON_PARAM_U64, "0x10ed", NULL,
     "VF Device ID field of the SR-IOV capability (§9.3.3.11)", NULL, "0", "0xffff"},
    {"class_code", LADON_PARAM_U64, "0x020000", NULL,
     "Class Code of PF and VFs (base, sub-class, prog-if; 020000h = Ethernet controller)", NULL,
     "0", "0xffffff"},
    {"pf_bar_size", LADON_PARAM_SIZE, "128KiB", NULL,
     "size of the PF's 64-bit BAR0 (register file + MSI-X); a power of two", NULL, "16KiB",
     "1GiB"},
    {"vf_bar_size", LADON_PARAM_SIZE, "16KiB", NULL,
     "size of each VF's BAR0 = VF BAR0 stride (§9.3.3.14); a power of two", NULL, "16KiB",
     "1GiB"},
    {"msix_vectors", LADON_PARAM_U64, "64", "vectors", "MSI-X table size of the PF (§7.7.2)",
     NULL, "1", "128"},
    {"vf_msix_vectors", LADON_PARAM_U64, "3", "vectors", "MSI-X table size of each VF", NULL,
     "1", "128"},
    {"max_payload_supported", LADON_PARAM_SIZE, "512B", NULL,
     "Max_Payload_Size Supported in Device Capabilities (§7.5.3.3); a power of two", NULL,
     "128B", "4KiB"},
    {"max_link_gen", LADON_PARAM_U64, "3", NULL,
     "Max Link Speed in Link Capabilities: 1..6 = 2.5..64 GT/s (§7.5.3.6)", NULL, "1", "6"},
    {"max_link_width", LADON_PARAM_U64, "8", "lanes",
     "Maximum Link Width in Link Capabilities: 1, 2, 4, 8, 12, 16 or 32", NULL, "1", "32"},
    {"tag10", LADON_PARAM_BOOL, "true", NULL,
     "10-Bit Tag Requester and Completer Supported (§7.5.3.15); software still has to set "
     "10-Bit Tag Requester Enable (PF) or VF 10-Bit Tag Requester Enable (VFs)",
     NULL, NULL, NULL},
    {"dma_tags", LADON_PARAM_U64, "256", "tags",
     "most non-posted requests a function's DMA engine keeps outstanding; further capped at "
     "32 / 256 / 768 by the tag size software enabled (§2.2.6.2)",
     NULL, "1", "768"},
    {"clock", LADON_PARAM_FREQ, "250MHz", NULL,
     "clock of the device's transmit path (PCIe Gen3 x8 IP user interfaces run 256 bits at "
     "250 MHz)",
     NULL, "1MHz", "4GHz"},
    {"datapath", LADON_PARAM_SIZE, "32B", NULL,
     "bytes of a TLP (header + payload) the transmit path moves per clock cycle", NULL, "4B",
     "512B"},
    {"completer_latency", LADON_PARAM_TIME, "0ns", NULL,
     "time from a configuration or MMIO read arriving to its completion being ready", NULL,
     "0ns", "1ms"},
    {"cpl_timeout", LADON_PARAM_TIME, "10ms", NULL,
     "completion timeout of DMA reads; within the default range 50 us .. 50 ms of "
     "Completion Timeout Value 0 (§7.5.3.16, §2.8)",
     NULL, "50us", "50ms"},
    {"payloads", LADON_PARAM_BOOL, "true", NULL,
     "DMA writes carry data bytes (functional mode); MSI-X writes always do", NULL, NULL,
     NULL},
};

static const ladon_port_desc sriov_ports[] = {
    {"up", "the endpoint's link to its root port or switch downstream port"},
};

/* Statistics: device-wide NAME.*, per function NAME.FN.* (FN = pf, vf0..). */
static const ladon_stat_desc sriov_stats[] = {
    {"cfg_requests", "TLPs", "configuration requests received"},
    {"cfg_ur", "TLPs", "configuration requests completed with UR (no such function)"},
    {"mem_reads", "TLPs", "memory reads that hit a BAR"},
    {"mem_writes", "TLPs", "memory writes that hit a BAR"},
    {"mem_ur", "TLPs", "memory requests no enabled BAR claimed (UR / dropped)"},
    {"cpl_unclaimed", "TLPs", "completions for a Requester ID of no present function"},
    {"msgs_ignored", "TLPs", "messages received and ignored"},
    {"other_ur", "TLPs", "I/O, AtomicOp and locked requests: UR / dropped"},
    {"tx_tlps", "TLPs", "TLPs sent on the up port"},
    {"tx_rejected", "TLPs", "TLPs the link refused (e.g. payload above the link's MPS)"},
    {"FN.msix_sent", "TLPs", "MSI-X message writes queued"},
    {"FN.msix_pending", NULL, "interrupts that found their vector masked (Pending Bit set)"},
    {"FN.msix_dropped", NULL, "interrupts with MSI-X or Bus Master Enable off"},
    {"FN.dma.reads", "TLPs", "memory read requests issued"},
    {"FN.dma.writes", "TLPs", "memory write requests issued (MSI-X included)"},
    {"FN.dma.read_bytes", "bytes", "bytes asked for by read requests"},
    {"FN.dma.write_bytes", "bytes", "bytes written by write requests"},
    {"FN.dma.msgs", "TLPs", "MSI-X message writes issued"},
    {"FN.dma.cpl_ur", "TLPs", "completions with status UR"},
    {"FN.dma.cpl_ca", "TLPs", "completions with status CA"},
    {"FN.dma.cpl_timeouts", "requests", "read requests ended by completion timeout"},
    {"FN.dma.cpl_malformed", "TLPs", "completions breaking byte count / lower address / RCB"},
    {"FN.dma.cpl_unexpected", "TLPs", "completions matching no outstanding tag"},
};

void ladon__sriov_config_default(ladon__sriov_config *c) {
  memset(c, 0, sizeof *c);
  c->vendor_id = 0x8086;
  c->device_id = 0x10fb;
  c->vf_device_id = 0x10ed;
  c->class_code = 0x020000;
  c->total_vfs = 8;
  c->num_vfs = 8;
  c->first_vf_offset = 1;
  c->vf_stride = 1;
  c->pf_bar_bytes = 128u * 1024u;
  c->vf_bar_bytes = 16u * 1024u;
  c->pf_msix_vectors = 64;
  c->vf_msix_vectors = 3;
  c->mps_supported_bytes = 512;
  c->max_link_gen = 3;
  c->max_link_width = 8;
  c->tag10 = true;
  c->dma_tags = 256;
  c->clock_period_ps = 4000; /* 250 MHz */
  c->datapath_bytes = 32;
  c->completer_latency_ps = 0;
  c->cpl_timeout_ps = LADON_MS(10);
  c->payloads = true;
}

static bool pow2(uint64_t v) { return v && !(v & (v - 1u)); }

static ladon_status check(const char *n, const ladon__sriov_config *c, ladon_error *err) {
#define BAD(code, ...) return ladon__error_set(err, code, NULL, 0, 0, __VA_ARGS__)
  if (c->num_vfs > c->total_vfs)
    BAD(LADON_ERANGE,
        "sriov_nic '%s': num_vfs %u exceeds total_vfs %u (NumVFs may not exceed TotalVFs, "
        "§9.3.3.7)",
        n, c->num_vfs, c->total_vfs);
  if (!pow2(c->pf_bar_bytes) || c->pf_bar_bytes < LADON__SRIOV_BAR_MIN)
    BAD(LADON_EINVAL,
        "sriov_nic '%s': pf_bar_size %llu B must be a power of two of at least 16 KiB "
        "(§7.5.1.2.1 BAR sizing)",
        n, (unsigned long long)c->pf_bar_bytes);
  if (!pow2(c->vf_bar_bytes) || c->vf_bar_bytes < LADON__SRIOV_BAR_MIN)
    BAD(LADON_EINVAL,
        "sriov_nic '%s': vf_bar_size %llu B must be a power of two of at least 16 KiB "
        "(§9.3.3.14)",
        n, (unsigned long long)c->vf_bar_bytes);
  if (c->pf_msix_vectors < 1 || c->pf_msix_vectors > LADON__SRIOV_MSIX_MAX ||
      c->vf_msix_vectors < 1 || c->vf_msix_vectors > LADON__SRIOV_MSIX_MAX)
    BAD(LADON_ERANGE, "sriov_nic '%s': msix_vectors and vf_msix_vectors must be 1..%u", n,
        LADON__SRIOV_MSIX_MAX);
  if (!pow2(c->mps_supported_bytes) || c->mps_supported_bytes < 128 ||
      c->mps_supported_bytes > 4096)
    BAD(LADON_EINVAL,
        "sriov_nic '%s': max_payload_supported %u B must be 128, 256, ..., 4096 (§7.5.3.3)", n,
        c->mps_supported_bytes);
  if (c->total_vfs > 1 && !c->vf_stride)
    BAD(LADON_EINVAL, "sriov_nic '%s': vf_stride must be at least 1", n);
  if (c->total_vfs && !c->first_vf_offset)
    BAD(LADON_EINVAL, "sriov_nic '%s': first_vf_offset must be at least 1", n);
  if (c->total_vfs &&
      (uint64_t)c->first_vf_offset + (uint64_t)(c->total_vfs - 1u) * c->vf_stride > 0xffffu)
    BAD(LADON_ERANGE,
        "sriov_nic '%s': first_vf_offset + (total_vfs - 1) x vf_stride exceeds the 16-bit "
        "Routing ID space (§9.3.3.9-10)",
        n);
  if (!c->dma_tags || c->dma_tags > 768)
    BAD(LADON_ERANGE, "sriov_nic '%s': dma_tags must be 1..768 (§2.2.6.2)", n);
  if (!c->clock_period_ps || !c->datapath_bytes)
    BAD(LADON_EINVAL, "sriov_nic '%s': clock and datapath must be positive", n);
  if (c->cpl_timeout_ps < LADON_US(50) || c->cpl_timeout_ps > LADON_MS(50))
    BAD(LADON_ERANGE, "sriov_nic '%s': cpl_timeout must lie in 50us..50ms (§7.5.3.16)", n);
  if (c->max_link_gen < 1 || c->max_link_gen > 6)
    BAD(LADON_ERANGE, "sriov_nic '%s': max_link_gen must be 1..6", n);
  unsigned w = c->max_link_width;
  if (w != 1 && w != 2 && w != 4 && w != 8 && w != 12 && w != 16 && w != 32)
    BAD(LADON_EINVAL, "sriov_nic '%s': max_link_width %u is not 1, 2, 4, 8, 12, 16 or 32", n,
        w);
  return LADON_OK;
#undef BAD
}

static ladon_counter *ctr(ladon__sriov *d, const char *leaf, const char *unit,
                          const char *desc, ladon_error *err) {
  char full[LADON_STAT_NAME_MAX + 1];
  snprintf(full, sizeof full, "%s.%s", d->name, leaf);
  return ladon_stats_counter(ladon_sim_stats(d->sim), full, unit, desc, err);
}

static ladon_status make_fn(ladon__sriov *d, uint32_t i, ladon_error *err) {
  ladon__sriov_fn *f = &d->fn[i];
  f->dev = d;
  f->index = i;
  if (i == 0)
    snprintf(f->label, sizeof f->label, "pf");
  else
    snprintf(f->label, sizeof f->label, "vf%u", i - 1u);
  f->vectors = i == 0 ? d->cfg.pf_msix_vectors : d->cfg.vf_msix_vectors;
  f->bar_bytes = i == 0 ? d->cfg.pf_bar_bytes : d->cfg.vf_bar_bytes;
  f->msix = calloc(f->vectors, sizeof *f->msix);
  if (!f->msix) return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  for (uint32_t v = 0; v < f->vectors; v++)
    f->msix[v][3] = 1u; /* Mask Bit is Set after reset (§7.7.2.5) */
  char name[LADON_STAT_NAME_MAX + 1];
  snprintf(name, sizeof name, "%s.%s.dma", d->name, f->label);
  ladon__dma_config dc = {.max_tags = d->cfg.dma_tags,
                          .cpl_timeout_ps = d->cfg.cpl_timeout_ps,
                          .payloads = d->cfg.payloads,
                          .kick = ladon__sriov_kick,
                          .kick_ctx = f};
  f->dma = ladon__dma_new(d->sim, name, &dc, err);
  if (!f->dma) return err ? err->code : LADON_ENOMEM;
  char leaf[64];
#define FN_CTR(field, what, unit, desc)                                    \
  snprintf(leaf, sizeof leaf, "%s.%s", f->label, what);                    \
  if (!(f->field = ctr(d, leaf, unit, desc, err))) return LADON_ENOMEM;
  FN_CTR(c_msix_sent, "msix_sent", "TLPs", "MSI-X message writes queued")
  FN_CTR(c_msix_pending, "msix_pending", NULL, "interrupts that found their vector masked")
  FN_CTR(c_msix_dropped, "msix_dropped", NULL, "interrupts with MSI-X or Bus Master off")
#undef FN_CTR
  return LADON_OK;
}

ladon__sriov *ladon__sriov_new(ladon_sim *sim, const char *name,
                               const ladon__sriov_config *cfg, ladon_error *err) {
  if (!sim || !name || !cfg) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "sriov_nic: NULL argument");
    return NULL;
  }
  if (check(name, cfg, err) != LADON_OK) return NULL;
  ladon__sriov *d = calloc(1, sizeof *d);
  char *nm = malloc(strlen(name) + 1);
  if (!d || !nm) {
    free(d);
    free(nm);
    ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
    return NULL;
  }
  strcpy(nm, name);
  d->sim = sim;
  d->name = nm;
  d->cfg = *cfg;
  d->n_fn = 1u + cfg->total_vfs;
  d->fn = calloc(d->n_fn, sizeof *d->fn);
  ladon_port_callbacks cb = {ladon__sriov_deliver, ladon__sriov_tx_ready, NULL};
  char pname[300];
  snprintf(pname, sizeof pname, "%s.up", name);
  if (!d->fn) {
    ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
    goto fail;
  }
  /* Endpoints advertise infinite completion credits (§2.6.1, Table 2-50). */
  ladon_port_config pc;
  ladon_port_config_default(&pc);
  pc.rx_cplh_credits = LADON_CREDITS_INFINITE;
  pc.rx_cpld_credits = LADON_CREDITS_INFINITE;
  d->up = ladon_port_new(pname, &pc, &cb, d, err);
  if (!d->up) goto fail;
  struct {
    ladon_counter **c;
    const char *leaf, *unit, *desc;
  } t[] = {
      {&d->c_cfg, "cfg_requests", "TLPs", "configuration requests received"},
      {&d->c_cfg_ur, "cfg_ur", "TLPs", "configuration requests completed with UR"},
      {&d->c_mrd, "mem_reads", "TLPs", "memory reads that hit a BAR"},
      {&d->c_mwr, "mem_writes", "TLPs", "memory writes that hit a BAR"},
      {&d->c_mem_ur, "mem_ur", "TLPs", "memory requests no enabled BAR claimed"},
      {&d->c_cpl_unclaimed, "cpl_unclaimed", "TLPs", "completions for no present function"},
      {&d->c_msgs, "msgs_ignored", "TLPs", "messages received and ignored"},
      {&d->c_other_ur, "other_ur", "TLPs", "I/O, AtomicOp and locked requests"},
      {&d->c_tx, "tx_tlps", "TLPs", "TLPs sent on the up port"},
      {&d->c_tx_rejected, "tx_rejected", "TLPs", "TLPs the link refused"},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (!(*t[i].c = ctr(d, t[i].leaf, t[i].unit, t[i].desc, err))) goto fail;
  for (uint32_t i = 0; i < d->n_fn; i++)
    if (make_fn(d, i, err) != LADON_OK) goto fail;
  if (ladon__sriov_build_cfg(d, err) != LADON_OK) {
    char text[LADON_ERROR_TEXT_MAX];
    snprintf(text, sizeof text, "%s", err ? err->text : "");
    ladon__error_set(err, err ? err->code : LADON_EINVAL, NULL, 0, 0, "sriov_nic '%s': %s", name,
                     text);
    goto fail;
  }
  for (uint32_t i = 0; i < d->n_fn; i++) ladon__sriov_refresh(&d->fn[i]);
  return d;
fail:
  ladon__sriov_free(d);
  return NULL;
}

void ladon__sriov_free(ladon__sriov *d) {
  if (!d) return;
  if (d->eg_ev) ladon_sim_cancel(d->sim, d->eg_ev);
  for (uint32_t i = 0; d->fn && i < d->n_fn; i++) {
    ladon__sriov_fn *f = &d->fn[i];
    ladon__dma_free(f->dma);
    ladon__cfg_free(f->cfg);
    free(f->msix);
    free(f->regs);
  }
  for (uint32_t i = 0; i < d->cq_len; i++) ladon_tlp_free(d->cq[(d->cq_head + i) % d->cq_cap].tlp);
  free(d->cq);
  free(d->fn);
  ladon_port_free(d->up);
  free(d->name);
  free(d);
}

const char *ladon__sriov_name(const ladon__sriov *d) { return d->name; }
ladon_sim *ladon__sriov_sim(const ladon__sriov *d) { return d->sim; }
const ladon__sriov_config *ladon__sriov_config_get(const ladon__sriov *d) { return &d->cfg; }
ladon_port *ladon__sriov_port(ladon__sriov *d) { return d->up; }

ladon__sriov_fn *ladon__sriov_fn_at(ladon__sriov *d, uint32_t index) {
  return d && index < d->n_fn ? &d->fn[index] : NULL;
}

ladon__sriov_fn *ladon__sriov_fn_of(ladon__sriov *d, int32_t vf) {
  if (vf < -1) return NULL;
  return ladon__sriov_fn_at(d, (uint32_t)(vf + 1));
}

ladon__sriov *ladon__sriov_fn_dev(const ladon__sriov_fn *f) { return f->dev; }
uint32_t ladon__sriov_fn_index(const ladon__sriov_fn *f) { return f->index; }
const char *ladon__sriov_fn_label(const ladon__sriov_fn *f) { return f->label; }
ladon__cfg *ladon__sriov_fn_cfg(ladon__sriov_fn *f) { return f->cfg; }
ladon__dma *ladon__sriov_fn_dma(ladon__sriov_fn *f) { return f->dma; }
uint32_t ladon__sriov_fn_vectors(const ladon__sriov_fn *f) { return f->vectors; }

void ladon__sriov_counts_get(const ladon__sriov *d, ladon__sriov_counts *o) {
  o->cfg_requests = ladon_counter_value(d->c_cfg);
  o->cfg_ur = ladon_counter_value(d->c_cfg_ur);
  o->mem_reads = ladon_counter_value(d->c_mrd);
  o->mem_writes = ladon_counter_value(d->c_mwr);
  o->mem_ur = ladon_counter_value(d->c_mem_ur);
  o->cpl_unclaimed = ladon_counter_value(d->c_cpl_unclaimed);
  o->msgs_ignored = ladon_counter_value(d->c_msgs);
  o->other_ur = ladon_counter_value(d->c_other_ur);
  o->tx_tlps = ladon_counter_value(d->c_tx);
  o->tx_rejected = ladon_counter_value(d->c_tx_rejected);
}

/* ---- the component type ---------------------------------------------- */

static ladon_status sriov_create(ladon_sim *sim, const char *name, const ladon_params *p,
                                 void **out, ladon_error *err) {
  ladon__sriov_config c;
  ladon__sriov_config_default(&c);
  /* Bounds in the table keep every value inside its C type. */
  c.total_vfs = (uint16_t)ladon_params_u64(p, "total_vfs");
  c.num_vfs = (uint16_t)ladon_params_u64(p, "num_vfs");
  c.first_vf_offset = (uint16_t)ladon_params_u64(p, "first_vf_offset");
  c.vf_stride = (uint16_t)ladon_params_u64(p, "vf_stride");
  c.vendor_id = (uint16_t)ladon_params_u64(p, "vendor_id");
  c.device_id = (uint16_t)ladon_params_u64(p, "device_id");
  c.vf_device_id = (uint16_t)ladon_params_u64(p, "vf_device_id");
  c.class_code = (uint32_t)ladon_params_u64(p, "class_code");
  c.pf_bar_bytes = ladon_params_bytes(p, "pf_bar_size");
  c.vf_bar_bytes = ladon_params_bytes(p, "vf_bar_size");
  c.pf_msix_vectors = (uint16_t)ladon_params_u64(p, "msix_vectors");
  c.vf_msix_vectors = (uint16_t)ladon_params_u64(p, "vf_msix_vectors");
  c.mps_supported_bytes = (uint32_t)ladon_params_bytes(p, "max_payload_supported");
  c.max_link_gen = (uint8_t)ladon_params_u64(p, "max_link_gen");
  c.max_link_width = (uint8_t)ladon_params_u64(p, "max_link_width");
  c.tag10 = ladon_params_bool(p, "tag10");
  c.dma_tags = (uint32_t)ladon_params_u64(p, "dma_tags");
  c.clock_period_ps = ladon_params_period_ps(p, "clock");
  c.datapath_bytes = (uint32_t)ladon_params_bytes(p, "datapath");
  c.completer_latency_ps = ladon_params_time_ps(p, "completer_latency");
  c.cpl_timeout_ps = ladon_params_time_ps(p, "cpl_timeout");
  c.payloads = ladon_params_bool(p, "payloads");
  ladon__sriov *d = ladon__sriov_new(sim, name, &c, err);
  if (!d) return err && err->code != LADON_OK ? err->code : LADON_EINVAL;
  *out = d;
  return LADON_OK;
}

static void sriov_destroy(void *inst) { ladon__sriov_free(inst); }

static ladon_port *sriov_port(void *inst, const char *name) {
  return strcmp(name, "up") == 0 ? ((ladon__sriov *)inst)->up : NULL;
}

static const ladon_model_ops sriov_ops = {sriov_port, NULL};

const ladon_component_type ladon__model_sriov_type = {
    .name = "sriov_nic",
    .description = "SR-IOV endpoint: a PF and its VFs with config space (PCIe, MSI-X, ARI, "
                   "SR-IOV capabilities), BAR register files, MSI-X tables and per-function "
                   "DMA engines that run the 'dma' and 'nic' workloads",
    .params = sriov_params,
    .n_params = sizeof sriov_params / sizeof sriov_params[0],
    .ports = sriov_ports,
    .n_ports = 1,
    .stats = sriov_stats,
    .n_stats = sizeof sriov_stats / sizeof sriov_stats[0],
    .create = sriov_create,
    .destroy = sriov_destroy,
    .ext = &sriov_ops,
};
