/*
** Ladon: a cycle-level PCIe fabric simulator.  The umbrella header; include
** this or the subsystem headers it lists.
*/
#ifndef LADON_LADON_H
#define LADON_LADON_H

#include "ladon/compare.h"
#include "ladon/check.h"
#include "ladon/component.h"
#include "ladon/error.h"
#include "ladon/export.h"
#include "ladon/fabric.h"
#include "ladon/imap.h"
#include "ladon/link.h"
#include "ladon/sim.h"
#include "ladon/replay.h"
#include "ladon/rng.h"
#include "ladon/stats.h"
#include "ladon/tlp.h"
#include "ladon/trace.h"
#include "ladon/tlp_pool.h"
#include "ladon/units.h"
#include "ladon/version.h"

#endif /* LADON_LADON_H */
