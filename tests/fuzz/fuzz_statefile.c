// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * early-pin's state file (lib/statefile): statefile_read() on any bytes.
 * A file it accepts is written back with statefile_write() and read again:
 * the same header and records (the format is strict, so a round trip must
 * be exact). A rejected file leaves *ret untouched. Every record it accepts
 * is a typed action whose rebuilt path stays in the few directories a save
 * can write (the cgroup records below /sys/fs/cgroup): never a "..", never a
 * free path; a unit record has no path at all.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "statefile.h"

static char dir[64], in[96], out[96];
/* the real root: the target names its files in full */
static struct path_cxt host;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	snprintf(dir, sizeof(dir), "%s/qc-fuzz-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	FUZZ_ASSERT(mkdtemp(dir));
	snprintf(in, sizeof(in), "%s/in", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	umask(022); /* a group-writable state file is (rightly) refused */
	return 0;
}

__attribute__((destructor)) static void cleanup_dir(void)
{
	if (!dir[0])
		return;
	unlink(in);
	unlink(out);
	rmdir(dir);
}

static bool rec_same(const struct statefile_rec *a, const struct statefile_rec *b)
{
	return a->kind == b->kind && a->pid == b->pid && a->tid == b->tid &&
	       a->starttime == b->starttime && a->irq == b->irq && a->policy == b->policy &&
	       a->mount == b->mount && !a->name == !b->name &&
	       (!a->name || !strcmp(a->name, b->name)) && !a->value == !b->value &&
	       (!a->value || !strcmp(a->value, b->value));
}

/* The only places a restore may write. */
static bool path_allowed(const char *p)
{
	static const char *const prefixes[] = {
		"/proc/irq/",
		"/sys/devices/virtual/workqueue/",
		"/sys/devices/system/cpu/cpufreq/policy",
		"/sys/devices/system/cpu/cpufreq/boost",
		"/sys/devices/system/cpu/intel_pstate/no_turbo",
		"/sys/fs/cgroup/", /* the run-time partition's cgroup and its files */
	};

	if (strstr(p, "/..") || strstr(p, "/./") || strstr(p, "//"))
		return false;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(p, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct statefile sf, sf2, canary;
	unsigned int line = 12345;
	FILE *f;
	int r;

	f = fopen(in, "we");
	FUZZ_ASSERT(f);
	FUZZ_ASSERT(fwrite(data, 1, size, f) == size);
	FUZZ_ASSERT(fclose(f) == 0);

	memset(&sf, 0x3c, sizeof(sf));
	canary = sf;
	FUZZ_ASSERT(chmod(in, 0600) == 0);
	r = statefile_read(&host, in, &sf, &line, NULL);
	if (r < 0) {
		FUZZ_ASSERT(r == -EBADMSG || r == -EMEDIUMTYPE || r == -EPROTONOSUPPORT ||
			    r == -ENOMEM || r == -EFBIG);
		/* both were memset as a whole, padding included */
		// NOLINTNEXTLINE(bugprone-suspicious-memory-comparison)
		FUZZ_ASSERT(!memcmp(&sf, &canary, sizeof(sf)));
		return 0;
	}
	for (size_t i = 0; i < sf.n; i++) {
		char p[512];

		if (sf.v[i].kind == SF_TASK)
			continue;
		if (sf.v[i].kind == SF_UNIT) { /* a unit, never a file */
			FUZZ_ASSERT(statefile_rec_path(&sf.v[i], p, sizeof(p)) == -EINVAL);
			continue;
		}
		FUZZ_ASSERT(statefile_rec_path(&sf.v[i], p, sizeof(p)) == 0);
		FUZZ_ASSERT(path_allowed(p));
	}
	unlink(out);
	r = statefile_write(&host, &sf, out, false);
	if (r < 0)
		fprintf(stderr, "statefile_write: %s\n", strerror(-r));
	FUZZ_ASSERT(r == 0);
	r = statefile_read(&host, out, &sf2, &line, NULL);
	if (r < 0)
		fprintf(stderr, "re-read: %s at line %u\n", strerror(-r), line);
	FUZZ_ASSERT(r == 0);
	FUZZ_ASSERT(!strcmp(sf.boot_id, sf2.boot_id) && !strcmp(sf.root, sf2.root));
	FUZZ_ASSERT(sf.nbits == sf2.nbits && sf.saved_at == sf2.saved_at);
	FUZZ_ASSERT(!strcmp(sf.housekeeping, sf2.housekeeping));
	FUZZ_ASSERT(sf.n == sf2.n);
	for (size_t i = 0; i < sf.n; i++)
		FUZZ_ASSERT(rec_same(&sf.v[i], &sf2.v[i]));
	statefile_free(&sf2);
	statefile_free(&sf);
	return 0;
}
