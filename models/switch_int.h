/*
** Internals of the switch model (models/switch.h).
**
** Files:
**   switch.c        construction, ports, statistics, the component type
**   switch_cfg.c    the ports' configuration spaces, decoding them into
**                   the routing tables, and answering configuration
**                   requests addressed to the switch's own functions
**   switch_route.c  the routing decision for one TLP at its ingress port
**                   (address, ID, configuration, messages, ACS)
**   switch_xbar.c   ingress buffers, forwarding time, egress arbitration
**                   and ordering, completions the switch generates
**
** Ingress buffers are virtual output queues: for every ingress port i,
** egress port e and flow-control class c, a FIFO voq[i][e][c].  PCIe
** ordering binds only TLPs of one ingress->egress stream (§2.4.1), so
** queues per egress keep a congested egress from blocking the others, and
** one queue per class lets posted requests pass blocked non-posted ones
** and completions (Table 2-42 A3/A4, D3/D4) while non-posted requests and
** completions wait behind older posted requests (B2a, C2a, D2a) unless RO
** or IDO allow them through.  Completions the switch itself generates for
** requests entering port i (UR, configuration) wait in voq[i][i].
*/
#ifndef LADON_MODELS_SWITCH_INT_H
#define LADON_MODELS_SWITCH_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "ladon/imap.h"
#include "ladon/link.h"
#include "ladon/stats.h"
#include "models/switch.h"
#include "pcie/cfgspace_int.h"
#include "pcie/phy_int.h"

enum { LADON__SW_CLS_P = 0, LADON__SW_CLS_NP = 1, LADON__SW_CLS_CPL = 2,
       LADON__SW_CLASSES = 3 };

/* One TLP held in an ingress buffer. */
typedef struct ladon__sw_entry {
  struct ladon__sw_entry *next;
  ladon_tlp *tlp;              /* what leaves (may be a generated completion) */
  ladon_time_ps t_arrive_ps;   /* last symbol arrived at the ingress port */
  ladon_time_ps t_ready_ps;    /* may leave from then on */
  uint64_t stamp;              /* ordering age */
  uint32_t *shared_refs;       /* broadcast copies: credits go back with the last */
  uint32_t credit_data;        /* credits the ingress buffer holds for it: */
  uint8_t credit_cls;          /*   class (a ladon_tlp_class), 1 header and */
  uint8_t credit_tc;           /*   credit_data data credits on traffic class */
  uint8_t ingress;             /* port index it entered on */
} ladon__sw_entry;

typedef struct ladon__sw_fifo {
  ladon__sw_entry *head, *tail;
  uint32_t len;
} ladon__sw_fifo;

/* Statistics handles of one port. */
typedef struct ladon__sw_stats {
  ladon_counter *tlps_in, *tlps_forwarded, *bytes_forwarded, *urs,
      *posted_dropped, *acs_violations, *cpl_dropped, *msgs_terminated,
      *malformed;
  ladon_hist *ingress_occupancy, *egress_wait_ps, *transit_ps;
} ladon__sw_stats;

struct ladon__switch;

/* One port: its link-side port, its virtual bridge, its buffers. */
typedef struct ladon__sw_port {
  struct ladon__switch *sw;
  unsigned idx;                /* 0 = up, 1 + j = d<j> */
  ladon_port *port;
  ladon__cfg *cfg;             /* the bridge's configuration space */
  /* Decoded registers (refreshed after every configuration write). */
  ladon__cfg_bridge br;
  uint16_t acs_ctrl;           /* ACS Control (0 without the capability) */
  bool ari_fwd;                /* DevCtl2 ARI Forwarding Enable */
  uint16_t rid;                /* captured routing ID (§2.2.6.2) */
  /* Ingress side. */
  ladon__sw_fifo *voq;         /* [egress port][class] */
  uint32_t held;               /* TLPs in the ingress buffer */
  /* Cut-through timing of the link it receives on (cached per link). */
  const ladon_link *phy_link;
  ladon__phy_cfg phy;
  unsigned gen;
  bool flit;
  /* Egress side. */
  uint64_t pending_in;         /* bit i: voq[i][this port] not empty */
  unsigned arb_cur;            /* ingress port whose turn it is */
  uint32_t arb_left;           /* WRR: TLPs left in its turn */
  ladon_time_ps next_free_ps;  /* one TLP per clock cycle per egress */
  ladon_event_id ev;
  ladon_time_ps ev_time;
  /* Messages. */
  uint8_t intx_wires;          /* Downstream Port: INTA..INTD asserted below */
  /* Statistics. */
  ladon__switch_port_counters c;
  ladon__sw_stats st;
  char label[8];               /* "up", "d31" */
} ladon__sw_port;

struct ladon__switch {
  ladon_sim *sim;
  char *name;
  ladon__switch_config cfg;
  unsigned nports;
  ladon__sw_port ports[LADON__SWITCH_MAX_PORTS];
  ladon_imap *mem_map, *io_map, *bus_map;
  uint64_t next_stamp;
  ladon__sw_entry *free_entries;
  uint8_t intx_up;             /* collapsed INTA..INTD sent upstream */
  uint64_t pme_acks;           /* Downstream Ports that sent PME_TO_Ack */
  unsigned conflicts_now;      /* overlaps in the current routing tables */
  ladon_counter *st_window_conflicts;
};

/* ---- switch_cfg.c ---- */

/* Builds the configuration space of port `p`. */
ladon_status ladon__sw_cfg_build(struct ladon__switch *sw, ladon__sw_port *p,
                                 ladon_error *err);
/* Re-decodes port `p` after a configuration write and rebuilds the maps. */
void ladon__sw_cfg_refresh(struct ladon__switch *sw, ladon__sw_port *p);
/*
** Performs configuration request `req` on port `fn`'s registers, capturing
** the routing ID from a write (§2.2.6.2), and returns the completion (a new
** TLP owned by the caller), or NULL when out of memory.
*/
ladon_tlp *ladon__sw_cfg_access(struct ladon__switch *sw, ladon__sw_port *fn,
                                const ladon_tlp *req);
/* The Downstream Port whose window claims `addr`, or -1 (I/O: `io`). */
int ladon__sw_window_port(const struct ladon__switch *sw, uint64_t addr, bool io);
/* The Downstream Port whose bus range holds `bus`, or -1. */
int ladon__sw_bus_port(const struct ladon__switch *sw, unsigned bus);

/* ---- switch_route.c ---- */

enum {
  LADON__SW_FWD = 0,     /* to `egress` (as `new_type` when non-zero) */
  LADON__SW_UR,          /* UR completion (non-posted) / drop (posted) */
  LADON__SW_DROP,        /* discard (unexpected completion, malformed) */
  LADON__SW_CFG,         /* configuration access to port `fn` */
  LADON__SW_TERMINATE,   /* a message this port consumes */
  LADON__SW_BCAST,       /* a copy to every linked Downstream Port */
  LADON__SW_GATHER,      /* PME_TO_Ack from a Downstream Port */
  LADON__SW_INTX         /* an INTx virtual wire from a Downstream Port */
};
enum {
  LADON__SW_WHY_NONE = 0,
  LADON__SW_WHY_NO_ROUTE, /* matches no window / bus range, or disabled */
  LADON__SW_WHY_ACS,      /* blocked by ACS */
  LADON__SW_WHY_UNEXPECTED, /* completion for nobody behind this port */
  LADON__SW_WHY_MALFORMED /* cannot travel this way at all */
};

typedef struct ladon__sw_route {
  uint8_t action;
  uint8_t why;
  uint8_t egress;
  uint8_t fn;
  uint8_t new_type;
} ladon__sw_route;

/* Decides what happens to `tlp`, received on port `in`. */
void ladon__sw_route_tlp(const struct ladon__switch *sw, unsigned in,
                         const ladon_tlp *tlp, ladon__sw_route *out);

/* ---- switch_xbar.c ---- */

void ladon__sw_deliver(void *owner, ladon_port *port, ladon_tlp *tlp);
void ladon__sw_tx_ready(void *owner, ladon_port *port);
/* Frees every held TLP and the entry pool. */
void ladon__sw_xbar_free(struct ladon__switch *sw);

#endif /* LADON_MODELS_SWITCH_INT_H */
