// SPDX-License-Identifier: GPL-2.0
/// Find hrtimers that are started (hrtimer_start(), hrtimer_start_range_ns(),
/// hrtimer_start_expires()) but that the module's exit function does not
/// cancel with hrtimer_cancel() or hrtimer_try_to_cancel().
///
/// A timer still queued when the module is unloaded fires into freed
/// module text. The exit function (the function passed to module_exit(),
/// or marked __exit) must cancel every timer the module starts, itself or
/// through a function of the same file that it calls.
///
// Confidence: Moderate
// Comments: Timers are told apart by the name of their variable or field
//  (&priv->timer and &dev.timer are both "timer"), so two timers with the
//  same field name in different structures are taken for one. A timer that
//  is a local variable of the function that starts it is not checked.
//  Each file is checked on its own: a timer started in a file without an
//  exit function is reported, since nothing there cancels it. No automatic
//  fix: where the cancel goes depends on what re-arms the timer.
// Options: --local-includes --include-headers-for-types

virtual context
virtual org
virtual report

@initialize:python@
@@

import re

# Per file: exit functions, calls, and the timers each function cancels.
exits = {}
calls = {}
cancels = {}

def timer_key(t):
	"""&s->priv.timer[2] -> timer"""
	names = re.findall(r"[A-Za-z_]\w*", re.sub(r"\[[^]]*\]", "", t))
	return names[-1] if names else t

def pretty(e):
	"""spatch prints "& s . t"; make it "&s.t"."""
	e = re.sub(r"\s*(\.|->)\s*", r"\1", e)
	return re.sub(r"([&*(\[])\s+", r"\1", e)

def cancelled_in_exit(file, t):
	graph = calls.get(file, {})
	seen = set()
	todo = list(exits.get(file, ()))
	while todo:
		f = todo.pop()
		if f in seen:
			continue
		seen.add(f)
		if timer_key(t) in cancels.get(file, {}).get(f, ()):
			return True
		todo.extend(graph.get(f, ()))
	return False

@exit_decl@
declarer name module_exit;
identifier ex;
position p;
@@

 module_exit(ex@p);

@script:python@
ex << exit_decl.ex;
p << exit_decl.p;
@@

exits.setdefault(p[0].file, set()).add(ex)

@exit_attr@
attribute name __exit;
identifier ex;
type T;
position p;
@@

 T __exit ex@p(...) { ... }

@script:python@
ex << exit_attr.ex;
p << exit_attr.p;
@@

exits.setdefault(p[0].file, set()).add(ex)

@edge exists@
identifier caller, callee;
position p;
@@

 caller@p(...) {
  ... when any
  callee(...)
  ... when any
 }

@script:python@
caller << edge.caller;
callee << edge.callee;
p << edge.p;
@@

calls.setdefault(p[0].file, {}).setdefault(caller, set()).add(callee)

@cancel exists@
identifier fn;
expression T;
position p;
@@

 fn@p(...) {
  ... when any
(
  hrtimer_cancel(T)
|
  hrtimer_try_to_cancel(T)
)
  ... when any
 }

@script:python@
fn << cancel.fn;
T << cancel.T;
p << cancel.p;
@@

cancels.setdefault(p[0].file, {}).setdefault(fn, set()).add(timer_key(T))

@start exists@
identifier fn, hstart =~ "^hrtimer_start(_range_ns|_expires)?$";
local idexpression struct hrtimer L;
expression T;
position p;
@@

 fn(...) {
  ... when any
(
  hstart(&L, ...)
|
  hstart@p(T, ...)
)
  ... when any
 }

@script:python filter@
T << start.T;
p << start.p;
why;
@@

if cancelled_in_exit(p[0].file, T):
	cocci.include_match(False)
elif exits.get(p[0].file):
	coccinelle.why = "%s is not cancelled in the module exit function (%s)" % (pretty(T), ", ".join(sorted(exits[p[0].file])))
else:
	coccinelle.why = "%s is started in a file without a module exit function to cancel it" % pretty(T)

@depends on context@
position start.p;
identifier start.hstart;
@@

* hstart@p(...)

@script:python depends on org@
p << start.p;
why << filter.why;
@@

cocci.print_main(why, p)

@script:python depends on report@
p << start.p;
why << filter.why;
@@

coccilib.report.print_report(p[0], "ERROR: hrtimer " + why)
