// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-MR ODP counters over RDMA netlink (NETLINK_RDMA, the nldev client),
 * with plain sockets and the message layout of linux-libc-dev's
 * rdma_netlink.h: the same questions `rdma statistic mr` asks.
 *
 *   1. RDMA_NLDEV_CMD_GET (dump): the device's netlink index, by name;
 *   2. RDMA_NLDEV_CMD_RES_MR_GET (dump of the device's MRs): the MR's
 *      restrack id (RDMA_NLDEV_ATTR_RES_MRN), found by its lkey (the kernel
 *      puts keys in only for CAP_NET_ADMIN);
 *   3. RDMA_NLDEV_CMD_STAT_GET for that MR: its hw counters (the driver's
 *      fill_stat_mr_entry), one name/value entry each.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <rdma/rdma_netlink.h>

#include "odp.h"
#include "odp_priv.h"

#define NL_BUF (64 * 1024)
#define NL_FOUND (-1)	/* a callback has what it wanted */

struct nl {
	int fd;
	uint32_t seq;
	char *buf;
};

/* The attributes of one message or nest, by type (later ones win). */
struct nl_attrs {
	const struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];
};

static void nl_parse(struct nl_attrs *a, const void *data, size_t len)
{
	const struct nlattr *at = data;

	memset(a, 0, sizeof(*a));
	while (len >= NLA_HDRLEN && at->nla_len >= NLA_HDRLEN &&
	       at->nla_len <= len) {
		unsigned int type = at->nla_type & NLA_TYPE_MASK;
		size_t step = NLA_ALIGN(at->nla_len);

		if (type < RDMA_NLDEV_ATTR_MAX)
			a->tb[type] = at;
		if (step >= len)
			break;
		len -= step;
		at = (const void *)((const char *)at + step);
	}
}

static const void *nla_data_of(const struct nlattr *at)
{
	return (const char *)at + NLA_HDRLEN;
}

static size_t nla_len_of(const struct nlattr *at)
{
	return at->nla_len - NLA_HDRLEN;
}

static bool nla_u32(const struct nlattr *at, uint32_t *v)
{
	if (!at || nla_len_of(at) < sizeof(*v))
		return false;
	memcpy(v, nla_data_of(at), sizeof(*v));
	return true;
}

static bool nla_u64(const struct nlattr *at, uint64_t *v)
{
	if (!at || nla_len_of(at) < sizeof(*v))
		return false;
	memcpy(v, nla_data_of(at), sizeof(*v));
	return true;
}

/* A NUL-terminated string attribute equal to @s? */
static bool nla_streq(const struct nlattr *at, const char *s)
{
	size_t n = strlen(s);

	return at && nla_len_of(at) >= n + 1 &&
	       !memcmp(nla_data_of(at), s, n) &&
	       ((const char *)nla_data_of(at))[n] == '\0';
}

static int nl_open(struct nl *nl)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	nl->seq = 0;
	nl->buf = malloc(NL_BUF);
	if (!nl->buf)
		return ENOMEM;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_RDMA);
	if (nl->fd < 0 || bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = errno;

		if (nl->fd >= 0)
			close(nl->fd);
		free(nl->buf);
		return err;
	}
	return 0;
}

static void nl_close(struct nl *nl)
{
	close(nl->fd);
	free(nl->buf);
}

/* Up to three u32 attributes (type 0 ends the list). */
struct nl_req_attr {
	uint16_t type;
	uint32_t val;
};

static int nl_send(struct nl *nl, uint16_t op, uint16_t flags,
		   const struct nl_req_attr *attrs, int nattrs)
{
	struct {
		struct nlmsghdr h;
		char attrs[3 * NLA_ALIGN(NLA_HDRLEN + sizeof(uint32_t))];
	} req;
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	size_t off = 0;

	memset(&req, 0, sizeof(req));
	for (int i = 0; i < nattrs && i < 3; i++) {
		struct nlattr *at = (struct nlattr *)(req.attrs + off);

		at->nla_type = attrs[i].type;
		at->nla_len = NLA_HDRLEN + sizeof(uint32_t);
		memcpy((char *)at + NLA_HDRLEN, &attrs[i].val,
		       sizeof(uint32_t));
		off += NLA_ALIGN(at->nla_len);
	}
	req.h.nlmsg_len = NLMSG_LENGTH(off);
	req.h.nlmsg_type = RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, op);
	req.h.nlmsg_flags = NLM_F_REQUEST | flags;
	req.h.nlmsg_seq = ++nl->seq;
	if (sendto(nl->fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0)
		return errno;
	return 0;
}

/*
 * Receive the answer to the last request: every message's attributes go
 * to @fn (which returns 0 to go on, NL_FOUND when it has what it wanted, or
 * an errno value), until it has. A dump ends with NLMSG_DONE, a plain
 * request after its one answer. Return: 0, NL_FOUND, or an errno value
 * (the kernel's included).
 */
static int nl_recv(struct nl *nl, bool dump,
		   int (*fn)(const struct nl_attrs *a, void *arg), void *arg)
{
	struct nl_attrs a;
	int ret = 0;

	for (;;) {
		ssize_t n = recv(nl->fd, nl->buf, NL_BUF, 0);
		struct nlmsghdr *h = (struct nlmsghdr *)nl->buf;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != nl->seq)
				continue;	/* a stale answer */
			if (h->nlmsg_type == NLMSG_DONE)
				return ret;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return EIO;
				return e->error ? -e->error : ret;
			}
			if (ret == 0) {
				nl_parse(&a, NLMSG_DATA(h), NLMSG_PAYLOAD(h, 0));
				ret = fn(&a, arg);
				if (ret > 0)
					return ret;
			}
			if (!dump)
				return ret;
		}
	}
}

struct find_dev {
	const char *name;
	uint32_t index;
};

static int find_dev_fn(const struct nl_attrs *a, void *arg)
{
	struct find_dev *f = arg;

	if (!nla_streq(a->tb[RDMA_NLDEV_ATTR_DEV_NAME], f->name))
		return 0;
	return nla_u32(a->tb[RDMA_NLDEV_ATTR_DEV_INDEX], &f->index) ?
	       NL_FOUND : EIO;
}

struct find_mr {
	uint32_t lkey;
	uint32_t mrn;
	bool saw_entry, saw_key;
};

static int find_mr_fn(const struct nl_attrs *a, void *arg)
{
	const struct nlattr *table = a->tb[RDMA_NLDEV_ATTR_RES_MR];
	struct find_mr *f = arg;
	const struct nlattr *e;
	struct nl_attrs ea;
	size_t len;

	if (!table)
		return 0;
	e = nla_data_of(table);
	len = nla_len_of(table);
	while (len >= NLA_HDRLEN && e->nla_len >= NLA_HDRLEN &&
	       e->nla_len <= len) {
		uint32_t lkey;
		size_t step = NLA_ALIGN(e->nla_len);

		if ((e->nla_type & NLA_TYPE_MASK) == RDMA_NLDEV_ATTR_RES_MR_ENTRY) {
			f->saw_entry = true;
			nl_parse(&ea, nla_data_of(e), nla_len_of(e));
			if (nla_u32(ea.tb[RDMA_NLDEV_ATTR_RES_LKEY], &lkey)) {
				f->saw_key = true;
				if (lkey == f->lkey &&
				    nla_u32(ea.tb[RDMA_NLDEV_ATTR_RES_MRN],
					    &f->mrn))
					return NL_FOUND;
			}
		}
		if (step >= len)
			break;
		len -= step;
		e = (const void *)((const char *)e + step);
	}
	return 0;
}

static int mr_stat_fn(const struct nl_attrs *a, void *arg)
{
	const struct nlattr *table = a->tb[RDMA_NLDEV_ATTR_STAT_HWCOUNTERS];
	struct odp_counters *c = arg;
	const struct nlattr *e;
	struct nl_attrs ea;
	unsigned int found = 0;
	size_t len;

	if (!table)
		return ENODATA;
	e = nla_data_of(table);
	len = nla_len_of(table);
	while (len >= NLA_HDRLEN && e->nla_len >= NLA_HDRLEN &&
	       e->nla_len <= len) {
		size_t step = NLA_ALIGN(e->nla_len);

		nl_parse(&ea, nla_data_of(e), nla_len_of(e));
		for (int i = 0; i < ODP_NUM_COUNTERS; i++)
			if (nla_streq(ea.tb[RDMA_NLDEV_ATTR_STAT_HWCOUNTER_ENTRY_NAME],
				      odp_counter_names[i]) &&
			    nla_u64(ea.tb[RDMA_NLDEV_ATTR_STAT_HWCOUNTER_ENTRY_VALUE],
				    odp_counter_slot(c, i)))
				found |= 1u << i;
		if (step >= len)
			break;
		len -= step;
		e = (const void *)((const char *)e + step);
	}
	return found == (1u << ODP_NUM_COUNTERS) - 1 ? NL_FOUND : ENODATA;
}

int odp_nl_mr_counters(const char *ibdev, uint32_t lkey,
		       struct odp_counters *counters)
{
	struct find_dev fd = { .name = ibdev };
	struct find_mr fm = { .lkey = lkey };
	struct nl nl;
	int err;

	err = nl_open(&nl);
	if (err)
		return err;

	err = nl_send(&nl, RDMA_NLDEV_CMD_GET, NLM_F_DUMP, NULL, 0);
	if (!err)
		err = nl_recv(&nl, true, find_dev_fn, &fd);
	if (err != NL_FOUND) {
		err = err ? err : ENODEV;
		goto out;
	}

	err = nl_send(&nl, RDMA_NLDEV_CMD_RES_MR_GET, NLM_F_DUMP,
		      (struct nl_req_attr[]){
			      { RDMA_NLDEV_ATTR_DEV_INDEX, fd.index } }, 1);
	if (!err)
		err = nl_recv(&nl, true, find_mr_fn, &fm);
	if (err != NL_FOUND) {
		/* MRs listed without keys: the kernel hides them from us */
		if (!err)
			err = fm.saw_entry && !fm.saw_key ? EPERM : ENOENT;
		goto out;
	}

	err = nl_send(&nl, RDMA_NLDEV_CMD_STAT_GET, 0,
		      (struct nl_req_attr[]){
			      { RDMA_NLDEV_ATTR_DEV_INDEX, fd.index },
			      { RDMA_NLDEV_ATTR_STAT_RES, RDMA_NLDEV_ATTR_RES_MR },
			      { RDMA_NLDEV_ATTR_RES_MRN, fm.mrn } }, 3);
	if (!err)
		err = nl_recv(&nl, false, mr_stat_fn, counters);
	if (err == NL_FOUND)
		err = 0;
	else if (!err)
		err = ENODATA;
out:
	nl_close(&nl);
	return err;
}
