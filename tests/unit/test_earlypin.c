// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * early-pin's housekeeping set: every source in its order of precedence, bad
 * values falling through to the next source, offline CPUs dropped, and the
 * rd.earlypin* switches. The test links early-pin's objects except main.o and
 * log.o (early-pin/Makemodule.mk); ep_log is captured here.
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

#include "../../early-pin/early-pin.h"
#include "table.h"
#include "tmproot.h"

static char logbuf[4096];

void ep_log(struct earlypin *ep, int level, const char *fmt, ...)
{
	size_t n = strlen(logbuf);
	va_list ap;

	(void)ep;
	(void)level;
	va_start(ap, fmt);
	vsnprintf(logbuf + n, sizeof(logbuf) - n, fmt, ap);
	va_end(ap);
	n = strlen(logbuf);
	snprintf(logbuf + n, sizeof(logbuf) - n, "\n");
}

static char root[64];

static void put(const char *rel, const char *content)
{
	assert_int_equal(tmproot_put(root, rel, content), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/test_earlypin.XXXXXX");
	assert_non_null(mkdtemp(root));
	put("sys/devices/system/cpu/online", "0-6\n"); /* CPU 7 offline */
	put("sys/devices/system/cpu/possible", "0-7\n");
	put("sys/devices/system/node/node0/cpulist", "0-3\n");
	put("sys/devices/system/node/node1/cpulist", "4-7\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmproot_remove(root);
}

struct ep_case {
	const char *cmdline;
	const char *opt;       /* --housekeeping */
	const char *isolated;  /* sysfs isolated ("" = empty) */
	const char *nohz_full; /* sysfs nohz_full (NULL = no file) */
	int ret;
	const char *hk;
	const char *iso;
	const char *source;
	const char *log; /* substring expected in the messages, or NULL for none */
};

static void run_case(const struct ep_case *c, size_t i)
{
	struct earlypin ep;
	char hk[64] = "", iso[64] = "", path[256];
	int r;

	memset(&ep, 0, sizeof(ep));
	logbuf[0] = '\0';
	put("proc/cmdline", c->cmdline);
	put("sys/devices/system/cpu/isolated", c->isolated ? c->isolated : "\n");
	snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/nohz_full", root);
	unlink(path);
	if (c->nohz_full)
		put("sys/devices/system/cpu/nohz_full", c->nohz_full);
	assert_int_equal(path_cxt_init(&ep.pc, root), 0);
	assert_int_equal(ep_read_cpus(&ep), 0);
	assert_int_equal(ep.nbits, 8);
	assert_int_equal(ep.nnodes, 2);
	r = ep_housekeeping(&ep, c->opt);
	if (r == 1) {
		cpuset_format_list(&ep.hk, hk, sizeof(hk));
		cpuset_format_list(&ep.isolated, iso, sizeof(iso));
	}
	if (r != c->ret ||
	    (r == 1 &&
	     (strcmp(hk, c->hk) || strcmp(iso, c->iso) || strcmp(ep.hk_source, c->source))) ||
	    (c->log ? !strstr(logbuf, c->log) : logbuf[0] != '\0'))
		fail_msg("case %zu '%s': got %d hk=%s iso=%s from %s, log '%s'", i, c->cmdline, r,
			 hk, iso, r == 1 ? ep.hk_source : "-", logbuf);
	kparams_free(&ep.kp);
	free(ep.nodes);
}

static void test_sources(void **state)
{
	static const struct ep_case t[] = {
		{ "quiet", NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL },
		{ "quiet", "0,4", NULL, NULL, 1, "0,4", "1-3,5-7", "--housekeeping", NULL },
		/* first match wins */
		{ "rd.earlypin.cpus=0-1 irqaffinity=0 isolcpus=2-7", "3", NULL, NULL, 1, "3",
		  "0-2,4-7", "--housekeeping", NULL },
		{ "rd.earlypin.cpus=0-1 irqaffinity=0 isolcpus=2-7", NULL, NULL, NULL, 1, "0-1",
		  "2-7", "rd.earlypin.cpus", NULL },
		{ "irqaffinity=0 isolcpus=2-7", NULL, NULL, NULL, 1, "0", "1-7", "irqaffinity",
		  NULL },
		{ "isolcpus=domain,managed_irq,2-7", NULL, NULL, NULL, 1, "0-1", "2-7",
		  "isolcpus/nohz_full", NULL },
		{ "isolcpus=managed_irq,4-7 nohz_full=2-3", NULL, NULL, NULL, 1, "0-1", "2-7",
		  "isolcpus/nohz_full", NULL },
		{ "nohz_full=1-6", NULL, NULL, NULL, 1, "0", "1-7", "isolcpus/nohz_full", NULL },
		{ "quiet", NULL, "2-3\n", "4-6\n", 1, "0-1", "2-7", "sysfs isolated/nohz_full",
		  NULL },
		{ "quiet", NULL, "\n", "1-6\n", 1, "0", "1-7", "sysfs isolated/nohz_full", NULL },
		/* bad values fall through to the next source, with a message */
		{ "rd.earlypin.cpus=0-x irqaffinity=0-1", NULL, NULL, NULL, 1, "0-1", "2-7",
		  "irqaffinity", "invalid cpulist in rd.earlypin.cpus=: '0-x'" },
		{ "isolcpus=dom@in,2-7", NULL, NULL, "3-6\n", 1, "0-2", "3-7",
		  "sysfs isolated/nohz_full", "isolcpus=dom@in,2-7 is invalid" },
		{ "irqaffinity=3-1", NULL, NULL, NULL, 0, NULL, NULL, NULL,
		  "invalid cpulist in irqaffinity=" },
		/* offline or nonexistent CPUs are dropped */
		{ "rd.earlypin.cpus=0,7,100", NULL, NULL, NULL, 1, "0", "1-7", "rd.earlypin.cpus",
		  "rd.earlypin.cpus= names CPUs that are not online: 7,100, ignoring them" },
		/* nothing online left: refused */
		{ "quiet", "7", NULL, NULL, -EINVAL, NULL, NULL, NULL, "has no online CPU" },
		{ "quiet", "1-", NULL, NULL, -EINVAL, NULL, NULL, NULL,
		  "invalid cpulist in --housekeeping" },
		/* every online CPU isolated: empty housekeeping, refused */
		{ "isolcpus=0-7", NULL, NULL, NULL, -EINVAL, NULL, NULL, NULL,
		  "has no online CPU" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		run_case(&t[i], i);
}

static void test_switches(void **state)
{
	static const struct {
		const char *cmdline;
		bool disabled;
		const char *governor;
		bool no_turbo, freq_max;
		const char *log;
	} t[] = {
		{ "quiet", false, "", false, false, NULL },
		{ "rd.earlypin=0", true, "", false, false, NULL },
		{ "rd.earlypin=off", true, "", false, false, NULL },
		{ "rd.earlypin=1 rd.earlypin=0", true, "", false, false, NULL }, /* last wins */
		{ "rd.earlypin", false, "", false, false, NULL },
		{ "rd.earlypin=maybe", false, "", false, false,
		  "rd.earlypin=maybe is not 0 or 1, ignoring" },
		{ "rd.earlypin.governor=performance rd.earlypin.turbo=off rd.earlypin.freq=max",
		  false, "performance", true, true, NULL },
		{ "rd.earlypin.governor=Perf", false, "", false, false, "not a governor name" },
		{ "rd.earlypin.governor=waytoolonggovernorname", false, "", false, false,
		  "not a governor name" },
		{ "rd.earlypin.turbo=on rd.earlypin.freq=min", false, "", false, false,
		  "is not 'max'" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct earlypin ep;
		bool dis;

		memset(&ep, 0, sizeof(ep));
		logbuf[0] = '\0';
		put("proc/cmdline", t[i].cmdline);
		assert_int_equal(path_cxt_init(&ep.pc, root), 0);
		dis = ep_disabled(&ep);
		ep_freq_from_cmdline(&ep);
		if (dis != t[i].disabled || strcmp(ep.governor, t[i].governor) ||
		    ep.no_turbo != t[i].no_turbo || ep.freq_max != t[i].freq_max ||
		    (t[i].log ? !strstr(logbuf, t[i].log) : logbuf[0] != '\0'))
			fail_msg("case %zu '%s': disabled=%d governor=%s turbo=%d max=%d log '%s'",
				 i, t[i].cmdline, dis, ep.governor, ep.no_turbo, ep.freq_max,
				 logbuf);
		kparams_free(&ep.kp);
	}
	/* an option wins over the parameter */
	{
		struct earlypin ep;

		memset(&ep, 0, sizeof(ep));
		put("proc/cmdline", "rd.earlypin.governor=powersave");
		assert_int_equal(path_cxt_init(&ep.pc, root), 0);
		assert_int_equal(ep_set_governor(&ep, "performance"), 0);
		ep_freq_from_cmdline(&ep);
		assert_string_equal(ep.governor, "performance");
		assert_int_equal(ep_set_governor(&ep, "bad name"), -EINVAL);
		kparams_free(&ep.kp);
	}
}

/*
 * cpu/online and cpu/possible: a file that is there but unreadable or
 * malformed is an error naming it, never replaced by another file; only an
 * absent cpu/possible falls back (to online and present).
 */
static void test_read_cpus(void **state)
{
	static const struct {
		const char *online; /* content, "fifo", "dir" or NULL: absent */
		const char *possible;
		int ret;
		unsigned int nbits;
		const char *log;
	} rows[] = {
		{ "0-6\n", "0-7\n", 0, 8, NULL },
		{ "0-6\n", NULL, 0, 8, NULL }, /* absent possible: online and present (0-7) */
		{ "0-2\377 garbage\n", "0-7\n", -EINVAL, 0, "cpu/online: malformed content" },
		{ "0-6\n", "0-7\377 garbage\n", -EINVAL, 0, "cpu/possible: malformed content" },
		{ "", "0-7\n", -ENODATA, 0, "cpu/online: empty" },
		{ "0-6\n", "\n", -ENODATA, 0, "cpu/possible: empty" },
		{ NULL, "0-7\n", -ENOENT, 0, "cpu/online: No such file" },
		{ "fifo", "0-7\n", -PATH_ENOTREG, 0, "cpu/online: not a regular file" },
		{ "0-6\n", "dir", -EISDIR, 0, "cpu/possible: Is a directory" },
	};
	char path[256], cmd[300];

	(void)state;
	put("sys/devices/system/cpu/present", "0-7\n");
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		const char *names[2] = { "online", "possible" };
		const char *vals[2] = { rows[i].online, rows[i].possible };
		struct earlypin ep;
		int r;

		for (int k = 0; k < 2; k++) {
			snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/%s", root,
				 names[k]);
			snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
			assert_int_equal(system(cmd), 0);
			if (!vals[k])
				continue;
			if (!strcmp(vals[k], "fifo") || !strcmp(vals[k], "dir")) {
				assert_int_equal(tmproot_put_unusable(path, vals[k]), 0);
			} else {
				snprintf(cmd, sizeof(cmd), "sys/devices/system/cpu/%s", names[k]);
				put(cmd, vals[k]);
			}
		}
		memset(&ep, 0, sizeof(ep));
		logbuf[0] = '\0';
		assert_int_equal(path_cxt_init(&ep.pc, root), 0);
		r = ep_read_cpus(&ep);
		if (r != rows[i].ret || (r == 0 && ep.nbits != rows[i].nbits) ||
		    (rows[i].log ? !strstr(logbuf, rows[i].log) : logbuf[0] != '\0'))
			case_fail("row %zu: got %d nbits %u, log '%s'", i, r, ep.nbits, logbuf);
		free(ep.nodes);
	}
	snprintf(cmd, sizeof(cmd),
		 "rm -rf '%s/sys/devices/system/cpu/present' '%s/sys/devices/system/cpu/possible'",
		 root, root);
	assert_int_equal(system(cmd), 0);
	put("sys/devices/system/cpu/online", "0-6\n");
	put("sys/devices/system/cpu/possible", "0-7\n");
	table_done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sources),
		cmocka_unit_test(test_switches),
		cmocka_unit_test(test_read_cpus),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
