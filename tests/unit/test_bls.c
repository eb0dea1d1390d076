// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * BLS entries and /etc/kernel/cmdline: table-driven edits, idempotence,
 * every other byte kept; version ordering.
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
#include "kparam.h"

static const char *const managed[] = { "isolcpus", "nohz_full", "rcu_nocbs", "irqaffinity", NULL };

#define PLAN "isolcpus=domain,managed_irq,2-3 nohz_full=2-3"

struct blscase {
	const char *name;
	bool entry; /* BLS entry, else /etc/kernel/cmdline */
	const char *in;
	const char *out; /* NULL: unchanged */
};

static const struct blscase cases[] = {
	{ "fedora entry", true,
	  "title Fedora\nversion 6.6.2\nlinux /vmlinuz-6.6.2\noptions root=UUID=x ro rhgb quiet\ngrub_users $grub_users\n",
	  "title Fedora\nversion 6.6.2\nlinux /vmlinuz-6.6.2\noptions root=UUID=x ro rhgb quiet " PLAN
	  "\ngrub_users $grub_users\n" },
	{ "aligned keys, tabs", true,
	  "title      Arch\noptions\troot=PARTUUID=3e ro\nlinux      /linux\n",
	  "title      Arch\noptions\troot=PARTUUID=3e ro " PLAN "\nlinux      /linux\n" },
	{ "old value replaced in place, duplicate removed", true,
	  "options nohz_full=1 root=x isolcpus=5 quiet isolcpus=6\n",
	  "options nohz_full=2-3 root=x isolcpus=domain,managed_irq,2-3 quiet\n" },
	{ "several options lines: the plan goes in the last", true,
	  "options root=x isolcpus=1\noptions quiet\n",
	  "options root=x\noptions quiet " PLAN "\n" },
	{ "no options line: one is added", true, "title T\nlinux /vmlinuz",
	  "title T\nlinux /vmlinuz\noptions " PLAN "\n" },
	{ "empty options line", true, "options\n", "options " PLAN "\n" },
	{ "grubenv variable kept", true, "options $kernelopts $tuned_params\n",
	  "options $kernelopts $tuned_params " PLAN "\n" },
	{ "kernel-quoted value kept", true, "options root=x acpi_osi=\"Windows 2015\" quiet\n",
	  "options root=x acpi_osi=\"Windows 2015\" quiet " PLAN "\n" },
	{ "CRLF line", true, "options root=x\r\n", "options root=x " PLAN "\r\n" },
	{ "already there", true, "options root=x " PLAN "\n", NULL },
	{ "cmdline one line", false, "root=x ro quiet\n", "root=x ro quiet " PLAN "\n" },
	{ "cmdline several lines", false, "root=x ro\nquiet\n", "root=x ro\nquiet " PLAN "\n" },
	{ "cmdline no newline", false, "root=x", "root=x " PLAN },
	{ "cmdline empty", false, "", PLAN "\n" },
	{ "cmdline blank", false, "\n", PLAN "\n" },
	{ "cmdline replace first, drop others", false,
	  "isolcpus=1\nroot=x nohz-full=4 isolcpus=2\n",
	  "isolcpus=domain,managed_irq,2-3\nroot=x nohz_full=2-3\n" },
};

static void test_cases(void **state)
{
	struct kparams want = { 0 };

	assert_int_equal(kparams_parse(PLAN, &want), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct blscase *c = &cases[i];
		char *out = NULL, *again = NULL;
		size_t len = 0, alen = 0;
		int r;

		print_message("case: %s\n", c->name);
		r = c->entry ? bls_entry_edit(c->in, strlen(c->in), &want, managed, &out, &len) :
			       kcmdline_edit(c->in, strlen(c->in), &want, managed, &out, &len);
		assert_int_equal(r, 0);
		if (!c->out) {
			assert_null(out);
			continue;
		}
		assert_non_null(out);
		assert_string_equal(out, c->out);
		assert_int_equal(len, strlen(c->out));
		r = c->entry ? bls_entry_edit(out, len, &want, managed, &again, &alen) :
			       kcmdline_edit(out, len, &want, managed, &again, &alen);
		assert_int_equal(r, 0);
		assert_null(again);
		free(out);
	}
	kparams_free(&want);
}

/* What the kernel would not read as the plan is refused, nothing returned. */
static void test_refused(void **state)
{
	static const struct {
		const char *name;
		bool entry;
		const char *in;
	} bad[] = {
		{ "quote left open on an options line", true,
		  "options root=x acpi_osi=\"Windows\n" },
		{ "quote spanning two options lines", true,
		  "options root=x a=\"b\noptions c\" quiet\n" },
		{ "Latin-1 space before --: the plan would be init's", true,
		  "options root=x\xa0--\n" },
		{ "cmdline: quote left open", false, "root=x a=\"b\n" },
		{ "cmdline: Latin-1 space before --", false, "root=x\xa0-- single\n" },
	};
	struct kparams want = { 0 };

	assert_int_equal(kparams_parse(PLAN, &want), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *out = NULL;
		size_t len = 0;
		int r;

		print_message("refused: %s\n", bad[i].name);
		r = bad[i].entry ?
			    bls_entry_edit(bad[i].in, strlen(bad[i].in), &want, managed, &out,
					   &len) :
			    kcmdline_edit(bad[i].in, strlen(bad[i].in), &want, managed, &out, &len);
		assert_true(r == -EBADMSG || r == -EINVAL);
		assert_null(out);
	}
	kparams_free(&want);
}

static void test_get(void **state)
{
	static const char e[] =
		"title  Fedora Linux (6.6)\nversion 6.6.2-201\noptions a b\noptions  c \n";
	char *v = NULL;

	assert_int_equal(bls_entry_get(e, strlen(e), "version", &v), 0);
	assert_string_equal(v, "6.6.2-201");
	free(v);
	assert_int_equal(bls_entry_get(e, strlen(e), "title", &v), 0);
	assert_string_equal(v, "Fedora Linux (6.6)");
	free(v);
	assert_int_equal(bls_entry_get(e, strlen(e), "initrd", &v), -ENOENT);
	assert_int_equal(bls_entry_options(e, strlen(e), &v), 0);
	assert_string_equal(v, "a b c");
	free(v);
}

static void test_version_cmp(void **state)
{
	assert_true(bls_version_cmp("6.6.2-201.fc39", "6.10.1-100.fc40") < 0);
	assert_true(bls_version_cmp("6.5.6-300", "6.5.6-300") == 0);
	assert_true(bls_version_cmp("6.5.10", "6.5.9") > 0);
	assert_true(bls_version_cmp("6.5.010", "6.5.9") > 0);
	assert_true(bls_version_cmp("6.5", "6.5.1") < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_version_cmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
