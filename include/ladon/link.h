/*
** PCIe links and ports.
**
** A component (root complex, switch, NTB, endpoint, ...) owns ports; a link
** joins two ports and models both directions of a PCI Express Link:
**
**   physical layer    generation 1..6 (2.5 .. 64 GT/s), width x1..x32,
**                     8b/10b, 128b/130b with SKP Ordered Sets, or 256-byte
**                     flit mode (required at 64 GT/s, optional below);
**                     exact symbol timing (PCIe Base 6.0 chapter 4);
**   data link layer   sequence numbers, LCRC, replay buffer, ACK/NAK with
**                     the spec's Ack latency limits, REPLAY_TIMER,
**                     REPLAY_NUM rollover and retraining, optional bit
**                     errors; flit sequence numbers and flit replay in
**                     flit mode (chapter 3, §4.2.3.4.2.1);
**   flow control      InitFC1/InitFC2, PH/PD/NPH/NPD/CplH/CplD per VC,
**                     UpdateFC on the spec's schedule, infinite credits,
**                     modular credit counters and the transmitter gate
**                     (§2.6, §3.4);
**   ordering          posted / non-posted / completion queues per VC with
**                     the ordering table (§2.4.1, Table 2-42 in 6.0,
**                     Table 2-40 in 5.0) and DLLP priority (§3.6.2.1).
**
** docs/link-model.md describes the model, every parameter and its default,
** and the validation against published numbers.
**
** Using a port.  The owner sends with ladon_port_send(); the link calls the
** owner's `deliver` callback when a TLP has crossed the link, and the
** receiver then owns the TLP.  The TLP keeps occupying the receiver's
** buffer -- its flow-control credits stay consumed -- until the receiver
** calls ladon_port_consume() (or _consume_credits()).  Only then does the
** link return the credits to the far transmitter with UpdateFC DLLPs, so
** a component that cannot forward a TLP holds it, and back-pressure
** propagates hop by hop as in hardware.
**
** Directions.  Port `a` is taken as the upstream end of the link (nearer
** the root complex): "down" is a -> b, "up" is b -> a.  Statistics are
** registered in the simulation's registry as link.NAME.down.* and
** link.NAME.up.*.
**
** Time.  Every transmission starts and ends on the link's symbol clock (in
** flit mode, on flit boundaries for delivery); the link schedules events
** only when something is sent or arrives: an idle link costs nothing.
*/
#ifndef LADON_LINK_H
#define LADON_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ladon/error.h"
#include "ladon/export.h"
#include "ladon/sim.h"
#include "ladon/tlp.h"

LADON_BEGIN_DECLS

typedef struct ladon_link ladon_link;
typedef struct ladon_port ladon_port;

/* Advertise infinite credits of one type (§2.6.1, Table 2-50 notes 1-2). */
#define LADON_CREDITS_INFINITE UINT32_MAX

/*
** What a port's receiver advertises in InitFC, per virtual channel: header
** credits (one per TLP) and data credits (one per 16 bytes, §2.6.1), or
** LADON_CREDITS_INFINITE.  Zero is not a valid advertisement (the minimums
** of Table 2-50 are checked when the link is built).  Endpoints and root
** complexes without peer-to-peer traffic advertise infinite completion
** credits (§2.6.1, Table 2-50).
*/
typedef struct ladon_port_config {
  uint32_t rx_ph_credits;
  uint32_t rx_pd_credits;
  uint32_t rx_nph_credits;
  uint32_t rx_npd_credits;
  uint32_t rx_cplh_credits;
  uint32_t rx_cpld_credits;
  uint32_t tx_queue_tlps;  /* transmit queue bound per class and VC */
} ladon_port_config;

/*
** The owner's callbacks.  They run inside simulation events.  The link
** tolerates re-entry: a callback may send, consume or query on any port.
**
** deliver   a TLP has crossed the link; the receiver now owns `tlp` and
**           must eventually call ladon_port_consume() for it (required).
** tx_ready  a transmit queue of `port` that had been full has room again
**           (may be NULL).
** drop      the link hands back a TLP it owns but will never deliver:
**           only when the link is freed with TLPs still queued or in
**           flight; `port` is the port that sent it.  May be NULL: the
**           link then gives such TLPs to ladon_tlp_free() (the pool).
*/
typedef struct ladon_port_callbacks {
  void (*deliver)(void *owner, ladon_port *port, ladon_tlp *tlp);
  void (*tx_ready)(void *owner, ladon_port *port);
  void (*drop)(void *owner, ladon_port *port, ladon_tlp *tlp);
} ladon_port_callbacks;

/*
** Fills `cfg` with the defaults: PH 64, PD 1024 (16 KiB), NPH 64, NPD 64,
** CplH 64, CplD 1024 credits; 64 TLPs per transmit queue.
*/
LADON_API void ladon_port_config_default(ladon_port_config *cfg);

/*
** Creates a port named `name` (copied) for `owner`, whose callbacks `cb`
** (copied) receive `owner` as their first argument.  `cfg` may be NULL for
** the defaults.  Returns a new port owned by the caller, or NULL with `err`
** filled: LADON_EINVAL for a NULL name or callbacks without `deliver`, a
** zero or oversized queue bound; LADON_ENOMEM.  Credit values are checked
** when a link is built, against that link's parameters.
*/
LADON_API ladon_port *ladon_port_new(const char *name,
                                     const ladon_port_config *cfg,
                                     const ladon_port_callbacks *cb,
                                     void *owner, ladon_error *err);

/*
** Frees a port.  A port that is still joined by a link must not be freed
** before the link.  NULL is a no-op.
*/
LADON_API void ladon_port_free(ladon_port *port);

/* The port's name (borrowed), owner, and link (NULL when unconnected). */
LADON_API const char *ladon_port_name(const ladon_port *port);
LADON_API void *ladon_port_owner(const ladon_port *port);
LADON_API ladon_link *ladon_port_link(const ladon_port *port);

/*
** Hands `tlp` to the transmitter of the port's link.  On LADON_OK the link
** owns the TLP until it is delivered to the far port.  Otherwise the caller
** keeps it:
**   LADON_EFULL   the transmit queue of its class and VC is full; the
**                 port's tx_ready callback will say when it has room;
**   LADON_ESTATE  the port is not joined by a link;
**   LADON_ESPEC   the payload exceeds the link's Max_Payload_Size, or the
**                 type has no flow-control class (the link does not check
**                 the rest of the header: ladon_tlp_check() is the
**                 sender's business);
**   LADON_EINVAL  `tlp` is NULL.
*/
LADON_API ladon_status ladon_port_send(ladon_port *port, ladon_tlp *tlp);

/*
** Whether a TLP of class `cls` and traffic class `tc` would be accepted by
** ladon_port_send() now (its queue has room and the port is linked).
*/
LADON_API bool ladon_port_can_send(const ladon_port *port, ladon_tlp_class cls,
                                   unsigned tc);

/*
** Frees the receive-buffer space of a TLP that this port received: returns
** its credits (1 header, ladon_tlp_data_credits() data) of its class and
** VC.  `tlp` is only read during the call.  Returns LADON_OK, LADON_EINVAL
** for NULL arguments or an unknown type, LADON_ESTATE when the port is not
** linked, LADON_ERANGE when more credits would be returned than are held.
*/
LADON_API ladon_status ladon_port_consume(ladon_port *port,
                                          const ladon_tlp *tlp);

/*
** The same with explicit amounts, for receivers that no longer hold the
** TLP (e.g. a switch that forwarded it): `hdr` header and `data` data
** credits of class `cls` on traffic class `tc`.  Errors as above.
*/
LADON_API ladon_status ladon_port_consume_credits(ladon_port *port,
                                                  ladon_tlp_class cls,
                                                  unsigned tc, uint32_t hdr,
                                                  uint32_t data);

/* ---- links --------------------------------------------------------------- */

typedef enum ladon_flit_mode {
  LADON_FLIT_AUTO = 0, /* flit mode at 64 GT/s (required), off below */
  LADON_FLIT_OFF = 1,
  LADON_FLIT_ON = 2
} ladon_flit_mode;

/*
** Link parameters.  ladon_link_config_default() fills the defaults given
** here; docs/link-model.md has the table with units and sources.
*/
typedef struct ladon_link_config {
  unsigned gen;                 /* 1..6 (2.5, 5, 8, 16, 32, 64 GT/s); 3 */
  unsigned width;               /* lanes: 1, 2, 4, 8, 16, 32; 8 */
  ladon_flit_mode flit;         /* AUTO */
  uint32_t mps_bytes;           /* Max_Payload_Size, 128..4096; 256 */
  ladon_time_ps latency_ps;     /* per direction, last symbol sent to last
                                   symbol received: wire + PHY pipelines;
                                   10 ns */
  double ber;                   /* bit error rate on the wire, 0..1e-3; 0 */
  uint32_t replay_buffer_bytes; /* retry buffer (TLP bytes incl. framing);
                                   in flit mode capacity in flits is
                                   bytes / 256; 32 KiB */
  uint32_t replay_timer_syms;   /* REPLAY_TIMER limit in symbol times,
                                   24000..31000 (§3.6.2.1); 24000 */
  ladon_time_ps retrain_ps;     /* Recovery after REPLAY_NUM rollover; 1 us */
  unsigned vcs;                 /* virtual channels 1..8; TCn uses VC
                                   n mod vcs; 1 */
  uint32_t ack_latency_syms;    /* 0 = the spec's Ack Latency Limit table */
  uint32_t fc_update_syms;      /* 0 = the spec's UpdateFC latency table */
} ladon_link_config;

/* Fills `cfg` with the defaults above. */
LADON_API void ladon_link_config_default(ladon_link_config *cfg);

/*
** Builds link `name` (copied) between ports `a` and `b` in `sim`, with
** parameters `cfg` (NULL for the defaults), and starts link initialisation
** (InitFC1/InitFC2 on every VC) at the current simulated time; TLPs sent
** before flow control is initialised wait in their queues.
**
** Returns a new link owned by the caller, or NULL with `err` filled and
** nothing changed.  Every bad parameter is rejected with a message naming
** the link and the parameter ("link 'l0': width 12 is not a supported
** link width (1, 2, 4, 8, 16, 32)"): LADON_EINVAL for an unknown
** generation, an unsupported width, flit mode off at 64 GT/s or on a x32
** link, an MPS that is not a power of two in 128..4096, zero or too small
** buffers and credits (Table 2-50), a BER out of range, a port that is
** already linked or the same port twice; LADON_ENOMEM.
*/
LADON_API ladon_link *ladon_link_new(ladon_sim *sim, const char *name,
                                     const ladon_link_config *cfg,
                                     ladon_port *a, ladon_port *b,
                                     ladon_error *err);

/*
** Frees the link: pending events are cancelled, TLPs it still owns go to
** the sending port's `drop` callback, and both ports become unconnected.
** Not from inside a callback of the link's own ports.  NULL is a no-op.
*/
LADON_API void ladon_link_free(ladon_link *link);

/* The link's name (borrowed) and the port at end `end` (0 = a, 1 = b). */
LADON_API const char *ladon_link_name(const ladon_link *link);
LADON_API ladon_port *ladon_link_port(const ladon_link *link, unsigned end);

/* Whether flow control is initialised on every VC in both directions. */
LADON_API bool ladon_link_is_up(const ladon_link *link);

/* Direction index: LADON_LINK_DOWN is a -> b, LADON_LINK_UP is b -> a. */
#define LADON_LINK_DOWN 0u
#define LADON_LINK_UP 1u

/*
** Counters of one direction since the link was built.  Bytes are wire
** bytes before line encoding.  `busy_ps` is the time the lanes carried TLP
** or DLLP symbols (non-flit), or payload flits (flit mode); utilisation is
** busy_ps / elapsed.  Stall times add up the time the oldest TLP of a
** class waited for credits of each type (a stall still going on counts up
** to the current time here; in the registry it is added when it ends).
*/
typedef struct ladon_link_counters {
  uint64_t tlps;             /* TLPs delivered to the receiver */
  uint64_t tlp_bytes;        /* wire bytes of TLP transmissions, replays incl. */
  uint64_t payload_bytes;    /* payload bytes of delivered TLPs */
  uint64_t dllps;            /* DLLPs transmitted */
  uint64_t dllp_bytes;
  uint64_t acks, naks;       /* Ack and Nak DLLPs (or flit Acks/Naks) sent */
  uint64_t update_fcs;       /* UpdateFC DLLPs sent */
  uint64_t replays;          /* replays started (timeout or Nak) */
  uint64_t replay_timeouts;  /* of which REPLAY_TIMER expired */
  uint64_t replayed_tlps;    /* TLPs (flit mode: flits) retransmitted */
  uint64_t retrains;         /* REPLAY_NUM rollovers (Recovery entered) */
  uint64_t bad_tlps;         /* TLPs (flit mode: flits) received corrupt */
  uint64_t bad_dllps;        /* DLLPs received corrupt */
  uint64_t duplicate_tlps;   /* received again after being accepted */
  uint64_t skp_ordered_sets; /* SKP Ordered Sets transmitted */
  uint64_t flits;            /* flit mode: payload flits sent, replays incl. */
  uint64_t busy_ps;
  uint64_t credit_stall_ps[6]; /* PH, PD, NPH, NPD, CplH, CplD */
} ladon_link_counters;

/* Copies the counters of direction `dir` into `out`.  LADON_EINVAL for a
** NULL argument or a bad direction. */
LADON_API ladon_status ladon_link_counters_get(const ladon_link *link,
                                               unsigned dir,
                                               ladon_link_counters *out);

/* ---- observers ------------------------------------------------------------ */

/*
** Watching a link, for timelines, waveforms and trace recording.  Both
** callbacks may be NULL; they run inside simulation events, get `tlp`
** borrowed for the duration of the call only, and must not send on, consume
** at or free the link.  A link without observers pays one untaken branch per
** TLP.
**
** tlp_wire       the transmitter put `tlp` on the wire of direction `dir`
**                from `start_ps` to `end_ps` (first to last symbol), a
**                replay when `replay`; `queued_tlps` TLPs wait behind it in
**                that direction's transmit queues.  Not called in flit mode,
**                where TLPs share flits (PCIe Base 6.0 §4.2.3.4.2).
** tlp_delivered  `tlp` crossed direction `dir` and is about to be handed to
**                the receiver at `time_ps`: once per TLP, as the `tlps`
**                counter counts, in both modes.
*/
typedef struct ladon_link_observer {
  void (*tlp_wire)(void *ctx, const ladon_link *link, unsigned dir,
                   const ladon_tlp *tlp, ladon_time_ps start_ps,
                   ladon_time_ps end_ps, bool replay, uint32_t queued_tlps);
  void (*tlp_delivered)(void *ctx, const ladon_link *link, unsigned dir,
                        const ladon_tlp *tlp, ladon_time_ps time_ps);
} ladon_link_observer;

/* Observers a link holds at once. */
#define LADON_LINK_OBSERVERS_MAX 4

/*
** Adds observer `obs` (copied) with context `ctx` to `link`.  Returns
** LADON_OK, LADON_EINVAL for NULL `link` or `obs`, LADON_EFULL when the
** link has LADON_LINK_OBSERVERS_MAX observers already.
*/
LADON_API ladon_status ladon_link_observe(ladon_link *link,
                                          const ladon_link_observer *obs,
                                          void *ctx);

/* Removes every observer of `link` whose context is `ctx`.  NULL link is a
** no-op. */
LADON_API void ladon_link_unobserve(ladon_link *link, void *ctx);

/* ---- spec arithmetic the link uses (exposed for tools and tests) ------- */

/*
** Ack Latency Limit in symbol times (PCIe Base 6.0 §3.6.3.1 Tables 3-10,
** 3-11, 3-12; 5.0 Tables 3-7..3-9) for generation `gen` 1..5, `width` and
** `mps_bytes` (Rx_MPS_Limit); x32 from the same formula.  0 when the
** arguments are outside the tables.
*/
LADON_API uint32_t ladon_link_ack_latency_syms(unsigned gen, unsigned width,
                                               uint32_t mps_bytes);

/*
** Maximum UpdateFC transmission latency guideline in symbol times (PCIe
** Base 6.0 §2.6.1.2, Tables 2-52, 2-53, 2-54); 0 outside the tables.
*/
LADON_API uint32_t ladon_link_fc_update_syms(unsigned gen, unsigned width,
                                             uint32_t mps_bytes);

LADON_END_DECLS

#endif /* LADON_LINK_H */
