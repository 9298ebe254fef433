/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Memory helpers the ODP test programs share (cmocka tests: a failed
 * system call fails the test): byte patterns and their check, anonymous
 * mappings, residency.
 */
#ifndef ODP_MEM_H
#define ODP_MEM_H

#include <stddef.h>
#include <stdint.h>

/* Fill @buf with a pattern that depends on @seed and on each word's place. */
void fill(void *buf, size_t len, uint64_t seed);
/* Does @buf hold fill(@seed)? Prints the first difference if not. */
int holds(const void *buf, size_t len, uint64_t seed);
int all_zero(const void *buf, size_t len);
/* A private anonymous mapping (MAP_NORESERVE); the test fails if none. */
void *map_anon(size_t len);
/* Pages of [p, p + len) resident in RAM now (mincore). */
size_t resident_pages(void *p, size_t len);
/* AnonHugePages (KiB) of the mapping that holds @addr, from /proc/self/smaps. */
long anon_huge_kib(const void *addr);
/* A counter of /proc/vmstat; the test fails if it is not there. */
long long vmstat(const char *name);
/* Is any swap on? */
int odp_swap_active(void);
/* Write @val to the file @path (sysfs, procfs, cgroup); 0 or an errno value. */
int write_file(const char *path, const char *val);

#endif /* ODP_MEM_H */
