// SPDX-License-Identifier: GPL-2.0
/*
 * Sample for coccinelle/hrtimer_exit_cancel.cocci: hrtimers that are
 * started but that the module's exit function does not cancel. Every line
 * marked BUG must be reported, and no other line. Not compiled (Kbuild lists
 * only send_udp.o and receive_udp.o).
 */
#include <linux/hrtimer.h>
#include <linux/module.h>

#include "../../kudp_core.h"

struct sample {
	struct hrtimer idle;
	struct hrtimer retry;
	struct hrtimer poll;
	struct hrtimer stats;
};

static struct sample s;
static struct sample *sp = &s;

static enum hrtimer_restart sample_fn(struct hrtimer *t)
{
	return HRTIMER_NORESTART;
}

static void sample_arm(void)
{
	/* Cancelled in exit: fine. */
	hrtimer_start(&s.idle, ms_to_ktime(10), HRTIMER_MODE_REL);
	/* Cancelled only in sample_stop(), which exit does not call. */
	hrtimer_start(&s.retry, ms_to_ktime(10), HRTIMER_MODE_REL);	/* BUG */
	/* Cancelled by a helper that exit calls: fine. */
	hrtimer_start_range_ns(&sp->poll, ms_to_ktime(10), 1000,
			       HRTIMER_MODE_REL);
	/* Never cancelled. */
	hrtimer_start(&sp->stats, ms_to_ktime(10), HRTIMER_MODE_REL);	/* BUG */
}

/* A timer on the stack is the function's own business. */
static void sample_wait(void)
{
	struct hrtimer t;

	hrtimer_setup_on_stack(&t, sample_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	hrtimer_start(&t, ms_to_ktime(1), HRTIMER_MODE_REL);
	hrtimer_cancel(&t);
	destroy_hrtimer_on_stack(&t);
}

static void sample_stop(void)
{
	hrtimer_cancel(&s.retry);
}

static void sample_stop_poll(void)
{
	hrtimer_try_to_cancel(&s.poll);
}

static int __init sample_init(void)
{
	kudp_hrtimer_setup(&s.idle, sample_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	kudp_hrtimer_setup(&s.retry, sample_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	kudp_hrtimer_setup(&s.poll, sample_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	kudp_hrtimer_setup(&s.stats, sample_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	sample_arm();
	sample_wait();
	return 0;
}

static void __exit sample_exit(void)
{
	hrtimer_cancel(&s.idle);
	sample_stop_poll();
}

module_init(sample_init);
module_exit(sample_exit);
MODULE_LICENSE("GPL");
