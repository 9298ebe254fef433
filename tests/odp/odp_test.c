// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "odp_test.h"

void *odp_test_state_open(size_t size)
{
	struct odp_pair *p = calloc(1, size);

	if (!p || odp_pair_open(p)) {
		print_message("# cannot open the device and connect a QP pair\n");
		free(p);
		return NULL;
	}
	return p;
}

int odp_test_teardown(void **state)
{
	odp_pair_close(*state);
	free(*state);
	return 0;
}

void odp_test_need_rc(const struct odp_pair *p, uint32_t caps)
{
	if (!odp_pair_has_odp(p, caps)) {
		print_message("# SKIP: device reports no RC ODP for %#x\n", caps);
		skip();
	}
}

struct ibv_mr *odp_test_reg_odp(struct odp_pair *p, void *buf, size_t len)
{
	struct ibv_mr *mr = ibv_reg_mr(p->pd, buf, len, ODP_ACCESS);

	if (!mr)
		print_message("# ibv_reg_mr(ODP, %zu bytes): %s\n", len,
			      strerror(errno));
	assert_non_null(mr);
	return mr;
}

struct odp_counters odp_test_mr_counters(struct ibv_mr *mr)
{
	struct odp_counters c;

	assert_int_equal(odp_query_mr_counters(mr, &c), 0);
	return c;
}

bool odp_test_listed(const char *list, const char *name)
{
	size_t len = strlen(name);

	while (list && *list) {
		list += strspn(list, " ");
		if (!strncmp(list, name, len) && (!list[len] || list[len] == ' '))
			return true;
		list += strcspn(list, " ");
	}
	return false;
}

