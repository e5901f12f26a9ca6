// SPDX-License-Identifier: GPL-2.0
/// Find results of vmalloc(), __vmalloc(), vzalloc() and the like, and of
/// kudp_buf_alloc(), that are used (dereferenced, offset, or passed to a
/// memory or socket function) before they are checked for NULL, or that
/// are never checked in the function that allocates them.
///
/// These allocations fail on large sizes; kudp_buf_alloc() also refuses a
/// size larger than the available memory. The first use of a NULL buffer
/// then oopses, or, with an offset added, writes anywhere.
///
// Confidence: High
// Comments: A result that is returned counts as checked (the caller's
//  business). A result stored in another variable and checked there is
//  reported as never checked. No automatic fix: the error path depends on
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

// ------------------------------------------------------------------------
// Used before a check

@used exists@
identifier alloc =~ "^(vmalloc|vmalloc_user|vmalloc_node|vmalloc_32|vmalloc_32_user|vmalloc_huge|__vmalloc|__vmalloc_node|vzalloc|vzalloc_node|kudp_buf_alloc)$";
identifier fn =~ "^(memcpy|memmove|memset|memcmp|memchr|copy_to_user|copy_from_user|strcpy|strscpy|strncpy|sprintf|snprintf|crc32_le|crc32|kudp_xfer_add|kudp_send|kudp_recv)$";
identifier fld;
expression x, E, E1;
position p1, p2;
@@

 x = alloc@p1(...)
 ... when != x == NULL
     when != x != NULL
     when != x = E1
     when != &x
     when any
(
* *x@p2
|
* x@p2[E]
|
* x@p2->fld
|
* x@p2 + E
|
* x@p2 - E
|
* fn(..., x@p2, ...)
|
* fn(..., x@p2 + E, ...)
)

@script:python depends on org@
alloc << used.alloc;
x << used.x;
p1 << used.p1;
p2 << used.p2;
@@

cocci.print_main("%s from %s() used before a NULL check" % (pretty(x), alloc), p2)
cocci.print_secs("allocation", p1)

@script:python depends on report@
alloc << used.alloc;
x << used.x;
p1 << used.p1;
p2 << used.p2;
@@

coccilib.report.print_report(p2[0], "ERROR: %s, from %s() on line %s, is used before it is checked for NULL" % (pretty(x), alloc, p1[0].line))

// ------------------------------------------------------------------------
// Never checked

@tested exists@
identifier alloc =~ "^(vmalloc|vmalloc_user|vmalloc_node|vmalloc_32|vmalloc_32_user|vmalloc_huge|__vmalloc|__vmalloc_node|vzalloc|vzalloc_node|kudp_buf_alloc)$";
expression x;
position p;
@@

 x = alloc@p(...)
 ... when any
(
 x == NULL
|
 x != NULL
|
 IS_ERR_OR_NULL(x)
)

@inline_tested@
identifier alloc =~ "^(vmalloc|vmalloc_user|vmalloc_node|vmalloc_32|vmalloc_32_user|vmalloc_huge|__vmalloc|__vmalloc_node|vzalloc|vzalloc_node|kudp_buf_alloc)$";
expression x;
position p;
@@

(
 (x = alloc@p(...)) == NULL
|
 (x = alloc@p(...)) != NULL
)

@returned exists@
identifier alloc =~ "^(vmalloc|vmalloc_user|vmalloc_node|vmalloc_32|vmalloc_32_user|vmalloc_huge|__vmalloc|__vmalloc_node|vzalloc|vzalloc_node|kudp_buf_alloc)$";
expression x;
position p;
@@

 x = alloc@p(...)
 ... when any
 return x;

@untested@
identifier alloc =~ "^(vmalloc|vmalloc_user|vmalloc_node|vmalloc_32|vmalloc_32_user|vmalloc_huge|__vmalloc|__vmalloc_node|vzalloc|vzalloc_node|kudp_buf_alloc)$";
expression x;
position p != {tested.p, inline_tested.p, returned.p};
@@

* x = alloc@p(...)

@script:python depends on org@
alloc << untested.alloc;
x << untested.x;
p << untested.p;
@@

cocci.print_main("%s from %s() never checked for NULL" % (pretty(x), alloc), p)

@script:python depends on report@
alloc << untested.alloc;
x << untested.x;
p << untested.p;
@@

coccilib.report.print_report(p[0], "ERROR: %s, from %s(), is never checked for NULL" % (pretty(x), alloc))

// ------------------------------------------------------------------------
// Used directly

@direct@
identifier alloc =~ "^(vmalloc|vmalloc_user|vmalloc_node|vmalloc_32|vmalloc_32_user|vmalloc_huge|__vmalloc|__vmalloc_node|vzalloc|vzalloc_node|kudp_buf_alloc)$";
identifier f, fld;
expression E;
position p;
@@

(
* *alloc@p(...)
|
* alloc@p(...)[E]
|
* alloc@p(...)->fld
|
* alloc@p(...) + E
|
* f(..., alloc@p(...), ...)
)

@script:python depends on org@
alloc << direct.alloc;
p << direct.p;
@@

cocci.print_main("%s() used with no NULL check" % alloc, p)

@script:python depends on report@
alloc << direct.alloc;
p << direct.p;
@@

coccilib.report.print_report(p[0], "ERROR: the result of %s() is used with no NULL check" % alloc)
