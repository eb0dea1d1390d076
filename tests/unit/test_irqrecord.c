// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/irqrecord: early-pin's record of immovable IRQs. Round trip through a
 * fake root, a table of damaged records that must all be refused (a garbled
 * record must never turn a movable IRQ into an excused one), another boot's
 * record, a missing one, and the handler names read from /proc/irq/N.
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

#include "irqrecord.h"
#include "isolation.h"
#include "table.h"
#include "tmproot.h"

#define BOOT_ID "6b1f0c2e-3d4a-4c55-8e9f-0a1b2c3d4e5f"

static char root[64];
static struct path_cxt pc;

static void put(const char *rel, const char *text, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void mkdirs(const char *rel)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", root, rel);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/test_irqrecord.XXXXXX");
	assert_non_null(mkdtemp(root));
	mkdirs("proc/sys/kernel/random");
	put("proc/sys/kernel/random/boot_id", BOOT_ID "\n", strlen(BOOT_ID) + 1);
	assert_int_equal(path_cxt_init(&pc, root), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmproot_remove(root);
}

static void sample(struct irqrecord *rec)
{
	memset(rec, 0, sizeof(*rec));
	strcpy(rec->boot_id, BOOT_ID);
	/* out of order on purpose: the record keeps them ascending */
	assert_int_equal(irqrecord_add(rec, 34, EIO, "virtio1-req.3"), 0);
	assert_int_equal(irqrecord_add(rec, 33, -EIO, "virtio1-req.2"), 0);
	assert_int_equal(irqrecord_add(rec, 40, EPERM, NULL), 0);
	assert_int_equal(irqrecord_add(rec, 9, EIO, "aerdrv, PCIe PME"), 0);
}

static const char sample_text[] = "quietcore-immovable-irqs 1\n"
				  "boot_id " BOOT_ID "\n"
				  "irq 9 EIO aerdrv, PCIe PME\n"
				  "irq 33 EIO virtio1-req.2\n"
				  "irq 34 EIO virtio1-req.3\n"
				  "irq 40 EPERM\n"
				  "end 4\n";

static void test_format(void **state)
{
	struct irqrecord rec;
	char *text = NULL;
	size_t len = 0;

	(void)state;
	sample(&rec);
	assert_int_equal(irqrecord_format(&rec, &text, &len), 0);
	assert_string_equal(text, sample_text);
	assert_int_equal(len, strlen(sample_text));
	free(text);
	/* an update replaces, never duplicates */
	assert_int_equal(irqrecord_add(&rec, 40, EIO, "nvme0q1"), 0);
	assert_int_equal(rec.n, 4);
	assert_int_equal(irqrecord_find(&rec, 40)->err, EIO);
	assert_string_equal(irqrecord_find(&rec, 40)->actions, "nvme0q1");
	assert_null(irqrecord_find(&rec, 41));
	assert_null(irqrecord_find(&rec, 0));
	/* only the two immovable answers are recorded */
	assert_int_equal(irqrecord_add(&rec, 50, ENOSPC, NULL), -EINVAL);
	assert_int_equal(irqrecord_add(&rec, 50, 0, NULL), -EINVAL);
	/* control characters cannot break the line format */
	assert_int_equal(irqrecord_add(&rec, 51, EIO, "bad\nname\t"), 0);
	assert_string_equal(irqrecord_find(&rec, 51)->actions, "bad?name?");
	/* a boot_id that would not parse back is refused */
	strcpy(rec.boot_id, "not a boot id");
	assert_int_equal(irqrecord_format(&rec, &text, &len), -EINVAL);
	irqrecord_free(&rec);
	irqrecord_free(NULL);
}

static void test_round_trip(void **state)
{
	struct irqrecord rec, back = { 0 };
	unsigned int line = 99;
	bool changed = false;
	char path[256];
	struct stat st;

	(void)state;
	sample(&rec);
	/* missing file: -ENOENT, nothing filled in */
	assert_int_equal(irqrecord_read(&pc, &back, &line), -ENOENT);
	assert_int_equal(back.n, 0);
	/* /run/quietcore does not exist yet: created 0755, the record 0644 */
	assert_int_equal(irqrecord_write(&pc, &rec, &changed), 0);
	assert_true(changed);
	snprintf(path, sizeof(path), "%s/run/quietcore", root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	snprintf(path, sizeof(path), "%s/run/quietcore/immovable-irqs", root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(irqrecord_read(&pc, &back, &line), 0);
	assert_string_equal(back.boot_id, BOOT_ID);
	assert_int_equal(back.n, rec.n);
	for (size_t i = 0; i < rec.n; i++) {
		assert_int_equal(back.v[i].irq, rec.v[i].irq);
		assert_int_equal(back.v[i].err, rec.v[i].err);
		assert_string_equal(back.v[i].actions, rec.v[i].actions);
	}
	irqrecord_free(&back);
	/* the same record again: nothing written */
	assert_int_equal(irqrecord_write(&pc, &rec, &changed), 0);
	assert_false(changed);
	/* a different one replaces it */
	assert_int_equal(irqrecord_add(&rec, 35, EIO, "virtio1-req.4"), 0);
	assert_int_equal(irqrecord_write(&pc, &rec, &changed), 0);
	assert_true(changed);
	assert_int_equal(irqrecord_read(&pc, &back, NULL), 0);
	assert_non_null(irqrecord_find(&back, 35));
	irqrecord_free(&back);
	/* an empty record is a valid record */
	irqrecord_free(&rec);
	strcpy(rec.boot_id, BOOT_ID);
	assert_int_equal(irqrecord_write(&pc, &rec, NULL), 0);
	assert_int_equal(irqrecord_read(&pc, &back, NULL), 0);
	assert_int_equal(back.n, 0);
	irqrecord_free(&back);
	/* removed, and removing again is fine */
	assert_int_equal(irqrecord_remove(&pc), 0);
	assert_int_equal(irqrecord_read(&pc, &back, NULL), -ENOENT);
	assert_int_equal(irqrecord_remove(&pc), 0);
	/* never written through a symlink (lib/atomicfile walks with O_NOFOLLOW) */
	snprintf(path, sizeof(path), "%s/run/quietcore", root);
	assert_int_equal(rmdir(path), 0);
	mkdirs("elsewhere");
	assert_int_equal(symlink("../elsewhere", path), 0);
	assert_int_equal(irqrecord_write(&pc, &rec, NULL), -ELOOP);
	snprintf(path, sizeof(path), "%s/elsewhere/immovable-irqs", root);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_boot_id(void **state)
{
	char id[64] = "untouched";
	struct irqrecord rec = { 0 }, back = { 0 };

	(void)state;
	assert_int_equal(isolation_boot_id(&pc, id, sizeof(id)), 0);
	assert_string_equal(id, BOOT_ID);
	/* a record of another boot reads fine; the reader compares the ids */
	strcpy(rec.boot_id, "11111111-2222-3333-4444-555555555555");
	assert_int_equal(irqrecord_add(&rec, 33, EIO, "virtio1-req.2"), 0);
	assert_int_equal(irqrecord_write(&pc, &rec, NULL), 0);
	assert_int_equal(irqrecord_read(&pc, &back, NULL), 0);
	assert_string_not_equal(back.boot_id, id);
	irqrecord_free(&back);
	irqrecord_free(&rec);
	assert_int_equal(isolation_boot_id(&pc, id, 8), -ENOBUFS);
	put("proc/sys/kernel/random/boot_id", "\n", 1);
	strcpy(id, "untouched");
	assert_int_equal(isolation_boot_id(&pc, id, sizeof(id)), -ENODATA);
	put("proc/sys/kernel/random/boot_id", "x y\n", 4);
	assert_int_equal(isolation_boot_id(&pc, id, sizeof(id)), -EINVAL);
	assert_string_equal(id, "untouched");
	put("proc/sys/kernel/random/boot_id", BOOT_ID "\n", strlen(BOOT_ID) + 1);
}

#define WITH_NUL "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nirq 9 EIO\0x\nend 1\n"

static const struct {
	const char *text;
	size_t len; /* 0: strlen */
	int err;
	unsigned int line;
} bad_records[] = {
	{ "", 0, -EBADMSG, 1 },
	{ "\n", 0, -EMEDIUMTYPE, 0 },
	{ "quietcore-early-pin-state 1\n", 0, -EMEDIUMTYPE, 0 },
	{ "\x7f"
	  "ELF\x02\x01\x01",
	  7, -EMEDIUMTYPE, 0 },
	{ "quietcore-immovable-irqs 2\nboot_id " BOOT_ID "\nend 0\n", 0, -EPROTONOSUPPORT, 0 },
	{ "quietcore-immovable-irqs 1\r\nboot_id " BOOT_ID "\nend 0\n", 0, -EBADMSG, 1 },
	{ "quietcore-immovable", 0, -EBADMSG, 1 },
	{ "quietcore-immovable-irqs x\nboot_id " BOOT_ID "\nend 0\n", 0, -EBADMSG, 1 },
	{ "quietcore-immovable-irqs 01\nboot_id " BOOT_ID "\nend 0\n", 0, -EBADMSG, 1 },
	/* no boot_id, a bad one, an empty one */
	{ "quietcore-immovable-irqs 1\nend 0\n", 0, -EBADMSG, 2 },
	{ "quietcore-immovable-irqs 1\nboot_id x/y\nend 0\n", 0, -EBADMSG, 2 },
	{ "quietcore-immovable-irqs 1\nboot_id \nend 0\n", 0, -EBADMSG, 2 },
	/* cut short: no end, no final newline */
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nirq 9 EIO\n", 0, -EBADMSG, 4 },
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nirq 9 EIO\nend 1", 0, -EBADMSG, 4 },
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nirq 9 E", 0, -EBADMSG, 3 },
	/* wrong count, text after end */
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nirq 9 EIO\nend 2\n", 0, -EBADMSG, 4 },
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nend 0\nirq 9 EIO\n", 0, -EBADMSG, 4 },
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nend 0\n\n", 0, -EBADMSG, 4 },
	/* bad irq lines */
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nirq 9\nend 1\n", 0, -EBADMSG, 3 },
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nirq 9 ENOSPC\nend 1\n", 0, -EBADMSG,
	  3 },
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nirq 9 eio\nend 1\n", 0, -EBADMSG, 3 },
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nirq -9 EIO\nend 1\n", 0, -EBADMSG, 3 },
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nirq +9 EIO\nend 1\n", 0, -EBADMSG, 3 },
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nirq 09 EIO\nend 1\n", 0, -EBADMSG, 3 },
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nirq 0x9 EIO\nend 1\n", 0, -EBADMSG, 3 },
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nirq 99999999999 EIO\nend 1\n", 0,
	  -EBADMSG, 3 },
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nirq  9 EIO\nend 1\n", 0, -EBADMSG, 3 },
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nirq 9 EIO \nend 1\n", 0, -EBADMSG, 3 },
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nirq 9 EIO a\tb\nend 1\n", 0, -EBADMSG,
	  3 },
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\r\nend 0\n", 0, -EBADMSG, 2 },
	{ WITH_NUL, sizeof(WITH_NUL) - 1, -EBADMSG, 3 },
	/* out of order, duplicate */
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nirq 9 EIO\nirq 8 EIO\nend 2\n", 0,
	  -EBADMSG, 4 },
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nirq 9 EIO\nirq 9 EPERM\nend 2\n", 0,
	  -EBADMSG, 4 },
	/* unknown words, a second boot_id */
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nIRQ 9 EIO\nend 1\n", 0, -EBADMSG, 3 },
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nboot_id " BOOT_ID "\nend 0\n", 0,
	  -EBADMSG, 3 },
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nend\n", 0, -EBADMSG, 3 },
	{ "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nend 00\n", 0, -EBADMSG, 3 },
};

static void test_garbage(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_records); i++) {
		struct irqrecord rec = { .n = 12345 };
		size_t len = bad_records[i].len ? bad_records[i].len : strlen(bad_records[i].text);
		unsigned int line = 777;
		int r = irqrecord_parse(bad_records[i].text, len, &rec, &line);

		if (r != bad_records[i].err)
			case_fail("row %zu: %d, want %d", i, r, bad_records[i].err);
		else if (r == -EBADMSG && line != bad_records[i].line)
			case_fail("row %zu: line %u, want %u", i, line, bad_records[i].line);
		if (rec.n != 12345)
			case_fail("row %zu: the result was touched on failure", i);
	}
	table_done();
}

static void test_garbage_file(void **state)
{
	struct irqrecord rec = { 0 };
	unsigned int line = 0;
	static const char cut[] = "quietcore-immovable-irqs 1\nboot_id " BOOT_ID "\nirq 9 EIO\n";

	(void)state;
	mkdirs("run/quietcore");
	put("run/quietcore/immovable-irqs", cut, strlen(cut));
	assert_int_equal(irqrecord_read(&pc, &rec, &line), -EBADMSG);
	assert_int_equal(line, 4);
	put("run/quietcore/immovable-irqs", sample_text, strlen(sample_text));
	assert_int_equal(irqrecord_read(&pc, &rec, &line), 0);
	assert_int_equal(rec.n, 4);
	assert_string_equal(irqrecord_find(&rec, 9)->actions, "aerdrv, PCIe PME");
	assert_int_equal(irqrecord_find(&rec, 40)->err, EPERM);
	assert_string_equal(irqrecord_find(&rec, 40)->actions, "");
	irqrecord_free(&rec);
	assert_int_equal(irqrecord_remove(&pc), 0);
}

static void test_actions(void **state)
{
	char buf[IRQRECORD_ACTIONS_MAX] = "untouched", small[12];

	(void)state;
	mkdirs("proc/irq/16/PCIe PME");
	mkdirs("proc/irq/16/aerdrv");
	mkdirs("proc/irq/16/ehci_hcd:usb1");
	put("proc/irq/16/smp_affinity_list", "0-3\n", 4);
	mkdirs("proc/irq/17");
	put("proc/irq/17/smp_affinity_list", "0-3\n", 4);
	/* sorted, whatever order readdir gives; files are not handlers */
	assert_int_equal(irqrecord_read_actions(&pc, 16, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "PCIe PME, aerdrv, ehci_hcd:usb1");
	/* only the names that fit */
	assert_int_equal(irqrecord_read_actions(&pc, 16, small, sizeof(small)), 0);
	assert_string_equal(small, "PCIe PME");
	assert_int_equal(irqrecord_read_actions(&pc, 17, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	strcpy(buf, "untouched");
	assert_int_equal(irqrecord_read_actions(&pc, 18, buf, sizeof(buf)), -ENOENT);
	assert_string_equal(buf, "untouched");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_id, setup, teardown),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test_setup_teardown(test_garbage_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_actions, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
