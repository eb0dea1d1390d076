// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel command line: kparams_parse() as next_arg(), kparams_format()
 * back, the set/remove edits, and isolcpus_parse() with its flag rules.
 *
 * Properties:
 *  - format(parse(s)) parses back to the same list when no name or value
 *    holds a double quote and no name holds whitespace (the kernel's, 0xa0
 *    included: it has no way to escape those, so format cannot express them);
 *  - after kparams_set(name) the name is there exactly once, after
 *    kparams_remove() not at all, and words after a "--" are untouched;
 *  - an isolcpus= value that parses formats back ("flags,cpulist") to the
 *    same flags and CPUs.
 */
#include <errno.h>

#include "fuzz.h"
#include "kparam.h"

static bool formattable(const struct kparams *kp)
{
	for (size_t i = 0; i < kp->n; i++) {
		const char *n = kp->v[i].name, *v = kp->v[i].value;

		if (strchr(n, '"') || (v && strchr(v, '"')) || !*n || strchr(n, '='))
			return false;
		for (const char *c = n; *c; c++)
			if (kparam_isspace(*c))
				return false;
	}
	return true;
}

static bool kparams_same(const struct kparams *a, const struct kparams *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		if (strcmp(a->v[i].name, b->v[i].name))
			return false;
		if (!a->v[i].value != !b->v[i].value)
			return false;
		if (a->v[i].value && strcmp(a->v[i].value, b->v[i].value))
			return false;
	}
	return true;
}

static size_t after_dashes(const struct kparams *kp)
{
	for (size_t i = 0; i < kp->n; i++)
		if (!strcmp(kp->v[i].name, "--") && !kp->v[i].value)
			return kp->n - i;
	return 0;
}

static void check_isolcpus(const char *value)
{
	struct isolcpus iso, again;
	char *list, *text;
	int r;

	r = isolcpus_parse(value, 64, &iso);
	if (r < 0) {
		FUZZ_ASSERT(r == -EINVAL || r == -ERANGE);
		return;
	}
	FUZZ_ASSERT(iso.flags != 0);
	if (!iso.flags_given)
		FUZZ_ASSERT(iso.flags == ISOL_FLAG_DOMAIN);
	if (cpuset_empty(&iso.cpus))
		return;
	list = cpuset_to_list(&iso.cpus);
	FUZZ_ASSERT(list);
	if (iso.flags_given)
		FUZZ_ASSERT(asprintf(&text, "%s,%s", isolcpus_flags_str(iso.flags), list) > 0);
	else
		FUZZ_ASSERT((text = strdup(list)));
	r = isolcpus_parse(text, 64, &again);
	if (r != 0)
		fprintf(stderr, "isolcpus=%s -> %s: %d\n", value, text, r);
	FUZZ_ASSERT(r == 0);
	FUZZ_ASSERT(again.flags == iso.flags);
	FUZZ_ASSERT(cpuset_equal(&again.cpus, &iso.cpus));
	free(text);
	free(list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kparams kp = { 0 }, kp2 = { 0 };
	char *str, *line, *line2;
	size_t tail;
	int r;

	str = fuzz_strdup(data, size);
	check_isolcpus(str);

	r = kparams_parse(str, &kp);
	if (r < 0) {
		FUZZ_ASSERT(r == -ENOMEM || r == -EINVAL);
		free(str);
		return 0;
	}
	for (size_t i = 0; i < kp.n; i++)
		if (kp.v[i].value && kparam_name_eq(kp.v[i].name, "isolcpus"))
			check_isolcpus(kp.v[i].value);

	line = kparams_format(&kp);
	FUZZ_ASSERT(line);
	if (formattable(&kp)) {
		FUZZ_ASSERT(kparams_parse(line, &kp2) == 0);
		if (!kparams_same(&kp, &kp2))
			fprintf(stderr, "input: [%s]\nformatted: [%s]\n", str, line);
		FUZZ_ASSERT(kparams_same(&kp, &kp2));
		line2 = kparams_format(&kp2);
		FUZZ_ASSERT(line2 && !strcmp(line, line2));
		free(line2);
		kparams_free(&kp2);
	}

	/* edits: exactly once after set, gone after remove, "--" tail kept */
	tail = after_dashes(&kp);
	FUZZ_ASSERT(kparams_set(&kp, "isolcpus", "domain,managed_irq,1-3") == 0);
	FUZZ_ASSERT(kparams_count(&kp, "isolcpus") == 1);
	FUZZ_ASSERT(!strcmp(kparams_get(&kp, "isolcpus"), "domain,managed_irq,1-3"));
	FUZZ_ASSERT(kparams_set(&kp, "rcu_nocbs", NULL) == 0);
	FUZZ_ASSERT(kparams_count(&kp, "rcu-nocbs") == 1 && kparams_has(&kp, "rcu_nocbs"));
	FUZZ_ASSERT(kparams_get(&kp, "rcu_nocbs") == NULL);
	kparams_remove(&kp, "nohz_full");
	FUZZ_ASSERT(!kparams_has(&kp, "nohz_full") && kparams_count(&kp, "nohz-full") == 0);
	FUZZ_ASSERT(after_dashes(&kp) == tail);

	free(line);
	kparams_free(&kp);
	free(str);
	return 0;
}
