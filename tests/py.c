// SPDX-License-Identifier: GPL-2.0
/*
 * py: "python3 -S ARGS", run by the tests' resident Python (tests/pyserve.py)
 * when it can be. A Python start costs 0.5 to 1.5 s in a guest under software
 * emulation, most of it the standard library's imports; the resident one
 * has imported them once and forks a child for each request (some 0.1 s in
 * all), which runs ARGS as python3 would (a script, -c CODE, or - for a
 * script on standard input) with this process's standard input, output and
 * error, working directory, environment, process group, CPUs and nice
 * value.
 *
 *   py SCRIPT|-c CODE|- [ARG...]
 *
 * The child's exit status is this process's (a signal that ended it ends
 * this one); a signal this process gets is passed on to the child. Without
 * a resident Python (KUDP_PYSOCK unset, nobody listening), for a caller that
 * is not root with every capability (setpriv, capsh), or in other namespaces
 * than the resident one's (ip netns exec), py runs /usr/bin/python3 -S itself.
 *
 * The request, on a unix stream socket: a 4-byte length, with this process's
 * descriptors 0, 1 and 2 attached (SCM_RIGHTS), then that many bytes: the
 * process group, then the inode numbers of the net, mnt, pid and user
 * namespaces, in decimal, then the working directory, then the arguments,
 * an empty string, and the environment: NUL-terminated strings. The
 * answer: the child's pid (0: not served here: run python3 yourself), then
 * its wait status, as 4-byte integers.
 */
#define _GNU_SOURCE	/* environ */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The child's pid, once known, and the last signal passed on (main() reads
 * it after a system call: no compiler keeps it in a register across one).
 */
static sig_atomic_t child;
static sig_atomic_t passed_on;

static void pass_on(int sig)
{
	passed_on = sig;
	if (child > 0)
		kill(child, sig);
}

/* Run python3 -S ARGS in this process; does not return. */
static void python(char **argv)
{
	int argc = 0;
	char **args;

	while (argv[argc])
		argc++;
	args = calloc(argc + 3, sizeof(*args));
	if (!args) {
		perror("py");
		exit(1);
	}
	args[0] = "python3";
	args[1] = "-S";
	memcpy(args + 2, argv + 1, argc * sizeof(*args));
	execv("/usr/bin/python3", args);
	perror("py: /usr/bin/python3");
	exit(127);
}

/* Whether this process is root with every capability it could have. */
static int all_powerful(void)
{
	char line[256], eff[64] = "", bnd[64] = "";
	FILE *f;

	if (getuid() || geteuid())
		return 0;
	f = fopen("/proc/self/status", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "CapEff: %63s", eff) == 1)
			continue;
		if (sscanf(line, "CapBnd: %63s", bnd) == 1)
			continue;
	}
	fclose(f);
	return *eff && !strcmp(eff, bnd);
}

struct buf {
	char *p;
	size_t len, size;
};

static int add(struct buf *b, const char *s)
{
	size_t n = strlen(s) + 1;

	if (!b->p || b->len + n > b->size) {
		size_t size = (b->len + n) * 2;
		char *p = realloc(b->p, size);

		if (!p)
			return -1;
		b->p = p;
		b->size = size;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

static int add_ns(struct buf *b, const char *name)
{
	char path[64], num[32];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	if (stat(path, &st))
		return -1;
	snprintf(num, sizeof(num), "%llu", (unsigned long long)st.st_ino);
	return add(b, num);
}

/* The request, or -1 if it could not be made. */
static int request(int sock, char **argv)
{
	static const char *const ns[] = { "net", "mnt", "pid", "user" };
	int fds[3] = { 0, 1, 2 };
	char cwd[4096], num[32], cbuf[CMSG_SPACE(sizeof(fds))];
	struct buf b = { 0 };
	struct msghdr msg = { 0 };
	struct cmsghdr *cmsg;
	struct iovec iov;
	unsigned int len;
	size_t i, off;
	int ok = 0, ret = -1;

	snprintf(num, sizeof(num), "%d", (int)getpgrp());
	ok |= add(&b, num);
	for (i = 0; i < ARRAY_SIZE(ns); i++)
		ok |= add_ns(&b, ns[i]);
	ok |= getcwd(cwd, sizeof(cwd)) ? add(&b, cwd) : -1;
	for (i = 1; argv[i]; i++)
		ok |= add(&b, argv[i]);
	ok |= add(&b, "");
	for (i = 0; environ[i]; i++)
		ok |= add(&b, environ[i]);
	if (ok)
		goto out;

	len = b.len;
	iov.iov_base = &len;
	iov.iov_len = sizeof(len);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cmsg), fds, sizeof(fds));
	if (sendmsg(sock, &msg, 0) != sizeof(len))
		goto out;
	for (off = 0; off < b.len;) {
		ssize_t n = write(sock, b.p + off, b.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		off += n;
	}
	ret = 0;
out:
	free(b.p);
	return ret;
}

/* Read 4 bytes; a signal in between is passed on (pass_on()). */
static int answer(int sock, int *val)
{
	size_t off = 0;

	while (off < sizeof(*val)) {
		ssize_t n = read(sock, (char *)val + off, sizeof(*val) - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM };
	const char *path = getenv("KUDP_PYSOCK");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct sigaction sa = { .sa_handler = pass_on };
	int pid, status;
	size_t i;
	int sock;

	if (argc < 2) {
		fprintf(stderr, "usage: py SCRIPT|-c CODE|- [ARG...]\n");
		return 2;
	}
	if (!path || strlen(path) >= sizeof(addr.sun_path) || !all_powerful())
		python(argv);
	memcpy(addr.sun_path, path, strlen(path) + 1);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)))
		python(argv);
	/* From here on a signal reaches the child, once there is one. */
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	if (request(sock, argv) || answer(sock, &pid)) {
		fprintf(stderr, "py: the resident Python (%s) did not answer\n", path);
		return 1;
	}
	if (pid == 0)
		python(argv);
	child = pid;
	if (passed_on)
		kill(child, passed_on);
	if (answer(sock, &status)) {
		fprintf(stderr, "py: the resident Python (%s) gave no status for pid %d\n",
			path, pid);
		return 1;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	/* Ended by a signal: end this process by it too. */
	sa.sa_handler = SIG_DFL;
	sigaction(WTERMSIG(status), &sa, NULL);
	signal(SIGPIPE, SIG_DFL);
	kill(getpid(), WTERMSIG(status));
	return 128 + WTERMSIG(status);
}
