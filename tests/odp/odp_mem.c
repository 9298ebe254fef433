// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "odp_mem.h"

#define PAGE 4096UL

void fill(void *buf, size_t len, uint64_t seed)
{
	uint64_t *w = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = seed ^ (i * 0x9e3779b97f4a7c15ULL);
}

int holds(const void *buf, size_t len, uint64_t seed)
{
	const uint64_t *w = buf;
	size_t i;

	for (i = 0; i < len / 8; i++) {
		if (w[i] != (seed ^ (i * 0x9e3779b97f4a7c15ULL))) {
			print_message("# word %zu: %#llx, expected pattern %#llx\n",
				      i, (unsigned long long)w[i],
				      (unsigned long long)seed);
			return 0;
		}
	}
	return 1;
}

int all_zero(const void *buf, size_t len)
{
	const uint8_t *b = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return 0;
	return 1;
}

void *map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

size_t resident_pages(void *p, size_t len)
{
	unsigned char vec[len / PAGE + 1];
	size_t i, n = 0;

	assert_int_equal(mincore(p, len, vec), 0);
	for (i = 0; i < len / PAGE; i++)
		n += vec[i] & 1;
	return n;
}

long anon_huge_kib(const void *addr)
{
	unsigned long start, end, a = (unsigned long)addr;
	char line[512];
	long kib = -1;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		/* a mapping's first line: "start-end perms ..." */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = a >= start && a < end;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kib) == 1)
			break;
	}
	fclose(f);
	assert_true(kib >= 0);
	return kib;
}

long long vmstat(const char *name)
{
	char key[128];
	long long v, found = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	assert_non_null(f);
	while (fscanf(f, "%127s %lld", key, &v) == 2)
		if (!strcmp(key, name))
			found = v;
	fclose(f);
	if (found < 0)
		print_message("# /proc/vmstat has no %s\n", name);
	assert_true(found >= 0);
	return found;
}

int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), err = 0;
	ssize_t n;

	if (fd < 0)
		return errno;
	n = write(fd, val, strlen(val));
	if (n != (ssize_t)strlen(val))
		err = n < 0 ? errno : EIO;
	close(fd);
	return err;
}

/* Is any swap device or file on (/proc/swaps lists more than its header)? */
int odp_swap_active(void)
{
	char line[256];
	int n = 0;
	FILE *f = fopen("/proc/swaps", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n > 1;
}
