// SPDX-License-Identifier: GPL-2.0
/*
 * kudp_ioctl: the ioctls of /dev/send_udp and /dev/receive_udp, from user
 * space, through the project's UAPI header.
 *
 *   kudp_ioctl stats DEV          print the statistics, "name value" a line
 *   kudp_ioctl reset DEV|-N       zero the counters (CAP_NET_ADMIN)
 *   kudp_ioctl discard DEV|-N     discard the buffer (CAP_NET_ADMIN)
 *   kudp_ioctl read DEV OUT       save the completed message to OUT and
 *                                 print "seq BYTES" (KUDP_IOC_GET_SEQ)
 *   kudp_ioctl stats-as DEV N     GET_STATS as a program whose struct
 *                                 kudp_stats has N bytes (an older or a
 *                                 newer header: the command number says
 *                                 N too); print "size S version V seq Q
 *                                 untouched U": S bytes filled, and U of
 *                                 the N - S bytes beyond left as they were
 *   kudp_ioctl override DEV FLAGS ADDR PORT RATE MODE PAD
 *                                 KUDP_IOC_SEND_OVERRIDE with these fields
 *                                 (ADDR a dotted quad, the rest numbers)
 *
 * -N uses the already open file descriptor N. Exits 1 with the error's
 * name (EPERM, ...) on stderr when a call fails.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kudp.h"

static const char *errname(int err)
{
	switch (err) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case EBUSY: return "EBUSY";
	case ENOTTY: return "ENOTTY";
	case EINVAL: return "EINVAL";
	case EBADF: return "EBADF";
	case ESTALE: return "ESTALE";
	default: return strerror(err);
	}
}

static int fail(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, errname(errno));
	return 1;
}

static int open_dev(const char *arg, int flags)
{
	if (arg[0] == '-')
		return atoi(arg + 1);
	return open(arg, flags);
}

static int stats(int fd)
{
	struct kudp_stats st = { .size = sizeof(st) };

	if (ioctl(fd, KUDP_IOC_GET_STATS, &st))
		return fail("KUDP_IOC_GET_STATS");
	printf("size %u\nversion %u\nstate %u\nreason %u\nseq %llu\n"
	       "cur_bytes %llu\ncur_datagrams %llu\nlast_bytes %llu\n"
	       "last_datagrams %llu\nmessages %llu\noverflow_bytes %llu\n"
	       "drops %llu\nudp_errors %llu\nerrors %llu\nlast_error %d\n"
	       "crc32 %08x\ncapacity %llu\nrejected %llu\nzerocopy_calls %llu\n"
	       "zerocopy_copied %llu\n",
	       st.size, st.version, st.state, st.reason,
	       (unsigned long long)st.seq, (unsigned long long)st.cur_bytes,
	       (unsigned long long)st.cur_datagrams,
	       (unsigned long long)st.last_bytes,
	       (unsigned long long)st.last_datagrams,
	       (unsigned long long)st.messages,
	       (unsigned long long)st.overflow_bytes,
	       (unsigned long long)st.drops, (unsigned long long)st.udp_errors,
	       (unsigned long long)st.errors, st.last_error, st.crc32,
	       (unsigned long long)st.capacity, (unsigned long long)st.rejected,
	       (unsigned long long)st.zerocopy_calls,
	       (unsigned long long)st.zerocopy_copied);
	return 0;
}

static int stats_as(int fd, unsigned int n)
{
	static union {
		struct kudp_stats st;
		unsigned char bytes[4096];
	} u;
	unsigned int i, untouched = 0;

	if (n < 24 || n > sizeof(u)) {
		fprintf(stderr, "stats-as: N from 24 to %zu\n", sizeof(u));
		return 2;
	}
	memset(&u, 0xaa, sizeof(u));
	u.st.size = n;
	if (ioctl(fd, _IOC(_IOC_READ | _IOC_WRITE, KUDP_IOC_MAGIC, 1, n), &u))
		return fail("KUDP_IOC_GET_STATS");
	for (i = u.st.size; i < n; i++)
		untouched += u.bytes[i] == 0xaa;
	/* seq is within the first 24 bytes of every version. */
	printf("size %u version %u seq %llu untouched %u\n", u.st.size, u.st.version,
	       (unsigned long long)u.st.seq, untouched);
	return 0;
}

static int save(int fd, const char *out)
{
	static char buf[1 << 20];
	unsigned long long total = 0;
	__u64 seq;
	ssize_t n;
	int ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (ofd < 0)
		return fail(out);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (write(ofd, buf, n) != n)
			return fail(out);
		total += n;
	}
	if (n < 0)
		return fail("read");
	close(ofd);
	if (ioctl(fd, KUDP_IOC_GET_SEQ, &seq))
		return fail("KUDP_IOC_GET_SEQ");
	printf("%llu %llu\n", (unsigned long long)seq, total);
	return 0;
}

static int override(int fd, char **argv)
{
	struct kudp_send_override o = {
		.flags = strtoul(argv[0], NULL, 0),
		.port = strtoul(argv[2], NULL, 0),
		.rate = strtoull(argv[3], NULL, 0),
		.mode = strtoul(argv[4], NULL, 0),
		.pad = strtoul(argv[5], NULL, 0),
	};

	if (inet_pton(AF_INET, argv[1], &o.addr) != 1) {
		fprintf(stderr, "%s: '%s' is not an IPv4 address\n", __func__, argv[1]);
		return 2;
	}
	return ioctl(fd, KUDP_IOC_SEND_OVERRIDE, &o) ? fail("KUDP_IOC_SEND_OVERRIDE") : 0;
}

int main(int argc, char **argv)
{
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: %s stats|reset|discard|read DEV|-FD [OUT]\n", argv[0]);
		return 2;
	}
	fd = open_dev(argv[2], O_RDONLY);
	if (fd < 0)
		return fail(argv[2]);
	if (!strcmp(argv[1], "stats"))
		return stats(fd);
	if (!strcmp(argv[1], "reset"))
		return ioctl(fd, KUDP_IOC_RESET) ? fail("KUDP_IOC_RESET") : 0;
	if (!strcmp(argv[1], "discard"))
		return ioctl(fd, KUDP_IOC_DISCARD) ? fail("KUDP_IOC_DISCARD") : 0;
	if (!strcmp(argv[1], "read") && argc == 4)
		return save(fd, argv[3]);
	if (!strcmp(argv[1], "stats-as") && argc == 4)
		return stats_as(fd, atoi(argv[3]));
	if (!strcmp(argv[1], "override") && argc == 9)
		return override(fd, argv + 3);
	fprintf(stderr, "%s: unknown command %s\n", argv[0], argv[1]);
	return 2;
}
