// SPDX-License-Identifier: GPL-2.0
/*
 * The unit tier's runner: every test the linker gathered (unit.h TEST()),
 * in the order of their files' names and their lines, each on a line of
 * its own in KTAP: "ok N name" or, after its failing check,
 * "not ok N name"; then "N passed, M failed". Exit status 1 if any
 * failed. An argument runs only the tests whose names contain it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

extern const struct unit_test *const __start_unit_tests[];
extern const struct unit_test *const __stop_unit_tests[];

static int unit_failed;		/* the running test had a failing check */
static char unit_case_buf[256];	/* unit_case(), escaped */
static int unit_case_set;	/* unit_case() was called in this test */

void unit_case(const char *s)
{
	size_t n = 0;

	unit_case_set = 1;
	for (; *s && n + 5 < sizeof(unit_case_buf); s++) {
		if (*s == '\n' || *s == '\t' || *s == '"' || *s == '\\') {
			unit_case_buf[n++] = '\\';
			unit_case_buf[n++] = *s == '\n' ? 'n' : *s == '\t' ? 't' : *s;
		} else {
			unit_case_buf[n++] = *s;
		}
	}
	unit_case_buf[n] = '\0';
}

static void unit_print_case(void)
{
	if (unit_case_set)
		printf("# case: \"%s\"\n", unit_case_buf);
}

void unit_fail(const char *file, int line, const char *what, const char *a, const char *b,
	       unsigned long long va, unsigned long long vb)
{
	unit_failed = 1;
	unit_print_case();
	if (what)
		printf("# %s:%d: CHECK(%s) failed\n", file, line, what);
	else
		printf("# %s:%d: CHECK_EQ(%s, %s) failed: %llu (%#llx, %lld) != %llu (%#llx, %lld)\n",
		       file, line, a, b, va, va, (long long)va, vb, vb, (long long)vb);
}

void unit_fail_str(const char *file, int line, const char *a, const char *b, const char *sa,
		   const char *sb)
{
	unit_failed = 1;
	unit_print_case();
	printf("# %s:%d: CHECK_STR(%s, %s) failed: \"%s\" != \"%s\"\n", file, line, a, b,
	       sa ? sa : "(null)", sb ? sb : "(null)");
}

/* unit_alloc()'s blocks, freed after each test. */
static void *unit_blocks[64];
static size_t unit_nblocks;

void *unit_alloc(size_t size)
{
	void *p;

	if (unit_nblocks == sizeof(unit_blocks) / sizeof(unit_blocks[0])) {
		fprintf(stderr, "unit_alloc: more than %zu blocks in one test\n", unit_nblocks);
		exit(2);
	}
	p = malloc(size ? size : 1);
	if (!p) {
		fprintf(stderr, "unit_alloc: %zu bytes: out of memory\n", size);
		exit(2);
	}
	memset(p, 0xa5, size);
	unit_blocks[unit_nblocks++] = p;
	return p;
}

static unsigned long long unit_seed;

unsigned long long unit_rand(void)
{
	unit_seed ^= unit_seed << 13;
	unit_seed ^= unit_seed >> 7;
	unit_seed ^= unit_seed << 17;
	return unit_seed;
}

static int unit_order(const void *a, const void *b)
{
	const struct unit_test *x = *(const struct unit_test *const *)a;
	const struct unit_test *y = *(const struct unit_test *const *)b;
	int c = strcmp(x->file, y->file);

	return c ? c : x->line - y->line;
}

int main(int argc, char **argv)
{
	size_t n = __stop_unit_tests - __start_unit_tests, i, run = 0;
	const struct unit_test **t = malloc(n * sizeof(*t));
	unsigned int passed = 0, failed = 0;
	const char *only = argc > 1 ? argv[1] : NULL;

	if (!n || !t) {
		fprintf(stderr, "unit: no tests linked in (the unit_tests section is empty)\n");
		return 2;
	}
	memcpy(t, __start_unit_tests, n * sizeof(*t));
	qsort(t, n, sizeof(*t), unit_order);
	for (i = 0; i < n; i++)
		run += !only || strstr(t[i]->name, only);
	printf("KTAP version 1\n1..%zu\n", run);
	for (i = 0, run = 0; i < n; i++) {
		if (only && !strstr(t[i]->name, only))
			continue;
		unit_failed = 0;
		unit_case_buf[0] = '\0';
		unit_case_set = 0;
		unit_seed = 0x9e3779b97f4a7c15ULL;
		t[i]->fn();
		while (unit_nblocks)
			free(unit_blocks[--unit_nblocks]);
		printf("%sok %zu %s\n", unit_failed ? "not " : "", ++run, t[i]->name);
		if (unit_failed)
			failed++;
		else
			passed++;
	}
	free(t);
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
