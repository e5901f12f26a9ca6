// SPDX-License-Identifier: GPL-2.0
/// Find calls that may sleep in a function that runs in atomic context: a
/// socket callback (a function assigned to ->sk_data_ready,
/// ->sk_write_space, ->sk_state_change or ->sk_error_report runs in
/// softirq context) or a timer callback (assigned to the .function of a
/// struct hrtimer, passed to hrtimer_setup(), hrtimer_setup_on_stack(),
/// kudp_hrtimer_setup() or timer_setup(), or defined to return
/// enum hrtimer_restart; hrtimer callbacks run in hard-IRQ context), or a
/// function of the same file such a callback calls, directly or not.
///
/// Sleeping there is a "scheduling while atomic" bug. Such a callback
/// should only queue work (queue_work()) and let the work item do the rest.
///
// Confidence: High
// Comments: Only calls are followed, and only within one file: a callback
//  that calls a sleeping function of another file is found only if that
//  function is in the list below (the kudp_* helpers of kudp_core.c are).
//  Any GFP_KERNEL, GFP_USER, GFP_NOFS or GFP_NOIO in such a function is
//  reported as a sleeping allocation. No automatic fix: the work has to
//  move to process context.
// Options: --local-includes --include-headers-for-types

virtual context
virtual org
virtual report

@initialize:python@
@@

# Per file: the atomic callbacks, and the calls each function makes.
callbacks = {}
calls = {}

def add_callback(p, fn, kind):
	callbacks.setdefault(p[0].file, {}).setdefault(fn, kind)

def atomic_chain(file, fn):
	"""The chain of calls from an atomic callback to fn, or None."""
	cbs = callbacks.get(file, {})
	graph = calls.get(file, {})
	paths = {}
	todo = []
	for cb in sorted(cbs):
		paths[cb] = [cb]
		todo.append(cb)
	while todo:
		f = todo.pop(0)
		for g in sorted(graph.get(f, ())):
			if g not in paths:
				paths[g] = paths[f] + [g]
				todo.append(g)
	if fn not in paths:
		return None
	path = paths[fn]
	return "%s callback %s()" % (cbs[path[0]], "() -> ".join(path))

// ------------------------------------------------------------------------
// The callbacks

@sk_cb@
expression E;
identifier fn, fld =~ "^sk_(data_ready|write_space|state_change|error_report)$";
type T;
position p;
@@

(
 E->fld = fn@p
|
 E->fld = (T)fn@p
|
 WRITE_ONCE(E->fld, fn@p)
)

@script:python@
fn << sk_cb.fn;
fld << sk_cb.fld;
p << sk_cb.p;
@@

add_callback(p, fn, "softirq (%s)" % fld)

@hrt_cb@
struct hrtimer H;
struct hrtimer *HP;
expression E;
identifier fn;
identifier setup =~ "^(hrtimer_setup|hrtimer_setup_on_stack|kudp_hrtimer_setup)$";
type T;
position p;
@@

(
 H.function = fn@p
|
 H.function = (T)fn@p
|
 HP->function = fn@p
|
 HP->function = (T)fn@p
|
 setup(E, fn@p, ...)
|
 setup(E, (T)fn@p, ...)
)

@script:python@
fn << hrt_cb.fn;
p << hrt_cb.p;
@@

add_callback(p, fn, "hard-IRQ (hrtimer)")

@hrt_sig@
identifier fn, t;
position p;
@@

 enum hrtimer_restart fn@p(struct hrtimer *t) { ... }

@script:python@
fn << hrt_sig.fn;
p << hrt_sig.p;
@@

add_callback(p, fn, "hard-IRQ (hrtimer)")

@tl_cb@
expression E, F;
identifier fn;
position p;
@@

 timer_setup(E, fn@p, F)

@script:python@
fn << tl_cb.fn;
p << tl_cb.p;
@@

add_callback(p, fn, "softirq (timer_list)")

// ------------------------------------------------------------------------
// Who calls whom in this file

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

// ------------------------------------------------------------------------
// Sleeping calls and allocations in any function, kept if a callback
// reaches that function

@sleeper exists@
identifier fn;
identifier g =~ "^GFP_(KERNEL|USER|NOFS|NOIO)$";
identifier f =~ "^(mutex_lock(_nested|_interruptible|_killable|_io)?|down(_interruptible|_killable|_timeout|_read|_write|_read_interruptible|_read_killable|_write_killable)?|msleep(_interruptible)?|ssleep|usleep_range(_state)?|fsleep|schedule(_timeout(_interruptible|_killable|_uninterruptible|_idle)?)?|cond_resched|might_sleep|wait_event.*|wait_for_completion.*|wait_on_bit.*|kernel_recvmsg|kernel_sendmsg|sock_recvmsg|sock_sendmsg|kernel_connect|kernel_bind|kernel_listen|kernel_accept|sock_create(_kern|_lite)?|sock_release|lock_sock|lock_sock_nested|vmalloc(_user|_node|_32)?|__vmalloc(_node)?|vzalloc(_node)?|kvmalloc.*|kvzalloc.*|kvcalloc|vmap|copy_to_user|copy_from_user|__copy_to_user|__copy_from_user|get_user|put_user|clear_user|strncpy_from_user|memdup_user.*|flush_work|flush_delayed_work|flush_workqueue|drain_workqueue|destroy_workqueue|cancel_work_sync|cancel_delayed_work_sync|synchronize_rcu|synchronize_net|rcu_barrier|kthread_stop|request_module|misc_register|misc_deregister|alloc_chrdev_region|cdev_add|cdev_del|class_create|class_destroy|device_create(_with_groups)?|device_destroy|kernel_param_lock|kudp_(recv|send|sock_create|sock_bind_any|sock_connect|sock_payload|buf_alloc|set_phase|dev_register|dev_unregister|dev_ioctl))$";
position p;
@@

 fn(...) {
  ... when any
(
  f@p(...)
|
  g@p
)
  ... when any
 }

@script:python filter@
fn << sleeper.fn;
p << sleeper.p;
chain;
@@

c = atomic_chain(p[0].file, fn)
if c is None:
	cocci.include_match(False)
else:
	coccinelle.chain = c

@depends on context@
position sleeper.p;
identifier sleeper.f, sleeper.g;
@@

(
* f@p
|
* g@p
)

@script:python depends on org@
f << sleeper.f = "";
g << sleeper.g = "";
p << sleeper.p;
chain << filter.chain;
@@

cocci.print_main("%s may sleep; reached from %s" % (f or g, chain), p)

@script:python depends on report@
f << sleeper.f = "";
g << sleeper.g = "";
p << sleeper.p;
chain << filter.chain;
@@

coccilib.report.print_report(p[0], "ERROR: %s may sleep, in atomic context: %s" % (f or g, chain))
