/*
** A PCI Express switch: one Upstream Port and N Downstream Ports, each a
** virtual PCI-PCI bridge with a Type 1 configuration header (PCIe Base 5.0
** §7.5.1.3), joined by an internal bus (§1.3.3, Figure 1-3).
**
** System software sees the switch only through configuration requests:
** the Upstream Port is device 0 on the bus above the switch, the
** Downstream Ports are devices 0..N-1 on the switch's internal bus (the
** Upstream Port's secondary bus).  Bus numbers, memory / prefetchable /
** I/O windows, Command enables, DevCtl2 ARI Forwarding and ACS Control are
** programmed with CfgWr TLPs exactly as firmware does; nothing here sets
** them by side channel.  What the datapath does with them:
**
**   address routing     bridge windows, positive decode downstream and
**                       inverse decode upstream (§7.5.1.3.8-10);
**   ID routing          completions by Requester ID, ID-routed messages by
**                       target ID, against secondary..subordinate (§2.2.4.2);
**   configuration       Type 1 forwarded, converted to Type 0 at the
**                       secondary bus of a Downstream Port, requests for the
**                       switch's own functions answered from their
**                       registers (§7.3.3);
**   messages            by their routing subfield (§2.2.8, Table 2-20),
**                       INTx virtual wires mapped and collapsed
**                       (§2.2.8.1), PME_TO_Ack gathered (§5.3.3.2.1);
**   errors              a non-posted request that matches nothing is
**                       completed by the switch with UR status (§2.3.1);
**                       a posted one is dropped and counted;
**   ACS                 source validation, translation blocking, P2P
**                       request and completion redirect, upstream
**                       forwarding, direct translated P2P (§6.12, §7.7.8).
**
** Timing.  Each port has an ingress buffer whose size is the flow-control
** credits it advertises; a TLP's credits go back to the link only when the
** TLP leaves the buffer (ladon_port_consume_credits()), so a stalled egress
** back-pressures the sender hop by hop.  A TLP may leave `latency` after
** its header arrived (cut-through) or after its last symbol arrived
** (store-and-forward), on an edge of the switch clock, when its egress
** port wins arbitration (round-robin or weighted round-robin among ingress
** ports) and the PCIe ordering rules of its ingress->egress stream allow
** it (§2.4.1).  docs/models/switch.md states every approximation.
*/
#ifndef LADON_MODELS_SWITCH_H
#define LADON_MODELS_SWITCH_H

#include <stdbool.h>
#include <stdint.h>

#include "ladon/error.h"
#include "ladon/imap.h"
#include "ladon/link.h"
#include "ladon/sim.h"
#include "pcie/cfgspace_int.h"

/* Most Downstream Ports a switch may have (devices 0..31 of one bus). */
#define LADON__SWITCH_MAX_DOWN 32u
/* Port indices: 0 is the Upstream Port, 1 + j is Downstream Port j. */
#define LADON__SWITCH_UP 0u
#define LADON__SWITCH_MAX_PORTS (1u + LADON__SWITCH_MAX_DOWN)

typedef struct ladon__switch ladon__switch;

typedef enum ladon__switch_mode {
  LADON__SWITCH_CUT_THROUGH = 0,
  LADON__SWITCH_STORE_AND_FORWARD = 1
} ladon__switch_mode;

typedef enum ladon__switch_arb {
  LADON__SWITCH_RR = 0,  /* round-robin among ingress ports */
  LADON__SWITCH_WRR = 1  /* weighted round-robin: `weights` */
} ladon__switch_arb;

typedef struct ladon__switch_config {
  uint32_t downstream_ports;     /* 1..32 */
  ladon_time_ps latency_ps;      /* port-to-port latency */
  ladon__switch_mode mode;
  ladon__switch_arb arbitration;
  uint32_t weights[LADON__SWITCH_MAX_PORTS]; /* WRR: TLPs per turn, >= 1 */
  ladon_port_config port;        /* ingress credits and egress queue, every port */
  bool acs;                      /* ACS capability on the Downstream Ports */
  ladon_time_ps clock_period_ps; /* switch core clock, > 0 */
  uint16_t vendor_id, device_id;
  uint32_t mps_supported_bytes;  /* DevCap Max_Payload_Size Supported */
  uint8_t max_link_speed;        /* LnkCap Max Link Speed, 1..6 */
  uint8_t max_link_width;        /* LnkCap Maximum Link Width */
} ladon__switch_config;

/*
** Fills `cfg` with the defaults of the parameter table: 4 Downstream
** Ports, 120 ns, cut-through, round-robin (weights 1), the link defaults
** for credits with 4 TLPs of egress queue per class, ACS present, 1 GHz,
** MPS 2 KiB supported, Gen5 x16.
*/
void ladon__switch_config_default(ladon__switch_config *cfg);

/*
** Creates switch `name` (copied; it prefixes port and statistic names:
** "sw0.up", "sw0.d3.tlps_forwarded") in `sim`.  Returns a new switch
** owned by the caller, or NULL with `err` filled, naming the instance and
** the parameter: LADON_EINVAL for 0 or more than 32 Downstream Ports, a
** zero clock period, a zero WRR weight, an unsupported MPS or link;
** LADON_ENOMEM.
*/
ladon__switch *ladon__switch_new(ladon_sim *sim, const char *name,
                                 const ladon__switch_config *cfg,
                                 ladon_error *err);

/*
** Frees the switch, its ports and every TLP it still holds.  Links joined
** to its ports must be freed first.  NULL is a no-op.
*/
void ladon__switch_free(ladon__switch *sw);

/* Number of ports (1 + downstream_ports). */
unsigned ladon__switch_port_count(const ladon__switch *sw);

/*
** The port called "up" or "d<j>" (j < downstream_ports), or NULL.  Borrowed:
** the switch owns its ports.
*/
ladon_port *ladon__switch_port(ladon__switch *sw, const char *name);

/* Port `idx` (0 = up, 1 + j = d<j>), or NULL. */
ladon_port *ladon__switch_port_at(ladon__switch *sw, unsigned idx);

/*
** The configuration space of port `idx` (borrowed, read-only for callers:
** software changes it with CfgWr TLPs).  NULL for a bad index.
*/
const ladon__cfg *ladon__switch_cfg(const ladon__switch *sw, unsigned idx);

/*
** The routing ID of port `idx`'s function: bus and device captured from
** the Type 0 configuration writes it completed (§2.2.6.2), function 0.
*/
uint16_t ladon__switch_port_id(const ladon__switch *sw, unsigned idx);

/*
** The routing tables built from the Downstream Ports' registers, for the
** isolation checker and tests (borrowed, valid until the next
** configuration write): memory (and prefetchable) windows, I/O windows and
** secondary..subordinate bus ranges, each entry's `user` being the port
** index it routes to.  Everything else goes up when it is outside the
** Upstream Port's windows, and is an Unsupported Request inside them.
*/
const ladon_imap *ladon__switch_mem_map(const ladon__switch *sw);
const ladon_imap *ladon__switch_io_map(const ladon__switch *sw);
const ladon_imap *ladon__switch_bus_map(const ladon__switch *sw);

/* Counters of one port (also in the statistics registry). */
typedef struct ladon__switch_port_counters {
  uint64_t tlps_in;          /* TLPs received on this port */
  uint64_t tlps_forwarded;   /* TLPs sent out of this port */
  uint64_t bytes_forwarded;  /* payload bytes sent out of this port */
  uint64_t urs;              /* UR completions for requests entering here */
  uint64_t posted_dropped;   /* posted requests entering here, dropped */
  uint64_t acs_violations;   /* ACS blocks of requests entering here */
  uint64_t cpl_dropped;      /* unexpected completions entering here */
  uint64_t msgs_terminated;  /* messages consumed by this port's function */
  uint64_t malformed;        /* TLPs the switch could not forward at all */
  uint64_t held;             /* TLPs in the ingress buffer now */
} ladon__switch_port_counters;

/* Copies port `idx`'s counters; LADON_EINVAL for a bad index. */
ladon_status ladon__switch_port_counters_get(const ladon__switch *sw,
                                             unsigned idx,
                                             ladon__switch_port_counters *out);

#endif /* LADON_MODELS_SWITCH_H */
