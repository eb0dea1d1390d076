// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/cgroup on fake cgroup trees, through the recording ops: what the probe
 * makes of 6.1, 6.12, hybrid and v1-only hosts (a table, as the kernel's
 * test_cpuset_prs.sh tabulates its states), every partition text of 6.1 and
 * 6.12, the exact write sequence of a partition made and undone, each way
 * it can fail (nothing left changed: the tree compared byte for byte), the
 * undo record through a state file, and the listings.
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

#include "cgroup.h"
#include "statefile.h"
#include "table.h"
#include "tmproot.h"

static char root[64];
static struct path_cxt pc;

static void put(const char *rel, const char *content)
{
	assert_int_equal(tmproot_put(root, rel, content), 0);
}

/* An empty root. */
static void reset(void)
{
	assert_int_equal(tmproot_remove(root), 0);
	assert_int_equal(mkdir(root, 0700), 0);
	assert_int_equal(path_cxt_init(&pc, root), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/test_cgroup.XXXXXX");
	assert_non_null(mkdtemp(root));
	umask(022);
	return 0;
}

static int teardown(void **state)
{
	char snaps[128];

	(void)state;
	snprintf(snaps, sizeof(snaps), "%s.snap", root);
	tmproot_remove(snaps);
	return tmproot_remove(root);
}

/* The content of rel below the root ("<absent>" if it cannot be read). */
static const char *content(const char *rel)
{
	static char buf[4096];
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (tmproot_slurp(path, buf, sizeof(buf)) < 0)
		snprintf(buf, sizeof(buf), "<absent>");
	return buf;
}

static bool exists(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return access(path, F_OK) == 0;
}

/*
 * Every directory and file of the tree with its content (the read-back
 * sidecars left out: they are used up), into the snapshot called name.
 */
static void snapshot(const char *name)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "mkdir -p '%s.snap' && cd '%s' && find . ! -name '*.readback' | LC_ALL=C sort | "
		 "while read -r f; do echo \"== $f\"; [ -f \"$f\" ] && cat \"$f\"; done "
		 ">'%s.snap/%s'",
		 root, root, root, name);
	assert_int_equal(system(cmd), 0);
}

/* The tree is what snapshot a recorded (the differences printed if not). */
static bool same_as(const char *a)
{
	char cmd[512];

	snapshot("now");
	snprintf(cmd, sizeof(cmd), "diff -u '%s.snap/%s' '%s.snap/now' >&2", root, a, root);
	return system(cmd) == 0;
}

/* The ops log from index from is exactly want (NULL-terminated). */
static bool log_is(const struct qc_ops *ops, size_t from, const char *const *want)
{
	char line[512];
	size_t n = 0;
	bool ok = true;

	while (want[n])
		n++;
	if (ops->nlog - from != n)
		ok = false;
	for (size_t i = 0; ok && i < n; i++) {
		ops_record_format(&ops->log[from + i], line, sizeof(line));
		ok = strcmp(line, want[i]) == 0;
	}
	if (!ok) {
		print_error("ops log from %zu:\n", from);
		for (size_t i = from; i < ops->nlog; i++) {
			ops_record_format(&ops->log[i], line, sizeof(line));
			print_error("  got  %s\n", line);
		}
		for (size_t i = 0; i < n; i++)
			print_error("  want %s\n", want[i]);
	}
	return ok;
}

static void last_ends_with(const char *suffix)
{
	const char *last = path_last(&pc);
	size_t n = strlen(last), s = strlen(suffix);

	if (n < s || strcmp(last + n - s, suffix) != 0)
		fail_msg("path_last() %s, want .../%s", last, suffix);
}

/* ---- names and texts ------------------------------------------------------------- */

static void test_names(void **state)
{
	static const struct {
		const char *name;
		bool ok;
	} names[] = {
		{ "quietcore-isolated", true },
		{ "quietcore-isolated.slice", true },
		{ "a", true },
		{ "x:y@z_1-2.3", true },
		{ "x123456789x123456789x123456789x123456789x123456789x123456789x123", true },
		{ "x123456789x123456789x123456789x123456789x123456789x123456789x1234", false },
		{ "", false },
		{ ".", false },
		{ "..", false },
		{ ".hidden", false },
		{ "a/b", false },
		{ "../x", false },
		{ "a b", false },
		{ "a\nb", false },
		{ "a\\x2db", false },
		{ "a$b", false },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (cgroup_name_valid(names[i].name) != names[i].ok)
			case_fail("'%s': %s", names[i].name, names[i].ok ? "refused" : "accepted");
	assert_false(cgroup_name_valid(NULL));
	table_done();

	assert_string_equal(cgroup_mount_path(CGROUP_MOUNT_UNIFIED), "/sys/fs/cgroup");
	assert_string_equal(cgroup_mount_path(CGROUP_MOUNT_HYBRID), "/sys/fs/cgroup/unified");
	assert_null(cgroup_mount_path(CGROUP_MOUNT_NONE));
	assert_null(cgroup_mount_word(CGROUP_MOUNT_NONE));
	for (int m = CGROUP_MOUNT_UNIFIED; m <= CGROUP_MOUNT_HYBRID; m++)
		assert_int_equal(cgroup_mount_from_word(cgroup_mount_word(m)), m);
	assert_int_equal(cgroup_mount_from_word("none"), CGROUP_MOUNT_NONE);
	assert_int_equal(cgroup_mount_from_word("Unified"), CGROUP_MOUNT_NONE);
	assert_int_equal(cgroup_mount_from_word(NULL), CGROUP_MOUNT_NONE);
	assert_string_equal(cgroup_ptype_str(CGROUP_P_MEMBER), "member");
	assert_string_equal(cgroup_ptype_str(CGROUP_P_ROOT), "root");
	assert_string_equal(cgroup_ptype_str(CGROUP_P_ISOLATED), "isolated");
}

/* Every text of 6.1's and 6.12's perr_strings[], and what is not a partition file. */
static void test_parse(void **state)
{
	static const struct {
		const char *text;
		int ret;
		enum cgroup_ptype type;
		enum cgroup_invalid why;
		const char *reason;
	} t[] = {
		{ "member\n", 0, CGROUP_P_MEMBER, CGROUP_VALID, "" },
		{ "member", 0, CGROUP_P_MEMBER, CGROUP_VALID, "" },
		{ "root\n", 0, CGROUP_P_ROOT, CGROUP_VALID, "" },
		{ "isolated\n", 0, CGROUP_P_ISOLATED, CGROUP_VALID, "" },
		/* invalid without a reason (prs_err 0) */
		{ "root invalid\n", 0, CGROUP_P_ROOT, CGROUP_INV_UNKNOWN, "" },
		{ "isolated invalid\n", 0, CGROUP_P_ISOLATED, CGROUP_INV_UNKNOWN, "" },
		/* 6.1 */
		{ "isolated invalid (Invalid cpu list in cpuset.cpus)\n", 0, CGROUP_P_ISOLATED,
		  CGROUP_INV_CPULIST, "Invalid cpu list in cpuset.cpus" },
		{ "isolated invalid (Parent is an invalid partition root)\n", 0, CGROUP_P_ISOLATED,
		  CGROUP_INV_PARENT_INVALID, "Parent is an invalid partition root" },
		{ "isolated invalid (Parent is not a partition root)\n", 0, CGROUP_P_ISOLATED,
		  CGROUP_INV_PARENT_NOT_ROOT, "Parent is not a partition root" },
		{ "isolated invalid (Cpu list in cpuset.cpus not exclusive)\n", 0,
		  CGROUP_P_ISOLATED, CGROUP_INV_NOT_EXCLUSIVE,
		  "Cpu list in cpuset.cpus not exclusive" },
		{ "isolated invalid (Parent unable to distribute cpu downstream)\n", 0,
		  CGROUP_P_ISOLATED, CGROUP_INV_NO_DISTRIBUTE,
		  "Parent unable to distribute cpu downstream" },
		{ "isolated invalid (No cpu available due to hotplug)\n", 0, CGROUP_P_ISOLATED,
		  CGROUP_INV_HOTPLUG, "No cpu available due to hotplug" },
		{ "isolated invalid (cpuset.cpus is empty)\n", 0, CGROUP_P_ISOLATED,
		  CGROUP_INV_EMPTY, "cpuset.cpus is empty" },
		{ "root invalid (Parent is not a partition root)\n", 0, CGROUP_P_ROOT,
		  CGROUP_INV_PARENT_NOT_ROOT, "Parent is not a partition root" },
		/* 6.12: two renamed, two new */
		{ "isolated invalid (Invalid cpu list in cpuset.cpus.exclusive)\n", 0,
		  CGROUP_P_ISOLATED, CGROUP_INV_CPULIST,
		  "Invalid cpu list in cpuset.cpus.exclusive" },
		{ "isolated invalid (cpuset.cpus and cpuset.cpus.exclusive are empty)\n", 0,
		  CGROUP_P_ISOLATED, CGROUP_INV_EMPTY,
		  "cpuset.cpus and cpuset.cpus.exclusive are empty" },
		{ "isolated invalid (partition config conflicts with housekeeping setup)\n", 0,
		  CGROUP_P_ISOLATED, CGROUP_INV_HOUSEKEEPING,
		  "partition config conflicts with housekeeping setup" },
		{ "isolated invalid (Enable partition not permitted)\n", 0, CGROUP_P_ISOLATED,
		  CGROUP_INV_NOT_PERMITTED, "Enable partition not permitted" },
		{ "root invalid (Parent unable to distribute cpu downstream)", 0, CGROUP_P_ROOT,
		  CGROUP_INV_NO_DISTRIBUTE, "Parent unable to distribute cpu downstream" },
		/* a text of a later kernel: kept verbatim */
		{ "isolated invalid (Have remote partition underneath)\n", 0, CGROUP_P_ISOLATED,
		  CGROUP_INV_UNKNOWN, "Have remote partition underneath" },
		{ "isolated invalid (Cpu list in cpuset.cpus not exclusive!)\n", 0,
		  CGROUP_P_ISOLATED, CGROUP_INV_UNKNOWN, "Cpu list in cpuset.cpus not exclusive!" },
		{ "isolated invalid (a (nested) text)\n", 0, CGROUP_P_ISOLATED, CGROUP_INV_UNKNOWN,
		  "a (nested) text" },
		/* not the file */
		{ .text = "", .ret = -EINVAL },
		{ .text = "\n", .ret = -EINVAL },
		{ .text = "Member\n", .ret = -EINVAL },
		{ .text = "member invalid\n", .ret = -EINVAL },
		{ .text = "member \n", .ret = -EINVAL },
		{ .text = "rootx\n", .ret = -EINVAL },
		{ .text = "isolatedx\n", .ret = -EINVAL },
		{ .text = "isolated\n\n", .ret = -EINVAL },
		{ .text = "isolated invalid ()\n", .ret = -EINVAL },
		{ .text = "isolated invalid (x\n", .ret = -EINVAL },
		{ .text = "isolated invalid x)\n", .ret = -EINVAL },
		{ .text = "isolated invalid(x)\n", .ret = -EINVAL },
		{ .text = "isolated  invalid (x)\n", .ret = -EINVAL },
		{ .text = "isolated invalid (x)\nroot\n", .ret = -EINVAL },
		{ .text = "isolated invalid (x) \n", .ret = -EINVAL },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct cgroup_partition st;
		int r;

		memset(&st, 0x5a, sizeof(st));
		r = cgroup_partition_parse(t[i].text, &st);
		if (r != t[i].ret)
			case_fail("row %zu '%s': %d, want %d", i, t[i].text, r, t[i].ret);
		else if (r == 0 && (st.type != t[i].type || st.invalid != t[i].why ||
				    strcmp(st.reason, t[i].reason) != 0))
			case_fail("row %zu '%s': type %d invalid %d reason '%s'", i, t[i].text,
				  st.type, st.invalid, st.reason);
	}
	table_done();
}

/* ---- probing --------------------------------------------------------------------- */

#define MI_ROOTFS "30 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"
#define MI_SYS "24 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
#define MI_UNIFIED                                                                                \
	MI_ROOTFS MI_SYS                                                                          \
		"29 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 " \
		"cgroup2 rw,nsdelegate,memory_recursiveprot\n"
#define MI_TMPFS \
	"25 24 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
#define MI_V1                                                                              \
	"27 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - " \
	"cgroup cgroup rw,xattr,name=systemd\n"                                            \
	"31 25 0:28 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:14 - "  \
	"cgroup cgroup rw,cpuset\n"
#define MI_HYBRID                                                                                \
	MI_ROOTFS MI_SYS MI_TMPFS                                                                \
		"26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 " \
		"- cgroup2 cgroup2 rw,nsdelegate\n" MI_V1
#define CTL_ALL "cpuset cpu io memory hugetlb pids rdma misc\n"

static void test_probe(void **state)
{
	static const struct {
		const char *what;
		const char *mountinfo; /* NULL: absent */
		const char *osrelease; /* NULL: absent */
		const char *dir;       /* where the hierarchy's files go; NULL: none */
		const char *controllers, *subtree;
		const char *extra[3]; /* files that exist besides */
		int ret;
		const char *last; /* path_last() for a failure */
		struct cgroup_fs want;
	} t[] = {
		{ "Debian 12, 6.1 unified, systemd without cpuset",
		  MI_UNIFIED,
		  "6.1.0-27-amd64\n",
		  "sys/fs/cgroup",
		  CTL_ALL,
		  "cpu io memory pids\n",
		  { "sys/fs/cgroup/system.slice/cgroup.procs" },
		  0,
		  NULL,
		  { .mount = CGROUP_MOUNT_UNIFIED,
		    .kver = { 6, 1, 0 },
		    .cpuset = true,
		    .isolated_type = true } },
		{ "6.12 unified, cpus.isolated and cpumask_isolated",
		  MI_UNIFIED,
		  "6.12.12+bpo-amd64\n",
		  "sys/fs/cgroup",
		  CTL_ALL,
		  "cpuset cpu io memory pids\n",
		  { "sys/fs/cgroup/cpuset.cpus.isolated",
		    "sys/devices/virtual/workqueue/cpumask_isolated" },
		  0,
		  NULL,
		  { .mount = CGROUP_MOUNT_UNIFIED,
		    .kver = { 6, 12, 12 },
		    .cpuset = true,
		    .cpuset_enabled = true,
		    .isolated_type = true,
		    .exclusive = true,
		    .root_isolated = true,
		    .wq_excludes = true } },
		{ "6.12 whose tree lacks the files: the files decide",
		  MI_UNIFIED,
		  "6.12.12+bpo-amd64\n",
		  "sys/fs/cgroup",
		  CTL_ALL,
		  "cpuset\n",
		  { NULL },
		  0,
		  NULL,
		  { .mount = CGROUP_MOUNT_UNIFIED,
		    .kver = { 6, 12, 12 },
		    .cpuset = true,
		    .cpuset_enabled = true,
		    .isolated_type = true,
		    .exclusive = true } },
		{ "6.1 with exclusive backported (a child's cpuset.cpus.exclusive)",
		  MI_UNIFIED,
		  "6.1.0-27-amd64\n",
		  "sys/fs/cgroup",
		  CTL_ALL,
		  "cpuset\n",
		  { "sys/fs/cgroup/system.slice/cpuset.cpus.exclusive" },
		  0,
		  NULL,
		  { .mount = CGROUP_MOUNT_UNIFIED,
		    .kver = { 6, 1, 0 },
		    .cpuset = true,
		    .cpuset_enabled = true,
		    .isolated_type = true,
		    .exclusive = true } },
		{ "6.19: timer migration",
		  MI_UNIFIED,
		  "6.19.0\n",
		  "sys/fs/cgroup",
		  CTL_ALL,
		  "\n",
		  { NULL },
		  0,
		  NULL,
		  { .mount = CGROUP_MOUNT_UNIFIED,
		    .kver = { 6, 19, 0 },
		    .cpuset = true,
		    .isolated_type = true,
		    .exclusive = true,
		    .timer_migration = true } },
		{ "7.0-rc1: HK_TYPE_DOMAIN follows",
		  MI_UNIFIED,
		  "7.0.0-rc1\n",
		  "sys/fs/cgroup",
		  CTL_ALL,
		  "\n",
		  { NULL },
		  0,
		  NULL,
		  { .mount = CGROUP_MOUNT_UNIFIED,
		    .kver = { 7, 0, 0 },
		    .cpuset = true,
		    .isolated_type = true,
		    .exclusive = true,
		    .timer_migration = true,
		    .domain_follows = true } },
		{ "5.10: partitions, but no isolated type",
		  MI_UNIFIED,
		  "5.10.0-33-amd64\n",
		  "sys/fs/cgroup",
		  CTL_ALL,
		  "\n",
		  { NULL },
		  0,
		  NULL,
		  { .mount = CGROUP_MOUNT_UNIFIED, .kver = { 5, 10, 0 }, .cpuset = true } },
		{ "hybrid (this development machine): cpuset bound to v1",
		  MI_HYBRID,
		  "6.1.0-27-amd64\n",
		  "sys/fs/cgroup/unified",
		  "\n",
		  "\n",
		  { NULL },
		  -EOPNOTSUPP,
		  "sys/fs/cgroup/unified/cgroup.controllers",
		  { .mount = CGROUP_MOUNT_HYBRID, .kver = { 6, 1, 0 } } },
		{ "hybrid with cpuset on v2",
		  MI_HYBRID,
		  "6.1.0-27-amd64\n",
		  "sys/fs/cgroup/unified",
		  "cpuset\n",
		  "\n",
		  { NULL },
		  0,
		  NULL,
		  { .mount = CGROUP_MOUNT_HYBRID,
		    .kver = { 6, 1, 0 },
		    .cpuset = true,
		    .isolated_type = true } },
		{ "cgroup v1 only",
		  MI_ROOTFS MI_SYS MI_TMPFS MI_V1,
		  "6.1.0-27-amd64\n",
		  NULL,
		  NULL,
		  NULL,
		  { NULL },
		  -ENOENT,
		  "proc/self/mountinfo",
		  { .mount = CGROUP_MOUNT_NONE, .kver = { 6, 1, 0 } } },
		{ "cgroup2 mounted elsewhere only",
		  MI_ROOTFS "40 30 0:40 / /mnt/cg rw - cgroup2 cgroup2 rw\n",
		  "6.1.0-27-amd64\n",
		  NULL,
		  NULL,
		  NULL,
		  { NULL },
		  -ENOENT,
		  "proc/self/mountinfo",
		  { .mount = CGROUP_MOUNT_NONE, .kver = { 6, 1, 0 } } },
		{ "cgroup2 covered by a later tmpfs",
		  MI_UNIFIED MI_TMPFS,
		  "6.1.0-27-amd64\n",
		  "sys/fs/cgroup",
		  CTL_ALL,
		  "\n",
		  { NULL },
		  -ENOENT,
		  "proc/self/mountinfo",
		  { .mount = CGROUP_MOUNT_NONE, .kver = { 6, 1, 0 } } },
		{ "v2 without cpuset (not built)",
		  MI_UNIFIED,
		  "6.12.12+bpo-amd64\n",
		  "sys/fs/cgroup",
		  "cpu io memory pids\n",
		  "cpu memory\n",
		  { NULL },
		  -EOPNOTSUPP,
		  "sys/fs/cgroup/cgroup.controllers",
		  { .mount = CGROUP_MOUNT_UNIFIED, .kver = { 6, 12, 12 } } },
		{ "no osrelease: the files alone",
		  MI_UNIFIED,
		  NULL,
		  "sys/fs/cgroup",
		  CTL_ALL,
		  "\n",
		  { NULL },
		  0,
		  NULL,
		  { .mount = CGROUP_MOUNT_UNIFIED, .cpuset = true } },
		{ "no osrelease, the root's cpuset.cpus.isolated",
		  MI_UNIFIED,
		  NULL,
		  "sys/fs/cgroup",
		  CTL_ALL,
		  "\n",
		  { "sys/fs/cgroup/cpuset.cpus.isolated" },
		  0,
		  NULL,
		  { .mount = CGROUP_MOUNT_UNIFIED,
		    .cpuset = true,
		    .isolated_type = true,
		    .root_isolated = true } },
		{ "a captured tree: no mountinfo",
		  NULL,
		  "6.1.0-27-amd64\n",
		  "sys/fs/cgroup",
		  CTL_ALL,
		  "\n",
		  { NULL },
		  0,
		  NULL,
		  { .mount = CGROUP_MOUNT_UNIFIED,
		    .kver = { 6, 1, 0 },
		    .cpuset = true,
		    .isolated_type = true } },
		{ "a captured hybrid tree: no mountinfo",
		  NULL,
		  "6.1.0-27-amd64\n",
		  "sys/fs/cgroup/unified",
		  "\n",
		  "\n",
		  { NULL },
		  -EOPNOTSUPP,
		  "sys/fs/cgroup/unified/cgroup.controllers",
		  { .mount = CGROUP_MOUNT_HYBRID, .kver = { 6, 1, 0 } } },
		{ "no mountinfo, no hierarchy",
		  NULL,
		  "6.1.0-27-amd64\n",
		  NULL,
		  NULL,
		  NULL,
		  { NULL },
		  -ENOENT,
		  "proc/self/mountinfo",
		  { .mount = CGROUP_MOUNT_NONE, .kver = { 6, 1, 0 } } },
		{ "a malformed osrelease",
		  MI_UNIFIED,
		  "Linux\n",
		  "sys/fs/cgroup",
		  CTL_ALL,
		  "\n",
		  { NULL },
		  -EINVAL,
		  "proc/sys/kernel/osrelease",
		  { 0 } },
		{ "an osrelease without a minor",
		  MI_UNIFIED,
		  "6-custom\n",
		  "sys/fs/cgroup",
		  CTL_ALL,
		  "\n",
		  { NULL },
		  -EINVAL,
		  "proc/sys/kernel/osrelease",
		  { 0 } },
		{ "a malformed mountinfo",
		  "garbage\n",
		  "6.1.0\n",
		  "sys/fs/cgroup",
		  CTL_ALL,
		  "\n",
		  { NULL },
		  -EINVAL,
		  "proc/self/mountinfo",
		  { 0 } },
		{ "the controllers file missing",
		  MI_UNIFIED,
		  "6.1.0\n",
		  NULL,
		  NULL,
		  NULL,
		  { NULL },
		  -ENOENT,
		  "sys/fs/cgroup/cgroup.controllers",
		  { .mount = CGROUP_MOUNT_UNIFIED, .kver = { 6, 1, 0 } } },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct cgroup_fs fs;
		char rel[128];
		int r;

		reset();
		if (t[i].mountinfo)
			put("proc/self/mountinfo", t[i].mountinfo);
		if (t[i].osrelease)
			put("proc/sys/kernel/osrelease", t[i].osrelease);
		if (t[i].dir && t[i].controllers) {
			snprintf(rel, sizeof(rel), "%s/cgroup.controllers", t[i].dir);
			put(rel, t[i].controllers);
			snprintf(rel, sizeof(rel), "%s/cgroup.subtree_control", t[i].dir);
			put(rel, t[i].subtree);
		}
		for (size_t k = 0; k < ARRAY_SIZE(t[i].extra) && t[i].extra[k]; k++)
			put(t[i].extra[k], "");
		memset(&fs, 0x5a, sizeof(fs));
		r = cgroup_fs_probe(&pc, &fs);
		if (r != t[i].ret) {
			case_fail("%s: %d, want %d (%s)", t[i].what, r, t[i].ret, path_last(&pc));
			continue;
		}
		if (t[i].last) {
			char want[256];

			snprintf(want, sizeof(want), "%s/%s", root, t[i].last);
			if (strcmp(path_last(&pc), want) != 0)
				case_fail("%s: path_last() %s, want %s", t[i].what, path_last(&pc),
					  want);
		}
		if (r < 0 && r != -ENOENT && r != -EOPNOTSUPP)
			continue; /* *ret untouched */
		/* both as a whole: padding is zero in neither, so field by field */
		if (fs.mount != t[i].want.mount || fs.kver[0] != t[i].want.kver[0] ||
		    fs.kver[1] != t[i].want.kver[1] || fs.kver[2] != t[i].want.kver[2] ||
		    fs.cpuset != t[i].want.cpuset ||
		    fs.cpuset_enabled != t[i].want.cpuset_enabled ||
		    fs.isolated_type != t[i].want.isolated_type ||
		    fs.exclusive != t[i].want.exclusive ||
		    fs.root_isolated != t[i].want.root_isolated ||
		    fs.wq_excludes != t[i].want.wq_excludes ||
		    fs.timer_migration != t[i].want.timer_migration ||
		    fs.domain_follows != t[i].want.domain_follows)
			case_fail("%s: mount %d kver %u.%u.%u cpuset %d/%d isolated %d excl %d "
				  "root_isolated %d wq %d timer %d domain %d",
				  t[i].what, fs.mount, fs.kver[0], fs.kver[1], fs.kver[2],
				  fs.cpuset, fs.cpuset_enabled, fs.isolated_type, fs.exclusive,
				  fs.root_isolated, fs.wq_excludes, fs.timer_migration,
				  fs.domain_follows);
	}
	table_done();
}

/* ---- making, undoing ----------------------------------------------------------- */

#define CG "sys/fs/cgroup"
#define PART CG "/" CGROUP_PARTITION_NAME

/*
 * A systemd host on 6.12: the root cgroup with its slices and PID 1, cpuset
 * enabled in the root's subtree_control or not (systemd's default), the
 * unified layout or the hybrid one (then with cpuset on v2).
 */
static void tree(bool cpuset_on, bool hybrid)
{
	static const char *const slices[] = { "init.scope", "system.slice", "user.slice" };
	const char *d = hybrid ? CG "/unified" : CG;
	char rel[256];

	reset();
	put("proc/sys/kernel/osrelease", "6.12.12+bpo-amd64\n");
	put("proc/self/mountinfo", hybrid ? MI_HYBRID : MI_UNIFIED);
#define PUT(file, text)                                       \
	do {                                                  \
		snprintf(rel, sizeof(rel), "%s/%s", d, file); \
		put(rel, text);                               \
	} while (0)
	PUT("cgroup.controllers", hybrid ? "cpuset\n" : CTL_ALL);
	PUT("cgroup.subtree_control", cpuset_on ? "cpuset cpu io memory pids\n" :
				      hybrid	? "\n" :
						  "cpu io memory pids\n");
	PUT("cgroup.procs", "1\n4242\n");
	PUT("cpuset.cpus.effective", "0-7\n");
	PUT("cpuset.mems.effective", "0\n");
	PUT("cpuset.cpus.isolated", "\n");
	for (size_t i = 0; i < ARRAY_SIZE(slices); i++) {
		char f[64];

		snprintf(f, sizeof(f), "%s/cgroup.procs", slices[i]);
		PUT(f, "");
		if (!cpuset_on)
			continue;
		snprintf(f, sizeof(f), "%s/cpuset.cpus", slices[i]);
		PUT(f, "\n");
		snprintf(f, sizeof(f), "%s/cpuset.cpus.partition", slices[i]);
		PUT(f, "member\n");
		snprintf(f, sizeof(f), "%s/cpuset.cpus.effective", slices[i]);
		PUT(f, "0-7\n");
	}
#undef PUT
	put("proc/4242/cgroup", "0::/\n");
}

static void probe(struct cgroup_fs *fs)
{
	assert_int_equal(cgroup_fs_probe(&pc, fs), 0);
}

static void cpus_of(const char *list, cpuset_t *set)
{
	assert_int_equal(cpuset_parse_list(list, 0, set), 0);
}

static void undo_is(const struct cgroup_undo *u, bool cpuset, bool dir, const char *cpus,
		    const char *partition)
{
	if (u->enabled_cpuset != cpuset || u->made_dir != dir || u->wrote_cpus != !!cpus ||
	    u->wrote_partition != !!partition || (cpus && strcmp(u->old_cpus, cpus) != 0) ||
	    (partition && strcmp(u->old_partition, partition) != 0))
		fail_msg("undo: cpuset %d dir %d cpus %d '%s' partition %d '%s'", u->enabled_cpuset,
			 u->made_dir, u->wrote_cpus, u->old_cpus, u->wrote_partition,
			 u->old_partition);
}

/* The exact sequence of a partition made, and of its undo, on three hosts. */
static void test_create_sequence(void **state)
{
	static const struct {
		bool cpuset_on, hybrid;
		const char *made[6], *undone[6];
	} t[] = {
		{ false,
		  false,
		  { "write /sys/fs/cgroup/cgroup.subtree_control +cpuset = 0",
		    "mkdir /sys/fs/cgroup/quietcore-isolated = 0",
		    "write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus 2-3,6 = 0",
		    "write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus.partition isolated = 0" },
		  { "write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus.partition member = 0",
		    "write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus \n = 0",
		    "rmdir /sys/fs/cgroup/quietcore-isolated = 0",
		    "write /sys/fs/cgroup/cgroup.subtree_control -cpuset = 0" } },
		{ true,
		  false,
		  { "mkdir /sys/fs/cgroup/quietcore-isolated = 0",
		    "write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus 2-3,6 = 0",
		    "write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus.partition isolated = 0" },
		  { "write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus.partition member = 0",
		    "write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus \n = 0",
		    "rmdir /sys/fs/cgroup/quietcore-isolated = 0" } },
		{ false,
		  true,
		  { "write /sys/fs/cgroup/unified/cgroup.subtree_control +cpuset = 0",
		    "mkdir /sys/fs/cgroup/unified/quietcore-isolated = 0",
		    "write /sys/fs/cgroup/unified/quietcore-isolated/cpuset.cpus 2-3,6 = 0",
		    "write /sys/fs/cgroup/unified/quietcore-isolated/cpuset.cpus.partition isolated = 0" },
		  { "write /sys/fs/cgroup/unified/quietcore-isolated/cpuset.cpus.partition member = 0",
		    "write /sys/fs/cgroup/unified/quietcore-isolated/cpuset.cpus \n = 0",
		    "rmdir /sys/fs/cgroup/unified/quietcore-isolated = 0",
		    "write /sys/fs/cgroup/unified/cgroup.subtree_control -cpuset = 0" } },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		const char *d = t[i].hybrid ? CG "/unified/" : CG "/";
		struct cgroup_partition st;
		struct cgroup_undo u;
		struct cgroup_fs fs;
		struct qc_ops ops;
		char rel[128];
		cpuset_t cpus;
		size_t n;

		tree(t[i].cpuset_on, t[i].hybrid);
		snapshot("before");
		probe(&fs);
		ops_init_recording(&ops, &pc);
		cpus_of("6,2-3", &cpus);
		assert_int_equal(cgroup_partition_create(&ops, &fs, CGROUP_PARTITION_NAME, &cpus,
							 &u, &st),
				 0);
		assert_true(log_is(&ops, 0, t[i].made));
		assert_int_equal(st.type, CGROUP_P_ISOLATED);
		assert_int_equal(st.invalid, CGROUP_VALID);
		assert_int_equal(u.mount, fs.mount);
		assert_string_equal(u.name, CGROUP_PARTITION_NAME);
		undo_is(&u, !t[i].cpuset_on, true, "", "member");
		snprintf(rel, sizeof(rel), "%squietcore-isolated/cpuset.cpus", d);
		assert_string_equal(content(rel), "2-3,6\n");
		snprintf(rel, sizeof(rel), "%scgroup.subtree_control", d);
		assert_non_null(strstr(content(rel), "cpuset"));

		n = ops.nlog;
		assert_int_equal(cgroup_partition_undo(&ops, &u), 0);
		assert_true(log_is(&ops, n, t[i].undone));
		assert_true(same_as("before"));
		/* again: nothing left to do, nothing written */
		n = ops.nlog;
		assert_int_equal(cgroup_partition_undo(&ops, &u), 0);
		assert_int_equal(ops.nlog, n);
		ops_done(&ops);
	}
}

/* The kernel says the result is invalid: undone, the reason told, path_last() the file. */
static void test_invalid_readback(void **state)
{
	static const char *const want[] = {
		"write /sys/fs/cgroup/cgroup.subtree_control +cpuset = 0",
		"mkdir /sys/fs/cgroup/quietcore-isolated = 0",
		"write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus 0-7 = 0",
		"write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus.partition isolated = 0",
		"write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus.partition member = 0",
		"write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus \n = 0",
		"rmdir /sys/fs/cgroup/quietcore-isolated = 0",
		"write /sys/fs/cgroup/cgroup.subtree_control -cpuset = 0",
		NULL,
	};
	struct cgroup_partition st;
	struct cgroup_undo u;
	struct cgroup_fs fs;
	struct qc_ops ops;
	cpuset_t cpus;

	(void)state;
	tree(false, false);
	put(PART ".mkdir.cpuset.cpus.partition.readback",
	    "isolated invalid (Parent unable to distribute cpu downstream)\n");
	snapshot("before");
	probe(&fs);
	ops_init_recording(&ops, &pc);
	cpus_of("0-7", &cpus); /* every CPU: the root would keep none */
	assert_int_equal(cgroup_partition_create(&ops, &fs, CGROUP_PARTITION_NAME, &cpus, &u, &st),
			 -EINVAL);
	assert_int_equal(st.type, CGROUP_P_ISOLATED);
	assert_int_equal(st.invalid, CGROUP_INV_NO_DISTRIBUTE);
	assert_string_equal(st.reason, "Parent unable to distribute cpu downstream");
	last_ends_with(PART "/cpuset.cpus.partition");
	assert_true(log_is(&ops, 0, want));
	undo_is(&u, false, false, NULL, NULL); /* all undone */
	assert_true(same_as("before"));
	ops_done(&ops);
}

/* CPUs a sibling holds: -EBUSY naming its file, nothing written. */
static void test_siblings(void **state)
{
	static const struct {
		const char *file, *text, *cpus;
		int ret;
		const char *last;
	} t[] = {
		{ CG "/system.slice/cpuset.cpus", "0-3\n", "2-3", -EBUSY,
		  CG "/system.slice/cpuset.cpus" },
		{ CG "/user.slice/cpuset.cpus", "3\n", "2-3", -EBUSY,
		  CG "/user.slice/cpuset.cpus" },
		{ CG "/other/cpuset.cpus.exclusive", "3\n", "2-3", -EBUSY,
		  CG "/other/cpuset.cpus.exclusive" },
		/* systemd's slices as they are by default: empty, never in the way */
		{ CG "/system.slice/cpuset.cpus", "\n", "2-3", 0, NULL },
		{ CG "/system.slice/cpuset.cpus", "4-7\n", "2-3", 0, NULL },
		{ CG "/other/cpuset.cpus.exclusive", "\n", "2-3", 0, NULL },
		{ CG "/system.slice/cpuset.cpus", "0-1,bad\n", "2-3", -EINVAL,
		  CG "/system.slice/cpuset.cpus" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct cgroup_partition st;
		struct cgroup_undo u;
		struct cgroup_fs fs;
		struct qc_ops ops;
		cpuset_t cpus;
		int r;

		tree(true, false);
		put(t[i].file, t[i].text);
		snapshot("before");
		probe(&fs);
		ops_init_recording(&ops, &pc);
		cpus_of(t[i].cpus, &cpus);
		r = cgroup_partition_create(&ops, &fs, CGROUP_PARTITION_NAME, &cpus, &u, &st);
		if (r != t[i].ret) {
			case_fail("%s '%s': %d, want %d", t[i].file, t[i].text, r, t[i].ret);
		} else if (r < 0) {
			char want[256];

			snprintf(want, sizeof(want), "%s/%s", root, t[i].last);
			if (strcmp(path_last(&pc), want) != 0)
				case_fail("%s: path_last() %s", t[i].file, path_last(&pc));
			if (ops.nlog != 0)
				case_fail("%s: %zu writes", t[i].file, ops.nlog);
			if (!same_as("before"))
				case_fail("%s: the tree changed", t[i].file);
		} else if (cgroup_partition_undo(&ops, &u) != 0 || !same_as("before")) {
			case_fail("%s: not undone", t[i].file);
		}
		ops_done(&ops);
	}
	table_done();
}

/* A cgroup of that name exists: -EEXIST naming it, nothing written. */
static void test_exists(void **state)
{
	struct cgroup_partition st;
	struct cgroup_undo u;
	struct cgroup_fs fs;
	struct qc_ops ops;
	cpuset_t cpus;
	char want[256];

	(void)state;
	tree(true, false);
	put(PART "/cgroup.procs", "");
	probe(&fs);
	ops_init_recording(&ops, &pc);
	cpus_of("2-3", &cpus);
	assert_int_equal(cgroup_partition_create(&ops, &fs, CGROUP_PARTITION_NAME, &cpus, &u, &st),
			 -EEXIST);
	snprintf(want, sizeof(want), "%s/" PART, root);
	assert_string_equal(path_last(&pc), want);
	assert_int_equal(ops.nlog, 0);
	undo_is(&u, false, false, NULL, NULL);
	/* and what is refused before anything is looked at */
	assert_int_equal(cgroup_partition_create(&ops, &fs, "../etc", &cpus, &u, &st), -EINVAL);
	cpuset_zero(&cpus);
	assert_int_equal(cgroup_partition_create(&ops, &fs, "p", &cpus, &u, &st), -EINVAL);
	fs.isolated_type = false;
	cpus_of("2-3", &cpus);
	assert_int_equal(cgroup_partition_create(&ops, &fs, "p", &cpus, &u, &st), -EOPNOTSUPP);
	fs.mount = CGROUP_MOUNT_NONE;
	assert_int_equal(cgroup_partition_create(&ops, &fs, "p", &cpus, &u, &st), -ENOENT);
	assert_int_equal(ops.nlog, 0);
	ops_done(&ops);
}

/* A step fails: the error names its file, what was done is undone, the tree is as it was. */
static void test_failures(void **state)
{
	static const struct {
		const char *what, *sidecar, *text;
		int ret;
		const char *last;
		const char *log[9];
	} t[] = {
		{ "a read-only cgroupfs",
		  CG "/cgroup.subtree_control.errno",
		  "EROFS\n",
		  -EROFS,
		  CG "/cgroup.subtree_control",
		  { "write /sys/fs/cgroup/cgroup.subtree_control +cpuset = -30" } },
		{ "mkdir refused",
		  PART ".errno",
		  "ENOSPC\n",
		  -ENOSPC,
		  PART,
		  { "write /sys/fs/cgroup/cgroup.subtree_control +cpuset = 0",
		    "mkdir /sys/fs/cgroup/quietcore-isolated = -28",
		    "write /sys/fs/cgroup/cgroup.subtree_control -cpuset = 0" } },
		{ "CPUs not online",
		  PART ".mkdir.cpuset.cpus.errno",
		  "EINVAL\n",
		  -EINVAL,
		  PART "/cpuset.cpus",
		  { "write /sys/fs/cgroup/cgroup.subtree_control +cpuset = 0",
		    "mkdir /sys/fs/cgroup/quietcore-isolated = 0",
		    "write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus 2-3 = -22",
		    "rmdir /sys/fs/cgroup/quietcore-isolated = 0",
		    "write /sys/fs/cgroup/cgroup.subtree_control -cpuset = 0" } },
		{ "the partition file refused",
		  PART ".mkdir.cpuset.cpus.partition.errno",
		  "EACCES\n",
		  -EACCES,
		  PART "/cpuset.cpus.partition",
		  { "write /sys/fs/cgroup/cgroup.subtree_control +cpuset = 0",
		    "mkdir /sys/fs/cgroup/quietcore-isolated = 0",
		    "write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus 2-3 = 0",
		    "write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus.partition isolated = -13",
		    "write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus \n = 0",
		    "rmdir /sys/fs/cgroup/quietcore-isolated = 0",
		    "write /sys/fs/cgroup/cgroup.subtree_control -cpuset = 0" } },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct cgroup_partition st;
		struct cgroup_undo u;
		struct cgroup_fs fs;
		struct qc_ops ops;
		cpuset_t cpus;
		char want[256];
		int r;

		tree(false, false);
		put(t[i].sidecar, t[i].text);
		snapshot("before");
		probe(&fs);
		ops_init_recording(&ops, &pc);
		cpus_of("2-3", &cpus);
		r = cgroup_partition_create(&ops, &fs, CGROUP_PARTITION_NAME, &cpus, &u, &st);
		snprintf(want, sizeof(want), "%s/%s", root, t[i].last);
		if (r != t[i].ret)
			case_fail("%s: %d, want %d", t[i].what, r, t[i].ret);
		else if (strcmp(path_last(&pc), want) != 0)
			case_fail("%s: path_last() %s", t[i].what, path_last(&pc));
		else if (!log_is(&ops, 0, t[i].log))
			case_fail("%s: the sequence above", t[i].what);
		else if (u.enabled_cpuset || u.made_dir || u.wrote_cpus || u.wrote_partition)
			case_fail("%s: the undo record keeps something", t[i].what);
		else if (!same_as("before"))
			case_fail("%s: the tree changed", t[i].what);
		ops_done(&ops);
	}
	table_done();
}

/* What could not be undone stays in the undo record, and the first failure is returned. */
static void test_failure_not_undone(void **state)
{
	static const char *const want[] = {
		"write /sys/fs/cgroup/cgroup.subtree_control +cpuset = 0",
		"mkdir /sys/fs/cgroup/quietcore-isolated = 0",
		"write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus 2-3 = -22",
		"write /sys/fs/cgroup/cgroup.procs 4243 = -3", /* gone: ESRCH */
		"rmdir /sys/fs/cgroup/quietcore-isolated = -16",
		"write /sys/fs/cgroup/cgroup.subtree_control -cpuset = 0",
		NULL,
	};
	struct cgroup_partition st;
	struct cgroup_undo u;
	struct cgroup_fs fs;
	struct qc_ops ops;
	cpuset_t cpus;

	(void)state;
	tree(false, false);
	put(PART ".mkdir.cpuset.cpus.errno", "EINVAL\n");
	/* a task the cgroup cannot lose (its /proc entry is gone, cgroup.procs still lists it) */
	put(PART ".mkdir.cgroup.procs", "4243\n");
	probe(&fs);
	ops_init_recording(&ops, &pc);
	cpus_of("2-3", &cpus);
	assert_int_equal(cgroup_partition_create(&ops, &fs, CGROUP_PARTITION_NAME, &cpus, &u, &st),
			 -EINVAL);
	last_ends_with(PART "/cpuset.cpus");
	assert_true(log_is(&ops, 0, want));
	undo_is(&u, false, true, NULL, NULL);
	assert_true(exists(PART));
	ops_done(&ops);
}

/* systemd made the slice: only cpuset.cpus.partition is written, and written back. */
static void test_set(void **state)
{
	static const struct {
		const char *what, *partition, *readback, *sibling;
		int ret;
		const char *last;
		enum cgroup_invalid why;
		const char *log[3];
	} t[] = {
		{ "a slice with AllowedCPUs=2-3",
		  "member\n",
		  NULL,
		  NULL,
		  0,
		  NULL,
		  CGROUP_VALID,
		  { "write /sys/fs/cgroup/quietcore.slice/cpuset.cpus.partition isolated = 0" } },
		{ "the kernel refuses it (6.12: isolcpus= at boot)",
		  "member\n",
		  "isolated invalid (partition config conflicts with housekeeping setup)\n",
		  NULL,
		  -EINVAL,
		  CG "/quietcore.slice/cpuset.cpus.partition",
		  CGROUP_INV_HOUSEKEEPING,
		  { "write /sys/fs/cgroup/quietcore.slice/cpuset.cpus.partition isolated = 0",
		    "write /sys/fs/cgroup/quietcore.slice/cpuset.cpus.partition member = 0" } },
		{ "a slice that is a root partition already",
		  "root\n",
		  NULL,
		  NULL,
		  0,
		  NULL,
		  CGROUP_VALID,
		  { "write /sys/fs/cgroup/quietcore.slice/cpuset.cpus.partition isolated = 0" } },
		{ "a slice the kernel says is invalid already",
		  "root invalid (Parent is not a partition root)\n",
		  NULL,
		  NULL,
		  -EINVAL,
		  CG "/quietcore.slice/cpuset.cpus.partition",
		  CGROUP_INV_PARENT_NOT_ROOT,
		  { NULL } },
		{ "AllowedCPUs= of another slice",
		  "member\n",
		  NULL,
		  CG "/system.slice/cpuset.cpus",
		  -EBUSY,
		  CG "/system.slice/cpuset.cpus",
		  CGROUP_VALID,
		  { NULL } },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct cgroup_partition st = { 0 };
		struct cgroup_undo u;
		struct cgroup_fs fs;
		struct qc_ops ops;
		char want[256];
		size_t n;
		int r;

		tree(true, false);
		put(CG "/quietcore.slice/cgroup.procs", "");
		put(CG "/quietcore.slice/cpuset.cpus", "2-3\n");
		put(CG "/quietcore.slice/cpuset.cpus.effective", "2-3\n");
		put(CG "/quietcore.slice/cpuset.cpus.partition", t[i].partition);
		if (t[i].readback)
			put(CG "/quietcore.slice/cpuset.cpus.partition.readback", t[i].readback);
		if (t[i].sibling)
			put(t[i].sibling, "3\n");
		snapshot("before");
		probe(&fs);
		ops_init_recording(&ops, &pc);
		r = cgroup_partition_set(&ops, &fs, CGROUP_PARTITION_SLICE, &u, &st);
		snprintf(want, sizeof(want), "%s/%s", root, t[i].last ? t[i].last : "");
		if (r != t[i].ret) {
			case_fail("%s: %d, want %d", t[i].what, r, t[i].ret);
		} else if (!log_is(&ops, 0, t[i].log)) {
			case_fail("%s: the sequence above", t[i].what);
		} else if (r < 0) {
			if (strcmp(path_last(&pc), want) != 0)
				case_fail("%s: path_last() %s", t[i].what, path_last(&pc));
			if (r == -EINVAL && st.invalid != t[i].why)
				case_fail("%s: invalid %d", t[i].what, st.invalid);
			if (u.wrote_partition || u.made_dir || u.wrote_cpus || u.enabled_cpuset)
				case_fail("%s: the undo record keeps something", t[i].what);
			if (!same_as("before"))
				case_fail("%s: the tree changed", t[i].what);
		} else {
			if (st.type != CGROUP_P_ISOLATED || st.invalid)
				case_fail("%s: state %d/%d", t[i].what, st.type, st.invalid);
			if (!u.wrote_partition || u.made_dir || u.wrote_cpus || u.enabled_cpuset ||
			    strncmp(u.old_partition, t[i].partition, strlen(u.old_partition)) != 0)
				case_fail("%s: undo record partition %d '%s'", t[i].what,
					  u.wrote_partition, u.old_partition);
			n = ops.nlog;
			if (cgroup_partition_undo(&ops, &u) != 0 || ops.nlog != n + 1 ||
			    !same_as("before"))
				case_fail("%s: not undone", t[i].what);
		}
		ops_done(&ops);
	}
	table_done();
}

static void test_set_absent(void **state)
{
	struct cgroup_partition st;
	struct cgroup_undo u;
	struct cgroup_fs fs;
	struct qc_ops ops;

	(void)state;
	tree(true, false);
	probe(&fs);
	ops_init_recording(&ops, &pc);
	assert_int_equal(cgroup_partition_set(&ops, &fs, CGROUP_PARTITION_SLICE, &u, &st), -ENOENT);
	last_ends_with(CG "/" CGROUP_PARTITION_SLICE);
	assert_int_equal(ops.nlog, 0);
	ops_done(&ops);
}

/*
 * --save then --restore: the undo record through a state file, a task the
 * run left in the partition moved back to the root first, the tree byte for
 * byte as before.
 */
static void test_undo_statefile(void **state)
{
	static const char *const want[] = {
		"write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus.partition member = 0",
		"write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus \n = 0",
		"write /sys/fs/cgroup/cgroup.procs 4242 = 0",
		"rmdir /sys/fs/cgroup/quietcore-isolated = 0",
		"write /sys/fs/cgroup/cgroup.subtree_control -cpuset = 0",
		NULL,
	};
	struct statefile sf = { 0 }, back;
	struct statefile_rec unit = { .kind = SF_UNIT, .name = "run-q1.scope" };
	struct cgroup_partition st;
	struct cgroup_undo u, u2;
	struct cgroup_fs fs;
	struct qc_ops ops;
	struct path_cxt host;
	char file[128];
	unsigned int line = 0;
	cpuset_t cpus;
	size_t n;

	(void)state;
	tree(false, false);
	snapshot("before");
	probe(&fs);
	ops_init_recording(&ops, &pc);
	cpus_of("1-2", &cpus);
	assert_int_equal(cgroup_partition_create(&ops, &fs, CGROUP_PARTITION_NAME, &cpus, &u, &st),
			 0);
	/* run --partition: the command goes in */
	assert_int_equal(ops.file_write(&ops, "/" PART "/cgroup.procs", "4242"), 0);
	assert_string_equal(content(PART "/cgroup.procs"), "4242\n");
	assert_string_equal(content("proc/4242/cgroup"), "0::/" CGROUP_PARTITION_NAME "\n");

	strcpy(sf.boot_id, "b");
	strcpy(sf.root, "/");
	strcpy(sf.housekeeping, "0");
	sf.nbits = 8;
	assert_int_equal(statefile_add(&sf, &unit), 0);
	assert_int_equal(statefile_add_cgroup_undo(&sf, &u), 0);
	assert_int_equal(sf.n, 5);
	snprintf(file, sizeof(file), "%s.snap/state", root); /* a directory only we can write */
	unlink(file);
	assert_int_equal(path_cxt_init(&host, NULL), 0);
	assert_int_equal(statefile_write(&host, &sf, file, false), 0);
	assert_int_equal(statefile_read(&host, file, &back, &line, NULL), 0);
	unlink(file);
	memset(&u2, 0x5a, sizeof(u2));
	assert_int_equal(statefile_cgroup_undo(&back, &u2), 1);
	assert_int_equal(u2.mount, u.mount);
	assert_string_equal(u2.name, u.name);
	undo_is(&u2, true, true, "", "member");

	n = ops.nlog;
	assert_int_equal(cgroup_partition_undo(&ops, &u2), 0);
	assert_true(log_is(&ops, n, want));
	assert_true(same_as("before"));
	statefile_free(&back);
	statefile_free(&sf);
	ops_done(&ops);
}

/*
 * An undo re-reads before it writes: values already back are not written, a
 * record of steps that never happened (a cgroup that is not there, cpuset
 * not enabled) writes nothing.
 */
static void test_undo_rereads(void **state)
{
	static const char *const want[] = {
		"write /sys/fs/cgroup/q.slice/cpuset.cpus.partition member = 0",
		"write /sys/fs/cgroup/q.slice/cpuset.cpus 2-3 = 0",
		NULL,
	};
	struct cgroup_undo u = {
		.mount = CGROUP_MOUNT_UNIFIED,
		.name = "q.slice",
		.wrote_cpus = true,
		.old_cpus = "2-3",
		.wrote_partition = true,
		.old_partition = "member",
	};
	struct cgroup_undo never = {
		.mount = CGROUP_MOUNT_UNIFIED,
		.name = CGROUP_PARTITION_NAME,
		.enabled_cpuset = true,
		.made_dir = true,
		.wrote_cpus = true,
		.wrote_partition = true,
		.old_partition = "member",
	};
	struct qc_ops ops;

	(void)state;
	tree(false, false);
	put(CG "/q.slice/cpuset.cpus", "2-3\n");
	put(CG "/q.slice/cpuset.cpus.partition", "member\n");
	ops_init_recording(&ops, &pc);
	assert_int_equal(cgroup_partition_undo(&ops, &u), 0);
	assert_int_equal(ops.nlog, 0);
	assert_int_equal(cgroup_partition_undo(&ops, &never), 0);
	assert_int_equal(ops.nlog, 0);
	put(CG "/q.slice/cpuset.cpus", "0-1\n");
	put(CG "/q.slice/cpuset.cpus.partition", "isolated invalid (cpuset.cpus is empty)\n");
	assert_int_equal(cgroup_partition_undo(&ops, &u), 0);
	assert_true(log_is(&ops, 0, want));
	assert_string_equal(content(CG "/q.slice/cpuset.cpus"), "2-3\n");
	assert_string_equal(content(CG "/q.slice/cpuset.cpus.partition"), "member\n");
	/* a failure is returned, naming its file, and the rest still done */
	put(CG "/q.slice/cpuset.cpus.partition", "isolated\n");
	put(CG "/q.slice/cpuset.cpus.partition.errno", "EIO\n");
	put(CG "/q.slice/cpuset.cpus", "0-1\n");
	assert_int_equal(cgroup_partition_undo(&ops, &u), -EIO);
	last_ends_with(CG "/q.slice/cpuset.cpus.partition");
	assert_string_equal(content(CG "/q.slice/cpuset.cpus"), "2-3\n");
	ops_done(&ops);
}

/* ---- listings ------------------------------------------------------------------ */

static void test_partitions(void **state)
{
	struct cgroup_part_info *v = NULL;
	struct cgroup_fs fs;
	char a[64], b[64];
	size_t n = 99;

	(void)state;
	tree(true, false);
	put(CG "/b.slice/cpuset.cpus", "2-3\n");
	put(CG "/b.slice/cpuset.cpus.effective", "2-3\n");
	put(CG "/b.slice/cpuset.cpus.partition", "isolated\n");
	put(CG "/a/cpuset.cpus", "4\n");
	put(CG "/a/cpuset.cpus.effective", "\n");
	put(CG "/a/cpuset.cpus.partition",
	    "root invalid (Cpu list in cpuset.cpus not exclusive)\n");
	put(CG "/nocpuset/cgroup.procs", "");
	put(CG "/c/cpuset.cpus", "5-6\n");
	put(CG "/c/cpuset.cpus.effective", "5-6\n");
	put(CG "/c/cpuset.cpus.partition", "root\n");
	put(CG "/cpuset.cpus.partition", "root\n"); /* a file, not a cgroup */
	probe(&fs);
	assert_int_equal(cgroup_partitions(&pc, &fs, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].name, "a");
	assert_int_equal(v[0].state.type, CGROUP_P_ROOT);
	assert_int_equal(v[0].state.invalid, CGROUP_INV_NOT_EXCLUSIVE);
	cpuset_format_list(&v[0].cpus, a, sizeof(a));
	cpuset_format_list(&v[0].effective, b, sizeof(b));
	assert_string_equal(a, "4");
	assert_string_equal(b, "");
	assert_string_equal(v[1].name, "b.slice");
	assert_int_equal(v[1].state.type, CGROUP_P_ISOLATED);
	assert_int_equal(v[1].state.invalid, CGROUP_VALID);
	cpuset_format_list(&v[1].effective, b, sizeof(b));
	assert_string_equal(b, "2-3");
	assert_string_equal(v[2].name, "c");
	free(v);

	/* none */
	tree(true, false);
	probe(&fs);
	v = NULL;
	assert_int_equal(cgroup_partitions(&pc, &fs, &v, &n), 0);
	assert_int_equal(n, 0);
	free(v);

	/* a partition file that is not one: the error names it */
	put(CG "/system.slice/cpuset.cpus.partition", "bogus\n");
	assert_int_equal(cgroup_partitions(&pc, &fs, &v, &n), -EINVAL);
	last_ends_with(CG "/system.slice/cpuset.cpus.partition");
	fs.mount = CGROUP_MOUNT_NONE;
	assert_int_equal(cgroup_partitions(&pc, &fs, &v, &n), -ENOENT);
}

/* The nearest cpuset.cpus.effective up from a task's cgroup, in both layouts. */
static void test_effective_cpus(void **state)
{
	struct cgroup_fs fs = { .mount = CGROUP_MOUNT_UNIFIED };
	cpuset_t got, want;

	(void)state;
	reset();
	put("sys/fs/cgroup/cpuset.cpus.effective", "0-7\n");
	put("sys/fs/cgroup/user.slice/cpuset.cpus.effective", "0-3\n");
	put("sys/fs/cgroup/user.slice/user-1000.slice/session-1.scope/cgroup.procs", "");
	put("sys/fs/cgroup/quietcore.slice/cpuset.cpus.effective", "6-7\n");
	/* cpuset enabled in the root's children only: the slice's set */
	assert_int_equal(cgroup_effective_cpus(&pc, &fs,
					       "/user.slice/user-1000.slice/session-1.scope", &got),
			 0);
	cpus_of("0-3", &want);
	assert_true(cpuset_equal(&got, &want));
	/* not enabled at all below the root (systemd without AllowedCPUs=): the root's */
	assert_int_equal(cgroup_effective_cpus(&pc, &fs, "/system.slice/ssh.service", &got), 0);
	cpus_of("0-7", &want);
	assert_true(cpuset_equal(&got, &want));
	assert_int_equal(cgroup_effective_cpus(&pc, &fs, "/", &got), 0);
	assert_true(cpuset_equal(&got, &want));
	assert_int_equal(cgroup_effective_cpus(&pc, &fs, "/quietcore.slice", &got), 0);
	cpus_of("6-7", &want);
	assert_true(cpuset_equal(&got, &want));
	/* the hybrid layout's unified mount */
	fs.mount = CGROUP_MOUNT_HYBRID;
	put("sys/fs/cgroup/unified/cpuset.cpus.effective", "0-1\n");
	assert_int_equal(cgroup_effective_cpus(&pc, &fs, "/system.slice", &got), 0);
	cpus_of("0-1", &want);
	assert_true(cpuset_equal(&got, &want));
	/* no cpuset file up to the root: -ENOENT naming the root's; garbage: -EINVAL */
	fs.mount = CGROUP_MOUNT_UNIFIED;
	assert_int_equal(unlink(path_get(&pc, "/sys/fs/cgroup/cpuset.cpus.effective")), 0);
	assert_int_equal(cgroup_effective_cpus(&pc, &fs, "/system.slice", &got), -ENOENT);
	last_ends_with("sys/fs/cgroup/cpuset.cpus.effective");
	put("sys/fs/cgroup/user.slice/cpuset.cpus.effective", "zero\n");
	assert_int_equal(cgroup_effective_cpus(&pc, &fs, "/user.slice", &got), -EINVAL);
	assert_int_equal(cgroup_effective_cpus(&pc, &fs, "relative", &got), -EINVAL);
	fs.mount = CGROUP_MOUNT_NONE;
	assert_int_equal(cgroup_effective_cpus(&pc, &fs, "/", &got), -EINVAL);
}

/* ---- a cgroup of its own for one process ----------------------------------- */

static void test_task_escape(void **state)
{
	static const struct {
		const char *key, *want;
		int r;
	} t[] = {
		{ "nova", "nova", 0 },	     { "nova-compute", "nova_2dcompute", 0 },
		{ "a_b", "a_5fb", 0 },	     { "a.b c/d", "a_2eb_20c_2fd", 0 },
		{ "\xc3\xa9", "_c3_a9", 0 }, { "", NULL, -EINVAL },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		assert_int_equal(cgroup_task_escape(t[i].key, buf, sizeof(buf)), t[i].r);
		if (t[i].want)
			assert_string_equal(buf, t[i].want);
	}
	assert_int_equal(cgroup_task_escape("abc", buf, 3), -ENAMETOOLONG);
	assert_int_equal(cgroup_task_escape("-", buf, 3), -ENAMETOOLONG);
	assert_int_equal(cgroup_task_escape("-", buf, 4), 0);
}

/* tree(), pid 4242 in system.slice, and the partition early-pin made (NULL none) */
static void task_tree(const char *partition)
{
	char rel[128];

	tree(false, false);
	put(CG "/cgroup.procs", "1\n");
	put(CG "/system.slice/cgroup.procs", "4242\n");
	put("proc/4242/cgroup", "0::/system.slice\n");
	if (!partition)
		return;
	put(CG "/cgroup.subtree_control", "cpuset cpu io memory pids\n");
	snprintf(rel, sizeof(rel), CG "/%s/cgroup.procs", partition);
	put(rel, "");
	snprintf(rel, sizeof(rel), CG "/%s/cgroup.controllers", partition);
	put(rel, "cpuset cpu io memory pids\n");
	snprintf(rel, sizeof(rel), CG "/%s/cgroup.subtree_control", partition);
	put(rel, "\n");
	snprintf(rel, sizeof(rel), CG "/%s/cpuset.cpus", partition);
	put(rel, "2-7\n");
	snprintf(rel, sizeof(rel), CG "/%s/cpuset.cpus.effective", partition);
	put(rel, "2-7\n");
	snprintf(rel, sizeof(rel), CG "/%s/cpuset.cpus.partition", partition);
	put(rel, "isolated\n");
}

/* The exact sequence of a process's cgroup made and undone, each way. */
static void test_task_sequence(void **state)
{
	static const struct {
		bool systemd;
		const char *partition, *dir;
		const char *made[5], *undone[5];
	} t[] = {
		{ false,
		  NULL,
		  "/quietcore-alloc-nova_2dc",
		  { "write /sys/fs/cgroup/cgroup.subtree_control +cpuset = 0",
		    "mkdir /sys/fs/cgroup/quietcore-alloc-nova_2dc = 0",
		    "write /sys/fs/cgroup/quietcore-alloc-nova_2dc/cpuset.cpus 2-3 = 0",
		    "write /sys/fs/cgroup/quietcore-alloc-nova_2dc/cgroup.procs 4242 = 0" },
		  { "write /sys/fs/cgroup/system.slice/cgroup.procs 4242 = 0",
		    "rmdir /sys/fs/cgroup/quietcore-alloc-nova_2dc = 0",
		    "write /sys/fs/cgroup/cgroup.subtree_control -cpuset = 0" } },
		{ false,
		  CGROUP_PARTITION_NAME,
		  "/quietcore-isolated/alloc-nova_2dc",
		  { "write /sys/fs/cgroup/quietcore-isolated/cgroup.subtree_control +cpuset = 0",
		    "mkdir /sys/fs/cgroup/quietcore-isolated/alloc-nova_2dc = 0",
		    "write /sys/fs/cgroup/quietcore-isolated/alloc-nova_2dc/cpuset.cpus 2-3 = 0",
		    "write /sys/fs/cgroup/quietcore-isolated/alloc-nova_2dc/cgroup.procs 4242 = 0" },
		  { "write /sys/fs/cgroup/system.slice/cgroup.procs 4242 = 0",
		    "rmdir /sys/fs/cgroup/quietcore-isolated/alloc-nova_2dc = 0",
		    "write /sys/fs/cgroup/quietcore-isolated/cgroup.subtree_control -cpuset = 0" } },
		{ true,
		  NULL,
		  "/quietcore_alloc_nova_2dc.slice/quietcore-alloc-nova_2dc.scope",
		  { "unit-start quietcore_alloc_nova_2dc.slice AllowedCPUs=2-3 = 0",
		    "unit-start quietcore-alloc-nova_2dc.scope Slice=quietcore_alloc_nova_2dc.slice PID=4242 = 0" },
		  { "write /sys/fs/cgroup/system.slice/cgroup.procs 4242 = 0",
		    "unit-stop quietcore-alloc-nova_2dc.scope = 0",
		    "unit-stop quietcore_alloc_nova_2dc.slice = 0" } },
		{ true,
		  CGROUP_PARTITION_SLICE,
		  "/quietcore.slice/quietcore-alloc_nova_2dc.slice/quietcore-alloc-nova_2dc.scope",
		  { "unit-start quietcore-alloc_nova_2dc.slice AllowedCPUs=2-3 = 0",
		    "unit-start quietcore-alloc-nova_2dc.scope Slice=quietcore-alloc_nova_2dc.slice PID=4242 = 0" },
		  { "write /sys/fs/cgroup/system.slice/cgroup.procs 4242 = 0",
		    "unit-stop quietcore-alloc-nova_2dc.scope = 0",
		    "unit-stop quietcore-alloc_nova_2dc.slice = 0" } },
		/* systemd runs, but the partition is a cgroupfs one: below it, by cgroupfs */
		{ true,
		  CGROUP_PARTITION_NAME,
		  "/quietcore-isolated/alloc-nova_2dc",
		  { "write /sys/fs/cgroup/quietcore-isolated/cgroup.subtree_control +cpuset = 0",
		    "mkdir /sys/fs/cgroup/quietcore-isolated/alloc-nova_2dc = 0",
		    "write /sys/fs/cgroup/quietcore-isolated/alloc-nova_2dc/cpuset.cpus 2-3 = 0",
		    "write /sys/fs/cgroup/quietcore-isolated/alloc-nova_2dc/cgroup.procs 4242 = 0" },
		  { "write /sys/fs/cgroup/system.slice/cgroup.procs 4242 = 0",
		    "rmdir /sys/fs/cgroup/quietcore-isolated/alloc-nova_2dc = 0",
		    "write /sys/fs/cgroup/quietcore-isolated/cgroup.subtree_control -cpuset = 0" } },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct cgroup_task ct;
		struct cgroup_fs fs;
		struct qc_ops ops;
		char rel[256];
		cpuset_t cpus;
		size_t n;

		task_tree(t[i].partition);
		snapshot("before");
		probe(&fs);
		ops_init_recording(&ops, &pc);
		cpus_of("2-3", &cpus);
		assert_int_equal(cgroup_task_plan(&pc, &fs, t[i].systemd, t[i].partition, "nova-c",
						  &cpus, 4242, &ct),
				 0);
		assert_string_equal(ct.dir, t[i].dir);
		assert_string_equal(ct.from, "/system.slice");
		assert_int_equal(ops.nlog, 0);
		assert_true(same_as("before"));
		assert_int_equal(cgroup_task_create(&ops, &ct), 0);
		assert_true(log_is(&ops, 0, t[i].made));
		assert_int_equal(ct.enabled_cpuset, !ct.scope[0]);
		/* the process is there */
		snprintf(rel, sizeof(rel), "0::%s\n", t[i].dir);
		assert_string_equal(content("proc/4242/cgroup"), rel);
		snprintf(rel, sizeof(rel), CG "%s/cgroup.procs", t[i].dir);
		assert_string_equal(content(rel), "4242\n");
		assert_string_equal(content(CG "/system.slice/cgroup.procs"), "");
		if (!ct.scope[0]) {
			snprintf(rel, sizeof(rel), CG "%s/cpuset.cpus", t[i].dir);
			assert_string_equal(content(rel), "2-3\n");
		}
		n = ops.nlog;
		assert_int_equal(cgroup_task_undo(&ops, &ct), 0);
		assert_true(log_is(&ops, n, t[i].undone));
		assert_true(same_as("before"));
		ops_done(&ops);
	}
}

/* A fresh tree (with the partition, or none), snapshot "before", ops over it, and
 * the plan of service name's task 4242 on CPUs 2-3. */
static void task_planned(const char *partition, bool systemd, const char *name,
			 struct cgroup_fs *fs, struct qc_ops *ops, struct cgroup_task *ct)
{
	cpuset_t cpus;

	task_tree(partition);
	snapshot("before");
	probe(fs);
	ops_init_recording(ops, &pc);
	cpus_of("2-3", &cpus);
	assert_int_equal(cgroup_task_plan(&pc, fs, systemd, partition, name, &cpus, 4242, ct), 0);
}

/* path_last() ends with suffix */
static void assert_last_ends(size_t i, const char *suffix)
{
	const char *last = path_last(&pc);

	if (strlen(last) < strlen(suffix) || strcmp(last + strlen(last) - strlen(suffix), suffix))
		fail_msg("%zu: path_last() %s, not ...%s", i, last, suffix);
}

/* A failure at each step: the error, path_last() naming it, the tree as it was. */
static void test_task_failures(void **state)
{
	static const struct {
		bool systemd;
		const char *partition, *file, *text; /* file below the root, made before */
		int r;
		const char *last; /* what path_last() ends with */
	} t[] = {
		{ false, NULL, CG "/cgroup.subtree_control.errno", "EACCES", -EACCES,
		  "/sys/fs/cgroup/cgroup.subtree_control" },
		{ false, NULL, CG "/quietcore-alloc-nova.errno", "ENOSPC", -ENOSPC,
		  "/sys/fs/cgroup/quietcore-alloc-nova" },
		{ false, NULL, CG "/quietcore-alloc-nova.mkdir.cpuset.cpus.errno", "EINVAL",
		  -EINVAL, "/sys/fs/cgroup/quietcore-alloc-nova/cpuset.cpus" },
		{ false, CGROUP_PARTITION_NAME,
		  CG "/quietcore-isolated/alloc-nova.mkdir.cgroup.procs.errno", "EBUSY", -EBUSY,
		  "/sys/fs/cgroup/quietcore-isolated/alloc-nova/cgroup.procs" },
		{ true, NULL, "run/systemd/qc-fake-refuse/quietcore_alloc_nova.slice", "no", -EPERM,
		  "quietcore_alloc_nova.slice" },
		{ true, CGROUP_PARTITION_SLICE,
		  "run/systemd/qc-fake-refuse/quietcore-alloc-nova.scope", "no", -EPERM,
		  "quietcore-alloc-nova.scope" },
		/* someone else's cgroup of that name: left alone */
		{ false, NULL, CG "/quietcore-alloc-nova/marker", "not ours", -EEXIST,
		  "/sys/fs/cgroup/quietcore-alloc-nova" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct cgroup_task ct;
		struct cgroup_fs fs;
		struct qc_ops ops;
		cpuset_t cpus;

		task_tree(t[i].partition);
		put(t[i].file, t[i].text);
		snapshot("before");
		probe(&fs);
		ops_init_recording(&ops, &pc);
		cpus_of("2-3", &cpus);
		assert_int_equal(cgroup_task_plan(&pc, &fs, t[i].systemd, t[i].partition, "nova",
						  &cpus, 4242, &ct),
				 0);
		assert_int_equal(cgroup_task_create(&ops, &ct), t[i].r);
		assert_last_ends(i, t[i].last);
		assert_true(same_as("before"));
		ops_done(&ops);
	}
}

/*
 * The process cannot go back (the daemon's unit mounts cgroupfs read-only:
 * EROFS): the scope is not stopped, which would kill it, nor the cgroup
 * removed; the error names the file. Undone once it can move.
 */
static void test_task_undo_move_fails(void **state)
{
	static const struct {
		bool systemd;
		const char *partition;
	} t[] = {
		{ true, CGROUP_PARTITION_SLICE },
		{ true, NULL },
		{ false, NULL },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		static const char procs[] = "/sys/fs/cgroup/system.slice/cgroup.procs";
		char want[CGROUP_TASK_PATH_MAX + 8];
		struct cgroup_task ct;
		struct cgroup_fs fs;
		struct qc_ops ops;
		size_t n;

		task_planned(t[i].partition, t[i].systemd, "nova", &fs, &ops, &ct);
		assert_int_equal(cgroup_task_create(&ops, &ct), 0);
		put(CG "/system.slice/cgroup.procs.errno", "EROFS");
		n = ops.nlog;
		assert_int_equal(cgroup_task_undo(&ops, &ct), -EROFS);
		assert_last_ends(i, procs);
		/* one failed write, nothing stopped or removed: the process is still there */
		assert_int_equal(ops.nlog, n + 1);
		snprintf(want, sizeof(want), "0::%s\n", ct.dir);
		assert_string_equal(content("proc/4242/cgroup"), want);
		snprintf(want, sizeof(want), "%s/" CG "/system.slice/cgroup.procs.errno", root);
		assert_int_equal(unlink(want), 0);
		assert_int_equal(cgroup_task_undo(&ops, &ct), 0);
		assert_true(same_as("before"));
		ops_done(&ops);
	}
}

static void test_task_plan_refused(void **state)
{
	struct cgroup_task ct;
	struct cgroup_fs fs;
	cpuset_t cpus, none;

	(void)state;
	task_tree(NULL);
	probe(&fs);
	cpus_of("2-3", &cpus);
	cpuset_zero(&none);
	assert_int_equal(cgroup_task_plan(&pc, &fs, false, NULL, "nova", &none, 4242, &ct),
			 -EINVAL);
	assert_int_equal(cgroup_task_plan(&pc, &fs, false, NULL, "", &cpus, 4242, &ct), -EINVAL);
	assert_int_equal(cgroup_task_plan(&pc, &fs, false, "../x", "a", &cpus, 4242, &ct), -EINVAL);
	assert_int_equal(cgroup_task_plan(&pc, &fs, false, NULL, "nova", &cpus, 4343, &ct),
			 -ENOENT);
	fs.cpuset = false;
	assert_int_equal(cgroup_task_plan(&pc, &fs, false, NULL, "nova", &cpus, 4242, &ct),
			 -EOPNOTSUPP);
	fs.cpuset = true;
	fs.mount = CGROUP_MOUNT_NONE;
	assert_int_equal(cgroup_task_plan(&pc, &fs, false, NULL, "nova", &cpus, 4242, &ct),
			 -EOPNOTSUPP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_create_sequence),
		cmocka_unit_test(test_invalid_readback),
		cmocka_unit_test(test_siblings),
		cmocka_unit_test(test_exists),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_failure_not_undone),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_set_absent),
		cmocka_unit_test(test_undo_statefile),
		cmocka_unit_test(test_undo_rereads),
		cmocka_unit_test(test_partitions),
		cmocka_unit_test(test_effective_cpus),
		cmocka_unit_test(test_task_escape),
		cmocka_unit_test(test_task_sequence),
		cmocka_unit_test(test_task_failures),
		cmocka_unit_test(test_task_undo_move_fails),
		cmocka_unit_test(test_task_plan_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
