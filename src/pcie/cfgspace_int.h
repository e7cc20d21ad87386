/*
** Configuration space of one PCIe function, as real registers.
**
** Every function (root port, switch port, endpoint, SR-IOV PF or VF, NTB
** endpoint) embeds one ladon__cfg.  It holds the 4 KiB space of PCIe Base 5.0
** §7.2 as bytes with per-bit attributes, so that configuration requests
** behave exactly as on hardware (§7.4):
**
**   RW      written bits take the value written (wmask bit set);
**   RW1C    a 1 written clears the bit, a 0 leaves it (w1c bit set);
**   RO, HwInit, RsvdP, RsvdZ
**           writes are ignored; reserved bits read 0.  (RsvdP and RsvdZ
**           differ only in what *software* must write, not in how the
**           device reacts, so the device side models them alike.)
**
** Storage: value, writable mask, RW1C mask and reset default per byte.  The
** 256 B PCI-compatible part is inline; the extended part (100h-FFFh) is
** allocated in 256 B steps only up to the highest extended capability, and
** everything above reads 0 (§7.6: no extended capabilities => the header at
** 100h reads 0).  A function without extended capabilities costs ~1.1 KiB.
**
** Side effects: builders register filters (run before a write commits, to
** apply rules a mask cannot express, such as "NumVFs is read-only while VF
** Enable is Set") and models register watches (run after a write, to update
** decoders when a BAR, a window, a bus number or an enable changes).
**
** Offsets are byte offsets into the space; multi-byte values are
** little-endian as on the wire (§2.2.7: a CfgWr carries one DW plus First DW
** Byte Enables).  Register names are those of Linux pci_regs.h (pci_regs.h).
*/
#ifndef LADON_PCIE_CFGSPACE_INT_H
#define LADON_PCIE_CFGSPACE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "ladon/error.h"
#include "pcie/pci_regs.h"

/* ======================================================================
** Core: the register file
** ==================================================================== */

typedef struct ladon__cfg ladon__cfg;

/* What a write did, passed to watches and filters. */
typedef struct ladon__cfg_write_ev {
  uint16_t off;     /* DW-aligned offset of the register DW written */
  uint8_t be;       /* First DW Byte Enables, bit i = byte off+i */
  uint32_t data;    /* the DW as carried by the request */
  uint32_t old_dw;  /* the DW before the write */
  uint32_t new_dw;  /* the DW after the write (what a read returns now) */
} ladon__cfg_write_ev;

/*
** Runs after a write that touched the watched range.  May read and write the
** space (nested writes run their own handlers).  Must not free `cfg`.
*/
typedef void (*ladon__cfg_watch_fn)(ladon__cfg *cfg, const ladon__cfg_write_ev *ev,
                                    void *ctx);

/*
** Runs before a write commits; returns the DW to store.  `proposed` is what
** the masks alone would store.  Used by capability builders for rules such
** as gated fields and discarded unsupported encodings.
*/
typedef uint32_t (*ladon__cfg_filter_fn)(ladon__cfg *cfg, uint16_t off, uint32_t old_dw,
                                         uint32_t proposed, void *ctx);

/* Runs at the end of ladon__cfg_reset(), after defaults are restored. */
typedef void (*ladon__cfg_reset_fn)(ladon__cfg *cfg, void *ctx);

/* Watch flags. */
enum {
  LADON__CFG_WATCH_CHANGES = 0u, /* call only if a watched byte changed */
  LADON__CFG_WATCH_ALL = 1u      /* call on every write touching the range
                                    (e.g. Initiate FLR, which reads 0) */
};

/* A handler over the byte range [lo, hi).  Any callback may be NULL. */
typedef struct ladon__cfg_handler {
  uint16_t lo, hi;
  unsigned flags;                 /* LADON__CFG_WATCH_* for `watch` */
  ladon__cfg_filter_fn filter;
  ladon__cfg_watch_fn watch;
  ladon__cfg_reset_fn reset;
  void *ctx;
  void (*free_ctx)(void *ctx);    /* called by ladon__cfg_free(), may be NULL */
} ladon__cfg_handler;

typedef enum ladon__bar_kind {
  LADON__BAR_NONE = 0,
  LADON__BAR_MEM32,  /* 32-bit memory BAR */
  LADON__BAR_MEM64,  /* lower half of a 64-bit memory BAR */
  LADON__BAR_IO,     /* I/O BAR */
  LADON__BAR_MEM64_HI /* upper half of the BAR below (not a BAR by itself) */
} ladon__bar_kind;

/* How a BAR (or VF BAR) is built. */
typedef struct ladon__cfg_bar_def {
  ladon__bar_kind kind;   /* MEM32, MEM64 or IO */
  bool prefetchable;      /* memory only */
  uint64_t size_bytes;    /* power of two; >= 16 (memory), 4..256 (I/O) */
} ladon__cfg_bar_def;

struct ladon__sriov; /* SR-IOV state, cfgcap_sriov.c */

struct ladon__cfg {
  uint8_t val[PCI_CFG_SPACE_SIZE];   /* what reads return */
  uint8_t wmask[PCI_CFG_SPACE_SIZE]; /* RW bits */
  uint8_t w1c[PCI_CFG_SPACE_SIZE];   /* RW1C bits */
  uint8_t dflt[PCI_CFG_SPACE_SIZE];  /* value after reset */
  uint8_t *ext_val, *ext_wmask, *ext_w1c, *ext_dflt; /* from 100h */
  uint16_t ext_len;                  /* bytes allocated from 100h */
  uint8_t header_type;               /* PCI_HEADER_TYPE_NORMAL / _BRIDGE */
  bool is_vf;
  uint8_t io_window;                 /* Type 1: 0, 16 or 32 */
  uint8_t pref_window;               /* Type 1: 0, 32 or 64 */
  uint8_t cap_last;                  /* last capability in the list, 0 = none */
  uint16_t ext_last;                 /* last extended capability, 0 = none */
  uint16_t exp_off, pm_off, msix_off, acs_off, ari_off, sriov_off; /* 0 = absent */
  uint32_t used[PCI_CFG_SPACE_EXP_SIZE / 4 / 32]; /* allocated DWs */
  ladon__cfg_bar_def bars[6];
  uint32_t rom_size;                 /* 0 = no Expansion ROM */
  ladon__cfg_handler *handlers;
  unsigned n_handlers, cap_handlers;
  struct ladon__sriov *sriov;        /* NULL without SR-IOV capability */
};

/* Frees the space, its handlers' contexts and all memory.  NULL is a no-op. */
void ladon__cfg_free(ladon__cfg *cfg);

/*
** Reads the DW at `off` (low two bits ignored).  Offsets from 1000h up and
** unimplemented extended space read 0.  NULL reads 0.
*/
uint32_t ladon__cfg_read_dw(const ladon__cfg *cfg, uint16_t off);

/*
** Reads `len` (1, 2 or 4) naturally aligned bytes at `off` into *out.
** LADON_EINVAL for a misaligned or out-of-space access (an access crossing a
** DW cannot be expressed by a configuration request, §7.2.2).
*/
ladon_status ladon__cfg_read(const ladon__cfg *cfg, uint16_t off, unsigned len,
                             uint32_t *out);

/* Like ladon__cfg_read() but returns the value; 0 for a bad access. */
uint32_t ladon__cfg_peek(const ladon__cfg *cfg, uint16_t off, unsigned len);

/*
** The configuration write of a CfgWr TLP: DW-aligned `off`, First DW Byte
** Enables `be` (0..15; 0 writes nothing) and the DW `data`.  Applies the bit
** attributes, then filters, commits, then runs watches.  LADON_EINVAL for a
** misaligned `off`, `off` >= 1000h or `be` > 15.
*/
ladon_status ladon__cfg_write_dw(ladon__cfg *cfg, uint16_t off, uint8_t be, uint32_t data);

/* Writes `len` (1, 2 or 4) naturally aligned bytes: ladon__cfg_write_dw()
** with the matching byte enables. */
ladon_status ladon__cfg_write(ladon__cfg *cfg, uint16_t off, unsigned len, uint32_t value);

/*
** Builder side: defines the bits under `mask` of the `len`-byte (1..4) field
** at `off`: their value (also the reset default) and whether each is RW
** (`rw`) or RW1C (`w1c`); other bits are read-only.  Bits outside `mask`
** keep their definition.  Grows the extended part as needed.  LADON_EINVAL
** for a field outside 0..FFFh.
*/
ladon_status ladon__cfg_def_bits(ladon__cfg *cfg, uint16_t off, unsigned len, uint32_t mask,
                                 uint32_t value, uint32_t rw, uint32_t w1c);

/* ladon__cfg_def_bits() over the whole field. */
ladon_status ladon__cfg_def(ladon__cfg *cfg, uint16_t off, unsigned len, uint32_t value,
                            uint32_t rw, uint32_t w1c);

/*
** Model side: sets the bits under `mask` of a field to `value` regardless of
** their attributes (hardware updating status, e.g. Link Status, a RW1C error
** bit being set).  Does not change reset defaults and runs no handlers.
** LADON_EINVAL outside the implemented space.
*/
ladon_status ladon__cfg_poke(ladon__cfg *cfg, uint16_t off, unsigned len, uint32_t mask,
                             uint32_t value);

/* Adds a handler (copied).  LADON_ENOMEM, or LADON_EINVAL for a bad range. */
ladon_status ladon__cfg_add_handler(ladon__cfg *cfg, const ladon__cfg_handler *h);

/*
** Registers `fn(cfg, ev, ctx)` to run after writes that touch
** [off, off + len_bytes): only when a byte there changed, or on every such
** write with LADON__CFG_WATCH_ALL.  Watches run in registration order, after
** the capability builders' own handlers.  `ctx` is borrowed.
*/
ladon_status ladon__cfg_watch(ladon__cfg *cfg, uint16_t off, uint16_t len_bytes,
                              unsigned flags, ladon__cfg_watch_fn fn, void *ctx);

/*
** Conventional Reset (§6.6.1): every register returns to its default, then
** reset handlers run.  Sticky (RWS/RW1CS) bits are not modelled apart, so
** they reset too; models that need FLR's narrower scope (§6.6.2) keep the
** fields FLR preserves themselves.
*/
void ladon__cfg_reset(ladon__cfg *cfg);

/* ======================================================================
** Headers (cfgspace_hdr.c), §7.5.1
** ==================================================================== */

/* Identity of a function. */
typedef struct ladon__cfg_ids {
  uint16_t vendor_id;
  uint16_t device_id;
  uint8_t revision_id;
  uint32_t class_code;       /* base << 16 | sub-class << 8 | prog-if */
  uint16_t subsys_vendor_id; /* Type 0 only */
  uint16_t subsys_id;        /* Type 0 only */
  bool multifunction;        /* Header Type bit 7 */
  uint8_t interrupt_pin;     /* 0 none, 1..4 INTA..INTD */
} ladon__cfg_ids;

/* Optional parts of a Type 1 header. */
typedef struct ladon__cfg_bridge_opts {
  uint8_t io_window;   /* 0: no I/O window; 16 or 32-bit I/O addressing */
  uint8_t pref_window; /* 0: no prefetchable window; 32 or 64-bit */
  bool vga;            /* ISA Enable, VGA Enable, VGA 16-bit Decode implemented */
} ladon__cfg_bridge_opts;

/*
** A Type 0 (endpoint) space.  Returns a new space owned by the caller, or
** NULL with `err` filled (LADON_EINVAL for a bad interrupt pin, LADON_ENOMEM).
*/
ladon__cfg *ladon__cfg_new_type0(const ladon__cfg_ids *ids, ladon_error *err);

/* A Type 1 (PCI-PCI bridge: root port, switch port) space; as above. */
ladon__cfg *ladon__cfg_new_type1(const ladon__cfg_ids *ids, const ladon__cfg_bridge_opts *opts,
                                 ladon_error *err);

/*
** A VF's Type 0 space (§9.3.4.1): Vendor and Device ID read FFFFh, the BARs
** and Expansion ROM read 0, Command's I/O and Memory Space Enable and
** Interrupt Disable read 0 (VF memory is enabled by VF MSE in the PF), SERR#
** Enable and Parity Error Response are RsvdP (§9.4.1), Interrupt Pin is 0.
** `ids` gives class code, revision and subsystem IDs; its vendor and device
** IDs are ignored.
*/
ladon__cfg *ladon__cfg_new_vf(const ladon__cfg_ids *ids, ladon_error *err);

/* A decoded Type 1 window. */
typedef struct ladon__cfg_window {
  uint64_t base;     /* first address */
  uint64_t limit;    /* last address (inclusive) */
  bool implemented;  /* the bridge has this window at all */
  bool valid;        /* implemented and base <= limit */
  bool enabled;      /* valid and the Command enable (Memory or I/O) is set */
} ladon__cfg_window;

/* What software programmed into a Type 1 header, decoded (§7.5.1.3). */
typedef struct ladon__cfg_bridge {
  uint8_t primary, secondary, subordinate;
  bool bus_valid;           /* secondary != 0 and secondary <= subordinate */
  ladon__cfg_window mem;    /* Memory Base/Limit, 1 MiB granularity, 32-bit */
  ladon__cfg_window pref;   /* Prefetchable, 1 MiB granularity, 32/64-bit */
  ladon__cfg_window io;     /* I/O Base/Limit, 4 KiB granularity */
  bool pref_64;             /* prefetchable window decodes 64-bit addresses */
  bool bus_master;          /* Command Bus Master Enable: forwards upstream */
  bool secondary_reset;     /* Bridge Control Secondary Bus Reset is Set */
  uint16_t bridge_control;  /* raw Bridge Control */
} ladon__cfg_bridge;

/* Decodes the windows and bus numbers.  LADON_EINVAL if not a Type 1 space. */
ladon_status ladon__cfg_bridge_decode(const ladon__cfg *cfg, ladon__cfg_bridge *out);

/* ======================================================================
** BARs and Expansion ROM (cfgspace_bar.c), §7.5.1.2.1
** ==================================================================== */

/*
** Implements BAR `bar` (0..5 Type 0, 0..1 Type 1; a 64-bit BAR also takes
** bar + 1).  Rejects, naming the BAR in `err`: sizes that are not a power of
** two or are below 16 B (memory) / 4 B (I/O), I/O BARs above 256 B, 32-bit
** BARs above 2 GiB, a 64-bit BAR without room for its upper half, a BAR
** already taken, and any BAR on a VF (LADON_ESPEC / LADON_ERANGE /
** LADON_EEXIST / LADON_EINVAL).  Writing all ones then reads back the size
** mask, as firmware sizing expects.
*/
ladon_status ladon__cfg_add_bar(ladon__cfg *cfg, unsigned bar, const ladon__cfg_bar_def *def,
                                ladon_error *err);

/* Expansion ROM BAR of `size_bytes` (power of two, 2 KiB..2 GiB). */
ladon_status ladon__cfg_add_rom(ladon__cfg *cfg, uint32_t size_bytes, ladon_error *err);

/* A BAR's current address range. */
typedef struct ladon__cfg_range {
  uint64_t base;
  uint64_t size_bytes;
  ladon__bar_kind kind;
  bool prefetchable;
  bool enabled;       /* decoding: Command Memory (or I/O) Space Enable set */
} ladon__cfg_range;

/* The programmed range of BAR `bar`.  LADON_ENOENT if it is not a BAR. */
ladon_status ladon__cfg_bar_range(const ladon__cfg *cfg, unsigned bar, ladon__cfg_range *out);

/* The Expansion ROM range; enabled needs ROM Enable and Memory Space Enable. */
ladon_status ladon__cfg_rom_range(const ladon__cfg *cfg, ladon__cfg_range *out);

/*
** Shared with VF BARs: checks `def` for BAR `bar` of `nbars`, naming it
** "<label><bar>" in `err`.
*/
ladon_status ladon__bar_def_check(const ladon__cfg_bar_def *def, unsigned bar, unsigned nbars,
                                  const char *label, ladon_error *err);

/* The read-only type bits and the writable address bits of each half. */
void ladon__bar_masks(const ladon__cfg_bar_def *def, uint32_t *flags, uint32_t *lo_wmask,
                      uint32_t *hi_wmask);

/* ======================================================================
** Capability lists (cfgspace.c), §7.5.1.1.11 and §7.6.3
** ==================================================================== */

/*
** Appends a capability of `len` bytes with ID `id` to the list at
** PCI_CAPABILITY_LIST (setting Status.Capabilities List), at byte `at`
** (DW-aligned, 40h..FFh) or, with `at` = 0, at the first free DWs.  Its ID
** and Next Pointer are read-only.  Stores the offset in *off_out.
** LADON_EFULL when no room, LADON_EEXIST when `at` overlaps, LADON_EINVAL.
*/
ladon_status ladon__cfg_add_cap(ladon__cfg *cfg, uint8_t id, uint16_t len, uint16_t at,
                                uint16_t *off_out, ladon_error *err);

/*
** Appends an extended capability (ID, version) of `len` bytes to the list
** starting at 100h.  The first one must sit at 100h (§7.6.3), so `at` must be
** 0 or 100h for it; later ones anywhere free (DW-aligned, 100h..FFFh).
*/
ladon_status ladon__cfg_add_ext_cap(ladon__cfg *cfg, uint16_t id, uint8_t version,
                                    uint16_t len, uint16_t at, uint16_t *off_out,
                                    ladon_error *err);

/* Walks the lists from their heads, as software does; 0 if absent.  A looping
** or out-of-range list ends the walk. */
uint16_t ladon__cfg_find_cap(const ladon__cfg *cfg, uint8_t id);
uint16_t ladon__cfg_find_ext_cap(const ladon__cfg *cfg, uint16_t id);

/* ======================================================================
** PCI Express Capability (cfgcap_exp.c), §7.5.3
** ==================================================================== */

typedef struct ladon__cfg_exp_opts {
  uint8_t port_type;          /* PCI_EXP_TYPE_* */
  bool slot;                  /* Slot Implemented (root / downstream ports) */
  uint16_t slot_number;       /* Physical Slot Number (13 bits) */
  uint8_t irq_msg_num;        /* Interrupt Message Number (5 bits) */
  uint8_t mps_supported;      /* DevCap Max_Payload_Size Supported: 0..5 = 128 << n */
  bool ext_tag;               /* DevCap Extended Tag Field Supported */
  bool flr;                   /* DevCap Function Level Reset Capability */
  uint8_t max_link_speed;     /* LnkCap: 1..6 = 2.5..64 GT/s */
  uint8_t max_link_width;     /* LnkCap: 1, 2, 4, 8, 12, 16 or 32 */
  uint8_t port_number;        /* LnkCap Port Number */
  bool dlll_active_reporting; /* LnkCap Data Link Layer Link Active Reporting */
  bool rcb_128;               /* Root Port: its Read Completion Boundary is 128 B */
  uint8_t cpl_timeout_ranges; /* DevCap2 Completion Timeout Ranges (A..D = bits 0..3) */
  bool cpl_timeout_disable;   /* DevCap2 Completion Timeout Disable Supported */
  bool ari_forwarding;        /* DevCap2 ARI Forwarding Supported (DP / RP only) */
  bool tag10_completer;       /* DevCap2 10-Bit Tag Completer Supported */
  bool tag10_requester;       /* DevCap2 10-Bit Tag Requester Supported */
} ladon__cfg_exp_opts;

/*
** Adds the PCI Express Capability (version 2, 3Ch bytes).  Checks the port
** type against the header type (and a VF must be an endpoint), slots and ARI
** Forwarding only on root / downstream ports, MPS <= 4096 B, link speed 1..6
** and a spec link width, 10-bit Tag Requester only with Completer (LADON_ESPEC
** / LADON_EINVAL, naming the field).  LnkSta starts at the maximum speed and
** width; models update it with ladon__cfg_exp_set_link().
*/
ladon_status ladon__cfg_add_exp(ladon__cfg *cfg, const ladon__cfg_exp_opts *o,
                                uint16_t *off_out, ladon_error *err);

/* What software programmed, decoded. */
typedef struct ladon__cfg_exp_state {
  uint8_t port_type;
  uint32_t mps_bytes;        /* DevCtl Max_Payload_Size */
  uint32_t mrrs_bytes;       /* DevCtl Max_Read_Request_Size */
  bool relaxed_ordering, no_snoop, ext_tag, tag10_requester;
  bool ari_forwarding;       /* DevCtl2 ARI Forwarding Enable */
  uint8_t cpl_timeout_value; /* DevCtl2 Completion Timeout Value encoding */
  bool cpl_timeout_disabled;
  uint8_t link_speed, link_width; /* LnkSta */
  bool dll_link_active;
} ladon__cfg_exp_state;

/* LADON_ENOENT without a PCI Express Capability. */
ladon_status ladon__cfg_exp_get(const ladon__cfg *cfg, ladon__cfg_exp_state *out);

/* Model side: LnkSta Current Link Speed / Negotiated Width / DL_Active.
** LADON_ERANGE above the LnkCap maxima, LADON_ENOENT without a link. */
ladon_status ladon__cfg_exp_set_link(ladon__cfg *cfg, uint8_t speed, uint8_t width,
                                     bool dll_active);

/*
** The range of a Completion Timeout Value encoding (§7.5.3.16) in ps.
** Returns false for reserved encodings.
*/
bool ladon__exp_cpl_timeout_ps(uint8_t value, uint64_t *min_ps, uint64_t *max_ps);

/* ======================================================================
** Power Management (cfgcap_pm.c), §7.5.2; MSI-X (cfgcap_msix.c), §7.7.2
** ==================================================================== */

typedef struct ladon__cfg_pm_opts {
  bool d1, d2;           /* D1 / D2 supported (D0 and D3hot always are) */
  uint8_t pme_support;   /* PME_Support: bit 0 D0 .. bit 4 D3cold */
  bool no_soft_reset;    /* D3hot -> D0 keeps the function's state */
} ladon__cfg_pm_opts;

ladon_status ladon__cfg_add_pm(ladon__cfg *cfg, const ladon__cfg_pm_opts *o, uint16_t *off_out,
                               ladon_error *err);

/* Current PowerState (PCI_D0..PCI_D3hot); PCI_D0 without the capability. */
unsigned ladon__cfg_pm_state(const ladon__cfg *cfg);

typedef struct ladon__cfg_msix_opts {
  uint16_t table_size;    /* entries, 1..2048 */
  uint8_t table_bir;      /* BAR (VF BAR for a VF) holding the table */
  uint32_t table_offset;  /* QW-aligned */
  uint8_t pba_bir;
  uint32_t pba_offset;    /* QW-aligned */
  const ladon__cfg *pf;   /* for a VF: its PF, to check the VF BARs; may be NULL */
} ladon__cfg_msix_opts;

/*
** Adds MSI-X.  Checks table size, QW alignment, that each BIR names a memory
** BAR large enough for the structure, and that table and PBA do not overlap
** (LADON_ESPEC / LADON_EINVAL).
*/
ladon_status ladon__cfg_add_msix(ladon__cfg *cfg, const ladon__cfg_msix_opts *o,
                                 uint16_t *off_out, ladon_error *err);

typedef struct ladon__cfg_msix_state {
  bool enabled;           /* MSI-X Enable */
  bool function_mask;     /* Function Mask */
  uint16_t table_size;    /* entries */
  uint8_t table_bir, pba_bir;
  uint32_t table_offset, pba_offset;
} ladon__cfg_msix_state;

ladon_status ladon__cfg_msix_get(const ladon__cfg *cfg, ladon__cfg_msix_state *out);

/* ======================================================================
** ACS (cfgcap_acs.c), §7.7.8; ARI (cfgcap_ari.c), §7.8.7
** ==================================================================== */

typedef struct ladon__cfg_acs_opts {
  uint16_t cap;                /* PCI_ACS_SV | _TB | _RR | _CR | _UF | _EC | _DT */
  uint16_t egress_vector_bits; /* with PCI_ACS_EC: 1..256 */
} ladon__cfg_acs_opts;

/*
** Adds ACS; each control bit is RW only if its capability bit is set.  Needs
** the PCI Express Capability first: Source Validation, Translation Blocking
** and Upstream Forwarding apply to root and downstream ports only.
*/
ladon_status ladon__cfg_add_acs(ladon__cfg *cfg, const ladon__cfg_acs_opts *o,
                                uint16_t *off_out, ladon_error *err);

/* ACS Control register (enabled features); 0 without the capability. */
uint16_t ladon__cfg_acs_ctrl(const ladon__cfg *cfg);

typedef struct ladon__cfg_ari_opts {
  uint8_t next_function; /* Next Function Number (0 ends the chain) */
  bool mfvc_fg, acs_fg;  /* Function Groups capabilities */
} ladon__cfg_ari_opts;

ladon_status ladon__cfg_add_ari(ladon__cfg *cfg, const ladon__cfg_ari_opts *o, uint16_t *off_out,
                                ladon_error *err);

/* ======================================================================
** SR-IOV (cfgcap_sriov.c), §9.3.3
** ==================================================================== */

/*
** Recomputes First VF Offset and VF Stride after NumVFs or ARI Capable
** Hierarchy changed (§9.3.3.9-10 allow both to depend on them).  Writes the
** new values to *first_vf_offset and *vf_stride (preset to the current ones).
*/
typedef void (*ladon__sriov_rid_fn)(void *ctx, uint16_t num_vfs, bool ari,
                                    uint16_t *first_vf_offset, uint16_t *vf_stride);

typedef struct ladon__cfg_sriov_opts {
  uint16_t initial_vfs;          /* InitialVFs (= TotalVFs without VF Migration) */
  uint16_t total_vfs;            /* TotalVFs */
  uint16_t first_vf_offset;      /* First VF Offset (NumVFs = 0, no ARI) */
  uint16_t vf_stride;            /* VF Stride */
  uint16_t vf_device_id;         /* VF Device ID */
  uint8_t func_dep_link;         /* Function Dependency Link */
  uint32_t supported_page_sizes; /* bit n = 2^(n+12) B; 0 = the required 553h */
  bool ari_capable_hier_rw;      /* lowest-numbered PF: ARI Capable Hierarchy is RW */
  bool ari_preserved;            /* ARI Capable Hierarchy Preserved */
  bool vf_tag10_requester;       /* VF 10-Bit Tag Requester Supported */
  bool vf_migration;             /* VF Migration Capable */
  uint16_t vf_migration_irq;     /* VF Migration Interrupt Message Number (11 bits) */
  uint32_t vf_migration_state;   /* VF Migration State Array Offset (BIR | offset) */
  ladon__cfg_bar_def vf_bars[PCI_SRIOV_NUM_BARS]; /* per-VF sizes; memory only */
  ladon__sriov_rid_fn recompute; /* NULL: offset and stride are fixed */
  void *recompute_ctx;
} ladon__cfg_sriov_opts;

/*
** Adds the SR-IOV Extended Capability to a PF.  Checks InitialVFs <=
** TotalVFs (equal without VF Migration), a non-zero First VF Offset and VF
** Stride where VFs need them, the required page sizes, and the VF BARs
** (LADON_ESPEC / LADON_EINVAL, naming the field).  Run-time rules are
** described in docs/config-space.md: NumVFs is read-only while VF Enable is
** Set, and a NumVFs above TotalVFs (undefined in §9.3.3.7) is discarded.
*/
ladon_status ladon__cfg_add_sriov(ladon__cfg *cfg, const ladon__cfg_sriov_opts *o,
                                  uint16_t *off_out, ladon_error *err);

typedef struct ladon__cfg_sriov_state {
  bool vf_enable, vf_mse, ari_capable_hier;
  uint16_t initial_vfs, total_vfs, num_vfs;
  uint16_t first_vf_offset, vf_stride, vf_device_id;
  uint64_t page_size_bytes;      /* System Page Size */
} ladon__cfg_sriov_state;

ladon_status ladon__cfg_sriov_get(const ladon__cfg *cfg, ladon__cfg_sriov_state *out);

/* Routing ID of VF n (1-based), mod 2^16 (§9.3.3.9-10). */
static inline uint16_t ladon__sriov_vf_rid(uint16_t pf_rid, uint16_t first_vf_offset,
                                           uint16_t vf_stride, uint32_t n) {
  return (uint16_t)((uint32_t)pf_rid + first_vf_offset + (n - 1u) * (uint32_t)vf_stride);
}

/* Routing ID of VF n (1..NumVFs) of this PF at `pf_rid`; LADON_ERANGE else. */
ladon_status ladon__cfg_sriov_vf_rid(const ladon__cfg *cfg, uint16_t pf_rid, uint32_t n,
                                     uint16_t *rid);

/* A VF BAR: per-VF size and the whole region (NumVFs x size, §9.3.3.14). */
typedef struct ladon__cfg_vf_bar {
  uint64_t base;          /* VF 1's BAR */
  uint64_t size_bytes;    /* per VF: max(declared size, System Page Size) */
  uint64_t total_bytes;   /* NumVFs x size_bytes */
  ladon__bar_kind kind;
  bool prefetchable;
  bool enabled;           /* VF Enable, VF MSE and NumVFs > 0 */
} ladon__cfg_vf_bar;

/* VF BAR `k` (0..5).  LADON_ENOENT if it is not a VF BAR. */
ladon_status ladon__cfg_sriov_vf_bar(const ladon__cfg *cfg, unsigned k, ladon__cfg_vf_bar *out);

/* VF n's (1..NumVFs) address in VF BAR k: base + (n - 1) x size. */
ladon_status ladon__cfg_sriov_vf_bar_addr(const ladon__cfg *cfg, unsigned k, uint32_t n,
                                          uint64_t *addr);

/*
** What a PF driver does to create VFs, through ordinary config writes:
** NumVFs = num_vfs, then VF Enable and VF MSE.  Rejects num_vfs > TotalVFs
** with LADON_ERANGE (a device configured with more VFs than it has), and
** LADON_ESTATE if VF Enable is already Set.
*/
ladon_status ladon__cfg_sriov_enable(ladon__cfg *cfg, uint16_t num_vfs, ladon_error *err);

#endif /* LADON_PCIE_CFGSPACE_INT_H */
