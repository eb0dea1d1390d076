// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/path: root prefix handling, the typed readers against the quirks of real
 * sysfs (tests/fixtures/path/basic, see its README), number parsing tables
 * written to a scratch root, writes, and a few reads of the real /sys and /proc.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "path.h"

#include "table.h"
#include "tmproot.h"

/* The fixture root; tests/run.sh runs us from the top of the tree (QC_TOP). */
static char fixture[PATH_MAX / 2];
/* A scratch root for files the tests write. */
static char scratch[PATH_MAX / 2];

static int setup(void **state)
{
	const char *top = getenv("QC_TOP");
	const char *tmp = getenv("TMPDIR");

	snprintf(fixture, sizeof(fixture), "%s/tests/fixtures/path/basic", top ? top : ".");
	if (access(fixture, R_OK | X_OK) < 0) {
		print_error("fixture %s missing: run from the top of the tree or set QC_TOP\n",
			    fixture);
		return -1;
	}
	snprintf(scratch, sizeof(scratch), "%s/qc-test-path-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(scratch))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	/* The scratch root is ours alone (mkdtemp). */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	return system(cmd) == 0 ? 0 : -1;
}

/* Write exact bytes to <scratch>/<name>, creating directories. */
static void scratch_write(const char *name, const char *data, size_t len)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", scratch, name);
	for (char *s = strchr(p + strlen(scratch) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void scratch_read(const char *name, char *buf, size_t len)
{
	char p[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", scratch, name);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, buf, len - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
}

static const char *list_of(const cpuset_t *set)
{
	static char buf[4096];

	cpuset_format_list(set, buf, sizeof(buf));
	return buf;
}

/* ---- context --------------------------------------------------------------- */

static void test_cxt_real_root(void **state)
{
	static const char *const roots[] = { NULL, "", "/", "//", "///" };

	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		struct path_cxt pc;

		assert_int_equal(path_cxt_init(&pc, roots[i]), 0);
		assert_true(path_is_real_root(&pc));
		assert_int_equal(pc.rootlen, 0);
		assert_string_equal(path_get(&pc, "/proc/%d/stat", 7), "/proc/7/stat");
		assert_string_equal(path_last(&pc), "/proc/7/stat");
	}
}

static void test_cxt_prefix(void **state)
{
	char with_slash[PATH_MAX + 2], want[PATH_MAX + 64];
	struct path_cxt pc;

	/* with and without trailing slashes: same prefix */
	snprintf(with_slash, sizeof(with_slash), "%s//", fixture);
	assert_int_equal(path_cxt_init(&pc, with_slash), 0);
	assert_false(path_is_real_root(&pc));
	assert_string_equal(pc.root, fixture);
	assert_int_equal(pc.rootlen, strlen(fixture));
	snprintf(want, sizeof(want), "%s/sys/devices/system/cpu/cpu3/online", fixture);
	assert_string_equal(path_get(&pc, "/sys/devices/system/cpu/cpu%u/online", 3U), want);

	assert_int_equal(path_cxt_init(&pc, fixture), 0);
	assert_string_equal(pc.root, fixture);
	assert_string_equal(path_get(&pc, "/sys/devices/system/cpu/cpu%u/online", 3U), want);
}

static void test_cxt_errors(void **state)
{
	char p[PATH_MAX + 64];
	struct path_cxt pc;

	snprintf(p, sizeof(p), "%s/does-not-exist", fixture);
	assert_int_equal(path_cxt_init(&pc, p), -ENOENT);
	snprintf(p, sizeof(p), "%s/sys/devices/system/cpu/online", fixture);
	assert_int_equal(path_cxt_init(&pc, p), -ENOTDIR);

	char *longroot = malloc(PATH_MAX + 10);

	assert_non_null(longroot);
	memset(longroot, 'a', PATH_MAX + 9);
	longroot[0] = '/';
	longroot[PATH_MAX + 9] = '\0';
	assert_int_equal(path_cxt_init(&pc, longroot), -ENAMETOOLONG);
	free(longroot);
}

/* A path that does not fit PATH_MAX: NULL/ENAMETOOLONG, never a truncated path used. */
static void test_path_too_long(void **state)
{
	char *name = malloc(PATH_MAX + 1);
	struct path_cxt pc;
	uint32_t v = 7;
	char buf[8];

	assert_non_null(name);
	memset(name, 'x', PATH_MAX);
	name[PATH_MAX] = '\0';
	assert_int_equal(path_cxt_init(&pc, fixture), 0);
	errno = 0;
	assert_null(path_get(&pc, "/%s", name));
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(path_read_u32(&pc, &v, "/%s", name), -ENAMETOOLONG);
	assert_int_equal(v, 7);
	assert_int_equal(path_read_buf(&pc, buf, sizeof(buf), "/%s", name), -ENAMETOOLONG);
	assert_int_equal(path_write_str(&pc, "1", "/%s", name), -ENAMETOOLONG);
	assert_false(path_exists(&pc, "/%s", name));
	assert_null(path_opendir(&pc, "/%s", name));
	free(name);
}

/* ---- numbers: one table per reader, files written to the scratch root ------ */

#define B(s) s, sizeof(s) - 1 /* bytes of a literal, embedded NULs included */

static const struct {
	const char *data;
	size_t len;
	int ret;
	uint32_t val;
} u32_rows[] = {
	{ B("0"), 0, 0 },
	{ B("42"), 0, 42 },
	{ B("42\n"), 0, 42 },
	{ B("42\n\0"), 0, 42 },
	{ B("42\0"), 0, 42 },
	{ B("  42 \t\n"), 0, 42 },
	{ B("4294967295\n"), 0, UINT32_MAX },
	{ B("010\n"), 0, 10 }, /* sysfs prints decimal: not octal */
	{ B("08\n"), 0, 8 },
	{ B("0x1f\n"), 0, 31 }, /* an explicit 0x is hex */
	{ B("+7"), 0, 7 },
	{ B(""), -ENODATA, 0 },
	{ B("\n"), -ENODATA, 0 },
	{ B("\n\0"), -ENODATA, 0 },
	{ B("\0"), -ENODATA, 0 },
	{ B("  \n"), -ENODATA, 0 },
	{ B("4294967296"), -ERANGE, 0 },
	{ B("18446744073709551616"), -ERANGE, 0 },
	{ B("99999999999999999999999\n"), -ERANGE, 0 },
	{ B("-1\n"), -EINVAL, 0 },
	{ B("-0"), -EINVAL, 0 },
	{ B("garbage\n"), -EINVAL, 0 },
	{ B("12abc"), -EINVAL, 0 },
	{ B("12 13"), -EINVAL, 0 },
	{ B("1.5"), -EINVAL, 0 },
	{ B("0x"), -EINVAL, 0 },
	{ B("0xg"), -EINVAL, 0 },
	{ B("09x"), -EINVAL, 0 },
	{ B("12\0junk\n"), -EINVAL, 0 }, /* an embedded NUL is not a trailing one */
	{ B("\0"
	    "12"),
	  -EINVAL, 0 },
	/* longer than any number: does not fit the reader's buffer */
	{ B("1111111111111111111111111111111111111111111111111111111111111111111111"), -EINVAL, 0 },
};

static const struct {
	const char *data;
	size_t len;
	int ret;
	int32_t val;
} s32_rows[] = {
	{ B("-1\n"), 0, -1 }, /* physical_package_id, die_id */
	{ B("-1\n\0"), 0, -1 },
	{ B("0"), 0, 0 },
	{ B("2147483647"), 0, INT32_MAX },
	{ B("-2147483648"), 0, INT32_MIN },
	{ B("-010"), 0, -10 },
	{ B("2147483648"), -ERANGE, 0 },
	{ B("-2147483649"), -ERANGE, 0 },
	{ B("-99999999999999999999"), -ERANGE, 0 },
	{ B(""), -ENODATA, 0 },
	{ B("-"), -EINVAL, 0 },
	{ B("--1"), -EINVAL, 0 },
	{ B("- 1"), -EINVAL, 0 },
	{ B("1-"), -EINVAL, 0 },
	{ B("-1x"), -EINVAL, 0 },
};

static const struct {
	const char *data;
	size_t len;
	int ret;
	uint64_t val;
} u64_rows[] = {
	{ B("18446744073709551615\n"), 0, UINT64_MAX },
	{ B("4294967296"), 0, 4294967296ULL },
	{ B("0\n\0"), 0, 0 },
	{ B("18446744073709551616"), -ERANGE, 0 },
	{ B("-1"), -EINVAL, 0 },
	{ B(" -1"), -EINVAL, 0 },
	{ B(""), -ENODATA, 0 },
	{ B("x"), -EINVAL, 0 },
};

static const struct {
	const char *data;
	size_t len;
	int ret;
	int64_t val;
} s64_rows[] = {
	{ B("-9223372036854775808"), 0, INT64_MIN },
	{ B("9223372036854775807\n"), 0, INT64_MAX },
	{ B("-1\n\0"), 0, -1 },
	{ B("9223372036854775808"), -ERANGE, 0 },
	{ B("-9223372036854775809"), -ERANGE, 0 },
	{ B(""), -ENODATA, 0 },
	{ B("1e3"), -EINVAL, 0 },
};

static void test_read_numbers(void **state)
{
	struct path_cxt pc;

	assert_int_equal(path_cxt_init(&pc, scratch), 0);

#define RUN_ROWS(rows, type, reader, fmt)                                                      \
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {                                        \
		type v = (type)123;                                                            \
		int r;                                                                         \
                                                                                               \
		scratch_write("num", rows[i].data, rows[i].len);                               \
		r = reader(&pc, &v, "/num");                                                   \
		if (r != rows[i].ret)                                                          \
			case_fail(#reader " row %zu: ret %d, expected %d", i, r, rows[i].ret); \
		else if (r == 0 && v != rows[i].val)                                           \
			case_fail(#reader " row %zu: value " fmt ", expected " fmt, i, v,      \
				  rows[i].val);                                                \
		else if (r < 0 && v != (type)123)                                              \
			case_fail(#reader " row %zu: ret_ value changed on failure", i);       \
	}

	RUN_ROWS(u32_rows, uint32_t, path_read_u32, "%u")
	RUN_ROWS(s32_rows, int32_t, path_read_s32, "%d")
	RUN_ROWS(u64_rows, uint64_t, path_read_u64, "%" PRIu64)
	RUN_ROWS(s64_rows, int64_t, path_read_s64, "%" PRId64)
	table_done();
}

/* The strict parsers are public too: the same rules without a file. */
static void test_parse_numbers(void **state)
{
	uint32_t u;
	int32_t s;
	uint64_t u64;
	int64_t s64;

	assert_int_equal(parse_u32("12", &u), 0);
	assert_int_equal(u, 12);
	assert_int_equal(parse_u32("012", &u), 0);
	assert_int_equal(u, 12);
	assert_int_equal(parse_u32("0X10", &u), 0);
	assert_int_equal(u, 16);
	assert_int_equal(parse_u32("", &u), -ENODATA);
	assert_int_equal(parse_u32("1 2", &u), -EINVAL);
	assert_int_equal(parse_s32("-7", &s), 0);
	assert_int_equal(s, -7);
	assert_int_equal(parse_s32("-0x10", &s), 0);
	assert_int_equal(s, -16);
	assert_int_equal(parse_u64("0", &u64), 0);
	assert_int_equal(parse_s64("-0", &s64), 0);
	assert_int_equal(s64, 0);
}

/* ---- the fixture tree --------------------------------------------------------- */

static void test_read_fixture_numbers(void **state)
{
	struct path_cxt pc;
	uint32_t u = 77;
	int32_t s = 77;
	char want[PATH_MAX + 64];

	assert_int_equal(path_cxt_init(&pc, fixture), 0);

	assert_int_equal(
		path_read_u32(&pc, &u, "/sys/devices/system/cpu/cpu%d/topology/core_id", 0), 0);
	assert_int_equal(u, 0);
	assert_int_equal(
		path_read_u32(&pc, &u, "/sys/devices/system/cpu/cpu%d/topology/core_id", 1), 0);
	assert_int_equal(u, 1);
	assert_int_equal(path_read_s32(&pc, &s,
				       "/sys/devices/system/cpu/cpu0/topology/physical_package_id"),
			 0);
	assert_int_equal(s, -1);
	assert_int_equal(path_read_s32(&pc, &s, "/sys/devices/system/cpu/cpu0/topology/die_id"), 0);
	assert_int_equal(s, -1);
	u = 77;
	assert_int_equal(path_read_u32(&pc, &u, "/sys/devices/system/cpu/cpu0/topology/die_id"),
			 -EINVAL);
	assert_int_equal(u, 77);
	assert_int_equal(path_read_u32(&pc, &u, "/sys/devices/system/cpu/cpu1/online"), -ENODATA);
	assert_int_equal(path_read_u32(&pc, &u, "/sys/devices/system/cpu/cpu2/online"), 0);
	assert_int_equal(u, 1);
	assert_int_equal(path_read_u32(&pc, &u, "/sys/devices/system/cpu/cpu3/online"), -ERANGE);

	/* garbage: -EINVAL and path_last() names the whole path for the message */
	assert_int_equal(path_read_u32(&pc, &u, "/sys/devices/system/cpu/cpu%d/topology/core_id",
				       2),
			 -EINVAL);
	snprintf(want, sizeof(want), "%s/sys/devices/system/cpu/cpu2/topology/core_id", fixture);
	assert_string_equal(path_last(&pc), want);

	/* missing: -ENOENT, same */
	assert_int_equal(path_read_u32(&pc, &u, "/sys/devices/system/cpu/cpu%d/online", 0),
			 -ENOENT);
	snprintf(want, sizeof(want), "%s/sys/devices/system/cpu/cpu0/online", fixture);
	assert_string_equal(path_last(&pc), want);

	/* a directory is not a number */
	assert_true(path_read_u32(&pc, &u, "/sys/devices/system/cpu/cpu0") < 0);
}

static void test_read_cpulist(void **state)
{
	static const struct {
		const char *file;
		unsigned int nbits;
		int ret;
		const char *list;
	} t[] = {
		{ "/sys/devices/system/cpu/online", 0, 0, "0-3" },
		{ "/sys/devices/system/cpu/online", 4, 0, "0-3" },
		{ "/sys/devices/system/cpu/possible", 0, 0, "0-7" }, /* "\n\0" */
		{ "/sys/devices/system/cpu/possible", 4, -ERANGE, NULL },
		{ "/sys/devices/system/cpu/isolated", 0, 0, "" },  /* empty file */
		{ "/sys/devices/system/cpu/offline", 0, 0, "" },   /* "\n" */
		{ "/sys/devices/system/cpu/nohz_full", 0, 0, "" }, /* "(null)" */
		{ "/sys/devices/system/cpu/cpu0/topology/thread_siblings_list", 0, 0, "0-1" },
		{ "/sys/devices/system/cpu/cpu1/topology/thread_siblings_list", 0, -ENOENT, NULL },
		{ "/sys/devices/system/cpu/cpu2/topology/thread_siblings_list", 0, -ERANGE, NULL },
		{ "/sys/devices/system/cpu/cpu2/topology/core_id", 0, -EINVAL, NULL },
		{ "/sys/devices/system/node/node0/cpulist", 0, 0, "0-3" },
		{ "/proc/irq/5/smp_affinity_list", 0, 0, "0-3" },
	};
	struct path_cxt pc;

	assert_int_equal(path_cxt_init(&pc, fixture), 0);
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		cpuset_t s, before;
		int r;

		cpuset_zero(&s);
		cpuset_set(&s, 99);
		before = s;
		r = path_read_cpulist(&pc, t[i].nbits, &s, "%s", t[i].file);
		if (r != t[i].ret)
			case_fail("%s: ret %d, expected %d", t[i].file, r, t[i].ret);
		else if (r == 0 && strcmp(list_of(&s), t[i].list) != 0)
			case_fail("%s: \"%s\", expected \"%s\"", t[i].file, list_of(&s), t[i].list);
		else if (r < 0 && !cpuset_equal(&s, &before))
			case_fail("%s: ret_ changed on failure", t[i].file);
	}
	table_done();
}

static void test_read_cpumask(void **state)
{
	static const struct {
		const char *file;
		int ret;
		const char *list;
	} t[] = {
		{ "/sys/devices/system/cpu/cpu0/topology/thread_siblings", 0, "0-1" },
		{ "/sys/devices/system/cpu/cpu1/topology/thread_siblings", 0, "0-1" }, /* "\n\0" */
		{ "/sys/devices/system/cpu/cpu2/topology/thread_siblings", -EINVAL, NULL },
		{ "/sys/devices/system/node/node0/cpumap", 0, "0-3" },
		{ "/proc/irq/5/smp_affinity", 0, "0-3" },
		{ "/sys/devices/system/cpu/isolated", -ENODATA, NULL }, /* an empty mask file */
		{ "/sys/devices/system/cpu/offline", -ENODATA, NULL },
		{ "/proc/irq/6/smp_affinity", -ENOENT, NULL },
	};
	struct path_cxt pc;

	assert_int_equal(path_cxt_init(&pc, fixture), 0);
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		cpuset_t s, before;
		int r;

		cpuset_zero(&s);
		cpuset_set(&s, 99);
		before = s;
		r = path_read_cpumask(&pc, &s, "%s", t[i].file);
		if (r != t[i].ret)
			case_fail("%s: ret %d, expected %d", t[i].file, r, t[i].ret);
		else if (r == 0 && strcmp(list_of(&s), t[i].list) != 0)
			case_fail("%s: \"%s\", expected \"%s\"", t[i].file, list_of(&s), t[i].list);
		else if (r < 0 && !cpuset_equal(&s, &before))
			case_fail("%s: ret_ changed on failure", t[i].file);
	}
	table_done();
}

static void test_read_buf(void **state)
{
	struct path_cxt pc;
	char buf[64];

	assert_int_equal(path_cxt_init(&pc, fixture), 0);
	/* "0-7\n\0": 5 bytes in the file, 3 after stripping */
	assert_int_equal(path_read_buf(&pc, buf, sizeof(buf), "/sys/devices/system/cpu/possible"),
			 3);
	assert_string_equal(buf, "0-7");
	assert_int_equal(path_read_buf(&pc, buf, 6, "/sys/devices/system/cpu/possible"), 3);
	assert_string_equal(buf, "0-7");
	/* the whole file must fit, NUL included */
	assert_int_equal(path_read_buf(&pc, buf, 5, "/sys/devices/system/cpu/possible"), -EFBIG);
	assert_int_equal(path_read_buf(&pc, buf, 2, "/sys/devices/system/cpu/possible"), -EFBIG);
	assert_int_equal(path_read_buf(&pc, buf, 1, "/sys/devices/system/cpu/possible"), -EFBIG);
	assert_int_equal(path_read_buf(&pc, buf, 0, "/sys/devices/system/cpu/possible"), -EINVAL);
	/* empty file */
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(path_read_buf(&pc, buf, sizeof(buf), "/sys/devices/system/cpu/isolated"),
			 0);
	assert_string_equal(buf, "");
	assert_int_equal(path_read_buf(&pc, buf, 1, "/sys/devices/system/cpu/isolated"), 0);
	assert_int_equal(path_read_buf(&pc, buf, sizeof(buf), "/nope"), -ENOENT);
	/* a file larger than the buffer */
	assert_true(path_read_buf(&pc, buf, sizeof(buf), "/proc/42/stat") == -EFBIG);
}

static void test_read_str(void **state)
{
	struct path_cxt pc;
	char *s = (char *)"untouched", *big;
	const size_t bigsz = 300000;

	assert_int_equal(path_cxt_init(&pc, fixture), 0);
	assert_int_equal(path_read_str(&pc, &s, "/proc/cmdline"), 0);
	assert_string_equal(
		s, "BOOT_IMAGE=/vmlinuz root=UUID=1234 ro quiet isolcpus=domain,managed_irq,2-3 "
		   "foo=\"a b\" -- single");
	free(s);
	assert_int_equal(path_read_str(&pc, &s, "/sys/devices/system/cpu/possible"), 0);
	assert_string_equal(s, "0-7");
	free(s);
	assert_int_equal(path_read_str(&pc, &s, "/sys/devices/system/cpu/isolated"), 0);
	assert_string_equal(s, "");
	free(s);
	s = (char *)"untouched";
	assert_int_equal(path_read_str(&pc, &s, "/missing"), -ENOENT);
	assert_string_equal(s, "untouched");

	/* larger than any internal buffer: grows */
	big = malloc(bigsz);
	assert_non_null(big);
	for (size_t i = 0; i < bigsz; i++)
		big[i] = (char)('a' + i % 26);
	big[bigsz - 2] = '\n';
	big[bigsz - 1] = '\0';
	scratch_write("big", big, bigsz);
	assert_int_equal(path_cxt_init(&pc, scratch), 0);
	assert_int_equal(path_read_str(&pc, &s, "/big"), 0);
	assert_int_equal(strlen(s), bigsz - 2);
	assert_memory_equal(s, big, bigsz - 2);
	free(s);
	free(big);
}

/*
 * Every reader refuses what is not a regular file, at once (a FIFO with no
 * writer would block open(2) and read(2) forever), and tells it from "absent".
 */
static void test_read_not_regular(void **state)
{
	static const struct {
		const char *name;
		int err;
	} rows[] = {
		{ "/nr/fifo", -PATH_ENOTREG },
		{ "/nr/null", -PATH_ENOTREG }, /* a character device (through a symlink) */
		{ "/nr/dir", -EISDIR },
		{ "/nr/loop", -ELOOP },
		{ "/nr/missing", -ENOENT },
	};
	struct path_cxt pc;
	char p[PATH_MAX], buf[64];
	cpuset_t set;
	uint32_t u;
	char *s;
	FILE *f;
	int fd;

	static const char *const kinds[] = { "fifo", "chardev", "dir", "loop" };

	snprintf(p, sizeof(p), "%s/nr", scratch);
	assert_int_equal(mkdir(p, 0755), 0);
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		snprintf(p, sizeof(p), "%s%s", scratch, rows[i].name);
		assert_int_equal(tmproot_put_unusable(p, kinds[i]), 0);
	}
	scratch_write("nr/file", "0-1\n", 4);

	assert_int_equal(path_cxt_init(&pc, scratch), 0);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		const char *n = rows[i].name;
		int r;

		s = NULL;
		if ((r = (int)path_read_buf(&pc, buf, sizeof(buf), "%s", n)) != rows[i].err)
			case_fail("path_read_buf %s: %d, want %d", n, r, rows[i].err);
		if ((r = path_read_str(&pc, &s, "%s", n)) != rows[i].err)
			case_fail("path_read_str %s: %d, want %d", n, r, rows[i].err);
		if (r == 0)
			free(s);
		if ((r = path_read_u32(&pc, &u, "%s", n)) != rows[i].err)
			case_fail("path_read_u32 %s: %d, want %d", n, r, rows[i].err);
		if ((r = path_read_cpulist(&pc, 0, &set, "%s", n)) != rows[i].err)
			case_fail("path_read_cpulist %s: %d, want %d", n, r, rows[i].err);
		if (strcmp(path_last(&pc) + strlen(scratch), n) != 0)
			case_fail("path_last %s: %s", n, path_last(&pc));
		if ((r = path_open(&pc, O_RDONLY, "%s", n)) != rows[i].err) {
			case_fail("path_open %s: %d, want %d", n, r, rows[i].err);
			if (r >= 0)
				close(r);
		}
		errno = 0;
		f = path_fopen(&pc, "re", "%s", n);
		if (f || errno != -rows[i].err)
			case_fail("path_fopen %s: %p errno %d, want %d", n, (void *)f, errno,
				  -rows[i].err);
		if (f)
			fclose(f);
	}
	table_done();

	/* The regular file next to them reads, and blocking mode is restored. */
	assert_int_equal(path_read_cpulist(&pc, 0, &set, "/nr/file"), 0);
	fd = path_open(&pc, O_RDONLY, "/nr/file");
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	close(fd);
	/* The named exception opens a device; directories open with O_DIRECTORY. */
	fd = path_open_device(&pc, O_RDONLY, "/nr/null");
	assert_true(fd >= 0);
	close(fd);
	fd = path_open(&pc, O_RDONLY | O_DIRECTORY, "/nr/dir");
	assert_true(fd >= 0);
	close(fd);
	assert_string_equal(path_strerror(-PATH_ENOTREG), "not a regular file");
	assert_string_equal(path_strerror(-ENOENT), strerror(ENOENT));
}

/* ---- writing ------------------------------------------------------------------ */

static void test_write_str(void **state)
{
	struct path_cxt pc;
	char buf[64], p[PATH_MAX + 16];
	cpuset_t s;

	assert_int_equal(path_cxt_init(&pc, scratch), 0);
	scratch_write("proc/irq/5/smp_affinity_list", B("0-3\n"));

	/* a shorter value replaces the file, it does not leave "2-3\n" behind */
	assert_int_equal(path_write_str(&pc, "2", "/proc/irq/%d/smp_affinity_list", 5), 0);
	scratch_read("proc/irq/5/smp_affinity_list", buf, sizeof(buf));
	assert_string_equal(buf, "2");
	assert_int_equal(path_read_cpulist(&pc, 0, &s, "/proc/irq/5/smp_affinity_list"), 0);
	assert_string_equal(list_of(&s), "2");

	assert_int_equal(path_write_str(&pc, "0-1,3\n", "/proc/irq/5/smp_affinity_list"), 0);
	scratch_read("proc/irq/5/smp_affinity_list", buf, sizeof(buf));
	assert_string_equal(buf, "0-1,3\n");

	/* an empty string is a valid (empty) write */
	assert_int_equal(path_write_str(&pc, "", "/proc/irq/5/smp_affinity_list"), 0);

	/* never creates a file: sysfs/procfs semantics */
	assert_int_equal(path_write_str(&pc, "1", "/proc/irq/6/smp_affinity_list"), -ENOENT);
	snprintf(p, sizeof(p), "%s/proc/irq/6/smp_affinity_list", scratch);
	assert_string_equal(path_last(&pc), p);
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/proc/irq/5/new", scratch);
	assert_int_equal(path_write_str(&pc, "1", "/proc/irq/5/new"), -ENOENT);
	assert_int_equal(access(p, F_OK), -1);

	/* a directory */
	assert_int_equal(path_write_str(&pc, "1", "/proc/irq/5"), -EISDIR);

	/* /dev/full: the write's own errno comes back */
	struct path_cxt real;

	assert_int_equal(path_cxt_init(&real, NULL), 0);
	if (access("/dev/full", W_OK) == 0)
		assert_int_equal(path_write_str(&real, "1", "/dev/full"), -ENOSPC);
}

/* ---- small helpers ---------------------------------------------------------- */

static void test_exists_access_opendir(void **state)
{
	struct path_cxt pc;
	struct dirent *de;
	size_t n = 0;
	DIR *d;
	FILE *f;
	char line[64];

	assert_int_equal(path_cxt_init(&pc, fixture), 0);
	assert_true(path_exists(&pc, "/sys/devices/system/cpu/cpu%d", 0));
	assert_false(path_exists(&pc, "/sys/devices/system/cpu/cpu%d", 9));
	assert_int_equal(path_access(&pc, R_OK, "/sys/devices/system/cpu/online"), 0);
	assert_int_equal(path_access(&pc, R_OK, "/sys/devices/system/cpu/nope"), -ENOENT);

	d = path_opendir(&pc, "/sys/devices/system/cpu");
	assert_non_null(d);
	while ((de = readdir(d)))
		if (strncmp(de->d_name, "cpu", 3) == 0)
			n++;
	closedir(d);
	assert_int_equal(n, 4);
	assert_null(path_opendir(&pc, "/sys/devices/system/node/node1"));

	f = path_fopen(&pc, "r", "/proc/irq/%d/smp_affinity", 5);
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "f\n");
	assert_true(fcntl(fileno(f), F_GETFD) & FD_CLOEXEC);
	fclose(f);

	int fd = path_open(&pc, O_RDONLY, "/sys/devices/system/cpu/online");

	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	assert_int_equal(path_open(&pc, O_RDONLY, "/none"), -ENOENT);
}

static void test_strip_trailing(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} t[] = {
		{ B("abc\n\0"), "abc" }, { B("abc \t\n\0\0"), "abc" }, { B(""), "" },
		{ B("\n\0\n"), "" },	 { B(" a b "), " a b" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char buf[32];

		memcpy(buf, t[i].in, t[i].len);
		buf[t[i].len] = '\0';
		assert_int_equal(strip_trailing(buf, t[i].len), strlen(t[i].out));
		assert_string_equal(buf, t[i].out);
	}
}

/* ---- the real machine --------------------------------------------------------- */

static void test_real_root(void **state)
{
	struct path_cxt pc;
	cpuset_t online;
	int32_t pid_max;
	char *stat;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	assert_int_equal(path_cxt_init(&pc, "/"), 0);
	assert_int_equal(path_read_cpulist(&pc, 0, &online, "/sys/devices/system/cpu/online"), 0);
	assert_true(cpuset_test(&online, 0));
	if (n > 0)
		assert_int_equal(cpuset_count(&online), (unsigned int)n);
	assert_int_equal(path_read_s32(&pc, &pid_max, "/proc/sys/kernel/pid_max"), 0);
	assert_true(pid_max > 0);
	assert_int_equal(path_read_str(&pc, &stat, "/proc/%d/stat", (int)getpid()), 0);
	assert_true(strchr(stat, ')') != NULL);
	free(stat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cxt_real_root),
		cmocka_unit_test(test_cxt_prefix),
		cmocka_unit_test(test_cxt_errors),
		cmocka_unit_test(test_path_too_long),
		cmocka_unit_test(test_read_numbers),
		cmocka_unit_test(test_parse_numbers),
		cmocka_unit_test(test_read_fixture_numbers),
		cmocka_unit_test(test_read_cpulist),
		cmocka_unit_test(test_read_cpumask),
		cmocka_unit_test(test_read_buf),
		cmocka_unit_test(test_read_str),
		cmocka_unit_test(test_read_not_regular),
		cmocka_unit_test(test_write_str),
		cmocka_unit_test(test_exists_access_opendir),
		cmocka_unit_test(test_strip_trailing),
		cmocka_unit_test(test_real_root),
	};

	return cmocka_run_group_tests_name("path", tests, setup, teardown);
}
