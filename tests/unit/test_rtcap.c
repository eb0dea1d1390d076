// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/rtcap: kernel-facts.md's table of what a run-time isolated partition
 * replaces, kernel by kernel (5.15, 6.1, 6.8, 6.12, 7.0), when none is
 * possible at all, and the rows of a plan's parameters.
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

#include "kparam.h"
#include "rtcap.h"

#include "table.h"

/* What cgroup_fs_probe() reports for each kernel, with cpuset on the unified hierarchy. */
static const struct cgroup_fs k5_15 = { .mount = CGROUP_MOUNT_UNIFIED,
					.kver = { 5, 15, 0 },
					.cpuset = true };
static const struct cgroup_fs k6_1 = {
	.mount = CGROUP_MOUNT_UNIFIED, .kver = { 6, 1, 0 }, .cpuset = true, .isolated_type = true
};
static const struct cgroup_fs k6_8 = { .mount = CGROUP_MOUNT_UNIFIED,
				       .kver = { 6, 8, 0 },
				       .cpuset = true,
				       .isolated_type = true,
				       .exclusive = true,
				       .root_isolated = true,
				       .wq_excludes = true };
static const struct cgroup_fs k6_12 = { .mount = CGROUP_MOUNT_UNIFIED,
					.kver = { 6, 12, 0 },
					.cpuset = true,
					.isolated_type = true,
					.exclusive = true,
					.root_isolated = true,
					.wq_excludes = true };
static const struct cgroup_fs k7_0 = { .mount = CGROUP_MOUNT_UNIFIED,
				       .kver = { 7, 0, 0 },
				       .cpuset = true,
				       .isolated_type = true,
				       .exclusive = true,
				       .root_isolated = true,
				       .wq_excludes = true,
				       .timer_migration = true,
				       .domain_follows = true };

static void test_param(void **state)
{
	static const struct {
		const struct cgroup_fs *fs;
		const char *name;
		enum rtcap want;
		const char *why; /* a word the reason must have */
	} cases[] = {
		{ &k5_15, "isolcpus=domain", RTCAP_NO, "no isolated partitions" },
		{ &k6_1, "isolcpus=domain", RTCAP_YES, "load balancing" },
		{ &k6_12, "isolcpus=domain", RTCAP_YES, "load balancing" },
		{ &k6_1, "isolcpus=managed_irq", RTCAP_NO, "boot only" },
		{ &k7_0, "isolcpus=managed_irq", RTCAP_NO, "boot only" },
		{ &k6_12, "isolcpus=nohz", RTCAP_NO, "tick" },
		{ &k6_1, "nohz_full", RTCAP_NO, "tick keeps running" },
		{ &k7_0, "nohz-full", RTCAP_NO, "tick keeps running" },
		{ &k6_12, "rcu_nocbs", RTCAP_NO, "at boot" },
		{ &k6_12, "rcu_nocb_poll", RTCAP_NO, "rcu_nocbs" },
		{ &k6_1, "irqaffinity", RTCAP_YES, "early-pin" },
		{ &k6_1, "systemd.cpu_affinity", RTCAP_YES, "slices" },
		{ &k6_1, "unbound workqueues", RTCAP_YES, "early-pin sets" },
		{ &k6_1, "workqueue.unbound_cpus", RTCAP_YES, "early-pin sets" },
		{ &k6_8, "unbound workqueues", RTCAP_YES, "the kernel keeps" },
		{ &k6_12, "workqueue.unbound_cpus", RTCAP_YES, "the kernel keeps" },
		{ &k6_1, "kthreads", RTCAP_PARTLY, "from 7.0" },
		{ &k6_12, "kthreads", RTCAP_PARTLY, "new ones may start" },
		{ &k7_0, "kthreads", RTCAP_YES, "follow the partition" },
		{ &k6_12, "rd.earlypin.governor", RTCAP_NO, "frequency" },
		{ &k6_12, "nosoftlockup", RTCAP_NO, "boot parameter" },
		{ &k6_12, "nosmt", RTCAP_NO, "boot parameter" },
		{ &k6_12, "mitigations", RTCAP_NO, "boot parameter" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *why = NULL;
		enum rtcap got = rtcap_param(cases[i].name, cases[i].fs, &why);

		if (got != cases[i].want || !why || !strstr(why, cases[i].why))
			case_fail("%s on %u.%u: %s (%s), want %s with '%s'", cases[i].name,
				  cases[i].fs->kver[0], cases[i].fs->kver[1], rtcap_str(got),
				  why ? why : "(null)", rtcap_str(cases[i].want), cases[i].why);
	}
	table_done();
	assert_string_equal(rtcap_str(RTCAP_PARTLY), "partly");
}

static void test_impossible(void **state)
{
	static const struct cgroup_fs v1 = { .mount = CGROUP_MOUNT_NONE, .kver = { 6, 1, 0 } };
	static const struct cgroup_fs hybrid = { .mount = CGROUP_MOUNT_HYBRID,
						 .kver = { 6, 1, 0 } };
	static const struct cgroup_fs nocpuset = { .mount = CGROUP_MOUNT_UNIFIED,
						   .kver = { 6, 1, 0 } };
	static const struct cgroup_fs unknown = { .mount = CGROUP_MOUNT_UNIFIED, .cpuset = true };
	static const struct cgroup_fs unknown_files = { .mount = CGROUP_MOUNT_UNIFIED,
							.cpuset = true,
							.isolated_type = true };
	static const struct {
		int probe_r;
		const struct cgroup_fs *fs;
		const char *want; /* NULL: possible (or: the caller cannot tell) */
	} cases[] = {
		{ -ENOENT, &v1, "cgroup v1 only" },
		{ -ENOENT, &nocpuset, "no cgroup.controllers" },
		{ -EOPNOTSUPP, &hybrid, "on cgroup v1 (the hybrid layout)" },
		{ -EOPNOTSUPP, &nocpuset, "cgroup v2 has no cpuset controller" },
		{ 0, &k5_15, "this kernel has no isolated partitions" },
		{ 0, &unknown, "version is unknown" },
		{ 0, &unknown_files, NULL },
		{ 0, &k6_1, NULL },
		{ 0, &k7_0, NULL },
		{ -EACCES, &k6_1, NULL },
		{ -EINVAL, &k6_1, NULL },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *got = rtcap_impossible(cases[i].probe_r, cases[i].fs);

		if (cases[i].want ? !got || !strstr(got, cases[i].want) : got != NULL)
			case_fail("case %zu (probe %d): '%s', want '%s'", i, cases[i].probe_r,
				  got ? got : "(possible)",
				  cases[i].want ? cases[i].want : "(possible)");
	}
	table_done();
}

static void test_rows(void **state)
{
	static const struct {
		const char *params;
		const struct cgroup_fs *fs;
		const char *want; /* "what=cap ..." */
	} cases[] = {
		{ "isolcpus=domain,managed_irq,1-3 nohz_full=1-3 rcu_nocbs=1-3 irqaffinity=0",
		  &k6_1,
		  "isolcpus=domain=yes isolcpus=managed_irq=no nohz_full=no rcu_nocbs=no irqaffinity=yes kthreads=partly unbound workqueues=yes" },
		{ "isolcpus=1-3 irqaffinity=0", &k7_0,
		  "isolcpus=domain=yes irqaffinity=yes kthreads=yes unbound workqueues=yes" },
		{ "isolcpus=nohz,domain,2 workqueue.unbound_cpus=0-1 nosoftlockup", &k5_15,
		  "isolcpus=domain=no isolcpus=nohz=no workqueue.unbound_cpus=yes nosoftlockup=no kthreads=partly" },
		/* a value the kernel would ignore isolates nothing: no row */
		{ "isolcpus=dom@in,1 nohz_full=1", &k6_12,
		  "nohz_full=no kthreads=partly unbound workqueues=yes" },
		{ "", &k6_12, "kthreads=partly unbound workqueues=yes" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct kparams kp = { 0 };
		struct rtcap_row *rows = NULL;
		char got[1024] = "";
		size_t n = 0, len = 0;

		assert_int_equal(kparams_parse(cases[i].params, &kp), 0);
		assert_int_equal(rtcap_rows(&kp, cases[i].fs, &rows, &n), 0);
		for (size_t r = 0; r < n; r++) {
			len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s=%s",
						r ? " " : "", rows[r].what, rtcap_str(rows[r].cap));
			assert_non_null(rows[r].why);
		}
		if (strcmp(got, cases[i].want) != 0)
			case_fail("%s:\n  got  %s\n  want %s", cases[i].params, got, cases[i].want);
		free(rows);
		kparams_free(&kp);
	}
	table_done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_param),
		cmocka_unit_test(test_impossible),
		cmocka_unit_test(test_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
