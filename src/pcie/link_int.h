/*
** Internals of the link: one ladon_link holds two directions; each
** direction has a transmitter (transaction-layer queues, flow-control gate,
** data link layer retry state, physical placement) at its sending port and
** a receiver (sequence check, Ack scheduling, receive credits) at its
** receiving port.  DLLPs that acknowledge or credit direction d travel on
** the reverse direction, so a direction also carries the "DLLPs owed" to
** its reverse.
**
** Events, all lazy (at most one pending of each kind per direction):
**   tx   the transmitter decides what goes out next (at symbol boundaries);
**   rx   the head of the wire FIFO arrives at the receiver;
**   ack  the receiver's AckNak_LATENCY_TIMER expires;
**   rpl  the transmitter's REPLAY_TIMER expires;
**   fcu  an UpdateFC latency timer of the receiver expires.
** A timer that is restarted only moves its deadline; the pending event
** notices and re-arms, so restarting costs no heap operation.
*/
#ifndef LADON_PCIE_LINK_INT_H
#define LADON_PCIE_LINK_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "ladon/link.h"
#include "ladon/rng.h"
#include "ladon/stats.h"
#include "pcie/fc_int.h"
#include "pcie/ordering_int.h"
#include "pcie/phy_int.h"
#include "sim/stats_int.h"

#define LADON__MAX_VCS 8

/* What travels on the wire. */
enum {
  LADON__W_TLP = 0,  /* a framed TLP (non-flit) */
  LADON__W_DLLP = 1, /* a DLLP (non-flit), or DLP content (flit mode) */
  LADON__W_FLIT = 2  /* a payload flit (flit mode) */
};

/* DLLP types (§3.5.1, Table 3-5), as the model needs them. */
enum {
  LADON__DLLP_ACK = 0,
  LADON__DLLP_NAK = 1,
  LADON__DLLP_INITFC1 = 2,
  LADON__DLLP_INITFC2 = 3,
  LADON__DLLP_UPDATEFC = 4
};

/* A DLLP is 6 bytes plus 2 bytes of framing (SDP/END, or the SDP Token). */
#define LADON__DLLP_WIRE_BYTES 8u

/* One thing on the wire, in transmission order. */
typedef struct ladon__wire {
  ladon_time_ps arrive_ps; /* receiver has the last symbol */
  ladon_tlp *tlp;          /* W_TLP: the TLP (borrowed from the retry ring) */
  uint32_t a;              /* TLP: sequence number; DLLP: type | cls << 4 |
                              vc << 8; FLIT: flit sequence number */
  uint32_t b;              /* DLLP: Ack/Nak seq, or HdrFC << 16 | DataFC;
                              FLIT: index of the flit record */
  uint16_t bytes;          /* wire bytes (non-flit) */
  uint8_t kind;            /* LADON__W_* */
  uint8_t bad;             /* corrupted on the wire */
} ladon__wire;

/* A FIFO of wire records with its arrival event. */
typedef struct ladon__wfifo {
  ladon__wire *w;               /* ring, power-of-two capacity */
  uint32_t cap, head, len;
  uint64_t pushed;              /* records ever pushed (absolute index) */
  ladon_event_id ev;
} ladon__wfifo;

/*
** A lazy one-shot timer: `deadline` may move freely; at most one kernel
** event is pending, and it re-arms itself when it finds the deadline later
** than its own time.
*/
typedef struct ladon__timer {
  bool on;
  ladon_time_ps deadline;
  ladon_time_ps ev_time;
  ladon_event_id ev;
} ladon__timer;

/* Arms `t` for `deadline` (absolute), replacing any earlier setting. */
void ladon__timer_set(ladon_sim *sim, ladon__timer *t, ladon_time_ps deadline,
                      ladon_event_fn fn, void *ctx, uint64_t arg);
/* In the timer's event: true when it really expired (and is now off);
** false when it was stopped or moved later (then it re-armed itself). */
bool ladon__timer_fired(ladon_sim *sim, ladon__timer *t, ladon_event_fn fn,
                        void *ctx, uint64_t arg);
static inline void ladon__timer_stop(ladon__timer *t) { t->on = false; }
void ladon__timer_cancel(ladon_sim *sim, ladon__timer *t);

/* One TLP in the retry buffer (non-flit) or the flit TLP ring. */
typedef struct ladon__retry {
  ladon_tlp *tlp;          /* NULL once the receiver accepted it */
  uint16_t wire_bytes;     /* at most 4096 + 32 */
  uint16_t data_credits;   /* flow-control data credits */
  uint16_t payload_bytes;
  uint16_t seq;
  uint8_t vc, cls;
} ladon__retry;

/* One payload flit in the flit retry buffer (flit mode). */
typedef struct ladon__flit_rec {
  uint64_t tlp_end;        /* TLPs ending in this flit are ring entries */
  uint32_t n_tlps;         /*   [tlp_end - n_tlps, tlp_end) (absolute)  */
  uint16_t seq;            /* flit sequence number 1..1023 */
} ladon__flit_rec;

/* FC initialisation state per VC (§3.4.1). */
enum { LADON__FCI_INIT1 = 0, LADON__FCI_INIT2 = 1, LADON__FCI_DONE = 2 };

typedef struct ladon__dir {
  struct ladon_link *link;
  struct ladon__dir *rev;
  unsigned idx;                 /* LADON_LINK_DOWN / LADON_LINK_UP */
  ladon_port *tx_port, *rx_port;
  ladon__phy_cfg phy;
  ladon__phy_tx ptx;

  /* ---- transmitter: transaction layer ---- */
  ladon__txq q[LADON__MAX_VCS][LADON__CLASSES];
  bool q_was_full[LADON__MAX_VCS][LADON__CLASSES];
  ladon__fc_tx fct[LADON__MAX_VCS][LADON__FC_TYPES];
  uint64_t next_stamp;
  uint32_t queued;              /* TLPs in all of the queues above */
  unsigned vc_rr;               /* round-robin VC arbitration */
  uint8_t fci_state[LADON__MAX_VCS]; /* this transmitter's FC init state */
  uint8_t fci_seen[LADON__MAX_VCS];  /* InitFC classes received (bits) */
  unsigned fci_next;            /* next InitFC DLLP to send: vc * 3 + cls */
  unsigned fc_ready_vcs;        /* VCs that left FC_INIT2 */

  /* ---- transmitter: data link layer (non-flit) ---- */
  ladon__retry *rb;             /* retry ring, power-of-two capacity */
  uint32_t rb_cap, rb_head, rb_len;
  uint64_t rb_bytes;            /* wire bytes held */
  uint16_t next_tx_seq;         /* NEXT_TRANSMIT_SEQ */
  uint16_t ackd_seq;            /* ACKD_SEQ */
  unsigned replay_num;          /* REPLAY_NUM (2-bit count of replays) */
  bool replaying;
  bool replay_again;            /* Nak during a replay: replay once more */
  bool replay_restart_timer;    /* restart REPLAY_TIMER after first resend */
  uint32_t replay_pos;          /* next retry ring index to resend */
  ladon__timer rpl;             /* REPLAY_TIMER */

  /* ---- DLLPs owed to the reverse direction, sent on this one ---- */
  bool nak_owed, ack_owed;
  uint8_t fcu_owed[LADON__MAX_VCS];  /* bit per class: UpdateFC due */
  unsigned fcu_owed_n;          /* VCs with a bit set in fcu_owed */
  unsigned fcu_rr;

  /* ---- receiver of this direction ---- */
  uint16_t next_rcv_seq;        /* NEXT_RCV_SEQ */
  bool nak_scheduled;           /* NAK_SCHEDULED */
  bool acked_all;               /* every accepted TLP has been Acked */
  ladon__timer ack;             /* AckNak_LATENCY_TIMER */
  ladon__fc_rx fcr[LADON__MAX_VCS][LADON__FC_TYPES];
  ladon__fc_scale scale[LADON__FC_TYPES]; /* per type, both sides agree */
  ladon_time_ps fcu_deadline[LADON__MAX_VCS][LADON__CLASSES]; /* NEVER=off */
  ladon__timer fcu;             /* fires at the earliest fcu_deadline */

  /* ---- flit mode ---- */
  uint64_t fl_slot_next;        /* first flit slot with nothing committed */
  uint64_t fl_fill;             /* TLP bytes used in slot fl_slot_next-1 */
  bool fl_open;                 /* slot fl_slot_next-1 is a payload flit
                                   that may take more TLP bytes */
  ladon__flit_rec *fr;          /* flit retry ring */
  uint32_t fr_cap, fr_head, fr_len;
  uint32_t fr_max;              /* MAX_UNACKNOWLEDGED_FLITS */
  uint64_t ft_base;             /* absolute index of ring entry rb_head */
  uint16_t fl_next_seq;         /* NEXT_TX_FLIT_SEQ_NUM */
  uint16_t fl_rcv_expect;       /* receiver: next flit seq expected */
  uint64_t dlp_ack_slot;        /* next reverse flit slot with free Ack DLP */
  uint64_t dlp_fc_slot;         /* ... with a free DLLP payload */
  uint64_t ack_rec;             /* flit mode: absolute index + 1 of the
                                   last Ack/Nak DLP record (0 = none) */
  uint64_t ack_rec_slot;
  uint64_t fcu_rec[LADON__MAX_VCS][LADON__CLASSES]; /* same for UpdateFC */
  uint64_t fcu_rec_slot[LADON__MAX_VCS][LADON__CLASSES];

  /* ---- the wire: packets / payload flits, and (flit mode) DLP content,
  ** each a FIFO in arrival order ---- */
  ladon__wfifo wire, dlp;
  bool tx_ev_on;
  bool notify_ready;            /* call tx_ready after this event */
  ladon_event_id tx_ev;
  ladon_time_ps busy_until;     /* end of the last counted transmission */

  /* ---- bit errors ---- */
  ladon_rng rng;
  double log_ok_bit;            /* log(1 - ber) */
  double p_flit_bad;            /* flit mode: P(flit uncorrectable) */
  uint64_t flit_seed;           /* flit mode: per-slot error hash key */
  uint16_t fl_ackd;             /* flit mode: ACKD_FLIT_SEQ_NUM */
  bool fl_nak_scheduled;        /* flit mode receiver: Nak outstanding */

  /* ---- statistics ---- */
  ladon_link_counters c;
  ladon_time_ps stall_since[LADON__FC_TYPES]; /* NEVER = not stalled */
  unsigned stalled;             /* credit types with a stall going on */
  ladon_counter *st_tlps, *st_tlp_bytes, *st_payload, *st_dllp_bytes,
      *st_dllps, *st_replays, *st_naks, *st_busy, *st_stall_total,
      *st_stall[LADON__FC_TYPES], *st_retrains, *st_bad_tlps,
      *st_bad_dllps, *st_acks, *st_update_fcs, *st_replayed, *st_flits;
  ladon_hist *st_qdepth[LADON__CLASSES];
} ladon__dir;

struct ladon_port {
  char *name;
  void *owner;
  ladon_port_callbacks cb;
  ladon_port_config cfg;
  struct ladon_link *link;
  unsigned end;                 /* 0 = a, 1 = b */
  /* The directions it transmits and receives on (set with link): found
  ** per TLP without indexing the link's directions by `end`. */
  struct ladon__dir *tx, *rx;
};

struct ladon_link {
  ladon_sim *sim;
  char *name;
  ladon_link_config cfg;
  ladon_port *port[2];
  ladon__dir dir[2];
  unsigned vcs;
  uint8_t tc_vc[8];             /* traffic class -> VC */
  bool flit;
  bool scaled_fc;
  ladon_time_ps ack_limit_ps;   /* Ack Latency Limit */
  ladon_time_ps fcu_latency_ps; /* UpdateFC latency guideline */
  ladon_time_ps replay_limit_ps;/* REPLAY_TIMER limit */
  ladon_time_ps retrain_until;  /* in Recovery until then (0 = never was) */
  bool freeing;
  unsigned n_obs;               /* observers (link_observe.c) */
  ladon_link_observer obs[LADON_LINK_OBSERVERS_MAX];
  void *obs_ctx[LADON_LINK_OBSERVERS_MAX];
};

/* Inline forms of ladon_port_link() and ladon_link_is_up(), which share
** these bodies: models that check the link per TLP (the NTB) need no call. */
static inline struct ladon_link *ladon__port_link(const ladon_port *port) {
  return port ? port->link : NULL;
}
static inline bool ladon__link_is_up(const struct ladon_link *link) {
  return link && link->dir[0].fc_ready_vcs == link->vcs &&
         link->dir[1].fc_ready_vcs == link->vcs;
}
/* The VC a traffic class maps to (TC/VC mapping, §2.5.2). */
static inline unsigned ladon__tc_vc(const struct ladon_link *l, unsigned tc) {
  return l->tc_vc[tc & 7u];
}
/* Inline form of ladon_port_can_send(), which shares it. */
static inline bool ladon__port_can_send(const ladon_port *port, ladon_tlp_class cls,
                                        unsigned tc) {
  int c = ladon__cls_index(cls);
  const ladon__txq *q;
  if (!port || !port->link || port->link->freeing || c < 0) return false;
  q = &port->tx->q[ladon__tc_vc(port->link, tc)][c];
  return q->len < q->cap;
}

/* Non-flit: anything that may need the wire?  Without it a transmitter
** decision would find nothing to send; whatever creates work kicks. */
static inline bool ladon__tx_has_work(const ladon__dir *d) {
  return d->queued || d->ack_owed || d->fcu_owed_n || d->nak_owed || d->replaying ||
         d->fc_ready_vcs < d->link->vcs; /* the likeliest first */
}

/* ---- link.c ---- */
/* Something to send may be ready: schedules the transmitter's decision
** (non-flit: only when it has work). */
void ladon__kick(ladon__dir *d);
void ladon__wire_push(ladon__dir *d, ladon__wfifo *f, const ladon__wire *w);
void ladon__retrain(struct ladon_link *l);

/* ---- link_tx.c (non-flit transmitter) ---- */
void ladon__tx_event(ladon_sim *sim, void *ctx, uint64_t arg);
void ladon__replay_timer_event(ladon_sim *sim, void *ctx, uint64_t arg);
void ladon__replay_start(ladon__dir *d, bool timeout);
bool ladon__bad_on_wire(ladon__dir *d, uint32_t bytes);

/* Picks the next TLP the transaction layer may send (ordering, credits,
** VC arbitration); updates stall accounting.  Returns true with *vc_out
** and *cls_out set.  Shared by both modes. */
bool ladon__tl_pick(ladon__dir *d, ladon_time_ps now, unsigned *vc_out,
                    unsigned *cls_out);
/* Takes the picked TLP off its queue and consumes its credits. */
ladon_tlp *ladon__tl_take(ladon__dir *d, unsigned vc, unsigned cls);

/* ---- link_rx.c (non-flit receiver, DLLP handling) ---- */
void ladon__rx_event(ladon_sim *sim, void *ctx, uint64_t arg);
void ladon__ack_timer_event(ladon_sim *sim, void *ctx, uint64_t arg);
void ladon__rx_tlp_accepted(ladon__dir *d, const ladon__retry *e,
                            ladon_tlp *tlp);
void ladon__dllp_received(ladon__dir *d, uint32_t a, uint32_t b);

/* ---- link_fc.c (InitFC, UpdateFC scheduling) ---- */
void ladon__fc_init_dirs(struct ladon_link *l);
void ladon__fc_freed(ladon__dir *d, unsigned vc, unsigned cls,
                     uint32_t hdr, uint32_t data);
void ladon__fcu_timer_event(ladon_sim *sim, void *ctx, uint64_t arg);
/* The next FC DLLP the transmitter of `d` owes (InitFC or UpdateFC):
** fills a, b; returns false when none. */
bool ladon__fc_dllp_next(ladon__dir *d, uint32_t *a, uint32_t *b);
void ladon__fc_dllp_received(ladon__dir *d, unsigned type, unsigned vc,
                             unsigned cls, uint32_t hdr, uint32_t data);
void ladon__fc_exit_init2(ladon__dir *t, unsigned vc);
/* The UpdateFC fields for `vc`/`cls` of the receiver `r` (a = type etc.);
** marks them sent. */
void ladon__fc_update_fields(ladon__dir *r, unsigned vc, unsigned cls,
                             uint32_t *a, uint32_t *b);

/* ---- flit.c ---- */
void ladon__flit_tx_event(ladon__dir *d, ladon_time_ps now);
void ladon__flit_rx(ladon__dir *d, const ladon__wire *w);
void ladon__flit_dlp_rx(ladon__dir *d, const ladon__wire *w);
void ladon__flit_replay_timeout(ladon__dir *d);
uint32_t ladon__flit_tlp_bytes(const ladon_tlp *tlp);
double ladon__flit_bad_probability(double ber, unsigned bits_per_byte);
/* Puts DLP content (Ack/Nak, UpdateFC) into the next flit of `d` that
** has room, merging it into a pending one of the same kind (`key`). */
void ladon__flit_dlp_send(ladon__dir *d, ladon_time_ps now, uint32_t a,
                          uint32_t b, uint64_t *rec, uint64_t *rec_slot);

/* ---- link_observe.c ---- */
void ladon__observe_wire(ladon__dir *d, const ladon_tlp *tlp,
                         ladon_time_ps start_ps, ladon_time_ps end_ps,
                         bool replay);
void ladon__observe_delivered(ladon__dir *d, const ladon_tlp *tlp);

/* ---- link_stats.c ---- */
void ladon__stats_register(struct ladon_link *l);
static inline void ladon__stat_add(ladon_counter *c, uint64_t *field, uint64_t n) {
  *field += n;
  if (c) ladon__counter_add(c, n);
}

#endif
