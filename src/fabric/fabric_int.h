/* Internals of a built fabric, shared by the fabric's files. */
#ifndef LADON_FABRIC_FABRIC_INT_H
#define LADON_FABRIC_FABRIC_INT_H

#include "fabric/enumerate_int.h"
#include "fabric/ladon_int.h"
#include "fabric/topology_int.h"
#include "ladon/fabric.h"
#include "ladon/link.h"

struct ladon_fabric {
  ladon__topo *topo;
  ladon_sim *sim;
  uint64_t seed;
  void **inst;          /* per component: the model instance */
  ladon_link **links;   /* per topology link */
  void **workloads;     /* per topology workload: the instance */
  ladon_time_ps start_ps;       /* configuration done, workloads started */
  uint64_t *link_busy0_ps;      /* per link and direction: busy time at start_ps */
  ladon__enum_domain *domains; /* one per host, after enumeration */
  size_t n_domains;
  ladon__lmgr_assign *assigns; /* the manager's assignments (ladon_int.h) */
  size_t n_assigns;
  ladon_time_ps cfg_latency_ps; /* configuration proxy, each way */
  struct ladon__lmgr_op *cfg_ops; /* proxied accesses in flight (owned) */
};

/*
** Re-reports an error that a model or the link layer produced without a
** position at `node`, keeping its code: "WHAT: TEXT (PATH)".
*/
ladon_status ladon__fabric_error_at(const ladon_fabric *f,
                                    ladon__json_node node, const char *what,
                                    ladon_error *err);

/* Enumerates every PCIe domain of the fabric (enumerate.c). */
ladon_status ladon__fabric_enumerate(ladon_fabric *f, ladon_error *err);

/*
** The Ladon manager (ladon_mgr.c): assigns function `fn` of VM `vm`
** (topology indices; the VM exists on its host) -- single-host or across an
** NTB -- programming every table, and records the assignment.  Errors are
** positioned at the function in the topology.
*/
ladon_status ladon__lmgr_assign_fn(ladon_fabric *f, uint32_t vm, uint32_t fn,
                                   ladon_error *err);

/* VMs, function assignment, IOMMU domains, workloads (program.c). */
ladon_status ladon__fabric_program(ladon_fabric *f, ladon_error *err);

/* Starts the components' and the workloads' activity (program.c). */
ladon_status ladon__fabric_start(ladon_fabric *f, ladon_error *err);

/*
** Sets `set_bits` in a register of function `bdf` in the domain of host
** `host_comp` (read, OR, write with configuration requests, waiting for
** each completion).
*/
ladon_status ladon__fabric_cfg_rmw(ladon_fabric *f, uint32_t host_comp,
                                   uint16_t bdf, uint16_t reg, unsigned size,
                                   uint32_t set_bits, ladon_error *err);

/* Synchronous configuration read/write of `bdf` in host `host_comp`'s
** domain (runs the simulation until the completion is back; a read that
** does not complete successfully gives all ones). */
ladon_status ladon__fabric_cfg_read(ladon_fabric *f, uint32_t host_comp,
                                    uint16_t bdf, uint16_t reg, unsigned size,
                                    uint32_t *value, ladon_error *err);
ladon_status ladon__fabric_cfg_write(ladon_fabric *f, uint32_t host_comp,
                                     uint16_t bdf, uint16_t reg, unsigned size,
                                     uint32_t value, ladon_error *err);

/* The function component `comp` answers with in the domain of host
** `host_comp` (an NTB has one per side), or NULL. */
const ladon__enum_fn *ladon__fabric_fn_in(const ladon_fabric *f,
                                          uint32_t host_comp, uint32_t comp);

/* The domain of host `host_comp`, or NULL. */
const ladon__enum_domain *ladon__fabric_domain(const ladon_fabric *f,
                                               uint32_t host_comp);

/* The physical function that component `comp` answers with, or NULL. */
const ladon__enum_fn *ladon__fabric_pf(const ladon_fabric *f, uint32_t comp);

#endif
