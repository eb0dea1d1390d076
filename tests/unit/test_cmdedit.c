// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/cmdedit: the editing rules every bootloader editor shares, tested
 * without any file syntax. A "file" here is one plain line of words split at
 * single spaces; each word deletes with the space before it (the first with
 * the space after it), new parameters go at the end. The editors' own tests
 * (test_grubdefault, test_bls) cover the syntaxes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmdedit.h"
#include "kparam.h"

#include "table.h"

static const char *const managed[] = { "isolcpus", "nohz_full", "rcu_nocbs", "irqaffinity", NULL };

/* vals[file] from the line: words at single spaces; a word starting with '!' is not editable. */
static void value_of(const char *line, unsigned int file, struct cmdvalue *v)
{
	size_t len = strlen(line), p = 0;

	memset(v, 0, sizeof(*v));
	v->file = file;
	v->line = 1;
	v->wrap_off = SIZE_MAX;
	while (p < len) {
		size_t e = p + strcspn(line + p, " ");
		bool editable = line[p] != '!';
		size_t ds = p ? p - 1 : p, de = p ? e : (e < len ? e + 1 : e);

		assert_int_equal(cmdvalue_add_word(v, line + p + !editable, e - p - !editable, p, e,
						   ds, de, editable),
				 0);
		p = e < len ? e + 1 : e;
	}
	v->ins_off = len;
	v->ins_pre = "";
	v->ins_post = "";
}

static void wanted_of(const char *plan, struct kparams *kp)
{
	memset(kp, 0, sizeof(*kp));
	assert_int_equal(kparams_parse(plan, kp), 0);
}

/* Compute and apply on one line; the result, or NULL with *ret_r set. */
static char *edit_line(const char *line, const char *plan, int *ret_r)
{
	struct cmdvalue v;
	struct kparams kp;
	struct cmdedits e = { 0 };
	char *out = NULL;
	size_t outlen, bv = 99, bw = 99;
	int r;

	value_of(line, 0, &v);
	wanted_of(plan, &kp);
	r = cmdedit_compute(&v, 1, 0, &kp, managed, &e, NULL, &bv, &bw);
	if (r == 0)
		r = cmdedits_apply(&e, 0, line, strlen(line), &out, &outlen);
	*ret_r = r;
	cmdedits_free(&e);
	cmdvalue_free(&v);
	kparams_free(&kp);
	return out;
}

static const struct {
	const char *line, *plan, *want; /* want NULL: refused with -EINVAL */
} edits[] = {
	/* appended after what is there; nothing else moves */
	{ "quiet splash", "isolcpus=2-3 nohz_full=2-3", "quiet splash isolcpus=2-3 nohz_full=2-3" },
	{ "", "isolcpus=2-3", "isolcpus=2-3" },
	/* rewritten in place, keeping its position */
	{ "isolcpus=1 quiet", "isolcpus=2-3", "isolcpus=2-3 quiet" },
	{ "quiet isolcpus=2-3 splash", "isolcpus=2-3", "quiet isolcpus=2-3 splash" },
	/* every other occurrence deleted, with one separator */
	{ "isolcpus=1 quiet isolcpus=5", "isolcpus=2-3", "isolcpus=2-3 quiet" },
	{ "quiet isolcpus=1 isolcpus=5 splash", "isolcpus=2-3", "quiet isolcpus=2-3 splash" },
	/* a managed parameter not in the plan is removed (as after a revert) */
	{ "quiet rcu_nocbs=1-7 splash", "isolcpus=2-3", "quiet splash isolcpus=2-3" },
	{ "rcu_nocbs=1-7", "", "" },
	{ "rcu_nocbs=1-7 quiet", "", "quiet" },
	/* every word deleted: what is appended needs no separator */
	{ "rcu_nocbs=1-7", "isolcpus=2-3", "isolcpus=2-3" },
	{ "rcu_nocbs=1-7 irqaffinity=0", "isolcpus=2-3", "isolcpus=2-3" },
	/* the kernel's name rule: '-' and '_' are the same */
	{ "nohz-full=1 quiet", "nohz_full=2-3", "nohz_full=2-3 quiet" },
	/* a name given twice in the plan: the last counts */
	{ "quiet", "isolcpus=1 isolcpus=2-3", "quiet isolcpus=2-3" },
	/* unmanaged words are never touched, even when they look alike */
	{ "isolcpusx=1 quiet", "isolcpus=2-3", "isolcpusx=1 quiet isolcpus=2-3" },
	/* refused: a managed word that cannot be edited; a bare "--" */
	{ "quiet !isolcpus=$X", "isolcpus=2-3", NULL },
	{ "quiet -- single", "isolcpus=2-3", NULL },
	{ "quiet \"--\" single", "isolcpus=2-3", NULL },
};

static void test_compute_apply(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(edits); i++) {
		int r;
		char *got = edit_line(edits[i].line, edits[i].plan, &r);

		if (!edits[i].want) {
			if (r != -EINVAL)
				case_fail("'%s' + '%s': want -EINVAL, got %d ('%s')", edits[i].line,
					  edits[i].plan, r, got ? got : "");
		} else if (r != 0 || strcmp(got, edits[i].want) != 0) {
			case_fail("'%s' + '%s': want '%s', got %d '%s'", edits[i].line,
				  edits[i].plan, edits[i].want, r, got ? got : "");
		}
		free(got);
	}
	table_done();
}

/* Idempotence: editing the result again changes nothing, and it says the plan. */
static void test_idempotent(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(edits); i++) {
		struct kparams kp;
		char *again;
		int r;

		if (!edits[i].want)
			continue;
		again = edit_line(edits[i].want, edits[i].plan, &r);
		if (r != 0 || strcmp(again, edits[i].want) != 0)
			case_fail("'%s' + '%s' again: got %d '%s'", edits[i].want, edits[i].plan, r,
				  again ? again : "");
		wanted_of(edits[i].plan, &kp);
		if (!cmdedit_line_says_plan(edits[i].want, &kp, managed))
			case_fail("'%s' does not say the plan '%s'", edits[i].want, edits[i].plan);
		kparams_free(&kp);
		free(again);
	}
	table_done();
}

static void test_bad_word(void **state)
{
	struct cmdvalue v[2];
	struct kparams kp;
	struct cmdedits e = { 0 };
	size_t bv = 99, bw = 99;
	char *unplaced = NULL;

	value_of("quiet", 0, &v[0]);
	value_of("a b !nohz_full=$Y", 1, &v[1]);
	wanted_of("nohz_full=2-3", &kp);
	assert_int_equal(cmdedit_compute(v, 2, 0, &kp, managed, &e, &unplaced, &bv, &bw), -EINVAL);
	assert_int_equal(bv, 1);
	assert_int_equal(bw, 2);
	assert_null(unplaced);
	/* no target value: the parameters are handed back, the others' copies deleted */
	cmdvalue_free(&v[1]);
	value_of("a nohz_full=1", 1, &v[1]);
	assert_int_equal(cmdedit_compute(v, 2, SIZE_MAX, &kp, managed, &e, &unplaced, &bv, &bw), 0);
	assert_string_equal(unplaced, "nohz_full=2-3");
	assert_int_equal(e.n, 1);
	assert_int_equal(e.v[0].file, 1);
	assert_string_equal(e.v[0].text, "");
	free(unplaced);
	cmdedits_free(&e);
	/* no target and nowhere to hand them back */
	assert_int_equal(cmdedit_compute(v, 2, SIZE_MAX, &kp, managed, &e, NULL, &bv, &bw),
			 -EINVAL);
	cmdvalue_free(&v[0]);
	cmdvalue_free(&v[1]);
	kparams_free(&kp);
}

static const struct {
	const char *name, *value;
	int want;
} checks[] = {
	{ "isolcpus", "domain,managed_irq,2-3", 0 },
	{ "rd.earlypin.cpus", "0-1", 0 },
	{ "workqueue.unbound_cpus", "0", 0 },
	{ "skew_tick", "1", 0 },
	{ "nosmt", NULL, 0 },
	{ "console", "ttyS0,115200n8", 0 },
	{ "root", "/dev/vda1", 0 },
	{ "x", "a:b@c%d+e", 0 },
	{ "isolcpus", "2-3 quiet", -EINVAL },
	{ "isolcpus", "\"2-3\"", -EINVAL },
	{ "isolcpus", "'2-3'", -EINVAL },
	{ "isolcpus", "$X", -EINVAL },
	{ "isolcpus", "`id`", -EINVAL },
	{ "isolcpus", "2-3;reboot", -EINVAL },
	{ "isolcpus", "2-3\n", -EINVAL },
	{ "isolcpus", "*", -EINVAL },
	{ "isolcpus", "[1]", -EINVAL },
	{ "iso cpus", "1", -EINVAL },
	{ "iso=cpus", "1", -EINVAL },
	{ "", "1", -EINVAL },
	{ "isolcpus",
	  "2\xa0"
	  "3",
	  -EINVAL },
};

static void test_param_check(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
		int r = cmdedit_param_check(checks[i].name, checks[i].value);

		if (r != checks[i].want)
			case_fail("'%s'='%s': want %d, got %d", checks[i].name,
				  checks[i].value ? checks[i].value : "(none)", checks[i].want, r);
	}
	table_done();
}

static const struct {
	const char *line, *plan;
	bool says;
} says[] = {
	{ "BOOT_IMAGE=/vmlinuz root=/dev/vda1 isolcpus=2-3 nohz_full=2-3",
	  "isolcpus=2-3 nohz_full=2-3", true },
	{ "isolcpus=2-3", "isolcpus=2-3 nohz_full=2-3", false }, /* one missing */
	{ "isolcpus=2-3 isolcpus=2-3", "isolcpus=2-3", false },	 /* twice */
	{ "isolcpus=1-3", "isolcpus=2-3", false },		 /* another value */
	{ "isolcpus=2-3 rcu_nocbs=1", "isolcpus=2-3", false },	 /* a managed extra */
	{ "quiet", "", true },					 /* reverted */
	{ "quiet irqaffinity=0", "", false },
	{ "\"quiet isolcpus=2-3\"", "isolcpus=2-3", false }, /* quoted: one word */
	{ "quiet \"isolcpus=2-3", "isolcpus=2-3", false },   /* quote left open */
	{ "quiet -- isolcpus=2-3", "isolcpus=2-3", false },  /* init's words */
	{ "quiet\xa0isolcpus=2-3", "isolcpus=2-3", true },   /* 0xa0 is a space */
	{ "nohz-full=2-3", "nohz_full=2-3", true },	     /* '-' is '_' */
};

static void test_line_says_plan(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(says); i++) {
		struct kparams kp;

		wanted_of(says[i].plan, &kp);
		if (cmdedit_line_says_plan(says[i].line, &kp, managed) != says[i].says)
			case_fail("'%s' says '%s': want %s", says[i].line, says[i].plan,
				  says[i].says ? "yes" : "no");
		kparams_free(&kp);
	}
	table_done();
}

static void test_apply_overlaps(void **state)
{
	struct cmdedits e = { 0 };
	const char *buf = "a b c";
	char *out = NULL;
	size_t len;

	/* two neighbouring deletions sharing the separator merge */
	assert_int_equal(cmdedits_add(&e, 0, 1, 3, ""), 0); /* " b" */
	assert_int_equal(cmdedits_add(&e, 0, 2, 5, ""), 0); /* "b c" with the space */
	assert_int_equal(cmdedits_apply(&e, 0, buf, strlen(buf), &out, &len), 0);
	assert_string_equal(out, "a");
	assert_int_equal(len, 1);
	free(out);
	out = NULL;
	cmdedits_free(&e);
	/* a replacement overlapping another edit is refused */
	assert_int_equal(cmdedits_add(&e, 0, 0, 3, "x"), 0);
	assert_int_equal(cmdedits_add(&e, 0, 2, 5, ""), 0);
	assert_int_equal(cmdedits_apply(&e, 0, buf, strlen(buf), &out, &len), -EINVAL);
	assert_null(out);
	cmdedits_free(&e);
	/* past the end, or backwards */
	assert_int_equal(cmdedits_add(&e, 0, 4, 9, ""), 0);
	assert_int_equal(cmdedits_apply(&e, 0, buf, strlen(buf), &out, &len), -EINVAL);
	cmdedits_free(&e);
	assert_int_equal(cmdedits_add(&e, 0, 3, 2, ""), 0);
	assert_int_equal(cmdedits_apply(&e, 0, buf, strlen(buf), &out, &len), -EINVAL);
	cmdedits_free(&e);
	/* edits of another file are not applied */
	assert_int_equal(cmdedits_add(&e, 1, 0, 1, "z"), 0);
	assert_int_equal(cmdedits_apply(&e, 0, buf, strlen(buf), &out, &len), 0);
	assert_string_equal(out, buf);
	free(out);
	cmdedits_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compute_apply),  cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_bad_word),       cmocka_unit_test(test_param_check),
		cmocka_unit_test(test_line_says_plan), cmocka_unit_test(test_apply_overlaps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
