// SPDX-License-Identifier: GPL-2.0
/*
 * kudp_memcpy: the speed limits of a transfer, for make bench. Loaded with
 * size=N, it allocates two N-byte vmalloc buffers as the modules do; each
 * write of a number of rounds to "copy" copies one buffer into the other
 * that many times, each write to "crc" computes the CRC-32 of one buffer
 * with crc32_le() that many times, each write to "crc_fast" with
 * kudp_crc32(), the modules' own function (kudp_crc32.c, compiled in: the
 * faster of crc32_le() and the crypto API's crc32, which crc32_impl
 * names, as in the modules), each write to "tag" tags the buffer cut in
 * datagrams of "datagram" bytes (65507) with kudp_key_sign(), the tag of
 * the reliable mode's version 2 (kudp_key.c, compiled in: keyed BLAKE2s
 * of a nonce, a 32-byte header and the payload, per datagram), and "ns"
 * then reads the nanoseconds each round took, space-separated.
 *
 *   insmod kudp_memcpy.ko size=1G
 *   echo 3 > /sys/module/kudp_memcpy/parameters/copy
 *   cat /sys/module/kudp_memcpy/parameters/ns
 */
#include "../kudp_crc32.c"
#include "../kudp_key.c"

#include <linux/crc32.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/vmalloc.h>

#define ROUNDS_MAX	16

static unsigned long size = 64UL << 20;
static void *src, *dst;
/* Under kernel_param_lock: only the parameter callbacks touch them. */
static u64 ns[ROUNDS_MAX];
static unsigned int rounds;

/* The checksum of the last "crc" round, which reading "crc" shows. */
static u32 crc;
/* "tag": bytes per datagram, each tagged on its own. */
static unsigned int datagram = 65507;

enum kudp_memcpy_op { OP_COPY, OP_CRC, OP_CRC_FAST, OP_TAG };

/* Tag the buffer as the reliable mode's datagrams of @datagram bytes. */
static void tag_all(void)
{
	static const struct kudp_key key = { .set = true, .bytes = { 1, 2, 3 } };
	u8 hdr[sizeof(struct kudp_data_hdr) + KUDP_TAG_LEN] = { };
	size_t off, len, payload = max_t(size_t, datagram, sizeof(hdr) + 1) - sizeof(hdr);

	for (off = 0; off < size; off += len) {
		len = min_t(size_t, size - off, payload);
		kudp_key_sign(&key, kudp_nonce_none, hdr, sizeof(struct kudp_data_hdr),
			      src + off, len);
	}
}

/* Run @val (1-ROUNDS_MAX) rounds of @op. */
static int run(const char *val, enum kudp_memcpy_op op)
{
	unsigned int n, i;
	u64 t0;

	if (kstrtouint(val, 0, &n) || !n || n > ROUNDS_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		t0 = ktime_get_ns();
		if (op == OP_CRC)
			crc = crc32_le(~0U, src, size);
		else if (op == OP_CRC_FAST)
			crc = kudp_crc32(~0U, src, size);
		else if (op == OP_TAG)
			tag_all();
		else
			memcpy(dst, src, size);
		ns[i] = ktime_get_ns() - t0;
		cond_resched();
	}
	rounds = n;
	return 0;
}

static int copy_set(const char *val, const struct kernel_param *kp)
{
	return run(val, OP_COPY);
}

static int crc_set(const char *val, const struct kernel_param *kp)
{
	return run(val, OP_CRC);
}

static int crc_fast_set(const char *val, const struct kernel_param *kp)
{
	return run(val, OP_CRC_FAST);
}

static int tag_set(const char *val, const struct kernel_param *kp)
{
	return run(val, OP_TAG);
}

static int ns_get(char *buf, const struct kernel_param *kp)
{
	unsigned int i;
	int len = 0;

	for (i = 0; i < rounds; i++)
		len += sysfs_emit_at(buf, len, "%llu%c", ns[i], i + 1 < rounds ? ' ' : '\n');
	return len;
}

static const struct kernel_param_ops copy_ops = { .set = copy_set };
/* Read: the CRC-32 of the buffer (crc32_le() is __pure: used, it stays). */
static int crc_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%08x\n", ~crc);
}

static const struct kernel_param_ops crc_ops = { .set = crc_set, .get = crc_get };
static const struct kernel_param_ops crc_fast_ops = { .set = crc_fast_set, .get = crc_get };
static const struct kernel_param_ops tag_ops = { .set = tag_set };
static const struct kernel_param_ops ns_ops = { .get = ns_get };

module_param(size, ulong, 0444);
MODULE_PARM_DESC(size, "Bytes per copy (load time; default 64 MiB)");
module_param_cb(copy, &copy_ops, NULL, 0200);
MODULE_PARM_DESC(copy, "Write N (1-16): copy the buffer N times");
module_param_cb(crc, &crc_ops, NULL, 0600);
MODULE_PARM_DESC(crc, "Write N (1-16): compute the CRC-32 of the buffer N times with crc32_le(); read: the CRC-32");
module_param_cb(crc_fast, &crc_fast_ops, NULL, 0600);
MODULE_PARM_DESC(crc_fast, "Write N (1-16): the same with kudp_crc32() (crc32_impl names its function); read: the CRC-32");
module_param_cb(tag, &tag_ops, NULL, 0200);
MODULE_PARM_DESC(tag, "Write N (1-16): tag the buffer N times as datagrams of datagram bytes, with kudp_key_sign()");
module_param_named(datagram, datagram, uint, 0644);
MODULE_PARM_DESC(datagram, "Bytes per datagram that tag tags (49-65507; default 65507)");
module_param_cb(ns, &ns_ops, NULL, 0444);
MODULE_PARM_DESC(ns, "The nanoseconds of each round of the last write to copy, crc, crc_fast or tag");

static int __init kudp_memcpy_init(void)
{
	int ret = kudp_crc32_init();

	if (ret)
		return ret;
	src = vmalloc(size);
	dst = vmalloc(size);
	if (!src || !dst) {
		vfree(src);
		vfree(dst);
		kudp_crc32_exit();
		return -ENOMEM;
	}
	/* Every page is there before the first copy (as init_on_alloc does). */
	memset(src, 0x5a, size);
	memset(dst, 0, size);
	return 0;
}

static void __exit kudp_memcpy_exit(void)
{
	vfree(dst);
	vfree(src);
	kudp_crc32_exit();
}

module_init(kudp_memcpy_init);
module_exit(kudp_memcpy_exit);

MODULE_DESCRIPTION("The speed of one in-kernel copy of a vmalloc buffer, for make bench");
MODULE_AUTHOR("The kudp authors");
MODULE_LICENSE("GPL");
