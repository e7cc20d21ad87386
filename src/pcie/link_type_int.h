/* The "link" component type: parameters of a link in a topology. */
#ifndef LADON_PCIE_LINK_TYPE_INT_H
#define LADON_PCIE_LINK_TYPE_INT_H

#include "ladon/component.h"
#include "ladon/link.h"

extern const ladon_component_type ladon__link_type;

/* Fills `cfg` from resolved parameters of the "link" type. */
void ladon__link_config_from_params(const ladon_params *params,
                                    ladon_link_config *cfg);

#endif
