// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/isolation: the one derivation of the isolated and housekeeping CPUs.
 * The command line's parameters (flags, bare, malformed), the precedence of
 * the housekeeping sources with bad ones falling through, the CPU files'
 * strictness (absent falls back, malformed is an error naming the file), the
 * boot_id, and isolation at run time by cgroup-v2 partitions on fake trees.
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

#include "isolation.h"
#include "table.h"
#include "tmproot.h"

static char root[64];

/* Write content to rel under root; NULL removes it; "fifo"/"dir" an unusable one. */
static void put(const char *rel, const char *content)
{
	assert_int_equal(tmproot_put(root, rel, content), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/test_isolation.XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmproot_remove(root);
}

static void fmt(const cpuset_t *set, char *buf, size_t len)
{
	cpuset_format_list(set, buf, len);
}

static void test_cmdline(void **state)
{
	static const struct {
		const char *cmdline;
		unsigned int nbits;
		const char *domain, *nohz, *isolated;
		int isolcpus_err, nohz_full_err;
		bool rcu_ok, irqaff_ok;
	} t[] = {
		{ "quiet", 8, "", "", "", 0, 0, false, false },
		/* no flags: domain implied */
		{ "isolcpus=2-7", 8, "2-7", "", "2-7", 0, 0, false, false },
		/* flags: domain only when named */
		{ "isolcpus=nohz,managed_irq,2-7", 8, "", "2-7", "2-7", 0, 0, false, false },
		{ "isolcpus=domain,nohz,4-7", 8, "4-7", "4-7", "4-7", 0, 0, false, false },
		/* nohz_full= wins over isolcpus=nohz for the tickless set */
		{ "isolcpus=nohz,2-7 nohz_full=6-7", 8, "", "6-7", "2-7", 0, 0, false, false },
		{ "nohz_full=3 rcu_nocbs=3 irqaffinity=0-2", 8, "", "3", "3", 0, 0, true, true },
		{ "isolcpus=2-3 nohz_full=6-7", 8, "2-3", "6-7", "2-3,6-7", 0, 0, false, false },
		/* malformed, bare and out of range: recorded, sets empty */
		{ "isolcpus=2-x nohz_full=5", 8, "", "5", "5", -EINVAL, 0, false, false },
		{ "isolcpus nohz_full", 8, "", "", "", -EINVAL, -EINVAL, false, false },
		{ "nohz_full=2-9 isolcpus=1", 8, "1", "", "1", 0, -ERANGE, false, false },
		{ "nohz_full=2-9", 0, "", "2-9", "2-9", 0, 0, false, false }, /* no limit */
		{ "rcu_nocbs=x irqaffinity=", 8, "", "", "", 0, 0, false,
		  true }, /* empty list parses */
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct isolation_cmdline cl;
		struct kparams kp = { 0 };
		char d[64], n[64], iso[64];

		assert_int_equal(kparams_parse(t[i].cmdline, &kp), 0);
		isolation_parse_cmdline(&kp, t[i].nbits, &cl);
		fmt(&cl.domain, d, sizeof(d));
		fmt(&cl.nohz, n, sizeof(n));
		fmt(&cl.isolated, iso, sizeof(iso));
		if (strcmp(d, t[i].domain) || strcmp(n, t[i].nohz) || strcmp(iso, t[i].isolated) ||
		    cl.isolcpus.err != t[i].isolcpus_err ||
		    cl.nohz_full.err != t[i].nohz_full_err || cl.rcu_nocbs.ok != t[i].rcu_ok ||
		    cl.irqaffinity.ok != t[i].irqaff_ok)
			case_fail(
				"row %zu '%s': domain '%s' nohz '%s' isolated '%s' errs %d %d rcu %d irqaff %d",
				i, t[i].cmdline, d, n, iso, cl.isolcpus.err, cl.nohz_full.err,
				cl.rcu_nocbs.ok, cl.irqaffinity.ok);
		kparams_free(&kp);
	}
	table_done();
}

static void test_housekeeping(void **state)
{
	static const struct {
		const char *cmdline;
		const char *opt;      /* --housekeeping */
		const char *isolated; /* sysfs cpu/isolated, NULL absent */
		int ret;
		const char *hk, *source;
		const char *notes; /* kinds in order: I invalid, O offline, C isolcpus, N nohz */
	} t[] = {
		{ "quiet", NULL, NULL, 0, "", NULL, "" },
		{ "quiet", NULL, "\n", 0, "", NULL, "" },
		{ "rd.earlypin.cpus=0-1 irqaffinity=0 isolcpus=2-5", "3", NULL, 1, "3",
		  "--housekeeping", "" },
		{ "rd.earlypin.cpus=0-1 irqaffinity=0 isolcpus=2-5", NULL, NULL, 1, "0-1",
		  "rd.earlypin.cpus", "" },
		{ "irqaffinity=0 isolcpus=2-5", NULL, "4-5\n", 1, "0", "irqaffinity", "" },
		{ "isolcpus=nohz,2-3 nohz_full=4", NULL, "5\n", 1, "0-1,5", "isolcpus/nohz_full",
		  "" },
		{ "quiet", NULL, "2-5\n", 1, "0-1", "sysfs isolated/nohz_full", "" },
		/* bad lists fall through to the next source */
		{ "rd.earlypin.cpus=0-x irqaffinity=1", NULL, NULL, 1, "1", "irqaffinity", "I" },
		{ "rd.earlypin.cpus=x irqaffinity=y isolcpus=3-5", NULL, NULL, 1, "0-2",
		  "isolcpus/nohz_full", "II" },
		{ "isolcpus=3-x nohz_full=5-y", NULL, "1\n", 1, "0,2-5", "sysfs isolated/nohz_full",
		  "CN" },
		{ "isolcpus=3-x nohz_full=4-5", NULL, NULL, 1, "0-3", "isolcpus/nohz_full", "C" },
		/* offline CPUs (6, 7) dropped */
		{ "rd.earlypin.cpus=0,6-7", NULL, NULL, 1, "0", "rd.earlypin.cpus", "O" },
		/* a bad --housekeeping stops; one without online CPUs is refused */
		{ "irqaffinity=0", "0-x", NULL, -EINVAL, "", NULL, "I" },
		{ "quiet", "6-7", NULL, -ENODATA, "", "--housekeeping", "O" },
		{ "isolcpus=0-5", NULL, NULL, -ENODATA, "", "isolcpus/nohz_full", "" },
	};
	cpuset_t online;

	(void)state;
	assert_int_equal(cpuset_parse_list("0-5", 0, &online), 0);
	put("sys/devices/system/cpu/nohz_full", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		static const char kinds[] = "IOCN";
		struct isolation_hk hk;
		struct kparams kp = { 0 };
		struct path_cxt pc;
		char set[64] = "", notes[8] = "";
		int r;

		put("sys/devices/system/cpu/isolated", t[i].isolated);
		assert_int_equal(path_cxt_init(&pc, root), 0);
		assert_int_equal(kparams_parse(t[i].cmdline, &kp), 0);
		r = isolation_housekeeping(&pc, &kp, &online, t[i].opt, &hk);
		if (r == 1)
			fmt(&hk.hk, set, sizeof(set));
		for (size_t k = 0; k < hk.nnotes && k < sizeof(notes) - 1; k++)
			notes[k] = kinds[hk.notes[k].kind];
		if (r != t[i].ret || strcmp(set, t[i].hk) || strcmp(notes, t[i].notes) ||
		    (t[i].source ? !hk.source || strcmp(hk.source, t[i].source) :
				   hk.source != NULL))
			case_fail("row %zu '%s': got %d hk '%s' from %s, notes '%s'", i,
				  t[i].cmdline, r, set, hk.source ? hk.source : "-", notes);
		kparams_free(&kp);
	}
	table_done();
}

static void test_read_cpus(void **state)
{
	static const struct {
		const char *online, *possible, *present; /* content, "fifo", "dir", NULL: absent */
		int ret;
		const char *failed; /* the file path_last() names */
		const char *set_online, *set_possible;
		unsigned int nbits;
	} t[] = {
		{ "0-5\n", "0-7\n", NULL, 0, NULL, "0-5", "0-7", 8 },
		{ "0-5\n", NULL, "0-6\n", 0, NULL, "0-5", "0-6", 7 }, /* absent possible */
		{ "0-5\n", NULL, NULL, 0, NULL, "0-5", "0-5", 6 },
		{ "0-5\n", NULL, "x\n", -EINVAL, "present", "0-5", "0-5", 6 },
		{ "0-2\377 garbage\n", "0-7\n", NULL, -EINVAL, "online", "", "0-7", 8 },
		{ "0-5\n", "0-7 x\n", NULL, -EINVAL, "possible", "0-5", "", 0 },
		{ "", "0-7\n", NULL, -ENODATA, "online", "", "0-7", 8 },
		{ "0-5\n", "\n", NULL, -ENODATA, "possible", "0-5", "", 0 },
		{ NULL, "0-7\n", NULL, -ENOENT, "online", "", "0-7", 8 },
		{ "fifo", "0-7\n", NULL, -PATH_ENOTREG, "online", "", "0-7", 8 },
		{ "0-5\n", "dir", NULL, -EISDIR, "possible", "0-5", "", 0 },
		/* both bad: the first, online, is named */
		{ "x\n", "y\n", NULL, -EINVAL, "online", "", "", 0 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct isolation_cpus cpus;
		struct path_cxt pc;
		char on[64], pos[64], want[256];
		int r;

		put("sys/devices/system/cpu/online", t[i].online);
		put("sys/devices/system/cpu/possible", t[i].possible);
		put("sys/devices/system/cpu/present", t[i].present);
		assert_int_equal(path_cxt_init(&pc, root), 0);
		r = isolation_read_cpus(&pc, &cpus);
		fmt(&cpus.online, on, sizeof(on));
		fmt(&cpus.possible, pos, sizeof(pos));
		snprintf(want, sizeof(want), "%s/sys/devices/system/cpu/%s", root,
			 t[i].failed ? t[i].failed : "");
		if (r != t[i].ret || strcmp(on, t[i].set_online) ||
		    strcmp(pos, t[i].set_possible) || cpus.nbits != t[i].nbits ||
		    (t[i].failed && strcmp(path_last(&pc), want)))
			case_fail("row %zu: got %d online '%s' possible '%s' nbits %u last %s", i,
				  r, on, pos, cpus.nbits, path_last(&pc));
	}
	table_done();
}

static void test_read_isolated(void **state)
{
	static const struct {
		const char *content; /* NULL: absent, "fifo", "dir" */
		int ret;
		const char *set;
	} t[] = {
		{ "2-7\n", 0, "2-7" },
		{ "\n", 0, "" },
		{ NULL, 0, "" },
		{ "2-x\n", -EINVAL, "untouched" },
		{ "fifo", -PATH_ENOTREG, "untouched" },
		{ "dir", -EISDIR, "untouched" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct path_cxt pc;
		cpuset_t set;
		char got[64] = "untouched", want[256];
		int r;

		put("sys/devices/system/cpu/isolated", t[i].content);
		assert_int_equal(path_cxt_init(&pc, root), 0);
		cpuset_fill(&set, 1);
		r = isolation_read_isolated(&pc, &set);
		if (r == 0)
			fmt(&set, got, sizeof(got));
		else if (!cpuset_test(&set, 0) || cpuset_count(&set) != 1)
			strcpy(got, "changed on failure");
		snprintf(want, sizeof(want), "%s/sys/devices/system/cpu/isolated", root);
		if (r != t[i].ret || strcmp(got, t[i].set) ||
		    (r < 0 && strcmp(path_last(&pc), want)))
			case_fail("row %zu: got %d '%s' last %s", i, r, got, path_last(&pc));
	}
	table_done();
}

static void test_boot_id(void **state)
{
	static const struct {
		const char *content;
		size_t len;
		int ret;
	} t[] = {
		{ "6b1f0c2e-3d4a-4c55-8e9f-0a1b2c3d4e5f\n", 64, 0 },
		{ "6b1f0c2e-3d4a-4c55-8e9f-0a1b2c3d4e5f\n", 8, -ENOBUFS },
		{ "\n", 64, -ENODATA },
		{ "not a boot id\n", 64, -EINVAL },
		{ NULL, 64, -ENOENT },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct path_cxt pc;
		char buf[64] = "untouched";
		int r;

		put("proc/sys/kernel/random/boot_id", t[i].content);
		assert_int_equal(path_cxt_init(&pc, root), 0);
		r = isolation_boot_id(&pc, buf, t[i].len);
		if (r != t[i].ret ||
		    strcmp(buf, r == 0 ? "6b1f0c2e-3d4a-4c55-8e9f-0a1b2c3d4e5f" : "untouched"))
			case_fail("row %zu: got %d '%s'", i, r, buf);
	}
	table_done();
}

/* --- run time: cgroup-v2 isolated partitions --------------------------------- */

#define MI_TMPFS \
	"24 1 0:21 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
#define MI_V1 \
	"27 24 0:24 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,cpuset\n"
/* the unified layout; the hybrid one mounts cgroup2 at /sys/fs/cgroup/unified */
#define MI_UNIFIED \
	"35 1 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"
#define MI_HYBRID_V2 \
	"26 24 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate\n"
#define MI_HYBRID MI_TMPFS MI_HYBRID_V2 MI_V1

struct fake_cgroup {
	const char *name;      /* top-level cgroup */
	const char *partition; /* cpuset.cpus.partition: text, "fifo", "dir"; NULL absent */
	const char *cpus, *effective;
};

/* A cgroup-v2 tree below root at mnt ("sys/fs/cgroup"), fresh each time. */
static void put_cgroup_tree(const char *mnt, const char *controllers, const char *root_isolated,
			    const struct fake_cgroup *cg, size_t ncg)
{
	char rel[256];

	put("sys/fs/cgroup", NULL);
	if (!mnt)
		return;
	snprintf(rel, sizeof(rel), "%s/cgroup.controllers", mnt);
	put(rel, controllers);
	snprintf(rel, sizeof(rel), "%s/cgroup.subtree_control", mnt);
	put(rel, controllers && strstr(controllers, "cpuset") ? "cpuset memory pids\n" :
								"memory pids\n");
	snprintf(rel, sizeof(rel), "%s/cgroup.procs", mnt);
	put(rel, "1\n");
	snprintf(rel, sizeof(rel), "%s/cpuset.cpus.isolated", mnt);
	put(rel, root_isolated);
	for (size_t i = 0; i < ncg && cg[i].name; i++) {
		snprintf(rel, sizeof(rel), "%s/%s/cgroup.procs", mnt, cg[i].name);
		put(rel, "");
		snprintf(rel, sizeof(rel), "%s/%s/cgroup.controllers", mnt, cg[i].name);
		put(rel, "cpuset memory pids\n");
		snprintf(rel, sizeof(rel), "%s/%s/cpuset.cpus.partition", mnt, cg[i].name);
		put(rel, cg[i].partition);
		snprintf(rel, sizeof(rel), "%s/%s/cpuset.cpus", mnt, cg[i].name);
		put(rel, cg[i].cpus);
		snprintf(rel, sizeof(rel), "%s/%s/cpuset.cpus.effective", mnt, cg[i].name);
		put(rel, cg[i].effective);
	}
}

static void test_runtime(void **state)
{
	static const struct {
		const char *what;
		const char *mountinfo, *osrelease, *controllers;
		const char *root_isolated; /* the root's cpuset.cpus.isolated, NULL absent */
		struct fake_cgroup cg[3];
		int ret;
		const char *failed; /* the file path_last() names, below the root */
		enum cgroup_mount mount;
		bool cpuset;
		const char *isolated, *unnamed;
		const char *parts; /* "name:valid,..." in order */
	} t[] = {
		{ "cgroup v1 only",
		  MI_TMPFS MI_V1,
		  "6.1.0-13-amd64\n",
		  NULL,
		  NULL,
		  { { 0 } },
		  0,
		  NULL,
		  CGROUP_MOUNT_NONE,
		  false,
		  "",
		  "",
		  "" },
		{ "hybrid, cpuset bound to v1",
		  MI_HYBRID,
		  "6.1.0-13-amd64\n",
		  "\n",
		  NULL,
		  { { 0 } },
		  0,
		  NULL,
		  CGROUP_MOUNT_HYBRID,
		  false,
		  "",
		  "",
		  "" },
		{ "unified, no partition",
		  MI_UNIFIED,
		  "6.1.0-13-amd64\n",
		  "cpuset cpu io memory pids\n",
		  NULL,
		  { { "system.slice", "member\n", "\n", "0-3\n" } },
		  0,
		  NULL,
		  CGROUP_MOUNT_UNIFIED,
		  true,
		  "",
		  "",
		  "" },
		{ "6.1: a valid isolated partition",
		  MI_UNIFIED,
		  "6.1.0-13-amd64\n",
		  "cpuset cpu io memory pids\n",
		  NULL,
		  { { "quietcore-isolated.slice", "isolated\n", "2-3\n", "2-3\n" },
		    { "system.slice", "member\n", "\n", "0-1\n" } },
		  0,
		  NULL,
		  CGROUP_MOUNT_UNIFIED,
		  true,
		  "2-3",
		  "",
		  "quietcore-isolated.slice:1" },
		{ "6.1: an invalid one isolates nothing",
		  MI_UNIFIED,
		  "6.1.0-13-amd64\n",
		  "cpuset cpu io memory pids\n",
		  NULL,
		  { { "quietcore-isolated",
		      "isolated invalid (Cpu list in cpuset.cpus not exclusive)\n", "2-3\n",
		      "0-3\n" },
		    { "other", "member\n", "1-2\n", "1-2\n" } },
		  0,
		  NULL,
		  CGROUP_MOUNT_UNIFIED,
		  true,
		  "",
		  "",
		  "quietcore-isolated:0" },
		{ "a root partition is not isolation",
		  MI_UNIFIED,
		  "6.1.0-13-amd64\n",
		  "cpuset cpu io memory pids\n",
		  NULL,
		  { { "rt", "root\n", "2-3\n", "2-3\n" } },
		  0,
		  NULL,
		  CGROUP_MOUNT_UNIFIED,
		  true,
		  "",
		  "",
		  "" },
		{ "two partitions, in name order",
		  MI_UNIFIED,
		  "6.1.0-13-amd64\n",
		  "cpuset cpu io memory pids\n",
		  NULL,
		  { { "zeta", "isolated\n", "4-5\n", "4-5\n" },
		    { "alpha", "isolated\n", "2\n", "2\n" } },
		  0,
		  NULL,
		  CGROUP_MOUNT_UNIFIED,
		  true,
		  "2,4-5",
		  "",
		  "alpha:1,zeta:1" },
		{ "6.12: cpuset.cpus.isolated names a nested partition's CPUs too",
		  MI_UNIFIED,
		  "6.12.38+deb13-amd64\n",
		  "cpuset cpu io memory pids\n",
		  "2-5\n",
		  { { "quietcore-isolated.slice", "isolated\n", "2-3\n", "2-3\n" } },
		  0,
		  NULL,
		  CGROUP_MOUNT_UNIFIED,
		  true,
		  "2-5",
		  "4-5",
		  "quietcore-isolated.slice:1" },
		{ "6.12: empty cpuset.cpus.isolated",
		  MI_UNIFIED,
		  "6.12.38+deb13-amd64\n",
		  "cpuset cpu io memory pids\n",
		  "",
		  { { 0 } },
		  0,
		  NULL,
		  CGROUP_MOUNT_UNIFIED,
		  true,
		  "",
		  "",
		  "" },
		{ "unified without cpuset",
		  MI_UNIFIED,
		  "6.1.0-13-amd64\n",
		  "cpu io memory pids\n",
		  NULL,
		  { { 0 } },
		  0,
		  NULL,
		  CGROUP_MOUNT_UNIFIED,
		  false,
		  "",
		  "",
		  "" },
		/* there but unreadable or malformed: an error naming the file, never "none" */
		{ "partition file a FIFO",
		  MI_UNIFIED,
		  "6.1.0-13-amd64\n",
		  "cpuset cpu io memory pids\n",
		  NULL,
		  { { "quietcore-isolated.slice", "fifo", "2-3\n", "2-3\n" } },
		  -PATH_ENOTREG,
		  "sys/fs/cgroup/quietcore-isolated.slice/cpuset.cpus.partition",
		  CGROUP_MOUNT_UNIFIED,
		  true,
		  "",
		  "",
		  "" },
		{ "partition file a directory",
		  MI_UNIFIED,
		  "6.1.0-13-amd64\n",
		  "cpuset cpu io memory pids\n",
		  NULL,
		  { { "quietcore-isolated.slice", "dir", "2-3\n", "2-3\n" } },
		  -EISDIR,
		  "sys/fs/cgroup/quietcore-isolated.slice/cpuset.cpus.partition",
		  CGROUP_MOUNT_UNIFIED,
		  true,
		  "",
		  "",
		  "" },
		{ "partition file garbage",
		  MI_UNIFIED,
		  "6.1.0-13-amd64\n",
		  "cpuset cpu io memory pids\n",
		  NULL,
		  { { "quietcore-isolated.slice", "isolated-ish\n", "2-3\n", "2-3\n" } },
		  -EINVAL,
		  "sys/fs/cgroup/quietcore-isolated.slice/cpuset.cpus.partition",
		  CGROUP_MOUNT_UNIFIED,
		  true,
		  "",
		  "",
		  "" },
		{ "the mount's cgroup.controllers missing",
		  MI_UNIFIED,
		  "6.1.0-13-amd64\n",
		  NULL,
		  NULL,
		  { { 0 } },
		  -ENOENT,
		  "sys/fs/cgroup/cgroup.controllers",
		  CGROUP_MOUNT_UNIFIED,
		  false,
		  "",
		  "",
		  "" },
		{ "the mount's cgroup.controllers a FIFO",
		  MI_HYBRID,
		  "6.1.0-13-amd64\n",
		  "fifo",
		  NULL,
		  { { 0 } },
		  -PATH_ENOTREG,
		  "sys/fs/cgroup/unified/cgroup.controllers",
		  CGROUP_MOUNT_HYBRID,
		  false,
		  "",
		  "",
		  "" },
		{ "mountinfo a directory",
		  "dir",
		  "6.1.0-13-amd64\n",
		  "cpuset\n",
		  NULL,
		  { { 0 } },
		  -EISDIR,
		  "proc/self/mountinfo",
		  CGROUP_MOUNT_NONE,
		  false,
		  "",
		  "",
		  "" },
		{ "cpuset.cpus.isolated garbage",
		  MI_UNIFIED,
		  "6.12.38+deb13-amd64\n",
		  "cpuset cpu io memory pids\n",
		  "2-x\n",
		  { { "quietcore-isolated.slice", "isolated\n", "2-3\n", "2-3\n" } },
		  -EINVAL,
		  "sys/fs/cgroup/cpuset.cpus.isolated",
		  CGROUP_MOUNT_UNIFIED,
		  true,
		  "",
		  "",
		  "" },
	};

	(void)state;
	put("sys/devices/system/cpu/isolated", NULL); /* no boot isolation */
	put("sys/devices/virtual/workqueue/cpumask_isolated", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct isolation_runtime rt;
		struct path_cxt pc;
		char iso[64], un[64], parts[256] = "", want[256];
		size_t o = 0;
		int r;

		put("proc/self/mountinfo", t[i].mountinfo);
		put("proc/sys/kernel/osrelease", t[i].osrelease);
		put_cgroup_tree(t[i].mount == CGROUP_MOUNT_HYBRID  ? "sys/fs/cgroup/unified" :
				t[i].mount == CGROUP_MOUNT_UNIFIED ? "sys/fs/cgroup" :
								     NULL,
				t[i].controllers, t[i].root_isolated, t[i].cg, ARRAY_SIZE(t[i].cg));
		assert_int_equal(path_cxt_init(&pc, root), 0);
		r = isolation_runtime_read(&pc, &rt);
		fmt(&rt.isolated, iso, sizeof(iso));
		fmt(&rt.unnamed, un, sizeof(un));
		for (size_t k = 0; k < rt.nparts && o < sizeof(parts); k++)
			o += (size_t)snprintf(parts + o, sizeof(parts) - o, "%s%s:%d", k ? "," : "",
					      rt.parts[k].name,
					      isolation_partition_valid(&rt.parts[k]));
		snprintf(want, sizeof(want), "%s/%s", root, t[i].failed ? t[i].failed : "");
		if (r != t[i].ret || strcmp(iso, t[i].isolated) || strcmp(un, t[i].unnamed) ||
		    strcmp(parts, t[i].parts) || (r == 0 && rt.fs.mount != t[i].mount) ||
		    (r == 0 && rt.cpuset != t[i].cpuset) ||
		    (t[i].failed && strcmp(path_last(&pc), want)))
			case_fail(
				"row %zu (%s): got %d mount %d cpuset %d isolated '%s' unnamed '%s' parts '%s' last %s",
				i, t[i].what, r, rt.fs.mount, rt.cpuset, iso, un, parts,
				path_last(&pc));
		if (r == 0 && rt.nparts)
			for (unsigned int cpu = 0; cpu < 8; cpu++) {
				const struct cgroup_part_info *own =
					isolation_runtime_owner(&rt, cpu);
				bool named = cpuset_test(&rt.isolated, cpu) &&
					     !cpuset_test(&rt.unnamed, cpu);

				if ((own != NULL) != named ||
				    (own && !cpuset_test(&own->effective, cpu)))
					case_fail("row %zu (%s): CPU %u owned by %s", i, t[i].what,
						  cpu, own ? own->name : "none");
			}
		isolation_runtime_free(&rt);
		isolation_runtime_free(&rt); /* twice: freeing what is freed is safe */
	}
	table_done();
}

/*
 * Debian's 6.12 lists the CPUs isolated at boot (isolcpus=domain, sysfs
 * cpu/isolated) in the root's cpuset.cpus.isolated too: those are not
 * isolated at run time. Seen in the partition guest (tests/vm/partition.bats).
 */
static void test_runtime_beside_boot(void **state)
{
	static const struct {
		const char *what, *boot, *root_isolated;
		struct fake_cgroup cg[2];
		const char *isolated, *unnamed;
	} t[] = {
		{ "boot-isolated 3, no partition", "3\n", "3\n", { { 0 } }, "", "" },
		{ "boot-isolated 3, partition 2",
		  "3\n",
		  "2-3\n",
		  { { "quietcore.slice", "isolated\n", "2\n", "2\n" } },
		  "2",
		  "" },
		{ "no boot isolation: an unnamed CPU stays run-time",
		  "\n",
		  "2-3\n",
		  { { "quietcore.slice", "isolated\n", "2\n", "2\n" } },
		  "2-3",
		  "3" },
	};

	(void)state;
	put("sys/devices/virtual/workqueue/cpumask_isolated", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct isolation_runtime rt;
		struct path_cxt pc;
		char iso[64], un[64];
		int r;

		put("proc/self/mountinfo", MI_UNIFIED);
		put("proc/sys/kernel/osrelease", "6.12.118+deb12-cloud-amd64\n");
		put("sys/devices/system/cpu/isolated", t[i].boot);
		put_cgroup_tree("sys/fs/cgroup", "cpuset cpu io memory pids\n", t[i].root_isolated,
				t[i].cg, ARRAY_SIZE(t[i].cg));
		assert_int_equal(path_cxt_init(&pc, root), 0);
		r = isolation_runtime_read(&pc, &rt);
		fmt(&rt.isolated, iso, sizeof(iso));
		fmt(&rt.unnamed, un, sizeof(un));
		if (r != 0 || strcmp(iso, t[i].isolated) || strcmp(un, t[i].unnamed))
			case_fail("row %zu (%s): got %d isolated '%s' unnamed '%s'", i, t[i].what,
				  r, iso, un);
		isolation_runtime_free(&rt);
	}
	put("sys/devices/system/cpu/isolated", NULL);
	table_done();
}

/*
 * isol-alloc's pool: cpu/isolated and quietcore's own valid partitions (the
 * slice or early-pin's cgroupfs one), within the online CPUs 0-7 less 7.
 */
static void test_pool(void **state)
{
	static const struct {
		const char *what;
		const char *isolated;  /* cpu/isolated: text, "dir"; NULL absent */
		const char *mountinfo; /* NULL: no cgroup v2 */
		struct fake_cgroup cg[3];
		int ret;
		const char *failed; /* the file path_last() names, below the root */
		const char *pool;
	} t[] = {
		{ "boot only", "2-3\n", NULL, { { 0 } }, 0, NULL, "2-3" },
		{ "boot only, cgroup v2 without a partition",
		  "2-3\n",
		  MI_UNIFIED,
		  { { "system.slice", "member\n", "\n", "0-1\n" } },
		  0,
		  NULL,
		  "2-3" },
		{ "the slice only",
		  NULL,
		  MI_UNIFIED,
		  { { CGROUP_PARTITION_SLICE, "isolated\n", "4-5\n", "4-5\n" } },
		  0,
		  NULL,
		  "4-5" },
		{ "early-pin's cgroupfs partition only, its effective CPUs",
		  "\n",
		  MI_UNIFIED,
		  { { CGROUP_PARTITION_NAME, "isolated\n", "4-6\n", "4-5\n" } },
		  0,
		  NULL,
		  "4-5" },
		{ "both",
		  "2-3\n",
		  MI_UNIFIED,
		  { { CGROUP_PARTITION_SLICE, "isolated\n", "4-5\n", "4-5\n" },
		    { "system.slice", "member\n", "\n", "0-1\n" } },
		  0,
		  NULL,
		  "2-5" },
		{ "an invalid partition is not counted",
		  "2-3\n",
		  MI_UNIFIED,
		  { { CGROUP_PARTITION_SLICE,
		      "isolated invalid (Cpu list in cpuset.cpus not exclusive)\n", "4-5\n",
		      "0-1,4-5\n" } },
		  0,
		  NULL,
		  "2-3" },
		{ "someone else's partition is not counted",
		  "2-3\n",
		  MI_UNIFIED,
		  { { "dpdk.slice", "isolated\n", "4-5\n", "4-5\n" } },
		  0,
		  NULL,
		  "2-3" },
		{ "offline CPUs removed",
		  "3,7\n",
		  MI_UNIFIED,
		  { { CGROUP_PARTITION_SLICE, "isolated\n", "5-7\n", "5-7\n" } },
		  0,
		  NULL,
		  "3,5-6" },
		{ "cpu/isolated unreadable",
		  "dir",
		  MI_UNIFIED,
		  { { CGROUP_PARTITION_SLICE, "isolated\n", "4-5\n", "4-5\n" } },
		  -EISDIR,
		  "sys/devices/system/cpu/isolated",
		  "untouched" },
		{ "cpu/isolated malformed",
		  "2-x\n",
		  NULL,
		  { { 0 } },
		  -EINVAL,
		  "sys/devices/system/cpu/isolated",
		  "untouched" },
		{ "the partition's effective CPUs unreadable",
		  "2-3\n",
		  MI_UNIFIED,
		  { { CGROUP_PARTITION_SLICE, "isolated\n", "4-5\n", "dir" } },
		  -EISDIR,
		  "sys/fs/cgroup/" CGROUP_PARTITION_SLICE "/cpuset.cpus.effective",
		  "untouched" },
		{ "the partition's state unreadable",
		  "2-3\n",
		  MI_UNIFIED,
		  { { CGROUP_PARTITION_NAME, "dir", "4-5\n", "4-5\n" } },
		  -EISDIR,
		  "sys/fs/cgroup/" CGROUP_PARTITION_NAME "/cpuset.cpus.partition",
		  "untouched" },
	};
	cpuset_t online;

	(void)state;
	assert_int_equal(cpuset_parse_list("0-6", 0, &online), 0);
	put("sys/devices/virtual/workqueue/cpumask_isolated", NULL);
	put("proc/sys/kernel/osrelease", "6.1.0-13-amd64\n");
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct path_cxt pc;
		cpuset_t pool;
		char got[64] = "untouched", want[256];
		int r;

		put("sys/devices/system/cpu/isolated", t[i].isolated);
		put("proc/self/mountinfo", t[i].mountinfo ? t[i].mountinfo : MI_TMPFS MI_V1);
		put_cgroup_tree(t[i].mountinfo ? "sys/fs/cgroup" : NULL,
				"cpuset cpu io memory pids\n", NULL, t[i].cg, ARRAY_SIZE(t[i].cg));
		assert_int_equal(path_cxt_init(&pc, root), 0);
		cpuset_fill(&pool, 1);
		r = isolation_pool(&pc, &online, &pool);
		if (r == 0)
			fmt(&pool, got, sizeof(got));
		else if (!cpuset_test(&pool, 0) || cpuset_count(&pool) != 1)
			strcpy(got, "changed on failure");
		snprintf(want, sizeof(want), "%s/%s", root, t[i].failed ? t[i].failed : "");
		if (r != t[i].ret || strcmp(got, t[i].pool) ||
		    (t[i].failed && strcmp(path_last(&pc), want)))
			case_fail("row %zu (%s): got %d '%s' last %s", i, t[i].what, r, got,
				  path_last(&pc));
	}
	table_done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_housekeeping),
		cmocka_unit_test(test_read_cpus),
		cmocka_unit_test(test_read_isolated),
		cmocka_unit_test(test_boot_id),
		cmocka_unit_test(test_runtime),
		cmocka_unit_test(test_runtime_beside_boot),
		cmocka_unit_test(test_pool),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
