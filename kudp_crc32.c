// SPDX-License-Identifier: GPL-2.0
/*
 * The CRC-32 both modules compute with: zlib's, which a message's
 * crc32 statistic and the reliable mode's CLOSE carry. The kernel has two
 * functions for it. crc32_le() is, on x86 before 6.14, the generic table
 * code (some 2 GB/s); the crypto API's "crc32" is there crc32-pclmul, on
 * every x86-64 made since 2010 (carry-less multiplication, six times as
 * fast), and on s390x crc32-vx (vector instructions); on arm64,
 * crc32_le() itself uses the CPU's CRC instructions. So each module
 * measures both at load, as the kernel's xor and raid6 code measure
 * theirs, takes the faster (the crypto one by a tenth at least) and names
 * it, with its speed, in the log; the parameter crc32_impl chooses
 * instead (lib, crypto) and reads back the function in use.
 *
 * The crypto API's crc32 starts from 0 and does not invert: its digest of
 * a piece is crc32_le(0, piece), which crc32_le_combine() joins to the
 * state before it. A piece is at most KUDP_CRC32_PIECE bytes: crc32-pclmul
 * computes one with preemption off (kernel_fpu_begin()). A kernel built
 * without the crypto API's hashes (CONFIG_CRYPTO_HASH, as small boards'
 * may be) has crc32_le() alone.
 */
#include <crypto/hash.h>
#include <linux/crc32.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kudp_crc32.h"

/* The module this copy is linked into names the log lines (kudp_core.c). */
#undef pr_fmt
#define pr_fmt(fmt) "%s: " fmt, THIS_MODULE->name

/* Bytes of one crypto API call: some 20 us without preemption at 14 GB/s. */
#define KUDP_CRC32_PIECE	SZ_256K
/* Below this, crc32_le(): the join costs more than the crypto API saves. */
#define KUDP_CRC32_CRYPTO_MIN	256
/* Each function is timed over this buffer, again and again, for ... */
#define KUDP_CRC32_BENCH_BYTES	SZ_64K
/* ... this long (the load waits for both). */
#define KUDP_CRC32_BENCH_NS	(4 * NSEC_PER_MSEC)

/*
 * crc32_impl: at load, "auto", "lib" or "crypto"; from the end of init on,
 * the function in use ("crc32_le" or the crypto driver's name). Written by
 * insmod and by init, read by sysfs, all under kernel_param_lock().
 */
static char crc32_impl[CRYPTO_MAX_ALG_NAME] = "auto";
module_param_string(crc32_impl, crc32_impl, sizeof(crc32_impl), 0444);
MODULE_PARM_DESC(crc32_impl,
		 "The CRC-32 function: auto (default: the faster of the two, measured at load), lib (crc32_le()) or crypto (the crypto API's crc32); reads back the one in use");

/*
 * The crypto API's crc32 when it is the one in use, else NULL
 * (crc32_le()). Set by kudp_crc32_init() before anything computes and
 * freed by kudp_crc32_exit() after: read without a lock in between.
 */
static struct crypto_shash *kudp_crc32_tfm;

#if IS_ENABLED(CONFIG_CRYPTO_HASH)
/* crc32_le(@crc, @p, @len), through @tfm. */
static u32 kudp_crc32_crypto(struct crypto_shash *tfm, u32 crc, const u8 *p, size_t len)
{
	SHASH_DESC_ON_STACK(desc, tfm);
	__le32 digest;

	desc->tfm = tfm;
	while (len) {
		unsigned int n = min_t(size_t, len, KUDP_CRC32_PIECE);

		/* crc32 takes no key and allocates nothing: it cannot fail. */
		if (WARN_ON_ONCE(crypto_shash_digest(desc, p, n, (u8 *)&digest)))
			crc = crc32_le(crc, p, n);
		else
			crc = crc32_le_combine(crc, le32_to_cpu(digest), n);
		p += n;
		len -= n;
	}
	shash_desc_zero(desc);
	return crc;
}

/*
 * The crypto API's crc32, checked against crc32_le() over the misaligned
 * odd-length tail of @buf, from zlib's start; or an error, said in @why.
 */
static struct crypto_shash *kudp_crc32_alloc(const u8 *buf, char *why, size_t size)
{
	struct crypto_shash *tfm = crypto_alloc_shash("crc32", 0, 0);
	size_t len = KUDP_CRC32_BENCH_BYTES - 3;

	if (IS_ERR(tfm)) {
		snprintf(why, size, "the crypto API has no crc32: error %ld", PTR_ERR(tfm));
		return tfm;
	}
	if (kudp_crc32_crypto(tfm, ~0U, buf + 1, len) != crc32_le(~0U, buf + 1, len)) {
		snprintf(why, size, "%s disagrees with crc32_le()", crypto_shash_driver_name(tfm));
		pr_warn("CRC-32: %s: not used\n", why);
		crypto_free_shash(tfm);
		return ERR_PTR(-EIO);
	}
	return tfm;
}

static void kudp_crc32_free(struct crypto_shash *tfm)
{
	crypto_free_shash(tfm);
}
#else
/* A kernel without the crypto API's hashes: crc32_le() alone. */
static u32 kudp_crc32_crypto(struct crypto_shash *tfm, u32 crc, const u8 *p, size_t len)
{
	return crc32_le(crc, p, len);
}

static struct crypto_shash *kudp_crc32_alloc(const u8 *buf, char *why, size_t size)
{
	snprintf(why, size, "this kernel has no crypto API hashes (CONFIG_CRYPTO_HASH)");
	return ERR_PTR(-ENOENT);
}

static void kudp_crc32_free(struct crypto_shash *tfm)
{
}
#endif

/**
 * kudp_crc32() - continue a CRC-32
 * @crc: the state so far (~0 to start zlib's CRC-32)
 * @p: the bytes that follow
 * @len: how many
 *
 * The same as crc32_le(), through the function kudp_crc32_init() chose.
 *
 * Context: process context (the crypto API may use the FPU).
 * Return: the state after @p (zlib's CRC-32 is its complement).
 */
u32 kudp_crc32(u32 crc, const void *p, size_t len)
{
	struct crypto_shash *tfm = kudp_crc32_tfm;

	if (!tfm || len < KUDP_CRC32_CRYPTO_MIN)
		return crc32_le(crc, p, len);
	return kudp_crc32_crypto(tfm, crc, p, len);
}

/* MB/s (10^6 bytes) of @tfm's CRC-32 (crc32_le()'s if NULL) over @buf. */
static unsigned long kudp_crc32_speed(struct crypto_shash *tfm, const u8 *buf)
{
	u64 start = ktime_get_ns(), ns, bytes = 0;
	u32 crc = 0;

	do {
		if (tfm)
			crc = kudp_crc32_crypto(tfm, crc, buf, KUDP_CRC32_BENCH_BYTES);
		else
			crc = crc32_le(crc, buf, KUDP_CRC32_BENCH_BYTES);
		/* crc32_le() is __pure: each result must be used. */
		barrier_data(&crc);
		bytes += KUDP_CRC32_BENCH_BYTES;
		ns = ktime_get_ns() - start;
	} while (ns < KUDP_CRC32_BENCH_NS);
	return div64_u64(bytes * 1000, ns);
}

/**
 * kudp_crc32_init() - choose the CRC-32 function (module init, first)
 *
 * Times crc32_le() and the crypto API's crc32 over 64 KiB for 4 ms each,
 * checks that the crypto one agrees with crc32_le(), and keeps the crypto
 * one if it is faster by a tenth at least, else crc32_le()
 * (crc32_impl=auto), or the one crc32_impl names; logs which, at what
 * speed, and writes its name to crc32_impl.
 *
 * Context: process context, module init, before anything computes a CRC-32.
 * Return: 0; -EINVAL for an unknown crc32_impl; -EOPNOTSUPP if
 * crc32_impl=crypto and the kernel has none; -EIO if that one disagrees
 * with crc32_le(); -ENOMEM.
 */
int kudp_crc32_init(void)
{
	struct crypto_shash *tfm = NULL;
	unsigned long lib, fast = 0;
	bool want_lib, want_crypto;
	char why[80] = "";
	const char *name;
	u8 *buf;
	size_t i;
	int ret = 0;

	kernel_param_lock(THIS_MODULE);
	want_lib = !strcmp(crc32_impl, "lib");
	want_crypto = !strcmp(crc32_impl, "crypto");
	if (!want_lib && !want_crypto && strcmp(crc32_impl, "auto"))
		ret = -EINVAL;
	kernel_param_unlock(THIS_MODULE);
	if (ret) {
		pr_err("crc32_impl: auto, lib or crypto\n");
		return ret;
	}

	/* The line below says it, without the allocator's stack dump. */
	buf = kvmalloc(KUDP_CRC32_BENCH_BYTES, GFP_KERNEL | __GFP_NOWARN);
	if (!buf) {
		pr_err("no memory to time the CRC-32 functions\n");
		return -ENOMEM;
	}
	for (i = 0; i < KUDP_CRC32_BENCH_BYTES; i++)
		buf[i] = i * 31 + (i >> 8);
	if (!want_lib) {
		tfm = kudp_crc32_alloc(buf, why, sizeof(why));
		if (IS_ERR(tfm) && want_crypto) {
			pr_err("crc32_impl=crypto: %s\n", why);
			kvfree(buf);
			ret = PTR_ERR(tfm);
			/* insmod says "Unknown symbol in module" for ENOENT. */
			return ret == -ENOENT ? -EOPNOTSUPP : ret;
		}
		if (IS_ERR(tfm))
			tfm = NULL;
		else
			fast = kudp_crc32_speed(tfm, buf);
	}
	lib = kudp_crc32_speed(NULL, buf);
	kvfree(buf);

	/*
	 * The crypto one only if it is clearly faster: crc32-generic is
	 * crc32_le() itself, behind the crypto API (what a 10 % margin
	 * leaves out, where the two times differ by noise alone).
	 */
	if (tfm && !want_crypto && fast * 10 < lib * 11) {
		snprintf(why, sizeof(why), "%s: %lu MB/s", crypto_shash_driver_name(tfm), fast);
		kudp_crc32_free(tfm);
		tfm = NULL;
	} else if (tfm) {
		snprintf(why, sizeof(why), "crc32_le: %lu MB/s", lib);
	}
	if (want_lib || want_crypto)
		snprintf(why, sizeof(why), "crc32_impl=%s", want_lib ? "lib" : "crypto");

	kudp_crc32_tfm = tfm;
	name = tfm ? crypto_shash_driver_name(tfm) : "crc32_le";
	pr_info("CRC-32: %s, %lu MB/s (%s)\n", name, tfm ? fast : lib, why);
	kernel_param_lock(THIS_MODULE);
	strscpy(crc32_impl, name, sizeof(crc32_impl));
	kernel_param_unlock(THIS_MODULE);
	return 0;
}

/**
 * kudp_crc32_exit() - let go of the crypto API's crc32 (module exit, last)
 *
 * Context: process context; nothing computes a CRC-32 any more.
 */
void kudp_crc32_exit(void)
{
	kudp_crc32_free(kudp_crc32_tfm);
	kudp_crc32_tfm = NULL;
}
