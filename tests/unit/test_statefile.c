// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/statefile, version 2: a record is a typed action, never a path. Tables
 * of records of every kind (valid, and every way a name or value can be
 * wrong), the path each one is rebuilt into, state files with a correctly
 * recomputed hash that must still be refused (the hash has no key: anyone
 * can recompute it), and the trust checks before a file is read at all.
 */
#include <errno.h>
#include <pwd.h>
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

#include "statefile.h"

#include "table.h"
#include "tmproot.h"

static char dir[64], file[128];
/* the real root: the test names its files in full */
static struct path_cxt host;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_statefile2.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(file, sizeof(file), "%s/state", dir);
	umask(022);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmproot_remove(dir);
}

static const struct {
	struct statefile_rec rec;
	const char *path; /* NULL: refused */
	const char *line; /* as written */
} rec_cases[] = {
	{ { .kind = SF_WQ, .name = "", .value = "ff" },
	  "/sys/devices/virtual/workqueue/cpumask",
	  "wq-unbound ff" },
	{ { .kind = SF_WQ, .name = "writeback", .value = "1,00000001" },
	  "/sys/devices/virtual/workqueue/writeback/cpumask",
	  "wq-cpumask writeback 1,00000001" },
	{ { .kind = SF_WQ, .name = "blkcg_punt_bio", .value = "3" },
	  "/sys/devices/virtual/workqueue/blkcg_punt_bio/cpumask",
	  "wq-cpumask blkcg_punt_bio 3" },
	{ { .kind = SF_WQ, .name = "nvme-wq:0.1+x", .value = "3" },
	  "/sys/devices/virtual/workqueue/nvme-wq:0.1+x/cpumask",
	  "wq-cpumask nvme-wq:0.1+x 3" },
	{ { .kind = SF_CPUFREQ, .policy = 0, .name = "scaling_governor", .value = "powersave" },
	  "/sys/devices/system/cpu/cpufreq/policy0/scaling_governor",
	  "cpufreq 0 scaling_governor powersave" },
	{ { .kind = SF_CPUFREQ, .policy = 64, .name = "scaling_min_freq", .value = "800000" },
	  "/sys/devices/system/cpu/cpufreq/policy64/scaling_min_freq",
	  "cpufreq 64 scaling_min_freq 800000" },
	{ { .kind = SF_CPUFREQ, .policy = 3, .name = "scaling_max_freq", .value = "3500000" },
	  "/sys/devices/system/cpu/cpufreq/policy3/scaling_max_freq",
	  "cpufreq 3 scaling_max_freq 3500000" },
	{ { .kind = SF_TURBO, .name = "intel_pstate", .value = "0" },
	  "/sys/devices/system/cpu/intel_pstate/no_turbo",
	  "turbo intel_pstate 0" },
	{ { .kind = SF_TURBO, .name = "boost", .value = "1" },
	  "/sys/devices/system/cpu/cpufreq/boost",
	  "turbo boost 1" },
	{ { .kind = SF_IRQ_DEFAULT, .value = "ff,ffffffff" },
	  "/proc/irq/default_smp_affinity",
	  "irq-default ff,ffffffff" },
	{ { .kind = SF_IRQ, .irq = 24, .value = "0-39" },
	  "/proc/irq/24/smp_affinity_list",
	  "irq 24 0-39" },
	/* issue 16: the run-time partition's cgroup files and units ("": no file) */
	{ { .kind = SF_CGROUP_CPUSET, .mount = CGROUP_MOUNT_UNIFIED },
	  "/sys/fs/cgroup/cgroup.subtree_control",
	  "cgroup-cpuset unified" },
	{ { .kind = SF_CGROUP_CPUSET, .mount = CGROUP_MOUNT_HYBRID },
	  "/sys/fs/cgroup/unified/cgroup.subtree_control",
	  "cgroup-cpuset hybrid" },
	{ { .kind = SF_CGROUP_DIR, .mount = CGROUP_MOUNT_UNIFIED, .name = "quietcore-isolated" },
	  "/sys/fs/cgroup/quietcore-isolated",
	  "cgroup-dir unified quietcore-isolated" },
	{ { .kind = SF_CGROUP_CPUS,
	    .mount = CGROUP_MOUNT_UNIFIED,
	    .name = "quietcore-isolated",
	    .value = "-" },
	  "/sys/fs/cgroup/quietcore-isolated/cpuset.cpus",
	  "cgroup-cpus unified quietcore-isolated -" },
	{ { .kind = SF_CGROUP_CPUS,
	    .mount = CGROUP_MOUNT_HYBRID,
	    .name = "q.slice",
	    .value = "0-3,8" },
	  "/sys/fs/cgroup/unified/q.slice/cpuset.cpus",
	  "cgroup-cpus hybrid q.slice 0-3,8" },
	{ { .kind = SF_CGROUP_PARTITION,
	    .mount = CGROUP_MOUNT_UNIFIED,
	    .name = "quietcore-isolated.slice",
	    .value = "member" },
	  "/sys/fs/cgroup/quietcore-isolated.slice/cpuset.cpus.partition",
	  "cgroup-partition unified quietcore-isolated.slice member" },
	{ { .kind = SF_CGROUP_PARTITION,
	    .mount = CGROUP_MOUNT_UNIFIED,
	    .name = "r",
	    .value = "root" },
	  "/sys/fs/cgroup/r/cpuset.cpus.partition",
	  "cgroup-partition unified r root" },
	{ { .kind = SF_CGROUP_PARTITION,
	    .mount = CGROUP_MOUNT_HYBRID,
	    .name = "i:x@y_z",
	    .value = "isolated" },
	  "/sys/fs/cgroup/unified/i:x@y_z/cpuset.cpus.partition",
	  "cgroup-partition hybrid i:x@y_z isolated" },
	{ { .kind = SF_UNIT, .name = "quietcore-isolated.slice" },
	  "",
	  "unit quietcore-isolated.slice" },
	{ { .kind = SF_UNIT, .name = "run-u7@x:y_z.scope" }, "", "unit run-u7@x:y_z.scope" },
	/* refused: names */
	{ { .kind = SF_WQ, .name = "..", .value = "ff" }, NULL, NULL },
	{ { .kind = SF_WQ, .name = ".", .value = "ff" }, NULL, NULL },
	{ { .kind = SF_WQ, .name = ".hidden", .value = "ff" }, NULL, NULL },
	{ { .kind = SF_WQ, .name = "../../../etc", .value = "ff" }, NULL, NULL },
	{ { .kind = SF_WQ, .name = "a/b", .value = "ff" }, NULL, NULL },
	{ { .kind = SF_WQ, .name = "a b", .value = "ff" }, NULL, NULL },
	{ { .kind = SF_WQ, .name = "a\tb", .value = "ff" }, NULL, NULL },
	{ { .kind = SF_WQ, .name = "a$b", .value = "ff" }, NULL, NULL },
	{ { .kind = SF_WQ,
	    .name = "x123456789x123456789x123456789x123456789x123456789x123456789x1234",
	    .value = "ff" },
	  NULL,
	  NULL },
	{ { .kind = SF_WQ, .name = NULL, .value = "ff" }, NULL, NULL },
	{ { .kind = SF_CPUFREQ, .name = "scaling_setspeed", .value = "800000" }, NULL, NULL },
	{ { .kind = SF_CPUFREQ, .name = "../../../../../etc/passwd", .value = "x" }, NULL, NULL },
	{ { .kind = SF_CPUFREQ, .name = "", .value = "1" }, NULL, NULL },
	{ { .kind = SF_TURBO, .name = "no_turbo", .value = "1" }, NULL, NULL },
	{ { .kind = SF_TURBO, .name = "/etc/passwd", .value = "1" }, NULL, NULL },
	/* refused: values */
	{ { .kind = SF_WQ, .name = "", .value = "zz" }, NULL, NULL },
	{ { .kind = SF_WQ, .name = "", .value = "0" }, NULL, NULL },
	{ { .kind = SF_CPUFREQ, .name = "scaling_min_freq", .value = "-1" }, NULL, NULL },
	{ { .kind = SF_CPUFREQ, .name = "scaling_min_freq", .value = "8e5" }, NULL, NULL },
	{ { .kind = SF_CPUFREQ, .name = "scaling_governor", .value = "root::0:0" }, NULL, NULL },
	{ { .kind = SF_CPUFREQ, .name = "scaling_governor", .value = "a b" }, NULL, NULL },
	{ { .kind = SF_TURBO, .name = "boost", .value = "2" }, NULL, NULL },
	{ { .kind = SF_IRQ, .irq = 1, .value = "" }, NULL, NULL },
	{ { .kind = SF_IRQ, .irq = 1, .value = "3-1" }, NULL, NULL },
	{ { .kind = SF_IRQ_DEFAULT, .value = "0" }, NULL, NULL },
	/* refused: cgroup records */
	{ { .kind = SF_CGROUP_CPUSET }, NULL, NULL }, /* no mount */
	{ { .kind = SF_CGROUP_CPUSET, .mount = 7 }, NULL, NULL },
	{ { .kind = SF_CGROUP_CPUSET, .mount = CGROUP_MOUNT_UNIFIED, .name = "x" }, NULL, NULL },
	{ { .kind = SF_CGROUP_CPUSET, .mount = CGROUP_MOUNT_UNIFIED, .value = "1" }, NULL, NULL },
	{ { .kind = SF_CGROUP_DIR, .mount = CGROUP_MOUNT_UNIFIED, .name = ".." }, NULL, NULL },
	{ { .kind = SF_CGROUP_DIR, .mount = CGROUP_MOUNT_UNIFIED, .name = "." }, NULL, NULL },
	{ { .kind = SF_CGROUP_DIR, .mount = CGROUP_MOUNT_UNIFIED, .name = ".x" }, NULL, NULL },
	{ { .kind = SF_CGROUP_DIR, .mount = CGROUP_MOUNT_UNIFIED, .name = "a/b" }, NULL, NULL },
	{ { .kind = SF_CGROUP_DIR, .mount = CGROUP_MOUNT_UNIFIED, .name = "../../etc" },
	  NULL,
	  NULL },
	{ { .kind = SF_CGROUP_DIR, .mount = CGROUP_MOUNT_UNIFIED, .name = "" }, NULL, NULL },
	{ { .kind = SF_CGROUP_DIR, .mount = CGROUP_MOUNT_UNIFIED }, NULL, NULL },
	{ { .kind = SF_CGROUP_DIR,
	    .mount = CGROUP_MOUNT_UNIFIED,
	    .name = "x123456789x123456789x123456789x123456789x123456789x123456789x1234" },
	  NULL,
	  NULL },
	{ { .kind = SF_CGROUP_DIR, .mount = CGROUP_MOUNT_UNIFIED, .name = "q", .value = "-" },
	  NULL,
	  NULL },
	{ { .kind = SF_CGROUP_DIR, .name = "q" }, NULL, NULL },
	{ { .kind = SF_CGROUP_CPUS, .mount = CGROUP_MOUNT_UNIFIED, .name = "q" }, NULL, NULL },
	{ { .kind = SF_CGROUP_CPUS, .mount = CGROUP_MOUNT_UNIFIED, .name = "q", .value = "" },
	  NULL,
	  NULL },
	{ { .kind = SF_CGROUP_CPUS, .mount = CGROUP_MOUNT_UNIFIED, .name = "q", .value = "3-1" },
	  NULL,
	  NULL },
	{ { .kind = SF_CGROUP_CPUS, .mount = CGROUP_MOUNT_UNIFIED, .name = "q", .value = "--" },
	  NULL,
	  NULL },
	{ { .kind = SF_CGROUP_CPUS, .mount = CGROUP_MOUNT_UNIFIED, .name = "q", .value = "0 1" },
	  NULL,
	  NULL },
	{ { .kind = SF_CGROUP_CPUS, .mount = CGROUP_MOUNT_UNIFIED, .name = "a/b", .value = "1" },
	  NULL,
	  NULL },
	{ { .kind = SF_CGROUP_PARTITION,
	    .mount = CGROUP_MOUNT_UNIFIED,
	    .name = "q",
	    .value = "Member" },
	  NULL,
	  NULL },
	{ { .kind = SF_CGROUP_PARTITION,
	    .mount = CGROUP_MOUNT_UNIFIED,
	    .name = "q",
	    .value = "isolated invalid" },
	  NULL,
	  NULL },
	{ { .kind = SF_CGROUP_PARTITION, .name = "q", .value = "member" }, NULL, NULL },
	{ { .kind = SF_CGROUP_PARTITION,
	    .mount = CGROUP_MOUNT_UNIFIED,
	    .name = "..",
	    .value = "root" },
	  NULL,
	  NULL },
	/* refused: units */
	{ { .kind = SF_UNIT, .name = "ssh.service" }, NULL, NULL },
	{ { .kind = SF_UNIT, .name = ".slice" }, NULL, NULL },
	{ { .kind = SF_UNIT, .name = "-.slice" }, NULL, NULL },
	{ { .kind = SF_UNIT, .name = "a/b.slice" }, NULL, NULL },
	{ { .kind = SF_UNIT, .name = "a b.scope" }, NULL, NULL },
	{ { .kind = SF_UNIT, .name = "x.slice.d" }, NULL, NULL },
	{ { .kind = SF_UNIT,
	    .name = "x123456789x123456789x123456789x123456789x123456789x123456789.slice" },
	  NULL,
	  NULL },
	{ { .kind = SF_UNIT }, NULL, NULL },
	{ { .kind = SF_UNIT, .name = "q.slice", .value = "x" }, NULL, NULL },
};

static void test_records(void **state)
{
	struct statefile sf = { 0 }, back;
	unsigned int line = 0;
	size_t valid = 0;

	(void)state;
	strcpy(sf.boot_id, "b");
	strcpy(sf.root, "/");
	strcpy(sf.housekeeping, "0");
	sf.nbits = 40;
	for (size_t i = 0; i < ARRAY_SIZE(rec_cases); i++) {
		const struct statefile_rec *rec = &rec_cases[i].rec;
		char path[256];
		int rp = statefile_rec_path(rec, path, sizeof(path));
		bool ok = statefile_rec_valid(rec);
		int add = statefile_add(&sf, rec);

		if (rec_cases[i].path) {
			valid++;
			if (!ok || add != 0)
				case_fail("row %zu (%s): refused", i, rec_cases[i].line);
			else if (!*rec_cases[i].path && rp != -EINVAL) /* no file */
				case_fail("row %zu: path %s (%d), want none", i, rp ? "-" : path,
					  rp);
			else if (*rec_cases[i].path &&
				 (rp != 0 || strcmp(path, rec_cases[i].path) != 0))
				case_fail("row %zu: path %s (%d), want %s", i, rp ? "-" : path, rp,
					  rec_cases[i].path);
		} else if (ok || add != -EINVAL) {
			case_fail("row %zu (kind %d, name %s, value %s): accepted", i, rec->kind,
				  rec->name ? rec->name : "(null)",
				  rec->value ? rec->value : "(null)");
		} else if (rp == 0 && rec->kind >= SF_CGROUP_CPUSET &&
			   (!cgroup_mount_word(rec->mount) ||
			    (rec->name && !cgroup_name_valid(rec->name)))) {
			/* values aside, a path is never rebuilt from a bad mount or name */
			case_fail("row %zu (kind %d, name %s): a path for a refused record: %s", i,
				  rec->kind, rec->name ? rec->name : "(null)", path);
		}
	}
	table_done();
	assert_int_equal(sf.n, valid);
	/* round trip: written as the table says, read back the same */
	unlink(file);
	assert_int_equal(statefile_write(&host, &sf, file, false), 0);
	assert_int_equal(statefile_read(&host, file, &back, &line, NULL), 0);
	assert_int_equal(back.n, sf.n);
	{
		char text[4096];

		assert_int_equal(tmproot_slurp(file, text, sizeof(text)), 0);
		for (size_t i = 0; i < ARRAY_SIZE(rec_cases); i++) {
			char want[256];

			if (!rec_cases[i].line)
				continue;
			snprintf(want, sizeof(want), "\n%s\n", rec_cases[i].line);
			if (!strstr(text, want))
				case_fail("line '%s' not written", rec_cases[i].line);
		}
	}
	for (size_t i = 0; i < sf.n; i++) {
		char a[256], b[256];
		int ra = statefile_rec_path(&sf.v[i], a, sizeof(a));

		assert_int_equal(back.v[i].kind, sf.v[i].kind);
		assert_int_equal(back.v[i].mount, sf.v[i].mount);
		assert_int_equal(statefile_rec_path(&back.v[i], b, sizeof(b)), ra);
		if (ra == 0)
			assert_string_equal(a, b);
		else
			assert_int_equal(sf.v[i].kind, SF_UNIT);
		assert_int_equal(!back.v[i].name, !sf.v[i].name);
		if (sf.v[i].name)
			assert_string_equal(back.v[i].name, sf.v[i].name);
		assert_int_equal(!back.v[i].value, !sf.v[i].value);
		if (sf.v[i].value)
			assert_string_equal(back.v[i].value, sf.v[i].value);
	}
	table_done();
	statefile_free(&back);
	statefile_free(&sf);
}

/* FNV-1a 64, as an attacker recomputes it: the trailer proves nothing. */
static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* A complete v2 file around n record lines, hash recomputed; 0600, ours. */
static void forge_n(const char *record, unsigned int n)
{
	char body[2048];
	FILE *f;

	snprintf(
		body, sizeof(body),
		"quietcore-early-pin-state 2\nboot_id b\nroot /\nnbits 4\nhousekeeping 0\nsaved_at 1\n%s\n",
		record);
	unlink(file);
	f = fopen(file, "w");
	assert_non_null(f);
	fprintf(f, "%send %u %016llx\n", body, n, (unsigned long long)fnv1a(body));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(file, 0600), 0);
}

static void forge(const char *record)
{
	forge_n(record, 1);
}

static const struct {
	const char *record;
	bool ok;
} forged_cases[] = {
	{ "wq-cpumask writeback f", true },
	{ "cpufreq 1 scaling_max_freq 100", true },
	{ "turbo boost 0", true },
	/* finding 1: free paths are gone, and names cannot smuggle one in */
	{ "file /../../outside/victim pwned", false },
	{ "file /etc/passwd root::0:0:root:/root:/bin/bash", false },
	{ "wq-cpumask ../../../../etc f", false },
	{ "wq-cpumask writeback/../../x f", false },
	{ "wq-cpumask .. f", false },
	{ "wq-cpumask f", false },
	{ "wq-unbound", false },
	{ "wq-unbound f f", false },
	{ "cpufreq 0 ../../../../etc/shadow x", false },
	{ "cpufreq 0 scaling_setspeed 100", false },
	{ "cpufreq x scaling_max_freq 100", false },
	{ "cpufreq -1 scaling_max_freq 100", false },
	{ "cpufreq 0 scaling_max_freq", false },
	{ "cpufreq 0 scaling_max_freq 100 200", false },
	{ "turbo /etc/passwd 1", false },
	{ "turbo boost yes", false },
	{ "cgroup /sys/fs/cgroup/x/cpuset.cpus 0", false }, /* free paths never */
	/* issue 16 */
	{ "cgroup-cpuset unified", true },
	{ "cgroup-cpuset hybrid", true },
	{ "cgroup-dir unified quietcore-isolated", true },
	{ "cgroup-cpus unified quietcore-isolated -", true },
	{ "cgroup-cpus hybrid q.slice 0-3", true },
	{ "cgroup-partition unified quietcore-isolated.slice member", true },
	{ "unit quietcore-isolated.slice", true },
	{ "unit run-q1.scope", true },
	{ "cgroup-cpuset", false },
	{ "cgroup-cpuset none", false },
	{ "cgroup-cpuset /sys/fs/cgroup", false },
	{ "cgroup-cpuset unified x", false },
	{ "cgroup-cpuset unified ", false },
	{ "cgroup-dir unified", false },
	{ "cgroup-dir unified ../../etc", false },
	{ "cgroup-dir unified .", false },
	{ "cgroup-dir unified a/b", false },
	{ "cgroup-dir unified q x", false },
	{ "cgroup-dir unified  q", false },
	{ "cgroup-dir /sys/fs/cgroup q", false },
	{ "cgroup-cpus unified q", false },
	{ "cgroup-cpus unified q 3-1", false },
	{ "cgroup-cpus unified q - x", false },
	{ "cgroup-cpus unified q ", false },
	{ "cgroup-partition unified q isolated invalid", false },
	{ "cgroup-partition unified q Member", false },
	{ "cgroup-partition unified ../x member", false },
	{ "cgroup-procs unified q 1", false },
	{ "unit", false },
	{ "unit ssh.service", false },
	{ "unit -.slice", false },
	{ "unit ../../x.slice", false },
	{ "unit a.slice b", false },
	{ "unit .slice", false },
	{ "unit a.slice ", false },
};

static void test_forged(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(forged_cases); i++) {
		struct statefile sf;
		unsigned int line = 0;
		int r;

		forge(forged_cases[i].record);
		r = statefile_read(&host, file, &sf, &line, NULL);
		if (r == 0)
			statefile_free(&sf);
		if (forged_cases[i].ok && r != 0)
			case_fail("'%s': refused (%d, line %u)", forged_cases[i].record, r, line);
		if (!forged_cases[i].ok && (r != -EBADMSG || line != 7))
			case_fail("'%s': got %d line %u, want -EBADMSG line 7",
				  forged_cases[i].record, r, line);
	}
	table_done();
}

/*
 * The undo record of a partition: written in the order of the changes, read
 * back the same, one cgroup a state file.
 */
static void test_cgroup_undo(void **state)
{
	struct cgroup_undo u = {
		.mount = CGROUP_MOUNT_HYBRID,
		.name = "quietcore-isolated",
		.enabled_cpuset = true,
		.made_dir = true,
		.wrote_cpus = true,
		.old_cpus = "",
		.wrote_partition = true,
		.old_partition = "member",
	};
	static const char *const lines[] = {
		"cgroup-cpuset hybrid",
		"cgroup-dir hybrid quietcore-isolated",
		"cgroup-cpus hybrid quietcore-isolated -",
		"cgroup-partition hybrid quietcore-isolated member",
	};
	static const struct {
		const char *records;
		unsigned int n;
		int ret;
	} reads[] = {
		{ "turbo boost 0", 1, 0 },
		{ "cgroup-partition unified s.slice root", 1, 1 },
		{ "cgroup-dir unified a\ncgroup-dir unified b", 2, -EBADMSG },
		{ "cgroup-dir unified a\ncgroup-cpus hybrid a 1", 2, -EBADMSG },
		{ "cgroup-dir unified a\ncgroup-cpus unified b 1", 2, -EBADMSG },
		{ "cgroup-cpuset unified\ncgroup-dir hybrid a", 2, -EBADMSG },
		{ "cgroup-cpus unified a 1\ncgroup-cpus unified a 2", 2, -EBADMSG },
		{ "cgroup-cpuset unified\ncgroup-cpuset unified", 2, -EBADMSG },
		{ "cgroup-cpuset unified\nunit a.slice\ncgroup-dir unified a", 3, 1 },
	};
	struct statefile sf = { 0 }, back;
	struct cgroup_undo got, forged = u;
	unsigned int line = 0;
	char text[4096];

	(void)state;
	strcpy(sf.boot_id, "b");
	strcpy(sf.root, "/");
	strcpy(sf.housekeeping, "0");
	sf.nbits = 4;
	assert_int_equal(statefile_cgroup_undo(&sf, &got), 0);
	strcpy(forged.name, "../x");
	assert_int_equal(statefile_add_cgroup_undo(&sf, &forged), -EINVAL);
	forged = u;
	strcpy(forged.old_partition, "isolated invalid");
	assert_int_equal(statefile_add_cgroup_undo(&sf, &forged), -EINVAL);
	assert_int_equal(sf.n, 0); /* nothing half added */
	assert_int_equal(statefile_add_cgroup_undo(&sf, &u), 0);
	assert_int_equal(sf.n, 4);
	assert_int_equal(statefile_add_cgroup_undo(&sf, &u), -EEXIST);
	assert_int_equal(sf.n, 4);
	unlink(file);
	assert_int_equal(statefile_write(&host, &sf, file, false), 0);
	assert_int_equal(tmproot_slurp(file, text, sizeof(text)), 0);
	{
		const char *p = text;

		for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
			const char *at = strstr(p, lines[i]);

			if (!at)
				fail_msg("'%s' not written after the one before", lines[i]);
			p = at + strlen(lines[i]);
		}
	}
	assert_int_equal(statefile_read(&host, file, &back, &line, NULL), 0);
	memset(&got, 0x5a, sizeof(got));
	assert_int_equal(statefile_cgroup_undo(&back, &got), 1);
	assert_int_equal(got.mount, u.mount);
	assert_string_equal(got.name, u.name);
	assert_true(got.enabled_cpuset && got.made_dir && got.wrote_cpus && got.wrote_partition);
	assert_string_equal(got.old_cpus, "");
	assert_string_equal(got.old_partition, "member");
	statefile_free(&back);
	statefile_free(&sf);

	for (size_t i = 0; i < ARRAY_SIZE(reads); i++) {
		int r;

		forge_n(reads[i].records, reads[i].n);
		r = statefile_read(&host, file, &back, &line, NULL);
		if (r != 0) {
			case_fail("'%s': not read (%d, line %u)", reads[i].records, r, line);
			continue;
		}
		r = statefile_cgroup_undo(&back, &got);
		if (r != reads[i].ret)
			case_fail("'%s': %d, want %d", reads[i].records, r, reads[i].ret);
		statefile_free(&back);
	}
	table_done();
}

/* A file that would be fine is refused when anyone else could have written it. */
static void test_untrusted(void **state)
{
	struct passwd *nobody = getpwnam("nobody");
	struct statefile sf;
	const char *why = NULL;
	unsigned int line = 0;

	(void)state;
	forge("turbo boost 0");
	assert_int_equal(statefile_read(&host, file, &sf, &line, &why), 0);
	statefile_free(&sf);
	assert_int_equal(chmod(file, 0666), 0);
	assert_int_equal(statefile_read(&host, file, &sf, &line, &why), -EPERM);
	assert_string_equal(why, "writable by group or others");
	assert_int_equal(chmod(file, 0600), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(statefile_read(&host, file, &sf, &line, &why), -EPERM);
	assert_string_equal(why, "its directory is writable by group or others");
	assert_int_equal(chmod(dir, 0700), 0);
	if (nobody && geteuid() == 0) {
		assert_int_equal(chown(file, nobody->pw_uid, nobody->pw_gid), 0);
		assert_int_equal(statefile_read(&host, file, &sf, &line, &why), -EPERM);
		assert_string_equal(why, "owned by another user (not root or the caller)");
	}
}

/* Below a --root: the name is taken under the root, path_last() is the full path. */
static void test_below_root(void **state)
{
	struct statefile sf = { 0 }, back;
	struct statefile_rec rec = { .kind = SF_TURBO, .name = "boost", .value = "1" };
	struct path_cxt pc;
	char want[256];
	unsigned int line = 0;
	struct stat st;

	(void)state;
	assert_int_equal(path_cxt_init(&pc, dir), 0);
	snprintf(sf.boot_id, sizeof(sf.boot_id), "b");
	snprintf(sf.root, sizeof(sf.root), "/");
	snprintf(sf.housekeeping, sizeof(sf.housekeeping), "0");
	sf.nbits = 4;
	sf.saved_at = 1;
	assert_int_equal(statefile_add(&sf, &rec), 0);
	snprintf(want, sizeof(want), "%s/below.state", dir);
	unlink(want);
	assert_int_equal(statefile_write(&pc, &sf, "/below.state", false), 0);
	assert_string_equal(path_last(&pc), want);
	assert_int_equal(stat(want, &st), 0);
	assert_int_equal(statefile_write(&pc, &sf, "/below.state", false), -EEXIST);
	assert_int_equal(statefile_read(&pc, "/below.state", &back, &line, NULL), 0);
	assert_string_equal(path_last(&pc), want);
	assert_int_equal(back.n, 1);
	assert_string_equal(back.v[0].value, "1");
	statefile_free(&back);
	assert_int_equal(statefile_read(&pc, "/absent.state", &back, &line, NULL), -ENOENT);
	snprintf(want, sizeof(want), "%s/absent.state", dir);
	assert_string_equal(path_last(&pc), want);
	statefile_free(&sf);
	unlink(path_get(&pc, "/below.state"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),	    cmocka_unit_test(test_forged),
		cmocka_unit_test(test_cgroup_undo), cmocka_unit_test(test_untrusted),
		cmocka_unit_test(test_below_root),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
