// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/receive_udp: read the last completed message, from any offset.
 *
 * A read at offset 0 (re)binds the open file to the completed message,
 * waiting for one if there is none; reads further on must find the same
 * message, or fail with ESTALE: a reader never gets a mix of two messages.
 * A reader at the end of its message gets EOF, even if the message has
 * been discarded since. poll() reports a message this reader has not read
 * to its end: after EOF, seek to 0 and poll for the next one.
 *
 * The file operations, in process context; the receiver is the one whose
 * device was opened (receive_udp.h).
 */
#define pr_fmt(fmt) "receive_udp: " fmt

#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "receive_udp.h"

/**
 * struct receive_udp_reader - an open /dev/receive_udp
 * @rx: the receiver
 * @seq: the message this file reads, 0 before its first read
 * @len: that message's length
 * @done: the last message this file read to its end, 0 if none
 *
 * All but @rx (set at open) under rx->lock: threads may share the file.
 */
struct receive_udp_reader {
	struct kudp_rx *rx;
	u64 seq;
	u64 len;
	u64 done;
};

static int receive_udp_open(struct inode *inode, struct file *file)
{
	struct receive_udp_reader *rd;

	kudp_enter("f_flags=%#x", file->f_flags);
	rd = kzalloc(sizeof(*rd), GFP_KERNEL);
	if (!rd)
		return kudp_ret(-ENOMEM);
	rd->rx = container_of(inode->i_cdev, struct kudp_rx, dev.cdev);
	file->private_data = rd;
	return 0;
}

static int receive_udp_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

/*
 * Wait until the message the reader may read at @pos is complete, and
 * return 0 with rx->lock held. Without it: 1 at the end of the reader's
 * message when that message is gone (EOF), or a negative errno.
 */
static int receive_udp_lock_message(struct file *file, loff_t pos)
{
	struct receive_udp_reader *rd = file->private_data;
	struct kudp_rx *rx = rd->rx;
	bool rebind;
	int ret;

	for (;;) {
		mutex_lock(&rx->lock);
		rebind = pos == 0 || rd->seq == 0;
		if (rx->state == KUDP_STATE_COMPLETE && (rebind || rx->seq == rd->seq)) {
			rd->seq = rx->seq;
			rd->len = rx->cur.bytes;
			return 0;
		}
		if (!rebind && pos >= rd->len) {
			rd->done = rd->seq;
			mutex_unlock(&rx->lock);
			return 1;
		}
		mutex_unlock(&rx->lock);
		if (!rebind) {
			kudp_dbg("reader of message %llu: it was discarded\n", rd->seq);
			return kudp_ret(-ESTALE);
		}
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(rx->read_wq,
					       READ_ONCE(rx->state) == KUDP_STATE_COMPLETE);
		if (ret)
			return kudp_ret(ret);
	}
}

static ssize_t receive_udp_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct receive_udp_reader *rd = file->private_data;
	struct kudp_rx *rx = rd->rx;
	loff_t pos = *ppos;
	size_t n;
	int ret;

	kudp_dbg_rl("%s(count=%zu, pos=%lld)\n", __func__, count, pos);
	if (pos < 0)
		return -EINVAL;
	/* Nothing to copy: never wait for a message. */
	if (!count)
		return 0;
	ret = receive_udp_lock_message(file, pos);
	if (ret)
		return ret > 0 ? 0 : ret;
	/* At most KUDP_IO_CHUNK under the lock: the drain waits for it. */
	n = 0;
	if (pos < rx->cur.bytes)
		n = min3((u64)count, rx->cur.bytes - pos, (u64)KUDP_IO_CHUNK);
	if (n && copy_to_user(ubuf, rx->buf + pos, n)) {
		mutex_unlock(&rx->lock);
		return kudp_ret(-EFAULT);
	}
	if (pos + n >= rx->cur.bytes)
		rd->done = rd->seq;
	mutex_unlock(&rx->lock);
	*ppos = pos + n;
	return n;
}

static __poll_t receive_udp_poll(struct file *file, poll_table *wait)
{
	struct receive_udp_reader *rd = file->private_data;
	struct kudp_rx *rx = rd->rx;
	__poll_t mask = 0;

	poll_wait(file, &rx->read_wq, wait);
	mutex_lock(&rx->lock);
	/* A complete message that this reader has not read to its end. */
	if (rx->state == KUDP_STATE_COMPLETE && rx->seq != rd->done)
		mask = EPOLLIN | EPOLLRDNORM;
	mutex_unlock(&rx->lock);
	return mask;
}

static loff_t receive_udp_llseek(struct file *file, loff_t offset, int whence)
{
	struct receive_udp_reader *rd = file->private_data;
	struct kudp_rx *rx = rd->rx;
	u64 size = 0;

	mutex_lock(&rx->lock);
	if (rx->state == KUDP_STATE_COMPLETE)
		size = rx->cur.bytes;
	mutex_unlock(&rx->lock);
	return fixed_size_llseek(file, offset, whence, size);
}

static long receive_udp_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct receive_udp_reader *rd = file->private_data;
	struct kudp_rx *rx = rd->rx;
	u64 seq;

	if (cmd == KUDP_IOC_GET_SEQ) {
		mutex_lock(&rx->lock);
		seq = rd->seq;
		mutex_unlock(&rx->lock);
		return put_user(seq, (u64 __user *)arg);
	}
	return kudp_dev_ioctl(&rx->dev, cmd, arg);
}

const struct file_operations receive_udp_fops = {
	.owner = THIS_MODULE,
	.open = receive_udp_open,
	.read = receive_udp_read,
	.poll = receive_udp_poll,
	.llseek = receive_udp_llseek,
	.release = receive_udp_release,
	.unlocked_ioctl = receive_udp_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
