/* What enumeration found and assigned in one PCIe domain. */
#ifndef LADON_FABRIC_ENUMERATE_INT_H
#define LADON_FABRIC_ENUMERATE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ladon__enum_bar {
  uint16_t reg;      /* configuration offset of the (low) BAR register */
  bool is64, prefetch;
  uint64_t size;     /* bytes (per VF for VF BARs); 0 = not implemented */
  uint64_t addr;     /* assigned bus address (VF BARs: of VF 1) */
} ladon__enum_bar;

typedef struct ladon__enum_fn {
  uint16_t bdf;
  uint32_t comp;        /* topology component answering here */
  const char *port;     /* the component's port it stands for (bridges; an
                           NTB's "a"/"b"; "up" for other endpoints) */
  uint32_t parent;      /* index of the bridge above, UINT32_MAX on bus 0 */
  bool bridge;
  uint8_t sec, sub;     /* bridges: bus range behind */
  uint16_t exp_cap, sriov_cap, msix_cap, acs_cap; /* 0 = absent */
  ladon__enum_bar bars[6];
  ladon__enum_bar vf_bars[6];
  uint16_t num_vfs, vf_offset, vf_stride;
  /* bridges: windows; sizes 0 = disabled */
  uint64_t mem_size, mem_align, mem_base;
  uint64_t pref_size, pref_align, pref_base;
} ladon__enum_fn;

/* The functions of one domain, in the order found (depth first). */
typedef struct ladon__enum_domain {
  uint32_t host_comp;
  ladon__enum_fn *fns;
  size_t n;
  uint32_t mps_bytes;
} ladon__enum_domain;

#endif
