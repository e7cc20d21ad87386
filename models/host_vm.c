/*
** VMs: guest physical memory mapped by an EPT (a ladon_imap from the VM's
** GPA domain to the host's HPA domain, with R/W/X).
**
** Guest RAM is carved from host RAM from the top down, 2 MiB aligned, in
** creation order, so placement is deterministic; where it straddles the
** 32-bit MMIO hole it becomes two host ranges.  The EPT maps it with 2 MiB
** pages where guest and host addresses are both 2 MiB aligned and 4 KiB
** pages elsewhere (Intel SDM Vol. 3 §28.2.2: EPT PDEs may map 2 MiB).
** A guest access that no EPT entry permits is an EPT violation (a VM exit
** in hardware): it is counted and nothing reaches the PCIe fabric.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ladon/rng.h"
#include "models/host_int.h"
#include "sim/error_int.h"

#define KIB4 4096ull
#define MIB2 (2ull * 1024ull * 1024ull)

/* Inserts [gpa, gpa + bytes) -> hpa into the EPT with the largest pages
** the alignment allows.  On failure, what was inserted is removed. */
static ladon_status ept_map(ladon__host_vm *vm, uint64_t gpa, uint64_t hpa,
                            uint64_t bytes, uint32_t perms, ladon_error *err) {
  uint64_t g = gpa, hh = hpa, left = bytes;
  while (left) {
    ladon_imap_entry e = {0};
    uint64_t run;
    unsigned shift;
    if (g % MIB2 == 0 && hh % MIB2 == 0 && left >= MIB2) {
      run = left / MIB2 * MIB2;
      shift = 21;
    } else if ((g - hh) % MIB2 == 0) {
      /* Same phase: 4 KiB pages up to the next 2 MiB boundary. */
      uint64_t to_2m = MIB2 - g % MIB2;
      run = left < to_2m ? left : to_2m;
      shift = 12;
    } else {
      run = left; /* the phases never meet: 4 KiB pages throughout */
      shift = 12;
    }
    e.lo = g;
    e.hi = g + run - 1;
    e.target = hh;
    e.target_domain = vm->host->hpa_domain;
    e.perms = perms;
    e.page_shift = shift;
    e.id = (uint32_t)ladon_imap_count(vm->ept);
    if (ladon_imap_insert(vm->ept, &e, err) != LADON_OK) {
      if (g > gpa) ladon_imap_unmap(vm->ept, gpa, g - 1);
      return err ? err->code : LADON_EEXIST;
    }
    g += run;
    hh += run;
    left -= run;
  }
  return LADON_OK;
}

ladon__host_vm *ladon__host_vm_add(ladon__host *host, const char *name,
                                   uint64_t mem_bytes, uint32_t vcpus,
                                   ladon_error *err) {
  ladon__host_vm *vm, **vms;
  char buf[LADON_STAT_NAME_MAX + 1];
  uint64_t start, end;
  ladon_error e2;
  if (!host || !name || !*name) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "VM: no host or name");
    return NULL;
  }
  if (mem_bytes == 0 || mem_bytes % KIB4) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "%s: VM '%s': memory of %llu bytes is not a positive "
                     "multiple of 4KiB",
                     host->name, name, (unsigned long long)mem_bytes);
    return NULL;
  }
  if (vcpus == 0) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "%s: VM '%s': needs at least one vCPU", host->name, name);
    return NULL;
  }
  if (ladon__host_vm_find(host, name) || host->n_vms >= LADON__HOST_MAX_VMS) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "%s: VM '%s': name in use or too many VMs", host->name,
                     name);
    return NULL;
  }
  end = host->alloc_hi;
  start = end >= mem_bytes ? (end - mem_bytes) / MIB2 * MIB2 : 0;
  if (end < mem_bytes || start < host->alloc_lo) {
    ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0,
                     "%s: VM '%s': %llu bytes of guest memory do not fit in "
                     "the host's free memory (parameter 'memory')",
                     host->name, name, (unsigned long long)mem_bytes);
    return NULL;
  }
  vm = calloc(1, sizeof *vm);
  vms = realloc(host->vms, (host->n_vms + 1) * sizeof *vms);
  if (vms) host->vms = vms;
  if (!vm || !vms) {
    free(vm);
    ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "%s: out of memory",
                     host->name);
    return NULL;
  }
  vm->host = host;
  vm->index = (uint32_t)host->n_vms;
  vm->mem_bytes = mem_bytes;
  vm->vcpus = vcpus;
  vm->name = strdup(name);
  vm->cores = calloc(vcpus, sizeof *vm->cores);
  vm->ranges = calloc(2, sizeof *vm->ranges);
  snprintf(buf, sizeof buf, "%s.%s.gpa", host->name, name);
  vm->gpa_domain = (uint32_t)ladon_hash_string(buf);
  snprintf(buf, sizeof buf, "%s.%s.ept", host->name, name);
  vm->ept = ladon_imap_new(buf, vm->gpa_domain);
  if (!vm->name || !vm->cores || !vm->ranges || !vm->ept) goto nomem;
  for (uint32_t i = 0; i < vcpus; i++)
    vm->cores[i] = host->next_vcpu_core++ % host->n_cpus;
  /* Guest RAM: DRAM [start, start + mem_bytes), split at the hole. */
  {
    uint64_t d = start, gpa = 0;
    while (d < start + mem_bytes) {
      uint64_t piece_end = start + mem_bytes;
      ladon__host_range *r = &vm->ranges[vm->n_ranges];
      if (d < host->low_ram_top && piece_end > host->low_ram_top)
        piece_end = host->low_ram_top;
      r->gpa = gpa;
      r->hpa = ladon__host_dram_to_hpa(host, d);
      r->bytes = piece_end - d;
      if (ept_map(vm, r->gpa, r->hpa, r->bytes, LADON_IMAP_RWX, &e2) !=
          LADON_OK) {
        if (err) *err = e2;
        goto fail;
      }
      vm->n_ranges++;
      gpa += r->bytes;
      d = piece_end;
    }
  }
  snprintf(buf, sizeof buf, "%s.%s.ept_violations", host->name, name);
  vm->ept_violations = ladon_stats_counter(
      ladon_sim_stats(host->sim), buf, NULL,
      "guest accesses the EPT did not permit (no TLP left the CPU)", &e2);
  if (!vm->ept_violations) {
    if (err) *err = e2;
    goto fail;
  }
  host->alloc_hi = start;
  host->vms[host->n_vms++] = vm;
  return vm;
nomem:
  ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "%s: out of memory",
                   host->name);
fail:
  ladon_imap_free(vm->ept);
  free(vm->ranges);
  free(vm->cores);
  free(vm->name);
  free(vm);
  return NULL;
}

void ladon__host_vms_free(ladon__host *h) {
  for (size_t i = 0; i < h->n_vms; i++) {
    ladon__host_vm *vm = h->vms[i];
    ladon_imap_free(vm->ept);
    free(vm->ranges);
    free(vm->cores);
    free(vm->name);
    free(vm);
  }
  free(h->vms);
  h->vms = NULL;
  h->n_vms = 0;
}

ladon__host_vm *ladon__host_vm_find(const ladon__host *host, const char *name) {
  if (!host || !name) return NULL;
  for (size_t i = 0; i < host->n_vms; i++)
    if (strcmp(host->vms[i]->name, name) == 0) return host->vms[i];
  return NULL;
}

size_t ladon__host_vm_count(const ladon__host *host) {
  return host ? host->n_vms : 0;
}

ladon__host_vm *ladon__host_vm_at(const ladon__host *host, size_t i) {
  return host && i < host->n_vms ? host->vms[i] : NULL;
}

const char *ladon__host_vm_name(const ladon__host_vm *vm) { return vm->name; }
uint64_t ladon__host_vm_mem_bytes(const ladon__host_vm *vm) {
  return vm->mem_bytes;
}
uint32_t ladon__host_vm_vcpus(const ladon__host_vm *vm) { return vm->vcpus; }

uint32_t ladon__host_vm_core(const ladon__host_vm *vm, uint32_t vcpu) {
  return vm && vcpu < vm->vcpus ? vm->cores[vcpu] : UINT32_MAX;
}

const ladon_imap *ladon__host_vm_ept(const ladon__host_vm *vm) {
  return vm ? vm->ept : NULL;
}

uint32_t ladon__host_vm_gpa_domain(const ladon__host_vm *vm) {
  return vm ? vm->gpa_domain : 0;
}

static int any_entry(void *ctx, const ladon_imap_entry *e, uint64_t lo,
                     uint64_t hi) {
  (void)ctx;
  (void)e;
  (void)lo;
  (void)hi;
  return 1;
}

ladon_status ladon__host_vm_map(ladon__host_vm *vm, uint64_t gpa, uint64_t hpa,
                                uint64_t bytes, uint32_t perms,
                                ladon_error *err) {
  if (!vm || bytes == 0 || gpa % KIB4 || hpa % KIB4 || bytes % KIB4 ||
      gpa + bytes < gpa || hpa + bytes < hpa || (perms & ~LADON_IMAP_RWX))
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "EPT mapping must be 4KiB-aligned, non-empty, "
                            "with R/W/X permissions");
  if (ladon_imap_visit(vm->ept, gpa, gpa + bytes - 1, any_entry, NULL))
    return ladon__error_set(err, LADON_EEXIST, NULL, 0, 0,
                            "%s.%s: GPA 0x%llx..0x%llx is already mapped",
                            vm->host->name, vm->name, (unsigned long long)gpa,
                            (unsigned long long)(gpa + bytes - 1));
  return ept_map(vm, gpa, hpa, bytes, perms, err);
}

size_t ladon__host_vm_ranges(const ladon__host_vm *vm,
                             const ladon__host_range **out) {
  if (!vm) return 0;
  if (out) *out = vm->ranges;
  return vm->n_ranges;
}

/* Translates [gpa, gpa + bytes) needing `perms` across adjacent EPT
** entries as long as they stay contiguous in HPA; false on a violation. */
static bool ept_walk(const ladon__host_vm *vm, uint64_t gpa, uint64_t bytes,
                     uint32_t perms, uint64_t *hpa) {
  uint64_t g = gpa, left = bytes ? bytes : 1, first = 0, expect = 0;
  bool started = false;
  while (left) {
    const ladon_imap_entry *e = ladon_imap_lookup(vm->ept, g);
    uint64_t h, run;
    if (!e || (e->perms & perms) != perms) return false;
    h = e->target + (g - e->lo);
    if (started && h != expect) return false;
    if (!started) first = h;
    started = true;
    run = e->hi - g + 1;
    if (run == 0 || run >= left) break; /* run == 0: entry to 2^64 - 1 */
    g += run;
    left -= run;
    expect = h + run;
  }
  *hpa = first;
  return true;
}

ladon_status ladon__host_vm_translate(ladon__host_vm *vm, uint64_t gpa,
                                      uint64_t bytes, uint32_t perms,
                                      uint64_t *hpa) {
  uint64_t h;
  if (!vm || !hpa) return LADON_EINVAL;
  if (!ept_walk(vm, gpa, bytes, perms, &h)) {
    ladon_counter_add(vm->ept_violations, 1);
    return LADON_ENOENT;
  }
  *hpa = h;
  return LADON_OK;
}

ladon_status ladon__host_vm_mmio_write(ladon__host_vm *vm, uint32_t vcpu,
                                       uint64_t gpa, uint32_t bytes,
                                       const void *data) {
  uint64_t hpa;
  ladon_status st;
  if (!vm || vcpu >= vm->vcpus || !data || bytes == 0) return LADON_EINVAL;
  st = ladon__host_vm_translate(vm, gpa, bytes, LADON_IMAP_W, &hpa);
  if (st != LADON_OK) return st;
  return ladon__host_mmio_write(vm->host, vm->cores[vcpu], hpa, bytes, data);
}

ladon_status ladon__host_vm_mmio_read(ladon__host_vm *vm, uint32_t vcpu,
                                      uint64_t gpa, uint32_t bytes,
                                      ladon__host_read_cb cb, void *ctx) {
  uint64_t hpa;
  ladon_status st;
  if (!vm || vcpu >= vm->vcpus || !cb || bytes == 0) return LADON_EINVAL;
  st = ladon__host_vm_translate(vm, gpa, bytes, LADON_IMAP_R, &hpa);
  if (st != LADON_OK) return st;
  return ladon__host_mmio_read(vm->host, vm->cores[vcpu], hpa, bytes, cb, ctx);
}

/* Functional copy through the EPT, entry by entry. */
static ladon_status vm_copy(const ladon__host_vm *vm, uint64_t gpa,
                            uint8_t *buf, size_t n, bool write) {
  size_t done = 0;
  while (done < n) {
    const ladon_imap_entry *e = ladon_imap_lookup(vm->ept, gpa + done);
    uint64_t run, hpa;
    ladon_status st;
    if (!e) return LADON_ENOENT;
    run = e->hi - (gpa + done) + 1;
    if (run == 0 || run > n - done) run = n - done;
    hpa = e->target + (gpa + done - e->lo);
    st = write ? ladon__host_mem_write(vm->host, hpa, buf + done, (size_t)run)
               : ladon__host_mem_read(vm->host, hpa, buf + done, (size_t)run);
    if (st != LADON_OK) return LADON_ENOENT;
    done += (size_t)run;
  }
  return LADON_OK;
}

ladon_status ladon__host_vm_mem_write(ladon__host_vm *vm, uint64_t gpa,
                                      const void *src, size_t n) {
  if (!vm || (n && !src)) return LADON_EINVAL;
  return vm_copy(vm, gpa, (uint8_t *)(uintptr_t)src, n, true);
}

ladon_status ladon__host_vm_mem_read(const ladon__host_vm *vm, uint64_t gpa,
                                     void *dst, size_t n) {
  if (!vm || (n && !dst)) return LADON_EINVAL;
  return vm_copy(vm, gpa, dst, n, false);
}

uint64_t ladon__host_vm_ept_violations(const ladon__host_vm *vm) {
  return vm ? ladon_counter_value(vm->ept_violations) : 0;
}
