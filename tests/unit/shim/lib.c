// SPDX-License-Identifier: GPL-2.0
/*
 * The out-of-line part of the unit tier's kernel shim: what lib/ and
 * net/core/ of the kernel provide to kudp_wire.c and kudp_parse.c, written
 * again from their documented behaviour (each function names its
 * original). Compiled with the same shim headers as the code under test.
 */
#include <linux/bitmap.h>
#include <linux/crc32.h>
#include <linux/errno.h>
#include <linux/inet.h>
#include <linux/kernel.h>
#include <linux/string.h>

/* lib/bitmap.c __bitmap_clear() */
void bitmap_clear(unsigned long *map, unsigned int start, unsigned int nbits)
{
	unsigned long nr;

	for (nr = start; nr < (unsigned long)start + nbits; nr++)
		map[UNIT_BIT_WORD(nr)] &= ~UNIT_BIT_MASK(nr);
}

/* lib/find_bit.c _find_next_bit(), for both senses: @want set or clear. */
static unsigned long unit_find_next(const unsigned long *addr, unsigned long size,
				    unsigned long offset, bool want)
{
	for (; offset < size; offset++)
		if (test_bit(offset, addr) == want)
			return offset;
	return size;
}

/* include/linux/find.h find_next_bit() */
unsigned long find_next_bit(const unsigned long *addr, unsigned long size, unsigned long offset)
{
	return unit_find_next(addr, size, offset, true);
}

/* include/linux/find.h find_next_zero_bit() */
unsigned long find_next_zero_bit(const unsigned long *addr, unsigned long size,
				 unsigned long offset)
{
	return unit_find_next(addr, size, offset, false);
}

#define UNIT_CRC32_POLY_LE	0xedb88320	/* include/linux/crc32poly.h CRC32_POLY_LE */

/* lib/crc32.c crc32_le(), a bit at a time (its CRC_LE_BITS == 1 form) */
u32 crc32_le(u32 crc, unsigned char const *p, size_t len)
{
	int i;

	while (len--) {
		crc ^= *p++;
		for (i = 0; i < 8; i++)
			crc = (crc >> 1) ^ (crc & 1 ? UNIT_CRC32_POLY_LE : 0);
	}
	return crc;
}

/* lib/crc32.c gf2_multiply(): x * y modulo the polynomial, bit-reflected. */
static u32 unit_gf2_multiply(u32 x, u32 y, u32 modulus)
{
	u32 product = x & 1 ? y : 0;
	int i;

	for (i = 0; i < 31; i++) {
		product = (product >> 1) ^ (product & 1 ? modulus : 0);
		x >>= 1;
		product ^= x & 1 ? y : 0;
	}
	return product;
}

/* lib/crc32.c crc32_le_shift() (crc32_generic_shift()): times x^(8 * len). */
u32 crc32_le_shift(u32 crc, size_t len)
{
	u32 power = UNIT_CRC32_POLY_LE;	/* x^32 */
	int i;

	for (i = 0; i < 8 * (int)(len & 3); i++)
		crc = (crc >> 1) ^ (crc & 1 ? UNIT_CRC32_POLY_LE : 0);
	len >>= 2;
	while (len) {
		/* power is x^(32 * 2^k), for bit k of the original len >> 2 */
		if (len & 1)
			crc = unit_gf2_multiply(crc, power, UNIT_CRC32_POLY_LE);
		len >>= 1;
		if (len)
			power = unit_gf2_multiply(power, power, UNIT_CRC32_POLY_LE);
	}
	return crc;
}

/* lib/kstrtox.c _parse_integer_fixup_radix(): base 0 is 16 after "0x<hex>", 8 after "0", else 10. */
static const char *unit_fixup_radix(const char *s, unsigned int *base)
{
	if (*base == 0) {
		if (s[0] == '0') {
			if ((s[1] | 0x20) == 'x' && s[2] &&
			    strchr("0123456789abcdefABCDEF", s[2]))
				*base = 16;
			else
				*base = 8;
		} else {
			*base = 10;
		}
	}
	if (*base == 16 && s[0] == '0' && (s[1] | 0x20) == 'x')
		s += 2;
	return s;
}

/*
 * lib/kstrtox.c _parse_integer(): the digits of @base from @s on; the
 * number of them, and *@overflow if the value wrapped (it is kept,
 * wrapped, as the kernel's).
 */
static size_t unit_parse_integer(const char *s, unsigned int base, unsigned long long *res,
				 bool *overflow)
{
	unsigned long long r = 0;
	size_t n = 0;

	*overflow = false;
	for (;; n++) {
		unsigned int c = (unsigned char)s[n], lc = c | 0x20, val;

		if (c >= '0' && c <= '9')
			val = c - '0';
		else if (lc >= 'a' && lc <= 'f')
			val = lc - 'a' + 10;
		else
			break;
		if (val >= base)
			break;
		if (r > (~0ULL - val) / base)
			*overflow = true;
		r = r * base + val;
	}
	*res = r;
	return n;
}

/* lib/kstrtox.c kstrtoull() */
int kstrtoull(const char *s, unsigned int base, unsigned long long *res)
{
	unsigned long long r;
	bool overflow;
	size_t n;

	if (s[0] == '+')
		s++;
	s = unit_fixup_radix(s, &base);
	n = unit_parse_integer(s, base, &r, &overflow);
	if (overflow)
		return -ERANGE;
	if (!n)
		return -EINVAL;
	s += n;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = r;
	return 0;
}

/* lib/kstrtox.c kstrtouint() */
int kstrtouint(const char *s, unsigned int base, unsigned int *res)
{
	unsigned long long r;
	int ret = kstrtoull(s, base, &r);

	if (ret)
		return ret;
	if (r > ~0U)
		return -ERANGE;
	*res = r;
	return 0;
}

/* lib/string.c sized_strscpy() */
ssize_t sized_strscpy(char *dest, const char *src, size_t count)
{
	size_t len;

	if (!count)
		return -E2BIG;
	len = strnlen(src, count);
	if (len == count) {
		memcpy(dest, src, count - 1);
		dest[count - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dest, src, len + 1);
	return len;
}

/* lib/string_helpers.c sysfs_streq() */
bool sysfs_streq(const char *s1, const char *s2)
{
	while (*s1 && *s1 == *s2) {
		s1++;
		s2++;
	}
	if (*s1 == *s2)
		return true;
	if (!*s1 && *s2 == '\n' && !s2[1])
		return true;
	return *s1 == '\n' && !s1[1] && !*s2;
}

/* lib/string_helpers.c __sysfs_match_string() */
int __sysfs_match_string(const char * const *array, size_t n, const char *str)
{
	size_t i;

	for (i = 0; i < n && array[i]; i++)
		if (sysfs_streq(array[i], str))
			return i;
	return -EINVAL;
}

/*
 * net/core/utils.c in4_pton(), whose xdigit2bin() sorts each byte: the
 * end (@delim, a NUL, past @srclen; and with @delim -1 anything but a hex
 * digit or a '.'), a ':' (an end too, for IPv4), a '.', a decimal digit;
 * a hex letter, or another byte when @delim is not -1, is an error.
 */
int in4_pton(const char *src, int srclen, u8 *dst, int delim, const char **end)
{
	const char *s = src;
	unsigned int w = 0, i = 0;
	bool digits = false;
	u8 dbuf[4];
	int ret = 0;

	if (srclen < 0)
		srclen = strlen(src);
	for (;;) {
		char c = srclen > 0 ? *s : '\0';
		bool hex = (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
		bool stop = c == delim || c == '\0' || c == ':' ||
			    (delim == -1 && c != '.' && !hex && !(c >= '0' && c <= '9'));

		if (stop || c == '.') {
			if (!digits)
				goto out;
			dbuf[i++] = w;
			w = 0;
			digits = false;
			if (stop) {
				if (i != 4)
					goto out;
				break;
			}
		} else if (c >= '0' && c <= '9') {
			w = w * 10 + (c - '0');
			digits = true;
			if (w > 255)
				goto out;
		} else {
			goto out;
		}
		if (i >= 4)
			goto out;
		s++;
		srclen--;
	}
	ret = 1;
	memcpy(dst, dbuf, sizeof(dbuf));
out:
	if (end)
		*end = s;
	return ret;
}

/* lib/hexdump.c hex_to_bin(): a hex digit's value, or -1. */
static int hex_to_bin(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch |= 0x20;	/* lower case */
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* lib/hexdump.c hex2bin() */
int hex2bin(u8 *dst, const char *src, size_t count)
{
	while (count--) {
		int hi = hex_to_bin(*src++), lo;

		if (hi < 0)
			return -EINVAL;
		lo = hex_to_bin(*src++);
		if (lo < 0)
			return -EINVAL;
		*dst++ = (hi << 4) | lo;
	}
	return 0;
}
