// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* odp_query_caps(), odp_transport_caps(): ODP capabilities of a device. */
#include <errno.h>
#include <string.h>

#include "odp.h"

int odp_query_caps(struct ibv_context *ctx, struct odp_caps *caps)
{
	struct ibv_device_attr_ex attr;
	int err;

	if (!caps)
		return EINVAL;
	memset(caps, 0, sizeof(*caps));
	if (!ctx)
		return EINVAL;
	memset(&attr, 0, sizeof(attr));
	err = ibv_query_device_ex(ctx, NULL, &attr);
	if (err)
		return err;
	/* transport bits mean nothing without ODP itself */
	if (!(attr.odp_caps.general_caps & IBV_ODP_SUPPORT))
		return 0;
	caps->general = attr.odp_caps.general_caps;
	caps->rc = attr.odp_caps.per_transport_caps.rc_odp_caps;
	caps->uc = attr.odp_caps.per_transport_caps.uc_odp_caps;
	caps->ud = attr.odp_caps.per_transport_caps.ud_odp_caps;
	caps->xrc = attr.xrc_odp_caps;
	return 0;
}

uint32_t odp_transport_caps(const struct odp_caps *caps,
			    enum ibv_qp_type qp_type)
{
	if (!caps || !(caps->general & IBV_ODP_SUPPORT))
		return 0;
	switch (qp_type) {
	case IBV_QPT_RC:
		return caps->rc;
	case IBV_QPT_UC:
		return caps->uc;
	case IBV_QPT_UD:
		return caps->ud;
	case IBV_QPT_XRC_SEND:
	case IBV_QPT_XRC_RECV:
		return caps->xrc;
	default:
		return 0;
	}
}
