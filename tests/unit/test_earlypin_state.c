// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/statefile: early-pin's save file. Round trip, atomic 0600 write that
 * never replaces an existing file by default, and a table of damaged files
 * that must all be refused -- restoring half a damaged state is worse than
 * restoring none.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "statefile.h"
#include "tmproot.h"

static char dir[64], file[128], text[8192];
/* the real root: the test names its files in full */
static struct path_cxt host;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_statefile.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/state", dir);
	umask(022); /* a group-writable state file is refused */
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void sample(struct statefile *sf)
{
	static const struct statefile_rec recs[] = {
		{ .kind = SF_WQ, .name = "", .value = "ff,ffffffff" },
		{ .kind = SF_CPUFREQ,
		  .policy = 0,
		  .name = "scaling_governor",
		  .value = "powersave" },
		{ .kind = SF_IRQ_DEFAULT, .value = "ff,ffffffff" },
		{ .kind = SF_IRQ, .irq = 24, .value = "0-39" },
		{ .kind = SF_TASK, .pid = 100, .tid = 101, .starttime = 98765, .value = "0-39" },
		{ .kind = SF_TASK, .pid = 1, .tid = 1, .starttime = 0, .value = "3,5-7" },
	};

	memset(sf, 0, sizeof(*sf));
	strcpy(sf->boot_id, "6b1f0c2e-3d4a-4c55-8e9f-0a1b2c3d4e5f");
	strcpy(sf->root, "/");
	strcpy(sf->housekeeping, "0,20");
	sf->nbits = 40;
	sf->saved_at = 123456;
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		assert_int_equal(statefile_add(sf, &recs[i]), 0);
}

static void slurp(void)
{
	assert_int_equal(tmproot_slurp(file, text, sizeof(text)), 0);
}

static void spit(const char *s)
{
	FILE *f = fopen(file, "w");

	assert_non_null(f);
	fputs(s, f);
	fclose(f);
}

static void test_round_trip(void **state)
{
	struct statefile sf, back;
	struct stat st;
	unsigned int line = 0;

	(void)state;
	unlink(file);
	sample(&sf);
	assert_int_equal(statefile_write(&host, &sf, file, false), 0);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(statefile_write(&host, &sf, file, false), -EEXIST);
	assert_int_equal(statefile_write(&host, &sf, file, true), 0);

	assert_int_equal(statefile_read(&host, file, &back, &line, NULL), 0);
	assert_string_equal(back.boot_id, sf.boot_id);
	assert_string_equal(back.root, "/");
	assert_string_equal(back.housekeeping, "0,20");
	assert_int_equal(back.nbits, 40);
	assert_int_equal(back.saved_at, 123456);
	assert_int_equal(back.n, sf.n);
	for (size_t i = 0; i < sf.n; i++) {
		assert_int_equal(back.v[i].kind, sf.v[i].kind);
		assert_int_equal(back.v[i].pid, sf.v[i].pid);
		assert_int_equal(back.v[i].tid, sf.v[i].tid);
		assert_int_equal(back.v[i].starttime, sf.v[i].starttime);
		assert_int_equal(back.v[i].irq, sf.v[i].irq);
		assert_string_equal(back.v[i].value, sf.v[i].value);
		assert_int_equal(back.v[i].policy, sf.v[i].policy);
		if (sf.v[i].name)
			assert_string_equal(back.v[i].name, sf.v[i].name);
		else
			assert_null(back.v[i].name);
	}
	statefile_free(&back);
	statefile_free(&sf);
	statefile_free(NULL);
}

static void test_add_refuses(void **state)
{
	struct statefile sf = { 0 };
	struct statefile_rec nl = { .kind = SF_CPUFREQ,
				    .name = "scaling_governor",
				    .value = "a\nb" };
	struct statefile_rec sp = { .kind = SF_WQ, .name = "x y", .value = "1" };
	struct statefile_rec empty = { .kind = SF_IRQ, .irq = 1, .value = "" };

	(void)state;
	assert_int_equal(statefile_add(&sf, &nl), -EINVAL);
	assert_int_equal(statefile_add(&sf, &sp), -EINVAL);
	assert_int_equal(statefile_add(&sf, &empty), -EINVAL);
	assert_int_equal(sf.n, 0);
}

/* Replace the first occurrence of from by to in the saved text, write it back, read it. */
static int damaged(const char *from, const char *to, unsigned int *line)
{
	char buf[sizeof(text)], *p;
	struct statefile sf;
	int r;

	p = strstr(text, from);
	assert_non_null(p);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
	spit(buf);
	*line = 0;
	r = statefile_read(&host, file, &sf, line, NULL);
	if (r == 0)
		statefile_free(&sf);
	return r;
}

static void test_damaged(void **state)
{
	static const struct {
		const char *from, *to;
		int err;
		unsigned int line;
	} t[] = {
		{ "quietcore-early-pin-state 2", "hello world", -EMEDIUMTYPE, 0 },
		{ "quietcore-early-pin-state 2", "quietcore-early-pin-state 1", -EPROTONOSUPPORT,
		  0 },
		{ "quietcore-early-pin-state 2", "quietcore-early-pin-state 3", -EPROTONOSUPPORT,
		  0 },
		{ "quietcore-early-pin-state 2", "quietcore-early-pin-state x", -EBADMSG, 1 },
		{ "boot_id ", "bootid ", -EBADMSG, 2 },
		{ "root /", "root relative", -EBADMSG, 3 },
		{ "nbits 40", "nbits 0", -EBADMSG, 4 },
		{ "housekeeping 0,20", "housekeeping ", -EBADMSG, 5 },
		{ "saved_at 123456", "saved_at -1", -EBADMSG, 6 },
		{ "irq 24 0-39", "irq 24 0-39 extra", -EBADMSG, 10 },
		{ "irq 24 0-39", "irq -24 0-39", -EBADMSG, 10 },
		{ "irq 24 0-39", "irq 24 39-0", -EBADMSG, 10 },
		{ "irq 24 0-39", "irq 24", -EBADMSG, 10 },
		{ "irq 24 0-39", "irqq 24 0-39", -EBADMSG, 10 },
		{ "task 100 101 98765 0-39", "task 100 101 0-39", -EBADMSG, 11 },
		{ "task 100 101 98765 0-39", "task 0 101 98765 0-39", -EBADMSG, 11 },
		{ "task 100 101 98765 0-39", "task 100 101 98765x 0-39", -EBADMSG, 11 },
		{ "irq-default ff,ffffffff", "irq-default zz", -EBADMSG, 9 },
		{ "wq-unbound ff,ffffffff",
		  "file /sys/devices/virtual/workqueue/cpumask ff,ffffffff", -EBADMSG, 7 },
		{ "cpufreq 0 scaling_governor", "cpufreq 0 ../../scaling_governor", -EBADMSG, 8 },
		/* a valid-looking change: only the hash catches it */
		{ "irq 24 0-39", "irq 24 0-38", -EBADMSG, 0 },
		{ "end 6 ", "end 5 ", -EBADMSG, 13 },
		{ "\nend ", "\n", -EBADMSG, 13 },
	};
	struct statefile sf;
	unsigned int line;

	(void)state;
	unlink(file);
	sample(&sf);
	assert_int_equal(statefile_write(&host, &sf, file, true), 0);
	statefile_free(&sf);
	slurp();
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int r = damaged(t[i].from, t[i].to, &line);

		if (r != t[i].err || (r == -EBADMSG && line != t[i].line))
			fail_msg("row %zu (%s -> %s): got %d line %u, want %d line %u", i,
				 t[i].from, t[i].to, r, line, t[i].err, t[i].line);
	}
	/* truncated at every length: always refused */
	for (size_t n = 0; n + 1 < strlen(text); n += 7) {
		char buf[sizeof(text)];

		snprintf(buf, sizeof(buf), "%.*s", (int)n, text);
		spit(buf);
		assert_int_not_equal(statefile_read(&host, file, &sf, &line, NULL), 0);
	}
	/* text after the end line */
	{
		char buf[sizeof(text) + 32];

		snprintf(buf, sizeof(buf), "%sirq 1 0\n", text);
		spit(buf);
		assert_int_equal(statefile_read(&host, file, &sf, &line, NULL), -EBADMSG);
	}
	/* a NUL byte anywhere */
	{
		FILE *f = fopen(file, "w");

		assert_non_null(f);
		fwrite(text, 1, 40, f);
		fputc('\0', f);
		fputs(text + 41, f);
		fclose(f);
		assert_int_equal(statefile_read(&host, file, &sf, &line, NULL), -EBADMSG);
	}
	spit(text);
	assert_int_equal(statefile_read(&host, file, &sf, &line, NULL), 0);
	statefile_free(&sf);
	unlink(file);
	assert_int_equal(statefile_read(&host, file, &sf, &line, NULL), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_add_refuses),
		cmocka_unit_test(test_damaged),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
