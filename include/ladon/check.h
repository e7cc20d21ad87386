/*
** The isolation checker: does every requester of a configured fabric reach
** only what DESIGN §4 allows it to reach?
**
** Static part.  The checker reads the fabric's real tables -- each VM's EPT,
** the root ports' and switch ports' windows, bus ranges, Bus Master Enable
** and ACS Control as programmed in their configuration spaces, the IOMMU
** context and page tables, the interrupt-remapping table, the NTBs'
** translation and requester-ID maps, the functions' BARs and MSI-X tables --
** and composes them symbolically, interval by interval, for every requester:
** each function of each SR-IOV device (a VF or PF writing or reading any
** address, also with a forged requester ID), each VM's vCPUs (guest
** accesses through the EPT) and each host's CPUs.  Every range of the
** requester's address space ends somewhere: host memory, a function's BAR,
** an NT endpoint's registers, an interrupt of a core, or a stop (a fault,
** an Unsupported Request, an EPT violation, ...), and the chain of table
** entries that led there is kept.  Each outcome is judged against the
** policy: a function assigned to a VM may reach only that VM's memory and
** interrupts on that VM's vCPUs; a VM only its own memory and its own
** functions' BARs; nothing reaches another host's memory, a peer's BAR, or
** the management host's own memory; forged requester IDs must be stopped
** by ACS Source Validation.  docs/check.md states the rules.
**
** Dynamic part.  Probe TLPs are injected into the timed simulation -- at
** the first and last byte of each range found and just outside it, from the
** requester's own port (a function's probe enters at its device's upstream
** link with its requester ID; a vCPU probe is a guest access through the
** EPT) -- and the evidence of where each ended (memory contents, register
** contents, fault records, interrupt deliveries, UR and drop counters) is
** compared with the static answer.  A disagreement is a finding too.
*/
#ifndef LADON_CHECK_H
#define LADON_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ladon/error.h"
#include "ladon/export.h"
#include "ladon/fabric.h"

LADON_BEGIN_DECLS

typedef struct ladon_check ladon_check;

/* Probes a check injects when it is given no cap. */
#define LADON_CHECK_DEFAULT_PROBES 4000u

typedef struct ladon_check_options {
  uint32_t max_probes; /* cap on probe TLPs; 0 = LADON_CHECK_DEFAULT_PROBES */
  bool no_probes;      /* static analysis only */
} ladon_check_options;

typedef enum ladon_check_verdict {
  LADON_CHECK_ALLOWED = 0,  /* reaches something it may reach */
  LADON_CHECK_STOPPED = 1,  /* stopped by a table, as it should be */
  LADON_CHECK_VIOLATION = 2 /* reaches something it must not */
} ladon_check_verdict;

typedef enum ladon_check_kind {
  LADON_CHECK_MEMORY = 0,    /* host RAM */
  LADON_CHECK_BAR = 1,       /* a function's BAR */
  LADON_CHECK_REGISTERS = 2, /* an NT endpoint's registers */
  LADON_CHECK_INTERRUPT = 3, /* an interrupt of a core */
  LADON_CHECK_STOP = 4       /* stopped */
} ladon_check_kind;

/*
** One range of one requester's address space and where it ends.  Strings
** are owned by the check and live as long as it does.
*/
typedef struct ladon_check_reach {
  const char *requester;  /* "nic0.vf3 (03:10.6)", "vm0 vCPUs", "mh CPUs";
                             a forged ID: "nic0.vf3 (03:10.6) as 04:00.0" */
  const char *access;     /* "read" or "write" */
  uint64_t lo, hi;        /* requester addresses (GPA for vCPUs), inclusive */
  ladon_check_kind kind;
  const char *target;     /* "vm1 memory [0x80000000-0x80000fff]",
                             "nic0.vf2 BAR0 [0x0-0x3fff]", "mh core 2 vector 40",
                             "mh.iommu: DMA-remapping fault 0x05 (03:10.6)" */
  uint16_t requester_id;  /* the ID the target or the stop sees */
  uint8_t fault_reason;   /* VT-d reason when stopped by an IOMMU, else 0 */
  const char *chain;      /* the table entries that led there, "a -> b -> c" */
  ladon_check_verdict verdict;
  const char *why;        /* violations: the property broken; else "" */
} ladon_check_reach;

/* One probe TLP and what became of it. */
typedef struct ladon_check_probe {
  const char *requester;
  const char *access;     /* "read" or "write" */
  uint64_t addr;          /* requester address */
  const char *expected;   /* the static answer */
  const char *observed;   /* what the simulation showed */
  bool agree;
} ladon_check_probe;

typedef struct ladon_check_summary {
  size_t requesters;
  size_t reaches;          /* records */
  size_t violations;       /* records with LADON_CHECK_VIOLATION */
  size_t notes;            /* advisories (not violations) */
  size_t probes;           /* probe TLPs injected */
  size_t probes_wanted;    /* probes the records call for (before the cap) */
  size_t disagreements;    /* probes whose outcome differs from the static one */
} ladon_check_summary;

/*
** Checks the configured fabric `fabric` (as ladon_fabric_load() built it;
** probes advance its simulation and register an interrupt hook on each
** host).  `opts` may be NULL.  One check at a time per process (the walk
** keeps its scratch state in static storage).  Free the check before the
** fabric.  On LADON_OK stores
** a new check owned by the caller in *out -- whether or not it found
** violations.  Errors: LADON_EINVAL for NULL arguments, LADON_ENOMEM; `err`
** may be NULL.
*/
LADON_API ladon_status ladon_check_run(ladon_fabric *fabric,
                                       const ladon_check_options *opts,
                                       ladon_check **out, ladon_error *err);

/* Frees a check.  NULL is a no-op. */
LADON_API void ladon_check_free(ladon_check *check);

/* Counts (see ladon_check_summary). */
LADON_API void ladon_check_summary_get(const ladon_check *check,
                                       ladon_check_summary *out);

/* True when no violation and no disagreement was found. */
LADON_API bool ladon_check_ok(const ladon_check *check);

/* Every record, in requester order (borrowed; NULL out of range). */
LADON_API size_t ladon_check_reach_count(const ladon_check *check);
LADON_API const ladon_check_reach *ladon_check_reach_at(const ladon_check *check,
                                                        size_t i);

/* The records that are violations (borrowed; NULL out of range). */
LADON_API size_t ladon_check_violation_count(const ladon_check *check);
LADON_API const ladon_check_reach *ladon_check_violation_at(
    const ladon_check *check, size_t i);

/* The probes (borrowed; NULL out of range). */
LADON_API size_t ladon_check_probe_count(const ladon_check *check);
LADON_API const ladon_check_probe *ladon_check_probe_at(const ladon_check *check,
                                                        size_t i);

/* Advisories: facts worth knowing that break no property (borrowed). */
LADON_API size_t ladon_check_note_count(const ladon_check *check);
LADON_API const char *ladon_check_note_at(const ladon_check *check, size_t i);

/*
** Writes the report for people: one line per violation ("REQUESTER can
** ACCESS TARGET via CHAIN"), probe disagreements, notes, then a summary
** line.  With `verbose`, every record.  LADON_EIO when writing failed.
*/
LADON_API ladon_status ladon_check_write_text(const ladon_check *check,
                                              bool verbose, FILE *out);

/*
** Writes the whole result as JSON (docs/check.md): summary, violations,
** reaches, probes, notes.  LADON_EIO when writing failed.
*/
LADON_API ladon_status ladon_check_write_json(const ladon_check *check,
                                              FILE *out);

LADON_END_DECLS

#endif /* LADON_CHECK_H */
