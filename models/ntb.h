/*
** Non-transparent bridge (NTB): two PCIe endpoints, side A and side B, each
** in its own PCIe domain, joined by translating memory windows.
**
** Each side is a Type 0 function (an NT endpoint) with
**   BAR0  (64-bit, 64 KiB)  registers: doorbells, scratchpads, message
**                            registers, link status (models/ntb_regs.c);
**   BAR2  (64-bit, prefetchable) a memory window: a direct translation, or,
**                            with lut_entries > 0, a lookup table (LUT) that
**                            splits the BAR into N equal entries;
**   BAR4  (64-bit, prefetchable, optional) a direct-translation window.
** A memory request entering side s through an enabled window leaves the
** other side with the translated address and a proxy requester ID; the
** completions of non-posted requests come back with the original requester
** ID and tag restored.  docs/models/ntb.md gives the semantics and sources.
**
** Window programming is by "ingress side": ladon__ntb_set_window(ntb, s, ...)
** programs what a request entering side s through BAR `bar` becomes on the
** other side.  Linux ntb_mw_set_trans() on side L (exposing L's memory to the
** peer) is ladon__ntb_mw_set_trans(), which programs the peer's window.
*/
#ifndef LADON_MODELS_NTB_H
#define LADON_MODELS_NTB_H

#include <stdbool.h>
#include <stdint.h>

#include "ladon/error.h"
#include "ladon/imap.h"
#include "ladon/link.h"
#include "ladon/sim.h"
#include "ladon/units.h"

typedef struct ladon__ntb ladon__ntb;

enum { LADON__NTB_A = 0, LADON__NTB_B = 1, LADON__NTB_SIDES = 2 };

/* How windows are checked and how proxy IDs are formed. */
typedef enum ladon__ntb_style {
  /* Microchip Switchtec: direct window size a power of two >= 4 KiB (not above
  ** the BAR), translation 4 KiB-aligned; LUT translation aligned to the entry
  ** size; proxy ID = one function number per requester-ID table entry on the
  ** far NT endpoint's bus. */
  LADON__NTB_SWITCHTEC = 0,
  /* Broadcom/PLX: no limit registers (the whole BAR translates), translation
  ** aligned to the BAR size; A-LUT translation aligned to the entry size;
  ** proxy ID = far NT bus, device = requester-ID LUT index, original function. */
  LADON__NTB_PLX = 1
} ladon__ntb_style;

enum { LADON__NTB_MAX_RIDS = 255, LADON__NTB_MAX_LUT = 512, LADON__NTB_SPADS_MAX = 128,
       LADON__NTB_MSGS = 4 };

typedef struct ladon__ntb_config {
  ladon__ntb_style style;
  uint64_t bar2_bytes;        /* window BAR2 size (power of two >= 4 KiB) */
  uint64_t bar4_bytes;        /* window BAR4 size, 0 = no BAR4 */
  uint32_t lut_entries;       /* 0 = BAR2 is a direct window; else LUT entries */
  ladon_time_ps latency_ps;   /* translation latency: last symbol in to ready to leave */
  ladon_time_ps clock_period_ps;
  uint32_t rid_entries;       /* requester-ID table entries per side */
  bool id_protection;         /* posted requests need a listed requester ID */
  uint32_t doorbells;         /* 1..32 per side */
  uint32_t spads;             /* 1..128 scratchpads */
  uint16_t vendor_id, device_id;
  uint32_t tags;              /* outstanding non-posted requests per direction, 1..256 */
  uint32_t domain[LADON__NTB_SIDES]; /* imap domains of the two sides' bus addresses */
  ladon_port_config port;     /* ingress buffer credits of both ports */
} ladon__ntb_config;

/* Switchtec style, 1 MiB BAR2 direct window, no BAR4, no LUT, 100 ns, 1 GHz,
** 32 RID entries, ID protection off, 28 doorbells, 8 scratchpads, 256 tags,
** domains 0 (A) and 1 (B), default port credits. */
void ladon__ntb_config_default(ladon__ntb_config *cfg);

/* Creates an NTB named `name` (ports "<name>.a", "<name>.b"); NULL with `err`
** naming the parameter for impossible settings. */
ladon__ntb *ladon__ntb_new(ladon_sim *sim, const char *name, const ladon__ntb_config *cfg,
                           ladon_error *err);
/* Frees the NTB and every TLP it holds.  NULL is a no-op.  Free links first. */
void ladon__ntb_free(ladon__ntb *ntb);

/* Port of side `side` (0 = "a", 1 = "b"), or by name; NULL otherwise. */
ladon_port *ladon__ntb_port(ladon__ntb *ntb, unsigned side);
ladon_port *ladon__ntb_port_named(ladon__ntb *ntb, const char *name);
/* Side `side`'s configuration space (read-only view for tests and enumeration). */
typedef struct ladon__cfg ladon__cfg;
const ladon__cfg *ladon__ntb_cfg(const ladon__ntb *ntb, unsigned side);
/* The NT endpoint's routing ID on `side` (captured from Type 0 CfgWr). */
uint16_t ladon__ntb_endpoint_id(const ladon__ntb *ntb, unsigned side);

/* ---- windows (ntb_mw_set_trans / ntb_peer_mw_set_trans) ---------------- */

/*
** Requests entering side `side` through BAR `bar` (2 or 4, direct) at offset
** o < size_bytes go out of the other side at xlate + o.  size_bytes 0
** disables the window.  LADON_EINVAL with a message for a BAR that is not a
** direct window, a size above the BAR or not a power of two >= 4 KiB
** (Switchtec), a translation not 4 KiB-aligned (Switchtec) or not aligned to
** the BAR size (PLX), or a translation that wraps.
*/
ladon_status ladon__ntb_set_window(ladon__ntb *ntb, unsigned side, unsigned bar,
                                   uint64_t xlate, uint64_t size_bytes, ladon_error *err);
/* Linux ntb_mw_set_trans() run on side `local`: window `widx` (0 = BAR2,
** 1 = BAR4) of the peer lands on [addr, addr + size) in `local`'s domain. */
ladon_status ladon__ntb_mw_set_trans(ladon__ntb *ntb, unsigned local, unsigned widx,
                                     uint64_t addr, uint64_t size_bytes, ladon_error *err);
/*
** LUT entry `idx` of side `side`'s BAR2: when `enable`, requests at BAR2
** offset idx * entry + o go out at xlate + o.  LADON_EINVAL without a LUT,
** an index out of range, or a translation not aligned to the entry size.
*/
ladon_status ladon__ntb_set_lut(ladon__ntb *ntb, unsigned side, unsigned idx, bool enable,
                                uint64_t xlate, ladon_error *err);
/* The LUT entry size in bytes (0 without a LUT). */
uint64_t ladon__ntb_lut_entry_bytes(const ladon__ntb *ntb);

/* ---- requester IDs ------------------------------------------------------ */

/*
** Allows requester `rid` of side `side`'s domain to cross (entry `idx` of
** that side's table; `enable` false clears it).  Stores the proxy ID it gets
** in the other domain in *proxy (may be NULL).  PLX: the entry matches bus
** and device, any function.  LADON_EINVAL for an index out of range.
*/
ladon_status ladon__ntb_set_rid(ladon__ntb *ntb, unsigned side, unsigned idx, bool enable,
                                uint16_t rid, uint16_t *proxy, ladon_error *err);

/* ---- maps for the isolation checker ------------------------------------ */

/* Side `side`'s translation: its bus addresses (enabled BARs only) -> the other
** side's addresses.  Entry `user`: bar << 16 | LUT index (0xffff = direct). */
const ladon_imap *ladon__ntb_xlate_map(const ladon__ntb *ntb, unsigned side);
/* Side `side`'s requester-ID table: rid (or PLX rid range bb:dd.0-7) -> proxy. */
const ladon_imap *ladon__ntb_rid_map(const ladon__ntb *ntb, unsigned side);

/* ---- link, doorbells, scratchpads, messages ----------------------------- */

/* ntb_link_enable/disable: while down, posted requests are dropped and
** non-posted ones completed with UR.  The link is also down while either port
** has no link. */
void ladon__ntb_link_set(ladon__ntb *ntb, bool up);
bool ladon__ntb_link_is_up(const ladon__ntb *ntb);

/* Doorbells of side `side` (bits rung by the peer), clear (W1C), ring peer. */
uint32_t ladon__ntb_db_read(const ladon__ntb *ntb, unsigned side);
void ladon__ntb_db_clear(ladon__ntb *ntb, unsigned side, uint32_t bits);
void ladon__ntb_peer_db_set(ladon__ntb *ntb, unsigned side, uint32_t bits);
/* Scratchpad `idx` of side `side` (0 outside the range); writes out of range ignored. */
uint32_t ladon__ntb_spad_read(const ladon__ntb *ntb, unsigned side, unsigned idx);
void ladon__ntb_spad_write(ladon__ntb *ntb, unsigned side, unsigned idx, uint32_t v);
/* Message register `idx` (0..3) sent from `side` to the peer; LADON_EFULL
** while the peer's inbound status bit is still set (not delivered). */
ladon_status ladon__ntb_msg_write(ladon__ntb *ntb, unsigned side, unsigned idx, uint32_t msg);
/* Inbound message `idx` of `side`: false when none; else value and source side,
** and the status bit is cleared. */
bool ladon__ntb_msg_read(ladon__ntb *ntb, unsigned side, unsigned idx, uint32_t *msg,
                         unsigned *src);

/* Per-side error and traffic counters. */
typedef struct ladon__ntb_counters {
  uint64_t forwarded, completions_back, bar_errors, lut_errors, req_id_errors,
      link_down_drops, urs, posted_dropped, unexpected_cpls, reg_accesses;
} ladon__ntb_counters;
ladon_status ladon__ntb_counters_get(const ladon__ntb *ntb, unsigned side,
                                     ladon__ntb_counters *out);

#endif /* LADON_MODELS_NTB_H */
