// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Regression tests for what fuzzing found in the bootloader editors.
 *
 * tests/fuzz/fuzz_bls (2026-11-22): /etc/kernel/cmdline "... -- single" got
 * the plan appended after the "--", where the kernel hands words to init:
 * --apply reported success on a host that would boot without isolation.
 * A value with a bare "--" is now refused, for every syntax.
 *
 * clang-tidy (make lint): udiff_format() of two empty texts called
 * memchr(NULL, c, 0), undefined for glibc's nonnull argument.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bls.h"
#include "grubdefault.h"
#include "kparam.h"
#include "udiff.h"

static const char *const managed[] = { "isolcpus", "nohz_full", "rcu_nocbs", "irqaffinity", NULL };

#define PLAN "isolcpus=domain,managed_irq,2-3 nohz_full=2-3"

static void edit_ok(bool entry, const char *in, int want)
{
	struct kparams wanted = { 0 };
	char *out = NULL;
	size_t outlen = 0;
	int r;

	assert_int_equal(kparams_parse(PLAN, &wanted), 0);
	if (entry)
		r = bls_entry_edit(in, strlen(in), &wanted, managed, &out, &outlen);
	else
		r = kcmdline_edit(in, strlen(in), &wanted, managed, &out, &outlen);
	if (r != want)
		print_error("%s: [%s] -> %d, want %d\n", entry ? "entry" : "kcmdline", in, r, want);
	assert_int_equal(r, want);
	if (want < 0)
		assert_null(out);
	free(out);
	kparams_free(&wanted);
}

static void test_kcmdline_dashes(void **state)
{
	edit_ok(false, "root=/dev/sda1 ro -- single\n", -EINVAL);
	edit_ok(false, "root=/dev/sda1 ro --\n", -EINVAL);
	edit_ok(false, "--\vroot=x\n", -EINVAL);
	edit_ok(false, "root=/dev/sda1 \"--\" single\n", -EINVAL);
	/* not a bare "--": fine */
	edit_ok(false, "root=/dev/sda1 --foo x=-- ro\n", 0);
}

static void test_bls_entry_dashes(void **state)
{
	edit_ok(true, "title x\noptions root=/dev/sda1 ro -- single\n", -EINVAL);
	edit_ok(true, "title x\noptions root=/dev/sda1 --\noptions quiet\n", -EINVAL);
	edit_ok(true, "title x\noptions root=/dev/sda1 ro\n", 0);
}

static void test_grub_dashes(void **state)
{
	static const char grub[] =
		"GRUB_CMDLINE_LINUX=\"ro -- single\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n";
	struct grubdefault gd = { 0 };
	struct grubdefault_error err = { 0 };
	struct kparams wanted = { 0 };
	char **bufs = NULL;
	size_t *lens = NULL;

	assert_int_equal(kparams_parse(PLAN, &wanted), 0);
	assert_int_equal(grubdefault_add_file(&gd, "/etc/default/grub", grub, strlen(grub), &err),
			 0);
	assert_int_equal(grubdefault_edit(&gd, &wanted, managed, &bufs, &lens, &err), -EINVAL);
	grubdefault_free(&gd);
	kparams_free(&wanted);
}

static void test_udiff_empty(void **state)
{
	char *out = NULL;

	assert_int_equal(udiff_format("a", "", 0, "b", "", 0, &out), 0);
	assert_non_null(out);
	assert_string_equal(out, "");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kcmdline_dashes),
		cmocka_unit_test(test_bls_entry_dashes),
		cmocka_unit_test(test_grub_dashes),
		cmocka_unit_test(test_udiff_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
