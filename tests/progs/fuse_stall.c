// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuse_stall: a FUSE file system whose reads block until the test lets
 * them go, the backing store that does not answer of issue 15 item 1.
 *
 *   fuse_stall CTLDIR MOUNTPOINT [FUSE OPTIONS...]
 *
 * MOUNTPOINT holds FILES read-only files f0 .. f15 of FILE_SIZE bytes each,
 * every byte of file fN being 'a' + N. A read of any of them, while
 * CTLDIR/release does not exist, creates CTLDIR/stalled (holding the file
 * and offset it stalls on) and waits, polling, until CTLDIR/release
 * appears; then it answers. Runs in the foreground, multi-threaded, until
 * unmounted (fusermount3 -u MOUNTPOINT, or umount).
 */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILES		16
#define FILE_SIZE	(8L << 20)

static char stalled_path[PATH_MAX];
static char release_path[PATH_MAX];

/* The file number of "/fN", or -1. */
static int file_index(const char *path)
{
	char *end;
	long n;

	if (path[0] != '/' || path[1] != 'f' || !path[2])
		return -1;
	n = strtol(path + 2, &end, 10);
	if (*end || n < 0 || n >= FILES)
		return -1;
	return n;
}

static int stall_getattr(const char *path, struct stat *st,
			 struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (!strcmp(path, "/")) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (file_index(path) < 0)
		return -ENOENT;
	st->st_mode = S_IFREG | 0444;
	st->st_nlink = 1;
	st->st_size = FILE_SIZE;
	return 0;
}

static int stall_readdir(const char *path, void *buf, fuse_fill_dir_t fill,
			 off_t off, struct fuse_file_info *fi,
			 enum fuse_readdir_flags flags)
{
	char name[8];
	int i;

	(void)off, (void)fi, (void)flags;
	if (strcmp(path, "/"))
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	for (i = 0; i < FILES; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		fill(buf, name, NULL, 0, 0);
	}
	return 0;
}

static int stall_open(const char *path, struct fuse_file_info *fi)
{
	if (file_index(path) < 0)
		return -ENOENT;
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	return 0;
}

/* Say where the read stalls (once per stall), then wait for release. */
static void stall(const char *path, off_t off)
{
	FILE *f;

	if (access(release_path, F_OK) == 0)
		return;
	if (access(stalled_path, F_OK) != 0) {
		f = fopen(stalled_path, "w");
		if (f) {
			fprintf(f, "%s %lld\n", path, (long long)off);
			fclose(f);
		}
	}
	while (access(release_path, F_OK) != 0)
		usleep(20000);
}

static int stall_read(const char *path, char *buf, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	int n = file_index(path);

	(void)fi;
	if (n < 0)
		return -ENOENT;
	if (off >= FILE_SIZE)
		return 0;
	if (size > (size_t)(FILE_SIZE - off))
		size = FILE_SIZE - off;
	stall(path, off);
	memset(buf, 'a' + n, size);
	return size;
}

static const struct fuse_operations stall_ops = {
	.getattr = stall_getattr,
	.readdir = stall_readdir,
	.open = stall_open,
	.read = stall_read,
};

int main(int argc, char **argv)
{
	char **fargv;
	int i;

	if (argc < 3) {
		fprintf(stderr, "usage: %s CTLDIR MOUNTPOINT [FUSE OPTIONS...]\n",
			argv[0]);
		return 2;
	}
	snprintf(stalled_path, sizeof(stalled_path), "%s/stalled", argv[1]);
	snprintf(release_path, sizeof(release_path), "%s/release", argv[1]);
	/* fuse_main(argv[0], -f, MOUNTPOINT, the rest) */
	fargv = calloc(argc + 1, sizeof(*fargv));
	if (!fargv)
		return 1;
	fargv[0] = argv[0];
	fargv[1] = "-f";
	for (i = 2; i < argc; i++)
		fargv[i] = argv[i];
	return fuse_main(argc, fargv, &stall_ops, NULL);
}
