// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/ops: the recording implementation simulates the kernel's answers
 * (ESRCH, EINVAL for PF_NO_SETAFFINITY, EPERM for a 0444 file, sidecar
 * errnos) and logs every call; the real one agrees with sched_getaffinity.
 */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libkmod.h>
#include <syslog.h>

#include "ops.h"
#include "path.h"
#include "tmproot.h"

static char root[64];

static void put(const char *rel, const char *content)
{
	char path[512], cmd[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static int setup(void **state)
{
	char path[256];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/test_ops.XXXXXX");
	assert_non_null(mkdtemp(root));
	put("sys/devices/system/cpu/online", "0-7\n");
	put("proc/5/task/5/stat",
	    "5 (a b) c) S 1 5 5 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 77 0 0\n");
	put("proc/5/task/5/status",
	    "Name:\tx\nCpus_allowed:\tff\nCpus_allowed_list:\t0-7\nThreads:\t1\n");
	/* PF_KTHREAD | PF_NO_SETAFFINITY = 0x04200000 = 69206016 */
	put("proc/9/task/9/stat",
	    "9 (ksoftirqd/3) S 2 0 0 0 -1 69206016 0 0 0 0 0 0 0 0 20 0 1 0 12 0 0\n");
	put("proc/9/task/9/status", "Name:\tksoftirqd/3\nCpus_allowed_list:\t3\n");
	put("proc/irq/4/smp_affinity_list", "0-7\n");
	put("proc/irq/5/smp_affinity_list", "0-7\n");
	put("proc/irq/6/smp_affinity_list", "0-7\n");
	put("proc/irq/6/smp_affinity_list.errno", "ENOSPC 1\n");
	snprintf(path, sizeof(path), "%s/proc/irq/5/smp_affinity_list", root);
	chmod(path, 0444);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmproot_remove(root);
}

static void test_recording_tasks(void **state)
{
	struct path_cxt pc;
	struct qc_ops ops;
	cpuset_t set, got;
	char line[256], buf[512];

	(void)state;
	assert_int_equal(path_cxt_init(&pc, root), 0);
	ops_init_recording(&ops, &pc);
	assert_string_equal(ops.name, "recording");
	assert_int_equal(ops.task_get_affinity(&ops, 5, 5, &got), 0);
	assert_int_equal(cpuset_count(&got), 8);

	assert_int_equal(cpuset_parse_list("1,3", 0, &set), 0);
	assert_int_equal(ops.task_set_affinity(&ops, 5, 5, &set), 0);
	assert_int_equal(ops.task_get_affinity(&ops, 5, 5, &got), 0);
	assert_true(cpuset_equal(&got, &set));
	/* the rest of the status file is kept */
	assert_true(path_read_buf(&pc, buf, sizeof(buf), "/proc/5/task/5/status") > 0);
	assert_non_null(strstr(buf, "Name:\tx\n"));
	assert_non_null(strstr(buf, "Threads:\t1"));
	assert_non_null(strstr(buf, "Cpus_allowed:\ta\n"));

	assert_int_equal(ops.task_set_affinity(&ops, 9, 9, &set), -EINVAL); /* per-CPU */
	assert_int_equal(ops.task_set_affinity(&ops, 6, 6, &set), -ESRCH);
	assert_int_equal(ops.task_get_affinity(&ops, 6, 6, &got), -ESRCH);
	assert_int_equal(cpuset_parse_list("8-9", 0, &set), 0);
	assert_int_equal(ops.task_set_affinity(&ops, 5, 5, &set), -EINVAL); /* no online CPU */

	assert_int_equal(ops.nlog, 4);
	ops_record_format(&ops.log[0], line, sizeof(line));
	assert_string_equal(line, "setaffinity 5/5 1,3 = 0");
	ops_record_format(&ops.log[1], line, sizeof(line));
	assert_string_equal(line, "setaffinity 9/9 1,3 = -22");
	ops_done(&ops);
	ops_done(NULL);
}

static void test_recording_files(void **state)
{
	struct path_cxt pc;
	struct qc_ops ops;
	char buf[64], line[256], want[256];

	(void)state;
	assert_int_equal(path_cxt_init(&pc, root), 0);
	ops_init_recording(&ops, &pc);
	assert_int_equal(ops.file_write(&ops, "/proc/irq/4/smp_affinity_list", "0"), 0);
	assert_true(path_read_buf(&pc, buf, sizeof(buf), "/proc/irq/4/smp_affinity_list") >= 0);
	assert_string_equal(buf, "0"); /* replaced, not "0-7" overwritten in place */
	assert_int_equal(ops.file_write(&ops, "/proc/irq/5/smp_affinity_list", "0"), -EPERM);
	assert_int_equal(ops.file_write(&ops, "/proc/irq/6/smp_affinity_list", "0"), -ENOSPC);
	/* the error names the file written, not its sidecar */
	snprintf(want, sizeof(want), "%s/proc/irq/6/smp_affinity_list", root);
	assert_string_equal(path_last(&pc), want);
	assert_int_equal(ops.file_write(&ops, "/proc/irq/6/smp_affinity_list", "0"), 0);
	assert_int_equal(ops.file_write(&ops, "/proc/irq/7/smp_affinity_list", "0"), -ENOENT);
	assert_int_equal(ops.module_load(&ops, "acpi-cpufreq"), -ENOENT);
	put("lib/modules/fake/acpi-cpufreq", "sys/devices/system/cpu/cpufreq/policy0\n");
	assert_int_equal(ops.module_load(&ops, "acpi-cpufreq"), 0);
	assert_true(path_exists(&pc, "/sys/devices/system/cpu/cpufreq/policy0"));
	ops_record_format(&ops.log[1], line, sizeof(line));
	assert_string_equal(line, "write /proc/irq/5/smp_affinity_list 0 = -1");
	ops_record_format(&ops.log[6], line, sizeof(line));
	assert_string_equal(line, "modprobe acpi-cpufreq = 0");
	assert_int_equal(ops_errno_from_name("EIO"), EIO);
	assert_int_equal(ops_errno_from_name("EWHAT"), 0);
	ops_done(&ops);
}

/* The kernel's read-back of a written file, and cgroup.subtree_control's +/- words. */
static void test_recording_kernel_files(void **state)
{
	struct path_cxt pc;
	struct qc_ops ops;
	char buf[256], line[256];

	(void)state;
	assert_int_equal(path_cxt_init(&pc, root), 0);
	ops_init_recording(&ops, &pc);
	put("sys/fs/cgroup/p/cpuset.cpus.partition", "member\n");
	put("sys/fs/cgroup/p/cpuset.cpus.partition.readback",
	    "isolated invalid (Cpu list in cpuset.cpus not exclusive)\n");
	assert_int_equal(ops.file_write(&ops, "/sys/fs/cgroup/p/cpuset.cpus.partition", "isolated"),
			 0);
	assert_int_equal(tmproot_slurp(path_get(&pc, "/sys/fs/cgroup/p/cpuset.cpus.partition"), buf,
				       sizeof(buf)),
			 0);
	assert_string_equal(buf, "isolated invalid (Cpu list in cpuset.cpus not exclusive)\n");
	/* the log says what was written, not what was read back */
	ops_record_format(&ops.log[0], line, sizeof(line));
	assert_string_equal(line, "write /sys/fs/cgroup/p/cpuset.cpus.partition isolated = 0");
	/* once: the next write reads back as written */
	assert_int_equal(ops.file_write(&ops, "/sys/fs/cgroup/p/cpuset.cpus.partition", "member"),
			 0);
	assert_true(path_read_buf(&pc, buf, sizeof(buf), "/sys/fs/cgroup/p/cpuset.cpus.partition") >
		    0);
	assert_string_equal(buf, "member");

	/* a PID written to a cgroup.procs moves the task there */
	put("sys/fs/cgroup/cgroup.procs", "1\n");
	put("sys/fs/cgroup/p/cgroup.procs", "7\n42\n8\n");
	put("proc/42/cgroup", "0::/p\n");
	assert_int_equal(ops.file_write(&ops, "/sys/fs/cgroup/cgroup.procs", "42"), 0);
	assert_int_equal(
		tmproot_slurp(path_get(&pc, "/sys/fs/cgroup/cgroup.procs"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1\n42\n");
	assert_int_equal(
		tmproot_slurp(path_get(&pc, "/sys/fs/cgroup/p/cgroup.procs"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "7\n8\n");
	assert_int_equal(tmproot_slurp(path_get(&pc, "/proc/42/cgroup"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0::/\n");
	assert_int_equal(ops.file_write(&ops, "/sys/fs/cgroup/p/cgroup.procs", "42"), 0);
	assert_int_equal(
		tmproot_slurp(path_get(&pc, "/sys/fs/cgroup/cgroup.procs"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1\n");
	assert_int_equal(tmproot_slurp(path_get(&pc, "/proc/42/cgroup"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0::/p\n");
	assert_int_equal(ops.file_write(&ops, "/sys/fs/cgroup/cgroup.procs", "43"), -ESRCH);
	assert_int_equal(ops.file_write(&ops, "/sys/fs/cgroup/cgroup.procs", "x"), -EINVAL);
	assert_int_equal(tmproot_remove(path_get(&pc, "/proc/42")), 0);

	put("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
	put("sys/fs/cgroup/cgroup.subtree_control", "cpu memory pids\n");
	assert_int_equal(ops.file_write(&ops, "/sys/fs/cgroup/cgroup.subtree_control", "+cpuset"),
			 0);
	assert_true(path_read_buf(&pc, buf, sizeof(buf), "/sys/fs/cgroup/cgroup.subtree_control") >
		    0);
	assert_string_equal(buf, "cpuset cpu memory pids"); /* cgroup.controllers' order */
	assert_int_equal(
		ops.file_write(&ops, "/sys/fs/cgroup/cgroup.subtree_control", "-memory +io"), 0);
	assert_true(path_read_buf(&pc, buf, sizeof(buf), "/sys/fs/cgroup/cgroup.subtree_control") >
		    0);
	assert_string_equal(buf, "cpuset cpu io pids");
	assert_int_equal(ops.file_write(&ops, "/sys/fs/cgroup/cgroup.subtree_control", "+rdma"),
			 -ENOENT);
	assert_int_equal(ops.file_write(&ops, "/sys/fs/cgroup/cgroup.subtree_control", "cpuset"),
			 -EINVAL);
	assert_true(path_read_buf(&pc, buf, sizeof(buf), "/sys/fs/cgroup/cgroup.subtree_control") >
		    0);
	assert_string_equal(buf, "cpuset cpu io pids"); /* refused: unchanged */
	assert_int_equal(ops.file_write(&ops, "/sys/fs/cgroup/cgroup.subtree_control",
					"-cpuset -cpu -io -pids"),
			 0);
	assert_int_equal(tmproot_slurp(path_get(&pc, "/sys/fs/cgroup/cgroup.subtree_control"), buf,
				       sizeof(buf)),
			 0);
	assert_string_equal(buf, "\n");
	ops_done(&ops);
	assert_int_equal(tmproot_remove(path_get(&pc, "/sys/fs/cgroup")), 0);
}

/* mkdir/rmdir: a cgroup's files appear and go with it, the kernel's refusals, no symlinks. */
static void test_recording_dirs(void **state)
{
	static const char *const made[] = {
		"cgroup.procs", "cgroup.controllers",	 "cgroup.subtree_control",
		"cpuset.cpus",	"cpuset.cpus.partition", "cpuset.cpus.effective",
	};
	struct path_cxt pc;
	struct qc_ops ops;
	char buf[256], line[256], want[256], target[256], link[256];
	struct stat st;

	(void)state;
	assert_int_equal(path_cxt_init(&pc, root), 0);
	ops_init_recording(&ops, &pc);
	put("sys/fs/cgroup/cgroup.controllers", "cpuset cpu memory\n");
	put("sys/fs/cgroup/cgroup.subtree_control", "memory\n");
	put("sys/fs/cgroup/cpuset.cpus.effective", "0-7\n");
	/* without cpuset in the parent's subtree_control: no cpuset files */
	assert_int_equal(ops.dir_make(&ops, "/sys/fs/cgroup/a", 0755), 0);
	assert_true(path_exists(&pc, "/sys/fs/cgroup/a/cgroup.procs"));
	assert_false(path_exists(&pc, "/sys/fs/cgroup/a/cpuset.cpus"));
	assert_true(path_read_buf(&pc, buf, sizeof(buf), "/sys/fs/cgroup/a/cgroup.controllers") >
		    0);
	assert_string_equal(buf, "memory");
	assert_int_equal(ops.dir_make(&ops, "/sys/fs/cgroup/a", 0755), -EEXIST);
	snprintf(want, sizeof(want), "%s/sys/fs/cgroup/a", root);
	assert_string_equal(path_last(&pc), want);

	put("sys/fs/cgroup/cgroup.subtree_control", "cpuset memory\n");
	assert_int_equal(ops.dir_make(&ops, "/sys/fs/cgroup/b", 0755), 0);
	for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++)
		if (!path_exists(&pc, "/sys/fs/cgroup/b/%s", made[i]))
			fail_msg("mkdir made no %s", made[i]);
	assert_true(path_read_buf(&pc, buf, sizeof(buf), "/sys/fs/cgroup/b/cpuset.cpus.partition") >
		    0);
	assert_string_equal(buf, "member");
	assert_true(path_read_buf(&pc, buf, sizeof(buf), "/sys/fs/cgroup/b/cpuset.cpus.effective") >
		    0);
	assert_string_equal(buf, "0-7");
	assert_int_equal(stat(path_get(&pc, "/sys/fs/cgroup/b/cpuset.cpus.effective"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0444);
	assert_int_equal(ops.file_write(&ops, "/sys/fs/cgroup/b/cpuset.cpus", "2-3"), 0);
	/* cgroupfs prints its values with a newline */
	assert_int_equal(
		tmproot_slurp(path_get(&pc, "/sys/fs/cgroup/b/cpuset.cpus"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2-3\n");
	/* the sidecars of files that exist only after the mkdir */
	put("sys/fs/cgroup/e.mkdir.cpuset.cpus.errno", "EINVAL\n");
	put("sys/fs/cgroup/e.mkdir.cgroup.procs", "9\n");
	assert_int_equal(ops.dir_make(&ops, "/sys/fs/cgroup/e", 0755), 0);
	assert_int_equal(ops.file_write(&ops, "/sys/fs/cgroup/e/cpuset.cpus", "2-3"), -EINVAL);
	assert_int_equal(ops.dir_remove(&ops, "/sys/fs/cgroup/e"), -EBUSY);

	/* a task in it, then a child cgroup: EBUSY, nothing removed */
	put("sys/fs/cgroup/b/cgroup.procs", "42\n");
	assert_int_equal(ops.dir_remove(&ops, "/sys/fs/cgroup/b"), -EBUSY);
	put("sys/fs/cgroup/b/cgroup.procs", "");
	assert_int_equal(ops.dir_make(&ops, "/sys/fs/cgroup/b/c", 0755), 0);
	assert_int_equal(ops.dir_remove(&ops, "/sys/fs/cgroup/b"), -EBUSY);
	assert_true(path_exists(&pc, "/sys/fs/cgroup/b/cpuset.cpus"));
	assert_int_equal(ops.dir_remove(&ops, "/sys/fs/cgroup/b/c"), 0);
	/* the sidecar errno, once */
	put("sys/fs/cgroup/b.errno", "EROFS 1\n");
	assert_int_equal(ops.dir_remove(&ops, "/sys/fs/cgroup/b"), -EROFS);
	snprintf(want, sizeof(want), "%s/sys/fs/cgroup/b", root);
	assert_string_equal(path_last(&pc), want);
	assert_int_equal(ops.dir_remove(&ops, "/sys/fs/cgroup/b"), 0);
	assert_false(path_exists(&pc, "/sys/fs/cgroup/b"));
	assert_int_equal(ops.dir_remove(&ops, "/sys/fs/cgroup/b"), -ENOENT);
	put("sys/fs/cgroup/d.errno", "ENOSPC\n");
	assert_int_equal(ops.dir_make(&ops, "/sys/fs/cgroup/d", 0755), -ENOSPC);
	assert_false(path_exists(&pc, "/sys/fs/cgroup/d"));

	/* a symbolic link on the way is refused, not followed */
	snprintf(target, sizeof(target), "%s/elsewhere", root);
	assert_int_equal(mkdir(target, 0755), 0);
	snprintf(link, sizeof(link), "%s/sys/fs/cgroup/l", root);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(ops.dir_make(&ops, "/sys/fs/cgroup/l/x", 0755), -PATH_ESYMLINK);
	assert_int_equal(ops.dir_remove(&ops, "/sys/fs/cgroup/l"), -PATH_ESYMLINK);
	assert_int_equal(lstat(link, &st), 0);
	snprintf(target, sizeof(target), "%s/elsewhere/x", root);
	assert_int_equal(access(target, F_OK), -1);

	ops_record_format(&ops.log[0], line, sizeof(line));
	assert_string_equal(line, "mkdir /sys/fs/cgroup/a = 0");
	ops_record_format(&ops.log[ops.nlog - 1], line, sizeof(line));
	assert_string_equal(line, "rmdir /sys/fs/cgroup/l = -31"); /* EMLINK */
	ops_done(&ops);
	assert_int_equal(tmproot_remove(path_get(&pc, "/sys/fs/cgroup")), 0);
}

/* The real ops make and remove directories below any root, never through a symlink. */
static void test_real_dirs(void **state)
{
	struct path_cxt pc;
	struct qc_ops ops;
	char target[256], link[256];

	(void)state;
	assert_int_equal(path_cxt_init(&pc, root), 0);
	ops_init_real(&ops, &pc);
	put("sys/fs/cgroup/cgroup.procs", "");
	assert_int_equal(ops.dir_make(&ops, "/sys/fs/cgroup/r", 0700), 0);
	assert_true(path_exists(&pc, "/sys/fs/cgroup/r"));
	assert_int_equal(ops.dir_make(&ops, "/sys/fs/cgroup/r", 0700), -EEXIST);
	assert_int_equal(ops.dir_remove(&ops, "/sys/fs/cgroup/r"), 0);
	assert_false(path_exists(&pc, "/sys/fs/cgroup/r"));
	assert_int_equal(ops.dir_remove(&ops, "/sys/fs/cgroup/r"), -ENOENT);
	assert_int_equal(ops.dir_make(&ops, "/sys/fs/cgroup/../r", 0700), -EXDEV);
	snprintf(target, sizeof(target), "%s/elsewhere2", root);
	assert_int_equal(mkdir(target, 0755), 0);
	snprintf(link, sizeof(link), "%s/sys/fs/cgroup/l2", root);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(ops.dir_make(&ops, "/sys/fs/cgroup/l2/x", 0700), -PATH_ESYMLINK);
	assert_int_equal(ops.nlog, 0);
	ops_done(&ops);
	assert_int_equal(tmproot_remove(path_get(&pc, "/sys/fs/cgroup")), 0);
}

static void test_real(void **state)
{
	struct path_cxt pc;
	struct qc_ops ops;
	cpu_set_t mine;
	cpuset_t got;

	(void)state;
	assert_int_equal(path_cxt_init(&pc, NULL), 0);
	ops_init_real(&ops, &pc);
	CPU_ZERO(&mine);
	assert_int_equal(sched_getaffinity(0, sizeof(mine), &mine), 0);
	assert_int_equal(ops.task_get_affinity(&ops, getpid(), gettid(), &got), 0);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		assert_int_equal(!!CPU_ISSET(cpu, &mine), cpuset_test(&got, (unsigned int)cpu));
	/* setting what we have is allowed for anyone */
	assert_int_equal(ops.task_set_affinity(&ops, getpid(), gettid(), &got), 0);
	assert_int_equal(ops.task_get_affinity(&ops, 1, 0x7ffffff0, &got), -ESRCH);
	assert_int_equal(ops.nlog, 0); /* the real ops do not record */
	ops_done(&ops);
}

/*
 * libkmod prints to stderr by default; through the ops nothing is printed
 * and what libkmod said is kept in kmod_msg. The context made by the first
 * load is turned to debug level, so the second load has something to say.
 */
static void test_real_module_load_quiet(void **state)
{
	char tmpl[] = "/tmp/qc-ops-stderr.XXXXXX", buf[512];
	struct path_cxt pc;
	struct qc_ops ops;
	int fd, saved, r;
	ssize_t n;

	(void)state;
	assert_int_equal(path_cxt_init(&pc, NULL), 0);
	ops_init_real(&ops, &pc);
	assert_true(ops.module_load(&ops, "quietcore-no-such-module") < 0);
	assert_non_null(ops.kmod);
	kmod_set_log_priority(ops.kmod, LOG_DEBUG);
	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fd, 2) == 2);
	r = ops.module_load(&ops, "quietcore-no-such-module");
	fflush(stderr);
	assert_true(dup2(saved, 2) == 2);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	unlink(tmpl);
	assert_true(r < 0);
	if (n > 0) {
		buf[n] = '\0';
		print_error("libkmod printed: %s\n", buf);
	}
	assert_int_equal(n, 0);
	assert_non_null(strstr(ops.kmod_msg, "quietcore_no_such_module"));
	assert_int_equal(ops.nlog, 0);
	ops_done(&ops);
}

/* ---- systemd units ------------------------------------------------------------ */

/* A fresh fake root for one test (the group's root stays as it is). */
static void unit_root(char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/test_ops_unit.XXXXXX");
	assert_non_null(mkdtemp(buf));
}

/* The file rel below r, or "<absent>". */
static const char *unit_file(const char *r, const char *rel)
{
	static char buf[256];
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", r, rel);
	if (tmproot_slurp(path, buf, sizeof(buf)) < 0)
		return "<absent>";
	return buf;
}

static bool unit_dir(const char *r, const char *rel)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", r, rel);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void assert_log(struct qc_ops *ops, size_t i, const char *want)
{
	char line[512];

	assert_true(i < ops->nlog);
	ops_record_format(&ops->log[i], line, sizeof(line));
	assert_string_equal(line, want);
}

#define CG "sys/fs/cgroup/"

/* A slice and a scope in it, as systemd makes them; stop takes them away. */
static void test_recording_units(void **state)
{
	char r[64];
	struct path_cxt pc;
	struct qc_ops ops;
	cpuset_t cpus;

	(void)state;
	unit_root(r, sizeof(r));
	assert_int_equal(tmproot_put(r, CG "cgroup.controllers", "cpuset cpu io memory pids\n"), 0);
	assert_int_equal(path_cxt_init(&pc, r), 0);
	ops_init_recording(&ops, &pc);
	assert_int_equal(cpuset_parse_list("2-3,6", 0, &cpus), 0);

	assert_int_equal(ops.unit_start_slice(&ops, "quietcore.slice", &cpus), 0);
	assert_string_equal(ops.unit_msg, "");
	assert_string_equal(unit_file(r, CG "quietcore.slice/cpuset.cpus"), "2-3,6\n");
	assert_string_equal(unit_file(r, CG "quietcore.slice/cpuset.cpus.effective"), "2-3,6\n");
	assert_string_equal(unit_file(r, CG "quietcore.slice/cpuset.cpus.partition"), "member\n");
	assert_string_equal(unit_file(r, CG "quietcore.slice/cgroup.procs"), "");
	/* the partition file can be written through the ops, like the kernel's */
	assert_int_equal(ops.file_write(&ops, "/" CG "quietcore.slice/cpuset.cpus.partition",
					"isolated"),
			 0);

	assert_int_equal(
		ops.unit_start_scope(&ops, "quietcore-run-42.scope", "quietcore.slice", 42), 0);
	assert_string_equal(unit_file(r, CG "quietcore.slice/quietcore-run-42.scope/cgroup.procs"),
			    "42\n");

	/* a slice's name is its place: "a-b.slice" is in "a.slice", made if missing */
	assert_int_equal(ops.unit_start_slice(&ops, "quietcore-isolated.slice", &cpus), 0);
	assert_string_equal(unit_file(r, CG "quietcore.slice/quietcore-isolated.slice/cpuset.cpus"),
			    "2-3,6\n");
	assert_int_equal(ops.unit_start_slice(&ops, "x-y-z.slice", &cpus), 0);
	assert_string_equal(unit_file(r, CG "x.slice/cgroup.procs"), "");
	assert_string_equal(unit_file(r, CG "x.slice/x-y.slice/cgroup.procs"), "");
	assert_true(unit_dir(r, CG "x.slice/x-y.slice/x-y-z.slice"));
	/* a scope in a slice not started yet: systemd starts the slice */
	assert_int_equal(ops.unit_start_scope(&ops, "s.scope", "new.slice", 7), 0);
	assert_string_equal(unit_file(r, CG "new.slice/s.scope/cgroup.procs"), "7\n");

	/* stop: the unit's directory and all in it; a unit not there is no error */
	assert_int_equal(ops.unit_stop(&ops, "quietcore-run-42.scope"), 0);
	assert_false(unit_dir(r, CG "quietcore.slice/quietcore-run-42.scope"));
	assert_true(unit_dir(r, CG "quietcore.slice"));
	assert_int_equal(ops.unit_stop(&ops, "quietcore.slice"), 0);
	assert_false(unit_dir(r, CG "quietcore.slice"));
	assert_int_equal(ops.unit_stop(&ops, "quietcore.slice"), 0);
	assert_int_equal(ops.unit_stop(&ops, "../../etc"), 0);
	assert_true(unit_dir(r, CG));

	assert_int_equal(ops.nlog, 10);
	assert_log(&ops, 0, "unit-start quietcore.slice AllowedCPUs=2-3,6 = 0");
	assert_log(&ops, 1, "write /" CG "quietcore.slice/cpuset.cpus.partition isolated = 0");
	assert_log(&ops, 2, "unit-start quietcore-run-42.scope Slice=quietcore.slice PID=42 = 0");
	assert_log(&ops, 5, "unit-start s.scope Slice=new.slice PID=7 = 0");
	assert_log(&ops, 6, "unit-stop quietcore-run-42.scope = 0");
	assert_log(&ops, 8, "unit-stop quietcore.slice = 0");
	assert_log(&ops, 9, "unit-stop ../../etc = 0");
	ops_done(&ops);
	assert_int_equal(tmproot_remove(r), 0);
}

/* systemd's refusals, simulated: nothing is left made by a refused start. */
static void test_recording_units_refused(void **state)
{
	static const struct {
		const char *unit, *slice; /* slice NULL: start a slice */
		int r;
		const char *msg;
	} cases[] = {
		{ "busy.slice", NULL, -EEXIST, "unit busy.slice is already active" },
		{ "no.slice", NULL, -EPERM, "Unit no.slice: AllowedCPUs= overlaps busy.slice" },
		{ "no.scope", "busy.slice", -EPERM, "refused (fake systemd)" },
		{ "run.scope", "busy.slice", -EEXIST, "unit run.scope is already active" },
		{ "bad.service", NULL, -EINVAL, "Unit name bad.service is not valid." },
		{ "-a.slice", NULL, -EINVAL, "Unit name -a.slice is not valid." },
		{ "a--b.slice", NULL, -EINVAL, "Unit name a--b.slice is not valid." },
		{ "../x.slice", NULL, -EINVAL, "Unit name ../x.slice is not valid." },
		{ "a/b.slice", NULL, -EINVAL, "Unit name a/b.slice is not valid." },
		{ "-.slice", NULL, -EEXIST, "unit -.slice is already active" },
		{ "ok.scope", "../x.slice", -EINVAL,
		  "Invalid slice or PID: Slice=../x.slice PID=5" },
	};
	char r[64], before[4096];
	struct path_cxt pc;
	struct qc_ops ops;
	cpuset_t cpus;
	FILE *p;
	size_t n;

	(void)state;
	unit_root(r, sizeof(r));
	assert_int_equal(path_cxt_init(&pc, r), 0);
	ops_init_recording(&ops, &pc);
	assert_int_equal(cpuset_parse_list("1", 0, &cpus), 0);
	/* no cgroup file system at all: the kernel's answer */
	assert_int_equal(ops.unit_start_slice(&ops, "busy.slice", &cpus), -ENOENT);
	assert_string_equal(ops.unit_msg, "No such file or directory");
	assert_int_equal(tmproot_put(r, CG "cgroup.controllers", "cpuset\n"), 0);
	assert_int_equal(ops.unit_start_slice(&ops, "busy.slice", &cpus), 0);
	assert_int_equal(ops.unit_start_scope(&ops, "run.scope", "busy.slice", 5), 0);
	assert_int_equal(tmproot_put(r, "run/systemd/qc-fake-refuse/no.slice",
				     "Unit no.slice: AllowedCPUs= overlaps busy.slice\n"),
			 0);
	assert_int_equal(tmproot_put(r, "run/systemd/qc-fake-refuse/no.scope", ""), 0);

	/* every file of the tree, to compare after each refusal */
	snprintf(before, sizeof(before), "cd '%s' && find . | sort", r);
	p = popen(before, "r");
	assert_non_null(p);
	n = fread(before, 1, sizeof(before) - 1, p);
	before[n] = '\0';
	pclose(p);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char after[4096], cmd[128];
		int got;

		if (cases[i].slice)
			got = ops.unit_start_scope(&ops, cases[i].unit, cases[i].slice, 5);
		else
			got = ops.unit_start_slice(&ops, cases[i].unit, &cpus);
		assert_int_equal(got, cases[i].r);
		assert_string_equal(ops.unit_msg, cases[i].msg);
		snprintf(cmd, sizeof(cmd), "cd '%s' && find . | sort", r);
		p = popen(cmd, "r");
		assert_non_null(p);
		n = fread(after, 1, sizeof(after) - 1, p);
		after[n] = '\0';
		pclose(p);
		assert_string_equal(after, before);
	}
	assert_log(&ops, 4, "unit-start no.slice AllowedCPUs=1 = -1");
	assert_log(&ops, 5, "unit-start no.scope Slice=busy.slice PID=5 = -1");
	/* a success clears the last message */
	assert_int_equal(ops.unit_stop(&ops, "busy.slice"), 0);
	assert_string_equal(ops.unit_msg, "");
	ops_done(&ops);
	assert_int_equal(tmproot_remove(r), 0);
}

/* The hybrid layout: the units are in /sys/fs/cgroup/unified. */
static void test_recording_units_hybrid(void **state)
{
	char r[64];
	struct path_cxt pc;
	struct qc_ops ops;
	cpuset_t cpus;

	(void)state;
	unit_root(r, sizeof(r));
	assert_int_equal(tmproot_put(r, CG "unified/cgroup.controllers", ""), 0);
	assert_int_equal(tmproot_put(r, CG "cpuset/cpuset.cpus", "0-7\n"), 0);
	assert_int_equal(path_cxt_init(&pc, r), 0);
	ops_init_recording(&ops, &pc);
	assert_int_equal(cpuset_parse_list("4-7", 0, &cpus), 0);
	assert_int_equal(ops.unit_start_slice(&ops, "q.slice", &cpus), 0);
	assert_string_equal(unit_file(r, CG "unified/q.slice/cpuset.cpus"), "4-7\n");
	assert_false(unit_dir(r, CG "q.slice"));
	assert_int_equal(ops.unit_stop(&ops, "q.slice"), 0);
	assert_false(unit_dir(r, CG "unified/q.slice"));
	ops_done(&ops);
	assert_int_equal(tmproot_remove(r), 0);
}

/* A stand-in for quietcore-unit: a shell script that logs its arguments. */
static void unit_helper_script(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "#!/bin/sh\necho \"$*\" >>\"$0.args\"\n%s\n", body);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0755), 0);
}

/* The real unit ops run the helper: arguments, stdin, exit status, stderr. */
static void test_real_units_helper(void **state)
{
	static const struct {
		const char *body;
		int r;
		const char *msg; /* after the helper's path if it starts with ' ' */
	} cases[] = {
		{ "echo chatter; exit 0", 0, "" },
		{ "echo 'quietcore-unit: start quietcore.slice: Access denied' >&2; echo out; exit 13",
		  -EACCES, "start quietcore.slice: Access denied" },
		{ "printf 'quietcore-unit: stop x.slice: first\\nsecond\\n' >&2; exit 5", -EIO,
		  "stop x.slice: first" },
		{ "echo 'no prefix here' >&2; exit 17", -EEXIST, "no prefix here" },
		{ "exit 110", -ETIMEDOUT, " exited with status 110" },
		{ "exit 126", -EPROTO, " exited with status 126" },
		{ "kill -TERM $$; sleep 5", -EINTR, " killed by signal 15 (Terminated)" },
		/* stdin is /dev/null, never the caller's */
		{ "[ \"$(readlink /proc/$$/fd/0)\" = /dev/null ] || exit 9", 0, "" },
		/* a lot on stderr: the first 255 bytes kept, the helper never blocks */
		{ "head -c 200000 /dev/zero | tr '\\0' x >&2; exit 4", -EINTR, NULL },
	};
	char dir[64], helper[128], args[256], want[256], path[160];
	int in[2], saved_stdin;
	struct path_cxt pc;
	struct qc_ops ops;
	cpuset_t cpus;

	(void)state;
	unit_root(dir, sizeof(dir));
	snprintf(helper, sizeof(helper), "%s/quietcore-unit", dir);
	assert_int_equal(path_cxt_init(&pc, NULL), 0);
	ops_init_real(&ops, &pc);
	assert_string_equal(ops.unit_helper, QC_UNIT_HELPER);
	ops.unit_helper = helper;
	assert_int_equal(cpuset_parse_list("2-3", 0, &cpus), 0);
	/* our stdin a pipe for a while: the helper must not get it */
	assert_int_equal(pipe(in), 0);
	saved_stdin = dup(STDIN_FILENO);
	assert_true(saved_stdin >= 0);
	assert_int_equal(dup2(in[0], STDIN_FILENO), STDIN_FILENO);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unit_helper_script(helper, cases[i].body);
		if (!cases[i].msg) {
			assert_int_equal(ops.unit_stop(&ops, "x.slice"), cases[i].r);
			assert_int_equal(strlen(ops.unit_msg), sizeof(ops.unit_msg) - 1);
			assert_int_equal(strspn(ops.unit_msg, "x"), sizeof(ops.unit_msg) - 1);
			continue;
		}
		assert_int_equal(ops.unit_start_slice(&ops, "quietcore.slice", &cpus), cases[i].r);
		snprintf(want, sizeof(want), "%s%s", cases[i].msg[0] == ' ' ? helper : "",
			 cases[i].msg);
		assert_string_equal(ops.unit_msg, want);
	}
	assert_int_equal(dup2(saved_stdin, STDIN_FILENO), STDIN_FILENO);
	close(saved_stdin);
	close(in[0]);
	close(in[1]);

	/* the arguments, one call of each kind */
	snprintf(path, sizeof(path), "%s.args", helper);
	unlink(path);
	unit_helper_script(helper, "exit 0");
	assert_int_equal(ops.unit_start_slice(&ops, "quietcore.slice", &cpus), 0);
	assert_int_equal(ops.unit_start_scope(&ops, "run-9.scope", "quietcore.slice", 4242), 0);
	assert_int_equal(ops.unit_stop(&ops, "quietcore.slice"), 0);
	assert_int_equal(tmproot_slurp(path, args, sizeof(args)), 0);
	assert_string_equal(args, "start-slice quietcore.slice 2-3\n"
				  "start-scope run-9.scope quietcore.slice 4242\n"
				  "stop quietcore.slice\n");
	assert_int_equal(ops.nlog, 0); /* the real ops do not record */

	/* a helper that cannot be run: -ENOENT, and the message names it */
	snprintf(path, sizeof(path), "%s/absent", dir);
	ops.unit_helper = path;
	assert_int_equal(ops.unit_stop(&ops, "x.slice"), -ENOENT);
	snprintf(want, sizeof(want), "cannot run %s: No such file or directory", path);
	assert_string_equal(ops.unit_msg, want);
	assert_int_equal(chmod(helper, 0644), 0);
	ops.unit_helper = helper;
	assert_int_equal(ops.unit_stop(&ops, "x.slice"), -ENOENT);
	snprintf(want, sizeof(want), "cannot run %s: Permission denied", helper);
	assert_string_equal(ops.unit_msg, want);
	ops.unit_helper = NULL;
	assert_int_equal(ops.unit_stop(&ops, "x.slice"), -ENOENT);
	assert_string_equal(ops.unit_msg, "no unit helper program");
	ops_done(&ops);
	assert_int_equal(tmproot_remove(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recording_tasks),
		cmocka_unit_test(test_recording_files),
		cmocka_unit_test(test_recording_kernel_files),
		cmocka_unit_test(test_recording_dirs),
		cmocka_unit_test(test_real_dirs),
		cmocka_unit_test(test_real),
		cmocka_unit_test(test_real_module_load_quiet),
		cmocka_unit_test(test_recording_units),
		cmocka_unit_test(test_recording_units_refused),
		cmocka_unit_test(test_recording_units_hybrid),
		cmocka_unit_test(test_real_units_helper),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
