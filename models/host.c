/*
** The "host" component type: parameters, ports, statistics, creation and
** destruction, and the dispatch of deferred actions.  Behaviour lives in the
** other host_*.c files (host_int.h lists them).
**
** Default timing (docs/models/host.md has the derivations):
**   memory_latency 506ns, with the default Gen3 x8 link (10 ns per
**     direction) and the 1 GHz clock, puts a 64 B DMA read's round trip at
**     the endpoint at 545.75 ns, the median measured by Neugebauer et
**     al. (SIGCOMM 2018) on a Xeon E5-2630 v4 with an NFP6000 at Gen3 x8
**     (pcie-bench/data, lat_dma_sizes, 64 B, warm host cache: 546 ns);
**   memory_bandwidth 68.3 GB/s over 4 channels: the Xeon E5-2630 v4's four
**     DDR4-2133 channels (Intel ARK: 68.3 GB/s);
**   iotlb_entries 64: their IOTLB "cliff" at a 256 KiB window of 4 KiB
**     pages (bw_dma_win_sweep with the IOMMU on);
**   walk_access_latency 70ns: their 280 ns median latency added by an IOTLB
**     miss (600 -> 880 ns, lat_dma_sweep_rd_rnd_64, cold) over the 4 levels
**     of a 4 KiB walk; iotlb_hit_latency 0: no difference measurable at a
**     hit (600 ns with and without the IOMMU);
**   msi_injection_latency 710ns: the mean cost of an EXTERNAL_INTERRUPT VM
**     exit on Skylake reported in Linux commit 0c5f81dad46c ("KVM: LAPIC:
**     Inject timer interrupt via posted interrupt"), i.e. interrupt
**     injection into a guest through the hypervisor;
**   completion_timeout 50ms: the top of the default range of §7.5.3.16
**     (Completion Timeout Value 0000b, 50 us to 50 ms).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/host_int.h"
#include "models/model.h"
#include "sim/error_int.h"

static const char *const rcb_choices[] = {"64B", "128B", NULL};
static const char *const split_choices[] = {"rcb", "mps", NULL};
static const char *const p2p_choices[] = {"deny", "allow", NULL};
static const char *const status_choices[] = {"UR", "CA", NULL};
static const char *const page_choices[] = {"4KiB", "2MiB", "1GiB", NULL};

static const ladon_param_desc host_params[] = {
    {"root_ports", LADON_PARAM_U64, "1", NULL,
     "root ports rp0..rp<N-1>, at bus 0 devices 1..N", NULL, "1", "8"},
    {"cpus", LADON_PARAM_U64, "4", "cores",
     "CPU cores; core i has APIC ID i (MSI destination)", NULL, "1", "256"},
    {"clock", LADON_PARAM_FREQ, "1GHz", NULL,
     "root complex clock: every action starts on one of its edges", NULL,
     "1MHz", "10GHz"},
    {"memory", LADON_PARAM_SIZE, "16GiB", NULL,
     "host RAM; below mmio32_base from 0, the rest from 4 GiB", NULL, "4MiB",
     "64TiB"},
    {"memory_latency", LADON_PARAM_TIME, "506ns", NULL,
     "from the root complex issuing an access to its data being ready "
     "(IIO, mesh, LLC/DRAM); 506ns puts a 64 B DMA read at the measured "
     "546 ns of Neugebauer et al. (SIGCOMM 2018, Xeon E5 v4, Gen3 x8)",
     NULL, NULL, "1ms"},
    {"memory_bandwidth", LADON_PARAM_RATE, "68.3GB/s", "B/s",
     "total memory bandwidth over all channels (Xeon E5-2630 v4: 4 x "
     "DDR4-2133 = 68.3 GB/s); each 64 B line occupies its channel "
     "64 B / (bandwidth / channels)",
     NULL, "1MB/s", "1000000TB/s"},
    {"memory_channels", LADON_PARAM_U64, "4", "channels",
     "memory channels, interleaved per 64 B line", NULL, "1", "64"},
    {"rcb", LADON_PARAM_ENUM, "64B", NULL,
     "Read Completion Boundary of the root complex (Link Control RCB)",
     rcb_choices, NULL, NULL},
    {"cpl_split", LADON_PARAM_ENUM, "rcb", NULL,
     "DMA read completions: rcb = one per RCB-aligned block (Intel Xeon "
     "behaviour), mps = as large as Max_Payload_Size allows, ending on RCB "
     "boundaries",
     split_choices, NULL, NULL},
    {"mps", LADON_PARAM_SIZE, "256B", NULL,
     "Max_Payload_Size Supported by the root ports (Device Capabilities); "
     "what they send is bounded by the MPS software programs in Device "
     "Control (128B after reset): 128B..4KiB, a power of two",
     NULL, "128B", "4KiB"},
    {"mmio32_base", LADON_PARAM_U64, "0x80000000", "address",
     "start of the 32-bit MMIO hole (RAM below it, BAR space from it to "
     "0xFEBFFFFF); MiB-aligned",
     NULL, "0x100000", "0xFEC00000"},
    {"msi_injection_latency", LADON_PARAM_TIME, "710ns", NULL,
     "from an MSI write being accepted to the interrupt reaching its core "
     "(default: a VM-exit injection, Linux commit 0c5f81dad46c)",
     NULL, NULL, "1s"},
    {"completion_timeout", LADON_PARAM_TIME, "50ms", NULL,
     "CPU requests without a completion end after this (PCIe 5.0 §2.8, "
     "default range 50us-50ms); 0 disables",
     NULL, NULL, "10s"},
    {"p2p", LADON_PARAM_ENUM, "deny", NULL,
     "peer-to-peer between root ports: deny (Unsupported Request) or allow "
     "(routed down the other root port)",
     p2p_choices, NULL, NULL},
    {"functional", LADON_PARAM_BOOL, "true", NULL,
     "DMA read completions carry the memory's bytes", NULL, NULL, NULL},
    {"iommu", LADON_PARAM_BOOL, "false", NULL,
     "a VT-d-like IOMMU translates DMA and remaps interrupts", NULL, NULL,
     NULL},
    {"iotlb_entries", LADON_PARAM_U64, "64", "entries",
     "IOTLB entries (64: the 256 KiB cliff measured by Neugebauer et al.)",
     NULL, "1", "1048576"},
    {"iotlb_ways", LADON_PARAM_U64, "64", "ways",
     "IOTLB associativity (entries must be a multiple)", NULL, "1",
     "1048576"},
    {"iotlb_hit_latency", LADON_PARAM_TIME, "0ns", NULL,
     "translation time on an IOTLB hit", NULL, NULL, "1ms"},
    {"walk_access_latency", LADON_PARAM_TIME, "70ns", NULL,
     "one memory access of a page walk (4 per 4 KiB walk: 280 ns, the miss "
     "cost measured by Neugebauer et al.)",
     NULL, NULL, "1ms"},
    {"iommu_walkers", LADON_PARAM_U64, "0", "walks",
     "page walks the IOMMU runs at once; a miss that finds them all busy "
     "waits (FIFO); 0 = no limit",
     NULL, NULL, "1024"},
    {"pwc_entries", LADON_PARAM_U64, "0", "entries",
     "page-walk cache entries for upper-level entries; 0 = none", NULL, NULL,
     "1048576"},
    {"blocked_read_status", LADON_PARAM_ENUM, "UR", NULL,
     "completion status of a DMA read the IOMMU blocks", status_choices, NULL,
     NULL},
    {"iommu_pages", LADON_PARAM_ENUM, "1GiB", NULL,
     "largest IOMMU page the host maps a VM's memory with (4KiB: Linux "
     "intel_iommu=sp_off, every page its own IOTLB entry)",
     page_choices, NULL, NULL},
    {"iommu_address_width", LADON_PARAM_U64, "48", "bits",
     "guest address width of the IOMMU's page tables", NULL, "32", "64"},
};

static const ladon_port_desc host_ports[] = {
    {"rp[0-7]", "root port i (00:<i+1>.0), the upstream end of its link"},
};

static const ladon_stat_desc host_stats[] = {
    {"dma_writes", "TLPs", "DMA writes absorbed by memory"},
    {"dma_write_bytes", "bytes", "bytes DMA writes carried"},
    {"dma_reads", "TLPs", "DMA reads answered from memory"},
    {"dma_read_bytes", "bytes", "bytes DMA reads asked for"},
    {"dma_read_latency", "ps", "issue to memory until the last completion is ready"},
    {"completions", "TLPs", "completions with data sent for DMA reads"},
    {"ur", "TLPs", "requests ended with Unsupported Request"},
    {"ca", "TLPs", "requests ended with Completer Abort"},
    {"unexpected_completions", "TLPs", "completions nobody waited for"},
    {"poisoned", "TLPs", "poisoned requests received"},
    {"p2p_forwarded", "TLPs", "peer-to-peer TLPs routed to another root port"},
    {"p2p_blocked", "TLPs", "peer-to-peer requests denied by the p2p policy"},
    {"messages", "TLPs", "messages absorbed by the root complex"},
    {"mmio_writes", NULL, "CPU stores issued"},
    {"mmio_reads", NULL, "CPU loads issued"},
    {"mmio_read_latency", "ps", "CPU load issue to data"},
    {"master_aborts", NULL, "CPU accesses that no window claimed"},
    {"cfg_requests", NULL, "configuration requests issued"},
    {"cfg_latency", "ps", "configuration request issue to completion"},
    {"completion_timeouts", NULL, "CPU requests ended by completion timeout"},
    {"msi", NULL, "interrupt writes delivered"},
    {"msi_dropped", NULL, "interrupt writes not delivered"},
    {"iommu_blocked", "TLPs", "DMA requests the IOMMU blocked"},
    {"acs_violations", "TLPs", "requests blocked by ACS at a root port"},
    {"window_conflicts", NULL, "root port windows left out for overlapping"},
    {"egress_refused", "TLPs", "TLPs a root port's link refused"},
    {"rpN.tlps_in", "TLPs", "TLPs received on root port N"},
    {"rpN.tlps_out", "TLPs", "TLPs sent on root port N"},
    {"rpN.ur_sent", "TLPs", "UR/CA completions sent on root port N"},
    {"VM.ept_violations", NULL, "EPT violations of VM (no TLP left the CPU)"},
};

/* ---- accessors --------------------------------------------------------- */

const char *ladon__host_name(const ladon__host *host) { return host->name; }
ladon_sim *ladon__host_sim(const ladon__host *host) { return host->sim; }
unsigned ladon__host_root_ports(const ladon__host *host) { return host->n_rp; }
unsigned ladon__host_cpus(const ladon__host *host) { return host->n_cpus; }
struct ladon__iommu *ladon__host_iommu(const ladon__host *host) {
  return host ? host->iommu : NULL;
}

const ladon__cfg *ladon__host_rp_cfg(const ladon__host *host, unsigned rp) {
  return host && rp < host->n_rp ? host->rp[rp].cfg : NULL;
}

bool ladon__host_p2p_allowed(const ladon__host *host) {
  return host && host->p2p_allow;
}

/* ---- deferred actions -------------------------------------------------- */

void ladon__host_act_run(ladon__host *h, const ladon__host_defer *d) {
  /* Only the TLP actions carry a root port index in the low byte of `a`;
     the others use `a` for something else. */
  ladon__host_rp *rp = NULL;
  if (d->kind == LADON__ACT_RX || d->kind == LADON__ACT_CONT ||
      d->kind == LADON__ACT_EGRESS || d->kind == LADON__ACT_WDONE)
    rp = &h->rp[d->a & 0xffu];
  switch (d->kind) {
  case LADON__ACT_RX:
    ladon__host_rx(h, rp, d->p);
    break;
  case LADON__ACT_CONT:
    ladon__host_continue(h, rp, d->p, (unsigned)(d->a >> 8));
    break;
  case LADON__ACT_EGRESS:
    if (d->a & 0x100u)
      ladon__host_egress_push(rp, d->p, (int)rp->index, LADON_TLP_CLASS_NP,
                              (unsigned)(d->a >> 9) & 7u, 0);
    else
      ladon__host_egress_push(rp, d->p, -1, LADON_TLP_CLASS_NONE, 0, 0);
    break;
  case LADON__ACT_WDONE:
    ladon_port_consume(rp->port, d->p);
    ladon_tlp_free(d->p);
    break;
  case LADON__ACT_IRQ:
    ladon__host_irq_run(h, d->a);
    break;
  case LADON__ACT_CPU:
    ladon__host_cpu_run(h);
    break;
  case LADON__ACT_NP_DONE:
    ladon__host_np_internal_done(h, d->p, d->a);
    break;
  case LADON__ACT_TIMEOUT:
    ladon__host_np_timeout(h, d->a);
    break;
  case LADON__ACT_CFG:
    ladon__host_cfg_issue(h, d->p);
    break;
  default:
    break;
  }
}

void ladon__host_act_drop(ladon__host *h, const ladon__host_defer *d) {
  switch (d->kind) {
  case LADON__ACT_RX:
  case LADON__ACT_CONT:
  case LADON__ACT_EGRESS:
  case LADON__ACT_WDONE:
    ladon_tlp_free(d->p);
    break;
  case LADON__ACT_NP_DONE:
  case LADON__ACT_CFG: {
    ladon__host_np *np = d->p;
    if (np->tag >= 0 && h->tags[np->tag] == np) h->tags[np->tag] = NULL;
    if (np->kind == LADON__NP_MEM_RD && h->cores &&
        h->cores[np->core].stall == np)
      h->cores[np->core].stall = NULL;
    free(np);
    break;
  }
  default:
    break;
  }
}

/* ---- creation ---------------------------------------------------------- */

static ladon_counter *counter(ladon__host *h, const char *leaf,
                              const char *unit, const char *desc) {
  char name[LADON_STAT_NAME_MAX + 1];
  snprintf(name, sizeof name, "%s.%s", h->name, leaf);
  return ladon_stats_counter(ladon_sim_stats(h->sim), name, unit, desc, NULL);
}

static ladon_hist *hist(ladon__host *h, const char *leaf, const char *desc) {
  char name[LADON_STAT_NAME_MAX + 1];
  snprintf(name, sizeof name, "%s.%s", h->name, leaf);
  return ladon_stats_hist(ladon_sim_stats(h->sim), name, "ps", desc, NULL);
}

/* Registers the statistics; false when the registry refused one. */
static bool register_stats(ladon__host *h) {
  bool ok = true;
#define C(field, leaf, unit, desc)                                             \
  ok = ok && (h->st.field = counter(h, leaf, unit, desc)) != NULL
  C(dma_writes, "dma_writes", "TLPs", "DMA writes absorbed by memory");
  C(dma_write_bytes, "dma_write_bytes", "bytes", "bytes DMA writes carried");
  C(dma_reads, "dma_reads", "TLPs", "DMA reads answered from memory");
  C(dma_read_bytes, "dma_read_bytes", "bytes", "bytes DMA reads asked for");
  C(completions, "completions", "TLPs", "completions with data for DMA reads");
  C(ur, "ur", "TLPs", "requests ended with Unsupported Request");
  C(ca, "ca", "TLPs", "requests ended with Completer Abort");
  C(unexpected_cpl, "unexpected_completions", "TLPs",
    "completions nobody waited for");
  C(poisoned, "poisoned", "TLPs", "poisoned requests received");
  C(p2p_forwarded, "p2p_forwarded", "TLPs",
    "peer-to-peer TLPs routed to another root port");
  C(p2p_blocked, "p2p_blocked", "TLPs",
    "peer-to-peer requests denied by the p2p policy");
  C(messages, "messages", "TLPs", "messages absorbed by the root complex");
  C(mmio_writes, "mmio_writes", NULL, "CPU stores issued");
  C(mmio_reads, "mmio_reads", NULL, "CPU loads issued");
  C(master_aborts, "master_aborts", NULL, "CPU accesses no window claimed");
  C(cfg_requests, "cfg_requests", NULL, "configuration requests issued");
  C(cpl_timeouts, "completion_timeouts", NULL,
    "CPU requests ended by completion timeout");
  C(msi, "msi", NULL, "interrupt writes delivered");
  C(msi_dropped, "msi_dropped", NULL, "interrupt writes not delivered");
  C(iommu_blocked, "iommu_blocked", "TLPs", "DMA requests the IOMMU blocked");
  C(acs_violations, "acs_violations", "TLPs",
    "requests blocked by ACS at a root port");
  C(window_conflicts, "window_conflicts", NULL,
    "root port windows left out for overlapping");
  C(egress_refused, "egress_refused", "TLPs",
    "TLPs a root port's link refused (unlinked, or above the link's MPS)");
#undef C
  ok = ok && (h->st.dma_read_latency =
                  hist(h, "dma_read_latency",
                       "issue to memory until the last completion is ready"));
  ok = ok && (h->st.mmio_read_latency =
                  hist(h, "mmio_read_latency", "CPU load issue to data"));
  ok = ok && (h->st.cfg_latency = hist(h, "cfg_latency",
                                       "configuration request to completion"));
  for (unsigned i = 0; ok && i < h->n_rp; i++) {
    ladon__host_rp *rp = &h->rp[i];
    char leaf[32];
    snprintf(leaf, sizeof leaf, "%s.tlps_in", rp->name);
    ok = (rp->tlps_in = counter(h, leaf, "TLPs", "TLPs received")) != NULL;
    snprintf(leaf, sizeof leaf, "%s.tlps_out", rp->name);
    ok = ok && (rp->tlps_out = counter(h, leaf, "TLPs", "TLPs sent")) != NULL;
    snprintf(leaf, sizeof leaf, "%s.ur_sent", rp->name);
    ok = ok && (rp->ur_sent = counter(h, leaf, "TLPs",
                                      "UR/CA completions sent")) != NULL;
  }
  return ok;
}

static void host_destroy(void *instance);

static bool is_pow2(uint64_t v) { return v && !(v & (v - 1)); }

static ladon_status host_create(ladon_sim *sim, const char *instance_name,
                                const ladon_params *p, void **out,
                                ladon_error *err) {
  ladon__host *h;
  ladon__memory_config mc;
  ladon_port_callbacks cb = {ladon__host_rx_deliver, ladon__host_rx_tx_ready,
                             NULL};
  ladon_port_config pc;
  ladon_status st;
  char buf[LADON_STAT_NAME_MAX + 1];
  h = calloc(1, sizeof *h);
  if (!h || !(h->name = strdup(instance_name))) {
    free(h);
    return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  }
  h->sim = sim;
  h->n_rp = (unsigned)ladon_params_u64(p, "root_ports");
  h->n_cpus = (unsigned)ladon_params_u64(p, "cpus");
  h->clock_ps = ladon_params_period_ps(p, "clock");
  h->rcb_bytes = ladon_params_enum(p, "rcb") == 1 ? 128u : 64u;
  h->cpl_split = ladon_params_enum(p, "cpl_split") == 1 ? LADON__CPL_SPLIT_MPS
                                                         : LADON__CPL_SPLIT_RCB;
  h->mps_bytes = (uint32_t)ladon_params_bytes(p, "mps");
  h->p2p_allow = ladon_params_enum(p, "p2p") == 1;
  h->functional = ladon_params_bool(p, "functional");
  h->msi_latency_ps = ladon_params_time_ps(p, "msi_injection_latency");
  h->cpl_timeout_ps = ladon_params_time_ps(p, "completion_timeout");
  h->iommu_blocked_status = ladon_params_enum(p, "blocked_read_status") == 1
                                ? LADON_TLP_CPL_CA
                                : LADON_TLP_CPL_UR;
  *out = NULL;
  if (!is_pow2(h->mps_bytes)) {
    st = ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                          "%s: parameter 'mps': %u bytes is not a power of two",
                          instance_name, h->mps_bytes);
    goto fail;
  }
  mc.size_bytes = ladon_params_bytes(p, "memory");
  mc.latency_ps = ladon_params_time_ps(p, "memory_latency");
  mc.bandwidth_bytes_per_s = ladon_params_rate(p, "memory_bandwidth");
  mc.channels = (uint32_t)ladon_params_u64(p, "memory_channels");
  st = ladon__host_mem_init(h, &mc, ladon_params_u64(p, "mmio32_base"), err);
  if (st != LADON_OK) goto fail;
  snprintf(buf, sizeof buf, "%s.routes", instance_name);
  h->routes = ladon_imap_new(buf, h->hpa_domain);
  if (!h->routes) goto nomem;
  ladon_port_config_default(&pc);
  if (!h->p2p_allow) {
    /* A root complex that sinks every completion advertises infinite
    ** completion credits (§2.6.1, Table 2-50 note). */
    pc.rx_cplh_credits = LADON_CREDITS_INFINITE;
    pc.rx_cpld_credits = LADON_CREDITS_INFINITE;
  }
  for (unsigned i = 0; i < h->n_rp; i++) {
    ladon__host_rp *rp = &h->rp[i];
    rp->host = h;
    rp->index = i;
    rp->name[0] = 'r';
    rp->name[1] = 'p';
    rp->name[2] = (char)('0' + i); /* i < 8 */
    rp->name[3] = '\0';
    snprintf(buf, sizeof buf, "%s.%s", instance_name, rp->name);
    rp->port = ladon_port_new(buf, &pc, &cb, rp, err);
    if (!rp->port) {
      st = err ? err->code : LADON_ENOMEM;
      goto fail;
    }
  }
  st = ladon__host_cfg_build(h, err);
  if (st != LADON_OK) goto fail;
  if (ladon__host_cpu_init(h) != LADON_OK || ladon__host_irq_init(h) != LADON_OK)
    goto nomem;
  if (!register_stats(h)) {
    st = ladon__error_set(err, LADON_EEXIST, NULL, 0, 0,
                          "%s: statistics of this name are taken",
                          instance_name);
    goto fail;
  }
  st = ladon__host_iommu_create(h, p, err);
  if (st != LADON_OK) goto fail;
  *out = h;
  return LADON_OK;
nomem:
  st = ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "%s: out of memory",
                        instance_name);
fail:
  host_destroy(h);
  return st;
}

static void host_destroy(void *instance) {
  ladon__host *h = instance;
  if (!h) return;
  ladon__host_defer_free(h);
  for (unsigned i = 0; i < LADON__HOST_MAX_ROOT_PORTS; i++) {
    ladon__host_egress_free(&h->rp[i]);
    ladon_port_free(h->rp[i].port);
  }
  ladon__host_cfg_free(h);
  ladon__host_cpu_free(h);
  ladon__host_vms_free(h);
  ladon__host_iommu_destroy(h);
  ladon_imap_free(h->routes);
  ladon__host_mem_free(h);
  free(h->irq_counts);
  free(h->name);
  free(h);
}

/* ---- model operations -------------------------------------------------- */

static ladon_port *host_port(void *instance, const char *name) {
  ladon__host *h = instance;
  /* "rp0".."rp7": one digit, as the port table declares. */
  if (!h || !name || name[0] != 'r' || name[1] != 'p' || name[2] < '0' ||
      name[2] > '9' || name[3] != '\0')
    return NULL;
  return (unsigned)(name[2] - '0') < h->n_rp ? h->rp[name[2] - '0'].port
                                              : NULL;
}

static ladon_status host_start(void *instance, ladon_error *err) {
  ladon__host *h = instance;
  (void)err;
  /* Data Link Layer Link Active on every root port that has a link
  ** (§7.5.3.8); speed and width stay at the Link Capabilities maxima. */
  for (unsigned i = 0; i < h->n_rp; i++) {
    ladon__cfg_exp_state es;
    if (ladon_port_link(h->rp[i].port) &&
        ladon__cfg_exp_get(h->rp[i].cfg, &es) == LADON_OK)
      ladon__cfg_exp_set_link(h->rp[i].cfg, es.link_speed, es.link_width,
                              true);
  }
  return LADON_OK;
}

static const ladon_model_ops host_ops = {host_port, host_start};

const ladon_component_type ladon__model_host_type = {
    "host",
    "root complex with root ports, host memory, CPU cores (MMIO, "
    "interrupts), an optional IOMMU, and VMs with EPTs",
    host_params,
    sizeof host_params / sizeof host_params[0],
    host_ports,
    sizeof host_ports / sizeof host_ports[0],
    host_stats,
    sizeof host_stats / sizeof host_stats[0],
    host_create,
    host_destroy,
    &host_ops};
