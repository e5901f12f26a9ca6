// SPDX-License-Identifier: GPL-2.0
/*
 * kmsg: read the kernel log by sequence number, so that no line is missed
 * or seen twice however much the log grows. A C program, not a script: the
 * test runner calls it twice per test, and a Python start takes a second
 * or more in a guest under software emulation.
 *
 *   kmsg last         print the sequence number of the newest record
 *   kmsg since SEQ    print the messages of the records after SEQ
 *
 * A record overwritten while it is read (EPIPE) is skipped; the reading
 * goes on from the oldest record still there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char rec[16384];
	long long seq, last = -1, after = 0;
	int since, fd;

	since = argc == 3 && !strcmp(argv[1], "since");
	if (!since && !(argc == 2 && !strcmp(argv[1], "last"))) {
		fprintf(stderr, "usage: %s last | since SEQ\n", argv[0]);
		return 2;
	}
	if (since)
		after = atoll(argv[2]);
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fd < 0) {
		perror("/dev/kmsg");
		return 1;
	}
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		char *msg, *end;

		if (n < 0 && errno == EPIPE)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			perror("/dev/kmsg");
			return 1;
		}
		rec[n] = '\0';
		/* "PRIORITY,SEQ,TIME,FLAGS;MESSAGE\n KEY=VALUE\n..." */
		if (sscanf(rec, "%*u,%lld,", &seq) != 1)
			continue;
		last = seq;
		msg = strchr(rec, ';');
		if (!since || seq <= after || !msg)
			continue;
		/* Continuation lines (" KEY=value") carry device info: skip. */
		end = strchr(++msg, '\n');
		if (end)
			*end = '\0';
		puts(msg);
	}
	if (!since)
		printf("%lld\n", last);
	return 0;
}
