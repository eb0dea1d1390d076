// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/udiff: the unified diff that --dry-run shows.
 *
 * Two oracles: GNU diff itself (`diff -u`, whose output for an unambiguous
 * change is the same byte for byte), and patch(1), which must turn the old
 * text into the new one with our diff, for random texts where more than one
 * diff is right.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "udiff.h"

#include "table.h"

static char dir[] = "/tmp/qc-udiff.XXXXXX";

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void put_file(const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	if (text)
		fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Run sh -c CMD (in dir), return its stdout, malloc'ed; *ret_status the exit status. */
static char *run_cmd(const char *cmd, int *ret_status)
{
	char full[1024], *out = NULL;
	size_t cap = 0, len = 0;
	FILE *p;
	int st;

	snprintf(full, sizeof(full), "cd '%s' && %s", dir, cmd);
	p = popen(full, "r");
	assert_non_null(p);
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = (cap + 4096) * 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		size_t n = fread(out + len, 1, 4096, p);

		if (n == 0)
			break;
		len += n;
	}
	out[len] = '\0';
	st = pclose(p);
	*ret_status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return out;
}

static char *ours(const char *a, const char *b)
{
	char *d = NULL;

	assert_int_equal(udiff_format("A", a, a ? strlen(a) : 0, "B", b, b ? strlen(b) : 0, &d), 0);
	assert_non_null(d);
	return d;
}

/* Cases where a minimal diff is unambiguous: ours must equal diff -u's. */
static const struct {
	const char *name;
	const char *a, *b;
} exact[] = {
	{ "equal", "x\ny\n", "x\ny\n" },
	{ "both empty", "", "" },
	{ "one changed line", "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX=\"quiet\"\nGRUB_TIMEOUT=5\n",
	  "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX=\"quiet isolcpus=2-3\"\nGRUB_TIMEOUT=5\n" },
	{ "first line", "a\nb\nc\nd\ne\n", "A\nb\nc\nd\ne\n" },
	{ "last line", "a\nb\nc\nd\ne\n", "a\nb\nc\nd\nE\n" },
	{ "appended", "a\nb\n", "a\nb\nc\n" },
	{ "removed", "a\nb\nc\n", "a\nc\n" },
	{ "to empty", "a\nb\n", "" },
	{ "from empty", "", "a\nb\n" },
	{ "no newline at end, old", "a\nb", "a\nc\n" },
	{ "no newline at end, new", "a\nb\n", "a\nb" },
	{ "no newline at end, both", "a\nb", "a\nc" },
	{ "two hunks (7 kept lines apart)", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n",
	  "1\nX\n3\n4\n5\n6\n7\n8\n9\nY\n11\n" },
	{ "one hunk (6 kept lines apart)", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n",
	  "1\nX\n3\n4\n5\n6\n7\n8\nY\n10\n" },
	{ "far apart", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\no\np\n",
	  "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\nO\np\n" },
	{ "blank lines", "\n\n\nx\n\n\n", "\n\n\ny\n\n\n" },
};

static void test_exact(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(exact); i++) {
		int st;
		char *want, *got;

		put_file("a", exact[i].a);
		put_file("b", exact[i].b);
		want = run_cmd("LC_ALL=C diff -u --label A --label B a b", &st);
		if (st != 0 && st != 1)
			fail_msg("diff -u failed (%d): is diffutils installed?", st);
		got = ours(exact[i].a, exact[i].b);
		if (strcmp(got, want) != 0)
			case_fail("%s: ours:\n%s--- diff -u:\n%s", exact[i].name, got, want);
		free(want);
		free(got);
	}
	table_done();
}

static void test_missing_file(void **state)
{
	char *d = ours(NULL, "a\n");

	assert_string_equal(d, "--- /dev/null\n+++ B\n@@ -0,0 +1 @@\n+a\n");
	free(d);
	d = ours("a\nb\n", NULL);
	assert_string_equal(d, "--- A\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n");
	free(d);
	d = ours(NULL, NULL);
	assert_string_equal(d, "");
	free(d);
}

/* xorshift, so a failure can be reproduced from its case number */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static char *random_text(uint32_t *s)
{
	static const char *const words[] = { "a", "b", "c", "", "quiet", "isolcpus=2-3" };
	size_t n = rnd(s) % 24, cap = 24 * 16 + 1, len = 0;
	char *t = malloc(cap);

	assert_non_null(t);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(t + len, cap - len, "%s\n", words[rnd(s) % 6]);
	if (len && rnd(s) % 5 == 0)
		len--; /* no newline at the end */
	t[len] = '\0';
	return t;
}

/* Random texts: patch(1) applies our diff to the old text and gets the new one. */
static void test_patch_round_trip(void **state)
{
	uint32_t s = 0x9e3779b9;

	for (int i = 0; i < 300; i++) {
		char *a = random_text(&s), *b = random_text(&s), *d = ours(a, b), *res;
		int st;

		put_file("a", a);
		put_file("b", b);
		put_file("d", d);
		if (*d == '\0') {
			if (strcmp(a, b) != 0)
				case_fail("case %d: empty diff of different texts", i);
		} else {
			res = run_cmd(
				"patch -s -o out a d >/dev/null 2>&1 && cmp -s out b && echo same",
				&st);
			if (strcmp(res, "same\n") != 0)
				case_fail("case %d: patch did not give the new text; diff:\n%s", i,
					  d);
			free(res);
		}
		free(a);
		free(b);
		free(d);
	}
	table_done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_patch_round_trip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
