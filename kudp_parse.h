/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parameters' text means: sizes, switches, the mode, seconds,
 * addresses and prefixes, ports, interface names and keys. Pure functions, as
 * kudp_wire.h's: the parameter callbacks (kudp_param.c, send_udp.c,
 * receive_udp.c) log and store, these only read; the unit tier
 * (tests/unit) compiles kudp_parse.c in user space.
 */
#ifndef _KUDP_PARSE_H
#define _KUDP_PARSE_H

#include <linux/types.h>

/**
 * enum kudp_mode - the protocol on the wire (the "mode" parameter)
 * @KUDP_MODE_RAW: the specification's: bare payload, complete when the
 *	buffer is full or after 5 s without data
 * @KUDP_MODE_RELIABLE: Documentation/protocol.rst: a header on each
 *	datagram, what is lost is sent again, complete when whole
 */
enum kudp_mode {
	KUDP_MODE_RAW,
	KUDP_MODE_RELIABLE,
};

/*
 * hold: seconds a reliable message may go without progress (send_udp) or
 * without a datagram (receive_udp) before it is given up, by default.
 */
#define KUDP_HOLD_DEFAULT_S	60

/* The most seconds a parameter of seconds (hold, idle) takes. */
#define KUDP_SECONDS_MAX	3600

/* A shared key's bytes (the "key" parameter, Documentation/protocol.rst). */
#define KUDP_KEY_LEN		32

int kudp_parse_bytes(const char *val, bool zero_ok, u64 *res);
int kudp_parse_switch(const char *val, bool *on);
int kudp_parse_mode(const char *val);
const char *kudp_mode_name(enum kudp_mode mode);
int kudp_parse_seconds(const char *val, unsigned int *s);
int kudp_parse_dest(const char *val, __be32 *addr);
int kudp_check_dest(__be32 addr);
int kudp_parse_group(const char *val, __be32 *group);
int kudp_parse_port(const char *val, u16 *port);
int kudp_parse_ifname(const char *val, char *name, size_t size);
int kudp_parse_prefix(const char *val, __be32 *addr, __be32 *mask);
int kudp_parse_key(const char *val, u8 *key);

#endif /* _KUDP_PARSE_H */
