/*
** The host: root complex with root ports, host memory, CPU cores that
** issue configuration and MMIO requests and take interrupts, and VMs whose
** guest physical memory is mapped by an EPT.
**
** Component type "host" (ladon__model_host_type; parameters in host.c and
** docs/models/host.md), ports "rp0".."rp7".  This header is what system
** software does with a host: firmware's configuration accesses, CPU loads
** and stores, the hypervisor's VMs, and the functional view of memory.
**
** Bus 0 holds the host bridge (00:00.0) and one root port per "rp<i>" at
** 00:<i+1>.0: a Type 1 function (virtual PCI-PCI bridge) with a PCI Express
** Capability of type Root Port.  Everything the fabric programs into a root
** port -- bus numbers, windows, Command enables -- it programs with
** configuration requests through ladon__host_cfg_write(), exactly like
** firmware, and the root complex routes by what was programmed.
**
** Host physical address map (x86-like, fixed at creation):
**   [0, min(memory, mmio32_base))            low RAM
**   [mmio32_base, 0xFEC00000)                32-bit MMIO for BARs/windows
**   [0xFEE00000, 0xFEEFFFFF]                 interrupt range (MSI writes)
**   [4 GiB, 4 GiB + rest of memory)          high RAM (memory above the hole)
**   [mmio64_base, mmio64_base + 1 TiB)       64-bit MMIO, mmio64_base = the
**                                            first 1 TiB boundary at or above
**                                            the end of RAM (at least 1 TiB)
** The requester ID of everything the root complex originates (CPU requests,
** completions of DMA reads) is the host bridge's, 00:00.0.
*/
#ifndef LADON_MODELS_HOST_H
#define LADON_MODELS_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ladon/component.h"
#include "ladon/error.h"
#include "ladon/imap.h"
#include "ladon/sim.h"

typedef struct ladon__host ladon__host;
typedef struct ladon__host_vm ladon__host_vm;
struct ladon__iommu;

extern const ladon_component_type ladon__model_host_type;

/* Most root ports and cores a host can have. */
#define LADON__HOST_MAX_ROOT_PORTS 8u
#define LADON__HOST_MAX_CPUS 256u /* xAPIC destination IDs are 8 bits */

/* x86 interrupt range (Intel SDM Vol. 3 §10.11.1: 0xFEEx_xxxx). */
#define LADON__HOST_MSI_BASE 0xFEE00000ull
#define LADON__HOST_MSI_LAST 0xFEEFFFFFull

/*
** Completion status handed to callbacks: the Completion Status codes of
** include/ladon/tlp.h (LADON_TLP_CPL_SC, _UR, _CRS, _CA) or, when no
** completion came back within the completion timeout (§2.8), this value.
** Anything but SC delivers an all-ones value, as a CPU load sees it.
*/
#define LADON__HOST_CPL_TIMEOUT 0xffu

/* The host behind a "host" component instance (the instance itself). */
static inline ladon__host *ladon__host_of(void *instance) {
  return (ladon__host *)instance;
}

/* The instance name, the simulation, and the number of root ports/cores. */
const char *ladon__host_name(const ladon__host *host);
ladon_sim *ladon__host_sim(const ladon__host *host);
unsigned ladon__host_root_ports(const ladon__host *host);
unsigned ladon__host_cpus(const ladon__host *host);

/* ---- configuration access (firmware, enumeration) ------------------ */

/* `value` holds the bytes read, right-justified (all ones unless SC). */
typedef void (*ladon__host_cfg_cb)(void *ctx, uint8_t status, uint32_t value);

/*
** Reads `size` (1, 2 or 4) bytes at register offset `reg` (naturally
** aligned, < 0x1000) of function `bdf` (bus << 8 | dev << 3 | fn).  Bus 0
** is answered by the root complex itself (host bridge, root ports, UR for
** anything else); other buses go out as CfgRd1 through the root port whose
** bus range holds them, converted to CfgRd0 when the bus is the port's
** secondary bus (§7.3.3), or complete with UR when no root port claims the
** bus.  `cb(ctx, status, value)` runs from a simulation event when the
** completion is back -- never from inside this call.  Returns LADON_OK, or
** LADON_EINVAL for a bad size, alignment or offset, or a NULL callback
** (nothing is issued then).
*/
ladon_status ladon__host_cfg_read(ladon__host *host, uint16_t bdf,
                                  uint16_t reg, unsigned size,
                                  ladon__host_cfg_cb cb, void *ctx);

/*
** Writes `value` (its low `size` bytes) as a CfgWr0/CfgWr1 like
** ladon__host_cfg_read() reads; `cb` (may be NULL) gets the completion
** status (value 0).
*/
ladon_status ladon__host_cfg_write(ladon__host *host, uint16_t bdf,
                                   uint16_t reg, unsigned size, uint32_t value,
                                   ladon__host_cfg_cb cb, void *ctx);

/* ---- CPU loads and stores to MMIO ------------------------------------ */

/* `value` holds the bytes read, little-endian (all ones unless SC). */
typedef void (*ladon__host_read_cb)(void *ctx, uint8_t status,
                                    uint64_t value);

/*
** Core `core` stores `bytes` (1 .. the host's mps, not crossing a 4 KiB
** boundary) from `data` (copied) at host physical address `addr`.  An
** address inside a root port's enabled memory window becomes a posted MWr
** out of that port; RAM is written directly; anything else is a master
** abort: the write is dropped and counted.  Stores and loads of one core
** leave in program order, so a store waits behind a stalled load.
** LADON_EINVAL for a bad core, size or NULL data.
*/
ladon_status ladon__host_mmio_write(ladon__host *host, uint32_t core,
                                    uint64_t addr, uint32_t bytes,
                                    const void *data);

/*
** Core `core` loads `bytes` (1..8, not crossing a 4 KiB boundary) at `addr`:
** a non-posted MRd out of the root port whose window holds it.  The core
** stalls -- one outstanding load per core, later operations of the core
** wait -- until the completion returns; then `cb(ctx, status, value)` runs.
** UR, CA and master aborts give all ones.  LADON_EINVAL for a bad core or
** size or a NULL callback.
*/
ladon_status ladon__host_mmio_read(ladon__host *host, uint32_t core,
                                   uint64_t addr, uint32_t bytes,
                                   ladon__host_read_cb cb, void *ctx);

/* ---- host memory (functional view) ----------------------------------- */

/*
** Copies bytes to/from host physical memory at `hpa` directly, without
** timing (tests, and the fabric placing descriptor rings).  LADON_ERANGE
** when any byte of the range is not RAM.
*/
ladon_status ladon__host_mem_write(ladon__host *host, uint64_t hpa,
                                   const void *src, size_t n);
ladon_status ladon__host_mem_read(const ladon__host *host, uint64_t hpa,
                                  void *dst, size_t n);

/*
** Reserves `bytes` of host RAM aligned to `align` (a power of two) for the
** host's own use (rings, buffers), deterministically from the bottom of RAM
** above the first MiB; VMs are placed from the top.  Stores the address in
** *hpa.  LADON_ENOMEM when RAM is exhausted; LADON_EINVAL for bad input.
*/
ladon_status ladon__host_mem_alloc(ladon__host *host, uint64_t bytes,
                                   uint64_t align, uint64_t *hpa);

/* The address windows the enumerator may assign to BARs and bridges. */
typedef struct ladon__host_mmio_space {
  uint64_t mmio32_base, mmio32_limit; /* inclusive */
  uint64_t mmio64_base, mmio64_limit; /* inclusive */
} ladon__host_mmio_space;
void ladon__host_mmio_space_get(const ladon__host *host,
                                ladon__host_mmio_space *out);

/* Host physical address -> DRAM offset, one entry per RAM range (borrowed).
** Its input domain is ladon__host_hpa_domain(host). */
const ladon_imap *ladon__host_ram_map(const ladon__host *host);

/* Id of the host physical address domain (imap domain numbers). */
uint32_t ladon__host_hpa_domain(const ladon__host *host);

/*
** The root complex's downstream routing, as programmed: host physical
** address -> root port index (entry.user), from each root port's enabled
** memory and prefetchable windows (borrowed; rebuilt after configuration
** writes).  Overlapping windows are counted in NAME.window_conflicts and the
** later port's window is left out.
*/
const ladon_imap *ladon__host_route_map(ladon__host *host);

/* The IOMMU of the host, or NULL when it has none (borrowed). */
struct ladon__iommu *ladon__host_iommu(const ladon__host *host);

/* Root port `rp`'s configuration space (borrowed, read-only: for the
** isolation checker), NULL for a bad index; and whether the root complex
** forwards peer-to-peer requests between root ports (parameter "p2p"). */
struct ladon__cfg;
const struct ladon__cfg *ladon__host_rp_cfg(const ladon__host *host, unsigned rp);
bool ladon__host_p2p_allowed(const ladon__host *host);

/* ---- interrupts ------------------------------------------------------ */

/*
** Called when an interrupt is delivered to `core` with `vector`, after the
** host's msi_injection_latency; `rid` is the requester ID of the MSI write.
*/
typedef void (*ladon__host_irq_fn)(void *ctx, uint32_t core, uint8_t vector,
                                   uint16_t rid);

/* Adds a hook (at most 16); LADON_EFULL beyond, LADON_EINVAL for NULL. */
ladon_status ladon__host_irq_hook(ladon__host *host, ladon__host_irq_fn fn,
                                  void *ctx);

/* Interrupts delivered to `core` with `vector` so far. */
uint64_t ladon__host_irq_count(const ladon__host *host, uint32_t core,
                               uint8_t vector);

/* ---- VMs ------------------------------------------------------------- */

/*
** Creates VM `name` (copied) with `mem_bytes` of guest RAM at guest
** physical addresses [0, mem_bytes) and `vcpus` vCPUs, pinned to host cores
** round-robin in creation order.  Guest RAM comes from host RAM, placed
** deterministically from the top down in 2 MiB-aligned pieces, and is
** mapped R/W/X by the VM's EPT in 2 MiB pages (4 KiB for a tail).
** Returns the VM (owned by the host), or NULL with `err` filled:
** LADON_EINVAL for a zero or non-4 KiB-multiple size, no vCPUs, a name in
** use; LADON_ENOMEM when host RAM is exhausted (naming the host and the VM).
*/
ladon__host_vm *ladon__host_vm_add(ladon__host *host, const char *name,
                                   uint64_t mem_bytes, uint32_t vcpus,
                                   ladon_error *err);

/* The VM called `name`, or NULL; VMs by index in creation order. */
ladon__host_vm *ladon__host_vm_find(const ladon__host *host, const char *name);
size_t ladon__host_vm_count(const ladon__host *host);
ladon__host_vm *ladon__host_vm_at(const ladon__host *host, size_t i);

const char *ladon__host_vm_name(const ladon__host_vm *vm);
uint64_t ladon__host_vm_mem_bytes(const ladon__host_vm *vm);
uint32_t ladon__host_vm_vcpus(const ladon__host_vm *vm);
/* The host core vCPU `vcpu` runs on; UINT32_MAX for a bad vCPU. */
uint32_t ladon__host_vm_core(const ladon__host_vm *vm, uint32_t vcpu);

/* The VM's EPT: GPA -> HPA with R/W/X (borrowed).  Input domain is the
** VM's GPA domain, targets are in the host's HPA domain. */
const ladon_imap *ladon__host_vm_ept(const ladon__host_vm *vm);
uint32_t ladon__host_vm_gpa_domain(const ladon__host_vm *vm);

/*
** Adds an EPT mapping of [gpa, gpa + bytes) to host physical `hpa` with
** LADON_IMAP_R/W/X `perms`, e.g. a VF BAR passed through to the guest.
** Page-aligned (4 KiB).  LADON_EEXIST for an overlap, LADON_EINVAL.
*/
ladon_status ladon__host_vm_map(ladon__host_vm *vm, uint64_t gpa, uint64_t hpa,
                                uint64_t bytes, uint32_t perms,
                                ladon_error *err);

/* One piece of guest RAM: [gpa, gpa + bytes) is host [hpa, hpa + bytes). */
typedef struct ladon__host_range {
  uint64_t gpa, hpa, bytes;
} ladon__host_range;

/*
** The VM's guest RAM as GPA -> HPA ranges, in GPA order: what the IOMMU
** domain of a VF assigned to this VM must map, exactly.  Stores the array
** (borrowed, lives as long as the VM) in *out and returns its length.
*/
size_t ladon__host_vm_ranges(const ladon__host_vm *vm,
                             const ladon__host_range **out);

/*
** Translates a guest access through the EPT.  LADON_OK with *hpa set when
** [gpa, gpa + bytes) is mapped with `perms`; otherwise an EPT violation:
** counted (NAME.VM.ept_violations) and LADON_ENOENT returned.
*/
ladon_status ladon__host_vm_translate(ladon__host_vm *vm, uint64_t gpa,
                                      uint64_t bytes, uint32_t perms,
                                      uint64_t *hpa);

/*
** Guest stores and loads by vCPU `vcpu`: translated by the EPT (W for
** stores, R for loads), then issued by the vCPU's host core as
** ladon__host_mmio_write()/_read() would.  An EPT violation returns
** LADON_ENOENT: nothing leaves the CPU and the callback is not called.
*/
ladon_status ladon__host_vm_mmio_write(ladon__host_vm *vm, uint32_t vcpu,
                                       uint64_t gpa, uint32_t bytes,
                                       const void *data);
ladon_status ladon__host_vm_mmio_read(ladon__host_vm *vm, uint32_t vcpu,
                                      uint64_t gpa, uint32_t bytes,
                                      ladon__host_read_cb cb, void *ctx);

/* Functional copies to/from guest RAM through the EPT (no timing, no
** counting); LADON_ENOENT when a byte is not mapped to RAM. */
ladon_status ladon__host_vm_mem_write(ladon__host_vm *vm, uint64_t gpa,
                                      const void *src, size_t n);
ladon_status ladon__host_vm_mem_read(const ladon__host_vm *vm, uint64_t gpa,
                                     void *dst, size_t n);

/* EPT violations of the VM so far. */
uint64_t ladon__host_vm_ept_violations(const ladon__host_vm *vm);

#endif /* LADON_MODELS_HOST_H */
