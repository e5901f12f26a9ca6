// SPDX-License-Identifier: GPL-2.0
/// Find buffer addresses computed with an offset narrower than 64 bits
/// (int, unsigned int, u32 and the like): buf + off or &buf[off] passed to
/// memcpy(), memmove(), memset(), copy_to_user(), copy_from_user() or the
/// socket calls, or stored in a kvec's iov_base, directly or through a
/// pointer variable.
///
/// The kudp buffers are up to 4 GiB long: an int offset goes negative past
/// 2 GiB and a u32 one wraps at 4 GiB, so the copy lands outside the
/// buffer or over its start. Offsets into them must be u64, size_t or
/// loff_t.
///
// Confidence: High
// Comments: The offset's type comes from declarations the file or its
//  local headers make; an offset of unknown type is not reported. Only
//  types narrower than 64 bits on every architecture count (not long,
//  which is as wide as an address). No automatic fix: widening the
//  variable may change its signedness or what it is printed with.
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

@arg@
typedef u8, s8, u16, s16, u32, s32, __u8, __s8, __u16, __s16, __u32, __s32, __be32, __le32;
identifier fn =~ "^(memcpy|memmove|memset|memcmp|copy_to_user|copy_from_user|__copy_to_user|__copy_from_user|copy_to_iter|copy_from_iter|strscpy|crc32_le|kudp_xfer_add|kudp_send|kudp_recv|kernel_sendmsg|kernel_recvmsg)$";
{char, unsigned char, short, unsigned short, int, unsigned int, u8, s8, u16, s16, u32, s32, __u8, __s8, __u16, __s16, __u32, __s32, __be32, __le32} v;
expression E, E1;
position p;
@@

(
 fn(..., <+... \(E + v@p\|v@p + E\|&E[v@p]\) ...+>, ...)
|
 E1.iov_base = <+... \(E + v@p\|v@p + E\|&E[v@p]\) ...+>
|
 E1->iov_base = <+... \(E + v@p\|v@p + E\|&E[v@p]\) ...+>
)

@init@
identifier V;
{char, unsigned char, short, unsigned short, int, unsigned int, u8, s8, u16, s16, u32, s32, __u8, __s8, __u16, __s16, __u32, __s32, __be32, __le32} v;
expression E;
position p;
@@

 struct kvec V = { ..., .iov_base = <+... \(E + v@p\|v@p + E\|&E[v@p]\) ...+>, ... };

@via exists@
identifier fn =~ "^(memcpy|memmove|memset|memcmp|copy_to_user|copy_from_user|__copy_to_user|__copy_from_user|copy_to_iter|copy_from_iter|strscpy|crc32_le|kudp_xfer_add|kudp_send|kudp_recv|kernel_sendmsg|kernel_recvmsg)$";
local idexpression d;
{char, unsigned char, short, unsigned short, int, unsigned int, u8, s8, u16, s16, u32, s32, __u8, __s8, __u16, __s16, __u32, __s32, __be32, __le32} v;
expression E, E1, E2;
position p;
@@

 d = \(E + v@p\|v@p + E\|&E[v@p]\)
 ... when != d = E2
(
 fn(..., <+... d ...+>, ...)
|
 E1.iov_base = <+... d ...+>
|
 E1->iov_base = <+... d ...+>
)

@via_init exists@
identifier V;
local idexpression d;
{char, unsigned char, short, unsigned short, int, unsigned int, u8, s8, u16, s16, u32, s32, __u8, __s8, __u16, __s16, __u32, __s32, __be32, __le32} v;
expression E, E2;
position p;
@@

 d = \(E + v@p\|v@p + E\|&E[v@p]\)
 ... when != d = E2
 struct kvec V = { ..., .iov_base = <+... d ...+>, ... };

@bad@
{char, unsigned char, short, unsigned short, int, unsigned int, u8, s8, u16, s16, u32, s32, __u8, __s8, __u16, __s16, __u32, __s32, __be32, __le32} v;
position p = {arg.p, init.p, via.p, via_init.p};
@@

 v@p

// buf + 4, buf + HEADER_LEN: constants are typed int or unsigned int too.
@script:python@
v << bad.v;
@@

if re.match(r"^([0-9']|[A-Z][A-Z0-9_]*$)", v):
	cocci.include_match(False)

@depends on context@
{char, unsigned char, short, unsigned short, int, unsigned int, u8, s8, u16, s16, u32, s32, __u8, __s8, __u16, __s16, __u32, __s32, __be32, __le32} bad.v;
position bad.p;
@@

* v@p

@script:python depends on org@
v << bad.v;
p << bad.p;
@@

cocci.print_main("%s: buffer offset narrower than 64 bits" % pretty(v), p)

@script:python depends on report@
v << bad.v;
p << bad.p;
@@

coccilib.report.print_report(p[0], "ERROR: buffer offset %s is narrower than 64 bits: it wraps in a 4 GiB buffer" % pretty(v))
