/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit-tier shim of <linux/bitmap.h> and what it brings in (linux/bitops.h,
 * linux/find.h): arrays of unsigned long, bit n in word n / BITS_PER_LONG
 * at n % BITS_PER_LONG, as on every architecture the kernel runs on.
 */
#ifndef _UNIT_SHIM_LINUX_BITMAP_H
#define _UNIT_SHIM_LINUX_BITMAP_H

#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>

#define UNIT_BIT_WORD(nr)	((nr) / BITS_PER_LONG)
#define UNIT_BIT_MASK(nr)	(1UL << ((nr) % BITS_PER_LONG))

/* include/asm-generic/bitops/generic-non-atomic.h generic_test_bit() (test_bit()). */
static inline bool test_bit(unsigned long nr, const unsigned long *addr)
{
	return addr[UNIT_BIT_WORD(nr)] & UNIT_BIT_MASK(nr);
}

/* include/asm-generic/bitops/generic-non-atomic.h generic___set_bit() (__set_bit()). */
static inline void __set_bit(unsigned long nr, unsigned long *addr)
{
	addr[UNIT_BIT_WORD(nr)] |= UNIT_BIT_MASK(nr);
}

/* include/linux/bitmap.h bitmap_zero(): whole words, BITS_TO_LONGS(nbits) of them. */
static inline void bitmap_zero(unsigned long *dst, unsigned int nbits)
{
	memset(dst, 0, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

/* lib/bitmap.c __bitmap_clear() (bitmap_clear()): bits start to start + nbits - 1 only. */
void bitmap_clear(unsigned long *map, unsigned int start, unsigned int nbits);

/*
 * include/linux/find.h find_next_bit(): the first set bit from @offset
 * on, below @size; @size if there is none.
 */
unsigned long find_next_bit(const unsigned long *addr, unsigned long size, unsigned long offset);

/* include/linux/find.h find_next_zero_bit(): as find_next_bit(), for a clear bit. */
unsigned long find_next_zero_bit(const unsigned long *addr, unsigned long size,
				 unsigned long offset);

#endif /* _UNIT_SHIM_LINUX_BITMAP_H */
