// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/atomicfile: what the boot loader editors read and write below --root.
 * Writes replace the file whole and keep its mode, leave no temporary file,
 * and nothing is reached through a symbolic link, "..", a FIFO or a
 * directory. Every case runs with openat2 and with the component walk that
 * path_open_parent_beneath() falls back to.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include <cmocka.h>

#include "atomicfile.h"
#include "path.h"
#include "strv.h"

#include "table.h"
#include "tmproot.h"

static char root[64];
static struct path_cxt pc;

static void at(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s%s", root, rel);
}

static void mk(const char *rel, const char *data, mode_t mode)
{
	char p[256];
	FILE *f;

	at(p, sizeof(p), rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(data, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(p, mode), 0);
}

static int setup(void **state)
{
	char p[256];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/test_atomicfile.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	for (const char *const *d = (const char *const[]){ "/etc", "/etc/default", "/out", NULL };
	     *d; d++) {
		at(p, sizeof(p), *d);
		if (mkdir(p, 0755) < 0)
			return -1;
	}
	return path_cxt_init(&pc, root) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	path_beneath_force_walk(false);
	return tmproot_remove(root);
}

static mode_t mode_of(const char *rel)
{
	char p[256];
	struct stat st;

	at(p, sizeof(p), rel);
	assert_int_equal(lstat(p, &st), 0);
	return st.st_mode & 07777;
}

/* Names in the directory rel that start with '.' (other than . and ..). */
static int dotfiles(const char *rel)
{
	char p[256];
	struct dirent *de;
	DIR *d;
	int n = 0;

	at(p, sizeof(p), rel);
	d = opendir(p);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void check_readn(const char *path, const char *want, size_t wantlen)
{
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(atomicfile_read(&pc, path, &buf, &len, NULL), 0);
	assert_int_equal(len, wantlen);
	assert_memory_equal(buf, want, len);
	assert_int_equal(buf[len], '\0');
	free(buf);
}

static void check_read(const char *path, const char *want)
{
	check_readn(path, want, strlen(want));
}

/* New file 0644; a replaced one keeps its mode; like= sets it; no temporary left. */
static void test_write_replace(void **state)
{
	(void)state;
	for (int walk = 0; walk < 2; walk++) {
		struct stat like = { .st_mode = S_IFREG | 0640,
				     .st_uid = geteuid(),
				     .st_gid = getegid() };
		char *buf = (char *)"untouched";
		size_t len = 42;

		path_beneath_force_walk(walk);
		(void)atomicfile_unlink(&pc, "/etc/default/grub"); /* from the last round */
		assert_int_equal(atomicfile_write(&pc, "/etc/default/grub", "one\n", 4, NULL), 0);
		check_read("/etc/default/grub", "one\n");
		assert_int_equal(mode_of("/etc/default/grub"), 0644);

		mk("/etc/default/grub", "old\n", 0600);
		assert_int_equal(atomicfile_write(&pc, "/etc/default/grub", "two\0x", 5, NULL), 0);
		check_readn("/etc/default/grub", "two\0x", 5);
		assert_int_equal(mode_of("/etc/default/grub"), 0600);

		assert_int_equal(atomicfile_write(&pc, "/etc/default/grub", "", 0, &like), 0);
		check_read("/etc/default/grub", "");
		assert_int_equal(mode_of("/etc/default/grub"), 0640);

		/* a file right below the root: the parent is the root itself */
		assert_int_equal(atomicfile_write(&pc, "/top", "t", 1, NULL), 0);
		check_read("//top", "t");
		assert_int_equal(atomicfile_unlink(&pc, "/top"), 0);
		assert_int_equal(atomicfile_unlink(&pc, "/top"), -ENOENT);

		/* failure leaves the out-parameters alone */
		assert_int_equal(atomicfile_read(&pc, "/etc/absent", &buf, &len, NULL), -ENOENT);
		assert_string_equal(buf, "untouched");
		assert_int_equal(len, 42);

		assert_int_equal(dotfiles("/etc/default"), 0);
		assert_int_equal(dotfiles("/"), 0);
	}
}

enum op {
	READ,
	WRITE,
	UNLINK,
	MKDIRS,
	WRITABLE,
	LOCK,
	STALE
};

/* What a path with something in the way does to each operation. */
static void test_refusals(void **state)
{
	static const struct {
		const char *setup; /* "ln TARGET REL", "fifo REL", "dir REL", "file REL" */
		enum op op;
		const char *path;
		int want;
	} cases[] = {
		/* a symlinked directory on the way (pointing out of the root) */
		{ "ln /etc /slink", READ, "/slink/passwd", -ELOOP },
		{ "ln /etc /slink", WRITE, "/slink/qc-never", -ELOOP },
		{ "ln /etc /slink", UNLINK, "/slink/qc-never", -ELOOP },
		{ "ln /etc /slink", MKDIRS, "/slink/x", -ELOOP },
		{ "ln /etc /slink", WRITABLE, "/slink/x", -ELOOP },
		{ "ln /etc /slink", LOCK, "/slink/lock", -ELOOP },
		{ "ln /etc /slink", STALE, "/slink/passwd", -ELOOP },
		{ "ln etc /etc/default/dlink", WRITE, "/etc/default/dlink/default/grub", -ELOOP },
		/* the file itself a symlink */
		{ "ln grub /etc/default/flink", READ, "/etc/default/flink", -ELOOP },
		{ "ln grub /etc/default/flink", WRITE, "/etc/default/flink", -ELOOP },
		{ "ln /etc/shadow /etc/default/flink", LOCK, "/etc/default/flink", -ELOOP },
		/* "..", anywhere; no last component */
		{ NULL, WRITE, "/etc/../x", -EINVAL },
		{ NULL, READ, "/etc/default/../../etc/default/grub", -EINVAL },
		{ NULL, WRITE, "/etc/default/..", -EINVAL },
		{ NULL, WRITE, "/etc/default/.", -EINVAL },
		{ NULL, WRITE, "/etc/default/", -EINVAL },
		{ NULL, READ, "etc/default/grub", -EINVAL },
		/* not a regular file: refused without blocking */
		{ "fifo /etc/default/fifo", READ, "/etc/default/fifo", -PATH_ENOTREG },
		{ "fifo /etc/default/fifo", WRITE, "/etc/default/fifo", -EINVAL },
		{ "dir /etc/default/grub.d", READ, "/etc/default/grub.d", -EISDIR },
		{ "dir /etc/default/grub.d", WRITE, "/etc/default/grub.d", -EISDIR },
		/* a file where a directory should be */
		{ "file /etc/default/plain", WRITE, "/etc/default/plain/x", -ENOTDIR },
		{ "file /etc/default/plain", MKDIRS, "/etc/default/plain/x", -ENOTDIR },
		/* absent directories */
		{ NULL, WRITE, "/nodir/x", -ENOENT },
		{ NULL, WRITABLE, "/nodir/x", -ENOENT },
		{ NULL, STALE, "/nodir/x", 0 },
	};

	(void)state;
	for (int walk = 0; walk < 2; walk++) {
		path_beneath_force_walk(walk);
		for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
			char kind[8] = "", a[128] = "", b[128] = "", p[256];
			char *buf = NULL;
			size_t len;
			int r = 0, fd = -1;

			mk("/etc/default/grub", "G=1\n", 0644);
			if (cases[i].setup) {
				int n = sscanf(cases[i].setup, "%7s %127s %127s", kind, a, b);

				if (!strcmp(kind, "ln")) {
					assert_int_equal(n, 3);
					at(p, sizeof(p), b);
					assert_int_equal(symlink(a, p), 0);
				} else if (!strcmp(kind, "file")) {
					mk(a, "", 0644);
				} else {
					at(p, sizeof(p), a);
					assert_int_equal(tmproot_put_unusable(p, kind), 0);
				}
			}
			switch (cases[i].op) {
			case READ:
				r = atomicfile_read(&pc, cases[i].path, &buf, &len, NULL);
				free(r == 0 ? buf : NULL);
				break;
			case WRITE:
				r = atomicfile_write(&pc, cases[i].path, "x", 1, NULL);
				break;
			case UNLINK:
				r = atomicfile_unlink(&pc, cases[i].path);
				break;
			case MKDIRS:
				r = atomicfile_mkdirs(&pc, cases[i].path, 0700);
				break;
			case WRITABLE:
				r = atomicfile_dir_writable(&pc, cases[i].path);
				break;
			case LOCK:
				r = atomicfile_lock(&pc, cases[i].path, &fd);
				if (r == 0)
					close(fd);
				break;
			case STALE:
				r = atomicfile_remove_stale(&pc, cases[i].path, NULL, NULL);
				break;
			}
			if (r != cases[i].want)
				case_fail("%s %s (setup %s, walk %d): %d, want %d", cases[i].path,
					  (const char *[]){ "read", "write", "unlink", "mkdirs",
							    "writable", "lock",
							    "stale" }[cases[i].op],
					  cases[i].setup ? cases[i].setup : "-", walk, r,
					  cases[i].want);
			/* nothing written outside, nothing left behind */
			if (cases[i].setup) {
				at(p, sizeof(p), !strcmp(kind, "ln") ? b : a);
				if (!strcmp(kind, "dir"))
					assert_int_equal(rmdir(p), 0);
				else
					assert_int_equal(unlink(p), 0);
			}
			assert_int_equal(dotfiles("/etc/default"), 0);
		}
		table_done();
	}
	assert_int_equal(access("/etc/qc-never", F_OK), -1);
}

/* mkdir -p: each level, idempotent; the lock excludes a second holder. */
static void test_mkdirs_lock(void **state)
{
	char p[256];
	int fd1 = -1, fd2 = -1;
	struct stat st;

	(void)state;
	assert_int_equal(atomicfile_mkdirs(&pc, "/var/lib/quietcore/a", 0700), 0);
	at(p, sizeof(p), "/var/lib/quietcore/a");
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(atomicfile_mkdirs(&pc, "/var/lib/quietcore/a", 0700), 0);

	assert_int_equal(atomicfile_lock(&pc, "/var/lib/quietcore/lock", &fd1), 0);
	assert_int_equal(mode_of("/var/lib/quietcore/lock"), 0600);
	assert_int_equal(atomicfile_lock(&pc, "/var/lib/quietcore/lock", &fd2), -EWOULDBLOCK);
	assert_int_equal(fd2, -1);
	close(fd1);
	assert_int_equal(atomicfile_lock(&pc, "/var/lib/quietcore/lock", &fd2), 0);
	close(fd2);
	assert_int_equal(atomicfile_dir_writable(&pc, "/var/lib/quietcore/x"), 0);
}

/* Only ".<base>.qc" + 8 lowercase hex digits, and only regular files, are ours. */
static void test_remove_stale(void **state)
{
	static const struct {
		const char *name;
		const char *kind; /* "file", or as for tmproot_put_unusable() */
		bool removed;
	} cases[] = {
		{ ".grub.qc0123abcd", "file", true },	{ ".grub.qcffffffff", "file", true },
		{ ".grub.qc0123ABCD", "file", false },	{ ".grub.qc0123abc", "file", false },
		{ ".grub.qc0123abcde", "file", false }, { ".grub.qc0123abcg", "file", false },
		{ "grub.qc0123abcd", "file", false },	{ ".grub.cfg.qc0123abcd", "file", false },
		{ ".grubx.qc0123abcd", "file", false }, { ".grub.qc89abcdef", "loop", false },
		{ ".grub.qcfedcba98", "dir", false },	{ ".grub.qc01234567", "fifo", false },
	};
	char p[256], **removed = NULL;
	size_t n = 0;
	int want = 0;

	(void)state;
	mk("/etc/default/grub", "G=1\n", 0644);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(p, sizeof(p), "%s/etc/default/%s", root, cases[i].name);
		if (!strcmp(cases[i].kind, "file"))
			mk(p + strlen(root), "partial", 0600);
		else
			assert_int_equal(tmproot_put_unusable(p, cases[i].kind), 0);
		want += cases[i].removed;
	}
	assert_int_equal(atomicfile_remove_stale(&pc, "/etc/default/grub", &removed, &n), want);
	assert_int_equal(n, (size_t)want);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		bool listed = false;

		snprintf(p, sizeof(p), "/etc/default/%s", cases[i].name);
		for (size_t j = 0; j < n; j++)
			listed |= !strcmp(removed[j], p);
		snprintf(p, sizeof(p), "%s/etc/default/%s", root, cases[i].name);
		if (listed != cases[i].removed ||
		    (faccessat(AT_FDCWD, p, F_OK, AT_SYMLINK_NOFOLLOW) < 0) != cases[i].removed)
			case_fail("%s: listed %d, removed %d", cases[i].name, listed,
				  faccessat(AT_FDCWD, p, F_OK, AT_SYMLINK_NOFOLLOW) < 0);
	}
	for (size_t j = 0; j < n; j++)
		free(removed[j]);
	free(removed);
	check_read("/etc/default/grub", "G=1\n");
	/* nothing more to remove */
	assert_int_equal(atomicfile_remove_stale(&pc, "/etc/default/grub", NULL, NULL), 0);
	table_done();
}

static ino_t ino_of(const char *rel)
{
	char p[256];
	struct stat st;

	at(p, sizeof(p), rel);
	assert_int_equal(lstat(p, &st), 0);
	return st.st_ino;
}

/*
 * atomicfile_write_spare: the file replaced whole, its mode kept; the spare
 * holds the previous contents and is the next write's inode (no new one);
 * a spare that is not a plain file of ours is replaced, never written through.
 */
static void test_write_spare(void **state)
{
	static const struct {
		const char *spare; /* what is in the spare's place first: NULL nothing */
	} cases[] = {
		{ NULL }, { "file" }, { "link" }, { "hardlink" }, { "fifo" }, { "loop" },
	};
	char p[256], q[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		ino_t old, spare;

		(void)atomicfile_unlink(&pc, "/out/state");
		(void)atomicfile_remove_spare(&pc, "/out/state");
		(void)atomicfile_unlink(&pc, "/out/victim");
		mk("/out/victim", "victim\n", 0644);
		at(p, sizeof(p), "/out/.state.spare");
		at(q, sizeof(q), "/out/victim");
		if (!cases[i].spare)
			;
		else if (!strcmp(cases[i].spare, "file"))
			mk("/out/.state.spare", "stale\n", 0600);
		else if (!strcmp(cases[i].spare, "link"))
			assert_int_equal(symlink(q, p), 0);
		else if (!strcmp(cases[i].spare, "hardlink"))
			assert_int_equal(link(q, p), 0);
		else
			assert_int_equal(tmproot_put_unusable(p, cases[i].spare), 0);

		/* a new file: 0644, no spare left (it became the file) */
		if (atomicfile_write_spare(&pc, "/out/state", "one", 3) != 0)
			case_fail("spare %s: first write failed",
				  cases[i].spare ? cases[i].spare : "none");
		check_read("/out/state", "one");
		assert_int_equal(mode_of("/out/state"), 0644);
		check_read("/out/victim", "victim\n");
		assert_int_equal(faccessat(AT_FDCWD, p, F_OK, AT_SYMLINK_NOFOLLOW), -1);

		/* replaced: the old inode becomes the spare, the mode is kept */
		at(q, sizeof(q), "/out/state");
		assert_int_equal(chmod(q, 0600), 0);
		old = ino_of("/out/state");
		assert_int_equal(atomicfile_write_spare(&pc, "/out/state", "two, longer", 11), 0);
		check_read("/out/state", "two, longer");
		check_read("/out/.state.spare", "one");
		assert_int_equal(mode_of("/out/state"), 0600);
		assert_int_equal(ino_of("/out/.state.spare"), old);

		/* and is written next: the two inodes take turns, shorter contents truncate */
		spare = ino_of("/out/.state.spare");
		old = ino_of("/out/state");
		assert_int_equal(atomicfile_write_spare(&pc, "/out/state", "3", 1), 0);
		check_read("/out/state", "3");
		check_read("/out/.state.spare", "two, longer");
		assert_int_equal(ino_of("/out/state"), spare);
		assert_int_equal(ino_of("/out/.state.spare"), old);
		check_read("/out/victim", "victim\n");

		assert_int_equal(atomicfile_remove_spare(&pc, "/out/state"), 1);
		assert_int_equal(atomicfile_remove_spare(&pc, "/out/state"), 0);
		check_read("/out/state", "3");
	}
	/* a symbolic link or a directory in the file's place: refused, as atomicfile_write */
	(void)atomicfile_unlink(&pc, "/out/state");
	at(p, sizeof(p), "/out/state");
	assert_int_equal(symlink("victim", p), 0);
	assert_int_equal(atomicfile_write_spare(&pc, "/out/state", "x", 1), -ELOOP);
	check_read("/out/victim", "victim\n");
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(atomicfile_write_spare(&pc, "/out/state", "x", 1), -EISDIR);
	assert_int_equal(rmdir(p), 0);
	assert_int_equal(atomicfile_remove_spare(&pc, "/nonexistent/state"), 0);
	table_done();
}

/* Symbolic links made and read without following one; empty directories removed. */
static void test_links_rmdir(void **state)
{
	static const struct {
		const char *setup; /* as in test_refusals */
		const char *op;	   /* "readlink", "symlink", "rmdir" */
		const char *path;
		int want;
		const char *target; /* readlink: what it reads; symlink: what it makes */
	} cases[] = {
		{ "ln /lib/unit /etc/default/l", "readlink", "/etc/default/l", 0, "/lib/unit" },
		{ "ln rel/x /etc/default/l", "readlink", "/etc/default/l", 0, "rel/x" },
		{ NULL, "readlink", "/etc/default/none", -ENOENT, NULL },
		{ NULL, "readlink", "/etc/default/grub", -EINVAL, NULL },
		{ "dir /etc/default/d", "readlink", "/etc/default/d", -EINVAL, NULL },
		{ "ln /etc /slink", "readlink", "/slink/default", -ELOOP, NULL },
		{ NULL, "symlink", "/etc/default/new", 0, "/usr/lib/systemd/system/x.service" },
		{ NULL, "symlink", "/etc/default/grub", -EEXIST, "/x" },
		{ "ln /a /etc/default/l", "symlink", "/etc/default/l", -EEXIST, "/b" },
		{ "ln /etc /slink", "symlink", "/slink/new", -ELOOP, "/x" },
		{ NULL, "symlink", "/nodir/new", -ENOENT, "/x" },
		{ NULL, "symlink", "/etc/default/empty", -EINVAL, "" },
		{ "dir /etc/default/d", "rmdir", "/etc/default/d", 0, NULL },
		{ NULL, "rmdir", "/etc", -ENOTEMPTY, NULL },
		{ NULL, "rmdir", "/etc/default/none", -ENOENT, NULL },
		{ NULL, "rmdir", "/etc/default/grub", -ENOTDIR, NULL },
		{ "ln /out /etc/default/l", "rmdir", "/etc/default/l", -ENOTDIR, NULL },
		{ "ln /etc /slink", "rmdir", "/slink/default", -ELOOP, NULL },
	};
	int dots = dotfiles("/etc/default"); /* what the tests before left there */

	(void)state;
	for (int walk = 0; walk < 2; walk++) {
		path_beneath_force_walk(walk);
		for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
			char kind[8] = "", a[128] = "", b[128] = "", p[256], *t = NULL;
			const char *op = cases[i].op;
			int r;

			mk("/etc/default/grub", "G=1\n", 0644);
			if (cases[i].setup) {
				assert_true(sscanf(cases[i].setup, "%7s %127s %127s", kind, a, b) >=
					    2);
				if (!strcmp(kind, "ln")) {
					at(p, sizeof(p), b);
					assert_int_equal(symlink(a, p), 0);
				} else {
					at(p, sizeof(p), a);
					assert_int_equal(tmproot_put_unusable(p, kind), 0);
				}
			}
			if (!strcmp(op, "readlink"))
				r = atomicfile_readlink(&pc, cases[i].path, &t);
			else if (!strcmp(op, "symlink"))
				r = atomicfile_symlink(&pc, cases[i].path, cases[i].target);
			else
				r = atomicfile_rmdir(&pc, cases[i].path);
			if (r != cases[i].want)
				case_fail("%s %s (setup %s, walk %d): %d, want %d", op,
					  cases[i].path, cases[i].setup ? cases[i].setup : "-",
					  walk, r, cases[i].want);
			/* what it read, or the link it made, read back by the kernel */
			if (r == 0 && !strcmp(op, "symlink")) {
				ssize_t n;

				at(p, sizeof(p), cases[i].path);
				n = readlink(p, b, sizeof(b) - 1);
				if (n < 0 || (b[n] = '\0', strcmp(b, cases[i].target)))
					case_fail("symlink %s: reads back '%s'", cases[i].path,
						  n < 0 ? "(none)" : b);
				assert_int_equal(unlink(p), 0);
			}
			if (r == 0 && !strcmp(op, "readlink") && strcmp(t, cases[i].target))
				case_fail("readlink %s: '%s', want '%s'", cases[i].path, t,
					  cases[i].target);
			if (r == 0 && !strcmp(op, "rmdir")) {
				at(p, sizeof(p), cases[i].path);
				if (access(p, F_OK) == 0)
					case_fail("rmdir %s: still there", cases[i].path);
			}
			free(t);
			if (cases[i].setup && !(r == 0 && !strcmp(op, "rmdir"))) {
				at(p, sizeof(p), !strcmp(kind, "ln") ? b : a);
				if (!strcmp(kind, "dir"))
					assert_int_equal(rmdir(p), 0);
				else
					assert_int_equal(unlink(p), 0);
			}
			assert_int_equal(dotfiles("/etc/default"), dots);
		}
		table_done();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_replace), cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_mkdirs_lock),   cmocka_unit_test(test_remove_stale),
		cmocka_unit_test(test_links_rmdir),   cmocka_unit_test(test_write_spare),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
