/*
** Internals of the NTB model (models/ntb.h).
**
** Files:
**   ntb.c        construction, configuration spaces, statistics, component type
**   ntb_xlate.c  window, LUT and requester-ID programming; the translation maps
**   ntb_path.c   the datapath: ingress decision, translation, tag tracking,
**                egress queues with credits and back-pressure, completions
**   ntb_regs.c   BAR0 registers: doorbells, scratchpads, message registers
**
** Egress queues: per side, one FIFO per flow-control class.  They are served
** posted first, then completions, then non-posted requests: a posted request
** may pass both (PCIe Base 5.0 §2.4.1, Table 2-40 A3/A4), a completion may
** pass a non-posted request (D3), and no class passes an older TLP of its own
** class or an older posted request, which is all the table requires.
*/
#ifndef LADON_MODELS_NTB_INT_H
#define LADON_MODELS_NTB_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "ladon/imap.h"
#include "ladon/link.h"
#include "ladon/stats.h"
#include "ladon/tlp.h"
#include "models/ntb.h"
#include "pcie/cfgspace_int.h"

/* BAR0 register offsets (this model's layout; docs/models/ntb.md). */
#define LADON__NTB_REG_DB 0x000u        /* inbound doorbells, RW1C */
#define LADON__NTB_REG_DB_MASK 0x004u   /* doorbell mask, RW */
#define LADON__NTB_REG_PEER_DB 0x008u   /* write 1s: ring the peer, reads 0 */
#define LADON__NTB_REG_LINK 0x00cu      /* bit 0: link up, RO */
#define LADON__NTB_REG_MSG_STS 0x010u   /* bits 0..3: inbound message valid, RW1C */
#define LADON__NTB_REG_MSG_OUT 0x020u   /* + 4i: outbound message i, WO */
#define LADON__NTB_REG_MSG_IN 0x030u    /* + 4i: inbound message i, RO */
#define LADON__NTB_REG_MSG_SRC 0x040u   /* + 4i: its source side, RO */
#define LADON__NTB_REG_SPAD 0x100u      /* + 4i: own scratchpads, RW */
#define LADON__NTB_REG_PEER_SPAD 0x400u /* + 4i: the peer's scratchpads, RW */
#define LADON__NTB_REG_MSIX 0x8000u    /* MSI-X table: one doorbell vector */
#define LADON__NTB_REG_PBA 0x9000u     /* its Pending Bit Array, RO */
#define LADON__NTB_BAR0_BYTES 0x10000u

enum { LADON__NTB_Q_P = 0, LADON__NTB_Q_CPL = 1, LADON__NTB_Q_NP = 2, LADON__NTB_QS = 3 };

/* A TLP waiting to leave by one side. */
typedef struct ladon__ntb_item {
  struct ladon__ntb_item *next;
  ladon_tlp *tlp;
  ladon_time_ps t_arrive_ps;
  ladon_time_ps t_ready_ps;
  uint16_t orig_rid, orig_tag; /* non-posted requests: what the completions restore */
  unsigned in_side;       /* ingress port whose credits it holds */
  bool holds_credits;     /* ingress credits return when it leaves */
  ladon_tlp_class cr_cls; /* credits held: 1 header + cr_data data */
  uint8_t cr_tc;
  uint32_t cr_data;
} ladon__ntb_item;

typedef struct ladon__ntb_fifo {
  ladon__ntb_item *head, *tail;
} ladon__ntb_fifo;

/* A non-posted request forwarded out of a side, waiting for its completions. */
typedef struct ladon__ntb_tag {
  bool used;
  uint16_t orig_rid, orig_tag, proxy;
} ladon__ntb_tag;

typedef struct ladon__ntb_win {
  uint64_t xlate, size_bytes; /* size 0: disabled */
} ladon__ntb_win;

typedef struct ladon__ntb_lut {
  uint64_t xlate;
  bool enabled;
} ladon__ntb_lut;

typedef struct ladon__ntb_rid {
  uint16_t rid;
  bool enabled;
} ladon__ntb_rid;

typedef struct ladon__ntb_stats {
  ladon_counter *forwarded, *bar_errors, *lut_errors, *req_id_errors, *link_down_drops,
      *urs, *unexpected_cpls, *db_interrupts;
  ladon_hist *transit_ps;
} ladon__ntb_stats;

typedef struct ladon__ntb_side {
  struct ladon__ntb *ntb;
  unsigned idx;                 /* LADON__NTB_A or LADON__NTB_B */
  ladon_port *port;
  ladon__cfg *cfg;
  /* BAR0 (registers) and BAR2 (LUT) as decoded after the last BAR or
  ** Command write (ladon__ntb_decode_bars): read per TLP. */
  ladon__cfg_range bar0, bar2;
  uint16_t rid;                 /* captured routing ID */
  ladon__ntb_win win[6];        /* direct windows by BAR number */
  ladon__ntb_lut *lut;          /* lut_entries entries (BAR2) */
  ladon__ntb_rid *rids;         /* rid_entries entries */
  uint32_t rids_on;             /* how many are enabled (ladon__ntb_rebuild_rids) */
  ladon_imap *xmap, *ridmap;
  /* Egress: TLPs leaving by this side. */
  ladon__ntb_fifo q[LADON__NTB_QS];
  ladon_event_id ev;
  ladon_time_ps ev_time;
  ladon__ntb_tag *tags;         /* requests that left by this side */
  uint32_t tag_next;
  /* Registers. */
  uint32_t db, db_mask, spad[LADON__NTB_SPADS_MAX];
  uint32_t msix[4];             /* the doorbell vector's MSI-X table entry */
  uint32_t db_signalled;        /* set doorbells already signalled */
  bool msix_pending;            /* its Pending Bit */
  uint32_t msg_in[LADON__NTB_MSGS], msg_src[LADON__NTB_MSGS], msg_sts;
  ladon__ntb_counters c;
  ladon__ntb_stats st;
} ladon__ntb_side;

struct ladon__ntb {
  ladon_sim *sim;
  char *name;
  ladon__ntb_config cfg;
  bool link_enabled;
  ladon__ntb_side s[LADON__NTB_SIDES];
  ladon__ntb_item *spare;       /* items that left, kept for reuse (next) */
};

/* ---- ntb_xlate.c ---- */
/* Refreshes side `side`'s copies of its BAR0 and BAR2 ranges and rebuilds
** its translation map: after every BAR or Command write. */
void ladon__ntb_decode_bars(ladon__ntb *ntb, unsigned side);
/* Rebuilds side `side`'s translation map from its BARs and tables. */
void ladon__ntb_rebuild(ladon__ntb *ntb, unsigned side);
/* Rebuilds side `side`'s requester-ID map (after a table write or after the
** far endpoint's routing ID changed). */
void ladon__ntb_rebuild_rids(ladon__ntb *ntb, unsigned side);
/* The proxy ID the requester `rid` of `side` gets on the other side, and
** whether it is listed in `side`'s requester-ID table. */
uint16_t ladon__ntb_proxy(const ladon__ntb *ntb, unsigned side, uint16_t rid, bool *listed);

/* ---- ntb_path.c ---- */
void ladon__ntb_deliver(void *owner, ladon_port *port, ladon_tlp *tlp);
void ladon__ntb_tx_ready(void *owner, ladon_port *port);
void ladon__ntb_path_free(ladon__ntb *ntb);
/* Queues a posted request the NT endpoint of `side` originates (its MSI-X
** message) to leave by that side. */
void ladon__ntb_send_own(ladon__ntb *ntb, unsigned side, ladon_tlp *t);

/* ---- ntb_regs.c ---- */
/* A memory request to BAR0 at `off`: applies a write, or returns the
** completion of a read (NULL for writes or out of memory). */
ladon_tlp *ladon__ntb_regs_access(ladon__ntb *ntb, unsigned side, uint64_t off,
                                  const ladon_tlp *req);
/* Signals the doorbell vector of `side` if an unmasked doorbell is set and
** MSI-X lets it (after a ring, an unmask, or an MSI-X control change). */
void ladon__ntb_db_update(ladon__ntb *ntb, unsigned side);

#endif /* LADON_MODELS_NTB_INT_H */
