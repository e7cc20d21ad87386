/*
** The host physical address map and the functional memory API.
**
** Like an x86 server: RAM from 0 up to the start of the 32-bit MMIO hole
** (mmio32_base), the hole up to 4 GiB (BARs, the interrupt range at
** 0xFEE00000, the firmware region above), the rest of RAM from 4 GiB, and
** 64-bit MMIO above the end of RAM.  The map is a ladon_imap from host
** physical addresses to DRAM offsets, so the isolation checker sees RAM the
** way the datapath does.
*/
#include <stdio.h>
#include <string.h>

#include "ladon/rng.h"
#include "models/host_int.h"
#include "sim/error_int.h"

#define GIB (1024ull * 1024ull * 1024ull)
#define TIB (1024ull * GIB)
#define FOUR_GIB (4ull * GIB)
/* Top of the 32-bit MMIO space left to BARs: the I/O APIC, HPET, local
** APIC/interrupt range and firmware sit from 0xFEC00000 up. */
#define MMIO32_LIMIT 0xFEBFFFFFull
/* The first MiB stays with the host's firmware (legacy region). */
#define HOST_ALLOC_START (1024ull * 1024ull)

ladon_status ladon__host_mem_init(ladon__host *h, const ladon__memory_config *mc,
                                  uint64_t mmio32_base, ladon_error *err) {
  char mname[LADON_STAT_NAME_MAX + 1];
  ladon_imap_entry e;
  ladon_error e2;
  uint64_t size = mc->size_bytes;
  if (mmio32_base == 0 || mmio32_base > MMIO32_LIMIT + 1 ||
      mmio32_base % (1024ull * 1024ull))
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "%s: parameter 'mmio32_base': 0x%llx is not a "
                            "MiB-aligned address in 1MiB..0xFEC00000",
                            h->name, (unsigned long long)mmio32_base);
  if (size <= HOST_ALLOC_START)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "%s: parameter 'memory': at least 2MiB needed",
                            h->name);
  h->mem = ladon__memory_new(h->name, mc, &e2);
  if (!h->mem) {
    if (err) *err = e2;
    return e2.code;
  }
  h->low_ram_top = size < mmio32_base ? size : mmio32_base;
  h->high_ram_top = size > h->low_ram_top ? FOUR_GIB + (size - h->low_ram_top)
                                          : 0;
  h->mmio.mmio32_base = mmio32_base;
  h->mmio.mmio32_limit = MMIO32_LIMIT;
  {
    uint64_t end = h->high_ram_top ? h->high_ram_top : FOUR_GIB;
    uint64_t b = (end + TIB - 1) / TIB * TIB;
    h->mmio.mmio64_base = b < TIB ? TIB : b;
    h->mmio.mmio64_limit = h->mmio.mmio64_base + TIB - 1;
  }
  snprintf(mname, sizeof mname, "%s.hpa", h->name);
  h->hpa_domain = (uint32_t)ladon_hash_string(mname);
  snprintf(mname, sizeof mname, "%s.ram", h->name);
  h->ram = ladon_imap_new(mname, h->hpa_domain);
  if (!h->ram)
    return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "%s: out of memory",
                            h->name);
  memset(&e, 0, sizeof e);
  ladon_error_clear(&e2);
  e.lo = 0;
  e.hi = h->low_ram_top - 1;
  e.target = 0;
  e.perms = LADON_IMAP_RWX;
  e.id = 0;
  if (ladon_imap_insert(h->ram, &e, &e2) == LADON_OK && h->high_ram_top) {
    e.lo = FOUR_GIB;
    e.hi = h->high_ram_top - 1;
    e.target = h->low_ram_top;
    e.id = 1;
    ladon_imap_insert(h->ram, &e, &e2);
  }
  if (e2.code != LADON_OK) {
    if (err) *err = e2;
    return e2.code;
  }
  h->alloc_lo = HOST_ALLOC_START;
  h->alloc_hi = size;
  return LADON_OK;
}

void ladon__host_mem_free(ladon__host *h) {
  ladon_imap_free(h->ram);
  h->ram = NULL;
  ladon__memory_free(h->mem);
  h->mem = NULL;
}

/* The two ranges of h->ram by arithmetic, as ladon__host_dram_to_hpa()
** inverts them: every DMA request asks, and a map lookup is a search. */
bool ladon__host_hpa_to_dram(const ladon__host *h, uint64_t hpa, uint64_t len,
                             uint64_t *dram) {
  uint64_t last = hpa + (len ? len - 1 : 0), out;
  if (last < hpa) return false;
  if (last < h->low_ram_top)
    out = hpa;
  else if (hpa >= FOUR_GIB && last < h->high_ram_top)
    out = h->low_ram_top + (hpa - FOUR_GIB);
  else
    return false;
  if (dram) *dram = out;
  return true;
}

uint64_t ladon__host_dram_to_hpa(const ladon__host *h, uint64_t dram) {
  return dram < h->low_ram_top ? dram : FOUR_GIB + (dram - h->low_ram_top);
}

/* Whether every byte of [hpa, hpa + n) is RAM. */
static bool all_ram(const ladon__host *h, uint64_t hpa, size_t n) {
  while (n) {
    const ladon_imap_entry *e = ladon_imap_lookup(h->ram, hpa);
    uint64_t k;
    if (!e) return false;
    k = e->hi - hpa + 1;
    if (k >= n) return true;
    hpa += k;
    n -= (size_t)k;
  }
  return true;
}

/* Copies between RAM and a buffer, range by range. */
static ladon_status mem_copy(const ladon__host *h, uint64_t hpa, uint8_t *p,
                             size_t n, bool write) {
  if (!all_ram(h, hpa, n)) return LADON_ERANGE;
  while (n) {
    const ladon_imap_entry *e = ladon_imap_lookup(h->ram, hpa);
    uint64_t k = e->hi - hpa + 1, dram = e->target + (hpa - e->lo);
    ladon_status st;
    if (k > n) k = n;
    st = write ? ladon__memory_write(h->mem, dram, p, (size_t)k)
               : ladon__memory_read(h->mem, dram, p, (size_t)k);
    if (st != LADON_OK) return st;
    p += k;
    hpa += k;
    n -= (size_t)k;
  }
  return LADON_OK;
}

ladon_status ladon__host_mem_write(ladon__host *host, uint64_t hpa,
                                   const void *src, size_t n) {
  if (!host || (n && !src)) return LADON_EINVAL;
  return mem_copy(host, hpa, (uint8_t *)(uintptr_t)src, n, true);
}

ladon_status ladon__host_mem_read(const ladon__host *host, uint64_t hpa,
                                  void *dst, size_t n) {
  if (!host || (n && !dst)) return LADON_EINVAL;
  return mem_copy(host, hpa, dst, n, false);
}

ladon_status ladon__host_mem_alloc(ladon__host *host, uint64_t bytes,
                                   uint64_t align, uint64_t *hpa) {
  uint64_t start;
  if (!host || !hpa || bytes == 0 || align == 0 || (align & (align - 1)))
    return LADON_EINVAL;
  start = (host->alloc_lo + align - 1) & ~(align - 1);
  /* Allocate in DRAM offsets, but alignment is of the host physical
  ** address: DRAM offsets and HPAs agree below the hole, and above it
  ** differ by 4 GiB - low_ram_top, a multiple of 1 MiB. */
  for (;;) {
    uint64_t a;
    if (start < host->alloc_lo || start > host->alloc_hi ||
        bytes > host->alloc_hi - start)
      return LADON_ENOMEM;
    a = ladon__host_dram_to_hpa(host, start);
    if (start < host->low_ram_top && start + bytes > host->low_ram_top) {
      start = host->low_ram_top; /* do not straddle the hole */
      continue;
    }
    if (a & (align - 1)) {
      start += align - (a & (align - 1));
      continue;
    }
    host->alloc_lo = start + bytes;
    *hpa = a;
    return LADON_OK;
  }
}

void ladon__host_mmio_space_get(const ladon__host *host,
                                ladon__host_mmio_space *out) {
  if (host && out) *out = host->mmio;
}

const ladon_imap *ladon__host_ram_map(const ladon__host *host) {
  return host ? host->ram : NULL;
}

uint32_t ladon__host_hpa_domain(const ladon__host *host) {
  return host ? host->hpa_domain : 0;
}
