// SPDX-License-Identifier: GPL-2.0
/*
 * flood: send small UDP datagrams as fast as one process can, for a bounded
 * time: what anyone on the network could do to port 8808.
 *
 *   flood ADDR PORT SECONDS [SIZE [FROM]]
 *
 * Sends SIZE-byte datagrams (default 1) to ADDR:PORT in batches of 256 per
 * sendmmsg(2) until SECONDS have passed or SIGTERM comes, then prints how
 * many it sent, from the address FROM (an address of this host's) if
 * given. The socket is not connected: nothing the destination answers
 * stops it. Exits 1 on a bad argument.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 256

/* Set by SIGTERM; read after each system call (so never kept in a register). */
static sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static char payload[65507];
	struct mmsghdr msgs[BATCH];
	struct iovec iov = { .iov_base = payload };
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct sockaddr_in from = { .sin_family = AF_INET };
	struct sigaction sa = { .sa_handler = on_term };
	unsigned long long sent = 0;
	double end;
	int fd, i;

	if (argc < 4 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 ||
	    (argc > 5 && inet_pton(AF_INET, argv[5], &from.sin_addr) != 1)) {
		fprintf(stderr, "usage: %s ADDR PORT SECONDS [SIZE [FROM]]\n", argv[0]);
		return 1;
	}
	to.sin_port = htons(atoi(argv[2]));
	end = now() + atof(argv[3]);
	iov.iov_len = argc > 4 ? strtoul(argv[4], NULL, 0) : 1;
	if (iov.iov_len > sizeof(payload)) {
		fprintf(stderr, "%s: SIZE is at most %zu\n", argv[0], sizeof(payload));
		return 1;
	}
	memset(payload, 'f', iov.iov_len);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	if (argc > 5 && bind(fd, (struct sockaddr *)&from, sizeof(from))) {
		perror(argv[5]);
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_name = &to;
		msgs[i].msg_hdr.msg_namelen = sizeof(to);
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	while (!stop && now() < end) {
		int n = sendmmsg(fd, msgs, BATCH, 0);

		if (n > 0)
			sent += n;
	}
	printf("%llu\n", sent);
	return 0;
}
