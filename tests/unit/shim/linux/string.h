/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit-tier shim of <linux/string.h>: the C library's string functions
 * (which the kernel's lib/string.c provides under the same names and
 * meanings), and the kernel's own that kudp_parse.c uses.
 */
#ifndef _UNIT_SHIM_LINUX_STRING_H
#define _UNIT_SHIM_LINUX_STRING_H

#include <string.h>		/* glibc's: strcspn, strspn, strchr, strcmp, strlen, memset, memcpy */
#include <linux/kernel.h>	/* ARRAY_SIZE */
#include <linux/types.h>

/*
 * lib/string.c sized_strscpy() (strscpy() with a size): at most count - 1
 * bytes and a NUL; the length copied, or -E2BIG if @src was cut (or
 * count is 0). Only the three-argument form.
 */
ssize_t sized_strscpy(char *dest, const char *src, size_t count);
#define strscpy(dest, src, count)	sized_strscpy(dest, src, count)

/*
 * lib/string_helpers.c sysfs_streq(): equal, where a NUL and a newline
 * then NUL both end a string.
 */
bool sysfs_streq(const char *s1, const char *s2);

/*
 * lib/string_helpers.c __sysfs_match_string(): the index of the first of
 * @n (or up to a NULL) strings sysfs_streq() to @str, or -EINVAL.
 */
int __sysfs_match_string(const char * const *array, size_t n, const char *str);
/* include/linux/string.h sysfs_match_string(): over a whole array. */
#define sysfs_match_string(_a, _s)	__sysfs_match_string(_a, ARRAY_SIZE(_a), _s)

#endif /* _UNIT_SHIM_LINUX_STRING_H */
