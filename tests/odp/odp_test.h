/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The cmocka side the ODP test programs share: the loopback pair as a
 * test's state (setup and teardown), the skip of a test the device cannot
 * run, registration and counters that fail the test when they fail. What
 * they print goes through cmocka's print_message() (TAP diagnostics, "# "
 * lines); the TAP result lines are cmocka's own.
 */
#ifndef ODP_TEST_H
#define ODP_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "odp.h"
#include "odp_verbs.h"

/*
 * A zeroed test state of @size bytes whose first member is a struct
 * odp_pair, the pair open; NULL, after "# cannot open the device and
 * connect a QP pair", when it cannot be had.
 */
void *odp_test_state_open(size_t size);
/* cmocka teardown of a state from odp_test_state_open(). */
int odp_test_teardown(void **state);
/*
 * Skip the test ("# SKIP: device reports no RC ODP for CAPS") unless the
 * device reports explicit RC ODP with @caps.
 */
void odp_test_need_rc(const struct odp_pair *p, uint32_t caps);
/* An ODP MR over @buf (ODP_ACCESS); the test fails if none. */
struct ibv_mr *odp_test_reg_odp(struct odp_pair *p, void *buf, size_t len);
/* The MR's ODP counters (libodp, over RDMA netlink); the test fails if none. */
struct odp_counters odp_test_mr_counters(struct ibv_mr *mr);
/*
 * Is @name one of the space-separated words of @list (NULL: none)? For
 * the programs' *_EXCLUDE variables: tests left out of a run.
 */
bool odp_test_listed(const char *list, const char *name);

#endif /* ODP_TEST_H */
