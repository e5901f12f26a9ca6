// SPDX-License-Identifier: GPL-2.0
/*
 * The receiving side's socket work, receive_udp's alone: binding, UDP
 * GRO, taking each receive once off the socket, and answering a datagram
 * from the address it was sent to.
 */
#include <linux/in.h>
#include <linux/kernel.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <net/ip.h>
#include <net/sock.h>
#include <net/udp.h>

#include "kudp_core.h"

/* The module this copy is linked into names the log lines (kudp_core.c). */
#undef pr_fmt
#define pr_fmt(fmt) "%s: " fmt, THIS_MODULE->name

/*
 * The index of the interface named @ifname, for @sock's namespace; 0 (and
 * a log line naming the parameter) if there is none.
 */
static int kudp_ifindex(struct socket *sock, const char *ifname)
{
	struct net_device *dev;
	int ifindex = 0;

	rcu_read_lock();
	dev = dev_get_by_name_rcu(sock_net(sock->sk), ifname);
	if (dev)
		ifindex = dev->ifindex;
	rcu_read_unlock();
	if (!ifindex)
		pr_err("dev: no network interface is named '%s' (ip link lists them)\n", ifname);
	return ifindex;
}

/**
 * kudp_sock_bind() - bind a socket to 0.0.0.0:@port, on one interface or all
 * @sock: a socket from kudp_sock_create()
 * @port: the UDP port, host byte order
 * @ifname: "" for every interface; else the name of the only interface
 *	whose datagrams the socket takes (SO_BINDTODEVICE's effect). A
 *	datagram this host sends to an address of its own counts as coming
 *	in on the interface that holds the address (the route's rt_iif), not
 *	on "lo"
 *
 * Context: process context.
 * Return: 0; -ENODEV if no interface has that name; or a negative errno
 * from kernel_bind() (-EADDRINUSE if another socket has the port).
 */
int kudp_sock_bind(struct socket *sock, u16 port, const char *ifname)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_ANY),
		.sin_port = htons(port),
	};
	int ret, ifindex;

	kudp_enter("sock=%p, port=%u, ifname=%s", sock, port, ifname);
	if (*ifname) {
		ifindex = kudp_ifindex(sock, ifname);
		if (!ifindex)
			return kudp_ret(-ENODEV);
		ret = sock_bindtoindex(sock->sk, ifindex, true);
		if (ret) {
			pr_err("cannot bind to interface %s: error %d\n", ifname, ret);
			return kudp_ret(ret);
		}
	}
	ret = kernel_bind(sock, (struct sockaddr *)&sin, sizeof(sin));
	if (ret < 0)
		pr_err("cannot bind to 0.0.0.0:%u%s%s: error %d%s\n", port,
		       *ifname ? " on " : "", ifname, ret,
		       ret == -EADDRINUSE ? " (another socket has the port)" : "");
	return kudp_ret(ret);
}

/**
 * kudp_sock_join() - join a multicast group, on one interface or the route's
 * @sock: a bound socket
 * @group: the group, 224.0.0.0/4, network byte order
 * @ifname: "" for the interface of the route to @group (the default
 *	route's, as a board has); else that interface's name
 *
 * As IP_ADD_MEMBERSHIP: the interface reports the membership (IGMP), so
 * that switches that snoop it forward the group's datagrams here, and the
 * socket takes the group's datagrams to its port beside those sent to
 * this host. Releasing the socket leaves the group.
 *
 * Context: process context.
 * Return: 0; -ENODEV if no interface has that name, or if there is no
 * route to @group to choose one by; or another negative errno from
 * setsockopt.
 */
int kudp_sock_join(struct socket *sock, __be32 group, const char *ifname)
{
	struct ip_mreqn mreq = { .imr_multiaddr.s_addr = group };
	int ret;

	kudp_enter("sock=%p, group=%pI4, ifname=%s", sock, &group, ifname);
	if (*ifname) {
		mreq.imr_ifindex = kudp_ifindex(sock, ifname);
		if (!mreq.imr_ifindex)
			return kudp_ret(-ENODEV);
	}
	ret = sock->ops->setsockopt(sock, SOL_IP, IP_ADD_MEMBERSHIP, KERNEL_SOCKPTR(&mreq),
				    sizeof(mreq));
	if (ret == -ENODEV && !*ifname)
		pr_err("group: cannot join %pI4: no route to it chooses an interface (give dev, or add a default route)\n",
		       &group);
	else if (ret)
		pr_err("group: cannot join %pI4%s%s: error %d\n", &group, *ifname ? " on " : "",
		       ifname, ret);
	return kudp_ret(ret);
}

/**
 * kudp_sock_answer() - send one datagram without waiting, from a given address
 * @sock: an unconnected socket
 * @to: the destination
 * @local: the source address: the one the datagram answered was sent to,
 *	so that a host with several addresses answers from the one it was
 *	asked on; 0 to let the route choose
 * @buf: the payload
 * @len: its length
 *
 * Never waits for room in the send buffer: an answer that does not fit
 * now is dropped (the peer asks again), so a full queue never holds the
 * caller.
 *
 * Context: process context.
 * Return: 0, or a negative errno (-EAGAIN: no room).
 */
int kudp_sock_answer(struct socket *sock, const struct sockaddr_in *to, __be32 local,
		     const void *buf, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} control = { };
	struct kvec vec = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = (void *)to,
		.msg_namelen = sizeof(*to),
		.msg_flags = MSG_DONTWAIT,
	};
	struct in_pktinfo info = { .ipi_spec_dst.s_addr = local };
	int ret;

	if (local)
		kudp_msg_cmsg(&msg, &control, sizeof(control.buf), SOL_IP, IP_PKTINFO,
			      &info, sizeof(info));
	ret = kernel_sendmsg(sock, &msg, &vec, 1, len);
	return ret < 0 ? ret : 0;
}

/**
 * kudp_sock_set_gro() - turn UDP GRO on or off on a socket
 * @sock: the socket
 * @on: whether the stack may hand it a run of datagrams of one flow as one
 *
 * Context: process context.
 * Return: 0, or a negative errno from setsockopt.
 */
int kudp_sock_set_gro(struct socket *sock, bool on)
{
	int val = on;

	kudp_enter("sock=%p, on=%d", sock, on);
	return kudp_ret(sock->ops->setsockopt(sock, SOL_UDP, UDP_GRO,
					      KERNEL_SOCKPTR(&val), sizeof(val)));
}

/**
 * kudp_recv_skb() - take the next receive off a socket, once
 * @sock: a UDP socket
 * @dg: where it goes: kudp_dgram_free() it once done
 *
 * Takes the socket buffer itself rather than a copy (udp_recvmsg()'s own
 * steps): the caller reads its header with skb_header_pointer() and copies
 * its payload with skb_copy_bits() straight to where it belongs, and the
 * facts a copy would lose come with it: the run of datagrams that UDP GRO
 * coalesced (whatever the socket's GRO setting is now), and the local
 * address it was sent to. A datagram whose checksum is wrong is dropped
 * and counted as udp_recvmsg() does (InCsumErrors, InErrors).
 *
 * Context: process context.
 * Return: 0; -EAGAIN when nothing is queued; -EBADMSG for a datagram
 * dropped for its checksum (the next one may be good); another negative
 * errno on error.
 */
int kudp_recv_skb(struct socket *sock, struct kudp_dgram *dg)
{
	struct sock *sk = sock->sk;
	struct sk_buff *skb;
	__be32 daddr;
	int err = 0;

	skb = skb_recv_udp(sk, MSG_DONTWAIT, &err);
	if (!skb)
		return err;
	if (!udp_skb_csum_unnecessary(skb) && __udp_lib_checksum_complete(skb)) {
		UDP_INC_STATS(sock_net(sk), UDP_MIB_CSUMERRORS, 0);
		UDP_INC_STATS(sock_net(sk), UDP_MIB_INERRORS, 0);
		kfree_skb(skb);
		kudp_dbg_rl("a datagram with a wrong UDP checksum dropped\n");
		return -EBADMSG;
	}
	UDP_INC_STATS(sock_net(sk), UDP_MIB_INDATAGRAMS, 0);
	dg->skb = skb;
	dg->len = skb->len;
	dg->from = (struct sockaddr_in){
		.sin_family = AF_INET,
		.sin_port = udp_hdr(skb)->source,
		.sin_addr.s_addr = ip_hdr(skb)->saddr,
	};
	/*
	 * Whether daddr is ours alone: the frame's cast says so on Ethernet;
	 * on loopback, which has no MAC address, a group's datagram is
	 * PACKET_HOST too, so the address says it as well.
	 */
	daddr = ip_hdr(skb)->daddr;
	dg->to = skb->pkt_type == PACKET_HOST && !ipv4_is_multicast(daddr) &&
		 !ipv4_is_lbcast(daddr) ? daddr : 0;
	dg->seg_size = skb_is_gso(skb) ? skb_shinfo(skb)->gso_size : 0;
	kudp_dbg_rl("skb_recv_udp() = %zu bytes from %pI4:%u to %pI4%s\n", dg->len,
		    &dg->from.sin_addr, ntohs(dg->from.sin_port), &dg->to,
		    dg->seg_size ? ", a GRO run" : "");
	return 0;
}

/**
 * kudp_dgram_free() - give back what kudp_recv_skb() took
 * @sock: its socket
 * @dg: the receive
 *
 * Context: process context.
 */
void kudp_dgram_free(struct socket *sock, struct kudp_dgram *dg)
{
	skb_consume_udp(sock->sk, dg->skb, dg->len);
	dg->skb = NULL;
}

/**
 * kudp_dgram_count() - how many datagrams brought the first bytes of a receive
 * @dg: what kudp_recv_skb() filled in
 * @len: bytes counted from the start of its payload
 *
 * Context: any.
 * Return: 1 without GRO; else the segments @len bytes span (1 for 0).
 */
unsigned int kudp_dgram_count(const struct kudp_dgram *dg, size_t len)
{
	if (!dg->seg_size || len <= dg->seg_size)
		return 1;
	return DIV_ROUND_UP(len, dg->seg_size);
}
