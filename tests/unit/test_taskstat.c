// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/taskstat: /proc/PID/stat lines with hostile comms, missing and malformed
 * fields, the fields quietcore needs (flags, starttime, processor), the PF_
 * helpers, a fixture root, and this machine's real /proc/self/stat.
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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "taskstat.h"

#include "table.h"
#include "tmproot.h"

/*
 * A stat line as the kernel prints it (fs/proc/array.c do_task_stat): pid,
 * "(comm)", then fields 3..nfields; ours are filled with distinct values so a
 * parser reading the wrong field is caught. 52 fields since 3.5.
 */
static char *make_line(const char *comm, const char *state, const char *ppid, const char *flags,
		       const char *starttime, const char *processor, int nfields)
{
	static char buf[4096];
	int n = snprintf(buf, sizeof(buf), "4242 (%s)", comm);

	for (int f = 3; f <= nfields; f++) {
		char dflt[16];
		const char *v = dflt;

		snprintf(dflt, sizeof(dflt), "%d", 1000 + f);
		if (f == 3)
			v = state;
		else if (f == 4)
			v = ppid;
		else if (f == 9)
			v = flags;
		else if (f == 22)
			v = starttime;
		else if (f == 39)
			v = processor;
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " %s", v);
	}
	snprintf(buf + n, sizeof(buf) - (size_t)n, "\n");
	return buf;
}

static void test_parse_fields(void **state)
{
	static const struct {
		const char *comm, *state, *ppid, *flags, *start, *cpu;
		int nfields;
		int ret;
		const char *want_comm;
		char want_state;
		int32_t want_ppid;
		uint32_t want_flags;
		uint64_t want_start;
		int32_t want_cpu;
	} t[] = {
		{ "bash", "S", "1", "4194560", "12345", "3", 52, 0, "bash", 'S', 1, 4194560, 12345,
		  3 },
		/* kthreads: PF_KTHREAD, PF_NO_SETAFFINITY */
		{ "kthreadd", "S", "0", "2129984", "0", "0", 52, 0, "kthreadd", 'S', 0, 0x208040, 0,
		  0 },
		{ "ksoftirqd/3", "S", "2", "69238848", "7", "3", 52, 0, "ksoftirqd/3", 'S', 2,
		  0x4208040, 7, 3 },
		/* comm with spaces and parentheses: parse after the last ')' */
		{ "(a) (b))", "R", "9", "0", "1", "1", 52, 0, "(a) (b))", 'R', 9, 0, 1, 1 },
		{ "x) S 1 2 3 (", "D", "77", "64", "5", "0", 52, 0, "x) S 1 2 3 (", 'D', 77, 64, 5,
		  0 },
		{ ")", "Z", "1", "0", "1", "0", 52, 0, ")", 'Z', 1, 0, 1, 0 },
		{ "", "I", "2", "0", "1", "0", 52, 0, "", 'I', 2, 0, 1, 0 },
		{ "kworker/u8:2-events_unbound", "I", "2", "69238880", "99", "1", 52, 0,
		  "kworker/u8:2-events_unbound", 'I', 2, 0x4208060, 99, 1 },
		/* longer than the comm buffer: truncated, the fields still right */
		{ "0123456789012345678901234567890123456789012345678901234567890123456789", "S",
		  "1", "4", "5", "6", 52, 0,
		  "012345678901234567890123456789012345678901234567890123456789012", 'S', 1, 4, 5,
		  6 },
		/* boundaries */
		{ "b", "S", "2147483647", "4294967295", "18446744073709551615", "8191", 52, 0, "b",
		  'S', INT32_MAX, UINT32_MAX, UINT64_MAX, 8191 },
		/* old kernels: fewer fields. processor is field 39; flags and starttime needed */
		{ "old", "S", "1", "256", "42", "2", 39, 0, "old", 'S', 1, 256, 42, 2 },
		{ "old", "S", "1", "256", "42", "2", 38, 0, "old", 'S', 1, 256, 42, -1 },
		{ "old", "S", "1", "256", "42", "2", 22, 0, "old", 'S', 1, 256, 42, -1 },
		{ "old", "S", "1", "256", "42", "2", 21, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		{ "old", "S", "1", "256", "42", "2", 9, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		{ "old", "S", "1", "256", "42", "2", 3, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		{ "old", "S", "1", "256", "42", "2", 2, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		/* malformed numbers */
		{ "c", "S", "x", "0", "1", "0", 52, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		{ "c", "S", "12x", "0", "1", "0", 52, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		{ "c", "S", "2147483648", "0", "1", "0", 52, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		{ "c", "S", "1", "abc", "1", "0", 52, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		{ "c", "S", "1", "4294967296", "1", "0", 52, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		{ "c", "S", "1", "-1", "1", "0", 52, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		{ "c", "S", "1", "0x10", "1", "0", 52, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		{ "c", "S", "1", "0", "-5", "0", 52, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		{ "c", "S", "1", "0", "18446744073709551616", "0", 52, -EINVAL, NULL, 0, 0, 0, 0,
		  0 },
		{ "c", "S", "1", "0", "1", "cpu", 52, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		{ "c", "S", "1", "0", "1", "1.5", 52, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		/*
		 * processor (39) and ppid (4) are never negative: -1 would read as
		 * "absent" and a negative CPU indexes nothing. No sign at all.
		 */
		{ "c", "S", "1", "0", "1", "-1", 52, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		{ "c", "S", "1", "0", "1", "-1", 39, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		{ "c", "S", "1", "0", "1", "-2147483648", 52, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		{ "c", "S", "1", "0", "1", "-0", 52, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		{ "c", "S", "1", "0", "1", "+3", 52, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		{ "c", "S", "1", "0", "1", "2147483648", 52, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		{ "c", "S", "-1", "0", "1", "0", 52, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		{ "c", "S", "+1", "0", "1", "0", 52, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		{ "c", "S", "1", "+4", "1", "0", 52, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		{ "c", "S", "1", "0", "+1", "0", 52, -EINVAL, NULL, 0, 0, 0, 0, 0 },
		/* the largest CPU a kernel can have: fine */
		{ "c", "S", "0", "0", "1", "2147483647", 52, 0, "c", 'S', 0, 0, 1, INT32_MAX },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct taskstat st;
		const char *line = make_line(t[i].comm, t[i].state, t[i].ppid, t[i].flags,
					     t[i].start, t[i].cpu, t[i].nfields);
		int r;

		memset(&st, 0x5a, sizeof(st));
		r = taskstat_parse(line, &st);
		if (r != t[i].ret) {
			case_fail("row %zu (%s): ret %d, expected %d", i, line, r, t[i].ret);
			continue;
		}
		if (r < 0) {
			struct taskstat before;

			memset(&before, 0x5a, sizeof(before));
			if (memcmp(&st, &before, sizeof(st)) != 0)
				case_fail("row %zu: ret_ changed on failure", i);
			continue;
		}
		if (strcmp(st.comm, t[i].want_comm) != 0 || st.state != t[i].want_state ||
		    st.ppid != t[i].want_ppid || st.flags != t[i].want_flags ||
		    st.starttime != t[i].want_start || st.processor != t[i].want_cpu)
			case_fail(
				"row %zu (%s): comm \"%s\" state %c ppid %d flags %#x start %llu cpu %d",
				i, line, st.comm, st.state, st.ppid, st.flags,
				(unsigned long long)st.starttime, st.processor);
	}
	table_done();
}

/* Fields that are negative in real files (tpgid, priority, nice) are not ours to refuse. */
static void test_negative_elsewhere(void **state)
{
	/* migration/0 of a 6.1 kernel: tpgid -1, priority -100 (SCHED_FIFO 99) */
	static const char line[] =
		"15 (migration/0) S 2 0 0 0 -1 69238848 0 0 0 0 0 5 0 0 -100 0 1 0 3 0 0 "
		"18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 0 7 99 1 0 0 0 0 0 0 0 0 0 0 0\n";
	struct taskstat st;

	assert_int_equal(taskstat_parse(line, &st), 0);
	assert_int_equal(st.ppid, 2);
	assert_int_equal(st.flags, 69238848);
	assert_int_equal(st.starttime, 3);
	assert_int_equal(st.processor, 7);
}

static void test_parse_malformed(void **state)
{
	static const char *const t[] = {
		"",
		"\n",
		"4242",
		"4242 bash S 1 2 3",   /* no parentheses */
		"4242 (bash S 1 2 3",  /* no ')' */
		"4242 bash) S 1 2 3",  /* no '(' */
		"4242 )bash( S 1 2 3", /* ')' before '(' */
		"4242 (bash)",
		"4242 (bash)\n",
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct taskstat st;
		int r = taskstat_parse(t[i], &st);

		if (r != -EINVAL)
			case_fail("\"%s\": ret %d, expected -EINVAL", t[i], r);
	}
	table_done();

	/* no trailing newline is fine */
	struct taskstat st;
	char *line = make_line("a", "S", "1", "2", "3", "4", 52);

	line[strlen(line) - 1] = '\0';
	assert_int_equal(taskstat_parse(line, &st), 0);
	assert_int_equal(st.processor, 4);
}

static void test_pf_helpers(void **state)
{
	struct taskstat st = { 0 };

	/* the kernel's values (include/linux/sched.h) */
	assert_int_equal(PF_KTHREAD, 0x00200000);
	assert_int_equal(PF_NO_SETAFFINITY, 0x04000000);
	assert_int_equal(PF_USER_WORKER, 0x00004000);

	st.flags = 0x00400100; /* a user task */
	assert_false(taskstat_is_kthread(&st));
	assert_false(taskstat_is_percpu(&st));
	st.flags = 0x00208040; /* kthreadd */
	assert_true(taskstat_is_kthread(&st));
	assert_false(taskstat_is_percpu(&st));
	st.flags = 0x04208040; /* ksoftirqd/N */
	assert_true(taskstat_is_kthread(&st));
	assert_true(taskstat_is_percpu(&st));
	st.flags = PF_USER_WORKER; /* io_uring worker: a user thread */
	assert_false(taskstat_is_kthread(&st));
	st.flags = UINT32_MAX;
	assert_true(taskstat_is_kthread(&st));
	assert_true(taskstat_is_percpu(&st));
}

static void test_read_fixture(void **state)
{
	const char *top = getenv("QC_TOP");
	char root[PATH_MAX / 2];
	struct path_cxt pc;
	struct taskstat st;

	snprintf(root, sizeof(root), "%s/tests/fixtures/path/basic", top ? top : ".");
	assert_int_equal(path_cxt_init(&pc, root), 0);

	assert_int_equal(taskstat_read(&pc, 42, 0, &st), 0);
	assert_string_equal(st.comm, "my prog");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.flags, 4194560);
	assert_int_equal(st.starttime, 12345);
	assert_int_equal(st.processor, 2);

	assert_int_equal(taskstat_read(&pc, 42, 43, &st), 0);
	assert_string_equal(st.comm, "worker (x)");
	assert_int_equal(st.state, 'R');
	assert_int_equal(st.starttime, 12346);
	assert_int_equal(st.processor, 3);

	/* gone: ESRCH, not ENOENT, for the task and for the thread */
	assert_int_equal(taskstat_read(&pc, 41, 0, &st), -ESRCH);
	assert_int_equal(taskstat_read(&pc, 42, 44, &st), -ESRCH);
}

/*
 * "Gone" is -ESRCH and nothing else: a stat file that is there but cannot be
 * read or parsed must not pass for a task that exited.
 */
static void test_read_gone_or_unreadable(void **state)
{
	static const struct {
		const char *kind;
		int err;
	} rows[] = {
		{ "missing", -ESRCH },	      { "garbage", -EINVAL }, { "empty", -EINVAL },
		{ "dir", -EISDIR },	      { "loop", -ELOOP },     { "fifo", -PATH_ENOTREG },
		{ "chardev", -PATH_ENOTREG },
	};
	char root[] = "/tmp/qc-test-taskstat-XXXXXX";
	char p[PATH_MAX];
	struct path_cxt pc;
	struct taskstat st;

	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/proc", root);
	assert_int_equal(mkdir(p, 0755), 0);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		const char *k = rows[i].kind;
		FILE *f;
		int r;

		snprintf(p, sizeof(p), "%s/proc/%zu", root, i + 1);
		assert_int_equal(mkdir(p, 0755), 0);
		snprintf(p, sizeof(p), "%s/proc/%zu/stat", root, i + 1);
		if (!strcmp(k, "garbage") || !strcmp(k, "empty")) {
			f = fopen(p, "we");
			assert_non_null(f);
			if (!strcmp(k, "garbage"))
				fputs("1 (x\n", f);
			assert_int_equal(fclose(f), 0);
		} else if (strcmp(k, "missing") != 0) {
			assert_int_equal(tmproot_put_unusable(p, k), 0);
		}
		assert_int_equal(path_cxt_init(&pc, root), 0);
		r = taskstat_read(&pc, (int)i + 1, 0, &st);
		if (r != rows[i].err)
			case_fail("%s: %d, want %d", k, r, rows[i].err);
	}
	assert_int_equal(tmproot_remove(root), 0);
	table_done();
}

static void test_read_self(void **state)
{
	struct path_cxt pc;
	struct taskstat st, th;
	char comm[32];
	double uptime = 0;
	FILE *f;
	long nproc = sysconf(_SC_NPROCESSORS_CONF), hz = sysconf(_SC_CLK_TCK);

	assert_int_equal(path_cxt_init(&pc, NULL), 0);
	assert_int_equal(taskstat_read(&pc, getpid(), 0, &st), 0);

	/*
	 * comm is what /proc/self/comm says: the first 15 bytes of the program
	 * name, or of valgrind's ("memcheck-amd64-") under check-valgrind
	 */
	f = fopen("/proc/self/comm", "re");
	assert_non_null(f);
	assert_non_null(fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	assert_string_equal(st.comm, comm);
	assert_int_equal(st.state, 'R');
	assert_int_equal(st.ppid, getppid());
	assert_false(taskstat_is_kthread(&st));
	assert_false(taskstat_is_percpu(&st));
	assert_true(st.processor >= 0);
	if (nproc > 0)
		assert_true(st.processor < nproc);
	/* started after boot and not in the future */
	f = fopen("/proc/uptime", "re");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lf", &uptime), 1);
	fclose(f);
	assert_true(st.starttime <= (uint64_t)(uptime * (double)hz) + 1);

	/* the thread's own file says the same */
	assert_int_equal(taskstat_read(&pc, getpid(), (int)syscall(SYS_gettid), &th), 0);
	assert_string_equal(th.comm, st.comm);
	assert_int_equal(th.starttime, st.starttime);
	assert_int_equal(th.ppid, st.ppid);

	/* a PID that cannot exist */
	assert_int_equal(taskstat_read(&pc, INT_MAX, 0, &st), -ESRCH);
}

static void test_read_kthreadd(void **state)
{
	struct path_cxt pc;
	struct taskstat st;

	assert_int_equal(path_cxt_init(&pc, NULL), 0);
	if (taskstat_read(&pc, 2, 0, &st) < 0 || strcmp(st.comm, "kthreadd") != 0)
		skip(); /* a PID namespace without kernel threads */
	assert_true(taskstat_is_kthread(&st));
	assert_false(taskstat_is_percpu(&st));
	assert_int_equal(st.ppid, 0);
}

/* Random text never crashes the parser; a success always has its mandatory fields. */
static void test_fuzz(void **state)
{
	static const char alphabet[] = "0123456789 ()-S\nx";
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	unsigned int ok = 0;

	for (int iter = 0; iter < 30000; iter++) {
		char in[160];
		size_t n;
		struct taskstat st;
		int r;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		n = (size_t)(x % sizeof(in));
		for (size_t k = 0; k < n; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* mostly digits and spaces, so some lines have 22+ fields */
			in[k] = k % 2 ? ' ' : alphabet[x % (sizeof(alphabet) - 1)];
			if (x % 7 == 0)
				in[k] = alphabet[(x >> 8) % (sizeof(alphabet) - 1)];
		}
		in[n] = '\0';
		r = taskstat_parse(in, &st);
		assert_true(r == 0 || r == -EINVAL);
		if (r == 0) {
			assert_non_null(strchr(in, '('));
			assert_true(strlen(st.comm) < sizeof(st.comm));
			ok++;
		}
	}
	print_message("fuzz: %u of 30000 parsed\n", ok);
}

/* The "0::" line of /proc/PID/cgroup: the cgroup-v2 path, in every form the kernel writes. */
static void test_cgroup(void **state)
{
	char root[] = "/tmp/qc-test-taskstat-XXXXXX";
	char buf[64], tiny[8];
	struct path_cxt pc;
	const char *last;

	(void)state;
	assert_non_null(mkdtemp(root));
	assert_int_equal(path_cxt_init(&pc, root), 0);
	assert_int_equal(tmproot_put(root, "proc/7/cgroup",
				     "12:cpuset:/\n1:name=systemd:/system.slice/ssh.service\n"
				     "0::/system.slice/ssh.service\n"),
			 0);
	assert_int_equal(tmproot_put(root, "proc/8/cgroup", "0::/\n"), 0);
	assert_int_equal(tmproot_put(root, "proc/9/cgroup", "12:cpuset:/\n1:name=systemd:/\n"), 0);
	assert_int_equal(tmproot_put(root, "proc/10/cgroup", "10:0::/x\n0::/quietcore-isolated\n"),
			 0);
	assert_int_equal(taskstat_cgroup(&pc, 7, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/system.slice/ssh.service");
	assert_int_equal(taskstat_cgroup(&pc, 8, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/");
	assert_int_equal(taskstat_cgroup(&pc, 9, buf, sizeof(buf)), -ENODATA);
	assert_int_equal(taskstat_cgroup(&pc, 10, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/quietcore-isolated");
	assert_int_equal(taskstat_cgroup(&pc, 11, buf, sizeof(buf)), -ENOENT);
	last = path_last(&pc);
	assert_true(strlen(last) > 14 && strcmp(last + strlen(last) - 14, "proc/11/cgroup") == 0);
	assert_int_equal(taskstat_cgroup(&pc, 7, tiny, sizeof(tiny)), -ERANGE);
	assert_int_equal(tmproot_remove(root), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_negative_elsewhere),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_pf_helpers),
		cmocka_unit_test(test_read_fixture),
		cmocka_unit_test(test_read_gone_or_unreadable),
		cmocka_unit_test(test_read_self),
		cmocka_unit_test(test_read_kthreadd),
		cmocka_unit_test(test_cgroup),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests_name("taskstat", tests, NULL, NULL);
}
