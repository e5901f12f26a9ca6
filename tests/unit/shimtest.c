// SPDX-License-Identifier: GPL-2.0
/*
 * The shim itself (shim/): that its stand-ins behave as the kernel's
 * functions are documented to, on the cases kudp_wire.c and kudp_parse.c
 * lean on. A test of the code under test is worth only as much as these.
 */
#include <string.h>

#include <linux/bitmap.h>
#include <linux/crc32.h>
#include <linux/errno.h>
#include <linux/inet.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "unit.h"

TEST(shim_crc32_le_is_zlib_crc32_complemented)
{
	static const char check[] = "123456789";

	/* The CRC-32 check value (zlib's crc32(0, "123456789", 9)). */
	CHECK_EQ(crc32_le(~0U, (const u8 *)check, 9) ^ ~0U, 0xcbf43926);
	/* No inversion inside: nothing in, the seed out. */
	CHECK_EQ(crc32_le(~0U, (const u8 *)check, 0), ~0U);
	CHECK_EQ(crc32_le(0, (const u8 *)"\0\0\0\0", 4), 0);
	/* Byte by byte is the same as at once. */
	CHECK_EQ(crc32_le(crc32_le(~0U, (const u8 *)check, 4), (const u8 *)check + 4, 5),
		 crc32_le(~0U, (const u8 *)check, 9));
}

TEST(shim_crc32_le_combine_is_the_concatenations_crc)
{
	static const size_t lens[] = { 0, 1, 3, 4, 5, 7, 8, 100, 4097 };
	u8 *buf = unit_alloc(2 * 4097);
	unsigned int i, j;

	for (i = 0; i < 2 * 4097; i++)
		buf[i] = unit_rand() >> 40;
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		for (j = 0; j < ARRAY_SIZE(lens); j++) {
			u32 c1 = crc32_le(~0U, buf, lens[i]);
			u32 c2 = crc32_le(0, buf + lens[i], lens[j]);

			CHECK_EQ(crc32_le_combine(c1, c2, lens[j]),
				 crc32_le(~0U, buf, lens[i] + lens[j]));
		}
	}
}

TEST(shim_kstrtouint_kernel_semantics)
{
	unsigned int v = 7;

	CHECK_EQ(kstrtouint("4294967295", 10, &v), 0);
	CHECK_EQ(v, 4294967295U);
	CHECK_EQ(kstrtouint("+5\n", 10, &v), 0);
	CHECK_EQ(v, 5);
	v = 7;
	CHECK_EQ(kstrtouint("4294967296", 10, &v), -ERANGE);
	CHECK_EQ(kstrtouint("99999999999999999999", 10, &v), -ERANGE);
	CHECK_EQ(kstrtouint("-1", 10, &v), -EINVAL);
	CHECK_EQ(kstrtouint("", 10, &v), -EINVAL);
	CHECK_EQ(kstrtouint("\n", 10, &v), -EINVAL);
	CHECK_EQ(kstrtouint("5\n\n", 10, &v), -EINVAL);
	CHECK_EQ(kstrtouint("0x10", 10, &v), -EINVAL);
	CHECK_EQ(kstrtouint("5 ", 10, &v), -EINVAL);
	CHECK_EQ(v, 7);
	CHECK_EQ(kstrtouint("0x10", 0, &v), 0);
	CHECK_EQ(v, 16);
}

TEST(shim_in4_pton_end_and_delimiters)
{
	const char *s, *end;
	u8 a[4] = { 9, 9, 9, 9 };

	s = "1.2.3.4x";
	CHECK_EQ(in4_pton(s, -1, a, -1, &end), 1);
	CHECK_EQ(end - s, 7);
	CHECK(a[0] == 1 && a[1] == 2 && a[2] == 3 && a[3] == 4);
	/* A hex letter is no end of an address: an error. */
	s = "5.6.7.8a";
	CHECK_EQ(in4_pton(s, -1, a, -1, &end), 0);
	CHECK_EQ(a[0], 1);
	/* A ':' ends one whatever the delimiter. */
	s = "5.6.7.8:80";
	CHECK_EQ(in4_pton(s, -1, a, '/', &end), 1);
	CHECK_EQ(end - s, 7);
	s = "5.6.7.9/8";
	CHECK_EQ(in4_pton(s, -1, a, '/', &end), 1);
	CHECK_EQ(a[3], 9);
	CHECK_EQ(in4_pton("5.6.7.9x", -1, a, '/', &end), 0);
	/* @srclen ends it. */
	s = "10.0.0.12";
	CHECK_EQ(in4_pton(s, 8, a, -1, &end), 1);
	CHECK_EQ(a[3], 1);
	CHECK_EQ(end - s, 8);
	CHECK_EQ(in4_pton("10.0.0", -1, a, -1, &end), 0);
	CHECK_EQ(in4_pton("10.0.0.256", -1, a, -1, &end), 0);
	CHECK_EQ(in4_pton("10..0.1", -1, a, -1, &end), 0);
	CHECK_EQ(in4_pton("10.0.0.1.", -1, a, -1, &end), 0);
	CHECK_EQ(in4_pton("00000000010.0.0.1", -1, a, -1, NULL), 1);
	CHECK_EQ(a[0], 10);
}

TEST(shim_sysfs_match_string)
{
	static const char *const names[] = { "raw", "reliable", NULL, "never" };

	CHECK_EQ(sysfs_match_string(names, "raw"), 0);
	CHECK_EQ(sysfs_match_string(names, "reliable\n"), 1);
	CHECK_EQ(sysfs_match_string(names, "reliable\n\n"), -EINVAL);
	/* The search stops at a NULL. */
	CHECK_EQ(sysfs_match_string(names, "never"), -EINVAL);
	CHECK(sysfs_streq("raw\n", "raw"));
	CHECK(!sysfs_streq("ra", "raw"));
}

TEST(shim_strscpy_cuts_and_says_so)
{
	char d[3];

	CHECK_EQ(strscpy(d, "12", sizeof(d)), 2);
	CHECK_STR(d, "12");
	CHECK_EQ(strscpy(d, "123", sizeof(d)), -E2BIG);
	CHECK_STR(d, "12");
	CHECK_EQ(strscpy(d, "9", 1), -E2BIG);
	CHECK_STR(d, "");
}

TEST(shim_bitmap_find_and_clear)
{
	unsigned long map[3];

	memset(map, 0xff, sizeof(map));
	bitmap_clear(map, 3, 2 * BITS_PER_LONG);
	CHECK(test_bit(2, map));
	CHECK(!test_bit(3, map));
	CHECK(!test_bit(2 * BITS_PER_LONG + 2, map));
	CHECK(test_bit(2 * BITS_PER_LONG + 3, map));
	CHECK_EQ(find_next_zero_bit(map, 3 * BITS_PER_LONG, 0), 3);
	CHECK_EQ(find_next_bit(map, 3 * BITS_PER_LONG, 3), 2 * BITS_PER_LONG + 3);
	/* None below @size: @size, even from past it. */
	CHECK_EQ(find_next_bit(map, 2 * BITS_PER_LONG, 3), 2 * BITS_PER_LONG);
	CHECK_EQ(find_next_bit(map, 10, 20), 10);
	__set_bit(BITS_PER_LONG + 1, map);
	CHECK_EQ(find_next_bit(map, 3 * BITS_PER_LONG, 3), BITS_PER_LONG + 1);
	bitmap_zero(map, 1);
	CHECK_EQ(map[0], 0);
	CHECK(test_bit(BITS_PER_LONG + 1, map));
}
