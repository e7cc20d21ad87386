/*
** What system software does once enumeration is over: the hypervisor
** creates VMs, the Ladon manager assigns functions to them (ladon_mgr.c:
** on the device's own host or across an NTB), and drivers start their
** workloads on the memory they were given.
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
    /* A function assigned to the VM across an NTB: its DMA addresses are the
       VM's GPAs, which the MH IOMMU translates (Design A). */
    for (size_t k = 0; k < tv->n_functions; k++) {
      const ladon__lmgr_assign *a = ladon__lmgr_find(f, (uint32_t)tw->target_vm, (uint32_t)k);
      if (a && a->ladon && a->dev == tw->on.comp && a->vf == tw->on.vf)
        return ladon__workload_set_window(wl, 0, tv->memory_bytes, err);
    }
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
  /* Every VM first: a direct NT window must cover all Ladon VMs of a CH. */
  for (size_t i = 0; i < t->n_vms; i++) {
    const ladon__topo_vm *tv = &t->vms[i];
    ladon_error_clear(err);
    ladon__host_vm *vm = ladon__host_vm_add(ladon__host_of(f->inst[tv->host]),
                                            tv->name, tv->memory_bytes,
                                            (uint32_t)tv->vcpus, err);
    if (vm == NULL) return ladon__fabric_error_at(f, tv->node, "VM", err);
  }
  for (size_t i = 0; i < t->n_vms; i++)
    for (size_t k = 0; k < t->vms[i].n_functions; k++) {
      ladon_status st = ladon__lmgr_assign_fn(f, (uint32_t)i, (uint32_t)k, err);
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
  /* Link utilisation is reported over the workloads' time, not enumeration's. */
  f->link_busy0_ps = calloc(2 * (t->n_links ? t->n_links : 1), sizeof *f->link_busy0_ps);
  if (f->link_busy0_ps == NULL)
    return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  for (size_t i = 0; i < t->n_links; i++)
    for (unsigned d = 0; d < 2; d++) {
      ladon_link_counters c;
      if (ladon_link_counters_get(f->links[i], d, &c) == LADON_OK)
        f->link_busy0_ps[2 * i + d] = c.busy_ps;
    }
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
