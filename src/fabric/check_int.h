/*
** Internals of the isolation checker (include/ladon/check.h).
**
**   check_static.c  the symbolic walk: requests of every requester composed
**                   through the fabric's real tables, interval by interval
**                   (switches, endpoints, NTBs, requesters)
**   check_host.c    the walk through root complexes, IOMMUs and interrupt
**                   remapping (check_walk_int.h: the walk's helpers)
**   check_policy.c  requesters, owners of targets, verdicts, forged IDs
**   check_probe.c   probe TLPs in the timed simulation, evidence of where
**                   each one ended
**   check_report.c  the result object, text and JSON reports
**
** A walk carries a set of addresses [lo, hi] of the current PCIe or host
** domain and the linear relation to the requester's own addresses
** (current = requester + delta, modulo 2^64): every table the checker
** composes translates linearly inside one entry, so a whole interval
** travels at once and is split only where a table's entries split it.
*/
#ifndef LADON_FABRIC_CHECK_INT_H
#define LADON_FABRIC_CHECK_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "fabric/fabric_int.h"
#include "ladon/check.h"
#include "ladon/imap.h"

/* What a requester is. */
enum { CK_REQ_FN = 0, CK_REQ_VCPU, CK_REQ_CPU };

/* Where a request ends. */
enum {
  CK_T_MEM = 0, /* host RAM: comp = host, at = HPA of lo */
  CK_T_BAR,     /* a function's BAR: comp = device, fn = index, at = offset */
  CK_T_REG,     /* NT endpoint registers (BAR0): comp = ntb, fn = side */
  CK_T_IRQ,     /* an interrupt: comp = host, fn = core, at = vector */
  CK_T_STOP     /* stopped: comp = where, stop = why */
};

/* Why a request stopped. */
enum {
  CK_STOP_NONE = 0,
  CK_STOP_SW_ACS,      /* switch port ACS source validation (fn = port) */
  CK_STOP_SW_UR,       /* switch: no route, BME clear, own window (fn = port) */
  CK_STOP_RP,          /* root port: BME clear or ACS (fn = root port) */
  CK_STOP_IOMMU,       /* DMA-remapping fault (fault = VT-d reason) */
  CK_STOP_IR,          /* interrupt-remapping fault (fault = reason) */
  CK_STOP_MSI,         /* interrupt dropped without remapping (bad format) */
  CK_STOP_HOST_UR,     /* root complex: no RAM, no window, p2p refused */
  CK_STOP_ABORT,       /* CPU access to nothing: master abort */
  CK_STOP_EPT,         /* EPT violation */
  CK_STOP_DEV_UR,      /* endpoint: no BAR claims it */
  CK_STOP_NTB_WINDOW,  /* NTB: BAR offset without a translation (fn = side) */
  CK_STOP_NTB_LUT,     /* NTB: LUT entry disabled (fn = side, at = index) */
  CK_STOP_NTB_ID,      /* NTB: ID protection, requester not listed */
  CK_STOP_NTB_LINK,    /* NTB: link down */
  CK_STOP_NO_LINK,     /* a port with no link */
  CK_STOP_LOOP         /* the walk went around too many components */
};

typedef struct ck_target {
  uint8_t kind;   /* CK_T_* */
  uint8_t stop;   /* CK_STOP_* */
  uint8_t fault;  /* VT-d fault reason */
  uint16_t rid;   /* the requester ID the target (or the stop) sees */
  uint32_t comp;  /* component index */
  uint32_t fn;    /* see CK_T_* / CK_STOP_* */
  uint64_t at;    /* see CK_T_* */
} ck_target;

typedef struct ck_requester {
  uint8_t kind;     /* CK_REQ_* */
  uint32_t comp;    /* device (FN), host (VCPU: the VM's host; CPU) */
  uint32_t fn;      /* FN: function index (0 = PF, n = VF n) */
  int32_t vm;       /* VCPU: the VM; FN: the owning VM or -1 */
  uint32_t host;    /* the host whose domain (or VM) it belongs to */
  uint16_t rid;     /* FN: its Routing ID */
  uint16_t as_rid;  /* FN: the requester ID it puts in its TLPs (forged) */
  char name[128];   /* "nic0.vf3 (03:10.6)", "vm0 vCPUs", "mh CPUs" */
} ck_requester;

typedef struct ck_reach {
  uint32_t req;        /* requester index */
  uint8_t access;      /* LADON_IMAP_R or LADON_IMAP_W */
  uint8_t verdict;     /* ladon_check_verdict */
  uint64_t lo, hi;     /* requester addresses */
  ck_target t;         /* where lo ends */
  uint64_t probe_addr; /* interrupts: an address and data that reach t */
  uint32_t probe_data;
  bool probe_set;
  char *chain;         /* owned */
  char *why;           /* owned, violations */
  ladon_check_reach pub;
} ck_reach;

typedef struct ck_probe_rec {
  uint32_t reach;      /* the record it checks */
  uint64_t addr;
  ladon_check_probe pub;
  char *text_expected, *text_observed;
} ck_probe_rec;

struct ladon_check {
  ladon_fabric *f;
  ck_requester *reqs;
  size_t n_reqs, cap_reqs;
  ck_reach *reach;
  size_t n_reach, cap_reach;
  char **notes;
  size_t n_notes, cap_notes;
  ck_probe_rec *probes;
  size_t n_probes, cap_probes;
  size_t n_violations, n_disagree, probes_wanted;
  bool oom;
  uint32_t cur_req;         /* requester being walked */
  size_t cur_count;         /* its records so far */
  ladon_check_reach **viol; /* views of the violations, in order */
  struct ck_swcache **swc;  /* per component: a switch's decoded ports */
};

/* ---- check_static.c ---- */

/* Frees what the walk cached. */
void ladon__ck_static_free(ladon_check *c);
/* Walks every access of requester `req` (its whole address space). */
void ladon__ck_walk_requester(ladon_check *c, uint32_t req);
/* Index of the component at the far end of the link on (comp, port);
** false when the port has no link. */
bool ladon__ck_link_peer(const ladon_fabric *f, uint32_t comp, const char *port,
                         uint32_t *peer, const char **peer_port, size_t *link);

/* ---- check_policy.c ---- */

/* Collects the requesters of the fabric. */
ladon_status ladon__ck_requesters(ladon_check *c);
/* The verdict of a record (and its `why`). */
void ladon__ck_judge(ladon_check *c, ck_reach *r, bool crossed);
/* Forged requester IDs: which are stopped, which go through. */
void ladon__ck_forgery(ladon_check *c);
/* Text of a target ("vm1 memory [0x0-0xfff]"), into buf. */
void ladon__ck_target_text(const ladon_check *c, const ck_target *t, uint64_t lo, uint64_t hi,
                           char *buf, size_t n);
/* The VM owning host `host` physical address `hpa` (-1 the host itself),
** and how far that ownership extends (*end, inclusive). */
int32_t ladon__ck_mem_owner(const ladon_check *c, uint32_t host, uint64_t hpa, uint64_t *end);
/* The VM a function is assigned to, or -1. */
int32_t ladon__ck_fn_vm(const ladon_check *c, uint32_t comp, uint32_t fn);
/* The component's instance as a given type, or NULL. */
bool ladon__ck_is(const ladon_check *c, uint32_t comp, const char *type);

/* ---- check_report.c ---- */

/* Records one requester may have before its walk is cut short (a note
** says so): fabrics that expose thousands of windows to one requester. */
#define CK_MAX_RECORDS_PER_REQUESTER 8192u

/* Appends a record (copies `chain`).  Merges with the previous record when
** it continues it. */
void ladon__ck_add(ladon_check *c, uint32_t req, uint8_t access, uint64_t lo, uint64_t hi,
                   const ck_target *t, const char *chain, bool crossed);
void ladon__ck_note(ladon_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Fills the public views once everything is known. */
void ladon__ck_finish(ladon_check *c);

/* ---- check_probe.c ---- */

/* Injects probes (at most `cap`) and records agreement. */
ladon_status ladon__ck_probe(ladon_check *c, uint32_t cap, ladon_error *err);

/* bb:dd.f */
void ladon__ck_rid(uint16_t rid, char buf[16]);

#endif
