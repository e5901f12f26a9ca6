// SPDX-License-Identifier: GPL-2.0
/*
 * kudpctl: status, events, send and receive, reset and discard for
 * send_udp and receive_udp.
 *
 * It talks to the modules' generic netlink families (include/uapi/kudp.h)
 * through libnl-genl-3, and moves data through /dev/send_udp and
 * /dev/receive_udp. See Documentation/kudpctl.1 for the manual.
 *
 * Exit codes: KUDPCTL_OK and the others below.
 */
#define _GNU_SOURCE		/* renameat2() */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <zlib.h>

#include "kudp.h"

/* The project's version: the Makefile passes kudp_core.h's. */
#ifndef KUDP_VERSION
#error "KUDP_VERSION is not defined: build kudpctl with make (TOOL_CFLAGS)"
#endif

enum {
	KUDPCTL_OK,		/* done */
	KUDPCTL_FAILED,		/* the send failed, the data did not match, I/O */
	KUDPCTL_USAGE,		/* bad command line */
	KUDPCTL_NOT_LOADED,	/* the module is not loaded */
	KUDPCTL_PERM,		/* permission denied, CAP_NET_ADMIN missing */
	KUDPCTL_TIMEOUT,	/* recv: no message (started, progressed) in time */
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define SEND_MODULE	"send_udp"
#define RECV_MODULE	"receive_udp"
#define CHUNK		(1024 * 1024)
/* While waiting, the progress bar is redrawn this often. */
#define TICK_MS		200

static const char *prog = "kudpctl";
/* Set by the signal handler: lock-free, so async-signal-safe. */
static atomic_int interrupted;

/* ------------------------------------------------------------------------
 * Small helpers
 */

static void on_signal(int sig)
{
	interrupted = sig;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* zlib's CRC-32, which the modules report; @len is at most CHUNK. */
static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t len)
{
	return crc32(crc, p, (unsigned int)len);
}

/*
 * Read module @module's parameter @name into @buf (its first line, without
 * the newline); an empty string if it cannot be read.
 */
static void read_param(const char *module, const char *name, char *buf, size_t size)
{
	char path[128];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", module, name);
	f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(buf, size, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/* Report a failed system call on @what and map its errno to an exit code. */
static int sys_fail(const char *what)
{
	int err = errno;

	if (err == EACCES || err == EPERM) {
		fprintf(stderr, "%s: %s: permission denied (run as root)\n", prog, what);
		return KUDPCTL_PERM;
	}
	if (err == ENOENT || err == ENXIO || err == ENODEV) {
		fprintf(stderr, "%s: %s: %s (is the module loaded?)\n", prog, what,
			strerror(err));
		return KUDPCTL_NOT_LOADED;
	}
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
	return KUDPCTL_FAILED;
}

/*
 * --key-file: the modules' shared key (their "key" parameter, which
 * authenticates mode=reliable: Documentation/protocol.rst), as 64 hex
 * digits. The key is never printed: messages name the file and say what
 * is wrong with it, never what it holds.
 */
#define KEY_DIGITS	64

/*
 * Read the key of --key-file @path into @key (KEY_DIGITS hex digits, not
 * NUL-terminated). The file must be a regular file that group and others
 * can neither read, write nor run (st_mode & 077 clear), holding the
 * digits and an optional newline, nothing else. read(2) takes it into a
 * buffer wiped before return (no stdio buffer ever holds it). Return 0,
 * or an exit code after saying why: KUDPCTL_PERM for a file that others
 * may use or that we may not open, KUDPCTL_USAGE for one that is missing,
 * not a regular file or not a key, KUDPCTL_FAILED for an I/O error.
 */
static int read_key_file(const char *path, char *key)
{
	char buf[KEY_DIGITS + 2];
	int fd, err, ret = KUDPCTL_USAGE;
	size_t len = 0, digits, i;
	struct stat st;
	ssize_t n;

	/* O_NONBLOCK: the open of a FIFO does not wait (it is refused below). */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		fprintf(stderr, "%s: --key-file %s: %s\n", prog, path, strerror(err));
		return err == EACCES || err == EPERM ? KUDPCTL_PERM : KUDPCTL_USAGE;
	}
	if (fstat(fd, &st)) {
		fprintf(stderr, "%s: --key-file %s: %s\n", prog, path, strerror(errno));
		ret = KUDPCTL_FAILED;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s: --key-file %s: not a regular file\n", prog, path);
		goto out;
	}
	if (st.st_mode & 077) {
		fprintf(stderr,
			"%s: --key-file %s: refused: group or others may use it (mode %04o); chmod 600 it\n",
			prog, path, (unsigned int)(st.st_mode & 07777));
		ret = KUDPCTL_PERM;
		goto out;
	}
	/* One byte more than a key and its newline: enough to see there is more. */
	while (len < sizeof(buf)) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: --key-file %s: %s\n", prog, path, strerror(errno));
			ret = KUDPCTL_FAILED;
			goto out;
		}
		if (!n)
			break;
		len += n;
	}
	/* What comes before the optional newline must be the digits. */
	digits = len && buf[len - 1] == '\n' ? len - 1 : len;
	for (i = 0; i < digits && i < KEY_DIGITS; i++) {
		if (!isxdigit((unsigned char)buf[i]))
			break;
	}
	if (i < digits && i < KEY_DIGITS) {
		fprintf(stderr,
			"%s: --key-file %s: not a key: byte %zu is not a hex digit (64 hex digits expected, then an optional newline)\n",
			prog, path, i + 1);
		goto out;
	}
	if (digits < KEY_DIGITS) {
		fprintf(stderr, "%s: --key-file %s: not a key: %zu hex digits, not 64 (32 bytes)\n",
			prog, path, digits);
		goto out;
	}
	if (digits > KEY_DIGITS) {
		fprintf(stderr,
			"%s: --key-file %s: not a key: more than 64 hex digits and a newline\n",
			prog, path);
		goto out;
	}
	memcpy(key, buf, KEY_DIGITS);
	ret = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return ret;
}

/*
 * Give module @module the key @key (KEY_DIGITS hex digits): one write(2)
 * to its key parameter (mode 0200: root writes it, nobody reads it back).
 * Return 0, or an exit code after saying why.
 */
static int write_key(const char *module, const char *key)
{
	char path[128];
	int fd, err;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/key", module);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		char dir[64];
		struct stat st;

		snprintf(dir, sizeof(dir), "/sys/module/%s", module);
		if (stat(dir, &st)) {
			fprintf(stderr, "%s: %s is not loaded (insmod %s.ko, or modprobe %s)\n",
				prog, module, module, module);
			return KUDPCTL_NOT_LOADED;
		}
		fprintf(stderr,
			"%s: %s has no key parameter (an older module?): it cannot take --key-file\n",
			prog, module);
		return KUDPCTL_FAILED;
	}
	if (fd < 0)
		return sys_fail(path);
	/* A parameter takes its value in one write: never a short one. */
	n = write(fd, key, KEY_DIGITS);
	err = n < 0 ? errno : n == KEY_DIGITS ? 0 : EIO;
	close(fd);
	if (!err)
		return 0;
	if (err == EINVAL) {
		char mode[16];

		fprintf(stderr, "%s: %s: the module rejected the key (%s)", prog, path,
			strerror(err));
		/* receive_udp takes a key in mode=reliable only. */
		read_param(module, "mode", mode, sizeof(mode));
		if (!strcmp(mode, "raw"))
			fprintf(stderr,
				": a key authenticates mode=reliable only, and %s is mode=raw",
				module);
		fputc('\n', stderr);
		return KUDPCTL_USAGE;
	}
	errno = err;
	return sys_fail(path);
}

/*
 * The progress bar, on standard error when it is a terminal: @done of
 * @total bytes (@total 0: unknown), since @start, the rate and, with
 * @total, the time left at that rate. One line of fewer than 80 columns.
 */
static bool progress_on;

static void progress(const char *what, __u64 done, __u64 total, double start)
{
	double secs = now() - start;
	double rate = secs > 0 ? done / secs : 0;
	double mib = 1 << 20;
	int width = 20, fill, i;
	char eta[32] = "--:--";

	if (!progress_on)
		return;
	if (!total) {
		fprintf(stderr, "\r%s %llu bytes  %.1f MiB/s   ", what, done, rate / mib);
		return;
	}
	if (done >= total) {
		snprintf(eta, sizeof(eta), "0:00");
	} else if (rate > 0) {
		unsigned long left = (unsigned long)((total - done) / rate + 0.5);

		if (left < 3600)
			snprintf(eta, sizeof(eta), "%lu:%02lu", left / 60, left % 60);
		else
			snprintf(eta, sizeof(eta), "%lu:%02lu:%02lu", left / 3600,
				 left / 60 % 60, left % 60);
	}
	fill = done >= total ? width : (int)(done * width / total);
	fprintf(stderr, "\r%s [", what);
	for (i = 0; i < width; i++)
		fputc(i < fill ? '#' : '.', stderr);
	fprintf(stderr, "] %3d%%  %.1f of %.1f MiB  %.1f MiB/s  ETA %s   ",
		done >= total ? 100 : (int)(done * 100 / total), done / mib, total / mib,
		rate / mib, eta);
}

static void progress_end(void)
{
	if (progress_on)
		fputs("\r\033[K", stderr);
}

/* ------------------------------------------------------------------------
 * Netlink
 */

/* What the tool knows of each attribute: its name and how to print it. */
enum kind { K_U64, K_U32, K_S32, K_HEX, K_STATE, K_REASON, K_CAUSE, K_NS };

static const struct {
	const char *name;
	enum kind kind;
} attr_info[KUDP_A_MAX + 1] = {
	[KUDP_A_STATE] = { "state", K_STATE },
	[KUDP_A_REASON] = { "reason", K_REASON },
	[KUDP_A_SEQ] = { "seq", K_U64 },
	[KUDP_A_CUR_BYTES] = { "cur_bytes", K_U64 },
	[KUDP_A_CUR_DATAGRAMS] = { "cur_datagrams", K_U64 },
	[KUDP_A_LAST_BYTES] = { "last_bytes", K_U64 },
	[KUDP_A_LAST_DATAGRAMS] = { "last_datagrams", K_U64 },
	[KUDP_A_MESSAGES] = { "messages", K_U64 },
	[KUDP_A_OVERFLOW_BYTES] = { "overflow_bytes", K_U64 },
	[KUDP_A_DROPS] = { "drops", K_U64 },
	[KUDP_A_UDP_ERRORS] = { "udp_errors", K_U64 },
	[KUDP_A_ERRORS] = { "errors", K_U64 },
	[KUDP_A_LAST_ERROR] = { "last_error", K_S32 },
	[KUDP_A_CRC32] = { "crc32", K_HEX },
	[KUDP_A_CAPACITY] = { "capacity", K_U64 },
	[KUDP_A_BYTES] = { "bytes", K_U64 },
	[KUDP_A_DATAGRAMS] = { "datagrams", K_U64 },
	[KUDP_A_DURATION_NS] = { "duration_ns", K_NS },
	[KUDP_A_RESULT] = { "result", K_S32 },
	[KUDP_A_CAUSE] = { "cause", K_CAUSE },
	[KUDP_A_REJECTED] = { "rejected", K_U64 },
	[KUDP_A_ZEROCOPY_CALLS] = { "zerocopy_calls", K_U64 },
	[KUDP_A_ZEROCOPY_COPIED] = { "zerocopy_copied", K_U64 },
};

static struct nla_policy attr_policy[KUDP_A_MAX + 1];

static void init_policy(void)
{
	int a;

	for (a = 0; a <= KUDP_A_MAX; a++) {
		if (!attr_info[a].name)
			continue;
		switch (attr_info[a].kind) {
		case K_U64:
		case K_NS:
			attr_policy[a].type = NLA_U64;
			break;
		default:
			attr_policy[a].type = NLA_U32;
		}
	}
}

static const char *const state_names[] = {
	"idle", "filling", "sending", "empty", "receiving", "complete",
};

static const char *const reason_names[] = { "none", "idle", "full", "whole" };
static const char *const cause_names[] = { "?", "request", "replaced", "incomplete", "crc" };
static const char *const event_names[KUDP_CMD_MAX + 1] = {
	[KUDP_CMD_COMPLETE] = "complete",
	[KUDP_CMD_DISCARDED] = "discarded",
	[KUDP_CMD_SENT] = "sent",
};

static const char *name_of(const char *const *names, size_t n, __u64 v)
{
	return v < n && names[v] ? names[v] : "?";
}

#define NAME_OF(names, v) name_of(names, ARRAY_SIZE(names), v)

/* A message's attributes, parsed; present[a] says whether a came. */
struct reply {
	int cmd;
	bool present[KUDP_A_MAX + 1];
	__u64 val[KUDP_A_MAX + 1];
};

static int parse_reply(struct nl_msg *msg, struct reply *r)
{
	struct nlattr *tb[KUDP_A_MAX + 1];
	struct genlmsghdr *gh = genlmsg_hdr(nlmsg_hdr(msg));
	int a, ret;

	ret = genlmsg_parse(nlmsg_hdr(msg), 0, tb, KUDP_A_MAX, attr_policy);
	if (ret < 0)
		return ret;
	memset(r, 0, sizeof(*r));
	r->cmd = gh->cmd;
	for (a = 0; a <= KUDP_A_MAX; a++) {
		if (!tb[a] || !attr_info[a].name)
			continue;
		r->present[a] = true;
		if (attr_policy[a].type == NLA_U64)
			r->val[a] = nla_get_u64(tb[a]);
		else if (attr_info[a].kind == K_S32)
			r->val[a] = (__u64)(__s64)(int32_t)nla_get_u32(tb[a]);
		else
			r->val[a] = nla_get_u32(tb[a]);
	}
	return 0;
}

/* One module's family: a socket for requests, one for its events. */
struct family {
	const char *name;
	int id;
	struct nl_sock *req;
};

static int nl_fail(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, nl_geterror(err));
	return err == -NLE_PERM ? KUDPCTL_PERM : KUDPCTL_FAILED;
}

/*
 * Connect to @name's family. Return 0, KUDPCTL_NOT_LOADED (with a message
 * unless @quiet) or KUDPCTL_FAILED.
 */
static int family_open(struct family *f, const char *name, bool quiet)
{
	int ret;

	f->name = name;
	f->req = nl_socket_alloc();
	if (!f->req) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return KUDPCTL_FAILED;
	}
	ret = genl_connect(f->req);
	if (ret < 0) {
		nl_socket_free(f->req);
		f->req = NULL;
		return nl_fail("netlink", ret);
	}
	f->id = genl_ctrl_resolve(f->req, name);
	if (f->id < 0) {
		nl_socket_free(f->req);
		f->req = NULL;
		if (!quiet)
			fprintf(stderr, "%s: %s is not loaded (insmod %s.ko, or modprobe %s)\n",
				prog, name, name, name);
		return KUDPCTL_NOT_LOADED;
	}
	return 0;
}

static void family_close(struct family *f)
{
	nl_socket_free(f->req);
	f->req = NULL;
}

/* A request in flight: its reply (if any) goes to @r; @done once the ACK came. */
struct request {
	struct reply *r;
	bool done;
};

static int on_reply(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;
	int ret;

	if (!req->r)
		return NL_OK;
	ret = parse_reply(msg, req->r);
	if (ret < 0)
		fprintf(stderr, "%s: a malformed reply: %s\n", prog, nl_geterror(ret));
	return NL_OK;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;

	req->done = true;
	return NL_STOP;
}

/*
 * Send request @cmd (no attributes) to @f and wait for its ACK; its reply,
 * if @r, into @r. Return 0, or a negative libnl error (the kernel's errno,
 * as libnl maps it: -NLE_PERM for EPERM) without saying anything, or
 * KUDPCTL_FAILED after saying why.
 */
static int request(struct family *f, int cmd, struct reply *r)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct request req = { .r = r };
	struct nl_cb *cb, *orig;
	int ret;

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, f->id, 0, 0,
				 cmd, KUDP_GENL_VERSION)) {
		nlmsg_free(msg);
		fprintf(stderr, "%s: out of memory\n", prog);
		return KUDPCTL_FAILED;
	}
	if (r)
		memset(r, 0, sizeof(*r));
	/* Sent with NLM_F_ACK (libnl's default): the reply if any, then the ACK. */
	ret = nl_send_auto(f->req, msg);
	nlmsg_free(msg);
	if (ret < 0)
		return ret;
	/* nl_socket_get_cb() takes a reference: the clone is ours alone. */
	orig = nl_socket_get_cb(f->req);
	cb = nl_cb_clone(orig);
	nl_cb_put(orig);
	if (!cb) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return KUDPCTL_FAILED;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_reply, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &req);
	/*
	 * One nl_recvmsgs() reads what one recvmsg() returns: the reply and
	 * the ACK may come apart (nl_send_sync() would stop at the reply and
	 * leave the ACK for the next request). An error comes back negative.
	 */
	while (!req.done && ret >= 0)
		ret = nl_recvmsgs(f->req, cb);
	nl_cb_put(cb);
	return ret < 0 ? ret : 0;
}

/* KUDP_CMD_GET_STATS: the module's figures into @r. */
static int get_stats(struct family *f, struct reply *r)
{
	int ret = request(f, KUDP_CMD_GET_STATS, r);

	if (ret < 0)
		return nl_fail(f->name, ret);
	if (ret)
		return ret;
	if (!r->present[KUDP_A_STATE]) {
		fprintf(stderr, "%s: %s: no statistics in the reply\n", prog, f->name);
		return KUDPCTL_FAILED;
	}
	return 0;
}

/*
 * Open a socket for the events of the @n families in @f that are loaded,
 * and for nlctrl's notifications (families come and go), delivered to @cb
 * with @arg; into *@res. Return 0, or an exit code after saying why
 * (KUDPCTL_PERM: joining an events group needs CAP_NET_ADMIN).
 */
static int events_open(struct family *f, int n, nl_recvmsg_msg_cb_t cb,
		       void *arg, struct nl_sock **res)
{
	struct nl_sock *sk = nl_socket_alloc();
	int i, grp, err = -NLE_NOMEM;

	*res = NULL;
	if (!sk)
		goto err;
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, cb, arg);
	err = genl_connect(sk);
	if (err < 0)
		goto err;
	for (i = 0; i < n; i++) {
		if (!f[i].req)
			continue;
		grp = genl_ctrl_resolve_grp(f[i].req, f[i].name, KUDP_GENL_MCGRP_EVENTS);
		err = grp < 0 ? grp : nl_socket_add_membership(sk, grp);
		if (err < 0)
			goto err;
		grp = genl_ctrl_resolve_grp(f[i].req, "nlctrl", "notify");
		if (grp >= 0)
			nl_socket_add_membership(sk, grp);
	}
	*res = sk;
	return 0;
err:
	nl_socket_free(sk);
	if (err == -NLE_PERM) {
		fprintf(stderr, "%s: events: permission denied (listening needs CAP_NET_ADMIN)\n",
			prog);
		return KUDPCTL_PERM;
	}
	fprintf(stderr, "%s: cannot join the events group: %s\n", prog, nl_geterror(err));
	return KUDPCTL_FAILED;
}

/*
 * Wait up to @ms for the socket to be readable, then take what came.
 * Return 1 if something was read, 0 on timeout or signal, or a libnl error.
 */
static int events_wait(struct nl_sock *sk, int ms)
{
	struct pollfd pfd = { .fd = nl_socket_get_fd(sk), .events = POLLIN };
	int ret = poll(&pfd, 1, ms);

	if (ret <= 0)
		return 0;
	ret = nl_recvmsgs_default(sk);
	if (ret == -NLE_NOMEM) {
		/* ENOBUFS: our socket overflowed and events were lost. */
		fprintf(stderr, "%s: events were lost (socket buffer full)\n", prog);
		return 1;
	}
	return ret < 0 ? ret : 1;
}

/* ------------------------------------------------------------------------
 * Printing
 */

static void print_value(FILE *out, int a, __u64 v, bool json)
{
	switch (attr_info[a].kind) {
	case K_STATE:
		fprintf(out, json ? "\"%s\"" : "%s", NAME_OF(state_names, v));
		break;
	case K_REASON:
		fprintf(out, json ? "\"%s\"" : "%s", NAME_OF(reason_names, v));
		break;
	case K_CAUSE:
		fprintf(out, json ? "\"%s\"" : "%s", NAME_OF(cause_names, v));
		break;
	case K_HEX:
		fprintf(out, json ? "\"%08llx\"" : "%08llx", v);
		break;
	case K_S32:
		fprintf(out, "%lld", (__s64)v);
		break;
	default:
		fprintf(out, "%llu", v);
	}
}

static void print_status(const char *module, const struct reply *r, bool json,
			 bool first)
{
	int a;

	if (json)
		printf("%s\"%s\": {", first ? "" : ", ", module);
	else
		printf("%s%s\n", first ? "" : "\n", module);
	for (a = 0; a <= KUDP_A_MAX; a++) {
		if (!r->present[a])
			continue;
		if (json) {
			printf("%s\"%s\": ", a == KUDP_A_STATE ? "" : ", ", attr_info[a].name);
			print_value(stdout, a, r->val[a], true);
		} else {
			printf("  %-16s ", attr_info[a].name);
			print_value(stdout, a, r->val[a], false);
			putchar('\n');
		}
	}
	if (json)
		putchar('}');
}

/* The order of an event's fields on its line. */
static const int event_order[] = {
	KUDP_A_SEQ, KUDP_A_BYTES, KUDP_A_DATAGRAMS, KUDP_A_REASON, KUDP_A_CAUSE,
	KUDP_A_RESULT, KUDP_A_CRC32, KUDP_A_DURATION_NS,
};

static void print_event(const char *module, const struct reply *r, bool json)
{
	size_t i;

	if (json)
		printf("{\"module\": \"%s\", \"event\": \"%s\"", module,
		       NAME_OF(event_names, r->cmd));
	else
		printf("%s %s", module, NAME_OF(event_names, r->cmd));
	for (i = 0; i < ARRAY_SIZE(event_order); i++) {
		int a = event_order[i];

		if (!r->present[a])
			continue;
		if (json) {
			printf(", \"%s\": ", attr_info[a].name);
			print_value(stdout, a, r->val[a], true);
		} else if (attr_info[a].kind == K_NS) {
			printf(" duration=%.3fs", r->val[a] / 1e9);
		} else {
			printf(" %s=", attr_info[a].name);
			print_value(stdout, a, r->val[a], false);
		}
	}
	puts(json ? "}" : "");
	fflush(stdout);
}

/* ------------------------------------------------------------------------
 * Commands
 */

static const char usage_main[] =
	"Usage: kudpctl COMMAND [OPTIONS]\n"
	"       kudpctl --version\n"
	"\n"
	"  status [send|receive] [--json]   the modules' figures\n"
	"  monitor [--json]                 print events until interrupted\n"
	"  send FILE|-                      send a file and wait until it is sent\n"
	"  recv [-o FILE] [--start-timeout S] [--idle-timeout S] [--json]\n"
	"                                   wait for the next message and save it\n"
	"  recv --loop --dir DIR [--json]   save every message as a new file in DIR\n"
	"  reset [send|receive]             zero the modules' counters\n"
	"  discard [send|receive]           empty the modules' buffers\n"
	"\n"
	"kudpctl COMMAND --help describes a command. Exit codes: 0 done, 1 failed,\n"
	"2 usage, 3 module not loaded, 4 permission denied, 5 timeout.\n";

static const char usage_status[] =
	"Usage: kudpctl status [send|receive] [--json]\n"
	"\n"
	"Print the statistics of send_udp and receive_udp (or of the one named),\n"
	"as in /sys/class/<module>/<module>/. With --json, one JSON object keyed\n"
	"by module name. A module that is not loaded is left out; exit code 3 if\n"
	"none (or the one named) is loaded.\n";

static const char usage_monitor[] =
	"Usage: kudpctl monitor [--json]\n"
	"\n"
	"Print each event of send_udp and receive_udp as it happens, one line\n"
	"each (a JSON object per line with --json), until interrupted:\n"
	"  receive_udp complete seq= bytes= datagrams= reason=idle|full|whole crc32= duration=\n"
	"  receive_udp discarded seq= bytes= datagrams= cause=request|replaced|incomplete|crc\n"
	"  send_udp sent seq= bytes= datagrams= result= crc32= duration=\n"
	"and \"MODULE unloaded\" / \"MODULE loaded\" as the modules come and go.\n";

static const char usage_send[] =
	"Usage: kudpctl send [--to ADDR] [--port N] [--rate R] [--mode raw|reliable]\n"
	"                    [--key-file KEYFILE] [--json] FILE|-\n"
	"\n"
	"Write FILE (or standard input) into /dev/send_udp, wait for the send to\n"
	"finish, and print its size, datagrams, CRC-32, destination and rate (and,\n"
	"in reliable mode, that the receiver confirmed it). Waits while another\n"
	"send is in progress. Input larger than send_udp's buffer is not sent.\n"
	"\n"
	"  --to ADDR    send to this IPv4 address (default: send_udp's ip)\n"
	"  --port N     to this UDP port, 1-65535 (default: send_udp's port)\n"
	"  --rate R     at most R bytes per second, K/M/G allowed, 0 for no limit\n"
	"               (default: send_udp's rate)\n"
	"  --mode M     raw or reliable (default: send_udp's mode)\n"
	"  --key-file KEYFILE\n"
	"               set send_udp's key from KEYFILE before the send (the\n"
	"               reliable mode's authentication: the receiver needs the\n"
	"               same; the send must be reliable): 64 hex digits and an\n"
	"               optional newline, in a regular file that group and others\n"
	"               cannot use (mode 0600)\n"
	"  --json       print one JSON object at the end instead of the report\n"
	"\n"
	"The options apply to this send only, and send_udp's parameters do not\n"
	"change; but --key-file sets send_udp's key, which later sends keep.\n"
	"Exit code 1 if the send failed (no receiver at the destination, or, in\n"
	"reliable mode, the receiver refused the message) or its CRC-32 is not\n"
	"the file's; 2 for a bad option (an address send_udp refuses, a KEYFILE\n"
	"that is no key, included); 4 for a KEYFILE that group or others may use;\n"
	"root only (/dev/send_udp is mode 0600).\n";

static const char usage_recv[] =
	"Usage: kudpctl recv [-o FILE] [--start-timeout S] [--idle-timeout S]\n"
	"                    [--timeout S] [--key-file KEYFILE] [--json]\n"
	"       kudpctl recv --loop --dir DIR [--key-file KEYFILE] [--json]\n"
	"\n"
	"Wait for receive_udp's next completed message, then save exactly that\n"
	"message to FILE (default: standard output), checking its sequence\n"
	"number, size and CRC-32.\n"
	"  --start-timeout S  exit 5 if no message has started within S seconds\n"
	"  --idle-timeout S   exit 5 if the message gets no new bytes for S seconds\n"
	"                     (a transfer that goes on is never cut short)\n"
	"  --timeout S        exit 5 if no message has completed within S seconds,\n"
	"                     however far it got (bounds the whole transfer)\n"
	"  --key-file KEYFILE set receive_udp's key from KEYFILE before waiting (the\n"
	"                     reliable mode's authentication: the sender needs the\n"
	"                     same; receive_udp must be mode=reliable; the key\n"
	"                     stays set): 64 hex digits and an optional newline,\n"
	"                     in a regular file that group and others cannot use\n"
	"                     (mode 0600; exit 4 if they can, 2 if it is no key)\n"
	"  --json             print what was saved as a JSON object (needs -o)\n"
	"  --loop --dir DIR   save every message as a new file in DIR, named\n"
	"                     kudp-TIME-seqN-CRC32.bin, one line (or JSON object)\n"
	"                     each, until interrupted; exit 1 if any could not be\n"
	"                     saved (each is said on standard error)\n"
	"Exit code 1 if the message was replaced or discarded before it was read\n"
	"(FILE is then removed). Root only (/dev/receive_udp is mode 0600).\n";

static const char usage_reset[] =
	"Usage: kudpctl reset [send|receive]\n"
	"\n"
	"Zero the counters of send_udp and receive_udp (or of the one named):\n"
	"messages, errors, last_error, overflow_bytes, drops, udp_errors and\n"
	"rejected; not seq, nor the message. Needs CAP_NET_ADMIN (exit code 4).\n"
	"A module that is not loaded is left out; exit code 3 if none (or the one\n"
	"named) is loaded.\n";

static const char usage_discard[] =
	"Usage: kudpctl discard [send|receive]\n"
	"\n"
	"Empty the buffers of send_udp and receive_udp (or of the one named).\n"
	"receive_udp throws its message away, complete or being received (a\n"
	"discarded event, cause request). send_udp throws away the message\n"
	"written last; one being written is cancelled (its writer's next write\n"
	"fails, and nothing is sent); while it sends, it refuses (exit code 1).\n"
	"Needs CAP_NET_ADMIN (exit code 4). A module that is not loaded is left\n"
	"out; exit code 3 if none (or the one named) is loaded.\n";

static int want_help(int argc, char **argv, const char *usage)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 1;
		}
	}
	return 0;
}

/*
 * A bad command line: say what is wrong, naming the argument @arg if not
 * NULL ("kudpctl: CMD: unknown option '--bogus'"; @cmd NULL: no command
 * yet), then print @usage.
 */
static int bad_usage(const char *usage, const char *cmd, const char *what, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	if (cmd)
		fprintf(stderr, "%s: ", cmd);
	fputs(what, stderr);
	if (arg)
		fprintf(stderr, " '%s'", arg);
	fputs("\n\n", stderr);
	fputs(usage, stderr);
	return KUDPCTL_USAGE;
}

/* An argument @argv[0]'s command does not take. */
static int bad_arg(const char *usage, char **argv, const char *arg)
{
	if (arg[0] == '-' && arg[1])
		return bad_usage(usage, argv[0], "unknown option", arg);
	return bad_usage(usage, argv[0], "unexpected argument", arg);
}

/*
 * Parse [send|receive] and nothing else but, if @json, --json. Set *@only
 * to -1 (both), 0 (send_udp) or 1 (receive_udp). Return 0 or KUDPCTL_USAGE.
 */
static int parse_which(int argc, char **argv, const char *usage, int *only, bool *json)
{
	int i;

	*only = -1;
	for (i = 1; i < argc; i++) {
		if (json && !strcmp(argv[i], "--json"))
			*json = true;
		else if (!strcmp(argv[i], "send") && *only < 0)
			*only = 0;
		else if (!strcmp(argv[i], "receive") && *only < 0)
			*only = 1;
		else
			return bad_arg(usage, argv, argv[i]);
	}
	return 0;
}

static int cmd_status(int argc, char **argv)
{
	static const char *const names[] = { SEND_MODULE, RECV_MODULE };
	bool json = false, first = true;
	int i, shown = 0, ret, only;
	struct family f;
	struct reply r;

	ret = parse_which(argc, argv, usage_status, &only, &json);
	if (ret)
		return ret;
	if (json)
		putchar('{');
	for (i = 0; i < 2; i++) {
		if (only >= 0 && i != only)
			continue;
		ret = family_open(&f, names[i], only < 0);
		if (ret == KUDPCTL_NOT_LOADED && only < 0) {
			ret = 0;
			continue;
		}
		if (!ret) {
			ret = get_stats(&f, &r);
			family_close(&f);
		}
		if (ret)
			break;
		print_status(names[i], &r, json, first);
		first = false;
		shown++;
	}
	if (json)
		puts("}");
	if (!ret && !shown) {
		fprintf(stderr, "%s: neither send_udp nor receive_udp is loaded\n", prog);
		ret = KUDPCTL_NOT_LOADED;
	}
	return ret;
}

/* monitor: the families (by id) whose events it prints. */
struct monitor {
	struct family fam[2];
	struct nl_sock *sk;	/* their events, and nlctrl's (families come and go) */
	bool json;
};

static int on_monitor_event(struct nl_msg *msg, void *arg)
{
	struct monitor *m = arg;
	int type = nlmsg_hdr(msg)->nlmsg_type;
	struct reply r;
	int i;

	for (i = 0; i < 2; i++) {
		if (m->fam[i].req && m->fam[i].id == type && !parse_reply(msg, &r))
			print_event(m->fam[i].name, &r, m->json);
	}
	return NL_OK;
}

/*
 * If @msg is an nlctrl notification, return its command (CTRL_CMD_NEWFAMILY,
 * CTRL_CMD_DELFAMILY, ...) and set *@name to the family's name; else 0.
 */
static int ctrl_event(struct nl_msg *msg, const char **name)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];

	if (nlmsg_hdr(msg)->nlmsg_type != GENL_ID_CTRL ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, tb, CTRL_ATTR_MAX, NULL) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_NAME])
		return 0;
	*name = nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]);
	return genlmsg_hdr(nlmsg_hdr(msg))->cmd;
}

/* nlctrl's NEWFAMILY/DELFAMILY for our families. */
static int on_ctrl_event(struct nl_msg *msg, void *arg)
{
	struct monitor *m = arg;
	const char *name;
	int i, grp, cmd;

	cmd = ctrl_event(msg, &name);
	if (!cmd)
		return NL_OK;
	for (i = 0; i < 2; i++) {
		struct family *f = &m->fam[i];

		if (strcmp(name, f->name))
			continue;
		if (cmd == CTRL_CMD_DELFAMILY && f->req) {
			family_close(f);
			if (m->json)
				printf("{\"module\": \"%s\", \"event\": \"unloaded\"}\n", f->name);
			else
				printf("%s unloaded\n", f->name);
		} else if (cmd == CTRL_CMD_NEWFAMILY && !f->req &&
			   !family_open(f, f->name, true)) {
			grp = genl_ctrl_resolve_grp(f->req, f->name, KUDP_GENL_MCGRP_EVENTS);
			if (grp < 0 || nl_socket_add_membership(m->sk, grp) < 0) {
				fprintf(stderr, "%s: cannot follow %s's events\n", prog, f->name);
				family_close(f);
				continue;
			}
			if (m->json)
				printf("{\"module\": \"%s\", \"event\": \"loaded\"}\n", f->name);
			else
				printf("%s loaded\n", f->name);
		}
		fflush(stdout);
	}
	return NL_OK;
}

static int on_any(struct nl_msg *msg, void *arg)
{
	if (nlmsg_hdr(msg)->nlmsg_type == GENL_ID_CTRL)
		return on_ctrl_event(msg, arg);
	return on_monitor_event(msg, arg);
}

static int cmd_monitor(int argc, char **argv)
{
	struct monitor m = { .fam = { { .name = SEND_MODULE }, { .name = RECV_MODULE } } };
	int i, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			m.json = true;
		else
			return bad_arg(usage_monitor, argv, argv[i]);
	}
	family_open(&m.fam[0], SEND_MODULE, true);
	family_open(&m.fam[1], RECV_MODULE, true);
	if (!m.fam[0].req && !m.fam[1].req) {
		fprintf(stderr, "%s: neither send_udp nor receive_udp is loaded\n", prog);
		return KUDPCTL_NOT_LOADED;
	}
	/* One socket for both families' events and nlctrl's notifications. */
	ret = events_open(m.fam, 2, on_any, &m, &m.sk);
	if (ret)
		goto out;

	catch_signals();
	fprintf(stderr, "%s: monitoring%s%s (interrupt to stop)\n", prog,
		m.fam[0].req ? " send_udp" : "", m.fam[1].req ? " receive_udp" : "");
	ret = 0;
	while (!interrupted && ret >= 0)
		ret = events_wait(m.sk, -1);
	ret = ret < 0 ? nl_fail("events", ret) : KUDPCTL_OK;
	nl_socket_free(m.sk);
out:
	family_close(&m.fam[0]);
	family_close(&m.fam[1]);
	return ret;
}

/*
 * send and recv wait for one event: the one with this command and seq; or
 * for the module to go away.
 */
struct waiter {
	const char *name;
	int family;
	int cmd;
	__u64 seq;		/* 0: the next one */
	bool done;
	bool gone;		/* the family was unregistered: no event will come */
	time_t at;		/* when the event came */
	struct reply r;
};

static int on_wait_event(struct nl_msg *msg, void *arg)
{
	struct waiter *w = arg;
	const char *name;
	struct reply r;

	if (ctrl_event(msg, &name) == CTRL_CMD_DELFAMILY && !strcmp(name, w->name)) {
		w->gone = true;
		return NL_OK;
	}

	if (nlmsg_hdr(msg)->nlmsg_type != w->family || w->done ||
	    parse_reply(msg, &r) || r.cmd != w->cmd)
		return NL_OK;
	if (w->seq && r.val[KUDP_A_SEQ] != w->seq)
		return NL_OK;
	w->r = r;
	w->at = time(NULL);
	w->done = true;
	return NL_OK;
}

static void print_rate(const char *what, __u64 bytes, __u64 ns, double wall,
		       uint32_t crc)
{
	double secs = ns ? ns / 1e9 : wall;

	fprintf(stderr, "%s %llu bytes, CRC-32 %08x, %.1f MiB/s (%.3f s)\n",
		what, bytes, crc, secs > 0 ? bytes / secs / (1 << 20) : 0.0, secs);
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR && !interrupted)
				continue;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * receive_udp's buffer size, if @ip is this machine (the loopback network)
 * and receive_udp is loaded here; else 0 (unknown).
 */
static __u64 local_capacity(const char *ip)
{
	struct family f;
	struct reply r;
	__u64 cap = 0;

	if (strncmp(ip, "127.", 4) || family_open(&f, RECV_MODULE, true))
		return 0;
	if (!get_stats(&f, &r))
		cap = r.val[KUDP_A_CAPACITY];
	family_close(&f);
	return cap;
}

/*
 * Where and how a send goes: kudpctl send's options (the override it hands
 * send_udp), completed from send_udp's parameters for what they leave out;
 * and the parameters that say what a failed send's errno means.
 */
struct send_params {
	struct kudp_send_override o;	/* the options given: KUDP_IOC_SEND_OVERRIDE */
	char ip[64];		/* where the send went; "" if unknown */
	char port[16];
	char mode[16];
	char hold[16];
	const char *key_file;	/* --key-file: send_udp's key first; NULL: none */
	bool json;
};

/*
 * Say why the send of @total bytes (CRC-32 @crc) failed with errno @err
 * after @sent bytes: in kudp's words where send_udp gives the errno a
 * meaning of its own (as its log line does, Documentation/kudp.rst), in
 * strerror()'s elsewhere.
 */
static void send_failed(int err, __u64 sent, __u64 total, uint32_t crc,
			const struct send_params *p)
{
	const char *ip = p->ip[0] ? p->ip : "the receiver";
	__u64 cap;

	switch (err) {
	case ECONNREFUSED:
		fprintf(stderr,
			"%s: no receiver at %s:%s (connection refused): nothing listens there (%s); the send stopped after %llu of %llu bytes; is receive_udp loaded there, with port=%s?\n",
			prog, ip, p->port,
			p->o.flags & (KUDP_OVERRIDE_ADDR | KUDP_OVERRIDE_PORT) ?
				"kudpctl send's --to and --port" : "send_udp's ip and port",
			sent, total, p->port);
		return;
	case EFBIG:
		cap = local_capacity(p->ip);
		if (cap)
			fprintf(stderr,
				"%s: the receiver's buffer is too small: %s refused the message of %llu bytes (its receive_udp has a %llu-byte buffer: raise buffer_size)\n",
				prog, ip, total, cap);
		else
			fprintf(stderr,
				"%s: the receiver's buffer is too small: %s refused the message of %llu bytes (raise receive_udp's buffer_size there)\n",
				prog, ip, total);
		return;
	case EBADMSG:
		fprintf(stderr,
			"%s: the CRC-32 did not match: %s refused the message of %llu bytes (CRC-32 %08x) and discarded it\n",
			prog, ip, total, crc);
		return;
	case EHOSTUNREACH:
		fprintf(stderr,
			"%s: no host answers ARP for %s: the %llu bytes sent were dropped\n",
			prog, ip, sent);
		return;
	case ENETUNREACH:
		fprintf(stderr,
			"%s: no route to %s (or the link went down): the send stopped after %llu of %llu bytes\n",
			prog, ip, sent, total);
		return;
	case EINVAL:
		/* What send_udp's send refuses: a key in raw mode. */
		if (strcmp(p->mode, "raw"))
			break;
		fprintf(stderr,
			"%s: send_udp refused to send (EINVAL): it has a key, which authenticates mode=reliable only, and this send is raw; nothing sent (send with --mode reliable, or clear its key: echo > /sys/module/send_udp/parameters/key)\n",
			prog);
		return;
	case ETIMEDOUT:
		if (!strcmp(p->mode, "reliable")) {
			fprintf(stderr,
				"%s: %s did not confirm the message of %llu bytes: no answer, or no progress, for %s s (send_udp's hold)\n",
				prog, ip, total, p->hold[0] ? p->hold : "hold");
			return;
		}
		fprintf(stderr,
			"%s: the datagrams for %s stayed queued in this machine (link down?): %llu of %llu bytes sent\n",
			prog, ip, sent, total);
		return;
	}
	fprintf(stderr, "%s: the send to %s:%s failed after %llu of %llu bytes: %s\n",
		prog, ip, p->port, sent, total, strerror(err));
}

/*
 * A rate as the rate parameter takes it: decimal digits, then K, M or G
 * (either case) for 2^10, 2^20 or 2^30; 0 for no limit. Return 0 or -1.
 */
static int parse_rate(const char *s, __u64 *res)
{
	static const char units[] = "kmg";
	unsigned int shift = 0;
	unsigned long long n;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (*end) {
		const char *unit = strchr(units, tolower((unsigned char)*end));

		if (!unit || end[1])
			return -1;
		shift = 10 * (unit - units + 1);
	}
	if (n > UINT64_MAX >> shift)
		return -1;
	*res = (__u64)n << shift;
	return 0;
}

/*
 * kudpctl send's options into @p (the override, and the texts that name
 * the destination); *@file, the FILE argument. Return 0 or KUDPCTL_USAGE
 * after saying which argument is wrong.
 */
static int parse_send(int argc, char **argv, struct send_params *p, const char **file)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "port", required_argument, NULL, 'p' },
		{ "rate", required_argument, NULL, 'r' },
		{ "mode", required_argument, NULL, 'm' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ }
	};
	struct in_addr a;
	unsigned long n;
	char *end;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				return bad_usage(usage_send, argv[0],
						 "--to needs an IPv4 address (a.b.c.d), not",
						 optarg);
			p->o.flags |= KUDP_OVERRIDE_ADDR;
			p->o.addr = a.s_addr;
			snprintf(p->ip, sizeof(p->ip), "%s", optarg);
			break;
		case 'p':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end || errno || !n || n > 65535)
				return bad_usage(usage_send, argv[0],
						 "--port needs a UDP port from 1 to 65535, not",
						 optarg);
			p->o.flags |= KUDP_OVERRIDE_PORT;
			p->o.port = n;
			snprintf(p->port, sizeof(p->port), "%lu", n);
			break;
		case 'r':
			if (parse_rate(optarg, &p->o.rate))
				return bad_usage(usage_send, argv[0],
						 "--rate needs bytes per second (K, M, G allowed; 0: no limit), not",
						 optarg);
			p->o.flags |= KUDP_OVERRIDE_RATE;
			break;
		case 'm':
			if (!strcmp(optarg, "raw"))
				p->o.mode = KUDP_OVERRIDE_MODE_RAW;
			else if (!strcmp(optarg, "reliable"))
				p->o.mode = KUDP_OVERRIDE_MODE_RELIABLE;
			else
				return bad_usage(usage_send, argv[0],
						 "--mode needs raw or reliable, not", optarg);
			p->o.flags |= KUDP_OVERRIDE_MODE;
			snprintf(p->mode, sizeof(p->mode), "%s", optarg);
			break;
		case 'k':
			p->key_file = optarg;
			break;
		case 'j':
			p->json = true;
			break;
		case ':':
			return bad_usage(usage_send, argv[0], "no value after", argv[optind - 1]);
		default:
			return bad_usage(usage_send, argv[0], "unknown option", argv[optind - 1]);
		}
	}
	if (optind == argc)
		return bad_usage(usage_send, argv[0], "no FILE (- for standard input)", NULL);
	if (optind + 1 != argc)
		return bad_arg(usage_send, argv, argv[optind + 1]);
	*file = argv[optind];
	return 0;
}

/*
 * Hand send_udp kudpctl send's options for the message that the open
 * writer @dev is writing. Return 0, or an exit code after saying why the
 * module refused them.
 */
static int send_override(int dev, const struct send_params *p)
{
	if (!p->o.flags || !ioctl(dev, KUDP_IOC_SEND_OVERRIDE, &p->o))
		return 0;
	if (errno == EINVAL && (p->o.flags & KUDP_OVERRIDE_ADDR)) {
		/* kudpctl checked the rest; send_udp checks addresses as ip's. */
		fprintf(stderr,
			"%s: send: send_udp refused --to '%s': not one host's address, nor a group's (broadcast or 0.0.0.0)\n",
			prog, p->ip);
		return KUDPCTL_USAGE;
	}
	if (errno == ENOTTY) {
		fprintf(stderr,
			"%s: send: this send_udp takes no --to, --port, --rate or --mode (an older module?)\n",
			prog);
		return KUDPCTL_FAILED;
	}
	return sys_fail("/dev/send_udp: KUDP_IOC_SEND_OVERRIDE");
}

/*
 * The end of a send: what send_udp's SENT event @r says, for the @total
 * input bytes (CRC-32 @crc) that went to @p's destination: a line on
 * standard error, or one JSON object on standard output with --json (also
 * after a failed send, with its result: the module's negative errno).
 */
static void send_report(const struct reply *r, __u64 total, uint32_t crc, double wall,
			const struct send_params *p)
{
	__u64 ns = r->val[KUDP_A_DURATION_NS];
	double secs = ns ? ns / 1e9 : wall;
	__s64 result = (__s64)r->val[KUDP_A_RESULT];
	bool reliable = !strcmp(p->mode, "reliable");

	if (p->json) {
		fprintf(stdout,
			"{\"result\": %lld, \"error\": \"%s\", \"bytes\": %llu, \"size\": %llu, \"datagrams\": %llu, \"crc32\": \"%08llx\", \"to\": \"%s\", \"port\": %s, \"mode\": \"%s\", \"confirmed\": %s, \"duration\": %.6f, \"seq\": %llu}\n",
			(long long)result, result ? strerror((int)-result) : "",
			r->val[KUDP_A_BYTES], total, r->val[KUDP_A_DATAGRAMS], r->val[KUDP_A_CRC32],
			p->ip, p->port[0] ? p->port : "null", p->mode,
			reliable && !result ? "true" : "false", secs, r->val[KUDP_A_SEQ]);
		return;
	}
	fprintf(stderr,
		"sent %llu bytes, CRC-32 %08x, %llu datagrams to %s:%s (%s%s), %.1f MiB/s (%.3f s)\n",
		total, crc, r->val[KUDP_A_DATAGRAMS], p->ip, p->port, p->mode,
		reliable ? ": the receiver confirmed the whole message" : "",
		secs > 0 ? total / secs / (1 << 20) : 0.0, secs);
}

static int cmd_send(int argc, char **argv)
{
	struct waiter w = { .name = SEND_MODULE, .cmd = KUDP_CMD_SENT };
	struct send_params params = { };
	unsigned char *buf = NULL;
	__u64 total = 0, size = 0;
	struct nl_sock *ev = NULL;
	int in = -1, dev = -1, ret;
	struct family f = { };
	double start, sent_at;
	const char *file = NULL, *name;
	struct reply r;
	uint32_t crc = 0;
	struct stat stbuf;
	char key[KEY_DIGITS];
	ssize_t n = 0;

	ret = parse_send(argc, argv, &params, &file);
	if (ret)
		return ret;
	name = strcmp(file, "-") ? file : "standard input";
	/* A bad key file stops us before anything is asked of send_udp. */
	if (params.key_file) {
		ret = read_key_file(params.key_file, key);
		if (ret)
			return ret;
	}
	ret = family_open(&f, SEND_MODULE, false);
	if (ret)
		goto out;
	w.family = f.id;
	/* send_udp would refuse to send a raw message with a key (EINVAL). */
	if (params.key_file) {
		if (!(params.o.flags & KUDP_OVERRIDE_MODE))
			read_param(SEND_MODULE, "mode", params.mode, sizeof(params.mode));
		if (!strcmp(params.mode, "raw")) {
			bool given = params.o.flags & KUDP_OVERRIDE_MODE;

			fprintf(stderr,
				"%s: send: --key-file: a key authenticates mode=reliable only, and this send is raw (%s): give --mode reliable\n",
				prog, given ? "--mode raw" : "send_udp's mode");
			ret = KUDPCTL_USAGE;
			goto out;
		}
	}
	/* Listen before the send can start, so as not to miss its end. */
	ret = events_open(&f, 1, on_wait_event, &w, &ev);
	if (ret)
		goto out;
	in = strcmp(file, "-") ? open(file, O_RDONLY) : STDIN_FILENO;
	if (in < 0) {
		ret = sys_fail(file);
		goto out;
	}
	if (!fstat(in, &stbuf) && S_ISREG(stbuf.st_mode))
		size = stbuf.st_size;
	buf = malloc(CHUNK);
	if (!buf) {
		fprintf(stderr, "%s: out of memory\n", prog);
		ret = KUDPCTL_FAILED;
		goto out;
	}
	ret = get_stats(&f, &r);
	if (ret)
		goto out;
	if (size > r.val[KUDP_A_CAPACITY]) {
		fprintf(stderr,
			"%s: %s (%llu bytes) is larger than send_udp's buffer (%llu bytes); nothing sent\n",
			prog, name, size, r.val[KUDP_A_CAPACITY]);
		ret = KUDPCTL_FAILED;
		goto out;
	}
	progress_on = isatty(STDERR_FILENO);
	catch_signals();

	/* Waits while another message is being written or sent. */
	dev = open("/dev/send_udp", O_WRONLY);
	if (dev < 0) {
		ret = sys_fail("/dev/send_udp");
		goto out;
	}
	/*
	 * This message's own settings, before a byte of it is written; and
	 * send_udp's key, now that the buffer is ours: no other message is
	 * being written or sent, and ours is not queued before the close.
	 */
	ret = send_override(dev, &params);
	if (!ret && params.key_file)
		ret = write_key(SEND_MODULE, key);
	if (ret) {
		/* Nothing may go out with the module's settings instead. */
		if (ioctl(dev, KUDP_IOC_DISCARD))
			sys_fail("/dev/send_udp: discard");
		goto out;
	}
	/* The buffer is ours: the send we queue at close is the next one. */
	ret = get_stats(&f, &r);
	if (ret)
		goto out;
	w.seq = r.val[KUDP_A_SEQ] + 1;

	start = now();
	while (!interrupted && (n = read(in, buf, CHUNK)) > 0) {
		if (write_all(dev, buf, n)) {
			/* The module sends nothing after a failed write. */
			if (errno == EFBIG)
				fprintf(stderr,
					"%s: %s is larger than send_udp's buffer (%llu bytes); nothing sent\n",
					prog, name, r.val[KUDP_A_CAPACITY]);
			else if (errno == ECANCELED)
				fprintf(stderr,
					"%s: the message was discarded while it was written (kudpctl discard, or the ioctl); nothing sent\n",
					prog);
			else
				sys_fail("/dev/send_udp");
			ret = KUDPCTL_FAILED;
			goto out;
		}
		crc = crc32_update(crc, buf, n);
		total += n;
		progress("writing", total, size, start);
	}
	if (interrupted || n < 0) {
		/* Only a whole message is sent: give this one up. */
		if (interrupted)
			fprintf(stderr, "%s: interrupted; nothing sent\n", prog);
		else
			sys_fail(name);
		if (ioctl(dev, KUDP_IOC_DISCARD))
			sys_fail("/dev/send_udp: discard");
		ret = KUDPCTL_FAILED;
		goto out;
	}
	/*
	 * The send we queue goes where the options say and, for what they
	 * leave out, where these parameters say now (send_udp_queue()).
	 */
	if (!(params.o.flags & KUDP_OVERRIDE_ADDR))
		read_param(SEND_MODULE, "ip", params.ip, sizeof(params.ip));
	if (!(params.o.flags & KUDP_OVERRIDE_PORT))
		read_param(SEND_MODULE, "port", params.port, sizeof(params.port));
	if (!(params.o.flags & KUDP_OVERRIDE_MODE))
		read_param(SEND_MODULE, "mode", params.mode, sizeof(params.mode));
	read_param(SEND_MODULE, "hold", params.hold, sizeof(params.hold));
	/* Closing the device queues the send. */
	close(dev);
	dev = -1;
	sent_at = now();
	while (!w.done && !w.gone && !interrupted) {
		ret = events_wait(ev, TICK_MS);
		if (ret < 0) {
			ret = nl_fail("events", ret);
			goto out;
		}
		if (!w.done && !w.gone && progress_on && !get_stats(&f, &r))
			progress("sending", r.val[KUDP_A_CUR_BYTES], total, sent_at);
	}
	progress_end();
	if (w.gone) {
		fprintf(stderr, "%s: send_udp was unloaded before the send ended\n", prog);
		ret = KUDPCTL_NOT_LOADED;
		goto out;
	}
	if (!w.done) {
		fprintf(stderr, "%s: interrupted; the send goes on\n", prog);
		ret = KUDPCTL_FAILED;
		goto out;
	}
	ret = KUDPCTL_FAILED;
	if ((__s64)w.r.val[KUDP_A_RESULT]) {
		send_failed(-(int)(__s64)w.r.val[KUDP_A_RESULT], w.r.val[KUDP_A_BYTES],
			    total, crc, &params);
		if (params.json)
			send_report(&w.r, total, crc, now() - sent_at, &params);
	} else if (w.r.val[KUDP_A_BYTES] != total || w.r.val[KUDP_A_CRC32] != crc) {
		fprintf(stderr,
			"%s: send_udp sent %llu bytes with CRC-32 %08llx; the input had %llu bytes with CRC-32 %08x\n",
			prog, w.r.val[KUDP_A_BYTES], w.r.val[KUDP_A_CRC32], total, crc);
	} else {
		send_report(&w.r, total, crc, now() - sent_at, &params);
		ret = KUDPCTL_OK;
	}
out:
	progress_end();
	explicit_bzero(key, sizeof(key));
	if (dev >= 0)
		close(dev);
	if (in > STDIN_FILENO)
		close(in);
	free(buf);
	nl_socket_free(ev);
	family_close(&f);
	return ret;
}

/*
 * Open @name for the message, as ">" would; *@created says whether the
 * file is new (made by us, so ours to remove).
 */
static int out_open(const char *name, bool *created)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);

	*created = fd >= 0;
	if (fd < 0 && errno == EEXIST)
		fd = open(name, O_WRONLY | O_TRUNC);
	return fd;
}

/*
 * Copy message @w->r from /dev/receive_udp to @out, checking its sequence
 * number, size and CRC-32. Return 0, or KUDPCTL_FAILED after saying why.
 * A failed write of @out is said here, naming @out_name, unless
 * @write_err: then its errno goes there (0 for any other failure) and the
 * caller says it. Interrupted, it stops and says nothing.
 */
static int recv_copy(const struct waiter *w, int out, const char *out_name, int *write_err)
{
	__u64 size = w->r.val[KUDP_A_BYTES], total = 0, seq = 0;
	unsigned char *buf = malloc(CHUNK);
	double start = now();
	uint32_t crc = 0;
	int dev, ret = KUDPCTL_FAILED;
	ssize_t n = 0;

	if (write_err)
		*write_err = 0;
	if (!buf) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return KUDPCTL_FAILED;
	}
	/* Non-blocking: if the message is gone, do not wait for the next. */
	dev = open("/dev/receive_udp", O_RDONLY | O_NONBLOCK);
	if (dev < 0) {
		ret = sys_fail("/dev/receive_udp");
		goto out;
	}
	while (!interrupted && (n = read(dev, buf, CHUNK)) > 0) {
		if (write_all(out, buf, n)) {
			if (interrupted)
				break;
			if (write_err)
				*write_err = errno;
			else
				sys_fail(out_name);
			goto out;
		}
		crc = crc32_update(crc, buf, n);
		total += n;
		progress("reading", total, size, start);
	}
	progress_end();
	if (interrupted)
		goto out;
	if (n < 0 && (errno == EAGAIN || errno == ESTALE)) {
		fprintf(stderr, "%s: message %llu was discarded before it could be read\n",
			prog, w->seq);
		goto out;
	}
	if (n < 0) {
		sys_fail("/dev/receive_udp");
		goto out;
	}
	if (ioctl(dev, KUDP_IOC_GET_SEQ, &seq)) {
		sys_fail("KUDP_IOC_GET_SEQ");
		goto out;
	}
	if (seq != w->seq) {
		fprintf(stderr,
			"%s: message %llu was replaced by message %llu before it could be read\n",
			prog, w->seq, seq);
	} else if (total != size || crc != w->r.val[KUDP_A_CRC32]) {
		fprintf(stderr,
			"%s: read %llu bytes with CRC-32 %08x; message %llu has %llu bytes with CRC-32 %08llx\n",
			prog, total, crc, seq, size, w->r.val[KUDP_A_CRC32]);
	} else {
		ret = KUDPCTL_OK;
	}
out:
	progress_end();
	if (dev >= 0)
		close(dev);
	free(buf);
	return ret;
}

/* recv's command line. */
struct recv_opts {
	const char *out_name;	/* -o FILE; NULL: standard output */
	const char *dir;	/* --dir DIR: where --loop saves */
	double timeout;		/* --timeout: for a message to complete; < 0: none */
	double start_timeout;	/* --start-timeout: for a message to start; < 0: none */
	double idle_timeout;	/* --idle-timeout: for its next bytes; < 0: none */
	const char *key_file;	/* --key-file: receive_udp's key first; NULL: none */
	const char *key;	/* its key, KEY_DIGITS hex digits (cmd_recv's) */
	bool json;		/* --json: a JSON object per message saved */
	bool loop;		/* --loop: every message, until interrupted */
};

/*
 * Wait on @ev for @w's event (receive_udp's next completion), within @o's
 * timeouts. A message has started once receive_udp's state reads
 * receiving (or its seq moved); it makes progress while its cur_bytes
 * grows: both are read with KUDP_CMD_GET_STATS every tick, only when a
 * timeout or the progress bar needs them. Return 0 when the event came,
 * the module went (@w->gone) or a signal came, else an exit code after
 * saying why.
 */
static int recv_wait(struct family *f, struct nl_sock *ev, struct waiter *w,
		     const struct recv_opts *o)
{
	bool watch = progress_on || o->start_timeout >= 0 || o->idle_timeout >= 0;
	double start = now(), moved = start, idle = o->idle_timeout;
	bool started = false, receiving = false;
	__u64 seq0 = 0, bytes = 0, datagrams = 0;
	struct reply r;
	int ret;

	if (watch) {
		ret = get_stats(f, &r);
		if (ret)
			return ret;
		seq0 = r.val[KUDP_A_SEQ];
		receiving = r.val[KUDP_A_STATE] == KUDP_STATE_RECEIVING;
		started = receiving;
		bytes = r.val[KUDP_A_CUR_BYTES];
	}
	/*
	 * In raw mode, idle seconds without a datagram are how every message
	 * ends (reason idle), not a stall: never call that silence one (5:
	 * the specification's, if the parameter cannot be read).
	 */
	if (idle >= 0) {
		char mode[16], secs[16];
		double raw_idle;

		read_param(RECV_MODULE, "mode", mode, sizeof(mode));
		read_param(RECV_MODULE, "idle", secs, sizeof(secs));
		raw_idle = secs[0] ? atof(secs) : 5;
		if (strcmp(mode, "reliable") && idle < raw_idle + 1)
			idle = raw_idle + 1;
	}
	while (!w->done && !w->gone && !interrupted) {
		double t;

		ret = events_wait(ev, TICK_MS);
		if (ret < 0)
			return nl_fail("events", ret);
		/*
		 * on_wait_event(), called by events_wait() through @ev's
		 * callback, sets w->done and w->gone: cppcheck cannot see that.
		 */
		// cppcheck-suppress knownConditionTrueFalse
		if (w->done || w->gone || interrupted)
			break;
		t = now();
		if (watch && !get_stats(f, &r)) {
			receiving = r.val[KUDP_A_STATE] == KUDP_STATE_RECEIVING;
			if (receiving || r.val[KUDP_A_SEQ] != seq0)
				started = true;
			if (!receiving || r.val[KUDP_A_CUR_BYTES] != bytes)
				moved = t;
			bytes = r.val[KUDP_A_CUR_BYTES];
			datagrams = r.val[KUDP_A_CUR_DATAGRAMS];
			if (receiving)
				progress("receiving", bytes, 0, start);
		}
		if (o->timeout >= 0 && t - start >= o->timeout) {
			progress_end();
			fprintf(stderr, "%s: no message completed within %g s\n", prog, o->timeout);
			return KUDPCTL_TIMEOUT;
		}
		if (!started && o->start_timeout >= 0 && t - start >= o->start_timeout) {
			progress_end();
			fprintf(stderr,
				"%s: no message started within %g s (no datagram came: is the sender sending to this machine?)\n",
				prog, o->start_timeout);
			return KUDPCTL_TIMEOUT;
		}
		if (receiving && idle >= 0 && t - moved >= idle) {
			progress_end();
			fprintf(stderr,
				"%s: the message stalled: no new bytes for %g s, %llu bytes in %llu datagrams so far (did its sender stop?)\n",
				prog, idle, bytes, datagrams);
			return KUDPCTL_TIMEOUT;
		}
	}
	progress_end();
	return 0;
}

/* @t in UTC: "2026-12-07T02:15:00Z", or with @compact "20261207T021500Z". */
static void utc_time(time_t t, bool compact, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, compact ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* @s as a JSON string (a file name's bytes above 0x7f go as they are). */
static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* Message @w->r, saved in @file: one line, or with @json a JSON object. */
static void print_saved(const struct waiter *w, const char *file, bool json)
{
	const struct reply *r = &w->r;
	char when[32];

	utc_time(w->at, false, when, sizeof(when));
	if (json) {
		printf("{\"seq\": %llu, \"bytes\": %llu, \"datagrams\": %llu, ",
		       r->val[KUDP_A_SEQ], r->val[KUDP_A_BYTES], r->val[KUDP_A_DATAGRAMS]);
		printf("\"crc32\": \"%08llx\", \"reason\": \"%s\", \"duration_ns\": %llu, ",
		       r->val[KUDP_A_CRC32], NAME_OF(reason_names, r->val[KUDP_A_REASON]),
		       r->val[KUDP_A_DURATION_NS]);
		printf("\"time\": \"%s\", \"file\": ", when);
		json_string(stdout, file);
		puts("}");
	} else {
		printf("seq=%llu bytes=%llu datagrams=%llu ",
		       r->val[KUDP_A_SEQ], r->val[KUDP_A_BYTES], r->val[KUDP_A_DATAGRAMS]);
		printf("reason=%s crc32=%08llx time=%s file=%s\n",
		       NAME_OF(reason_names, r->val[KUDP_A_REASON]), r->val[KUDP_A_CRC32],
		       when, file);
	}
	fflush(stdout);
}

/* Rename @from to @to unless @to exists (then fail with EEXIST). */
static int rename_new(const char *from, const char *to)
{
	if (!renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE))
		return 0;
	if (errno != EINVAL)
		return -1;
	/* A file system without RENAME_NOREPLACE: link() does not replace. */
	if (link(from, to))
		return -1;
	unlink(from);
	return 0;
}

/*
 * Save message @w->r as a new file in @dir, its name into @name: written
 * under a temporary name there (".kudp-seqN-XXXXXX.part"), flushed to
 * disk, then renamed to "kudp-TIME-seqN-CRC.bin" (a suffix -2, -3, ...
 * if that exists): no file is ever replaced nor left half-written. Return
 * 0, or -1 after saying why the message was not saved.
 */
static int save_in_dir(const struct waiter *w, const char *dir, mode_t mode,
		       char *name, size_t size)
{
	unsigned long long seq = w->r.val[KUDP_A_SEQ];
	unsigned int crc = w->r.val[KUDP_A_CRC32];
	char tmp[PATH_MAX], stamp[32];
	int fd, err = 0, i;

	utc_time(w->at, true, stamp, sizeof(stamp));
	snprintf(tmp, sizeof(tmp), "%s/.kudp-seq%llu-XXXXXX.part", dir, seq);
	fd = mkstemps(tmp, strlen(".part"));
	if (fd < 0) {
		err = errno;
		goto fail;
	}
	if (recv_copy(w, fd, tmp, &err)) {
		close(fd);
		unlink(tmp);
		if (interrupted)
			fprintf(stderr, "%s: interrupted: message %llu not saved (%s removed)\n",
				prog, seq, tmp);
		if (err)
			goto fail;
		return -1;
	}
	if (fchmod(fd, mode) || fsync(fd)) {
		err = errno;
		close(fd);
		unlink(tmp);
		goto fail;
	}
	if (close(fd)) {
		err = errno;
		unlink(tmp);
		goto fail;
	}
	for (i = 1; i < 1000; i++) {
		if (i == 1)
			snprintf(name, size, "%s/kudp-%s-seq%llu-%08x.bin", dir, stamp, seq, crc);
		else
			snprintf(name, size, "%s/kudp-%s-seq%llu-%08x-%d.bin", dir, stamp, seq,
				 crc, i);
		if (!rename_new(tmp, name))
			return 0;
		if (errno != EEXIST)
			break;
	}
	err = errno;
	unlink(tmp);
fail:
	fprintf(stderr, "%s: message %llu (%llu bytes, CRC-32 %08x) not saved in %s: %s\n",
		prog, seq, w->r.val[KUDP_A_BYTES], crc, dir, strerror(err));
	return -1;
}

/*
 * recv --loop's events: on_wait_event's, and a word on standard error for
 * a message receive_udp gave up on (mode=reliable: incomplete, or its
 * CRC-32 wrong): it never completed, so there is nothing to save, but the
 * sender may think otherwise.
 */
static int on_loop_event(struct nl_msg *msg, void *arg)
{
	struct waiter *w = arg;
	struct reply r;

	if (nlmsg_hdr(msg)->nlmsg_type == w->family && !parse_reply(msg, &r) &&
	    r.cmd == KUDP_CMD_DISCARDED &&
	    (r.val[KUDP_A_CAUSE] == KUDP_CAUSE_INCOMPLETE || r.val[KUDP_A_CAUSE] == KUDP_CAUSE_CRC))
		fprintf(stderr, "%s: receive_udp discarded a message (%s) after %llu bytes: %s\n",
			prog, NAME_OF(cause_names, r.val[KUDP_A_CAUSE]), r.val[KUDP_A_BYTES],
			"nothing saved");
	return on_wait_event(msg, arg);
}

/*
 * recv --loop --dir DIR: save every message that completes as a new file
 * in DIR, until interrupted or receive_udp goes. A message that could not
 * be saved (a write failed, it was replaced before it was read, its event
 * was lost) is said on standard error and counted: the exit code is then
 * 1.
 */
static int recv_loop(const struct recv_opts *o)
{
	struct waiter w = { .name = RECV_MODULE, .cmd = KUDP_CMD_COMPLETE };
	unsigned long long saved = 0, lost = 0, last, seq;
	struct nl_sock *ev = NULL;
	struct family f = { };
	char name[PATH_MAX];
	struct stat st;
	struct reply r;
	mode_t mask;
	int ret;

	if (stat(o->dir, &st)) {
		fprintf(stderr, "%s: --dir %s: %s\n", prog, o->dir, strerror(errno));
		return KUDPCTL_FAILED;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: --dir %s: not a directory\n", prog, o->dir);
		return KUDPCTL_FAILED;
	}
	/* Saved files get the mode ">" would give them. */
	mask = umask(0);
	umask(mask);
	ret = family_open(&f, RECV_MODULE, false);
	if (ret)
		return ret;
	w.family = f.id;
	if (o->key_file) {
		ret = write_key(RECV_MODULE, o->key);
		if (ret)
			goto out;
	}
	/* Listen first: a message that completes after get_stats is heard. */
	ret = events_open(&f, 1, on_loop_event, &w, &ev);
	if (!ret)
		ret = get_stats(&f, &r);
	if (ret)
		goto out;
	/* The message already complete (seq) is not saved: the next one is. */
	last = r.val[KUDP_A_SEQ];
	progress_on = isatty(STDERR_FILENO);
	catch_signals();
	fprintf(stderr, "%s: saving each message in %s (interrupt to stop)\n", prog, o->dir);
	while (!interrupted) {
		w.done = false;
		w.seq = 0;
		ret = recv_wait(&f, ev, &w, o);
		if (ret || !w.done)
			break;
		seq = w.r.val[KUDP_A_SEQ];
		if (seq <= last)
			continue;
		if (seq > last + 1) {
			fprintf(stderr,
				"%s: %llu message(s) before message %llu not saved: replaced before they could be read (or their events were lost)\n",
				prog, seq - last - 1, seq);
			lost += seq - last - 1;
		}
		last = seq;
		w.seq = seq;
		if (save_in_dir(&w, o->dir, 0644 & ~mask, name, sizeof(name))) {
			lost++;
		} else {
			saved++;
			print_saved(&w, name, o->json);
		}
	}
	if (!ret && w.gone) {
		fprintf(stderr, "%s: receive_udp was unloaded\n", prog);
		ret = KUDPCTL_NOT_LOADED;
	}
	if (!ret && lost)
		ret = KUDPCTL_FAILED;
	fprintf(stderr, "%s: %llu message(s) saved in %s, %llu not saved\n", prog, saved,
		o->dir, lost);
out:
	nl_socket_free(ev);
	family_close(&f);
	return ret;
}

/* recv without --loop: the next message, to -o FILE or standard output. */
static int recv_one(const struct recv_opts *o)
{
	struct waiter w = { .name = RECV_MODULE, .cmd = KUDP_CMD_COMPLETE };
	const char *out_name = o->out_name;
	struct nl_sock *ev = NULL;
	struct family f = { };
	int out = -1, ret;
	bool created = false;
	struct stat st;

	ret = family_open(&f, RECV_MODULE, false);
	if (ret)
		return ret;
	w.family = f.id;
	if (o->key_file) {
		ret = write_key(RECV_MODULE, o->key);
		if (ret)
			goto out;
	}
	ret = events_open(&f, 1, on_wait_event, &w, &ev);
	if (ret)
		goto out;
	progress_on = isatty(STDERR_FILENO);
	catch_signals();

	ret = recv_wait(&f, ev, &w, o);
	if (ret)
		goto out;
	if (!w.done) {
		if (w.gone) {
			fprintf(stderr, "%s: receive_udp was unloaded; no message\n", prog);
			ret = KUDPCTL_NOT_LOADED;
		} else {
			ret = KUDPCTL_FAILED;
		}
		goto out;
	}
	w.seq = w.r.val[KUDP_A_SEQ];

	out = out_name ? out_open(out_name, &created) : STDOUT_FILENO;
	if (out < 0) {
		ret = sys_fail(out_name);
		goto out;
	}
	ret = recv_copy(&w, out, out_name ? out_name : "standard output", NULL);
	if (interrupted && ret)
		fprintf(stderr, "%s: interrupted: message %llu not saved\n", prog, w.seq);
	if (out_name) {
		/*
		 * Never leave a file that is not exactly the message: remove
		 * the file we made, empty a regular file that was there; a
		 * device or what a symlink points to is left as it is.
		 */
		if (ret && !created && !fstat(out, &st) && S_ISREG(st.st_mode) &&
		    ftruncate(out, 0))
			sys_fail(out_name);
		if (close(out) && !ret)
			ret = sys_fail(out_name);
		if (ret && created)
			unlink(out_name);
	}
	if (!ret) {
		fprintf(stderr, "message %llu (%s): ", w.seq,
			NAME_OF(reason_names, w.r.val[KUDP_A_REASON]));
		print_rate("received", w.r.val[KUDP_A_BYTES], w.r.val[KUDP_A_DURATION_NS], 0,
			   w.r.val[KUDP_A_CRC32]);
		if (o->json)
			print_saved(&w, out_name, true);
	}
out:
	nl_socket_free(ev);
	family_close(&f);
	return ret;
}

/*
 * recv's option @name, @arg as seconds (0 or more) into *@secs: 0, or a
 * usage error that names them.
 */
static int secs_opt(const char *name, const char *arg, double *secs)
{
	char what[64];
	char *end;

	*secs = strtod(arg, &end);
	if (!*end && end != arg && *secs >= 0)
		return 0;
	snprintf(what, sizeof(what), "%s takes seconds, not", name);
	return bad_usage(usage_recv, "recv", what, arg);
}

static int cmd_recv(int argc, char **argv)
{
	enum { OPT_START = 256, OPT_IDLE, OPT_JSON, OPT_LOOP, OPT_DIR, OPT_KEY };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "timeout", required_argument, NULL, 't' },
		{ "start-timeout", required_argument, NULL, OPT_START },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "loop", no_argument, NULL, OPT_LOOP },
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "key-file", required_argument, NULL, OPT_KEY },
		{ }
	};
	struct recv_opts o = { .timeout = -1, .start_timeout = -1, .idle_timeout = -1 };
	/* The option each parsed argument was: argv's spelling, for errors. */
	const char *timeout_arg = NULL, *start_arg = NULL, *idle_arg = NULL;
	const char *out_arg = NULL, *usage = usage_recv;
	char short_opt[3] = "-";
	char key[KEY_DIGITS];
	int c, ret;

	/* Our own messages, naming the argument (":" reports a missing value). */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:t:", opts, NULL)) != -1) {
		const char *opt = argv[optind - 1];

		switch (c) {
		case 'o':
			o.out_name = optarg;
			out_arg = "-o";
			break;
		case 't':
			timeout_arg = "--timeout";
			if (secs_opt(timeout_arg, optarg, &o.timeout))
				return KUDPCTL_USAGE;
			break;
		case OPT_START:
			start_arg = "--start-timeout";
			if (secs_opt(start_arg, optarg, &o.start_timeout))
				return KUDPCTL_USAGE;
			break;
		case OPT_IDLE:
			idle_arg = "--idle-timeout";
			if (secs_opt(idle_arg, optarg, &o.idle_timeout))
				return KUDPCTL_USAGE;
			break;
		case OPT_JSON:
			o.json = true;
			break;
		case OPT_LOOP:
			o.loop = true;
			break;
		case OPT_DIR:
			o.dir = optarg;
			break;
		case OPT_KEY:
			o.key_file = optarg;
			break;
		case ':':
			return bad_usage(usage, argv[0], "no value after", opt);
		default:
			/* A short option names itself in optopt, a long one does not. */
			short_opt[1] = optopt;
			return bad_usage(usage, argv[0], "unknown option",
					 optopt ? short_opt : opt);
		}
	}
	if (optind != argc)
		return bad_arg(usage, argv, argv[optind]);
	if (o.loop) {
		/* Each message ends a wait: only the loop's own options go. */
		const char *other = out_arg ? out_arg : timeout_arg ? timeout_arg :
				    start_arg ? start_arg : idle_arg;

		if (other)
			return bad_usage(usage, argv[0], "--loop does not take", other);
		if (!o.dir)
			return bad_usage(usage, argv[0], "--loop needs --dir DIR", NULL);
	} else if (o.dir) {
		return bad_usage(usage, argv[0], "--dir DIR goes with --loop", NULL);
	} else if (o.json && !o.out_name) {
		return bad_usage(usage, argv[0],
				 "--json needs -o FILE (the message itself goes to standard output)",
				 NULL);
	}
	/* A bad key file stops us before anything is asked of receive_udp. */
	if (o.key_file) {
		ret = read_key_file(o.key_file, key);
		if (ret)
			return ret;
		o.key = key;
	}
	ret = o.loop ? recv_loop(&o) : recv_one(&o);
	explicit_bzero(key, sizeof(key));
	return ret;
}

/*
 * reset and discard: request @cmd of each module named (or of both that
 * are loaded), saying @done for each that did it. Each module is asked
 * even when another refused; the exit code is the first failure's.
 */
static int control(int argc, char **argv, int cmd, const char *usage, const char *done)
{
	static const char *const names[] = { SEND_MODULE, RECV_MODULE };
	int i, ret, err, only, first = 0, asked = 0;
	struct family f;

	ret = parse_which(argc, argv, usage, &only, NULL);
	if (ret)
		return ret;
	for (i = 0; i < 2; i++) {
		if (only >= 0 && i != only)
			continue;
		ret = family_open(&f, names[i], only < 0);
		if (ret == KUDPCTL_NOT_LOADED && only < 0)
			continue;
		if (!ret) {
			asked++;
			err = request(&f, cmd, NULL);
			family_close(&f);
			if (err == -NLE_PERM) {
				fprintf(stderr,
					"%s: %s: %s: permission denied (needs CAP_NET_ADMIN: run as root)\n",
					prog, names[i], argv[0]);
				ret = KUDPCTL_PERM;
			} else if (err == -NLE_BUSY && cmd == KUDP_CMD_DISCARD) {
				fprintf(stderr,
					"%s: %s: %s: a send is in progress (it cannot be discarded)\n",
					prog, names[i], argv[0]);
				ret = KUDPCTL_FAILED;
			} else if (err < 0) {
				ret = nl_fail(names[i], err);
			} else if (err) {
				ret = err;
			} else {
				printf("%s: %s\n", names[i], done);
			}
		}
		if (ret && !first)
			first = ret;
	}
	if (!first && !asked) {
		fprintf(stderr, "%s: neither send_udp nor receive_udp is loaded\n", prog);
		first = KUDPCTL_NOT_LOADED;
	}
	return first;
}

static int cmd_reset(int argc, char **argv)
{
	return control(argc, argv, KUDP_CMD_RESET, usage_reset, "counters zeroed");
}

static int cmd_discard(int argc, char **argv)
{
	return control(argc, argv, KUDP_CMD_DISCARD, usage_discard, "buffer emptied");
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
		const char *usage;
	} cmds[] = {
		{ "status", cmd_status, usage_status },
		{ "monitor", cmd_monitor, usage_monitor },
		{ "send", cmd_send, usage_send },
		{ "recv", cmd_recv, usage_recv },
		{ "reset", cmd_reset, usage_reset },
		{ "discard", cmd_discard, usage_discard },
	};
	size_t i;

	init_policy();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return bad_usage(usage_main, NULL, "no command", NULL);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage_main, stdout);
		return KUDPCTL_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("kudpctl %s\n", KUDP_VERSION);
		return KUDPCTL_OK;
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		if (want_help(argc - 1, argv + 1, cmds[i].usage))
			return KUDPCTL_OK;
		return cmds[i].fn(argc - 1, argv + 1);
	}
	if (argv[1][0] == '-')
		return bad_usage(usage_main, NULL, "unknown option", argv[1]);
	return bad_usage(usage_main, NULL, "unknown command", argv[1]);
}
