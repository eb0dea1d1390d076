// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/path: path_open_beneath() (what early-pin writes and restores is never
 * reached through a symbolic link below the root), with openat2 and with the
 * component walk, and path_open_trusted() (what a state file must be before
 * early-pin believes it). Both on a scratch tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "path.h"

#include "table.h"
#include "tmproot.h"

static char root[64], outside[96];

static void mk(const char *rel, const char *data)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(data, f);
	assert_int_equal(fclose(f), 0);
}

static void ln(const char *target, const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
	char p[256];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/test_path_beneath.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	for (const char *const *d =
		     (const char *const[]){ "r", "r/proc", "r/proc/irq", "r/proc/irq/3", NULL };
	     *d; d++) {
		snprintf(p, sizeof(p), "%s/%s", root, *d);
		if (mkdir(p, 0755) < 0)
			return -1;
	}
	snprintf(outside, sizeof(outside), "%s/victim", root);
	mk("victim", "outside\n");
	mk("r/proc/irq/3/smp_affinity_list", "0-63\n");
	ln("../../victim", "r/proc/irq/3/rel_link"); /* relative, last component */
	ln(outside, "r/proc/irq/3/abs_link");	     /* absolute, last component */
	ln("3", "r/proc/irq/mid");		     /* symlink in the middle */
	ln("/", "r/proc/irq/slash");		     /* to the real root */
	snprintf(p, sizeof(p), "%s/r/proc/irq/3/fifo", root);
	assert_int_equal(mkfifo(p, 0600), 0);
	snprintf(p, sizeof(p), "%s/r/proc/irq/3/dir", root);
	mkdir(p, 0755);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmproot_remove(root);
}

static const struct {
	const char *path;
	int want; /* 0: opens */
} beneath_cases[] = {
	{ "/proc/irq/3/smp_affinity_list", 0 },
	{ "//proc//irq/3/smp_affinity_list", 0 },
	{ "/proc/irq/3/rel_link", -PATH_ESYMLINK },
	{ "/proc/irq/3/abs_link", -PATH_ESYMLINK },
	{ "/proc/irq/mid/smp_affinity_list", -PATH_ESYMLINK },
	{ "/proc/irq/slash/etc/passwd", -PATH_ESYMLINK },
	{ "/proc/irq/3/../../../../victim", -EXDEV },
	{ "/../victim", -EXDEV },
	{ "/proc/irq/3/..", -EXDEV },
	{ "/proc/irq/3/fifo", -PATH_ENOTREG },
	{ "/proc/irq/3/dir", -EISDIR },
	{ "/proc/irq/3/missing", -ENOENT },
	{ "/proc/irq/9/smp_affinity_list", -ENOENT },
	{ "/proc/irq/3/smp_affinity_list/x", -ENOTDIR },
	{ "/", -EXDEV },
	{ "relative", -EINVAL },
};

static void run_beneath(bool walk)
{
	struct path_cxt pc;
	char p[128], buf[64];

	path_beneath_force_walk(walk);
	snprintf(p, sizeof(p), "%s/r", root);
	assert_int_equal(path_cxt_init(&pc, p), 0);
	for (size_t i = 0; i < ARRAY_SIZE(beneath_cases); i++) {
		int fd = path_open_beneath(&pc, O_RDONLY, "%s", beneath_cases[i].path);
		int got = fd < 0 ? fd : 0;

		if (fd >= 0)
			close(fd);
		if (got != beneath_cases[i].want)
			case_fail("%s %s: got %d (%s), want %d", walk ? "walk" : "openat2",
				  beneath_cases[i].path, got, path_strerror(got),
				  beneath_cases[i].want);
	}
	/* write and read through it; a refused write leaves the outside file alone */
	assert_int_equal(path_write_str_beneath(&pc, "0", "/proc/irq/3/smp_affinity_list"), 0);
	assert_int_equal(
		path_read_buf_beneath(&pc, buf, sizeof(buf), "/proc/irq/3/smp_affinity_list"), 1);
	assert_string_equal(buf, "0");
	assert_int_equal(path_write_str_beneath(&pc, "pwned", "/proc/irq/3/abs_link"),
			 -PATH_ESYMLINK);
	assert_int_equal(path_read_buf_beneath(&pc, buf, sizeof(buf),
					       "/proc/irq/mid/smp_affinity_list"),
			 -PATH_ESYMLINK);
	/* the message names the full path */
	snprintf(p, sizeof(p), "%s/r/proc/irq/mid/smp_affinity_list", root);
	assert_string_equal(path_last(&pc), p);
	{
		FILE *f = fopen(outside, "r");

		assert_non_null(f);
		assert_non_null(fgets(buf, sizeof(buf), f));
		fclose(f);
		assert_string_equal(buf, "outside\n");
	}
	path_beneath_force_walk(false);
	table_done();
}

static void test_beneath_openat2(void **state)
{
	(void)state;
	run_beneath(false);
}

static void test_beneath_walk(void **state)
{
	(void)state;
	run_beneath(true);
}

/* A state file's trust: each row makes one file (or its directory) one way. */
static const struct {
	const char *name;
	mode_t mode; /* 0: a symlink to "good"; S_IFIFO: a FIFO */
	bool nobody; /* chown to nobody */
	mode_t dirmode;
	const char *why; /* NULL: trusted */
} trust_cases[] = {
	{ "good", 0600, false, 0755, NULL },
	{ "readable", 0644, false, 0755, NULL },
	{ "group-writable", 0620, false, 0755, "writable by group or others" },
	{ "world-writable", 0666, false, 0755, "writable by group or others" },
	{ "nobodys", 0600, true, 0755, "owned by another user (not root or the caller)" },
	{ "link", 0, false, 0755, "a symbolic link" },
	{ "fifo", S_IFIFO | 0600, false, 0755, "not a regular file" },
	{ "in-open-dir", 0600, false, 0777, "its directory is writable by group or others" },
	{ "in-sticky-dir", 0600, false, 01777, "its directory is writable by group or others" },
	{ "in-group-dir", 0600, false, 0775, "its directory is writable by group or others" },
};

static void test_trusted(void **state)
{
	struct passwd *nobody = getpwnam("nobody");
	char dir[128], file[192];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(trust_cases); i++) {
		const char *why = NULL;
		int fd;

		snprintf(dir, sizeof(dir), "%s/t%zu", root, i);
		assert_int_equal(mkdir(dir, 0700), 0);
		snprintf(file, sizeof(file), "%s/%s", dir, trust_cases[i].name);
		if (trust_cases[i].mode == 0) {
			assert_int_equal(symlink("good", file), 0);
			snprintf(file, sizeof(file), "%s/good", dir);
			mk(file + strlen(root) + 1, "x\n");
			snprintf(file, sizeof(file), "%s/%s", dir, trust_cases[i].name);
		} else if (trust_cases[i].mode & S_IFIFO) {
			assert_int_equal(mkfifo(file, trust_cases[i].mode & 07777), 0);
		} else {
			mk(file + strlen(root) + 1, "x\n");
			assert_int_equal(chmod(file, trust_cases[i].mode), 0);
		}
		if (trust_cases[i].nobody) {
			if (!nobody || geteuid() != 0 || nobody->pw_uid == geteuid()) {
				print_message("skipping %s: needs root and a user nobody\n",
					      trust_cases[i].name);
				continue;
			}
			assert_int_equal(chown(file, nobody->pw_uid, nobody->pw_gid), 0);
		}
		assert_int_equal(chmod(dir, trust_cases[i].dirmode), 0);
		fd = path_open_trusted(file, &why);
		if (fd >= 0)
			close(fd);
		if (!trust_cases[i].why && fd < 0)
			case_fail("%s: refused (%d, %s)", trust_cases[i].name, fd, why ? why : "-");
		if (trust_cases[i].why &&
		    (fd != -EPERM || !why || strcmp(why, trust_cases[i].why) != 0))
			case_fail("%s: got %d (%s), want -EPERM (%s)", trust_cases[i].name, fd,
				  why ? why : "-", trust_cases[i].why);
	}
	assert_int_equal(path_open_trusted("/nonexistent/dir/state", NULL), -ENOENT);
	table_done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_beneath_openat2),
		cmocka_unit_test(test_beneath_walk),
		cmocka_unit_test(test_trusted),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
