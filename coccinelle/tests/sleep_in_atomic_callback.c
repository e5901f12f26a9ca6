// SPDX-License-Identifier: GPL-2.0
/*
 * Sample for coccinelle/sleep_in_atomic_callback.cocci: callbacks that run
 * in softirq or hard-IRQ context and call functions that may sleep. Every
 * line marked BUG must be reported, and no other line. Not compiled (Kbuild
 * lists only send_udp.o and receive_udp.o).
 */
#include <linux/hrtimer.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/sock.h>

#include "../../kudp_core.h"

struct sample {
	struct socket *sock;
	struct mutex lock;
	struct hrtimer timer;
	struct hrtimer timer2;
	struct hrtimer timer3;
	struct work_struct work;
	wait_queue_head_t wq;
	spinlock_t slock;
	void *buf;
	bool done;
	void __user *ubuf;
};

static struct sample s;

/* Not a callback itself, but called from one: it must not sleep either. */
static void sample_helper(void)
{
	msleep(20);					/* BUG */
}

static void sample_helper2(void)
{
	sample_helper();
}

static void sample_data_ready(struct sock *sk)
{
	struct kvec vec = { .iov_base = s.buf, .iov_len = 16 };
	struct msghdr msg = { };
	void *p;

	mutex_lock(&s.lock);				/* BUG */
	p = kmalloc(64, GFP_KERNEL);			/* BUG */
	kernel_recvmsg(s.sock, &msg, &vec, 1, 16, 0);	/* BUG */
	kudp_recv(s.sock, s.buf, 16, 0);		/* BUG */
	sample_helper2();
	kfree(p);
	mutex_unlock(&s.lock);
}

/* Allowed: only non-sleeping calls. */
static void sample_write_space(struct sock *sk)
{
	void *p = kmalloc(64, GFP_ATOMIC);

	spin_lock(&s.slock);
	queue_work(system_wq, &s.work);
	spin_unlock(&s.slock);
	kfree(p);
}

static enum hrtimer_restart sample_timer_fn(struct hrtimer *t)
{
	s.buf = vmalloc(4096);				/* BUG */
	flush_work(&s.work);				/* BUG */
	if (copy_to_user(s.ubuf, "x", 1))		/* BUG */
		return HRTIMER_NORESTART;
	wait_event_interruptible(s.wq, s.done);		/* BUG */
	return HRTIMER_NORESTART;
}

/* Found through the .function assignment, not by its name or type. */
static int sample_timer2_fn(struct hrtimer *t)
{
	cancel_work_sync(&s.work);			/* BUG */
	return HRTIMER_NORESTART;
}

/* Passed to hrtimer_setup(). */
static enum hrtimer_restart sample_timer3_fn(struct hrtimer *t)
{
	void *p = __vmalloc(4096, GFP_NOWAIT);		/* BUG */

	vfree(p);
	kernel_sendmsg(NULL, NULL, NULL, 0, 0);		/* BUG */
	return HRTIMER_NORESTART;
}

/* Allowed in a timer: queue work, take a spinlock. */
static enum hrtimer_restart sample_good_timer_fn(struct hrtimer *t)
{
	unsigned long flags;

	spin_lock_irqsave(&s.slock, flags);
	queue_work(system_wq, &s.work);
	spin_unlock_irqrestore(&s.slock, flags);
	return HRTIMER_NORESTART;
}

/* Process context: may sleep. */
static void sample_setup(void)
{
	struct sock *sk = s.sock->sk;

	mutex_lock(&s.lock);
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_data_ready = sample_data_ready;
	sk->sk_write_space = sample_write_space;
	write_unlock_bh(&sk->sk_callback_lock);
	mutex_unlock(&s.lock);

	kudp_hrtimer_setup(&s.timer, sample_timer_fn, CLOCK_MONOTONIC,
			   HRTIMER_MODE_REL);
	hrtimer_init(&s.timer2, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	s.timer2.function = (void *)sample_timer2_fn;
	hrtimer_setup(&s.timer3, sample_timer3_fn, CLOCK_MONOTONIC,
		      HRTIMER_MODE_REL);
	msleep(20);
	flush_work(&s.work);
	(void)sample_good_timer_fn;
}
