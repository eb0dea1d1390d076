// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The GRUB defaults editor (lib/grubdefault + lib/cmdedit), and the
 * --apply/--revert transaction of lib/bootcfg around it.
 *
 * The input is /etc/default/grub, optionally followed by a NUL and a drop-in
 * (/etc/default/grub.d/50-fuzz.cfg). When the editor accepts it:
 *  - what it writes parses again (it never produces unparseable shell);
 *  - the command line the shell would build from the result has the plan,
 *    each wanted parameter once and no other managed one;
 *  - editing the result again changes nothing (idempotent);
 *  - through bootcfg on a scratch root: apply, then revert, gives back every
 *    file byte for byte and leaves no state behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bootcfg.h"
#include "fuzz.h"
#include "grubdefault.h"
#include "plan.h"

#define MAIN_PATH "/etc/default/grub"
#define DROPIN_PATH "/etc/default/grub.d/50-fuzz.cfg"
#define PLAN "isolcpus=domain,managed_irq,1-3 nohz_full=1-3 rcu_nocbs=1-3 irqaffinity=0"

static struct kparams wanted;
static char root[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	return remove(p);
}

static void write_file(const char *rel, const char *buf, size_t len)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	FUZZ_ASSERT(fd >= 0);
	FUZZ_ASSERT(write(fd, buf, len) == (ssize_t)len);
	close(fd);
}

static bool same_file(const char *rel, const char *buf, size_t len)
{
	char path[256], *got;
	size_t n = 0;
	bool same;
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	f = fopen(path, "re");
	if (!f)
		return false;
	got = malloc(len + 2);
	FUZZ_ASSERT(got);
	n = fread(got, 1, len + 1, f);
	fclose(f);
	same = n == len && !memcmp(got, buf, len);
	free(got);
	return same;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char path[256];

	FUZZ_ASSERT(kparams_parse(PLAN, &wanted) == 0);
	/* tmpfs when there is one: fsync is free there */
	snprintf(root, sizeof(root), "%s/qc-fuzz-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" :
		 tmp			       ? tmp :
						 "/tmp");
	FUZZ_ASSERT(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/boot", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/boot/grub", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/etc", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/etc/default", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/etc/default/grub.d", root);
	mkdir(path, 0755);
	write_file("/boot/grub/grub.cfg", "", 0);
	write_file("/etc/os-release", "ID=debian\n", 10);
	return 0;
}

__attribute__((destructor)) static void cleanup_root(void)
{
	if (root[0])
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Apply through bootcfg on the scratch root, then revert: byte-identical. */
static void check_transaction(const char *main, size_t mainlen, const char *dropin,
			      size_t dropinlen)
{
	const char *const *managed = plan_managed_params();
	struct bootcfg_error err = { "" };
	struct bootcfg bc;
	char path[256];
	int r;

	write_file(MAIN_PATH, main, mainlen);
	snprintf(path, sizeof(path), "%s%s", root, DROPIN_PATH);
	unlink(path);
	if (dropin)
		write_file(DROPIN_PATH, dropin, dropinlen);

	FUZZ_ASSERT(bootcfg_init(&bc, root) == 0);
	r = bootcfg_detect(&bc, BOOTCFG_GRUB, &err);
	if (r < 0)
		fprintf(stderr, "detect: %s\n", err.msg);
	FUZZ_ASSERT(r == 0);
	FUZZ_ASSERT(bootcfg_lock(&bc, &err) == 0);
	r = bootcfg_prepare_apply(&bc, &wanted, managed, &err);
	if (r < 0) {
		/* refused as a whole (e.g. the line gets too long): nothing written */
		bootcfg_unlock(&bc);
		bootcfg_free(&bc);
		FUZZ_ASSERT(same_file(MAIN_PATH, main, mainlen));
		return;
	}
	if (bc.nch > 0) {
		r = bootcfg_commit(&bc, true, &err);
		if (r < 0)
			fprintf(stderr, "commit: %s\n", err.msg);
		FUZZ_ASSERT(r == 0);
		FUZZ_ASSERT(bootcfg_record_applied(&bc, &err) == 0);
	}
	bootcfg_unlock(&bc);
	bootcfg_free(&bc);

	FUZZ_ASSERT(bootcfg_init(&bc, root) == 0);
	r = bootcfg_prepare_revert(&bc, &err);
	if (r == 0) {
		FUZZ_ASSERT(bootcfg_lock(&bc, &err) == 0);
		if (bc.nch > 0) {
			r = bootcfg_commit(&bc, false, &err);
			if (r < 0)
				fprintf(stderr, "revert commit: %s\n", err.msg);
			FUZZ_ASSERT(r == 0);
		}
		FUZZ_ASSERT(bootcfg_forget(&bc, &err) == 0);
		bootcfg_unlock(&bc);
	} else {
		FUZZ_ASSERT(r == -ENOENT);
	}
	bootcfg_free(&bc);

	FUZZ_ASSERT(same_file(MAIN_PATH, main, mainlen));
	if (dropin)
		FUZZ_ASSERT(same_file(DROPIN_PATH, dropin, dropinlen));
	snprintf(path, sizeof(path), "%s%s/manifest", root, BOOTCFG_STATE_DIR);
	FUZZ_ASSERT(access(path, F_OK) < 0);
}

static int load(struct grubdefault *gd, const char *main, size_t mainlen, const char *dropin,
		size_t dropinlen)
{
	struct grubdefault_error err;
	int r;

	memset(gd, 0, sizeof(*gd));
	r = grubdefault_add_file(gd, MAIN_PATH, main, mainlen, &err);
	if (r == 0 && dropin)
		r = grubdefault_add_file(gd, DROPIN_PATH, dropin, dropinlen, &err);
	return r;
}

/* What grub-mkconfig puts on the linux line of a normal entry. */
static int effective_line(const struct grubdefault *gd, struct kparams *ret)
{
	char *a = NULL, *b = NULL, *line = NULL;
	int r;

	r = grubdefault_value(gd, "GRUB_CMDLINE_LINUX", &a, NULL);
	if (r == -ENOENT)
		r = 0, a = NULL;
	if (r == 0) {
		r = grubdefault_value(gd, "GRUB_CMDLINE_LINUX_DEFAULT", &b, NULL);
		if (r == -ENOENT)
			r = 0, b = NULL;
	}
	if (r == 0) {
		FUZZ_ASSERT(asprintf(&line, "%s %s", a ? a : "", b ? b : "") > 0);
		r = kparams_parse(line, ret);
	}
	free(line);
	free(a);
	free(b);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *const *managed = plan_managed_params();
	const char *main = (const char *)data, *dropin = NULL;
	const uint8_t *nul = memchr(data, '\0', size);
	size_t mainlen = size, dropinlen = 0;
	struct grubdefault gd, gd2;
	struct grubdefault_error err;
	char **bufs = NULL, **bufs2 = NULL;
	size_t *lens = NULL, *lens2 = NULL;
	struct kparams kp = { 0 };
	char *diff = NULL;
	bool claim;
	int r;

	if (nul) {
		mainlen = (size_t)(nul - data);
		dropin = (const char *)nul + 1;
		dropinlen = size - mainlen - 1;
	}
	r = load(&gd, main, mainlen, dropin, dropinlen);
	if (r < 0)
		goto out;
	r = grubdefault_edit(&gd, &wanted, managed, &bufs, &lens, &err);
	if (r < 0) {
		FUZZ_ASSERT(r == -EINVAL);
		goto out;
	}

	/* the result parses and says the plan */
	r = load(&gd2, bufs[0] ? bufs[0] : main, bufs[0] ? lens[0] : mainlen,
		 gd.nfiles > 1 ? (bufs[1] ? bufs[1] : dropin) : NULL,
		 gd.nfiles > 1 ? (bufs[1] ? lens[1] : dropinlen) : 0);
	if (r < 0)
		fprintf(stderr, "edited text does not parse: %s\n", bufs[0] ? bufs[0] : main);
	FUZZ_ASSERT(r == 0);
	/*
	 * Whatever quotes the line has (a '"' left open, quotes grouping a
	 * managed parameter with other text), an edit the editor accepts reads
	 * as the plan to the kernel: it refuses the others. No claim only when
	 * a file holds NUL bytes (the shell drops them, our C strings end).
	 */
	claim = !(dropin && memchr(dropin, '\0', dropinlen));
	if (claim && effective_line(&gd2, &kp) == 0) {
		bool ok = bootcfg_params_match(&kp, &wanted, managed, &diff);

		if (!ok)
			fprintf(stderr, "edited line does not match the plan: %s\n", diff);
		FUZZ_ASSERT(ok);
	}

	/* idempotent */
	FUZZ_ASSERT(grubdefault_edit(&gd2, &wanted, managed, &bufs2, &lens2, &err) == 0);
	for (size_t i = 0; i < gd2.nfiles; i++)
		FUZZ_ASSERT(!claim || bufs2[i] == NULL);

	check_transaction(main, mainlen, dropin, dropinlen);
	grubdefault_free(&gd2);
out:
	if (bufs)
		for (size_t i = 0; i < gd.nfiles; i++)
			free(bufs[i]);
	if (bufs2)
		for (size_t i = 0; i < gd.nfiles; i++)
			free(bufs2[i]);
	free(bufs);
	free(lens);
	free(bufs2);
	free(lens2);
	free(diff);
	kparams_free(&kp);
	grubdefault_free(&gd);
	return 0;
}
