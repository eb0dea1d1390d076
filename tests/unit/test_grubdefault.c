// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * GRUB defaults editor: table-driven, every quoting style, export, variable
 * references, commented-out and repeated assignments, drop-ins, idempotence,
 * refusals. Every edited result is also sourced by /bin/sh to check that
 * the kernel command line GRUB would build holds each managed parameter
 * exactly once, with the wanted value, and the other words unchanged.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdedit.h"
#include "grubdefault.h"
#include "kparam.h"

static const char *const managed[] = {
	"isolcpus", "nohz_full", "rcu_nocbs", "irqaffinity", "nosoftlockup", NULL,
};

#define WANT_DEFAULT "isolcpus=domain,managed_irq,2-3 nohz_full=2-3"

struct gdcase {
	const char *name;
	const char *main;	/* /etc/default/grub */
	const char *dropin;	/* one drop-in, or NULL */
	const char *want;	/* wanted parameters, NULL = WANT_DEFAULT */
	const char *exp_main;	/* expected new main file (NULL: unchanged) */
	const char *exp_dropin; /* expected new drop-in (NULL: unchanged) */
	const char *exp_line;	/* words GRUB puts on the normal boot line */
};

static const struct gdcase cases[] = {
	{ "debian default",
	  "# If you change this file, run 'update-grub'\nGRUB_DEFAULT=0\nGRUB_TIMEOUT=5\n"
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"\"\n",
	  NULL, NULL,
	  "# If you change this file, run 'update-grub'\nGRUB_DEFAULT=0\nGRUB_TIMEOUT=5\n"
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet " WANT_DEFAULT "\"\nGRUB_CMDLINE_LINUX=\"\"\n",
	  NULL, "quiet " WANT_DEFAULT },
	{ "single quotes", "GRUB_CMDLINE_LINUX_DEFAULT='quiet splash'\n", NULL, NULL,
	  "GRUB_CMDLINE_LINUX_DEFAULT='quiet splash " WANT_DEFAULT "'\n", NULL,
	  "quiet splash " WANT_DEFAULT },
	{ "unquoted word", "GRUB_CMDLINE_LINUX_DEFAULT=quiet\n", NULL, NULL,
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet " WANT_DEFAULT "\"\n", NULL, "quiet " WANT_DEFAULT },
	{ "empty unquoted", "GRUB_CMDLINE_LINUX_DEFAULT=\n", NULL, NULL,
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"" WANT_DEFAULT "\"\n", NULL, WANT_DEFAULT },
	{ "empty quoted", "GRUB_CMDLINE_LINUX_DEFAULT=\"\"\n", NULL, NULL,
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"" WANT_DEFAULT "\"\n", NULL, WANT_DEFAULT },
	{ "export", "export GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n", NULL, NULL,
	  "export GRUB_CMDLINE_LINUX_DEFAULT=\"quiet " WANT_DEFAULT "\"\n", NULL,
	  "quiet " WANT_DEFAULT },
	{ "old value replaced in place", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet isolcpus=1 splash\"\n",
	  NULL, NULL,
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet isolcpus=domain,managed_irq,2-3 splash nohz_full=2-3\"\n",
	  NULL, "quiet isolcpus=domain,managed_irq,2-3 splash nohz_full=2-3" },
	{ "duplicates collapse to one",
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"isolcpus=1 quiet isolcpus=5 nohz-full=7\"\n", NULL, NULL,
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"isolcpus=domain,managed_irq,2-3 quiet nohz_full=2-3\"\n",
	  NULL, "isolcpus=domain,managed_irq,2-3 quiet nohz_full=2-3" },
	{ "managed parameter taken out of GRUB_CMDLINE_LINUX",
	  "GRUB_CMDLINE_LINUX=\"rhgb isolcpus=1 quiet\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"\"\n", NULL,
	  NULL,
	  "GRUB_CMDLINE_LINUX=\"rhgb quiet\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"" WANT_DEFAULT "\"\n",
	  NULL, "rhgb quiet " WANT_DEFAULT },
	{ "self reference",
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet isolcpus=1\"\n"
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT splash\"\n",
	  NULL, NULL,
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT splash " WANT_DEFAULT "\"\n",
	  NULL, "quiet splash " WANT_DEFAULT },
	{ "reference to another variable",
	  "BASE=\"nohz_full=1 mitigations=off\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"${BASE} quiet\"\n",
	  NULL, NULL,
	  "BASE=\"mitigations=off\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"${BASE} quiet " WANT_DEFAULT
	  "\"\n",
	  NULL, "mitigations=off quiet " WANT_DEFAULT },
	{ "only a reference", "A=quiet\nGRUB_CMDLINE_LINUX_DEFAULT=\"$A\"\n", NULL, NULL,
	  "A=quiet\nGRUB_CMDLINE_LINUX_DEFAULT=\"$A " WANT_DEFAULT "\"\n", NULL,
	  "quiet " WANT_DEFAULT },
	{ "unquoted reference", "A=quiet\nGRUB_CMDLINE_LINUX_DEFAULT=$A\n", NULL, NULL,
	  "A=quiet\nGRUB_CMDLINE_LINUX_DEFAULT=$A\" " WANT_DEFAULT "\"\n", NULL,
	  "quiet " WANT_DEFAULT },
	{ "commented-out assignment untouched",
	  "#GRUB_CMDLINE_LINUX_DEFAULT=\"isolcpus=1\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\" # ours\n",
	  NULL, NULL,
	  "#GRUB_CMDLINE_LINUX_DEFAULT=\"isolcpus=1\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet " WANT_DEFAULT
	  "\" # ours\n",
	  NULL, "quiet " WANT_DEFAULT },
	{ "last assignment wins",
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"old isolcpus=9\"\nGRUB_CMDLINE_LINUX_DEFAULT='new'\n", NULL,
	  NULL,
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"old isolcpus=9\"\nGRUB_CMDLINE_LINUX_DEFAULT='new " WANT_DEFAULT
	  "'\n",
	  NULL, "new " WANT_DEFAULT },
	{ "no assignment: one is added", "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"rhgb\"\n", NULL,
	  NULL,
	  "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"rhgb\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"" WANT_DEFAULT
	  "\"\n",
	  NULL, "rhgb " WANT_DEFAULT },
	{ "no final newline", "GRUB_TIMEOUT=5", NULL, NULL,
	  "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT=\"" WANT_DEFAULT "\"\n", NULL, WANT_DEFAULT },
	{ "escaped quotes and continuation kept",
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet acpi_osi=\\\"Windows 2015\\\" \\\n  splash\"\n", NULL,
	  NULL,
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet acpi_osi=\\\"Windows 2015\\\" \\\n  splash " WANT_DEFAULT
	  "\"\n",
	  NULL, "quiet acpi_osi=\"Windows 2015\" splash " WANT_DEFAULT },
	{ "assignment in front of a command is not effective",
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"isolcpus=1\" true\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n",
	  NULL, NULL,
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"isolcpus=1\" true\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet " WANT_DEFAULT
	  "\"\n",
	  NULL, "quiet " WANT_DEFAULT },
	{ "if block not touching the command line",
	  "if [ -x /usr/bin/lsb_release ]; then GRUB_DISTRIBUTOR=`lsb_release -i -s`; fi\n"
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n",
	  NULL, NULL,
	  "if [ -x /usr/bin/lsb_release ]; then GRUB_DISTRIBUTOR=`lsb_release -i -s`; fi\n"
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet " WANT_DEFAULT "\"\n",
	  NULL, "quiet " WANT_DEFAULT },
	{ "bare flag and removal of an unwanted managed parameter",
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"rcu_nocbs=1 quiet\"\n", NULL, "nosoftlockup isolcpus=2",
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet nosoftlockup isolcpus=2\"\n", NULL,
	  "quiet nosoftlockup isolcpus=2" },
	{ "already there: nothing changes",
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet " WANT_DEFAULT "\"\n", NULL, NULL, NULL, NULL,
	  "quiet " WANT_DEFAULT },
	{ "drop-in overrides the main file: the drop-in is edited",
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\n",
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"console=tty1 console=ttyS0\"\n", NULL, NULL,
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"console=tty1 console=ttyS0 " WANT_DEFAULT "\"\n",
	  "console=tty1 console=ttyS0 " WANT_DEFAULT },
	{ "drop-in extends the main file", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet isolcpus=1\"\n",
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT splash\"\n", NULL,
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n",
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT splash " WANT_DEFAULT "\"\n",
	  "quiet splash " WANT_DEFAULT },
	/* kernel quotes that close and hold no managed parameter: edited as usual */
	{ "balanced kernel quotes kept",
	  "GRUB_CMDLINE_LINUX_DEFAULT='quiet dyndbg=\"file x.c +p\" nohz_full=1'\n", NULL, NULL,
	  "GRUB_CMDLINE_LINUX_DEFAULT='quiet dyndbg=\"file x.c +p\" nohz_full=2-3 "
	  "isolcpus=domain,managed_irq,2-3'\n",
	  NULL, "quiet dyndbg=\"file x.c +p\" nohz_full=2-3 isolcpus=domain,managed_irq,2-3" },
};

static int load(struct grubdefault *gd, const char *main_buf, const char *dropin,
		struct grubdefault_error *err)
{
	int r;

	memset(gd, 0, sizeof(*gd));
	r = grubdefault_add_file(gd, "/etc/default/grub", main_buf, strlen(main_buf), err);
	if (r == 0 && dropin)
		r = grubdefault_add_file(gd, "/etc/default/grub.d/50-x.cfg", dropin, strlen(dropin),
					 err);
	return r;
}

/*
 * Source main_buf (then dropin, may be NULL) with shell in a private directory,
 * empty environment, no PATH, then run print: its output.
 */
static char *sourced(const char *shell, const char *main_buf, const char *dropin, const char *print)
{
	char d[] = "/tmp/qc-gd-XXXXXX", cmd[1024], out[4096];
	FILE *f, *p;
	size_t n;

	assert_non_null(mkdtemp(d));
	snprintf(cmd, sizeof(cmd), "%s/grub", d);
	f = fopen(cmd, "w");
	assert_non_null(f);
	fputs(main_buf, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s/drop.cfg", d);
	f = fopen(cmd, "w");
	assert_non_null(f);
	fputs(dropin ? dropin : "", f);
	fclose(f);
	snprintf(
		cmd, sizeof(cmd),
		"cd %s && env -i PATH=/nonexistent %s -c '. ./grub; . ./drop.cfg; %s' 2>/dev/null; cd / && rm -rf %s",
		d, shell, print, d);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	pclose(p);
	out[n] = '\0';
	return strdup(out);
}

/* Source the files with /bin/sh and print what GRUB would put on the normal boot line. */
static char *sh_line(const char *main_buf, const char *dropin)
{
	char *out = sourced("/bin/sh", main_buf, dropin,
			    "echo $GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT");
	size_t n = strlen(out);

	while (n && out[n - 1] == '\n')
		out[--n] = '\0';
	return out;
}

static void test_cases(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct gdcase *c = &cases[i];
		struct grubdefault_error err = { 0 };
		struct grubdefault gd, gd2;
		struct kparams want = { 0 };
		char **bufs = NULL, **bufs2 = NULL;
		size_t *lens = NULL, *lens2 = NULL;
		const char *nm, *nd;
		char *line;

		print_message("case: %s\n", c->name);
		assert_int_equal(kparams_parse(c->want ? c->want : WANT_DEFAULT, &want), 0);
		assert_int_equal(load(&gd, c->main, c->dropin, &err), 0);
		assert_int_equal(grubdefault_edit(&gd, &want, managed, &bufs, &lens, &err), 0);
		if (c->exp_main) {
			assert_non_null(bufs[0]);
			assert_string_equal(bufs[0], c->exp_main);
		} else {
			assert_null(bufs[0]);
		}
		if (c->dropin) {
			if (c->exp_dropin) {
				assert_non_null(bufs[1]);
				assert_string_equal(bufs[1], c->exp_dropin);
			} else {
				assert_null(bufs[1]);
			}
		}
		nm = bufs[0] ? bufs[0] : c->main;
		nd = c->dropin ? (bufs[1] ? bufs[1] : c->dropin) : NULL;

		/* What the shell makes of it. */
		line = sh_line(nm, nd);
		assert_string_equal(line, c->exp_line);
		free(line);

		/* Idempotent: editing the result changes nothing. */
		assert_int_equal(load(&gd2, nm, nd, &err), 0);
		assert_int_equal(grubdefault_edit(&gd2, &want, managed, &bufs2, &lens2, &err), 0);
		for (size_t f = 0; f < gd2.nfiles; f++)
			assert_null(bufs2[f]);

		for (size_t f = 0; f < gd.nfiles; f++)
			free(bufs[f]);
		for (size_t f = 0; f < gd2.nfiles; f++)
			free(bufs2[f]);
		free(bufs);
		free(lens);
		free(bufs2);
		free(lens2);
		grubdefault_free(&gd);
		grubdefault_free(&gd2);
		kparams_free(&want);
	}
}

static void test_value(void **state)
{
	struct grubdefault_error err;
	struct grubdefault gd;
	char *v = NULL;

	assert_int_equal(
		load(&gd, "A=one\nB=\"$A two\"\nB=\"${B}\"' three'\nexport C\n", NULL, &err), 0);
	assert_int_equal(grubdefault_value(&gd, "B", &v, NULL), 0);
	assert_string_equal(v, "one two three");
	free(v);
	assert_int_equal(grubdefault_value(&gd, "C", &v, NULL), -ENOENT);
	grubdefault_free(&gd);
}

struct badcase {
	const char *name;
	const char *main;
	int parse_err; /* expected from parsing, else from editing */
	unsigned int line;
};

static const struct badcase bad[] = {
	{ "unterminated double quote", "A=1\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\n", 1, 2 },
	{ "unterminated single quote", "GRUB_CMDLINE_LINUX_DEFAULT='quiet\n", 1, 1 },
	{ "unterminated if", "if true; then\nA=1\n", 1, 3 },
	{ "stray fi", "A=1\nfi\n", 1, 2 },
	{ "bash array", "GRUB_CMDLINE_LINUX_DEFAULT=(a b)\n", 1, 1 },
	{ "ends after &&", "A=1 &&\n# it's \"\n", 1, 3 },
	{ "here-document delimiter with $", ": <<$E\nx\n$E\n", 1, 1 },
	{ "conditional assignment", "if [ -e /x ]; then\n  GRUB_CMDLINE_LINUX_DEFAULT=\"a\"\nfi\n",
	  0, 2 },
	{ "command substitution", "GRUB_CMDLINE_LINUX_DEFAULT=\"$(cat /etc/x)\"\n", 0, 1 },
	{ "parameter expansion", "GRUB_CMDLINE_LINUX_DEFAULT=\"${X:-isolcpus=1}\"\n", 0, 1 },
	{ "managed parameter from a variable", "C=1\nGRUB_CMDLINE_LINUX=\"isolcpus=$C\"\n", 0, 2 },
	{ "managed parameter across quotes", "GRUB_CMDLINE_LINUX_DEFAULT=\"isolcpus=\"'1'\n", 0,
	  1 },
	/*
	 * The kernel's next_arg() groups by '"': a quote left open takes every
	 * parameter after it (ours, appended, included) into one value; quotes
	 * can hide a managed parameter from the editor or put one inside
	 * another's value. All refused, the line named.
	 */
	{ "kernel quote left open", "GRUB_CMDLINE_LINUX_DEFAULT='quiet foo=\"bar'\n", 0, 1 },
	{ "kernel quote left open in GRUB_CMDLINE_LINUX",
	  "GRUB_CMDLINE_LINUX=\"dyndbg=\\\"x\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n", 0, 2 },
	{ "kernel quote left open, no default yet", "GRUB_CMDLINE_LINUX='a=\"b'\n", 0, 1 },
	{ "managed parameter inside a quoted value",
	  "GRUB_CMDLINE_LINUX_DEFAULT='quiet foo=\"a isolcpus=3\"'\n", 0, 1 },
	{ "quoted managed parameter", "GRUB_CMDLINE_LINUX_DEFAULT='quiet \"isolcpus=1\"'\n", 0, 1 },
	{ "managed parameter after a 0xa0", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\xa0nohz_full=1\"\n",
	  0, 1 },
};

static void test_bad(void **state)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct grubdefault_error err = { 0 };
		struct kparams want = { 0 };
		struct grubdefault gd;
		char **bufs = NULL;
		size_t *lens = NULL;
		int r;

		print_message("bad: %s\n", bad[i].name);
		assert_int_equal(kparams_parse(WANT_DEFAULT, &want), 0);
		r = load(&gd, bad[i].main, NULL, &err);
		if (bad[i].parse_err) {
			assert_int_equal(r, -EINVAL);
		} else {
			assert_int_equal(r, 0);
			r = grubdefault_edit(&gd, &want, managed, &bufs, &lens, &err);
			assert_int_equal(r, -EINVAL);
		}
		assert_non_null(err.what);
		assert_int_equal(err.line, bad[i].line);
		grubdefault_free(&gd);
		kparams_free(&want);
	}
}

static void test_unsafe_values(void **state)
{
	static const char *const unsafe[] = {
		"a\"b", "a'b", "$HOME", "`id`", "a;reboot", "a b", "a\nb", "a\\b",
		"a*",	"a|b", "a&b",	"a>b",	"a(b",	    "#x",  "a!b",
	};
	static const char *const safe[] = { "1-3,5", "domain,managed_irq,2-7", "0", "",
					    "a.b:c/d+e@f%g" };

	for (size_t i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++)
		assert_int_equal(cmdedit_param_check("x", unsafe[i]), -EINVAL);
	for (size_t i = 0; i < sizeof(safe) / sizeof(safe[0]); i++)
		assert_int_equal(cmdedit_param_check("x", safe[i]), 0);
	assert_int_equal(cmdedit_param_check("a b", NULL), -EINVAL);
	assert_int_equal(cmdedit_param_check("", NULL), -EINVAL);
	assert_int_equal(cmdedit_param_check("rcu_nocbs", "1"), 0);
	assert_int_equal(cmdedit_param_check("nohz-full", NULL), 0);
}

/* Words of a line that are not managed, in order, space-joined. */
static void unmanaged_words(const char *line, char *out, size_t len)
{
	struct kparams kp = { 0 };
	size_t o = 0;

	assert_int_equal(kparams_parse(line, &kp), 0);
	out[0] = '\0';
	for (size_t i = 0; i < kp.n; i++) {
		if (cmdedit_is_managed(kp.v[i].name, NULL, managed))
			continue;
		o += (size_t)snprintf(out + o, len - o, "%s%s%s%s", o ? " " : "", kp.v[i].name,
				      kp.v[i].value ? "=" : "", kp.v[i].value ? kp.v[i].value : "");
	}
	kparams_free(&kp);
}

/*
 * Random files made of realistic lines: whatever the mix, the shell sees each
 * wanted parameter once, no other managed one, and the other words unchanged
 * and in order; a second edit changes nothing.
 */
static void test_random_mixes(void **state)
{
	static const char *const pool[] = {
		"GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n",
		"GRUB_CMDLINE_LINUX_DEFAULT='splash isolcpus=7'\n",
		"GRUB_CMDLINE_LINUX_DEFAULT=nohz_full=5\n",
		"GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT rcu_nocbs=2 a=b\"\n",
		"export GRUB_CMDLINE_LINUX_DEFAULT=\"${GRUB_CMDLINE_LINUX_DEFAULT} x\"\n",
		"GRUB_CMDLINE_LINUX=\"$EXTRA ro\"\n",
		"EXTRA=\"isolcpus=1 nohz-full=3 keep=1\"\n",
		"GRUB_CMDLINE_LINUX=''\n",
		"#GRUB_CMDLINE_LINUX_DEFAULT=\"isolcpus=9\"\n",
		"GRUB_TIMEOUT=5 # isolcpus=3\n",
		"GRUB_CMDLINE_LINUX_DEFAULT=\n",
		"GRUB_CMDLINE_LINUX=\"irqaffinity=0 \\\n  console=ttyS0\"\n",
		"A=1; GRUB_CMDLINE_LINUX_DEFAULT=\"$A isolcpus=2\"\n",
		"GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT\"' nosoftlockup'\n",
		"if [ -n \"$x\" ]; then\n  GRUB_TIMEOUT=1\nfi\n",
	};
	const size_t npool = sizeof(pool) / sizeof(pool[0]);
	unsigned int seed = 20261121;
	struct kparams want = { 0 };

	assert_int_equal(kparams_parse(WANT_DEFAULT, &want), 0);
	for (int iter = 0; iter < 300; iter++) {
		char file[2048] = "", before[2048], after[2048];
		struct grubdefault_error err = { 0 };
		struct grubdefault gd, gd2;
		char **bufs = NULL, **bufs2 = NULL;
		size_t *lens = NULL, *lens2 = NULL;
		int nlines = 1 + (int)(rand_r(&seed) % 5);
		char *l0, *l1;

		for (int k = 0; k < nlines; k++)
			strcat(file, pool[rand_r(&seed) % npool]);
		print_message("mix %d:\n%s", iter, file);
		assert_int_equal(load(&gd, file, NULL, &err), 0);
		assert_int_equal(grubdefault_edit(&gd, &want, managed, &bufs, &lens, &err), 0);
		l0 = sh_line(file, NULL);
		l1 = sh_line(bufs[0] ? bufs[0] : file, NULL);
		/* each wanted parameter once, with its value; no other managed one */
		{
			struct kparams kp = { 0 };

			assert_int_equal(kparams_parse(l1, &kp), 0);
			for (size_t i = 0; i < want.n; i++) {
				assert_int_equal(kparams_count(&kp, want.v[i].name), 1);
				assert_string_equal(kparams_get(&kp, want.v[i].name),
						    want.v[i].value);
			}
			for (size_t i = 0; managed[i]; i++)
				if (!kparams_has(&want, managed[i]))
					assert_int_equal(kparams_count(&kp, managed[i]), 0);
			kparams_free(&kp);
		}
		unmanaged_words(l0, before, sizeof(before));
		unmanaged_words(l1, after, sizeof(after));
		assert_string_equal(before, after);
		/* idempotent */
		assert_int_equal(load(&gd2, bufs[0] ? bufs[0] : file, NULL, &err), 0);
		assert_int_equal(grubdefault_edit(&gd2, &want, managed, &bufs2, &lens2, &err), 0);
		assert_null(bufs2[0]);
		free(l0);
		free(l1);
		free(bufs[0]);
		free(bufs);
		free(lens);
		free(bufs2);
		free(lens2);
		grubdefault_free(&gd);
		grubdefault_free(&gd2);
	}
	kparams_free(&want);
}

/*
 * The reader against dash on files that fool a line-by-line reader: when it
 * claims a value for GRUB_CMDLINE_LINUX and GRUB_CMDLINE_LINUX_DEFAULT, dash
 * (which grub-mkconfig sources the files with) must print the same; where it
 * says it cannot tell, the case says so too.
 */
struct dashcase {
	const char *name;
	const char *text;
	bool certain; /* the reader gives a value (else -EINVAL) */
};

#define Q "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"

static const struct dashcase dashcases[] = {
	{ "here-document", Q "cat <<EOF\nGRUB_CMDLINE_LINUX_DEFAULT=\"inheredoc\"\nEOF\n", true },
	{ "here-document <<-, tabs",
	  Q ": <<-EOF\n\tGRUB_CMDLINE_LINUX_DEFAULT=x\n\tEOF\nGRUB_CMDLINE_LINUX=after\n", true },
	{ "quoted delimiter",
	  Q ": <<'E F'\nGRUB_CMDLINE_LINUX_DEFAULT=x\nE F\nGRUB_CMDLINE_LINUX=y\n", true },
	{ "delimiter with trailing blank is not the end",
	  Q ": <<E\nE \nGRUB_CMDLINE_LINUX_DEFAULT=x\nE\n", true },
	{ "two here-documents on a line",
	  Q
	  ": <<A; : <<\"B\"\nGRUB_CMDLINE_LINUX=a\nA\nGRUB_CMDLINE_LINUX_DEFAULT=b\nB\nGRUB_CMDLINE_LINUX=c\n",
	  true },
	{ "continuation joins a here-document line",
	  Q ": <<E\nx\\\nE\nGRUB_CMDLINE_LINUX_DEFAULT=in\nE\n", true },
	{ "double backslash does not join", Q ": <<E\nx\\\\\nE\nGRUB_CMDLINE_LINUX_DEFAULT=out\n",
	  true },
	{ "quoted delimiter: no continuation",
	  Q ": <<'E'\nx\\\nE\nGRUB_CMDLINE_LINUX_DEFAULT=out\n", true },
	{ "here-document up to end of file", Q ": <<E\nGRUB_CMDLINE_LINUX_DEFAULT=x\n", true },
	{ "here-document without assignment before", ": <<E\nGRUB_CMDLINE_LINUX_DEFAULT=x\nE",
	  true },
	{ "assignment before ':' is kept", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet isolcpus=6\" :\n",
	  true },
	{ "assignment before quoted ':' is kept", "GRUB_CMDLINE_LINUX_DEFAULT=a \":\"\n", true },
	{ "assignment before true is not", Q "GRUB_CMDLINE_LINUX_DEFAULT=x true\n", true },
	{ "assignment before a redirection only is kept",
	  Q "GRUB_CMDLINE_LINUX_DEFAULT=x >/dev/null\n", true },
	{ "export and readonly",
	  "export GRUB_CMDLINE_LINUX_DEFAULT=a GRUB_CMDLINE_LINUX=b\nreadonly X=1\n", true },
	{ "several on one line, left to right",
	  "A=1 GRUB_CMDLINE_LINUX=\"$A\" A=2 GRUB_CMDLINE_LINUX_DEFAULT=$A\n", true },
	{ "{ } group", Q "{ GRUB_CMDLINE_LINUX_DEFAULT=g; }\n", true },
	{ "continuation in a value",
	  "GRUB_CMDLINE_LINUX_DEFAULT=\"a \\\nb\"\nGRUB_CMDLINE_LINUX=c\\\nd\n", true },
	{ "comments with quotes",
	  "# it's \"quoted\"\nGRUB_CMDLINE_LINUX_DEFAULT=a # don't\nGRUB_CMDLINE_LINUX=b#c\n",
	  true },
	{ "if not touching the command line", "if true; then X=1; fi\n" Q, true },
	{ "&& before the assignment", Q "true && :\nGRUB_CMDLINE_LINUX=x\n", true },
	{ "case not touching the command line", "case x in y) A=1;; (x) A=2;; esac\n" Q, true },
	{ "loops not touching the command line",
	  "for i in 1 2; do A=$i; done\nwhile false; do :; done\n" Q, true },
	{ "if", Q "if true; then GRUB_CMDLINE_LINUX_DEFAULT=x; fi\n", false },
	{ "case", Q "case x in x) GRUB_CMDLINE_LINUX_DEFAULT=c;; esac\n", false },
	{ "for", Q "for i in 1; do GRUB_CMDLINE_LINUX_DEFAULT=$i; done\n", false },
	{ "{ } in a pipeline", Q "{ GRUB_CMDLINE_LINUX_DEFAULT=g; } | :\n", false },
	{ "background", Q "GRUB_CMDLINE_LINUX_DEFAULT=x &\n", false },
	{ "return", "return\n" Q, false },
	{ "&&", Q "true && GRUB_CMDLINE_LINUX_DEFAULT=x\n", false },
	{ "&& then a newline", Q "false &&\n\n  GRUB_CMDLINE_LINUX_DEFAULT=x\n", false },
	{ "||", Q "false || GRUB_CMDLINE_LINUX_DEFAULT=x\n", false },
	{ "pipeline", Q "GRUB_CMDLINE_LINUX_DEFAULT=x | :\n", false },
	{ "subshell", Q "( GRUB_CMDLINE_LINUX_DEFAULT=x )\n", false },
	{ "function", Q "f() { GRUB_CMDLINE_LINUX_DEFAULT=x; }\nf\n", false },
	{ "eval", Q "eval 'GRUB_CMDLINE_LINUX_DEFAULT=x'\n", false },
	{ "${X:=}", "X=1\n: ${GRUB_CMDLINE_LINUX_DEFAULT:=x}\n", false },
	{ "$((..))", Q ": $((X=1))\n", false },
	{ "unset", Q "unset GRUB_CMDLINE_LINUX_DEFAULT\n", false },
	{ "here-document with ${X=}", Q "cat <<E\n${GRUB_CMDLINE_LINUX_DEFAULT=x}\nE\n", false },
	{ "after readonly", "readonly GRUB_CMDLINE_LINUX=a\nGRUB_CMDLINE_LINUX=b\n", false },
	{ "readonly, then another variable after &&", "readonly A=1 &&\nA=2\n" Q, false },
	{ "command substitution", "GRUB_CMDLINE_LINUX_DEFAULT=\"$(echo x)\"\n", false },
};

/* What dash makes of text: "LINUX\nDEFAULT". */
static char *dash_reads(const char *text)
{
	return sourced(
		"/bin/dash", text, NULL,
		"printf \"%s\\n%s\" \"$GRUB_CMDLINE_LINUX\" \"$GRUB_CMDLINE_LINUX_DEFAULT\"");
}

static void test_against_dash(void **state)
{
	if (access("/bin/dash", X_OK) != 0)
		skip();
	for (size_t i = 0; i < sizeof(dashcases) / sizeof(dashcases[0]); i++) {
		const struct dashcase *c = &dashcases[i];
		struct grubdefault_error err = { 0 };
		struct grubdefault gd;
		char *a = NULL, *b = NULL, *mine = NULL, *sh;
		int ra, rb;

		print_message("dash: %s\n", c->name);
		assert_int_equal(load(&gd, c->text, NULL, &err), 0);
		ra = grubdefault_value(&gd, "GRUB_CMDLINE_LINUX", &a, &err);
		rb = grubdefault_value(&gd, "GRUB_CMDLINE_LINUX_DEFAULT", &b, &err);
		if (!c->certain) {
			assert_true(ra == -EINVAL || rb == -EINVAL);
			assert_non_null(err.what);
			assert_true(err.line > 0);
		} else {
			assert_true(ra == 0 || ra == -ENOENT);
			assert_true(rb == 0 || rb == -ENOENT);
			assert_true(asprintf(&mine, "%s\n%s", ra == 0 ? a : "", rb == 0 ? b : "") >
				    0);
			sh = dash_reads(c->text);
			assert_string_equal(mine, sh);
			free(sh);
			free(mine);
		}
		free(a);
		free(b);
		grubdefault_free(&gd);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),	     cmocka_unit_test(test_value),
		cmocka_unit_test(test_bad),	     cmocka_unit_test(test_unsafe_values),
		cmocka_unit_test(test_random_mixes), cmocka_unit_test(test_against_dash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
