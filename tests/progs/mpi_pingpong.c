// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mpi_pingpong: the MPI programs of the UCX/MPI tests (issue 13).
 *
 * Ranks 0 and 1 ping-pong messages of 8 bytes to MAX (doubling, MAX
 * included), ITERS round trips per size; every byte each side receives is
 * checked against what the sender wrote (a pattern of size, iteration and
 * direction). Then every rank takes part in an allreduce (sum) of arrays
 * of 1 to 256 Ki ints, each result checked. With -r the buffers are freed
 * and allocated again for every message, as an application that does not
 * keep its buffers would: no registration cache can help, each message is
 * new memory (what ODP is for).
 *
 * Each rank first prints "rank N: on HOST" (MPI's processor name: where
 * the launcher put it), at the end "rank N: PASSED" and exits 0, or says
 * what was wrong and aborts the job.
 *
 *   mpi_pingpong [-i ITERS] [-m MAX] [-r]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mpi.h>

static int rank, nranks;

static void die(const char *what, size_t size, int iter, size_t at)
{
	fprintf(stderr, "rank %d: %s (size %zu, iteration %d, byte %zu)\n",
		rank, what, size, iter, at);
	MPI_Abort(MPI_COMM_WORLD, 1);
	exit(1);
}

static unsigned char pattern(size_t size, int iter, int dir, size_t i)
{
	return (unsigned char)(i * 31 + size * 7 + (size_t)iter * 3 + (size_t)dir);
}

static void fill(unsigned char *p, size_t size, int iter, int dir)
{
	for (size_t i = 0; i < size; i++)
		p[i] = pattern(size, iter, dir, i);
}

static void check(const unsigned char *p, size_t size, int iter, int dir)
{
	for (size_t i = 0; i < size; i++)
		if (p[i] != pattern(size, iter, dir, i))
			die("received data differs from what was sent", size, iter, i);
}

static unsigned char *get_buf(unsigned char *old, size_t size, int realloc_each)
{
	if (old && !realloc_each)
		return old;
	free(old);
	old = malloc(size);
	if (!old)
		die("out of memory", size, 0, 0);
	return old;
}

static void pingpong(size_t max, int iters, int realloc_each)
{
	int peer = rank == 0 ? 1 : 0;
	unsigned char *buf = NULL;

	for (size_t size = 8;; size = size * 2 > max ? max : size * 2) {
		double t0 = MPI_Wtime();

		if (!realloc_each) {
			free(buf);
			buf = NULL;
		}
		for (int it = 0; it < iters; it++) {
			buf = get_buf(buf, size, realloc_each);
			if (rank == 0) {
				fill(buf, size, it, 0);
				MPI_Send(buf, (int)size, MPI_BYTE, peer, 1, MPI_COMM_WORLD);
				buf = get_buf(buf, size, realloc_each);
				memset(buf, 0, size);
				MPI_Recv(buf, (int)size, MPI_BYTE, peer, 2, MPI_COMM_WORLD,
					 MPI_STATUS_IGNORE);
				check(buf, size, it, 1);
			} else {
				memset(buf, 0, size);
				MPI_Recv(buf, (int)size, MPI_BYTE, peer, 1, MPI_COMM_WORLD,
					 MPI_STATUS_IGNORE);
				check(buf, size, it, 0);
				buf = get_buf(buf, size, realloc_each);
				fill(buf, size, it, 1);
				MPI_Send(buf, (int)size, MPI_BYTE, peer, 2, MPI_COMM_WORLD);
			}
		}
		if (rank == 0)
			printf("pingpong %8zu bytes: %d round trips, %.1f us each\n", size,
			       iters, (MPI_Wtime() - t0) * 1e6 / iters);
		if (size == max)
			break;
	}
	free(buf);
}

static void allreduce(int realloc_each)
{
	int *in = NULL, *out = NULL;

	for (size_t n = 1; n <= 256 * 1024; n *= 8) {
		if (realloc_each || !in) {
			free(in);
			free(out);
			in = malloc(n * sizeof(*in));
			out = malloc(n * sizeof(*out));
			if (!in || !out)
				die("out of memory", n, 0, 0);
		}
		for (size_t i = 0; i < n; i++)
			in[i] = rank + (int)(i % 1000);
		MPI_Allreduce(in, out, (int)n, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
		for (size_t i = 0; i < n; i++)
			if (out[i] != nranks * (nranks - 1) / 2 + nranks * (int)(i % 1000))
				die("allreduce sum wrong", n, 0, i);
		if (!realloc_each) {
			free(in);
			free(out);
			in = out = NULL;
		}
	}
	free(in);
	free(out);
	if (rank == 0)
		printf("allreduce: %d ranks, 1 to 262144 ints, sums right\n", nranks);
}

int main(int argc, char **argv)
{
	size_t max = 4 << 20;
	int iters = 10, realloc_each = 0, opt, len;
	char host[MPI_MAX_PROCESSOR_NAME];

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nranks);
	MPI_Get_processor_name(host, &len);
	while ((opt = getopt(argc, argv, "i:m:r")) != -1) {
		switch (opt) {
		case 'i': iters = atoi(optarg); break;
		case 'm': max = strtoul(optarg, NULL, 0); break;
		case 'r': realloc_each = 1; break;
		default:
			if (rank == 0)
				fprintf(stderr, "usage: mpi_pingpong [-i ITERS] [-m MAX] [-r]\n");
			MPI_Finalize();
			return 2;
		}
	}
	if (nranks < 2 || iters < 1 || max < 8) {
		if (rank == 0)
			fprintf(stderr, "mpi_pingpong: needs 2 ranks or more, -i >= 1, -m >= 8\n");
		MPI_Finalize();
		return 2;
	}
	printf("rank %d: on %s\n", rank, host);
	fflush(stdout);
	if (rank < 2)
		pingpong(max, iters, realloc_each);
	MPI_Barrier(MPI_COMM_WORLD);
	allreduce(realloc_each);
	printf("rank %d: PASSED\n", rank);
	fflush(stdout);
	MPI_Finalize();
	return 0;
}
