// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * odp_query_dev_counters(): a port's ODP counters from sysfs;
 * odp_query_mr_counters(): one MR's from RDMA netlink (odp_nl.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "odp.h"
#include "odp_priv.h"

const char *const odp_counter_names[ODP_NUM_COUNTERS] = {
	"page_faults", "page_faults_handled", "page_invalidations",
	"page_invalidations_handled", "page_prefetch",
};

uint64_t *odp_counter_slot(struct odp_counters *c, int i)
{
	uint64_t *slots[ODP_NUM_COUNTERS] = {
		&c->page_faults, &c->page_faults_handled,
		&c->page_invalidations, &c->page_invalidations_handled,
		&c->page_prefetch,
	};

	return slots[i];
}

/* One counter file: a decimal number and a newline. */
static int read_counter(const char *path, uint64_t *val)
{
	FILE *f = fopen(path, "re");
	int err = 0;

	if (!f)
		return errno;
	if (fscanf(f, "%" SCNu64, val) != 1)
		err = EIO;
	fclose(f);
	return err;
}

int odp_query_dev_counters(struct ibv_context *ctx, uint8_t port,
			   struct odp_counters *counters)
{
	char path[PATH_MAX];
	struct stat st;
	int err = 0, n;

	if (!counters)
		return EINVAL;
	memset(counters, 0, sizeof(*counters));
	if (!ctx || !port)
		return EINVAL;
	n = snprintf(path, sizeof(path), "%s/ports/%u",
		     ctx->device->ibdev_path, port);
	if (n < 0 || (size_t)n >= sizeof(path))
		return ENAMETOOLONG;
	if (stat(path, &st))
		return errno == ENOENT ? EINVAL : errno;
	for (int i = 0; i < ODP_NUM_COUNTERS && !err; i++) {
		n = snprintf(path, sizeof(path), "%s/ports/%u/hw_counters/%s",
			     ctx->device->ibdev_path, port,
			     odp_counter_names[i]);
		if (n < 0 || (size_t)n >= sizeof(path))
			err = ENAMETOOLONG;
		else
			err = read_counter(path, odp_counter_slot(counters, i));
		if (err == ENOENT)
			err = EOPNOTSUPP;
	}
	if (err)
		memset(counters, 0, sizeof(*counters));
	return err;
}

int odp_query_mr_counters(struct ibv_mr *mr, struct odp_counters *counters)
{
	int err;

	if (!counters)
		return EINVAL;
	memset(counters, 0, sizeof(*counters));
	if (!mr || !mr->context)
		return EINVAL;
	err = odp_nl_mr_counters(ibv_get_device_name(mr->context->device),
				 mr->lkey, counters);
	if (err)
		memset(counters, 0, sizeof(*counters));
	return err;
}
