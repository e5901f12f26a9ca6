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
 * the reliable mode's version 2 (kudp_key.c, and the kudp_sip.c and
 * kudp_wire.c it needs, compiled in: keyed BLAKE2s of a nonce, a 32-byte
 * header and the payload's SipHash-2-4, per datagram), each write to "siphash" and to "shash" does the
 * same with SipHash-2-4 (lib/siphash.c) and with the crypto API's hash
 * that "shash_name" names (hmac(sha256), poly1305...), the other tags the
 * key's issue asked to measure, and "ns" then reads the nanoseconds each
 * round took, space-separated.
 *
 *   insmod kudp_memcpy.ko size=1G
 *   echo 3 > /sys/module/kudp_memcpy/parameters/copy
 *   cat /sys/module/kudp_memcpy/parameters/ns
 */
#include "../kudp_crc32.c"
#include "../kudp_key.c"
#include "../kudp_sip.c"
#include "../kudp_wire.c"

#include <crypto/hash.h>
#include <linux/crc32.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/siphash.h>
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
/* What siphash computed: kept, so that it is computed. */
static u64 sink;
/* "tag": bytes per datagram, each tagged on its own. */
static unsigned int datagram = 65507;

/* "shash": the crypto API's hash it measures. */
static char shash_name[64] = "hmac(sha256)";

enum kudp_memcpy_op { OP_COPY, OP_CRC, OP_CRC_FAST, OP_TAG, OP_SIPHASH, OP_SHASH };

/* The payload bytes of a datagram of @datagram bytes, less the header. */
static size_t payload_of(size_t hdr_len)
{
	return max_t(size_t, datagram, hdr_len + 1) - hdr_len;
}

/* Tag the buffer as the reliable mode's datagrams of @datagram bytes. */
static void tag_all(void)
{
	static struct kudp_key key = { .set = true, .bytes = { 1, 2, 3 } };
	u8 hdr[sizeof(struct kudp_data_hdr) + KUDP_TAG_LEN] = { };
	size_t off, len, payload = payload_of(sizeof(hdr));

	kudp_key_derive(&key);
	for (off = 0; off < size; off += len) {
		len = min_t(size_t, size - off, payload);
		kudp_key_sign(&key, kudp_nonce_none, hdr, sizeof(struct kudp_data_hdr),
			      src + off, len);
	}
}

/* The same with SipHash-2-4 over each payload (a 64-bit tag; 128-bit key). */
static u64 siphash_all(void)
{
	static const siphash_key_t key = { { 1, 2 } };
	size_t off, len, payload = payload_of(sizeof(struct kudp_data_hdr) + 8);
	u64 sum = 0;

	for (off = 0; off < size; off += len) {
		len = min_t(size_t, size - off, payload);
		sum ^= siphash(src + off, len, &key);
	}
	return sum;
}

/*
 * The same with the crypto API's @shash_name; -EOPNOTSUPP in a kernel
 * without the crypto API's hashes (CONFIG_CRYPTO_HASH, as the debug
 * kernel's).
 */
#if IS_ENABLED(CONFIG_CRYPTO_HASH)
static int shash_all(void)
{
	static const u8 key[32] = { 1, 2, 3 };
	u8 out[HASH_MAX_DIGESTSIZE];
	struct crypto_shash *tfm = crypto_alloc_shash(shash_name, 0, 0);
	size_t off, len, payload = payload_of(sizeof(struct kudp_data_hdr) + KUDP_TAG_LEN);
	int ret = 0;

	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	/* A keyed hash takes the key; poly1305 and plain hashes refuse one. */
	crypto_shash_setkey(tfm, key, sizeof(key));
	for (off = 0; off < size && !ret; off += len) {
		SHASH_DESC_ON_STACK(desc, tfm);

		len = min_t(size_t, size - off, payload);
		desc->tfm = tfm;
		ret = crypto_shash_init(desc);
		if (!ret && !strcmp(shash_name, "poly1305"))
			ret = crypto_shash_update(desc, key, sizeof(key));
		if (!ret)
			ret = crypto_shash_finup(desc, src + off, len, out);
	}
	crypto_free_shash(tfm);
	return ret;
}
#else
static int shash_all(void)
{
	return -EOPNOTSUPP;
}
#endif

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
		else if (op == OP_SIPHASH)
			sink ^= siphash_all();
		else if (op == OP_SHASH && shash_all())
			return -EOPNOTSUPP;
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

static int siphash_set(const char *val, const struct kernel_param *kp)
{
	return run(val, OP_SIPHASH);
}

static int shash_set(const char *val, const struct kernel_param *kp)
{
	return run(val, OP_SHASH);
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
static const struct kernel_param_ops siphash_ops = { .set = siphash_set };
static const struct kernel_param_ops shash_ops = { .set = shash_set };
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
module_param_cb(siphash, &siphash_ops, NULL, 0200);
MODULE_PARM_DESC(siphash, "Write N (1-16): the same with SipHash-2-4 over each payload");
module_param_cb(shash, &shash_ops, NULL, 0200);
MODULE_PARM_DESC(shash, "Write N (1-16): the same with the crypto API's shash_name (EOPNOTSUPP: not here)");
module_param_string(shash_name, shash_name, sizeof(shash_name), 0644);
MODULE_PARM_DESC(shash_name, "The crypto API hash that shash measures (default hmac(sha256))");
module_param_named(datagram, datagram, uint, 0644);
MODULE_PARM_DESC(datagram, "Bytes per datagram that tag tags (49-65507; default 65507)");
module_param_cb(ns, &ns_ops, NULL, 0444);
MODULE_PARM_DESC(ns, "The nanoseconds of each round of the last write to copy, crc, crc_fast, tag, siphash or shash");

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
