// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/cpuset: table-driven tests in the manner of systemd's test-cpu-set-util.c:
 * valid input, garbage, boundaries (63/64, 8191/8192), round trips.
 *
 * Expected cpulist semantics are the kernel's bitmap_parselist() from
 * lib/bitmap-str.c; where we deliberately differ, the case says so.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "cpuset.h"

#include "table.h"

/* Canonical cpulist of a set, in a static buffer big enough for any set. */
static const char *list_of(const cpuset_t *set)
{
	static char buf[8 * 8192];
	size_t n = cpuset_format_list(set, buf, sizeof(buf));

	assert_true(n < sizeof(buf));
	return buf;
}

/* A set from explicit CPU numbers, ending with -1; built without the parser. */
static cpuset_t set_of(int first, ...)
{
	cpuset_t s;
	va_list ap;

	cpuset_zero(&s);
	va_start(ap, first);
	for (int c = first; c >= 0; c = va_arg(ap, int))
		assert_true(cpuset_set(&s, (unsigned int)c));
	va_end(ap);
	return s;
}

/* A deterministic generator so a failing round trip can be reproduced. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng_next(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static void random_set(cpuset_t *s, unsigned int nbits)
{
	/* Vary density: sparse, dense, runs. */
	unsigned int mode = (unsigned int)(rng_next() % 3);

	cpuset_zero(s);
	for (unsigned int cpu = 0; cpu < nbits; cpu++) {
		uint64_t r = rng_next();

		if ((mode == 0 && r % 97 == 0) || (mode == 1 && r % 2 == 0) ||
		    (mode == 2 && (cpu / 37) % 2 == 0 && r % 5 != 0))
			cpuset_set(s, cpu);
	}
}

/* ---- cpulist parsing: valid --------------------------------------------- */

static const struct {
	const char *in;
	unsigned int nbits;
	const char *out; /* canonical cpulist */
} list_valid[] = {
	{ "0", 0, "0" },
	{ "0-3,8", 0, "0-3,8" },
	/* kernel-facts.md and the kernel's documentation examples */
	{ "2-15:2/4", 16, "2-3,6-7,10-11,14-15" },
	{ "0-15:1/2", 16, "0,2,4,6,8,10,12,14" },
	{ "1-15:1/2", 16, "1,3,5,7,9,11,13,15" },
	{ "0-N:1/2", 8, "0,2,4,6" },
	{ "all:1/2", 8, "0,2,4,6" },
	{ "0-9:3/3", 0, "0-9" },
	{ "0-3:4/4", 0, "0-3" },
	{ "0-8191:1/8192", 0, "0" },
	{ "100-200:1/4294967295", 0, "100" },
	/* used == 0 passes bitmap_check_region() and sets nothing */
	{ "0-3:0/4", 0, "" },
	{ "0-3:0/4,5", 0, "5" },
	/* N is the last CPU, nbits - 1 */
	{ "N", 8, "7" },
	{ "N", 1, "0" },
	{ "N", 0, "8191" },
	{ "0-N", 16, "0-15" },
	{ "N-N", 4, "3" },
	{ "2,N", 4, "2-3" },
	/* all (case-insensitive, as the kernel's strncasecmp) */
	{ "all", 4, "0-3" },
	{ "ALL", 4, "0-3" },
	{ "All", 2, "0-1" },
	{ "all", 0, "0-8191" },
	{ "all,0", 4, "0-3" },
	/* separators: commas, any whitespace, both, repeated, leading, trailing */
	{ "1,3 5\t7\n9", 0, "1,3,5,7,9" },
	{ " 1 , 2 ", 0, "1-2" },
	{ "1,,2", 0, "1-2" }, /* bitmap_find_region() skips empty regions */
	{ ",1", 0, "1" },
	{ "1,", 0, "1" },
	{ ",,, ,", 0, "" },
	{ "0-3\n", 0, "0-3" },
	{ "0-3\n\n", 0, "0-3" },
	/* empty */
	{ "", 0, "" },
	{ "   ", 0, "" },
	{ "\n", 0, "" },
	/* order, overlap, leading zeros */
	{ "3,1,2", 0, "1-3" },
	{ "0-4,2-6", 0, "0-6" },
	{ "7,0-7", 0, "0-7" },
	{ "007", 0, "7" },
	{ "00-0001", 0, "0-1" },
	/* the kernel does not need a separator after a group: "N" starts a region */
	{ "0-3:1/2N", 8, "0,2,7" },
	{ "0-3:1/2all", 4, "0-3" },
	/* boundaries */
	{ "8191", 0, "8191" },
	{ "0-8191", 0, "0-8191" },
	{ "8191", 8192, "8191" },
	{ "63-64", 0, "63-64" },
};

static void test_parse_list_valid(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(list_valid); i++) {
		cpuset_t s;
		int r;

		r = cpuset_parse_list(list_valid[i].in, list_valid[i].nbits, &s);
		if (r != 0) {
			case_fail("cpuset_parse_list(\"%s\", %u) = %d, expected 0",
				  list_valid[i].in, list_valid[i].nbits, r);
			continue;
		}
		if (strcmp(list_of(&s), list_valid[i].out) != 0)
			case_fail("cpuset_parse_list(\"%s\", %u) = \"%s\", expected \"%s\"",
				  list_valid[i].in, list_valid[i].nbits, list_of(&s),
				  list_valid[i].out);
	}
	table_done();
}

/* ---- cpulist parsing: errors ---------------------------------------------- */

static const struct {
	const char *in;
	unsigned int nbits;
	int err;
} list_errors[] = {
	/* start > end is checked before the range: "16-N" on 4 CPUs is "16-3" */
	{ "5-3", 0, -EINVAL },
	{ "5-3", 4, -EINVAL },
	{ "16-N", 4, -EINVAL },
	{ "1,5-3", 0, -EINVAL },
	/* CPU beyond the mask */
	{ "4", 4, -ERANGE },
	{ "0-4", 4, -ERANGE },
	{ "N-7", 4, -ERANGE },
	{ "1,9", 8, -ERANGE },
	{ "8192", 0, -ERANGE },
	{ "0-8192", 0, -ERANGE },
	{ "8192", 8192, -ERANGE },
	{ "8192", 10000, -ERANGE }, /* nbits above CPUSET_MAX clamps to it */
	{ "all:1/2,8192", 0, -ERANGE },
	/* huge numbers (the kernel says -EOVERFLOW; our contract is -ERANGE) */
	{ "4294967295", 0, -ERANGE },
	{ "4294967296", 0, -ERANGE },
	{ "99999999999", 0, -ERANGE },
	{ "18446744073709551616", 0, -ERANGE },
	{ "0-99999999999999999999", 0, -ERANGE },
	{ "0-3:1/99999999999", 0, -ERANGE },
	/* garbage */
	{ "1-", 0, -EINVAL },
	{ "-1", 0, -EINVAL },
	{ "1--2", 0, -EINVAL },
	{ "1-2-3", 0, -EINVAL },
	{ "a", 0, -EINVAL },
	{ "1a", 0, -EINVAL },
	{ "0x1", 0, -EINVAL },
	{ "+1", 0, -EINVAL },
	{ "1.5", 0, -EINVAL },
	{ "1 - 2", 0, -EINVAL },
	{ "n", 8, -EINVAL },
	{ "N7", 8, -EINVAL },
	{ "al", 8, -EINVAL },
	{ "alll", 8, -EINVAL },
	{ "all-3", 8, -EINVAL },
	{ "3-all", 8, -EINVAL },
	/* groups */
	{ ":1/2", 0, -EINVAL },
	{ "0-3:", 0, -EINVAL },
	{ "0-3:1", 0, -EINVAL },
	{ "0-3:1/", 0, -EINVAL },
	{ "0-3:/2", 0, -EINVAL },
	{ "0-3:1-2", 0, -EINVAL },
	{ "0-3:5/4", 0, -EINVAL }, /* used > group */
	{ "0-3:1/0", 0, -EINVAL }, /* group 0 */
	{ "0-3:0/0", 0, -EINVAL },
	{ "0-3:1/2x", 0, -EINVAL },
	{ "0-3:1/2-5", 0, -EINVAL },
	{ "0-3:1/2:1/2", 0, -EINVAL },
	{ "5:1/2", 0, -EINVAL }, /* a group needs a range: bitmap_parse_region() */
	{ "N:1/2", 8, -EINVAL },
	{ "0-9999:5/4", 0, -EINVAL }, /* EINVAL wins over ERANGE, as in bitmap_check_region() */
	{ "9-3:1/2", 0, -EINVAL },
};

static void test_parse_list_errors(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(list_errors); i++) {
		cpuset_t s = set_of(42, -1), before = s;
		int r = cpuset_parse_list(list_errors[i].in, list_errors[i].nbits, &s);

		if (r != list_errors[i].err)
			case_fail("cpuset_parse_list(\"%s\", %u) = %d (%s), expected %d",
				  list_errors[i].in, list_errors[i].nbits, r,
				  r == 0 ? list_of(&s) : "-", list_errors[i].err);
		/* ret untouched on failure */
		assert_true(cpuset_equal(&s, &before));
	}
	assert_int_equal(cpuset_parse_list(NULL, 0, &(cpuset_t){ 0 }), -EINVAL);
	table_done();
}

/* ---- mask parsing ---------------------------------------------------------- */

static const struct {
	const char *in;
	const char *list;
} mask_valid[] = {
	{ "ff,ffffffff", "0-39" },
	{ "000c00", "10-11" },
	{ "00000c00", "10-11" },
	{ "c00", "10-11" },
	{ "0", "" },
	{ "00000000", "" },
	{ "00,00000000", "" },
	{ "1", "0" },
	{ "80000000", "31" },
	{ "1,00000000", "32" },
	{ "00000001,00000000", "32" },
	{ "1,00000000,00000000", "64" },
	{ "80000000,00000000", "63" },
	{ "deadbeef", "0-3,5-7,9-13,15-16,18-19,21,23,25-28,30-31" },
	{ "DEADBEEF", "0-3,5-7,9-13,15-16,18-19,21,23,25-28,30-31" },
	{ "0x3", "0-1" },
	{ "0X3", "0-1" },
	{ "0xff,ffffffff", "0-39" },
	{ "3\n", "0-1" },
	{ "3\n\n", "0-1" },
	{ "  3 \n", "0-1" },
	{ "ffffffff,ffffffff", "0-63" },
};

static void test_parse_mask_valid(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(mask_valid); i++) {
		cpuset_t s;
		int r = cpuset_parse_mask(mask_valid[i].in, &s);

		if (r != 0) {
			case_fail("cpuset_parse_mask(\"%s\") = %d, expected 0", mask_valid[i].in,
				  r);
			continue;
		}
		if (strcmp(list_of(&s), mask_valid[i].list) != 0)
			case_fail("cpuset_parse_mask(\"%s\") = \"%s\", expected \"%s\"",
				  mask_valid[i].in, list_of(&s), mask_valid[i].list);
	}
	table_done();
}

static const struct {
	const char *in;
	int err;
} mask_errors[] = {
	{ "", -EINVAL },
	{ "\n", -EINVAL },
	{ "   ", -EINVAL },
	{ "0x", -EINVAL },
	{ "0x\n", -EINVAL },
	{ "1ffffffff", -EINVAL }, /* 9 digits: the kernel requires the commas */
	{ "000000001", -EINVAL }, /* 9 digits even if the value fits */
	{ "ff,1ffffffff", -EINVAL },
	{ ",ff", -EINVAL },
	{ "ff,", -EINVAL },
	/* The kernel's bitmap_parse() would skip an empty chunk; we refuse it (a typo). */
	{ "ff,,ff", -EINVAL },
	{ ",", -EINVAL },
	{ "g", -EINVAL },
	{ "ff ff", -EINVAL },
	{ "-1", -EINVAL },
	{ "+1", -EINVAL },
	{ "0x0x1", -EINVAL },
	{ "1,0x1", -EINVAL },
	{ "0x,ff", -EINVAL },
	{ "1\n2", -EINVAL },
	{ "ff,ffffffff:1", -EINVAL },
};

static void test_parse_mask_errors(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(mask_errors); i++) {
		cpuset_t s = set_of(42, -1), before = s;
		int r = cpuset_parse_mask(mask_errors[i].in, &s);

		if (r != mask_errors[i].err)
			case_fail("cpuset_parse_mask(\"%s\") = %d, expected %d", mask_errors[i].in,
				  r, mask_errors[i].err);
		assert_true(cpuset_equal(&s, &before));
	}
	assert_int_equal(cpuset_parse_mask(NULL, &(cpuset_t){ 0 }), -EINVAL);
	table_done();
}

/* "<top>" followed by nzero ",00000000" words. */
static char *mask_with_words(const char *top, unsigned int nzero)
{
	size_t len = strlen(top) + nzero * 9 + 1;
	char *s = malloc(len), *p;

	assert_non_null(s);
	p = stpcpy(s, top);
	for (unsigned int i = 0; i < nzero; i++)
		p = stpcpy(p, ",00000000");
	return s;
}

static void test_parse_mask_boundary(void **state)
{
	cpuset_t s;
	char *m;

	/* 256 words: bit 8191 is the highest CPU */
	m = mask_with_words("80000000", 255);
	assert_int_equal(cpuset_parse_mask(m, &s), 0);
	assert_string_equal(list_of(&s), "8191");
	free(m);

	/* bit 8192 is beyond CPUSET_MAX */
	m = mask_with_words("1", 256);
	assert_int_equal(cpuset_parse_mask(m, &s), -ERANGE);
	free(m);
	m = mask_with_words("80000000", 256);
	assert_int_equal(cpuset_parse_mask(m, &s), -ERANGE);
	free(m);

	/* leading zero words are insignificant, however many */
	m = mask_with_words("0", 300);
	memcpy(m + strlen(m) - 1, "5", 1);
	assert_int_equal(cpuset_parse_mask(m, &s), 0);
	assert_string_equal(list_of(&s), "0,2");
	free(m);
}

/* ---- printing ------------------------------------------------------------- */

static void test_format_list(void **state)
{
	static const struct {
		const char *in; /* parsed with nbits 0 */
		const char *out;
	} t[] = {
		{ "", "" },
		{ "0", "0" },
		{ "8191", "8191" },
		{ "0,8191", "0,8191" },
		{ "0-1", "0-1" }, /* the kernel prints two CPUs as a range too */
		{ "0-8191", "0-8191" },
		{ "8190-8191", "8190-8191" },
		{ "63,64", "63-64" },
		{ "0,2,4", "0,2,4" },
		{ "1-3,5-7,64-127,200", "1-3,5-7,64-127,200" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		cpuset_t s;

		assert_int_equal(cpuset_parse_list(t[i].in, 0, &s), 0);
		assert_string_equal(list_of(&s), t[i].out);
	}

	/* Built without the parser, so a parse bug cannot hide a format bug. */
	cpuset_t s = set_of(0, 1, 2, 3, 8, 63, 64, 65, 8191, -1);
	assert_string_equal(list_of(&s), "0-3,8,63-65,8191");
	s = set_of(-1);
	assert_string_equal(list_of(&s), "");
}

/* snprintf contract: returns the length needed; never writes past len; NUL-terminated. */
static void test_format_list_truncation(void **state)
{
	cpuset_t s = set_of(0, 1, 2, 3, 8, 8191, -1);
	const char *full = "0-3,8,8191";
	size_t n = strlen(full);
	char buf[32];

	assert_int_equal(cpuset_format_list(&s, NULL, 0), n);
	for (size_t len = 0; len <= n + 2; len++) {
		memset(buf, 'X', sizeof(buf));
		assert_int_equal(cpuset_format_list(&s, buf, len), n);
		for (size_t k = len; k < sizeof(buf); k++)
			if (buf[k] != 'X')
				fail_msg("len %zu: byte %zu written", len, k);
		if (len == 0)
			continue;
		size_t want = len - 1 < n ? len - 1 : n;
		assert_int_equal(strlen(buf), want);
		assert_memory_equal(buf, full, want);
	}
	/* empty set with a 1-byte buffer */
	s = set_of(-1);
	buf[0] = 'X';
	assert_int_equal(cpuset_format_list(&s, buf, 1), 0);
	assert_int_equal(buf[0], '\0');
}

static const struct {
	const char *list;
	unsigned int nbits;
	const char *mask;
} mask_fmt[] = {
	{ "0-39", 40, "ff,ffffffff" },
	{ "0-1", 2, "3" },
	{ "0-63", 64, "ffffffff,ffffffff" },
	{ "0-4", 5, "1f" },
	{ "0", 1, "1" },
	{ "0", 32, "00000001" },
	{ "0", 33, "0,00000001" },
	{ "32", 33, "1,00000000" },
	{ "", 40, "00,00000000" },
	{ "", 32, "00000000" },
	{ "0-7", 4, "f" }, /* CPUs at or beyond nbits are not printed */
	{ "35", 36, "8,00000000" },
	{ "10-11", 24, "000c00" },
	/* nbits 0: just enough words for the highest CPU, at least one */
	{ "", 0, "0" },
	{ "0", 0, "1" },
	{ "0-3", 0, "f" },
	{ "31", 0, "80000000" },
	{ "32", 0, "1,00000000" },
	{ "35", 0, "8,00000000" },
	{ "0-39", 0, "ff,ffffffff" },
	{ "63", 0, "80000000,00000000" },
};

static void test_format_mask(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(mask_fmt); i++) {
		cpuset_t s;
		char buf[64];
		size_t n;

		assert_int_equal(cpuset_parse_list(mask_fmt[i].list, 0, &s), 0);
		n = cpuset_format_mask(&s, mask_fmt[i].nbits, buf, sizeof(buf));
		if (strcmp(buf, mask_fmt[i].mask) != 0 || n != strlen(mask_fmt[i].mask))
			case_fail("cpuset_format_mask(\"%s\", %u) = \"%s\" (%zu), expected \"%s\"",
				  mask_fmt[i].list, mask_fmt[i].nbits, buf, n, mask_fmt[i].mask);
	}
	table_done();
}

static void test_format_mask_8192(void **state)
{
	cpuset_t s = set_of(0, 8191, -1), back;
	char *m = cpuset_to_mask(&s, 8192);
	char *want = mask_with_words("80000000", 254);

	assert_non_null(m);
	/* 256 words, 255 commas */
	assert_int_equal(strlen(m), 256 * 8 + 255);
	assert_memory_equal(m, want, strlen(want));
	assert_string_equal(m + strlen(want), ",00000001");
	assert_int_equal(cpuset_parse_mask(m, &back), 0);
	assert_true(cpuset_equal(&s, &back));
	free(m);
	free(want);

	/* nbits beyond CPUSET_MAX is CPUSET_MAX, as for parsing: all 256 words */
	s = set_of(0, -1);
	m = cpuset_to_mask(&s, 9000);
	assert_non_null(m);
	assert_int_equal(strlen(m), 256 * 8 + 255);
	assert_string_equal(m + strlen(m) - 17, "00000000,00000001");
	free(m);
}

static void test_format_mask_truncation(void **state)
{
	cpuset_t s = set_of(0, 39, -1);
	const char *full = "80,00000001";
	size_t n = strlen(full);
	char buf[32];

	assert_int_equal(cpuset_format_mask(&s, 40, NULL, 0), n);
	for (size_t len = 0; len <= n + 2; len++) {
		memset(buf, 'X', sizeof(buf));
		assert_int_equal(cpuset_format_mask(&s, 40, buf, len), n);
		for (size_t k = len; k < sizeof(buf); k++)
			if (buf[k] != 'X')
				fail_msg("len %zu: byte %zu written", len, k);
		if (len == 0)
			continue;
		size_t want = len - 1 < n ? len - 1 : n;
		assert_int_equal(strlen(buf), want);
		assert_memory_equal(buf, full, want);
	}
}

static void test_to_list_to_mask(void **state)
{
	cpuset_t s = set_of(1, 2, 3, 40, -1);
	char *l = cpuset_to_list(&s), *m = cpuset_to_mask(&s, 48);

	assert_string_equal(l, "1-3,40");
	assert_string_equal(m, "0100,0000000e");
	free(l);
	free(m);
	s = set_of(-1);
	l = cpuset_to_list(&s);
	assert_string_equal(l, "");
	free(l);
}

/* ---- round trips ---------------------------------------------------------- */

static void test_round_trip_random(void **state)
{
	for (int iter = 0; iter < 300; iter++) {
		unsigned int nbits = iter < 30 ? CPUSET_MAX :
						 1 + (unsigned int)(rng_next() % CPUSET_MAX);
		cpuset_t s, back;
		char *l, *m, *l2;

		random_set(&s, nbits);
		/* set -> list -> set -> list */
		l = cpuset_to_list(&s);
		assert_non_null(l);
		assert_int_equal(cpuset_parse_list(l, nbits, &back), 0);
		if (!cpuset_equal(&s, &back))
			fail_msg("list round trip failed at iteration %d (nbits %u)", iter, nbits);
		l2 = cpuset_to_list(&back);
		assert_string_equal(l, l2);
		/* set -> mask(nbits) -> set -> mask */
		m = cpuset_to_mask(&s, nbits);
		assert_non_null(m);
		assert_int_equal(strlen(m), (nbits + 31) / 32 - 1 + (nbits / 32) * 8 +
						    (nbits % 32 ? (nbits % 32 + 3) / 4 : 0));
		assert_int_equal(cpuset_parse_mask(m, &back), 0);
		if (!cpuset_equal(&s, &back))
			fail_msg("mask round trip failed at iteration %d (nbits %u)", iter, nbits);
		free(m);
		/* and with automatic width */
		m = cpuset_to_mask(&s, 0);
		assert_int_equal(cpuset_parse_mask(m, &back), 0);
		assert_true(cpuset_equal(&s, &back));
		free(m);
		free(l);
		free(l2);
	}
}

/* Pattern regions against a brute-force model of bitmap_set_region(). */
static void test_group_model(void **state)
{
	for (int iter = 0; iter < 2000; iter++) {
		unsigned int start = (unsigned int)(rng_next() % 300);
		unsigned int end = start + (unsigned int)(rng_next() % 300);
		unsigned int group = 1 + (unsigned int)(rng_next() % 20);
		unsigned int used = (unsigned int)(rng_next() % (group + 1));
		cpuset_t s, want;
		char in[64];

		cpuset_zero(&want);
		for (unsigned int base = start; base <= end; base += group)
			for (unsigned int k = 0; k < used && base + k <= end; k++)
				cpuset_set(&want, base + k);
		snprintf(in, sizeof(in), "%u-%u:%u/%u", start, end, used, group);
		if (cpuset_parse_list(in, 0, &s) != 0)
			case_fail("%s: rejected", in);
		else if (!cpuset_equal(&s, &want))
			case_fail("%s: got \"%s\"", in, list_of(&s));
	}
	table_done();
}

/* ---- differential test against a model of the kernel's bitmap_parselist() -- */

/*
 * An independent model of lib/bitmap-str.c, written from its documented
 * behaviour: regions are found by skipping commas and whitespace; a region is
 * "all" (any case) or a number ('N' = nbits - 1), optionally "-number", then,
 * unless the region ends there, ":used/group" with nothing required after it;
 * start > end, group 0 or used > group is -EINVAL, end >= nbits -ERANGE.
 * Numbers above UINT_MAX are -EOVERFLOW in the kernel; our contract says -ERANGE.
 * A region ending at UINT_MAX without a group is -EINVAL in the kernel (its
 * implied group, end + 1, wraps to 0); it is beyond any mask, so we and this
 * model say -ERANGE.
 * Newlines are left out of the generated input: the kernel stops at a newline
 * right after a region, we treat it as whitespace (documented in cpuset.h).
 */
static bool ref_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t';
}

static bool ref_end(char c)
{
	return ref_sep(c) || c == '\0';
}

static int ref_num(const char **pp, unsigned int nbits, unsigned int *ret)
{
	const char *p = *pp;
	unsigned long long v = 0;
	bool overflow = false;

	if (*p == 'N') {
		*ret = nbits - 1;
		*pp = p + 1;
		return 0;
	}
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned int)(*p - '0');
		if (v > UINT32_MAX) {
			overflow = true;
			v = UINT32_MAX + 1ULL;
		}
	}
	if (overflow)
		return -ERANGE;
	*ret = (unsigned int)v;
	*pp = p;
	return 0;
}

static int ref_parselist(const char *p, unsigned int nbits, cpuset_t *ret)
{
	cpuset_t set;

	cpuset_zero(&set);
	for (;;) {
		unsigned int start, end;
		unsigned long long used, group; /* end + 1 must not wrap */
		int r;

		while (ref_sep(*p))
			p++;
		if (!*p)
			break;
		if (strncasecmp(p, "all", 3) == 0) {
			start = 0;
			end = nbits - 1;
			p += 3;
		} else {
			r = ref_num(&p, nbits, &start);
			if (r)
				return r;
			if (ref_end(*p)) {
				end = start;
				used = group = end + 1ULL;
				goto check;
			}
			if (*p != '-')
				return -EINVAL;
			p++;
			r = ref_num(&p, nbits, &end);
			if (r)
				return r;
		}
		if (ref_end(*p)) {
			used = group = end + 1ULL;
			goto check;
		}
		if (*p != ':')
			return -EINVAL;
		p++;
		unsigned int u, g;

		r = ref_num(&p, nbits, &u);
		if (r)
			return r;
		if (*p != '/')
			return -EINVAL;
		p++;
		r = ref_num(&p, nbits, &g);
		if (r)
			return r;
		used = u;
		group = g;
check:
		if (start > end || group == 0 || used > group)
			return -EINVAL;
		if (end >= nbits)
			return -ERANGE;
		for (unsigned long long base = start; base <= end; base += group)
			for (unsigned long long k = 0; k < used && base + k <= end; k++)
				cpuset_set(&set, (unsigned int)(base + k));
	}
	*ret = set;
	return 0;
}

static const char *rand_num(void)
{
	static const char *const nums[] = {
		"0",  "1",  "2",    "3",    "5",    "7",	  "8",		"15",  "63",
		"64", "99", "4095", "8191", "8192", "4294967295", "4294967296", "007", "N",
	};

	return nums[rng_next() % ARRAY_SIZE(nums)];
}

/* Mostly well-formed regions, with a sprinkle of junk. */
static void rand_cpulist(char *in, size_t len)
{
	static const char *const seps[] = { ",", " ", "\t", ",,", ", ", "" };
	static const char *const junk[] = { "-", ":", "/", "x", "+", "al", "--", ":/", "" };
	unsigned int nreg = 1 + (unsigned int)(rng_next() % 4);

	in[0] = '\0';
	for (unsigned int k = 0; k < nreg; k++) {
		char reg[96];
		unsigned int kind = (unsigned int)(rng_next() % 8);

		if (kind == 0)
			snprintf(reg, sizeof(reg), "%s", rng_next() % 2 ? "all" : "ALL");
		else if (kind <= 2)
			snprintf(reg, sizeof(reg), "%s", rand_num());
		else
			snprintf(reg, sizeof(reg), "%s%s-%s", kind == 3 ? "all" : "",
				 kind == 3 ? "" : rand_num(), rand_num());
		if (rng_next() % 3 == 0)
			snprintf(reg + strlen(reg), sizeof(reg) - strlen(reg), ":%s/%s", rand_num(),
				 rand_num());
		if (rng_next() % 10 == 0)
			snprintf(reg + strlen(reg), sizeof(reg) - strlen(reg), "%s",
				 junk[rng_next() % ARRAY_SIZE(junk)]);
		if (k)
			strncat(in, seps[rng_next() % ARRAY_SIZE(seps)], len - strlen(in) - 1);
		strncat(in, reg, len - strlen(in) - 1);
	}
}

static void test_parse_list_differential(void **state)
{
	static const unsigned int nbits_choice[] = { 1, 2, 4, 8, 64, 100, 4096, 8192 };
	unsigned int accepted = 0, einval = 0, erange = 0;
	const int iters = 50000;

	for (int iter = 0; iter < iters; iter++) {
		char in[512];
		unsigned int nbits = nbits_choice[rng_next() % ARRAY_SIZE(nbits_choice)];
		cpuset_t got, want;
		int r, rr;

		rand_cpulist(in, sizeof(in));
		cpuset_zero(&got);
		cpuset_zero(&want);
		r = cpuset_parse_list(in, nbits, &got);
		rr = ref_parselist(in, nbits, &want);
		if (r != rr)
			case_fail("\"%s\" nbits %u: %d, kernel model %d", in, nbits, r, rr);
		else if (r == 0 && !cpuset_equal(&got, &want))
			case_fail("\"%s\" nbits %u: \"%s\", kernel model differs", in, nbits,
				  list_of(&got));
		accepted += r == 0;
		einval += r == -EINVAL;
		erange += r == -ERANGE;
		if (bad > 20)
			break;
	}
	table_done();
	print_message("differential: %u accepted, %u -EINVAL, %u -ERANGE of %d\n", accepted, einval,
		      erange, iters);
	/* the generator must exercise every outcome */
	assert_true(accepted > iters / 20);
	assert_true(einval > iters / 20);
	assert_true(erange > iters / 20);
}

/* Garbage never crashes, and whatever parses prints and parses back the same. */
static void test_fuzz_no_crash(void **state)
{
	static const char alphabet[] = "0123456789abcdefxXN,-:/ \t\n";

	for (int iter = 0; iter < 50000; iter++) {
		char in[64];
		size_t n = (size_t)(rng_next() % (sizeof(in) - 1));
		cpuset_t s, back;
		char *out;
		int r;

		for (size_t k = 0; k < n; k++)
			in[k] = alphabet[rng_next() % (sizeof(alphabet) - 1)];
		in[n] = '\0';

		r = cpuset_parse_list(in, 0, &s);
		assert_true(r == 0 || r == -EINVAL || r == -ERANGE);
		if (r == 0) {
			out = cpuset_to_list(&s);
			assert_int_equal(cpuset_parse_list(out, 0, &back), 0);
			assert_true(cpuset_equal(&s, &back));
			free(out);
		}
		r = cpuset_parse_mask(in, &s);
		assert_true(r == 0 || r == -EINVAL || r == -ERANGE);
		if (r == 0) {
			out = cpuset_to_mask(&s, 0);
			assert_int_equal(cpuset_parse_mask(out, &back), 0);
			assert_true(cpuset_equal(&s, &back));
			free(out);
		}
	}
}

/* ---- set algebra ---------------------------------------------------------- */

static void test_fill(void **state)
{
	static const unsigned int t[] = { 0, 1, 2, 31, 32, 63, 64, 65, 127, 128, 8191, 8192 };

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		cpuset_t s;

		cpuset_fill(&s, t[i]);
		assert_int_equal(cpuset_count(&s), t[i]);
		assert_int_equal(cpuset_last(&s), (int)t[i] - 1);
		assert_int_equal(cpuset_first(&s), t[i] ? 0 : -1);
		assert_int_equal(cpuset_empty(&s), t[i] == 0);
		if (t[i] < CPUSET_MAX)
			assert_false(cpuset_test(&s, t[i]));
	}
	cpuset_t s;

	cpuset_fill(&s, 100000);
	assert_int_equal(cpuset_count(&s), CPUSET_MAX);
}

static void test_set_clear_test(void **state)
{
	cpuset_t s;

	cpuset_zero(&s);
	assert_true(cpuset_empty(&s));
	assert_true(cpuset_set(&s, 0));
	assert_true(cpuset_set(&s, 63));
	assert_true(cpuset_set(&s, 64));
	assert_true(cpuset_set(&s, 8191));
	assert_false(cpuset_set(&s, 8192));
	assert_false(cpuset_set(&s, UINT32_MAX));
	assert_int_equal(cpuset_count(&s), 4);
	assert_true(cpuset_test(&s, 63));
	assert_true(cpuset_test(&s, 64));
	assert_false(cpuset_test(&s, 65));
	assert_false(cpuset_test(&s, 8192));
	assert_false(cpuset_test(&s, UINT32_MAX));
	cpuset_clear(&s, 8192); /* no-op, no crash */
	cpuset_clear(&s, UINT32_MAX);
	cpuset_clear(&s, 63);
	assert_false(cpuset_test(&s, 63));
	assert_true(cpuset_test(&s, 64));
	assert_string_equal(list_of(&s), "0,64,8191");
	/* setting twice counts once */
	assert_true(cpuset_set(&s, 64));
	assert_int_equal(cpuset_count(&s), 3);
}

static void test_next_last(void **state)
{
	static const struct {
		int cpus[4]; /* -1 terminated */
		unsigned int from;
		int next;
		int last;
	} t[] = {
		{ { -1 }, 0, -1, -1 },
		{ { 0, -1 }, 0, 0, 0 },
		{ { 0, -1 }, 1, -1, 0 },
		{ { 63, -1 }, 0, 63, 63 },
		{ { 63, -1 }, 63, 63, 63 },
		{ { 63, -1 }, 64, -1, 63 },
		{ { 64, -1 }, 63, 64, 64 },
		{ { 64, -1 }, 64, 64, 64 },
		{ { 63, 64, -1 }, 64, 64, 64 },
		{ { 8191, -1 }, 0, 8191, 8191 },
		{ { 8191, -1 }, 8191, 8191, 8191 },
		{ { 8191, -1 }, 8192, -1, 8191 },
		{ { 8191, -1 }, UINT32_MAX, -1, 8191 },
		{ { 5, 8190, -1 }, 6, 8190, 8190 },
		{ { 127, 128, -1 }, 128, 128, 128 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		cpuset_t s;

		cpuset_zero(&s);
		for (int k = 0; t[i].cpus[k] >= 0; k++)
			cpuset_set(&s, (unsigned int)t[i].cpus[k]);
		if (cpuset_next(&s, t[i].from) != t[i].next)
			case_fail("case %zu: next(%u) = %d, expected %d", i, t[i].from,
				  cpuset_next(&s, t[i].from), t[i].next);
		assert_int_equal(cpuset_last(&s), t[i].last);
	}
	table_done();
}

static void test_foreach(void **state)
{
	cpuset_t s = set_of(0, 1, 63, 64, 65, 4000, 8191, -1);
	static const int want[] = { 0, 1, 63, 64, 65, 4000, 8191 };
	size_t n = 0;

	cpuset_foreach(cpu, &s) {
		assert_true(n < ARRAY_SIZE(want));
		assert_int_equal(cpu, want[n]);
		n++;
	}
	assert_int_equal(n, ARRAY_SIZE(want));

	cpuset_zero(&s);
	cpuset_foreach(cpu, &s)
		fail_msg("empty set yielded %d", cpu);

	cpuset_fill(&s, CPUSET_MAX);
	n = 0;
	cpuset_foreach(cpu, &s)
		n++;
	assert_int_equal(n, CPUSET_MAX);
}

static void test_algebra(void **state)
{
	cpuset_t a = set_of(0, 1, 2, 63, 64, 8191, -1);
	cpuset_t b = set_of(2, 3, 64, 100, -1);
	cpuset_t r, e;

	cpuset_and(&r, &a, &b);
	assert_string_equal(list_of(&r), "2,64");
	cpuset_or(&r, &a, &b);
	assert_string_equal(list_of(&r), "0-3,63-64,100,8191");
	cpuset_andnot(&r, &a, &b);
	assert_string_equal(list_of(&r), "0-1,63,8191");
	cpuset_andnot(&r, &b, &a);
	assert_string_equal(list_of(&r), "3,100");

	/* dst may alias either operand */
	r = a;
	cpuset_and(&r, &r, &b);
	assert_string_equal(list_of(&r), "2,64");
	r = b;
	cpuset_or(&r, &a, &r);
	assert_string_equal(list_of(&r), "0-3,63-64,100,8191");
	r = a;
	cpuset_andnot(&r, &r, &r);
	assert_true(cpuset_empty(&r));

	assert_true(cpuset_intersects(&a, &b));
	cpuset_andnot(&r, &a, &b);
	assert_false(cpuset_intersects(&r, &b));
	cpuset_zero(&e);
	assert_false(cpuset_intersects(&e, &e));

	assert_true(cpuset_subset(&e, &a));
	assert_true(cpuset_subset(&a, &a));
	assert_false(cpuset_subset(&a, &b));
	cpuset_and(&r, &a, &b);
	assert_true(cpuset_subset(&r, &a));
	assert_true(cpuset_subset(&r, &b));

	assert_true(cpuset_equal(&a, &a));
	assert_false(cpuset_equal(&a, &b));
	r = a;
	cpuset_clear(&r, 8191);
	assert_false(cpuset_equal(&a, &r));
	assert_int_equal(cpuset_count(&a), 6);
	assert_int_equal(cpuset_count(&r), 5);
}

/* cpuset_or_below against the model: a | (b restricted to CPUs < n) */
static void test_or_below(void **state)
{
	static const unsigned int spans[] = { 0, 1, 63, 64, 65, 127, 128, 130, 8191, 8192, 9000 };
	cpuset_t a, b, r, e, low;

	for (int round = 0; round < 50; round++) {
		random_set(&a, CPUSET_MAX);
		random_set(&b, round % 2 ? 200 : CPUSET_MAX);
		for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
			cpuset_fill(&low, spans[i]);
			cpuset_and(&e, &b, &low);
			cpuset_or(&e, &e, &a);
			r = a;
			cpuset_or_below(&r, &b, spans[i]);
			assert_true(cpuset_equal(&r, &e));
		}
	}
	cpuset_zero(&e);
	assert_int_equal(cpuset_span(&e), 0);
	a = set_of(0, -1);
	assert_int_equal(cpuset_span(&a), 1);
	a = set_of(3, 64, -1);
	assert_int_equal(cpuset_span(&a), 65);
	a = set_of(8191, -1);
	assert_int_equal(cpuset_span(&a), 8192);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_list_valid),
		cmocka_unit_test(test_parse_list_errors),
		cmocka_unit_test(test_parse_mask_valid),
		cmocka_unit_test(test_parse_mask_errors),
		cmocka_unit_test(test_parse_mask_boundary),
		cmocka_unit_test(test_format_list),
		cmocka_unit_test(test_format_list_truncation),
		cmocka_unit_test(test_format_mask),
		cmocka_unit_test(test_format_mask_8192),
		cmocka_unit_test(test_format_mask_truncation),
		cmocka_unit_test(test_to_list_to_mask),
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_group_model),
		cmocka_unit_test(test_parse_list_differential),
		cmocka_unit_test(test_fuzz_no_crash),
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_set_clear_test),
		cmocka_unit_test(test_next_last),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_algebra),
		cmocka_unit_test(test_or_below),
	};

	return cmocka_run_group_tests_name("cpuset", tests, NULL, NULL);
}
