// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The bootcfg transaction on a temporary root: apply + rollback and apply +
 * revert give back byte-identical files with their modes, and leave no state
 * behind; atomicfile refuses symlinks and ".."; udiff agrees with diff -u;
 * parameter comparison works on sets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "bootcfg.h"
#include "cpuset.h"
#include "kparam.h"
#include "udiff.h"

static const char *const managed[] = { "isolcpus", "nohz_full", "rcu_nocbs", "irqaffinity", NULL };

static const char grub_orig[] =
	"# comment\nGRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT='quiet isolcpus=7'\nGRUB_CMDLINE_LINUX=\"\"\n";

static char root[64];

static void put(const char *rel, const char *content, mode_t mode)
{
	char p[512], cmd[600];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", p);
	assert_int_equal(system(cmd), 0);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	chmod(p, mode);
}

static char *get(const char *rel, mode_t *mode)
{
	char p[512], *buf = malloc(65536);
	struct stat st;
	size_t n;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "r");
	if (!f) {
		free(buf);
		return NULL;
	}
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	if (mode) {
		stat(p, &st);
		*mode = st.st_mode & 07777;
	}
	return buf;
}

static bool exists(const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return access(p, F_OK) == 0;
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/qc-bootcfg-XXXXXX");
	assert_non_null(mkdtemp(root));
	put("etc/default/grub", grub_orig, 0600);
	put("boot/grub/grub.cfg", "linux /vmlinuz root=/dev/sda ro quiet\n", 0644);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static void apply(struct bootcfg *bc, const char *plan)
{
	struct bootcfg_error err = { "" };
	struct kparams want = { 0 };

	assert_int_equal(kparams_parse(plan, &want), 0);
	assert_int_equal(bootcfg_init(bc, root), 0);
	assert_int_equal(bootcfg_detect(bc, BOOTCFG_NONE, &err), 0);
	assert_int_equal(bc->backend, BOOTCFG_GRUB);
	assert_string_equal(bc->grubcfg, "/boot/grub/grub.cfg");
	assert_int_equal(bootcfg_prepare_apply(bc, &want, managed, &err), 0);
	assert_int_equal(bc->nch, 1);
	assert_int_equal(bootcfg_commit(bc, true, &err), 0);
	kparams_free(&want);
}

static void test_apply_rollback(void **state)
{
	struct bootcfg_error err = { "" };
	struct bootcfg bc;
	mode_t mode;
	char *s;

	apply(&bc, "isolcpus=1-3 nohz_full=1-3");
	s = get("etc/default/grub", &mode);
	assert_non_null(
		strstr(s, "GRUB_CMDLINE_LINUX_DEFAULT='quiet isolcpus=1-3 nohz_full=1-3'\n"));
	assert_int_equal(mode, 0600);
	free(s);
	s = get("var/lib/quietcore/bootcfg/orig/etc/default/grub", &mode);
	assert_string_equal(s, grub_orig);
	assert_int_equal(mode, 0600);
	free(s);
	/* the command failed: */
	assert_int_equal(bootcfg_rollback(&bc, &err), 0);
	bootcfg_free(&bc);
	s = get("etc/default/grub", &mode);
	assert_string_equal(s, grub_orig);
	assert_int_equal(mode, 0600);
	free(s);
	assert_false(exists("var")); /* the state it created is gone too */
}

static void test_apply_revert(void **state)
{
	struct bootcfg_error err = { "" };
	struct bootcfg bc;
	mode_t mode;
	char *s;

	apply(&bc, "isolcpus=1-3");
	bootcfg_free(&bc);
	/* a second plan: the original stays the one from before the first apply */
	apply(&bc, "isolcpus=2-3 rcu_nocbs=2-3");
	bootcfg_free(&bc);
	s = get("var/lib/quietcore/bootcfg/orig/etc/default/grub", NULL);
	assert_string_equal(s, grub_orig);
	free(s);
	s = get("var/lib/quietcore/bootcfg/manifest", NULL);
	/* the state directory the first --apply made is listed, for the last revert */
	assert_string_equal(s, "quietcore-bootcfg 1\nbackend grub\nsaved /etc/default/grub\n"
			       "mkdir /var\nmkdir /var/lib\nmkdir /var/lib/quietcore\n"
			       "mkdir /var/lib/quietcore/bootcfg\n");
	free(s);

	assert_int_equal(bootcfg_init(&bc, root), 0);
	assert_int_equal(bootcfg_prepare_revert(&bc, &err), 0);
	assert_int_equal(bc.backend, BOOTCFG_GRUB);
	assert_int_equal(bc.nch, 1);
	assert_int_equal(bootcfg_commit(&bc, false, &err), 0);
	assert_int_equal(bootcfg_forget(&bc, &err), 0);
	bootcfg_free(&bc);
	s = get("etc/default/grub", &mode);
	assert_string_equal(s, grub_orig);
	assert_int_equal(mode, 0600);
	free(s);
	assert_false(exists("var/lib/quietcore/bootcfg/manifest"));
	assert_false(exists("var")); /* the lock and the state directory went too */
	assert_int_equal(bootcfg_init(&bc, root), 0);
	assert_int_equal(bootcfg_prepare_revert(&bc, &err), -ENOENT);
	bootcfg_free(&bc);
}

static void test_revert_rollback_keeps_manifest(void **state)
{
	struct bootcfg_error err = { "" };
	struct bootcfg bc;
	char *applied, *s;

	apply(&bc, "isolcpus=1-3");
	bootcfg_free(&bc);
	applied = get("etc/default/grub", NULL);
	assert_int_equal(bootcfg_init(&bc, root), 0);
	assert_int_equal(bootcfg_prepare_revert(&bc, &err), 0);
	assert_int_equal(bootcfg_commit(&bc, false, &err), 0);
	/* the regeneration command failed during --revert: back to the applied state */
	assert_int_equal(bootcfg_rollback(&bc, &err), 0);
	bootcfg_free(&bc);
	s = get("etc/default/grub", NULL);
	assert_string_equal(s, applied);
	free(s);
	assert_true(exists("var/lib/quietcore/bootcfg/manifest"));
	assert_true(exists("var/lib/quietcore/bootcfg/orig/etc/default/grub"));
	free(applied);
}

static void test_atomicfile(void **state)
{
	char *buf = NULL, p[256];
	size_t len;
	struct path_cxt pc;

	assert_int_equal(path_cxt_init(&pc, root), 0);
	assert_int_equal(atomicfile_write(&pc, "/etc/new", "abc", 3, NULL), 0);
	assert_int_equal(atomicfile_read(&pc, "/etc/new", &buf, &len, NULL), 0);
	assert_int_equal(len, 3);
	assert_string_equal(buf, "abc");
	free(buf);
	/* a symlinked directory on the way, a symlink as the file, "..": refused */
	snprintf(p, sizeof(p), "%s/link", root);
	assert_int_equal(symlink("/etc", p), 0);
	assert_int_equal(atomicfile_write(&pc, "/link/qc-never", "x", 1, NULL), -ELOOP);
	assert_int_equal(atomicfile_read(&pc, "/link/passwd", &buf, &len, NULL), -ELOOP);
	snprintf(p, sizeof(p), "%s/etc/flink", root);
	assert_int_equal(symlink("new", p), 0);
	assert_int_equal(atomicfile_write(&pc, "/etc/flink", "x", 1, NULL), -ELOOP);
	assert_int_equal(atomicfile_read(&pc, "/etc/flink", &buf, &len, NULL), -ELOOP);
	assert_int_equal(atomicfile_write(&pc, "/etc/../x", "x", 1, NULL), -EINVAL);
	assert_int_equal(atomicfile_dir_writable(&pc, "/etc/anything"), 0);
	assert_int_equal(atomicfile_dir_writable(&pc, "/nodir/anything"), -ENOENT);
	assert_int_equal(atomicfile_mkdirs(&pc, "/a/b/c", 0700), 0);
	assert_true(exists("a/b/c"));
	assert_int_equal(atomicfile_mkdirs(&pc, "/link/x", 0700), -ELOOP);
	assert_int_equal(atomicfile_unlink(&pc, "/etc/new"), 0);
	assert_int_equal(atomicfile_unlink(&pc, "/etc/new"), -ENOENT);
	/* no temporary file left behind */
	assert_int_equal(
		system("ls -a /tmp/qc-bootcfg-*/etc | grep -q '\\.qc' && exit 1 || exit 0"), 0);
}

/* udiff against diff -u for a few shapes of change */
static void test_udiff(void **state)
{
	static const struct {
		const char *a, *b;
	} cases[] = {
		{ "a\nb\nc\n", "a\nB\nc\n" },
		{ "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n",
		  "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\nX\n" },
		{ "x\n", "x" },
		{ "", "new\n" },
		{ "a\nb\nc\nd\ne\nf\ng\nh\n", "a\nc\nd\ne\nf\ng\nh\ni\n" },
		{ "same\n", "same\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char fa[] = "/tmp/qc-ud-a-XXXXXX", fb[] = "/tmp/qc-ud-b-XXXXXX", cmd[256];
		char *mine = NULL, theirs[4096];
		size_t n;
		FILE *p;
		int a = mkstemp(fa), b = mkstemp(fb);

		assert_true(write(a, cases[i].a, strlen(cases[i].a)) ==
			    (ssize_t)strlen(cases[i].a));
		assert_true(write(b, cases[i].b, strlen(cases[i].b)) ==
			    (ssize_t)strlen(cases[i].b));
		close(a);
		close(b);
		snprintf(cmd, sizeof(cmd), "diff -u --label A --label B %s %s", fa, fb);
		p = popen(cmd, "r");
		n = fread(theirs, 1, sizeof(theirs) - 1, p);
		theirs[n] = '\0';
		pclose(p);
		assert_int_equal(udiff_format("A", cases[i].a, strlen(cases[i].a), "B", cases[i].b,
					      strlen(cases[i].b), &mine),
				 0);
		assert_string_equal(mine, theirs);
		free(mine);
		unlink(fa);
		unlink(fb);
	}
}

static void test_params_match(void **state)
{
	struct kparams want = { 0 }, have = { 0 };
	char *d = NULL;

	assert_int_equal(kparams_parse("isolcpus=domain,managed_irq,1-3 nohz_full=1-3", &want), 0);

	assert_int_equal(
		kparams_parse("ro isolcpus=managed_irq,domain,1,2,3 nohz_full=3,1-2", &have), 0);
	assert_true(bootcfg_params_match(&have, &want, managed, &d));
	assert_string_equal(d, "");
	free(d);
	kparams_free(&have);

	assert_int_equal(kparams_parse("isolcpus=1-3 nohz_full=1-3 rcu_nocbs=1", &have), 0);
	assert_false(bootcfg_params_match(&have, &want, managed, &d));
	assert_string_equal(
		d,
		"isolcpus=1-3 instead of isolcpus=domain,managed_irq,1-3; rcu_nocbs=1 not in the plan");
	free(d);
	kparams_free(&have);

	assert_int_equal(kparams_parse("nohz_full=1-3 nohz_full=1-3", &have), 0);
	assert_false(bootcfg_params_match(&have, &want, managed, &d));
	assert_string_equal(d, "isolcpus missing; nohz_full given 2 times");
	free(d);
	kparams_free(&have);
	kparams_free(&want);
}

/* BLS with grubby: grubby is the command, told what to remove and what to add. */
static void test_grubby_command(void **state)
{
	struct bootcfg_error err = { "" };
	struct kparams want = { 0 };
	struct bootcfg bc;
	char *cmd;

	put("boot/loader/entries/a-6.6.conf", "version 6.6\noptions root=x isolcpus=1\n", 0644);
	put("boot/grub2/grubenv", "# GRUB Environment Block\nsaved_entry=a-6.6\n", 0644);
	put("usr/sbin/grubby", "#!/bin/sh\n", 0755);
	put("usr/sbin/grub2-mkconfig", "#!/bin/sh\n", 0755);
	put("etc/default/grub", "GRUB_ENABLE_BLSCFG=true\nGRUB_CMDLINE_LINUX=\"rhgb\"\n", 0644);
	assert_int_equal(kparams_parse("isolcpus=2-3 nohz_full=2-3", &want), 0);
	assert_int_equal(bootcfg_init(&bc, root), 0);
	assert_int_equal(bootcfg_detect(&bc, BOOTCFG_NONE, &err), 0);
	assert_int_equal(bc.backend, BOOTCFG_BLS);
	assert_true(bc.grubby);
	assert_int_equal(bootcfg_prepare_apply(&bc, &want, managed, &err), 0);
	/* the entry (grubby's to edit), /etc/kernel/cmdline created, and the originals grubby touches */
	assert_int_equal(bc.nch, 4);
	assert_string_equal(bc.ch[0].path, "/boot/loader/entries/a-6.6.conf");
	assert_true(bc.ch[0].predicted);
	assert_string_equal(bc.ch[1].path, "/etc/kernel/cmdline");
	assert_string_equal(bc.ch[1].new, "root=x isolcpus=2-3 nohz_full=2-3\n");
	assert_null(bc.ch[1].old);
	assert_true(bc.ch[2].backup_only);
	assert_true(bc.ch[3].backup_only);
	cmd = bootcfg_update_command(&bc, &want, managed);
	assert_string_equal(
		cmd,
		"grubby --update-kernel=ALL --remove-args=\"rcu_nocbs irqaffinity\" --args=\"isolcpus=2-3 nohz_full=2-3\"");
	free(cmd);
	bootcfg_free(&bc);
	kparams_free(&want);
}

#define DROPIN "etc/systemd/system/quietcore-partition.service.d/50-quietcore-plan.conf"
#define WANTS "etc/systemd/system/sysinit.target.wants/quietcore-partition.service"
#define UNIT_TARGET "/usr/lib/systemd/system/quietcore-partition.service"

static void runtime_prepare(struct bootcfg *bc, const char *cpus)
{
	struct bootcfg_error err = { "" };
	cpuset_t set;

	assert_int_equal(cpuset_parse_list(cpus, 0, &set), 0);
	assert_int_equal(bootcfg_init_runtime(bc, root), 0);
	assert_int_equal(bootcfg_prepare_runtime(bc, &set, "/usr/lib/systemd/system", &err), 0);
}

static char *link_of(const char *rel)
{
	char p[512], *t = calloc(1, 512);

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (readlink(p, t, 511) < 0) {
		free(t);
		return NULL;
	}
	return t;
}

/*
 * The run-time plan: a new file and a new symbolic link in directories that
 * are not there. Rollback and revert take away the link, the file and every
 * directory made for them, and the state directory; the original of a link
 * is "absent", never saved.
 */
static void test_runtime_link(void **state)
{
	struct bootcfg_error err = { "" };
	struct bootcfg bc;
	char *s;

	runtime_prepare(&bc, "1-3");
	assert_int_equal(bc.nch, 2);
	assert_string_equal(bc.ch[0].path, "/" DROPIN);
	assert_null(bc.ch[0].old);
	assert_false(bc.ch[0].symlink);
	assert_string_equal(bc.ch[1].path, "/" WANTS);
	assert_true(bc.ch[1].symlink);
	assert_null(bc.ch[1].old);
	assert_string_equal(bc.ch[1].new, UNIT_TARGET);
	assert_int_equal(bootcfg_commit(&bc, true, &err), 0);
	s = link_of(WANTS);
	assert_string_equal(s, UNIT_TARGET);
	free(s);
	s = get(DROPIN, NULL);
	assert_non_null(strstr(s, "\n[Service]\nEnvironment=QC_PARTITION_CPUS=1-3\n"));
	free(s);
	s = get("var/lib/quietcore/runtime/manifest", NULL);
	assert_string_equal(
		s, "quietcore-bootcfg 1\nbackend runtime\nabsent /" DROPIN "\nlink /" WANTS
		   " " UNIT_TARGET "\nmkdir /etc/systemd\nmkdir /etc/systemd/system\n"
		   "mkdir /etc/systemd/system/quietcore-partition.service.d\n"
		   "mkdir /etc/systemd/system/sysinit.target.wants\nmkdir /var\nmkdir /var/lib\n"
		   "mkdir /var/lib/quietcore\nmkdir /var/lib/quietcore/runtime\n");
	free(s);
	assert_false(exists("var/lib/quietcore/runtime/orig")); /* nothing had an original */
	/* rolled back: as if it never ran */
	assert_int_equal(bootcfg_rollback(&bc, &err), 0);
	bootcfg_free(&bc);
	assert_false(exists("etc/systemd"));
	assert_false(exists("var"));

	/* applied, then the plan read back, then reverted */
	runtime_prepare(&bc, "2,3");
	assert_int_equal(bootcfg_commit(&bc, true, &err), 0);
	assert_int_equal(bootcfg_record_applied(&bc, &err), 0);
	bootcfg_free(&bc);
	assert_int_equal(bootcfg_init_runtime(&bc, root), 0);
	assert_int_equal(bootcfg_runtime_cpus(&bc, &s), 0);
	assert_string_equal(s, "2-3");
	free(s);
	bootcfg_free(&bc);
	runtime_prepare(&bc, "2-3"); /* idempotent */
	assert_int_equal(bc.nch, 0);
	bootcfg_free(&bc);
	assert_int_equal(bootcfg_init_runtime(&bc, root), 0);
	assert_int_equal(bootcfg_prepare_revert(&bc, &err), 0);
	assert_int_equal(bc.nch, 2);
	assert_null(bc.ch[0].new);
	assert_true(bc.ch[1].symlink);
	assert_string_equal(bc.ch[1].old, UNIT_TARGET);
	assert_null(bc.ch[1].new);
	assert_false(bc.ch[1].drifted);
	assert_int_equal(bootcfg_commit(&bc, false, &err), 0);
	assert_int_equal(bootcfg_forget(&bc, &err), 0);
	bootcfg_free(&bc);
	assert_false(exists("etc/systemd"));
	assert_false(exists("var"));
	assert_true(exists("etc/default/grub")); /* the boot configuration is not the runtime's */
	assert_int_equal(bootcfg_init_runtime(&bc, root), 0);
	assert_int_equal(bootcfg_runtime_cpus(&bc, &s), -ENOENT);
	assert_int_equal(bootcfg_prepare_revert(&bc, &err), -ENOENT);
	bootcfg_free(&bc);
}

/* What is already at the link's place decides: ours, systemctl's, or a refusal. */
static void test_runtime_refusals(void **state)
{
	static const struct {
		const char *link; /* a symlink there to this, "file": a file, NULL nothing */
		const char *unit_dir;
		int want;
		size_t nch;
	} cases[] = {
		{ NULL, "/usr/lib/systemd/system", 0, 2 },
		{ UNIT_TARGET, "/usr/lib/systemd/system", 0, 1 },
		{ "/lib/systemd/system/quietcore-partition.service", "/usr/lib/systemd/system", 0,
		  1 },
		{ "quietcore-partition.service", "/usr/lib/systemd/system", 0, 1 },
		{ "/lib/systemd/system/other.service", "/usr/lib/systemd/system", -EEXIST, 0 },
		{ "/lib/systemd/system/quietcore-partition.service.bak", "/usr/lib/systemd/system",
		  -EEXIST, 0 },
		{ "file", "/usr/lib/systemd/system", -EEXIST, 0 },
		{ NULL, "usr/lib/systemd/system", -EINVAL, 0 },
		{ NULL, "/usr/lib/systemd system", -EINVAL, 0 },
		{ NULL, "/usr/lib/../systemd", -EINVAL, 0 },
		{ NULL, "/usr/lib\nlink /etc/passwd", -EINVAL, 0 },
	};
	cpuset_t set;

	cpuset_zero(&set);
	cpuset_set(&set, 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bootcfg_error err = { "" };
		struct bootcfg bc;
		char p[512];
		int r;

		snprintf(p, sizeof(p), "rm -rf '%s/etc/systemd'", root);
		assert_int_equal(system(p), 0);
		if (cases[i].link && !strcmp(cases[i].link, "file")) {
			put(WANTS, "x\n", 0644);
		} else if (cases[i].link) {
			put(WANTS, "", 0644);
			snprintf(p, sizeof(p), "%s/%s", root, WANTS);
			assert_int_equal(unlink(p), 0);
			assert_int_equal(symlink(cases[i].link, p), 0);
		}
		assert_int_equal(bootcfg_init_runtime(&bc, root), 0);
		r = bootcfg_prepare_runtime(&bc, &set, cases[i].unit_dir, &err);
		if (r != cases[i].want || bc.nch != cases[i].nch || (r < 0) != (err.msg[0] != 0))
			fail_msg("case %zu (%s, %s): %d with %zu changes, want %d with %zu (%s)", i,
				 cases[i].link ? cases[i].link : "-", cases[i].unit_dir, r, bc.nch,
				 cases[i].want, cases[i].nch, err.msg);
		bootcfg_free(&bc);
	}
	/* no CPU, or the boot loader's transaction: refused */
	{
		struct bootcfg_error err = { "" };
		struct bootcfg bc;

		cpuset_zero(&set);
		assert_int_equal(bootcfg_init_runtime(&bc, root), 0);
		assert_int_equal(
			bootcfg_prepare_runtime(&bc, &set, "/usr/lib/systemd/system", &err), -EDOM);
		bootcfg_free(&bc);
		cpuset_set(&set, 1);
		assert_int_equal(bootcfg_init(&bc, root), 0);
		assert_int_equal(bootcfg_prepare_runtime(&bc, &set, "/usr/lib/systemd/system",
							 &err),
				 -EINVAL);
		bootcfg_free(&bc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_apply_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_revert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revert_rollback_keeps_manifest, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_atomicfile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grubby_command, setup, teardown),
		cmocka_unit_test(test_udiff),
		cmocka_unit_test(test_params_match),
		cmocka_unit_test_setup_teardown(test_runtime_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runtime_refusals, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
