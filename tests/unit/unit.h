/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The unit tier's harness (tests/unit/README): TEST() defines and registers
 * a test, CHECK*() check inside one. A failed check prints where it is and
 * the values it saw, and ends its test; the runner (unit.c) goes on with
 * the next.
 */
#ifndef _UNIT_H
#define _UNIT_H

#include <stddef.h>

struct unit_test {
	const char *name;
	const char *file;
	int line;
	void (*fn)(void);
};

/*
 * TEST(name) { ... }: the test's function, and a pointer to its entry in
 * the "unit_tests" section, which the linker gathers from every object
 * between __start_unit_tests and __stop_unit_tests: a test that is defined
 * runs, none can be left out of a list.
 */
#define TEST(name)								\
	static void name(void);							\
	static const struct unit_test unit_entry_##name = {			\
		#name, __FILE__, __LINE__, name					\
	};									\
	static const struct unit_test *const unit_ptr_##name			\
		__attribute__((used, section("unit_tests"))) = &unit_entry_##name; \
	static void name(void)

void unit_fail(const char *file, int line, const char *what, const char *a, const char *b,
	       unsigned long long va, unsigned long long vb);

/* The condition holds. */
#define CHECK(cond)								\
	do {									\
		if (!(cond)) {							\
			unit_fail(__FILE__, __LINE__, #cond, NULL, NULL, 0, 0);	\
			return;							\
		}								\
	} while (0)

/* Two integers are equal (compared as unsigned long long, printed both ways). */
#define CHECK_EQ(a, b)								\
	do {									\
		unsigned long long _va = (a), _vb = (b);			\
										\
		if (_va != _vb) {						\
			unit_fail(__FILE__, __LINE__, NULL, #a, #b, _va, _vb);	\
			return;							\
		}								\
	} while (0)

/* Two strings are equal. */
#define CHECK_STR(a, b)								\
	do {									\
		const char *_sa = (a), *_sb = (b);				\
										\
		if (!_sa || !_sb || strcmp(_sa, _sb)) {				\
			unit_fail_str(__FILE__, __LINE__, #a, #b, _sa, _sb);	\
			return;							\
		}								\
	} while (0)

void unit_fail_str(const char *file, int line, const char *a, const char *b, const char *sa,
		   const char *sb);

/*
 * Name the case a loop in a test is at: printed with its failure ("case:
 * "10.0.0.1\n""), the string escaped. Cleared before each test.
 */
void unit_case(const char *s);

/*
 * Memory for one test, freed by the runner after it (also after a check
 * that failed and returned early). Filled with 0xa5, not zeroed: what the
 * code under test reads before it wrote shows.
 */
void *unit_alloc(size_t size);

/* A reproducible byte stream (xorshift64), for buffers and orders. */
unsigned long long unit_rand(void);

#endif /* _UNIT_H */
