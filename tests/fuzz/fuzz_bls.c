// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * BLS entries and /etc/kernel/cmdline (lib/bls): the same input is tried as
 * both. When an edit is accepted, the options of the result have the plan
 * (each wanted parameter once, no other managed one), a second edit changes
 * nothing, and taking the plan out again leaves no managed parameter.
 * bls_version_cmp() is antisymmetric and reflexive.
 *
 * The claims hold for any text without a NUL byte (which ends our C strings
 * early): quotes the editor did not write and the kernel's Latin-1 space
 * 0xa0 ("\xa0--" hides what follows) included, because the editor reads its
 * result back the kernel's way and refuses (-EBADMSG) what would not say the
 * plan. This harness found that gap; the refusal is the fix.
 */
#include <errno.h>

#include "bootcfg.h"
#include "bls.h"
#include "fuzz.h"
#include "plan.h"

#define PLAN "isolcpus=domain,managed_irq,1-3 nohz_full=1-3 rcu_nocbs=1-3 irqaffinity=0"

static struct kparams wanted, none;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FUZZ_ASSERT(kparams_parse(PLAN, &wanted) == 0);
	return 0;
}

static void check_line(const char *line)
{
	const char *const *managed = plan_managed_params();
	struct kparams kp = { 0 };
	char *diff = NULL;
	bool ok;

	FUZZ_ASSERT(kparams_parse(line, &kp) == 0);
	ok = bootcfg_params_match(&kp, &wanted, managed, &diff);
	if (!ok)
		fprintf(stderr, "edited options [%s] do not match: %s\n", line, diff);
	FUZZ_ASSERT(ok);
	free(diff);
	kparams_free(&kp);
}

static void check_removed(const char *line)
{
	const char *const *managed = plan_managed_params();
	struct kparams kp = { 0 };

	FUZZ_ASSERT(kparams_parse(line, &kp) == 0);
	for (size_t i = 0; managed[i]; i++)
		FUZZ_ASSERT(!kparams_has(&kp, managed[i]));
	kparams_free(&kp);
}

typedef int (*edit_fn)(const char *, size_t, const struct kparams *, const char *const *, char **,
		       size_t *);

/* Edit, check the plan is there, edit again (no-op), remove. */
static void check_edit(edit_fn edit, bool entry, const char *buf, size_t len)
{
	const char *const *managed = plan_managed_params();
	char *out = NULL, *again = NULL, *removed = NULL, *opts = NULL;
	const char *cur;
	size_t outlen = 0, againlen = 0, removedlen = 0, curlen;
	int r;

	r = edit(buf, len, &wanted, managed, &out, &outlen);
	if (r < 0) {
		FUZZ_ASSERT(r == -EINVAL || r == -EBADMSG);
		FUZZ_ASSERT(out == NULL);
		return;
	}
	if (memchr(buf, '\0', len)) {
		free(out); /* NUL bytes: see the top of the file */
		return;
	}
	cur = out ? out : buf;
	curlen = out ? outlen : len;
	if (out)
		FUZZ_ASSERT(strlen(out) <= outlen && out[outlen] == '\0');
	if (entry) {
		FUZZ_ASSERT(bls_entry_options(cur, curlen, &opts) == 0);
	} else {
		opts = malloc(curlen + 1);
		FUZZ_ASSERT(opts);
		memcpy(opts, cur, curlen);
		opts[curlen] = '\0';
	}
	check_line(opts);
	free(opts);
	opts = NULL;

	FUZZ_ASSERT(edit(cur, curlen, &wanted, managed, &again, &againlen) == 0);
	if (again)
		fprintf(stderr, "second edit changed\n[%s]\ninto\n[%s]\n", cur, again);
	FUZZ_ASSERT(again == NULL);

	r = edit(cur, curlen, &none, managed, &removed, &removedlen);
	/* taking the plan out may meet quotes it cannot see through: refused then */
	FUZZ_ASSERT(r == 0 || r == -EBADMSG);
	if (r == 0) {
		if (entry) {
			FUZZ_ASSERT(bls_entry_options(removed ? removed : cur,
						      removed ? removedlen : curlen, &opts) == 0);
		} else {
			opts = strndup(removed ? removed : cur, removed ? removedlen : curlen);
			FUZZ_ASSERT(opts);
		}
		check_removed(opts);
	}
	free(opts);
	free(removed);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct cmdvalue *vals = NULL;
	size_t nvals = 0;
	char *s, *v = NULL, *half;
	int r;

	s = fuzz_strdup(data, size);
	r = bls_entry_values(s, size, &vals, &nvals);
	if (r == 0)
		bls_values_free(vals, nvals);
	if (bls_entry_get(s, size, "version", &v) == 0)
		free(v);
	if (bls_entry_options(s, size, &v) == 0)
		free(v);

	check_edit(bls_entry_edit, true, buf, size);
	check_edit(kcmdline_edit, false, buf, size);

	/* version ordering on the two halves of the input */
	half = s + strlen(s) / 2;
	{
		char *a = strndup(s, (size_t)(half - s));

		FUZZ_ASSERT(a);
		FUZZ_ASSERT(bls_version_cmp(a, a) == 0);
		r = bls_version_cmp(a, half);
		if (r < 0)
			FUZZ_ASSERT(bls_version_cmp(half, a) > 0);
		else if (r > 0)
			FUZZ_ASSERT(bls_version_cmp(half, a) < 0);
		else
			FUZZ_ASSERT(bls_version_cmp(half, a) == 0);
		free(a);
	}
	free(s);
	return 0;
}
