// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/kparam: command line splitting exactly as the kernel's next_arg() and
 * parse_args() (quotes, '=' rules, "--"), lookups with '-'/'_' equivalence,
 * edits, format round trips, and isolcpus= with the rules of
 * kernel/sched/isolation.c housekeeping_isolcpus_setup().
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kparam.h"

#include "table.h"

/*
 * The parsed list as "name=value|flag|name=" so a row can state it exactly:
 * a bare flag has no '=', an empty value has one.
 */
static const char *dump(const struct kparams *kp)
{
	static char buf[4096];
	char *p = buf;

	buf[0] = '\0';
	for (size_t i = 0; i < kp->n; i++) {
		int n = snprintf(p, sizeof(buf) - (size_t)(p - buf), "%s%s%s%s", i ? "|" : "",
				 kp->v[i].name, kp->v[i].value ? "=" : "",
				 kp->v[i].value ? kp->v[i].value : "");

		assert_true(n >= 0 && (size_t)n < sizeof(buf) - (size_t)(p - buf));
		p += n;
	}
	return buf;
}

/* ---- splitting ------------------------------------------------------------ */

static const struct {
	const char *in;
	const char *out;
} split[] = {
	{ "", "" },
	{ "   ", "" },
	{ "\t\n", "" },
	{ "quiet", "quiet" },
	{ "a=1 b c=", "a=1|b|c=" },
	{ "  a=1   b  ", "a=1|b" },			/* leading, repeated and trailing spaces */
	{ "a=1\tb\nc", "a=1|b|c" },			/* any whitespace separates */
	{ "root=UUID=12-34 ro", "root=UUID=12-34|ro" }, /* only the first '=' splits */
	{ "a==b", "a==b" },				/* value "=b" */
	{ "foo=\"a b\" bar", "foo=a b|bar" },
	{ "foo=\"a b\"", "foo=a b" },
	{ "\"foo=a b\" bar", "foo=a b|bar" }, /* the whole arg quoted */
	{ "\"quiet\"", "quiet" },
	{ "\"foo bar\"", "foo bar" }, /* a quoted name keeps its space */
	{ "x=\"\" y", "x=|y" },
	{ "x=\" y", "x= y" }, /* unbalanced: the rest is one value */
	{ "foo=\"a b", "foo=a b" },
	/* quotes that do not open the value stay, and still group */
	{ "foo=a\"b c\"d e", "foo=a\"b c\"d|e" },
	{ "foo=\"a\"b\"", "foo=a\"b" },
	{ "foo=a\"b\"", "foo=a\"b\"" },
	{ "\"a\"=b", "a\"=b" },
	/* '=' as the first byte does not split (next_arg's equals == 0) */
	{ "=foo", "=foo" },
	{ "=a=b", "=a=b" }, /* name "=a", value "b" */
	{ "=", "=" },
	/* "--" and what follows are kept (for printing) */
	{ "quiet -- single x=1", "quiet|--|single|x=1" },
	{ "--", "--" },
	{ "a=-- b", "a=--|b" },
	/*
	 * An unterminated quote runs to the end of the line: every parameter
	 * after it is part of one value (what a stray '"' in a bootloader file
	 * does to the parameters appended after it).
	 */
	{ "quiet foo=\"bar isolcpus=1-3 nohz_full=1-3",
	  "quiet|foo=bar isolcpus=1-3 nohz_full=1-3" },
	{ "\"foo=a b isolcpus=2", "foo=a b isolcpus=2" },
	{ "a\"b c\" d", "a\"b c\"|d" }, /* quotes inside a name group too */
	{ "\"a b\"c d", "a b\"c|d" },	/* the last byte is no quote: kept */
	{ "a \"", "a|" },		/* a lone quote: an empty name */
	{ "a x=\"", "a|x=" },
	{ "\"foo=\"", "foo=" },
	/* the kernel's isspace(): \v \f \r and Latin-1 0xa0 split, whatever the locale */
	{ "a\vb\fc\rd", "a|b|c|d" },
	{ "a=1\xa0"
	  "b",
	  "a=1|b" },
	{ "\xa0quiet\xa0\xa0", "quiet" },
	{ "x=\"1\xa0"
	  "2\" y",
	  "x=1\xa0"
	  "2|y" }, /* not inside quotes */
	{ "\x85"
	  "a \xa1"
	  "b",
	  "\x85"
	  "a|\xa1"
	  "b" }, /* other high bytes are no space */
};

static void test_split(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(split); i++) {
		struct kparams kp;
		int r = kparams_parse(split[i].in, &kp);

		if (r != 0) {
			case_fail("kparams_parse(\"%s\") = %d", split[i].in, r);
			continue;
		}
		if (strcmp(dump(&kp), split[i].out) != 0)
			case_fail("kparams_parse(\"%s\") = \"%s\", expected \"%s\"", split[i].in,
				  dump(&kp), split[i].out);
		kparams_free(&kp);
	}
	table_done();

	/* the two splits above that need a look at the exact strings */
	struct kparams kp;

	assert_int_equal(kparams_parse("=a=b x=\"\"", &kp), 0);
	assert_int_equal(kp.n, 2);
	assert_string_equal(kp.v[0].name, "=a");
	assert_string_equal(kp.v[0].value, "b");
	assert_string_equal(kp.v[1].name, "x");
	assert_string_equal(kp.v[1].value, "");
	kparams_free(&kp);
	assert_int_equal(kparams_parse(NULL, &kp), 0);
	assert_int_equal(kp.n, 0);
	kparams_free(&kp);
}

/* Does the line end inside quotes, as next_arg() walks it? */
static void test_quotes_closed(void **state)
{
	static const struct {
		const char *in;
		bool closed;
	} t[] = {
		{ "", true },
		{ "quiet splash", true },
		{ "foo=\"a b\" bar", true },
		{ "\"foo=a b\"", true },
		{ "foo=a\"b c\"d", true },
		{ "x=\"\"", true },
		{ "\"", false },
		{ "quiet foo=\"bar isolcpus=1-3", false },
		{ "\"foo=a b", false },
		{ "a=\"b\" c=\"d", false },
		{ "a\"b\"c\"", false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		bool got = kparams_quotes_closed(t[i].in);

		if (got != t[i].closed)
			case_fail("kparams_quotes_closed(\"%s\") = %d", t[i].in, got);
	}
	assert_true(kparams_quotes_closed(NULL));
	table_done();
}

static void test_isspace(void **state)
{
	for (int c = -128; c < 256; c++) {
		unsigned char u = (unsigned char)c;
		bool want = u == ' ' || u == '\t' || u == '\n' || u == '\v' || u == '\f' ||
			    u == '\r' || u == 0xa0;

		if (kparam_isspace(c) != want)
			case_fail("kparam_isspace(%d) = %d", c, !want);
	}
	table_done();
}

/* ---- lookups ------------------------------------------------------------- */

static void test_lookup(void **state)
{
	struct kparams kp;

	assert_int_equal(
		kparams_parse("quiet isolcpus=1 rcu-nocbs=3 isolcpus=2 nohz_full= rcu_nocbs=4 "
			      "nosmt -- isolcpus=9 later",
			      &kp),
		0);
	/* the last occurrence wins */
	assert_string_equal(kparams_get(&kp, "isolcpus"), "2");
	assert_int_equal(kparams_count(&kp, "isolcpus"), 2);
	/* '-' and '_' are the same in names, in both directions */
	assert_string_equal(kparams_get(&kp, "rcu_nocbs"), "4");
	assert_string_equal(kparams_get(&kp, "rcu-nocbs"), "4");
	assert_int_equal(kparams_count(&kp, "rcu-nocbs"), 2);
	assert_true(kparams_has(&kp, "nohz-full"));
	/* empty value vs bare flag */
	assert_string_equal(kparams_get(&kp, "nohz_full"), "");
	assert_true(kparams_has(&kp, "quiet"));
	assert_null(kparams_get(&kp, "quiet"));
	assert_non_null(kparams_find(&kp, "quiet"));
	assert_null(kparams_find(&kp, "quie"));
	assert_null(kparams_find(&kp, "quiet2"));
	assert_false(kparams_has(&kp, "irqaffinity"));
	assert_int_equal(kparams_count(&kp, "irqaffinity"), 0);
	/* after "--" is init's: not a kernel parameter */
	assert_false(kparams_has(&kp, "later"));
	assert_int_equal(kparams_count(&kp, "isolcpus"), 2);
	kparams_free(&kp);
	kparams_free(&kp); /* twice is fine */
	kparams_free(NULL);

	assert_true(kparam_name_eq("a-b_c", "a_b-c"));
	assert_true(kparam_name_eq("", ""));
	assert_false(kparam_name_eq("ab", "a"));
	assert_false(kparam_name_eq("a", "ab"));
	assert_false(kparam_name_eq("a.b", "a_b"));
	assert_false(kparam_name_eq("Quiet", "quiet"));
}

/* ---- edits ------------------------------------------------------------------ */

static const struct {
	const char *in;
	const char *name;
	const char *value; /* NULL: bare flag */
	const char *out;   /* kparams_format() after kparams_set() */
} sets[] = {
	/* replace in place, drop later duplicates */
	{ "a=1 b a=2 c", "a", "9", "a=9 b c" },
	{ "x a=1 b a=2 c a=3", "a", "9", "x a=9 b c" },
	{ "rcu-nocbs=1 b rcu_nocbs=2", "rcu_nocbs", "3", "rcu-nocbs=3 b" },
	/* append when absent */
	{ "a=1", "b", "2", "a=1 b=2" },
	{ "", "b", "2", "b=2" },
	/* bare flag and empty value */
	{ "quiet a=1", "a", NULL, "quiet a" },
	{ "quiet", "quiet", "", "quiet=" },
	/* values with spaces are quoted so the kernel reads them back */
	{ "a=1", "foo", "x y", "a=1 foo=\"x y\"" },
	{ "a=1", "foo", "\"x", "a=1 foo=\"\"x\"" },
	/* set and append stay before "--" and leave init's arguments alone */
	{ "quiet -- a=1 single", "a", "2", "quiet a=2 -- a=1 single" },
	{ "a=0 -- a=1", "a", "2", "a=2 -- a=1" },
	{ "--", "a", "2", "a=2 --" },
};

static void test_set(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
		struct kparams kp;
		char *s;

		assert_int_equal(kparams_parse(sets[i].in, &kp), 0);
		assert_int_equal(kparams_set(&kp, sets[i].name, sets[i].value), 0);
		s = kparams_format(&kp);
		assert_non_null(s);
		if (strcmp(s, sets[i].out) != 0)
			case_fail("set(\"%s\", %s=%s) = \"%s\", expected \"%s\"", sets[i].in,
				  sets[i].name, sets[i].value ? sets[i].value : "(flag)", s,
				  sets[i].out);
		if (kparams_count(&kp, sets[i].name) != 1)
			case_fail("set(\"%s\", %s): count %zu", sets[i].in, sets[i].name,
				  kparams_count(&kp, sets[i].name));
		free(s);
		kparams_free(&kp);
	}
	table_done();
}

static void test_remove_append(void **state)
{
	struct kparams kp;
	char *s;

	assert_int_equal(kparams_parse("a=1 b a-x=2 a=3 c -- a=4", &kp), 0);
	assert_int_equal(kparams_remove(&kp, "a"), 2);
	s = kparams_format(&kp);
	assert_string_equal(s, "b a-x=2 c -- a=4");
	free(s);
	assert_int_equal(kparams_remove(&kp, "a"), 0);
	assert_int_equal(kparams_remove(&kp, "a_x"), 1);
	assert_int_equal(kparams_remove(&kp, "b"), 1);
	assert_int_equal(kparams_remove(&kp, "c"), 1);
	s = kparams_format(&kp);
	assert_string_equal(s, "-- a=4");
	free(s);
	/* append goes before "--" too, without de-duplication */
	assert_int_equal(kparams_append(&kp, "z", "1"), 0);
	assert_int_equal(kparams_append(&kp, "z", "2"), 0);
	assert_int_equal(kparams_append(&kp, "flag", NULL), 0);
	s = kparams_format(&kp);
	assert_string_equal(s, "z=1 z=2 flag -- a=4");
	free(s);
	assert_string_equal(kparams_get(&kp, "z"), "2");
	kparams_free(&kp);

	/* grows past the first allocation */
	memset(&kp, 0, sizeof(kp));
	for (int i = 0; i < 100; i++) {
		char v[16];

		snprintf(v, sizeof(v), "%d", i);
		assert_int_equal(kparams_append(&kp, "n", v), 0);
	}
	assert_int_equal(kparams_count(&kp, "n"), 100);
	assert_string_equal(kparams_get(&kp, "n"), "99");
	assert_int_equal(kparams_remove(&kp, "n"), 100);
	assert_int_equal(kp.n, 0);
	kparams_free(&kp);
}

/* ---- format ----------------------------------------------------------------- */

static void test_format_round_trip(void **state)
{
	static const struct {
		const char *in;
		const char *out; /* canonical form */
	} t[] = {
		{ "", "" },
		{ "  quiet  ", "quiet" },
		{ "a=1 b c=", "a=1 b c=" },
		{ "foo=\"a b\" bar", "foo=\"a b\" bar" },
		{ "\"foo=a b\"", "foo=\"a b\"" },
		{ "foo=\"ab\"", "foo=ab" },
		{ "x=\"\"", "x=" },
		{ "t=\"a\tb\"", "t=\"a\tb\"" },
		/* a kernel space the C library's isspace() does not know: quoted too */
		{ "x=\"1\xa0"
		  "2\"",
		  "x=\"1\xa0"
		  "2\"" },
		{ "v=\"a\vb\"", "v=\"a\vb\"" },
		{ "root=UUID=1 ro -- single", "root=UUID=1 ro -- single" },
		{ "BOOT_IMAGE=/vmlinuz-6.1 root=/dev/sda1 isolcpus=domain,managed_irq,2-7 "
		  "nohz_full=2-7 rcu_nocbs=2-7 irqaffinity=0-1",
		  "BOOT_IMAGE=/vmlinuz-6.1 root=/dev/sda1 isolcpus=domain,managed_irq,2-7 "
		  "nohz_full=2-7 rcu_nocbs=2-7 irqaffinity=0-1" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct kparams a, b;
		char *s, *s2;

		assert_int_equal(kparams_parse(t[i].in, &a), 0);
		s = kparams_format(&a);
		assert_non_null(s);
		if (strcmp(s, t[i].out) != 0)
			case_fail("format(parse(\"%s\")) = \"%s\", expected \"%s\"", t[i].in, s,
				  t[i].out);
		/* and the kernel reads the printed line back the same */
		assert_int_equal(kparams_parse(s, &b), 0);
		s2 = strdup(dump(&a));
		if (strcmp(s2, dump(&b)) != 0)
			case_fail("\"%s\": parse(format()) = \"%s\", expected \"%s\"", t[i].in,
				  dump(&b), s2);
		free(s2);
		free(s);
		kparams_free(&a);
		kparams_free(&b);
	}
	table_done();
}

/* ---- /proc/cmdline through the path context -------------------------------- */

static void test_read(void **state)
{
	const char *top = getenv("QC_TOP");
	char root[PATH_MAX / 2];
	struct path_cxt pc;
	struct kparams kp;
	struct isolcpus iso;

	snprintf(root, sizeof(root), "%s/tests/fixtures/path/basic", top ? top : ".");
	assert_int_equal(path_cxt_init(&pc, root), 0);
	assert_int_equal(kparams_read(&pc, &kp), 0);
	assert_string_equal(dump(&kp), "BOOT_IMAGE=/vmlinuz|root=UUID=1234|ro|quiet|"
				       "isolcpus=domain,managed_irq,2-3|foo=a b|--|single");
	assert_string_equal(kparams_get(&kp, "foo"), "a b");
	assert_false(kparams_has(&kp, "single"));
	assert_int_equal(isolcpus_parse(kparams_get(&kp, "isolcpus"), 4, &iso), 0);
	assert_int_equal(iso.flags, ISOL_FLAG_DOMAIN | ISOL_FLAG_MANAGED_IRQ);
	kparams_free(&kp);

	/* this machine: prints back to a line that parses the same */
	char *raw, *line, *dd;
	struct kparams again;

	assert_int_equal(path_cxt_init(&pc, NULL), 0);
	assert_int_equal(kparams_read(&pc, &kp), 0);
	assert_int_equal(path_read_str(&pc, &raw, "/proc/cmdline"), 0);
	line = kparams_format(&kp);
	assert_int_equal(kparams_parse(line, &again), 0);
	assert_int_equal(again.n, kp.n);
	for (size_t i = 0; i < kp.n; i++) {
		assert_string_equal(kp.v[i].name, again.v[i].name);
		assert_true(!kp.v[i].value == !again.v[i].value);
		if (kp.v[i].value)
			assert_string_equal(kp.v[i].value, again.v[i].value);
	}
	/* init's arguments after " -- " (this host may have some) are not parameters */
	dd = strstr(raw, " -- ");
	if (dd) {
		char word[256];

		if (sscanf(dd + 4, "%255[^= \t]", word) == 1 && strstr(raw, word) == dd + 4)
			assert_false(kparams_has(&kp, word));
	}
	free(line);
	free(raw);
	kparams_free(&again);
	kparams_free(&kp);

	assert_int_equal(path_cxt_init(&pc, root), 0);
	assert_int_equal(path_read_u32(&pc, &(uint32_t){ 0 }, "/proc/cmdline"), -EINVAL);
	/* a root without /proc/cmdline */
	snprintf(root, sizeof(root), "%s/tests/fixtures/path/basic/sys", top ? top : ".");
	assert_int_equal(path_cxt_init(&pc, root), 0);
	assert_int_equal(kparams_read(&pc, &kp), -ENOENT);
}

/* ---- isolcpus= ------------------------------------------------------------------ */

enum {
	NONE = 0,
	NOHZ = ISOL_FLAG_NOHZ,
	DOM = ISOL_FLAG_DOMAIN,
	MIRQ = ISOL_FLAG_MANAGED_IRQ
};

static const struct {
	const char *in;
	unsigned int nbits;
	int ret;
	unsigned int flags;
	bool given;
	unsigned int unknown;
	const char *cpus;
} iso_rows[] = {
	/* domain is implied only when no flag is given */
	{ "2-7", 8, 0, DOM, false, 0, "2-7" },
	{ "managed_irq,2-7", 8, 0, MIRQ, true, 0, "2-7" },
	{ "domain,managed_irq,2-7", 8, 0, DOM | MIRQ, true, 0, "2-7" },
	{ "nohz,domain,managed_irq,1-3", 8, 0, NOHZ | DOM | MIRQ, true, 0, "1-3" },
	{ "nohz,2-3", 8, 0, NOHZ, true, 0, "2-3" },
	{ "managed_irq,domain,1", 8, 0, DOM | MIRQ, true, 0, "1" },
	{ "domain,domain,1", 8, 0, DOM, true, 0, "1" },
	{ "0-7:1/2", 8, 0, DOM, false, 0, "0,2,4,6" },
	{ ",2-7", 8, 0, DOM, false, 0, "2-7" },
	{ "domain,,2-7", 8, 0, DOM, true, 0, "2-7" },
	/* the cpulist must start with a digit: N and all are read as flags */
	{ "N-7", 8, -EINVAL, 0, false, 0, NULL },
	{ "domain,N-7", 8, -EINVAL, 0, false, 0, NULL },
	{ "all", 8, 0, DOM, false, 1, "" }, /* a letters-only unknown flag, then nothing */
	{ "2-N", 8, 0, DOM, false, 0, "2-7" },
	/* unknown letters-only flags are skipped (and counted) */
	{ "foo,2-7", 8, 0, DOM, false, 1, "2-7" },
	{ "foo_bar,domain,2-3", 8, 0, DOM, true, 1, "2-3" },
	{ "nohz_full,managed_irq,x,2", 8, 0, MIRQ, true, 2, "2" },
	{ "Domain,2-7", 8, 0, DOM, false, 1, "2-7" }, /* case matters */
	{ "domain", 8, 0, DOM, false, 1, "" },	      /* no comma: not the flag */
	{ "nohz", 8, 0, DOM, false, 1, "" },
	/* a flag with anything but letters and '_' voids the whole parameter */
	{ "dom4in,2-7", 8, -EINVAL, 0, false, 0, NULL },
	{ "do-main,2-7", 8, -EINVAL, 0, false, 0, NULL },
	{ "domain,managed_irq2,2-7", 8, -EINVAL, 0, false, 0, NULL },
	{ "foo=1,2", 8, -EINVAL, 0, false, 0, NULL },
	{ "a b,2", 8, -EINVAL, 0, false, 0, NULL },
	/* empty cpulist after flags: valid, isolates nothing */
	{ "domain,", 8, 0, DOM, true, 0, "" },
	{ "managed_irq,", 8, 0, MIRQ, true, 0, "" },
	{ "", 8, 0, DOM, false, 0, "" },
	/* the cpulist itself */
	{ "domain,9", 8, -ERANGE, 0, false, 0, NULL },
	{ "domain,7-2", 8, -EINVAL, 0, false, 0, NULL },
	{ "domain,2-7x", 8, -EINVAL, 0, false, 0, NULL },
	{ "2-7,", 8, 0, DOM, false, 0, "2-7" },
	{ "8191", 0, 0, DOM, false, 0, "8191" },
	{ "8192", 0, -ERANGE, 0, false, 0, NULL },
	/* Latin-1 letters are letters to the kernel's isalpha(), whatever the locale */
	{ "\xe9t\xe9,1-3", 8, 0, DOM, false, 1, "1-3" },
	{ "domain,\xc0\xff_x,2", 8, 0, DOM, true, 1, "2" },
	{ "\xd7,1-3", 8, -EINVAL, 0, false, 0, NULL }, /* 0xd7 (multiplication sign): no letter */
	{ "a\xf7"
	  "b,1-3",
	  8, -EINVAL, 0, false, 0, NULL }, /* 0xf7 (division sign) in a flag */
	{ "a\xa0"
	  "b,1-3",
	  8, -EINVAL, 0, false, 0, NULL },
};

static void test_isolcpus(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(iso_rows); i++) {
		struct isolcpus iso, before;
		char buf[64];
		int r;

		memset(&iso, 0x5a, sizeof(iso));
		before = iso;
		r = isolcpus_parse(iso_rows[i].in, iso_rows[i].nbits, &iso);
		if (r != iso_rows[i].ret) {
			case_fail("isolcpus_parse(\"%s\") = %d, expected %d", iso_rows[i].in, r,
				  iso_rows[i].ret);
			continue;
		}
		if (r < 0) {
			if (memcmp(&iso, &before, sizeof(iso)) != 0)
				case_fail("isolcpus_parse(\"%s\"): ret_ changed on failure",
					  iso_rows[i].in);
			continue;
		}
		cpuset_format_list(&iso.cpus, buf, sizeof(buf));
		if (iso.flags != iso_rows[i].flags || iso.flags_given != iso_rows[i].given ||
		    iso.unknown_flags != iso_rows[i].unknown || strcmp(buf, iso_rows[i].cpus) != 0)
			case_fail(
				"isolcpus_parse(\"%s\") = flags %s given %d unknown %u cpus \"%s\"; "
				"expected %s %d %u \"%s\"",
				iso_rows[i].in, isolcpus_flags_str(iso.flags), iso.flags_given,
				iso.unknown_flags, buf, isolcpus_flags_str(iso_rows[i].flags),
				iso_rows[i].given, iso_rows[i].unknown, iso_rows[i].cpus);
	}
	table_done();
	assert_int_equal(isolcpus_parse(NULL, 8, &(struct isolcpus){ 0 }), -EINVAL);
}

static void test_isolcpus_flags_str(void **state)
{
	assert_string_equal(isolcpus_flags_str(0), "");
	assert_string_equal(isolcpus_flags_str(DOM), "domain");
	assert_string_equal(isolcpus_flags_str(DOM | MIRQ), "domain,managed_irq");
	assert_string_equal(isolcpus_flags_str(NOHZ | DOM | MIRQ), "nohz,domain,managed_irq");
	assert_string_equal(isolcpus_flags_str(NOHZ | MIRQ), "nohz,managed_irq");
	/* what the string says parses back to the same flags */
	for (unsigned int f = 1; f < 8; f++) {
		struct isolcpus iso;
		char v[64];

		snprintf(v, sizeof(v), "%s,1-2", isolcpus_flags_str(f));
		assert_int_equal(isolcpus_parse(v, 8, &iso), 0);
		assert_int_equal(iso.flags, f);
		assert_true(iso.flags_given);
	}
}

/* ---- garbage ------------------------------------------------------------------ */

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * Random command lines never crash the splitter (ASan/UBSan watch the index
 * arithmetic), and every line whose parameters hold no double quote prints
 * back to a line that splits the same. (A value with a quote inside cannot
 * always be written so that next_arg() reads it back: the kernel has no escape.
 * Names with blanks or '=' and empty names cannot be written either.)
 */
static void test_fuzz(void **state)
{
	static const char alphabet[] = "ab_-=\" \t,1\xa0\v";
	unsigned int checked = 0;

	for (int iter = 0; iter < 50000; iter++) {
		char in[40];
		size_t n = (size_t)(rng_next() % sizeof(in));
		struct kparams a, b;
		bool quotes = false;
		char *line, *d;

		for (size_t k = 0; k < n; k++)
			in[k] = alphabet[rng_next() % (sizeof(alphabet) - 1)];
		in[n] = '\0';
		assert_int_equal(kparams_parse(in, &a), 0);
		for (size_t i = 0; i < a.n; i++) {
			assert_non_null(a.v[i].name);
			/* a lone '"' makes an empty name, which prints as nothing */
			quotes |= strchr(a.v[i].name, '"') ||
				  (a.v[i].value && strchr(a.v[i].value, '"')) ||
				  strpbrk(a.v[i].name, " \t\v\xa0=") || !a.v[i].name[0];
		}
		line = kparams_format(&a);
		assert_non_null(line);
		if (!quotes) {
			d = strdup(dump(&a));
			assert_int_equal(kparams_parse(line, &b), 0);
			if (strcmp(d, dump(&b)) != 0)
				case_fail("\"%s\": printed \"%s\" splits as \"%s\", not \"%s\"", in,
					  line, dump(&b), d);
			kparams_free(&b);
			free(d);
			checked++;
		}
		/* isolcpus_parse on anything: only 0, -EINVAL, -ERANGE */
		struct isolcpus iso;
		int r = isolcpus_parse(in, 64, &iso);

		assert_true(r == 0 || r == -EINVAL || r == -ERANGE);
		free(line);
		kparams_free(&a);
		if (bad > 20)
			break;
	}
	table_done();
	assert_true(checked > 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_quotes_closed),
		cmocka_unit_test(test_isspace),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_remove_append),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_isolcpus),
		cmocka_unit_test(test_isolcpus_flags_str),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests_name("kparam", tests, NULL, NULL);
}
