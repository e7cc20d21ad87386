/*
** What system software does once enumeration is over: the hypervisor
** creates VMs, assigns functions to them (the VF's BAR mapped into the
** guest by the EPT, the VF's requester ID attached to an IOMMU domain that
** maps exactly the VM's memory), and drivers start their workloads on the
** memory they were given.
*/
#include <stdlib.h>
#include <string.h>

#include "fabric/fabric_int.h"
#include "models/host.h"
#include "models/iommu.h"
#include "models/model.h"
#include "models/sriov.h"
#include "models/workload.h"
#include "pcie/pci_regs.h"
#include "sim/error_int.h"

#define GiB (UINT64_C(1) << 30)

/* Guest-physical base of the passed-through BARs: above the VM's RAM. */
static uint64_t guest_mmio_base(uint64_t mem_bytes) {
  return (mem_bytes + GiB - 1) / GiB * GiB + GiB;
}

/* The domain holding component `comp`, or NULL. */
static const ladon__enum_domain *domain_of(const ladon_fabric *f, uint32_t comp) {
  for (size_t d = 0; d < f->n_domains; d++)
    for (size_t i = 0; i < f->domains[d].n; i++)
      if (f->domains[d].fns[i].comp == comp) return &f->domains[d];
  return NULL;
}

/* Requester ID and BAR0 address of function `vf` (-1 = PF) of `comp`. */
static bool function_ids(const ladon_fabric *f, const ladon__topo_function *fn,
                         uint16_t *rid, uint64_t *bar0, uint64_t *bar0_bytes) {
  const ladon__enum_fn *pf = ladon__fabric_pf(f, fn->comp);
  if (pf == NULL) return false;
  if (fn->vf < 0) {
    *rid = pf->bdf;
    *bar0 = pf->bars[0].addr, *bar0_bytes = pf->bars[0].size;
    return true;
  }
  /* §9.3.3.9/10: VF n's RID = PF RID + First VF Offset + (n-1) x Stride;
     its BARk = VF BARk base + (n-1) x size. */
  *rid = (uint16_t)(pf->bdf + pf->vf_offset + (uint32_t)fn->vf * pf->vf_stride);
  *bar0 = pf->vf_bars[0].addr + (uint64_t)fn->vf * pf->vf_bars[0].size;
  *bar0_bytes = pf->vf_bars[0].size;
  return true;
}

typedef struct map_ctx {
  ladon__iommu *iommu;
  uint32_t domain;
  ladon_error *err;
} map_ctx;

/* Maps one EPT RAM entry into the IOMMU domain: GPA -> HPA, read/write. */
static int map_entry(void *ctx, const ladon_imap_entry *e, uint64_t lo,
                     uint64_t hi) {
  map_ctx *m = ctx;
  unsigned shift = e->page_shift ? e->page_shift : 12;
  return ladon__iommu_map(m->iommu, m->domain, lo, hi - lo + 1,
                          e->target + (lo - e->lo), LADON_IMAP_RW, shift,
                          m->err) != LADON_OK;
}

static ladon_status assign(ladon_fabric *f, size_t vm_index,
                           ladon__host_vm *vm, ladon_error *err) {
  const ladon__topo *t = f->topo;
  const ladon__topo_vm *tv = &t->vms[vm_index];
  ladon__host *host = ladon__host_of(f->inst[tv->host]);
  ladon__iommu *iommu = ladon__host_iommu(host);
  uint32_t domain = (uint32_t)vm_index + 1;
  uint64_t gpa_mmio = guest_mmio_base(tv->memory_bytes);
  for (size_t k = 0; k < tv->n_functions; k++) {
    const ladon__topo_function *fn = &tv->functions[k];
    const ladon__enum_domain *d = domain_of(f, fn->comp);
    if (d == NULL || d->host_comp != tv->host)
      return ladon__json_error(t->doc, fn->node, err, LADON_EINVAL,
                               "'%s' is not in the PCIe domain of host '%s'",
                               t->comps[fn->comp].name, t->comps[tv->host].name);
    uint16_t rid;
    uint64_t bar, bar_bytes;
    if (!function_ids(f, fn, &rid, &bar, &bar_bytes) || bar_bytes == 0)
      return ladon__json_error(t->doc, fn->node, err, LADON_EINVAL,
                               "function has no memory BAR to pass through");
    /* The guest's driver enables bus mastering on its function (VF
       Command register, PCIe Base 5.0 §9.3.4.1.3), and sees the
       function's BAR0 in its own MMIO hole. */
    ladon_status st = ladon__fabric_cfg_rmw(f, tv->host, rid, PCI_COMMAND, 2,
                                            PCI_COMMAND_MASTER, err);
    if (st == LADON_OK)
      st = ladon__host_vm_map(vm, gpa_mmio, bar, bar_bytes, LADON_IMAP_RW, err);
    gpa_mmio += bar_bytes;
    if (st == LADON_OK && iommu != NULL) {
      st = ladon__iommu_attach(iommu, rid, domain, err);
      if (st == LADON_OK && k == 0) {
        map_ctx m = {iommu, domain, err};
        if (ladon_imap_visit(ladon__host_vm_ept(vm), 0, tv->memory_bytes - 1,
                             map_entry, &m))
          st = err ? err->code : LADON_EINVAL;
      }
    }
    if (st != LADON_OK) return ladon__fabric_error_at(f, fn->node, "assignment", err);
  }
  return LADON_OK;
}

/* Where a workload may touch memory, in its function's DMA address space. */
static ladon_status workload_window(ladon_fabric *f, size_t i,
                                    ladon__workload *wl, ladon_error *err) {
  const ladon__topo *t = f->topo;
  const ladon__topo_workload *tw = &t->workloads[i];
  if (ladon_params_is_set(tw->params, "window") == 1) return LADON_OK;
  const ladon__enum_domain *d = domain_of(f, tw->on.comp);
  if (d == NULL)
    return ladon__json_error(t->doc, tw->node, err, LADON_EINVAL,
                             "'%s' is not reachable from any host",
                             t->comps[tw->on.comp].name);
  ladon__host *host = ladon__host_of(f->inst[d->host_comp]);
  if (tw->target_vm >= 0) {
    const ladon__topo_vm *tv = &t->vms[tw->target_vm];
    if (tv->host != d->host_comp)
      return ladon__json_error(t->doc, tw->node, err, LADON_EINVAL,
                               "VM '%s' is on host '%s', which cannot reach '%s'",
                               tv->name, t->comps[tv->host].name,
                               t->comps[tw->on.comp].name);
    if (ladon__host_iommu(host) != NULL)
      return ladon__workload_set_window(wl, 0, tv->memory_bytes, err);
    /* Without an IOMMU the device must be given host physical addresses. */
    ladon__host_vm *vm = ladon__host_vm_find(host, tv->name);
    const ladon_imap_entry *e = ladon_imap_lookup(ladon__host_vm_ept(vm), 0);
    return ladon__workload_set_window(wl, e->target, e->hi - e->lo + 1, err);
  }
  /* The host's own driver: a buffer in host memory, identity-mapped by the
     host's IOMMU when it has one (the DMA API's job). */
  uint64_t bytes = UINT64_C(64) << 20, hpa;
  ladon_status st = ladon__host_mem_alloc(host, bytes, UINT64_C(2) << 20, &hpa);
  if (st)
    return ladon__json_error(t->doc, tw->node, err, st,
                             "host '%s' has no 64 MiB of memory left for the "
                             "workload's buffers",
                             t->comps[d->host_comp].name);
  ladon__iommu *iommu = ladon__host_iommu(host);
  if (iommu) {
    uint16_t rid = 0;
    uint64_t bar, bar_bytes;
    function_ids(f, &tw->on, &rid, &bar, &bar_bytes);
    uint32_t dom = 0x10000u + (uint32_t)i;
    if ((st = ladon__iommu_attach(iommu, rid, dom, err)) ||
        (st = ladon__iommu_map(iommu, dom, hpa, bytes, hpa, LADON_IMAP_RW, 21, err)))
      return st;
  }
  return ladon__workload_set_window(wl, hpa, bytes, err);
}

ladon_status ladon__fabric_program(ladon_fabric *f, ladon_error *err) {
  const ladon__topo *t = f->topo;
  for (size_t i = 0; i < t->n_vms; i++) {
    const ladon__topo_vm *tv = &t->vms[i];
    ladon_error_clear(err);
    ladon__host_vm *vm = ladon__host_vm_add(ladon__host_of(f->inst[tv->host]),
                                            tv->name, tv->memory_bytes,
                                            (uint32_t)tv->vcpus, err);
    if (vm == NULL) return ladon__fabric_error_at(f, tv->node, "VM", err);
    ladon_status st = assign(f, i, vm, err);
    if (st) return st;
  }
  f->workloads = calloc(t->n_workloads ? t->n_workloads : 1, sizeof *f->workloads);
  if (f->workloads == NULL) return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  for (size_t i = 0; i < t->n_workloads; i++) {
    const ladon__topo_workload *tw = &t->workloads[i];
    ladon_error_clear(err);
    ladon_status st = tw->type->create(f->sim, tw->name, tw->params,
                                       &f->workloads[i], err);
    ladon__workload *wl = st == LADON_OK ? ladon__workload_of(f->workloads[i]) : NULL;
    if (st == LADON_OK)
      st = ladon__workload_bind(wl, (ladon__sriov *)f->inst[tw->on.comp], tw->on.vf, err);
    if (st == LADON_OK) st = workload_window(f, i, wl, err);
    if (st != LADON_OK) {
      if (err && err->file[0]) return st; /* already positioned */
      if (err) err->code = st;
      char what[300];
      snprintf(what, sizeof what, "workload '%s'", tw->name);
      return ladon__fabric_error_at(f, tw->node, what, err);
    }
  }
  return LADON_OK;
}

ladon_status ladon__fabric_start(ladon_fabric *f, ladon_error *err) {
  const ladon__topo *t = f->topo;
  f->start_ps = ladon_sim_now(f->sim);
  for (size_t i = 0; i < t->n_comps; i++) {
    const ladon_model_ops *ops = ladon__model_ops(t->comps[i].type);
    if (ops->start == NULL) continue;
    ladon_error_clear(err);
    ladon_status st = ops->start(f->inst[i], err);
    if (st) {
      if (err) err->code = st;
      return ladon__fabric_error_at(f, t->comps[i].node, "start", err);
    }
  }
  for (size_t i = 0; i < t->n_workloads; i++) {
    ladon_error_clear(err);
    ladon_status st = ladon__workload_start(ladon__workload_of(f->workloads[i]), err);
    if (st) {
      if (err) err->code = st;
      char what[300];
      snprintf(what, sizeof what, "workload '%s'", t->workloads[i].name);
      return ladon__fabric_error_at(f, t->workloads[i].node, what, err);
    }
  }
  return LADON_OK;
}
