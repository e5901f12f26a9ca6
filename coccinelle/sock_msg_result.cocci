// SPDX-License-Identifier: GPL-2.0
/// Find results of kernel_sendmsg(), kernel_recvmsg(), sock_sendmsg(),
/// sock_recvmsg(), kudp_send() and kudp_recv() that are used as a number of
/// bytes (added or subtracted, used as an index, or passed as a length or
/// address) before they are checked for a negative error, and results
/// summed into a variable narrower than 64 bits.
///
/// These calls return a byte count or a negative errno in an int. Adding
/// -EAGAIN to an offset moves it backwards; a total of a 4 GiB message
/// does not fit in an int or u32.
///
// Confidence: Moderate
// Comments: A comparison with <, <=, > or >= counts as a check; == and !=
//  (ret == -EAGAIN, ret != len) do not. Only types narrower than 64 bits on
//  every architecture count as narrow (int, u32, short, char and their
//  relatives), not long or size_t, which are as wide as an address and so
//  as any buffer. Types come from declarations the file or its local
//  headers make. No automatic fix: the check and its error path depend on
//  the function.
// Options: --local-includes --include-headers-for-types

virtual context
virtual org
virtual report

@initialize:python@
@@

import re

def pretty(e):
	e = re.sub(r"\s*(\.|->)\s*", r"\1", e)
	return re.sub(r"([&*(\[])\s+", r"\1", e)

@inline_checked@
identifier F =~ "^(kernel_sendmsg|kernel_recvmsg|sock_sendmsg|sock_recvmsg|kudp_send|kudp_recv)$";
expression ret, E;
position p;
@@

(
 (ret = F@p(...)) < E
|
 (ret = F@p(...)) <= E
|
 (ret = F@p(...)) > E
|
 (ret = F@p(...)) >= E
|
 E < (ret = F@p(...))
|
 E <= (ret = F@p(...))
|
 E > (ret = F@p(...))
|
 E >= (ret = F@p(...))
)

// ------------------------------------------------------------------------
// Used before a check

@unchecked exists@
identifier F =~ "^(kernel_sendmsg|kernel_recvmsg|sock_sendmsg|sock_recvmsg|kudp_send|kudp_recv)$";
identifier LEN =~ "^(memcpy|memmove|memset|memcmp|copy_to_user|copy_from_user|kudp_xfer_add|crc32_le|crc32|skb_put|iov_iter_advance|min|max|min_t|max_t|clamp|clamp_t)$";
expression ret, E, E1, E2;
position p1 != inline_checked.p, p2;
@@

 ret = F@p1(...)
 ... when != ret < E1
     when != ret <= E1
     when != ret > E1
     when != ret >= E1
     when != E1 < ret
     when != E1 <= ret
     when != E1 > ret
     when != E1 >= ret
     when != ret = E2
     when != &ret
     when any
(
 E + ret@p2
|
 ret@p2 + E
|
 E - ret@p2
|
 ret@p2 - E
|
 E += ret@p2
|
 E -= ret@p2
|
 E[ret@p2]
|
 LEN(..., ret@p2, ...)
)

@script:python depends on org@
F << unchecked.F;
ret << unchecked.ret;
p1 << unchecked.p1;
p2 << unchecked.p2;
@@

cocci.print_main("%s: result of %s() used before a check for < 0" % (pretty(ret), F), p2)
cocci.print_secs("call", p1)

@script:python depends on report@
F << unchecked.F;
ret << unchecked.ret;
p1 << unchecked.p1;
p2 << unchecked.p2;
@@

coccilib.report.print_report(p2[0], "ERROR: %s, the result of %s() on line %s, is used before it is checked for a negative error" % (pretty(ret), F, p1[0].line))

@direct@
identifier F =~ "^(kernel_sendmsg|kernel_recvmsg|sock_sendmsg|sock_recvmsg|kudp_send|kudp_recv)$";
identifier LEN =~ "^(memcpy|memmove|memset|memcmp|copy_to_user|copy_from_user|kudp_xfer_add|crc32_le|crc32|skb_put|iov_iter_advance|min|max|min_t|max_t|clamp|clamp_t)$";
expression E;
position p;
@@

(
 E + F@p(...)
|
 F@p(...) + E
|
 E - F@p(...)
|
 F@p(...) - E
|
 E += F@p(...)
|
 E -= F@p(...)
|
 E[F@p(...)]
|
 LEN(..., F@p(...), ...)
)

@script:python depends on org@
F << direct.F;
p << direct.p;
@@

cocci.print_main("result of %s() used with no check for < 0" % F, p)

@script:python depends on report@
F << direct.F;
p << direct.p;
@@

coccilib.report.print_report(p[0], "ERROR: the result of %s() is used as a byte count with no check for a negative error" % F)

// ------------------------------------------------------------------------
// Summed into a narrow variable

@narrow exists@
typedef u8, s8, u16, s16, u32, s32, __u8, __s8, __u16, __s16, __u32, __s32;
identifier F =~ "^(kernel_sendmsg|kernel_recvmsg|sock_sendmsg|sock_recvmsg|kudp_send|kudp_recv)$";
expression ret, E;
{char, unsigned char, short, unsigned short, int, unsigned int, u8, s8, u16, s16, u32, s32, __u8, __s8, __u16, __s16, __u32, __s32} x;
position p;
@@

 ret = F(...)
 ... when != ret = E
     when any
(
 x@p += <+... ret ...+>
|
 x@p = x + <+... ret ...+>
|
 x@p = <+... ret ...+> + x
)

@narrow_direct@
identifier F =~ "^(kernel_sendmsg|kernel_recvmsg|sock_sendmsg|sock_recvmsg|kudp_send|kudp_recv)$";
{char, unsigned char, short, unsigned short, int, unsigned int, u8, s8, u16, s16, u32, s32, __u8, __s8, __u16, __s16, __u32, __s32} x;
position p;
@@

(
 x@p += <+... F(...) ...+>
|
 x@p = x + <+... F(...) ...+>
|
 x@p = <+... F(...) ...+> + x
)

@script:python depends on org@
F << narrow.F;
x << narrow.x;
p << narrow.p;
@@

cocci.print_main("%s: sum of %s() results in fewer than 64 bits" % (pretty(x), F), p)

@script:python depends on report@
F << narrow.F;
x << narrow.x;
p << narrow.p;
@@

coccilib.report.print_report(p[0], "ERROR: results of %s() summed into %s, narrower than 64 bits: a message of 4 GiB overflows it" % (F, pretty(x)))

@script:python depends on org@
F << narrow_direct.F;
x << narrow_direct.x;
p << narrow_direct.p;
@@

cocci.print_main("%s: sum of %s() results in fewer than 64 bits" % (pretty(x), F), p)

@script:python depends on report@
F << narrow_direct.F;
x << narrow_direct.x;
p << narrow_direct.p;
@@

coccilib.report.print_report(p[0], "ERROR: results of %s() summed into %s, narrower than 64 bits: a message of 4 GiB overflows it" % (F, pretty(x)))

@depends on context@
position p = {unchecked.p2, direct.p, narrow.p, narrow_direct.p};
expression e;
@@

* e@p
